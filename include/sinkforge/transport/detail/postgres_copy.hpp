// Rows of a reflected struct in PostgreSQL's binary COPY format, and the column type of each member.
//
// The format (PostgreSQL's COPY documentation, "Binary Format"): an 11-byte signature, a 32-bit
// flags word and a 32-bit header-extension length; then per row a 16-bit field count and per field
// a 32-bit length (-1 for NULL) and the value in the type's binary send format, network byte order;
// then a 16-bit -1. Every value is written in the exact type its column has, so the server does no
// parsing at all: the fastest way into a table after COPY of preformatted text.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/serialize/detail/text.hpp>
#include <sinkforge/transport/detail/sql.hpp>

namespace sinkforge::inline v1::postgres::detail {

// The integer type a member of type I travels as: the narrowest of int2/int4/int8 that holds
// every value (uint64 values above INT64_MAX make the record invalid).
template <class I>
using wire_integer = std::conditional_t<
    (sizeof(I) < 2 || (sizeof(I) == 2 && std::is_signed_v<I>)), std::int16_t,
    std::conditional_t<(sizeof(I) < 4 || (sizeof(I) == 4 && std::is_signed_v<I>)), std::int32_t, std::int64_t>>;

// The column type of a member, as PostgreSQL's format_type() prints it.
template <class M>
constexpr const char* column_type() {
  using namespace reflect;
  if constexpr (is_optional<M>) return column_type<typename optional_traits<M>::value_type>();
  else if constexpr (boolean<M>) return "boolean";
  else if constexpr (std::is_floating_point_v<M>) return sizeof(M) == 4 ? "real" : "double precision";
  else if constexpr (std::same_as<M, std::string> || std::same_as<M, char> || named_enum<M>) return "text";
  else if constexpr (is_sys_time<M>) return "timestamp with time zone";
  else if constexpr (sql_detail::byte_vector<M>()) return "bytea";
  else if constexpr (sql_detail::json_column<M>()) return "jsonb";
  else if constexpr (std::is_enum_v<M>) return column_type<std::underlying_type_t<M>>();
  else if constexpr (sizeof(wire_integer<M>) == 2) return "smallint";
  else if constexpr (sizeof(wire_integer<M>) == 4) return "integer";
  else return "bigint";
}

// Whether a column declared as `declared` (format_type() text) takes a value sent as `ours`:
// the same type, or a type with the same binary format.
inline bool same_wire_type(std::string_view ours, std::string_view declared) {
  if (declared == ours) return true;
  if (ours == "text") return declared.starts_with("character varying") || declared.starts_with("character(");
  return false;
}

// Text as PostgreSQL stores it: valid UTF-8 without NUL. Eight bytes at a time while they are ASCII.
inline bool valid_text(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (end - p >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    // No byte >= 0x80 and no zero byte (the classic "has zero byte" test).
    if ((w & 0x8080808080808080ull) != 0 || ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) != 0) break;
    p += 8;
  }
  while (p < end) {
    if (*p == 0) return false;
    if (*p < 0x80) {
      ++p;
      continue;
    }
    std::size_t consumed = 0;
    const std::size_t n = serialize::detail::utf8_sequence(p, end, consumed);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

// Seconds and microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
inline constexpr std::int64_t pg_epoch_seconds = 946'684'800;

// A binary COPY stream being built. Rows can be taken back (a value that cannot be stored) and the
// stream can be cut into runs of rows for retrying part of a batch. In text format (records whose
// column types are known only from the table: dynamic::record) a row is a line and the stream has
// no header or trailer.
class copy_buffer {
 public:
  static constexpr std::string_view header{"PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19};
  static constexpr std::string_view trailer{"\377\377", 2};

  void use_text_format(bool text = true) noexcept { text_ = text; }
  // A row of text format: its values by text(), separated by tab(), ended by end_text_row().
  void begin_text_row() { row_starts_.push_back(bytes_.size()); }
  void tab() { bytes_ += '\t'; }
  void end_text_row() { bytes_ += '\n'; }
  void text_null() { bytes_.append("\\N", 2); }
  // Text as COPY's text format reads it back: backslash, line breaks and tab escaped.
  void text(std::string_view s) {
    std::size_t from = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (SINKFORGE_LIKELY(c != '\\' && c != '\n' && c != '\r' && c != '\t')) continue;
      bytes_.append(s.data() + from, i - from);
      const char escaped[2] = {'\\', c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't'};
      bytes_.append(escaped, 2);
      from = i + 1;
    }
    bytes_.append(s.data() + from, s.size() - from);
  }

  void clear() {
    bytes_.clear();
    row_starts_.clear();
  }
  // Starts a row of `fields` values; `undo_row()` takes it back until the next one starts.
  void begin_row(std::uint16_t fields) {
    row_starts_.push_back(bytes_.size());
    put_be(fields);
  }
  void undo_row() {
    bytes_.resize(row_starts_.back());
    row_starts_.pop_back();
  }
  std::size_t rows() const noexcept { return row_starts_.size(); }

  // Rows [first, last) as a complete COPY stream.
  std::string stream(std::size_t first, std::size_t last) const {
    const std::size_t from = first < row_starts_.size() ? row_starts_[first] : bytes_.size();
    const std::size_t to = last < row_starts_.size() ? row_starts_[last] : bytes_.size();
    std::string out;
    if (text_) return out.append(bytes_, from, to - from);
    out.reserve(header.size() + (to - from) + trailer.size());
    out.append(header).append(bytes_, from, to - from).append(trailer);
    return out;
  }
  // Every row, in place: the buffer keeps room for the header and trailer around the rows.
  std::string_view whole() {
    if (text_) return bytes_;
    framed_.clear();
    framed_.reserve(header.size() + bytes_.size() + trailer.size());
    framed_.append(header).append(bytes_).append(trailer);
    return framed_;
  }

  void null() { put_be(std::int32_t{-1}); }
  template <class I>
  void fixed(I v) {
    put_be(static_cast<std::int32_t>(sizeof(I)));
    put_be(v);
  }
  void raw(const void* p, std::size_t n) {
    put_be(static_cast<std::int32_t>(n));
    bytes_.append(static_cast<const char*>(p), n);
  }

  // Values of a member; false when the value cannot be stored (the row is then undone).
  template <class M>
  bool value(const M& v) {
    using namespace reflect;
    if constexpr (is_optional<M>) {
      if (!v) {
        null();
        return true;
      }
      return value(*v);
    } else if constexpr (boolean<M>) {
      const char b = v ? 1 : 0;
      raw(&b, 1);
      return true;
    } else if constexpr (std::same_as<M, char>) {
      if (v == 0 || static_cast<unsigned char>(v) >= 0x80) return false;  // one byte of valid UTF-8
      raw(&v, 1);
      return true;
    } else if constexpr (reflect::integer<M>) {
      if constexpr (std::is_unsigned_v<M> && sizeof(M) == 8)
        if (v > static_cast<M>(std::numeric_limits<std::int64_t>::max())) return false;
      fixed(static_cast<wire_integer<M>>(v));
      return true;
    } else if constexpr (std::is_floating_point_v<M>) {
      // Every value, NaN and the infinities included, is a value of real/double precision.
      if constexpr (sizeof(M) == 4) fixed(std::bit_cast<std::int32_t>(static_cast<float>(v)));
      else fixed(std::bit_cast<std::int64_t>(static_cast<double>(v)));
      return true;
    } else if constexpr (std::same_as<M, std::string>) {
      if (!valid_text(v)) return false;
      raw(v.data(), v.size());
      return true;
    } else if constexpr (named_enum<M>) {
      const std::string_view s = sinkforge_enum_name(v);
      raw(s.data(), s.size());
      return true;
    } else if constexpr (std::is_enum_v<M>) {
      return value(static_cast<std::underlying_type_t<M>>(v));
    } else if constexpr (is_sys_time<M>) {
      return timestamp(v);
    } else if constexpr (sql_detail::json_column<M>()) {
      // jsonb's binary form: a version byte (1), then the JSON text.
      if (!sql_detail::write_json_column(json_, v)) return false;
      put_be(static_cast<std::int32_t>(json_.size() + 1));
      bytes_ += '\1';
      bytes_.append(json_.data(), json_.size());
      return true;
    } else {
      raw(v.data(), v.size());
      return true;
    }
  }

 private:
  template <class I>
  void put_be(I v) {
    using U = std::make_unsigned_t<I>;
    auto u = static_cast<U>(v);
    if constexpr (std::endian::native == std::endian::little && sizeof(U) > 1) u = byteswap(u);
    const std::size_t at = bytes_.size();
    bytes_.resize(at + sizeof(U));
    std::memcpy(bytes_.data() + at, &u, sizeof(U));
  }
  template <class U>
  static constexpr U byteswap(U v) noexcept {
    if constexpr (sizeof(U) == 2) return static_cast<U>(__builtin_bswap16(v));
    else if constexpr (sizeof(U) == 4) return static_cast<U>(__builtin_bswap32(v));
    else return static_cast<U>(__builtin_bswap64(v));
  }

  // timestamptz: microseconds since 2000-01-01 UTC, rounded down; a time int64 microseconds cannot
  // count is invalid (so is one beyond PostgreSQL's own range, which the server reports).
  template <class D>
  bool timestamp(std::chrono::time_point<std::chrono::system_clock, D> tp) {
    using namespace std::chrono;
    constexpr std::int64_t epoch_us = pg_epoch_seconds * 1'000'000;
    std::int64_t us = 0;
    if constexpr (std::is_floating_point_v<typename D::rep>) {
      const double v = duration<double, std::micro>(tp.time_since_epoch()).count();
      if (!(v > -9.2e18 && v < 9.2e18)) return false;  // NaN fails too
      us = static_cast<std::int64_t>(v);
      if (static_cast<double>(us) > v) --us;  // rounded down, like floor<> below
    } else if constexpr (std::ratio_less_equal_v<typename D::period, std::micro> ||
                         std::ratio_divide<typename D::period, std::micro>::den != 1) {
      us = floor<microseconds>(tp.time_since_epoch()).count();
    } else {
      constexpr auto per = std::ratio_divide<typename D::period, std::micro>::num;
      if (__builtin_mul_overflow(static_cast<std::int64_t>(tp.time_since_epoch().count()), per, &us)) return false;
    }
    std::int64_t since_2000 = 0;
    if (__builtin_sub_overflow(us, epoch_us, &since_2000)) return false;
    fixed(since_2000);
    return true;
  }

  std::string bytes_;
  std::string framed_;
  byte_buffer json_;
  std::vector<std::size_t> row_starts_;
  bool text_ = false;
};

// Appends `r` as a row; the name of the first member that cannot be stored (the row is then taken
// back), or null.
template <class T>
const char* put_row(copy_buffer& out, const T& r) {
  out.begin_row(static_cast<std::uint16_t>(reflect::member_count<T>()));
  const char* bad = nullptr;
  reflect::for_each_member(r, [&](auto column, const auto& m) {
    if (!bad && !out.value(m)) bad = decltype(column)::c_str();
  });
  if (bad) out.undo_row();
  return bad;
}

}  // namespace sinkforge::inline v1::postgres::detail
