/// \file training/history.hpp
/// What `fit` records while it trains: the cost of every step, one record per epoch (train
/// and validation cost and accuracy, learning rate, time, optional per-layer statistics), and
/// how training ended. `write_csv` exports the epochs for a spreadsheet or a plot.
#ifndef DEEPNET_TRAINING_HISTORY_HPP
#define DEEPNET_TRAINING_HISTORY_HPP

#include "../config.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace deepnet {

/// One gradient-descent step (one mini-batch).
struct Step {
  Index iteration = 0;  ///< 0-based step number over the whole run
  double cost = 0.0;    ///< J of the step's batch, before its update
  Index epoch = 0;      ///< 0-based epoch of the step
  Index batch = 0;      ///< 0-based batch within the epoch
};

/// Statistics of one layer at the end of an epoch (from its last batch), to spot vanishing or
/// exploding gradients and dead units. Recorded when `FitOptions().diagnostics(true)`.
struct LayerStats {
  Index layer = 0;             ///< l = 1..L
  double W_norm = 0.0;         ///< ||W[l]|| (Frobenius)
  double dW_norm = 0.0;        ///< ||dW[l]|| of the last step
  double A_mean = 0.0;         ///< mean of A[l] over the last batch
  double A_std = 0.0;          ///< standard deviation of A[l] over the last batch
  double dead_fraction = 0.0;  ///< ReLU layers: fraction of units that output 0 for the whole
                               ///< batch; NaN for other activations
};

/// One epoch: a pass over every training example.
struct Epoch {
  Index epoch = 0;  ///< 0-based epoch number
  /// Mean cost of the epoch's batches, weighted by their sizes (with the L2 term, if any).
  double cost = 0.0;
  /// Fraction of the epoch's examples classified correctly, each by the prediction of its
  /// batch before that batch's update; an example counts only when all of its n[L] outputs are
  /// right, as in `DeepNet::accuracy` (NaN for regression outputs).
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  /// Cost on the validation set after the epoch, without the L2 term (NaN without one).
  double val_cost = std::numeric_limits<double>::quiet_NaN();
  /// Accuracy on the validation set after the epoch, counted as `DeepNet::accuracy` counts
  /// it (NaN without one, or for regression).
  double val_accuracy = std::numeric_limits<double>::quiet_NaN();
  double learning_rate = 0.0;      ///< alpha used during the epoch
  double seconds = 0.0;            ///< time since training started, at the end of the epoch
  std::vector<LayerStats> layers;  ///< per-layer statistics (empty unless asked for)
};

/// The record of a call to `fit`.
struct History {
  /// J at every step, cost[i] being the cost of step i (before its update): the learning curve.
  std::vector<double> cost;
  /// One record per epoch.
  std::vector<Epoch> epochs;
  /// True when training ended before the last epoch (a callback or early stopping).
  bool stopped_early = false;
  /// Why training stopped early ("callback", "early stopping"); empty otherwise.
  std::string stop_reason;
  /// With early stopping: the epoch with the lowest validation cost (-1 otherwise).
  Index best_epoch = -1;
  /// Doubts about the data that did not stop training, one sentence each, e.g. one-hot Y for a
  /// Sigmoid output, which usually wants Activation::Softmax (see docs/training.md). Also
  /// printed, after "warning: ", to FitOptions().out() when the progress line or print_every
  /// is on; empty when all is well.
  std::vector<std::string> warnings;

  /// Writes one CSV line per epoch, with a header: epoch, cost, accuracy, val_cost,
  /// val_accuracy, learning_rate, seconds, then W_norm_l, dW_norm_l, A_mean_l, A_std_l,
  /// dead_fraction_l for every layer l when diagnostics were recorded. NaN is an empty cell.
  void write_csv(std::ostream& out) const {
    out << "epoch,cost,accuracy,val_cost,val_accuracy,learning_rate,seconds";
    const std::size_t layers = epochs.empty() ? 0 : epochs.front().layers.size();
    for (std::size_t l = 1; l <= layers; ++l) {
      for (const char* name : {"W_norm_", "dW_norm_", "A_mean_", "A_std_", "dead_fraction_"}) {
        out << ',' << name << l;
      }
    }
    out << '\n';
    for (const Epoch& e : epochs) {
      out << e.epoch;
      for (double value :
           {e.cost, e.accuracy, e.val_cost, e.val_accuracy, e.learning_rate, e.seconds}) {
        write_cell(out, value);
      }
      for (const LayerStats& s : e.layers) {
        for (double value : {s.W_norm, s.dW_norm, s.A_mean, s.A_std, s.dead_fraction}) {
          write_cell(out, value);
        }
      }
      out << '\n';
    }
  }

  /// `write_csv` to the file at `path`.
  /// \throws std::runtime_error naming the file if it cannot be written
  void save_csv(const std::string& path) const {
    std::ofstream file(path);
    if (!file) throw std::runtime_error("History::save_csv: cannot open " + path + " for writing");
    write_csv(file);
    file.flush();
    if (!file) throw std::runtime_error("History::save_csv: writing " + path + " failed");
  }

 private:
  static void write_cell(std::ostream& out, double value) {
    out << ',';
    if (std::isnan(value)) return;
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    out << text;
  }
};

}  // namespace deepnet

#endif  // DEEPNET_TRAINING_HISTORY_HPP
