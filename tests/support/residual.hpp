// A residual block written as a program would write it (a module the library does not have),
// shared by the gradient check of test_modules.cpp and the training of test_sequential_fit.cpp.
#ifndef DEEPNET_TEST_RESIDUAL_HPP
#define DEEPNET_TEST_RESIDUAL_HPP

#include <deepnet/core/module.hpp>

#include <string>

namespace deepnet_test {

using deepnet::Index;
using deepnet::Init;
using deepnet::Matrix;
using deepnet::Module;

// A residual block of the program's: y = x + W2 tanh(W1 x + b1) + b2, n -> n with `hidden`
// units inside. It keeps H = tanh(W1 x + b1) for its backward pass, sized by reserve, and its
// parameters in the network's parameter store (attach).
class Residual : public Module<double> {
 public:
  explicit Residual(Index hidden) : m_hidden(hidden) {}
  std::string name() const override { return "Residual"; }
  Index output_size(Index n) override {
    W1 = Matrix<double>::Zero(m_hidden, n);
    dW1 = W1;
    b1 = Matrix<double>::Zero(m_hidden, 1);
    db1 = b1;
    W2 = Matrix<double>::Zero(n, m_hidden);
    dW2 = W2;
    b2 = Matrix<double>::Zero(n, 1);
    db2 = b2;
    return n;
  }
  void reserve(Index m) override {
    m_H.resize(m_hidden, m);
    m_dH.resize(m_hidden, m);
  }
  void forward(View x, Span y, bool) override {
    auto H = m_H.leftCols(x.cols());
    H.noalias() = W1 * x;
    H = (H.colwise() + b1.col(0)).array().tanh().matrix();
    y = x;
    y.noalias() += W2 * H;
    y.colwise() += b2.col(0);
  }
  void backward(View x, View, View dY, Span* dX) override {
    const double inv_m = 1.0 / static_cast<double>(x.cols());
    const auto H = m_H.leftCols(x.cols());
    auto dH = m_dH.leftCols(x.cols());
    dW2.noalias() = inv_m * dY * H.transpose();
    db2 = inv_m * dY.rowwise().sum();
    dH.noalias() = W2.transpose() * dY;
    dH.array() *= 1.0 - H.array().square();
    dW1.noalias() = inv_m * dH * x.transpose();
    db1 = inv_m * dH.rowwise().sum();
    if (dX != nullptr) {
      *dX = dY;
      dX->noalias() += W1.transpose() * dH;
    }
  }
  void for_each_tensor(deepnet::TensorVisitor<double> visit) override {
    visit("W1", span(W1), span(dW1), true);
    visit("b1", span(b1), span(db1), true);
    visit("W2", span(W2), span(dW2), true);
    visit("b2", span(b2), span(db2), true);
  }
  void attach(const deepnet::ParameterPlaces<double>& places) override {
    places("W1", W1, dW1);
    places("b1", b1, db1);
    places("W2", W2, dW2);
    places("b2", b2, db2);
  }
  void initialize(Init init, deepnet::Random& random) override {
    deepnet::initialize_weights(init, W1, random);
    deepnet::initialize_weights(init, W2, random);
    b1.setZero();
    b2.setZero();
  }
  using Tensor = deepnet::ParameterTensor<Matrix<double>>;
  Tensor W1{0, 0, "W1"}, dW1{0, 0, "dW1"}, b1{0, 0, "b1"}, db1{0, 0, "db1"};
  Tensor W2{0, 0, "W2"}, dW2{0, 0, "dW2"}, b2{0, 0, "b2"}, db2{0, 0, "db2"};

 private:
  static Span span(Tensor& M) { return Span(M.data(), M.rows(), M.cols()); }
  Index m_hidden;
  Matrix<double> m_H, m_dH;
};

}  // namespace deepnet_test

#endif  // DEEPNET_TEST_RESIDUAL_HPP
