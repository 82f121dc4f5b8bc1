/// \file shape_check.hpp
/// Moved to <deepnet/core/shape_check.hpp>. This header stays so that existing `#include` lines
/// keep compiling; new code includes <deepnet/core/shape_check.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_SHAPE_CHECK_HPP
#define DEEPNET_SHAPE_CHECK_HPP

#include "core/shape_check.hpp"

#endif  // DEEPNET_SHAPE_CHECK_HPP
