// Extension points: an update rule written by the program, passed to fit (docs/extending.md).
#include "support/test_support.hpp"

#include "support/temp_dir.hpp"

#include <deepnet/deepnet.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Catch::Matchers::Contains;
using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::FitOptions;
using deepnet::Index;
using deepnet::Matrix;
using deepnet::MatrixSpan;
using deepnet::MatrixView;

// Plain gradient descent written as a program would, counting its calls.
class CountingDescent : public deepnet::Optimizer<double> {
 public:
  std::string name() const override { return "CountingDescent"; }
  void begin_step() override { ++steps_begun; }
  void update(Index, MatrixSpan<double> theta, MatrixView<double> g, double alpha) override {
    theta.noalias() -= alpha * g;
    ++updates;
  }
  Index steps_begun = 0;
  Index updates = 0;
};

// AdaGrad (Duchi, Hazan and Singer, 2011), not a rule of the library:
// s += g^2;  theta -= alpha g / (sqrt(s) + epsilon). Its state is checkpointed by name.
template <class Scalar>
class AdaGrad : public deepnet::Optimizer<Scalar> {
 public:
  std::string name() const override { return "AdaGrad"; }
  void update(Index k, MatrixSpan<Scalar> theta, MatrixView<Scalar> g, Scalar alpha) override {
    Matrix<Scalar>& s = state("s", k, theta.rows(), theta.cols());
    s.array() += g.array().square();
    theta.array() -= alpha * g.array() / (s.array().sqrt() + Scalar(1e-8));
  }
  std::vector<std::string> state_slots() const override { return {"s"}; }
  Matrix<Scalar>& state(const std::string& slot, Index k, Index rows, Index cols) override {
    if (slot != "s") return deepnet::Optimizer<Scalar>::state(slot, k, rows, cols);
    if (static_cast<Index>(m_s.size()) <= k) m_s.resize(static_cast<std::size_t>(k + 1));
    Matrix<Scalar>& s = m_s[static_cast<std::size_t>(k)];
    if (s.rows() != rows || s.cols() != cols) s = Matrix<Scalar>::Zero(rows, cols);
    return s;
  }
  void reset() override { m_s.clear(); }

 private:
  std::vector<Matrix<Scalar>> m_s;
};

// Multiplies every parameter by 1e30 each step: the forward pass soon overflows.
class Exploding : public deepnet::Optimizer<double> {
 public:
  std::string name() const override { return "Exploding"; }
  void update(Index, MatrixSpan<double> theta, MatrixView<double>, double) override {
    theta *= 1e30;
  }
};

// Leaves the parameters as they are: the validation cost never improves.
class Standing : public deepnet::Optimizer<double> {
 public:
  std::string name() const override { return "Standing"; }
  void update(Index, MatrixSpan<double>, MatrixView<double>, double) override {}
};

template <class Scalar>
void examples(Matrix<Scalar>& X, Matrix<Scalar>& Y, Index m, std::uint64_t seed) {
  deepnet::Random random(seed);
  X.resize(3, m);
  Y.resize(1, m);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < 3; ++i)
      X(i, j) = static_cast<Scalar>(random.normal());
    Y(0, j) = X(0, j) * X(1, j) > 0 ? Scalar(1) : Scalar(0);
  }
}

template <class Scalar>
DeepNet<Scalar> network(std::uint64_t seed) {
  DeepNet<Scalar> net({3, 5, 1}, Activation::Tanh, Activation::Sigmoid);
  net.initialize(deepnet::Init::Xavier, seed);
  return net;
}

template <class Scalar>
bool same_bits(const Matrix<Scalar>& a, const Matrix<Scalar>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(Scalar) * static_cast<std::size_t>(a.size())) == 0;
}

}  // namespace

TEST_CASE("fit uses an update rule of the program's", "[extending][optimizer]") {
  Matrix<double> X, Y;
  examples(X, Y, 40, 1);
  const FitOptions options = FitOptions().epochs(3).batch_size(16).learning_rate(0.1).seed(2);

  DeepNet<double> built_in = network<double>(4);
  built_in.fit(X, Y, options);  // GradientDescent, the default
  DeepNet<double> own = network<double>(4);
  CountingDescent rule;
  own.fit(X, Y, options, rule);

  // 3 epochs of 3 batches (16, 16, 8); 2 layers of W and b: 4 parameters per step.
  CHECK(rule.steps_begun == 9);
  CHECK(rule.updates == 36);
  for (Index l = 1; l <= 2; ++l) {
    CHECK(same_bits<double>(own.layer(l).W(), built_in.layer(l).W()));
    CHECK(same_bits<double>(own.layer(l).b(), built_in.layer(l).b()));
  }
}

TEST_CASE("a user's AdaGrad: one step of fit is the formula, computed apart",
          "[extending][optimizer]") {
  Matrix<double> X, Y;
  examples(X, Y, 30, 3);
  DeepNet<double> net = network<double>(5);
  DeepNet<double> probe = net;  // the gradients at the start, full batch
  probe.forward(X);
  probe.backward(Y);
  AdaGrad<double> rule;
  net.fit(X, Y, FitOptions().epochs(1).learning_rate(0.05), rule);
  // From s = 0: s = g^2, so theta - alpha g / (|g| + 1e-8).
  for (Index l = 1; l <= 2; ++l) {
    const Matrix<double>& g = probe.layer(l).dW();
    const Matrix<double> expected =
        (probe.layer(l).W().array() - 0.05 * g.array() / (g.array().abs() + 1e-8)).matrix();
    CHECK_THAT(net.layer(l).W(), deepnet_test::IsClose(expected, 1e-14));
  }
}

TEST_CASE("validation, early stopping and the divergence guard work with a user's rule",
          "[extending][optimizer]") {
  Matrix<double> X, Y, X_val, Y_val;
  examples(X, Y, 40, 6);
  examples(X_val, Y_val, 20, 7);

  SECTION("early stopping") {
    DeepNet<double> net = network<double>(8);
    Standing rule;  // the validation cost stays where it is: it improves once, at epoch 0
    const deepnet::History history =
        net.fit(X, Y, X_val, Y_val, FitOptions().epochs(50).early_stopping(2), rule);
    CHECK(history.stopped_early);
    CHECK(history.epochs.size() == 3);
    CHECK(history.best_epoch == 0);
    CHECK(std::isfinite(history.epochs.back().val_cost));
  }
  SECTION("divergence") {
    DeepNet<double> net = network<double>(8);
    Exploding rule;
    CHECK_THROWS_AS(net.fit(X, Y, FitOptions().epochs(20), rule), deepnet::DivergenceError);
    for (Index l = 1; l <= 2; ++l)
      CHECK(net.layer(l).W().allFinite());  // the last parameters whose cost was finite
  }
}

TEST_CASE("a user's rule is checkpointed by name and resumes bit for bit",
          "[extending][optimizer][checkpoint]") {
  deepnet_test::TempDir dir;
  const std::string path = dir.file("adagrad.dnet");
  Matrix<float> X, Y;
  examples(X, Y, 50, 9);
  const FitOptions options = FitOptions().batch_size(16).learning_rate(0.05).seed(11);

  DeepNet<float> whole = network<float>(12);
  AdaGrad<float> rule_whole;
  whole.fit(X, Y, FitOptions(options).epochs(4), rule_whole);

  DeepNet<float> first = network<float>(12);
  AdaGrad<float> rule_first;
  first.fit(X, Y, FitOptions(options).epochs(2).checkpoint(path), rule_first);
  const deepnet::Checkpoint<float> saved = deepnet::load_checkpoint<float>(path);
  REQUIRE(saved.has_state);
  CHECK(saved.state.custom_optimizer);
  CHECK(saved.state.optimizer_name == "AdaGrad");
  REQUIRE(saved.state.optimizer_state.size() == 4);
  CHECK(saved.state.optimizer_state[0].first == "s/W[1]");

  DeepNet<float> resumed = network<float>(77);
  AdaGrad<float> rule_resumed;
  resumed.fit(X, Y, FitOptions(options).epochs(4).resume_from(path), rule_resumed);
  for (Index l = 1; l <= 2; ++l) {
    CHECK(same_bits<float>(resumed.layer(l).W(), whole.layer(l).W()));
    CHECK(same_bits<float>(resumed.layer(l).b(), whole.layer(l).b()));
  }

  DeepNet<float> other = network<float>(77);
  CHECK_THROWS_WITH(
      other.fit(X, Y, FitOptions(options).epochs(4).resume_from(path)),
      Contains("the checkpoint was trained with the update rule \"AdaGrad\" of the program's, "
               "this trainer uses GradientDescent; resume with the same optimizer"));
}
