/// \file training/training_state.hpp
/// What a checkpoint keeps besides the network, so that `fit` can stop and resume and end with
/// the same bits as a run that never stopped: the epochs and steps done, the optimizer's
/// settings, step count and state (Adam's v and s) under the registry's names, the two random
/// generators (the shuffle's and dropout's) and the order of the examples.
#ifndef DEEPNET_TRAINING_TRAINING_STATE_HPP
#define DEEPNET_TRAINING_TRAINING_STATE_HPP

#include "../config.hpp"
#include "../core/random.hpp"
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
};

}  // namespace deepnet

#endif  // DEEPNET_TRAINING_TRAINING_STATE_HPP
