// all_parameters(net): every trainable parameter of a DeepNet in one vector, layer by layer, to
// compare two networks bit for bit (test_divergence.cpp, test_fused_passes.cpp).
#ifndef DEEPNET_TEST_ALL_PARAMETERS_HPP
#define DEEPNET_TEST_ALL_PARAMETERS_HPP

#include <deepnet/core/deep_net.hpp>

#include <vector>

namespace deepnet_test {

template <class Scalar>
std::vector<Scalar> all_parameters(deepnet::DeepNet<Scalar>& net) {
  std::vector<Scalar> values;
  for (deepnet::Index l = 1; l <= net.L(); ++l) {
    net.layer(l).for_each_parameter([&](const char*, auto theta, auto) {
      values.insert(values.end(), theta.data(), theta.data() + theta.size());
    });
  }
  return values;
}

}  // namespace deepnet_test

#endif  // DEEPNET_TEST_ALL_PARAMETERS_HPP
