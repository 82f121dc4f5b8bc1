/// \file core/random.hpp
/// The random-number engine behind every random choice in deepnet (initial weights, shuffling,
/// dropout masks). Its algorithms are fixed here, so a seed gives the same numbers with every
/// compiler and C++ standard library; `std::normal_distribution` and friends do not promise
/// that. tests/fixtures/generate.py implements the same algorithms in Python, and the tests
/// compare their outputs bit for bit.
#ifndef DEEPNET_CORE_RANDOM_HPP
#define DEEPNET_CORE_RANDOM_HPP

#include "../config.hpp"
#include "../errors.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <string>

namespace deepnet {

/// xoshiro256** (Blackman and Vigna, 2018), seeded through SplitMix64.
///
/// - `uniform()` is (next() >> 11) * 2^-53, a double in [0, 1) with 53 random bits.
/// - `normal()` is Marsaglia's polar method on pairs of uniforms in [-1, 1): it returns u f and
///   keeps v f for the next call, f = sqrt(-2 log(s) / s), s = u^2 + v^2 computed with one
///   rounding (std::fma), so a compiler's choice to fuse or not cannot change the result. Only
///   std::log is taken from the C library; glibc and musl share one implementation.
class Random {
 public:
  /// Seeds the four words of state with SplitMix64, as the xoshiro authors recommend.
  explicit Random(std::uint64_t seed = 0) {
    std::uint64_t x = seed;
    for (std::uint64_t& word : m_s) {
      x += 0x9E3779B97F4A7C15ULL;
      std::uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      word = z ^ (z >> 31);
    }
  }

  /// The next 64 random bits.
  std::uint64_t next() {
    const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const std::uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
  }

  /// A double uniformly distributed in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// A standard normal double (mean 0, standard deviation 1).
  double normal() {
    if (m_has_spare) {
      m_has_spare = false;
      return m_spare;
    }
    double u = 0.0;
    double v = 0.0;
    double s = 0.0;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = std::fma(u, u, v * v);
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    m_spare = v * f;
    m_has_spare = true;
    return u * f;
  }

  /// An integer uniformly distributed in [0, n), without modulo bias. n must be positive.
  Index below(Index n) {
    if (n <= 0)
      throw std::invalid_argument("Random::below: n must be positive, got " + std::to_string(n));
    const auto range = static_cast<std::uint64_t>(n);
    // Reject the lowest (2^64 mod n) values so that every residue is equally likely.
    const std::uint64_t threshold = (0 - range) % range;
    std::uint64_t r = next();
    while (r < threshold)
      r = next();
    return static_cast<Index>(r % range);
  }

  /// Everything the generator will draw from: the four words, and the normal it keeps back.
  /// A checkpoint saves it so that training resumes with the same random numbers.
  struct State {
    std::array<std::uint64_t, 4> words{};  ///< xoshiro256**'s state
    double spare = 0.0;                    ///< the second normal of the last pair
    bool has_spare = false;                ///< whether `spare` is still to be returned
  };

  /// The generator's state.
  State state() const noexcept {
    State result;
    for (std::size_t i = 0; i < 4; ++i)
      result.words[i] = m_s[i];
    result.spare = m_spare;
    result.has_spare = m_has_spare;
    return result;
  }

  /// Continues from a state that `state()` returned.
  void set_state(const State& state) noexcept {
    for (std::size_t i = 0; i < 4; ++i)
      m_s[i] = state.words[i];
    m_spare = state.spare;
    m_has_spare = state.has_spare;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::uint64_t m_s[4] = {};
  double m_spare = 0.0;
  bool m_has_spare = false;
};

}  // namespace deepnet

#endif  // DEEPNET_CORE_RANDOM_HPP
