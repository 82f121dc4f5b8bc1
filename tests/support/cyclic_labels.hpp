// One-hot targets whose classes follow each other column by column (0, 1, ..., K-1, 0, ...):
// every class is present in any batch of K or more columns, which the allocation and thread
// tests need and nothing else in them depends on.
#ifndef DEEPNET_TEST_CYCLIC_LABELS_HPP
#define DEEPNET_TEST_CYCLIC_LABELS_HPP

#include <deepnet/config.hpp>

namespace deepnet_test {

/// classes x m, with a 1 in row j mod classes of column j.
template <class Scalar>
deepnet::Matrix<Scalar> cyclic_one_hot(deepnet::Index classes, deepnet::Index m) {
  deepnet::Matrix<Scalar> Y = deepnet::Matrix<Scalar>::Zero(classes, m);
  for (deepnet::Index j = 0; j < m; ++j)
    Y(j % classes, j) = 1;
  return Y;
}

}  // namespace deepnet_test

#endif  // DEEPNET_TEST_CYCLIC_LABELS_HPP
