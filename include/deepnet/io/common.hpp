/// \file io/common.hpp
/// What the dataset loaders (io/idx.hpp, io/csv.hpp) share: the limit on how much data they
/// read (LoadLimits), and opening a file with a FormatError that names it when that fails.
#ifndef DEEPNET_IO_COMMON_HPP
#define DEEPNET_IO_COMMON_HPP

#include "../config.hpp"
#include "../detail/file_status.hpp"
#include "../detail/option.hpp"
#include "../errors.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

namespace deepnet {

/// Limits of the dataset loaders. A loader checks the sizes a file declares (the dimensions of
/// an IDX header) against the file's size before it allocates anything; where it cannot (a
/// gzip-compressed file, whose decompressed size is only known at its end; a stream), it checks
/// them against `max_bytes` and reads incrementally, so a header that lies fails when the data
/// runs out, not by allocating first.
class LoadLimits {
  /// The most bytes of data one file may hold: the decompressed data of an IDX file (after its
  /// header), the text of a CSV file. 2 GiB by default: Fashion-MNIST's training images are
  /// 47 MB. A file above it is a FormatError.
  DEEPNET_OPTION(LoadLimits, std::uint64_t, max_bytes, std::uint64_t(2) << 30)
};

namespace detail {
namespace io {

/// "12 bytes", "47040000 bytes (44.9 MiB)": sizes as messages write them.
inline std::string bytes_string(std::uint64_t bytes) {
  std::string text = std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  if (bytes >= (std::uint64_t(1) << 20)) {
    const double mib = static_cast<double>(bytes) / double(1 << 20);
    char buffer[32];
    if (mib < 1024.0) {
      std::snprintf(buffer, sizeof buffer, " (%.1f MiB)", mib);
    } else {
      std::snprintf(buffer, sizeof buffer, " (%.1f GiB)", mib / 1024.0);
    }
    text += buffer;
  }
  return text;
}

/// The text of a cell or a name in a message: in double quotes, cut after `max` characters,
/// with control characters and quotes escaped, so that the message stays on one line.
inline std::string quote(const std::string& text, std::size_t max = 40) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == max) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      static const char digits[] = "0123456789abcdef";
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

/// Opens `path` for reading in binary mode, or throws FormatError naming the file and why:
/// it does not exist, it is a directory, or the system refuses (permissions, ...).
/// \param size set to the file's size in bytes when it is a regular file
inline std::ifstream open_file(const std::string& path, std::optional<std::uint64_t>& size) {
  const FileStatus status = file_status(path);
  if (status.kind == FileKind::missing) {
    throw FormatError(path + ": no such file", path);
  }
  if (status.kind == FileKind::directory) {
    throw FormatError(path + ": is a directory, not a file", path);
  }
  size = status.size;
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int code = errno;
    throw FormatError(path + ": cannot open the file" +
                          (code != 0 ? std::string(": ") + std::strerror(code) : std::string()),
                      path);
  }
  return in;
}

}  // namespace io
}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_COMMON_HPP
