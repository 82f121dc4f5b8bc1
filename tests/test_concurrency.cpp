// Thread safety of inference: predict, predict into a workspace, classify and accuracy are
// const and share nothing mutable, so many threads may call them on one network at once and
// get, bit for bit, what one thread gets. scripts/sanitize.sh also runs this test under
// ThreadSanitizer, which reports any data race.
#include "support/test_support.hpp"

#include <deepnet/deepnet.hpp>

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::Index;
using deepnet::Labels;
using deepnet::Matrix;

namespace {

constexpr int kThreads = 8;
constexpr int kRounds = 20;

// A small softmax classifier with batch normalisation and dropout (neither may change what
// prediction computes), trained a few epochs so that the running statistics are not trivial.
DeepNet<float> trained_net(const Matrix<float>& X, const Matrix<float>& Y) {
  DeepNet<float> net({6, 16, 8, 3}, Activation::ReLU, Activation::Softmax);
  net.initialize(deepnet::Init::He, 11);
  net.set_batch_norm(1);
  net.set_keep_prob(2, 0.9);
  (void)net.fit(X, Y,
                deepnet::FitOptions().learning_rate(0.05).epochs(5).batch_size(16).out(nullptr));
  return net;
}

struct Results {
  Matrix<float> A, A_workspace;
  Labels labels;
  double accuracy = 0.0;
  bool operator==(const Results& other) const {
    return A == other.A && A_workspace == other.A_workspace && labels == other.labels &&
           accuracy == other.accuracy;
  }
};

// Every kind of inference, on examples [first, first + count).
Results infer(const DeepNet<float>& net, const Matrix<float>& X, const Matrix<float>& Y,
              deepnet::PredictionWorkspace<float>& workspace, Index first, Index count) {
  Results r;
  r.A = net.predict(X.middleCols(first, count));
  r.A_workspace = net.predict(X.middleCols(first, count), workspace);
  r.labels = net.classify(X.middleCols(first, count));
  r.accuracy = net.accuracy(X.middleCols(first, count), Y.middleCols(first, count));
  return r;
}

}  // namespace

TEST_CASE("predict, classify and accuracy from many threads match one thread",
          "[concurrency][predict]") {
  const Index m = 64;
  Matrix<float> X(6, m);
  Matrix<float> Y = Matrix<float>::Zero(3, m);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < 6; ++i)
      X(i, j) = static_cast<float>(((j * 7 + i * 13) % 17) - 8) / 4.0f;
    Y((j + (X(0, j) > 0 ? 1 : 0)) % 3, j) = 1.0f;
  }
  const DeepNet<float> net = trained_net(X, Y);

  // The reference: every batch size a thread will use, computed by this thread alone.
  const auto count_of = [m](int t) { return 1 + (static_cast<Index>(t) * 9) % m; };
  std::vector<Results> expected;
  for (int t = 0; t < kThreads; ++t) {
    deepnet::PredictionWorkspace<float> workspace;
    const Index count = count_of(t);
    expected.push_back(infer(net, X, Y, workspace, m - count, count));
    REQUIRE(expected.back().A.allFinite());
  }

  std::atomic<int> mismatches{0};
  std::atomic<bool> start{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!start.load())
        std::this_thread::yield();                    // all threads at once
      deepnet::PredictionWorkspace<float> workspace;  // one per thread
      const Index count = count_of(t);
      for (int round = 0; round < kRounds; ++round) {
        if (!(infer(net, X, Y, workspace, m - count, count) ==
              expected[static_cast<std::size_t>(t)]))
          ++mismatches;
      }
    });
  }
  start = true;
  for (std::thread& thread : threads)
    thread.join();
  CHECK(mismatches.load() == 0);
}

TEST_CASE("inference on copies of a network in several threads while one trains another",
          "[concurrency][fit]") {
  // Training mutates only the network it trains: a thread that fits its own copy does not
  // disturb threads that predict with the original.
  Matrix<float> X = Matrix<float>::Zero(6, 32);
  Matrix<float> Y = Matrix<float>::Zero(3, 32);
  for (Index j = 0; j < 32; ++j) {
    X(j % 6, j) = 1.0f;
    Y(j % 3, j) = 1.0f;
  }
  const DeepNet<float> net = trained_net(X, Y);
  const Matrix<float> expected = net.predict(X);
  std::atomic<int> mismatches{0};
  std::thread trainer([&] {
    DeepNet<float> copy = net;
    (void)copy.fit(X, Y, deepnet::FitOptions().learning_rate(0.1).epochs(20).out(nullptr));
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      for (int round = 0; round < 20; ++round)
        if (net.predict(X) != expected) ++mismatches;
    });
  }
  trainer.join();
  for (std::thread& reader : readers)
    reader.join();
  CHECK(mismatches.load() == 0);
}
