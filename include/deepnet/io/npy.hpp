/// \file io/npy.hpp
/// NumPy's `.npy` format, the arrays inside an `.npz` archive, deepnet's own code: the version
/// 1.0 header NumPy 1.24 writes (`npy_header`), a matrix as a 2-D C-order float32 or float64
/// array (`npy_of`), and the parsing of a header of versions 1.0 to 3.0 (`parse_npy_header`).
/// A header that makes no sense is a FormatError naming the archive, the entry and the byte
/// (io/zip.hpp's `fail`: an array is read as an entry of an archive).
#ifndef DEEPNET_IO_NPY_HPP
#define DEEPNET_IO_NPY_HPP

#include "../config.hpp"
#include "../detail/bytes.hpp"
#include "zip.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace deepnet {
namespace detail {
namespace npz {

// ---- .npy version 1.0 ---------------------------------------------------------------------------

/// The `.npy` header NumPy 1.24 writes for an array: the magic string "\x93NUMPY", version 1.0,
/// the header's length (2 bytes), then the dictionary
///   {'descr': '<f8', 'fortran_order': False, 'shape': (7, 3), }
/// followed by room for the first axis (last in Fortran order) to grow to 21 digits, spaces up
/// to a multiple of 64 bytes, and '\n'.
inline std::string npy_header(const std::string& descr, bool fortran_order,
                              const std::vector<std::uint64_t>& shape) {
  std::string dict = "{'descr': '" + descr +
                     "', 'fortran_order': " + (fortran_order ? "True" : "False") + ", 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ",";
  dict += "), }";
  if (!shape.empty()) {
    const std::size_t digits = std::to_string(fortran_order ? shape.back() : shape.front()).size();
    if (digits < 21) dict.append(21 - digits, ' ');
  }
  // magic (6) + version (2) + length (2) + dict + padding + '\n': a multiple of 64 (NumPy pads
  // with 64 spaces rather than none when the rest is already a multiple)
  const std::size_t padding = 64 - (10 + dict.size() + 1) % 64;
  dict.append(padding, ' ');
  dict += '\n';
  std::string header = "\x93NUMPY";
  header += '\x01';
  header += '\x00';
  put_le(header, dict.size(), 2);
  return header + dict;
}

/// A parsed `.npy` array: its dtype string, layout, shape, and where its data start.
struct NpyArray {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;
  std::size_t data_start = 0;  // in the entry's bytes
};

/// Reads the header of the `.npy` file `bytes` (the entry `entry`, whose first byte is at
/// `offset` in the archive `file`). Accepts versions 1.0, 2.0 and 3.0 of the format.
/// \throws FormatError naming the byte where the header stops making sense
inline NpyArray parse_npy_header(const std::string& bytes, const std::string& file,
                                 const std::string& entry, std::uint64_t offset) {
  const auto bad = [&](std::size_t position, const std::string& what) {
    fail(file, entry, at(offset + position), what);
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    bad(0, "not an .npy array (no \\x93NUMPY magic string at its start)");
  }
  const unsigned major = static_cast<unsigned char>(bytes[6]);
  std::size_t length_size = 2;
  if (major == 2 || major == 3) {
    length_size = 4;
  } else if (major != 1) {
    bad(6, ".npy format version " + std::to_string(major) + "." +
               std::to_string(static_cast<unsigned char>(bytes[7])) +
               " is unknown (deepnet reads 1.0, 2.0 and 3.0)");
  }
  if (bytes.size() < 8 + length_size) bad(8, "the .npy header is cut short");
  const std::uint64_t length = get_le(bytes, 8, static_cast<int>(length_size));
  const std::size_t start = 8 + length_size;
  if (length > bytes.size() - start) {
    bad(8, "the .npy header claims " + std::to_string(length) + " bytes, but the entry has " +
               std::to_string(bytes.size() - start) + " after it");
  }
  NpyArray array;
  array.data_start = start + static_cast<std::size_t>(length);
  const std::size_t end = array.data_start;

  // A Python dict literal with the keys 'descr', 'fortran_order' and 'shape'.
  std::size_t i = start;
  const auto skip_space = [&] {
    while (i < end && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r'))
      ++i;
  };
  const auto expect = [&](char c, const char* what) {
    skip_space();
    if (i >= end || bytes[i] != c) {
      bad(i, std::string("the .npy header has no ") + what + " where expected (" + c + ")");
    }
    ++i;
  };
  const auto string_literal = [&](const char* what) {
    skip_space();
    if (i >= end || (bytes[i] != '\'' && bytes[i] != '"')) {
      bad(i, std::string("the .npy header has no string where ") + what + " should be");
    }
    const char quote = bytes[i++];
    const std::size_t first = i;
    while (i < end && bytes[i] != quote)
      ++i;
    if (i >= end) bad(first, "the .npy header has an unterminated string");
    return bytes.substr(first, i++ - first);
  };
  bool has_descr = false, has_order = false, has_shape = false;
  expect('{', "dictionary");
  for (;;) {
    skip_space();
    if (i < end && bytes[i] == '}') break;
    const std::size_t key_at = i;
    const std::string key = string_literal("a key");
    expect(':', "colon after a key");
    skip_space();
    if (key == "descr" && !has_descr) {
      if (i < end && bytes[i] == '[') {
        bad(i, entry.substr(0, entry.size() - 4) +
                   " has a structured dtype (a list of fields); deepnet reads float64 ('<f8') "
                   "and float32 ('<f4') arrays");
      }
      array.descr = string_literal("the dtype");
      has_descr = true;
    } else if (key == "fortran_order" && !has_order) {
      if (bytes.compare(i, 4, "True") == 0) {
        array.fortran_order = true;
        i += 4;
      } else if (bytes.compare(i, 5, "False") == 0) {
        i += 5;
      } else {
        bad(i, "the .npy header's fortran_order is neither True nor False");
      }
      if (i > end) bad(end, "the .npy header is cut short");
      has_order = true;
    } else if (key == "shape" && !has_shape) {
      expect('(', "shape tuple");
      for (;;) {
        skip_space();
        if (i < end && bytes[i] == ')') break;
        if (i >= end || bytes[i] < '0' || bytes[i] > '9') {
          bad(i, "the .npy header's shape is not a tuple of sizes");
        }
        std::uint64_t size = 0;
        while (i < end && bytes[i] >= '0' && bytes[i] <= '9') {
          const auto digit = static_cast<std::uint64_t>(bytes[i++] - '0');
          if (size > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
            bad(i, "a size in the .npy header's shape is too large");
          }
          size = size * 10 + digit;
        }
        array.shape.push_back(size);
        if (array.shape.size() > 32) bad(i, "the .npy header's shape has over 32 dimensions");
        skip_space();
        if (i < end && bytes[i] == ',') {
          ++i;
        } else if (!(i < end && bytes[i] == ')')) {
          bad(i, "the .npy header's shape is not a tuple of sizes");
        }
      }
      ++i;  // ')'
      has_shape = true;
    } else {
      bad(key_at, "the .npy header has an unexpected or repeated key '" + key + "'");
    }
    skip_space();
    if (i < end && bytes[i] == ',') {
      ++i;
    } else if (!(i < end && bytes[i] == '}')) {
      bad(i, "the .npy header's dictionary is malformed");
    }
  }
  ++i;  // '}'
  skip_space();
  if (i != end) bad(i, "the .npy header has text after its dictionary");
  if (!has_descr || !has_order || !has_shape) {
    bad(start, std::string("the .npy header lacks the key '") +
                   (!has_descr   ? "descr"
                    : !has_order ? "fortran_order"
                                 : "shape") +
                   "'");
  }
  return array;
}

template <class Scalar>
constexpr const char* descr_of = std::is_same<Scalar, float>::value ? "<f4" : "<f8";

/// The `.npy` file of a matrix: its header (2-D, C order) and its entries row by row.
template <class Dense>
std::string npy_of(const Dense& M) {
  using Scalar = typename Dense::Scalar;
  std::string out =
      npy_header(descr_of<Scalar>, false,
                 {static_cast<std::uint64_t>(M.rows()), static_cast<std::uint64_t>(M.cols())});
  out.reserve(out.size() + static_cast<std::size_t>(M.size()) * sizeof(Scalar));
  for (Index i = 0; i < M.rows(); ++i) {
    for (Index j = 0; j < M.cols(); ++j)
      put_scalar<Scalar>(out, M(i, j));
  }
  return out;
}

}  // namespace npz
}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_NPY_HPP
