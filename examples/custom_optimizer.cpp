// custom_optimizer.cpp: an update rule that is not in the library, written here and trained by
// fit, with a validation set, early stopping and a checkpoint.
//
// What it shows
//   AdaGrad (Duchi, Hazan and Singer, 2011) keeps, for every parameter, the running sum s of
//   its squared gradients and divides each step by sqrt(s):
//     s += g^2;  theta -= alpha g / (sqrt(s) + epsilon)
//   It is a class derived from deepnet::Optimizer<double> with two parts: `update`, called for
//   every parameter k of every step, and the state hooks (`state_slots`, `state`) that let a
//   checkpoint save s under each parameter's name (s/W[1], s/b[1], ...). The program passes it
//   to fit as the last argument; everything else of fit works as with the built-in rules.
//   The same network is then trained with the library's Adam for comparison.
//
// How to run it
//   build/examples/custom_optimizer              300 epochs at most (early stopping after 30
//                                                epochs without a better validation cost)
//   build/examples/custom_optimizer --epochs 50  fewer epochs
//
// What it prints
//   For AdaGrad and for Adam: the epochs run, the best validation epoch, the training and
//   validation accuracy; then the epoch, the rule and the state matrices that the checkpoint
//   file holds (s/W[1] (16x2), s/b[1] (16x1), ...). Built with g++ 12 -O2, both rules separate
//   the two noisy spirals: 100% of the 600 training and 200 validation points after 300 epochs
//   (AdaGrad with alpha = 0.2, Adam with 0.01), the best validation cost near the last epoch.

#include <deepnet/deepnet.hpp>

#include "example_support.hpp"  // the command line and percentages

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

using deepnet::Index;
using examples::percent;
using Matrix = deepnet::Matrix<double>;

// The rule, written the way a program would write its own.
// [rule]
class AdaGrad : public deepnet::Optimizer<double> {
 public:
  explicit AdaGrad(double epsilon = 1e-8) : m_epsilon(epsilon) {}

  std::string name() const override { return "AdaGrad"; }

  // Parameter k (the k-th trainable entry of net.parameters(): W[1], b[1], W[2], ...).
  void update(Index k, deepnet::MatrixSpan<double> theta, deepnet::MatrixView<double> g,
              double alpha) override {
    Matrix& s = state("s", k, theta.rows(), theta.cols());
    s.array() += g.array().square();
    theta.array() -= alpha * g.array() / (s.array().sqrt() + m_epsilon);
  }

  // What a checkpoint saves and restores: one slot, "s", of each parameter's shape.
  std::vector<std::string> state_slots() const override { return {"s"}; }
  Matrix& state(const std::string& slot, Index k, Index rows, Index cols) override {
    if (slot != "s") return deepnet::Optimizer<double>::state(slot, k, rows, cols);
    if (static_cast<Index>(m_s.size()) <= k) m_s.resize(static_cast<std::size_t>(k + 1));
    Matrix& s = m_s[static_cast<std::size_t>(k)];
    if (s.rows() != rows || s.cols() != cols) s = Matrix::Zero(rows, cols);  // first step
    return s;
  }
  void reset() override { m_s.clear(); }

 private:
  double m_epsilon;
  std::vector<Matrix> m_s;
};
// [end]

// Two interleaved spirals, m points in all, with a little Gaussian noise: X is 2 x m.
void spirals(Index m, deepnet::Random& random, Matrix& X, Matrix& Y) {
  X.resize(2, m);
  Y.resize(1, m);
  for (Index j = 0; j < m; ++j) {
    const double t = 1.0 + 5.0 * random.uniform();  // the angle: about a turn
    const double sign = j % 2 == 0 ? 1.0 : -1.0;    // the second spiral is the first turned
    X(0, j) = sign * t * std::cos(t) / 6.0 + 0.08 * random.normal();
    X(1, j) = sign * t * std::sin(t) / 6.0 + 0.08 * random.normal();
    Y(0, j) = j % 2 == 0 ? 1.0 : 0.0;
  }
}

deepnet::DeepNet<double> network() {
  deepnet::DeepNet<double> net({2, 16, 16, 1}, deepnet::Activation::Tanh,
                               deepnet::Activation::Sigmoid);
  net.initialize(deepnet::Init::Xavier, 1);
  return net;
}

void report(const char* rule, const deepnet::History& history, const deepnet::DeepNet<double>& net,
            const Matrix& X, const Matrix& Y, const Matrix& X_val, const Matrix& Y_val) {
  std::cout << rule << ": " << history.epochs.size() << " epochs"
            << (history.stopped_early ? " (early stopping)" : "") << ", best validation epoch "
            << history.best_epoch << ", accuracy " << percent(net.accuracy(X, Y)) << " training, "
            << percent(net.accuracy(X_val, Y_val)) << " validation\n";
}

}  // namespace

int main(int argc, char** argv) {
  Index epochs = 300;
  const std::vector<examples::Flag> flags = {
      examples::integer_flag("--epochs", "N", epochs, 1, "the most epochs to train (300)")};
  if (const auto status = examples::parse_flags(argc, argv, flags)) return *status;

  deepnet::Random random(5);
  Matrix X, Y, X_val, Y_val;
  spirals(600, random, X, Y);
  spirals(200, random, X_val, Y_val);

  const std::string checkpoint = "custom_optimizer.dnet";
  const auto options = deepnet::FitOptions()
                           .epochs(epochs)
                           .batch_size(32)
                           .learning_rate(0.2)
                           .seed(2)
                           .early_stopping(30)
                           .checkpoint(checkpoint);

  // The program's rule: passed to fit after the options.
  // [fit]
  deepnet::DeepNet<double> with_adagrad = network();
  AdaGrad adagrad;
  const deepnet::History adagrad_history = with_adagrad.fit(X, Y, X_val, Y_val, options, adagrad);
  // [end]
  report("AdaGrad", adagrad_history, with_adagrad, X, Y, X_val, Y_val);

  // What the checkpoint of the last epoch holds: the rule's name and its state by name.
  const deepnet::Checkpoint<double> saved = deepnet::load_checkpoint<double>(checkpoint);
  std::cout << "checkpoint " << checkpoint << ": epoch " << saved.state.epoch << ", rule "
            << saved.state.optimizer_name << ", state";
  for (const auto& [name, s] : saved.state.optimizer_state)
    std::cout << ' ' << name << " (" << s.rows() << 'x' << s.cols() << ')';
  std::cout << '\n';
  std::remove(checkpoint.c_str());

  // The library's Adam, for comparison: the same options but the rule.
  deepnet::DeepNet<double> with_adam = network();
  const deepnet::History adam_history =
      with_adam.fit(X, Y, X_val, Y_val,
                    deepnet::FitOptions(options).checkpoint("").learning_rate(0.01).optimizer(
                        deepnet::OptimizerSettings::adam()));
  report("Adam   ", adam_history, with_adam, X, Y, X_val, Y_val);
  return 0;
}
