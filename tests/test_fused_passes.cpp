// Tests for the passes over memory that the training step folds together: the finiteness of
// Z checked inside the activation loop (activation.hpp), dA[L] left out of fit's steps where
// the output gradient is fused (loss.hpp), and L2's (lambda/m) W as the start of the dW
// product (layer.hpp).
#include "support/test_support.hpp"

#include "support/all_parameters.hpp"

#include <deepnet/deepnet.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::FitOptions;
using deepnet::Index;
using deepnet::Init;
using deepnet::Loss;
using deepnet::Matrix;

namespace {

// The reference for the fused check: std::isfinite on every entry of W-free Z + b.
template <class Scalar>
bool every_entry_finite(const Matrix<Scalar>& Z, const deepnet::Vector<Scalar>& b) {
  for (Index j = 0; j < Z.cols(); ++j) {
    for (Index i = 0; i < Z.rows(); ++i) {
      if (!std::isfinite(Z(i, j) + b(i))) return false;
    }
  }
  return true;
}

}  // namespace

TEMPLATE_TEST_CASE("activate_columns: the finiteness of Z + b, checked in the activation loop",
                   "[activation][fused]", float, double) {
  using Scalar = TestType;
  const Scalar inf = std::numeric_limits<Scalar>::infinity();
  const Scalar nan = std::numeric_limits<Scalar>::quiet_NaN();
  const Scalar big = std::numeric_limits<Scalar>::max();
  const Activation activations[] = {Activation::Identity,  Activation::Sigmoid,
                                    Activation::Tanh,      Activation::ReLU,
                                    Activation::LeakyReLU, Activation::Softmax};
  // 17 x 5: more rows than one SIMD packet holds, and a remainder, so that a bad entry is seen
  // in the vectorised part and in the tail of a column.
  const Index n = 17, m = 5;
  struct Bad {
    Index i, j;
    Scalar value;
  };
  const Bad cases[] = {{0, 0, inf}, {16, 4, -inf}, {9, 2, nan}, {3, 4, big}, {15, 1, -big}};
  for (const Activation g : activations) {
    for (const Bad& bad : cases) {
      for (const bool with_bias : {false, true}) {
        Matrix<Scalar> Z = Matrix<Scalar>::Random(n, m);
        deepnet::Vector<Scalar> b = deepnet::Vector<Scalar>::Zero(n);
        Z(bad.i, bad.j) = bad.value;
        // The largest finite value overflows only once the bias is added.
        if (with_bias) b(bad.i) = bad.value == big || bad.value == -big ? bad.value : Scalar(0.5);
        INFO(deepnet::to_string(g) << ", entry (" << bad.i << ", " << bad.j << ") = " << bad.value
                                   << (with_bias ? ", with b" : ""));
        const bool expected = every_entry_finite(Z, b);
        Matrix<Scalar> A(n, m);
        const bool finite = deepnet::detail::activate_columns<Scalar>(
            g, deepnet::MatrixSpan<Scalar>(Z.data(), n, m),
            deepnet::MatrixSpan<Scalar>(A.data(), n, m), with_bias ? b.data() : nullptr, true);
        CHECK(finite == expected);
      }
    }
    // Finite Z: true, and without the check always true.
    Matrix<Scalar> Z = Matrix<Scalar>::Random(n, m);
    Matrix<Scalar> A(n, m);
    CHECK(deepnet::detail::activate_columns<Scalar>(g, deepnet::MatrixSpan<Scalar>(Z.data(), n, m),
                                                    deepnet::MatrixSpan<Scalar>(A.data(), n, m),
                                                    nullptr, true));
    Z(2, 3) = nan;
    CHECK(deepnet::detail::activate_columns<Scalar>(g, deepnet::MatrixSpan<Scalar>(Z.data(), n, m),
                                                    deepnet::MatrixSpan<Scalar>(A.data(), n, m),
                                                    nullptr, false));
  }
}

TEST_CASE("forward and predict still name the layer whose Z is not finite", "[fused]") {
  // W[2] = 1e300 turns inputs of 1e10 into Z[2] = 2e310: infinite, in layer 2, while
  // A[2] = sigmoid(Z[2]) is finite.
  DeepNet<double> net({2, 2, 2, 1},
                      {Activation::Identity, Activation::Sigmoid, Activation::Identity},
                      Loss::MeanSquaredError);
  net.layer(1).W().setIdentity();
  net.layer(2).W().setConstant(1e300);
  net.layer(3).W().setOnes();
  const Matrix<double> X = Matrix<double>::Constant(2, 3, 1e10);
  try {
    (void)net.forward(X);
    FAIL("forward did not throw");
  } catch (const deepnet::NumericalError& e) {
    CHECK(e.layer() == 2);
    CHECK(e.symbol() == "Z");
  }
  try {
    (void)net.predict(X);
    FAIL("predict did not throw");
  } catch (const deepnet::NumericalError& e) {
    CHECK(e.layer() == 2);
  }
}

TEST_CASE("fit's steps, which skip dA[L] where dZ[L] = A[L] - Y, give the bits of the public steps",
          "[fused][l2]") {
  // Two batches of 6 without shuffling (no X^T copy): fit runs forward, its own backward (no
  // dA[L] for fused outputs) and update; the same steps through the public forward,
  // backward (which fills dA[L]) and update must end on the same bits, with and without L2.
  struct Case {
    Activation output;
    Index units;
  };
  for (const Case c :
       {Case{Activation::Sigmoid, 2}, Case{Activation::Softmax, 3}, Case{Activation::Tanh, 2}}) {
    for (const double lambda : {0.0, 0.7}) {
      INFO(deepnet::to_string(c.output) << ", lambda " << lambda);
      const Index m = 12;
      const Matrix<double> X = Matrix<double>::Random(4, m);
      Matrix<double> Y = Matrix<double>::Zero(c.units, m);
      for (Index j = 0; j < m; ++j) {
        if (c.output == Activation::Tanh) {
          Y.col(j).setConstant(0.3 * std::sin(double(j)));
        } else {
          Y((j * 7) % c.units, j) = 1.0;
        }
      }
      DeepNet<double> fitted({4, 5, c.units}, Activation::ReLU, c.output);
      fitted.initialize(Init::He, 5);
      fitted.set_l2(lambda);
      DeepNet<double> by_hand = fitted;
      const double alpha = 0.1;
      const int epochs = 3;
      (void)fitted.fit(
          X, Y, FitOptions().learning_rate(alpha).epochs(epochs).batch_size(6).shuffle(false));
      for (int e = 0; e < epochs; ++e) {
        for (Index start = 0; start < m; start += 6) {
          const auto X_batch = X.middleCols(start, 6);
          const Matrix<double> Y_batch = Y.middleCols(start, 6);
          (void)by_hand.forward(X_batch);
          by_hand.backward(Y_batch);
          by_hand.update(alpha);
        }
      }
      CHECK(deepnet_test::all_parameters(fitted) == deepnet_test::all_parameters(by_hand));
    }
  }
}
