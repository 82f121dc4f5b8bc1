// Data-parallel training over MPI (FitOptions::data_parallel, distributed/mpi.hpp), run by ctest
// under `mpiexec -n P` for P = 1, 2 and 3. Every process holds its shard of the same data set;
// each test compares the group's training with the one a single process does on all of it (on
// every process, without the group), and checks that every process holds the same bits.
//
// Every test case makes all of its collective calls before its assertions: a failed REQUIRE on
// one process must not leave the others waiting in a collective call (ctest's timeout is the
// last resort).
// The main below starts MPI before Catch runs the tests.
#define CATCH_CONFIG_RUNNER
#include "support/test_support.hpp"

#include "support/no_malloc.hpp"
#include "support/sequential_of.hpp"
#include "support/temp_dir.hpp"

#include <deepnet/deepnet.hpp>
#include <deepnet/distributed/mpi.hpp>
#include <deepnet/io/idx.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::DistributedError;
using deepnet::FitOptions;
using deepnet::Index;
using deepnet::Init;
using deepnet::Matrix;
using deepnet::OptimizerSettings;

namespace {

deepnet::mpi::Communicator& world() {
  static deepnet::mpi::Communicator communicator;
  return communicator;
}
int rank() {
  return world().rank();
}
int processes() {
  return world().size();
}

// A classification problem with a rule to learn: three classes from four features.
struct Problem {
  Matrix<double> X, Y;
  Problem(Index m, std::uint64_t seed) : X(4, m), Y(Matrix<double>::Zero(3, m)) {
    deepnet::Random random(seed);
    for (Index j = 0; j < m; ++j) {
      for (Index i = 0; i < 4; ++i)
        X(i, j) = 2.0 * random.uniform() - 1.0;
      const double score = X(0, j) - 0.5 * X(1, j) + 0.25 * X(2, j) * X(3, j);
      Y(score < -0.3 ? 0 : score < 0.3 ? 1 : 2, j) = 1.0;
    }
  }
};

// Columns [m * p / P, m * (p + 1) / P) of M: process p's shard, as ItemRange::shard cuts a file.
Matrix<double> shard_of(const Matrix<double>& M, int p = rank(), int P = processes()) {
  const Index m = M.cols();
  const Index first = m * p / P, end = m * (p + 1) / P;
  return M.middleCols(first, end - first);
}

DeepNet<double> network(std::uint64_t seed = 7) {
  DeepNet<double> net({4, 8, 6, 3}, Activation::ReLU, Activation::Softmax);
  net.initialize(Init::He, seed);
  return net;
}

Eigen::VectorXd values_of(const DeepNet<double>& net) {
  Eigen::VectorXd values = net.parameter_values();
  return values;
}

// True on every process when `v` holds the same bits on every process.
bool same_everywhere(const Eigen::VectorXd& v) {
  Eigen::VectorXd low = v, high = v;
  MPI_Allreduce(MPI_IN_PLACE, low.data(), static_cast<int>(low.size()), MPI_DOUBLE, MPI_MIN,
                MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, high.data(), static_cast<int>(high.size()), MPI_DOUBLE, MPI_MAX,
                MPI_COMM_WORLD);
  return low == v && high == v;
}

// Process 0's text, on every process.
std::string text_of_process_0(const std::string& text) {
  return deepnet::detail::broadcast_string(world(), text, 0);
}

double largest_difference(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return (a - b).cwiseAbs().maxCoeff();
}

double largest_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double largest = 0.0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    largest = std::max(largest, std::abs(a[i] - b[i]));
  return largest;
}

// Sums of P parts in another order than one process's sum: the tolerance of "the same training
// within floating-point reordering", for double.
constexpr double kTolerance = 1e-11;

}  // namespace

TEST_CASE("data-parallel fit: the parameters a single process trains, for each way to batch",
          "[mpi]") {
  const Problem data(90, 11);
  const Matrix<double> X = shard_of(data.X), Y = shard_of(data.Y);
  struct Case {
    const char* name;
    FitOptions options;
  };
  const std::vector<Case> cases = {
      {"shuffled mini-batches of 16, gradient descent, L2",
       FitOptions().learning_rate(0.2).epochs(6).batch_size(16).seed(5)},
      {"full batch, Adam",
       FitOptions().learning_rate(0.01).epochs(25).optimizer(OptimizerSettings::adam())},
      {"mini-batches of 10 in order, momentum, drop_last",
       FitOptions()
           .learning_rate(0.1)
           .epochs(4)
           .batch_size(12)
           .shuffle(false)
           .drop_last(true)
           .optimizer(OptimizerSettings::momentum(0.9))},
      {"shuffled mini-batches of 7, RMSProp",
       FitOptions().learning_rate(0.01).epochs(3).batch_size(7).seed(9).optimizer(
           OptimizerSettings::rmsprop())}};
  for (const Case& c : cases) {
    DeepNet<double> alone = network(), shared = network(rank() == 0 ? 7 : 99);
    const double lambda = c.options.batch_size() == 16 ? 0.3 : 0.0;
    alone.set_l2(lambda);
    shared.set_l2(lambda);
    const deepnet::History expected = alone.fit(data.X, data.Y, c.options);
    FitOptions options = c.options;
    const deepnet::History history = shared.fit(X, Y, options.data_parallel(world()));
    const Eigen::VectorXd v = values_of(shared);
    const bool same = same_everywhere(v);

    INFO(c.name << ", process " << rank() << " of " << processes());
    CHECK(same);
    CHECK(shared.l2() == lambda);  // its share in each step, and back
    REQUIRE(history.cost.size() == expected.cost.size());
    REQUIRE(history.epochs.size() == expected.epochs.size());
    if (processes() == 1) {
      // One process holds the whole batch: its part's weight is 1, nothing is reordered.
      CHECK(v == values_of(alone));
      CHECK(history.cost == expected.cost);
    } else {
      CHECK(largest_difference(v, values_of(alone)) < kTolerance);
      CHECK(largest_difference(history.cost, expected.cost) < kTolerance);
    }
    for (std::size_t e = 0; e < history.epochs.size(); ++e) {
      CHECK(std::abs(history.epochs[e].cost - expected.epochs[e].cost) < kTolerance);
      CHECK(history.epochs[e].accuracy == expected.epochs[e].accuracy);
    }
  }
}

TEST_CASE("data-parallel fit: validation and early stopping over every process's shard", "[mpi]") {
  const Problem data(80, 21), validation(31, 22);
  DeepNet<double> alone = network(), shared = network();
  const FitOptions options = FitOptions()
                                 .learning_rate(0.5)
                                 .epochs(60)
                                 .batch_size(20)
                                 .seed(3)
                                 .early_stopping(3)
                                 .restore_best(true);
  const deepnet::History expected = alone.fit(data.X, data.Y, validation.X, validation.Y, options);
  FitOptions group = options;
  const Matrix<double> X = shard_of(data.X), Y = shard_of(data.Y);
  const Matrix<double> X_val = shard_of(validation.X), Y_val = shard_of(validation.Y);
  const deepnet::History history = shared.fit(X, Y, X_val, Y_val, group.data_parallel(world()));
  const bool same = same_everywhere(values_of(shared));

  CHECK(same);
  REQUIRE(history.epochs.size() == expected.epochs.size());
  CHECK(history.stopped_early == expected.stopped_early);
  CHECK(history.best_epoch == expected.best_epoch);
  for (std::size_t e = 0; e < history.epochs.size(); ++e) {
    CHECK(std::abs(history.epochs[e].val_cost - expected.epochs[e].val_cost) < kTolerance);
    CHECK(history.epochs[e].val_accuracy == expected.epochs[e].val_accuracy);
  }
  CHECK(largest_difference(values_of(shared), values_of(alone)) < kTolerance);
}

TEST_CASE("data-parallel fit: batch normalisation and dropout leave the same model everywhere",
          "[mpi]") {
  const Problem data(96, 31);
  DeepNet<double> shared = network();
  for (Index l = 1; l < shared.L(); ++l)  // the hidden layers
    shared.set_batch_norm(l);
  shared.set_keep_prob(0.8);  // every layer but the output
  shared.initialize(Init::He, 4);
  const Matrix<double> X = shard_of(data.X), Y = shard_of(data.Y);
  const deepnet::History history = shared.fit(
      X, Y, FitOptions().learning_rate(0.05).epochs(5).batch_size(24).data_parallel(world()));
  std::vector<double> buffers;  // the running statistics
  for (const deepnet::NamedTensor<double>& tensor : shared.parameters()) {
    if (!tensor.trainable)
      buffers.insert(buffers.end(), tensor.value.data(), tensor.value.data() + tensor.value.size());
  }
  const Eigen::VectorXd statistics =
      Eigen::Map<const Eigen::VectorXd>(buffers.data(), static_cast<Index>(buffers.size()));
  const bool same_values = same_everywhere(values_of(shared));
  const bool same_statistics = same_everywhere(statistics);

  CHECK(same_values);
  CHECK(same_statistics);
  CHECK(statistics.size() == 2 * (8 + 6));
  for (const double J : history.cost)
    CHECK(std::isfinite(J));
}

TEST_CASE("data-parallel fit: a failure on one process is the same error on every process",
          "[mpi]") {
  const Problem data(40, 41);
  const int last = processes() - 1;
  const Matrix<double> Y = shard_of(data.Y);
  const FitOptions options =
      FitOptions().learning_rate(0.1).epochs(3).batch_size(8).data_parallel(world());

  // Bad data on the last process: a NaN in its X.
  Matrix<double> X = shard_of(data.X);
  if (rank() == last) X(2, 1) = std::nan("");
  DeepNet<double> net = network();
  std::string bad_data;
  int bad_data_rank = -1;
  try {
    (void)net.fit(X, Y, options);
  } catch (const DistributedError& e) {
    bad_data = e.what();
    bad_data_rank = e.rank();
    CHECK(e.kind() == "DataError");
  }
  const std::string bad_data_0 = text_of_process_0(bad_data);

  // A callback that throws on process 0 only, at step 2.
  X = shard_of(data.X);
  std::string thrown;
  FitOptions throwing = options;
  throwing.callback([](const deepnet::Step& step) {
    if (rank() == 0 && step.iteration == 2) throw std::runtime_error("the callback gave up");
    return deepnet::Control::Continue;
  });
  try {
    (void)net.fit(X, Y, throwing);
  } catch (const DistributedError& e) {
    thrown = e.what();
  }

  // A callback that asks to stop on the last process only, after step 3.
  FitOptions stopping = options;
  stopping.callback([last](const deepnet::Step& step) {
    return rank() == last && step.iteration == 3 ? deepnet::Control::Stop
                                                 : deepnet::Control::Continue;
  });
  DeepNet<double> stopped = network();
  const deepnet::History stopped_history = stopped.fit(X, Y, stopping);

  // A learning rate far too large: every process diverges at the same iteration.
  Matrix<double> R(1, X.cols());
  for (Index j = 0; j < X.cols(); ++j)
    R(0, j) = 1e6 * (X(0, j) - 2.0 * X(2, j));
  DeepNet<double> regression({4, 8, 4, 1}, Activation::ReLU, Activation::Identity);
  regression.initialize(Init::He, 3);
  std::string diverged;
  Index diverged_at = -1;
  try {
    (void)regression.fit(
        X, R, FitOptions().learning_rate(1e3).epochs(200).batch_size(8).data_parallel(world()));
  } catch (const deepnet::DivergenceError& e) {
    diverged = e.what();
    diverged_at = e.iteration();
  }
  const std::string diverged_0 = text_of_process_0(diverged);

  // Another network on the last process (with more than one process).
  DeepNet<double> other({4, rank() == last && processes() > 1 ? 9 : 8, 6, 3}, Activation::ReLU,
                        Activation::Softmax);
  other.initialize(Init::He, 1);
  std::string mismatch;
  try {
    (void)other.fit(X, Y, options);
  } catch (const DistributedError& e) {
    mismatch = e.what();
  }

  // A file that only the last process cannot read: the others read two 2x2 images.
  const deepnet_test::TempDir own("deepnet-mpi-" + std::to_string(rank()));
  const std::string images = own / "images.idx";
  {
    const unsigned char bytes[] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2,
                                   0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8};
    std::ofstream(images, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes), sizeof bytes);
  }
  std::string unreadable;
  Index read_columns = 0;
  try {
    read_columns = deepnet::collectively(world(), [&] {
                     return deepnet::load_idx_images<double>(
                         rank() == last ? "/nonexistent/images.idx" : images);
                   }).cols();
  } catch (const DistributedError& e) {
    unreadable = e.what();
    CHECK(e.kind() == "FormatError");
  }

  // An epoch callback that asks to stop on the last process only, after epoch 1.
  FitOptions epoch_stopping = options;
  epoch_stopping.epochs(5).epoch_callback([last](const deepnet::Epoch& epoch) {
    return rank() == last && epoch.epoch == 1 ? deepnet::Control::Stop : deepnet::Control::Continue;
  });
  DeepNet<double> epoch_stopped = network();
  const deepnet::History epoch_history = epoch_stopped.fit(X, Y, epoch_stopping);

  // Process 0 cannot write the checkpoint.
  std::string unwritable;
  try {
    FitOptions writing = options;
    DeepNet<double> fresh = network();
    (void)fresh.fit(X, Y, writing.checkpoint("/nonexistent/run.ckpt"));
  } catch (const DistributedError& e) {
    unwritable = e.what();
  }

  // A validation example that overflows the forward pass on the last process only.
  Matrix<double> X_val = shard_of(data.X), Y_val = shard_of(data.Y);
  if (rank() == last) X_val.col(0).setConstant(std::numeric_limits<double>::max());
  std::string validation_diverged;
  try {
    DeepNet<double> fresh = network();
    (void)fresh.fit(X, Y, X_val, Y_val, options);
  } catch (const deepnet::DivergenceError& e) {
    validation_diverged = e.what();
  }
  const std::string validation_diverged_0 = text_of_process_0(validation_diverged);

  // Fewer examples than processes: process 0 holds none.
  const Matrix<double> few_X = shard_of(data.X.leftCols(processes() - 1));
  const Matrix<double> few_Y = shard_of(data.Y.leftCols(processes() - 1));
  std::string empty;
  try {
    DeepNet<double> fresh = network();
    (void)fresh.fit(few_X, few_Y, options);
  } catch (const DistributedError& e) {
    empty = e.what();
  }

  const std::string who =
      "process " + std::to_string(last) + " of " + std::to_string(processes()) + " failed: ";
  CHECK_THAT(bad_data, Contains(who + "DataError: DeepNet::forward: X(2, "));
  CHECK(bad_data == bad_data_0);
  CHECK(bad_data_rank == last);
  CHECK_THAT(thrown, Contains("process 0 of " + std::to_string(processes()) +
                              " failed: exception: the callback gave up"));
  CHECK(stopped_history.cost.size() == 4);
  CHECK(stopped_history.stop_reason == "callback");
  CHECK(epoch_history.epochs.size() == 2);
  CHECK(epoch_history.stop_reason == "callback");
  CHECK_THAT(unwritable, Contains("process 0 of " + std::to_string(processes()) +
                                  " failed: std::system_error: deepnet::save_checkpoint: "
                                  "cannot save /nonexistent/run.ckpt"));
  CHECK_THAT(
      validation_diverged,
      Contains("the validation pass after iteration 4 was not finite on 1 of the " +
               std::to_string(processes()) + (processes() == 1 ? " process" : " processes")));
  CHECK(validation_diverged == validation_diverged_0);
  CHECK_THAT(diverged, Contains("training diverged at iteration"));
  CHECK_THAT(diverged, Contains("processes) is"));
  CHECK(diverged == diverged_0);
  CHECK(diverged_at >= 0);
  if (processes() > 1) {
    CHECK_THAT(mismatch, Contains(who + "ConfigError: DeepNet::fit: every process of "
                                        "data-parallel training must build the same network"));
    // The first line of the summaries that differs: layer 1's row, 9 units against 8.
    CHECK_THAT(mismatch,
               Contains("has \"1  9      ReLU") && Contains("where process 0 has \"1  8"));
  } else {
    CHECK(mismatch.empty());
  }
  CHECK_THAT(unreadable, Contains(who + "FormatError: /nonexistent/images.idx: no such file"));
  CHECK(read_columns == 0);  // no process goes on with its data
  INFO(empty);
  CHECK(empty == "process 0 of " + std::to_string(processes()) +
                     " failed: std::invalid_argument: DeepNet::fit: X has no columns (m = 0)");

  // When every process reads its file, collectively returns what each read.
  if (rank() == last) std::filesystem::copy_file(own / "images.idx", own / "copy.idx");
  const Matrix<double> read =
      deepnet::collectively(world(), [&] { return deepnet::load_idx_images<double>(images); });
  CHECK(read.rows() == 4);
  CHECK(read.cols() == 2);
  CHECK(read(3, 1) == 8.0);
}

TEST_CASE("data-parallel fit: process 0 writes the checkpoint, every process resumes from it",
          "[mpi]") {
  const Problem data(60, 51);
  const Matrix<double> X = shard_of(data.X), Y = shard_of(data.Y);
  std::string directory;
  std::unique_ptr<deepnet_test::TempDir> temp;
  if (rank() == 0) {
    temp = std::make_unique<deepnet_test::TempDir>("deepnet-mpi");
    directory = temp->path().string();
  }
  directory = text_of_process_0(directory);  // one machine: every process sees it
  const std::string path = directory + "/run.ckpt";
  const FitOptions options = FitOptions()
                                 .learning_rate(0.01)
                                 .epochs(4)
                                 .batch_size(9)
                                 .seed(2)
                                 .optimizer(OptimizerSettings::adam())
                                 .data_parallel(world());
  DeepNet<double> whole = network();
  (void)whole.fit(X, Y, options);

  DeepNet<double> first = network();
  FitOptions two = options;
  (void)first.fit(X, Y, two.epochs(2).checkpoint(path));
  const bool written = std::filesystem::exists(path);
  DeepNet<double> resumed = network(1234);  // the checkpoint's parameters replace these
  FitOptions rest = options;
  const deepnet::History history = resumed.fit(X, Y, rest.resume_from(path));
  MPI_Barrier(MPI_COMM_WORLD);  // nobody reads the file any more: process 0 may remove it

  CHECK(written);
  CHECK(history.epochs.size() == 2);
  CHECK(values_of(resumed) == values_of(whole));
}

TEST_CASE("data-parallel fit: a step allocates nothing after the first, on every process",
          "[mpi][no_malloc]") {
  const Problem data(200, 61);
  const Matrix<double> X = shard_of(data.X), Y = shard_of(data.Y);
  const Problem validation(30, 62);
  const Matrix<double> X_val = shard_of(validation.X), Y_val = shard_of(validation.Y);
  DeepNet<double> net = network();
  net.set_l2(0.1);
  deepnet::Trainer trainer(net, X, Y, X_val, Y_val,
                           FitOptions()
                               .learning_rate(0.01)
                               .epochs(3)
                               .batch_size(32)
                               .optimizer(OptimizerSettings::adam())
                               .data_parallel(world()));
  (void)trainer.run_epoch();
  long allocations = -1;
  std::string error;
  try {
    allocations = deepnet_test::allocations_during([&] { (void)trainer.run_epoch(); });
  } catch (const std::exception& e) {
    error = e.what();
  }
  INFO(error);
  CHECK(error.empty());
  CHECK(allocations == 0);
}

TEST_CASE("data-parallel fit: a Sequential is refused on every process", "[mpi]") {
  DeepNet<double> net = network();
  deepnet::Sequential<double> model = deepnet_test::sequential_of(net);
  const Problem data(20, 71);
  CHECK_THROWS_WITH(model.fit(data.X, data.Y, FitOptions().epochs(1).data_parallel(world())),
                    Contains("Sequential::fit: FitOptions::data_parallel trains a DeepNet"));
}

int main(int argc, char** argv) {
  deepnet::mpi::Environment mpi(argc, argv);
  Catch::Session session;
  if (const int code = session.applyCommandLine(argc, argv); code != 0) return code;
  // Process 0 reports as usual; the others only their failures.
  if (world().rank() != 0) session.configData().reporterName = "compact";
  return session.run();
}
