/// \file core/module_store.hpp
/// `detail::ModuleStore<Scalar>`: the parameter store of a chain of modules (what a
/// `Sequential` keeps its modules' trainable tensors in), with the bookkeeping around it:
/// which slots the optimizer trains in which order, and which module, if any, keeps its
/// tensors outside.
#ifndef DEEPNET_CORE_MODULE_STORE_HPP
#define DEEPNET_CORE_MODULE_STORE_HPP

#include "../config.hpp"
#include "../errors.hpp"
#include "module.hpp"
#include "parameter_store.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace deepnet {
namespace detail {

/// The trainable tensors of modules 1..K in one store, in registry order (the trainable
/// tensors of module 1, then of module 2, ...), each module having moved its own into their
/// places through Module::attach.
template <class Scalar>
class ModuleStore {
 public:
  using ModulePtr = std::unique_ptr<Module<Scalar>>;  ///< how a network holds a module

  /// Declares a slot for every trainable tensor of `modules` (symbol[k]), lets each module
  /// attach its tensors, and keeps the new store: the tensors move into it with their values,
  /// and only then are the old buffers freed. Notes the first module whose tensors stayed
  /// outside. When a module's attach throws, the modules before it are back in the old store
  /// with their values, and the exception passes.
  void place(const std::vector<ModulePtr>& modules) {
    using Span = MatrixSpan<Scalar>;
    const Index K = static_cast<Index>(modules.size());
    const auto module = [&](Index k) -> Module<Scalar>& {
      return *modules[static_cast<std::size_t>(k - 1)];
    };
    ParameterStore<Scalar> store;
    for (Index k = 1; k <= K; ++k) {
      module(k).for_each_tensor([&](const char* symbol, Span value, Span, bool trainable) {
        if (trainable) store.add(k, symbol, value.rows(), value.cols());
      });
    }
    store.allocate();
    Index next = 1;  // the module to attach next
    try {
      for (; next <= K; ++next)
        module(next).attach(ParameterPlaces<Scalar>(store, next, module(next).name()));
    } catch (...) {
      for (Index k = 1; k < next; ++k)
        module(k).attach(ParameterPlaces<Scalar>(m_store, k, module(k).name()));
      throw;
    }
    m_store = std::move(store);
    m_trainable.clear();
    m_trainable.reserve(m_store.slots().size());
    for (const ParameterSlot& slot : m_store.slots())
      m_trainable.push_back(&slot);
    m_ranges.clear();
    m_ranges.reserve(m_trainable.size());  // flat() allocates nothing
    m_outside = 0;
    m_outside_name.clear();
    std::size_t j = 0;  // the slot of the next trainable tensor
    for (Index k = 1; k <= K; ++k) {
      bool inside = true;
      module(k).for_each_tensor([&](const char*, Span value, Span gradient, bool trainable) {
        if (!trainable) return;
        const ParameterSlot& slot = m_store.slots()[j++];
        inside = inside && value.data() == m_store.values() + slot.offset &&
                 gradient.data() == m_store.gradients() + slot.offset;
      });
      if (!inside && m_outside == 0) {
        m_outside = k;
        m_outside_name = module(k).name();
      }
    }
  }

  /// True when every trainable tensor is in the store.
  bool complete() const noexcept { return m_outside == 0; }

  /// Throws StateError naming the first module whose tensors are not in the store.
  /// \param where the operation, for the message
  void require_complete(const char* where) const {
    if (m_outside == 0) return;
    throw StateError(std::string(where) + ": module " + std::to_string(m_outside) + " (" +
                     m_outside_name +
                     ") keeps its parameters outside the parameter store, so they are not one "
                     "buffer; keep them as ParameterTensor and override Module::attach "
                     "(docs/extending.md)");
  }

  /// The store.
  ParameterStore<Scalar>& store() noexcept { return m_store; }
  /// The store.
  const ParameterStore<Scalar>& store() const noexcept { return m_store; }

  /// The one-pass view for Optimizer::update_flat: every slot trained, in order. Allocates
  /// nothing.
  FlatParameters<Scalar> flat() { return flat_view(m_store, m_trainable, m_ranges); }

 private:
  ParameterStore<Scalar> m_store;
  std::vector<const ParameterSlot*> m_trainable;  // the store's slots, in the optimizer's order
  std::vector<ParameterRange> m_ranges;           // flat_view's ranges (capacity kept)
  Index m_outside = 0;                            // the first module outside the store, or 0
  std::string m_outside_name;                     // its name
};

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_CORE_MODULE_STORE_HPP
