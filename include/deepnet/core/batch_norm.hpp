/// \file core/batch_norm.hpp
/// Batch normalisation of a layer's Z (course 2, week 3): the layer computes Z = W A[l-1]
/// without a bias, then, per unit (row) over the m examples of the batch,
///
///   mu = (1/m) sum_i Z(:, i),   var = (1/m) sum_i (Z(:, i) - mu)^2
///   Z_norm = (Z - mu) / sqrt(var + epsilon),   Z_tilde = gamma * Z_norm + beta,
///   A = g(Z_tilde).
///
/// beta takes the place of b, which would cancel in Z - mu. For prediction, running averages of
/// mu and var, kept during training, replace the batch's: a single example has no batch.
#ifndef DEEPNET_CORE_BATCH_NORM_HPP
#define DEEPNET_CORE_BATCH_NORM_HPP

#include "../config.hpp"
#include "parameter_store.hpp"

#include <algorithm>

namespace deepnet {

/// The batch-normalisation part of a layer: parameters gamma and beta (n x 1), their
/// gradients, the running statistics, and the caches Z_norm, Z_tilde, dZ_tilde.
template <class Scalar>
class BatchNorm {
 public:
  using Matrix = deepnet::Matrix<Scalar>;  ///< n x m storage
  using Vector = deepnet::Vector<Scalar>;  ///< n x 1 storage
  using View = MatrixView<Scalar>;         ///< read-only view of a cache
  using Span = MatrixSpan<Scalar>;         ///< writable view of a cache
  /// gamma, beta and their gradients: n x 1, in the network's parameter store (or alone)
  using Parameter = ParameterTensor<Vector>;

  /// Added to var before the square root (PyTorch's default).
  static constexpr double epsilon = 1e-5;
  /// Weight of the newest batch in the running averages: running = 0.9 running + 0.1 batch.
  static constexpr double momentum = 0.1;

  /// For n units: gamma = 1, beta = 0 (the identity), running mean 0 and variance 1. l, the
  /// layer, names gamma and beta in messages.
  explicit BatchNorm(Index units = 0, Index l = 0)
      : m_gamma(units, 1, "gamma", l),
        m_beta(units, 1, "beta", l),
        m_dgamma(units, 1, "dgamma", l),
        m_dbeta(units, 1, "dbeta", l),
        m_running_mean(Vector::Zero(units)),
        m_running_var(Vector::Ones(units)),
        m_mean(Vector::Zero(units)),
        m_var(Vector::Zero(units)),
        m_inv_std(Vector::Zero(units)),
        m_mean_dZ_norm(Vector::Zero(units)),
        m_mean_dZ_norm_Z_norm(Vector::Zero(units)) {
    m_gamma.setOnes();
  }

  /// gamma, the scale of each unit, n x 1.
  Parameter& gamma() noexcept { return m_gamma; }
  /// gamma, n x 1.
  const Parameter& gamma() const noexcept { return m_gamma; }
  /// beta, the shift of each unit, n x 1.
  Parameter& beta() noexcept { return m_beta; }
  /// beta, n x 1.
  const Parameter& beta() const noexcept { return m_beta; }
  /// dgamma = (1/m) sum_i dZ_tilde(:, i) * Z_norm(:, i), n x 1.
  Parameter& dgamma() noexcept { return m_dgamma; }
  /// dgamma, n x 1.
  const Parameter& dgamma() const noexcept { return m_dgamma; }
  /// dbeta = (1/m) sum_i dZ_tilde(:, i), n x 1.
  Parameter& dbeta() noexcept { return m_dbeta; }
  /// dbeta, n x 1.
  const Parameter& dbeta() const noexcept { return m_dbeta; }
  /// Running average of the batch means, used for prediction, n x 1.
  Vector& running_mean() noexcept { return m_running_mean; }
  /// Running average of the batch means, n x 1.
  const Vector& running_mean() const noexcept { return m_running_mean; }
  /// Running average of the batch variances, used for prediction, n x 1.
  Vector& running_var() noexcept { return m_running_var; }
  /// Running average of the batch variances, n x 1.
  const Vector& running_var() const noexcept { return m_running_var; }
  /// mu of the last training batch, n x 1.
  const Vector& mean() const noexcept { return m_mean; }
  /// var of the last training batch, n x 1.
  const Vector& var() const noexcept { return m_var; }

  /// Z_norm of the last training batch, n x m.
  View Z_norm() const { return View(m_Z_norm.data(), m_gamma.rows(), m_m); }
  /// Z_tilde = gamma * Z_norm + beta of the last training batch, n x m.
  View Z_tilde() const { return View(m_Z_tilde.data(), m_gamma.rows(), m_m); }
  /// dZ_tilde = dA * g'(Z_tilde) of the last backward pass, n x m.
  View dZ_tilde() const { return View(m_dZ_tilde.data(), m_gamma.rows(), m_m); }
  /// Writable dZ_tilde: the activation's backward pass writes here.
  Span dZ_tilde() { return Span(m_dZ_tilde.data(), m_gamma.rows(), m_m); }

  /// Training forward pass over the batch Z (n x m, no bias): fills Z_norm and Z_tilde with
  /// the batch's statistics and moves the running averages toward them.
  void forward(View Z) {
    resize_batch(Z.cols());
    const Scalar m = static_cast<Scalar>(Z.cols());
    const Scalar eps = static_cast<Scalar>(epsilon);
    const Scalar weight = static_cast<Scalar>(momentum);
    Span Z_norm(m_Z_norm.data(), Z.rows(), Z.cols());
    Span Z_tilde(m_Z_tilde.data(), Z.rows(), Z.cols());
    // mu and var over the examples (the columns), one value per unit (row)
    m_mean.noalias() = Z.rowwise().sum() / m;
    Z_norm.noalias() = Z.colwise() - m_mean;
    m_var.noalias() = Z_norm.array().square().matrix().rowwise().sum() / m;
    m_inv_std = (m_var.array() + eps).rsqrt();
    // Z_norm = (Z - mu) / sqrt(var + eps), Z_tilde = gamma Z_norm + beta
    Z_norm.array().colwise() *= m_inv_std.array();
    Z_tilde.array() = (Z_norm.array().colwise() * m_gamma.array()).colwise() + m_beta.array();
    m_running_mean = (Scalar(1) - weight) * m_running_mean + weight * m_mean;
    m_running_var = (Scalar(1) - weight) * m_running_var + weight * m_var;
  }

  /// Prediction: Z := gamma (Z - running_mean) / sqrt(running_var + eps) + beta, in place.
  void forward_inference(Span Z) const {
    const Scalar eps = static_cast<Scalar>(epsilon);
    // 1 / sqrt(running_var + eps) once per unit, not once per unit and example: the units go
    // in blocks whose factors fit a buffer on the stack (a const network predicts from several
    // threads at once, so the network holds no scratch for it, and nothing is allocated).
    constexpr Index block = 64;
    Eigen::Array<Scalar, block, 1> inv_std;
    for (Index i0 = 0; i0 < Z.rows(); i0 += block) {
      const Index n = std::min<Index>(block, Z.rows() - i0);
      inv_std.head(n) = (m_running_var.array().segment(i0, n) + eps).rsqrt();
      const auto mean = m_running_mean.array().segment(i0, n);
      const auto gamma = m_gamma.array().segment(i0, n);
      const auto beta = m_beta.array().segment(i0, n);
      for (Index j = 0; j < Z.cols(); ++j) {
        auto z = Z.col(j).array().segment(i0, n);
        z = (z - mean) * inv_std.head(n) * gamma + beta;
      }
    }
  }

  /// Backward pass from dZ_tilde (filled by the activation or the loss): dgamma, dbeta, and
  ///   dZ = (dZ_norm - mean_i dZ_norm - Z_norm * mean_i(dZ_norm * Z_norm)) / sqrt(var + eps)
  /// with dZ_norm = gamma * dZ_tilde (the per-example convention of dZ, see loss.hpp).
  /// \param dZ n x m, receives dL/dZ
  void backward(Span dZ) {
    const Scalar m = static_cast<Scalar>(m_m);
    const View Z_norm_ = Z_norm();
    const View dZ_tilde_(m_dZ_tilde.data(), m_gamma.rows(), m_m);
    m_dgamma.noalias() = (dZ_tilde_.array() * Z_norm_.array()).matrix().rowwise().sum() / m;
    m_dbeta.noalias() = dZ_tilde_.rowwise().sum() / m;
    // dZ_norm = gamma dZ_tilde, kept in dZ's storage until the last line
    dZ.array() = dZ_tilde_.array().colwise() * m_gamma.array();
    m_mean_dZ_norm.noalias() = dZ.rowwise().sum() / m;
    m_mean_dZ_norm_Z_norm.noalias() = (dZ.array() * Z_norm_.array()).matrix().rowwise().sum() / m;
    dZ.array() = ((dZ.colwise() - m_mean_dZ_norm).array() -
                  Z_norm_.array().colwise() * m_mean_dZ_norm_Z_norm.array())
                     .colwise() *
                 m_inv_std.array();
  }

  /// Room for m examples in the caches now, the examples in use unchanged (Layer::reserve).
  void reserve(Index m) {
    const Index used = m_m;
    resize_batch(m);
    m_m = used;
  }

 private:
  // Room for m examples in the caches; allocates only when m exceeds every earlier m.
  void resize_batch(Index m) {
    const Index n = m_gamma.rows();
    if (m > m_Z_norm.cols()) {
      m_Z_norm.resize(n, m);
      m_Z_tilde.resize(n, m);
      m_dZ_tilde.resize(n, m);
    }
    m_m = m;
  }

  Parameter m_gamma, m_beta, m_dgamma, m_dbeta;  // in the network's parameter store
  Vector m_running_mean, m_running_var;
  Vector m_mean, m_var, m_inv_std;               // of the last training batch
  Vector m_mean_dZ_norm, m_mean_dZ_norm_Z_norm;  // backward's row means
  Matrix m_Z_norm, m_Z_tilde, m_dZ_tilde;        // capacity in columns, m_m used
  Index m_m = 0;
};

namespace detail {

/// Batch normalisation's passes, which a layer calls through a pointer that
/// `Layer::set_batch_norm(true)` stores: whether a layer normalises is decided at run time, so
/// direct calls would compile them into every program that trains or predicts; through the
/// pointer, only a program that turns batch normalisation on (or loads a network that has it)
/// compiles them.
template <class Scalar>
struct BatchNormPasses {
  void (*forward)(BatchNorm<Scalar>& norm, MatrixView<Scalar> Z);  ///< BatchNorm::forward
  /// BatchNorm::forward_inference
  void (*forward_inference)(const BatchNorm<Scalar>& norm, MatrixSpan<Scalar> Z);
  void (*backward)(BatchNorm<Scalar>& norm, MatrixSpan<Scalar> dZ);  ///< BatchNorm::backward
};

/// The passes of BatchNorm<Scalar>.
template <class Scalar>
const BatchNormPasses<Scalar>* batch_norm_passes() noexcept {
  static constexpr BatchNormPasses<Scalar> passes{
      [](BatchNorm<Scalar>& norm, MatrixView<Scalar> Z) { norm.forward(Z); },
      [](const BatchNorm<Scalar>& norm, MatrixSpan<Scalar> Z) { norm.forward_inference(Z); },
      [](BatchNorm<Scalar>& norm, MatrixSpan<Scalar> dZ) { norm.backward(dZ); }};
  return &passes;
}

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_CORE_BATCH_NORM_HPP
