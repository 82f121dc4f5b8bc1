// The synthetic data sets of the benchmarks (W1, W2), from deepnet's seeded generator, so that
// every benchmark program trains on the same numbers.
#ifndef DEEPNET_BENCHMARKS_SYNTHETIC_DATA_HPP
#define DEEPNET_BENCHMARKS_SYNTHETIC_DATA_HPP

#include <deepnet/config.hpp>
#include <deepnet/core/random.hpp>

#include <cstdint>

namespace synthetic {

using deepnet::Index;
template <class Scalar>
using Matrix = deepnet::Matrix<Scalar>;

// Inputs uniform in [0, 1) (like scaled pixels), from deepnet's seeded generator.
template <class Scalar>
Matrix<Scalar> uniform_inputs(Index rows, Index cols, std::uint64_t seed) {
  deepnet::Random random(seed);
  Matrix<Scalar> X(rows, cols);
  for (Index i = 0; i < X.size(); ++i)
    X.data()[i] = static_cast<Scalar>(random.uniform());
  return X;
}

// One-hot columns of random classes (or 0/1 labels when there is one row).
template <class Scalar>
Matrix<Scalar> random_labels(Index classes, Index cols, std::uint64_t seed) {
  deepnet::Random random(seed);
  if (classes == 1) {
    Matrix<Scalar> Y(1, cols);
    for (Index j = 0; j < cols; ++j)
      Y(0, j) = static_cast<Scalar>(random.below(2));
    return Y;
  }
  Matrix<Scalar> Y = Matrix<Scalar>::Zero(classes, cols);
  for (Index j = 0; j < cols; ++j)
    Y(random.below(classes), j) = Scalar(1);
  return Y;
}

}  // namespace synthetic

#endif  // DEEPNET_BENCHMARKS_SYNTHETIC_DATA_HPP
