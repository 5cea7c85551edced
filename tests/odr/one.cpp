// First unit of test_odr: the umbrella and the SQLite backend, a few sinks, and the test cases.
#include <doctest/doctest.h>

#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/sqlite.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "odr.hpp"
#include "support/records.hpp"

namespace sf = sinkforge;

namespace odr {

std::vector<std::string> one_memory_json(int count) {
  sf::memory::buffer mem;
  auto sink = sf::make_sink<test::Order>(mem, sf::serialize::json{}, sf::batch::max_records{3},
                                         sf::partition::by<&test::Order::customer>);
  for (int i = 0; i < count; ++i) sink.write(test::order(i, i % 2 ? "odd" : "even"));
  sink.close();
  return mem.records();
}

std::size_t one_sqlite(const std::string& path, int count) {
  auto sink = sf::make_sink<test::Order>(sf::sqlite::table{.path = path, .name = "orders"},
                                         sf::batch::max_records{4});
  for (int i = 0; i < count; ++i) sink.write(test::order(i));
  sink.close();
  return static_cast<std::size_t>(count);
}

std::string one_csv_file(const std::string& path, int count) {
  {
    auto sink = sf::make_sink<test::Order>(sf::file::append{.path = path}, sf::serialize::csv{},
                                           sf::retry::none{});
    for (int i = 0; i < count; ++i) sink.write(test::order(i));
    sink.close();
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace odr

namespace {
std::string fresh_file(const std::string& name) {
  const auto dir = std::filesystem::current_path() / "odr-tmp";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::filesystem::remove(path);
  return path.string();
}

long long count_rows(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM orders", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const long long n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}
}  // namespace

TEST_CASE("two units that include every header link into one program and share instantiations") {
  const auto a = odr::one_memory_json(7);
  const auto b = odr::two_memory_json(7);
  REQUIRE(a.size() == 7);
  CHECK(a == b);
  CHECK(a.front().find("\"customer\":\"even\"") != std::string::npos);
}

TEST_CASE("both units write SQLite through the same transport code") {
  const auto path = fresh_file("orders.db");
  CHECK(odr::one_sqlite(path, 5) == 5);
  CHECK(odr::two_sqlite(path, 6) == 6);
  CHECK(count_rows(path) == 11);
}

TEST_CASE("compositions used by one unit only work too") {
  const auto csv = odr::one_csv_file(fresh_file("orders.csv"), 2);
  CHECK(csv.rfind("id,customer,amount,ts_ms\r\n", 0) == 0);
  CHECK(csv.find("o1,c,1.5,1700000000001\r\n") != std::string::npos);
  const auto records = odr::two_async_partitioned(10);
  CHECK(records.size() == 10);
}
