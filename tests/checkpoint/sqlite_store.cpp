// sqlite_store: save and load, ids that only move forward, two stores in one database, damaged rows
// that throw, errors that name the database, and a writer killed while it saves.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>

#include <sqlite3.h>

#include <sinkforge/checkpoint/sqlite_store.hpp>

#include "checkpoint/support.hpp"
#include "transport/support.hpp"

namespace checkpoint_test {
// Runs `sql` on a connection of its own, as another program would; the first column of the first
// row, as text, or "" without a row.
std::string run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  const int prepared = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  REQUIRE_MESSAGE(prepared == SQLITE_OK, sqlite3_errmsg(db));
  std::string first;
  const int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
    first = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  CHECK_MESSAGE((rc == SQLITE_ROW || rc == SQLITE_DONE), sqlite3_errmsg(db));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return first;
}

TEST_CASE("sqlite_store: nullopt without a row; save then load, also from a new connection") {
  const auto path = (test::fresh_dir("ckpt-sqlite-basic") / "ckpt.db").string();
  ck::sqlite_store store(path, "driver");
  CHECK(!store.load());
  store.save(sample(1));
  CHECK(store.load() == sample(1));
  const ck::stored_checkpoint empty{.id = 2};  // empty position and no writer states
  store.save(empty);
  CHECK(store.load() == empty);
  CHECK(run_sql(path, "SELECT typeof(position) FROM sinkforge_checkpoint_store") == "blob");
  store.save(sample(3));
  CHECK(ck::sqlite_store(path, "driver").load() == sample(3));
  CHECK_THROWS_AS(ck::sqlite_store("", "driver"), sinkforge::config_error);
  CHECK_THROWS_AS(ck::sqlite_store(path, ""), sinkforge::config_error);
  CHECK_THROWS_AS(store.save(ck::stored_checkpoint{.id = std::uint64_t{1} << 63}), std::out_of_range);
  CHECK(store.load() == sample(3));
}

TEST_CASE("sqlite_store: checkpoint ids only move forward; two store names in one database are apart") {
  const auto path = (test::fresh_dir("ckpt-sqlite-monotonic") / "ckpt.db").string();
  ck::sqlite_store a(path, "a");
  ck::sqlite_store b(path, "b");
  a.save(sample(5));
  CHECK(!b.load());
  b.save(sample(2));  // b's ids are its own
  const std::string refused = "sinkforge: checkpoint store 'a' in '" + path +
                              "': checkpoint 3 is older than the stored checkpoint 5; checkpoints only move forward";
  CHECK_THROWS_WITH_AS(a.save(sample(3)), refused.c_str(), ck::stale_checkpoint_error);
  CHECK(a.load() == sample(5));
  CHECK_THROWS_AS(ck::sqlite_store(path, "a").save(sample(4)), ck::stale_checkpoint_error);
  a.save(sample(5));  // the same id again replaces it; the refusals above left no transaction open
  a.save(sample(9));
  b.save(sample(3));
  CHECK(ck::sqlite_store(path, "a").load() == sample(9));
  CHECK(ck::sqlite_store(path, "b").load() == sample(3));
  CHECK(run_sql(path, "SELECT group_concat(store || '=' || id) FROM "
                                       "(SELECT * FROM sinkforge_checkpoint_store ORDER BY store)") == "a=9,b=3");
}

TEST_CASE("sqlite_store: a damaged row throws on load and on save, and is left as it is") {
  const auto path = (test::fresh_dir("ckpt-sqlite-damaged") / "ckpt.db").string();
  ck::sqlite_store store(path, "driver");
  store.save(sample(7));
  const std::string name = "sinkforge: checkpoint store 'driver' in '" + path + "'";

  run_sql(path, "UPDATE sinkforge_checkpoint_store SET states = substr(states, 1, 100)");
  const std::string cut = name + ", column states: field 'writer_states[0]' at byte 12: length 4171 runs past the end";
  CHECK_THROWS_WITH_AS(store.load(), doctest::Contains(cut.c_str()), ck::format_error);
  // A save would hide the damage: it is refused and rolled back.
  CHECK_THROWS_AS(store.save(sample(8)), ck::format_error);
  CHECK(run_sql(path, "SELECT id || ' ' || length(states) FROM sinkforge_checkpoint_store") == "7 100");

  run_sql(path, "UPDATE sinkforge_checkpoint_store SET states = x'00'");
  const std::string tiny = name + ", column states: field 'magic' at byte 0: truncated: needs 4 byte(s), 1 left";
  CHECK_THROWS_WITH_AS(store.load(), tiny.c_str(), ck::format_error);

  run_sql(path, "UPDATE sinkforge_checkpoint_store SET id = 'seven'");
  const std::string text_id = name + ": field 'id' at byte 0: holds TEXT, expected INTEGER";
  CHECK_THROWS_WITH_AS(store.load(), text_id.c_str(), ck::format_error);
  run_sql(path, "UPDATE sinkforge_checkpoint_store SET id = -7");
  CHECK_THROWS_WITH_AS(store.load(), doctest::Contains("field 'id' at byte 0: negative id -7"), ck::format_error);
  run_sql(path, "UPDATE sinkforge_checkpoint_store SET id = 7, position = 'pos-7'");
  CHECK_THROWS_WITH_AS(store.load(), doctest::Contains("field 'position' at byte 0: holds TEXT, expected BLOB"),
                       ck::format_error);
}

TEST_CASE("sqlite_store: errors name the database and SQLite's message") {
  const auto dir = test::fresh_dir("ckpt-sqlite-errors");
  const std::string missing = (dir / "missing" / "ckpt.db").string();
  const std::string cannot_open =
      "sinkforge: checkpoint store 's' in '" + missing + "': open failed: unable to open database file";
  CHECK_THROWS_WITH_AS(ck::sqlite_store(missing, "s"), cannot_open.c_str(), ck::store_error);

  const std::string not_db = (dir / "notes.txt").string();
  std::ofstream{not_db} << std::string(4096, 'n');
  CHECK_THROWS_WITH_AS(ck::sqlite_store(not_db, "s"), doctest::Contains("file is not a database"), ck::store_error);

  // Another connection holds the write lock past the busy timeout: BEGIN IMMEDIATE fails, retryable later.
  const std::string path = (dir / "ckpt.db").string();
  ck::sqlite_store store(path, "s", std::chrono::milliseconds{20});
  store.save(sample(1));
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  const std::string locked = "sinkforge: checkpoint store 's' in '" + path + "': BEGIN IMMEDIATE failed: database is locked";
  CHECK_THROWS_WITH_AS(store.save(sample(2)), locked.c_str(), ck::store_error);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  store.save(sample(2));
  CHECK(store.load() == sample(2));
}

TEST_CASE("sqlite_store: a writer killed at random moments while saving never leaves a torn checkpoint") {
  const auto dir = test::fresh_dir("ckpt-sqlite-sigkill");
  // Half the kills on SQLite's default rollback journal, half on a database in WAL mode (the mode
  // sqlite::table sets), which the store leaves as it finds it.
  const std::string journal = (dir / "journal.db").string();
  const std::string wal = (dir / "wal.db").string();
  run_sql(wal, "PRAGMA journal_mode = WAL");
  int advanced = kill_while_saving([&] { return ck::sqlite_store(journal, "driver"); }, 10, 11);
  advanced += kill_while_saving([&] { return ck::sqlite_store(wal, "driver"); }, 10, 12);
  CHECK(run_sql(wal, "PRAGMA journal_mode") == "wal");
  CHECK(advanced >= 5);  // the kills found saves done: the rounds tested something
  MESSAGE("sqlite_store: 20 kills, " << advanced << " moved the checkpoint forward");
}

}  // namespace checkpoint_test
