// Golden tests: every number of one forward pass, the cost, every gradient of the backward pass
// and one gradient-descent update, against the NumPy reference in tests/fixtures/generate.py
// (the notes' algorithm written independently). Relative tolerance 1e-12 in double.
#include "support/test_support.hpp"

#include <deepnet/deep_net.hpp>

using deepnet::DeepNet;
using deepnet::Index;
using deepnet::Matrix;
using deepnet_test::Fixture;
using deepnet_test::IsClose;

namespace {

const char* const cases[] = {"relu_sigmoid_bce",        "tanh_softmax_cce",
                             "leaky_relu_identity_mse", "logistic_regression",
                             "sigmoid_multilabel_bce",  "sigmoid_mse",
                             "single_example",          "tanh_identity_mse_deep"};

template <class Scalar>
Matrix<Scalar> as(const Matrix<double>& M) {
  return M.cast<Scalar>();
}

template <class Scalar>
DeepNet<Scalar> network_of(const Fixture& fixture) {
  DeepNet<Scalar> net(fixture.dims(), fixture.activations(), fixture.loss());
  for (Index l = 1; l <= net.L(); ++l) {
    net.layer(l).W() = as<Scalar>(fixture.matrix("W", l));
    net.layer(l).b() = as<Scalar>(fixture.matrix("b", l));
  }
  return net;
}

}  // namespace

TEMPLATE_TEST_CASE("golden: forward, cost, backward and update match the NumPy reference",
                   "[golden][deep_net]", float, double) {
  const double tol = std::is_same<TestType, float>::value ? 5e-5 : 1e-12;
  for (const char* name : cases) {
    CAPTURE(name);
    const Fixture fixture = deepnet_test::read_case(name);
    DeepNet<TestType> net = network_of<TestType>(fixture);
    const Matrix<TestType> X = as<TestType>(fixture.matrix("X"));
    const Matrix<TestType> Y = as<TestType>(fixture.matrix("Y"));

    const Matrix<TestType> AL = net.forward(X);
    for (Index l = 1; l <= net.L(); ++l) {
      CAPTURE(l);
      CHECK_THAT(Matrix<TestType>(net.layer(l).Z()),
                 IsClose(as<TestType>(fixture.matrix("Z", l)), tol));
      CHECK_THAT(Matrix<TestType>(net.layer(l).A()),
                 IsClose(as<TestType>(fixture.matrix("A", l)), tol));
    }
    CHECK_THAT(AL, IsClose(as<TestType>(fixture.matrix("A", net.L())), tol));
    CHECK_THAT(static_cast<double>(net.cost(Y)),
               Catch::Matchers::WithinRel(fixture.scalar("cost"), tol));

    net.backward(Y);
    for (Index l = 1; l <= net.L(); ++l) {
      CAPTURE(l);
      const auto& layer = net.layer(l);
      CHECK_THAT(Matrix<TestType>(layer.dA()), IsClose(as<TestType>(fixture.matrix("dA", l)), tol));
      CHECK_THAT(Matrix<TestType>(layer.dZ()), IsClose(as<TestType>(fixture.matrix("dZ", l)), tol));
      CHECK_THAT(layer.dW(), IsClose(as<TestType>(fixture.matrix("dW", l)), tol));
      CHECK_THAT(Matrix<TestType>(layer.db()), IsClose(as<TestType>(fixture.matrix("db", l)), tol));
    }

    net.update(fixture.scalar_or_field("learning_rate"));
    for (Index l = 1; l <= net.L(); ++l) {
      CAPTURE(l);
      CHECK_THAT(net.layer(l).W(),
                 IsClose(as<TestType>(fixture.matrix("W" + std::to_string(l) + "_updated")), tol));
      CHECK_THAT(Matrix<TestType>(net.layer(l).b()),
                 IsClose(as<TestType>(fixture.matrix("b" + std::to_string(l) + "_updated")), tol));
    }
  }
}

TEST_CASE("golden: a column block of a larger X gives the same numbers as the block's copy",
          "[golden][deep_net]") {
  // Mini-batches are views of X: put the fixture's X in the middle of a wider matrix.
  const Fixture fixture = deepnet_test::read_case("relu_sigmoid_bce");
  const Matrix<double>& X = fixture.matrix("X");
  Matrix<double> wide = Matrix<double>::Constant(X.rows(), X.cols() + 5, 1e300);
  wide.middleCols(3, X.cols()) = X;
  DeepNet<double> net = network_of<double>(fixture);
  net.forward(wide.middleCols(3, X.cols()));
  net.backward(fixture.matrix("Y"));
  for (Index l = 1; l <= net.L(); ++l) {
    CHECK_THAT(net.layer(l).dW(), IsClose(fixture.matrix("dW", l), 1e-12));
  }
}
