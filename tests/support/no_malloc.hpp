// allocations_during(step): the allocations made while `step` runs, for the tests that promise
// a training step allocates nothing after the first. Eigen's own allocations throw (the test
// executable is built with EIGEN_RUNTIME_NO_MALLOC and they are forbidden while the step
// runs); every other one is counted by the global operator new of support/allocations.cpp.
// The step runs on one Eigen thread unless `threads` says more (tests/test_threads.cpp: the
// products of detail/gemm.hpp split over OpenMP threads allocate nothing either).
#ifndef DEEPNET_TESTS_SUPPORT_NO_MALLOC_HPP
#define DEEPNET_TESTS_SUPPORT_NO_MALLOC_HPP

#ifndef EIGEN_RUNTIME_NO_MALLOC
#error "a test that counts allocations must be built with EIGEN_RUNTIME_NO_MALLOC"
#endif

#include "allocations.hpp"

#include <Eigen/Core>

namespace deepnet_test {

/// Calls `step` with Eigen's allocations forbidden and `threads` Eigen threads (one by default);
/// returns how many times operator new was called meanwhile, on any thread.
template <class Step>
long allocations_during(Step&& step, int threads = 1) {
  Eigen::setNbThreads(threads);
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
