/// \file progress.hpp
/// Moved to <deepnet/training/progress.hpp>. This header stays so that existing `#include` lines
/// keep compiling; new code includes <deepnet/training/progress.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_PROGRESS_HPP
#define DEEPNET_PROGRESS_HPP

#include "training/progress.hpp"

#endif  // DEEPNET_PROGRESS_HPP
