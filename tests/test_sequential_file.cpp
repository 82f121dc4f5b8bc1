// Saving and loading a Sequential (io/sequential_file.hpp): bit-for-bit round trips, the byte
// layout of docs/file_format.md ("Sequential networks"), damaged files named by byte and field
// (offsets computed here from the documented field sizes), truncation at every byte, and the
// refusals (a module or a loss of the program's, a DeepNet file, the other kind).
#include "support/test_support.hpp"

#include "support/allocations.hpp"
#include "support/files.hpp"
#include "support/residual.hpp"
#include "support/temp_dir.hpp"

#include <deepnet/core/sequential.hpp>
#include <deepnet/io/model_file.hpp>
#include <deepnet/io/sequential_file.hpp>
#include <deepnet/io/sequential_npz.hpp>
#include <deepnet/modules/activation.hpp>
#include <deepnet/modules/batch_norm.hpp>
#include <deepnet/modules/dense.hpp>
#include <deepnet/modules/dropout.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace dm = deepnet::modules;
using Catch::Matchers::Contains;
using deepnet::FormatError;
using deepnet::Index;
using deepnet::Init;
using deepnet::Matrix;
using deepnet::Sequential;

// Dense(5) without bias, BatchNorm, ReLU, Dropout(0.75), Dense(2), Softmax; batch
// normalisation's running statistics moved away from 0 and 1 by a few training passes.
template <class Scalar>
Sequential<Scalar> file_network() {
  Sequential<Scalar> net(3);
  net.template add<dm::Dense>(5, dm::Bias::Without)
      .template add<dm::BatchNorm>()
      .template add<dm::ReLU>()
      .template add<dm::Dropout>(0.75, 9)
      .template add<dm::Dense>(2)
      .template add<dm::Softmax>();
  net.initialize(Init::He, 21);
  const Matrix<Scalar> X = Matrix<Scalar>::Random(3, 12);
  Matrix<Scalar> Y = Matrix<Scalar>::Zero(2, 12);
  for (Index j = 0; j < 12; ++j)
    Y(j % 2, j) = 1;
  for (int step = 0; step < 3; ++step) {
    net.forward(X);
    net.backward(Y);
    net.update(0.1);
  }
  return net;
}

template <class Scalar>
bool same_registry(Sequential<Scalar>& a, Sequential<Scalar>& b) {
  const auto x = a.parameters();
  const auto y = b.parameters();
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i].name != y[i].name || x[i].value.rows() != y[i].value.rows() ||
        x[i].value.cols() != y[i].value.cols() ||
        std::memcmp(x[i].value.data(), y[i].value.data(),
                    sizeof(Scalar) * static_cast<std::size_t>(x[i].value.size())) != 0) {
      return false;
    }
  }
  return true;
}

std::string bytes_of(const Sequential<double>& net) {
  std::ostringstream out(std::ios::binary);
  deepnet::write(net, out);
  return out.str();
}

// Reads `bytes` as a Sequential and returns the FormatError (it must throw one).
FormatError error_of(const std::string& bytes) {
  std::istringstream in(bytes, std::ios::binary);
  try {
    (void)deepnet::read_sequential<double>(in, deepnet::LoadOptions(), "net.dnet");
  } catch (const FormatError& e) {
    return e;
  }
  FAIL("no FormatError");
  return FormatError("", "", 0, "");
}

// Offsets by the documented sizes: 33 bytes of fixed header; a Dense record 1 + 8 + 1, an
// activation 1 + 1, BatchNorm 1 + 8 + 8, Dropout 1 + 8 + 8.
constexpr std::uint64_t fixed = 8 + 4 + 4 + 8 + 8 + 1;
constexpr std::uint64_t dense = 10, activation = 2, batch_norm = 17, dropout = 17;

}  // namespace

TEMPLATE_TEST_CASE("Sequential save and load: the same chain and the same bits",
                   "[sequential][serialize]", float, double) {
  deepnet_test::TempDir dir;
  const std::string path = dir.file("seq.dnet");
  Sequential<TestType> net = file_network<TestType>();
  deepnet::save(net, path);
  Sequential<TestType> loaded = deepnet::load_sequential<TestType>(path);
  REQUIRE(loaded.size() == net.size());
  for (Index k = 1; k <= net.size(); ++k) {
    CHECK(loaded.module(k).name() == net.module(k).name());
    CHECK(loaded.output_size(k) == net.output_size(k));
  }
  CHECK(loaded.loss().name() == net.loss().name());
  CHECK(static_cast<dm::Dropout<TestType>&>(loaded.module(4)).keep_prob() == 0.75);
  CHECK(static_cast<dm::Dropout<TestType>&>(loaded.module(4)).seed() == 9);
  CHECK(same_registry(net, loaded));
  const Matrix<TestType> X = Matrix<TestType>::Random(3, 7);
  const Matrix<TestType> expected = net.predict(X);
  const Matrix<TestType> actual = loaded.predict(X);
  CHECK(std::memcmp(expected.data(), actual.data(),
                    sizeof(TestType) * static_cast<std::size_t>(expected.size())) == 0);
  // Saving the loaded network gives the same file.
  deepnet::save(loaded, dir.file("again.dnet"));
  CHECK(deepnet_test::read_file(dir.file("again.dnet")) == deepnet_test::read_file(path));
}

TEST_CASE("Sequential file: the layout of docs/file_format.md", "[sequential][serialize]") {
  Sequential<double> net(2);
  net.add<dm::Dense>(3).add<dm::Tanh>().add<dm::Dense>(1).add<dm::Sigmoid>();
  net.initialize(Init::Xavier, 4);
  const std::string bytes = bytes_of(net);
  const auto u64_at = [&](std::uint64_t at) {
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i)
      value = value * 256 + static_cast<unsigned char>(bytes[at + static_cast<std::uint64_t>(i)]);
    return value;
  };
  CHECK(bytes.compare(0, 8, std::string("DEEPNET\0", 8)) == 0);
  CHECK(static_cast<unsigned char>(bytes[8]) == 4);   // version
  CHECK(static_cast<unsigned char>(bytes[12]) == 2);  // float64
  CHECK(u64_at(16) == 2);                             // n[0]
  CHECK(u64_at(24) == 4);                             // modules
  CHECK(static_cast<unsigned char>(bytes[32]) == 0);  // BinaryCrossEntropy, matching Sigmoid
  CHECK(static_cast<unsigned char>(bytes[33]) == 1);  // Dense
  CHECK(u64_at(34) == 3);                             // units
  CHECK(static_cast<unsigned char>(bytes[42]) == 1);  // with bias
  CHECK(static_cast<unsigned char>(bytes[43]) == 2);  // an activation
  CHECK(static_cast<unsigned char>(bytes[44]) == 2);  // Tanh
  const std::uint64_t tensors = fixed + 2 * dense + 2 * activation;
  CHECK(u64_at(tensors) == 4);  // W[1], b[1], W[3], b[3]
  CHECK(static_cast<unsigned char>(bytes[tensors + 8]) == 4);
  CHECK(bytes.compare(tensors + 9, 4, "W[1]") == 0);
  CHECK(u64_at(tensors + 13) == 3);
  CHECK(u64_at(tensors + 21) == 2);
  // Names, shapes, values: 4 tensors of 6, 3, 3 and 1 doubles, then the checksum.
  const std::uint64_t names = 4 * 5, shapes = 4 * 16, values = (6 + 3 + 3 + 1) * 8;
  CHECK(bytes.size() == tensors + 8 + names + shapes + values + 4);
  double w = 0;
  const std::uint64_t first = u64_at(tensors + 29);
  std::memcpy(&w, &first, 8);
  CHECK(w == net.parameters()[0].value(0, 0));  // W[1](0, 0), row by row
}

TEST_CASE("Sequential file: damaged files name the byte and the field",
          "[sequential][serialize][errors]") {
  Sequential<double> net(2);
  net.add<dm::Dense>(3).add<dm::Tanh>().add<dm::BatchNorm>().add<dm::Dropout>(0.5).add<dm::Dense>(
      1);
  net.initialize(Init::Xavier, 5);
  const std::string good = bytes_of(net);
  const auto with = [&](std::uint64_t at, unsigned char value) {
    std::string bytes = good;
    bytes[at] = static_cast<char>(value);
    return bytes;
  };
  const std::uint64_t module3 = fixed + dense + activation;
  const std::uint64_t module4 = module3 + batch_norm;
  const std::uint64_t tensors = module4 + dropout + dense;
  struct Case {
    std::uint64_t at;
    unsigned char value;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {8, 7, "version", "unsupported format version 7"},
      {12, 3, "scalar_type", "unknown scalar_type code 3"},
      {24, 0, "module_count", "module_count is 0"},
      {32, 9, "loss", "unknown loss code 9"},
      {32, 1, "loss", "loss: CategoricalCrossEntropy needs a Sigmoid or Softmax last module"},
      {fixed, 7, "module_kind[1]", "module_kind[1]: unknown module kind 7"},
      {fixed + 9, 2, "bias[1]", "bias[1] is 2"},
      {fixed + dense + 1, 6, "activation[2]", "unknown activation code 6"},
      {module3 + 1, 0, "epsilon[3]", "epsilon[3] of BatchNorm module 3 is"},
      {module4 + 1 + 7, 0xFF, "keep_prob[4]", "keep_prob[4] must be in (0, 1]"},
      {tensors, 5, "tensor_count", "tensor_count is 5, but the modules hold 8 tensors"},
      {tensors + 8 + 1, 'X', "name of W[1]", "the modules list W[1] in this place"},
      {tensors + 8 + 5, 9, "rows of W[1]", "W[1] is 9 x 2 in the file"},
      {good.size() - 1, 0xAB, "checksum", "checksum mismatch"},
  };
  for (const Case& c : cases) {
    INFO("byte " << c.at << ", " << c.field);
    const FormatError e = error_of(with(c.at, c.value));
    // Fields of several bytes are reported at their first byte.
    CHECK(e.field() == c.field);
    CHECK_THAT(e.what(), Contains(c.message));
    CHECK_THAT(e.what(), Contains("net.dnet: byte "));
  }
  SECTION("a value that is not finite names the tensor and the entry") {
    std::string bytes = good;
    const std::uint64_t value = tensors + 8 + 5 + 16;  // W[1](0, 0)
    for (int i = 0; i < 8; ++i)
      bytes[value + static_cast<std::uint64_t>(i)] = static_cast<char>(0xFF);  // a NaN
    const FormatError e = error_of(bytes);
    CHECK(e.field() == "W[1]");
    CHECK(e.offset() == static_cast<std::int64_t>(value));
    CHECK_THAT(e.what(), Contains("W[1](0, 0) is nan"));
  }
  SECTION("truncated at every byte") {
    for (std::size_t n = 0; n < good.size(); ++n) {
      INFO("first " << n << " bytes");
      const FormatError e = error_of(good.substr(0, n));
      CHECK(e.offset() <= static_cast<std::int64_t>(n));
    }
  }
  SECTION("a DeepNet file, and a Sequential file given to load") {
    deepnet::DeepNet<double> deep({2, 3, 1}, deepnet::Activation::ReLU,
                                  deepnet::Activation::Sigmoid);
    std::ostringstream out(std::ios::binary);
    deepnet::write(deep, out);
    CHECK_THAT(error_of(out.str()).what(),
               Contains("byte 8: format version 1 holds a DeepNet, not a Sequential: read it "
                        "with deepnet::load<Scalar>"));
    std::istringstream in(good, std::ios::binary);
    CHECK_THROWS_WITH(deepnet::read<double>(in),
                      Contains("byte 8: format version 4 holds a Sequential network, not a "
                               "DeepNet: read it with deepnet::load_sequential<Scalar>"));
  }
}

// A stream that cannot tell its length or seek, as a pipe: the reader learns the size of the
// model only from its header.
class PipeOf : public std::streambuf {
 public:
  explicit PipeOf(std::string bytes) : m_bytes(std::move(bytes)) {
    setg(&m_bytes[0], &m_bytes[0], &m_bytes[0] + m_bytes.size());
  }

 private:
  std::string m_bytes;
};

TEST_CASE(
    "Sequential file from a pipe: a header that claims huge tensors fails before the "
    "network allocates them",
    "[sequential][serialize]") {
  Sequential<double> net(2);
  net.add<dm::Dense>(3).add<dm::Tanh>().add<dm::Dense>(1).add<dm::Sigmoid>();
  net.initialize(Init::Xavier, 4);
  std::string bytes = bytes_of(net);
  // units of the first Dense (byte 34, docs/file_format.md): 3 -> 20 000 000, so that W[1]
  // alone would be 20 000 000 x 2 doubles, 320 MB, and its gradient as much again.
  const std::uint64_t units = 20000000;
  for (int i = 0; i < 8; ++i)
    bytes[34 + static_cast<std::size_t>(i)] = static_cast<char>((units >> (8 * i)) & 0xFF);
  PipeOf pipe(bytes);
  std::istream in(&pipe);
  deepnet_test::reset_largest_allocation();
  try {
    (void)deepnet::read_sequential<double>(in, deepnet::LoadOptions(), "pipe");
    FAIL("a model whose tensors are not in the input was read");
  } catch (const deepnet::FormatError& e) {
    CHECK(e.field() == "tensors");
    CHECK_THAT(e.what(), Contains("unexpected end of"));
  }
  CHECK(deepnet_test::largest_allocation() < (std::size_t(1) << 22));  // 1 MB chunks, not GBs
}

TEST_CASE("Sequential save refuses what load could not rebuild, naming it",
          "[sequential][serialize][errors]") {
  deepnet_test::TempDir dir;
  SECTION("a module of the program's") {
    Sequential<double> net(3);
    net.add<dm::Dense>(4).add<deepnet_test::Residual>(2).add<dm::Dense>(1).add<dm::Sigmoid>();
    net.initialize(Init::He, 1);
    CHECK_THROWS_AS(deepnet::save(net, dir.file("x.dnet")), deepnet::ConfigError);
    CHECK_THROWS_WITH(deepnet::save(net, dir.file("x.dnet")),
                      Contains("deepnet::save: module 2 (Residual) is a module of the program's"));
    CHECK_FALSE(std::ifstream(dir.file("x.dnet")).good());
  }
  SECTION("a tensor that holds NaN") {
    Sequential<double> net(3);
    net.add<dm::Dense>(2).add<dm::Sigmoid>();
    net.parameters()[1].value(1, 0) = std::nan("");
    CHECK_THROWS_WITH(deepnet::save(net, dir.file("x.dnet")),
                      Contains("deepnet::save: module 1: b[1] holds NaN or infinity"));
  }
}

TEST_CASE("Sequential .npz: registry names, a round trip, and NumPy's reading",
          "[sequential][npz]") {
  deepnet_test::TempDir dir;
  Sequential<double> net = file_network<double>();
  const std::string path = dir.file("seq.npz");
  deepnet::save_npz(net, path);

  SECTION("a round trip into a network of the same chain gives the same bits") {
    Sequential<double> other(3);
    other.add<dm::Dense>(5, dm::Bias::Without)
        .add<dm::BatchNorm>()
        .add<dm::ReLU>()
        .add<dm::Dropout>(0.75, 9)
        .add<dm::Dense>(2)
        .add<dm::Softmax>();
    deepnet::load_npz(other, path);
    CHECK(same_registry(net, other));
  }
  SECTION("another chain is refused, naming the tensor, and the network is unchanged") {
    Sequential<double> other(3);
    other.add<dm::Dense>(4, dm::Bias::Without)
        .add<dm::BatchNorm>()
        .add<dm::ReLU>()
        .add<dm::Dropout>(0.75, 9)
        .add<dm::Dense>(2)
        .add<dm::Softmax>();
    other.initialize(Init::He, 1);
    const Matrix<double> before = other.parameters()[0].value;
    CHECK_THROWS_AS(deepnet::load_npz(other, path), deepnet::ShapeError);
    CHECK_THROWS_WITH(deepnet::load_npz(other, path),
                      Contains("W[1] is 5x3, expected 4x3 (the shape module 1 (Dense(no bias)) "
                               "gives it; the array's shape is (5, 3))"));
    CHECK(Matrix<double>(other.parameters()[0].value) == before);
    Sequential<double> with_bias(3);
    with_bias.add<dm::Dense>(5).add<dm::Sigmoid>();
    CHECK_THROWS_WITH(deepnet::load_npz(with_bias, path),
                      Contains("no array b[1] (5x1, of module 1, Dense) in the archive"));
    Sequential<double> shorter(3);
    shorter.add<dm::Dense>(5, dm::Bias::Without).add<dm::BatchNorm>().add<dm::ReLU>();
    CHECK_THROWS_WITH(deepnet::load_npz(shorter, path),
                      Contains("W[5].npy at byte") && Contains("unexpected array W[5]"));
  }
#ifdef DEEPNET_SEQUENTIAL_NPZ_CHECK_SCRIPT
  SECTION("NumPy reads the archive, and what np.savez writes loads back") {
    const std::string values = dir.file("values.txt");
    {
      std::ofstream out(values);
      out.precision(17);
      for (const auto& tensor : net.parameters()) {
        out << tensor.name << ' ' << tensor.value.rows() << ' ' << tensor.value.cols();
        for (Index i = 0; i < tensor.value.rows(); ++i) {
          for (Index j = 0; j < tensor.value.cols(); ++j)
            out << ' ' << tensor.value(i, j);
        }
        out << '\n';
      }
    }
    const std::string doubled = dir.file("doubled.npz");
    const std::string command = "/usr/bin/python3 \"" DEEPNET_SEQUENTIAL_NPZ_CHECK_SCRIPT "\" \"" +
                                path + "\" \"" + values + "\" \"" + doubled + "\"";
    if (std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) {
      WARN("NumPy is not available: the cross-check is skipped");
      return;
    }
    REQUIRE(std::system(command.c_str()) == 0);
    Sequential<double> copy = file_network<double>();
    deepnet::load_npz(copy, doubled);
    const auto original = net.parameters();
    const auto twice = copy.parameters();
    for (std::size_t i = 0; i < original.size(); ++i) {
      INFO(original[i].name);
      CHECK(Matrix<double>(twice[i].value) == Matrix<double>(2.0 * original[i].value));
    }
  }
#endif
}
