/// \file modules/activation.hpp
/// The built-in activations as modules of a `Sequential` network: A = g(Z) forward,
/// dZ = dA * g'(Z) backward, with the formulas of core/activation.hpp. `ActivationModule`
/// takes any `Activation`; `ReLU`, `Sigmoid`, ... name one each, for `net.add<ReLU>()`.
#ifndef DEEPNET_MODULES_ACTIVATION_HPP
#define DEEPNET_MODULES_ACTIVATION_HPP

#include "../config.hpp"
#include "../core/activation.hpp"
#include "../core/module.hpp"

#include <optional>
#include <string>

namespace deepnet {
namespace modules {

/// A = g(Z) for a built-in activation g; the output has the input's size; no parameters.
template <class Scalar>
class ActivationModule : public Module<Scalar> {
 public:
  using typename Module<Scalar>::View;
  using typename Module<Scalar>::Span;

  /// The module of activation `g`.
  /// \throws ConfigError for a value that is not an Activation
  explicit ActivationModule(Activation g) : m_g(g) { require_valid(g); }

  /// The activation's name: "ReLU", "Sigmoid", ...
  std::string name() const override { return to_string(m_g); }

  /// The input size.
  Index output_size(Index input_size) override {
    detail::require_input_size(name(), input_size);
    return input_size;
  }

  /// A = g(Z).
  void forward(View input, Span output, bool) override {
    activate_into<Scalar>(m_g, input, output);
  }

  /// dZ = dA * g'(Z) (for Softmax, each column's Jacobian-vector product).
  void backward(View input, View output, View d_output, Span* d_input) override {
    if (d_input != nullptr) activation_backward<Scalar>(m_g, input, output, d_output, *d_input);
  }

  /// g.
  std::optional<Activation> activation() const override { return m_g; }

 private:
  Activation m_g;
};

/// g(z) = max(0, z).
template <class Scalar>
struct ReLU : ActivationModule<Scalar> {
  ReLU() : ActivationModule<Scalar>(Activation::ReLU) {}  ///< the module
};

/// g(z) = z for z > 0, else 0.01 z.
template <class Scalar>
struct LeakyReLU : ActivationModule<Scalar> {
  LeakyReLU() : ActivationModule<Scalar>(Activation::LeakyReLU) {}  ///< the module
};

/// g(z) = 1 / (1 + e^-z).
template <class Scalar>
struct Sigmoid : ActivationModule<Scalar> {
  Sigmoid() : ActivationModule<Scalar>(Activation::Sigmoid) {}  ///< the module
};

/// g(z) = tanh z.
template <class Scalar>
struct Tanh : ActivationModule<Scalar> {
  Tanh() : ActivationModule<Scalar>(Activation::Tanh) {}  ///< the module
};

/// a = e^z / sum(e^z) over the rows of each column.
template <class Scalar>
struct Softmax : ActivationModule<Scalar> {
  Softmax() : ActivationModule<Scalar>(Activation::Softmax) {}  ///< the module
};

/// g(z) = z.
template <class Scalar>
struct Identity : ActivationModule<Scalar> {
  Identity() : ActivationModule<Scalar>(Activation::Identity) {}  ///< the module
};

}  // namespace modules
}  // namespace deepnet

#endif  // DEEPNET_MODULES_ACTIVATION_HPP
