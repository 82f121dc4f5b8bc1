/// \file gradient_check.hpp
/// Moved to <deepnet/tools/gradient_check.hpp>. This header stays so that existing `#include` lines
/// keep compiling; new code includes <deepnet/tools/gradient_check.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_GRADIENT_CHECK_HPP
#define DEEPNET_GRADIENT_CHECK_HPP

#include "tools/gradient_check.hpp"

#endif  // DEEPNET_GRADIENT_CHECK_HPP
