// The products of a training step split over two OpenMP threads (detail/gemm.hpp): each block
// of C equals the product computed on one thread, every transpose and both ways of splitting;
// the same thread count gives the same bits; a training step still allocates nothing after the
// first. Built only when CMake finds OpenMP; it runs its products on two threads whatever
// OMP_NUM_THREADS says, so it means something on any machine with OpenMP, even one core.
#include "support/test_support.hpp"

#include "support/minibatch.hpp"
#include "support/no_malloc.hpp"

#include <deepnet/core/deep_net.hpp>
#include <deepnet/detail/gemm.hpp>
#include <deepnet/training/trainer.hpp>

#ifndef EIGEN_HAS_OPENMP
#error "test_threads must be built with OpenMP"
#endif
#ifndef EIGEN_RUNTIME_NO_MALLOC
#error "test_threads must be built with EIGEN_RUNTIME_NO_MALLOC"
#endif

using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::Index;
using deepnet::Init;
using deepnet::Matrix;

namespace {

// Restores one Eigen thread when a test case ends, whatever it set.
struct OneThreadAfter {
  ~OneThreadAfter() { Eigen::setNbThreads(1); }
};

// C = alpha op(A) op(B) (+ C0 with accumulate) by deepnet's multiply on `threads` threads.
template <bool TA, bool TB>
Matrix<float> product(const Matrix<float>& A, const Matrix<float>& B, float alpha,
                      const Matrix<float>& C0, bool accumulate, int threads,
                      deepnet::detail::GemmWorkspace<float>& workspace) {
  Eigen::setNbThreads(threads);
  Matrix<float> C = C0;
  deepnet::detail::multiply<TA, TB, float>(deepnet::MatrixSpan<float>(C.data(), C.rows(), C.cols()),
                                           A, B, alpha, workspace, accumulate);
  return C;
}

template <bool TA, bool TB>
void check_split(Index rows, Index cols, Index depth, bool accumulate) {
  CAPTURE(TA, TB, rows, cols, depth, accumulate);
  const Matrix<float> A = Matrix<float>::Random(TA ? depth : rows, TA ? rows : depth);
  const Matrix<float> B = Matrix<float>::Random(TB ? cols : depth, TB ? depth : cols);
  const Matrix<float> C0 = Matrix<float>::Random(rows, cols);
  const float alpha = 0.375f;
  // The split must happen for this shape, or the test would compare one thread with itself.
  Eigen::setNbThreads(2);
  REQUIRE(deepnet::detail::product_threads(rows, cols, depth) == 2);

  // The reference: the plain product in double.
  const Matrix<double> opA = TA ? Matrix<double>(A.cast<double>().transpose()) : A.cast<double>();
  const Matrix<double> opB = TB ? Matrix<double>(B.cast<double>().transpose()) : B.cast<double>();
  Matrix<double> expected = double(alpha) * (opA * opB);
  if (accumulate) expected += C0.cast<double>();

  deepnet::detail::GemmWorkspace<float> workspace;
  const Matrix<float> two = product<TA, TB>(A, B, alpha, C0, accumulate, 2, workspace);
  const Matrix<float> again = product<TA, TB>(A, B, alpha, C0, accumulate, 2, workspace);
  const Matrix<float> one = product<TA, TB>(A, B, alpha, C0, accumulate, 1, workspace);
  // float sums over `depth` terms of size up to |alpha|: a few ulps of depth * alpha.
  const double tolerance = 1e-6 * double(depth);
  CHECK((two.cast<double>() - expected).cwiseAbs().maxCoeff() < tolerance);
  CHECK((one.cast<double>() - expected).cwiseAbs().maxCoeff() < tolerance);
  CHECK(two == again);  // the same thread count, the same bits
}

}  // namespace

TEST_CASE("threads: a product split by rows or by columns equals the plain product", "[threads]") {
  OneThreadAfter restore;
  const bool accumulate = GENERATE(false, true);
  // More rows than columns: split by rows (Z[1] = W[1] A[0] of a batch of 128).
  check_split<false, false>(256, 128, 784, accumulate);
  // More columns than rows: split by columns (dW[1] = dZ[1] A[0]^T).
  check_split<false, true>(256, 784, 128, accumulate);
  // dA[l-1] = W[l]^T dZ[l], and odd sizes that are no multiple of 16.
  check_split<true, false>(256, 128, 128, accumulate);
  check_split<true, false>(97, 131, 83, accumulate);
  check_split<false, true>(45, 301, 77, accumulate);
}

TEST_CASE("threads: a small product stays on one thread", "[threads]") {
  OneThreadAfter restore;
  Eigen::setNbThreads(2);
  CHECK(deepnet::detail::product_threads(10, 128, 128) == 1);  // W[3] A[2] of the MLP
  CHECK(deepnet::detail::product_threads(256, 1, 784) == 1);   // not 32 columns per thread
  CHECK(deepnet::detail::product_threads(256, 128, 784) == 2);
  Eigen::setNbThreads(1);
  CHECK(deepnet::detail::product_threads(256, 128, 784) == 1);
}

TEST_CASE(
    "threads: training on two threads allocates nothing after the first step, and "
    "gives the same bits each time",
    "[threads][no_malloc]") {
  OneThreadAfter restore;
  const Index m = 128 * 3 + 40;
  const Matrix<float> X = Matrix<float>::Random(784, m);
  const Matrix<float> Y = deepnet_test::cyclic_one_hot<float>(10, m);
  const auto train = [&](int threads) {
    DeepNet<float> net({784, 256, 128, 10}, Activation::ReLU, Activation::Softmax);
    net.initialize(Init::He, 7);
    const auto epoch = [&] { deepnet_test::minibatch_epoch(net, X, Y, 128, 0.05); };
    Eigen::setNbThreads(threads);
    epoch();  // warm-up: caches, packing buffers, the threads' workspaces
    CHECK(deepnet_test::allocations_during(epoch, threads) == 0);
    return net;
  };
  const DeepNet<float> two = train(2);
  const DeepNet<float> again = train(2);
  const DeepNet<float> one = train(1);
  for (Index l = 1; l <= 3; ++l) {
    CAPTURE(l);
    CHECK(Matrix<float>(two.layer(l).W()) == Matrix<float>(again.layer(l).W()));
    // One thread sums some products in another order: equal to float rounding.
    CHECK(
        (Matrix<float>(two.layer(l).W()) - Matrix<float>(one.layer(l).W())).cwiseAbs().maxCoeff() <
        1e-4f);
  }
}

TEST_CASE("threads: fit on two threads allocates nothing per step", "[threads][no_malloc]") {
  OneThreadAfter restore;
  DeepNet<float> net({784, 256, 128, 10}, Activation::ReLU, Activation::Softmax);
  net.initialize(Init::He, 8);
  const Index m = 128 * 2;
  const Matrix<float> X = Matrix<float>::Random(784, m);
  const Matrix<float> Y = deepnet_test::cyclic_one_hot<float>(10, m);
  deepnet::Trainer<float> trainer(
      net, X, Y, deepnet::FitOptions().learning_rate(0.05).epochs(3).batch_size(128));
  Eigen::setNbThreads(2);
  (void)trainer.run_epoch();  // warm-up
  CHECK(deepnet_test::allocations_during([&] { (void)trainer.run_epoch(); }, 2) == 0);
}
