// The workloads of the benchmarks, shared by bench_deepnet.cpp and bench_torch.cpp so that both
// libraries run exactly the same shapes, types and step counts.
#ifndef DEEPNET_BENCHMARKS_WORKLOADS_HPP
#define DEEPNET_BENCHMARKS_WORKLOADS_HPP

#include <cstdint>

namespace workloads {

// W1 "course net": layers {12288, 20, 7, 5, 1}, ReLU then Sigmoid, binary cross-entropy,
// m = 209, full-batch gradient descent in double. The course runs 2500 iterations; one
// benchmark iteration times kW1Steps of them and the report scales to 2500.
constexpr std::int64_t kW1Inputs = 12288;
constexpr std::int64_t kW1Hidden[] = {20, 7, 5};
constexpr std::int64_t kW1Examples = 209;
constexpr int kW1Steps = 50;
constexpr int kW1CourseSteps = 2500;
constexpr double kW1LearningRate = 0.0075;

// W2 "MLP epoch": layers {784, 256, 128, 10}, ReLU then Softmax, categorical cross-entropy,
// float, shuffled mini-batches of 128, plain SGD, one epoch over 60000 examples.
constexpr std::int64_t kW2Inputs = 784;
constexpr std::int64_t kW2Hidden1 = 256;
constexpr std::int64_t kW2Hidden2 = 128;
constexpr std::int64_t kW2Classes = 10;
constexpr std::int64_t kW2Examples = 60000;
constexpr std::int64_t kW2Batch = 128;
constexpr double kW2LearningRate = 0.05;

// W3 "latency": one example through W2's network, float, inference only.

// The seed of every synthetic data set.
constexpr std::uint64_t kSeed = 2024;

}  // namespace workloads

#endif  // DEEPNET_BENCHMARKS_WORKLOADS_HPP
