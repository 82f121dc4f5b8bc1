/// \file detail/crc32.hpp
/// CRC-32 as ZIP, gzip, PNG and zlib compute it (reflected polynomial 0xEDB88320, initial value
/// and final XOR 0xFFFFFFFF), from a 256-entry table built at compile time.
/// Check value: crc32("123456789") = 0xCBF43926.
#ifndef DEEPNET_DETAIL_CRC32_HPP
#define DEEPNET_DETAIL_CRC32_HPP

#include <array>
#include <cstddef>
#include <cstdint>

namespace deepnet {
namespace detail {

/// crc32_byte_table[b] is the CRC register after shifting the byte b through it: eight steps of
/// "shift right, XOR the polynomial when the bit shifted out is 1".
inline constexpr std::array<std::uint32_t, 256> crc32_byte_table = [] {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1u) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    table[byte] = crc;
  }
  return table;
}();

/// The CRC-32 of `size` bytes at `data`, continuing from `previous`, the CRC-32 of the bytes
/// before them (0 to start), as zlib's crc32(): crc32(b, n, crc32(a, k)) is the CRC-32 of a
/// followed by b.
inline std::uint32_t crc32(const void* data, std::size_t size,
                           std::uint32_t previous = 0) noexcept {
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::uint32_t crc = ~previous;
  for (std::size_t i = 0; i < size; ++i)
    crc = crc32_byte_table[(crc ^ bytes[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_DETAIL_CRC32_HPP
