/// \file deep_net.hpp
/// DeepNet<Scalar>: L layers stacked as in the notes, with the vectorised forward loop over
/// l = 1..L, the backward loop over l = L..1, gradient descent, and the shape checker.
#ifndef DEEPNET_DEEP_NET_HPP
#define DEEPNET_DEEP_NET_HPP

#include "activation.hpp"
#include "config.hpp"
#include "detail/gemm.hpp"
#include "detail/input.hpp"
#include "errors.hpp"
#include "history.hpp"
#include "init.hpp"
#include "layer.hpp"
#include "loss.hpp"
#include "options.hpp"
#include "random.hpp"
#include "shape_check.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace deepnet {

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
  /// \throws ConfigError for fewer than two sizes, a size below 1, a hidden Softmax layer
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
    m_layers.reserve(m_dims.size() - 1);
    for (std::size_t l = 1; l < m_dims.size(); ++l) {
      m_layers.emplace_back(m_dims[l - 1], m_dims[l], activations[l - 1], static_cast<Index>(l));
    }
  }

  /// L, the number of layers (the input layer is not counted).
  Index L() const noexcept { return static_cast<Index>(m_layers.size()); }
  /// {n[0], n[1], ..., n[L]}.
  const std::vector<Index>& dims() const noexcept { return m_dims; }
  /// The loss the network is trained on.
  Loss loss() const noexcept { return m_loss; }
  /// m, the number of examples of the last forward pass (0 before the first).
  Index m() const noexcept { return m_layers.front().m(); }

  /// {g[1], ..., g[L]}.
  std::vector<Activation> activations() const {
    std::vector<Activation> result;
    result.reserve(m_layers.size());
    for (const LayerType& current : m_layers)
      result.push_back(current.activation());
    return result;
  }

  /// A copy of the network with another scalar type: same architecture and loss, W and b
  /// rounded to NewScalar (no caches, no gradients).
  template <class NewScalar>
  DeepNet<NewScalar> cast() const {
    DeepNet<NewScalar> result(m_dims, activations(), m_loss);
    for (Index l = 1; l <= L(); ++l) {
      result.layer(l).W() = layer(l).W().template cast<NewScalar>();
      result.layer(l).b() = layer(l).b().template cast<NewScalar>();
    }
    return result;
  }

  /// Layer l, numbered 1..L as in the notes.
  /// \throws std::out_of_range unless 1 <= l <= L
  LayerType& layer(Index l) { return m_layers[layer_index(l)]; }
  /// Layer l, numbered 1..L as in the notes.
  /// \throws std::out_of_range unless 1 <= l <= L
  const LayerType& layer(Index l) const { return m_layers[layer_index(l)]; }

  /// Draws every W[l] with `init` from a generator seeded with `seed`, layer by layer, and sets
  /// every b[l] to zero. The same seed gives the same bits on every platform.
  void initialize(Init init, std::uint64_t seed) {
    Random random(seed);
    for (LayerType& layer : m_layers) {
      initialize_weights(init, layer.W(), random);
      layer.b().setZero();
    }
    m_pass = Pass::None;
  }

  /// Forward propagation over the m examples of X: for l = 1..L,
  /// Z[l] = W[l] A[l-1] + b[l] and A[l] = g[l](Z[l]), caching both in layer l.
  /// X is kept as a view (see detail/input.hpp): keep it alive and unchanged until `backward`.
  /// \param X n[0] x m, one column per example: a matrix, a block such as
  ///          `X.middleCols(k, 128)`, a Map, or any expression (which is then copied)
  /// \return A[L], n[L] x m, valid until the next forward pass
  /// \throws ShapeError if X does not have n[0] rows or W[l], b[l] lost their shapes;
  ///         std::invalid_argument if m = 0; DataError if X holds NaN or infinity;
  ///         NumericalError if the weights turn finite X into NaN or infinity
  template <class Derived>
  View forward(const Eigen::MatrixBase<Derived>& X) {
    check_input(X.rows(), X.cols(), "DeepNet::forward");
    check_parameters("DeepNet::forward");
    m_input.bind(X);
    for (Index l = 1; l <= L(); ++l) {
      if (l == 1) {
        layer(1).forward(m_input.X(), m_workspace);
      } else {
        layer(l).forward(layer(l - 1).A(), m_workspace);
      }
      check_finite(layer(l).Z(), l, m_input.X(), "DeepNet::forward");
    }
    m_pass = Pass::Forward;
    m_has_gradients = false;  // dZ, dA of an earlier pass describe other examples
    return layer(L()).A();
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

  /// One step of gradient descent: W[l] := W[l] - alpha dW[l], b[l] := b[l] - alpha db[l].
  /// \param learning_rate alpha, positive and finite
  /// \throws ConfigError for a bad learning rate; StateError unless backward has run since
  ///         the last update
  void update(double learning_rate) {
    require_learning_rate(learning_rate, "DeepNet::update");
    if (m_pass != Pass::Backward) {
      throw StateError(
          "DeepNet::update needs the gradients of the current weights: call forward(X) and "
          "backward(Y) before each update");
    }
    check_parameters("DeepNet::update");
    const auto alpha = static_cast<Scalar>(learning_rate);
    for (LayerType& layer : m_layers) {
      layer.W().noalias() -= alpha * layer.dW();
      layer.b().noalias() -= alpha * layer.db();
    }
    m_pass = Pass::None;  // the caches belong to the old weights now
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

  /// Full-batch gradient descent: `iterations` times forward, cost, backward, update.
  /// \param X n[0] x m inputs (kept as a view during the call)
  /// \param Y n[L] x m targets
  /// \return the cost of every step
  /// \throws as forward, cost and update; NumericalError if the cost stops being finite
  template <class Derived>
  History fit(const Eigen::MatrixBase<Derived>& X, const Eigen::Ref<const Matrix>& Y,
              const FitOptions& options = FitOptions()) {
    require_learning_rate(options.learning_rate(), "DeepNet::fit");
    if (options.iterations() < 0) {
      throw ConfigError("DeepNet::fit: iterations must be 0 or more, got " +
                        std::to_string(options.iterations()));
    }
    if constexpr (!detail::is_viewable_input<Derived, Scalar>) {
      const Matrix evaluated = X;  // an expression: evaluate it once, not at every step
      return fit(evaluated, Y, options);
    }
    if (X.rows() == m_dims.front() && (Y.rows() != m_dims.back() || Y.cols() != X.cols())) {
      throw ShapeError("DeepNet::fit", L(), "Y", Y.rows(), Y.cols(), m_dims.back(), X.cols(),
                       shape_of_output());
    }
    validate_targets<Scalar>(m_loss, Y, "DeepNet::fit");  // once: Y does not change
    History history;
    history.cost.reserve(static_cast<std::size_t>(options.iterations()));
    for (Index i = 0; i < options.iterations(); ++i) {
      forward(X);
      const Scalar J = cost_of_checked(Y);
      if (!std::isfinite(J)) {
        throw NumericalError("DeepNet::fit: the cost is " + detail::number_string(J) +
                                 " at iteration " + std::to_string(i) + "; lower the learning rate",
                             0, "cost");
      }
      backward_checked(Y);
      update(options.learning_rate());
      history.cost.push_back(static_cast<double>(J));
      const bool last = i + 1 == options.iterations();
      if (options.print_every() > 0 && options.out() != nullptr &&
          (i % options.print_every() == 0 || last)) {
        // The course's line, in the same format whatever the stream's flags are.
        char line[64];
        std::snprintf(line, sizeof line, "Cost after iteration %lld: %.6g\n",
                      static_cast<long long>(i), static_cast<double>(J));
        *options.out() << line;
      }
      if (options.callback() &&
          options.callback()(Step{i, static_cast<double>(J)}) == Control::Stop) {
        history.stopped_early = !last;
        break;
      }
    }
    return history;
  }

  /// The output activations A[L] for X, computed in buffers of its own: the training caches
  /// are left as they were.
  /// \param X n[0] x m inputs
  /// \return A[L], n[L] x m
  /// \throws as forward
  Matrix predict(const Eigen::Ref<const Matrix>& X) const {
    check_input(X.rows(), X.cols(), "DeepNet::predict");
    check_parameters("DeepNet::predict");
    detail::GemmWorkspace<Scalar> workspace;
    Matrix Z;
    Matrix A_prev;
    Matrix A;
    for (Index l = 1; l <= L(); ++l) {
      const LayerType& current = layer(l);
      Z.resize(current.units(), X.cols());
      A.resize(current.units(), X.cols());
      typename LayerType::Span Z_span(Z.data(), Z.rows(), Z.cols());
      typename LayerType::Span A_span(A.data(), A.rows(), A.cols());
      if (l == 1) {
        current.forward_into(X, Z_span, A_span, workspace);
      } else {
        current.forward_into(A_prev, Z_span, A_span, workspace);
      }
      check_finite(View(Z.data(), Z.rows(), Z.cols()), l, X, "DeepNet::predict");
      A_prev.swap(A);
    }
    return A_prev;
  }

  /// Class labels for X: for a Sigmoid output, 1 where A[L] > 0.5 and 0 elsewhere (n[L] x m);
  /// for a Softmax output, the row of the largest activation in each column (1 x m).
  /// \throws ConfigError for other outputs (regression has no classes); as predict
  Labels classify(const Eigen::Ref<const Matrix>& X) const {
    const Activation g = layer(L()).activation();
    if (g != Activation::Sigmoid && g != Activation::Softmax) {
      throw ConfigError(
          "DeepNet::classify needs a Sigmoid or Softmax output layer; this network's is " +
          to_string(g) + " (a regression output): use predict");
    }
    return labels_of(predict(X), g);
  }

  /// The fraction of correct predictions, in [0, 1]: entries of classify(X) equal to Y for a
  /// Sigmoid output, columns whose predicted class is the 1 of Y for a Softmax output.
  /// \param Y n[L] x m labels (0/1, or one-hot columns)
  /// \throws ShapeError if Y is not n[L] x m; DataError for invalid labels; as classify
  double accuracy(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y) const {
    const Index n_L = m_dims.back();
    if (Y.rows() != n_L || Y.cols() != X.cols()) {
      throw ShapeError("DeepNet::accuracy", L(), "Y", Y.rows(), Y.cols(), n_L, X.cols(),
                       shape_of_output());
    }
    const Labels predicted = classify(X);
    const Activation g = layer(L()).activation();
    validate_targets<Scalar>(
        g == Activation::Softmax ? Loss::CategoricalCrossEntropy : Loss::BinaryCrossEntropy, Y,
        "DeepNet::accuracy");
    const Labels truth = labels_of(Y, g);
    return static_cast<double>((predicted.array() == truth.array()).count()) /
           static_cast<double>(truth.size());
  }

 private:
  enum class Pass { None, Forward, Backward };

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
    for (std::size_t l = 1; l < m_dims.size(); ++l) {
      if (m_dims[l] > std::numeric_limits<Index>::max() / m_dims[l - 1]) {
        throw ConfigError("layer " + std::to_string(l) + ": W would have n[" + std::to_string(l) +
                          "] x n[" + std::to_string(l - 1) + "] = " + std::to_string(m_dims[l]) +
                          " x " + std::to_string(m_dims[l - 1]) +
                          " entries, more than an index can count");
      }
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

  std::size_t layer_index(Index l) const {
    if (l < 1 || l > L()) {
      throw std::out_of_range("DeepNet::layer(" + std::to_string(l) + "): layers are numbered 1.." +
                              std::to_string(L()) + " (the input X is A[0], not a layer)");
    }
    return static_cast<std::size_t>(l - 1);
  }

  void check_input(Index rows, Index cols, const char* where) const {
    if (rows != m_dims.front()) {
      throw ShapeError(
          where, 0, "X", rows, cols, m_dims.front(), cols,
          "n[0] = " + std::to_string(m_dims.front()) + " rows, one column per example");
    }
    if (cols == 0) {
      throw std::invalid_argument(std::string(where) +
                                  ": X has no columns (m = 0); give at least one example");
    }
  }

  void check_parameters(const char* where) const {
    for (Index l = 1; l <= L(); ++l)
      check_parameter_shapes(layer(l), l, where);
  }

  // cost and backward once Y has passed check_targets (fit checks the values of Y only once).
  Scalar cost_of_checked(const Eigen::Ref<const Matrix>& Y) const {
    const LayerType& out = layer(L());
    return deepnet::cost<Scalar>(m_loss, out.Z(), out.A(), Y);
  }

  void backward_checked(const Eigen::Ref<const Matrix>& Y) {
    check_parameters("DeepNet::backward");
    LayerType& out = layer(L());
    output_gradient<Scalar>(m_loss, out.activation(), out.Z(), out.A(), Y, out.dA(), out.dZ());
    for (Index l = L(); l >= 1; --l) {
      LayerType& current = layer(l);
      if (l < L()) current.backward_activation();
      if (l > 1) {
        typename LayerType::Span dA_prev = layer(l - 1).dA();
        current.backward_parameters(layer(l - 1).A(), &dA_prev, m_workspace);
      } else {
        current.backward_parameters(m_input.X(), nullptr, m_workspace);
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
      throw ShapeError(where, L(), "Y", Y.rows(), Y.cols(), m_dims.back(), m(), shape_of_output());
    }
    if (values) validate_targets<Scalar>(m_loss, Y, where);
  }

  // "the shape of A[2]: n[2] x m", the reason given when Y does not fit the output.
  std::string shape_of_output() const {
    const std::string l = std::to_string(L());
    return "the shape of A[" + l + "]: n[" + l + "] x m";
  }

  static void require_learning_rate(double learning_rate, const char* where) {
    if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) {
      throw ConfigError(std::string(where) +
                        ": the learning rate must be a positive finite "
                        "number, got " +
                        detail::number_string(learning_rate));
    }
  }

  /// Throws if Z[l] has a NaN or infinity: DataError naming the entry of X when X is the
  /// cause, NumericalError naming the layer otherwise.
  template <class XType>
  static void check_finite(const View& Z, Index l, const XType& X, const char* where) {
    if (detail::all_finite(Z)) return;
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
  std::vector<LayerType> m_layers;
  detail::InputBinding<Scalar> m_input;
  detail::GemmWorkspace<Scalar> m_workspace;
  Pass m_pass = Pass::None;
  bool m_has_gradients = false;
};

}  // namespace deepnet

#endif  // DEEPNET_DEEP_NET_HPP
