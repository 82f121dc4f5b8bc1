// Tests for serialize.hpp: the CRC-32 of detail/crc32.hpp, bit-exact round trips (float and double,
// with and without batch normalisation), the byte layout of docs/file_format.md, scalar conversion,
// a corrupted value in every header field, truncation at every byte, every single-bit flip, headers
// that claim absurd sizes (no allocation), and the atomic save.
#include "support/test_support.hpp"

#include "support/allocations.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

#include <deepnet/io/model_file.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <streambuf>
#include <string>
#include <system_error>
#include <vector>

#ifndef EIGEN_RUNTIME_NO_MALLOC
#error "this test must be built with EIGEN_RUNTIME_NO_MALLOC"
#endif

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::FormatError;
using deepnet::Index;
using deepnet::LoadOptions;
using deepnet::Loss;
using deepnet::Matrix;
using deepnet_test::read_file;
using deepnet_test::TempDir;
using deepnet_test::write_file;
namespace fs = std::filesystem;

namespace {

// Eigen may not allocate, and operator new is watched, while one of these is alive.
class NoLargeAllocations {
 public:
  NoLargeAllocations() {
    deepnet_test::reset_largest_allocation();
    Eigen::internal::set_is_malloc_allowed(false);
  }
  ~NoLargeAllocations() { Eigen::internal::set_is_malloc_allowed(true); }
  NoLargeAllocations(const NoLargeAllocations&) = delete;
  NoLargeAllocations& operator=(const NoLargeAllocations&) = delete;
  std::size_t largest() const { return deepnet_test::largest_allocation(); }
};

// Little-endian encoders of the test's own, independent of the library's.
void write_le_at(std::string& bytes, std::size_t at, std::uint64_t value, int size) {
  for (int i = 0; i < size; ++i)
    bytes[at + static_cast<std::size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xFF);
}
void append_le(std::string& bytes, std::uint64_t value, int size) {
  bytes.append(static_cast<std::size_t>(size), '\0');
  write_le_at(bytes, bytes.size() - static_cast<std::size_t>(size), value, size);
}
std::uint64_t bits_of(double value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, 8);
  return bits;
}
std::uint64_t read_le_at(const std::string& bytes, std::size_t at, int size) {
  std::uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i)
    value = (value << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  return value;
}

// Rewrites the last four bytes as the CRC-32 of the others: a "valid" file with bad content.
void fix_checksum(std::string& bytes) {
  const std::size_t body = bytes.size() - 4;
  write_le_at(bytes, body, deepnet::detail::crc32(bytes.data(), body), 4);
}

// A header written field by field from docs/file_format.md (not by the library).
std::string raw_header(const std::vector<std::uint64_t>& dims, std::uint32_t scalar = 2) {
  std::string bytes("DEEPNET\0", 8);
  append_le(bytes, 1, 4);
  append_le(bytes, scalar, 4);
  append_le(bytes, dims.size(), 8);
  for (const std::uint64_t n : dims)
    append_le(bytes, n, 8);
  const std::size_t layers = dims.size() - 1;
  for (std::size_t l = 1; l <= layers; ++l)
    bytes.push_back(static_cast<char>(l < layers ? 3 : 1));  // ReLU ..., Sigmoid
  bytes.push_back(0);                                        // BinaryCrossEntropy
  for (std::size_t l = 1; l <= layers; ++l) {
    bytes.push_back(0);
    append_le(bytes, bits_of(1.0), 8);
  }
  append_le(bytes, bits_of(0.0), 8);
  return bytes;
}

// A stream that cannot seek (like a pipe): its size is unknown to the reader.
class PipeBuffer : public std::streambuf {
 public:
  explicit PipeBuffer(std::string data) : m_data(std::move(data)) {
    char* begin = m_data.data();
    setg(begin, begin, begin + m_data.size());
  }

 private:
  std::string m_data;
};

template <class Derived, class Other>
bool same_bits(const Eigen::MatrixBase<Derived>& a, const Eigen::MatrixBase<Other>& b) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_same<Scalar, typename Other::Scalar>::value, "same scalar");
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  const Matrix<Scalar> x = a, y = b;
  return std::memcmp(x.data(), y.data(), sizeof(Scalar) * static_cast<std::size_t>(x.size())) == 0;
}

// Every saved property of two networks, every parameter bit for bit.
template <class Scalar>
void require_same_network(const DeepNet<Scalar>& loaded, const DeepNet<Scalar>& expected) {
  REQUIRE(loaded.dims() == expected.dims());
  REQUIRE(loaded.activations() == expected.activations());
  REQUIRE(loaded.loss() == expected.loss());
  REQUIRE(bits_of(loaded.l2()) == bits_of(expected.l2()));
  for (Index l = 1; l <= expected.L(); ++l) {
    INFO("layer " << l);
    const auto& a = loaded.layer(l);
    const auto& e = expected.layer(l);
    REQUIRE(bits_of(a.keep_prob()) == bits_of(e.keep_prob()));
    REQUIRE(a.has_batch_norm() == e.has_batch_norm());
    REQUIRE(same_bits(a.W(), e.W()));
    REQUIRE(same_bits(a.b(), e.b()));
    if (e.has_batch_norm()) {
      REQUIRE(same_bits(a.batch_norm().gamma(), e.batch_norm().gamma()));
      REQUIRE(same_bits(a.batch_norm().beta(), e.batch_norm().beta()));
      REQUIRE(same_bits(a.batch_norm().running_mean(), e.batch_norm().running_mean()));
      REQUIRE(same_bits(a.batch_norm().running_var(), e.batch_norm().running_var()));
    }
  }
}

// Inputs and fitting targets for the three kinds of network below.
template <class Scalar>
Matrix<Scalar> inputs(Index m) {
  deepnet::Random random(7);
  Matrix<Scalar> X(4, m);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < 4; ++i)
      X(i, j) = static_cast<Scalar>(random.normal());
  }
  return X;
}

template <class Scalar>
Matrix<Scalar> targets(const DeepNet<Scalar>& net, const Matrix<Scalar>& X) {
  const Index n = net.dims().back();
  Matrix<Scalar> Y = Matrix<Scalar>::Zero(n, X.cols());
  for (Index j = 0; j < X.cols(); ++j) {
    if (net.loss() == Loss::CategoricalCrossEntropy) {
      Y(j % n, j) = 1;
    } else if (net.loss() == Loss::BinaryCrossEntropy) {
      Y(0, j) = X(0, j) > 0 ? Scalar(1) : Scalar(0);
    } else {
      for (Index i = 0; i < n; ++i)
        Y(i, j) = X(i % 4, j) * Scalar(0.5);
    }
  }
  return Y;
}

// kind 0: {4, 6, 5, 1} ReLU, ReLU, Sigmoid, binary cross-entropy, dropout, L2;
// kind 1: {4, 7, 3} LeakyReLU, Softmax, categorical cross-entropy, dropout;
// kind 2: {4, 5, 4, 3, 2} Tanh, Sigmoid, Identity, Identity, squared error.
// Trained a few steps, so that W, b and the batch-normalisation state are all non-trivial.
template <class Scalar>
DeepNet<Scalar> trained(int kind, bool batch_norm) {
  DeepNet<Scalar> net =
      kind == 0   ? DeepNet<Scalar>({4, 6, 5, 1})
      : kind == 1 ? DeepNet<Scalar>({4, 7, 3}, {Activation::LeakyReLU, Activation::Softmax},
                                    Loss::CategoricalCrossEntropy)
                  : DeepNet<Scalar>({4, 5, 4, 3, 2},
                                    {Activation::Tanh, Activation::Sigmoid, Activation::Identity,
                                     Activation::Identity},
                                    Loss::MeanSquaredError);
  if (batch_norm) {
    for (Index l = 1; l <= net.L(); ++l)
      net.set_batch_norm(l, l != 2 || kind != 2);  // kind 2 mixes layers with and without
  }
  net.initialize(deepnet::Init::He, 3);
  if (kind == 0) {
    net.set_keep_prob(1, 0.8);
    net.set_l2(0.05);
  }
  if (kind == 1) net.set_keep_prob(0.9);
  const Matrix<Scalar> X = inputs<Scalar>(12);
  const Matrix<Scalar> Y = targets(net, X);
  net.fit(X, Y, deepnet::FitOptions().iterations(4).learning_rate(0.05));
  return net;
}

// The FormatError `load` throws; fails the test if it throws nothing (or something else).
template <class Scalar = double>
FormatError load_error(const std::string& path, const LoadOptions& options = LoadOptions()) {
  try {
    deepnet::load<Scalar>(path, options);
  } catch (const FormatError& e) {
    return e;
  }
  FAIL("loading " << path << " did not throw FormatError");
  throw std::logic_error("unreachable");
}

template <class Scalar = double>
FormatError read_error(std::istream& in) {
  try {
    deepnet::read<Scalar>(in, LoadOptions(), "model");
  } catch (const FormatError& e) {
    return e;
  }
  FAIL("reading did not throw FormatError");
  throw std::logic_error("unreachable");
}

// A model with batch normalisation on layer 1 and dropout: {3, 4, 1}, ReLU, Sigmoid. Its
// header fields lie at the offsets of the table in docs/file_format.md with L = 2.
template <class Scalar>
DeepNet<Scalar> small_net() {
  DeepNet<Scalar> net({3, 4, 1});
  net.set_batch_norm(1);
  net.initialize(deepnet::Init::He, 11);
  net.set_keep_prob(1, 0.5);
  net.set_l2(0.25);
  const Matrix<Scalar> X = inputs<Scalar>(6).topRows(3);
  Matrix<Scalar> Y(1, 6);
  Y << 0, 1, 1, 0, 1, 0;
  net.fit(X, Y, deepnet::FitOptions().iterations(2).learning_rate(0.1));
  return net;
}

// The bytes of small_net's model file: the good file the corruption tests start from.
template <class Scalar>
std::string small_net_bytes() {
  std::ostringstream out;
  deepnet::write(small_net<Scalar>(), out);
  return out.str();
}

}  // namespace

TEST_CASE("crc32: the standard check value and the table", "[serialize][crc32]") {
  using deepnet::detail::crc32;
  CHECK(crc32("123456789", 9) == 0xCBF43926u);
  CHECK(crc32("", 0) == 0u);
  CHECK(crc32("a", 1) == 0xE8B7BE43u);
  CHECK(crc32("The quick brown fox jumps over the lazy dog", 43) == 0x414FA339u);
  CHECK(deepnet::detail::crc32_byte_table[1] == 0x77073096u);
  CHECK(deepnet::detail::crc32_byte_table[255] == 0x2D02EF8Du);
  // Piece by piece, as the reader computes it.
  CHECK(crc32("56789", 5, crc32("", 0, crc32("1234", 4))) == 0xCBF43926u);
}

TEMPLATE_TEST_CASE("save and load: a bit-exact round trip with identical predictions",
                   "[serialize]", float, double) {
  using Scalar = TestType;
  const int kind = GENERATE(0, 1, 2);
  const bool batch_norm = GENERATE(false, true);
  INFO("kind " << kind << (batch_norm ? ", batch normalisation" : ""));
  const DeepNet<Scalar> net = trained<Scalar>(kind, batch_norm);
  TempDir dir;
  const std::string path = dir.file("model.dnet");

  deepnet::save(net, path);
  const DeepNet<Scalar> loaded = deepnet::load<Scalar>(path);
  require_same_network(loaded, net);

  const Matrix<Scalar> X = inputs<Scalar>(9);
  REQUIRE(same_bits(loaded.predict(X), net.predict(X)));

  // The same bytes through the stream functions and on a second save (no hidden state).
  const std::string bytes = read_file(path);
  std::ostringstream out;
  deepnet::write(net, out);
  REQUIRE(out.str() == bytes);
  deepnet::save(loaded, path);
  REQUIRE(read_file(path) == bytes);
  std::istringstream in(bytes);
  require_same_network(deepnet::read<Scalar>(in), net);
  PipeBuffer pipe(bytes);
  std::istream piped(&pipe);
  require_same_network(deepnet::read<Scalar>(piped), net);

  // The loaded network trains on like the original.
  DeepNet<Scalar> a = net, b = loaded;
  const Matrix<Scalar> Y = targets(net, X);
  a.set_dropout_seed(5);
  b.set_dropout_seed(5);
  a.fit(X, Y, deepnet::FitOptions().iterations(2).learning_rate(0.05));
  b.fit(X, Y, deepnet::FitOptions().iterations(2).learning_rate(0.05));
  REQUIRE(same_bits(a.layer(1).W(), b.layer(1).W()));
  REQUIRE(dir.entries() == std::vector<std::string>{"model.dnet"});
}

TEMPLATE_TEST_CASE("the byte layout is the one docs/file_format.md describes", "[serialize]", float,
                   double) {
  using Scalar = TestType;
  DeepNet<Scalar> net = small_net<Scalar>();
  // Distinct values, to see the order of W's entries (row by row).
  for (Index i = 0; i < 4; ++i) {
    for (Index j = 0; j < 3; ++j)
      net.layer(1).W()(i, j) = static_cast<Scalar>(10 * i + j);
  }
  std::ostringstream out;
  deepnet::write(net, out);
  const std::string bytes = out.str();
  const std::size_t size = sizeof(Scalar);

  CHECK(bytes.substr(0, 8) == std::string("DEEPNET\0", 8));
  CHECK(read_le_at(bytes, 8, 4) == 1);                       // version
  CHECK(read_le_at(bytes, 12, 4) == (size == 4 ? 1u : 2u));  // scalar_type
  CHECK(read_le_at(bytes, 16, 8) == 3);                      // dims_count
  CHECK(read_le_at(bytes, 24, 8) == 3);                      // n[0]
  CHECK(read_le_at(bytes, 32, 8) == 4);                      // n[1]
  CHECK(read_le_at(bytes, 40, 8) == 1);                      // n[2]
  CHECK(read_le_at(bytes, 48, 1) == 3);                      // g[1] ReLU
  CHECK(read_le_at(bytes, 49, 1) == 1);                      // g[2] Sigmoid
  CHECK(read_le_at(bytes, 50, 1) == 0);                      // BinaryCrossEntropy
  CHECK(read_le_at(bytes, 51, 1) == 1);                      // flags[1]: batch norm
  CHECK(read_le_at(bytes, 52, 8) == bits_of(0.5));           // keep_prob[1]
  CHECK(read_le_at(bytes, 60, 1) == 0);                      // flags[2]
  CHECK(read_le_at(bytes, 61, 8) == bits_of(1.0));           // keep_prob[2]
  CHECK(read_le_at(bytes, 69, 8) == bits_of(0.25));          // l2
  // Parameters from byte 77: W[1] (4x3, row by row), b[1], gamma, beta, running_mean,
  // running_var (4 each), W[2] (1x4), b[2] (1): 12 + 4 + 16 + 4 + 1 = 37 values.
  const auto value_at = [&](std::size_t k) {
    const std::uint64_t bits = read_le_at(bytes, 77 + k * size, static_cast<int>(size));
    Scalar value;
    if constexpr (sizeof(Scalar) == 4) {
      const auto bits32 = static_cast<std::uint32_t>(bits);
      std::memcpy(&value, &bits32, 4);
    } else {
      std::memcpy(&value, &bits, 8);
    }
    return value;
  };
  for (std::size_t k = 0; k < 12; ++k)
    CHECK(value_at(k) == static_cast<Scalar>(10 * (k / 3) + k % 3));
  CHECK(value_at(12) == net.layer(1).b()(0));
  CHECK(value_at(16) == net.layer(1).batch_norm().gamma()(0));
  CHECK(value_at(20) == net.layer(1).batch_norm().beta()(0));
  CHECK(value_at(24) == net.layer(1).batch_norm().running_mean()(0));
  CHECK(value_at(31) == net.layer(1).batch_norm().running_var()(3));
  CHECK(value_at(32) == net.layer(2).W()(0, 0));
  CHECK(value_at(36) == net.layer(2).b()(0));
  REQUIRE(bytes.size() == 77 + 37 * size + 4);
  CHECK(read_le_at(bytes, bytes.size() - 4, 4) ==
        deepnet::detail::crc32(bytes.data(), bytes.size() - 4));
  CHECK(deepnet::file_format_version == 3);  // the newest; a model alone is still version 1
}

TEST_CASE("a float model loads as double, and the reverse, only on request", "[serialize]") {
  TempDir dir;
  const std::string float_path = dir.file("float.dnet");
  const std::string double_path = dir.file("double.dnet");
  const DeepNet<float> f = trained<float>(0, true);
  const DeepNet<double> d = trained<double>(1, true);
  deepnet::save(f, float_path);
  deepnet::save(d, double_path);

  SECTION("rejected without convert_scalar") {
    const FormatError e = load_error<double>(float_path);
    CHECK(e.offset() == 12);
    CHECK(e.field() == "scalar_type");
    CHECK(std::string(e.what()) ==
          float_path +
              ": byte 12: scalar_type: the model holds float32 parameters and float64 was asked "
              "for; load with LoadOptions().convert_scalar(true) to convert them");
    const FormatError r = load_error<float>(double_path);
    CHECK_THAT(r.what(), Contains("holds float64 parameters and float32 was asked for"));
  }
  SECTION("float to double: exact") {
    const DeepNet<double> loaded =
        deepnet::load<double>(float_path, LoadOptions().convert_scalar(true));
    require_same_network(loaded, f.cast<double>());
    const Matrix<float> X = inputs<float>(5);
    CHECK_THAT(Matrix<double>(loaded.predict(X.cast<double>())),
               deepnet_test::IsClose(Matrix<double>(f.predict(X).cast<double>()), 1e-5));
  }
  SECTION("double to float: rounded as cast<float> rounds") {
    const DeepNet<float> loaded =
        deepnet::load<float>(double_path, LoadOptions().convert_scalar(true));
    const DeepNet<float> expected = d.cast<float>();
    require_same_network(loaded, expected);
    const Matrix<float> X = inputs<float>(5);
    CHECK(same_bits(loaded.predict(X), expected.predict(X)));
  }
  SECTION("double to float: a value beyond float's range") {
    DeepNet<double> big = trained<double>(0, false);
    big.layer(2).W()(1, 3) = -1e300;
    deepnet::save(big, double_path);
    const FormatError e = load_error<float>(double_path, LoadOptions().convert_scalar(true));
    CHECK(e.field() == "W[2]");
    // W[1] is 6x4, b[1] 6: W[2](1, 3) is value 30 + 1 * 6 + 3 = 39 of the parameters.
    CHECK(e.offset() ==
          static_cast<std::int64_t>(deepnet::detail::serialize::header_size(3) + 39 * 8));
    CHECK_THAT(e.what(), Contains("W[2](1, 3) is -1e+300, beyond the range of float32 "
                                  "(converting from float64)"));
  }
}

TEMPLATE_TEST_CASE("a bad value in every header field names the field and its offset",
                   "[serialize][corrupt]", float, double) {
  using Scalar = TestType;
  TempDir dir;
  const std::string path = dir.file("model.dnet");
  const std::string good = small_net_bytes<Scalar>();
  const std::uint32_t other_scalar = sizeof(Scalar) == 4 ? 2 : 1;

  struct Case {
    std::size_t at;
    std::uint64_t value;
    int size;
    std::string field;
    std::string message;  // after "<path>: byte <at>: "
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<Case> cases = {
      {0, 0x0058454E50454544u, 8, "magic",
       "not a deepnet model file: it starts with \"DEEPNEX\\x00\", a model starts with the magic "
       "bytes \"DEEPNET\\x00\""},
      {8, 7, 4, "version", "unsupported format version 7 (this build reads versions 1 to 3)"},
      {8, 0, 4, "version", "unsupported format version 0 (this build reads versions 1 to 3)"},
      {12, 3, 4, "scalar_type", "unknown scalar_type code 3 (1 is float32, 2 is float64)"},
      {12, other_scalar, 4, "scalar_type", "scalar_type: the model holds "},
      {16, 1, 8, "dims_count",
       "dims_count: layer_dims holds 1 sizes; a model has 2 to 1001 (L = 1 to 1000 layers)"},
      {16, 1002, 8, "dims_count", "dims_count: layer_dims holds 1002 sizes"},
      {16, ~std::uint64_t(0), 8, "dims_count", "dims_count: layer_dims holds 18446744073709551615"},
      {24, 0, 8, "layer_dims[0]", "layer_dims[0] = n[0] is 0; a layer has 1 to 4294967295 units"},
      {32, std::uint64_t(1) << 40, 8, "layer_dims[1]",
       "layer_dims[1] = n[1] is 1099511627776; a layer has 1 to 4294967295 units"},
      {40, std::uint64_t(1) << 32, 8, "layer_dims[2]", "layer_dims[2] = n[2] is 4294967296"},
      {48, 6, 1, "activation[1]",
       "activation[1] (g[1]): unknown activation code 6 (0 Identity, 1 Sigmoid, 2 Tanh, 3 ReLU, "
       "4 LeakyReLU, 5 Softmax)"},
      {48, 5, 1, "activation[1]",
       "activation[1] (g[1]) is Softmax, which is for the output layer only, and layer 1 is a "
       "hidden layer"},
      {49, 255, 1, "activation[2]", "activation[2] (g[2]): unknown activation code 255"},
      {50, 3, 1, "loss",
       "unknown loss code 3 (0 BinaryCrossEntropy, 1 CategoricalCrossEntropy, 2 "
       "MeanSquaredError)"},
      {50, 1, 1, "loss", "loss: CategoricalCrossEntropy needs a Softmax output layer, not Sigmoid"},
      {51, 3, 1, "flags[1]",
       "flags[1]: unknown flag bits 0x02 (versions 1 to 3 define bit 0 only, batch "
       "normalisation)"},
      {60, 0x80, 1, "flags[2]", "flags[2]: unknown flag bits 0x80"},
      {52, bits_of(0.0), 8, "keep_prob[1]", "keep_prob[1] must be in (0, 1], got 0"},
      {52, bits_of(1.5), 8, "keep_prob[1]", "keep_prob[1] must be in (0, 1], got 1.5"},
      {52, bits_of(nan), 8, "keep_prob[1]", "keep_prob[1] must be in (0, 1], got nan"},
      {52, bits_of(-inf), 8, "keep_prob[1]", "keep_prob[1] must be in (0, 1], got -inf"},
      {61, bits_of(0.5), 8, "keep_prob[2]",
       "keep_prob[2] is 0.5, but layer 2 is the output layer; dropout is for hidden layers only, "
       "so it must be 1"},
      {69, bits_of(-1.0), 8, "l2", "l2: lambda must be 0 or more and finite, got -1"},
      {69, bits_of(inf), 8, "l2", "l2: lambda must be 0 or more and finite, got inf"},
      {69, bits_of(nan), 8, "l2", "l2: lambda must be 0 or more and finite, got nan"},
  };
  for (const Case& c : cases) {
    INFO("field " << c.field << " at byte " << c.at << " set to " << c.value);
    std::string bytes = good;
    write_le_at(bytes, c.at, c.value, c.size);
    write_file(path, bytes);
    const FormatError e = load_error<Scalar>(path);
    CHECK(e.path() == path);
    CHECK(e.offset() == static_cast<std::int64_t>(c.at));
    CHECK(e.field() == c.field);
    CHECK_THAT(e.what(), StartsWith(path + ": byte " + std::to_string(c.at) + ": " + c.message));
    CHECK_THAT(e.what(), Contains(c.field == "version" ? "format version" : c.field));
    // The same through a stream, named as the caller asks.
    std::istringstream in(bytes);
    CHECK_THAT(read_error<Scalar>(in).what(), StartsWith("model: byte " + std::to_string(c.at)));
  }

  SECTION("checksum") {
    std::string bytes = good;
    bytes[bytes.size() - 1] = static_cast<char>(bytes[bytes.size() - 1] ^ 0x10);
    write_file(path, bytes);
    const FormatError e = load_error<Scalar>(path);
    CHECK(e.field() == "checksum");
    CHECK(e.offset() == static_cast<std::int64_t>(good.size() - 4));
    CHECK_THAT(e.what(), Contains("checksum mismatch: the file stores CRC-32 0x"));
  }
}

TEMPLATE_TEST_CASE("a flipped parameter byte is a checksum mismatch", "[serialize][corrupt]", float,
                   double) {
  using Scalar = TestType;
  TempDir dir;
  const std::string path = dir.file("model.dnet");
  deepnet::save(small_net<Scalar>(), path);
  std::string bytes = read_file(path);
  const std::size_t at = 77 + 5 * sizeof(Scalar) + 1;  // inside W[1](1, 2)
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  write_file(path, bytes);
  const FormatError e = load_error<Scalar>(path);
  CHECK(e.field() == "checksum");
  CHECK(e.offset() == static_cast<std::int64_t>(bytes.size() - 4));
  char stored[11], computed[11];
  std::snprintf(stored, sizeof stored, "0x%08X",
                static_cast<unsigned>(read_le_at(bytes, bytes.size() - 4, 4)));
  std::snprintf(computed, sizeof computed, "0x%08X",
                static_cast<unsigned>(deepnet::detail::crc32(bytes.data(), bytes.size() - 4)));
  CHECK(std::string(e.what()) == path + ": byte " + std::to_string(bytes.size() - 4) +
                                     ": checksum mismatch: the file stores CRC-32 " + stored +
                                     ", but bytes 0.." + std::to_string(bytes.size() - 5) +
                                     " give " + computed + " (the file is corrupted)");
}

TEMPLATE_TEST_CASE("every single-bit flip anywhere in the file is caught", "[serialize][corrupt]",
                   float, double) {
  using Scalar = TestType;
  TempDir dir;
  const std::string path = dir.file("model.dnet");
  const std::string good = small_net_bytes<Scalar>();
  std::size_t checksum_errors = 0;
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      INFO("byte " << at << ", bit " << bit);
      std::string bytes = good;
      bytes[at] = static_cast<char>(bytes[at] ^ (1 << bit));
      std::istringstream in(bytes);
      const FormatError e = read_error<Scalar>(in);
      CHECK(static_cast<std::uint64_t>(e.offset()) <= good.size());  // never -1
      if (e.field() == "checksum") ++checksum_errors;
    }
  }
  // Every flip in the parameters or the checksum is found by the CRC.
  CHECK(checksum_errors >= (good.size() - 77) * 8);
}

TEMPLATE_TEST_CASE("random damage behind a valid checksum: a FormatError or a valid network",
                   "[serialize][corrupt]", float, double) {
  using Scalar = TestType;
  const std::string good = small_net_bytes<Scalar>();
  deepnet::Random random(99);
  const auto below = [&random](std::size_t n) {
    return std::min(n - 1, static_cast<std::size_t>(random.uniform() * static_cast<double>(n)));
  };
  int rejected = 0, accepted = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bytes = good;
    const std::size_t changes = 1 + below(4);
    for (std::size_t k = 0; k < changes; ++k) {
      // Mostly the header, where a valid checksum leaves only the reader's checks.
      const std::size_t at = below(trial % 4 == 0 ? good.size() - 4 : 77);
      bytes[at] = static_cast<char>(below(256));
    }
    fix_checksum(bytes);
    INFO("trial " << trial);
    std::istringstream in(bytes);
    try {
      const DeepNet<Scalar> net = deepnet::read<Scalar>(in, LoadOptions().convert_scalar(true));
      CHECK_NOTHROW(net.check_shapes());
      ++accepted;
    } catch (const FormatError& e) {
      CHECK(static_cast<std::uint64_t>(e.offset()) <= bytes.size());  // never -1
      ++rejected;
    }
  }
  CHECK(rejected > 2000);
  CHECK(accepted > 0);  // e.g. another l2 or keep_prob, or changed parameters
}

TEMPLATE_TEST_CASE("a file truncated at any byte fails with a clear message",
                   "[serialize][truncated]", float, double) {
  using Scalar = TestType;
  TempDir dir;
  const std::string path = dir.file("model.dnet");
  const std::string good = small_net_bytes<Scalar>();
  // Where each field starts, to check the field each error names.
  const std::vector<std::pair<std::size_t, std::string>> starts = {
      {0, "magic"},
      {8, "version"},
      {12, "scalar_type"},
      {16, "dims_count"},
      {24, "layer_dims[0]"},
      {32, "layer_dims[1]"},
      {40, "layer_dims[2]"},
      {48, "activation[1]"},
      {49, "activation[2]"},
      {50, "loss"},
      {51, "flags[1]"},
      {52, "keep_prob[1]"},
      {60, "flags[2]"},
      {61, "keep_prob[2]"},
      {69, "l2"},
      {77, "W[1]"},
      {77 + 12 * sizeof(Scalar), "b[1]"},
      {77 + 16 * sizeof(Scalar), "gamma[1]"},
      {77 + 20 * sizeof(Scalar), "beta[1]"},
      {77 + 24 * sizeof(Scalar), "running_mean[1]"},
      {77 + 28 * sizeof(Scalar), "running_var[1]"},
      {77 + 32 * sizeof(Scalar), "W[2]"},
      {77 + 36 * sizeof(Scalar), "b[2]"},
      {77 + 37 * sizeof(Scalar), "checksum"}};
  for (std::size_t length = 0; length < good.size(); ++length) {
    INFO("the first " << length << " bytes");
    std::size_t field = 0;
    while (field + 1 < starts.size() && starts[field + 1].first <= length)
      ++field;
    const std::string prefix = good.substr(0, length);
    write_file(path, prefix);
    const FormatError e = load_error<Scalar>(path);
    CHECK(e.path() == path);
    CHECK(e.offset() == static_cast<std::int64_t>(starts[field].first));
    CHECK(e.field() == starts[field].second);
    CHECK_THAT(e.what(), StartsWith(path + ": byte " + std::to_string(starts[field].first) +
                                    ": unexpected end of file in " + starts[field].second));
    CHECK_THAT(e.what(), Contains("the file ends after " + std::to_string(length) + " bytes"));
    CHECK_THAT(e.what(), Contains("truncated file"));
    // A seekable stream, and one that cannot tell its size.
    std::istringstream in(prefix);
    const FormatError s = read_error<Scalar>(in);
    CHECK(s.field() == starts[field].second);
    CHECK_THAT(s.what(), Contains("truncated stream"));
    PipeBuffer pipe(prefix);
    std::istream piped(&pipe);
    const FormatError p = read_error<Scalar>(piped);
    CHECK(p.field() == starts[field].second);
    CHECK(p.offset() == static_cast<std::int64_t>(starts[field].first));
  }
}

TEST_CASE("wrong magic, an empty file, trailing bytes, a missing file", "[serialize][corrupt]") {
  TempDir dir;
  const std::string path = dir.file("model.dnet");

  SECTION("a text file") {
    write_file(path, "weights: 0.5 0.25 0.125\n");
    const FormatError e = load_error(path);
    CHECK(e.offset() == 0);
    CHECK(e.field() == "magic");
    CHECK(std::string(e.what()) ==
          path +
              ": byte 0: not a deepnet model file: it starts with \"weights:\", a model "
              "starts with the magic bytes \"DEEPNET\\x00\"");
  }
  SECTION("a PNG image") {
    write_file(path, std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16));
    CHECK_THAT(load_error(path).what(),
               Contains("it starts with \"\\x89PNG\\x0D\\x0A\\x1A\\x0A\""));
  }
  SECTION("a short file that is not a model") {
    write_file(path, "DEX");
    CHECK_THAT(load_error(path).what(), Contains("not a deepnet model file"));
  }
  SECTION("an empty file") {
    write_file(path, "");
    CHECK(std::string(load_error(path).what()) ==
          path +
              ": byte 0: unexpected end of file in magic: it takes bytes 0..7, and the file "
              "ends after 0 bytes (truncated file)");
  }
  SECTION("bytes after the checksum") {
    std::ostringstream out;
    deepnet::write(small_net<double>(), out);
    write_file(path, out.str() + "xyz");
    const FormatError e = load_error(path);
    CHECK(e.offset() == static_cast<std::int64_t>(out.str().size()));
    CHECK(e.field() == "end");
    CHECK_THAT(e.what(), Contains("3 unexpected bytes after the checksum"));
    // A stream may hold more: read stops after the checksum. Two models in a row:
    std::istringstream in(out.str() + out.str() + "xyz");
    require_same_network(deepnet::read(in), small_net<double>());
    require_same_network(deepnet::read(in), small_net<double>());
    std::string rest;
    in >> rest;
    CHECK(rest == "xyz");
  }
  SECTION("a missing file or a directory") {
    try {
      deepnet::load(dir.file("missing.dnet"));
      FAIL("no exception");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::no_such_file_or_directory);
      CHECK_THAT(e.what(), Contains(dir.file("missing.dnet")));
    }
    CHECK_THROWS_AS(deepnet::load(dir.path().string()), std::runtime_error);
  }
}

TEMPLATE_TEST_CASE("finite, valid parameters are checked after the checksum",
                   "[serialize][corrupt]", float, double) {
  using Scalar = TestType;
  TempDir dir;
  const std::string path = dir.file("model.dnet");
  const std::string good = small_net_bytes<Scalar>();
  const std::size_t size = sizeof(Scalar);
  const auto with_value = [&](std::size_t k, double value) {
    std::string bytes = good;
    if (size == 4) {
      const float f = static_cast<float>(value);
      std::uint32_t bits = 0;
      std::memcpy(&bits, &f, 4);
      write_le_at(bytes, 77 + k * 4, bits, 4);
    } else {
      write_le_at(bytes, 77 + k * 8, bits_of(value), 8);
    }
    fix_checksum(bytes);
    write_file(path, bytes);
    return load_error<Scalar>(path);
  };
  FormatError e = with_value(5, std::numeric_limits<double>::quiet_NaN());
  CHECK(e.field() == "W[1]");
  CHECK(e.offset() == 77 + 5 * size);
  CHECK(std::string(e.what()) == path + ": byte " + std::to_string(77 + 5 * size) +
                                     ": W[1](1, 2) is nan; parameters must be finite numbers");
  e = with_value(14, -std::numeric_limits<double>::infinity());
  CHECK(e.field() == "b[1]");
  CHECK_THAT(e.what(), Contains("b[1](2) is -inf; parameters must be finite numbers"));
  e = with_value(30, -1.0);
  CHECK(e.field() == "running_var[1]");
  CHECK(e.offset() == 77 + 30 * size);
  CHECK_THAT(e.what(), Contains("running_var[1](2) is -1; a variance cannot be negative"));
}

TEST_CASE("headers that claim huge sizes fail at once, without allocating", "[serialize][limits]") {
  TempDir dir;
  const std::string path = dir.file("huge.dnet");
  // Loads, checking the time and the largest allocation: with the size of the input known,
  // nothing is allocated for the parameters before they are known to be there (only small
  // fixed buffers, such as the file stream's).
  const auto quickly = [](auto&& load_it, std::size_t limit = 1 << 16) {
    const auto start = std::chrono::steady_clock::now();
    NoLargeAllocations guard;
    FormatError e = load_it();
    CHECK(guard.largest() < limit);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    return e;
  };

  SECTION("2^40 units in a layer") {
    write_file(path, raw_header({4, std::uint64_t(1) << 40, 1}) + std::string(64, '\0'));
    const FormatError e = quickly([&] { return load_error(path); });
    CHECK(e.field() == "layer_dims[1]");
    CHECK(e.offset() == 32);
    CHECK_THAT(e.what(), Contains("n[1] is 1099511627776"));
  }
  SECTION("sizes within the limits whose product is not") {
    write_file(path, raw_header({0xFFFFFFFFu, 0xFFFFFFFFu, 1}));
    const FormatError e = quickly([&] { return load_error(path); });
    CHECK(e.field() == "layer_dims");
    CHECK(e.offset() == 24);
    CHECK_THAT(e.what(), Contains("layer_dims {4294967295, 4294967295, 1}: the parameters would "
                                  "take more than 4611686018427387904 bytes"));
  }
  SECTION("32 GiB of parameters in a file of 100 bytes") {
    const std::string header = raw_header({65536, 65536, 1});
    write_file(path, header + std::string(16, '\0'));
    const FormatError e = quickly([&] { return load_error(path); });
    CHECK(e.field() == "W[1]");
    CHECK(e.offset() == static_cast<std::int64_t>(header.size()));
    CHECK_THAT(e.what(), Contains("the file ends after " + std::to_string(header.size() + 16) +
                                  " bytes (truncated file, or a corrupted header: by its header "
                                  "the model takes 34360787033 bytes)"));
  }
  SECTION("the same from a stream that cannot tell its size") {
    const std::string header = raw_header({65536, 65536, 1});
    PipeBuffer pipe(header + std::string(3000000, '\0'));
    std::istream piped(&pipe);
    // The buffer grows with the bytes that really arrive (3 MB), not with the 32 GiB claimed.
    const FormatError e = quickly([&] { return read_error(piped); }, 2 * 3000000 + (1 << 20));
    CHECK(e.field() == "W[1]");
    CHECK_THAT(e.what(),
               Contains("the stream ends after " + std::to_string(header.size() + 3000000)));
  }
  SECTION("1001 layers") {
    write_file(path, raw_header(std::vector<std::uint64_t>(1002, 1)));
    const FormatError e = quickly([&] { return load_error(path); });
    CHECK(e.field() == "dims_count");
  }
  SECTION("1000 layers are fine") {
    DeepNet<double> net(std::vector<Index>(1001, 1), Activation::Tanh, Activation::Sigmoid);
    deepnet::save(net, path);
    CHECK(deepnet::load(path).L() == 1000);
  }
}

TEST_CASE("save replaces the target atomically and leaves no temporary file", "[serialize][save]") {
  TempDir dir;
  const std::string path = dir.file("model.dnet");
  const DeepNet<double> first = trained<double>(0, false);
  const DeepNet<double> second = trained<double>(1, true);

  SECTION("into a directory that does not exist") {
    const std::string missing = dir.file("no-such-directory") + "/model.dnet";
    try {
      deepnet::save(first, missing);
      FAIL("no exception");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::no_such_file_or_directory);
      CHECK_THAT(e.what(), StartsWith("deepnet::save: cannot save " + missing));
      CHECK_THAT(e.what(), Contains(std::generic_category().message(ENOENT)));
    }
    CHECK(dir.entries().empty());
  }
  SECTION("over a good file") {
    deepnet::save(first, path);
    deepnet::save(second, path);
    CHECK(dir.entries() == std::vector<std::string>{"model.dnet"});
    require_same_network(deepnet::load(path), second);
  }
  SECTION("a failed rename leaves the target as it was") {
    fs::create_directory(path);  // a directory cannot be replaced by a file
    write_file(dir.file("model.dnet/inside"), "keep");
    try {
      deepnet::save(first, path);
      FAIL("no exception");
    } catch (const std::system_error& e) {
      CHECK_THAT(e.what(), Contains("cannot rename the temporary file " + path + ".tmp-"));
    }
    CHECK(dir.entries() == std::vector<std::string>{"model.dnet"});
    CHECK(read_file(dir.file("model.dnet/inside")) == "keep");
  }
  SECTION("a model that cannot be loaded is not saved") {
    deepnet::save(first, path);
    const std::string before = read_file(path);
    DeepNet<double> broken = second;
    broken.layer(1).W()(0, 0) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(deepnet::save(broken, path),
                      "deepnet::write: layer 1: W holds NaN or infinity; such a model cannot be "
                      "saved");
    broken = second;
    broken.layer(1).batch_norm().running_var()(0) = -1;
    CHECK_THROWS_AS(deepnet::save(broken, path), deepnet::NumericalError);
    broken = second;
    broken.layer(2).set_keep_prob(0.5);  // the output layer
    CHECK_THROWS_AS(deepnet::save(broken, path), deepnet::ConfigError);
    CHECK(read_file(path) == before);
    CHECK(dir.entries() == std::vector<std::string>{"model.dnet"});
  }
  SECTION("a relative path in the current directory") {
    const fs::path previous = fs::current_path();
    fs::current_path(dir.path());
    deepnet::save(first, "relative.dnet");
    const DeepNet<double> loaded = deepnet::load("relative.dnet");
    fs::current_path(previous);
    require_same_network(loaded, first);
    CHECK(dir.entries() == std::vector<std::string>{"relative.dnet"});
  }
}

TEST_CASE("write: a parameter that lost its shape is a ShapeError, and nothing is written",
          "[serialize][errors]") {
  DeepNet<double> net({4, 5, 3, 1});
  net.layer(2).W().resize(5, 3);
  std::ostringstream out;
  REQUIRE_THROWS_AS(deepnet::write(net, out), deepnet::ShapeError);
  REQUIRE_THROWS_WITH(deepnet::write(net, out),
                      "deepnet::write: layer 2: W is 5x3, expected 3x5 (n[2] x n[1])");
  CHECK(out.str().empty());
  net = DeepNet<double>({4, 5, 3, 1});
  net.set_batch_norm(1);
  net.layer(1).batch_norm().running_var().resize(4);
  REQUIRE_THROWS_WITH(deepnet::write(net, out),
                      "deepnet::write: layer 1: running_var is 4x1, expected 5x1 (n[1] x 1)");
  CHECK(out.str().empty());
}
