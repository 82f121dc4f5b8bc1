/// \file tools/plot.hpp
/// Learning curves as an SVG picture, from the History that `fit` returns: the cost (or the
/// accuracy) of every epoch on the training set and, when `fit` had one, on the validation set,
/// with axes, ticks, labels and a legend. Any browser, or `rsvg-convert`, shows the file.
///
/// \code
///   const deepnet::History history = net.fit(X_train, Y_train, X_val, Y_val, options);
///   deepnet::write_learning_curves(history, "learning_curve.svg");
///   deepnet::write_learning_curves(history, "accuracy.svg",
///                                  deepnet::PlotOptions().curve(deepnet::Curve::Accuracy));
/// \endcode
///
/// The output depends on the history and the options alone (no locale, no clock), so the same
/// training gives the same file byte for byte.
#ifndef DEEPNET_TOOLS_PLOT_HPP
#define DEEPNET_TOOLS_PLOT_HPP

#include "../config.hpp"
#include "../detail/atomic_file.hpp"
#include "../errors.hpp"
#include "../training/fit_options.hpp"
#include "../training/history.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace deepnet {

/// The quantity a learning-curve plot shows.
enum class Curve {
  Cost,     ///< the cost J of every epoch (the training cost includes the L2 term, if any)
  Accuracy  ///< the fraction of examples classified correctly, drawn in percent
};

/// Settings of `write_learning_curves`, with chained setters:
/// `PlotOptions().curve(Curve::Accuracy).width(800).title("MNIST")`.
class PlotOptions {
  /// Width of the picture in pixels, 200 to 10000.
  DEEPNET_OPTION(PlotOptions, int, width, 640)
  /// Height of the picture in pixels, 150 to 10000.
  DEEPNET_OPTION(PlotOptions, int, height, 400)
  /// Cost (the default) or accuracy.
  DEEPNET_OPTION(PlotOptions, Curve, curve, Curve::Cost)
  /// One point per step (`History::cost`, training set only) instead of one per epoch: the
  /// course's "cost per iteration" plot of full-batch gradient descent.
  DEEPNET_OPTION(PlotOptions, bool, per_step, false)
  /// The title above the plot; empty (the default) for "Cost per epoch" and the like.
  DEEPNET_OPTION(PlotOptions, std::string, title, std::string())
};

namespace detail {

/// A series of the plot: its name in the legend, colour, dash pattern and points.
struct PlotSeries {
  std::string name;
  std::string colour;
  std::string dash;  // SVG stroke-dasharray, empty for a solid line
  std::vector<std::pair<double, double>> points;
};

/// Axis ticks at k * step for k = first..last.
struct PlotTicks {
  long long first = 0;
  long long last = 0;
  double step = 1.0;
  int decimals = 0;  // decimals a tick label needs

  double low() const { return static_cast<double>(first) * step; }
  double high() const { return static_cast<double>(last) * step; }
};

/// `value` with exactly `decimals` decimals and a '.', whatever the locale: 0.25 -> "0.25".
inline std::string plot_number(double value, int decimals) {
  double scale = 1.0;
  for (int i = 0; i < decimals; ++i)
    scale *= 10.0;
  const long long scaled = std::llround(value * scale);
  const unsigned long long magnitude = scaled < 0 ? 0ULL - static_cast<unsigned long long>(scaled)
                                                  : static_cast<unsigned long long>(scaled);
  std::string digits = std::to_string(magnitude);
  if (decimals > 0) {
    const std::size_t width = static_cast<std::size_t>(decimals) + 1;
    if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
    digits.insert(digits.size() - static_cast<std::size_t>(decimals), 1, '.');
  }
  return (scaled < 0 ? "-" : "") + digits;
}

/// About `target` ticks covering low..high, at multiples of 1, 2 or 5 times a power of ten.
inline PlotTicks plot_ticks(double low, double high, int target) {
  if (!(high > low)) {
    // One value: a range around it that shows it in the middle.
    const double half = std::max(std::abs(low) * 0.1, 1e-3);
    low -= half;
    high += half;
  }
  const double raw = (high - low) / target;
  const int exponent = static_cast<int>(std::floor(std::log10(raw)));
  const double unit = std::pow(10.0, exponent);
  const double fraction = raw / unit;
  const double nice = fraction < 1.5 ? 1.0 : fraction < 3.0 ? 2.0 : fraction < 7.0 ? 5.0 : 10.0;
  PlotTicks ticks;
  ticks.step = nice * unit;
  ticks.decimals = std::max(0, -(nice == 10.0 ? exponent + 1 : exponent));
  ticks.first = static_cast<long long>(std::floor(low / ticks.step + 1e-9));
  ticks.last = static_cast<long long>(std::ceil(high / ticks.step - 1e-9));
  if (ticks.last <= ticks.first) ticks.last = ticks.first + 1;
  return ticks;
}

/// `text` with &, <, > and " escaped for XML.
inline std::string plot_escape(const std::string& text) {
  std::string escaped;
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

/// Throws std::invalid_argument naming the epoch (or step) of a value that cannot be drawn.
inline void plot_require_finite(double value, const char* what, const char* unit, Index index) {
  if (!std::isfinite(value)) {
    throw std::invalid_argument(std::string("write_learning_curves: the ") + what + " of " + unit +
                                " " + std::to_string(index) + " is " +
                                (std::isnan(value) ? "NaN" : "infinite") +
                                "; a learning curve needs finite values");
  }
}

/// The training and (when present) validation series of `history`, checked.
inline std::vector<PlotSeries> plot_series(const History& history, const PlotOptions& options) {
  const bool accuracy = options.curve() == Curve::Accuracy;
  PlotSeries train{"train", "#1f77b4", "", {}};
  PlotSeries validation{"validation", "#d62728", "6 4", {}};
  if (options.per_step()) {
    if (accuracy) {
      throw ConfigError(
          "write_learning_curves: the history has no accuracy per step; plot Curve::Accuracy "
          "per epoch (per_step(false))");
    }
    if (history.cost.empty()) {
      throw std::invalid_argument(
          "write_learning_curves: the history has no steps (History::cost is empty): fit did "
          "not train");
    }
    for (std::size_t i = 0; i < history.cost.size(); ++i) {
      plot_require_finite(history.cost[i], "cost", "step", static_cast<Index>(i));
      train.points.emplace_back(static_cast<double>(i), history.cost[i]);
    }
    return {train};
  }
  if (history.epochs.empty()) {
    throw std::invalid_argument(
        "write_learning_curves: the history has no epochs (History::epochs is empty): fit did "
        "not train");
  }
  const double scale = accuracy ? 100.0 : 1.0;
  const char* train_name = accuracy ? "training accuracy" : "training cost";
  const char* validation_name = accuracy ? "validation accuracy" : "validation cost";
  if (accuracy && std::isnan(history.epochs.front().accuracy)) {
    throw ConfigError(
        "write_learning_curves: the history has no accuracy (the output is a regression, or "
        "accuracy was not recorded); plot Curve::Cost");
  }
  const bool has_validation = std::any_of(
      history.epochs.begin(), history.epochs.end(),
      [accuracy](const Epoch& e) { return !std::isnan(accuracy ? e.val_accuracy : e.val_cost); });
  for (const Epoch& e : history.epochs) {
    const double value = accuracy ? e.accuracy : e.cost;
    plot_require_finite(value, train_name, "epoch", e.epoch);
    train.points.emplace_back(static_cast<double>(e.epoch), scale * value);
    if (has_validation) {
      const double val = accuracy ? e.val_accuracy : e.val_cost;
      plot_require_finite(val, validation_name, "epoch", e.epoch);
      validation.points.emplace_back(static_cast<double>(e.epoch), scale * val);
    }
  }
  if (has_validation) return {train, validation};
  return {train};
}

}  // namespace detail

/// The SVG text of the learning curves of `history`: one point per epoch (or per step), the
/// training curve in blue and the validation curve, when `fit` had a validation set, in red and
/// dashed; with early stopping, a dotted line marks the best epoch.
/// \throws std::invalid_argument for an empty history or a value that is NaN or infinite
///         (naming the epoch); ConfigError for an accuracy plot of a history without
///         accuracy, or a width or height out of range
inline std::string learning_curves_svg(const History& history,
                                       const PlotOptions& options = PlotOptions()) {
  using detail::plot_number;
  if (options.width() < 200 || options.width() > 10000 || options.height() < 150 ||
      options.height() > 10000) {
    throw ConfigError("write_learning_curves: the picture is " + std::to_string(options.width()) +
                      " x " + std::to_string(options.height()) +
                      " pixels; width must be 200 to 10000 and height 150 to 10000");
  }
  const std::vector<detail::PlotSeries> series = detail::plot_series(history, options);
  const bool accuracy = options.curve() == Curve::Accuracy;

  // The data range, then ticks that cover it.
  double x_low = series.front().points.front().first;
  double x_high = x_low;
  double y_low = series.front().points.front().second;
  double y_high = y_low;
  for (const detail::PlotSeries& s : series) {
    for (const auto& [x, y] : s.points) {
      x_low = std::min(x_low, x);
      x_high = std::max(x_high, x);
      y_low = std::min(y_low, y);
      y_high = std::max(y_high, y);
    }
  }
  if (!(x_high > x_low)) x_high = x_low + 1.0;  // a single epoch
  // The x axis spans the epochs exactly, with ticks at the round numbers inside; the y axis
  // extends to round numbers, so that both ends are labelled.
  detail::PlotTicks x_ticks = detail::plot_ticks(x_low, x_high, 6);
  x_ticks.first = static_cast<long long>(std::ceil(x_low / x_ticks.step - 1e-9));
  x_ticks.last = static_cast<long long>(std::floor(x_high / x_ticks.step + 1e-9));
  const detail::PlotTicks y_ticks = detail::plot_ticks(y_low, y_high, 5);

  // The plot area, in pixels: room on the left for the tick labels and the axis label, above
  // for the title, below for the tick labels and the axis label.
  const double width = options.width();
  const double height = options.height();
  const double left = 72.0;
  const double right = width - 24.0;
  const double top = 40.0;
  const double bottom = height - 52.0;
  const auto px = [&](double x) { return left + (x - x_low) / (x_high - x_low) * (right - left); };
  const auto py = [&](double y) {
    return bottom - (y - y_ticks.low()) / (y_ticks.high() - y_ticks.low()) * (bottom - top);
  };
  const auto n = [](double value) { return plot_number(value, 2); };

  const std::string unit = options.per_step() ? "step" : "epoch";
  const std::string quantity = accuracy ? "accuracy (%)" : "cost";
  std::string title = options.title();
  if (title.empty()) title = (accuracy ? "Accuracy per " : "Cost per ") + unit;

  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(options.width()) +
         "\" height=\"" + std::to_string(options.height()) + "\" viewBox=\"0 0 " +
         std::to_string(options.width()) + " " + std::to_string(options.height()) +
         "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n";
  svg += "<title>" + detail::plot_escape(title) + "</title>\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + n((left + right) / 2) +
         "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">" +
         detail::plot_escape(title) + "</text>\n";

  // Grid lines and ticks with their labels.
  std::string grid;
  std::string ticks;
  std::string labels;
  for (long long k = y_ticks.first; k <= y_ticks.last; ++k) {
    const double value = static_cast<double>(k) * y_ticks.step;
    const std::string y = n(py(value));
    grid += "<line x1=\"" + n(left) + "\" y1=\"" + y + "\" x2=\"" + n(right) + "\" y2=\"" + y +
            "\"/>\n";
    ticks += "<line x1=\"" + n(left - 5) + "\" y1=\"" + y + "\" x2=\"" + n(left) + "\" y2=\"" + y +
             "\"/>\n";
    labels += "<text x=\"" + n(left - 8) + "\" y=\"" + n(py(value) + 4) +
              "\" text-anchor=\"end\">" + plot_number(value, y_ticks.decimals) + "</text>\n";
  }
  for (long long k = x_ticks.first; k <= x_ticks.last; ++k) {
    const double value = static_cast<double>(k) * x_ticks.step;
    const std::string x = n(px(value));
    grid += "<line x1=\"" + x + "\" y1=\"" + n(top) + "\" x2=\"" + x + "\" y2=\"" + n(bottom) +
            "\"/>\n";
    ticks += "<line x1=\"" + x + "\" y1=\"" + n(bottom) + "\" x2=\"" + x + "\" y2=\"" +
             n(bottom + 5) + "\"/>\n";
    labels += "<text x=\"" + x + "\" y=\"" + n(bottom + 19) + "\" text-anchor=\"middle\">" +
              plot_number(value, x_ticks.decimals) + "</text>\n";
  }
  svg += "<g stroke=\"#e0e0e0\" stroke-width=\"1\">\n" + grid + "</g>\n";
  svg += "<g stroke=\"black\" stroke-width=\"1\">\n" + ticks + "</g>\n";
  svg += "<g fill=\"black\">\n" + labels + "</g>\n";
  svg += "<path d=\"M " + n(left) + " " + n(top) + " V " + n(bottom) + " H " + n(right) +
         "\" fill=\"none\" stroke=\"black\" stroke-width=\"1\"/>\n";
  svg += "<text x=\"" + n((left + right) / 2) + "\" y=\"" + n(height - 12) +
         "\" text-anchor=\"middle\">" + unit + "</text>\n";
  svg += "<text transform=\"translate(18 " + n((top + bottom) / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + quantity + "</text>\n";

  // With early stopping, the epoch whose weights the network kept.
  if (!options.per_step() && history.best_epoch >= 0 &&
      static_cast<double>(history.best_epoch) >= x_low &&
      static_cast<double>(history.best_epoch) <= x_high) {
    const std::string x = n(px(static_cast<double>(history.best_epoch)));
    svg += "<line x1=\"" + x + "\" y1=\"" + n(top) + "\" x2=\"" + x + "\" y2=\"" + n(bottom) +
           "\" stroke=\"#555555\" stroke-dasharray=\"2 3\"/>\n";
    svg += "<text x=\"" + n(px(static_cast<double>(history.best_epoch)) + 4) + "\" y=\"" +
           n(top + 14) + "\" fill=\"#555555\">best epoch " + std::to_string(history.best_epoch) +
           "</text>\n";
  }

  // The curves; markers too when there are few points, so that a single epoch shows.
  for (const detail::PlotSeries& s : series) {
    svg += "<polyline fill=\"none\" stroke=\"" + s.colour + "\" stroke-width=\"2\"";
    if (!s.dash.empty()) svg += " stroke-dasharray=\"" + s.dash + "\"";
    svg += " points=\"";
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      if (i > 0) svg += ' ';
      svg += n(px(s.points[i].first)) + "," + n(py(s.points[i].second));
    }
    svg += "\"/>\n";
    if (s.points.size() <= 30) {
      svg += "<g fill=\"" + s.colour + "\">\n";
      for (const auto& [x, y] : s.points) {
        svg += "<circle cx=\"" + n(px(x)) + "\" cy=\"" + n(py(y)) + "\" r=\"3\"/>\n";
      }
      svg += "</g>\n";
    }
  }

  // The legend, in the corner the curves usually leave free: top right for a falling cost,
  // bottom right for a rising accuracy.
  const double legend_width = 118.0;
  const double legend_height = 10.0 + 18.0 * static_cast<double>(series.size());
  const double legend_left = right - legend_width - 8.0;
  const double legend_top = accuracy ? bottom - legend_height - 8.0 : top + 8.0;
  svg += "<rect x=\"" + n(legend_left) + "\" y=\"" + n(legend_top) + "\" width=\"" +
         n(legend_width) + "\" height=\"" + n(legend_height) +
         "\" fill=\"white\" stroke=\"#999999\"/>\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double y = legend_top + 14.0 + 18.0 * static_cast<double>(i);
    svg += "<line x1=\"" + n(legend_left + 8) + "\" y1=\"" + n(y) + "\" x2=\"" +
           n(legend_left + 36) + "\" y2=\"" + n(y) + "\" stroke=\"" + series[i].colour +
           "\" stroke-width=\"2\"";
    if (!series[i].dash.empty()) svg += " stroke-dasharray=\"" + series[i].dash + "\"";
    svg += "/>\n";
    svg += "<text x=\"" + n(legend_left + 44) + "\" y=\"" + n(y + 4) + "\">" + series[i].name +
           "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

/// Writes the learning curves of `history` as SVG to `out` (see `learning_curves_svg`).
/// \throws as learning_curves_svg; std::runtime_error if the stream fails
inline void write_learning_curves(const History& history, std::ostream& out,
                                  const PlotOptions& options = PlotOptions()) {
  const std::string svg = learning_curves_svg(history, options);
  out.write(svg.data(), static_cast<std::streamsize>(svg.size()));
  if (!out) throw std::runtime_error("write_learning_curves: writing the SVG to the stream failed");
}

/// Writes the learning curves of `history` to the SVG file at `path`, replacing it all at
/// once (a reader never sees half a picture).
/// \throws as learning_curves_svg; std::system_error naming the file if it cannot be written
inline void write_learning_curves(const History& history, const std::string& path,
                                  const PlotOptions& options = PlotOptions()) {
  detail::write_file_atomically(path, learning_curves_svg(history, options),
                                "write_learning_curves");
}

}  // namespace deepnet

#endif  // DEEPNET_TOOLS_PLOT_HPP
