/// \file core/init.hpp
/// Seeded initialisation of the weights W[l]. The biases b[l] always start at zero, as in the
/// course: random W already breaks the symmetry between units.
#ifndef DEEPNET_CORE_INIT_HPP
#define DEEPNET_CORE_INIT_HPP

#include "../config.hpp"
#include "../errors.hpp"
#include "random.hpp"

#include <cmath>
#include <string>

namespace deepnet {

/// How `DeepNet::initialize` draws W[l] (n[l] x n[l-1]); z is a standard normal draw.
enum class Init {
  Small,         ///< 0.01 z: the course's two-layer model
  ScaledNormal,  ///< z / sqrt(n[l-1]): the course's L-layer model
  He,            ///< z sqrt(2 / n[l-1]): for ReLU layers (He et al., 2015)
  Xavier,        ///< uniform in [-r, r), r = sqrt(6 / (n[l-1] + n[l])) (Glorot and Bengio, 2010)
  Zeros          ///< all zero: shows why W must be random (every unit learns the same thing)
};

/// The scheme's name as it appears in messages.
inline std::string to_string(Init init) {
  switch (init) {
    case Init::Small:
      return "Small";
    case Init::ScaledNormal:
      return "ScaledNormal";
    case Init::He:
      return "He";
    case Init::Xavier:
      return "Xavier";
    case Init::Zeros:
      return "Zeros";
  }
  return "Init(" + std::to_string(static_cast<int>(init)) + ")";
}

/// Fills W (n[l] x n[l-1]) with draws from `random`, row by row (W(0,0), W(0,1), ...), the
/// order of NumPy's `rng.standard_normal((n, n_prev))`. Draws are made in double and rounded
/// once to Scalar, so float and double networks built from one seed agree to float precision.
/// W is a view: a matrix's storage, or a layer's W() in its network's parameter store.
template <class Scalar>
void initialize_weights(Init init, MatrixSpan<Scalar> W, Random& random) {
  const Index n = W.rows();
  const Index n_prev = W.cols();
  const auto fill = [&](auto&& draw) {
    for (Index i = 0; i < n; ++i) {
      for (Index j = 0; j < n_prev; ++j)
        W(i, j) = static_cast<Scalar>(draw());
    }
  };
  switch (init) {
    case Init::Small:
      fill([&] { return 0.01 * random.normal(); });
      return;
    case Init::ScaledNormal: {
      const double root = std::sqrt(static_cast<double>(n_prev));
      fill([&] { return random.normal() / root; });
      return;
    }
    case Init::He: {
      const double scale = std::sqrt(2.0 / static_cast<double>(n_prev));
      fill([&] { return random.normal() * scale; });
      return;
    }
    case Init::Xavier: {
      const double limit = std::sqrt(6.0 / static_cast<double>(n_prev + n));
      fill([&] { return (2.0 * random.uniform() - 1.0) * limit; });
      return;
    }
    case Init::Zeros:
      W.setZero();
      return;
  }
  throw ConfigError("unknown initialisation " + to_string(init));
}

/// The same for a matrix of the caller's.
template <class Scalar>
void initialize_weights(Init init, Matrix<Scalar>& W, Random& random) {
  initialize_weights<Scalar>(init, MatrixSpan<Scalar>(W.data(), W.rows(), W.cols()), random);
}

}  // namespace deepnet

#endif  // DEEPNET_CORE_INIT_HPP
