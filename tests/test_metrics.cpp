// Tests for tools/metrics.hpp: the confusion matrix, per-class precision, recall, F1 and
// support, their averages and the printed report, against numbers worked out by hand and
// against tests/fixtures/metrics.txt (NumPy, tests/fixtures/generate.py).
#include "support/test_support.hpp"

#include <deepnet/core/deep_net.hpp>
#include <deepnet/tools/metrics.hpp>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using Catch::Matchers::WithinRel;
using deepnet::Activation;
using deepnet::ConfigError;
using deepnet::ConfusionMatrix;
using deepnet::DataError;
using deepnet::DeepNet;
using deepnet::Index;
using deepnet::Labels;
using deepnet::Matrix;
using deepnet::ShapeError;

namespace {

// Ten examples of three classes:
//   truth     0 0 0 0 1 1 1 2 2 2
//   predicted 0 0 1 2 1 1 0 2 2 1
// Row t counts the predictions of class t's examples:
//   class 0 -> 0, 0, 1, 2: (2, 1, 1), support 4
//   class 1 -> 1, 1, 0:    (1, 2, 0), support 3
//   class 2 -> 2, 2, 1:    (0, 1, 2), support 3
// The columns sum to the predictions of each class: 3, 4, 3.
const Labels kTruth = (Labels(1, 10) << 0, 0, 0, 0, 1, 1, 1, 2, 2, 2).finished();
const Labels kPredicted = (Labels(1, 10) << 0, 0, 1, 2, 1, 1, 0, 2, 2, 1).finished();

}  // namespace

TEST_CASE("ConfusionMatrix: counts, precision, recall, F1 and averages by hand", "[metrics]") {
  const ConfusionMatrix confusion(kTruth, kPredicted, 3);
  CHECK(confusion.classes() == 3);
  CHECK(confusion.counts() == (Labels(3, 3) << 2, 1, 1,  //
                               1, 2, 0,                  //
                               0, 1, 2)
                                  .finished());
  CHECK(confusion(0, 2) == 1);
  CHECK(confusion.total() == 10);
  CHECK(confusion.correct() == 6);
  CHECK(confusion.accuracy() == 0.6);
  // precision = TP / predicted: 2/3, 2/4, 2/3; recall = TP / support: 2/4, 2/3, 2/3;
  // F1 = 2 TP / (support + predicted): 4/7, 4/7, 4/6.
  CHECK(confusion.support(0) == 4);
  CHECK(confusion.predicted(1) == 4);
  CHECK(confusion.precision(0) == 2.0 / 3.0);
  CHECK(confusion.precision(1) == 0.5);
  CHECK(confusion.precision(2) == 2.0 / 3.0);
  CHECK(confusion.recall(0) == 0.5);
  CHECK(confusion.recall(1) == 2.0 / 3.0);
  CHECK(confusion.recall(2) == 2.0 / 3.0);
  CHECK(confusion.f1(0) == 4.0 / 7.0);
  CHECK(confusion.f1(1) == 4.0 / 7.0);
  CHECK(confusion.f1(2) == 4.0 / 6.0);
  // Macro: (2/3 + 1/2 + 2/3) / 3 = 11/18 for both precision and recall;
  // (4/7 + 4/7 + 2/3) / 3 = 38/63 for F1. Weighted by support 4, 3, 3 over 10:
  // precision (8/3 + 3/2 + 2) / 10 = 37/60, recall 6/10, F1 (16/7 + 12/7 + 2) / 10 = 6/10.
  CHECK_THAT(confusion.macro_precision(), WithinRel(11.0 / 18.0, 1e-15));
  CHECK_THAT(confusion.macro_recall(), WithinRel(11.0 / 18.0, 1e-15));
  CHECK_THAT(confusion.macro_f1(), WithinRel(38.0 / 63.0, 1e-15));
  CHECK_THAT(confusion.weighted_precision(), WithinRel(37.0 / 60.0, 1e-15));
  CHECK_THAT(confusion.weighted_recall(), WithinRel(0.6, 1e-15));
  CHECK_THAT(confusion.weighted_f1(), WithinRel(0.6, 1e-15));
  // The same rows as doubles (a CSV label column) count the same.
  CHECK(ConfusionMatrix(kTruth.cast<double>(), kPredicted, 3).counts() == confusion.counts());
}

TEST_CASE("ConfusionMatrix: a class without predictions or examples scores 0", "[metrics]") {
  // truth 0 0 1 1 3, predicted 0 1 1 1 0, K = 4. Class 2 has no examples and no predictions;
  // class 3 has one example and no predictions. Predictions per class: 2, 3, 0, 0; support
  // 2, 2, 0, 1. precision: 1/2, 2/3, 0 (none predicted), 0 (none predicted); recall: 1/2,
  // 2/2, 0 (no examples), 0/1; F1: 2/4, 4/5, 0 (0/0), 0/1.
  const Labels truth = (Labels(1, 5) << 0, 0, 1, 1, 3).finished();
  const Labels predicted = (Labels(1, 5) << 0, 1, 1, 1, 0).finished();
  const ConfusionMatrix confusion(truth, predicted, 4);
  CHECK(confusion.precision(2) == 0.0);
  CHECK(confusion.precision(3) == 0.0);
  CHECK(confusion.recall(2) == 0.0);
  CHECK(confusion.recall(3) == 0.0);
  CHECK(confusion.f1(2) == 0.0);
  CHECK(confusion.f1(3) == 0.0);
  CHECK(confusion.f1(1) == 0.8);
  // Macro F1 counts all four classes: (1/2 + 4/5 + 0 + 0) / 4 = 0.325.
  CHECK_THAT(confusion.macro_f1(), WithinRel(0.325, 1e-15));
  const std::string report = deepnet::classification_report(confusion);
  CHECK_THAT(report, Catch::Matchers::EndsWith(
                         "note: precision is 0 for 2 and 3: no example was "
                         "predicted as them\n"
                         "note: recall is 0 for 2: it has no examples (support 0)\n"));
}

TEST_CASE("ConfusionMatrix: matches the NumPy reference (metrics.txt)", "[metrics][golden]") {
  for (const deepnet_test::Fixture& fixture : deepnet_test::read_fixture_file("metrics.txt")) {
    CAPTURE(fixture.name);
    const auto K = static_cast<Index>(fixture.scalar_or_field("classes"));
    const ConfusionMatrix confusion(fixture.matrix("truth"), fixture.matrix("predicted"), K);
    CHECK(confusion.counts() == fixture.matrix("confusion").cast<Index>());
    for (Index k = 0; k < K; ++k) {
      CAPTURE(k);
      // Single divisions of whole numbers: exactly NumPy's.
      CHECK(confusion.precision(k) == fixture.matrix("precision")(0, k));
      CHECK(confusion.recall(k) == fixture.matrix("recall")(0, k));
      CHECK(confusion.f1(k) == fixture.matrix("f1")(0, k));
      CHECK(static_cast<double>(confusion.support(k)) == fixture.matrix("support")(0, k));
    }
    CHECK(confusion.accuracy() == fixture.scalar("accuracy"));
    // Sums of K terms: the reference rounds once (fsum), deepnet after each term.
    const double tol = 1e-14;
    CHECK_THAT(confusion.macro_precision(), WithinRel(fixture.scalar("macro_precision"), tol));
    CHECK_THAT(confusion.macro_recall(), WithinRel(fixture.scalar("macro_recall"), tol));
    CHECK_THAT(confusion.macro_f1(), WithinRel(fixture.scalar("macro_f1"), tol));
    CHECK_THAT(confusion.weighted_precision(),
               WithinRel(fixture.scalar("weighted_precision"), tol));
    CHECK_THAT(confusion.weighted_recall(), WithinRel(fixture.scalar("weighted_recall"), tol));
    CHECK_THAT(confusion.weighted_f1(), WithinRel(fixture.scalar("weighted_f1"), tol));
  }
}

TEST_CASE("ConfusionMatrix: from a network, X and labels", "[metrics]") {
  // One Softmax layer with W = 10 I, b = 0: each column's class is the row of its largest x.
  DeepNet<double> net({3, 3}, Activation::ReLU, Activation::Softmax);
  net.layer(1).W() = 10.0 * Matrix<double>::Identity(3, 3);
  Matrix<double> X = Matrix<double>::Zero(3, 10);
  for (Index j = 0; j < 10; ++j)
    X(kPredicted(0, j), j) = 1.0;  // predicts kPredicted
  const ConfusionMatrix confusion(net, X, kTruth);
  CHECK(confusion.counts() == ConfusionMatrix(kTruth, kPredicted, 3).counts());

  // A single Sigmoid output: two classes, 0 and 1. z = 10 x - 5 is on for x = 1.
  DeepNet<double> binary({1, 1});
  binary.layer(1).W().setConstant(10.0);
  binary.layer(1).b().setConstant(-5.0);
  const Matrix<double> x = (Matrix<double>(1, 4) << 1, 0, 1, 0).finished();
  const Labels y = (Labels(1, 4) << 1, 1, 0, 0).finished();  // TP, FN, FP, TN
  CHECK(ConfusionMatrix(binary, x, y).counts() == (Labels(2, 2) << 1, 1, 1, 1).finished());

  REQUIRE_THROWS_AS(ConfusionMatrix(DeepNet<double>({3, 2}), X, kTruth), ConfigError);
  REQUIRE_THROWS_WITH(
      ConfusionMatrix(DeepNet<double>({3, 2}, Activation::ReLU, Activation::Identity), X, kTruth),
      "DeepNet::classify needs a Sigmoid or Softmax output layer; this network's is Identity (a "
      "regression output): use predict");
  REQUIRE_THROWS_WITH(ConfusionMatrix(net, X, kTruth.leftCols(9)),
                      "ConfusionMatrix: labels is 1x9, expected 1x10 (one class index per "
                      "example)");
}

TEST_CASE("ConfusionMatrix: wrong labels and classes are named", "[metrics][errors]") {
  try {
    const Labels predicted = (Labels(1, 3) << 0, 3, 1).finished();
    ConfusionMatrix(kTruth.leftCols(3), predicted, 3);
    FAIL("no DataError");
  } catch (const DataError& e) {
    CHECK(std::string(e.what()) ==
          "ConfusionMatrix: predicted(0, 1) is 3, but a label must be a class index 0..2 "
          "(classes = 3)");
    CHECK(e.symbol() == "predicted");
    CHECK(e.col() == 1);
  }
  REQUIRE_THROWS_WITH(
      ConfusionMatrix((Matrix<double>(1, 2) << 0, 1.5).finished(), kPredicted.leftCols(2), 3),
      "ConfusionMatrix: truth(0, 1) is 1.5, but a label must be a class index 0..2 (classes = "
      "3)");
  REQUIRE_THROWS_AS(ConfusionMatrix(kTruth, kPredicted.leftCols(9), 3), ShapeError);
  REQUIRE_THROWS_AS(ConfusionMatrix(Labels(1, 0), Labels(1, 0), 3), std::invalid_argument);
  REQUIRE_THROWS_WITH(ConfusionMatrix(kTruth, kPredicted, 0),
                      "ConfusionMatrix: classes must be 1 or more, got 0");
  const ConfusionMatrix confusion(kTruth, kPredicted, 3);
  // Each checks k before it reads the counts (in a release build a read past the matrix
  // would not be caught).
  REQUIRE_THROWS_AS(confusion.precision(3), std::out_of_range);
  REQUIRE_THROWS_AS(confusion.recall(-1), std::out_of_range);
  REQUIRE_THROWS_AS(confusion.f1(3), std::out_of_range);
  REQUIRE_THROWS_WITH(deepnet::classification_report(confusion, {"a", "b"}),
                      "classification_report: 2 class names for 3 classes; give one name per "
                      "class, in the order 0..2, or none");
}

TEST_CASE("classification_report: scikit-learn's layout, with class names", "[metrics]") {
  // The numbers of the first test case to three digits: 2/3 = 0.667, 4/7 = 0.571,
  // 11/18 = 0.611, 38/63 = 0.603, 37/60 = 0.617. The name column is as wide as
  // "weighted avg" (12); the others are 9 wide, each after one space.
  const ConfusionMatrix confusion(kTruth, kPredicted, 3);
  std::ostringstream out;
  deepnet::print_classification_report(out, confusion, {"cat", "dog", "bird"});
  CHECK(out.str() ==
        "              precision    recall  f1-score   support\n"
        "\n"
        "         cat      0.667     0.500     0.571         4\n"
        "         dog      0.500     0.667     0.571         3\n"
        "        bird      0.667     0.667     0.667         3\n"
        "\n"
        "    accuracy                          0.600        10\n"
        "   macro avg      0.611     0.611     0.603        10\n"
        "weighted avg      0.617     0.600     0.600        10\n");
  CHECK_THAT(deepnet::classification_report(confusion, {}, 2),
             Catch::Matchers::Contains("           0       0.67      0.50      0.57         4\n"));
}

TEST_CASE("print_confusion_matrix: one line per true class", "[metrics]") {
  const ConfusionMatrix confusion(kTruth, kPredicted, 3);
  std::ostringstream named, plain;
  deepnet::print_confusion_matrix(named, confusion, {"cat", "dog", "bird"});
  CHECK(named.str() ==
        "true \\ predicted  0  1  2\n"
        "cat  0            2  1  1\n"
        "dog  1            1  2  0\n"
        "bird 2            0  1  2\n");
  deepnet::print_confusion_matrix(plain, confusion);
  CHECK(plain.str() ==
        "true \\ predicted  0  1  2\n"
        "0                 2  1  1\n"
        "1                 1  2  0\n"
        "2                 0  1  2\n");
}
