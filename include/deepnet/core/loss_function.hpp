/// \file core/loss_function.hpp
/// `LossFunction<Scalar>`: the loss of a `Sequential` network behind a small interface, so that
/// a program can bring its own (Huber, mean absolute error, ...). `BuiltinLoss` puts the
/// `Loss` enum behind it. The convention is the course's (loss.hpp): the cost J averages the
/// per-example losses over the m columns, and `gradient` writes m times dJ/dA, the
/// per-example gradient dA that starts the backward pass.
#ifndef DEEPNET_CORE_LOSS_FUNCTION_HPP
#define DEEPNET_CORE_LOSS_FUNCTION_HPP

#include "../config.hpp"
#include "../errors.hpp"
#include "loss.hpp"

#include <cmath>
#include <optional>
#include <string>

namespace deepnet {

/// A loss J(A, Y) over n x m outputs A and targets Y, one column per example.
template <class Scalar>
class LossFunction {
 public:
  using Targets = Eigen::Ref<const Matrix<Scalar>>;  ///< Y, n x m

  virtual ~LossFunction() = default;

  /// The loss's name in messages and summaries.
  virtual std::string name() const = 0;

  /// J = (1/m) sum over the columns of the per-example loss.
  virtual Scalar cost(MatrixView<Scalar> A, const Targets& Y) const = 0;

  /// dA = m dJ/dA, written into `dA` (n x m, preallocated: no allocation here).
  virtual void gradient(MatrixView<Scalar> A, const Targets& Y, MatrixSpan<Scalar> dA) const = 0;

  /// Checks the values of Y before cost and backward use them: by default that each is finite.
  /// \throws DataError naming the first bad entry
  virtual void validate(const Targets& Y, const char* where) const {
    if (detail::all_finite(Y)) return;
    for (Index j = 0; j < Y.cols(); ++j) {
      for (Index i = 0; i < Y.rows(); ++i) {
        if (!std::isfinite(Y(i, j))) {
          throw DataError(std::string(where) + ": Y(" + std::to_string(i) + ", " +
                              std::to_string(j) + ") is " + detail::number_string(Y(i, j)) +
                              "; targets must be finite numbers",
                          "Y", i, j);
        }
      }
    }
  }

  /// The built-in loss this is, if it is one: the network then computes the cost from the
  /// pre-activation and uses the fused gradient where they apply (loss.hpp).
  virtual std::optional<Loss> builtin() const { return std::nullopt; }
};

/// A built-in `Loss` as a LossFunction.
template <class Scalar>
class BuiltinLoss : public LossFunction<Scalar> {
 public:
  using typename LossFunction<Scalar>::Targets;

  /// The loss `loss`.
  explicit BuiltinLoss(Loss loss = Loss::MeanSquaredError) : m_loss(loss) {}

  /// "BinaryCrossEntropy", "CategoricalCrossEntropy" or "MeanSquaredError".
  std::string name() const override { return to_string(m_loss); }

  /// J from A alone, with the textbook formulas (log A); a network with the matching output
  /// activation computes it from the pre-activation instead, which never takes log(0).
  Scalar cost(MatrixView<Scalar> A, const Targets& Y) const override {
    return cost_from_activations<Scalar>(m_loss, Matrix<Scalar>(A), Y);
  }

  /// dA = -(Y / A - (1 - Y) / (1 - A)), -Y / A (0 where Y = 0) or A - Y.
  void gradient(MatrixView<Scalar> A, const Targets& Y, MatrixSpan<Scalar> dA) const override {
    const Scalar one(1);
    switch (m_loss) {
      case Loss::BinaryCrossEntropy:
        dA.array() = -(Y.array() / A.array() - (one - Y.array()) / (one - A.array()));
        return;
      case Loss::CategoricalCrossEntropy:
        dA.array() = (Y.array() != Scalar(0)).select(-Y.array() / A.array(), Scalar(0));
        return;
      case Loss::MeanSquaredError:
        dA = A - Y;
        return;
    }
  }

  /// Finite values, and labels 0 or 1 (one-hot columns for CategoricalCrossEntropy).
  void validate(const Targets& Y, const char* where) const override {
    validate_targets<Scalar>(m_loss, Y, where);
  }

  /// The Loss.
  std::optional<Loss> builtin() const override { return m_loss; }

 private:
  Loss m_loss;
};

}  // namespace deepnet

#endif  // DEEPNET_CORE_LOSS_FUNCTION_HPP
