// Tests for npz.hpp: save_npz and load_npz round trips, the exact bytes np.savez writes, the
// errors for wrong shapes, missing keys, other dtypes, compressed entries and corrupt or
// truncated archives, and a cross-check with real NumPy (tests/npz_check.py) when
// /usr/bin/python3 (or $DEEPNET_PYTHON) can import numpy.
#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

#include <deepnet/io/npz.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#ifndef DEEPNET_NPZ_CHECK_SCRIPT
#define DEEPNET_NPZ_CHECK_SCRIPT DEEPNET_FIXTURE_DIR "/../npz_check.py"
#endif

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using deepnet::DeepNet;
using deepnet::FormatError;
using deepnet::Index;
using deepnet::Matrix;
using deepnet::ShapeError;
using deepnet::detail::get_le;
using deepnet::detail::put_le;
using deepnet_test::read_file;
using deepnet_test::write_file;
namespace npz = deepnet::detail::npz;
namespace fs = std::filesystem;

namespace {

using deepnet_test::TempDir;

using Entries = std::vector<std::pair<std::string, std::string>>;

/// Replaces the byte at `offset` of a file, in place.
void overwrite(const std::string& path, std::size_t offset, char byte) {
  std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(byte);
}

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

// np.savez(f, W1=np.array([[0.5, -1, 2], [3, 4.25, -5]], dtype),
//          b1=np.array([[0.5], [-1]], dtype)) with NumPy 1.24, for float64 and float32.
const char* const savez_double =
    "504b030414000000000000002100af3634f8b0000000b00000000600140057312e6e707901001000b0000000"
    "00000000b000000000000000934e554d5059010076007b276465736372273a20273c6638272c2027666f7274"
    "72616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d20202020202020"
    "2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020"
    "202020202020200a000000000000e03f000000000000f0bf0000000000000040000000000000084000000000"
    "0000114000000000000014c0504b030414000000000000002100444126b09000000090000000060014006231"
    "2e6e70790100100090000000000000009000000000000000934e554d5059010076007b276465736372273a20"
    "273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c20"
    "31292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020"
    "202020202020202020202020202020202020200a000000000000e03f000000000000f0bf504b010214031400"
    "0000000000002100af3634f8b0000000b000000006000000000000000000000080010000000057312e6e7079"
    "504b0102140314000000000000002100444126b090000000900000000600000000000000000000008001e800"
    "000062312e6e7079504b0506000000000200020068000000b00100000000";
const char* const savez_float =
    "504b030414000000000000002100f09b5e0198000000980000000600140057312e6e70790100100098000000"
    "000000009800000000000000934e554d5059010076007b276465736372273a20273c6634272c2027666f7274"
    "72616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d20202020202020"
    "2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020"
    "202020202020200a0000003f000080bf0000004000004040000088400000a0c0504b03041400000000000000"
    "2100b4998a1488000000880000000600140062312e6e70790100100088000000000000008800000000000000"
    "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a20"
    "46616c73652c20277368617065273a2028322c2031292c207d20202020202020202020202020202020202020"
    "2020202020202020202020202020202020202020202020202020202020202020202020202020200a0000003f"
    "000080bf504b0102140314000000000000002100f09b5e019800000098000000060000000000000000000000"
    "80010000000057312e6e7079504b0102140314000000000000002100b4998a14880000008800000006000000"
    "00000000000000008001d000000062312e6e7079504b0506000000000200020068000000900100000000";

/// A ZIP archive of stored entries, written by deepnet's writer.
std::string archive_of(const Entries& entries) {
  std::string out;
  npz::ArchiveWriter zip(out, "test");
  for (const auto& entry : entries)
    zip.add(entry.first, entry.second);
  zip.finish();
  return out;
}

/// The entries save_npz writes for a network: "W1.npy" and its .npy bytes, ...
template <class Scalar>
Entries entries_of(const DeepNet<Scalar>& net) {
  Entries entries;
  for (Index l = 1; l <= net.L(); ++l) {
    const auto& layer = net.layer(l);
    const std::string n = std::to_string(l);
    entries.emplace_back("W" + n + ".npy", npz::npy_of(layer.W()));
    if (layer.has_batch_norm()) {
      const auto& norm = layer.batch_norm();
      entries.emplace_back("gamma" + n + ".npy", npz::npy_of(norm.gamma()));
      entries.emplace_back("beta" + n + ".npy", npz::npy_of(norm.beta()));
      entries.emplace_back("running_mean" + n + ".npy", npz::npy_of(norm.running_mean()));
      entries.emplace_back("running_var" + n + ".npy", npz::npy_of(norm.running_var()));
    } else {
      entries.emplace_back("b" + n + ".npy", npz::npy_of(layer.b()));
    }
  }
  return entries;
}

std::string& entry(Entries& entries, const std::string& name) {
  for (auto& e : entries) {
    if (e.first == name) return e.second;
  }
  throw std::logic_error("no entry " + name);
}

/// An .npy array of doubles or floats with the given layout; values in memory order.
template <class T>
std::string npy(const std::string& descr, bool fortran_order, std::vector<std::uint64_t> shape,
                const std::vector<T>& values) {
  std::string bytes = npz::npy_header(descr, fortran_order, shape);
  for (T value : values)
    deepnet::detail::put_scalar<T>(bytes, value);
  return bytes;
}

/// {4, 5, 3, 1} with He weights, and b (or gamma, beta and the running statistics) set to
/// values that are not 0 or 1, so that every parameter is worth checking.
template <class Scalar>
DeepNet<Scalar> example_net(bool batch_norm) {
  DeepNet<Scalar> net({4, 5, 3, 1});
  if (batch_norm) {
    net.set_batch_norm(1);
    net.set_batch_norm(2);
  }
  net.initialize(deepnet::Init::He, 7);
  for (Index l = 1; l <= net.L(); ++l) {
    auto& layer = net.layer(l);
    for (Index i = 0; i < layer.units(); ++i) {
      const double x = static_cast<double>(10 * l + i);
      layer.b()(i) = static_cast<Scalar>(std::sin(x) / 3);
      if (!layer.has_batch_norm()) continue;
      layer.b()(i) = 0;
      auto& norm = layer.batch_norm();
      norm.gamma()(i) = static_cast<Scalar>(1 + std::cos(x) / 4);
      norm.beta()(i) = static_cast<Scalar>(std::sin(2 * x) / 5);
      norm.running_mean()(i) = static_cast<Scalar>(std::cos(3 * x) / 2);
      norm.running_var()(i) = static_cast<Scalar>(0.5 + std::sin(x) * std::sin(x));
    }
  }
  return net;
}

template <class Scalar>
Matrix<Scalar> example_X() {
  Matrix<Scalar> X(4, 6);
  for (Index j = 0; j < X.cols(); ++j) {
    for (Index i = 0; i < X.rows(); ++i)
      X(i, j) = static_cast<Scalar>(std::sin(static_cast<double>(1 + i + 4 * j)));
  }
  return X;
}

/// Every parameter of `actual` has the bits of `expected`'s.
template <class Scalar>
void check_same_parameters(const DeepNet<Scalar>& actual, const DeepNet<Scalar>& expected) {
  for (Index l = 1; l <= expected.L(); ++l) {
    CAPTURE(l);
    const auto& a = actual.layer(l);
    const auto& e = expected.layer(l);
    CHECK(a.W() == e.W());
    CHECK(a.b() == e.b());
    REQUIRE(a.has_batch_norm() == e.has_batch_norm());
    if (!e.has_batch_norm()) continue;
    CHECK(a.batch_norm().gamma() == e.batch_norm().gamma());
    CHECK(a.batch_norm().beta() == e.batch_norm().beta());
    CHECK(a.batch_norm().running_mean() == e.batch_norm().running_mean());
    CHECK(a.batch_norm().running_var() == e.batch_norm().running_var());
  }
}

/// What load_npz threw, as text ("" if nothing), rethrowing anything but FormatError/ShapeError.
template <class Scalar>
std::string load_error(DeepNet<Scalar>& net, const std::string& path) {
  try {
    deepnet::load_npz(net, path);
  } catch (const FormatError& e) {
    return e.what();
  } catch (const ShapeError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("crc32: the CRC-32 of ZIP, with its check value, and continued over pieces",
          "[npz][crc32]") {
  using deepnet::detail::crc32;
  CHECK(crc32("123456789", 9) == 0xCBF43926u);
  CHECK(crc32("", 0) == 0u);
  CHECK(crc32("The quick brown fox jumps over the lazy dog", 43) == 0x414FA339u);
  CHECK(crc32("56789", 5, crc32("1234", 4)) == 0xCBF43926u);
}

TEST_CASE("npz_keys: W1, b1, ..., WL, bL, then gamma, beta and running statistics with batch norm",
          "[npz]") {
  DeepNet<double> net({4, 5, 3, 1});
  CHECK(deepnet::npz_keys(net) == std::vector<std::string>{"W1", "b1", "W2", "b2", "W3", "b3"});
  net.set_batch_norm(2);
  CHECK(deepnet::npz_keys(net) == std::vector<std::string>{"W1", "b1", "W2", "gamma2", "beta2",
                                                           "running_mean2", "running_var2", "W3",
                                                           "b3"});
}

TEMPLATE_TEST_CASE("save_npz then load_npz gives back every parameter bit for bit",
                   "[npz][round_trip]", float, double) {
  const bool batch_norm = GENERATE(false, true);
  CAPTURE(batch_norm);
  TempDir dir;
  const DeepNet<TestType> saved = example_net<TestType>(batch_norm);
  deepnet::save_npz(saved, dir / "weights.npz");

  DeepNet<TestType> loaded({4, 5, 3, 1});
  if (batch_norm) {
    loaded.set_batch_norm(1);
    loaded.set_batch_norm(2);
  }
  deepnet::load_npz(loaded, dir / "weights.npz");
  check_same_parameters(loaded, saved);
  const Matrix<TestType> X = example_X<TestType>();
  CHECK(loaded.predict(X) == saved.predict(X));

  // Saving the loaded network writes the same bytes again.
  deepnet::save_npz(loaded, dir / "again.npz");
  CHECK(read_file(dir / "again.npz") == read_file(dir / "weights.npz"));
}

TEMPLATE_TEST_CASE("save_npz writes the bytes np.savez writes", "[npz][format]", float, double) {
  const std::string expected =
      from_hex(std::is_same<TestType, double>::value ? savez_double : savez_float);
  TempDir dir;
  DeepNet<TestType> net({3, 2});
  net.layer(1).W() << TestType(0.5), -1, 2, 3, TestType(4.25), -5;
  net.layer(1).b() << TestType(0.5), -1;
  deepnet::save_npz(net, dir / "weights.npz");
  CHECK(read_file(dir / "weights.npz") == expected);
}

TEST_CASE("npy_header: the header NumPy writes, padded to 64 bytes, for 1-D, 0-D, Fortran order",
          "[npz][format]") {
  // numpy.lib.format._write_array_header(f, d, (1, 0)) with NumPy 1.24
  const std::string prefix("\x93NUMPY\x01\x00v\x00", 10);  // 'v': 118 header bytes follow
  CHECK(npz::npy_header("<f8", true, {7}) ==
        prefix + "{'descr': '<f8', 'fortran_order': True, 'shape': (7,), }" + std::string(61, ' ') +
            "\n");
  CHECK(npz::npy_header("<f4", false, {}) ==
        prefix + "{'descr': '<f4', 'fortran_order': False, 'shape': (), }" + std::string(62, ' ') +
            "\n");
  // When magic, length, text and '\n' already fill 64 bytes, NumPy still adds 64 spaces.
  CHECK(npz::npy_header("x", false, {}) ==
        prefix + "{'descr': 'x', 'fortran_order': False, 'shape': (), }" + std::string(64, ' ') +
            "\n");
}

TEST_CASE("save_npz replaces a file whole and leaves no temporary file behind", "[npz][save]") {
  TempDir dir;
  write_file(dir / "weights.npz", "an older file");
  const DeepNet<double> net = example_net<double>(false);
  deepnet::save_npz(net, dir / "weights.npz");
  DeepNet<double> loaded({4, 5, 3, 1});
  deepnet::load_npz(loaded, dir / "weights.npz");
  check_same_parameters(loaded, net);
  CHECK(dir.entries() == std::vector<std::string>{"weights.npz"});
}

TEST_CASE("save_npz: a directory that does not exist is a system_error, nothing is created",
          "[npz][save][errors]") {
  TempDir dir;
  const DeepNet<double> net = example_net<double>(false);
  const std::string path = dir / "missing/weights.npz";
  try {
    deepnet::save_npz(net, path);
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::no_such_file_or_directory);
    CHECK_THAT(e.what(), StartsWith("deepnet::save_npz: cannot save " + path +
                                    ": cannot create the temporary file " + path + ".tmp-"));
  }
  CHECK(dir.entries().empty());
}

TEST_CASE("save_npz: a parameter that lost its shape is a ShapeError", "[npz][save][errors]") {
  TempDir dir;
  DeepNet<double> net({4, 5, 3, 1});
  net.layer(2).W().resize(5, 3);
  REQUIRE_THROWS_AS(deepnet::save_npz(net, dir / "weights.npz"), ShapeError);
  REQUIRE_THROWS_WITH(deepnet::save_npz(net, dir / "weights.npz"),
                      "save_npz: layer 2: W is 5x3, expected 3x5 (n[2] x n[1])");
  net = DeepNet<double>({4, 5, 3, 1});
  net.set_batch_norm(1);
  net.layer(1).batch_norm().running_var().resize(4);
  REQUIRE_THROWS_WITH(deepnet::save_npz(net, dir / "weights.npz"),
                      "save_npz: layer 1: running_var is 4x1, expected 5x1 (n[1] x 1)");
  CHECK(dir.entries().empty());
}

TEST_CASE("load_npz: an array of another shape names the key, both shapes and n[l]",
          "[npz][load][errors]") {
  TempDir dir;
  const std::string path = dir / "weights.npz";
  deepnet::save_npz(example_net<double>(false), path);

  DeepNet<double> wider({4, 7, 3, 1});
  const DeepNet<double> before = wider;
  REQUIRE_THROWS_AS(deepnet::load_npz(wider, path), ShapeError);
  CHECK(load_error(wider, path) == path + ": W1 is 5x4, expected 7x4 (n[1] x n[0])");
  check_same_parameters(wider, before);  // nothing changed

  DeepNet<double> other({4, 5, 7, 1});
  CHECK(load_error(other, path) == path + ": W2 is 3x5, expected 7x5 (n[2] x n[1])");
  try {
    deepnet::load_npz(other, path);
  } catch (const ShapeError& e) {
    CHECK(e.layer() == 2);
    CHECK(e.symbol() == "W2");
    CHECK(e.rows() == 3);
    CHECK(e.expected_rows() == 7);
  }

  DeepNet<double> net({4, 5, 3, 1});
  Entries entries = entries_of(example_net<double>(false));
  entry(entries, "b1.npy") = npy<double>("<f8", false, {1, 5}, {1, 2, 3, 4, 5});
  write_file(path, archive_of(entries));
  CHECK(load_error(net, path) == path + ": b1 is 1x5, expected 5x1 (n[1] x 1)");

  entry(entries, "b1.npy") = npy<double>("<f8", false, {4}, {1, 2, 3, 4});
  write_file(path, archive_of(entries));
  CHECK(load_error(net, path) == path + ": b1 is 4x1, expected 5x1 (n[1] x 1)");

  entries = entries_of(example_net<double>(false));
  entry(entries, "W1.npy") = npy<double>("<f8", false, {20}, std::vector<double>(20, 1.0));
  write_file(path, archive_of(entries));
  CHECK(load_error(net, path) ==
        path + ": W1.npy at byte 56: W1 has shape (20,), expected a 2-D array 5x4 (n[1] x n[0])");

  entry(entries, "W1.npy") = npy<double>("<f8", false, {1, 5, 4}, std::vector<double>(20, 1.0));
  write_file(path, archive_of(entries));
  CHECK_THAT(load_error(net, path), Contains("W1 has shape (1, 5, 4), expected a 2-D array 5x4"));
}

TEST_CASE("load_npz: a missing array is named, with what the archive holds and a hint",
          "[npz][load][errors]") {
  TempDir dir;
  const std::string path = dir / "weights.npz";

  Entries entries = entries_of(example_net<double>(false));
  entries.erase(entries.begin() + 3);  // b2
  write_file(path, archive_of(entries));
  DeepNet<double> net({4, 5, 3, 1});
  REQUIRE_THROWS_AS(deepnet::load_npz(net, path), FormatError);
  CHECK(load_error(net, path) == path +
                                     ": b2.npy: no array b2 (b[2], n[2] x 1 = 3x1) in the "
                                     "archive. The archive holds: W1, b1, W2, W3, b3");

  // Saved with batch normalisation on layers 1 and 2, loaded without, and the other way round.
  deepnet::save_npz(example_net<double>(true), path);
  CHECK(load_error(net, path) ==
        path +
            ": b1.npy: no array b1 (b[1], n[1] x 1 = 5x1) in the archive; the archive has gamma1: "
            "it was saved from a network with batch normalisation on layer 1 (call "
            "set_batch_norm(1) before load_npz). The archive holds: W1, gamma1, beta1, "
            "running_mean1, running_var1, W2, gamma2, beta2, running_mean2, running_var2, W3, b3");
  deepnet::save_npz(example_net<double>(false), path);
  net.set_batch_norm(3);
  CHECK_THAT(
      load_error(net, path),
      StartsWith(path + ": gamma3.npy: no array gamma3 (gamma[3], n[3] x 1 = 1x1) in the archive; "
                        "the archive has b3: it was saved from a network without batch "
                        "normalisation on layer 3. "));

  // Saved from a shallower network.
  deepnet::save_npz(DeepNet<double>({4, 5, 3}), path);
  DeepNet<double> deeper({4, 5, 3, 1});
  CHECK_THAT(
      load_error(deeper, path),
      StartsWith(path + ": W3.npy: no array W3 (W[3], n[3] x n[2] = 1x3) in the archive; "
                        "the archive's last W is W2: it was saved from a network with L = 2, "
                        "this one has L = 3."));

  // An empty archive.
  write_file(path, archive_of({}));
  CHECK(load_error(deeper, path) ==
        path +
            ": W1.npy: no array W1 (W[1], n[1] x n[0] = 5x4) in the archive. The archive "
            "holds: no arrays");
}

TEST_CASE("load_npz: a parameter of another architecture is an error, other arrays are ignored",
          "[npz][load]") {
  TempDir dir;
  const std::string path = dir / "weights.npz";
  const DeepNet<double> saved = example_net<double>(false);

  // Saved from a deeper network: W4 and b4 do not belong to this one.
  DeepNet<double> deeper({4, 5, 3, 1, 2});
  for (Index l = 1; l <= 3; ++l)
    deeper.layer(l).assign_parameters(saved.layer(l));
  deepnet::save_npz(deeper, path);
  DeepNet<double> net({4, 5, 3, 1});
  CHECK(load_error(net, path) ==
        path + ": W4.npy at byte " + std::to_string(read_file(path).find("W4.npy") - 30) +
            ": unexpected array W4: this network has L = 3 (layer_dims {4, 5, 3, 1}): the "
            "archive was saved from another architecture. Arrays named otherwise, such as X or "
            "Y, are ignored");

  // gamma2 next to b2, for a layer without batch normalisation.
  Entries entries = entries_of(saved);
  entries.emplace_back("gamma2.npy", npy<double>("<f8", false, {3, 1}, {1, 1, 1}));
  write_file(path, archive_of(entries));
  CHECK_THAT(load_error(net, path),
             Contains("unexpected array gamma2: layer 2 of this network has no batch "
                      "normalisation (call set_batch_norm(2) before load_npz to read it)"));

  // Arrays with other names, of any dtype, and entries that are not .npy files are ignored.
  entries = entries_of(saved);
  entries.emplace_back("X.npy", npz::npy_header("<i8", false, {2}) + std::string(16, '\1'));
  entries.emplace_back("W0.npy", "not even an array");
  entries.emplace_back("W1", "not an .npy entry");
  entries.emplace_back("notes.txt", "trained for 2500 iterations");
  entries.emplace_back("layer_dims.npy", "\x93NUMPY compressed? no: ignored");
  write_file(path, archive_of(entries));
  CHECK(load_error(net, path).empty());
  check_same_parameters(net, saved);
}

TEMPLATE_TEST_CASE("load_npz reads float64 and float32, C and Fortran order, vectors 1-D or 2-D",
                   "[npz][load]", float, double) {
  TempDir dir;
  const std::string path = dir / "weights.npz";
  DeepNet<TestType> net({3, 2, 1});
  // W1 = [[1, 2, 3], [4, 5, 6]] in Fortran order, float32; b1 as float64 (2,), and a float64
  // value that float must round.
  const double third = 1.0 / 3.0;
  Entries entries{
      {"W1.npy", npy<float>("<f4", true, {2, 3}, {1, 4, 2, 5, 3, 6})},
      {"b1.npy", npy<double>("<f8", false, {2}, {third, -2})},
      {"W2.npy", npy<double>("<f8", true, {1, 2}, {7, 8})},
      {"b2.npy", npy<float>("<f4", false, {1, 1}, {0.25f})},
  };
  // b2 in .npy format 2.0, whose header length has 4 bytes (NumPy uses it for huge headers).
  std::string& b2 = entries.back().second;
  std::string version_2 = "\x93NUMPY\x02";
  version_2 += '\0';
  put_le(version_2, b2.size() - 10 - 4, 4);
  b2 = version_2 + b2.substr(10);
  write_file(path, archive_of(entries));
  deepnet::load_npz(net, path);
  Matrix<TestType> W1(2, 3);
  W1 << 1, 2, 3, 4, 5, 6;
  CHECK(net.layer(1).W() == W1);
  CHECK(net.layer(1).b()(0) == static_cast<TestType>(third));
  CHECK(net.layer(1).b()(1) == -2);
  CHECK(net.layer(2).W()(0, 0) == 7);
  CHECK(net.layer(2).W()(0, 1) == 8);
  CHECK(net.layer(2).b()(0) == TestType(0.25));
}

TEST_CASE("load_npz: other dtypes are refused, naming the dtype", "[npz][load][errors]") {
  TempDir dir;
  const std::string path = dir / "weights.npz";
  DeepNet<double> net({4, 5, 3, 1});
  const std::string descr = GENERATE(as<std::string>(), "<i8", ">f8", "<f2", "|u1", "<c16", "O");
  CAPTURE(descr);
  Entries entries = entries_of(example_net<double>(false));
  entry(entries, "W2.npy") = npz::npy_header(descr, false, {3, 5}) + std::string(15 * 8, '\0');
  const std::string bytes = archive_of(entries);
  write_file(path, bytes);
  const std::size_t offset = bytes.find("\x93NUMPY", bytes.find("W2.npy"));
  CHECK(load_error(net, path) == path + ": W2.npy at byte " + std::to_string(offset) +
                                     ": W2 has dtype '" + descr +
                                     "'; deepnet reads float64 ('<f8') and float32 ('<f4') "
                                     "arrays: convert it with W2.astype(np.float64)");
  try {
    deepnet::load_npz(net, path);
  } catch (const FormatError& e) {
    CHECK(e.path() == path);
    CHECK(e.field() == "W2.npy");
    CHECK(e.offset() == static_cast<std::int64_t>(offset));
  }
}

TEST_CASE("load_npz: a structured dtype is refused", "[npz][load][errors]") {
  TempDir dir;
  const std::string path = dir / "weights.npz";
  Entries entries = entries_of(example_net<double>(false));
  std::string header = "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (5, 4), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::string array = "\x93NUMPY\x01";
  array += '\0';
  put_le(array, header.size(), 2);
  entry(entries, "W1.npy") = array + header + std::string(160, '\0');
  write_file(path, archive_of(entries));
  DeepNet<double> net({4, 5, 3, 1});
  CHECK_THAT(load_error(net, path),
             Contains("W1.npy at byte 76: W1 has a structured dtype (a list of fields); deepnet "
                      "reads float64 ('<f8') and float32 ('<f4') arrays"));
}

TEST_CASE("load_npz: compressed entries (np.savez_compressed) are refused: use np.savez",
          "[npz][load][errors]") {
  TempDir dir;
  const std::string path = dir / "weights.npz";
  std::string bytes = archive_of(entries_of(example_net<double>(false)));
  // The compression method of every entry, in its local header (byte 8) and its central
  // directory header (byte 10), becomes 8 (deflate) or 12 (bzip2).
  const std::uint16_t method = GENERATE(as<std::uint16_t>(), 8, 12);
  const std::size_t directory = get_le(bytes, bytes.size() - 6, 4);
  std::size_t first_central = 0;
  for (std::size_t i = 0; i + 4 <= bytes.size(); ++i) {
    const std::uint64_t signature = get_le(bytes, i, 4);
    if (signature == npz::local_header_signature) bytes[i + 8] = static_cast<char>(method);
    if (signature == npz::central_header_signature) {
      if (first_central == 0) first_central = i;
      bytes[i + 10] = static_cast<char>(method);
    }
  }
  REQUIRE(first_central == directory);
  write_file(path, bytes);
  DeepNet<double> net({4, 5, 3, 1});
  REQUIRE_THROWS_AS(deepnet::load_npz(net, path), FormatError);
  if (method == 8) {
    CHECK(load_error(net, path) ==
          path + ": W1.npy at byte " + std::to_string(directory) +
              ": the entry is compressed (deflate, as np.savez_compressed writes); deepnet reads "
              "uncompressed archives only: save them with np.savez");
  } else {
    CHECK(load_error(net, path) ==
          path + ": W1.npy at byte " + std::to_string(directory) +
              ": the entry uses compression method 12; deepnet reads uncompressed (stored) "
              "entries only: save them with np.savez");
  }
}

TEST_CASE("load_npz: NaN, infinity, float overflow and negative variances are refused",
          "[npz][load][errors]") {
  TempDir dir;
  const std::string path = dir / "weights.npz";
  DeepNet<float> net({3, 2, 1});
  net.set_batch_norm(1);
  Entries good{
      {"W1.npy", npy<double>("<f8", false, {2, 3}, {1, 2, 3, 4, 5, 6})},
      {"gamma1.npy", npy<double>("<f8", false, {2, 1}, {1, 1})},
      {"beta1.npy", npy<double>("<f8", false, {2, 1}, {0, 0})},
      {"running_mean1.npy", npy<double>("<f8", false, {2, 1}, {0, 0})},
      {"running_var1.npy", npy<double>("<f8", false, {2, 1}, {1, 1})},
      {"W2.npy", npy<double>("<f8", false, {1, 2}, {1, 2})},
      {"b2.npy", npy<double>("<f8", false, {1, 1}, {0})},
  };
  const DeepNet<float> before = net;

  Entries entries = good;
  entry(entries, "W1.npy") = npy<double>("<f8", false, {2, 3}, {1, 2, 3, 4, NAN, 6});
  std::string bytes = archive_of(entries);
  write_file(path, bytes);
  const std::size_t W1_data = bytes.find("\x93NUMPY") + 128;
  CHECK(load_error(net, path) == path + ": W1.npy at byte " + std::to_string(W1_data + 4 * 8) +
                                     ": W1(1, 1) is nan; parameters must be finite numbers");

  entry(entries, "W1.npy") = npy<double>("<f8", true, {2, 3}, {1, 2, 3, 4, 5, -INFINITY});
  write_file(path, archive_of(entries));
  CHECK_THAT(load_error(net, path), Contains(": W1(1, 2) is -inf; parameters must be finite"));

  entry(entries, "W1.npy") = npy<double>("<f8", false, {2, 3}, {1, 2, 1e300, 4, 5, 6});
  write_file(path, archive_of(entries));
  CHECK_THAT(load_error(net, path), Contains(": W1(0, 2) is 1e+300, too large for float"));

  entries = good;
  entry(entries, "running_var1.npy") = npy<double>("<f8", false, {2, 1}, {1, -0.5});
  write_file(path, archive_of(entries));
  CHECK_THAT(load_error(net, path),
             Contains(": running_var1(1, 0) is -0.5; a variance cannot be negative"));
  check_same_parameters(net, before);

  write_file(path, archive_of(good));
  CHECK(load_error(net, path).empty());
}

TEST_CASE("load_npz: a truncated archive is a FormatError at every length, never a crash",
          "[npz][load][corrupt]") {
  TempDir dir;
  const std::string path = dir / "weights.npz";
  const DeepNet<double> saved = example_net<double>(true);
  deepnet::save_npz(saved, path);
  const std::string bytes = read_file(path);
  DeepNet<double> net({4, 5, 3, 1});
  net.set_batch_norm(1);
  net.set_batch_norm(2);
  const DeepNet<double> before = net;
  // Shrinking the file in place, from the longest cut down to nothing (rewriting a file
  // thousands of times is slow on some file systems).
  for (std::size_t length = bytes.size(); length-- > 0;) {
    CAPTURE(length);
    fs::resize_file(path, length);
    REQUIRE_THROWS_AS(deepnet::load_npz(net, path), FormatError);
  }
  check_same_parameters(net, before);

  write_file(path, bytes.substr(0, 21));
  CHECK(load_error(net, path) ==
        path +
            ": the file has 21 bytes, fewer than the 22 of an empty ZIP archive: not an .npz "
            "archive, or a truncated one");
  write_file(path, bytes.substr(0, bytes.size() - 1));
  CHECK(load_error(net, path) ==
        path + ": no end-of-central-directory record (signature 0x06054b50) in the last " +
            std::to_string(bytes.size() - 1) + " bytes: not a ZIP archive, or a truncated one");

  write_file(path, bytes);
  CHECK(load_error(net, path).empty());
  check_same_parameters(net, saved);
}

TEST_CASE("load_npz: any corrupted byte gives an error or the same parameters, never a crash",
          "[npz][load][corrupt]") {
  TempDir dir;
  const std::string path = dir / "weights.npz";
  const DeepNet<double> saved = example_net<double>(true);
  deepnet::save_npz(saved, path);
  const std::string bytes = read_file(path);
  std::size_t loaded = 0;
  for (const unsigned mask : {0xFFu, 0x01u, 0x80u}) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      CAPTURE(i, mask);
      overwrite(path, i, static_cast<char>(static_cast<unsigned char>(bytes[i]) ^ mask));
      DeepNet<double> net({4, 5, 3, 1});
      net.set_batch_norm(1);
      net.set_batch_norm(2);
      if (load_error(net, path).empty()) {
        // Only fields the reader does not use (versions, dates, attributes, extra fields) can
        // change without an error, and then nothing else has changed.
        check_same_parameters(net, saved);
        ++loaded;
      }
      overwrite(path, i, bytes[i]);
    }
  }
  CHECK(loaded < bytes.size());
}

TEST_CASE("load_npz: corrupt structures are named with the file, the entry and the byte",
          "[npz][load][corrupt]") {
  TempDir dir;
  const std::string path = dir / "weights.npz";
  const std::string bytes = archive_of(entries_of(example_net<double>(false)));
  const std::size_t directory = get_le(bytes, bytes.size() - 6, 4);
  const std::size_t end = bytes.size() - 22;
  DeepNet<double> net({4, 5, 3, 1});

  SECTION("a changed value: the CRC-32 does not match") {
    std::string corrupt = bytes;
    corrupt[56 + 128] ^= 1;  // the first value of W1 (its .npy starts at byte 56)
    write_file(path, corrupt);
    const std::string message = load_error(net, path);
    CHECK_THAT(message, StartsWith(path + ": W1.npy at byte 56: the data have CRC-32 0x"));
    CHECK_THAT(message, Contains(", the central directory says 0x"));
  }
  SECTION("a local header offset beyond the end of the file") {
    std::string corrupt = bytes;
    corrupt[directory + 42 + 3] = '\x7f';
    write_file(path, corrupt);
    CHECK(load_error(net, path) ==
          path + ": W1.npy at byte " + std::to_string(0x7f000000) +
              ": the local header of the entry (30 bytes) runs past the end of the file (" +
              std::to_string(bytes.size()) + " bytes): the archive is truncated or corrupt");
  }
  SECTION("a local header offset to the wrong place") {
    std::string corrupt = bytes;
    corrupt[directory + 42] = 5;
    write_file(path, corrupt);
    CHECK_THAT(load_error(net, path),
               StartsWith(path + ": W1.npy at byte 5: no local header here (signature 0x"));
  }
  SECTION("an entry larger than the file") {
    std::string corrupt = bytes;
    for (const std::size_t field : {20, 24})
      corrupt[directory + field + 3] = '\x10';
    write_file(path, corrupt);
    CHECK(load_error(net, path) ==
          path + ": W1.npy at byte 56: the entry's " + std::to_string((1u << 28) + 128 + 20 * 8) +
              " bytes run past the start of the central directory at byte " +
              std::to_string(directory) + ": the archive is corrupt");
  }
  SECTION("more entries than the central directory can hold") {
    std::string corrupt = bytes;
    corrupt[end + 8] = corrupt[end + 9] = corrupt[end + 10] = corrupt[end + 11] = '\xff';
    write_file(path, corrupt);
    CHECK(load_error(net, path) == path + ": at byte " + std::to_string(end) +
                                       ": the central directory has " +
                                       std::to_string(end - directory) +
                                       " bytes, too few for 65535 entries: the archive is corrupt");
  }
  SECTION("a central directory that starts after its end") {
    std::string corrupt = bytes;
    corrupt[end + 19] = '\x01';
    write_file(path, corrupt);
    CHECK_THAT(load_error(net, path),
               StartsWith(path + ": at byte " + std::to_string(end) + ": the central directory ("));
  }
  SECTION("a name that runs past the central directory") {
    std::string corrupt = bytes;
    corrupt[directory + 29] = '\xff';
    write_file(path, corrupt);
    CHECK(load_error(net, path) ==
          path + ": at byte " + std::to_string(directory) +
              ": a name, extra field or comment runs past the end of the central directory: the "
              "archive is corrupt");
  }
  SECTION("a bad .npy header") {
    Entries entries = entries_of(example_net<double>(false));
    std::string& W1 = entry(entries, "W1.npy");
    W1.replace(W1.find("'shape': (5, 4)"), 15, "'shape': (5; 4)");
    write_file(path, archive_of(entries));
    CHECK(load_error(net, path) == path + ": W1.npy at byte " + std::to_string(56 + 10 + 52) +
                                       ": the .npy header's shape is not a tuple of sizes");
    W1 = "\x93NUMPY\x04" + W1.substr(7);
    write_file(path, archive_of(entries));
    CHECK(load_error(net, path) ==
          path +
              ": W1.npy at byte 62: .npy format version 4.0 is unknown (deepnet reads 1.0, "
              "2.0 and 3.0)");
    W1 = "not an array";
    write_file(path, archive_of(entries));
    CHECK_THAT(load_error(net, path), Contains("W1.npy at byte 56: not an .npy array"));
  }
  SECTION("the same entry twice") {
    Entries entries = entries_of(example_net<double>(false));
    entries.push_back(entries.front());
    const std::string twice = archive_of(entries);
    const std::size_t start = get_le(twice, twice.size() - 6, 4);
    write_file(path, twice);
    // Six central directory headers of 46 bytes and a 6-byte name come before the seventh.
    CHECK(load_error(net, path) == path + ": W1.npy at byte " + std::to_string(start + 6 * 52) +
                                       ": the archive holds this entry twice (first at byte " +
                                       std::to_string(start) + "); which one is meant is unclear");
  }
  SECTION("files that are not archives") {
    write_file(path, "");
    CHECK_THAT(load_error(net, path), Contains("the file has 0 bytes"));
    write_file(path, std::string(1000, 'x'));
    CHECK_THAT(load_error(net, path), Contains("no end-of-central-directory record"));
    CHECK(load_error(net, dir / "missing.npz") ==
          (dir / "missing.npz") + ": cannot open the archive: No such file or directory");
    CHECK(load_error(net, dir.path().string()) ==
          dir.path().string() + ": is a directory, not an .npz archive");
  }
}

TEST_CASE("load_npz reads ZIP64 archives (sizes and offsets in extra fields, ZIP64 end record)",
          "[npz][load]") {
  // The layout np.savez would use past 4 GiB, on a small archive.
  const DeepNet<double> saved = example_net<double>(false);
  std::string archive, directory;
  for (const auto& e : entries_of(saved)) {
    const std::uint64_t offset = archive.size();
    put_le(archive, npz::local_header_signature, 4);
    put_le(archive, 45, 2);
    put_le(archive, 0, 8);  // flags, method, time, date
    put_le(archive, deepnet::detail::crc32(e.second.data(), e.second.size()), 4);
    put_le(archive, npz::max_u32, 4);
    put_le(archive, npz::max_u32, 4);
    put_le(archive, e.first.size(), 2);
    put_le(archive, 20, 2);
    archive += e.first;
    put_le(archive, 1, 2);
    put_le(archive, 16, 2);
    put_le(archive, e.second.size(), 8);
    put_le(archive, e.second.size(), 8);
    archive += e.second;

    put_le(directory, npz::central_header_signature, 4);
    put_le(directory, 0x032d, 2);
    put_le(directory, 45, 2);
    put_le(directory, 0, 8);  // flags, method, time, date
    put_le(directory, deepnet::detail::crc32(e.second.data(), e.second.size()), 4);
    put_le(directory, npz::max_u32, 4);
    put_le(directory, npz::max_u32, 4);
    put_le(directory, e.first.size(), 2);
    put_le(directory, 4 + 8 + 16 + 8, 2);  // an unknown extra field, then ZIP64's
    put_le(directory, 0, 6);               // comment length, disk, internal attributes
    put_le(directory, 0, 4);               // external attributes
    put_le(directory, npz::max_u32, 4);
    directory += e.first;
    put_le(directory, 0x5455, 2);
    put_le(directory, 4, 2);
    put_le(directory, 0, 4);
    put_le(directory, 1, 2);
    put_le(directory, 24, 2);
    put_le(directory, e.second.size(), 8);
    put_le(directory, e.second.size(), 8);
    put_le(directory, offset, 8);
  }
  const std::uint64_t directory_offset = archive.size();
  archive += directory;
  const std::uint64_t record_offset = archive.size();
  put_le(archive, npz::zip64_end_signature, 4);
  put_le(archive, 44, 8);
  put_le(archive, 45, 2);
  put_le(archive, 45, 2);
  put_le(archive, 0, 8);
  put_le(archive, 6, 8);
  put_le(archive, 6, 8);
  put_le(archive, directory.size(), 8);
  put_le(archive, directory_offset, 8);
  put_le(archive, npz::zip64_locator_signature, 4);
  put_le(archive, 0, 4);
  put_le(archive, record_offset, 8);
  put_le(archive, 1, 4);
  put_le(archive, npz::end_signature, 4);
  put_le(archive, 0, 4);
  put_le(archive, 0xFFFF, 2);
  put_le(archive, 0xFFFF, 2);
  put_le(archive, npz::max_u32, 4);
  put_le(archive, npz::max_u32, 4);
  put_le(archive, 0, 2);

  TempDir dir;
  write_file(dir / "zip64.npz", archive);
  DeepNet<double> net({4, 5, 3, 1});
  deepnet::load_npz(net, dir / "zip64.npz");
  check_same_parameters(net, saved);
}

namespace {

/// The Python interpreter for the NumPy cross-check: $DEEPNET_PYTHON, or /usr/bin/python3;
/// empty when it cannot import numpy.
std::string python_with_numpy() {
  const char* chosen = std::getenv("DEEPNET_PYTHON");
  const std::string python = chosen != nullptr ? chosen : "/usr/bin/python3";
  const std::string command = "\"" + python + "\" -c \"import numpy\" > /dev/null 2>&1";
  return std::system(command.c_str()) == 0 ? python : std::string();
}

/// `key dtype rows cols v...`, the values of M in C order with 17 significant digits.
template <class Derived>
void write_values(std::ostream& out, const std::string& key, const Eigen::MatrixBase<Derived>& M) {
  using Scalar = typename Derived::Scalar;
  out << key << (std::is_same<Scalar, float>::value ? " float32 " : " float64 ") << M.rows() << ' '
      << M.cols();
  out.precision(17);
  for (Index i = 0; i < M.rows(); ++i) {
    for (Index j = 0; j < M.cols(); ++j)
      out << ' ' << static_cast<double>(M(i, j));
  }
  out << '\n';
}

/// Runs tests/npz_check.py on an archive of `net` and reads back what np.savez wrote.
template <class Scalar>
void cross_check_with_numpy(const std::string& python, const DeepNet<Scalar>& net) {
  TempDir dir;
  deepnet::save_npz(net, dir / "weights.npz");
  {
    std::ofstream values(dir / "values.txt");
    for (Index l = 1; l <= net.L(); ++l) {
      const auto& layer = net.layer(l);
      const std::string n = std::to_string(l);
      write_values(values, "W" + n, layer.W());
      if (layer.has_batch_norm()) {
        write_values(values, "gamma" + n, layer.batch_norm().gamma());
        write_values(values, "beta" + n, layer.batch_norm().beta());
        write_values(values, "running_mean" + n, layer.batch_norm().running_mean());
        write_values(values, "running_var" + n, layer.batch_norm().running_var());
      } else {
        write_values(values, "b" + n, layer.b());
      }
    }
    const Matrix<Scalar> X = example_X<Scalar>();
    write_values(values, "X", X.template cast<double>());
    write_values(values, "AL", net.predict(X));
  }
  const std::string command = "\"" + python + "\" \"" DEEPNET_NPZ_CHECK_SCRIPT "\" \"" +
                              (dir / "weights.npz") + "\" \"" + (dir / "values.txt") + "\" \"" +
                              dir.path().string() + "\" > \"" + (dir / "output.txt") + "\" 2>&1";
  const int status = std::system(command.c_str());
  const std::string output = read_file(dir / "output.txt");
  INFO(command << "\n" << output);
  REQUIRE(status == 0);
  CHECK_THAT(output, Contains("keys, dtypes, shapes and values as written"));
  CHECK_THAT(output, Contains("forward pass: NumPy matches predict"));
  if (output.find("bytes: identical to np.savez") == std::string::npos) {
    WARN("save_npz's bytes differ from this NumPy's np.savez (np.load reads them):\n" << output);
  }

  // What np.savez wrote: W1 * 2 in float32 and Fortran order, layer 1's vectors + 1 in
  // float64, W2 in the other precision, layer 2's vectors 1-D, and arrays to ignore.
  DeepNet<Scalar> loaded = net;
  for (Index l = 1; l <= loaded.L(); ++l)
    loaded.layer(l).W().setZero();
  deepnet::load_npz(loaded, dir / "modified.npz");
  const auto& layer1 = net.layer(1);
  const auto& got1 = loaded.layer(1);
  const auto as_float = [](double value) { return static_cast<Scalar>(static_cast<float>(value)); };
  CHECK(got1.W() == layer1.W().unaryExpr([&](Scalar w) { return as_float(2.0 * w); }));
  const auto plus_one = [](Scalar v) { return static_cast<Scalar>(static_cast<double>(v) + 1.0); };
  if (layer1.has_batch_norm()) {
    CHECK(got1.batch_norm().gamma() == layer1.batch_norm().gamma().unaryExpr(plus_one));
    CHECK(got1.batch_norm().beta() == layer1.batch_norm().beta().unaryExpr(plus_one));
    CHECK(got1.batch_norm().running_mean() ==
          layer1.batch_norm().running_mean().unaryExpr(plus_one));
    CHECK(got1.batch_norm().running_var() == layer1.batch_norm().running_var().unaryExpr(plus_one));
  } else {
    CHECK(got1.b() == layer1.b().unaryExpr(plus_one));
  }
  CHECK(loaded.layer(2).W() ==
        net.layer(2).W().unaryExpr([&](Scalar w) { return as_float(static_cast<double>(w)); }));
  for (Index l = 2; l <= net.L(); ++l) {
    CAPTURE(l);
    if (l > 2) CHECK(loaded.layer(l).W() == net.layer(l).W());
    CHECK(loaded.layer(l).b() == net.layer(l).b());
    if (!net.layer(l).has_batch_norm()) continue;
    CHECK(loaded.layer(l).batch_norm().gamma() == net.layer(l).batch_norm().gamma());
    CHECK(loaded.layer(l).batch_norm().beta() == net.layer(l).batch_norm().beta());
    CHECK(loaded.layer(l).batch_norm().running_mean() == net.layer(l).batch_norm().running_mean());
    CHECK(loaded.layer(l).batch_norm().running_var() == net.layer(l).batch_norm().running_var());
  }

  // np.savez_compressed: refused, pointing to np.savez.
  REQUIRE_THROWS_AS(deepnet::load_npz(loaded, dir / "compressed.npz"), FormatError);
  REQUIRE_THROWS_WITH(deepnet::load_npz(loaded, dir / "compressed.npz"),
                      Contains("compressed (deflate, as np.savez_compressed writes)") &&
                          Contains("save them with np.savez"));
}

}  // namespace

TEST_CASE("NumPy reads what save_npz writes, and load_npz reads what np.savez writes",
          "[npz][numpy]") {
  const std::string python = python_with_numpy();
  if (python.empty()) {
    WARN("skipped: no Python with NumPy (tried $DEEPNET_PYTHON, else /usr/bin/python3)");
    SUCCEED();
    return;
  }
  SECTION("double, no batch normalisation") {
    cross_check_with_numpy(python, example_net<double>(false));
  }
  SECTION("float, batch normalisation on layers 1 and 2") {
    cross_check_with_numpy(python, example_net<float>(true));
  }
}

TEST_CASE("load_npz: a parameter that lost its shape is a ShapeError, and nothing changes",
          "[npz][load][errors]") {
  TempDir dir;
  const std::string path = dir / "weights.npz";
  deepnet::save_npz(DeepNet<double>({4, 5, 3, 1}), path);
  DeepNet<double> net({4, 5, 3, 1});
  net.layer(1).W().setConstant(0.5);
  net.layer(2).W().resize(5, 3);
  REQUIRE_THROWS_AS(deepnet::load_npz(net, path), ShapeError);
  REQUIRE_THROWS_WITH(deepnet::load_npz(net, path),
                      "load_npz: layer 2: W is 5x3, expected 3x5 (n[2] x n[1])");
  CHECK((net.layer(1).W().array() == 0.5).all());
}
