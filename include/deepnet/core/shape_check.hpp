/// \file core/shape_check.hpp
/// The shape checker of the notes' "check your matrix dimensions" section: at every layer,
/// W is n[l] x n[l-1], b is n[l] x 1, Z and A are n[l] x m, and every gradient has the shape
/// of what it differentiates (dW of W, db of b, dZ of Z, dA of A). The first mismatch throws a
/// ShapeError naming the layer, the symbol and both shapes.
#ifndef DEEPNET_CORE_SHAPE_CHECK_HPP
#define DEEPNET_CORE_SHAPE_CHECK_HPP

#include "../config.hpp"
#include "../errors.hpp"

#include <string>

namespace deepnet {

template <class Scalar>
class Layer;

namespace detail {

/// Throws ShapeError unless `actual` is expected_rows x expected_cols. The message is built
/// only on failure (`reason` is a callable returning it), so a passing check never allocates.
template <class Matrix, class Reason>
void expect_shape(const Matrix& actual, const char* where, Index l, const char* symbol,
                  Index expected_rows, Index expected_cols, Reason&& reason) {
  if (actual.rows() != expected_rows || actual.cols() != expected_cols) {
    const std::string prefix = *where != '\0' ? std::string(where) + ": " : std::string();
    throw ShapeError(prefix + "layer " + std::to_string(l), l, symbol, actual.rows(), actual.cols(),
                     expected_rows, expected_cols, reason());
  }
}

inline std::string n_of(Index l) {
  return "n[" + std::to_string(l) + "]";
}

inline std::string the_shape_of(const char* symbol) {
  return std::string("the shape of ") + symbol;
}

// The hint added when a matrix of examples is m x n instead of n x m: data from a table (a
// CSV file, NumPy) usually has one row per sample, the notes one column.
inline std::string transposed_hint(const char* symbol) {
  return std::string(": samples are columns; is ") + symbol + " transposed? use " + symbol +
         ".transpose()";
}

/// Throws ShapeError unless the inputs `symbol` (X, X_val) have n[0] rows, one column per
/// example. When they have n[0] columns instead, the message says they look transposed:
/// `DeepNet::fit: X is 209x12288, expected 12288x209 (n[0] x m = 12288 x m: samples are
/// columns; is X transposed? use X.transpose())`. Allocates only when it throws.
inline void expect_inputs(const char* where, const char* symbol, Index rows, Index cols,
                          Index n_0) {
  if (rows == n_0) return;
  if (cols == n_0 && rows > 0) {
    throw ShapeError(where, 0, symbol, rows, cols, n_0, rows,
                     "n[0] x m = " + std::to_string(n_0) + " x m" + transposed_hint(symbol));
  }
  throw ShapeError(where, 0, symbol, rows, cols, n_0, cols,
                   "n[0] = " + std::to_string(n_0) + " rows, one column per example");
}

/// Throws ShapeError unless the targets `symbol` (Y, Y_val) are n[L] x m, the shape of A[L].
/// When they are m x n[L] instead, the message says they look transposed:
/// `DeepNet::fit: Y is 209x1, expected 1x209 (the shape of A[2]: n[2] x m = 1 x m: samples are
/// columns; is Y transposed? use Y.transpose())`. Allocates only when it throws.
/// `hint`, when not empty, ends the reason (e.g. what to do with class indices).
inline void expect_targets(const char* where, Index L, const char* symbol, Index rows, Index cols,
                           Index n_L, Index m, const std::string& hint = std::string()) {
  if (rows == n_L && cols == m) return;
  const std::string l = std::to_string(L);
  std::string reason = "the shape of A[" + l + "]: n[" + l + "] x m";
  if (rows == m && cols == n_L) {
    reason += " = " + std::to_string(n_L) + " x m" + transposed_hint(symbol);
  }
  throw ShapeError(where, L, symbol, rows, cols, n_L, m, reason + hint);
}

}  // namespace detail

/// Checks the parameters of layer l and the storage of their gradients: W and dW are
/// n[l] x n[l-1], b and db are n[l] x 1, and with batch normalisation gamma, beta, dgamma and
/// dbeta n[l] x 1. These are the matrices a caller can resize (which takes them out of the
/// network's parameter store until they get their shape back).
/// \param where the operation, for the message, e.g. "DeepNet::forward" (may be empty)
/// \throws ShapeError at the first mismatch
template <class Scalar>
void check_parameter_shapes(const Layer<Scalar>& layer, Index l, const char* where = "") {
  using detail::expect_shape;
  using detail::the_shape_of;
  const Index n = layer.units();
  const Index n_prev = layer.inputs();
  expect_shape(layer.W(), where, l, "W", n, n_prev,
               [l] { return detail::n_of(l) + " x " + detail::n_of(l - 1); });
  expect_shape(layer.b(), where, l, "b", n, 1, [l] { return detail::n_of(l) + " x 1"; });
  expect_shape(layer.dW(), where, l, "dW", n, n_prev, [] { return the_shape_of("W"); });
  expect_shape(layer.db(), where, l, "db", n, 1, [] { return the_shape_of("b"); });
  if (!layer.has_batch_norm()) return;
  const auto& norm = layer.batch_norm();
  expect_shape(norm.gamma(), where, l, "gamma", n, 1, [l] { return detail::n_of(l) + " x 1"; });
  expect_shape(norm.beta(), where, l, "beta", n, 1, [l] { return detail::n_of(l) + " x 1"; });
  expect_shape(norm.dgamma(), where, l, "dgamma", n, 1, [] { return the_shape_of("gamma"); });
  expect_shape(norm.dbeta(), where, l, "dbeta", n, 1, [] { return the_shape_of("beta"); });
}

/// Checks every matrix of layer l: W, b, dW, db, then the caches of a forward pass over m
/// examples, Z and A, and when `gradients` is true those of the backward pass, dZ and dA.
/// \throws ShapeError at the first mismatch
template <class Scalar>
void check_layer_shapes(const Layer<Scalar>& layer, Index l, Index m, bool gradients) {
  using detail::expect_shape;
  using detail::the_shape_of;
  check_parameter_shapes(layer, l);
  const Index n = layer.units();
  expect_shape(layer.Z(), "", l, "Z", n, m, [l] { return detail::n_of(l) + " x m"; });
  expect_shape(layer.A(), "", l, "A", n, m, [] { return the_shape_of("Z"); });
  if (!gradients) return;
  expect_shape(layer.dZ(), "", l, "dZ", n, m, [] { return the_shape_of("Z"); });
  expect_shape(layer.dA(), "", l, "dA", n, m, [] { return the_shape_of("A"); });
}

}  // namespace deepnet

#endif  // DEEPNET_CORE_SHAPE_CHECK_HPP
