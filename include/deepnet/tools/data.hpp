/// \file tools/data.hpp
/// Getting data ready for a network, in the layout of the notes (one column per example):
/// one-hot targets from class labels, scaling from a known range, standardisation with the
/// statistics of the training set, and seeded train/validation splits (stratified by class, or
/// not), with the indices of their parts when asked.
///
/// \code
///   auto [X, labels] = deepnet::load_idx_pair<float>(images_path, labels_path);  // io/idx.hpp
///   X = deepnet::scale_to_unit(X, 255.0f);                  // pixels 0..255 -> 0..1
///   const deepnet::Matrix<float> Y = deepnet::one_hot<float>(labels, 10);   // 10 x m
///   auto [X_train, Y_train, X_val, Y_val] = deepnet::split(X, Y, 0.1, 1);
///   const auto standard = deepnet::standardize(X_train);   // mean and stddev of X_train only
///   X_train = standard.apply(X_train);
///   X_val = standard.apply(X_val);                         // the same transform
/// \endcode
#ifndef DEEPNET_TOOLS_DATA_HPP
#define DEEPNET_TOOLS_DATA_HPP

#include "../config.hpp"
#include "../core/random.hpp"
#include "../errors.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepnet {

/// The four parts of a split; columns are examples, in their original order within each part.
template <class Scalar>
struct Split {
  Matrix<Scalar> X_train;  ///< n[0] x (m - m_val)
  Matrix<Scalar> Y_train;  ///< n[L] x (m - m_val)
  Matrix<Scalar> X_val;    ///< n[0] x m_val
  Matrix<Scalar> Y_val;    ///< n[L] x m_val
};

namespace detail {

/// Throws ConfigError naming `where` unless 0 < fraction < 1.
inline void require_fraction(double fraction, const char* where) {
  if (!(fraction > 0.0 && fraction < 1.0)) {
    throw ConfigError(std::string(where) +
                      ": fraction is the share of examples held out for validation and must "
                      "be in (0, 1), got " +
                      number_string(fraction));
  }
}

// A permutation of 0..m-1 by Fisher-Yates with deepnet's generator (as Trainer shuffles).
inline std::vector<Index> permutation(Index m, std::uint64_t seed) {
  std::vector<Index> order(static_cast<std::size_t>(m));
  std::iota(order.begin(), order.end(), Index(0));
  Random random(seed);
  for (std::size_t i = order.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(random.below(static_cast<Index>(i)));
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

template <class DerivedX, class DerivedY>
void require_paired(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
                    const char* where) {
  if (Y.cols() != X.cols()) {
    throw ShapeError(where, 0, "Y", Y.rows(), Y.cols(), Y.rows(), X.cols(),
                     "one column per example of X");
  }
}

// The columns `indices` of M, in that order.
template <class Scalar, class Derived>
Matrix<Scalar> columns(const Eigen::MatrixBase<Derived>& M, const std::vector<Index>& indices) {
  Matrix<Scalar> result(M.rows(), static_cast<Index>(indices.size()));
  for (std::size_t j = 0; j < indices.size(); ++j)
    result.col(static_cast<Index>(j)) = M.col(indices[j]).template cast<Scalar>();
  return result;
}

// The examples whose label in `part` is (or is not) `which`, in their original order.
inline std::vector<Index> members(const std::vector<Index>& part, Index which, bool equal) {
  std::vector<Index> result;
  for (std::size_t j = 0; j < part.size(); ++j) {
    if ((part[j] == which) == equal) result.push_back(static_cast<Index>(j));
  }
  return result;
}

template <class Scalar, class DerivedX, class DerivedY>
Split<Scalar> split_by(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
                       const std::vector<Index>& part, Index validation_part) {
  const std::vector<Index> train = members(part, validation_part, false);
  const std::vector<Index> val = members(part, validation_part, true);
  return {columns<Scalar>(X, train), columns<Scalar>(Y, train), columns<Scalar>(X, val),
          columns<Scalar>(Y, val)};
}

// part[j] = 1 when example j is held out, 0 when it is trained on.
inline std::vector<Index> holdout_parts(Index m, double fraction, std::uint64_t seed) {
  require_fraction(fraction, "split");
  const auto m_val = static_cast<Index>(std::llround(fraction * static_cast<double>(m)));
  if (m_val < 1 || m_val > m - 1) {
    throw ConfigError("split: fraction " + number_string(fraction) + " of m = " +
                      std::to_string(m) + " examples holds out " + std::to_string(m_val) +
                      "; both the training and the validation part need at least one example");
  }
  const std::vector<Index> order = permutation(m, seed);
  std::vector<Index> part(static_cast<std::size_t>(m), 0);
  for (Index i = 0; i < m_val; ++i)
    part[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = 1;
  return part;
}

/// Whether `label` is a class index 0..classes-1: a whole number, of any arithmetic type
/// (NaN and infinity are not); `text` receives it as the messages write it.
template <class Label>
bool is_class_index(Label label, Index classes, std::string& text) {
  static_assert(std::is_arithmetic<Label>::value, "labels must be numbers");
  if constexpr (std::is_integral<Label>::value) {
    bool negative = false;
    if constexpr (std::is_signed<Label>::value) negative = label < 0;
    text = std::to_string(label);
    return !negative && static_cast<std::uintmax_t>(label) < static_cast<std::uintmax_t>(classes);
  } else {
    text = number_string(label);
    return label >= Label(0) && label < static_cast<Label>(classes) && std::floor(label) == label;
  }
}

template <class Derived>
void require_floating(const Eigen::MatrixBase<Derived>&) {
  static_assert(std::is_floating_point<typename Derived::Scalar>::value,
                "scale, scale_to_unit and standardize work on float or double matrices; "
                "convert integers first with .cast<float>() or .cast<double>()");
}

// Throws DataError for the first entry of X that is NaN or infinite, if any.
template <class Derived>
void require_finite(const Eigen::MatrixBase<Derived>& X, const char* where) {
  if (all_finite(X)) return;
  for (Index j = 0; j < X.cols(); ++j) {
    for (Index i = 0; i < X.rows(); ++i) {
      if (!std::isfinite(X(i, j))) {
        throw DataError(std::string(where) + ": X(" + std::to_string(i) + ", " + std::to_string(j) +
                            ") is " + number_string(X(i, j)) + "; inputs must be finite numbers",
                        "X", i, j);
      }
    }
  }
}

}  // namespace detail

/// Splits the m examples (columns) of X and Y into a training and a validation part:
/// round(fraction * m) examples, chosen with `seed`, go to validation and the rest to training.
/// Column j of X stays with column j of Y, and each part keeps the examples' original order.
/// Y may be targets or a row of labels; it is converted to the scalar type of X.
/// Not stratified: with few examples, a class can be rarer in one part than in the other (see
/// `stratified_split`).
/// \code
///   auto [X_train, Y_train, X_val, Y_val] = deepnet::split(X, Y, 0.2, 1);
/// \endcode
/// \throws ConfigError unless 0 < fraction < 1 and both parts get at least one example;
///         ShapeError when X and Y do not have the same number of columns
template <class DerivedX, class DerivedY>
Split<typename DerivedX::Scalar> split(const Eigen::MatrixBase<DerivedX>& X,
                                       const Eigen::MatrixBase<DerivedY>& Y, double fraction,
                                       std::uint64_t seed) {
  using Scalar = typename DerivedX::Scalar;
  detail::require_paired(X, Y, "split");
  return detail::split_by<Scalar>(X, Y, detail::holdout_parts(X.cols(), fraction, seed), 1);
}

/// The examples (column indices of X and Y) of each part of a split, in increasing order:
/// together they are 0..m-1, each once.
struct SplitIndices {
  std::vector<Index> train;  ///< the columns that went to the training part
  std::vector<Index> val;    ///< the columns held out for validation
};

namespace detail {

// The class of every example of Y: the value of a row of labels (1 x m whole numbers, as
// one_hot takes them, 0/1 for a binary classifier), or the row of the 1 of a one-hot column.
template <class Derived>
std::vector<Index> classes_of(const Eigen::MatrixBase<Derived>& Y, const char* where) {
  using Value = typename Derived::Scalar;
  std::vector<Index> classes(static_cast<std::size_t>(Y.cols()));
  for (Index j = 0; j < Y.cols(); ++j) {
    Index found = -1;
    if (Y.rows() == 1) {
      const auto y = static_cast<double>(Y(0, j));
      if (!(std::isfinite(y) && std::floor(y) == y && std::fabs(y) < 9.0e15)) {
        throw DataError(std::string(where) + ": Y(0, " + std::to_string(j) + ") is " +
                            number_string(Y(0, j)) +
                            ", not a class label; stratifying needs one whole-number label per "
                            "example, or one-hot columns",
                        "Y", 0, j);
      }
      found = static_cast<Index>(y);
    } else {
      bool one_hot = true;
      for (Index i = 0; i < Y.rows() && one_hot; ++i) {
        if (Y(i, j) == Value(1) && found < 0) {
          found = i;
        } else if (Y(i, j) != Value(0)) {
          one_hot = false;
        }
      }
      if (!one_hot || found < 0) {
        throw DataError(std::string(where) + ": column " + std::to_string(j) +
                            " of Y is not one-hot (one 1, the rest 0); stratifying needs one "
                            "class per example: one-hot columns, or a row of labels",
                        "Y", 0, j);
      }
    }
    classes[static_cast<std::size_t>(j)] = found;
  }
  return classes;
}

// part[j] = 1 when example j is held out: round(fraction m) examples in all, and of each class
// c with m_c examples floor(fraction m_c) or one more (the classes with the largest remainders
// get one more, the smaller class first on a tie), so that each part keeps the proportions of
// the classes to within one example. Within a class, the examples held out are the first in
// a seeded permutation of 0..m-1.
inline std::vector<Index> stratified_parts(const std::vector<Index>& classes, double fraction,
                                           std::uint64_t seed, const char* where) {
  require_fraction(fraction, where);
  const auto m = static_cast<Index>(classes.size());
  const auto m_val = static_cast<Index>(std::llround(fraction * static_cast<double>(m)));
  if (m_val < 1 || m_val > m - 1) {
    throw ConfigError(std::string(where) + ": fraction " + number_string(fraction) + " of m = " +
                      std::to_string(m) + " examples holds out " + std::to_string(m_val) +
                      "; both the training and the validation part need at least one example");
  }
  std::map<Index, Index> count;
  for (const Index c : classes)
    ++count[c];
  std::map<Index, Index> quota;
  std::vector<std::pair<double, Index>> remainders;  // (-remainder, class): largest first
  Index given = 0;
  for (const auto& [c, m_c] : count) {
    const double share = fraction * static_cast<double>(m_c);
    const auto whole = static_cast<Index>(std::floor(share));
    quota[c] = whole;
    given += whole;
    remainders.emplace_back(-(share - static_cast<double>(whole)), c);
  }
  std::sort(remainders.begin(), remainders.end());
  for (std::size_t k = 0; given < m_val && k < remainders.size(); ++k, ++given)
    ++quota[remainders[k].second];
  const std::vector<Index> order = permutation(m, seed);
  std::vector<Index> part(static_cast<std::size_t>(m), 0);
  for (const Index j : order) {
    Index& left = quota[classes[static_cast<std::size_t>(j)]];
    if (left > 0) {
      part[static_cast<std::size_t>(j)] = 1;
      --left;
    }
  }
  return part;
}

inline SplitIndices indices_of(const std::vector<Index>& part) {
  return {members(part, 1, false), members(part, 1, true)};
}

}  // namespace detail

/// The indices of `split(X, Y, fraction, seed)`'s parts for m examples: the same examples, for
/// splitting other matrices (or files) alike.
/// \throws ConfigError as split
inline SplitIndices split_indices(Index m, double fraction, std::uint64_t seed) {
  return detail::indices_of(detail::holdout_parts(m, fraction, seed));
}

/// The indices of `stratified_split(X, Y, fraction, seed)`'s parts, from the classes of Y.
/// \throws as stratified_split
template <class DerivedY>
SplitIndices stratified_split_indices(const Eigen::MatrixBase<DerivedY>& Y, double fraction,
                                      std::uint64_t seed) {
  const char* where = "stratified_split";
  return detail::indices_of(
      detail::stratified_parts(detail::classes_of(Y, where), fraction, seed, where));
}

/// `split` that keeps the proportion of each class in both parts: of the m_c examples of
/// class c, fraction m_c (rounded down or up, so that round(fraction m) are held out in all)
/// go to validation, chosen with `seed`; each class's share of each part is the share it has
/// in Y to within one example. The classes are Y's: one-hot columns (n[L] x m, the class is
/// the row of the 1) or a row of labels (1 x m whole numbers: class indices, or 0/1 for a
/// sigmoid output). Column j of X stays with column j of Y, each part keeps the original
/// order, and the same seed gives the same parts. With `indices`, also the columns of each
/// part (as `stratified_split_indices` returns them).
/// \code
///   deepnet::SplitIndices parts;
///   auto [X_train, Y_train, X_val, Y_val] = deepnet::stratified_split(X, Y, 0.2, 1, &parts);
/// \endcode
/// \throws ConfigError unless 0 < fraction < 1 and both parts get at least one example;
///         ShapeError when X and Y do not have the same number of columns; DataError naming the
///         first column of Y that is not one-hot, or the first label that is not a whole number
template <class DerivedX, class DerivedY>
Split<typename DerivedX::Scalar> stratified_split(const Eigen::MatrixBase<DerivedX>& X,
                                                  const Eigen::MatrixBase<DerivedY>& Y,
                                                  double fraction, std::uint64_t seed,
                                                  SplitIndices* indices = nullptr) {
  using Scalar = typename DerivedX::Scalar;
  const char* where = "stratified_split";
  detail::require_paired(X, Y, where);
  const std::vector<Index> part =
      detail::stratified_parts(detail::classes_of(Y, where), fraction, seed, where);
  if (indices != nullptr) *indices = detail::indices_of(part);
  return detail::split_by<Scalar>(X, Y, part, 1);
}

/// The one-hot targets of class labels: column j of the result is all zeros except a 1 in row
/// labels(0, j). `labels` is 1 x m, one class index 0..classes-1 per example, of any type
/// (deepnet::Labels as the IDX loader returns, or float/double holding whole numbers as a CSV
/// label column does); the result is classes x m, the Y of a Softmax output layer.
/// \code
///   const deepnet::Matrix<double> Y = deepnet::one_hot(labels, 10);
/// \endcode
/// \throws ConfigError for classes < 1; ShapeError unless labels has one row; DataError naming
///         the column of the first label that is not a whole number in 0..classes-1
template <class Scalar = double, class Derived>
Matrix<Scalar> one_hot(const Eigen::MatrixBase<Derived>& labels, Index classes) {
  using Label = typename Derived::Scalar;
  static_assert(std::is_arithmetic<Label>::value, "labels must be numbers");
  if (classes < 1) {
    throw ConfigError("one_hot: classes must be 1 or more, got " + std::to_string(classes));
  }
  if (labels.rows() != 1) {
    throw ShapeError("one_hot", 0, "labels", labels.rows(), labels.cols(), 1, labels.cols(),
                     "one row of class indices, one column per example");
  }
  const Index m = labels.cols();
  Matrix<Scalar> Y = Matrix<Scalar>::Zero(classes, m);
  std::string text;
  for (Index j = 0; j < m; ++j) {
    const Label label = labels(0, j);
    if (!detail::is_class_index(label, classes, text)) {
      throw DataError("one_hot: labels(0, " + std::to_string(j) + ") is " + text +
                          ", but a label must be a class index 0.." + std::to_string(classes - 1) +
                          " (classes = " + std::to_string(classes) + ")",
                      "labels", 0, j);
    }
    Y(static_cast<Index>(label), j) = Scalar(1);
  }
  return Y;
}

/// The inverse of `one_hot`: the class of each column of A, the row of its largest entry, as a
/// 1 x m row of deepnet::Labels, the type that `DeepNet::classify` and the IDX loader return,
/// so the three compare directly (`(to_labels(Y).array() == labels.array()).count()`).
/// A is n x m with n >= 2: one-hot columns (`to_labels(one_hot(labels, K)) == labels`), or
/// class scores such as the probabilities of a Softmax output (NumPy's `argmax(A, axis=0)`).
/// A tie goes to the lowest row, as in NumPy.
/// \code
///   const deepnet::Labels truth = deepnet::to_labels(Y_test);   // 10 x m one-hot -> 1 x m
///   const deepnet::Labels predicted = net.classify(X_test);
///   const auto right = (predicted.array() == truth.array()).count();
/// \endcode
/// \throws ShapeError when A has fewer than two rows (every column's largest entry would be
///         row 0: a single Sigmoid output is thresholded by `classify`, and a row of class
///         indices is labels already); DataError naming the first NaN entry
template <class Derived>
Labels to_labels(const Eigen::MatrixBase<Derived>& A) {
  static_assert(std::is_arithmetic<typename Derived::Scalar>::value, "A must hold numbers");
  if (A.rows() < 2) {
    throw ShapeError("to_labels", 0, "A", A.rows(), A.cols(), 2, A.cols(),
                     "at least two rows, one per class: with one row every class would be 0; "
                     "a single Sigmoid output is thresholded by DeepNet::classify, and a row of "
                     "class indices is labels already");
  }
  Labels labels(1, A.cols());
  for (Index j = 0; j < A.cols(); ++j) {
    Index best = 0;
    for (Index i = 0; i < A.rows(); ++i) {
      const auto value = A(i, j);
      if constexpr (std::is_floating_point<typename Derived::Scalar>::value) {
        if (std::isnan(value)) {
          throw DataError("to_labels: A(" + std::to_string(i) + ", " + std::to_string(j) +
                              ") is nan; a column with NaN has no largest entry",
                          "A", i, j);
        }
      }
      if (value > A(best, j)) best = i;  // strictly greater: a tie keeps the lower row
    }
    labels(0, j) = best;
  }
  return labels;
}

/// Maps the values low..high of X linearly onto to_low..to_high (by default 0..1):
/// (X - low) / (high - low) * (to_high - to_low) + to_low, entry by entry. The input range is
/// given, not measured, so the training and the test set get the same transform (pixels:
/// `scale(X, 0, 255)`; values outside low..high map outside the target range, nothing is
/// clipped).
/// \throws ConfigError unless low < high and to_low < to_high, all finite
template <class Derived>
Matrix<typename Derived::Scalar> scale(const Eigen::MatrixBase<Derived>& X, double low, double high,
                                       double to_low = 0.0, double to_high = 1.0) {
  using Scalar = typename Derived::Scalar;
  detail::require_floating(X);
  const auto require_range = [](double a, double b, const char* what) {
    if (!(std::isfinite(a) && std::isfinite(b) && a < b)) {
      throw ConfigError(std::string("scale: the ") + what + " range must be finite with low < " +
                        "high, got " + detail::number_string(a) + ".." + detail::number_string(b));
    }
  };
  require_range(low, high, "input");
  require_range(to_low, to_high, "target");
  const auto shift = static_cast<Scalar>(low);
  const auto width = static_cast<Scalar>(high - low);
  if (to_low == 0.0 && to_high == 1.0) return ((X.array() - shift) / width).matrix();
  const auto target_width = static_cast<Scalar>(to_high - to_low);
  const auto target_low = static_cast<Scalar>(to_low);
  return ((X.array() - shift) / width * target_width + target_low).matrix();
}

/// X / max_value: values 0..max_value onto 0..1, e.g. `scale_to_unit(X, 255)` for 8-bit pixels.
/// \throws ConfigError unless max_value is positive and finite
template <class Derived>
Matrix<typename Derived::Scalar> scale_to_unit(const Eigen::MatrixBase<Derived>& X,
                                               double max_value) {
  using Scalar = typename Derived::Scalar;
  detail::require_floating(X);
  if (!(std::isfinite(max_value) && max_value > 0.0)) {
    throw ConfigError("scale_to_unit: max_value must be positive and finite, got " +
                      detail::number_string(max_value));
  }
  return (X.array() / static_cast<Scalar>(max_value)).matrix();
}

/// Per-feature standardisation: the mean and standard deviation of each row (feature) of the
/// training set, kept so that the same transform applies to the validation and test sets.
/// Made by `standardize(X_train)`.
template <class Scalar>
struct Standardization {
  /// The mean of each feature over the training examples, n x 1.
  Vector<Scalar> mean;
  /// The standard deviation of each feature over the training examples (divided by m, not
  /// m - 1), n x 1; 1 for a feature that is constant there (a border pixel that is always 0),
  /// so that it becomes 0 instead of NaN.
  Vector<Scalar> stddev;

  /// (X - mean) / stddev, feature by feature: n x m', any number of examples m'.
  /// \throws ShapeError unless X has one row per feature of the training set
  template <class Derived>
  Matrix<Scalar> apply(const Eigen::MatrixBase<Derived>& X) const {
    if (X.rows() != mean.size()) {
      throw ShapeError("Standardization::apply", 0, "X", X.rows(), X.cols(), mean.size(), X.cols(),
                       "one row per feature of the training set");
    }
    return ((X.template cast<Scalar>().colwise() - mean).array().colwise() / stddev.array())
        .matrix();
  }
};

/// The mean and standard deviation of each feature (row) of the training set X (n x m),
/// accumulated in double precision. Apply the result to the training set and to every other
/// set: `const auto s = standardize(X_train); X_train = s.apply(X_train); X_test =
/// s.apply(X_test);`. Never compute it on the test set: that leaks the test set into training.
/// \throws std::invalid_argument when X has no columns; DataError naming the first entry of X
///         that is NaN or infinite
template <class Derived>
Standardization<typename Derived::Scalar> standardize(const Eigen::MatrixBase<Derived>& X) {
  using Scalar = typename Derived::Scalar;
  detail::require_floating(X);
  if (X.cols() == 0) {
    throw std::invalid_argument("standardize: X has no columns (m = 0); give at least one example");
  }
  detail::require_finite(X, "standardize");
  const Index n = X.rows(), m = X.cols();
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(n);
  for (Index j = 0; j < m; ++j)
    sum += X.col(j).template cast<double>();
  const Eigen::VectorXd mean = sum / static_cast<double>(m);
  Eigen::VectorXd squares = Eigen::VectorXd::Zero(n);
  for (Index j = 0; j < m; ++j)
    squares += (X.col(j).template cast<double>() - mean).array().square().matrix();
  Vector<Scalar> stddev = (squares / static_cast<double>(m)).array().sqrt().matrix().cast<Scalar>();
  for (Index i = 0; i < n; ++i) {
    if (!(stddev(i) > Scalar(0))) stddev(i) = Scalar(1);  // constant, or below Scalar's range
  }
  return {mean.cast<Scalar>(), stddev};
}

}  // namespace deepnet

#endif  // DEEPNET_TOOLS_DATA_HPP
