// The matrix products of one training step (W1, W2) and of one prediction (W3), computed by
// Eigen's kernels the way deepnet calls them (detail/gemm.hpp) and, where they were found when
// CMake ran, by BLIS (Debian's libblis-dev, through its CBLAS interface) and by libxsmm
// (libxsmm-dev, its BLAS-like libxsmm_?gemm, which JIT-compiles kernels for small products and
// hands larger ones to the BLAS it is linked with, here BLIS).
//
// It answers one question of issue 13: would another GEMM backend beat Eigen's on exactly
// these shapes? The backends run alternately, `rounds` rounds of `repeats` steps each; the
// report gives each backend's median time per step and its ratio to Eigen's in the same run,
// and the largest difference of its results from Eigen's (relative to the largest entry).
//
//   bench_gemm [rounds] [repeats]      (default 7 rounds; repeats chosen per workload)
// Run it with one thread: OMP_NUM_THREADS=1 BLIS_NUM_THREADS=1.
#include <deepnet/detail/gemm.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#ifdef DEEPNET_BENCH_BLIS
#include <cblas.h>
#endif
#ifdef DEEPNET_BENCH_XSMM
#include <libxsmm.h>
#endif

#include "workloads.hpp"

namespace {

using deepnet::Index;

// One product C = op(A) op(B) of a step: C is rows x cols, the sum runs over depth.
struct Product {
  const char* what;  // the notes' formula
  bool transpose_a;
  bool transpose_b;
  Index rows;
  Index cols;
  Index depth;
};

// The products of a training step of a network with layer sizes n (n[0] inputs) and m
// examples, as deepnet computes them: Z[l] = W[l] A[l-1]; dW[l] = dZ[l] A[l-1]^T (layer 1
// from its stored X^T when `x_transposed`); dA[l-1] = W[l]^T dZ[l] for l >= 2.
std::vector<Product> training_step(const std::vector<Index>& n, Index m, bool x_transposed) {
  std::vector<Product> step;
  for (std::size_t l = 1; l < n.size(); ++l)
    step.push_back({"Z = W A", false, false, n[l], m, n[l - 1]});
  for (std::size_t l = n.size() - 1; l >= 1; --l) {
    if (l == 1 && x_transposed) {
      step.push_back({"dW = dZ (X^T)", false, false, n[l], n[l - 1], m});
    } else {
      step.push_back({"dW = dZ A^T", false, true, n[l], n[l - 1], m});
    }
    if (l >= 2) step.push_back({"dA = W^T dZ", true, false, n[l - 1], m, n[l]});
  }
  return step;
}

// The operands of one product, filled with uniform numbers in [-1, 1).
template <class Scalar>
struct Operands {
  using Matrix = deepnet::Matrix<Scalar>;
  Product product;
  Matrix A, B, C;

  Operands(const Product& p, std::mt19937_64& random) : product(p) {
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    const auto fill = [&](Matrix& M, Index rows, Index cols) {
      M.resize(rows, cols);
      for (Index k = 0; k < M.size(); ++k)
        M.data()[k] = static_cast<Scalar>(uniform(random));
    };
    fill(A, p.transpose_a ? p.depth : p.rows, p.transpose_a ? p.rows : p.depth);
    fill(B, p.transpose_b ? p.cols : p.depth, p.transpose_b ? p.depth : p.cols);
    C.setZero(p.rows, p.cols);
  }
};

template <class Scalar>
void eigen_product(Operands<Scalar>& o, deepnet::detail::GemmWorkspace<Scalar>& workspace) {
  using deepnet::detail::multiply;
  deepnet::MatrixSpan<Scalar> C(o.C.data(), o.C.rows(), o.C.cols());
  const Scalar one(1);
  if (o.product.transpose_a) {
    multiply<true, false, Scalar>(C, o.A, o.B, one, workspace);
  } else if (o.product.transpose_b) {
    multiply<false, true, Scalar>(C, o.A, o.B, one, workspace);
  } else {
    multiply<false, false, Scalar>(C, o.A, o.B, one, workspace);
  }
}

#ifdef DEEPNET_BENCH_BLIS
void blis_product(Operands<float>& o) {
  const Product& p = o.product;
  cblas_sgemm(CblasColMajor, p.transpose_a ? CblasTrans : CblasNoTrans,
              p.transpose_b ? CblasTrans : CblasNoTrans, static_cast<int>(p.rows),
              static_cast<int>(p.cols), static_cast<int>(p.depth), 1.0f, o.A.data(),
              static_cast<int>(o.A.rows()), o.B.data(), static_cast<int>(o.B.rows()), 0.0f,
              o.C.data(), static_cast<int>(o.C.rows()));
}
void blis_product(Operands<double>& o) {
  const Product& p = o.product;
  cblas_dgemm(CblasColMajor, p.transpose_a ? CblasTrans : CblasNoTrans,
              p.transpose_b ? CblasTrans : CblasNoTrans, static_cast<int>(p.rows),
              static_cast<int>(p.cols), static_cast<int>(p.depth), 1.0, o.A.data(),
              static_cast<int>(o.A.rows()), o.B.data(), static_cast<int>(o.B.rows()), 0.0,
              o.C.data(), static_cast<int>(o.C.rows()));
}
#endif

#ifdef DEEPNET_BENCH_XSMM
template <class Scalar>
void xsmm_product(Operands<Scalar>& o) {
  const Product& p = o.product;
  const char ta = p.transpose_a ? 'T' : 'N';
  const char tb = p.transpose_b ? 'T' : 'N';
  const auto blasint = [](Index n) { return static_cast<libxsmm_blasint>(n); };
  const libxsmm_blasint rows = blasint(p.rows), cols = blasint(p.cols), depth = blasint(p.depth);
  const libxsmm_blasint lda = blasint(o.A.rows()), ldb = blasint(o.B.rows()),
                        ldc = blasint(o.C.rows());
  const Scalar one(1), zero(0);
  if constexpr (std::is_same<Scalar, float>::value) {
    libxsmm_sgemm(&ta, &tb, &rows, &cols, &depth, &one, o.A.data(), &lda, o.B.data(), &ldb, &zero,
                  o.C.data(), &ldc);
  } else {
    libxsmm_dgemm(&ta, &tb, &rows, &cols, &depth, &one, o.A.data(), &lda, o.B.data(), &ldb, &zero,
                  o.C.data(), &ldc);
  }
}
#endif

// A backend: a name and how it computes one product.
template <class Scalar>
struct Backend {
  std::string name;
  std::function<void(Operands<Scalar>&)> run;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t k = v.size() / 2;
  return v.size() % 2 ? v[k] : 0.5 * (v[k - 1] + v[k]);
}

// Times `repeats` steps of `products` with every backend, alternating, and prints the table.
template <class Scalar>
void measure(const char* workload, const std::vector<Product>& products, int rounds, int repeats) {
  std::mt19937_64 random(workloads::kSeed);
  std::vector<Operands<Scalar>> step;
  for (const Product& p : products)
    step.emplace_back(p, random);

  deepnet::detail::GemmWorkspace<Scalar> workspace;
  std::vector<Backend<Scalar>> backends;
  backends.push_back({"Eigen", [&](Operands<Scalar>& o) { eigen_product(o, workspace); }});
#ifdef DEEPNET_BENCH_BLIS
  backends.push_back({"BLIS", [](Operands<Scalar>& o) { blis_product(o); }});
#endif
#ifdef DEEPNET_BENCH_XSMM
  backends.push_back({"libxsmm", [](Operands<Scalar>& o) { xsmm_product<Scalar>(o); }});
#endif

  // Each backend's results, to compare with Eigen's (the first).
  std::vector<std::vector<deepnet::Matrix<Scalar>>> results(backends.size());
  std::vector<std::vector<double>> seconds(backends.size());
  for (std::size_t b = 0; b < backends.size(); ++b) {
    for (Operands<Scalar>& o : step)
      backends[b].run(o);  // warm-up: JIT, packing buffers
    for (Operands<Scalar>& o : step)
      results[b].push_back(o.C);
  }
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < backends.size(); ++i) {
      const std::size_t b = round % 2 ? backends.size() - 1 - i : i;  // swap the order
      const auto start = std::chrono::steady_clock::now();
      for (int r = 0; r < repeats; ++r) {
        for (Operands<Scalar>& o : step)
          backends[b].run(o);
      }
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      seconds[b].push_back(elapsed.count() / repeats);
    }
  }

  std::printf("\n## %s (%s, %zu products per step, %d rounds of %d steps)\n\n", workload,
              sizeof(Scalar) == 4 ? "float" : "double", products.size(), rounds, repeats);
  std::printf("| backend | median per step | range | / Eigen | largest difference from Eigen |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  const double eigen = median(seconds[0]);
  for (std::size_t b = 0; b < backends.size(); ++b) {
    double difference = 0.0;
    for (std::size_t k = 0; k < step.size(); ++k) {
      const double scale = std::max<double>(results[0][k].cwiseAbs().maxCoeff(), 1e-30);
      difference = std::max<double>(difference,
                                    (results[b][k] - results[0][k]).cwiseAbs().maxCoeff() / scale);
    }
    const auto [lo, hi] = std::minmax_element(seconds[b].begin(), seconds[b].end());
    std::printf("| %s | %.1f us | %.1f-%.1f us | %.3fx | %.1e |\n", backends[b].name.c_str(),
                1e6 * median(seconds[b]), 1e6 * *lo, 1e6 * *hi, median(seconds[b]) / eigen,
                difference);
  }
}

// The CPU's model name and its vector extensions from /proc/cpuinfo.
void print_machine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown", family = "?", number = "?", flags;
  const auto value = [&] { return line.substr(line.find(':') + 2); };
  while (std::getline(cpuinfo, line)) {
    if (model == "unknown" && line.rfind("model name", 0) == 0) model = value();
    if (family == "?" && line.rfind("cpu family", 0) == 0) family = value();
    if (number == "?" && line.rfind("model\t", 0) == 0) number = value();
    if (flags.empty() && line.rfind("flags", 0) == 0) {
      for (const char* f : {"avx2", "fma", "avx512f", "avx512bw", "avx512vl"}) {
        if (line.find(std::string(" ") + f) != std::string::npos) flags += std::string(f) + " ";
      }
    }
  }
  // BLIS picks its kernels from the CPU's family and model (bli_arch_query_id); a family it
  // does not know gets its generic, unvectorised kernels.
  std::printf(
      "# GEMM backends on the products of W1-W3\n\ncpu: %s (family %s, model %s)\n"
      "flags: %s\n",
      model.c_str(), family.c_str(), number.c_str(), flags.c_str());
#ifndef DEEPNET_BENCH_BLIS
  std::printf("BLIS: not built (libblis-dev not found when CMake ran)\n");
#endif
#ifndef DEEPNET_BENCH_XSMM
  std::printf("libxsmm: not built (libxsmm-dev not found when CMake ran)\n");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
  const int scale = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1;
#ifdef DEEPNET_BENCH_XSMM
  libxsmm_init();
#endif
  print_machine();
  using namespace workloads;
  measure<double>("W1: a full-batch step of the course net",
                  training_step({kW1Inputs, kW1Hidden[0], kW1Hidden[1], kW1Hidden[2], 1},
                                kW1Examples, /*x_transposed=*/true),
                  rounds, 5 * scale);
  measure<float>("W2: a mini-batch step of the MLP",
                 training_step({kW2Inputs, kW2Hidden1, kW2Hidden2, kW2Classes}, kW2Batch,
                               /*x_transposed=*/false),
                 rounds, 20 * scale);
  const std::vector<Product> prediction = {{"Z = W x", false, false, kW2Hidden1, 1, kW2Inputs},
                                           {"Z = W a", false, false, kW2Hidden2, 1, kW2Hidden1},
                                           {"Z = W a", false, false, kW2Classes, 1, kW2Hidden2}};
  measure<float>("W3: one prediction of the MLP", prediction, rounds, 2000 * scale);
#ifdef DEEPNET_BENCH_XSMM
  libxsmm_finalize();
#endif
  return 0;
}
