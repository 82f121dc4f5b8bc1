/// \file modules/dense.hpp
/// `modules::Dense`: the linear part of a layer of the notes, Z = W A_prev + b, as a module of
/// a `Sequential` network. Its activation is a module of its own (modules/activation.hpp).
#ifndef DEEPNET_MODULES_DENSE_HPP
#define DEEPNET_MODULES_DENSE_HPP

#include "../config.hpp"
#include "../core/init.hpp"
#include "../core/module.hpp"
#include "../core/parameter_store.hpp"
#include "../detail/gemm.hpp"
#include "../errors.hpp"

#include <string>

namespace deepnet {
/// The built-in modules of `Sequential`: Dense, the activations, BatchNorm, Dropout.
namespace modules {

/// Whether a Dense module adds a bias b.
enum class Bias {
  With,    ///< Z = W A_prev + b
  Without  ///< Z = W A_prev: before batch normalisation, whose beta takes b's place
};

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
    m_W = Matrix::Zero(m_units, input_size);
    m_dW = Matrix::Zero(m_units, input_size);
    m_b = Vector::Zero(m_bias == Bias::With ? m_units : 0);
    m_db = Vector::Zero(m_b.rows());
    return m_units;
  }

  /// Z = W A_prev (+ b in every column).
  void forward(View input, Span output, bool) override {
    detail::multiply<false, false, Scalar>(output, m_W, input, Scalar(1), m_workspace);
    if (m_bias == Bias::With) output.colwise() += m_b;
  }

  /// dW = (1/m) dZ A_prev^T, db = (1/m) row sums of dZ, dA_prev = W^T dZ (dZ = d_output).
  void backward(View input, View, View d_output, Span* d_input) override {
    const Scalar inv_m = Scalar(1) / static_cast<Scalar>(input.cols());
    detail::multiply<false, true, Scalar>(Span(m_dW.data(), m_dW.rows(), m_dW.cols()), d_output,
                                          input, inv_m, m_workspace);
    if (m_bias == Bias::With) m_db.noalias() = d_output.rowwise().sum() * inv_m;
    if (d_input != nullptr) {
      detail::multiply<true, false, Scalar>(*d_input, m_W, d_output, Scalar(1), m_workspace);
    }
  }

  /// "W", then "b" unless the module has no bias.
  void for_each_tensor(TensorVisitor<Scalar> visit) override {
    visit("W", span(m_W), span(m_dW), true);
    if (m_bias == Bias::With) visit("b", span(m_b), span(m_db), true);
  }

  /// W, b and their gradients into their places in the network's parameter store.
  void attach(const ParameterPlaces<Scalar>& places) override {
    places("W", m_W, m_dW);
    if (m_bias == Bias::With) places("b", m_b, m_db);
  }

  /// W drawn with `init` (the conventions of DeepNet::initialize), b = 0.
  void initialize(Init init, Random& random) override {
    initialize_weights(init, m_W, random);
    m_b.setZero();
  }

  /// n, the number of outputs.
  Index units() const noexcept { return m_units; }
  /// n_prev, the number of inputs (0 until the module is added to a network).
  Index inputs() const noexcept { return m_inputs; }
  /// True when the module adds b.
  bool has_bias() const noexcept { return m_bias == Bias::With; }
  /// W, n x n_prev: a view of its place in the network's parameter store, which behaves as a
  /// matrix (assigning a value of another shape throws ShapeError, as DeepNet's layer(l).W()).
  Weights& W() noexcept { return m_W; }
  /// W, n x n_prev.
  const Weights& W() const noexcept { return m_W; }
  /// b, n x 1 (0 x 1 without bias).
  Biases& b() noexcept { return m_b; }
  /// b, n x 1.
  const Biases& b() const noexcept { return m_b; }
  /// dW of the last backward pass.
  const Weights& dW() const noexcept { return m_dW; }
  /// db of the last backward pass.
  const Biases& db() const noexcept { return m_db; }

 private:
  template <class Dense>
  static Span span(Dense& M) {
    return Span(M.data(), M.rows(), M.cols());
  }

  Index m_inputs;
  Index m_units;
  Bias m_bias;
  Weights m_W{0, 0, "W"}, m_dW{0, 0, "dW"};
  Biases m_b{0, 1, "b"}, m_db{0, 1, "db"};
  detail::GemmWorkspace<Scalar> m_workspace;
};

}  // namespace modules
}  // namespace deepnet

#endif  // DEEPNET_MODULES_DENSE_HPP
