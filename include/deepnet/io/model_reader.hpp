/// \file io/model_reader.hpp
/// Reading the bytes of a model file (docs/file_format.md), whichever network it holds: a
/// stream read field by field with its offset and a running CRC-32 (`ModelReader`), every
/// problem a FormatError `<name>: byte <offset>: <problem>` naming the field; the size checks
/// on what a header declares (`checked_mul`, `checked_add`), the size of a seekable input
/// (`remaining_bytes`), and the texts of its messages (`hex32`, `escaped`). The header is
/// io/model_header.hpp's, DeepNet's parameter block io/model_tensors.hpp's.
#ifndef DEEPNET_IO_MODEL_READER_HPP
#define DEEPNET_IO_MODEL_READER_HPP

#include "../detail/bytes.hpp"
#include "../detail/crc32.hpp"
#include "../errors.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <istream>
#include <optional>
#include <string>
#include <utility>

namespace deepnet {
namespace detail {
namespace serialize {

inline std::string hex32(std::uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(value));
  return text;
}

// "DEEPNEX\x00": bytes as C would write them, for the wrong-magic message.
inline std::string escaped(const unsigned char* bytes, std::size_t size) {
  std::string text;
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned char c = bytes[i];
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      text.push_back(static_cast<char>(c));
    } else {
      char code[5];
      std::snprintf(code, sizeof code, "\\x%02X", static_cast<unsigned>(c));
      text += code;
    }
  }
  return text;
}

// a * b and a + b on sizes, or nothing when the result would exceed `limit`.
inline std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b,
                                                std::uint64_t limit) {
  if (a != 0 && b > limit / a) return std::nullopt;
  return a * b;
}
inline std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b,
                                                std::uint64_t limit) {
  if (a > limit || b > limit - a) return std::nullopt;
  return a + b;
}

/// Reads the model from a stream, keeping the offset and a running CRC-32, and turns every
/// problem into a FormatError.
class ModelReader {
 public:
  ModelReader(std::istream& in, std::string name, const char* noun)
      : m_in(in), m_name(std::move(name)), m_noun(noun) {}

  /// Throws the FormatError `<name>: byte <offset>: <problem>`.
  /// \param offset  the byte offset of the field at fault, from the start of the model
  /// \param field   the field, as docs/file_format.md names it: "magic", "version",
  ///                "scalar_type", "dims_count", "layer_dims[1]" (or "layer_dims" for the
  ///                sizes together), "activation[2]", "loss", "flags[1]", "keep_prob[1]",
  ///                "l2", "W[1]", "b[1]", "gamma[1]", "beta[1]", "running_mean[1]",
  ///                "running_var[1]", "parameters" (a read error), "checksum" or "end"
  /// \param problem what is wrong, for the message
  [[noreturn]] void fail(std::uint64_t offset, const std::string& field,
                         const std::string& problem) const {
    throw FormatError(m_name + ": byte " + std::to_string(offset) + ": " + problem, m_name,
                      static_cast<std::int64_t>(offset), field);
  }

  std::uint64_t offset() const noexcept { return m_offset; }
  std::uint32_t crc() const noexcept { return m_crc; }
  /// The file's name in messages.
  const std::string& name() const noexcept { return m_name; }
  /// Where the bytes this reader reads next sit in the model: for a reader over a section of
  /// the model read ahead into memory, so that its messages name the model's byte offsets.
  void set_offset(std::uint64_t offset) noexcept { m_offset = offset; }

  /// Reads up to n bytes; returns how many arrived (fewer only at the end of the input).
  std::size_t read_some(unsigned char* buffer, std::size_t n, const std::string& field) {
    std::size_t got = 0;
    while (got < n && m_in) {
      const std::size_t chunk = std::min<std::size_t>(n - got, std::size_t(1) << 20);
      m_in.read(reinterpret_cast<char*>(buffer + got), static_cast<std::streamsize>(chunk));
      got += static_cast<std::size_t>(m_in.gcount());
    }
    if (got < n && m_in.bad()) {
      fail(m_offset + got, field,
           std::string("read error in ") + field + " (the " + m_noun + " cannot be read)");
    }
    m_crc = crc32(buffer, got, m_crc);
    m_offset += got;
    return got;
  }

  /// Reads exactly n bytes of a field that starts at the current offset.
  void read_exact(unsigned char* buffer, std::size_t n, const std::string& field) {
    const std::uint64_t start = m_offset;
    const std::size_t got = read_some(buffer, n, field);
    if (got < n) truncated(start, field, start + n, start + got);
  }

  /// The input ended at `end` inside `field`, which spans [start, field_end).
  [[noreturn]] void truncated(std::uint64_t start, const std::string& field,
                              std::uint64_t field_end, std::uint64_t end) const {
    fail(start, field,
         "unexpected end of " + std::string(m_noun) + " in " + field + ": it takes bytes " +
             std::to_string(start) + ".." + std::to_string(field_end - 1) + ", and the " + m_noun +
             " ends after " + std::to_string(end) + " bytes (truncated " + m_noun + ")");
  }

  std::uint8_t u8(const std::string& field) {
    unsigned char byte = 0;
    read_exact(&byte, 1, field);
    return byte;
  }
  std::uint32_t u32(const std::string& field) {
    unsigned char bytes[4];
    read_exact(bytes, 4, field);
    return static_cast<std::uint32_t>(get_le(bytes, 4));
  }
  std::uint64_t u64(const std::string& field) {
    unsigned char bytes[8];
    read_exact(bytes, 8, field);
    return get_le(bytes, 8);
  }
  double f64(const std::string& field) {
    unsigned char bytes[8];
    read_exact(bytes, 8, field);
    return get_f64(bytes);
  }

 private:
  std::istream& m_in;
  std::string m_name;
  const char* m_noun;
  std::uint64_t m_offset = 0;
  std::uint32_t m_crc = 0;  // CRC-32 of the bytes so far
};

// Bytes from the current position to the end of a seekable stream; nothing for a pipe.
inline std::optional<std::uint64_t> remaining_bytes(std::istream& in) {
  if (!in) return std::nullopt;
  const std::istream::pos_type start = in.tellg();
  if (start == std::istream::pos_type(-1)) {
    in.clear();
    return std::nullopt;
  }
  in.seekg(0, std::ios::end);
  const std::istream::pos_type end = in.tellg();
  in.clear();
  in.seekg(start);
  if (!in || end == std::istream::pos_type(-1) || end < start) {
    in.clear();
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(end - start);
}

/// Throws NumericalError or ConfigError when the network cannot be written as a file that

}  // namespace serialize
}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_MODEL_READER_HPP
