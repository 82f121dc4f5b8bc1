/// \file random.hpp
/// Moved to <deepnet/core/random.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/core/random.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_RANDOM_HPP
#define DEEPNET_RANDOM_HPP

#include "core/random.hpp"

#endif  // DEEPNET_RANDOM_HPP
