/// \file training/training_model.hpp
/// What the training loop (training/trainer.hpp) needs from the model it trains, in one place:
/// `detail::TrainingModel<Model>`, a set of static functions, and its implementation for
/// DeepNet. The loop (mini-batches, shuffling, validation, early stopping, the divergence
/// guard, checkpoints, progress, history) calls nothing else of the model, so training another
/// kind of model is a matter of specialising TrainingModel for it (docs/design.md, "The
/// training loop and the model it trains").
#ifndef DEEPNET_TRAINING_TRAINING_MODEL_HPP
#define DEEPNET_TRAINING_TRAINING_MODEL_HPP

#include "../config.hpp"
#include "../core/activation.hpp"
#include "../core/deep_net.hpp"
#include "../core/layer.hpp"
#include "../core/loss.hpp"
#include "../core/memory_limit.hpp"
#include "../core/parameters.hpp"
#include "../core/random.hpp"
#include "../core/shape_check.hpp"
#include "../errors.hpp"
#include "../io/checkpoint.hpp"
#include "diagnostics.hpp"
#include "fit_options.hpp"
#include "history.hpp"
#include "optimizer.hpp"
#include "training_state.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace deepnet {

template <class Scalar>
class Sequential;  // core/sequential.hpp, which includes this header through the trainer

namespace detail {

/// What a model holds for training, in the terms of the trainer's memory estimate: the
/// trainer adds its own buffers (optimizer state, snapshots, batches, history) to these.
struct TrainingMemory {
  std::uint64_t parameters = 0;  ///< bytes of the parameters and their gradients
  std::uint64_t caches = 0;      ///< bytes of the caches of one batch (forward and backward)
  std::uint64_t trainable = 0;   ///< trainable scalars (one slot of optimizer state each)
  std::uint64_t kept = 0;        ///< scalars a snapshot copies (trainable and buffers)
  Index widest = 0;              ///< the most units of any layer (validation buffers)
};

/// The adapter between the training loop and the model it trains. The primary template is
/// only declared: a model becomes trainable by `Trainer<Scalar, Model>` through a
/// specialisation with the members of `TrainingModel<DeepNet<Scalar>>` below:
/// - `Scalar`, `Workspace` (prediction buffers), `where` (the name in messages);
/// - the data: `check_data`, `require_initialized`, `output_activation`, `loss`;
/// - one step: `forward` (training mode, NumericalError naming the layer when an output
///   stops being finite), `cost`, `output`, `backward`, `update`, `keeps_input_transpose`;
/// - the divergence guard: `depth`, `first_non_finite`, `discard_pass`;
/// - snapshots and checkpoints: `for_each_value`, `parameters`, `dropout_random`,
///   `save_checkpoint`, `load_checkpoint`;
/// - validation: `predict`, `prediction_cost`; and `memory`, `diagnostics`;
/// - `check_options` (options the model cannot train with) and `softmax_hint` (how to ask for
///   a Softmax output, in the one-hot/sigmoid warning).
template <class Model>
struct TrainingModel;

/// DeepNet's side of the training loop.
template <class S>
struct TrainingModel<DeepNet<S>> {
  using Net = DeepNet<S>;                    ///< the model
  using Scalar = S;                          ///< its scalar type
  using Data = InputView<S>;                 ///< how the loop hands it examples
  using Workspace = PredictionWorkspace<S>;  ///< buffers of `predict`, reused epoch to epoch
  static constexpr const char* where = "DeepNet::fit";  ///< the name in messages

  /// Checks one pair of data against the network: X is n[0] x m with m > 0, Y is n[L] x m and
  /// holds valid targets for the loss.
  /// \throws ShapeError, std::invalid_argument, DataError naming x_name or y_name
  static void check_data(const Net& net, const Data& X, const Data& Y, const char* x_name,
                         const char* y_name) {
    const std::vector<Index>& dims = net.dims();
    expect_inputs(where, x_name, X.rows(), X.cols(), dims.front());
    if (X.cols() == 0) {
      throw std::invalid_argument(std::string(where) + ": " + x_name + " has no columns (m = 0)");
    }
    if (Y.rows() != dims.back() || Y.cols() != X.cols()) {
      expect_targets(where, net.L(), y_name, Y.rows(), Y.cols(), dims.back(), X.cols(),
                     net.class_index_hint(Y));
    }
    validate_targets<Scalar>(net.loss(), Y, where);
  }

  /// StateError when the weights were never initialised (DeepNet::require_initialized).
  static void require_initialized(Net& net) { net.require_initialized(where); }
  /// Every option works with a DeepNet.
  static void check_options(const Net&, const FitOptions&) {}
  /// How to ask for a Softmax output, for the warning about one-hot targets and a Sigmoid one.
  static constexpr const char* softmax_hint =
      "give the output layer Activation::Softmax (it trains with CategoricalCrossEntropy), e.g. "
      "DeepNet<>(dims, Activation::ReLU, Activation::Softmax)";

  /// g[L]: Sigmoid and Softmax outputs classify, and their accuracy is counted.
  static Activation output_activation(const Net& net) { return net.layer(net.L()).activation(); }
  /// The loss the network is trained on.
  static Loss loss(const Net& net) { return net.loss(); }

  /// The forward pass of a training step (dropout on), caching what backward needs.
  /// \throws NumericalError naming the layer whose Z stopped being finite
  static void forward(Net& net, const Data& X) { net.forward(X); }
  /// The cost of the last forward pass, Y's values already checked by check_data.
  static Scalar cost(const Net& net, const Data& Y) { return net.cost_of_checked(Y); }
  /// A[L] of the last forward pass.
  static MatrixView<Scalar> output(const Net& net) { return net.layer(net.L()).A(); }
  /// Full-batch training may hand backward a copy of X^T, from which dW[1] is faster.
  static constexpr bool keeps_input_transpose = true;
  /// The backward pass for the last forward pass; X_T: nullptr, or X^T of that pass. dA[L] is
  /// not computed where the output gradient is fused (dZ[L] = A[L] - Y): nothing reads it.
  static void backward(Net& net, const Data& Y, const Matrix<Scalar>* X_T) {
    net.backward_checked(Y, X_T, false);
  }
  /// One step of the optimizer with learning rate alpha.
  static void update(Net& net, Optimizer<Scalar>& optimizer, double alpha) {
    net.update(optimizer, alpha);
  }
  /// The network keeps its parameters in a store with a spare value buffer: with a rule that
  /// writes_next_values(), the divergence guard uses `update_into_spare` and `undo_update`.
  static constexpr bool has_spare_values = true;
  /// The step of `update`, its new values written into the store's other value buffer, which
  /// becomes the values: the old ones stay in the first, for `undo_update`.
  static void update_into_spare(Net& net, Optimizer<Scalar>& optimizer, double alpha) {
    net.update_into_spare(optimizer, alpha);
  }
  /// Back to the values before the last update_into_spare: the divergence guard.
  static void undo_update(Net& net) { net.undo_update(); }
  /// The values back in the buffer training started in (views taken before stay valid).
  static void settle(Net& net) { net.settle_values(); }

  /// L: the layers the divergence guard names (1..depth).
  static Index depth(const Net& net) { return net.L(); }
  /// The first of layers 1..last whose cached A holds NaN or infinity; 0 if none.
  static Index first_non_finite(const Net& net, Index last) {
    for (Index l = 1; l <= last; ++l) {
      if (!all_finite(net.layer(l).A())) return l;
    }
    return 0;
  }
  /// Forgets the last pass (its caches hold a diverged one): backward and update refuse to run
  /// until the next forward.
  static void discard_pass(Net& net) { net.m_pass = Net::Pass::None; }
  /// Room for batches of 1..m examples, before the first step: in every layer's caches, and in
  /// the packing buffers of the three products of each layer (Z = W A_prev, dW = dZ A_prev^T,
  /// dA_prev = W^T dZ), whose sizes Eigen chooses from the shapes.
  static void reserve(Net& net, Index m) {
    net.check_cache_memory(m);
    for (Index l = 1; l <= net.L(); ++l) {
      Layer<Scalar>& layer = net.layer(l);
      layer.reserve(m);
      const Index n = layer.units(), n_prev = layer.inputs();
      for (Index s = 2; s <= m; ++s) {  // one example is a matrix-vector product: no buffers
        net.m_workspace.prepare(n, s, n_prev);
        net.m_workspace.prepare(n, n_prev, s);
        net.m_workspace.prepare(n_prev, s, n);
      }
    }
  }
  /// Data-parallel training, on a process that holds none of a batch: the gradients in the
  /// store are the group's (summed over the other processes), and update may apply them.
  static void take_gradients(Net& net) { net.m_pass = Net::Pass::Backward; }

  /// Calls each(value) for every tensor of the parameter registry (with `buffers_only`, for
  /// those that are not trained: the running statistics), in its order, without building the
  /// list: the divergence guard's snapshot, taken every step, must not allocate.
  template <class Each>
  static void for_each_value(Net& net, Each&& each, bool buffers_only = false) {
    for (Index l = 1; l <= net.L(); ++l) {
      net.layer(l).for_each_tensor(
          [&](const char*, MatrixSpan<Scalar> value, MatrixSpan<Scalar>, bool trainable) {
            if (!buffers_only || !trainable) each(value);
          });
    }
  }
  /// The parameter registry (names of the optimizer's state in checkpoints).
  static std::vector<NamedTensor<Scalar>> parameters(Net& net) { return net.parameters(); }
  /// The generator of the dropout masks, saved and restored by checkpoints.
  static Random& dropout_random(Net& net) { return net.m_random; }
  /// The same, read-only.
  static const Random& dropout_random(const Net& net) { return net.m_random; }

  /// Saves the network with the training state to options.checkpoint() (through the hooks
  /// the option set: training/checkpoint_hooks.hpp).
  static void save_checkpoint(const Net& net, const TrainingState<Scalar>& state,
                              const FitOptions& options) {
    io(options).save(net, state, options.checkpoint());
  }

  /// resume_from: reads options.resume_from(), gives the network the checkpoint's parameters
  /// (take_parameters) and returns its training state, if it has one. Through the hooks the
  /// option set (training/checkpoint_hooks.hpp).
  /// \throws ConfigError for another architecture; as load_checkpoint
  static std::optional<TrainingState<Scalar>> load_checkpoint(Net& net, const FitOptions& options) {
    return io(options).resume(net, options.resume_from());
  }

  /// The network takes the parameters of a checkpoint's network read from `path`, which must
  /// have the same architecture (called by the checkpoint reader's hook).
  /// \throws ConfigError naming what differs
  static void take_parameters(Net& net, const Net& saved, const std::string& path) {
    const std::string at = std::string(where) + ": resume_from " + path + ": ";
    if (saved.dims() != net.dims()) {
      throw ConfigError(at + "the checkpoint's network has layer_dims " +
                        dims_string(saved.dims()) + ", this one " + dims_string(net.dims()));
    }
    for (Index l = 1; l <= net.L(); ++l) {
      const Layer<Scalar>& from = saved.layer(l);
      const Layer<Scalar>& to = net.layer(l);
      if (from.activation() != to.activation() || from.has_batch_norm() != to.has_batch_norm()) {
        throw ConfigError(at + "layer " + std::to_string(l) + " is " + describe(from) +
                          " in the checkpoint and " + describe(to) + " in this network");
      }
    }
    if (saved.loss() != net.loss()) {
      throw ConfigError(at + "the checkpoint's loss is " + to_string(saved.loss()) +
                        ", this network's " + to_string(net.loss()));
    }
    for (Index l = 1; l <= net.L(); ++l)
      net.layer(l).assign_parameters(saved.layer(l));
    net.set_l2(saved.l2());
    net.m_initialized = true;
  }

  /// Predicts X into the workspace (no dropout, running statistics).
  /// \throws NumericalError naming the layer whose Z stopped being finite
  static MatrixView<Scalar> predict(const Net& net, const Data& X, Workspace& workspace) {
    return net.predict(X, workspace);
  }
  /// The cost (without the L2 term) of the last prediction in the workspace against Y.
  static Scalar prediction_cost(const Net& net, const Workspace& workspace, const Data& Y) {
    return deepnet::cost<Scalar>(net.loss(), workspace.Z(), workspace.A(), Y);
  }

  /// What the network holds for training with batches of `batch` examples.
  static TrainingMemory memory(const Net& net, Index batch) {
    TrainingMemory result;
    for (Index l = 1; l <= net.L(); ++l) {
      const Layer<Scalar>& layer = net.layer(l);
      result.parameters = saturating_add(
          result.parameters, Layer<Scalar>::parameter_bytes(layer.inputs(), layer.units()));
      result.caches = saturating_add(result.caches, layer.cache_bytes(batch));
      result.trainable = saturating_add(result.trainable, layer.trainable_count());
      // a snapshot also keeps batch normalisation's running mean and variance
      result.kept = saturating_add(
          result.kept,
          saturating_add(layer.trainable_count(),
                         layer.has_batch_norm() ? saturating_mul(2, count_of(layer.units())) : 0));
      result.widest = std::max(result.widest, layer.units());
    }
    return result;
  }

  /// FitOptions::diagnostics: per-layer statistics of the last step into the epoch's record,
  /// computed by `statistics` (training/diagnostics.hpp).
  static void diagnostics(const Net& net, Epoch& record, LayerStatistics<Scalar> statistics) {
    record.layers.reserve(static_cast<std::size_t>(net.L()));
    for (Index l = 1; l <= net.L(); ++l) {
      const Layer<Scalar>& layer = net.layer(l);
      LayerStats stats;
      stats.layer = l;
      const MatrixView<Scalar> W(layer.W().data(), layer.W().rows(), layer.W().cols());
      const MatrixView<Scalar> dW(layer.dW().data(), layer.dW().rows(), layer.dW().cols());
      statistics(W, dW, layer.A(), layer.activation() == Activation::ReLU, stats);
      record.layers.push_back(stats);
    }
  }

 private:
  // The checkpoint writer and reader, which FitOptions::checkpoint and resume_from point at.
  static const CheckpointIO<Scalar>& io(const FitOptions& options) {
    const CheckpointHooks* hooks = options.checkpoint_hooks();
    DEEPNET_ASSERT(hooks != nullptr, "a checkpoint path is only set together with the hooks");
    return hooks->get<Scalar>();
  }

  static std::string describe(const Layer<Scalar>& layer) {
    return to_string(layer.activation()) +
           (layer.has_batch_norm() ? " with batch normalisation" : " without batch normalisation");
  }
};

/// The prediction buffers of a Sequential live in the network; the trainer's workspace holds
/// the view of the last prediction's output.
template <class Scalar>
struct SequentialPrediction {
  const Scalar* data = nullptr;  ///< A[K] of the last prediction, in the network's buffer
  Index rows = 0;                ///< n_K
  Index cols = 0;                ///< m of the last prediction
  /// A[K] of the last prediction.
  MatrixView<Scalar> A() const { return MatrixView<Scalar>(data, rows, cols); }
};

/// Sequential's side of the training loop: the modules through the registry. Checkpoints are
/// refused (check_options); the rest works as for DeepNet.
template <class S>
struct TrainingModel<Sequential<S>> {
  using Net = Sequential<S>;                               ///< the model
  using Scalar = S;                                        ///< its scalar type
  using Data = InputView<S>;                               ///< how the loop hands it examples
  using Workspace = SequentialPrediction<S>;               ///< the view of the last prediction
  static constexpr const char* where = "Sequential::fit";  ///< the name in messages
  /// How to ask for a Softmax output, for the warning about one-hot targets and a Sigmoid one.
  static constexpr const char* softmax_hint =
      "end the network with modules::Softmax instead of modules::Sigmoid (it trains with "
      "CategoricalCrossEntropy), e.g. net.add<modules::Dense>(classes).add<modules::Softmax>()";

  /// X is n[0] x m with m > 0, Y is n_K x m and holds valid targets for the loss, which must fit
  /// the last module.
  /// \throws ShapeError, std::invalid_argument, DataError, ConfigError naming what is wrong
  static void check_data(const Net& net, const Data& X, const Data& Y, const char* x_name,
                         const char* y_name) {
    if (net.size() == 0) {
      throw ConfigError(std::string(where) +
                        ": the network has no modules; add them with add<modules::Dense>(units), "
                        "add<modules::ReLU>(), ...");
    }
    expect_inputs(where, x_name, X.rows(), X.cols(), net.input_size());
    if (X.cols() == 0) {
      throw std::invalid_argument(std::string(where) + ": " + x_name + " has no columns (m = 0)");
    }
    if (Y.rows() != net.output_size() || Y.cols() != X.cols()) {
      const std::string at = std::string(where) + ": module " + std::to_string(net.size()) + " (" +
                             net.module(net.size()).name() + ")";
      expect_targets(at.c_str(), net.size(), y_name, Y.rows(), Y.cols(), net.output_size(),
                     X.cols());
    }
    net.check_loss_and_values(Y, where);
  }

  /// StateError when the weights were never initialised (Sequential::require_initialized).
  static void require_initialized(Net& net) { net.require_initialized(where); }

  /// ConfigError for FitOptions::checkpoint and resume_from: the model file and checkpoint
  /// format hold a DeepNet; a Sequential is saved with `save` (io/model_file.hpp) after `fit`.
  /// And for FitOptions::data_parallel, which trains a DeepNet.
  static void check_options(const Net&, const FitOptions& options) {
    if (options.data_parallel() != nullptr) {
      throw ConfigError(std::string(where) +
                        ": FitOptions::data_parallel trains a DeepNet; a Sequential trains on one "
                        "process (docs/distributed.md)");
    }
    const char* option = !options.checkpoint().empty()    ? "checkpoint"
                         : !options.resume_from().empty() ? "resume_from"
                                                          : nullptr;
    if (option == nullptr) return;
    throw ConfigError(std::string(where) + ": FitOptions::" + option +
                      " is for DeepNet only: checkpoints hold a DeepNet's layers and a "
                      "Sequential's modules cannot be written there; train a Sequential without "
                      "checkpoints (save it after fit)");
  }

  /// The last module's activation (Identity when it is not a built-in activation).
  static Activation output_activation(const Net& net) {
    const std::optional<Activation> g = net.module(net.size()).activation();
    return g ? *g : Activation::Identity;
  }
  /// The built-in loss the network is trained on; none for a loss of the program's.
  static std::optional<Loss> loss(const Net& net) { return net.loss().builtin(); }

  /// The forward pass of a training step (dropout on).
  /// \throws NumericalError naming the module whose output stopped being finite
  static void forward(Net& net, const Data& X) { net.forward(X); }
  /// The cost of the last forward pass, Y checked by check_data.
  static Scalar cost(const Net& net, const Data& Y) { return net.cost_checked(Y); }
  /// A[K] of the last forward pass.
  static MatrixView<Scalar> output(const Net& net) { return net.A(net.size()); }
  /// Modules take their input as it is: no copy of X^T.
  static constexpr bool keeps_input_transpose = false;
  /// The backward pass for the last forward pass (X_T is always nullptr).
  static void backward(Net& net, const Data& Y, const Matrix<Scalar>*) { net.backward_checked(Y); }
  /// One step of the optimizer with learning rate alpha.
  static void update(Net& net, Optimizer<Scalar>& optimizer, double alpha) {
    net.update(optimizer, alpha);
  }
  /// A Sequential's modules may keep their parameters out of the store: the divergence guard
  /// copies them every step.
  static constexpr bool has_spare_values = false;

  /// K: the modules the divergence guard names (as layers 1..K).
  static Index depth(const Net& net) { return net.size(); }
  /// The first of modules 1..last whose output A[k] holds NaN or infinity; 0 if none.
  static Index first_non_finite(const Net& net, Index last) {
    if (net.m() == 0) return 0;
    for (Index k = 1; k <= last; ++k) {
      if (!all_finite(net.A(k))) return k;
    }
    return 0;
  }
  /// Forgets the last pass: backward and update refuse to run until the next forward.
  static void discard_pass(Net& net) { net.m_pass = Net::Pass::None; }

  /// Calls each(value) for every tensor of the registry (with `buffers_only`, for those that
  /// are not trained), module by module, without allocating.
  template <class Each>
  static void for_each_value(Net& net, Each&& each, bool buffers_only = false) {
    for (Index k = 1; k <= net.size(); ++k) {
      net.module(k).for_each_tensor(
          [&](const char*, MatrixSpan<Scalar> value, MatrixSpan<Scalar>, bool trainable) {
            if (!buffers_only || !trainable) each(value);
          });
    }
  }
  /// The parameter registry.
  static std::vector<NamedTensor<Scalar>> parameters(Net& net) { return net.parameters(); }
  /// A generator for TrainingState; Dropout modules keep their own (checkpoints are refused).
  static Random& dropout_random(Net& net) { return net.m_unused_random; }
  /// The same, read-only.
  static const Random& dropout_random(const Net& net) { return net.m_unused_random; }

  /// Never called: check_options refuses checkpoints.
  static void save_checkpoint(const Net& net, const TrainingState<Scalar>&,
                              const FitOptions& options) {
    check_options(net, options);
  }
  /// Never called: check_options refuses resume_from.
  static std::optional<TrainingState<Scalar>> load_checkpoint(Net& net, const FitOptions& options) {
    check_options(net, options);
    return std::nullopt;
  }

  /// Predicts X into the network's prediction buffers (no dropout, running statistics).
  static MatrixView<Scalar> predict(Net& net, const Data& X, Workspace& workspace) {
    const MatrixView<Scalar> A = net.predict_view(X);
    workspace.data = A.data();
    workspace.rows = A.rows();
    workspace.cols = A.cols();
    return A;
  }
  /// The cost of the last prediction against Y.
  static Scalar prediction_cost(const Net& net, const Workspace&, const Data& Y) {
    return net.prediction_cost(Y);
  }

  /// What the network holds for training with batches of `batch` examples: the registry's
  /// values and gradients; A[k] and dA[k] for every module and the modules' own caches; the
  /// prediction buffers are counted with the validation buffers by the trainer.
  static TrainingMemory memory(Net& net, Index batch) {
    TrainingMemory result;
    const std::uint64_t scalar = sizeof(Scalar);
    for (Index k = 1; k <= net.size(); ++k) {
      net.module(k).for_each_tensor([&](const char*, MatrixSpan<Scalar> value,
                                        MatrixSpan<Scalar> gradient, bool trainable) {
        const std::uint64_t n = count_of(value.size());
        result.parameters =
            saturating_add(result.parameters,
                           saturating_mul(saturating_add(n, count_of(gradient.size())), scalar));
        if (trainable) result.trainable = saturating_add(result.trainable, n);
        result.kept = saturating_add(result.kept, n);
      });
      const std::uint64_t columns = saturating_mul(2, count_of(net.output_size(k)));  // A, dA
      result.caches = saturating_add(
          result.caches, saturating_mul(saturating_add(saturating_mul(columns, count_of(batch)),
                                                       net.module(k).cache_scalars(batch)),
                                        scalar));
      result.widest = std::max(result.widest, net.output_size(k));
    }
    return result;
  }

  /// FitOptions::diagnostics: for every module, the norms of its "W" and "dW" (NaN without
  /// one), the mean and spread of its output A[k] and, for ReLU, the dead fraction.
  static void diagnostics(Net& net, Epoch& record, LayerStatistics<Scalar> statistics) {
    record.layers.reserve(static_cast<std::size_t>(net.size()));
    for (Index k = 1; k <= net.size(); ++k) {
      LayerStats stats;
      stats.layer = k;
      const Scalar* W = nullptr;  // none: the norms are NaN
      const Scalar* dW = nullptr;
      Index rows = 0, cols = 0;
      net.module(k).for_each_tensor(
          [&](const char* symbol, MatrixSpan<Scalar> value, MatrixSpan<Scalar> gradient, bool) {
            if (std::string(symbol) != "W") return;
            W = value.data();
            dW = gradient.data();
            rows = value.rows();
            cols = value.cols();
          });
      statistics(MatrixView<Scalar>(W, rows, cols), MatrixView<Scalar>(dW, rows, cols), net.A(k),
                 net.module(k).activation() == Activation::ReLU, stats);
      record.layers.push_back(stats);
    }
  }
};

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_TRAINING_TRAINING_MODEL_HPP
