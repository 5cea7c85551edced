// The framed little-endian binary that checkpoint blobs are stored in, shared by writer_state and
// the stores:
//   magic (4 bytes) | u16 format version | u16 flags (0) | fields ... | u32 CRC-32 of all before it
// A string is a u32 length and its bytes, a list a u32 count and its strings. Integers are written
// byte by byte, so the format is the same on every host.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/checkpoint/error.hpp>
#include <sinkforge/detail/concat.hpp>

namespace sinkforge::inline v1::checkpoint::detail {

using sinkforge::detail::concat;

// CRC-32 as zlib and IEEE 802.3 compute it: reflected polynomial 0xEDB88320, initial and final
// value 0xFFFFFFFF. One table lookup a byte.
inline constexpr std::array<std::uint32_t, 256> crc32_table = [] {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[n] = c;
  }
  return t;
}();

// `crc` continues an earlier result (zlib's crc32(crc, buf, len)); 0 starts afresh.
constexpr std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0) noexcept {
  crc = ~crc;
  for (char ch : bytes) crc = crc32_table[(crc ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

inline constexpr std::size_t header_size = 8;  // magic, version, flags
inline constexpr std::size_t crc_size = 4;

template <class U>
void put_le(std::string& out, U v) {
  for (std::size_t i = 0; i < sizeof(U); ++i) out += static_cast<char>(static_cast<unsigned char>(v >> (8 * i)));
}

// u32 length (or count) that must fit the format; `field` names it in the error.
inline std::uint32_t checked_u32(std::size_t n, std::string_view field) {
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error(concat({"sinkforge: ", field, ": ", std::to_string(n),
                                    " exceeds the format's limit of 4294967295"}));
  return static_cast<std::uint32_t>(n);
}

inline void put_bytes(std::string& out, std::string_view bytes, std::string_view field) {
  put_le(out, checked_u32(bytes.size(), field));
  out.append(bytes);
}

inline void put_list(std::string& out, const std::vector<std::string>& items, std::string_view field) {
  put_le(out, checked_u32(items.size(), field));
  for (const std::string& s : items) put_bytes(out, s, field);
}

// magic | version | flags, to be followed by the fields and end_frame().
inline std::string begin_frame(std::string_view magic, std::uint16_t version) {
  std::string out;
  out.reserve(64);
  out.append(magic);
  put_le(out, version);
  put_le(out, std::uint16_t{0});
  return out;
}

inline void end_frame(std::string& out) { put_le(out, crc32(out)); }

// Appends `prefix` and the byte's two lowercase hex digits.
inline void append_hex_byte(std::string& s, std::string_view prefix, unsigned char u) {
  static constexpr char hex[] = "0123456789abcdef";
  s += prefix;
  s += hex[u >> 4];
  s += hex[u & 0xF];
}

// "SFWS" as is, other bytes as \xNN: a foreign file's first bytes, safe to print.
inline std::string printable(std::string_view bytes) {
  std::string s;
  for (char ch : bytes) {
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x20 && u < 0x7F && ch != '\\' && ch != '"') s += ch;
    else append_hex_byte(s, "\\x", u);
  }
  return s;
}

inline std::string hex32(std::uint32_t v) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += hex[(v >> shift) & 0xF];
  return s;
}

// Reads one frame front to back. Every read checks the bytes left first, so no input reads out of
// bounds; every failure is a format_error naming `blob`, the field and its byte offset. The
// fields are read before the checksum is checked, so a cut blob is reported as cut where it ends.
class reader {
 public:
  reader(std::string_view data, std::string_view blob) noexcept : data_(data), blob_(blob) {}

  void header(std::string_view magic, std::uint16_t max_version) {
    const std::string_view found = take(magic.size(), "magic");
    if (found != magic)
      fail("magic", 0, concat({"expected \"", magic, "\", found \"", printable(found), "\""}));
    const std::size_t version_at = at_;
    const std::uint16_t version = u16("version");
    if (version == 0) fail("version", version_at, "format version 0 was never written");
    if (version > max_version)
      fail("version", version_at, concat({"format version ", std::to_string(version), "; this library reads up to ",
                                          std::to_string(max_version)}));
    const std::size_t flags_at = at_;
    const std::uint16_t flags = u16("flags");
    if (flags != 0) fail("flags", flags_at, concat({"unknown flags ", hex32(flags)}));
  }

  std::uint16_t u16(std::string_view field) { return get<std::uint16_t>(field); }
  std::uint32_t u32(std::string_view field) { return get<std::uint32_t>(field); }
  std::uint64_t u64(std::string_view field) { return get<std::uint64_t>(field); }

  // A u32 length and that many bytes; `index` >= 0 names an entry of a list as field[index].
  std::string_view bytes(std::string_view field, long long index = -1) {
    const std::size_t length_at = at_;
    const std::uint32_t n = get<std::uint32_t>(field, index);
    if (n > left()) fail(field, index, length_at, concat({"length ", std::to_string(n), " runs past the end (",
                                                          std::to_string(left()), " byte(s) left)"}));
    return take(n, field, index);
  }

  std::vector<std::string> list(std::string_view field) {
    const std::size_t count_at = at_;
    const std::uint32_t n = get<std::uint32_t>(field);
    // Each entry takes at least its 4-byte length: a damaged count cannot make us reserve gigabytes.
    if (n > left() / 4)
      fail(field, count_at, concat({"count ", std::to_string(n), " runs past the end (", std::to_string(left()),
                                    " byte(s) left)"}));
    std::vector<std::string> items;
    items.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) items.emplace_back(bytes(field, i));
    return items;
  }

  // The checksum must follow the last field and end the data.
  void finish() {
    const std::size_t crc_at = at_;
    if (left() > crc_size)
      fail("crc32", crc_at + crc_size, concat({std::to_string(left() - crc_size), " trailing byte(s) after the checksum"}));
    const std::uint32_t stored = u32("crc32");
    const std::uint32_t computed = crc32(data_.substr(0, crc_at));
    if (stored != computed)
      fail("crc32", crc_at, concat({"checksum ", hex32(stored), " does not match the data's ", hex32(computed)}));
  }

  [[noreturn]] void fail(std::string_view field, std::size_t offset, std::string_view problem) const {
    throw format_error(blob_, field, offset, problem);
  }

 private:
  std::size_t left() const noexcept { return data_.size() - at_; }

  [[noreturn]] void fail(std::string_view field, long long index, std::size_t offset, std::string_view problem) const {
    if (index < 0) fail(field, offset, problem);
    fail(concat({field, "[", std::to_string(index), "]"}), offset, problem);
  }

  std::string_view take(std::size_t n, std::string_view field, long long index = -1) {
    if (n > left())
      fail(field, index, at_, concat({"truncated: needs ", std::to_string(n), " byte(s), ", std::to_string(left()),
                                      " left"}));
    const std::string_view s = data_.substr(at_, n);
    at_ += n;
    return s;
  }

  template <class U>
  U get(std::string_view field, long long index = -1) {
    const std::string_view b = take(sizeof(U), field, index);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) v |= std::uint64_t{static_cast<unsigned char>(b[i])} << (8 * i);
    return static_cast<U>(v);
  }

  std::string_view data_;
  std::string_view blob_;
  std::size_t at_ = 0;
};

}  // namespace sinkforge::inline v1::checkpoint::detail
