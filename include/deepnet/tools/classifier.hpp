/// \file tools/classifier.hpp
/// A classifier that takes raw inputs and answers with class names: a DeepNet, the
/// standardisation of its inputs and the names of its classes, trained, saved and loaded
/// together, as scikit-learn's `make_pipeline(StandardScaler(), MLPClassifier())` or a Keras
/// model that starts with a Normalization layer:
///
/// \code
///   const auto train = deepnet::load_csv<double>("iris_train.csv");   // names: setosa, ...
///   deepnet::DeepNet<double> net({4, 8, 3}, deepnet::Activation::ReLU,
///                                deepnet::Activation::Softmax);
///   net.initialize(deepnet::Init::He, 1);
///   deepnet::Classifier<double> model(std::move(net), train.class_names);
///   model.fit(train.X, train.class_labels(), options);    // standardises X inside
///   model.save("iris.dnet");                              // network, statistics and names
///
///   const auto same = deepnet::Classifier<double>::load("iris.dnet");
///   std::vector<std::string> species = same.classify_names(X_raw);   // "setosa", ...
/// \endcode
///
/// The network stays the course's network: its forward and backward passes take A[0] as given.
/// The Classifier applies the standardisation before it calls them, so a program that trains
/// the network by hand (forward, backward, update) on standardised inputs may still wrap it
/// afterwards (`Classifier(std::move(net), names, standardization)`).
#ifndef DEEPNET_TOOLS_CLASSIFIER_HPP
#define DEEPNET_TOOLS_CLASSIFIER_HPP

#include "../config.hpp"
#include "../core/deep_net.hpp"
#include "../errors.hpp"
#include "../io/model_file.hpp"
#include "../io/model_metadata.hpp"
#include "data.hpp"

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace deepnet {

/// What a Classifier does to raw inputs before the network sees them.
enum class Preprocessing {
  None,        ///< nothing: the network takes X as it is
  Standardize  ///< (X - mean) / stddev, with the statistics of the first `fit`'s X
};

/// A DeepNet with the standardisation of its inputs and the names of its classes; `fit`,
/// `predict`, `classify` take raw inputs, and `save`/`load` keep all three in one model file
/// (version 3, docs/file_format.md). The output is a Softmax layer (one class per unit) or one
/// Sigmoid unit (two classes, 0 and 1).
template <class Scalar = double>
class Classifier {
 public:
  using Matrix = deepnet::Matrix<Scalar>;  ///< column-major matrix, one column per example

  /// Wraps `net`. With Preprocessing::Standardize (the default) the first `fit` computes the
  /// mean and standard deviation of each input feature of its X (tools/data.hpp,
  /// `standardize`) and every call applies them; with None the inputs go to the network as
  /// they are.
  /// \param class_names the name of class k at position k (CsvData::class_names, or names of
  ///        your own): n[L] names for a Softmax output, two for one Sigmoid unit; empty: the
  ///        classes are called "0", "1", ...
  /// \throws ConfigError for an output that is not Softmax or one Sigmoid unit, or class names
  ///         that do not fit it (their number, an empty or repeated name)
  explicit Classifier(DeepNet<Scalar> net, std::vector<std::string> class_names = {},
                      Preprocessing preprocessing = Preprocessing::Standardize)
      : m_net(std::move(net)),
        m_class_names(std::move(class_names)),
        m_preprocessing(preprocessing) {
    check();
  }

  /// Wraps a network trained on inputs standardised by `standardization`, which every call
  /// applies from now on (and `fit` keeps).
  /// \throws ConfigError as above, or unless the standardisation has n[0] means and stddevs
  Classifier(DeepNet<Scalar> net, std::vector<std::string> class_names,
             Standardization<Scalar> standardization)
      : m_net(std::move(net)),
        m_class_names(std::move(class_names)),
        m_preprocessing(Preprocessing::Standardize),
        m_standardization(std::move(standardization)) {
    check();
  }

  /// Trains the network on raw inputs, as `DeepNet::fit` does on the inputs it is given. With
  /// Preprocessing::Standardize, the first call computes the statistics of X (later calls,
  /// and a loaded classifier, keep them, so further training sees the same transform).
  /// `FitOptions::validation_split` holds out part of X after the statistics are computed; to
  /// keep a validation set out of them, give it to the overload below.
  /// \param X n[0] x m raw inputs
  /// \param labels integer class labels (1 x m, 0..K-1: CsvData::class_labels()) or targets
  ///        (one-hot columns), as DeepNet::fit takes them
  /// \throws as DeepNet::fit and standardize
  template <class DerivedX, class DerivedY>
  History fit(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& labels,
              const FitOptions& options = FitOptions()) {
    learn(X);
    const Matrix A0 = transform(X);
    return m_net.fit(A0, labels, options);
  }

  /// As above, evaluating on a validation set (raw inputs too) after every epoch; its inputs
  /// are standardised with the statistics of X.
  template <class DerivedX, class DerivedY, class DerivedXv, class DerivedYv>
  History fit(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& labels,
              const Eigen::MatrixBase<DerivedXv>& X_val,
              const Eigen::MatrixBase<DerivedYv>& labels_val,
              const FitOptions& options = FitOptions()) {
    learn(X);
    const Matrix A0 = transform(X);
    const Matrix A0_val = transform(X_val);
    return m_net.fit(A0, labels, A0_val, labels_val, options);
  }

  /// The inputs as the network sees them: X standardised, or X itself with Preprocessing::None.
  /// \throws StateError when the statistics are not known yet (a Standardize classifier
  ///         before its first fit); ShapeError unless X has n[0] rows
  template <class Derived>
  Matrix transform(const Eigen::MatrixBase<Derived>& X) const {
    if (m_preprocessing == Preprocessing::None) return X.template cast<Scalar>();
    require_ready("Classifier");
    return m_standardization->apply(X);
  }

  /// The output activations A[L] for raw inputs X (n[0] x m): class probabilities.
  /// \throws as transform and DeepNet::predict
  template <class Derived>
  Matrix predict(const Eigen::MatrixBase<Derived>& X) const {
    return m_net.predict(transform(X));
  }

  /// The class index of each example of raw inputs X: 1 x m, in 0..classes()-1.
  /// \throws as predict
  template <class Derived>
  Labels classify(const Eigen::MatrixBase<Derived>& X) const {
    return m_net.classify(transform(X));
  }

  /// The class name of each example of raw inputs X, in the order of the columns.
  /// \throws as predict
  template <class Derived>
  std::vector<std::string> classify_names(const Eigen::MatrixBase<Derived>& X) const {
    const Labels labels = classify(X);
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(labels.cols()));
    for (Index j = 0; j < labels.cols(); ++j)
      names.push_back(class_name(labels(0, j)));
    return names;
  }

  /// The fraction of the examples of raw inputs X classified correctly (DeepNet::accuracy).
  /// \param labels integer class labels, 1 x m, or targets as DeepNet::accuracy takes them
  /// \throws as predict and DeepNet::accuracy
  template <class DerivedX, class DerivedY>
  double accuracy(const Eigen::MatrixBase<DerivedX>& X,
                  const Eigen::MatrixBase<DerivedY>& labels) const {
    return m_net.accuracy(transform(X), labels);
  }

  /// The number of classes K: n[L] for a Softmax output, 2 for one Sigmoid unit.
  Index classes() const noexcept {
    const Index units = m_net.dims().back();
    return units == 1 ? 2 : units;
  }

  /// The class names given (or loaded); empty when none were.
  const std::vector<std::string>& class_names() const noexcept { return m_class_names; }

  /// The name of class k: its given name, or "k" without names.
  /// \throws std::out_of_range unless 0 <= k < classes()
  std::string class_name(Index k) const {
    if (k < 0 || k >= classes()) {
      throw std::out_of_range("Classifier::class_name: class " + std::to_string(k) +
                              " does not exist; the classes are 0.." +
                              std::to_string(classes() - 1));
    }
    return m_class_names.empty() ? std::to_string(k) : m_class_names[static_cast<std::size_t>(k)];
  }

  /// What is done to raw inputs.
  Preprocessing preprocessing() const noexcept { return m_preprocessing; }

  /// The statistics of the standardisation; empty with Preprocessing::None and before the
  /// first fit.
  const std::optional<Standardization<Scalar>>& standardization() const noexcept {
    return m_standardization;
  }

  /// The network, which takes standardised inputs.
  DeepNet<Scalar>& net() noexcept { return m_net; }
  /// The network, which takes standardised inputs.
  const DeepNet<Scalar>& net() const noexcept { return m_net; }

  /// The metadata block the model file holds: the class names and the standardisation.
  ModelMetadata metadata() const {
    ModelMetadata metadata;
    metadata.class_names = m_class_names;
    if (m_standardization) {
      for (Index i = 0; i < m_standardization->mean.size(); ++i) {
        metadata.mean.push_back(static_cast<double>(m_standardization->mean(i)));
        metadata.scale.push_back(static_cast<double>(m_standardization->stddev(i)));
      }
    }
    return metadata;
  }

  /// Saves the network, the standardisation and the class names in one model file (version 3;
  /// version 1 when there is neither), atomically as `deepnet::save`.
  /// \throws StateError for a Standardize classifier before its first fit (its statistics
  ///         are not known: the file could not predict on raw inputs); as deepnet::save
  void save(const std::string& path) const {
    require_ready("Classifier::save");
    deepnet::save(m_net, metadata(), path);
  }

  /// Writes the same bytes as `save` to a stream (binary).
  /// \throws as save, and deepnet::write
  void write(std::ostream& out) const {
    require_ready("Classifier::write");
    deepnet::write(m_net, metadata(), out);
  }

  /// Loads a classifier saved by `save`; a model file without metadata gives a classifier
  /// without names or standardisation (Preprocessing::None).
  /// \throws as deepnet::load; FormatError naming the file when the model is not a classifier
  ///         (an output other than Softmax or one Sigmoid unit)
  static Classifier load(const std::string& path, const LoadOptions& options = LoadOptions()) {
    ModelMetadata metadata;
    DeepNet<Scalar> net = deepnet::load<Scalar>(path, metadata, options);
    return from_file(std::move(net), std::move(metadata), path);
  }

  /// Reads a classifier written by `write` from a stream.
  /// \throws as load, and deepnet::read
  static Classifier read(std::istream& in, const LoadOptions& options = LoadOptions(),
                         const std::string& name = "<stream>") {
    ModelMetadata metadata;
    DeepNet<Scalar> net = deepnet::read<Scalar>(in, metadata, options, name);
    return from_file(std::move(net), std::move(metadata), name);
  }

 private:
  static Classifier from_file(DeepNet<Scalar> net, ModelMetadata metadata,
                              const std::string& name) {
    const Activation g = net.layer(net.L()).activation();
    if (!(g == Activation::Softmax || (g == Activation::Sigmoid && net.dims().back() == 1))) {
      throw FormatError(name + ": the model's output is " + to_string(g) +
                            " with n[L] = " + std::to_string(net.dims().back()) +
                            " units, not a classifier's (Softmax, or one Sigmoid unit); load "
                            "it with deepnet::load",
                        name);
    }
    if (metadata.mean.empty()) {
      return Classifier(std::move(net), std::move(metadata.class_names), Preprocessing::None);
    }
    const auto n = static_cast<Index>(metadata.mean.size());
    Standardization<Scalar> standardization{Vector<Scalar>(n), Vector<Scalar>(n)};
    for (Index i = 0; i < n; ++i) {
      // Written from Scalar, so the conversion back is exact.
      standardization.mean(i) = static_cast<Scalar>(metadata.mean[static_cast<std::size_t>(i)]);
      standardization.stddev(i) = static_cast<Scalar>(metadata.scale[static_cast<std::size_t>(i)]);
    }
    return Classifier(std::move(net), std::move(metadata.class_names), std::move(standardization));
  }

  void check() const {
    const Activation g = m_net.layer(m_net.L()).activation();
    const Index units = m_net.dims().back();
    if (!(g == Activation::Softmax || (g == Activation::Sigmoid && units == 1))) {
      throw ConfigError("Classifier: the output layer " + std::to_string(m_net.L()) + " is " +
                        to_string(g) + " with n[L] = " + std::to_string(units) +
                        " units; a classifier's output is Softmax (one unit per class) or one "
                        "Sigmoid unit (two classes)");
    }
    if (m_standardization) {
      const Index n = m_net.dims().front();
      if (m_standardization->mean.size() != n || m_standardization->stddev.size() != n) {
        throw ConfigError("Classifier: the standardisation has " +
                          std::to_string(m_standardization->mean.size()) + " means and " +
                          std::to_string(m_standardization->stddev.size()) +
                          " stddevs, and the network n[0] = " + std::to_string(n) + " inputs");
      }
    }
    // What save will write must be writable: the names, and a finite mean and stddev > 0.
    detail::serialize::check_metadata(metadata(), static_cast<std::uint64_t>(m_net.dims().front()),
                                      static_cast<std::uint64_t>(units), "Classifier");
  }

  void require_ready(const char* where) const {
    if (m_preprocessing == Preprocessing::Standardize && !m_standardization) {
      throw StateError(std::string(where) +
                       ": the standardisation's statistics are not known yet; call fit first "
                       "(or construct the Classifier with Preprocessing::None, or with a "
                       "Standardization)");
    }
  }

  // The statistics of X, when they are wanted and not known yet.
  template <class Derived>
  void learn(const Eigen::MatrixBase<Derived>& X) {
    if (m_preprocessing == Preprocessing::None || m_standardization) return;
    if (X.rows() != m_net.dims().front()) {
      throw ShapeError("Classifier::fit", 0, "X", X.rows(), X.cols(), m_net.dims().front(),
                       X.cols(), "one row per input of the network, n[0]");
    }
    m_standardization = standardize(X.template cast<Scalar>().eval());
  }

  DeepNet<Scalar> m_net;
  std::vector<std::string> m_class_names;
  Preprocessing m_preprocessing;
  std::optional<Standardization<Scalar>> m_standardization;
};

}  // namespace deepnet

#endif  // DEEPNET_TOOLS_CLASSIFIER_HPP
