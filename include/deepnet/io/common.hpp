/// \file io/common.hpp
/// What the dataset loaders (io/idx.hpp, io/csv.hpp) share: the limit on how much data they
/// read (LoadLimits), which items of a file they keep (ItemRange: a block, or a process's
/// shard), and opening a file with a FormatError that names it when that fails.
#ifndef DEEPNET_IO_COMMON_HPP
#define DEEPNET_IO_COMMON_HPP

#include "../config.hpp"
#include "../detail/file_status.hpp"
#include "../detail/option.hpp"
#include "../errors.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

namespace deepnet {

/// Limits of the dataset loaders. A loader checks the sizes a file declares (the dimensions of
/// an IDX header) against the file's size before it allocates anything; where it cannot (a
/// gzip-compressed file, whose decompressed size is only known at its end; a stream), it checks
/// them against `max_bytes` and reads incrementally, so a header that lies fails when the data
/// runs out, not by allocating first.
class LoadLimits {
  /// The most bytes of data one file may hold: the decompressed data of an IDX file (after its
  /// header), the text of a CSV file. 2 GiB by default: Fashion-MNIST's training images are
  /// 47 MB. A file above it is a FormatError.
  DEEPNET_OPTION(LoadLimits, std::uint64_t, max_bytes, std::uint64_t(2) << 30)
};

/// Which items (examples) of a data set a loader keeps: `first` and `count`, or a process's shard.
/// The loaders still read and check the whole file (so that every process of a run sees the
/// same error for a damaged one), but keep only the range's items: column j of the result is
/// item first + j of the file.
/// \code
///   deepnet::ItemRange{100, 50};        // items 100..149
///   deepnet::ItemRange{100, -1};        // items 100 to the end
///   deepnet::ItemRange::shard(1, 4);    // the second quarter: process 1 of 4
/// \endcode
/// A range is checked once the loader knows how many items the file holds (resolve): one that
/// does not fit is a ConfigError naming the function, the file, the range and the item count.
struct ItemRange {
  /// The first item kept, counted from 0. Not used by a shard.
  Index first = 0;
  /// How many items are kept from `first` on; -1 (the default): every item to the end. Not
  /// used by a shard.
  Index count = -1;

  /// Every item.
  ItemRange() = default;
  /// Items [first_item, first_item + item_count); an item_count of -1 keeps every item from
  /// first_item to the end.
  ItemRange(Index first_item, Index item_count) : first(first_item), count(item_count) {}

  /// Items [items*rank/size, items*(rank+1)/size): the part of process `rank` of `size`
  /// (contiguous, sizes differ by at most one, in rank order; concatenated over ranks they give
  /// the whole file in order). A process gets no item when there are more processes than
  /// items. The item count is the file's, so the range is known once the loader has read the
  /// header (IDX) or counted the rows (CSV); rank and size are checked then, by resolve.
  static ItemRange shard(int rank, int size) {
    ItemRange range;
    range.m_shard = true;
    range.m_rank = rank;
    range.m_size = size;
    return range;
  }

  /// True for a range made by shard.
  bool is_shard() const noexcept { return m_shard; }
  /// The process of a shard (0 otherwise).
  int rank() const noexcept { return m_rank; }
  /// The number of processes of a shard (0 otherwise).
  int size() const noexcept { return m_size; }

  /// "ItemRange{3, 4}", "ItemRange::shard(1, 3)": the range as messages write it.
  std::string to_string() const {
    if (is_shard()) {
      return "ItemRange::shard(" + std::to_string(m_rank) + ", " + std::to_string(m_size) + ")";
    }
    return "ItemRange{" + std::to_string(first) + ", " + std::to_string(count) + "}";
  }

  /// The concrete items of this range in a file of `items` items: ItemRange{first, count} with
  /// 0 <= first <= first + count <= items (count 0 for an empty shard).
  /// \param file     the file, for the message
  /// \param function the function that asks, for the message
  /// \throws ConfigError naming the function, the file, the range and the item count: a first
  ///         below 0, a count below -1, first + count beyond the items (or first, for a count
  ///         of -1), a shard's size below 1 or its rank outside 0..size-1
  ItemRange resolve(Index items, const std::string& file,
                    const std::string& function = "ItemRange::resolve") const {
    return resolve(items, file, function, "items");
  }

  /// resolve, with the items called `unit` in the message ("data rows").
  ItemRange resolve(Index items, const std::string& file, const std::string& function,
                    const std::string& unit) const {
    const std::string where = function + ": " + file + ": " + to_string();
    const std::string holds = "the file holds " + std::to_string(items) + " " + unit;
    if (is_shard()) {
      if (m_size < 1) {
        throw ConfigError(where + ": size is " + std::to_string(m_size) +
                          ", but a run has at least one process (size 1 or more); " + holds);
      }
      if (m_rank < 0 || m_rank >= m_size) {
        throw ConfigError(where + ": rank is " + std::to_string(m_rank) + ", but the ranks of " +
                          std::to_string(m_size) + (m_size == 1 ? " process" : " processes") +
                          " are 0.." + std::to_string(m_size - 1) + "; " + holds);
      }
      // items * rank / size without overflow: items = q size + r.
      const auto part = [&](int k) {
        const Index q = items / m_size, r = items % m_size;
        return q * k + r * k / m_size;
      };
      const Index begin = part(m_rank);
      return ItemRange(begin, part(m_rank + 1) - begin);
    }
    if (first < 0) {
      throw ConfigError(where + ": first is " + std::to_string(first) + ", but " + unit +
                        " are counted from 0; " + holds);
    }
    if (count < -1) {
      throw ConfigError(where + ": count is " + std::to_string(count) +
                        ", but it must be 0 or more, or -1 for all from first to the end; " +
                        holds);
    }
    if (first > items) {
      throw ConfigError(where + " starts after the end: " + holds + ", so first must be at most " +
                        std::to_string(items));
    }
    if (count == -1) return ItemRange(first, items - first);
    if (count > items - first) {
      throw ConfigError(where + " asks for " + unit + " " + std::to_string(first) + ".." +
                        std::to_string(first + (count - 1)) + ", but " + holds +
                        ", so first + count must be at most " + std::to_string(items));
    }
    return ItemRange(first, count);
  }

 private:
  bool m_shard = false;
  int m_rank = 0;
  int m_size = 0;
};

namespace detail {
namespace io {

/// "12 bytes", "47040000 bytes (44.9 MiB)": sizes as messages write them.
inline std::string bytes_string(std::uint64_t bytes) {
  std::string text = std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  if (bytes >= (std::uint64_t(1) << 20)) {
    const double mib = static_cast<double>(bytes) / double(1 << 20);
    char buffer[32];
    if (mib < 1024.0) {
      std::snprintf(buffer, sizeof buffer, " (%.1f MiB)", mib);
    } else {
      std::snprintf(buffer, sizeof buffer, " (%.1f GiB)", mib / 1024.0);
    }
    text += buffer;
  }
  return text;
}

/// The text of a cell or a name in a message: in double quotes, cut after `max` characters,
/// with control characters and quotes escaped, so that the message stays on one line.
inline std::string quote(const std::string& text, std::size_t max = 40) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == max) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      static const char digits[] = "0123456789abcdef";
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

/// Opens `path` for reading in binary mode, or throws FormatError naming the file and why:
/// it does not exist, it is a directory, or the system refuses (permissions, ...).
/// \param size set to the file's size in bytes when it is a regular file
inline std::ifstream open_file(const std::string& path, std::optional<std::uint64_t>& size) {
  const FileStatus status = file_status(path);
  if (status.kind == FileKind::missing) {
    throw FormatError(path + ": no such file", path);
  }
  if (status.kind == FileKind::directory) {
    throw FormatError(path + ": is a directory, not a file", path);
  }
  size = status.size;
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int code = errno;
    throw FormatError(path + ": cannot open the file" +
                          (code != 0 ? std::string(": ") + std::strerror(code) : std::string()),
                      path);
  }
  return in;
}

}  // namespace io
}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_COMMON_HPP
