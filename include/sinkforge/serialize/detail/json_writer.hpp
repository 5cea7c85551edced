// The JSON encoder behind serialize::json and serialize::ndjson. One capacity check per record:
// json_bound(v) is an upper bound of the bytes v can take (the fixed part folds to a constant at
// compile time, strings count 6 bytes per input byte), and put_json then writes through a raw
// pointer. Member keys with their quotes, colon and leading comma (or the opening brace) are
// compile-time constants copied in 16-byte blocks; strings are scanned 16 bytes at a time (SSE2,
// else 8 with SWAR) with a fast path for clean ASCII; numbers use detail/numbers.hpp.
#pragma once
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/string.hpp>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <sinkforge/dynamic/record.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/serialize/detail/text.hpp>

namespace sinkforge::inline v1 {

namespace serialize::detail {

struct json_context {
  serialize::invalid_utf8 utf8 = serialize::invalid_utf8::replace;
  // Diagnostic renderings (dead letters) never fail: NaN and infinities become strings.
  bool lenient = false;
};

// 0: copy, 1: short or \u escape, 2: non-ASCII (UTF-8 check).
inline constexpr auto json_char_class = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = 1;
  t['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}();

// The escape of each ASCII byte of class 1: its length and up to 6 bytes.
struct json_escape_seq {
  std::uint8_t len;
  char text[6];
};
inline constexpr auto json_escapes = [] {
  std::array<json_escape_seq, 0x60> t{};
  constexpr char hex[] = "0123456789abcdef";
  for (int c = 0; c < 0x20; ++c) t[c] = {6, {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]}};
  t['\b'] = {2, {'\\', 'b'}};
  t['\f'] = {2, {'\\', 'f'}};
  t['\n'] = {2, {'\\', 'n'}};
  t['\r'] = {2, {'\\', 'r'}};
  t['\t'] = {2, {'\\', 't'}};
  t['"'] = {2, {'\\', '"'}};
  t['\\'] = {2, {'\\', '\\'}};
  return t;
}();

// Bytes that need work among 8 (bit 7 of each flagged byte set; the lowest flag is exact):
// below 0x20, '"', '\\', or non-ASCII.
SINKFORGE_ALWAYS_INLINE std::uint64_t json_special8(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  const std::uint64_t below_space = (w - ones * 0x20) & ~w & high;
  const std::uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
  return below_space | ((q - ones) & ~q & high) | ((bs - ones) & ~bs & high) | (w & high);
}

#if defined(__SSE2__)
// Bit i set when byte i of the 16 needs work.
SINKFORGE_ALWAYS_INLINE unsigned json_special16(__m128i v) noexcept {
  // Signed compare: bytes >= 0x80 are negative, so "< 0x20" also flags non-ASCII.
  const __m128i special =
      _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                   _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
  return static_cast<unsigned>(_mm_movemask_epi8(special));
}
#endif

// Room a writer reserves past the bound of a value: the 16-byte block of a short string's tail may
// be stored whole (the bytes past the string are overwritten by what follows or left unused).
inline constexpr std::size_t json_store_slack = 16;

// With SINKFORGE_JSON_TAIL_BLOCK=1, a string tail shorter than 16 bytes is loaded as one 16-byte
// block when that block does not reach into the next page (the bytes past the string are mapped,
// and masked off): one load, compare and store whatever the length. Reading past an object is
// undefined behaviour that sanitizers report (ThreadSanitizer sees freed heap bytes), so it is off
// unless asked for, and never on under a sanitizer.
#if !defined(__SSE2__) || defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#undef SINKFORGE_JSON_TAIL_BLOCK
#define SINKFORGE_JSON_TAIL_BLOCK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#undef SINKFORGE_JSON_TAIL_BLOCK
#define SINKFORGE_JSON_TAIL_BLOCK 0
#endif
#endif
#ifndef SINKFORGE_JSON_TAIL_BLOCK
#define SINKFORGE_JSON_TAIL_BLOCK 0
#endif

// Copies the clean bytes from s on (at most up to end) to out, checking W bytes at a time; stops
// at the first byte that needs work. `run` is where the current clean run began: its bytes were
// copied one for one, so a last block may overlap them (rewriting equal bytes) instead of falling
// back to a byte loop. Block stores may write past the clean bytes: they stay inside the room of
// the input bytes still to come (6 per byte). True when a byte that needs work was reached.
SINKFORGE_ALWAYS_INLINE bool json_copy_clean(char*& out, const char*& s, const char* end, const char* run) noexcept {
#if defined(__SSE2__)
  while (end - s >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
    if (const unsigned mask = json_special16(v)) {
      const int j = std::countr_zero(mask);
      s += j;
      out += j;
      return true;
    }
    s += 16;
    out += 16;
  }
#if SINKFORGE_JSON_TAIL_BLOCK
  if (s != end && (reinterpret_cast<std::uintptr_t>(s) & 4095) <= 4096 - 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
    const auto n = end - s;  // 1..15
    if (const unsigned mask = json_special16(v) & ((1u << n) - 1)) {
      const int j = std::countr_zero(mask);
      s += j;
      out += j;
      return true;
    }
    out += n;
    s = end;
    return false;
  }
#endif
  if (s != end && end - run >= 16) {
    const char* q = end - 16;
    const auto back = s - q;
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out - back), v);
    const unsigned mask = json_special16(v) >> back;
    if (mask) {
      const int j = std::countr_zero(mask);
      s += j;
      out += j;
      return true;
    }
    out += end - s;
    s = end;
    return false;
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    while (end - s >= 8) {
      std::uint64_t w;
      std::memcpy(&w, s, 8);
      std::memcpy(out, &w, 8);
      if (const std::uint64_t m = json_special8(w)) {
        const int j = std::countr_zero(m) / 8;
        s += j;
        out += j;
        return true;
      }
      s += 8;
      out += 8;
    }
    if (s != end && end - run >= 8) {
      const char* q = end - 8;
      const auto back = s - q;
      std::uint64_t w;
      std::memcpy(&w, q, 8);
      std::memcpy(out - back, &w, 8);
      const std::uint64_t m = json_special8(w) >> (8 * back);
      if (m) {
        const int j = std::countr_zero(m) / 8;
        s += j;
        out += j;
        return true;
      }
      out += end - s;
      s = end;
      return false;
    }
  }
  if constexpr (std::endian::native == std::endian::little) {
    if (end - s >= 4) {  // 4 to 7 bytes left: two overlapping 4-byte blocks checked as one word
      std::uint32_t a, b;
      std::memcpy(&a, s, 4);
      std::memcpy(&b, end - 4, 4);
      std::memcpy(out, &a, 4);
      std::memcpy(out + (end - s) - 4, &b, 4);
      if (const std::uint64_t m = json_special8(a | (static_cast<std::uint64_t>(b) << 32))) {
        // The lowest flag is the first byte that needs work (a byte in both blocks is flagged
        // in the first one first).
        const int bit = std::countr_zero(m) / 8;
        const auto j = bit < 4 ? bit : (end - s) - 8 + bit;
        s += j;
        out += j;
        return true;
      }
      out += end - s;
      s = end;
      return false;
    }
  }
  while (s < end && json_char_class[static_cast<unsigned char>(*s)] == 0) *out++ = *s++;
  return s != end;
}

// One byte that needs work at s (before end): its escape, or the UTF-8 sequence it starts, or
// U+FFFD for a broken one. Returns how many input bytes it took; 0 under invalid_utf8::reject for
// a broken sequence (ok is then false).
SINKFORGE_ALWAYS_INLINE std::size_t put_json_special(char*& out, const char* s, const char* end, invalid_utf8 rule,
                                                     bool& ok) noexcept {
  const auto c = static_cast<unsigned char>(*s);
  if (c < 0x80) {
    const json_escape_seq& e = json_escapes[c];
    std::memcpy(out, e.text, 6);
    out += e.len;
    return 1;
  }
  std::size_t consumed = 0;
  const std::size_t n = utf8_sequence(reinterpret_cast<const unsigned char*>(s),
                                      reinterpret_cast<const unsigned char*>(end), consumed);
  if (SINKFORGE_LIKELY(n != 0)) {
    // n is 2..4: two overlapping 2-byte copies, without a variable-length memcpy call.
    std::memcpy(out, s, 2);
    std::memcpy(out + n - 2, s + n - 2, 2);
    out += n;
    return n;
  }
  if (rule == invalid_utf8::reject) {
    ok = false;
    return 0;
  }
  std::memcpy(out, replacement_char, 3);
  out += 3;
  return consumed;
}

// Where the out-of-line string steps stopped, and whether the string was valid. Returned in two
// registers: a `bool&` argument would keep the caller's flag, and with it the output pointer, in
// memory on the fast path too.
struct json_string_end {
  char* out;
  bool ok;
};

// The bytes from s on, where a byte that needs work stands, and the closing quote.
[[gnu::noinline]] inline json_string_end put_json_string_rest(char* out, const char* s, const char* end,
                                                              invalid_utf8 rule) noexcept {
  bool ok = true;
  do {
    const std::size_t took = put_json_special(out, s, end, rule, ok);
    if (took == 0) return {out, false};
    s += took;
  } while (json_copy_clean(out, s, end, s));
  *out++ = '"';
  return {out, true};
}

#if defined(__SSE2__)
// A string of n < 16 bytes held whole in the block v, whose bytes flagged in mask need work; out
// already holds the block's bytes before the first flagged one. The clean runs between flagged
// bytes are copied from the block (put in a buffer and read at byte offsets) rather than
// scanned again.
[[gnu::noinline]] inline json_string_end put_json_short_string_rest(char* out, const char* s, unsigned n, __m128i v,
                                                                   unsigned mask, invalid_utf8 rule) noexcept {
  bool ok = true;
  alignas(16) char block[32];
  _mm_store_si128(reinterpret_cast<__m128i*>(block), v);
  _mm_store_si128(reinterpret_cast<__m128i*>(block + 16), _mm_setzero_si128());
  unsigned i = static_cast<unsigned>(std::countr_zero(mask));
  out += i;
  for (;;) {
    const std::size_t took = put_json_special(out, s + i, s + n, rule, ok);
    if (took == 0) return {out, false};
    i += static_cast<unsigned>(took);
    mask &= ~0u << i;  // i <= 16
    if (mask == 0) break;
    const auto j = static_cast<unsigned>(std::countr_zero(mask));
    std::memcpy(out, block + i, 16);
    out += j - i;
    i = j;
  }
  std::memcpy(out, block + i, 16);
  out += n - i;
  *out++ = '"';
  return {out, true};
}
#endif

// UTF-8 validation as a table-driven automaton, one load per byte and no branch on the bytes:
// state 0 accepts, 1 rejects for good, the others wait for continuation bytes (with the narrower
// ranges after E0, ED, F0 and F4 that exclude overlong forms, surrogates and code points above
// U+10FFFF), as utf8_sequence decides. A class template, so only the fast encoder compiles it.
template <class = void>
struct utf8_automaton {
  static constexpr auto next = [] {
    enum : std::uint8_t { ok, bad, more1, more2, more3, after_e0, after_ed, after_f0, after_f4, count };
    std::array<std::uint8_t, count * 256> t{};
    const auto set = [&](int state, int lo, int hi, std::uint8_t to) {
      for (int b = lo; b <= hi; ++b) t[static_cast<std::size_t>(state * 256 + b)] = to;
    };
    for (int s = 0; s < count; ++s) set(s, 0, 255, bad);
    set(ok, 0x00, 0x7F, ok);
    set(ok, 0xC2, 0xDF, more1);
    set(ok, 0xE0, 0xE0, after_e0);
    set(ok, 0xE1, 0xEC, more2);
    set(ok, 0xED, 0xED, after_ed);
    set(ok, 0xEE, 0xEF, more2);
    set(ok, 0xF0, 0xF0, after_f0);
    set(ok, 0xF1, 0xF3, more3);
    set(ok, 0xF4, 0xF4, after_f4);
    set(more1, 0x80, 0xBF, ok);
    set(more2, 0x80, 0xBF, more1);
    set(more3, 0x80, 0xBF, more2);
    set(after_e0, 0xA0, 0xBF, more1);
    set(after_ed, 0x80, 0x9F, more1);
    set(after_f0, 0x90, 0xBF, more2);
    set(after_f4, 0x80, 0x8F, more2);
    return t;
  }();

  static bool valid(const char* s, const char* end) noexcept {
    unsigned state = 0;
    for (; s != end; ++s) state = next[state * 256 + static_cast<unsigned char>(*s)];
    return state == 0;
  }
};

// Bytes that may be read from s.data() on (a lower bound): a std::string's buffer holds
// capacity() + 1 chars (the terminator's place included), and its capacity is at least 15 (the
// small-string buffer), so 16 bytes from data() are always its own memory, whatever its length;
// 16 is all the encoder asks, so it is not read from the string. Other strings: their size.
template <class S>
SINKFORGE_ALWAYS_INLINE std::size_t json_readable_bytes(const S& s) noexcept {
#if defined(__GLIBCXX__) || defined(_LIBCPP_VERSION)
  if constexpr (std::is_same_v<S, std::string>) return 16;
#endif
  return s.size();
}

// Whether the non-ASCII bytes of [s, end) - bit i of `high` for byte i - are whole UTF-8 sequences:
// only those bytes are looked at, a sequence at a time.
SINKFORGE_ALWAYS_INLINE bool whole_sequences(const char* s, const char* end, unsigned high) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s);
  const auto* e = reinterpret_cast<const unsigned char*>(end);
  while (high != 0) {
    const int i = std::countr_zero(high);
    std::size_t consumed = 0;
    const std::size_t n = utf8_sequence(p + i, e, consumed);
    if (n == 0) return false;
    high &= ~(((1u << n) - 1) << i);
  }
  return true;
}

#if defined(__SSE2__)
// Whether the first n bytes of the block v, whose non-ASCII bytes are the bits of `high`, are
// whole UTF-8 sequences of 2 or 3 bytes, decided from byte-class masks at once rather than a
// sequence at a time. Only the leads whose second byte accepts any continuation byte are taken
// (C2-DF, E1-EC, EE-EF: Latin, Greek, Cyrillic, CJK, ...); with any other byte above 0x7F
// (E0, ED and 4-byte leads, or invalid bytes) the answer is left to whole_sequences.
SINKFORGE_ALWAYS_INLINE bool whole_short_sequences(__m128i v, unsigned n, unsigned high, const char* s,
                                                   const char* end) noexcept {
  // Signed bytes: 80-BF are -128..-65, C2-DF are -62..-33, E0-EF are -32..-17.
  const auto below = [&](int x) { return _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(x))); };
  const __m128i under_c2 = below(-62), under_e0 = below(-32), under_f0 = below(-16);
  const unsigned continuation = static_cast<unsigned>(_mm_movemask_epi8(below(-64)));
  const unsigned lead2 = static_cast<unsigned>(_mm_movemask_epi8(_mm_andnot_si128(under_c2, under_e0)));
  const unsigned lead3 = static_cast<unsigned>(_mm_movemask_epi8(_mm_andnot_si128(under_e0, under_f0)));
  const unsigned narrow = static_cast<unsigned>(_mm_movemask_epi8(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(static_cast<char>(0xE0))),
                   _mm_cmpeq_epi8(v, _mm_set1_epi8(static_cast<char>(0xED))))));
  const unsigned in_string = (1u << n) - 1;
  // Each lead claims the continuation bytes right after it; they must be exactly the
  // continuation bytes of the string: none past its end, none unclaimed, and no lead where a
  // continuation byte is due (a lead is not a continuation byte, so that fails the equality).
  const unsigned claimed = (lead2 << 1) | (lead3 << 1) | (lead3 << 2);
  if (SINKFORGE_LIKELY((narrow & in_string) == 0 && ((lead2 | lead3 | continuation) & in_string) == high &&
                       claimed == (continuation & in_string)))
    return true;
  return whole_sequences(s, end, high);
}
#endif

// Writes the contents of `str` as a JSON string and its closing quote at out, the opening quote
// being written already (a member's key constant ends in it). out has room for 6 * str.size() + 1
// bytes and json_store_slack more; `readable` bytes (>= str.size()) may be read from str.data() on, and
// `terminated` says that a NUL stands at str.data()[str.size()] (as in a std::string). Sets ok to
// false (and stops) on invalid UTF-8 under invalid_utf8::reject. Clean strings are copied inline;
// escapes and non-ASCII bytes are handled out of line.
SINKFORGE_ALWAYS_INLINE char* put_json_string_after_quote(char* out, std::string_view str, invalid_utf8 rule, bool& ok,
                                                          std::size_t readable = 0, bool terminated = false) noexcept {
  const char* s = str.data();
  const char* const end = s + str.size();
#if defined(__SSE2__)
  // Shorter than 16 bytes (names, codes, ids) in a buffer with 16 readable bytes (a std::string,
  // or with SINKFORGE_JSON_TAIL_BLOCK a block that stays inside its page): one block, whatever
  // the length; the bytes past the string are masked off.
  if (const auto n = str.size();
      n < 16 && (readable >= 16 ||
                 (SINKFORGE_JSON_TAIL_BLOCK && (reinterpret_cast<std::uintptr_t>(s) & 4095) <= 4096 - 16))) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
    const unsigned flagged = json_special16(v);
    // A terminating NUL is flagged itself (a control byte): the string is clean when it is the
    // first flagged byte, with no mask to build first. (The bit or-ed in only tells the compiler
    // that some bit is set.)
    if (terminated && SINKFORGE_LIKELY(static_cast<std::size_t>(std::countr_zero(flagged | 0x10000u)) == n)) {
      out[n] = '"';
      return out + n + 1;
    }
    const unsigned mask = flagged & ((1u << n) - 1);
    // Non-ASCII bytes but nothing to escape: if the UTF-8 is valid, the block stored is the text.
    const auto escapes = mask & ~static_cast<unsigned>(_mm_movemask_epi8(v));
    if ((!terminated && SINKFORGE_LIKELY(mask == 0)) ||
        (escapes == 0 && whole_short_sequences(v, static_cast<unsigned>(n), mask, s, end))) {
      out[n] = '"';
      return out + n + 1;
    }
    if (escapes == mask && (mask & (mask - 1)) == 0) {  // one byte to escape (O"Brien), nothing to check
      const auto j = static_cast<unsigned>(std::countr_zero(mask));
      const json_escape_seq& e = json_escapes[static_cast<unsigned char>(s[j])];
      alignas(16) char block[32];  // the bytes after it, read back from the block at an offset
      _mm_store_si128(reinterpret_cast<__m128i*>(block), v);
      _mm_store_si128(reinterpret_cast<__m128i*>(block + 16), _mm_setzero_si128());
      std::memcpy(out + j, e.text, 6);
      std::memcpy(out + j + e.len, block + j + 1, 16);
      out[n - 1 + e.len] = '"';
      return out + n + e.len;
    }
    const json_string_end r = put_json_short_string_rest(out, s, static_cast<unsigned>(n), v, mask, rule);
    ok = ok && r.ok;
    return r.out;
  }
#endif
  if (SINKFORGE_UNLIKELY(json_copy_clean(out, s, end, s))) {
    const json_string_end r = put_json_string_rest(out, s, end, rule);
    ok = ok && r.ok;
    return r.out;
  }
  *out++ = '"';
  return out;
}

// Writes `str` as a quoted JSON string at out, which has room for 6 * str.size() + 2 bytes and
// json_store_slack more (see put_json_string_after_quote).
SINKFORGE_ALWAYS_INLINE char* put_json_string(char* out, std::string_view str, invalid_utf8 rule, bool& ok,
                                              std::size_t readable = 0, bool terminated = false) noexcept {
  *out = '"';
  return put_json_string_after_quote(out + 1, str, rule, ok, readable, terminated);
}

// The same output as put_json_string, one byte at a time (diagnostic renderings).
inline char* put_json_string_plain(char* out, std::string_view str, invalid_utf8 rule, bool& ok) noexcept {
  *out++ = '"';
  const auto* s = reinterpret_cast<const unsigned char*>(str.data());
  const auto* const end = s + str.size();
  while (s < end) {
    const unsigned char c = *s;
    if (json_char_class[c] == 0) {
      *out++ = static_cast<char>(c);
      ++s;
    } else if (c < 0x80) {
      const json_escape_seq& e = json_escapes[c];
      std::memcpy(out, e.text, e.len);
      out += e.len;
      ++s;
    } else {
      std::size_t consumed = 0;
      const std::size_t n = utf8_sequence(s, end, consumed);
      if (n != 0) {
        std::memcpy(out, s, n);
        out += n;
        s += n;
      } else {
        if (rule == invalid_utf8::reject) {
          ok = false;
          break;
        }
        std::memcpy(out, replacement_char, 3);
        out += 3;
        s += consumed;
      }
    }
  }
  *out++ = '"';
  return out;
}

// Kept for callers that write into a byte_buffer. False only under invalid_utf8::reject.
inline bool write_json_string(byte_buffer& b, std::string_view s, invalid_utf8 rule) {
  bool ok = true;
  b.commit_to(put_json_string(b.ensure(s.size() * 6 + 2 + json_store_slack), s, rule, ok));
  return ok;
}

template <class Name>
struct json_key;
// `{"name":` (the first member's key opens the object) and `,"name":`, built once per member at
// compile time. Each is padded with zeros to whole 16-byte blocks and copied as such: the bytes
// past the key are overwritten by the value or stay in the record's slack (json_store_slack).
// Before a string member the key ends in the string's opening quote as well (`quoted`, one byte
// longer): one store fewer per string.
template <char... Cs>
struct json_key<boost::hana::string<Cs...>> {
  static constexpr std::size_t size = sizeof...(Cs) + 4;
  static constexpr std::size_t padded = (size + 1 + 15) / 16 * 16;  // room for the quote too
  alignas(16) static constexpr char first[padded] = {'{', '"', Cs..., '"', ':'};
  alignas(16) static constexpr char next[padded] = {',', '"', Cs..., '"', ':'};
  alignas(16) static constexpr char first_quoted[padded] = {'{', '"', Cs..., '"', ':', '"'};
  alignas(16) static constexpr char next_quoted[padded] = {',', '"', Cs..., '"', ':', '"'};
};

// Stores a key constant of `padded` bytes (a multiple of 16) whole. With SSE2, as explicit 16-byte
// loads and stores: GCC expands a memcpy from the constant through a stack copy it keeps alive.
template <std::size_t padded>
SINKFORGE_ALWAYS_INLINE void put_json_key_block(char* p, const char* key) noexcept {
#if defined(__SSE2__)
  for (std::size_t i = 0; i < padded; i += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + i), _mm_load_si128(reinterpret_cast<const __m128i*>(key + i)));
#else
  std::memcpy(p, key, padded);
#endif
}

template <class T>
constexpr bool json_encodable();

template <class T>
constexpr bool json_encodable_member(std::type_identity<T>) {
  return json_encodable<T>();
}

template <class T>
constexpr bool json_encodable() {
  using namespace reflect;
  if constexpr (boolean<T> || integer<T> || std::is_floating_point_v<T> || string_like<T> ||
                std::same_as<T, char> || is_sys_time<T> || std::is_enum_v<T>)
    return true;
  else if constexpr (is_optional<T>)
    return json_encodable<typename optional_traits<T>::value_type>();
  else if constexpr (dynamic::is_record<T>)
    return true;
  else if constexpr (is_struct<T>)
    return reflect::all_members<T>([](auto t) { return json_encodable_member(t); });
  else if constexpr (map_like<T>)
    return json_encodable<typename T::mapped_type>();
  else if constexpr (sequence_like<T>)
    return json_encodable<std::remove_cvref_t<sinkforge::detail::range_value_t<T>>>();
  else
    return false;
}


// Upper bound of the bytes put_json writes for any value of T, or 0 when it depends on the value.
template <class T>
constexpr std::size_t json_fixed_bound();

template <class S>
constexpr std::size_t json_struct_fixed_bound() {
  std::size_t n = 2;
  bool fixed = true;
  boost::hana::for_each(boost::hana::accessors<S>(), [&](auto pair) {
    using key = json_key<std::remove_cvref_t<decltype(boost::hana::first(pair))>>;
    using M = std::remove_cvref_t<decltype(boost::hana::second(pair)(std::declval<const S&>()))>;
    constexpr std::size_t b = json_fixed_bound<M>();
    n += key::size + b;
    fixed = fixed && b != 0;
  });
  return fixed ? n : 0;
}

template <class T>
constexpr std::size_t json_fixed_bound() {
  using namespace reflect;
  if constexpr (boolean<T>) return 5;
  else if constexpr (integer<T>) return 20;
  else if constexpr (std::is_floating_point_v<T>) return max_floating_chars<T>;  // >= 13: "-Infinity" quoted
  else if constexpr (std::same_as<T, char>) return 8;
  else if constexpr (is_sys_time<T>) return rfc3339_max_chars + 2;
  else if constexpr (named_enum<T>) return 0;
  else if constexpr (std::is_enum_v<T>) return 20;
  else if constexpr (is_optional<T>) {
    constexpr std::size_t b = json_fixed_bound<typename optional_traits<T>::value_type>();
    return b == 0 ? 0 : (b < 4 ? 4 : b);
  } else if constexpr (is_struct<T>) return json_struct_fixed_bound<T>();
  else return 0;
}

template <class T>
std::size_t json_bound(const T& v) {
  using namespace reflect;
  if constexpr (constexpr std::size_t fixed = json_fixed_bound<T>(); fixed != 0) {
    return fixed;
  } else if constexpr (string_like<T>) {
    return v.size() * 6 + 2;
  } else if constexpr (named_enum<T>) {
    return std::string_view(sinkforge_enum_name(v)).size() * 6 + 2;
  } else if constexpr (is_optional<T>) {
    if (!v) return 4;
    const std::size_t b = json_bound(*v);
    return b < 4 ? 4 : b;
  } else if constexpr (dynamic::is_record<T>) {
    std::size_t n = 2;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const dynamic::value& x = v[i];
      n += v.names()[i].size() * 6 + 4;
      switch (x.type) {
        case dynamic::kind::text: n += x.text.size() * 6 + 2; break;
        case dynamic::kind::json: n += x.text.size(); break;
        case dynamic::kind::real: n += max_floating_chars<double> + 2; break;
        default: n += 20;
      }
    }
    return n;
  } else if constexpr (is_struct<T>) {
    std::size_t n = 2;
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      using key = json_key<std::remove_cvref_t<decltype(boost::hana::first(pair))>>;
      n += key::size + json_bound(boost::hana::second(pair)(v));
    });
    return n;
  } else if constexpr (map_like<T>) {
    std::size_t n = 2;
    for (const auto& [k, val] : v) n += k.size() * 6 + 4 + json_bound(val);
    return n;
  } else {
    using E = std::remove_cvref_t<sinkforge::detail::range_value_t<T>>;
    std::size_t n = 2;
    if constexpr (json_fixed_bound<E>() != 0 && requires { v.size(); }) {
      n += v.size() * (json_fixed_bound<E>() + 1);
    } else {
      for (const auto& e : v) n += json_bound(e) + 1;
    }
    return n;
  }
}

// The first failure of a record is the one reported; later members are still written (within
// their bound) and the record is discarded.
SINKFORGE_ALWAYS_INLINE void json_fail(encode_status& st, encode_errc code, const char* field) noexcept {
  if (st) st = {code, field};
}

// Fast: the block-wise string scan and the own double formatter. The diagnostic renderings
// (to_json_lenient, instantiated by every sink for dead letters) take the plain byte loop and
// std::to_chars instead, with the same output, so a sink that never encodes JSON on its hot path
// does not compile the fast code.
template <bool Fast, class T>
char* put_json(char* p, const T& v, const char* field, const json_context& cx, encode_status& st);

template <bool Fast>
SINKFORGE_ALWAYS_INLINE char* put_json_text(char* p, std::string_view s, const char* field, const json_context& cx,
                                            encode_status& st, std::size_t readable = 0, bool terminated = false);

// The fast encoder's string after its opening quote (written with the member's key).
SINKFORGE_ALWAYS_INLINE char* put_json_text_after_quote(char* p, std::string_view s, const char* field,
                                                        const json_context& cx, encode_status& st, std::size_t readable,
                                                        bool terminated) {
  bool ok = true;
  p = put_json_string_after_quote(p, s, cx.utf8, ok, readable, terminated);
  if (SINKFORGE_UNLIKELY(!ok)) json_fail(st, encode_errc::invalid_utf8, field);
  return p;
}

// Members written in place inside the record's code rather than through a call per member.
template <class T>
inline constexpr bool json_inline_scalar =
    reflect::boolean<T> || reflect::integer<T> || std::is_floating_point_v<T> || reflect::string_like<T>;

template <bool Fast, class T>
SINKFORGE_ALWAYS_INLINE char* put_json_scalar(char* p, const T& v, const char* field, const json_context& cx,
                                              encode_status& st) {
  using namespace reflect;
  if constexpr (boolean<T>) {
    if (v) {
      std::memcpy(p, "true", 4);
      return p + 4;
    }
    std::memcpy(p, "false", 5);
    return p + 5;
  } else if constexpr (integer<T>) {
    return put_integer(p, v);
  } else if constexpr (std::is_floating_point_v<T>) {
    if constexpr (Fast) {
      if (char* e = put_short_floating(p, v)) return e;  // finite: no test of its own
    }
    if (SINKFORGE_LIKELY(is_finite(v))) {
      if constexpr (Fast) return put_long_floating(p, v);
      else return std::to_chars(p, p + max_floating_chars<T>, v).ptr;
    }
    if (!cx.lenient) {
      json_fail(st, encode_errc::non_finite_number, field);
      return p;
    }
    const std::string_view text = is_nan(v) ? "\"NaN\"" : (v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    std::memcpy(p, text.data(), text.size());
    return p + text.size();
  } else {
    static_assert(string_like<T>);
    return put_json_text<Fast>(p, v, field, cx, st, json_readable_bytes(v), std::is_same_v<T, std::string>);
  }
}

// One member with its key. Members are expanded by a fold rather than a lambda per member: in a
// large translation unit GCC may leave such a lambda out of line, a call per member that keeps the
// output pointer in memory.
template <bool Fast, bool First, class S, class Pair>
SINKFORGE_ALWAYS_INLINE char* put_json_member(char* p, const S& v, const Pair& pair, const json_context& cx,
                                              encode_status& st) {
  using name = std::remove_cvref_t<decltype(boost::hana::first(pair))>;
  using key = json_key<name>;
  const auto& member = boost::hana::second(pair)(v);
  using M = std::remove_cvref_t<decltype(member)>;
  if constexpr (Fast && reflect::string_like<M>) {
    put_json_key_block<key::padded>(p, First ? key::first_quoted : key::next_quoted);
    return put_json_text_after_quote(p + key::size + 1, member, name::c_str(), cx, st, json_readable_bytes(member),
                                     std::is_same_v<M, std::string>);
  }
  put_json_key_block<key::padded>(p, First ? key::first : key::next);
  p += key::size;
  if constexpr (json_inline_scalar<M>)
    return put_json_scalar<Fast>(p, member, name::c_str(), cx, st);
  else
    return put_json<Fast>(p, member, name::c_str(), cx, st);
}

template <bool Fast, class S, std::size_t... I>
SINKFORGE_ALWAYS_INLINE char* put_json_members(char* p, const S& v, const json_context& cx, encode_status& st,
                                               std::index_sequence<I...>) {
  const auto members = boost::hana::accessors<S>();
  ((p = put_json_member<Fast, I == 0>(p, v, boost::hana::at_c<I>(members), cx, st)), ...);
  return p;
}

template <bool Fast, class S>
SINKFORGE_ALWAYS_INLINE char* put_json_struct(char* p, const S& v, const json_context& cx, encode_status& st) {
  constexpr std::size_t n = decltype(boost::hana::length(boost::hana::accessors<S>()))::value;
  if constexpr (n == 0) *p++ = '{';  // else the first key opens it
  p = put_json_members<Fast>(p, v, cx, st, std::make_index_sequence<n>{});
  *p++ = '}';
  return p;
}

template <bool Fast>
SINKFORGE_ALWAYS_INLINE char* put_json_text(char* p, std::string_view s, const char* field, const json_context& cx,
                                            encode_status& st, std::size_t readable, bool terminated) {
  bool ok = true;
  if constexpr (Fast) p = put_json_string(p, s, cx.utf8, ok, readable, terminated);
  else p = put_json_string_plain(p, s, cx.utf8, ok);
  if (SINKFORGE_UNLIKELY(!ok)) json_fail(st, encode_errc::invalid_utf8, field);
  return p;
}

template <bool Fast, class T>
inline char* put_json(char* p, const T& v, const char* field, const json_context& cx, encode_status& st) {
  using namespace reflect;
  if constexpr (json_inline_scalar<T>) {
    return put_json_scalar<Fast>(p, v, field, cx, st);
  } else if constexpr (std::same_as<T, char>) {
    return put_json_text<Fast>(p, std::string_view(&v, 1), field, cx, st);
  } else if constexpr (is_sys_time<T>) {
    char* e = put_rfc3339(p + 1, v);
    if (SINKFORGE_UNLIKELY(!e)) {
      json_fail(st, encode_errc::unrepresentable, field);
      return p;
    }
    *p = '"';
    *e = '"';
    return e + 1;
  } else if constexpr (named_enum<T>) {
    return put_json_text<Fast>(p, std::string_view(sinkforge_enum_name(v)), field, cx, st);
  } else if constexpr (std::is_enum_v<T>) {
    return put_integer(p, static_cast<std::underlying_type_t<T>>(v));
  } else if constexpr (is_optional<T>) {
    if (v) return put_json<Fast>(p, *v, field, cx, st);
    std::memcpy(p, "null", 4);
    return p + 4;
  } else if constexpr (dynamic::is_record<T>) {
    *p++ = '{';
    for (std::size_t i = 0; i < v.size(); ++i) {
      const char* name = v.names()[i].c_str();
      if (i) *p++ = ',';
      p = put_json_text<Fast>(p, v.names()[i], name, cx, st);
      *p++ = ':';
      const dynamic::value& x = v[i];
      switch (x.type) {
        case dynamic::kind::null: std::memcpy(p, "null", 4), p += 4; break;
        case dynamic::kind::boolean: p = put_json_scalar<Fast>(p, x.integer != 0, name, cx, st); break;
        case dynamic::kind::integer: p = put_integer(p, x.integer); break;
        case dynamic::kind::real: {
          // A whole real keeps a ".0": read back, it is a real again, not an integer.
          char* from = p;
          p = put_json_scalar<Fast>(p, x.real, name, cx, st);
          bool marked = false;
          for (char* c = from; c < p; ++c) marked = marked || *c == '.' || *c == 'e' || *c == 'E' || *c == '"';
          if (!marked && p > from) *p++ = '.', *p++ = '0';
          break;
        }
        case dynamic::kind::text: p = put_json_text<Fast>(p, x.text, name, cx, st); break;
        case dynamic::kind::json:
          // Written as given; a line break would split an NDJSON line.
          if (SINKFORGE_UNLIKELY(x.text.empty() || x.text.find_first_of("\n\r") != std::string::npos))
            json_fail(st, encode_errc::unrepresentable, name);
          std::memcpy(p, x.text.data(), x.text.size());
          p += x.text.size();
          break;
      }
    }
    *p++ = '}';
    return p;
  } else if constexpr (is_struct<T>) {
    return put_json_struct<Fast>(p, v, cx, st);
  } else if constexpr (map_like<T>) {
    *p++ = '{';
    bool first = true;
    for (const auto& [k, val] : v) {
      if (!first) *p++ = ',';
      first = false;
      p = put_json_text<Fast>(p, k, field, cx, st);
      *p++ = ':';
      p = put_json<Fast>(p, val, field, cx, st);
    }
    *p++ = '}';
    return p;
  } else if constexpr (sequence_like<T>) {
    *p++ = '[';
    bool first = true;
    for (const auto& e : v) {
      if (!first) *p++ = ',';
      first = false;
      p = put_json<Fast>(p, e, field, cx, st);
    }
    *p++ = ']';
    return p;
  } else {
    static_assert(json_encodable<T>(), "sinkforge: this type has no JSON encoding");
    return p;
  }
}

// One value followed by `terminator` (0 for none), appended to b; on failure b is left as it was.
template <bool Fast = true, class T>
SINKFORGE_ALWAYS_INLINE encode_status write_json(byte_buffer& b, const T& v, const char* field, const json_context& cx,
                                                 char terminator = 0) {
  encode_status st{};
  char* p = b.ensure(json_bound(v) + 1 + json_store_slack);
  if constexpr (reflect::is_struct<T>) p = put_json_struct<Fast>(p, v, cx, st);  // a record: all in line
  else p = put_json<Fast>(p, v, field, cx, st);
  if (SINKFORGE_UNLIKELY(!st)) return st;
  *p = terminator;
  b.commit_to(p + (terminator != 0));
  return st;
}

}  // namespace serialize::detail
}  // namespace sinkforge::inline v1
