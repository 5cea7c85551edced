// 8. Change data capture. A pgbench-style load - 20,000 transactions, each one UPDATE of a random
// row of a 10,000-row table, with an INSERT or DELETE in one of ten - is read once from a pgoutput
// slot (postgres::change_source) and kept. Then, paired:
//   - the cdc::apply sink into SQLite against a hand-written applier that runs one prepared
//     statement per change in order, committing every 10,000 changes (what an applier without
//     coalescing does);
//   - the same into PostgreSQL, against one prepared statement per change over libpq.
// Each side starts from the table as the slot's snapshot had it (reloaded untimed).
// And the end-to-end lag: the load paced at up to 1,000 transactions/s for 3,000 transactions (each
// commit synchronous, as by default) while the pipeline
// (source, cdc::apply sink, a flush per poll) follows it into SQLite, then into PostgreSQL; a
// transaction's lag is from its COMMIT returning on the source to its changes committed on the
// target. Reported: p50 and p99. The server comes from SINKFORGE_BENCH_POSTGRES (bench/run.sh).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <sinkforge/cdc/apply.hpp>
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/source/postgres_changes.hpp>
#include <sinkforge/transport/postgres.hpp>
#include <sinkforge/transport/sqlite.hpp>

#include "common.hpp"
#include "paired.hpp"
#include "run_main.hpp"

namespace sf = sinkforge;

namespace {

[[noreturn]] void fail(const std::string& what) { bench::fail(what.c_str()); }

struct Account {
  BOOST_HANA_DEFINE_STRUCT(Account, (std::int64_t, id), (std::string, owner), (double, balance));
};
using C = sf::cdc::change<Account>;

constexpr int kRows = 10'000;
constexpr int kTransactions = 20'000;
constexpr std::size_t kBatch = 10'000;

const std::string& conninfo() {
  static const std::string c = [] {
    const char* e = std::getenv("SINKFORGE_BENCH_POSTGRES");
    if (!e || !*e) fail("SINKFORGE_BENCH_POSTGRES is not set (bench/run.sh starts a server and sets it)");
    return std::string(e);
  }();
  return c;
}

class client {
 public:
  client() : c_(PQconnectdb(conninfo().c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) fail(PQerrorMessage(c_));
    PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);
  }
  ~client() { PQfinish(c_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;
  std::string exec(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    const auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(sql + ": " + PQresultErrorMessage(r));
    std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return out;
  }
  PGconn* get() const noexcept { return c_; }

 private:
  PGconn* c_;
};

// One transaction of the load: an UPDATE, sometimes an INSERT or DELETE; returns its xid.
std::uint32_t load_one(client& db, std::mt19937& rng, const std::string& table) {
  const auto id = std::to_string(1 + rng() % kRows);
  std::string sql = "BEGIN; ";
  if (rng() % 10 == 0) {
    const auto extra = std::to_string(kRows + 1 + rng() % kRows);
    sql += rng() % 2 ? "INSERT INTO " + table + " VALUES (" + extra + ", 'new', 0) ON CONFLICT (id) DO NOTHING; "
                     : "DELETE FROM " + table + " WHERE id = " + extra + "; ";
  }
  sql += "UPDATE " + table + " SET balance = balance + 1, owner = 'o" + std::to_string(rng() % 1000) +
         "' WHERE id = " + id + " RETURNING txid_current()";
  const std::string xid = db.exec(sql);
  db.exec("COMMIT");
  return static_cast<std::uint32_t>(std::stoull(xid.empty() ? "0" : xid));
}

void create_source(client& db, const std::string& table) {
  db.exec("DROP PUBLICATION IF EXISTS sinkforge_" + table);
  db.exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'sinkforge_" +
          table + "'");
  db.exec("DROP TABLE IF EXISTS " + table);
  db.exec("CREATE TABLE " + table + " (id bigint PRIMARY KEY, owner text NOT NULL, balance double precision NOT NULL)");
  db.exec("INSERT INTO " + table + " SELECT i, 'owner ' || i, i FROM generate_series(1, " + std::to_string(kRows) +
          ") i");
}

// The snapshot (as inserts) and the load's changes, read once.
struct captured {
  std::vector<C> snapshot, changes;
  std::size_t row_changes = 0;
};
const captured& stream() {
  static const captured cap = [] {
    captured out;
    client db;
    create_source(db, "cdc_bench_src");
    sf::postgres::change_source<Account> source({.conninfo = conninfo(), .table = "cdc_bench_src"}, 0);
    std::vector<C> all;
    while (all.empty() || all.back().kind != sf::cdc::op::commit) source.poll(all, 100'000, std::chrono::seconds{1});
    out.snapshot = std::move(all);
    db.exec("SET synchronous_commit = off");
    std::mt19937 rng(8);
    for (int t = 0; t < kTransactions; ++t) load_one(db, rng, "cdc_bench_src");
    std::size_t commits = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::minutes{2};
    std::vector<C> batch;
    while (commits < static_cast<std::size_t>(kTransactions) && std::chrono::steady_clock::now() < until) {
      batch.clear();
      source.poll(batch, 100'000, std::chrono::milliseconds{500});
      for (auto& c : batch) {
        if (c.kind == sf::cdc::op::heartbeat) continue;
        commits += c.kind == sf::cdc::op::commit;
        out.row_changes += c.kind == sf::cdc::op::insert || c.kind == sf::cdc::op::update || c.kind == sf::cdc::op::remove;
        out.changes.push_back(std::move(c));
      }
    }
    if (commits < static_cast<std::size_t>(kTransactions)) fail("the change source did not deliver the load");
    return out;
  }();
  return cap;
}

// Hand-written appliers: one prepared statement per change, in order.
void one_by_one_sqlite(sqlite3* db, const std::vector<C>& changes) {
  sqlite3_stmt *up = nullptr, *del = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO acc_hand (id, owner, balance) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET "
                         "owner = excluded.owner, balance = excluded.balance", -1, &up, nullptr);
  sqlite3_prepare_v2(db, "DELETE FROM acc_hand WHERE id = ?1", -1, &del, nullptr);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  std::size_t n = 0;
  for (const C& c : changes) {
    if (c.kind == sf::cdc::op::remove) {
      sqlite3_bind_int64(del, 1, c.before->id);
      sqlite3_step(del);
      sqlite3_reset(del);
    } else if (c.after) {
      if (c.before && c.before->id != c.after->id) {
        sqlite3_bind_int64(del, 1, c.before->id);
        sqlite3_step(del);
        sqlite3_reset(del);
      }
      sqlite3_bind_int64(up, 1, c.after->id);
      sqlite3_bind_text(up, 2, c.after->owner.data(), static_cast<int>(c.after->owner.size()), SQLITE_STATIC);
      sqlite3_bind_double(up, 3, c.after->balance);
      sqlite3_step(up);
      sqlite3_reset(up);
    }
    if (++n % kBatch == 0) sqlite3_exec(db, "COMMIT; BEGIN", nullptr, nullptr, nullptr);
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_finalize(up);
  sqlite3_finalize(del);
}

void one_by_one_postgres(client& db, const std::vector<C>& changes) {
  PGresult* r = PQprepare(db.get(), "up",
                          "INSERT INTO acc_hand (id, owner, balance) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET "
                          "owner = excluded.owner, balance = excluded.balance",
                          3, nullptr);
  PQclear(r);
  r = PQprepare(db.get(), "del", "DELETE FROM acc_hand WHERE id = $1", 1, nullptr);
  PQclear(r);
  auto run = [&](const char* stmt, std::initializer_list<std::string> params) {
    std::vector<const char*> v;
    for (const auto& p : params) v.push_back(p.c_str());
    PGresult* res = PQexecPrepared(db.get(), stmt, static_cast<int>(v.size()), v.data(), nullptr, nullptr, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) fail(PQresultErrorMessage(res));
    PQclear(res);
  };
  db.exec("BEGIN");
  std::size_t n = 0;
  char num[32];
  for (const C& c : changes) {
    if (c.kind == sf::cdc::op::remove) {
      run("del", {std::to_string(c.before->id)});
    } else if (c.after) {
      if (c.before && c.before->id != c.after->id) run("del", {std::to_string(c.before->id)});
      std::snprintf(num, sizeof num, "%.17g", c.after->balance);
      run("up", {std::to_string(c.after->id), c.after->owner, num});
    }
    if (++n % kBatch == 0) db.exec("COMMIT; BEGIN");
  }
  db.exec("COMMIT");
  db.exec("DEALLOCATE up; DEALLOCATE del");
}

std::string bench_dir() {
  const char* d = std::getenv("SINKFORGE_BENCH_DIR");
  const char* t = std::getenv("TMPDIR");
  return d && *d ? d : (t && *t ? t : "/tmp");
}

// The target as the snapshot had it: the snapshot applied by the sink itself (untimed).
template <class Target>
void reset(const Target& target) {
  auto sink = sf::make_sink<C>(target, sf::cdc::apply<&Account::id>, sf::batch::max_records{kBatch});
  sink.write(stream().snapshot);
  sink.close();
}

void BM_pair_cdc_sqlite(benchmark::State& state) {
  const auto& cap = stream();
  const std::filesystem::path dir = std::filesystem::path(bench_dir()) / "sinkforge-bench-cdc";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "replica.db").string();
  std::filesystem::remove(path);
  const sf::sqlite::table target{.path = path, .name = "acc_cdc"};
  sqlite3* hand = nullptr;
  sqlite3_open(path.c_str(), &hand);
  sqlite3_exec(hand, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr);
  auto reset_hand = [&] {
    sqlite3_exec(hand, "DROP TABLE IF EXISTS acc_hand; CREATE TABLE acc_hand (id INTEGER PRIMARY KEY, owner TEXT NOT "
                       "NULL, balance REAL NOT NULL); INSERT INTO acc_hand SELECT id, owner, balance FROM acc_cdc",
                 nullptr, nullptr, nullptr);
  };
  auto reset_cdc = [&] {
    sqlite3_exec(hand, "DROP TABLE IF EXISTS acc_cdc; DELETE FROM sinkforge_cdc_positions", nullptr, nullptr, nullptr);
    reset(target);
  };
  reset_cdc();
  reset_hand();
  std::vector<bench::side> sides{
      {"cdc_apply",
       [&] {
         auto sink = sf::make_sink<C>(target, sf::cdc::apply<&Account::id>, sf::batch::max_records{kBatch});
         sink.write(cap.changes);
         sink.close();
       },
       reset_cdc},
      {"one_by_one", [&] { one_by_one_sqlite(hand, cap.changes); }, reset_hand},
  };
  bench::run_paired(state, sides, static_cast<double>(cap.row_changes), 0, bench::timer::wall);
  sqlite3_close(hand);
}

void BM_pair_cdc_postgres(benchmark::State& state) {
  const auto& cap = stream();
  client db;
  const sf::postgres::table target{.conninfo = conninfo(), .name = "acc_cdc"};
  auto reset_hand = [&] {
    db.exec("DROP TABLE IF EXISTS acc_hand");
    db.exec("CREATE TABLE acc_hand (id bigint PRIMARY KEY, owner text NOT NULL, balance double precision NOT NULL)");
    db.exec("INSERT INTO acc_hand SELECT id, owner, balance FROM acc_cdc");
  };
  auto reset_cdc = [&] {
    db.exec("DROP TABLE IF EXISTS acc_cdc");
    db.exec("DELETE FROM sinkforge_cdc_positions WHERE target = 'acc_cdc'");
    reset(target);
  };
  db.exec("CREATE TABLE IF NOT EXISTS sinkforge_cdc_positions (target text PRIMARY KEY, position bigint NOT NULL)");
  reset_cdc();
  reset_hand();
  std::vector<bench::side> sides{
      {"cdc_apply",
       [&] {
         auto sink = sf::make_sink<C>(target, sf::cdc::apply<&Account::id>, sf::batch::max_records{kBatch});
         sink.write(cap.changes);
         sink.close();
       },
       reset_cdc},
      {"one_by_one", [&] { one_by_one_postgres(db, cap.changes); }, reset_hand},
  };
  bench::run_paired(state, sides, static_cast<double>(cap.row_changes), 0, bench::timer::wall);
}

// p-th percentile (0-100) of `v` in milliseconds.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Follows a paced load into `target` for 3 s; the lags of its transactions, in ms.
template <class Target>
std::vector<double> lags(const Target& target, const std::string& table) {
  using clock = std::chrono::steady_clock;
  client db;
  create_source(db, table);
  sf::postgres::change_source<Account> source({.conninfo = conninfo(), .table = table}, 0);
  auto sink = sf::make_sink<C>(target, sf::cdc::apply<&Account::id>, sf::batch::max_records{kBatch});
  std::vector<C> changes;
  // The snapshot first, untimed.
  while (changes.empty() || changes.back().kind != sf::cdc::op::commit) source.poll(changes, 100'000, std::chrono::seconds{1});
  sink.write(changes);
  sink.flush();
  std::unordered_map<std::uint32_t, clock::time_point> committed, applied;
  std::mutex m;
  std::atomic<bool> done{false};
  std::thread load([&] {
    client writer;  // synchronous commits: the walsender sends only WAL that is flushed
    std::mt19937 rng(9);
    const auto start = clock::now();
    for (int t = 0; t < 3000; ++t) {
      std::this_thread::sleep_until(start + std::chrono::milliseconds{t});
      const std::uint32_t xid = load_one(writer, rng, table);
      const auto at = clock::now();
      std::lock_guard lock(m);
      committed[xid] = at;
    }
    done = true;
  });
  const auto until = clock::now() + std::chrono::seconds{20};
  std::size_t seen = 0;
  while ((!done || seen < 3000) && clock::now() < until) {
    changes.clear();
    if (source.poll(changes, 100'000, std::chrono::milliseconds{50}) == 0) continue;
    sink.write(changes);
    sink.flush();
    const auto at = clock::now();
    for (const C& c : changes)
      if (c.kind == sf::cdc::op::commit) applied[static_cast<std::uint32_t>(c.transaction)] = at, ++seen;
  }
  load.join();
  sink.close();
  std::vector<double> out;
  for (const auto& [xid, t] : applied) {
    const auto found = committed.find(xid);
    if (found == committed.end()) continue;
    out.push_back(std::max(0.0, std::chrono::duration<double, std::milli>(t - found->second).count()));
  }
  db.exec("DROP PUBLICATION IF EXISTS sinkforge_" + table);
  return out;
}

void BM_pair_cdc_lag(benchmark::State& state) {
  const std::filesystem::path dir = std::filesystem::path(bench_dir()) / "sinkforge-bench-cdc";
  std::filesystem::create_directories(dir);
  for (auto _ : state) {
    std::filesystem::remove(dir / "lag.db");
    const auto into_sqlite = lags(sf::sqlite::table{.path = (dir / "lag.db").string(), .name = "lag"}, "cdc_lag_sqlite");
    {
      client db;
      db.exec("DROP TABLE IF EXISTS lag_replica");
      // This benchmark may run before the others made the table (random interleaving).
      db.exec("CREATE TABLE IF NOT EXISTS sinkforge_cdc_positions (target text PRIMARY KEY, position bigint NOT NULL)");
      db.exec("DELETE FROM sinkforge_cdc_positions WHERE target = 'lag_replica'");
    }
    const auto into_postgres = lags(sf::postgres::table{.conninfo = conninfo(), .name = "lag_replica"}, "cdc_lag_pg");
    if (into_sqlite.size() < 2900 || into_postgres.size() < 2900) fail("the lag run lost transactions");
    state.counters["sqlite_lag_p50_ms"] = percentile(into_sqlite, 50);
    state.counters["sqlite_lag_p99_ms"] = percentile(into_sqlite, 99);
    state.counters["postgres_lag_p50_ms"] = percentile(into_postgres, 50);
    state.counters["postgres_lag_p99_ms"] = percentile(into_postgres, 99);
  }
}

// Both SQLite appliers leave the table the source has after the load.
void check_outputs() {
  const auto& cap = stream();
  client db;
  std::vector<std::string> want;
  {
    PGresult* r = PQexec(db.get(), "SELECT id || '|' || owner || '|' || balance FROM cdc_bench_src ORDER BY id");
    for (int i = 0; i < PQntuples(r); ++i) want.emplace_back(PQgetvalue(r, i, 0));
    PQclear(r);
  }
  const std::filesystem::path dir = std::filesystem::path(bench_dir()) / "sinkforge-bench-cdc";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "check.db").string();
  std::filesystem::remove(path);
  const sf::sqlite::table target{.path = path, .name = "acc_cdc"};
  reset(target);
  sqlite3* hand = nullptr;
  sqlite3_open(path.c_str(), &hand);
  sqlite3_exec(hand, "CREATE TABLE acc_hand (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance REAL NOT NULL); "
                     "INSERT INTO acc_hand SELECT id, owner, balance FROM acc_cdc",
               nullptr, nullptr, nullptr);
  {
    auto sink = sf::make_sink<C>(target, sf::cdc::apply<&Account::id>, sf::batch::max_records{kBatch});
    sink.write(cap.changes);
    sink.close();
  }
  one_by_one_sqlite(hand, cap.changes);
  for (const char* table : {"acc_cdc", "acc_hand"}) {
    std::vector<std::string> got;
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(hand, (std::string("SELECT id, owner, balance FROM ") + table + " ORDER BY id").c_str(), -1, &st,
                       nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) {
      char num[32];
      std::snprintf(num, sizeof num, "%g", sqlite3_column_double(st, 2));
      got.push_back(std::to_string(sqlite3_column_int64(st, 0)) + "|" +
                    reinterpret_cast<const char*>(sqlite3_column_text(st, 1)) + "|" + num);
    }
    sqlite3_finalize(st);
    if (got != want) fail(std::string("the ") + table + " applier does not leave the source's table");
  }
  sqlite3_close(hand);
  std::filesystem::remove(path);
}

}  // namespace

BENCHMARK(BM_pair_cdc_sqlite)->UseRealTime();
BENCHMARK(BM_pair_cdc_postgres)->UseRealTime();
BENCHMARK(BM_pair_cdc_lag)->UseRealTime()->Iterations(1);

int main(int argc, char** argv) { return bench::run_main(argc, argv, check_outputs); }
