// Tests for activation.hpp: g(Z) against the scalar formulas, g'(Z) against central
// differences of g, the fused bias pass, and the softmax Jacobian-vector product.
#include "support/test_support.hpp"

#include <deepnet/core/activation.hpp>

#include <cmath>

using deepnet::Activation;
using deepnet::Index;
using deepnet::Matrix;
using deepnet::MatrixSpan;
using deepnet::MatrixView;
using deepnet::Vector;
using deepnet_test::IsClose;

namespace {

// The textbook scalar definitions, written independently of the vectorised code.
double reference_g(Activation g, double z) {
  switch (g) {
    case Activation::Identity:
      return z;
    case Activation::Sigmoid:
      return 1.0 / (1.0 + std::exp(-z));
    case Activation::Tanh:
      return std::tanh(z);
    case Activation::ReLU:
      return z > 0 ? z : 0.0;
    case Activation::LeakyReLU:
      return z > 0 ? z : 0.01 * z;
    case Activation::Softmax:
      break;
  }
  throw std::logic_error("no scalar form");
}

Matrix<double> sample_Z() {
  Matrix<double> Z(4, 5);
  Z << -3.0, -1.5, -0.2, 0.3, 2.5,  //
      0.7, -0.05, 1.9, -2.2, 0.01,  //
      4.0, -4.0, 0.6, -0.9, 1.1,    //
      -0.4, 0.25, -7.5, 8.0, -0.001;
  return Z;
}

const Activation elementwise[] = {Activation::Identity, Activation::Sigmoid, Activation::Tanh,
                                  Activation::ReLU, Activation::LeakyReLU};

}  // namespace

TEMPLATE_TEST_CASE("activate: each element-wise g matches its scalar formula", "[activation]",
                   float, double) {
  const Matrix<double> Z = sample_Z();
  for (Activation g : elementwise) {
    CAPTURE(deepnet::to_string(g));
    Matrix<double> expected = Z;
    for (Index i = 0; i < Z.size(); ++i)
      expected(i) = reference_g(g, Z(i));
    const Matrix<TestType> A = deepnet::activate<TestType>(g, Z.cast<TestType>());
    CHECK_THAT(A, IsClose(expected.cast<TestType>().eval(), deepnet_test::tolerance<TestType>));
  }
}

TEMPLATE_TEST_CASE("activate: softmax columns are positive, sum to 1 and keep the order of Z",
                   "[activation]", float, double) {
  Matrix<double> Z = sample_Z();
  Z(0, 0) = 700.0;  // exp(700) overflows float and nearly double: the max shift must handle it
  const Matrix<TestType> A = deepnet::activate<TestType>(Activation::Softmax, Z.cast<TestType>());
  for (Index j = 0; j < Z.cols(); ++j) {
    CAPTURE(j);
    CHECK((A.col(j).array() > TestType(0) || Z.col(j).array() < Z.col(j).maxCoeff() - 80).all());
    CHECK_THAT(static_cast<double>(A.col(j).sum()), Catch::Matchers::WithinAbs(1.0, 1e-6));
    Index arg_a = 0, arg_z = 0;
    A.col(j).maxCoeff(&arg_a);
    Z.col(j).maxCoeff(&arg_z);
    CHECK(arg_a == arg_z);
  }
  // Column 1 without overflow: compare with exp(z) / sum exp(z) directly.
  const Eigen::VectorXd e = Z.col(1).array().exp();
  CHECK_THAT(Matrix<TestType>(A.col(1)), IsClose(Matrix<TestType>((e / e.sum()).cast<TestType>()),
                                                 deepnet_test::tolerance<TestType>));
}

TEST_CASE("add_bias_and_activate: adds b to every column, then applies g", "[activation]") {
  Matrix<double> Z = sample_Z();
  const Matrix<double> WA = Z;
  Vector<double> b(4);
  b << 0.5, -0.25, 1.0, -2.0;
  Matrix<double> A(4, 5);
  deepnet::add_bias_and_activate<double>(Activation::Tanh, b, MatrixSpan<double>(Z.data(), 4, 5),
                                         MatrixSpan<double>(A.data(), 4, 5));
  const Matrix<double> expected_Z = WA.colwise() + b;
  CHECK_THAT(Z, IsClose(expected_Z, 0.0));
  CHECK_THAT(A, IsClose(Matrix<double>(expected_Z.array().tanh()), 1e-15));
}

TEST_CASE("activation_backward: dZ = dA * g'(Z) agrees with central differences of g",
          "[activation][gradient]") {
  const Matrix<double> Z = sample_Z();
  Matrix<double> dA(4, 5);
  dA << 0.3, -1.2, 0.8, 2.0, -0.5, 1.0, 0.1, -0.7, 0.4, 0.9, -1.5, 0.6, 0.2, -0.3, 1.7, 0.05, -0.8,
      1.3, -2.1, 0.45;
  const double h = 1e-6;
  for (Activation g : elementwise) {
    CAPTURE(deepnet::to_string(g));
    const Matrix<double> A = deepnet::activate<double>(g, Z);
    Matrix<double> dZ(4, 5);
    deepnet::activation_backward<double>(
        g, MatrixView<double>(Z.data(), 4, 5), MatrixView<double>(A.data(), 4, 5),
        MatrixView<double>(dA.data(), 4, 5), MatrixSpan<double>(dZ.data(), 4, 5));
    Matrix<double> expected(4, 5);
    for (Index i = 0; i < Z.size(); ++i) {
      const double slope = (reference_g(g, Z(i) + h) - reference_g(g, Z(i) - h)) / (2 * h);
      expected(i) = dA(i) * slope;
    }
    CHECK_THAT(dZ, IsClose(expected, 1e-8));
  }
}

TEST_CASE("activation_backward: ReLU' is 0 and LeakyReLU' is the slope at z = 0", "[activation]") {
  Matrix<double> Z = Matrix<double>::Zero(1, 1);
  Matrix<double> dA = Matrix<double>::Constant(1, 1, 2.0);
  Matrix<double> dZ(1, 1);
  const auto run = [&](Activation g) {
    const Matrix<double> A = deepnet::activate<double>(g, Z);
    deepnet::activation_backward<double>(
        g, MatrixView<double>(Z.data(), 1, 1), MatrixView<double>(A.data(), 1, 1),
        MatrixView<double>(dA.data(), 1, 1), MatrixSpan<double>(dZ.data(), 1, 1));
    return dZ(0, 0);
  };
  CHECK(run(Activation::ReLU) == 0.0);
  CHECK(run(Activation::LeakyReLU) == 2.0 * 0.01);
}

TEST_CASE("activation_backward: softmax uses its full Jacobian", "[activation][gradient]") {
  const Matrix<double> Z = sample_Z();
  Matrix<double> dA(4, 5);
  dA.setConstant(0.0);
  dA.col(0) << 1.0, -2.0, 0.5, 0.25;
  dA.col(3) << -0.3, 0.0, 1.1, 0.7;
  const Matrix<double> A = deepnet::activate<double>(Activation::Softmax, Z);
  Matrix<double> dZ(4, 5);
  deepnet::activation_backward<double>(
      Activation::Softmax, MatrixView<double>(Z.data(), 4, 5), MatrixView<double>(A.data(), 4, 5),
      MatrixView<double>(dA.data(), 4, 5), MatrixSpan<double>(dZ.data(), 4, 5));
  // dZ(k, j) = sum_i dA(i, j) d a_i / d z_k, by central differences on the whole column.
  const double h = 1e-6;
  Matrix<double> expected(4, 5);
  for (Index j = 0; j < Z.cols(); ++j) {
    for (Index k = 0; k < Z.rows(); ++k) {
      Matrix<double> plus = Z, minus = Z;
      plus(k, j) += h;
      minus(k, j) -= h;
      const Matrix<double> dAdz = (deepnet::activate<double>(Activation::Softmax, plus) -
                                   deepnet::activate<double>(Activation::Softmax, minus)) /
                                  (2 * h);
      expected(k, j) = dA.col(j).dot(dAdz.col(j));
    }
  }
  CHECK_THAT(dZ, IsClose(expected, 1e-8, 1e-10));
}

TEST_CASE("to_string and require_valid name every activation and reject others", "[activation]") {
  CHECK(deepnet::to_string(Activation::LeakyReLU) == "LeakyReLU");
  CHECK(deepnet::to_string(Activation::Softmax) == "Softmax");
  CHECK_NOTHROW(deepnet::require_valid(Activation::Tanh));
  REQUIRE_THROWS_AS(deepnet::require_valid(static_cast<Activation>(42)), deepnet::ConfigError);
  REQUIRE_THROWS_WITH(deepnet::require_valid(static_cast<Activation>(42)),
                      Catch::Matchers::Contains("unknown activation Activation(42)"));
}
