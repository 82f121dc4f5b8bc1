// Modules: every built-in module and three written here as a program would write them (the
// Swish activation, a residual block, the Huber loss), each checked against central
// differences of J through gradient_check(Sequential&, ...).
#include "support/test_support.hpp"

#include "support/residual.hpp"

#include <deepnet/core/sequential.hpp>
#include <deepnet/modules/activation.hpp>
#include <deepnet/modules/batch_norm.hpp>
#include <deepnet/modules/dense.hpp>
#include <deepnet/modules/dropout.hpp>
#include <deepnet/tools/gradient_check.hpp>

#include <cmath>
#include <memory>
#include <string>

namespace {

namespace dm = deepnet::modules;
using deepnet::Index;
using deepnet::Init;
using deepnet::Loss;
using deepnet::Matrix;
using deepnet::Module;
using deepnet::Sequential;
using deepnet_test::Residual;

// Swish (Ramachandran et al., 2017), not a module of the library: y = z sigmoid(z),
// y' = s + z s (1 - s) with s = sigmoid(z).
class Swish : public Module<double> {
 public:
  std::string name() const override { return "Swish"; }
  Index output_size(Index input_size) override { return input_size; }
  void forward(View input, Span output, bool) override {
    output.array() = input.array() * input.array().logistic();
  }
  void backward(View input, View, View d_output, Span* d_input) override {
    if (d_input == nullptr) return;
    const auto z = input.array();
    const auto s = z.logistic();
    d_input->array() = d_output.array() * (s + z * s * (1.0 - s));
  }
};

// The Huber loss with threshold delta, not a loss of the library: per entry r = a - y,
// r^2 / 2 where |r| <= delta, else delta (|r| - delta / 2); J averages over the m columns.
// dA = m dJ/dA = r clipped to [-delta, delta].
class Huber : public deepnet::LossFunction<double> {
 public:
  explicit Huber(double delta) : m_delta(delta) {}
  std::string name() const override { return "Huber"; }
  double cost(deepnet::MatrixView<double> A, const Targets& Y) const override {
    const auto r = (A - Y).array();
    const auto small = r.abs() <= m_delta;
    return small.select(0.5 * r.square(), m_delta * (r.abs() - 0.5 * m_delta)).sum() /
           static_cast<double>(A.cols());
  }
  void gradient(deepnet::MatrixView<double> A, const Targets& Y,
                deepnet::MatrixSpan<double> dA) const override {
    dA.array() = (A - Y).array().min(m_delta).max(-m_delta);
  }

 private:
  double m_delta;
};

Matrix<double> modules_inputs(Index n, Index m, unsigned seed) {
  std::srand(seed);
  return Matrix<double>::Random(n, m);
}

Matrix<double> modules_binary_targets(Index n, Index m) {
  Matrix<double> Y(n, m);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < n; ++i)
      Y(i, j) = (i + 2 * j) % 3 == 0 ? 1.0 : 0.0;
  }
  return Y;
}

Matrix<double> modules_one_hot(Index n, Index m) {
  Matrix<double> Y = Matrix<double>::Zero(n, m);
  for (Index j = 0; j < m; ++j)
    Y((j * 2 + 1) % n, j) = 1.0;
  return Y;
}

void require_passed(const deepnet::GradientCheckReport& report) {
  INFO(report);
  CHECK(report.passed());
  CHECK(report.overall.difference < 1e-7);
}

}  // namespace

TEST_CASE("modules: Dense, with and without bias, passes the gradient check",
          "[modules][gradient_check]") {
  const Matrix<double> X = modules_inputs(4, 7, 11);
  Sequential<double> net(4);
  net.add<dm::Dense>(5).add<dm::Tanh>().add<dm::Dense>(3, dm::Bias::Without).add<dm::Sigmoid>();
  net.initialize(Init::Xavier, 2);
  const auto report = deepnet::gradient_check(net, X, modules_binary_targets(3, 7));
  require_passed(report);
  CHECK(report.entry(1, "dW").status == deepnet::CheckStatus::Passed);
  CHECK(report.entry(1, "db").status == deepnet::CheckStatus::Passed);
  CHECK(report.entry(3, "dW").status == deepnet::CheckStatus::Passed);
  CHECK_THROWS_AS(report.entry(3, "db"), std::out_of_range);  // no bias, no entry
}

TEST_CASE("modules: every built-in activation passes the gradient check in a hidden position",
          "[modules][gradient_check]") {
  const Matrix<double> X = modules_inputs(3, 6, 12);
  for (const deepnet::Activation g :
       {deepnet::Activation::Identity, deepnet::Activation::Sigmoid, deepnet::Activation::Tanh,
        deepnet::Activation::ReLU, deepnet::Activation::LeakyReLU, deepnet::Activation::Softmax}) {
    CAPTURE(deepnet::to_string(g));
    Sequential<double> net(3);
    net.add<dm::Dense>(4)
        .add(std::make_unique<dm::ActivationModule<double>>(g))
        .add<dm::Dense>(2)
        .add<dm::Identity>();
    net.initialize(Init::Xavier, 3);
    require_passed(deepnet::gradient_check(net, X, modules_inputs(2, 6, 13)));
  }
}

TEST_CASE("modules: Softmax and Sigmoid outputs with a loss of the program's are chained",
          "[modules][gradient_check]") {
  // Not the fused A - Y: the Huber loss's dA goes through the output activation's derivative.
  const Matrix<double> X = modules_inputs(3, 5, 14);
  for (const bool softmax : {false, true}) {
    CAPTURE(softmax);
    Sequential<double> net(3);
    net.add<dm::Dense>(4);
    if (softmax) {
      net.add<dm::Softmax>();
    } else {
      net.add<dm::Sigmoid>();
    }
    net.set_loss(Huber(0.3));
    net.initialize(Init::Xavier, 4);
    require_passed(deepnet::gradient_check(net, X, modules_one_hot(4, 5)));
  }
}

TEST_CASE("modules: BatchNorm gradient check, running statistics as buffers",
          "[modules][gradient_check][batch_norm]") {
  const Matrix<double> X = modules_inputs(4, 8, 15);
  Sequential<double> net(4);
  net.add<dm::Dense>(5, dm::Bias::Without).add<dm::BatchNorm>().add<dm::ReLU>();
  net.add<dm::Dense>(3, dm::Bias::Without).add<dm::BatchNorm>().add<dm::Softmax>();
  net.initialize(Init::He, 5);
  // gamma and beta away from 1 and 0, so that their gradients are not a special case
  auto& norm = static_cast<dm::BatchNorm<double>&>(net.module(2)).norm();
  norm.gamma() << 1.2, 0.8, 1.1, 0.9, 1.3;
  norm.beta() << 0.1, -0.2, 0.05, 0.3, -0.1;
  const deepnet::Vector<double> running_mean = norm.running_mean();
  require_passed(deepnet::gradient_check(net, X, modules_one_hot(3, 8)));
  CHECK(norm.running_mean() == running_mean);  // the check's passes are undone
  std::vector<std::string> names;
  for (const auto& entry : net.parameters())
    names.push_back(entry.name + (entry.trainable ? "" : "*"));
  CHECK(names == std::vector<std::string>{"W[1]", "gamma[2]", "beta[2]", "running_mean[2]*",
                                          "running_var[2]*", "W[4]", "gamma[5]", "beta[5]",
                                          "running_mean[5]*", "running_var[5]*"});
}

TEST_CASE("modules: BatchNorm as the first module still computes dgamma and dbeta",
          "[modules][gradient_check][batch_norm]") {
  const Matrix<double> X = modules_inputs(3, 6, 16);
  Sequential<double> net(3);
  net.add<dm::BatchNorm>().add<dm::Dense>(2).add<dm::Sigmoid>();
  net.initialize(Init::Xavier, 6);
  require_passed(deepnet::gradient_check(net, X, modules_binary_targets(2, 6)));
}

TEST_CASE("modules: Dropout gradient check with a frozen mask, a drawing one refused",
          "[modules][gradient_check][dropout]") {
  const Matrix<double> X = modules_inputs(4, 6, 17);
  const Matrix<double> Y = modules_binary_targets(1, 6);
  Sequential<double> net(4);
  net.add<dm::Dense>(6)
      .add<dm::Tanh>()
      .add<dm::Dropout>(0.7, 42)
      .add<dm::Dense>(1)
      .add<dm::Sigmoid>();
  net.initialize(Init::Xavier, 7);
  CHECK_THROWS_WITH(deepnet::gradient_check(net, X, Y),
                    Catch::Matchers::Contains("module 3 (Dropout) draws random numbers"));
  auto& dropout = static_cast<dm::Dropout<double>&>(net.module(3));
  net.forward(X);  // draws the mask
  const Matrix<double> D = dropout.D();
  CHECK(D.minCoeff() == 0.0);  // some units are dropped ...
  CHECK(D.maxCoeff() == 1.0);  // ... and some kept
  dropout.freeze_mask(true);
  require_passed(deepnet::gradient_check(net, X, Y));
  CHECK(Matrix<double>(dropout.D()) == D);
  // The kept units are scaled by 1 / keep_prob; prediction passes everything through.
  const Matrix<double> A2 = net.A(2);
  CHECK_THAT(Matrix<double>(net.A(3)),
             deepnet_test::IsClose(Matrix<double>(D.array() * A2.array() / 0.7), 1e-15));
}

TEST_CASE("modules: a Swish activation of the program's passes the gradient check",
          "[modules][gradient_check][extending]") {
  const Matrix<double> X = modules_inputs(3, 7, 18);
  Sequential<double> net(3);
  net.add<dm::Dense>(5).add<Swish>().add<dm::Dense>(2).add<dm::Softmax>();
  net.initialize(Init::He, 8);
  require_passed(deepnet::gradient_check(net, X, modules_one_hot(2, 7)));
  CHECK(net.module(2).name() == "Swish");
}

TEST_CASE("modules: a residual block of the program's passes the gradient check",
          "[modules][gradient_check][extending]") {
  const Matrix<double> X = modules_inputs(3, 6, 19);
  Sequential<double> net(3);
  net.add<dm::Dense>(4).add<dm::Tanh>().add<Residual>(5).add<dm::Dense>(1).add<dm::Sigmoid>();
  net.initialize(Init::Xavier, 9);
  const auto report = deepnet::gradient_check(net, X, modules_binary_targets(1, 6));
  require_passed(report);
  for (const char* symbol : {"dW1", "db1", "dW2", "db2"}) {
    CAPTURE(symbol);
    CHECK(report.entry(3, symbol).status == deepnet::CheckStatus::Passed);
  }
  // As the first module, too (no dJ/dX wanted).
  Sequential<double> first(3);
  first.add<Residual>(4).add<dm::Identity>();
  first.initialize(Init::Xavier, 10);
  require_passed(deepnet::gradient_check(first, X, modules_inputs(3, 6, 20)));
}

TEST_CASE("modules: a Huber loss of the program's passes the gradient check on both branches",
          "[modules][gradient_check][extending]") {
  const Matrix<double> X = modules_inputs(3, 8, 21);
  Matrix<double> Y = modules_inputs(2, 8, 22);
  Y.row(0) *= 4.0;  // residuals beyond delta: the linear branch
  Sequential<double> net(3);
  net.add<dm::Dense>(4).add<dm::Tanh>().add<dm::Dense>(2);
  net.set_loss(Huber(0.5));
  net.initialize(Init::Xavier, 11);
  CHECK(net.loss().name() == "Huber");
  require_passed(deepnet::gradient_check(net, X, Y));
  net.forward(X);
  const Matrix<double> r = net.A(3) - Y;
  CHECK((r.array().abs() > 0.5).any());
  CHECK((r.array().abs() < 0.5).any());
}
