// Tests for deep_net.hpp: construction, the forward/cost/backward/update cycle and its order,
// every bad input with its message, prediction, classification, fit and determinism.
#include "support/test_support.hpp"

#include <deepnet/core/deep_net.hpp>

#include <cmath>
#include <limits>
#include <sstream>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using deepnet::Activation;
using deepnet::ConfigError;
using deepnet::DataError;
using deepnet::DeepNet;
using deepnet::FitOptions;
using deepnet::Index;
using deepnet::Init;
using deepnet::Loss;
using deepnet::Matrix;
using deepnet::ShapeError;
using deepnet::StateError;
using deepnet_test::IsClose;

namespace {

const double not_a_number = std::numeric_limits<double>::quiet_NaN();
const double infinity = std::numeric_limits<double>::infinity();

// Two Gaussian blobs in n features, labels 0/1: learnable, seeded.
struct Blobs {
  Matrix<double> X, Y;
  Blobs(Index n, Index m, std::uint64_t seed) : X(n, m), Y(1, m) {
    deepnet::Random random(seed);
    for (Index j = 0; j < m; ++j) {
      const double label = (j % 2 == 0) ? 0.0 : 1.0;
      Y(0, j) = label;
      for (Index i = 0; i < n; ++i)
        X(i, j) = random.normal() + (label == 1 ? 1.5 : -1.5);
    }
  }
};

DeepNet<double> small_net() {
  DeepNet<double> net({3, 4, 1});
  net.initialize(Init::He, 1);
  return net;
}

}  // namespace

TEST_CASE("DeepNet: layer_dims {n[0], ..., n[L]} gives L layers numbered 1..L", "[deep_net]") {
  DeepNet<double> net({5, 4, 3, 1});
  CHECK(net.L() == 3);
  CHECK(net.dims() == std::vector<Index>{5, 4, 3, 1});
  CHECK(deepnet::dims_string(net.dims()) == "{5, 4, 3, 1}");
  for (Index l = 1; l <= 3; ++l) {
    CAPTURE(l);
    CHECK(net.layer(l).units() == net.dims()[static_cast<std::size_t>(l)]);
    CHECK(net.layer(l).inputs() == net.dims()[static_cast<std::size_t>(l - 1)]);
    CHECK(net.layer(l).index() == l);
  }
  CHECK(net.layer(1).activation() == Activation::ReLU);
  CHECK(net.layer(3).activation() == Activation::Sigmoid);
  CHECK(net.loss() == Loss::BinaryCrossEntropy);
  CHECK(net.m() == 0);
  REQUIRE_THROWS_AS(net.layer(0), std::out_of_range);
  REQUIRE_THROWS_WITH(
      net.layer(0),
      "DeepNet::layer(0): layers are numbered 1..3 (the input X is A[0], not a layer)");
  REQUIRE_THROWS_AS(net.layer(4), std::out_of_range);
}

TEST_CASE("DeepNet: the default loss matches the output activation", "[deep_net]") {
  CHECK(DeepNet<double>({2, 3}, Activation::ReLU, Activation::Softmax).loss() ==
        Loss::CategoricalCrossEntropy);
  CHECK(DeepNet<double>({2, 1}, Activation::ReLU, Activation::Identity).loss() ==
        Loss::MeanSquaredError);
  const DeepNet<float> per_layer({2, 3, 3, 1},
                                 {Activation::Tanh, Activation::LeakyReLU, Activation::Identity},
                                 Loss::MeanSquaredError);
  CHECK(per_layer.activations() ==
        std::vector<Activation>{Activation::Tanh, Activation::LeakyReLU, Activation::Identity});
}

TEST_CASE("DeepNet: rejects networks that cannot work, saying why", "[deep_net][errors]") {
  REQUIRE_THROWS_AS(DeepNet<double>({5}), ConfigError);
  REQUIRE_THROWS_WITH(DeepNet<double>({5}),
                      "layer_dims needs at least two sizes {n[0], n[1]} (the inputs and the output "
                      "layer), got 1");
  REQUIRE_THROWS_WITH(DeepNet<double>(std::vector<Index>{}), Contains("got 0"));
  REQUIRE_THROWS_WITH(
      DeepNet<double>({5, 0, 1}),
      "layer_dims[1] = n[1] is 0; every layer, and the input, needs at least one unit");
  REQUIRE_THROWS_WITH(DeepNet<double>({-3, 2}), Contains("n[0] is -3"));
  REQUIRE_THROWS_WITH(DeepNet<double>({Index(1) << 40, Index(1) << 40}),
                      Contains("more than an index can count"));
  REQUIRE_THROWS_WITH(DeepNet<double>({4, 3, 2}, Activation::Softmax, Activation::Softmax),
                      Contains("layer 1: Softmax is for the output layer only"));
  REQUIRE_THROWS_WITH(
      DeepNet<double>({4, 2}, Activation::ReLU, Activation::Softmax, Loss::MeanSquaredError),
      Contains("a Softmax output layer goes with CategoricalCrossEntropy"));
  REQUIRE_THROWS_WITH(
      DeepNet<double>({4, 1}, Activation::ReLU, Activation::Identity, Loss::BinaryCrossEntropy),
      Contains("BinaryCrossEntropy needs a Sigmoid output layer, not Identity"));
  REQUIRE_THROWS_WITH(DeepNet<double>({4, 3, 1}, {Activation::ReLU}, Loss::MeanSquaredError),
                      "need one activation per layer: 2 layers, got 1 activations");
  REQUIRE_THROWS_WITH(DeepNet<double>({4, 1}, Activation::ReLU, static_cast<Activation>(99)),
                      Contains("unknown activation"));
}

TEST_CASE("forward: returns A[L] (n[L] x m) and caches Z[l], A[l] for every layer",
          "[deep_net][forward]") {
  DeepNet<double> net({3, 4, 2, 1});
  net.initialize(Init::He, 3);
  const Matrix<double> X = Matrix<double>::Random(3, 5);
  const Matrix<double> AL = net.forward(X);
  CHECK(AL.rows() == 1);
  CHECK(AL.cols() == 5);
  CHECK(net.m() == 5);
  Matrix<double> A = X;
  for (Index l = 1; l <= net.L(); ++l) {
    CAPTURE(l);
    const Matrix<double> Z = (net.layer(l).W() * A).colwise() + net.layer(l).b();
    CHECK_THAT(Matrix<double>(net.layer(l).Z()), IsClose(Z, 1e-14));
    A = net.layer(l).A();
  }
  CHECK_THAT(AL, IsClose(A, 0.0));
}

TEST_CASE("forward: rejects X with the wrong number of rows, no examples, or NaN/infinity",
          "[deep_net][forward][errors]") {
  DeepNet<double> net = small_net();
  SECTION("rows") {
    const Matrix<double> X = Matrix<double>::Ones(4, 10);
    REQUIRE_THROWS_AS(net.forward(X), ShapeError);
    REQUIRE_THROWS_WITH(net.forward(X),
                        "DeepNet::forward: X is 4x10, expected 3x10 (n[0] = 3 rows, one column "
                        "per example)");
    REQUIRE_THROWS_WITH(net.predict(X), StartsWith("DeepNet::predict: X is 4x10"));
  }
  SECTION("m = 0") {
    const Matrix<double> X(3, 0);
    REQUIRE_THROWS_AS(net.forward(X), std::invalid_argument);
    REQUIRE_THROWS_WITH(net.forward(X),
                        "DeepNet::forward: X has no columns (m = 0); give at least one example");
  }
  SECTION("NaN and infinity") {
    Matrix<double> X = Matrix<double>::Ones(3, 10);
    X(2, 7) = not_a_number;
    REQUIRE_THROWS_AS(net.forward(X), DataError);
    REQUIRE_THROWS_WITH(net.forward(X),
                        "DeepNet::forward: X(2, 7) is nan; inputs must be finite numbers");
    X(2, 7) = 1;
    X(0, 4) = -infinity;
    REQUIRE_THROWS_WITH(net.forward(X),
                        "DeepNet::forward: X(0, 4) is -inf; inputs must be finite numbers");
    REQUIRE_THROWS_WITH(net.predict(X), Contains("X(0, 4) is -inf"));
    // Even a zero weight cannot hide it: 0 * inf is NaN.
    net.layer(1).W().col(0).setZero();
    REQUIRE_THROWS_AS(net.forward(X), DataError);
  }
}

TEST_CASE("X and Y with one row per example are reported as transposed",
          "[deep_net][forward][errors]") {
  DeepNet<double> net = small_net();  // {3, 4, 1}: n[0] = 3, L = 2, n[2] = 1
  // 10 examples as a table stores them, one per row: X is m x n[0] = 10x3, so the shape the
  // notes want is its transpose, 3x10.
  const Matrix<double> X_rows = Matrix<double>::Ones(10, 3);
  const std::string x_message =
      "X is 10x3, expected 3x10 (n[0] x m = 3 x m: samples are columns; is X transposed? use "
      "X.transpose())";
  REQUIRE_THROWS_AS(net.forward(X_rows), ShapeError);
  REQUIRE_THROWS_WITH(net.forward(X_rows), "DeepNet::forward: " + x_message);
  REQUIRE_THROWS_WITH(net.predict(X_rows), "DeepNet::predict: " + x_message);
  REQUIRE_THROWS_WITH(net.classify(X_rows), "DeepNet::predict: " + x_message);
  // accuracy checks X before Y: with X transposed, Y (1x10, right for 10 examples) is fine.
  const Matrix<double> Y = Matrix<double>::Zero(1, 10);
  REQUIRE_THROWS_WITH(net.accuracy(X_rows, Y), "DeepNet::accuracy: " + x_message);
  try {
    net.forward(X_rows);
  } catch (const ShapeError& e) {
    CHECK(e.symbol() == "X");
    CHECK(e.expected_rows() == 3);
    CHECK(e.expected_cols() == 10);
  }

  // Y as m x n[L] = 10x1 after a forward pass over 10 examples.
  const Matrix<double> X = X_rows.transpose();
  const Matrix<double> Y_rows = Matrix<double>::Zero(10, 1);
  const std::string y_message =
      "Y is 10x1, expected 1x10 (the shape of A[2]: n[2] x m = 1 x m: samples are columns; is Y "
      "transposed? use Y.transpose())";
  net.forward(X);
  REQUIRE_THROWS_WITH(net.cost(Y_rows), "DeepNet::cost: " + y_message);
  REQUIRE_THROWS_WITH(net.backward(Y_rows), "DeepNet::backward: " + y_message);
  REQUIRE_THROWS_WITH(net.accuracy(X, Y_rows), "DeepNet::accuracy: " + y_message);
  // A shape that is not the transpose keeps the plain message, without the hint.
  REQUIRE_THROWS_WITH(net.cost(Matrix<double>::Zero(2, 10)),
                      "DeepNet::cost: Y is 2x10, expected 1x10 (the shape of A[2]: n[2] x m)");
  const Matrix<double> X_wrong = Matrix<double>::Ones(4, 5);
  REQUIRE_THROWS_WITH(net.forward(X_wrong),
                      "DeepNet::forward: X is 4x5, expected 3x5 (n[0] = 3 rows, one column per "
                      "example)");
}

TEST_CASE("forward: weights that are NaN or overflow raise NumericalError naming the layer",
          "[deep_net][forward][errors]") {
  DeepNet<double> net({3, 4, 2, 1});
  net.initialize(Init::He, 1);
  const Matrix<double> X = Matrix<double>::Ones(3, 2);
  net.layer(2).W()(1, 3) = not_a_number;
  REQUIRE_THROWS_AS(net.forward(X), deepnet::NumericalError);
  REQUIRE_THROWS_WITH(net.forward(X),
                      StartsWith("DeepNet::forward: layer 2: Z has NaN or infinite"));
  net.layer(2).W()(1, 3) = 0.5;
  net.layer(1).W().setConstant(1e308);
  try {
    net.forward(X);
    FAIL("no exception");
  } catch (const deepnet::NumericalError& error) {
    CHECK(error.layer() == 1);
    CHECK(error.symbol() == "Z");
    CHECK_THAT(error.what(), Contains("a learning rate too large?"));
  }
}

TEST_CASE("cost and backward: reject Y that does not fit A[L] or the loss", "[deep_net][errors]") {
  DeepNet<double> net = small_net();
  const Matrix<double> X = Matrix<double>::Random(3, 4);
  Matrix<double> Y(1, 4);
  Y << 0, 1, 1, 0;
  net.forward(X);
  CHECK_NOTHROW(net.cost(Y));
  SECTION("shape") {
    const Matrix<double> wrong = Matrix<double>::Zero(2, 4);
    REQUIRE_THROWS_AS(net.cost(wrong), ShapeError);
    REQUIRE_THROWS_WITH(net.cost(wrong),
                        "DeepNet::cost: Y is 2x4, expected 1x4 (the shape of A[2]: n[2] x m)");
    REQUIRE_THROWS_WITH(net.backward(Matrix<double>::Zero(1, 3)),
                        "DeepNet::backward: Y is 1x3, expected 1x4 (the shape of A[2]: n[2] x m)");
  }
  SECTION("values") {
    Y(0, 2) = not_a_number;
    REQUIRE_THROWS_WITH(net.cost(Y),
                        "DeepNet::cost: Y(0, 2) is nan; targets must be finite numbers");
    Y(0, 2) = 3;
    REQUIRE_THROWS_AS(net.backward(Y), DataError);
    REQUIRE_THROWS_WITH(net.backward(Y),
                        "DeepNet::backward: Y(0, 2) is 3, but "
                        "BinaryCrossEntropy needs labels that are 0 or 1");
  }
  SECTION("one-hot columns for categorical cross-entropy") {
    DeepNet<double> softmax({3, 3}, Activation::ReLU, Activation::Softmax);
    softmax.forward(X);
    Matrix<double> onehot = Matrix<double>::Zero(3, 4);
    onehot.row(0).setOnes();
    CHECK_NOTHROW(softmax.backward(onehot));
    onehot(1, 3) = 1;
    REQUIRE_THROWS_WITH(softmax.cost(onehot), Contains("column 3 of Y has 2 ones"));
  }
}

TEST_CASE("the cycle forward, cost, backward, update must run in that order",
          "[deep_net][errors]") {
  DeepNet<double> net = small_net();
  const Matrix<double> X = Matrix<double>::Random(3, 4);
  const Matrix<double> Y = Matrix<double>::Zero(1, 4);
  REQUIRE_THROWS_AS(net.cost(Y), StateError);
  REQUIRE_THROWS_WITH(net.cost(Y),
                      "DeepNet::cost needs the caches of a forward pass over the "
                      "current weights: call forward(X) first");
  REQUIRE_THROWS_WITH(net.backward(Y), StartsWith("DeepNet::backward needs the caches"));
  REQUIRE_THROWS_AS(net.update(0.1), StateError);
  net.forward(X);
  REQUIRE_THROWS_WITH(net.update(0.1),
                      "DeepNet::update needs the gradients of the current "
                      "weights: call forward(X) and backward(Y) before each update");
  net.backward(Y);
  net.update(0.1);
  REQUIRE_THROWS_AS(net.update(0.1), StateError);  // gradients are stale now
  REQUIRE_THROWS_AS(net.backward(Y), StateError);  // so are the caches
  net.forward(X);
  CHECK_NOTHROW(net.backward(Y));
}

TEST_CASE("update: W := W - alpha dW and b := b - alpha db, with a valid alpha",
          "[deep_net][update][errors]") {
  DeepNet<double> net = small_net();
  const Matrix<double> X = Matrix<double>::Random(3, 4);
  const Matrix<double> Y = Matrix<double>::Ones(1, 4);
  net.forward(X);
  net.backward(Y);
  for (double bad : {0.0, -0.1, not_a_number, infinity}) {
    CAPTURE(bad);
    REQUIRE_THROWS_AS(net.update(bad), ConfigError);
  }
  REQUIRE_THROWS_WITH(net.update(-0.1),
                      "DeepNet::update: the learning rate must be a positive "
                      "finite number, got -0.1");
  const Matrix<double> W = net.layer(1).W(), dW = net.layer(1).dW();
  const Matrix<double> b = net.layer(2).b(), db = net.layer(2).db();
  net.update(0.25);
  CHECK_THAT(net.layer(1).W(), IsClose(Matrix<double>(W - 0.25 * dW), 1e-16));
  CHECK_THAT(Matrix<double>(net.layer(2).b()), IsClose(Matrix<double>(b - 0.25 * db), 1e-16));
}

TEST_CASE("forward keeps a view of X: backward reads X as it is then", "[deep_net][input]") {
  // The documented lifetime rule: X must stay alive and unchanged until backward. A view, not a
  // copy, is what makes mini-batches free; this test shows it is one.
  DeepNet<double> net = small_net();
  Matrix<double> X = Matrix<double>::Random(3, 8);
  const Matrix<double> Y = Matrix<double>::Ones(1, 4);
  net.forward(X.middleCols(2, 4));
  const Matrix<double> A1 = net.layer(1).A();
  X.middleCols(2, 4).setZero();  // breaks the rule on purpose
  net.backward(Y);
  // dW[1] = (1/m) dZ[1] X^T with the X of now, which is zero.
  CHECK(net.layer(1).dW().isZero(0));
  CHECK(A1.cwiseAbs().sum() > 0);
}

TEST_CASE("forward copies an expression once and keeps the copy until backward",
          "[deep_net][input]") {
  DeepNet<double> net = small_net();
  Matrix<double> X = Matrix<double>::Random(3, 4);
  const Matrix<double> Y = Matrix<double>::Ones(1, 4);
  net.forward(2.0 * X);  // an expression cannot be viewed
  X.setZero();
  net.backward(Y);
  CHECK_FALSE(net.layer(1).dW().isZero(0));

  DeepNet<float> floats({3, 4, 1});  // a double matrix given to a float network is converted
  floats.initialize(Init::He, 1);
  const Matrix<double> Xd = Matrix<double>::Random(3, 4);
  CHECK(floats.forward(Xd).cols() == 4);
}

TEST_CASE("forward accepts batches of any size, largest first or not", "[deep_net][input]") {
  DeepNet<double> net = small_net();
  const Blobs data(3, 200, 5);
  for (Index m : {128, 72, 1, 200, 64}) {
    CAPTURE(m);
    net.forward(data.X.leftCols(m));
    CHECK(net.m() == m);
    CHECK(net.layer(2).A().cols() == m);
    net.backward(data.Y.leftCols(m));
    CHECK_NOTHROW(net.check_shapes());
  }
}

TEST_CASE("predict: A[L] for new examples, leaving the training caches alone",
          "[deep_net][predict]") {
  DeepNet<double> net({3, 5, 2}, Activation::Tanh, Activation::Softmax);
  net.initialize(Init::Xavier, 8);
  const Matrix<double> X = Matrix<double>::Random(3, 6);
  Matrix<double> Y = Matrix<double>::Zero(2, 6);
  Y.row(1).setOnes();
  net.forward(X);
  const Matrix<double> cached = net.layer(2).A();
  const Matrix<double> other = Matrix<double>::Random(3, 9);
  const Matrix<double> predicted = net.predict(other);
  CHECK(predicted.rows() == 2);
  CHECK(predicted.cols() == 9);
  CHECK_THAT(Matrix<double>(net.layer(2).A()), IsClose(cached, 0.0));
  CHECK_NOTHROW(net.backward(Y));  // the caches still belong to X
  CHECK_THAT(net.predict(X), IsClose(cached, 1e-15));
}

TEST_CASE("classify and accuracy: threshold 0.5 for sigmoid, argmax for softmax",
          "[deep_net][predict]") {
  SECTION("sigmoid: logistic regression that predicts x0 > 0") {
    DeepNet<double> net({2, 1}, Activation::Sigmoid, Activation::Sigmoid);
    net.layer(1).W() << 10.0, 0.0;
    Matrix<double> X(2, 4);
    X << -1, 2, 0.5, -0.2, 7, 7, 7, 7;
    const deepnet::Labels labels = net.classify(X);
    CHECK(labels.rows() == 1);
    CHECK(labels(0, 0) == 0);
    CHECK(labels(0, 1) == 1);
    CHECK(labels(0, 2) == 1);
    CHECK(labels(0, 3) == 0);
    Matrix<double> Y(1, 4);
    Y << 0, 1, 0, 0;
    CHECK(net.accuracy(X, Y) == 0.75);
    REQUIRE_THROWS_WITH(net.accuracy(X, Matrix<double>::Zero(1, 3)),
                        "DeepNet::accuracy: Y is 1x3, expected 1x4 (the shape of A[1]: n[1] x m)");
    Y(0, 0) = 0.5;
    REQUIRE_THROWS_AS(net.accuracy(X, Y), DataError);
  }
  SECTION("softmax: the row of the largest activation") {
    DeepNet<double> net({3, 3}, Activation::ReLU, Activation::Softmax);
    net.layer(1).W() = Matrix<double>::Identity(3, 3);
    Matrix<double> X(3, 3);
    X << 1, 0, 0, 5, 0, 2, 2, 1, 1;
    const deepnet::Labels labels = net.classify(X);
    CHECK(labels.rows() == 1);
    CHECK(labels(0, 0) == 1);
    CHECK(labels(0, 1) == 2);
    CHECK(labels(0, 2) == 1);
    Matrix<double> Y = Matrix<double>::Zero(3, 3);
    Y(1, 0) = Y(2, 1) = Y(0, 2) = 1;
    CHECK_THAT(net.accuracy(X, Y), Catch::Matchers::WithinAbs(2.0 / 3.0, 1e-15));
  }
  SECTION("regression has no classes") {
    DeepNet<double> net({2, 1}, Activation::ReLU, Activation::Identity);
    REQUIRE_THROWS_AS(net.classify(Matrix<double>::Ones(2, 2)), ConfigError);
    REQUIRE_THROWS_WITH(
        net.classify(Matrix<double>::Ones(2, 2)),
        Contains("needs a Sigmoid or Softmax output layer; this network's is Identity"));
  }
}

TEST_CASE("accuracy counts examples: one is right only when all of its outputs are",
          "[deep_net][predict]") {
  SECTION("ten sigmoids on one-hot digits are not 90% right for predicting nothing") {
    // W = 0, b = 0: every A = sigmoid(0) = 0.5, not above 0.5, so every output says 0. Each
    // one-hot column has its 1 predicted 0: no example is right. (Counting entries gave 0.9.)
    DeepNet<double> net({4, 10});
    const Matrix<double> X = Matrix<double>::Random(4, 10);
    const Matrix<double> Y = Matrix<double>::Identity(10, 10);  // example j is digit j
    CHECK(net.accuracy(X, Y) == 0.0);
    // b(0) = 5: every example is predicted (1, 0, ..., 0), right only for digit 0: 1 of 10.
    // (Counting entries gave (10 + 9 * 8) / 100 = 0.82.)
    net.layer(1).b()(0) = 5.0;
    CHECK(net.accuracy(X, Y) == 0.1);
  }
  SECTION("multi-label: 2 of 3 examples with every label right") {
    // A = sigmoid(10 x - 5): output i is on exactly when x_i > 0.5, so classify(X) = X here.
    DeepNet<double> net({3, 3});
    net.layer(1).W() = 10.0 * Matrix<double>::Identity(3, 3);
    net.layer(1).b().setConstant(-5.0);
    Matrix<double> X(3, 3), Y(3, 3);
    X << 1, 0, 1,  //
        0, 0, 1,   //
        1, 0, 0;
    Y << 1, 0, 1,  //
        0, 0, 0,   // example 2: output 1 is on, its label is 0
        1, 0, 0;
    CHECK(net.classify(X) == X.cast<Index>());
    // Examples 0 and 1 are right, example 2 is not: 2/3 (entries would give 8/9).
    CHECK(net.accuracy(X, Y) == 2.0 / 3.0);
  }
  SECTION("a regression output has no accuracy") {
    DeepNet<double> net({2, 1}, Activation::ReLU, Activation::Identity);
    REQUIRE_THROWS_WITH(net.accuracy(Matrix<double>::Ones(2, 2), Matrix<double>::Ones(1, 2)),
                        "DeepNet::accuracy needs a Sigmoid or Softmax output layer; this "
                        "network's is Identity (a regression output): use predict");
  }
}

TEST_CASE("accuracy with integer labels: the same as with one_hot(labels)",
          "[deep_net][predict][labels]") {
  // A random 4 -> 6 -> 5 Softmax network and random labels of 5 classes: the overload for
  // Labels (chosen by type) gives what the one-hot overload gives.
  DeepNet<double> net({4, 6, 5}, Activation::Tanh, Activation::Softmax);
  net.initialize(Init::Xavier, 3);
  deepnet::Random random(4);
  Matrix<double> X(4, 50);
  deepnet::Labels labels(1, 50);
  for (Index j = 0; j < 50; ++j) {
    labels(0, j) = random.below(5);
    for (Index i = 0; i < 4; ++i)
      X(i, j) = random.normal();
  }
  const double expected = net.accuracy(X, deepnet::one_hot(labels, 5));
  CHECK(net.accuracy(X, labels) == expected);
  // classify's own output is right everywhere; any integer type is accepted.
  CHECK(net.accuracy(X, net.classify(X)) == 1.0);
  CHECK(net.accuracy(X, labels.cast<int>()) == expected);
  // By hand: the fraction of columns where classify equals the labels.
  CHECK(expected == static_cast<double>((net.classify(X).array() == labels.array()).count()) / 50);

  // A Sigmoid output takes its 0/1 labels as classify returns them, n[L] x m.
  DeepNet<double> binary({4, 1});
  binary.initialize(Init::Xavier, 5);
  const deepnet::Labels zeros = deepnet::Labels::Zero(1, 50);
  CHECK(binary.accuracy(X, zeros) == binary.accuracy(X, Matrix<double>::Zero(1, 50)));
  CHECK(binary.accuracy(X, binary.classify(X)) == 1.0);
}

TEST_CASE("accuracy with integer labels: a label out of range names its column and n[L]",
          "[deep_net][predict][labels][errors]") {
  DeepNet<double> net({2, 3}, Activation::ReLU, Activation::Softmax);
  net.initialize(Init::He, 1);
  const Matrix<double> X = Matrix<double>::Ones(2, 4);
  try {
    net.accuracy(X, (deepnet::Labels(1, 4) << 0, 2, 3, 1).finished());
    FAIL("no DataError");
  } catch (const DataError& e) {
    CHECK(std::string(e.what()) ==
          "DeepNet::accuracy: labels(0, 2) is 3, but the Softmax output has n[L] = 3 units: a "
          "label must be a class index 0..2");
    CHECK(e.symbol() == "labels");
    CHECK(e.col() == 2);
  }
  REQUIRE_THROWS_WITH(net.accuracy(X, (deepnet::Labels(1, 4) << 0, -1, 0, 0).finished()),
                      Contains("labels(0, 1) is -1"));
  REQUIRE_THROWS_WITH(net.accuracy(X, deepnet::Labels::Zero(1, 3)),
                      "DeepNet::accuracy: labels is 1x3, expected 1x4 (one class index 0..2 per "
                      "example of X; one-hot targets are a matrix of floating-point numbers)");
  REQUIRE_THROWS_AS(net.accuracy(X, deepnet::Labels::Zero(3, 4)), ShapeError);
  DeepNet<double> regression({2, 1}, Activation::ReLU, Activation::Identity);
  REQUIRE_THROWS_AS(regression.accuracy(X, deepnet::Labels::Zero(1, 4)), ConfigError);
}

TEST_CASE("class indices 0..9 as Y: the message says to use Softmax and one_hot",
          "[deep_net][fit][errors]") {
  Matrix<double> X = Matrix<double>::Random(2, 20), labels(1, 20);
  for (Index j = 0; j < 20; ++j)
    labels(0, j) = static_cast<double>(j % 10);  // every digit, twice
  SECTION("one sigmoid output: DataError at the first label that is not 0 or 1") {
    DeepNet<double> net({2, 1});
    net.initialize(Init::He, 1);
    const std::string advice =
        ", but BinaryCrossEntropy needs labels that are 0 or 1; Y looks like class indices "
        "0..9: for 10 exclusive classes, give the output layer 10 units with "
        "Activation::Softmax and make Y with deepnet::one_hot(labels, 10)";
    REQUIRE_THROWS_AS(net.fit(X, labels, FitOptions().iterations(1)), DataError);
    REQUIRE_THROWS_WITH(net.fit(X, labels, FitOptions().iterations(1)),
                        "DeepNet::fit: Y(0, 2) is 2" + advice);
    REQUIRE_THROWS_WITH(net.accuracy(X, labels), "DeepNet::accuracy: Y(0, 2) is 2" + advice);
    net.forward(X);
    REQUIRE_THROWS_WITH(net.cost(labels), "DeepNet::cost: Y(0, 2) is 2" + advice);
    // A stray 3 among 0/1 labels is a typo, not classes: no advice.
    Matrix<double> typo = (labels.array() > 4.5).cast<double>();
    typo(0, 7) = 3.0;
    REQUIRE_THROWS_WITH(net.cost(typo),
                        "DeepNet::cost: Y(0, 7) is 3, but BinaryCrossEntropy needs labels that "
                        "are 0 or 1");
  }
  SECTION("ten outputs: ShapeError that says to make Y one-hot") {
    DeepNet<double> sigmoid({2, 10});
    sigmoid.initialize(Init::He, 1);
    REQUIRE_THROWS_AS(sigmoid.fit(X, labels, FitOptions().iterations(1)), ShapeError);
    REQUIRE_THROWS_WITH(sigmoid.fit(X, labels, FitOptions().iterations(1)),
                        "DeepNet::fit: Y is 1x20, expected 10x20 (the shape of A[1]: n[1] x m; Y "
                        "looks like one row of class indices: make it one-hot with "
                        "deepnet::one_hot(labels, 10), and for exclusive classes give the output "
                        "layer Activation::Softmax)");
    REQUIRE_THROWS_WITH(sigmoid.accuracy(X, labels),
                        Contains("make it one-hot with deepnet::one_hot(labels, 10), and for "
                                 "exclusive classes give the output layer Activation::Softmax"));
    DeepNet<double> softmax({2, 10}, Activation::ReLU, Activation::Softmax);
    softmax.initialize(Init::He, 1);
    softmax.forward(X);
    REQUIRE_THROWS_WITH(softmax.cost(labels),
                        "DeepNet::cost: Y is 1x20, expected 10x20 (the shape of A[1]: n[1] x m; Y "
                        "looks like one row of class indices: make it one-hot with "
                        "deepnet::one_hot(labels, 10))");
  }
}

TEMPLATE_TEST_CASE("fit: the cost falls and the history records every step", "[deep_net][fit]",
                   float, double) {
  DeepNet<TestType> net({4, 6, 3, 1});
  net.initialize(Init::He, 2);
  const Blobs data(4, 100, 9);
  const Matrix<TestType> X = data.X.cast<TestType>(), Y = data.Y.cast<TestType>();
  const deepnet::History history = net.fit(X, Y, FitOptions().learning_rate(0.05).iterations(300));
  REQUIRE(history.cost.size() == 300);
  CHECK_FALSE(history.stopped_early);
  CHECK(history.cost.back() < 0.5 * history.cost.front());
  CHECK(net.accuracy(X, Y) > 0.95);
}

TEST_CASE("fit: prints the course's line every print_every steps and after the last",
          "[deep_net][fit]") {
  DeepNet<double> net = small_net();
  const Blobs data(3, 20, 1);
  std::ostringstream out;
  net.fit(data.X, data.Y, FitOptions().iterations(250).print_every(100).out(&out));
  const std::string text = out.str();
  CHECK_THAT(text, StartsWith("Cost after iteration 0: "));
  CHECK_THAT(text, Contains("\nCost after iteration 100: "));
  CHECK_THAT(text, Contains("\nCost after iteration 200: "));
  CHECK_THAT(text, Contains("\nCost after iteration 249: "));
  CHECK(std::count(text.begin(), text.end(), '\n') == 4);
  std::ostringstream silent;
  net.fit(data.X, data.Y, FitOptions().iterations(10).out(&silent));
  CHECK(silent.str().empty());
}

TEST_CASE("fit: a callback sees every step and can stop training", "[deep_net][fit]") {
  DeepNet<double> net = small_net();
  const Blobs data(3, 20, 1);
  std::vector<Index> seen;
  const auto history =
      net.fit(data.X, data.Y, FitOptions().iterations(100).callback([&](const deepnet::Step& step) {
        seen.push_back(step.iteration);
        return step.iteration == 4 ? deepnet::Control::Stop : deepnet::Control::Continue;
      }));
  CHECK(seen == std::vector<Index>{0, 1, 2, 3, 4});
  CHECK(history.cost.size() == 5);
  CHECK(history.stopped_early);
}

TEST_CASE("fit: rejects bad options and bad data before training", "[deep_net][fit][errors]") {
  DeepNet<double> net = small_net();
  const Blobs data(3, 20, 1);
  REQUIRE_THROWS_WITH(net.fit(data.X, data.Y, FitOptions().learning_rate(0)),
                      Contains("the learning rate must be a positive finite number, got 0"));
  REQUIRE_THROWS_WITH(net.fit(data.X, data.Y, FitOptions().iterations(-1)),
                      "DeepNet::fit: iterations must be 0 or more, got -1");
  CHECK(net.fit(data.X, data.Y, FitOptions().iterations(0)).cost.empty());
  REQUIRE_THROWS_WITH(net.fit(data.X, Matrix<double>::Zero(1, 19)),
                      "DeepNet::fit: Y is 1x19, expected 1x20 (the shape of A[2]: n[2] x m)");
  REQUIRE_THROWS_AS(net.fit(data.X.topRows(2), data.Y), ShapeError);
}

TEST_CASE("fit: a learning rate far too large stops with NumericalError, not NaN weights",
          "[deep_net][fit][errors]") {
  DeepNet<double> net({3, 8, 1}, Activation::ReLU, Activation::Identity);
  net.initialize(Init::He, 3);
  Blobs data(3, 50, 2);
  data.Y *= 1e6;
  REQUIRE_THROWS_AS(net.fit(data.X, data.Y, FitOptions().learning_rate(1e3).iterations(100)),
                    deepnet::NumericalError);
}

TEST_CASE("training is deterministic: same seed and data give identical bits",
          "[deep_net][determinism]") {
  const Blobs data(4, 64, 3);
  const auto train = [&] {
    DeepNet<double> net({4, 8, 4, 1});
    net.initialize(Init::ScaledNormal, 77);
    net.fit(data.X, data.Y, FitOptions().learning_rate(0.1).iterations(50));
    return net;
  };
  const DeepNet<double> a = train(), b = train();
  for (Index l = 1; l <= a.L(); ++l) {
    CHECK((a.layer(l).W().array() == b.layer(l).W().array()).all());
    CHECK((a.layer(l).b().array() == b.layer(l).b().array()).all());
  }
}

TEST_CASE("copies: keep weights and caches, but must run forward again before backward",
          "[deep_net]") {
  DeepNet<double> net = small_net();
  const Matrix<double> X = Matrix<double>::Random(3, 4);
  const Matrix<double> Y = Matrix<double>::Ones(1, 4);
  net.forward(2.0 * X);  // copied into the network's own storage
  DeepNet<double> copy = net;
  CHECK(copy.layer(1).W() == net.layer(1).W());
  REQUIRE_THROWS_AS(copy.backward(Y), StateError);
  DeepNet<double> moved = std::move(net);
  CHECK_NOTHROW(moved.backward(Y));  // a move keeps the view valid

  const DeepNet<float> single = copy.cast<float>();
  CHECK(single.dims() == copy.dims());
  CHECK(single.layer(1).W() == copy.layer(1).W().cast<float>());
}

TEST_CASE("fit and update refuse a network that was never initialised, whose weights are all zero",
          "[deep_net][fit][errors]") {
  // Without the check, such a network trained silently: every unit of a layer learned the same
  // thing and the cost stayed at log 2.
  const Blobs data(2, 40, 3);
  const std::string message =
      ": every weight is zero and initialize was never called, so the units of each layer "
      "would all learn the same thing; call net.initialize(Init::He, seed) (or another Init) "
      "before training";
  DeepNet<double> net({2, 4, 1});
  REQUIRE_THROWS_AS(net.fit(data.X, data.Y, FitOptions().iterations(5)), deepnet::StateError);
  REQUIRE_THROWS_WITH(net.fit(data.X, data.Y, FitOptions().iterations(5)),
                      "DeepNet::fit" + message);
  net.forward(data.X);
  net.backward(data.Y);
  REQUIRE_THROWS_WITH(net.update(0.1), "DeepNet::update" + message);
  CHECK(net.layer(1).W().isZero(0));  // nothing was trained

  SECTION("an explicit initialisation, even with zeros, is the caller's choice") {
    net.initialize(Init::Zeros, 1);
    const auto history = net.fit(data.X, data.Y, FitOptions().iterations(5));
    CHECK(history.cost.size() == 5);
  }
  SECTION("so are weights set by hand") {
    net.layer(1).W().setConstant(0.5);
    CHECK_NOTHROW(net.fit(data.X, data.Y, FitOptions().iterations(5)));
    CHECK_FALSE(net.layer(1).W().isApproxToConstant(0.5));
  }
  SECTION("and a copy or a cast of an initialised network stays initialised") {
    net.initialize(Init::Zeros, 1);
    DeepNet<double> copy = net;
    DeepNet<float> as_float = net.cast<float>();
    CHECK_NOTHROW(copy.fit(data.X, data.Y, FitOptions().iterations(2)));
    CHECK_NOTHROW(
        as_float.fit(data.X.cast<float>(), data.Y.cast<float>(), FitOptions().iterations(2)));
  }
}

TEST_CASE("summary: one row per layer, with the parameter counts and bytes",
          "[deep_net][summary]") {
  // layer_dims {3, 4, 2, 1}, dropout on layer 1, batch normalisation on layer 2. By hand:
  //   layer 1: W 4 x 3 = 12, b 4                    -> 16
  //   layer 2: W 2 x 4 = 8, gamma 2, beta 2         -> 12 (b unused); running mean, var: 4
  //   layer 3: W 1 x 2 = 2, b 1                     -> 3
  // trainable 16 + 12 + 3 = 31, buffers 4, bytes (31 + 4) x 8 = 280.
  // Column widths are those of the headers ("activation" 10, "output shape" 12, "W shape" 7,
  // "parameters" 10, "keep_prob" 9, "batch norm" 10), two spaces apart: the rules are
  // 1 + 5 + 10 + 12 + 7 + 10 + 9 + 10 + 7 x 2 = 78 characters.
  DeepNet<double> net({3, 4, 2, 1});
  net.set_keep_prob(1, 0.8);
  net.set_batch_norm(2);
  const std::string expected =
      "DeepNet<double>: L = 3 layers, n[0] = 3 inputs, loss BinaryCrossEntropy\n"
      "l  units  activation  output shape  W shape  parameters  keep_prob  batch norm\n" +
      std::string(78, '-') +
      "\n"
      "1  4      ReLU        4 x m         4 x 3    16          0.8        -\n"
      "2  2      ReLU        2 x m         2 x 4    12          -          yes\n"
      "3  1      Sigmoid     1 x m         1 x 2    3           -          -\n" +
      std::string(78, '=') +
      "\n"
      "Trainable parameters: 31\n"
      "Buffers (running statistics): 4\n"
      "Bytes: 280 (35 scalars of 8 bytes)\n";
  CHECK(net.summary() == expected);
  std::ostringstream out;
  net.summary(out);
  CHECK(out.str() == expected);
}

TEST_CASE("summary: the course's network in float, counts grouped by thousands",
          "[deep_net][summary]") {
  // {12288, 20, 7, 5, 1}: 12288 x 20 + 20 = 245,780; 20 x 7 + 7 = 147; 7 x 5 + 5 = 40;
  // 5 x 1 + 1 = 6; in all 245,973 parameters of 4 bytes, 983,892 bytes. No dropout and no
  // batch normalisation: no columns for them.
  DeepNet<float> net({12288, 20, 7, 5, 1});
  net.set_l2(0.7);
  const std::string text = net.summary();
  CHECK_THAT(text, StartsWith("DeepNet<float>: L = 4 layers, n[0] = 12288 inputs, loss "
                              "BinaryCrossEntropy, L2 lambda 0.7\n"
                              "l  units  activation  output shape  W shape     parameters\n"));
  CHECK_THAT(text, Contains("\n1  20     ReLU        20 x m        20 x 12288  245,780\n"));
  CHECK_THAT(text, Contains("\n4  1      Sigmoid     1 x m         1 x 5       6\n"));
  CHECK_THAT(text, Contains("Trainable parameters: 245,973\n"
                            "Buffers (running statistics): 0\n"
                            "Bytes: 983,892 (245,973 scalars of 4 bytes)\n"));
  CHECK(text.find("keep_prob") == std::string::npos);
}
