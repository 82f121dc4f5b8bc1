/// \file activation.hpp
/// Moved to <deepnet/core/activation.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/core/activation.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_ACTIVATION_HPP
#define DEEPNET_ACTIVATION_HPP

#include "core/activation.hpp"

#endif  // DEEPNET_ACTIVATION_HPP
