// deep_network.cpp: the L-layer model of the notes (course 1, week 4), trained end to end.
//
// What it shows
//   A deep network layer_dims = {2, 20, 7, 5, 1} (ReLU hidden layers, sigmoid output, binary
//   cross-entropy) trained exactly as in the notes: W[l] = randn / sqrt(n[l-1]), b[l] = 0,
//   then full-batch gradient descent with learning rate 0.0075. The data are generated here:
//   two noisy concentric circles, which no straight line can separate. The network learns the
//   round boundary; logistic regression, trained the same way for comparison, cannot.
//
// How to run it
//   build/examples/deep_network                      (3000 iterations, seed 3)
//   build/examples/deep_network --iterations 5000 --seed 7
//
// What it prints
//   The data and the model, "Cost after iteration i: J" every 100 iterations, then the train
//   and test accuracies of the network (about 98% with the defaults, 94% to 99% with other
//   seeds) and of logistic regression (about 50%: no better than a coin toss).

#include <deepnet/deepnet.hpp>

#include "example_support.hpp"  // the command line and percentages

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <vector>

namespace {

using deepnet::Index;
using examples::fixed;
using examples::percent;
using Matrix = deepnet::Matrix<double>;

// The course's L-layer model: 20, 7 and 5 hidden units, one output unit.
const std::vector<Index> kLayerDims = {2, 20, 7, 5, 1};
constexpr double kLearningRate = 0.0075;
constexpr Index kTrainExamples = 600;
constexpr Index kTestExamples = 200;
constexpr double kInnerRadius = 2.0;
constexpr double kOuterRadius = 4.0;
constexpr double kNoise = 0.5;  // standard deviation of the radius

struct Dataset {
  Matrix X;  // 2 x m: one column (x1, x2) per example
  Matrix Y;  // 1 x m: the labels, 0 or 1
};

// m points around two concentric circles: label 0 near the inner circle, label 1 near the
// outer one. Labels alternate, so both classes have m / 2 examples.
Dataset make_circles(Index m, deepnet::Random& random) {
  const double pi = std::acos(-1.0);
  Dataset data{Matrix(2, m), Matrix(1, m)};
  for (Index i = 0; i < m; ++i) {
    const bool outer = i % 2 == 1;
    const double radius = (outer ? kOuterRadius : kInnerRadius) + kNoise * random.normal();
    const double angle = 2.0 * pi * random.uniform();
    data.X(0, i) = radius * std::cos(angle);
    data.X(1, i) = radius * std::sin(angle);
    data.Y(0, i) = outer ? 1.0 : 0.0;
  }
  return data;
}

struct Settings {
  Index iterations = 3000;
  std::uint64_t seed = 3;
};

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (const auto status = examples::parse_flags(
          argc, argv,
          {examples::integer_flag("--iterations", "N", settings.iterations, 1,
                                  "gradient-descent steps, N >= 1 (default 3000)"),
           examples::integer_flag("--seed", "S", settings.seed, 0,
                                  "seed of the data and of the initial weights (default 3)")})) {
    return *status;  // after --help, or after a mistake on the command line
  }

  // One generator for all the data: the test set is drawn right after the training set, from
  // the same distribution, and the network never sees it during training.
  deepnet::Random random(settings.seed);
  const Dataset train = make_circles(kTrainExamples, random);
  const Dataset test = make_circles(kTestExamples, random);

  std::cout << "An L-layer neural network, trained as in the notes (course 1, week 4)\n\n"
            << "Data: points near two concentric circles in the plane (seed " << settings.seed
            << ")\n"
            << "  y = 0: radius " << kInnerRadius << ", y = 1: radius " << kOuterRadius
            << " (radius noise " << kNoise << "); no straight line separates them\n"
            << "  train: X is " << train.X.rows() << " x " << train.X.cols() << ", Y is "
            << train.Y.rows() << " x " << train.Y.cols() << "  (examples are columns)\n"
            << "  test:  X is " << test.X.rows() << " x " << test.X.cols() << ", Y is "
            << test.Y.rows() << " x " << test.Y.cols() << "\n\n";

  // ReLU hidden layers and a sigmoid output are the constructor's defaults; the sigmoid
  // output brings binary cross-entropy with it.
  deepnet::DeepNet<> net(kLayerDims);
  std::cout << "Model: layer_dims = " << deepnet::dims_string(net.dims()) << ", L = " << net.L()
            << '\n'
            << "  layers 1.." << net.L() - 1 << ": ReLU, layer " << net.L()
            << ": sigmoid; loss: " << deepnet::to_string(net.loss()) << '\n'
            << "  W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1]), b[l] = 0\n"
            << "  gradient descent on all " << kTrainExamples << " examples: learning rate "
            << kLearningRate << ", " << settings.iterations << " iterations\n\n";

  net.initialize(deepnet::Init::ScaledNormal, settings.seed);
  const auto start = std::chrono::steady_clock::now();
  net.fit(train.X, train.Y,
          deepnet::FitOptions()
              .learning_rate(kLearningRate)
              .iterations(settings.iterations)
              .print_every(100));
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;

  std::cout << "\nTrain accuracy: " << percent(net.accuracy(train.X, train.Y)) << '\n'
            << "Test accuracy:  " << percent(net.accuracy(test.X, test.Y)) << '\n'
            << "(training took " << fixed(seconds.count(), 2) << " s)\n"
            << examples::build_line() << "\n\n";

  // The same training for a network without hidden layers: logistic regression draws a
  // straight line, so it cannot do much better than guessing on circles.
  deepnet::DeepNet<> logistic({2, 1});
  logistic.initialize(deepnet::Init::ScaledNormal, settings.seed);
  logistic.fit(train.X, train.Y,
               deepnet::FitOptions().learning_rate(kLearningRate).iterations(settings.iterations));
  std::cout << "For comparison, logistic regression (layer_dims = {2, 1}), trained the same way:\n"
            << "Train accuracy: " << percent(logistic.accuracy(train.X, train.Y)) << '\n'
            << "Test accuracy:  " << percent(logistic.accuracy(test.X, test.Y)) << '\n';
  return 0;
}
