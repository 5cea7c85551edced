// postgres::change_source against the test server (wal_level = logical): the table's rows in the
// slot's snapshot, then every insert, update and remove in commit order with non-decreasing
// positions; and the whole pipeline - source, cdc::follow, cdc::apply into SQLite and into
// PostgreSQL - killed at random while the source table takes an update load, restarted from the
// target's position, ends with the target equal to the source.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include <sinkforge/cdc/apply.hpp>
#include <sinkforge/cdc/follow.hpp>
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/source/postgres_changes.hpp>
#include <sinkforge/transport/postgres.hpp>
#include <sinkforge/transport/sqlite.hpp>

#include "transport/postgres_support.hpp"
#include "transport/support.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace pg_source_test {
struct Account {
  BOOST_HANA_DEFINE_STRUCT(Account, (std::int64_t, id), (std::string, owner), (std::optional<double>, balance),
                           (std::chrono::sys_time<std::chrono::microseconds>, opened));
};
using C = sf::cdc::change<Account>;

// Drops the test's slot and publication whatever the outcome: slots hold WAL on the shared server,
// and it has few. A slot stays active until its walsender notices that the reader is gone: that
// walsender is ended first.
struct replication_cleanup {
  std::string slot, publication;
  ~replication_cleanup() {
    pg_test::client db;
    const std::string where = " FROM pg_replication_slots WHERE slot_name = '" + slot + "'";
    for (int i = 0; i < 100 && !db.rows("SELECT 1" + where).empty(); ++i) {
      PQclear(PQexec(db.handle(), ("SELECT pg_terminate_backend(active_pid)" + where + " AND active").c_str()));
      PQclear(PQexec(db.handle(), ("SELECT pg_drop_replication_slot(slot_name)" + where + " AND NOT active").c_str()));
      if (!db.rows("SELECT 1" + where).empty()) std::this_thread::sleep_for(50ms);
    }
    PQclear(PQexec(db.handle(), ("DROP PUBLICATION IF EXISTS \"" + publication + "\"").c_str()));
  }
};

inline void create_source(pg_test::client& db, const std::string& table) {
  db.exec("CREATE TABLE \"" + table +
          "\" (id bigint PRIMARY KEY, owner text NOT NULL, balance double precision, opened timestamptz NOT NULL "
          "DEFAULT '2026-11-30 07:00:00.25+00', note text)");
}

inline std::vector<C> without_heartbeats(std::vector<C> v) {
  std::erase_if(v, [](const C& c) { return c.kind == sf::cdc::op::heartbeat; });
  return v;
}

// Polls until `n` changes other than heartbeats arrived or 10 s passed.
inline std::vector<C> take(sf::postgres::change_source<Account>& source, std::size_t n) {
  std::vector<C> out;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (out.size() < n && std::chrono::steady_clock::now() < until) {
    source.poll(out, n - out.size(), 100ms);
    out = without_heartbeats(std::move(out));
  }
  return out;
}

// The source table as "id|owner|balance" rows in id order (balance in PostgreSQL's own text).
inline std::vector<std::string> source_rows(pg_test::client& db, const std::string& table) {
  return db.rows("SELECT id, owner, coalesce(balance::text, 'NULL') FROM \"" + table + "\" ORDER BY id");
}
}  // namespace pg_source_test

TEST_CASE("postgres::change_source: the snapshot's rows, then each change in commit order, positions never going back") {
  using namespace pg_source_test;
  pg_test::client db;
  const std::string table = pg_test::unique("src_basic");
  const replication_cleanup cleanup{"sinkforge_" + table, "sinkforge_" + table};
  create_source(db, table);
  db.exec("INSERT INTO \"" + table + "\" (id, owner, balance) VALUES (1, 'ann', 10.5), (2, 'bob', NULL)");
  sf::postgres::change_source<Account> source({.conninfo = pg_test::conninfo(), .table = table}, 0);
  auto snapshot = without_heartbeats(take(source, 4));
  REQUIRE(snapshot.size() == 4);
  CHECK(snapshot[0].kind == sf::cdc::op::begin);
  CHECK(snapshot[1].kind == sf::cdc::op::insert);
  CHECK(snapshot[1].after->owner == "ann");
  CHECK(snapshot[1].after->balance == 10.5);
  CHECK(snapshot[1].after->opened.time_since_epoch() == 1796022000250000us);  // 2026-11-30 07:00:00.25 UTC
  CHECK(!snapshot[2].after->balance);
  CHECK(snapshot[3].kind == sf::cdc::op::commit);

  db.exec("BEGIN; INSERT INTO \"" + table + "\" (id, owner, balance) VALUES (3, 'cy', 1); UPDATE \"" + table +
          "\" SET balance = 11 WHERE id = 1; COMMIT");
  db.exec("UPDATE \"" + table + "\" SET id = 20 WHERE id = 2");  // the key changes: its old key is sent
  db.exec("DELETE FROM \"" + table + "\" WHERE id = 3");
  auto changes = without_heartbeats(take(source, 10));
  REQUIRE(changes.size() == 10);
  CHECK(changes[0].kind == sf::cdc::op::begin);
  CHECK(changes[1].kind == sf::cdc::op::insert);
  CHECK(changes[2].kind == sf::cdc::op::update);
  CHECK(!changes[2].before);  // the key did not change: no old row (REPLICA IDENTITY DEFAULT)
  CHECK(changes[2].after->balance == 11.0);
  CHECK(changes[3].kind == sf::cdc::op::commit);
  CHECK(changes[5].kind == sf::cdc::op::update);
  REQUIRE(changes[5].before);
  CHECK(changes[5].before->id == 2);
  CHECK(changes[5].after->id == 20);
  CHECK(changes[8].kind == sf::cdc::op::remove);
  CHECK(changes[8].before->id == 3);
  // Positions: one per transaction, growing, above the snapshot's.
  CHECK(changes[0].at == changes[3].at);
  CHECK(changes[0].at > snapshot[0].at);
  CHECK(changes[4].at > changes[0].at);
  CHECK(changes[7].at > changes[4].at);
}

TEST_CASE("postgres::change_source: an unchanged TOASTed value needs REPLICA IDENTITY FULL, and says so") {
  using namespace pg_source_test;
  struct Noted {
    BOOST_HANA_DEFINE_STRUCT(Noted, (std::int64_t, id), (std::string, note));
  };
  pg_test::client db;
  const std::string table = pg_test::unique("src_toast");
  const replication_cleanup cleanup{"sinkforge_" + table, "sinkforge_" + table};
  create_source(db, table);
  sf::postgres::change_source<Noted> source({.conninfo = pg_test::conninfo(), .table = table}, 0);
  // Random text does not compress: 40 kB is stored out of line.
  db.exec("INSERT INTO \"" + table + "\" (id, owner, note) SELECT 1, 'a', string_agg(md5(i::text), '') FROM "
          "generate_series(1, 1250) i");
  db.exec("UPDATE \"" + table + "\" SET owner = 'b' WHERE id = 1");
  std::vector<sf::cdc::change<Noted>> out;
  std::string error;
  try {
    for (int i = 0; i < 300 && out.size() < 8; ++i) source.poll(out, 100, 100ms);  // WAL of other tests is decoded too
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  CHECK(error.find("column \"note\"") != std::string::npos);
  CHECK(error.find("REPLICA IDENTITY FULL") != std::string::npos);

  const std::string full = pg_test::unique("src_toast_full");
  const replication_cleanup cleanup_full{"sinkforge_" + full, "sinkforge_" + full};
  create_source(db, full);
  db.exec("ALTER TABLE \"" + full + "\" REPLICA IDENTITY FULL");
  sf::postgres::change_source<Noted> source_full({.conninfo = pg_test::conninfo(), .table = full}, 0);
  db.exec("INSERT INTO \"" + full + "\" (id, owner, note) SELECT 1, 'a', string_agg(md5(i::text), '') FROM "
          "generate_series(1, 1250) i");
  db.exec("UPDATE \"" + full + "\" SET owner = 'b' WHERE id = 1");
  std::vector<sf::cdc::change<Noted>> changes;
  auto has_update = [&] {
    for (const auto& c : changes)
      if (c.kind == sf::cdc::op::update) return true;
    return false;
  };
  for (int i = 0; i < 300 && !has_update(); ++i) source_full.poll(changes, 100, 100ms);
  std::erase_if(changes, [](const auto& c) { return c.kind != sf::cdc::op::update; });
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].after->note.size() == 40'000);
}

TEST_CASE("postgres::change_source: a slot that moved past the target's position is refused") {
  using namespace pg_source_test;
  pg_test::client db;
  const std::string table = pg_test::unique("src_gap");
  const replication_cleanup cleanup{"sinkforge_" + table, "sinkforge_" + table};
  create_source(db, table);
  sf::cdc::position confirmed = 0;
  {
    sf::postgres::change_source<Account> source({.conninfo = pg_test::conninfo(), .table = table}, 0);
    db.exec("INSERT INTO \"" + table + "\" (id, owner) VALUES (1, 'a')");
    auto changes = without_heartbeats(take(source, 5));
    REQUIRE(changes.size() == 5);
    confirmed = changes.back().at;
    source.confirm(confirmed);
  }
  db.exec("SELECT 1");  // the walsender has the status before it goes
  std::this_thread::sleep_for(200ms);
  CHECK_THROWS_WITH_AS(sf::postgres::change_source<Account>({.conninfo = pg_test::conninfo(), .table = table}, 1000),
                       doctest::Contains("has moved to"), sf::config_error);
  // From the confirmed position it goes on.
  sf::postgres::change_source<Account> again({.conninfo = pg_test::conninfo(), .table = table}, confirmed);
  db.exec("INSERT INTO \"" + table + "\" (id, owner) VALUES (2, 'b')");
  auto changes = without_heartbeats(take(again, 3));
  REQUIRE(changes.size() == 3);
  CHECK(changes[1].after->id == 2);
}

namespace pg_source_test {
// The pipeline as a program runs it: from the target's position, until `stop`.
template <class Target>
void pipe_changes(const std::string& table, const Target& target, const std::atomic<bool>& stop) {
  // A heartbeat at every keepalive: positions between transactions are where resuming can go wrong.
  sf::postgres::change_source<Account> source(
      {.conninfo = pg_test::conninfo(), .table = table, .heartbeat_interval = 0ms}, target.cdc_position());
  auto sink = sf::make_sink<C>(target, sf::cdc::apply<&Account::id>, sf::batch::max_records{500});
  sf::cdc::follow(source, sink, [&] { return target.cdc_position(); }, [&] { return stop.load(); },
                  {.poll_wait = 50ms, .confirm_every = 100ms});
  sink.close();
}

// A pgbench-like load on the source: transactions of a few inserts, updates and removes.
inline void load(pg_test::client& db, const std::string& table, std::mt19937& rng, int transactions) {
  for (int t = 0; t < transactions; ++t) {
    std::string sql = "BEGIN;";
    for (int i = 1 + static_cast<int>(rng() % 4); i > 0; --i) {
      const auto k = std::to_string(rng() % 200);
      switch (rng() % 4) {
        case 0: sql += "DELETE FROM \"" + table + "\" WHERE id = " + k + ";"; break;
        case 1:
          sql += "UPDATE \"" + table + "\" SET id = id + 1000 WHERE id = " + k + " AND NOT EXISTS (SELECT 1 FROM \"" +
                 table + "\" WHERE id = " + k + " + 1000);";
          break;
        default:
          sql += "INSERT INTO \"" + table + "\" (id, owner, balance) VALUES (" + k + ", 'o" + std::to_string(rng()) +
                 "', " + std::to_string(rng() % 10000) + ".25) ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, "
                 "balance = \"" + table + "\".balance + excluded.balance;";
      }
    }
    db.exec(sql + "COMMIT");
  }
}

template <class Target, class ReadTarget>
void kill_and_resume(const std::string& table, const Target& target, ReadTarget read_target) {
  pg_test::client db;
  const replication_cleanup cleanup{"sinkforge_" + table, "sinkforge_" + table};
  create_source(db, table);
  std::mt19937 rng(2026);
  load(db, table, rng, 50);  // rows before the first run: they come with the snapshot
  // 25 kills per target, 50 for the two pipelines.
  const int kills = test::crash_kills(25);
  int killed = 0;
  for (int round = 0; round < kills; ++round) {
    killed += test::kill_life_after(static_cast<unsigned>(150'000 + rng() % 400'000), [&] {
      std::atomic<bool> stop{false};
      pipe_changes(table, target, stop);
    });
    load(db, table, rng, 20);  // the source goes on while the pipeline is down
  }
  // A last run until the target has caught up: it equals the source (nothing writes to the source
  // meanwhile), or 30 s passed.
  const auto want = source_rows(db, table);
  std::atomic<bool> stop{false};
  std::thread watcher([&] {
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (read_target() != want && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
    stop = true;
  });
  pipe_changes(table, target, stop);
  watcher.join();
  const auto got = read_target();
  CHECK(got == want);
  if (got != want) {
    std::string only_target, only_source;
    for (const auto& r : got)
      if (std::find(want.begin(), want.end(), r) == want.end()) only_target += r + " ";
    for (const auto& r : want)
      if (std::find(got.begin(), got.end(), r) == got.end()) only_source += r + " ";
    MESSAGE("only in the target: " << only_target << "\nonly in the source: " << only_source);
  }
  CHECK(killed > kills / 2);
  MESSAGE("kills: " << killed << ", rows: " << source_rows(db, table).size());
}
}  // namespace pg_source_test

TEST_CASE("postgres CDC pipeline into SQLite: SIGKILL anywhere under load, resume from the target, target equals source") {
  using namespace pg_source_test;
  const auto db_path = test::fresh_dir("cdc-pipeline-sqlite") / "replica.db";
  const std::string table = pg_test::unique("src_to_sqlite");
  const sf::sqlite::table target{.path = db_path.string(), .name = "accounts"};
  // Also read from the watcher thread while the pipeline writes: no assertion inside, a busy
  // wait for the writer's lock, and nothing (not equal) when the table cannot be read yet.
  kill_and_resume(table, target, [&] {
    std::vector<std::string> rows;
    sqlite3* db = nullptr;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return rows;
    }
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, "SELECT id, owner, balance FROM accounts ORDER BY id", -1, &st, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return rows;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::string balance = "NULL";
      if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
        // PostgreSQL's shortest text of the same double.
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(st, 2));
        balance = buf;
        if (balance.find('.') != std::string::npos) {
          while (balance.back() == '0') balance.pop_back();
          if (balance.back() == '.') balance.pop_back();
        }
      }
      rows.push_back(std::to_string(sqlite3_column_int64(st, 0)) + "|" +
                     reinterpret_cast<const char*>(sqlite3_column_text(st, 1)) + "|" + balance);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
  });
}

TEST_CASE("postgres CDC pipeline into PostgreSQL: SIGKILL anywhere under load, resume from the target, target equals source") {
  using namespace pg_source_test;
  const std::string table = pg_test::unique("src_to_pg");
  const std::string replica = table + "_replica";
  const sf::postgres::table target{.conninfo = pg_test::conninfo(), .name = replica};
  // Also read from the watcher thread: no assertion inside; nothing when the table cannot be read.
  kill_and_resume(table, target, [&] {
    std::vector<std::string> rows;
    PGconn* db = PQconnectdb(pg_test::conninfo().c_str());
    PGresult* r = PQexec(db, ("SELECT id, owner, coalesce(balance::text, 'NULL') FROM \"" + replica + "\" ORDER BY id").c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
      for (int i = 0; i < PQntuples(r); ++i)
        rows.push_back(std::string(PQgetvalue(r, i, 0)) + "|" + PQgetvalue(r, i, 1) + "|" + PQgetvalue(r, i, 2));
    PQclear(r);
    PQfinish(db);
    return rows;
  });
}
