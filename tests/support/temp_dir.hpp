// A fresh, empty directory for the tests that write files, removed with everything in it when
// the test ends (also when it fails), so that no run leaves files behind or sees an older run's.
#ifndef DEEPNET_TESTS_SUPPORT_TEMP_DIR_HPP
#define DEEPNET_TESTS_SUPPORT_TEMP_DIR_HPP

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace deepnet_test {

class TempDir {
 public:
  /// A directory named after `prefix`, the clock and a counter, in the system's temporary
  /// directory: two tests, or two runs of one test, never share it.
  explicit TempDir(const std::string& prefix = "deepnet-test") {
    static int counter = 0;
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    m_path = std::filesystem::temp_directory_path() /
             (prefix + "-" + std::to_string(stamp) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ignored;  // a destructor must not throw; a leftover directory is harmless
    std::filesystem::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// The path of a file `name` in the directory.
  std::string file(const std::string& name) const { return (m_path / name).string(); }
  std::string operator/(const std::string& name) const { return file(name); }
  const std::filesystem::path& path() const { return m_path; }
  /// The names of the entries in the directory, sorted: what a save left behind.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(m_path))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::filesystem::path m_path;
};

}  // namespace deepnet_test

#endif  // DEEPNET_TESTS_SUPPORT_TEMP_DIR_HPP
