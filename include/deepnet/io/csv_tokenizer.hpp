/// \file io/csv_tokenizer.hpp
/// The tokenizer of the CSV reader (io/csv.hpp): CSV text split into records of
/// fields, with quotes, line ends, a byte order mark and the size limit
/// handled, each field knowing its line and byte (`Reader`); and a cell as a
/// number (`parse_number`, `cell_value`), with the messages that say why a cell
/// is not one (a decimal comma, another delimiter).
#ifndef DEEPNET_IO_CSV_TOKENIZER_HPP
#define DEEPNET_IO_CSV_TOKENIZER_HPP

#include "../config.hpp"
#include "../errors.hpp"
#include "common.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace deepnet {
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

  /// Throws FormatError "<name>: line <line>[, column <column>[ (<field>)]]:
  /// <text>".
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

  /// Reads the next record that is not a blank line into `fields`; false at the
  /// end of the text.
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
                   "the quoted field that starts here is never closed (the "
                   "file ends inside "
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
                   " after the closing quote of a quoted field (write a quote "
                   "inside quotes as "
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

  // The next physical line, without its line end (LF or CRLF) and, on the first
  // line, without a UTF-8 byte order mark; false at the end of the text.
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
                            "load_csv(path) decompresses a file when the program links the "
                            "CMake "
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

/// The number in `text`, or nothing when it is not one (or does not fit a
/// double).
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

/// The character other than `delimiter` that most likely separates the fields
/// of `text`: the one of ',', ';', tab and '|' that it holds most often ('\0'
/// if none), and how often.
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

/// "is the delimiter ';'? CsvOptions::delimiter is ','; set
/// CsvOptions().delimiter(';')"
inline std::string delimiter_advice(char found, char delimiter) {
  const std::string literal = char_literal(found);
  return "is the delimiter " + literal + "? CsvOptions::delimiter is " + char_literal(delimiter) +
         "; set CsvOptions().delimiter(" + literal + ")";
}

/// A record of one field that holds another likely delimiter (a file separated
/// by ';' or tabs read with ','): throws a FormatError saying which delimiter
/// to set. Such a file would fail anyway (one column leaves no features), only
/// later and with a message about the label.
inline void check_single_field(const Reader& reader, const Field& field) {
  if (field.quoted) return;  // a quoted field may hold any character
  const auto [found, count] = likely_delimiter(field.text, reader.delimiter());
  if (count == 0) return;
  reader.fail(field.line, 0, "", field.offset,
              "1 field, but it contains " + char_literal(found) + " " +
                  (count == 1 ? std::string("once") : std::to_string(count) + " times") + ": " +
                  delimiter_advice(found, reader.delimiter()));
}

/// What a cell that is not a number suggests: a decimal comma ("1,5" in a file
/// separated by
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

/// The cell's number; `hint` is added to the message when the cell is not a
/// number.
template <class Scalar>
Scalar cell_value(const Reader& reader, const Field& field, std::size_t column,
                  const std::vector<std::string>& names, const std::string& hint = std::string()) {
  const auto fail = [&](const std::string& text) {
    reader.fail(field.line, static_cast<Index>(column) + 1, name_of(names, column), field.offset,
                text);
  };
  if (field.text.empty()) {
    fail(field.quoted ? "an empty quoted cell (\"\"); every cell must hold a number"
                      : "an empty cell; every cell must hold a number (a missing "
                        "value?)");
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

}  // namespace csv
}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_CSV_TOKENIZER_HPP
