// Compile-cost benchmark (benchmarks/compile_cost.sh): the smallest real use of deepnet, a
// DeepNet<float> trained by fit and asked for predictions. Only its compile time is measured.
#include <deepnet/deepnet.hpp>

#include <cstdio>

int main() {
  Eigen::MatrixXf X = Eigen::MatrixXf::Random(4, 32);
  Eigen::MatrixXf Y = (X.row(0).array() * X.row(1).array() > 0.0f).cast<float>().matrix();
  deepnet::DeepNet<float> net({4, 8, 1});
  net.initialize(deepnet::Init::Xavier, /*seed=*/1);
  const deepnet::History history =
      net.fit(X, Y, deepnet::FitOptions().learning_rate(0.5).iterations(20));
  const Eigen::MatrixXf A = net.predict(X);
  std::printf("cost %g, first prediction %g\n", static_cast<double>(history.cost.back()),
              static_cast<double>(A(0, 0)));
  return 0;
}
