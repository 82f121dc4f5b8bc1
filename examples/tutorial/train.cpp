// train.cpp: the program of docs/tutorial.md, from data to a trained, saved and reloaded
// network. docs/tutorial.md shows it piece by piece (the parts between "// [name]" and
// "// [end]"), and a test checks that the tutorial and this file agree.
//
// What it does
//   Generates points in the plane (label 1 inside a circle, 0 outside), builds the network
//   layer_dims = {2, 16, 8, 1}, trains it with mini-batches and Adam while watching a
//   validation set, reads the history, measures the test accuracy, then saves the model,
//   loads it back and checks that the loaded model predicts the same.
//
// How to run it
//   build/examples/tutorial [DIR]
//   It writes model.dnet, history.csv and learning_curve.svg into DIR (default: the current
//   directory).

// [includes]
#include <deepnet/deepnet.hpp>

#include <cmath>
#include <iostream>
#include <string>
#include <vector>
// [end]

// [data]
// m points uniform in the square [-1, 1] x [-1, 1], labelled 1 inside the circle of radius
// 0.6 and 0 outside. X is n[0] x m = 2 x m and Y is 1 x m: one column per example.
struct Dataset {
  deepnet::Matrix<double> X, Y;
};

Dataset make_data(deepnet::Index m, deepnet::Random& random) {
  Dataset data{deepnet::Matrix<double>(2, m), deepnet::Matrix<double>(1, m)};
  for (deepnet::Index i = 0; i < m; ++i) {
    const double x1 = 2 * random.uniform() - 1;
    const double x2 = 2 * random.uniform() - 1;
    data.X(0, i) = x1;
    data.X(1, i) = x2;
    data.Y(0, i) = std::sqrt(x1 * x1 + x2 * x2) < 0.6 ? 1.0 : 0.0;
  }
  return data;
}
// [end]

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? std::string(argv[1]) + "/" : "";

  // [split]
  deepnet::Random random(42);
  const Dataset all = make_data(1000, random);  // to train on, and to watch while training
  const Dataset test = make_data(500, random);  // kept aside until the end
  auto [X_train, Y_train, X_val, Y_val] = deepnet::split(all.X, all.Y, 0.2, /*seed=*/1);
  std::cout << "X_train is " << X_train.rows() << " x " << X_train.cols() << ", X_val is "
            << X_val.rows() << " x " << X_val.cols() << "\n";
  // [end]

  // [network]
  // layer_dims = {n[0], n[1], ..., n[L]}: 2 features, hidden layers of 16 and 8 units, one
  // output unit. Hidden layers are ReLU and the output is a sigmoid (the defaults), so the
  // loss is binary cross-entropy.
  const std::vector<deepnet::Index> layer_dims = {2, 16, 8, 1};
  deepnet::DeepNet<> net(layer_dims);
  net.initialize(deepnet::Init::He, /*seed=*/1);  // W[l] random, b[l] = 0
  std::cout << "L = " << net.L() << ", W[1] is " << net.layer(1).W().rows() << " x "
            << net.layer(1).W().cols() << "\n";
  // [end]

  // [train]
  deepnet::FitOptions options;
  options.optimizer(deepnet::OptimizerSettings::adam())
      .learning_rate(0.01)
      .epochs(150)
      .batch_size(32)    // mini-batches of 32 examples, reshuffled every epoch
      .seed(1)           // the seed of the shuffling
      .print_every(50);  // "Cost after epoch i: J"
  const deepnet::History history = net.fit(X_train, Y_train, X_val, Y_val, options);
  // [end]

  // [history]
  const deepnet::Epoch& last = history.epochs.back();
  std::cout << "after " << history.epochs.size() << " epochs (" << history.cost.size()
            << " steps): cost " << last.cost << ", validation cost " << last.val_cost
            << ", validation accuracy " << last.val_accuracy << "\n";
  history.save_csv(dir + "history.csv");                                // one line per epoch
  deepnet::write_learning_curves(history, dir + "learning_curve.svg");  // the picture
  // [end]

  // [evaluate]
  std::cout << "test accuracy " << net.accuracy(test.X, test.Y) << "\n";
  deepnet::Matrix<double> points(2, 2);
  points.col(0) << 0.0, 0.0;  // two new examples, as columns
  points.col(1) << 0.9, 0.9;
  const deepnet::Matrix<double> A = net.predict(points);  // A[L]: P(y = 1) per column
  const deepnet::Labels classes = net.classify(points);   // 0 or 1 per column
  std::cout << "(0, 0): P(y = 1) = " << A(0, 0) << ", class " << classes(0, 0) << "\n"
            << "(0.9, 0.9): P(y = 1) = " << A(0, 1) << ", class " << classes(0, 1) << "\n";
  // [end]

  // [save]
  deepnet::save(net, dir + "model.dnet");
  const deepnet::DeepNet<> loaded = deepnet::load<double>(dir + "model.dnet");
  const double difference = (loaded.predict(test.X) - net.predict(test.X)).cwiseAbs().maxCoeff();
  std::cout << "reloaded model.dnet: L = " << loaded.L() << ", largest difference in predictions "
            << difference << "\n";
  return difference == 0 ? 0 : 1;
  // [end]
}
