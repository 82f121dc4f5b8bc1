/// \file detail/file_input.hpp
/// Reading a dataset file that may be gzip-compressed, shared by the loaders (io/idx.hpp,
/// io/csv.hpp): a file that starts with the gzip magic bytes 1f 8b is decompressed while it is
/// read, whatever its name, when zlib is there (the CMake target deepnet::io defines
/// DEEPNET_HAVE_ZLIB=1 and links zlib); without it, such a file is a FormatError saying to link
/// deepnet::io or to gunzip the file.
#ifndef DEEPNET_DETAIL_FILE_INPUT_HPP
#define DEEPNET_DETAIL_FILE_INPUT_HPP

#include "../errors.hpp"
#include "../io/common.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <optional>
#include <streambuf>
#include <string>
#include <vector>

/// 1 when the dataset loaders read gzip-compressed files: zlib is there (deepnet::io defines
/// DEEPNET_HAVE_ZLIB), 0 otherwise.
#if defined(DEEPNET_HAVE_ZLIB) && (DEEPNET_HAVE_ZLIB + 0)
#define DEEPNET_IO_GZIP 1
#include <zlib.h>
#else
#define DEEPNET_IO_GZIP 0
#endif

namespace deepnet {
namespace detail {
namespace io {

// The code that reads a file differs with and without zlib, so each variant lives in an inline
// namespace of its own: a program whose files disagree about DEEPNET_HAVE_ZLIB links two
// distinct sets of functions instead of breaking the one-definition rule.
#if DEEPNET_IO_GZIP
inline namespace gzip {
#else
inline namespace plain {
#endif

/// The bytes of a file, plain or, when it starts with the gzip magic bytes 1f 8b, decompressed
/// on the fly (with zlib; without it, a compressed file is a FormatError that says what to do).
class FileInput {
 public:
  explicit FileInput(const std::string& path) : m_path(path) {
    m_file = open_file(path, m_size);
    // The first two bytes say whether the file is compressed; a plain file's are kept for
    // read(), so that no seek is needed.
    m_file.read(reinterpret_cast<char*>(m_pending), 2);
    m_pending_size = static_cast<std::size_t>(m_file.gcount());
    if (m_file.bad()) fail(0, "", "read error");
    const bool gzip = m_pending_size == 2 && m_pending[0] == 0x1f && m_pending[1] == 0x8b;
    if (!gzip) return;
    m_pending_size = 0;
#if DEEPNET_IO_GZIP
    m_file.close();
    m_size.reset();
    m_gzip = gzopen(path.c_str(), "rb");
    if (m_gzip == nullptr) throw FormatError(path + ": cannot open the file", path);
    gzbuffer(m_gzip, 1u << 17);
#else
    throw FormatError(path +
                          ": byte 0: the file is gzip-compressed (it starts with 1f 8b), but "
                          "this program was built without zlib: link the CMake target "
                          "deepnet::io (it needs zlib; on Debian, zlib1g-dev), or decompress "
                          "the file first (gunzip)",
                      path, 0, "gzip");
#endif
  }

  ~FileInput() {
#if DEEPNET_IO_GZIP
    if (m_gzip != nullptr) gzclose(m_gzip);
#endif
  }

  FileInput(const FileInput&) = delete;
  FileInput& operator=(const FileInput&) = delete;

  const std::string& path() const noexcept {
    return m_path;
  }
  /// The size of a plain file; empty for a compressed one.
  const std::optional<std::uint64_t>& size() const noexcept {
    return m_size;
  }
  /// Bytes read so far (decompressed bytes for a compressed file).
  std::uint64_t position() const noexcept {
    return m_position;
  }

  /// Throws FormatError "<path>: byte <offset>: <text>".
  [[noreturn]] void fail(std::uint64_t offset, const std::string& field,
                         const std::string& text) const {
    const bool gzip = is_gzip();
    throw FormatError(
        m_path + ": byte " + std::to_string(offset) + (gzip ? " (decompressed): " : ": ") + text,
        m_path, static_cast<std::int64_t>(offset), field);
  }

  /// Reads up to `n` bytes into `out`; fewer only at the end of the data.
  /// \throws FormatError for damaged compressed data or a read error
  std::size_t read(unsigned char* out, std::size_t n) {
    std::size_t total = 0;
#if DEEPNET_IO_GZIP
    if (m_gzip != nullptr) {
      while (total < n) {
        const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - total, 1u << 30));
        const int got = gzread(m_gzip, out + total, chunk);
        if (got > 0) {
          total += static_cast<std::size_t>(got);
          continue;
        }
        int code = Z_OK;
        const char* message = gzerror(m_gzip, &code);
        if (got < 0 || code != Z_OK) gzip_failed(m_position + total, code, message);
        break;  // the end of the data
      }
      m_position += total;
      return total;
    }
#endif
    while (total < n && m_pending_next < m_pending_size)
      out[total++] = m_pending[m_pending_next++];
    while (total < n) {
      const std::size_t chunk = std::min<std::size_t>(n - total, std::size_t(1) << 30);
      m_file.read(reinterpret_cast<char*>(out + total), static_cast<std::streamsize>(chunk));
      const auto got = static_cast<std::size_t>(m_file.gcount());
      total += got;
      if (got < chunk) {
        if (m_file.bad()) fail(m_position + total, "", "read error");
        break;
      }
    }
    m_position += total;
    return total;
  }

  /// Skips `n` bytes: a plain file seeks past them (its end is not looked for: its size is
  /// known), a compressed one decompresses and discards them, and returns fewer only at the end
  /// of its data.
  /// \throws FormatError for damaged compressed data, a read error or a failed seek
  std::uint64_t skip(std::uint64_t n) {
    std::uint64_t total = 0;
    if (!is_gzip()) {
      while (total < n && m_pending_next < m_pending_size) {
        ++m_pending_next;
        ++total;
      }
      if (total < n) {
        m_file.seekg(static_cast<std::streamoff>(n - total), std::ios::cur);
        if (!m_file) fail(m_position + total, "", "cannot seek in the file");
        total = n;
      }
      m_position += total;
      return total;
    }
    unsigned char discard[std::size_t(1) << 14];
    while (total < n) {
      const auto want =
          static_cast<std::size_t>(std::min<std::uint64_t>(n - total, sizeof discard));
      const std::size_t got = read(discard, want);  // counts the position
      total += got;
      if (got < want) break;
    }
    return total;
  }

 private:
  bool is_gzip() const noexcept {
#if DEEPNET_IO_GZIP
    return m_gzip != nullptr;
#else
    return false;
#endif
  }

#if DEEPNET_IO_GZIP
  [[noreturn]] void gzip_failed(std::uint64_t offset, int code, const char* message) const {
    std::string text = message != nullptr ? message : "";
    // zlib writes "<path>: <problem>"
    if (text.compare(0, m_path.size() + 2, m_path + ": ") == 0) text.erase(0, m_path.size() + 2);
    if (code == Z_BUF_ERROR) {
      fail(offset, "gzip",
           "the compressed file is cut short: its gzip stream ends before the data does (" + text +
               ")");
    }
    // zlib decompresses ahead of what it has delivered, so a damaged stream has no byte
    // offset worth giving.
    const std::string problem = (code == Z_ERRNO ? "read error: " : "damaged gzip data: ") + text;
    throw FormatError(m_path + ": " + problem, m_path, -1, "gzip");
  }

  gzFile m_gzip = nullptr;
#endif
  std::string m_path;
  std::ifstream m_file;
  std::optional<std::uint64_t> m_size;
  std::uint64_t m_position = 0;
  unsigned char m_pending[2] = {0, 0};
  std::size_t m_pending_size = 0, m_pending_next = 0;
};

/// A std::streambuf over a FileInput, so that a text reader (io/csv.hpp) reads a compressed
/// file as it reads a plain one. A problem with the file (a read error, damaged gzip data) is
/// thrown from underflow as FormatError: the istream over it must set exceptions(badbit), so
/// that the exception reaches the caller instead of ending the text early.
class FileStreambuf : public std::streambuf {
 public:
  explicit FileStreambuf(FileInput& input) : m_input(input), m_buffer(std::size_t(1) << 16) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    const std::size_t got =
        m_input.read(reinterpret_cast<unsigned char*>(m_buffer.data()), m_buffer.size());
    if (got == 0) return traits_type::eof();
    setg(m_buffer.data(), m_buffer.data(), m_buffer.data() + got);
    return traits_type::to_int_type(*gptr());
  }

 private:
  FileInput& m_input;
  std::vector<char> m_buffer;
};

}  // namespace gzip or plain
}  // namespace io
}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_DETAIL_FILE_INPUT_HPP
