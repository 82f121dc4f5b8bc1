/// \file io/checkpoint.hpp
/// Checkpoints: a network and the state of its training in one file (the model format's
/// version 2, docs/file_format.md), so that an interrupted `fit` resumes and ends with the same
/// bits as a run that never stopped:
///
/// \code
///   auto options = deepnet::FitOptions().epochs(50).optimizer(deepnet::OptimizerSettings::adam())
///                      .checkpoint("run.dnet");             // written after every epoch
///   net.fit(X, Y, options);                                  // ... interrupted at epoch 20
///   net.fit(X, Y, options.resume_from("run.dnet"));          // epochs 21..50
/// \endcode
///
/// or, stepping through the epochs with a Trainer, `save_checkpoint(net, trainer.state(), path)`
/// and `trainer.resume(load_checkpoint<float>(path).state)`. A checkpoint is also a model file:
/// `load` reads its network and leaves the training state aside.
#ifndef DEEPNET_IO_CHECKPOINT_HPP
#define DEEPNET_IO_CHECKPOINT_HPP

#include "../config.hpp"
#include "../core/deep_net.hpp"
#include "../core/random.hpp"
#include "../detail/atomic_file.hpp"
#include "../detail/bytes.hpp"
#include "../errors.hpp"
#include "../training/checkpoint_hooks.hpp"
#include "../training/optimizer.hpp"
#include "../training/training_state.hpp"
#include "model_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <ios>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace deepnet {

/// A network with the state of its training, as `load_checkpoint` reads it.
template <class Scalar>
struct Checkpoint {
  DeepNet<Scalar> net;          ///< the network, as `load` gives it
  bool has_state = false;       ///< false for a file that holds a model only (version 1)
  TrainingState<Scalar> state;  ///< the training state (epoch 0 and empty without one)
};

namespace detail {
namespace checkpoint {

// The codes of the optimizers in the file; fixed by the format, not by the enum's order.
inline std::uint8_t optimizer_code(OptimizerSettings::Kind kind) {
  switch (kind) {
    case OptimizerSettings::Kind::GradientDescent:
      return 0;
    case OptimizerSettings::Kind::Momentum:
      return 1;
    case OptimizerSettings::Kind::RMSProp:
      return 2;
    case OptimizerSettings::Kind::Adam:
      return 3;
  }
  return 0xFF;
}

inline void put_random(std::string& out, const Random::State& random) {
  for (const std::uint64_t word : random.words)
    put_le(out, word, 8);
  put_le(out, random.has_spare ? 1 : 0, 1);
  put_f64(out, random.spare);
}

/// Named matrices: their count, then each name, shape and values row by row (as the parameters).
template <class Scalar>
void put_tensors(std::string& out,
                 const std::vector<std::pair<std::string, Matrix<Scalar>>>& tensors) {
  put_le(out, static_cast<std::uint64_t>(tensors.size()), 8);
  for (const auto& [name, M] : tensors) {
    put_le(out, static_cast<std::uint64_t>(name.size()), 4);
    out += name;
    put_le(out, static_cast<std::uint64_t>(M.rows()), 8);
    put_le(out, static_cast<std::uint64_t>(M.cols()), 8);
    for (Index i = 0; i < M.rows(); ++i) {
      for (Index j = 0; j < M.cols(); ++j)
        put_scalar<Scalar>(out, M(i, j));
    }
  }
}

/// The training state block of a version 2 file (docs/file_format.md, "Training state").
template <class Scalar>
std::string encode_state(const TrainingState<Scalar>& state) {
  std::string out;
  put_le(out, static_cast<std::uint64_t>(state.epoch), 8);
  put_le(out, static_cast<std::uint64_t>(state.iteration), 8);
  if (state.custom_optimizer) {  // code 4: a rule of the program's, then its name
    put_le(out, 4, 1);
    put_le(out, static_cast<std::uint64_t>(state.optimizer_name.size()), 4);
    out += state.optimizer_name;
  } else {
    put_le(out, optimizer_code(state.optimizer.kind), 1);
  }
  put_f64(out, state.optimizer.beta);
  put_f64(out, state.optimizer.beta1);
  put_f64(out, state.optimizer.beta2);
  put_f64(out, state.optimizer.epsilon);
  put_le(out, static_cast<std::uint64_t>(state.optimizer_steps), 8);
  put_random(out, state.shuffle_random);
  put_random(out, state.dropout_random);
  put_le(out, static_cast<std::uint64_t>(state.order.size()), 8);
  for (const Index j : state.order)
    put_le(out, static_cast<std::uint64_t>(j), 8);
  put_tensors(out, state.optimizer_state);
  // Early stopping's part only when the run had it: other checkpoints keep their bytes.
  if (state.has_early_stopping) {
    const EarlyStopping::State& stopping = state.early_stopping;
    put_le(out, 1, 1);
    put_f64(out, stopping.best);
    put_le(out, static_cast<std::uint64_t>(stopping.best_index + 1), 8);
    put_le(out, static_cast<std::uint64_t>(stopping.since_best), 8);
    put_le(out, static_cast<std::uint64_t>(stopping.count), 8);
    put_le(out, static_cast<std::uint64_t>(state.best_epoch + 1), 8);
    put_tensors(out, state.best_parameters);
  }
  return out;
}

/// Reads the training state block field by field; every problem is a FormatError that names
/// the file, the byte offset in the file and the field ("training_state.epoch", ...).
class StateReader {
 public:
  StateReader(const serialize::StateBlock& block, std::string name)
      : m_block(block), m_name(std::move(name)) {}

  [[noreturn]] void fail(std::size_t at, const std::string& field,
                         const std::string& problem) const {
    const std::uint64_t offset = m_block.offset + at;
    throw FormatError(m_name + ": byte " + std::to_string(offset) + ": " + field + ": " + problem,
                      m_name, static_cast<std::int64_t>(offset), field);
  }

  std::size_t position() const noexcept { return m_at; }
  std::size_t left() const noexcept { return m_block.bytes.size() - m_at; }

  const unsigned char* take(std::size_t n, const std::string& field) {
    if (left() < n) {
      fail(m_at, field,
           "the training state ends inside this field (" + std::to_string(n) + " bytes needed, " +
               std::to_string(left()) + " left)");
    }
    const unsigned char* data = m_block.bytes.data() + m_at;
    m_at += n;
    return data;
  }
  std::uint64_t u(int size, const std::string& field) {
    return get_le(take(static_cast<std::size_t>(size), field), size);
  }
  double f64(const std::string& field) { return get_f64(take(8, field)); }

  /// A count of at most `limit` (2^62 when the field has no other bound).
  Index count(const std::string& field, std::uint64_t limit = std::uint64_t(1) << 62) {
    const std::size_t at = m_at;
    const std::uint64_t value = u(8, field);
    if (value > limit) {
      fail(at, field,
           std::to_string(value) + " is more than the " + std::to_string(limit) +
               " the rest of the training state can hold");
    }
    return static_cast<Index>(value);
  }

  Random::State random(const std::string& field) {
    const std::size_t at = m_at;
    Random::State state;
    bool any = false;
    for (std::uint64_t& word : state.words) {
      word = u(8, field);
      any = any || word != 0;
    }
    if (!any) fail(at, field, "a generator's state cannot be all zero");
    const std::size_t flag_at = m_at;
    const std::uint64_t flag = u(1, field);
    if (flag > 1) fail(flag_at, field, "has_spare must be 0 or 1, got " + std::to_string(flag));
    state.has_spare = flag == 1;
    const std::size_t spare_at = m_at;
    state.spare = f64(field);
    if (!std::isfinite(state.spare)) fail(spare_at, field, "the spare normal is not finite");
    return state;
  }

 private:
  const serialize::StateBlock& m_block;
  std::string m_name;
  std::size_t m_at = 0;
};

/// Named matrices as put_tensors writes them; `what` names the field ("training_state.tensor",
/// counted as "training_state.tensors").
template <class Scalar>
std::vector<std::pair<std::string, Matrix<Scalar>>> read_tensors(StateReader& in,
                                                                 const serialize::StateBlock& block,
                                                                 const char* what) {
  std::vector<std::pair<std::string, Matrix<Scalar>>> result;
  const std::size_t value_size = serialize::scalar_size(block.scalar);
  const Index tensors = in.count(std::string(what) + "s", in.left() / 20);
  for (Index t = 0; t < tensors; ++t) {
    const std::string field = std::string(what) + "[" + std::to_string(t) + "]";
    std::size_t at = in.position();
    const auto length = static_cast<std::size_t>(in.u(4, field));
    if (length == 0 || length > 256) {
      in.fail(at, field, "a name has 1 to 256 bytes, this one " + std::to_string(length));
    }
    const unsigned char* text = in.take(length, field);
    std::string tensor_name(reinterpret_cast<const char*>(text), length);
    for (const char c : tensor_name) {
      if (c < 0x21 || c > 0x7E) in.fail(at, field, "the name holds a byte that is not printable");
    }
    at = in.position();
    const std::uint64_t rows = in.u(8, field);
    const std::uint64_t cols = in.u(8, field);
    const auto count = serialize::checked_mul(rows, cols, in.left() / value_size);
    if (!count || rows == 0 || cols == 0) {
      in.fail(at, field,
              tensor_name + " is " + std::to_string(rows) + " x " + std::to_string(cols) +
                  ", which the " + std::to_string(in.left()) + " bytes left cannot hold");
    }
    Matrix<Scalar> M(static_cast<Index>(rows), static_cast<Index>(cols));
    for (Index i = 0; i < M.rows(); ++i) {
      for (Index j = 0; j < M.cols(); ++j) {
        at = in.position();
        const double value = serialize::get_scalar(in.take(value_size, field), block.scalar);
        if (!std::isfinite(value) ||
            std::fabs(value) > static_cast<double>(std::numeric_limits<Scalar>::max())) {
          in.fail(at, field,
                  tensor_name + "(" + std::to_string(i) + ", " + std::to_string(j) + ") is " +
                      number_string(value) + "; the state must be finite numbers of the " +
                      "network's type");
        }
        M(i, j) = static_cast<Scalar>(value);
      }
    }
    result.emplace_back(std::move(tensor_name), std::move(M));
  }
  return result;
}

template <class Scalar>
TrainingState<Scalar> decode_state(const serialize::StateBlock& block, const std::string& name) {
  StateReader in(block, name);
  TrainingState<Scalar> state;
  state.epoch = in.count("training_state.epoch");
  state.iteration = in.count("training_state.iteration");

  std::size_t at = in.position();
  const std::uint64_t code = in.u(1, "training_state.optimizer");
  if (code > 4) {
    in.fail(at, "training_state.optimizer",
            "unknown optimizer code " + std::to_string(code) +
                " (0 GradientDescent, 1 Momentum, 2 RMSProp, 3 Adam, 4 a rule of the program's)");
  }
  const char* const names[] = {"GradientDescent", "Momentum", "RMSProp", "Adam"};
  if (code == 4) {
    state.custom_optimizer = true;
    at = in.position();
    const auto length = static_cast<std::size_t>(in.u(4, "training_state.optimizer_name"));
    if (length == 0 || length > 256) {
      in.fail(at, "training_state.optimizer_name",
              "a name has 1 to 256 bytes, this one " + std::to_string(length));
    }
    const unsigned char* text = in.take(length, "training_state.optimizer_name");
    state.optimizer_name.assign(reinterpret_cast<const char*>(text), length);
    for (const char c : state.optimizer_name) {
      if (c < 0x20 || c > 0x7E) {
        in.fail(at, "training_state.optimizer_name", "the name holds a byte that is not printable");
      }
    }
  } else {
    const OptimizerSettings::Kind kinds[] = {
        OptimizerSettings::Kind::GradientDescent, OptimizerSettings::Kind::Momentum,
        OptimizerSettings::Kind::RMSProp, OptimizerSettings::Kind::Adam};
    state.optimizer.kind = kinds[code];
    state.optimizer_name = names[code];
  }
  at = in.position();
  state.optimizer.beta = in.f64("training_state.optimizer");
  state.optimizer.beta1 = in.f64("training_state.optimizer");
  state.optimizer.beta2 = in.f64("training_state.optimizer");
  state.optimizer.epsilon = in.f64("training_state.optimizer");
  try {
    detail::require_beta(state.optimizer.beta, "beta");
    detail::require_beta(state.optimizer.beta1, "beta1");
    detail::require_beta(state.optimizer.beta2, "beta2");
    detail::require_epsilon(state.optimizer.epsilon);
  } catch (const ConfigError& e) {
    in.fail(at, "training_state.optimizer", e.what());
  }
  state.optimizer_steps = in.count("training_state.optimizer_steps");
  state.shuffle_random = in.random("training_state.shuffle_random");
  state.dropout_random = in.random("training_state.dropout_random");

  const Index m = in.count("training_state.order", in.left() / 8);
  state.order.resize(static_cast<std::size_t>(m));
  std::vector<bool> seen(static_cast<std::size_t>(m), false);
  for (Index j = 0; j < m; ++j) {
    at = in.position();
    const std::uint64_t index = in.u(8, "training_state.order");
    if (index >= static_cast<std::uint64_t>(m) || seen[static_cast<std::size_t>(index)]) {
      in.fail(at, "training_state.order",
              "order(" + std::to_string(j) + ") is " + std::to_string(index) +
                  ", but the order must hold each of 0.." + std::to_string(m - 1) + " once");
    }
    seen[static_cast<std::size_t>(index)] = true;
    state.order[static_cast<std::size_t>(j)] = static_cast<Index>(index);
  }

  state.optimizer_state = read_tensors<Scalar>(in, block, "training_state.tensor");
  if (in.left() != 0) {  // early stopping's part
    at = in.position();
    const std::uint64_t flag = in.u(1, "training_state.early_stopping");
    if (flag != 1) {
      in.fail(at, "training_state.early_stopping",
              "the only part after the optimizer's state is early stopping's, marked 1, got " +
                  std::to_string(flag));
    }
    state.has_early_stopping = true;
    EarlyStopping::State& stopping = state.early_stopping;
    at = in.position();
    stopping.best = in.f64("training_state.early_stopping.best");
    if (std::isnan(stopping.best)) {
      in.fail(at, "training_state.early_stopping.best", "the best cost is NaN");
    }
    stopping.best_index = in.count("training_state.early_stopping.best_index") - 1;
    stopping.since_best = in.count("training_state.early_stopping.since_best");
    at = in.position();
    stopping.count = in.count("training_state.early_stopping.count");
    if (stopping.best_index >= stopping.count || stopping.since_best > stopping.count) {
      in.fail(at, "training_state.early_stopping.count",
              std::to_string(stopping.count) + " observations cannot have their best at " +
                  std::to_string(stopping.best_index) + " and " +
                  std::to_string(stopping.since_best) + " since");
    }
    at = in.position();
    state.best_epoch = in.count("training_state.best_epoch") - 1;
    if (state.best_epoch >= state.epoch) {
      in.fail(at, "training_state.best_epoch",
              "epoch " + std::to_string(state.best_epoch) + " is not one of the " +
                  std::to_string(state.epoch) + " epochs done");
    }
    state.best_parameters = read_tensors<Scalar>(in, block, "training_state.best_tensor");
  }
  if (in.left() != 0) {
    in.fail(in.position(), "training_state",
            std::to_string(in.left()) + " unexpected bytes after the last tensor");
  }
  return state;
}

// The model, then its training state if the file has one: read_checkpoint and load_checkpoint.
template <class Scalar>
Checkpoint<Scalar> read(std::istream& in, const LoadOptions& options, const std::string& name,
                        const char* noun, bool whole_input) {
  const std::optional<std::uint64_t> size = serialize::remaining_bytes(in);
  serialize::StateBlock block;
  DeepNet<Scalar> net =
      serialize::read_model<Scalar>(in, options, name, noun, size, whole_input, &block);
  Checkpoint<Scalar> result{std::move(net), !block.bytes.empty(), TrainingState<Scalar>()};
  if (result.has_state) result.state = decode_state<Scalar>(block, name);
  return result;
}

}  // namespace checkpoint
}  // namespace detail

/// Writes the network with the state of its training to a stream (binary), in the model
/// format's version 2. Writes nothing when it throws.
/// \throws as `write`
template <class Scalar>
void write_checkpoint(const DeepNet<Scalar>& net, const TrainingState<Scalar>& state,
                      std::ostream& out) {
  const std::string block = detail::checkpoint::encode_state(state);
  const std::string bytes = detail::serialize::encode(net, &block);
  detail::write_bytes(out, bytes, "deepnet::write_checkpoint");
}

/// Reads a checkpoint (or a model alone) from the stream's current position, as `read` does;
/// the stream is left just after the checksum.
/// \param name the name of the stream in messages
/// \throws FormatError as `read`, and for a damaged training state
template <class Scalar = double>
Checkpoint<Scalar> read_checkpoint(std::istream& in, const LoadOptions& options = LoadOptions(),
                                   const std::string& name = "<stream>") {
  return detail::checkpoint::read<Scalar>(in, options, name, "stream", false);
}

/// Saves the network with the state of its training, atomically (as `save`), in the model
/// format's version 2.
/// \throws as `save`
template <class Scalar>
void save_checkpoint(const DeepNet<Scalar>& net, const TrainingState<Scalar>& state,
                     const std::string& path) {
  const std::string block = detail::checkpoint::encode_state(state);
  const std::string bytes = detail::serialize::encode(net, &block);
  detail::write_file_atomically(path, bytes, "deepnet::save_checkpoint");
}

/// Loads a checkpoint written by `save_checkpoint`, or a model file without training state
/// (then `has_state` is false).
/// \throws std::system_error if the file cannot be opened; FormatError as `load`, and for a
///         training state that is damaged, naming the byte and the field
template <class Scalar = double>
Checkpoint<Scalar> load_checkpoint(const std::string& path,
                                   const LoadOptions& options = LoadOptions()) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    detail::throw_os_error(errno != 0 ? errno : static_cast<int>(std::errc::io_error),
                           "deepnet::load_checkpoint: cannot open " + path);
  }
  return detail::checkpoint::read<Scalar>(in, options, path, "file", true);
}

namespace detail {
namespace checkpoint {

// The hooks' functions: fit's save, and resume_from's load (default load options) after which
// the network takes the parameters read.
template <class Scalar>
void save_for_fit(const DeepNet<Scalar>& net, const TrainingState<Scalar>& state,
                  const std::string& path) {
  save_checkpoint(net, state, path);
}
template <class Scalar>
std::optional<TrainingState<Scalar>> resume_for_fit(DeepNet<Scalar>& net, const std::string& path) {
  Checkpoint<Scalar> saved = load_checkpoint<Scalar>(path);
  TrainingModel<DeepNet<Scalar>>::take_parameters(net, saved.net, path);
  if (!saved.has_state) return std::nullopt;
  return std::move(saved.state);
}

}  // namespace checkpoint

template <class Unused>
const CheckpointHooks* checkpoint_hooks() noexcept {
  static constexpr CheckpointHooks hooks{
      {&checkpoint::save_for_fit<float>, &checkpoint::resume_for_fit<float>},
      {&checkpoint::save_for_fit<double>, &checkpoint::resume_for_fit<double>}};
  return &hooks;
}

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_CHECKPOINT_HPP
