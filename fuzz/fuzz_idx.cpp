// Fuzz target for the IDX loader (io/idx.hpp): any bytes, as a file (plain, or gzip-compressed
// when they start with 1f 8b and zlib is linked), through load_idx, load_idx_images and
// load_idx_labels. Each may only succeed or throw FormatError, and what it returns must have
// the shape its header declares; the shards of load_idx_images (ItemRange::shard) must be the
// whole load's blocks, or fail with its error.
#include "fuzz_support.hpp"

#include <deepnet/deepnet.hpp>
#include <deepnet/io/idx.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <numeric>
#include <string>

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
  // The shards of 3 processes: each is its block of the whole load, or fails with its error.
  std::string whole_error;
  deepnet::Matrix<double> X;
  try {
    X = deepnet::load_idx_images<double>(path, limits);
  } catch (const deepnet::FormatError& e) {
    whole_error = e.what();
  }
  deepnet::Index first = 0;
  for (int rank = 0; rank < 3; ++rank) {
    try {
      const auto part =
          deepnet::load_idx_images<double>(path, deepnet::ItemRange::shard(rank, 3), limits);
      check(whole_error.empty(), "a shard loads from a file the whole load refuses");
      check(part.rows() == X.rows() && first + part.cols() <= X.cols(), "a shard's shape");
      check(part.size() == 0 ||
                std::memcmp(part.data(), X.col(first).data(),
                            sizeof(double) * static_cast<std::size_t>(part.size())) == 0,
            "a shard is its block of the whole load, bit for bit");
      first += part.cols();
    } catch (const deepnet::FormatError& e) {
      check(whole_error == e.what(), "a shard fails with the whole load's error");
    }
  }
  check(!whole_error.empty() || first == X.cols(), "the shards cover the file");
  expect_format_errors_only([&] {
    const auto labels = deepnet::load_idx_labels(path, limits);
    check(labels.rows() == 1, "labels are 1 x m");
  });
  return 0;
}
