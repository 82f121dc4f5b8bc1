// After a first step with a given batch size, forward + cost + backward + update allocate
// nothing. Built with EIGEN_RUNTIME_NO_MALLOC, so that any Eigen allocation while
// set_is_malloc_allowed(false) fails an assertion (which the test support turns into an
// exception), and with a counting global operator new, which catches every other allocation.
#include "support/test_support.hpp"

#include "support/minibatch.hpp"
#include "support/no_malloc.hpp"

#include <deepnet/core/deep_net.hpp>
#include <deepnet/training/trainer.hpp>

#ifndef EIGEN_RUNTIME_NO_MALLOC
#error "this test must be built with EIGEN_RUNTIME_NO_MALLOC"
#endif

namespace {

// These cases run on one thread; tests/test_threads.cpp makes the same promise for products
// split over two OpenMP threads.
[[maybe_unused]] const bool g_one_thread = [] {
  Eigen::setNbThreads(1);
  return true;
}();
}  // namespace

using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::Index;
using deepnet::Init;
using deepnet::Matrix;

TEST_CASE("no allocation: the course's L-layer net on 12288-feature images, m = 209",
          "[no_malloc]") {
  // layer_dims {12288, 20, 7, 5, 1}: the first product is far larger than Eigen's stack buffers.
  DeepNet<double> net({12288, 20, 7, 5, 1});
  net.initialize(Init::ScaledNormal, 1);
  const Matrix<double> X = Matrix<double>::Random(12288, 209);
  Matrix<double> Y(1, 209);
  for (Index j = 0; j < 209; ++j)
    Y(0, j) = j % 3 == 0 ? 1.0 : 0.0;
  const auto step = [&] {
    net.forward(X);
    (void)net.cost(Y);
    net.backward(Y);
    net.update(0.0075);
  };
  step();  // warm-up: caches and product buffers take their size
  CHECK(deepnet_test::allocations_during(step) == 0);
  CHECK(deepnet_test::allocations_during([&] {
          for (int i = 0; i < 3; ++i)
            step();
        }) == 0);
}

TEST_CASE("no allocation: mini-batches of 128 and a smaller last batch, float", "[no_malloc]") {
  // The MLP of the benchmarks, {784, 256, 128, 10}, softmax output: an epoch of column blocks.
  DeepNet<float> net({784, 256, 128, 10}, Activation::ReLU, Activation::Softmax);
  net.initialize(Init::He, 2);
  const Index m = 128 * 4 + 96;
  const Matrix<float> X = Matrix<float>::Random(784, m);
  const Matrix<float> Y = deepnet_test::cyclic_one_hot<float>(10, m);
  const auto epoch = [&] { deepnet_test::minibatch_epoch(net, X, Y, 128, 0.01); };
  epoch();  // warm-up with the largest batch first
  CHECK(deepnet_test::allocations_during(epoch) == 0);
}

TEST_CASE("no allocation: one example at a time (m = 1)", "[no_malloc]") {
  DeepNet<double> net({30, 16, 8, 3}, Activation::Tanh, Activation::Softmax);
  net.initialize(Init::Xavier, 3);
  const Matrix<double> X = Matrix<double>::Random(30, 5);
  const Matrix<double> Y = deepnet_test::cyclic_one_hot<double>(3, 5);
  const auto pass = [&] {
    for (Index j = 0; j < 5; ++j) {
      net.forward(X.col(j));
      net.backward(Y.col(j));
      net.update(0.1);
    }
  };
  pass();
  CHECK(deepnet_test::allocations_during(pass) == 0);
}

TEST_CASE("no allocation: every activation and loss on the hot path", "[no_malloc]") {
  const Activation hidden = GENERATE(Activation::ReLU, Activation::LeakyReLU, Activation::Tanh,
                                     Activation::Sigmoid, Activation::Identity);
  const Activation output = GENERATE(Activation::Sigmoid, Activation::Identity);
  DeepNet<double> net({40, 64, 32, 2}, hidden, output);
  net.initialize(Init::He, 4);
  const Matrix<double> X = Matrix<double>::Random(40, 100);
  const Matrix<double> Y = (Matrix<double>::Random(2, 100).array() > 0).cast<double>();
  const auto step = [&] {
    net.forward(X);
    (void)net.cost(Y);
    net.backward(Y);
    net.update(0.01);
  };
  step();
  CHECK(deepnet_test::allocations_during(step) == 0);
}

TEST_CASE("no allocation: a whole epoch of shuffled mini-batches with Adam, dropout, batch norm",
          "[no_malloc][trainer]") {
  DeepNet<float> net({784, 256, 128, 10}, Activation::ReLU, Activation::Softmax);
  net.initialize(Init::He, 6);
  net.set_keep_prob(1, 0.8);
  net.set_batch_norm(2);
  net.set_l2(0.01);
  const Index m = 128 * 3 + 40;
  const Matrix<float> X = Matrix<float>::Random(784, m);
  const Matrix<float> Y = deepnet_test::cyclic_one_hot<float>(10, m);
  const Matrix<float> X_val = Matrix<float>::Random(784, 50);
  const Matrix<float> Y_val = deepnet_test::cyclic_one_hot<float>(10, 50);
  deepnet::Trainer<float> trainer(net, X, Y, X_val, Y_val,
                                  deepnet::FitOptions()
                                      .learning_rate(0.001)
                                      .epochs(3)
                                      .batch_size(128)
                                      .optimizer(deepnet::OptimizerSettings::adam())
                                      .schedule(deepnet::Schedule::inverse_time(0.5))
                                      .early_stopping(10));
  (void)trainer.run_epoch();  // warm-up: caches, optimizer state, validation buffers
  CHECK(deepnet_test::allocations_during([&] { (void)trainer.run_epoch(); }) == 0);
}

TEST_CASE("no allocation: validation_split views X and Y and allocates nothing after an epoch",
          "[no_malloc][trainer][validation]") {
  DeepNet<float> net({784, 64, 10}, Activation::ReLU, Activation::Softmax);
  net.initialize(Init::He, 8);
  const Index m = 200;  // fraction 0.2: the last 40 columns validate, 160 train
  const Matrix<float> X = Matrix<float>::Random(784, m);
  const Matrix<float> Y = deepnet_test::cyclic_one_hot<float>(10, m);
  const auto options = deepnet::FitOptions()
                           .learning_rate(0.001)
                           .epochs(3)
                           .batch_size(64)
                           .optimizer(deepnet::OptimizerSettings::adam())
                           .early_stopping(10);
  // Building the trainer allocates what it would for column blocks given explicitly: the
  // split copies no data (a copy of X's 40 validation columns would be one more allocation).
  const auto constructing = [&](auto&&... data) {
    const long before = deepnet_test::allocation_count();
    { deepnet::Trainer<float> trainer(net, data...); }
    return deepnet_test::allocation_count() - before;
  };
  const auto given =
      constructing(X.leftCols(160), Y.leftCols(160), X.rightCols(40), Y.rightCols(40), options);
  CHECK(constructing(X, Y, deepnet::FitOptions(options).validation_split(0.2)) == given);

  deepnet::Trainer<float> trainer(net, X, Y, deepnet::FitOptions(options).validation_split(0.2));
  CHECK(trainer.batches() == 3);  // 160 training examples in batches of 64, 64, 32
  (void)trainer.run_epoch();      // warm-up: caches, optimizer state, validation buffers
  CHECK(deepnet_test::allocations_during([&] { (void)trainer.run_epoch(); }) == 0);
  CHECK(trainer.history().epochs.back().val_cost > 0.0);
}

TEST_CASE("no allocation: prediction into a workspace", "[no_malloc][predict]") {
  DeepNet<float> net({784, 256, 128, 10}, Activation::ReLU, Activation::Softmax);
  net.initialize(Init::He, 7);
  net.set_batch_norm(1);
  const Matrix<float> X = Matrix<float>::Random(784, 64);
  deepnet::PredictionWorkspace<float> workspace;
  (void)net.predict(X, workspace);
  CHECK(deepnet_test::allocations_during([&] {
          (void)net.predict(X, workspace);
          (void)net.predict(X.col(3), workspace);  // one example: smaller, no new buffers
        }) == 0);
}

TEST_CASE("fit allocates its history once, however many iterations it runs", "[no_malloc]") {
  DeepNet<double> net({20, 10, 1});
  net.initialize(Init::He, 5);
  const Matrix<double> X = Matrix<double>::Random(20, 300);
  const Matrix<double> Y = (Matrix<double>::Random(1, 300).array() > 0).cast<double>();
  const auto run = [&](Index iterations) {
    const long before = deepnet_test::allocation_count();
    (void)net.fit(X, Y, deepnet::FitOptions().learning_rate(0.01).iterations(iterations));
    return deepnet_test::allocation_count() - before;
  };
  (void)run(1);  // caches
  CHECK(run(10) == run(1000));
}

TEST_CASE("the allocation counter and Eigen's guard do see allocations", "[no_malloc]") {
  // Guards against a test that cannot fail.
  static int* volatile escape = nullptr;
  CHECK(deepnet_test::allocations_during([] { escape = new int(1); }) == 1);
  delete escape;
  REQUIRE_THROWS_AS(deepnet_test::allocations_during([] { Matrix<double> big(300, 300); }),
                    deepnet_test::AssertionFailure);
}
