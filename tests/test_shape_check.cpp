// Tests for shape_check.hpp: corrupt one shape on purpose and check the exact message, which
// names the layer, the symbol, the actual and the expected shape, and why.
#include "support/test_support.hpp"

#include <deepnet/core/deep_net.hpp>
#include <deepnet/core/shape_check.hpp>

using Catch::Matchers::Contains;
using deepnet::DeepNet;
using deepnet::Index;
using deepnet::Init;
using deepnet::Matrix;
using deepnet::ShapeError;

namespace {

// n[0] = 4, n[1] = 7, n[2] = 20, n[3] = 1: W[2] is 20x7.
struct Trained {
  DeepNet<double> net{{4, 7, 20, 1}};
  Matrix<double> X = Matrix<double>::Random(4, 6);
  Matrix<double> Y = (Matrix<double>::Random(1, 6).array() > 0).cast<double>();
  Trained() {
    net.initialize(Init::He, 3);
    net.forward(X);
    net.backward(Y);
  }
};

}  // namespace

TEST_CASE("check_shapes: a healthy network passes after forward and backward", "[shape_check]") {
  Trained t;
  CHECK_NOTHROW(t.net.check_shapes());
  DeepNet<double> fresh({3, 2, 1});
  CHECK_NOTHROW(fresh.check_shapes());  // parameters only before the first forward pass
}

TEST_CASE("check_shapes: names layer, symbol and both shapes of a wrong dW", "[shape_check]") {
  Trained t;
  t.net.layer(2).dW().resize(7, 20);
  REQUIRE_THROWS_AS(t.net.check_shapes(), ShapeError);
  REQUIRE_THROWS_WITH(t.net.check_shapes(), "layer 2: dW is 7x20, expected 20x7 (the shape of W)");
  try {
    t.net.check_shapes();
  } catch (const ShapeError& error) {
    CHECK(error.layer() == 2);
    CHECK(error.symbol() == "dW");
    CHECK(error.rows() == 7);
    CHECK(error.cols() == 20);
    CHECK(error.expected_rows() == 20);
    CHECK(error.expected_cols() == 7);
  }
}

TEST_CASE("check_shapes: every symbol that can be resized is checked", "[shape_check]") {
  Trained t;
  SECTION("W") {
    t.net.layer(2).W().resize(7, 20);
    REQUIRE_THROWS_WITH(t.net.check_shapes(), "layer 2: W is 7x20, expected 20x7 (n[2] x n[1])");
  }
  SECTION("b") {
    t.net.layer(1).b().resize(3);
    REQUIRE_THROWS_WITH(t.net.check_shapes(), "layer 1: b is 3x1, expected 7x1 (n[1] x 1)");
  }
  SECTION("db") {
    t.net.layer(3).db().resize(2);
    REQUIRE_THROWS_WITH(t.net.check_shapes(), "layer 3: db is 2x1, expected 1x1 (the shape of b)");
  }
  SECTION("the first mismatch is reported, layer by layer") {
    t.net.layer(3).W().resize(1, 1);
    t.net.layer(1).dW().resize(1, 1);
    REQUIRE_THROWS_WITH(t.net.check_shapes(), "layer 1: dW is 1x1, expected 7x4 (the shape of W)");
  }
}

TEST_CASE("check_shapes: runs after backward in debug builds only, unless chosen otherwise",
          "[shape_check]") {
#ifdef NDEBUG
  CHECK(DEEPNET_CHECKS_SHAPES_AFTER_BACKWARD == 0);
#else
  CHECK(DEEPNET_CHECKS_SHAPES_AFTER_BACKWARD == 1);
#endif
}

TEST_CASE("check_layer_shapes: Z, A, dZ, dA must be n[l] x m", "[shape_check]") {
  Trained t;
  const auto& layer = t.net.layer(2);
  CHECK_NOTHROW(deepnet::check_layer_shapes(layer, 2, 6, true));
  REQUIRE_THROWS_WITH(deepnet::check_layer_shapes(layer, 2, 5, false),
                      "layer 2: Z is 20x6, expected 20x5 (n[2] x m)");
}

TEST_CASE("forward, backward and update refuse a corrupted network before computing",
          "[shape_check][errors]") {
  Trained t;
  SECTION("forward") {
    t.net.layer(2).W().resize(7, 20);
    REQUIRE_THROWS_WITH(t.net.forward(t.X),
                        "DeepNet::forward: layer 2: W is 7x20, expected 20x7 (n[2] x n[1])");
  }
  SECTION("backward") {
    t.net.forward(t.X);
    t.net.layer(1).b().resize(2);
    REQUIRE_THROWS_WITH(t.net.backward(t.Y),
                        "DeepNet::backward: layer 1: b is 2x1, expected 7x1 (n[1] x 1)");
  }
  SECTION("backward with a resized gradient") {
    t.net.forward(t.X);
    t.net.layer(3).dW().resize(1, 1);
    REQUIRE_THROWS_WITH(t.net.backward(t.Y),
                        "DeepNet::backward: layer 3: dW is 1x1, expected 1x20 (the shape of W)");
  }
  SECTION("update") {
    t.net.layer(2).dW().resize(3, 3);
    REQUIRE_THROWS_WITH(t.net.update(0.1), Contains("layer 2: dW is 3x3, expected 20x7"));
  }
  SECTION("predict") {
    t.net.layer(1).W().resize(7, 5);
    REQUIRE_THROWS_WITH(t.net.predict(t.X),
                        "DeepNet::predict: layer 1: W is 7x5, expected 7x4 (n[1] x n[0])");
  }
}

TEST_CASE("Layer: refuses an input with the wrong number of rows on its own", "[shape_check]") {
  deepnet::Layer<double> layer(3, 2, deepnet::Activation::ReLU, 4);
  deepnet::detail::GemmWorkspace<double> workspace;
  const Matrix<double> A_prev = Matrix<double>::Ones(5, 2);
  REQUIRE_THROWS_WITH(layer.forward(A_prev, workspace),
                      "Layer::forward: layer 4: A[l-1] is 5x2, expected 3x2 (n[l-1] = 3 rows)");
}
