/// \file core/memory_limit.hpp
/// The memory limit. Before a network allocates W, b, dW, db (its constructor), caches for more
/// examples than before (`forward`, `predict`) or the state of a training run (`fit`: the
/// optimizer's v and s, the batch buffers, the copies of the parameters), it adds up the bytes
/// it would hold and throws MemoryError, naming the layer, the sizes and the bytes, when they
/// exceed `memory_limit()`. Without the check, a network too large for the machine ends in a
/// bare `std::bad_alloc` after seconds of allocating, or in the kernel's OOM killer.
///
/// The limit defaults to the machine's memory where it can be read (`machine_memory()`), and
/// the program can change it at any time with `set_memory_limit`. The check compares one
/// network's own buffers with the limit; it does not know what else the program holds, so it
/// refuses what can never fit rather than promise that an allocation will succeed.
#ifndef DEEPNET_CORE_MEMORY_LIMIT_HPP
#define DEEPNET_CORE_MEMORY_LIMIT_HPP

#include "../config.hpp"
#include "../errors.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

namespace deepnet {

/// The memory limit that turns the check off: every size is accepted.
constexpr std::size_t no_memory_limit = std::numeric_limits<std::size_t>::max();

namespace detail {

/// The largest byte count; sums and products that would pass it stop there.
constexpr std::uint64_t saturated_bytes = std::numeric_limits<std::uint64_t>::max();

/// a * b, or saturated_bytes when the product overflows: sizes such as
/// n[l] x n[l-1] x sizeof(Scalar) may not fit 64 bits, and must then still read as "too large".
constexpr std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) noexcept {
  return a != 0 && b > saturated_bytes / a ? saturated_bytes : a * b;
}

/// a + b, or saturated_bytes when the sum overflows.
constexpr std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
  return b > saturated_bytes - a ? saturated_bytes : a + b;
}

/// A size that is never negative (n[l], m) as a byte-count factor.
constexpr std::uint64_t count_of(Index n) noexcept {
  return n > 0 ? static_cast<std::uint64_t>(n) : 0;
}

/// The value of `field` (such as "MemTotal") in the text of /proc/meminfo, in bytes ("kB" there
/// means KiB); 0 when the field is missing or unreadable.
inline std::uint64_t meminfo_bytes(const char* text, const char* field) {
  const std::size_t length = std::strlen(field);
  for (const char* line = text; *line != '\0';) {
    if (std::strncmp(line, field, length) == 0 && line[length] == ':') {
      char* end = nullptr;
      const unsigned long long value = std::strtoull(line + length + 1, &end, 10);
      if (end == line + length + 1) return 0;
      while (*end == ' ')
        ++end;
      const bool kib = std::strncmp(end, "kB", 2) == 0;
      return kib ? saturating_mul(value, 1024) : value;
    }
    const char* next = std::strchr(line, '\n');
    if (next == nullptr) break;
    line = next + 1;
  }
  return 0;
}

/// Reads at most size - 1 bytes of a small file (under /proc or /sys) into buffer, ended by a
/// zero byte; false when the file cannot be opened.
inline bool read_small_file(const char* path, char* buffer, std::size_t size) {
  std::FILE* file = std::fopen(path, "r");
  if (file == nullptr) return false;
  const std::size_t read = std::fread(buffer, 1, size - 1, file);
  std::fclose(file);
  buffer[read] = '\0';
  return true;
}

/// The machine's memory in bytes, read from the operating system, or no_memory_limit when it
/// cannot be read. On Linux: MemTotal of /proc/meminfo, lowered to the memory limit of the
/// process's cgroup when one is set (a container's limit: cgroup v2 memory.max, or v1
/// memory.limit_in_bytes; "max" or a huge value means none).
///
/// MemTotal rather than MemAvailable: the limit is read once and should say what can ever fit.
/// MemAvailable changes with every other program and the page cache, so a network that fits
/// when the limit is read could be refused in the next run, and allocation can still fail
/// later whatever was available at the start; a network larger than MemTotal never fits.
inline std::size_t read_machine_memory() {
  std::uint64_t bytes = 0;
#if defined(__linux__)
  char text[8192];
  if (read_small_file("/proc/meminfo", text, sizeof text)) bytes = meminfo_bytes(text, "MemTotal");
  for (const char* path :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    if (!read_small_file(path, text, sizeof text)) continue;
    char* end = nullptr;
    const unsigned long long limit = std::strtoull(text, &end, 10);
    if (end != text && limit > 0 && (bytes == 0 || limit < bytes)) bytes = limit;
  }
#endif
  if (bytes == 0 || bytes > std::uint64_t(no_memory_limit)) return no_memory_limit;
  return static_cast<std::size_t>(bytes);
}

/// "17592186044416 bytes (16.0 TiB)": the exact count, and binary units for the reader.
inline std::string bytes_string(std::uint64_t bytes) {
  if (bytes == saturated_bytes) return "2^64 bytes or more";
  std::string text = std::to_string(bytes) + " bytes";
  if (bytes < 1024) return text;
  static const char* const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (value >= 1023.95 && unit < 5) {  // 1023.96 KiB reads "1.0 MiB", not "1024.0 KiB"
    value /= 1024.0;
    ++unit;
  }
  char scaled[32];
  std::snprintf(scaled, sizeof scaled, " (%.1f %s)", value, units[unit]);
  return text + scaled;
}

/// "doubles" or "floats", for messages that count entries.
template <class Scalar>
const char* scalar_plural() {
  if (sizeof(Scalar) == sizeof(float)) return "floats";
  return sizeof(Scalar) == sizeof(double) ? "doubles" : "long doubles";
}

/// The end of every MemoryError message: the limit, and how to change it.
inline std::string over_the_memory_limit(std::uint64_t limit) {
  return ", over the memory limit of " + bytes_string(limit) +
         " (deepnet::set_memory_limit changes it)";
}

}  // namespace detail

/// The machine's memory in bytes, read once from the operating system (on Linux, MemTotal of
/// /proc/meminfo, or the cgroup's memory limit when that is lower), or no_memory_limit when it
/// cannot be read: the default memory limit.
inline std::size_t machine_memory() noexcept {
  static const std::size_t bytes = detail::read_machine_memory();
  return bytes;
}

namespace detail {

/// The limit's storage: one atomic for the whole program, so that threads may read it while
/// another sets it. Starts at the machine's memory, read once, on first use.
inline std::atomic<std::size_t>& memory_limit_value() noexcept {
  static std::atomic<std::size_t> limit{machine_memory()};
  return limit;
}

}  // namespace detail

/// The memory limit in bytes: a network refuses to allocate its parameters, caches or training
/// state when together they would exceed it (MemoryError). By default machine_memory();
/// no_memory_limit means no check. Safe to call from any thread.
inline std::size_t memory_limit() noexcept {
  return detail::memory_limit_value().load();
}

/// Sets the memory limit, for every network of the program, from the next check on (a network
/// already built keeps its memory). Lower it to keep training within a share of the machine;
/// raise it, or pass no_memory_limit, where swap or overcommit are meant to absorb the excess;
/// `set_memory_limit(machine_memory())` restores the default. Safe to call from any thread.
/// \param bytes the new limit, at least 1
/// \throws ConfigError for 0, which would refuse every network (no_memory_limit turns the
///         check off)
inline void set_memory_limit(std::size_t bytes) {
  if (bytes == 0) {
    throw ConfigError(
        "set_memory_limit: a limit of 0 bytes would refuse every network; give a number of "
        "bytes, or deepnet::no_memory_limit to turn the check off");
  }
  detail::memory_limit_value().store(bytes);
}

}  // namespace deepnet

#endif  // DEEPNET_CORE_MEMORY_LIMIT_HPP
