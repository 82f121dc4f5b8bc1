// dimensions.cpp: "getting your matrix dimensions right" (course 1, week 4), read off a network.
//
// What it shows
//   The shapes of W[l], b[l], Z[l], A[l] and of their gradients dW[l], db[l], dZ[l], dA[l] at
//   every layer l = 1..L. The shapes are not computed from formulas: the program builds a
//   network, runs forward and backward propagation on random data, and asks every layer for
//   the real shapes of its matrices (net.layer(l).W().rows(), ...). Next to them it prints the
//   formula of the notes and checks that the two agree. It does this twice: for a single
//   example (m = 1: z, a, dz, da are column vectors) and vectorized over m examples (one
//   column per example), and ends with the library's own checker, net.check_shapes().
//
// How to run it
//   build/examples/dimensions                      the notes' example {2, 3, 5, 4, 2, 1}, m = 10
//   build/examples/dimensions 12288 20 7 5 1 --m 209      any layer_dims = {n[0], ..., n[L]}
//
// What it prints
//   Two tables, one row per symbol and one column per layer, each row ending in "yes" when
//   every shape read from the network matches its formula; then what changes with m and what
//   does not, and the verdict of net.check_shapes(). The exit status is 1 if a shape is off.

#include <deepnet/deepnet.hpp>

#include "example_support.hpp"  // the command line

#include <algorithm>
#include <cstddef>
#include <exception>
#include <iomanip>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using deepnet::Index;
using Matrix = deepnet::Matrix<double>;

struct Shape {
  Index rows = 0;
  Index cols = 0;
};

bool operator==(Shape x, Shape y) {
  return x.rows == y.rows && x.cols == y.cols;
}

std::string to_string(Shape shape) {
  return std::to_string(shape.rows) + " x " + std::to_string(shape.cols);
}

template <class MatrixLike>
Shape shape_of(const MatrixLike& matrix) {
  return {matrix.rows(), matrix.cols()};
}

// One symbol of the notes: its name, its formula, and for every layer the shape read from the
// network next to the shape the formula gives.
struct Row {
  std::string symbol;   // "W", "dz", ...: printed as W[l], dz[l]
  std::string formula;  // "n[l] x n[l-1]", ...
  std::vector<Shape> real;
  std::vector<Shape> expected;
};

// Runs one forward and one backward pass over m random examples, then reads the shapes.
// `vectorized` picks the notation: Z, A, dZ, dA (n[l] x m) or, for one example, z, a, dz, da.
std::vector<Row> measure(deepnet::DeepNet<>& net, Index m, bool vectorized,
                         deepnet::Random& random) {
  const std::vector<Index>& n = net.dims();
  const Index L = net.L();

  // X is n[0] x m with standard normal entries; Y holds random labels 0 or 1 for the sigmoid.
  Matrix X(n[0], m);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < n[0]; ++i) {
      X(i, j) = random.normal();
    }
  }
  Matrix Y(n.back(), m);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < n.back(); ++i) {
      Y(i, j) = static_cast<double>(random.below(2));
    }
  }
  net.forward(X);
  net.backward(Y);

  // With one example the notes write the column vectors in lower case: z, a, dz, da.
  // W and b (and so dW and db) are the same whatever m is.
  const char* columns = vectorized ? "n[l] x m" : "n[l] x 1";
  std::vector<Row> rows = {
      {"W", "n[l] x n[l-1]", {}, {}},
      {"b", "n[l] x 1", {}, {}},
      {vectorized ? "Z" : "z", columns, {}, {}},
      {vectorized ? "A" : "a", columns, {}, {}},
      {"dW", "n[l] x n[l-1]", {}, {}},
      {"db", "n[l] x 1", {}, {}},
      {vectorized ? "dZ" : "dz", columns, {}, {}},
      {vectorized ? "dA" : "da", columns, {}, {}},
  };
  for (Index l = 1; l <= L; ++l) {
    const deepnet::Layer<>& layer = net.layer(l);
    const Shape real[] = {shape_of(layer.W()),  shape_of(layer.b()),  shape_of(layer.Z()),
                          shape_of(layer.A()),  shape_of(layer.dW()), shape_of(layer.db()),
                          shape_of(layer.dZ()), shape_of(layer.dA())};
    // The formulas of the notes, with the numbers of this network put in.
    const Shape weights{n[l], n[l - 1]};
    const Shape bias{n[l], 1};
    const Shape batch{n[l], m};
    const Shape expected[] = {weights, bias, batch, batch, weights, bias, batch, batch};
    for (std::size_t k = 0; k < rows.size(); ++k) {
      rows[k].real.push_back(real[k]);
      rows[k].expected.push_back(expected[k]);
    }
  }
  return rows;
}

// Prints the rows as a table; returns false if a shape differs from its formula.
bool print_table(const std::vector<Row>& rows, Index L) {
  // Every column as wide as its widest entry.
  std::size_t symbol_width = 6;
  std::size_t formula_width = 7;
  std::vector<std::size_t> widths(static_cast<std::size_t>(L));
  for (std::size_t l = 0; l < widths.size(); ++l) {
    widths[l] = ("l = " + std::to_string(l + 1)).size();
  }
  for (const Row& row : rows) {
    symbol_width = std::max(symbol_width, row.symbol.size() + 3);
    formula_width = std::max(formula_width, row.formula.size());
    for (std::size_t l = 0; l < widths.size(); ++l) {
      widths[l] = std::max(widths[l], to_string(row.real[l]).size());
    }
  }

  std::cout << std::left << "  " << std::setw(static_cast<int>(symbol_width)) << "symbol"
            << "   " << std::setw(static_cast<int>(formula_width)) << "formula";
  for (std::size_t l = 0; l < widths.size(); ++l) {
    std::cout << "   " << std::setw(static_cast<int>(widths[l])) << "l = " + std::to_string(l + 1);
  }
  std::cout << "   real = formula?\n";

  bool all_agree = true;
  for (const Row& row : rows) {
    std::cout << "  " << std::setw(static_cast<int>(symbol_width)) << row.symbol + "[l]"
              << "   " << std::setw(static_cast<int>(formula_width)) << row.formula;
    bool agrees = true;
    for (std::size_t l = 0; l < widths.size(); ++l) {
      std::cout << "   " << std::setw(static_cast<int>(widths[l])) << to_string(row.real[l]);
      agrees = agrees && row.real[l] == row.expected[l];
    }
    std::cout << "   " << (agrees ? "yes" : "NO") << '\n';
    if (!agrees) {
      for (std::size_t l = 0; l < widths.size(); ++l) {
        if (!(row.real[l] == row.expected[l])) {
          std::cout << "    " << row.symbol << '[' << l + 1 << "] is " << to_string(row.real[l])
                    << ", the formula gives " << to_string(row.expected[l]) << '\n';
        }
      }
    }
    all_agree = all_agree && agrees;
  }
  return all_agree;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Index> layer_dims;
  Index m = 10;
  const auto add_layer = [&layer_dims](std::string_view text) {
    Index size = 0;
    if (!examples::parse_integer(text, size)) return false;
    layer_dims.push_back(size);  // the constructor below says what is wrong with a size
    return true;
  };
  if (const auto status = examples::parse_flags(
          argc, argv,
          {examples::operands("n0 n1 ... nL",
                              "layer_dims = {n[0], n[1], ..., n[L]}, at least two sizes\n"
                              "(default: 2 3 5 4 2 1, the example of the notes)",
                              add_layer)
               .with_error("'{}' is neither a layer size nor --m"),
           examples::integer_flag("--m", "M", m, 1,
                                  "number of examples of the vectorized pass, M >= 1 (default 10)")
               .with_error("--m needs a number of examples, 1 or more")})) {
    return *status;  // after --help, or after a mistake on the command line
  }
  if (layer_dims.empty()) layer_dims = {2, 3, 5, 4, 2, 1};

  try {
    // ReLU hidden layers and a sigmoid output (the defaults); the activations do not change
    // any shape. The constructor rejects impossible layer_dims with a message saying why.
    deepnet::DeepNet<> net(layer_dims);
    net.initialize(deepnet::Init::ScaledNormal, 1);
    deepnet::Random random(1);

    std::cout << "layer_dims = " << deepnet::dims_string(net.dims()) << ": L = " << net.L()
              << (net.L() == 1 ? " layer," : " layers,");
    for (std::size_t l = 0; l < layer_dims.size(); ++l) {
      std::cout << (l == 0 ? " " : ", ") << "n[" << l << "] = " << layer_dims[l];
    }
    std::cout << "\n\nOne example (m = 1): x = a[0] is " << layer_dims[0] << " x 1\n";
    bool agree = print_table(measure(net, 1, false, random), net.L());

    std::cout << "\nVectorized over m = " << m << (m == 1 ? " example" : " examples")
              << ": X = A[0] is " << layer_dims[0] << " x " << m << "\n";
    agree = print_table(measure(net, m, true, random), net.L()) && agree;

    std::cout << "\nW, b, dW and db have the same shapes in both tables: the parameters do not\n"
                 "depend on m. Z, A, dZ and dA get one column per example. b[l] stays n[l] x 1\n"
                 "and is added to every column of W[l] A[l-1]. dA[0] is never computed: no layer\n"
                 "below layer 1 needs it.\n\n";

    // The library's own check of every shape against the notes; throws ShapeError if one is off.
    net.check_shapes();
    std::cout << "net.check_shapes(): every shape of the last pass matches the notes.\n";
    if (!agree) {
      std::cout << "But some shapes read from the network differ from the formulas (above).\n";
      return 1;
    }
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
