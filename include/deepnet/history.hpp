/// \file history.hpp
/// What `DeepNet::fit` records while it trains.
#ifndef DEEPNET_HISTORY_HPP
#define DEEPNET_HISTORY_HPP

#include "config.hpp"

#include <vector>

namespace deepnet {

/// One gradient-descent step: its number (0-based) and the cost J before its update.
struct Step {
  Index iteration = 0;  ///< 0-based step number
  double cost = 0.0;    ///< J of the forward pass of this step
};

/// The record of a call to `fit`.
struct History {
  /// J at every step, cost[i] being the cost of step i (before its update): the learning curve.
  std::vector<double> cost;
  /// True when a callback stopped training before the last step.
  bool stopped_early = false;
};

}  // namespace deepnet

#endif  // DEEPNET_HISTORY_HPP
