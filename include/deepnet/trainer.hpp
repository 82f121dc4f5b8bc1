/// \file trainer.hpp
/// Moved to <deepnet/training/trainer.hpp>. This header stays so that existing `#include` lines
/// keep compiling; new code includes <deepnet/training/trainer.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_TRAINER_HPP
#define DEEPNET_TRAINER_HPP

#include "training/trainer.hpp"

#endif  // DEEPNET_TRAINER_HPP
