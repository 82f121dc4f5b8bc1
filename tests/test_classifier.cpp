// Tests for tools/classifier.hpp and the metadata block of the model file (io/model_metadata.hpp,
// version 3 of docs/file_format.md): a classifier saved and loaded bit for bit, its reloaded
// predictions on raw inputs against the pipeline written out by hand, files without metadata
// unchanged, and a damaged metadata block named by byte and field.
#include "support/test_support.hpp"

#include "support/files.hpp"
#include "support/temp_dir.hpp"

#include <deepnet/io/checkpoint.hpp>
#include <deepnet/io/model_file.hpp>
#include <deepnet/tools/classifier.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

using deepnet::Activation;
using deepnet::Classifier;
using deepnet::DeepNet;
using deepnet::FormatError;
using deepnet::Index;
using deepnet::Labels;
using deepnet::Matrix;
using deepnet::ModelMetadata;
using deepnet_test::read_file;
using deepnet_test::TempDir;

namespace {

// Raw inputs far from standardised (means 100 and -3, spreads 20 and 0.01, a constant row):
// column j belongs to class j % 3, which shifts its first two features.
template <class Scalar>
Matrix<Scalar> raw_inputs(Index m) {
  Matrix<Scalar> X(3, m);
  for (Index j = 0; j < m; ++j) {
    const double c = static_cast<double>(j % 3);
    X(0, j) = static_cast<Scalar>(100.0 + 20.0 * (std::sin(0.7 * static_cast<double>(j)) + c));
    X(1, j) = static_cast<Scalar>(-3.0 + 0.01 * (std::cos(1.3 * static_cast<double>(j)) - c));
    X(2, j) = Scalar(7);
  }
  return X;
}

Labels class_of_columns(Index m) {
  Labels labels(1, m);
  for (Index j = 0; j < m; ++j)
    labels(0, j) = j % 3;
  return labels;
}

template <class Scalar>
DeepNet<Scalar> softmax_net() {
  DeepNet<Scalar> net({3, 5, 3}, Activation::ReLU, Activation::Softmax);
  net.initialize(deepnet::Init::He, 4);
  return net;
}

deepnet::FitOptions few_epochs() {
  return deepnet::FitOptions().epochs(20).batch_size(16).learning_rate(0.1).seed(3);
}

const std::vector<std::string> iris_names = {"setosa", "versicolor", "virginica"};

template <class A, class B>
bool bitwise_equal(const A& a, const B& b) {
  using Scalar = typename A::Scalar;
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  const Matrix<Scalar> x = a, y = b;
  return std::memcmp(x.data(), y.data(), sizeof(Scalar) * static_cast<std::size_t>(x.size())) == 0;
}

template <class Scalar>
bool equal_parameters(const DeepNet<Scalar>& a, const DeepNet<Scalar>& b) {
  if (a.dims() != b.dims()) return false;
  for (Index l = 1; l <= a.L(); ++l) {
    if (!bitwise_equal(a.layer(l).W(), b.layer(l).W()) ||
        !bitwise_equal(a.layer(l).b(), b.layer(l).b()))
      return false;
  }
  return true;
}

std::uint64_t get_le_at(const std::string& bytes, std::size_t at, int size) {
  std::uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i)
    value = (value << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  return value;
}

void put_le_at(std::string& bytes, std::size_t at, std::uint64_t value, int size) {
  for (int i = 0; i < size; ++i)
    bytes[at + static_cast<std::size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

std::uint64_t double_bits(double value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, 8);
  return bits;
}

void recompute_checksum(std::string& bytes) {
  const std::size_t body = bytes.size() - 4;
  put_le_at(bytes, body, deepnet::detail::crc32(bytes.data(), body), 4);
}

}  // namespace

TEMPLATE_TEST_CASE("Classifier: saved and loaded bit for bit, names and statistics included",
                   "[classifier][serialize]", float, double) {
  using Scalar = TestType;
  TempDir dir;
  const Matrix<Scalar> X = raw_inputs<Scalar>(60);
  Classifier<Scalar> model(softmax_net<Scalar>(), iris_names);
  model.fit(X, class_of_columns(60), few_epochs());
  const std::string path = dir / "iris.dnet";
  model.save(path);

  const std::string bytes = read_file(path);
  CHECK(get_le_at(bytes, 8, 4) == 3);  // version 3: the model has metadata

  const Classifier<Scalar> back = Classifier<Scalar>::load(path);
  CHECK(back.class_names() == iris_names);
  CHECK(back.preprocessing() == deepnet::Preprocessing::Standardize);
  REQUIRE(back.standardization());
  CHECK(bitwise_equal(back.standardization()->mean, model.standardization()->mean));
  CHECK(bitwise_equal(back.standardization()->stddev, model.standardization()->stddev));
  CHECK(equal_parameters(back.net(), model.net()));
  back.save(dir / "again.dnet");
  CHECK(read_file(dir / "again.dnet") == bytes);  // the same file, byte for byte

  std::stringstream stream;
  model.write(stream);
  CHECK(stream.str() == bytes);
  const Classifier<Scalar> streamed = Classifier<Scalar>::read(stream, {}, "iris.dnet");
  CHECK(streamed.class_names() == iris_names);

  // The metadata as deepnet::load gives it, and the network alone as before.
  ModelMetadata metadata;
  const DeepNet<Scalar> net = deepnet::load<Scalar>(path, metadata);
  CHECK(metadata.class_names == iris_names);
  REQUIRE(metadata.mean.size() == 3);
  for (Index i = 0; i < 3; ++i) {
    CHECK(static_cast<Scalar>(metadata.mean[static_cast<std::size_t>(i)]) ==
          model.standardization()->mean(i));
    CHECK(static_cast<Scalar>(metadata.scale[static_cast<std::size_t>(i)]) ==
          model.standardization()->stddev(i));
  }
  CHECK(metadata.scale[2] == 1.0);  // the constant feature
  CHECK(equal_parameters(deepnet::load<Scalar>(path), model.net()));
  const auto checkpoint = deepnet::load_checkpoint<Scalar>(path);
  CHECK_FALSE(checkpoint.has_state);
}

TEMPLATE_TEST_CASE(
    "Classifier: a reloaded model on raw inputs predicts as the pipeline written "
    "out by hand",
    "[classifier]", float, double) {
  using Scalar = TestType;
  TempDir dir;
  const Matrix<Scalar> X = raw_inputs<Scalar>(90);
  const Labels labels = class_of_columns(90);
  Classifier<Scalar> model(softmax_net<Scalar>(), iris_names);
  model.fit(X, labels, few_epochs());
  model.save(dir / "model.dnet");
  const Classifier<Scalar> back = Classifier<Scalar>::load(dir / "model.dnet");

  // The same steps without the Classifier: standardise with the training set's statistics,
  // train the same network with the same options, predict on standardised inputs.
  const auto standard = deepnet::standardize(X);
  DeepNet<Scalar> net = softmax_net<Scalar>();
  net.fit(standard.apply(X), labels, few_epochs());
  const Matrix<Scalar> X_new = raw_inputs<Scalar>(17) * Scalar(1.01);
  const Matrix<Scalar> A = net.predict(standard.apply(X_new));

  CHECK(bitwise_equal(back.predict(X_new), A));
  CHECK(bitwise_equal(model.predict(X_new), A));
  const std::vector<std::string> names = back.classify_names(X_new);
  REQUIRE(names.size() == 17);
  for (Index j = 0; j < 17; ++j) {
    Index best = 0;
    for (Index k = 1; k < 3; ++k) {
      if (A(k, j) > A(best, j)) best = k;
    }
    CHECK(back.classify(X_new)(0, j) == best);
    CHECK(names[static_cast<std::size_t>(j)] == iris_names[static_cast<std::size_t>(best)]);
  }
  CHECK(back.accuracy(X, labels) == net.accuracy(standard.apply(X), labels));
}

TEST_CASE("Classifier: without metadata, the file is the version 1 file of deepnet::save",
          "[classifier][serialize]") {
  TempDir dir;
  Classifier<double> model(softmax_net<double>(), {}, deepnet::Preprocessing::None);
  model.fit(raw_inputs<double>(30) / 100.0, class_of_columns(30), few_epochs());
  model.save(dir / "plain.dnet");
  deepnet::save(model.net(), dir / "net.dnet");
  const std::string bytes = read_file(dir / "plain.dnet");
  CHECK(bytes == read_file(dir / "net.dnet"));
  CHECK(get_le_at(bytes, 8, 4) == 1);
  const auto back = Classifier<double>::load(dir / "net.dnet");
  CHECK(back.class_names().empty());
  CHECK(back.preprocessing() == deepnet::Preprocessing::None);
  CHECK(back.class_name(2) == "2");
  ModelMetadata metadata;
  metadata.class_names = {"x"};  // emptied: the file has none
  deepnet::load<double>(dir / "net.dnet", metadata);
  CHECK(metadata.empty());
}

TEST_CASE("Classifier: a network or names that cannot classify, statistics not known yet",
          "[classifier][errors]") {
  using Catch::Matchers::Message;
  using deepnet::ConfigError;
  using deepnet::StateError;
  CHECK_THROWS_MATCHES(
      Classifier<double>(DeepNet<double>({3, 2}, Activation::ReLU, Activation::Identity)),
      ConfigError,
      Message("Classifier: the output layer 1 is Identity with n[L] = 2 units; a classifier's "
              "output is Softmax (one unit per class) or one Sigmoid unit (two classes)"));
  CHECK_THROWS_MATCHES(Classifier<double>(softmax_net<double>(), {"a", "b"}), ConfigError,
                       Message("Classifier: 2 class names for n[L] = 3 output units; give 3 (one "
                               "per Softmax unit, two for one Sigmoid unit)"));
  CHECK_THROWS_MATCHES(Classifier<double>(softmax_net<double>(), {"a", "b", "a"}), ConfigError,
                       Message("Classifier: class names 0 and 2 are both \"a\"; each class has "
                               "one name"));
  CHECK_NOTHROW(Classifier<double>(DeepNet<double>({3, 1}), {"no", "yes"}));
  deepnet::Standardization<double> flat{deepnet::Vector<double>::Zero(3),
                                        deepnet::Vector<double>::Ones(3)};
  flat.stddev(1) = 0.0;
  CHECK_THROWS_MATCHES(Classifier<double>(softmax_net<double>(), iris_names, flat), ConfigError,
                       Message("Classifier: scale[1] is 0; a scale must be finite and > 0"));
  const Classifier<double> unfitted(softmax_net<double>(), iris_names);
  CHECK_THROWS_MATCHES(unfitted.save("never.dnet"), StateError,
                       Message("Classifier::save: the standardisation's statistics are not "
                               "known yet; call fit first (or construct the Classifier with "
                               "Preprocessing::None, or with a Standardization)"));
  CHECK_THROWS_AS(unfitted.predict(raw_inputs<double>(2)), StateError);
  ModelMetadata metadata;
  metadata.mean = {1.0, 2.0};
  metadata.scale = {1.0, 0.0};
  CHECK_THROWS_MATCHES(deepnet::save(softmax_net<double>(), metadata, "never.dnet"), ConfigError,
                       Message("deepnet::write: the standardisation has 2 means and 2 scales for "
                               "n[0] = 3 inputs; give one of each per input (or none)"));
}

TEST_CASE("Model file: a damaged metadata block is named by byte and field",
          "[classifier][serialize][corrupt]") {
  // {2, 3, 2}, Softmax, double, names "cat" and "dog", standardised: the offsets of
  // docs/file_format.md, computed here from its formulas.
  DeepNet<double> net({2, 3, 2}, Activation::ReLU, Activation::Softmax);
  net.initialize(deepnet::Init::He, 1);
  ModelMetadata metadata;
  metadata.class_names = {"cat", "dog"};
  metadata.mean = {0.5, -2.0};
  metadata.scale = {3.0, 0.25};
  std::ostringstream out;
  deepnet::write(net, metadata, out);
  const std::string good = out.str();

  const std::size_t L = 2, N = 3;
  const std::size_t H = 49 + 18 * L;                          // the header of version 3
  const std::size_t P = 8 * (3 * 2 + 3 + 2 * 3 + 2);          // W[1], b[1], W[2], b[2]
  const std::size_t M = H + P;                                // the metadata block
  const std::size_t block = 4 + 2 * (4 + 3) + 1 + 2 * 2 * 8;  // 51 bytes
  REQUIRE(good.size() == M + block + 4);
  CHECK(get_le_at(good, 33 + 8 * N + 10 * L, 8) == block);  // metadata_bytes
  {
    std::istringstream in(good);
    ModelMetadata back;
    deepnet::read<double>(in, back);
    CHECK(back.class_names == metadata.class_names);
    CHECK(back.mean == metadata.mean);
    CHECK(back.scale == metadata.scale);
  }

  struct Case {
    std::size_t at;
    std::uint64_t value;
    int size;
    std::size_t offset;  // where the message says the problem is
    std::string field;
    std::string message;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<Case> cases = {
      {M, 3, 4, M, "metadata.class_count",
       "metadata.class_count: 3 class names for n[L] = 2 output units (0, or 2: one per Softmax "
       "unit, two for one Sigmoid unit)"},
      {M + 4, 0, 4, M + 4, "metadata.class_name[0]",
       "metadata.class_name[0]: a length of 0 bytes; a class name has 1 to 1024"},
      {M + 11, 1025, 4, M + 11, "metadata.class_name[1]",
       "metadata.class_name[1]: a length of 1025 bytes; a class name has 1 to 1024"},
      {M + 11, 100, 4, M + 15, "metadata.class_name[1]",
       "metadata.class_name[1]: it takes 100 bytes, and the block has 36 left (metadata_bytes "
       "is 51; a corrupted block)"},
      {M + 9, 0x0A, 1, M + 8, "metadata.class_name[0]",
       "metadata.class_name[0] holds the control character 10 at byte 1; a class name holds "
       "none"},
      {M + 15, 0x746163, 3, M + 15, "metadata.class_name[1]",  // "cat"
       "metadata.class_name[1] is \"cat\", as class_name[0]; each class has one name"},
      {M + 18, 2, 1, M + 18, "metadata.preprocessing",
       "metadata.preprocessing: unknown code 2 (0 none, 1 standardisation)"},
      {M + 18, 0, 1, M + 19, "metadata",
       "metadata: 32 bytes after its last field; by metadata_bytes the block takes 51 (a "
       "corrupted block)"},
      {M, 0, 4, M, "metadata",  // no names, and with the next case no standardisation
       "metadata: the block holds no class names and no standardisation; a model without them "
       "is a version 1 file"},
      {M + 27, double_bits(nan), 8, M + 27, "metadata.mean[1]",
       "metadata.mean[1] is nan; a mean must be finite"},
      {M + 35, double_bits(0.0), 8, M + 35, "metadata.scale[0]",
       "metadata.scale[0] is 0; a scale must be finite and > 0"},
      {M + 43, double_bits(-1.0), 8, M + 43, "metadata.scale[1]",
       "metadata.scale[1] is -1; a scale must be finite and > 0"},
      {33 + 8 * N + 10 * L, 4, 8, 33 + 8 * N + 10 * L, "metadata_bytes",
       "metadata_bytes: a version 3 file holds a metadata block of 5 to 4611686018427387904 "
       "bytes, this one says 4"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.field, c.at);
    std::string bytes = good;
    put_le_at(bytes, c.at, c.value, c.size);
    if (c.field == "metadata_bytes") {  // the block shrinks to 4 bytes with it
      bytes.erase(M + 4, block - 4);
    }
    if (c.field == "metadata" && c.offset == M) {  // count 0, preprocessing 0: 5 bytes
      bytes.erase(M + 4, block - 4);
      bytes.insert(M + 4, 1, '\0');
      put_le_at(bytes, 33 + 8 * N + 10 * L, 5, 8);
    }
    recompute_checksum(bytes);
    // deepnet::read checks the block whether the metadata is asked for or not.
    for (const bool asked : {true, false}) {
      std::istringstream in(bytes);
      FormatError e("", "");
      try {
        ModelMetadata back;
        if (asked) {
          deepnet::read<double>(in, back, {}, "model.dnet");
        } else {
          deepnet::read<double>(in, {}, "model.dnet");
        }
        FAIL("no FormatError");
      } catch (const FormatError& caught) {
        e = caught;
      }
      CHECK(std::string(e.what()) ==
            "model.dnet: byte " + std::to_string(c.offset) + ": " + c.message);
      CHECK(e.offset() == static_cast<std::int64_t>(c.offset));
      CHECK(e.field() == c.field);
    }
  }
}
