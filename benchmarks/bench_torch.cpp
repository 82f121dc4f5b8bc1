// The workloads of workloads.hpp (W1-W3) with the PyTorch C++ API: torch::nn::Linear layers,
// the library's losses and torch::optim::SGD, written the way its documentation does. Samples
// are rows here (PyTorch's layout); the shapes and types are those of bench_deepnet.cpp.
// The thread count is OMP_NUM_THREADS (scripts/bench.sh sets it, with OPENBLAS_NUM_THREADS=1).
#include "workloads.hpp"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

namespace {

void set_threads(benchmark::State& state) {
  if (const char* threads = std::getenv("OMP_NUM_THREADS")) {
    torch::set_num_threads(std::stoi(threads));
  }
  state.counters["threads"] = static_cast<double>(torch::get_num_threads());
}

torch::nn::Sequential w1_model() {
  using namespace workloads;
  using torch::nn::Linear;
  torch::nn::Sequential model(Linear(kW1Inputs, kW1Hidden[0]), torch::nn::ReLU(),
                              Linear(kW1Hidden[0], kW1Hidden[1]), torch::nn::ReLU(),
                              Linear(kW1Hidden[1], kW1Hidden[2]), torch::nn::ReLU(),
                              Linear(kW1Hidden[2], 1), torch::nn::Sigmoid());
  model->to(torch::kDouble);
  return model;
}

torch::nn::Sequential w2_model() {
  using namespace workloads;
  using torch::nn::Linear;
  // Softmax is folded into the loss (cross_entropy takes the logits), as PyTorch recommends.
  return torch::nn::Sequential(Linear(kW2Inputs, kW2Hidden1), torch::nn::ReLU(),
                               Linear(kW2Hidden1, kW2Hidden2), torch::nn::ReLU(),
                               Linear(kW2Hidden2, kW2Classes));
}

// ---- W1: kW1Steps steps of full-batch gradient descent per iteration.
void W1_course_net(benchmark::State& state) {
  using namespace workloads;
  set_threads(state);
  torch::manual_seed(kSeed);
  const torch::Tensor X = torch::rand({kW1Examples, kW1Inputs}, torch::kDouble);
  const torch::Tensor Y = torch::randint(0, 2, {kW1Examples, 1}, torch::kDouble);
  torch::nn::Sequential model = w1_model();
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(kW1LearningRate));
  const auto step = [&] {
    optimizer.zero_grad();
    torch::Tensor loss = torch::binary_cross_entropy(model->forward(X), Y);
    loss.backward();
    optimizer.step();
    return loss;
  };
  step();  // warm-up
  for (auto _ : state) {
    torch::Tensor loss;
    for (int i = 0; i < kW1Steps; ++i)
      loss = step();
    benchmark::DoNotOptimize(loss.item<double>());
  }
  state.counters["steps"] = kW1Steps;
}
BENCHMARK(W1_course_net)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// ---- W2: one epoch of shuffled mini-batch SGD.
void W2_mlp_epoch(benchmark::State& state) {
  using namespace workloads;
  set_threads(state);
  torch::manual_seed(kSeed);
  const torch::Tensor X = torch::rand({kW2Examples, kW2Inputs});
  const torch::Tensor labels = torch::randint(0, kW2Classes, {kW2Examples}, torch::kLong);
  torch::nn::Sequential model = w2_model();
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(kW2LearningRate));
  const auto epoch = [&] {
    const torch::Tensor order = torch::randperm(kW2Examples, torch::kLong);
    torch::Tensor loss;
    for (std::int64_t start = 0; start < kW2Examples; start += kW2Batch) {
      const torch::Tensor rows = order.slice(0, start, std::min(start + kW2Batch, kW2Examples));
      optimizer.zero_grad();
      loss = torch::nn::functional::cross_entropy(model->forward(X.index_select(0, rows)),
                                                  labels.index_select(0, rows));
      loss.backward();
      optimizer.step();
    }
    return loss.item<float>();
  };
  {
    // Warm-up on two batches, as in bench_deepnet.
    const torch::Tensor rows = torch::arange(2 * kW2Batch, torch::kLong);
    optimizer.zero_grad();
    torch::nn::functional::cross_entropy(model->forward(X.index_select(0, rows)),
                                         labels.index_select(0, rows))
        .backward();
    optimizer.step();
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(epoch());
  }
}
BENCHMARK(W2_mlp_epoch)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// ---- W3: one example through W2's network, inference mode (no autograd records).
void W3_latency(benchmark::State& state) {
  using namespace workloads;
  set_threads(state);
  torch::manual_seed(kSeed);
  torch::nn::Sequential model = w2_model();
  torch::nn::Softmax softmax(torch::nn::SoftmaxOptions(1));
  const torch::Tensor x = torch::rand({1, kW2Inputs});
  c10::InferenceMode guard;
  softmax(model->forward(x));  // warm-up
  for (auto _ : state) {
    torch::Tensor a = softmax(model->forward(x));
    benchmark::DoNotOptimize(a.data_ptr<float>());
  }
}
BENCHMARK(W3_latency)->Unit(benchmark::kMicrosecond)->UseRealTime()->MinTime(0.5);

}  // namespace

BENCHMARK_MAIN();
