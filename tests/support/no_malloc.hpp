// allocations_during(step): the allocations made while `step` runs, for the tests that promise
// a training step allocates nothing after the first. Eigen's own allocations throw (the test
// executable is built with EIGEN_RUNTIME_NO_MALLOC and they are forbidden while the step
// runs); every other one is counted by the global operator new of support/allocations.cpp.
// Eigen's parallel products allocate buffers on every call, so the count is for one thread.
#ifndef DEEPNET_TESTS_SUPPORT_NO_MALLOC_HPP
#define DEEPNET_TESTS_SUPPORT_NO_MALLOC_HPP

#ifndef EIGEN_RUNTIME_NO_MALLOC
#error "a test that counts allocations must be built with EIGEN_RUNTIME_NO_MALLOC"
#endif

#include "allocations.hpp"

#include <Eigen/Core>

namespace deepnet_test {

/// Calls `step` with Eigen's allocations forbidden and one Eigen thread; returns how many
/// times operator new was called meanwhile.
template <class Step>
long allocations_during(Step&& step) {
  Eigen::setNbThreads(1);
  const long before = allocation_count();
  Eigen::internal::set_is_malloc_allowed(false);
  try {
    step();
  } catch (...) {
    Eigen::internal::set_is_malloc_allowed(true);
    throw;
  }
  Eigen::internal::set_is_malloc_allowed(true);
  return allocation_count() - before;
}

}  // namespace deepnet_test

#endif  // DEEPNET_TESTS_SUPPORT_NO_MALLOC_HPP
