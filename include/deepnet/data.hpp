/// \file data.hpp
/// Moved to <deepnet/tools/data.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/tools/data.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_DATA_HPP
#define DEEPNET_DATA_HPP

#include "tools/data.hpp"

#endif  // DEEPNET_DATA_HPP
