/// \file init.hpp
/// Moved to <deepnet/core/init.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/core/init.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_INIT_HPP
#define DEEPNET_INIT_HPP

#include "core/init.hpp"

#endif  // DEEPNET_INIT_HPP
