// Builds a network from a fixture of tests/fixtures/generate.py and checks one training step
// against it: every cache of the forward pass, the cost, every gradient of the backward pass,
// the running statistics and the updated parameters. Each symbol is checked when the fixture
// has it, so one function serves the plain, L2, dropout and batch-norm cases.
#ifndef DEEPNET_TESTS_SUPPORT_GOLDEN_HPP
#define DEEPNET_TESTS_SUPPORT_GOLDEN_HPP

#include <deepnet/core/deep_net.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "support/fixtures.hpp"
#include "support/matchers.hpp"

namespace deepnet_test {

template <class Scalar>
deepnet::Matrix<Scalar> as(const MatrixXd& M) {
  return M.cast<Scalar>();
}

inline bool has_field(const Fixture& fixture, const std::string& key) {
  return fixture.fields.count(key) != 0;
}

/// The fixture's network with its parameters, L2, dropout and batch normalisation.
template <class Scalar>
deepnet::DeepNet<Scalar> network_of(const Fixture& fixture) {
  deepnet::DeepNet<Scalar> net(fixture.dims(), fixture.activations(), fixture.loss());
  for (deepnet::Index l = 1; l <= net.L(); ++l) {
    const std::size_t k = static_cast<std::size_t>(l - 1);
    if (has_field(fixture, "batch_norm") && fixture.field("batch_norm").at(k) == "1") {
      net.set_batch_norm(l);
      net.layer(l).batch_norm().gamma() = as<Scalar>(fixture.matrix("gamma", l));
      net.layer(l).batch_norm().beta() = as<Scalar>(fixture.matrix("beta", l));
    } else {
      net.layer(l).b() = as<Scalar>(fixture.matrix("b", l));
    }
    net.layer(l).W() = as<Scalar>(fixture.matrix("W", l));
    if (has_field(fixture, "keep_prob")) {
      net.set_keep_prob(l, std::strtod(fixture.field("keep_prob").at(k).c_str(), nullptr));
    }
  }
  if (has_field(fixture, "lambda")) net.set_l2(fixture.scalar_or_field("lambda"));
  if (has_field(fixture, "dropout_seed")) {
    net.set_dropout_seed(std::strtoull(fixture.field("dropout_seed").at(0).c_str(), nullptr, 10));
  }
  return net;
}

template <class Scalar, class Actual>
void check_symbol(const Fixture& fixture, const std::string& key, const Actual& actual,
                  double tol) {
  if (fixture.matrices.count(key) == 0) return;
  INFO("symbol " << key);
  CHECK_THAT(deepnet::Matrix<Scalar>(actual), IsClose(as<Scalar>(fixture.matrix(key)), tol));
}

/// One step of the fixture's case: forward, cost, backward, update, all compared.
template <class Scalar>
void check_training_step(const Fixture& fixture, double tol) {
  using deepnet::Index;
  deepnet::DeepNet<Scalar> net = network_of<Scalar>(fixture);
  const deepnet::Matrix<Scalar> X = as<Scalar>(fixture.matrix("X"));
  const deepnet::Matrix<Scalar> Y = as<Scalar>(fixture.matrix("Y"));
  const deepnet::DeepNet<Scalar> before = net;

  net.forward(X);
  for (Index l = 1; l <= net.L(); ++l) {
    INFO("layer " << l);
    const auto& layer = net.layer(l);
    const std::string n = std::to_string(l);
    check_symbol<Scalar>(fixture, "Z" + n, layer.Z(), tol);
    check_symbol<Scalar>(fixture, "A" + n, layer.A(), tol);
    if (layer.keep_prob() < 1.0) check_symbol<Scalar>(fixture, "D" + n, layer.D(), 0.0);
    if (layer.has_batch_norm()) {
      const auto& norm = layer.batch_norm();
      check_symbol<Scalar>(fixture, "Zn" + n, norm.Z_norm(), tol);
      check_symbol<Scalar>(fixture, "Zt" + n, norm.Z_tilde(), tol);
      check_symbol<Scalar>(fixture, "mu" + n, norm.mean(), tol);
      check_symbol<Scalar>(fixture, "var" + n, norm.var(), tol);
      check_symbol<Scalar>(fixture, "running_mean" + n, norm.running_mean(), tol);
      check_symbol<Scalar>(fixture, "running_var" + n, norm.running_var(), tol);
    }
  }
  CHECK_THAT(static_cast<double>(net.cost(Y)),
             Catch::Matchers::WithinRel(fixture.scalar("cost"), tol));

  net.backward(Y);
  for (Index l = 1; l <= net.L(); ++l) {
    INFO("layer " << l);
    const auto& layer = net.layer(l);
    const std::string n = std::to_string(l);
    check_symbol<Scalar>(fixture, "dA" + n, layer.dA(), tol);
    check_symbol<Scalar>(fixture, "dZ" + n, layer.dZ(), tol);
    check_symbol<Scalar>(fixture, "dW" + n, layer.dW(), tol);
    if (layer.has_batch_norm()) {
      check_symbol<Scalar>(fixture, "dZt" + n, layer.batch_norm().dZ_tilde(), tol);
      check_symbol<Scalar>(fixture, "dgamma" + n, layer.batch_norm().dgamma(), tol);
      check_symbol<Scalar>(fixture, "dbeta" + n, layer.batch_norm().dbeta(), tol);
    } else {
      check_symbol<Scalar>(fixture, "db" + n, layer.db(), tol);
    }
  }

  net.update(fixture.scalar_or_field("learning_rate"));
  for (Index l = 1; l <= net.L(); ++l) {
    INFO("layer " << l);
    const auto& layer = net.layer(l);
    const std::string n = std::to_string(l);
    check_symbol<Scalar>(fixture, "W" + n + "_updated", layer.W(), tol);
    if (layer.has_batch_norm()) {
      check_symbol<Scalar>(fixture, "gamma" + n + "_updated", layer.batch_norm().gamma(), tol);
      check_symbol<Scalar>(fixture, "beta" + n + "_updated", layer.batch_norm().beta(), tol);
    } else {
      check_symbol<Scalar>(fixture, "b" + n + "_updated", layer.b(), tol);
    }
  }

  // Prediction with the running statistics of that one forward pass and the parameters from
  // before the update.
  const std::string last = "A" + std::to_string(net.L()) + "_inference";
  if (fixture.matrices.count(last) != 0) {
    deepnet::DeepNet<Scalar> predictor = before;
    for (Index l = 1; l <= net.L(); ++l) {
      if (!net.layer(l).has_batch_norm()) continue;
      predictor.layer(l).batch_norm().running_mean() = net.layer(l).batch_norm().running_mean();
      predictor.layer(l).batch_norm().running_var() = net.layer(l).batch_norm().running_var();
    }
    check_symbol<Scalar>(fixture, last, predictor.predict(X), tol);
  }
}

}  // namespace deepnet_test

#endif  // DEEPNET_TESTS_SUPPORT_GOLDEN_HPP
