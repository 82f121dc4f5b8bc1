// One training step (forward, backward, Adam update) and the Adam update alone, on the
// {784, 256, 128, 10} float network with mini-batches of 128: the step the parameter store's
// one-pass update was measured on. It uses only the public API, so the same file builds
// against an older checkout's headers for a before/after comparison in one run:
//
//   g++ -std=c++17 -O3 -march=native -DNDEBUG -I<checkout>/include -I/usr/include/eigen3 \
//       benchmarks/bench_step.cpp -o bench_step
//   ./bench_step [repeats]   prints "step_us <median> update_us <median> parameters <hash>"
#include <deepnet/core.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 15;
  const int steps = 40;
  Eigen::setNbThreads(1);
  using Matrix = deepnet::Matrix<float>;
  deepnet::DeepNet<float> net({784, 256, 128, 10}, deepnet::Activation::ReLU,
                              deepnet::Activation::Softmax);
  net.initialize(deepnet::Init::He, 1);
  const deepnet::Index m = 128;
  deepnet::Random random(7);
  Matrix X(784, m), Y = Matrix::Zero(10, m);
  for (deepnet::Index j = 0; j < m; ++j) {
    for (deepnet::Index i = 0; i < 784; ++i)
      X(i, j) = static_cast<float>(random.uniform());
    Y(j % 10, j) = 1;
  }
  deepnet::Adam<float> adam;
  using Clock = std::chrono::steady_clock;
  std::vector<double> step_us, update_us;
  for (int r = 0; r < repeats + 1; ++r) {
    double whole = 0, update = 0;
    for (int s = 0; s < steps; ++s) {
      const auto t0 = Clock::now();
      net.forward(X);
      net.backward(Y);
      const auto t1 = Clock::now();
      net.update(adam, 1e-4);
      const auto t2 = Clock::now();
      whole += std::chrono::duration<double, std::micro>(t2 - t0).count();
      update += std::chrono::duration<double, std::micro>(t2 - t1).count();
    }
    if (r == 0) continue;  // warm-up
    step_us.push_back(whole / steps);
    update_us.push_back(update / steps);
  }
  std::sort(step_us.begin(), step_us.end());
  std::sort(update_us.begin(), update_us.end());
  // FNV-1a of the bits of every W and b: the same number means the same parameters, bit for bit.
  std::uint64_t hash = 14695981039346656037ull;
  const auto add = [&](const float* data, deepnet::Index size) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < static_cast<std::size_t>(size) * sizeof(float); ++i)
      hash = (hash ^ bytes[i]) * 1099511628211ull;
  };
  for (deepnet::Index l = 1; l <= net.L(); ++l) {
    add(net.layer(l).W().data(), net.layer(l).W().size());
    add(net.layer(l).b().data(), net.layer(l).b().size());
  }
  std::printf("step_us %.2f update_us %.2f parameters %016llx\n", step_us[step_us.size() / 2],
              update_us[update_us.size() / 2], static_cast<unsigned long long>(hash));
}
