// serialize::csv (RFC 4180), serialize::raw and serialize::columns.
#include <doctest/doctest.h>

#include <cmath>

#include <sinkforge/serialize/columns.hpp>
#include <sinkforge/serialize/csv.hpp>
#include <sinkforge/serialize/raw.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

TEST_CASE("csv: header row from member names, CRLF records, quoting only when needed") {
  sf::serialize::csv s;
  CHECK(s.preamble<test::Row>() == "id,name,score,active,note,status,at\r\n");
  auto p = s.make_payload<test::Row>();
  const auto at = test::sys_ms{std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + 3h + 4min + 5s + 6ms};
  REQUIRE(s.append(p, test::Row{1, "plain", 0.5, true, std::nullopt, test::Status::open, at}));
  REQUIRE(s.append(p, test::Row{2, "a,b \"c\"\r\nd", -1e-7, false, "n", test::Status::shipped, at}));
  CHECK(p[0] == "1,plain,0.5,true,,open,2026-01-02T03:04:05.006Z\r\n");
  CHECK(p[1] == "2,\"a,b \"\"c\"\"\r\nd\",-1e-07,false,n,shipped,2026-01-02T03:04:05.006Z\r\n");
}

TEST_CASE("csv: other delimiters, no header, invalid values") {
  sf::serialize::csv s{.delimiter = ';', .header = false};
  CHECK(s.preamble<test::Row>().empty());
  auto p = s.make_payload<test::Row>();
  REQUIRE(s.append(p, test::Row{1, "x;y,z", 1, true, {}, {}, {}}));
  CHECK(p[0] == "1;\"x;y,z\";1;true;;open;1970-01-01T00:00:00.000Z\r\n");
  auto st = s.append(p, test::Row{2, "x", std::nan(""), true, {}, {}, {}});
  CHECK(st.code == sf::encode_errc::non_finite_number);
  CHECK(p.size() == 1);
}

TEST_CASE("csv: a delimiter that would break the format is a configuration error") {
  for (char bad : {'"', '\r', '\n', static_cast<char>(0xC3)}) {
    const sf::serialize::csv s{.delimiter = bad};
    try {
      s.validate();
      FAIL("delimiter accepted");
    } catch (const sf::config_error& e) {
      CHECK(e.field() == "serialize::csv.delimiter");
    }
  }
  for (char good : {',', ';', '\t', '|'}) CHECK_NOTHROW(sf::serialize::csv{.delimiter = good}.validate());
}

TEST_CASE("csv accepts only scalar members") {
  static_assert(sf::serializer_for<sf::serialize::csv, test::Row>);
  static_assert(!sf::serializer_for<sf::serialize::csv, test::Rich>);  // vectors, maps, nested structs
}

TEST_CASE("raw writes bytes as they are with a delimiter") {
  sf::serialize::raw s;
  auto p = s.make_payload<std::string>();
  REQUIRE(s.append(p, std::string("line one")));
  REQUIRE(s.append(p, std::string("two\0three", 9)));
  CHECK(p.bytes() == std::string_view("line one\ntwo\0three\n", 19));
  sf::serialize::raw none{.delimiter = ""};
  auto q = none.make_payload<std::vector<std::byte>>();
  REQUIRE(none.append(q, std::vector<std::byte>{std::byte{1}, std::byte{2}}));
  CHECK(q.bytes() == std::string_view("\x01\x02", 2));
  static_assert(!sf::serializer_for<sf::serialize::raw, test::Order>);
}

TEST_CASE("columns keeps records as rows and rejects NaN") {
  sf::serialize::columns s;
  auto p = s.make_payload<test::Row>();
  REQUIRE(s.append(p, test::Row{1, "a", 1.0, true, {}, {}, {}}));
  auto st = s.append(p, test::Row{2, "b", std::nan(""), true, {}, {}, {}});
  CHECK(st.code == sf::encode_errc::non_finite_number);
  CHECK(std::string(st.field) == "score");
  CHECK(p.size() == 1);
  CHECK(p[0].name == "a");
  CHECK(p.byte_size() >= sizeof(test::Row) + 1);
  static_assert(sf::serializer_for<sf::serialize::columns, test::Rich>);
  static_assert(!sf::serializer_for<sf::serialize::columns, int>);
}
