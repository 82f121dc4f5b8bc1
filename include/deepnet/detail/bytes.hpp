/// \file detail/bytes.hpp
/// Little-endian encoding for the file formats (model files, `.npz` archives): unsigned
/// integers of 1 to 8 bytes, and float32 and float64 values by their IEEE-754 bit patterns.
/// Every value is written and read one byte at a time, least significant first, so a file is
/// the same on every host and the host's byte order never matters. `write_bytes` hands a
/// file's bytes to a stream for every writer of the formats.
#ifndef DEEPNET_DETAIL_BYTES_HPP
#define DEEPNET_DETAIL_BYTES_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ios>
#include <limits>
#include <ostream>
#include <string>
#include <type_traits>

namespace deepnet {
namespace detail {

static_assert(std::numeric_limits<float>::is_iec559 && sizeof(float) == 4,
              "deepnet's file formats store float as IEEE-754 binary32");
static_assert(std::numeric_limits<double>::is_iec559 && sizeof(double) == 8,
              "deepnet's file formats store double as IEEE-754 binary64");

/// Appends the `size` (1 to 8) low bytes of `value`, least significant first.
inline void put_le(std::string& out, std::uint64_t value, int size) {
  for (int i = 0; i < size; ++i)
    out.push_back(static_cast<char>(static_cast<unsigned char>((value >> (8 * i)) & 0xFFu)));
}

/// Appends the 4 bytes of a float's bit pattern (IEEE-754 binary32), little-endian.
inline void put_f32(std::string& out, float value) {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  put_le(out, bits, 4);
}

/// Appends the 8 bytes of a double's bit pattern (IEEE-754 binary64), little-endian.
inline void put_f64(std::string& out, double value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  put_le(out, bits, 8);
}

/// Appends a float as float32 (put_f32) or a double as float64 (put_f64).
template <class Scalar>
void put_scalar(std::string& out, Scalar value) {
  static_assert(std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value,
                "files hold float32 or float64 values");
  if constexpr (std::is_same<Scalar, float>::value) {
    put_f32(out, value);
  } else {
    put_f64(out, value);
  }
}

/// The unsigned integer in the `size` (1 to 8) bytes at `data`, least significant first.
/// The caller checks that the bytes are there.
inline std::uint64_t get_le(const unsigned char* data, int size) {
  std::uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i)
    value = (value << 8) | data[i];
  return value;
}

/// The unsigned integer in the `size` (1 to 8) bytes of `bytes` from `at` on, least
/// significant first. The caller checks that the bytes are there.
inline std::uint64_t get_le(const std::string& bytes, std::size_t at, int size) {
  return get_le(reinterpret_cast<const unsigned char*>(bytes.data()) + at, size);
}

/// The float whose bit pattern (IEEE-754 binary32) is in the 4 bytes at `data`.
inline float get_f32(const unsigned char* data) {
  const auto bits = static_cast<std::uint32_t>(get_le(data, 4));
  float value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

/// The double whose bit pattern (IEEE-754 binary64) is in the 8 bytes at `data`.
inline double get_f64(const unsigned char* data) {
  const std::uint64_t bits = get_le(data, 8);
  double value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

/// Writes the bytes of a file to a stream (opened with std::ios::binary).
/// \param what the function that writes, for the message ("deepnet::write")
/// \throws std::ios_base::failure `<what>: the stream failed while writing`
inline void write_bytes(std::ostream& out, const std::string& bytes, const char* what) {
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::ios_base::failure(std::string(what) + ": the stream failed while writing");
}

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_DETAIL_BYTES_HPP
