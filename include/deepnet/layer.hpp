/// \file layer.hpp
/// Moved to <deepnet/core/layer.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/core/layer.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_LAYER_HPP
#define DEEPNET_LAYER_HPP

#include "core/layer.hpp"

#endif  // DEEPNET_LAYER_HPP
