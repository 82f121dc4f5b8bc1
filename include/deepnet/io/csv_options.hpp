/// \file io/csv_options.hpp
/// What `load_csv` (io/csv.hpp) is asked and what it gives: `CsvHeader`,
/// `CsvLabels`, `CsvOptions` (delimiter, header, label column, label type,
/// class names, limits, the rows kept) and `CsvData` (X, the labels, the names).
#ifndef DEEPNET_IO_CSV_OPTIONS_HPP
#define DEEPNET_IO_CSV_OPTIONS_HPP

#include "../config.hpp"
#include "../detail/option.hpp"
#include "common.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
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
  Detect,   ///< class names when no label is a number and there are two names or
            ///< more, else numbers (decided from the column's cells; see
            ///< CsvOptions::label_type)
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
  /// The label column by position, counted from 0; a negative value counts from
  /// the end: -1 (the default) is the last column, -2 the one before. Used when
  /// label_name is empty.
  DEEPNET_OPTION(CsvOptions, Index, label_column, -1)
  /// The label column by its name in the header; when set, it wins over
  /// label_column.
  DEEPNET_OPTION(CsvOptions, std::string, label_name, std::string())
  /// How much text the file may hold (LoadLimits::max_bytes).
  DEEPNET_OPTION(CsvOptions, LoadLimits, limits, LoadLimits())
  /// Whether the label column holds numbers or class names (`setosa`,
  /// `versicolor`, ...). Detect (the default) reads names when none of the
  /// column's cells is a number and it holds two names or more; a column that
  /// mixes numbers and names is an error that says to choose. Names are mapped
  /// to class indices 0..K-1 in sorted order (byte by byte, as std::string
  /// compares), so that two files of the same data set with the same names
  /// agree; see class_names to give the order.
  DEEPNET_OPTION(CsvOptions, CsvLabels, label_type, CsvLabels::Detect)
  /// The class names in the order of their indices: name k is class k. When
  /// set, the label column is read as names and a name not in the list is an
  /// error naming its line and column: read a test file with the names of its
  /// training file, `CsvOptions().class_names(train.class_names)`. Empty (the
  /// default): the names found in the file, sorted.
  DEEPNET_OPTION(CsvOptions, std::vector<std::string>, class_names, std::vector<std::string>())
  /// The data rows kept (counted from 0, the header not counted): all of them (the default),
  /// a block `ItemRange{first, count}`, or a process's part of a data-parallel run,
  /// `ItemRange::shard(rank, size)`. The whole file is still read and checked, so a bad cell
  /// anywhere is the same error whatever the range, and a label column of class names gets the
  /// same class_names (every name of the file, sorted) on every process; only the range's rows
  /// are kept in memory. A shard's rows are known once the rows are counted, so its text is
  /// read twice: once whole, to check it and count its rows, then up to the shard's last row.
  /// A range that does not fit the data rows is a ConfigError (ItemRange::resolve).
  DEEPNET_OPTION(CsvOptions, ItemRange, rows, ItemRange())
};

/// A CSV file as `load_csv` returns it.
template <class Scalar>
struct CsvData {
  /// n x m: column j is data row j of the file (counted from 0; data row
  /// CsvOptions::rows' first + j with a range), without the label.
  Matrix<Scalar> X;
  /// 1 x m: the label column (class indices for one_hot, or regression
  /// targets). For a column of class names, the index of each example's name in
  /// class_names.
  Matrix<Scalar> labels;
  /// The header's names of the rows of X, in order; empty when the file has no
  /// header.
  std::vector<std::string> feature_names;
  /// The header's name of the label column; empty when the file has no header.
  std::string label_name;
  /// For a label column of names: the name of class k at position k (sorted, or
  /// as CsvOptions::class_names gave them), so `class_names[data.labels(0, j)]`
  /// is example j's name as the file wrote it. Empty when the labels are
  /// numbers.
  std::vector<std::string> class_names;
  /// The data row of the file that column 0 holds (counted from 0): CsvOptions::rows' first
  /// row, 0 without a range.
  Index first_row = 0;

  /// The label column as class indices, 1 x m of deepnet::Labels: the type that
  /// `DeepNet::classify`, `to_labels` and the IDX loader return, so that they
  /// compare directly (`(net.classify(X).array() ==
  /// data.class_labels().array()).count()`), and the integer labels that
  /// `DeepNet::fit` and `DeepNet::accuracy` make one-hot for a Softmax output.
  /// \throws DataError naming the column of the first label that is not a whole
  /// number, 0 or
  ///         more and below 2^31 (and its data row, first_row + j)
  Labels class_labels() const {
    Labels result(1, labels.cols());
    for (Index j = 0; j < labels.cols(); ++j) {
      const Scalar label = labels(0, j);
      // Below 2^53 (2^24 for float) every whole number is exact; an Index holds
      // it.
      if (!(label >= Scalar(0) && std::floor(label) == label &&
            label < static_cast<Scalar>(std::numeric_limits<std::int32_t>::max()))) {
        throw DataError(
            "CsvData::class_labels: labels(0, " + std::to_string(j) + ") is " +
                detail::number_string(label) +
                ", but a class label must be a whole number, 0 or more and "
                "below 2^31 (" +
                (label_name.empty() ? std::string("the label column") : "column " + label_name) +
                ", data row " + std::to_string(first_row + j) + ")",
            "labels", 0, j);
      }
      result(0, j) = static_cast<Index>(label);
    }
    return result;
  }
};

}  // namespace deepnet

#endif  // DEEPNET_IO_CSV_OPTIONS_HPP
