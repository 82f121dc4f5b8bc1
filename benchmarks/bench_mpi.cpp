// W2 trained data-parallel over MPI (FitOptions::data_parallel): run it under mpirun with P
// processes, each on its shard of W2's synthetic data set (workloads.hpp), one thread each.
// Process 0 prints, one quantity per line ("name value"), for scripts/bench_mpi.sh:
//   - epoch_seconds: the median time of an epoch (the first one, a warm-up, is not counted);
//   - the pieces of the cost model of docs/distributed.md, measured while every process runs:
//     allreduce_seconds, the median time of one MPI_Allreduce over the gradient buffer, and
//     step_seconds_<b>, the median time of one step (forward, backward, update) of one process
//     on b examples, for b = 128/P and the other part sizes of the model.
// Flags: --epochs E (default 4), --hidden N (both hidden layers N wide, default W2's 256, 128).
#include "synthetic_data.hpp"
#include "workloads.hpp"

#include <deepnet/deepnet.hpp>
#include <deepnet/distributed/mpi.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using deepnet::Index;
using Matrix = deepnet::Matrix<float>;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  deepnet::mpi::Environment mpi(argc, argv);
  deepnet::mpi::Communicator world;
  const int rank = world.rank(), P = world.size();
  Index epochs = 4, hidden = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--epochs") epochs = std::atoll(argv[i + 1]);
    if (flag == "--hidden") hidden = std::atoll(argv[i + 1]);
  }
  using namespace workloads;
  const Index n1 = hidden > 0 ? hidden : kW2Hidden1, n2 = hidden > 0 ? hidden : kW2Hidden2;

  // W2's data set (bench_deepnet's), generated whole on every process, then this process's
  // shard kept.
  Matrix X_shard, Y_shard;
  {
    const Matrix X = synthetic::uniform_inputs<float>(kW2Inputs, kW2Examples, kSeed);
    const Matrix Y = synthetic::random_labels<float>(kW2Classes, kW2Examples, kSeed + 1);
    const Index first = kW2Examples * rank / P, end = kW2Examples * (rank + 1) / P;
    X_shard = X.middleCols(first, end - first);
    Y_shard = Y.middleCols(first, end - first);
  }

  deepnet::DeepNet<float> net({kW2Inputs, n1, n2, kW2Classes}, deepnet::Activation::ReLU,
                              deepnet::Activation::Softmax);
  net.initialize(deepnet::Init::He, kSeed);

  // The model's pieces, measured with every process busy as in training: one process's step
  // on b examples, and the allreduce of the gradients.
  const Index parameters = net.parameter_values().size();
  std::vector<Index> parts = {kW2Batch / P};
  for (const Index b :
       {Index(1), Index(2), Index(4), Index(8), Index(16), Index(32), Index(64), Index(128)}) {
    if (b != kW2Batch / P) parts.push_back(b);
  }
  std::vector<double> step_seconds;
  for (const Index b : parts) {
    deepnet::DeepNet<float> copy = net;
    const Matrix X = X_shard.leftCols(b), Y = Y_shard.leftCols(b);
    std::vector<double> times;
    for (int k = 0; k < 60; ++k) {
      const auto start = Clock::now();
      copy.forward(X);
      (void)copy.cost(Y);
      copy.backward(Y);
      copy.update(kW2LearningRate);
      if (k >= 10) times.push_back(seconds_since(start));
    }
    step_seconds.push_back(median(times));
  }
  std::vector<float> gradients(static_cast<std::size_t>(parameters), 1.0f);
  std::vector<double> reduce_times;
  for (int k = 0; k < 110; ++k) {
    MPI_Barrier(MPI_COMM_WORLD);
    const auto start = Clock::now();
    world.sum(gradients.data(), parameters);
    if (k >= 10) reduce_times.push_back(seconds_since(start));
  }

  std::vector<double> epoch_seconds;
  auto epoch_start = Clock::now();
  (void)net.fit(X_shard, Y_shard,
                deepnet::FitOptions()
                    .learning_rate(kW2LearningRate)
                    .epochs(epochs)
                    .batch_size(kW2Batch)
                    .seed(kSeed)
                    .data_parallel(world)
                    .epoch_callback([&](const deepnet::Epoch&) {
                      epoch_seconds.push_back(seconds_since(epoch_start));
                      epoch_start = Clock::now();
                      return deepnet::Control::Continue;
                    }));
  epoch_seconds.erase(epoch_seconds.begin());  // the warm-up

  if (rank == 0) {
    std::printf("processes %d\n", P);
    std::printf("layers {%lld, %lld, %lld, %lld}\n", static_cast<long long>(kW2Inputs),
                static_cast<long long>(n1), static_cast<long long>(n2),
                static_cast<long long>(kW2Classes));
    std::printf("parameters %lld\n", static_cast<long long>(parameters));
    std::printf("gradient_bytes %lld\n", static_cast<long long>(parameters * 4));
    std::printf("steps_per_epoch %lld\n",
                static_cast<long long>((kW2Examples + kW2Batch - 1) / kW2Batch));
    std::printf("epoch_seconds %.6f\n", median(epoch_seconds));
    std::printf("allreduce_seconds %.9f\n", median(reduce_times));
    for (std::size_t i = 0; i < parts.size(); ++i)
      std::printf("step_seconds_%lld %.9f\n", static_cast<long long>(parts[i]), step_seconds[i]);
  }
  return 0;
}
