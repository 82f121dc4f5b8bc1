/// \file modules/dense.hpp
/// `modules::Dense`: the linear part of a layer of the notes, Z = W A_prev + b, as a module of
/// a `Sequential` network. Its activation is a module of its own (modules/activation.hpp).
/// The formulas and the tensors are those of `Linear` (core/linear.hpp), which DeepNet's layers
/// hold too; this header adds the module's interface around it.
#ifndef DEEPNET_MODULES_DENSE_HPP
#define DEEPNET_MODULES_DENSE_HPP

#include "../config.hpp"
#include "../core/init.hpp"
#include "../core/linear.hpp"
#include "../core/module.hpp"
#include "../core/parameter_store.hpp"
#include "../errors.hpp"

#include <string>

namespace deepnet {
/// The built-in modules of `Sequential`: Dense, the activations, BatchNorm, Dropout.
namespace modules {

/// Whether a Dense module adds a bias b (`deepnet::Bias`, core/linear.hpp).
using deepnet::Bias;

/// Z = W A_prev + b with `units` = n outputs; W is n x n_prev, b is n x 1.
template <class Scalar>
class Dense : public Module<Scalar> {
 public:
  using Matrix = deepnet::Matrix<Scalar>;   ///< the shape of W, dW
  using Vector = deepnet::Vector<Scalar>;   ///< the shape of b, db
  using Weights = ParameterTensor<Matrix>;  ///< W, dW: in the network's parameter store
  using Biases = ParameterTensor<Vector>;   ///< b, db: in the network's parameter store
  using typename Module<Scalar>::View;
  using typename Module<Scalar>::Span;

  /// `units` outputs; the input size is the output size of the module before it.
  /// \throws ConfigError unless units >= 1
  explicit Dense(Index units, Bias bias = Bias::With) : Dense(0, units, bias) {}

  /// `units` outputs for exactly `inputs` inputs (checked when the module is added).
  /// \throws ConfigError unless units >= 1 and inputs >= 1
  Dense(Index inputs, Index units, Bias bias) : m_inputs(inputs), m_units(units), m_bias(bias) {
    if (units < 1 || inputs < 0) {
      throw ConfigError("Dense: units must be at least 1 and inputs positive, got units = " +
                        std::to_string(units) + ", inputs = " + std::to_string(inputs));
    }
  }

  /// "Dense" (or "Dense(no bias)").
  std::string name() const override { return m_bias == Bias::With ? "Dense" : "Dense(no bias)"; }

  /// n outputs; creates W (n x n_prev), b and their gradients, all zero.
  Index output_size(Index input_size) override {
    detail::require_input_size(name(), input_size, m_inputs);
    m_inputs = input_size;
    m_linear = Linear<Scalar>(input_size, m_units, m_bias);
    return m_units;
  }

  /// Z = W A_prev (+ b in every column).
  void forward(View input, Span output, bool) override {
    m_linear.forward_product(input, output, m_workspace);
    m_linear.add_bias(output);
  }

  /// dW = (1/m) dZ A_prev^T, db = (1/m) row sums of dZ, dA_prev = W^T dZ (dZ = d_output).
  void backward(View input, View, View d_output, Span* d_input) override {
    m_linear.backward(input, d_output, d_input, m_workspace);
  }

  /// "W", then "b" unless the module has no bias.
  void for_each_tensor(TensorVisitor<Scalar> visit) override {
    visit("W", span(W()), span(m_linear.dW()), true);
    if (has_bias()) visit("b", span(b()), span(m_linear.db()), true);
  }

  /// W, b and their gradients into their places in the network's parameter store.
  void attach(const ParameterPlaces<Scalar>& places) override {
    places("W", W(), m_linear.dW());
    if (has_bias()) places("b", b(), m_linear.db());
  }

  /// W drawn with `init` (the conventions of DeepNet::initialize), b = 0.
  void initialize(Init init, Random& random) override {
    initialize_weights(init, W(), random);
    b().setZero();
  }

  /// n, the number of outputs.
  Index units() const noexcept { return m_units; }
  /// n_prev, the number of inputs (0 until the module is added to a network).
  Index inputs() const noexcept { return m_inputs; }
  /// True when the module adds b.
  bool has_bias() const noexcept { return m_bias == Bias::With; }
  /// W, n x n_prev: a view of its place in the network's parameter store, which behaves as a
  /// matrix (assigning a value of another shape throws ShapeError, as DeepNet's layer(l).W()).
  Weights& W() noexcept { return m_linear.W(); }
  /// W, n x n_prev.
  const Weights& W() const noexcept { return m_linear.W(); }
  /// b, n x 1 (0 x 1 without bias).
  Biases& b() noexcept { return m_linear.b(); }
  /// b, n x 1.
  const Biases& b() const noexcept { return m_linear.b(); }
  /// dW of the last backward pass.
  const Weights& dW() const noexcept { return m_linear.dW(); }
  /// db of the last backward pass.
  const Biases& db() const noexcept { return m_linear.db(); }

 private:
  template <class Dense>
  static Span span(Dense& M) {
    return Span(M.data(), M.rows(), M.cols());
  }

  Index m_inputs;
  Index m_units;
  Bias m_bias;
  Linear<Scalar> m_linear{0, 0, Bias::Without};  // W, b, dW, db: made by output_size
  detail::GemmWorkspace<Scalar> m_workspace;
};

}  // namespace modules
}  // namespace deepnet

#endif  // DEEPNET_MODULES_DENSE_HPP
