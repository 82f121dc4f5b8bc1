/// \file layer.hpp
/// One layer l of the network: it owns its parameters W[l], b[l], caches Z[l], A[l] in the
/// forward pass (the backward pass needs them), and holds dZ[l], dA[l], dW[l], db[l] after
/// the backward pass. These are the building blocks of the notes: forward takes A[l-1] and
/// gives A[l]; backward takes dA[l] and gives dW[l], db[l] and dA[l-1].
#ifndef DEEPNET_LAYER_HPP
#define DEEPNET_LAYER_HPP

#include "activation.hpp"
#include "config.hpp"
#include "detail/gemm.hpp"
#include "errors.hpp"
#include "shape_check.hpp"

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

  /// Layer l with `units` = n[l] units and `inputs` = n[l-1] inputs; W and b start at zero.
  /// (l only names the layer in messages.)
  Layer(Index inputs, Index units, Activation activation, Index l = 1)
      : m_l(l),
        m_inputs(inputs),
        m_units(units),
        m_activation(activation),
        m_W(Matrix::Zero(units, inputs)),
        m_b(Vector::Zero(units)),
        m_dW(Matrix::Zero(units, inputs)),
        m_db(Vector::Zero(units)) {}

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
  Matrix& W() noexcept { return m_W; }
  /// W[l], n[l] x n[l-1].
  const Matrix& W() const noexcept { return m_W; }
  /// b[l], n[l] x 1.
  Vector& b() noexcept { return m_b; }
  /// b[l], n[l] x 1.
  const Vector& b() const noexcept { return m_b; }

  /// Z[l] = W[l] A[l-1] + b[l] of the last forward pass, n[l] x m.
  View Z() const { return view(m_Z); }
  /// A[l] = g[l](Z[l]) of the last forward pass, n[l] x m.
  View A() const { return view(m_A); }
  /// dZ[l] = dA[l] * g'[l](Z[l]) of the last backward pass, n[l] x m.
  View dZ() const { return view(m_dZ); }
  /// dA[l] = dL/dA[l] of the last backward pass, n[l] x m (m times dJ/dA[l]).
  View dA() const { return view(m_dA); }
  /// Writable dA[l]: the layer above writes W[l+1]^T dZ[l+1] here.
  Span dA() { return span(m_dA); }
  /// Writable dZ[l]: the loss writes dZ[L] here.
  Span dZ() { return span(m_dZ); }

  /// dW[l] = (1/m) dZ[l] A[l-1]^T, n[l] x n[l-1].
  Matrix& dW() noexcept { return m_dW; }
  /// dW[l], n[l] x n[l-1].
  const Matrix& dW() const noexcept { return m_dW; }
  /// db[l] = (1/m) sum over the examples of dZ[l], n[l] x 1.
  Vector& db() noexcept { return m_db; }
  /// db[l], n[l] x 1.
  const Vector& db() const noexcept { return m_db; }

  /// Forward pass: Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l]); caches both.
  /// \param A_prev A[l-1], n[l-1] x m
  /// \throws ShapeError if A_prev does not have n[l-1] rows or W, b, dW, db lost their shapes
  void forward(const Input& A_prev, detail::GemmWorkspace<Scalar>& workspace) {
    check_input(A_prev, "Layer::forward");
    resize_batch(A_prev.cols());
    forward_into(A_prev, span(m_Z), span(m_A), workspace);
  }

  /// The same forward pass into storage of the caller's (prediction, which leaves the caches
  /// alone). Z and A are n[l] x m.
  /// \throws ShapeError as forward, or if Z or A is not n[l] x m
  void forward_into(const Input& A_prev, Span Z, Span A,
                    detail::GemmWorkspace<Scalar>& workspace) const {
    check_input(A_prev, "Layer::forward_into");
    detail::expect_shape(Z, "Layer::forward_into", m_l, "Z", m_units, A_prev.cols(),
                         [] { return std::string("n[l] x m"); });
    detail::expect_shape(A, "Layer::forward_into", m_l, "A", m_units, A_prev.cols(),
                         [] { return detail::the_shape_of("Z"); });
    // Z[l] = W[l] A[l-1]   (n[l] x n[l-1] times n[l-1] x m)
    detail::multiply<false, false, Scalar>(Z, m_W, A_prev, Scalar(1), workspace);
    // Z[l] += b[l] (every column), A[l] = g[l](Z[l]): one pass over Z
    add_bias_and_activate<Scalar>(m_activation, m_b, Z, A);
  }

  /// dZ[l] = dA[l] * g'[l](Z[l]), element by element (for hidden layers; the output layer's
  /// dZ comes from the loss).
  void backward_activation() {
    activation_backward<Scalar>(m_activation, Z(), A(), view(m_dA), span(m_dZ));
  }

  /// The parameter gradients from dZ[l], and dA[l-1] for the layer below:
  ///   dW[l] = (1/m) dZ[l] A[l-1]^T,  db[l] = (1/m) sum_i dZ[l](:, i),  dA[l-1] = W[l]^T dZ[l].
  /// \param A_prev  A[l-1] of the forward pass, n[l-1] x m
  /// \param dA_prev where dA[l-1] goes (n[l-1] x m), or nullptr for layer 1, which needs none
  /// \throws ShapeError if A_prev or dA_prev is not n[l-1] x m, or W, b, dW, db lost their
  ///         shapes
  void backward_parameters(const Input& A_prev, Span* dA_prev,
                           detail::GemmWorkspace<Scalar>& workspace) {
    check_input(A_prev, "Layer::backward");
    detail::expect_shape(A_prev, "Layer::backward", m_l, "A[l-1]", m_inputs, m_m,
                         [] { return std::string("the shape of the forward pass's input"); });
    if (dA_prev != nullptr) {
      detail::expect_shape(*dA_prev, "Layer::backward", m_l, "dA[l-1]", m_inputs, m_m,
                           [] { return detail::the_shape_of("A[l-1]"); });
    }
    const Scalar inv_m = Scalar(1) / static_cast<Scalar>(m_m);
    const View dZ_l = view(m_dZ);
    // dW[l] = (1/m) dZ[l] A[l-1]^T   (n[l] x m times m x n[l-1])
    detail::multiply<false, true, Scalar>(Span(m_dW.data(), m_units, m_inputs), dZ_l, A_prev, inv_m,
                                          workspace);
    // db[l] = (1/m) dZ[l] 1: the sum over the m examples, because b[l] was added to every column
    m_db.noalias() = dZ_l.rowwise().sum() * inv_m;
    // dA[l-1] = W[l]^T dZ[l]   (n[l-1] x n[l] times n[l] x m)
    if (dA_prev != nullptr) {
      detail::multiply<true, false, Scalar>(*dA_prev, m_W, dZ_l, Scalar(1), workspace);
    }
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

  View view(const Matrix& storage) const { return View(storage.data(), m_units, m_m); }
  Span span(Matrix& storage) { return Span(storage.data(), m_units, m_m); }

  Index m_l;
  Index m_inputs;
  Index m_units;
  Activation m_activation;
  Matrix m_W;
  Vector m_b;
  Matrix m_dW;
  Vector m_db;
  // Caches of the forward and backward passes; their column count is a capacity, m_m is used.
  Matrix m_Z, m_A, m_dZ, m_dA;
  Index m_m = 0;
};

}  // namespace deepnet

#endif  // DEEPNET_LAYER_HPP
