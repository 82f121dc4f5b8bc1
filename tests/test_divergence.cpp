// Tests for the divergence guard of fit (trainer.hpp): a learning rate far too large stops
// training with a DivergenceError that names the iteration and the first layer whose A (or Z)
// holds NaN or infinity, and the network is left with the parameters of the last iteration
// whose cost was finite, bit for bit what a run stopped one iteration earlier gives.
#include "support/test_support.hpp"

#include "support/all_parameters.hpp"

#include <deepnet/deepnet.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::DivergenceError;
using deepnet::FitOptions;
using deepnet::Index;
using deepnet::Init;
using deepnet::Loss;
using deepnet::Matrix;

namespace {

bool all_finite(const std::vector<double>& values) {
  for (const double v : values)
    if (!std::isfinite(v)) return false;
  return true;
}

// A regression problem with large targets: gradient descent with learning rate 1e3 diverges
// within a few iterations.
struct Problem {
  Matrix<double> X, Y;
  Problem() : X(3, 40), Y(1, 40) {
    for (Index j = 0; j < 40; ++j) {
      for (Index i = 0; i < 3; ++i)
        X(i, j) = std::sin(0.7 * double(j) + double(i));
      Y(0, j) = 1e6 * (X(0, j) - 2.0 * X(2, j));
    }
  }
};

DeepNet<double> regression_net() {
  DeepNet<double> net({3, 8, 4, 1}, Activation::ReLU, Activation::Identity);
  net.initialize(Init::He, 3);
  return net;
}

}  // namespace

TEST_CASE("a huge learning rate: DivergenceError names the iteration and the layer",
          "[divergence]") {
  const Problem data;
  DeepNet<double> net = regression_net();
  std::vector<double> costs;
  const FitOptions options =
      FitOptions().learning_rate(1e3).iterations(1000).callback([&](const deepnet::Step& step) {
        costs.push_back(step.cost);
        return deepnet::Control::Continue;
      });
  Index iteration = -1;
  try {
    (void)net.fit(data.X, data.Y, options);
    FAIL("training did not diverge");
  } catch (const DivergenceError& e) {
    iteration = e.iteration();
    INFO(e.what());
    // Every iteration before it had a finite cost and was recorded; this one was not.
    CHECK(iteration == static_cast<Index>(costs.size()));
    CHECK(iteration >= 1);
    CHECK(e.epoch() == iteration);  // full batch: one iteration per epoch
    CHECK(e.layer() >= 0);
    CHECK(e.layer() <= net.L());
    CHECK((e.symbol() == "A" || e.symbol() == "Z" || e.symbol() == "cost"));
    CHECK_THAT(e.what(), Contains("training diverged at iteration " + std::to_string(iteration)));
    CHECK_THAT(e.what(), Contains("the network holds the parameters of iteration " +
                                  std::to_string(iteration - 1)));
    CHECK_THAT(e.what(), Contains("lower the learning rate"));
    if (e.layer() > 0) {
      CHECK_THAT(e.what(), Contains("first appeared in " + e.symbol() + "[" +
                                    std::to_string(e.layer()) + "]"));
    }
  }
  for (const double J : costs)
    CHECK(std::isfinite(J));

  // The network holds the parameters the last finite iteration started from: a fresh run of
  // iteration - 1 steps (full batch, deterministic) ends on the same bits.
  const std::vector<double> kept = deepnet_test::all_parameters(net);
  CHECK(all_finite(kept));
  DeepNet<double> again = regression_net();
  (void)again.fit(data.X, data.Y, FitOptions().learning_rate(1e3).iterations(iteration - 1));
  CHECK(deepnet_test::all_parameters(again) == kept);
  // ... with which the cost was finite, so the network predicts finite values.
  const Matrix<double> A = net.predict(data.X);
  CHECK(A.allFinite());
  // A DivergenceError is a NumericalError: code that catches the latter keeps working.
  DeepNet<double> other = regression_net();
  CHECK_THROWS_AS(other.fit(data.X, data.Y, FitOptions().learning_rate(1e3).iterations(1000)),
                  deepnet::NumericalError);
}

TEST_CASE("divergence at the first iteration keeps the parameters training started with",
          "[divergence]") {
  DeepNet<double> net({2, 3, 1}, Activation::Tanh, Activation::Sigmoid);
  net.initialize(Init::ScaledNormal, 1);
  net.layer(1).W() *= 1e300;  // finite, but W X overflows
  const std::vector<double> before = deepnet_test::all_parameters(net);
  Matrix<double> X(2, 4);
  X << 1e10, -1e10, 2e10, 3e10,  //
      5e9, 1e10, -4e10, 1e10;
  const Matrix<double> Y = (Matrix<double>(1, 4) << 0, 1, 1, 0).finished();
  try {
    (void)net.fit(X, Y, FitOptions().learning_rate(0.1).iterations(5));
    FAIL("training did not diverge");
  } catch (const DivergenceError& e) {
    CHECK(e.iteration() == 0);
    // Z[1] overflows; A[1] = tanh(Z[1]) is finite where Z[1] is infinite, and NaN stays NaN.
    CHECK(e.layer() == 1);
    CHECK_THAT(e.what(), Contains("training diverged at iteration 0 (epoch 0)"));
    CHECK_THAT(e.what(), Contains("the network keeps the parameters it started with"));
  }
  CHECK(deepnet_test::all_parameters(net) == before);
}

TEST_CASE("the layer named is the first whose A holds NaN or infinity", "[divergence]") {
  // Layer 1 passes X through (W[1] = I), layer 2 multiplies by 1e300: with inputs of 1e10,
  // Z[2] = 1e310 overflows. With an Identity layer 2, A[2] = Z[2] is infinite: "A[2]". With
  // a Sigmoid layer 2, A[2] = 1 is finite although Z[2] is not: "Z[2]".
  const auto diverge = [](Activation g2) {
    DeepNet<double> net({2, 2, 2, 1}, {Activation::Identity, g2, Activation::Identity},
                        Loss::MeanSquaredError);
    net.layer(1).W().setIdentity();
    net.layer(2).W().setConstant(1e300);
    net.layer(3).W().setOnes();
    const Matrix<double> X = Matrix<double>::Constant(2, 3, 1e10);
    const Matrix<double> Y = Matrix<double>::Zero(1, 3);
    try {
      (void)net.fit(X, Y, FitOptions().learning_rate(1e-3).iterations(2));
    } catch (const DivergenceError& e) {
      CHECK(e.iteration() == 0);
      if (g2 == Activation::Identity) {
        CHECK(std::string(e.what()) ==
              "DeepNet::fit: training diverged at iteration 0 (epoch 0): the forward pass "
              "overflowed at layer 2; NaN or infinity first appeared in A[2]; the network keeps "
              "the parameters it started with (lower the learning rate)");
      }
      return std::make_pair(e.layer(), e.symbol());
    }
    FAIL("training did not diverge");
    return std::make_pair(Index(-1), std::string());
  };
  CHECK(diverge(Activation::Identity) == std::make_pair(Index(2), std::string("A")));
  CHECK(diverge(Activation::Sigmoid) == std::make_pair(Index(2), std::string("Z")));
}

TEST_CASE("a cost that overflows while every A is finite is reported as the cost", "[divergence]") {
  // One Identity unit, W = 1, b = 0: A = X = 1e200 is finite, (A - Y)^2 / 2 = 5e399 is not.
  DeepNet<double> net({1, 1}, Activation::ReLU, Activation::Identity);
  net.layer(1).W().setOnes();
  const Matrix<double> X = Matrix<double>::Constant(1, 2, 1e200);
  const Matrix<double> Y = Matrix<double>::Zero(1, 2);
  try {
    (void)net.fit(X, Y, FitOptions().learning_rate(0.1).iterations(3));
    FAIL("training did not diverge");
  } catch (const DivergenceError& e) {
    CHECK(e.iteration() == 0);
    CHECK(e.layer() == 0);
    CHECK(e.symbol() == "cost");
    CHECK(std::string(e.what()) ==
          "DeepNet::fit: training diverged at iteration 0 (epoch 0): the cost is inf; every A[l] "
          "is finite, the loss is not; the network keeps the parameters it started with (lower "
          "the learning rate)");
  }
}

TEST_CASE("divergence seen by the validation pass also restores the last finite parameters",
          "[divergence]") {
  // Training data of ones keeps the training cost finite; validation inputs of 1e308 make
  // Z[1] = W X overflow in the validation pass after the first update.
  DeepNet<double> net({1, 1}, Activation::ReLU, Activation::Identity);
  net.layer(1).W().setConstant(10.0);
  const std::vector<double> before = deepnet_test::all_parameters(net);
  const Matrix<double> X = Matrix<double>::Ones(1, 4);
  const Matrix<double> Y = Matrix<double>::Ones(1, 4);
  const Matrix<double> X_val = Matrix<double>::Constant(1, 2, 1e308);
  const Matrix<double> Y_val = Matrix<double>::Zero(1, 2);
  try {
    (void)net.fit(X, Y, X_val, Y_val, FitOptions().learning_rate(1e-3).iterations(3));
    FAIL("training did not diverge");
  } catch (const DivergenceError& e) {
    CHECK(e.iteration() == 1);
    CHECK(e.layer() == 1);
    CHECK(e.symbol() == "Z");
    CHECK_THAT(e.what(), Contains("the validation pass after iteration 0 overflowed at layer 1; "
                                  "NaN or infinity first appeared in Z[1]"));
    CHECK_THAT(e.what(), Contains("the parameters of iteration 0"));
  }
  // Iteration 0 started from the initial parameters.
  CHECK(deepnet_test::all_parameters(net) == before);
}

namespace {

// Adam as a program would pass it, telling fit that its one-pass update writes in place: the
// divergence guard then copies the parameters every step, as it does for any rule of the
// program's, instead of letting the update write into the store's second buffer.
class AdamInPlace : public deepnet::Adam<double> {
 public:
  bool writes_next_values() const override { return false; }
};
class GradientDescentInPlace : public deepnet::GradientDescent<double> {
 public:
  bool writes_next_values() const override { return false; }
};

// Two hidden layers, the first with batch normalisation (its b stays in the store untrained,
// its running statistics outside it), dropout on the second, a Softmax output.
DeepNet<double> mixed_net() {
  DeepNet<double> net({3, 7, 5, 2}, Activation::Tanh, Activation::Softmax);
  net.set_batch_norm(1, true);
  net.set_keep_prob(2, 0.8);
  net.initialize(Init::Xavier, 4);
  return net;
}

}  // namespace

// The built-in rules write the new values into the store's second buffer and the buffers swap,
// so that the guard keeps the old values without copying them: the results must be the bits of
// the plain in-place update with the guard's copy.
TEST_CASE("the guard's second buffer: the same bits as an update in place with a copy",
          "[divergence][store]") {
  Matrix<double> X(3, 50), Y = Matrix<double>::Zero(2, 50);
  for (Index j = 0; j < 50; ++j) {
    for (Index i = 0; i < 3; ++i)
      X(i, j) = std::cos(0.3 * double(j * (i + 1)));
    Y(X(0, j) + X(1, j) > 0 ? 0 : 1, j) = 1.0;
  }
  // Batches of 20: 3 steps per epoch. 5 epochs are an odd number of steps (the values end
  // in the second buffer and fit copies them back), 4 an even one.
  for (const Index epochs : {Index(5), Index(4)}) {
    CAPTURE(epochs);
    const FitOptions options =
        FitOptions().epochs(epochs).batch_size(20).seed(2).learning_rate(0.01).optimizer(
            deepnet::OptimizerSettings::adam());
    DeepNet<double> swapped = mixed_net();
    const auto registry = swapped.parameters();  // views taken before fit
    const double* values = swapped.parameter_values().data();
    (void)swapped.fit(X, Y, options);
    DeepNet<double> copied = mixed_net();
    AdamInPlace adam;
    (void)copied.fit(X, Y, options, adam);
    CHECK(deepnet_test::all_parameters(swapped) == deepnet_test::all_parameters(copied));
    CHECK(swapped.layer(1).batch_norm().running_var() ==
          copied.layer(1).batch_norm().running_var());
    // fit put the values back in the buffer they started in: earlier views see them.
    CHECK(swapped.parameter_values().data() == values);
    CHECK(registry[0].value.data() == swapped.layer(1).W().data());
    CHECK(Matrix<double>(registry[0].value) == Matrix<double>(swapped.layer(1).W()));
  }
}

TEST_CASE("the guard's second buffer: a divergence puts back the same bits as the copy",
          "[divergence][store]") {
  const Problem data;
  const FitOptions options = FitOptions().learning_rate(1e3).iterations(1000);
  DeepNet<double> swapped = regression_net();
  const double* values = swapped.parameter_values().data();
  CHECK_THROWS_AS(swapped.fit(data.X, data.Y, options), DivergenceError);
  DeepNet<double> copied = regression_net();
  GradientDescentInPlace descent;
  CHECK_THROWS_AS(copied.fit(data.X, data.Y, options, descent), DivergenceError);
  CHECK(all_finite(deepnet_test::all_parameters(swapped)));
  CHECK(deepnet_test::all_parameters(swapped) == deepnet_test::all_parameters(copied));
  CHECK(swapped.parameter_values().data() == values);
}

namespace {

// A rule that claims to write next values but has no one-pass update.
class ClaimsNextValues : public deepnet::GradientDescent<double> {
 public:
  std::string name() const override { return "ClaimsNextValues"; }
  bool update_flat(const deepnet::FlatParameters<double>&, double) override { return false; }
};

}  // namespace

TEST_CASE("the guard's second buffer: a rule that claims it without a one-pass update is refused",
          "[divergence][store]") {
  const Problem data;
  DeepNet<double> net = regression_net();
  const std::vector<double> before = deepnet_test::all_parameters(net);
  ClaimsNextValues rule;
  REQUIRE_THROWS_WITH(
      net.fit(data.X, data.Y, FitOptions().learning_rate(1e-6).iterations(3), rule),
      "DeepNet::update: the update rule ClaimsNextValues says writes_next_values() but its "
      "update_flat did not run; a rule without a one-pass update must leave "
      "writes_next_values() false");
  CHECK(deepnet_test::all_parameters(net) == before);  // nothing was swapped in
}
