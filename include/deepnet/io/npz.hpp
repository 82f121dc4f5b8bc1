/// \file io/npz.hpp
/// NumPy interop: a network's parameters to and from an `.npz` archive, the file `np.savez`
/// writes and `np.load` reads, with the keys of the notes' `parameters` dictionary:
///
///   W1, b1, W2, b2, ..., WL, bL          W[l] is n[l] x n[l-1], b[l] is n[l] x 1 (2-D arrays)
///
/// A layer with batch normalisation has no b (beta takes its place); its keys are
/// `W<l>, gamma<l>, beta<l>, running_mean<l>, running_var<l>`, the vectors n[l] x 1.
///
/// The archive is a ZIP file of uncompressed ("stored") entries `<key>.npy`, each an array in
/// NumPy's `.npy` format version 1.0, float64 (`'<f8'`) for DeepNet<double> and float32
/// (`'<f4'`) for DeepNet<float>, in C order (row-major). `save_npz` writes the same bytes as
/// `np.savez(path, W1=..., b1=..., ...)` with NumPy 1.24 (a ZIP64 extra field in each local
/// header, the date 1980-01-01): the same network always gives the same file.
/// The keys are the parameter registry's names without brackets (`W[2]` is `W2`), so saving
/// and loading are loops over `DeepNet::parameters()`. The ZIP container is io/zip.hpp's, the
/// `.npy` codec io/npy.hpp's; this file maps a network to keys, and its array loop
/// (`read_array`, `write_archive`) serves Sequential's archives too (io/sequential_npz.hpp).
///
/// A damaged, truncated or unsupported archive, or a missing array, is a FormatError (errors.hpp)
/// naming the file, the entry at fault as its field and the byte offset of the problem, e.g.
/// `weights.npz: W1.npy at byte 56: W1 has dtype '<i8'; ...`; an array of the wrong shape is a
/// ShapeError. Saving goes through a temporary file renamed over the target
/// (detail/atomic_file.hpp), and the operating system's errors are std::system_error.
#ifndef DEEPNET_IO_NPZ_HPP
#define DEEPNET_IO_NPZ_HPP

#include "../config.hpp"
#include "../core/deep_net.hpp"
#include "../core/parameters.hpp"
#include "../core/shape_check.hpp"
#include "../detail/atomic_file.hpp"
#include "../detail/bytes.hpp"
#include "../errors.hpp"
#include "npy.hpp"
#include "registry.hpp"
#include "zip.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepnet {
namespace detail {
namespace npz {

// ---- the array loop, for every network ---------------------------------------------------------

/// Writes an archive of one array per tensor, atomically: `for_each(add)` calls
/// `add(key, matrix)` for every tensor in the archive's order.
template <class ForEach>
void write_archive(const std::string& path, ForEach&& for_each) {
  std::string archive;  // built whole before the disk is touched
  ArchiveWriter zip(archive, path);
  for_each(
      [&zip](const std::string& key, const auto& value) { zip.add(key + ".npy", npy_of(value)); });
  zip.finish();
  write_file_atomically(path, archive, "deepnet::save_npz");
}

/// The entries of an archive as np.load names them (entry names without ".npy"), and the keys
/// in the archive's order in `keys`.
inline std::map<std::string, const ZipEntry*> entries_by_key(const ArchiveReader& archive,
                                                             std::vector<std::string>& keys) {
  std::map<std::string, const ZipEntry*> entries;
  for (const ZipEntry& entry : archive.entries()) {
    if (entry.name.size() > 4 && entry.name.compare(entry.name.size() - 4, 4, ".npy") == 0) {
      keys.push_back(entry.name.substr(0, entry.name.size() - 4));
      entries[keys.back()] = &entry;
    }
  }
  return entries;
}

/// What a reader expects of one array, and the words of its messages.
struct ArrayTarget {
  std::string key;           ///< "W2", "W[2]"
  Index rows = 0;            ///< the tensor's rows
  Index cols = 0;            ///< the tensor's columns
  bool one_d = false;        ///< a 1-D array (rows,) is accepted for it
  bool variance = false;     ///< a running variance: no negative value
  std::string dtype_advice;  ///< after "... float32 ('<f4') arrays" in the dtype message
  bool sized_words = false;  ///< the size message says "5x3 float64 values", not "15 values"
};

/// "(5, 3)", "(7,)": a shape as NumPy prints it.
inline std::string tuple_string(const std::vector<std::uint64_t>& shape) {
  std::string text = "(";
  for (std::size_t k = 0; k < shape.size(); ++k)
    text += (k > 0 ? ", " : "") + std::to_string(shape[k]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

/// Reads the entry `entry` of `archive` as the matrix `target` describes: float64 or float32,
/// C or Fortran order, every value finite (and not negative for a variance).
/// `bad_shape(shape, offset)` throws when the array's shape is not the target's (`offset`: the
/// entry's first byte in the archive).
/// \throws FormatError naming the entry and the byte; what `bad_shape` throws
template <class Scalar, class BadShape>
Matrix<Scalar> read_array(ArchiveReader& archive, const ZipEntry& entry, const ArrayTarget& target,
                          BadShape&& bad_shape) {
  const std::string& path = archive.file();
  std::uint64_t offset = 0;
  const std::string bytes = archive.read(entry, offset);
  const NpyArray array = parse_npy_header(bytes, path, entry.name, offset);
  std::size_t item = 0;
  if (array.descr == "<f8") {
    item = 8;
  } else if (array.descr == "<f4") {
    item = 4;
  } else {
    fail(path, entry.name, at(offset),
         target.key + " has dtype '" + array.descr +
             "'; deepnet reads float64 ('<f8') and float32 ('<f4') arrays" + target.dtype_advice);
  }
  const Index rows = target.rows, cols = target.cols;
  const std::vector<std::uint64_t>& shape = array.shape;
  const bool fits = (shape.size() == 2 && shape[0] == static_cast<std::uint64_t>(rows) &&
                     shape[1] == static_cast<std::uint64_t>(cols)) ||
                    (shape.size() == 1 && target.one_d && cols == 1 &&
                     shape[0] == static_cast<std::uint64_t>(rows));
  if (!fits) bad_shape(shape, offset);
  const std::uint64_t count = static_cast<std::uint64_t>(rows) * static_cast<std::uint64_t>(cols);
  const std::uint64_t data_size = bytes.size() - array.data_start;
  if (data_size != count * item) {
    fail(path, entry.name, at(offset + array.data_start),
         target.key + " has " + std::to_string(data_size) + " bytes of data, but " +
             (target.sized_words ? std::to_string(rows) + "x" + std::to_string(cols) + " " +
                                       (item == 8 ? "float64" : "float32")
                                 : std::to_string(count)) +
             " values take " + std::to_string(count * item) + ": the array is corrupt");
  }
  Matrix<Scalar> value(rows, cols);
  for (Index k = 0; k < rows * cols; ++k) {
    const std::size_t position = array.data_start + static_cast<std::size_t>(k) * item;
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data()) + position;
    const double in_file = item == 8 ? get_f64(data) : static_cast<double>(get_f32(data));
    const Scalar converted = static_cast<Scalar>(in_file);
    // k-th value in memory order: (k / cols, k % cols) in C order, (k % rows, k / rows) in
    // Fortran order
    const Index i = array.fortran_order ? k % rows : k / cols;
    const Index j = array.fortran_order ? k / rows : k % cols;
    const bool negative_variance = target.variance && converted < Scalar(0);
    if (!std::isfinite(converted) || negative_variance) {
      fail(path, entry.name, at(offset + position),
           target.key + "(" + std::to_string(i) + ", " + std::to_string(j) + ") is " +
               number_string(in_file) +
               (negative_variance        ? "; a variance cannot be negative"
                : std::isfinite(in_file) ? ", too large for float"
                                         : "; parameters must be finite numbers"));
    }
    value(i, j) = converted;
  }
  return value;
}

// ---- DeepNet's keys ----------------------------------------------------------------------------

/// What the archive holds for one tensor of the registry: its key, layer, symbol and the shape
/// the layer sizes give it.
struct Slot {
  std::string key;     // "W2", the registry's "W[2]" without brackets
  Index l;             // 2
  const char* symbol;  // "W"
  Index rows, cols;    // n[2] x n[1]
  std::string reason;  // "n[2] x n[1]"
};

/// The slots of `net`, in the registry's order: W1, b1, ..., or W<l>, gamma<l>, beta<l>,
/// running_mean<l>, running_var<l> for a layer with batch normalisation.
template <class Scalar>
std::vector<Slot> slots_of(const DeepNet<Scalar>& net) {
  std::vector<Slot> slots;
  for (const NamedTensor<Scalar>& tensor : registry_of(net)) {
    const Index l = tensor.layer;
    const bool is_W = std::strcmp(tensor.symbol, "W") == 0;
    slots.push_back(Slot{tensor.symbol + std::to_string(l), l, tensor.symbol, net.dims()[l],
                         is_W ? net.dims()[l - 1] : 1,
                         n_of(l) + " x " + (is_W ? n_of(l - 1) : std::string("1"))});
  }
  return slots;
}

/// True for the names deepnet's archives use: W, b, gamma, beta, running_mean or running_var
/// followed by a layer number.
inline bool is_parameter_key(const std::string& key) {
  for (const char* prefix : {"W", "b", "gamma", "beta", "running_mean", "running_var"}) {
    const std::size_t length = std::strlen(prefix);
    if (key.size() <= length || key.compare(0, length, prefix) != 0) continue;
    if (key[length] < '1' || key[length] > '9') continue;
    bool digits = true;
    for (std::size_t i = length; i < key.size(); ++i)
      digits = digits && key[i] >= '0' && key[i] <= '9';
    if (digits) return true;
  }
  return false;
}

}  // namespace npz
}  // namespace detail

/// The keys of the arrays `save_npz` writes for `net`, in the archive's order: W1, b1, W2,
/// b2, ..., or W<l>, gamma<l>, beta<l>, running_mean<l>, running_var<l> for a layer with batch
/// normalisation.
template <class Scalar>
std::vector<std::string> npz_keys(const DeepNet<Scalar>& net) {
  std::vector<std::string> keys;
  for (const detail::npz::Slot& slot : detail::npz::slots_of(net))
    keys.push_back(slot.key);
  return keys;
}

/// Writes the parameters of `net` to the `.npz` archive `path`, as `np.savez` would: one 2-D
/// array per key of `npz_keys(net)`, float64 for DeepNet<double>, float32 for DeepNet<float>,
/// in C order. The archive is built in memory, then written atomically: to a temporary file
/// next to `path` (path + ".tmp-..."), flushed to disk and renamed over `path`, so `path` holds
/// either its old contents or the complete new archive, never a part of one.
/// In Python, `parameters = dict(np.load(path))` is the notes' `parameters` dictionary.
/// \throws ShapeError if a parameter lost its shape (`save_npz: layer 2: W is ...`);
///         FormatError if the archive would reach 4 GiB or 65535 entries; std::system_error
///         naming the path and the OS error if the file cannot be written (the temporary file
///         is removed and `path` left as it was)
template <class Scalar>
void save_npz(const DeepNet<Scalar>& net, const std::string& path) {
  static_assert(std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value,
                "save_npz writes float and double networks (float32 and float64 arrays)");
  const std::vector<detail::npz::Slot> slots = detail::npz::slots_of(net);
  const std::vector<NamedTensor<Scalar>> tensors = detail::registry_of(net);
  for (std::size_t k = 0; k < slots.size(); ++k) {
    const detail::npz::Slot& slot = slots[k];
    detail::expect_shape(tensors[k].value, "save_npz", slot.l, slot.symbol, slot.rows, slot.cols,
                         [&slot] { return slot.reason; });
  }
  detail::npz::write_archive(path, [&](auto&& add) {
    for (std::size_t k = 0; k < slots.size(); ++k)
      add(slots[k].key, tensors[k].value);
  });
}

/// Reads the parameters of `net` from the `.npz` archive `path`, written by `save_npz` or by
/// `np.savez(path, W1=..., b1=..., ...)`. The network must already have the archive's
/// architecture: the same layer sizes, and batch normalisation on the same layers.
///
/// - Arrays may be float64 or float32 (converted to Scalar, float64 to float rounding to
///   nearest), in C or Fortran order; W is 2-D, a vector n[l] x 1 or 1-D (n[l],).
/// - Other arrays, such as X or Y, are ignored; but an array named like a parameter that this
///   network does not have (W4 for L = 3, gamma2 without batch normalisation on layer 2) is an
///   error, since it means the archive was saved from another architecture.
/// - Every value must be finite, and running variances not negative.
/// - Nothing changes unless everything could be read: on an exception, `net` is as it was.
///
/// \throws ShapeError for an array of another shape, e.g.
///         `weights.npz: W2 is 3x4, expected 7x3 (n[2] x n[1])`;
///         FormatError for a missing array, an unsupported dtype, a compressed entry
///         (np.savez_compressed), a file that cannot be read or a corrupt archive
template <class Scalar>
void load_npz(DeepNet<Scalar>& net, const std::string& path) {
  static_assert(std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value,
                "load_npz reads into float and double networks");
  namespace npz = detail::npz;
  npz::ArchiveReader archive(path);
  const std::vector<npz::Slot> slots = npz::slots_of(net);

  // Keys of the archive as np.load names them: entry names without ".npy".
  std::vector<std::string> keys;
  std::map<std::string, const npz::ZipEntry*> entries = npz::entries_by_key(archive, keys);
  const auto has = [&](const std::string& key) { return entries.count(key) != 0; };
  const auto key_list = [&] {
    std::string text;
    for (std::size_t k = 0; k < keys.size() && k < 16; ++k)
      text += (k > 0 ? ", " : "") + keys[k];
    if (keys.size() > 16) text += ", ... (" + std::to_string(keys.size()) + " arrays)";
    return keys.empty() ? std::string("no arrays") : text;
  };

  // Every key of the network must be there.
  for (const npz::Slot& slot : slots) {
    if (has(slot.key)) continue;
    const std::string l = std::to_string(slot.l);
    std::string hint;
    if (std::strcmp(slot.symbol, "b") == 0 && has("gamma" + l)) {
      hint = "; the archive has gamma" + l +
             ": it was saved from a network with batch normalisation on layer " + l +
             " (call set_batch_norm(" + l + ") before load_npz)";
    } else if (std::strcmp(slot.symbol, "W") != 0 && std::strcmp(slot.symbol, "b") != 0 &&
               has("b" + l)) {
      hint = "; the archive has b" + l +
             ": it was saved from a network without batch normalisation on layer " + l;
    } else {
      Index saved_L = 0;
      while (has("W" + std::to_string(saved_L + 1)))
        ++saved_L;
      if (saved_L > 0 && saved_L < slot.l) {
        hint = "; the archive's last W is W" + std::to_string(saved_L) +
               ": it was saved from a network with L = " + std::to_string(saved_L) +
               ", this one has L = " + std::to_string(net.L());
      }
    }
    npz::fail(path, slot.key + ".npy", -1,
              "no array " + slot.key + " (" + slot.symbol + "[" + l + "], " + slot.reason + " = " +
                  shape_string(slot.rows, slot.cols) + ") in the archive" + hint +
                  ". The archive holds: " + key_list());
  }
  // ... and no parameter of another architecture.
  for (const std::string& key : keys) {
    if (!npz::is_parameter_key(key)) continue;
    bool expected = false;
    for (const npz::Slot& slot : slots)
      expected = expected || slot.key == key;
    if (expected) continue;
    const std::size_t digits = key.find_first_of("123456789");
    const std::string l = key.substr(digits);
    const std::string symbol = key.substr(0, digits);
    std::string why;
    if (l.size() > 18 || std::stoll(l) > net.L()) {
      why = "this network has L = " + std::to_string(net.L()) + " (layer_dims " +
            dims_string(net.dims()) + "): the archive was saved from another architecture";
    } else if (net.layer(std::stoll(l)).has_batch_norm()) {
      why = "layer " + l + " of this network has batch normalisation, whose arrays are gamma" + l +
            ", beta" + l + ", running_mean" + l + " and running_var" + l +
            (symbol == "b" ? " (beta takes the place of b)" : "");
    } else {
      why = "layer " + l + " of this network has no batch normalisation (call set_batch_norm(" + l +
            ") before load_npz to read it)";
    }
    npz::fail(path, key + ".npy", npz::at(entries[key]->local_offset),
              "unexpected array " + key + ": " + why +
                  ". Arrays named otherwise, such as X or Y, are ignored");
  }

  // Read, check and convert every array before touching the network.
  std::vector<Matrix<Scalar>> values;
  values.reserve(slots.size());
  for (const npz::Slot& slot : slots) {
    const npz::ZipEntry& entry = *entries[slot.key];
    const bool is_W = std::strcmp(slot.symbol, "W") == 0;
    npz::ArrayTarget target;
    target.key = slot.key;
    target.rows = slot.rows;
    target.cols = slot.cols;
    target.one_d = !is_W;
    target.variance = std::strcmp(slot.symbol, "running_var") == 0;
    target.dtype_advice = ": convert it with " + slot.key + ".astype(np.float64)";
    target.sized_words = true;
    const auto bad_shape = [&](const std::vector<std::uint64_t>& shape, std::uint64_t offset) {
      if (shape.size() != 2 && !(shape.size() == 1 && !is_W)) {
        npz::fail(path, entry.name, npz::at(offset),
                  slot.key + " has shape " + npz::tuple_string(shape) + ", expected a 2-D array " +
                      shape_string(slot.rows, slot.cols) + " (" + slot.reason + ")" +
                      (is_W ? "" : " or a 1-D array (" + std::to_string(slot.rows) + ",)"));
      }
      const auto to_index = [](std::uint64_t size) {
        return size > static_cast<std::uint64_t>(std::numeric_limits<Index>::max())
                   ? std::numeric_limits<Index>::max()
                   : static_cast<Index>(size);
      };
      throw ShapeError(path, slot.l, slot.key, to_index(shape[0]),
                       to_index(shape.size() == 2 ? shape[1] : 1), slot.rows, slot.cols,
                       slot.reason);
    };
    values.push_back(npz::read_array<Scalar>(archive, entry, target, bad_shape));
  }

  // Only now, with every array read, is the network written, through the registry; a tensor
  // resized away from its shape (a Map cannot grow) is a ShapeError before anything is written.
  std::vector<NamedTensor<Scalar>> tensors = net.parameters();
  for (std::size_t k = 0; k < slots.size(); ++k) {
    detail::expect_shape(tensors[k].value, "load_npz", slots[k].l, slots[k].symbol, slots[k].rows,
                         slots[k].cols, [&] { return slots[k].reason; });
  }
  for (std::size_t k = 0; k < slots.size(); ++k)
    tensors[k].value = values[k];
}

}  // namespace deepnet

#endif  // DEEPNET_IO_NPZ_HPP
