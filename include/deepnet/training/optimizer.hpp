/// \file training/optimizer.hpp
/// The update rules of the course's second part, behind one small interface. Each sees every
/// trainable parameter theta (W, b, gamma, beta of every layer) with its gradient g and keeps
/// its state (v, s) in matrices of theta's shape:
///
/// | optimizer         | state and update                                                     |
/// |-------------------|-----------------------------------------------------------------------|
/// | `GradientDescent` | theta -= alpha g                                                      |
/// | `Momentum`        | v = beta v + (1 - beta) g;  theta -= alpha v                          |
/// | `RMSProp`         | s = beta s + (1 - beta) g^2;  theta -= alpha g / (sqrt(s) + epsilon)  |
/// | `Adam`            | v, s as above with beta1, beta2; v^ = v / (1 - beta1^t),             |
/// |                   | s^ = s / (1 - beta2^t);  theta -= alpha v^ / (sqrt(s^) + epsilon)     |
///
/// Use one with `net.update(optimizer, alpha)` after `backward`, or through
/// `FitOptions().optimizer(OptimizerSettings::adam())`.
///
/// The built-in rules update a DeepNet in one pass over its parameter store
/// (`update_flat`, core/parameter_store.hpp), their state v, s in buffers laid out like the
/// store; a rule of the program's overrides `update(k, theta, g, alpha)` only and is called
/// once per tensor.
#ifndef DEEPNET_TRAINING_OPTIMIZER_HPP
#define DEEPNET_TRAINING_OPTIMIZER_HPP

#include "../config.hpp"
#include "../core/parameter_store.hpp"
#include "../errors.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace deepnet {

/// An update rule. `DeepNet::update(optimizer, alpha)` calls `begin_step` once, then `update`
/// for every parameter, numbered k = 0, 1, ... in the order of the layers and, within a
/// layer, of `Layer::for_each_parameter` (W, b or W, gamma, beta).
template <class Scalar>
class Optimizer {
 public:
  virtual ~Optimizer() = default;

  /// The rule's name, e.g. "Adam".
  virtual std::string name() const = 0;
  /// Called once per step, before the updates (Adam counts t here).
  virtual void begin_step() {}
  /// Updates parameter k, theta, from its gradient g, with learning rate alpha.
  virtual void update(Index k, MatrixSpan<Scalar> theta, MatrixView<Scalar> g, Scalar alpha) = 0;
  /// Updates every trainable parameter of a model at once, over the flat buffers of its
  /// parameter store, after `begin_step`. Returns false (the default) when the rule has no such
  /// pass: the model then calls `update(k, ...)` for each parameter k. The built-in rules
  /// return true; their result is the same, bit for bit, as the per-parameter updates.
  virtual bool update_flat(const FlatParameters<Scalar>& parameters, Scalar alpha) {
    (void)parameters;
    (void)alpha;
    return false;
  }
  /// True when `update_flat` honours `FlatParameters::next_values` (writes the new values there
  /// and leaves `values` as they were). The built-in rules do; `fit`'s divergence guard then
  /// keeps the parameters of the last step by swapping two buffers instead of copying them
  /// every step. A rule that overrides `update_flat` without it must leave this false.
  virtual bool writes_next_values() const { return false; }
  /// Forgets the state (v, s, t): the next step starts afresh.
  virtual void reset() {}

  /// The names of the per-parameter state a checkpoint saves: {"v"} for Momentum, {"s"} for
  /// RMSProp, {"v", "s"} for Adam, none for plain gradient descent. An optimizer of the user's
  /// that keeps state overrides this, `state`, `steps` and `set_steps` to be resumable.
  virtual std::vector<std::string> state_slots() const { return {}; }
  /// The state matrix `slot` of parameter k, created as a rows x cols zero matrix when it does
  /// not exist yet (before the first update): checkpoints read and write it.
  /// \throws StateError for a slot that is not one of state_slots()
  virtual Matrix<Scalar>& state(const std::string& slot, Index k, Index rows, Index cols) {
    (void)k;
    (void)rows;
    (void)cols;
    throw StateError(name() + " keeps no state \"" + slot + "\"");
  }
  /// The steps taken, as the rule counts them (Adam's t); 0 for a rule that does not count.
  virtual Index steps() const { return 0; }
  /// Sets the step count: a resumed checkpoint continues Adam's bias correction where it was.
  virtual void set_steps(Index) {}
};

namespace detail {

/// A writable run of scalars as an Eigen array: theta, v or s of one tensor or one chunk.
template <class Scalar>
using ArraySpan = Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
/// A read-only run of scalars as an Eigen array: g of one tensor or one chunk.
template <class Scalar>
using ArrayView = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>;

/// Calls `body(theta, g, offset)` over the trained ranges of `p` in chunks of at most 1024
/// scalars (arrays of the chunk's values and gradients, and the chunk's offset in the store):
/// a rule's formulas run over each chunk while it is in the first-level cache, so that v, s
/// and theta cost one pass over memory.
///
/// With `p.next_values`, each chunk's values are first copied there and the body updates the
/// copy: the copy is in the first-level cache when the rule reads it, so the values cost one
/// read and one write over memory, as an update in place does, and `p.values` keep the old ones.
template <class Scalar, class Body>
void for_each_chunk(const FlatParameters<Scalar>& p, Body&& body) {
  constexpr Index chunk = 1024;
  for (Index r = 0; r < p.range_count; ++r) {
    const Index end = p.ranges[r].offset + p.ranges[r].size;
    for (Index offset = p.ranges[r].offset; offset < end; offset += chunk) {
      const Index n = end - offset < chunk ? end - offset : chunk;
      Scalar* theta = p.values + offset;
      if (p.next_values != nullptr) {
        ArraySpan<Scalar>(p.next_values + offset, n) = ArrayView<Scalar>(theta, n);
        theta = p.next_values + offset;
      }
      body(ArraySpan<Scalar>(theta, n), ArrayView<Scalar>(p.gradients + offset, n), offset);
    }
  }
}

/// theta as an array (a tensor's storage is contiguous): the per-tensor `update` of a built-in
/// rule runs the same formula as its one-pass `update_flat`, so that each rule's expression is
/// compiled once per scalar type, and both give the same bits.
template <class Scalar>
ArraySpan<Scalar> array_of(MatrixSpan<Scalar> theta) {
  return ArraySpan<Scalar>(theta.data(), theta.size());
}
/// g as an array.
template <class Scalar>
ArrayView<Scalar> array_of(MatrixView<Scalar> g) {
  return ArrayView<Scalar>(g.data(), g.size());
}
/// A state matrix (v or s) as an array.
template <class Scalar>
ArraySpan<Scalar> array_of(Matrix<Scalar>& state) {
  return ArraySpan<Scalar>(state.data(), state.size());
}

}  // namespace detail

/// theta -= alpha g: plain gradient descent, no state.
template <class Scalar>
class GradientDescent : public Optimizer<Scalar> {
 public:
  /// "GradientDescent".
  std::string name() const override { return "GradientDescent"; }
  /// True: the one-pass update can write into a second buffer (FlatParameters::next_values).
  bool writes_next_values() const override { return true; }
  /// theta -= alpha g.
  void update(Index, MatrixSpan<Scalar> theta, MatrixView<Scalar> g, Scalar alpha) override {
    step(detail::array_of(theta), detail::array_of(g), alpha);
  }
  /// theta -= alpha g over the trained ranges of the store.
  bool update_flat(const FlatParameters<Scalar>& p, Scalar alpha) override {
    detail::for_each_chunk(p, [&](detail::ArraySpan<Scalar> theta, detail::ArrayView<Scalar> g,
                                  Index) { step(theta, g, alpha); });
    return true;
  }

 private:
  // The rule, for one tensor or one chunk of the store.
  static void step(detail::ArraySpan<Scalar> theta, detail::ArrayView<Scalar> g, Scalar alpha) {
    theta -= alpha * g;
  }
};

namespace detail {

/// The state of one slot (v or s) of a built-in rule. The one-pass update keeps it in a buffer
/// laid out like the model's parameter store (the state of W[2] at W[2]'s offset), so that it
/// is found by the parameter's place, that is by its name. The per-parameter path and the
/// checkpoints reach it by k through matrices (`at`): a copy of the parameter's range, taken
/// when asked for and written back before the next one-pass step, so that a checkpoint's
/// values set through `state(slot, k, ...)` are the ones the next step uses. Without a
/// one-pass step (a model that updates per parameter), the matrices are the state, sized like
/// the parameter at its first update (the only allocation) and zero at the start.
template <class Scalar>
class StateMatrices {
 public:
  /// The state of parameter k, rows x cols (zero when new), to read or write.
  Matrix<Scalar>& at(Index k, Index rows, Index cols) {
    if (static_cast<Index>(m_states.size()) <= k) {
      m_states.resize(static_cast<std::size_t>(k + 1));
      m_staged.resize(static_cast<std::size_t>(k + 1), 0);
    }
    const auto i = static_cast<std::size_t>(k);
    Matrix<Scalar>& state = m_states[i];
    if (m_staged[i] == 0 && in_flat(k, rows, cols)) {
      state = Eigen::Map<const Matrix<Scalar>>(m_flat.data() + m_offsets[i], rows, cols);
    } else if (state.rows() != rows || state.cols() != cols) {
      state = Matrix<Scalar>::Zero(rows, cols);
    }
    m_staged[i] = 1;  // the caller may write: the next one-pass step takes it back
    m_any_staged = true;
    return state;
  }
  /// The state of parameter k, to read.
  /// \throws std::out_of_range when parameter k has none yet
  const Matrix<Scalar>& at(Index k) const {
    const auto i = static_cast<std::size_t>(k);
    if (k >= 0 && k < static_cast<Index>(m_staged.size()) && m_staged[i] != 0) return m_states[i];
    if (k >= 0 && k < static_cast<Index>(m_offsets.size())) {
      if (static_cast<Index>(m_states.size()) <= k) {
        m_states.resize(i + 1);
        m_staged.resize(i + 1, 0);
      }
      m_states[i] =
          Eigen::Map<const Matrix<Scalar>>(m_flat.data() + m_offsets[i], m_rows[i], m_cols[i]);
      return m_states[i];
    }
    return m_states.at(i);
  }
  /// The state buffer for a one-pass step over `p`, laid out like p's store: zero when the
  /// store is new (the only allocation), with the matrices written through `at` taken back.
  Scalar* flat(const FlatParameters<Scalar>& p) {
    if (m_flat.size() != p.size) {
      m_flat = Vector<Scalar>::Zero(p.size);
      m_offsets.clear();
    }
    if (static_cast<Index>(m_offsets.size()) != p.tensor_count) {
      m_offsets.resize(static_cast<std::size_t>(p.tensor_count));
      m_rows.resize(m_offsets.size());
      m_cols.resize(m_offsets.size());
    }
    for (Index k = 0; k < p.tensor_count; ++k) {
      const auto i = static_cast<std::size_t>(k);
      m_offsets[i] = p.tensors[k]->offset;
      m_rows[i] = p.tensors[k]->rows;
      m_cols[i] = p.tensors[k]->cols;
    }
    if (m_any_staged) {
      for (std::size_t i = 0; i < m_staged.size(); ++i) {
        if (m_staged[i] == 0) continue;
        const Index k = static_cast<Index>(i);
        if (in_flat(k, m_states[i].rows(), m_states[i].cols())) {
          Eigen::Map<Matrix<Scalar>>(m_flat.data() + m_offsets[i], m_rows[i], m_cols[i]) =
              m_states[i];
        }
        m_staged[i] = 0;
      }
      m_any_staged = false;
    }
    return m_flat.data();
  }
  /// Forgets everything.
  void clear() {
    m_states.clear();
    m_staged.clear();
    m_flat.resize(0);
    m_offsets.clear();
    m_rows.clear();
    m_cols.clear();
    m_any_staged = false;
  }

 private:
  bool in_flat(Index k, Index rows, Index cols) const {
    const auto i = static_cast<std::size_t>(k);
    return k < static_cast<Index>(m_offsets.size()) && m_rows[i] == rows && m_cols[i] == cols;
  }

  mutable std::vector<Matrix<Scalar>> m_states;  // by k
  mutable std::vector<char> m_staged;            // 1: m_states[k] is newer than the buffer
  Vector<Scalar> m_flat;                         // laid out like the store
  std::vector<Index> m_offsets, m_rows, m_cols;  // parameter k's place in the store
  bool m_any_staged = false;
};

inline void require_beta(double beta, const char* name) {
  if (!(beta >= 0.0 && beta < 1.0)) {
    throw ConfigError(std::string(name) + " must be in [0, 1), got " + number_string(beta));
  }
}

inline void require_epsilon(double epsilon) {
  if (!(epsilon > 0.0) || !std::isfinite(epsilon)) {
    throw ConfigError("epsilon must be a positive finite number, got " + number_string(epsilon));
  }
}

}  // namespace detail

/// Gradient descent with momentum, in the course's form: v = beta v + (1 - beta) g, an
/// exponentially weighted average of the gradients; theta -= alpha v.
template <class Scalar>
class Momentum : public Optimizer<Scalar> {
 public:
  /// \throws ConfigError unless 0 <= beta < 1
  explicit Momentum(double beta = 0.9) : m_beta(beta) { detail::require_beta(beta, "beta"); }
  /// "Momentum".
  std::string name() const override { return "Momentum"; }
  /// True: the one-pass update can write into a second buffer (FlatParameters::next_values).
  bool writes_next_values() const override { return true; }
  /// v = beta v + (1 - beta) g; theta -= alpha v.
  void update(Index k, MatrixSpan<Scalar> theta, MatrixView<Scalar> g, Scalar alpha) override {
    const auto beta = static_cast<Scalar>(m_beta);
    Matrix<Scalar>& v = m_v.at(k, theta.rows(), theta.cols());
    step(detail::array_of(theta), detail::array_of(g), detail::array_of(v), beta, alpha);
  }
  /// The same in one pass over the trained ranges of the store.
  bool update_flat(const FlatParameters<Scalar>& p, Scalar alpha) override {
    const auto beta = static_cast<Scalar>(m_beta);
    Scalar* const v_all = m_v.flat(p);
    detail::for_each_chunk(
        p, [&](detail::ArraySpan<Scalar> theta, detail::ArrayView<Scalar> g, Index offset) {
          step(theta, g, detail::ArraySpan<Scalar>(v_all + offset, theta.size()), beta, alpha);
        });
    return true;
  }
  void reset() override { m_v.clear(); }
  /// v of parameter k (after its first update).
  const Matrix<Scalar>& v(Index k) const { return m_v.at(k); }
  /// {"v"}.
  std::vector<std::string> state_slots() const override { return {"v"}; }
  /// v of parameter k.
  Matrix<Scalar>& state(const std::string& slot, Index k, Index rows, Index cols) override {
    if (slot == "v") return m_v.at(k, rows, cols);
    return Optimizer<Scalar>::state(slot, k, rows, cols);
  }

 private:
  // The rule, for one tensor or one chunk of the store.
  static void step(detail::ArraySpan<Scalar> theta, detail::ArrayView<Scalar> g,
                   detail::ArraySpan<Scalar> v, Scalar beta, Scalar alpha) {
    v = beta * v + (Scalar(1) - beta) * g;
    theta -= alpha * v;
  }

  double m_beta;
  detail::StateMatrices<Scalar> m_v;
};

/// RMSProp: s = beta s + (1 - beta) g^2; theta -= alpha g / (sqrt(s) + epsilon).
template <class Scalar>
class RMSProp : public Optimizer<Scalar> {
 public:
  /// \throws ConfigError unless 0 <= beta < 1 and epsilon > 0
  explicit RMSProp(double beta = 0.999, double epsilon = 1e-8) : m_beta(beta), m_epsilon(epsilon) {
    detail::require_beta(beta, "beta");
    detail::require_epsilon(epsilon);
  }
  /// "RMSProp".
  std::string name() const override { return "RMSProp"; }
  /// True: the one-pass update can write into a second buffer (FlatParameters::next_values).
  bool writes_next_values() const override { return true; }
  /// s = beta s + (1 - beta) g^2; theta -= alpha g / (sqrt(s) + epsilon).
  void update(Index k, MatrixSpan<Scalar> theta, MatrixView<Scalar> g, Scalar alpha) override {
    const auto beta = static_cast<Scalar>(m_beta);
    const auto epsilon = static_cast<Scalar>(m_epsilon);
    Matrix<Scalar>& s = m_s.at(k, theta.rows(), theta.cols());
    step(detail::array_of(theta), detail::array_of(g), detail::array_of(s), beta, epsilon, alpha);
  }
  /// The same in one pass over the trained ranges of the store.
  bool update_flat(const FlatParameters<Scalar>& p, Scalar alpha) override {
    const auto beta = static_cast<Scalar>(m_beta);
    const auto epsilon = static_cast<Scalar>(m_epsilon);
    Scalar* const s_all = m_s.flat(p);
    detail::for_each_chunk(p, [&](detail::ArraySpan<Scalar> theta, detail::ArrayView<Scalar> g,
                                  Index offset) {
      step(theta, g, detail::ArraySpan<Scalar>(s_all + offset, theta.size()), beta, epsilon, alpha);
    });
    return true;
  }
  void reset() override { m_s.clear(); }
  /// s of parameter k (after its first update).
  const Matrix<Scalar>& s(Index k) const { return m_s.at(k); }
  /// {"s"}.
  std::vector<std::string> state_slots() const override { return {"s"}; }
  /// s of parameter k.
  Matrix<Scalar>& state(const std::string& slot, Index k, Index rows, Index cols) override {
    if (slot == "s") return m_s.at(k, rows, cols);
    return Optimizer<Scalar>::state(slot, k, rows, cols);
  }

 private:
  // The rule, for one tensor or one chunk of the store.
  static void step(detail::ArraySpan<Scalar> theta, detail::ArrayView<Scalar> g,
                   detail::ArraySpan<Scalar> s, Scalar beta, Scalar epsilon, Scalar alpha) {
    s = beta * s + (Scalar(1) - beta) * g.square();
    theta -= alpha * g / (s.sqrt() + epsilon);
  }

  double m_beta, m_epsilon;
  detail::StateMatrices<Scalar> m_s;
};

/// Adam (Kingma and Ba, 2015): momentum and RMSProp together, with bias correction for the
/// first steps, when v and s still lean toward their zero start.
template <class Scalar>
class Adam : public Optimizer<Scalar> {
 public:
  /// \throws ConfigError unless 0 <= beta1, beta2 < 1 and epsilon > 0
  explicit Adam(double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
      : m_beta1(beta1), m_beta2(beta2), m_epsilon(epsilon) {
    detail::require_beta(beta1, "beta1");
    detail::require_beta(beta2, "beta2");
    detail::require_epsilon(epsilon);
  }
  /// "Adam".
  std::string name() const override { return "Adam"; }
  /// True: the one-pass update can write into a second buffer (FlatParameters::next_values).
  bool writes_next_values() const override { return true; }
  /// t := t + 1.
  void begin_step() override { ++m_t; }
  /// v, s as in Momentum and RMSProp; v^ = v / (1 - beta1^t), s^ = s / (1 - beta2^t);
  /// theta -= alpha v^ / (sqrt(s^) + epsilon).
  void update(Index k, MatrixSpan<Scalar> theta, MatrixView<Scalar> g, Scalar alpha) override {
    Matrix<Scalar>& v = m_v.at(k, theta.rows(), theta.cols());
    Matrix<Scalar>& s = m_s.at(k, theta.rows(), theta.cols());
    step(detail::array_of(theta), detail::array_of(g), detail::array_of(v), detail::array_of(s),
         settings(alpha));
  }
  /// The same in one pass over the trained ranges of the store: v, s and theta of each chunk
  /// while it is in the first-level cache.
  bool update_flat(const FlatParameters<Scalar>& p, Scalar alpha) override {
    Scalar* const v_all = m_v.flat(p);
    Scalar* const s_all = m_s.flat(p);
    const Settings constants = settings(alpha);
    detail::for_each_chunk(
        p, [&](detail::ArraySpan<Scalar> theta, detail::ArrayView<Scalar> g, Index offset) {
          step(theta, g, detail::ArraySpan<Scalar>(v_all + offset, theta.size()),
               detail::ArraySpan<Scalar>(s_all + offset, theta.size()), constants);
        });
    return true;
  }
  void reset() override {
    m_v.clear();
    m_s.clear();
    m_t = 0;
  }
  /// t, the number of steps taken.
  Index t() const noexcept { return m_t; }
  /// v of parameter k (after its first update).
  const Matrix<Scalar>& v(Index k) const { return m_v.at(k); }
  /// s of parameter k (after its first update).
  const Matrix<Scalar>& s(Index k) const { return m_s.at(k); }
  /// {"v", "s"}.
  std::vector<std::string> state_slots() const override { return {"v", "s"}; }
  /// v or s of parameter k.
  Matrix<Scalar>& state(const std::string& slot, Index k, Index rows, Index cols) override {
    if (slot == "v") return m_v.at(k, rows, cols);
    if (slot == "s") return m_s.at(k, rows, cols);
    return Optimizer<Scalar>::state(slot, k, rows, cols);
  }
  /// t.
  Index steps() const override { return m_t; }
  /// Sets t.
  void set_steps(Index t) override { m_t = t; }

 private:
  // The constants of one step. The bias corrections are folded into two of them, computed
  // once per step in double: alpha v^ / (sqrt(s^) + epsilon) is
  // (alpha / (1 - beta1^t)) v / (sqrt(s) / sqrt(1 - beta2^t) + epsilon), so that each element
  // costs one division and one square root instead of three divisions and one (1.3x faster
  // on W5's parameters; the same numbers within a rounding).
  struct Settings {
    Scalar beta1, beta2, epsilon;
    Scalar step_size;                 // alpha / (1 - beta1^t)
    Scalar inverse_root_correction2;  // 1 / sqrt(1 - beta2^t)
  };

  Settings settings(Scalar alpha) const {
    const double t = static_cast<double>(m_t > 0 ? m_t : 1);
    const double correction1 = 1.0 - std::pow(m_beta1, t);
    const double correction2 = 1.0 - std::pow(m_beta2, t);
    return Settings{static_cast<Scalar>(m_beta1), static_cast<Scalar>(m_beta2),
                    static_cast<Scalar>(m_epsilon),
                    static_cast<Scalar>(static_cast<double>(alpha) / correction1),
                    static_cast<Scalar>(1.0 / std::sqrt(correction2))};
  }

  // The rule, for one tensor or one chunk of the store.
  static void step(detail::ArraySpan<Scalar> theta, detail::ArrayView<Scalar> g,
                   detail::ArraySpan<Scalar> v, detail::ArraySpan<Scalar> s, const Settings& c) {
    v = c.beta1 * v + (Scalar(1) - c.beta1) * g;
    s = c.beta2 * s + (Scalar(1) - c.beta2) * g.square();
    theta -= c.step_size * v / (s.sqrt() * c.inverse_root_correction2 + c.epsilon);
  }

  double m_beta1, m_beta2, m_epsilon;
  Index m_t = 0;
  detail::StateMatrices<Scalar> m_v, m_s;
};

/// Which optimizer `fit` uses, with its settings (FitOptions is not tied to a scalar type;
/// `make_optimizer` builds the optimizer for the network's).
struct OptimizerSettings {
  /// The update rules.
  enum class Kind { GradientDescent, Momentum, RMSProp, Adam };
  Kind kind = Kind::GradientDescent;  ///< the rule
  double beta = 0.9;                  ///< Momentum's beta, or RMSProp's (0.999 by default)
  double beta1 = 0.9;                 ///< Adam's beta1
  double beta2 = 0.999;               ///< Adam's beta2
  double epsilon = 1e-8;              ///< RMSProp's and Adam's epsilon

  /// Plain gradient descent.
  static OptimizerSettings gradient_descent() { return {}; }
  /// Momentum with beta.
  static OptimizerSettings momentum(double beta = 0.9) {
    OptimizerSettings s;
    s.kind = Kind::Momentum;
    s.beta = beta;
    return s;
  }
  /// RMSProp with beta and epsilon.
  static OptimizerSettings rmsprop(double beta = 0.999, double epsilon = 1e-8) {
    OptimizerSettings s;
    s.kind = Kind::RMSProp;
    s.beta = beta;
    s.epsilon = epsilon;
    return s;
  }
  /// Adam with beta1, beta2 and epsilon.
  static OptimizerSettings adam(double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) {
    OptimizerSettings s;
    s.kind = Kind::Adam;
    s.beta1 = beta1;
    s.beta2 = beta2;
    s.epsilon = epsilon;
    return s;
  }
};

/// The optimizer that `settings` describe, for a network of Scalar.
/// \throws ConfigError for settings out of range
template <class Scalar>
std::unique_ptr<Optimizer<Scalar>> make_optimizer(const OptimizerSettings& settings) {
  using Kind = OptimizerSettings::Kind;
  switch (settings.kind) {
    case Kind::GradientDescent:
      return std::make_unique<GradientDescent<Scalar>>();
    case Kind::Momentum:
      return std::make_unique<Momentum<Scalar>>(settings.beta);
    case Kind::RMSProp:
      return std::make_unique<RMSProp<Scalar>>(settings.beta, settings.epsilon);
    case Kind::Adam:
      return std::make_unique<Adam<Scalar>>(settings.beta1, settings.beta2, settings.epsilon);
  }
  throw ConfigError("unknown optimizer");
}

}  // namespace deepnet

#endif  // DEEPNET_TRAINING_OPTIMIZER_HPP
