/// \file serialize.hpp
/// Moved to <deepnet/io/model_file.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/io/model_file.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_SERIALIZE_HPP
#define DEEPNET_SERIALIZE_HPP

#include "io/model_file.hpp"

#endif  // DEEPNET_SERIALIZE_HPP
