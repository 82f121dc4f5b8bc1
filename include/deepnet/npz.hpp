/// \file npz.hpp
/// Moved to <deepnet/io/npz.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/io/npz.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_NPZ_HPP
#define DEEPNET_NPZ_HPP

#include "io/npz.hpp"

#endif  // DEEPNET_NPZ_HPP
