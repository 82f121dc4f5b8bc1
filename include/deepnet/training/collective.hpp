/// \file training/collective.hpp
/// What data-parallel training asks of a group of processes, without naming MPI: the
/// `Collective` interface (distributed/mpi.hpp implements it over an MPI communicator), the
/// agreement on failures that keeps every process of a group from waiting forever for one that
/// threw, and `collectively`, which gives a program's own steps (loading its shard of the data)
/// the same agreement.
///
/// With `FitOptions::data_parallel(group)`, `fit` trains one model on every process of the
/// group (docs/distributed.md): each holds its own examples, and every step sums the gradients
/// of the processes' parts of the global mini-batch, so that every process applies the update
/// of the whole batch.
#ifndef DEEPNET_TRAINING_COLLECTIVE_HPP
#define DEEPNET_TRAINING_COLLECTIVE_HPP

#include "../config.hpp"
#include "../errors.hpp"
#include "checkpoint_hooks.hpp"

#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

namespace deepnet {

/// A group of processes that train together: each has a rank 0..size()-1, and every one of them
/// calls each operation, in the same order (a collective operation). Implemented over MPI by
/// `deepnet::mpi::Communicator` (distributed/mpi.hpp); a test can implement it over threads.
class Collective {
 public:
  virtual ~Collective() = default;
  /// This process's number in the group, 0..size()-1.
  virtual int rank() const = 0;
  /// The number of processes in the group.
  virtual int size() const = 0;
  /// Replaces each of `count` values by its sum over the processes (every process gets the sums).
  virtual void sum(float* values, Index count) = 0;
  /// As above, for double.
  virtual void sum(double* values, Index count) = 0;
  /// Replaces each of `count` values by its largest value over the processes.
  virtual void max(int* values, Index count) = 0;
  /// Copies `bytes` bytes at `data` from process `root` to every process.
  virtual void broadcast(void* data, std::size_t bytes, int root) = 0;

 protected:
  /// Made by a derived class only.
  Collective() = default;
  /// Copied by a derived class only (no slicing through the interface).
  Collective(const Collective&) = default;
  /// Assigned by a derived class only.
  Collective& operator=(const Collective&) = default;
};

namespace detail {

/// The type of the exception `failure` holds, as deepnet names it ("FormatError", or the
/// standard library's "std::invalid_argument", ...; "exception" for another), and its message.
inline std::pair<std::string, std::string> describe_failure(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const DistributedError& e) {
    return {e.kind(), e.error()};
  } catch (const FormatError& e) {
    return {"FormatError", e.what()};
  } catch (const DivergenceError& e) {
    return {"DivergenceError", e.what()};
  } catch (const NumericalError& e) {
    return {"NumericalError", e.what()};
  } catch (const ShapeError& e) {
    return {"ShapeError", e.what()};
  } catch (const DataError& e) {
    return {"DataError", e.what()};
  } catch (const ConfigError& e) {
    return {"ConfigError", e.what()};
  } catch (const StateError& e) {
    return {"StateError", e.what()};
  } catch (const MemoryError& e) {
    return {"MemoryError", e.what()};
  } catch (const std::system_error& e) {
    return {"std::system_error", e.what()};
  } catch (const std::invalid_argument& e) {
    return {"std::invalid_argument", e.what()};
  } catch (const std::out_of_range& e) {
    return {"std::out_of_range", e.what()};
  } catch (const std::bad_alloc& e) {
    return {"std::bad_alloc", e.what()};
  } catch (const std::exception& e) {
    return {"exception", e.what()};
  } catch (...) {
    return {"exception", "an exception that is not a std::exception"};
  }
}

/// `text` of process `root`, on every process.
inline std::string broadcast_string(Collective& group, std::string text, int root) {
  std::uint64_t length = text.size();
  group.broadcast(&length, sizeof length, root);
  text.resize(static_cast<std::size_t>(length));
  if (length > 0) group.broadcast(text.data(), text.size(), root);
  return text;
}

/// Every process of the group calls it at the same point, with the exception it caught since the
/// last call (or none): when a process failed, every process throws the same DistributedError,
/// naming the first (lowest rank) that failed and its error. `stop` is true on return when it was
/// true on any process (one process's callback asked to stop: all stop).
inline void agree(Collective& group, const std::exception_ptr& failure, bool* stop = nullptr) {
  // The lowest failing rank wins the max as size - rank; 0 when none failed.
  int flags[2] = {failure ? group.size() - group.rank() : 0, stop != nullptr && *stop ? 1 : 0};
  group.max(flags, 2);
  if (stop != nullptr) *stop = flags[1] != 0;
  if (flags[0] == 0) return;
  const int first = group.size() - flags[0];
  std::pair<std::string, std::string> error;
  if (group.rank() == first) error = describe_failure(failure);
  error.first = broadcast_string(group, error.first, first);
  error.second = broadcast_string(group, error.second, first);
  throw DistributedError("process " + std::to_string(first) + " of " +
                             std::to_string(group.size()) + " failed: " + error.first + ": " +
                             error.second,
                         first, error.first, error.second);
}

}  // namespace detail

/// Runs `step` on this process, then agrees with the other processes of the group, which must
/// call `collectively` at the same point: if `step` threw on any process, every process throws
/// the same DistributedError (naming the first that failed and its error) instead of going on
/// to a collective operation that the failed one never reaches. Returns what `step` returned.
/// \code
///   auto [X, labels] = deepnet::collectively(world, [&] {
///     return deepnet::load_idx_pair<float>(images, labels_file,
///                                          deepnet::ItemRange::shard(world.rank(), world.size()));
///   });
/// \endcode
template <class Step>
auto collectively(Collective& group, Step&& step) {
  using Result = decltype(step());
  std::exception_ptr failure;
  if constexpr (std::is_void<Result>::value) {
    try {
      step();
    } catch (...) {
      failure = std::current_exception();
    }
    detail::agree(group, failure);
  } else {
    std::optional<Result> result;
    try {
      result.emplace(step());
    } catch (...) {
      failure = std::current_exception();
    }
    detail::agree(group, failure);
    return std::move(*result);
  }
}

template <class Scalar, class Model>
class Trainer;
template <class Scalar>
class DeepNet;

namespace detail {

/// The trainer's data-parallel code for one scalar type, behind pointers (as the checkpoint
/// code is: training/checkpoint_hooks.hpp), so that only a program that calls
/// `FitOptions::data_parallel` compiles it.
template <class Scalar>
struct TrainerGroupIO {
  /// The trainer's set-up on every process: its own checks, then the agreement, the examples'
  /// places, the same network and options everywhere and rank 0's parameters.
  void (*join)(Trainer<Scalar, DeepNet<Scalar>>& trainer,
               std::optional<TrainingState<Scalar>>& resumed);
  /// One epoch over the group's examples.
  void (*run_epoch)(Trainer<Scalar, DeepNet<Scalar>>& trainer);
};

/// Both scalar types' data-parallel code.
using TrainerGroupHooks = FloatAndDouble<TrainerGroupIO>;

/// Defined in training/trainer.hpp; instantiated only by `FitOptions::data_parallel`.
template <class Unused = void>
const TrainerGroupHooks* trainer_group_hooks() noexcept;

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_TRAINING_COLLECTIVE_HPP
