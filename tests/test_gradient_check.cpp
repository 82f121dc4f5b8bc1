// Tests for gradient_check.hpp: backpropagation agrees with central differences for every
// activation and loss pairing that makes sense, and the check finds a wrong gradient in the
// right layer and symbol, and refuses to pass when both gradients are zero.
#include "support/test_support.hpp"

#include <deepnet/gradient_check.hpp>

using Catch::Matchers::Contains;
using deepnet::Activation;
using deepnet::CheckStatus;
using deepnet::DeepNet;
using deepnet::Index;
using deepnet::Init;
using deepnet::Loss;
using deepnet::Matrix;

namespace {

struct Data {
  Matrix<double> X, Y;
};

// m = 6 examples of n[0] = 4 features, targets suited to the loss.
Data data_for(Loss loss, Index n_L, unsigned seed) {
  deepnet::Random random(seed);
  Data data{Matrix<double>(4, 6), Matrix<double>::Zero(n_L, 6)};
  for (Index i = 0; i < data.X.size(); ++i)
    data.X(i) = random.normal();
  for (Index j = 0; j < 6; ++j) {
    for (Index i = 0; i < n_L; ++i) {
      if (loss == Loss::BinaryCrossEntropy) data.Y(i, j) = random.uniform() < 0.5 ? 0.0 : 1.0;
      if (loss == Loss::MeanSquaredError) data.Y(i, j) = random.normal();
    }
    if (loss == Loss::CategoricalCrossEntropy) data.Y(random.below(n_L), j) = 1.0;
  }
  return data;
}

struct Output {
  Activation g;
  Loss loss;
};

}  // namespace

TEST_CASE("gradient_check: below 1e-7 for every hidden activation and every output/loss pair",
          "[gradient_check]") {
  const Activation hidden = GENERATE(Activation::ReLU, Activation::LeakyReLU, Activation::Tanh,
                                     Activation::Sigmoid, Activation::Identity);
  const Output output = GENERATE(Output{Activation::Sigmoid, Loss::BinaryCrossEntropy},
                                 Output{Activation::Softmax, Loss::CategoricalCrossEntropy},
                                 Output{Activation::Identity, Loss::MeanSquaredError},
                                 Output{Activation::Sigmoid, Loss::MeanSquaredError},
                                 Output{Activation::Tanh, Loss::MeanSquaredError},
                                 Output{Activation::LeakyReLU, Loss::MeanSquaredError});
  CAPTURE(deepnet::to_string(hidden), deepnet::to_string(output.g),
          deepnet::to_string(output.loss));
  const Index n_L = output.loss == Loss::BinaryCrossEntropy ? 2 : 3;
  DeepNet<double> net({4, 5, 3, n_L}, hidden, output.g, output.loss);
  net.initialize(Init::Xavier, 11);
  for (Index l = 1; l <= net.L(); ++l)
    net.layer(l).b().setConstant(0.1);
  const Data data = data_for(output.loss, n_L, 5);

  const auto report = deepnet::gradient_check(net, data.X, data.Y);
  INFO(report);
  CHECK(report.passed());
  CHECK(report.overall.difference < 1e-7);
  REQUIRE(report.entries.size() == 9);
  for (const auto& entry : report.entries)
    CHECK(entry.difference < 1e-7);
}

TEST_CASE("gradient_check: a float network's gradients match the true gradient",
          "[gradient_check]") {
  DeepNet<float> net({4, 6, 3}, Activation::Tanh, Activation::Softmax);
  net.initialize(Init::He, 2);
  const Data data = data_for(Loss::CategoricalCrossEntropy, 3, 8);
  const auto report = deepnet::gradient_check(net, data.X.cast<float>(), data.Y.cast<float>());
  INFO(report);
  CHECK(report.passed());
  CHECK(report.threshold == 1e-4);
  CHECK(report.overall.difference < 1e-5);
}

TEST_CASE("gradient_check: leaves the weights alone and the caches of (X, Y) in place",
          "[gradient_check]") {
  DeepNet<double> net({4, 5, 1});
  net.initialize(Init::He, 4);
  const Data data = data_for(Loss::BinaryCrossEntropy, 1, 6);
  const Matrix<double> W1 = net.layer(1).W();
  (void)deepnet::gradient_check(net, data.X, data.Y);
  CHECK((net.layer(1).W().array() == W1.array()).all());
  const Matrix<double> AL = net.layer(2).A();
  CHECK(AL.isApprox(net.predict(data.X), 0.0));
  CHECK_NOTHROW(net.update(0.1));  // the gradients of (X, Y) are in place
}

TEST_CASE("compare_gradients: a wrong gradient fails in its own layer and symbol only",
          "[gradient_check]") {
  DeepNet<double> net({4, 5, 3, 2});
  net.initialize(Init::He, 9);
  for (Index l = 1; l <= net.L(); ++l)
    net.layer(l).b().setConstant(0.1);
  const Data data = data_for(Loss::BinaryCrossEntropy, 2, 10);
  net.forward(data.X);
  net.backward(data.Y);
  const auto numeric = deepnet::numerical_gradients(net, data.X, data.Y);
  REQUIRE(deepnet::compare_gradients(net, numeric).passed());

  SECTION("dW of layer 2") {
    net.layer(2).dW()(1, 0) += 1e-3;  // what a wrong formula would do
    const auto report = deepnet::compare_gradients(net, numeric);
    CHECK_FALSE(report.passed());
    CHECK(report.entry(2, "dW").status == CheckStatus::Failed);
    CHECK(report.entry(2, "db").status == CheckStatus::Passed);
    CHECK(report.entry(1, "dW").status == CheckStatus::Passed);
    CHECK(report.entry(3, "dW").status == CheckStatus::Passed);
    CHECK(report.overall.status == CheckStatus::Failed);
    CHECK_THAT(deepnet::to_string(report),
               Contains("layer 2: dW disagrees with the numerical gradient"));
  }
  SECTION("dA of layer 1") {
    net.layer(1).dA()(0, 0) += 0.5;
    const auto report = deepnet::compare_gradients(net, numeric);
    CHECK(report.entry(1, "dA").status == CheckStatus::Failed);
    CHECK(report.entry(1, "dW").status == CheckStatus::Passed);
    CHECK(report.overall.status == CheckStatus::Passed);  // dA is not a parameter
    CHECK_FALSE(report.passed());
  }
  SECTION("db of layer 3, by forgetting the 1/m") {
    net.layer(3).db() *= static_cast<double>(data.X.cols());
    const auto report = deepnet::compare_gradients(net, numeric);
    CHECK(report.entry(3, "db").status == CheckStatus::Failed);
    CHECK(report.entry(3, "db").difference > 0.5);
  }
}

TEST_CASE("gradient_check: gradients that are zero in both computations do not pass",
          "[gradient_check]") {
  // Every unit of layer 1 is a dead ReLU: A[1] = 0, so dW[1], db[1] and dW[2] vanish both in
  // backpropagation and numerically. A check that passed here would accept any formula.
  DeepNet<double> net({4, 5, 1});
  net.initialize(Init::He, 12);
  net.layer(1).b().setConstant(-100.0);
  const Data data = data_for(Loss::BinaryCrossEntropy, 1, 13);
  const auto report = deepnet::gradient_check(net, data.X, data.Y);
  CHECK_FALSE(report.passed());
  CHECK(report.entry(1, "dW").status == CheckStatus::Vacuous);
  CHECK(report.entry(1, "db").status == CheckStatus::Vacuous);
  CHECK(report.entry(2, "dW").status == CheckStatus::Vacuous);
  CHECK(report.entry(2, "db").status == CheckStatus::Passed);
  CHECK_THAT(deepnet::to_string(report), Contains("layer 1: dW is zero in both computations"));
}

TEST_CASE("gradient_check: the report prints one line per layer and symbol", "[gradient_check]") {
  DeepNet<double> net({4, 3, 1});
  net.initialize(Init::He, 1);
  const Data data = data_for(Loss::BinaryCrossEntropy, 1, 2);
  const std::string text = deepnet::to_string(deepnet::gradient_check(net, data.X, data.Y));
  CHECK_THAT(text, Contains("gradient check passed: overall difference"));
  CHECK_THAT(text, Contains("    2  dA  "));
  REQUIRE_THROWS_AS(deepnet::gradient_check(net, data.X, data.Y).entry(3, "dW"), std::out_of_range);
}
