/// \file core/layer.hpp
/// One layer l of the network: it owns its parameters W[l], b[l], caches Z[l], A[l] in the
/// forward pass (the backward pass needs them), and holds dZ[l], dA[l], dW[l], db[l] after
/// the backward pass. These are the building blocks of the notes: forward takes A[l-1] and
/// gives A[l]; backward takes dA[l] and gives dW[l], db[l] and dA[l-1].
///
/// Two options of the course's second part plug in here: batch normalisation (batch_norm.hpp),
/// which replaces b by gamma and beta, and inverted dropout (dropout.hpp).
#ifndef DEEPNET_CORE_LAYER_HPP
#define DEEPNET_CORE_LAYER_HPP

#include "../config.hpp"
#include "../detail/gemm.hpp"
#include "../errors.hpp"
#include "activation.hpp"
#include "batch_norm.hpp"
#include "dropout.hpp"
#include "linear.hpp"
#include "loss.hpp"
#include "memory_limit.hpp"
#include "parameter_store.hpp"
#include "random.hpp"
#include "shape_check.hpp"

#include <cstdint>
#include <string>

namespace deepnet {

/// Layer l of a DeepNet: n[l] units fed by the n[l-1] outputs of the layer before.
///
/// Shapes, with m the number of examples of the last forward pass:
/// | symbol | shape         | symbol | shape         |
/// |--------|---------------|--------|---------------|
/// | W      | n[l] x n[l-1] | dW     | n[l] x n[l-1] |
/// | b      | n[l] x 1      | db     | n[l] x 1      |
/// | Z      | n[l] x m      | dZ     | n[l] x m      |
/// | A      | n[l] x m      | dA     | n[l] x m      |
///
/// Z, A, dZ and dA are views into storage that keeps the largest m seen so far, so a smaller
/// last mini-batch does not reallocate; they stay valid until the next forward pass with a
/// larger m.
template <class Scalar = double>
class Layer {
  static_assert(detail::is_supported_scalar<Scalar>,
                "Scalar must be float or double (long double serves gradient_check)");

 public:
  using Matrix = deepnet::Matrix<Scalar>;  ///< n x m storage
  using Vector = deepnet::Vector<Scalar>;  ///< n x 1 storage
  using View = MatrixView<Scalar>;         ///< read-only view of a cache
  using Span = MatrixSpan<Scalar>;         ///< writable view of a cache
  using Input = Eigen::Ref<const Matrix>;  ///< A[l-1]: a matrix, a view or a column block
  /// W and dW: n[l] x n[l-1], in the network's parameter store (parameter_store.hpp)
  using Weights = ParameterTensor<Matrix>;
  /// b and db: n[l] x 1, in the network's parameter store
  using Biases = ParameterTensor<Vector>;

  /// Layer l with `units` = n[l] units and `inputs` = n[l-1] inputs; W and b start at zero.
  /// (l only names the layer in messages.) A layer built alone keeps its W, b, dW, db in
  /// storage of its own; a DeepNet moves them to its parameter store (`attach`).
  Layer(Index inputs, Index units, Activation activation, Index l = 1)
      : m_l(l),
        m_inputs(inputs),
        m_units(units),
        m_activation(activation),
        m_linear(inputs, units, Bias::With, l),
        m_norm(units, l),
        m_dropout(units) {}

  /// l, the layer's number in its network (1..L).
  Index index() const noexcept { return m_l; }
  /// n[l], the number of units.
  Index units() const noexcept { return m_units; }
  /// n[l-1], the number of inputs of each unit.
  Index inputs() const noexcept { return m_inputs; }
  /// g[l].
  Activation activation() const noexcept { return m_activation; }
  /// m of the last forward pass (0 before the first).
  Index m() const noexcept { return m_m; }

  /// W[l], n[l] x n[l-1]: row i holds the weights of unit i.
  Weights& W() noexcept { return m_linear.W(); }
  /// W[l], n[l] x n[l-1].
  const Weights& W() const noexcept { return m_linear.W(); }
  /// b[l], n[l] x 1 (unused, and zero, with batch normalisation).
  Biases& b() noexcept { return m_linear.b(); }
  /// b[l], n[l] x 1.
  const Biases& b() const noexcept { return m_linear.b(); }

  /// Z[l] = W[l] A[l-1] + b[l] of the last forward pass, n[l] x m (without b under batch
  /// normalisation).
  View Z() const { return view(m_Z); }
  /// A[l] = g[l](Z[l]) of the last forward pass, n[l] x m (after dropout, if any).
  View A() const { return view(m_A); }
  /// dZ[l] = dA[l] * g'[l](Z[l]) of the last backward pass, n[l] x m.
  View dZ() const { return view(m_dZ); }
  /// dA[l] = dL/dA[l] of the last backward pass, n[l] x m (m times dJ/dA[l]). The output
  /// layer's dA[L] is not computed by fit's steps when its gradient is fused
  /// (dZ[L] = A[L] - Y, see backward_output); DeepNet::backward always fills it.
  View dA() const { return view(m_dA); }
  /// Writable dA[l]: the layer above writes W[l+1]^T dZ[l+1] here.
  Span dA() { return span(m_dA); }
  /// Writable dZ[l].
  Span dZ() { return span(m_dZ); }

  /// dW[l] = (1/m) dZ[l] A[l-1]^T (+ (lambda/m) W[l] with L2), n[l] x n[l-1].
  Weights& dW() noexcept { return m_linear.dW(); }
  /// dW[l], n[l] x n[l-1].
  const Weights& dW() const noexcept { return m_linear.dW(); }
  /// db[l] = (1/m) sum over the examples of dZ[l], n[l] x 1.
  Biases& db() noexcept { return m_linear.db(); }
  /// db[l], n[l] x 1.
  const Biases& db() const noexcept { return m_linear.db(); }

  /// True when the layer normalises Z over each batch.
  bool has_batch_norm() const noexcept { return m_has_batch_norm; }
  /// Turns batch normalisation on (gamma = 1, beta = 0, b = 0 and unused) or off.
  void set_batch_norm(bool enabled) {
    m_has_batch_norm = enabled;
    m_norm_passes = enabled ? detail::batch_norm_passes<Scalar>() : nullptr;
    reset_batch_norm();
  }
  /// Puts batch normalisation back at its start, whether on or off: gamma = 1, beta = 0, the
  /// running mean 0 and variance 1; b = 0 (DeepNet::initialize).
  void reset_batch_norm() {
    m_norm = BatchNorm<Scalar>(m_units, m_l);  // values only: gamma, beta stay in the store
    b().setZero();
    db().setZero();
  }
  /// The batch-normalisation part: gamma, beta, their gradients, running statistics.
  /// \throws StateError if the layer has no batch normalisation
  BatchNorm<Scalar>& batch_norm() {
    require_batch_norm();
    return m_norm;
  }
  /// The batch-normalisation part.
  /// \throws StateError if the layer has no batch normalisation
  const BatchNorm<Scalar>& batch_norm() const {
    require_batch_norm();
    return m_norm;
  }
  /// What g[l] is applied to: Z_tilde with batch normalisation, Z without.
  View pre_activation() const { return m_has_batch_norm ? m_norm.Z_tilde() : Z(); }

  /// The probability of keeping each unit while training; 1 (the default) means no dropout.
  double keep_prob() const noexcept { return m_dropout.keep_prob(); }
  /// Sets keep_prob for inverted dropout.
  /// \throws ConfigError unless 0 < keep_prob <= 1
  void set_keep_prob(double keep_prob) {
    if (!(keep_prob > 0.0 && keep_prob <= 1.0)) {
      throw ConfigError("layer " + std::to_string(m_l) + ": keep_prob must be in (0, 1], got " +
                        detail::number_string(keep_prob));
    }
    m_dropout.set_keep_prob(keep_prob);
  }
  /// D[l], the dropout mask of the last training batch, n[l] x m (1 kept, 0 dropped).
  View D() const { return m_dropout.D(); }

  /// The bytes a layer of n[l] = `units` units and n[l-1] = `inputs` inputs allocates when it
  /// is built: W and dW (n[l] x n[l-1] each), b and db, and the 11 vectors of n[l] that batch
  /// normalisation keeps (allocated whether or not it is on): 2 n[l] n[l-1] + 13 n[l] scalars,
  /// saturated at 2^64 - 1. The memory limit is checked against it before anything is allocated.
  static std::uint64_t parameter_bytes(Index inputs, Index units) noexcept {
    using detail::count_of;
    const std::uint64_t W = detail::saturating_mul(count_of(units), count_of(inputs));
    const std::uint64_t entries = detail::saturating_add(
        detail::saturating_mul(2, W), detail::saturating_mul(13, count_of(units)));
    return detail::saturating_mul(entries, sizeof(Scalar));
  }

  /// The number of n[l] x m caches a training pass fills: Z, A, dZ and dA; Z_norm, Z_tilde and
  /// dZ_tilde with batch normalisation; the mask D with dropout.
  Index cache_count() const noexcept {
    return 4 + (m_has_batch_norm ? 3 : 0) + (m_dropout.active() ? 1 : 0);
  }

  /// The bytes of the caches for m examples: cache_count() x n[l] x m scalars, saturated at
  /// 2^64 - 1.
  std::uint64_t cache_bytes(Index m) const noexcept {
    using detail::count_of;
    const std::uint64_t entries = detail::saturating_mul(
        count_of(cache_count()), detail::saturating_mul(count_of(m_units), count_of(m)));
    return detail::saturating_mul(entries, sizeof(Scalar));
  }

  /// The number of trainable scalars, those an optimizer keeps state for: W and b, or W, gamma
  /// and beta with batch normalisation.
  std::uint64_t trainable_count() const noexcept {
    using detail::count_of;
    return detail::saturating_add(
        detail::saturating_mul(count_of(m_units), count_of(m_inputs)),
        detail::saturating_mul(count_of(m_units), m_has_batch_norm ? 2 : 1));
  }

  /// Calls `visit(name, theta, dtheta)` for every trainable parameter and its gradient, as
  /// writable n x k views: "W" and "b", or "W", "gamma" and "beta" with batch normalisation.
  /// Optimizers, the gradient check and the file formats all walk the parameters this way.
  template <class Visitor>
  void for_each_parameter(Visitor&& visit) {
    visit("W", span_of(W()), span_of(dW()));
    if (m_has_batch_norm) {
      visit("gamma", span_of(m_norm.gamma()), span_of(m_norm.dgamma()));
      visit("beta", span_of(m_norm.beta()), span_of(m_norm.dbeta()));
    } else {
      visit("b", span_of(b()), span_of(db()));
    }
  }

  /// The same walk over read-only views.
  template <class Visitor>
  void for_each_parameter(Visitor&& visit) const {
    visit("W", view_of(W()), view_of(dW()));
    if (m_has_batch_norm) {
      visit("gamma", view_of(m_norm.gamma()), view_of(m_norm.dgamma()));
      visit("beta", view_of(m_norm.beta()), view_of(m_norm.dbeta()));
    } else {
      visit("b", view_of(b()), view_of(db()));
    }
  }

  /// Calls `visit(symbol, value, gradient, trainable)` for every tensor the layer keeps
  /// between steps: the trainable parameters as in `for_each_parameter`, then, with batch
  /// normalisation, the buffers "running_mean" and "running_var" (trainable false; their
  /// gradient view is 0 x 0). The parameter registry (parameters.hpp) is built from it.
  template <class Visitor>
  void for_each_tensor(Visitor&& visit) {
    for_each_parameter(
        [&](const char* symbol, Span theta, Span dtheta) { visit(symbol, theta, dtheta, true); });
    if (m_has_batch_norm) {
      const Span none(nullptr, 0, 0);
      visit("running_mean", span_of(m_norm.running_mean()), none, false);
      visit("running_var", span_of(m_norm.running_var()), none, false);
    }
  }

  /// Moves W, b, gamma, beta to their places in `values` and dW, db, dgamma, dbeta to the same
  /// places in `gradients`, copying their values there: `slots` are the store's slots of W,
  /// b, gamma and beta (DeepNet calls it when it builds or copies its parameter store).
  void attach(Scalar* values, Scalar* gradients, const ParameterSlot* const (&slots)[4]) {
    const auto place = [&](auto& tensor, Scalar* buffer, const ParameterSlot* slot) {
      tensor.attach(buffer + slot->offset, slot->rows, slot->cols);
    };
    place(W(), values, slots[0]);
    place(dW(), gradients, slots[0]);
    place(b(), values, slots[1]);
    place(db(), gradients, slots[1]);
    place(m_norm.gamma(), values, slots[2]);
    place(m_norm.dgamma(), gradients, slots[2]);
    place(m_norm.beta(), values, slots[3]);
    place(m_norm.dbeta(), gradients, slots[3]);
  }

  /// Moves the places of W, b, gamma and beta to the same slots of another value buffer that
  /// already holds their values (ParameterStore::swap_values); nothing is copied.
  void move_values(Scalar* values, const ParameterSlot* const (&slots)[4]) noexcept {
    W().move_home(values + slots[0]->offset);
    b().move_home(values + slots[1]->offset);
    m_norm.gamma().move_home(values + slots[2]->offset);
    m_norm.beta().move_home(values + slots[3]->offset);
  }

  /// Copies the parameters, batch-normalisation state and keep_prob of a layer of the same
  /// shape with another scalar type (no caches, no gradients).
  template <class Other>
  void assign_parameters(const Layer<Other>& other) {
    set_batch_norm(other.has_batch_norm());  // first: it resets b
    W() = other.W().template cast<Scalar>();
    b() = other.b().template cast<Scalar>();
    if (other.has_batch_norm()) {
      const BatchNorm<Other>& from = other.batch_norm();
      m_norm.gamma() = from.gamma().template cast<Scalar>();
      m_norm.beta() = from.beta().template cast<Scalar>();
      m_norm.running_mean() = from.running_mean().template cast<Scalar>();
      m_norm.running_var() = from.running_var().template cast<Scalar>();
    }
    m_dropout.set_keep_prob(other.keep_prob());
  }

  /// Training forward pass: Z[l] = W[l] A[l-1] + b[l] (or batch normalisation), A[l] = g[l],
  /// then dropout when keep_prob < 1 and `random` is given; caches everything.
  /// \param A_prev A[l-1], n[l-1] x m
  /// \param random the generator of the dropout masks (nullptr: no dropout)
  /// \return true when every entry of Z[l] is finite (checked on the way, see below)
  /// \throws ShapeError if A_prev does not have n[l-1] rows or W, b, dW, db lost their shapes
  bool forward(const Input& A_prev, detail::GemmWorkspace<Scalar>& workspace,
               Random* random = nullptr) {
    check_input(A_prev, "Layer::forward");
    resize_batch(A_prev.cols());
    // Z[l] = W[l] A[l-1]   (n[l] x n[l-1] times n[l-1] x m)
    m_linear.forward_product(A_prev, span(m_Z), workspace);
    bool finite = true;
    if (m_has_batch_norm) {
      finite = detail::all_finite(view(m_Z));
      // Z_tilde = gamma (Z - mu) / sqrt(var + eps) + beta, A = g(Z_tilde)
      m_norm_passes->forward(m_norm, view(m_Z));
      activate_into<Scalar>(m_activation, m_norm.Z_tilde(), span(m_A));
    } else {
      // Z[l] += b[l] (every column), A[l] = g[l](Z[l]) and the finiteness of Z: one pass
      finite =
          detail::activate_columns<Scalar>(m_activation, span(m_Z), span(m_A), b().data(), true);
    }
    if (m_dropout.active() && random != nullptr) m_dropout.forward(span(m_A), *random);
    return finite;
  }

  /// Prediction's forward pass into storage of the caller's, leaving the caches alone: no
  /// dropout, and batch normalisation with the running statistics. Z and A are n[l] x m.
  /// \return true when every entry of Z is finite
  /// \throws ShapeError as forward, or if Z or A is not n[l] x m
  bool forward_into(const Input& A_prev, Span Z, Span A,
                    detail::GemmWorkspace<Scalar>& workspace) const {
    check_input(A_prev, "Layer::forward_into");
    detail::expect_shape(Z, "Layer::forward_into", m_l, "Z", m_units, A_prev.cols(),
                         [] { return std::string("n[l] x m"); });
    detail::expect_shape(A, "Layer::forward_into", m_l, "A", m_units, A_prev.cols(),
                         [] { return detail::the_shape_of("Z"); });
    m_linear.forward_product(A_prev, Z, workspace);
    if (m_has_batch_norm) {
      // The normalised Z, which overwrote Z, is what is checked.
      m_norm_passes->forward_inference(m_norm, Z);
      activate_into<Scalar>(m_activation, View(Z.data(), Z.rows(), Z.cols()), A);
      return detail::all_finite(Z);
    }
    return detail::activate_columns<Scalar>(m_activation, Z, A, b().data(), true);
  }

  /// The output layer's start of backpropagation: dA[L] and dL/d(pre-activation) from the loss
  /// (the fused A - Y where it applies), then batch normalisation's backward pass if any.
  /// \param fill_dA false: where the gradient is fused, dA[L] is not computed (it keeps
  ///        whatever it held); the training loop, which never reads it, passes false
  void backward_output(Loss loss, const Eigen::Ref<const Matrix>& Y, bool fill_dA = true) {
    detail::output_gradient<Scalar>(loss, m_activation, pre_activation(), A(), Y, span(m_dA),
                                    pre_activation_gradient(), fill_dA);
    if (m_has_batch_norm) m_norm_passes->backward(m_norm, span(m_dZ));
  }

  /// A hidden layer's dZ[l] from dA[l]: the dropout mask on dA first, then
  /// dZ[l] = dA[l] * g'[l](Z[l]) element by element (through batch normalisation if any).
  void backward_activation() {
    if (m_dropout.active()) {
      m_dropout.backward(span(m_dA));
      // A holds the dropped-out activations, so g' is computed from the pre-activation.
      activation_backward_from_Z<Scalar>(m_activation, pre_activation(), view(m_dA),
                                         pre_activation_gradient());
    } else {
      activation_backward<Scalar>(m_activation, pre_activation(), A(), view(m_dA),
                                  pre_activation_gradient());
    }
    if (m_has_batch_norm) m_norm_passes->backward(m_norm, span(m_dZ));
  }

  /// The parameter gradients from dZ[l], and dA[l-1] for the layer below:
  ///   dW[l] = (1/m) dZ[l] A[l-1]^T + (lambda/m) W[l],  db[l] = (1/m) sum_i dZ[l](:, i),
  ///   dA[l-1] = W[l]^T dZ[l].
  /// \param A_prev  A[l-1] of the forward pass, n[l-1] x m
  /// \param dA_prev where dA[l-1] goes (n[l-1] x m), or nullptr for layer 1, which needs none
  /// \param lambda  the L2 regularisation strength (0: none)
  /// \param A_prev_T nullptr, or A[l-1]^T (m x n[l-1]) with the values of A_prev: dW[l] is then
  ///         computed from it. Eigen's kernel packs a transposed operand stored by rows much
  ///         more slowly, so full-batch training keeps X^T for layer 1 (1.5x on dW[1] of the
  ///         course's 12288 x 209 inputs).
  /// \throws ShapeError if A_prev or dA_prev is not n[l-1] x m, A_prev_T not m x n[l-1], or
  ///         W, b, dW, db lost their shapes
  void backward_parameters(const Input& A_prev, Span* dA_prev,
                           detail::GemmWorkspace<Scalar>& workspace, double lambda = 0.0,
                           const Matrix* A_prev_T = nullptr) {
    check_input(A_prev, "Layer::backward");
    detail::expect_shape(A_prev, "Layer::backward", m_l, "A[l-1]", m_inputs, m_m,
                         [] { return std::string("the shape of the forward pass's input"); });
    if (dA_prev != nullptr) {
      detail::expect_shape(*dA_prev, "Layer::backward", m_l, "dA[l-1]", m_inputs, m_m,
                           [] { return detail::the_shape_of("A[l-1]"); });
    }
    if (A_prev_T != nullptr) {
      detail::expect_shape(*A_prev_T, "Layer::backward", m_l, "A[l-1]^T", m_m, m_inputs,
                           [] { return std::string("m x n[l-1]"); });
    }
    // dW[l] = (1/m) dZ[l] A[l-1]^T (+ (lambda/m) W[l]), db[l] = (1/m) dZ[l] 1 (b[l] is unused
    // under batch normalisation: gamma and beta have their gradients from its backward pass),
    // dA[l-1] = W[l]^T dZ[l]
    m_linear.backward(A_prev, view(m_dZ), dA_prev, workspace, lambda, A_prev_T, !m_has_batch_norm);
  }

  /// Makes room for m examples in the caches now (Z, A, dZ, dA, batch normalisation's and the
  /// dropout mask), so that passes over up to m examples allocate nothing later: data-parallel
  /// training, whose processes get parts of a batch that differ in size from step to step.
  void reserve(Index m) {
    const Index used = m_m;
    resize_batch(m);
    m_m = used;
    if (m_has_batch_norm) m_norm.reserve(m);
    if (m_dropout.active()) m_dropout.reserve(m);
  }

 private:
  void check_input(const Input& A_prev, const char* where) const {
    check_parameter_shapes(*this, m_l, where);
    if (A_prev.rows() != m_inputs) {
      throw ShapeError(std::string(where) + ": layer " + std::to_string(m_l), m_l, "A[l-1]",
                       A_prev.rows(), A_prev.cols(), m_inputs, A_prev.cols(),
                       "n[l-1] = " + std::to_string(m_inputs) + " rows");
    }
  }

  void require_batch_norm() const {
    if (!m_has_batch_norm) {
      throw StateError("layer " + std::to_string(m_l) +
                       " has no batch normalisation: turn it on with set_batch_norm first");
    }
  }

  /// Makes room for m examples in Z, A, dZ, dA. Allocates only when m exceeds every earlier m.
  void resize_batch(Index m) {
    if (m > m_Z.cols()) {
      m_Z.resize(m_units, m);
      m_A.resize(m_units, m);
      m_dZ.resize(m_units, m);
      m_dA.resize(m_units, m);
    }
    m_m = m;
  }

  // Where dL/d(pre-activation) goes: dZ_tilde under batch normalisation, dZ otherwise.
  Span pre_activation_gradient() { return m_has_batch_norm ? m_norm.dZ_tilde() : span(m_dZ); }

  View view(const Matrix& storage) const { return View(storage.data(), m_units, m_m); }
  Span span(Matrix& storage) { return Span(storage.data(), m_units, m_m); }
  template <class Dense>
  static Span span_of(Dense& M) {
    return Span(M.data(), M.rows(), M.cols());
  }
  template <class Dense>
  static View view_of(const Dense& M) {
    return View(M.data(), M.rows(), M.cols());
  }

  Index m_l;
  Index m_inputs;
  Index m_units;
  Activation m_activation;
  // In the network's parameter store (or storage of their own for a layer built alone).
  Linear<Scalar> m_linear;  // W[l], b[l], dW[l], db[l]: the linear part
  // Caches of the forward and backward passes; their column count is a capacity, m_m is used.
  Matrix m_Z, m_A, m_dZ, m_dA;
  Index m_m = 0;
  bool m_has_batch_norm = false;
  BatchNorm<Scalar> m_norm;
  const detail::BatchNormPasses<Scalar>* m_norm_passes = nullptr;  // set with m_has_batch_norm
  Dropout<Scalar> m_dropout;
};

}  // namespace deepnet

#endif  // DEEPNET_CORE_LAYER_HPP
