// Files written by an earlier build (tests/data, made by tests/data/generate.cpp with the headers
// of commit 989cb64): every version of the model file and the .npz archives still read, and
// written back they are the same bytes. The files are the reference: the writer under test
// did not make them.
#include "support/test_support.hpp"

#include "support/files.hpp"
#include "support/temp_dir.hpp"

#include <deepnet/deepnet.hpp>

#include <cmath>
#include <sstream>
#include <string>

namespace {

using deepnet::Activation;
using deepnet::DeepNet;
using deepnet::Index;
using deepnet::Matrix;
using deepnet_test::read_file;
using deepnet_test::TempDir;

std::string data_file(const std::string& name) {
  return std::string(DEEPNET_DATA_DIR) + "/" + name;
}

// The architecture of the files, without their values.
template <class Scalar>
DeepNet<Scalar> fixture_architecture() {
  DeepNet<Scalar> net({3, 5, 4, 2}, {Activation::Tanh, Activation::ReLU, Activation::Softmax},
                      deepnet::Loss::CategoricalCrossEntropy);
  net.set_batch_norm(2, true);
  return net;
}

template <class Scalar>
void check_same_tensors(DeepNet<Scalar>& a, DeepNet<Scalar>& b) {
  const auto left = a.parameters();
  const auto right = b.parameters();
  REQUIRE(left.size() == right.size());
  for (std::size_t k = 0; k < left.size(); ++k) {
    INFO(left[k].name);
    CHECK(left[k].name == right[k].name);
    CHECK(Matrix<Scalar>(left[k].value) == Matrix<Scalar>(right[k].value));
  }
}

}  // namespace

TEMPLATE_TEST_CASE("an earlier build's version 1 file reads, and writes back byte for byte",
                   "[files][serialize][fixtures]", float, double) {
  const std::string path =
      data_file(std::is_same<TestType, float>::value ? "v1_float.dnet" : "v1_double.dnet");
  const std::string bytes = read_file(path);
  DeepNet<TestType> net = deepnet::load<TestType>(path);
  CHECK(net.dims() == std::vector<Index>{3, 5, 4, 2});
  CHECK(net.layer(2).has_batch_norm());
  CHECK(net.layer(1).keep_prob() == 0.75);
  CHECK(net.l2() == 0.01);
  // The first weight is sin(0.47), as generate.cpp set it.
  CHECK(net.layer(1).W()(0, 0) == static_cast<TestType>(std::sin(0.1 + 0.37)));
  std::ostringstream out;
  deepnet::write(net, out);
  CHECK(out.str() == bytes);

  TempDir dir;
  deepnet::save(net, dir / "again.dnet");
  CHECK(read_file(dir / "again.dnet") == bytes);
}

TEST_CASE("an earlier build's version 2 checkpoint reads, and writes back byte for byte",
          "[files][checkpoint][fixtures]") {
  const std::string path = data_file("v2_checkpoint.dnet");
  const std::string bytes = read_file(path);
  deepnet::Checkpoint<double> checkpoint = deepnet::load_checkpoint<double>(path);
  REQUIRE(checkpoint.has_state);
  CHECK(checkpoint.state.epoch == 3);
  CHECK(checkpoint.state.optimizer_state.size() == 1);
  std::ostringstream out;
  deepnet::write_checkpoint(checkpoint.net, checkpoint.state, out);
  CHECK(out.str() == bytes);

  // Its network is the version 1 file's.
  DeepNet<double> model = deepnet::load<double>(data_file("v1_double.dnet"));
  check_same_tensors(checkpoint.net, model);
}

TEST_CASE(
    "an earlier build's version 3 file reads with its metadata, and writes back byte for "
    "byte",
    "[files][serialize][metadata][fixtures]") {
  const std::string path = data_file("v3_metadata.dnet");
  const std::string bytes = read_file(path);
  deepnet::ModelMetadata metadata;
  DeepNet<double> net = deepnet::load<double>(path, metadata);
  CHECK(metadata.class_names == std::vector<std::string>{"cat", "dog"});
  CHECK(metadata.mean == std::vector<double>{0.5, -1.25, 3.0});
  CHECK(metadata.scale == std::vector<double>{2.0, 0.5, 1.75});
  std::ostringstream out;
  deepnet::write(net, metadata, out);
  CHECK(out.str() == bytes);
}

TEMPLATE_TEST_CASE("an earlier build's .npz archive reads, and saves back byte for byte",
                   "[files][npz][fixtures]", float, double) {
  const bool is_float = std::is_same<TestType, float>::value;
  const std::string path = data_file(is_float ? "weights_float.npz" : "weights.npz");
  DeepNet<TestType> net = fixture_architecture<TestType>();
  deepnet::load_npz(net, path);
  TempDir dir;
  deepnet::save_npz(net, dir / "again.npz");
  CHECK(read_file(dir / "again.npz") == read_file(path));

  // The archive and the model file of the same network hold the same tensors.
  DeepNet<TestType> model =
      deepnet::load<TestType>(data_file(is_float ? "v1_float.dnet" : "v1_double.dnet"));
  check_same_tensors(net, model);
}
