/// \file tools/metrics.hpp
/// The confusion matrix of a classifier and what is read from it: per-class precision,
/// recall, F1 and support, their macro and weighted averages, the accuracy, and a
/// fixed-width report like scikit-learn's classification_report.
///
/// \code
///   const deepnet::ConfusionMatrix confusion(net, X_test, test_labels);   // K x K counts
///   deepnet::print_classification_report(std::cout, confusion, {"cat", "dog", "bird"});
///   double f1 = confusion.macro_f1();
/// \endcode
///
/// For class k, with C the counts (rows: the true class, columns: the predicted class):
/// TP = C(k, k), support = the sum of row k (its examples), predicted = the sum of column k,
/// precision = TP / predicted, recall = TP / support, F1 = 2 TP / (support + predicted)
/// (= 2 precision recall / (precision + recall) whenever both are defined). A ratio whose
/// denominator is 0 is 0, as scikit-learn's zero_division=0: precision of a class that no
/// example was predicted as, recall of a class with no examples, F1 of a class with neither.
/// The report adds a note under the table naming such classes.
#ifndef DEEPNET_TOOLS_METRICS_HPP
#define DEEPNET_TOOLS_METRICS_HPP

#include "../config.hpp"
#include "../core/deep_net.hpp"
#include "../errors.hpp"
#include "data.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace deepnet {

/// The K x K counts of a classifier's answers: counts()(t, p) is the number of examples of
/// true class t predicted as class p (rows: true class, columns: predicted, as in
/// scikit-learn). The diagonal holds the right answers. See the file's comment for the
/// definitions of precision, recall and F1 and for classes with no examples or predictions.
class ConfusionMatrix {
 public:
  /// The confusion matrix of two rows of class indices, column j of each being example j.
  /// \param truth 1 x m, the true classes, of any arithmetic type (deepnet::Labels from
  ///        load_idx or to_labels, or the float/double label column of load_csv)
  /// \param predicted 1 x m, the predicted classes (DeepNet::classify of a Softmax output)
  /// \param classes K, the number of classes; every label must be a whole number 0..K-1
  /// \throws ConfigError for classes < 1; ShapeError unless both are 1 x m with the same m;
  ///         std::invalid_argument for m = 0; DataError naming the row (truth or predicted),
  ///         the column and the value of the first label outside 0..K-1
  template <class DerivedT, class DerivedP>
  ConfusionMatrix(const Eigen::MatrixBase<DerivedT>& truth,
                  const Eigen::MatrixBase<DerivedP>& predicted, Index classes) {
    const char* where = "ConfusionMatrix";
    if (classes < 1) {
      throw ConfigError(std::string(where) + ": classes must be 1 or more, got " +
                        std::to_string(classes));
    }
    require_row(truth, "truth", truth.cols(), where);
    require_row(predicted, "predicted", truth.cols(), where);
    count(truth, predicted, classes, where);
  }

  /// The confusion matrix of a classifier on the examples X with true classes `labels`: the
  /// predictions are net.classify(X). A Softmax output has K = n[L] classes; a single
  /// Sigmoid output (n[L] = 1) has K = 2, the classes 0 and 1.
  /// \param labels 1 x m true classes 0..K-1, of any arithmetic type
  /// \throws ConfigError for a regression output, and for several Sigmoid outputs
  ///         (multi-label: build one matrix per output from rows of classify and the labels,
  ///         with K = 2); ShapeError unless labels is 1 x m; otherwise as classify and as above
  template <class Scalar, class DerivedX, class DerivedL>
  ConfusionMatrix(const DeepNet<Scalar>& net, const Eigen::MatrixBase<DerivedX>& X,
                  const Eigen::MatrixBase<DerivedL>& labels) {
    const char* where = "ConfusionMatrix";
    const Activation g = net.layer(net.L()).activation();
    const Index n_L = net.dims().back();
    if (g == Activation::Sigmoid && n_L > 1) {
      throw ConfigError(std::string(where) + ": the network has " + std::to_string(n_L) +
                        " Sigmoid outputs (multi-label), not one set of exclusive classes; "
                        "build one ConfusionMatrix per output from row i of classify(X) and of "
                        "the labels, with classes = 2");
    }
    const Labels predicted = net.classify(X);  // ConfigError for a regression output
    require_row(labels, "labels", predicted.cols(), where);
    count(labels, predicted, g == Activation::Sigmoid ? Index(2) : n_L, where);
  }

  /// K, the number of classes.
  Index classes() const noexcept { return m_counts.rows(); }
  /// The K x K counts: counts()(t, p) examples of true class t were predicted as p.
  const Labels& counts() const noexcept { return m_counts; }
  /// The examples of true class t predicted as p.
  /// \throws std::out_of_range unless both are in 0..K-1
  Index operator()(Index t, Index p) const {
    require_class(t, "ConfusionMatrix(t, p)");
    require_class(p, "ConfusionMatrix(t, p)");
    return m_counts(t, p);
  }
  /// m, the number of examples counted.
  Index total() const { return m_counts.sum(); }
  /// The examples classified correctly: the trace.
  Index correct() const { return m_counts.trace(); }
  /// The fraction of examples classified correctly, correct() / total().
  double accuracy() const { return ratio(correct(), total()); }

  /// The examples of true class k (the sum of row k).
  /// \throws std::out_of_range unless 0 <= k < K
  Index support(Index k) const {
    require_class(k, "ConfusionMatrix::support");
    return m_counts.row(k).sum();
  }
  /// The examples predicted as class k (the sum of column k).
  /// \throws std::out_of_range unless 0 <= k < K
  Index predicted(Index k) const {
    require_class(k, "ConfusionMatrix::predicted");
    return m_counts.col(k).sum();
  }
  /// TP / (examples predicted as k); 0 when none was.
  /// \throws std::out_of_range unless 0 <= k < K
  double precision(Index k) const {
    const Index predicted_k = predicted(k);  // first: it checks k
    return ratio(m_counts(k, k), predicted_k);
  }
  /// TP / (examples of class k); 0 when there are none.
  /// \throws std::out_of_range unless 0 <= k < K
  double recall(Index k) const {
    const Index support_k = support(k);  // first: it checks k
    return ratio(m_counts(k, k), support_k);
  }
  /// 2 TP / (support + predicted), the harmonic mean of precision and recall; 0 when the
  /// class has neither examples nor predictions.
  /// \throws std::out_of_range unless 0 <= k < K
  double f1(Index k) const {
    const Index both = support(k) + predicted(k);  // first: they check k
    return ratio(2 * m_counts(k, k), both);
  }

  /// The mean of precision(k) over all K classes, each class weighing the same (those with
  /// no examples included, as their 0 counts).
  double macro_precision() const { return macro(&ConfusionMatrix::precision); }
  /// The mean of recall(k) over all K classes.
  double macro_recall() const { return macro(&ConfusionMatrix::recall); }
  /// The mean of f1(k) over all K classes (not the F1 of the macro precision and recall).
  double macro_f1() const { return macro(&ConfusionMatrix::f1); }
  /// The mean of precision(k) weighted by support(k).
  double weighted_precision() const { return weighted(&ConfusionMatrix::precision); }
  /// The mean of recall(k) weighted by support(k); equals accuracy().
  double weighted_recall() const { return weighted(&ConfusionMatrix::recall); }
  /// The mean of f1(k) weighted by support(k).
  double weighted_f1() const { return weighted(&ConfusionMatrix::f1); }

 private:
  template <class Derived>
  static void require_row(const Eigen::MatrixBase<Derived>& labels, const char* name, Index m,
                          const char* where) {
    static_assert(std::is_arithmetic<typename Derived::Scalar>::value, "labels must be numbers");
    if (labels.rows() != 1 || labels.cols() != m) {
      throw ShapeError(where, 0, name, labels.rows(), labels.cols(), 1, m,
                       "one class index per example");
    }
    if (m == 0) {
      throw std::invalid_argument(std::string(where) + ": " + name +
                                  " has no columns (m = 0); give at least one example");
    }
  }

  template <class DerivedT, class DerivedP>
  void count(const Eigen::MatrixBase<DerivedT>& truth, const Eigen::MatrixBase<DerivedP>& predicted,
             Index classes, const char* where) {
    m_counts = Labels::Zero(classes, classes);
    std::string text;
    const auto index = [&](auto label, const char* name, Index j) {
      if (!detail::is_class_index(label, classes, text)) {
        throw DataError(std::string(where) + ": " + name + "(0, " + std::to_string(j) + ") is " +
                            text + ", but a label must be a class index 0.." +
                            std::to_string(classes - 1) + " (classes = " + std::to_string(classes) +
                            ")",
                        name, 0, j);
      }
      return static_cast<Index>(label);
    };
    for (Index j = 0; j < truth.cols(); ++j) {
      const Index t = index(truth(0, j), "truth", j);
      const Index p = index(predicted(0, j), "predicted", j);
      ++m_counts(t, p);
    }
  }

  void require_class(Index k, const char* where) const {
    if (k < 0 || k >= classes()) {
      throw std::out_of_range(std::string(where) + ": class " + std::to_string(k) +
                              " does not exist; the classes are 0.." +
                              std::to_string(classes() - 1));
    }
  }

  static double ratio(Index numerator, Index denominator) {
    return denominator == 0 ? 0.0
                            : static_cast<double>(numerator) / static_cast<double>(denominator);
  }

  double macro(double (ConfusionMatrix::*metric)(Index) const) const {
    double sum = 0.0;
    for (Index k = 0; k < classes(); ++k)
      sum += (this->*metric)(k);
    return sum / static_cast<double>(classes());
  }

  double weighted(double (ConfusionMatrix::*metric)(Index) const) const {
    double sum = 0.0;
    for (Index k = 0; k < classes(); ++k)
      sum += (this->*metric)(k) * static_cast<double>(support(k));
    return sum / static_cast<double>(total());
  }

  Labels m_counts;
};

namespace detail {

// The names of the K classes: `names` when given, else "0", "1", ...
inline std::vector<std::string> class_names(const ConfusionMatrix& confusion,
                                            const std::vector<std::string>& names,
                                            const char* where) {
  const Index K = confusion.classes();
  if (names.empty()) {
    std::vector<std::string> numbers;
    for (Index k = 0; k < K; ++k)
      numbers.push_back(std::to_string(k));
    return numbers;
  }
  if (static_cast<Index>(names.size()) != K) {
    throw ConfigError(std::string(where) + ": " + std::to_string(names.size()) +
                      " class names for " + std::to_string(K) +
                      " classes; give one name per class, in the order 0.." +
                      std::to_string(K - 1) + ", or none");
  }
  return names;
}

inline std::string fixed_digits(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

// `text` right-aligned in `width` characters.
inline std::string right(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

// "3", "3 and 5", "1, 3 and 5", by their names.
inline std::string name_list(const std::vector<std::string>& names,
                             const std::vector<Index>& which) {
  std::string list;
  for (std::size_t i = 0; i < which.size(); ++i) {
    if (i > 0) list += i + 1 == which.size() ? " and " : ", ";
    list += names[static_cast<std::size_t>(which[i])];
  }
  return list;
}

}  // namespace detail

/// The classification report of scikit-learn's classification_report, as text: one line per
/// class with its precision, recall, F1 and support, then the accuracy and the macro and
/// weighted averages, in fixed-width columns; then a note for each class whose precision or
/// recall was set to 0 because no example was predicted as it or it has no examples.
/// For truth 0 0 0 0 1 1 1 2 2 2, predicted 0 0 1 2 1 1 0 2 2 1 and the names cat, dog, bird:
/// \code
///                 precision    recall  f1-score   support
///
///            cat      0.667     0.500     0.571         4
///            dog      0.500     0.667     0.571         3
///           bird      0.667     0.667     0.667         3
///
///       accuracy                          0.600        10
///      macro avg      0.611     0.611     0.603        10
///   weighted avg      0.617     0.600     0.600        10
/// \endcode
/// \param class_names one name per class, in the order 0..K-1; empty: the class indices
/// \param digits the digits after the decimal point (3 by default; scikit-learn's is 2)
/// \throws ConfigError when class_names is neither empty nor K names, or digits is not 0..17
inline std::string classification_report(const ConfusionMatrix& confusion,
                                         const std::vector<std::string>& class_names = {},
                                         int digits = 3) {
  const char* where = "classification_report";
  if (digits < 0 || digits > 17) {
    throw ConfigError(std::string(where) + ": digits must be 0..17, got " + std::to_string(digits));
  }
  const std::vector<std::string> names = detail::class_names(confusion, class_names, where);
  std::size_t width = std::string("weighted avg").size();
  for (const std::string& name : names)
    width = std::max(width, name.size());
  const std::size_t column = std::max<std::size_t>(9, static_cast<std::size_t>(digits) + 3);
  const auto cell = [&](const std::string& text) { return " " + detail::right(text, column); };
  const auto number = [&](double value) { return cell(detail::fixed_digits(value, digits)); };

  std::ostringstream out;
  out << detail::right("", width) << ' ' << cell("precision") << cell("recall") << cell("f1-score")
      << cell("support") << "\n\n";
  std::vector<Index> unpredicted, empty;
  for (Index k = 0; k < confusion.classes(); ++k) {
    out << detail::right(names[static_cast<std::size_t>(k)], width) << ' '
        << number(confusion.precision(k)) << number(confusion.recall(k)) << number(confusion.f1(k))
        << cell(std::to_string(confusion.support(k))) << '\n';
    if (confusion.predicted(k) == 0) unpredicted.push_back(k);
    if (confusion.support(k) == 0) empty.push_back(k);
  }
  const std::string total = std::to_string(confusion.total());
  out << '\n'
      << detail::right("accuracy", width) << ' ' << cell("") << cell("")
      << number(confusion.accuracy()) << cell(total) << '\n'
      << detail::right("macro avg", width) << ' ' << number(confusion.macro_precision())
      << number(confusion.macro_recall()) << number(confusion.macro_f1()) << cell(total) << '\n'
      << detail::right("weighted avg", width) << ' ' << number(confusion.weighted_precision())
      << number(confusion.weighted_recall()) << number(confusion.weighted_f1()) << cell(total)
      << '\n';
  if (!unpredicted.empty()) {
    out << "\nnote: precision is 0 for " << detail::name_list(names, unpredicted)
        << ": no example was predicted as " << (unpredicted.size() == 1 ? "it" : "them") << '\n';
  }
  if (!empty.empty()) {
    out << (unpredicted.empty() ? "\n" : "") << "note: recall is 0 for "
        << detail::name_list(names, empty) << ": " << (empty.size() == 1 ? "it has" : "they have")
        << " no examples (support 0)\n";
  }
  return out.str();
}

/// Writes `classification_report(confusion, class_names, digits)` to `out`.
/// \throws as classification_report
inline void print_classification_report(std::ostream& out, const ConfusionMatrix& confusion,
                                        const std::vector<std::string>& class_names = {},
                                        int digits = 3) {
  out << classification_report(confusion, class_names, digits);
}

/// Writes the counts as a table: a header of the predicted classes' indices, then one line per
/// true class with its name, its index and its row of counts.
/// For the confusion matrix of classification_report's example:
/// \code
///   true \ predicted  0  1  2
///   cat  0            2  1  1
///   dog  1            1  2  0
///   bird 2            0  1  2
/// \endcode
/// \param class_names one name per class, in the order 0..K-1; empty: the indices alone
/// \throws ConfigError when class_names is neither empty nor K names
inline void print_confusion_matrix(std::ostream& out, const ConfusionMatrix& confusion,
                                   const std::vector<std::string>& class_names = {}) {
  const Index K = confusion.classes();
  const std::string corner = "true \\ predicted";
  std::size_t name_width = 0;
  if (!class_names.empty()) {
    for (const std::string& name :
         detail::class_names(confusion, class_names, "print_confusion_matrix"))
      name_width = std::max(name_width, name.size());
  }
  const std::size_t index_width = std::to_string(K - 1).size();
  const std::size_t label_width =
      std::max(corner.size(), name_width + (name_width > 0 ? 1 : 0) + index_width);
  std::size_t cell = std::to_string(K - 1).size();
  for (Index t = 0; t < K; ++t) {
    for (Index p = 0; p < K; ++p)
      cell = std::max(cell, std::to_string(confusion.counts()(t, p)).size());
  }
  cell += 2;
  std::string line = corner + std::string(label_width - corner.size(), ' ');
  for (Index p = 0; p < K; ++p)
    line += detail::right(std::to_string(p), cell);
  out << line << '\n';
  for (Index t = 0; t < K; ++t) {
    std::string label;
    if (name_width > 0) {
      const std::string& name = class_names[static_cast<std::size_t>(t)];
      label = name + std::string(name_width - name.size() + 1, ' ');
    }
    label += detail::right(std::to_string(t), index_width);
    line = label + std::string(label_width - label.size(), ' ');
    for (Index p = 0; p < K; ++p)
      line += detail::right(std::to_string(confusion.counts()(t, p)), cell);
    out << line << '\n';
  }
}

}  // namespace deepnet

#endif  // DEEPNET_TOOLS_METRICS_HPP
