/// \file modules/batch_norm.hpp
/// `modules::BatchNorm`: batch normalisation as a module of a `Sequential` network, with the
/// maths of core/batch_norm.hpp: per row over the batch, Z_tilde = gamma (Z - mu) /
/// sqrt(var + eps) + beta while training (the running averages move toward mu and var), and
/// the running statistics in their place for prediction. Put it after a Dense module without
/// bias (beta is the shift) and before the activation, as the course does.
#ifndef DEEPNET_MODULES_BATCH_NORM_HPP
#define DEEPNET_MODULES_BATCH_NORM_HPP

#include "../config.hpp"
#include "../core/batch_norm.hpp"
#include "../core/module.hpp"

#include <cstdint>
#include <string>

namespace deepnet {
namespace modules {

/// Batch normalisation of n rows: gamma, beta (trainable) and the running mean and variance
/// (buffers), all n x 1. The output has the input's size.
template <class Scalar>
class BatchNorm : public Module<Scalar> {
 public:
  using Matrix = deepnet::Matrix<Scalar>;  ///< the scratch gradient
  using typename Module<Scalar>::View;
  using typename Module<Scalar>::Span;

  /// "BatchNorm".
  std::string name() const override { return "BatchNorm"; }

  /// The input size; gamma = 1, beta = 0, running mean 0 and variance 1.
  Index output_size(Index input_size) override {
    detail::require_input_size(name(), input_size);
    m_norm = deepnet::BatchNorm<Scalar>(input_size);
    return input_size;
  }

  /// Training: the batch's statistics (and the running averages move); prediction: the
  /// running statistics.
  void forward(View input, Span output, bool training) override {
    if (training) {
      m_norm.forward(input);
      output = m_norm.Z_tilde();
    } else {
      output = input;
      m_norm.forward_inference(output);
    }
  }

  /// dgamma, dbeta and dZ from dZ_tilde = d_output (core/batch_norm.hpp).
  void backward(View, View, View d_output, Span* d_input) override {
    m_norm.dZ_tilde() = d_output;
    if (d_input != nullptr) {
      m_norm.backward(*d_input);
      return;
    }
    // The first module: dZ is not wanted, but the formula writes it on its way to dgamma.
    if (m_scratch.rows() != d_output.rows() || m_scratch.cols() < d_output.cols()) {
      m_scratch.resize(d_output.rows(), d_output.cols());
    }
    m_norm.backward(Span(m_scratch.data(), d_output.rows(), d_output.cols()));
  }

  /// Room for the scratch gradient of m columns.
  void reserve(Index m) override {
    const Index n = m_norm.gamma().rows();
    if (m_scratch.rows() != n || m_scratch.cols() < m) m_scratch.resize(n, m);
  }

  /// Z_norm, Z_tilde, dZ_tilde and the scratch gradient, n x m each.
  std::uint64_t cache_scalars(Index m) const override {
    return 4 * static_cast<std::uint64_t>(m_norm.gamma().rows()) * static_cast<std::uint64_t>(m);
  }

  /// "gamma", "beta" (trainable), "running_mean", "running_var" (buffers).
  void for_each_tensor(TensorVisitor<Scalar> visit) override {
    const Span none(nullptr, 0, 0);
    visit("gamma", span(m_norm.gamma()), span(m_norm.dgamma()), true);
    visit("beta", span(m_norm.beta()), span(m_norm.dbeta()), true);
    visit("running_mean", span(m_norm.running_mean()), none, false);
    visit("running_var", span(m_norm.running_var()), none, false);
  }

  /// gamma, beta and their gradients into their places in the network's parameter store.
  void attach(const ParameterPlaces<Scalar>& places) override {
    places("gamma", m_norm.gamma(), m_norm.dgamma());
    places("beta", m_norm.beta(), m_norm.dbeta());
  }

  /// gamma = 1, beta = 0, running mean 0 and variance 1.
  void initialize(Init, Random&) override {
    m_norm = deepnet::BatchNorm<Scalar>(m_norm.gamma().rows());
  }

  /// The normalisation itself: gamma, beta, their gradients, the statistics and the caches.
  deepnet::BatchNorm<Scalar>& norm() noexcept { return m_norm; }
  /// The normalisation itself.
  const deepnet::BatchNorm<Scalar>& norm() const noexcept { return m_norm; }

 private:
  template <class Dense>
  static Span span(Dense& M) {
    return Span(M.data(), M.rows(), M.cols());
  }

  deepnet::BatchNorm<Scalar> m_norm;
  Matrix m_scratch;
};

}  // namespace modules
}  // namespace deepnet

#endif  // DEEPNET_MODULES_BATCH_NORM_HPP
