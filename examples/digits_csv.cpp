// digits_csv.cpp: scikit-learn's 8x8 digits from a CSV file, end to end, with the same split
// given to scikit-learn's MLPClassifier for comparison.
//
// What it shows
//   The workflow of a data set that comes as a table:
//     1. load_csv (io/csv.hpp) reads digits.csv: 1797 rows of 64 pixels (0..16) and a column
//        "digit"; X is 64 x 1797 (one column per image), the labels 1 x 1797;
//     2. stratified_split_indices (tools/data.hpp) holds out 20% of each digit for testing, with
//        a seed; the split is written to digits_split.csv (write_csv) so that scikit-learn
//        trains and tests on the very same images;
//     3. a Classifier (tools/classifier.hpp) standardises the pixels with the training part's
//        statistics and trains DeepNet<double>({64, 64, 10}, ReLU, Softmax) with Adam on the
//        integer labels (one-hot made inside fit);
//     4. the test part gives the classification report (precision, recall, F1 per digit,
//        tools/metrics.hpp) and the accuracy, printed with the build;
//     5. the classifier is saved with its statistics and reloaded, and the reloaded one must
//        classify the raw test images as the trained one does.
//
// The data
//   The CSV file is not part of the repository: examples/digits_export.py writes it from
//   scikit-learn's load_digits (`/usr/bin/python3 examples/digits_export.py export build/examples`,
//   Debian: apt-get install python3-sklearn). scripts/digits.sh does everything: it builds this
//   program, exports the data, runs it, and runs scikit-learn's MLPClassifier on the same split.
//
// How to run it
//   scripts/digits.sh                                 both accuracies, one after the other
//   build/examples/digits_csv                         reads build/examples/digits.csv
//   build/examples/digits_csv --data d.csv --epochs 50 --hidden 32 --seed 2
//   build/examples/digits_csv --help                  every flag
//
// Exit status: 0; 1 when a file is damaged or the reloaded model disagrees; 2 for a mistake on
// the command line; 77 when the CSV file is not there (the status test suites use for
// "skipped").

#include <deepnet/deepnet.hpp>
#include <deepnet/io/csv.hpp>
#include <deepnet/tools/classifier.hpp>
#include <deepnet/tools/data.hpp>
#include <deepnet/tools/metrics.hpp>

#include "example_support.hpp"

#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using deepnet::Index;
using examples::percent;
using Matrix = deepnet::Matrix<double>;

constexpr int kDataMissing = 77;  // the exit status of a missing CSV file
constexpr Index kClasses = 10;

struct Settings {
  std::string data;        // default: digits.csv next to the program
  std::string split;       // default: digits_split.csv next to the data
  std::string model;       // default: digits.dnet next to the data
  Index hidden = 64;       // n[1]
  Index epochs = 100;      // passes over the training part
  Index batch_size = 64;   // examples per mini-batch
  std::uint64_t seed = 1;  // of the split, the weights and the shuffling
};

// The columns `indices` of M.
template <class M>
M columns(const M& matrix, const std::vector<Index>& indices) {
  M result(matrix.rows(), static_cast<Index>(indices.size()));
  for (std::size_t k = 0; k < indices.size(); ++k)
    result.col(static_cast<Index>(k)) = matrix.col(indices[k]);
  return result;
}

int run(int argc, char** argv) {
  Settings settings;
  const std::filesystem::path here =
      std::filesystem::absolute(argv[0]).lexically_normal().parent_path();
  settings.data = (here / "digits.csv").string();
  if (const auto status = examples::parse_flags(
          argc, argv,
          {examples::text_flag(
               "--data", "FILE", settings.data,
               "the CSV file of digits_export.py (default: digits.csv next to the program)"),
           examples::text_flag(
               "--split", "FILE", settings.split,
               "where to write the split (default: digits_split.csv next to the data)"),
           examples::text_flag(
               "--model", "FILE", settings.model,
               "where to save the classifier (default: digits.dnet next to the data)"),
           examples::integer_flag("--hidden", "N", settings.hidden, 1,
                                  "units of the hidden layer (default 64)"),
           examples::integer_flag("--epochs", "N", settings.epochs, 1,
                                  "passes over the training part (default 100)"),
           examples::integer_flag("--batch-size", "B", settings.batch_size, 1,
                                  "examples per mini-batch (default 64)"),
           examples::integer_flag(
               "--seed", "S", settings.seed, 0,
               "seed of the split, the weights and the shuffling (default 1)")})) {
    return *status;
  }
  const std::filesystem::path data_dir = std::filesystem::path(settings.data).parent_path();
  if (settings.split.empty()) settings.split = (data_dir / "digits_split.csv").string();
  if (settings.model.empty()) settings.model = (data_dir / "digits.dnet").string();

  // 1. The file. A missing file is not an error of the program: say how to make it.
  std::error_code error;
  if (!std::filesystem::is_regular_file(settings.data, error)) {
    std::cerr << "digits_csv: " << settings.data << " is not there; it is written by\n"
              << "    /usr/bin/python3 examples/digits_export.py export "
              << (data_dir.empty() ? std::string(".") : data_dir.string()) << '\n'
              << "which needs scikit-learn (Debian or Ubuntu: sudo apt-get install "
                 "python3-sklearn),\nor run scripts/digits.sh, which does everything. "
                 "Skipped.\n";
    return kDataMissing;
  }
  const auto data =
      deepnet::load_csv<double>(settings.data, deepnet::CsvOptions().label_name("digit"));
  const deepnet::Labels digits = data.class_labels();  // a non-integer label is a DataError

  // 2. A stratified 80/20 split, and the split written for scikit-learn: row j of the file is
  //    example j, with 1 in the column "test" when it is held out.
  const deepnet::SplitIndices parts = deepnet::stratified_split_indices(digits, 0.2, settings.seed);
  deepnet::Labels split(2, data.X.cols());
  for (Index j = 0; j < data.X.cols(); ++j)
    split(0, j) = j;
  split.row(1).setZero();
  for (const Index j : parts.val)
    split(1, j) = 1;
  deepnet::write_csv(settings.split, split, deepnet::CsvWriteOptions().header({"example", "test"}));
  const Matrix X_train = columns(data.X, parts.train), X_test = columns(data.X, parts.val);
  const deepnet::Labels y_train = columns(digits, parts.train), y_test = columns(digits, parts.val);

  std::cout << "Digits from " << settings.data << "\n"
            << "  X is " << data.X.rows() << " x " << data.X.cols() << " (pixels 0..16), labels "
            << "1 x " << digits.cols() << " (digits 0..9)\n"
            << "  stratified split (seed " << settings.seed << "): " << X_train.cols()
            << " for training, " << X_test.cols() << " for testing; written to " << settings.split
            << "\n"
            << "Model: layer_dims = {" << data.X.rows() << ", " << settings.hidden << ", "
            << kClasses << "}, ReLU, softmax output, He initialisation; inputs standardised "
            << "with the\n       training part's mean and standard deviation (Classifier)\n"
            << "Training: Adam, learning rate 0.001, mini-batches of " << settings.batch_size
            << ", " << settings.epochs << " epochs, integer labels\n\n";

  // 3. The classifier: standardisation, network and training in one object.
  deepnet::DeepNet<double> net({data.X.rows(), settings.hidden, kClasses},
                               deepnet::Activation::ReLU, deepnet::Activation::Softmax);
  net.initialize(deepnet::Init::He, settings.seed);
  deepnet::Classifier<double> model(std::move(net));
  const auto start = std::chrono::steady_clock::now();
  model.fit(X_train, y_train,
            deepnet::FitOptions()
                .optimizer(deepnet::OptimizerSettings::adam())
                .learning_rate(0.001)
                .epochs(settings.epochs)
                .batch_size(settings.batch_size)
                .seed(settings.seed));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // 4. The test part, never seen in training, on raw pixels: the classifier standardises them.
  const deepnet::Labels predicted = model.classify(X_test);
  const deepnet::ConfusionMatrix confusion(y_test, predicted, kClasses);
  std::cout << "Classification report on the " << X_test.cols() << " test images\n";
  deepnet::print_classification_report(std::cout, confusion,
                                       {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  std::cout << "\nTest accuracy: " << percent(confusion.accuracy()) << " (" << confusion.correct()
            << " of " << confusion.total() << "), trained in " << examples::fixed(seconds, 2)
            << " s\n"
            << examples::build_line() << "\n";

  // 5. Saved with its statistics, reloaded, and used on raw pixels again.
  model.save(settings.model);
  const auto reloaded = deepnet::Classifier<double>::load(settings.model);
  const bool same = reloaded.classify(X_test) == predicted;
  std::cout << "Saved to " << settings.model << "; the reloaded classifier "
            << (same ? "classifies every test image alike" : "DISAGREES") << "\n";
  return same ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a damaged file names itself, its line and column
    std::cerr << "digits_csv: " << e.what() << '\n';
    return 1;
  }
}
