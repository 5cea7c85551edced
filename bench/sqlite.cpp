// 4. SQLite transport throughput: the sqlite::table sink (serialize::columns, max_records{500})
// against a hand-written loop over the same records: one prepared INSERT, one transaction per batch
// of 500 (BEGIN IMMEDIATE ... COMMIT), the same PRAGMAs (journal_mode=WAL, synchronous=NORMAL), the
// same table definition. Each iteration inserts kRecords rows and flushes; the rows are then deleted
// untimed, so every iteration starts from the same table. Files live in a temporary directory
// (SINKFORGE_BENCH_DIR, else $TMPDIR, else /tmp).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <sqlite3.h>
#include <unistd.h>

#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/sqlite.hpp>

#include "common.hpp"
#include "run_main.hpp"
#include "paired.hpp"

namespace sf = sinkforge;
using bench::Order;

namespace {

constexpr std::size_t kBatch = 500;
constexpr std::size_t kRecords = 10000;

const std::vector<Order>& orders() {
  static const std::vector<Order> v = bench::make_orders(kRecords);
  return v;
}

const std::string& dir() { return bench::scratch_dir(); }

void remove_db(const std::string& p) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((p + suffix).c_str());
}

std::string fresh_db(const char* name) {
  const std::string p = dir() + "/" + name;
  remove_db(p);
  return p;
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql, err ? err : "?");
    bench::fail("sqlite statement failed");
  }
}

auto make_sink(const std::string& path) {
  return sf::make_sink<Order>(sf::sqlite::table{.path = path, .name = "orders"}, sf::batch::max_records{kBatch},
                              sf::retry::none{}, sf::deliver::at_least_once);
}

// ---- hand-written --------------------------------------------------------------------------------
class handwritten {
 public:
  explicit handwritten(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
      bench::fail("sqlite3_open_v2");
    sqlite3_busy_timeout(db_, 5000);
    exec(db_, "PRAGMA journal_mode = WAL");
    exec(db_, "PRAGMA synchronous = NORMAL");
    exec(db_,
         "CREATE TABLE IF NOT EXISTS \"orders\" (\"id\" TEXT NOT NULL, \"customer\" TEXT NOT NULL, "
         "\"amount\" REAL NOT NULL, \"ts_ms\" INTEGER NOT NULL)");
    prepare("INSERT INTO \"orders\" (\"id\", \"customer\", \"amount\", \"ts_ms\") VALUES (?1, ?2, ?3, ?4)", &insert_);
    prepare("BEGIN IMMEDIATE", &begin_);
    prepare("COMMIT", &commit_);
  }
  ~handwritten() {
    for (sqlite3_stmt* s : {insert_, begin_, commit_}) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  handwritten(const handwritten&) = delete;
  handwritten& operator=(const handwritten&) = delete;

  // Inserts records [first, last) in transactions of `batch` rows.
  void write(const Order* first, const Order* last, std::size_t batch) {
    while (first != last) {
      const Order* end = first + std::min<std::size_t>(batch, static_cast<std::size_t>(last - first));
      step(begin_);
      for (; first != end; ++first) {
        sqlite3_bind_text64(insert_, 1, first->id.data(), first->id.size(), SQLITE_STATIC, SQLITE_UTF8);
        sqlite3_bind_text64(insert_, 2, first->customer.data(), first->customer.size(), SQLITE_STATIC,
                            SQLITE_UTF8);
        sqlite3_bind_double(insert_, 3, first->amount);
        sqlite3_bind_int64(insert_, 4, first->ts_ms);
        step(insert_);
      }
      step(commit_);
    }
  }
  sqlite3* handle() const { return db_; }

 private:
  void prepare(const char* sql, sqlite3_stmt** s) {
    if (sqlite3_prepare_v2(db_, sql, -1, s, nullptr) != SQLITE_OK) bench::fail(sqlite3_errmsg(db_));
  }
  void step(sqlite3_stmt* s) {
    if (sqlite3_step(s) != SQLITE_DONE) bench::fail(sqlite3_errmsg(db_));
    sqlite3_reset(s);
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
};

void delete_untimed(benchmark::State& state, sqlite3* db) {
  state.PauseTiming();
  exec(db, "DELETE FROM \"orders\"");
  state.ResumeTiming();
}

void finish(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kRecords));
}

void BM_sqlite_sinkforge(benchmark::State& state) {
  const std::string path = fresh_db("sinkforge.db");
  {
    auto sink = make_sink(path);
    const auto& v = orders();
    for (auto _ : state) {
      for (const auto& o : v) sink.write(o);
      sink.flush();
      delete_untimed(state, sink.connection().handle());
    }
    sink.close();
  }
  remove_db(path);
  finish(state);
}

void BM_sqlite_handwritten(benchmark::State& state) {
  const std::string path = fresh_db("handwritten.db");
  {
    handwritten h(path);
    const auto& v = orders();
    for (auto _ : state) {
      h.write(v.data(), v.data() + v.size(), kBatch);
      delete_untimed(state, h.handle());
    }
  }
  remove_db(path);
  finish(state);
}

// Both, alternating within every iteration (what bench/run.sh reports); wall-clock time.
void BM_pair_sqlite(benchmark::State& state) {
  const std::string a = fresh_db("pair_sinkforge.db"), b = fresh_db("pair_handwritten.db");
  {
    auto sink = make_sink(a);
    handwritten h(b);
    const auto& v = orders();
    std::vector<bench::side> sides{
        {"sinkforge", [&] {
           for (const auto& o : v) sink.write(o);
           sink.flush();
         }, [&] { exec(sink.connection().handle(), "DELETE FROM \"orders\""); }},
        {"handwritten", [&] { h.write(v.data(), v.data() + v.size(), kBatch); },
         [&] { exec(h.handle(), "DELETE FROM \"orders\""); }},
    };
    bench::run_paired(state, sides, static_cast<double>(kRecords), 0, bench::timer::wall);
    sink.close();
  }
  remove_db(a);
  remove_db(b);
}

BENCHMARK(BM_pair_sqlite)->UseRealTime();
BENCHMARK(BM_sqlite_sinkforge)->UseRealTime();
BENCHMARK(BM_sqlite_handwritten)->UseRealTime();

std::vector<std::string> dump(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) bench::fail("open for dump");
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT rowid, typeof(id), id, typeof(customer), customer, typeof(amount), amount, "
                     "typeof(ts_ms), ts_ms FROM orders ORDER BY rowid",
                     -1, &s, nullptr);
  std::vector<std::string> rows;
  while (sqlite3_step(s) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < 9; ++c) {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
      row += t ? t : "<null>";
      row += '\x1f';
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(s, 6));
    rows.push_back(row + buf);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return rows;
}

void check_outputs() {
  const std::string a = fresh_db("check_sinkforge.db"), b = fresh_db("check_handwritten.db");
  {
    auto sink = make_sink(a);
    for (const auto& o : orders()) sink.write(o);
    sink.close();
  }
  {
    handwritten h(b);
    h.write(orders().data(), orders().data() + orders().size(), kBatch);
  }
  const auto ra = dump(a), rb = dump(b);
  if (ra.size() != kRecords) bench::fail("the sqlite sink stored a different number of rows");
  if (ra != rb) bench::fail("the sqlite sink and the hand-written loop stored different rows");
  remove_db(a);
  remove_db(b);
  std::fprintf(stderr, "self-check: %zu identical rows from both writers (dir %s)\n", ra.size(), dir().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const int rc = bench::run_main(argc, argv, check_outputs);
  ::rmdir(dir().c_str());
  return rc;
}
