/// \file core/deep_net.hpp
/// DeepNet<Scalar>: L layers stacked as in the notes, with the vectorised forward loop over
/// l = 1..L, the backward loop over l = L..1, gradient descent, and the shape checker.
#ifndef DEEPNET_CORE_DEEP_NET_HPP
#define DEEPNET_CORE_DEEP_NET_HPP

#include "../config.hpp"
#include "../detail/gemm.hpp"
#include "../detail/input.hpp"
#include "../errors.hpp"
#include "../tools/data.hpp"
#include "../training/fit_options.hpp"
#include "../training/history.hpp"
#include "../training/optimizer.hpp"
#include "activation.hpp"
#include "fit_data.hpp"
#include "init.hpp"
#include "layer.hpp"
#include "loss.hpp"
#include "memory_limit.hpp"
#include "parameter_store.hpp"
#include "parameters.hpp"
#include "random.hpp"
#include "shape_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepnet {

template <class Scalar>
class DeepNet;
template <class Scalar, class Model>
class Trainer;

namespace detail {

template <class Model>
struct TrainingModel;  // training/training_model.hpp: what the training loop needs of a model

/// DeepNet's layers and the parameter store that holds their W, b, gamma, beta and gradients.
/// They are copied and moved together: a copy gets a store of its own (never the source's)
/// and its layers are attached to it.
template <class Scalar>
struct LayerStack {
  ParameterStore<Scalar> store;       ///< values and gradients of every layer
  std::vector<Layer<Scalar>> layers;  ///< layer l at l - 1

  LayerStack() = default;
  LayerStack(const LayerStack& other) : store(other.store), layers(other.layers) { attach(); }
  LayerStack(LayerStack&& other) noexcept
      : store(std::move(other.store)), layers(std::move(other.layers)) {
    attach();  // the buffers moved with their pointers: nothing is copied
  }
  LayerStack& operator=(const LayerStack& other) {
    if (this != &other) *this = LayerStack(other);
    return *this;
  }
  LayerStack& operator=(LayerStack&& other) noexcept {
    store = std::move(other.store);
    layers = std::move(other.layers);
    attach();
    return *this;
  }

  /// Declares the slots of layers with these dims: W[l], b[l] for l = 1..L, then gamma[l],
  /// beta[l] (parameter_store.hpp), and allocates the buffers.
  void declare(const std::vector<Index>& dims) {
    const Index L = static_cast<Index>(dims.size()) - 1;
    for (Index l = 1; l <= L; ++l) {
      store.add(l, "W", dims[l], dims[l - 1]);
      store.add(l, "b", dims[l], 1);
    }
    for (Index l = 1; l <= L; ++l) {
      store.add(l, "gamma", dims[l], 1);
      store.add(l, "beta", dims[l], 1);
    }
    store.allocate();
  }

  /// Moves the tensors of layer l (1..L, layers 1..l built) to their slots.
  void attach(Index l) {
    const ParameterSlot* places[4];
    slots_of(l, places);
    layers[static_cast<std::size_t>(l - 1)].attach(store.values(), store.gradients(), places);
  }
  /// After the store swapped its value buffers: every layer's W, b, gamma, beta to their slots
  /// in the values' new buffer, which holds them already.
  void move_values() noexcept {
    for (Index l = 1; l <= static_cast<Index>(layers.size()); ++l) {
      const ParameterSlot* places[4];
      slots_of(l, places);
      layers[static_cast<std::size_t>(l - 1)].move_values(store.values(), places);
    }
  }
  /// The slots of W[l], b[l], gamma[l], beta[l].
  void slots_of(Index l, const ParameterSlot* (&places)[4]) const noexcept {
    const auto& slots = store.slots();
    const Index L = static_cast<Index>(slots.size()) / 4;
    const auto at = [&](Index i) { return &slots[static_cast<std::size_t>(i)]; };
    places[0] = at(2 * (l - 1));
    places[1] = at(2 * (l - 1) + 1);
    places[2] = at(2 * L + 2 * (l - 1));
    places[3] = at(2 * L + 2 * (l - 1) + 1);
  }
  /// Moves the tensors of every layer to their slots.
  void attach() {
    for (Index l = 1; l <= static_cast<Index>(layers.size()); ++l)
      attach(l);
  }
};

/// The examples (columns) of A (n[L] x m) predicted correctly against the labels Y, as
/// `DeepNet::accuracy` and `fit` count them. An example counts only when all of its n[L]
/// outputs are right: for a Softmax output, the row of the largest activation is the row of
/// the 1 in Y; for a Sigmoid output, every entry thresholded at 0.5 equals its label (one
/// label for n[L] = 1, all of them for multi-label outputs). `total` receives m.
template <class Scalar, class YType>
Index count_correct(MatrixView<Scalar> A, const YType& Y, Activation output, Index& total) {
  Index correct = 0;
  for (Index j = 0; j < A.cols(); ++j) {
    if (output == Activation::Sigmoid) {
      bool right = true;
      for (Index i = 0; i < A.rows() && right; ++i)
        right = (A(i, j) > Scalar(0.5)) == (Y(i, j) > Scalar(0.5));
      if (right) ++correct;
    } else {
      Index predicted = 0, truth = 0;
      A.col(j).maxCoeff(&predicted);
      Y.col(j).maxCoeff(&truth);
      if (predicted == truth) ++correct;
    }
  }
  total = A.cols();
  return correct;
}

}  // namespace detail

/// Buffers for `DeepNet::predict(X, workspace)`: they grow to the largest batch seen and are
/// reused, so prediction allocates nothing once warmed up.
template <class Scalar>
class PredictionWorkspace {
 public:
  /// A[L] of the last prediction, n[L] x m.
  MatrixView<Scalar> A() const { return MatrixView<Scalar>(m_A[m_last].data(), m_units, m_m); }
  /// The pre-activation of the output layer in the last prediction (Z[L], or Z_tilde[L] with
  /// batch normalisation), n[L] x m: what the cost is computed from.
  MatrixView<Scalar> Z() const { return MatrixView<Scalar>(m_Z.data(), m_units, m_m); }

 private:
  friend class DeepNet<Scalar>;
  void reserve(Index size) {
    if (m_Z.size() < size) {
      m_Z.resize(size);
      m_A[0].resize(size);
      m_A[1].resize(size);
    }
  }
  Vector<Scalar> m_Z;
  Vector<Scalar> m_A[2];  // A[l] alternates between the two
  detail::GemmWorkspace<Scalar> m_gemm;
  Index m_units = 0, m_m = 0, m_last = 0;
};

/// An L-layer fully connected network. Examples are columns: X = A[0] is n[0] x m.
///
/// Typical use, the course's loop written out:
/// \code
///   deepnet::DeepNet<> net({12288, 20, 7, 5, 1});     // ReLU hidden layers, Sigmoid output
///   net.initialize(deepnet::Init::ScaledNormal, 1);
///   for (int i = 0; i < 2500; ++i) {
///     net.forward(X);                                 // caches Z[l], A[l]
///     double J = net.cost(Y);
///     net.backward(Y);                                // fills dZ, dA, dW, db
///     net.update(0.0075);                             // W := W - alpha dW, b := b - alpha db
///   }
/// \endcode
/// or simply `net.fit(X, Y, FitOptions().learning_rate(0.0075).iterations(2500))`.
template <class Scalar = double>
class DeepNet {
  static_assert(detail::is_supported_scalar<Scalar>,
                "Scalar must be float or double (long double serves gradient_check)");

 public:
  using Matrix = deepnet::Matrix<Scalar>;  ///< column-major matrix, one column per example
  using Vector = deepnet::Vector<Scalar>;  ///< column vector
  using View = MatrixView<Scalar>;         ///< read-only view of a cache
  using LayerType = Layer<Scalar>;         ///< the layer type

  /// A network with layer sizes `layer_dims` = {n[0], n[1], ..., n[L]}, `hidden` as the
  /// activation of layers 1..L-1, `output` as g[L], and the loss that matches the output
  /// (Sigmoid: BinaryCrossEntropy, Softmax: CategoricalCrossEntropy, else MeanSquaredError).
  /// W and b start at zero: call `initialize` before training. With L = 1 (`{n[0], 1}`) the
  /// network is logistic regression and `hidden` is not used.
  /// \throws ConfigError for fewer than two sizes, a size below 1, a hidden Softmax layer;
  ///         MemoryError, before anything is allocated, when W, b, dW, db of the layers would
  ///         take more than memory_limit() bytes
  explicit DeepNet(std::vector<Index> layer_dims, Activation hidden = Activation::ReLU,
                   Activation output = Activation::Sigmoid)
      : DeepNet(std::move(layer_dims), hidden, output, matching_loss(output)) {}

  /// As above, with the loss chosen explicitly.
  /// \throws ConfigError also when the loss does not fit the output activation
  DeepNet(std::vector<Index> layer_dims, Activation hidden, Activation output, Loss loss)
      : DeepNet(layer_dims, activations_for(layer_dims, hidden, output), loss) {}

  /// A network with one activation per layer: `activations[l-1]` is g[l], l = 1..L.
  /// \throws ConfigError when there are not L activations, or as above
  DeepNet(std::vector<Index> layer_dims, const std::vector<Activation>& activations, Loss loss)
      : m_dims(std::move(layer_dims)), m_loss(loss) {
    validate_config(activations);
    check_parameter_memory();
    m_stack.layers.reserve(m_dims.size() - 1);
    m_stack.declare(m_dims);
    for (std::size_t l = 1; l < m_dims.size(); ++l) {
      // Each layer moves to the store as soon as it exists: at most one layer's parameters
      // are held twice.
      m_stack.layers.emplace_back(m_dims[l - 1], m_dims[l], activations[l - 1],
                                  static_cast<Index>(l));
      m_stack.attach(static_cast<Index>(l));
    }
  }

  /// L, the number of layers (the input layer is not counted).
  Index L() const noexcept { return static_cast<Index>(m_stack.layers.size()); }
  /// {n[0], n[1], ..., n[L]}.
  const std::vector<Index>& dims() const noexcept { return m_dims; }
  /// The loss the network is trained on.
  Loss loss() const noexcept { return m_loss; }
  /// m, the number of examples of the last forward pass (0 before the first).
  Index m() const noexcept { return m_stack.layers.front().m(); }

  /// {g[1], ..., g[L]}.
  std::vector<Activation> activations() const {
    std::vector<Activation> result;
    result.reserve(m_stack.layers.size());
    for (const LayerType& current : m_stack.layers)
      result.push_back(current.activation());
    return result;
  }

  /// A copy of the network with another scalar type: same architecture, loss, L2 strength,
  /// dropout and batch normalisation, parameters rounded to NewScalar (no caches, no gradients).
  template <class NewScalar>
  DeepNet<NewScalar> cast() const {
    DeepNet<NewScalar> result(m_dims, activations(), m_loss);
    for (Index l = 1; l <= L(); ++l)
      result.layer(l).assign_parameters(layer(l));
    result.set_l2(m_l2);
    result.m_initialized = m_initialized;
    return result;
  }

  /// lambda, the strength of L2 regularisation: the cost gains (lambda / 2m) sum_l ||W[l]||^2
  /// and every dW[l] gains (lambda / m) W[l]. 0 (the default) turns it off.
  /// \throws ConfigError unless lambda >= 0 and finite
  void set_l2(double lambda) {
    if (!(lambda >= 0.0) || !std::isfinite(lambda)) {
      throw ConfigError("DeepNet::set_l2: lambda must be 0 or more, got " +
                        detail::number_string(lambda));
    }
    m_l2 = lambda;
  }
  /// lambda of L2 regularisation (0: none).
  double l2() const noexcept { return m_l2; }

  /// Inverted dropout on hidden layer l: while training, each unit is kept with probability
  /// keep_prob (1: no dropout). Prediction never drops units.
  /// \throws ConfigError for the output layer or keep_prob outside (0, 1];
  ///         std::out_of_range unless 1 <= l <= L
  void set_keep_prob(Index l, double keep_prob) {
    if (l == L() && keep_prob != 1.0) {
      throw ConfigError("DeepNet::set_keep_prob: layer " + std::to_string(l) +
                        " is the output layer; dropout is for hidden layers only");
    }
    layer(l).set_keep_prob(keep_prob);
  }
  /// The same keep_prob for every hidden layer 1..L-1.
  void set_keep_prob(double keep_prob) {
    for (Index l = 1; l < L(); ++l)
      set_keep_prob(l, keep_prob);
  }
  /// Seeds the generator of the dropout masks (initialize seeds it too).
  void set_dropout_seed(std::uint64_t seed) { m_random = Random(seed); }

  /// Turns batch normalisation of layer l on or off (gamma = 1, beta = 0; b becomes unused).
  /// \throws std::out_of_range unless 1 <= l <= L
  void set_batch_norm(Index l, bool enabled = true) {
    layer(l).set_batch_norm(enabled);
    m_pass = Pass::None;
  }

  /// Layer l, numbered 1..L as in the notes.
  /// \throws std::out_of_range unless 1 <= l <= L
  LayerType& layer(Index l) { return m_stack.layers[layer_index(l)]; }
  /// Layer l, numbered 1..L as in the notes.
  /// \throws std::out_of_range unless 1 <= l <= L
  const LayerType& layer(Index l) const { return m_stack.layers[layer_index(l)]; }

  /// Draws every W[l] with `init` from a generator seeded with `seed`, layer by layer, and sets
  /// every b[l] to zero. The same seed gives the same bits on every platform.
  /// The dropout masks are drawn from a second generator, seeded with ~seed.
  void initialize(Init init, std::uint64_t seed) {
    Random random(seed);
    for (LayerType& layer : m_stack.layers) {
      initialize_weights(init, layer.W(), random);
      layer.b().setZero();
      if (layer.has_batch_norm()) layer.reset_batch_norm();  // gamma = 1, beta = 0
    }
    m_random = Random(~seed);
    m_pass = Pass::None;
    m_initialized = true;
  }

  /// Forward propagation over the m examples of X: for l = 1..L,
  /// Z[l] = W[l] A[l-1] + b[l] and A[l] = g[l](Z[l]), caching both in layer l.
  /// X is kept as a view (see detail/input.hpp): keep it alive and unchanged until `backward`.
  /// \param X n[0] x m, one column per example: a matrix, a block such as
  ///          `X.middleCols(k, 128)`, a Map, or any expression (which is then copied)
  /// \return A[L], n[L] x m, valid until the next forward pass
  /// \throws ShapeError if X does not have n[0] rows or W[l], b[l] lost their shapes;
  ///         std::invalid_argument if m = 0; DataError if X holds NaN or infinity;
  ///         NumericalError if the weights turn finite X into NaN or infinity;
  ///         MemoryError, before the caches grow, when the parameters and the caches for m
  ///         examples would take more than memory_limit() bytes (the network is unchanged)
  template <class Derived>
  View forward(const Eigen::MatrixBase<Derived>& X) {
    check_input(X.rows(), X.cols(), "DeepNet::forward");
    check_parameters("DeepNet::forward");
    // Only when the caches are about to grow: a larger m, or batch normalisation or dropout
    // turned on since the last check (one more pass over L sizes, no allocation).
    if (X.cols() > m_checked_m || cache_columns() != m_checked_columns) {
      check_cache_memory(X.cols());
    }
    m_input.bind(X);
    for (Index l = 1; l <= L(); ++l) {
      // Each layer checks its Z while its activation loop has it in cache.
      const bool finite = l == 1 ? layer(1).forward(m_input.X(), m_workspace, &m_random)
                                 : layer(l).forward(layer(l - 1).A(), m_workspace, &m_random);
      if (!finite) not_finite(l, m_input.X(), "DeepNet::forward");
    }
    m_pass = Pass::Forward;
    m_has_gradients = false;  // dZ, dA of an earlier pass describe other examples
    return layer(L()).A();
  }

  /// Refused at compile time: forward keeps a view of X until backward, and a temporary matrix
  /// (`net.forward(make_batch())`) would be freed before backward reads it. Keep X in a named
  /// variable; expressions such as `2 * X` are evaluated into storage of the network's own.
  template <class Temporary,
            std::enable_if_t<detail::is_temporary_matrix<Temporary, Scalar>, int> = 0>
  View forward(Temporary&& X) {
    static_assert(detail::always_false<Temporary>,
                  "DeepNet::forward keeps a view of X until backward: a temporary matrix would be "
                  "freed before backward reads it; store X in a named variable that outlives "
                  "backward");
    return forward(static_cast<const Eigen::MatrixBase<std::decay_t<Temporary>>&>(X));
  }

  /// The cost J of the last forward pass against the targets Y (see loss.hpp for formulas).
  /// \param Y n[L] x m: labels 0/1 (BinaryCrossEntropy), one-hot columns
  ///          (CategoricalCrossEntropy) or real targets (MeanSquaredError)
  /// \throws StateError before forward; ShapeError if Y is not n[L] x m;
  ///         DataError for non-finite values or invalid labels
  Scalar cost(const Eigen::Ref<const Matrix>& Y) const {
    check_targets(Y, "DeepNet::cost", true);
    return cost_of_checked(Y);
  }

  /// Backward propagation: dA[L], dZ[L] from the loss, then for l = L..1
  /// dZ[l] = dA[l] * g'[l](Z[l]), dW[l] = (1/m) dZ[l] A[l-1]^T, db[l] = (1/m) sum dZ[l],
  /// dA[l-1] = W[l]^T dZ[l]. Runs `check_shapes` afterwards in debug builds
  /// (see DEEPNET_CHECKS_SHAPES_AFTER_BACKWARD).
  /// \param Y n[L] x m targets, as for `cost`
  /// \throws as `cost`
  void backward(const Eigen::Ref<const Matrix>& Y) {
    check_targets(Y, "DeepNet::backward", true);
    backward_checked(Y);
  }

  /// One step of gradient descent: W[l] := W[l] - alpha dW[l], b[l] := b[l] - alpha db[l]
  /// (gamma, beta likewise under batch normalisation).
  /// \param learning_rate alpha, positive and finite
  /// \throws ConfigError for a bad learning rate; StateError unless backward has run since
  ///         the last update
  void update(double learning_rate) {
    GradientDescent<Scalar> descent;
    update(descent, learning_rate);
  }

  /// One step of `optimizer` (momentum, RMSProp, Adam, ...) on every parameter.
  /// \throws as update(learning_rate)
  void update(Optimizer<Scalar>& optimizer, double learning_rate) {
    require_updatable(learning_rate);
    const auto alpha = static_cast<Scalar>(learning_rate);
    optimizer.begin_step();
    if (optimizer.update_flat(flat_parameters(), alpha)) {
      m_pass = Pass::None;
      return;
    }
    Index k = 0;
    for (LayerType& current : m_stack.layers) {
      current.for_each_parameter([&](const char*, MatrixSpan<Scalar> theta, MatrixSpan<Scalar> g) {
        optimizer.update(k++, theta, MatrixView<Scalar>(g.data(), g.rows(), g.cols()), alpha);
      });
    }
    m_pass = Pass::None;  // the caches belong to the old weights now
  }

  /// The parameter registry: every tensor the network keeps between steps, under its stable
  /// name (W[l], b[l], gamma[l], beta[l], running_mean[l], running_var[l]; see
  /// parameters.hpp), layer by layer. The trainable entries, in this order, are the parameters
  /// k = 0, 1, ... of `Optimizer::update`. The views stay valid while the network lives and
  /// its layers keep their options (set_batch_norm changes the list).
  std::vector<NamedTensor<Scalar>> parameters() {
    std::vector<NamedTensor<Scalar>> entries;
    for (LayerType& current : m_stack.layers) {
      current.for_each_tensor([&](const char* symbol, MatrixSpan<Scalar> value,
                                  MatrixSpan<Scalar> gradient, bool trainable) {
        entries.emplace_back(current.index(), symbol, value, gradient, trainable);
      });
    }
    return entries;
  }

  /// The parameter store: where W[l], b[l], gamma[l], beta[l] of every layer live, one after the
  /// other (each on a 64-byte boundary) in one value buffer, their gradients at the same offsets in
  /// one gradient buffer, each under its registry name with its offset and shape (`slots()`,
  /// `find("W[2]")`). Its layout is W[1] b[1] ... W[L] b[L] gamma[1] beta[1] ... gamma[L] beta[L],
  /// whether batch normalisation is on or off (b or gamma, beta then lie unused). The running
  /// statistics are not in it: they are not trained, and stay in each layer's BatchNorm.
  const ParameterStore<Scalar>& parameter_store() const noexcept { return m_stack.store; }

  /// Every scalar of the parameter store, W[1] first (see parameter_store()): one contiguous
  /// buffer, for a program that moves all parameters at once (broadcasting them from one
  /// process to the others, averaging models). Writing it writes the layers' W(), b(), ...
  /// \throws ShapeError when a parameter was resized away from its place in the store
  Eigen::Map<Vector> parameter_values() {
    check_stored("DeepNet::parameter_values");
    return Eigen::Map<Vector>(m_stack.store.values(), m_stack.store.size());
  }
  /// The parameter values, read-only.
  /// \throws as above
  Eigen::Map<const Vector> parameter_values() const {
    check_stored("DeepNet::parameter_values");
    return Eigen::Map<const Vector>(m_stack.store.values(), m_stack.store.size());
  }
  /// Every gradient dW[1], db[1], ..., at the offsets of its parameter: one contiguous buffer,
  /// so that averaging the gradients of several processes is one reduction per step. The
  /// parts of unused tensors (b under batch normalisation, gamma and beta without) hold zeros.
  /// \throws as above
  Eigen::Map<Vector> parameter_gradients() {
    check_stored("DeepNet::parameter_gradients");
    return Eigen::Map<Vector>(m_stack.store.gradients(), m_stack.store.size());
  }
  /// The gradients, read-only.
  /// \throws as above
  Eigen::Map<const Vector> parameter_gradients() const {
    check_stored("DeepNet::parameter_gradients");
    return Eigen::Map<const Vector>(m_stack.store.gradients(), m_stack.store.size());
  }

  /// The trainable parameters as the one-pass update rules see them (`Optimizer::update_flat`):
  /// the store's buffers, the ranges trained now (W[l] and b[l], or W[l], gamma[l] and
  /// beta[l]; places that follow each other without padding merged), and the trainable tensors in
  /// the order k of `Optimizer::update`. Valid until the next call, or until batch normalisation is
  /// turned on or off. Allocates nothing after its first call.
  FlatParameters<Scalar> flat_parameters() {
    const auto& slots = m_stack.store.slots();
    const std::size_t L = m_stack.layers.size();
    m_trainable.clear();
    m_ranges.clear();
    m_trainable.reserve(3 * L);
    m_ranges.reserve(3 * L);
    for (std::size_t l = 0; l < L; ++l) {
      m_trainable.push_back(&slots[2 * l]);
      if (m_stack.layers[l].has_batch_norm()) {
        m_trainable.push_back(&slots[2 * L + 2 * l]);
        m_trainable.push_back(&slots[2 * L + 2 * l + 1]);
      } else {
        m_trainable.push_back(&slots[2 * l + 1]);
      }
    }
    return detail::flat_view(m_stack.store, m_trainable, m_ranges);
  }

  /// Throws StateError when `initialize` was never called and every W[l] is still zero, as the
  /// constructor leaves it: all units of a layer would compute the same thing and learn the
  /// same thing, so training would go nowhere (a sigmoid output's cost stays at log 2). Weights
  /// set by hand, loaded, or an explicit `initialize(Init::Zeros, seed)` pass. `fit` and
  /// `update` call it; once it has passed, it costs nothing.
  /// \param where the operation, for the message
  void require_initialized(const char* where) {
    if (m_initialized) return;
    for (const LayerType& current : m_stack.layers) {
      if (!current.W().isZero(0)) {
        m_initialized = true;  // set by hand (or loaded): the caller's choice
        return;
      }
    }
    throw StateError(std::string(where) +
                     ": every weight is zero and initialize was never called, so the units "
                     "of each layer would all learn the same thing; call "
                     "net.initialize(Init::He, seed) (or another Init) before training");
  }

  /// The shape checker: W, b, then (after a forward pass) Z, A, then (after a backward pass)
  /// dZ, dA, dW, db of every layer l = 1..L against the shapes of the notes.
  /// \throws ShapeError at the first mismatch, e.g.
  ///         `layer 2: dW is 7x20, expected 20x7 (the shape of W)`
  void check_shapes() const {
    for (Index l = 1; l <= L(); ++l) {
      if (m() == 0) {
        check_parameter_shapes(layer(l), l);
      } else {
        check_layer_shapes(layer(l), l, m(), m_has_gradients);
      }
    }
  }

  /// Trains the network: for every epoch, the examples in mini-batches (all of them by
  /// default: full-batch gradient descent), each step forward, cost, backward and an update by
  /// the chosen optimizer (see FitOptions and trainer.hpp).
  /// \param X n[0] x m inputs (kept as a view during the call; other expressions are
  ///          evaluated once)
  /// \param Y n[L] x m targets; or, for a Softmax output, integer class labels (1 x m of
  ///          deepnet::Labels or any integer type, each 0..n[L]-1), made one-hot here once
  ///          before training: the same training, bit for bit, as with
  ///          `one_hot<Scalar>(labels, n[L])`. Integer labels for a Sigmoid output are its 0/1
  ///          targets, n[L] x m, as classify returns them.
  /// \code
  ///   const auto [X, labels] = deepnet::load_idx_pair<float>(images, label_file);
  ///   net.fit(deepnet::scale_to_unit(X, 255), labels, options);   // 10 Softmax outputs
  /// \endcode
  /// \return the cost of every step, and a record of every epoch
  /// \throws ShapeError, DataError for bad data (a label outside 0..n[L]-1 names its column,
  ///         its value and n[L]); ConfigError for bad options;
  ///         NumericalError if the cost stops being finite
  template <class DerivedX, class DerivedY>
  History fit(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
              const FitOptions& options = FitOptions()) {
    const auto& X_ = viewable(X);
    const auto& Y_ = targets_of(X, "X", Y, "labels", "DeepNet::fit");
    return Trainer<Scalar, DeepNet>(*this, X_.get(), Y_.get(), options).run();
  }

  /// As above, with an update rule of the program's instead of `options.optimizer()`: any class
  /// derived from Optimizer<Scalar> (docs/extending.md). Validation, early stopping, the
  /// divergence guard and checkpoints work as with the built-in rules.
  template <class DerivedX, class DerivedY>
  History fit(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
              const FitOptions& options, Optimizer<Scalar>& optimizer) {
    const auto& X_ = viewable(X);
    const auto& Y_ = targets_of(X, "X", Y, "labels", "DeepNet::fit");
    return Trainer<Scalar, DeepNet>(*this, X_.get(), Y_.get(), options, optimizer).run();
  }

  /// As above, evaluating the cost and accuracy on a validation set (X_val, Y_val) after every
  /// epoch; needed for early stopping. Y and Y_val may each be targets or integer labels.
  template <class DerivedX, class DerivedY, class DerivedXv, class DerivedYv>
  History fit(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
              const Eigen::MatrixBase<DerivedXv>& X_val, const Eigen::MatrixBase<DerivedYv>& Y_val,
              const FitOptions& options = FitOptions()) {
    const auto& X_ = viewable(X);
    const auto& Y_ = targets_of(X, "X", Y, "labels", "DeepNet::fit");
    const auto& Xv = viewable(X_val);
    const auto& Yv = targets_of(X_val, "X_val", Y_val, "labels_val", "DeepNet::fit");
    return Trainer<Scalar, DeepNet>(*this, X_.get(), Y_.get(), Xv.get(), Yv.get(), options).run();
  }

  /// With a validation set and an update rule of the program's.
  template <class DerivedX, class DerivedY, class DerivedXv, class DerivedYv>
  History fit(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
              const Eigen::MatrixBase<DerivedXv>& X_val, const Eigen::MatrixBase<DerivedYv>& Y_val,
              const FitOptions& options, Optimizer<Scalar>& optimizer) {
    const auto& X_ = viewable(X);
    const auto& Y_ = targets_of(X, "X", Y, "labels", "DeepNet::fit");
    const auto& Xv = viewable(X_val);
    const auto& Yv = targets_of(X_val, "X_val", Y_val, "labels_val", "DeepNet::fit");
    return Trainer<Scalar, DeepNet>(*this, X_.get(), Y_.get(), Xv.get(), Yv.get(), options,
                                    optimizer)
        .run();
  }

  /// The output activations A[L] for X, computed in buffers of its own: the training caches
  /// are left as they were. No dropout; batch normalisation uses its running statistics.
  /// \param X n[0] x m inputs
  /// \return A[L], n[L] x m
  /// \throws as forward
  Matrix predict(const Eigen::Ref<const Matrix>& X) const {
    PredictionWorkspace<Scalar> workspace;
    return predict(X, workspace);
  }

  /// `predict` into a workspace of the caller's: after the first call with a given m it
  /// allocates nothing. Safe to call from several threads at once, each with its own workspace.
  /// \return A[L], n[L] x m, a view into the workspace valid until its next use
  /// \throws as forward; MemoryError, before the workspace grows, when its 3 x n[l] x m
  ///         scalars for the widest layer l, with the parameters, exceed memory_limit()
  View predict(const Eigen::Ref<const Matrix>& X, PredictionWorkspace<Scalar>& workspace) const {
    check_input(X.rows(), X.cols(), "DeepNet::predict");
    check_parameters("DeepNet::predict");
    const Index m = X.cols();
    Index widest = 1;
    for (Index l = 2; l <= L(); ++l) {
      if (layer(l).units() > layer(widest).units()) widest = l;
    }
    const std::uint64_t entries =
        detail::saturating_mul(detail::count_of(layer(widest).units()), detail::count_of(m));
    if (detail::count_of(workspace.m_Z.size()) < entries) check_prediction_memory(widest, m);
    workspace.reserve(layer(widest).units() * m);
    for (Index l = 1; l <= L(); ++l) {
      const LayerType& current = layer(l);
      typename LayerType::Span Z(workspace.m_Z.data(), current.units(), m);
      typename LayerType::Span A(workspace.m_A[l % 2].data(), current.units(), m);
      bool finite = true;
      if (l == 1) {
        finite = current.forward_into(X, Z, A, workspace.m_gemm);
      } else {
        const Scalar* previous = workspace.m_A[(l - 1) % 2].data();
        finite = current.forward_into(View(previous, current.inputs(), m), Z, A, workspace.m_gemm);
      }
      if (!finite) not_finite(l, X, "DeepNet::predict");
    }
    workspace.m_units = m_dims.back();
    workspace.m_m = m;
    workspace.m_last = L() % 2;
    return workspace.A();
  }

  /// Class labels for X: for a Sigmoid output, 1 where A[L] > 0.5 and 0 elsewhere (n[L] x m);
  /// for a Softmax output, the row of the largest activation in each column (1 x m).
  /// \throws ConfigError for other outputs (regression has no classes); as predict
  Labels classify(const Eigen::Ref<const Matrix>& X) const {
    require_classes("DeepNet::classify");
    return labels_of(predict(X), layer(L()).activation());
  }

  /// The fraction of the m examples classified correctly, in [0, 1]. An example counts only
  /// when all of its n[L] outputs are right: for a Softmax output, its predicted class (the
  /// row of the largest activation) is the row of the 1 in Y; for a Sigmoid output, every
  /// entry of classify(X) equals Y, so that with n[L] > 1 independent outputs (multi-label)
  /// one wrong label makes the example wrong. `fit` counts its accuracies the same way.
  /// \param Y n[L] x m labels (0/1, or one-hot columns)
  /// \throws ShapeError if Y is not n[L] x m; DataError for invalid labels (class indices
  ///         0..K-1 given to a Sigmoid output: the message says to use Softmax and one_hot);
  ///         ConfigError for a regression output; as predict
  double accuracy(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y) const {
    // X first: a transposed X would otherwise be reported as a Y with the wrong m.
    check_input(X.rows(), X.cols(), "DeepNet::accuracy");
    if (Y.rows() != m_dims.back() || Y.cols() != X.cols()) {
      detail::expect_targets("DeepNet::accuracy", L(), "Y", Y.rows(), Y.cols(), m_dims.back(),
                             X.cols(), class_index_hint(Y));
    }
    require_classes("DeepNet::accuracy");
    const Activation g = layer(L()).activation();
    validate_targets<Scalar>(
        g == Activation::Softmax ? Loss::CategoricalCrossEntropy : Loss::BinaryCrossEntropy, Y,
        "DeepNet::accuracy");
    const Matrix A = predict(X);
    Index m = 0;
    const Index correct =
        detail::count_correct<Scalar>(View(A.data(), A.rows(), A.cols()), Y, g, m);
    return static_cast<double>(correct) / static_cast<double>(m);
  }

  /// The accuracy against integer labels in the format `classify` returns, chosen by type:
  /// labels of an integer type (deepnet::Labels, as classify, to_labels and load_idx_labels
  /// return them) come here, a Matrix of Scalar goes to the overload above. For a Softmax
  /// output, labels is 1 x m, one class index 0..n[L]-1 per example, and the result is that
  /// of `accuracy(X, one_hot<Scalar>(labels, n[L]))`: the fraction of columns where
  /// classify(X) equals labels. For a Sigmoid output, labels is n[L] x m of 0/1, counted as
  /// the overload above counts Y.
  /// \code
  ///   const auto test = deepnet::load_idx_pair<float>(images, label_file);
  ///   const double a = net.accuracy(deepnet::scale_to_unit(test.X, 255), test.labels);
  /// \endcode
  /// \throws ShapeError if a Softmax output's labels are not 1 x m; DataError naming the
  ///         column and value of the first label outside 0..n[L]-1; otherwise as above
  template <class Derived,
            std::enable_if_t<std::is_integral<typename Derived::Scalar>::value, int> = 0>
  double accuracy(const Eigen::Ref<const Matrix>& X,
                  const Eigen::MatrixBase<Derived>& labels) const {
    require_classes("DeepNet::accuracy");
    const Matrix Y = targets_of(X, "X", labels, "labels", "DeepNet::accuracy").data;
    return accuracy(X, Y);
  }

  /// A table of the network, one row per layer l = 1..L, as Keras's model.summary() prints
  /// it: n[l] (units), g[l] (activation), the output shape n[l] x m, the shape of W[l], the
  /// trainable parameters (W and b: n[l] n[l-1] + n[l]; with batch normalisation W, gamma and
  /// beta: n[l] n[l-1] + 2 n[l], b being unused), and, when some layer uses them, keep_prob
  /// and batch normalisation ("-" where off). Then the totals: trainable parameters, buffers
  /// (batch normalisation's running mean and variance, 2 n[l] per layer), and the bytes both
  /// take, sizeof(Scalar) each. Numbers of 1,000 and more are grouped by thousands.
  /// \code
  ///   std::cout << net.summary();
  ///   // DeepNet<double>: L = 2 layers, n[0] = 3 inputs, loss BinaryCrossEntropy
  ///   // l  units  activation  output shape  W shape  parameters
  ///   // -------------------------------------------------------
  ///   // 1  4      ReLU        4 x m         4 x 3    16
  ///   // 2  1      Sigmoid     1 x m         1 x 4    5
  ///   // =======================================================
  ///   // Trainable parameters: 21
  ///   // Buffers (running statistics): 0
  ///   // Bytes: 168 (21 scalars of 8 bytes)
  /// \endcode
  std::string summary() const {
    std::ostringstream out;
    summary(out);
    return out.str();
  }

  /// Writes `summary()` to `out`.
  void summary(std::ostream& out) const {
    bool dropout = false, batch_norm = false;
    for (const LayerType& current : m_stack.layers) {
      dropout = dropout || current.keep_prob() != 1.0;
      batch_norm = batch_norm || current.has_batch_norm();
    }
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"l", "units", "activation", "output shape", "W shape", "parameters"});
    if (dropout) rows.back().push_back("keep_prob");
    if (batch_norm) rows.back().push_back("batch norm");
    Index trainable = 0, buffers = 0;
    for (Index l = 1; l <= L(); ++l) {
      const LayerType& current = layer(l);
      const Index n = current.units(), n_prev = current.inputs();
      const Index count = n * n_prev + (current.has_batch_norm() ? 2 * n : n);
      trainable += count;
      if (current.has_batch_norm()) buffers += 2 * n;
      rows.push_back({std::to_string(l), std::to_string(n), to_string(current.activation()),
                      std::to_string(n) + " x m",
                      std::to_string(n) + " x " + std::to_string(n_prev), grouped(count)});
      if (dropout) {
        rows.back().push_back(current.keep_prob() != 1.0
                                  ? detail::number_string(current.keep_prob())
                                  : std::string("-"));
      }
      if (batch_norm) rows.back().push_back(current.has_batch_norm() ? "yes" : "-");
    }
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < row.size(); ++c)
        widths[c] = std::max(widths[c], row[c].size());
    }
    std::size_t total_width = 0;
    for (std::size_t c = 0; c < widths.size(); ++c)
      total_width += widths[c] + (c > 0 ? 2 : 0);

    out << "DeepNet<" << scalar_name() << ">: L = " << L() << (L() == 1 ? " layer" : " layers")
        << ", n[0] = " << m_dims.front() << (m_dims.front() == 1 ? " input" : " inputs")
        << ", loss " << to_string(m_loss);
    if (m_l2 != 0.0) out << ", L2 lambda " << detail::number_string(m_l2);
    out << '\n';
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::string line;
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        if (c > 0) line += "  ";
        line += rows[r][c];
        if (c + 1 < rows[r].size()) line.append(widths[c] - rows[r][c].size(), ' ');
      }
      out << line << '\n';
      if (r == 0) out << std::string(total_width, '-') << '\n';
    }
    out << std::string(total_width, '=') << '\n';
    out << "Trainable parameters: " << grouped(trainable) << '\n';
    out << "Buffers (running statistics): " << grouped(buffers) << '\n';
    out << "Bytes: " << grouped((trainable + buffers) * Index(sizeof(Scalar))) << " ("
        << grouped(trainable + buffers) << " scalars of " << sizeof(Scalar) << " bytes)\n";
  }

 private:
  friend struct detail::TrainingModel<DeepNet>;  // the training loop's access
  template <class>
  friend class DeepNet;  // cast() copies m_initialized

  enum class Pass { None, Forward, Backward };

  // What update needs: a good learning rate, the gradients of the current weights, parameters
  // of their shapes, drawn.
  void require_updatable(double learning_rate) {
    require_learning_rate(learning_rate, "DeepNet::update");
    if (m_pass != Pass::Backward) {
      throw StateError(
          "DeepNet::update needs the gradients of the current weights: call forward(X) and "
          "backward(Y) before each update");
    }
    check_parameters("DeepNet::update");
    require_initialized("DeepNet::update");
  }
  // fit's step when its divergence guard needs the values before the update: `update` with the
  // new values written into the store's spare buffer, which then becomes the value buffer, so
  // that the old values stay in the other one (undo_update) without a copy of them. Only for a
  // rule that writes_next_values(). (Parameters out of their place in the store have another
  // shape, which require_updatable refuses.)
  void update_into_spare(Optimizer<Scalar>& optimizer, double learning_rate) {
    require_updatable(learning_rate);
    FlatParameters<Scalar> flat = flat_parameters();
    ParameterStore<Scalar>& store = m_stack.store;
    Scalar* const next = store.spare_values();
    // What the rule does not write must follow the values into the other buffer: b under
    // batch normalisation, gamma and beta without (the padding between slots is zero in both).
    const auto copy_slot = [&](const ParameterSlot* slot) {
      std::copy(store.values() + slot->offset, store.values() + slot->offset + slot->size(),
                next + slot->offset);
    };
    for (Index l = 1; l <= L(); ++l) {
      const ParameterSlot* places[4];
      m_stack.slots_of(l, places);
      if (layer(l).has_batch_norm()) {
        copy_slot(places[1]);
      } else {
        copy_slot(places[2]);
        copy_slot(places[3]);
      }
    }
    flat.next_values = next;
    optimizer.begin_step();
    if (!optimizer.update_flat(flat, static_cast<Scalar>(learning_rate))) {
      // The spare buffer was not written: swapping to it would train on stale values.
      throw StateError("DeepNet::update: the update rule " + optimizer.name() +
                       " says writes_next_values() but its update_flat did not run; a rule "
                       "without a one-pass update must leave writes_next_values() false");
    }
    store.swap_values();
    m_stack.move_values();
    m_pass = Pass::None;
  }
  // Back to the values before the last update_into_spare (once, right after it).
  void undo_update() noexcept {
    m_stack.store.swap_values();
    m_stack.move_values();
  }
  // The values back in the buffer they started training in (one copy if they are not), so
  // that views taken before fit stay valid after it.
  void settle_values() {
    if (m_stack.store.settle()) m_stack.move_values();
  }

  // fit's data (core/fit_data.hpp): views where they can be, integer labels made one-hot.
  template <class Derived>
  static auto viewable(const Eigen::MatrixBase<Derived>& M) {
    return detail::viewable_data<Scalar>(M);
  }
  template <class DerivedX, class DerivedY>
  auto targets_of(const Eigen::MatrixBase<DerivedX>& X, const char* x_name,
                  const Eigen::MatrixBase<DerivedY>& Y, const char* name, const char* where) const {
    return detail::targets_of<Scalar>(
        layer(L()).activation() == Activation::Softmax, m_dims.front(), m_dims.back(), L(),
        {"the Softmax output has n[L] = ", " units"}, X, x_name, Y, name, where);
  }

  // "245,760": a count grouped by thousands, for summary.
  static std::string grouped(Index count) {
    std::string digits = std::to_string(count), result;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) result += ',';
      result += digits[i];
    }
    return result;
  }

  static const char* scalar_name() {
    if (std::is_same<Scalar, float>::value) return "float";
    if (std::is_same<Scalar, double>::value) return "double";
    return "long double";
  }

  static std::vector<Activation> activations_for(const std::vector<Index>& layer_dims,
                                                 Activation hidden, Activation output) {
    if (layer_dims.size() < 2) return {};  // validate_config reports it
    std::vector<Activation> activations(layer_dims.size() - 1, hidden);
    activations.back() = output;
    return activations;
  }

  void validate_config(const std::vector<Activation>& activations) const {
    if (m_dims.size() < 2) {
      throw ConfigError(
          "layer_dims needs at least two sizes {n[0], n[1]} (the inputs and the "
          "output layer), got " +
          std::to_string(m_dims.size()));
    }
    for (std::size_t l = 0; l < m_dims.size(); ++l) {
      if (m_dims[l] < 1) {
        throw ConfigError("layer_dims[" + std::to_string(l) + "] = n[" + std::to_string(l) +
                          "] is " + std::to_string(m_dims[l]) +
                          "; every layer, and the input, needs at least one unit");
      }
    }
    // Every byte of the parameters must be countable by an Index: W[l] alone, and W and b of
    // all layers together. Checked by division, so that no product overflows on the way.
    const Index max_count = std::numeric_limits<Index>::max() / Index(sizeof(Scalar));
    Index total = 0;
    for (std::size_t l = 1; l < m_dims.size(); ++l) {
      if (m_dims[l] > max_count / m_dims[l - 1]) {
        throw ConfigError("layer " + std::to_string(l) + ": W would have n[" + std::to_string(l) +
                          "] x n[" + std::to_string(l - 1) + "] = " + std::to_string(m_dims[l]) +
                          " x " + std::to_string(m_dims[l - 1]) +
                          " entries, more than an index can count in bytes");
      }
      const Index count = m_dims[l] * m_dims[l - 1];
      if (count > max_count - total || m_dims[l] > max_count - total - count) {
        throw ConfigError("layer_dims " + dims_string(m_dims) + ": the parameters of layers 1.." +
                          std::to_string(l) + " would take more bytes than an index can count");
      }
      total += count + m_dims[l];
    }
    const std::size_t L = m_dims.size() - 1;
    if (activations.size() != L) {
      throw ConfigError("need one activation per layer: " + std::to_string(L) + " layers, got " +
                        std::to_string(activations.size()) + " activations");
    }
    for (std::size_t l = 0; l < L; ++l) {
      require_valid(activations[l]);
      if (l + 1 < L && activations[l] == Activation::Softmax) {
        throw ConfigError("layer " + std::to_string(l + 1) +
                          ": Softmax is for the output layer only (it turns the outputs into "
                          "class probabilities); use ReLU, Tanh or another activation here");
      }
    }
    require_compatible(activations.back(), m_loss);
  }

  // Before W, b, dW, db are allocated: the first layer that alone exceeds the memory limit is
  // named; when each fits but all together do not, the total.
  void check_parameter_memory() const {
    const std::uint64_t limit = memory_limit();
    std::uint64_t total = 0, over_bytes = 0;
    std::size_t over = 0;
    for (std::size_t l = 1; l < m_dims.size(); ++l) {
      const std::uint64_t bytes = LayerType::parameter_bytes(m_dims[l - 1], m_dims[l]);
      if (over == 0 && bytes > limit) {
        over = l;
        over_bytes = bytes;
      }
      total = detail::saturating_add(total, bytes);
    }
    if (total <= limit) return;
    if (over == 0) {
      throw MemoryError(
          "DeepNet: layer_dims " + dims_string(m_dims) + ": W, b, dW and db of layers 1.." +
              std::to_string(m_dims.size() - 1) + " need " + detail::bytes_string(total) +
              " together, though each layer fits on its own" + detail::over_the_memory_limit(limit),
          0, total, limit);
    }
    const std::string l = std::to_string(over), previous = std::to_string(over - 1);
    throw MemoryError(
        "DeepNet: layer " + l + " needs " + detail::bytes_string(over_bytes) + " for W[" + l +
            "] and dW[" + l + "], n[" + l + "] x n[" + previous +
            "] = " + std::to_string(m_dims[over]) + " x " + std::to_string(m_dims[over - 1]) + " " +
            detail::scalar_plural<Scalar>() + " each, and its vectors of n[" + l +
            "] (b, db, batch normalisation's); the network " + detail::bytes_string(total) +
            " in all" + detail::over_the_memory_limit(limit),
        static_cast<Index>(over), total, limit);
  }

  // The bytes of W, b, dW, db of every layer (what the constructor allocated).
  std::uint64_t parameter_bytes() const noexcept {
    std::uint64_t total = 0;
    for (const LayerType& current : m_stack.layers) {
      total = detail::saturating_add(total,
                                     LayerType::parameter_bytes(current.inputs(), current.units()));
    }
    return total;
  }

  // The bytes per example of every layer's caches: they change when batch normalisation or
  // dropout is turned on, and forward must then check again.
  std::uint64_t cache_columns() const noexcept {
    std::uint64_t columns = 0;
    for (const LayerType& current : m_stack.layers)
      columns = detail::saturating_add(columns, current.cache_bytes(1));
    return columns;
  }

  // Before forward grows the caches to m examples: the parameters and the caches of every
  // layer against the memory limit, naming the layer whose caches are the largest.
  void check_cache_memory(Index m) {
    const std::uint64_t limit = memory_limit();
    std::uint64_t total = parameter_bytes(), largest_bytes = 0;
    Index largest = 1;
    for (Index l = 1; l <= L(); ++l) {
      const std::uint64_t bytes = layer(l).cache_bytes(m);
      total = detail::saturating_add(total, bytes);
      if (bytes > largest_bytes) {
        largest_bytes = bytes;
        largest = l;
      }
    }
    if (total > limit) {
      const LayerType& current = layer(largest);
      std::string names = "Z, A, dZ, dA";
      if (current.has_batch_norm()) names += ", Z_norm, Z_tilde, dZ_tilde";
      if (current.keep_prob() < 1.0) names += ", D";
      const std::string l = std::to_string(largest), count = std::to_string(current.cache_count());
      throw MemoryError("DeepNet::forward: m = " + std::to_string(m) + " examples: the caches " +
                            names + " of layer " + l + " (" + count + " x n[" + l +
                            "] x m = " + count + " x " + std::to_string(current.units()) + " x " +
                            std::to_string(m) + " " + detail::scalar_plural<Scalar>() + ") take " +
                            detail::bytes_string(largest_bytes) +
                            "; with the parameters and the caches of every layer the network "
                            "would hold " +
                            detail::bytes_string(total) + detail::over_the_memory_limit(limit) +
                            "; or give fewer examples at a time (FitOptions::batch_size)",
                        largest, total, limit);
    }
    m_checked_m = m;
    m_checked_columns = cache_columns();
  }

  // Before predict grows a workspace to m examples: Z and the two A of the widest layer l.
  void check_prediction_memory(Index widest, Index m) const {
    const std::uint64_t limit = memory_limit();
    const Index n = layer(widest).units();
    const std::uint64_t buffers =
        detail::saturating_mul(detail::saturating_mul(3, detail::count_of(n)),
                               detail::saturating_mul(detail::count_of(m), sizeof(Scalar)));
    const std::uint64_t total = detail::saturating_add(parameter_bytes(), buffers);
    if (total <= limit) return;
    const std::string l = std::to_string(widest);
    throw MemoryError("DeepNet::predict: m = " + std::to_string(m) +
                          " examples: the buffers Z and two A of the widest layer, " + l +
                          " (3 x n[" + l + "] x m = 3 x " + std::to_string(n) + " x " +
                          std::to_string(m) + " " + detail::scalar_plural<Scalar>() + "), take " +
                          detail::bytes_string(buffers) + "; with the parameters, " +
                          detail::bytes_string(total) + detail::over_the_memory_limit(limit) +
                          "; or predict in chunks of fewer examples",
                      widest, total, limit);
  }

  std::size_t layer_index(Index l) const {
    if (l < 1 || l > L()) {
      throw std::out_of_range("DeepNet::layer(" + std::to_string(l) + "): layers are numbered 1.." +
                              std::to_string(L()) + " (the input X is A[0], not a layer)");
    }
    return static_cast<std::size_t>(l - 1);
  }

  void check_input(Index rows, Index cols, const char* where) const {
    detail::expect_inputs(where, "X", rows, cols, m_dims.front());
    if (cols == 0) {
      throw std::invalid_argument(std::string(where) +
                                  ": X has no columns (m = 0); give at least one example");
    }
  }

  // ShapeError when a parameter left its place in the store (resized to another shape).
  void check_stored(const char* where) const {
    for (Index l = 1; l <= L(); ++l)
      check_parameter_shapes(layer(l), l, where);
  }

  void check_parameters(const char* where) const {
    for (Index l = 1; l <= L(); ++l)
      check_parameter_shapes(layer(l), l, where);
    if (layer(L()).keep_prob() != 1.0) {
      throw ConfigError(std::string(where) + ": layer " + std::to_string(L()) +
                        " is the output layer; dropout is for hidden layers only");
    }
  }

  // cost and backward once Y has passed check_targets (fit checks the values of Y only once).
  Scalar cost_of_checked(const Eigen::Ref<const Matrix>& Y) const {
    const LayerType& out = layer(L());
    Scalar J = deepnet::cost<Scalar>(m_loss, out.pre_activation(), out.A(), Y);
    if (m_l2 != 0.0) {
      // + (lambda / 2m) sum_l ||W[l]||^2
      Scalar squares(0);
      for (const LayerType& current : m_stack.layers)
        squares += current.W().squaredNorm();
      J += static_cast<Scalar>(m_l2) / (Scalar(2) * static_cast<Scalar>(m())) * squares;
    }
    return J;
  }

  // X_T: nullptr, or X^T of the current forward pass (full-batch fit keeps it; see
  // Layer::backward_parameters). fill_dA: false when called by fit, which never reads dA[L]:
  // a fused output gradient then skips it.
  void backward_checked(const Eigen::Ref<const Matrix>& Y, const Matrix* X_T = nullptr,
                        bool fill_dA = true) {
    check_parameters("DeepNet::backward");
    layer(L()).backward_output(m_loss, Y, fill_dA);
    for (Index l = L(); l >= 1; --l) {
      LayerType& current = layer(l);
      if (l < L()) current.backward_activation();
      if (l > 1) {
        typename LayerType::Span dA_prev = layer(l - 1).dA();
        current.backward_parameters(layer(l - 1).A(), &dA_prev, m_workspace, m_l2);
      } else {
        current.backward_parameters(m_input.X(), nullptr, m_workspace, m_l2, X_T);
      }
    }
    m_pass = Pass::Backward;
    m_has_gradients = true;
    if (DEEPNET_CHECKS_SHAPES_AFTER_BACKWARD) check_shapes();
  }

  // The state and the shape of Y always; its values (finite, valid labels) when asked.
  void check_targets(const Eigen::Ref<const Matrix>& Y, const char* where, bool values) const {
    if (m_pass == Pass::None || !m_input.bound()) {
      throw StateError(std::string(where) +
                       " needs the caches of a forward pass over the current weights: call "
                       "forward(X) first");
    }
    if (Y.rows() != m_dims.back() || Y.cols() != m()) {
      detail::expect_targets(where, L(), "Y", Y.rows(), Y.cols(), m_dims.back(), m(),
                             class_index_hint(Y));
    }
    if (values) validate_targets<Scalar>(m_loss, Y, where);
  }

  // The end of the reason given when Y does not fit the output: when Y is one row of class
  // indices 0..n[L]-1 for a classifier with n[L] > 1 outputs, what to do; else nothing.
  template <class YType>
  std::string class_index_hint(const YType& Y) const {
    std::string reason;
    const Index n_L = m_dims.back();
    const Activation g = layer(L()).activation();
    if (Y.rows() != 1 || n_L < 2 || (g != Activation::Sigmoid && g != Activation::Softmax)) {
      return reason;
    }
    for (Index j = 0; j < Y.cols(); ++j) {
      const auto y = Y(0, j);
      const bool index =
          std::isfinite(y) && y >= 0 && y < static_cast<decltype(y)>(n_L) && std::floor(y) == y;
      if (!index) return reason;  // not class indices 0..n[L]-1
    }
    reason +=
        "; Y looks like one row of class indices: make it one-hot with "
        "deepnet::one_hot(labels, " +
        std::to_string(n_L) + ")";
    if (g == Activation::Sigmoid) {
      reason += ", and for exclusive classes give the output layer Activation::Softmax";
    }
    return reason;
  }

  // ConfigError unless the output layer has classes (Sigmoid or Softmax).
  void require_classes(const char* where) const {
    const Activation g = layer(L()).activation();
    if (g != Activation::Sigmoid && g != Activation::Softmax) {
      throw ConfigError(std::string(where) +
                        " needs a Sigmoid or Softmax output layer; this network's is " +
                        to_string(g) + " (a regression output): use predict");
    }
  }

  static void require_learning_rate(double learning_rate, const char* where) {
    if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) {
      throw ConfigError(std::string(where) +
                        ": the learning rate must be a positive finite "
                        "number, got " +
                        detail::number_string(learning_rate));
    }
  }

  /// Z[l] has a NaN or infinity: throws DataError naming the entry of X when X is the cause,
  /// NumericalError naming the layer otherwise.
  template <class XType>
  [[noreturn]] static void not_finite(Index l, const XType& X, const char* where) {
    if (l == 1) {
      for (Index j = 0; j < X.cols(); ++j) {
        for (Index i = 0; i < X.rows(); ++i) {
          if (!std::isfinite(X(i, j))) {
            throw DataError(std::string(where) + ": X(" + std::to_string(i) + ", " +
                                std::to_string(j) + ") is " + detail::number_string(X(i, j)) +
                                "; inputs must be finite numbers",
                            "X", i, j);
          }
        }
      }
    }
    throw NumericalError(std::string(where) + ": layer " + std::to_string(l) +
                             ": Z has NaN or infinite values although its input is finite: W[" +
                             std::to_string(l) + "] or b[" + std::to_string(l) +
                             "] hold NaN or infinity, or they grew until Z overflowed "
                             "(a learning rate too large?)",
                         l, "Z");
  }

  template <class Derived>
  static Labels labels_of(const Eigen::MatrixBase<Derived>& A, Activation g) {
    if (g == Activation::Sigmoid) {
      return (A.array() > typename Derived::Scalar(0.5)).template cast<Index>();
    }
    Labels labels(1, A.cols());
    for (Index j = 0; j < A.cols(); ++j)
      A.col(j).maxCoeff(&labels(0, j));
    return labels;
  }

  std::vector<Index> m_dims;
  Loss m_loss;
  detail::LayerStack<Scalar> m_stack;  // the layers and the parameter store they live in
  // flat_parameters()'s lists, kept for their capacity (pointers into m_stack.store's slots)
  std::vector<const ParameterSlot*> m_trainable;
  std::vector<ParameterRange> m_ranges;
  detail::InputBinding<Scalar> m_input;
  detail::GemmWorkspace<Scalar> m_workspace;
  Pass m_pass = Pass::None;
  bool m_has_gradients = false;
  double m_l2 = 0.0;
  Random m_random{~std::uint64_t(0)};  // dropout masks
  bool m_initialized = false;          // initialize ran, or non-zero weights were seen
  // The memory limit was last checked for caches of m_checked_m examples, when every layer's
  // caches took m_checked_columns bytes per example: forward checks again only beyond them.
  Index m_checked_m = 0;
  std::uint64_t m_checked_columns = 0;
};

}  // namespace deepnet

#include "../training/trainer.hpp"  // DeepNet::fit runs a Trainer

#endif  // DEEPNET_CORE_DEEP_NET_HPP
