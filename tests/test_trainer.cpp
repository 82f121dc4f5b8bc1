// Tests for trainer.hpp (DeepNet::fit) and early_stopping.hpp, history.hpp, progress.hpp:
// mini-batches and shuffling against the same loop written by hand, optimizers and schedules
// through fit, validation, early stopping, callbacks, the progress line, diagnostics and CSV.
#include "support/test_support.hpp"

#include "support/one_process.hpp"

#include <deepnet/core/deep_net.hpp>
#include <deepnet/training/early_stopping.hpp>
#include <deepnet/training/trainer.hpp>

#include <cmath>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using Catch::Matchers::WithinRel;
using deepnet::Activation;
using deepnet::ConfigError;
using deepnet::Control;
using deepnet::DeepNet;
using deepnet::FitOptions;
using deepnet::Index;
using deepnet::Init;
using deepnet::Matrix;
using deepnet::OptimizerSettings;

namespace {

// Two noisy Gaussian blobs in n features, labels 0/1, seeded.
struct Blobs {
  Matrix<double> X, Y;
  Blobs(Index n, Index m, std::uint64_t seed, double separation = 1.5) : X(n, m), Y(1, m) {
    deepnet::Random random(seed);
    for (Index j = 0; j < m; ++j) {
      const bool one = random.uniform() < 0.5;
      Y(0, j) = one ? 1.0 : 0.0;
      for (Index i = 0; i < n; ++i)
        X(i, j) = random.normal() + (one ? separation : -separation);
    }
  }
};

DeepNet<double> fresh_net(std::uint64_t seed = 1) {
  DeepNet<double> net({3, 5, 1});
  net.initialize(Init::He, seed);
  return net;
}

bool same_weights(const DeepNet<double>& a, const DeepNet<double>& b) {
  for (Index l = 1; l <= a.L(); ++l) {
    if ((a.layer(l).W().array() != b.layer(l).W().array()).any()) return false;
    if ((a.layer(l).b().array() != b.layer(l).b().array()).any()) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("fit: mini-batches in order are the hand-written loop over column blocks",
          "[trainer][batches]") {
  const Blobs data(3, 10, 1);
  DeepNet<double> by_fit = fresh_net(), by_hand = fresh_net();
  const auto history = by_fit.fit(
      data.X, data.Y, FitOptions().learning_rate(0.1).epochs(2).batch_size(4).shuffle(false));
  for (int epoch = 0; epoch < 2; ++epoch) {
    for (Index start = 0; start < 10; start += 4) {  // batches of 4, 4 and the last 2
      const Index size = std::min<Index>(4, 10 - start);
      by_hand.forward(data.X.middleCols(start, size));
      by_hand.backward(data.Y.middleCols(start, size));
      by_hand.update(0.1);
    }
  }
  CHECK(same_weights(by_fit, by_hand));
  CHECK(history.cost.size() == 6);
  REQUIRE(history.epochs.size() == 2);
  CHECK(history.epochs[1].epoch == 1);
}

TEST_CASE("fit: full-batch training, with dW of layer 1 from a copy of X^T, is the loop",
          "[trainer][batches]") {
  // 60 x 80 inputs: large enough for Eigen's blocked product, which reads X^T differently.
  // The kernel sums in the same order either way, so the bits are the hand-written loop's,
  // which reads X transposed (DeepNet::backward keeps no copy).
  const Blobs data(60, 80, 3);
  for (const Index epochs : {Index(4), Index(20)}) {
    CAPTURE(epochs);
    DeepNet<double> by_fit({60, 24, 1}), by_hand({60, 24, 1});
    by_fit.initialize(Init::He, 5);
    by_hand.initialize(Init::He, 5);
    const auto history =
        by_fit.fit(data.X, data.Y, FitOptions().learning_rate(0.05).epochs(epochs));
    for (Index i = 0; i < epochs; ++i) {
      by_hand.forward(data.X);
      by_hand.backward(data.Y);
      by_hand.update(0.05);
    }
    REQUIRE(history.cost.size() == static_cast<std::size_t>(epochs));
    CHECK(same_weights(by_fit, by_hand));
  }
}

TEST_CASE("fit: each epoch shuffles with the seeded Fisher-Yates of random.hpp",
          "[trainer][batches]") {
  const Blobs data(3, 9, 2);
  DeepNet<double> by_fit = fresh_net(), by_hand = fresh_net();
  by_fit.fit(data.X, data.Y, FitOptions().learning_rate(0.1).epochs(3).batch_size(4).seed(42));
  deepnet::Random random(42);
  std::vector<Index> order(9);
  std::iota(order.begin(), order.end(), Index(0));
  for (int epoch = 0; epoch < 3; ++epoch) {
    for (std::size_t i = order.size(); i > 1; --i) {
      std::swap(order[i - 1], order[static_cast<std::size_t>(random.below(static_cast<Index>(i)))]);
    }
    for (Index start = 0; start < 9; start += 4) {
      const Index size = std::min<Index>(4, 9 - start);
      Matrix<double> X(3, size), Y(1, size);
      for (Index j = 0; j < size; ++j) {
        X.col(j) = data.X.col(order[static_cast<std::size_t>(start + j)]);
        Y.col(j) = data.Y.col(order[static_cast<std::size_t>(start + j)]);
      }
      by_hand.forward(X);
      by_hand.backward(Y);
      by_hand.update(0.1);
    }
  }
  CHECK(same_weights(by_fit, by_hand));
}

TEST_CASE("fit: the last partial batch is kept unless drop_last", "[trainer][batches]") {
  const Blobs data(3, 10, 3);
  DeepNet<double> net = fresh_net();
  CHECK(net.fit(data.X, data.Y, FitOptions().epochs(1).batch_size(4)).cost.size() == 3);
  CHECK(net.fit(data.X, data.Y, FitOptions().epochs(1).batch_size(4).drop_last(true)).cost.size() ==
        2);
  CHECK(net.fit(data.X, data.Y, FitOptions().epochs(1).batch_size(64)).cost.size() == 1);
  CHECK(net.fit(data.X, data.Y, FitOptions().epochs(2)).cost.size() == 2);  // full batch
}

TEST_CASE("fit: the epoch's cost is the size-weighted mean of its batches' costs",
          "[trainer][history]") {
  const Blobs data(3, 10, 4);
  DeepNet<double> net = fresh_net();
  const auto history = net.fit(data.X, data.Y, FitOptions().epochs(1).batch_size(4).shuffle(false));
  const auto& c = history.cost;
  CHECK_THAT(history.epochs[0].cost, WithinRel((4 * c[0] + 4 * c[1] + 2 * c[2]) / 10, 1e-14));
  CHECK(history.epochs[0].accuracy >= 0.0);
  CHECK(history.epochs[0].accuracy <= 1.0);
  CHECK(std::isnan(history.epochs[0].val_cost));
}

TEST_CASE("fit: an optimizer from the settings is the optimizer used by hand",
          "[trainer][optimizer]") {
  const Blobs data(3, 12, 5);
  DeepNet<double> by_fit = fresh_net(), by_hand = fresh_net();
  by_fit.fit(data.X, data.Y,
             FitOptions().learning_rate(0.01).epochs(2).batch_size(6).shuffle(false).optimizer(
                 OptimizerSettings::adam()));
  deepnet::Adam<double> adam;
  for (int epoch = 0; epoch < 2; ++epoch) {
    for (Index start = 0; start < 12; start += 6) {
      by_hand.forward(data.X.middleCols(start, 6));
      by_hand.backward(data.Y.middleCols(start, 6));
      by_hand.update(adam, 0.01);
    }
  }
  CHECK(same_weights(by_fit, by_hand));
}

TEST_CASE("fit: the schedule sets each epoch's learning rate", "[trainer][schedule]") {
  const Blobs data(3, 8, 6);
  DeepNet<double> net = fresh_net();
  const auto history = net.fit(
      data.X, data.Y,
      FitOptions().learning_rate(0.2).epochs(4).schedule(deepnet::Schedule::inverse_time(1.0)));
  for (Index e = 0; e < 4; ++e) {
    CHECK_THAT(history.epochs[static_cast<std::size_t>(e)].learning_rate,
               WithinRel(0.2 / (1.0 + static_cast<double>(e)), 1e-15));
  }
}

TEST_CASE("fit: L2, dropout and batch normalisation train through fit", "[trainer]") {
  const Blobs data(3, 64, 7);
  DeepNet<double> net({3, 16, 8, 1});
  net.initialize(Init::He, 2);
  net.set_l2(0.1);
  net.set_keep_prob(1, 0.8);
  net.set_batch_norm(2);
  const auto history = net.fit(data.X, data.Y,
                               FitOptions().learning_rate(0.05).epochs(40).batch_size(16).optimizer(
                                   OptimizerSettings::adam()));
  CHECK(history.epochs.back().cost < history.epochs.front().cost);
  CHECK(net.accuracy(data.X, data.Y) > 0.9);
}

TEST_CASE("fit: records validation cost and accuracy after every epoch", "[trainer][validation]") {
  const Blobs train(3, 40, 8), validation(3, 15, 9);
  DeepNet<double> net = fresh_net();
  const auto history = net.fit(train.X, train.Y, validation.X, validation.Y,
                               FitOptions().learning_rate(0.1).epochs(3));
  const auto& last = history.epochs.back();
  const Matrix<double> A = net.predict(validation.X);
  const double expected =
      -(validation.Y.array() * A.array().log() + (1 - validation.Y.array()) * (1 - A.array()).log())
           .sum() /
      15.0;
  CHECK_THAT(last.val_cost, WithinRel(expected, 1e-12));
  CHECK(last.val_accuracy == net.accuracy(validation.X, validation.Y));
}

TEST_CASE("fit: validation_split holds out the last columns, as an explicit validation set",
          "[trainer][validation]") {
  // m = 40 and fraction 0.25: round(10) = 10 examples held out, the last ten columns; the
  // same run with X.leftCols(30) for training and X.rightCols(10) for validation must give
  // the same history and weights, bit for bit (shuffling covers the first 30 only).
  const Blobs data(3, 40, 21);
  const FitOptions options =
      FitOptions().learning_rate(0.2).epochs(12).batch_size(8).seed(5).early_stopping(2).min_delta(
          0.01);
  DeepNet<double> split_net = fresh_net(3);
  const auto split = split_net.fit(data.X, data.Y, FitOptions(options).validation_split(0.25));
  const Matrix<double> X_train = data.X.leftCols(30), Y_train = data.Y.leftCols(30);
  const Matrix<double> X_val = data.X.rightCols(10), Y_val = data.Y.rightCols(10);
  DeepNet<double> explicit_net = fresh_net(3);
  const auto given = explicit_net.fit(X_train, Y_train, X_val, Y_val, options);

  REQUIRE(split.epochs.size() == given.epochs.size());
  CHECK(split.cost.size() == given.cost.size());
  CHECK(split.cost.size() == split.epochs.size() * 4);  // 30 examples: batches 8, 8, 8, 6
  for (std::size_t e = 0; e < split.epochs.size(); ++e) {
    CHECK(split.epochs[e].cost == given.epochs[e].cost);
    CHECK(split.epochs[e].val_cost == given.epochs[e].val_cost);
    CHECK(split.epochs[e].val_accuracy == given.epochs[e].val_accuracy);
  }
  CHECK(split.best_epoch == given.best_epoch);
  CHECK(split.stopped_early == given.stopped_early);
  CHECK(same_weights(split_net, explicit_net));
  // The validation cost is that of the last ten columns.
  CHECK(std::isfinite(split.epochs.back().val_cost));
}

TEST_CASE("fit: validation_split refuses fractions that leave a part empty",
          "[trainer][validation][errors]") {
  const Blobs data(3, 10, 22), validation(3, 5, 23);
  DeepNet<double> net = fresh_net();
  const auto fit_with = [&](double fraction) {
    return net.fit(data.X, data.Y, FitOptions().epochs(1).validation_split(fraction));
  };
  REQUIRE_THROWS_WITH(fit_with(1.0),
                      "DeepNet::fit: validation_split is the share of the examples "
                      "held out for validation and must be in [0, 1), got 1");
  REQUIRE_THROWS_WITH(fit_with(-0.1), Contains("must be in [0, 1), got -0.1"));
  REQUIRE_THROWS_WITH(fit_with(std::nan("")), Contains("must be in [0, 1), got nan"));
  // m = 10: 0.04 * 10 = 0.4 rounds to 0 held out; 0.96 * 10 = 9.6 rounds to all 10.
  REQUIRE_THROWS_WITH(fit_with(0.04),
                      "DeepNet::fit: validation_split 0.04 of m = 10 examples holds out 0; both "
                      "the training and the validation part need at least one example (choose "
                      "another fraction, or give more examples)");
  REQUIRE_THROWS_WITH(fit_with(0.96), Contains("validation_split 0.96 of m = 10 examples holds "
                                               "out 10"));
  REQUIRE_THROWS_WITH(net.fit(data.X, data.Y, validation.X, validation.Y,
                              FitOptions().epochs(1).validation_split(0.2)),
                      "DeepNet::fit: validation_split 0.2 and an explicit validation set "
                      "(X_val, Y_val) both give a validation set; use one of them");
  // 0.05 * 10 = 0.5 rounds up to one example; early stopping then has its validation set.
  const auto history =
      net.fit(data.X, data.Y, FitOptions().epochs(2).validation_split(0.05).early_stopping(5));
  CHECK(history.epochs.size() == 2);
  CHECK(std::isfinite(history.epochs.back().val_cost));
}

TEST_CASE("fit: accuracy counts examples with all outputs right, as DeepNet::accuracy does",
          "[trainer][history]") {
  // Three sigmoid outputs, A = sigmoid(10 x - 5): output i is on exactly when x_i > 0.5.
  // Examples 0 and 1 have every label right; example 2 predicts output 1 on, its label is 0.
  // Every z is +-5, so steps of alpha = 1e-6 change no prediction: 2 of 3 examples, in the
  // training epoch (before the update) and on the validation set (after it); entries would
  // give 8/9.
  const auto make_net = [] {
    DeepNet<double> net({3, 3});
    net.layer(1).W() = 10.0 * Matrix<double>::Identity(3, 3);
    net.layer(1).b().setConstant(-5.0);
    return net;
  };
  Matrix<double> X(3, 3), Y(3, 3);
  X << 1, 0, 1,  //
      0, 0, 1,   //
      1, 0, 0;
  Y << 1, 0, 1,  //
      0, 0, 0,   //
      1, 0, 0;
  DeepNet<double> net = make_net();
  CHECK(net.accuracy(X, Y) == 2.0 / 3.0);
  const auto full = net.fit(X, Y, X, Y, FitOptions().learning_rate(1e-6).epochs(1));
  CHECK(full.epochs[0].accuracy == 2.0 / 3.0);
  CHECK(full.epochs[0].val_accuracy == 2.0 / 3.0);
  CHECK(full.epochs[0].val_accuracy == net.accuracy(X, Y));
  DeepNet<double> mini = make_net();
  const auto batches =
      mini.fit(X, Y, X, Y, FitOptions().learning_rate(1e-6).epochs(1).batch_size(2).shuffle(false));
  CHECK(batches.epochs[0].accuracy == 2.0 / 3.0);  // batch 0: 2 of 2; batch 1: 0 of 1
  CHECK(batches.epochs[0].val_accuracy == 2.0 / 3.0);
}

TEST_CASE("fit: one-hot Y for a sigmoid output is trained, with a warning to use Softmax",
          "[trainer][history]") {
  const Matrix<double> X = Matrix<double>::Random(2, 6);
  Matrix<double> Y = Matrix<double>::Zero(3, 6);
  for (Index j = 0; j < 6; ++j)
    Y(j % 3, j) = 1.0;  // classes 0, 1, 2, 0, 1, 2
  const std::string warning =
      "DeepNet::fit: every column of Y is one-hot, but the output layer is Sigmoid with "
      "BinaryCrossEntropy, which trains 3 independent yes/no outputs (multi-label); for "
      "exclusive classes give the output layer Activation::Softmax (it trains with "
      "CategoricalCrossEntropy), e.g. DeepNet<>(dims, Activation::ReLU, Activation::Softmax)";
  DeepNet<double> sigmoid({2, 4, 3});
  sigmoid.initialize(Init::He, 1);
  std::ostringstream silent, lines;
  const auto history = sigmoid.fit(X, Y, FitOptions().epochs(2).out(&silent));
  CHECK(history.epochs.size() == 2);  // trained all the same
  CHECK(history.warnings == std::vector<std::string>{warning});
  CHECK(silent.str().empty());  // the library is quiet unless asked
  sigmoid.fit(X, Y, FitOptions().epochs(1).progress(deepnet::Progress::Lines).out(&lines));
  CHECK_THAT(lines.str(), StartsWith("warning: " + warning + "\nepoch 1/1 "));

  DeepNet<double> softmax({2, 4, 3}, Activation::ReLU, Activation::Softmax);
  softmax.initialize(Init::He, 1);
  CHECK(softmax.fit(X, Y, FitOptions().epochs(1)).warnings.empty());
  // Multi-label data (an example with two labels) is what independent sigmoids are for.
  Y(2, 0) = 1.0;
  CHECK(sigmoid.fit(X, Y, FitOptions().epochs(1)).warnings.empty());
  // One sigmoid output, labels 0/1: binary classification, nothing to say.
  const Blobs data(3, 10, 20);
  DeepNet<double> binary = fresh_net();
  CHECK(binary.fit(data.X, data.Y, FitOptions().epochs(1)).warnings.empty());
}

TEST_CASE("fit: integer labels for a Softmax output train as their one-hot Y, bit for bit",
          "[trainer][labels]") {
  // Three classes in 4 features, random; mini-batches, shuffling and a validation set, so
  // that every step and epoch record is compared.
  deepnet::Random random(21);
  Matrix<double> X(4, 30), X_val(4, 9);
  deepnet::Labels labels(1, 30), labels_val(1, 9);
  for (Index j = 0; j < 30; ++j) {
    labels(0, j) = random.below(3);
    for (Index i = 0; i < 4; ++i)
      X(i, j) = random.normal() + static_cast<double>(labels(0, j) == i);
  }
  for (Index j = 0; j < 9; ++j) {
    labels_val(0, j) = j % 3;
    for (Index i = 0; i < 4; ++i)
      X_val(i, j) = random.normal();
  }
  const auto make = [] {
    DeepNet<double> net({4, 5, 3}, Activation::ReLU, Activation::Softmax);
    net.initialize(Init::He, 7);
    return net;
  };
  const auto options = FitOptions().learning_rate(0.1).epochs(3).batch_size(8).seed(2);
  const Matrix<double> Y = deepnet::one_hot(labels, 3), Y_val = deepnet::one_hot(labels_val, 3);

  DeepNet<double> with_y = make(), with_labels = make();
  const auto expected = with_y.fit(X, Y, options);
  const auto history = with_labels.fit(X, labels, options);
  CHECK(same_weights(with_y, with_labels));
  CHECK(history.cost == expected.cost);

  DeepNet<double> val_y = make(), val_labels = make(), mixed = make();
  const auto expected_val = val_y.fit(X, Y, X_val, Y_val, options);
  const auto history_val = val_labels.fit(X, labels, X_val, labels_val, options);
  mixed.fit(X, Y, X_val, labels_val.cast<int>(), options);
  CHECK(same_weights(val_y, val_labels));
  CHECK(same_weights(val_y, mixed));
  REQUIRE(history_val.epochs.size() == 3);
  CHECK(history_val.epochs.back().val_cost == expected_val.epochs.back().val_cost);
  CHECK(history_val.epochs.back().val_accuracy == expected_val.epochs.back().val_accuracy);
}

TEST_CASE("fit: integer labels out of range or of the wrong shape are named",
          "[trainer][labels][errors]") {
  DeepNet<double> net({2, 4}, Activation::ReLU, Activation::Softmax);
  net.initialize(Init::He, 1);
  const Matrix<double> X = Matrix<double>::Ones(2, 3);
  REQUIRE_THROWS_WITH(net.fit(X, (deepnet::Labels(1, 3) << 0, 4, 1).finished()),
                      "DeepNet::fit: labels(0, 1) is 4, but the Softmax output has n[L] = 4 "
                      "units: a label must be a class index 0..3");
  REQUIRE_THROWS_WITH(net.fit(X, deepnet::Labels::Zero(1, 3), X,
                              (deepnet::Labels(1, 3) << 0, 0, 9).finished(), FitOptions()),
                      "DeepNet::fit: labels_val(0, 2) is 9, but the Softmax output has n[L] = 4 "
                      "units: a label must be a class index 0..3");
  REQUIRE_THROWS_WITH(net.fit(X, deepnet::Labels::Zero(1, 2)),
                      "DeepNet::fit: labels is 1x2, expected 1x3 (one class index 0..3 per "
                      "example of X; one-hot targets are a matrix of floating-point numbers)");
  // X transposed is reported as X, not as labels of the wrong length.
  REQUIRE_THROWS_WITH(net.fit(Matrix<double>::Ones(3, 2), deepnet::Labels::Zero(1, 3)),
                      StartsWith("DeepNet::fit: X is 3x2"));
}

TEST_CASE("EarlyStopping: stops after `patience` observations without improvement",
          "[trainer][early_stopping]") {
  deepnet::EarlyStopping watch(3);
  const double costs[] = {1.0, 0.8, 0.9, 0.85, 0.81, 0.7};
  std::vector<bool> stop;
  for (double cost : costs)
    stop.push_back(watch.observe(cost));
  CHECK(stop == std::vector<bool>{false, false, false, false, true, false});
  CHECK(watch.best() == 0.7);
  CHECK(watch.best_index() == 5);

  deepnet::EarlyStopping strict(2, 0.05);  // improvements below 0.05 do not count
  CHECK_FALSE(strict.observe(1.0));
  CHECK_FALSE(strict.observe(0.97));
  CHECK(strict.observe(0.96));
  CHECK(strict.best_index() == 0);
  CHECK(deepnet::EarlyStopping(1).observe(std::nan("")));  // NaN never improves: stop
  REQUIRE_THROWS_WITH(deepnet::EarlyStopping(0), Contains("patience must be 1 or more"));
}

TEST_CASE("fit: early stopping ends training and restores the best epoch's weights",
          "[trainer][early_stopping]") {
  // Validation labels unrelated to the inputs: the validation cost soon rises.
  const Blobs train(3, 30, 10);
  Blobs noise(3, 30, 11);
  deepnet::Random random(3);
  for (Index j = 0; j < 30; ++j)
    noise.Y(0, j) = random.uniform() < 0.5 ? 0.0 : 1.0;
  DeepNet<double> net({3, 32, 1});
  net.initialize(Init::He, 4);
  const auto history = net.fit(train.X, train.Y, noise.X, noise.Y,
                               FitOptions().learning_rate(0.5).epochs(500).early_stopping(5));
  REQUIRE(history.stopped_early);
  CHECK(history.stop_reason == "early stopping");
  CHECK(static_cast<Index>(history.epochs.size()) == history.best_epoch + 6);
  // The weights are those of the best epoch: their validation cost is the best one recorded.
  DeepNet<double> check = net;
  const auto again =
      check.fit(train.X, train.Y, noise.X, noise.Y, FitOptions().learning_rate(1e-300).epochs(1));
  CHECK_THAT(
      again.epochs[0].val_cost,
      WithinRel(history.epochs[static_cast<std::size_t>(history.best_epoch)].val_cost, 1e-9));
}

TEST_CASE("fit: callbacks after a step or an epoch can stop training", "[trainer][callbacks]") {
  const Blobs data(3, 20, 12);
  DeepNet<double> net = fresh_net();
  std::vector<Index> epochs;
  const auto history =
      net.fit(data.X, data.Y,
              FitOptions().epochs(50).batch_size(5).epoch_callback([&](const deepnet::Epoch& e) {
                epochs.push_back(e.epoch);
                return e.epoch == 2 ? Control::Stop : Control::Continue;
              }));
  CHECK(epochs == std::vector<Index>{0, 1, 2});
  CHECK(history.epochs.size() == 3);
  CHECK(history.cost.size() == 12);
  CHECK(history.stop_reason == "callback");

  std::vector<Index> batches;
  net.fit(data.X, data.Y,
          FitOptions().epochs(5).batch_size(5).callback([&](const deepnet::Step& s) {
            batches.push_back(s.batch);
            return s.iteration == 5 ? Control::Stop : Control::Continue;
          }));
  CHECK(batches == std::vector<Index>{0, 1, 2, 3, 0, 1});
}

TEST_CASE("fit: prints the course's line, per iteration or per epoch", "[trainer][progress]") {
  const Blobs data(3, 20, 13);
  DeepNet<double> net = fresh_net();
  std::ostringstream full, mini;
  net.fit(data.X, data.Y, FitOptions().epochs(3).print_every(1).out(&full));
  CHECK_THAT(full.str(), StartsWith("Cost after iteration 0: "));
  net.fit(data.X, data.Y, FitOptions().epochs(3).batch_size(8).print_every(2).out(&mini));
  CHECK_THAT(mini.str(), StartsWith("Cost after epoch 0: "));
  CHECK_THAT(mini.str(), Contains("Cost after epoch 2: "));
}

TEST_CASE("fit: the progress line prints one plain line per epoch off a terminal",
          "[trainer][progress]") {
  const Blobs data(3, 20, 14), validation(3, 10, 15);
  DeepNet<double> net = fresh_net();
  std::ostringstream out;
  net.fit(data.X, data.Y, validation.X, validation.Y,
          FitOptions().epochs(3).batch_size(8).progress(deepnet::Progress::Auto).out(&out));
  const std::string text = out.str();
  CHECK(std::count(text.begin(), text.end(), '\n') == 3);
  CHECK(text.find('\r') == std::string::npos);
  CHECK_THAT(text, StartsWith("epoch 1/3  batch 3/3  cost "));
  CHECK_THAT(text, Contains("accuracy "));
  CHECK_THAT(text, Contains("val_cost "));
  CHECK_THAT(text, Contains("ETA "));
  std::ostringstream silent;
  net.fit(data.X, data.Y, FitOptions().epochs(2).out(&silent));
  CHECK(silent.str().empty());
  std::ostringstream sparse;
  net.fit(
      data.X, data.Y,
      FitOptions().epochs(10).progress(deepnet::Progress::Lines).progress_every(4).out(&sparse));
  const std::string lines = sparse.str();
  CHECK(std::count(lines.begin(), lines.end(), '\n') == 3);  // epochs 4, 8 and the last, 10
  CHECK_THAT(lines, StartsWith("epoch 4/10 "));
  CHECK_THAT(lines, Contains("\nepoch 10/10 "));
}

TEST_CASE("fit: diagnostics record per-layer statistics and count dead ReLUs",
          "[trainer][diagnostics]") {
  const Blobs data(3, 20, 16);
  DeepNet<double> net({3, 4, 1});
  net.initialize(Init::He, 5);
  net.layer(1).b() << -100.0, -100.0, 0.0, 0.0;  // two units can never fire
  const auto history = net.fit(data.X, data.Y, FitOptions().epochs(2).diagnostics(true));
  const auto& stats = history.epochs.back().layers;
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].layer == 1);
  CHECK(stats[0].dead_fraction >= 0.5);
  CHECK(std::isnan(stats[1].dead_fraction));  // sigmoid layer
  CHECK_THAT(stats[0].W_norm, WithinRel(net.layer(1).W().norm(), 1e-15));
  CHECK(stats[1].A_mean > 0.0);
}

TEST_CASE("History: exports the epochs as CSV", "[trainer][history]") {
  const Blobs data(3, 20, 17);
  DeepNet<double> net = fresh_net();
  const auto history = net.fit(data.X, data.Y, FitOptions().epochs(3).diagnostics(true));
  std::ostringstream csv;
  history.write_csv(csv);
  std::istringstream lines(csv.str());
  std::string header, row;
  std::getline(lines, header);
  CHECK(header ==
        "epoch,cost,accuracy,val_cost,val_accuracy,learning_rate,seconds,W_norm_1,dW_norm_1,"
        "A_mean_1,A_std_1,dead_fraction_1,W_norm_2,dW_norm_2,A_mean_2,A_std_2,dead_fraction_2");
  int rows = 0;
  while (std::getline(lines, row)) {
    ++rows;
    CHECK_THAT(row, Contains(",,,"));  // no validation set: empty cells
  }
  CHECK(rows == 3);
  REQUIRE_THROWS_WITH(history.save_csv("/nonexistent-directory/h.csv"),
                      Contains("cannot open /nonexistent-directory/h.csv"));
}

TEST_CASE("fit: rejects options and data that cannot work", "[trainer][errors]") {
  const Blobs data(3, 10, 18), validation(3, 5, 19);
  DeepNet<double> net = fresh_net();
  REQUIRE_THROWS_WITH(net.fit(data.X, data.Y, FitOptions().batch_size(-1)),
                      "DeepNet::fit: batch_size must be 0 (all examples) or more, got -1");
  REQUIRE_THROWS_WITH(net.fit(data.X, data.Y, FitOptions().early_stopping(3)),
                      Contains("early stopping watches the validation cost"));
  REQUIRE_THROWS_WITH(net.fit(data.X, data.Y, FitOptions().batch_size(20).drop_last(true)),
                      Contains("would train on nothing"));
  REQUIRE_THROWS_WITH(
      net.fit(data.X, data.Y, validation.X.topRows(2), validation.Y),
      "DeepNet::fit: X_val is 2x5, expected 3x5 (n[0] = 3 rows, one column per example)");
  REQUIRE_THROWS_WITH(net.fit(data.X, data.Y, validation.X, validation.Y.leftCols(4)),
                      Contains("Y_val is 1x4, expected 1x5"));
  Matrix<double> bad = data.Y;
  bad(0, 3) = 7;
  REQUIRE_THROWS_WITH(net.fit(data.X, bad), Contains("Y(0, 3) is 7"));
  REQUIRE_THROWS_WITH(net.set_keep_prob(2, 0.5), Contains("dropout is for hidden layers only"));
  REQUIRE_THROWS_WITH(net.set_keep_prob(1, 0.0), "layer 1: keep_prob must be in (0, 1], got 0");
  REQUIRE_THROWS_WITH(net.set_l2(-1.0), Contains("lambda must be 0 or more"));
}

TEST_CASE("fit: X and Y with one row per example are reported as transposed", "[trainer][errors]") {
  const Blobs data(3, 10, 18), validation(3, 5, 19);
  DeepNet<double> net = fresh_net();  // {3, 5, 1}
  const Matrix<double> X_rows = data.X.transpose(), Y_rows = data.Y.transpose();
  // X is m x n[0] = 10x3: the notes want its transpose, 3x10.
  REQUIRE_THROWS_AS(net.fit(X_rows, data.Y), deepnet::ShapeError);
  REQUIRE_THROWS_WITH(net.fit(X_rows, data.Y),
                      "DeepNet::fit: X is 10x3, expected 3x10 (n[0] x m = 3 x m: samples are "
                      "columns; is X transposed? use X.transpose())");
  REQUIRE_THROWS_WITH(net.fit(data.X, Y_rows),
                      "DeepNet::fit: Y is 10x1, expected 1x10 (the shape of A[2]: n[2] x m = 1 x "
                      "m: samples are columns; is Y transposed? use Y.transpose())");
  const Matrix<double> X_val_rows = validation.X.transpose();
  const Matrix<double> Y_val_rows = validation.Y.transpose();
  REQUIRE_THROWS_WITH(net.fit(data.X, data.Y, X_val_rows, validation.Y),
                      Contains("X_val is 5x3, expected 3x5 (n[0] x m = 3 x m: samples are "
                               "columns; is X_val transposed? use X_val.transpose())"));
  REQUIRE_THROWS_WITH(net.fit(data.X, data.Y, validation.X, Y_val_rows),
                      Contains("Y_val is 5x1, expected 1x5 (the shape of A[2]: n[2] x m = 1 x m: "
                               "samples are columns; is Y_val transposed? use Y_val.transpose())"));
}

TEST_CASE("fit: a float network trains on double data (converted once)", "[trainer]") {
  const Blobs data(3, 30, 20);
  DeepNet<float> net({3, 5, 1});
  net.initialize(Init::He, 1);
  const auto history = net.fit(data.X, data.Y, FitOptions().learning_rate(0.1).epochs(50));
  CHECK(history.epochs.back().cost < history.epochs.front().cost);
}

TEST_CASE("Trainer: runs epoch by epoch", "[trainer]") {
  const Blobs data(3, 16, 21);
  DeepNet<double> net = fresh_net();
  deepnet::Trainer<double> trainer(net, data.X, data.Y, FitOptions().epochs(3).batch_size(8));
  CHECK(trainer.batches() == 2);
  int epochs = 0;
  while (!trainer.done()) {
    const deepnet::Epoch& e = trainer.run_epoch();
    CHECK(e.epoch == epochs++);
  }
  CHECK(epochs == 3);
  CHECK(trainer.history().cost.size() == 6);
  REQUIRE_THROWS_AS(trainer.run_epoch(), deepnet::StateError);
}

TEST_CASE("data_parallel over a group of one process trains the bits of fit without a group",
          "[trainer][data_parallel]") {
  // Shuffled mini-batches with a smaller last one, Adam, L2, dropout, batch normalisation, a
  // validation set with early stopping: every part of the data-parallel step, over one process.
  Matrix<double> X(5, 70), Y = Matrix<double>::Zero(3, 70);
  deepnet::Random random(17);
  for (Index j = 0; j < 70; ++j) {
    for (Index i = 0; i < 5; ++i)
      X(i, j) = random.uniform() - 0.5;
    Y(random.below(3), j) = 1.0;
  }
  const Matrix<double> X_val = X.leftCols(20), Y_val = Y.leftCols(20);
  const auto make = [] {
    DeepNet<double> net({5, 7, 6, 3}, Activation::ReLU, Activation::Softmax);
    net.set_batch_norm(2);
    net.set_keep_prob(1, 0.8);
    net.set_l2(0.05);
    net.initialize(Init::He, 8);
    return net;
  };
  const FitOptions options = FitOptions()
                                 .learning_rate(0.01)
                                 .epochs(12)
                                 .batch_size(16)
                                 .seed(4)
                                 .optimizer(OptimizerSettings::adam())
                                 .early_stopping(4);
  DeepNet<double> alone = make(), grouped = make();
  const deepnet::History expected = alone.fit(X, Y, X_val, Y_val, options);
  deepnet_test::OneProcess group;
  FitOptions with_group = options;
  const deepnet::History history = grouped.fit(X, Y, X_val, Y_val, with_group.data_parallel(group));

  CHECK(group.sums > 0);
  CHECK(history.cost == expected.cost);
  REQUIRE(history.epochs.size() == expected.epochs.size());
  for (std::size_t e = 0; e < history.epochs.size(); ++e)
    CHECK(history.epochs[e].val_cost == expected.epochs[e].val_cost);
  const std::vector<deepnet::NamedTensor<double>> a = alone.parameters(), b = grouped.parameters();
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    CAPTURE(a[k].name);
    CHECK(Matrix<double>(a[k].value) == Matrix<double>(b[k].value));
  }
  CHECK(grouped.l2() == 0.05);
}
