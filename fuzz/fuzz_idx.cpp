// Fuzz target for the IDX loader (io/idx.hpp): any bytes, as a file (plain, or gzip-compressed
// when they start with 1f 8b and zlib is linked), through load_idx, load_idx_images and
// load_idx_labels. Each may only succeed or throw FormatError, and what it returns must have
// the shape its header declares.
#include "fuzz_support.hpp"

#include <deepnet/deepnet.hpp>
#include <deepnet/io/idx.hpp>

#include <cstdint>
#include <functional>
#include <numeric>

namespace {

using deepnet_fuzz::check;

// 16 MiB: enough for any input the fuzzer writes, small enough that a gzip bomb stops early.
const deepnet::LoadLimits limits = deepnet::LoadLimits().max_bytes(std::uint64_t(16) << 20);

template <class Call>
void expect_format_errors_only(Call&& call) {
  try {
    call();
  } catch (const deepnet::FormatError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const deepnet_fuzz::ScratchFile scratch("deepnet-fuzz-idx");
  const std::string& path = scratch.write(data, size);

  expect_format_errors_only([&] {
    const auto file = deepnet::load_idx<float>(path, limits);
    check(!file.dims.empty(), "an IDX file has at least one dimension");
    check(file.values.cols() == file.dims[0], "one column per item");
    const deepnet::Index features =
        std::accumulate(file.dims.begin() + 1, file.dims.end(), deepnet::Index(1),
                        std::multiplies<deepnet::Index>());
    check(file.values.rows() == features, "rows = the product of the other dimensions");
  });
  expect_format_errors_only([&] {
    const auto X = deepnet::load_idx_images<double>(path, limits);
    check(X.size() >= 0, "images");
  });
  expect_format_errors_only([&] {
    const auto labels = deepnet::load_idx_labels(path, limits);
    check(labels.rows() == 1, "labels are 1 x m");
  });
  return 0;
}
