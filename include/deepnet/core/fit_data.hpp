/// \file core/fit_data.hpp
/// What `fit` and `accuracy` do with the data they are given, the same for `DeepNet` and
/// `Sequential`: X (and Y) as views when they are matrices, blocks or Maps of the network's
/// scalar, anything else evaluated once; integer class labels for a Softmax output made
/// one-hot once, after their shape and values are checked.
#ifndef DEEPNET_CORE_FIT_DATA_HPP
#define DEEPNET_CORE_FIT_DATA_HPP

#include "../config.hpp"
#include "../detail/input.hpp"
#include "../errors.hpp"
#include "../tools/data.hpp"
#include "shape_check.hpp"

#include <string>
#include <type_traits>

namespace deepnet {
namespace detail {

/// A matrix, block or Map of the network's scalar, kept as it is (the caller keeps it alive).
template <class Derived>
struct ViewedData {
  const Derived& data;  ///< the caller's matrix
  /// The data.
  const Derived& get() const { return data; }
};

/// Any other expression, evaluated once into a matrix of the network's scalar.
template <class Scalar>
struct EvaluatedData {
  Matrix<Scalar> data;  ///< the evaluated copy
  /// The data.
  const Matrix<Scalar>& get() const { return data; }
};

/// M as a view when it can be viewed in place (detail/input.hpp), else evaluated once.
template <class Scalar, class Derived>
auto viewable_data(const Eigen::MatrixBase<Derived>& M) {
  if constexpr (is_viewable_input<Derived, Scalar>) {
    return ViewedData<Derived>{M.derived()};
  } else {
    return EvaluatedData<Scalar>{M.template cast<Scalar>()};
  }
}

/// How the network names its output in the messages of `targets_of`: "the Softmax output has
/// n[L] = " 10 " units".
struct OutputWords {
  const char* before;  ///< e.g. "the Softmax output has n[L] = "
  const char* after;   ///< e.g. " units"
};

/// The targets for fit and accuracy. Integer labels for a Softmax output (`softmax`) become
/// one-hot columns, once, after X's shape (n_in rows: a transposed X would otherwise be
/// reported as labels with the wrong m) and the labels' shape (1 x m) and values (0..n_out-1)
/// are checked under their own name; other integer targets are converted to Scalar; targets
/// of a floating type stay as they are (a view when they can be).
template <class Scalar, class DerivedX, class DerivedY>
auto targets_of(bool softmax, Index n_in, Index n_out, Index output_layer, OutputWords words,
                const Eigen::MatrixBase<DerivedX>& X, const char* x_name,
                const Eigen::MatrixBase<DerivedY>& Y, const char* name, const char* where) {
  if constexpr (std::is_integral<typename DerivedY::Scalar>::value) {
    if (!softmax) return EvaluatedData<Scalar>{Y.template cast<Scalar>()};
    expect_inputs(where, x_name, X.rows(), X.cols(), n_in);
    if (Y.rows() != 1 || Y.cols() != X.cols()) {
      throw ShapeError(where, output_layer, name, Y.rows(), Y.cols(), 1, X.cols(),
                       "one class index 0.." + std::to_string(n_out - 1) + " per example of " +
                           x_name + "; one-hot targets are a matrix of floating-point numbers");
    }
    std::string text;
    for (Index j = 0; j < Y.cols(); ++j) {
      if (!is_class_index(Y(0, j), n_out, text)) {
        throw DataError(std::string(where) + ": " + name + "(0, " + std::to_string(j) + ") is " +
                            text + ", but " + words.before + std::to_string(n_out) + words.after +
                            ": a label must be a class index 0.." + std::to_string(n_out - 1),
                        name, 0, j);
      }
    }
    return EvaluatedData<Scalar>{one_hot<Scalar>(Y, n_out)};
  } else {
    (void)softmax, (void)n_in, (void)n_out, (void)output_layer, (void)words;
    (void)X, (void)x_name, (void)name, (void)where;
    return viewable_data<Scalar>(Y);
  }
}

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_CORE_FIT_DATA_HPP
