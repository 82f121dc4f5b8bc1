/// \file io/model_metadata.hpp
/// What a model file may carry besides the network (the model format's version 3,
/// docs/file_format.md, "Metadata"): the names of the classes and the standardisation of the
/// inputs, so that a reloaded model predicts on raw inputs and answers with names.
///
/// \code
///   deepnet::ModelMetadata metadata;
///   metadata.class_names = {"setosa", "versicolor", "virginica"};
///   metadata.mean = {5.8, 3.1, 3.8, 1.2};     // per input feature, n[0] values
///   metadata.scale = {0.8, 0.4, 1.8, 0.8};
///   deepnet::save(net, metadata, "iris.dnet");   // version 3
///   deepnet::ModelMetadata back;
///   auto same = deepnet::load<double>("iris.dnet", back);
/// \endcode
///
/// tools/classifier.hpp builds on it: a Classifier saves and loads its network, its
/// Standardization and its class names in one file. The network itself (DeepNet) knows nothing
/// of either: its forward pass takes A[0] as given.
#ifndef DEEPNET_IO_MODEL_METADATA_HPP
#define DEEPNET_IO_MODEL_METADATA_HPP

#include "../config.hpp"
#include "../detail/bytes.hpp"
#include "../errors.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace deepnet {

/// The metadata block of a model file: class names and the inputs' standardisation. Empty
/// (no names, no standardisation): the model is written without a block, in version 1.
struct ModelMetadata {
  /// The name of class k at position k: one per output unit of a Softmax output, two (class 0,
  /// class 1) for one Sigmoid unit; empty for none. Each 1 to 1024 bytes (UTF-8 by
  /// convention), without control characters, all different.
  std::vector<std::string> class_names;
  /// The mean of each input feature, n[0] values, subtracted before the network sees X;
  /// empty (with scale) for raw inputs.
  std::vector<double> mean;
  /// The scale of each input feature (a standard deviation), n[0] values > 0, divided after
  /// the mean is subtracted: A[0] = (X - mean) / scale.
  std::vector<double> scale;

  /// True when the block would hold nothing.
  bool empty() const noexcept { return class_names.empty() && mean.empty() && scale.empty(); }
};

namespace detail {
namespace serialize {

/// The longest class name a file may hold, in bytes.
inline constexpr std::uint64_t max_class_name_bytes = 1024;
/// The smallest metadata block: a class count and a preprocessing code.
inline constexpr std::uint64_t min_metadata_bytes = 4 + 1;

/// How many class names fit an output layer of `units` units: 2 for one unit (Sigmoid), one
/// per unit otherwise.
inline std::uint64_t class_count_for(std::uint64_t units) {
  return units == 1 ? 2 : units;
}

/// Why `name` cannot be a class name in a file, or empty when it can.
inline std::string class_name_problem(const std::string& name) {
  if (name.empty()) return "is empty; a class name has 1 to 1024 bytes";
  if (name.size() > max_class_name_bytes) {
    return "has " + std::to_string(name.size()) + " bytes; a class name has 1 to 1024";
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7F) {
      return "holds the control character " + std::to_string(c) + " at byte " + std::to_string(i) +
             "; a class name holds none";
    }
  }
  return std::string();
}

/// Throws ConfigError, naming `where`, when the metadata does not fit a network with `inputs`
/// inputs and `units` output units, or could not be read back.
inline void check_metadata(const ModelMetadata& metadata, std::uint64_t inputs, std::uint64_t units,
                           const char* where) {
  const auto& names = metadata.class_names;
  const std::string prefix = std::string(where) + ": ";
  if (!names.empty() && names.size() != class_count_for(units)) {
    throw ConfigError(prefix + std::to_string(names.size()) +
                      " class names for n[L] = " + std::to_string(units) + " output units; give " +
                      std::to_string(class_count_for(units)) +
                      " (one per Softmax unit, two for one Sigmoid unit)");
  }
  for (std::size_t k = 0; k < names.size(); ++k) {
    const std::string problem = class_name_problem(names[k]);
    if (!problem.empty()) {
      throw ConfigError(prefix + "class name " + std::to_string(k) + " " + problem);
    }
    for (std::size_t i = 0; i < k; ++i) {
      if (names[i] == names[k]) {
        throw ConfigError(prefix + "class names " + std::to_string(i) + " and " +
                          std::to_string(k) + " are both \"" + names[k] +
                          "\"; each class has one name");
      }
    }
  }
  if (metadata.mean.size() != metadata.scale.size() ||
      (!metadata.mean.empty() && metadata.mean.size() != inputs)) {
    throw ConfigError(prefix + "the standardisation has " + std::to_string(metadata.mean.size()) +
                      " means and " + std::to_string(metadata.scale.size()) +
                      " scales for n[0] = " + std::to_string(inputs) +
                      " inputs; give one of each per input (or none)");
  }
  for (std::size_t i = 0; i < metadata.mean.size(); ++i) {
    if (!std::isfinite(metadata.mean[i])) {
      throw ConfigError(prefix + "mean[" + std::to_string(i) + "] is " +
                        number_string(metadata.mean[i]) + "; a mean must be finite");
    }
    if (!(std::isfinite(metadata.scale[i]) && metadata.scale[i] > 0.0)) {
      throw ConfigError(prefix + "scale[" + std::to_string(i) + "] is " +
                        number_string(metadata.scale[i]) + "; a scale must be finite and > 0");
    }
  }
}

/// The metadata block (docs/file_format.md, "Metadata"); check_metadata first.
inline std::string encode_metadata(const ModelMetadata& metadata) {
  std::string out;
  put_le(out, static_cast<std::uint64_t>(metadata.class_names.size()), 4);
  for (const std::string& name : metadata.class_names) {
    put_le(out, static_cast<std::uint64_t>(name.size()), 4);
    out += name;
  }
  put_le(out, metadata.mean.empty() ? 0 : 1, 1);
  for (const double value : metadata.mean)
    put_f64(out, value);
  for (const double value : metadata.scale)
    put_f64(out, value);
  return out;
}

/// Reads a metadata block field by field; every problem is a FormatError naming the file, the
/// byte offset in the file and the field ("metadata.class_name[2]", ...).
class MetadataReader {
 public:
  /// \param bytes the block, `size` bytes, which starts at byte `offset` of the file `name`
  MetadataReader(const unsigned char* bytes, std::uint64_t size, std::uint64_t offset,
                 std::string name)
      : m_bytes(bytes), m_size(size), m_offset(offset), m_name(std::move(name)) {}

  /// The block for a network of `inputs` inputs and `units` output units.
  ModelMetadata read(std::uint64_t inputs, std::uint64_t units) {
    ModelMetadata metadata;
    std::uint64_t at = m_at;
    const std::uint64_t count = take(4, "metadata.class_count");
    if (count != 0 && count != class_count_for(units)) {
      fail(at, "metadata.class_count",
           "metadata.class_count: " + std::to_string(count) +
               " class names for n[L] = " + std::to_string(units) + " output units (0, or " +
               std::to_string(class_count_for(units)) +
               ": one per Softmax unit, two for one Sigmoid unit)");
    }
    for (std::uint64_t k = 0; k < count; ++k) {
      const std::string field = "metadata.class_name[" + std::to_string(k) + "]";
      at = m_at;
      const std::uint64_t length = take(4, field);
      if (length < 1 || length > max_class_name_bytes) {
        fail(at, field,
             field + ": a length of " + std::to_string(length) +
                 " bytes; a class name has 1 to 1024");
      }
      need(length, field);
      const std::uint64_t start = m_at;
      std::string name(reinterpret_cast<const char*>(m_bytes + m_at),
                       static_cast<std::size_t>(length));
      m_at += length;
      const std::string problem = class_name_problem(name);
      if (!problem.empty()) fail(start, field, field + " " + problem);
      for (std::uint64_t i = 0; i < k; ++i) {
        if (metadata.class_names[static_cast<std::size_t>(i)] == name) {
          fail(start, field,
               field + " is \"" + name + "\", as class_name[" + std::to_string(i) +
                   "]; each class has one name");
        }
      }
      metadata.class_names.push_back(std::move(name));
    }
    at = m_at;
    const std::uint64_t code = take(1, "metadata.preprocessing");
    if (code > 1) {
      fail(at, "metadata.preprocessing",
           "metadata.preprocessing: unknown code " + std::to_string(code) +
               " (0 none, 1 standardisation)");
    }
    if (code == 1) {
      // 16 bytes per input: checked before anything is allocated for them.
      need(16 * inputs, "metadata.mean");
      metadata.mean.reserve(static_cast<std::size_t>(inputs));
      metadata.scale.reserve(static_cast<std::size_t>(inputs));
      for (std::uint64_t i = 0; i < inputs; ++i) {
        const std::string field = "metadata.mean[" + std::to_string(i) + "]";
        at = m_at;
        const double value = f64(field);
        if (!std::isfinite(value)) {
          fail(at, field, field + " is " + number_string(value) + "; a mean must be finite");
        }
        metadata.mean.push_back(value);
      }
      for (std::uint64_t i = 0; i < inputs; ++i) {
        const std::string field = "metadata.scale[" + std::to_string(i) + "]";
        at = m_at;
        const double value = f64(field);
        if (!(std::isfinite(value) && value > 0.0)) {
          fail(at, field,
               field + " is " + number_string(value) + "; a scale must be finite and > 0");
        }
        metadata.scale.push_back(value);
      }
    }
    if (metadata.empty()) {
      fail(0, "metadata",
           "metadata: the block holds no class names and no standardisation; a model without "
           "them is a version 1 file");
    }
    if (m_at != m_size) {
      fail(m_at, "metadata",
           "metadata: " + std::to_string(m_size - m_at) +
               " bytes after its last field; by metadata_bytes the block takes " +
               std::to_string(m_size) + " (a corrupted block)");
    }
    return metadata;
  }

 private:
  [[noreturn]] void fail(std::uint64_t at, const std::string& field,
                         const std::string& problem) const {
    const std::uint64_t offset = m_offset + at;
    throw FormatError(m_name + ": byte " + std::to_string(offset) + ": " + problem, m_name,
                      static_cast<std::int64_t>(offset), field);
  }

  // The block must hold `n` more bytes for `field`.
  void need(std::uint64_t n, const std::string& field) const {
    if (n > m_size - m_at) {
      fail(m_at, field,
           field + ": it takes " + std::to_string(n) + " bytes, and the block has " +
               std::to_string(m_size - m_at) + " left (metadata_bytes is " +
               std::to_string(m_size) + "; a corrupted block)");
    }
  }

  std::uint64_t take(int size, const std::string& field) {
    need(static_cast<std::uint64_t>(size), field);
    const std::uint64_t value = get_le(m_bytes + m_at, size);
    m_at += static_cast<std::uint64_t>(size);
    return value;
  }

  double f64(const std::string& field) {
    need(8, field);
    const double value = get_f64(m_bytes + m_at);
    m_at += 8;
    return value;
  }

  const unsigned char* m_bytes;
  std::uint64_t m_size;
  std::uint64_t m_offset;
  std::string m_name;
  std::uint64_t m_at = 0;  // into the block
};

}  // namespace serialize
}  // namespace detail

}  // namespace deepnet

#endif  // DEEPNET_IO_MODEL_METADATA_HPP
