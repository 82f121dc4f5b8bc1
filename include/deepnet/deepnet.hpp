/// \file deepnet.hpp
/// The umbrella header: the network and its training (<deepnet/core.hpp>), the open network of
/// modules (`Sequential`, core/sequential.hpp, and the built-in modules of modules/), saving and
/// loading models (io/model_file.hpp; a Sequential's: io/sequential_file.hpp), NumPy archives
/// (io/npz.hpp, io/sequential_npz.hpp), the gradient check, the
/// hyperparameter search, the learning-curve plots, the data helpers and the classification
/// metrics (tools/). The dataset loaders are included on their own: <deepnet/io/idx.hpp>,
/// <deepnet/io/csv.hpp>.
#ifndef DEEPNET_DEEPNET_HPP
#define DEEPNET_DEEPNET_HPP

#include "core.hpp"
#include "core/loss_function.hpp"
#include "core/module.hpp"
#include "core/sequential.hpp"
#include "io/checkpoint.hpp"
#include "io/model_file.hpp"
#include "io/npz.hpp"
#include "io/sequential_file.hpp"
#include "io/sequential_npz.hpp"
#include "modules/activation.hpp"
#include "modules/batch_norm.hpp"
#include "modules/dense.hpp"
#include "modules/dropout.hpp"
#include "tools/classifier.hpp"
#include "tools/data.hpp"
#include "tools/gradient_check.hpp"
#include "tools/metrics.hpp"
#include "tools/plot.hpp"
#include "tools/search.hpp"

#endif  // DEEPNET_DEEPNET_HPP
