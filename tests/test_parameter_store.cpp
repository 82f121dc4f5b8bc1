// Tests for core/parameter_store.hpp: DeepNet's W, b, gamma, beta and gradients in one value
// and one gradient buffer, the accessors that still behave as matrices (assignment of the
// wrong shape refused, resize out of and back into the store, copies that never share the
// store), and the one-pass update of the built-in optimizers, bit for bit the per-parameter
// formulas (the optimizers' own `update(k, ...)`, the code that ran per tensor before), with
// their state read and written by name as checkpoints do, and no allocation after the first
// step.
#include "support/test_support.hpp"

#include "support/no_malloc.hpp"
#include "support/residual.hpp"

#include <deepnet/core/deep_net.hpp>
#include <deepnet/core/sequential.hpp>
#include <deepnet/modules/activation.hpp>
#include <deepnet/modules/batch_norm.hpp>
#include <deepnet/modules/dense.hpp>
#include <deepnet/training/optimizer.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using Catch::Matchers::Contains;
using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::Index;
using deepnet::Init;
using deepnet::Matrix;
using deepnet::Optimizer;
using deepnet::ShapeError;

namespace {

// The same bits, entry by entry (NaN included).
template <class A, class B>
bool store_same_bits(const A& a, const B& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Index j = 0; j < a.cols(); ++j) {
    for (Index i = 0; i < a.rows(); ++i) {
      const auto x = a(i, j);
      const auto y = b(i, j);
      if (std::memcmp(&x, &y, sizeof(x)) != 0) return false;
    }
  }
  return true;
}

// A built-in rule seen through the base interface only: DeepNet then updates parameter by
// parameter through the rule's update(k, ...), the per-tensor formulas of before the store.
template <class Scalar>
class PerTensor : public Optimizer<Scalar> {
 public:
  explicit PerTensor(Optimizer<Scalar>& inner) : m_inner(inner) {}
  std::string name() const override { return m_inner.name(); }
  void begin_step() override { m_inner.begin_step(); }
  void update(Index k, deepnet::MatrixSpan<Scalar> theta, deepnet::MatrixView<Scalar> g,
              Scalar alpha) override {
    m_inner.update(k, theta, g, alpha);
  }

 private:
  Optimizer<Scalar>& m_inner;
};

template <class Scalar>
std::unique_ptr<Optimizer<Scalar>> store_rule(const std::string& name) {
  if (name == "Momentum") return std::make_unique<deepnet::Momentum<Scalar>>(0.8);
  if (name == "RMSProp") return std::make_unique<deepnet::RMSProp<Scalar>>(0.99, 1e-7);
  if (name == "Adam") return std::make_unique<deepnet::Adam<Scalar>>(0.85, 0.99, 1e-7);
  return std::make_unique<deepnet::GradientDescent<Scalar>>();
}

template <class Scalar>
Matrix<Scalar> store_one_hot(Index classes, Index m) {
  Matrix<Scalar> Y = Matrix<Scalar>::Zero(classes, m);
  for (Index j = 0; j < m; ++j)
    Y((j * 7) % classes, j) = 1;
  return Y;
}

template <class Scalar>
DeepNet<Scalar> store_net(bool batch_norm) {
  DeepNet<Scalar> net({6, 9, 7, 4}, Activation::Tanh, Activation::Softmax);
  net.initialize(Init::He, 11);
  if (batch_norm) net.set_batch_norm(2);
  net.set_l2(0.05);
  return net;
}

// Checks that the store's slots are `expected` (name, size) in order, each at the next multiple
// of 8 doubles (64 bytes) after the one before, and returns where the last one ends.
Index check_layout(const deepnet::ParameterStore<double>& store,
                   const std::vector<std::pair<std::string, Index>>& expected) {
  REQUIRE(store.slots().size() == expected.size());
  Index offset = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& slot = store.slots()[i];
    CAPTURE(slot.name);
    CHECK(slot.name == expected[i].first);
    CHECK(slot.size() == expected[i].second);
    offset = (offset + 7) / 8 * 8;
    CHECK(slot.offset == offset);
    offset += slot.size();
  }
  return offset;
}

namespace dm = deepnet::modules;

// A Dense module that keeps its W and b outside the store (it does not override attach),
// as a module of a program's that predates the store would: the network updates it tensor by
// tensor.
template <class Scalar>
class OutsideDense : public deepnet::Module<Scalar> {
 public:
  explicit OutsideDense(Index units) : m_dense(units) {}
  std::string name() const override { return "OutsideDense"; }
  Index output_size(Index input_size) override { return m_dense.output_size(input_size); }
  void forward(deepnet::MatrixView<Scalar> in, deepnet::MatrixSpan<Scalar> out, bool t) override {
    m_dense.forward(in, out, t);
  }
  void backward(deepnet::MatrixView<Scalar> in, deepnet::MatrixView<Scalar> out,
                deepnet::MatrixView<Scalar> d_out, deepnet::MatrixSpan<Scalar>* d_in) override {
    m_dense.backward(in, out, d_out, d_in);
  }
  void for_each_tensor(deepnet::TensorVisitor<Scalar> visit) override {
    m_dense.for_each_tensor(visit);
  }
  void initialize(Init init, deepnet::Random& random) override { m_dense.initialize(init, random); }

 private:
  dm::Dense<Scalar> m_dense;
};

// A module whose attach names a tensor it does not list.
class MisnamedDense : public dm::Dense<double> {
 public:
  MisnamedDense() : dm::Dense<double>(3) {}
  void attach(const deepnet::ParameterPlaces<double>& places) override {
    places("V", W(), const_cast<Weights&>(dW()));
  }
};

// 6 -> Dense(9, no bias) -> BatchNorm -> Tanh -> first(7) -> ReLU -> Dense(4) -> Softmax, with
// `First` the module of the middle layer (Dense or OutsideDense), drawn with one seed.
template <class Scalar, template <class> class First>
deepnet::Sequential<Scalar> store_sequential() {
  deepnet::Sequential<Scalar> net(6);
  net.template add<dm::Dense>(9, dm::Bias::Without)
      .template add<dm::BatchNorm>()
      .template add<dm::Tanh>()
      .template add<First<Scalar>>(7)
      .template add<dm::ReLU>()
      .template add<dm::Dense>(4)
      .template add<dm::Softmax>();
  net.initialize(Init::He, 5);
  return net;
}

}  // namespace

TEST_CASE("parameter store: every W, b, gamma, beta and gradient lives in two buffers",
          "[parameter_store]") {
  DeepNet<double> net({5, 4, 3, 2});
  net.set_batch_norm(2);
  const auto& store = net.parameter_store();
  // W[1] b[1] W[2] b[2] W[3] b[3] | gamma[1] beta[1] gamma[2] beta[2] gamma[3] beta[3], each
  // at the next multiple of 8 doubles (64 bytes).
  const std::vector<std::pair<std::string, Index>> expected = {
      {"W[1]", 20},    {"b[1]", 4},    {"W[2]", 12},    {"b[2]", 3},
      {"W[3]", 6},     {"b[3]", 2},    {"gamma[1]", 4}, {"beta[1]", 4},
      {"gamma[2]", 3}, {"beta[2]", 3}, {"gamma[3]", 2}, {"beta[3]", 2}};
  const Index offset = check_layout(store, expected);
  REQUIRE(store.size() == offset);
  REQUIRE(net.parameter_values().size() == offset);
  REQUIRE(net.parameter_gradients().size() == offset);
  // 64-byte alignment of every tensor, as a matrix of its own has it.
  CHECK(reinterpret_cast<std::uintptr_t>(net.layer(2).W().data()) % 16 == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(net.layer(3).b().data()) % 16 == 0);
  const auto at = [&](const char* name) { return store.find(name)->offset; };
  CHECK(net.layer(1).W().data() == net.parameter_values().data() + at("W[1]"));
  CHECK(net.layer(3).b().data() == net.parameter_values().data() + at("b[3]"));
  CHECK(net.layer(2).batch_norm().gamma().data() == net.parameter_values().data() + at("gamma[2]"));
  CHECK(net.layer(2).dW().data() == net.parameter_gradients().data() + at("W[2]"));
  CHECK(net.layer(2).batch_norm().dbeta().data() ==
        net.parameter_gradients().data() + at("beta[2]"));
  CHECK(store.find("running_mean[2]") == nullptr);  // buffers stay in the layer
  // The registry's views are the store's.
  for (const auto& entry : net.parameters()) {
    if (!entry.trainable) continue;
    CAPTURE(entry.name);
    CHECK(entry.value.data() == net.parameter_values().data() + at(entry.name.c_str()));
  }
  // Writing the flat buffer writes the layers, and the other way round.
  net.parameter_values()(at("W[2]") + 1) = 0.25;  // W[2](1, 0): column-major
  CHECK(net.layer(2).W()(1, 0) == 0.25);
  net.layer(3).b()(1) = -3.5;
  CHECK(net.parameter_values()(at("b[3]") + 1) == -3.5);
}

TEST_CASE("parameter store: copies, moves and casts never share the source's buffers",
          "[parameter_store]") {
  DeepNet<double> net = store_net<double>(true);
  DeepNet<double> copy = net;
  CHECK(copy.parameter_values().data() != net.parameter_values().data());
  CHECK(copy.parameter_values() == net.parameter_values());
  CHECK(copy.layer(1).W().data() == copy.parameter_values().data());
  copy.layer(1).W()(0, 0) = 123.0;
  copy.layer(2).batch_norm().gamma()(0) = 4.0;
  CHECK(net.layer(1).W()(0, 0) != 123.0);
  CHECK(net.layer(2).batch_norm().gamma()(0) != 4.0);

  // Copy-assignment between networks of other sizes, then a move.
  DeepNet<double> other({2, 3, 1});
  other = net;
  CHECK(other.dims() == net.dims());
  CHECK(other.parameter_values() == net.parameter_values());
  CHECK(other.layer(3).W().data() != net.layer(3).W().data());
  const Matrix<double> W2 = net.layer(2).W();
  DeepNet<double> moved = std::move(other);
  CHECK(moved.layer(2).W() == W2);
  CHECK(moved.layer(2).W().data() ==
        moved.parameter_values().data() + moved.parameter_store().find("W[2]")->offset);

  // A cast and a layer copied out of a network own their values.
  const DeepNet<float> single = net.cast<float>();
  CHECK(single.layer(2).W() == net.layer(2).W().cast<float>());
  deepnet::Layer<double> layer = net.layer(2);
  CHECK_FALSE(layer.W().in_store());
  layer.W().setZero();
  CHECK(net.layer(2).W() == W2);
  // auto takes a copy of the values, as it did when W() was a Matrix&.
  auto W = net.layer(2).W();
  net.layer(2).W().setConstant(2.0);
  CHECK(W == W2);
}

TEST_CASE("parameter store: a value of another shape is refused, resize leaves the store",
          "[parameter_store][errors]") {
  DeepNet<double> net({4, 5, 3, 1});
  net.initialize(Init::He, 3);
  const deepnet::Vector<double> before = net.parameter_values();
  REQUIRE_THROWS_AS(net.layer(2).W() = Matrix<double>::Zero(5, 3), ShapeError);
  REQUIRE_THROWS_WITH(net.layer(2).W() = Matrix<double>::Zero(5, 3),
                      Contains("layer 2: W = value: W is 5x3, expected 3x5"));
  REQUIRE_THROWS_WITH(net.layer(1).b() = deepnet::Vector<double>::Zero(4),
                      Contains("layer 1: b = value: b is 4x1, expected 5x1"));
  try {
    net.layer(3).dW() = Matrix<double>::Ones(3, 1);
    FAIL("no exception");
  } catch (const ShapeError& error) {
    CHECK(error.layer() == 3);
    CHECK(error.symbol() == "dW");
    CHECK(error.rows() == 3);
    CHECK(error.expected_rows() == 1);
    CHECK(error.expected_cols() == 3);
  }
  CHECK(net.parameter_values() == before);  // nothing was written

  // resize: out of the store (reported by the network), then back into its place.
  net.layer(2).W().resize(5, 3);
  CHECK_FALSE(net.layer(2).W().in_store());
  REQUIRE_THROWS_WITH(net.parameter_values(),
                      "DeepNet::parameter_values: layer 2: W is 5x3, expected 3x5 (n[2] x n[1])");
  net.layer(2).W().resize(3, 5);
  CHECK(net.layer(2).W().in_store());
  CHECK(net.parameter_values() == before);

  // A copy of a network with a resized tensor keeps it resized (and out of its store).
  net.layer(3).W().resize(40, 40);
  DeepNet<double> copy = net;
  CHECK(copy.layer(3).W().rows() == 40);
  CHECK_FALSE(copy.layer(3).W().in_store());
  REQUIRE_THROWS_WITH(
      copy.parameter_gradients(),
      "DeepNet::parameter_gradients: layer 3: W is 40x40, expected 1x3 (n[3] x n[2])");
  copy.layer(3).W().resize(1, 3);
  CHECK(copy.layer(3).W().in_store());
  net.layer(3).W().resize(1, 3);

  // Under batch normalisation, gamma and beta are checked as W and b are.
  net.set_batch_norm(1);
  net.layer(1).batch_norm().beta().resize(2);
  const Matrix<double> X = Matrix<double>::Random(4, 6);
  REQUIRE_THROWS_WITH(net.forward(X),
                      "DeepNet::forward: layer 1: beta is 2x1, expected 5x1 (n[1] x 1)");

  // A layer built alone owns its storage: assignment works as for a matrix of that shape.
  deepnet::Layer<double> layer(3, 2, Activation::ReLU);
  layer.W() = Matrix<double>::Constant(2, 3, 0.5);
  CHECK(layer.W().sum() == 3.0);
}

TEMPLATE_TEST_CASE(
    "one-pass update: the built-in rules give the per-parameter results, bit for "
    "bit, with the state by name",
    "[parameter_store][optimizer]", float, double) {
  const Index m = 23;
  const Matrix<TestType> X = Matrix<TestType>::Random(6, m);
  const Matrix<TestType> Y = store_one_hot<TestType>(4, m);
  for (const bool batch_norm : {false, true}) {
    for (const char* name : {"GradientDescent", "Momentum", "RMSProp", "Adam"}) {
      CAPTURE(batch_norm, name);
      DeepNet<TestType> flat = store_net<TestType>(batch_norm);
      DeepNet<TestType> per_tensor = store_net<TestType>(batch_norm);
      auto rule = store_rule<TestType>(name);
      auto reference_rule = store_rule<TestType>(name);
      PerTensor<TestType> reference(*reference_rule);
      for (int step = 0; step < 4; ++step) {
        flat.forward(X);
        flat.backward(Y);
        flat.update(*rule, 0.05);
        per_tensor.forward(X);
        per_tensor.backward(Y);
        per_tensor.update(reference, 0.05);
      }
      CHECK(store_same_bits(flat.parameter_values(), per_tensor.parameter_values()));
      // The state, read by k as a checkpoint reads it, is the per-tensor rule's.
      Index k = 0;
      for (const auto& entry : flat.parameters()) {
        if (!entry.trainable) continue;
        for (const std::string& slot : rule->state_slots()) {
          CAPTURE(entry.name, slot);
          CHECK(store_same_bits(
              rule->state(slot, k, entry.value.rows(), entry.value.cols()),
              reference_rule->state(slot, k, entry.value.rows(), entry.value.cols())));
        }
        ++k;
      }
    }
  }
}

TEST_CASE("one-pass update: state written by name before a step is the state that step uses",
          "[parameter_store][optimizer][checkpoint]") {
  const Matrix<double> X = Matrix<double>::Random(6, 17);
  const Matrix<double> Y = store_one_hot<double>(4, 17);
  for (const bool started : {false, true}) {
    CAPTURE(started);
    DeepNet<double> flat = store_net<double>(true);
    DeepNet<double> per_tensor = store_net<double>(true);
    deepnet::Adam<double> adam, reference_adam;
    PerTensor<double> reference(reference_adam);
    if (started) {  // the flat state exists already: writing must reach it
      flat.forward(X);
      flat.backward(Y);
      flat.update(adam, 0.01);
      per_tensor.forward(X);
      per_tensor.backward(Y);
      per_tensor.update(reference, 0.01);
    }
    // What Trainer::resume does with a checkpoint: every slot of every parameter by k.
    Index k = 0;
    for (const auto& entry : flat.parameters()) {
      if (!entry.trainable) continue;
      const Index rows = entry.value.rows(), cols = entry.value.cols();
      const Matrix<double> v = Matrix<double>::Constant(rows, cols, 0.01 * static_cast<double>(k));
      const Matrix<double> s = Matrix<double>::Constant(rows, cols, 0.002 * static_cast<double>(k));
      adam.state("v", k, rows, cols) = v;
      adam.state("s", k, rows, cols) = s;
      reference_adam.state("v", k, rows, cols) = v;
      reference_adam.state("s", k, rows, cols) = s;
      ++k;
    }
    adam.set_steps(5);
    reference_adam.set_steps(5);
    flat.forward(X);
    flat.backward(Y);
    flat.update(adam, 0.01);
    per_tensor.forward(X);
    per_tensor.backward(Y);
    per_tensor.update(reference, 0.01);
    CHECK(store_same_bits(flat.parameter_values(), per_tensor.parameter_values()));
    CHECK(store_same_bits(adam.v(2), reference_adam.v(2)));
    CHECK(store_same_bits(adam.s(3), reference_adam.s(3)));
  }
}

TEST_CASE("one-pass update: no allocation after the first step, for every built-in rule",
          "[parameter_store][optimizer][no_malloc]") {
  Eigen::setNbThreads(1);
  const Matrix<float> X = Matrix<float>::Random(6, 32);
  const Matrix<float> Y = store_one_hot<float>(4, 32);
  for (const char* name : {"GradientDescent", "Momentum", "RMSProp", "Adam"}) {
    CAPTURE(name);
    DeepNet<float> net = store_net<float>(true);
    auto rule = store_rule<float>(name);
    const auto step = [&] {
      net.forward(X);
      net.backward(Y);
      net.update(*rule, 0.01);
    };
    step();
    CHECK(deepnet_test::allocations_during(step) == 0);
  }
}

TEST_CASE("parameter store: a Sequential keeps its modules' tensors in two buffers",
          "[parameter_store][sequential]") {
  auto net = store_sequential<double, dm::Dense>();
  REQUIRE(net.parameters_in_store());
  const auto& store = net.parameter_store();
  // The trainable entries of the registry, in its order, each at the next multiple of 8
  // doubles; running_mean[2], running_var[2] are buffers and stay in the module.
  const std::vector<std::pair<std::string, Index>> expected = {
      {"W[1]", 54}, {"gamma[2]", 9}, {"beta[2]", 9}, {"W[4]", 63},
      {"b[4]", 7},  {"W[6]", 28},    {"b[6]", 4}};
  const Index offset = check_layout(store, expected);
  REQUIRE(net.parameter_values().size() == offset);
  REQUIRE(net.parameter_gradients().size() == offset);
  for (const auto& entry : net.parameters()) {
    if (!entry.trainable) continue;
    CAPTURE(entry.name);
    const Index at = store.find(entry.name)->offset;
    CHECK(entry.value.data() == net.parameter_values().data() + at);
    CHECK(entry.gradient.data() == net.parameter_gradients().data() + at);
  }
  // initialize drew into the store: the values are W's, and writing one writes the other.
  auto& dense = static_cast<dm::Dense<double>&>(net.module(4));
  const Index at = store.find("W[4]")->offset;
  CHECK(net.parameter_values()(at + 2) == dense.W()(2, 0));
  CHECK(dense.W().norm() > 0);
  net.parameter_values()(at + 1) = 0.75;
  CHECK(dense.W()(1, 0) == 0.75);
  // A gradient written by backward is the store's.
  const Matrix<double> X = Matrix<double>::Random(6, 11);
  const Matrix<double> Y = store_one_hot<double>(4, 11);
  net.forward(X);
  net.backward(Y);
  CHECK(net.parameter_gradients().segment(at, 63) ==
        Eigen::Map<const deepnet::Vector<double>>(dense.dW().data(), 63));
  CHECK(dense.dW().norm() > 0);
  // Assigning a W of another shape is refused, as for DeepNet's layer(l).W().
  CHECK_THROWS_AS(dense.W() = Matrix<double>::Zero(3, 3), ShapeError);
}

TEST_CASE("parameter store: adding a module keeps the values of the modules before it",
          "[parameter_store][sequential]") {
  deepnet::Sequential<double> net(5);
  net.add<dm::Dense>(4).add<dm::Tanh>();
  net.initialize(Init::Xavier, 3);
  const Matrix<double> W1 = static_cast<dm::Dense<double>&>(net.module(1)).W();
  net.add<dm::Dense>(2).add<dm::Sigmoid>();
  const auto& first = static_cast<dm::Dense<double>&>(net.module(1));
  CHECK(first.W() == W1);
  CHECK(first.W().data() == net.parameter_values().data());  // W[1] at offset 0 of the new store
  CHECK(net.parameter_store().slots().size() == 4);
}

TEMPLATE_TEST_CASE(
    "parameter store: a Sequential's one-pass update equals the tensor-by-tensor one, bit for "
    "bit",
    "[parameter_store][sequential][optimizer]", float, double) {
  const Index m = 17;
  const Matrix<TestType> X = Matrix<TestType>::Random(6, m);
  const Matrix<TestType> Y = store_one_hot<TestType>(4, m);
  for (const char* name : {"GradientDescent", "Momentum", "RMSProp", "Adam"}) {
    CAPTURE(name);
    // In the store, updated in one pass; the same network with module 4 outside the store,
    // which makes the network update every tensor through update(k, ...).
    auto flat = store_sequential<TestType, dm::Dense>();
    auto per_tensor = store_sequential<TestType, OutsideDense>();
    REQUIRE(flat.parameters_in_store());
    REQUIRE_FALSE(per_tensor.parameters_in_store());
    auto rule = store_rule<TestType>(name);
    auto reference_rule = store_rule<TestType>(name);
    for (int step = 0; step < 4; ++step) {
      flat.forward(X);
      flat.backward(Y);
      flat.update(*rule, 0.05);
      per_tensor.forward(X);
      per_tensor.backward(Y);
      per_tensor.update(*reference_rule, 0.05);
    }
    auto a = flat.parameters();
    auto b = per_tensor.parameters();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CAPTURE(a[i].name);
      CHECK(a[i].name == b[i].name);
      CHECK(store_same_bits(a[i].value, b[i].value));
    }
  }
}

TEST_CASE("parameter store: a module outside the store, or attaching what it does not list",
          "[parameter_store][sequential]") {
  auto net = store_sequential<double, OutsideDense>();
  CHECK_FALSE(net.parameters_in_store());
  CHECK_THROWS_AS(net.parameter_gradients(), deepnet::StateError);
  CHECK_THROWS_WITH(net.parameter_gradients(),
                    Contains("module 4 (OutsideDense)") && Contains("Module::attach"));
  CHECK_THROWS_AS(net.parameter_values(), deepnet::StateError);
  CHECK_THROWS_AS(net.flat_parameters(), deepnet::StateError);

  // A module of the program's that attaches (the residual block) is in the store like the
  // built-in ones.
  deepnet::Sequential<double> residual(4);
  residual.add<dm::Dense>(3).add<deepnet_test::Residual>(5).add<dm::Sigmoid>();
  CHECK(residual.parameters_in_store());
  auto& block = static_cast<deepnet_test::Residual&>(residual.module(2));
  CHECK(block.W2.data() ==
        residual.parameter_values().data() + residual.parameter_store().find("W2[2]")->offset);
  CHECK(block.db1.data() ==
        residual.parameter_gradients().data() + residual.parameter_store().find("b1[2]")->offset);

  deepnet::Sequential<double> bad(5);
  bad.add<dm::Dense>(4);
  const Matrix<double> W1 = Matrix<double>::Constant(4, 5, 0.5);
  static_cast<dm::Dense<double>&>(bad.module(1)).W() = W1;
  CHECK_THROWS_AS(bad.add<MisnamedDense>(), deepnet::ConfigError);
  CHECK_THROWS_WITH(bad.add<MisnamedDense>(), Contains("Sequential::add: module 2 (Dense)") &&
                                                  Contains("\"V\" (3 x 4") &&
                                                  Contains("no trainable tensor"));
  // The network is as it was: one module, its W in the store with its values.
  CHECK(bad.size() == 1);
  CHECK(bad.parameters_in_store());
  CHECK(static_cast<dm::Dense<double>&>(bad.module(1)).W() == W1);
  CHECK(bad.parameter_values().size() == 24 + 4);
}
