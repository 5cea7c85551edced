// postgres::table against a real PostgreSQL server: the type map, binary COPY, rows the server
// refuses, a lost connection, upserts under deliver::idempotent, and errors that keep the password.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <sinkforge/metrics/counters.hpp>
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/postgres.hpp>

#include "support/records.hpp"
#include "transport/postgres_support.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace pg_alo_test {
enum class Level : std::int16_t { low = -3, high = 7 };  // no sinkforge_enum_name: stored as its integer

struct Every {
  BOOST_HANA_DEFINE_STRUCT(Every,
                           (std::int64_t, id),
                           (bool, flag),
                           (std::int8_t, i8),
                           (std::uint8_t, u8),
                           (std::int16_t, i16),
                           (std::uint16_t, u16),
                           (std::int32_t, i32),
                           (std::uint32_t, u32),
                           (std::uint64_t, u64),
                           (float, f),
                           (double, d),
                           (std::string, text),
                           (char, letter),
                           (test::Status, status),
                           (Level, level),
                           (std::chrono::sys_time<std::chrono::nanoseconds>, at),
                           (std::vector<std::byte>, bytes),
                           (std::optional<std::int32_t>, maybe));
};

struct Keyed {
  BOOST_HANA_DEFINE_STRUCT(Keyed, (std::int64_t, id), (std::string, name), (std::int32_t, qty));
};

inline sf::postgres::table table(const std::string& name) {
  return sf::postgres::table{.conninfo = pg_test::conninfo(), .name = name};
}

inline auto collect(std::vector<sf::failed_record>& into) {
  return sf::dead_letter::call([&into](std::vector<sf::failed_record>&& r) { into.insert(into.end(), r.begin(), r.end()); });
}
}  // namespace pg_alo_test

TEST_CASE("postgres::table creates the table from the struct and stores every type of the map exactly") {
  using namespace pg_alo_test;
  const std::string name = pg_test::unique("every");
  const auto at = std::chrono::sys_days{std::chrono::year{2026} / 11 / 30} + 9h + 18min + 45s + 123456789ns;
  {
    auto sink = sf::make_sink<Every>(table(name), sf::batch::max_records{2});
    sink.write(Every{1, true, -128, 255, -32768, 65535, std::numeric_limits<std::int32_t>::min(), 4294967295u,
                     static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()), 1.5f, -1e300,
                     "ünïcödé 'quoted' \"double\" \\ tab\t", 'x', test::Status::shipped, Level::low, at,
                     {std::byte{0}, std::byte{0xff}, std::byte{'\\'}}, std::nullopt});
    sink.write(Every{2, false, 0, 0, 0, 0, 0, 0, 0, -0.0f, 5e-324, "", 'y', test::Status::open, Level::high,
                     std::chrono::sys_days{std::chrono::year{1969} / 12 / 31} + 23h + 59min + 59s + 999999999ns, {},
                     42});
    sink.close();
  }
  pg_test::client c;
  CHECK(c.rows("SELECT column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns "
               "WHERE table_name = '" + name + "' ORDER BY ordinal_position") ==
        std::vector<std::string>{"id bigint NO", "flag boolean NO", "i8 smallint NO", "u8 smallint NO",
                                 "i16 smallint NO", "u16 integer NO", "i32 integer NO", "u32 bigint NO",
                                 "u64 bigint NO", "f real NO", "d double precision NO", "text text NO",
                                 "letter text NO", "status text NO", "level smallint NO",
                                 "at timestamp with time zone NO", "bytes bytea NO", "maybe integer YES"});
  c.exec("SET TIME ZONE 'UTC'");
  const auto rows = c.rows("SELECT * FROM \"" + name + "\" ORDER BY id");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] ==
        "1|t|-128|255|-32768|65535|-2147483648|4294967295|9223372036854775807|1.5|-1e+300|"
        "ünïcödé 'quoted' \"double\" \\ tab\t|x|shipped|-3|2026-11-30 09:18:45.123456+00|\\x00ff5c|NULL");
  // Microseconds, rounded down, also before 1970.
  CHECK(rows[1] == "2|f|0|0|0|0|0|0|0|-0|5e-324||y|open|7|1969-12-31 23:59:59.999999+00|\\x|42");
}

TEST_CASE("postgres::table: values a column cannot hold are invalid records; the rest of the batch lands") {
  using namespace pg_alo_test;
  const std::string name = pg_test::unique("unstorable");
  std::vector<sf::failed_record> dead;
  {
    auto sink = sf::make_sink<Every>(table(name), sf::batch::max_records{10}, collect(dead));
    for (std::int64_t i = 0; i < 10; ++i) {
      Every e{};
      e.id = i;
      e.letter = 'a';
      if (i == 2) e.u64 = std::numeric_limits<std::uint64_t>::max();  // above bigint
      if (i == 5) e.text = std::string("nul\0inside", 10);            // text holds no NUL
      if (i == 7) e.text = "\xc3\x28";                                // invalid UTF-8
      if (i == 8) e.letter = '\xe9';                                  // half a character
      sink.write(e);
    }
    sink.close();
  }
  pg_test::client c;
  CHECK(c.ids(name) == std::vector<long long>{0, 1, 3, 4, 6, 9});
  REQUIRE(dead.size() == 4);
  CHECK(dead[0].reason.find("'u64' cannot be stored") != std::string::npos);
  CHECK(dead[1].reason.find("'text' cannot be stored") != std::string::npos);
  CHECK(dead[2].reason.find("'text' cannot be stored") != std::string::npos);
  CHECK(dead[3].reason.find("'letter' cannot be stored") != std::string::npos);
  for (const auto& d : dead) CHECK(d.kind == sf::failure_kind::invalid_record);
}

TEST_CASE("postgres::table: rows the server refuses are found by the line COPY names; every other row commits") {
  using namespace pg_alo_test;
  const std::string name = pg_test::unique("refused");
  pg_test::client c;
  c.exec("CREATE TABLE \"" + name + "\" (id bigint PRIMARY KEY, name text NOT NULL, qty integer NOT NULL CHECK (qty > 0))");
  c.exec("INSERT INTO \"" + name + "\" VALUES (500, 'there before', 1)");
  std::vector<sf::failed_record> dead;
  {
    auto sink = sf::make_sink<Keyed>(table(name), sf::batch::max_records{1000}, collect(dead));
    for (std::int64_t i = 0; i < 1000; ++i) sink.write(Keyed{i, "n" + std::to_string(i), i % 250 == 3 ? 0 : 1});
    sink.close();
  }
  // qty 0 at 3, 253, 503, 753 breaks the CHECK; 500 is already there.
  CHECK(c.count(name) == 1000 - 5 + 1);
  REQUIRE(dead.size() == 5);
  CHECK(dead[0].payload.find("\"id\":3,") != std::string::npos);
  CHECK(dead[0].reason.find("check constraint") != std::string::npos);
  CHECK(dead[2].payload.find("\"id\":500,") != std::string::npos);
  CHECK(dead[2].reason.find("duplicate key") != std::string::npos);
  CHECK(c.scalar("SELECT name FROM \"" + name + "\" WHERE id = 500") == "there before");
}

TEST_CASE("postgres::table: many refused rows, and refused upserts, are found by halving; the rest commits") {
  using namespace pg_alo_test;
  const std::string name = pg_test::unique("refused_many");
  const std::string upserted = pg_test::unique("refused_upsert");
  pg_test::client c;
  for (const auto& t : {name, upserted})
    c.exec("CREATE TABLE \"" + t + "\" (id bigint PRIMARY KEY, name text NOT NULL, qty integer NOT NULL CHECK (qty > 0))");
  std::vector<sf::failed_record> dead, dead_upserted;
  {
    // 40 refused rows in one batch: the first 8 found by COPY's line, the rest by halving.
    auto sink = sf::make_sink<Keyed>(table(name), sf::batch::max_records{1000}, collect(dead));
    // An upsert's refusal comes from INSERT ... SELECT, which names no line: halving only.
    auto up = sf::make_sink<Keyed>(table(upserted), sf::deliver::idempotent<&Keyed::id>, sf::batch::max_records{1000},
                                   collect(dead_upserted));
    for (std::int64_t i = 0; i < 1000; ++i) {
      sink.write(Keyed{i, "n", i % 25 == 7 ? 0 : 1});
      up.write(Keyed{i, "n", i % 100 == 42 ? -1 : 1});
    }
    sink.close();
    up.close();
  }
  CHECK(c.count(name) == 960);
  REQUIRE(dead.size() == 40);
  for (std::size_t k = 0; k < dead.size(); ++k)
    CHECK(dead[k].payload.find("\"id\":" + std::to_string(7 + 25 * k) + ",") != std::string::npos);
  CHECK(c.count(upserted) == 990);
  REQUIRE(dead_upserted.size() == 10);
  CHECK(dead_upserted[0].reason.find("check constraint") != std::string::npos);
}

TEST_CASE("postgres::table: a connection the server ends is made again, and the batch is retried") {
  using namespace pg_alo_test;
  const std::string name = pg_test::unique("reconnect");
  pg_test::client c;
  {
    auto cfg = table(name);
    cfg.conninfo += " application_name=" + name;  // to find the sink's session
    sf::metrics::counters m;
    auto sink = sf::make_sink<Keyed>(cfg, sf::batch::max_records{10}, sf::retry::fixed{.max_attempts = 3, .delay = 1ms}, m);
    for (std::int64_t i = 0; i < 10; ++i) sink.write(Keyed{i, "a", 1});
    CHECK(c.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + name +
                   "'") == "1");
    for (std::int64_t i = 10; i < 20; ++i) sink.write(Keyed{i, "b", 1});
    sink.close();
    CHECK(m.values().retries >= 1);
  }
  CHECK(c.ids(name) == pg_test::sequence(0, 20));
}

TEST_CASE("postgres::table: a column's type changed under the sink fails the batch whole, not row by row") {
  using namespace pg_alo_test;
  const std::string name = pg_test::unique("retyped");
  pg_test::client c;
  std::vector<sf::failed_record> dead;
  auto sink = sf::make_sink<Keyed>(table(name), sf::batch::max_records{10}, sf::retry::fixed{.max_attempts = 3, .delay = 1ms},
                                   collect(dead));
  for (std::int64_t i = 0; i < 10; ++i) sink.write(Keyed{i, "a", 1});
  sink.flush();
  // Binary COPY sends qty as int4, which a numeric column would misread: the types are read again
  // before each COPY, so the batch fails, reported as a whole, not retried, and no row is
  // dead-lettered as invalid. (bigint to double precision would not fail the COPY: an int8's
  // bits would be stored as a double.)
  c.exec("ALTER TABLE \"" + name + "\" ALTER COLUMN qty TYPE numeric");
  for (std::int64_t i = 10; i < 20; ++i) sink.write(Keyed{i, "b", 1});
  sink.close();
  REQUIRE(dead.size() == 10);
  for (const auto& d : dead) {
    CHECK(d.kind == sf::failure_kind::fatal);
    CHECK_MESSAGE(d.reason.find("column \"qty\" of \"" + name + "\" is now numeric; the sink sends integer (the table "
                                "was altered under it)") != std::string::npos,
                  d.reason);
    CHECK(d.attempts == 1);  // not retried: it would fail the same
  }
  CHECK(c.count(name) == 10);
  // bigint to double precision: a COPY would succeed and store an int8's bits as a double.
  std::vector<sf::failed_record> dead_too;
  auto other = sf::make_sink<Keyed>(table(name + "_f"), sf::batch::max_records{10}, collect(dead_too));
  other.write(Keyed{1, "a", 1});
  other.flush();
  c.exec("ALTER TABLE \"" + name + "_f\" ALTER COLUMN id TYPE double precision");
  other.write(Keyed{2, "b", 1});
  other.close();
  REQUIRE(dead_too.size() == 1);
  CHECK(dead_too[0].reason.find("is now double precision; the sink sends bigint") != std::string::npos);
  CHECK(c.scalar("SELECT string_agg(id::text, ',') FROM \"" + name + "_f\"") == "1");
}

TEST_CASE("postgres::table under deliver::idempotent: the last row of a key wins, a replay changes nothing") {
  using namespace pg_alo_test;
  const std::string name = pg_test::unique("upsert");
  pg_test::client c;
  for (int replay = 0; replay < 2; ++replay) {
    auto sink = sf::make_sink<Keyed>(table(name), sf::deliver::idempotent<&Keyed::id>, sf::batch::max_records{6});
    for (std::int64_t i = 0; i < 10; ++i) sink.write(Keyed{i % 4, "v" + std::to_string(i), static_cast<int>(i)});
    sink.close();
  }
  CHECK(c.rows("SELECT id, name, qty FROM \"" + name + "\" ORDER BY id") ==
        std::vector<std::string>{"0|v8|8", "1|v9|9", "2|v6|6", "3|v7|7"});
}

TEST_CASE("postgres::table: a table missing a column is refused, or given it when asked (add_missing_columns)") {
  using namespace pg_alo_test;
  const std::string name = pg_test::unique("evolve");
  pg_test::client c;
  c.exec("CREATE TABLE \"" + name + "\" (id bigint NOT NULL)");
  c.exec("INSERT INTO \"" + name + "\" VALUES (7)");
  CHECK_THROWS_WITH_AS(sf::make_sink<Keyed>(table(name)),
                       doctest::Contains("has no column \"name\" (add it, or set add_missing_columns)"),
                       sf::config_error);
  {
    auto cfg = table(name);
    cfg.add_missing_columns = true;
    auto sink = sf::make_sink<Keyed>(cfg);
    sink.write(Keyed{8, "added", 3});
    sink.close();
  }
  CHECK(c.rows("SELECT id, name, qty FROM \"" + name + "\" ORDER BY id") ==
        std::vector<std::string>{"7|NULL|NULL", "8|added|3"});
  CHECK(c.rows("SELECT column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns "
               "WHERE table_name = '" + name + "' ORDER BY ordinal_position") ==
        std::vector<std::string>{"id bigint NO", "name text YES", "qty integer YES"});
}

TEST_CASE("postgres::table: configuration errors name the field and never show the password") {
  using namespace pg_alo_test;
  const std::string name = pg_test::unique("config");
  CHECK_THROWS_WITH_AS(sf::make_sink<Keyed>(sf::postgres::table{.conninfo = pg_test::conninfo()}),
                       doctest::Contains("postgres::table.name: must not be empty"), sf::config_error);
  CHECK_THROWS_WITH_AS(sf::make_sink<Keyed>(sf::postgres::table{.conninfo = pg_test::conninfo(), .name = name,
                                                                .create_table = false}),
                       doctest::Contains("does not exist (create_table is off)"), sf::config_error);
  pg_test::client c;
  c.exec("CREATE TABLE \"" + name + "\" (id bigint, name text, qty numeric)");
  const std::string mismatch = "column \"qty\" of \"" + name + "\" is numeric; the record's member is sent as integer";
  CHECK_THROWS_WITH_AS(sf::make_sink<Keyed>(table(name)), doctest::Contains(mismatch.c_str()), sf::config_error);

  // A wrong password: the server says no, and neither password shows.
  std::string wrong = pg_test::conninfo();
  const auto at = wrong.find("password=");
  REQUIRE(at != std::string::npos);
  const std::string right = wrong.substr(at + 9, wrong.find(' ', at) - at - 9);
  wrong.replace(at + 9, right.size(), "hunter2-wrong");
  try {
    sf::make_sink<Keyed>(sf::postgres::table{.conninfo = wrong, .name = name});
    FAIL("connected with a wrong password");
  } catch (const sf::config_error& e) {
    const std::string what = e.what();
    CHECK(e.field() == "postgres::table.conninfo");
    CHECK(what.find("password authentication failed") != std::string::npos);
    CHECK(what.find("hunter2") == std::string::npos);
    CHECK(what.find(right) == std::string::npos);
  }
  // A connection string libpq cannot parse may quote the text around the password.
  try {
    sf::make_sink<Keyed>(sf::postgres::table{.conninfo = "host=127.0.0.1 password=se cret", .name = name});
    FAIL("accepted a malformed connection string");
  } catch (const sf::config_error& e) {
    CHECK(std::string(e.what()).find("cret") == std::string::npos);
    CHECK(std::string(e.what()).find("not a connection string or URI libpq accepts") != std::string::npos);
  }
  // TLS options reach libpq: this server has no TLS, so sslmode=require cannot connect.
  CHECK_THROWS_WITH_AS(sf::make_sink<Keyed>(sf::postgres::table{.conninfo = pg_test::conninfo() + " sslmode=require",
                                                                .name = name}),
                       doctest::Contains("SSL"), sf::config_error);
}

namespace pg_json_test {
struct Address {
  BOOST_HANA_DEFINE_STRUCT(Address, (std::string, city), (std::optional<std::string>, zip));
};
struct Customer {
  BOOST_HANA_DEFINE_STRUCT(Customer, (std::int64_t, id), (Address, home), (std::vector<Address>, history),
                           (std::vector<double>, scores), (std::optional<Address>, work));
};
}  // namespace pg_json_test

TEST_CASE("postgres::table stores nested structs and containers as jsonb; a non-finite number inside is invalid") {
  using namespace pg_json_test;
  const std::string name = pg_test::unique("json");
  std::vector<sf::failed_record> dead;
  {
    auto sink = sf::make_sink<Customer>(pg_alo_test::table(name), sf::batch::max_records{10}, pg_alo_test::collect(dead));
    sink.write(Customer{1, {"Oslo", "0150"}, {{"Bergen", std::nullopt}}, {0.5, -2.0}, std::nullopt});
    sink.write(Customer{2, {"Zoë \"q\"", std::nullopt}, {}, {std::numeric_limits<double>::infinity()}, Address{"x", "1"}});
    sink.write(Customer{3, {"Tromsø", "9008"}, {}, {}, Address{"Bodø", std::nullopt}});
    sink.close();
  }
  pg_test::client c;
  CHECK(c.scalar("SELECT data_type FROM information_schema.columns WHERE table_name = '" + name +
                 "' AND column_name = 'home'") == "jsonb");
  CHECK(c.rows("SELECT id, home->>'city', history->0->>'city', history->0->'zip', scores, work->>'city' FROM \"" +
               name + "\" ORDER BY id") ==
        std::vector<std::string>{"1|Oslo|Bergen|null|[0.5, -2]|NULL", "3|Tromsø|NULL|NULL|[]|Bodø"});
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].reason.find("'scores' cannot be stored") != std::string::npos);
}

TEST_CASE("postgres::table capabilities are what docs/databases.md lists") {
  constexpr auto c = sf::capabilities_of<sf::postgres::table>;
  static_assert(c.upsert && c.remove && c.transactions && c.schema_evolution);
  static_assert(c.loading == sf::loading_model::bulk && c.min_batch == 1000 && c.max_batch == 0);
  static_assert(c.max_concurrent_sends == 1);
  CHECK(c.min_batch == 1000);
}
