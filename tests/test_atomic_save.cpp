// No model is lost when the process that saves it dies: save writes a temporary file next to
// the target and renames it over the target only when it is complete and flushed. Here a child
// process is killed with SIGKILL in the middle of writing (through the fault-injection hook of
// detail/atomic_file.hpp, and at random moments without it); the old file must still load,
// bit for bit, and what is left behind is only a temporary file that load never reads.
#include "support/test_support.hpp"

#include <deepnet/deepnet.hpp>
#include <deepnet/io/model_file.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

using deepnet::DeepNet;
using deepnet::Index;
namespace fs = std::filesystem;

namespace {

// A directory of its own under the system's temporary directory, removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "deepnet-atomic-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(m_path, ignored);
  }
  std::string file(const std::string& name) const { return (m_path / name).string(); }
  std::vector<std::string> names() const {
    std::vector<std::string> result;
    for (const auto& entry : fs::directory_iterator(m_path))
      result.push_back(entry.path().filename().string());
    return result;
  }

 private:
  fs::path m_path;
};

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// 2000 x 300 + 300 x 1 weights: 4.8 MB in a file, several chunks of the writer.
DeepNet<double> model(std::uint64_t seed) {
  DeepNet<double> net({2000, 300, 1});
  net.initialize(deepnet::Init::He, seed);
  return net;
}

bool same_parameters(const DeepNet<double>& a, const DeepNet<double>& b) {
  for (Index l = 1; l <= a.L(); ++l) {
    if (a.layer(l).W() != b.layer(l).W() || a.layer(l).b() != b.layer(l).b()) return false;
  }
  return a.dims() == b.dims();
}

// Kills the calling process once the temporary file holds a second chunk.
void kill_after_first_chunk(const std::string&, std::size_t written) {
  if (written > (std::size_t(1) << 20)) ::raise(SIGKILL);
}

// Runs `save` in a child process; returns the child's wait status.
template <class Save>
int in_child(Save&& save) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      save();
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

}  // namespace

TEST_CASE("a writer killed in the middle of save leaves the old model intact", "[save][atomic]") {
  ScratchDir dir;
  const std::string path = dir.file("model.dnet");
  const DeepNet<double> old_model = model(1);
  deepnet::save(old_model, path);
  const std::string old_bytes = contents(path);
  const DeepNet<double> new_model = model(2);

  const int status = in_child([&] {
    deepnet::detail::atomic_write_hook = kill_after_first_chunk;
    deepnet::save(new_model, path);
  });
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);

  // The target is the old file, byte for byte, and loads as the old model.
  CHECK(contents(path) == old_bytes);
  CHECK(same_parameters(deepnet::load(path), old_model));

  // The only other file is the partial temporary one, named after the target; load never
  // reads it (and it is not a whole model: loading it by name fails).
  const std::vector<std::string> names = dir.names();
  REQUIRE(names.size() == 2);
  const std::string temporary = names[0] == "model.dnet" ? names[1] : names[0];
  CHECK(temporary.rfind("model.dnet.tmp-", 0) == 0);
  const auto partial = fs::file_size(dir.file(temporary));
  CHECK(partial > (std::uintmax_t(1) << 20));
  CHECK(partial < old_bytes.size());
  CHECK_THROWS_AS(deepnet::load(dir.file(temporary)), deepnet::FormatError);

  // Saving again works, and replaces the target.
  deepnet::save(new_model, path);
  CHECK(same_parameters(deepnet::load(path), new_model));
}

TEST_CASE("killed at random moments, save leaves one of the two models, whole", "[save][atomic]") {
  ScratchDir dir;
  const std::string path = dir.file("model.dnet");
  const DeepNet<double> first = model(3);
  const DeepNet<double> second = model(4);
  deepnet::save(first, path);
  // A child saves the two models in turn until it is killed, after 1 to 40 ms.
  int saw_second = 0;
  for (int round = 0; round < 12; ++round) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      for (int k = 0;; ++k)
        deepnet::save(k % 2 == 0 ? second : first, path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + (round * 7) % 40));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    const DeepNet<double> loaded = deepnet::load(path);  // never a partial file
    const bool is_first = same_parameters(loaded, first);
    const bool is_second = same_parameters(loaded, second);
    CHECK((is_first || is_second));
    saw_second += is_second ? 1 : 0;
  }
  INFO("rounds that ended on the second model: " << saw_second);
  CHECK(deepnet::load(path).L() == 2);
}
