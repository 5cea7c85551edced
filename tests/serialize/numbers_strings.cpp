// The JSON encoder's own number formatting and block-wise string escaping, against references:
// std::to_chars for numbers, a byte-at-a-time escaper for strings.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cfenv>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/serialize/json.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;
namespace d = sinkforge::serialize::detail;

namespace {

template <class T>
std::string mine(T v) {
  char buf[80];
  char* e;
  if constexpr (std::is_floating_point_v<T>) e = d::put_floating(buf, v);
  else e = d::put_integer(buf, v);
  return std::string(buf, e);
}

template <class T>
std::string reference(T v) {
  char buf[80];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// The escaping rules of serialize::json, one byte at a time.
std::string reference_escape(std::string_view s) {
  std::string out = "\"";
  static constexpr char hex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c >= 0x80) {
      std::size_t consumed = 0;
      const std::size_t n = d::utf8_sequence(p, end, consumed);
      if (n) {
        out.append(reinterpret_cast<const char*>(p), n);
        p += n;
      } else {
        out += "\xEF\xBF\xBD";
        p += consumed;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++p;
  }
  return out + "\"";
}

// Escapes a copy of s held in a heap block of exactly its size, so that AddressSanitizer sees any
// read past the end.
std::string escape(std::string_view s, sf::serialize::invalid_utf8 rule, bool& ok) {
  auto exact = std::make_unique<char[]>(s.size() + 1);
  std::memcpy(exact.get(), s.data(), s.size());
  std::string out(s.size() * 6 + 2 + d::json_store_slack, '\0');
  ok = true;
  char* e = d::put_json_string(out.data(), std::string_view(exact.get(), s.size()), rule, ok);
  out.resize(static_cast<std::size_t>(e - out.data()));
  return out;
}

// A std::string written by the block path (16 readable bytes, terminated or not) against the byte
// loop: empty when both agree (output and verdict), else the two outputs.
std::string block_path_matches(const std::string& s, sf::serialize::invalid_utf8 rule, bool terminated) {
  std::string fast(s.size() * 6 + 2 + d::json_store_slack, '\0'), plain = fast;
  bool ok_fast = true, ok_plain = true;
  fast.resize(static_cast<std::size_t>(
      d::put_json_string(fast.data(), s, rule, ok_fast, d::json_readable_bytes(s), terminated) - fast.data()));
  plain.resize(static_cast<std::size_t>(d::put_json_string_plain(plain.data(), s, rule, ok_plain) - plain.data()));
  if (ok_fast == ok_plain && (!ok_plain || fast == plain)) return {};
  return plain + " vs " + fast;
}

}  // namespace

TEST_CASE("floating point: the shortest form is what std::to_chars writes") {
  for (double v : {0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1234.56, 1e15, 1e16, 100000.0, 123456.0, 0.001, 0.0001, 1.5e-5,
                   1e-300, 5e-324, 1.7976931348623157e308, 9007199254740991.0, 0.3, 2.0 / 3.0,
                   std::numeric_limits<double>::min(), 1125899906842623.0, 1125899906842624.0})
    CHECK(mine(v) == reference(v));
  for (float v : {0.0f, 0.1f, 1e-10f, 3.4028235e38f, 1.17549435e-38f, 1e-45f, 16777216.0f, 2097151.0f, 0.3f})
    CHECK(mine(v) == reference(v));

  std::mt19937_64 rng(42);
  int mismatches = 0;
  for (int i = 0; i < test::random_cases(200000); ++i) {
    const std::uint64_t u = rng();
    const auto dv = std::bit_cast<double>(u);
    if (d::is_finite(dv)) mismatches += mine(dv) != reference(dv);
    const auto fv = std::bit_cast<float>(static_cast<std::uint32_t>(u));
    if (d::is_finite(fv)) mismatches += mine(fv) != reference(fv);
    // Short decimals at every scale, and their neighbours (one ulp away: long forms).
    double scale = 1;
    for (int k = static_cast<int>(rng() % 20); k > 0; --k) scale *= 10;
    const auto m = static_cast<double>(rng() % 100000000);
    for (double v : {m / scale, m * scale, -(m / scale), std::nextafter(m / scale, 0.0),
                     std::nextafter(m / scale, 1e300)})
      mismatches += mine(v) != reference(v);
    mismatches += mine(static_cast<float>(m / scale)) != reference(static_cast<float>(m / scale));
  }
  CHECK(mismatches == 0);
}

TEST_CASE("floating point: every double, long mantissas included, is written as std::to_chars writes it") {
  // Values with 16-17 significant digits, subnormals, every binary exponent with its smallest,
  // largest and boundary significands, powers of ten and their neighbours, and integers above 2^53
  // (written with their exact digits in fixed notation).
  int mismatches = 0;
  std::string first_mismatch;
  const auto check = [&](double v) {
    if (!d::is_finite(v)) return;
    if (mine(v) != reference(v)) {
      if (mismatches++ == 0) first_mismatch = mine(v) + " vs " + reference(v);
    }
  };
  for (std::uint64_t e = 0; e < 2047; ++e)
    for (std::uint64_t f : {0ull, 1ull, 2ull, 3ull, (1ull << 51), (1ull << 52) - 2, (1ull << 52) - 1}) {
      const auto v = std::bit_cast<double>((e << 52) | f);
      check(v);
      check(-v);
      check(std::nextafter(v, 0.0));
    }
  for (int k = -323; k <= 308; ++k) {
    const double v = std::strtod(("1e" + std::to_string(k)).c_str(), nullptr);
    check(v);
    check(std::nextafter(v, 0.0));
    check(std::nextafter(v, 1e308));
  }
  for (std::uint64_t i = 1; i < 20000; ++i) {
    check(static_cast<double>((1ull << 53) + 2 * i));
    check(static_cast<double>((1ull << 53) - i));
    check(static_cast<double>(i) * 1e17);
    check(static_cast<double>(i) * 1e20);
    check(static_cast<double>(i) / 3.0);
  }
  std::mt19937_64 rng(2026);
  for (int i = 0; i < test::random_cases(300000); ++i) {
    const std::uint64_t u = rng();
    check(std::bit_cast<double>(u));
    check(std::bit_cast<double>(u & 0x000FFFFFFFFFFFFFull));  // subnormal
    const auto m = static_cast<double>(rng() % 100000000000000000ull);
    double scale = 1;
    for (int k = static_cast<int>(rng() % 23); k > 0; --k) scale *= 10;
    check(m / scale);
    check(m * scale);
  }
  CHECK_MESSAGE(mismatches == 0, first_mismatch);
}

TEST_CASE("floating point: numbers with up to 3 decimals, the 8-digit path, are written as std::to_chars writes them") {
  // [0.001, 100000) with at most 3 decimals takes its own path (one 8-digit block); its edges,
  // every value of the first 200,000 thousandths, random ones up to 10^8 thousandths, their
  // neighbours one ulp away (not short: the other paths), hundredths and ten-thousandths.
  int mismatches = 0;
  std::string first_mismatch;
  const auto check = [&](double v) {
    for (double x : {v, -v}) {
      if (mine(x) != reference(x) && mismatches++ == 0) first_mismatch = mine(x) + " vs " + reference(x);
    }
  };
  for (double v : {0.001, std::nextafter(0.001, 0.0), 0.0015, 0.0005, 0.01, 0.1, 1.0, 10000.0, 99999.999,
                   std::nextafter(100000.0, 0.0), 100000.0, 99999.9995, 12345.678, 0.999, 1.999})
    check(v);
  const auto thousandths = [&](std::int64_t n) {
    const double v = static_cast<double>(n) / 1000.0;
    check(v);
    check(std::nextafter(v, 0.0));
    check(std::nextafter(v, 1e9));
    check(static_cast<double>(n) / 100.0);
    check(static_cast<double>(n) / 10000.0);
  };
  for (std::int64_t n = 1; n < test::random_cases(200000); ++n) thousandths(n);
  std::mt19937_64 rng(3);
  for (int i = 0; i < test::random_cases(200000); ++i) thousandths(static_cast<std::int64_t>(rng() % 100000000));
  CHECK_MESSAGE(mismatches == 0, first_mismatch);
}

TEST_CASE("floating point: the exact integer test for short decimals, used off x86-64, agrees with std::to_chars") {
  // On x86-64 doubles take the floating-point test (fast_fp); other targets take shortest::fast,
  // tested here directly so that it stays tested where the suite runs.
  std::mt19937_64 rng(17);
  int mismatches = 0, taken = 0, values = 0;
  std::string first_mismatch;
  for (int i = 0; i < test::random_cases(200000); ++i) {
    double scale = 1;
    for (int k = static_cast<int>(rng() % 20); k > 0; --k) scale *= 10;
    const auto m = static_cast<double>(rng() % 100000000);
    for (double v : {m / scale, std::nextafter(m / scale, 1e300), std::bit_cast<double>(rng() >> 1)}) {
      if (!d::is_finite(v) || v <= 0) continue;
      ++values;
      std::uint64_t s = 0;
      int k = 0;
      if (!d::shortest::fast<double>(std::bit_cast<std::uint64_t>(v), s, k)) continue;
      ++taken;
      char buf[64];
      const std::string got(buf, d::shortest::layout_scaled(buf, s, k));
      if (got != reference(v) && mismatches++ == 0) first_mismatch = got + " vs " + reference(v);
    }
  }
  CHECK_MESSAGE(mismatches == 0, first_mismatch);
  CHECK(taken > values / 10);  // the short decimals in its range among them (about 1 in 6)
}

TEST_CASE("floating point: the shortest form is the same in every rounding mode") {
  // On x86-64 a short decimal is found with the hardware's own multiplication and division, whose
  // rounding follows the current mode; the digits must not (std::to_chars' do not).
  std::mt19937_64 rng(11);
  std::vector<double> values;
  for (int i = 0; i < test::random_cases(40000); ++i) {
    double scale = 1;
    for (int k = static_cast<int>(rng() % 20); k > 0; --k) scale *= 10;
    const auto m = static_cast<double>(rng() % 100000000);
    for (double v : {m / scale, m * scale, -(m / scale), std::nextafter(m / scale, 0.0),
                     std::nextafter(m / scale, 1e300), std::bit_cast<double>(rng())})
      if (d::is_finite(v)) values.push_back(v);
  }
  std::vector<std::string> expected;
  for (double v : values) expected.push_back(reference(v));
  const int saved = std::fegetround();
  for (int mode : {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO}) {
    REQUIRE(std::fesetround(mode) == 0);
    int mismatches = 0;
    std::string first_mismatch;
    std::feclearexcept(FE_ALL_EXCEPT);
    char buf[64];
    for (double v : values) d::put_floating(buf, v);  // the formatting alone: it raises no flag but inexact
    const int raised = std::fetestexcept(FE_ALL_EXCEPT & ~FE_INEXACT);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const std::string got = mine(values[i]);
      if (got != expected[i] && mismatches++ == 0) first_mismatch = got + " vs " + expected[i];
    }
    std::fesetround(saved);
    CHECK_MESSAGE(mismatches == 0, "rounding mode ", mode, ": ", first_mismatch);
    CHECK_MESSAGE(raised == 0, "rounding mode ", mode, ": floating-point flags raised ", raised);
  }
}

TEST_CASE("integers are written as std::to_chars writes them") {
  std::mt19937_64 rng(7);
  int mismatches = 0;
  for (std::uint64_t p = 1; p < 10000000000000000000ull; p *= 10)
    for (std::uint64_t v : {p - 1, p, p + 1}) mismatches += mine(v) != reference(v);
  for (int i = 0; i < test::random_cases(100000); ++i) {
    const std::uint64_t u = rng() >> (rng() % 64);
    mismatches += mine(u) != reference(u);
    mismatches += mine(-static_cast<std::int64_t>(u >> 1)) != reference(-static_cast<std::int64_t>(u >> 1));
    mismatches += mine(static_cast<std::int32_t>(u)) != reference(static_cast<std::int32_t>(u));
    mismatches += mine(static_cast<std::int8_t>(u)) != reference(static_cast<std::int8_t>(u));
  }
  CHECK(mismatches == 0);
  CHECK(mine(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  CHECK(mine(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
  CHECK(mine(std::uint8_t{0}) == "0");
}

TEST_CASE("string escaping is right at every position of the 8- and 16-byte blocks") {
  const std::string specials[] = {"\"", "\\", "\n", "\x01", "\x1f", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                  "\xC3", "\xFF", "\xE2\x82"};
  int mismatches = 0;
  for (std::size_t len = 0; len <= 40; ++len) {
    std::string clean(len, 'a');
    for (std::size_t i = 0; i < len; ++i) clean[i] = static_cast<char>('a' + i % 26);
    bool ok = true;
    mismatches += escape(clean, sf::serialize::invalid_utf8::replace, ok) != reference_escape(clean);
    for (std::size_t pos = 0; pos <= len; ++pos) {
      for (const auto& sp : specials) {
        std::string s = clean;
        s.insert(pos, sp);
        mismatches += escape(s, sf::serialize::invalid_utf8::replace, ok) != reference_escape(s);
        std::string two = s;  // a second special further on
        two.insert(two.size() - (len - pos) / 2, sp);
        mismatches += escape(two, sf::serialize::invalid_utf8::replace, ok) != reference_escape(two);
      }
    }
  }
  CHECK(mismatches == 0);
  bool ok = true;
  escape(std::string(20, 'a') + "\xC3" + std::string(20, 'b'), sf::serialize::invalid_utf8::reject, ok);
  CHECK_FALSE(ok);
  escape(std::string(20, 'a') + "\xC3\xA9" + std::string(20, 'b'), sf::serialize::invalid_utf8::reject, ok);
  CHECK(ok);
}

TEST_CASE("short strings next to a page end, and the bytes after a string, do not change the escaping") {
  // A string shorter than 16 bytes is read as one 16-byte block unless that block would cross into
  // the next page; the bytes past the string (here quotes, controls and non-ASCII) must not count.
  constexpr std::size_t page = 4096;
  auto* raw = static_cast<char*>(std::aligned_alloc(page, 2 * page));
  REQUIRE(raw != nullptr);
  const std::string samples[] = {"", "a", "ab", "acme", "globex", "ord-0000001", "exactly 15 byte",
                                 "tab\tco", "O\"Brien", "Zo\xC3\xAB", "\xE5\x8C\x97\xE4\xBA\xAC", "bad\xC3", "\\"};
  int mismatches = 0;
  for (const auto& s : samples) {
    for (std::size_t gap = 0; gap <= 24; ++gap) {  // bytes between the string's end and the page end
      for (std::size_t i = 0; i < 2 * page; ++i) raw[i] = "\"\x01\xFF\\"[i % 4];
      char* at = raw + page - gap - s.size();
      std::memcpy(at, s.data(), s.size());
      for (auto rule : {sf::serialize::invalid_utf8::replace, sf::serialize::invalid_utf8::reject}) {
        std::string out(s.size() * 6 + 2 + d::json_store_slack, '\0');
        bool ok = true;
        // Told exactly how many bytes up to the page end are readable, as for a std::string.
        char* e = d::put_json_string(out.data(), std::string_view(at, s.size()), rule, ok, s.size() + gap);
        out.resize(static_cast<std::size_t>(e - out.data()));
        const bool valid = s != "bad\xC3";
        if (rule == sf::serialize::invalid_utf8::replace || valid) mismatches += out != reference_escape(s);
        mismatches += ok != (valid || rule == sf::serialize::invalid_utf8::replace);
      }
    }
  }
  std::free(raw);
  CHECK(mismatches == 0);
}

TEST_CASE("a std::string member is read as a whole block: stale bytes in its capacity do not count") {
  // A std::string shorter than 16 bytes is loaded as one 16-byte block from its own buffer (the
  // small-string buffer, or a heap buffer of capacity() + 1 bytes); the bytes past its size are
  // whatever an earlier, longer value left there: quotes, controls, non-ASCII.
  const std::string samples[] = {"", "a", "acme", "ord-0000001", "exactly 15 byte", "tab\tco", "O\"Brien",
                                 "Zo\xC3\xAB", "\xE5\x8C\x97\xE4\xBA\xAC", "bad\xC3", "\\"};
  const std::string stale = "\"\x01\xFF\\\"\x01\xFF\\\"\x01\xFF\\\"\x01\xFF\\\"\x01\xFF\\\"\x01\xFF\\\"\x01\xFF\\";
  int mismatches = 0, checked = 0;
  for (const auto& sample : samples) {
    for (std::size_t capacity : {std::size_t{0}, std::size_t{16}, std::size_t{17}, std::size_t{31}, std::size_t{100}}) {
      test::Address e;
      e.city.reserve(capacity);
      e.city = stale.substr(0, std::max(e.city.capacity(), sample.size()));  // fill the whole buffer
      e.city = sample;                                                      // then shorten in place
      REQUIRE(e.city.capacity() >= 15);
      const std::string line = sf::serialize::to_json_lenient(e);
      sf::byte_records p = sf::serialize::ndjson{}.make_payload<test::Address>();
      if (!sf::serialize::ndjson{}.append(p, e)) {
        ++mismatches;
        continue;
      }
      mismatches += p[0] != line + "\n";
      ++checked;
    }
  }
  CHECK(checked == 55);
  CHECK(mismatches == 0);
}

TEST_CASE("short strings with non-ASCII bytes: the block path accepts exactly the valid UTF-8") {
  // Short strings whose only special bytes are non-ASCII are checked by an automaton; the byte loop
  // of the diagnostic path (utf8_sequence) is the reference, for every lead and second byte.
  int mismatches = 0;
  for (int a = 0x80; a < 0x100; ++a) {
    for (int b = 0; b < 0x100; ++b) {
      for (int c : {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0}) {
        std::string s = "x";
        s += static_cast<char>(a);
        s += static_cast<char>(b);
        s += static_cast<char>(c);
        if (a >= 0xF0) s += '\x80';
        for (auto rule : {sf::serialize::invalid_utf8::replace, sf::serialize::invalid_utf8::reject})
          mismatches += !block_path_matches(s, rule, true).empty();
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("short strings with one byte to escape: every byte, at every position, at every length") {
  // The commonest escaped strings (O"Brien, a tab in a name) take a path of their own: the escape,
  // then the rest of the block read back at an offset.
  int mismatches = 0;
  std::string first_mismatch;
  for (std::size_t n = 1; n < 16; ++n)
    for (std::size_t j = 0; j < n; ++j)
      for (int c = 0; c < 0x80; ++c) {
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        std::string s;
        for (std::size_t i = 0; i < n; ++i) s += static_cast<char>('a' + i);
        s[j] = static_cast<char>(c);
        for (bool terminated : {true, false}) {
          const std::string diff = block_path_matches(s, sf::serialize::invalid_utf8::reject, terminated);
          if (!diff.empty() && mismatches++ == 0) first_mismatch = diff;
        }
      }
  CHECK_MESSAGE(mismatches == 0, first_mismatch);
}

TEST_CASE("non-ASCII short strings: the block-wide UTF-8 check agrees with the byte loop") {
  // A string under 16 bytes with non-ASCII bytes but nothing to escape is checked from byte-class
  // masks of its block; a string it does not accept goes to the sequence-by-sequence check. So
  // what must not happen is acceptance of a broken string: every pair of bytes >= 0x80 at every
  // position, every lead byte with boundary values after it, ending at the last byte of the block
  // or earlier, and random mixes of valid and broken sequences.
  int mismatches = 0;
  std::string first_mismatch;
  const auto check = [&](const std::string& s) {
    for (bool terminated : {true, false})
      for (auto rule : {sf::serialize::invalid_utf8::replace, sf::serialize::invalid_utf8::reject}) {
        const std::string diff = block_path_matches(s, rule, terminated);
        if (!diff.empty() && mismatches++ == 0) first_mismatch = diff;
      }
  };
  for (int lead = 0x80; lead <= 0xFF; ++lead)
    for (int next = 0x80; next <= 0xFF; ++next)
      for (std::size_t at : {0, 1, 6, 13}) {
        std::string s(at, 'a');
        s += static_cast<char>(lead);
        s += static_cast<char>(next);
        check(s);
      }
  static constexpr unsigned char edges[] = {0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2,
                                            0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xFF, 'b'};
  for (int lead = 0xC0; lead <= 0xFF; ++lead)
    for (unsigned char b : edges)
      for (unsigned char c : edges)
        for (std::size_t at : {0, 5, 12}) {
          std::string s(at, 'a');
          s += static_cast<char>(lead);
          s += static_cast<char>(b);
          s += static_cast<char>(c);
          check(s);
        }
  static constexpr std::string_view pieces[] = {"a", "\xC3\xA9", "\xDF\xBF", "\xC2\x80", "\xE5\x8C\x97", "\xE1\x80\x80",
                                                "\xEF\xBF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xF0\x9F\x98\x80",
                                                "\xC3", "\xE5\x8C", "\x80", "\xBF", "\xFF", "\xC1\xBF",
                                                "\xE0\x9F\xBF", "\xED\xA0\x80", "\xF4\x90\x80\x80"};
  std::mt19937_64 rng(16);
  for (int i = 0; i < test::random_cases(100000); ++i) {
    std::string s;
    const std::size_t target = 1 + rng() % 15;
    while (s.size() < target) {
      const std::string_view piece = pieces[rng() % std::size(pieces)];
      if (s.size() + piece.size() > 15) break;
      s += piece;
    }
    check(s);
  }
  CHECK_MESSAGE(mismatches == 0, first_mismatch);
}

TEST_CASE("short strings with several bytes to escape or check: the block path matches the byte loop") {
  // Strings under 16 bytes are held as one block; after the first byte that needs work, the clean
  // runs between the others are copied from that block. Random mixes of escapes, valid and
  // broken UTF-8 and plain bytes, at every length up to 15.
  static constexpr std::string_view pieces[] = {"a", "Z", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f",
                                                "\xC3\xA9", "\xE5\x8C\x97", "\xF0\x9F\x98\x80", "\xC3", "\xE5\x8C",
                                                "\x80", "\xFF", "\xED\xA0\x80", "\xC0\xAF", "\xF4\x90\x80\x80"};
  std::mt19937_64 rng(15);
  int mismatches = 0;
  std::string first_mismatch;
  for (int i = 0; i < test::random_cases(200000); ++i) {
    std::string s;
    const std::size_t target = rng() % 16;
    while (s.size() < target) {
      const std::string_view piece = pieces[rng() % std::size(pieces)];
      if (s.size() + piece.size() > 15) break;
      s += piece;
    }
    // As a std::string member is written (its terminating NUL ends the clean test), and as any
    // other string with 16 readable bytes.
    for (bool terminated : {true, false})
      for (auto rule : {sf::serialize::invalid_utf8::replace, sf::serialize::invalid_utf8::reject}) {
        const std::string diff = block_path_matches(s, rule, terminated);
        if (!diff.empty() && mismatches++ == 0) first_mismatch = diff;
      }
  }
  CHECK_MESSAGE(mismatches == 0, first_mismatch);
}
