// What the allocation and thread tests train with: one-hot targets whose classes follow each
// other column by column (0, 1, ..., K-1, 0, ...), so that every class is present in any
// batch of K or more columns, and an epoch of plain mini-batch steps over column blocks.
#ifndef DEEPNET_TEST_MINIBATCH_HPP
#define DEEPNET_TEST_MINIBATCH_HPP

#include <deepnet/config.hpp>

#include <algorithm>

namespace deepnet_test {

/// classes x m, with a 1 in row j mod classes of column j.
template <class Scalar>
deepnet::Matrix<Scalar> cyclic_one_hot(deepnet::Index classes, deepnet::Index m) {
  deepnet::Matrix<Scalar> Y = deepnet::Matrix<Scalar>::Zero(classes, m);
  for (deepnet::Index j = 0; j < m; ++j)
    Y(j % classes, j) = 1;
  return Y;
}

/// One epoch of forward, cost, backward and update over consecutive blocks of `batch`
/// columns (the last one shorter), without shuffling.
template <class Net, class Scalar>
void minibatch_epoch(Net& net, const deepnet::Matrix<Scalar>& X, const deepnet::Matrix<Scalar>& Y,
                     deepnet::Index batch, double learning_rate) {
  for (deepnet::Index start = 0; start < X.cols(); start += batch) {
    const deepnet::Index size = std::min<deepnet::Index>(batch, X.cols() - start);
    net.forward(X.middleCols(start, size));
    (void)net.cost(Y.middleCols(start, size));
    net.backward(Y.middleCols(start, size));
    net.update(learning_rate);
  }
}

}  // namespace deepnet_test

#endif  // DEEPNET_TEST_MINIBATCH_HPP
