/// \file training/progress.hpp
/// The progress line of `fit`: epoch, batch/batches, cost, accuracy, elapsed time and ETA.
/// On a terminal it rewrites itself in place; elsewhere (a file, a pipe, a string stream) it
/// prints one plain line per epoch. Silent unless `FitOptions().progress(...)` asks for it.
#ifndef DEEPNET_TRAINING_PROGRESS_HPP
#define DEEPNET_TRAINING_PROGRESS_HPP

#include "../config.hpp"
#include "history.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <ostream>

/// True when the file descriptor `fd` is a terminal, where the progress line rewrites itself.
#if defined(_WIN32)
#include <io.h>
#define DEEPNET_ISATTY(fd) (_isatty(fd) != 0)
#elif defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define DEEPNET_ISATTY(fd) (isatty(fd) != 0)
#else
#define DEEPNET_ISATTY(fd) false
#endif

namespace deepnet {

/// How `fit` reports progress.
enum class Progress {
  Off,   ///< nothing (the default: a library stays quiet)
  Auto,  ///< a line that rewrites itself on a terminal, one line per epoch otherwise
  Lines  ///< one plain line per epoch, always
};

/// Writes the progress line. Formats into a fixed buffer: it allocates nothing.
class ProgressLine {
 public:
  /// \param out where to write (nullptr: nowhere)
  /// \param mode Auto rewrites in place only when `out` is std::cout or std::cerr on a terminal
  /// \param every  a permanent line every this many epochs (and after the last); between
  ///                them, a terminal's line keeps rewriting itself and plain output skips epochs
  ProgressLine(std::ostream* out, Progress mode, Index epochs, Index every = 1)
      : m_out(mode == Progress::Off ? nullptr : out),
        m_rewrite(mode == Progress::Auto && is_terminal(out)),
        m_epochs(epochs),
        m_every(every < 1 ? 1 : every),
        m_start(Clock::now()),
        m_last_draw(m_start) {}

  /// True when the line rewrites itself in place.
  bool rewrites() const noexcept { return m_rewrite; }

  /// After a batch: redraws the line on a terminal, at most ten times a second.
  void batch(Index epoch, Index batch, Index batches, double cost, double accuracy) {
    if (m_out == nullptr || !m_rewrite) return;
    const Clock::time_point now = Clock::now();
    if (batch + 1 < batches && now - m_last_draw < std::chrono::milliseconds(100)) return;
    m_last_draw = now;
    const double done = (static_cast<double>(epoch) +
                         static_cast<double>(batch + 1) / static_cast<double>(batches)) /
                        static_cast<double>(m_epochs);
    char line[256];
    int n = std::snprintf(line, sizeof line, "\r\x1b[Kepoch %lld/%lld  batch %lld/%lld  cost %.4g",
                          static_cast<long long>(epoch + 1), static_cast<long long>(m_epochs),
                          static_cast<long long>(batch + 1), static_cast<long long>(batches), cost);
    n += format_accuracy(line + n, sizeof line - static_cast<std::size_t>(n), "accuracy", accuracy);
    format_times(line + n, sizeof line - static_cast<std::size_t>(n), seconds(now), done);
    *m_out << line << std::flush;
    m_open = true;
  }

  /// After an epoch: the epoch's line. Every `every` epochs and after the last it stays, ended
  /// by a newline; in between, a terminal's line is rewritten and plain output prints nothing.
  void epoch(const Epoch& record, Index batches) {
    if (m_out == nullptr) return;
    const bool permanent = (record.epoch + 1) % m_every == 0 || record.epoch + 1 >= m_epochs;
    if (!permanent && !m_rewrite) return;
    const double done = static_cast<double>(record.epoch + 1) / static_cast<double>(m_epochs);
    char line[320];
    int n = std::snprintf(line, sizeof line, "%sepoch %lld/%lld  batch %lld/%lld  cost %.4g",
                          m_rewrite ? "\r\x1b[K" : "", static_cast<long long>(record.epoch + 1),
                          static_cast<long long>(m_epochs), static_cast<long long>(batches),
                          static_cast<long long>(batches), record.cost);
    const auto room = [&] { return sizeof line - static_cast<std::size_t>(n); };
    n += format_accuracy(line + n, room(), "accuracy", record.accuracy);
    if (!std::isnan(record.val_cost)) {
      n += std::snprintf(line + n, room(), "  val_cost %.4g", record.val_cost);
    }
    n += format_accuracy(line + n, room(), "val_accuracy", record.val_accuracy);
    format_times(line + n, room(), record.seconds, done);
    *m_out << line;
    if (permanent) *m_out << '\n';
    *m_out << std::flush;
    m_open = !permanent;
  }

  /// Ends a line left open on a terminal, before other output or when training stops.
  void interrupt() {
    if (m_out != nullptr && m_open) *m_out << '\n' << std::flush;
    m_open = false;
  }

  /// Seconds since training started.
  double seconds() const { return seconds(Clock::now()); }

 private:
  using Clock = std::chrono::steady_clock;

  static bool is_terminal(const std::ostream* out) {
    if (out == &std::cout) return DEEPNET_ISATTY(1);
    if (out == &std::cerr || out == &std::clog) return DEEPNET_ISATTY(2);
    return false;
  }

  double seconds(Clock::time_point now) const {
    return std::chrono::duration<double>(now - m_start).count();
  }

  static int format_accuracy(char* out, std::size_t room, const char* name, double accuracy) {
    if (std::isnan(accuracy)) return 0;
    return std::snprintf(out, room, "  %s %.2f%%", name, 100.0 * accuracy);
  }

  // "  12.4s  ETA 1m02s"
  static void format_times(char* out, std::size_t room, double elapsed, double done) {
    const double eta = done > 0.0 ? elapsed / done - elapsed : 0.0;
    const long long whole = static_cast<long long>(eta + 0.5);
    if (whole >= 60) {
      std::snprintf(out, room, "  %.1fs  ETA %lldm%02llds", elapsed, whole / 60, whole % 60);
    } else {
      std::snprintf(out, room, "  %.1fs  ETA %llds", elapsed, whole);
    }
  }

  std::ostream* m_out;
  bool m_rewrite;
  Index m_epochs;
  Index m_every;
  bool m_open = false;  // a rewritten line without its newline yet
  Clock::time_point m_start;
  Clock::time_point m_last_draw;
};

}  // namespace deepnet

#endif  // DEEPNET_TRAINING_PROGRESS_HPP
