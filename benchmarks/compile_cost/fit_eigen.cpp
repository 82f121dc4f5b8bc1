// Compile-cost benchmark (benchmarks/compile_cost.sh): the baseline for fit_deepnet.cpp, the
// same training of a {4, 8, 1} float network written by hand with Eigen: forward, cost,
// backward and a gradient-descent update of a ReLU hidden layer and a sigmoid output.
#include <Eigen/Dense>

#include <cstdio>

int main() {
  const Eigen::Index m = 32;
  Eigen::MatrixXf X = Eigen::MatrixXf::Random(4, m);
  Eigen::MatrixXf Y = (X.row(0).array() * X.row(1).array() > 0.0f).cast<float>().matrix();
  Eigen::MatrixXf W1 = Eigen::MatrixXf::Random(8, 4) * 0.5f;
  Eigen::VectorXf b1 = Eigen::VectorXf::Zero(8);
  Eigen::MatrixXf W2 = Eigen::MatrixXf::Random(1, 8) * 0.5f;
  Eigen::VectorXf b2 = Eigen::VectorXf::Zero(1);
  const float alpha = 0.5f;
  const float inv_m = 1.0f / static_cast<float>(m);
  float cost = 0.0f;
  for (int iteration = 0; iteration < 20; ++iteration) {
    // Forward: Z1 = W1 X + b1, A1 = relu(Z1), Z2 = W2 A1 + b2, A2 = sigmoid(Z2).
    Eigen::MatrixXf Z1 = W1 * X;
    Z1.colwise() += b1;
    Eigen::MatrixXf A1 = Z1.array().max(0.0f).matrix();
    Eigen::MatrixXf Z2 = W2 * A1;
    Z2.colwise() += b2;
    Eigen::MatrixXf A2 = Z2.array().logistic().matrix();
    // Binary cross-entropy.
    cost = -inv_m * (Y.array() * A2.array().log() +
                     (1.0f - Y.array()) * (1.0f - A2.array()).log()).sum();
    // Backward.
    Eigen::MatrixXf dZ2 = A2 - Y;
    Eigen::MatrixXf dW2 = inv_m * dZ2 * A1.transpose();
    Eigen::VectorXf db2 = inv_m * dZ2.rowwise().sum();
    Eigen::MatrixXf dA1 = W2.transpose() * dZ2;
    Eigen::MatrixXf dZ1 = (Z1.array() > 0.0f).select(dA1.array(), 0.0f).matrix();
    Eigen::MatrixXf dW1 = inv_m * dZ1 * X.transpose();
    Eigen::VectorXf db1 = inv_m * dZ1.rowwise().sum();
    // Gradient descent.
    W1 -= alpha * dW1;
    b1 -= alpha * db1;
    W2 -= alpha * dW2;
    b2 -= alpha * db2;
  }
  // Prediction.
  Eigen::MatrixXf Z1 = W1 * X;
  Z1.colwise() += b1;
  Eigen::MatrixXf Z2 = W2 * Z1.array().max(0.0f).matrix();
  Z2.colwise() += b2;
  const Eigen::MatrixXf A = Z2.array().logistic().matrix();
  std::printf("cost %g, first prediction %g\n", static_cast<double>(cost),
              static_cast<double>(A(0, 0)));
  return 0;
}
