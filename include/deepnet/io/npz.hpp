/// \file io/npz.hpp
/// NumPy interop: a network's parameters to and from an `.npz` archive, the file `np.savez`
/// writes and `np.load` reads, with the keys of the notes' `parameters` dictionary:
///
///   W1, b1, W2, b2, ..., WL, bL          W[l] is n[l] x n[l-1], b[l] is n[l] x 1 (2-D arrays)
///
/// A layer with batch normalisation has no b (beta takes its place); its keys are
/// `W<l>, gamma<l>, beta<l>, running_mean<l>, running_var<l>`, the vectors n[l] x 1.
///
/// The archive is a ZIP file of uncompressed ("stored") entries `<key>.npy`, each an array in
/// NumPy's `.npy` format version 1.0, float64 (`'<f8'`) for DeepNet<double> and float32
/// (`'<f4'`) for DeepNet<float>, in C order (row-major). `save_npz` writes the same bytes as
/// `np.savez(path, W1=..., b1=..., ...)` with NumPy 1.24 (a ZIP64 extra field in each local
/// header, the date 1980-01-01): the same network always gives the same file.
/// The ZIP and `.npy` code is deepnet's own; see docs/numpy.md.
///
/// A damaged, truncated or unsupported archive, or a missing array, is a FormatError (errors.hpp)
/// naming the file, the entry at fault as its field and the byte offset of the problem, e.g.
/// `weights.npz: W1.npy at byte 56: W1 has dtype '<i8'; ...`; an array of the wrong shape is a
/// ShapeError. Saving goes through a temporary file renamed over the target
/// (detail/atomic_file.hpp), and the operating system's errors are std::system_error.
#ifndef DEEPNET_IO_NPZ_HPP
#define DEEPNET_IO_NPZ_HPP

#include "../config.hpp"
#include "../core/deep_net.hpp"
#include "../core/layer.hpp"
#include "../core/shape_check.hpp"
#include "../detail/atomic_file.hpp"
#include "../detail/bytes.hpp"
#include "../detail/crc32.hpp"
#include "../errors.hpp"

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepnet {
namespace detail {
namespace npz {

// The little-endian encoding (put_le, get_le, put_scalar, ...) is detail/bytes.hpp.

// ---- ZIP structures (PKWARE APPNOTE 6.3) ------------------------------------------------------

constexpr std::uint32_t local_header_signature = 0x04034b50;    // "PK\3\4"
constexpr std::uint32_t central_header_signature = 0x02014b50;  // "PK\1\2"
constexpr std::uint32_t end_signature = 0x06054b50;             // "PK\5\6"
constexpr std::uint32_t zip64_end_signature = 0x06064b50;       // "PK\6\6"
constexpr std::uint32_t zip64_locator_signature = 0x07064b50;   // "PK\6\7"
constexpr std::size_t local_header_size = 30;
constexpr std::size_t central_header_size = 46;
constexpr std::size_t end_size = 22;
constexpr std::size_t zip64_end_size = 56;
constexpr std::size_t zip64_locator_size = 20;
constexpr std::uint64_t max_u16 = 0xFFFF;
constexpr std::uint64_t max_u32 = 0xFFFFFFFF;
constexpr std::uint16_t stored = 0;
constexpr std::uint16_t deflated = 8;
constexpr std::uint16_t dos_date_1980_01_01 = (0 << 9) | (1 << 5) | 1;

/// "weights.npz: W2.npy at byte 232: " and its shorter forms.
inline std::string where(const std::string& file, const std::string& entry, std::int64_t offset) {
  std::string text = file + ": ";
  if (!entry.empty()) text += entry + (offset >= 0 ? " " : ": ");
  if (offset >= 0) text += "at byte " + std::to_string(offset) + ": ";
  return text;
}

[[noreturn]] inline void fail(const std::string& file, const std::string& entry,
                              std::int64_t offset, const std::string& text) {
  throw FormatError(where(file, entry, offset) + text, file, offset, entry);
}

inline std::int64_t at(std::uint64_t offset) {
  return static_cast<std::int64_t>(offset);
}

inline std::string hex32(std::uint64_t value) {
  static const char digits[] = "0123456789abcdef";
  std::string text = "0x";
  for (int shift = 28; shift >= 0; shift -= 4)
    text.push_back(digits[(value >> shift) & 0xFu]);
  return text;
}

/// Appends a ZIP archive of stored entries to a string, laid out as Python's zipfile does for
/// np.savez (which opens every entry with force_zip64=True):
///   local header (version 20, no flags, stored, 1980-01-01 00:00, CRC-32, sizes, a 20-byte
///   ZIP64 extra field repeating the sizes), the data; then one central directory header per
///   entry (made by Unix 2.0, mode 0600) and the end-of-central-directory record.
/// The whole archive must stay below 4 GiB (no ZIP64 end record is written).
class ArchiveWriter {
 public:
  /// \param file the archive's name, for messages
  ArchiveWriter(std::string& out, std::string file) : m_out(out), m_file(std::move(file)) {}

  /// Appends the entry `name` holding `data`, stored uncompressed.
  /// \throws FormatError if the archive would reach 4 GiB or hold 65535 entries
  void add(const std::string& name, const std::string& data) {
    const std::uint64_t size = data.size();
    if (name.size() > max_u16 || m_central.size() >= max_u16 ||
        size > max_u32 - local_header_size - name.size() - 20 ||
        m_offset > max_u32 - local_header_size - name.size() - 20 - size) {
      fail(m_file, name, -1,
           "the archive would exceed 4 GiB or 65535 entries, the limits of ZIP archives without "
           "ZIP64 end records, which deepnet does not write");
    }
    Central entry{name, crc32(data.data(), data.size()), size, m_offset};
    std::string header;
    put_le(header, local_header_signature, 4);
    put_le(header, 20, 2);  // version needed to extract: 2.0
    put_le(header, 0, 2);   // flags
    put_le(header, stored, 2);
    put_le(header, 0, 2);  // time 00:00:00
    put_le(header, dos_date_1980_01_01, 2);
    put_le(header, entry.crc, 4);
    put_le(header, size, 4);  // compressed size
    put_le(header, size, 4);  // uncompressed size
    put_le(header, name.size(), 2);
    put_le(header, 20, 2);  // extra field length
    header += name;
    put_le(header, 0x0001, 2);  // ZIP64 extended information
    put_le(header, 16, 2);
    put_le(header, size, 8);  // uncompressed size
    put_le(header, size, 8);  // compressed size
    write(header);
    write(data);
    m_central.push_back(std::move(entry));
  }

  /// Writes the central directory and the end record.
  void finish() {
    std::string directory;
    for (const Central& entry : m_central) {
      put_le(directory, central_header_signature, 4);
      put_le(directory, 0x0314, 2);  // made by: Unix, version 2.0
      put_le(directory, 20, 2);      // version needed to extract
      put_le(directory, 0, 2);       // flags
      put_le(directory, stored, 2);
      put_le(directory, 0, 2);
      put_le(directory, dos_date_1980_01_01, 2);
      put_le(directory, entry.crc, 4);
      put_le(directory, entry.size, 4);
      put_le(directory, entry.size, 4);
      put_le(directory, entry.name.size(), 2);
      put_le(directory, 0, 2);            // extra field length
      put_le(directory, 0, 2);            // comment length
      put_le(directory, 0, 2);            // disk number start
      put_le(directory, 0, 2);            // internal attributes
      put_le(directory, 0600u << 16, 4);  // external attributes: -rw-------
      put_le(directory, entry.offset, 4);
      directory += entry.name;
    }
    if (directory.size() > max_u32 - end_size || m_offset > max_u32 - end_size - directory.size()) {
      fail(m_file, "", -1,
           "the archive would exceed 4 GiB, the limit of ZIP archives without ZIP64");
    }
    std::string end;
    put_le(end, end_signature, 4);
    put_le(end, 0, 2);  // number of this disk
    put_le(end, 0, 2);  // disk where the central directory starts
    put_le(end, m_central.size(), 2);
    put_le(end, m_central.size(), 2);
    put_le(end, directory.size(), 4);
    put_le(end, m_offset, 4);
    put_le(end, 0, 2);  // comment length
    write(directory);
    write(end);
  }

 private:
  struct Central {
    std::string name;
    std::uint32_t crc;
    std::uint64_t size;
    std::uint64_t offset;
  };

  void write(const std::string& bytes) {
    m_out += bytes;
    m_offset += bytes.size();
  }

  std::string& m_out;
  std::string m_file;
  std::uint64_t m_offset = 0;
  std::vector<Central> m_central;
};

/// One entry of the central directory.
struct ZipEntry {
  std::string name;
  std::uint16_t flags = 0;
  std::uint16_t method = 0;
  std::uint32_t crc = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t size = 0;
  std::uint64_t local_offset = 0;      // of its local header
  std::uint64_t directory_offset = 0;  // of its central directory header
};

/// Reads a ZIP archive from a file: the end record and the central directory when opened, an
/// entry's bytes on request. Every offset and size read from the file is checked against the
/// file's size before anything is read or allocated, so a corrupt archive throws FormatError.
class ArchiveReader {
 public:
  /// Opens `path` and reads its directory.
  /// \throws FormatError if it cannot be opened or is not a ZIP archive this reader understands
  explicit ArchiveReader(const std::string& path) : m_file(path) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      fail(m_file, "", -1, "is a directory, not an .npz archive");
    }
    m_in.open(path, std::ios::binary | std::ios::ate);
    if (!m_in) {
      fail(m_file, "", -1, "cannot open the archive: " + std::generic_category().message(errno));
    }
    const std::streamoff end = m_in.tellg();
    if (end < 0) fail(m_file, "", -1, "cannot tell the size of the archive");
    m_size = static_cast<std::uint64_t>(end);
    read_directory();
  }

  /// The central directory, in its order.
  const std::vector<ZipEntry>& entries() const noexcept { return m_entries; }
  /// The size of the file in bytes.
  std::uint64_t size() const noexcept { return m_size; }
  /// The archive's name, for messages.
  const std::string& file() const noexcept { return m_file; }

  /// The bytes of a stored entry, and in `data_offset` the offset of the first of them.
  /// \throws FormatError for a compressed or encrypted entry, a bad local header, data outside the
  ///         file, or a CRC-32 that does not match
  std::string read(const ZipEntry& entry, std::uint64_t& data_offset) {
    const std::string& name = entry.name;
    if ((entry.flags & 1u) != 0) {
      fail(m_file, name, at(entry.directory_offset),
           "the entry is encrypted; deepnet reads unencrypted archives, as np.savez writes them");
    }
    check_method(entry.method, name, entry.directory_offset);
    if (entry.compressed_size != entry.size) {
      fail(m_file, name, at(entry.directory_offset),
           "a stored entry has a compressed size (" + std::to_string(entry.compressed_size) +
               ") different from its size (" + std::to_string(entry.size) +
               "): the archive is corrupt");
    }
    const std::string header =
        bytes(entry.local_offset, local_header_size, name, "local header of the entry");
    if (get_le(header, 0, 4) != local_header_signature) {
      fail(m_file, name, at(entry.local_offset),
           "no local header here (signature " + hex32(get_le(header, 0, 4)) + ", expected " +
               hex32(local_header_signature) + "): the archive is corrupt");
    }
    check_method(static_cast<std::uint16_t>(get_le(header, 8, 2)), name, entry.local_offset);
    const std::uint64_t name_size = get_le(header, 26, 2);
    const std::uint64_t extra_size = get_le(header, 28, 2);
    const std::uint64_t name_offset = entry.local_offset + local_header_size;
    if (bytes(name_offset, name_size, name, "name in the local header") != name) {
      fail(m_file, name, at(name_offset),
           "the local header names another entry than the central directory: the archive is "
           "corrupt");
    }
    data_offset = name_offset + name_size + extra_size;
    if (data_offset > m_directory_offset || entry.size > m_directory_offset - data_offset) {
      fail(m_file, name, at(data_offset),
           "the entry's " + std::to_string(entry.size) +
               " bytes run past the start of the central directory at byte " +
               std::to_string(m_directory_offset) + ": the archive is corrupt");
    }
    std::string data = bytes(data_offset, entry.size, name, "data of the entry");
    const std::uint32_t crc = crc32(data.data(), data.size());
    if (crc != entry.crc) {
      fail(m_file, name, at(data_offset),
           "the data have CRC-32 " + hex32(crc) + ", the central directory says " +
               hex32(entry.crc) + ": the archive is corrupt");
    }
    return data;
  }

 private:
  void check_method(std::uint16_t method, const std::string& name, std::uint64_t offset) const {
    if (method == deflated) {
      fail(m_file, name, at(offset),
           "the entry is compressed (deflate, as np.savez_compressed writes); deepnet reads "
           "uncompressed archives only: save them with np.savez");
    }
    if (method != stored) {
      fail(m_file, name, at(offset),
           "the entry uses compression method " + std::to_string(method) +
               "; deepnet reads uncompressed (stored) entries only: save them with np.savez");
    }
  }

  /// `size` bytes from `offset`, after checking that they lie inside the file.
  std::string bytes(std::uint64_t offset, std::uint64_t size, const std::string& entry,
                    const char* what) {
    if (offset > m_size || size > m_size - offset) {
      fail(m_file, entry, at(offset),
           std::string("the ") + what + " (" + std::to_string(size) +
               " bytes) runs past the end of the file (" + std::to_string(m_size) +
               " bytes): the archive is truncated or corrupt");
    }
    std::string result(static_cast<std::size_t>(size), '\0');
    m_in.clear();
    m_in.seekg(static_cast<std::streamoff>(offset));
    if (size > 0) m_in.read(&result[0], static_cast<std::streamsize>(size));
    if (!m_in) {
      fail(m_file, entry, at(offset),
           std::string("cannot read the ") + what + ": " + std::generic_category().message(errno));
    }
    return result;
  }

  void read_directory() {
    if (m_size < end_size) {
      fail(m_file, "", -1,
           "the file has " + std::to_string(m_size) +
               " bytes, fewer than the 22 of an empty ZIP archive: not an .npz archive, or a "
               "truncated one");
    }
    // The end record is the last 22 bytes, unless a comment (up to 65535 bytes) follows it.
    const std::uint64_t tail_size = std::min<std::uint64_t>(m_size, end_size + max_u16);
    const std::uint64_t tail_offset = m_size - tail_size;
    const std::string tail = bytes(tail_offset, tail_size, "", "end of the archive");
    std::uint64_t end_offset = 0;
    bool found = false;
    for (std::size_t i = tail.size() - end_size + 1; i-- > 0;) {
      if (get_le(tail, i, 4) == end_signature &&
          i + end_size + get_le(tail, i + 20, 2) <= tail.size()) {
        end_offset = tail_offset + i;
        found = true;
        break;
      }
    }
    if (!found) {
      fail(m_file, "", -1,
           "no end-of-central-directory record (signature " + hex32(end_signature) +
               ") in the last " + std::to_string(tail_size) +
               " bytes: not a ZIP archive, or a truncated one");
    }
    const std::string end =
        tail.substr(static_cast<std::size_t>(end_offset - tail_offset), end_size);
    std::uint64_t disk = get_le(end, 4, 2);
    std::uint64_t directory_disk = get_le(end, 6, 2);
    std::uint64_t entries_on_disk = get_le(end, 8, 2);
    std::uint64_t count = get_le(end, 10, 2);
    std::uint64_t directory_size = get_le(end, 12, 4);
    m_directory_offset = get_le(end, 16, 4);
    std::uint64_t directory_end = end_offset;
    if (end_offset >= zip64_locator_size &&
        get_le(bytes(end_offset - zip64_locator_size, 4, "", "ZIP64 locator"), 0, 4) ==
            zip64_locator_signature) {
      // ZIP64: the locator before the end record points to the ZIP64 end record.
      const std::uint64_t locator_offset = end_offset - zip64_locator_size;
      const std::string locator = bytes(locator_offset, zip64_locator_size, "", "ZIP64 locator");
      const std::uint64_t record_offset = get_le(locator, 8, 8);
      if (record_offset > locator_offset || locator_offset - record_offset < zip64_end_size) {
        fail(m_file, "", at(locator_offset),
             "the ZIP64 locator points to byte " + std::to_string(record_offset) +
                 ", where no ZIP64 end record fits: the archive is corrupt");
      }
      const std::string record = bytes(record_offset, zip64_end_size, "", "ZIP64 end record");
      if (get_le(record, 0, 4) != zip64_end_signature) {
        fail(m_file, "", at(record_offset),
             "no ZIP64 end record here (signature " + hex32(get_le(record, 0, 4)) +
                 "): the archive is corrupt");
      }
      disk = get_le(record, 16, 4);
      directory_disk = get_le(record, 20, 4);
      entries_on_disk = get_le(record, 24, 8);
      count = get_le(record, 32, 8);
      directory_size = get_le(record, 40, 8);
      m_directory_offset = get_le(record, 48, 8);
      directory_end = record_offset;
    }
    if (disk != 0 || directory_disk != 0 || entries_on_disk != count) {
      fail(m_file, "", at(end_offset),
           "the archive spans several disks, which deepnet does not read");
    }
    if (m_directory_offset > directory_end || directory_size > directory_end - m_directory_offset) {
      fail(m_file, "", at(end_offset),
           "the central directory (" + std::to_string(directory_size) + " bytes at byte " +
               std::to_string(m_directory_offset) +
               ") does not end before the end record at byte " + std::to_string(directory_end) +
               ": the archive is truncated or corrupt");
    }
    if (count > directory_size / central_header_size) {
      fail(m_file, "", at(end_offset),
           "the central directory has " + std::to_string(directory_size) + " bytes, too few for " +
               std::to_string(count) + " entries: the archive is corrupt");
    }
    const std::string directory =
        bytes(m_directory_offset, directory_size, "", "central directory");
    m_entries.reserve(static_cast<std::size_t>(count));
    std::map<std::string, std::uint64_t> seen;
    std::size_t position = 0;
    for (std::uint64_t k = 0; k < count; ++k) {
      ZipEntry entry = central_entry(directory, position);
      const auto inserted = seen.emplace(entry.name, entry.directory_offset);
      if (!inserted.second) {
        fail(m_file, entry.name, at(entry.directory_offset),
             "the archive holds this entry twice (first at byte " +
                 std::to_string(inserted.first->second) + "); which one is meant is unclear");
      }
      m_entries.push_back(std::move(entry));
    }
  }

  /// The central directory header at `position` in `directory`; moves `position` past it.
  ZipEntry central_entry(const std::string& directory, std::size_t& position) const {
    ZipEntry entry;
    entry.directory_offset = m_directory_offset + position;
    const auto corrupt = [&](const std::string& what) {
      fail(m_file, entry.name, at(entry.directory_offset), what + ": the archive is corrupt");
    };
    if (directory.size() - position < central_header_size) {
      corrupt("the central directory ends inside a header");
    }
    if (get_le(directory, position, 4) != central_header_signature) {
      corrupt("no central directory header here (signature " +
              hex32(get_le(directory, position, 4)) + ", expected " +
              hex32(central_header_signature) + ")");
    }
    entry.flags = static_cast<std::uint16_t>(get_le(directory, position + 8, 2));
    entry.method = static_cast<std::uint16_t>(get_le(directory, position + 10, 2));
    entry.crc = static_cast<std::uint32_t>(get_le(directory, position + 16, 4));
    entry.compressed_size = get_le(directory, position + 20, 4);
    entry.size = get_le(directory, position + 24, 4);
    const std::size_t name_size = static_cast<std::size_t>(get_le(directory, position + 28, 2));
    const std::size_t extra_size = static_cast<std::size_t>(get_le(directory, position + 30, 2));
    const std::size_t comment_size = static_cast<std::size_t>(get_le(directory, position + 32, 2));
    entry.local_offset = get_le(directory, position + 42, 4);
    const std::size_t name_at = position + central_header_size;
    if (directory.size() - name_at < name_size + extra_size + comment_size) {
      corrupt("a name, extra field or comment runs past the end of the central directory");
    }
    entry.name = directory.substr(name_at, name_size);
    // The ZIP64 extra field holds, in this order, each of the sizes and the offset whose
    // 32-bit field is 0xFFFFFFFF.
    std::size_t field = name_at + name_size;
    const std::size_t extra_end = field + extra_size;
    while (extra_end - field >= 4) {
      const std::uint64_t id = get_le(directory, field, 2);
      const std::size_t size = static_cast<std::size_t>(get_le(directory, field + 2, 2));
      if (extra_end - field - 4 < size) corrupt("an extra field runs past its header's end");
      if (id == 0x0001) {
        std::size_t value = field + 4;
        for (std::uint64_t* target : {&entry.size, &entry.compressed_size, &entry.local_offset}) {
          if (*target != max_u32) continue;
          if (field + 4 + size - value < 8) {
            corrupt("a ZIP64 extra field is too short for the values it must hold");
          }
          *target = get_le(directory, value, 8);
          value += 8;
        }
      }
      field += 4 + size;
    }
    position = extra_end + comment_size;
    return entry;
  }

  std::string m_file;
  std::ifstream m_in;
  std::uint64_t m_size = 0;
  std::uint64_t m_directory_offset = 0;
  std::vector<ZipEntry> m_entries;
};

// ---- .npy version 1.0 ---------------------------------------------------------------------------

/// The `.npy` header NumPy 1.24 writes for an array: the magic string "\x93NUMPY", version 1.0,
/// the header's length (2 bytes), then the dictionary
///   {'descr': '<f8', 'fortran_order': False, 'shape': (7, 3), }
/// followed by room for the first axis (last in Fortran order) to grow to 21 digits, spaces up
/// to a multiple of 64 bytes, and '\n'.
inline std::string npy_header(const std::string& descr, bool fortran_order,
                              const std::vector<std::uint64_t>& shape) {
  std::string dict = "{'descr': '" + descr +
                     "', 'fortran_order': " + (fortran_order ? "True" : "False") + ", 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ",";
  dict += "), }";
  if (!shape.empty()) {
    const std::size_t digits = std::to_string(fortran_order ? shape.back() : shape.front()).size();
    if (digits < 21) dict.append(21 - digits, ' ');
  }
  // magic (6) + version (2) + length (2) + dict + padding + '\n': a multiple of 64 (NumPy pads
  // with 64 spaces rather than none when the rest is already a multiple)
  const std::size_t padding = 64 - (10 + dict.size() + 1) % 64;
  dict.append(padding, ' ');
  dict += '\n';
  std::string header = "\x93NUMPY";
  header += '\x01';
  header += '\x00';
  put_le(header, dict.size(), 2);
  return header + dict;
}

/// A parsed `.npy` array: its dtype string, layout, shape, and where its data start.
struct NpyArray {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;
  std::size_t data_start = 0;  // in the entry's bytes
};

/// Reads the header of the `.npy` file `bytes` (the entry `entry`, whose first byte is at
/// `offset` in the archive `file`). Accepts versions 1.0, 2.0 and 3.0 of the format.
/// \throws FormatError naming the byte where the header stops making sense
inline NpyArray parse_npy_header(const std::string& bytes, const std::string& file,
                                 const std::string& entry, std::uint64_t offset) {
  const auto bad = [&](std::size_t position, const std::string& what) {
    fail(file, entry, at(offset + position), what);
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    bad(0, "not an .npy array (no \\x93NUMPY magic string at its start)");
  }
  const unsigned major = static_cast<unsigned char>(bytes[6]);
  std::size_t length_size = 2;
  if (major == 2 || major == 3) {
    length_size = 4;
  } else if (major != 1) {
    bad(6, ".npy format version " + std::to_string(major) + "." +
               std::to_string(static_cast<unsigned char>(bytes[7])) +
               " is unknown (deepnet reads 1.0, 2.0 and 3.0)");
  }
  if (bytes.size() < 8 + length_size) bad(8, "the .npy header is cut short");
  const std::uint64_t length = get_le(bytes, 8, static_cast<int>(length_size));
  const std::size_t start = 8 + length_size;
  if (length > bytes.size() - start) {
    bad(8, "the .npy header claims " + std::to_string(length) + " bytes, but the entry has " +
               std::to_string(bytes.size() - start) + " after it");
  }
  NpyArray array;
  array.data_start = start + static_cast<std::size_t>(length);
  const std::size_t end = array.data_start;

  // A Python dict literal with the keys 'descr', 'fortran_order' and 'shape'.
  std::size_t i = start;
  const auto skip_space = [&] {
    while (i < end && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r'))
      ++i;
  };
  const auto expect = [&](char c, const char* what) {
    skip_space();
    if (i >= end || bytes[i] != c) {
      bad(i, std::string("the .npy header has no ") + what + " where expected (" + c + ")");
    }
    ++i;
  };
  const auto string_literal = [&](const char* what) {
    skip_space();
    if (i >= end || (bytes[i] != '\'' && bytes[i] != '"')) {
      bad(i, std::string("the .npy header has no string where ") + what + " should be");
    }
    const char quote = bytes[i++];
    const std::size_t first = i;
    while (i < end && bytes[i] != quote)
      ++i;
    if (i >= end) bad(first, "the .npy header has an unterminated string");
    return bytes.substr(first, i++ - first);
  };
  bool has_descr = false, has_order = false, has_shape = false;
  expect('{', "dictionary");
  for (;;) {
    skip_space();
    if (i < end && bytes[i] == '}') break;
    const std::size_t key_at = i;
    const std::string key = string_literal("a key");
    expect(':', "colon after a key");
    skip_space();
    if (key == "descr" && !has_descr) {
      if (i < end && bytes[i] == '[') {
        bad(i, entry.substr(0, entry.size() - 4) +
                   " has a structured dtype (a list of fields); deepnet reads float64 ('<f8') "
                   "and float32 ('<f4') arrays");
      }
      array.descr = string_literal("the dtype");
      has_descr = true;
    } else if (key == "fortran_order" && !has_order) {
      if (bytes.compare(i, 4, "True") == 0) {
        array.fortran_order = true;
        i += 4;
      } else if (bytes.compare(i, 5, "False") == 0) {
        i += 5;
      } else {
        bad(i, "the .npy header's fortran_order is neither True nor False");
      }
      if (i > end) bad(end, "the .npy header is cut short");
      has_order = true;
    } else if (key == "shape" && !has_shape) {
      expect('(', "shape tuple");
      for (;;) {
        skip_space();
        if (i < end && bytes[i] == ')') break;
        if (i >= end || bytes[i] < '0' || bytes[i] > '9') {
          bad(i, "the .npy header's shape is not a tuple of sizes");
        }
        std::uint64_t size = 0;
        while (i < end && bytes[i] >= '0' && bytes[i] <= '9') {
          const auto digit = static_cast<std::uint64_t>(bytes[i++] - '0');
          if (size > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
            bad(i, "a size in the .npy header's shape is too large");
          }
          size = size * 10 + digit;
        }
        array.shape.push_back(size);
        if (array.shape.size() > 32) bad(i, "the .npy header's shape has over 32 dimensions");
        skip_space();
        if (i < end && bytes[i] == ',') {
          ++i;
        } else if (!(i < end && bytes[i] == ')')) {
          bad(i, "the .npy header's shape is not a tuple of sizes");
        }
      }
      ++i;  // ')'
      has_shape = true;
    } else {
      bad(key_at, "the .npy header has an unexpected or repeated key '" + key + "'");
    }
    skip_space();
    if (i < end && bytes[i] == ',') {
      ++i;
    } else if (!(i < end && bytes[i] == '}')) {
      bad(i, "the .npy header's dictionary is malformed");
    }
  }
  ++i;  // '}'
  skip_space();
  if (i != end) bad(i, "the .npy header has text after its dictionary");
  if (!has_descr || !has_order || !has_shape) {
    bad(start, std::string("the .npy header lacks the key '") +
                   (!has_descr   ? "descr"
                    : !has_order ? "fortran_order"
                                 : "shape") +
                   "'");
  }
  return array;
}

template <class Scalar>
constexpr const char* descr_of = std::is_same<Scalar, float>::value ? "<f4" : "<f8";

/// The `.npy` file of a matrix: its header (2-D, C order) and its entries row by row.
template <class Dense>
std::string npy_of(const Dense& M) {
  using Scalar = typename Dense::Scalar;
  std::string out =
      npy_header(descr_of<Scalar>, false,
                 {static_cast<std::uint64_t>(M.rows()), static_cast<std::uint64_t>(M.cols())});
  out.reserve(out.size() + static_cast<std::size_t>(M.size()) * sizeof(Scalar));
  for (Index i = 0; i < M.rows(); ++i) {
    for (Index j = 0; j < M.cols(); ++j)
      put_scalar<Scalar>(out, M(i, j));
  }
  return out;
}

// ---- the network's arrays -------------------------------------------------------------------

/// What the archive holds for one parameter: its key, layer, symbol and expected shape.
struct Slot {
  std::string key;     // "W2"
  Index l;             // 2
  const char* symbol;  // "W"
  Index rows, cols;    // n[2] x n[1]
  std::string reason;  // "n[2] x n[1]"
};

/// The symbols a layer stores, in the archive's order.
inline const char* const* layer_symbols(bool batch_norm) {
  static const char* const plain[] = {"W", "b", nullptr};
  static const char* const normalised[] = {"W",           "gamma", "beta", "running_mean",
                                           "running_var", nullptr};
  return batch_norm ? normalised : plain;
}

template <class Scalar>
std::vector<Slot> slots_of(const DeepNet<Scalar>& net) {
  std::vector<Slot> slots;
  for (Index l = 1; l <= net.L(); ++l) {
    const Layer<Scalar>& layer = net.layer(l);
    for (const char* const* symbol = layer_symbols(layer.has_batch_norm()); *symbol != nullptr;
         ++symbol) {
      const bool is_W = std::strcmp(*symbol, "W") == 0;
      slots.push_back(Slot{*symbol + std::to_string(l), l, *symbol, layer.units(),
                           is_W ? layer.inputs() : 1,
                           n_of(l) + " x " + (is_W ? n_of(l - 1) : std::string("1"))});
    }
  }
  return slots;
}

/// Calls `visit` with the stored value of a slot: W, b, or a batch-normalisation vector of
/// its layer (a const or non-const Layer).
template <class LayerType, class Visit>
void visit_value(LayerType& layer, const char* symbol, Visit&& visit) {
  if (std::strcmp(symbol, "W") == 0) {
    visit(layer.W());
  } else if (std::strcmp(symbol, "b") == 0) {
    visit(layer.b());
  } else if (std::strcmp(symbol, "gamma") == 0) {
    visit(layer.batch_norm().gamma());
  } else if (std::strcmp(symbol, "beta") == 0) {
    visit(layer.batch_norm().beta());
  } else if (std::strcmp(symbol, "running_mean") == 0) {
    visit(layer.batch_norm().running_mean());
  } else {
    visit(layer.batch_norm().running_var());
  }
}

/// True for the names deepnet's archives use: W, b, gamma, beta, running_mean or running_var
/// followed by a layer number.
inline bool is_parameter_key(const std::string& key) {
  for (const char* prefix : {"W", "b", "gamma", "beta", "running_mean", "running_var"}) {
    const std::size_t length = std::strlen(prefix);
    if (key.size() <= length || key.compare(0, length, prefix) != 0) continue;
    if (key[length] < '1' || key[length] > '9') continue;
    bool digits = true;
    for (std::size_t i = length; i < key.size(); ++i)
      digits = digits && key[i] >= '0' && key[i] <= '9';
    if (digits) return true;
  }
  return false;
}

}  // namespace npz
}  // namespace detail

/// The keys of the arrays `save_npz` writes for `net`, in the archive's order: W1, b1, W2,
/// b2, ..., or W<l>, gamma<l>, beta<l>, running_mean<l>, running_var<l> for a layer with batch
/// normalisation.
template <class Scalar>
std::vector<std::string> npz_keys(const DeepNet<Scalar>& net) {
  std::vector<std::string> keys;
  for (const detail::npz::Slot& slot : detail::npz::slots_of(net))
    keys.push_back(slot.key);
  return keys;
}

/// Writes the parameters of `net` to the `.npz` archive `path`, as `np.savez` would: one 2-D
/// array per key of `npz_keys(net)`, float64 for DeepNet<double>, float32 for DeepNet<float>,
/// in C order. The archive is built in memory, then written atomically: to a temporary file
/// next to `path` (path + ".tmp-..."), flushed to disk and renamed over `path`, so `path` holds
/// either its old contents or the complete new archive, never a part of one.
/// In Python, `parameters = dict(np.load(path))` is the notes' `parameters` dictionary.
/// \throws ShapeError if a parameter lost its shape (`save_npz: layer 2: W is ...`);
///         FormatError if the archive would reach 4 GiB or 65535 entries; std::system_error
///         naming the path and the OS error if the file cannot be written (the temporary file
///         is removed and `path` left as it was)
template <class Scalar>
void save_npz(const DeepNet<Scalar>& net, const std::string& path) {
  static_assert(std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value,
                "save_npz writes float and double networks (float32 and float64 arrays)");
  const std::vector<detail::npz::Slot> slots = detail::npz::slots_of(net);
  for (const detail::npz::Slot& slot : slots) {
    detail::npz::visit_value(net.layer(slot.l), slot.symbol, [&slot](const auto& value) {
      detail::expect_shape(value, "save_npz", slot.l, slot.symbol, slot.rows, slot.cols,
                           [&slot] { return slot.reason; });
    });
  }
  std::string archive;  // built whole before the disk is touched
  detail::npz::ArchiveWriter zip(archive, path);
  for (const detail::npz::Slot& slot : slots) {
    detail::npz::visit_value(net.layer(slot.l), slot.symbol, [&](const auto& value) {
      zip.add(slot.key + ".npy", detail::npz::npy_of(value));
    });
  }
  zip.finish();
  detail::write_file_atomically(path, archive, "deepnet::save_npz");
}

/// Reads the parameters of `net` from the `.npz` archive `path`, written by `save_npz` or by
/// `np.savez(path, W1=..., b1=..., ...)`. The network must already have the archive's
/// architecture: the same layer sizes, and batch normalisation on the same layers.
///
/// - Arrays may be float64 or float32 (converted to Scalar, float64 to float rounding to
///   nearest), in C or Fortran order; W is 2-D, a vector n[l] x 1 or 1-D (n[l],).
/// - Other arrays, such as X or Y, are ignored; but an array named like a parameter that this
///   network does not have (W4 for L = 3, gamma2 without batch normalisation on layer 2) is an
///   error, since it means the archive was saved from another architecture.
/// - Every value must be finite, and running variances not negative.
/// - Nothing changes unless everything could be read: on an exception, `net` is as it was.
///
/// \throws ShapeError for an array of another shape, e.g.
///         `weights.npz: W2 is 3x4, expected 7x3 (n[2] x n[1])`;
///         FormatError for a missing array, an unsupported dtype, a compressed entry
///         (np.savez_compressed), a file that cannot be read or a corrupt archive
template <class Scalar>
void load_npz(DeepNet<Scalar>& net, const std::string& path) {
  static_assert(std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value,
                "load_npz reads into float and double networks");
  namespace npz = detail::npz;
  npz::ArchiveReader archive(path);
  const std::vector<npz::Slot> slots = npz::slots_of(net);

  // Keys of the archive as np.load names them: entry names without ".npy".
  std::map<std::string, const npz::ZipEntry*> entries;
  std::vector<std::string> keys;
  for (const npz::ZipEntry& entry : archive.entries()) {
    if (entry.name.size() > 4 && entry.name.compare(entry.name.size() - 4, 4, ".npy") == 0) {
      keys.push_back(entry.name.substr(0, entry.name.size() - 4));
      entries[keys.back()] = &entry;
    }
  }
  const auto has = [&](const std::string& key) { return entries.count(key) != 0; };
  const auto key_list = [&] {
    std::string text;
    for (std::size_t k = 0; k < keys.size() && k < 16; ++k)
      text += (k > 0 ? ", " : "") + keys[k];
    if (keys.size() > 16) text += ", ... (" + std::to_string(keys.size()) + " arrays)";
    return keys.empty() ? std::string("no arrays") : text;
  };

  // Every key of the network must be there.
  for (const npz::Slot& slot : slots) {
    if (has(slot.key)) continue;
    const std::string l = std::to_string(slot.l);
    std::string hint;
    if (std::strcmp(slot.symbol, "b") == 0 && has("gamma" + l)) {
      hint = "; the archive has gamma" + l +
             ": it was saved from a network with batch normalisation on layer " + l +
             " (call set_batch_norm(" + l + ") before load_npz)";
    } else if (std::strcmp(slot.symbol, "W") != 0 && std::strcmp(slot.symbol, "b") != 0 &&
               has("b" + l)) {
      hint = "; the archive has b" + l +
             ": it was saved from a network without batch normalisation on layer " + l;
    } else {
      Index saved_L = 0;
      while (has("W" + std::to_string(saved_L + 1)))
        ++saved_L;
      if (saved_L > 0 && saved_L < slot.l) {
        hint = "; the archive's last W is W" + std::to_string(saved_L) +
               ": it was saved from a network with L = " + std::to_string(saved_L) +
               ", this one has L = " + std::to_string(net.L());
      }
    }
    npz::fail(path, slot.key + ".npy", -1,
              "no array " + slot.key + " (" + slot.symbol + "[" + l + "], " + slot.reason + " = " +
                  shape_string(slot.rows, slot.cols) + ") in the archive" + hint +
                  ". The archive holds: " + key_list());
  }
  // ... and no parameter of another architecture.
  for (const std::string& key : keys) {
    if (!npz::is_parameter_key(key)) continue;
    bool expected = false;
    for (const npz::Slot& slot : slots)
      expected = expected || slot.key == key;
    if (expected) continue;
    const std::size_t digits = key.find_first_of("123456789");
    const std::string l = key.substr(digits);
    const std::string symbol = key.substr(0, digits);
    std::string why;
    if (l.size() > 18 || std::stoll(l) > net.L()) {
      why = "this network has L = " + std::to_string(net.L()) + " (layer_dims " +
            dims_string(net.dims()) + "): the archive was saved from another architecture";
    } else if (net.layer(std::stoll(l)).has_batch_norm()) {
      why = "layer " + l + " of this network has batch normalisation, whose arrays are gamma" + l +
            ", beta" + l + ", running_mean" + l + " and running_var" + l +
            (symbol == "b" ? " (beta takes the place of b)" : "");
    } else {
      why = "layer " + l + " of this network has no batch normalisation (call set_batch_norm(" + l +
            ") before load_npz to read it)";
    }
    npz::fail(path, key + ".npy", npz::at(entries[key]->local_offset),
              "unexpected array " + key + ": " + why +
                  ". Arrays named otherwise, such as X or Y, are ignored");
  }

  // Read, check and convert every array before touching the network.
  std::vector<Matrix<Scalar>> values;
  values.reserve(slots.size());
  for (const npz::Slot& slot : slots) {
    const npz::ZipEntry& entry = *entries[slot.key];
    std::uint64_t offset = 0;
    const std::string bytes = archive.read(entry, offset);
    const npz::NpyArray array = npz::parse_npy_header(bytes, path, entry.name, offset);
    std::size_t item = 0;
    if (array.descr == "<f8") {
      item = 8;
    } else if (array.descr == "<f4") {
      item = 4;
    } else {
      npz::fail(path, entry.name, npz::at(offset),
                slot.key + " has dtype '" + array.descr +
                    "'; deepnet reads float64 ('<f8') and float32 ('<f4') arrays: convert it "
                    "with " +
                    slot.key + ".astype(np.float64)");
    }
    const bool is_W = std::strcmp(slot.symbol, "W") == 0;
    const std::vector<std::uint64_t>& shape = array.shape;
    const bool two_d = shape.size() == 2;
    if (!two_d && !(shape.size() == 1 && !is_W)) {
      std::string text = "(";
      for (std::size_t k = 0; k < shape.size(); ++k)
        text += (k > 0 ? ", " : "") + std::to_string(shape[k]);
      text += shape.size() == 1 ? ",)" : ")";
      npz::fail(path, entry.name, npz::at(offset),
                slot.key + " has shape " + text + ", expected a 2-D array " +
                    shape_string(slot.rows, slot.cols) + " (" + slot.reason + ")" +
                    (is_W ? "" : " or a 1-D array (" + std::to_string(slot.rows) + ",)"));
    }
    const std::uint64_t rows = shape[0];
    const std::uint64_t cols = two_d ? shape[1] : 1;
    if (rows != static_cast<std::uint64_t>(slot.rows) ||
        cols != static_cast<std::uint64_t>(slot.cols)) {
      const auto to_index = [](std::uint64_t size) {
        return size > static_cast<std::uint64_t>(std::numeric_limits<Index>::max())
                   ? std::numeric_limits<Index>::max()
                   : static_cast<Index>(size);
      };
      throw ShapeError(path, slot.l, slot.key, to_index(rows), to_index(cols), slot.rows, slot.cols,
                       slot.reason);
    }
    const std::uint64_t data_size = bytes.size() - array.data_start;
    if (data_size != rows * cols * item) {
      npz::fail(path, entry.name, npz::at(offset + array.data_start),
                slot.key + " has " + std::to_string(data_size) + " bytes of data, but " +
                    std::to_string(rows) + "x" + std::to_string(cols) + " " +
                    (item == 8 ? "float64" : "float32") + " values take " +
                    std::to_string(rows * cols * item) + ": the array is corrupt");
    }
    Matrix<Scalar> value(slot.rows, slot.cols);
    const Index count = slot.rows * slot.cols;
    for (Index k = 0; k < count; ++k) {
      const std::size_t position = array.data_start + static_cast<std::size_t>(k) * item;
      const auto* data = reinterpret_cast<const unsigned char*>(bytes.data()) + position;
      const double stored =
          item == 8 ? detail::get_f64(data) : static_cast<double>(detail::get_f32(data));
      const Scalar converted = static_cast<Scalar>(stored);
      // k-th value in memory order: (k / cols, k % cols) in C order, (k % rows, k / rows) in
      // Fortran order
      const Index i = array.fortran_order ? k % slot.rows : k / slot.cols;
      const Index j = array.fortran_order ? k / slot.rows : k % slot.cols;
      const bool negative_variance =
          std::strcmp(slot.symbol, "running_var") == 0 && converted < Scalar(0);
      if (!std::isfinite(converted) || negative_variance) {
        const std::string name = slot.key + "(" + std::to_string(i) + ", " + std::to_string(j) +
                                 ") is " + detail::number_string(stored);
        npz::fail(path, entry.name, npz::at(offset + position),
                  name + (negative_variance       ? "; a variance cannot be negative"
                          : std::isfinite(stored) ? ", too large for float"
                                                  : "; parameters must be finite numbers"));
      }
      value(i, j) = converted;
    }
    values.push_back(std::move(value));
  }

  for (std::size_t k = 0; k < slots.size(); ++k) {
    Layer<Scalar>& layer = net.layer(slots[k].l);
    npz::visit_value(layer, slots[k].symbol, [&](auto& target) { target = values[k]; });
  }
}

}  // namespace deepnet

#endif  // DEEPNET_IO_NPZ_HPP
