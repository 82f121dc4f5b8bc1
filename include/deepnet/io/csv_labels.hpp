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

/// The label column while the rows are read: numbers at once, or names kept
/// until the end (their order needs every name; with Detect, whether they are
/// names needs every cell).
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
      m_values.push_back(
          cell_value<Scalar>(m_reader, field, m_column, m_names,
                             m_detected ? "; the label column holds numbers from its first row "
                                          "on, so every label "
                                          "must be one (CsvOptions().label_type(CsvLabels::Names) "
                                          "reads them as "
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

  // Detected names: none may be a number, and one name alone is more likely a
  // mistake (a typo in a column of numbers) than a data set of one class.
  // Either is the error of the first label, as a column of numbers would give
  // it.
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
             "): CsvOptions().label_type(CsvLabels::Names) reads every label "
             "as a class name";
    } else if (m_fields.size() > 1) {
      hint = "; every label is " + io::quote(m_fields.front().text) +
             ": CsvOptions().label_type(CsvLabels::Names) reads it as the name "
             "of one class";
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

}  // namespace csv
}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_CSV_LABELS_HPP
