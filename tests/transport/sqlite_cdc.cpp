// cdc::apply on sqlite::table: a change stream applied in batches of any size leaves the table that
// applying each change in order leaves; a source transaction is never half applied; a replay from
// any earlier position changes nothing; a writer killed anywhere and restarted from the table's
// own position ends equal to the source.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include <sinkforge/cdc/apply.hpp>
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/sqlite.hpp>

#include "transport/cdc_stream.hpp"
#include "transport/sqlite_support.hpp"
#include "transport/support.hpp"

namespace sf = sinkforge;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace sqlite_cdc_test {
using cdc_stream::Account;
using C = sf::cdc::change<Account>;

// The table as the reference type, read by a connection of its own (committed rows only).
inline cdc_stream::table read_table(const fs::path& db_path, const char* where = "") {
  cdc_stream::table out;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  const std::string sql = std::string("SELECT id, owner, balance FROM accounts ") + where;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      cdc_stream::reference_row r{reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), std::nullopt};
      if (sqlite3_column_type(st, 2) != SQLITE_NULL) r.balance = sqlite3_column_double(st, 2);
      out[sqlite3_column_int64(st, 0)] = r;
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

inline std::vector<std::vector<std::string>> query(const fs::path& db_path, const std::string& sql) {
  return sqlite_test::query(db_path.string(), sql);
}

inline sf::sqlite::table accounts(const fs::path& db_path) {
  return sf::sqlite::table{.path = db_path.string(), .name = "accounts"};
}

// Sends `changes[from, to)` with batches of `batch` changes, then closes.
inline void apply_range(const fs::path& db_path, const std::vector<C>& changes, std::size_t from, std::size_t to,
                        std::size_t batch) {
  auto sink = sf::make_sink<C>(accounts(db_path), sf::cdc::apply<&Account::id>, sf::batch::max_records{batch});
  for (std::size_t i = from; i < to; ++i) sink.write(changes[i]);
  sink.close();
}

// The position of the last commit or heartbeat at or before changes[i - 1]: what a table that has
// applied changes[0, i) records.
inline sf::cdc::position settled_position(const std::vector<C>& changes, std::size_t i) {
  bool open = false;
  sf::cdc::position at = 0;
  for (std::size_t j = 0; j < i; ++j) {
    if (changes[j].kind == sf::cdc::op::begin) open = true;
    if (changes[j].kind == sf::cdc::op::commit) open = false;
    if (!open) at = changes[j].at;
  }
  return at;
}
}  // namespace sqlite_cdc_test

TEST_CASE("cdc::apply sqlite: any batch size leaves the table that applying each change in order leaves") {
  using namespace sqlite_cdc_test;
  const fs::path dir = test::fresh_dir("cdc-sqlite-batches");
  const auto changes = cdc_stream::stream(20261130, 400);
  cdc_stream::table expected;
  cdc_stream::apply_one_by_one(expected, changes);
  REQUIRE(expected.size() > 10);
  for (const std::size_t batch : {1u, 2u, 3u, 7u, 64u, 5000u}) {
    const fs::path db = dir / ("b" + std::to_string(batch) + ".db");
    apply_range(db, changes, 0, changes.size(), batch);
    REQUIRE_MESSAGE(read_table(db) == expected, "batches of " << batch);
    CHECK(accounts(db).cdc_position() == changes.back().at);
  }
}

TEST_CASE("sqlite::table::cdc_position: a table it cannot read is an error, never position 0") {
  // 0 tells a change source that the target holds nothing: it starts again from a snapshot, which
  // upserts the source's rows but cannot remove the ones deleted since. So 0 is only for a
  // database, a positions table or a row that does not exist; a lock is waited out, and what
  // cannot be read is an error.
  using namespace sqlite_cdc_test;
  const fs::path dir = test::fresh_dir("cdc-sqlite-position-read");
  const fs::path db = dir / "t.db";
  const auto changes = cdc_stream::stream(20261201, 60);
  apply_range(db, changes, 0, changes.size(), 16);
  const sf::cdc::position stored = accounts(db).cdc_position();
  REQUIRE(stored == changes.back().at);

  // Another connection holds the database exclusively (no reader gets in) until it closes.
  const auto hold = [&] {
    sqlite3* holder = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &holder) == SQLITE_OK);
    REQUIRE(sqlite3_exec(holder, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE accounts SET owner = owner",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    return holder;
  };
  sqlite3* holder = hold();
  std::thread release([&] {
    std::this_thread::sleep_for(300ms);
    sqlite3_close(holder);
  });
  // Waited out within the table's busy_timeout: the stored position.
  CHECK(accounts(db).cdc_position() == stored);
  release.join();

  // Held longer than busy_timeout: an error naming the path, not 0.
  holder = hold();
  auto impatient = accounts(db);
  impatient.busy_timeout = 50ms;
  CHECK_THROWS_WITH_AS(impatient.cdc_position(), doctest::Contains("sqlite::table.path"), sf::config_error);
  sqlite3_close(holder);

  // Not a SQLite database: an error too.
  const fs::path garbage = dir / "garbage.db";
  std::ofstream(garbage) << std::string(4096, 'x');
  CHECK_THROWS_AS(accounts(garbage).cdc_position(), sf::config_error);
  // What does not exist is nothing applied: no file, no positions table, no row for this table.
  CHECK(accounts(dir / "none.db").cdc_position() == 0);
  const fs::path empty = dir / "empty.db";
  {
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(empty.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "CREATE TABLE other (x INTEGER)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(other);
  }
  CHECK(accounts(empty).cdc_position() == 0);
  CHECK(sf::sqlite::table{.path = db.string(), .name = "not_this_one"}.cdc_position() == 0);
}

TEST_CASE("cdc::apply sqlite: order within a batch holds - update then remove ends removed, remove then insert ends present") {
  using namespace sqlite_cdc_test;
  const fs::path db = test::fresh_dir("cdc-sqlite-order") / "t.db";
  const std::vector<C> changes{
      {sf::cdc::op::insert, 10, std::nullopt, Account{1, "a", 1.0}},
      {sf::cdc::op::insert, 11, std::nullopt, Account{2, "b", 2.0}},
      {sf::cdc::op::update, 12, Account{1, "a", 1.0}, Account{1, "a2", 1.5}},
      {sf::cdc::op::remove, 13, Account{1, {}, {}}},
      {sf::cdc::op::remove, 14, Account{2, {}, {}}},
      {sf::cdc::op::insert, 15, std::nullopt, Account{2, "b again", std::nullopt}},
      {sf::cdc::op::update, 16, Account{2, "b again", std::nullopt}, Account{3, "moved", 3.0}},  // key 2 -> 3
  };
  apply_range(db, changes, 0, changes.size(), 100);
  CHECK(query(db, "SELECT id, owner, balance FROM accounts ORDER BY id") ==
        std::vector<std::vector<std::string>>{{"3", "moved", "3.0"}});
  CHECK(sf::sqlite::table{.path = db.string(), .name = "accounts"}.cdc_position() == 16);
}

TEST_CASE("cdc::apply sqlite: a replay from any earlier position changes nothing") {
  using namespace sqlite_cdc_test;
  const fs::path dir = test::fresh_dir("cdc-sqlite-replay");
  const auto changes = cdc_stream::stream(7, 200);
  cdc_stream::table expected;
  cdc_stream::apply_one_by_one(expected, changes);
  std::mt19937 rng(5);
  for (int round = 0; round < 8; ++round) {
    const fs::path db = dir / ("r" + std::to_string(round) + ".db");
    const std::size_t cut = rng() % changes.size();
    apply_range(db, changes, 0, cut, 1 + rng() % 20);
    // The source resends from an earlier point (it lost track of what was acknowledged).
    const std::size_t back = rng() % (cut + 1);
    apply_range(db, changes, back, changes.size(), 1 + rng() % 20);
    REQUIRE_MESSAGE(read_table(db) == expected, "round " << round << ": cut " << cut << ", replay from " << back);
  }
}

TEST_CASE("cdc::apply sqlite: a source transaction split across batches becomes visible whole, at its commit") {
  using namespace sqlite_cdc_test;
  const fs::path db = test::fresh_dir("cdc-sqlite-txn") / "t.db";
  auto sink = sf::make_sink<C>(accounts(db), sf::cdc::apply<&Account::id>, sf::batch::max_records{2});
  sink.write(C{sf::cdc::op::insert, 5, std::nullopt, Account{9, "outside", 0.0}});
  sink.write(C{sf::cdc::op::heartbeat, 6});  // a batch of two: applied
  CHECK(read_table(db).size() == 1);
  sink.write(C{sf::cdc::op::begin, 10, std::nullopt, std::nullopt, 77});
  sink.write(C{sf::cdc::op::insert, 11, std::nullopt, Account{1, "a", 1.0}, 77});
  sink.write(C{sf::cdc::op::insert, 12, std::nullopt, Account{2, "b", 2.0}, 77});
  sink.write(C{sf::cdc::op::insert, 13, std::nullopt, Account{3, "c", 3.0}, 77});  // two batches sent
  CHECK(read_table(db).size() == 1);  // none of transaction 77 yet
  CHECK(accounts(db).cdc_position() == 6);
  sink.write(C{sf::cdc::op::commit, 14, std::nullopt, std::nullopt, 77});
  sink.write(C{sf::cdc::op::heartbeat, 15});
  CHECK(read_table(db).size() == 4);
  CHECK(accounts(db).cdc_position() == 15);
  sink.close();
}

TEST_CASE("cdc::apply sqlite: a transaction that never ends is reported at close, and the position stays before it") {
  using namespace sqlite_cdc_test;
  const fs::path db = test::fresh_dir("cdc-sqlite-unended") / "t.db";
  std::vector<sf::failed_record> notices;
  {
    auto sink = sf::make_sink<C>(accounts(db), sf::cdc::apply<&Account::id>, sf::batch::max_records{10},
                                 sf::on_error([&](const sf::delivery_error& e) {
                                   for (const auto& f : e.records()) notices.push_back(f);
                                 }));
    sink.write(C{sf::cdc::op::insert, 5, std::nullopt, Account{9, "outside", 0.0}});
    sink.write(C{sf::cdc::op::begin, 10});
    sink.write(C{sf::cdc::op::insert, 11, std::nullopt, Account{1, "a", 1.0}});
    sink.close();
  }
  CHECK(read_table(db).size() == 1);
  CHECK(accounts(db).cdc_position() == 5);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].reason.find("2 change(s) of a source transaction that did not end (begun at position 10)") !=
        std::string::npos);
}

TEST_CASE("cdc::apply sqlite: soft delete and audit columns") {
  using namespace sqlite_cdc_test;
  const fs::path db = test::fresh_dir("cdc-sqlite-audit") / "t.db";
  {
    auto sink = sf::make_sink<C>(accounts(db), sf::cdc::apply<&Account::id, sf::cdc::options::soft_delete | sf::cdc::options::audit>,
                                 sf::batch::max_records{2});
    sink.write(C{sf::cdc::op::insert, 10, std::nullopt, Account{1, "a", 1.0}});
    sink.write(C{sf::cdc::op::insert, 11, std::nullopt, Account{2, "b", 2.0}});
    sink.write(C{sf::cdc::op::update, 12, Account{1, "a", 1.0}, Account{1, "a2", 1.5}});
    sink.write(C{sf::cdc::op::remove, 13, Account{2, {}, {}}});
    sink.write(C{sf::cdc::op::remove, 14, Account{1, {}, {}}});
    sink.write(C{sf::cdc::op::insert, 15, std::nullopt, Account{1, "back", std::nullopt}});  // clears the flag
    sink.close();
  }
  const auto rows = query(db, "SELECT id, owner, \"__deleted\", \"__op\", \"__position\", "
                              "\"__synced_at\" LIKE '____-__-__T__:__:__%Z' FROM accounts ORDER BY id");
  CHECK(rows == std::vector<std::vector<std::string>>{{"1", "back", "0", "insert", "15", "1"},
                                                      {"2", "b", "1", "remove", "13", "1"}});
  // The key is the table's primary key.
  CHECK(query(db, "SELECT name FROM pragma_table_info('accounts') WHERE pk = 1") ==
        std::vector<std::vector<std::string>>{{"id"}});
}

TEST_CASE("cdc::apply sqlite: a change without its row, or a row the table refuses, goes to the dead-letter path") {
  using namespace sqlite_cdc_test;
  const fs::path db = test::fresh_dir("cdc-sqlite-invalid") / "t.db";
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL CHECK (length(owner) < 8), "
                         "balance REAL)",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  std::vector<sf::failed_record> dead;
  {
    auto sink = sf::make_sink<C>(sf::sqlite::table{.path = db.string(), .name = "accounts", .create_table = false},
                                 sf::cdc::apply<&Account::id>, sf::batch::max_records{10},
                                 sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) { dead.insert(dead.end(), r.begin(), r.end()); }));
    sink.write(C{sf::cdc::op::insert, 10, std::nullopt, Account{1, "a", 1.0}});
    sink.write(C{sf::cdc::op::update, 11});                                                      // no row
    sink.write(C{sf::cdc::op::insert, 12, std::nullopt, Account{2, "far too long", 2.0}});      // CHECK fails
    sink.write(C{sf::cdc::op::insert, 13, std::nullopt, Account{3, "c", 3.0}});
    sink.close();
  }
  CHECK(read_table(db).size() == 2);
  REQUIRE(dead.size() == 2);
  CHECK(dead[0].reason.find("missing a part its kind needs in field 'after'") != std::string::npos);
  CHECK(dead[1].reason.find("CHECK constraint failed") != std::string::npos);
  CHECK(dead[1].payload.find("far too long") != std::string::npos);
  CHECK(sf::sqlite::table{.path = db.string(), .name = "accounts"}.cdc_position() == 13);
}

TEST_CASE("cdc::apply sqlite exactly_once: the position commits with the checkpoint") {
  using namespace sqlite_cdc_test;
  const fs::path db = test::fresh_dir("cdc-sqlite-eo") / "t.db";
  const auto changes = cdc_stream::stream(11, 60);
  const std::size_t half = changes.size() / 2;
  {
    auto sink = sf::make_sink<C>(accounts(db), sf::cdc::apply<&Account::id>, sf::deliver::exactly_once,
                                 sf::batch::max_records{5}, sf::restore(std::nullopt));
    for (std::size_t i = 0; i < half; ++i) sink.write(changes[i]);
    sink.prepare_checkpoint(1, std::to_string(changes[half - 1].at));
    sink.commit_checkpoint(1);
    for (std::size_t i = half; i < changes.size(); ++i) sink.write(changes[i]);
    // Not checkpointed: dropped with the sink (no close), as a crash would.
  }
  cdc_stream::table expected;
  cdc_stream::apply_one_by_one(expected, changes, settled_position(changes, half));
  CHECK(read_table(db) == expected);
  CHECK(accounts(db).cdc_position() == settled_position(changes, half));
}

TEST_CASE("cdc::apply sqlite: SIGKILL anywhere, resume from the table's position, the table equals the source") {
  using namespace sqlite_cdc_test;
  const fs::path db = test::fresh_dir("cdc-sqlite-sigkill") / "t.db";
  const auto changes = cdc_stream::stream(99, 3000);
  std::mt19937 rng(17);
  const int kills = test::crash_kills(15);
  int killed = 0;
  auto resume_index = [&] {
    const sf::cdc::position at = accounts(db).cdc_position();
    std::size_t i = 0;
    while (i < changes.size() && changes[i].at <= at) ++i;
    return i;
  };
  for (int round = 0; round < kills; ++round) {
    // Once the whole stream is applied, the next life starts a new table: every life then has
    // changes left when its kill comes, however fast the build applies them.
    if (resume_index() == changes.size()) test::fresh_dir("cdc-sqlite-sigkill");
    const std::size_t from = resume_index();
    killed += test::kill_life_after(static_cast<unsigned>(2000 + rng() % 40000), [&] {
      // Resumes a little before the table's position, as a source that rounds to its own marks.
      apply_range(db, changes, from > 5 ? from - 5 : 0, changes.size(), 1 + rng() % 50);
    });
    const std::size_t at = resume_index();
    cdc_stream::table expected;
    cdc_stream::apply_one_by_one(expected, changes, at ? changes[at - 1].at : 0);
    REQUIRE_MESSAGE(read_table(db) == expected, "after kill " << round << " at change " << at);
  }
  apply_range(db, changes, resume_index(), changes.size(), 64);
  cdc_stream::table expected;
  cdc_stream::apply_one_by_one(expected, changes);
  CHECK(read_table(db) == expected);
  CHECK(killed > kills / 2);
}
