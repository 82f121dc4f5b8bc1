/// \file batch_norm.hpp
/// Moved to <deepnet/core/batch_norm.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/core/batch_norm.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_BATCH_NORM_HPP
#define DEEPNET_BATCH_NORM_HPP

#include "core/batch_norm.hpp"

#endif  // DEEPNET_BATCH_NORM_HPP
