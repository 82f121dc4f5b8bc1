/// \file io/sequential_file.hpp
/// Saving and loading a `Sequential` network of built-in modules in the model format
/// (docs/file_format.md, "Sequential networks"): version 4 of the file, with the magic of every
/// model file.
///
/// \code
///   deepnet::save(net, "model.dnet");                              // a Sequential<double>
///   auto same = deepnet::load_sequential<double>("model.dnet");    // the same chain and bits
/// \endcode
///
/// The file records the chain (each module's kind and settings: Dense units and bias, the
/// activation, BatchNorm's epsilon and momentum, Dropout's keep_prob and seed), the loss, and
/// every tensor of the parameter registry under its name (`W[1]`, `b[1]`, `gamma[2]`,
/// `running_var[2]`, ...), written and read as a loop over the registry, then a CRC-32. A
/// module of the program's cannot be rebuilt by `load`, so `save` refuses a network that holds
/// one, naming it; so it does for a loss of the program's. Loading checks every field and
/// names the file, the byte offset and the field of a problem, as `load` does for a DeepNet;
/// the sizes the chain declares are checked against the bytes present (and
/// LoadOptions::max_bytes) before the network is built.
#ifndef DEEPNET_IO_SEQUENTIAL_FILE_HPP
#define DEEPNET_IO_SEQUENTIAL_FILE_HPP

#include "../config.hpp"
#include "../core/sequential.hpp"
#include "../detail/atomic_file.hpp"
#include "../detail/bytes.hpp"
#include "../detail/crc32.hpp"
#include "../errors.hpp"
#include "../modules/activation.hpp"
#include "../modules/batch_norm.hpp"
#include "../modules/dense.hpp"
#include "../modules/dropout.hpp"
#include "model_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <system_error>
#include <typeinfo>
#include <vector>

namespace deepnet {

/// The version field of a file that holds a Sequential network (versions 1 to 3 hold a
/// DeepNet: `file_format_version`).
inline constexpr std::uint32_t sequential_format_version = 4;

namespace detail {
namespace serialize {

/// Codes of a module's kind in a version 4 file.
enum class ModuleKind : std::uint8_t { Dense = 1, Activation = 2, BatchNorm = 3, Dropout = 4 };

/// The longest tensor name a file may hold ("running_mean[1000]" takes 18 bytes).
inline constexpr std::uint64_t max_tensor_name = 64;

/// Bytes of the fixed part of a version 4 header: magic, version, scalar_type, input_size,
/// module_count, loss.
inline constexpr std::uint64_t sequential_fixed_bytes = 8 + 4 + 4 + 8 + 8 + 1;

/// The built-in module `module` is, or nothing for a module of the program's. The type must be
/// exactly a library class: a class of the program's derived from one may compute something
/// else, which `load` could not rebuild.
template <class Scalar>
std::optional<ModuleKind> kind_of(const Module<Scalar>& module) {
  const std::type_info& type = typeid(module);
  if (type == typeid(modules::Dense<Scalar>)) return ModuleKind::Dense;
  if (type == typeid(modules::BatchNorm<Scalar>)) return ModuleKind::BatchNorm;
  if (type == typeid(modules::Dropout<Scalar>)) return ModuleKind::Dropout;
  if (type == typeid(modules::ActivationModule<Scalar>) || type == typeid(modules::ReLU<Scalar>) ||
      type == typeid(modules::LeakyReLU<Scalar>) || type == typeid(modules::Sigmoid<Scalar>) ||
      type == typeid(modules::Tanh<Scalar>) || type == typeid(modules::Softmax<Scalar>) ||
      type == typeid(modules::Identity<Scalar>)) {
    return ModuleKind::Activation;
  }
  return std::nullopt;
}

/// The whole version 4 file of a Sequential as bytes.
/// \throws ConfigError naming a module or a loss of the program's, or a network beyond the
///         format's limits; NumericalError naming the tensor that holds NaN or infinity (or a
///         negative running variance)
template <class Scalar>
std::string encode_sequential(const Sequential<Scalar>& constant) {
  const char* where = "deepnet::save";
  // The registry is walked through non-const modules; nothing here changes them.
  Sequential<Scalar>& net = const_cast<Sequential<Scalar>&>(constant);
  const Index K = net.size();
  if (K < 1 || static_cast<std::uint64_t>(K) > FileLimits::max_layers) {
    throw ConfigError(std::string(where) + ": a Sequential file holds 1 to " +
                      std::to_string(FileLimits::max_layers) + " modules, this network has " +
                      std::to_string(K));
  }
  const std::optional<Loss> loss = net.loss().builtin();
  if (!loss) {
    throw ConfigError(std::string(where) + ": the network trains on the loss \"" +
                      net.loss().name() +
                      "\" of the program's, which a model file cannot hold; save a network "
                      "with a built-in Loss, or save its tensors with save_npz");
  }
  std::string out;
  out.append(reinterpret_cast<const char*>(file_magic.data()), file_magic.size());
  put_le(out, sequential_format_version, 4);
  put_le(out, static_cast<std::uint32_t>(file_scalar_of<Scalar>()), 4);
  put_le(out, static_cast<std::uint64_t>(net.input_size()), 8);
  put_le(out, static_cast<std::uint64_t>(K), 8);
  put_le(out, loss_code(*loss), 1);
  for (Index k = 1; k <= K; ++k) {
    const Module<Scalar>& module = net.module(k);
    const std::optional<ModuleKind> kind = kind_of(module);
    if (!kind) {
      throw ConfigError(std::string(where) + ": module " + std::to_string(k) + " (" +
                        module.name() +
                        ") is a module of the program's, which load could not rebuild; a model "
                        "file holds Dense, the activations, BatchNorm and Dropout (save the "
                        "tensors with save_npz and rebuild the network in the program)");
    }
    if (static_cast<std::uint64_t>(net.output_size(k)) > FileLimits::max_units) {
      throw ConfigError(std::string(where) + ": module " + std::to_string(k) + " has " +
                        std::to_string(net.output_size(k)) +
                        " outputs; a model file holds at most " +
                        std::to_string(FileLimits::max_units));
    }
    put_le(out, static_cast<std::uint8_t>(*kind), 1);
    switch (*kind) {
      case ModuleKind::Dense: {
        const auto& dense = static_cast<const modules::Dense<Scalar>&>(module);
        put_le(out, static_cast<std::uint64_t>(dense.units()), 8);
        put_le(out, dense.has_bias() ? 1u : 0u, 1);
        break;
      }
      case ModuleKind::Activation:
        put_le(out, activation_code(*module.activation()), 1);
        break;
      case ModuleKind::BatchNorm:
        put_f64(out, BatchNorm<Scalar>::epsilon);
        put_f64(out, BatchNorm<Scalar>::momentum);
        break;
      case ModuleKind::Dropout: {
        const auto& dropout = static_cast<const modules::Dropout<Scalar>&>(module);
        put_f64(out, dropout.keep_prob());
        put_le(out, dropout.seed(), 8);
        break;
      }
    }
  }
  // The registry, tensor by tensor: name, shape, values row by row.
  const std::vector<NamedTensor<Scalar>> tensors = net.parameters();
  put_le(out, static_cast<std::uint64_t>(tensors.size()), 8);
  for (const NamedTensor<Scalar>& tensor : tensors) {
    if (!all_finite(tensor.value)) {
      throw NumericalError(std::string(where) + ": module " + std::to_string(tensor.layer) + ": " +
                               tensor.name + " holds NaN or infinity; such a model cannot be saved",
                           tensor.layer, tensor.symbol);
    }
    if (std::string(tensor.symbol) == "running_var" && !(tensor.value.array() >= Scalar(0)).all()) {
      throw NumericalError(std::string(where) + ": module " + std::to_string(tensor.layer) + ": " +
                               tensor.name +
                               " holds a negative variance; such a model cannot be saved",
                           tensor.layer, tensor.symbol);
    }
    put_le(out, static_cast<std::uint64_t>(tensor.name.size()), 1);
    out += tensor.name;
    put_le(out, static_cast<std::uint64_t>(tensor.value.rows()), 8);
    put_le(out, static_cast<std::uint64_t>(tensor.value.cols()), 8);
    for (Index i = 0; i < tensor.value.rows(); ++i) {
      for (Index j = 0; j < tensor.value.cols(); ++j)
        put_scalar<Scalar>(out, tensor.value(i, j));
    }
  }
  put_le(out, crc32(out.data(), out.size()), 4);
  return out;
}

/// One module of the chain as read, before the network is built.
struct ModuleRecord {
  ModuleKind kind = ModuleKind::Dense;
  std::uint64_t offset = 0;  // of its kind byte
  std::uint64_t units = 0;   // Dense
  bool bias = true;          // Dense
  Activation activation = Activation::Identity;
  double keep_prob = 1.0;  // Dropout
  std::uint64_t seed = 0;  // Dropout
};

/// Reads a version 4 file (the magic and version already read and checked by the caller).
template <class Scalar>
Sequential<Scalar> read_sequential_body(ModelReader& reader, const LoadOptions& options,
                                        const char* noun, std::optional<std::uint64_t> size,
                                        bool whole_input, std::istream& in) {
  std::uint64_t at = reader.offset();
  const FileScalar file_scalar = read_scalar_type(reader);
  const FileScalar wanted = file_scalar_of<Scalar>();
  if (file_scalar != wanted && !options.convert_scalar()) {
    reader.fail(at, "scalar_type",
                std::string("scalar_type: the model holds ") + scalar_name(file_scalar) +
                    " parameters and " + scalar_name(wanted) +
                    " was asked for; load with LoadOptions().convert_scalar(true) to convert "
                    "them");
  }
  const std::uint64_t value_size = scalar_size(file_scalar);

  at = reader.offset();
  const std::uint64_t inputs = reader.u64("input_size");
  if (inputs < 1 || inputs > FileLimits::max_units) {
    reader.fail(at, "input_size",
                "input_size = n[0] is " + std::to_string(inputs) + "; it must be 1 to " +
                    std::to_string(FileLimits::max_units));
  }
  at = reader.offset();
  const std::uint64_t count = reader.u64("module_count");
  if (count < 1 || count > FileLimits::max_layers) {
    reader.fail(at, "module_count",
                "module_count is " + std::to_string(count) + "; a Sequential file holds 1 to " +
                    std::to_string(FileLimits::max_layers) + " modules");
  }
  const std::uint64_t loss_at = reader.offset();
  const std::uint8_t loss_byte = reader.u8("loss");
  const std::optional<Loss> loss = loss_of_code(loss_byte);
  if (!loss) {
    reader.fail(loss_at, "loss",
                "unknown loss code " + std::to_string(loss_byte) +
                    " (0 BinaryCrossEntropy, 1 CategoricalCrossEntropy, 2 MeanSquaredError)");
  }

  // The chain, and the bytes its tensors take: checked against the input before building.
  std::vector<ModuleRecord> chain;
  chain.reserve(static_cast<std::size_t>(count));
  std::uint64_t n = inputs, tensor_bytes = 0, tensor_count = 0;
  const std::uint64_t limit = FileLimits::max_parameter_bytes;
  const auto add_tensor = [&](std::uint64_t rows, std::uint64_t cols, const std::string& name) {
    const auto values = checked_mul(rows, cols, limit);
    const auto bytes = values ? checked_mul(*values, value_size, limit) : std::nullopt;
    // name length, name, rows, cols, values
    const auto with_header =
        bytes ? checked_add(*bytes, 1 + name.size() + 16, limit) : std::nullopt;
    const auto sum = with_header ? checked_add(tensor_bytes, *with_header, limit) : std::nullopt;
    if (!sum) return false;
    tensor_bytes = *sum;
    ++tensor_count;
    return true;
  };
  for (std::uint64_t k = 1; k <= count; ++k) {
    ModuleRecord record;
    record.offset = reader.offset();
    const std::string kind_field = layer_field("module_kind", k);
    const std::uint8_t kind = reader.u8(kind_field);
    const std::string index = "[" + std::to_string(k) + "]";
    bool fits = true;
    switch (kind) {
      case static_cast<std::uint8_t>(ModuleKind::Dense): {
        record.kind = ModuleKind::Dense;
        at = reader.offset();
        record.units = reader.u64("units" + index);
        if (record.units < 1 || record.units > FileLimits::max_units) {
          reader.fail(at, "units" + index,
                      "units" + index + " of Dense module " + std::to_string(k) + " is " +
                          std::to_string(record.units) + "; it must be 1 to " +
                          std::to_string(FileLimits::max_units));
        }
        at = reader.offset();
        const std::uint8_t bias = reader.u8("bias" + index);
        if (bias > 1) {
          reader.fail(at, "bias" + index,
                      "bias" + index + " is " + std::to_string(bias) +
                          "; it must be 1 (with b) or 0 (without)");
        }
        record.bias = bias == 1;
        fits = add_tensor(record.units, n, "W" + index);
        if (record.bias) fits = fits && add_tensor(record.units, 1, "b" + index);
        n = record.units;
        break;
      }
      case static_cast<std::uint8_t>(ModuleKind::Activation): {
        record.kind = ModuleKind::Activation;
        at = reader.offset();
        const std::uint8_t code = reader.u8("activation" + index);
        const std::optional<Activation> g = activation_of_code(code);
        if (!g) {
          reader.fail(at, "activation" + index,
                      "activation" + index + ": unknown activation code " + std::to_string(code) +
                          " (0 Identity, 1 Sigmoid, 2 Tanh, 3 ReLU, 4 LeakyReLU, 5 Softmax)");
        }
        record.activation = *g;
        break;
      }
      case static_cast<std::uint8_t>(ModuleKind::BatchNorm): {
        record.kind = ModuleKind::BatchNorm;
        const std::pair<const char*, double> settings[] = {
            {"epsilon", BatchNorm<Scalar>::epsilon}, {"momentum", BatchNorm<Scalar>::momentum}};
        for (const auto& [name, expected] : settings) {
          at = reader.offset();
          const double value = reader.f64(name + index);
          if (value != expected) {
            reader.fail(at, name + index,
                        name + index + " of BatchNorm module " + std::to_string(k) + " is " +
                            number_string(value) + "; this build's batch normalisation uses " +
                            number_string(expected));
          }
        }
        for (const char* name : {"gamma", "beta", "running_mean", "running_var"})
          fits = fits && add_tensor(n, 1, name + index);
        break;
      }
      case static_cast<std::uint8_t>(ModuleKind::Dropout): {
        record.kind = ModuleKind::Dropout;
        at = reader.offset();
        record.keep_prob = reader.f64("keep_prob" + index);
        if (!(record.keep_prob > 0.0 && record.keep_prob <= 1.0)) {
          reader.fail(
              at, "keep_prob" + index,
              "keep_prob" + index + " must be in (0, 1], got " + number_string(record.keep_prob));
        }
        record.seed = reader.u64("seed" + index);
        break;
      }
      default:
        reader.fail(record.offset, kind_field,
                    kind_field + ": unknown module kind " + std::to_string(kind) +
                        " (1 Dense, 2 activation, 3 BatchNorm, 4 Dropout; a module of a "
                        "program is never saved)");
    }
    if (!fits) {
      reader.fail(
          record.offset, kind_field,
          kind_field + ": the tensors would take more than " + std::to_string(limit) + " bytes");
    }
    chain.push_back(record);
  }
  const std::uint64_t tensors_start = reader.offset();
  // tensor_count, the tensors, the checksum
  const std::uint64_t total = tensors_start + 8 + tensor_bytes + 4;
  if (size && *size < total) {
    reader.fail(tensors_start, "tensors",
                "unexpected end of " + std::string(noun) + ": by its modules the model takes " +
                    std::to_string(total) + " bytes, and the " + noun + " holds " +
                    std::to_string(*size) + " (truncated " + noun + ", or a corrupted header)");
  }
  if (size && whole_input && *size > total) {
    reader.fail(total, "end",
                std::to_string(*size - total) +
                    " unexpected bytes after the checksum: by its header the model ends at byte " +
                    std::to_string(total) + " (a corrupted header, or not a single model)");
  }
  if (total > options.max_bytes()) {
    reader.fail(tensors_start, "tensors",
                "the model takes " + std::to_string(total) + " bytes, more than the limit of " +
                    std::to_string(options.max_bytes()) + " (LoadOptions::max_bytes)");
  }

  // From a stream of unknown length (a pipe), the tensors are read ahead into memory first,
  // as the bytes arrive: a header that lies about the sizes then fails at the end of the
  // input instead of making the network allocate what the header says.
  std::string section;
  std::istringstream section_in;
  std::optional<ModelReader> section_reader;
  if (!size) {
    const std::uint64_t section_bytes = 8 + tensor_bytes;
    while (section.size() < section_bytes) {
      const std::size_t old_size = section.size();
      const std::size_t chunk = static_cast<std::size_t>(
          std::min<std::uint64_t>(section_bytes - old_size, std::uint64_t(1) << 20));
      section.resize(old_size + chunk);
      const std::size_t got =
          reader.read_some(reinterpret_cast<unsigned char*>(&section[old_size]), chunk, "tensors");
      if (got < chunk) {
        reader.fail(reader.offset(), "tensors",
                    "unexpected end of " + std::string(noun) + ": by its modules the model takes " +
                        std::to_string(total) + " bytes, and the " + noun + " ends after " +
                        std::to_string(reader.offset()) + " (truncated " + noun +
                        ", or a corrupted header)");
      }
    }
    section_in.str(section);
    section_reader.emplace(section_in, reader.name(), noun);
    section_reader->set_offset(tensors_start);
  }
  ModelReader& tensor_reader = section_reader ? *section_reader : reader;

  // Only now, with every size checked against the input, is the network built.
  std::optional<Sequential<Scalar>> built;
  built.emplace(static_cast<Index>(inputs));
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const ModuleRecord& record = chain[i];
    try {
      switch (record.kind) {
        case ModuleKind::Dense:
          built->add(std::make_unique<modules::Dense<Scalar>>(
              static_cast<Index>(record.units),
              record.bias ? modules::Bias::With : modules::Bias::Without));
          break;
        case ModuleKind::Activation:
          built->add(std::make_unique<modules::ActivationModule<Scalar>>(record.activation));
          break;
        case ModuleKind::BatchNorm:
          built->add(std::make_unique<modules::BatchNorm<Scalar>>());
          break;
        case ModuleKind::Dropout:
          built->add(std::make_unique<modules::Dropout<Scalar>>(record.keep_prob, record.seed));
          break;
      }
    } catch (const ConfigError& e) {
      reader.fail(record.offset, layer_field("module_kind", i + 1),
                  std::string("the chain describes no valid network: ") + e.what());
    }
  }
  Sequential<Scalar>& net = *built;
  const std::optional<Activation> g = net.module(net.size()).activation();
  if (g) {
    try {
      require_compatible(*g, *loss);
    } catch (const ConfigError& e) {
      reader.fail(loss_at, "loss", std::string("loss: ") + e.what());
    }
  } else if (*loss != Loss::MeanSquaredError) {
    reader.fail(loss_at, "loss",
                "loss: " + to_string(*loss) +
                    " needs a Sigmoid or Softmax last module, and module " +
                    std::to_string(net.size()) + " is " + net.module(net.size()).name());
  }
  net.set_loss(*loss);

  // The registry, tensor by tensor, in the order the network lists it.
  std::vector<NamedTensor<Scalar>> tensors = net.parameters();
  at = tensor_reader.offset();
  const std::uint64_t stored_count = tensor_reader.u64("tensor_count");
  if (stored_count != tensors.size() || stored_count != tensor_count) {
    tensor_reader.fail(at, "tensor_count",
                       "tensor_count is " + std::to_string(stored_count) +
                           ", but the modules hold " + std::to_string(tensors.size()) + " tensors");
  }
  std::vector<unsigned char> bytes;
  for (NamedTensor<Scalar>& tensor : tensors) {
    at = tensor_reader.offset();
    const std::string name_field = "name of " + tensor.name;
    const std::uint8_t length = tensor_reader.u8(name_field);
    std::string name(length, '\0');
    if (length > 0)
      tensor_reader.read_exact(reinterpret_cast<unsigned char*>(&name[0]), length, name_field);
    if (name != tensor.name) {
      tensor_reader.fail(
          at, name_field,
          "the tensor here is named \"" +
              escaped(reinterpret_cast<const unsigned char*>(name.data()), name.size()) +
              "\", but the modules list " + tensor.name + " in this place");
    }
    at = tensor_reader.offset();
    const std::uint64_t rows = tensor_reader.u64("rows of " + tensor.name);
    const std::uint64_t cols = tensor_reader.u64("cols of " + tensor.name);
    if (rows != static_cast<std::uint64_t>(tensor.value.rows()) ||
        cols != static_cast<std::uint64_t>(tensor.value.cols())) {
      tensor_reader.fail(at, "rows of " + tensor.name,
                         tensor.name + " is " + std::to_string(rows) + " x " +
                             std::to_string(cols) + " in the file, but its module makes it " +
                             std::to_string(tensor.value.rows()) + " x " +
                             std::to_string(tensor.value.cols()));
    }
    const Segment segment{tensor.name, tensor_reader.offset(), rows, cols, value_size};
    bytes.resize(static_cast<std::size_t>(segment.bytes()));
    tensor_reader.read_exact(bytes.data(), bytes.size(), tensor.name);
    const unsigned char* data = bytes.data();
    for (std::uint64_t i = 0; i < rows; ++i) {
      for (std::uint64_t j = 0; j < cols; ++j) {
        require_value(tensor_reader, segment, i, j, get_scalar(data, file_scalar), tensor.value,
                      file_scalar);
        data += value_size;
      }
    }
  }
  const std::uint32_t computed = reader.crc();
  const std::uint64_t checksum_at = reader.offset();
  const std::uint32_t stored = reader.u32("checksum");
  if (stored != computed) {
    reader.fail(checksum_at, "checksum",
                "checksum mismatch: the file stores CRC-32 " + hex32(stored) + ", but bytes 0.." +
                    std::to_string(checksum_at - 1) + " give " + hex32(computed) + " (the " + noun +
                    " is corrupted)");
  }
  if (whole_input && !size) {
    char extra = 0;
    if (in.read(&extra, 1).gcount() != 0) {
      reader.fail(reader.offset(), "end",
                  "unexpected bytes after the checksum: by its header the model ends at byte " +
                      std::to_string(reader.offset()) +
                      " (a corrupted header, or not a single model)");
    }
  }
  return std::move(net);
}

/// Reads the magic and the version of a Sequential file, then the rest.
template <class Scalar>
Sequential<Scalar> read_sequential_model(std::istream& in, const LoadOptions& options,
                                         const std::string& name, const char* noun,
                                         std::optional<std::uint64_t> size, bool whole_input) {
  ModelReader reader(in, name, noun);
  read_magic(reader);
  const std::uint32_t version = reader.u32("version");
  if (version >= 1 && version <= file_format_version) {
    reader.fail(8, "version",
                "format version " + std::to_string(version) +
                    " holds a DeepNet, not a Sequential: read it with deepnet::load<Scalar>");
  }
  if (version != sequential_format_version) {
    reader.fail(8, "version",
                "unsupported format version " + std::to_string(version) +
                    " (this build reads Sequential networks from version " +
                    std::to_string(sequential_format_version) + ")");
  }
  return read_sequential_body<Scalar>(reader, options, noun, size, whole_input, in);
}

}  // namespace serialize
}  // namespace detail

/// Writes a Sequential of built-in modules to a stream (binary), as `save` does to a file.
/// \throws as `save`; std::ios_base::failure if the stream fails
template <class Scalar>
void write(const Sequential<Scalar>& net, std::ostream& out) {
  const std::string bytes = detail::serialize::encode_sequential(net);
  detail::write_bytes(out, bytes, "deepnet::write");
}

/// Saves a Sequential of built-in modules (Dense, the activations, BatchNorm, Dropout) to a
/// file, atomically as `save` does for a DeepNet: a version 4 model file.
/// \throws ConfigError naming a module or a loss of the program's (load could not rebuild
///         them); NumericalError naming a tensor that holds NaN or infinity; std::system_error
///         naming the path and the OS error
template <class Scalar>
void save(const Sequential<Scalar>& net, const std::string& path) {
  const std::string bytes = detail::serialize::encode_sequential(net);  // before the disk
  detail::write_file_atomically(path, bytes, "deepnet::save");
}

/// Reads a Sequential written by `write` from the stream's current position; the stream is
/// left after the model's checksum.
/// \throws FormatError naming the stream, the byte offset and the field of a problem
template <class Scalar = double>
Sequential<Scalar> read_sequential(std::istream& in, const LoadOptions& options = LoadOptions(),
                                   const std::string& name = "<stream>") {
  const std::optional<std::uint64_t> size = detail::serialize::remaining_bytes(in);
  return detail::serialize::read_sequential_model<Scalar>(in, options, name, "stream", size, false);
}

/// Loads a Sequential saved by `save`: `load_sequential<double>("model.dnet")`. The file must
/// hold exactly one model; it predicts exactly as the saved network (bit for bit).
/// \throws std::system_error if the file cannot be opened; FormatError naming the file, the
///         byte offset and the field when it is truncated, corrupted (checksum), a DeepNet file
///         (versions 1 to 3: use `load`), of an unknown module kind, of the other scalar type
///         (unless `options.convert_scalar(true)`), or larger than `options.max_bytes()`
template <class Scalar = double>
Sequential<Scalar> load_sequential(const std::string& path,
                                   const LoadOptions& options = LoadOptions()) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    detail::throw_os_error(errno != 0 ? errno : static_cast<int>(std::errc::io_error),
                           "deepnet::load_sequential: cannot open " + path);
  }
  const std::optional<std::uint64_t> size = detail::serialize::remaining_bytes(in);
  return detail::serialize::read_sequential_model<Scalar>(in, options, path, "file", size, true);
}

}  // namespace deepnet

#endif  // DEEPNET_IO_SEQUENTIAL_FILE_HPP
