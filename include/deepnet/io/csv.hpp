/// \file io/csv.hpp
/// Loads a table of numbers from a CSV file into the layout of the notes: each
/// row of the file is one example, so it becomes one column of X; one column of
/// the file holds the labels and every other column is a feature.
///
/// \code
///   // sepal_length,sepal_width,petal_length,petal_width,class
///   deepnet::CsvOptions options;
///   options.label_name("class");                  // or label_column(-1): the
///   last column const auto data = deepnet::load_csv<double>("iris.csv",
///   options);
///   // data.X: 4 x 150, data.labels: 1 x 150, data.feature_names:
///   {"sepal_length", ...}
/// \endcode
///
/// The label column may hold class names instead of numbers
/// (`setosa,versicolor,...`): they become class indices 0..K-1 in sorted order,
/// and CsvData::class_names keeps the names (CsvOptions::label_type,
/// CsvOptions::class_names).
///
/// What is read: fields separated by a delimiter (',' by default); an optional
/// header row of names (detected, or said by CsvOptions::header); fields in
/// double quotes, which may hold the delimiter, line breaks and doubled quotes
/// (""); spaces and tabs around a field; LF or CRLF line ends; a UTF-8 byte
/// order mark. Blank lines are skipped. Every other cell must be a finite
/// number (but a class name in the label column), written as C++ reads one
/// (std::from_chars: 3, -0.5, 1e-3; a leading + is accepted; no thousands
/// separators, decimal point only). The delimiter is not guessed, but a first
/// row of one field that holds another likely delimiter (';', a tab, '|', ',')
/// is a FormatError naming it and CsvOptions::delimiter.
///
/// load_csv reads a gzip-compressed file (it starts with the bytes 1f 8b,
/// whatever its name) as it reads a plain one when the program links the CMake
/// target `deepnet::io` (zlib; see io/idx.hpp); without it, such a file is a
/// FormatError that says so.
///
/// Every problem is a FormatError (errors.hpp) naming the file, the line and
/// the column (both counted from 1, as editors show them) and the cell:
/// `iris.csv: line 7, column 2 (sepal_width): "abc" is not a number`.
/// FormatError::offset() is the byte where the cell (or the line) starts, and
/// FormatError::field() the column's name (or "column 2").
///
/// CsvOptions::rows keeps only some data rows: a block `ItemRange{first,
/// count}`, or a process's part of a data-parallel run,
/// `ItemRange::shard(rank, size)`. The whole file is still read and checked
/// (the same error, and the same class names, on every process), but only the
/// range's rows are kept in memory.
///
/// `write_csv` writes a matrix the other way round: each column of the matrix
/// (an example) is a row of the file, each row of the matrix (a feature) a
/// column, so that load_csv reads back the same values, bit for bit (see
/// write_csv).
///
/// The reader is in parts: io/csv_options.hpp (CsvOptions, CsvData),
/// io/csv_tokenizer.hpp (fields and numbers), io/csv_labels.hpp (the label
/// column and class names), this file (the table: header, columns, X); the
/// writer is io/csv_write.hpp.

#ifndef DEEPNET_IO_CSV_HPP
#define DEEPNET_IO_CSV_HPP

#include "../config.hpp"
#include "../detail/file_input.hpp"
#include "../errors.hpp"
#include "common.hpp"
#include "csv_labels.hpp"
#include "csv_options.hpp"
#include "csv_tokenizer.hpp"
#include "csv_write.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace deepnet {
namespace detail {
namespace csv {

/// Which data rows `read` keeps, and what a first pass over the whole text found.
struct RowPlan {
  std::uint64_t first = 0;  ///< the data rows [first, end) are kept
  std::uint64_t end = std::numeric_limits<std::uint64_t>::max();
  /// Stop after data row end - 1: a first pass has checked the whole text.
  bool stop = false;
  /// That first pass's class names (nullptr: none, or the labels are numbers).
  const std::vector<std::string>* class_names = nullptr;
};

/// Reads the table, checking every row, and keeps the data rows of `plan`; `rows` is set to the
/// number of data rows read (all of them unless plan.stop).
template <class Scalar>
CsvData<Scalar> read(Reader& reader, const CsvOptions& options, const RowPlan& plan,
                     std::uint64_t& rows) {
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

  // The label column by position: known before the header, which may depend on
  // it.
  const auto label_by_position = [&] {
    const Index wanted = options.label_column();
    const Index resolved = wanted < 0 ? wanted + static_cast<Index>(columns) : wanted;
    if (resolved < 0 || resolved >= static_cast<Index>(columns)) {
      reader.fail(first_line, 0, "", first_offset,
                  "label_column " + std::to_string(wanted) + " does not exist: the rows have " +
                      std::to_string(columns) +
                      " columns (label_column counts from 0; a negative one "
                      "from the end, -1 "
                      "being the last)");
    }
    return static_cast<std::size_t>(resolved);
  };
  const bool by_name = !options.label_name().empty();
  std::size_t label = by_name ? 0 : label_by_position();

  // The header. A first row whose only text is the label ("5.1,3.5,setosa") is
  // data when the labels are names; with Detect, the second row tells: a number
  // in its label column makes the first row a header, as a name makes it data.
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

  // The data rows: each one example, so each one column of X (those of the plan).
  std::vector<Scalar> features;
  LabelColumn<Scalar> labels(reader, options, label, names, plan.class_names);
  std::int64_t shape_line = first_line;
  bool have_row = !header;
  rows = 0;
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
    const bool keep = rows >= plan.first && rows < plan.end;
    for (std::size_t c = 0; c < columns; ++c) {
      if (c == label) {
        labels.add(fields[c], keep);
      } else {
        const Scalar value = cell_value<Scalar>(reader, fields[c], c, names);
        if (keep) features.push_back(value);
      }
    }
    ++rows;
    if (plan.stop && rows >= plan.end) break;
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
  result.first_row = static_cast<Index>(std::min(plan.first, rows));
  return result;
}

/// Reads the table with the rows of options.rows(). `read_text(f)` calls `f(reader)` with a
/// Reader over the text from its start, and returns what f returns. Every row or a block is
/// one pass over the text, the rows outside the range checked and dropped. A shard needs the
/// number of rows first: a pass checks the whole text and counts its rows (keeping none), then,
/// unless the shard is empty, read_text is called again for a pass that keeps the shard's rows
/// and stops after its last, with the first pass's class names.
/// \throws ConfigError naming `function`, `name`, the range and the number of data rows when
///         the range does not fit; FormatError for the text
template <class Scalar, class ReadText>
CsvData<Scalar> read_rows(const std::string& name, const std::string& function,
                          const CsvOptions& options, ReadText&& read_text) {
  const ItemRange& range = options.rows();
  const std::string unit = "data rows";
  std::uint64_t rows = 0;
  RowPlan plan;
  if (!range.is_shard()) {
    if (range.first >= 0 && range.count >= -1) {
      plan.first = static_cast<std::uint64_t>(range.first);
      if (range.count >= 0) plan.end = plan.first + static_cast<std::uint64_t>(range.count);
    } else {
      plan.end = 0;  // none: resolve refuses the range
    }
    CsvData<Scalar> data =
        read_text([&](Reader& reader) { return read<Scalar>(reader, options, plan, rows); });
    range.resolve(static_cast<Index>(rows), name, function, unit);
    return data;
  }
  plan.end = 0;
  CsvData<Scalar> whole =
      read_text([&](Reader& reader) { return read<Scalar>(reader, options, plan, rows); });
  const ItemRange part = range.resolve(static_cast<Index>(rows), name, function, unit);
  if (part.count == 0) {
    whole.first_row = part.first;
    return whole;
  }
  plan.first = static_cast<std::uint64_t>(part.first);
  plan.end = plan.first + static_cast<std::uint64_t>(part.count);
  plan.stop = true;
  if (!whole.class_names.empty()) plan.class_names = &whole.class_names;
  std::uint64_t again = 0;
  CsvData<Scalar> data =
      read_text([&](Reader& reader) { return read<Scalar>(reader, options, plan, again); });
  if (data.X.cols() != part.count) {
    throw FormatError(name + ": the text changed while " + function +
                          " read it: a first pass counted " + std::to_string(rows) +
                          " data rows, the second found " + std::to_string(again),
                      name);
  }
  return data;
}

}  // namespace csv
}  // namespace detail

/// Reads CSV text from a stream (see the file's description); `name` is what
/// the messages call it (a file name, "stdin", ...). The stream's text is
/// limited by options.limits(). With a shard in CsvOptions::rows, the text is
/// read twice: the stream must be able to seek back to where it was (a file or
/// a string stream; not std::cin).
/// \throws FormatError as load_csv; ConfigError for a shard of a stream that
///         cannot seek
template <class Scalar = double>
CsvData<Scalar> read_csv(std::istream& in, const std::string& name,
                         const CsvOptions& options = CsvOptions()) {
  static_assert(detail::is_supported_scalar<Scalar>, "Scalar must be float or double");
  const std::istream::pos_type start =
      options.rows().is_shard() ? in.tellg() : std::istream::pos_type(-1);
  if (options.rows().is_shard() && start == std::istream::pos_type(-1)) {
    throw ConfigError("read_csv: " + name + ": " + options.rows().to_string() +
                      " needs the number of data rows before it keeps one, so the text is read "
                      "twice, but this stream cannot seek back to its start; load the file with "
                      "load_csv(path), or give CsvOptions::rows a block ItemRange{first, count}");
  }
  bool again = false;
  return detail::csv::read_rows<Scalar>(name, "read_csv", options, [&](auto&& parse) {
    if (again) {
      in.clear();
      if (!in.seekg(start)) {
        throw FormatError(name + ": cannot seek back to the start of the text", name);
      }
    }
    again = true;
    detail::csv::Reader reader(in, name, options.delimiter(), options.limits().max_bytes());
    return parse(reader);
  });
}

// load_csv reads files through detail/file_input.hpp, whose code differs with
// and without zlib: an inline namespace of each variant's own, as in
// io/idx.hpp.
#if DEEPNET_IO_GZIP
inline namespace csv_gzip {
#else
inline namespace csv_plain {
#endif

/// True when this build's load_csv reads gzip-compressed files
/// (DEEPNET_HAVE_ZLIB=1, from the CMake target deepnet::io).
inline constexpr bool csv_reads_gzip = DEEPNET_IO_GZIP != 0;

/// Loads a CSV file: X (n x m, one column per data row) and labels (1 x m),
/// with the header's names when it has one. A file that starts with the gzip
/// magic bytes 1f 8b is decompressed while it is read, whatever its name, when
/// the program links deepnet::io (zlib); the limit then applies to the
/// decompressed text, and the byte offsets count decompressed bytes. \throws
/// FormatError naming the file, the line and column, and the problem: no such
/// file, an
///         empty file, a header without data rows, a cell that is not a finite
///         number (quoted in the message), a row with more or fewer fields than
///         the first (ragged), a quoted field that is never closed, a
///         label_name that no column has, a label_column beyond the columns, a
///         file larger than options.limits().max_bytes(), rows of one field
///         that hold another delimiter (';', a tab: set CsvOptions::delimiter),
///         a damaged gzip stream, or a compressed file without zlib (link
///         deepnet::io, or gunzip it); a class name not among
///         CsvOptions::class_names, an empty class name, a label column that
///         mixes names and numbers; ConfigError for class_names with an empty
///         name or a name twice
template <class Scalar = double>
CsvData<Scalar> load_csv(const std::string& path, const CsvOptions& options = CsvOptions()) {
  static_assert(detail::is_supported_scalar<Scalar>, "Scalar must be float or double");
  // Opened once per pass: twice for a shard (see CsvOptions::rows).
  return detail::csv::read_rows<Scalar>(path, "load_csv", options, [&](auto&& parse) {
    detail::io::FileInput input(path);
    const std::optional<std::uint64_t>& size = input.size();  // empty for a compressed file
    if (size && *size > options.limits().max_bytes()) {
      throw FormatError(path + ": the file holds " + detail::io::bytes_string(*size) +
                            ", more than " +
                            detail::io::bytes_string(options.limits().max_bytes()) +
                            ", the limit (LoadLimits::max_bytes)",
                        path);
    }
    detail::io::FileStreambuf buffer(input);
    std::istream in(&buffer);
    in.exceptions(std::ios::badbit);  // a FormatError of the file's reader reaches the caller
    detail::csv::Reader reader(in, path, options.delimiter(), options.limits().max_bytes());
    return parse(reader);
  });
}

}  // namespace csv_gzip or csv_plain

}  // namespace deepnet

#endif  // DEEPNET_IO_CSV_HPP
