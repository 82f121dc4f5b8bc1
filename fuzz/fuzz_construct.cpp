// Fuzz target for building and training a DeepNet from arbitrary choices: layer_dims (small
// sizes, and now and then zero, negative or enormous ones), one activation per layer, the
// loss, L2, dropout, batch normalisation, the optimizer and a learning rate up to 1e12, then a
// few epochs of fit on small random data, predict and classify.
//
// What must hold: a configuration that cannot work is a ConfigError (the target works out on
// its own, in 128-bit arithmetic, which ones cannot); a working one trains, or stops with a
// NumericalError naming a layer 0..L when the cost diverges; predictions are finite or a
// NumericalError. Nothing else may escape.
#include "fuzz_support.hpp"

#include <deepnet/deepnet.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace {

using deepnet::Activation;
using deepnet::Index;
using deepnet::Loss;
using deepnet_fuzz::check;

constexpr Index kHuge[] = {Index(1) << 31,
                           (Index(1) << 32) + 1,
                           Index(1) << 40,
                           Index(1) << 61,
                           std::numeric_limits<Index>::max(),
                           0,
                           -1,
                           -(Index(1) << 40)};

// Whether deepnet must refuse the sizes: fewer than two, a size below 1, or a count of
// parameters (or of their bytes) beyond what an Index can hold.
bool must_refuse(const std::vector<Index>& dims) {
  if (dims.size() < 2) return true;
  for (const Index n : dims)
    if (n < 1) return true;
  // Compared as count > max / 8, not count * 8 > max: two sizes near 2^63 give a count near
  // 2^126, which times 8 would overflow even 128 bits (a finding of this target).
  const __int128 max_count =
      std::numeric_limits<Index>::max() / static_cast<__int128>(sizeof(double));
  __int128 total = 0;
  for (std::size_t l = 1; l < dims.size(); ++l) {
    const __int128 weights = static_cast<__int128>(dims[l]) * dims[l - 1];
    if (weights > max_count) return true;
    total += weights + dims[l];  // below 2^64 each, and total <= max_count: no overflow
    if (total > max_count) return true;
  }
  return false;
}

Index parameter_count(const std::vector<Index>& dims) {
  Index total = 0;
  for (std::size_t l = 1; l < dims.size(); ++l)
    total += dims[l] * dims[l - 1] + dims[l];
  return total;
}

deepnet::Matrix<double> targets(FuzzedDataProvider& in, Loss loss, Index rows, Index m) {
  deepnet::Matrix<double> Y = deepnet::Matrix<double>::Zero(rows, m);
  for (Index j = 0; j < m; ++j) {
    if (loss == Loss::CategoricalCrossEntropy) {
      Y(in.ConsumeIntegralInRange<Index>(0, rows - 1), j) = 1.0;
    } else {
      for (Index i = 0; i < rows; ++i) {
        Y(i, j) = loss == Loss::BinaryCrossEntropy ? double(in.ConsumeBool())
                                                   : in.ConsumeFloatingPointInRange(-5.0, 5.0);
      }
    }
  }
  return Y;
}

void train(FuzzedDataProvider& in, deepnet::DeepNet<double>& net, Loss loss) {
  const Index L = net.L();
  net.initialize(static_cast<deepnet::Init>(in.ConsumeIntegralInRange(0, 4)),
                 in.ConsumeIntegral<std::uint64_t>());
  if (in.ConsumeBool()) net.set_l2(in.ConsumeFloatingPointInRange(0.0, 10.0));
  for (Index l = 1; l <= L; ++l) {
    if (l < L && in.ConsumeBool()) net.set_keep_prob(l, in.ConsumeFloatingPointInRange(0.05, 1.0));
    if (in.ConsumeIntegralInRange(0, 3) == 0) net.set_batch_norm(l);
  }

  const Index m = in.ConsumeIntegralInRange<Index>(1, 8);
  deepnet::Matrix<double> X(net.dims().front(), m);
  for (Index k = 0; k < X.size(); ++k)
    X.data()[k] = in.ConsumeFloatingPointInRange(-10.0, 10.0);
  const deepnet::Matrix<double> Y = targets(in, loss, net.dims().back(), m);

  static const double rates[] = {1e-3, 0.1, 1.0, 1e3, 1e12};
  static const deepnet::OptimizerSettings optimizers[] = {
      deepnet::OptimizerSettings::gradient_descent(), deepnet::OptimizerSettings::momentum(),
      deepnet::OptimizerSettings::rmsprop(), deepnet::OptimizerSettings::adam()};
  deepnet::FitOptions options;
  options.learning_rate(rates[in.ConsumeIntegralInRange(0, 4)])
      .epochs(in.ConsumeIntegralInRange<Index>(1, 3))
      .batch_size(in.ConsumeIntegralInRange<Index>(0, m))
      .optimizer(optimizers[in.ConsumeIntegralInRange(0, 3)])
      .seed(in.ConsumeIntegral<std::uint64_t>())
      .out(nullptr);
  try {
    const deepnet::History history = net.fit(X, Y, options);
    check(!history.cost.empty(), "fit ran no step");
    for (const double J : history.cost)
      check(std::isfinite(J), "fit recorded a non-finite cost without NumericalError");
  } catch (const deepnet::NumericalError& e) {
    check(e.layer() >= 0 && e.layer() <= L, "NumericalError names no layer of the network");
  }

  try {
    const deepnet::Matrix<double> A = net.predict(X);
    check(A.rows() == net.dims().back() && A.cols() == m, "predict: A[L] has the wrong shape");
    check(A.allFinite(), "predict returned NaN or infinity without NumericalError");
    const Activation output = net.layer(L).activation();
    if (output == Activation::Sigmoid || output == Activation::Softmax) {
      const deepnet::Labels labels = net.classify(X);
      check(labels.cols() == m, "classify: one label per example");
    }
  } catch (const deepnet::NumericalError& e) {
    check(e.layer() >= 1 && e.layer() <= L, "NumericalError names no layer of the network");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto count = in.ConsumeIntegralInRange<std::size_t>(1, 5);  // 1 means no layer at all
  std::vector<Index> dims;
  for (std::size_t k = 0; k < count; ++k) {
    const std::uint8_t pick = in.ConsumeIntegral<std::uint8_t>();
    dims.push_back(pick < 240 ? Index(1 + pick % 8) : kHuge[pick % 8]);
  }
  const std::size_t L = count > 1 ? count - 1 : 1;
  std::vector<Activation> activations;
  bool valid_activations = true;
  for (std::size_t l = 0; l < L; ++l) {
    const int code = in.ConsumeIntegralInRange(0, 6);  // 6 is no activation
    activations.push_back(static_cast<Activation>(code));
    if (code == 6 || (code == static_cast<int>(Activation::Softmax) && l + 1 < L)) {
      valid_activations = false;
    }
  }
  const int loss_code = in.ConsumeIntegralInRange(0, 3);  // 3 is no loss
  const auto loss = static_cast<Loss>(loss_code);
  const Activation output = activations.back();
  const bool compatible = valid_activations && loss_code != 3 &&
                          (loss == Loss::BinaryCrossEntropy        ? output == Activation::Sigmoid
                           : loss == Loss::CategoricalCrossEntropy ? output == Activation::Softmax
                                                                   : output != Activation::Softmax);

  const bool refuse = must_refuse(dims) || !compatible;
  // Sizes that are valid but too large to allocate here are skipped: they would only measure
  // the machine's memory.
  if (!refuse && parameter_count(dims) > 4096) return 0;
  try {
    deepnet::DeepNet<double> net(dims, activations, loss);
    check(!refuse, "DeepNet accepted a configuration that cannot work");
    check(net.L() == static_cast<Index>(L), "L is not the number of layers");
    train(in, net, loss);
  } catch (const deepnet::ConfigError&) {
    check(refuse, "ConfigError for a configuration that works");
  }
  return 0;
}
