/// \file schedule.hpp
/// Moved to <deepnet/training/schedule.hpp>. This header stays so that existing `#include` lines
/// keep compiling; new code includes <deepnet/training/schedule.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_SCHEDULE_HPP
#define DEEPNET_SCHEDULE_HPP

#include "training/schedule.hpp"

#endif  // DEEPNET_SCHEDULE_HPP
