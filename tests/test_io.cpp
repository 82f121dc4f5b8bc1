// Tests for the dataset loaders: io/idx.hpp (IDX files, plain and gzip-compressed, every type,
// and every kind of damaged file with its message) and io/csv.hpp (header or not, label column
// by name or position, CRLF, quotes, bad cells, ragged rows). Built twice when zlib is found:
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
