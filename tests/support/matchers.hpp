// An Eigen-aware Catch2 matcher: checks the shape first, then every entry, and on failure
// names the worst entry and prints both matrices. Tolerance per entry:
//   |actual - expected| <= rel * max|expected| + abs
// (relative to the matrix's scale: Eigen's isApprox is relative too, but fails against zero).
#ifndef DEEPNET_TESTS_SUPPORT_MATCHERS_HPP
#define DEEPNET_TESTS_SUPPORT_MATCHERS_HPP

#include <deepnet/config.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <string>

namespace deepnet_test {

template <class Scalar>
class IsCloseMatcher : public Catch::MatcherBase<deepnet::Matrix<Scalar>> {
 public:
  IsCloseMatcher(deepnet::Matrix<Scalar> expected, double rel, double abs)
      : m_expected(std::move(expected)), m_rel(rel), m_abs(abs) {}

  bool match(const deepnet::Matrix<Scalar>& actual) const override {
    std::ostringstream why;
    if (actual.rows() != m_expected.rows() || actual.cols() != m_expected.cols()) {
      why << "shape " << actual.rows() << "x" << actual.cols() << ", expected " << m_expected.rows()
          << "x" << m_expected.cols();
      m_why = why.str();
      return false;
    }
    if (m_expected.size() == 0) return true;
    const double scale = static_cast<double>(m_expected.cwiseAbs().maxCoeff());
    const double tolerance = m_rel * scale + m_abs;
    double worst = -1.0;
    deepnet::Index wi = 0, wj = 0;
    for (deepnet::Index j = 0; j < actual.cols(); ++j) {
      for (deepnet::Index i = 0; i < actual.rows(); ++i) {
        const double a = static_cast<double>(actual(i, j));
        const double e = static_cast<double>(m_expected(i, j));
        const double difference = std::isnan(a) != std::isnan(e) ? INFINITY : std::abs(a - e);
        if (difference > worst) {
          worst = difference;
          wi = i;
          wj = j;
        }
      }
    }
    why.precision(17);
    why << "worst entry (" << wi << ", " << wj << "): " << actual(wi, wj) << " vs "
        << m_expected(wi, wj) << ", difference " << worst << ", tolerance " << tolerance;
    m_why = why.str();
    return worst <= tolerance;
  }

  std::string describe() const override {
    std::ostringstream out;
    out.precision(17);
    out << "is close to (rel " << m_rel << ", abs " << m_abs << ")\n"
        << m_expected << "\n"
        << m_why;
    return out.str();
  }

 private:
  deepnet::Matrix<Scalar> m_expected;
  double m_rel;
  double m_abs;
  mutable std::string m_why;
};

/// Matches a matrix of the same scalar type whose entries are within rel * max|expected| + abs.
template <class Derived>
IsCloseMatcher<typename Derived::Scalar> IsClose(const Eigen::MatrixBase<Derived>& expected,
                                                 double rel, double abs = 0.0) {
  return IsCloseMatcher<typename Derived::Scalar>(expected, rel, abs);
}

/// Tolerance for comparing Scalar results with double references.
template <class Scalar>
constexpr double tolerance = sizeof(Scalar) == sizeof(float) ? 2e-5 : 1e-12;

}  // namespace deepnet_test

#endif  // DEEPNET_TESTS_SUPPORT_MATCHERS_HPP
