/// \file training/training_state.hpp
/// What a checkpoint keeps besides the network, so that `fit` can stop and resume and end with
/// the same bits as a run that never stopped: the epochs and steps done, the optimizer's
/// settings, step count and state (Adam's v and s) under the registry's names, the two random
/// generators (the shuffle's and dropout's), the order of the examples, and early stopping's
/// counts with the best epoch's parameters.
#ifndef DEEPNET_TRAINING_TRAINING_STATE_HPP
#define DEEPNET_TRAINING_TRAINING_STATE_HPP

#include "../config.hpp"
#include "../core/random.hpp"
#include "early_stopping.hpp"
#include "optimizer.hpp"

#include <string>
#include <utility>
#include <vector>

namespace deepnet {

/// The state of a Trainer between two epochs (`Trainer::state`, `Trainer::resume`); with the
/// network it makes a checkpoint (io/checkpoint.hpp).
template <class Scalar>
struct TrainingState {
  Index epoch = 0;                ///< epochs done: training resumes with epoch number `epoch`
  Index iteration = 0;            ///< mini-batch steps done
  OptimizerSettings optimizer;    ///< the rule and its settings (a built-in rule)
  bool custom_optimizer = false;  ///< an update rule of the program's, known by its name only
  std::string optimizer_name;     ///< `Optimizer::name()` of the rule, e.g. "Adam"
  Index optimizer_steps = 0;      ///< the rule's step count (Adam's t)
  Random::State shuffle_random;   ///< the generator that shuffles the examples
  Random::State dropout_random;   ///< the network's generator of dropout masks
  std::vector<Index> order;       ///< the order of the examples (empty without shuffling)
  /// The optimizer's state, one matrix per slot and trainable parameter, named
  /// "<slot>/<parameter>", e.g. "v/W[1]", "s/gamma[2]" (the parameter's registry name).
  std::vector<std::pair<std::string, Matrix<Scalar>>> optimizer_state;
  /// True when the run had early stopping on: the three fields below are then its state.
  bool has_early_stopping = false;
  /// Early stopping's best validation cost, its epoch and the epochs since.
  EarlyStopping::State early_stopping;
  /// History::best_epoch of the run so far (-1: none yet).
  Index best_epoch = -1;
  /// With FitOptions::restore_best, the parameters of the best epoch so far under the
  /// registry's names ("W[1]", "running_mean[2]", ...; empty before the first best epoch).
  std::vector<std::pair<std::string, Matrix<Scalar>>> best_parameters;
};

}  // namespace deepnet

#endif  // DEEPNET_TRAINING_TRAINING_STATE_HPP
