/// \file early_stopping.hpp
/// Moved to <deepnet/training/early_stopping.hpp>. This header stays so that existing `#include`
/// lines keep compiling; new code includes <deepnet/training/early_stopping.hpp> (or
/// <deepnet/deepnet.hpp>).
#ifndef DEEPNET_EARLY_STOPPING_HPP
#define DEEPNET_EARLY_STOPPING_HPP

#include "training/early_stopping.hpp"

#endif  // DEEPNET_EARLY_STOPPING_HPP
