// Replaces the global allocation functions with malloc and free plus two counters (see
// allocations.hpp). Its own translation unit: a program may replace them only once. The test
// at the end checks the counters themselves: "allocates nothing" is only proved by a counter
// that does see allocations.
#include "support/allocations.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace {
std::atomic<long> g_count{0};
std::atomic<std::size_t> g_largest{0};
}  // namespace

namespace deepnet_test {
long allocation_count() {
  return g_count.load();
}
std::size_t largest_allocation() {
  return g_largest.load();
}
void reset_largest_allocation() {
  g_largest = 0;
}
}  // namespace deepnet_test

// free() does match malloc() here; GCC's -Wmismatched-new-delete cannot see that through the
// replacement.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  g_count.fetch_add(1, std::memory_order_relaxed);
  std::size_t seen = g_largest.load(std::memory_order_relaxed);
  while (size > seen && !g_largest.compare_exchange_weak(seen, size)) {
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept {
  std::free(memory);
}
void operator delete(void* memory, std::size_t) noexcept {
  std::free(memory);
}
// The nothrow forms too, so that every allocation goes through malloc and free: a sanitizer's
// own nothrow new would otherwise be released by the free above (alloc-dealloc-mismatch).
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(size);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* memory, const std::nothrow_t&) noexcept {
  std::free(memory);
}

namespace {
// Each allocation escapes through `g_seen`, so that the compiler may not elide it.
void* volatile g_seen = nullptr;
}  // namespace

TEST_CASE("test support: the counting operator new sees every form of new", "[support]") {
  const long before = deepnet_test::allocation_count();
  deepnet_test::reset_largest_allocation();
  {
    const auto one = std::make_unique<double>(1.0);
    g_seen = one.get();
  }
  {
    std::vector<char> large(123457);
    g_seen = large.data();
  }
  {
    const std::unique_ptr<int> quiet(new (std::nothrow) int(3));
    g_seen = quiet.get();
  }
  const long counted = deepnet_test::allocation_count() - before;
  const std::size_t largest = deepnet_test::largest_allocation();
  deepnet_test::reset_largest_allocation();
  const std::size_t after_reset = deepnet_test::largest_allocation();
  CHECK(counted == 3);
  CHECK(largest == 123457);
  CHECK(after_reset == 0);
}
