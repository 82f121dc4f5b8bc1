// A training step of a Sequential network (forward, cost, backward, Adam's update) allocates
// nothing after the first: built with EIGEN_RUNTIME_NO_MALLOC and the counting operator new,
// as test_no_malloc.cpp proves it for DeepNet.
#include "support/test_support.hpp"

#include "support/no_malloc.hpp"

#include <deepnet/core/sequential.hpp>
#include <deepnet/modules/activation.hpp>
#include <deepnet/modules/batch_norm.hpp>
#include <deepnet/modules/dense.hpp>
#include <deepnet/modules/dropout.hpp>

#ifndef EIGEN_RUNTIME_NO_MALLOC
#error "this test must be built with EIGEN_RUNTIME_NO_MALLOC"
#endif

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
  CHECK(deepnet_test::allocations_during([&] {
          for (int epoch = 0; epoch < 2; ++epoch) {
            step(0, 128);
            step(128, 40);
          }
        }) == 0);
  // The module outputs are views of the first m columns of storage kept for m = 128.
  CHECK(net.A(8).cols() == 40);
}

TEST_CASE("no allocation: an epoch of Sequential::fit's loop with Adam, shuffling, validation",
          "[no_malloc][sequential][trainer]") {
  namespace nm = deepnet::modules;
  using Matrix = deepnet::Matrix<float>;
  deepnet::Sequential<float> net(784);
  net.add<nm::Dense>(128, nm::Bias::Without)
      .add<nm::BatchNorm>()
      .add<nm::ReLU>()
      .add<nm::Dropout>(0.8, 3)
      .add<nm::Dense>(10)
      .add<nm::Softmax>();
  net.initialize(deepnet::Init::He, 1);
  const deepnet::Index m = 128 * 2 + 40;
  const Matrix X = Matrix::Random(784, m);
  Matrix Y = Matrix::Zero(10, m);
  for (deepnet::Index j = 0; j < m; ++j)
    Y(j % 10, j) = 1;
  const Matrix X_val = Matrix::Random(784, 50);
  Matrix Y_val = Matrix::Zero(10, 50);
  for (deepnet::Index j = 0; j < 50; ++j)
    Y_val(j % 10, j) = 1;
  deepnet::Trainer<float, deepnet::Sequential<float>> trainer(
      net, X, Y, X_val, Y_val,
      deepnet::FitOptions()
          .learning_rate(0.001)
          .epochs(3)
          .batch_size(128)
          .optimizer(deepnet::OptimizerSettings::adam())
          .early_stopping(10));
  (void)trainer.run_epoch();  // warm-up: buffers, caches, Adam's state, validation buffers
  CHECK(deepnet_test::allocations_during([&] { (void)trainer.run_epoch(); }) == 0);
}
