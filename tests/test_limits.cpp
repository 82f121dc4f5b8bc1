// Tests for the size limits: layer sizes whose parameters an Index cannot count (in bytes) are
// a ConfigError before anything is allocated; a network, its caches or a training run larger
// than the memory limit are a MemoryError before anything is allocated; and a model file
// larger than LoadOptions::max_bytes is refused, before allocation when its size is known and
// after at most max_bytes from a stream that cannot tell its size. (The dataset loaders'
// LoadLimits are tested in test_io.cpp.)
#include "support/test_support.hpp"

#include <deepnet/deepnet.hpp>
#include <deepnet/io/model_file.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
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
using deepnet::Matrix;
using deepnet::MemoryError;

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

// Sets the memory limit for one test and puts back the one before, whatever happens.
class LimitGuard {
 public:
  explicit LimitGuard(std::size_t bytes) : m_saved(deepnet::memory_limit()) {
    deepnet::set_memory_limit(bytes);
  }
  ~LimitGuard() { deepnet::set_memory_limit(m_saved); }
  LimitGuard(const LimitGuard&) = delete;
  LimitGuard& operator=(const LimitGuard&) = delete;

 private:
  std::size_t m_saved;
};

// Runs `make` with Eigen's allocations forbidden (test_training is built with
// EIGEN_RUNTIME_NO_MALLOC): an allocation would throw an assertion failure, not MemoryError.
template <class Make>
MemoryError memory_error_without_allocating(Make&& make) {
  Eigen::internal::set_is_malloc_allowed(false);
  try {
    make();
  } catch (const MemoryError& e) {
    Eigen::internal::set_is_malloc_allowed(true);
    return e;
  } catch (...) {
    Eigen::internal::set_is_malloc_allowed(true);
    throw;
  }
  Eigen::internal::set_is_malloc_allowed(true);
  FAIL("no MemoryError");
  throw std::logic_error("unreachable");
}

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

TEST_CASE("a network larger than the memory limit is a MemoryError before it allocates",
          "[limits][memory]") {
  const std::size_t limit = std::size_t(64) << 30;  // 64 GiB
  LimitGuard guard(limit);
  const Index n = Index(1) << 20;
  // Layer 1: W[1] and dW[1] are 2^20 x 2^20 each, b, db and batch normalisation's 11 vectors
  // 13 x 2^20: 2^41 + 13 x 2^20 = 2199036887040 doubles, x 8 = 17592295096320 bytes (16 TiB
  // and 104 MiB). Layer 2: 2 x 2^20 + 13 = 2097165 doubles = 16777320 bytes. In all
  // 17592311873640 bytes.
  const MemoryError e = memory_error_without_allocating([&] { DeepNet<double> net({n, n, 1}); });
  CHECK(std::string(e.what()) ==
        "DeepNet: layer 1 needs 17592295096320 bytes (16.0 TiB) for W[1] and dW[1], n[1] x n[0] "
        "= 1048576 x 1048576 doubles each, and its vectors of n[1] (b, db, batch "
        "normalisation's); the network 17592311873640 bytes (16.0 TiB) in all, over the memory "
        "limit of 68719476736 bytes (64.0 GiB) (deepnet::set_memory_limit changes it)");
  CHECK(e.layer() == 1);
  CHECK(e.bytes() == 17592311873640u);
  CHECK(e.limit() == limit);
  // floats take half the bytes.
  CHECK(memory_error_without_allocating([&] {
          DeepNet<float> net({n, n, 1});
        }).bytes() == 17592311873640u / 2);

  SECTION("each layer fits, all together do not: the total") {
    LimitGuard lower(20000000);
    // Each layer 2 x 1000 x 1000 + 13 x 1000 = 2013000 doubles = 16104000 bytes; two of them
    // 32208000 bytes (30.7 MiB); 20000000 bytes are 19.1 MiB.
    const MemoryError total = memory_error_without_allocating([] {
      DeepNet<double> net({1000, 1000, 1000});
    });
    CHECK(std::string(total.what()) ==
          "DeepNet: layer_dims {1000, 1000, 1000}: W, b, dW and db of layers 1..2 need 32208000 "
          "bytes (30.7 MiB) together, though each layer fits on its own, over the memory limit "
          "of 20000000 bytes (19.1 MiB) (deepnet::set_memory_limit changes it)");
    CHECK(total.layer() == 0);
    CHECK(total.bytes() == 32208000u);
    // One layer of the two fits.
    CHECK(DeepNet<double>({1000, 1000}).L() == 1);
  }
  SECTION("a network under the limit is built as before") {
    DeepNet<double> net({3, 4, 1});
    CHECK(net.layer(1).W().rows() == 4);
  }
}

TEST_CASE("forward refuses caches beyond the memory limit and leaves the network as it was",
          "[limits][memory]") {
  // {10, 1000, 1}: W, dW, b, db and the batch-normalisation vectors take
  // 2 x 1000 x 10 + 13 x 1000 + 2 x 1 x 1000 + 13 = 35013 doubles = 280104 bytes; the caches Z,
  // A, dZ, dA 4 x (1000 + 1) = 4004 doubles = 32032 bytes per example. With a limit of 1 MiB
  // = 1048576 bytes, m = 23 fits (280104 + 23 x 32032 = 1016840), m = 24 does not
  // (280104 + 24 x 32032 = 1048872).
  LimitGuard guard(std::size_t(1) << 20);
  DeepNet<double> net({10, 1000, 1});
  net.initialize(deepnet::Init::He, 1);
  const Matrix<double> X23 = Matrix<double>::Random(10, 23);
  const Matrix<double> X24 = Matrix<double>::Random(10, 24);
  CHECK(net.forward(X23).cols() == 23);

  // Layer 1's caches: 4 x 1000 x 24 doubles = 768000 bytes (750.0 KiB).
  const MemoryError e = memory_error_without_allocating([&] { net.forward(X24); });
  CHECK(std::string(e.what()) ==
        "DeepNet::forward: m = 24 examples: the caches Z, A, dZ, dA of layer 1 (4 x n[1] x m = "
        "4 x 1000 x 24 doubles) take 768000 bytes (750.0 KiB); with the parameters and the "
        "caches of every layer the network would hold 1048872 bytes (1.0 MiB), over the memory "
        "limit of 1048576 bytes (1.0 MiB) (deepnet::set_memory_limit changes it); or give fewer "
        "examples at a time (FitOptions::batch_size)");
  CHECK(e.layer() == 1);
  CHECK(e.bytes() == 1048872u);
  // Nothing changed: the caches still hold the pass over 23 examples, and it goes on.
  CHECK(net.m() == 23);
  const Matrix<double> Y = Matrix<double>::Zero(1, 23);
  net.backward(Y);
  CHECK_NOTHROW(net.forward(X23));

  SECTION("batch normalisation adds three caches, checked again at the same m") {
    // Layer 1 now keeps Z_norm, Z_tilde, dZ_tilde too: 7 x 1000 x 23 doubles = 1288000
    // bytes; with the rest, 280104 + 1288000 + 4 x 1 x 23 x 8 = 1568840 bytes.
    net.set_batch_norm(1);
    const MemoryError norm = memory_error_without_allocating([&] { net.forward(X23); });
    CHECK_THAT(norm.what(), Contains("DeepNet::forward: m = 23 examples: the caches Z, A, dZ, "
                                     "dA, Z_norm, Z_tilde, dZ_tilde of layer 1 (7 x n[1] x m = "
                                     "7 x 1000 x 23 doubles) take 1288000 bytes"));
    CHECK(norm.bytes() == 1568840u);
    // 13 examples fit: 280104 + 13 x (7000 + 4) x 8 = 1008520 bytes.
    const Matrix<double> X13 = Matrix<double>::Random(10, 13);
    CHECK(net.forward(X13).cols() == 13);
  }
  SECTION("predict: Z and two A of the widest layer") {
    // 3 x 1000 x m doubles = 24000 m bytes next to the 280104 of the parameters: m = 32 fits
    // (1048104), m = 33 does not (280104 + 792000 = 1072104).
    const Matrix<double> X32 = Matrix<double>::Random(10, 32);
    const Matrix<double> X33 = Matrix<double>::Random(10, 33);
    CHECK(net.predict(X32).cols() == 32);
    try {
      (void)net.predict(X33);
      FAIL("no MemoryError");
    } catch (const MemoryError& error) {
      CHECK_THAT(error.what(),
                 Contains("DeepNet::predict: m = 33 examples: the buffers Z and two A of the "
                          "widest layer, 1 (3 x n[1] x m = 3 x 1000 x 33 doubles), take 792000 "
                          "bytes (773.4 KiB); with the parameters, 1072104 bytes (1.0 MiB), over "
                          "the memory limit of 1048576 bytes"));
      CHECK(error.bytes() == 1072104u);
    }
  }
}

TEST_CASE("fit refuses an optimizer whose state is over the memory limit", "[limits][memory]") {
  // {1000, 1000, 1} on m = 2 examples, full batch, one epoch (no shuffled batches, no X^T):
  //   parameters and gradients: 2 x 1000 x 1000 + 13 x 1000 + 2 x 1000 + 13 = 2015013 doubles
  //     = 16120104 bytes
  //   caches: 4 x (1000 + 1) x 2 = 8008 doubles = 64064 bytes
  //   the divergence guard's copy of W, b: 1000 x 1000 + 1000 + 1000 + 1 = 1002001 doubles
  //     = 8016008 bytes
  //   the history: one cost (8 bytes) and one Epoch
  // 24200176 bytes and the history for gradient descent; Momentum's v adds 8016008 (32216184),
  // Adam's v and s 16032016 (40232192). The limit, 32 MiB = 33554432 bytes, lies between.
  LimitGuard guard(std::size_t(32) << 20);
  DeepNet<double> net({1000, 1000, 1});
  net.initialize(deepnet::Init::He, 1);
  const Matrix<double> X = Matrix<double>::Random(1000, 2);
  Matrix<double> Y(1, 2);
  Y << 0, 1;
  const auto options = deepnet::FitOptions().epochs(1).learning_rate(0.01);
  const Matrix<double> W = net.layer(1).W();

  try {
    (void)net.fit(X, Y, deepnet::FitOptions(options).optimizer(deepnet::OptimizerSettings::adam()));
    FAIL("no MemoryError");
  } catch (const MemoryError& e) {
    const std::uint64_t total = 40232192u + 8u + sizeof(deepnet::Epoch);
    CHECK(e.layer() == 0);
    CHECK(e.bytes() == total);
    CHECK_THAT(e.what(),
               Contains("DeepNet::fit: training would hold " + std::to_string(total) +
                        " bytes (38.4 MiB): the parameters and gradients 16120104 bytes (15.4 "
                        "MiB); the caches for batches of 2 examples 64064 bytes (62.6 KiB); "
                        "Adam's v and s 16032016 bytes (15.3 MiB); the divergence guard's copy "
                        "of the parameters 8016008 bytes (7.6 MiB); the history, one cost per "
                        "batch and one record per epoch, " +
                        std::to_string(8 + sizeof(deepnet::Epoch)) + " bytes, over"));
    CHECK_THAT(e.what(), Contains(", over the memory limit of 33554432 bytes (32.0 MiB)"));
  }
  CHECK(net.layer(1).W() == W);  // refused before the first step

  // Under the limit, training runs as before.
  CHECK(
      net.fit(X, Y, deepnet::FitOptions(options).optimizer(deepnet::OptimizerSettings::momentum()))
          .cost.size() == 1);
  CHECK(net.fit(X, Y, options).cost.size() == 1);
  CHECK(net.layer(1).W() != W);
}

TEST_CASE("the memory limit: set, read, and the machine's memory", "[limits][memory]") {
  {
    LimitGuard guard(12345);
    CHECK(deepnet::memory_limit() == 12345u);
  }
  CHECK_THROWS_WITH(deepnet::set_memory_limit(0),
                    Contains("set_memory_limit: a limit of 0 bytes would refuse every network"));
  // /proc/meminfo counts KiB ("kB").
  const char* meminfo =
      "MemTotal:       24683748 kB\nMemFree:         1000 kB\nMemAvailable:   24310264 kB\n";
  CHECK(deepnet::detail::meminfo_bytes(meminfo, "MemTotal") == 24683748ull * 1024);
  CHECK(deepnet::detail::meminfo_bytes(meminfo, "MemAvailable") == 24310264ull * 1024);
  CHECK(deepnet::detail::meminfo_bytes(meminfo, "Mem") == 0);
  CHECK(deepnet::detail::meminfo_bytes("SwapTotal: 7 kB\n", "MemTotal") == 0);
  // Binary units in messages, the exact count first.
  CHECK(deepnet::detail::bytes_string(1023) == "1023 bytes");
  CHECK(deepnet::detail::bytes_string(1536) == "1536 bytes (1.5 KiB)");
  CHECK(deepnet::detail::bytes_string((std::uint64_t(1) << 20) - 1) == "1048575 bytes (1.0 MiB)");
  CHECK(deepnet::detail::bytes_string(std::numeric_limits<std::uint64_t>::max()) ==
        "2^64 bytes or more");
  // Sizes whose product overflows 64 bits saturate instead of wrapping to a small number.
  CHECK(deepnet::Layer<double>::parameter_bytes(Index(1) << 40, Index(1) << 40) ==
        std::numeric_limits<std::uint64_t>::max());
#if defined(__linux__)
  // The default limit is at most MemTotal (a cgroup's limit may be lower).
  std::ifstream in("/proc/meminfo");
  std::string field;
  unsigned long long kib = 0;
  if (in >> field >> kib && field == "MemTotal:") {
    CHECK(deepnet::machine_memory() > 0);
    CHECK(deepnet::machine_memory() <= kib * 1024);
  }
#endif
}
