// sqlite::table against a real SQLite database file.
#include <doctest/doctest.h>

#include <sqlite3.h>

#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/sqlite.hpp>

#include "support/records.hpp"
#include "transport/sqlite_support.hpp"
#include "transport/support.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace {
using sqlite_test::query;

struct Keyed {
  BOOST_HANA_DEFINE_STRUCT(Keyed, (std::int64_t, id), (std::string, name));
};
}  // namespace

TEST_CASE("sqlite::table creates the table from the struct and stores every column type") {
  const auto path = (test::fresh_dir("sqlite-types") / "t.db").string();
  const auto at = test::sys_ms{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + 1s + 5ms};
  {
    auto sink = sf::make_sink<test::Row>(sf::sqlite::table{.path = path, .name = "my \"rows\""}, sf::batch::max_records{2});
    sink.write(test::Row{1, "o'neil; DROP TABLE x", 0.25, true, std::nullopt, test::Status::paid, at});
    sink.write(test::Row{2, "b", -1e300, false, "note", test::Status::open, at});
    sink.write(test::Row{3, "c", std::numeric_limits<double>::infinity(), true, {}, {}, at});
    sink.close();
  }
  CHECK(query(path, "SELECT sql FROM sqlite_master WHERE name = 'my \"rows\"'")[0][0] ==
        "CREATE TABLE \"my \"\"rows\"\"\" (\"id\" INTEGER NOT NULL, \"name\" TEXT NOT NULL, \"score\" REAL NOT NULL, "
        "\"active\" INTEGER NOT NULL, \"note\" TEXT, \"status\" TEXT NOT NULL, \"at\" TEXT NOT NULL)");
  const auto rows = query(path, "SELECT id, name, score, active, note, status, at, typeof(score) FROM \"my \"\"rows\"\"\" ORDER BY id");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == std::vector<std::string>{"1", "o'neil; DROP TABLE x", "0.25", "1", "NULL", "paid",
                                            "2026-11-23T00:00:01.005Z", "real"});
  CHECK(rows[1][2] == "-1.0e+300");
  CHECK(rows[1][4] == "note");
  CHECK(rows[2][2] == "Inf");
}

TEST_CASE("sqlite::table: a constraint violation is one invalid record; the rest of the batch commits") {
  const auto path = (test::fresh_dir("sqlite-constraint") / "t.db").string();
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE k (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(db);
  }
  std::vector<sf::failed_record> dead;
  {
    auto sink = sf::make_sink<Keyed>(
        sf::sqlite::table{.path = path, .name = "k"}, sf::batch::max_records{4},
        sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) { dead.insert(dead.end(), r.begin(), r.end()); }));
    sink.write(Keyed{1, "a"});
    sink.write(Keyed{2, "b"});
    sink.write(Keyed{1, "duplicate"});
    sink.write(Keyed{3, "c"});
    sink.close();
  }
  CHECK(query(path, "SELECT count(*) FROM k")[0][0] == "3");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].kind == sf::failure_kind::invalid_record);
  CHECK(dead[0].reason.find("UNIQUE constraint failed") != std::string::npos);
  CHECK(dead[0].payload == R"({"id":1,"name":"duplicate"})");
}

TEST_CASE("sqlite::table under deliver::idempotent: rows are upserted by key; a replay leaves one row per key") {
  const auto path = (test::fresh_dir("sqlite-upsert") / "t.db").string();
  for (int life = 0; life < 2; ++life) {  // the second life replays everything, as after a crash
    auto sink = sf::make_sink<Keyed>(sf::sqlite::table{.path = path, .name = "k"},
                                     sf::deliver::idempotent<&Keyed::name>, sf::batch::max_records{3});
    sink.write(Keyed{1, "a"});
    sink.write(Keyed{2, "b"});
    sink.write(Keyed{3, "a"});  // same key: replaces the row of "a" (no window: every record is written)
    sink.write(Keyed{4, "c"});
    sink.close();
  }
  CHECK(query(path, "SELECT id, name FROM k ORDER BY name") ==
        std::vector<std::vector<std::string>>{{"3", "a"}, {"2", "b"}, {"4", "c"}});
  // The sink created the table: the key is its primary key (no second index).
  CHECK(query(path, "SELECT name FROM pragma_table_info('k') WHERE pk = 1") ==
        std::vector<std::vector<std::string>>{{"name"}});
}

TEST_CASE("sqlite::table under deliver::idempotent: a table holding a key twice cannot take the unique index") {
  const auto path = (test::fresh_dir("sqlite-upsert-dup") / "t.db").string();
  {
    auto sink = sf::make_sink<Keyed>(sf::sqlite::table{.path = path, .name = "k"});
    sink.write(Keyed{1, "a"});
    sink.write(Keyed{2, "a"});
    sink.close();
  }
  CHECK_THROWS_WITH_AS(sf::make_sink<Keyed>(sf::sqlite::table{.path = path, .name = "k"},
                                            sf::deliver::idempotent<&Keyed::name>),
                       doctest::Contains("deliver::idempotent"), sf::config_error);
}

TEST_CASE("sqlite::table: a locked database is retried, and the batch commits once it is free") {
  const auto path = (test::fresh_dir("sqlite-busy") / "t.db").string();
  sqlite3* other = nullptr;
  {
    auto sink = sf::make_sink<Keyed>(sf::sqlite::table{.path = path, .name = "k", .busy_timeout = 0ms},
                                     sf::batch::max_records{2}, sf::clock::manual{},
                                     sf::retry::fixed{.max_attempts = 3, .delay = 10ms});
    REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
    sink.write(Keyed{1, "a"});
    CHECK_THROWS_WITH_AS(sink.write(Keyed{2, "b"}), doctest::Contains("gave up after 3 attempt(s): sqlite BEGIN failed"),
                         sf::delivery_error);
    REQUIRE(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
    sink.write(Keyed{3, "c"});
    sink.write(Keyed{4, "d"});
    sink.close();
  }
  sqlite3_close(other);
  CHECK(query(path, "SELECT group_concat(id) FROM k")[0][0] == "3,4");
}

TEST_CASE("sqlite::table: configuration errors name the field") {
  const auto path = (test::fresh_dir("sqlite-config") / "t.db").string();
  CHECK_THROWS_WITH_AS(sf::make_sink<Keyed>(sf::sqlite::table{.path = path}),
                       "sinkforge: invalid configuration: sqlite::table.name: must not be empty", sf::config_error);
  CHECK_THROWS_WITH_AS(sf::make_sink<Keyed>(sf::sqlite::table{.path = path, .name = "k", .journal_mode = "WAL; DROP"}),
                       "sinkforge: invalid configuration: sqlite::table.journal_mode: must be a plain word such as WAL "
                       "or NORMAL",
                       sf::config_error);
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE other (id INTEGER)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  CHECK_THROWS_WITH_AS(sf::make_sink<Keyed>(sf::sqlite::table{.path = path, .name = "other"}),
                       "sinkforge: invalid configuration: sqlite::table.name: table 'other' has no column 'name' "
                       "(add it, or set add_missing_columns)",
                       sf::config_error);
  // Asked to, the sink adds the column (nullable: the row already there has no name).
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "INSERT INTO other VALUES (7)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    auto sink = sf::make_sink<Keyed>(sf::sqlite::table{.path = path, .name = "other", .add_missing_columns = true});
    sink.write(Keyed{8, "added"});
    sink.close();
  }
  CHECK(query(path, "SELECT id, name FROM other ORDER BY id") ==
        std::vector<std::vector<std::string>>{{"7", "NULL"}, {"8", "added"}});
  CHECK(query(path, "SELECT type, \"notnull\" FROM pragma_table_info('other') WHERE name = 'name'")[0] ==
        std::vector<std::string>{"TEXT", "0"});
}

namespace sqlite_json_test {
struct Address {
  BOOST_HANA_DEFINE_STRUCT(Address, (std::string, city), (std::optional<std::string>, zip));
};
struct Customer {
  BOOST_HANA_DEFINE_STRUCT(Customer, (std::int64_t, id), (Address, home), (std::vector<int>, tags),
                           (std::optional<Address>, work));
};
}  // namespace sqlite_json_test

TEST_CASE("sqlite::table stores nested structs and containers as JSON text that json_extract reads") {
  using sqlite_json_test::Address;
  using sqlite_json_test::Customer;
  const auto path = (test::fresh_dir("sqlite-json") / "t.db").string();
  std::vector<sf::failed_record> dead;
  {
    auto sink = sf::make_sink<Customer>(
        sf::sqlite::table{.path = path, .name = "customers"}, sf::batch::max_records{10},
        sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) { dead.insert(dead.end(), r.begin(), r.end()); }));
    sink.write(Customer{1, {"Oslo", "0150"}, {1, 2}, std::nullopt});
    sink.write(Customer{2, {"bad \xc3\x28", std::nullopt}, {}, std::nullopt});  // invalid UTF-8 inside
    sink.write(Customer{3, {"Bodø", std::nullopt}, {}, Address{"Tromsø", "9008"}});
    sink.close();
  }
  CHECK(query(path, "SELECT id, json_extract(home, '$.city'), json_extract(home, '$.zip'), tags, "
                    "json_extract(work, '$.city') FROM customers ORDER BY id") ==
        std::vector<std::vector<std::string>>{{"1", "Oslo", "0150", "[1,2]", "NULL"}, {"3", "Bodø", "NULL", "[]", "Tromsø"}});
  CHECK(query(path, "SELECT type FROM pragma_table_info('customers') WHERE name = 'home'")[0][0] == "TEXT");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].reason.find("'home' cannot be stored") != std::string::npos);
}

namespace capabilities_test {
struct legacy {
  using policy_family = sf::family::transport;
  static constexpr bool upserts = true;
  static constexpr std::size_t max_concurrent_sends = 4;
};
}  // namespace capabilities_test

// The capabilities docs/databases.md lists, value for value: a change to one fails here first.
TEST_CASE("transport capabilities are what docs/databases.md lists") {
  using sf::loading_model;
  constexpr auto memory = sf::capabilities_of<sf::memory::buffer>;
  static_assert(!memory.upsert && !memory.remove && !memory.transactions && !memory.schema_evolution);
  static_assert(memory.loading == loading_model::append && memory.min_batch == 1 && memory.max_batch == 0);
  static_assert(memory.max_concurrent_sends == std::numeric_limits<std::size_t>::max());
  constexpr auto stream = sf::capabilities_of<sf::stream::ostream>;
  static_assert(!stream.upsert && !stream.transactions && stream.loading == loading_model::append);
  static_assert(stream.max_concurrent_sends == 1);
  for (const auto c : {sf::capabilities_of<sf::file::append>, sf::capabilities_of<sf::file::rotating>}) {
    CHECK(!c.upsert);
    CHECK(!c.remove);
    CHECK(c.transactions);
    CHECK(c.loading == loading_model::append);
    CHECK(c.max_concurrent_sends == 1);
  }
  constexpr auto table = sf::capabilities_of<sf::sqlite::table>;
  static_assert(table.upsert && table.remove && table.transactions && table.schema_evolution);
  static_assert(table.loading == loading_model::statement && table.min_batch == 1 && table.max_batch == 0);
  static_assert(table.max_concurrent_sends == 1);
  // faulty<Inner> passes everything through but two-phase commit.
  constexpr auto faulty = sf::capabilities_of<sf::testing::faulty<sf::sqlite::table>>;
  static_assert(faulty.upsert && !faulty.transactions && faulty.loading == loading_model::statement);
  // A transport of a program's own, declaring none: read from its older members.
  using capabilities_test::legacy;
  static_assert(sf::capabilities_of<legacy>.upsert && sf::capabilities_of<legacy>.max_concurrent_sends == 4);
  static_assert(!sf::capabilities_of<legacy>.transactions);
}
