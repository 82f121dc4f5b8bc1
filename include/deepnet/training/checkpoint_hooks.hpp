/// \file training/checkpoint_hooks.hpp
/// How `fit` reaches the checkpoint writer and reader (io/checkpoint.hpp) without compiling
/// them into every program. Whether `fit` saves or resumes is decided at run time, by
/// `FitOptions::checkpoint` and `FitOptions::resume_from`; a direct call from the training loop
/// would compile the model file's reader and writer into every program that calls `fit`. The
/// two setters store a pointer to these hooks instead, so only a program that calls one of them
/// compiles the file code (for float and double), and the loop calls it through the pointer.
#ifndef DEEPNET_TRAINING_CHECKPOINT_HOOKS_HPP
#define DEEPNET_TRAINING_CHECKPOINT_HOOKS_HPP

#include "training_state.hpp"

#include <string>
#include <type_traits>

namespace deepnet {

template <class Scalar>
class DeepNet;
template <class Scalar>
struct Checkpoint;

namespace detail {

/// The checkpoint writer and reader for one scalar type, as the training loop calls them:
/// `save_checkpoint(net, state, path)` and `load_checkpoint<Scalar>(path)`.
template <class Scalar>
struct CheckpointIO {
  /// Saves the network with its training state, atomically.
  void (*save)(const DeepNet<Scalar>& net, const TrainingState<Scalar>& state,
               const std::string& path);
  /// Reads a checkpoint (or a model file alone).
  Checkpoint<Scalar> (*load)(const std::string& path);
};

/// The checkpoint code of the scalar types that model files hold.
struct CheckpointHooks {
  CheckpointIO<float> for_float;    ///< for DeepNet<float>
  CheckpointIO<double> for_double;  ///< for DeepNet<double>

  /// The writer and reader for `Scalar` (float or double: model files hold nothing else).
  template <class Scalar>
  const CheckpointIO<Scalar>& get() const noexcept {
    static_assert(std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value,
                  "checkpoints hold float or double parameters");
    if constexpr (std::is_same<Scalar, float>::value) {
      return for_float;
    } else {
      return for_double;
    }
  }
};

/// The hooks; defined in io/checkpoint.hpp (a template only so that the definition may come
/// after the setters that take its address: it is compiled when one of them is called).
template <class Unused = void>
const CheckpointHooks* checkpoint_hooks() noexcept;

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_TRAINING_CHECKPOINT_HOOKS_HPP
