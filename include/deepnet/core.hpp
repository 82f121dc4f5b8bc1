/// \file core.hpp
/// The lean header: the network and its training, without the file formats and the tools.
/// `DeepNet`, its layers, activations, losses, initialisation, shape checker and memory limit;
/// `forward`, `cost`, `backward`, `update`, `predict`; `fit` with its options, optimizers,
/// schedules, history and progress line. <deepnet/deepnet.hpp> adds saving and loading, NumPy
/// archives, the dataset loaders, the gradient check, the search, the plots and the data helpers.
#ifndef DEEPNET_CORE_HPP
#define DEEPNET_CORE_HPP

#include "config.hpp"
#include "core/activation.hpp"
#include "core/deep_net.hpp"
#include "core/init.hpp"
#include "core/layer.hpp"
#include "core/loss.hpp"
#include "core/memory_limit.hpp"
#include "core/parameters.hpp"
#include "core/random.hpp"
#include "core/shape_check.hpp"
#include "errors.hpp"
#include "training/fit_options.hpp"
#include "training/history.hpp"
#include "training/optimizer.hpp"
#include "training/schedule.hpp"
#include "training/trainer.hpp"
#include "training/training_state.hpp"

#endif  // DEEPNET_CORE_HPP
