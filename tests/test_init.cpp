// Tests for init.hpp and DeepNet::initialize: every scheme reproduces the NumPy reference bit
// for bit, has the spread it promises, and a seed always gives the same network.
#include "support/test_support.hpp"

#include <deepnet/core/deep_net.hpp>
#include <deepnet/core/init.hpp>

#include <cmath>

using deepnet::DeepNet;
using deepnet::Index;
using deepnet::Init;
using deepnet::Matrix;

namespace {

struct Scheme {
  Init init;
  const char* fixture_name;
};
const Scheme schemes[] = {{Init::Small, "small"},
                          {Init::ScaledNormal, "scaled_normal"},
                          {Init::He, "he"},
                          {Init::Xavier, "xavier"},
                          {Init::Zeros, "zeros"}};

}  // namespace

TEST_CASE("initialize: every scheme matches the reference bit for bit (double)", "[init]") {
  for (const Scheme& scheme : schemes) {
    CAPTURE(scheme.fixture_name);
    const auto fixture = deepnet_test::find_case("init.txt", scheme.fixture_name);
    DeepNet<double> net(fixture.dims());
    net.initialize(scheme.init, 7);
    for (Index l = 1; l <= net.L(); ++l) {
      CAPTURE(l);
      CHECK((net.layer(l).W().array() == fixture.matrix("W", l).array()).all());
      CHECK((net.layer(l).b().array() == 0.0).all());
    }
  }
}

TEST_CASE("initialize: a float network holds the double draws rounded once", "[init]") {
  for (const Scheme& scheme : schemes) {
    CAPTURE(scheme.fixture_name);
    const auto fixture = deepnet_test::find_case("init.txt", scheme.fixture_name);
    DeepNet<float> net(fixture.dims());
    net.initialize(scheme.init, 7);
    for (Index l = 1; l <= net.L(); ++l) {
      const Matrix<float> expected = fixture.matrix("W", l).cast<float>();
      CHECK((net.layer(l).W().array() == expected.array()).all());
    }
  }
}

TEST_CASE("initialize: each scheme has the spread it promises", "[init]") {
  // One large layer, n[0] = 400 inputs, n[1] = 300 units: 120000 draws per scheme.
  DeepNet<double> net({400, 300, 1});
  const auto spread = [&](Init init) {
    net.initialize(init, 99);
    const auto& W = net.layer(1).W();
    const double mean = W.mean();
    return std::sqrt((W.array() - mean).square().mean());
  };
  CHECK_THAT(spread(Init::Small), Catch::Matchers::WithinRel(0.01, 0.02));
  CHECK_THAT(spread(Init::ScaledNormal), Catch::Matchers::WithinRel(1 / std::sqrt(400.0), 0.02));
  CHECK_THAT(spread(Init::He), Catch::Matchers::WithinRel(std::sqrt(2 / 400.0), 0.02));
  // Uniform on [-r, r): standard deviation r / sqrt(3), r = sqrt(6 / (400 + 300)).
  CHECK_THAT(spread(Init::Xavier),
             Catch::Matchers::WithinRel(std::sqrt(6 / 700.0) / std::sqrt(3.0), 0.02));
  net.initialize(Init::Xavier, 99);
  CHECK(net.layer(1).W().cwiseAbs().maxCoeff() <= std::sqrt(6 / 700.0));
  CHECK(spread(Init::Zeros) == 0.0);
}

TEST_CASE("initialize: the same seed gives identical bits, another seed other weights",
          "[init][determinism]") {
  DeepNet<double> a({6, 5, 4, 1}), b({6, 5, 4, 1}), c({6, 5, 4, 1});
  a.initialize(Init::He, 1234);
  b.initialize(Init::He, 1234);
  c.initialize(Init::He, 1235);
  for (Index l = 1; l <= a.L(); ++l) {
    CHECK((a.layer(l).W().array() == b.layer(l).W().array()).all());
    CHECK((a.layer(l).W().array() != c.layer(l).W().array()).any());
  }
}

TEST_CASE("initialize: resets b to zero", "[init]") {
  DeepNet<double> net({3, 2, 1});
  net.layer(1).b().setConstant(5.0);
  net.initialize(Init::Small, 1);
  CHECK((net.layer(1).b().array() == 0.0).all());
}

TEST_CASE("to_string names every scheme", "[init]") {
  CHECK(deepnet::to_string(Init::ScaledNormal) == "ScaledNormal");
  CHECK(deepnet::to_string(Init::Xavier) == "Xavier");
  Matrix<double> W(2, 2);
  deepnet::Random random(1);
  REQUIRE_THROWS_AS(deepnet::initialize_weights(static_cast<Init>(17), W, random),
                    deepnet::ConfigError);
}
