// regularization.cpp: no regularisation, L2 and dropout side by side (course 2, week 1).
//
// What it shows
//   The course's regularization assignment on generated data. A 3-layer network,
//   layer_dims = {2, 20, 3, 1} (ReLU hidden layers, sigmoid output, W[l] = randn / sqrt(n[l-1])),
//   is trained three times with full-batch gradient descent, learning rate 0.3, 30000
//   iterations, as in the course:
//     (a) without regularisation   it fits the noise of the training set (overfitting)
//     (b) with L2 regularisation   net.set_l2(0.7): J gains (lambda / 2m) sum ||W[l]||^2
//     (c) with inverted dropout    net.set_keep_prob(0.86) on both hidden layers
//   The data: 200 training and 1000 test points, uniform in the unit disc; y = 1 above the
//   wavy line x2 = 0.4 sin(5 x1), y = 0 below it, measured with a little noise (points near the
//   line may land on the wrong side), and then 5% of the labels flipped at random. Nothing can
//   predict the flipped labels, so a model that gets them right on the training set has
//   learned the noise, and pays for it on the test set.
//
// How to run it
//   build/examples/regularization                     30000 iterations, seed 3 (about 7 s)
//   build/examples/regularization --seed 5            another dataset and initialisation
//   build/examples/regularization --iterations 10000  a shorter run
//   build/examples/regularization --plot              also draw each model's decision regions
//
// What it prints
//   The cost of each model every 10000 iterations, then a table of train and test accuracies
//   next to the ones the course reports for its own dataset (the football field). With the
//   default seed the network without regularisation has the highest train accuracy (99%) and
//   the lowest test accuracy (89%); L2 and dropout give up some train accuracy and gain 2 to 3
//   points on the test set. Other seeds give the same picture with other numbers.

#include <deepnet/deepnet.hpp>

#include "example_support.hpp"  // the command line, percentages and the decision-boundary plot

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <vector>

namespace {

using deepnet::Index;
using examples::percent;
using Matrix = deepnet::Matrix<double>;

// The course's model and its settings.
const std::vector<Index> kLayerDims = {2, 20, 3, 1};
constexpr double kLearningRate = 0.3;
constexpr double kLambda = 0.7;     // L2 strength
constexpr double kKeepProb = 0.86;  // dropout: each hidden unit is kept with this probability

// The data.
constexpr Index kTrainExamples = 200;
constexpr Index kTestExamples = 1000;
constexpr double kAmplitude = 0.4;  // the boundary x2 = kAmplitude sin(kFrequency x1)
constexpr double kFrequency = 5.0;
constexpr double kBoundaryNoise = 0.05;  // standard deviation of the noise near the boundary
constexpr double kFlipped = 0.05;        // fraction of labels flipped at random

struct Dataset {
  Matrix X;  // 2 x m: one column (x1, x2) per example
  Matrix Y;  // 1 x m: the labels, 0 or 1
};

// m points uniform in the unit disc (drawn in the square, kept when inside the circle),
// labelled by the side of the wavy line they lie on, with the two kinds of noise above.
Dataset make_noisy_wave(Index m, deepnet::Random& random) {
  Dataset data{Matrix(2, m), Matrix(1, m)};
  for (Index i = 0; i < m; ++i) {
    double x1 = 0.0;
    double x2 = 0.0;
    do {
      x1 = 2.0 * random.uniform() - 1.0;
      x2 = 2.0 * random.uniform() - 1.0;
    } while (x1 * x1 + x2 * x2 > 1.0);
    const double boundary = kAmplitude * std::sin(kFrequency * x1);
    bool y = x2 + kBoundaryNoise * random.normal() > boundary;
    if (random.uniform() < kFlipped) y = !y;
    data.X(0, i) = x1;
    data.X(1, i) = x2;
    data.Y(0, i) = y ? 1.0 : 0.0;
  }
  return data;
}

// The decision regions of a model in text, over the square from (-1, -1) to (1, 1) that holds
// the unit disc: see examples::plot_decision_boundary. Islands of one class inside the other are
// the model fitting single noisy points.
void plot_decision_boundary(const deepnet::DeepNet<>& net, const Dataset& train) {
  examples::plot_decision_boundary(
      net, train.X, train.Y, {-1.0, -1.0}, {1.0, 1.0},
      "'.' predicted 1, blank predicted 0; training points: x is y = 1, o is y = 0");
}

struct Result {
  double train = 0.0;
  double test = 0.0;
};

// Trains net (already set up for L2 or dropout, or neither) as in the course and returns its
// accuracies. Every model starts from the same initial weights.
Result train_and_evaluate(deepnet::DeepNet<>& net, const Dataset& train, const Dataset& test,
                          Index iterations, std::uint64_t seed, bool plot) {
  net.initialize(deepnet::Init::ScaledNormal, seed);
  net.fit(
      train.X, train.Y,
      deepnet::FitOptions().learning_rate(kLearningRate).iterations(iterations).print_every(10000));
  // Prediction never drops units: after training, the dropout network is used whole.
  const Result result{net.accuracy(train.X, train.Y), net.accuracy(test.X, test.Y)};
  std::cout << "On the training set: " << percent(result.train)
            << "   On the test set: " << percent(result.test) << '\n';
  if (plot) plot_decision_boundary(net, train);
  std::cout << '\n';
  return result;
}

struct Settings {
  Index iterations = 30000;
  std::uint64_t seed = 3;
  bool plot = false;
};

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (const auto status = examples::parse_flags(
          argc, argv,
          {examples::integer_flag(
               "--iterations", "N", settings.iterations, 1,
               "gradient-descent steps, N >= 1 (default 30000, as in the course)"),
           examples::integer_flag("--seed", "S", settings.seed, 0,
                                  "seed of the data and of the initial weights (default 3)"),
           examples::switch_flag("--plot", settings.plot,
                                 "also draw the decision regions of each model")})) {
    return *status;  // after --help, or after a mistake on the command line
  }

  // The test set comes from the same generator, right after the training set: the same
  // distribution, other points, never seen during training.
  deepnet::Random random(settings.seed);
  const Dataset train = make_noisy_wave(kTrainExamples, random);
  const Dataset test = make_noisy_wave(kTestExamples, random);

  std::cout << "Regularization (course 2, week 1): L2 and dropout against overfitting\n\n"
            << "Data: points in the unit disc, y = 1 above the line x2 = " << kAmplitude << " sin("
            << kFrequency << " x1), y = 0 below\n"
            << "  (boundary noise " << kBoundaryNoise << ", then " << 100.0 * kFlipped
            << "% of the labels flipped; seed " << settings.seed << ")\n"
            << "  train: X is " << train.X.rows() << " x " << train.X.cols() << ", test: X is "
            << test.X.rows() << " x " << test.X.cols() << '\n'
            << "Model: layer_dims = " << deepnet::dims_string(kLayerDims)
            << ", ReLU hidden layers, sigmoid output, W[l] = randn / sqrt(n[l-1])\n"
            << "Training: full-batch gradient descent, learning rate " << kLearningRate << ", "
            << settings.iterations << " iterations\n\n";

  const auto start = std::chrono::steady_clock::now();

  std::cout << "(a) No regularisation\n";
  deepnet::DeepNet<> plain(kLayerDims);
  const Result none =
      train_and_evaluate(plain, train, test, settings.iterations, settings.seed, settings.plot);

  std::cout << "(b) L2 regularisation, lambda = " << kLambda
            << " (the cost includes (lambda / 2m) sum ||W[l]||^2)\n";
  deepnet::DeepNet<> l2(kLayerDims);
  l2.set_l2(kLambda);
  const Result with_l2 =
      train_and_evaluate(l2, train, test, settings.iterations, settings.seed, settings.plot);

  std::cout << "(c) Dropout, keep_prob = " << kKeepProb
            << " on layers 1 and 2 (the cost is that of the thinned network)\n";
  deepnet::DeepNet<> dropout(kLayerDims);
  dropout.set_keep_prob(kKeepProb);  // every hidden layer; never the output layer
  const Result with_dropout =
      train_and_evaluate(dropout, train, test, settings.iterations, settings.seed, settings.plot);

  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;

  std::cout << "model                      train     test      course (its own data): train, test\n"
            << "no regularisation          " << std::left << std::setw(10) << percent(none.train)
            << std::setw(10) << percent(none.test) << "94.8%, 91.5%\n"
            << "L2, lambda = 0.7           " << std::setw(10) << percent(with_l2.train)
            << std::setw(10) << percent(with_l2.test) << "93.8%, 93%\n"
            << "dropout, keep_prob = 0.86  " << std::setw(10) << percent(with_dropout.train)
            << std::setw(10) << percent(with_dropout.test) << "92.9%, 95%\n\n"
            << "(the three trainings took " << std::fixed << std::setprecision(1) << seconds.count()
            << " s)\n";
  return 0;
}
