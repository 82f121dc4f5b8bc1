// Peak heap memory of one W2 epoch (workloads.hpp), against what training has to hold:
// parameters, gradients, optimizer state and the per-layer caches Z, A, dZ, dA of a batch.
// malloc and free are wrapped (glibc) to count the live bytes, so that the 188 MB of the
// synthetic data set do not hide the training's own memory, as they would in the process's
// peak resident size. Prints one line per quantity, in bytes.
#include "synthetic_data.hpp"
#include "workloads.hpp"

#include <deepnet/deepnet.hpp>

#include <malloc.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void __libc_free(void* p);
}

namespace {
std::atomic<long long> g_live{0};
std::atomic<long long> g_peak{0};

void note(long long change) {
  const long long live = g_live += change;
  long long peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
}

long long usable(void* p) {
  return p == nullptr ? 0 : static_cast<long long>(malloc_usable_size(p));
}
}  // namespace

extern "C" {
void* malloc(std::size_t size) {
  void* p = __libc_malloc(size);
  note(usable(p));
  return p;
}
void* calloc(std::size_t count, std::size_t size) {
  void* p = __libc_calloc(count, size);
  note(usable(p));
  return p;
}
void* realloc(void* old, std::size_t size) {
  const long long before = usable(old);
  void* p = __libc_realloc(old, size);
  note((p != nullptr ? usable(p) : before) - before);
  return p;
}
void free(void* p) {
  note(-usable(p));
  __libc_free(p);
}
}

int main() {
  using namespace workloads;
  using deepnet::Index;
  using Matrix = deepnet::Matrix<float>;
  const Matrix X = synthetic::uniform_inputs<float>(kW2Inputs, kW2Examples, kSeed);
  const Matrix Y = synthetic::random_labels<float>(kW2Classes, kW2Examples, kSeed + 1);

  const long long data = g_live.load();
  g_peak = data;
  deepnet::DeepNet<float> net({kW2Inputs, kW2Hidden1, kW2Hidden2, kW2Classes},
                              deepnet::Activation::ReLU, deepnet::Activation::Softmax);
  net.initialize(deepnet::Init::He, kSeed);
  net.fit(X, Y,
          deepnet::FitOptions().learning_rate(kW2LearningRate).epochs(1).batch_size(kW2Batch));
  const long long training_peak = g_peak.load() - data;

  // What training must hold (SGD keeps no state).
  const Index n[] = {kW2Inputs, kW2Hidden1, kW2Hidden2, kW2Classes};
  long long parameters = 0, caches = 0;
  for (int l = 1; l <= 3; ++l) {
    parameters += n[l] * n[l - 1] + n[l];
    caches += 4 * n[l] * kW2Batch;  // Z, A, dZ, dA
  }
  const long long scalar = sizeof(float);
  const long long needed = (2 * parameters + caches) * scalar;
  const long long batch_copy = (kW2Inputs + kW2Classes) * kW2Batch * scalar;
  const long long order = kW2Examples * static_cast<long long>(sizeof(Index));

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("data_bytes %lld\n", data);
  std::printf("parameters_bytes %lld\n", parameters * scalar);
  std::printf("gradients_bytes %lld\n", parameters * scalar);
  std::printf("optimizer_state_bytes 0\n");
  std::printf("caches_bytes %lld\n", caches * scalar);
  std::printf("needed_bytes %lld\n", needed);
  std::printf("shuffled_batch_bytes %lld\n", batch_copy);
  std::printf("shuffle_order_bytes %lld\n", order);
  std::printf("training_peak_bytes %lld\n", training_peak);
  std::printf("max_rss_bytes %lld\n", static_cast<long long>(usage.ru_maxrss) * 1024);
  return 0;
}
