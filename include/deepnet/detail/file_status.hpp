/// \file detail/file_status.hpp
/// What is at a path: nothing, a directory, a regular file (and its size) or something else,
/// for the file readers' error messages. POSIX systems ask `stat`; elsewhere `<filesystem>`
/// answers. `<filesystem>` is kept out of POSIX builds because parsing it costs every program
/// that includes `<deepnet/deepnet.hpp>` about 12 MB of compiler memory and 0.2 s.
#ifndef DEEPNET_DETAIL_FILE_STATUS_HPP
#define DEEPNET_DETAIL_FILE_STATUS_HPP

#include <cstdint>
#include <optional>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#define DEEPNET_FILE_STATUS_POSIX 1
#include <sys/stat.h>
#include <sys/types.h>
#include <cerrno>
#else
#define DEEPNET_FILE_STATUS_POSIX 0
#include <filesystem>
#include <system_error>
#endif

namespace deepnet {
namespace detail {

/// What a path names. `unknown` when the system would not say (no permission to look, ...):
/// the caller then opens the file and reports the error of the open.
enum class FileKind { missing, directory, regular, other, unknown };

/// The kind of `path` and, for a regular file, its size in bytes.
struct FileStatus {
  FileKind kind = FileKind::unknown;
  std::optional<std::uint64_t> size;
};

/// Looks at `path` without opening it; never throws for a path that cannot be examined.
inline FileStatus file_status(const std::string& path) {
  FileStatus result;
#if DEEPNET_FILE_STATUS_POSIX
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    // ENOTDIR: a part of the path is a file, so nothing is there (as std::filesystem says).
    if (errno == ENOENT || errno == ENOTDIR) result.kind = FileKind::missing;
    return result;
  }
  if (S_ISDIR(info.st_mode)) {
    result.kind = FileKind::directory;
  } else if (S_ISREG(info.st_mode)) {
    result.kind = FileKind::regular;
    if (info.st_size >= 0) result.size = static_cast<std::uint64_t>(info.st_size);
  } else {
    result.kind = FileKind::other;
  }
#else
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  switch (status.type()) {
    case fs::file_type::not_found:
      result.kind = FileKind::missing;
      break;
    case fs::file_type::directory:
      result.kind = FileKind::directory;
      break;
    case fs::file_type::regular: {
      result.kind = FileKind::regular;
      const std::uintmax_t bytes = fs::file_size(path, error);
      if (!error) result.size = static_cast<std::uint64_t>(bytes);
      break;
    }
    case fs::file_type::none:
      break;  // the system would not say
    default:
      result.kind = FileKind::other;
      break;
  }
#endif
  return result;
}

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_DETAIL_FILE_STATUS_HPP
