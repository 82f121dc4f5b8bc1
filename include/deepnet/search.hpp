/// \file search.hpp
/// Moved to <deepnet/tools/search.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/tools/search.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_SEARCH_HPP
#define DEEPNET_SEARCH_HPP

#include "tools/search.hpp"

#endif  // DEEPNET_SEARCH_HPP
