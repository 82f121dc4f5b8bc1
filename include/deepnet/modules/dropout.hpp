/// \file modules/dropout.hpp
/// `modules::Dropout`: inverted dropout as a module of a `Sequential` network, with the mask
/// of core/dropout.hpp drawn from a seeded `Random`: while training each entry is kept with
/// probability keep_prob and divided by keep_prob; prediction passes the input through.
#ifndef DEEPNET_MODULES_DROPOUT_HPP
#define DEEPNET_MODULES_DROPOUT_HPP

#include "../config.hpp"
#include "../core/dropout.hpp"
#include "../core/module.hpp"
#include "../core/random.hpp"
#include "../errors.hpp"

#include <cstdint>
#include <string>

namespace deepnet {
namespace modules {

/// Inverted dropout; the output has the input's size; no parameters.
template <class Scalar>
class Dropout : public Module<Scalar> {
 public:
  using typename Module<Scalar>::View;
  using typename Module<Scalar>::Span;

  /// Keeps each entry with probability `keep_prob`; the masks come from a generator seeded
  /// with `seed` (initialize restarts it).
  /// \throws ConfigError unless 0 < keep_prob <= 1
  explicit Dropout(double keep_prob, std::uint64_t seed = 0)
      : m_keep_prob(keep_prob), m_seed(seed), m_random(seed) {
    if (!(keep_prob > 0.0 && keep_prob <= 1.0)) {
      throw ConfigError("Dropout: keep_prob must be in (0, 1], got " +
                        detail::number_string(keep_prob));
    }
  }

  /// "Dropout".
  std::string name() const override { return "Dropout"; }

  /// The input size.
  Index output_size(Index input_size) override {
    detail::require_input_size(name(), input_size);
    m_dropout = deepnet::Dropout<Scalar>(input_size);
    m_dropout.set_keep_prob(m_keep_prob);
    return input_size;
  }

  /// Training: A = D * input / keep_prob with a new mask D (the last one when frozen);
  /// prediction: A = input.
  void forward(View input, Span output, bool training) override {
    output = input;
    if (!training || !m_dropout.active()) return;
    if (m_frozen && m_dropout.D().cols() == input.cols()) {
      m_dropout.backward(output);  // the same scaling by the mask, without drawing one
    } else {
      m_dropout.forward(output, m_random);
    }
  }

  /// dA_prev = D * dA / keep_prob, the mask of the forward pass.
  void backward(View, View, View d_output, Span* d_input) override {
    if (d_input == nullptr) return;
    *d_input = d_output;
    if (m_dropout.active()) m_dropout.backward(*d_input);
  }

  /// The mask D, n x m, while keep_prob < 1.
  std::uint64_t cache_scalars(Index m) const override {
    return m_dropout.active()
               ? static_cast<std::uint64_t>(m_dropout.D().rows()) * static_cast<std::uint64_t>(m)
               : 0;
  }

  /// Restarts the generator of the masks from the seed.
  void initialize(Init, Random&) override { m_random = Random(m_seed); }

  /// True while masks are drawn (keep_prob < 1 and not frozen).
  bool is_random() const override { return m_dropout.active() && !m_frozen; }

  /// Keeps the mask of the last training pass for the next ones over as many columns (for a
  /// gradient check: J must be the same function at every evaluation); false draws again.
  void freeze_mask(bool frozen) noexcept { m_frozen = frozen; }

  /// keep_prob.
  double keep_prob() const noexcept { return m_keep_prob; }
  /// The seed of the masks' generator (initialize restarts it from there).
  std::uint64_t seed() const noexcept { return m_seed; }
  /// D of the last training pass, n x m (1 kept, 0 dropped).
  MatrixView<Scalar> D() const { return m_dropout.D(); }

 private:
  double m_keep_prob;
  std::uint64_t m_seed;
  Random m_random;
  deepnet::Dropout<Scalar> m_dropout;
  bool m_frozen = false;
};

}  // namespace modules
}  // namespace deepnet

#endif  // DEEPNET_MODULES_DROPOUT_HPP
