/// \file options.hpp
/// Moved to <deepnet/training/fit_options.hpp>. This header stays so that existing `#include` lines
/// keep compiling; new code includes <deepnet/training/fit_options.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_OPTIONS_HPP
#define DEEPNET_OPTIONS_HPP

#include "training/fit_options.hpp"

#endif  // DEEPNET_OPTIONS_HPP
