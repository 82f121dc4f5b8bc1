// What every fuzz target shares: a check that stops the run with a message (the fuzzer then
// reports the input as a crash), and a file of this process's own for the loaders that read
// paths.
#ifndef DEEPNET_FUZZ_SUPPORT_HPP
#define DEEPNET_FUZZ_SUPPORT_HPP

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

namespace deepnet_fuzz {

/// Stops the run when `ok` is false: a broken invariant is a finding like a crash.
inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

/// A path in $TMPDIR (or /tmp) that belongs to this process, removed when it exits.
class ScratchFile {
 public:
  explicit ScratchFile(const char* stem) {
    const char* dir = std::getenv("TMPDIR");
    m_path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/" + stem + "-" +
             std::to_string(static_cast<long long>(::getpid()));
  }
  ~ScratchFile() { std::remove(m_path.c_str()); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  /// Replaces the file's contents with the bytes.
  const std::string& write(const std::uint8_t* data, std::size_t size) const {
    std::FILE* file = std::fopen(m_path.c_str(), "wb");
    check(file != nullptr, "cannot create the scratch file");
    check(size == 0 || std::fwrite(data, 1, size, file) == size, "cannot write the scratch file");
    check(std::fclose(file) == 0, "cannot close the scratch file");
    return m_path;
  }

 private:
  std::string m_path;
};

}  // namespace deepnet_fuzz

#endif  // DEEPNET_FUZZ_SUPPORT_HPP
