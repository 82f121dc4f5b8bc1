/// \file deepnet.hpp
/// The umbrella header: include this one to get all of deepnet.
#ifndef DEEPNET_DEEPNET_HPP
#define DEEPNET_DEEPNET_HPP

#include "activation.hpp"
#include "config.hpp"
#include "data.hpp"
#include "deep_net.hpp"
#include "errors.hpp"
#include "gradient_check.hpp"
#include "history.hpp"
#include "init.hpp"
#include "layer.hpp"
#include "loss.hpp"
#include "npz.hpp"
#include "options.hpp"
#include "plot.hpp"
#include "random.hpp"
#include "search.hpp"
#include "serialize.hpp"
#include "shape_check.hpp"

#endif  // DEEPNET_DEEPNET_HPP
