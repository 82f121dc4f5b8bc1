// Tests for layer.hpp: one layer's forward pass Z = W A[l-1] + b, A = g(Z), and its backward
// pass dZ = dA * g'(Z), dW = (1/m) dZ A[l-1]^T, db = (1/m) sum dZ, dA[l-1] = W^T dZ, each
// against the same formula written with plain Eigen expressions.
#include "support/test_support.hpp"

#include <deepnet/core/layer.hpp>
#include <deepnet/modules/dense.hpp>

#include <cmath>

using deepnet::Activation;
using deepnet::Index;
using deepnet::Layer;
using deepnet::Matrix;
using deepnet::Vector;
using deepnet_test::IsClose;

namespace {

template <class Scalar>
Matrix<Scalar> random_matrix(Index rows, Index cols, unsigned seed) {
  std::srand(seed);
  return Matrix<Scalar>::Random(rows, cols);
}

}  // namespace

TEMPLATE_TEST_CASE("Layer: starts with W = 0 (n[l] x n[l-1]), b = 0 (n[l] x 1), no cache",
                   "[layer]", float, double) {
  const Layer<TestType> layer(5, 3, Activation::Tanh);
  CHECK(layer.units() == 3);
  CHECK(layer.inputs() == 5);
  CHECK(layer.activation() == Activation::Tanh);
  CHECK(layer.W().rows() == 3);
  CHECK(layer.W().cols() == 5);
  CHECK(layer.b().rows() == 3);
  CHECK(layer.dW().rows() == 3);
  CHECK(layer.dW().cols() == 5);
  CHECK(layer.db().rows() == 3);
  CHECK(layer.W().isZero(0));
  CHECK(layer.b().isZero(0));
  CHECK(layer.m() == 0);
  CHECK(layer.Z().cols() == 0);
  CHECK(layer.A().rows() == 3);
}

TEMPLATE_TEST_CASE("Layer::forward: Z = W A[l-1] + b and A = g(Z), cached", "[layer][forward]",
                   float, double) {
  // Sizes on both sides of the blocked-product threshold (m = 1 is a matrix-vector product).
  const auto shape = GENERATE(std::make_tuple(4, 3, 1), std::make_tuple(4, 3, 6),
                              std::make_tuple(70, 90, 40), std::make_tuple(1, 300, 129));
  const Index n_prev = std::get<0>(shape), n = std::get<1>(shape), m = std::get<2>(shape);
  CAPTURE(n_prev, n, m);
  Layer<TestType> layer(n_prev, n, Activation::Sigmoid);
  layer.W() = random_matrix<TestType>(n, n_prev, 1);
  layer.b() = random_matrix<TestType>(n, 1, 2);
  const Matrix<TestType> A_prev = random_matrix<TestType>(n_prev, m, 3);
  deepnet::detail::GemmWorkspace<TestType> workspace;
  layer.forward(A_prev, workspace);

  const Matrix<TestType> Z = (layer.W() * A_prev).colwise() + layer.b();
  const Matrix<TestType> A = (1 + (-Z.array()).exp()).inverse();
  CHECK(layer.m() == m);
  CHECK_THAT(Matrix<TestType>(layer.Z()), IsClose(Z, deepnet_test::tolerance<TestType> * 10));
  CHECK_THAT(Matrix<TestType>(layer.A()), IsClose(A, deepnet_test::tolerance<TestType> * 10));
}

TEST_CASE("Layer::forward: a smaller batch reuses the storage of a larger one", "[layer]") {
  Layer<double> layer(3, 2, Activation::ReLU);
  layer.W() = random_matrix<double>(2, 3, 4);
  deepnet::detail::GemmWorkspace<double> workspace;
  const Matrix<double> X = random_matrix<double>(3, 10, 5);
  layer.forward(X, workspace);
  const double* storage = layer.Z().data();
  layer.forward(X.leftCols(4), workspace);
  CHECK(layer.Z().data() == storage);
  CHECK(layer.Z().cols() == 4);
  CHECK(layer.A().cols() == 4);
  const Matrix<double> Z = layer.W() * X.leftCols(4);
  CHECK_THAT(Matrix<double>(layer.Z()), IsClose(Z, 1e-15));
}

TEMPLATE_TEST_CASE("Layer::backward: dW, db and dA[l-1] follow the formulas of the notes",
                   "[layer][backward]", float, double) {
  const auto shape = GENERATE(std::make_tuple(4, 3, 1), std::make_tuple(4, 3, 6),
                              std::make_tuple(70, 90, 40), std::make_tuple(300, 1, 129));
  const Index n_prev = std::get<0>(shape), n = std::get<1>(shape), m = std::get<2>(shape);
  CAPTURE(n_prev, n, m);
  Layer<TestType> layer(n_prev, n, Activation::ReLU);
  layer.W() = random_matrix<TestType>(n, n_prev, 6);
  layer.b() = random_matrix<TestType>(n, 1, 7);
  const Matrix<TestType> A_prev = random_matrix<TestType>(n_prev, m, 8);
  deepnet::detail::GemmWorkspace<TestType> workspace;
  layer.forward(A_prev, workspace);

  const Matrix<TestType> dA = random_matrix<TestType>(n, m, 9);
  layer.dA() = dA;
  layer.backward_activation();
  Matrix<TestType> dA_prev(n_prev, m);
  typename Layer<TestType>::Span dA_prev_span(dA_prev.data(), n_prev, m);
  layer.backward_parameters(A_prev, &dA_prev_span, workspace);

  const Matrix<TestType> Z = layer.Z();
  const Matrix<TestType> dZ = (Z.array() > 0).select(dA, TestType(0));
  const TestType inv_m = TestType(1) / static_cast<TestType>(m);
  const double tol = deepnet_test::tolerance<TestType> * 10;
  CHECK_THAT(Matrix<TestType>(layer.dZ()), IsClose(dZ, 0.0));
  CHECK_THAT(layer.dW(), IsClose(Matrix<TestType>(inv_m * dZ * A_prev.transpose()), tol));
  CHECK_THAT(Matrix<TestType>(layer.db()),
             IsClose(Matrix<TestType>(inv_m * dZ.rowwise().sum()), tol));
  CHECK_THAT(dA_prev, IsClose(Matrix<TestType>(layer.W().transpose() * dZ), tol));
}

TEMPLATE_TEST_CASE("Layer::backward: dW from A[l-1]^T stored by columns is the same dW",
                   "[layer][backward]", float, double) {
  // The layout full-batch training keeps for layer 1; the products are large enough for
  // Eigen's blocked kernel, which reads the two layouts differently.
  const auto shape = GENERATE(std::make_tuple(4, 3, 6), std::make_tuple(300, 20, 90));
  const Index n_prev = std::get<0>(shape), n = std::get<1>(shape), m = std::get<2>(shape);
  CAPTURE(n_prev, n, m);
  Layer<TestType> layer(n_prev, n, Activation::ReLU);
  layer.W() = random_matrix<TestType>(n, n_prev, 16);
  const Matrix<TestType> A_prev = random_matrix<TestType>(n_prev, m, 18);
  const Matrix<TestType> A_prev_T = A_prev.transpose();
  deepnet::detail::GemmWorkspace<TestType> workspace;
  layer.forward(A_prev, workspace);
  layer.dA() = random_matrix<TestType>(n, m, 19);
  layer.backward_activation();
  const double lambda = 0.7;
  layer.backward_parameters(A_prev, nullptr, workspace, lambda, &A_prev_T);

  const Matrix<TestType> dZ = layer.dZ();
  const TestType inv_m = TestType(1) / static_cast<TestType>(m);
  const Matrix<TestType> expected =
      inv_m * dZ * A_prev.transpose() + static_cast<TestType>(lambda) * inv_m * layer.W();
  CHECK_THAT(layer.dW(), IsClose(expected, deepnet_test::tolerance<TestType> * 10));

  const Matrix<TestType> wrong = A_prev;  // n[l-1] x m instead of m x n[l-1]
  REQUIRE_THROWS_AS(layer.backward_parameters(A_prev, nullptr, workspace, 0.0, &wrong),
                    deepnet::ShapeError);
}

TEST_CASE("Layer::forward_into: computes into the caller's storage, leaving the caches alone",
          "[layer]") {
  Layer<double> layer(3, 2, Activation::Tanh);
  layer.W() = random_matrix<double>(2, 3, 10);
  deepnet::detail::GemmWorkspace<double> workspace;
  const Matrix<double> X = random_matrix<double>(3, 5, 11);
  layer.forward(X, workspace);
  const Matrix<double> cached_A = layer.A();
  Matrix<double> Z(2, 2), A(2, 2);
  layer.forward_into(X.rightCols(2), deepnet::MatrixSpan<double>(Z.data(), 2, 2),
                     deepnet::MatrixSpan<double>(A.data(), 2, 2), workspace);
  CHECK_THAT(A, IsClose(Matrix<double>((layer.W() * X.rightCols(2)).array().tanh()), 1e-15));
  CHECK_THAT(Matrix<double>(layer.A()), IsClose(cached_A, 0.0));
  CHECK(layer.m() == 5);
}

// Linear is the part DeepNet's Layer and modules::Dense share: its numbers are checked here
// against the NumPy reference directly, on the middle layer of a fixture (A[1] in, Z[2] out).
TEMPLATE_TEST_CASE("Linear: Z = W A_prev + b, dW, db and dA_prev match the NumPy reference",
                   "[layer][linear][golden]", float, double) {
  using deepnet::Bias;
  using deepnet::Linear;
  using Span = deepnet::MatrixSpan<TestType>;
  const double tol = std::is_same<TestType, float>::value ? 5e-5 : 1e-12;
  const deepnet_test::Fixture fixture = deepnet_test::read_case("relu_sigmoid_bce");
  const Matrix<TestType> A1 = fixture.matrix("A", 1).cast<TestType>();
  const Matrix<TestType> dZ2_values = fixture.matrix("dZ", 2).cast<TestType>();
  const deepnet::MatrixView<TestType> dZ2(dZ2_values.data(), 3, dZ2_values.cols());
  const Index m = A1.cols();
  deepnet::detail::GemmWorkspace<TestType> workspace;

  Linear<TestType> linear(4, 3, Bias::With, 2);
  linear.W() = fixture.matrix("W", 2).cast<TestType>();
  linear.b() = fixture.matrix("b", 2).cast<TestType>();
  Matrix<TestType> Z(3, m);
  linear.forward_product(A1, Span(Z.data(), 3, m), workspace);
  linear.add_bias(Span(Z.data(), 3, m));
  CHECK_THAT(Z, IsClose(fixture.matrix("Z", 2).cast<TestType>(), tol));

  Matrix<TestType> dA1(4, m);
  Span dA_prev(dA1.data(), 4, m);
  linear.backward(A1, dZ2, &dA_prev, workspace);
  CHECK_THAT(Matrix<TestType>(linear.dW()), IsClose(fixture.matrix("dW", 2).cast<TestType>(), tol));
  CHECK_THAT(Matrix<TestType>(linear.db()), IsClose(fixture.matrix("db", 2).cast<TestType>(), tol));
  CHECK_THAT(dA1, IsClose(fixture.matrix("dA", 1).cast<TestType>(), tol));

  SECTION("from A_prev^T, dW is the same") {
    const Matrix<TestType> A1_T = A1.transpose();
    const Matrix<TestType> dW = linear.dW();
    linear.backward(A1, dZ2, nullptr, workspace, 0.0, &A1_T);
    CHECK_THAT(Matrix<TestType>(linear.dW()), IsClose(dW, tol));
  }
  SECTION("without bias: b is 0 x 1 and Z has no b term") {
    Linear<TestType> no_b(4, 3, Bias::Without, 2);
    no_b.W() = linear.W();
    CHECK(no_b.b().rows() == 0);
    CHECK_FALSE(no_b.has_bias());
    Matrix<TestType> Z_no_b(3, m);
    no_b.forward_product(A1, Span(Z_no_b.data(), 3, m), workspace);
    no_b.add_bias(Span(Z_no_b.data(), 3, m));
    const Matrix<TestType> b_term = Z - Z_no_b;
    for (Index j = 0; j < m; ++j) {
      CHECK_THAT(Matrix<TestType>(b_term.col(j)),
                 IsClose(fixture.matrix("b", 2).cast<TestType>(), tol));
    }
  }
  SECTION("a Layer's W and a Dense module's W are Linear's tensors") {
    STATIC_REQUIRE(
        std::is_same<typename Layer<TestType>::Weights, typename Linear<TestType>::Weights>::value);
    Layer<TestType> layer(4, 3, Activation::ReLU, 2);
    layer.W() = linear.W();
    layer.b() = linear.b();
    CHECK(layer.forward(A1, workspace));
    CHECK(Matrix<TestType>(layer.Z()) == Z);  // the same code: the same bits

    STATIC_REQUIRE(std::is_same<typename deepnet::modules::Dense<TestType>::Weights,
                                typename Linear<TestType>::Weights>::value);
    deepnet::modules::Dense<TestType> dense(3);
    REQUIRE(dense.output_size(4) == 3);
    dense.W() = linear.W();
    dense.b() = linear.b();
    Matrix<TestType> Z_dense(3, m);
    dense.forward(deepnet::MatrixView<TestType>(A1.data(), 4, m), Span(Z_dense.data(), 3, m), true);
    CHECK(Z_dense == Z);
    Matrix<TestType> dA1_dense(4, m);
    Span dA_dense(dA1_dense.data(), 4, m);
    dense.backward(deepnet::MatrixView<TestType>(A1.data(), 4, m),
                   deepnet::MatrixView<TestType>(Z_dense.data(), 3, m), dZ2, &dA_dense);
    CHECK(Matrix<TestType>(dense.dW()) == Matrix<TestType>(linear.dW()));
    CHECK(Matrix<TestType>(dense.db()) == Matrix<TestType>(linear.db()));
    CHECK(dA1_dense == dA1);
  }
}

// Prediction computes 1 / sqrt(running_var + eps) once per unit, in blocks of 64 units: 150
// units cross two block boundaries. Checked against the formula written out element by element.
TEMPLATE_TEST_CASE("BatchNorm::forward_inference: gamma (Z - mean) / sqrt(var + eps) + beta",
                   "[layer][batch_norm]", float, double) {
  const Index n = 150, m = 7;
  deepnet::BatchNorm<TestType> norm(n, 1);
  norm.gamma() = random_matrix<TestType>(n, 1, 1);
  norm.beta() = random_matrix<TestType>(n, 1, 2);
  norm.running_mean() = random_matrix<TestType>(n, 1, 3);
  norm.running_var() = random_matrix<TestType>(n, 1, 4).array().abs() + TestType(0.1);
  const Matrix<TestType> Z = random_matrix<TestType>(n, m, 5);
  Matrix<TestType> out = Z;
  norm.forward_inference(deepnet::MatrixSpan<TestType>(out.data(), n, m));
  Matrix<TestType> expected(n, m);
  const double eps = deepnet::BatchNorm<TestType>::epsilon;
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < n; ++i) {
      const double z_norm = (double(Z(i, j)) - double(norm.running_mean()(i))) /
                            std::sqrt(double(norm.running_var()(i)) + eps);
      expected(i, j) =
          static_cast<TestType>(double(norm.gamma()(i)) * z_norm + double(norm.beta()(i)));
    }
  }
  const double tol = std::is_same<TestType, float>::value ? 1e-5 : 1e-13;
  CHECK_THAT(out, IsClose(expected, tol));
}
