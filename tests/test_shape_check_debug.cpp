// Built without NDEBUG: backward runs the shape checker on every matrix after it finishes.
#include "support/test_support.hpp"

#include <deepnet/core/deep_net.hpp>

#ifdef NDEBUG
#error "this test must be compiled without NDEBUG"
#endif

TEST_CASE("backward: in debug builds, a healthy backward pass passes the automatic shape check",
          "[shape_check][debug]") {
  deepnet::DeepNet<double> net({4, 7, 20, 1});
  net.initialize(deepnet::Init::He, 3);
  const deepnet::Matrix<double> X = deepnet::Matrix<double>::Random(4, 6);
  const deepnet::Matrix<double> Y =
      (deepnet::Matrix<double>::Random(1, 6).array() > 0).cast<double>();
  net.forward(X);
  REQUIRE_NOTHROW(net.backward(Y));
  CHECK(DEEPNET_CHECKS_SHAPES_AFTER_BACKWARD);
}
