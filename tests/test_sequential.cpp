// Sequential: the same network as a DeepNet (an implementation written apart, as a cross-check
// of both), the golden numbers of the NumPy reference, the parameter registry, the optimizer's
// order, prediction, and the errors with the module they name.
#include "support/test_support.hpp"

#include "support/sequential_of.hpp"

#include <deepnet/core/deep_net.hpp>
#include <deepnet/core/sequential.hpp>
#include <deepnet/modules/activation.hpp>
#include <deepnet/modules/batch_norm.hpp>
#include <deepnet/modules/dense.hpp>
#include <deepnet/modules/dropout.hpp>

#include "support/golden.hpp"

#include <memory>
#include <string>
#include <vector>

namespace {

namespace sm = deepnet::modules;
using Catch::Matchers::Contains;
using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::Index;
using deepnet::Init;
using deepnet::Loss;
using deepnet::Matrix;
using deepnet::Sequential;
using deepnet_test::IsClose;

Matrix<double> sequential_inputs(Index n, Index m, unsigned seed) {
  std::srand(seed);
  return Matrix<double>::Random(n, m);
}

template <class Scalar>
void check_same_step(DeepNet<Scalar>& net, const Matrix<Scalar>& X, const Matrix<Scalar>& Y,
                     double tol) {
  Sequential<Scalar> seq = deepnet_test::sequential_of(net);
  net.forward(X);
  seq.forward(X);
  CHECK_THAT(Matrix<Scalar>(seq.A(seq.size())),
             IsClose(Matrix<Scalar>(net.layer(net.L()).A()), tol));
  CHECK_THAT(static_cast<double>(seq.cost(Y)),
             Catch::Matchers::WithinRel(static_cast<double>(net.cost(Y)), tol));
  net.backward(Y);
  seq.backward(Y);
  const auto expected = net.parameters();
  const auto actual = seq.parameters();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(expected[i].name << " and " << actual[i].name);
    CHECK_THAT(Matrix<Scalar>(actual[i].gradient),
               IsClose(Matrix<Scalar>(expected[i].gradient), tol));
    CHECK_THAT(Matrix<Scalar>(actual[i].value), IsClose(Matrix<Scalar>(expected[i].value), tol));
  }
  // One Adam step each: the optimizer sees the parameters in the same order.
  deepnet::Adam<Scalar> adam_net, adam_seq;
  net.update(adam_net, 0.01);
  seq.update(adam_seq, 0.01);
  const auto updated = net.parameters();
  const auto seq_updated = seq.parameters();
  for (std::size_t i = 0; i < updated.size(); ++i) {
    INFO(updated[i].name);
    CHECK_THAT(Matrix<Scalar>(seq_updated[i].value),
               IsClose(Matrix<Scalar>(updated[i].value), tol));
  }
  // Prediction: running statistics for batch normalisation, as DeepNet::predict.
  CHECK_THAT(seq.predict(X), IsClose(net.predict(X), tol));
}

}  // namespace

TEMPLATE_TEST_CASE("sequential: the Sequential of a DeepNet gives its A, cost, gradients and steps",
                   "[sequential]", float, double) {
  const double tol = std::is_same<TestType, float>::value ? 1e-5 : 1e-13;
  const Matrix<TestType> X = sequential_inputs(4, 9, 31).cast<TestType>();
  SECTION("ReLU hidden layers, Sigmoid output, binary cross-entropy (fused dZ)") {
    DeepNet<TestType> net({4, 5, 3, 2}, Activation::ReLU, Activation::Sigmoid);
    net.initialize(Init::He, 1);
    Matrix<TestType> Y = (sequential_inputs(2, 9, 32).array() > 0).cast<TestType>();
    check_same_step(net, X, Y, tol);
  }
  SECTION("tanh, Softmax output, categorical cross-entropy, batch normalisation") {
    DeepNet<TestType> net({4, 6, 5, 3}, Activation::Tanh, Activation::Softmax);
    net.initialize(Init::Xavier, 2);
    net.set_batch_norm(1);
    net.set_batch_norm(3);
    net.layer(1).batch_norm().gamma().setConstant(TestType(1.5));
    Matrix<TestType> Y = Matrix<TestType>::Zero(3, 9);
    for (Index j = 0; j < 9; ++j)
      Y(j % 3, j) = 1;
    check_same_step(net, X, Y, tol);
  }
  SECTION("LeakyReLU hidden layer, Sigmoid output, mean squared error (chained dZ)") {
    DeepNet<TestType> net({4, 7, 2}, {Activation::LeakyReLU, Activation::Sigmoid},
                          Loss::MeanSquaredError);
    net.initialize(Init::ScaledNormal, 3);
    const Matrix<TestType> Y = sequential_inputs(2, 9, 33).cast<TestType>().array().abs();
    check_same_step(net, X, Y, tol);
  }
}

TEST_CASE("sequential: initialize draws the W of a DeepNet with the same sizes, init and seed",
          "[sequential][init]") {
  for (const Init init : {Init::Small, Init::ScaledNormal, Init::He, Init::Xavier}) {
    DeepNet<double> net({5, 4, 3, 1});
    net.initialize(init, 77);
    Sequential<double> seq(5);
    seq.add<sm::Dense>(4)
        .add<sm::ReLU>()
        .add<sm::Dense>(3)
        .add<sm::ReLU>()
        .add<sm::Dense>(1)
        .add<sm::Sigmoid>();
    seq.initialize(init, 77);
    const auto expected = net.parameters();
    const auto actual = seq.parameters();
    REQUIRE(expected.size() == actual.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
      CHECK(Matrix<double>(actual[i].value) == Matrix<double>(expected[i].value));
  }
}

TEMPLATE_TEST_CASE("sequential: golden forward, cost and backward of the NumPy reference",
                   "[sequential][golden]", float, double) {
  const double tol = std::is_same<TestType, float>::value ? 1e-4 : 1e-12;
  for (const char* name : {"sequential_softmax", "sequential_sigmoid"}) {
    CAPTURE(name);
    const deepnet_test::Fixture fixture = deepnet_test::find_case("sequential.txt", name);
    const auto X = deepnet_test::as<TestType>(fixture.matrix("X"));
    const auto Y = deepnet_test::as<TestType>(fixture.matrix("Y"));
    Sequential<TestType> net(X.rows());
    const std::vector<std::string>& spec = fixture.field("modules");
    for (const std::string& word : spec) {
      if (word.rfind("dense", 0) == 0) {
        const Index units = std::stoll(word.substr(word.find(':') + 1));
        net.template add<sm::Dense>(
            units, word.rfind("dense_nobias", 0) == 0 ? sm::Bias::Without : sm::Bias::With);
      } else if (word == "batch_norm") {
        net.template add<sm::BatchNorm>();
      } else if (word == "relu") {
        net.template add<sm::ReLU>();
      } else if (word == "tanh") {
        net.template add<sm::Tanh>();
      } else if (word == "sigmoid") {
        net.template add<sm::Sigmoid>();
      } else if (word == "softmax") {
        net.template add<sm::Softmax>();
      } else {
        FAIL("unknown module " << word);
      }
    }
    // The fixture's parameters by registry name: W1, b1, gamma4, ...
    for (auto& entry : net.parameters()) {
      const std::string key = entry.symbol + std::to_string(entry.layer);
      if (entry.trainable) entry.value = deepnet_test::as<TestType>(fixture.matrix(key));
    }
    net.forward(X);
    for (Index k = 1; k <= net.size(); ++k) {
      INFO("module " << k);
      CHECK_THAT(Matrix<TestType>(net.A(k)),
                 IsClose(deepnet_test::as<TestType>(fixture.matrix("A", k)), tol));
    }
    CHECK_THAT(static_cast<double>(net.cost(Y)),
               Catch::Matchers::WithinRel(fixture.scalar("cost"), tol));
    net.backward(Y);
    // dA[k] for every module but the last, whose fused gradient goes straight to dA[K-1].
    for (Index k = 1; k < net.size(); ++k) {
      INFO("module " << k);
      CHECK_THAT(Matrix<TestType>(net.dA(k)),
                 IsClose(deepnet_test::as<TestType>(fixture.matrix("dA", k)), tol));
    }
    for (const auto& entry : net.parameters()) {
      INFO(entry.name);
      const std::string key = entry.symbol + std::to_string(entry.layer);
      const std::string gradient = (entry.trainable ? "d" : "") + key;
      CHECK_THAT(Matrix<TestType>(entry.trainable ? entry.gradient : entry.value),
                 IsClose(deepnet_test::as<TestType>(fixture.matrix(gradient)), tol));
    }
  }
}

TEST_CASE("sequential: the registry names tensors symbol[k] and update walks it in order",
          "[sequential][parameters]") {
  Sequential<double> net(3);
  net.add<sm::Dense>(4).add<sm::Tanh>().add<sm::Dense>(2, sm::Bias::Without).add<sm::BatchNorm>();
  std::vector<std::string> names;
  for (const auto& entry : net.parameters())
    names.push_back(entry.name);
  CHECK(names == std::vector<std::string>{"W[1]", "b[1]", "W[3]", "gamma[4]", "beta[4]",
                                          "running_mean[4]", "running_var[4]"});
  // An optimizer sees k = 0..4 with the trainable entries' shapes, in that order.
  struct Recorder : deepnet::Optimizer<double> {
    std::string name() const override { return "Recorder"; }
    void update(Index k, deepnet::MatrixSpan<double> theta, deepnet::MatrixView<double>,
                double) override {
      seen.push_back({k, theta.rows(), theta.cols()});
    }
    std::vector<std::vector<Index>> seen;
  } recorder;
  net.initialize(Init::Xavier, 1);
  const Matrix<double> X = sequential_inputs(3, 5, 34);
  const Matrix<double> Y = sequential_inputs(2, 5, 35);
  net.forward(X);
  net.backward(Y);
  net.update(recorder, 0.1);
  CHECK(recorder.seen ==
        std::vector<std::vector<Index>>{{0, 4, 3}, {1, 4, 1}, {2, 2, 4}, {3, 2, 1}, {4, 2, 1}});
  CHECK_THROWS_AS(net.update(recorder, 0.1), deepnet::StateError);  // backward first
}

TEST_CASE("sequential: classify, accuracy and summary", "[sequential]") {
  Sequential<double> net(2);
  net.add<sm::Dense>(3).add<sm::Softmax>();
  net.initialize(Init::Xavier, 5);
  const Matrix<double> X = sequential_inputs(2, 6, 36);
  const Matrix<double> A = net.predict(X);
  const deepnet::Labels labels = net.classify(X);
  Matrix<double> Y = Matrix<double>::Zero(3, 6);
  for (Index j = 0; j < 6; ++j) {
    Index row = 0;
    A.col(j).maxCoeff(&row);
    CHECK(labels(0, j) == row);
    Y(j < 4 ? row : (row + 1) % 3, j) = 1;  // 4 of the 6 right
  }
  CHECK(net.accuracy(X, Y) == Approx(4.0 / 6.0));
  const std::string table = net.summary();
  CHECK_THAT(table, Contains("Sequential<double>: 2 modules, n[0] = 2 inputs, loss "
                             "CategoricalCrossEntropy"));
  CHECK_THAT(table, Contains("Dense    3 x m         9"));
  CHECK_THAT(table, Contains("Trainable parameters: 9"));
  Sequential<double> regression(2);
  regression.add<sm::Dense>(1);
  CHECK_THROWS_WITH(regression.classify(X), Contains("needs a Sigmoid or Softmax last module"));
}

TEST_CASE("sequential: errors name the module, the symbol and both shapes",
          "[sequential][errors]") {
  Sequential<double> net(4);
  net.add<sm::Dense>(3).add<sm::ReLU>().add<sm::Dense>(2).add<sm::Sigmoid>();
  net.initialize(Init::He, 1);
  const Matrix<double> X = sequential_inputs(4, 5, 37);
  SECTION("wrong input size") {
    const Matrix<double> wrong = sequential_inputs(3, 5, 38);
    CHECK_THROWS_WITH(net.forward(wrong),
                      "Sequential::forward: module 1 (Dense): X is 3x5, expected 4x5 (n[0] = 4 "
                      "rows, one column per example)");
    CHECK_THROWS_AS(net.predict(wrong), deepnet::ShapeError);
  }
  SECTION("transposed X") {
    const Matrix<double> transposed = X.transpose();
    CHECK_THROWS_WITH(net.forward(transposed),
                      "Sequential::forward: module 1 (Dense): X is 5x4, expected 4x5 (n[0] x m = "
                      "4 x m: samples are columns; is X transposed? use X.transpose())");
  }
  SECTION("wrong Y shape, and Y before forward") {
    const Matrix<double> Y = Matrix<double>::Zero(2, 5);
    CHECK_THROWS_AS(net.cost(Y), deepnet::StateError);
    net.forward(X);
    const Matrix<double> short_Y = Matrix<double>::Zero(2, 4);
    CHECK_THROWS_WITH(net.cost(short_Y),
                      "Sequential::cost: module 4 (Sigmoid): Y is 2x4, expected 2x5 (the shape of "
                      "A[4]: n[4] x m)");
    const Matrix<double> transposed = Matrix<double>::Zero(5, 2);
    CHECK_THROWS_WITH(net.backward(transposed), Contains("is Y transposed? use Y.transpose()"));
    const Matrix<double> labels = Matrix<double>::Constant(2, 5, 2.0);
    CHECK_THROWS_AS(net.backward(labels), deepnet::DataError);  // BCE needs 0 or 1
  }
  SECTION("a module whose output_size throws") {
    Sequential<double> other(4);
    other.add<sm::Dense>(3);
    CHECK_THROWS_WITH(other.add<sm::Dense>(5, 2, sm::Bias::With),
                      "Sequential::add: module 2 (Dense): Dense: built for 5 inputs, but the "
                      "module before it gives 3");
    CHECK(other.size() == 1);  // unchanged
  }
  SECTION("a built-in loss that does not fit the last module") {
    Sequential<double> other(4);
    other.add<sm::Dense>(2).add<sm::ReLU>();
    other.set_loss(Loss::BinaryCrossEntropy);
    other.forward(X);
    CHECK_THROWS_WITH(other.cost(Matrix<double>::Zero(2, 5)),
                      Contains("BinaryCrossEntropy needs a Sigmoid output layer, not ReLU"));
  }
  SECTION("module numbers, NaN, no modules, learning rate") {
    CHECK_THROWS_AS(net.module(0), std::out_of_range);
    CHECK_THROWS_AS(net.module(5), std::out_of_range);
    Matrix<double> bad = X;
    bad(2, 3) = std::nan("");
    CHECK_THROWS_WITH(net.forward(bad), Contains("X(2, 3) is nan"));
    static_cast<sm::Dense<double>&>(net.module(3)).W()(0, 0) = INFINITY;
    CHECK_THROWS_WITH(net.forward(X), Contains("Sequential::forward: module 3 (Dense): the output "
                                               "has NaN or infinite values"));
    Sequential<double> empty(4);
    CHECK_THROWS_WITH(empty.forward(X),
                      "Sequential::forward: the network has no modules; add them with "
                      "add<modules::Dense>(units), add<modules::ReLU>(), ...");
    CHECK_THROWS_WITH(sm::Dropout<double>(1.5), "Dropout: keep_prob must be in (0, 1], got 1.5");
    CHECK_THROWS_WITH(sm::Dense<double>(0),
                      "Dense: units must be at least 1 and inputs positive, got units = 0, "
                      "inputs = 0");
    CHECK_THROWS_WITH(sm::ReLU<double>().output_size(0),
                      "ReLU: the input size must be at least 1, got 0");
    CHECK_THROWS_WITH(net.module(0),
                      "Sequential: module 0 does not exist; modules are numbered 1..4");
  }
  SECTION("a module that gives no outputs, and calls out of order") {
    struct Nothing : deepnet::Module<double> {
      std::string name() const override { return "Nothing"; }
      Index output_size(Index) override { return 0; }
      void forward(View, Span, bool) override {}
      void backward(View, View, View, Span*) override {}
    };
    CHECK_THROWS_WITH(net.add<Nothing>(),
                      "Sequential::add: module 5 (Nothing) gives 0 outputs; a module needs at "
                      "least 1");
    CHECK_THROWS_WITH(net.update(0.1),
                      "Sequential::update needs the gradients of the current weights: call "
                      "forward(X) and backward(Y) before each update");
    CHECK_THROWS_WITH(net.cost(Matrix<double>::Zero(2, 5)),
                      "Sequential::cost needs the caches of a forward pass over the current "
                      "weights: call forward(X) first");
    Sequential<double> regression(4);
    regression.add<sm::Dense>(1);
    CHECK_THROWS_WITH(regression.classify(X),
                      "Sequential::classify needs a Sigmoid or Softmax last module; this "
                      "network's is Dense: use predict");
  }
}
