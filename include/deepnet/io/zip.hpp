/// \file io/zip.hpp
/// The ZIP container of `.npz` archives (PKWARE APPNOTE 6.3), deepnet's own code: an archive of
/// stored (uncompressed) entries written as Python's zipfile writes them for `np.savez` (a ZIP64
/// extra field in each local header, the date 1980-01-01, a CRC-32 per entry), and read back
/// with every offset and size checked against the file before anything is read or allocated.
/// What the entries hold is io/npy.hpp's; which entries a network has is io/npz.hpp's.
///
/// Every problem is a FormatError naming the archive, the entry as its field and the byte, e.g.
/// `weights.npz: W1.npy at byte 56: ...` (`fail`, which io/npy.hpp and io/npz.hpp use as well).
#ifndef DEEPNET_IO_ZIP_HPP
#define DEEPNET_IO_ZIP_HPP

#include "../detail/bytes.hpp"
#include "../detail/crc32.hpp"
#include "../detail/file_status.hpp"
#include "../errors.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <system_error>
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
    if (detail::file_status(path).kind == detail::FileKind::directory) {
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

}  // namespace npz
}  // namespace detail
}  // namespace deepnet

#endif  // DEEPNET_IO_ZIP_HPP
