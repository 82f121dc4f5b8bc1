/// \file detail/gemm.hpp
/// Matrix products into preallocated storage that do not touch the heap.
///
/// `C.noalias() = A * B` already writes straight into C, but for products larger than about
/// 128 KiB of packed operands Eigen allocates its packing buffers on every call. The training
/// loop runs the same products thousands of times, so deepnet keeps those buffers in a
/// `GemmWorkspace` and hands them to Eigen's blocked product kernel. Small products and
/// matrix-vector products (m = 1) never allocate and go through the ordinary expression.
#ifndef DEEPNET_DETAIL_GEMM_HPP
#define DEEPNET_DETAIL_GEMM_HPP

#include "../config.hpp"

#include <algorithm>

namespace deepnet {
namespace detail {

/// The packing buffers of Eigen's blocked matrix product, kept from one call to the next.
/// A copy starts with empty buffers of its own.
template <class Scalar>
class GemmWorkspace : public Eigen::internal::level3_blocking<Scalar, Scalar> {
 public:
  GemmWorkspace() = default;
  GemmWorkspace(const GemmWorkspace&) : GemmWorkspace() {}
  GemmWorkspace& operator=(const GemmWorkspace&) { return *this; }

  /// Chooses Eigen's block sizes for a (rows x depth) times (depth x cols) product and makes
  /// sure the buffers can hold the packed blocks; allocates only when they must grow.
  void prepare(Index rows, Index cols, Index depth) {
    Index kc = depth;
    Index mc = rows;
    Index nc = cols;
    Eigen::internal::computeProductBlockingSizes<Scalar, Scalar, 1, Index>(kc, mc, nc, Index(1));
    this->m_kc = kc;
    this->m_mc = mc;
    this->m_nc = nc;
    grow(m_packed_lhs, kc * mc);
    grow(m_packed_rhs, kc * nc);
    this->m_blockA = m_packed_lhs.data();
    this->m_blockB = m_packed_rhs.data();
  }

 private:
  static void grow(Vector<Scalar>& buffer, Index size) {
    if (buffer.size() < size) buffer.resize(size);
  }

  Vector<Scalar> m_packed_lhs;
  Vector<Scalar> m_packed_rhs;
};

/// C = alpha * op(A) * op(B), where op(M) is M or M^T, for column-major operands.
/// Writes every entry of C; never allocates once `workspace` has grown to the product's size
/// (unless Eigen runs its product on several OpenMP threads, which allocate their own buffers).
template <bool TransposeA, bool TransposeB, class Scalar>
void multiply(MatrixSpan<Scalar> C, const Eigen::Ref<const Matrix<Scalar>>& A,
              const Eigen::Ref<const Matrix<Scalar>>& B, Scalar alpha,
              GemmWorkspace<Scalar>& workspace) {
  const Index rows = TransposeA ? A.cols() : A.rows();
  const Index depth = TransposeA ? A.rows() : A.cols();
  const Index cols = TransposeB ? B.rows() : B.cols();
  DEEPNET_ASSERT(
      C.rows() == rows && C.cols() == cols && (TransposeB ? B.cols() : B.rows()) == depth,
      "multiply: operand shapes do not match");
  if (rows == 0 || cols == 0) return;
  if (depth == 0) {
    C.setZero();
    return;
  }

  bool use_expression = rows == 1 || cols == 1 || rows + cols + depth < 20;
#ifdef EIGEN_HAS_OPENMP
  use_expression = use_expression || Eigen::nbThreads() > 1;
#endif
  if (use_expression) {
    // Matrix-vector and tiny products: Eigen's own kernels, which work on the stack. (alpha
    // is applied afterwards: inside the product it would make Eigen copy the operand.)
    if constexpr (TransposeA && TransposeB) {
      C.noalias() = A.transpose() * B.transpose();
    } else if constexpr (TransposeA) {
      C.noalias() = A.transpose() * B;
    } else if constexpr (TransposeB) {
      C.noalias() = A * B.transpose();
    } else {
      C.noalias() = A * B;
    }
    if (alpha != Scalar(1)) C *= alpha;
    return;
  }

  // Eigen's blocked kernel accumulates C += alpha op(A) op(B). A transposed column-major
  // operand is the same memory read as row-major, so no transpose is ever copied.
  C.setZero();
  workspace.prepare(rows, cols, depth);
  using Product = Eigen::internal::general_matrix_matrix_product<
      Index, Scalar, TransposeA ? Eigen::RowMajor : Eigen::ColMajor, false, Scalar,
      TransposeB ? Eigen::RowMajor : Eigen::ColMajor, false, Eigen::ColMajor, 1>;
  Product::run(rows, cols, depth, A.data(), A.outerStride(), B.data(), B.outerStride(), C.data(), 1,
               C.outerStride(), alpha, workspace, nullptr);
}

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_DETAIL_GEMM_HPP
