/// \file io/model_header.hpp
/// The header of deepnet's DeepNet model file (docs/file_format.md, versions 1 to 3): the
/// format's constants and limits (`file_format_version`, `file_magic`, `FileLimits`), the
/// settings of loading (`LoadOptions`), the codes of the scalar type, activations and losses,
/// and the header itself (`FileHeader`): written by `put_header`, read and checked field by
/// field by `read_header`. The parameter block that follows is io/model_tensors.hpp's.
#ifndef DEEPNET_IO_MODEL_HEADER_HPP
#define DEEPNET_IO_MODEL_HEADER_HPP

#include "../config.hpp"
#include "../core/activation.hpp"
#include "../core/loss.hpp"
#include "../detail/bytes.hpp"
#include "../detail/option.hpp"
#include "../errors.hpp"
#include "model_metadata.hpp"
#include "model_reader.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace deepnet {

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

/// Appends the header's bytes, field by field in the file's order.
inline void put_header(std::string& out, const FileHeader& header) {
  out.append(reinterpret_cast<const char*>(file_magic.data()), file_magic.size());
  put_le(out, header.version, 4);
  put_le(out, static_cast<std::uint32_t>(header.scalar), 4);
  put_le(out, static_cast<std::uint64_t>(header.dims.size()), 8);
  for (const std::uint64_t n : header.dims)
    put_le(out, n, 8);
  for (const Activation g : header.activations)
    put_le(out, activation_code(g), 1);
  put_le(out, loss_code(header.loss), 1);
  for (std::size_t l = 0; l < header.batch_norm.size(); ++l) {
    put_le(out, header.batch_norm[l] ? flag_batch_norm : std::uint8_t(0), 1);
    put_f64(out, header.keep_prob[l]);
  }
  put_f64(out, header.l2);
  if (header.version == 2) put_le(out, header.state_bytes, 8);
  if (header.version == 3) put_le(out, header.metadata_bytes, 8);
}

inline std::string layer_field(const char* name, std::uint64_t l) {
  return std::string(name) + "[" + std::to_string(l) + "]";
}

/// Reads the 8 magic bytes that start every model file (DeepNet's and Sequential's) and fails,
/// showing what the input starts with, unless they are deepnet's.
inline void read_magic(ModelReader& reader) {
  unsigned char magic[8] = {};
  const std::size_t got = reader.read_some(magic, 8, "magic");
  if (std::memcmp(magic, file_magic.data(), got) != 0) {
    reader.fail(0, "magic",
                "not a deepnet model file: it starts with \"" + escaped(magic, got) +
                    "\", a model starts with the magic bytes \"" +
                    escaped(file_magic.data(), file_magic.size()) + "\"");
  }
  if (got < 8) reader.truncated(0, "magic", 8, got);
}

/// Reads the scalar_type field (float32 or float64), failing at its offset for another code.
inline FileScalar read_scalar_type(ModelReader& reader) {
  const std::uint64_t at = reader.offset();
  const std::uint32_t scalar = reader.u32("scalar_type");
  if (scalar != static_cast<std::uint32_t>(FileScalar::Float32) &&
      scalar != static_cast<std::uint32_t>(FileScalar::Float64)) {
    reader.fail(
        at, "scalar_type",
        "unknown scalar_type code " + std::to_string(scalar) + " (1 is float32, 2 is float64)");
  }
  return static_cast<FileScalar>(scalar);
}

/// Reads and checks the header, field by field.
template <class Scalar>
FileHeader read_header(ModelReader& reader, const LoadOptions& options) {
  FileHeader header;

  read_magic(reader);

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
  header.scalar = read_scalar_type(reader);
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

}  // namespace serialize
}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_MODEL_HEADER_HPP
