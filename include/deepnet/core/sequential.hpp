/// \file core/sequential.hpp
/// `Sequential<Scalar>`: a network made of any chain of modules (core/module.hpp), built one
/// module at a time:
/// \code
///   using namespace deepnet::modules;
///   deepnet::Sequential<float> net(784);                  // n[0] = 784 inputs
///   net.add<Dense>(128).add<ReLU>().add<Dense>(10).add<Softmax>();
///   net.initialize(deepnet::Init::He, 1);
///   net.forward(X);  net.cost(Y);  net.backward(Y);  net.update(adam, 0.001);
/// \endcode
/// The network owns the matrix between two modules: A[k], the output of module k (n_k x m),
/// and dA[k], m times dJ/dA[k]. Both keep the largest m seen so far and are used through views
/// of their first m columns, so a step allocates nothing once the largest batch has been seen.
/// `DeepNet` stays the course's network of fused layers; Sequential is the open one.
#ifndef DEEPNET_CORE_SEQUENTIAL_HPP
#define DEEPNET_CORE_SEQUENTIAL_HPP

#include "../config.hpp"
#include "../detail/input.hpp"
#include "../errors.hpp"
#include "../tools/data.hpp"
#include "../training/fit_options.hpp"
#include "../training/history.hpp"
#include "../training/optimizer.hpp"
#include "deep_net.hpp"
#include "fit_data.hpp"
#include "loss_function.hpp"
#include "module.hpp"
#include "module_store.hpp"
#include "parameter_store.hpp"
#include "parameters.hpp"
#include "shape_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepnet {

/// A chain of modules, module k = 1..K taking the output of module k - 1 (X for k = 1).
template <class Scalar = double>
class Sequential {
  static_assert(std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value,
                "Scalar must be float or double");

 public:
  using Matrix = deepnet::Matrix<Scalar>;                 ///< column-major, one column per example
  using View = MatrixView<Scalar>;                        ///< read-only view of a buffer
  using Span = MatrixSpan<Scalar>;                        ///< writable view of a buffer
  using ModuleType = Module<Scalar>;                      ///< the module interface
  using Targets = Eigen::Ref<const Matrix>;               ///< Y
  using ModulePtr = std::unique_ptr<ModuleType>;          ///< how the network holds a module
  using LossPtr = std::unique_ptr<LossFunction<Scalar>>;  ///< a loss of the program's

  /// An empty network for inputs of n[0] = `input_size` rows; add modules with `add`.
  /// \throws ConfigError unless input_size >= 1
  explicit Sequential(Index input_size) : m_sizes{input_size} {
    if (input_size < 1) {
      throw ConfigError("Sequential: the input size n[0] must be at least 1, got " +
                        std::to_string(input_size));
    }
    m_A.emplace_back();
    m_dA.emplace_back();
    m_P.emplace_back();
  }

  /// Appends `module`, which takes the output of the last module (or X).
  /// \throws ConfigError naming the position and the module when it refuses that input size
  ///         (the network is unchanged); std::invalid_argument for a null pointer
  Sequential& add(ModulePtr module) {
    if (!module) throw std::invalid_argument("Sequential::add: the module is a null pointer");
    const Index k = size() + 1;
    Index n = 0;
    try {
      n = module->output_size(output_size());
    } catch (const ConfigError& error) {
      throw ConfigError("Sequential::add: module " + std::to_string(k) + " (" + module->name() +
                        "): " + error.what());
    }
    if (n < 1) {
      throw ConfigError("Sequential::add: module " + std::to_string(k) + " (" + module->name() +
                        ") gives " + std::to_string(n) + " outputs; a module needs at least 1");
    }
    m_modules.push_back(std::move(module));
    try {
      m_store.place(m_modules);
    } catch (const ConfigError& error) {
      m_modules.pop_back();  // the network is as it was (place put the tensors back)
      throw ConfigError(std::string("Sequential::add: ") + error.what());
    } catch (...) {
      m_modules.pop_back();
      throw;
    }
    m_sizes.push_back(n);
    m_A.emplace_back();
    m_dA.emplace_back();
    m_P.emplace_back();
    forget_passes();
    return *this;
  }

  /// Appends a built-in module by its template name, built from `args`:
  /// `net.add<modules::Dense>(64).add<modules::ReLU>()`.
  template <template <class> class M, class... Args>
  Sequential& add(Args&&... args) {
    return add(std::make_unique<M<Scalar>>(std::forward<Args>(args)...));
  }

  /// Appends a module of the program's, a class derived from Module<Scalar>, built from `args`:
  /// `net.add<Swish>()`.
  template <class M, class... Args>
  Sequential& add(Args&&... args) {
    static_assert(std::is_base_of<ModuleType, M>::value,
                  "Sequential::add<M>: M must derive from deepnet::Module<Scalar>");
    return add(std::make_unique<M>(std::forward<Args>(args)...));
  }

  /// Trains on the built-in loss `loss` (by default the one matching the last module:
  /// Sigmoid -> BinaryCrossEntropy, Softmax -> CategoricalCrossEntropy, else MeanSquaredError).
  Sequential& set_loss(Loss loss) {
    m_loss_kind = loss;
    m_custom_loss.reset();
    forget_passes();
    return *this;
  }

  /// Trains on a loss of the program's.
  /// \throws std::invalid_argument for a null pointer
  Sequential& set_loss(LossPtr loss) {
    if (!loss) throw std::invalid_argument("Sequential::set_loss: the loss is a null pointer");
    m_custom_loss = std::move(loss);
    m_loss_kind.reset();
    forget_passes();
    return *this;
  }

  /// Trains on a loss of the program's, given by value: `net.set_loss(Huber(1.0))`.
  template <class L, std::enable_if_t<std::is_base_of<LossFunction<Scalar>, L>::value, int> = 0>
  Sequential& set_loss(L loss) {
    return set_loss(LossPtr(std::make_unique<L>(std::move(loss))));
  }

  /// The loss the network trains on.
  const LossFunction<Scalar>& loss() const {
    if (m_custom_loss) return *m_custom_loss;
    m_builtin = BuiltinLoss<Scalar>(builtin_loss());
    return m_builtin;
  }

  /// K, the number of modules.
  Index size() const noexcept { return static_cast<Index>(m_modules.size()); }
  /// n[0], the rows of X.
  Index input_size() const noexcept { return m_sizes.front(); }
  /// The rows of the last module's output (n[0] when there is no module).
  Index output_size() const noexcept { return m_sizes.back(); }
  /// The rows of module k's output, k = 0..K (0: the input).
  Index output_size(Index k) const { return m_sizes.at(static_cast<std::size_t>(k)); }
  /// m of the last training forward pass (0 before the first).
  Index m() const noexcept { return m_m; }

  /// Module k, numbered 1..K.
  /// \throws std::out_of_range unless 1 <= k <= K
  ModuleType& module(Index k) { return *m_modules[index_of(k)]; }
  /// Module k, numbered 1..K.
  /// \throws std::out_of_range unless 1 <= k <= K
  const ModuleType& module(Index k) const { return *m_modules[index_of(k)]; }

  /// A[k], the output of module k in the last training forward pass, n_k x m (k = 1..K).
  View A(Index k) const { return view(m_A[index_of(k) + 1], k); }
  /// dA[k] = m dJ/dA[k] of the last backward pass, n_k x m (k = 1..K; for k = K - 1 with a
  /// fused output, the dZ of the notes).
  View dA(Index k) const { return view(m_dA[index_of(k) + 1], k); }

  /// Draws every module's parameters from one generator seeded with `seed`, module by module
  /// (Dense: W with `init`, b = 0; BatchNorm: gamma = 1, beta = 0): a Dense, activation, Dense,
  /// ... chain gets the W[l] of a DeepNet with the same sizes, init and seed.
  void initialize(Init init, std::uint64_t seed) {
    Random random(seed);
    for (ModulePtr& current : m_modules)
      current->initialize(init, random);
    forget_passes();
    m_initialized = true;
  }

  /// Throws StateError when `initialize` was never called and every weight is still zero, as
  /// `add` leaves it: the units of a layer would all learn the same thing (as
  /// DeepNet::require_initialized). A weight is a trainable tensor whose symbol begins with
  /// 'W' (Dense's W; name the weights of a module of yours so to have them checked). Weights set
  /// by hand or loaded pass. `fit` calls it; once it has passed, it costs nothing.
  /// \param where the operation, for the message
  void require_initialized(const char* where) {
    if (m_initialized) return;
    bool has_weights = false, all_zero = true;
    for (ModulePtr& current : m_modules) {
      current->for_each_tensor([&](const char* symbol, Span value, Span, bool trainable) {
        if (!trainable || symbol[0] != 'W') return;
        has_weights = true;
        if (!value.isZero(0)) all_zero = false;
      });
    }
    if (!has_weights || !all_zero) {
      m_initialized = true;  // set by hand (or loaded), or nothing to draw: the caller's choice
      return;
    }
    throw StateError(std::string(where) +
                     ": every weight is zero and initialize was never called, so the units of "
                     "each module would all learn the same thing; call "
                     "net.initialize(Init::He, seed) (or another Init) before training");
  }

  /// The training forward pass over the m columns of X: A[k] = f_k(A[k-1]) for k = 1..K.
  /// X is kept as a view until backward, as DeepNet::forward keeps it (a temporary matrix does
  /// not compile).
  /// \return A[K], valid until the next forward pass
  /// \throws ShapeError naming module 1 when X does not have n[0] rows (and saying when X looks
  ///         transposed); std::invalid_argument for m = 0; ConfigError without modules;
  ///         DataError for NaN or infinity in X; NumericalError naming the module whose output
  ///         is not finite
  template <class Derived>
  View forward(const Eigen::MatrixBase<Derived>& X) {
    check_input(X.rows(), X.cols(), "Sequential::forward");
    reserve(X.cols(), m_A, m_capacity, true);
    m_input.bind(X);
    m_m = X.cols();
    const View X_view = input_view();
    for (Index k = 1; k <= size(); ++k) {
      const Span out = span(m_A[static_cast<std::size_t>(k)], k);
      module(k).forward(k == 1 ? X_view : A(k - 1), out, true);
      if (!detail::all_finite(out)) report_not_finite(k, X_view);
    }
    m_pass = Pass::Forward;
    return A(size());
  }

  /// Refused at compile time, as DeepNet::forward refuses it: a temporary X would be freed
  /// before backward reads it.
  template <class Temporary,
            std::enable_if_t<detail::is_temporary_matrix<Temporary, Scalar>, int> = 0>
  View forward(Temporary&& X) {
    static_assert(detail::always_false<Temporary>,
                  "Sequential::forward keeps a view of X until backward: a temporary matrix "
                  "would be freed before backward reads it; store X in a named variable that "
                  "outlives backward");
    return forward(static_cast<const Eigen::MatrixBase<std::decay_t<Temporary>>&>(X));
  }

  /// The cost J of the last forward pass against Y (n_K x m).
  /// \throws StateError before forward; ShapeError if Y is not n_K x m; DataError for values
  ///         the loss refuses; ConfigError for a built-in loss that does not fit the last module
  Scalar cost(const Targets& Y) const {
    check_targets(Y, "Sequential::cost");
    return cost_checked(Y);
  }

  /// The backward pass: dA[K] from the loss (for Sigmoid with BinaryCrossEntropy or Softmax
  /// with CategoricalCrossEntropy, the fused dA[K-1] = A[K] - Y), then for k = K..1 each
  /// module's parameter gradients and dA[k-1] (none for k = 1).
  /// \throws as cost
  void backward(const Targets& Y) {
    check_targets(Y, "Sequential::backward");
    backward_checked(Y);
  }

 private:
  // The backward pass once Y has passed check_targets (fit checks Y's values only once).
  void backward_checked(const Targets& Y) {
    const Index K = size();
    Index k = K;
    const std::optional<Activation> g = module(K).activation();
    const Span dA_K = span(m_dA[static_cast<std::size_t>(K)], K);
    if (!m_custom_loss && g && K > 1) {
      // The loss and the activation together: fused where that applies, else chained.
      output_gradient<Scalar>(builtin_loss(), *g, A(K - 1), A(K), Y, dA_K,
                              span(m_dA[static_cast<std::size_t>(K - 1)], K - 1));
      k = K - 1;
    } else {
      loss().gradient(A(K), Y, dA_K);
    }
    for (; k >= 1; --k) {
      Span d_input =
          k > 1 ? span(m_dA[static_cast<std::size_t>(k - 1)], k - 1) : Span(nullptr, 0, 0);
      module(k).backward(input_of(k), A(k), dA(k), k > 1 ? &d_input : nullptr);
    }
    m_pass = Pass::Backward;
  }

 public:
  /// One step of gradient descent on every trainable tensor: theta := theta - alpha dtheta.
  /// \throws as update(optimizer, learning_rate)
  void update(double learning_rate) {
    GradientDescent<Scalar> descent;
    update(descent, learning_rate);
  }

  /// One step of `optimizer` on the trainable entries of `parameters()`, k = 0, 1, ... in
  /// registry order: for a built-in optimizer one pass over the parameter store when every
  /// module keeps its tensors there (the built-in ones do), else tensor by tensor, with the
  /// same result. Allocates nothing.
  /// \throws ConfigError for a learning rate that is not positive and finite; StateError
  ///         unless backward has run since the last update
  void update(Optimizer<Scalar>& optimizer, double learning_rate) {
    if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) {
      throw ConfigError(
          "Sequential::update: the learning rate must be a positive finite number, "
          "got " +
          detail::number_string(learning_rate));
    }
    if (m_pass != Pass::Backward) {
      throw StateError(
          "Sequential::update needs the gradients of the current weights: call forward(X) and "
          "backward(Y) before each update");
    }
    const auto alpha = static_cast<Scalar>(learning_rate);
    optimizer.begin_step();
    if (m_store.complete() && optimizer.update_flat(m_store.flat(), alpha)) {
      m_pass = Pass::None;
      return;
    }
    Index k = 0;
    const auto step = [&](const char*, Span theta, Span g, bool trainable) {
      if (trainable) optimizer.update(k++, theta, View(g.data(), g.rows(), g.cols()), alpha);
    };
    for (ModulePtr& current : m_modules)
      current->for_each_tensor(step);
    m_pass = Pass::None;  // the caches belong to the old weights now
  }

  /// The parameter registry: every tensor of every module as `symbol[k]` (W[1], b[1],
  /// gamma[3], running_var[3], ...), module by module; the trainable entries, in this order,
  /// are the parameters k = 0, 1, ... of the optimizer. The views stay valid while the
  /// network and its modules live.
  std::vector<NamedTensor<Scalar>> parameters() {
    std::vector<NamedTensor<Scalar>> entries;
    for (Index k = 1; k <= size(); ++k) {
      module(k).for_each_tensor([&](const char* symbol, Span value, Span gradient, bool trainable) {
        entries.emplace_back(k, symbol, value, gradient, trainable);
      });
    }
    return entries;
  }

  /// The parameter store: the trainable tensors of every module that keeps them there (the
  /// built-in Dense and BatchNorm, and modules of the program's that implement
  /// Module::attach), one after the other in one value buffer in registry order, each on a
  /// 64-byte boundary and named as in `parameters()`, their gradients at the same offsets in
  /// one gradient buffer. Buffers such as running statistics are not in it.
  const ParameterStore<Scalar>& parameter_store() const noexcept { return m_store.store(); }

  /// True when every trainable tensor is in the parameter store (no module of the program's
  /// keeps its parameters elsewhere): then `parameter_values` and `parameter_gradients` cover
  /// them all and the built-in optimizers update them in one pass.
  bool parameters_in_store() const noexcept { return m_store.complete(); }

  /// Every trainable scalar, in the store's order (see parameter_store()): one contiguous
  /// buffer, for a program that moves all parameters at once (broadcasting them from one
  /// process to the others). Writing it writes the modules' parameters.
  /// \throws StateError naming the first module whose tensors are not in the store
  Eigen::Map<Vector<Scalar>> parameter_values() {
    m_store.require_complete("Sequential::parameter_values");
    return Eigen::Map<Vector<Scalar>>(m_store.store().values(), m_store.store().size());
  }
  /// Every gradient at the offset of its parameter: one contiguous buffer, so that averaging
  /// the gradients of several processes is one reduction per step.
  /// \throws as parameter_values
  Eigen::Map<Vector<Scalar>> parameter_gradients() {
    m_store.require_complete("Sequential::parameter_gradients");
    return Eigen::Map<Vector<Scalar>>(m_store.store().gradients(), m_store.store().size());
  }

  /// The trainable parameters as the one-pass update rules see them (Optimizer::update_flat):
  /// the store's buffers, the places of the trainable tensors (merged where no padding
  /// separates them) and the tensors in the order k of Optimizer::update. Valid until the next
  /// `add`. Allocates nothing.
  /// \throws as parameter_values
  FlatParameters<Scalar> flat_parameters() {
    m_store.require_complete("Sequential::flat_parameters");
    return m_store.flat();
  }

  /// Trains the network with the training loop of DeepNet::fit (training/trainer.hpp):
  /// epochs of mini-batches (shuffled with the options' seed), the options' optimizer and
  /// schedule, validation_split, early stopping with restore_best, the divergence guard,
  /// progress, callbacks and the history. Checkpoints (FitOptions::checkpoint, resume_from) are
  /// for DeepNet only: a Sequential refuses them with a ConfigError.
  /// \param X n[0] x m inputs (kept as a view during the call; other expressions are
  ///          evaluated once)
  /// \param Y n_K x m targets; or, for a Softmax last module, integer class labels (1 x m, each
  ///          0..n_K-1), made one-hot once before training
  /// \return the cost of every step, and a record of every epoch
  /// \throws ShapeError, DataError for bad data; ConfigError for bad options, a checkpoint
  ///         option, or a built-in loss that does not fit the last module; StateError for a
  ///         network that was never initialised (require_initialized); MemoryError when training
  ///         would exceed memory_limit(); DivergenceError when the cost stops being finite
  template <class DerivedX, class DerivedY>
  History fit(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
              const FitOptions& options = FitOptions()) {
    const auto& X_ = viewable(X);
    const auto& Y_ = targets_of(X, "X", Y, "labels");
    return Trainer<Scalar, Sequential>(*this, X_.get(), Y_.get(), options).run();
  }

  /// As above, with an update rule of the program's instead of `options.optimizer()`: any class
  /// derived from Optimizer<Scalar> (docs/extending.md). It must outlive the call.
  template <class DerivedX, class DerivedY>
  History fit(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
              const FitOptions& options, Optimizer<Scalar>& optimizer) {
    const auto& X_ = viewable(X);
    const auto& Y_ = targets_of(X, "X", Y, "labels");
    return Trainer<Scalar, Sequential>(*this, X_.get(), Y_.get(), options, optimizer).run();
  }

  /// As above, evaluating the cost and accuracy on a validation set (X_val, Y_val) after every
  /// epoch; needed for early stopping unless FitOptions::validation_split holds one out.
  template <class DerivedX, class DerivedY, class DerivedXv, class DerivedYv>
  History fit(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
              const Eigen::MatrixBase<DerivedXv>& X_val, const Eigen::MatrixBase<DerivedYv>& Y_val,
              const FitOptions& options = FitOptions()) {
    const auto& X_ = viewable(X);
    const auto& Y_ = targets_of(X, "X", Y, "labels");
    const auto& Xv = viewable(X_val);
    const auto& Yv = targets_of(X_val, "X_val", Y_val, "labels_val");
    return Trainer<Scalar, Sequential>(*this, X_.get(), Y_.get(), Xv.get(), Yv.get(), options)
        .run();
  }

  /// With a validation set and an update rule of the program's.
  template <class DerivedX, class DerivedY, class DerivedXv, class DerivedYv>
  History fit(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
              const Eigen::MatrixBase<DerivedXv>& X_val, const Eigen::MatrixBase<DerivedYv>& Y_val,
              const FitOptions& options, Optimizer<Scalar>& optimizer) {
    const auto& X_ = viewable(X);
    const auto& Y_ = targets_of(X, "X", Y, "labels");
    const auto& Xv = viewable(X_val);
    const auto& Yv = targets_of(X_val, "X_val", Y_val, "labels_val");
    return Trainer<Scalar, Sequential>(*this, X_.get(), Y_.get(), Xv.get(), Yv.get(), options,
                                       optimizer)
        .run();
  }

  /// A[K] for X with the prediction pass of every module (no dropout, batch normalisation's
  /// running statistics), in buffers of the network's own: the training caches are left alone.
  /// \throws as forward
  Matrix predict(const Eigen::Ref<const Matrix>& X) {
    check_input(X.rows(), X.cols(), "Sequential::predict");
    return predict_view(X);
  }

  /// Class labels for X: for a Sigmoid last module, 1 where A[K] > 0.5 (n_K x m); for Softmax,
  /// the row of the largest output in each column (1 x m).
  /// \throws ConfigError unless the last module is Sigmoid or Softmax; as predict
  Labels classify(const Eigen::Ref<const Matrix>& X) {
    const Activation g = require_classes("Sequential::classify");
    const Matrix A_K = predict(X);
    if (g == Activation::Sigmoid) return (A_K.array() > Scalar(0.5)).template cast<Index>();
    Labels labels(1, A_K.cols());
    for (Index j = 0; j < A_K.cols(); ++j)
      A_K.col(j).maxCoeff(&labels(0, j));
    return labels;
  }

  /// The fraction of the columns of X classified correctly against Y (n_K x m, 0/1 labels or
  /// one-hot columns), counted as DeepNet::accuracy counts.
  /// \throws ConfigError unless the last module is Sigmoid or Softmax; ShapeError if Y is not
  ///         n_K x m; as predict
  double accuracy(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y) {
    const Activation g = require_classes("Sequential::accuracy");
    detail::expect_targets("Sequential::accuracy", size(), "Y", Y.rows(), Y.cols(), output_size(),
                           X.cols());
    const Matrix A_K = predict(X);
    Index total = 0;
    const Index correct =
        detail::count_correct(View(A_K.data(), A_K.rows(), A_K.cols()), Y, g, total);
    return total == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(total);
  }

  /// A table of the modules: k, name, output shape, trainable parameters; then the totals.
  /// \code
  ///   // Sequential<double>: 4 modules, n[0] = 3 inputs, loss BinaryCrossEntropy
  ///   // k  module   output shape  parameters
  ///   // 1  Dense    4 x m         16
  ///   // 2  ReLU     4 x m         0
  ///   // ...
  ///   // Trainable parameters: 21
  ///   // Buffers (running statistics, ...): 0
  /// \endcode
  std::string summary() {
    std::ostringstream out;
    out << "Sequential<" << (std::is_same<Scalar, float>::value ? "float" : "double")
        << ">: " << size() << " modules, n[0] = " << input_size() << " inputs, loss "
        << loss().name() << '\n';
    std::vector<std::string> names{"module"};
    std::vector<std::string> shapes{"output shape"};
    std::vector<std::string> counts{"parameters"};
    Index trainable = 0, buffers = 0;
    for (Index k = 1; k <= size(); ++k) {
      Index count = 0;
      module(k).for_each_tensor([&](const char*, Span value, Span, bool is_trainable) {
        (is_trainable ? count : buffers) += value.size();
      });
      trainable += count;
      names.push_back(module(k).name());
      shapes.push_back(std::to_string(output_size(k)) + " x m");
      counts.push_back(std::to_string(count));
    }
    std::size_t width_k = std::to_string(size()).size(), width_name = 0, width_shape = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
      width_name = std::max(width_name, names[i].size());
      width_shape = std::max(width_shape, shapes[i].size());
    }
    const auto pad = [](const std::string& text, std::size_t width) {
      return text + std::string(width - text.size() + 2, ' ');
    };
    for (std::size_t i = 0; i < names.size(); ++i) {
      out << pad(i == 0 ? "k" : std::to_string(i), width_k) << pad(names[i], width_name)
          << pad(shapes[i], width_shape) << counts[i] << '\n';
    }
    out << "Trainable parameters: " << trainable << '\n'
        << "Buffers (running statistics, ...): " << buffers << '\n'
        << "Bytes: " << (trainable + buffers) * static_cast<Index>(sizeof(Scalar)) << '\n';
    return out.str();
  }

 private:
  enum class Pass { None, Forward, Backward };
  friend struct detail::TrainingModel<Sequential>;  // the training loop's access

  // The cost of the last forward pass once Y has passed check_targets.
  Scalar cost_checked(const Targets& Y) const {
    if (m_custom_loss) return m_custom_loss->cost(A(size()), Y);
    // With the matching activation last, from its input: never log(0) (loss.hpp).
    return deepnet::cost<Scalar>(builtin_loss(), input_of(size()), A(size()), Y);
  }

  // The cost of the last prediction (predict_view over m columns) against Y.
  Scalar prediction_cost(const Targets& Y) const {
    const Index m = Y.cols();
    const View A_K(m_P.back().data(), output_size(), m);
    if (m_custom_loss) return m_custom_loss->cost(A_K, Y);
    const View input(m_prediction_input, m_sizes[m_sizes.size() - 2], m);
    return deepnet::cost<Scalar>(builtin_loss(), input, A_K, Y);
  }

  // The loss against the last module, and Y's values for it (check_targets' second half).
  void check_loss_and_values(const Targets& Y, const char* where) const {
    if (!m_custom_loss) {
      const std::optional<Activation> g = module(size()).activation();
      const Loss loss = builtin_loss();
      if (g) {
        require_compatible(*g, loss);
      } else if (loss != Loss::MeanSquaredError) {
        throw ConfigError(std::string(where) + ": " + to_string(loss) + " needs a " +
                          (loss == Loss::BinaryCrossEntropy ? "Sigmoid" : "Softmax") +
                          " last module, not " + module(size()).name() +
                          ": add one, or give the network a LossFunction of your own");
      }
      validate_targets<Scalar>(loss, Y, where);
    } else {
      m_custom_loss->validate(Y, where);
    }
  }

  // fit's data (core/fit_data.hpp): views where they can be, integer labels made one-hot.
  template <class Derived>
  static auto viewable(const Eigen::MatrixBase<Derived>& M) {
    return detail::viewable_data<Scalar>(M);
  }
  template <class DerivedX, class DerivedY>
  auto targets_of(const Eigen::MatrixBase<DerivedX>& X, const char* x_name,
                  const Eigen::MatrixBase<DerivedY>& Y, const char* name) const {
    const bool softmax = size() > 0 && module(size()).activation() == Activation::Softmax;
    return detail::targets_of<Scalar>(softmax, input_size(), output_size(), size(),
                                      {"the Softmax module gives n_K = ", " outputs"}, X, x_name, Y,
                                      name, "Sequential::fit");
  }

  std::size_t index_of(Index k) const {
    if (k < 1 || k > size()) {
      throw std::out_of_range("Sequential: module " + std::to_string(k) +
                              " does not exist; modules are numbered 1.." + std::to_string(size()));
    }
    return static_cast<std::size_t>(k - 1);
  }

  Loss builtin_loss() const {
    if (m_loss_kind) return *m_loss_kind;
    const std::optional<Activation> g = size() > 0 ? module(size()).activation() : std::nullopt;
    return matching_loss(g ? *g : Activation::Identity);
  }

  // The buffers of a pass: capacity for m columns (growing only), modules reserve too.
  void reserve(Index m, std::vector<Matrix>& buffers, Index& capacity, bool gradients) {
    if (m <= capacity) return;
    for (std::size_t k = 1; k < buffers.size(); ++k) {
      buffers[k].resize(m_sizes[k], m);
      if (gradients) m_dA[k].resize(m_sizes[k], m);
    }
    if (m > m_module_capacity) {  // one capacity for both passes: a module's caches only grow
      for (ModulePtr& current : m_modules)
        current->reserve(m);
      m_module_capacity = m;
    }
    capacity = m;
  }

  void forget_passes() {
    m_pass = Pass::None;
    m_capacity = 0;
    m_predict_capacity = 0;
    m_module_capacity = 0;
  }

  View view(const Matrix& storage, Index k) const {
    return View(storage.data(), m_sizes[static_cast<std::size_t>(k)], m_m);
  }
  Span span(Matrix& storage, Index k) {
    return Span(storage.data(), m_sizes[static_cast<std::size_t>(k)], m_m);
  }

  // X as a contiguous view: the caller's memory, or a copy when its columns are strided.
  View input_view() {
    const InputView<Scalar>& X = m_input.X();
    if (X.outerStride() == X.rows()) return View(X.data(), X.rows(), X.cols());
    if (m_X.cols() < X.cols() || m_X.rows() != X.rows()) m_X.resize(X.rows(), X.cols());
    Span(m_X.data(), X.rows(), X.cols()) = X;
    return View(m_X.data(), X.rows(), X.cols());
  }
  View input_of(Index k) const {
    if (k > 1) return A(k - 1);
    const InputView<Scalar>& X = m_input.X();
    if (X.outerStride() == X.rows()) return View(X.data(), X.rows(), X.cols());
    return View(m_X.data(), X.rows(), X.cols());
  }

  void check_input(Index rows, Index cols, const char* where) const {
    if (size() == 0) {
      throw ConfigError(std::string(where) +
                        ": the network has no modules; add them with add<modules::Dense>(units), "
                        "add<modules::ReLU>(), ...");
    }
    if (rows != input_size()) {
      // The module that takes X names the error; the message is built only on failure.
      const std::string at = std::string(where) + ": module 1 (" + module(1).name() + ")";
      detail::expect_inputs(at.c_str(), "X", rows, cols, input_size());
    }
    if (cols == 0) {
      throw std::invalid_argument(std::string(where) +
                                  ": X has no columns (m = 0); give at least one example");
    }
  }

  void check_targets(const Targets& Y, const char* where) const {
    if (m_pass == Pass::None || !m_input.bound()) {
      throw StateError(std::string(where) +
                       " needs the caches of a forward pass over the current weights: call "
                       "forward(X) first");
    }
    if (Y.rows() != output_size() || Y.cols() != m_m) {
      const std::string at = std::string(where) + ": module " + std::to_string(size()) + " (" +
                             module(size()).name() + ")";
      detail::expect_targets(at.c_str(), size(), "Y", Y.rows(), Y.cols(), output_size(), m_m);
    }
    check_loss_and_values(Y, where);
  }

  [[noreturn]] void report_not_finite(Index k, View X) const {
    if (k == 1) detail::require_finite(X, "Sequential::forward");
    throw NumericalError("Sequential::forward: module " + std::to_string(k) + " (" +
                             module(k).name() +
                             "): the output has NaN or infinite values although the input is "
                             "finite (parameters holding NaN or infinity, or grown until they "
                             "overflowed: a learning rate too large?)",
                         k, "A");
  }

  // The prediction pass into the network's buffers m_P (X checked by the caller): A[K] as a
  // view, valid until the next prediction. Allocates nothing once m has been seen.
  View predict_view(const Eigen::Ref<const Matrix>& X) {
    reserve(X.cols(), m_P, m_predict_capacity, false);
    const Index m = X.cols();
    if (X.outerStride() != X.rows()) {
      // Columns apart in memory (a block of rows): contiguous in m_P[0] for the modules.
      if (m_P[0].rows() != X.rows() || m_P[0].cols() < m) m_P[0].resize(X.rows(), m);
      Span(m_P[0].data(), X.rows(), m) = X;
    }
    for (Index k = 1; k <= size(); ++k) {
      const std::size_t i = static_cast<std::size_t>(k);
      const Span out(m_P[i].data(), m_sizes[i], m);
      const Scalar* in = k == 1 && X.outerStride() == X.rows() ? X.data() : m_P[i - 1].data();
      module(k).forward(View(in, m_sizes[i - 1], m), out, false);
      if (k == size()) m_prediction_input = in;  // the last module's input, for the cost
    }
    return View(m_P.back().data(), output_size(), m);
  }

  Activation require_classes(const char* where) const {
    const std::optional<Activation> g = size() > 0 ? module(size()).activation() : std::nullopt;
    if (!g || (*g != Activation::Sigmoid && *g != Activation::Softmax)) {
      throw ConfigError(
          std::string(where) + " needs a Sigmoid or Softmax last module; this network's is " +
          (size() > 0 ? module(size()).name() : std::string("none")) + ": use predict");
    }
    return *g;
  }

  std::vector<ModulePtr> m_modules;
  detail::ModuleStore<Scalar> m_store;  // their trainable tensors
  std::vector<Index> m_sizes;           // n_0 .. n_K
  std::vector<Matrix> m_A, m_dA, m_P;   // index k = 1..K (0 unused); capacity in columns
  Matrix m_X;                           // X copied when its columns are strided
  detail::InputBinding<Scalar> m_input;
  std::optional<Loss> m_loss_kind;        // set_loss(Loss); else matching the last module
  LossPtr m_custom_loss;                  // set_loss of the program's
  mutable BuiltinLoss<Scalar> m_builtin;  // what loss() returns for a built-in loss
  Index m_m = 0;
  Index m_capacity = 0;
  Index m_predict_capacity = 0;
  Index m_module_capacity = 0;
  Pass m_pass = Pass::None;
  bool m_initialized = false;                  // initialize ran, or non-zero weights were seen
  const Scalar* m_prediction_input = nullptr;  // input of the last module in predict_view
  // The trainer's TrainingState names one dropout generator; a Sequential's Dropout modules
  // each keep theirs, and checkpoints of a Sequential are refused, so this one stays unused.
  Random m_unused_random{0};
};

}  // namespace deepnet

#endif  // DEEPNET_CORE_SEQUENTIAL_HPP
