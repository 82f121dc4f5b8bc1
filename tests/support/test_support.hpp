// Included first by every test: makes Eigen's and deepnet's internal assertions throw, so that
// an internal bug fails one test with a message instead of aborting the whole run.
#ifndef DEEPNET_TESTS_SUPPORT_TEST_SUPPORT_HPP
#define DEEPNET_TESTS_SUPPORT_TEST_SUPPORT_HPP

#include <stdexcept>
#include <string>

namespace deepnet_test {
/// Thrown by eigen_assert and DEEPNET_ASSERT inside the tests.
struct AssertionFailure : std::logic_error {
  using std::logic_error::logic_error;
};
}  // namespace deepnet_test

#ifndef eigen_assert
#define eigen_assert(condition)                                                                   \
  do {                                                                                            \
    if (!(condition)) {                                                                           \
      throw ::deepnet_test::AssertionFailure(std::string("assertion failed: ") + #condition +     \
                                             " at " + __FILE__ + ":" + std::to_string(__LINE__)); \
    }                                                                                             \
  } while (false)
#endif

#include <catch2/catch.hpp>

#include "support/fixtures.hpp"
#include "support/matchers.hpp"

#endif  // DEEPNET_TESTS_SUPPORT_TEST_SUPPORT_HPP
