/// \file training/early_stopping.hpp
/// Early stopping: watch a cost that should fall (the validation cost), remember its best
/// value, and say "stop" once it has not improved for `patience` observations in a row.
#ifndef DEEPNET_TRAINING_EARLY_STOPPING_HPP
#define DEEPNET_TRAINING_EARLY_STOPPING_HPP

#include "../config.hpp"
#include "../errors.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace deepnet {

/// Tracks the best value of a cost and how long ago it was seen.
class EarlyStopping {
 public:
  /// Stops after `patience` observations without an improvement of more than `min_delta`.
  /// \throws ConfigError unless patience >= 1 and min_delta >= 0
  explicit EarlyStopping(Index patience, double min_delta = 0.0)
      : m_patience(patience), m_min_delta(min_delta) {
    if (patience < 1) {
      throw ConfigError("EarlyStopping: patience must be 1 or more epochs, got " +
                        std::to_string(patience));
    }
    if (!(min_delta >= 0.0) || !std::isfinite(min_delta)) {
      throw ConfigError("EarlyStopping: min_delta must be 0 or more, got " +
                        detail::number_string(min_delta));
    }
  }

  /// Records the next value (observation number `count() - 1`); true when training should stop.
  /// A NaN value never counts as an improvement.
  bool observe(double value) {
    m_improved = value < m_best - m_min_delta;
    if (m_improved) {
      m_best = value;
      m_best_index = m_count;
      m_since_best = 0;
    } else {
      ++m_since_best;
    }
    ++m_count;
    return m_since_best >= m_patience;
  }

  /// True when the last observation was a new best.
  bool improved() const noexcept { return m_improved; }
  /// The best value so far (infinity before the first observation).
  double best() const noexcept { return m_best; }
  /// The 0-based number of the best observation (-1 before the first).
  Index best_index() const noexcept { return m_best_index; }
  /// How many observations were made.
  Index count() const noexcept { return m_count; }

  /// What a checkpoint keeps of it, so that a resumed `fit` stops where the run would have.
  struct State {
    double best = std::numeric_limits<double>::infinity();  ///< best()
    Index best_index = -1;                                  ///< best_index()
    Index since_best = 0;                                   ///< observations since the best one
    Index count = 0;                                        ///< count()
  };
  /// The counts and the best value so far.
  State state() const noexcept { return State{m_best, m_best_index, m_since_best, m_count}; }
  /// Goes on from a state that `state()` gave.
  void restore(const State& state) noexcept {
    m_best = state.best;
    m_best_index = state.best_index;
    m_since_best = state.since_best;
    m_count = state.count;
    m_improved = false;
  }
  /// True when `patience` observations in a row have not improved on the best.
  bool patience_over() const noexcept { return m_since_best >= m_patience; }

 private:
  Index m_patience;
  double m_min_delta;
  double m_best = std::numeric_limits<double>::infinity();
  Index m_best_index = -1;
  Index m_since_best = 0;
  Index m_count = 0;
  bool m_improved = false;
};

}  // namespace deepnet

#endif  // DEEPNET_TRAINING_EARLY_STOPPING_HPP
