/// \file deepnet.hpp
/// The umbrella header: include this one to get all of deepnet.
#ifndef DEEPNET_DEEPNET_HPP
#define DEEPNET_DEEPNET_HPP

#include "config.hpp"
#include "core/activation.hpp"
#include "core/deep_net.hpp"
#include "core/init.hpp"
#include "core/layer.hpp"
#include "core/loss.hpp"
#include "core/random.hpp"
#include "core/shape_check.hpp"
#include "errors.hpp"
#include "io/model_file.hpp"
#include "io/npz.hpp"
#include "tools/data.hpp"
#include "tools/gradient_check.hpp"
#include "tools/plot.hpp"
#include "tools/search.hpp"
#include "training/fit_options.hpp"
#include "training/history.hpp"

#endif  // DEEPNET_DEEPNET_HPP
