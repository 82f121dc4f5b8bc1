// Writes the seed corpus of the fuzz targets into the directory given as the argument:
//   <dir>/fuzz_model_load/  small saved models (double, float, batch normalisation, dropout)
//                            a checkpoint (Adam, shuffled mini-batches; one with early
//                            stopping's part), a classifier
//                            (version 3: class names and a standardisation) and a Sequential
//                            of every built-in module kind (version 4)
//   <dir>/fuzz_idx/         small IDX files of every type (and one gzip-compressed with zlib)
//   <dir>/fuzz_csv/         small CSV texts (the first byte is the target's option byte)
//   <dir>/fuzz_construct/   bytes from a fixed generator, read as choices by the target
// Everything is deterministic: running it again writes the same files. fuzz/corpus/ holds its
// output; scripts/fuzz.sh --seeds regenerates it.
#include <deepnet/deepnet.hpp>
#include <deepnet/io/checkpoint.hpp>
#include <deepnet/io/model_file.hpp>
#include <deepnet/io/sequential_file.hpp>
#include <deepnet/tools/classifier.hpp>

#if DEEPNET_HAVE_ZLIB
#include <zlib.h>
#endif

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

template <class Scalar>
std::string model_bytes(const deepnet::DeepNet<Scalar>& net) {
  std::ostringstream out;
  deepnet::write(net, out);
  return out.str();
}

void models(const fs::path& dir) {
  deepnet::DeepNet<double> logistic({3, 1});
  logistic.initialize(deepnet::Init::Small, 1);
  write(dir / "logistic_f64.dnet", model_bytes(logistic));

  deepnet::DeepNet<double> deep({4, 3, 2, 1});
  deep.initialize(deepnet::Init::ScaledNormal, 2);
  deep.set_l2(0.5);
  deep.set_keep_prob(1, 0.8);
  write(dir / "deep_dropout_l2_f64.dnet", model_bytes(deep));

  deepnet::DeepNet<float> softmax({2, 3, 3}, deepnet::Activation::Tanh,
                                  deepnet::Activation::Softmax);
  softmax.initialize(deepnet::Init::Xavier, 3);
  softmax.set_batch_norm(1);
  write(dir / "softmax_batch_norm_f32.dnet", model_bytes(softmax));

  deepnet::DeepNet<double> regression({2, 2, 1}, deepnet::Activation::LeakyReLU,
                                      deepnet::Activation::Identity);
  regression.initialize(deepnet::Init::He, 4);
  write(dir / "regression_f64.dnet", model_bytes(regression));

  // A checkpoint (version 2): Adam's state by name, a shuffled order, both generators.
  deepnet::DeepNet<double> trained({3, 2, 1});
  trained.initialize(deepnet::Init::He, 5);
  trained.set_batch_norm(1);
  deepnet::Matrix<double> X(3, 6);
  deepnet::Random random(6);
  for (deepnet::Index j = 0; j < X.size(); ++j)
    X.data()[j] = random.normal();
  const deepnet::Matrix<double> Y = (X.row(0).array() > 0).cast<double>().matrix();
  deepnet::Trainer<double> trainer(
      trained, X, Y,
      deepnet::FitOptions().epochs(1).batch_size(4).optimizer(deepnet::OptimizerSettings::adam()));
  trainer.run_epoch();
  std::ostringstream out;
  deepnet::write_checkpoint(trained, trainer.state(), out);
  write(dir / "checkpoint_adam_f64.dnet", out.str());

  // A checkpoint with early stopping's part: its counts and the best epoch's tensors.
  deepnet::Trainer<double> stopping(trained, X, Y,
                                    deepnet::FitOptions()
                                        .epochs(2)
                                        .batch_size(4)
                                        .validation_split(0.34)
                                        .early_stopping(3)
                                        .optimizer(deepnet::OptimizerSettings::adam()));
  stopping.run_epoch();
  std::ostringstream with_stopping;
  deepnet::write_checkpoint(trained, stopping.state(), with_stopping);
  write(dir / "checkpoint_early_stopping_f64.dnet", with_stopping.str());

  // A classifier (version 3): a Softmax network, its class names and standardisation.
  deepnet::DeepNet<double> three({3, 4, 3}, deepnet::Activation::ReLU,
                                 deepnet::Activation::Softmax);
  three.initialize(deepnet::Init::He, 7);
  deepnet::Classifier<double> classifier(std::move(three), {"setosa", "versicolor", "virginica"});
  deepnet::Labels labels(1, 6);
  for (deepnet::Index j = 0; j < 6; ++j)
    labels(0, j) = j % 3;
  classifier.fit(X * 10.0, labels, deepnet::FitOptions().epochs(2));
  std::ostringstream named;
  classifier.write(named);
  write(dir / "classifier_names_standardized_f64.dnet", named.str());

  // A Sequential (version 4): every built-in module kind, trained a little so that batch
  // normalisation's running statistics are not their initial values.
  namespace dm = deepnet::modules;
  deepnet::Sequential<double> chain(3);
  chain.add<dm::Dense>(4, dm::Bias::Without)
      .add<dm::BatchNorm>()
      .add<dm::ReLU>()
      .add<dm::Dropout>(0.8, 9)
      .add<dm::Dense>(1)
      .add<dm::Sigmoid>();
  chain.initialize(deepnet::Init::He, 8);
  chain.fit(X, Y, deepnet::FitOptions().epochs(2).batch_size(3));
  std::ostringstream sequential;
  deepnet::write(chain, sequential);
  write(dir / "sequential_batch_norm_dropout_f64.dnet", sequential.str());
}

std::string idx(unsigned char type, const std::vector<std::uint32_t>& dims,
                const std::vector<unsigned char>& values) {
  std::string bytes = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (const std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8)
      bytes += static_cast<char>((d >> shift) & 0xFF);
  }
  bytes.append(values.begin(), values.end());
  return bytes;
}

void idx_files(const fs::path& dir) {
  write(dir / "images_u8.idx",
        idx(0x08, {2, 2, 3}, {0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255}));
  write(dir / "labels_u8.idx", idx(0x08, {3}, {0, 9, 4}));
  write(dir / "labels_i8.idx", idx(0x09, {2}, {0x80, 0x7F}));
  write(dir / "values_i16.idx", idx(0x0B, {2, 1}, {0x80, 0x00, 0x01, 0x02}));
  write(dir / "values_i32.idx", idx(0x0C, {1, 1}, {0xFF, 0xFF, 0xFF, 0xFE}));
  write(dir / "values_f32.idx", idx(0x0D, {1, 2}, {0x3F, 0x80, 0, 0, 0xC0, 0x49, 0x0F, 0xDB}));
  write(dir / "values_f64.idx", idx(0x0E, {1}, {0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18}));
  write(dir / "empty_items.idx", idx(0x08, {0, 28, 28}, {}));
#if DEEPNET_HAVE_ZLIB
  const std::string plain = idx(0x08, {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  const fs::path gz = dir / "images_u8.idx.gz";
  gzFile file = gzopen(gz.string().c_str(), "wb9");
  if (file == nullptr) throw std::runtime_error("cannot write " + gz.string());
  gzwrite(file, plain.data(), static_cast<unsigned>(plain.size()));
  gzclose(file);
#endif
}

void csv_files(const fs::path& dir) {
  // First byte 0x00: ',' delimiter, detected header, label column -4 (see fuzz_csv.cpp);
  // 0x30: ',' and the label column -1, the last; 0xB0 also names the column "label".
  write(dir / "header.csv", std::string("\x30") + "a,b,label\n1,2,0\n3.5,-4e2,1\n");
  write(dir / "named.csv", std::string("\xB0") + "label,x\n1,0.5\n0,-0.25\n");
  write(dir / "quoted_crlf.csv", std::string("\x30") + "\"x,1\",\"y\"\"\",c\r\n1,2,3\r\n");
  write(dir / "semicolon_no_header.csv", std::string("\x39") + "1;2;3\n4;5;6\n\n7;8;9\n");
  write(dir / "tabs_bom.csv", std::string("\x32") +
                                  "\xEF\xBB\xBF"
                                  "a\tb\n +1 \t 2\n");
}

void construct_seeds(const fs::path& dir) {
  std::uint64_t state = 0x9E3779B97F4A7C15ull;  // splitmix64
  for (int k = 0; k < 12; ++k) {
    std::string bytes;
    for (int i = 0; i < 96; ++i) {
      state += 0x9E3779B97F4A7C15ull;
      std::uint64_t z = state;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      bytes += static_cast<char>((z ^ (z >> 31)) & 0xFF);
    }
    write(dir / ("random_" + std::to_string(k)), bytes);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds DIR\n";
    return 2;
  }
  const fs::path root = argv[1];
  for (const char* target : {"fuzz_model_load", "fuzz_idx", "fuzz_csv", "fuzz_construct"})
    fs::create_directories(root / target);
  models(root / "fuzz_model_load");
  idx_files(root / "fuzz_idx");
  csv_files(root / "fuzz_csv");
  construct_seeds(root / "fuzz_construct");
  return 0;
}
