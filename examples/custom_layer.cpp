// custom_layer.cpp: an activation, a layer and a loss that are not in the library, written here
// as modules of a Sequential network, gradient-checked, trained by fit, saved and reloaded.
//
// What it shows
//   - Swish, y = z sigmoid(z) (Ramachandran et al., 2017): a class derived from
//     deepnet::Module<double> with name, output_size, forward and backward.
//   - A residual block, y = x + W2 tanh(W1 x + b1) + b2: a module with parameters, which it
//     lists through for_each_tensor (so the optimizer and net.parameters() see W1[k], b1[k],
//     ...) and draws in initialize; it caches tanh(W1 x + b1) for its backward pass in storage
//     sized once by reserve(m).
//   - Binary cross-entropy with label smoothing: a deepnet::LossFunction<double> with cost and
//     gradient. The network chains its gradient through the Sigmoid module.
//   - gradient_check(net, X, Y) over every trainable entry, then net.fit with Adam, shuffled
//     mini-batches and a validation set, on two noisy spirals: the training loop of
//     DeepNet::fit, reaching the modules through the parameter registry. (The cost stays near
//     0.54 for about 50 epochs before the spirals come apart: early stopping with a small
//     patience would end the run on that plateau.)
//   - Saving: a model file holds built-in modules only (deepnet::save refuses Swish and the
//     residual block, naming them), so the tensors go to an .npz archive under their registry
//     names (save_npz) and come back into the same chain built anew (load_npz).
//
// How to run it
//   build/examples/custom_layer              200 epochs
//   build/examples/custom_layer --epochs 50  fewer epochs
//
// What it prints
//   The build, the network's summary, the gradient check's verdict and overall difference,
//   the cost every 50 epochs, the last validation cost, the training and validation accuracy, why
//   save refuses the network, and the accuracy of the network reloaded from custom_layer.npz (then
//   removed).

#include <deepnet/deepnet.hpp>

#include "example_support.hpp"  // the command line, percentages and the build line

#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

using deepnet::Index;
using examples::percent;
using Matrix = deepnet::Matrix<double>;
using View = deepnet::MatrixView<double>;
using Span = deepnet::MatrixSpan<double>;

// [swish]
// y = z sigmoid(z); dy/dz = s (1 + z (1 - s)) with s = sigmoid(z).
class Swish : public deepnet::Module<double> {
 public:
  std::string name() const override { return "Swish"; }
  Index output_size(Index input_size) override { return input_size; }
  void forward(View z, Span y, bool /*training*/) override {
    y.array() = z.array() * z.array().logistic();
  }
  void backward(View z, View /*y*/, View dy, Span* dz) override {
    if (dz == nullptr) return;  // the first module: nobody needs dJ/dX
    const auto s = z.array().logistic();
    dz->array() = dy.array() * s * (1.0 + z.array() * (1.0 - s));
  }
};
// [end]

// [residual]
// y = x + W2 h + b2 with h = tanh(W1 x + b1): n -> n, `hidden` units inside.
class Residual : public deepnet::Module<double> {
 public:
  explicit Residual(Index hidden) : m_hidden(hidden) {}

  std::string name() const override { return "Residual"; }

  Index output_size(Index n) override {
    m_W1 = Matrix::Zero(m_hidden, n);
    m_b1 = Matrix::Zero(m_hidden, 1);
    m_W2 = Matrix::Zero(n, m_hidden);
    m_b2 = Matrix::Zero(n, 1);
    m_dW1 = m_W1;
    m_db1 = m_b1;
    m_dW2 = m_W2;
    m_db2 = m_b2;
    return n;
  }

  // h and its gradient for up to m examples: forward and backward then allocate nothing.
  void reserve(Index m) override {
    m_h.resize(m_hidden, m);
    m_dh.resize(m_hidden, m);
  }

  void forward(View x, Span y, bool /*training*/) override {
    auto h = m_h.leftCols(x.cols());
    h.noalias() = m_W1 * x;
    h = (h.colwise() + m_b1.col(0)).array().tanh().matrix();
    y = x;
    y.noalias() += m_W2 * h;
    y.colwise() += m_b2.col(0);
  }

  // dy is m dJ/dy (the course's dA); parameter gradients carry the 1/m.
  void backward(View x, View /*y*/, View dy, Span* dx) override {
    const double inv_m = 1.0 / static_cast<double>(x.cols());
    const auto h = m_h.leftCols(x.cols());
    auto dh = m_dh.leftCols(x.cols());
    m_dW2.noalias() = inv_m * dy * h.transpose();
    m_db2 = inv_m * dy.rowwise().sum();
    dh.noalias() = m_W2.transpose() * dy;
    dh.array() *= 1.0 - h.array().square();  // tanh' = 1 - h^2
    m_dW1.noalias() = inv_m * dh * x.transpose();
    m_db1 = inv_m * dh.rowwise().sum();
    if (dx != nullptr) {
      *dx = dy;  // the identity path
      dx->noalias() += m_W1.transpose() * dh;
    }
  }

  // The registry names them W1[k], b1[k], W2[k], b2[k]; the optimizer updates them in order.
  void for_each_tensor(deepnet::TensorVisitor<double> visit) override {
    visit("W1", span(m_W1), span(m_dW1), true);
    visit("b1", span(m_b1), span(m_db1), true);
    visit("W2", span(m_W2), span(m_dW2), true);
    visit("b2", span(m_b2), span(m_db2), true);
  }

  void initialize(deepnet::Init init, deepnet::Random& random) override {
    deepnet::initialize_weights(init, m_W1, random);
    deepnet::initialize_weights(init, m_W2, random);
    m_b1.setZero();
    m_b2.setZero();
  }

 private:
  static Span span(Matrix& M) { return Span(M.data(), M.rows(), M.cols()); }

  Index m_hidden;
  Matrix m_W1, m_b1, m_W2, m_b2, m_dW1, m_db1, m_dW2, m_db2, m_h, m_dh;
};
// [end]

// [loss]
// Binary cross-entropy against smoothed labels y' = (1 - s) y + s / 2: J = -(1/m) sum
// [y' log a + (1 - y') log(1 - a)], dA = m dJ/dA = (a - y') / (a (1 - a)).
class SmoothedBCE : public deepnet::LossFunction<double> {
 public:
  explicit SmoothedBCE(double smoothing) : m_s(smoothing) {}
  std::string name() const override { return "SmoothedBCE"; }
  double cost(View A, const Targets& Y) const override {
    const auto y = (1.0 - m_s) * Y.array() + 0.5 * m_s;
    const auto a = A.array();
    return -(y * a.log() + (1.0 - y) * (1.0 - a).log()).sum() / static_cast<double>(A.cols());
  }
  void gradient(View A, const Targets& Y, Span dA) const override {
    const auto y = (1.0 - m_s) * Y.array() + 0.5 * m_s;
    const auto a = A.array();
    dA.array() = (a - y) / (a * (1.0 - a));
  }

 private:
  double m_s;
};
// [end]

// The network: 2 inputs, Dense(16), Swish, a residual block of 16, Dense(1), Sigmoid, trained
// on binary cross-entropy with label smoothing.
deepnet::Sequential<double> spiral_network() {
  // [network]
  namespace nn = deepnet::modules;
  deepnet::Sequential<double> net(2);
  net.add<nn::Dense>(16).add<Swish>().add<Residual>(16).add<nn::Dense>(1).add<nn::Sigmoid>();
  net.set_loss(SmoothedBCE(0.05));
  // [end]
  return net;
}

// Two interleaved spirals, m points in all, with a little Gaussian noise: X is 2 x m.
void spirals(Index m, deepnet::Random& random, Matrix& X, Matrix& Y) {
  X.resize(2, m);
  Y.resize(1, m);
  for (Index j = 0; j < m; ++j) {
    const double t = 1.0 + 5.0 * random.uniform();
    const double sign = j % 2 == 0 ? 1.0 : -1.0;
    X(0, j) = sign * t * std::cos(t) / 6.0 + 0.08 * random.normal();
    X(1, j) = sign * t * std::sin(t) / 6.0 + 0.08 * random.normal();
    Y(0, j) = j % 2 == 0 ? 1.0 : 0.0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Index epochs = 200;
  const std::vector<examples::Flag> flags = {
      examples::integer_flag("--epochs", "N", epochs, 1, "the epochs to train (200)")};
  if (const auto status = examples::parse_flags(argc, argv, flags)) return *status;
  std::cout << examples::build_line() << "\n\n";

  deepnet::Random random(5);
  Matrix X, Y, X_val, Y_val;
  spirals(600, random, X, Y);
  spirals(200, random, X_val, Y_val);

  deepnet::Sequential<double> net = spiral_network();
  net.initialize(deepnet::Init::Xavier, 1);
  std::cout << net.summary() << '\n';

  // Every trainable entry of the registry against central differences, on 8 examples.
  const Matrix X_check = X.leftCols(8);
  const Matrix Y_check = Y.leftCols(8);
  const deepnet::GradientCheckReport check = deepnet::gradient_check(net, X_check, Y_check);
  std::cout << "gradient check " << (check.passed() ? "passed" : "FAILED")
            << ": overall difference " << check.overall.difference << " over "
            << check.entries.size() << " tensors\n\n";
  if (!check.passed()) {
    std::cout << check;
    return 1;
  }

  // [fit]
  const deepnet::History history = net.fit(X, Y, X_val, Y_val,
                                           deepnet::FitOptions()
                                               .epochs(epochs)
                                               .batch_size(32)
                                               .learning_rate(0.01)
                                               .optimizer(deepnet::OptimizerSettings::adam())
                                               .seed(2)
                                               .print_every(50));
  // [end]
  std::cout << "\nvalidation cost " << history.epochs.back().val_cost << "; accuracy "
            << percent(net.accuracy(X, Y)) << " training, " << percent(net.accuracy(X_val, Y_val))
            << " validation\n";

  // [save]
  try {
    deepnet::save(net, "custom_layer.dnet");
  } catch (const deepnet::ConfigError& e) {
    std::cout << "\nsave: " << e.what() << '\n';
  }
  const std::string archive = "custom_layer.npz";
  deepnet::save_npz(net, archive);                          // W[1], b[1], W1[3], b1[3], ...
  deepnet::Sequential<double> reloaded = spiral_network();  // the same chain, built anew
  deepnet::load_npz(reloaded, archive);
  // [end]
  std::remove(archive.c_str());
  const bool same = reloaded.predict(X_val) == net.predict(X_val);
  std::cout << "reloaded from " << archive << ": accuracy "
            << percent(reloaded.accuracy(X_val, Y_val)) << " validation, predictions "
            << (same ? "identical" : "DIFFERENT") << '\n';
  return same ? 0 : 1;
}
