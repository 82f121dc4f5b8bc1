/// \file deep_net.hpp
/// Moved to <deepnet/core/deep_net.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/core/deep_net.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_DEEP_NET_HPP
#define DEEPNET_DEEP_NET_HPP

#include "core/deep_net.hpp"

#endif  // DEEPNET_DEEP_NET_HPP
