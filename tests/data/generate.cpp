// Writes the model files and the archive of tests/data, against which test_model_fixtures.cpp
// checks that files written by an earlier build still read, and write back byte for byte.
// They were written by the headers of commit 989cb64 (before the file formats became loops
// over the parameter registry); regenerating them with a later build proves nothing.
//   g++ -std=c++17 -I<include of that commit> -I/usr/include/eigen3 generate.cpp && ./a.out
#include <deepnet/deepnet.hpp>

#include <cmath>
#include <fstream>

namespace {

using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::Index;

// Values of every kind, none of them round: sin of the position.
template <class Scalar>
DeepNet<Scalar> example() {
  DeepNet<Scalar> net({3, 5, 4, 2}, {Activation::Tanh, Activation::ReLU, Activation::Softmax},
                      deepnet::Loss::CategoricalCrossEntropy);
  net.set_batch_norm(2, true);
  net.set_keep_prob(1, 0.75);
  net.set_l2(0.01);
  double t = 0.1;
  for (Index l = 1; l <= net.L(); ++l) {
    auto& layer = net.layer(l);
    for (Index i = 0; i < layer.W().rows(); ++i)
      for (Index j = 0; j < layer.W().cols(); ++j)
        layer.W()(i, j) = static_cast<Scalar>(std::sin(t += 0.37));
    for (Index i = 0; i < layer.units(); ++i)
      layer.b()(i, 0) = static_cast<Scalar>(std::sin(t += 0.37) / 8);
    if (layer.has_batch_norm()) {
      auto& norm = layer.batch_norm();
      for (Index i = 0; i < layer.units(); ++i) {
        norm.gamma()(i, 0) = static_cast<Scalar>(1 + std::sin(t += 0.37) / 4);
        norm.beta()(i, 0) = static_cast<Scalar>(std::sin(t += 0.37) / 4);
        norm.running_mean()(i, 0) = static_cast<Scalar>(std::sin(t += 0.37));
        norm.running_var()(i, 0) = static_cast<Scalar>(1.5 + std::sin(t += 0.37));
      }
    }
  }
  return net;
}

}  // namespace

int main() {
  deepnet::save(example<double>(), "v1_double.dnet");
  deepnet::save(example<float>(), "v1_float.dnet");

  deepnet::ModelMetadata metadata;
  metadata.class_names = {"cat", "dog"};
  metadata.mean = {0.5, -1.25, 3.0};
  metadata.scale = {2.0, 0.5, 1.75};
  deepnet::save(example<double>(), metadata, "v3_metadata.dnet");

  deepnet::TrainingState<double> state;
  state.epoch = 3;
  state.iteration = 12;
  state.optimizer_steps = 12;
  state.order = {2, 0, 1, 3};
  state.shuffle_random = deepnet::Random(7).state();
  state.dropout_random = deepnet::Random(8).state();
  deepnet::Matrix<double> v(5, 3);
  for (Index k = 0; k < v.size(); ++k)
    v(k) = std::sin(0.5 * static_cast<double>(k));
  state.optimizer_state.emplace_back("v/W[1]", v);
  deepnet::save_checkpoint(example<double>(), state, "v2_checkpoint.dnet");

  deepnet::save_npz(example<double>(), "weights.npz");
  deepnet::save_npz(example<float>(), "weights_float.npz");
  return 0;
}
