/// \file core/activation.hpp
/// The activation functions g[l] and their derivatives: A = g(Z) in the forward pass,
/// dZ = dA * g'(Z) in the backward pass. Each pass walks the matrix once, column by column
/// (one example at a time stays in cache), and the forward pass also adds the bias b.
#ifndef DEEPNET_CORE_ACTIVATION_HPP
#define DEEPNET_CORE_ACTIVATION_HPP

#include "../config.hpp"
#include "../errors.hpp"

#include <stdexcept>
#include <string>

namespace deepnet {

/// The activation g[l] of a layer.
enum class Activation {
  Identity,   ///< g(z) = z (regression outputs)
  Sigmoid,    ///< g(z) = 1 / (1 + e^-z), in (0, 1)
  Tanh,       ///< g(z) = tanh z, in (-1, 1)
  ReLU,       ///< g(z) = max(0, z); g'(0) is taken as 0
  LeakyReLU,  ///< g(z) = z for z > 0, else 0.01 z (`leaky_relu_slope`)
  Softmax     ///< a = e^z / sum(e^z) over the units of each column; output layer only
};

/// Slope of LeakyReLU for z <= 0 (PyTorch's default negative_slope).
template <class Scalar>
constexpr Scalar leaky_relu_slope = Scalar(0.01);

/// The activation's name as it appears in messages and files: "Identity", "ReLU", ...
inline std::string to_string(Activation g) {
  switch (g) {
    case Activation::Identity:
      return "Identity";
    case Activation::Sigmoid:
      return "Sigmoid";
    case Activation::Tanh:
      return "Tanh";
    case Activation::ReLU:
      return "ReLU";
    case Activation::LeakyReLU:
      return "LeakyReLU";
    case Activation::Softmax:
      return "Softmax";
  }
  return "Activation(" + std::to_string(static_cast<int>(g)) + ")";
}

/// Throws ConfigError unless `g` is one of the enumerators (guards values cast from integers).
inline void require_valid(Activation g) {
  switch (g) {
    case Activation::Identity:
    case Activation::Sigmoid:
    case Activation::Tanh:
    case Activation::ReLU:
    case Activation::LeakyReLU:
    case Activation::Softmax:
      return;
  }
  throw ConfigError("unknown activation " + to_string(g));
}

namespace detail {

/// A = g(Z) column by column, after `prepare(z)` has updated each column z of Z (the bias add,
/// or nothing). One pass per column: z is still in cache when g reads it. The switch sits
/// outside the loop so that each loop body is a single vectorised Eigen expression.
/// With `check_finite`, returns whether every entry of Z (after the bias add) is finite: the
/// check reads each column while it is in cache, so that the forward pass needs no pass of its
/// own over Z. Without, returns true.
// One instantiation per Scalar: the bias is a runtime argument (nullptr: none), not a lambda,
// and Z is always a writable span, so the six loop bodies are compiled once.
template <class Scalar>
bool activate_columns(Activation g, MatrixSpan<Scalar> Z, MatrixSpan<Scalar> A, const Scalar* b,
                      bool check_finite = false) {
  using BiasArray = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
  // z - z is 0 for a finite z and NaN for infinity or NaN, so the sum over every column stays
  // 0 exactly when Z is finite (a sum of zeros cannot overflow).
  Scalar not_finite(0);
  const auto prepare = [b, check_finite, &not_finite](auto& z) {
    if (b != nullptr) z += BiasArray(b, z.rows());
    if (check_finite) not_finite += (z - z).sum();
  };
  DEEPNET_ASSERT(A.rows() == Z.rows() && A.cols() == Z.cols(), "activate_columns: shapes");
  const auto each_column = [&](auto&& g_of_z) {
    for (Index j = 0; j < Z.cols(); ++j) {
      auto z = Z.col(j).array();
      prepare(z);
      A.col(j).array() = g_of_z(z);
    }
  };
  const Scalar slope = leaky_relu_slope<Scalar>;
  switch (g) {
    case Activation::Identity:
      each_column([](const auto& z) { return z; });
      break;
    case Activation::Sigmoid:
      each_column([](const auto& z) { return z.logistic(); });
      break;
    case Activation::Tanh:
      each_column([](const auto& z) { return z.tanh(); });
      break;
    case Activation::ReLU:
      each_column([](const auto& z) { return z.max(Scalar(0)); });
      break;
    case Activation::LeakyReLU:
      each_column([slope](const auto& z) { return (z > Scalar(0)).select(z, slope * z); });
      break;
    case Activation::Softmax:
      for (Index j = 0; j < Z.cols(); ++j) {
        auto z = Z.col(j).array();
        auto a = A.col(j).array();
        prepare(z);
        // Subtracting the column's maximum keeps exp() from overflowing; the result is the same.
        a = (z - z.maxCoeff()).exp();
        a /= a.sum();
      }
      break;
  }
  return not_finite == Scalar(0);
}

}  // namespace detail

/// Fused forward pass of one layer after the product W A[l-1] is in Z:
/// Z += b (each column), then A = g(Z).
/// \param g the activation
/// \param b bias, n x 1 (a Vector, or a view such as a layer's b(), taken without a copy)
/// \param Z n x m; holds W A[l-1] on entry and Z = W A[l-1] + b on return
/// \param A n x m, receives g(Z)
template <class Scalar>
void add_bias_and_activate(Activation g, const Eigen::Ref<const Vector<Scalar>>& b,
                           MatrixSpan<Scalar> Z, MatrixSpan<Scalar> A) {
  DEEPNET_ASSERT(Z.rows() == b.rows(), "add_bias_and_activate: shapes");
  detail::activate_columns<Scalar>(g, Z, A, b.data());
}

/// A = g(Z), column by column (a layer with batch normalisation has no bias to add).
/// \param Z n x m, the pre-activation
/// \param A n x m, receives g(Z)
template <class Scalar>
void activate_into(Activation g, MatrixView<Scalar> Z, MatrixSpan<Scalar> A) {
  // Z is only read when there is no bias to add.
  detail::activate_columns<Scalar>(
      g, MatrixSpan<Scalar>(const_cast<Scalar*>(Z.data()), Z.rows(), Z.cols()), A, nullptr);
}

/// A = g(Z) for a whole matrix (no bias). Allocates the result: for learners and tests.
template <class Scalar>
Matrix<Scalar> activate(Activation g, const Matrix<Scalar>& Z) {
  Matrix<Scalar> z = Z;
  Matrix<Scalar> A(Z.rows(), Z.cols());
  activate_into<Scalar>(g, MatrixView<Scalar>(z.data(), z.rows(), z.cols()),
                        MatrixSpan<Scalar>(A.data(), A.rows(), A.cols()));
  return A;
}

/// Backward pass through the activation: dZ = dA * g'(Z), element by element
/// (for Softmax, the Jacobian-vector product of each column).
/// \param g  the activation
/// \param Z  n x m, the cached Z[l]
/// \param A  n x m, the cached A[l] = g(Z[l]) (sigmoid, tanh and softmax derive from A)
/// \param dA n x m, dL/dA[l]
/// \param dZ n x m, receives dL/dZ[l]
template <class Scalar>
void activation_backward(Activation g, MatrixView<Scalar> Z, MatrixView<Scalar> A,
                         MatrixView<Scalar> dA, MatrixSpan<Scalar> dZ) {
  DEEPNET_ASSERT(Z.rows() == dZ.rows() && Z.cols() == dZ.cols() && A.rows() == dZ.rows() &&
                     A.cols() == dZ.cols() && dA.rows() == dZ.rows() && dA.cols() == dZ.cols(),
                 "activation_backward: shapes");
  const Scalar slope = leaky_relu_slope<Scalar>;
  const Scalar one(1);
  const Scalar zero(0);
  switch (g) {
    case Activation::Identity:
      dZ = dA;
      break;
    // sigma'(z) = a (1 - a)
    case Activation::Sigmoid:
      dZ.array() = dA.array() * A.array() * (one - A.array());
      break;
    // tanh'(z) = 1 - a^2
    case Activation::Tanh:
      dZ.array() = dA.array() * (one - A.array().square());
      break;
    case Activation::ReLU:
      dZ.array() = (Z.array() > zero).select(dA.array(), zero);
      break;
    case Activation::LeakyReLU:
      dZ.array() = (Z.array() > zero).select(dA.array(), slope * dA.array());
      break;
    case Activation::Softmax:
      // d a_i / d z_k = a_i (delta_ik - a_k), so dz = a * (da - sum(da * a)) per column.
      for (Index j = 0; j < dZ.cols(); ++j) {
        const auto a = A.col(j).array();
        const auto da = dA.col(j).array();
        dZ.col(j).array() = a * (da - (da * a).sum());
      }
      break;
  }
}

/// dZ = dA * g'(Z) from Z alone, for a layer whose cached A is not g(Z) (after dropout):
/// sigmoid and tanh recompute g(Z) column by column instead of reading A.
template <class Scalar>
void activation_backward_from_Z(Activation g, MatrixView<Scalar> Z, MatrixView<Scalar> dA,
                                MatrixSpan<Scalar> dZ) {
  switch (g) {
    case Activation::Sigmoid:
    case Activation::Tanh:
      // g(Z) into dZ first, then the usual pass reading it as A (element by element, so dZ
      // may be both A and the result): no expression of its own to compile.
      activate_into<Scalar>(g, Z, dZ);
      activation_backward<Scalar>(g, Z, MatrixView<Scalar>(dZ.data(), dZ.rows(), dZ.cols()), dA,
                                  dZ);
      return;
    case Activation::Softmax:
      // Only hidden layers drop units, and Softmax is an output activation.
      throw std::logic_error("activation_backward_from_Z: Softmax needs its cached A");
    default:  // Identity, ReLU and LeakyReLU read only Z
      activation_backward<Scalar>(g, Z, Z, dA, dZ);
      return;
  }
}

}  // namespace deepnet

#endif  // DEEPNET_CORE_ACTIVATION_HPP
