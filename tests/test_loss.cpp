// Tests for loss.hpp: the costs against the textbook formulas, the guards against log(0),
// the gradient that starts backpropagation, and the validation of Y.
#include "support/test_support.hpp"

#include <deepnet/core/loss.hpp>

#include <cmath>
#include <limits>

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using deepnet::Activation;
using deepnet::Index;
using deepnet::Loss;
using deepnet::Matrix;
using deepnet::MatrixSpan;
using deepnet::MatrixView;
using deepnet_test::IsClose;

namespace {

template <class Scalar>
MatrixView<Scalar> view(const Matrix<Scalar>& M) {
  return MatrixView<Scalar>(M.data(), M.rows(), M.cols());
}
template <class Scalar>
MatrixSpan<Scalar> span(Matrix<Scalar>& M) {
  return MatrixSpan<Scalar>(M.data(), M.rows(), M.cols());
}

struct Output {
  Matrix<double> Z, A;
};

Output output_of(Activation g, Matrix<double> Z) {
  return {Z, deepnet::activate<double>(g, Z)};
}

}  // namespace

TEST_CASE("cost: binary cross-entropy is -(1/m) sum [y log a + (1-y) log(1-a)]", "[loss]") {
  Matrix<double> Z(2, 3);
  Z << 0.3, -1.2, 2.0, -0.4, 0.9, -2.5;
  Matrix<double> Y(2, 3);
  Y << 1, 0, 1, 0, 0, 1;
  const Output out = output_of(Activation::Sigmoid, Z);
  const double naive =
      -(Y.array() * out.A.array().log() + (1 - Y.array()) * (1 - out.A.array()).log()).sum() / 3;
  CHECK_THAT(deepnet::cost<double>(Loss::BinaryCrossEntropy, view(out.Z), view(out.A), Y),
             WithinRel(naive, 1e-14));
}

TEST_CASE("cost: binary cross-entropy stays finite where log(A) would be log(0)", "[loss]") {
  // sigmoid(40) rounds to 1 and sigmoid(-800) to 0: the textbook formula gives infinity.
  Matrix<double> Z(1, 2);
  Z << 40.0, -800.0;
  Matrix<double> Y(1, 2);
  Y << 0.0, 1.0;
  const Output out = output_of(Activation::Sigmoid, Z);
  REQUIRE(out.A(0, 0) == 1.0);
  REQUIRE(out.A(0, 1) == 0.0);
  // Exact values: -log(1 - sigmoid(40)) = 40 + log1p(e^-40), -log(sigmoid(-800)) = 800 + ...
  const double expected = (40.0 + std::log1p(std::exp(-40.0)) + 800.0) / 2.0;
  CHECK_THAT(deepnet::cost<double>(Loss::BinaryCrossEntropy, view(out.Z), view(out.A), Y),
             WithinRel(expected, 1e-15));
  const Matrix<float> Zf = Z.cast<float>(), Af = out.A.cast<float>(), Yf = Y.cast<float>();
  CHECK_THAT(deepnet::cost<float>(Loss::BinaryCrossEntropy, view(Zf), view(Af), Yf),
             WithinRel(static_cast<float>(expected), 1e-6f));
}

TEST_CASE("cost: categorical cross-entropy is -(1/m) sum y log a, finite for huge logits",
          "[loss]") {
  Matrix<double> Z(3, 2);
  Z << 0.5, 1000.0, -1.0, -1000.0, 2.0, 0.0;
  Matrix<double> Y(3, 2);
  Y << 0, 0, 0, 1, 1, 0;
  const Output out = output_of(Activation::Softmax, Z);
  // Column 0 the textbook way; column 1 exactly: -log softmax(z)_1 = 2000 + log(1 + e^-1000 ...)
  const double column0 = -std::log(out.A(2, 0));
  const double column1 = 2000.0;
  CHECK_THAT(deepnet::cost<double>(Loss::CategoricalCrossEntropy, view(out.Z), view(out.A), Y),
             WithinRel((column0 + column1) / 2, 1e-14));
}

TEST_CASE("cost: mean squared error is (1/m) sum 1/2 ||a - y||^2", "[loss]") {
  Matrix<double> Z(2, 2);
  Z << 1.0, -2.0, 0.5, 3.0;
  Matrix<double> Y(2, 2);
  Y << 0.0, -1.0, 1.5, 1.0;
  const Output out = output_of(Activation::Identity, Z);
  // squared errors 1, 1, 1, 4: (1/2)(1/2)(7)
  CHECK_THAT(deepnet::cost<double>(Loss::MeanSquaredError, view(out.Z), view(out.A), Y),
             WithinRel(7.0 / 4.0, 1e-15));
}

TEST_CASE("cost_from_activations: the textbook formulas of A alone", "[loss]") {
  Matrix<double> A(1, 2);
  A << 0.25, 0.5;
  Matrix<double> Y(1, 2);
  Y << 1.0, 0.0;
  CHECK_THAT(deepnet::cost_from_activations<double>(Loss::BinaryCrossEntropy, A, Y),
             WithinRel(-(std::log(0.25) + std::log(0.5)) / 2, 1e-15));
}

TEST_CASE("output_gradient: dA[L] is the loss derivative, dZ[L] = A - Y when fused", "[loss]") {
  SECTION("sigmoid + binary cross-entropy") {
    Matrix<double> Z(2, 3);
    Z << 0.3, -1.2, 2.0, -0.4, 0.9, -2.5;
    Matrix<double> Y(2, 3);
    Y << 1, 0, 1, 0, 0, 1;
    const Output out = output_of(Activation::Sigmoid, Z);
    Matrix<double> dA(2, 3), dZ(2, 3);
    deepnet::output_gradient<double>(Loss::BinaryCrossEntropy, Activation::Sigmoid, view(out.Z),
                                     view(out.A), Y, span(dA), span(dZ));
    const Matrix<double> expected_dA =
        -(Y.array() / out.A.array() - (1 - Y.array()) / (1 - out.A.array()));
    CHECK_THAT(dA, IsClose(expected_dA, 1e-14));
    CHECK_THAT(dZ, IsClose(Matrix<double>(out.A - Y), 0.0));
  }
  SECTION("softmax + categorical cross-entropy") {
    Matrix<double> Z(3, 2);
    Z << 0.5, 0.1, -1.0, -0.3, 2.0, 0.0;
    Matrix<double> Y(3, 2);
    Y << 0, 0, 0, 1, 1, 0;
    const Output out = output_of(Activation::Softmax, Z);
    Matrix<double> dA(3, 2), dZ(3, 2);
    deepnet::output_gradient<double>(Loss::CategoricalCrossEntropy, Activation::Softmax,
                                     view(out.Z), view(out.A), Y, span(dA), span(dZ));
    const Matrix<double> expected_dA = -(Y.array() / out.A.array());
    CHECK_THAT(dA, IsClose(expected_dA, 1e-14));
    CHECK_THAT(dZ, IsClose(Matrix<double>(out.A - Y), 0.0));
  }
  SECTION("mean squared error goes through g'(Z)") {
    Matrix<double> Z(2, 2);
    Z << 0.3, -1.2, 2.0, -0.4;
    Matrix<double> Y(2, 2);
    Y << 0.5, 0.1, 0.9, 0.2;
    const Output out = output_of(Activation::Tanh, Z);
    Matrix<double> dA(2, 2), dZ(2, 2);
    deepnet::output_gradient<double>(Loss::MeanSquaredError, Activation::Tanh, view(out.Z),
                                     view(out.A), Y, span(dA), span(dZ));
    CHECK_THAT(dA, IsClose(Matrix<double>(out.A - Y), 0.0));
    const Matrix<double> expected_dZ = (out.A - Y).array() * (1 - out.A.array().square());
    CHECK_THAT(dZ, IsClose(expected_dZ, 1e-15));
  }
}

TEST_CASE("output_gradient: the binary dA[L] is exact where A[L] rounded to 0 or 1", "[loss]") {
  Matrix<double> Z(1, 2);
  Z << 40.0, -40.0;
  Matrix<double> Y(1, 2);
  Y << 1.0, 0.0;
  const Output out = output_of(Activation::Sigmoid, Z);
  Matrix<double> dA(1, 2), dZ(1, 2);
  deepnet::output_gradient<double>(Loss::BinaryCrossEntropy, Activation::Sigmoid, view(out.Z),
                                   view(out.A), Y, span(dA), span(dZ));
  // -1/sigmoid(40) = -(1 + e^-40); 1/(1 - sigmoid(-40)) = 1 + e^-40
  CHECK_THAT(dA(0, 0), WithinRel(-(1 + std::exp(-40.0)), 1e-15));
  CHECK_THAT(dA(0, 1), WithinRel(1 + std::exp(-40.0), 1e-15));
  CHECK(std::isfinite(dZ(0, 0)));
}

TEST_CASE("validate_targets: names the first bad entry of Y", "[loss][errors]") {
  Matrix<double> Y(2, 3);
  Y << 1, 0, 1, 0, 0, 1;
  CHECK_NOTHROW(deepnet::validate_targets<double>(Loss::BinaryCrossEntropy, Y, "f"));

  SECTION("non-finite") {
    Y(1, 2) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_AS(deepnet::validate_targets<double>(Loss::MeanSquaredError, Y, "f"),
                      deepnet::DataError);
    REQUIRE_THROWS_WITH(deepnet::validate_targets<double>(Loss::MeanSquaredError, Y, "f"),
                        "f: Y(1, 2) is nan; targets must be finite numbers");
    Y(1, 2) = std::numeric_limits<double>::infinity();
    REQUIRE_THROWS_WITH(deepnet::validate_targets<double>(Loss::MeanSquaredError, Y, "f"),
                        "f: Y(1, 2) is inf; targets must be finite numbers");
  }
  SECTION("labels outside {0, 1} for binary cross-entropy") {
    Y(0, 1) = 2.0;
    REQUIRE_THROWS_WITH(
        deepnet::validate_targets<double>(Loss::BinaryCrossEntropy, Y, "DeepNet::cost"),
        "DeepNet::cost: Y(0, 1) is 2, but BinaryCrossEntropy needs labels that are 0 or 1");
    try {
      deepnet::validate_targets<double>(Loss::BinaryCrossEntropy, Y, "f");
      FAIL("no exception");
    } catch (const deepnet::DataError& error) {
      CHECK(error.symbol() == "Y");
      CHECK(error.row() == 0);
      CHECK(error.col() == 1);
    }
    Y(0, 1) = 0.5;
    CHECK_NOTHROW(deepnet::validate_targets<double>(Loss::MeanSquaredError, Y, "f"));
  }
  SECTION("columns that are not one-hot for categorical cross-entropy") {
    Matrix<double> onehot(3, 2);
    onehot << 1, 0, 0, 1, 0, 0;
    CHECK_NOTHROW(deepnet::validate_targets<double>(Loss::CategoricalCrossEntropy, onehot, "f"));
    onehot(2, 0) = 1;
    REQUIRE_THROWS_WITH(
        deepnet::validate_targets<double>(Loss::CategoricalCrossEntropy, onehot, "f"),
        "f: column 0 of Y has 2 ones; CategoricalCrossEntropy needs one-hot columns (exactly one "
        "1)");
    onehot(0, 0) = 0;
    onehot(2, 0) = 0;
    REQUIRE_THROWS_WITH(
        deepnet::validate_targets<double>(Loss::CategoricalCrossEntropy, onehot, "f"),
        Contains("column 0 of Y has 0 ones"));
  }
}

TEST_CASE("require_compatible: rejects output and loss pairs that make no sense, saying why",
          "[loss][errors]") {
  CHECK_NOTHROW(deepnet::require_compatible(Activation::Sigmoid, Loss::BinaryCrossEntropy));
  CHECK_NOTHROW(deepnet::require_compatible(Activation::Softmax, Loss::CategoricalCrossEntropy));
  CHECK_NOTHROW(deepnet::require_compatible(Activation::Identity, Loss::MeanSquaredError));
  CHECK_NOTHROW(deepnet::require_compatible(Activation::Sigmoid, Loss::MeanSquaredError));
  REQUIRE_THROWS_AS(deepnet::require_compatible(Activation::Tanh, Loss::BinaryCrossEntropy),
                    deepnet::ConfigError);
  REQUIRE_THROWS_WITH(deepnet::require_compatible(Activation::Tanh, Loss::BinaryCrossEntropy),
                      Contains("BinaryCrossEntropy needs a Sigmoid output layer, not Tanh"));
  REQUIRE_THROWS_WITH(
      deepnet::require_compatible(Activation::Sigmoid, Loss::CategoricalCrossEntropy),
      Contains("CategoricalCrossEntropy needs a Softmax output layer, not Sigmoid"));
  REQUIRE_THROWS_WITH(deepnet::require_compatible(Activation::Softmax, Loss::MeanSquaredError),
                      Contains("a Softmax output layer goes with CategoricalCrossEntropy"));
  REQUIRE_THROWS_WITH(deepnet::require_compatible(Activation::Sigmoid, static_cast<Loss>(9)),
                      "unknown loss Loss(9)");
}

TEST_CASE("matching_loss: the loss each output activation is meant for", "[loss]") {
  CHECK(deepnet::matching_loss(Activation::Sigmoid) == Loss::BinaryCrossEntropy);
  CHECK(deepnet::matching_loss(Activation::Softmax) == Loss::CategoricalCrossEntropy);
  CHECK(deepnet::matching_loss(Activation::Identity) == Loss::MeanSquaredError);
  CHECK(deepnet::to_string(Loss::MeanSquaredError) == "MeanSquaredError");
}
