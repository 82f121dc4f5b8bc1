// optimizers.cpp: gradient descent, momentum and Adam on the "moons" dataset (course 2, week 2).
//
// What it shows
//   The comparison at the end of the course's optimization assignment. One network,
//   layer_dims = {2, 5, 2, 1} (ReLU hidden layers, sigmoid output, He initialisation), is
//   trained three times on the same data with mini-batches of 64 examples and the same small
//   learning rate, 0.0007, for 5000 epochs; only the update rule changes:
//     gradient descent   theta -= alpha g
//     momentum           v = beta v + (1 - beta) g,  theta -= alpha v           (beta = 0.9)
//     Adam               momentum and RMSProp with bias correction  (0.9, 0.999, 1e-8)
//   In FitOptions this is one line: .optimizer(OptimizerSettings::momentum(0.9)) and so on.
//   With such a small learning rate gradient descent moves slowly: after 5000 epochs its cost
//   is still falling and its boundary is still nearly a straight line. Momentum only smooths
//   the steps, so here it ends where gradient descent does. Adam divides every step by the
//   root mean square of recent gradients, so its steps do not shrink with the gradients, and it
//   fits the two moons.
//
// How to run it
//   build/examples/optimizers                  5000 epochs, as in the course
//   build/examples/optimizers --epochs 10000   train longer
//   build/examples/optimizers --plot           also draw each model's decision regions
//
// What it prints
//   For each optimizer "Cost after epoch i: J" every 1000 epochs (the mean cost of the epoch's
//   mini-batches), then its final cost, its accuracy on the 300 training examples and the
//   time it took; a summary table at the end: about 73% for gradient descent and for momentum,
//   95% for Adam. The course's notebook reports 71.7%, 71.7% and 94% after 5000 epochs (79.7%,
//   79.7% and 94% in its older version, which trained for 10000; --epochs 10000 gives 85%, 85%
//   and 96% here). Its data come from NumPy's random numbers, so the points differ a little.

#include <deepnet/deepnet.hpp>

#include "example_support.hpp"  // the command line, percentages and the decision-boundary plot

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

namespace {

using deepnet::Index;
using examples::fixed;
using examples::percent;
using Matrix = deepnet::Matrix<double>;

// The course's model and its settings.
const std::vector<Index> kLayerDims = {2, 5, 2, 1};
constexpr double kLearningRate = 0.0007;
constexpr Index kBatchSize = 64;
constexpr Index kExamples = 300;
constexpr double kNoise = 0.2;
constexpr std::uint64_t kDataSeed = 3;  // the course's load_dataset uses np.random.seed(3)
constexpr std::uint64_t kInitSeed = 3;  // and initialize_parameters seed 3 too
constexpr std::uint64_t kShuffleSeed = 10;

struct Dataset {
  Matrix X;  // 2 x m: one column (x1, x2) per example
  Matrix Y;  // 1 x m: the labels, 0 or 1
};

// scikit-learn's make_moons(m, noise), step by step: two interleaving half circles.
//   y = 0: the upper half circle (cos t, sin t),           t from 0 to pi
//   y = 1: the lower one, shifted (1 - cos t, 0.5 - sin t), t from 0 to pi
// with m / 2 points each, evenly spaced in t, then Gaussian noise of standard deviation
// `noise` on both coordinates. The classes alternate column by column; the order does not
// matter, because the training shuffles the examples before every epoch.
Dataset make_moons(Index m, double noise, deepnet::Random& random) {
  const double pi = std::acos(-1.0);
  const Index per_class = m / 2;
  Dataset data{Matrix(2, m), Matrix(1, m)};
  for (Index i = 0; i < m; ++i) {
    const bool lower = i % 2 == 1;
    const Index k = i / 2;  // the k-th point of its half circle
    const double t = pi * static_cast<double>(k) / static_cast<double>(per_class - 1);
    const double x1 = lower ? 1.0 - std::cos(t) : std::cos(t);
    const double x2 = lower ? 0.5 - std::sin(t) : std::sin(t);
    data.X(0, i) = x1 + noise * random.normal();
    data.X(1, i) = x2 + noise * random.normal();
    data.Y(0, i) = lower ? 1.0 : 0.0;
  }
  return data;
}

// The decision regions of a model in text, over x1 from -1.5 to 2.5 and x2 from -1 to 1.5,
// where the moons lie: see examples::plot_decision_boundary.
void plot_decision_boundary(const deepnet::DeepNet<>& net, const Dataset& data) {
  examples::plot_decision_boundary(net, data.X, data.Y, {-1.5, -1.0}, {2.5, 1.5},
                                   "'.' predicted 1; points: x is y = 1, o is y = 0");
}

struct Result {
  double cost = 0.0;
  double accuracy = 0.0;
  double seconds = 0.0;
};

// Trains a fresh network, initialised the same way every time, with one optimizer.
Result train(const std::string& name, const deepnet::OptimizerSettings& optimizer,
             const Dataset& data, Index epochs, bool plot) {
  std::cout << name << '\n';
  deepnet::DeepNet<> net(kLayerDims);  // ReLU hidden layers, sigmoid output
  net.initialize(deepnet::Init::He, kInitSeed);
  const auto start = std::chrono::steady_clock::now();
  const deepnet::History history = net.fit(data.X, data.Y,
                                           deepnet::FitOptions()
                                               .learning_rate(kLearningRate)
                                               .epochs(epochs)
                                               .batch_size(kBatchSize)
                                               .seed(kShuffleSeed)
                                               .optimizer(optimizer)
                                               .print_every(1000));
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;

  Result result;
  result.cost = history.epochs.back().cost;
  result.accuracy = net.accuracy(data.X, data.Y);
  result.seconds = seconds.count();
  std::cout << "Accuracy: " << percent(result.accuracy) << "  (" << history.cost.size()
            << " mini-batch steps in " << fixed(result.seconds, 2) << " s)\n";
  if (plot) plot_decision_boundary(net, data);
  std::cout << '\n';
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  Index epochs = 5000;
  bool plot = false;
  if (const auto status = examples::parse_flags(
          argc, argv,
          {examples::integer_flag(
               "--epochs", "N", epochs, 1,
               "passes over the 300 examples, N >= 1 (default 5000, as in the course)"),
           examples::switch_flag("--plot", plot,
                                 "also draw the decision regions of each model")})) {
    return *status;  // after --help, or after a mistake on the command line
  }

  deepnet::Random random(kDataSeed);
  const Dataset data = make_moons(kExamples, kNoise, random);
  const Index batches = (kExamples + kBatchSize - 1) / kBatchSize;  // the last one is smaller
  std::cout << "Optimization methods (course 2, week 2) on the \"moons\" dataset\n\n"
            << "Data: make_moons(" << kExamples << ", noise " << kNoise << "), seed " << kDataSeed
            << ": X is " << data.X.rows() << " x " << data.X.cols() << ", Y is " << data.Y.rows()
            << " x " << data.Y.cols() << '\n'
            << "Model: layer_dims = " << deepnet::dims_string(kLayerDims)
            << ", ReLU hidden layers, sigmoid output, He initialisation (seed " << kInitSeed
            << ")\n"
            << "Training: mini-batches of " << kBatchSize << " (" << batches
            << " per epoch, the last one of " << kExamples - (batches - 1) * kBatchSize
            << "), learning rate " << kLearningRate << ", " << epochs << " epochs\n\n";

  const std::vector<Result> results = {
      train("(a) Mini-batch gradient descent", deepnet::OptimizerSettings::gradient_descent(), data,
            epochs, plot),
      train("(b) Mini-batch gradient descent with momentum, beta = 0.9",
            deepnet::OptimizerSettings::momentum(0.9), data, epochs, plot),
      train("(c) Mini-batch Adam, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8",
            deepnet::OptimizerSettings::adam(0.9, 0.999, 1e-8), data, epochs, plot)};

  std::cout << "Summary (" << epochs << " epochs, accuracy on the training set)\n"
            << "  optimizer          final cost   accuracy   time\n";
  const char* const labels[] = {"gradient descent", "momentum", "Adam"};
  for (std::size_t k = 0; k < results.size(); ++k) {
    std::cout << "  " << std::left << std::setw(19) << labels[k] << std::setw(13)
              << fixed(results[k].cost, 4) << std::setw(11) << percent(results[k].accuracy)
              << fixed(results[k].seconds, 2) << " s\n";
  }
  return 0;
}
