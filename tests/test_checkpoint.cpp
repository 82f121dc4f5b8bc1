// Checkpoints (io/checkpoint.hpp): the parameter registry's names, the optimizer's state saved
// under them, and a fit that stops and resumes ending with the same bits as one that never
// stopped.
#include "support/test_support.hpp"

#include "support/temp_dir.hpp"

#include <deepnet/deepnet.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

namespace {

using Catch::Matchers::Contains;
using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::FitOptions;
using deepnet::FormatError;
using deepnet::Index;
using deepnet::Matrix;
using deepnet::OptimizerSettings;
using deepnet_test::TempDir;

template <class Scalar>
bool bitwise_equal(const Matrix<Scalar>& a, const Matrix<Scalar>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(Scalar) * static_cast<std::size_t>(a.size())) == 0;
}

// Every tensor of the registry, by name, bit for bit.
template <class Scalar>
void require_same_tensors(DeepNet<Scalar>& a, DeepNet<Scalar>& b) {
  const auto x = a.parameters();
  const auto y = b.parameters();
  REQUIRE(x.size() == y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    INFO(x[i].name);
    REQUIRE(x[i].name == y[i].name);
    REQUIRE(bitwise_equal<Scalar>(x[i].value, y[i].value));
  }
}

// 4 inputs, a hidden layer of 6 with batch normalisation and dropout, one sigmoid output.
template <class Scalar>
DeepNet<Scalar> small_network(std::uint64_t seed) {
  DeepNet<Scalar> net({4, 6, 1}, Activation::ReLU, Activation::Sigmoid);
  net.set_batch_norm(1, true);
  net.set_keep_prob(1, 0.8);
  net.initialize(deepnet::Init::He, seed);
  return net;
}

// 4 x 50 inputs and their labels: y = 1 when x0 + x1 > x2.
template <class Scalar>
void examples(Matrix<Scalar>& X, Matrix<Scalar>& Y) {
  deepnet::Random random(7);
  X.resize(4, 50);
  Y.resize(1, 50);
  for (Index j = 0; j < X.cols(); ++j) {
    for (Index i = 0; i < X.rows(); ++i)
      X(i, j) = static_cast<Scalar>(random.normal());
    Y(0, j) = X(0, j) + X(1, j) > X(2, j) ? Scalar(1) : Scalar(0);
  }
}

FitOptions adam_options() {
  return FitOptions()
      .learning_rate(0.01)
      .batch_size(16)  // 4 shuffled mini-batches, the last one of 2
      .seed(3)
      .optimizer(OptimizerSettings::adam());
}

// The examples, and a network trained on them for one epoch that left a checkpoint at path.
DeepNet<double> checkpointed(const std::string& path, Matrix<double>& X, Matrix<double>& Y) {
  examples(X, Y);
  DeepNet<double> net = small_network<double>(1);
  net.fit(X, Y, adam_options().epochs(1).checkpoint(path));
  return net;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void put_file_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// `saved` with `patch` written at byte `at` and its checksum recomputed, so that the decoder
// sees the patch, written to `path` and loaded: the FormatError it gives.
FormatError load_patched(const std::string& path, const std::string& saved, std::size_t at,
                         const std::string& patch) {
  std::string bytes = saved;
  bytes.replace(at, patch.size(), patch);
  const std::uint32_t crc = deepnet::detail::crc32(bytes.data(), bytes.size() - 4);
  for (int k = 0; k < 4; ++k)
    bytes[bytes.size() - 4 + static_cast<std::size_t>(k)] =
        static_cast<char>((crc >> (8 * k)) & 0xFF);
  put_file_bytes(path, bytes);
  try {
    deepnet::load_checkpoint<double>(path);
  } catch (const FormatError& e) {
    return e;
  }
  FAIL("no FormatError");
  return FormatError("", "");
}

// `value` as `size` little-endian bytes.
std::string le(std::uint64_t value, int size) {
  std::string out;
  deepnet::detail::put_le(out, value, size);
  return out;
}

}  // namespace

TEST_CASE("the parameter registry names every tensor, in the optimizer's order",
          "[checkpoint][registry]") {
  DeepNet<double> net = small_network<double>(1);
  const auto entries = net.parameters();
  std::vector<std::string> names;
  for (const auto& entry : entries)
    names.push_back(entry.name);
  // Layer 1 has batch normalisation: W, gamma, beta, then its running statistics; layer 2 W, b.
  CHECK(names == std::vector<std::string>{"W[1]", "gamma[1]", "beta[1]", "running_mean[1]",
                                          "running_var[1]", "W[2]", "b[2]"});
  CHECK(entries[0].value.data() == net.layer(1).W().data());
  CHECK(entries[0].gradient.data() == net.layer(1).dW().data());
  CHECK(entries[1].value.data() == net.layer(1).batch_norm().gamma().data());
  CHECK(entries[3].value.data() == net.layer(1).batch_norm().running_mean().data());
  CHECK_FALSE(entries[3].trainable);
  CHECK(entries[3].gradient.size() == 0);
  CHECK(entries[6].value.rows() == 1);
  CHECK(entries[6].value.cols() == 1);
  CHECK(entries[6].layer == 2);
  CHECK(std::string(entries[6].symbol) == "b");
}

TEMPLATE_TEST_CASE(
    "fit resumed from a checkpoint ends with the same bits as a run that never "
    "stopped",
    "[checkpoint]", float, double) {
  using Scalar = TestType;
  TempDir dir;
  const std::string path = dir.file("run.dnet");
  Matrix<Scalar> X, Y;
  examples(X, Y);

  DeepNet<Scalar> whole = small_network<Scalar>(1);
  const deepnet::History all = whole.fit(X, Y, adam_options().epochs(6));

  DeepNet<Scalar> first = small_network<Scalar>(1);
  first.fit(X, Y, adam_options().epochs(3).checkpoint(path));
  DeepNet<Scalar> resumed =
      small_network<Scalar>(99);  // its own weights are replaced by the file's
  const deepnet::History rest = resumed.fit(X, Y, adam_options().epochs(6).resume_from(path));

  require_same_tensors(whole, resumed);
  REQUIRE(rest.epochs.size() == 3);
  for (std::size_t e = 0; e < 3; ++e) {
    CHECK(rest.epochs[e].epoch == static_cast<Index>(e + 3));
    CHECK(rest.epochs[e].cost == all.epochs[e + 3].cost);
  }
  // 4 batches per epoch: the resumed run numbers its steps from 12.
  REQUIRE(rest.cost.size() == 12);
  CHECK(rest.cost.front() == all.cost[12]);

  SECTION("without the training state the run goes elsewhere") {
    // The same parameters from a model file alone: Adam starts afresh (t = 0, v = s = 0), the
    // shuffle and dropout generators from the seed, so the weights must differ.
    const std::string model = dir.file("model.dnet");
    DeepNet<Scalar> again = small_network<Scalar>(1);
    again.fit(X, Y, adam_options().epochs(3));
    deepnet::save(again, model);
    DeepNet<Scalar> restarted = small_network<Scalar>(99);
    restarted.fit(X, Y, adam_options().epochs(3).resume_from(model));
    CHECK_FALSE(bitwise_equal<Scalar>(restarted.layer(1).W(), whole.layer(1).W()));
  }
}

TEST_CASE("a checkpoint holds Adam's state under the registry's names", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("one.dnet");
  Matrix<double> X, Y;
  examples(X, Y);
  DeepNet<double> net({4, 3, 1}, Activation::Tanh, Activation::Sigmoid);
  net.initialize(deepnet::Init::Xavier, 5);
  // The gradients of the first step, computed apart: full batch, so one step per epoch.
  DeepNet<double> probe = net;
  probe.forward(X);
  probe.backward(Y);

  net.fit(X, Y,
          FitOptions()
              .epochs(1)
              .learning_rate(0.01)
              .optimizer(OptimizerSettings::adam())
              .checkpoint(path));
  const deepnet::Checkpoint<double> saved = deepnet::load_checkpoint<double>(path);
  REQUIRE(saved.has_state);
  const deepnet::TrainingState<double>& state = saved.state;
  CHECK(state.epoch == 1);
  CHECK(state.iteration == 1);
  CHECK(state.optimizer_steps == 1);
  CHECK(state.optimizer.kind == OptimizerSettings::Kind::Adam);
  CHECK(state.order.empty());  // full batch: nothing shuffled
  std::vector<std::string> names;
  for (const auto& [name, M] : state.optimizer_state)
    names.push_back(name);
  CHECK(names == std::vector<std::string>{"v/W[1]", "v/b[1]", "v/W[2]", "v/b[2]", "s/W[1]",
                                          "s/b[1]", "s/W[2]", "s/b[2]"});
  // After one step from zero: v = (1 - beta1) g and s = (1 - beta2) g^2.
  const Matrix<double>& v_W2 = state.optimizer_state[2].second;
  const Matrix<double>& s_W1 = state.optimizer_state[4].second;
  CHECK_THAT(v_W2, deepnet_test::IsClose(Matrix<double>(0.1 * probe.layer(2).dW()), 1e-12));
  CHECK_THAT(s_W1,
             deepnet_test::IsClose(
                 Matrix<double>(0.001 * probe.layer(1).dW().array().square().matrix()), 1e-12));
  // A checkpoint is also a model file: load gives its network.
  DeepNet<double> loaded = deepnet::load<double>(path);
  require_same_tensors(loaded, net);
  const std::string bytes = file_bytes(path);
  CHECK(bytes[8] == 2);  // version 2
}

TEST_CASE("a model file of version 1 loads as a checkpoint without training state",
          "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("model.dnet");
  DeepNet<double> net = small_network<double>(2);
  deepnet::save(net, path);
  CHECK(file_bytes(path)[8] == 1);  // a model alone is still written in version 1
  deepnet::Checkpoint<double> loaded = deepnet::load_checkpoint<double>(path);
  CHECK_FALSE(loaded.has_state);
  require_same_tensors(loaded.net, net);
}

TEST_CASE("resuming with other settings or another network says what differs", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("run.dnet");
  Matrix<double> X, Y;
  checkpointed(path, X, Y);

  DeepNet<double> other = small_network<double>(1);
  CHECK_THROWS_WITH(
      other.fit(
          X, Y,
          adam_options().epochs(2).optimizer(OptimizerSettings::momentum(0.9)).resume_from(path)),
      Contains("was trained with Adam(beta1 0.9, beta2 0.999, epsilon 1e-08), the options ask "
               "for Momentum(beta 0.9)"));
  CHECK_THROWS_WITH(other.fit(X, Y, adam_options().epochs(2).batch_size(0).resume_from(path)),
                    Contains("the checkpoint was made with shuffled mini-batches"));
  DeepNet<double> wider({4, 7, 1}, Activation::ReLU, Activation::Sigmoid);
  wider.initialize(deepnet::Init::He, 1);
  CHECK_THROWS_WITH(wider.fit(X, Y, adam_options().epochs(2).resume_from(path)),
                    Contains("the checkpoint's network has layer_dims {4, 6, 1}, this one "
                             "{4, 7, 1}"));
  const Matrix<double> X_half = X.leftCols(25), Y_half = Y.leftCols(25);
  CHECK_THROWS_WITH(other.fit(X_half, Y_half, adam_options().epochs(2).resume_from(path)),
                    Contains("holds 50 examples, X has m = 25"));
}

TEST_CASE("a damaged training state names the byte and the field", "[checkpoint][corrupt]") {
  TempDir dir;
  const std::string path = dir.file("run.dnet");
  Matrix<double> X, Y;
  checkpointed(path, X, Y);
  const std::string saved = file_bytes(path);

  // The state starts after the header (49 + 18 L bytes in version 2) and the parameters:
  // W[1] 24, b[1], gamma[1], beta[1], running_mean[1], running_var[1] 6 each, W[2] 6, b[2] 1.
  // Within it (docs/file_format.md): epoch 0, iteration 8, optimizer code 16, beta 17, beta1 25,
  // beta2 33, epsilon 41, optimizer_steps 49, shuffle_random 57 (41 bytes), dropout_random 98,
  // the order's count 139 and its 50 entries from 147, the number of tensors at 547.
  const std::size_t start = 49 + 18 * 2 + (24 + 5 * 6 + 6 + 1) * 8;
  REQUIRE(saved[start + 16] == 3);  // Adam
  REQUIRE(deepnet::detail::get_le(saved, start + 139, 8) == 50);

  const auto f64 = [](double value) {
    std::string out;
    deepnet::detail::put_f64(out, value);
    return out;
  };
  struct Case {
    std::size_t at;        // where the patch goes, from the start of the state
    std::string patch;     // the bytes written there
    std::size_t error_at;  // the offset the error names, from the start of the state
    std::string field;
    std::string message;
  };
  const std::uint64_t first = deepnet::detail::get_le(saved, start + 147, 8);
  const std::vector<Case> cases = {
      {16, le(9, 1), 16, "training_state.optimizer",
       "training_state.optimizer: unknown optimizer code 9 (0 GradientDescent, 1 Momentum, 2 "
       "RMSProp, 3 Adam, 4 a rule of the program's)"},
      {25, f64(1.5), 17, "training_state.optimizer",
       "training_state.optimizer: beta1 must be in [0, 1), got 1.5"},
      {57, std::string(32, '\0'), 57, "training_state.shuffle_random",
       "training_state.shuffle_random: a generator's state cannot be all zero"},
      {155, le(first, 8), 155, "training_state.order",
       ("training_state.order: order(1) is " + std::to_string(first) +
        ", but the order must hold each of 0..49 once")},
      {547, le(std::uint64_t(1) << 40, 8), 547, "training_state.tensors",
       "training_state.tensors: 1099511627776 is more than the "},
  };
  for (const Case& c : cases) {
    INFO(c.field);
    const FormatError e = load_patched(path, saved, start + c.at, c.patch);
    CHECK(e.offset() == static_cast<std::int64_t>(start + c.error_at));
    CHECK(e.field() == c.field);
    CHECK_THAT(e.what(),
               Contains(path + ": byte " + std::to_string(start + c.error_at) + ": " + c.message));
  }
}

// Early stopping's count, best cost and best epoch are in the checkpoint: wherever the run is
// interrupted, the resumed run stops at the same epoch and ends with the same bits.
TEST_CASE("fit with early stopping, resumed from any epoch, stops where the whole run stopped",
          "[checkpoint][early_stopping]") {
  TempDir dir;
  const std::string path = dir.file("run.dnet");
  Matrix<double> X, Y;
  examples(X, Y);
  for (const bool restore_best : {true, false}) {
    CAPTURE(restore_best);
    // min_delta makes small improvements count as none, so the run stops within the epochs.
    const FitOptions options = adam_options()
                                   .learning_rate(0.05)
                                   .validation_split(0.2)
                                   .early_stopping(2)
                                   .min_delta(0.01)
                                   .restore_best(restore_best);
    DeepNet<double> whole = small_network<double>(1);
    const deepnet::History all = whole.fit(X, Y, FitOptions(options).epochs(40));
    REQUIRE(all.stopped_early);
    const auto stopped_after = static_cast<Index>(all.epochs.size());
    REQUIRE(stopped_after < 40);
    REQUIRE(all.best_epoch >= 0);
    if (restore_best) REQUIRE(all.best_epoch < stopped_after - 1);  // something to put back

    for (Index k = 1; k <= stopped_after; ++k) {
      CAPTURE(k);
      DeepNet<double> first = small_network<double>(1);
      first.fit(X, Y, FitOptions(options).epochs(k).checkpoint(path));
      DeepNet<double> resumed = small_network<double>(99);
      const deepnet::History rest =
          resumed.fit(X, Y, FitOptions(options).epochs(40).resume_from(path));
      CHECK(rest.stopped_early);
      CHECK(rest.best_epoch == all.best_epoch);
      CHECK(k + static_cast<Index>(rest.epochs.size()) == stopped_after);
      require_same_tensors(whole, resumed);
    }
  }
}

TEST_CASE("a damaged early-stopping part of a checkpoint names the byte and the field",
          "[checkpoint][early_stopping][corrupt]") {
  TempDir dir;
  const std::string path = dir.file("run.dnet");
  Matrix<double> X, Y;
  examples(X, Y);
  DeepNet<double> net = small_network<double>(1);
  net.fit(X, Y,
          adam_options()
              .epochs(2)
              .validation_split(0.2)
              .early_stopping(5)
              .restore_best(false)
              .checkpoint(path));
  const std::string saved = file_bytes(path);
  // The part is the last 49 bytes before the checksum (docs/file_format.md): the mark 1 at 0,
  // best at 1, best_index at 9, since_best at 17, count at 25, best_epoch at 33, best_tensors 41.
  const std::size_t start = saved.size() - 4 - 49;
  REQUIRE(saved[start] == 1);
  REQUIRE(deepnet::detail::get_le(saved, start + 25, 8) == 2);  // two epochs observed
  REQUIRE(deepnet::detail::get_le(saved, start + 41, 8) == 0);  // no best tensors kept
  std::string nan;
  deepnet::detail::put_f64(nan, std::numeric_limits<double>::quiet_NaN());
  struct Case {
    std::size_t at;
    std::string patch;
    std::string field;
    std::string message;
  };
  const std::vector<Case> cases = {
      {0, le(2, 1), "training_state.early_stopping",
       "the only part after the optimizer's state is early stopping's, marked 1, got 2"},
      {1, nan, "training_state.early_stopping.best", "the best cost is NaN"},
      {25, le(0, 8), "training_state.early_stopping.count",
       "0 observations cannot have their best at"},
      {33, le(3, 8), "training_state.best_epoch", "epoch 2 is not one of the 2 epochs done"},
  };
  for (const Case& c : cases) {
    INFO(c.field);
    const FormatError e = load_patched(path, saved, start + c.at, c.patch);
    CHECK(e.offset() == static_cast<std::int64_t>(start + c.at));
    CHECK(e.field() == c.field);
    CHECK_THAT(e.what(), Contains(path + ": byte " + std::to_string(start + c.at) + ": " + c.field +
                                  ": " + c.message));
  }
}
