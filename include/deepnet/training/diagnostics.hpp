/// \file training/diagnostics.hpp
/// The statistics of `FitOptions::diagnostics` (the norms of W and dW, the mean and spread of
/// A, the dead fraction of a ReLU layer), computed from views of one layer's tensors. They are
/// reached through a pointer that the setter `FitOptions::diagnostics` stores, as the checkpoint
/// code is (training/checkpoint_hooks.hpp): whether `fit` records them is known at run time
/// only, and a program that never asks for them does not compile their reductions.
#ifndef DEEPNET_TRAINING_DIAGNOSTICS_HPP
#define DEEPNET_TRAINING_DIAGNOSTICS_HPP

#include "../config.hpp"
#include "history.hpp"

#include <cmath>
#include <limits>
#include <type_traits>

namespace deepnet {
namespace detail {

/// Fills `stats` (but its layer number) for one layer: ||W|| and ||dW|| when W has entries
/// (NaN otherwise: a module without W), the mean and standard deviation of A and, when `relu`,
/// the fraction of units that output 0 for every example of the batch (NaN otherwise).
template <class Scalar>
void layer_statistics(MatrixView<Scalar> W, MatrixView<Scalar> dW, MatrixView<Scalar> A, bool relu,
                      LayerStats& stats) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  stats.W_norm = W.data() != nullptr ? static_cast<double>(W.norm()) : nan;
  stats.dW_norm = W.data() != nullptr ? static_cast<double>(dW.norm()) : nan;
  const double mean = static_cast<double>(A.mean());
  stats.A_mean = mean;
  stats.A_std =
      std::sqrt(static_cast<double>((A.array() - static_cast<Scalar>(mean)).square().mean()));
  stats.dead_fraction = nan;
  if (relu) {
    const Index alive = (A.array() > Scalar(0)).rowwise().any().count();
    stats.dead_fraction = 1.0 - static_cast<double>(alive) / static_cast<double>(A.rows());
  }
}

/// `layer_statistics` for one scalar type, as the training loop calls it.
template <class Scalar>
using LayerStatistics = void (*)(MatrixView<Scalar> W, MatrixView<Scalar> dW, MatrixView<Scalar> A,
                                 bool relu, LayerStats& stats);

/// The statistics for the scalar types that `fit` trains.
struct DiagnosticsHooks {
  LayerStatistics<float> for_float;    ///< for float networks
  LayerStatistics<double> for_double;  ///< for double networks
};

/// The hooks, instantiated only by a call of the setter `FitOptions::diagnostics` (a template
/// for that reason).
template <class Unused = void>
const DiagnosticsHooks* diagnostics_hooks() noexcept {
  static constexpr DiagnosticsHooks hooks{&layer_statistics<float>, &layer_statistics<double>};
  return &hooks;
}

/// The statistics for Scalar: through the hooks for float and double (null until
/// FitOptions::diagnostics was called), directly for another scalar type.
template <class Scalar>
LayerStatistics<Scalar> layer_statistics_of(const DiagnosticsHooks* hooks) {
  if constexpr (std::is_same<Scalar, float>::value) {
    return hooks != nullptr ? hooks->for_float : nullptr;
  } else if constexpr (std::is_same<Scalar, double>::value) {
    return hooks != nullptr ? hooks->for_double : nullptr;
  } else {
    (void)hooks;
    return &layer_statistics<Scalar>;
  }
}

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_TRAINING_DIAGNOSTICS_HPP
