// What the global operator new has been asked for, for the tests that promise to allocate
// nothing (test_no_malloc) or nothing large (test_serialize). support/allocations.cpp replaces
// the global allocation functions; a test executable that uses these links it.
#ifndef DEEPNET_TESTS_SUPPORT_ALLOCATIONS_HPP
#define DEEPNET_TESTS_SUPPORT_ALLOCATIONS_HPP

#include <cstddef>

namespace deepnet_test {

/// Calls of operator new (any form) since the program started.
long allocation_count();

/// The largest size operator new was asked for since the last reset_largest_allocation().
std::size_t largest_allocation();
void reset_largest_allocation();

}  // namespace deepnet_test

#endif  // DEEPNET_TESTS_SUPPORT_ALLOCATIONS_HPP
