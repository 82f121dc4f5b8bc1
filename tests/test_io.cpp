// Tests for the dataset loaders: io/idx.hpp (IDX files, plain and gzip-compressed, every type,
// and every kind of damaged file with its message) and io/csv.hpp (header or not, label column
// by name or position, CRLF, quotes, bad cells, ragged rows), and both with an ItemRange (a block,
// or a process's shard, against the whole load). Built twice when zlib is found:
// test_io with deepnet::io (compressed files are read) and test_io_without_zlib (they are
// refused with a message that says what to link). One test loads Fashion-MNIST's test set when
// Debian's dataset-fashion-mnist is installed.
#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

#include <deepnet/core/random.hpp>
#include <deepnet/detail/crc32.hpp>
#include <deepnet/detail/file_status.hpp>
#include <deepnet/io/csv.hpp>
#include <deepnet/io/idx.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using deepnet::CsvHeader;
using deepnet::CsvOptions;
using deepnet::FormatError;
using deepnet::IdxType;
using deepnet::Index;
using deepnet::Labels;
using deepnet::LoadLimits;
using deepnet::Matrix;
using deepnet_test::read_file;
using deepnet_test::write_file;
namespace fs = std::filesystem;

namespace {

using deepnet_test::TempDir;

void put_be(std::string& out, std::uint64_t value, int size) {
  for (int i = size - 1; i >= 0; --i)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFu));
}

/// An IDX file: the magic number of `type` and dims.size() dimensions, the sizes, the data.
std::string idx_file(std::uint8_t type, const std::vector<std::uint32_t>& dims,
                     const std::string& data) {
  std::string out;
  out.push_back(0);
  out.push_back(0);
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(dims.size()));
  for (std::uint32_t d : dims)
    put_be(out, d, 4);
  return out + data;
}

/// Bytes 0, 1, 2, ...: `count` pixels.
std::string ramp(std::size_t count) {
  std::string data;
  for (std::size_t i = 0; i < count; ++i)
    data.push_back(static_cast<char>(i % 256));
  return data;
}

/// A gzip file holding `data` in stored (uncompressed) deflate blocks: made without zlib, so
/// that the tests without zlib have a compressed file too.
std::string gzip_stored(const std::string& data) {
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  std::size_t at = 0;
  do {
    const std::size_t size = std::min<std::size_t>(data.size() - at, 65535);
    const bool last = at + size == data.size();
    out.push_back(last ? 1 : 0);
    const auto n = static_cast<std::uint16_t>(size);
    const auto complement = static_cast<std::uint16_t>(~n);
    out.push_back(static_cast<char>(n & 0xFF));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(complement & 0xFF));
    out.push_back(static_cast<char>(complement >> 8));
    out += data.substr(at, size);
    at += size;
  } while (at < data.size());
  const std::uint32_t crc = deepnet::detail::crc32(data.data(), data.size());
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  const auto size = static_cast<std::uint32_t>(data.size());
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((size >> (8 * i)) & 0xFF));
  return out;
}

#if defined(DEEPNET_HAVE_ZLIB)
/// A gzip file written by zlib, compressed.
void write_gzip(const std::string& path, const std::string& data) {
  gzFile file = gzopen(path.c_str(), "wb9");
  REQUIRE(file != nullptr);
  REQUIRE(gzwrite(file, data.data(), static_cast<unsigned>(data.size())) ==
          static_cast<int>(data.size()));
  REQUIRE(gzclose(file) == Z_OK);
}
#endif

/// The FormatError that `load` throws; fails the test if it throws nothing or something else.
template <class Load>
FormatError format_error(Load load) {
  try {
    load();
  } catch (const FormatError& e) {
    return e;
  }
  FAIL("no FormatError was thrown");
  throw std::logic_error("unreachable");
}

// The pixels of test images: 3 images of 2 x 3, pixel (r, c) of image k is 10k + 3r + c.
const std::vector<std::uint32_t> image_dims = {3, 2, 3};
std::string image_data() {
  std::string data;
  for (int k = 0; k < 3; ++k)
    for (int p = 0; p < 6; ++p)
      data.push_back(static_cast<char>(10 * k + p));
  return data;
}
std::string image_file() {
  return idx_file(0x08, image_dims, image_data());
}
std::string label_file() {
  return idx_file(0x08, {3}, std::string("\x07\x00\x09", 3));
}

void check_images(const Matrix<double>& X) {
  REQUIRE(X.rows() == 6);
  REQUIRE(X.cols() == 3);
  for (Index k = 0; k < 3; ++k)
    for (Index p = 0; p < 6; ++p)
      CHECK(X(p, k) == static_cast<double>(10 * k + p));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// IDX

TEST_CASE("IDX: images become one column per image, pixels row after row, unscaled", "[io][idx]") {
  TempDir dir;
  write_file(dir / "images.idx", image_file());
  check_images(deepnet::load_idx_images<double>(dir / "images.idx"));
  const Matrix<float> Xf = deepnet::load_idx_images<float>(dir / "images.idx");
  CHECK(Xf == deepnet::load_idx_images<double>(dir / "images.idx").cast<float>());

  const auto file = deepnet::load_idx<double>(dir / "images.idx");
  CHECK(file.type == IdxType::U8);
  CHECK(file.dims == std::vector<Index>{3, 2, 3});
  check_images(file.values);

  // 255 stays 255: scaling is a separate step.
  write_file(dir / "white.idx", idx_file(0x08, {1, 1, 2}, "\xff\x80"));
  const Matrix<double> white = deepnet::load_idx_images<double>(dir / "white.idx");
  CHECK(white(0, 0) == 255.0);
  CHECK(white(1, 0) == 128.0);
}

TEST_CASE("IDX: labels are 1 x m, as Index or any number type", "[io][idx]") {
  TempDir dir;
  write_file(dir / "labels.idx", label_file());
  const Labels labels = deepnet::load_idx_labels(dir / "labels.idx");
  REQUIRE(labels.rows() == 1);
  REQUIRE(labels.cols() == 3);
  CHECK(labels(0, 0) == 7);
  CHECK(labels(0, 1) == 0);
  CHECK(labels(0, 2) == 9);
  const auto as_double = deepnet::load_idx_labels<double>(dir / "labels.idx");
  CHECK(as_double == labels.cast<double>());
}

TEST_CASE("IDX: load_idx_pair reads images and labels together", "[io][idx]") {
  TempDir dir;
  write_file(dir / "images.idx", image_file());
  write_file(dir / "labels.idx", label_file());
  const auto [X, labels] = deepnet::load_idx_pair(dir / "images.idx", dir / "labels.idx");
  check_images(X);
  CHECK(labels == deepnet::load_idx_labels(dir / "labels.idx"));
}

TEST_CASE("IDX: every type is read with its sign and in big-endian order", "[io][idx]") {
  TempDir dir;
  SECTION("i8") {
    write_file(dir / "a.idx", idx_file(0x09, {3}, "\x80\xff\x7f"));
    const auto file = deepnet::load_idx<double>(dir / "a.idx");
    CHECK(file.type == IdxType::I8);
    CHECK(file.values == (Matrix<double>(1, 3) << -128, -1, 127).finished());
    CHECK(deepnet::load_idx_labels(dir / "a.idx") == (Labels(1, 3) << -128, -1, 127).finished());
  }
  SECTION("i16") {
    std::string data;
    put_be(data, 0x8000, 2);
    put_be(data, 0x0102, 2);
    write_file(dir / "a.idx", idx_file(0x0B, {2, 1}, data));
    const auto file = deepnet::load_idx<double>(dir / "a.idx");
    CHECK(file.type == IdxType::I16);
    CHECK(file.values == (Matrix<double>(1, 2) << -32768, 258).finished());
  }
  SECTION("i32") {
    std::string data;
    put_be(data, 0xFFFFFFFE, 4);
    put_be(data, 70000, 4);
    write_file(dir / "a.idx", idx_file(0x0C, {2}, data));
    CHECK(deepnet::load_idx_labels(dir / "a.idx") == (Labels(1, 2) << -2, 70000).finished());
  }
  SECTION("f32") {
    std::string data;
    for (float value : {1.5f, -0.25f, 3e38f, 1e-45f}) {
      std::uint32_t bits = 0;
      std::memcpy(&bits, &value, 4);
      put_be(data, bits, 4);
    }
    write_file(dir / "a.idx", idx_file(0x0D, {2, 2}, data));
    const auto file = deepnet::load_idx<float>(dir / "a.idx");
    CHECK(file.type == IdxType::F32);
    CHECK(file.values == (Matrix<float>(2, 2) << 1.5f, 3e38f, -0.25f, 1e-45f).finished());
  }
  SECTION("f64") {
    std::string data;
    for (double value : {0.1, -1e300}) {
      std::uint64_t bits = 0;
      std::memcpy(&bits, &value, 8);
      put_be(data, bits, 8);
    }
    write_file(dir / "a.idx", idx_file(0x0E, {1, 2}, data));
    const auto file = deepnet::load_idx<double>(dir / "a.idx");
    CHECK(file.type == IdxType::F64);
    CHECK(file.values == (Matrix<double>(2, 1) << 0.1, -1e300).finished());
    CHECK(deepnet::to_string(file.type) == "f64");
  }
}

TEST_CASE("IDX: a file with a zero dimension is an empty matrix", "[io][idx]") {
  TempDir dir;
  write_file(dir / "none.idx", idx_file(0x08, {0, 28, 28}, ""));
  const Matrix<double> X = deepnet::load_idx_images<double>(dir / "none.idx");
  CHECK(X.rows() == 784);
  CHECK(X.cols() == 0);
}

TEST_CASE("IDX: gzip-compressed files are recognised by their first bytes, not their name",
          "[io][idx][gzip]") {
  TempDir dir;
  write_file(dir / "images.gz", gzip_stored(image_file()));
  write_file(dir / "images.idx", gzip_stored(image_file()));  // no .gz in the name
  write_file(dir / "labels.gz", gzip_stored(label_file()));
  if (deepnet::idx_reads_gzip) {
    check_images(deepnet::load_idx_images<double>(dir / "images.gz"));
    check_images(deepnet::load_idx_images<double>(dir / "images.idx"));
    const auto [X, labels] = deepnet::load_idx_pair(dir / "images.gz", dir / "labels.gz");
    check_images(X);
    CHECK(labels == (Labels(1, 3) << 7, 0, 9).finished());
  } else {
    const FormatError e =
        format_error([&] { deepnet::load_idx_images<double>(dir / "images.idx"); });
    CHECK(std::string(e.what()) ==
          dir / "images.idx" +
              ": byte 0: the file is gzip-compressed (it starts with 1f 8b), but this program "
              "was built without zlib: link the CMake target deepnet::io (it needs zlib; on "
              "Debian, zlib1g-dev), or decompress the file first (gunzip)");
    CHECK(e.path() == dir / "images.idx");
    CHECK(e.offset() == 0);
    CHECK(e.field() == "gzip");
  }
}

#if defined(DEEPNET_HAVE_ZLIB)
TEST_CASE("IDX: files compressed by zlib, large enough to span many reads", "[io][idx][gzip]") {
  TempDir dir;
  // 1000 images of 28 x 28: 784000 bytes, with a pattern that compresses.
  const std::string pixels = ramp(784000);
  write_gzip(dir / "images.gz", idx_file(0x08, {1000, 28, 28}, pixels));
  const Matrix<float> X = deepnet::load_idx_images<float>(dir / "images.gz");
  REQUIRE(X.rows() == 784);
  REQUIRE(X.cols() == 1000);
  for (Index j : {Index(0), Index(1), Index(517), Index(999)})
    for (Index i : {Index(0), Index(100), Index(783)})
      CHECK(X(i, j) == static_cast<float>((j * 784 + i) % 256));
}

TEST_CASE("IDX: a damaged gzip stream is a FormatError", "[io][idx][gzip]") {
  TempDir dir;
  const std::string path = dir / "images.gz";
  write_gzip(path, idx_file(0x08, {100, 28, 28}, ramp(78400)));
  const std::string good = read_file(path);

  SECTION("cut short") {
    write_file(path, good.substr(0, good.size() / 2));
    const FormatError e = format_error([&] { deepnet::load_idx_images<double>(path); });
    CHECK_THAT(e.what(), StartsWith(path + ": byte "));
    CHECK_THAT(e.what(), Contains(" (decompressed): the compressed file is cut short: its gzip "
                                  "stream ends before the data does (unexpected end of file)"));
    CHECK(e.field() == "gzip");
  }
  SECTION("checksum") {
    std::string bad = good;
    bad[bad.size() - 8] = static_cast<char>(bad[bad.size() - 8] ^ 1);  // the CRC-32
    write_file(path, bad);
    const FormatError e = format_error([&] { deepnet::load_idx_images<double>(path); });
    CHECK(std::string(e.what()) == path + ": damaged gzip data: incorrect data check");
    CHECK(e.offset() == -1);  // zlib decompresses ahead: no byte to name
    CHECK(e.field() == "gzip");
  }
  SECTION("not deflate after the magic bytes") {
    write_file(path, std::string("\x1f\x8b\x63 rubbish", 11));
    const FormatError e = format_error([&] { deepnet::load_idx_images<double>(path); });
    CHECK_THAT(e.what(), StartsWith(path + ": damaged gzip data: "));
  }
}
#endif

TEST_CASE("file_status: what is at a path, as the loaders' messages say it", "[io][errors]") {
  using deepnet::detail::file_status;
  using deepnet::detail::FileKind;
  TempDir dir;
  write_file(dir / "five.bin", "12345");

  const deepnet::detail::FileStatus regular = file_status(dir / "five.bin");
  CHECK(regular.kind == FileKind::regular);
  REQUIRE(regular.size.has_value());
  CHECK(*regular.size == 5u);

  CHECK(file_status(dir / "missing.bin").kind == FileKind::missing);
  // A path through a file names nothing, as std::filesystem says too.
  CHECK(file_status(dir / "five.bin/inside").kind == FileKind::missing);
  const deepnet::detail::FileStatus directory = file_status(dir.path().string());
  CHECK(directory.kind == FileKind::directory);
  CHECK_FALSE(directory.size.has_value());
}

TEST_CASE("IDX: a missing file, a directory, an empty file", "[io][idx][errors]") {
  TempDir dir;
  const std::string missing = dir / "missing.idx";
  FormatError e = format_error([&] { deepnet::load_idx_images<double>(missing); });
  CHECK(std::string(e.what()) == missing + ": no such file");
  CHECK(e.path() == missing);
  CHECK(e.offset() == -1);

  e = format_error([&] { deepnet::load_idx_labels(dir / ""); });
  CHECK_THAT(e.what(), Contains(": is a directory, not a file"));

  write_file(dir / "empty.idx", "");
  e = format_error([&] { deepnet::load_idx_images<double>(dir / "empty.idx"); });
  CHECK(std::string(e.what()) ==
        dir / "empty.idx" +
            ": byte 0: the file is empty; an IDX file starts with a 4-byte magic number such as "
            "0x00000803");
  CHECK(e.field() == "magic");
}

TEST_CASE("IDX: a wrong magic number, type or number of dimensions", "[io][idx][errors]") {
  TempDir dir;
  const std::string path = dir / "bad.idx";
  const auto message = [&](const std::string& bytes, auto load) {
    write_file(path, bytes);
    const FormatError e = format_error([&] { load(path); });
    CHECK(e.path() == path);
    return std::string(e.what()).substr(path.size() + 2);
  };
  const auto images = [](const std::string& p) { deepnet::load_idx_images<double>(p); };
  const auto labels = [](const std::string& p) { deepnet::load_idx_labels(p); };
  const auto any = [](const std::string& p) { deepnet::load_idx<double>(p); };

  CHECK(message("PK\x03\x04 and more", images) ==
        "byte 0: not an IDX file: the magic number is 0x504b0304, but an IDX file starts with "
        "two zero bytes, then the type and the number of dimensions (0x00000803 for MNIST "
        "images, 0x00000801 for labels)");
  CHECK(message(std::string("\0\0\x08", 3), images) ==
        "byte 3: the file ends inside the magic number: 4 bytes expected, 3 found");
  CHECK(message(idx_file(0x0A, {1}, "x"), any) ==
        "byte 2: unsupported data type 0x0a (magic number 0x00000a01); IDX types are 0x08 u8, "
        "0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32, 0x0e f64");
  CHECK(message(idx_file(0x08, {}, ""), any) ==
        "byte 3: the magic number 0x00000800 declares 0 dimensions; there must be at least one, "
        "the number of items");
  CHECK(message(label_file(), images) ==
        "byte 0: the magic number 0x00000801 declares 1 dimension (a label file?); images need "
        "at least 2: 0x00000803 for count x rows x columns");
  CHECK(message(image_file(), labels) ==
        "byte 0: the magic number 0x00000803 declares 3 dimensions (an image file?); labels have "
        "exactly 1: 0x00000801 for a count");
  CHECK(message(idx_file(0x0D, {1}, "abcd"), labels) ==
        "byte 2: the values are f32, but labels must be integers (u8, i8, i16 or i32); read the "
        "file with load_idx<double>");
}

TEST_CASE("IDX: a header or data cut short says where it ended and what was expected",
          "[io][idx][errors]") {
  TempDir dir;
  const std::string path = dir / "images.idx";
  SECTION("inside the sizes") {
    write_file(path, image_file().substr(0, 9));
    const FormatError e = format_error([&] { deepnet::load_idx_images<double>(path); });
    CHECK(std::string(e.what()) ==
          path +
              ": byte 9: the file ends inside the header: 3 sizes of 4 bytes (12 bytes) expected "
              "after the magic number, 5 found");
    CHECK(e.offset() == 9);
    CHECK(e.field() == "dimensions");
  }
  SECTION("inside the data") {
    write_file(path, image_file().substr(0, 26));
    const FormatError e = format_error([&] { deepnet::load_idx_images<double>(path); });
    CHECK(std::string(e.what()) == path +
                                       ": byte 26: the data ends after 10 of the 18 bytes the "
                                       "header declares (3 x 2 x 3 u8 values from byte 16)");
    CHECK(e.offset() == 26);
    CHECK(e.field() == "data");
  }
  SECTION("inside the data of a compressed file") {
    write_file(path, gzip_stored(image_file().substr(0, 26)));
    const FormatError e = format_error([&] { deepnet::load_idx_images<double>(path); });
    if (deepnet::idx_reads_gzip) {
      CHECK(std::string(e.what()) ==
            path +
                ": byte 26 (decompressed): the data ends after 10 of the 18 bytes the header "
                "declares (3 x 2 x 3 u8 values from byte 16)");
      CHECK(e.offset() == 26);
    } else {
      CHECK(e.field() == "gzip");
    }
  }
  SECTION("data after the declared values") {
    write_file(path, image_file() + "xy");
    const FormatError e = format_error([&] { deepnet::load_idx_images<double>(path); });
    CHECK(std::string(e.what()) == path +
                                       ": byte 34: 2 bytes after the 3 x 2 x 3 u8 values the "
                                       "header declares; the header does not match the data");
    write_file(path, gzip_stored(image_file() + "xy"));
    const FormatError z = format_error([&] { deepnet::load_idx_images<double>(path); });
    if (deepnet::idx_reads_gzip) {
      CHECK(std::string(z.what()) ==
            path +
                ": byte 34 (decompressed): more data after the 3 x 2 x 3 u8 values the header "
                "declares; the header does not match the data");
    }
  }
}

TEST_CASE("IDX: every prefix of a file is a FormatError, never a crash", "[io][idx][errors]") {
  TempDir dir;
  const std::string path = dir / "cut.idx";
  for (const std::string& full : {image_file(), gzip_stored(image_file())}) {
    for (std::size_t size = 0; size < full.size(); ++size) {
      CAPTURE(size);
      write_file(path, full.substr(0, size));
      CHECK_THROWS_AS(deepnet::load_idx_images<double>(path), FormatError);
    }
  }
}

TEST_CASE("IDX: a header that declares more than the file holds allocates nothing for it",
          "[io][idx][errors]") {
  TempDir dir;
  const std::string path = dir / "liar.idx";
  SECTION("plain: checked against the file's size before the matrix exists") {
    // 4 billion images of 4 billion pixels would overflow any product: refused from the header.
    write_file(path, idx_file(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, "abc"));
    FormatError e = format_error([&] { deepnet::load_idx_images<double>(path); });
    CHECK(std::string(e.what()) ==
          path +
              ": byte 4: the header declares 4294967295 x 4294967295 x 4294967295 u8 values, "
              "more than 2147483648 bytes (2.0 GiB), the limit (LoadLimits::max_bytes), or more "
              "than this machine can index");
    // 1 GiB declared, 3 bytes there: the file's size says no before anything is allocated.
    write_file(path, idx_file(0x08, {1 << 20, 32, 32}, "abc"));
    e = format_error([&] { deepnet::load_idx_images<double>(path); });
    CHECK(std::string(e.what()) ==
          path +
              ": byte 19: the data ends after 3 of the 1073741824 bytes (1.0 GiB) the header "
              "declares (1048576 x 32 x 32 u8 values from byte 16)");
  }
  SECTION("compressed: checked against LoadLimits, then read until the data runs out") {
    write_file(path, gzip_stored(idx_file(0x08, {1 << 20, 32, 32}, ramp(5000))));
    const FormatError e = format_error([&] { deepnet::load_idx_images<double>(path); });
    if (deepnet::idx_reads_gzip) {
      CHECK(std::string(e.what()) ==
            path +
                ": byte 5016 (decompressed): the data ends after 5000 of the 1073741824 bytes "
                "(1.0 GiB) the header declares (1048576 x 32 x 32 u8 values from byte 16)");
      const FormatError limited = format_error(
          [&] { deepnet::load_idx_images<double>(path, LoadLimits().max_bytes(1 << 20)); });
      CHECK(std::string(limited.what()) ==
            path +
                ": byte 4 (decompressed): the header declares 1048576 x 32 x 32 u8 values, more "
                "than 1048576 bytes (1.0 MiB), the limit (LoadLimits::max_bytes), or more than "
                "this machine can index");
    }
  }
  SECTION("the limit applies to plain files too") {
    write_file(path, image_file());
    const FormatError e =
        format_error([&] { deepnet::load_idx_images<double>(path, LoadLimits().max_bytes(17)); });
    CHECK_THAT(e.what(), Contains("more than 17 bytes, the limit (LoadLimits::max_bytes)"));
    CHECK(deepnet::load_idx_images<double>(path, LoadLimits().max_bytes(18)).cols() == 3);
  }
}

TEST_CASE("IDX: images and labels whose counts differ", "[io][idx][errors]") {
  TempDir dir;
  write_file(dir / "images.idx", image_file());
  write_file(dir / "labels.idx", idx_file(0x08, {4}, "abcd"));
  const FormatError e =
      format_error([&] { deepnet::load_idx_pair<double>(dir / "images.idx", dir / "labels.idx"); });
  CHECK(std::string(e.what()) == dir / "labels.idx" + ": byte 4: the file holds 4 labels, but " +
                                     dir / "images.idx" +
                                     " holds 3 images; an image file and its label file must "
                                     "hold as many items");
  CHECK(e.path() == dir / "labels.idx");
  CHECK(e.offset() == 4);
  CHECK(e.field() == "dimensions");
}

// ---------------------------------------------------------------------------------------------
// Item ranges and shards (ItemRange, io/common.hpp)

namespace {

using deepnet::ConfigError;
using deepnet::ItemRange;

/// The shard sizes the tests split 5 items into: 7 leaves two processes without an item.
const std::vector<int> range_sizes = {1, 2, 3, 7};

/// The columns of `parts` side by side, in order: what the processes of a run hold together.
template <class M>
M range_join(const std::vector<M>& parts, Index rows) {
  Index cols = 0;
  for (const M& part : parts)
    cols += part.cols();
  M all(rows, cols);
  Index at = 0;
  for (const M& part : parts) {
    all.middleCols(at, part.cols()) = part;
    at += part.cols();
  }
  return all;
}

/// Checks the column counts of the shards of one size: they sum to m and differ by at most one.
void range_check_sizes(const std::vector<Index>& cols, Index m) {
  Index sum = 0;
  for (const Index c : cols)
    sum += c;
  CHECK(sum == m);
  const auto [low, high] = std::minmax_element(cols.begin(), cols.end());
  CHECK(*high - *low <= 1);
}

/// The ConfigError message that `load` throws; fails the test if it throws nothing else.
template <class Load>
std::string range_error(Load load) {
  try {
    load();
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("no ConfigError was thrown");
  return std::string();
}

/// The messages of the ranges that cannot fit a file of m `unit` ("items", "data rows"), which
/// every loader gives (ItemRange::resolve): `message(range)` loads with the range and returns
/// the ConfigError's text, which starts with `prefix` ("function: file: ").
template <class Message>
void check_range_messages(const Message& message, const std::string& prefix,
                          const std::string& unit, deepnet::Index m) {
  const std::string n = std::to_string(m);
  const std::string holds = "the file holds " + n + " " + unit;
  CHECK_THAT(message({-1, 2}),
             Catch::Matchers::Equals(prefix + "ItemRange{-1, 2}: first is -1, but " + unit +
                                     " are counted from 0; " + holds));
  CHECK_THAT(message({0, -2}),
             Catch::Matchers::Equals(prefix +
                                     "ItemRange{0, -2}: count is -2, but it must be 0 or more, or "
                                     "-1 for all from first to the end; " +
                                     holds));
  const std::string last_two = "ItemRange{" + std::to_string(m - 1) + ", 2}";
  CHECK_THAT(message({m - 1, 2}),
             Catch::Matchers::Equals(prefix + last_two + " asks for " + unit + " " +
                                     std::to_string(m - 1) + ".." + n + ", but " + holds +
                                     ", so first + count must be at most " + n));
  const std::string after = "ItemRange{" + std::to_string(m + 1) + ", -1}";
  CHECK_THAT(message({m + 1, -1}),
             Catch::Matchers::Equals(prefix + after + " starts after the end: " + holds +
                                     ", so first must be at most " + n));
  CHECK_THAT(message(ItemRange::shard(0, 0)),
             Catch::Matchers::Equals(prefix +
                                     "ItemRange::shard(0, 0): size is 0, but a run has at least "
                                     "one process (size 1 or more); " +
                                     holds));
  CHECK_THAT(message(ItemRange::shard(3, 3)),
             Catch::Matchers::Equals(prefix +
                                     "ItemRange::shard(3, 3): rank is 3, but the ranks of 3 "
                                     "processes are 0..2; " +
                                     holds));
}

// 5 images of 2 x 3: u8 (pixel p of image k is 10k + p), or i16 (-1000k + 7p, two bytes each);
// their 5 labels: u8, or i32.
std::string range_images(bool wide) {
  std::string data;
  for (int k = 0; k < 5; ++k) {
    for (int p = 0; p < 6; ++p) {
      if (wide) {
        put_be(data, static_cast<std::uint16_t>(-1000 * k + 7 * p), 2);
      } else {
        data.push_back(static_cast<char>(10 * k + p));
      }
    }
  }
  return idx_file(wide ? 0x0B : 0x08, {5, 2, 3}, data);
}
std::string range_labels(bool wide) {
  std::string data;
  for (int k = 0; k < 5; ++k)
    put_be(data, static_cast<std::uint32_t>(wide ? 70000 * k - 3 : 9 - 2 * k), wide ? 4 : 1);
  return idx_file(wide ? 0x0C : 0x08, {5}, data);
}

/// Checks every shard and every block of an image file and its label file against the whole
/// load of each.
void range_check_idx(const std::string& images, const std::string& labels) {
  const Matrix<double> X = deepnet::load_idx_images<double>(images);
  const Labels y = deepnet::load_idx_labels(labels);
  const auto m = X.cols();
  REQUIRE(m == 5);
  REQUIRE(y.cols() == m);
  for (const int size : range_sizes) {
    CAPTURE(size);
    std::vector<Matrix<double>> parts, pair_parts;
    std::vector<Labels> label_parts, pair_label_parts;
    std::vector<Index> cols;
    for (int rank = 0; rank < size; ++rank) {
      CAPTURE(rank);
      const ItemRange shard = ItemRange::shard(rank, size);
      parts.push_back(deepnet::load_idx_images<double>(images, shard));
      label_parts.push_back(deepnet::load_idx_labels(labels, shard));
      const auto pair = deepnet::load_idx_pair<double>(images, labels, shard);
      pair_parts.push_back(pair.X);
      pair_label_parts.push_back(pair.labels);
      CHECK(parts.back().rows() == X.rows());
      CHECK(label_parts.back().rows() == 1);
      CHECK(label_parts.back().cols() == parts.back().cols());
      // The float matrix and labels as doubles hold the same columns.
      CHECK(deepnet::load_idx_images<float>(images, shard) == parts.back().cast<float>());
      CHECK(deepnet::load_idx_labels<double>(labels, shard) == label_parts.back().cast<double>());
      cols.push_back(parts.back().cols());
    }
    range_check_sizes(cols, m);
    if (size > m) CHECK(std::count(cols.begin(), cols.end(), Index(0)) == size - m);
    CHECK(range_join(parts, X.rows()) == X);
    CHECK(range_join(label_parts, 1) == y);
    CHECK(range_join(pair_parts, X.rows()) == X);
    CHECK(range_join(pair_label_parts, 1) == y);
  }
  for (Index first = 0; first <= m; ++first) {
    for (Index count = 0; first + count <= m; ++count) {
      CAPTURE(first, count);
      CHECK(deepnet::load_idx_images<double>(images, ItemRange{first, count}) ==
            X.middleCols(first, count));
      CHECK(deepnet::load_idx_labels(labels, ItemRange{first, count}) ==
            y.middleCols(first, count));
      const auto pair = deepnet::load_idx_pair<double>(images, labels, {first, count});
      CHECK(pair.X == X.middleCols(first, count));
      CHECK(pair.labels == y.middleCols(first, count));
    }
    CHECK(deepnet::load_idx_images<double>(images, ItemRange{first, -1}) == X.rightCols(m - first));
  }
  CHECK(deepnet::load_idx_images<double>(images, ItemRange()) == X);
}

}  // namespace

TEST_CASE("ItemRange::resolve: shards are contiguous, in rank order, of sizes within one",
          "[io][range]") {
  for (Index items = 0; items <= 12; ++items) {
    for (int size = 1; size <= 9; ++size) {
      CAPTURE(items, size);
      Index next = 0;
      std::vector<Index> cols;
      for (int rank = 0; rank < size; ++rank) {
        const ItemRange part = ItemRange::shard(rank, size).resolve(items, "f");
        CHECK_FALSE(part.is_shard());
        CHECK(part.first == next);
        next = part.first + part.count;
        cols.push_back(part.count);
      }
      CHECK(next == items);
      range_check_sizes(cols, items);
    }
  }
  // No overflow of items * rank for the largest counts.
  const Index huge = std::numeric_limits<Index>::max() - 6;
  const int size = std::numeric_limits<int>::max();
  const ItemRange last = ItemRange::shard(size - 1, size).resolve(huge, "f");
  CHECK(last.first + last.count == huge);
  CHECK(last.count >= huge / size);
  CHECK(last.count <= huge / size + 1);
  // A block is itself; the default is every item.
  CHECK(ItemRange{2, 3}.resolve(5, "f").first == 2);
  CHECK(ItemRange{2, 3}.resolve(5, "f").count == 3);
  CHECK(ItemRange().resolve(5, "f").count == 5);
  CHECK(ItemRange{5, -1}.resolve(5, "f").count == 0);
  CHECK(ItemRange::shard(1, 3).to_string() == "ItemRange::shard(1, 3)");
  CHECK(ItemRange{2, -1}.to_string() == "ItemRange{2, -1}");
}

TEST_CASE("IDX: the shards of 1, 2, 3 and 7 processes, side by side, are the whole file",
          "[io][idx][range]") {
  TempDir dir;
  for (const bool wide : {false, true}) {
    CAPTURE(wide);
    write_file(dir / "images.idx", range_images(wide));
    write_file(dir / "labels.idx", range_labels(wide));
    range_check_idx(dir / "images.idx", dir / "labels.idx");
  }
}

TEST_CASE("IDX: the shards of a gzip-compressed file, side by side, are the whole file",
          "[io][idx][range][gzip]") {
  TempDir dir;
  write_file(dir / "images.gz", gzip_stored(range_images(true)));
  write_file(dir / "labels.gz", gzip_stored(range_labels(true)));
  if (!deepnet::idx_reads_gzip) {
    // Without zlib, every shard is refused as the whole file is.
    const FormatError whole =
        format_error([&] { deepnet::load_idx_images<double>(dir / "images.gz"); });
    const FormatError part = format_error(
        [&] { deepnet::load_idx_images<double>(dir / "images.gz", ItemRange::shard(1, 2)); });
    CHECK(std::string(part.what()) == whole.what());
    return;
  }
  range_check_idx(dir / "images.gz", dir / "labels.gz");
}

TEST_CASE("IDX: shards of a file of many reads: a seek in a plain file, a skip in a gzip one",
          "[io][idx][range]") {
  TempDir dir;
  // 1000 images of 28 x 28: 784000 bytes, more than the buffers of one read or one skip.
  const std::string file = idx_file(0x08, {1000, 28, 28}, ramp(784000));
  std::vector<std::string> paths = {dir / "images.idx"};
  write_file(paths[0], file);
#if defined(DEEPNET_HAVE_ZLIB)
  paths.push_back(dir / "images.gz");
  write_gzip(paths[1], file);
#endif
  for (const std::string& path : paths) {
    CAPTURE(path);
    const Matrix<float> X = deepnet::load_idx_images<float>(path);
    std::vector<Matrix<float>> parts;
    for (int rank = 0; rank < 3; ++rank)
      parts.push_back(deepnet::load_idx_images<float>(path, ItemRange::shard(rank, 3)));
    CHECK(range_join(parts, X.rows()) == X);
    CHECK(deepnet::load_idx_images<float>(path, ItemRange{999, 1}) == X.rightCols(1));
  }
}

TEST_CASE("IDX: a range that does not fit the file is a ConfigError naming it",
          "[io][idx][range][errors]") {
  TempDir dir;
  const std::string images = dir / "images.idx";
  const std::string labels = dir / "labels.idx";
  write_file(images, range_images(false));
  write_file(labels, range_labels(false));
  const std::string m = std::to_string(deepnet::load_idx_images<double>(images).cols());
  const auto message = [&](const ItemRange& range) {
    return range_error([&] { deepnet::load_idx_images<double>(images, range); });
  };
  const std::string holds = "the file holds " + m + " items";
  check_range_messages(message, "load_idx_images: " + images + ": ", "items", std::stoll(m));
  CHECK_THAT(message({6, 0}), Contains("ItemRange{6, 0} starts after the end: " + holds));
  CHECK_THAT(
      message(ItemRange::shard(-1, 2)),
      Contains("ItemRange::shard(-1, 2): rank is -1, but the ranks of 2 processes are 0..1"));
  CHECK_THAT(message(ItemRange::shard(0, -4)), Contains("size is -4"));
  // Labels and pairs name their function and the file the count comes from.
  CHECK_THAT(range_error([&] {
               deepnet::load_idx_labels(labels, {5, 1});
             }),
             StartsWith("load_idx_labels: " + labels +
                        ": ItemRange{5, 1} asks for items 5..5, "
                        "but the file holds " +
                        m + " items"));
  CHECK_THAT(
      range_error([&] { deepnet::load_idx_pair<double>(images, labels, ItemRange::shard(2, 1)); }),
      StartsWith("load_idx_pair: " + images +
                 ": ItemRange::shard(2, 1): rank is 2, but "
                 "the ranks of 1 process are 0..0"));
}

TEST_CASE("IDX: a damaged file is the same FormatError with any range as without",
          "[io][idx][range][errors]") {
  TempDir dir;
  const std::string path = dir / "images.idx";
  const std::string good = range_images(true);
  std::vector<std::string> damaged = {good.substr(0, 30), good.substr(0, good.size() - 1),
                                      good + "xy", good.substr(0, 10)};
  damaged.push_back(gzip_stored(damaged[0]));
  damaged.push_back(gzip_stored(damaged[1]));
  damaged.push_back(gzip_stored(damaged[2]));
#if defined(DEEPNET_HAVE_ZLIB)
  write_gzip(path, idx_file(0x08, {100, 28, 28}, ramp(78400)));
  const std::string compressed = read_file(path);
  damaged.push_back(compressed.substr(0, compressed.size() / 2));  // zlib: cut short
#endif
  std::vector<ItemRange> ranges = {{0, 1}, {4, 1}, {0, 0}, {2, -1}};
  for (const int size : range_sizes)
    for (int rank = 0; rank < size; ++rank)
      ranges.push_back(ItemRange::shard(rank, size));
  for (std::size_t d = 0; d < damaged.size(); ++d) {
    CAPTURE(d);
    write_file(path, damaged[d]);
    const FormatError whole = format_error([&] { deepnet::load_idx_images<double>(path); });
    for (const ItemRange& range : ranges) {
      CAPTURE(range.to_string());
      const FormatError part = format_error([&] { deepnet::load_idx_images<double>(path, range); });
      CHECK(std::string(part.what()) == whole.what());
      CHECK(part.offset() == whole.offset());
      CHECK(part.field() == whole.field());
    }
  }
  // A label file cut short, read with its image file.
  write_file(dir / "good.idx", good);
  const std::string labels = range_labels(false);
  write_file(dir / "labels.idx", labels.substr(0, labels.size() - 2));
  const FormatError whole =
      format_error([&] { deepnet::load_idx_pair<double>(dir / "good.idx", dir / "labels.idx"); });
  CHECK_THAT(whole.what(), Contains("the data ends after 3 of the 5 bytes"));
  for (int rank = 0; rank < 3; ++rank) {
    const FormatError part = format_error([&] {
      deepnet::load_idx_pair<double>(dir / "good.idx", dir / "labels.idx",
                                     ItemRange::shard(rank, 3));
    });
    CHECK(std::string(part.what()) == whole.what());
  }
}

TEST_CASE("IDX: Fashion-MNIST's test set, when Debian's dataset-fashion-mnist is installed",
          "[io][idx][fashion-mnist]") {
  const char* env = std::getenv("DEEPNET_FASHION_MNIST_DIR");
  const std::string dir = env != nullptr ? env : "/usr/share/datasets/fashion-mnist";
  const std::string images = dir + "/t10k-images-idx3-ubyte.gz";
  const std::string labels = dir + "/t10k-labels-idx1-ubyte.gz";
  if (!fs::exists(images) || !fs::exists(labels)) {
    WARN("skipped: " << images << " not found (apt-get install dataset-fashion-mnist)");
    return;
  }
  if (!deepnet::idx_reads_gzip) {
    const FormatError e = format_error([&] { deepnet::load_idx_pair<float>(images, labels); });
    CHECK_THAT(e.what(), Contains("link the CMake target deepnet::io"));
    return;
  }
  const auto [X, y] = deepnet::load_idx_pair<float>(images, labels);
  REQUIRE(X.rows() == 784);
  REQUIRE(X.cols() == 10000);
  REQUIRE(y.rows() == 1);
  REQUIRE(y.cols() == 10000);
  CHECK(X.minCoeff() == 0.0f);
  CHECK(X.maxCoeff() == 255.0f);
  CHECK(X == X.array().round().matrix());  // whole numbers: pixels as they are
  CHECK(y.minCoeff() == 0);
  CHECK(y.maxCoeff() == 9);
  // The test set has 1000 images of each class.
  for (Index c = 0; c < 10; ++c)
    CHECK((y.array() == c).count() == 1000);
}

// ---------------------------------------------------------------------------------------------
// CSV

namespace {

deepnet::CsvData<double> csv(const std::string& text, const CsvOptions& options = CsvOptions()) {
  std::istringstream in(text);
  return deepnet::read_csv<double>(in, "data.csv", options);
}

/// The message of the FormatError that reading `text` throws.
std::string csv_error(const std::string& text, const CsvOptions& options = CsvOptions()) {
  return format_error([&] { csv(text, options); }).what();
}

}  // namespace

TEST_CASE("CSV: a header, the label column by name, one column of X per row", "[io][csv]") {
  const auto data = csv("a,b,label,c\n1,2,0,3\n4,5,1,6\n", CsvOptions().label_name("label"));
  CHECK(data.X == (Matrix<double>(3, 2) << 1, 4, 2, 5, 3, 6).finished());
  CHECK(data.labels == (Matrix<double>(1, 2) << 0, 1).finished());
  CHECK(data.feature_names == std::vector<std::string>{"a", "b", "c"});
  CHECK(data.label_name == "label");
}

TEST_CASE("CSV: class_labels gives the label column in the type of classify and load_idx",
          "[io][csv]") {
  const auto data = csv("a,class\n0.5,2\n1.5,0\n2.5,1\n");
  const Labels labels = data.class_labels();
  CHECK(labels == (Labels(1, 3) << 2, 0, 1).finished());  // compares with Labels, no cast
  static_assert(std::is_same<decltype(data.class_labels()),
                             decltype(deepnet::IdxDataset<double>().labels)>::value,
                "CSV and IDX class labels have one type");
  try {
    csv("a,class\n0.5,2\n1.5,-1\n").class_labels();
    FAIL("no DataError");
  } catch (const deepnet::DataError& e) {
    CHECK(std::string(e.what()) ==
          "CsvData::class_labels: labels(0, 1) is -1, but a class label must be a whole number, "
          "0 or more and below 2^31 (column class, data row 1)");
    CHECK(e.col() == 1);
  }
  REQUIRE_THROWS_WITH(csv("1,2.5\n").class_labels(),
                      "CsvData::class_labels: labels(0, 0) is 2.5, but a class label must be a "
                      "whole number, 0 or more and below 2^31 (the label column, data row 0)");
}

TEST_CASE("CSV: the label column by position, from the end by default", "[io][csv]") {
  const std::string text = "1,2,3\n4,5,6\n";
  CHECK(csv(text).labels == (Matrix<double>(1, 2) << 3, 6).finished());
  CHECK(csv(text).X == (Matrix<double>(2, 2) << 1, 4, 2, 5).finished());
  CHECK(csv(text).feature_names.empty());
  CHECK(csv(text, CsvOptions().label_column(0)).labels ==
        (Matrix<double>(1, 2) << 1, 4).finished());
  CHECK(csv(text, CsvOptions().label_column(-2)).labels ==
        (Matrix<double>(1, 2) << 2, 5).finished());
  CHECK(csv(text, CsvOptions().label_column(-2)).X ==
        (Matrix<double>(2, 2) << 1, 4, 3, 6).finished());
}

TEST_CASE("CSV: the header is detected, or said", "[io][csv]") {
  CHECK(csv("x,y\n1,2\n").X.cols() == 1);  // detected: names
  CHECK(csv("1,2\n3,4\n").X.cols() == 2);  // detected: numbers
  CHECK(csv("1,2\n3,4\n", CsvOptions().header(CsvHeader::Present)).X.cols() == 1);
  CHECK(csv("1,2\n3,4\n", CsvOptions().header(CsvHeader::Present)).feature_names ==
        std::vector<std::string>{"1"});
  CHECK(csv("x,2\n3,4\n").X.cols() == 1);  // one name is enough
  CHECK(csv_error("x,y\n1,2\n", CsvOptions().header(CsvHeader::Absent)) ==
        "data.csv: line 1, column 1: \"x\" is not a number");
}

TEST_CASE("CSV: CRLF, blank lines, spaces, a byte order mark, other delimiters", "[io][csv]") {
  const auto data = csv("\xEF\xBB\xBFx, y ,label\r\n\r\n 1 ,\t2,0\r\n\n   \n3,4 , 1\r\n");
  CHECK(data.feature_names == std::vector<std::string>{"x", "y"});
  CHECK(data.X == (Matrix<double>(2, 2) << 1, 3, 2, 4).finished());
  CHECK(data.labels == (Matrix<double>(1, 2) << 0, 1).finished());
  CHECK(csv("1;2\n3;4", CsvOptions().delimiter(';')).X ==
        (Matrix<double>(1, 2) << 1, 3).finished());
  CHECK(csv("1\t2\n3\t 4\n", CsvOptions().delimiter('\t')).labels ==
        (Matrix<double>(1, 2) << 2, 4).finished());
  // Numbers as std::from_chars reads them, and a leading +.
  CHECK(csv("+1.5,-2e-3,.5,7\n").X == (Matrix<double>(3, 1) << 1.5, -2e-3, 0.5).finished());
}

TEST_CASE("CSV: quoted fields", "[io][csv]") {
  const auto data =
      csv("\"width, cm\",\"the \"\"label\"\"\",\"two\nlines\"\n\"1.5\",0,2\n 3 , \"1\" ,4\n",
          CsvOptions().label_name("the \"label\""));
  CHECK(data.feature_names == std::vector<std::string>{"width, cm", "two\nlines"});
  CHECK(data.label_name == "the \"label\"");
  CHECK(data.X == (Matrix<double>(2, 2) << 1.5, 3, 2, 4).finished());
  CHECK(data.labels == (Matrix<double>(1, 2) << 0, 1).finished());
  // Line numbers count the line inside the quotes.
  CHECK(csv_error("\"a\nb\",c\n1,x\n") == "data.csv: line 3, column 2 (c): \"x\" is not a number");
  CHECK(csv_error("a,b\n1,\"2\"x\n") ==
        "data.csv: line 2, column 2: unexpected \"x\" after the closing quote of a quoted field "
        "(write a quote inside quotes as \"\")");
  CHECK(csv_error("a,b\n1,\"2\n3,4\n") ==
        "data.csv: line 2, column 2: the quoted field that starts here is never closed (the file "
        "ends inside it)");
  CHECK(csv_error("a,b\n1,\"\"\n") ==
        "data.csv: line 2, column 2 (b): an empty quoted cell (\"\"); every cell must hold a "
        "number");
}

TEST_CASE("CSV: a cell that is not a finite number names its line and column",
          "[io][csv][errors]") {
  CHECK(csv_error("a,b,c\n1,2,3\n4,abc,6\n") ==
        "data.csv: line 3, column 2 (b): \"abc\" is not a number");
  CHECK(csv_error("1,2,3\n4,5 6,6\n") == "data.csv: line 2, column 2: \"5 6\" is not a number");
  CHECK(csv_error("1,2,3\n4,,6\n") ==
        "data.csv: line 2, column 2: an empty cell; every cell must hold a number (a missing "
        "value?)");
  CHECK(csv_error("1,nan,3\n") ==
        "data.csv: line 1, column 2: \"nan\" is not a finite number; inputs and labels must be "
        "finite");
  CHECK(csv_error("1,1e999,3\n") ==
        "data.csv: line 1, column 2: \"1e999\" is beyond the range of double");
  CHECK(csv_error("1,2,3\n1,0x10,3\n") == "data.csv: line 2, column 2: \"0x10\" is not a number");
  CHECK(csv_error("1,2,3\n1,1.000.000,3\n") ==
        "data.csv: line 2, column 2: \"1.000.000\" is not a number");
  CHECK(csv_error("1,2,3\n1,+-1,3\n") == "data.csv: line 2, column 2: \"+-1\" is not a number");
  {
    std::istringstream in("1,1e39\n");
    const FormatError e = format_error([&] { deepnet::read_csv<float>(in, "f.csv"); });
    CHECK(std::string(e.what()) ==
          "f.csv: line 1, column 2: \"1e39\" is beyond the range of float");
  }
  // The exception's fields: the byte where the cell starts and the column's name.
  const FormatError e = format_error([&] { csv("a,b\n1,2\n10, zz\n"); });
  CHECK(e.path() == "data.csv");
  CHECK(e.offset() == 12);  // after the space
  CHECK(e.field() == "b");
  const FormatError unnamed = format_error([&] { csv("1,2\n10,zz\n"); });
  CHECK(unnamed.field() == "column 2");
  CHECK(unnamed.offset() == 7);
}

TEST_CASE("CSV: ragged rows", "[io][csv][errors]") {
  CHECK(csv_error("1,2,3\n4,5\n") == "data.csv: line 2: 2 fields, expected 3 (as line 1)");
  CHECK(csv_error("\n1,2\n\n3,4,5\n") == "data.csv: line 4: 3 fields, expected 2 (as line 2)");
  CHECK(csv_error("a,b,c\n1,2,3\n4\n") == "data.csv: line 3: 1 field, expected the header's 3");
  CHECK(csv_error("1,2,3\n4,5,6,\n") == "data.csv: line 2: 4 fields, expected 3 (as line 1)");
}

TEST_CASE("CSV: a label column that does not exist", "[io][csv][errors]") {
  CHECK(csv_error("a,b\n1,2\n", CsvOptions().label_name("label")) ==
        "data.csv: line 1: no column is named \"label\" (CsvOptions::label_name); the header "
        "names \"a\", \"b\"");
  CHECK(format_error([&] { csv("a,b\n1,2\n", CsvOptions().label_name("label")); }).field() ==
        "label");
  CHECK(csv_error("1,2\n", CsvOptions().label_name("label")) ==
        "data.csv: line 1: no column can be named \"label\": the file has no header row (its "
        "first row holds numbers; say CsvOptions::header(CsvHeader::Present) if it is a header)");
  CHECK(csv_error("a,b,a\n1,2,3\n", CsvOptions().label_name("a")) ==
        "data.csv: line 1: columns 1 and 3 are both named \"a\"; choose one with "
        "CsvOptions::label_column");
  CHECK(csv_error("1,2\n", CsvOptions().label_column(2)) ==
        "data.csv: line 1: label_column 2 does not exist: the rows have 2 columns (label_column "
        "counts from 0; a negative one from the end, -1 being the last)");
  CHECK_THAT(csv_error("1,2\n", CsvOptions().label_column(-3)),
             StartsWith("data.csv: line 1: label_column -3 does not exist"));
  CHECK(csv_error("1\n2\n") ==
        "data.csv: line 1: the rows have one column only, the label: there are no features");
}

TEST_CASE("CSV: a file separated by semicolons or tabs, read with commas, names the delimiter",
          "[io][csv][errors]") {
  // Read with ',', "a;b;label" is one field: one column, no features. The message counts the
  // ';' of the line (2) and names the option.
  const std::string semicolons =
      "data.csv: line 1: 1 field, but it contains ';' 2 times: is the delimiter ';'? "
      "CsvOptions::delimiter is ','; set CsvOptions().delimiter(';')";
  CHECK(csv_error("a;b;label\n1;2;0\n") == semicolons);
  CHECK(csv_error("1;2;0\n3;4;1\n") == semicolons);  // no header
  CHECK(csv_error("a;b;label\n1;2;0\n", CsvOptions().label_name("label")) == semicolons);
  CHECK(csv_error("a;b;label\n1;2;0\n", CsvOptions().label_column(0)) == semicolons);
  const FormatError e = format_error([&] { csv("\n a;b\n1;2\n"); });
  CHECK(std::string(e.what()) ==
        "data.csv: line 2: 1 field, but it contains ';' once: is the delimiter ';'? "
        "CsvOptions::delimiter is ','; set CsvOptions().delimiter(';')");
  CHECK(e.offset() == 2);  // the blank line, then the space before the field
  CHECK(e.path() == "data.csv");
  // Tabs: 3 in "x<tab>y<tab>z<tab>label".
  CHECK(csv_error("x\ty\tz\tlabel\n1\t2\t3\t0\n") ==
        "data.csv: line 1: 1 field, but it contains '\\t' 3 times: is the delimiter '\\t'? "
        "CsvOptions::delimiter is ','; set CsvOptions().delimiter('\\t')");
  // The other way round: a ',' file read with ';'.
  CHECK(csv_error("a,b\n1,2\n", CsvOptions().delimiter(';')) ==
        "data.csv: line 1: 1 field, but it contains ',' once: is the delimiter ','? "
        "CsvOptions::delimiter is ';'; set CsvOptions().delimiter(',')");
  // The most frequent candidate wins: 3 '|' against 1 ';'.
  CHECK_THAT(csv_error("a|b|c;d|e\n"), Contains("contains '|' 3 times: is the delimiter '|'?"));
  // A cell holding another delimiter.
  CHECK(csv_error("1,2,3\n4,5;6,7\n") ==
        "data.csv: line 2, column 2: \"5;6\" is not a number; it contains ';': is the delimiter "
        "';'? CsvOptions::delimiter is ','; set CsvOptions().delimiter(';')");
  // A decimal comma in a ';' file is not taken for a delimiter.
  CHECK(csv_error("a;b\n1,5;0\n", CsvOptions().delimiter(';')) ==
        "data.csv: line 2, column 1 (a): \"1,5\" is not a number; numbers need a decimal point "
        "(1.5), not a decimal comma");
  // Without another delimiter, or inside quotes, one column is what it was.
  CHECK(csv_error("\"a;b\"\n1\n") ==
        "data.csv: line 1: the rows have one column only, the label: there are no features");
  CHECK(csv_error("label\n1\n") ==
        "data.csv: line 1: the rows have one column only, the label: there are no features");
  // load_csv names the file.
  TempDir dir;
  const std::string path = dir / "semicolons.csv";
  write_file(path, "a;b;label\n1;2;0\n");
  CHECK(std::string(format_error([&] { deepnet::load_csv<double>(path); }).what()) ==
        path +
            ": line 1: 1 field, but it contains ';' 2 times: is the delimiter ';'? "
            "CsvOptions::delimiter is ','; set CsvOptions().delimiter(';')");
  CHECK(deepnet::load_csv<double>(path, CsvOptions().delimiter(';')).X ==
        (Matrix<double>(2, 1) << 1, 2).finished());
}

TEST_CASE("CSV: a gzip-compressed file is read as the plain one, or refused saying what to do",
          "[io][csv][gzip]") {
  TempDir dir;
  const std::string text = "sepal,petal,species\n5.1,1.4,0\n7.0,4.7,1\n6.3,6.0,2\n";
  write_file(dir / "iris.csv", text);
  write_file(dir / "iris.csv.gz", gzip_stored(text));
  write_file(dir / "iris-gz.csv", gzip_stored(text));  // no .gz in the name
  const CsvOptions options = CsvOptions().label_name("species");
  const auto plain = deepnet::load_csv<double>(dir / "iris.csv", options);
  REQUIRE(plain.X == (Matrix<double>(2, 3) << 5.1, 7.0, 6.3, 1.4, 4.7, 6.0).finished());
  for (const char* name : {"iris.csv.gz", "iris-gz.csv"}) {
    CAPTURE(name);
    const std::string path = dir / name;
    if (deepnet::csv_reads_gzip) {
      const auto data = deepnet::load_csv<double>(path, options);
      CHECK(data.X == plain.X);
      CHECK(data.labels == plain.labels);
      CHECK(data.feature_names == plain.feature_names);
      CHECK(data.label_name == "species");
    } else {
      const FormatError e = format_error([&] { deepnet::load_csv<double>(path, options); });
      CHECK(std::string(e.what()) ==
            path +
                ": byte 0: the file is gzip-compressed (it starts with 1f 8b), but this program "
                "was built without zlib: link the CMake target deepnet::io (it needs zlib; on "
                "Debian, zlib1g-dev), or decompress the file first (gunzip)");
      CHECK(e.field() == "gzip");
      CHECK(e.offset() == 0);
    }
  }
  // A stream is read as text: compressed bytes are refused, whatever the build.
  std::istringstream in(gzip_stored(text));
  const FormatError e = format_error([&] { deepnet::read_csv<double>(in, "stdin"); });
  CHECK(std::string(e.what()) ==
        "stdin: byte 0: the text is gzip-compressed (it starts with 1f 8b); load_csv(path) "
        "decompresses a file when the program links the CMake target deepnet::io (zlib), or "
        "decompress it first (gunzip)");
  CHECK(e.field() == "gzip");
}

#if defined(DEEPNET_HAVE_ZLIB)
TEST_CASE("CSV: gzip files compressed by zlib, larger than one read, cut short, above the limit",
          "[io][csv][gzip]") {
  TempDir dir;
  // Row j: j, j % 7, label j % 2; 30000 rows are about 290 KB of text, several reads of the
  // decompressing buffer (64 KiB).
  std::string text = "x,y,label\n";
  const Index m = 30000;
  for (Index j = 0; j < m; ++j)
    text += std::to_string(j) + "," + std::to_string(j % 7) + "," + std::to_string(j % 2) + "\n";
  REQUIRE(text.size() > 3 * 65536);
  const std::string path = dir / "big.csv.gz";
  write_gzip(path, text);
  const auto data = deepnet::load_csv<float>(path);
  REQUIRE(data.X.rows() == 2);
  REQUIRE(data.X.cols() == m);
  bool all_equal = true;
  for (Index j = 0; j < m; ++j) {
    all_equal = all_equal && data.X(0, j) == static_cast<float>(j) &&
                data.X(1, j) == static_cast<float>(j % 7) &&
                data.labels(0, j) == static_cast<float>(j % 2);
  }
  CHECK(all_equal);

  // The limit applies to the decompressed text: line 1 ("x,y,label" and its LF) is 10 bytes.
  FormatError e = format_error(
      [&] { deepnet::load_csv<float>(path, CsvOptions().limits(LoadLimits().max_bytes(9))); });
  CHECK(std::string(e.what()) ==
        path + ": line 1: the text goes beyond 9 bytes, the limit (LoadLimits::max_bytes)");

  // Cut short: zlib's error, not a quiet end of the text.
  const std::string compressed = read_file(path);
  write_file(path, compressed.substr(0, compressed.size() / 2));
  e = format_error([&] { deepnet::load_csv<float>(path); });
  CHECK_THAT(e.what(), StartsWith(path + ": byte "));
  CHECK_THAT(e.what(), Contains(" (decompressed): the compressed file is cut short: its gzip "
                                "stream ends before the data does"));
  CHECK(e.field() == "gzip");
}
#endif

TEST_CASE("CSV: an empty file, a header alone", "[io][csv][errors]") {
  CHECK(csv_error("") == "data.csv: the file is empty: no header and no rows");
  CHECK(csv_error("\r\n\n  \n") == "data.csv: the file is empty: no header and no rows");
  CHECK(csv_error("a,b\n\n") == "data.csv: line 1 is a header and no data rows follow");
}

namespace {

/// A small data set with class names: row j has features (j, -j / 4) and the name names[j].
struct NamedRows {
  std::vector<std::string> names;
  std::string text(const std::string& header) const {
    std::string out = header.empty() ? std::string() : header + "\n";
    for (std::size_t j = 0; j < names.size(); ++j)
      out += std::to_string(j) + "," + std::to_string(-0.25 * static_cast<double>(j)) + "," +
             names[j] + "\n";
    return out;
  }
  // The expectation, by other means than the loader's: std::set sorts the distinct names.
  std::vector<std::string> sorted() const {
    const std::set<std::string> distinct(names.begin(), names.end());
    return {distinct.begin(), distinct.end()};
  }
  Index index_of(const std::string& name, const std::vector<std::string>& order) const {
    return static_cast<Index>(std::find(order.begin(), order.end(), name) - order.begin());
  }
};

template <class Scalar>
void check_named(const deepnet::CsvData<Scalar>& data, const NamedRows& rows,
                 const std::vector<std::string>& order) {
  const auto m = static_cast<Index>(rows.names.size());
  REQUIRE(data.X.rows() == 2);
  REQUIRE(data.X.cols() == m);
  REQUIRE(data.labels.cols() == m);
  CHECK(data.class_names == order);
  const Labels labels = data.class_labels();
  for (Index j = 0; j < m; ++j) {
    const std::string& name = rows.names[static_cast<std::size_t>(j)];
    CHECK(data.X(0, j) == static_cast<Scalar>(j));
    CHECK(data.X(1, j) == static_cast<Scalar>(-0.25 * static_cast<double>(j)));
    CHECK(labels(0, j) == rows.index_of(name, order));
    CHECK(data.class_names[static_cast<std::size_t>(labels(0, j))] == name);  // printed back
  }
}

}  // namespace

TEST_CASE("CSV: a label column of class names becomes class indices in sorted order",
          "[io][csv][names]") {
  const NamedRows rows{{"versicolor", "setosa", "virginica", "setosa", "versicolor", "Setosa"}};
  const std::vector<std::string> order = rows.sorted();  // "Setosa" < "setosa": bytes
  SECTION("with a header") {
    const auto data = csv(rows.text("length,width,species"));
    check_named(data, rows, order);
    CHECK(data.label_name == "species");
    CHECK(data.feature_names == std::vector<std::string>{"length", "width"});
  }
  SECTION("without a header: a first row whose only text is its label is data") {
    check_named(csv(rows.text("")), rows, order);
    CHECK(csv(rows.text("")).feature_names.empty());
    std::istringstream in(rows.text(""));
    check_named(deepnet::read_csv<float>(in, "data.csv"), rows, order);
  }
  SECTION("a column of numbers keeps its header detected by its label") {
    const auto data = csv("1,2,label\n3,4,0\n5,6,1\n");
    CHECK(data.class_names.empty());
    CHECK(data.feature_names == std::vector<std::string>{"1", "2"});
    CHECK(data.labels == (Matrix<double>(1, 2) << 0, 1).finished());
  }
  SECTION("names that look like numbers, when said so") {
    const NamedRows digits{{"10", "2", "1", "2"}};
    const auto data = csv(digits.text(""), CsvOptions().label_type(deepnet::CsvLabels::Names));
    check_named(data, digits, digits.sorted());       // "1" < "10" < "2"
    CHECK(csv(digits.text("")).class_names.empty());  // numbers by default
  }
  SECTION("given names fix the order; a test file agrees with its training file") {
    const NamedRows test{{"virginica", "virginica", "setosa"}};  // fewer classes, other order
    const auto train = csv(rows.text("length,width,species"));
    const auto data =
        csv(test.text("length,width,species"), CsvOptions().class_names(train.class_names));
    check_named(data, test, order);
    const std::vector<std::string> mine = {"virginica", "setosa", "versicolor", "Setosa"};
    check_named(csv(rows.text(""), CsvOptions().class_names(mine)), rows, mine);
  }
}

TEST_CASE("CSV: class names that cannot be read are named by line and column",
          "[io][csv][names][errors]") {
  const std::string test = "length,width,species\n1,2,setosa\n3,4,virginca\n";
  const auto options = CsvOptions().class_names({"setosa", "versicolor", "virginica"});
  const FormatError e = format_error([&] { csv(test, options); });
  CHECK(std::string(e.what()) ==
        "data.csv: line 3, column 3 (species): \"virginca\" is not one of the 3 class names of "
        "CsvOptions::class_names (\"setosa\", \"versicolor\", \"virginica\")");
  CHECK(e.offset() == static_cast<std::int64_t>(test.find("virginca")));
  CHECK(e.field() == "species");
  CHECK(csv_error("a,b\n1,cat\n2,3\n") ==
        "data.csv: line 2, column 2 (b): \"cat\" is not a number; the label column mixes names "
        "and numbers (line 3 holds \"3\"): CsvOptions().label_type(CsvLabels::Names) reads every "
        "label as a class name");
  CHECK(csv_error("a,b\n1,2\n2,cat\n") ==
        "data.csv: line 3, column 2 (b): \"cat\" is not a number; the label column holds numbers "
        "from its first row on, so every label must be one "
        "(CsvOptions().label_type(CsvLabels::Names) reads them as class names)");
  CHECK(csv_error("a,b\n1,cat\n2,cat\n") ==
        "data.csv: line 2, column 2 (b): \"cat\" is not a number; every label is \"cat\": "
        "CsvOptions().label_type(CsvLabels::Names) reads it as the name of one class");
  CHECK(
      csv("a,b\n1,cat\n2,cat\n", CsvOptions().label_type(deepnet::CsvLabels::Names)).class_names ==
      std::vector<std::string>{"cat"});
  CHECK(csv_error("a,b\n1,cat\n2,\n", CsvOptions().label_type(deepnet::CsvLabels::Names)) ==
        "data.csv: line 3, column 2 (b): an empty label; every label must be a class name (a "
        "missing value?)");
  CHECK(csv_error("1,cat\n2,dog\n", CsvOptions().label_type(deepnet::CsvLabels::Numbers)) ==
        "data.csv: line 2, column 2 (cat): \"dog\" is not a number");
  REQUIRE_THROWS_MATCHES(
      csv("1,a\n", CsvOptions().class_names({"a", "b", "a"})), deepnet::ConfigError,
      Catch::Matchers::Message("CsvOptions::class_names: names 0 and 2 are both \"a\"; each class "
                               "has one name"));
  REQUIRE_THROWS_MATCHES(
      csv("1,a\n", CsvOptions().class_names({"a", ""})), deepnet::ConfigError,
      Catch::Matchers::Message(
          "CsvOptions::class_names: name 1 is empty; a class name has at least one character"));
}

TEST_CASE("CSV: load_csv reads files, with the file's name in the messages", "[io][csv]") {
  TempDir dir;
  const std::string path = dir / "iris.csv";
  write_file(path, "sepal,petal,species\r\n5.1,1.4,0\r\n7.0,4.7,1\r\n6.3,6.0,2\r\n");
  const auto data = deepnet::load_csv<float>(path, CsvOptions().label_name("species"));
  CHECK(data.X == (Matrix<float>(2, 3) << 5.1f, 7.0f, 6.3f, 1.4f, 4.7f, 6.0f).finished());
  CHECK(data.labels == (Matrix<float>(1, 3) << 0, 1, 2).finished());

  FormatError e = format_error([&] { deepnet::load_csv<double>(dir / "missing.csv"); });
  CHECK(std::string(e.what()) == dir / "missing.csv" + ": no such file");
  e = format_error(
      [&] { deepnet::load_csv<double>(path, CsvOptions().limits(LoadLimits().max_bytes(10))); });
  CHECK(std::string(e.what()) ==
        path + ": the file holds 54 bytes, more than 10 bytes, the limit (LoadLimits::max_bytes)");
  write_file(path, "a,b\n1,x\n");
  e = format_error([&] { deepnet::load_csv<double>(path); });
  CHECK(std::string(e.what()) == path + ": line 2, column 2 (b): \"x\" is not a number");

  // A stream has no size: the limit is checked as the text is read.
  std::istringstream in("1,2\n3,4\n5,6\n");
  e = format_error([&] {
    deepnet::read_csv<double>(in, "stdin", CsvOptions().limits(LoadLimits().max_bytes(6)));
  });
  CHECK(std::string(e.what()) ==
        "stdin: line 2: the text goes beyond 6 bytes, the limit (LoadLimits::max_bytes)");
}

namespace {

// True when a and b hold the same bits, entry by entry (-0 is not 0, every NaN its own).
template <class Scalar>
bool csv_same_bits(const Matrix<Scalar>& a, const Matrix<Scalar>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(Scalar) * static_cast<std::size_t>(a.size())) == 0;
}

// A 3 x m matrix of values of every magnitude, with the awkward ones in its first columns:
// 0.1 (no exact binary form), -0, the smallest subnormal, the largest and smallest normal
// numbers, 1/3.
template <class Scalar>
Matrix<Scalar> csv_awkward_values(Index m) {
  using limits = std::numeric_limits<Scalar>;
  deepnet::Random random(31);
  Matrix<Scalar> M(3, m);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < 3; ++i) {
      const double exponent = std::floor(random.uniform() * 60.0) - 30.0;
      M(i, j) = static_cast<Scalar>(random.normal() * std::pow(10.0, exponent));
    }
  }
  M.col(0) << Scalar(0.1), -Scalar(0), limits::denorm_min();
  M.col(1) << limits::max(), limits::min(), Scalar(1) / Scalar(3);
  M.col(2) << -limits::max(), Scalar(-2.5e-30), Scalar(12345678);
  return M;
}

template <class Scalar>
void csv_check_round_trip(const TempDir& dir) {
  const Matrix<Scalar> M = csv_awkward_values<Scalar>(200);
  const std::string path = dir / "round_trip.csv";
  deepnet::write_csv(path, M);
  // load_csv takes the last column of the file (the last row of M) as the labels.
  const auto data = deepnet::load_csv<Scalar>(path, CsvOptions().header(CsvHeader::Absent));
  CHECK(csv_same_bits<Scalar>(data.X, M.topRows(2)));
  CHECK(csv_same_bits<Scalar>(data.labels, M.bottomRows(1)));
  CHECK(dir.entries() == std::vector<std::string>{"round_trip.csv"});  // no temporary left
}

}  // namespace

TEST_CASE("CSV: write_csv then load_csv gives the same values, bit for bit", "[io][csv][write]") {
  TempDir dir;
  csv_check_round_trip<double>(dir);
  csv_check_round_trip<float>(dir);
}

TEST_CASE("CSV: write_csv writes one row per example, with a header and a delimiter",
          "[io][csv][write]") {
  // Two features (rows x: 1.5, -2 and y: 0.25, 3) of two examples (columns): the file's rows
  // are the columns, (1.5, 0.25) and (-2, 3).
  const Matrix<double> M = (Matrix<double>(2, 2) << 1.5, -2, 0.25, 3).finished();
  std::ostringstream plain;
  deepnet::write_csv(plain, M);
  CHECK(plain.str() == "1.5,0.25\n-2,3\n");

  // A name that holds the delimiter, or a quote, is quoted (quotes doubled).
  std::ostringstream named;
  deepnet::write_csv(named, M, deepnet::CsvWriteOptions().delimiter(';').header({"x", "a;b"}));
  CHECK(named.str() == "x;\"a;b\"\n1.5;0.25\n-2;3\n");
  std::istringstream in(named.str());
  const auto data = deepnet::read_csv<double>(in, "named", CsvOptions().delimiter(';'));
  CHECK(data.feature_names == std::vector<std::string>{"x"});
  CHECK(data.label_name == "a;b");
  CHECK(data.X == M.topRows(1));          // x
  CHECK(data.labels == M.bottomRows(1));  // the last column of the file

  std::ostringstream quoted;
  deepnet::write_csv(quoted, M, deepnet::CsvWriteOptions().header({"say \"hi\"", " y"}));
  CHECK(quoted.str() == "\"say \"\"hi\"\"\",\" y\"\n1.5,0.25\n-2,3\n");

  // Labels as the IDX loader returns them (integers), tab-separated.
  std::ostringstream labels;
  deepnet::write_csv(labels, (Labels(1, 3) << 7, 0, 12).finished(),
                     deepnet::CsvWriteOptions().delimiter('\t'));
  CHECK(labels.str() == "7\n0\n12\n");
}

TEST_CASE("CSV: write_csv refuses what load_csv could not read, and names an unwritable path",
          "[io][csv][write][errors]") {
  TempDir dir;
  Matrix<double> M = Matrix<double>::Zero(2, 3);
  const std::string missing = dir / "no-such-directory/out.csv";
  try {
    deepnet::write_csv(missing, M);
    FAIL("write_csv wrote into a directory that does not exist");
  } catch (const std::system_error& e) {
    CHECK_THAT(e.what(), StartsWith("write_csv: cannot save " + missing + ": "));
    CHECK(e.code() == std::errc::no_such_file_or_directory);
  }
  CHECK(dir.entries().empty());

  std::ostringstream out;
  M(1, 2) = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(deepnet::write_csv(out, M),
                      "write_csv: the matrix's entry (1, 2) is nan; load_csv reads finite "
                      "numbers only");
  M(1, 2) = 0;
  REQUIRE_THROWS_WITH(deepnet::write_csv(out, M, deepnet::CsvWriteOptions().header({"a"})),
                      "write_csv: the header has 1 name and the matrix 2 rows; give one name "
                      "per row of the matrix (a column of the file)");
  REQUIRE_THROWS_WITH(deepnet::write_csv(out, M, deepnet::CsvWriteOptions().delimiter('.')),
                      Contains("the delimiter '.' cannot separate numbers"));
  REQUIRE_THROWS_WITH(deepnet::write_csv(out, Matrix<double>(0, 3)), Contains("no rows (n = 0)"));
  CHECK(out.str().empty());  // nothing written for a refused matrix
}

// ---------------------------------------------------------------------------------------------
// CSV: CsvOptions::rows

namespace {

// 5 data rows: two features and a label, a number or a class name; a header with a quoted name
// over two lines, quoted numbers, a CRLF and a blank line.
std::string range_csv(bool names, bool header = true) {
  const std::vector<std::string> classes = {"versicolor", "setosa", "virginica", "setosa",
                                            "Setosa"};
  std::string text = header ? "length,\"wid\nth\",label\n" : "";
  for (std::size_t j = 0; j < classes.size(); ++j) {
    text += std::to_string(0.5 * static_cast<double>(j)) + ",\"" + std::to_string(10 - j) + "\"," +
            (names ? classes[j] : std::to_string(j % 3));
    text += j == 2 ? "\r\n\n" : "\n";
  }
  return text;
}

/// The data of one shard or block, checked against the whole load: its columns, its labels (as
/// class names too) and the names of the file.
void range_check_part(const deepnet::CsvData<double>& part, const deepnet::CsvData<double>& whole,
                      Index first, Index count) {
  REQUIRE(part.X.cols() == count);
  CHECK(part.first_row == first);
  CHECK(part.X == whole.X.middleCols(first, count));
  CHECK(part.labels == whole.labels.middleCols(first, count));
  CHECK(part.class_names == whole.class_names);
  CHECK(part.feature_names == whole.feature_names);
  CHECK(part.label_name == whole.label_name);
}

/// Loads the shards of `text` from a file `path` (plain or compressed) and from a string
/// stream, and every block, and checks them against the whole load.
void range_check_csv(const std::string& path, const std::string& text,
                     const CsvOptions& options = CsvOptions()) {
  const auto whole = deepnet::load_csv<double>(path, options);
  const Index m = whole.X.cols();
  REQUIRE(m == 5);
  CHECK(whole.first_row == 0);
  for (const int size : range_sizes) {
    CAPTURE(size);
    std::vector<Matrix<double>> parts, label_parts;
    std::vector<Index> cols;
    Index first = 0;
    for (int rank = 0; rank < size; ++rank) {
      CAPTURE(rank);
      const CsvOptions shard = CsvOptions(options).rows(ItemRange::shard(rank, size));
      const auto part = deepnet::load_csv<double>(path, shard);
      range_check_part(part, whole, first, part.X.cols());
      std::istringstream in(text);
      const auto streamed = deepnet::read_csv<double>(in, "data.csv", shard);
      CHECK(streamed.X == part.X);
      CHECK(streamed.labels == part.labels);
      CHECK(streamed.class_names == part.class_names);
      first += part.X.cols();
      parts.push_back(part.X);
      label_parts.push_back(part.labels);
      cols.push_back(part.X.cols());
    }
    range_check_sizes(cols, m);
    CHECK(range_join(parts, whole.X.rows()) == whole.X);
    CHECK(range_join(label_parts, 1) == whole.labels);
  }
  for (Index first = 0; first <= m; ++first) {
    for (Index count = 0; first + count <= m; ++count) {
      CAPTURE(first, count);
      const CsvOptions block = CsvOptions(options).rows({first, count});
      range_check_part(deepnet::load_csv<double>(path, block), whole, first, count);
      std::istringstream in(text);
      range_check_part(deepnet::read_csv<double>(in, "data.csv", block), whole, first, count);
    }
    range_check_part(deepnet::load_csv<double>(path, CsvOptions(options).rows({first, -1})), whole,
                     first, m - first);
  }
}

/// A stream that cannot seek (as std::cin from a pipe).
class RangeOneWay : public std::streambuf {
 public:
  explicit RangeOneWay(std::string text) : m_text(std::move(text)) {
    setg(m_text.data(), m_text.data(), m_text.data() + m_text.size());
  }

 private:
  std::string m_text;
};

}  // namespace

TEST_CASE("CSV: the shards of 1, 2, 3 and 7 processes, side by side, are the whole file",
          "[io][csv][range]") {
  TempDir dir;
  for (const bool names : {false, true}) {
    for (const bool header : {true, false}) {
      CAPTURE(names, header);
      const std::string text = range_csv(names, header);
      write_file(dir / "data.csv", text);
      range_check_csv(dir / "data.csv", text);
    }
  }
  // The class names given, in an order of the program's.
  const std::string text = range_csv(true);
  write_file(dir / "data.csv", text);
  range_check_csv(dir / "data.csv", text,
                  CsvOptions().class_names({"virginica", "setosa", "versicolor", "Setosa"}));
}

TEST_CASE("CSV: the shards of a gzip-compressed file, side by side, are the whole file",
          "[io][csv][range][gzip]") {
  TempDir dir;
  const std::string text = range_csv(true);
  write_file(dir / "data.csv.gz", gzip_stored(text));
  if (!deepnet::csv_reads_gzip) {
    const FormatError whole = format_error([&] { deepnet::load_csv<double>(dir / "data.csv.gz"); });
    const FormatError part = format_error([&] {
      deepnet::load_csv<double>(dir / "data.csv.gz", CsvOptions().rows(ItemRange::shard(1, 2)));
    });
    CHECK(std::string(part.what()) == whole.what());
    return;
  }
  range_check_csv(dir / "data.csv.gz", text);
#if defined(DEEPNET_HAVE_ZLIB)
  write_gzip(dir / "zlib.csv.gz", text);
  range_check_csv(dir / "zlib.csv.gz", text);
#endif
}

TEST_CASE("CSV: a shard without some class name has the whole file's class names",
          "[io][csv][range][names]") {
  TempDir dir;
  const std::string path = dir / "data.csv";
  write_file(path, range_csv(true));
  const auto whole = deepnet::load_csv<double>(path);
  const Labels whole_labels = whole.class_labels();
  bool some_name_missing = false;
  for (int rank = 0; rank < 3; ++rank) {
    CAPTURE(rank);
    const auto part = deepnet::load_csv<double>(path, CsvOptions().rows(ItemRange::shard(rank, 3)));
    const Labels labels = part.class_labels();
    CHECK(part.class_names == whole.class_names);
    CHECK(labels == whole_labels.middleCols(part.first_row, labels.cols()));
    std::set<Index> present(labels.data(), labels.data() + labels.size());
    some_name_missing = some_name_missing || present.size() < whole.class_names.size();
    for (Index j = 0; j < labels.cols(); ++j) {  // the names printed back
      CHECK(part.class_names[static_cast<std::size_t>(labels(0, j))] ==
            whole.class_names[static_cast<std::size_t>(whole_labels(0, part.first_row + j))]);
    }
  }
  CHECK(some_name_missing);
}

TEST_CASE("CSV: a range that does not fit the data rows is a ConfigError naming it",
          "[io][csv][range][errors]") {
  TempDir dir;
  const std::string path = dir / "data.csv";
  const std::string text = range_csv(false);
  write_file(path, text);
  const std::string m = std::to_string(deepnet::load_csv<double>(path).X.cols());
  const auto message = [&](const ItemRange& range) {
    return range_error([&] { deepnet::load_csv<double>(path, CsvOptions().rows(range)); });
  };
  const std::string holds = "the file holds " + m + " data rows";
  check_range_messages(message, "load_csv: " + path + ": ", "data rows", std::stoll(m));
  std::istringstream in(text);
  CHECK_THAT(range_error([&] {
               deepnet::read_csv<double>(in, "data.csv", CsvOptions().rows({5, 1}));
             }),
             Catch::Matchers::Equals("read_csv: data.csv: ItemRange{5, 1} asks for data rows "
                                     "5..5, but " +
                                     holds + ", so first + count must be at most " + m));

  // A shard of a stream that cannot seek back: refused before reading.
  RangeOneWay buffer(text);
  std::istream one_way(&buffer);
  CHECK_THAT(range_error([&] {
               deepnet::read_csv<double>(one_way, "stdin",
                                         CsvOptions().rows(ItemRange::shard(0, 2)));
             }),
             Catch::Matchers::Equals(
                 "read_csv: stdin: ItemRange::shard(0, 2) needs the number of data rows before it "
                 "keeps one, so the text is read twice, but this stream cannot seek back to its "
                 "start; load the file with load_csv(path), or give CsvOptions::rows a block "
                 "ItemRange{first, count}"));
  // A block of the same stream is read in one pass.
  CHECK(deepnet::read_csv<double>(one_way, "stdin", CsvOptions().rows({1, 2})).X ==
        deepnet::load_csv<double>(path).X.middleCols(1, 2));
}

TEST_CASE("CSV: a damaged file is the same FormatError with any range as without",
          "[io][csv][range][errors]") {
  TempDir dir;
  const std::string path = dir / "data.csv";
  const std::string good = range_csv(true);
  const std::size_t last = good.rfind("Setosa");
  std::vector<std::string> damaged = {
      good.substr(0, good.find("0.000000")) + "x" + good.substr(good.find("0.000000") + 1),
      good.substr(0, last) + "12\n",            // a number among names, in the last row
      good.substr(0, last) + "\"Setosa\n",      // cut short inside a quoted field
      good.substr(0, good.rfind("\"")) + "\n",  // cut short inside a quoted field, earlier
      good.substr(0, last) + "\n",              // an empty label
      good + "1,2\n",                           // a ragged row at the end
      "length,width,label\n"};                  // no data rows
  damaged.push_back(gzip_stored(damaged[1]));
#if defined(DEEPNET_HAVE_ZLIB)
  std::string big = "x,y,label\n";
  for (int j = 0; j < 30000; ++j)
    big += std::to_string(j) + "," + std::to_string(j % 7) + "," + std::to_string(j % 2) + "\n";
  write_gzip(path, big);
  const std::string compressed = read_file(path);
  damaged.push_back(compressed.substr(0, compressed.size() / 2));  // zlib: cut short
#endif
  std::vector<ItemRange> ranges = {{0, 1}, {4, 1}, {0, 0}, {2, -1}, {-1, 1}, {9, 9}};
  for (const int size : range_sizes)
    for (int rank = 0; rank < size; ++rank)
      ranges.push_back(ItemRange::shard(rank, size));
  ranges.push_back(ItemRange::shard(3, 2));
  for (std::size_t d = 0; d < damaged.size(); ++d) {
    CAPTURE(d);
    write_file(path, damaged[d]);
    const FormatError whole = format_error([&] { deepnet::load_csv<double>(path); });
    for (const ItemRange& range : ranges) {
      CAPTURE(range.to_string());
      const FormatError part =
          format_error([&] { deepnet::load_csv<double>(path, CsvOptions().rows(range)); });
      CHECK(std::string(part.what()) == whole.what());
      CHECK(part.offset() == whole.offset());
      CHECK(part.field() == whole.field());
    }
  }
}

TEST_CASE("CSV: class_labels names the data row of the file, with a range too",
          "[io][csv][range]") {
  std::istringstream whole_in("a,class\n0.5,2\n1.5,0\n2.5,-1\n3.5,1\n");
  const auto whole = deepnet::read_csv<double>(whole_in, "data.csv");
  Index bad = -1;
  try {
    whole.class_labels();
  } catch (const deepnet::DataError& e) {
    bad = e.col();
  }
  REQUIRE(bad >= 1);
  std::istringstream in(whole_in.str());
  const auto part = deepnet::read_csv<double>(in, "data.csv", CsvOptions().rows({1, 3}));
  REQUIRE_THROWS_MATCHES(
      part.class_labels(), deepnet::DataError,
      Catch::Matchers::Message("CsvData::class_labels: labels(0, " + std::to_string(bad - 1) +
                               ") is -1, but a class label must be a whole number, 0 or more and "
                               "below 2^31 (column class, data row " +
                               std::to_string(bad) + ")"));
}
