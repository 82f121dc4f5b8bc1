/// \file errors.hpp
/// The exceptions deepnet throws. Every message names the operation, the layer and the symbol
/// of the notes (W, b, Z, A, dW, ...), and the expected and actual values, so that a learner
/// can find the mistake without a debugger; a message about a file names the file, the place
/// in it and the field (FormatError).
#ifndef DEEPNET_ERRORS_HPP
#define DEEPNET_ERRORS_HPP

#include "config.hpp"

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace deepnet {

/// "7x20": the way every message writes a shape.
inline std::string shape_string(Index rows, Index cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

/// "{2, 20, 7, 5, 1}": the way messages and examples write layer_dims.
inline std::string dims_string(const std::vector<Index>& layer_dims) {
  std::string text = "{";
  for (std::size_t l = 0; l < layer_dims.size(); ++l) {
    if (l > 0) text += ", ";
    text += std::to_string(layer_dims[l]);
  }
  return text + "}";
}

/// A matrix does not have the shape the notes require, e.g.
/// `layer 2: dW is 7x20, expected 20x7 (the shape of W)`.
class ShapeError : public std::invalid_argument {
 public:
  /// \param where  the operation or the layer, e.g. "layer 2" or "DeepNet::forward"
  /// \param layer  the layer l = 1..L the symbol belongs to (0 for X, A[0])
  /// \param symbol the symbol of the notes: "W", "dW", "X", "Y", ...
  /// \param rows,cols the actual shape
  /// \param expected_rows,expected_cols the shape the notes require
  /// \param reason why that shape is expected, e.g. "the shape of W"
  ShapeError(const std::string& where, Index layer, std::string symbol, Index rows, Index cols,
             Index expected_rows, Index expected_cols, const std::string& reason)
      : std::invalid_argument(where + ": " + symbol + " is " + shape_string(rows, cols) +
                              ", expected " + shape_string(expected_rows, expected_cols) +
                              (reason.empty() ? std::string() : " (" + reason + ")")),
        m_layer(layer),
        m_symbol(std::move(symbol)),
        m_rows(rows),
        m_cols(cols),
        m_expected_rows(expected_rows),
        m_expected_cols(expected_cols) {}

  /// The layer l = 1..L (0 for the input X).
  Index layer() const noexcept { return m_layer; }
  /// The symbol of the notes whose shape is wrong.
  const std::string& symbol() const noexcept { return m_symbol; }
  /// Actual number of rows.
  Index rows() const noexcept { return m_rows; }
  /// Actual number of columns.
  Index cols() const noexcept { return m_cols; }
  /// Expected number of rows.
  Index expected_rows() const noexcept { return m_expected_rows; }
  /// Expected number of columns.
  Index expected_cols() const noexcept { return m_expected_cols; }

 private:
  Index m_layer;
  std::string m_symbol;
  Index m_rows, m_cols, m_expected_rows, m_expected_cols;
};

/// A value in the data is unusable: NaN or infinity in X or Y, a label that is not 0 or 1
/// for binary cross-entropy, a column of Y that is not one-hot for categorical cross-entropy.
class DataError : public std::invalid_argument {
 public:
  /// \param message the full message, naming the symbol and the position (row, column)
  /// \param symbol  "X" or "Y"
  /// \param row,col the position of the first bad value (0-based, column = example)
  DataError(const std::string& message, std::string symbol, Index row, Index col)
      : std::invalid_argument(message), m_symbol(std::move(symbol)), m_row(row), m_col(col) {}

  /// The symbol holding the bad value ("X" or "Y").
  const std::string& symbol() const noexcept { return m_symbol; }
  /// Row of the first bad value.
  Index row() const noexcept { return m_row; }
  /// Column (example) of the first bad value.
  Index col() const noexcept { return m_col; }

 private:
  std::string m_symbol;
  Index m_row, m_col;
};

/// A network or an option that cannot work: `layer_dims` with fewer than two entries or a
/// zero, an activation and loss that do not fit together, a negative learning rate, ...
class ConfigError : public std::invalid_argument {
 public:
  /// \param message the full message
  explicit ConfigError(const std::string& message) : std::invalid_argument(message) {}
};

/// A call made out of order, such as `backward` before `forward`.
class StateError : public std::logic_error {
 public:
  /// \param message the full message, saying which call must come first
  explicit StateError(const std::string& message) : std::logic_error(message) {}
};

/// A computation produced NaN or infinity from finite inputs: the weights hold NaN or infinity,
/// or they grew until a product overflowed (often a learning rate that is too large).
class NumericalError : public std::runtime_error {
 public:
  /// \param message the full message
  /// \param layer   the first layer l whose values are not finite
  /// \param symbol  the symbol that holds them ("Z", "cost", ...)
  NumericalError(const std::string& message, Index layer, std::string symbol)
      : std::runtime_error(message), m_layer(layer), m_symbol(std::move(symbol)) {}

  /// The first layer l = 1..L where a value is not finite (0 when it is the cost).
  Index layer() const noexcept { return m_layer; }
  /// The symbol holding the first non-finite value.
  const std::string& symbol() const noexcept { return m_symbol; }

 private:
  Index m_layer;
  std::string m_symbol;
};

/// Training diverged: during `fit`, the forward pass or the cost of an iteration gave NaN or
/// infinity. layer() is the first layer whose A holds NaN or infinity (symbol() "A"); when
/// every A is finite, the first whose Z does ("Z"), or 0 when only the cost itself is not
/// finite ("cost"). The network is left with the parameters of the last iteration whose cost
/// was finite (those before training when the first iteration diverges); see docs/training.md.
class DivergenceError : public NumericalError {
 public:
  /// \param message   the full message
  /// \param layer     the first layer l = 1..L whose A (or Z) is not finite, 0 for the cost
  /// \param symbol    "A", "Z" or "cost"
  /// \param iteration the iteration (mini-batch step, counted from 0 over the whole fit) whose
  ///                  forward pass or cost was not finite
  /// \param epoch     the epoch of that iteration
  DivergenceError(const std::string& message, Index layer, std::string symbol, Index iteration,
                  Index epoch)
      : NumericalError(message, layer, std::move(symbol)), m_iteration(iteration), m_epoch(epoch) {}

  /// The iteration that diverged (counted from 0 over the whole fit, like History::cost).
  Index iteration() const noexcept { return m_iteration; }
  /// The epoch of that iteration.
  Index epoch() const noexcept { return m_epoch; }

 private:
  Index m_iteration, m_epoch;
};

/// A file that is not what its format requires: truncated, corrupted, of another format,
/// version or type, or describing something that cannot exist (or, when saving, data the
/// format cannot hold). It is the exception of every file reader in deepnet: model files
/// (serialize.hpp), `.npz` archives (npz.hpp), and every reader added later, such as dataset
/// loaders. The message names the file, where in it the problem lies and what is wrong, each
/// format writing the position its own way, e.g.
/// `model.dnet: byte 8: unsupported format version 7 (this build reads version 1)` or
/// `weights.npz: W1.npy at byte 56: W1 has dtype '<i8'; ...`.
/// Errors of the operating system while a file is saved (it cannot be created, written or
/// renamed) are std::system_error, not FormatError.
class FormatError : public std::runtime_error {
 public:
  /// \param message the full message, position included
  /// \param path    the file, as the caller named it (or the name given to a stream)
  /// \param offset  the byte offset in the file of the structure at fault, counted from 0; -1
  ///                when the problem has no position (a missing array, an archive too large)
  /// \param field   the field or archive entry at fault, as the format's documentation names
  ///                it ("version", "W[2]" in a model file, "W2.npy" in an archive); empty when
  ///                the problem concerns the file as a whole
  FormatError(const std::string& message, std::string path, std::int64_t offset = -1,
              std::string field = std::string())
      : std::runtime_error(message),
        m_path(std::move(path)),
        m_offset(offset),
        m_field(std::move(field)) {}

  /// The file (or stream name) being read or written.
  const std::string& path() const noexcept { return m_path; }
  /// The byte offset of the problem in the file, or -1 when it has no position. Signed, so
  /// that "no position" needs no second accessor; files are far below 2^63 bytes.
  std::int64_t offset() const noexcept { return m_offset; }
  /// The field or archive entry at fault, or empty for the file as a whole.
  const std::string& field() const noexcept { return m_field; }

 private:
  std::string m_path;
  std::int64_t m_offset;
  std::string m_field;
};

/// A network, its caches for m examples, or a training run would need more memory than the
/// memory limit allows (`deepnet::memory_limit()`, by default the machine's memory; see
/// core/memory_limit.hpp). Thrown before anything is allocated, so the network is left as it
/// was, instead of a bare `std::bad_alloc` (or the kernel's OOM killer) after seconds of
/// allocating. The message names the operation, the layer, the sizes and the bytes, e.g.
/// `DeepNet: layer 1 needs 17592295096320 bytes (16.0 TiB) for W[1] and dW[1], ...`.
/// It derives from std::runtime_error, not std::bad_alloc: bad_alloc's message is fixed, and
/// nothing failed to allocate; the request was refused against a limit the program can change.
class MemoryError : public std::runtime_error {
 public:
  /// \param message the full message
  /// \param layer   the layer l = 1..L at fault, or 0 when the whole network (or run) is
  /// \param bytes   the bytes the operation would hold (saturated at 2^64 - 1)
  /// \param limit   the memory limit it was compared with, in bytes
  MemoryError(const std::string& message, Index layer, std::uint64_t bytes, std::uint64_t limit)
      : std::runtime_error(message), m_layer(layer), m_bytes(bytes), m_limit(limit) {}

  /// The layer l = 1..L that does not fit, or 0 when it is the total.
  Index layer() const noexcept { return m_layer; }
  /// The bytes that were needed: the network's parameters and gradients, with the caches or
  /// the training state the operation adds (2^64 - 1 when even that count overflows).
  std::uint64_t bytes() const noexcept { return m_bytes; }
  /// The memory limit, in bytes, that `bytes()` exceeds.
  std::uint64_t limit() const noexcept { return m_limit; }

 private:
  Index m_layer;
  std::uint64_t m_bytes, m_limit;
};

/// A process of a data-parallel group failed (a file it could not read, options that differ
/// from the other processes', a callback that threw...): every process of the group throws this
/// error, with the rank of the first process that failed and that process's error, so that none
/// of them waits for the others forever. For example
/// `process 1 of 3 failed: FormatError: train.idx: byte 16: the data ends after 4096 bytes...`.
class DistributedError : public std::runtime_error {
 public:
  /// \param message the full message
  /// \param rank    the first process (lowest rank) that failed
  /// \param kind    the name of its error: "FormatError", "ConfigError", ...,
  ///                "std::invalid_argument", ..., or "exception" for another
  /// \param what    its message
  DistributedError(const std::string& message, int rank, std::string kind, std::string what)
      : std::runtime_error(message),
        m_rank(rank),
        m_kind(std::move(kind)),
        m_what(std::move(what)) {}

  /// The rank of the first process that failed.
  int rank() const noexcept { return m_rank; }
  /// The type of its error, as deepnet names it ("FormatError", "DataError", ...).
  const std::string& kind() const noexcept { return m_kind; }
  /// Its error's own message.
  const std::string& error() const noexcept { return m_what; }

 private:
  int m_rank;
  std::string m_kind, m_what;
};

namespace detail {

/// True when every entry is finite. x - x is 0 for finite x and NaN for NaN or infinity, and a
/// sum of zeros cannot overflow, so this is one vectorised pass with no branch per entry.
/// (Like std::isfinite, it needs IEEE arithmetic: deepnet does not support -ffast-math.)
template <class Derived>
bool all_finite(const Eigen::DenseBase<Derived>& M) {
  return (M.derived().array() - M.derived().array()).sum() == typename Derived::Scalar(0);
}

/// Formats a value the way messages show numbers: as short as possible while still reading
/// back as the same value ("0.5", "0.99999994", "nan", "inf").
template <class T>
std::string number_string(T value) {
  if (value != value) return "nan";
  std::ostringstream out;
  out << value;
  if (static_cast<T>(std::strtod(out.str().c_str(), nullptr)) == value) return out.str();
  out.str("");
  out.precision(std::numeric_limits<T>::max_digits10);
  out << value;
  return out.str();
}

}  // namespace detail

}  // namespace deepnet

#endif  // DEEPNET_ERRORS_HPP
