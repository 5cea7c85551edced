// Text primitives shared by the text serializers: numbers, RFC 3339 time, UTF-8 checking.
#pragma once
#include <cstdint>
#include <cstring>
#include <ratio>
#include <string_view>
#include <type_traits>

#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/payload/byte_buffer.hpp>
#include <sinkforge/serialize/detail/finite.hpp>
#include <sinkforge/serialize/detail/numbers.hpp>

namespace sinkforge::inline v1::serialize {

// What a serializer does with bytes that are not valid UTF-8.
//  replace: each maximal invalid subsequence becomes U+FFFD (as the Unicode standard recommends);
//  reject:  the record is an invalid record (dead-lettered with the field name).
enum class invalid_utf8 : std::uint8_t { replace, reject };

namespace detail {

// Length of the valid UTF-8 sequence at p (1..4), or 0 with `consumed` set to the length of the
// maximal invalid subpart to skip.
inline std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end,
                                 std::size_t& consumed) noexcept {
  const unsigned char c = p[0];
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) need = 1;
  else if (c == 0xE0) { need = 2; lo = 0xA0; }
  else if (c >= 0xE1 && c <= 0xEC) need = 2;
  else if (c == 0xED) { need = 2; hi = 0x9F; }
  else if (c >= 0xEE && c <= 0xEF) need = 2;
  else if (c == 0xF0) { need = 3; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) need = 3;
  else if (c == 0xF4) { need = 3; hi = 0x8F; }
  else {
    consumed = 1;
    return 0;
  }
  for (std::size_t k = 1; k <= need; ++k) {
    if (p + k >= end) {
      consumed = k;
      return 0;
    }
    const unsigned char cc = p[k];
    const unsigned char l = (k == 1) ? lo : 0x80, h = (k == 1) ? hi : 0xBF;
    if (cc < l || cc > h) {
      consumed = k;
      return 0;
    }
  }
  return need + 1;
}

inline constexpr char replacement_char[] = "\xEF\xBF\xBD";

// Writes the shortest decimal that reads back as the same float, double or long double (no
// narrowing). False for NaN and infinities.
template <class F>
inline bool write_floating(byte_buffer& b, F v) {
  static_assert(std::is_floating_point_v<F>);
  if (SINKFORGE_UNLIKELY(!is_finite(v))) return false;
  b.commit_to(put_floating(b.ensure(max_floating_chars<F>), v));
  return true;
}

// Any integer, and char-sized ones as numbers too.
template <class I>
inline void write_integer(byte_buffer& b, I v) {
  b.commit_to(put_integer(b.ensure(20), v));
}

inline char* two_digits(char* p, unsigned v) noexcept {
  std::memcpy(p, digit_pairs + 2 * v, 2);
  return p + 2;
}

// Number of fractional digits a time point of duration D needs: 0, 3, 6 or 9.
template <class D>
constexpr int fraction_digits() {
  using P = typename D::period;
  if constexpr (P::num >= P::den) return 0;
  else if constexpr (P::den <= 1000) return 3;
  else if constexpr (P::den <= 1000000) return 6;
  else return 9;
}

// Most bytes put_rfc3339 writes: "9999-12-31T23:59:59.999999999Z".
inline constexpr std::size_t rfc3339_max_chars = 30;

// RFC 3339 in UTC, "2026-11-23T09:18:45.123Z", with the precision of the time point's duration.
// Null for years outside 0000..9999 (nothing written).
template <class D>
char* put_rfc3339(char* p, std::chrono::time_point<std::chrono::system_clock, D> tp) {
  const sinkforge::detail::civil_time t = sinkforge::detail::to_civil(tp);
  if (t.date.year < 0 || t.date.year > 9999) return nullptr;
  const auto y = static_cast<unsigned>(t.date.year);
  p = two_digits(p, y / 100);
  p = two_digits(p, y % 100);
  *p++ = '-';
  p = two_digits(p, t.date.month);
  *p++ = '-';
  p = two_digits(p, t.date.day);
  *p++ = 'T';
  p = two_digits(p, t.hour);
  *p++ = ':';
  p = two_digits(p, t.minute);
  *p++ = ':';
  p = two_digits(p, t.second);
  constexpr int digits = fraction_digits<D>();
  if constexpr (digits > 0) {
    *p++ = '.';
    put_digits(p, t.nanosecond / pow10_u64[9 - digits], digits);
    p += digits;
  }
  *p++ = 'Z';
  return p;
}

template <class D>
bool write_rfc3339(byte_buffer& b, std::chrono::time_point<std::chrono::system_clock, D> tp) {
  char* e = put_rfc3339(b.ensure(rfc3339_max_chars), tp);
  if (!e) return false;
  b.commit_to(e);
  return true;
}

}  // namespace detail
}  // namespace sinkforge::inline v1::serialize
