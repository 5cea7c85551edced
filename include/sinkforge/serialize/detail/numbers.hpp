// Number formatting into a raw pointer with room reserved by the caller: integers by digit pairs,
// and float/double in the shortest form that reads back as the same value, byte for byte what
// std::to_chars(first, last, v) writes. Only integer arithmetic is used, so the result does not
// depend on floating-point compiler flags (-ffast-math may rewrite x / 10^k as x * 10^-k).
#pragma once
#include <bit>
#include <cstddef>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <sinkforge/config.hpp>

namespace sinkforge::inline v1::serialize::detail {

inline constexpr char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

inline constexpr std::uint64_t pow10_u64[20] = {1ull,
                                               10ull,
                                               100ull,
                                               1000ull,
                                               10000ull,
                                               100000ull,
                                               1000000ull,
                                               10000000ull,
                                               100000000ull,
                                               1000000000ull,
                                               10000000000ull,
                                               100000000000ull,
                                               1000000000000ull,
                                               10000000000000ull,
                                               100000000000000ull,
                                               1000000000000000ull,
                                               10000000000000000ull,
                                               100000000000000000ull,
                                               1000000000000000000ull,
                                               10000000000000000000ull};

// Number of decimal digits of v (1 for 0).
SINKFORGE_ALWAYS_INLINE int decimal_digits(std::uint64_t v) noexcept {
  // bit_width * log10(2) is the count or one less; the table settles it.
  v |= 1;
  const int t = (static_cast<int>(std::bit_width(v)) * 1233) >> 12;
  return t + (v >= pow10_u64[t]);
}

// Writes exactly n digits of v (v < 10^n, leading zeros included) at p.
inline void put_digits(char* p, std::uint64_t v, int n) noexcept {
  char* e = p + n;
  while (e - p >= 2) {
    const auto r = static_cast<unsigned>(v % 100);
    v /= 100;
    e -= 2;
    std::memcpy(e, digit_pairs + 2 * r, 2);
  }
  if (e != p) *p = static_cast<char>('0' + v);
}

// The 8 decimal digits of v < 10^8, leading zeros included, as 8 ASCII bytes in memory order
// (little-endian): two 4-digit halves, then 2-digit and 1-digit splits in all lanes at once, so the
// digits come out of a short dependency chain instead of one division after another.
// eight_digit_values gives the digit values 0-9, eight_digits the ASCII bytes.
SINKFORGE_ALWAYS_INLINE std::uint64_t eight_digit_values(std::uint32_t v) noexcept {
  const std::uint64_t halves = (v / 10000) | (static_cast<std::uint64_t>(v % 10000) << 32);
  const std::uint64_t hundreds = ((halves * 10486) >> 20) & 0x0000007F0000007Full;  // x / 100 per lane
  const std::uint64_t pairs = hundreds | ((halves - 100 * hundreds) << 16);
  const std::uint64_t tens = ((pairs * 103) >> 10) & 0x000F000F000F000Full;  // x / 10 per lane
  return tens | ((pairs - 10 * tens) << 8);
}
SINKFORGE_ALWAYS_INLINE std::uint64_t eight_digits(std::uint32_t v) noexcept { return eight_digit_values(v) + 0x3030303030303030ull; }

#if defined(__SSE2__) && defined(__x86_64__)
#define SINKFORGE_DIGITS_SSE2 1
// The 16 decimal digit values (0-9) of hi * 10^8 + lo (hi, lo < 10^8), in memory order, both 8-digit
// halves at once (W. Mula's SSE2 conversion): each half split into two 4-digit numbers by one
// multiply, each of these spread over four 16-bit lanes and divided by 1000, 100, 10 and 1 with
// multiply-high, then each lane minus ten times its left neighbour.
SINKFORGE_ALWAYS_INLINE __m128i sixteen_digit_values(std::uint32_t hi, std::uint32_t lo) noexcept {
  const __m128i x = _mm_set_epi64x(lo, hi);
  const __m128i q = _mm_srli_epi64(_mm_mul_epu32(x, _mm_set1_epi64x(0xd1b71759)), 45);  // / 10^4 per half
  const __m128i r = _mm_sub_epi32(x, _mm_mul_epu32(q, _mm_set1_epi64x(10000)));
  // 16-bit lanes: 4 * (hi / 10^4), 4 * (hi % 10^4), 0, 0, then the same for lo.
  const __m128i t = _mm_slli_epi16(_mm_or_si128(q, _mm_slli_epi64(r, 16)), 2);
  const auto split = [](__m128i v) {  // 4 * abcd (x4), 4 * efgh (x4) -> a b c d e f g h
    constexpr short top = -32768;  // 0x8000 as an unsigned 16-bit lane
    const __m128i div = _mm_set_epi16(top, 13108, 5243, 8389, top, 13108, 5243, 8389);
    const __m128i shift = _mm_set_epi16(top, 1 << 13, 1 << 11, 1 << 7, top, 1 << 13, 1 << 11, 1 << 7);
    const __m128i prefixes = _mm_mulhi_epu16(_mm_mulhi_epu16(v, div), shift);  // a, ab, abc, abcd, e, ...
    return _mm_sub_epi16(prefixes, _mm_slli_epi64(_mm_mullo_epi16(prefixes, _mm_set1_epi16(10)), 16));
  };
  const __m128i lo_pairs = _mm_unpacklo_epi16(t, t), hi_pairs = _mm_unpackhi_epi16(t, t);
  return _mm_packus_epi16(split(_mm_unpacklo_epi32(lo_pairs, lo_pairs)), split(_mm_unpacklo_epi32(hi_pairs, hi_pairs)));
}
#endif

// Stores the last n (1..8) of the 8 digits at p; writes 8 bytes.
SINKFORGE_ALWAYS_INLINE void store_digits(char* p, std::uint64_t eight, int n) noexcept {
  const std::uint64_t w = eight >> (8 * (8 - n));
  std::memcpy(p, &w, 8);
}

// Writes v in decimal; may write up to 8 bytes past the digits, never past p + 20.
SINKFORGE_ALWAYS_INLINE char* put_uint(char* p, std::uint64_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    if (v < 100000000) {
      const int n = decimal_digits(v);
      store_digits(p, eight_digits(static_cast<std::uint32_t>(v)), n);
      return p + n;
    }
    std::uint64_t hi = v / 100000000;
    const auto lo = static_cast<std::uint32_t>(v - hi * 100000000);
#if defined(SINKFORGE_DIGITS_SSE2)
    if (hi < 100000000) {  // 9 to 16 digits: all 16 at once, then shifted past the leading zeros
      const __m128i d = sixteen_digit_values(static_cast<std::uint32_t>(hi), lo);
      const auto lead = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(d, _mm_setzero_si128())));
      const int lz = std::countr_zero(~lead | 0x10000u);  // < 8: hi != 0 (the bit only tells the compiler)
      const __m128i text = _mm_add_epi8(d, _mm_set1_epi8('0'));
      const auto a = static_cast<std::uint64_t>(_mm_cvtsi128_si64(text)) >> (8 * lz);
      const auto b = static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(text, text)));
      std::memcpy(p, &a, 8);
      std::memcpy(p + 8 - lz, &b, 8);
      return p + 16 - lz;
    }
#else
    if (hi < 100000000) {
      const int n = decimal_digits(hi);
      store_digits(p, eight_digits(static_cast<std::uint32_t>(hi)), n);
      store_digits(p + n, eight_digits(lo), 8);
      return p + n + 8;
    }
#endif
    const std::uint64_t top = hi / 100000000;
    const auto mid = static_cast<std::uint32_t>(hi - top * 100000000);
    const int n = decimal_digits(top);
    store_digits(p, eight_digits(static_cast<std::uint32_t>(top)), n);
    store_digits(p + n, eight_digits(mid), 8);
    store_digits(p + n + 8, eight_digits(lo), 8);
    return p + n + 16;
  } else {
    const int n = decimal_digits(v);
    put_digits(p, v, n);
    return p + n;
  }
}

// Any integer type (char-sized ones as numbers). At most 20 bytes.
template <class I>
SINKFORGE_ALWAYS_INLINE char* put_integer(char* p, I v) noexcept {
  static_assert(std::is_integral_v<I>);
  if constexpr (std::is_signed_v<I>) {
    if (v < 0) {
      *p++ = '-';
      return put_uint(p, static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
    }
  }
  return put_uint(p, static_cast<std::uint64_t>(v));
}

// Room put_floating needs for a float, double, long double (the longest forms are 15, 24 and 30
// bytes; the block stores of the fast paths write past the digits, up to 33 bytes for a double).
template <class F>
inline constexpr std::size_t max_floating_chars = sizeof(F) <= 4 ? 24 : sizeof(F) <= 8 ? 40 : 64;

#if defined(__SIZEOF_INT128__)
#define SINKFORGE_SHORTEST_FAST 1
}  // namespace sinkforge::inline v1::serialize::detail
#include <sinkforge/serialize/detail/schubfach.hpp>
namespace sinkforge::inline v1::serialize::detail {
namespace shortest {

// Layout of float and double: significand bits with the implicit one (P) and exponent bias.
template <class F>
struct format;
template <>
struct format<float> {
  using bits = std::uint32_t;
  static constexpr int P = 24, bias = 150, limit_log2 = 21;
};
template <>
struct format<double> {
  using bits = std::uint64_t;
  static constexpr int P = 53, bias = 1075, limit_log2 = 50;
};

// Removes the trailing decimal zeros of s (s != 0); returns how many (at most 15, or 31 if Wide).
template <bool Wide = false>
inline int strip_zeros(std::uint64_t& s) noexcept {
  // Written for conditional moves: how many zeros there are is data, not a pattern to predict.
  int z = 0;
  const auto step = [&](std::uint64_t p, int n) {
    const std::uint64_t q = s / p;
    const bool zero = q * p == s;
    s = zero ? q : s;
    z += zero ? n : 0;
  };
  if constexpr (Wide) step(10000000000000000, 16);
  step(100000000, 8);
  step(10000, 4);
  step(100, 2);
  step(10, 1);
  return z;
}

// The shortest decimal s * 10^-k that reads back as v (finite, positive, normal), found in the
// common case where it has at most about 15 digits (6 for float) and v is in [2^-10, 2^limit).
// At the largest scale 10^K with v * 10^K < 2^limit, v's rounding interval (scaled by 10^K) is
// narrower than 1/4, so s_K = round(v * 10^K) is the only integer that can land in it. If it does
// not, no decimal with K or fewer decimals reads back as v (any such decimal, scaled by 10^K, would
// be an integer in the interval); if it does, the shortest form is s_K without its trailing
// zeros, which is also the unique closest. Exact integer arithmetic throughout. Gives s_K and K
// (s_K < 2^limit, so at most 16 digits); false: the caller takes Schubfach.
template <class F>
inline bool fast(typename format<F>::bits u, std::uint64_t& s_out, int& k_out) noexcept {
  using fmt = format<F>;
  const int biased = static_cast<int>(u >> (fmt::P - 1));
  const std::uint64_t m = (static_cast<std::uint64_t>(u) & ((std::uint64_t{1} << (fmt::P - 1)) - 1)) |
                          (std::uint64_t{1} << (fmt::P - 1));
  const int sh = fmt::bias - biased;  // v = m * 2^-sh
  // v >= 2^-10 and v < 2^limit_log2.
  if (sh < fmt::P - fmt::limit_log2 || sh > fmt::P - 1 + 10) return false;
  // v < 2^(P - sh), so v * 10^K < 2^limit for K = floor((limit - P + sh) * log10(2)) (1233 / 4096
  // is just below log10(2)).
  const int K = ((fmt::limit_log2 - fmt::P + sh) * 1233) >> 12;
  const std::uint64_t p10 = pow10_u64[K];
  const u128 x = static_cast<u128>(m) * p10;  // v * 10^K * 2^sh
  const std::uint64_t half = std::uint64_t{1} << (sh - 1);
  // xr = x + half and xr >> sh: 3 <= sh <= 62, so neither shift needs the generic 128-bit one's
  // test for a count of 64 or more.
  const std::uint64_t xr_lo = static_cast<std::uint64_t>(x) + half;
  const std::uint64_t xr_hi = static_cast<std::uint64_t>(x >> 64) + (xr_lo < half);
  const std::uint64_t s = (xr_hi << (64 - sh)) | (xr_lo >> sh);
  // Rounding interval of v, times 10^K * 4 * 2^sh: [(4m - d) p10, (4m + 2) p10], d = 1 just above a
  // power of two, else 2; a decimal exactly on a bound reads back as v only if m is even (ties to
  // even). s * 2^sh = x - r with r = the low sh bits of x + half, minus half (sh <= 62, so r fits
  // in 64 bits): s is inside when 2|r| <= p10, or 4r <= p10 for s below v next to a power of two.
  const auto r = static_cast<std::int64_t>((xr_lo & ((half << 1) - 1)) - half);
  const bool below = r > 0, narrow = below & (m == (std::uint64_t{1} << (fmt::P - 1)));
  const std::uint64_t dist = (below ? static_cast<std::uint64_t>(r) : static_cast<std::uint64_t>(-r)) << (1 + narrow);
  const bool even = (m & 1) == 0;
  const bool inside = (dist < p10) | (even & (dist == p10));
  s_out = s;  // may end in zeros
  k_out = K;
  return inside;
}

#if defined(SINKFORGE_DIGITS_SSE2) && defined(__GNUC__)
#define SINKFORGE_SHORTEST_FP 1
// The same result as fast<double>, from the hardware's own rounding: s = v * 10^K rounded to an
// integer in floating point (it may be off by one: the test then fails), and the decimal s * 10^-K
// reads back as v exactly when s / 10^K, correctly rounded, is v: s < 2^50 and 10^K are exact
// doubles, so one IEEE division rounds the very number a parser rounds, ties to even as it does.
// The division is in assembly and its result compared as bits, so -ffast-math cannot rewrite the
// test (into a multiplication by 1 / 10^K, say). Under a directed rounding mode the test passes
// only when s * 10^-K is v itself (upward, s >= v * 10^K and the quotient rounds up; downward the
// reverse), so the result is right in every mode. False also out of fast<double>'s range; a
// value refused in range (s off by one, rarely) is written by Schubfach, with the same digits.
inline constexpr double pow10_f64[18] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
                                         1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};
SINKFORGE_ALWAYS_INLINE bool fast_fp(std::uint64_t u, std::uint64_t& s_out, int& k_out) noexcept {
  const int sh = 1075 - static_cast<int>(u >> 52);
  if (sh < 3 || sh > 62) return false;
  const int K = ((50 - 53 + sh) * 1233) >> 12;  // as in fast<double>
  const double p10 = pow10_f64[K];
  const auto s = static_cast<std::uint64_t>(_mm_cvtsd_si64(_mm_set_sd(std::bit_cast<double>(u) * p10)));
  double q = static_cast<double>(static_cast<std::int64_t>(s));
  asm("divsd %1, %0" : "+x"(q) : "x"(p10));
  s_out = s;
  k_out = K;
  return std::bit_cast<std::uint64_t>(q) == u;
}

// Values in [0.001, 100000) with at most 3 decimals (prices, rates, measures), the commonest short
// decimals, written from one 8-digit block instead of the 16 digits of layout_scaled: s = v * 1000
// rounded, verified as in fast_fp (at this scale v's rounding interval is narrower than one unit,
// so s is the only candidate, and a decimal with at most 3 decimals has fewer digits than any
// with more). In that range std::to_chars writes the fixed form ("0.001" ties with "1e-03" and
// fixed wins). Its digits: 5 before the point, 3 after, leading zeros dropped down to one integer
// digit, trailing fraction zeros dropped (the point too when none is left). Null otherwise.
SINKFORGE_ALWAYS_INLINE char* put_few_decimals(char* p, std::uint64_t u) noexcept {
  constexpr std::uint64_t lo = 0x3F50624DD2F1A9FCull;  // bits of 0.001
  constexpr std::uint64_t hi = 0x40F86A0000000000ull;  // bits of 100000.0
  static_assert(std::bit_cast<std::uint64_t>(0.001) == lo && std::bit_cast<std::uint64_t>(100000.0) == hi);
  if (u - lo >= hi - lo) return nullptr;  // positive doubles order as their bits
  const auto s = static_cast<std::uint64_t>(_mm_cvtsd_si64(_mm_set_sd(std::bit_cast<double>(u) * 1000.0)));
  double q = static_cast<double>(static_cast<std::int64_t>(s));
  const double scale = 1000.0;
  asm("divsd %1, %0" : "+x"(q) : "x"(scale));
  if (std::bit_cast<std::uint64_t>(q) != u) return nullptr;
  // s < 10^8: its 8 digits, the first in the lowest byte.
  const std::uint64_t values = eight_digit_values(static_cast<std::uint32_t>(s));
  const std::uint64_t nonzero = (values + 0x7F7F7F7F7F7F7F7Full) & 0x8080808080808080ull;  // s != 0
  const int lz = std::countr_zero(nonzero) >> 3, tz = std::countl_zero(nonzero) >> 3;
  const int dropped = lz < 4 ? lz : 4;      // leading zeros not written: one integer digit stays
  const int whole = 5 - dropped;             // integer digits
  const int fraction = tz < 3 ? 3 - tz : 0;  // fraction digits written
  const std::uint64_t text = values + 0x3030303030303030ull;
  const std::uint64_t head = text >> (8 * dropped);
  const auto point = static_cast<std::uint32_t>('.' | ((text >> 40) << 8));  // '.' and the 3 fraction digits
  std::memcpy(p, &head, 8);
  std::memcpy(p + whole, &point, 4);
  return p + whole + (fraction != 0) + fraction;
}
#endif

// The exact decimal digits of an integral double in [2^53, 2^75) (c * 2^q, 0 < q < 23).
SINKFORGE_COLD inline char* exact_integer(char* p, std::uint64_t bits) noexcept {
  const std::uint64_t c = (bits & ((std::uint64_t{1} << 52) - 1)) | (std::uint64_t{1} << 52);
  const u128 x = static_cast<u128>(c) << (static_cast<int>(bits >> 52) - 1075);
  constexpr std::uint64_t e16 = 10000000000000000ull;
  const auto hi = static_cast<std::uint64_t>(x / e16), lo = static_cast<std::uint64_t>(x % e16);
  if (hi == 0) {  // below 10^16
    const int n = decimal_digits(lo);
    put_digits(p, lo, n);
    return p + n;
  }
  const int n = decimal_digits(hi);
  put_digits(p, hi, n);
  put_digits(p + n, lo, 16);
  return p + n + 16;
}

// Writes s * 10^-k as std::to_chars does: fixed or scientific notation, whichever is shorter,
// fixed on a tie. s has no trailing zero; k < 0 stands for -k zeros after s.
SINKFORGE_ALWAYS_INLINE char* layout(char* p, std::uint64_t s, int k) noexcept {
  const int n = decimal_digits(s);
  if (k <= 0) {  // an integer
    const int z = -k, fixed_len = n + z, sci_len = n + (n > 1) + 4;
    if (fixed_len <= sci_len) {
      put_digits(p, s, n);
      std::memset(p + n, '0', static_cast<std::size_t>(z));
      return p + fixed_len;
    }
  } else if (n > k) {  // "1234.56": the digits, then the fraction moved one place right
    if constexpr (std::endian::native == std::endian::little) {
      if (n <= 7) {  // in one register: no store-to-load round trip
        const std::uint64_t w = eight_digits(static_cast<std::uint32_t>(s)) >> (8 * (8 - n));
        const std::uint64_t low = (std::uint64_t{1} << (8 * (n - k))) - 1;
        const std::uint64_t out = (w & low) | (std::uint64_t{'.'} << (8 * (n - k))) | ((w & ~low) << 8);
        std::memcpy(p, &out, 8);
        return p + n + 1;
      }
    }
    char digits[32];  // n <= 17 digits; both 16-byte copies stay inside
    put_uint(digits, s);
    std::memcpy(p, digits, 16);
    std::memcpy(p + (n - k) + 1, digits + (n - k), 16);
    p[n - k] = '.';
    return p + n + 1;
  } else if (k + 2 <= n + (n > 1) + 4) {  // "0.0012"
    p[0] = '0';
    p[1] = '.';
    std::memset(p + 2, '0', static_cast<std::size_t>(k - n));
    put_digits(p + 2 + (k - n), s, n);
    return p + k + 2;
  }
  // Scientific: "1e+05", "1.5e-05", "5e-324".
  const int exp10 = n - 1 - k;
  put_digits(p + 1, s, n);
  p[0] = p[1];
  if (n > 1) p[1] = '.';
  else --p;
  p += n + 1;
  p[0] = 'e';
  p[1] = exp10 < 0 ? '-' : '+';
  const auto a = static_cast<unsigned>(exp10 < 0 ? -exp10 : exp10);
  if (SINKFORGE_UNLIKELY(a >= 100)) {
    p[2] = static_cast<char>('0' + a / 100);
    std::memcpy(p + 3, digit_pairs + 2 * (a % 100), 2);
    return p + 5;
  }
  std::memcpy(p + 2, digit_pairs + 2 * a, 2);
  return p + 4;
}

// Out of line for the form that layout_scaled leaves to it (scientific notation).
[[gnu::noinline]] inline char* layout_rare(char* p, std::uint64_t s, int k) noexcept { return layout(p, s, k); }

// Writes s * 10^-K (s < 10^16, possibly ending in zeros) as layout(p, s stripped, K - zeros) does.
// The 16 digits (leading zeros included) come out at once (SSE2, else two SWAR blocks); the zeros
// at either end are counted from them instead of dividing by 10 repeatedly. The fixed forms ("1234.56",
// "41152", "0.05") are then 16-byte copies from the digits; scientific notation goes to layout.
SINKFORGE_ALWAYS_INLINE char* layout_scaled(char* p, std::uint64_t s, int K) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    const std::uint64_t hi = s / 100000000;
    const auto lo = static_cast<std::uint32_t>(s - hi * 100000000);
    // The 16 digits as text (a: digits 0-7, b: 8-15), and their leading and trailing zeros (s != 0,
    // so some digit is not 0).
#if defined(SINKFORGE_DIGITS_SSE2)
    const __m128i d = sixteen_digit_values(static_cast<std::uint32_t>(hi), lo);
    const unsigned nonzero = ~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(d, _mm_setzero_si128()))) & 0xFFFF;
    const int lz = std::countr_zero(nonzero), tz = std::countl_zero(nonzero) - 16;
    const __m128i chars = _mm_add_epi8(d, _mm_set1_epi8('0'));
    const auto put_text = [&](char* text) { _mm_storeu_si128(reinterpret_cast<__m128i*>(text), chars); };
#else
    constexpr std::uint64_t zeros = 0x3030303030303030ull;
    const std::uint64_t da = eight_digit_values(static_cast<std::uint32_t>(hi)), db = eight_digit_values(lo);
    constexpr std::uint64_t high = 0x8080808080808080ull, fill = 0x7F7F7F7F7F7F7F7Full;
    const std::uint64_t nza = (da + fill) & high, nzb = (db + fill) & high;  // digits other than 0
    const int lz = (nza != 0 ? std::countr_zero(nza) : 64 + std::countr_zero(nzb)) >> 3;
    const int tz = (nzb != 0 ? std::countl_zero(nzb) : 64 + std::countl_zero(nza)) >> 3;
    const auto put_text = [&](char* text) {
      const std::uint64_t a = da + zeros, b = db + zeros;
      std::memcpy(text, &a, 8);
      std::memcpy(text + 8, &b, 8);
    };
#endif
    const int point = 16 - K;  // digits before the decimal point (K <= 17)
    // The digits go into a buffer, and each part of the output is one 16-byte load from it at a
    // byte offset (fewer instructions than shifting them as a 128-bit value, which needs a test
    // and moves for counts of 64 or more). Its leading zero digits are '0's: "0.0012" is "0."
    // and the digits from the point on.
    char text[32];
    put_text(text);
    std::memset(text + 16, 0, 16);
    const int last = 16 - tz;  // one past the last digit that is not 0
    if (SINKFORGE_LIKELY(lz < point && last > point)) {  // "1234.56"
      const int whole = point - lz;  // 1..15
      std::memcpy(p, text + lz, 16);
      p[whole] = '.';
      std::memcpy(p + whole + 1, text + point, 16);
      return p + whole + 1 + (last - point);
    }
    // Integers and numbers below 1 in fixed notation when it is not longer than the scientific
    // one, as std::to_chars chooses (layout); the rest (scientific) out of line.
    const int n = last - lz, sci_len = n + (n > 1) + 4;
    if (lz < point) {  // an integer
      if (point - lz <= sci_len) {
        std::memcpy(p, text + lz, 16);
        return p + (point - lz);
      }
    } else if (point >= 0 && last - point + 2 <= sci_len) {
      std::memcpy(p, "0.", 2);
      std::memcpy(p + 2, text + point, 16);
      return p + 2 + (last - point);
    }
    return layout_rare(p, s / pow10_u64[tz], K - tz);
  } else {
    const int z = strip_zeros(s);
    return layout(p, s, K - z);
  }
}

// Positive finite doubles the exact short-decimal test does not settle.
template <class = void>
[[gnu::noinline]] char* put_schubfach(char* q, std::uint64_t u) noexcept {
  std::uint64_t s;
  int e;
  schubfach(u, s, e);
#if defined(SINKFORGE_DIGITS_SSE2)
  // 17 digits with a fraction and an integer part (1234.5678901234567, the usual long form): the
  // first digit, then the other 16 at once, the point put in by two overlapping stores.
  constexpr std::uint64_t e16 = 10000000000000000ull;
  if (s >= e16 && e < 0 && e > -17) {
    const std::uint64_t first = s / e16, rest = s - first * e16, hi = rest / 100000000;
    const __m128i d = sixteen_digit_values(static_cast<std::uint32_t>(hi), static_cast<std::uint32_t>(rest - hi * 100000000));
    const unsigned nonzero = ~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(d, _mm_setzero_si128()))) & 0xFFFF;
    const int kept = 32 - std::countl_zero(nonzero);  // of the 16, up to the last one that is not 0
    const int whole = 17 + e;                          // digits before the point, 1..16
    if (kept > whole - 1) {
      char text[32];  // the 16 digits, read back at a byte offset (as in layout_scaled)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(text), _mm_add_epi8(d, _mm_set1_epi8('0')));
      std::memset(text + 16, 0, 16);
      q[0] = static_cast<char>('0' + first);
      std::memcpy(q + 1, text, 16);
      q[whole] = '.';
      std::memcpy(q + whole + 1, text + whole - 1, 16);
      return q + 1 + kept + 1;
    }
  }
#endif
  // Up to 16 digits, in fixed notation or close to it (3.3333333333333335, 0.1234567890123456):
  // the digit-buffer layout of the short decimals, which counts trailing zeros instead of dividing.
  if (s < 10000000000000000ull && e <= 0 && e >= -17) return layout_scaled(q, s, -e);
  const int z = strip_zeros<true>(s);
  e += z;
  // An integer above 2^53 in fixed notation: std::to_chars writes its exact digits, as printf
  // would, not the shortest digits padded with zeros.
  if (SINKFORGE_UNLIKELY(e > 0 && e <= 5 && (u >> 52) > 1075)) return exact_integer(q, u);
  return layout(q, s, -e);
}

}  // namespace shortest
#endif

// The shortest round-trip form of v when it is a short decimal (shortest::fast), else nullptr:
// zero, subnormals, NaN and infinities, long forms. Room for max_floating_chars<F> bytes at p. A
// caller that must refuse non-finite values may call this first and test finiteness only when it
// returns nullptr: its range test already excludes them.
template <class F>
SINKFORGE_ALWAYS_INLINE char* put_short_floating(char* p, F v) noexcept {
#if defined(SINKFORGE_SHORTEST_FAST)
  if constexpr (std::numeric_limits<F>::is_iec559 && (std::is_same_v<F, float> || std::is_same_v<F, double>)) {
    using bits = typename shortest::format<F>::bits;
    constexpr int sign_shift = sizeof(bits) * 8 - 1;
    const bits u = std::bit_cast<bits>(v);
    *p = '-';  // kept only when negative
    char* q = p + (u >> sign_shift);
    std::uint64_t s;
    int k;
#if defined(SINKFORGE_SHORTEST_FP)
    if constexpr (std::is_same_v<F, double>) {
      const bits magnitude = u & ~(bits{1} << sign_shift);
      if (char* e = shortest::put_few_decimals(q, magnitude)) return e;
      if (SINKFORGE_LIKELY(shortest::fast_fp(magnitude, s, k))) return shortest::layout_scaled(q, s, k);
      return nullptr;
    }
#endif
    if (SINKFORGE_LIKELY(shortest::fast<F>(u & ~(bits{1} << sign_shift), s, k))) return shortest::layout_scaled(q, s, k);
  }
#endif
  (void)p;
  (void)v;
  return nullptr;
}

// The forms put_short_floating leaves (v finite): zero, and Schubfach out of line.
template <class F>
SINKFORGE_ALWAYS_INLINE char* put_long_floating(char* p, F v) noexcept {
#if defined(SINKFORGE_SHORTEST_FAST)
  if constexpr (std::numeric_limits<F>::is_iec559 && (std::is_same_v<F, float> || std::is_same_v<F, double>)) {
    using bits = typename shortest::format<F>::bits;
    bits u = std::bit_cast<bits>(v);
    constexpr bits sign = bits{1} << (sizeof(bits) * 8 - 1);
    char* q = p;
    if (u & sign) *q++ = '-';
    u &= ~sign;
    if (u == 0) {
      *q = '0';
      return q + 1;
    }
    if constexpr (std::is_same_v<F, double>) return shortest::put_schubfach(q, u);
  }
#endif
  return std::to_chars(p, p + max_floating_chars<F>, v).ptr;
}

// Shortest round-trip form of a finite v; room for max_floating_chars<F> bytes at p. The short
// decimals are formatted inline, the rest (Schubfach) out of line.
template <class F>
SINKFORGE_ALWAYS_INLINE char* put_floating(char* p, F v) noexcept {
  static_assert(std::is_floating_point_v<F>);
  if (char* e = put_short_floating(p, v)) return e;
  return put_long_floating(p, v);
}

}  // namespace sinkforge::inline v1::serialize::detail
