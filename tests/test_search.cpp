// Tests for search.hpp: the split and fold helpers, grid and random search, scoring on a
// validation split and by k-fold cross-validation, failed trials, the table, bad inputs.
#include "support/test_support.hpp"

#include "support/one_process.hpp"

#include <deepnet/tools/search.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using deepnet::Activation;
using deepnet::ConfigError;
using deepnet::Hyperparameters;
using deepnet::Index;
using deepnet::Matrix;
using deepnet::SearchBase;
using deepnet::SearchSpace;
using deepnet::SearchTable;
using deepnet::ShapeError;
using deepnet::Trial;
using deepnet::Validation;

namespace {

// Two Gaussian blobs in two features, labels alternating 0/1: learnable, seeded.
struct Blobs2D {
  Matrix<double> X, Y;
  explicit Blobs2D(Index m, std::uint64_t seed = 7) : X(2, m), Y(1, m) {
    deepnet::Random random(seed);
    for (Index j = 0; j < m; ++j) {
      const bool positive = j % 2 == 1;
      Y(0, j) = positive ? 1.0 : 0.0;
      for (Index i = 0; i < 2; ++i)
        X(i, j) = random.normal() + (positive ? 1.0 : -1.0);
    }
  }
};

SearchBase quick_base(Index epochs = 150) {
  SearchBase base;
  base.hidden_layers = {4};
  base.fit.epochs(epochs);
  return base;
}

// Everything but the measured time.
void check_same(const SearchTable& a, const SearchTable& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(a[i].index == b[i].index);
    CHECK(deepnet::to_string(a[i].settings) == deepnet::to_string(b[i].settings));
    CHECK(a[i].failed == b[i].failed);
    CHECK(a[i].error == b[i].error);
    if (!a[i].failed) {
      CHECK(a[i].val_cost == b[i].val_cost);
      CHECK(a[i].val_accuracy == b[i].val_accuracy);
      CHECK(a[i].train_cost == b[i].train_cost);
    }
  }
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("split: sizes are right and column j of X stays with column j of Y", "[search]") {
  const Index m = 10;
  Matrix<double> X(2, m), Y(2, m);
  for (Index j = 0; j < m; ++j) {
    X(0, j) = static_cast<double>(j);
    X(1, j) = -static_cast<double>(j);
    Y(0, j) = 100.0 + static_cast<double>(j);
    Y(1, j) = 200.0 + static_cast<double>(j);
  }
  const auto [X_train, Y_train, X_val, Y_val] = deepnet::split(X, Y, 0.3, 1);
  CHECK(X_val.rows() == 2);
  CHECK(X_val.cols() == 3);
  CHECK(Y_val.rows() == 2);
  CHECK(Y_val.cols() == 3);
  CHECK(X_train.cols() == 7);
  CHECK(Y_train.cols() == 7);

  std::vector<double> seen;
  for (const auto* part : {&X_train, &X_val}) {
    const Matrix<double>& Xp = *part;
    const Matrix<double>& Yp = part == &X_train ? Y_train : Y_val;
    for (Index j = 0; j < Xp.cols(); ++j) {
      CAPTURE(j);
      CHECK(Xp(1, j) == -Xp(0, j));
      CHECK(Yp(0, j) == 100.0 + Xp(0, j));
      CHECK(Yp(1, j) == 200.0 + Xp(0, j));
      if (j > 0) CHECK(Xp(0, j - 1) < Xp(0, j));  // original order kept within a part
      seen.push_back(Xp(0, j));
    }
  }
  std::sort(seen.begin(), seen.end());
  for (Index j = 0; j < m; ++j)
    CHECK(seen[static_cast<std::size_t>(j)] == static_cast<double>(j));  // each example once

  // Seeded: the same seed holds out the same examples, another seed others.
  CHECK(deepnet::split(X, Y, 0.3, 1).X_val == X_val);
  const Matrix<float> Xf = X.cast<float>();
  CHECK(deepnet::split(Xf, Y, 0.3, 1).X_val == X_val.cast<float>());
  bool differs = false;
  for (std::uint64_t seed = 2; seed < 6; ++seed)
    differs = differs || deepnet::split(X, Y, 0.3, seed).X_val != X_val;
  CHECK(differs);
}

TEST_CASE("fold_assignment: every example is validated on exactly once", "[search]") {
  for (const auto& [m, k] : std::vector<std::pair<Index, Index>>{{10, 2}, {23, 5}, {7, 7}}) {
    CAPTURE(m, k);
    const std::vector<Index> fold = deepnet::fold_assignment(m, k, 3);
    REQUIRE(fold.size() == static_cast<std::size_t>(m));
    std::vector<Index> size(static_cast<std::size_t>(k), 0);
    for (Index f : fold) {
      REQUIRE(f >= 0);
      REQUIRE(f < k);
      ++size[static_cast<std::size_t>(f)];
    }
    // One fold per example, so each example is in exactly one validation part; sizes differ
    // by at most one, and every fold has examples.
    const auto [smallest, largest] = std::minmax_element(size.begin(), size.end());
    CHECK(*smallest >= 1);
    CHECK(*largest - *smallest <= 1);
    CHECK(deepnet::fold_assignment(m, k, 3) == fold);
  }
  CHECK(deepnet::fold_assignment(30, 3, 1) != deepnet::fold_assignment(30, 3, 2));
}

TEST_CASE("grid_search: the obvious learning rate ranks first", "[search]") {
  const Blobs2D data(200);
  SearchSpace space;
  space.learning_rates({1e-5, 0.1});
  for (const Validation& validation : {Validation::holdout(0.25, 1), Validation::k_fold(4, 1)}) {
    CAPTURE(validation.is_k_fold());
    const SearchTable table = deepnet::grid_search(data.X, data.Y, space, quick_base(), validation);
    REQUIRE(table.size() == 2);
    CHECK(table[0].settings.learning_rate == 0.1);
    CHECK(table[0].index == 1);  // second in the order tried, first in the ranking
    CHECK(table[1].settings.learning_rate == 1e-5);
    CHECK_FALSE(table[0].failed);
    CHECK(table[0].val_cost < table[1].val_cost);
    CHECK(table[0].val_accuracy > 0.85);
    CHECK(std::isfinite(table[0].train_cost));
    CHECK(table[0].seconds >= 0.0);
    CHECK(table[0].settings.hidden_layers == std::vector<Index>{4});  // from the base
    CHECK(std::isnan(table[0].val_cost_std) != validation.is_k_fold());
    CHECK(std::isnan(table[0].val_accuracy_std) != validation.is_k_fold());
  }
  // float data train float networks, with the same ranking.
  const Matrix<float> Xf = data.X.cast<float>();
  const Matrix<float> Yf = data.Y.cast<float>();
  const SearchTable table =
      deepnet::grid_search(Xf, Yf, space, quick_base(), Validation::holdout(0.25, 1));
  CHECK(table.at(0).settings.learning_rate == 0.1);
}

TEST_CASE("grid_settings: the grid is every combination, lists multiplied", "[search]") {
  SearchSpace space;
  space.learning_rates({0.001, 0.01, 0.1})
      .hidden_layers({{4}, {8, 4}})
      .batch_sizes({0, 32})
      .l2_lambdas({0.0, 0.1})
      .keep_probs({1.0});
  CHECK(space.grid_size() == 3 * 2 * 2 * 2 * 1);
  SearchBase base = quick_base();
  const std::vector<Hyperparameters> grid = deepnet::grid_settings(space, base);
  REQUIRE(grid.size() == 24);
  std::set<std::string> distinct;
  for (const Hyperparameters& h : grid)
    distinct.insert(deepnet::to_string(h));
  CHECK(distinct.size() == 24);
  // Learning rate outermost, keep_prob innermost.
  CHECK(deepnet::to_string(grid[0]) ==
        "learning_rate 0.001, hidden {4}, batch all, l2 0, keep_prob 1");
  CHECK(deepnet::to_string(grid[1]) ==
        "learning_rate 0.001, hidden {4}, batch all, l2 0.1, keep_prob 1");
  CHECK(deepnet::to_string(grid[23]) ==
        "learning_rate 0.1, hidden {8, 4}, batch 32, l2 0.1, keep_prob 1");

  // Hyperparameters left out keep their base value; the search tries the whole grid.
  base.fit.learning_rate(0.05);
  base.keep_prob = 0.9;
  const Blobs2D data(60);
  SearchSpace small;
  small.hidden_layers({{3}, {}}).batch_sizes({0, 16}).l2_lambdas({0.0, 0.5});
  const SearchTable table =
      deepnet::grid_search(data.X, data.Y, small, base, Validation::holdout(0.3, 2));
  CHECK(static_cast<Index>(table.size()) == small.grid_size());
  CHECK(table.size() == 8);
  for (const Trial& trial : table) {
    CHECK(trial.settings.learning_rate == 0.05);
    CHECK(trial.settings.keep_prob == 0.9);
  }
}

TEST_CASE("random_search: the same seed gives the same table, another seed another", "[search]") {
  const Blobs2D data(120);
  SearchSpace space;
  space.learning_rate_range(1e-3, 1.0).hidden_layers({{4}, {6, 3}}).batch_sizes({0, 32});
  const SearchBase base = quick_base(60);
  const Validation validation = Validation::k_fold(3, 5);
  const SearchTable a = deepnet::random_search(data.X, data.Y, space, base, validation, 4, 11);
  const SearchTable b = deepnet::random_search(data.X, data.Y, space, base, validation, 4, 11);
  REQUIRE(a.size() == 4);
  check_same(a, b);
  for (const Trial& trial : a) {
    CHECK(trial.settings.learning_rate >= 1e-3);
    CHECK(trial.settings.learning_rate <= 1.0);
  }

  const auto settings = [&](std::uint64_t seed) {
    std::vector<std::string> text;
    for (const Hyperparameters& h : deepnet::random_settings(space, base, 4, seed))
      text.push_back(deepnet::to_string(h));
    return text;
  };
  CHECK(settings(11) == settings(11));
  CHECK(settings(11) != settings(12));

  // The learning rate is log-uniform: each power of ten in [1e-4, 1) gets about a quarter.
  SearchSpace wide;
  wide.learning_rate_range(1e-4, 1.0);
  std::vector<int> per_decade(4, 0);
  for (const Hyperparameters& h : deepnet::random_settings(wide, base, 2000, 3)) {
    const int decade = static_cast<int>(std::floor(std::log10(h.learning_rate))) + 4;
    REQUIRE(decade >= 0);
    REQUIRE(decade < 4);
    ++per_decade[static_cast<std::size_t>(decade)];
  }
  for (int count : per_decade)
    CHECK((count > 400 && count < 600));
}

TEST_CASE("grid_search: the same call gives the same table", "[search]") {
  const Blobs2D data(80);
  SearchSpace space;
  space.learning_rates({0.03, 0.3}).keep_probs({0.8, 1.0}).batch_sizes({16});
  SearchBase base = quick_base(30);
  base.batch_norm = true;
  base.fit.optimizer(deepnet::OptimizerSettings::adam()).seed(4);
  const Validation validation = Validation::k_fold(2, 9);
  check_same(deepnet::grid_search(data.X, data.Y, space, base, validation),
             deepnet::grid_search(data.X, data.Y, space, base, validation));
}

TEST_CASE("search: a learning rate that diverges is recorded as failed, not thrown", "[search]") {
  const Blobs2D data(200);
  SearchSpace space;
  space.learning_rates({1e6, 0.1});
  const SearchTable table =
      deepnet::grid_search(data.X, data.Y, space, quick_base(), Validation::k_fold(3, 1));
  REQUIRE(table.size() == 2);
  CHECK_FALSE(table[0].failed);
  CHECK(table[0].settings.learning_rate == 0.1);
  CHECK(table[1].failed);  // failed trials rank last
  CHECK(table[1].index == 0);
  CHECK(table[1].settings.learning_rate == 1e6);
  CHECK_THAT(table[1].error, Contains("training diverged at iteration"));
  CHECK(std::isnan(table[1].val_cost));
  CHECK(std::isnan(table[1].train_cost));
  const std::vector<std::string> lines = lines_of(deepnet::to_string(table));
  REQUIRE(lines.size() == 3);
  CHECK_THAT(lines[2], Contains("failed: " + table[1].error));

  // Regression (MSE): no accuracy, and gradient descent on a quadratic diverges past 2 / curvature.
  Matrix<double> X(2, 50), Y(1, 50);
  deepnet::Random random(5);
  for (Index j = 0; j < 50; ++j) {
    X(0, j) = random.normal();
    X(1, j) = random.normal();
    Y(0, j) = X(0, j) - 2.0 * X(1, j);
  }
  SearchBase regression;
  regression.output = Activation::Identity;
  regression.fit.epochs(500);
  SearchSpace rates;
  rates.learning_rates({10.0, 0.05});
  const SearchTable fitted =
      deepnet::grid_search(X, Y, rates, regression, Validation::holdout(0.2, 1));
  REQUIRE(fitted.size() == 2);
  CHECK(fitted[0].settings.learning_rate == 0.05);
  CHECK(fitted[0].val_cost < 1e-3);
  CHECK(std::isnan(fitted[0].val_accuracy));
  CHECK(fitted[1].failed);
}

TEST_CASE("to_string: an aligned table, best first", "[search]") {
  const Blobs2D data(100);
  SearchSpace space;
  space.learning_rates({1e-5, 0.1}).hidden_layers({{4}, {8, 4}});
  const SearchTable holdout =
      deepnet::grid_search(data.X, data.Y, space, quick_base(50), Validation::holdout(0.2, 1));
  const std::vector<std::string> lines = lines_of(deepnet::to_string(holdout));
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] ==
        "rank  trial  learning_rate  hidden  batch  l2  keep_prob  val_cost  val_accuracy  "
        "train_cost  seconds");
  for (std::size_t r = 1; r < lines.size(); ++r) {
    CAPTURE(lines[r]);
    CHECK(lines[r].size() == lines[0].size());
    CHECK(lines[r].substr(0, 4) == "   " + std::to_string(r));
    CHECK_THAT(lines[r], Contains(" all "));
  }
  for (std::size_t i = 1; i < holdout.size(); ++i)
    CHECK(holdout[i - 1].val_cost <= holdout[i].val_cost);

  const SearchTable folds =
      deepnet::grid_search(data.X, data.Y, space, quick_base(50), Validation::k_fold(3, 1));
  // k-fold adds the standard deviations over the folds.
  std::istringstream header(lines_of(deepnet::to_string(folds)).at(0));
  std::vector<std::string> columns;
  for (std::string word; header >> word;)
    columns.push_back(word);
  CHECK(columns == std::vector<std::string>{"rank", "trial", "learning_rate", "hidden", "batch",
                                            "l2", "keep_prob", "val_cost", "sd", "val_accuracy",
                                            "sd", "train_cost", "seconds"});
  CHECK(deepnet::to_string(SearchTable{}) ==
        "rank  trial  learning_rate  hidden  batch  l2  keep_prob  val_cost  val_accuracy  "
        "train_cost  seconds\n");
}

TEST_CASE("search: bad inputs throw ConfigError with a clear message", "[search]") {
  SearchSpace space;
  REQUIRE_THROWS_WITH(space.learning_rates({}),
                      "SearchSpace::learning_rates: the list is empty; give at least one value, "
                      "or leave the hyperparameter out to keep the base value");
  REQUIRE_THROWS_AS(space.hidden_layers({}), ConfigError);
  REQUIRE_THROWS_AS(space.batch_sizes({}), ConfigError);
  REQUIRE_THROWS_AS(space.l2_lambdas({}), ConfigError);
  REQUIRE_THROWS_WITH(space.keep_probs({}), Contains("SearchSpace::keep_probs: the list is empty"));
  REQUIRE_THROWS_WITH(space.learning_rates({0.1, -1.0}),
                      "SearchSpace::learning_rates: a learning rate must be a positive finite "
                      "number, got -1");
  REQUIRE_THROWS_WITH(space.learning_rate_range(1.0, 0.1),
                      "SearchSpace::learning_rate_range: low must not exceed high, got low 1 and "
                      "high 0.1");
  REQUIRE_THROWS_WITH(space.hidden_layers({{4}, {8, 0}}),
                      "SearchSpace::hidden_layers: {8, 0} has a layer of 0 units; every hidden "
                      "layer needs at least one");
  REQUIRE_THROWS_AS(space.batch_sizes({-1}), ConfigError);
  REQUIRE_THROWS_WITH(space.l2_lambdas({-0.5}),
                      "SearchSpace::l2_lambdas: lambda must be 0 or more, got -0.5");
  REQUIRE_THROWS_WITH(space.keep_probs({1.5}),
                      "SearchSpace::keep_probs: keep_prob must be in (0, 1], got 1.5");
  REQUIRE_THROWS_AS(space.keep_probs({0.0}), ConfigError);

  for (double fraction : {0.0, 1.0, -0.2, 1.5, std::nan("")}) {
    CAPTURE(fraction);
    REQUIRE_THROWS_AS(Validation::holdout(fraction, 1), ConfigError);
  }
  REQUIRE_THROWS_WITH(Validation::holdout(1.0, 1),
                      "Validation::holdout: fraction is the share of examples held out for "
                      "validation and must be in (0, 1), got 1");
  REQUIRE_THROWS_WITH(Validation::k_fold(1, 1),
                      "Validation::k_fold: k must be 2 or more (each example is validated on "
                      "once, by a network trained on the other folds), got 1");

  const Blobs2D data(10);
  REQUIRE_THROWS_WITH(deepnet::split(data.X, data.Y, 0.0, 1),
                      "split: fraction is the share of examples held out for validation and must "
                      "be in (0, 1), got 0");
  REQUIRE_THROWS_WITH(deepnet::split(data.X, data.Y, 0.01, 1),
                      "split: fraction 0.01 of m = 10 examples holds out 0; both the training "
                      "and the validation part need at least one example");
  REQUIRE_THROWS_AS(deepnet::split(data.X, data.Y.leftCols(9), 0.5, 1), ShapeError);
  REQUIRE_THROWS_WITH(deepnet::fold_assignment(10, 1, 1),
                      "fold_assignment: k must be 2 or more, got 1");
  REQUIRE_THROWS_WITH(deepnet::fold_assignment(10, 11, 1),
                      "fold_assignment: k = 11 folds for m = 10 examples; every fold needs at "
                      "least one example, so k must be at most m");

  SearchSpace rates;
  rates.learning_rates({0.1});
  const SearchBase base = quick_base(5);
  REQUIRE_THROWS_WITH(deepnet::grid_search(data.X, data.Y, rates, base, Validation::k_fold(11, 1)),
                      Contains("k = 11 folds for m = 10 examples"));
  REQUIRE_THROWS_WITH(
      deepnet::random_search(data.X, data.Y, rates, base, Validation::holdout(0.5, 1), 0, 1),
      "random_search: trials must be 1 or more, got 0");
  SearchSpace range;
  range.learning_rate_range(1e-4, 1e-1);
  REQUIRE_THROWS_WITH(
      deepnet::grid_search(data.X, data.Y, range, base, Validation::holdout(0.5, 1)),
      "grid_search: the learning rate is a range, which only random_search can sample; give a "
      "list with learning_rates({...}) for a grid");
  REQUIRE_THROWS_AS(range.grid_size(), ConfigError);
  // Setting a list replaces the range.
  CHECK(range.learning_rates({0.1}).grid_size() == 1);
  // The search holds out its own validation examples; fit's split would be a second one.
  SearchBase split_twice = base;
  split_twice.fit.validation_split(0.2);
  for (const Index patience : {0, 2}) {
    CAPTURE(patience);
    split_twice.fit.early_stopping(patience);
    REQUIRE_THROWS_WITH(
        deepnet::grid_search(data.X, data.Y, rates, split_twice, Validation::holdout(0.5, 1)),
        "SearchBase::fit: validation_split is 0.2, but a search holds out its own validation "
        "examples (the Validation argument: holdout or k_fold); leave validation_split at 0");
  }
  // A search scores its trials on one process.
  deepnet_test::OneProcess group;
  SearchBase shared = base;
  shared.fit.data_parallel(group);
  REQUIRE_THROWS_WITH(
      deepnet::grid_search(data.X, data.Y, rates, shared, Validation::holdout(0.5, 1)),
      "SearchBase::fit: data_parallel is set, but a search holds out and scores its validation "
      "examples on one process; run the search on one process, then train the chosen settings "
      "with data_parallel");
  SearchBase bad = base;
  bad.keep_prob = 0.0;
  REQUIRE_THROWS_WITH(deepnet::grid_settings(rates, bad),
                      "SearchBase::keep_prob: keep_prob must be in (0, 1], got 0");
}
