/// \file io/csv_write.hpp
/// `write_csv`: a matrix as CSV text, each column (an example) a row of the
/// file, in the layout `load_csv` (io/csv.hpp) reads back bit for bit;
/// `CsvWriteOptions`.
#ifndef DEEPNET_IO_CSV_WRITE_HPP
#define DEEPNET_IO_CSV_WRITE_HPP

#include "../config.hpp"
#include "../detail/atomic_file.hpp"
#include "../detail/option.hpp"
#include "../errors.hpp"
#include "csv_tokenizer.hpp"  // char_literal, for the delimiter's message

#include <charconv>
#include <cmath>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

namespace deepnet {

/// Settings of `write_csv`, with chained setters:
/// `CsvWriteOptions().delimiter(';').header({"x1", "x2", "label"})`.
class CsvWriteOptions {
  /// The character between fields: ',' (the default), ';', a tab, ...; not one
  /// that numbers are written with (a digit, '.', '+', '-', 'e', 'E'), a double
  /// quote, a space or a line break.
  DEEPNET_OPTION(CsvWriteOptions, char, delimiter, ',')
  /// The names of the file's columns, one per row of the matrix, written as a
  /// header row (quoted when a name holds the delimiter, a quote, a line break,
  /// or starts or ends with a space); empty (the default): no header.
  DEEPNET_OPTION(CsvWriteOptions, std::vector<std::string>, header, std::vector<std::string>())
};

namespace detail {
namespace csv {

/// A header name as a CSV field: quoted (with quotes doubled) when it needs to
/// be.
inline std::string header_field(const std::string& name, char delimiter) {
  const bool quote =
      name.empty() || name.find_first_of(std::string("\"\r\n") + delimiter) != std::string::npos ||
      name.front() == ' ' || name.front() == '\t' || name.back() == ' ' || name.back() == '\t';
  if (!quote) return name;
  std::string field = "\"";
  for (const char c : name) {
    if (c == '"') field += '"';
    field += c;
  }
  return field + "\"";
}

/// The text write_csv writes: checks everything first, so that nothing is
/// written on error.
template <class Derived>
std::string csv_text(const Eigen::MatrixBase<Derived>& M, const CsvWriteOptions& options) {
  using Value = typename Derived::Scalar;
  static_assert(std::is_arithmetic<Value>::value, "write_csv writes matrices of numbers");
  const char delimiter = options.delimiter();
  if (std::string("0123456789.+-eE\" \r\n").find(delimiter) != std::string::npos ||
      delimiter == '\0') {
    throw ConfigError("write_csv: the delimiter " + char_literal(delimiter) +
                      " cannot separate numbers (it is part of one, a quote, a "
                      "space or a line "
                      "break); use ',', ';', '\\t' or '|'");
  }
  const std::vector<std::string>& header = options.header();
  if (M.rows() == 0) {
    throw std::invalid_argument(
        "write_csv: the matrix has no rows (n = 0): "
        "the file would have no columns");
  }
  if (!header.empty() && static_cast<Index>(header.size()) != M.rows()) {
    throw ConfigError("write_csv: the header has " + std::to_string(header.size()) +
                      (header.size() == 1 ? " name" : " names") + " and the matrix " +
                      std::to_string(M.rows()) + (M.rows() == 1 ? " row" : " rows") +
                      "; give one name per row of the matrix (a column of the file)");
  }
  if constexpr (std::is_floating_point<Value>::value) {
    for (Index j = 0; j < M.cols(); ++j) {
      for (Index i = 0; i < M.rows(); ++i) {
        if (!std::isfinite(M(i, j))) {
          throw DataError("write_csv: the matrix's entry (" + std::to_string(i) + ", " +
                              std::to_string(j) + ") is " + number_string(M(i, j)) +
                              "; load_csv reads finite numbers only",
                          "M", i, j);
        }
      }
    }
  }
  std::string text;
  if (!header.empty()) {
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (c > 0) text += delimiter;
      text += header_field(header[c], delimiter);
    }
    text += '\n';
  }
  // std::to_chars without a precision: the shortest text that reads back as the
  // same value (at most max_digits10 significant digits), in the C locale
  // whatever the program's.
  char buffer[64];
  for (Index j = 0; j < M.cols(); ++j) {
    for (Index i = 0; i < M.rows(); ++i) {
      if (i > 0) text += delimiter;
      const std::to_chars_result written = std::to_chars(buffer, buffer + sizeof buffer, M(i, j));
      text.append(buffer, written.ptr);
    }
    text += '\n';
  }
  return text;
}

}  // namespace csv
}  // namespace detail

/// Writes a matrix as CSV text: column j of M (example j, in the notes' n x m
/// layout) becomes row j of the text and row i of M its column i, the layout
/// `load_csv` reads, so that a file written from X stacked on its labels
/// (`Matrix table(n + 1, m); table << X, labels;`) loads back as the same X and
/// labels, bit for bit. Numbers are written in the shortest form that reads
/// back as the same value (std::to_chars: "0.1", "-3", "1e-300"; at most
/// max_digits10 significant digits), whatever the program's locale; lines end
/// with LF. \param M n x m, of float, double or an integer type \throws
/// ConfigError for a delimiter that cannot separate numbers, a header whose
/// number of
///         names is not n; std::invalid_argument for n = 0; DataError naming
///         the first entry that is NaN or infinite (load_csv could not read
///         it); std::system_error when the stream fails. Nothing is written
///         when an argument is refused.
template <class Derived>
void write_csv(std::ostream& out, const Eigen::MatrixBase<Derived>& M,
               const CsvWriteOptions& options = CsvWriteOptions()) {
  const std::string text = detail::csv::csv_text(M, options);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  if (!out) {
    throw std::system_error(std::make_error_code(std::io_errc::stream),
                            "write_csv: writing to the stream failed");
  }
}

/// Writes M to the file `path` as above, atomically (detail/atomic_file.hpp):
/// the file is either its old contents or the complete new text, never a part.
/// \throws as above; std::system_error naming the path and the operating
/// system's reason
///         when the file cannot be written (`write_csv: cannot save out/x.csv:
///         cannot create the temporary file ...: No such file or directory`)
template <class Derived>
void write_csv(const std::string& path, const Eigen::MatrixBase<Derived>& M,
               const CsvWriteOptions& options = CsvWriteOptions()) {
  detail::write_file_atomically(path, detail::csv::csv_text(M, options), "write_csv");
}

}  // namespace deepnet

#endif  // DEEPNET_IO_CSV_WRITE_HPP
