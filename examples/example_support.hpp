// example_support.hpp: the plumbing that the example programs share, so that each of them can
// keep to its data, its model and its training.
//
//   examples::fixed(value, decimals)      a number with so many digits after the point: "0.54"
//   examples::percent(fraction)           a fraction as a percentage: 0.985 gives "98.50%"
//   examples::parse_integer(text, value)  a whole number, or false for "", "12x", "-3" (unsigned)
//   examples::parse_flags(argc, argv, {integer_flag(...), text_flag(...), switch_flag(...)})
//                                         the command line, read against a table of flags
//   examples::plot_decision_boundary(net, X, Y, low, high)
//                                         the course's decision-boundary figure, in text
//   examples::build_line()                the compiler, flags and SIMD instructions of this build
//
// It is not part of the library: a program of your own needs only <deepnet/deepnet.hpp>.
#ifndef DEEPNET_EXAMPLES_EXAMPLE_SUPPORT_HPP
#define DEEPNET_EXAMPLES_EXAMPLE_SUPPORT_HPP

#include <deepnet/deepnet.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <functional>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace examples {

using deepnet::Index;

// ---------------------------------------------------------------------------------------------
// The build

// "Built with GNU 12.2.0, Release (-O3 -DNDEBUG); Eigen 3.4.0, SIMD SSE, SSE2": what the last
// digits of every printed figure depend on. The order in which a matrix product sums its terms
// changes with the compiler, its flags (-march=native, FMA) and the SIMD width Eigen uses, and
// an accuracy on 10000 test images moves by a few images with it. DEEPNET_EXAMPLE_BUILD comes
// from examples/CMakeLists.txt.
inline std::string build_line() {
#ifdef DEEPNET_EXAMPLE_BUILD
  std::string line = "Built with " DEEPNET_EXAMPLE_BUILD;
#else
  std::string line = "Built with an unrecorded compiler and flags";
#endif
  line += "; Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
          std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION) +
          ", SIMD " + Eigen::SimdInstructionSetsInUse();
  return line;
}

// ---------------------------------------------------------------------------------------------
// Numbers as text

// The value with `decimals` digits after the point: fixed(0.54249, 4) is "0.5425".
inline std::string fixed(double value, int decimals) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(decimals) << value;
  return out.str();
}

// A fraction as a percentage with two decimals: percent(0.985) is "98.50%".
inline std::string percent(double fraction) {
  return fixed(100.0 * fraction, 2) + "%";
}

// Reads a whole number; false for "", "12x", "-3" (for unsigned types) or out-of-range text.
template <class Integer>
bool parse_integer(std::string_view text, Integer& value) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  return error == std::errc() && stop == end;
}

// ---------------------------------------------------------------------------------------------
// The command line
//
// A program lists what it understands in a table, one entry per flag, and hands it to
// parse_flags together with argc and argv:
//
//   if (const auto status = examples::parse_flags(argc, argv, {
//           examples::integer_flag("--epochs", "N", epochs, 1, "passes over the data"),
//           examples::switch_flag("--plot", plot, "also draw the decision regions")})) {
//     return *status;  // after --help, or after a mistake
//   }
//
// -h and --help print the usage, made from the table, and end the program with status 0; an
// argument that is not understood prints what is wrong and the usage on stderr, status 2.

// One entry of the table: made by integer_flag, switch_flag or operands below.
struct Flag {
  std::string name;   // "--seed"; empty for the operands, the arguments that are not flags
  std::string value;  // the value's name in the usage, "S"; empty for a switch
  std::string help;   // the explanation in the usage; '\n' starts an aligned continuation line
  std::function<bool(std::string_view)> read;  // takes the value; false when it is not valid
  std::string missing;                         // the error when the value is missing
  std::string invalid;  // the error when `read` refuses the value; "{}" stands for the value

  // Replaces both errors with one message of the program's own.
  Flag& with_error(std::string message) {
    missing = message;
    invalid = std::move(message);
    return *this;
  }
};

// "--name VALUE", a whole number of at least `min`, stored into `target`. The default error
// messages say what is expected: "--epochs: '0' is not a positive whole number".
template <class Integer>
Flag integer_flag(std::string name, std::string value, Integer& target,
                  std::common_type_t<Integer> min,  // not deduced: a literal fits any type
                  std::string help) {
  static_assert(std::is_integral_v<Integer>, "integer_flag needs an integer variable");
  const std::string expected = min == 1   ? "positive whole number"
                               : min == 0 ? "non-negative whole number"
                                          : "whole number, at least " + std::to_string(min);
  Flag flag{name,    std::move(value),        std::move(help),
            nullptr, name + " needs a value", name + ": '{}' is not a " + expected};
  flag.read = [&target, min](std::string_view text) {
    Integer number{};
    if (!parse_integer(text, number) || number < min) return false;
    target = number;
    return true;
  };
  return flag;
}

// "--name" alone: sets `target` to true.
inline Flag switch_flag(std::string name, bool& target, std::string help) {
  Flag flag{std::move(name), "", std::move(help), nullptr, "", ""};
  flag.read = [&target](std::string_view) {
    target = true;
    return true;
  };
  return flag;
}

// "--name VALUE": any text that is not empty (a path, a file name), stored into `target`.
inline Flag text_flag(std::string name, std::string value, std::string& target, std::string help) {
  Flag flag{name,    std::move(value),        std::move(help),
            nullptr, name + " needs a value", name + ": the value must not be empty"};
  flag.read = [&target](std::string_view text) {
    if (text.empty()) return false;
    target = std::string(text);
    return true;
  };
  return flag;
}

// The arguments that are not flags, such as the layer sizes of `dimensions 2 3 1`: each one is
// handed to `read`, in order. `value` names them in the usage: "n0 n1 ... nL".
inline Flag operands(std::string value, std::string help,
                     std::function<bool(std::string_view)> read) {
  return Flag{"", std::move(value), std::move(help), std::move(read), "", "unknown argument '{}'"};
}

namespace detail {

// "--seed S", "--plot" or "n0 n1 ... nL": how an entry appears in the usage.
inline std::string synopsis(const Flag& flag) {
  if (flag.name.empty() || flag.value.empty()) return flag.name + flag.value;
  return flag.name + " " + flag.value;
}

// The message with its "{}" replaced by the argument.
inline std::string fill(std::string message, std::string_view argument) {
  const std::size_t at = message.find("{}");
  if (at != std::string::npos) message.replace(at, 2, argument);
  return message;
}

}  // namespace detail

// "usage: program [--seed S] [--plot]", then one aligned line per entry of the table.
inline void print_usage(std::ostream& out, const char* program, const std::vector<Flag>& flags) {
  std::size_t width = 0;
  out << "usage: " << program;
  for (const Flag& flag : flags) {
    out << " [" << detail::synopsis(flag) << ']';
    width = std::max(width, detail::synopsis(flag).size());
  }
  out << '\n';
  const std::string indent(width + 4, ' ');  // where the explanations start
  for (const Flag& flag : flags) {
    const std::string synopsis = detail::synopsis(flag);
    out << "  " << synopsis << std::string(width - synopsis.size() + 2, ' ');
    for (const char c : flag.help) {
      out << c;
      if (c == '\n') out << indent;
    }
    out << '\n';
  }
}

// Reads the command line against the table. Returns nothing when the program should go on, or
// the status it should end with: 0 after --help (the usage is on stdout), 2 after an argument
// that is not understood (what is wrong and the usage are on stderr).
inline std::optional<int> parse_flags(int argc, char** argv, const std::vector<Flag>& flags) {
  const auto fail = [&](const std::string& message, std::string_view argument) {
    std::cerr << detail::fill(message, argument) << '\n';
    print_usage(std::cerr, argv[0], flags);
    return 2;
  };
  const auto named = [&](std::string_view name) -> const Flag* {
    for (const Flag& flag : flags) {
      if (!flag.name.empty() && flag.name == name) return &flag;
    }
    return nullptr;
  };
  const Flag* rest = nullptr;  // the entry of the operands, if the program takes any
  for (const Flag& flag : flags) {
    if (flag.name.empty()) rest = &flag;
  }

  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument == "-h" || argument == "--help") {
      print_usage(std::cout, argv[0], flags);
      return 0;
    }
    const Flag* const flag = named(argument);
    if (flag == nullptr) {  // not a flag: an operand, if the program takes any
      if (rest == nullptr) return fail("unknown argument '{}'", argument);
      if (!rest->read(argument)) return fail(rest->invalid, argument);
      continue;
    }
    if (flag->value.empty()) {  // a switch
      flag->read("");
      continue;
    }
    if (i + 1 == argc) return fail(flag->missing, argument);
    const std::string_view value = argv[++i];
    if (!flag->read(value)) return fail(flag->invalid, value);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// The course's plot_decision_boundary, in text

// A point of the plane (x1, x2).
struct Point {
  double x1 = 0.0;
  double x2 = 0.0;
};

// Draws the rectangle from `low` (bottom left) to `high` (top right) 64 characters wide: every
// character is a small rectangle of the plane, '.' where the network predicts 1 and blank where
// it predicts 0. The examples (the columns of X, labels Y) are drawn on top, 'x' for y = 1 and
// 'o' for y = 0, so a point on the wrong background is misclassified. A line under the frame
// gives the ranges of x1 and x2, then `legend`, the key to the characters.
inline void plot_decision_boundary(
    const deepnet::DeepNet<>& net, const deepnet::Matrix<double>& X,
    const deepnet::Matrix<double>& Y, Point low, Point high,
    std::string_view legend =
        "'.' predicted 1, blank predicted 0; points: x is y = 1, o is y = 0") {
  // Characters are about twice as tall as wide, so half as many rows per unit as columns keep
  // the picture to scale: a square is 64 x 32 characters.
  constexpr Index kColumns = 64;
  const Index rows = static_cast<Index>(
      std::lround(static_cast<double>(kColumns) * (high.x2 - low.x2) / (high.x1 - low.x1) / 2.0));
  const double cell_width = (high.x1 - low.x1) / static_cast<double>(kColumns);
  const double cell_height = (high.x2 - low.x2) / static_cast<double>(rows);

  // The centre of every character as one column of a 2 x (rows * columns) matrix, so that a
  // single call classifies them all. Row 0 is the top of the picture: the largest x2.
  deepnet::Matrix<double> grid(2, rows * kColumns);
  for (Index row = 0; row < rows; ++row) {
    for (Index col = 0; col < kColumns; ++col) {
      grid(0, row * kColumns + col) = low.x1 + (static_cast<double>(col) + 0.5) * cell_width;
      grid(1, row * kColumns + col) = high.x2 - (static_cast<double>(row) + 0.5) * cell_height;
    }
  }
  const deepnet::Labels regions = net.classify(grid);

  std::vector<std::string> picture(static_cast<std::size_t>(rows), std::string(kColumns, ' '));
  for (Index k = 0; k < regions.cols(); ++k) {
    if (regions(0, k) == 1) picture[k / kColumns][k % kColumns] = '.';
  }
  for (Index i = 0; i < X.cols(); ++i) {
    const double col = std::floor((X(0, i) - low.x1) / cell_width);
    const double row = std::floor((high.x2 - X(1, i)) / cell_height);
    if (col < 0 || row < 0 || col >= kColumns || row >= static_cast<double>(rows)) continue;
    picture[static_cast<std::size_t>(row)][static_cast<std::size_t>(col)] =
        Y(0, i) == 1.0 ? 'x' : 'o';
  }

  const std::string border = "+" + std::string(kColumns, '-') + "+";
  std::cout << border << '\n';
  for (const std::string& line : picture) {
    std::cout << '|' << line << "|\n";
  }
  std::cout << border << '\n';
  if (low.x1 == low.x2 && high.x1 == high.x2) {
    std::cout << "  x1 and x2 from " << low.x1 << " to " << high.x1;
  } else {
    std::cout << "  x1 from " << low.x1 << " to " << high.x1 << ", x2 from " << low.x2 << " to "
              << high.x2;
  }
  std::cout << "; " << legend << '\n';
}

}  // namespace examples

#endif  // DEEPNET_EXAMPLES_EXAMPLE_SUPPORT_HPP
