// The program every consumer project in tests/package builds: it uses deepnet the way a user's
// project would, through the umbrella header and the deepnet::deepnet target, and exits with 1
// (saying why on stderr) unless a small network learns AND and OR of two inputs.
#include <deepnet/deepnet.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

namespace {

int fail(const std::string& why) {
  std::cerr << "deepnet consumer: " << why << '\n';
  return EXIT_FAILURE;
}

int run() {
#ifdef DEEPNET_CONSUMER_EXPECTED_VERSION
  // The version the build system reports must be the one in the headers it found.
  const std::string header_version = std::to_string(DEEPNET_VERSION_MAJOR) + "." +
                                     std::to_string(DEEPNET_VERSION_MINOR) + "." +
                                     std::to_string(DEEPNET_VERSION_PATCH);
  if (header_version != DEEPNET_CONSUMER_EXPECTED_VERSION) {
    return fail("the headers say version " + header_version + ", the build system " +
                DEEPNET_CONSUMER_EXPECTED_VERSION);
  }
#endif

  // X holds the four inputs (0,0) (0,1) (1,0) (1,1) as columns; Y's rows are AND and OR.
  deepnet::Matrix<double> X(2, 4);
  deepnet::Matrix<double> Y(2, 4);
  for (deepnet::Index j = 0; j < 4; ++j) {
    const bool a = (j & 2) != 0;
    const bool b = (j & 1) != 0;
    X(0, j) = a ? 1.0 : 0.0;
    X(1, j) = b ? 1.0 : 0.0;
    Y(0, j) = (a && b) ? 1.0 : 0.0;
    Y(1, j) = (a || b) ? 1.0 : 0.0;
  }

  deepnet::DeepNet<> net({2, 4, 2}, deepnet::Activation::Tanh, deepnet::Activation::Sigmoid);
  net.initialize(deepnet::Init::Xavier, 1);
  const int iterations = 500;
  const deepnet::History history =
      net.fit(X, Y, deepnet::FitOptions().learning_rate(0.5).iterations(iterations));

  if (history.cost.size() != static_cast<std::size_t>(iterations)) {
    return fail("fit recorded " + std::to_string(history.cost.size()) + " costs, expected " +
                std::to_string(iterations));
  }
  const double first = history.cost.front();
  const double last = history.cost.back();
  if (!(last < first / 4)) {
    return fail("the cost did not fall: " + std::to_string(first) + " at the first step, " +
                std::to_string(last) + " at the last");
  }
  const double accuracy = net.accuracy(X, Y);
  if (accuracy != 1.0) {
    return fail("accuracy on AND/OR is " + std::to_string(accuracy) + ", expected 1");
  }
  std::cout << "deepnet " << DEEPNET_VERSION_MAJOR << '.' << DEEPNET_VERSION_MINOR << '.'
            << DEEPNET_VERSION_PATCH << ": cost " << first << " -> " << last << ", accuracy "
            << accuracy << '\n';
  return EXIT_SUCCESS;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& error) {
    return fail(std::string("exception: ") + error.what());
  }
}
