/// \file tools/search.hpp
/// Hyperparameter search: train one network per setting of the learning rate, the hidden
/// layer sizes, the mini-batch size, L2 lambda and keep_prob, score each on examples it did not
/// train on (a validation split or k-fold cross-validation), and rank the settings in a table.
/// The course calls tuning experience plus search; this is the search, small and seeded.
///
/// \code
///   deepnet::SearchSpace space;
///   space.learning_rates({0.001, 0.01, 0.1}).hidden_layers({{4}, {8, 4}});
///   deepnet::SearchBase base;                     // ReLU hidden layers, Sigmoid output, He
///   base.fit.epochs(300);
///   const auto table =
///       deepnet::grid_search(X, Y, space, base, deepnet::Validation::k_fold(5, 1));
///   std::cout << deepnet::to_string(table);        // best first, by validation cost
/// \endcode
///
/// Every random choice (the split, the folds, the sampled settings, the initial weights, the
/// mini-batches) comes from a seed, so the same call gives the same table; only the measured
/// seconds change.
#ifndef DEEPNET_TOOLS_SEARCH_HPP
#define DEEPNET_TOOLS_SEARCH_HPP

#include "../config.hpp"
#include "../core/activation.hpp"
#include "../core/deep_net.hpp"
#include "../core/init.hpp"
#include "../core/loss.hpp"
#include "../core/random.hpp"
#include "../errors.hpp"
#include "../training/fit_options.hpp"
#include "data.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepnet {

/// The settings one trial trains with: a point of the search space.
struct Hyperparameters {
  double learning_rate = 0.0075;     ///< alpha (FitOptions::learning_rate)
  std::vector<Index> hidden_layers;  ///< n[1], ..., n[L-1]; empty: logistic regression (L = 1)
  Index batch_size = 0;              ///< examples per mini-batch; 0: all of them
  double l2 = 0.0;                   ///< lambda of L2 regularisation (DeepNet::set_l2)
  double keep_prob = 1.0;            ///< dropout on every hidden layer; 1: none
};

/// What every trial shares: the network's fixed settings, and the value of each hyperparameter
/// that the search space leaves out.
struct SearchBase {
  /// n[1], ..., n[L-1] when the space does not vary them (n[0] and n[L] come from X and Y).
  std::vector<Index> hidden_layers;
  double l2 = 0.0;                          ///< lambda when the space does not vary it
  double keep_prob = 1.0;                   ///< keep_prob when the space does not vary it
  Activation hidden = Activation::ReLU;     ///< g[1..L-1]
  Activation output = Activation::Sigmoid;  ///< g[L]
  std::optional<Loss> loss;                 ///< empty: the loss that matches `output`
  Init init = Init::He;                     ///< how W starts
  std::uint64_t init_seed = 1;              ///< the same initial draw for every trial and fold
  bool batch_norm = false;                  ///< batch normalisation on every hidden layer
  /// Epochs, optimizer, schedule, shuffling seed, early stopping, ... for every trial; its
  /// learning_rate and batch_size are used when the space does not vary them.
  FitOptions fit;
};

/// The values to try for each hyperparameter. A hyperparameter that is never set keeps its
/// value from SearchBase. Setters validate their values and chain:
/// `SearchSpace().learning_rates({0.01, 0.1}).batch_sizes({32, 64})`.
class SearchSpace {
 public:
  /// Learning rates to try (grid), or to pick from at random. Replaces a learning_rate_range.
  /// \throws ConfigError for an empty list or a value that is not positive and finite
  SearchSpace& learning_rates(std::vector<double> values) {
    require_values(values, "learning_rates");
    for (double value : values)
      require_positive(value, "learning_rates");
    m_learning_rates = std::move(values);
    m_has_range = false;
    return *this;
  }

  /// random_search only: alpha = 10^r with r uniform in [log10(low), log10(high)], so each
  /// power of ten between low and high gets as many trials. Replaces a list of learning rates.
  /// \throws ConfigError unless 0 < low <= high, both finite
  SearchSpace& learning_rate_range(double low, double high) {
    require_positive(low, "learning_rate_range");
    require_positive(high, "learning_rate_range");
    if (!(low <= high)) {
      throw ConfigError("SearchSpace::learning_rate_range: low must not exceed high, got low " +
                        detail::number_string(low) + " and high " + detail::number_string(high));
    }
    m_learning_rates.clear();
    m_range = {low, high};
    m_has_range = true;
    return *this;
  }

  /// Hidden layer sizes to try, each the list n[1], ..., n[L-1] ({} is logistic regression), so
  /// both L and the n[l] vary: e.g. {{4}, {8, 4}, {16, 8, 4}}.
  /// \throws ConfigError for an empty list or a size below 1
  SearchSpace& hidden_layers(std::vector<std::vector<Index>> values) {
    require_values(values, "hidden_layers");
    for (const std::vector<Index>& sizes : values) {
      for (Index n : sizes) {
        if (n < 1) {
          throw ConfigError("SearchSpace::hidden_layers: " + dims_string(sizes) +
                            " has a layer of " + std::to_string(n) +
                            " units; every hidden layer needs at least one");
        }
      }
    }
    m_hidden_layers = std::move(values);
    return *this;
  }

  /// Mini-batch sizes to try; 0 means all examples (full-batch gradient descent).
  /// \throws ConfigError for an empty list or a negative size
  SearchSpace& batch_sizes(std::vector<Index> values) {
    require_values(values, "batch_sizes");
    for (Index value : values) {
      if (value < 0) {
        throw ConfigError(
            "SearchSpace::batch_sizes: a batch size must be 0 (all examples) or "
            "more, got " +
            std::to_string(value));
      }
    }
    m_batch_sizes = std::move(values);
    return *this;
  }

  /// L2 strengths lambda to try.
  /// \throws ConfigError for an empty list or a value that is negative or not finite
  SearchSpace& l2_lambdas(std::vector<double> values) {
    require_values(values, "l2_lambdas");
    for (double value : values)
      require_l2(value, "SearchSpace::l2_lambdas");
    m_l2_lambdas = std::move(values);
    return *this;
  }

  /// Dropout keep probabilities to try (applied to every hidden layer).
  /// \throws ConfigError for an empty list or a value outside (0, 1]
  SearchSpace& keep_probs(std::vector<double> values) {
    require_values(values, "keep_probs");
    for (double value : values)
      require_keep_prob(value, "SearchSpace::keep_probs");
    m_keep_probs = std::move(values);
    return *this;
  }

  /// The listed learning rates (empty when not set, or when a range is set).
  const std::vector<double>& learning_rates() const noexcept { return m_learning_rates; }
  /// True when the learning rate is a range for random_search.
  bool has_learning_rate_range() const noexcept { return m_has_range; }
  /// {low, high} of the learning-rate range (meaningful when has_learning_rate_range()).
  std::pair<double, double> learning_rate_range() const noexcept { return m_range; }
  /// The listed hidden layer sizes (empty when not set).
  const std::vector<std::vector<Index>>& hidden_layers() const noexcept { return m_hidden_layers; }
  /// The listed batch sizes (empty when not set).
  const std::vector<Index>& batch_sizes() const noexcept { return m_batch_sizes; }
  /// The listed L2 strengths (empty when not set).
  const std::vector<double>& l2_lambdas() const noexcept { return m_l2_lambdas; }
  /// The listed keep probabilities (empty when not set).
  const std::vector<double>& keep_probs() const noexcept { return m_keep_probs; }

  /// The number of combinations grid_search tries: the product of the list sizes (a
  /// hyperparameter that is not set counts once).
  /// \throws ConfigError when the learning rate is a range (only random_search samples one)
  Index grid_size() const {
    require_lists("SearchSpace::grid_size");
    return count(m_learning_rates) * count(m_hidden_layers) * count(m_batch_sizes) *
           count(m_l2_lambdas) * count(m_keep_probs);
  }

  /// Throws ConfigError naming `where` when the learning rate is a range.
  void require_lists(const char* where) const {
    if (m_has_range) {
      throw ConfigError(std::string(where) +
                        ": the learning rate is a range, which only random_search can sample; "
                        "give a list with learning_rates({...}) for a grid");
    }
  }

  /// Throws ConfigError unless lambda >= 0 and finite.
  static void require_l2(double lambda, const char* where) {
    if (!(lambda >= 0.0) || !std::isfinite(lambda)) {
      throw ConfigError(std::string(where) + ": lambda must be 0 or more, got " +
                        detail::number_string(lambda));
    }
  }
  /// Throws ConfigError unless 0 < keep_prob <= 1.
  static void require_keep_prob(double keep_prob, const char* where) {
    if (!(keep_prob > 0.0 && keep_prob <= 1.0)) {
      throw ConfigError(std::string(where) + ": keep_prob must be in (0, 1], got " +
                        detail::number_string(keep_prob));
    }
  }

 private:
  template <class T>
  static void require_values(const std::vector<T>& values, const char* name) {
    if (values.empty()) {
      throw ConfigError(std::string("SearchSpace::") + name +
                        ": the list is empty; give at least one value, or leave the "
                        "hyperparameter out to keep the base value");
    }
  }
  static void require_positive(double value, const char* name) {
    if (!(value > 0.0) || !std::isfinite(value)) {
      throw ConfigError(std::string("SearchSpace::") + name +
                        ": a learning rate must be a positive finite number, got " +
                        detail::number_string(value));
    }
  }
  template <class T>
  static Index count(const std::vector<T>& values) {
    return values.empty() ? 1 : static_cast<Index>(values.size());
  }

  std::vector<double> m_learning_rates;
  std::pair<double, double> m_range{0.0, 0.0};
  bool m_has_range = false;
  std::vector<std::vector<Index>> m_hidden_layers;
  std::vector<Index> m_batch_sizes;
  std::vector<double> m_l2_lambdas;
  std::vector<double> m_keep_probs;
};

/// How a trial is scored: on one held-out part of the examples, or by k-fold cross-validation.
class Validation {
 public:
  /// Hold out `fraction` of the examples (chosen with `seed`, the same for every trial) for
  /// validation and train on the rest; see `split`.
  /// \throws ConfigError unless 0 < fraction < 1
  static Validation holdout(double fraction, std::uint64_t seed) {
    require_fraction(fraction, "Validation::holdout");
    return Validation(false, fraction, 0, seed);
  }

  /// Assign the examples to k folds (with `seed`, the same for every trial; see
  /// `fold_assignment`), train k networks, each validated on one fold and trained on the other
  /// k - 1, and average their scores. Costs k times the training of a hold-out split.
  /// \throws ConfigError unless k >= 2 (k <= m is checked when the data are known)
  static Validation k_fold(Index k, std::uint64_t seed) {
    if (k < 2) {
      throw ConfigError(
          "Validation::k_fold: k must be 2 or more (each example is validated on "
          "once, by a network trained on the other folds), got " +
          std::to_string(k));
    }
    return Validation(true, 0.0, k, seed);
  }

  /// True for k-fold cross-validation, false for a hold-out split.
  bool is_k_fold() const noexcept { return m_k_fold; }
  /// The held-out fraction (hold-out split).
  double fraction() const noexcept { return m_fraction; }
  /// The number of folds (k-fold).
  Index k() const noexcept { return m_k; }
  /// The seed of the split or of the fold assignment.
  std::uint64_t seed() const noexcept { return m_seed; }

  /// Throws ConfigError naming `where` unless 0 < fraction < 1.
  static void require_fraction(double fraction, const char* where) {
    detail::require_fraction(fraction, where);
  }

 private:
  Validation(bool k_fold, double fraction, Index k, std::uint64_t seed)
      : m_k_fold(k_fold), m_fraction(fraction), m_k(k), m_seed(seed) {}

  bool m_k_fold;
  double m_fraction;
  Index m_k;
  std::uint64_t m_seed;
};

/// One trial of a search: its settings and its scores.
struct Trial {
  Index index = 0;           ///< position in the order the trials ran (0-based)
  Hyperparameters settings;  ///< what it trained with
  bool failed = false;       ///< true when training broke down (see `error`)
  std::string error;         ///< why it failed: the exception's message
  /// Validation cost (no L2 term, no dropout), the mean over the folds; what ranks the trials.
  double val_cost = std::numeric_limits<double>::quiet_NaN();
  /// Sample standard deviation of the validation cost over the folds (NaN for a hold-out split).
  double val_cost_std = std::numeric_limits<double>::quiet_NaN();
  /// Validation accuracy, the mean over the folds (NaN for a regression output): the fraction
  /// of examples with all outputs right, as `DeepNet::accuracy` counts it.
  double val_accuracy = std::numeric_limits<double>::quiet_NaN();
  /// Sample standard deviation of the validation accuracy over the folds.
  double val_accuracy_std = std::numeric_limits<double>::quiet_NaN();
  /// Cost on the training examples after training, computed as the validation cost is (no L2
  /// term, no dropout), the mean over the folds. Far below val_cost: variance; both high: bias.
  double train_cost = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0.0;  ///< wall-clock time of the trial, every fold included
};

/// The trials of a search, best first: by validation cost, lowest first; ties keep the order
/// the trials ran in; failed trials last, in the order they ran.
using SearchTable = std::vector<Trial>;

namespace detail {

// Cost (no L2 term) and accuracy of the trained network on (X, Y), in chunks of at most 1024
// examples, as Trainer evaluates a validation set.
template <class Scalar>
std::pair<double, double> score(const DeepNet<Scalar>& net, const Matrix<Scalar>& X,
                                const Matrix<Scalar>& Y, PredictionWorkspace<Scalar>& workspace) {
  const Activation output = net.layer(net.L()).activation();
  const bool classifies = output == Activation::Sigmoid || output == Activation::Softmax;
  const Index m = X.cols();
  const Index chunk = std::min<Index>(m, 1024);
  double cost_sum = 0.0;
  Index correct = 0, counted = 0;
  for (Index start = 0; start < m; start += chunk) {
    const Index size = std::min(chunk, m - start);
    net.predict(X.middleCols(start, size), workspace);
    const auto Y_part = Y.middleCols(start, size);
    cost_sum +=
        static_cast<double>(cost<Scalar>(net.loss(), workspace.Z(), workspace.A(), Y_part)) *
        static_cast<double>(size);
    if (classifies) {
      Index total = 0;
      correct += count_correct<Scalar>(workspace.A(), Y_part, output, total);
      counted += total;
    }
  }
  const double accuracy = classifies ? static_cast<double>(correct) / static_cast<double>(counted)
                                     : std::numeric_limits<double>::quiet_NaN();
  return {cost_sum / static_cast<double>(m), accuracy};
}

struct FoldScore {
  double val_cost, val_accuracy, train_cost;
};

// Builds the network of `settings`, trains it on the training part and scores it.
template <class Scalar>
FoldScore train_and_score(const Split<Scalar>& data, const Hyperparameters& settings,
                          const SearchBase& base) {
  std::vector<Index> dims{data.X_train.rows()};
  dims.insert(dims.end(), settings.hidden_layers.begin(), settings.hidden_layers.end());
  dims.push_back(data.Y_train.rows());
  DeepNet<Scalar> net(dims, base.hidden, base.output,
                      base.loss.value_or(matching_loss(base.output)));
  if (base.batch_norm) {
    for (Index l = 1; l < net.L(); ++l)
      net.set_batch_norm(l);
  }
  net.set_l2(settings.l2);
  net.set_keep_prob(settings.keep_prob);
  net.initialize(base.init, base.init_seed);

  FitOptions options = base.fit;
  options.learning_rate(settings.learning_rate).batch_size(settings.batch_size);
  if (options.early_stopping() > 0) {
    net.fit(data.X_train, data.Y_train, data.X_val, data.Y_val, options);
  } else {
    net.fit(data.X_train, data.Y_train, options);
  }
  PredictionWorkspace<Scalar> workspace;
  const std::pair<double, double> val = score(net, data.X_val, data.Y_val, workspace);
  const std::pair<double, double> train = score(net, data.X_train, data.Y_train, workspace);
  if (!std::isfinite(val.first) || !std::isfinite(train.first)) {
    throw NumericalError("the validation cost is " + number_string(val.first) +
                             " and the training cost " + number_string(train.first) +
                             " after training",
                         0, "cost");
  }
  return {val.first, val.second, train.first};
}

// Mean and sample standard deviation (NaN for a single value).
inline std::pair<double, double> mean_and_std(const std::vector<double>& values) {
  double sum = 0.0;
  for (double value : values)
    sum += value;
  const double mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) return {mean, std::numeric_limits<double>::quiet_NaN()};
  double squares = 0.0;
  for (double value : values)
    squares += (value - mean) * (value - mean);
  return {mean, std::sqrt(squares / static_cast<double>(values.size() - 1))};
}

template <class T>
const T& pick(const std::vector<T>& values, const T& fallback, Random& random) {
  if (values.empty()) return fallback;
  return values[static_cast<std::size_t>(random.below(static_cast<Index>(values.size())))];
}

inline std::string format(const char* pattern, double value) {
  if (std::isnan(value)) return "-";
  char text[48];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

}  // namespace detail

/// The fold (0..k-1) of each of m examples for k-fold cross-validation: a seeded shuffle, then
/// the examples dealt out to the folds in turn, so fold sizes differ by at most one and every
/// example is in exactly one fold (it is validated on once). Not stratified.
/// \throws ConfigError unless 2 <= k <= m
inline std::vector<Index> fold_assignment(Index m, Index k, std::uint64_t seed) {
  if (k < 2) {
    throw ConfigError("fold_assignment: k must be 2 or more, got " + std::to_string(k));
  }
  if (k > m) {
    throw ConfigError("fold_assignment: k = " + std::to_string(k) +
                      " folds for m = " + std::to_string(m) +
                      " examples; every fold needs at least one example, so k must be at most m");
  }
  const std::vector<Index> order = detail::permutation(m, seed);
  std::vector<Index> fold(static_cast<std::size_t>(m));
  for (std::size_t i = 0; i < order.size(); ++i)
    fold[static_cast<std::size_t>(order[i])] = static_cast<Index>(i) % k;
  return fold;
}

/// Every combination of the space's lists, in this order: learning rate outermost, then
/// hidden layers, batch size, L2 lambda, keep_prob innermost. Hyperparameters the space does
/// not set take their base value.
/// \throws ConfigError when the learning rate is a range; for base values out of range
inline std::vector<Hyperparameters> grid_settings(const SearchSpace& space,
                                                  const SearchBase& base) {
  space.require_lists("grid_search");
  SearchSpace::require_l2(base.l2, "SearchBase::l2");
  SearchSpace::require_keep_prob(base.keep_prob, "SearchBase::keep_prob");
  const auto or_base = [](const auto& values, const auto& fallback) {
    using T = std::decay_t<decltype(fallback)>;
    return values.empty() ? std::vector<T>{fallback} : std::vector<T>(values);
  };
  std::vector<Hyperparameters> result;
  result.reserve(static_cast<std::size_t>(space.grid_size()));
  for (double alpha : or_base(space.learning_rates(), base.fit.learning_rate())) {
    for (const auto& hidden : or_base(space.hidden_layers(), base.hidden_layers)) {
      for (Index batch : or_base(space.batch_sizes(), base.fit.batch_size())) {
        for (double lambda : or_base(space.l2_lambdas(), base.l2)) {
          for (double keep : or_base(space.keep_probs(), base.keep_prob))
            result.push_back({alpha, hidden, batch, lambda, keep});
        }
      }
    }
  }
  return result;
}

/// `trials` settings drawn with a generator seeded with `seed`: for each trial, in this order,
/// the learning rate (log-uniform in the range, or one of the list), then one of each other
/// list, uniformly. Draws are with replacement, so a small grid can be drawn twice; use
/// grid_search for those. Hyperparameters the space does not set take their base value.
/// \throws ConfigError unless trials >= 1; for base values out of range
inline std::vector<Hyperparameters> random_settings(const SearchSpace& space,
                                                    const SearchBase& base, Index trials,
                                                    std::uint64_t seed) {
  if (trials < 1) {
    throw ConfigError("random_search: trials must be 1 or more, got " + std::to_string(trials));
  }
  SearchSpace::require_l2(base.l2, "SearchBase::l2");
  SearchSpace::require_keep_prob(base.keep_prob, "SearchBase::keep_prob");
  Random random(seed);
  std::vector<Hyperparameters> result;
  result.reserve(static_cast<std::size_t>(trials));
  for (Index t = 0; t < trials; ++t) {
    Hyperparameters h;
    if (space.has_learning_rate_range()) {
      const double low = std::log10(space.learning_rate_range().first);
      const double high = std::log10(space.learning_rate_range().second);
      h.learning_rate = std::pow(10.0, low + (high - low) * random.uniform());
    } else {
      h.learning_rate = detail::pick(space.learning_rates(), base.fit.learning_rate(), random);
    }
    h.hidden_layers = detail::pick(space.hidden_layers(), base.hidden_layers, random);
    h.batch_size = detail::pick(space.batch_sizes(), base.fit.batch_size(), random);
    h.l2 = detail::pick(space.l2_lambdas(), base.l2, random);
    h.keep_prob = detail::pick(space.keep_probs(), base.keep_prob, random);
    result.push_back(std::move(h));
  }
  return result;
}

/// Trains and scores each of `candidates` on (X, Y), and ranks them (see SearchTable). The
/// split or the folds are drawn once, so every candidate sees the same examples. A candidate
/// whose training breaks down (NumericalError, e.g. a learning rate that diverges) is recorded
/// as failed with the message; any other exception (bad data, a base setting that cannot work)
/// would fail every candidate alike, so it propagates.
/// \param X n[0] x m inputs; \param Y n[L] x m targets (columns are examples)
/// \throws ConfigError for k > m, a split that leaves a part empty, or `base.fit` with a
///         validation_split; as DeepNet::fit
template <class DerivedX, class DerivedY>
SearchTable evaluate_settings(const Eigen::MatrixBase<DerivedX>& X,
                              const Eigen::MatrixBase<DerivedY>& Y,
                              const std::vector<Hyperparameters>& candidates,
                              const SearchBase& base, const Validation& validation) {
  using Scalar = typename DerivedX::Scalar;
  detail::require_paired(X, Y, "evaluate_settings");
  if (base.fit.validation_split() != 0.0) {
    // fit would either refuse the search's own validation set next to it, or split the
    // training part a second time: neither is what a search with `validation` means.
    throw ConfigError("SearchBase::fit: validation_split is " +
                      detail::number_string(base.fit.validation_split()) +
                      ", but a search holds out its own validation examples (the Validation "
                      "argument: holdout or k_fold); leave validation_split at 0");
  }
  if (base.fit.data_parallel() != nullptr) {
    // Each process would hold out and score its own examples: the processes' trials would
    // see different validation sets, and their rankings could differ.
    throw ConfigError(
        "SearchBase::fit: data_parallel is set, but a search holds out and scores its "
        "validation examples on one process; run the search on one process, then train the "
        "chosen settings with data_parallel");
  }
  std::vector<Split<Scalar>> folds;
  if (validation.is_k_fold()) {
    const std::vector<Index> fold = fold_assignment(X.cols(), validation.k(), validation.seed());
    for (Index f = 0; f < validation.k(); ++f)
      folds.push_back(detail::split_by<Scalar>(X, Y, fold, f));
  } else {
    folds.push_back(split(X, Y, validation.fraction(), validation.seed()));
  }

  SearchTable table;
  table.reserve(candidates.size());
  for (const Hyperparameters& settings : candidates) {
    Trial trial;
    trial.index = static_cast<Index>(table.size());
    trial.settings = settings;
    const auto start = std::chrono::steady_clock::now();
    try {
      std::vector<double> val_cost, val_accuracy, train_cost;
      for (const Split<Scalar>& data : folds) {
        const detail::FoldScore score = detail::train_and_score(data, settings, base);
        val_cost.push_back(score.val_cost);
        val_accuracy.push_back(score.val_accuracy);
        train_cost.push_back(score.train_cost);
      }
      std::tie(trial.val_cost, trial.val_cost_std) = detail::mean_and_std(val_cost);
      std::tie(trial.val_accuracy, trial.val_accuracy_std) = detail::mean_and_std(val_accuracy);
      trial.train_cost = detail::mean_and_std(train_cost).first;
    } catch (const NumericalError& error) {
      const Index index = trial.index;
      trial = Trial();  // no partial scores from the folds that finished
      trial.index = index;
      trial.settings = settings;
      trial.failed = true;
      trial.error = error.what();
    }
    trial.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    table.push_back(std::move(trial));
  }
  std::stable_sort(table.begin(), table.end(), [](const Trial& a, const Trial& b) {
    if (a.failed != b.failed) return b.failed;
    return !a.failed && a.val_cost < b.val_cost;
  });
  return table;
}

/// Tries every combination of the space (see `grid_settings`) and returns the ranked table.
/// \throws as grid_settings and evaluate_settings
template <class DerivedX, class DerivedY>
SearchTable grid_search(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
                        const SearchSpace& space, const SearchBase& base,
                        const Validation& validation) {
  return evaluate_settings(X, Y, grid_settings(space, base), base, validation);
}

/// Tries `trials` settings drawn with `seed` (see `random_settings`) and returns the ranked table.
/// The same seed gives the same settings and the same table; another seed, other settings. \throws
/// as random_settings and evaluate_settings
template <class DerivedX, class DerivedY>
SearchTable random_search(const Eigen::MatrixBase<DerivedX>& X,
                          const Eigen::MatrixBase<DerivedY>& Y, const SearchSpace& space,
                          const SearchBase& base, const Validation& validation, Index trials,
                          std::uint64_t seed) {
  return evaluate_settings(X, Y, random_settings(space, base, trials, seed), base, validation);
}

/// One line: "learning_rate 0.01, hidden {8, 4}, batch all, l2 0, keep_prob 1".
inline std::string to_string(const Hyperparameters& h) {
  return "learning_rate " + detail::format("%.3g", h.learning_rate) + ", hidden " +
         dims_string(h.hidden_layers) + ", batch " +
         (h.batch_size == 0 ? std::string("all") : std::to_string(h.batch_size)) + ", l2 " +
         detail::format("%.3g", h.l2) + ", keep_prob " + detail::format("%.3g", h.keep_prob);
}

/// The table as aligned text, one trial a line, best first:
/// \code
///   rank  trial  learning_rate  hidden  batch  l2  keep_prob  val_cost  val_accuracy  ...
///      1      1            0.1     {4}    all   0          1    0.0713         0.975  ...
/// \endcode
/// The "sd" columns (standard deviations over the folds) appear when some trial has them
/// (k-fold); "-" marks a value that does not exist (accuracy of a regression); a failed trial
/// shows "failed:" and its reason at the end of its line.
inline std::string to_string(const SearchTable& table) {
  bool spread = false;
  for (const Trial& trial : table)
    spread = spread || !std::isnan(trial.val_cost_std);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"rank",  "trial", "learning_rate", "hidden",
                                     "batch", "l2",    "keep_prob",     "val_cost"};
  if (spread) header.push_back("sd");
  header.push_back("val_accuracy");
  if (spread) header.push_back("sd");
  header.insert(header.end(), {"train_cost", "seconds"});
  rows.push_back(header);
  for (std::size_t i = 0; i < table.size(); ++i) {
    const Trial& t = table[i];
    const Hyperparameters& h = t.settings;
    std::vector<std::string> row = {
        t.failed ? std::string("-") : std::to_string(i + 1),
        std::to_string(t.index),
        detail::format("%.3g", h.learning_rate),
        dims_string(h.hidden_layers),
        h.batch_size == 0 ? std::string("all") : std::to_string(h.batch_size),
        detail::format("%.3g", h.l2),
        detail::format("%.3g", h.keep_prob),
        detail::format("%.4f", t.val_cost)};
    if (spread) row.push_back(detail::format("%.4f", t.val_cost_std));
    row.push_back(detail::format("%.3f", t.val_accuracy));
    if (spread) row.push_back(detail::format("%.3f", t.val_accuracy_std));
    row.push_back(detail::format("%.4f", t.train_cost));
    row.push_back(detail::format("%.2f", t.seconds));
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const std::vector<std::string>& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  }
  std::string text;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      if (c > 0) text += "  ";
      text += std::string(width[c] - rows[r][c].size(), ' ') + rows[r][c];
    }
    if (r > 0 && table[r - 1].failed) text += "  failed: " + table[r - 1].error;
    text += '\n';
  }
  return text;
}

}  // namespace deepnet

#endif  // DEEPNET_TOOLS_SEARCH_HPP
