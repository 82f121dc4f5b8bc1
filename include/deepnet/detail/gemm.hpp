/// \file detail/gemm.hpp
/// Matrix products into preallocated storage that do not touch the heap.
///
/// `C.noalias() = A * B` already writes straight into C, but for products larger than about
/// 128 KiB of packed operands Eigen allocates its packing buffers on every call. The training
/// loop runs the same products thousands of times, so deepnet keeps those buffers in a
/// `GemmWorkspace` and hands them to Eigen's blocked product kernel; matrix-vector products
/// (m = 1) go to Eigen's GEMV kernel, which needs no buffer. Calling the kernels directly also
/// keeps compile times down: Eigen's product expression would instantiate its lazy, GEMV and
/// GEMM paths for every operand type.
///
/// This is the only file of deepnet that uses Eigen's internals
/// (`Eigen::internal::level3_blocking`, `computeProductBlockingSizes`,
/// `general_matrix_matrix_product`, `general_matrix_vector_product`, `const_blas_data_mapper`).
/// Their signatures are those of Eigen 3.4 (checked against 3.4.0, Debian 12's libeigen3-dev);
/// Eigen 3.3 differs, which is why CMake asks for Eigen 3.4.
#ifndef DEEPNET_DETAIL_GEMM_HPP
#define DEEPNET_DETAIL_GEMM_HPP

#include "../config.hpp"

#if !EIGEN_VERSION_AT_LEAST(3, 4, 0)
#error \
    "deepnet needs Eigen 3.4 or later: detail/gemm.hpp calls kernels whose signatures changed in 3.4"
#endif

#include <algorithm>
#include <vector>

namespace deepnet {
namespace detail {

/// The packing buffers of Eigen's blocked matrix product, kept from one call to the next.
/// A copy starts with empty buffers of its own. With several OpenMP threads, `multiply` splits
/// a large product into one part per thread, each with buffers of its own: `part(t)`.
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

  /// Makes room for the workspaces of `parts` threads; allocates only when there are more
  /// parts than ever before (call it outside the parallel region).
  void reserve_parts(int parts) {
    if (static_cast<int>(m_parts.size()) < parts - 1) {
      m_parts.resize(static_cast<std::size_t>(parts - 1));
    }
  }
  /// The workspace of thread t of a split product: this one for t = 0.
  GemmWorkspace& part(int t) { return t == 0 ? *this : m_parts[static_cast<std::size_t>(t - 1)]; }

 private:
  static void grow(Vector<Scalar>& buffer, Index size) {
    if (buffer.size() < size) buffer.resize(size);
  }

  Vector<Scalar> m_packed_lhs;
  Vector<Scalar> m_packed_rhs;
  std::vector<GemmWorkspace> m_parts;  // threads 1, 2, ... of a split product
};

/// Column-major (lhs stored by columns) or row-major matrix times a strided vector, through
/// Eigen's GEMV kernel directly: y = alpha * op(M) x, y contiguous.
template <bool RowMajorLhs, class Scalar>
void gemv(Index rows, Index cols, const Scalar* M, Index stride, const Scalar* x, Index x_stride,
          Scalar* y, Scalar alpha) {
  using namespace Eigen::internal;
  if constexpr (RowMajorLhs) {
    using Lhs = const_blas_data_mapper<Scalar, Index, Eigen::RowMajor>;
    using Rhs = const_blas_data_mapper<Scalar, Index, Eigen::ColMajor>;
    DEEPNET_ASSERT(x_stride == 1, "gemv: a row-major product needs a contiguous vector");
    general_matrix_vector_product<Index, Scalar, Lhs, Eigen::RowMajor, false, Scalar, Rhs,
                                  false>::run(rows, cols, Lhs(M, stride), Rhs(x, 1), y, 1, alpha);
  } else {
    using Lhs = const_blas_data_mapper<Scalar, Index, Eigen::ColMajor>;
    using Rhs = const_blas_data_mapper<Scalar, Index, Eigen::RowMajor>;
    general_matrix_vector_product<Index, Scalar, Lhs, Eigen::ColMajor, false, Scalar, Rhs,
                                  false>::run(rows, cols, Lhs(M, stride), Rhs(x, x_stride), y, 1,
                                              alpha);
  }
}

/// C = alpha op(A) op(B) (C += ... with `accumulate`) when C is one column or one row, as one
/// matrix-vector product; false (nothing done) in the rare layouts the GEMV kernel cannot
/// read, left to the GEMM kernel.
template <bool TransposeA, bool TransposeB, class Scalar>
bool multiply_vector(MatrixSpan<Scalar> C, const Eigen::Ref<const Matrix<Scalar>>& A,
                     const Eigen::Ref<const Matrix<Scalar>>& B, Scalar alpha, Index rows,
                     Index cols, Index depth, bool accumulate = false) {
  if (cols == 1) {
    // c = op(A) b, b the one column of op(B)
    const Index b_stride = TransposeB ? B.outerStride() : 1;
    if (TransposeA && b_stride != 1) return false;  // before C is touched
    if (!accumulate) C.setZero();                   // the kernel accumulates
    gemv<TransposeA, Scalar>(rows, depth, A.data(), A.outerStride(), B.data(), b_stride, C.data(),
                             alpha);
    return true;
  }
  // rows == 1: c^T = op(B)^T a^T, a the one row of op(A); C's row is contiguous.
  const Index a_stride = TransposeA ? 1 : A.outerStride();
  if (!TransposeB && a_stride != 1) return false;
  if (!accumulate) C.setZero();
  gemv<!TransposeB, Scalar>(cols, depth, B.data(), B.outerStride(), A.data(), a_stride, C.data(),
                            alpha);
  return true;
}

/// C += alpha op(A) op(B) on raw column-major storage, through Eigen's blocked kernel with
/// the packing buffers of `workspace`. op(A) is rows x depth, op(B) depth x cols.
template <bool TransposeA, bool TransposeB, class Scalar>
void gemm_kernel(Index rows, Index cols, Index depth, const Scalar* A, Index lda, const Scalar* B,
                 Index ldb, Scalar* C, Index ldc, Scalar alpha, GemmWorkspace<Scalar>& workspace) {
  // A transposed column-major operand is the same memory read as row-major, so no transpose
  // is ever copied.
  using Product = Eigen::internal::general_matrix_matrix_product<
      Index, Scalar, TransposeA ? Eigen::RowMajor : Eigen::ColMajor, false, Scalar,
      TransposeB ? Eigen::RowMajor : Eigen::ColMajor, false, Eigen::ColMajor, 1>;
  workspace.prepare(rows, cols, depth);
  Product::run(rows, cols, depth, A, lda, B, ldb, C, 1, ldc, alpha, workspace, nullptr);
}

/// How many threads `multiply` gives a rows x cols product over `depth`: Eigen::nbThreads()
/// (OMP_NUM_THREADS) for a product large enough to be worth a fork, at most one per 32 rows
/// or columns of the side it splits; 1 without OpenMP.
inline int product_threads(Index rows, Index cols, Index depth) {
#ifdef EIGEN_HAS_OPENMP
  const int threads = Eigen::nbThreads();
  // Below about 2^18 multiply-adds (a few microseconds) a fork and join costs more than it saves.
  if (threads < 2 || rows * cols * depth < (Index(1) << 18)) return 1;
  const Index split = std::max(rows, cols);
  return static_cast<int>(std::min<Index>(threads, split / 32));
#else
  (void)rows, (void)cols, (void)depth;
  return 1;
#endif
}

/// C = alpha * op(A) * op(B), where op(M) is M or M^T, for column-major operands; with
/// `accumulate`, C += alpha * op(A) * op(B) (the kernel starts from C: no pass of its own to
/// add a term that is already in C, such as L2's (lambda/m) W in dW).
/// Writes every entry of C; never allocates once `workspace` has grown to the product's size.
/// With several OpenMP threads a large product is split into one block of C per thread, each
/// computed by the same kernel with buffers of its own (`GemmWorkspace::part`): no allocation
/// after the first call either, and the same result for the same thread count. (Eigen's own
/// parallel product allocates its buffers on every call and meets its threads at a barrier
/// for each block.)
template <bool TransposeA, bool TransposeB, class Scalar>
void multiply(MatrixSpan<Scalar> C, const Eigen::Ref<const Matrix<Scalar>>& A,
              const Eigen::Ref<const Matrix<Scalar>>& B, Scalar alpha,
              GemmWorkspace<Scalar>& workspace, bool accumulate = false) {
  const Index rows = TransposeA ? A.cols() : A.rows();
  const Index depth = TransposeA ? A.rows() : A.cols();
  const Index cols = TransposeB ? B.rows() : B.cols();
  DEEPNET_ASSERT(
      C.rows() == rows && C.cols() == cols && (TransposeB ? B.cols() : B.rows()) == depth,
      "multiply: operand shapes do not match");
  if (rows == 0 || cols == 0) return;
  if (depth == 0) {
    if (!accumulate) C.setZero();
    return;
  }
  // Every product, small ones and matrix-vector ones included, goes through the one blocked
  // kernel below: a single instantiation per transpose combination and no expression
  // templates (Eigen's product expression instantiates its lazy, GEMV and GEMM paths).
  if (cols == 1 || rows == 1) {
    if (multiply_vector<TransposeA, TransposeB, Scalar>(C, A, B, alpha, rows, cols, depth,
                                                        accumulate)) {
      return;
    }
  }
  const Index lda = A.outerStride(), ldb = B.outerStride(), ldc = C.outerStride();
  const int threads = product_threads(rows, cols, depth);
  if (threads == 1) {
    // Eigen's blocked kernel accumulates C += alpha op(A) op(B).
    if (!accumulate) C.setZero();
    gemm_kernel<TransposeA, TransposeB, Scalar>(rows, cols, depth, A.data(), lda, B.data(), ldb,
                                                C.data(), ldc, alpha, workspace);
    return;
  }
  // Split the longer side of C, so that the operand every thread packs in full is the smaller
  // one: C's columns j (op(B)'s columns, B's rows when transposed), or C's rows i (op(A)'s rows).
  workspace.reserve_parts(threads);
  const bool by_columns = cols >= rows;
  const Index length = by_columns ? cols : rows;
#ifdef EIGEN_HAS_OPENMP
#pragma omp parallel for num_threads(threads) schedule(static)
#endif
  for (int t = 0; t < threads; ++t) {
    // Block boundaries on multiples of 16 (a vector register of floats), the last block to the end.
    const Index begin = (length * t / threads) / 16 * 16;
    const Index end = t + 1 == threads ? length : (length * (t + 1) / threads) / 16 * 16;
    if (end <= begin) continue;
    const Index size = end - begin;
    if (by_columns) {
      Scalar* C_part = C.data() + begin * ldc;
      if (!accumulate) MatrixSpan<Scalar>(C_part, rows, size).setZero();
      const Scalar* B_part = B.data() + (TransposeB ? begin : begin * ldb);
      gemm_kernel<TransposeA, TransposeB, Scalar>(rows, size, depth, A.data(), lda, B_part, ldb,
                                                  C_part, ldc, alpha, workspace.part(t));
    } else {
      Scalar* C_part = C.data() + begin;
      if (!accumulate) {
        Eigen::Map<Matrix<Scalar>, 0, Eigen::OuterStride<>>(C_part, size, cols,
                                                            Eigen::OuterStride<>(ldc))
            .setZero();
      }
      const Scalar* A_part = A.data() + (TransposeA ? begin * lda : begin);
      gemm_kernel<TransposeA, TransposeB, Scalar>(size, cols, depth, A_part, lda, B.data(), ldb,
                                                  C_part, ldc, alpha, workspace.part(t));
    }
  }
}

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_DETAIL_GEMM_HPP
