/// \file io/csv.hpp
/// Loads a table of numbers from a CSV file into the layout of the notes: each row of the file
/// is one example, so it becomes one column of X; one column of the file holds the labels and
/// every other column is a feature.
///
/// \code
///   // sepal_length,sepal_width,petal_length,petal_width,class
///   deepnet::CsvOptions options;
///   options.label_name("class");                  // or label_column(-1): the last column
///   const auto data = deepnet::load_csv<double>("iris.csv", options);
///   // data.X: 4 x 150, data.labels: 1 x 150, data.feature_names: {"sepal_length", ...}
/// \endcode
///
/// The label column may hold class names instead of numbers (`setosa,versicolor,...`): they
/// become class indices 0..K-1 in sorted order, and CsvData::class_names keeps the names
/// (CsvOptions::label_type, CsvOptions::class_names).
///
/// What is read: fields separated by a delimiter (',' by default); an optional header row of
/// names (detected, or said by CsvOptions::header); fields in double quotes, which may hold the
/// delimiter, line breaks and doubled quotes (""); spaces and tabs around a field; LF or CRLF
/// line ends; a UTF-8 byte order mark. Blank lines are skipped. Every other cell must be a
/// finite number (but a class name in the label column), written as C++ reads one (std::from_chars:
/// 3, -0.5, 1e-3; a leading + is accepted; no thousands separators, decimal point only). The
/// delimiter is not guessed, but a first row of one field that holds another likely delimiter (';',
/// a tab, '|', ',') is a FormatError naming it and CsvOptions::delimiter.
///
/// load_csv reads a gzip-compressed file (it starts with the bytes 1f 8b, whatever its name)
/// as it reads a plain one when the program links the CMake target `deepnet::io` (zlib; see
/// io/idx.hpp); without it, such a file is a FormatError that says so.
///
/// Every problem is a FormatError (errors.hpp) naming the file, the line and the column (both
/// counted from 1, as editors show them) and the cell: `iris.csv: line 7, column 2
/// (sepal_width): "abc" is not a number`. FormatError::offset() is the byte where the cell (or
/// the line) starts, and FormatError::field() the column's name (or "column 2").
///
/// `write_csv` writes a matrix the other way round: each column of the matrix (an example) is a
/// row of the file, each row of the matrix (a feature) a column, so that load_csv reads back the
/// same values, bit for bit (see write_csv).
#ifndef DEEPNET_IO_CSV_HPP
#define DEEPNET_IO_CSV_HPP

#include "../config.hpp"
#include "../detail/atomic_file.hpp"
#include "../detail/file_input.hpp"
#include "../detail/option.hpp"
#include "../errors.hpp"
#include "common.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepnet {

/// Whether the first row of a CSV file names the columns.
enum class CsvHeader {
  Detect,   ///< it does when one of its cells is not a number
  Present,  ///< it does
  Absent    ///< it does not: the first row is data
};

/// How the label column is read.
enum class CsvLabels {
  Detect,   ///< class names when no label is a number and there are two names or more, else
            ///< numbers (decided from the column's cells; see CsvOptions::label_type)
  Numbers,  ///< numbers: class indices or regression targets; a name is an error
  Names     ///< class names, whatever they look like ("1" is a name too)
};

/// Settings of `load_csv` and `read_csv`, with chained setters:
/// `CsvOptions().delimiter(';').label_name("price")`.
class CsvOptions {
  /// The character between fields: ',' (the default), ';', a tab, ...
  DEEPNET_OPTION(CsvOptions, char, delimiter, ',')
  /// Whether the first row is a header of names; detected by default.
  DEEPNET_OPTION(CsvOptions, CsvHeader, header, CsvHeader::Detect)
  /// The label column by position, counted from 0; a negative value counts from the end: -1
  /// (the default) is the last column, -2 the one before. Used when label_name is empty.
  DEEPNET_OPTION(CsvOptions, Index, label_column, -1)
  /// The label column by its name in the header; when set, it wins over label_column.
  DEEPNET_OPTION(CsvOptions, std::string, label_name, std::string())
  /// How much text the file may hold (LoadLimits::max_bytes).
  DEEPNET_OPTION(CsvOptions, LoadLimits, limits, LoadLimits())
  /// Whether the label column holds numbers or class names (`setosa`, `versicolor`, ...).
  /// Detect (the default) reads names when none of the column's cells is a number and it holds
  /// two names or more; a column that mixes numbers and names is an error that says to choose.
  /// Names are mapped to class indices 0..K-1 in sorted order (byte by byte, as std::string
  /// compares), so that two files of the same data set with the same names agree; see
  /// class_names to give the order.
  DEEPNET_OPTION(CsvOptions, CsvLabels, label_type, CsvLabels::Detect)
  /// The class names in the order of their indices: name k is class k. When set, the label
  /// column is read as names and a name not in the list is an error naming its line and column:
  /// read a test file with the names of its training file,
  /// `CsvOptions().class_names(train.class_names)`. Empty (the default): the names found in the
  /// file, sorted.
  DEEPNET_OPTION(CsvOptions, std::vector<std::string>, class_names, std::vector<std::string>())
};

/// A CSV file as `load_csv` returns it.
template <class Scalar>
struct CsvData {
  /// n x m: column j is row j of the file (its data rows counted from 0), without the label.
  Matrix<Scalar> X;
  /// 1 x m: the label column (class indices for one_hot, or regression targets). For a column
  /// of class names, the index of each example's name in class_names.
  Matrix<Scalar> labels;
  /// The header's names of the rows of X, in order; empty when the file has no header.
  std::vector<std::string> feature_names;
  /// The header's name of the label column; empty when the file has no header.
  std::string label_name;
  /// For a label column of names: the name of class k at position k (sorted, or as
  /// CsvOptions::class_names gave them), so `class_names[data.labels(0, j)]` is example j's
  /// name as the file wrote it. Empty when the labels are numbers.
  std::vector<std::string> class_names;

  /// The label column as class indices, 1 x m of deepnet::Labels: the type that
  /// `DeepNet::classify`, `to_labels` and the IDX loader return, so that they compare
  /// directly (`(net.classify(X).array() == data.class_labels().array()).count()`), and the
  /// integer labels that `DeepNet::fit` and `DeepNet::accuracy` make one-hot for a Softmax
  /// output.
  /// \throws DataError naming the column of the first label that is not a whole number, 0 or
  ///         more and below 2^31 (row j of the file's data is column j)
  Labels class_labels() const {
    Labels result(1, labels.cols());
    for (Index j = 0; j < labels.cols(); ++j) {
      const Scalar label = labels(0, j);
      // Below 2^53 (2^24 for float) every whole number is exact; an Index holds it.
      if (!(label >= Scalar(0) && std::floor(label) == label &&
            label < static_cast<Scalar>(std::numeric_limits<std::int32_t>::max()))) {
        throw DataError(
            "CsvData::class_labels: labels(0, " + std::to_string(j) + ") is " +
                detail::number_string(label) +
                ", but a class label must be a whole number, 0 or more and below 2^31 (" +
                (label_name.empty() ? std::string("the label column") : "column " + label_name) +
                ", data row " + std::to_string(j) + ")",
            "labels", 0, j);
      }
      result(0, j) = static_cast<Index>(label);
    }
    return result;
  }
};

namespace detail {
namespace csv {

struct Field {
  std::string text;
  bool quoted = false;
  std::uint64_t offset = 0;  // the byte where the field starts
  std::int64_t line = 0;     // the line where it starts, from 1
};

/// Splits a CSV text into records of fields, line by line.
class Reader {
 public:
  Reader(std::istream& in, std::string name, char delimiter, std::uint64_t max_bytes)
      : m_in(in), m_name(std::move(name)), m_delimiter(delimiter), m_max_bytes(max_bytes) {}

  const std::string& name() const noexcept { return m_name; }
  char delimiter() const noexcept { return m_delimiter; }

  /// Throws FormatError "<name>: line <line>[, column <column>[ (<field>)]]: <text>".
  [[noreturn]] void fail(std::int64_t line, Index column, const std::string& field,
                         std::uint64_t offset, const std::string& text) const {
    std::string where = m_name + ": line " + std::to_string(line);
    if (column > 0) {
      where += ", column " + std::to_string(column);
      if (!field.empty()) where += " (" + field + ")";
    }
    throw FormatError(where + ": " + text, m_name, static_cast<std::int64_t>(offset),
                      !field.empty() ? field
                      : column > 0   ? "column " + std::to_string(column)
                                     : std::string());
  }

  /// Reads the next record that is not a blank line into `fields`; false at the end of the text.
  bool next(std::vector<Field>& fields) {
    fields.clear();
    std::string line;
    do {
      if (!read_line(line)) return false;
    } while (blank(line));
    std::size_t p = 0;
    while (true) {
      Field field;
      skip_spaces(line, p);
      field.offset = m_line_offset + p;
      field.line = m_line;
      if (p < line.size() && line[p] == '"') {
        field.quoted = true;
        ++p;
        while (true) {
          if (p == line.size()) {
            // A line break inside the quotes belongs to the field.
            const std::int64_t opened = field.line;
            if (!read_line(line)) {
              fail(opened, static_cast<Index>(fields.size()) + 1, "", field.offset,
                   "the quoted field that starts here is never closed (the file ends inside "
                   "it)");
            }
            field.text += '\n';
            p = 0;
            continue;
          }
          const char c = line[p];
          if (c == '"') {
            if (p + 1 < line.size() && line[p + 1] == '"') {
              field.text += '"';
              p += 2;
              continue;
            }
            ++p;
            break;
          }
          field.text += c;
          ++p;
        }
        skip_spaces(line, p);
        if (p < line.size() && line[p] != m_delimiter) {
          fail(m_line, static_cast<Index>(fields.size()) + 1, "", m_line_offset + p,
               "unexpected " + io::quote(std::string(1, line[p])) +
                   " after the closing quote of a quoted field (write a quote inside quotes as "
                   "\"\")");
        }
      } else {
        const std::size_t start = p;
        while (p < line.size() && line[p] != m_delimiter)
          ++p;
        std::size_t end = p;
        while (end > start && is_space(line[end - 1]))
          --end;
        field.text = line.substr(start, end - start);
      }
      fields.push_back(std::move(field));
      if (p < line.size() && line[p] == m_delimiter) {
        ++p;
        continue;
      }
      return true;
    }
  }

 private:
  bool is_space(char c) const noexcept { return (c == ' ' || c == '\t') && c != m_delimiter; }

  void skip_spaces(const std::string& line, std::size_t& p) const {
    while (p < line.size() && is_space(line[p]))
      ++p;
  }

  bool blank(const std::string& line) const {
    for (char c : line) {
      if (!is_space(c)) return false;
    }
    return true;
  }

  // The next physical line, without its line end (LF or CRLF) and, on the first line, without
  // a UTF-8 byte order mark; false at the end of the text.
  bool read_line(std::string& line) {
    if (!std::getline(m_in, line)) {
      if (m_in.bad()) fail(m_line, 0, "", m_offset, "read error");
      return false;
    }
    ++m_line;
    m_line_offset = m_offset;
    m_offset += line.size() + (m_in.eof() ? 0 : 1);
    if (m_offset > m_max_bytes) {
      fail(m_line, 0, "", m_line_offset,
           "the text goes beyond " + io::bytes_string(m_max_bytes) +
               ", the limit (LoadLimits::max_bytes)");
    }
    if (m_line == 1 && line.compare(0, 2, "\x1F\x8B") == 0) {
      throw FormatError(m_name +
                            ": byte 0: the text is gzip-compressed (it starts with 1f 8b); "
                            "load_csv(path) decompresses a file when the program links the CMake "
                            "target deepnet::io (zlib), or decompress it first (gunzip)",
                        m_name, 0, "gzip");
    }
    if (m_line == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) {
      line.erase(0, 3);
      m_line_offset += 3;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }

  std::istream& m_in;
  std::string m_name;
  char m_delimiter;
  std::uint64_t m_max_bytes;
  std::int64_t m_line = 0;
  std::uint64_t m_offset = 0;       // bytes read so far
  std::uint64_t m_line_offset = 0;  // where the current line starts
};

/// The number in `text`, or nothing when it is not one (or does not fit a double).
inline std::optional<double> parse_number(const std::string& text, bool& out_of_range) {
  out_of_range = false;
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') {
    ++begin;
    if (begin != end && *begin == '-') return std::nullopt;
  }
  if (begin == end) return std::nullopt;
  double value = 0.0;
  const std::from_chars_result result = std::from_chars(begin, end, value);
  if (result.ptr != end) return std::nullopt;
  if (result.ec == std::errc::result_out_of_range) {
    out_of_range = true;
    return std::nullopt;
  }
  if (result.ec != std::errc()) return std::nullopt;
  return value;
}

inline bool is_number(const Field& field) {
  bool out_of_range = false;
  return parse_number(field.text, out_of_range).has_value() || out_of_range;
}

/// The column's name for messages: its header name, or empty.
inline const std::string& name_of(const std::vector<std::string>& names, std::size_t column) {
  static const std::string none;
  return column < names.size() ? names[column] : none;
}

/// The character other than `delimiter` that most likely separates the fields of `text`: the
/// one of ',', ';', tab and '|' that it holds most often ('\0' if none), and how often.
inline std::pair<char, std::size_t> likely_delimiter(const std::string& text, char delimiter) {
  std::pair<char, std::size_t> best('\0', 0);
  for (const char c : {',', ';', '\t', '|'}) {
    if (c == delimiter) continue;
    const auto count = static_cast<std::size_t>(std::count(text.begin(), text.end(), c));
    if (count > best.second) best = {c, count};
  }
  return best;
}

/// A character as C++ writes it: ';' or '\t'.
inline std::string char_literal(char c) {
  if (c == '\t') return "'\\t'";
  return std::string("'") + c + "'";
}

/// "is the delimiter ';'? CsvOptions::delimiter is ','; set CsvOptions().delimiter(';')"
inline std::string delimiter_advice(char found, char delimiter) {
  const std::string literal = char_literal(found);
  return "is the delimiter " + literal + "? CsvOptions::delimiter is " + char_literal(delimiter) +
         "; set CsvOptions().delimiter(" + literal + ")";
}

/// A record of one field that holds another likely delimiter (a file separated by ';' or tabs
/// read with ','): throws a FormatError saying which delimiter to set. Such a file would fail
/// anyway (one column leaves no features), only later and with a message about the label.
inline void check_single_field(const Reader& reader, const Field& field) {
  if (field.quoted) return;  // a quoted field may hold any character
  const auto [found, count] = likely_delimiter(field.text, reader.delimiter());
  if (count == 0) return;
  reader.fail(field.line, 0, "", field.offset,
              "1 field, but it contains " + char_literal(found) + " " +
                  (count == 1 ? std::string("once") : std::to_string(count) + " times") + ": " +
                  delimiter_advice(found, reader.delimiter()));
}

/// What a cell that is not a number suggests: a decimal comma ("1,5" in a file separated by
/// ';'), or another delimiter ("5;2" in a file read with ','); empty otherwise.
inline std::string not_a_number_hint(const Reader& reader, const Field& field) {
  if (field.quoted) return std::string();
  const char found = likely_delimiter(field.text, reader.delimiter()).first;
  if (found == '\0') return std::string();
  if (found == ',') {
    std::string point = field.text;
    std::replace(point.begin(), point.end(), ',', '.');
    bool out_of_range = false;
    if (parse_number(point, out_of_range)) {
      return "; numbers need a decimal point (" + point + "), not a decimal comma";
    }
  }
  return "; it contains " + char_literal(found) + ": " +
         delimiter_advice(found, reader.delimiter());
}

/// The cell's number; `hint` is added to the message when the cell is not a number.
template <class Scalar>
Scalar cell_value(const Reader& reader, const Field& field, std::size_t column,
                  const std::vector<std::string>& names, const std::string& hint = std::string()) {
  const auto fail = [&](const std::string& text) {
    reader.fail(field.line, static_cast<Index>(column) + 1, name_of(names, column), field.offset,
                text);
  };
  if (field.text.empty()) {
    fail(field.quoted ? "an empty quoted cell (\"\"); every cell must hold a number"
                      : "an empty cell; every cell must hold a number (a missing value?)");
  }
  bool out_of_range = false;
  const std::optional<double> value = parse_number(field.text, out_of_range);
  if (out_of_range) fail(io::quote(field.text) + " is beyond the range of double");
  if (!value) {
    fail(io::quote(field.text) + " is not a number" + not_a_number_hint(reader, field) + hint);
  }
  if (!std::isfinite(*value)) {
    fail(io::quote(field.text) + " is not a finite number; inputs and labels must be finite");
  }
  const auto result = static_cast<Scalar>(*value);
  if (!std::isfinite(result)) fail(io::quote(field.text) + " is beyond the range of float");
  return result;
}

/// "\"a\", \"b\", ..." : up to 20 names, quoted, for messages.
inline std::string name_list(const std::vector<std::string>& names) {
  std::string list;
  for (std::size_t c = 0; c < names.size() && c < 20; ++c)
    list += (c > 0 ? ", " : "") + io::quote(names[c]);
  if (names.size() > 20) list += ", ...";
  return list;
}

/// Throws ConfigError for class names that cannot be classes: an empty one, or one twice.
inline void check_class_names(const std::vector<std::string>& names) {
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (names[k].empty()) {
      throw ConfigError("CsvOptions::class_names: name " + std::to_string(k) +
                        " is empty; a class name has at least one character");
    }
    for (std::size_t i = 0; i < k; ++i) {
      if (names[i] == names[k]) {
        throw ConfigError("CsvOptions::class_names: names " + std::to_string(i) + " and " +
                          std::to_string(k) + " are both " + io::quote(names[k]) +
                          "; each class has one name");
      }
    }
  }
}

/// The label column while the rows are read: numbers at once, or names kept until the end
/// (their order needs every name; with Detect, whether they are names needs every cell).
template <class Scalar>
class LabelColumn {
 public:
  LabelColumn(const Reader& reader, const CsvOptions& options, std::size_t column,
              const std::vector<std::string>& names)
      : m_reader(reader),
        m_column(column),
        m_names(names),
        m_given(options.class_names()),
        m_type(m_given.empty() ? options.label_type() : CsvLabels::Names) {
    for (std::size_t k = 0; k < m_given.size(); ++k)
      m_index.emplace(m_given[k], static_cast<Index>(k));
  }

  void add(const Field& field) {
    if (m_type == CsvLabels::Detect) {
      // The first label decides between numbers and candidate names.
      m_type = is_number(field) || field.text.empty() ? CsvLabels::Numbers : CsvLabels::Names;
      m_detected = true;
    }
    if (m_type == CsvLabels::Numbers) {
      m_values.push_back(cell_value<Scalar>(
          m_reader, field, m_column, m_names,
          m_detected ? "; the label column holds numbers from its first row on, so every label "
                       "must be one (CsvOptions().label_type(CsvLabels::Names) reads them as "
                       "class names)"
                     : ""));
      return;
    }
    if (field.text.empty()) {
      fail(field, field.quoted ? "an empty quoted label (\"\"); every label must be a class name"
                               : "an empty label; every label must be a class name (a missing "
                                 "value?)");
    }
    if (!m_given.empty()) {
      const auto found = m_index.find(field.text);
      if (found == m_index.end()) {
        fail(field, io::quote(field.text) + " is not one of the " + std::to_string(m_given.size()) +
                        " class names of CsvOptions::class_names (" + name_list(m_given) + ")");
      }
      m_values.push_back(static_cast<Scalar>(found->second));
      return;
    }
    m_fields.push_back(field);
  }

  /// The labels, 1 x m, and the class names (empty for numbers).
  void finish(Matrix<Scalar>& labels, std::vector<std::string>& class_names) {
    if (m_type == CsvLabels::Names && m_given.empty()) {
      std::map<std::string, Index> index;
      for (const Field& field : m_fields)
        index.emplace(field.text, 0);
      if (m_detected) check_detected(index.size());
      for (auto& [name, k] : index) {
        k = static_cast<Index>(class_names.size());
        class_names.push_back(name);
      }
      for (const Field& field : m_fields)
        m_values.push_back(static_cast<Scalar>(index[field.text]));
    } else if (!m_given.empty()) {
      class_names = m_given;
    }
    labels =
        Eigen::Map<const Matrix<Scalar>>(m_values.data(), 1, static_cast<Index>(m_values.size()));
  }

 private:
  [[noreturn]] void fail(const Field& field, const std::string& text) const {
    m_reader.fail(field.line, static_cast<Index>(m_column) + 1, name_of(m_names, m_column),
                  field.offset, text);
  }

  // Detected names: none may be a number, and one name alone is more likely a mistake (a
  // typo in a column of numbers) than a data set of one class. Either is the error of the
  // first label, as a column of numbers would give it.
  void check_detected(std::size_t distinct) const {
    const Field* number = nullptr;
    for (const Field& field : m_fields) {
      if (is_number(field)) {
        number = &field;
        break;
      }
    }
    if (number == nullptr && distinct >= 2) return;
    std::string hint;
    if (number != nullptr) {
      hint = "; the label column mixes names and numbers (line " + std::to_string(number->line) +
             " holds " + io::quote(number->text) +
             "): CsvOptions().label_type(CsvLabels::Names) reads every label as a class name";
    } else if (m_fields.size() > 1) {
      hint = "; every label is " + io::quote(m_fields.front().text) +
             ": CsvOptions().label_type(CsvLabels::Names) reads it as the name of one class";
    }
    cell_value<Scalar>(m_reader, m_fields.front(), m_column, m_names, hint);
    DEEPNET_ASSERT(false, "LabelColumn: a name read as a number");
  }

  const Reader& m_reader;
  std::size_t m_column;
  const std::vector<std::string>& m_names;
  const std::vector<std::string>& m_given;
  CsvLabels m_type;
  bool m_detected = false;
  std::map<std::string, Index> m_index;  // of the given names
  std::vector<Scalar> m_values;
  std::vector<Field> m_fields;  // names, until finish
};

template <class Scalar>
CsvData<Scalar> read(Reader& reader, const CsvOptions& options) {
  check_class_names(options.class_names());
  std::vector<Field> fields;
  if (!reader.next(fields)) {
    throw FormatError(reader.name() + ": the file is empty: no header and no rows", reader.name(),
                      0);
  }
  const std::int64_t first_line = fields.front().line;
  const std::uint64_t first_offset = fields.front().offset;
  const std::size_t columns = fields.size();
  if (columns == 1) check_single_field(reader, fields.front());
  const CsvLabels label_type =
      options.class_names().empty() ? options.label_type() : CsvLabels::Names;

  // The label column by position: known before the header, which may depend on it.
  const auto label_by_position = [&] {
    const Index wanted = options.label_column();
    const Index resolved = wanted < 0 ? wanted + static_cast<Index>(columns) : wanted;
    if (resolved < 0 || resolved >= static_cast<Index>(columns)) {
      reader.fail(first_line, 0, "", first_offset,
                  "label_column " + std::to_string(wanted) + " does not exist: the rows have " +
                      std::to_string(columns) +
                      " columns (label_column counts from 0; a negative one from the end, -1 "
                      "being the last)");
    }
    return static_cast<std::size_t>(resolved);
  };
  const bool by_name = !options.label_name().empty();
  std::size_t label = by_name ? 0 : label_by_position();

  // The header. A first row whose only text is the label ("5.1,3.5,setosa") is data when the
  // labels are names; with Detect, the second row tells: a number in its label column makes
  // the first row a header, as a name makes it data.
  bool header = options.header() == CsvHeader::Present;
  std::vector<Field> second;  // read ahead to decide, and then the next row
  bool have_second = false;
  if (options.header() == CsvHeader::Detect) {
    bool text = false, label_text = false;
    for (std::size_t c = 0; c < columns; ++c) {
      if (fields[c].text.empty() || is_number(fields[c])) continue;
      (!by_name && c == label ? label_text : text) = true;
    }
    if (text || (label_text && label_type == CsvLabels::Numbers)) {
      header = true;
    } else if (label_text && label_type == CsvLabels::Detect) {
      have_second = reader.next(second);
      header = !have_second || (label < second.size() && is_number(second[label]));
    }
  }
  std::vector<std::string> names;
  if (header) {
    for (Field& field : fields)
      names.push_back(std::move(field.text));
  }

  if (by_name) {
    const std::string& wanted = options.label_name();
    if (!header) {
      reader.fail(first_line, 0, "", first_offset,
                  "no column can be named " + io::quote(wanted) +
                      ": the file has no header row (its first row holds numbers; say "
                      "CsvOptions::header(CsvHeader::Present) if it is a header)");
    }
    std::vector<std::size_t> found;
    for (std::size_t c = 0; c < columns; ++c) {
      if (names[c] == wanted) found.push_back(c);
    }
    if (found.empty()) {
      throw FormatError(reader.name() + ": line " + std::to_string(first_line) +
                            ": no column is named " + io::quote(wanted) +
                            " (CsvOptions::label_name); the header names " + name_list(names),
                        reader.name(), static_cast<std::int64_t>(first_offset), wanted);
    }
    if (found.size() > 1) {
      throw FormatError(reader.name() + ": line " + std::to_string(first_line) + ": columns " +
                            std::to_string(found[0] + 1) + " and " + std::to_string(found[1] + 1) +
                            " are both named " + io::quote(wanted) +
                            "; choose one with CsvOptions::label_column",
                        reader.name(), static_cast<std::int64_t>(first_offset), wanted);
    }
    label = found.front();
  }
  if (columns < 2) {
    reader.fail(first_line, 0, "", first_offset,
                "the rows have one column only, the label: there are no features");
  }

  CsvData<Scalar> result;
  if (header) {
    result.label_name = names[label];
    for (std::size_t c = 0; c < columns; ++c) {
      if (c != label) result.feature_names.push_back(names[c]);
    }
  }

  // The data rows: each one example, so each one column of X.
  std::vector<Scalar> features;
  LabelColumn<Scalar> labels(reader, options, label, names);
  std::int64_t shape_line = first_line;
  bool have_row = !header;
  if (header) {
    if (have_second) {
      fields = std::move(second);
      have_second = false;
    } else if (!reader.next(fields)) {
      throw FormatError(reader.name() + ": line " + std::to_string(first_line) +
                            " is a header and no data rows follow",
                        reader.name(), static_cast<std::int64_t>(first_offset));
    }
    have_row = true;
  }
  while (have_row) {
    if (fields.size() != columns) {
      const std::string expected =
          header ? "the header's " + std::to_string(columns)
                 : std::to_string(columns) + " (as line " + std::to_string(shape_line) + ")";
      reader.fail(fields.front().line, 0, "", fields.front().offset,
                  std::to_string(fields.size()) + (fields.size() == 1 ? " field" : " fields") +
                      ", expected " + expected);
    }
    for (std::size_t c = 0; c < columns; ++c) {
      if (c == label) {
        labels.add(fields[c]);
      } else {
        features.push_back(cell_value<Scalar>(reader, fields[c], c, names));
      }
    }
    if (have_second) {
      fields = std::move(second);
      have_second = false;
      have_row = true;
    } else {
      have_row = reader.next(fields);
    }
  }

  labels.finish(result.labels, result.class_names);
  const auto m = result.labels.cols();
  const auto n = static_cast<Index>(columns - 1);
  result.X = Eigen::Map<const Matrix<Scalar>>(features.data(), n, m);
  return result;
}

}  // namespace csv
}  // namespace detail

/// Reads CSV text from a stream (see the file's description); `name` is what the messages call
/// it (a file name, "stdin", ...). The stream's text is limited by options.limits().
/// \throws FormatError as load_csv
template <class Scalar = double>
CsvData<Scalar> read_csv(std::istream& in, const std::string& name,
                         const CsvOptions& options = CsvOptions()) {
  static_assert(detail::is_supported_scalar<Scalar>, "Scalar must be float or double");
  detail::csv::Reader reader(in, name, options.delimiter(), options.limits().max_bytes());
  return detail::csv::read<Scalar>(reader, options);
}

// load_csv reads files through detail/file_input.hpp, whose code differs with and without zlib:
// an inline namespace of each variant's own, as in io/idx.hpp.
#if DEEPNET_IO_GZIP
inline namespace csv_gzip {
#else
inline namespace csv_plain {
#endif

/// True when this build's load_csv reads gzip-compressed files (DEEPNET_HAVE_ZLIB=1, from the
/// CMake target deepnet::io).
inline constexpr bool csv_reads_gzip = DEEPNET_IO_GZIP != 0;

/// Loads a CSV file: X (n x m, one column per data row) and labels (1 x m), with the header's
/// names when it has one. A file that starts with the gzip magic bytes 1f 8b is decompressed
/// while it is read, whatever its name, when the program links deepnet::io (zlib); the limit
/// then applies to the decompressed text, and the byte offsets count decompressed bytes.
/// \throws FormatError naming the file, the line and column, and the problem: no such file, an
///         empty file, a header without data rows, a cell that is not a finite number (quoted
///         in the message), a row with more or fewer fields than the first (ragged), a quoted
///         field that is never closed, a label_name that no column has, a label_column beyond
///         the columns, a file larger than options.limits().max_bytes(), rows of one field
///         that hold another delimiter (';', a tab: set CsvOptions::delimiter), a damaged gzip
///         stream, or a compressed file without zlib (link deepnet::io, or gunzip it); a
///         class name not among CsvOptions::class_names, an empty class name, a label column
///         that mixes names and numbers; ConfigError for class_names with an empty name or a
///         name twice
template <class Scalar = double>
CsvData<Scalar> load_csv(const std::string& path, const CsvOptions& options = CsvOptions()) {
  detail::io::FileInput input(path);
  const std::optional<std::uint64_t>& size = input.size();  // empty for a compressed file
  if (size && *size > options.limits().max_bytes()) {
    throw FormatError(path + ": the file holds " + detail::io::bytes_string(*size) +
                          ", more than " + detail::io::bytes_string(options.limits().max_bytes()) +
                          ", the limit (LoadLimits::max_bytes)",
                      path);
  }
  detail::io::FileStreambuf buffer(input);
  std::istream in(&buffer);
  in.exceptions(std::ios::badbit);  // a FormatError of the file's reader reaches the caller
  return read_csv<Scalar>(in, path, options);
}

}  // namespace csv_gzip or csv_plain

/// Settings of `write_csv`, with chained setters:
/// `CsvWriteOptions().delimiter(';').header({"x1", "x2", "label"})`.
class CsvWriteOptions {
  /// The character between fields: ',' (the default), ';', a tab, ...; not one that numbers
  /// are written with (a digit, '.', '+', '-', 'e', 'E'), a double quote, a space or a line
  /// break.
  DEEPNET_OPTION(CsvWriteOptions, char, delimiter, ',')
  /// The names of the file's columns, one per row of the matrix, written as a header row
  /// (quoted when a name holds the delimiter, a quote, a line break, or starts or ends with a
  /// space); empty (the default): no header.
  DEEPNET_OPTION(CsvWriteOptions, std::vector<std::string>, header, std::vector<std::string>())
};

namespace detail {
namespace csv {

/// A header name as a CSV field: quoted (with quotes doubled) when it needs to be.
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

/// The text write_csv writes: checks everything first, so that nothing is written on error.
template <class Derived>
std::string csv_text(const Eigen::MatrixBase<Derived>& M, const CsvWriteOptions& options) {
  using Value = typename Derived::Scalar;
  static_assert(std::is_arithmetic<Value>::value, "write_csv writes matrices of numbers");
  const char delimiter = options.delimiter();
  if (std::string("0123456789.+-eE\" \r\n").find(delimiter) != std::string::npos ||
      delimiter == '\0') {
    throw ConfigError("write_csv: the delimiter " + char_literal(delimiter) +
                      " cannot separate numbers (it is part of one, a quote, a space or a line "
                      "break); use ',', ';', '\\t' or '|'");
  }
  const std::vector<std::string>& header = options.header();
  if (M.rows() == 0) {
    throw std::invalid_argument(
        "write_csv: the matrix has no rows (n = 0): the file would have no columns");
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
  // std::to_chars without a precision: the shortest text that reads back as the same value
  // (at most max_digits10 significant digits), in the C locale whatever the program's.
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

/// Writes a matrix as CSV text: column j of M (example j, in the notes' n x m layout) becomes
/// row j of the text and row i of M its column i, the layout `load_csv` reads, so that a file
/// written from X stacked on its labels (`Matrix table(n + 1, m); table << X, labels;`) loads
/// back as the same X and labels, bit for bit. Numbers are written in the shortest form that
/// reads back as the same value (std::to_chars: "0.1", "-3", "1e-300"; at most max_digits10
/// significant digits), whatever the program's locale; lines end with LF.
/// \param M n x m, of float, double or an integer type
/// \throws ConfigError for a delimiter that cannot separate numbers, a header whose number of
///         names is not n; std::invalid_argument for n = 0; DataError naming the first entry
///         that is NaN or infinite (load_csv could not read it); std::system_error when the
///         stream fails. Nothing is written when an argument is refused.
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

/// Writes M to the file `path` as above, atomically (detail/atomic_file.hpp): the file is
/// either its old contents or the complete new text, never a part.
/// \throws as above; std::system_error naming the path and the operating system's reason
///         when the file cannot be written (`write_csv: cannot save out/x.csv: cannot create the
///         temporary file ...: No such file or directory`)
template <class Derived>
void write_csv(const std::string& path, const Eigen::MatrixBase<Derived>& M,
               const CsvWriteOptions& options = CsvWriteOptions()) {
  detail::write_file_atomically(path, detail::csv::csv_text(M, options), "write_csv");
}

}  // namespace deepnet

#endif  // DEEPNET_IO_CSV_HPP
