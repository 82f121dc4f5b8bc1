// Golden tests: every number of one forward pass, the cost, every gradient of the backward pass
// and one gradient-descent update, against the NumPy reference in tests/fixtures/generate.py
// (the notes' algorithm written independently). Relative tolerance 1e-12 in double.
#include "support/test_support.hpp"

#include <deepnet/core/deep_net.hpp>

#include "support/golden.hpp"

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

}  // namespace

TEMPLATE_TEST_CASE("golden: forward, cost, backward and update match the NumPy reference",
                   "[golden][deep_net]", float, double) {
  const double tol = std::is_same<TestType, float>::value ? 5e-5 : 1e-12;
  for (const char* name : cases) {
    CAPTURE(name);
    deepnet_test::check_training_step<TestType>(deepnet_test::read_case(name), tol);
  }
}

TEMPLATE_TEST_CASE("golden: L2 regularisation adds (lambda/2m) sum ||W||^2 and (lambda/m) W",
                   "[golden][l2]", float, double) {
  const double tol = std::is_same<TestType, float>::value ? 5e-5 : 1e-12;
  deepnet_test::check_training_step<TestType>(deepnet_test::read_case("l2"), tol);
}

TEMPLATE_TEST_CASE("golden: inverted dropout with the seeded masks of the reference",
                   "[golden][dropout]", float, double) {
  const double tol = std::is_same<TestType, float>::value ? 5e-5 : 1e-12;
  for (const char* name : {"dropout_relu", "dropout_tanh_sigmoid"}) {
    CAPTURE(name);
    deepnet_test::check_training_step<TestType>(deepnet_test::find_case("dropout.txt", name), tol);
  }
}

TEMPLATE_TEST_CASE("golden: batch normalisation, forward, backward, running statistics, prediction",
                   "[golden][batch_norm]", float, double) {
  const double tol = std::is_same<TestType, float>::value ? 1e-4 : 1e-12;
  deepnet_test::check_training_step<TestType>(deepnet_test::read_case("batch_norm"), tol);
}

TEST_CASE("golden: a column block of a larger X gives the same numbers as the block's copy",
          "[golden][deep_net]") {
  // Mini-batches are views of X: put the fixture's X in the middle of a wider matrix.
  const Fixture fixture = deepnet_test::read_case("relu_sigmoid_bce");
  const Matrix<double>& X = fixture.matrix("X");
  Matrix<double> wide = Matrix<double>::Constant(X.rows(), X.cols() + 5, 1e300);
  wide.middleCols(3, X.cols()) = X;
  DeepNet<double> net = deepnet_test::network_of<double>(fixture);
  net.forward(wide.middleCols(3, X.cols()));
  net.backward(fixture.matrix("Y"));
  for (Index l = 1; l <= net.L(); ++l) {
    CHECK_THAT(net.layer(l).dW(), IsClose(fixture.matrix("dW", l), 1e-12));
  }
}
