// deliver::exactly_once on sqlite::table: the batches of a checkpoint and its row in
// sinkforge_checkpoints commit together; a restart resumes from the table's own record when it is
// newer than the store's; a driver killed anywhere ends with every record in the table once.
#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sinkforge/checkpoint/file_store.hpp>
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/sqlite.hpp>

#include "transport/checkpoint_driver.hpp"
#include "transport/support.hpp"

namespace sf = sinkforge;
namespace fs = std::filesystem;

namespace eo_sqlite_test {
struct Item {
  BOOST_HANA_DEFINE_STRUCT(Item, (std::int64_t, id), (std::string, pad));
};
inline Item item(std::int64_t id) { return Item{id, std::string(30, 'p')}; }

// The ids in the table, in id order (read by a connection of its own: only committed rows).
inline std::vector<std::int64_t> ids(const fs::path& db_path, const char* table = "items") {
  std::vector<std::int64_t> out;
  if (!fs::exists(db_path)) return out;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  const std::string sql = std::string("SELECT id FROM ") + table + " ORDER BY id";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) out.push_back(sqlite3_column_int64(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

inline std::vector<std::int64_t> sequence(std::int64_t first, std::int64_t end) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = first; i < end; ++i) v.push_back(i);
  return v;
}

inline auto table_sink(const fs::path& db_path, sf::checkpoint::restored_state restore) {
  return sf::make_sink<Item>(sf::sqlite::table{.path = db_path.string(), .name = "items"}, sf::deliver::exactly_once,
                             sf::batch::max_records{7}, std::move(restore));
}
}  // namespace eo_sqlite_test

TEST_CASE("exactly_once sqlite::table: rows and the checkpoint row commit together") {
  using namespace eo_sqlite_test;
  const fs::path dir = test::fresh_dir("eo-sqlite");
  const fs::path db = dir / "shop.db";
  {
    auto sink = table_sink(db, sf::restore(std::nullopt));
    CHECK(!sink.resume_point());
    for (std::int64_t i = 0; i < 20; ++i) sink.write(item(i));
    CHECK(ids(db).empty());  // two batches sent into the open transaction; nothing visible
    const sf::writer_state st = sink.prepare_checkpoint(1, "offset=20");
    CHECK(st.sink == "sqlite:items");
    CHECK(st.committables == std::vector<std::string>{"1"});
    CHECK(ids(db) == sequence(0, 20));  // one phase: visible with its checkpoint row
    sink.commit_checkpoint(1);          // nothing left to do, and harmless
    for (std::int64_t i = 20; i < 25; ++i) sink.write(item(i));
    sink.prepare_checkpoint(2, "offset=25");  // never stored by the caller: a crash follows
    for (std::int64_t i = 25; i < 30; ++i) sink.write(item(i));
  }  // destroyed without close(): the open transaction (25..29) is rolled back
  CHECK(ids(db) == sequence(0, 25));
  {
    // The store still holds checkpoint 1; the table holds 2 and says where to resume.
    auto sink = table_sink(db, sf::restore(sf::checkpoint::stored_checkpoint{1, "offset=20", {}}));
    REQUIRE(sink.resume_point());
    CHECK(sink.resume_point()->id == 2);
    CHECK(sink.resume_point()->source_position == "offset=25");
    CHECK_THROWS_AS(sink.prepare_checkpoint(2, "x"), std::invalid_argument);
    for (std::int64_t i = 25; i < 30; ++i) sink.write(item(i));
    sink.close("offset=30");
  }
  CHECK(ids(db) == sequence(0, 30));
  {
    auto sink = table_sink(db, {});  // a checkpoint the table itself holds needs no store
    REQUIRE(sink.resume_point());
    CHECK(sink.resume_point()->id == 3);
    CHECK(sink.resume_point()->source_position == "offset=30");
  }
  SUBCASE("a store newer than the database is refused") {
    sf::writer_state st{.sink = "sqlite:items", .checkpoint_id = 9, .committables = {"9"}};
    CHECK_THROWS_WITH_AS(table_sink(db, sf::restore(st)),
                         doctest::Contains("which the table's sinkforge_checkpoints row does not hold (its last is 3)"),
                         sf::checkpoint::checkpoint_error);
  }
  SUBCASE("synchronous = OFF is refused under exactly_once") {
    CHECK_THROWS_WITH_AS(sf::make_sink<Item>(sf::sqlite::table{.path = db.string(), .name = "items", .synchronous = "OFF"},
                                             sf::deliver::exactly_once),
                         doctest::Contains("sqlite::table.synchronous"), sf::config_error);
  }
}

TEST_CASE("exactly_once sqlite::table: a constraint violation is one invalid record; the checkpoint goes on") {
  using namespace eo_sqlite_test;
  const fs::path dir = test::fresh_dir("eo-sqlite-constraint");
  const fs::path db = dir / "shop.db";
  {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h, "CREATE TABLE items (id INTEGER PRIMARY KEY, pad TEXT NOT NULL)", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(h);
  }
  std::vector<sf::failed_record> dead;
  auto sink = sf::make_sink<Item>(sf::sqlite::table{.path = db.string(), .name = "items", .create_table = false},
                                  sf::deliver::exactly_once, sf::batch::max_records{4}, sf::restore(std::nullopt),
                                  sf::dead_letter::call([&](std::vector<sf::failed_record>&& f) {
                                    for (auto& r : f) dead.push_back(std::move(r));
                                  }));
  for (std::int64_t i : {0, 1, 2, 1, 3, 4}) sink.write(item(i));  // 1 twice
  sink.prepare_checkpoint(1, "6");
  CHECK(ids(db) == sequence(0, 5));
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].kind == sf::failure_kind::invalid_record);
  sink.write(item(5));
  sink.close("7");
  CHECK(ids(db) == sequence(0, 6));
}

TEST_CASE("exactly_once sqlite::table on a full disk: the checkpoint fails whole; committed ones stay") {
  using namespace eo_sqlite_test;
  const test::small_disk disk("eo-sqlite-full", "512k");
  const fs::path& dir = disk.dir();
  const fs::path db = dir / "shop.db";
  std::int64_t next = 0;
  bool failed = false;
  {
    auto sink = sf::make_sink<Item>(sf::sqlite::table{.path = db.string(), .name = "items"}, sf::deliver::exactly_once,
                                    sf::batch::max_records{50}, sf::retry::none{}, sf::restore(std::nullopt),
                                    sf::on_error([](const sf::delivery_error&) {}));
    for (; next < 200; ++next) sink.write(item(next));
    sink.prepare_checkpoint(1, "200");
    try {
      for (std::uint64_t cp = 2; next < 100000; ++cp) {
        for (const std::int64_t end = next + 200; next < end; ++next) sink.write(item(next));
        sink.prepare_checkpoint(cp, std::to_string(next));
      }
    } catch (const std::exception& e) {  // a batch (delivery_error) or the commit (checkpoint_error)
      failed = true;
      MESSAGE("the disk filled: " << std::string(e.what()));
    }
    REQUIRE(failed);
    CHECK_THROWS_AS(sink.write(item(next)), std::logic_error);
  }
  // Every visible row belongs to a committed checkpoint, and the table says which.
  std::int64_t resume = 0;
  {
    auto sink = table_sink(db, sf::restore(std::nullopt));
    REQUIRE(sink.resume_point());
    resume = std::stoll(sink.resume_point()->source_position);
  }
  CHECK(resume >= 200);
  CHECK(resume % 200 == 0);
  CHECK(ids(db) == sequence(0, resume));
}

namespace eo_sqlite_test {
constexpr std::int64_t per_checkpoint = 25;

inline void drive(const fs::path& db, const fs::path& store_path, std::int64_t records) {
  sf::checkpoint::file_store store(store_path);
  auto sink = table_sink(db, sf::restore(store.load()));
  test::drive_checkpoints(sink, store, records, per_checkpoint, [&](std::int64_t i) { sink.write(item(i)); });
}
}  // namespace eo_sqlite_test

TEST_CASE("exactly_once sqlite::table: SIGKILL anywhere, restart, every record exactly once") {
  using namespace eo_sqlite_test;
  const fs::path dir = test::fresh_dir("eo-sqlite-sigkill");
  const fs::path db = dir / "shop.db";
  const fs::path store_path = dir / "checkpoint";
  std::mt19937 rng(20261130);
  const int kills = test::crash_kills(50);
  int killed = 0;
  std::int64_t resume = 0;
  int round = 0;
  for (; test::crash_round(round, kills, resume > 10 * eo_sqlite_test::per_checkpoint); ++round) {
    killed += test::kill_life_after(test::crash_delay_us(rng, 300, 30000, round, kills),
                                    [&] { eo_sqlite_test::drive(db, store_path, 1'000'000); });
    // A restart's view: the table holds exactly the records before the position it resumes from.
    auto recovered = table_sink(db, sf::restore(sf::checkpoint::file_store(store_path).load()));
    resume = recovered.resume_point() ? std::stoll(recovered.resume_point()->source_position) : 0;
    REQUIRE_MESSAGE(ids(db) == sequence(0, resume), "after kill " << round);
  }
  eo_sqlite_test::drive(db, store_path, resume + 100);
  CHECK(ids(db) == sequence(0, resume + 100));
  CHECK(killed == round);
  CHECK(resume > 10 * eo_sqlite_test::per_checkpoint);
  MESSAGE("kills: " << killed << ", records committed before the last life: " << resume);
}
