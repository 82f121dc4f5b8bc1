// Reads the text fixtures written by tests/fixtures/generate.py (the NumPy reference).
//
//   case <name>            starts a case; `end` closes it
//   <key> <words...>       dims, activations, loss, learning_rate, seed
//   scalar <name> <value>
//   matrix <name> <rows> <cols>, then <rows> lines of <cols> values
//
// Values are Python reprs, which strtod reads back as exactly the same double.
#ifndef DEEPNET_TESTS_SUPPORT_FIXTURES_HPP
#define DEEPNET_TESTS_SUPPORT_FIXTURES_HPP

#include <deepnet/config.hpp>
#include <deepnet/core/activation.hpp>
#include <deepnet/core/loss.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace deepnet_test {

using MatrixXd = deepnet::Matrix<double>;

struct Fixture {
  std::string name;
  std::map<std::string, std::vector<std::string>> fields;  // dims, activations, loss, ...
  std::map<std::string, double> scalars;                   // cost
  std::map<std::string, MatrixXd> matrices;                // X, Y, W1, Z1, dW1, ...
  std::map<std::string, std::vector<std::string>> raw;     // every matrix's tokens, in order

  const MatrixXd& matrix(const std::string& key) const {
    const auto found = matrices.find(key);
    if (found == matrices.end()) throw std::runtime_error("fixture " + name + ": no matrix " + key);
    return found->second;
  }
  const MatrixXd& matrix(const std::string& symbol, deepnet::Index l) const {
    return matrix(symbol + std::to_string(l));
  }
  double scalar(const std::string& key) const { return scalars.at(key); }
  /// A number given as `scalar <key> <value>` or as a field line `<key> <value>`.
  double scalar_or_field(const std::string& key) const {
    const auto found = scalars.find(key);
    if (found != scalars.end()) return found->second;
    return std::strtod(field(key).at(0).c_str(), nullptr);
  }
  const std::vector<std::string>& field(const std::string& key) const { return fields.at(key); }

  std::vector<deepnet::Index> dims() const {
    std::vector<deepnet::Index> result;
    for (const std::string& word : field("dims"))
      result.push_back(std::stoll(word));
    return result;
  }

  std::vector<deepnet::Activation> activations() const {
    static const std::map<std::string, deepnet::Activation> names = {
        {"identity", deepnet::Activation::Identity},
        {"sigmoid", deepnet::Activation::Sigmoid},
        {"tanh", deepnet::Activation::Tanh},
        {"relu", deepnet::Activation::ReLU},
        {"leaky_relu", deepnet::Activation::LeakyReLU},
        {"softmax", deepnet::Activation::Softmax}};
    std::vector<deepnet::Activation> result;
    for (const std::string& word : field("activations"))
      result.push_back(names.at(word));
    return result;
  }

  deepnet::Loss loss() const {
    const std::string& word = field("loss").at(0);
    if (word == "bce") return deepnet::Loss::BinaryCrossEntropy;
    if (word == "cce") return deepnet::Loss::CategoricalCrossEntropy;
    if (word == "mse") return deepnet::Loss::MeanSquaredError;
    throw std::runtime_error("fixture " + name + ": unknown loss " + word);
  }
};

inline std::string fixture_path(const std::string& file) {
  return std::string(DEEPNET_FIXTURE_DIR) + "/" + file;
}

/// Every case of a fixture file, in order.
inline std::vector<Fixture> read_fixture_file(const std::string& file) {
  std::ifstream in(fixture_path(file));
  if (!in) throw std::runtime_error("cannot open fixture " + fixture_path(file));
  std::vector<Fixture> cases;
  Fixture current;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string key;
    words >> key;
    if (key == "case") {
      current = Fixture();
      words >> current.name;
    } else if (key == "end") {
      cases.push_back(current);
    } else if (key == "scalar") {
      std::string name, value;
      words >> name >> value;
      current.scalars[name] = std::strtod(value.c_str(), nullptr);
    } else if (key == "matrix") {
      std::string name;
      long long rows = 0, cols = 0;
      words >> name >> rows >> cols;
      MatrixXd M(rows, cols);
      std::vector<std::string>& tokens = current.raw[name];
      for (long long i = 0; i < rows; ++i) {
        if (!std::getline(in, line)) throw std::runtime_error(file + ": truncated matrix " + name);
        std::istringstream values(line);
        for (long long j = 0; j < cols; ++j) {
          std::string token;
          if (!(values >> token)) throw std::runtime_error(file + ": short row in " + name);
          tokens.push_back(token);
          M(i, j) = std::strtod(token.c_str(), nullptr);
        }
      }
      current.matrices[name] = M;
    } else {
      std::vector<std::string>& field = current.fields[key];
      for (std::string word; words >> word;)
        field.push_back(word);
    }
  }
  return cases;
}

/// The single case of tests/fixtures/<name>.txt.
inline Fixture read_case(const std::string& name) {
  return read_fixture_file(name + ".txt").at(0);
}

/// The case called `name` in a file with several.
inline Fixture find_case(const std::string& file, const std::string& name) {
  for (Fixture& fixture : read_fixture_file(file)) {
    if (fixture.name == name) return fixture;
  }
  throw std::runtime_error(file + ": no case " + name);
}

}  // namespace deepnet_test

#endif  // DEEPNET_TESTS_SUPPORT_FIXTURES_HPP
