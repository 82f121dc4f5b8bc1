/// \file detail/atomic_file.hpp
/// Replacing a file all at once, for `save` (model files) and `save_npz` (`.npz` archives):
/// the bytes go to a new temporary file next to the target, which is flushed to disk and
/// renamed over it, so the target holds either its old contents or the complete new ones,
/// never a part. Every failure of the operating system is a std::system_error naming the file.
#ifndef DEEPNET_DETAIL_ATOMIC_FILE_HPP
#define DEEPNET_DETAIL_ATOMIC_FILE_HPP

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <system_error>

#if defined(__unix__) || defined(__APPLE__)
#define DEEPNET_ATOMIC_FILE_POSIX 1
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>
#else
#define DEEPNET_ATOMIC_FILE_POSIX 0
#include <filesystem>
#include <fstream>
#endif

namespace deepnet {
namespace detail {

/// Throws std::system_error for the errno value `error`; its what() is `what`, then ": " and
/// the operating system's text for the error.
[[noreturn]] inline void throw_os_error(int error, const std::string& what) {
  throw std::system_error(std::error_code(error, std::generic_category()), what);
}

/// "model.dnet.tmp-<pid>-<counter>-<clock>": a name next to `path`, unique per process, call
/// and moment.
inline std::string temporary_path(const std::string& path) {
  static std::atomic<unsigned long long> counter{0};
  const auto ticks =
      static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count());
  char suffix[80];
#if DEEPNET_ATOMIC_FILE_POSIX
  const auto pid = static_cast<long long>(::getpid());
#else
  const long long pid = 0;
#endif
  std::snprintf(suffix, sizeof suffix, ".tmp-%lld-%llu-%llx", pid, counter.fetch_add(1),
                ticks & 0xFFFFFFFFFFFFull);
  return path + suffix;
}

/// Fault injection for tests: when set, called after every chunk (at most 1 MiB) written to
/// the temporary file, with its path and the bytes written so far. The tests of the atomic
/// save kill their process from it, in the middle of a save. Never set it in a program.
inline void (*atomic_write_hook)(const std::string& temporary, std::size_t written) = nullptr;

/// Writes `bytes` to `path` through a temporary file in the same directory (created
/// exclusively), flushed to disk and renamed over the target: `path` is either the old file or
/// the complete new one. The directory is flushed too, so that the rename survives a crash.
/// \param what the operation, as messages name it ("deepnet::save")
/// \throws std::system_error naming the path and the error of the operating system, e.g.
///         `deepnet::save: cannot save m.dnet: cannot create the temporary file
///         m.dnet.tmp-4242-0-1f3a: No such file or directory`; the temporary file is removed
///         and `path` left as it was
inline void write_file_atomically(const std::string& path, const std::string& bytes,
                                  const std::string& what) {
  const std::string context = what + ": cannot save " + path;
#if DEEPNET_ATOMIC_FILE_POSIX
  std::string temp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    temp = temporary_path(path);
    int flags = O_WRONLY | O_CREAT | O_EXCL;
#ifdef O_CLOEXEC
    flags |= O_CLOEXEC;
#endif
    fd = ::open(temp.c_str(), flags, 0666);
    if (fd < 0) {
      const int error = errno;
      if (error != EEXIST || attempt >= 100) {
        throw_os_error(error, context + ": cannot create the temporary file " + temp);
      }
    }
  }
  try {
    std::size_t written = 0;
    while (written < bytes.size()) {
      const std::size_t chunk = std::min<std::size_t>(bytes.size() - written, 1 << 20);
      const ::ssize_t n = ::write(fd, bytes.data() + written, chunk);
      if (n < 0) {
        const int error = errno;
        if (error == EINTR) continue;
        throw_os_error(error, context + ": cannot write the temporary file " + temp);
      }
      written += static_cast<std::size_t>(n);
      if (atomic_write_hook != nullptr) atomic_write_hook(temp, written);
    }
    if (::fsync(fd) != 0) {
      throw_os_error(errno, context + ": cannot flush the temporary file " + temp + " to disk");
    }
    const int closing = fd;
    fd = -1;
    if (::close(closing) != 0) {
      throw_os_error(errno, context + ": cannot close the temporary file " + temp);
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
      throw_os_error(errno, context + ": cannot rename the temporary file " + temp + " to it");
    }
  } catch (...) {
    if (fd >= 0) ::close(fd);
    std::remove(temp.c_str());
    throw;
  }
  // Make the rename itself durable: flush the directory entry (best effort; some file systems
  // do not allow it, and the file is complete either way).
  const std::string::size_type slash = path.find_last_of('/');
  const std::string directory =
      slash == std::string::npos ? std::string(".") : (slash == 0 ? "/" : path.substr(0, slash));
  int directory_flags = O_RDONLY;
#ifdef O_DIRECTORY
  directory_flags |= O_DIRECTORY;
#endif
  const int directory_fd = ::open(directory.c_str(), directory_flags);
  if (directory_fd >= 0) {
    (void)::fsync(directory_fd);
    (void)::close(directory_fd);
  }
#else
  const std::string temp = temporary_path(path);
  try {
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      if (!out) throw_os_error(errno != 0 ? errno : EIO, context + ": cannot create " + temp);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      out.flush();
      if (!out) throw_os_error(errno != 0 ? errno : EIO, context + ": cannot write " + temp);
    }
    std::error_code error;
    std::filesystem::rename(temp, path, error);  // replaces an existing file
    if (error) throw std::system_error(error, context + ": cannot rename " + temp + " to it");
  } catch (...) {
    std::remove(temp.c_str());
    throw;
  }
#endif
}

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_DETAIL_ATOMIC_FILE_HPP
