// Tests for optimizer.hpp and schedule.hpp: three steps of gradient descent, momentum,
// RMSProp and Adam against the NumPy reference, the optimizers' states, their settings, and
// the learning-rate schedules.
#include "support/test_support.hpp"

#include <deepnet/core/deep_net.hpp>
#include <deepnet/training/optimizer.hpp>
#include <deepnet/training/schedule.hpp>

#include <cmath>
#include <memory>

#include "support/golden.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;
using deepnet::ConfigError;
using deepnet::Index;
using deepnet::Matrix;
using deepnet::OptimizerSettings;
using deepnet::Schedule;
using deepnet_test::Fixture;
using deepnet_test::IsClose;

namespace {

template <class Scalar>
std::unique_ptr<deepnet::Optimizer<Scalar>> optimizer_for(const Fixture& fixture) {
  const auto number = [&](const char* key) { return fixture.scalar_or_field(key); };
  if (fixture.name == "momentum")
    return std::make_unique<deepnet::Momentum<Scalar>>(number("beta"));
  if (fixture.name == "rmsprop") {
    return std::make_unique<deepnet::RMSProp<Scalar>>(number("beta"), number("epsilon"));
  }
  if (fixture.name == "adam") {
    return std::make_unique<deepnet::Adam<Scalar>>(number("beta1"), number("beta2"),
                                                   number("epsilon"));
  }
  return std::make_unique<deepnet::GradientDescent<Scalar>>();
}

}  // namespace

TEMPLATE_TEST_CASE("optimizers: three steps match the NumPy reference", "[optimizer][golden]",
                   float, double) {
  const double tol = std::is_same<TestType, float>::value ? 1e-4 : 1e-12;
  for (const char* name : {"gradient_descent", "momentum", "rmsprop", "adam"}) {
    CAPTURE(name);
    const Fixture fixture = deepnet_test::find_case("optimizers.txt", name);
    auto net = deepnet_test::network_of<TestType>(fixture);
    auto optimizer = optimizer_for<TestType>(fixture);
    const Matrix<TestType> X = fixture.matrix("X").cast<TestType>();
    const Matrix<TestType> Y = fixture.matrix("Y").cast<TestType>();
    for (int step = 1; step <= 3; ++step) {
      CAPTURE(step);
      net.forward(X);
      net.backward(Y);
      net.update(*optimizer, fixture.scalar_or_field("learning_rate"));
      const std::string suffix = "_step" + std::to_string(step);
      for (Index l = 1; l <= net.L(); ++l) {
        CAPTURE(l);
        const std::string n = std::to_string(l);
        CHECK_THAT(net.layer(l).W(),
                   IsClose(fixture.matrix("W" + n + suffix).cast<TestType>().eval(), tol));
        CHECK_THAT(Matrix<TestType>(net.layer(l).b()),
                   IsClose(fixture.matrix("b" + n + suffix).cast<TestType>().eval(), tol));
      }
    }
    // The state after the third step; parameters are numbered W1 = 0, b1 = 1, W2 = 2, b2 = 3.
    const auto state = [&](const char* symbol, Index k) {
      const std::string n = std::to_string(k / 2 + 1);
      return fixture.matrix(std::string(symbol) + (k % 2 == 0 ? "W" : "b") + n)
          .cast<TestType>()
          .eval();
    };
    for (Index k = 0; k < 4; ++k) {
      CAPTURE(k);
      if (auto* momentum = dynamic_cast<deepnet::Momentum<TestType>*>(optimizer.get())) {
        CHECK_THAT(momentum->v(k), IsClose(state("v", k), tol));
      }
      if (auto* rmsprop = dynamic_cast<deepnet::RMSProp<TestType>*>(optimizer.get())) {
        CHECK_THAT(rmsprop->s(k), IsClose(state("s", k), tol));
      }
      if (auto* adam = dynamic_cast<deepnet::Adam<TestType>*>(optimizer.get())) {
        CHECK_THAT(adam->v(k), IsClose(state("v", k), tol));
        CHECK_THAT(adam->s(k), IsClose(state("s", k), tol));
        CHECK(adam->t() == 3);
      }
    }
  }
}

TEST_CASE("optimizers: make_optimizer builds what the settings name", "[optimizer]") {
  CHECK(deepnet::make_optimizer<double>(OptimizerSettings::gradient_descent())->name() ==
        "GradientDescent");
  CHECK(deepnet::make_optimizer<double>(OptimizerSettings::momentum(0.8))->name() == "Momentum");
  CHECK(deepnet::make_optimizer<float>(OptimizerSettings::rmsprop())->name() == "RMSProp");
  CHECK(deepnet::make_optimizer<float>(OptimizerSettings::adam())->name() == "Adam");
  CHECK(OptimizerSettings::adam().beta2 == 0.999);
  CHECK(OptimizerSettings::adam().epsilon == 1e-8);
}

TEST_CASE("optimizers: reject settings out of range", "[optimizer][errors]") {
  REQUIRE_THROWS_AS(deepnet::Momentum<double>(1.0), ConfigError);
  REQUIRE_THROWS_WITH(deepnet::Momentum<double>(-0.1), "beta must be in [0, 1), got -0.1");
  REQUIRE_THROWS_WITH(deepnet::Adam<double>(0.9, 1.5), "beta2 must be in [0, 1), got 1.5");
  REQUIRE_THROWS_WITH(deepnet::RMSProp<double>(0.9, 0.0),
                      "epsilon must be a positive finite number, got 0");
}

TEST_CASE("optimizers: reset forgets the state", "[optimizer]") {
  deepnet::Adam<double> adam;
  Matrix<double> theta = Matrix<double>::Ones(2, 2), g = Matrix<double>::Constant(2, 2, 0.5);
  adam.begin_step();
  adam.update(0, deepnet::MatrixSpan<double>(theta.data(), 2, 2),
              deepnet::MatrixView<double>(g.data(), 2, 2), 0.1);
  // The first bias-corrected step moves every entry by almost exactly alpha.
  CHECK_THAT(theta(0, 0), WithinRel(1.0 - 0.1, 1e-6));
  adam.reset();
  CHECK(adam.t() == 0);
  REQUIRE_THROWS_AS(adam.v(0), std::out_of_range);
}

TEST_CASE("schedules: the learning rate at each epoch", "[schedule]") {
  CHECK(Schedule::constant()(0.1, 50) == 0.1);
  // The course's 1 / (1 + decay_rate * epoch_num) and its interval variant.
  CHECK_THAT(Schedule::inverse_time(1.0)(0.5, 3), WithinRel(0.5 / 4, 1e-15));
  CHECK_THAT(Schedule::inverse_time(0.3, 1000)(0.1, 2500), WithinRel(0.1 / (1 + 0.3 * 2), 1e-15));
  CHECK_THAT(Schedule::exponential(0.95)(1.0, 10), WithinRel(std::pow(0.95, 10), 1e-15));
  CHECK_THAT(Schedule::step(0.5, 10)(0.8, 25), WithinRel(0.2, 1e-15));
  CHECK(Schedule::step(0.5, 10)(0.8, 9) == 0.8);
  REQUIRE_THROWS_WITH(Schedule::inverse_time(-1.0), Contains("decay_rate must be 0 or more"));
  REQUIRE_THROWS_WITH(Schedule::step(0.5, 0), Contains("the interval must be 1 or more epochs"));
  REQUIRE_THROWS_WITH(Schedule::exponential(1.5), Contains("the factor must be in (0, 1]"));
}
