// Tests for gradient_check.hpp: backpropagation agrees with central differences for every
// activation and loss pairing that makes sense, and the check finds a wrong gradient in the
// right layer and symbol, and refuses to pass when both gradients are zero.
#include "support/test_support.hpp"

#include <deepnet/tools/gradient_check.hpp>

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

struct OutputLayer {
  Activation g;
  Loss loss;
};

}  // namespace

TEST_CASE("gradient_check: below 1e-7 for every hidden activation and every output/loss pair",
          "[gradient_check]") {
  const Activation hidden = GENERATE(Activation::ReLU, Activation::LeakyReLU, Activation::Tanh,
                                     Activation::Sigmoid, Activation::Identity);
  const OutputLayer output =
      GENERATE(OutputLayer{Activation::Sigmoid, Loss::BinaryCrossEntropy},
               OutputLayer{Activation::Softmax, Loss::CategoricalCrossEntropy},
               OutputLayer{Activation::Identity, Loss::MeanSquaredError},
               OutputLayer{Activation::Sigmoid, Loss::MeanSquaredError},
               OutputLayer{Activation::Tanh, Loss::MeanSquaredError},
               OutputLayer{Activation::LeakyReLU, Loss::MeanSquaredError});
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

TEST_CASE("gradient_check: passes with L2 regularisation", "[gradient_check][l2]") {
  DeepNet<double> net({4, 5, 3, 1});
  net.initialize(Init::He, 21);
  net.set_l2(0.7);
  const Data data = data_for(Loss::BinaryCrossEntropy, 1, 22);
  const auto report = deepnet::gradient_check(net, data.X, data.Y);
  INFO(report);
  CHECK(report.passed());
  CHECK(report.overall.difference < 1e-7);
}

TEST_CASE("gradient_check: batch normalisation's backward pass, gamma and beta included",
          "[gradient_check][batch_norm]") {
  const Activation hidden = GENERATE(Activation::ReLU, Activation::Tanh, Activation::Sigmoid);
  CAPTURE(deepnet::to_string(hidden));
  DeepNet<double> net({4, 5, 3, 3}, hidden, Activation::Softmax);
  net.initialize(Init::He, 23);
  net.set_batch_norm(1);
  net.set_batch_norm(2);
  net.set_batch_norm(3);  // the output layer too
  deepnet::Random random(24);
  for (Index l = 1; l <= 3; ++l) {
    for (Index i = 0; i < net.layer(l).units(); ++i) {
      net.layer(l).batch_norm().gamma()(i) = 1.0 + 0.3 * random.normal();
      net.layer(l).batch_norm().beta()(i) = 0.2 * random.normal();
    }
  }
  const Data data = data_for(Loss::CategoricalCrossEntropy, 3, 25);
  const auto running_mean = net.layer(1).batch_norm().running_mean();
  const auto report = deepnet::gradient_check(net, data.X, data.Y);
  INFO(report);
  CHECK(report.passed());
  CHECK(report.entry(2, "dgamma").difference < 1e-7);
  CHECK(report.entry(2, "dbeta").difference < 1e-7);
  REQUIRE_THROWS_AS(report.entry(2, "db"), std::out_of_range);  // b is not used
  CHECK((net.layer(1).batch_norm().running_mean().array() == running_mean.array()).all());
}

TEST_CASE("gradient_check: refuses dropout, whose masks change J", "[gradient_check][dropout]") {
  DeepNet<double> net({4, 5, 1});
  net.initialize(Init::He, 26);
  net.set_keep_prob(1, 0.5);
  const Data data = data_for(Loss::BinaryCrossEntropy, 1, 27);
  REQUIRE_THROWS_AS(deepnet::gradient_check(net, data.X, data.Y), deepnet::ConfigError);
  REQUIRE_THROWS_WITH(deepnet::gradient_check(net, data.X, data.Y),
                      Contains("layer 1 uses dropout"));
}

TEST_CASE("gradient_check: X and Y with one row per example are reported as transposed",
          "[gradient_check][errors]") {
  DeepNet<double> net({4, 5, 1});
  net.initialize(Init::He, 28);
  const Data data = data_for(Loss::BinaryCrossEntropy, 1, 29);  // X 4x6, Y 1x6
  const Matrix<double> X_rows = data.X.transpose(), Y_rows = data.Y.transpose();
  REQUIRE_THROWS_AS(deepnet::gradient_check(net, X_rows, data.Y), deepnet::ShapeError);
  REQUIRE_THROWS_WITH(deepnet::gradient_check(net, X_rows, data.Y),
                      "gradient_check: X is 6x4, expected 4x6 (n[0] x m = 4 x m: samples are "
                      "columns; is X transposed? use X.transpose())");
  REQUIRE_THROWS_WITH(deepnet::gradient_check(net, data.X, Y_rows),
                      "gradient_check: Y is 6x1, expected 1x6 (the shape of A[2]: n[2] x m = 1 x "
                      "m: samples are columns; is Y transposed? use Y.transpose())");
}
