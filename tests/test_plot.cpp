// Tests for plot.hpp: the SVG of learning curves. Its structure (balanced tags, one polyline
// per curve, a point per epoch, ticks at the values a reader expects, labels and legend), the
// placement of the points, errors for histories that cannot be drawn, and, when rsvg-convert
// is installed, that the picture renders to a PNG of the requested size.
#include "support/test_support.hpp"

#include "support/files.hpp"

#include <deepnet/core/deep_net.hpp>
#include <deepnet/tools/plot.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

using Catch::Matchers::Contains;
using deepnet::ConfigError;
using deepnet::Curve;
using deepnet::Epoch;
using deepnet::History;
using deepnet::PlotOptions;
using deepnet_test::read_file;
using deepnet_test::write_file;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A history of `epochs` epochs whose training cost falls linearly from 0.7 to 0.1 (and whose
// accuracy rises from 50% to 100%), with a validation set when asked.
History falling_history(int epochs, bool validation) {
  History history;
  for (int i = 0; i < epochs; ++i) {
    Epoch e;
    e.epoch = i;
    const double t = epochs > 1 ? static_cast<double>(i) / (epochs - 1) : 0.0;
    e.cost = 0.7 - 0.6 * t;
    e.accuracy = 0.5 + 0.5 * t;
    if (validation) {
      e.val_cost = e.cost + 0.05;
      e.val_accuracy = e.accuracy - 0.05;
    }
    history.epochs.push_back(e);
    history.cost.push_back(e.cost);
  }
  return history;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// The names of the elements, in order, after checking that every tag is closed in order:
// a minimal XML well-formedness check (no attributes with '>' are written).
std::vector<std::string> element_names(const std::string& svg) {
  std::vector<std::string> names, open;
  std::size_t at = 0;
  while ((at = svg.find('<', at)) != std::string::npos) {
    const std::size_t end = svg.find('>', at);
    REQUIRE(end != std::string::npos);
    const std::string tag = svg.substr(at + 1, end - at - 1);
    at = end + 1;
    if (tag.empty() || tag[0] == '?') continue;  // the XML declaration
    if (tag[0] == '/') {
      REQUIRE_FALSE(open.empty());
      CHECK(open.back() == tag.substr(1));
      open.pop_back();
      continue;
    }
    const std::string name = tag.substr(0, tag.find_first_of(" /"));
    names.push_back(name);
    if (tag.back() != '/') open.push_back(name);
  }
  CHECK(open.empty());
  return names;
}

// The "x,y" pairs of the polyline number `which` (0-based).
std::vector<std::pair<double, double>> polyline_points(const std::string& svg, int which) {
  std::size_t at = 0;
  for (int i = 0; i <= which; ++i) {
    at = svg.find("<polyline", at);
    REQUIRE(at != std::string::npos);
    ++at;
  }
  const std::size_t begin = svg.find("points=\"", at) + 8;
  const std::size_t end = svg.find('"', begin);
  std::istringstream in(svg.substr(begin, end - begin));
  std::vector<std::pair<double, double>> points;
  double x = 0, y = 0;
  char comma = 0;
  while (in >> x >> comma >> y) {
    REQUIRE(comma == ',');
    points.emplace_back(x, y);
  }
  return points;
}

}  // namespace

TEST_CASE("plot: a well-formed SVG of the requested size, title and axis labels", "[plot]") {
  const std::string svg = deepnet::learning_curves_svg(falling_history(11, false));
  CHECK(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 0) == 0);
  CHECK(svg.size() > 1000);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  CHECK_THAT(svg, Contains("width=\"640\" height=\"400\" viewBox=\"0 0 640 400\""));
  const std::vector<std::string> names = element_names(svg);
  REQUIRE_FALSE(names.empty());
  CHECK(names.front() == "svg");
  CHECK(std::count(names.begin(), names.end(), "polyline") == 1);
  CHECK_THAT(svg, Contains(">Cost per epoch</text>"));
  CHECK_THAT(svg, Contains("<title>Cost per epoch</title>"));
  CHECK_THAT(svg, Contains(">epoch</text>"));
  CHECK_THAT(svg, Contains("rotate(-90)\" text-anchor=\"middle\">cost</text>"));
  CHECK_THAT(svg, Contains(">train</text>"));
  CHECK(count(svg, ">validation</text>") == 0);

  const std::string custom = deepnet::learning_curves_svg(
      falling_history(11, false), PlotOptions().width(800).height(300).title("a < b & \"c\""));
  CHECK_THAT(custom, Contains("width=\"800\" height=\"300\" viewBox=\"0 0 800 300\""));
  CHECK_THAT(custom, Contains(">a &lt; b &amp; &quot;c&quot;</text>"));
  element_names(custom);
}

TEST_CASE("plot: ticks at round values that cover the data", "[plot]") {
  // Epochs 0..10: steps of 2 (about six ticks). Costs 0.1..0.7: steps of 0.1.
  const std::string svg = deepnet::learning_curves_svg(falling_history(11, false));
  for (const char* label : {">0</text>", ">2</text>", ">4</text>", ">6</text>", ">8</text>",
                            ">10</text>", ">0.1</text>", ">0.2</text>", ">0.3</text>",
                            ">0.4</text>", ">0.5</text>", ">0.6</text>", ">0.7</text>"}) {
    CHECK_THAT(svg, Contains(label));
  }
  CHECK(count(svg, ">12</text>") == 0);
  CHECK(count(svg, ">0.8</text>") == 0);
  CHECK(count(svg, ">0.0</text>") == 0);

  // Epochs 0..2999: 0, 500, ..., 2500 (the x axis ends at the last epoch, so no 3000);
  // accuracy in percent from 50 to 100: steps of 10.
  const std::string long_run = deepnet::learning_curves_svg(falling_history(3000, false),
                                                            PlotOptions().curve(Curve::Accuracy));
  for (const char* label :
       {">0</text>", ">500</text>", ">2500</text>", ">50</text>", ">60</text>", ">100</text>"}) {
    CHECK_THAT(long_run, Contains(label));
  }
  CHECK(count(long_run, ">3000</text>") == 0);
  CHECK(count(long_run, ">110</text>") == 0);
}

TEST_CASE("plot: one point per epoch, in order, the first and last at the corners", "[plot]") {
  // The data fill the axes exactly (0..10, 0.1..0.7), so the first point (epoch 0, cost 0.7)
  // is the top left corner of the plot area and the last (epoch 10, cost 0.1) its bottom right.
  const std::string svg = deepnet::learning_curves_svg(falling_history(11, false));
  const auto points = polyline_points(svg, 0);
  REQUIRE(points.size() == 11);
  for (std::size_t i = 1; i < points.size(); ++i) {
    CHECK(points[i].first > points[i - 1].first);    // epochs to the right
    CHECK(points[i].second > points[i - 1].second);  // a falling cost goes down the picture
    // Equal steps in epoch and cost are equal steps in pixels.
    CHECK(std::abs((points[i].first - points[i - 1].first) - (points[1].first - points[0].first)) <
          0.011);
  }
  // The axes: "M left top V bottom H right".
  const std::size_t axes = svg.find("<path d=\"M ");
  REQUIRE(axes != std::string::npos);
  std::istringstream in(svg.substr(axes + 11));
  double left = 0, top = 0, bottom = 0, right = 0;
  std::string V, H;
  in >> left >> top >> V >> bottom >> H >> right;
  CHECK(V == "V");
  CHECK(H == "H");
  CHECK(points.front().first == Approx(left).margin(0.006));
  CHECK(points.front().second == Approx(top).margin(0.006));
  CHECK(points.back().first == Approx(right).margin(0.006));
  CHECK(points.back().second == Approx(bottom).margin(0.006));
  // Few points: a marker on each.
  CHECK(count(svg, "<circle ") == 11);
}

TEST_CASE("plot: training and validation curves, legend", "[plot]") {
  const std::string svg = deepnet::learning_curves_svg(falling_history(40, true));
  const std::vector<std::string> names = element_names(svg);
  CHECK(std::count(names.begin(), names.end(), "polyline") == 2);
  CHECK(polyline_points(svg, 0).size() == 40);
  CHECK(polyline_points(svg, 1).size() == 40);
  CHECK_THAT(svg, Contains(">train</text>"));
  CHECK_THAT(svg, Contains(">validation</text>"));
  CHECK_THAT(svg, Contains("stroke-dasharray=\"6 4\""));  // the validation curve is dashed
  CHECK(count(svg, "<circle ") == 0);                     // many points: no markers
  // The validation cost is above the training cost everywhere: higher in the picture means
  // a smaller y.
  const auto train = polyline_points(svg, 0);
  const auto validation = polyline_points(svg, 1);
  for (std::size_t i = 0; i < train.size(); ++i)
    CHECK(validation[i].second < train[i].second);

  const std::string accuracy =
      deepnet::learning_curves_svg(falling_history(40, true), PlotOptions().curve(Curve::Accuracy));
  CHECK_THAT(accuracy, Contains(">Accuracy per epoch</text>"));
  CHECK_THAT(accuracy, Contains(">accuracy (%)</text>"));
  CHECK_THAT(accuracy, Contains(">100</text>"));
}

TEST_CASE("plot: per step, the cost of every step of History::cost", "[plot]") {
  History history = falling_history(5, false);
  history.cost = {0.9, 0.8, 0.85, 0.6, 0.5, 0.52, 0.4};
  const std::string svg = deepnet::learning_curves_svg(history, PlotOptions().per_step(true));
  CHECK(polyline_points(svg, 0).size() == 7);
  CHECK_THAT(svg, Contains(">Cost per step</text>"));
  CHECK_THAT(svg, Contains(">step</text>"));
}

TEST_CASE("plot: early stopping marks the best epoch", "[plot]") {
  History history = falling_history(20, true);
  history.best_epoch = 12;
  history.stopped_early = true;
  const std::string svg = deepnet::learning_curves_svg(history);
  CHECK_THAT(svg, Contains(">best epoch 12</text>"));
  CHECK(count(deepnet::learning_curves_svg(falling_history(20, true)), "best epoch") == 0);
}

TEST_CASE("plot: one epoch, or a constant cost, still gives axes around the value", "[plot]") {
  const std::string one = deepnet::learning_curves_svg(falling_history(1, true));
  element_names(one);
  CHECK(polyline_points(one, 0).size() == 1);
  CHECK(count(one, "<circle ") == 2);  // one marker for each curve
  History flat = falling_history(5, false);
  for (Epoch& e : flat.epochs)
    e.cost = 0.25;
  const std::string svg = deepnet::learning_curves_svg(flat);
  for (const auto& [x, y] : polyline_points(svg, 0)) {
    CHECK(std::isfinite(x));
    CHECK(std::isfinite(y));
  }
  CHECK_THAT(svg, Contains(">0.25</text>"));
}

TEST_CASE("plot: the same history gives the same bytes", "[plot]") {
  const History history = falling_history(100, true);
  CHECK(deepnet::learning_curves_svg(history) == deepnet::learning_curves_svg(history));
  std::ostringstream out;
  deepnet::write_learning_curves(history, out);
  CHECK(out.str() == deepnet::learning_curves_svg(history));
}

TEST_CASE("plot: histories that cannot be drawn are refused with the reason", "[plot][errors]") {
  const auto message_of = [](const History& history, const PlotOptions& options) {
    try {
      deepnet::learning_curves_svg(history, options);
    } catch (const std::exception& error) {
      return std::string(error.what());
    }
    return std::string("no exception");
  };
  CHECK_THROWS_AS(deepnet::learning_curves_svg(History()), std::invalid_argument);
  CHECK_THAT(message_of(History(), PlotOptions()), Contains("no epochs"));
  CHECK_THAT(message_of(History(), PlotOptions().per_step(true)), Contains("no steps"));

  History nan_cost = falling_history(5, true);
  nan_cost.epochs[2].cost = kNaN;
  CHECK_THAT(message_of(nan_cost, PlotOptions()), Contains("training cost of epoch 2 is NaN"));
  History infinite = falling_history(5, true);
  infinite.epochs[3].val_cost = std::numeric_limits<double>::infinity();
  CHECK_THAT(message_of(infinite, PlotOptions()),
             Contains("validation cost of epoch 3 is infinite"));
  History gap = falling_history(5, true);
  gap.epochs[1].val_cost = kNaN;  // validation in some epochs but not in all
  CHECK_THAT(message_of(gap, PlotOptions()), Contains("validation cost of epoch 1 is NaN"));
  History step = falling_history(5, false);
  step.cost[4] = kNaN;
  CHECK_THAT(message_of(step, PlotOptions().per_step(true)), Contains("cost of step 4 is NaN"));

  History regression = falling_history(5, false);
  for (Epoch& e : regression.epochs)
    e.accuracy = kNaN;
  CHECK_THROWS_AS(deepnet::learning_curves_svg(regression, PlotOptions().curve(Curve::Accuracy)),
                  ConfigError);
  CHECK_THAT(message_of(regression, PlotOptions().curve(Curve::Accuracy)), Contains("no accuracy"));
  CHECK_THROWS_AS(deepnet::learning_curves_svg(falling_history(5, false),
                                               PlotOptions().per_step(true).curve(Curve::Accuracy)),
                  ConfigError);
  CHECK_THROWS_AS(deepnet::learning_curves_svg(falling_history(5, false), PlotOptions().width(100)),
                  ConfigError);
  CHECK_THAT(message_of(falling_history(5, false), PlotOptions().height(20000)),
             Contains("640 x 20000"));
  CHECK_THROWS_AS(deepnet::write_learning_curves(falling_history(5, false),
                                                 std::string("no/such/directory/curve.svg")),
                  std::system_error);
}

TEST_CASE("plot: the history of a real fit, with a validation set", "[plot]") {
  deepnet::Random random(5);
  deepnet::Matrix<double> X(2, 120), Y(1, 120);
  for (deepnet::Index j = 0; j < X.cols(); ++j) {
    X(0, j) = random.normal();
    X(1, j) = random.normal();
    Y(0, j) = X(0, j) + X(1, j) > 0 ? 1.0 : 0.0;
  }
  deepnet::DeepNet<> net({2, 4, 1});
  net.initialize(deepnet::Init::He, 1);
  const History history =
      net.fit(X.leftCols(100), Y.leftCols(100), X.rightCols(20), Y.rightCols(20),
              deepnet::FitOptions().learning_rate(0.5).epochs(8));
  const std::string svg = deepnet::learning_curves_svg(history);
  CHECK(polyline_points(svg, 0).size() == 8);
  CHECK(polyline_points(svg, 1).size() == 8);
  element_names(svg);
}

// The picture the tutorial shows, written by examples/tutorial/train.cpp.
const std::string kDocsImage = std::string(DEEPNET_DOCS_IMAGE_DIR) + "/learning_curve.svg";

TEST_CASE("plot: the learning curve in the documentation is a well-formed plot", "[plot]") {
  const std::string svg = read_file(kDocsImage);
  element_names(svg);
  CHECK_THAT(svg, Contains("width=\"640\" height=\"400\""));
  CHECK(polyline_points(svg, 0).size() > 10);
  CHECK(polyline_points(svg, 1).size() == polyline_points(svg, 0).size());
}

#ifdef DEEPNET_RSVG_CONVERT
namespace {

// Width and height of a PNG file, from its IHDR chunk: the 8-byte signature, the chunk's
// length and type, then the width and height as 4-byte big-endian integers.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& png) {
  REQUIRE(png.size() > 24);
  REQUIRE(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  REQUIRE(png.compare(12, 4, "IHDR") == 0);
  const auto u32 = [&](std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      value = (value << 8) | static_cast<unsigned char>(png[at + i]);
    }
    return value;
  };
  return {u32(16), u32(20)};
}

// Renders `svg_path` with rsvg-convert and returns the PNG's bytes.
std::string render(const std::string& svg_path, const std::string& png_path) {
  std::remove(png_path.c_str());
  const std::string command = std::string("\"") + DEEPNET_RSVG_CONVERT + "\" --format=png \"" +
                              svg_path + "\" --output \"" + png_path + "\"";
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
  return read_file(png_path);
}

}  // namespace

TEST_CASE("plot: rsvg-convert renders the SVG to a PNG of the requested size", "[plot][render]") {
  for (const auto& [width, height] : {std::pair<int, int>{640, 400}, {900, 300}}) {
    const std::string base = "test_plot_" + std::to_string(width) + "x" + std::to_string(height);
    deepnet::write_learning_curves(falling_history(50, true), base + ".svg",
                                   PlotOptions().width(width).height(height));
    const std::string png = render(base + ".svg", base + ".png");
    const auto size = png_size(png);
    CHECK(size.first == static_cast<std::uint32_t>(width));
    CHECK(size.second == static_cast<std::uint32_t>(height));
    CHECK(png.size() > 2000);  // a picture with text and lines, not an empty canvas
    std::remove((base + ".svg").c_str());
    std::remove((base + ".png").c_str());
  }
}

TEST_CASE("plot: the learning curve in the documentation renders", "[plot][render]") {
  const std::string png = render(kDocsImage, "test_plot_docs.png");
  const auto size = png_size(png);
  CHECK(size.first == 640);
  CHECK(size.second == 400);
  CHECK(png.size() > 2000);
  std::remove("test_plot_docs.png");
}
#endif
