/// \file history.hpp
/// Moved to <deepnet/training/history.hpp>. This header stays so that existing `#include` lines
/// keep compiling; new code includes <deepnet/training/history.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_HISTORY_HPP
#define DEEPNET_HISTORY_HPP

#include "training/history.hpp"

#endif  // DEEPNET_HISTORY_HPP
