/// \file core/parameters.hpp
/// The parameter registry's entry: one tensor a network keeps from step to step, under the
/// stable name that every file format, snapshot and optimizer state uses for it.
///
/// | name              | shape         | trainable | what                                   |
/// |-------------------|---------------|-----------|----------------------------------------|
/// | `W[l]`            | n[l] x n[l-1] | yes       | weights                                |
/// | `b[l]`            | n[l] x 1      | yes       | bias (a layer without batch norm)      |
/// | `gamma[l]`        | n[l] x 1      | yes       | batch norm's scale                     |
/// | `beta[l]`         | n[l] x 1      | yes       | batch norm's shift                     |
/// | `running_mean[l]` | n[l] x 1      | no        | batch norm's statistic for prediction  |
/// | `running_var[l]`  | n[l] x 1      | no        | batch norm's statistic for prediction  |
///
/// `DeepNet::parameters()` lists them layer by layer in this order. The trainable ones, in
/// that order, are the parameters k = 0, 1, ... that `Optimizer::update` is called with.
#ifndef DEEPNET_CORE_PARAMETERS_HPP
#define DEEPNET_CORE_PARAMETERS_HPP

#include "../config.hpp"

#include <string>

namespace deepnet {

/// One entry of the parameter registry: a writable view of the tensor and of its gradient.
template <class Scalar>
struct NamedTensor {
  std::string name;             ///< the stable name, e.g. "W[2]" or "running_var[3]"
  Index layer = 0;              ///< l, the layer that owns it
  const char* symbol = "";      ///< the symbol without the layer: "W", "b", "gamma", ...
  MatrixSpan<Scalar> value;     ///< the tensor itself
  MatrixSpan<Scalar> gradient;  ///< its gradient, same shape; 0 x 0 for a buffer
  bool trainable = false;       ///< updated by the optimizer (a buffer is not)

  /// An entry; `gradient` is ignored (left 0 x 0) unless `trainable`.
  NamedTensor(Index l, const char* symbol_name, MatrixSpan<Scalar> value_view,
              MatrixSpan<Scalar> gradient_view, bool is_trainable)
      : name(std::string(symbol_name) + "[" + std::to_string(l) + "]"),
        layer(l),
        symbol(symbol_name),
        value(value_view),
        gradient(is_trainable ? gradient_view : MatrixSpan<Scalar>(nullptr, 0, 0)),
        trainable(is_trainable) {}
};

}  // namespace deepnet

#endif  // DEEPNET_CORE_PARAMETERS_HPP
