/// \file io/model_file.hpp
/// Saving and loading a DeepNet in deepnet's binary model format (docs/file_format.md):
///
/// \code
///   deepnet::save(net, "model.dnet");                       // atomic: all or nothing
///   auto same = deepnet::load<double>("model.dnet");        // throws FormatError if damaged
///   auto as_float = deepnet::load<float>(
///       "model.dnet", deepnet::LoadOptions().convert_scalar(true));
/// \endcode
///
/// The file holds the architecture (layer_dims, one activation per layer, the loss), the
/// per-layer options (batch normalisation, keep_prob), the L2 strength and every parameter:
/// W[l] and b[l], and gamma, beta and the running statistics with batch normalisation. It ends
/// with a CRC-32 of everything before it. With ModelMetadata (io/model_metadata.hpp: class
/// names, the inputs' standardisation) it is a version 3 file that also holds them. Every value is
/// written byte by byte in little-endian order, so a file is the same on every host. Gradients,
/// caches, optimizer state and the dropout generator are not saved: a loaded network predicts
/// exactly like the saved one and can be trained further, but an optimizer starts afresh.
///
/// Loading trusts nothing in the file: every count is checked against fixed limits and against
/// the bytes actually present before anything is allocated, the checksum is verified before the
/// network is built, and every problem is a FormatError (errors.hpp) naming the file, the field
/// and the byte offset, e.g.
/// `model.dnet: byte 8: unsupported format version 7 (this build reads versions 1 to 3)`.
///
/// The format is in parts: io/model_reader.hpp reads bytes with offsets and a CRC,
/// io/model_header.hpp is the header, io/model_tensors.hpp the parameter block (a loop over the
/// parameter registry), io/model_metadata.hpp the metadata of version 3, io/checkpoint.hpp the
/// training state of version 2; this file puts them together for `save`, `load`, `write` and
/// `read`.
#ifndef DEEPNET_IO_MODEL_FILE_HPP
#define DEEPNET_IO_MODEL_FILE_HPP

#include "../config.hpp"
#include "../core/layer.hpp"
#include "../detail/atomic_file.hpp"
#include "../detail/bytes.hpp"
#include "../detail/crc32.hpp"
#include "../errors.hpp"
#include "model_header.hpp"
#include "model_metadata.hpp"
#include "model_reader.hpp"
#include "model_tensors.hpp"

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace deepnet {

template <class Scalar>
class DeepNet;  // core/deep_net.hpp, included at the end (it includes this file through the
                // trainer, which saves checkpoints: io/checkpoint.hpp)

namespace detail {
namespace serialize {

/// The training state of a version 2 file, as read (io/checkpoint.hpp decodes it).
struct StateBlock {
  std::vector<unsigned char> bytes;
  std::uint64_t offset = 0;  // of its first byte in the file
  FileScalar scalar = FileScalar::Float64;
};

/// Reads a model; its training state (version 2) goes to `state` and its metadata (version 3,
/// checked whether it is asked for or not) to `metadata`, when given.
template <class Scalar>
DeepNet<Scalar> read_model(std::istream& in, const LoadOptions& options, const std::string& name,
                           const char* noun, std::optional<std::uint64_t> size, bool whole_input,
                           StateBlock* state = nullptr, ModelMetadata* metadata = nullptr) {
  ModelReader reader(in, name, noun);
  const FileHeader header = read_header<Scalar>(reader, options);
  const std::uint64_t layers = header.dims.size() - 1;
  const std::uint64_t parameters_start = reader.offset();
  DEEPNET_ASSERT(parameters_start == header_size(layers, header.version),
                 "read_model: header size");

  const std::optional<Layout> found = layout_of(header);
  if (!found) {
    std::vector<Index> dims(header.dims.begin(), header.dims.end());
    reader.fail(24, "layer_dims",
                "layer_dims " + dims_string(dims) + ": the parameters would take more than " +
                    std::to_string(FileLimits::max_parameter_bytes) + " bytes");
  }
  const Layout& layout = *found;

  // The bytes the header promises must be there before anything is allocated for them.
  if (size) {
    if (*size < layout.total) {
      std::uint64_t field_end = 0;
      const auto [field, start] = field_at(layout, *size, &field_end);
      reader.fail(start, field,
                  "unexpected end of " + std::string(noun) + " in " + field + ": it takes bytes " +
                      std::to_string(start) + ".." + std::to_string(field_end - 1) + ", and the " +
                      noun + " ends after " + std::to_string(*size) + " bytes (truncated " + noun +
                      ", or a corrupted header: by its header the model takes " +
                      std::to_string(layout.total) + " bytes)");
    }
    if (whole_input && *size > layout.total) {
      reader.fail(layout.total, "end",
                  std::to_string(*size - layout.total) +
                      " unexpected bytes after the checksum: by its header the model ends at "
                      "byte " +
                      std::to_string(layout.total) +
                      " (a corrupted header, or not a single model)");
    }
  }

  // A model beyond LoadOptions::max_bytes: refused before allocating when the size of the
  // input is known (and the bytes are there), else once that many bytes have arrived.
  const auto too_large = [&] {
    std::vector<Index> dims(header.dims.begin(), header.dims.end());
    reader.fail(24, "layer_dims",
                "layer_dims " + dims_string(dims) + ": the model takes " +
                    std::to_string(layout.total) + " bytes, more than the limit of " +
                    std::to_string(options.max_bytes()) + " (LoadOptions::max_bytes)");
  };
  if (size && layout.total > options.max_bytes()) too_large();

  // The parameter block. When the size of the input is unknown, the buffer grows only as the
  // bytes arrive, so a header that lies costs no more memory than the input really holds.
  const std::uint64_t parameter_bytes = layout.checksum_offset - parameters_start;
  std::vector<unsigned char> bytes;
  if (size) bytes.reserve(static_cast<std::size_t>(parameter_bytes));
  while (bytes.size() < parameter_bytes) {
    const std::size_t old_size = bytes.size();
    const std::size_t chunk = static_cast<std::size_t>(
        std::min<std::uint64_t>(parameter_bytes - old_size, std::uint64_t(1) << 20));
    if (layout.total > options.max_bytes() &&
        parameters_start + old_size + chunk > options.max_bytes()) {
      too_large();
    }
    bytes.resize(old_size + chunk);
    const std::size_t got = reader.read_some(bytes.data() + old_size, chunk, "parameters");
    if (got < chunk) {
      std::uint64_t field_end = 0;
      const auto [field, start] = field_at(layout, reader.offset(), &field_end);
      reader.truncated(start, field, field_end, reader.offset());
    }
  }

  const std::uint32_t computed = reader.crc();
  const std::uint32_t stored = reader.u32("checksum");
  if (stored != computed) {
    reader.fail(layout.checksum_offset, "checksum",
                "checksum mismatch: the file stores CRC-32 " + hex32(stored) + ", but bytes 0.." +
                    std::to_string(layout.checksum_offset - 1) + " give " + hex32(computed) +
                    " (the " + noun + " is corrupted)");
  }
  if (whole_input && !size) {
    char extra = 0;
    if (in.read(&extra, 1).gcount() != 0) {
      reader.fail(layout.total, "end",
                  "unexpected bytes after the checksum: by its header the model ends at byte " +
                      std::to_string(layout.total) +
                      " (a corrupted header, or not a single model)");
    }
  }

  // Only now, with every byte accounted for and the checksum right, is the network built.
  std::vector<Index> dims;
  for (const std::uint64_t n : header.dims)
    dims.push_back(static_cast<Index>(n));
  std::optional<DeepNet<Scalar>> built;
  try {
    built.emplace(dims, header.activations, header.loss);
    for (std::uint64_t l = 1; l <= layers; ++l) {
      const Index index = static_cast<Index>(l);
      if (header.batch_norm[l - 1]) built->set_batch_norm(index, true);
      built->set_keep_prob(index, header.keep_prob[l - 1]);
    }
    built->set_l2(header.l2);
  } catch (const ConfigError& e) {
    reader.fail(24, "layer_dims",
                std::string("the header describes no valid network: ") + e.what());
  }
  DeepNet<Scalar>& net = *built;

  fill_tensors(net, layout, bytes.data(), parameters_start, header.scalar, reader);
  if (state != nullptr) {
    state->bytes.clear();
    state->scalar = header.scalar;
    if (header.state_bytes > 0) {
      const Segment& segment = layout.segments.back();
      const auto* first = bytes.data() + (segment.start - parameters_start);
      state->bytes.assign(first, first + segment.rows);
      state->offset = segment.start;
    }
  }
  ModelMetadata found_metadata;
  if (header.metadata_bytes > 0) {
    const Segment& segment = layout.segments.back();
    MetadataReader metadata_reader(bytes.data() + (segment.start - parameters_start), segment.rows,
                                   segment.start, name);
    found_metadata = metadata_reader.read(header.dims.front(), header.dims.back());
  }
  if (metadata != nullptr) *metadata = std::move(found_metadata);
  return std::move(net);
}

template <class Scalar>
void check_writable(const DeepNet<Scalar>& net) {
  const Index layers = net.L();
  if (static_cast<std::uint64_t>(layers) > FileLimits::max_layers) {
    throw ConfigError("deepnet::write: the network has " + std::to_string(layers) +
                      " layers; a model file holds at most " +
                      std::to_string(FileLimits::max_layers));
  }
  for (std::size_t l = 0; l < net.dims().size(); ++l) {
    if (static_cast<std::uint64_t>(net.dims()[l]) > FileLimits::max_units) {
      throw ConfigError("deepnet::write: n[" + std::to_string(l) + "] = " +
                        std::to_string(net.dims()[l]) + " units; a model file holds at most " +
                        std::to_string(FileLimits::max_units) + " per layer");
    }
  }
  if (net.layer(layers).keep_prob() != 1.0) {
    throw ConfigError("deepnet::write: layer " + std::to_string(layers) +
                      " is the output layer; dropout is for hidden layers only");
  }
  check_tensors(net);  // model_tensors.hpp
}

/// The whole model file as bytes.
/// `state`: the training state of a checkpoint (io/checkpoint.hpp), which makes it a version 2
/// file; `metadata`, when not empty, makes it a version 3 file; with neither the model is
/// written in version 1.
template <class Scalar>
std::string encode(const DeepNet<Scalar>& net, const std::string* state = nullptr,
                   const ModelMetadata* metadata = nullptr) {
  check_writable(net);
  std::string block;
  if (metadata != nullptr && !metadata->empty()) {
    DEEPNET_ASSERT(state == nullptr, "encode: a checkpoint holds no metadata");
    check_metadata(*metadata, static_cast<std::uint64_t>(net.dims().front()),
                   static_cast<std::uint64_t>(net.dims().back()), "deepnet::write");
    block = encode_metadata(*metadata);
  }
  FileHeader header;
  header.version = state != nullptr ? 2 : !block.empty() ? 3 : 1;
  header.scalar = file_scalar_of<Scalar>();
  for (const Index n : net.dims())
    header.dims.push_back(static_cast<std::uint64_t>(n));
  for (Index l = 1; l <= net.L(); ++l) {
    const Layer<Scalar>& current = net.layer(l);
    header.activations.push_back(current.activation());
    header.batch_norm.push_back(current.has_batch_norm());
    header.keep_prob.push_back(current.keep_prob());
  }
  header.loss = net.loss();
  header.l2 = net.l2();
  header.state_bytes = state != nullptr ? state->size() : 0;
  header.metadata_bytes = block.size();

  std::string out;
  out.reserve(static_cast<std::size_t>(header_size(header.dims.size() - 1, header.version) +
                                       block_values(net) * sizeof(Scalar) + header.state_bytes +
                                       block.size() + 4));
  put_header(out, header);
  put_tensors(out, net);
  if (state != nullptr) out += *state;
  out += block;
  put_le(out, crc32(out.data(), out.size()), 4);  // detail/crc32.hpp
  return out;
}

}  // namespace serialize
}  // namespace detail

/// Writes the network to a stream in the model format (binary: open files with
/// std::ios::binary). Writes nothing when it throws.
/// \throws NumericalError if a parameter is NaN or infinite (or a running variance negative):
///         the file could not be loaded; ConfigError for a network beyond the format's limits
///         (FileLimits) or with dropout on the output layer; std::ios_base::failure if the
///         stream fails
template <class Scalar>
void write(const DeepNet<Scalar>& net, std::ostream& out) {
  const std::string bytes = detail::serialize::encode(net);
  detail::write_bytes(out, bytes, "deepnet::write");
}

/// Writes the network with its metadata (class names, standardisation: io/model_metadata.hpp);
/// a version 3 file when the metadata is not empty, else the version 1 file of `write`.
/// \throws ConfigError naming the problem when the metadata does not fit the network (class
///         names other than one per Softmax unit or two for one Sigmoid unit, an empty or
///         repeated name, a standardisation other than n[0] finite means and scales > 0); as
///         `write`
template <class Scalar>
void write(const DeepNet<Scalar>& net, const ModelMetadata& metadata, std::ostream& out) {
  const std::string bytes = detail::serialize::encode(net, nullptr, &metadata);
  detail::write_bytes(out, bytes, "deepnet::write");
}

/// Reads a network written by `write` from the stream's current position; the stream is left
/// just after the model's checksum, so it may hold more data (or more models) after it.
/// A seekable stream is measured first, and a header that promises more bytes than it holds
/// fails before anything is allocated; from a pipe, the buffer grows only as bytes arrive.
/// \param name the name of the stream in messages (a file name, "<stdin>", ...)
/// \throws FormatError for anything wrong with the data (see `load`), when the stream's
///         exceptions are off (the default; otherwise the stream's own exception may come first)
template <class Scalar = double>
DeepNet<Scalar> read(std::istream& in, const LoadOptions& options = LoadOptions(),
                     const std::string& name = "<stream>") {
  const std::optional<std::uint64_t> size = detail::serialize::remaining_bytes(in);
  return detail::serialize::read_model<Scalar>(in, options, name, "stream", size, false);
}

/// Reads a network and its metadata; a file without metadata (version 1 or 2) gives an empty
/// `metadata`.
/// \throws as the `read` above; FormatError naming the byte and the field of a damaged
///         metadata block (`metadata.class_name[2]`, `metadata.scale[0]`, ...)
template <class Scalar = double>
DeepNet<Scalar> read(std::istream& in, ModelMetadata& metadata,
                     const LoadOptions& options = LoadOptions(),
                     const std::string& name = "<stream>") {
  const std::optional<std::uint64_t> size = detail::serialize::remaining_bytes(in);
  return detail::serialize::read_model<Scalar>(in, options, name, "stream", size, false, nullptr,
                                               &metadata);
}

/// Saves the network to a file, atomically: it is written to a temporary file next to it
/// (path + ".tmp-..."), flushed to disk and renamed over `path`, so `path` holds either its
/// old contents or the complete new model, never a part of one.
/// \throws std::system_error naming the path and the OS error (the temporary file is removed
///         and `path` left as it was); NumericalError, ConfigError as `write`
template <class Scalar>
void save(const DeepNet<Scalar>& net, const std::string& path) {
  const std::string bytes = detail::serialize::encode(net);  // before touching the disk
  detail::write_file_atomically(path, bytes, "deepnet::save");
}

/// Saves the network with its metadata, atomically as `save` above: a version 3 file when the
/// metadata is not empty, else version 1.
/// \throws as `save` above; ConfigError as `write` with metadata
template <class Scalar>
void save(const DeepNet<Scalar>& net, const ModelMetadata& metadata, const std::string& path) {
  const std::string bytes = detail::serialize::encode(net, nullptr, &metadata);
  detail::write_file_atomically(path, bytes, "deepnet::save");
}

/// Loads a network saved by `save`: `load<double>("model.dnet")`. The file must hold exactly
/// one model.
/// \throws std::system_error if the file cannot be opened; FormatError naming the file, the
///         byte offset and the field when it is truncated or corrupted (checksum), is not a
///         model file, has another format version, holds the other scalar type (unless
///         `options.convert_scalar(true)`), describes an invalid network, or is larger than
///         `options.max_bytes()`
template <class Scalar = double>
DeepNet<Scalar> load(const std::string& path, const LoadOptions& options = LoadOptions()) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    detail::throw_os_error(errno != 0 ? errno : static_cast<int>(std::errc::io_error),
                           "deepnet::load: cannot open " + path);
  }
  const std::optional<std::uint64_t> size = detail::serialize::remaining_bytes(in);
  return detail::serialize::read_model<Scalar>(in, options, path, "file", size, true);
}

/// Loads a network and its metadata (class names, standardisation), saved by `save` with
/// metadata; a file without metadata (version 1 or 2) gives an empty `metadata`.
/// \code
///   deepnet::ModelMetadata metadata;
///   auto net = deepnet::load<double>("iris.dnet", metadata);
/// \endcode
/// \throws as the `load` above; FormatError naming the byte and the field of a damaged
///         metadata block
template <class Scalar = double>
DeepNet<Scalar> load(const std::string& path, ModelMetadata& metadata,
                     const LoadOptions& options = LoadOptions()) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    detail::throw_os_error(errno != 0 ? errno : static_cast<int>(std::errc::io_error),
                           "deepnet::load: cannot open " + path);
  }
  const std::optional<std::uint64_t> size = detail::serialize::remaining_bytes(in);
  return detail::serialize::read_model<Scalar>(in, options, path, "file", size, true, nullptr,
                                               &metadata);
}

}  // namespace deepnet

#include "../core/deep_net.hpp"

#endif  // DEEPNET_IO_MODEL_FILE_HPP
