// A training step of a Sequential network (forward, cost, backward, Adam's update) allocates
// nothing after the first: built with EIGEN_RUNTIME_NO_MALLOC and the counting operator new,
// as test_no_malloc.cpp proves it for DeepNet.
#include "support/test_support.hpp"

#include "support/allocations.hpp"

#include <deepnet/core/sequential.hpp>
#include <deepnet/modules/activation.hpp>
#include <deepnet/modules/batch_norm.hpp>
#include <deepnet/modules/dense.hpp>
#include <deepnet/modules/dropout.hpp>

#ifndef EIGEN_RUNTIME_NO_MALLOC
#error "this test must be built with EIGEN_RUNTIME_NO_MALLOC"
#endif

namespace {

// Allocations of both kinds while `step` runs; Eigen's would throw.
template <class Step>
long sequential_allocations_during(Step&& step) {
  Eigen::setNbThreads(1);  // Eigen's parallel products allocate (see test_no_malloc.cpp)
  const long before = deepnet_test::allocation_count();
  Eigen::internal::set_is_malloc_allowed(false);
  try {
    step();
  } catch (...) {
    Eigen::internal::set_is_malloc_allowed(true);
    throw;
  }
  Eigen::internal::set_is_malloc_allowed(true);
  return deepnet_test::allocation_count() - before;
}

}  // namespace

TEMPLATE_TEST_CASE(
    "no allocation: a Sequential's step with Adam, mini-batches of 128 and a last of 40",
    "[no_malloc][sequential]", float, double) {
  namespace nm = deepnet::modules;
  using Matrix = deepnet::Matrix<TestType>;
  deepnet::Sequential<TestType> net(784);
  net.template add<nm::Dense>(256, nm::Bias::Without)
      .template add<nm::BatchNorm>()
      .template add<nm::ReLU>()
      .template add<nm::Dropout>(0.8, 3)
      .template add<nm::Dense>(64)
      .template add<nm::Tanh>()
      .template add<nm::Dense>(10)
      .template add<nm::Softmax>();
  net.initialize(deepnet::Init::He, 1);
  const Matrix X = Matrix::Random(784, 168);
  Matrix Y = Matrix::Zero(10, 168);
  for (deepnet::Index j = 0; j < 168; ++j)
    Y(j % 10, j) = 1;
  deepnet::Adam<TestType> adam;
  const auto step = [&](deepnet::Index first, deepnet::Index m) {
    const auto X_batch = X.middleCols(first, m);
    const auto Y_batch = Y.middleCols(first, m);
    net.forward(X_batch);
    (void)net.cost(Y_batch);
    net.backward(Y_batch);
    net.update(adam, 0.001);
  };
  step(0, 128);  // warm-up: buffers, caches, product buffers and Adam's state take their size
  step(128, 40);
  CHECK(sequential_allocations_during([&] {
          for (int epoch = 0; epoch < 2; ++epoch) {
            step(0, 128);
            step(128, 40);
          }
        }) == 0);
  // The module outputs are views of the first m columns of storage kept for m = 128.
  CHECK(net.A(8).cols() == 40);
}
