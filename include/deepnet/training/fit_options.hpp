/// \file training/fit_options.hpp
/// The settings of `DeepNet::fit`, as an options object with chained setters:
/// `FitOptions().learning_rate(0.001).epochs(20).batch_size(128).optimizer(OptimizerSettings::adam())`.
#ifndef DEEPNET_TRAINING_FIT_OPTIONS_HPP
#define DEEPNET_TRAINING_FIT_OPTIONS_HPP

#include "../config.hpp"
#include "../detail/option.hpp"
#include "checkpoint_hooks.hpp"
#include "collective.hpp"
#include "diagnostics.hpp"
#include "history.hpp"
#include "optimizer.hpp"
#include "progress.hpp"
#include "schedule.hpp"

#include <cstdint>
#include <functional>
#include <iostream>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

namespace deepnet {

/// What a callback tells `fit` to do next.
enum class Control {
  Continue,  ///< keep training
  Stop       ///< stop after this step or epoch; the history keeps what was recorded so far
};

/// Called after every step (mini-batch) with its number and cost.
using StepCallback = std::function<Control(const Step&)>;
/// Called after every epoch with its record.
using EpochCallback = std::function<Control(const Epoch&)>;

/// Settings of `DeepNet::fit`.
class FitOptions {
  /// alpha0, the initial learning rate; must be positive and finite.
  DEEPNET_OPTION(FitOptions, double, learning_rate, 0.0075)
  /// Passes over the training set. With the full batch (the default) an epoch is one
  /// gradient-descent step, so this is also the number of iterations; see `iterations`.
  DEEPNET_OPTION(FitOptions, Index, epochs, 3000)
  /// Examples per mini-batch; 0 (the default) uses all m examples in every step.
  DEEPNET_OPTION(FitOptions, Index, batch_size, 0)
  /// Shuffle the examples before every epoch of mini-batches (not done for the full batch).
  DEEPNET_OPTION(FitOptions, bool, shuffle, true)
  /// Skip the last batch of an epoch when it has fewer than batch_size examples.
  DEEPNET_OPTION(FitOptions, bool, drop_last, false)
  /// Seed of the shuffling.
  DEEPNET_OPTION(FitOptions, std::uint64_t, seed, 0)
  /// The update rule: gradient descent, momentum, RMSProp or Adam.
  DEEPNET_OPTION(FitOptions, OptimizerSettings, optimizer, OptimizerSettings::gradient_descent())
  /// The learning rate as a function of the epoch.
  DEEPNET_OPTION(FitOptions, Schedule, schedule, Schedule::constant())
  /// Print "Cost after iteration i: J" (full batch) or "Cost after epoch i: J" every this many
  /// epochs and after the last; 0 is silent.
  DEEPNET_OPTION(FitOptions, Index, print_every, 0)
  /// The progress line (off by default).
  DEEPNET_OPTION(FitOptions, Progress, progress, Progress::Off)
  /// A permanent progress line every this many epochs (and after the last); in between the
  /// line rewrites itself on a terminal (plain output skips those epochs).
  DEEPNET_OPTION(FitOptions, Index, progress_every, 1)
  /// Where printing and the progress line go.
  DEEPNET_OPTION(FitOptions, std::ostream*, out, &std::cout)
  /// Called after every step; returning Control::Stop ends training.
  DEEPNET_OPTION(FitOptions, StepCallback, callback, nullptr)
  /// Called after every epoch; returning Control::Stop ends training.
  DEEPNET_OPTION(FitOptions, EpochCallback, epoch_callback, nullptr)
  /// Hold out the last `validation_split` of the examples as the validation set, as Keras
  /// does: the last round(fraction * m) columns of X and Y (in their given order, never
  /// shuffled: shuffle data that is sorted, by class for instance, beforehand, or use
  /// `split`/`stratified_split` from tools/data.hpp), evaluated after every epoch as with
  /// `fit(X, Y, X_val, Y_val)`; training (and its shuffling) uses the other columns only. The
  /// parts are views of X and Y, not copies. 0 (the default): no split. Must be in [0, 1) and
  /// leave at least one example in each part; not combined with an explicit validation set.
  DEEPNET_OPTION(FitOptions, double, validation_split, 0.0)
  /// Stop when the validation cost has not improved for this many epochs; 0 never stops.
  /// Needs a validation set (given, or held out by `validation_split`).
  DEEPNET_OPTION(FitOptions, Index, early_stopping, 0)
  /// The improvement that counts for early stopping.
  DEEPNET_OPTION(FitOptions, double, min_delta, 0.0)
  /// After early stopping, put back the weights of the best epoch.
  DEEPNET_OPTION(FitOptions, bool, restore_best, true)
 public:
  /// Record per-layer statistics (norms of W and dW, mean and spread of A, dead ReLUs) in
  /// every epoch's record. (A template taking a bool, so that the statistics are only compiled
  /// in a program that calls it: training/diagnostics.hpp.)
  template <class Flag, class = std::enable_if_t<std::is_same<Flag, bool>::value>>
  FitOptions& diagnostics(Flag value) {
    m_diagnostics = value;
    m_diagnostics_hooks = detail::diagnostics_hooks<std::void_t<Flag>>();
    return *this;
  }
  /// Whether per-layer statistics are recorded.
  bool diagnostics() const noexcept { return m_diagnostics; }
  /// The statistics that `diagnostics` points at (null until it is called).
  const detail::DiagnosticsHooks* diagnostics_hooks() const noexcept { return m_diagnostics_hooks; }

  /// A file to save a checkpoint to after every epoch (io/checkpoint.hpp: the network, the
  /// optimizer's state, the epoch and the generators), atomically; empty: none.
  /// (A template taking anything a std::string is made from, so that the checkpoint code is
  /// only compiled in a program that calls it: training/checkpoint_hooks.hpp.)
  template <class Path, class = std::enable_if_t<std::is_convertible<Path&&, std::string>::value>>
  FitOptions& checkpoint(Path&& path) {
    m_checkpoint = std::string(std::forward<Path>(path));
    m_checkpoint_hooks = detail::checkpoint_hooks<std::void_t<Path>>();
    m_trainer_checkpoint_hooks = detail::trainer_checkpoint_hooks<std::void_t<Path>>();
    return *this;
  }
  /// The file a checkpoint is saved to after every epoch; empty: none.
  const std::string& checkpoint() const noexcept { return m_checkpoint; }

  /// A checkpoint (or a model file) to start from: the network takes its parameters, and with
  /// a training state, fit goes on with the epoch after the last one saved, as if it had never
  /// stopped; empty: none.
  /// (A template taking anything a std::string is made from, so that the checkpoint code is
  /// only compiled in a program that calls it: training/checkpoint_hooks.hpp.)
  template <class Path, class = std::enable_if_t<std::is_convertible<Path&&, std::string>::value>>
  FitOptions& resume_from(Path&& path) {
    m_resume_from = std::string(std::forward<Path>(path));
    m_checkpoint_hooks = detail::checkpoint_hooks<std::void_t<Path>>();
    m_trainer_checkpoint_hooks = detail::trainer_checkpoint_hooks<std::void_t<Path>>();
    return *this;
  }
  /// The checkpoint training starts from; empty: none.
  const std::string& resume_from() const noexcept { return m_resume_from; }

  /// The checkpoint writer and reader that `checkpoint` and `resume_from` set (null until one
  /// of them is called): the training loop calls them through this pointer, so that only a
  /// program that uses checkpoints compiles the file code (training/checkpoint_hooks.hpp).
  const detail::CheckpointHooks* checkpoint_hooks() const noexcept { return m_checkpoint_hooks; }
  /// The trainer's side of checkpoints (taking and resuming its state), set with the above.
  const detail::TrainerCheckpointHooks* trainer_checkpoint_hooks() const noexcept {
    return m_trainer_checkpoint_hooks;
  }

  /// Data-parallel training over a group of processes (docs/distributed.md): every process of
  /// `group` calls `fit` with the same network and options and its own examples (its shard),
  /// and each step averages the gradients of the global mini-batch over the processes, so that
  /// every process applies the same update. `group` (usually a `deepnet::mpi::Communicator`,
  /// distributed/mpi.hpp) must outlive the training. Only process 0 prints and writes
  /// checkpoints; a failure on one process makes every process throw a DistributedError.
  /// (A template, so that the data-parallel code is only compiled in a program that calls it.)
  template <class Group, class = std::enable_if_t<std::is_base_of<Collective, Group>::value>>
  FitOptions& data_parallel(Group& group) {
    m_group = &group;
    m_group_hooks = detail::trainer_group_hooks<std::void_t<Group>>();
    return *this;
  }
  /// The group of data-parallel training, or null (one process: the default).
  Collective* data_parallel() const noexcept { return m_group; }
  /// The trainer's data-parallel code that `data_parallel` sets (null until it is called).
  const detail::TrainerGroupHooks* trainer_group_hooks() const noexcept { return m_group_hooks; }

  /// The course's name for epochs in full-batch gradient descent: sets `epochs`.
  FitOptions& iterations(Index value) { return epochs(value); }
  /// The number of epochs.
  Index iterations() const noexcept { return epochs(); }

 private:
  std::string m_checkpoint;
  std::string m_resume_from;
  const detail::CheckpointHooks* m_checkpoint_hooks = nullptr;
  bool m_diagnostics = false;
  const detail::DiagnosticsHooks* m_diagnostics_hooks = nullptr;
  const detail::TrainerCheckpointHooks* m_trainer_checkpoint_hooks = nullptr;
  Collective* m_group = nullptr;
  const detail::TrainerGroupHooks* m_group_hooks = nullptr;
};

}  // namespace deepnet

// The checkpoint code the setters point at (io/checkpoint.hpp, through the network and its
// trainer), so that a program that includes this header alone links too.
#include "../core/deep_net.hpp"

#endif  // DEEPNET_TRAINING_FIT_OPTIONS_HPP
