// A program that must not compile: the network keeps a view of X from forward until backward
// (and a Trainer keeps views of X and Y until it has run), so a temporary matrix would be read
// after it is freed. tests/compile_fail/check.cmake compiles it with DEEPNET_TEMPORARY=0 (X a
// named matrix: must compile) and DEEPNET_TEMPORARY=1 (X a temporary: must fail with deepnet's
// message), once for forward (DEEPNET_CALL=0), once for Trainer (DEEPNET_CALL=1) and once for
// Sequential::forward (DEEPNET_CALL=2).
#include <deepnet/core.hpp>
#include <deepnet/core/sequential.hpp>
#include <deepnet/modules/dense.hpp>

#ifndef DEEPNET_TEMPORARY
#define DEEPNET_TEMPORARY 0
#endif
#ifndef DEEPNET_CALL
#define DEEPNET_CALL 0
#endif

namespace {

deepnet::Matrix<double> make_batch() {
  return deepnet::Matrix<double>::Ones(2, 3);
}

}  // namespace

int main() {
  deepnet::DeepNet<double> net({2, 1});
  net.initialize(deepnet::Init::He, 1);
  const deepnet::Matrix<double> Y = deepnet::Matrix<double>::Zero(1, 3);
#if DEEPNET_TEMPORARY
#define DEEPNET_X make_batch()
#else
  const deepnet::Matrix<double> X = make_batch();
#define DEEPNET_X X
#endif
#if DEEPNET_CALL == 0
  net.forward(DEEPNET_X);
  net.backward(Y);
#elif DEEPNET_CALL == 1
  deepnet::Trainer<double> trainer(net, DEEPNET_X, Y, deepnet::FitOptions().iterations(1));
  trainer.run();
#else
  deepnet::Sequential<double> sequential(2);
  sequential.add<deepnet::modules::Dense>(1);
  sequential.forward(DEEPNET_X);
  sequential.backward(Y);
#endif
  return 0;
}
