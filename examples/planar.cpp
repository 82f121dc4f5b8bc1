// planar.cpp: the "flower" dataset of course 1, week 3, where one hidden layer beats a line.
//
// What it shows
//   The course's planar dataset (load_planar_dataset: 400 points in the plane, two classes on
//   the petals of a flower), generated here with deepnet::Random. Two models are trained on it:
//   (a) logistic regression, which is a network with no hidden layer: layer_dims = {2, 1};
//   (b) the course's 2-layer network: layer_dims = {2, 4, 1}, tanh hidden layer, sigmoid
//       output, W = 0.01 randn (Init::Small), learning rate 1.2, 10000 iterations.
//   Logistic regression can only draw a straight line and is right about half the time; four
//   tanh units are enough to follow the petals.
//
// How to run it
//   build/examples/planar           the two trainings and their accuracies
//   build/examples/planar --plot    also draws each model's decision regions in the terminal
//
// What it prints
//   The accuracy of logistic regression (about 47%, as in the course), the cost of the 2-layer
//   network every 1000 iterations, and its accuracy (about 94%; the course reports 90% with
//   NumPy's random numbers). As in the course, accuracies are measured on the training set.

#include <deepnet/deepnet.hpp>

#include "example_support.hpp"  // the command line, percentages and the decision-boundary plot

#include <cmath>
#include <iostream>
#include <vector>

namespace {

using deepnet::Index;
using examples::percent;
using Matrix = deepnet::Matrix<double>;

struct Dataset {
  Matrix X;  // 2 x m: one column (x1, x2) per example
  Matrix Y;  // 1 x m: the labels, 0 (red in the course's plots) or 1 (blue)
};

// The course's load_planar_dataset, step by step. The course draws its noise with NumPy
// (seed 1); deepnet::Random draws other numbers, so the points differ a little but the flower
// is the same. For class j = 0, 1, N points:
//   t = linspace(j * 3.12, (j + 1) * 3.12, N) + 0.2 randn   (angle)
//   r = a sin(4 t) + 0.2 randn                              (radius: a petal every 45 degrees)
//   x = (r sin t, r cos t)
Dataset load_planar_dataset(deepnet::Random& random) {
  constexpr Index m = 400;    // number of examples
  constexpr Index N = m / 2;  // number of points per class
  constexpr double a = 4.0;   // maximum ray of the flower
  Dataset data{Matrix(2, m), Matrix(1, m)};
  for (Index j = 0; j < 2; ++j) {
    const double start = static_cast<double>(j) * 3.12;
    const double step = 3.12 / static_cast<double>(N - 1);
    std::vector<double> t(N);
    for (Index i = 0; i < N; ++i) {
      t[i] = start + static_cast<double>(i) * step + 0.2 * random.normal();
    }
    for (Index i = 0; i < N; ++i) {
      const double r = a * std::sin(4.0 * t[i]) + 0.2 * random.normal();
      const Index column = j * N + i;
      data.X(0, column) = r * std::sin(t[i]);
      data.X(1, column) = r * std::cos(t[i]);
      data.Y(0, column) = static_cast<double>(j);
    }
  }
  return data;
}

// The decision regions of a model in text, over the square from (-5, -5) to (5, 5): see
// examples::plot_decision_boundary.
void plot_decision_boundary(const deepnet::DeepNet<>& net, const Dataset& data) {
  examples::plot_decision_boundary(net, data.X, data.Y, {-5.0, -5.0}, {5.0, 5.0});
}

}  // namespace

int main(int argc, char** argv) {
  bool plot = false;
  if (const auto status = examples::parse_flags(
          argc, argv,
          {examples::switch_flag("--plot", plot,
                                 "also draw the decision regions of both models")})) {
    return *status;  // after --help, or after a mistake on the command line
  }

  deepnet::Random random(1);  // seed 1, as in the course's load_planar_dataset
  const Dataset data = load_planar_dataset(random);
  std::cout << "The planar \"flower\" dataset: X is " << data.X.rows() << " x " << data.X.cols()
            << ", Y is " << data.Y.rows() << " x " << data.Y.cols()
            << " (examples are columns; 200 per class)\n\n";

  // (a) Logistic regression: one sigmoid unit, z = w1 x1 + w2 x2 + b. With no hidden units
  // there is no symmetry to break, so W may start at zero, as in course 1, week 2.
  deepnet::DeepNet<> logistic({2, 1}, deepnet::Activation::Sigmoid, deepnet::Activation::Sigmoid);
  logistic.initialize(deepnet::Init::Zeros, 1);
  const deepnet::History history =
      logistic.fit(data.X, data.Y, deepnet::FitOptions().learning_rate(1.2).iterations(10000));
  std::cout << "(a) Logistic regression, layer_dims = {2, 1}: a single sigmoid unit,\n"
               "    W = 0, learning rate 1.2, 10000 iterations\n"
            << "Cost after the last iteration: " << history.cost.back() << '\n'
            << "Accuracy of logistic regression: " << percent(logistic.accuracy(data.X, data.Y))
            << " (percentage of correctly labelled datapoints)\n";
  if (plot) plot_decision_boundary(logistic, data);

  // (b) The course's 2-layer network: 4 tanh hidden units. Tanh is the constructor's hidden
  // activation here; the sigmoid output brings binary cross-entropy with it.
  deepnet::DeepNet<> net({2, 4, 1}, deepnet::Activation::Tanh, deepnet::Activation::Sigmoid);
  // W = 0.01 randn: small, so that tanh starts in its steep middle part. Seed 2, as in the
  // course's initialize_parameters.
  net.initialize(deepnet::Init::Small, 2);
  std::cout << "\n(b) 2-layer network, layer_dims = {2, 4, 1}: tanh hidden layer, sigmoid output,\n"
               "    W = 0.01 randn, learning rate 1.2, 10000 iterations\n";
  net.fit(data.X, data.Y,
          deepnet::FitOptions().learning_rate(1.2).iterations(10000).print_every(1000));
  std::cout << "Accuracy: " << percent(net.accuracy(data.X, data.Y)) << '\n';
  if (plot) plot_decision_boundary(net, data);
  return 0;
}
