/// \file dropout.hpp
/// Moved to <deepnet/core/dropout.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/core/dropout.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_DROPOUT_HPP
#define DEEPNET_DROPOUT_HPP

#include "core/dropout.hpp"

#endif  // DEEPNET_DROPOUT_HPP
