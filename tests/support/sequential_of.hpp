// sequential_of(net): the Sequential of a DeepNet, for the tests that check one against the
// other (test_sequential.cpp, test_sequential_fit.cpp).
#ifndef DEEPNET_TEST_SEQUENTIAL_OF_HPP
#define DEEPNET_TEST_SEQUENTIAL_OF_HPP

#include <catch2/catch.hpp>
#include <deepnet/core/deep_net.hpp>
#include <deepnet/core/sequential.hpp>
#include <deepnet/modules/activation.hpp>
#include <deepnet/modules/batch_norm.hpp>
#include <deepnet/modules/dense.hpp>

#include <memory>
#include <string>

namespace deepnet_test {

// Dense (without bias under batch normalisation), BatchNorm when the layer has it, the
// activation; the DeepNet's parameters copied entry by entry through both registries, which
// list the same tensors in the same order.
template <class Scalar>
deepnet::Sequential<Scalar> sequential_of(deepnet::DeepNet<Scalar>& net) {
  namespace dm = deepnet::modules;
  deepnet::Sequential<Scalar> seq(net.dims().front());
  for (deepnet::Index l = 1; l <= net.L(); ++l) {
    const bool norm = net.layer(l).has_batch_norm();
    seq.template add<dm::Dense>(net.layer(l).units(), norm ? dm::Bias::Without : dm::Bias::With);
    if (norm) seq.template add<dm::BatchNorm>();
    seq.add(std::make_unique<dm::ActivationModule<Scalar>>(net.layer(l).activation()));
  }
  seq.set_loss(net.loss());
  auto from = net.parameters();
  auto to = seq.parameters();
  REQUIRE(from.size() == to.size());
  for (std::size_t i = 0; i < from.size(); ++i) {
    REQUIRE(std::string(from[i].symbol) == to[i].symbol);
    to[i].value = from[i].value;
  }
  return seq;
}

}  // namespace deepnet_test

#endif  // DEEPNET_TEST_SEQUENTIAL_OF_HPP
