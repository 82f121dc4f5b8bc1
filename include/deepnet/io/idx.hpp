/// \file io/idx.hpp
/// Loads IDX files, the format of MNIST, Fashion-MNIST, EMNIST and their kin, plain or
/// gzip-compressed, into the layout of the notes: one column per example.
///
/// \code
///   // X: 784 x 10000 pixels 0..255, labels: 1 x 10000 class indices 0..9
///   auto [X, labels] = deepnet::load_idx_pair<float>("t10k-images-idx3-ubyte.gz",
///                                                    "t10k-labels-idx1-ubyte.gz");
/// \endcode
///
/// The format (big-endian throughout):
///
/// | bytes          | field                                                             |
/// |----------------|-------------------------------------------------------------------|
/// | 0, 1           | 0, 0                                                              |
/// | 2              | type: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64    |
/// | 3              | d, the number of dimensions                                       |
/// | 4 .. 4 + 4d    | the d sizes, u32 each, the number of items first                  |
/// | 4 + 4d ..      | the values, item after item, the last dimension varying fastest   |
///
/// MNIST images are magic 0x00000803 (u8, 3 dimensions: count x rows x columns) and labels
/// 0x00000801 (u8, 1 dimension: count). Every type is read; values keep their numbers (pixels
/// stay 0..255: see scale_to_unit in data.hpp).
///
/// A file that starts with the gzip magic bytes 1f 8b is decompressed while it is read, whatever
/// its name; this needs zlib: link the CMake target `deepnet::io` (it defines
/// DEEPNET_HAVE_ZLIB=1 and links zlib). Without it, a compressed file is a FormatError that says
/// so. Byte offsets in the messages about a compressed file count decompressed bytes.
///
/// Every problem with a file is a FormatError (errors.hpp) naming the file, the byte offset and
/// the problem. The sizes a header declares are checked against the file's size (plain files)
/// or against LoadLimits::max_bytes (compressed files, read incrementally) before anything is
/// allocated for them, so a damaged header cannot make the loader allocate what the file does
/// not hold.
///
/// The overloads that take an ItemRange (io/common.hpp) keep only some items: a block
/// `ItemRange{first, count}`, or a process's part of a data-parallel run,
/// `ItemRange::shard(rank, size)`. The whole file is checked as without a range (a file cut
/// short is the same error on every process), but only the range's items are read into memory:
/// a plain file is read from the range's first item on (a seek), a compressed one decompressed
/// to its end with the items outside the range discarded.
#ifndef DEEPNET_IO_IDX_HPP
#define DEEPNET_IO_IDX_HPP

#include "../config.hpp"
#include "../detail/file_input.hpp"
#include "../errors.hpp"
#include "common.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace deepnet {

/// The type of an IDX file's values, the third byte of its magic number.
enum class IdxType : std::uint8_t {
  U8 = 0x08,   ///< unsigned byte (MNIST)
  I8 = 0x09,   ///< signed byte
  I16 = 0x0B,  ///< 16-bit signed integer
  I32 = 0x0C,  ///< 32-bit signed integer
  F32 = 0x0D,  ///< IEEE-754 binary32
  F64 = 0x0E   ///< IEEE-754 binary64
};

/// "u8", "i8", "i16", "i32", "f32", "f64".
inline std::string to_string(IdxType type) {
  switch (type) {
    case IdxType::U8:
      return "u8";
    case IdxType::I8:
      return "i8";
    case IdxType::I16:
      return "i16";
    case IdxType::I32:
      return "i32";
    case IdxType::F32:
      return "f32";
    case IdxType::F64:
      return "f64";
  }
  return "?";
}

/// An IDX file as `load_idx` returns it.
template <class Scalar>
struct IdxArray {
  IdxType type = IdxType::U8;  ///< the type of the values in the file
  std::vector<Index> dims;     ///< the sizes in the header, the number of items first
  /// One column per item: (product of dims[1..]) x dims[0]; column j holds item j's values in
  /// the file's order (an image row after row). A one-dimensional file gives 1 x dims[0].
  Matrix<Scalar> values;
};

/// Images and their labels, as `load_idx_pair` returns them.
template <class Scalar>
struct IdxDataset {
  Matrix<Scalar> X;  ///< n[0] x m: one column per image, its pixels row after row
  Labels labels;     ///< 1 x m: the label of each image
};

namespace detail {
namespace idx {

/// The bytes of one value of `type`.
inline std::size_t size_of(IdxType type) {
  switch (type) {
    case IdxType::U8:
    case IdxType::I8:
      return 1;
    case IdxType::I16:
      return 2;
    case IdxType::I32:
    case IdxType::F32:
      return 4;
    case IdxType::F64:
      return 8;
  }
  return 1;
}

// The code that reads the file differs with and without zlib, so each variant lives in an
// inline namespace of its own: a program whose files disagree about DEEPNET_HAVE_ZLIB links
// two distinct sets of functions instead of breaking the one-definition rule.
#if DEEPNET_IO_GZIP
inline namespace gzip {
#else
inline namespace plain {
#endif

/// The bytes of an IDX file, plain or decompressed on the fly (detail/file_input.hpp).
using Input = io::FileInput;

/// What the loader expects the file to hold.
enum class Expect { Any, Images, Labels };

struct Header {
  IdxType type = IdxType::U8;
  std::vector<Index> dims;
  std::uint64_t items = 0;     // dims[0]
  std::uint64_t features = 1;  // product of dims[1..]
  std::uint64_t count = 0;     // items * features
  std::uint64_t bytes = 0;     // count * size_of(type)
  std::uint64_t data_offset = 0;

  /// "10000 x 28 x 28 u8 values"
  std::string shape() const {
    std::string text;
    for (std::size_t k = 0; k < dims.size(); ++k)
      text += (k > 0 ? " x " : "") + std::to_string(dims[k]);
    return text + " " + deepnet::to_string(type) + " values";
  }
};

inline std::string hex_magic(const unsigned char* magic) {
  static const char digits[] = "0123456789abcdef";
  std::string text = "0x";
  for (int i = 0; i < 4; ++i) {
    text += digits[magic[i] >> 4];
    text += digits[magic[i] & 0xF];
  }
  return text;
}

inline bool known_type(unsigned char code) {
  return code == 0x08 || code == 0x09 || code == 0x0B || code == 0x0C || code == 0x0D ||
         code == 0x0E;
}

/// Reads and checks the magic number and the dimensions, and checks the size they declare.
template <class T>
Header read_header(Input& in, const LoadLimits& limits, Expect expect) {
  Header h;
  unsigned char magic[4] = {0, 0, 0, 0};
  const std::size_t got = in.read(magic, 4);
  if (got == 0) {
    in.fail(0, "magic",
            "the file is empty; an IDX file starts with a 4-byte magic number such as 0x00000803");
  }
  if (got < 4) {
    in.fail(got, "magic",
            "the file ends inside the magic number: 4 bytes expected, " + std::to_string(got) +
                " found");
  }
  if (magic[0] != 0 || magic[1] != 0) {
    in.fail(0, "magic",
            "not an IDX file: the magic number is " + hex_magic(magic) +
                ", but an IDX file starts with two zero bytes, then the type and the number of "
                "dimensions (0x00000803 for MNIST images, 0x00000801 for labels)");
  }
  if (!known_type(magic[2])) {
    in.fail(2, "type",
            "unsupported data type 0x" + hex_magic(magic).substr(6, 2) + " (magic number " +
                hex_magic(magic) +
                "); IDX types are 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32, 0x0e f64");
  }
  h.type = static_cast<IdxType>(magic[2]);
  const unsigned ndims = magic[3];
  if (ndims == 0) {
    in.fail(3, "dimensions",
            "the magic number " + hex_magic(magic) +
                " declares 0 dimensions; there must be at least one, the number of items");
  }
  if (expect == Expect::Images && ndims < 2) {
    in.fail(0, "magic",
            "the magic number " + hex_magic(magic) +
                " declares 1 dimension (a label file?); images need at least 2: 0x00000803 for "
                "count x rows x columns");
  }
  if (expect == Expect::Labels && ndims != 1) {
    in.fail(0, "magic",
            "the magic number " + hex_magic(magic) + " declares " + std::to_string(ndims) +
                " dimensions (an image file?); labels have exactly 1: 0x00000801 for a count");
  }
  if (expect == Expect::Labels && (h.type == IdxType::F32 || h.type == IdxType::F64)) {
    in.fail(2, "type",
            std::string("the values are ") + deepnet::to_string(h.type) +
                ", but labels must be integers (u8, i8, i16 or i32); read the file with "
                "load_idx<double>");
  }

  unsigned char sizes[4 * 255];
  const std::size_t size_bytes = 4 * std::size_t(ndims);
  const std::size_t got_sizes = in.read(sizes, size_bytes);
  if (got_sizes < size_bytes) {
    in.fail(4 + got_sizes, "dimensions",
            "the file ends inside the header: " + std::to_string(ndims) + " sizes of 4 bytes (" +
                std::to_string(size_bytes) + " bytes) expected after the magic number, " +
                std::to_string(got_sizes) + " found");
  }
  h.data_offset = 4 + size_bytes;
  h.dims.resize(ndims);
  for (unsigned k = 0; k < ndims; ++k) {
    const unsigned char* p = sizes + 4 * k;
    h.dims[k] = static_cast<Index>((std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) |
                                   (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]));
  }

  // items * features values of size_of(type) bytes, checked step by step against the limit
  // (and against what a matrix of T can index) so that no product overflows.
  const std::uint64_t element = size_of(h.type);
  const std::uint64_t max_count = std::min<std::uint64_t>(
      limits.max_bytes() / element, static_cast<std::uint64_t>(std::numeric_limits<Index>::max()) /
                                        std::max<std::uint64_t>(sizeof(T), element));
  const bool empty = std::find(h.dims.begin(), h.dims.end(), Index(0)) != h.dims.end();
  h.items = static_cast<std::uint64_t>(h.dims[0]);
  bool too_large = false;
  std::uint64_t count = h.items;
  h.features = 1;
  for (unsigned k = 1; k < ndims; ++k) {
    const auto d = static_cast<std::uint64_t>(h.dims[k]);
    if (d != 0 && h.features > max_count / d) {
      too_large = true;
      break;
    }
    h.features *= d;
  }
  if (!too_large && !empty) {
    too_large = h.features > max_count / h.items;
  }
  if (too_large) {
    in.fail(4, "dimensions",
            "the header declares " + h.shape() + ", more than " +
                io::bytes_string(limits.max_bytes()) +
                ", the limit (LoadLimits::max_bytes), or more than this machine can index");
  }
  count = empty ? 0 : h.items * h.features;
  h.count = count;
  h.bytes = count * element;
  return h;
}

/// Converts `count` big-endian values of `type` at `in` into T.
template <class T>
void convert(IdxType type, const unsigned char* in, std::size_t count, T* out) {
  switch (type) {
    case IdxType::U8:
      for (std::size_t i = 0; i < count; ++i)
        out[i] = static_cast<T>(in[i]);
      break;
    case IdxType::I8:
      for (std::size_t i = 0; i < count; ++i)
        out[i] = static_cast<T>(static_cast<std::int8_t>(in[i]));
      break;
    case IdxType::I16:
      for (std::size_t i = 0; i < count; ++i, in += 2) {
        const auto bits = static_cast<std::uint16_t>((unsigned(in[0]) << 8) | unsigned(in[1]));
        out[i] = static_cast<T>(static_cast<std::int16_t>(bits));
      }
      break;
    case IdxType::I32:
      for (std::size_t i = 0; i < count; ++i, in += 4) {
        const std::uint32_t bits = (std::uint32_t(in[0]) << 24) | (std::uint32_t(in[1]) << 16) |
                                   (std::uint32_t(in[2]) << 8) | std::uint32_t(in[3]);
        out[i] = static_cast<T>(static_cast<std::int32_t>(bits));
      }
      break;
    case IdxType::F32:
      if constexpr (std::is_floating_point<T>::value) {
        static_assert(sizeof(float) == 4, "f32 values are read as float");
        for (std::size_t i = 0; i < count; ++i, in += 4) {
          const std::uint32_t bits = (std::uint32_t(in[0]) << 24) | (std::uint32_t(in[1]) << 16) |
                                     (std::uint32_t(in[2]) << 8) | std::uint32_t(in[3]);
          float value = 0;
          std::memcpy(&value, &bits, sizeof value);
          out[i] = static_cast<T>(value);
        }
      }
      break;
    case IdxType::F64:
      if constexpr (std::is_floating_point<T>::value) {
        static_assert(sizeof(double) == 8, "f64 values are read as double");
        for (std::size_t i = 0; i < count; ++i, in += 8) {
          std::uint64_t bits = 0;
          for (int b = 0; b < 8; ++b)
            bits = (bits << 8) | in[b];
          double value = 0;
          std::memcpy(&value, &bits, sizeof value);
          out[i] = static_cast<T>(value);
        }
      }
      break;
  }
}

/// Reads the values of items [first, first + count) of the file (0 and h.items for all of them)
/// into a features x count matrix of T, and checks that the file holds every value `h` declares
/// and ends with them: a plain file by its size, before the matrix exists (the items before
/// `first` are skipped with a seek, those after the range not read); a compressed one by reading
/// all of its data, discarding the items outside the range.
template <class T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> read_values(Input& in, const Header& h,
                                                             std::uint64_t first,
                                                             std::uint64_t count) {
  using Result = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  DEEPNET_ASSERT(first <= h.items && count <= h.items - first, "read_values: a resolved range");
  const auto rows = static_cast<Index>(h.features);
  const auto cols = static_cast<Index>(count);
  const std::size_t element = size_of(h.type);
  const std::uint64_t item_bytes = h.features * element;
  const std::uint64_t begin = first * item_bytes;  // the range's bytes: [begin, begin + bytes)
  const std::uint64_t bytes = count * item_bytes;
  const auto truncated = [&](std::uint64_t end) {
    in.fail(end, "data",
            "the data ends after " + std::to_string(end - h.data_offset) + " of the " +
                io::bytes_string(h.bytes) + " the header declares (" + h.shape() + " from byte " +
                std::to_string(h.data_offset) + ")");
  };
  const auto trailing = [&](const std::string& extra) {
    in.fail(h.data_offset + h.bytes, "data",
            extra + " after the " + h.shape() +
                " the header declares; the header does not match the data");
  };
  // Skips the data up to byte `to` (counted from the data's start) of a compressed file.
  const auto skip_to = [&](std::uint64_t to) {
    const std::uint64_t at = in.position() - h.data_offset;
    if (in.skip(to - at) < to - at) truncated(in.position());
  };
  constexpr std::size_t chunk = std::size_t(1) << 20;  // a multiple of every value's size

  if (in.size()) {
    // A plain file: its size is known, so the header is checked before the matrix exists.
    const std::uint64_t size = *in.size();
    const std::uint64_t available = size - std::min(size, h.data_offset);
    if (h.bytes > available) truncated(size);
    if (h.bytes < available) trailing(io::bytes_string(available - h.bytes));
    Result values(rows, cols);
    if (begin > 0) in.skip(begin);
    std::vector<unsigned char> buffer(
        static_cast<std::size_t>(std::min<std::uint64_t>(bytes, chunk)));
    T* out = values.data();
    for (std::uint64_t done = 0; done < bytes;) {
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(bytes - done, chunk));
      const std::size_t got = in.read(buffer.data(), want);
      if (got < want) truncated(in.position());  // the file shrank meanwhile
      convert(h.type, buffer.data(), got / element, out);
      out += got / element;
      done += got;
    }
    return values;
  }

  // A compressed file: its size is unknown until its end, so the range's bytes are gathered as
  // they come (the vector grows with the data actually read, never to the size the header
  // claims), the rest is read and discarded, and the matrix is allocated once all is there.
  skip_to(begin);
  std::vector<unsigned char> raw;
  while (raw.size() < bytes) {
    const std::size_t old = raw.size();
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(bytes - old, chunk));
    raw.resize(old + want);
    const std::size_t got = in.read(raw.data() + old, want);
    if (got < want) truncated(in.position());
  }
  skip_to(h.bytes);
  unsigned char extra = 0;
  if (in.read(&extra, 1) != 0) trailing("more data");
  Result values(rows, cols);
  convert(h.type, raw.data(), static_cast<std::size_t>(count * h.features), values.data());
  return values;
}

/// The items of `range` in the file `h` describes, as read_values takes them.
/// \throws ConfigError naming `function`, the file, the range and the item count when the
///         range does not fit (ItemRange::resolve)
inline ItemRange resolve(const ItemRange& range, const Header& h, const std::string& path,
                         const std::string& function) {
  return range.resolve(static_cast<Index>(h.items), path, function);
}

}  // namespace gzip or plain
}  // namespace idx
}  // namespace detail

#if DEEPNET_IO_GZIP
inline namespace idx_gzip {
#else
inline namespace idx_plain {
#endif

/// True when this build reads gzip-compressed IDX files (DEEPNET_HAVE_ZLIB=1, from deepnet::io).
inline constexpr bool idx_reads_gzip = DEEPNET_IO_GZIP != 0;

/// Loads any IDX file: its type, its dimensions, and its values with one column per item.
/// \code
///   const auto file = deepnet::load_idx<float>("train-images-idx3-ubyte.gz");
///   // file.dims == {60000, 28, 28}, file.values is 784 x 60000
/// \endcode
/// \throws FormatError naming the file, the byte offset and the problem: no such file, an
///         empty file, a magic number that is not IDX, an unknown type, a header or data cut
///         short (where it ended and how many bytes were expected), data after the declared
///         values, more data than `limits` allow, a damaged gzip stream, or a compressed file
///         without zlib (link deepnet::io)
template <class Scalar = double>
IdxArray<Scalar> load_idx(const std::string& path, const LoadLimits& limits = LoadLimits()) {
  static_assert(detail::is_supported_scalar<Scalar>, "Scalar must be float or double");
  detail::idx::Input in(path);
  const detail::idx::Header header =
      detail::idx::read_header<Scalar>(in, limits, detail::idx::Expect::Any);
  IdxArray<Scalar> result;
  result.type = header.type;
  result.dims = header.dims;
  result.values = detail::idx::read_values<Scalar>(in, header, 0, header.items);
  return result;
}

/// Loads an IDX image file (MNIST's 0x00000803: count x rows x columns, or any file of two or
/// more dimensions) as n[0] x m: one column per image, its pixels row after row, as they are
/// in the file (0..255 for u8; scale them with scale_to_unit).
/// \throws FormatError as load_idx, and for a file of one dimension (a label file)
template <class Scalar = double>
Matrix<Scalar> load_idx_images(const std::string& path, const LoadLimits& limits = LoadLimits()) {
  return load_idx_images<Scalar>(path, ItemRange(), limits);
}

/// Loads the images of `range` of an IDX image file: column j is image range.first + j (a
/// process's part of the file with `ItemRange::shard(rank, size)`). The whole file is checked
/// as load_idx_images checks it (a file cut short is an error whatever the range); only the
/// range's images are read (a plain file seeks to the first; a compressed one is decompressed
/// up to it, and after it to check its end) and allocated.
/// \code
///   // process `rank` of `size`: its part of the 60000 training images, 784 x (about 60000/size)
///   const auto X = deepnet::load_idx_images<float>("train-images-idx3-ubyte.gz",
///                                                  deepnet::ItemRange::shard(rank, size));
/// \endcode
/// \throws FormatError as load_idx_images; ConfigError, once the header is read, naming the
///         file, the range and the item count when the range does not fit (ItemRange::resolve)
template <class Scalar = double>
Matrix<Scalar> load_idx_images(const std::string& path, const ItemRange& range,
                               const LoadLimits& limits = LoadLimits()) {
  static_assert(detail::is_supported_scalar<Scalar>, "Scalar must be float or double");
  detail::idx::Input in(path);
  const detail::idx::Header header =
      detail::idx::read_header<Scalar>(in, limits, detail::idx::Expect::Images);
  const ItemRange items = detail::idx::resolve(range, header, path, "load_idx_images");
  return detail::idx::read_values<Scalar>(in, header, static_cast<std::uint64_t>(items.first),
                                          static_cast<std::uint64_t>(items.count));
}

/// Loads an IDX label file (MNIST's 0x00000801: a count, then one value per item) as 1 x m:
/// Labels (Index) by default, or any arithmetic type T (`load_idx_labels<double>`). The values
/// must be integers (u8, i8, i16 or i32); for one_hot, see data.hpp.
/// \throws FormatError as load_idx, and for a file of more than one dimension (an image file)
///         or of floating-point values
template <class T = Index>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> load_idx_labels(
    const std::string& path, const LoadLimits& limits = LoadLimits()) {
  return load_idx_labels<T>(path, ItemRange(), limits);
}

/// Loads the labels of `range` of an IDX label file, 1 x count: column j is label
/// range.first + j. Checked and read as load_idx_images with a range.
/// \throws FormatError as load_idx_labels; ConfigError as load_idx_images with a range
template <class T = Index>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> load_idx_labels(
    const std::string& path, const ItemRange& range, const LoadLimits& limits = LoadLimits()) {
  static_assert(std::is_arithmetic<T>::value, "labels are numbers");
  detail::idx::Input in(path);
  const detail::idx::Header header =
      detail::idx::read_header<T>(in, limits, detail::idx::Expect::Labels);
  const ItemRange items = detail::idx::resolve(range, header, path, "load_idx_labels");
  return detail::idx::read_values<T>(in, header, static_cast<std::uint64_t>(items.first),
                                     static_cast<std::uint64_t>(items.count));
}

/// Loads an image file and its label file (load_idx_images, load_idx_labels), checking from
/// their headers, before reading their data, that they hold as many items.
/// \code
///   auto [X, labels] = deepnet::load_idx_pair<float>("train-images-idx3-ubyte.gz",
///                                                    "train-labels-idx1-ubyte.gz");
/// \endcode
/// \throws FormatError as load_idx_images and load_idx_labels, and naming the label file when
///         the counts differ
template <class Scalar = double>
IdxDataset<Scalar> load_idx_pair(const std::string& images_path, const std::string& labels_path,
                                 const LoadLimits& limits = LoadLimits()) {
  return load_idx_pair<Scalar>(images_path, labels_path, ItemRange(), limits);
}

/// Loads the images and labels of `range` of an image file and its label file: column j of X
/// and of labels is item range.first + j of both. Checked and read as load_idx_pair and
/// load_idx_images with a range; the range is checked against the image file's count once both
/// headers are read and agree.
/// \code
///   // process `rank` of `size`; concatenated over the ranks, the parts give the files in order
///   auto [X, labels] = deepnet::load_idx_pair<float>("train-images-idx3-ubyte.gz",
///                                                    "train-labels-idx1-ubyte.gz",
///                                                    deepnet::ItemRange::shard(rank, size));
/// \endcode
/// \throws FormatError as load_idx_pair; ConfigError naming the image file, the range and the
///         item count when the range does not fit (ItemRange::resolve)
template <class Scalar = double>
IdxDataset<Scalar> load_idx_pair(const std::string& images_path, const std::string& labels_path,
                                 const ItemRange& range, const LoadLimits& limits = LoadLimits()) {
  static_assert(detail::is_supported_scalar<Scalar>, "Scalar must be float or double");
  detail::idx::Input images(images_path);
  const detail::idx::Header image_header =
      detail::idx::read_header<Scalar>(images, limits, detail::idx::Expect::Images);
  detail::idx::Input labels(labels_path);
  const detail::idx::Header label_header =
      detail::idx::read_header<Index>(labels, limits, detail::idx::Expect::Labels);
  if (label_header.items != image_header.items) {
    labels.fail(4, "dimensions",
                "the file holds " + std::to_string(label_header.items) + " labels, but " +
                    images_path + " holds " + std::to_string(image_header.items) +
                    " images; an image file and its label file must hold as many items");
  }
  const ItemRange items = detail::idx::resolve(range, image_header, images_path, "load_idx_pair");
  const auto first = static_cast<std::uint64_t>(items.first);
  const auto count = static_cast<std::uint64_t>(items.count);
  IdxDataset<Scalar> result;
  result.labels = detail::idx::read_values<Index>(labels, label_header, first, count);
  result.X = detail::idx::read_values<Scalar>(images, image_header, first, count);
  return result;
}

}  // namespace idx_gzip or idx_plain
}  // namespace deepnet

#endif  // DEEPNET_IO_IDX_HPP
