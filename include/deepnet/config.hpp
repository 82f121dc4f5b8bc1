/// \file config.hpp
/// Version, the `Index` type, the matrix types every header shares, and DEEPNET_ASSERT.
#ifndef DEEPNET_CONFIG_HPP
#define DEEPNET_CONFIG_HPP

#include <Eigen/Core>

#include <stdexcept>
#include <string>
#include <type_traits>

/// Major version of deepnet.
#define DEEPNET_VERSION_MAJOR 0
/// Minor version of deepnet.
#define DEEPNET_VERSION_MINOR 1
/// Patch version of deepnet.
#define DEEPNET_VERSION_PATCH 0

/// Checks an internal invariant (a bug in deepnet if it fails, never a caller's mistake).
/// Define it before including deepnet to change what happens; by default it follows
/// Eigen's `eigen_assert`, so it is compiled out in release builds.
#ifndef DEEPNET_ASSERT
#define DEEPNET_ASSERT(condition, message) eigen_assert((condition) && (message))
#endif

/// 1 when `DeepNet::backward` runs the shape checker over every matrix after it finishes:
/// by default in debug builds (NDEBUG not defined). Define it to 0 or 1 to choose.
#ifndef DEEPNET_CHECKS_SHAPES_AFTER_BACKWARD
#ifdef NDEBUG
#define DEEPNET_CHECKS_SHAPES_AFTER_BACKWARD 0
#else
#define DEEPNET_CHECKS_SHAPES_AFTER_BACKWARD 1
#endif
#endif

namespace deepnet {

/// Sizes and indices, the same type Eigen uses.
using Index = Eigen::Index;

/// A dense column-major matrix: one column per example, one row per unit.
template <class Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

/// A column vector, used for b and db (n[l] x 1).
template <class Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

/// A read-only view of contiguous column-major storage, such as Z[l] for the current batch.
template <class Scalar>
using MatrixView = Eigen::Map<const Matrix<Scalar>>;

/// A writable view of contiguous column-major storage.
template <class Scalar>
using MatrixSpan = Eigen::Map<Matrix<Scalar>>;

/// A read-only view of an input with any outer stride (a matrix, or a block of its columns).
template <class Scalar>
using InputView = Eigen::Map<const Matrix<Scalar>, Eigen::Unaligned, Eigen::OuterStride<>>;

/// Class labels, as returned by `DeepNet::classify`.
using Labels = Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic>;

namespace detail {

// float and double are the public scalar types; long double serves gradient_check's
// high-precision reference.
template <class Scalar>
constexpr bool is_supported_scalar =
    std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value ||
    std::is_same<Scalar, long double>::value;

}  // namespace detail

}  // namespace deepnet

#endif  // DEEPNET_CONFIG_HPP
