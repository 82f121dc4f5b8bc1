/// \file options.hpp
/// The settings of `DeepNet::fit`, as an options object with chained setters:
/// `FitOptions().learning_rate(0.0075).iterations(2500).print_every(100)`.
#ifndef DEEPNET_OPTIONS_HPP
#define DEEPNET_OPTIONS_HPP

#include "config.hpp"
#include "history.hpp"

#include <functional>
#include <iostream>
#include <ostream>
#include <type_traits>
#include <utility>

/// Declares an option `name` of type `Type`: a chained setter `name(value)` that returns the
/// options object, and a getter `name()`.
#define DEEPNET_OPTION(Owner, Type, name, default_value) \
 public:                                                 \
  /** Sets the option and returns the options object. */ \
  Owner& name(Type value) {                              \
    m_##name = std::move(value);                         \
    return *this;                                        \
  }                                                      \
  /** The option's value. */                             \
  const std::add_const_t<Type>& name() const noexcept {  \
    return m_##name;                                     \
  }                                                      \
                                                         \
 private:                                                \
  Type m_##name = default_value;

namespace deepnet {

/// What a callback tells `fit` to do next.
enum class Control {
  Continue,  ///< keep training
  Stop       ///< stop after this step; the history keeps what was recorded so far
};

/// Called after every gradient-descent step with the step's number and cost.
using StepCallback = std::function<Control(const Step&)>;

/// Settings of `DeepNet::fit` (full-batch gradient descent).
class FitOptions {
  /// alpha in W := W - alpha dW; must be positive and finite.
  DEEPNET_OPTION(FitOptions, double, learning_rate, 0.0075)
  /// Number of gradient-descent steps.
  DEEPNET_OPTION(FitOptions, Index, iterations, 3000)
  /// Print "Cost after iteration i: J" every this many steps (and after the last); 0 is silent.
  DEEPNET_OPTION(FitOptions, Index, print_every, 0)
  /// Where printing goes.
  DEEPNET_OPTION(FitOptions, std::ostream*, out, &std::cout)
  /// Called after every step; returning Control::Stop ends training early.
  DEEPNET_OPTION(FitOptions, StepCallback, callback, nullptr)
};

}  // namespace deepnet

#endif  // DEEPNET_OPTIONS_HPP
