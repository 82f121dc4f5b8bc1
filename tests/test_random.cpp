// Tests for random.hpp: the engine reproduces, bit for bit, the numbers that the NumPy
// reference (tests/fixtures/generate.py, written from the published algorithms) produced.
#include "support/test_support.hpp"

#include <deepnet/core/random.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

using deepnet::Index;
using deepnet::Random;
using deepnet_test::find_case;

namespace {

std::vector<std::uint64_t> u64_values(const deepnet_test::Fixture& fixture) {
  std::vector<std::uint64_t> values;
  for (const std::string& token : fixture.raw.at("u64")) {
    values.push_back(std::strtoull(token.c_str(), nullptr, 10));
  }
  return values;
}

std::uint64_t seed_of(const deepnet_test::Fixture& fixture) {
  return std::strtoull(fixture.field("seed").at(0).c_str(), nullptr, 10);
}

}  // namespace

TEST_CASE("Random: next() is xoshiro256** seeded by SplitMix64, as in the reference", "[random]") {
  for (const char* name : {"seed_42", "seed_0", "seed_max"}) {
    CAPTURE(name);
    const auto fixture = find_case("rng.txt", name);
    Random random(seed_of(fixture));
    for (std::uint64_t expected : u64_values(fixture))
      CHECK(random.next() == expected);
  }
}

TEST_CASE("Random: uniform() and normal() match the reference bit for bit", "[random]") {
  const auto fixture = find_case("rng.txt", "seed_42");
  Random uniform_source(42);
  const auto& uniform = fixture.matrix("uniform");
  for (Index i = 0; i < uniform.size(); ++i)
    CHECK(uniform_source.uniform() == uniform(i));

  Random normal_source(42);
  const auto& normal = fixture.matrix("normal");
  Index mismatches = 0;
  for (Index i = 0; i < normal.size(); ++i) {
    if (normal_source.normal() != normal(i)) ++mismatches;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("Random: normal() has mean 0 and standard deviation 1", "[random]") {
  Random random(2026);
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double z = random.normal();
    sum += z;
    sum_sq += z * z;
  }
  const double mean = sum / n;
  const double sd = std::sqrt(sum_sq / n - mean * mean);
  // Standard errors: 1/sqrt(n) = 0.0022 for the mean, about 0.0016 for the deviation.
  CHECK(std::abs(mean) < 0.01);
  CHECK(std::abs(sd - 1.0) < 0.01);
}

TEST_CASE("Random: below(n) stays in 0..n-1 and hits every value about equally", "[random]") {
  Random random(7);
  std::vector<int> counts(6, 0);
  int out_of_range = 0;
  for (int i = 0; i < 60000; ++i) {
    const Index k = random.below(6);
    if (k < 0 || k >= 6) {
      ++out_of_range;
      continue;
    }
    ++counts[static_cast<std::size_t>(k)];
  }
  REQUIRE(out_of_range == 0);
  for (int count : counts)
    CHECK(std::abs(count - 10000) < 500);  // 5 standard deviations
  REQUIRE_THROWS_AS(random.below(0), std::invalid_argument);
}

TEST_CASE("Random: the same seed gives the same stream, another seed another", "[random]") {
  Random a(123), b(123), c(124);
  bool all_equal = true, any_differs_from_c = false;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t x = a.next();
    all_equal = all_equal && x == b.next();
    any_differs_from_c = any_differs_from_c || x != c.next();
  }
  CHECK(all_equal);
  CHECK(any_differs_from_c);
}
