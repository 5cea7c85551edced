// serialize::json / ndjson: exact output for each value category and each escaping rule.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <nlohmann/json.hpp>

#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/serialize/json.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace {
template <class T, class S = sf::serialize::ndjson>
std::pair<sf::encode_status, std::string> encode(const T& v, S s = {}) {
  auto p = s.template make_payload<T>();
  auto st = s.append(p, v);
  p.seal();
  return {st, std::string(p.bytes())};
}

struct Flat {
  BOOST_HANA_DEFINE_STRUCT(Flat, (std::string, s), (double, d));
};
}  // namespace

TEST_CASE("ndjson writes one object per line with members in declaration order") {
  auto [st, out] = encode(test::order(2, "alice"));
  CHECK(st);
  CHECK(out == R"({"id":"o2","customer":"alice","amount":3,"ts_ms":1700000000002})" "\n");
}

// Member names whose keys (with the braces or comma, the quotes, the colon and a string's opening
// quote) take 14 to 18 bytes: each key is stored as whole 16-byte blocks, so some of these stores
// reach up to 16 bytes past the key.
struct KeyEdges {
  BOOST_HANA_DEFINE_STRUCT(KeyEdges, (bool, abcdefghij), (std::string, abcdefghijk), (std::int64_t, abcdefghijkl),
                           (std::string, abcdefghijklm));
};
struct KeyEdgesLast {
  BOOST_HANA_DEFINE_STRUCT(KeyEdgesLast, (std::string, abcdefghijkl), (bool, abcdefghijk));
};
struct KeyEdgesTight {  // false takes all of a bool's room: the record fills its bound but the brace
  BOOST_HANA_DEFINE_STRUCT(KeyEdgesTight, (bool, a), (bool, abcdefghijk), (bool, abcdefghijkl));
};

TEST_CASE("the keys' block stores stay inside the room reserved for the record") {
  // The record is appended after 0 to 255 filler bytes, so that for some filler its room ends
  // exactly at the end of the buffer's allocation, where AddressSanitizer sees any store past it.
  const auto check = [](const auto& v, std::string_view expected) {
    for (std::size_t fill = 0; fill < 256; ++fill) {
      sf::byte_buffer b;
      b.append(std::string(fill, 'x'));
      const auto st = sf::serialize::detail::write_json(b, v, "", sf::serialize::detail::json_context{}, '\n');
      REQUIRE(st);
      REQUIRE(b.view().substr(fill) == expected);
    }
  };
  check(KeyEdges{true, "k", 7, ""},
        "{\"abcdefghij\":true,\"abcdefghijk\":\"k\",\"abcdefghijkl\":7,\"abcdefghijklm\":\"\"}\n");
  check(KeyEdgesTight{false, false, false}, "{\"a\":false,\"abcdefghijk\":false,\"abcdefghijkl\":false}\n");
  check(KeyEdgesLast{"O\"B", false}, "{\"abcdefghijkl\":\"O\\\"B\",\"abcdefghijk\":false}\n");
}

TEST_CASE("json frames a batch as an array") {
  sf::serialize::json s;
  auto p = s.make_payload<test::Order>();
  REQUIRE(s.append(p, test::order(1)));
  REQUIRE(s.append(p, test::order(2)));
  p.seal();
  CHECK(p.bytes() ==
        R"([{"id":"o1","customer":"c","amount":1.5,"ts_ms":1700000000001},{"id":"o2","customer":"c","amount":3,"ts_ms":1700000000002}])");
  CHECK(p.size() == 2);
  CHECK(p[1] == R"({"id":"o2","customer":"c","amount":3,"ts_ms":1700000000002})");
}

TEST_CASE("strings are escaped per RFC 8259") {
  auto [st, out] = encode(Flat{std::string("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f", 14), 0.0});
  CHECK(st);
  CHECK(out == "{\"s\":\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\",\"d\":0}\n");
}

TEST_CASE("valid UTF-8 passes through; invalid UTF-8 follows the configured rule") {
  auto [st, out] = encode(Flat{"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80", 1});
  CHECK(st);
  CHECK(out == "{\"s\":\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\",\"d\":1}\n");

  // Lone continuation byte, truncated sequence, overlong encoding, surrogate.
  const std::string bad = "a\x80" "b\xE2\x82" "c\xC0\xAF" "d\xED\xA0\x80" "e";
  auto [st2, replaced] = encode(Flat{bad, 1});
  CHECK(st2);
  CHECK(replaced ==
        "{\"s\":\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD" "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "e\",\"d\":1}\n");
  CHECK(nlohmann::json::accept(replaced));

  auto [st3, rejected] = encode(Flat{bad, 1}, sf::serialize::ndjson{.utf8 = sf::serialize::invalid_utf8::reject});
  CHECK(st3.code == sf::encode_errc::invalid_utf8);
  CHECK(std::string(st3.field) == "s");
  CHECK(rejected.empty());  // nothing of a rejected record stays in the batch
}

TEST_CASE("doubles are written shortest round-trip; NaN and infinities are invalid") {
  for (double d : {0.1, 1.0 / 3.0, 1e300, -2.5e-308, 5e-324, 123456789012345678.0, -0.0}) {
    auto [st, out] = encode(Flat{"", d});
    REQUIRE(st);
    const auto j = nlohmann::json::parse(out);
    CHECK(j["d"].get<double>() == d);
  }
  CHECK(encode(Flat{"", 0.1}).second == "{\"s\":\"\",\"d\":0.1}\n");
  for (double d : {std::nan(""), std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
    auto [st, out] = encode(Flat{"x", d});
    CHECK(st.code == sf::encode_errc::non_finite_number);
    CHECK(std::string(st.field) == "d");
    CHECK(st.message() == "NaN or infinite number in field 'd'");
    CHECK(out.empty());
  }
}

namespace {
enum class Grade : char { low = 'l', high = 'h' };  // no sinkforge_enum_name: written as a number
struct Wide {
  BOOST_HANA_DEFINE_STRUCT(Wide, (long double, x), (Grade, grade));
};
}  // namespace

TEST_CASE("long double keeps its precision; a char-based enum is a number, not a character") {
  for (long double x : {0.1L, 1.0L / 3.0L, 1e4000L, -2.5e-4940L, 12345678901234567890.0L}) {
    auto [st, out] = encode(Wide{x, Grade::high});
    REQUIRE(st);
    const auto colon = out.find(':') + 1;
    const std::string digits = out.substr(colon, out.find(',') - colon);
    CHECK(std::strtold(digits.c_str(), nullptr) == x);  // not narrowed through double
    CHECK(out.ends_with(",\"grade\":104}\n"));
  }
  CHECK(encode(Wide{0.1L, Grade::low}).second == "{\"x\":0.1,\"grade\":108}\n");
  CHECK(encode(Wide{std::numeric_limits<long double>::infinity(), Grade::low}).first.code ==
        sf::encode_errc::non_finite_number);
}

TEST_CASE("every value category of a rich record") {
  test::Rich r{};
  r.i8 = -128;
  r.u8 = 255;
  r.i16 = -32768;
  r.u16 = 65535;
  r.i32 = std::numeric_limits<std::int32_t>::min();
  r.u32 = std::numeric_limits<std::uint32_t>::max();
  r.i64 = std::numeric_limits<std::int64_t>::min();
  r.u64 = std::numeric_limits<std::uint64_t>::max();
  r.f = 0.1f;
  r.d = 2.5;
  r.flag = true;
  r.text = "t";
  r.maybe = std::nullopt;
  r.list = {1, -2, 3};
  r.weights = {{"a", 1.5}, {"b\"", 2}};
  r.status = test::Status::paid;
  r.priority = test::Priority::high;
  r.at = test::sys_ms{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + 9h + 18min + 45s + 123ms};
  r.address = {"Oslo", "0150"};
  r.history = {{"Bergen", std::nullopt}};
  auto [st, out] = encode(r);
  REQUIRE(st);
  CHECK(out ==
        R"({"i8":-128,"u8":255,"i16":-32768,"u16":65535,"i32":-2147483648,"u32":4294967295,)"
        R"("i64":-9223372036854775808,"u64":18446744073709551615,"f":0.1,"d":2.5,"flag":true,"text":"t",)"
        R"("maybe":null,"list":[1,-2,3],"weights":{"a":1.5,"b\"":2},"status":"paid","priority":9,)"
        R"("at":"2026-11-23T09:18:45.123Z","address":{"city":"Oslo","zip":"0150"},)"
        R"("history":[{"city":"Bergen","zip":null}]})"
        "\n");
  const auto j = nlohmann::json::parse(out);
  CHECK(j["u64"].get<std::uint64_t>() == r.u64);
  CHECK(j["i64"].get<std::int64_t>() == r.i64);
}

TEST_CASE("time points keep the precision of their duration") {
  using namespace std::chrono;
  const auto base = sys_days{year{1999} / 12 / 31} + 23h + 59min + 59s;
  struct S {
    BOOST_HANA_DEFINE_STRUCT(S, (sys_seconds, s), (time_point<system_clock, microseconds>, us),
                             (time_point<system_clock, nanoseconds>, ns));
  };
  S v{base, base + 7us, base + 42ns};
  auto [st, out] = encode(v);
  REQUIRE(st);
  CHECK(out ==
        R"({"s":"1999-12-31T23:59:59Z","us":"1999-12-31T23:59:59.000007Z","ns":"1999-12-31T23:59:59.000000042Z"})"
        "\n");
}

TEST_CASE("the civil date of a day agrees with <chrono>'s calendar, both ways, for 1.6 million days around 1970") {
  using namespace std::chrono;
  // Years -221..4160: leap days, century years, the year 0 and days before the epoch.
  for (std::int64_t z = -800'000; z <= 800'000; ++z) {
    const year_month_day ymd{sys_days{days{z}}};
    const sf::detail::civil_date d = sf::detail::civil_from_days(z);
    if (d.year != static_cast<int>(ymd.year()) || d.month != static_cast<unsigned>(ymd.month()) ||
        d.day != static_cast<unsigned>(ymd.day())) {
      FAIL_CHECK("day " << z << ": " << d.year << "-" << d.month << "-" << d.day);
      break;
    }
    if (sf::detail::days_from_civil(d.year, d.month, d.day) != z) {
      FAIL_CHECK("day " << z << " does not come back");
      break;
    }
  }
  const auto t = sf::detail::to_civil(sys_days{year{1969} / 12 / 31} + 23h + 59min + 58s + 999'999'999ns);
  CHECK(t.date.year == 1969);
  CHECK(t.hour == 23);
  CHECK(t.minute == 59);
  CHECK(t.second == 58);
  CHECK(t.nanosecond == 999'999'999u);
}

TEST_CASE("a lenient rendering never fails, for diagnostics") {
  CHECK(sf::serialize::to_json_lenient(Flat{"x", std::nan("")}) == R"({"s":"x","d":"NaN"})");
}

TEST_CASE("encodability is decided at compile time") {
  struct NotAdapted {
    int x;
  };
  struct WithPointer {
    BOOST_HANA_DEFINE_STRUCT(WithPointer, (int*, p));
  };
  static_assert(sf::serializer_for<sf::serialize::ndjson, test::Rich>);
  static_assert(sf::serializer_for<sf::serialize::json, test::Order>);
  static_assert(!sf::serializer_for<sf::serialize::ndjson, NotAdapted>);
  static_assert(!sf::serializer_for<sf::serialize::ndjson, WithPointer>);
  static_assert(sf::serializer_for<sf::serialize::ndjson, std::vector<int>>);
}

TEST_CASE("byte_records: spans, removal, moving and selecting records keep the framing, with and without a separator") {
  for (const sf::framing frame : {sf::framing{"[", ",", "]"}, sf::framing{"", "", ""}}) {
    sf::byte_records p(frame);
    const std::string sep(frame.separator);
    p.append_encoded("a");
    p.append_encoded("bb");
    p.append_encoded("ccc");
    // A record whose encoding fails leaves nothing, not even a separator.
    const auto failed = p.append_record([](sf::byte_buffer& b) {
      b.append(std::string_view("partial"));
      return sf::encode_status{sf::encode_errc::invalid_utf8, "x"};
    });
    CHECK(!failed);
    REQUIRE(p.size() == 3);
    CHECK(p[0] == "a");
    CHECK(p[1] == "bb");
    CHECK(p[2] == "ccc");
    CHECK(p.last_record_bytes() == 3);
    CHECK(p.bytes() == std::string(frame.prefix) + "a" + sep + "bb" + sep + "ccc");

    sf::byte_records moved(frame);
    p.move_last_to(moved);
    CHECK(p.size() == 2);
    CHECK(p.bytes() == std::string(frame.prefix) + "a" + sep + "bb");
    CHECK(moved.size() == 1);
    CHECK(moved[0] == "ccc");

    const std::uint32_t picks[] = {1, 0};
    const sf::byte_records chosen = p.select(picks);
    CHECK(chosen.size() == 2);
    CHECK(chosen[0] == "bb");
    CHECK(chosen[1] == "a");

    p.pop_last();
    p.pop_last();
    CHECK(p.empty());
    CHECK(p.bytes() == frame.prefix);
    p.append_encoded("d");
    CHECK(p[0] == "d");
    p.seal();
    CHECK(p.bytes() == std::string(frame.prefix) + "d" + std::string(frame.suffix));
    CHECK(p.byte_size() == p.bytes().size());
  }
}
