// Whole files as bytes, for the tests of the file formats (model files, .npz, IDX, CSV, SVG).
#ifndef DEEPNET_TESTS_SUPPORT_FILES_HPP
#define DEEPNET_TESTS_SUPPORT_FILES_HPP

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

namespace deepnet_test {

/// The bytes of the file at `path`; the test fails if it cannot be opened.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Writes `bytes` as the whole file at `path`; the test fails if that does not work.
inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  REQUIRE(out);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out);
}

}  // namespace deepnet_test

#endif  // DEEPNET_TESTS_SUPPORT_FILES_HPP
