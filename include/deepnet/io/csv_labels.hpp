/// \file io/csv_labels.hpp
/// The label column of the CSV reader (io/csv.hpp): numbers, or class names
/// that become class indices 0..K-1 in sorted order (or in the order of
/// CsvOptions::class_names), with the checks of the names and the messages of a
/// label that is neither (`LabelColumn`).
#ifndef DEEPNET_IO_CSV_LABELS_HPP
#define DEEPNET_IO_CSV_LABELS_HPP

#include "../config.hpp"
#include "../errors.hpp"
#include "common.hpp"
#include "csv_options.hpp"
#include "csv_tokenizer.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace deepnet {
namespace detail {
namespace csv {

/// "\"a\", \"b\", ..." : up to 20 names, quoted, for messages.
inline std::string name_list(const std::vector<std::string>& names) {
  std::string list;
  for (std::size_t c = 0; c < names.size() && c < 20; ++c)
    list += (c > 0 ? ", " : "") + io::quote(names[c]);
  if (names.size() > 20) list += ", ...";
  return list;
}

/// Throws ConfigError for class names that cannot be classes: an empty one, or
/// one twice.
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

/// The label column while the rows are read: every label is checked, and those of the rows
/// kept become values: numbers at once, or names kept until the end (their order needs every
/// name of the file, kept or not; with Detect, whether they are names needs every cell).
template <class Scalar>
class LabelColumn {
 public:
  /// \param known the class names of a first pass over the same text (for a shard), used as
  ///              CsvOptions::class_names would be; nullptr: none
  LabelColumn(const Reader& reader, const CsvOptions& options, std::size_t column,
              const std::vector<std::string>& names,
              const std::vector<std::string>* known = nullptr)
      : m_reader(reader),
        m_column(column),
        m_names(names),
        m_given(known != nullptr ? *known : options.class_names()),
        m_type(m_given.empty() ? options.label_type() : CsvLabels::Names) {
    for (std::size_t k = 0; k < m_given.size(); ++k)
      m_index.emplace(m_given[k], static_cast<Index>(k));
  }

  /// Checks the label of a row, and keeps it when `keep`.
  void add(const Field& field, bool keep) {
    if (m_type == CsvLabels::Detect) {
      // The first label decides between numbers and candidate names.
      m_type = is_number(field) || field.text.empty() ? CsvLabels::Numbers : CsvLabels::Names;
      m_detected = true;
    }
    if (m_type == CsvLabels::Numbers) {
      const Scalar value =
          cell_value<Scalar>(m_reader, field, m_column, m_names,
                             m_detected ? "; the label column holds numbers from its first row "
                                          "on, so every label "
                                          "must be one (CsvOptions().label_type(CsvLabels::Names) "
                                          "reads them as "
                                          "class names)"
                                        : "");
      if (keep) m_values.push_back(value);
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
      if (keep) m_values.push_back(static_cast<Scalar>(found->second));
      return;
    }
    // What check_detected needs of the whole column, and the names of the rows kept.
    if (m_labels == 0) m_first = field;
    if (m_detected && !m_first_number && is_number(field)) m_first_number = field;
    ++m_labels;
    m_found.emplace(field.text, 0);
    if (keep) m_kept.push_back(field.text);
  }

  /// The labels of the rows kept, 1 x m, and the class names (empty for numbers): every name
  /// of the column, sorted, whether its rows were kept or not.
  void finish(Matrix<Scalar>& labels, std::vector<std::string>& class_names) {
    if (m_type == CsvLabels::Names && m_given.empty()) {
      if (m_detected) check_detected(m_found.size());
      for (auto& [name, k] : m_found) {
        k = static_cast<Index>(class_names.size());
        class_names.push_back(name);
      }
      for (const std::string& name : m_kept)
        m_values.push_back(static_cast<Scalar>(m_found.find(name)->second));
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

  // Detected names: none may be a number, and one name alone is more likely a
  // mistake (a typo in a column of numbers) than a data set of one class.
  // Either is the error of the first label, as a column of numbers would give
  // it.
  void check_detected(std::size_t distinct) const {
    if (!m_first_number && distinct >= 2) return;
    std::string hint;
    if (m_first_number) {
      hint = "; the label column mixes names and numbers (line " +
             std::to_string(m_first_number->line) + " holds " + io::quote(m_first_number->text) +
             "): CsvOptions().label_type(CsvLabels::Names) reads every label "
             "as a class name";
    } else if (m_labels > 1) {
      hint = "; every label is " + io::quote(m_first->text) +
             ": CsvOptions().label_type(CsvLabels::Names) reads it as the name "
             "of one class";
    }
    cell_value<Scalar>(m_reader, *m_first, m_column, m_names, hint);
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
  // Names found in the file (no names given), until finish:
  std::map<std::string, Index> m_found;  // every name of the column, then its class
  std::vector<std::string> m_kept;       // the names of the rows kept
  std::size_t m_labels = 0;              // the labels of the column
  std::optional<Field> m_first;          // the first label
  std::optional<Field> m_first_number;   // the first label that is a number (Detect)
};

}  // namespace csv
}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_CSV_LABELS_HPP
