/// \file detail/option.hpp
/// DEEPNET_OPTION, the chained setter and getter of every options class (FitOptions,
/// LoadOptions, LoadLimits, ...). A header of its own so that a loader's options do not pull in
/// the training code.
#ifndef DEEPNET_DETAIL_OPTION_HPP
#define DEEPNET_DETAIL_OPTION_HPP

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

#endif  // DEEPNET_DETAIL_OPTION_HPP
