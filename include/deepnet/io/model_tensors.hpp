/// \file io/model_tensors.hpp
/// The parameter block of the DeepNet model file (docs/file_format.md): which tensors it
/// holds, in which order, and where each lies (`layout_of`), as a loop over the parameter
/// registry's names. Per layer the block holds the parameter store's tensors of the layer,
/// W[l] and b[l], then with batch normalisation gamma[l], beta[l] and the registry's running
/// statistics running_mean[l], running_var[l] (b[l] stays in the block under batch
/// normalisation: the store keeps its place, and versions 1 to 3 have always held it).
/// `check_tensors`, `put_tensors` and `fill_tensors` write and read the block through
/// io/registry.hpp's `tensors_by_name`, so no format keeps a table of a layer's tensors.
#ifndef DEEPNET_IO_MODEL_TENSORS_HPP
#define DEEPNET_IO_MODEL_TENSORS_HPP

#include "../config.hpp"
#include "../core/shape_check.hpp"
#include "../detail/bytes.hpp"
#include "../errors.hpp"
#include "model_header.hpp"
#include "model_reader.hpp"
#include "registry.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepnet {
namespace detail {
namespace serialize {

/// A tensor of the parameter block: its registry name's parts and its shape.
struct BlockTensor {
  const char* symbol;  ///< "W", "b", "gamma", "beta", "running_mean" or "running_var"
  std::uint64_t l;     ///< its layer
  std::uint64_t rows;  ///< n[l]
  std::uint64_t cols;  ///< n[l-1] for W, 1 for a vector
  /// The registry's name, "W[2]", which is also its field in messages.
  std::string name() const { return std::string(symbol) + "[" + std::to_string(l) + "]"; }
};

/// Calls `visit(tensor)` for each tensor of the parameter block of a network of layer sizes
/// `dims` (n[0], ..., n[L]) with batch normalisation on layer l when `batch_norm[l - 1]`, in
/// the file's order; stops at the first `visit` that returns false.
/// \return false when a `visit` did
template <class Flags, class Visit>
bool for_each_block_tensor(const std::vector<std::uint64_t>& dims, const Flags& batch_norm,
                           Visit&& visit) {
  // The store's symbols of a layer, in its order, and the registry's buffers after them.
  static const char* const stored[] = {"W", "b", "gamma", "beta"};
  static const char* const buffers[] = {"running_mean", "running_var"};
  for (std::uint64_t l = 1; l < dims.size(); ++l) {
    const bool normalised = batch_norm[l - 1];
    for (const char* symbol : stored) {
      const bool is_W = symbol == stored[0];
      if (!normalised && !is_W && symbol != stored[1]) continue;  // gamma, beta lie unused
      if (!visit(BlockTensor{symbol, l, dims[l], is_W ? dims[l - 1] : 1})) return false;
    }
    if (!normalised) continue;
    for (const char* symbol : buffers) {
      if (!visit(BlockTensor{symbol, l, dims[l], 1})) return false;
    }
  }
  return true;
}

/// One matrix of the parameter block.
struct Segment {
  std::string field;    // "W[2]", "running_var[1]", ...
  std::uint64_t start;  // byte offset of its first value
  std::uint64_t rows, cols;
  std::uint64_t bytes() const { return rows * cols * value_size; }
  std::uint64_t value_size;
};

/// Where every matrix lies, and where the checksum lies, or nothing when the parameters
/// would exceed FileLimits::max_parameter_bytes.
struct Layout {
  std::vector<Segment> segments;
  std::uint64_t checksum_offset = 0;  // = the end of the parameters
  std::uint64_t total = 0;            // the size of the whole model, checksum included
};

inline std::optional<Layout> layout_of(const FileHeader& header) {
  const std::uint64_t limit = FileLimits::max_parameter_bytes;
  const std::uint64_t size = scalar_size(header.scalar);
  const std::uint64_t start = header_size(header.dims.size() - 1, header.version);
  Layout layout;
  std::uint64_t bytes = 0;  // of parameters so far
  const auto add = [&](const std::string& name, std::uint64_t rows, std::uint64_t cols) {
    const auto count = checked_mul(rows, cols, limit);
    const auto length = count ? checked_mul(*count, size, limit) : std::nullopt;
    const auto sum = length ? checked_add(bytes, *length, limit) : std::nullopt;
    if (!sum) return false;
    layout.segments.push_back(Segment{name, start + bytes, rows, cols, size});
    bytes = *sum;
    return true;
  };
  const bool fits = for_each_block_tensor(
      header.dims, header.batch_norm,
      [&](const BlockTensor& tensor) { return add(tensor.name(), tensor.rows, tensor.cols); });
  if (!fits) return std::nullopt;
  if (header.state_bytes > 0) {  // version 2: the training state, after the parameters
    const auto sum = checked_add(bytes, header.state_bytes, limit);
    if (!sum) return std::nullopt;
    layout.segments.push_back(Segment{"training_state", start + bytes, header.state_bytes, 1, 1});
    bytes = *sum;
  }
  if (header.metadata_bytes > 0) {  // version 3: the metadata, after the parameters
    const auto sum = checked_add(bytes, header.metadata_bytes, limit);
    if (!sum) return std::nullopt;
    layout.segments.push_back(Segment{"metadata", start + bytes, header.metadata_bytes, 1, 1});
    bytes = *sum;
  }
  layout.checksum_offset = start + bytes;
  layout.total = start + bytes + 4;
  return layout;
}

/// The field whose bytes contain `offset`, and where it starts (the parameters, then the
/// checksum).
inline std::pair<std::string, std::uint64_t> field_at(const Layout& layout, std::uint64_t offset,
                                                      std::uint64_t* end) {
  for (const Segment& segment : layout.segments) {
    if (segment.bytes() > 0 && offset < segment.start + segment.bytes()) {
      *end = segment.start + segment.bytes();
      return {segment.field, segment.start};
    }
  }
  *end = layout.total;
  return {"checksum", layout.checksum_offset};
}

template <class Matrixish>
void require_value(const ModelReader& reader, const Segment& segment, std::uint64_t i,
                   std::uint64_t j, double value, Matrixish&& target, FileScalar file_scalar) {
  using Scalar = std::decay_t<decltype(target(0, 0))>;
  const std::uint64_t offset = segment.start + (i * segment.cols + j) * segment.value_size;
  const std::string where =
      segment.field + "(" + std::to_string(i) +
      (segment.cols == 1 && segment.field[0] != 'W' ? std::string() : ", " + std::to_string(j)) +
      ")";
  if (!std::isfinite(value)) {
    reader.fail(offset, segment.field,
                where + " is " + number_string(value) + "; parameters must be finite numbers");
  }
  if (segment.field.compare(0, 11, "running_var") == 0 && value < 0.0) {
    reader.fail(offset, segment.field,
                where + " is " + number_string(value) + "; a variance cannot be negative");
  }
  if (std::fabs(value) > static_cast<double>(std::numeric_limits<Scalar>::max())) {
    reader.fail(offset, segment.field,
                where + " is " + number_string(value) + ", beyond the range of " +
                    scalar_name(file_scalar_of<Scalar>()) + " (converting from " +
                    scalar_name(file_scalar) + ")");
  }
  target(static_cast<Index>(i), static_cast<Index>(j)) = static_cast<Scalar>(value);
}

/// The layer sizes and batch normalisation flags of `net`, as the block's loop takes them.
template <class Scalar>
std::pair<std::vector<std::uint64_t>, std::vector<bool>> block_shape_of(
    const DeepNet<Scalar>& net) {
  std::pair<std::vector<std::uint64_t>, std::vector<bool>> shape;
  for (const Index n : net.dims())
    shape.first.push_back(static_cast<std::uint64_t>(n));
  for (Index l = 1; l <= net.L(); ++l)
    shape.second.push_back(net.layer(l).has_batch_norm());
  return shape;
}

/// Throws when a tensor of the block cannot be written as a file that `read` accepts: a
/// tensor resized away from its shape (ShapeError, `deepnet::write: layer 2: W is 5x3,
/// expected 3x5 (n[2] x n[1])`), a value NaN or infinite, a negative running variance
/// (NumericalError).
template <class Scalar>
void check_tensors(const DeepNet<Scalar>& net) {
  const auto [dims, batch_norm] = block_shape_of(net);
  const std::map<std::string, MatrixSpan<Scalar>> tensors = tensors_by_name(net);
  for_each_block_tensor(dims, batch_norm, [&](const BlockTensor& tensor) {
    const MatrixSpan<Scalar>& value = tensors.at(tensor.name());
    const Index l = static_cast<Index>(tensor.l);
    const bool is_W = std::string(tensor.symbol) == "W";
    expect_shape(value, "deepnet::write", l, tensor.symbol, static_cast<Index>(tensor.rows),
                 static_cast<Index>(tensor.cols),
                 [&] { return n_of(l) + " x " + (is_W ? n_of(l - 1) : std::string("1")); });
    const auto require = [&](bool ok, const char* why) {
      if (!ok) {
        throw NumericalError("deepnet::write: layer " + std::to_string(l) + ": " + tensor.symbol +
                                 " holds " + why + "; such a model cannot be saved",
                             l, tensor.symbol);
      }
    };
    require(all_finite(value), "NaN or infinity");
    if (std::string(tensor.symbol) == "running_var") {
      require((value.array() >= Scalar(0)).all(), "a negative variance");
    }
    return true;
  });
}

/// The number of values in the block of `net`.
template <class Scalar>
std::uint64_t block_values(const DeepNet<Scalar>& net) {
  const auto [dims, batch_norm] = block_shape_of(net);
  std::uint64_t count = 0;
  for_each_block_tensor(dims, batch_norm, [&count](const BlockTensor& tensor) {
    count += tensor.rows * tensor.cols;
    return true;
  });
  return count;
}

/// Appends the block of `net`: every tensor in the file's order, row by row.
template <class Scalar>
void put_tensors(std::string& out, const DeepNet<Scalar>& net) {
  const auto [dims, batch_norm] = block_shape_of(net);
  const std::map<std::string, MatrixSpan<Scalar>> tensors = tensors_by_name(net);
  for_each_block_tensor(dims, batch_norm, [&](const BlockTensor& tensor) {
    const MatrixSpan<Scalar>& M = tensors.at(tensor.name());
    for (Index i = 0; i < M.rows(); ++i) {
      for (Index j = 0; j < M.cols(); ++j)
        put_scalar<Scalar>(out, M(i, j));
    }
    return true;
  });
}

/// Sets every tensor of the freshly built `net` from the block's bytes `block`, whose first
/// byte is at `block_start` in the file, checking every value (`require_value`).
template <class Scalar>
void fill_tensors(DeepNet<Scalar>& net, const Layout& layout, const unsigned char* block,
                  std::uint64_t block_start, FileScalar scalar, const ModelReader& reader) {
  const std::map<std::string, MatrixSpan<Scalar>> tensors = tensors_by_name(net);
  for (const Segment& segment : layout.segments) {
    const auto found = tensors.find(segment.field);
    if (found == tensors.end()) continue;  // the training state, the metadata
    MatrixSpan<Scalar> target = found->second;
    DEEPNET_ASSERT(static_cast<std::uint64_t>(target.rows()) == segment.rows &&
                       static_cast<std::uint64_t>(target.cols()) == segment.cols,
                   "fill_tensors: the network's tensor has the block's shape");
    const unsigned char* data = block + (segment.start - block_start);
    for (std::uint64_t i = 0; i < segment.rows; ++i) {
      for (std::uint64_t j = 0; j < segment.cols; ++j) {
        const double value = get_scalar(data, scalar);
        data += segment.value_size;
        require_value(reader, segment, i, j, value, target, scalar);
      }
    }
  }
}

}  // namespace serialize
}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_MODEL_TENSORS_HPP
