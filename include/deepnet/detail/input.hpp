/// \file detail/input.hpp
/// How the network holds A[0] = X between forward and backward (dW[1] = (1/m) dZ[1] X^T
/// needs it). X is usually the largest matrix of all (12288 x 209 for the course's cat
/// images), so copying it every step would cost as much as a layer. When X is a matrix, a
/// column block of one (`X.middleCols(k, 128)`) or a Map with unit inner stride, the network
/// keeps a view of the caller's memory: the caller must keep X alive and unchanged until
/// backward has returned. Any other expression (`2 * X`, a float matrix given to a double
/// network, a row-major matrix) is evaluated once into storage the network owns.
#ifndef DEEPNET_DETAIL_INPUT_HPP
#define DEEPNET_DETAIL_INPUT_HPP

#include "../config.hpp"

#include <new>
#include <type_traits>
#include <utility>

namespace deepnet {
namespace detail {

/// True when X can be viewed in place: same scalar, column-major, with direct memory access.
template <class Derived, class Scalar>
constexpr bool is_viewable_input = std::is_same<typename Derived::Scalar, Scalar>::value &&
                                   (Derived::Flags & Eigen::DirectAccessBit) != 0 &&
                                   (Derived::Flags & Eigen::RowMajorBit) == 0;

/// True for an rvalue of a plain matrix that could be viewed in place: a temporary that would
/// be freed while a view of it is kept (the network's X, a Trainer's data). Other expressions
/// are evaluated into storage of the network's own, so they are safe as temporaries.
template <class T, class Scalar>
constexpr bool is_temporary_matrix =
    !std::is_lvalue_reference<T>::value &&
    std::is_base_of<Eigen::PlainObjectBase<std::decay_t<T>>, std::decay_t<T>>::value &&
    is_viewable_input<std::decay_t<T>, Scalar>;

/// False, for a static_assert that fires only when its template is instantiated.
template <class T>
constexpr bool always_false = false;

/// A[0] = X of the last forward pass: a view of the caller's matrix, or of an owned copy.
/// Copying an InputBinding gives an unbound one: the view may point into the source's copy.
template <class Scalar>
class InputBinding {
 public:
  InputBinding() = default;
  InputBinding(const InputBinding&) : InputBinding() {}
  InputBinding& operator=(const InputBinding&) {
    unbind();
    return *this;
  }
  // Eigen's move hands over the heap buffer, so a view of the copy stays valid. (A Map's own
  // operator= would copy values into the viewed memory, hence the explicit rebind.)
  InputBinding(InputBinding&& other) noexcept : m_copy(std::move(other.m_copy)) {
    rebind(other.m_X.data(), other.m_X.rows(), other.m_X.cols(), other.m_X.outerStride());
    other.unbind();
  }
  InputBinding& operator=(InputBinding&& other) noexcept {
    m_copy = std::move(other.m_copy);
    rebind(other.m_X.data(), other.m_X.rows(), other.m_X.cols(), other.m_X.outerStride());
    other.unbind();
    return *this;
  }

  /// Views X in place when possible, otherwise evaluates it into owned storage (which grows
  /// only when X has more columns than ever before).
  template <class Derived>
  void bind(const Eigen::MatrixBase<Derived>& X) {
    if constexpr (is_viewable_input<Derived, Scalar>) {
      if (X.innerStride() == 1) {
        rebind(X.derived().data(), X.rows(), X.cols(), X.outerStride());
        return;
      }
    }
    if (m_copy.rows() != X.rows() || m_copy.cols() < X.cols()) m_copy.resize(X.rows(), X.cols());
    m_copy.leftCols(X.cols()) = X.template cast<Scalar>();
    rebind(m_copy.data(), X.rows(), X.cols(), m_copy.rows());
  }

  /// Forgets X.
  void unbind() { rebind(nullptr, 0, 0, 0); }

  /// True once bind has been called (and not undone by unbind or a copy).
  bool bound() const noexcept { return m_X.data() != nullptr; }

  /// The bound X, n[0] x m.
  const InputView<Scalar>& X() const noexcept { return m_X; }

 private:
  void rebind(const Scalar* data, Index rows, Index cols, Index stride) {
    // Eigen's documented way to point a Map elsewhere: construct it again in place.
    m_X.~InputView<Scalar>();
    new (&m_X) InputView<Scalar>(data, rows, cols, Eigen::OuterStride<>(stride));
  }

  InputView<Scalar> m_X{nullptr, 0, 0, Eigen::OuterStride<>(0)};
  Matrix<Scalar> m_copy;
};

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_DETAIL_INPUT_HPP
