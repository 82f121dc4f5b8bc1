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

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using deepnet::Index;
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

std::string percent(double fraction) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << 100.0 * fraction << '%';
  return out.str();
}

// The course's plot_decision_boundary in text: every character is a small square of the plane,
// '.' where the model predicts 1 and blank where it predicts 0; the data points are drawn on
// top, 'x' for y = 1 and 'o' for y = 0. A point on the wrong background is misclassified.
void plot_decision_boundary(const deepnet::DeepNet<>& net, const Dataset& data) {
  constexpr Index kColumns = 64;  // characters are about twice as tall as wide,
  constexpr Index kRows = 32;     // so 64 x 32 characters draw a square
  constexpr double kLow = -5.0;
  constexpr double kHigh = 5.0;
  const double cell_width = (kHigh - kLow) / static_cast<double>(kColumns);
  const double cell_height = (kHigh - kLow) / static_cast<double>(kRows);

  // The centre of every character as one column of a 2 x (rows * columns) matrix, so that a
  // single call classifies them all. Row 0 is the top of the picture: the largest x2.
  Matrix grid(2, kRows * kColumns);
  for (Index row = 0; row < kRows; ++row) {
    for (Index col = 0; col < kColumns; ++col) {
      grid(0, row * kColumns + col) = kLow + (static_cast<double>(col) + 0.5) * cell_width;
      grid(1, row * kColumns + col) = kHigh - (static_cast<double>(row) + 0.5) * cell_height;
    }
  }
  const deepnet::Labels regions = net.classify(grid);

  std::vector<std::string> picture(kRows, std::string(kColumns, ' '));
  for (Index k = 0; k < regions.cols(); ++k) {
    if (regions(0, k) == 1) picture[k / kColumns][k % kColumns] = '.';
  }
  const auto clamp_cell = [](double value, Index cells) {
    return std::clamp(static_cast<Index>(std::floor(value)), Index(0), cells - 1);
  };
  for (Index i = 0; i < data.X.cols(); ++i) {
    const Index col = clamp_cell((data.X(0, i) - kLow) / cell_width, kColumns);
    const Index row = clamp_cell((kHigh - data.X(1, i)) / cell_height, kRows);
    picture[row][col] = data.Y(0, i) == 1.0 ? 'x' : 'o';
  }

  const std::string border = "+" + std::string(kColumns, '-') + "+";
  std::cout << border << '\n';
  for (const std::string& line : picture) {
    std::cout << '|' << line << "|\n";
  }
  std::cout << border << "\n  x1 and x2 from " << kLow << " to " << kHigh
            << "; '.' predicted 1, blank predicted 0; points: x is y = 1, o is y = 0\n";
}

}  // namespace

int main(int argc, char** argv) {
  bool plot = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--plot") {
      plot = true;
      continue;
    }
    const bool help = flag == "-h" || flag == "--help";
    if (!help) std::cerr << "unknown argument '" << flag << "'\n";
    (help ? std::cout : std::cerr) << "usage: " << argv[0] << " [--plot]\n"
                                   << "  --plot  also draw the decision regions of both models\n";
    return help ? 0 : 2;
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
