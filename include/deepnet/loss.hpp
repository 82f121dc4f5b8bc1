/// \file loss.hpp
/// Moved to <deepnet/core/loss.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/core/loss.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_LOSS_HPP
#define DEEPNET_LOSS_HPP

#include "core/loss.hpp"

#endif  // DEEPNET_LOSS_HPP
