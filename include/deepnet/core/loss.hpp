/// \file core/loss.hpp
/// The cost J(A[L], Y) and the gradient that starts the backward pass, dA[L] and dZ[L].
///
/// Convention (the course's): dA[l] and dZ[l] are derivatives of the per-example loss,
/// column i holding dL(a(i), y(i)) / da[l](i), which is m times dJ/dA[l]. The 1/m of the cost
/// is applied once, in dW and db.
///
/// No cost ever evaluates log(0): the cross-entropies are computed from Z[L] instead of A[L],
/// with log sigma(z) = -softplus(-z) and log softmax(z) = z - logsumexp(z), both evaluated in
/// forms that cannot overflow. The result is exact where log(A) would give -inf.
#ifndef DEEPNET_CORE_LOSS_HPP
#define DEEPNET_CORE_LOSS_HPP

#include "../config.hpp"
#include "../errors.hpp"
#include "activation.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace deepnet {

/// The loss that compares A[L] with the targets Y.
enum class Loss {
  /// J = -(1/m) sum [Y log A + (1 - Y) log(1 - A)]; Sigmoid output, labels 0 or 1
  /// (one output unit, or several independent ones for multi-label problems).
  BinaryCrossEntropy,
  /// J = -(1/m) sum Y log A; Softmax output, one-hot columns of Y.
  CategoricalCrossEntropy,
  /// J = (1/m) sum over examples of 1/2 ||a - y||^2; any output but Softmax (regression).
  MeanSquaredError
};

/// The loss's name as it appears in messages and files.
inline std::string to_string(Loss loss) {
  switch (loss) {
    case Loss::BinaryCrossEntropy:
      return "BinaryCrossEntropy";
    case Loss::CategoricalCrossEntropy:
      return "CategoricalCrossEntropy";
    case Loss::MeanSquaredError:
      return "MeanSquaredError";
  }
  return "Loss(" + std::to_string(static_cast<int>(loss)) + ")";
}

/// The loss that goes with an output activation: Sigmoid -> BinaryCrossEntropy,
/// Softmax -> CategoricalCrossEntropy, anything else -> MeanSquaredError.
inline Loss matching_loss(Activation output) {
  switch (output) {
    case Activation::Sigmoid:
      return Loss::BinaryCrossEntropy;
    case Activation::Softmax:
      return Loss::CategoricalCrossEntropy;
    default:
      return Loss::MeanSquaredError;
  }
}

/// Throws ConfigError, saying why, when `loss` cannot be used after the output activation.
inline void require_compatible(Activation output, Loss loss) {
  require_valid(output);
  switch (loss) {
    case Loss::BinaryCrossEntropy:
      if (output != Activation::Sigmoid) {
        throw ConfigError("BinaryCrossEntropy needs a Sigmoid output layer, not " +
                          to_string(output) +
                          ": it takes log(A) and log(1 - A), so every output must lie in (0, 1)");
      }
      return;
    case Loss::CategoricalCrossEntropy:
      if (output != Activation::Softmax) {
        throw ConfigError("CategoricalCrossEntropy needs a Softmax output layer, not " +
                          to_string(output) +
                          ": it reads each column of A as a probability distribution over classes");
      }
      return;
    case Loss::MeanSquaredError:
      if (output == Activation::Softmax) {
        throw ConfigError(
            "a Softmax output layer goes with CategoricalCrossEntropy, not MeanSquaredError: "
            "softmax with squared error learns slowly when a class is confidently wrong");
      }
      return;
  }
  throw ConfigError("unknown loss " + to_string(loss));
}

namespace detail {

/// When Y is one row holding every class index 0..K-1, K > 2 (such as the digits 0..9), the
/// advice for a Sigmoid output: "; Y looks like class indices 0..9: ... Activation::Softmax
/// ... deepnet::one_hot(labels, 10)"; otherwise empty (a stray 3 among 0/1 labels is a typo,
/// not classes). Only called to build a message.
template <class YType>
std::string class_index_hint(const YType& Y) {
  if (Y.rows() != 1) return std::string();
  double top = 0.0;
  for (Index j = 0; j < Y.cols(); ++j) {
    const double y = static_cast<double>(Y(0, j));
    if (!std::isfinite(y) || y < 0.0 || std::floor(y) != y) return std::string();
    top = std::max(top, y);
  }
  if (top < 2.0 || top >= static_cast<double>(Y.cols())) return std::string();
  const auto K = static_cast<std::size_t>(top) + 1;  // at most m
  std::vector<bool> seen(K, false);
  for (Index j = 0; j < Y.cols(); ++j)
    seen[static_cast<std::size_t>(Y(0, j))] = true;
  if (std::find(seen.begin(), seen.end(), false) != seen.end()) return std::string();
  const std::string classes = std::to_string(K);
  return "; Y looks like class indices 0.." + std::to_string(K - 1) + ": for " + classes +
         " exclusive classes, give the output layer " + classes +
         " units with Activation::Softmax and make Y with deepnet::one_hot(labels, " + classes +
         ")";
}

}  // namespace detail

/// Checks that Y holds targets the loss can use; throws DataError naming the first bad entry
/// (for class indices 0..K-1 given to binary cross-entropy, the message says to use a Softmax
/// output and `one_hot`).
/// \param where the operation, for the message (e.g. "DeepNet::cost")
/// \param Y     n[L] x m targets
template <class Scalar>
void validate_targets(Loss loss, const Eigen::Ref<const Matrix<Scalar>>& Y, const char* where) {
  // Messages are built only on failure: this runs every step and must not allocate.
  const auto fail = [&](Index i, Index j, const std::string& why) {
    throw DataError(std::string(where) + ": Y(" + std::to_string(i) + ", " + std::to_string(j) +
                        ") is " + detail::number_string(Y(i, j)) + why,
                    "Y", i, j);
  };
  for (Index j = 0; j < Y.cols(); ++j) {
    for (Index i = 0; i < Y.rows(); ++i) {
      const Scalar y = Y(i, j);
      if (!std::isfinite(y)) fail(i, j, "; targets must be finite numbers");
      if (loss != Loss::MeanSquaredError && y != Scalar(0) && y != Scalar(1)) {
        fail(i, j,
             ", but " + to_string(loss) + " needs labels that are 0 or 1" +
                 (loss == Loss::BinaryCrossEntropy ? detail::class_index_hint(Y) : std::string()));
      }
    }
    if (loss == Loss::CategoricalCrossEntropy && Y.col(j).sum() != Scalar(1)) {
      throw DataError(std::string(where) + ": column " + std::to_string(j) + " of Y has " +
                          detail::number_string(Y.col(j).sum()) +
                          " ones; CategoricalCrossEntropy needs one-hot columns (exactly one 1)",
                      "Y", 0, j);
    }
  }
}

/// The cost J of the output layer's cached Z[L] and A[L] against Y (all n[L] x m).
template <class Scalar>
Scalar cost(Loss loss, MatrixView<Scalar> Z, MatrixView<Scalar> A,
            const Eigen::Ref<const Matrix<Scalar>>& Y) {
  const Scalar m = static_cast<Scalar>(Y.cols());
  switch (loss) {
    case Loss::BinaryCrossEntropy: {
      // -[y log s(z) + (1-y) log(1 - s(z))] = softplus(z) - y z,
      // softplus(z) = max(z, 0) + log1p(exp(-|z|))  (never overflows, never log(0))
      const auto z = Z.array();
      const auto softplus = z.max(Scalar(0)) + (-z.abs()).exp().log1p();
      return (softplus - Y.array() * z).sum() / m;
    }
    case Loss::CategoricalCrossEntropy: {
      // -sum_k y_k log softmax(z)_k = sum_k y_k (logsumexp(z) - z_k)
      Scalar total(0);
      for (Index j = 0; j < Z.cols(); ++j) {
        const auto z = Z.col(j).array();
        const Scalar top = z.maxCoeff();
        const Scalar logsumexp = top + std::log((z - top).exp().sum());
        total += (Y.col(j).array() * (logsumexp - z)).sum();
      }
      return total / m;
    }
    case Loss::MeanSquaredError:
      return (A - Y).squaredNorm() / (Scalar(2) * m);
  }
  return Scalar(0);
}

/// The cost computed from A[L] alone with the textbook formulas (log A, log(1 - A)).
/// Used by gradient_check to differentiate J with respect to A[L]; prefer `cost`.
template <class Scalar>
Scalar cost_from_activations(Loss loss, const Matrix<Scalar>& A,
                             const Eigen::Ref<const Matrix<Scalar>>& Y) {
  const Scalar m = static_cast<Scalar>(Y.cols());
  const auto a = A.array();
  const auto y = Y.array();
  switch (loss) {
    case Loss::BinaryCrossEntropy:
      return -(y * a.log() + (Scalar(1) - y) * (Scalar(1) - a).log()).sum() / m;
    case Loss::CategoricalCrossEntropy:
      // 0 * log(0) counts as 0: only the entries with y = 1 contribute.
      return -(y > Scalar(0)).select(y * a.log(), Scalar(0)).sum() / m;
    case Loss::MeanSquaredError:
      return (A - Y).squaredNorm() / (Scalar(2) * m);
  }
  return Scalar(0);
}

namespace detail {

/// True when the loss and the output activation make dZ[L] = A[L] - Y directly: Sigmoid with
/// BinaryCrossEntropy, Softmax with CategoricalCrossEntropy.
inline bool fused_output(Loss loss, Activation output) {
  return (loss == Loss::BinaryCrossEntropy && output == Activation::Sigmoid) ||
         (loss == Loss::CategoricalCrossEntropy && output == Activation::Softmax);
}

/// output_gradient, with dA[L] left alone when the gradient is fused and `fill_dA` is false:
/// the training loop never reads it then, so that is one pass over n[L] x m (and m exps)
/// less per step.
template <class Scalar>
void output_gradient(Loss loss, Activation output, MatrixView<Scalar> Z, MatrixView<Scalar> A,
                     const Eigen::Ref<const Matrix<Scalar>>& Y, MatrixSpan<Scalar> dA,
                     MatrixSpan<Scalar> dZ, bool fill_dA) {
  const bool fused = fused_output(loss, output);
  if (fused && !fill_dA) {
    dZ = A - Y;
    return;
  }
  const Scalar one(1);
  switch (loss) {
    case Loss::BinaryCrossEntropy: {
      // dA = -(y / a - (1 - y) / (1 - a)), that is -(1 + e^-z) where y = 1 and 1 + e^z where
      // y = 0: with sign = 1 - 2y, dA = sign (1 + e^(sign z)), one exp and never 1/0.
      const auto sign = one - Scalar(2) * Y.array();
      dA.array() = sign * (one + (sign * Z.array()).exp());
      break;
    }
    case Loss::CategoricalCrossEntropy:
      // dA = -y / a, zero where y = 0 (a softmax output only underflows to 0 where the true
      // 1/a is beyond the floating-point range anyway)
      dA.array() = (Y.array() != Scalar(0)).select(-Y.array() / A.array(), Scalar(0));
      break;
    case Loss::MeanSquaredError:
      dA = A - Y;
      break;
  }
  if (fused) {
    dZ = A - Y;
  } else {
    activation_backward<Scalar>(output, Z, A, MatrixView<Scalar>(dA.data(), dA.rows(), dA.cols()),
                                dZ);
  }
}

}  // namespace detail

/// The gradient that starts the backward pass, from the cached Z[L], A[L] and the targets Y:
/// dA[L] = dL/dA[L] and dZ[L] = dL/dZ[L]. Sigmoid + BinaryCrossEntropy and
/// Softmax + CategoricalCrossEntropy use the fused dZ[L] = A[L] - Y, which is exact and
/// cannot divide by zero; dA[L] is still filled, from Z[L], for inspection.
template <class Scalar>
void output_gradient(Loss loss, Activation output, MatrixView<Scalar> Z, MatrixView<Scalar> A,
                     const Eigen::Ref<const Matrix<Scalar>>& Y, MatrixSpan<Scalar> dA,
                     MatrixSpan<Scalar> dZ) {
  detail::output_gradient<Scalar>(loss, output, Z, A, Y, dA, dZ, true);
}

}  // namespace deepnet

#endif  // DEEPNET_CORE_LOSS_HPP
