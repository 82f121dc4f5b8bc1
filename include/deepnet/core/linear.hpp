/// \file core/linear.hpp
/// `Linear<Scalar>`: the linear part of a layer, the course's linear_forward and
/// linear_backward. It owns W, b, dW and db:
///
///   Z = W A_prev + b,   dW = (1/m) dZ A_prev^T (+ (lambda/m) W),   db = (1/m) sum_i dZ(:, i),
///   dA_prev = W^T dZ.
///
/// DeepNet's `Layer` and the `modules::Dense` module both hold one, so these formulas and the
/// tensors' names live here once. It has no virtual function: a program that includes
/// `<deepnet/core.hpp>` compiles no module's table of virtual functions (modules/dense.hpp adds
/// those around it).
#ifndef DEEPNET_CORE_LINEAR_HPP
#define DEEPNET_CORE_LINEAR_HPP

#include "../config.hpp"
#include "../detail/gemm.hpp"
#include "parameter_store.hpp"

namespace deepnet {

/// Whether a linear part adds a bias b.
enum class Bias {
  With,    ///< Z = W A_prev + b
  Without  ///< Z = W A_prev: before batch normalisation, whose beta takes b's place
};

/// W (n x n_prev), b (n x 1, or 0 x 1 without bias) and their gradients, in storage of their
/// own until a network moves them to its parameter store (`ParameterTensor::attach`).
template <class Scalar>
class Linear {
 public:
  using Matrix = deepnet::Matrix<Scalar>;   ///< the shape of W, dW
  using Vector = deepnet::Vector<Scalar>;   ///< the shape of b, db
  using View = MatrixView<Scalar>;          ///< a read-only n x m view
  using Span = MatrixSpan<Scalar>;          ///< a writable n x m view
  using Input = Eigen::Ref<const Matrix>;   ///< A_prev: a matrix, a view or a column block
  using Weights = ParameterTensor<Matrix>;  ///< W, dW
  using Biases = ParameterTensor<Vector>;   ///< b, db

  /// `units` = n outputs of `inputs` = n_prev inputs each; W and b start at zero. l names the
  /// tensors in messages ("layer l: W ...").
  Linear(Index inputs, Index units, Bias bias = Bias::With, Index l = 0)
      : m_bias(bias),
        m_W(units, inputs, "W", l),
        m_b(bias == Bias::With ? units : 0, 1, "b", l),
        m_dW(units, inputs, "dW", l),
        m_db(m_b.rows(), 1, "db", l) {}

  /// True when Z has the term b.
  bool has_bias() const noexcept { return m_bias == Bias::With; }

  /// W, n x n_prev: row i holds the weights of output i.
  Weights& W() noexcept { return m_W; }
  /// W.
  const Weights& W() const noexcept { return m_W; }
  /// b, n x 1 (0 x 1 without bias).
  Biases& b() noexcept { return m_b; }
  /// b.
  const Biases& b() const noexcept { return m_b; }
  /// dW of the last backward pass, n x n_prev.
  Weights& dW() noexcept { return m_dW; }
  /// dW.
  const Weights& dW() const noexcept { return m_dW; }
  /// db of the last backward pass, n x 1.
  Biases& db() noexcept { return m_db; }
  /// db.
  const Biases& db() const noexcept { return m_db; }

  /// Z = W A_prev, without b: DeepNet's layer adds b in its activation pass (one pass over Z
  /// for b, g and the finiteness check), a Dense module with `add_bias`.
  void forward_product(const Input& A_prev, Span Z,
                       detail::GemmWorkspace<Scalar>& workspace) const {
    // (n x n_prev) times (n_prev x m)
    detail::multiply<false, false, Scalar>(Z, m_W, A_prev, Scalar(1), workspace);
  }

  /// Z += b in every column (nothing without bias).
  void add_bias(Span Z) const {
    if (has_bias()) Z.colwise() += m_b;
  }

  /// The backward pass from dZ, n x m:
  ///   dW = (1/m) dZ A_prev^T + (lambda/m) W,  db = (1/m) sum_i dZ(:, i)  (when `with_db`),
  ///   dA_prev = W^T dZ  (when dA_prev is not nullptr).
  /// \param A_prev_T nullptr, or A_prev^T (m x n_prev) with A_prev's values: dW is then
  ///        computed from it (Eigen's kernel packs a transposed operand stored by rows much
  ///        more slowly)
  /// \param with_db false where b is not used (a layer under batch normalisation)
  /// The caller checks the shapes; this is the arithmetic.
  void backward(const Input& A_prev, View dZ, Span* dA_prev,
                detail::GemmWorkspace<Scalar>& workspace, double lambda = 0.0,
                const Matrix* A_prev_T = nullptr, bool with_db = true) {
    const Scalar inv_m = Scalar(1) / static_cast<Scalar>(dZ.cols());
    Span dW(m_dW.data(), m_dW.rows(), m_dW.cols());
    // With L2 the product starts from (lambda/m) W, the derivative of (lambda/2m) ||W||^2,
    // written where the kernel would have written zeros: no pass of its own over dW.
    const bool l2 = lambda != 0.0;
    if (l2) m_dW.noalias() = (static_cast<Scalar>(lambda) * inv_m) * m_W;
    if (A_prev_T != nullptr) {
      detail::multiply<false, false, Scalar>(dW, dZ, *A_prev_T, inv_m, workspace, l2);
    } else {
      detail::multiply<false, true, Scalar>(dW, dZ, A_prev, inv_m, workspace, l2);
    }
    // db = (1/m) dZ 1: the sum over the m examples, because b was added to every column
    if (with_db && has_bias()) m_db.noalias() = dZ.rowwise().sum() * inv_m;
    // dA_prev = W^T dZ   (n_prev x n times n x m)
    if (dA_prev != nullptr) {
      detail::multiply<true, false, Scalar>(*dA_prev, m_W, dZ, Scalar(1), workspace);
    }
  }

 private:
  Bias m_bias;
  // In the network's parameter store (or storage of their own, alone or copied).
  Weights m_W;
  Biases m_b;
  Weights m_dW;
  Biases m_db;
};

}  // namespace deepnet

#endif  // DEEPNET_CORE_LINEAR_HPP
