/// \file tools/gradient_check.hpp
/// Gradient checking as in the course: compare the gradients of backpropagation with central
/// differences of the cost, (J(theta + eps) - J(theta - eps)) / (2 eps), through the relative
/// difference ||grad - approx|| / (||grad|| + ||approx||). deepnet reports it overall and for
/// every layer and symbol (dW, db and dA separately), so a wrong formula shows where it is.
///
/// The central differences are computed on a long double copy of the network. With the
/// course's epsilon = 1e-7, double round-off in J alone (about 1e-16 / 1e-7 = 1e-9 per entry)
/// would already show as differences near 1e-7 for a layer with small gradients; the 64-bit
/// mantissa of x86's long double takes that noise below 1e-10. (Where long double is double,
/// as with MSVC, the check still works with the plain double noise.) A float network's
/// gradients are thus checked against the true gradient, not against float round-off.
#ifndef DEEPNET_TOOLS_GRADIENT_CHECK_HPP
#define DEEPNET_TOOLS_GRADIENT_CHECK_HPP

#include "../config.hpp"
#include "../core/deep_net.hpp"
#include "../core/loss.hpp"
#include "../core/sequential.hpp"

#include <cstdio>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace deepnet {

/// The outcome of one comparison.
enum class CheckStatus {
  Passed,  ///< relative difference below the threshold
  Failed,  ///< relative difference at or above the threshold: a wrong gradient
  Vacuous  ///< both gradients are exactly zero: the comparison proves nothing
};

/// One comparison: the gradient of one symbol of one layer.
struct GradientCheckEntry {
  Index layer = 0;             ///< l = 1..L (0 for the overall entry)
  std::string symbol;          ///< "dW", "db", "dA", or "all" for every dW and db together
  double difference = 0.0;     ///< ||grad - approx|| / (||grad|| + ||approx||)
  double analytic_norm = 0.0;  ///< ||grad||, from backpropagation
  double numeric_norm = 0.0;   ///< ||approx||, from central differences
  CheckStatus status = CheckStatus::Passed;  ///< against the report's threshold
};

/// The result of `gradient_check`.
struct GradientCheckReport {
  double epsilon = 0.0;                     ///< the step of the central differences
  double threshold = 0.0;                   ///< differences at or above it fail
  GradientCheckEntry overall;               ///< every dW and db of every layer, as one vector
  std::vector<GradientCheckEntry> entries;  ///< layer 1 dW, db, dA, layer 2 dW, ...

  /// True when the overall comparison and every entry passed (a vacuous entry does not pass:
  /// a check in which both gradients are zero would accept any formula).
  bool passed() const {
    if (overall.status != CheckStatus::Passed) return false;
    for (const GradientCheckEntry& entry : entries) {
      if (entry.status != CheckStatus::Passed) return false;
    }
    return true;
  }

  /// The entry for `symbol` ("dW", "db" or "dA") of layer l.
  /// \throws std::out_of_range if there is none
  const GradientCheckEntry& entry(Index l, const std::string& symbol) const {
    for (const GradientCheckEntry& e : entries) {
      if (e.layer == l && e.symbol == symbol) return e;
    }
    throw std::out_of_range("GradientCheckReport::entry: no entry for " + symbol + " of layer " +
                            std::to_string(l));
  }
};

/// The name of a status: "passed", "FAILED", "vacuous".
inline std::string to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::Passed:
      return "passed";
    case CheckStatus::Failed:
      return "FAILED";
    case CheckStatus::Vacuous:
      return "vacuous";
  }
  return "?";
}

/// A table of the report, one line per layer and symbol, with a verdict and, for failures,
/// what to look at.
inline std::string to_string(const GradientCheckReport& report) {
  std::ostringstream out;
  char line[160];
  std::snprintf(line, sizeof line,
                "gradient check %s: overall difference %.3g (threshold %.3g, epsilon %.3g)\n",
                report.passed() ? "passed" : "FAILED", report.overall.difference, report.threshold,
                report.epsilon);
  out << line;
  out << "layer  symbol  difference  |backprop|  |numeric|   status\n";
  for (const GradientCheckEntry& e : report.entries) {
    std::snprintf(line, sizeof line, "%5lld  %-6s  %10.3g  %10.3g  %10.3g   %s\n",
                  static_cast<long long>(e.layer), e.symbol.c_str(), e.difference, e.analytic_norm,
                  e.numeric_norm, to_string(e.status).c_str());
    out << line;
  }
  for (const GradientCheckEntry& e : report.entries) {
    if (e.status == CheckStatus::Failed) {
      out << "layer " << e.layer << ": " << e.symbol
          << " disagrees with the numerical gradient; check its formula in the backward pass\n";
    } else if (e.status == CheckStatus::Vacuous) {
      out << "layer " << e.layer << ": " << e.symbol
          << " is zero in both computations, so it was not checked (inactive units, e.g. dead "
             "ReLUs, or degenerate data): use other examples or another initialisation\n";
    }
  }
  return out.str();
}

/// Prints `to_string(report)`.
inline std::ostream& operator<<(std::ostream& out, const GradientCheckReport& report) {
  return out << to_string(report);
}

/// Default threshold: 1e-7 for double (the course's bar); 1e-4 for float, whose analytic
/// gradients carry float round-off of about 1e-6 relative.
template <class Scalar>
constexpr double default_gradient_threshold = std::is_same<Scalar, float>::value ? 1e-4 : 1e-7;

namespace detail {

// compare and compare_all are templates only so that a program that never calls
// gradient_check does not compile them (their double norms cost every such program compiler
// memory).
template <class Unused = void>
GradientCheckEntry compare(Index l, std::string symbol, const Matrix<double>& analytic,
                           const Matrix<double>& numeric, double threshold) {
  GradientCheckEntry entry;
  entry.layer = l;
  entry.symbol = std::move(symbol);
  entry.analytic_norm = analytic.norm();
  entry.numeric_norm = numeric.norm();
  const double denominator = entry.analytic_norm + entry.numeric_norm;
  if (denominator == 0.0) {
    entry.status = CheckStatus::Vacuous;
    return entry;
  }
  entry.difference = (analytic - numeric).norm() / denominator;
  entry.status = entry.difference < threshold ? CheckStatus::Passed : CheckStatus::Failed;
  return entry;
}

/// The overall entry: every gradient of the check (appended to `analytic` and `numeric` entry
/// by entry) compared as one vector.
template <class Unused = void>
GradientCheckEntry compare_all(std::vector<double>& analytic, std::vector<double>& numeric,
                               double threshold) {
  const auto as_column = [](std::vector<double>& all) {
    return Matrix<double>(
        Eigen::Map<Matrix<double>>(all.data(), static_cast<Index>(all.size()), 1));
  };
  return compare(0, "all", as_column(analytic), as_column(numeric), threshold);
}

/// The precision of the numerical gradients.
using Precise = long double;

/// Precise, as a type that depends on the network's scalar. The body of numerical_gradients
/// names its long double network and matrices through it: named as DeepNet<Precise>, they are
/// not dependent, so the compiler instantiates the long double network's class where the
/// template is defined, in every program that includes this header (about 11 MB of compiler
/// memory), called or not.
template <class Scalar>
using PreciseFor = std::conditional_t<std::is_void<Scalar>::value, Scalar, Precise>;

/// J as a function of A[l] alone: the training forward pass of layers l+1..L from A_l (batch
/// statistics for batch normalisation), then the cost. Uses the caches of `net`, a copy.
// A template (on the network's scalar, always Precise) so that a translation unit that
// never calls numerical_gradients instantiates no long double network.
template <class P>
P cost_from_layer(DeepNet<P>& net, Index l, const Matrix<P>& A_l, const Matrix<P>& Y,
                  GemmWorkspace<P>& workspace) {
  if (l == net.L()) return cost_from_activations<P>(net.loss(), A_l, Y);
  for (Index k = l + 1; k <= net.L(); ++k) {
    if (k == l + 1) {
      net.layer(k).forward(A_l, workspace);
    } else {
      net.layer(k).forward(net.layer(k - 1).A(), workspace);
    }
  }
  const Layer<P>& out = net.layer(net.L());
  return cost<P>(net.loss(), out.pre_activation(), out.A(), Y);
}

/// Central difference of `J` with respect to every entry of `theta`, restoring each entry
/// exactly afterwards.
template <class Parameter, class CostFunction>
Matrix<double> central_differences(Parameter& theta, double epsilon, CostFunction&& J) {
  Matrix<double> approx(theta.rows(), theta.cols());
  const Precise step = epsilon;
  for (Index j = 0; j < theta.cols(); ++j) {
    for (Index i = 0; i < theta.rows(); ++i) {
      const Precise original = theta(i, j);
      theta(i, j) = original + step;
      const Precise plus = J();
      theta(i, j) = original - step;
      const Precise minus = J();
      theta(i, j) = original;
      approx(i, j) = static_cast<double>((plus - minus) / (2 * step));
    }
  }
  return approx;
}

}  // namespace detail

/// The central-difference gradients of one layer.
struct LayerGradients {
  /// "dW", "db" (or "dW", "dgamma", "dbeta" under batch normalisation), as in `values`.
  std::vector<std::string> symbols;
  /// The approximations of the parameter gradients, shaped like the parameters.
  std::vector<Matrix<double>> values;
  /// Approximates dA[l] (m times dJ/dA[l]), n[l] x m.
  Matrix<double> dA;

  /// The approximation of `symbol` ("dW", "db", "dgamma", "dbeta" or "dA").
  /// \throws std::out_of_range if the layer has no such gradient
  const Matrix<double>& of(const std::string& symbol) const {
    if (symbol == "dA") return dA;
    for (std::size_t k = 0; k < symbols.size(); ++k) {
      if (symbols[k] == symbol) return values[k];
    }
    throw std::out_of_range("LayerGradients::of: no gradient " + symbol);
  }
};

/// Central-difference gradients of every layer of a network.
struct NumericalGradients {
  double epsilon = 0.0;                ///< the step used
  std::vector<LayerGradients> layers;  ///< layers[l - 1] holds layer l

  /// The gradients of layer l = 1..L.
  const LayerGradients& layer(Index l) const { return layers.at(static_cast<std::size_t>(l - 1)); }
};

/// The gradients of J at the network's current weights on (X, Y) by central differences,
/// (J(theta + eps) - J(theta - eps)) / (2 eps) for every entry of every parameter (W, b, or
/// gamma and beta), and m times the same with respect to every entry of A[l] (running only
/// the layers above l). Works on a long double copy: `net` is not modified. Costs two forward
/// passes per weight, so use a small network and a few examples.
/// \throws ConfigError when a layer uses dropout: its random masks make J change from one
///         evaluation to the next (turn it off for the check, as the course says)
template <class Scalar, class DerivedX, class DerivedY>
NumericalGradients numerical_gradients(const DeepNet<Scalar>& net,
                                       const Eigen::MatrixBase<DerivedX>& X,
                                       const Eigen::MatrixBase<DerivedY>& Y,
                                       double epsilon = 1e-7) {
  for (Index l = 1; l <= net.L(); ++l) {
    if (net.layer(l).keep_prob() != 1.0) {
      throw ConfigError("gradient_check: layer " + std::to_string(l) +
                        " uses dropout, whose random masks change J between evaluations; set "
                        "keep_prob to 1 for the check");
    }
  }
  using Precise = detail::PreciseFor<Scalar>;
  DeepNet<Precise> reference = net.template cast<Precise>();
  const Matrix<Precise> X_precise = X.template cast<Precise>();
  const Matrix<Precise> Y_precise = Y.template cast<Precise>();
  const auto J = [&] {
    reference.forward(X_precise);
    return reference.cost(Y_precise);
  };
  const double m = static_cast<double>(X_precise.cols());
  detail::GemmWorkspace<Precise> workspace;

  NumericalGradients numeric;
  numeric.epsilon = epsilon;
  for (Index l = 1; l <= reference.L(); ++l) {
    LayerGradients layer;
    reference.layer(l).for_each_parameter(
        [&](const char* name, MatrixSpan<Precise> theta, MatrixSpan<Precise>) {
          layer.symbols.push_back(std::string("d") + name);
          layer.values.push_back(detail::central_differences(theta, epsilon, J));
        });
    // dA[l] is not a parameter: vary A[l] itself and run only the layers above it.
    reference.forward(X_precise);  // A[l] at the unperturbed weights
    Matrix<Precise> A_l = reference.layer(l).A();
    layer.dA = m * detail::central_differences(A_l, epsilon, [&] {
                 return detail::cost_from_layer(reference, l, A_l, Y_precise, workspace);
               });
    numeric.layers.push_back(std::move(layer));
  }
  return numeric;
}

/// Compares the gradients the network holds (from its last backward pass, or put there by
/// hand) with numerical ones, layer by layer and symbol by symbol.
/// \param threshold relative differences at or above it fail
/// \throws std::invalid_argument if `numeric` does not have the network's shapes
template <class Scalar>
GradientCheckReport compare_gradients(const DeepNet<Scalar>& net, const NumericalGradients& numeric,
                                      double threshold = default_gradient_threshold<Scalar>) {
  if (static_cast<Index>(numeric.layers.size()) != net.L()) {
    throw std::invalid_argument("compare_gradients: numerical gradients for " +
                                std::to_string(numeric.layers.size()) +
                                " layers, the network has " + std::to_string(net.L()));
  }
  GradientCheckReport report;
  report.epsilon = numeric.epsilon;
  report.threshold = threshold;
  std::vector<double> analytic_all;
  std::vector<double> numeric_all;
  const auto append = [](std::vector<double>& all, const Matrix<double>& values) {
    all.insert(all.end(), values.data(), values.data() + values.size());
  };
  for (Index l = 1; l <= net.L(); ++l) {
    const Layer<Scalar>& layer = net.layer(l);
    const LayerGradients& approx = numeric.layer(l);
    std::size_t k = 0;
    const auto mismatch = [&] {
      return std::invalid_argument("compare_gradients: layer " + std::to_string(l) +
                                   ": the numerical gradients do not have the shapes of the "
                                   "layer's gradients; were they computed for this network and "
                                   "these examples?");
    };
    layer.for_each_parameter([&](const char* name, MatrixView<Scalar>, MatrixView<Scalar> g) {
      const std::string symbol = std::string("d") + name;
      if (k >= approx.values.size() || approx.symbols[k] != symbol ||
          approx.values[k].rows() != g.rows() || approx.values[k].cols() != g.cols()) {
        throw mismatch();
      }
      const Matrix<double> analytic = g.template cast<double>();
      report.entries.push_back(detail::compare(l, symbol, analytic, approx.values[k], threshold));
      append(analytic_all, analytic);
      append(numeric_all, approx.values[k]);
      ++k;
    });
    const Matrix<double> dA = layer.dA().template cast<double>();
    if (dA.rows() != approx.dA.rows() || dA.cols() != approx.dA.cols()) throw mismatch();
    report.entries.push_back(detail::compare(l, "dA", dA, approx.dA, threshold));
  }
  report.overall = detail::compare_all(analytic_all, numeric_all, threshold);
  return report;
}

/// Gradient checking: runs net.forward(X) and net.backward(Y) (the network keeps those caches
/// and gradients; its weights do not change), computes `numerical_gradients` and returns
/// `compare_gradients`: the overall relative difference and one for every dW[l], db[l], dA[l].
/// \param X n[0] x m examples (keep m small: the check costs two forward passes per weight)
/// \param Y n[L] x m targets
/// \param epsilon   step of the central differences
/// \param threshold relative differences at or above it fail
/// \throws ShapeError unless X is n[0] x m and Y n[L] x m (saying when one looks transposed);
///         as forward and backward
template <class Scalar, class DerivedX, class DerivedY>
GradientCheckReport gradient_check(DeepNet<Scalar>& net, const Eigen::MatrixBase<DerivedX>& X,
                                   const Eigen::MatrixBase<DerivedY>& Y, double epsilon = 1e-7,
                                   double threshold = default_gradient_threshold<Scalar>) {
  // Checked here, so that the messages name gradient_check rather than forward and backward.
  detail::expect_inputs("gradient_check", "X", X.rows(), X.cols(), net.dims().front());
  detail::expect_targets("gradient_check", net.L(), "Y", Y.rows(), Y.cols(), net.dims().back(),
                         X.cols());
  const Matrix<Scalar> Y_scalar = Y.template cast<Scalar>();
  // The check's forward pass must not move the running statistics of batch normalisation.
  const DeepNet<Scalar> before = net;
  net.forward(X);
  net.backward(Y_scalar);
  for (Index l = 1; l <= net.L(); ++l) {
    if (net.layer(l).has_batch_norm()) {
      net.layer(l).batch_norm().running_mean() = before.layer(l).batch_norm().running_mean();
      net.layer(l).batch_norm().running_var() = before.layer(l).batch_norm().running_var();
    }
  }
  return compare_gradients(net, numerical_gradients(net, X, Y, epsilon), threshold);
}

/// Gradient checking of a Sequential network: runs net.forward(X) and net.backward(Y), then
/// compares every trainable entry of `net.parameters()` (W[1], b[1], gamma[3], ...) with
/// central differences of J, (J(theta + eps) - J(theta - eps)) / (2 eps), entry by entry. The
/// differences are computed in the network's own scalar (a module of the program's cannot be
/// copied to long double), so check a double network; the step actually taken,
/// (theta + eps) - (theta - eps) as rounded, is the denominator. One entry per registry entry
/// (layer = the module's position k, symbol "dW", "db", "dgamma", ...), and the overall one.
/// Batch normalisation's running statistics are restored afterwards; the parameters are not
/// changed.
/// 	hrows ShapeError unless X is n[0] x m and Y n_K x m; ConfigError when a module draws
///         random numbers (Dropout: freeze its mask or remove it for the check); as forward
///         and backward
template <class Scalar, class DerivedX, class DerivedY>
GradientCheckReport gradient_check(Sequential<Scalar>& net, const Eigen::MatrixBase<DerivedX>& X,
                                   const Eigen::MatrixBase<DerivedY>& Y, double epsilon = 1e-7,
                                   double threshold = default_gradient_threshold<Scalar>) {
  detail::expect_inputs("gradient_check", "X", X.rows(), X.cols(), net.input_size());
  detail::expect_targets("gradient_check", net.size(), "Y", Y.rows(), Y.cols(), net.output_size(),
                         X.cols());
  for (Index k = 1; k <= net.size(); ++k) {
    if (net.module(k).is_random()) {
      throw ConfigError("gradient_check: module " + std::to_string(k) + " (" +
                        net.module(k).name() +
                        ") draws random numbers in every pass, so J changes between "
                        "evaluations; freeze them (Dropout: freeze_mask(true) after a forward "
                        "pass) or remove the module for the check");
    }
  }
  const Matrix<Scalar> X_scalar = X.template cast<Scalar>();
  const Matrix<Scalar> Y_scalar = Y.template cast<Scalar>();
  std::vector<NamedTensor<Scalar>> entries = net.parameters();
  std::vector<Matrix<Scalar>> buffers;  // the running statistics, which a forward pass moves
  for (const NamedTensor<Scalar>& entry : entries) {
    if (!entry.trainable) buffers.emplace_back(entry.value);
  }
  const auto restore_buffers = [&] {
    std::size_t i = 0;
    for (NamedTensor<Scalar>& entry : entries) {
      if (!entry.trainable) entry.value = buffers[i++];
    }
  };
  net.forward(X_scalar);
  net.backward(Y_scalar);
  restore_buffers();
  const auto J = [&] {
    net.forward(X_scalar);
    const Scalar cost = net.cost(Y_scalar);
    restore_buffers();
    return cost;
  };

  GradientCheckReport report;
  report.epsilon = epsilon;
  report.threshold = threshold;
  std::vector<double> analytic_all, numeric_all;
  const auto step = static_cast<Scalar>(epsilon);
  for (NamedTensor<Scalar>& entry : entries) {
    if (!entry.trainable) continue;
    const Matrix<double> analytic = entry.gradient.template cast<double>();
    Matrix<double> numeric(entry.value.rows(), entry.value.cols());
    for (Index j = 0; j < entry.value.cols(); ++j) {
      for (Index i = 0; i < entry.value.rows(); ++i) {
        Scalar& theta = entry.value(i, j);
        const Scalar original = theta;
        const Scalar plus = original + step;
        const Scalar minus = original - step;
        theta = plus;
        const Scalar J_plus = J();
        theta = minus;
        const Scalar J_minus = J();
        theta = original;
        numeric(i, j) = static_cast<double>(J_plus - J_minus) / static_cast<double>(plus - minus);
      }
    }
    report.entries.push_back(detail::compare(entry.layer, std::string("d") + entry.symbol, analytic,
                                             numeric, threshold));
    analytic_all.insert(analytic_all.end(), analytic.data(), analytic.data() + analytic.size());
    numeric_all.insert(numeric_all.end(), numeric.data(), numeric.data() + numeric.size());
  }
  report.overall = detail::compare_all(analytic_all, numeric_all, threshold);
  // Leave the caches of the unperturbed parameters, as the DeepNet overload does.
  net.forward(X_scalar);
  net.backward(Y_scalar);
  restore_buffers();
  return report;
}

}  // namespace deepnet

#endif  // DEEPNET_TOOLS_GRADIENT_CHECK_HPP
