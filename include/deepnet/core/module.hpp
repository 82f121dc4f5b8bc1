/// \file core/module.hpp
/// `Module<Scalar>`: one step of a `Sequential` network (a dense layer, an activation, batch
/// normalisation, dropout, or a layer of the program's). A module is pure computation: the
/// network owns the matrices between modules (each module's output and the gradient of that
/// output) and hands them in as views; the module owns its parameters, their gradients and
/// whatever it caches for its backward pass.
///
/// The gradient convention is the course's (see loss.hpp): `d_output` is m times dJ/d(output),
/// the per-example gradient that DeepNet calls dA, and the module writes m times
/// dJ/d(input) into `d_input`; parameter gradients are dJ/dtheta itself, so a dense layer
/// divides by m once: dW = (1/m) dZ input^T, db = (1/m) row sums of dZ.
#ifndef DEEPNET_CORE_MODULE_HPP
#define DEEPNET_CORE_MODULE_HPP

#include "../config.hpp"
#include "../errors.hpp"
#include "activation.hpp"
#include "init.hpp"
#include "parameter_store.hpp"
#include "random.hpp"

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace deepnet {

/// A callable `visit(symbol, value, gradient, trainable)` passed through a virtual call
/// without allocating: it refers to the caller's lambda, which must outlive the call (it
/// always does when the visitor is built as an argument).
template <class Scalar>
class TensorVisitor {
 public:
  /// Refers to `visit`, any callable taking (const char*, MatrixSpan, MatrixSpan, bool).
  template <class Visit,
            std::enable_if_t<!std::is_same<std::decay_t<Visit>, TensorVisitor>::value, int> = 0>
  TensorVisitor(Visit&& visit)  // NOLINT: implicit, so that a lambda can be passed as it is
      : m_object(const_cast<void*>(static_cast<const void*>(std::addressof(visit)))),
        m_call([](void* object, const char* symbol, MatrixSpan<Scalar> value,
                  MatrixSpan<Scalar> gradient, bool trainable) {
          (*static_cast<std::remove_reference_t<Visit>*>(object))(symbol, value, gradient,
                                                                  trainable);
        }) {}

  /// Calls the callable.
  void operator()(const char* symbol, MatrixSpan<Scalar> value, MatrixSpan<Scalar> gradient,
                  bool trainable) const {
    m_call(m_object, symbol, value, gradient, trainable);
  }

 private:
  void* m_object;
  void (*m_call)(void*, const char*, MatrixSpan<Scalar>, MatrixSpan<Scalar>, bool);
};

/// What `Module::attach` is given: the places in the network's parameter store of the
/// trainable tensors that module k listed in `for_each_tensor`, by symbol.
template <class Scalar>
class ParameterPlaces {
 public:
  /// The places of module k (`module` names it in messages) in `store`, whose slots are declared
  /// and allocated.
  ParameterPlaces(ParameterStore<Scalar>& store, Index k, std::string module)
      : m_store(store), m_k(k), m_module(std::move(module)) {}

  /// Moves `value` and `gradient`, the trainable tensor `symbol` of the module and its gradient,
  /// into their places in the store, values included. From then on they are views of the
  /// store: the optimizer updates them in the network's one pass, and the gradient is part of
  /// the network's one gradient buffer.
  /// \throws ConfigError naming the module when it listed no trainable tensor `symbol`, or
  ///         listed it with another shape than `value` has
  template <class Plain>
  void operator()(const char* symbol, ParameterTensor<Plain>& value,
                  ParameterTensor<Plain>& gradient) const {
    const ParameterSlot* slot = find(symbol);
    if (slot == nullptr || slot->rows != value.rows() || slot->cols != value.cols() ||
        gradient.rows() != value.rows() || gradient.cols() != value.cols()) {
      throw ConfigError(
          "module " + std::to_string(m_k) + " (" + m_module + "): attach gives \"" + symbol +
          "\" (" + shape(value.rows(), value.cols()) + ", gradient " +
          shape(gradient.rows(), gradient.cols()) + "), but for_each_tensor listed " +
          (slot == nullptr ? std::string("no trainable tensor of that symbol")
                           : "it as " + shape(slot->rows, slot->cols)) +
          ": a module attaches exactly the trainable tensors it lists, with their shapes");
    }
    value.attach(m_store.values() + slot->offset, slot->rows, slot->cols, m_k);
    gradient.attach(m_store.gradients() + slot->offset, slot->rows, slot->cols, m_k);
  }

 private:
  const ParameterSlot* find(const char* symbol) const {
    for (const ParameterSlot& slot : m_store.slots()) {
      if (slot.layer == m_k && std::strcmp(slot.symbol, symbol) == 0) return &slot;
    }
    return nullptr;
  }
  static std::string shape(Index rows, Index cols) {
    return std::to_string(rows) + " x " + std::to_string(cols);
  }

  ParameterStore<Scalar>& m_store;
  Index m_k;
  std::string m_module;
};

namespace detail {

/// Throws ConfigError naming the module and both sizes unless it can take `input_size` rows:
/// at least 1, and `expected` when it is not 0 (a module built for a given input size).
inline void require_input_size(const std::string& module, Index input_size, Index expected = 0) {
  if (input_size < 1) {
    throw ConfigError(module + ": the input size must be at least 1, got " +
                      std::to_string(input_size));
  }
  if (expected != 0 && input_size != expected) {
    throw ConfigError(module + ": built for " + std::to_string(expected) +
                      " inputs, but the module before it gives " + std::to_string(input_size));
  }
}

}  // namespace detail

/// One module of a `Sequential` network: output = f(input; theta), column by column of the
/// batch (examples are columns). Derive from it to add a layer kind, an activation or any
/// differentiable step; docs/extending.md shows how.
template <class Scalar>
class Module {
 public:
  using View = MatrixView<Scalar>;  ///< a read-only n x m view
  using Span = MatrixSpan<Scalar>;  ///< a writable n x m view

  virtual ~Module() = default;

  /// The module's name in messages and in `Sequential::summary`: "Dense", "ReLU", ...
  virtual std::string name() const = 0;

  /// The number of rows of the output for `input_size` rows of input. Called once, when the
  /// module is added to a network: this is where a module checks the size it is given and
  /// creates its parameters.
  /// \throws ConfigError naming the module and both sizes when it cannot take that input
  virtual Index output_size(Index input_size) = 0;

  /// output = f(input), both with m columns; `training` is false for prediction (no dropout,
  /// batch normalisation's running statistics). Caches what backward needs.
  virtual void forward(View input, Span output, bool training) = 0;

  /// From d_output (m times dJ/d(output)), the parameter gradients dJ/dtheta and, unless
  /// `d_input` is null (the first module: nobody needs it), m times dJ/d(input).
  /// `input` and `output` are those of the last training forward pass.
  virtual void backward(View input, View output, View d_output, Span* d_input) = 0;

  /// Allocates the per-example caches for up to m columns; after it, forward and backward
  /// with m' <= m columns allocate nothing. The network calls it before a pass with a larger m.
  virtual void reserve(Index m) { (void)m; }

  /// The scalars the module caches for a training pass over m columns (masks, normalised
  /// inputs, ...), beyond its parameters: `fit` adds them to its memory estimate
  /// (memory_limit()). 0 by default.
  virtual std::uint64_t cache_scalars(Index m) const {
    (void)m;
    return 0;
  }

  /// Calls `visit(symbol, value, gradient, trainable)` for every tensor the module keeps from
  /// step to step: parameters (trainable, with their gradient) and buffers (trainable false,
  /// gradient 0 x 0), e.g. "W", "b" or "gamma", "beta", "running_mean", "running_var".
  /// The network names them `symbol[k]`, k the module's position 1, 2, ...; the registry keeps
  /// the `symbol` pointer, so give a string literal.
  virtual void for_each_tensor(TensorVisitor<Scalar> visit) { (void)visit; }

  /// Moves the module's trainable tensors into the network's parameter store, where the
  /// network's one-pass optimizer update and its one gradient buffer (`parameter_gradients`,
  /// an allreduce across processes) reach them. A module that keeps its parameters and their
  /// gradients as `ParameterTensor`s calls `places(symbol, value, gradient)` for each
  /// trainable tensor it lists in `for_each_tensor`; the network calls it when the module is
  /// added. The default leaves them where they are: the network then updates tensor by tensor,
  /// with the same result, and has no one gradient buffer.
  virtual void attach(const ParameterPlaces<Scalar>& places) { (void)places; }

  /// Draws the parameters anew (`Sequential::initialize`): weights with `init` from `random`,
  /// in the order of the modules, biases and shifts to zero. Modules without weights ignore it.
  virtual void initialize(Init init, Random& random) {
    (void)init;
    (void)random;
  }

  /// The built-in activation the module computes, if it is one: the network then uses the
  /// fused output gradient (dZ = A - Y) and the stable cost for the matching loss.
  virtual std::optional<Activation> activation() const { return std::nullopt; }

  /// True when two training passes over the same input may differ (dropout's masks): the
  /// numerical gradient check refuses such a network.
  virtual bool is_random() const { return false; }
};

}  // namespace deepnet

#endif  // DEEPNET_CORE_MODULE_HPP
