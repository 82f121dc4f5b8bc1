/// \file optimizer.hpp
/// Moved to <deepnet/training/optimizer.hpp>. This header stays so that existing `#include` lines
/// keep compiling; new code includes <deepnet/training/optimizer.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_OPTIMIZER_HPP
#define DEEPNET_OPTIMIZER_HPP

#include "training/optimizer.hpp"

#endif  // DEEPNET_OPTIMIZER_HPP
