// Sequential::fit: the training loop of DeepNet::fit over a chain of modules. Its results are
// checked against the same training of the equivalent DeepNet (an implementation written
// apart: fused layers, its own adapter), and against formulas and counts computed here.
#include "support/test_support.hpp"

#include "support/sequential_of.hpp"

#include "support/residual.hpp"

#include <deepnet/core/sequential.hpp>
#include <deepnet/modules/activation.hpp>
#include <deepnet/modules/batch_norm.hpp>
#include <deepnet/modules/dense.hpp>
#include <deepnet/modules/dropout.hpp>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace dm = deepnet::modules;
using Catch::Matchers::Contains;
using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::FitOptions;
using deepnet::History;
using deepnet::Index;
using deepnet::Init;
using deepnet::Matrix;
using deepnet::MatrixSpan;
using deepnet::MatrixView;
using deepnet::OptimizerSettings;
using deepnet::Sequential;

// m examples of three features; class (x0 x1 > 0) + (x2 > 0.5): three classes, one-hot.
template <class Scalar>
void three_classes(Matrix<Scalar>& X, Matrix<Scalar>& Y, Index m, std::uint64_t seed) {
  deepnet::Random random(seed);
  X.resize(3, m);
  Y = Matrix<Scalar>::Zero(3, m);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < 3; ++i)
      X(i, j) = static_cast<Scalar>(random.normal());
    const Index c = (X(0, j) * X(1, j) > 0 ? 1 : 0) + (X(2, j) > Scalar(0.5) ? 1 : 0);
    Y(c, j) = 1;
  }
}

// Binary labels: 1 where x0 x1 > 0 (an XOR of signs, which no linear model separates).
void xor_signs(Matrix<double>& X, Matrix<double>& Y, Index m, std::uint64_t seed) {
  deepnet::Random random(seed);
  X.resize(3, m);
  Y.resize(1, m);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < 3; ++i)
      X(i, j) = random.normal();
    Y(0, j) = X(0, j) * X(1, j) > 0 ? 1.0 : 0.0;
  }
}

// The largest |a - b| / max(1, |b|) over the registry's values of both networks.
template <class Scalar>
double parameter_difference(DeepNet<Scalar>& net, Sequential<Scalar>& seq) {
  const auto a = net.parameters();
  const auto b = seq.parameters();
  REQUIRE(a.size() == b.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    REQUIRE(std::string(a[i].symbol) == b[i].symbol);
    const auto diff = (a[i].value - b[i].value).array().abs().template cast<double>();
    const auto scale = a[i].value.array().abs().template cast<double>().max(1.0);
    worst = std::max(worst, (diff / scale).maxCoeff());
  }
  return worst;
}

void check_same_history(const History& a, const History& b, double tol) {
  REQUIRE(a.cost.size() == b.cost.size());
  for (std::size_t i = 0; i < a.cost.size(); ++i)
    CHECK_THAT(b.cost[i], Catch::Matchers::WithinRel(a.cost[i], tol));
  REQUIRE(a.epochs.size() == b.epochs.size());
  for (std::size_t e = 0; e < a.epochs.size(); ++e) {
    INFO("epoch " << e);
    CHECK_THAT(b.epochs[e].val_cost, Catch::Matchers::WithinRel(a.epochs[e].val_cost, tol));
    CHECK(b.epochs[e].accuracy == a.epochs[e].accuracy);
    CHECK(b.epochs[e].val_accuracy == a.epochs[e].val_accuracy);
  }
  CHECK(a.best_epoch == b.best_epoch);
  CHECK(a.stopped_early == b.stopped_early);
}

// Leaves the parameters as they are: the validation cost never improves after epoch 0.
class StandingStill : public deepnet::Optimizer<double> {
 public:
  std::string name() const override { return "StandingStill"; }
  void update(Index, MatrixSpan<double>, MatrixView<double>, double) override {}
};

// Multiplies every parameter by 1e30 each step: the forward pass soon overflows.
class Overflowing : public deepnet::Optimizer<double> {
 public:
  std::string name() const override { return "Overflowing"; }
  void update(Index, MatrixSpan<double> theta, MatrixView<double>, double) override {
    theta *= 1e30;
  }
};

}  // namespace

// The two implementations share the linear part's code (Linear) but not the rest (DeepNet adds
// b in its activation pass, fused with g; the Sequential chains modules). A Release build with g++
// here gives the same bits (the largest difference measured is 0); the tolerances leave room for
// another compiler's contractions and orderings over 6 epochs of Adam.
TEMPLATE_TEST_CASE(
    "Sequential::fit trains as DeepNet::fit: Adam, shuffled mini-batches, "
    "validation",
    "[sequential][fit]", float, double) {
  const double tol = std::is_same<TestType, float>::value ? 2e-4 : 1e-10;
  Matrix<TestType> X, Y, X_val, Y_val;
  three_classes(X, Y, 90, 1);
  three_classes(X_val, Y_val, 30, 2);
  const FitOptions options = FitOptions()
                                 .epochs(6)
                                 .batch_size(16)
                                 .learning_rate(0.01)
                                 .optimizer(OptimizerSettings::adam())
                                 .seed(3);

  SECTION("ReLU hidden layers, Softmax output, an explicit validation set") {
    DeepNet<TestType> net({3, 8, 6, 3}, Activation::ReLU, Activation::Softmax);
    net.initialize(Init::He, 4);
    Sequential<TestType> seq = deepnet_test::sequential_of(net);
    const History expected = net.fit(X, Y, X_val, Y_val, options);
    const History actual = seq.fit(X, Y, X_val, Y_val, options);
    CHECK(actual.epochs.size() == 6);
    check_same_history(expected, actual, tol);
    CHECK(parameter_difference(net, seq) < tol);
  }
  SECTION("batch normalisation, validation_split, integer labels") {
    DeepNet<TestType> net({3, 7, 3}, Activation::Tanh, Activation::Softmax);
    net.initialize(Init::Xavier, 5);
    net.set_batch_norm(1);
    Sequential<TestType> seq = deepnet_test::sequential_of(net);
    const deepnet::Labels labels = deepnet::to_labels(Y);
    const FitOptions split = FitOptions(options).validation_split(0.2);
    const History expected = net.fit(X, labels, split);
    const History actual = seq.fit(X, labels, split);
    check_same_history(expected, actual, tol);
    CHECK(parameter_difference(net, seq) < tol);
  }
}

TEST_CASE("Sequential::fit: integer labels train as their one-hot columns, bit for bit",
          "[sequential][fit]") {
  Matrix<double> X, Y;
  three_classes(X, Y, 40, 6);
  const auto make = [] {
    Sequential<double> net(3);
    net.add<dm::Dense>(5).add<dm::ReLU>().add<dm::Dense>(3).add<dm::Softmax>();
    net.initialize(Init::He, 7);
    return net;
  };
  Sequential<double> from_labels = make(), from_one_hot = make();
  const FitOptions options = FitOptions().epochs(3).batch_size(8).learning_rate(0.1);
  from_labels.fit(X, deepnet::to_labels(Y), options);
  from_one_hot.fit(X, Y, options);
  const auto a = from_labels.parameters();
  const auto b = from_one_hot.parameters();
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].name);
    CHECK(std::memcmp(a[i].value.data(), b[i].value.data(),
                      sizeof(double) * static_cast<std::size_t>(a[i].value.size())) == 0);
  }
  CHECK_THROWS_WITH(from_labels.fit(X, deepnet::Labels::Constant(1, 40, 3), options),
                    Contains("labels(0, 0) is 3, but the Softmax module gives n_K = 3 outputs"));
}

TEST_CASE("Sequential::fit: early stopping restores the best epoch as DeepNet's does",
          "[sequential][fit][early_stopping]") {
  Matrix<double> X, Y, X_val, Y_val;
  three_classes(X, Y, 60, 8);
  three_classes(X_val, Y_val, 20, 9);
  SECTION("a learning rate too large: the validation cost soon stops improving") {
    DeepNet<double> net({3, 16, 3}, Activation::ReLU, Activation::Softmax);
    net.initialize(Init::He, 10);
    Sequential<double> seq = deepnet_test::sequential_of(net);
    const FitOptions options = FitOptions()
                                   .epochs(200)
                                   .batch_size(10)
                                   .learning_rate(0.05)
                                   .optimizer(OptimizerSettings::adam())
                                   .early_stopping(3)
                                   .restore_best(true);
    const History expected = net.fit(X, Y, X_val, Y_val, options);
    const History actual = seq.fit(X, Y, X_val, Y_val, options);
    REQUIRE(expected.stopped_early);
    CHECK(actual.stop_reason == "early stopping");
    check_same_history(expected, actual, 1e-9);
    CHECK(parameter_difference(net, seq) < 1e-9);
    // Patience 3: the run ends three epochs after the best one.
    CHECK(actual.epochs.size() == static_cast<std::size_t>(actual.best_epoch) + 1 + 3);
  }
  SECTION("an update rule of the program's that never moves: the best epoch is the first") {
    Sequential<double> seq(3);
    seq.add<dm::Dense>(4).add<dm::Tanh>().add<dm::Dense>(3).add<dm::Softmax>();
    seq.initialize(Init::Xavier, 11);
    StandingStill rule;
    const History history =
        seq.fit(X, Y, X_val, Y_val, FitOptions().epochs(50).early_stopping(2), rule);
    CHECK(history.stopped_early);
    CHECK(history.epochs.size() == 3);
    CHECK(history.best_epoch == 0);
  }
}

TEST_CASE("Sequential::fit: the divergence guard names the module and keeps finite parameters",
          "[sequential][fit][divergence]") {
  Matrix<double> X, Y;
  xor_signs(X, Y, 40, 12);
  Sequential<double> seq(3);
  seq.add<dm::Dense>(5).add<dm::Tanh>().add<dm::Dense>(1).add<dm::Sigmoid>();
  seq.initialize(Init::Xavier, 13);
  Overflowing rule;
  try {
    seq.fit(X, Y, FitOptions().epochs(20), rule);
    FAIL("no DivergenceError");
  } catch (const deepnet::DivergenceError& e) {
    CHECK_THAT(e.what(), Contains("Sequential::fit: training diverged at iteration"));
    CHECK(e.layer() >= 1);
    CHECK(e.layer() <= seq.size());
  }
  for (const auto& entry : seq.parameters())
    CHECK(entry.value.allFinite());  // the last parameters whose cost was finite
}

TEST_CASE("Sequential::fit: a residual block of the program's learns the XOR of signs",
          "[sequential][fit][extending]") {
  Matrix<double> X, Y, X_test, Y_test;
  xor_signs(X, Y, 400, 14);
  xor_signs(X_test, Y_test, 200, 15);
  Sequential<double> seq(3);
  seq.add<dm::Dense>(8)
      .add<dm::Tanh>()
      .add<deepnet_test::Residual>(8)
      .add<dm::Dense>(1)
      .add<dm::Sigmoid>();
  seq.initialize(Init::Xavier, 16);
  // A linear model cannot do better than about half on this problem; the residual network
  // separates the quadrants.
  const History history =
      seq.fit(X, Y,
              FitOptions().epochs(150).batch_size(32).learning_rate(0.01).optimizer(
                  OptimizerSettings::adam()));
  CHECK(history.epochs.back().cost < history.epochs.front().cost);
  CHECK(seq.accuracy(X, Y) >= 0.95);
  CHECK(seq.accuracy(X_test, Y_test) >= 0.9);
}

TEST_CASE("Sequential::fit refuses what it cannot do, naming it", "[sequential][fit][errors]") {
  Matrix<double> X, Y;
  xor_signs(X, Y, 20, 17);
  Sequential<double> seq(3);
  seq.add<dm::Dense>(4).add<dm::ReLU>().add<dm::Dense>(1).add<dm::Sigmoid>();
  SECTION("a network never initialised, all weights zero") {
    CHECK_THROWS_AS(seq.fit(X, Y), deepnet::StateError);
    CHECK_THROWS_WITH(seq.fit(X, Y), Contains("Sequential::fit: every weight is zero and "
                                              "initialize was never called"));
    seq.module(1).for_each_tensor(
        [](const char* symbol, MatrixSpan<double> value, MatrixSpan<double>, bool) {
          if (symbol[0] == 'W') value.setConstant(0.1);  // set by hand: the caller's choice
        });
    CHECK_NOTHROW(seq.fit(X, Y, FitOptions().epochs(1)));
  }
  SECTION("checkpoints") {
    seq.initialize(Init::He, 18);
    CHECK_THROWS_WITH(seq.fit(X, Y, FitOptions().checkpoint("never-written.dnet")),
                      Contains("Sequential::fit: FitOptions::checkpoint is for DeepNet only"));
    CHECK_THROWS_AS(seq.fit(X, Y, FitOptions().resume_from("never-read.dnet")),
                    deepnet::ConfigError);
  }
  SECTION("targets of the wrong shape, or values the loss refuses") {
    seq.initialize(Init::He, 18);
    const Matrix<double> Y2 = Matrix<double>::Zero(2, 20);
    CHECK_THROWS_AS(seq.fit(X, Y2), deepnet::ShapeError);
    const Matrix<double> Y_bad = Matrix<double>::Constant(1, 20, 0.5);
    CHECK_THROWS_AS(seq.fit(X, Y_bad), deepnet::DataError);
    const Matrix<double> X_T = X.transpose();
    CHECK_THROWS_WITH(seq.fit(X_T, Y), Contains("transposed"));
  }
  SECTION("a training that would exceed the memory limit") {
    seq.initialize(Init::He, 18);
    const std::size_t saved = deepnet::memory_limit();
    deepnet::set_memory_limit(1000);
    CHECK_THROWS_WITH(seq.fit(X, Y), Contains("Sequential::fit: training would hold"));
    deepnet::set_memory_limit(saved);
  }
}

TEST_CASE("Sequential::fit warns when one-hot targets meet a Sigmoid output",
          "[sequential][fit][warnings]") {
  Matrix<double> X, Y;
  three_classes(X, Y, 30, 19);
  Sequential<double> seq(3);
  seq.add<dm::Dense>(3).add<dm::Sigmoid>();
  seq.initialize(Init::Xavier, 20);
  const History history = seq.fit(X, Y, FitOptions().epochs(1));
  REQUIRE(history.warnings.size() == 1);
  CHECK_THAT(history.warnings[0], Contains("end the network with modules::Softmax"));
}
