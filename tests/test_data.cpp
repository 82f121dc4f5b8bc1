// Tests for data.hpp: one_hot, scale and scale_to_unit, standardize (statistics of the training
// set applied to another set), the split that search.hpp uses too, and the stratified split.
#include "support/test_support.hpp"

#include <deepnet/core/deep_net.hpp>
#include <deepnet/io/idx.hpp>
#include <deepnet/tools/data.hpp>
#include <deepnet/tools/search.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

using deepnet::ConfigError;
using deepnet::DataError;
using deepnet::Index;
using deepnet::Labels;
using deepnet::Matrix;
using deepnet::ShapeError;
using deepnet::Vector;
using deepnet_test::IsClose;

TEST_CASE("one_hot: a 1 in the row of each column's class", "[data]") {
  const Labels labels = (Labels(1, 4) << 2, 0, 1, 2).finished();
  const Matrix<double> Y = deepnet::one_hot(labels, 3);
  CHECK(Y == (Matrix<double>(3, 4) << 0, 1, 0, 0,  //
              0, 0, 1, 0,                          //
              1, 0, 0, 1)
                 .finished());
  // Labels held as float or double (a CSV label column), and a float result.
  const Matrix<float> from_double = deepnet::one_hot<float>(labels.cast<double>(), 3);
  CHECK(from_double == Y.cast<float>());
  // More classes than the labels use: empty rows.
  CHECK(deepnet::one_hot(labels, 5).bottomRows(2).isZero());
  // Unsigned labels.
  const Eigen::Matrix<std::uint8_t, 1, 2> bytes(1, 0);
  CHECK(deepnet::one_hot(bytes, 2) == (Matrix<double>(2, 2) << 0, 1, 1, 0).finished());
}

TEST_CASE("to_labels: the inverse of one_hot, in the type of classify and load_idx",
          "[data][to_labels]") {
  static_assert(std::is_same<decltype(deepnet::to_labels(Matrix<float>())), Labels>::value,
                "to_labels returns deepnet::Labels");
  static_assert(std::is_same<decltype(deepnet::DeepNet<float>({1, 2}).classify(Matrix<float>())),
                             Labels>::value,
                "classify returns deepnet::Labels");
  static_assert(std::is_same<decltype(deepnet::IdxDataset<float>().labels), Labels>::value,
                "load_idx_pair returns deepnet::Labels");
  // Random labels of K = 7 classes, some of which may be absent.
  deepnet::Random random(5);
  Labels labels(1, 200);
  for (Index j = 0; j < labels.cols(); ++j)
    labels(0, j) = random.below(7);
  CHECK(deepnet::to_labels(deepnet::one_hot(labels, 7)) == labels);
  CHECK(deepnet::to_labels(deepnet::one_hot<float>(labels, 9)) == labels);
  // Scores: the row of the largest entry; a tie goes to the lower row (column 1), as NumPy's
  // argmax; negative scores (logits) work too (column 3).
  const Matrix<double> scores = (Matrix<double>(3, 4) << 0.1, 0.5, 0.3, -2,  //
                                 0.7, 0.5, 0.3, -1,                          //
                                 0.2, 0.0, 0.4, -3)
                                    .finished();
  CHECK(deepnet::to_labels(scores) == (Labels(1, 4) << 1, 0, 2, 1).finished());
  CHECK(deepnet::to_labels(Matrix<double>(2, 0)).cols() == 0);
}

TEST_CASE("to_labels: one row, or a NaN, is refused", "[data][to_labels][errors]") {
  REQUIRE_THROWS_AS(deepnet::to_labels(Matrix<double>::Ones(1, 3)), ShapeError);
  REQUIRE_THROWS_WITH(deepnet::to_labels(Matrix<double>::Ones(1, 3)),
                      "to_labels: A is 1x3, expected 2x3 (at least two rows, one per class: with "
                      "one row every class would be 0; a single Sigmoid output is thresholded by "
                      "DeepNet::classify, and a row of class indices is labels already)");
  Matrix<double> A = Matrix<double>::Zero(3, 2);
  A(1, 1) = std::nan("");
  try {
    deepnet::to_labels(A);
    FAIL("no DataError");
  } catch (const DataError& e) {
    CHECK(std::string(e.what()) ==
          "to_labels: A(1, 1) is nan; a column with NaN has no largest entry");
    CHECK(e.col() == 1);
  }
}

TEST_CASE("one_hot: a label outside 0..classes-1 names its column", "[data][errors]") {
  const Labels labels = (Labels(1, 4) << 2, 0, 10, 2).finished();
  try {
    deepnet::one_hot(labels, 10);
    FAIL("no DataError");
  } catch (const DataError& e) {
    CHECK(std::string(e.what()) ==
          "one_hot: labels(0, 2) is 10, but a label must be a class index 0..9 (classes = 10)");
    CHECK(e.symbol() == "labels");
    CHECK(e.row() == 0);
    CHECK(e.col() == 2);
  }
  REQUIRE_THROWS_WITH(deepnet::one_hot((Labels(1, 2) << 0, -1).finished(), 3),
                      "one_hot: labels(0, 1) is -1, but a label must be a class index 0..2 "
                      "(classes = 3)");
  REQUIRE_THROWS_WITH(deepnet::one_hot((Matrix<double>(1, 2) << 0.5, 1).finished(), 3),
                      "one_hot: labels(0, 0) is 0.5, but a label must be a class index 0..2 "
                      "(classes = 3)");
  REQUIRE_THROWS_WITH(
      deepnet::one_hot((Matrix<double>(1, 1) << std::nan("")).finished(), 3),
      "one_hot: labels(0, 0) is nan, but a label must be a class index 0..2 (classes = 3)");
  REQUIRE_THROWS_WITH(deepnet::one_hot(labels, 0), "one_hot: classes must be 1 or more, got 0");
  REQUIRE_THROWS_AS(deepnet::one_hot(Labels(2, 3), 3), ShapeError);
  REQUIRE_THROWS_WITH(deepnet::one_hot(Labels::Zero(4, 1), 3),
                      "one_hot: labels is 4x1, expected 1x1 (one row of class indices, one "
                      "column per example)");
}

TEST_CASE("scale and scale_to_unit: a known range onto 0..1", "[data]") {
  const Matrix<double> X = (Matrix<double>(2, 3) << 0, 51, 255, 255, 102, 0).finished();
  CHECK(deepnet::scale_to_unit(X, 255) == X / 255.0);
  CHECK(deepnet::scale(X, 0, 255) == X / 255.0);
  const Matrix<float> Xf = X.cast<float>();
  CHECK(deepnet::scale_to_unit(Xf, 255) == Xf / 255.0f);
  CHECK_THAT(deepnet::scale(X, 0, 255, -1, 1),
             IsClose((Matrix<double>(2, 3) << -1, -0.6, 1, 1, -0.2, -1).finished(), 1e-15));
  // Values outside the range are not clipped.
  CHECK(deepnet::scale((Matrix<double>(1, 2) << -5, 15).finished(), 0, 10) ==
        (Matrix<double>(1, 2) << -0.5, 1.5).finished());

  REQUIRE_THROWS_AS(deepnet::scale(X, 1, 1), ConfigError);
  REQUIRE_THROWS_WITH(deepnet::scale(X, 2, 1),
                      "scale: the input range must be finite with low < high, got 2..1");
  REQUIRE_THROWS_WITH(deepnet::scale(X, 0, 1, 1, 0),
                      "scale: the target range must be finite with low < high, got 1..0");
  REQUIRE_THROWS_WITH(deepnet::scale_to_unit(X, 0),
                      "scale_to_unit: max_value must be positive and finite, got 0");
  REQUIRE_THROWS_AS(deepnet::scale_to_unit(X, std::numeric_limits<double>::infinity()),
                    ConfigError);
}

TEST_CASE("standardize: statistics of the training set, applied to any set", "[data]") {
  // Feature 0: 1, 2, 3, 4 (mean 2.5, population std sqrt(1.25)); feature 1: constant 7.
  const Matrix<double> X_train = (Matrix<double>(2, 4) << 1, 2, 3, 4, 7, 7, 7, 7).finished();
  const auto standard = deepnet::standardize(X_train);
  CHECK_THAT(Matrix<double>(standard.mean),
             IsClose((Matrix<double>(2, 1) << 2.5, 7).finished(), 1e-15));
  CHECK_THAT(Matrix<double>(standard.stddev),
             IsClose((Matrix<double>(2, 1) << std::sqrt(1.25), 1).finished(), 1e-15));

  const Matrix<double> Z = standard.apply(X_train);
  CHECK(std::abs(Z.row(0).mean()) < 1e-15);
  CHECK(std::abs(Z.row(0).array().square().mean() - 1.0) < 1e-12);
  CHECK(Z.row(1).isZero());  // a constant feature becomes 0, not NaN

  // Another set gets the training set's transform, not its own.
  const Matrix<double> X_test = (Matrix<double>(2, 2) << 2.5, 5, 8, 7).finished();
  const Matrix<double> Z_test = standard.apply(X_test);
  CHECK(Z_test(0, 0) == 0.0);
  CHECK_THAT(Z_test,
             IsClose((Matrix<double>(2, 2) << 0, 2.5 / std::sqrt(1.25), 1, 0).finished(), 1e-15));

  // Float data: statistics accumulated in double, returned as float.
  const auto standard_f = deepnet::standardize(X_train.cast<float>().eval());
  CHECK(standard_f.mean(0) == 2.5f);
  CHECK(standard_f.apply(X_test.cast<float>()).cols() == 2);

  REQUIRE_THROWS_WITH(standard.apply(Matrix<double>(3, 2)),
                      "Standardization::apply: X is 3x2, expected 2x2 (one row per feature of "
                      "the training set)");
  REQUIRE_THROWS_WITH(deepnet::standardize(Matrix<double>(2, 0)),
                      "standardize: X has no columns (m = 0); give at least one example");
  Matrix<double> with_nan = X_train;
  with_nan(1, 2) = std::nan("");
  REQUIRE_THROWS_WITH(deepnet::standardize(with_nan),
                      "standardize: X(1, 2) is nan; inputs must be finite numbers");
}

TEST_CASE("split lives in data.hpp and search.hpp uses the same one", "[data]") {
  const Index m = 20;
  Matrix<double> X(3, m);
  Labels labels(1, m);
  for (Index j = 0; j < m; ++j) {
    X.col(j).setConstant(static_cast<double>(j));
    labels(0, j) = j % 4;
  }
  // Labels (Index) as Y: converted to X's scalar type, paired column by column.
  const auto [X_train, y_train, X_val, y_val] = deepnet::split(X, labels, 0.25, 3);
  REQUIRE(X_val.cols() == 5);
  REQUIRE(X_train.cols() == 15);
  for (Index j = 0; j < X_val.cols(); ++j)
    CHECK(y_val(0, j) == static_cast<double>(static_cast<Index>(X_val(0, j)) % 4));
  for (Index j = 0; j < X_train.cols(); ++j)
    CHECK(y_train(0, j) == static_cast<double>(static_cast<Index>(X_train(0, j)) % 4));

  // A hold-out search validates on exactly the examples split holds out with the same seed.
  const deepnet::Validation validation = deepnet::Validation::holdout(0.25, 3);
  const auto again =
      deepnet::split(X, labels.cast<double>(), validation.fraction(), validation.seed());
  CHECK(again.X_val == X_val);
}

namespace {

// Labels sorted by class, the hardest case for a split that does not stratify: 50 examples of
// class 0, 30 of class 1, 7 of class 2 and 3 of class 3 (m = 90). Column j of X holds j.
struct SortedClasses {
  Matrix<double> X;
  Labels labels;
  SortedClasses() : X(2, 90), labels(1, 90) {
    const Index sizes[] = {50, 30, 7, 3};
    Index j = 0;
    for (Index c = 0; c < 4; ++c) {
      for (Index k = 0; k < sizes[c]; ++k, ++j) {
        labels(0, j) = c;
        X.col(j).setConstant(static_cast<double>(j));
      }
    }
  }
};

}  // namespace

TEST_CASE("stratified_split: each class keeps its share of both parts", "[data][stratified]") {
  const SortedClasses data;
  deepnet::SplitIndices parts;
  const auto split = deepnet::stratified_split(data.X, data.labels, 0.2, 7, &parts);
  // round(0.2 x 90) = 18 held out. Exact shares 0.2 x {50, 30, 7, 3} = {10, 6, 1.4, 0.6}:
  // rounded down {10, 6, 1, 0} = 17, and the one left goes to the largest remainder, class 3.
  const Index expected_val[] = {10, 6, 1, 1};
  const Index sizes[] = {50, 30, 7, 3};
  REQUIRE(split.X_val.cols() == 18);
  REQUIRE(split.X_train.cols() == 72);
  for (Index c = 0; c < 4; ++c) {
    const Index in_val = (split.Y_val.array() == static_cast<double>(c)).count();
    const Index in_train = (split.Y_train.array() == static_cast<double>(c)).count();
    CHECK(in_val == expected_val[c]);
    CHECK(in_train == sizes[c] - expected_val[c]);
    CHECK(std::fabs(static_cast<double>(in_val) - 0.2 * static_cast<double>(sizes[c])) < 1.0);
  }

  // The indices: increasing, disjoint, together 0..89, and the columns of each part.
  REQUIRE(parts.val.size() == 18);
  REQUIRE(parts.train.size() == 72);
  std::vector<int> seen(90, 0);
  for (const std::vector<Index>* part : {&parts.train, &parts.val}) {
    for (std::size_t k = 0; k < part->size(); ++k) {
      ++seen[static_cast<std::size_t>((*part)[k])];
      if (k > 0) CHECK((*part)[k - 1] < (*part)[k]);
    }
  }
  CHECK(std::count(seen.begin(), seen.end(), 1) == 90);
  for (std::size_t k = 0; k < parts.val.size(); ++k) {
    CHECK(split.X_val(0, static_cast<Index>(k)) == static_cast<double>(parts.val[k]));
    CHECK(split.Y_val(0, static_cast<Index>(k)) ==
          static_cast<double>(data.labels(0, parts.val[k])));
  }
  for (std::size_t k = 0; k < parts.train.size(); ++k)
    CHECK(split.X_train(0, static_cast<Index>(k)) == static_cast<double>(parts.train[k]));

  // Deterministic for a seed; one-hot columns give the classes the labels give.
  const deepnet::SplitIndices again = deepnet::stratified_split_indices(data.labels, 0.2, 7);
  CHECK(again.val == parts.val);
  CHECK(again.train == parts.train);
  const Matrix<double> Y = deepnet::one_hot(data.labels, 4);
  CHECK(deepnet::stratified_split_indices(Y, 0.2, 7).val == parts.val);
  const auto one_hot_split = deepnet::stratified_split(data.X, Y, 0.2, 7);
  CHECK(one_hot_split.X_val == split.X_val);
  CHECK(one_hot_split.Y_val.rows() == 4);
  CHECK(deepnet::stratified_split_indices(data.labels, 0.2, 8).val != parts.val);
}

TEST_CASE("split_indices: the examples split holds out", "[data][stratified]") {
  const SortedClasses data;
  const deepnet::SplitIndices parts = deepnet::split_indices(90, 0.2, 3);
  const auto split = deepnet::split(data.X, data.labels, 0.2, 3);
  REQUIRE(parts.val.size() == 18);
  REQUIRE(parts.train.size() == 72);
  for (std::size_t k = 0; k < parts.val.size(); ++k)
    CHECK(split.X_val(0, static_cast<Index>(k)) == static_cast<double>(parts.val[k]));
  for (std::size_t k = 0; k < parts.train.size(); ++k)
    CHECK(split.X_train(0, static_cast<Index>(k)) == static_cast<double>(parts.train[k]));
}

TEST_CASE("stratified_split: labels that are not classes, fractions that leave a part empty",
          "[data][stratified][errors]") {
  const SortedClasses data;
  Matrix<double> Y = deepnet::one_hot(data.labels, 4);
  Y(1, 5) = 1;  // column 5: two classes
  REQUIRE_THROWS_AS(deepnet::stratified_split(data.X, Y, 0.2, 1), DataError);
  REQUIRE_THROWS_WITH(deepnet::stratified_split(data.X, Y, 0.2, 1),
                      "stratified_split: column 5 of Y is not one-hot (one 1, the rest 0); "
                      "stratifying needs one class per example: one-hot columns, or a row of "
                      "labels");
  Matrix<double> targets = data.labels.cast<double>();
  targets(0, 3) = 0.5;
  REQUIRE_THROWS_WITH(deepnet::stratified_split_indices(targets, 0.2, 1),
                      "stratified_split: Y(0, 3) is 0.5, not a class label; stratifying needs one "
                      "whole-number label per example, or one-hot columns");
  REQUIRE_THROWS_AS(deepnet::stratified_split_indices(data.labels, 0.0, 1), ConfigError);
  REQUIRE_THROWS_WITH(deepnet::stratified_split_indices(data.labels, 0.005, 1),
                      "stratified_split: fraction 0.005 of m = 90 examples holds out 0; both the "
                      "training and the validation part need at least one example");
  REQUIRE_THROWS_AS(deepnet::stratified_split(data.X.leftCols(89), data.labels, 0.2, 1),
                    ShapeError);
}
