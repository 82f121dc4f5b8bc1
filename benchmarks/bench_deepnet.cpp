// deepnet on the workloads of workloads.hpp (W1-W3), and W4: the matrix products of each
// workload alone, computed with plain Eigen, which bound what any Eigen-based library can reach.
// Run through scripts/bench.sh; OMP_NUM_THREADS chooses the threads of an OpenMP build.
#include "synthetic_data.hpp"
#include "workloads.hpp"

#include <benchmark/benchmark.h>
#include <deepnet/deepnet.hpp>

#include <algorithm>
#include <cstdint>

namespace {

using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::FitOptions;
using deepnet::Index;
using deepnet::Init;
template <class Scalar>
using Matrix = deepnet::Matrix<Scalar>;

void report_threads(benchmark::State& state) {
  state.counters["threads"] = static_cast<double>(Eigen::nbThreads());
}

std::vector<Index> w1_dims() {
  using namespace workloads;
  return {kW1Inputs, kW1Hidden[0], kW1Hidden[1], kW1Hidden[2], 1};
}

std::vector<Index> w2_dims() {
  using namespace workloads;
  return {kW2Inputs, kW2Hidden1, kW2Hidden2, kW2Classes};
}

// ---- W1: the course's L-layer model, kW1Steps steps of full-batch gradient descent per
// iteration.
void W1_course_net(benchmark::State& state) {
  using namespace workloads;
  const Matrix<double> X = synthetic::uniform_inputs<double>(kW1Inputs, kW1Examples, kSeed);
  const Matrix<double> Y = synthetic::random_labels<double>(1, kW1Examples, kSeed + 1);
  DeepNet<double> net(w1_dims(), Activation::ReLU, Activation::Sigmoid);
  net.initialize(Init::ScaledNormal, kSeed);
  const FitOptions options = FitOptions().learning_rate(kW1LearningRate).iterations(kW1Steps);
  net.fit(X, Y, FitOptions().learning_rate(kW1LearningRate).iterations(1));  // warm-up
  for (auto _ : state) {
    benchmark::DoNotOptimize(net.fit(X, Y, options).cost.back());
  }
  state.counters["steps"] = kW1Steps;
  report_threads(state);
}
BENCHMARK(W1_course_net)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// ---- W2: one epoch of shuffled mini-batch SGD.
void W2_mlp_epoch(benchmark::State& state) {
  using namespace workloads;
  const Matrix<float> X = synthetic::uniform_inputs<float>(kW2Inputs, kW2Examples, kSeed);
  const Matrix<float> Y = synthetic::random_labels<float>(kW2Classes, kW2Examples, kSeed + 1);
  DeepNet<float> net(w2_dims(), Activation::ReLU, Activation::Softmax);
  net.initialize(Init::He, kSeed);
  // Warm-up: the caches grow to the batch size once.
  net.fit(X.leftCols(2 * kW2Batch), Y.leftCols(2 * kW2Batch),
          FitOptions().learning_rate(kW2LearningRate).epochs(1).batch_size(kW2Batch));
  std::uint64_t epoch = 0;
  for (auto _ : state) {
    const FitOptions options = FitOptions()
                                   .learning_rate(kW2LearningRate)
                                   .epochs(1)
                                   .batch_size(kW2Batch)
                                   .shuffle(true)
                                   .seed(++epoch);
    benchmark::DoNotOptimize(net.fit(X, Y, options).cost.back());
  }
  report_threads(state);
}
BENCHMARK(W2_mlp_epoch)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// ---- W5: W2's epoch with the course's second-part options: Adam, inverted dropout
// (keep_prob 0.9 on the hidden layers) and batch normalisation on the hidden layers. The goal
// compares it with W2's plain SGD epoch of the same run.
void W5_adam_dropout_batch_norm_epoch(benchmark::State& state) {
  using namespace workloads;
  const Matrix<float> X = synthetic::uniform_inputs<float>(kW2Inputs, kW2Examples, kSeed);
  const Matrix<float> Y = synthetic::random_labels<float>(kW2Classes, kW2Examples, kSeed + 1);
  DeepNet<float> net(w2_dims(), Activation::ReLU, Activation::Softmax);
  net.initialize(Init::He, kSeed);
  for (deepnet::Index l = 1; l < net.L(); ++l) {
    net.set_batch_norm(l);
    net.set_keep_prob(l, 0.9);
  }
  const auto options = [](std::uint64_t seed, deepnet::Index epochs) {
    return FitOptions()
        .learning_rate(0.001)
        .optimizer(deepnet::OptimizerSettings::adam())
        .epochs(epochs)
        .batch_size(kW2Batch)
        .shuffle(true)
        .seed(seed);
  };
  net.fit(X.leftCols(2 * kW2Batch), Y.leftCols(2 * kW2Batch), options(0, 1));  // warm-up
  std::uint64_t epoch = 0;
  for (auto _ : state) benchmark::DoNotOptimize(net.fit(X, Y, options(++epoch, 1)).cost.back());
  report_threads(state);
}
BENCHMARK(W5_adam_dropout_batch_norm_epoch)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

// ---- W3: one example through W2's network, allocation-free prediction.
void W3_latency(benchmark::State& state) {
  using namespace workloads;
  const Matrix<float> x = synthetic::uniform_inputs<float>(kW2Inputs, 1, kSeed);
  DeepNet<float> net(w2_dims(), Activation::ReLU, Activation::Softmax);
  net.initialize(Init::He, kSeed);
  deepnet::PredictionWorkspace<float> workspace;
  net.predict(x, workspace);  // warm-up: the workspace grows once
  for (auto _ : state) {
    benchmark::DoNotOptimize(net.predict(x, workspace).data());
    benchmark::ClobberMemory();
  }
  report_threads(state);
}
BENCHMARK(W3_latency)->Unit(benchmark::kMicrosecond)->UseRealTime()->MinTime(0.5);

// ---- W4: the products alone, in plain Eigen with noalias(), in the layout of the notes.
// The flop count of each is reported, so that the script can also compare with the machine's
// peak rate (W4_peak).

// The products of one step of a fully connected network, samples as columns:
// forward Z[l] = W[l] A[l-1]; backward dW[l] = dZ[l] A[l-1]^T and dA[l-1] = W[l]^T dZ[l]
// (none for l = 1).
template <class Scalar>
class StepProducts {
 public:
  StepProducts(const std::vector<Index>& dims, Index m) : m_dims(dims) {
    const std::size_t L = dims.size() - 1;
    m_A.push_back(synthetic::uniform_inputs<Scalar>(dims[0], m, workloads::kSeed));
    for (std::size_t l = 1; l <= L; ++l) {
      m_W.push_back(synthetic::uniform_inputs<Scalar>(dims[l], dims[l - 1], workloads::kSeed + l));
      m_dW.push_back(Matrix<Scalar>(dims[l], dims[l - 1]));
      m_A.push_back(Matrix<Scalar>::Zero(dims[l], m));
      m_dZ.push_back(synthetic::uniform_inputs<Scalar>(dims[l], m, workloads::kSeed + 100 + l));
      m_dA.push_back(Matrix<Scalar>(dims[l - 1], m));
    }
  }

  // One step over the first m columns.
  void run(Index m) {
    const std::size_t L = m_dims.size() - 1;
    for (std::size_t l = 1; l <= L; ++l) {
      m_A[l].leftCols(m).noalias() = m_W[l - 1] * m_A[l - 1].leftCols(m);
    }
    for (std::size_t l = L; l >= 1; --l) {
      m_dW[l - 1].noalias() = m_dZ[l - 1].leftCols(m) * m_A[l - 1].leftCols(m).transpose();
      if (l > 1) {
        m_dA[l - 1].leftCols(m).noalias() = m_W[l - 1].transpose() * m_dZ[l - 1].leftCols(m);
      }
    }
    benchmark::DoNotOptimize(m_dW[0].data());
  }

  // The flops of one step over m columns (2 per multiply-add).
  double flops(Index m) const {
    double total = 0;
    for (std::size_t l = 1; l < m_dims.size(); ++l) {
      const double per_product = 2.0 * static_cast<double>(m_dims[l] * m_dims[l - 1] * m);
      total += per_product * (l > 1 ? 3.0 : 2.0);
    }
    return total;
  }

 private:
  std::vector<Index> m_dims;
  std::vector<Matrix<Scalar>> m_W, m_dW, m_A, m_dZ, m_dA;
};

void W4_gemm_W1(benchmark::State& state) {
  using namespace workloads;
  StepProducts<double> products(w1_dims(), kW1Examples);
  products.run(kW1Examples);
  for (auto _ : state) {
    for (int step = 0; step < kW1Steps; ++step)
      products.run(kW1Examples);
  }
  state.counters["steps"] = kW1Steps;
  state.counters["flop"] = products.flops(kW1Examples) * kW1Steps;
  report_threads(state);
}
BENCHMARK(W4_gemm_W1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

void W4_gemm_W2(benchmark::State& state) {
  using namespace workloads;
  StepProducts<float> products(w2_dims(), kW2Batch);
  products.run(kW2Batch);
  double flop = 0;
  for (Index start = 0; start < kW2Examples; start += kW2Batch)
    flop += products.flops(std::min(kW2Batch, kW2Examples - start));
  for (auto _ : state) {
    for (Index start = 0; start < kW2Examples; start += kW2Batch)
      products.run(std::min(kW2Batch, kW2Examples - start));
  }
  state.counters["flop"] = flop;
  report_threads(state);
}
BENCHMARK(W4_gemm_W2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// W3's products: three matrix-vector products.
void W4_gemm_W3(benchmark::State& state) {
  using namespace workloads;
  const std::vector<Index> dims = w2_dims();
  std::vector<Matrix<float>> W, A;
  A.push_back(synthetic::uniform_inputs<float>(dims[0], 1, kSeed));
  for (std::size_t l = 1; l < dims.size(); ++l) {
    W.push_back(synthetic::uniform_inputs<float>(dims[l], dims[l - 1], kSeed + l));
    A.push_back(Matrix<float>::Zero(dims[l], 1));
  }
  for (auto _ : state) {
    for (std::size_t l = 1; l < dims.size(); ++l)
      A[l].noalias() = W[l - 1] * A[l - 1];
    benchmark::DoNotOptimize(A.back().data());
    benchmark::ClobberMemory();
  }
  report_threads(state);
}
BENCHMARK(W4_gemm_W3)->Unit(benchmark::kMicrosecond)->UseRealTime()->MinTime(0.5);

// The machine's matrix-multiply rate with Eigen: a large square product.
template <class Scalar>
void W4_peak(benchmark::State& state) {
  const Index n = 1024;
  const Matrix<Scalar> A = synthetic::uniform_inputs<Scalar>(n, n, workloads::kSeed);
  const Matrix<Scalar> B = synthetic::uniform_inputs<Scalar>(n, n, workloads::kSeed + 1);
  Matrix<Scalar> C(n, n);
  for (auto _ : state) {
    C.noalias() = A * B;
    benchmark::DoNotOptimize(C.data());
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(2.0 * n * n * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  report_threads(state);
}
BENCHMARK_TEMPLATE(W4_peak, double)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(0.5);
BENCHMARK_TEMPLATE(W4_peak, float)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(0.5);

}  // namespace

BENCHMARK_MAIN();
