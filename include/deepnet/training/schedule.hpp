/// \file training/schedule.hpp
/// Learning-rate decay (course 2, week 2): alpha as a function of the epoch number
/// (0-based) and the initial alpha0.
///
/// | schedule                                 | alpha at epoch e                             |
/// |------------------------------------------|----------------------------------------------|
/// | `constant()`                             | alpha0                                       |
/// | `inverse_time(decay_rate, interval = 1)` | alpha0 / (1 + decay_rate * floor(e / interval)) |
/// | `exponential(rate)`                      | alpha0 * rate^e                              |
/// | `step(factor, every)`                    | alpha0 * factor^floor(e / every)             |
#ifndef DEEPNET_TRAINING_SCHEDULE_HPP
#define DEEPNET_TRAINING_SCHEDULE_HPP

#include "../config.hpp"
#include "../errors.hpp"

#include <cmath>
#include <string>

namespace deepnet {

/// A learning-rate schedule; see the table in schedule.hpp.
class Schedule {
 public:
  /// The kinds of schedule.
  enum class Kind { Constant, InverseTime, Exponential, Step };

  /// alpha0 at every epoch.
  static Schedule constant() { return Schedule(Kind::Constant, 0.0, 1); }

  /// alpha0 / (1 + decay_rate * floor(epoch / interval)): the course's 1 / (1 + decay_rate *
  /// epoch_num), and with `interval` its variant that decays only every `interval` epochs.
  /// \throws ConfigError unless decay_rate >= 0 and interval >= 1
  static Schedule inverse_time(double decay_rate, Index interval = 1) {
    if (!(decay_rate >= 0.0) || !std::isfinite(decay_rate)) {
      throw ConfigError("Schedule::inverse_time: decay_rate must be 0 or more, got " +
                        detail::number_string(decay_rate));
    }
    require_interval(interval, "Schedule::inverse_time");
    return Schedule(Kind::InverseTime, decay_rate, interval);
  }

  /// alpha0 * rate^epoch, e.g. rate = 0.95.
  /// \throws ConfigError unless 0 < rate <= 1
  static Schedule exponential(double rate) {
    require_factor(rate, "Schedule::exponential");
    return Schedule(Kind::Exponential, rate, 1);
  }

  /// alpha0 * factor^floor(epoch / every), e.g. halve every 10 epochs: step(0.5, 10).
  /// \throws ConfigError unless 0 < factor <= 1 and every >= 1
  static Schedule step(double factor, Index every) {
    require_factor(factor, "Schedule::step");
    require_interval(every, "Schedule::step");
    return Schedule(Kind::Step, factor, every);
  }

  /// The learning rate at `epoch` (0-based) for the initial rate alpha0.
  double operator()(double alpha0, Index epoch) const {
    const double steps = std::floor(static_cast<double>(epoch) / static_cast<double>(m_interval));
    switch (m_kind) {
      case Kind::Constant:
        return alpha0;
      case Kind::InverseTime:
        return alpha0 / (1.0 + m_value * steps);
      case Kind::Exponential:
        return alpha0 * std::pow(m_value, static_cast<double>(epoch));
      case Kind::Step:
        return alpha0 * std::pow(m_value, steps);
    }
    return alpha0;
  }

  /// The kind of schedule.
  Kind kind() const noexcept { return m_kind; }

 private:
  Schedule(Kind kind, double value, Index interval)
      : m_kind(kind), m_value(value), m_interval(interval) {}

  static void require_interval(Index interval, const char* where) {
    if (interval < 1) {
      throw ConfigError(std::string(where) + ": the interval must be 1 or more epochs, got " +
                        std::to_string(interval));
    }
  }
  static void require_factor(double factor, const char* where) {
    if (!(factor > 0.0 && factor <= 1.0)) {
      throw ConfigError(std::string(where) + ": the factor must be in (0, 1], got " +
                        detail::number_string(factor));
    }
  }

  Kind m_kind;
  double m_value;
  Index m_interval;
};

}  // namespace deepnet

#endif  // DEEPNET_TRAINING_SCHEDULE_HPP
