/// \file io/registry.hpp
/// A DeepNet's parameter registry as its file formats walk it: the formats are loops over the
/// registry's names (`W[2]`, `running_var[3]`, ...), so a tensor is written and read through
/// one place rather than through a table per format.
///
/// - `registry_of(net)`: `DeepNet::parameters()` for a network that is only read (the formats
///   write from a `const DeepNet&`; `parameters()` has no const overload).
/// - `tensors_by_name(net)`: every tensor under its registry name, the registry's entries and
///   the parameter store's other places (b[l] under batch normalisation, which the store keeps
///   and the model file holds although it is not trained).
#ifndef DEEPNET_IO_REGISTRY_HPP
#define DEEPNET_IO_REGISTRY_HPP

#include "../config.hpp"
#include "../core/parameter_store.hpp"
#include "../core/parameters.hpp"

#include <map>
#include <string>
#include <vector>

namespace deepnet {

template <class Scalar>
class DeepNet;  // core/deep_net.hpp; not included here, since the model file, which includes
                // this file, is itself included by core/deep_net.hpp (through the trainer)

namespace detail {

/// The registry of `net` for a caller that only reads through it: the views are writable
/// because `NamedTensor` is, and nothing is written through them.
template <class Scalar>
std::vector<NamedTensor<Scalar>> registry_of(const DeepNet<Scalar>& net) {
  return const_cast<DeepNet<Scalar>&>(net).parameters();
}

/// Every tensor of `net` by its registry name: the registry's entries (views of where each
/// tensor is now, so one resized away shows its own shape), then the store's slots the registry
/// does not list, as views of their place in the store. Writable only when `net` is (a caller
/// given a const network reads).
template <class Scalar>
std::map<std::string, MatrixSpan<Scalar>> tensors_by_name(const DeepNet<Scalar>& net) {
  std::map<std::string, MatrixSpan<Scalar>> tensors;
  for (const NamedTensor<Scalar>& tensor : registry_of(net))
    tensors.emplace(tensor.name, tensor.value);
  const ParameterStore<Scalar>& store = net.parameter_store();
  auto* values = const_cast<Scalar*>(store.values());
  for (const ParameterSlot& slot : store.slots())
    tensors.emplace(slot.name, MatrixSpan<Scalar>(values + slot.offset, slot.rows, slot.cols));
  return tensors;
}

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_REGISTRY_HPP
