/// \file core/parameter_store.hpp
/// The parameter store: every trainable tensor of a network one after the other in one value
/// buffer,
/// and every gradient at the same offset in one gradient buffer, under the registry's names.
///
/// A DeepNet of L layers lays its tensors out as
///
///   values:    W[1] b[1] W[2] b[2] ... W[L] b[L] | gamma[1] beta[1] ... gamma[L] beta[L]
///   gradients: dW[1] db[1] ...        dW[L] db[L] | dgamma[1] dbeta[1] ...
///
/// each tensor starting on a 64-byte boundary (a few zeros of padding between two tensors), so
/// that an update rule over the whole model is one call over one buffer, an allreduce of the
/// gradients one reduction, and each tensor is aligned as a matrix of its own was: Eigen then
/// splits it into SIMD packets and a scalar tail exactly as before, which keeps the one-pass
/// update bit for bit the per-tensor one (Eigen's vectorised float sqrt is not the scalar
/// one). b[l] and gamma[l], beta[l] all have a place whether batch normalisation is on or off
/// (the unused ones stay untouched): turning it on or off changes which ranges are trained,
/// never the layout.
///
/// `ParameterTensor` is what `layer(l).W()` returns: a view of the tensor's place in the store
/// that behaves like the matrix it used to be (assignment, indexing, expressions, `resize`).
#ifndef DEEPNET_CORE_PARAMETER_STORE_HPP
#define DEEPNET_CORE_PARAMETER_STORE_HPP

#include "../config.hpp"
#include "../errors.hpp"

#include <new>
#include <string>
#include <utility>
#include <vector>

namespace deepnet {

/// A trainable tensor W, b, gamma or beta (or a gradient dW, db, ...) of a layer: a writable
/// view of its place in the network's parameter store, or of storage of its own for a Layer or
/// BatchNorm built alone, and for a copy (`auto W = layer.W()` is a copy of the values, as it
/// was when W was a Matrix). It is an `Eigen::Map`, so it goes wherever a matrix expression,
/// an `Eigen::Ref` or a `const Matrix&` does.
///
/// Assignment keeps the shape: in a store, `W() = M` with M of another shape throws ShapeError
/// (the store cannot grow one tensor); storage of its own is resized, as a matrix's is. `resize` to
/// another shape moves the tensor to storage of its own, out of the store; the network then refuses
/// to compute (its shape check names the tensor) until it is resized back to its shape, which puts
/// it back in its place in the store.
template <class Plain>
class ParameterTensor : public Eigen::Map<Plain> {
 public:
  using Base = Eigen::Map<Plain>;         ///< the view type
  using Scalar = typename Plain::Scalar;  ///< the scalar type
  using Base::operator+=;                 ///< as for a matrix
  using Base::operator-=;                 ///< as for a matrix
  using Base::operator*=;                 ///< as for a matrix
  using Base::operator/=;                 ///< as for a matrix

  /// A rows x cols tensor of zeros in storage of its own; `symbol` and layer l name it in
  /// messages.
  ParameterTensor(Index rows, Index cols, const char* symbol = "", Index l = 0)
      : Base(nullptr, rows, cols), m_own(Plain::Zero(rows, cols)), m_symbol(symbol), m_l(l) {
    point_to(m_own.data(), rows, cols);
  }

  /// A copy of the values in storage of its own: a copy never shares the source's store.
  ParameterTensor(const ParameterTensor& other)
      : Base(nullptr, other.rows(), other.cols()),
        m_own(other),
        m_symbol(other.m_symbol),
        m_l(other.m_l) {
    point_to(m_own.data(), other.rows(), other.cols());
  }

  /// Takes the storage of a tensor that owns it; copies the values of one in a store, which
  /// stays there.
  ParameterTensor(ParameterTensor&& other)
      : Base(nullptr, other.rows(), other.cols()), m_symbol(other.m_symbol), m_l(other.m_l) {
    if (other.m_home == nullptr) {
      m_own = std::move(other.m_own);
      other.point_to(other.m_own.data(), other.m_own.rows(), other.m_own.cols());
    } else {
      m_own = other;
    }
    point_to(m_own.data(), m_own.rows(), m_own.cols());
  }

  /// Copies the values; the shapes must agree.
  /// \throws ShapeError naming the tensor, its shape and the value's
  ParameterTensor& operator=(const ParameterTensor& other) {
    if (this != &other) assign(other);
    return *this;
  }
  /// Copies the values (the tensor stays where it is); the shapes must agree.
  /// \throws ShapeError naming the tensor, its shape and the value's
  ParameterTensor& operator=(ParameterTensor&& other) {
    if (this != &other) assign(other);
    return *this;
  }
  /// Assigns a matrix or an expression of the same shape.
  /// \throws ShapeError naming the tensor, its shape and the value's
  template <class Other>
  ParameterTensor& operator=(const Eigen::EigenBase<Other>& other) {
    assign(other.derived());
    return *this;
  }

  /// Gives the tensor another shape, as `Matrix::resize` does (the values are then undefined).
  /// Its own shape puts it back in its place in the store; another shape moves it to storage
  /// of its own, and the network's shape check reports it.
  void resize(Index rows, Index cols) {
    if (rows == this->rows() && cols == this->cols()) return;
    if (m_home != nullptr && rows == m_rows && cols == m_cols) {
      m_own.resize(0, Plain::ColsAtCompileTime == 1 ? 1 : 0);
      point_to(m_home, rows, cols);
      return;
    }
    m_own.resize(rows, cols);
    point_to(m_own.data(), rows, cols);
  }
  /// For a vector (b, gamma, ...): resize(size, 1).
  void resize(Index size) { resize(size, 1); }

  /// True when the tensor is in its place in a store (false alone, for a copy, or resized).
  bool in_store() const noexcept { return m_home != nullptr && this->data() == m_home; }

  /// Moves the tensor's place to `place`, which already holds its values (the other value
  /// buffer of a store that trains into a second buffer and swaps them): nothing is copied. A
  /// tensor out of its place (resized away) stays where it is, only its home moves.
  void move_home(Scalar* place) noexcept {
    const bool placed = in_store();
    m_home = place;
    if (placed) point_to(place, m_rows, m_cols);
  }

  /// As attach(place, rows, cols), and the tensor is named as part of layer (or module) l in
  /// messages from now on.
  void attach(Scalar* place, Index rows, Index cols, Index l) {
    m_l = l;
    attach(place, rows, cols);
  }

  /// Gives the tensor its place in a store, `place`, rows x cols scalars, and moves it there
  /// with its values. A tensor of another shape (resized away) keeps storage of its own, and
  /// the network's shape check reports it until it is resized back. DeepNet calls it when it
  /// builds or copies its store.
  void attach(Scalar* place, Index rows, Index cols) {
    m_home = place;
    m_rows = rows;
    m_cols = cols;
    if (this->rows() != rows || this->cols() != cols) {
      if (this->data() != m_own.data()) {  // it was in another store: take its values along
        m_own = *this;
        point_to(m_own.data(), m_own.rows(), m_own.cols());
      }
      return;
    }
    if (this->data() != place) Eigen::Map<Plain>(place, rows, cols) = *this;
    m_own.resize(0, Plain::ColsAtCompileTime == 1 ? 1 : 0);
    point_to(place, rows, cols);
  }

 private:
  template <class Other>
  void assign(const Other& other) {
    const Index rows = other.rows(), cols = other.cols();
    if (rows != this->rows() || cols != this->cols()) {
      if (m_home == nullptr) {  // storage of its own: a matrix's assignment, which resizes
        m_own = other;
        point_to(m_own.data(), rows, cols);
        return;
      }
      if (rows != m_rows || cols != m_cols) {
        const std::string l = std::to_string(m_l);
        throw ShapeError("layer " + l + ": " + m_symbol + " = value", m_l, m_symbol, rows, cols,
                         m_rows, m_cols,
                         std::string("the shape of ") + m_symbol +
                             ", which it keeps in the parameter store: assign a value of that "
                             "shape, or resize " +
                             m_symbol + " first");
      }
      resize(rows, cols);  // resized away before: back to its place
    }
    Base::operator=(other);
  }

  // Eigen's way to point a Map elsewhere: construct the view again in place.
  void point_to(Scalar* data, Index rows, Index cols) {
    new (static_cast<Base*>(this)) Base(data, rows, cols);
  }

  Plain m_own;                   // the storage of a tensor that is not in a store
  Scalar* m_home = nullptr;      // its place in the store, if any
  Index m_rows = 0, m_cols = 0;  // the shape of that place
  const char* m_symbol;
  Index m_l;
};

/// Where one tensor lives in a ParameterStore.
struct ParameterSlot {
  std::string name;         ///< the registry's name, e.g. "W[2]"
  Index layer = 0;          ///< l
  const char* symbol = "";  ///< "W", "b", "gamma" or "beta"
  Index offset = 0;         ///< the first scalar, in both buffers
  Index rows = 0;           ///< rows of the tensor
  Index cols = 0;           ///< columns of the tensor
  /// rows x cols.
  Index size() const noexcept { return rows * cols; }
};

/// One range [offset, offset + size) of a store that an update rule trains: a trainable
/// tensor, or several that follow each other without padding, merged. `DeepNet::flat_parameters`
/// lists them.
struct ParameterRange {
  Index offset = 0;  ///< the first scalar
  Index size = 0;    ///< the number of scalars
};

/// Two buffers, values and gradients, holding tensors one after the other (each aligned to 64
/// bytes) at the same offsets, and
/// the names of the places (`ParameterSlot`). Slots are declared first with `add`, then
/// `allocate` zeroes both buffers; a copy of the store copies both buffers.
template <class Scalar>
class ParameterStore {
 public:
  /// Every slot starts at a multiple of this many scalars: 64 bytes, the widest SIMD packet.
  static constexpr Index alignment = static_cast<Index>(64 / sizeof(Scalar));

  /// Declares a rows x cols tensor named symbol[l] after the ones declared so far, at the next
  /// multiple of `alignment`.
  /// \return its slot number
  Index add(Index l, const char* symbol, Index rows, Index cols) {
    ParameterSlot slot;
    slot.name = std::string(symbol) + "[" + std::to_string(l) + "]";
    slot.layer = l;
    slot.symbol = symbol;
    slot.offset = (m_size + alignment - 1) / alignment * alignment;
    slot.rows = rows;
    slot.cols = cols;
    m_size = slot.offset + slot.size();
    m_slots.push_back(std::move(slot));
    return static_cast<Index>(m_slots.size()) - 1;
  }

  /// Allocates both buffers, zero, for the slots declared.
  void allocate() {
    m_values = Vector<Scalar>::Zero(m_size);
    m_gradients = Vector<Scalar>::Zero(m_size);
    m_spare = Spare();
  }

  /// A second value buffer of the same layout, for an update that reads the values and writes
  /// the new ones elsewhere (`FlatParameters::next_values`), so that the old ones stay as they
  /// were: fit's divergence guard then goes back by swapping the buffers instead of copying
  /// every parameter each step. Allocated, as a copy of the values, at its first use; a copy of
  /// the store does not copy it.
  Scalar* spare_values() {
    if (m_spare.values.size() != m_size) m_spare.values = m_values;
    return m_spare.values.data();
  }
  /// Exchanges the value buffer and the spare one (no copy); the caller moves the tensors'
  /// places along (`ParameterTensor::move_home`).
  void swap_values() noexcept {
    m_values.swap(m_spare.values);
    m_spare.swapped = !m_spare.swapped;
  }
  /// Puts the values back in the buffer they had before the first swap, copying them there if
  /// an odd number of swaps left them in the spare one, so that views of the values taken
  /// before training stay valid after it.
  /// \return true when the values moved
  bool settle() {
    if (!m_spare.swapped) return false;
    m_spare.values = m_values;  // same size: the copy allocates nothing
    swap_values();
    return true;
  }

  /// The number of scalars of each buffer.
  Index size() const noexcept { return m_size; }
  /// The slots, in the order of the buffers.
  const std::vector<ParameterSlot>& slots() const noexcept { return m_slots; }
  /// The slot named `name` ("W[2]"), or nullptr.
  const ParameterSlot* find(const std::string& name) const {
    for (const ParameterSlot& slot : m_slots) {
      if (slot.name == name) return &slot;
    }
    return nullptr;
  }

  /// The value buffer, every tensor in its slot (the buffer aligned as Eigen aligns, at least
  /// 16 bytes; the slots at 64-byte multiples from its start; zeros between them).
  Scalar* values() noexcept { return m_values.data(); }
  /// The value buffer.
  const Scalar* values() const noexcept { return m_values.data(); }
  /// The gradient buffer, each gradient at its tensor's offset.
  Scalar* gradients() noexcept { return m_gradients.data(); }
  /// The gradient buffer.
  const Scalar* gradients() const noexcept { return m_gradients.data(); }

 private:
  // The spare value buffer: a copy or an assignment of the store leaves it out.
  struct Spare {
    Vector<Scalar> values;
    bool swapped = false;  // the values are in the buffer the store did not start with
    Spare() = default;
    Spare(const Spare&) {}
    Spare(Spare&&) noexcept = default;
    Spare& operator=(const Spare&) {
      values.resize(0);
      swapped = false;
      return *this;
    }
    Spare& operator=(Spare&&) noexcept = default;
    ~Spare() = default;
  };

  std::vector<ParameterSlot> m_slots;
  Vector<Scalar> m_values, m_gradients;
  Spare m_spare;
  Index m_size = 0;
};

/// The flat view of a model's trainable parameters that a one-pass update rule works on:
/// the store's two buffers and the ranges being trained (the rest is left alone), plus the
/// tensors in the order k = 0, 1, ... of `Optimizer::update` (their offsets and shapes), so
/// that state kept per tensor can be found by k.
template <class Scalar>
struct FlatParameters {
  Scalar* values = nullptr;           ///< the value buffer
  const Scalar* gradients = nullptr;  ///< the gradient buffer, same layout
  /// nullptr: the rule updates `values` in place. Otherwise a buffer of the same layout into
  /// which the rule writes the new values of the trained ranges, leaving `values` unchanged
  /// (only rules whose `Optimizer::writes_next_values` is true are given one).
  Scalar* next_values = nullptr;
  Index size = 0;                                 ///< scalars in each buffer
  const ParameterRange* ranges = nullptr;         ///< the trained ranges, in order
  Index range_count = 0;                          ///< how many
  const ParameterSlot* const* tensors = nullptr;  ///< trainable tensor k = 0, 1, ...
  Index tensor_count = 0;                         ///< how many
};

namespace detail {

/// The one-pass view of `store` for its trainable tensors `tensors` (slots of the store, in the
/// optimizer's order k): fills `ranges` with their places, those that follow each other without
/// padding merged. Allocates nothing once both vectors have had their capacity.
template <class Scalar>
FlatParameters<Scalar> flat_view(ParameterStore<Scalar>& store,
                                 const std::vector<const ParameterSlot*>& tensors,
                                 std::vector<ParameterRange>& ranges) {
  ranges.clear();
  for (const ParameterSlot* slot : tensors) {
    if (!ranges.empty() && ranges.back().offset + ranges.back().size == slot->offset) {
      ranges.back().size += slot->size();
    } else {
      ranges.push_back(ParameterRange{slot->offset, slot->size()});
    }
  }
  FlatParameters<Scalar> flat;
  flat.values = store.values();
  flat.gradients = store.gradients();
  flat.size = store.size();
  flat.ranges = ranges.data();
  flat.range_count = static_cast<Index>(ranges.size());
  flat.tensors = tensors.data();
  flat.tensor_count = static_cast<Index>(tensors.size());
  return flat;
}

}  // namespace detail

}  // namespace deepnet

#endif  // DEEPNET_CORE_PARAMETER_STORE_HPP
