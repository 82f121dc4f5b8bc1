// Tests for the size limits: layer sizes whose parameters an Index cannot count (in bytes) are
// a ConfigError before anything is allocated, and a model file larger than
// LoadOptions::max_bytes is refused, before allocation when its size is known and after at
// most max_bytes from a stream that cannot tell its size. (The dataset loaders' LoadLimits are
// tested in test_io.cpp.)
#include "support/test_support.hpp"

#include <deepnet/deepnet.hpp>
#include <deepnet/io/model_file.hpp>

#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using deepnet::ConfigError;
using deepnet::DeepNet;
using deepnet::FormatError;
using deepnet::Index;
using deepnet::LoadOptions;

namespace {

constexpr Index kMax = std::numeric_limits<Index>::max();

std::string config_error(const std::vector<Index>& dims) {
  try {
    DeepNet<double> net(dims);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no ConfigError";
}

// Hands out the bytes a few at a time and cannot seek, like a pipe.
class PipeBuffer : public std::streambuf {
 public:
  explicit PipeBuffer(std::string bytes) : m_bytes(std::move(bytes)) {}

 protected:
  int_type underflow() override {
    if (m_at >= m_bytes.size()) return traits_type::eof();
    const std::size_t n = std::min<std::size_t>(sizeof m_chunk, m_bytes.size() - m_at);
    std::memcpy(m_chunk, m_bytes.data() + m_at, n);
    m_at += n;
    setg(m_chunk, m_chunk, m_chunk + n);
    return traits_type::to_int_type(m_chunk[0]);
  }

 private:
  std::string m_bytes;
  std::size_t m_at = 0;
  char m_chunk[64] = {};
};

}  // namespace

TEST_CASE("layer sizes whose parameters overflow an Index are a ConfigError", "[limits]") {
  // n[1] n[0] itself overflows.
  CHECK_THAT(config_error({kMax, 2}),
             Contains("layer 1: W would have n[1] x n[0] = 2 x " + std::to_string(kMax)));
  // 2^31 x 2^31 = 2^62 entries fit an Index, their 2^65 bytes do not.
  const Index big = Index(1) << 31;
  CHECK_THAT(config_error({big, big}), Contains("more than an index can count in bytes"));
  // Each W fits, all of them together do not: W and b of layers 1..3 are 5 x 2^58 + 1
  // parameters, more than 2^63 bytes (those of layers 1..2, 3 x 2^58 + 1, still fit).
  const Index half = Index(1) << 58;
  CHECK_THAT(config_error({1, half, 1, half}),
             Contains("the parameters of layers 1..3 would take more bytes than an index can "
                      "count"));
  // The limit counts bytes of the scalar type: 2^31 x 2^30 floats are 2^63 bytes.
  CHECK_THROWS_AS(DeepNet<float>({big, big / 2}), ConfigError);
  // Small networks are untouched.
  CHECK(DeepNet<double>({3, 4, 1}).L() == 2);
}

TEST_CASE("a model larger than LoadOptions::max_bytes is refused", "[limits][serialize]") {
  DeepNet<double> net({20, 10, 1});
  net.initialize(deepnet::Init::He, 1);
  std::ostringstream out;
  deepnet::write(net, out);
  const std::string bytes = out.str();
  // 41 + 18 L header bytes, 8 bytes per parameter, 4 of checksum.
  const std::uint64_t size = 41 + 18 * 2 + 8 * (20 * 10 + 10 + 10 * 1 + 1) + 4;
  REQUIRE(bytes.size() == size);

  SECTION("from a stream whose size is known") {
    std::istringstream in(bytes);
    try {
      (void)deepnet::read<double>(in, LoadOptions().max_bytes(size - 1), "model.dnet");
      FAIL("no FormatError");
    } catch (const FormatError& e) {
      CHECK(e.field() == "layer_dims");
      CHECK(e.offset() == 24);
      CHECK_THAT(e.what(),
                 Contains("model.dnet: byte 24: layer_dims {20, 10, 1}: the model takes " +
                          std::to_string(size) + " bytes, more than the limit of " +
                          std::to_string(size - 1) + " (LoadOptions::max_bytes)"));
    }
    std::istringstream again(bytes);
    CHECK(deepnet::read<double>(again, LoadOptions().max_bytes(size)).L() == 2);
  }
  SECTION("from a stream that cannot tell its size") {
    PipeBuffer pipe(bytes);
    std::istream in(&pipe);
    CHECK_THROWS_WITH(deepnet::read<double>(in, LoadOptions().max_bytes(500), "<pipe>"),
                      Contains("more than the limit of 500 (LoadOptions::max_bytes)"));
    PipeBuffer whole(bytes);
    std::istream all(&whole);
    CHECK(deepnet::read<double>(all, LoadOptions().max_bytes(size), "<pipe>").L() == 2);
  }
  SECTION("the default is 2 GiB") {
    CHECK(LoadOptions().max_bytes() == std::uint64_t(1) << 31);
  }
}
