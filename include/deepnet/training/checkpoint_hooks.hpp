/// \file training/checkpoint_hooks.hpp
/// How `fit` reaches the checkpoint writer and reader (io/checkpoint.hpp) without compiling
/// them into every program. Whether `fit` saves or resumes is decided at run time, by
/// `FitOptions::checkpoint` and `FitOptions::resume_from`; a direct call from the training loop
/// would compile the model file's reader and writer into every program that calls `fit`. The
/// two setters (member templates) store a pointer to these hooks instead, so only a program that
/// calls one of them compiles the file code (for float and double), and the loop calls it
/// through the pointer.
/// Taking a checkpoint's parameters (which copies batch normalisation's) is part of it.
#ifndef DEEPNET_TRAINING_CHECKPOINT_HOOKS_HPP
#define DEEPNET_TRAINING_CHECKPOINT_HOOKS_HPP

#include "training_state.hpp"

#include <optional>
#include <string>
#include <type_traits>

namespace deepnet {

template <class Scalar>
class DeepNet;
template <class Scalar, class Model>
class Trainer;

namespace detail {

/// The checkpoint writer and reader for one scalar type, as the training loop calls them:
/// `save_checkpoint(net, state, path)`, and `load_checkpoint<Scalar>(path)` followed by the
/// network taking the parameters it read.
template <class Scalar>
struct CheckpointIO {
  /// Saves the network with its training state, atomically.
  void (*save)(const DeepNet<Scalar>& net, const TrainingState<Scalar>& state,
               const std::string& path);
  /// resume_from: reads the checkpoint (or model file) at `path`, gives `net` its parameters
  /// (its architecture must be the same) and returns its training state, if it has one.
  std::optional<TrainingState<Scalar>> (*resume)(DeepNet<Scalar>& net, const std::string& path);
};

/// One hook of type IO<float> and one of type IO<double>: model files and checkpoints hold
/// nothing else.
template <template <class> class IO>
struct FloatAndDouble {
  IO<float> for_float;    ///< for float networks
  IO<double> for_double;  ///< for double networks

  /// The hook for `Scalar` (float or double).
  template <class Scalar>
  const IO<Scalar>& get() const noexcept {
    static_assert(std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value,
                  "checkpoints hold float or double parameters");
    if constexpr (std::is_same<Scalar, float>::value) {
      return for_float;
    } else {
      return for_double;
    }
  }
};

/// The checkpoint writer and reader of both scalar types.
using CheckpointHooks = FloatAndDouble<CheckpointIO>;

/// The trainer's side of checkpoints for one scalar type: what `fit` does with the hooks above
/// once an epoch is over (take `Trainer::state()` and save it) and once a resumed trainer is
/// set up (`Trainer::resume`). Behind pointers too, so that a program without checkpoints
/// compiles neither of those two members.
template <class Scalar>
struct TrainerCheckpointIO {
  /// Saves the trainer's network with its state to its options' checkpoint path.
  void (*save)(const Trainer<Scalar, DeepNet<Scalar>>& trainer);
  /// Resumes the trainer from a state read by `CheckpointIO::resume`.
  void (*resume)(Trainer<Scalar, DeepNet<Scalar>>& trainer, const TrainingState<Scalar>& state);
};

/// The trainer's checkpoint code of both scalar types.
using TrainerCheckpointHooks = FloatAndDouble<TrainerCheckpointIO>;

/// The trainer's hooks; defined in training/trainer.hpp, instantiated, like `checkpoint_hooks`,
/// only by the setters `FitOptions::checkpoint` and `resume_from`.
template <class Unused = void>
const TrainerCheckpointHooks* trainer_checkpoint_hooks() noexcept;

/// The hooks; defined in io/checkpoint.hpp. A template, and the setters templates too, so that
/// it is only instantiated by a call of a setter: a non-template inline function that named it
/// would instantiate it, and all the file code behind it, in every program that includes the
/// options, called or not.
template <class Unused = void>
const CheckpointHooks* checkpoint_hooks() noexcept;

}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_TRAINING_CHECKPOINT_HOOKS_HPP
