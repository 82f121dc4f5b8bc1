/// \file plot.hpp
/// Moved to <deepnet/tools/plot.hpp>. This header stays so that existing `#include` lines keep
/// compiling; new code includes <deepnet/tools/plot.hpp> (or <deepnet/deepnet.hpp>).
#ifndef DEEPNET_PLOT_HPP
#define DEEPNET_PLOT_HPP

#include "tools/plot.hpp"

#endif  // DEEPNET_PLOT_HPP
