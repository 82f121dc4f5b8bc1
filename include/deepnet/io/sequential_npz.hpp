/// \file io/sequential_npz.hpp
/// A Sequential's tensors as a NumPy `.npz` archive, under their registry names:
/// \code
///   deepnet::save_npz(net, "weights.npz");     // W[1], b[1], gamma[2], ..., as np.savez would
///   // Python: p = dict(np.load("weights.npz")); p["W[1]"].shape == (n1, n0)
///   deepnet::load_npz(net, "weights.npz");     // into a network of the same chain
/// \endcode
/// Both are loops over the parameter registry, so modules of the program's are written and
/// read like the built-in ones. The ZIP container is io/zip.hpp's, the `.npy` codec io/npy.hpp's,
/// the array loop (`write_archive`, `read_array`) io/npz.hpp's, shared with DeepNet's archives.
#ifndef DEEPNET_IO_SEQUENTIAL_NPZ_HPP
#define DEEPNET_IO_SEQUENTIAL_NPZ_HPP

#include "../config.hpp"
#include "../core/sequential.hpp"
#include "../detail/atomic_file.hpp"
#include "../detail/bytes.hpp"
#include "../errors.hpp"
#include "npz.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deepnet {

namespace detail {
namespace npz {

/// True for a registry name: a symbol, '[', a module number 1, 2, ..., ']' ("running_var[3]").
inline bool is_registry_key(const std::string& key) {
  const std::size_t open = key.find('[');
  if (open == 0 || open == std::string::npos || key.size() < open + 3 || key.back() != ']') {
    return false;
  }
  if (key[open + 1] < '1' || key[open + 1] > '9') return false;
  for (std::size_t i = open + 1; i + 1 < key.size(); ++i) {
    if (key[i] < '0' || key[i] > '9') return false;
  }
  return true;
}

}  // namespace npz
}  // namespace detail

/// Writes every tensor of the registry of `net` (parameters and buffers) to the `.npz` archive
/// `path`, one 2-D array per tensor named as the registry names it (`W[1]`, `running_var[2]`,
/// ...), in the registry's order: float64 for Sequential<double>, float32 for float, C order.
/// The archive is written atomically, as `save_npz` does for a DeepNet.
/// \throws FormatError if the archive would reach 4 GiB or 65535 entries; std::system_error
///         naming the path and the OS error if the file cannot be written
template <class Scalar>
void save_npz(Sequential<Scalar>& net, const std::string& path) {
  detail::npz::write_archive(path, [&net](auto&& add) {
    for (const NamedTensor<Scalar>& tensor : net.parameters())
      add(tensor.name, tensor.value);
  });
}

/// Reads every tensor of the registry of `net` from the `.npz` archive `path` (written by
/// `save_npz`, or by `np.savez(path, **{"W[1]": ..., ...})`): the network must already have the
/// archive's chain. Arrays may be float64 or float32, C or Fortran order; vectors n x 1 may be
/// 1-D. Arrays named otherwise than `symbol[k]` (X, Y, ...) are ignored; a registry-like name
/// the network does not have is an error (the archive was saved from another chain). Every
/// value must be finite, running variances not negative. On an exception `net` is unchanged.
/// \throws ShapeError for an array of another shape, naming it and the module; FormatError for
///         a missing or unexpected array, an unsupported dtype, a compressed entry or a corrupt
///         archive, naming the entry and the byte
template <class Scalar>
void load_npz(Sequential<Scalar>& net, const std::string& path) {
  namespace npz = detail::npz;
  npz::ArchiveReader archive(path);
  std::vector<NamedTensor<Scalar>> tensors = net.parameters();

  std::vector<std::string> names;
  const std::map<std::string, const npz::ZipEntry*> entries = npz::entries_by_key(archive, names);
  std::string keys;
  for (const std::string& key : names)
    keys += (keys.empty() ? "" : ", ") + key;
  for (const NamedTensor<Scalar>& tensor : tensors) {
    if (entries.count(tensor.name) == 0) {
      npz::fail(path, tensor.name + ".npy", -1,
                "no array " + tensor.name + " (" + std::to_string(tensor.value.rows()) + "x" +
                    std::to_string(tensor.value.cols()) + ", of module " +
                    std::to_string(tensor.layer) + ", " + net.module(tensor.layer).name() +
                    ") in the archive; it holds: " + (keys.empty() ? "no arrays" : keys));
    }
  }
  for (const auto& [key, entry] : entries) {
    if (!npz::is_registry_key(key)) continue;
    bool known = false;
    for (const NamedTensor<Scalar>& tensor : tensors)
      known = known || tensor.name == key;
    if (!known) {
      npz::fail(path, entry->name, npz::at(entry->local_offset),
                "unexpected array " + key +
                    ": this network's modules have no such tensor, so the archive was saved "
                    "from another chain. Arrays named otherwise, such as X or Y, are ignored");
    }
  }

  // Read, check and convert every array before touching the network.
  std::vector<Matrix<Scalar>> values;
  values.reserve(tensors.size());
  for (const NamedTensor<Scalar>& tensor : tensors) {
    const npz::ZipEntry& entry = *entries.at(tensor.name);
    npz::ArrayTarget target;
    target.key = tensor.name;
    target.rows = tensor.value.rows();
    target.cols = tensor.value.cols();
    target.one_d = true;
    target.variance = std::string(tensor.symbol) == "running_var";
    const auto bad_shape = [&](const std::vector<std::uint64_t>& shape, std::uint64_t) {
      const auto size_of = [&](std::size_t k) {
        return k < shape.size()
                   ? static_cast<Index>(std::min<std::uint64_t>(shape[k], std::uint64_t(1) << 62))
                   : Index(1);
      };
      throw ShapeError(path, tensor.layer, tensor.name, size_of(0), size_of(1), target.rows,
                       target.cols,
                       "the shape module " + std::to_string(tensor.layer) + " (" +
                           net.module(tensor.layer).name() + ") gives it; the array's shape is " +
                           npz::tuple_string(shape));
    };
    values.push_back(npz::read_array<Scalar>(archive, entry, target, bad_shape));
  }
  for (std::size_t k = 0; k < tensors.size(); ++k)
    tensors[k].value = values[k];
}

}  // namespace deepnet

#endif  // DEEPNET_IO_SEQUENTIAL_NPZ_HPP
