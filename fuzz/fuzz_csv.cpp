// Fuzz target for the CSV reader (io/csv.hpp). The first byte chooses the options (delimiter,
// header mode or class names, label column), the rest is the text. The reader may only succeed or
// throw FormatError; what it returns must be consistent, and the shards of 3 processes
// (CsvOptions::rows) must be its blocks, or fail with its error.
#include "fuzz_support.hpp"

#include <deepnet/deepnet.hpp>
#include <deepnet/io/csv.hpp>

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>

namespace {

using deepnet_fuzz::check;

template <class Scalar>
bool same_bits(const deepnet::Matrix<Scalar>& a, const deepnet::Matrix<Scalar>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(),
                                       sizeof(Scalar) * static_cast<std::size_t>(a.size())) == 0);
}

// The shards of 3 processes (CsvOptions::rows): each is its block of the whole read `whole`,
// or fails with its error `whole_error`.
template <class Scalar>
void read_shards(const std::string& text, const deepnet::CsvOptions& options,
                 const deepnet::CsvData<Scalar>& whole, const std::string& whole_error) {
  deepnet::Index first = 0;
  for (int rank = 0; rank < 3; ++rank) {
    std::istringstream in(text);
    try {
      const deepnet::CsvData<Scalar> part = deepnet::read_csv<Scalar>(
          in, "fuzz.csv", deepnet::CsvOptions(options).rows(deepnet::ItemRange::shard(rank, 3)));
      check(whole_error.empty(), "a shard reads text the whole read refuses");
      check(part.first_row == first && first + part.X.cols() <= whole.X.cols(), "a shard's rows");
      check(same_bits<Scalar>(part.X, whole.X.middleCols(first, part.X.cols())) &&
                same_bits<Scalar>(part.labels, whole.labels.middleCols(first, part.X.cols())),
            "a shard is its block of the whole read, bit for bit");
      check(part.class_names == whole.class_names && part.feature_names == whole.feature_names,
            "a shard has the whole read's names");
      first += part.X.cols();
    } catch (const deepnet::FormatError& e) {
      check(whole_error == e.what(), "a shard fails with the whole read's error");
    }
  }
  check(!whole_error.empty() || first == whole.X.cols(), "the shards cover the rows");
}

template <class Scalar>
void read(const std::string& text, const deepnet::CsvOptions& options) {
  std::istringstream in(text);
  deepnet::CsvData<Scalar> whole;
  std::string whole_error;
  try {
    const deepnet::CsvData<Scalar> data = deepnet::read_csv<Scalar>(in, "fuzz.csv", options);
    whole = data;
    check(data.labels.rows() == 1, "labels must be 1 x m");
    check(data.labels.cols() == data.X.cols(), "X and labels disagree on m");
    check(data.X.cols() > 0, "a successful read has at least one example");
    check(data.X.allFinite() && data.labels.allFinite(), "a cell is NaN or infinite");
    for (deepnet::Index j = 0; j < data.labels.cols() && !data.class_names.empty(); ++j) {
      check(data.labels(0, j) >= 0 &&
                data.labels(0, j) < static_cast<Scalar>(data.class_names.size()),
            "a named label is an index into class_names");
    }
    check(data.feature_names.empty() ||
              static_cast<deepnet::Index>(data.feature_names.size()) == data.X.rows(),
          "one feature name per row of X");
  } catch (const deepnet::FormatError& e) {
    whole_error = e.what();
  }
  read_shards<Scalar>(text, options, whole, whole_error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned choice = data[0];
  static const char delimiters[4] = {',', ';', '\t', ' '};
  static const deepnet::CsvHeader headers[3] = {
      deepnet::CsvHeader::Detect, deepnet::CsvHeader::Present, deepnet::CsvHeader::Absent};
  deepnet::CsvOptions options;
  options.delimiter(delimiters[choice & 3]);
  options.header(headers[((choice >> 2) & 3) % 3]);
  if (((choice >> 2) & 3) == 3) options.label_type(deepnet::CsvLabels::Names);
  options.label_column(static_cast<deepnet::Index>((choice >> 4) & 7) - 4);  // -4 .. 3
  if ((choice & 0x80) != 0) options.label_name("label");
  options.limits(deepnet::LoadLimits().max_bytes(1 << 20));
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  read<double>(text, options);
  read<float>(text, options);
  return 0;
}
