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
#ifndef DEEPNET_IO_MODEL_FILE_HPP
#define DEEPNET_IO_MODEL_FILE_HPP

#include "../config.hpp"
#include "../core/activation.hpp"
#include "../core/layer.hpp"
#include "../core/loss.hpp"
#include "../detail/atomic_file.hpp"
#include "../detail/bytes.hpp"
#include "../detail/crc32.hpp"
#include "../detail/option.hpp"
#include "../errors.hpp"
#include "model_metadata.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepnet {

template <class Scalar>
class DeepNet;  // core/deep_net.hpp, included at the end (it includes this file through the
                // trainer, which saves checkpoints: io/checkpoint.hpp)

/// The newest version of the file format this build reads and writes. A file is written in
/// the oldest version that holds what it carries: a model alone in version 1 (which every
/// build reads), a checkpoint (a model with its training state) in version 2, a model with
/// metadata (class names, standardisation: ModelMetadata) in version 3.
inline constexpr std::uint32_t file_format_version = 3;

/// The 8 bytes every model file starts with: "DEEPNET" and a zero byte.
inline constexpr std::array<unsigned char, 8> file_magic = {'D', 'E', 'E', 'P',
                                                            'N', 'E', 'T', '\0'};

/// Limits a file may not exceed; a header beyond them is rejected before any allocation.
struct FileLimits {
  /// The most layers L a file may declare.
  static constexpr std::uint64_t max_layers = 1000;
  /// The most units n[l] (or inputs n[0]) a file may declare for one layer.
  static constexpr std::uint64_t max_units = 0xFFFFFFFFu;
  /// The most bytes of parameters a file may declare (2^62).
  static constexpr std::uint64_t max_parameter_bytes = std::uint64_t(1) << 62;
};

/// Settings of `load` and `read`.
class LoadOptions {
  /// Accept a file whose parameters have the other scalar type (float32 for a DeepNet<double>,
  /// float64 for a DeepNet<float>) and convert them; without it such a file is rejected.
  /// float32 to float64 is exact; float64 to float32 rounds, and a value beyond the range of
  /// float is a FormatError.
  DEEPNET_OPTION(LoadOptions, bool, convert_scalar, false)
  /// The largest model, in bytes of the file, that `load` and `read` accept: 2 GiB by default
  /// (268 million double parameters). A file that declares more is refused before anything is
  /// allocated for it; from a stream of unknown size, at most this many bytes are buffered.
  DEEPNET_OPTION(LoadOptions, std::uint64_t, max_bytes, std::uint64_t(2) << 30)
};

namespace detail {
namespace serialize {

/// Codes of the scalar_type field.
enum class FileScalar : std::uint32_t { Float32 = 1, Float64 = 2 };

template <class Scalar>
constexpr FileScalar file_scalar_of() {
  static_assert(std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value,
                "model files hold float or double parameters");
  return std::is_same<Scalar, float>::value ? FileScalar::Float32 : FileScalar::Float64;
}

inline const char* scalar_name(FileScalar code) {
  return code == FileScalar::Float32 ? "float32" : "float64";
}
inline std::size_t scalar_size(FileScalar code) {
  return code == FileScalar::Float32 ? 4 : 8;
}

// The codes of version 1. They are fixed by the format, not by the order of the enums.
inline std::uint8_t activation_code(Activation g) {
  switch (g) {
    case Activation::Identity:
      return 0;
    case Activation::Sigmoid:
      return 1;
    case Activation::Tanh:
      return 2;
    case Activation::ReLU:
      return 3;
    case Activation::LeakyReLU:
      return 4;
    case Activation::Softmax:
      return 5;
  }
  throw ConfigError("deepnet::write: unknown activation " + to_string(g));
}

inline std::optional<Activation> activation_of_code(std::uint8_t code) {
  switch (code) {
    case 0:
      return Activation::Identity;
    case 1:
      return Activation::Sigmoid;
    case 2:
      return Activation::Tanh;
    case 3:
      return Activation::ReLU;
    case 4:
      return Activation::LeakyReLU;
    case 5:
      return Activation::Softmax;
    default:
      return std::nullopt;
  }
}

inline std::uint8_t loss_code(Loss loss) {
  switch (loss) {
    case Loss::BinaryCrossEntropy:
      return 0;
    case Loss::CategoricalCrossEntropy:
      return 1;
    case Loss::MeanSquaredError:
      return 2;
  }
  throw ConfigError("deepnet::write: unknown loss " + to_string(loss));
}

inline std::optional<Loss> loss_of_code(std::uint8_t code) {
  switch (code) {
    case 0:
      return Loss::BinaryCrossEntropy;
    case 1:
      return Loss::CategoricalCrossEntropy;
    case 2:
      return Loss::MeanSquaredError;
    default:
      return std::nullopt;
  }
}

/// The smallest training state (docs/file_format.md): the fixed fields and no tensors.
inline constexpr std::uint64_t min_state_bytes =
    8 + 8 + 1 + 4 * 8 + 8 + 2 * (4 * 8 + 1 + 8) + 8 + 8;

/// Bit 0 of a layer's flags: batch normalisation. The other bits must be zero in version 1.
inline constexpr std::uint8_t flag_batch_norm = 0x01;

// The little-endian encoding (put_le, put_f64, put_scalar, get_le, ...) is detail/bytes.hpp.

inline double get_scalar(const unsigned char* bytes, FileScalar code) {
  if (code == FileScalar::Float32) return static_cast<double>(get_f32(bytes));  // exact
  return get_f64(bytes);
}

inline std::string hex32(std::uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(value));
  return text;
}

// "DEEPNEX\x00": bytes as C would write them, for the wrong-magic message.
inline std::string escaped(const unsigned char* bytes, std::size_t size) {
  std::string text;
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned char c = bytes[i];
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      text.push_back(static_cast<char>(c));
    } else {
      char code[5];
      std::snprintf(code, sizeof code, "\\x%02X", static_cast<unsigned>(c));
      text += code;
    }
  }
  return text;
}

// a * b and a + b on sizes, or nothing when the result would exceed `limit`.
inline std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b,
                                                std::uint64_t limit) {
  if (a != 0 && b > limit / a) return std::nullopt;
  return a * b;
}
inline std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b,
                                                std::uint64_t limit) {
  if (a > limit || b > limit - a) return std::nullopt;
  return a + b;
}

/// The header of a model file.
struct FileHeader {
  std::uint32_t version = 1;
  FileScalar scalar = FileScalar::Float64;
  std::vector<std::uint64_t> dims;  // n[0], ..., n[L]
  std::vector<Activation> activations;
  Loss loss = Loss::BinaryCrossEntropy;
  std::vector<bool> batch_norm;
  std::vector<double> keep_prob;
  double l2 = 0.0;
  std::uint64_t state_bytes = 0;     // version 2: the size of the training state
  std::uint64_t metadata_bytes = 0;  // version 3: the size of the metadata block
};

/// Bytes of the header for L layers: 8 magic + 4 version + 4 scalar + 8 count + 8 (L+1) dims
/// + L activations + 1 loss + 9 L (flags, keep_prob) + 8 l2; version 2 adds 8 (state_bytes),
/// version 3 8 (metadata_bytes).
inline std::uint64_t header_size(std::uint64_t layers, std::uint32_t version = 1) {
  return 41 + 18 * layers + (version >= 2 ? 8 : 0);
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
  const std::uint64_t layers = header.dims.size() - 1;
  const std::uint64_t start = header_size(layers, header.version);
  Layout layout;
  std::uint64_t bytes = 0;  // of parameters so far
  const auto add = [&](const std::string& name, std::uint64_t l, std::uint64_t rows,
                       std::uint64_t cols) {
    const auto count = checked_mul(rows, cols, limit);
    const auto length = count ? checked_mul(*count, size, limit) : std::nullopt;
    const auto sum = length ? checked_add(bytes, *length, limit) : std::nullopt;
    if (!sum) return false;
    layout.segments.push_back(
        Segment{name + "[" + std::to_string(l) + "]", start + bytes, rows, cols, size});
    bytes = *sum;
    return true;
  };
  for (std::uint64_t l = 1; l <= layers; ++l) {
    const std::uint64_t units = header.dims[l];
    bool ok = add("W", l, units, header.dims[l - 1]) && add("b", l, units, 1);
    if (header.batch_norm[l - 1]) {
      ok = ok && add("gamma", l, units, 1) && add("beta", l, units, 1) &&
           add("running_mean", l, units, 1) && add("running_var", l, units, 1);
    }
    if (!ok) return std::nullopt;
  }
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

/// Reads the model from a stream, keeping the offset and a running CRC-32, and turns every
/// problem into a FormatError.
class ModelReader {
 public:
  ModelReader(std::istream& in, std::string name, const char* noun)
      : m_in(in), m_name(std::move(name)), m_noun(noun) {}

  /// Throws the FormatError `<name>: byte <offset>: <problem>`.
  /// \param offset  the byte offset of the field at fault, from the start of the model
  /// \param field   the field, as docs/file_format.md names it: "magic", "version",
  ///                "scalar_type", "dims_count", "layer_dims[1]" (or "layer_dims" for the
  ///                sizes together), "activation[2]", "loss", "flags[1]", "keep_prob[1]",
  ///                "l2", "W[1]", "b[1]", "gamma[1]", "beta[1]", "running_mean[1]",
  ///                "running_var[1]", "parameters" (a read error), "checksum" or "end"
  /// \param problem what is wrong, for the message
  [[noreturn]] void fail(std::uint64_t offset, const std::string& field,
                         const std::string& problem) const {
    throw FormatError(m_name + ": byte " + std::to_string(offset) + ": " + problem, m_name,
                      static_cast<std::int64_t>(offset), field);
  }

  std::uint64_t offset() const noexcept { return m_offset; }
  std::uint32_t crc() const noexcept { return m_crc; }
  /// The file's name in messages.
  const std::string& name() const noexcept { return m_name; }
  /// Where the bytes this reader reads next sit in the model: for a reader over a section of
  /// the model read ahead into memory, so that its messages name the model's byte offsets.
  void set_offset(std::uint64_t offset) noexcept { m_offset = offset; }

  /// Reads up to n bytes; returns how many arrived (fewer only at the end of the input).
  std::size_t read_some(unsigned char* buffer, std::size_t n, const std::string& field) {
    std::size_t got = 0;
    while (got < n && m_in) {
      const std::size_t chunk = std::min<std::size_t>(n - got, std::size_t(1) << 20);
      m_in.read(reinterpret_cast<char*>(buffer + got), static_cast<std::streamsize>(chunk));
      got += static_cast<std::size_t>(m_in.gcount());
    }
    if (got < n && m_in.bad()) {
      fail(m_offset + got, field,
           std::string("read error in ") + field + " (the " + m_noun + " cannot be read)");
    }
    m_crc = crc32(buffer, got, m_crc);
    m_offset += got;
    return got;
  }

  /// Reads exactly n bytes of a field that starts at the current offset.
  void read_exact(unsigned char* buffer, std::size_t n, const std::string& field) {
    const std::uint64_t start = m_offset;
    const std::size_t got = read_some(buffer, n, field);
    if (got < n) truncated(start, field, start + n, start + got);
  }

  /// The input ended at `end` inside `field`, which spans [start, field_end).
  [[noreturn]] void truncated(std::uint64_t start, const std::string& field,
                              std::uint64_t field_end, std::uint64_t end) const {
    fail(start, field,
         "unexpected end of " + std::string(m_noun) + " in " + field + ": it takes bytes " +
             std::to_string(start) + ".." + std::to_string(field_end - 1) + ", and the " + m_noun +
             " ends after " + std::to_string(end) + " bytes (truncated " + m_noun + ")");
  }

  std::uint8_t u8(const std::string& field) {
    unsigned char byte = 0;
    read_exact(&byte, 1, field);
    return byte;
  }
  std::uint32_t u32(const std::string& field) {
    unsigned char bytes[4];
    read_exact(bytes, 4, field);
    return static_cast<std::uint32_t>(get_le(bytes, 4));
  }
  std::uint64_t u64(const std::string& field) {
    unsigned char bytes[8];
    read_exact(bytes, 8, field);
    return get_le(bytes, 8);
  }
  double f64(const std::string& field) {
    unsigned char bytes[8];
    read_exact(bytes, 8, field);
    return get_f64(bytes);
  }

 private:
  std::istream& m_in;
  std::string m_name;
  const char* m_noun;
  std::uint64_t m_offset = 0;
  std::uint32_t m_crc = 0;  // CRC-32 of the bytes so far
};

inline std::string layer_field(const char* name, std::uint64_t l) {
  return std::string(name) + "[" + std::to_string(l) + "]";
}

/// Reads and checks the header, field by field.
template <class Scalar>
FileHeader read_header(ModelReader& reader, const LoadOptions& options) {
  FileHeader header;

  unsigned char magic[8] = {};
  const std::size_t got = reader.read_some(magic, 8, "magic");
  if (std::memcmp(magic, file_magic.data(), got) != 0) {
    reader.fail(0, "magic",
                "not a deepnet model file: it starts with \"" + escaped(magic, got) +
                    "\", a model starts with the magic bytes \"" +
                    escaped(file_magic.data(), file_magic.size()) + "\"");
  }
  if (got < 8) reader.truncated(0, "magic", 8, got);

  std::uint64_t at = reader.offset();
  const std::uint32_t version = reader.u32("version");
  if (version == 4) {  // io/sequential_file.hpp: another kind of network
    reader.fail(at, "version",
                "format version 4 holds a Sequential network, not a DeepNet: read it with "
                "deepnet::load_sequential<Scalar>");
  }
  if (version < 1 || version > file_format_version) {
    reader.fail(at, "version",
                "unsupported format version " + std::to_string(version) +
                    " (this build reads versions 1 to " + std::to_string(file_format_version) +
                    ")");
  }
  header.version = version;

  at = reader.offset();
  const std::uint32_t scalar = reader.u32("scalar_type");
  if (scalar != static_cast<std::uint32_t>(FileScalar::Float32) &&
      scalar != static_cast<std::uint32_t>(FileScalar::Float64)) {
    reader.fail(
        at, "scalar_type",
        "unknown scalar_type code " + std::to_string(scalar) + " (1 is float32, 2 is float64)");
  }
  header.scalar = static_cast<FileScalar>(scalar);
  const FileScalar wanted = file_scalar_of<Scalar>();
  if (header.scalar != wanted && !options.convert_scalar()) {
    reader.fail(at, "scalar_type",
                std::string("scalar_type: the model holds ") + scalar_name(header.scalar) +
                    " parameters and " + scalar_name(wanted) +
                    " was asked for; load with LoadOptions().convert_scalar(true) to convert "
                    "them");
  }

  at = reader.offset();
  const std::uint64_t count = reader.u64("dims_count");
  if (count < 2 || count > FileLimits::max_layers + 1) {
    reader.fail(at, "dims_count",
                "dims_count: layer_dims holds " + std::to_string(count) +
                    " sizes; a model has 2 to " + std::to_string(FileLimits::max_layers + 1) +
                    " (L = 1 to " + std::to_string(FileLimits::max_layers) + " layers)");
  }
  const std::uint64_t layers = count - 1;
  header.dims.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t l = 0; l < count; ++l) {
    at = reader.offset();
    const std::string field = layer_field("layer_dims", l);
    const std::uint64_t n = reader.u64(field);
    if (n < 1 || n > FileLimits::max_units) {
      reader.fail(at, field,
                  field + " = n[" + std::to_string(l) + "] is " + std::to_string(n) +
                      "; a layer has 1 to " + std::to_string(FileLimits::max_units) + " units");
    }
    header.dims.push_back(n);
  }

  for (std::uint64_t l = 1; l <= layers; ++l) {
    at = reader.offset();
    const std::string field = layer_field("activation", l);
    const std::uint8_t code = reader.u8(field);
    const std::optional<Activation> g = activation_of_code(code);
    if (!g) {
      reader.fail(at, field,
                  field + " (g[" + std::to_string(l) + "]): unknown activation code " +
                      std::to_string(code) +
                      " (0 Identity, 1 Sigmoid, 2 Tanh, 3 ReLU, 4 LeakyReLU, 5 Softmax)");
    }
    if (*g == Activation::Softmax && l < layers) {
      reader.fail(at, field,
                  field + " (g[" + std::to_string(l) + "]) is Softmax, which is for the output " +
                      "layer only, and layer " + std::to_string(l) + " is a hidden layer");
    }
    header.activations.push_back(*g);
  }

  at = reader.offset();
  const std::uint8_t code = reader.u8("loss");
  const std::optional<Loss> loss = loss_of_code(code);
  if (!loss) {
    reader.fail(at, "loss",
                "unknown loss code " + std::to_string(code) +
                    " (0 BinaryCrossEntropy, 1 CategoricalCrossEntropy, 2 MeanSquaredError)");
  }
  try {
    require_compatible(header.activations.back(), *loss);
  } catch (const ConfigError& e) {
    reader.fail(at, "loss", std::string("loss: ") + e.what());
  }
  header.loss = *loss;

  for (std::uint64_t l = 1; l <= layers; ++l) {
    at = reader.offset();
    std::string field = layer_field("flags", l);
    const std::uint8_t flags = reader.u8(field);
    if ((flags & ~flag_batch_norm) != 0) {
      char bits[8];
      std::snprintf(bits, sizeof bits, "0x%02X", static_cast<unsigned>(flags & ~flag_batch_norm));
      reader.fail(at, field,
                  field + ": unknown flag bits " + bits +
                      " (versions 1 to 3 define bit 0 only, batch normalisation)");
    }
    header.batch_norm.push_back((flags & flag_batch_norm) != 0);

    at = reader.offset();
    field = layer_field("keep_prob", l);
    const double keep_prob = reader.f64(field);
    if (!(keep_prob > 0.0 && keep_prob <= 1.0)) {
      reader.fail(at, field, field + " must be in (0, 1], got " + number_string(keep_prob));
    }
    if (l == layers && keep_prob != 1.0) {
      reader.fail(at, field,
                  field + " is " + number_string(keep_prob) + ", but layer " + std::to_string(l) +
                      " is the output layer; dropout is for hidden layers only, so it must be 1");
    }
    header.keep_prob.push_back(keep_prob);
  }

  at = reader.offset();
  header.l2 = reader.f64("l2");
  if (!(header.l2 >= 0.0) || !std::isfinite(header.l2)) {
    reader.fail(at, "l2",
                "l2: lambda must be 0 or more and finite, got " + number_string(header.l2));
  }
  // The size of the block that follows the parameters: the metadata (version 3) or the
  // training state (version 2).
  const auto block_bytes = [&reader](const char* field, std::uint32_t in_version,
                                     std::uint64_t minimum, const char* what) {
    const std::uint64_t start = reader.offset();
    const std::uint64_t bytes = reader.u64(field);
    if (bytes < minimum || bytes > FileLimits::max_parameter_bytes) {
      reader.fail(start, field,
                  std::string(field) + ": a version " + std::to_string(in_version) +
                      " file holds " + what + " of " + std::to_string(minimum) + " to " +
                      std::to_string(FileLimits::max_parameter_bytes) + " bytes, this one says " +
                      std::to_string(bytes));
    }
    return bytes;
  };
  if (version == 3) {
    header.metadata_bytes =
        block_bytes("metadata_bytes", 3, min_metadata_bytes, "a metadata block");
  }
  if (version == 2) {
    header.state_bytes = block_bytes("state_bytes", 2, min_state_bytes, "a training state");
  }
  return header;
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

  std::size_t next = 0;  // index into layout.segments
  for (std::uint64_t l = 1; l <= layers; ++l) {
    Layer<Scalar>& current = net.layer(static_cast<Index>(l));
    const auto fill = [&](auto&& target) {
      const Segment& segment = layout.segments[next++];
      const unsigned char* data = bytes.data() + (segment.start - parameters_start);
      for (std::uint64_t i = 0; i < segment.rows; ++i) {
        for (std::uint64_t j = 0; j < segment.cols; ++j) {
          const double value = get_scalar(data, header.scalar);
          data += segment.value_size;
          require_value(reader, segment, i, j, value, target, header.scalar);
        }
      }
    };
    fill(current.W());
    fill(current.b());
    if (header.batch_norm[l - 1]) {
      BatchNorm<Scalar>& norm = current.batch_norm();
      fill(norm.gamma());
      fill(norm.beta());
      fill(norm.running_mean());
      fill(norm.running_var());
    }
  }
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

// Bytes from the current position to the end of a seekable stream; nothing for a pipe.
inline std::optional<std::uint64_t> remaining_bytes(std::istream& in) {
  if (!in) return std::nullopt;
  const std::istream::pos_type start = in.tellg();
  if (start == std::istream::pos_type(-1)) {
    in.clear();
    return std::nullopt;
  }
  in.seekg(0, std::ios::end);
  const std::istream::pos_type end = in.tellg();
  in.clear();
  in.seekg(start);
  if (!in || end == std::istream::pos_type(-1) || end < start) {
    in.clear();
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(end - start);
}

/// Throws NumericalError or ConfigError when the network cannot be written as a file that
/// `read` accepts.
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
  const auto require = [](bool ok, Index l, const char* symbol, const char* why) {
    if (!ok) {
      throw NumericalError("deepnet::write: layer " + std::to_string(l) + ": " + symbol +
                               " holds " + why + "; such a model cannot be saved",
                           l, symbol);
    }
  };
  for (Index l = 1; l <= layers; ++l) {
    const Layer<Scalar>& current = net.layer(l);
    require(all_finite(current.W()), l, "W", "NaN or infinity");
    require(all_finite(current.b()), l, "b", "NaN or infinity");
    if (current.has_batch_norm()) {
      const BatchNorm<Scalar>& norm = current.batch_norm();
      require(all_finite(norm.gamma()), l, "gamma", "NaN or infinity");
      require(all_finite(norm.beta()), l, "beta", "NaN or infinity");
      require(all_finite(norm.running_mean()), l, "running_mean", "NaN or infinity");
      require(all_finite(norm.running_var()), l, "running_var", "NaN or infinity");
      require((norm.running_var().array() >= Scalar(0)).all(), l, "running_var",
              "a negative variance");
    }
  }
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
  const Index layers = net.L();
  std::string out;
  std::uint64_t parameters = 0;
  for (Index l = 1; l <= layers; ++l) {
    const Layer<Scalar>& current = net.layer(l);
    parameters += static_cast<std::uint64_t>(current.W().size() + current.b().size()) +
                  (current.has_batch_norm() ? 4 * static_cast<std::uint64_t>(current.units())
                                            : std::uint64_t(0));
  }
  const std::uint32_t version = state != nullptr ? 2 : !block.empty() ? 3 : 1;
  out.reserve(static_cast<std::size_t>(header_size(static_cast<std::uint64_t>(layers), version) +
                                       parameters * sizeof(Scalar) +
                                       (state != nullptr ? state->size() : 0) + block.size() + 4));

  out.append(reinterpret_cast<const char*>(file_magic.data()), file_magic.size());
  put_le(out, version, 4);
  put_le(out, static_cast<std::uint32_t>(file_scalar_of<Scalar>()), 4);
  put_le(out, static_cast<std::uint64_t>(net.dims().size()), 8);
  for (const Index n : net.dims())
    put_le(out, static_cast<std::uint64_t>(n), 8);
  for (Index l = 1; l <= layers; ++l)
    put_le(out, activation_code(net.layer(l).activation()), 1);
  put_le(out, loss_code(net.loss()), 1);
  for (Index l = 1; l <= layers; ++l) {
    put_le(out, net.layer(l).has_batch_norm() ? flag_batch_norm : std::uint8_t(0), 1);
    put_f64(out, net.layer(l).keep_prob());
  }
  put_f64(out, net.l2());
  if (state != nullptr) put_le(out, static_cast<std::uint64_t>(state->size()), 8);
  if (version == 3) put_le(out, static_cast<std::uint64_t>(block.size()), 8);

  const auto put_matrix = [&out](const auto& M) {  // row by row
    for (Index i = 0; i < M.rows(); ++i) {
      for (Index j = 0; j < M.cols(); ++j)
        put_scalar<Scalar>(out, M(i, j));
    }
  };
  for (Index l = 1; l <= layers; ++l) {
    const Layer<Scalar>& current = net.layer(l);
    put_matrix(current.W());
    put_matrix(current.b());
    if (current.has_batch_norm()) {
      const BatchNorm<Scalar>& norm = current.batch_norm();
      put_matrix(norm.gamma());
      put_matrix(norm.beta());
      put_matrix(norm.running_mean());
      put_matrix(norm.running_var());
    }
  }
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
