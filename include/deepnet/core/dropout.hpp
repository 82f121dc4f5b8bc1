/// \file core/dropout.hpp
/// Inverted dropout (course 2, week 1): while training, each unit of a hidden layer is kept
/// with probability keep_prob and its activation divided by keep_prob, so that the expected
/// value of A is unchanged and prediction needs no rescaling:
///
///   D = (U < keep_prob),  A := D * A / keep_prob       (forward, U uniform in [0, 1))
///   dA := D * dA / keep_prob                           (backward: the same units, same scale)
///
/// The mask is drawn from the network's `Random`, in column-major order (example by example),
/// so a seed reproduces it; prediction never drops anything.
#ifndef DEEPNET_CORE_DROPOUT_HPP
#define DEEPNET_CORE_DROPOUT_HPP

#include "../config.hpp"
#include "random.hpp"

#include <cmath>
#include <cstdint>

namespace deepnet {

/// The dropout part of a layer: keep_prob and the mask D of the last training batch.
template <class Scalar>
class Dropout {
 public:
  using Matrix = deepnet::Matrix<Scalar>;  ///< n x m storage
  using View = MatrixView<Scalar>;         ///< read-only view of the mask
  using Span = MatrixSpan<Scalar>;         ///< writable view of a cache

  /// Dropout for n units that keeps every unit (keep_prob = 1: no dropout).
  explicit Dropout(Index units = 0) : m_units(units) {}

  /// The probability of keeping a unit, in (0, 1]; 1 means no dropout.
  double keep_prob() const noexcept { return m_keep_prob; }
  /// True when units are dropped (keep_prob < 1).
  bool active() const noexcept { return m_keep_prob < 1.0; }
  /// Sets keep_prob; the caller (DeepNet) checks that it lies in (0, 1].
  void set_keep_prob(double keep_prob) noexcept { m_keep_prob = keep_prob; }

  /// D of the last training batch, n x m: 1 for a kept unit, 0 for a dropped one.
  View D() const { return View(m_D.data(), m_units, m_m); }

  /// Room for m examples in D, allocated now rather than in a later step.
  void reserve(Index m) {
    if (m > m_D.cols()) m_D.resize(m_units, m);
  }

  /// Draws D and applies it to A (n x m) in place: A := D * A / keep_prob.
  void forward(Span A, Random& random) {
    if (A.cols() > m_D.cols()) m_D.resize(m_units, A.cols());
    m_m = A.cols();
    // One pass: draw each entry of D and apply it. uniform() < keep_prob compares k 2^-53
    // (k the top 53 bits of the next draw) with keep_prob; comparing k with
    // ceil(keep_prob 2^53) as integers is the same test without the conversion.
    const std::uint64_t threshold = keep_threshold();
    const Scalar scale = static_cast<Scalar>(1.0 / m_keep_prob);
    Scalar* D = m_D.data();
    for (Index j = 0; j < m_m; ++j) {
      Scalar* a = A.data() + j * A.rows();
      Scalar* d = D + j * m_units;
      for (Index i = 0; i < m_units; ++i) {
        d[i] = Scalar((random.next() >> 11) < threshold);
        a[i] *= d[i] * scale;
      }
    }
  }

  /// Applies the mask of the forward pass to dA in place: dA := D * dA / keep_prob.
  void backward(Span dA) const {
    dA.array() *= D().array() * static_cast<Scalar>(1.0 / m_keep_prob);
  }

 private:
  // ceil(keep_prob 2^53): the draws k = next() >> 11 below it are those with k 2^-53 < keep_prob.
  std::uint64_t keep_threshold() const noexcept {
    return static_cast<std::uint64_t>(std::ceil(m_keep_prob * 0x1.0p53));
  }

  Index m_units;
  double m_keep_prob = 1.0;
  Matrix m_D;
  Index m_m = 0;
};

}  // namespace deepnet

#endif  // DEEPNET_CORE_DROPOUT_HPP
