// mpi_fashion_mnist.cpp: Fashion-MNIST trained data-parallel over MPI, every process on its own
// shard of the images.
//
// What it shows
//   The network and settings of fashion_mnist.cpp (without batch normalisation, so that every
//   number of processes trains the same model; docs/distributed.md), trained by P processes:
//     1. deepnet::mpi::Environment starts MPI, deepnet::mpi::Communicator is the group;
//     2. every process reads only its shard of the training and test files
//        (ItemRange::shard, io/idx.hpp), inside deepnet::collectively, so that a file one
//        process cannot read stops them all with the same DistributedError;
//     3. fit with FitOptions::data_parallel(world): each step, each process computes the
//        gradients of its part of the global mini-batch of 128, one MPI_Allreduce sums them,
//        and every process applies the same Adam update. Process 0 prints the progress;
//     4. the test accuracy is summed over the processes' shards of the test set;
//     5. process 0 saves the model (the same on every process).
//   With the same seed, 1, 2 or 3 processes train the same parameters, up to the rounding of
//   sums taken in another order.
//
// The data
//   Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), or the four files of
//   github.com/zalandoresearch/fashion-mnist in the directory given with --data. Compressed
//   files need zlib (deepnet::io).
//
// How to run it
//   mpirun -np 2 build/examples/mpi_fashion_mnist               5 epochs on 60000 images
//   mpirun -np 2 build/examples/mpi_fashion_mnist --train 3000 --epochs 1    a quick look
//   srun -n 8 build/examples/mpi_fashion_mnist --epochs 10      under Slurm
//   (Open MPI needs --oversubscribe for more processes than cores.)
//
// What it prints (process 0)
//   The processes and their shards, the progress line and the cost and accuracy of every
//   epoch, the test accuracy and the seconds per epoch. Exit status: 0; 1 when a process
//   failed (every process prints nothing more than process 0's message); 2 for a mistake on the
//   command line; 77 when the dataset is not there (every process agrees on it).

#include <deepnet/deepnet.hpp>
#include <deepnet/distributed/mpi.hpp>
#include <deepnet/io/idx.hpp>
#include <deepnet/tools/data.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <string>

namespace {

using deepnet::Index;
using Clock = std::chrono::steady_clock;

constexpr int kDatasetMissing = 77;  // the exit status test suites read as "skipped"

struct Settings {
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  Index epochs = 5;
  Index batch_size = 128;  // the global mini-batch, split over the processes
  Index train = 0;         // 0: all 60000 training images
  std::string model_path = "mpi_fashion_mnist.dnet";
};

// Reads the command line; false (after a message on process 0) for a mistake.
bool read_flags(int argc, char** argv, Settings& settings, bool talk) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help") {
      if (talk) {
        std::cout << "mpirun -np P mpi_fashion_mnist [--data DIR] [--epochs E] [--batch B] "
                     "[--train N] [--model FILE]\n";
      }
      return false;
    }
    if (i + 1 >= argc) {
      if (talk) std::cerr << flag << " needs a value (see --help)\n";
      return false;
    }
    const std::string value = argv[++i];
    char* end = nullptr;
    const long long number = std::strtoll(value.c_str(), &end, 10);
    const bool whole = end != value.c_str() && *end == '\0';
    if (flag == "--data") {
      settings.data_dir = value;
    } else if (flag == "--model") {
      settings.model_path = value;
    } else if ((flag == "--epochs" || flag == "--batch") && whole && number >= 1) {
      (flag == "--epochs" ? settings.epochs : settings.batch_size) = number;
    } else if (flag == "--train" && whole && number >= 0) {
      settings.train = number;
    } else {
      if (talk) std::cerr << flag << ": '" << value << "' is not valid (see --help)\n";
      return false;
    }
  }
  return true;
}

// `name`.gz, or `name` decompressed; empty when neither is there.
std::string find_file(const std::filesystem::path& dir, const std::string& name) {
  for (const std::string& candidate : {name + ".gz", name}) {
    if (std::filesystem::exists(dir / candidate)) return (dir / candidate).string();
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  // [start]
  deepnet::mpi::Environment mpi(argc, argv);  // MPI_Init_thread now, MPI_Finalize at the end
  deepnet::mpi::Communicator world;           // MPI_COMM_WORLD
  // [end]
  const int rank = world.rank(), processes = world.size();
  const bool talk = rank == 0;  // process 0 prints for the group
  Settings settings;
  if (!read_flags(argc, argv, settings, talk)) return 2;

  // Every process must find the files: one that does not makes them all stop.
  const std::filesystem::path dir = settings.data_dir;
  const std::string train_images = find_file(dir, "train-images-idx3-ubyte");
  const std::string train_labels = find_file(dir, "train-labels-idx1-ubyte");
  const std::string test_images = find_file(dir, "t10k-images-idx3-ubyte");
  const std::string test_labels = find_file(dir, "t10k-labels-idx1-ubyte");
  int missing =
      train_images.empty() || train_labels.empty() || test_images.empty() || test_labels.empty();
  world.max(&missing, 1);
  if (missing) {
    if (talk) {
      std::cerr << "Fashion-MNIST is not in " << settings.data_dir
                << " on every process (Debian: apt-get install dataset-fashion-mnist, or give "
                   "its directory with --data)\n";
    }
    return kDatasetMissing;
  }

  try {
    // This process's shard: of the first `train` images, or of the whole file.
    // [shard]
    deepnet::ItemRange shard = deepnet::ItemRange::shard(rank, processes);
    if (settings.train > 0) {
      const Index first = settings.train * rank / processes;
      shard = deepnet::ItemRange(first, settings.train * (rank + 1) / processes - first);
    }
    const deepnet::ItemRange test_shard = deepnet::ItemRange::shard(rank, processes);
    auto [train, test] = deepnet::collectively(world, [&] {
      return std::make_pair(deepnet::load_idx_pair<float>(train_images, train_labels, shard),
                            deepnet::load_idx_pair<float>(test_images, test_labels, test_shard));
    });
    const deepnet::Matrix<float> X = deepnet::scale_to_unit(train.X, 255);
    const deepnet::Matrix<float> X_test = deepnet::scale_to_unit(test.X, 255);
    // [end]

    deepnet::DeepNet<float> net({784, 256, 128, 10}, deepnet::Activation::ReLU,
                                deepnet::Activation::Softmax);
    net.initialize(deepnet::Init::He, 1);  // process 0's parameters reach every process anyway
    if (talk) {
      std::cout << processes << (processes == 1 ? " process" : " processes") << ", "
                << train.X.cols() << " training images on process 0, global mini-batches of "
                << settings.batch_size << "\n";
    }

    const auto start = Clock::now();
    // [fit]
    const deepnet::History history = net.fit(X, train.labels,
                                             deepnet::FitOptions()
                                                 .learning_rate(0.002)
                                                 .epochs(settings.epochs)
                                                 .batch_size(settings.batch_size)
                                                 .seed(1)
                                                 .optimizer(deepnet::OptimizerSettings::adam())
                                                 .progress(deepnet::Progress::Auto)
                                                 .data_parallel(world));
    // [end]
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

    // Test accuracy: correct answers summed over the processes' shards of the test set.
    // [accuracy]
    double counts[2] = {net.accuracy(X_test, test.labels) * static_cast<double>(X_test.cols()),
                        static_cast<double>(X_test.cols())};
    world.sum(counts, 2);
    // [end]
    if (talk) {
      for (const deepnet::Epoch& epoch : history.epochs) {
        std::cout << "epoch " << epoch.epoch << ": cost " << std::fixed << std::setprecision(4)
                  << epoch.cost << ", training accuracy " << std::setprecision(2)
                  << 100.0 * epoch.accuracy << "%\n";
      }
      std::cout << "test accuracy " << std::setprecision(2) << 100.0 * counts[0] / counts[1]
                << "% on " << static_cast<Index>(counts[1]) << " images; " << std::setprecision(2)
                << seconds / static_cast<double>(history.epochs.size()) << " s per epoch\n";
      deepnet::save(net, settings.model_path);
      std::cout << "saved " << settings.model_path << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    // A DistributedError is thrown on every process with the same message: one prints it.
    if (talk || dynamic_cast<const deepnet::DistributedError*>(&e) == nullptr) {
      std::cerr << "process " << rank << ": " << e.what() << "\n";
    }
    return 1;
  }
}
