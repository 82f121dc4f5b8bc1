/// \file training/trainer.hpp
/// The training loop behind `DeepNet::fit`, one epoch at a time: mini-batches (shuffled with
/// a seed, the last one possibly smaller), an optimizer and a learning-rate schedule, the cost
/// and accuracy of every epoch, a validation set, early stopping, callbacks, the progress line
/// and per-layer diagnostics. `fit` is `Trainer(net, X, Y, options).run()`; use a Trainer
/// directly to step through the epochs yourself.
#ifndef DEEPNET_TRAINING_TRAINER_HPP
#define DEEPNET_TRAINING_TRAINER_HPP

#include "../config.hpp"
#include "../core/deep_net.hpp"
#include "../core/random.hpp"
#include "../errors.hpp"
#include "../io/checkpoint.hpp"
#include "early_stopping.hpp"
#include "fit_options.hpp"
#include "history.hpp"
#include "optimizer.hpp"
#include "progress.hpp"
#include "training_model.hpp"
#include "training_state.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iterator>
#include <limits>
#include <memory>
#include <new>
#include <numeric>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

namespace deepnet {

namespace detail {

/// Enabled when every T is an Eigen matrix or expression (of any value category).
template <class... T>
using if_matrices = std::enable_if_t<(
    std::is_base_of<Eigen::MatrixBase<std::decay_t<T>>, std::decay_t<T>>::value && ...)>;

/// A copy of every tensor of the parameter registry, to go back to the best epoch (or, with
/// `buffers_only`, of the tensors that are not trained: the running statistics).
template <class Model>
class ParameterSnapshot {
 public:
  using Scalar = typename TrainingModel<Model>::Scalar;  ///< the model's scalar type

  /// Copies every tensor of the model (the untrained ones only with `buffers_only`).
  void save(Model& net, bool buffers_only = false) {
    std::size_t k = 0;
    TrainingModel<Model>::for_each_value(
        net,
        [&](MatrixSpan<Scalar> value) {
          if (m_values.size() <= k) m_values.emplace_back();
          m_values[k++] = value;
        },
        buffers_only);
  }
  /// Puts the copies back (saved with the same `buffers_only`).
  void restore(Model& net, bool buffers_only = false) const {
    std::size_t k = 0;
    TrainingModel<Model>::for_each_value(
        net, [&](MatrixSpan<Scalar> value) { value = m_values.at(k++); }, buffers_only);
  }
  /// True before the first save.
  bool empty() const noexcept { return m_values.empty(); }
  /// The copies, in the order of the model's tensors (the registry's order).
  const std::vector<Matrix<Scalar>>& values() const noexcept { return m_values; }
  /// Takes copies made elsewhere (a checkpoint's), in the same order.
  void assign(std::vector<Matrix<Scalar>> values) { m_values = std::move(values); }

 private:
  std::vector<Matrix<Scalar>> m_values;
};

}  // namespace detail

/// Trains a model epoch by epoch: a DeepNet<Scalar> (the default), or any model for which
/// detail::TrainingModel is specialised (training/training_model.hpp): the loop reaches the
/// model through that adapter only. It keeps views of X and Y (and of the validation set):
/// they must outlive the trainer and stay unchanged. With FitOptions::validation_split, the
/// training and the validation set are views of X's and Y's first and last columns. Full-batch
/// training over more than one epoch also keeps a copy of X^T (n[0] x m scalars), from which dW[1]
/// is computed faster.
template <class Scalar, class Model = DeepNet<Scalar>>
class Trainer {
  using Adapter = detail::TrainingModel<Model>;
  static_assert(std::is_same<typename Adapter::Scalar, Scalar>::value,
                "Trainer<Scalar, Model>: Scalar must be the model's scalar type");

 public:
  using Matrix = deepnet::Matrix<Scalar>;  ///< column-major matrix
  using Data = InputView<Scalar>;          ///< a view of the caller's examples
  using View = MatrixView<Scalar>;         ///< read-only view

  /// Training on (X, Y): X is n[0] x m, Y is n[L] x m.
  /// \throws ShapeError, DataError, ConfigError for data or options that cannot work
  /// X and Y must outlive the trainer: temporary matrices are refused at compile time.
  template <class TX, class TY, class = detail::if_matrices<TX, TY>>
  Trainer(Model& net, TX&& X, TY&& Y, const FitOptions& options)
      : Trainer(net, view_of(X, "X"), view_of(Y, "Y"), Data(nullptr, 0, 0, Eigen::OuterStride<>(0)),
                Data(nullptr, 0, 0, Eigen::OuterStride<>(0)), options, false, nullptr) {
    require_kept<TX, TY>();
  }

  /// Training on (X, Y) with an update rule of the caller's instead of `options.optimizer()`:
  /// any class derived from Optimizer<Scalar> (docs/extending.md). The trainer uses it, and
  /// does not own it: it must outlive the trainer. Its state continues from where it is.
  template <class TX, class TY, class = detail::if_matrices<TX, TY>>
  Trainer(Model& net, TX&& X, TY&& Y, const FitOptions& options, Optimizer<Scalar>& optimizer)
      : Trainer(net, view_of(X, "X"), view_of(Y, "Y"), Data(nullptr, 0, 0, Eigen::OuterStride<>(0)),
                Data(nullptr, 0, 0, Eigen::OuterStride<>(0)), options, false, &optimizer) {
    require_kept<TX, TY>();
  }

  /// Training on (X, Y) with a validation set (X_val, Y_val), evaluated after every epoch.
  /// All four must outlive the trainer: temporary matrices are refused at compile time.
  template <class TX, class TY, class TXv, class TYv, class = detail::if_matrices<TX, TY, TXv, TYv>>
  Trainer(Model& net, TX&& X, TY&& Y, TXv&& X_val, TYv&& Y_val, const FitOptions& options)
      : Trainer(net, view_of(X, "X"), view_of(Y, "Y"), view_of(X_val, "X_val"),
                view_of(Y_val, "Y_val"), options, true, nullptr) {
    require_kept<TX, TY, TXv, TYv>();
  }

  /// With a validation set and an update rule of the caller's (which must outlive the trainer).
  template <class TX, class TY, class TXv, class TYv, class = detail::if_matrices<TX, TY, TXv, TYv>>
  Trainer(Model& net, TX&& X, TY&& Y, TXv&& X_val, TYv&& Y_val, const FitOptions& options,
          Optimizer<Scalar>& optimizer)
      : Trainer(net, view_of(X, "X"), view_of(Y, "Y"), view_of(X_val, "X_val"),
                view_of(Y_val, "Y_val"), options, true, &optimizer) {
    require_kept<TX, TY, TXv, TYv>();
  }

  /// True when every epoch has run, or training stopped early.
  bool done() const noexcept { return m_stopped || m_epoch >= m_options.epochs(); }

  /// The number of mini-batches in an epoch.
  Index batches() const noexcept { return m_batches; }

  /// Trains one epoch and returns its record (also appended to the history).
  /// \throws StateError when done(); NumericalError when the cost stops being finite
  const Epoch& run_epoch() {
    if (done()) throw StateError("Trainer::run_epoch: training is over");
    if constexpr (hooked) {
      if (m_group != nullptr) {
        m_options.trainer_group_hooks()->template get<Scalar>().run_epoch(*this);
        return m_history.epochs.back();
      }
    }
    return epoch<false>();
  }

  /// Runs the remaining epochs and returns the history.
  History run() {
    while (!done())
      run_epoch();
    settle();
    return m_history;
  }

  /// The trainer's steps may leave a DeepNet's values in its store's second value buffer
  /// (the divergence guard's way to keep the last ones without a copy): `run` and the
  /// destructor put them back in the first, so that views of the parameters taken before
  /// training (parameters(), parameter_values()) stay valid after it. Between two run_epoch
  /// calls, take such views anew; layer(l).W() and the other accessors always follow.
  ~Trainer() { settle(); }
  /// Moves the trainer (the network stays the caller's).
  Trainer(Trainer&&) = default;

  /// The history so far.
  const History& history() const noexcept { return m_history; }

 private:
  // One epoch; Shared: data-parallel, over the examples of every process of m_group (only
  // compiled through FitOptions::data_parallel's hooks).
  template <bool Shared>
  const Epoch& epoch() {
    const Index e = m_epoch;
    const double alpha = m_options.schedule()(m_options.learning_rate(), e);
    if (!(alpha > 0.0) || !std::isfinite(alpha)) {
      throw ConfigError("Trainer: the schedule gives learning rate " +
                        detail::number_string(alpha) + " at epoch " + std::to_string(e));
    }
    if (m_shuffled) shuffle();

    double cost_sum = 0.0;
    Index seen = 0, correct = 0, counted = 0;
    const Index m = m_total;
    for (Index k = 0; k < m_batches && !m_stopped; ++k) {
      const Index start = k * m_batch;
      const Index size = std::min(m_batch, m - start);
      Scalar J;
      if constexpr (Shared) {
        J = shared_step(start, size, alpha, correct, counted);
      } else {
        J = m_shuffled
                ? step(gather(m_X, start, size, m_X_batch), gather(m_Y, start, size, m_Y_batch),
                       alpha, correct, counted)
                : step(slice(m_X, start, size), slice(m_Y, start, size), alpha, correct, counted);
      }
      cost_sum += static_cast<double>(J) * static_cast<double>(size);
      seen += size;
      const Step info{m_iteration, static_cast<double>(J), e, k};
      m_history.cost.push_back(info.cost);
      ++m_iteration;
      m_progress.batch(e, k, m_batches, cost_sum / static_cast<double>(seen),
                       counted > 0 ? static_cast<double>(correct) / static_cast<double>(counted)
                                   : std::numeric_limits<double>::quiet_NaN());
      if (m_options.callback()) {
        std::exception_ptr failure;
        bool stop_now = asks_to_stop<Shared>(m_options.callback(), info, failure);
        if constexpr (Shared) detail::agree(*m_group, failure, &stop_now);
        if (stop_now) stop("callback");
      }
    }

    Epoch record;
    record.epoch = e;
    record.cost = cost_sum / static_cast<double>(seen);
    if (m_classifies && counted > 0) {
      record.accuracy = static_cast<double>(correct) / static_cast<double>(counted);
    }
    record.learning_rate = alpha;
    if constexpr (Shared) average_statistics();
    if (m_has_validation) evaluate_validation<Shared>(record);
    if (m_options.diagnostics()) {
      const detail::LayerStatistics<Scalar> statistics =
          detail::layer_statistics_of<Scalar>(m_options.diagnostics_hooks());
      DEEPNET_ASSERT(statistics != nullptr, "diagnostics are only on together with the hooks");
      Adapter::diagnostics(m_net, record, statistics);
    }
    record.seconds = m_progress.seconds();
    ++m_epoch;
    m_history.epochs.push_back(std::move(record));
    const Epoch& done_epoch = m_history.epochs.back();
    if (m_early_stopping) {
      m_early_stopping->observe(done_epoch.val_cost);
      if (m_early_stopping->improved()) {
        m_history.best_epoch = e;
        if (m_options.restore_best()) m_best.save(m_net);
      }
    }
    // After early stopping's observation, which the checkpoint keeps, and before the best
    // epoch's parameters are put back, so that it holds this epoch's.
    std::exception_ptr failure;  // data-parallel: this process's, agreed on below
    if (!m_options.checkpoint().empty()) {
      if constexpr (Shared) {
        if (m_group->rank() == 0) {  // the processes hold the same model: one writes it
          try {
            save_checkpoint();
          } catch (...) {
            failure = std::current_exception();
          }
        }
      } else {
        save_checkpoint();
      }
    }

    m_progress.epoch(done_epoch, m_batches);
    print(done_epoch);
    if (m_early_stopping && m_early_stopping->patience_over()) stop("early stopping");
    bool stop_now = m_options.epoch_callback() &&
                    asks_to_stop<Shared>(m_options.epoch_callback(), done_epoch, failure);
    if constexpr (Shared) detail::agree(*m_group, failure, &stop_now);
    if (stop_now) stop("callback");
    if (m_stopped && m_early_stopping && m_options.restore_best() && !m_best.empty()) {
      m_best.restore(m_net);
    }
    if (done()) m_progress.interrupt();
    return done_epoch;
  }

 public:
  /// What a checkpoint keeps besides the network (io/checkpoint.hpp): the epochs and steps
  /// done, the optimizer's settings, step count and state under the registry's names, the
  /// generators and the order of the examples. Taken between two epochs, it lets `resume` go
  /// on exactly where this trainer is.
  TrainingState<Scalar> state() const {
    TrainingState<Scalar> result;
    result.epoch = m_epoch;
    result.iteration = m_iteration;
    result.optimizer = m_options.optimizer();
    result.custom_optimizer = m_owned_optimizer == nullptr;
    result.optimizer_name = m_optimizer->name();
    result.optimizer_steps = m_optimizer->steps();
    result.shuffle_random = m_random.state();
    result.dropout_random = Adapter::dropout_random(m_net).state();
    if (m_shuffled) result.order = m_order;
    const std::vector<NamedTensor<Scalar>> entries = Adapter::parameters(m_net);
    const std::vector<std::string> slots = m_optimizer->state_slots();
    for (const std::string& slot : slots) {
      Index k = 0;
      for (const NamedTensor<Scalar>& entry : entries) {
        if (!entry.trainable) continue;
        result.optimizer_state.emplace_back(
            slot + "/" + entry.name,
            m_optimizer->state(slot, k++, entry.value.rows(), entry.value.cols()));
      }
    }
    if (m_early_stopping) {
      result.has_early_stopping = true;
      result.early_stopping = m_early_stopping->state();
      result.best_epoch = m_history.best_epoch;
      const std::vector<Matrix>& best = m_best.values();
      DEEPNET_ASSERT(best.empty() || best.size() == entries.size(),
                     "the best epoch's copy holds every tensor of the registry");
      for (std::size_t k = 0; k < best.size(); ++k)
        result.best_parameters.emplace_back(entries[k].name, best[k]);
    }
    return result;
  }

  /// Goes on from a state that `state()` gave (usually read back with `load_checkpoint`), for a
  /// network that holds the parameters saved with it: the next epoch is `state.epoch`, and with
  /// the same data and options the run ends with the same bits as one that never stopped.
  /// Early stopping goes on from the checkpoint's best cost and count, and with
  /// FitOptions::restore_best from its best epoch's parameters; a checkpoint of a run without
  /// early stopping starts it afresh. Call it before the first epoch.
  /// \throws StateError after an epoch has run; ConfigError when the options' optimizer is not
  ///         the checkpoint's, shuffling differs, or the optimizer's state or the best epoch's
  ///         parameters do not fit this network (a name missing or of another shape), or the
  ///         saved order of the examples does not have X's m entries
  void resume(const TrainingState<Scalar>& state) {
    const char* where = "Trainer::resume";
    if (m_epoch != 0 || m_iteration != 0) {
      throw StateError(std::string(where) + ": call it before the first epoch");
    }
    const bool custom = m_owned_optimizer == nullptr;
    if (state.custom_optimizer || custom) {
      if (!state.custom_optimizer || !custom || state.optimizer_name != m_optimizer->name()) {
        throw ConfigError(std::string(where) + ": the checkpoint was trained with " +
                          (state.custom_optimizer
                               ? "the update rule \"" + state.optimizer_name + "\" of the program's"
                               : describe(state.optimizer)) +
                          ", this trainer uses " +
                          (custom
                               ? "the update rule \"" + m_optimizer->name() + "\" of the program's"
                               : describe(m_options.optimizer())) +
                          "; resume with the same optimizer");
      }
    } else if (!same_optimizer(state.optimizer, m_options.optimizer())) {
      throw ConfigError(std::string(where) + ": the checkpoint was trained with " +
                        describe(state.optimizer) + ", the options ask for " +
                        describe(m_options.optimizer()) +
                        "; resume with the same optimizer settings");
    }
    if (m_shuffled != !state.order.empty()) {
      throw ConfigError(
          std::string(where) + ": the checkpoint was made " + (m_shuffled ? "without" : "with") +
          " shuffled mini-batches and these options train " + (m_shuffled ? "with" : "without") +
          " them; resume with the same batch_size and shuffle");
    }
    if (m_shuffled && static_cast<Index>(state.order.size()) != m_total) {
      throw ConfigError(std::string(where) + ": the checkpoint's order of the examples holds " +
                        std::to_string(state.order.size()) + " examples, " +
                        (m_group != nullptr ? "the processes hold" : "X has") +
                        " m = " + std::to_string(m_total) + "; resume on the same data");
    }
    // The optimizer's state by name: every slot of every trainable parameter.
    std::vector<NamedTensor<Scalar>> entries = Adapter::parameters(m_net);
    const std::vector<std::string> slots = m_optimizer->state_slots();
    for (const std::string& slot : slots) {
      Index k = 0;
      for (const NamedTensor<Scalar>& entry : entries) {
        if (!entry.trainable) continue;
        const std::string name = slot + "/" + entry.name;
        const Matrix* saved = find_named(state.optimizer_state, name);
        if (saved == nullptr) {
          throw ConfigError(std::string(where) + ": the checkpoint holds no " + name + " for " +
                            m_optimizer->name() + ": it was made for another network");
        }
        if (saved->rows() != entry.value.rows() || saved->cols() != entry.value.cols()) {
          throw ConfigError(std::string(where) + ": " + name + " is " +
                            std::to_string(saved->rows()) + " x " + std::to_string(saved->cols()) +
                            " in the checkpoint, " + entry.name + " is " +
                            std::to_string(entry.value.rows()) + " x " +
                            std::to_string(entry.value.cols()) + " in this network");
        }
        m_optimizer->state(slot, k++, saved->rows(), saved->cols()) = *saved;
      }
    }
    std::vector<Matrix> best;
    if (m_early_stopping && state.has_early_stopping && m_options.restore_best()) {
      best = saved_best_parameters(state, entries, where);
    }
    m_optimizer->set_steps(state.optimizer_steps);
    if (m_early_stopping && state.has_early_stopping) {
      m_early_stopping->restore(state.early_stopping);
      m_history.best_epoch = state.best_epoch;
      if (!best.empty()) m_best.assign(std::move(best));
    }
    m_random.set_state(state.shuffle_random);
    Adapter::dropout_random(m_net).set_state(state.dropout_random);
    if (m_shuffled) m_order = state.order;
    m_epoch = state.epoch;
    m_iteration = state.iteration;
    if (m_early_stopping && m_early_stopping->patience_over()) {  // it stopped at the checkpoint
      stop("early stopping");
      if (m_options.restore_best() && !m_best.empty()) m_best.restore(m_net);
    }
  }

 private:
  // The values back in the store's first value buffer (update_into_spare may have left them in
  // the other).
  void settle() {
    if constexpr (Adapter::has_spare_values) Adapter::settle(m_net);
  }

  // The matrix saved under `name` in a checkpoint's list, or nullptr.
  static const Matrix* find_named(const std::vector<std::pair<std::string, Matrix>>& saved,
                                  const std::string& name) {
    for (const auto& [saved_name, M] : saved) {
      if (saved_name == name) return &M;
    }
    return nullptr;
  }

  // The best epoch's parameters of a checkpoint, one per tensor of the registry, in its order.
  static std::vector<Matrix> saved_best_parameters(const TrainingState<Scalar>& state,
                                                   const std::vector<NamedTensor<Scalar>>& entries,
                                                   const char* where) {
    std::vector<Matrix> best;
    if (state.best_parameters.empty()) return best;
    for (const NamedTensor<Scalar>& entry : entries) {
      const Matrix* saved = find_named(state.best_parameters, entry.name);
      if (saved == nullptr || saved->rows() != entry.value.rows() ||
          saved->cols() != entry.value.cols()) {
        throw ConfigError(std::string(where) + ": the checkpoint's best epoch " +
                          (saved == nullptr
                               ? "holds no " + entry.name
                               : "has " + entry.name + " of " + std::to_string(saved->rows()) +
                                     " x " + std::to_string(saved->cols()) + ", this network " +
                                     std::to_string(entry.value.rows()) + " x " +
                                     std::to_string(entry.value.cols())) +
                          ": it was made for another network");
      }
      best.push_back(*saved);
    }
    return best;
  }

  Trainer(Model& net, Data X, Data Y, Data X_val, Data Y_val, const FitOptions& options,
          bool has_validation, Optimizer<Scalar>* rule)
      : m_net(net),
        m_X(X),
        m_Y(Y),
        m_X_val(X_val),
        m_Y_val(Y_val),
        m_has_validation(has_validation),
        m_options(for_this_process(options)),
        m_owned_optimizer(rule != nullptr ? nullptr : make_optimizer<Scalar>(options.optimizer())),
        m_optimizer(rule != nullptr ? rule : m_owned_optimizer.get()),
        m_progress(m_options.out(), m_options.progress(), std::max<Index>(options.epochs(), 1),
                   options.progress_every()),
        m_random(options.seed()) {
    m_group = m_options.data_parallel();
    std::optional<TrainingState<Scalar>> resumed;
    bool joined = false;
    if constexpr (hooked) {
      if (m_group != nullptr) {
        options.trainer_group_hooks()->template get<Scalar>().join(*this, resumed);
        joined = true;
      }
    }
    if (!joined) {
      set_up(resumed);
      m_total = m_X.cols();
    }
    const Index m = m_total;  // with data_parallel, the examples of every process
    if (options.batch_size() > 0 && options.drop_last() && options.batch_size() > m) {
      throw ConfigError(std::string(Adapter::where) + ": drop_last with batch_size " +
                        std::to_string(options.batch_size()) + " > m = " + std::to_string(m) +
                        " would train on nothing");
    }
    m_batch = options.batch_size() == 0 ? m : std::min(options.batch_size(), m);
    m_batches = options.drop_last() ? m / m_batch : (m + m_batch - 1) / m_batch;
    m_shuffled = options.shuffle() && m_batch < m;
    // Full-batch gradient descent reads the same X in every step: dW[1] = (1/m) dZ[1] X^T is
    // faster from a copy of X^T (see Layer::backward_parameters), made once per fit.
    const bool keeps_X_T =
        Adapter::keeps_input_transpose && m_batches == 1 && m_batch == m && options.epochs() > 1;
    check_memory(keeps_X_T);
    if (keeps_X_T) m_X_T = m_X.transpose();
    if (m_shuffled) {
      m_order.resize(static_cast<std::size_t>(m));
      std::iota(m_order.begin(), m_order.end(), Index(0));
      const Index columns = std::min(m_batch, m_X.cols());  // this process's part, at most
      m_X_batch.resize(m_X.rows(), columns);
      m_Y_batch.resize(m_Y.rows(), columns);
    }
    if constexpr (hooked) {
      // A process's part of a batch differs in size from step to step: its caches take the
      // largest now, so that no later step allocates.
      if (m_group != nullptr) Adapter::reserve(m_net, std::min(m_batch, m_X.cols()));
    }
    const Activation output = Adapter::output_activation(m_net);
    m_classifies = output == Activation::Sigmoid || output == Activation::Softmax;
    if (options.early_stopping() > 0) {
      m_early_stopping =
          std::make_unique<EarlyStopping>(options.early_stopping(), options.min_delta());
    }
    m_history.cost.reserve(static_cast<std::size_t>(options.epochs() * m_batches));
    m_history.epochs.reserve(static_cast<std::size_t>(options.epochs()));
    if (resumed) resume_checkpoint(*resumed);
    if constexpr (hooked) {
      if (m_group != nullptr) own_dropout_stream();
    }
  }

  // A DeepNet's trainer reaches state() and resume() through the hooks that the checkpoint
  // options set (training/checkpoint_hooks.hpp): a program without checkpoints compiles
  // neither. Other models call them directly.
  static constexpr bool hooked =
      std::is_same<Model, DeepNet<Scalar>>::value &&
      (std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value);

  void save_checkpoint() {
    if constexpr (hooked) {
      trainer_hooks().save(*this);
    } else {
      Adapter::save_checkpoint(m_net, state(), m_options);
    }
  }

  void resume_checkpoint(const TrainingState<Scalar>& saved) {
    if constexpr (hooked) {
      trainer_hooks().resume(*this, saved);
    } else {
      resume(saved);
    }
  }

  const detail::TrainerCheckpointIO<Scalar>& trainer_hooks() const {
    const detail::TrainerCheckpointHooks* hooks = m_options.trainer_checkpoint_hooks();
    DEEPNET_ASSERT(hooks != nullptr, "a checkpoint path is only set together with the hooks");
    return hooks->template get<Scalar>();
  }

  // The hooks' functions.
  static void save_hooked(const Trainer& trainer) {
    Adapter::save_checkpoint(trainer.m_net, trainer.state(), trainer.m_options);
  }
  static void resume_hooked(Trainer& trainer, const TrainingState<Scalar>& saved) {
    trainer.resume(saved);
  }
  template <class Unused>
  friend const detail::TrainerCheckpointHooks* detail::trainer_checkpoint_hooks() noexcept;

  static bool same_optimizer(const OptimizerSettings& a, const OptimizerSettings& b) {
    using Kind = OptimizerSettings::Kind;
    if (a.kind != b.kind) return false;
    switch (a.kind) {
      case Kind::GradientDescent:
        return true;
      case Kind::Momentum:
        return a.beta == b.beta;
      case Kind::RMSProp:
        return a.beta == b.beta && a.epsilon == b.epsilon;
      case Kind::Adam:
        return a.beta1 == b.beta1 && a.beta2 == b.beta2 && a.epsilon == b.epsilon;
    }
    return false;
  }

  static std::string describe(const OptimizerSettings& o) {
    using Kind = OptimizerSettings::Kind;
    const auto n = [](double x) { return detail::number_string(x); };
    switch (o.kind) {
      case Kind::GradientDescent:
        return "GradientDescent";
      case Kind::Momentum:
        return "Momentum(beta " + n(o.beta) + ")";
      case Kind::RMSProp:
        return "RMSProp(beta " + n(o.beta) + ", epsilon " + n(o.epsilon) + ")";
      case Kind::Adam:
        return "Adam(beta1 " + n(o.beta1) + ", beta2 " + n(o.beta2) + ", epsilon " + n(o.epsilon) +
               ")";
    }
    return "?";
  }

  template <class... T>
  static void require_kept() {
    static_assert(!(detail::is_temporary_matrix<T, Scalar> || ...),
                  "Trainer keeps views of X and Y (and of the validation set) until it has run: "
                  "a temporary matrix would be freed first; store the data in named variables "
                  "that outlive the trainer");
  }

  template <class Derived>
  static Data view_of(const Eigen::MatrixBase<Derived>& M, const char* name) {
    static_assert(detail::is_viewable_input<Derived, Scalar>,
                  "Trainer keeps views of the data: pass matrices, column blocks or Maps of the "
                  "network's scalar type (DeepNet::fit evaluates other expressions first)");
    if (M.innerStride() != 1) {
      throw std::invalid_argument(std::string("Trainer: ") + name +
                                  " must have consecutive rows (inner stride 1)");
    }
    return Data(M.derived().data(), M.rows(), M.cols(), Eigen::OuterStride<>(M.outerStride()));
  }

  // The constructor's checks of the options, the network and this process's data, and the
  // checkpoint to resume from.
  void set_up(std::optional<TrainingState<Scalar>>& resumed) {
    Adapter::check_options(m_net, m_options);
    if (!m_options.resume_from().empty()) resumed = Adapter::load_checkpoint(m_net, m_options);
    validate();
  }

  // Only process 0 of a data-parallel group prints.
  static FitOptions for_this_process(const FitOptions& options) {
    if (options.data_parallel() == nullptr || options.data_parallel()->rank() == 0) return options;
    FitOptions quiet = options;
    quiet.progress(Progress::Off).print_every(0);
    return quiet;
  }

  void validate() {
    const FitOptions& o = m_options;
    if (!(o.learning_rate() > 0.0) || !std::isfinite(o.learning_rate())) {
      throw ConfigError(std::string(Adapter::where) +
                        ": the learning rate must be a positive finite number, got " +
                        detail::number_string(o.learning_rate()));
    }
    if (o.epochs() < 0) {
      throw ConfigError(std::string(Adapter::where) + ": iterations must be 0 or more, got " +
                        std::to_string(o.epochs()));
    }
    if (o.batch_size() < 0) {
      throw ConfigError(std::string(Adapter::where) +
                        ": batch_size must be 0 (all examples) or more, got " +
                        std::to_string(o.batch_size()));
    }
    if (o.early_stopping() < 0) {
      throw ConfigError(std::string(Adapter::where) +
                        ": early_stopping must be 0 (off) or a number of epochs, got " +
                        std::to_string(o.early_stopping()));
    }
    const double split = o.validation_split();
    if (!(split >= 0.0 && split < 1.0)) {
      throw ConfigError(std::string(Adapter::where) +
                        ": validation_split is the share of the examples held out for "
                        "validation and must be in [0, 1), got " +
                        detail::number_string(split));
    }
    if (split > 0.0 && m_has_validation) {
      throw ConfigError(std::string(Adapter::where) + ": validation_split " +
                        detail::number_string(split) +
                        " and an explicit validation set (X_val, Y_val) both give a validation "
                        "set; use one of them");
    }
    if (o.early_stopping() > 0 && !m_has_validation && split == 0.0) {
      throw ConfigError(std::string(Adapter::where) +
                        ": early stopping watches the validation cost: give a "
                        "validation set (fit(X, Y, X_val, Y_val, options)) or hold one out with "
                        "FitOptions::validation_split");
    }
    Adapter::check_data(m_net, m_X, m_Y, "X", "Y");
    if (split > 0.0) {
      hold_out(split);
    } else if (m_has_validation) {
      Adapter::check_data(m_net, m_X_val, m_Y_val, "X_val", "Y_val");
    }
    Adapter::require_initialized(m_net);
    check_one_hot_sigmoid();
  }

  // validation_split: the last round(fraction * m) columns become the validation set, as
  // views of X and Y (no copy, nothing to allocate), and training keeps the others.
  void hold_out(double fraction) {
    const Index m = m_X.cols();
    const auto m_val = static_cast<Index>(std::llround(fraction * static_cast<double>(m)));
    if (m_val < 1 || m_val > m - 1) {
      throw ConfigError(std::string(Adapter::where) + ": validation_split " +
                        detail::number_string(fraction) + " of m = " + std::to_string(m) +
                        " examples holds out " + std::to_string(m_val) +
                        "; both the training and the validation part need at least one "
                        "example (choose another fraction, or give more examples)");
    }
    rebind(m_X_val, slice(m_X, m - m_val, m_val));
    rebind(m_Y_val, slice(m_Y, m - m_val, m_val));
    rebind(m_X, slice(m_X, 0, m - m_val));
    rebind(m_Y, slice(m_Y, 0, m - m_val));
    m_has_validation = true;
  }

  // Points a view at other data: assigning to a Map would copy the values instead.
  static void rebind(Data& view, const Data& to) {
    view.~Data();
    new (&view) Data(to.data(), to.rows(), to.cols(), Eigen::OuterStride<>(to.outerStride()));
  }

  // One-hot Y for independent sigmoids: usually exclusive classes that want a Softmax output,
  // but multi-label data whose examples each carry one label look the same, so a warning.
  void check_one_hot_sigmoid() {
    if (Adapter::output_activation(m_net) != Activation::Sigmoid ||
        Adapter::loss(m_net) != Loss::BinaryCrossEntropy || m_Y.rows() < 2) {
      return;
    }
    for (Index j = 0; j < m_Y.cols(); ++j) {
      if (m_Y.col(j).sum() != Scalar(1)) return;  // labels are 0/1 (checked): not one-hot
    }
    const std::string n = std::to_string(m_Y.rows());
    warn(std::string(Adapter::where) +
         ": every column of Y is one-hot, but the output layer is Sigmoid with "
         "BinaryCrossEntropy, which trains " +
         n + " independent yes/no outputs (multi-label); for exclusive classes " +
         Adapter::softmax_hint);
  }

  // Records a warning in the history; prints it where the progress output goes when that is on.
  void warn(const std::string& text) {
    m_history.warnings.push_back(text);
    std::ostream* out = m_options.out();
    const bool printing = m_options.progress() != Progress::Off || m_options.print_every() > 0;
    if (printing && out != nullptr) *out << "warning: " << text << '\n' << std::flush;
  }

  // Before anything of the run is allocated: the network's parameters, its caches for one
  // batch, the optimizer's state, the copies of the parameters, the batch buffers, X^T, the
  // validation buffers and the history, against the memory limit. Each part is named with its
  // bytes, so that the message says what to shrink.
  // "Adam's v and s", "Momentum's v", "AdaGrad's s": the optimizer's state, for messages.
  std::string state_names() const {
    const std::vector<std::string> slots = m_optimizer->state_slots();
    std::string text = m_optimizer->name() + "'s";
    for (std::size_t i = 0; i < slots.size(); ++i)
      text += (i == 0 ? " " : i + 1 == slots.size() ? " and " : ", ") + slots[i];
    return text;
  }

  void check_memory(bool keeps_X_T) const {
    using detail::count_of;
    using detail::saturating_add;
    using detail::saturating_mul;
    const std::uint64_t limit = memory_limit();
    const std::uint64_t scalar = sizeof(Scalar);
    const detail::TrainingMemory model = Adapter::memory(m_net, m_batch);
    // One copy of the parameters per slot of state: Momentum's v, RMSProp's s, Adam's v and s,
    // and whatever a rule of the program's declares.
    const std::uint64_t states = m_optimizer->state_slots().size();
    const bool keeps_best = m_options.early_stopping() > 0 && m_options.restore_best();
    const std::uint64_t epochs = count_of(m_options.epochs());
    const std::uint64_t bytes[] = {
        model.parameters,
        model.caches,
        saturating_mul(saturating_mul(states, model.trainable), scalar),
        saturating_mul(saturating_mul(keeps_best ? 2 : 1, model.kept), scalar),
        m_shuffled
            ? saturating_mul(saturating_mul(count_of(m_X.rows() + m_Y.rows()), count_of(m_batch)),
                             scalar)
            : 0,
        keeps_X_T
            ? saturating_mul(saturating_mul(count_of(m_X.rows()), count_of(m_X.cols())), scalar)
            : 0,
        m_has_validation
            ? saturating_mul(
                  saturating_mul(3, count_of(model.widest)),
                  saturating_mul(count_of(std::min<Index>(m_X_val.cols(), 1024)), scalar))
            : 0,
        saturating_add(saturating_mul(saturating_mul(epochs, count_of(m_batches)), sizeof(double)),
                       saturating_mul(epochs, sizeof(Epoch)))};
    std::uint64_t total = 0;
    for (const std::uint64_t part : bytes)
      total = saturating_add(total, part);
    if (total <= limit) return;
    // The message, naming every part that takes memory.
    const std::string names[] = {
        "the parameters and gradients",
        "the caches for batches of " + std::to_string(m_batch) + " examples",
        state_names(),
        keeps_best ? "two copies of the parameters (the divergence guard's, the best epoch's)"
                   : "the divergence guard's copy of the parameters",
        "the shuffled batches of X and Y",
        "X^T for full-batch training",
        "the validation buffers",
        "the history, one cost per batch and one record per epoch,"};
    std::string list;
    for (std::size_t i = 0; i < std::size(bytes); ++i) {
      if (bytes[i] == 0) continue;
      list += (list.empty() ? ": " : "; ") + names[i] + " " + detail::bytes_string(bytes[i]);
    }
    throw MemoryError(std::string(Adapter::where) + ": training would hold " +
                          detail::bytes_string(total) + list +
                          detail::over_the_memory_limit(limit) +
                          "; smaller batches (FitOptions::batch_size) or an optimizer with less "
                          "state need less",
                      0, total, limit);
  }

  // Fisher-Yates with the trainer's generator: the same seed gives the same batches.
  void shuffle() {
    for (std::size_t i = m_order.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(m_random.below(static_cast<Index>(i)));
      std::swap(m_order[i - 1], m_order[j]);
    }
  }

  // Copies the columns order[start .. start + size) of `from` into `to`'s first columns.
  // Returned as a Data view, like slice: every batch has the same type, so that step,
  // DeepNet::forward and the helpers below are instantiated once.
  Data gather(const Data& from, Index start, Index size, Matrix& to) const {
    for (Index j = 0; j < size; ++j) {
      to.col(j) = from.col(m_order[static_cast<std::size_t>(start + j)]);
    }
    return Data(to.data(), to.rows(), size, Eigen::OuterStride<>(to.rows()));
  }

  // Columns start .. start + size of `from`, as a view of the same type.
  static Data slice(const Data& from, Index start, Index size) {
    return Data(from.data() + start * from.outerStride(), from.rows(), size,
                Eigen::OuterStride<>(from.outerStride()));
  }

  // One mini-batch: forward, cost, backward, update; counts correct predictions on the way.
  Scalar step(const Data& X, const Data& Y, double alpha, Index& correct, Index& counted) {
    try {
      Adapter::forward(m_net, X);
    } catch (const NumericalError& e) {  // Z[l] not finite (DataError, for X, passes)
      diverged(e.layer(), e.layer(),
               "the forward pass overflowed at layer " + std::to_string(e.layer()));
    }
    const Scalar J = Adapter::cost(m_net, Y);
    if (!std::isfinite(J)) {
      diverged(Adapter::depth(m_net), 0, "the cost is " + detail::number_string(J));
    }
    if (m_classifies) {
      Index total = 0;
      correct += detail::count_correct<Scalar>(Adapter::output(m_net), Y,
                                               Adapter::output_activation(m_net), total);
      counted += total;
    }
    Adapter::backward(m_net, Y, m_X_T.size() > 0 ? &m_X_T : nullptr);
    guarded_update(alpha);
    return J;
  }

  // The update of a step whose cost was finite. The divergence guard keeps the parameters
  // before it: the update itself leaves them in the store's other value buffer when it can (a
  // built-in rule on a DeepNet), and only the running statistics are copied; else they are
  // copied.
  void guarded_update(double alpha) {
    bool into_spare = false;
    if constexpr (Adapter::has_spare_values) into_spare = m_optimizer->writes_next_values();
    m_last_finite.save(m_net, into_spare);
    m_kept = Kept::None;  // until the update is done
    if constexpr (Adapter::has_spare_values) {
      if (into_spare) {
        Adapter::update_into_spare(m_net, *m_optimizer, alpha);
        m_kept = Kept::InOtherBuffer;
        return;
      }
    }
    Adapter::update(m_net, *m_optimizer, alpha);
    m_kept = Kept::Copied;
  }

  // Whether `callback` returns Control::Stop for `record`. Shared: what it throws is kept in
  // `failure` (unless an earlier failure is there), for the group to agree on.
  template <bool Shared, class Callback, class Record>
  static bool asks_to_stop(const Callback& callback, const Record& record,
                           std::exception_ptr& failure) {
    if constexpr (Shared) {
      try {
        return callback(record) == Control::Stop;
      } catch (...) {
        if (!failure) failure = std::current_exception();
        return false;
      }
    } else {
      return callback(record) == Control::Stop;
    }
  }

  // Data-parallel training (FitOptions::data_parallel). Process p holds the examples
  // m_starts[p] .. m_starts[p + 1] - 1 of the group's order, the concatenation of the processes'
  // X; every process shuffles the same order with the same seed, so that the global batch k is
  // the one a single process would train on, and each process computes its own part of it.

  // This process's columns of the global batch [start, start + size): a slice of its X, or
  // gathered from a shuffled order (into `to`).
  Data part_of(const Data& from, Index start, Index size, Matrix& to) const {
    const Index first = m_offset, end = m_offset + m_X.cols();
    if (!m_shuffled) {
      const Index a = std::max(start, first), b = std::min(start + size, end);
      return b > a ? slice(from, a - first, b - a) : slice(from, 0, 0);
    }
    Index c = 0;
    for (Index j = start; j < start + size; ++j) {
      const Index g = m_order[static_cast<std::size_t>(j)];
      if (g >= first && g < end) to.col(c++) = from.col(g - first);
    }
    return Data(to.data(), to.rows(), c, Eigen::OuterStride<>(to.rows()));
  }

  // The number of processes that hold part of the global batch [start, start + size).
  Index holders(Index start, Index size) {
    std::fill(m_holds.begin(), m_holds.end(), char(0));
    const auto owner = [&](Index g) {
      return static_cast<std::size_t>(std::upper_bound(m_starts.begin(), m_starts.end(), g) -
                                      m_starts.begin() - 1);
    };
    for (Index j = start; j < start + size; ++j) {
      m_holds[owner(m_shuffled ? m_order[static_cast<std::size_t>(j)] : j)] = 1;
    }
    return static_cast<Index>(std::count(m_holds.begin(), m_holds.end(), char(1)));
  }

  // One step of data-parallel training: this process's part of the global batch forward and
  // backward, its gradients weighted by its share of the batch and summed over the group in one
  // reduction, and the same update on every process. The cost, the counts and the failures go
  // in a second, small sum. Returns the global batch's cost.
  Scalar shared_step(Index start, Index size, double alpha, Index& correct, Index& counted) {
    const Data X = part_of(m_X, start, size, m_X_batch);
    const Data Y = part_of(m_Y, start, size, m_Y_batch);
    const Index s = X.cols();
    // cost x its share of the batch, correct, counted, processes that failed, passes that
    // were not finite
    double sums[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
    std::exception_ptr failure;
    bool computed = false;
    if (s > 0) {
      try {
        computed = local_pass(X, Y, start, size, sums);
      } catch (...) {
        failure = std::current_exception();
        sums[3] = 1.0;
      }
    }
    auto gradients = m_net.parameter_gradients();
    if (!computed) gradients.setZero();
    m_group->sum(gradients.data(), gradients.size());
    m_group->sum(sums, 5);
    if (sums[3] > 0) detail::agree(*m_group, failure);
    const double J = sums[0];  // the mean over the global batch
    if (!std::isfinite(J)) {
      diverged(0, 0,
               "the cost of the global batch (" + std::to_string(size) + " examples over " +
                   std::to_string(m_group->size()) + " processes) is " + detail::number_string(J) +
                   (sums[4] > 0 ? ": the forward pass or the cost was not finite on " +
                                      detail::number_string(sums[4]) +
                                      (sums[4] == 1.0 ? " process" : " processes")
                                : std::string()));
    }
    if (s == 0) Adapter::take_gradients(m_net);
    correct += static_cast<Index>(sums[1]);
    counted += static_cast<Index>(sums[2]);
    guarded_update(alpha);
    return static_cast<Scalar>(J);
  }

  // This process's forward and backward pass over its part (X, Y) of a global batch of `size`
  // examples; puts its cost times its share of the batch and its counts in sums. False when the
  // pass was not finite.
  bool local_pass(const Data& X, const Data& Y, Index start, Index size, double* sums) {
    const Index s = X.cols();
    // L2: each of the P' processes that hold part of the batch adds lambda / P' of the
    // regulariser, so that the sum over the group adds it once, as one process would.
    struct L2Share {
      Model& net;
      double lambda;
      ~L2Share() { net.set_l2(lambda); }
    } share{m_net, m_l2};
    if (m_l2 != 0.0) m_net.set_l2(m_l2 / static_cast<double>(holders(start, size)));
    try {
      Adapter::forward(m_net, X);
    } catch (const NumericalError&) {  // Z[l] not finite (DataError, for X, passes)
      sums[0] = std::numeric_limits<double>::quiet_NaN();
      sums[4] = 1.0;
      return false;
    }
    const Scalar J = Adapter::cost(m_net, Y);
    if (!std::isfinite(J)) {
      sums[0] = std::numeric_limits<double>::quiet_NaN();
      sums[4] = 1.0;
      Adapter::discard_pass(m_net);
      return false;
    }
    // Its share s / size of the mean: exactly J when this process holds the whole batch.
    sums[0] = static_cast<double>(J) * (static_cast<double>(s) / static_cast<double>(size));
    if (m_classifies) {
      Index total = 0;
      sums[1] = static_cast<double>(detail::count_correct<Scalar>(
          Adapter::output(m_net), Y, Adapter::output_activation(m_net), total));
      sums[2] = static_cast<double>(total);
    }
    Adapter::backward(m_net, Y, m_X_T.size() > 0 ? &m_X_T : nullptr);
    // (1/s) sum over this part -> (1/size) of it: the sum over the group is then the mean over
    // the global batch. One pass over the gradients (none when this part is the whole batch);
    // folding s/size into backward's 1/m would also change how L2 is shared out.
    if (s != size)
      m_net.parameter_gradients() *= static_cast<Scalar>(s) / static_cast<Scalar>(size);
    return true;
  }

  // Batch normalisation's running statistics, which each process updates from its own part of
  // the batches, averaged over the group once an epoch, so that every process holds the same
  // model (the one process 0 writes to a checkpoint).
  void average_statistics() {
    if (m_statistics.empty()) return;
    pack_statistics();
    m_group->sum(m_statistics.data(), static_cast<Index>(m_statistics.size()));
    unpack_statistics(Scalar(1) / static_cast<Scalar>(m_group->size()));
  }

  // The running statistics, one tensor after the other, into m_statistics (sized by join).
  void pack_statistics() {
    Scalar* to = m_statistics.data();
    Adapter::for_each_value(
        m_net, [&](MatrixSpan<Scalar> value) { to = std::copy_n(value.data(), value.size(), to); },
        true);
  }
  // The running statistics from m_statistics, times `factor`.
  void unpack_statistics(Scalar factor) {
    const Scalar* from = m_statistics.data();
    Adapter::for_each_value(
        m_net,
        [&](MatrixSpan<Scalar> value) {
          for (Index i = 0; i < value.size(); ++i)
            value.data()[i] = *from++ * factor;
        },
        true);
  }

  // The trainer's set-up in data-parallel training, on every process (through the hooks): its
  // own checks (agreed on, so that a process that fails stops them all), then the same network
  // and options everywhere, the places of each process's examples, process 0's parameters.
  void join(std::optional<TrainingState<Scalar>>& resumed) {
    std::exception_ptr failure;
    try {
      set_up(resumed);
    } catch (...) {
      failure = std::current_exception();
    }
    detail::agree(*m_group, failure);
    const int P = m_group->size(), rank = m_group->rank();
    const std::string mine = group_signature(resumed);
    const std::string first = detail::broadcast_string(*m_group, mine, 0);
    if (mine != first) {
      // The first line that differs, on both sides.
      std::size_t a = 0;
      while (a < mine.size() && a < first.size() && mine[a] == first[a])
        ++a;
      const auto line_at = [](const std::string& text, std::size_t at) {
        const std::size_t begin = text.rfind('\n', at == 0 ? 0 : at - 1);
        const std::size_t from = begin == std::string::npos || at == 0 ? 0 : begin + 1;
        return text.substr(from, text.find('\n', from) - from);
      };
      failure = std::make_exception_ptr(
          ConfigError(std::string(Adapter::where) +
                      ": every process of data-parallel training must build the "
                      "same network and give fit the same options; process " +
                      std::to_string(rank) + " has \"" + line_at(mine, a) +
                      "\" where process 0 has \"" + line_at(first, a) + "\""));
    }
    detail::agree(*m_group, failure);
    std::vector<double> counts(static_cast<std::size_t>(P), 0.0);
    counts[static_cast<std::size_t>(rank)] = static_cast<double>(m_X.cols());
    m_group->sum(counts.data(), P);
    m_starts.assign(static_cast<std::size_t>(P) + 1, 0);
    for (std::size_t p = 0; p < counts.size(); ++p)
      m_starts[p + 1] = m_starts[p] + static_cast<Index>(counts[p]);
    m_offset = m_starts[static_cast<std::size_t>(rank)];
    m_total = m_starts.back();
    m_holds.assign(static_cast<std::size_t>(P), 0);
    m_l2 = m_net.l2();
    // Process 0's parameters and running statistics on every process.
    auto values = m_net.parameter_values();
    m_group->broadcast(values.data(), static_cast<std::size_t>(values.size()) * sizeof(Scalar), 0);
    std::size_t statistics = 0;
    Adapter::for_each_value(
        m_net,
        [&](MatrixSpan<Scalar> value) { statistics += static_cast<std::size_t>(value.size()); },
        true);
    m_statistics.assign(statistics, Scalar(0));
    if (statistics > 0) {
      pack_statistics();
      m_group->broadcast(m_statistics.data(), statistics * sizeof(Scalar), 0);
      unpack_statistics(Scalar(1));
    }
  }

  // Dropout in data-parallel training: each process draws its own masks, from a stream of its
  // own, derived from the network's (or the checkpoint's, once resumed); process 0 keeps it.
  void own_dropout_stream() {
    const auto rank = static_cast<std::uint64_t>(m_group->rank());
    if (rank == 0) return;
    Random& random = Adapter::dropout_random(m_net);
    random = Random(random.state().words[0] ^ (0x9E3779B97F4A7C15ull * rank));
  }

  // What must be the same on every process: the network (its summary) and the options that
  // decide the steps and the collective calls.
  std::string group_signature(const std::optional<TrainingState<Scalar>>& resumed) const {
    const FitOptions& o = m_options;
    const auto n = [](double x) { return detail::number_string(x); };
    std::string text = m_net.summary();
    text += "learning rate " + n(o.learning_rate()) + ", epochs " + std::to_string(o.epochs()) +
            ", batch size " + std::to_string(o.batch_size()) + (o.shuffle() ? ", shuffled" : "") +
            (o.drop_last() ? ", drop_last" : "") + ", seed " + std::to_string(o.seed()) + ", " +
            (m_owned_optimizer ? describe(o.optimizer())
                               : "the update rule \"" + m_optimizer->name() + "\"") +
            "\n";
    text += "early stopping " + std::to_string(o.early_stopping()) + " (min_delta " +
            n(o.min_delta()) + (o.restore_best() ? ", restore_best" : "") + "), " +
            (m_has_validation ? "a validation set" : "no validation set") + ", " +
            (o.callback() ? "a step callback" : "no step callback") + ", " +
            (o.diagnostics() ? "diagnostics" : "no diagnostics") + ", " +
            (resumed ? "resumed at epoch " + std::to_string(resumed->epoch) : "not resumed") + "\n";
    return text;
  }

  static void join_hooked(Trainer& trainer, std::optional<TrainingState<Scalar>>& resumed) {
    trainer.join(resumed);
  }
  static void run_epoch_hooked(Trainer& trainer) { trainer.template epoch<true>(); }
  template <class Unused>
  friend const detail::TrainerGroupHooks* detail::trainer_group_hooks() noexcept;

  // The divergence guard: throws DivergenceError for the current iteration, naming the first
  // of layers 1..last whose cached A holds NaN or infinity (else layer z_layer's Z, else the
  // cost), after putting back the parameters saved by the last step whose cost was finite.
  [[noreturn]] void diverged(Index last, Index z_layer, const std::string& cause) {
    Index layer = Adapter::first_non_finite(m_net, last);
    const char* symbol = layer > 0 ? "A" : "cost";
    if (layer == 0 && z_layer > 0) {
      layer = z_layer;
      symbol = "Z";
    }
    // Data-parallel: each process's caches hold its own part of the batch; the cause says it.
    const std::string where = m_group != nullptr ? std::string()
                              : layer == 0 ? std::string("; every A[l] is finite, the loss is not")
                                           : std::string("; NaN or infinity first appeared in ") +
                                                 symbol + "[" + std::to_string(layer) + "]";
    const Index iteration = m_iteration;
    std::string kept;
    if (m_kept == Kept::None) {
      kept = "the network keeps the parameters it started with";
    } else {
      if (m_kept == Kept::InOtherBuffer) {
        if constexpr (Adapter::has_spare_values) Adapter::undo_update(m_net);
        m_last_finite.restore(m_net, true);
        // A copy from now on, so that a second failure of this trainer puts back the same
        // values instead of swapping the buffers again.
        m_last_finite.save(m_net);
        m_kept = Kept::Copied;
      } else {
        m_last_finite.restore(m_net);
      }
      kept = "the network holds the parameters of iteration " + std::to_string(iteration - 1) +
             ", the last whose cost was finite";
    }
    Adapter::discard_pass(m_net);  // the caches hold the diverged pass
    m_progress.interrupt();
    throw DivergenceError(std::string(Adapter::where) + ": training diverged at iteration " +
                              std::to_string(iteration) + " (epoch " + std::to_string(m_epoch) +
                              "): " + cause + where + "; " + kept + " (lower the learning rate)",
                          layer, symbol, iteration, m_epoch);
  }

  // Cost (without the L2 term) and accuracy on the validation set, in chunks of at most
  // 1024 examples so that the buffers stay small. Shared: each process's validation examples,
  // the sums over the group.
  template <bool Shared>
  void evaluate_validation(Epoch& record) {
    Index m = m_X_val.cols();
    const Index chunk = std::min<Index>(m, 1024);
    double cost_sum = 0.0;
    Index correct = 0, counted = 0;
    const auto after = [this] {
      return "the validation pass after iteration " + std::to_string(m_iteration - 1);
    };
    std::exception_ptr failure;  // Shared: agreed on after the sums
    bool finite = true;
    for (Index start = 0; start < m && finite && !failure; start += chunk) {
      const Index size = std::min(chunk, m - start);
      const Data Y = slice(m_Y_val, start, size);
      Scalar J = 0;
      try {
        Adapter::predict(m_net, slice(m_X_val, start, size), m_prediction);
        J = Adapter::prediction_cost(m_net, m_prediction, Y);
      } catch (const NumericalError& e) {  // Z[l] not finite
        if constexpr (!Shared) {
          diverged(0, e.layer(), after() + " overflowed at layer " + std::to_string(e.layer()));
        }
        J = std::numeric_limits<Scalar>::quiet_NaN();
      } catch (...) {
        if constexpr (!Shared) throw;
        failure = std::current_exception();
      }
      if (!std::isfinite(J)) {
        if constexpr (!Shared)
          diverged(0, 0, after() + " gave the cost " + detail::number_string(J));
        finite = false;
      }
      cost_sum += static_cast<double>(J) * static_cast<double>(size);
      if (m_classifies && finite && !failure) {
        Index total = 0;
        correct += detail::count_correct<Scalar>(m_prediction.A(), Y,
                                                 Adapter::output_activation(m_net), total);
        counted += total;
      }
    }
    if constexpr (Shared) {
      double sums[6] = {cost_sum,
                        static_cast<double>(correct),
                        static_cast<double>(counted),
                        static_cast<double>(m),
                        finite ? 0.0 : 1.0,
                        failure ? 1.0 : 0.0};
      m_group->sum(sums, 6);
      if (sums[5] > 0) detail::agree(*m_group, failure);
      if (sums[4] > 0) {
        diverged(0, 0,
                 after() + " was not finite on " + detail::number_string(sums[4]) + " of the " +
                     std::to_string(m_group->size()) + " processes");
      }
      cost_sum = sums[0];
      correct = static_cast<Index>(sums[1]);
      counted = static_cast<Index>(sums[2]);
      m = static_cast<Index>(sums[3]);
    }
    record.val_cost = cost_sum / static_cast<double>(m);
    if (m_classifies)
      record.val_accuracy = static_cast<double>(correct) / static_cast<double>(counted);
  }

  // "Cost after iteration i: J", the course's line (per epoch with mini-batches).
  void print(const Epoch& record) {
    const Index every = m_options.print_every();
    std::ostream* out = m_options.out();
    if (every <= 0 || out == nullptr) return;
    const bool last = record.epoch + 1 == m_options.epochs();
    if (record.epoch % every != 0 && !last) return;
    m_progress.interrupt();  // never glue the line onto a progress line left open
    char line[96];
    std::snprintf(line, sizeof line, "Cost after %s %lld: %.6g\n",
                  m_batches == 1 ? "iteration" : "epoch", static_cast<long long>(record.epoch),
                  record.cost);
    *out << line;
  }

  void stop(const char* reason) {
    if (m_stopped) return;
    m_stopped = true;
    m_history.stop_reason = reason;
    m_history.stopped_early = true;
  }

  Model& m_net;
  Data m_X, m_Y, m_X_val, m_Y_val;
  bool m_has_validation;
  FitOptions m_options;
  std::unique_ptr<Optimizer<Scalar>> m_owned_optimizer;  // from options, or null
  Optimizer<Scalar>* m_optimizer;  // the rule in use: the owned one, or the caller's
  ProgressLine m_progress;
  Random m_random;
  std::unique_ptr<EarlyStopping> m_early_stopping;
  detail::ParameterSnapshot<Model> m_best;
  detail::ParameterSnapshot<Model> m_last_finite;  // the divergence guard's copy
  // Where the divergence guard finds the parameters before the last update.
  enum class Kept { None, Copied, InOtherBuffer };
  Kept m_kept = Kept::None;
  typename Adapter::Workspace m_prediction;
  std::vector<Index> m_order;
  Matrix m_X_batch, m_Y_batch;
  Matrix m_X_T;  // X^T for full-batch training, or empty
  History m_history;
  Index m_batch = 0, m_batches = 0, m_epoch = 0, m_iteration = 0;
  bool m_shuffled = false, m_classifies = false, m_stopped = false;
  // Data-parallel training (FitOptions::data_parallel): the group, or null.
  Collective* m_group = nullptr;
  Index m_total = 0;                 // the examples of the group (of X alone without a group)
  Index m_offset = 0;                // this process's first example in the group's order
  std::vector<Index> m_starts;       // process p's first example, p = 0..P (the total last)
  std::vector<char> m_holds;         // which processes hold part of a batch (for L2's share)
  std::vector<Scalar> m_statistics;  // the running statistics, summed over the group
  double m_l2 = 0.0;                 // the network's lambda, shared out in each step
};

/// `Trainer trainer(net, X, Y, options)`: the scalar type and the model from the network.
template <class Model, class... Rest>
Trainer(Model&, Rest&&...) -> Trainer<typename detail::TrainingModel<Model>::Scalar, Model>;

namespace detail {

/// T, named through a template parameter: `DependentType<T, U>::type` depends on U, so a
/// template that uses it instantiates T only when it is instantiated itself.
template <class T, class Unused>
struct DependentType {
  using type = T;  ///< T
};

template <class Unused>
const TrainerCheckpointHooks* trainer_checkpoint_hooks() noexcept {
  // Through DependentType: `&Trainer<double, ...>::save_hooked` with the class named directly
  // would instantiate Trainer<float> and Trainer<double> wherever this header is included,
  // although the function is not called (12 MB of compiler memory for <deepnet/core.hpp>).
  using TrainerF = typename DependentType<Trainer<float, DeepNet<float>>, Unused>::type;
  using TrainerD = typename DependentType<Trainer<double, DeepNet<double>>, Unused>::type;
  static constexpr TrainerCheckpointHooks hooks{{&TrainerF::save_hooked, &TrainerF::resume_hooked},
                                                {&TrainerD::save_hooked, &TrainerD::resume_hooked}};
  return &hooks;
}

template <class Unused>
const TrainerGroupHooks* trainer_group_hooks() noexcept {
  using TrainerF = typename DependentType<Trainer<float, DeepNet<float>>, Unused>::type;
  using TrainerD = typename DependentType<Trainer<double, DeepNet<double>>, Unused>::type;
  static constexpr TrainerGroupHooks hooks{{&TrainerF::join_hooked, &TrainerF::run_epoch_hooked},
                                           {&TrainerD::join_hooked, &TrainerD::run_epoch_hooked}};
  return &hooks;
}

}  // namespace detail

}  // namespace deepnet

#endif  // DEEPNET_TRAINING_TRAINER_HPP
