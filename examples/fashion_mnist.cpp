// fashion_mnist.cpp: a deep network on real data, Zalando's Fashion-MNIST, from the files to a
// saved model.
//
// What it shows
//   The whole way from a dataset on disk to a trained, saved and reloaded model:
//     1. load_idx_pair (io/idx.hpp) reads the four gzip-compressed IDX files: the images become
//        X, 784 x m (one column of 28 x 28 pixels per image, row after row), the labels 1 x m;
//     2. split holds out a seeded validation set of 5000 training images, one_hot turns the
//        labels into the 10 x m targets Y of a softmax output, and scale_to_unit maps the
//        pixels 0..255 onto 0..1 (data.hpp);
//     3. DeepNet<float>({784, 256, 128, 10}, ReLU, Softmax) with He initialisation and batch
//        normalisation in both hidden layers is trained for 10 epochs with Adam on mini-batches
//        of 128, its learning rate 0.002 decaying by a factor 0.75 every epoch
//        (Schedule::exponential), the validation set measured after every epoch and the
//        progress line on (Progress::Auto);
//     4. the test set (10000 images never seen in training) gives the accuracy, the confusion
//        matrix and the classification report (precision, recall and F1 of each class and
//        their averages; ConfusionMatrix, tools/metrics.hpp);
//     5. save writes the model, load reads it back, and the reloaded model must classify every
//        test image as the trained one does.
//   Fashion-MNIST has MNIST's format and size, but its ten classes are clothes, shoes and bags,
//   and some look alike: most mistakes are among shirts, T-shirts, pullovers and coats.
//
// The data
//   Debian packages the dataset: `sudo apt-get install dataset-fashion-mnist` puts the files in
//   /usr/share/datasets/fashion-mnist. Elsewhere, download the four files of
//   github.com/zalandoresearch/fashion-mnist (data/fashion) and pass their directory with
//   --data. Compressed files need zlib: this program links the CMake target deepnet::io, which
//   is there when CMake finds zlib (Debian: zlib1g-dev); files already decompressed (gunzip)
//   are read as they are.
//
// How to run it
//   build/examples/fashion_mnist                     the full run: 89.6% in about 36 s
//                                                    (20 s built with -DDEEPNET_NATIVE=ON)
//   build/examples/fashion_mnist --train 5000 --epochs 1
//                                                    a quick look (seconds)
//   build/examples/fashion_mnist --data ~/fashion --hidden 512,256 --epochs 20 --model big.dnet
//   build/examples/fashion_mnist --help              every flag
//
// What it prints
//   The shapes of the data, the model and its settings; the progress line while it trains;
//   the validation curve (learning rate, cost and accuracy of every epoch); the test accuracy,
//   89.62%; the confusion matrix, the most frequent mistake, and the classification report
//   (shirts are the hardest, recall 73%; trousers, sandals, bags and ankle boots pass 96%);
//   then where the model was saved and whether the reloaded model agrees. Exit status: 0, 1
//   when a file is damaged or the reloaded model disagrees, 2 for a mistake on the command line,
//   77 when the dataset is not there (the status test suites use for "skipped").

#include <deepnet/deepnet.hpp>
#include <deepnet/io/idx.hpp>
#include <deepnet/tools/data.hpp>
#include <deepnet/tools/metrics.hpp>  // ConfusionMatrix, the classification report

#include "example_support.hpp"  // the command line and percentages

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace {

using deepnet::Index;
using examples::fixed;
using examples::percent;
using Matrix = deepnet::Matrix<float>;
using Clock = std::chrono::steady_clock;

constexpr int kDatasetMissing = 77;  // the exit status of a missing dataset
constexpr Index kClasses = 10;

// The class names of the dataset's documentation, in the order of the labels 0..9.
const std::array<const char*, kClasses> kClassNames = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// The settings that the command line can change.
struct Settings {
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::vector<Index> hidden = {256, 128};
  Index epochs = 10;
  Index batch_size = 128;
  Index train_limit = 0;  // 0: every example that is not held out for validation
  Index validation = 5000;
  double learning_rate = 0.002;
  double decay = 0.75;  // the learning rate of epoch e (from 0) is learning_rate * decay^e
  bool no_batch_norm = false;
  std::string model_path = "fashion_mnist.dnet";
  std::uint64_t seed = 1;
};

// "--hidden 256,128": the sizes n[1] .. n[L-1] of the hidden layers, each at least 1.
examples::Flag hidden_flag(std::vector<Index>& target) {
  examples::Flag flag{"--hidden",
                      "N1,N2,...",
                      "the sizes of the hidden layers, separated by commas (default 256,128)",
                      nullptr,
                      "--hidden needs a value",
                      "--hidden: '{}' is not a list of positive whole numbers such as 256,128"};
  flag.read = [&target](std::string_view text) {
    std::vector<Index> sizes;
    while (true) {
      const std::size_t comma = text.find(',');
      Index size = 0;
      if (!examples::parse_integer(text.substr(0, comma), size) || size < 1) return false;
      sizes.push_back(size);
      if (comma == std::string_view::npos) break;
      text.remove_prefix(comma + 1);
    }
    target = sizes;
    return true;
  };
  return flag;
}

// "--name X": a number with 0 < X <= max, stored into `target`.
examples::Flag number_flag(std::string name, std::string value, double& target, double max,
                           std::string help) {
  const std::string expected =
      std::isinf(max) ? "a positive number" : "a number above 0, at most " + fixed(max, 0);
  examples::Flag flag{name,    std::move(value),        std::move(help),
                      nullptr, name + " needs a value", name + ": '{}' is not " + expected};
  flag.read = [&target, max](std::string_view text) {
    std::size_t used = 0;
    double number = 0.0;
    try {
      number = std::stod(std::string(text), &used);
    } catch (const std::exception&) {  // not a number, or out of double's range
      return false;
    }
    if (used != text.size() || !(number > 0.0 && number <= max)) return false;
    target = number;
    return true;
  };
  return flag;
}

// Where the four files are: `name`.gz as Debian and the dataset's site ship them, or `name`
// when it has been decompressed. Empty when neither is there.
std::string find_file(const std::filesystem::path& dir, const std::string& name) {
  for (const std::string& candidate : {name + ".gz", name}) {
    std::error_code error;
    if (std::filesystem::is_regular_file(dir / candidate, error)) return (dir / candidate).string();
  }
  return {};
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The first `count` columns of M.
Matrix first_columns(const Matrix& M, Index count) {
  return M.leftCols(count);
}

// The pair of classes the network mixes up most often, from the confusion matrix.
void print_worst_mistake(const deepnet::ConfusionMatrix& confusion) {
  const deepnet::Labels& counts = confusion.counts();
  Index worst_true = 0, worst_predicted = 1;
  for (Index t = 0; t < kClasses; ++t) {
    for (Index p = 0; p < kClasses; ++p) {
      if (t != p && counts(t, p) > counts(worst_true, worst_predicted)) {
        worst_true = t;
        worst_predicted = p;
      }
    }
  }
  std::cout << "Most frequent mistake: " << counts(worst_true, worst_predicted) << " "
            << kClassNames[worst_true] << " images taken for " << kClassNames[worst_predicted]
            << '\n';
}

// The program; main() below turns an exception into a message and exit status 1.
int run(int argc, char** argv) {
  Settings settings;
  if (const auto status = examples::parse_flags(
          argc, argv,
          {examples::text_flag(
               "--data", "DIR", settings.data_dir,
               "the directory of the four files (default " + settings.data_dir + ")"),
           examples::integer_flag("--epochs", "N", settings.epochs, 1,
                                  "passes over the training set (default 10)"),
           examples::integer_flag("--batch-size", "B", settings.batch_size, 1,
                                  "examples per mini-batch (default 128)"),
           hidden_flag(settings.hidden),
           number_flag("--learning-rate", "A", settings.learning_rate,
                       std::numeric_limits<double>::infinity(),
                       "Adam's initial learning rate alpha0 (default 0.002)"),
           number_flag("--decay", "R", settings.decay, 1.0,
                       "the learning rate of epoch e is alpha0 * R^e, 0 < R <= 1 (default 0.75;\n"
                       "1 keeps it constant)"),
           examples::switch_flag("--no-batch-norm", settings.no_batch_norm,
                                 "train without batch normalisation, to compare"),
           examples::integer_flag("--train", "N", settings.train_limit, 1,
                                  "train on the first N training examples only, for a quick run\n"
                                  "(default: all 55000 that are not held out)"),
           examples::integer_flag("--validation", "N", settings.validation, 1,
                                  "training images held out for validation (default 5000)"),
           examples::text_flag("--model", "FILE", settings.model_path,
                               "where to save the trained model (default fashion_mnist.dnet)"),
           examples::integer_flag(
               "--seed", "S", settings.seed, 0,
               "seed of the split, the weights and the shuffling (default 1)")})) {
    return *status;  // after --help, or after a mistake on the command line
  }
  const auto start = Clock::now();

  // 1. The files. A missing dataset is not an error of the program: say how to get it.
  const std::filesystem::path dir = settings.data_dir;
  const char* const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  std::vector<std::string> paths, missing;
  for (const char* name : names) {
    paths.push_back(find_file(dir, name));
    if (paths.back().empty()) missing.push_back(std::string(name) + ".gz");
  }
  if (!missing.empty()) {
    std::cerr << "fashion_mnist: the Fashion-MNIST dataset is not in " << dir.string()
              << " (missing:";
    for (const std::string& name : missing)
      std::cerr << ' ' << name;
    std::cerr << ").\n"
              << "On Debian or Ubuntu, install it with\n"
              << "    sudo apt-get install dataset-fashion-mnist\n"
              << "or download the four files of https://github.com/zalandoresearch/fashion-mnist "
                 "(data/fashion)\n"
              << "and give their directory: " << argv[0] << " --data DIR\n";
    return kDatasetMissing;
  }

  // A damaged file is a deepnet::FormatError naming the file and the byte: see main().
  deepnet::IdxDataset<float> train = deepnet::load_idx_pair<float>(paths[0], paths[1]);
  const deepnet::IdxDataset<float> test = deepnet::load_idx_pair<float>(paths[2], paths[3]);
  const double load_seconds = seconds_since(start);

  // 2. A seeded validation set held out of the training set, one-hot targets, and the pixels
  //    mapped onto 0..1 by the same fixed transform in every set. The test set stays aside
  //    until the end.
  const Index m_all = train.X.cols();
  if (settings.validation >= m_all) {
    std::cerr << "fashion_mnist: --validation " << settings.validation
              << " leaves no training examples (the training file holds " << m_all << ")\n";
    return 2;
  }
  deepnet::Split<float> data = deepnet::split(
      train.X, deepnet::one_hot<float>(train.labels, kClasses),
      static_cast<double>(settings.validation) / static_cast<double>(m_all), settings.seed);
  train = {};  // its pixels now live in `data`: no need to hold them twice
  if (settings.train_limit > 0 && settings.train_limit < data.X_train.cols()) {
    data.X_train = first_columns(data.X_train, settings.train_limit);
    data.Y_train = first_columns(data.Y_train, settings.train_limit);
  }
  data.X_train = deepnet::scale_to_unit(data.X_train, 255);
  data.X_val = deepnet::scale_to_unit(data.X_val, 255);
  const Matrix X_test = deepnet::scale_to_unit(test.X, 255);

  std::vector<Index> dims = {data.X_train.rows()};
  dims.insert(dims.end(), settings.hidden.begin(), settings.hidden.end());
  dims.push_back(kClasses);
  const Index m = data.X_train.cols();
  const Index batches = (m + settings.batch_size - 1) / settings.batch_size;

  std::cout << "Fashion-MNIST from " << dir.string() << " (loaded in " << fixed(load_seconds, 1)
            << " s)\n"
            << "  train:      X is " << data.X_train.rows() << " x " << m << ", Y is "
            << data.Y_train.rows() << " x " << m << "  (pixels scaled to 0..1, one-hot labels)\n"
            << "  validation: " << data.X_val.cols() << " training images held out (seed "
            << settings.seed << ")\n"
            << "  test:       " << X_test.cols() << " images\n"
            << "Model: layer_dims = " << deepnet::dims_string(dims)
            << ", ReLU hidden layers, softmax output, float, He initialisation"
            << (!settings.no_batch_norm ? ",\n       batch normalisation in the hidden layers\n"
                                        : ", no batch normalisation\n")
            << "Training: Adam, learning rate " << settings.learning_rate << " x " << settings.decay
            << "^epoch, mini-batches of " << settings.batch_size << " (" << batches
            << " per epoch), " << settings.epochs << " epochs\n\n";

  // 3. Training.
  deepnet::DeepNet<float> net(dims, deepnet::Activation::ReLU, deepnet::Activation::Softmax);
  net.initialize(deepnet::Init::He, settings.seed);
  if (!settings.no_batch_norm) {
    for (Index l = 1; l < net.L(); ++l)  // the hidden layers
      net.set_batch_norm(l);
  }
  const auto train_start = Clock::now();
  const deepnet::History history =
      net.fit(data.X_train, data.Y_train, data.X_val, data.Y_val,
              deepnet::FitOptions()
                  .learning_rate(settings.learning_rate)
                  .epochs(settings.epochs)
                  .batch_size(settings.batch_size)
                  .seed(settings.seed)
                  .optimizer(deepnet::OptimizerSettings::adam())
                  .schedule(deepnet::Schedule::exponential(settings.decay))
                  // One line that rewrites itself on a terminal (only the last epoch's when the
                  // output is a file); the table below keeps every epoch.
                  .progress(deepnet::Progress::Auto)
                  .progress_every(settings.epochs));
  const double train_seconds = seconds_since(train_start);

  std::cout << "\nValidation curve (train: the mean over the epoch's mini-batches, before each "
               "update)\n"
            << "  epoch   learning rate   train cost   train accuracy   val cost   val accuracy"
               "    time\n";
  for (const deepnet::Epoch& e : history.epochs) {
    std::cout << std::setw(7) << e.epoch + 1 << std::setw(16) << fixed(e.learning_rate, 6)
              << std::setw(13) << fixed(e.cost, 4) << std::setw(17) << percent(e.accuracy)
              << std::setw(11) << fixed(e.val_cost, 4) << std::setw(15) << percent(e.val_accuracy)
              << std::setw(8) << fixed(e.seconds, 1) << " s\n";
  }
  std::cout << "Trained in " << fixed(train_seconds, 1) << " s\n\n";

  // 4. The test set: the confusion matrix of its labels (deepnet::Labels, as classify returns
  //    them) and the classification report (tools/metrics.hpp).
  const deepnet::Labels predicted = net.classify(X_test);
  const deepnet::ConfusionMatrix confusion(test.labels, predicted, kClasses);
  const double test_accuracy = confusion.accuracy();
  const std::vector<std::string> class_names(kClassNames.begin(), kClassNames.end());
  std::cout << "Test accuracy: " << percent(test_accuracy) << "  (" << confusion.correct() << " of "
            << X_test.cols() << " images)\n\n"
            << "Confusion matrix of the test set (rows: the true class, columns: the predicted "
               "class)\n";
  deepnet::print_confusion_matrix(std::cout, confusion, class_names);
  std::cout << '\n';
  print_worst_mistake(confusion);
  std::cout << "\nPer class (recall: the share of the class's images recognised; precision: "
               "the share of\nthe images given the class that belong to it)\n";
  deepnet::print_classification_report(std::cout, confusion, class_names);

  // 5. Save, reload, compare. A file that cannot be written is a std::system_error naming it.
  deepnet::save(net, settings.model_path);
  const deepnet::DeepNet<float> reloaded = deepnet::load<float>(settings.model_path);
  const deepnet::Labels again = reloaded.classify(X_test);
  const Index differ = (again.array() != predicted.array()).count();
  const double reloaded_accuracy = reloaded.accuracy(X_test, test.labels);  // integer labels
  std::cout << "\nSaved the model to " << settings.model_path << "; reloaded, it classifies "
            << X_test.cols() - differ << " of " << X_test.cols()
            << " test images as before (test accuracy " << percent(reloaded_accuracy) << ")\n";
  if (differ != 0 || reloaded_accuracy != test_accuracy) {
    std::cerr << "fashion_mnist: the reloaded model disagrees with the trained one\n";
    return 1;
  }
  std::cout << "Total time: " << fixed(seconds_since(start), 1) << " s\n"
            << examples::build_line() << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a damaged file, a model that cannot be saved, ...
    std::cerr << "fashion_mnist: " << e.what() << '\n';
    return 1;
  }
}
