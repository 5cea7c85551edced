// 5. Exactly-once against at-least-once, 1,000 records per checkpoint (10 checkpoints per
// iteration of 10,000 orders), in a temporary directory (SINKFORGE_BENCH_DIR, else $TMPDIR or /tmp).
//
// The fair baseline makes the same records durable at the same points: at-least-once with a flush
// every 1,000 records that syncs the data (file: sync::per_batch with batches of 1,000, one
// fdatasync per flush; SQLite: one transaction per 1,000 rows with synchronous = FULL, as
// exactly-once uses). The unsynced at-least-once side (the defaults: no fdatasync; SQLite NORMAL,
// batches of 500) gives the cost of a checkpoint: (exactly-once time - unsynced time) / checkpoints.
// The files grow over the iterations (an exactly-once target is written by its commits only); the
// SQLite tables are emptied (untimed) after each iteration.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <sqlite3.h>
#include <unistd.h>

#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/sqlite.hpp>

#include "common.hpp"
#include "paired.hpp"
#include "run_main.hpp"

namespace sf = sinkforge;
using bench::Order;

namespace {

constexpr std::size_t kRecords = 10000;
constexpr std::size_t kPerCheckpoint = 1000;
constexpr double kCheckpoints = static_cast<double>(kRecords / kPerCheckpoint);

const std::vector<Order>& orders() {
  static const std::vector<Order> v = bench::make_orders(kRecords);
  return v;
}

std::string path_of(const char* name) { return bench::scratch_dir() + "/" + name; }

void remove_files(const std::string& p) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((p + suffix).c_str());
}

void delete_rows(sqlite3* db) {
  if (sqlite3_exec(db, "DELETE FROM \"orders\"", nullptr, nullptr, nullptr) != SQLITE_OK) bench::fail("DELETE");
}

// Writes every order, taking a checkpoint (prepare, commit) every kPerCheckpoint records.
template <class Sink>
void write_exactly_once(Sink& sink, std::uint64_t& id) {
  const auto& v = orders();
  for (std::size_t i = 0; i < v.size(); ++i) {
    sink.write(v[i]);
    if ((i + 1) % kPerCheckpoint == 0) {
      sink.prepare_checkpoint(++id, std::to_string(i + 1));
      sink.commit_checkpoint(id);
    }
  }
}

// Writes every order, flushing every kPerCheckpoint records.
template <class Sink>
void write_at_least_once(Sink& sink) {
  const auto& v = orders();
  for (std::size_t i = 0; i < v.size(); ++i) {
    sink.write(v[i]);
    if ((i + 1) % kPerCheckpoint == 0) sink.flush();
  }
}

// What one checkpoint adds to the unsynced at-least-once time, in microseconds.
void report_checkpoint_cost(benchmark::State& state) {
  const double eo_seconds = static_cast<double>(kRecords) / state.counters["exactly_once_items_s"];
  const double unsynced_share = state.counters["ratio_at_least_once_unsynced"];  // its time / exactly_once's
  state.counters["checkpoint_us"] = (1.0 - unsynced_share) * eo_seconds * 1e6 / kCheckpoints;
}

void BM_pair_eo_file(benchmark::State& state) {
  const std::string eo = path_of("eo.ndjson"), alo = path_of("alo.ndjson"), raw = path_of("alo_unsynced.ndjson");
  for (const auto& p : {eo, alo, raw}) remove_files(p);
  {
    auto once = sf::make_sink<Order>(sf::file::append{.path = eo}, sf::deliver::exactly_once,
                                     sf::batch::max_records{kPerCheckpoint}, sf::restore(std::nullopt));
    auto synced = sf::make_sink<Order>(sf::file::append{.path = alo, .sync = sf::file::sync::per_batch},
                                       sf::batch::max_records{kPerCheckpoint});
    auto unsynced = sf::make_sink<Order>(sf::file::append{.path = raw});
    std::uint64_t id = 0;
    std::vector<bench::side> sides{
        {"exactly_once", [&] { write_exactly_once(once, id); }},
        {"at_least_once", [&] { write_at_least_once(synced); }},
        {"at_least_once_unsynced", [&] { write_at_least_once(unsynced); }},
    };
    bench::run_paired(state, sides, static_cast<double>(kRecords), 0, bench::timer::wall);
    report_checkpoint_cost(state);
    once.close();
    synced.close();
    unsynced.close();
  }
  for (const auto& p : {eo, alo, raw}) remove_files(p);
}

void BM_pair_eo_sqlite(benchmark::State& state) {
  const std::string eo = path_of("eo.db"), alo = path_of("alo.db"), raw = path_of("alo_normal.db");
  for (const auto& p : {eo, alo, raw}) remove_files(p);
  {
    auto once = sf::make_sink<Order>(sf::sqlite::table{.path = eo, .name = "orders"}, sf::deliver::exactly_once,
                                     sf::batch::max_records{kPerCheckpoint}, sf::restore(std::nullopt));
    auto synced = sf::make_sink<Order>(sf::sqlite::table{.path = alo, .name = "orders", .synchronous = "FULL"},
                                       sf::batch::max_records{kPerCheckpoint});
    auto normal = sf::make_sink<Order>(sf::sqlite::table{.path = raw, .name = "orders"});
    std::uint64_t id = 0;
    std::vector<bench::side> sides{
        {"exactly_once", [&] { write_exactly_once(once, id); },
         [&] {
           // A separate connection: the sink's own is in no transaction between checkpoints.
           sqlite3* db = nullptr;
           sqlite3_open(eo.c_str(), &db);
           sqlite3_busy_timeout(db, 5000);
           delete_rows(db);
           sqlite3_close(db);
         }},
        {"at_least_once", [&] { write_at_least_once(synced); }, [&] { delete_rows(synced.connection().handle()); }},
        {"at_least_once_unsynced", [&] { write_at_least_once(normal); },
         [&] { delete_rows(normal.connection().handle()); }},
    };
    bench::run_paired(state, sides, static_cast<double>(kRecords), 0, bench::timer::wall);
    report_checkpoint_cost(state);
    once.close();
    synced.close();
    normal.close();
  }
  for (const auto& p : {eo, alo, raw}) remove_files(p);
}

BENCHMARK(BM_pair_eo_file)->UseRealTime();
BENCHMARK(BM_pair_eo_sqlite)->UseRealTime();

// The exactly-once file holds what the at-least-once file holds, byte for byte.
void check_outputs() {
  const std::string eo = path_of("check_eo.ndjson"), alo = path_of("check_alo.ndjson");
  remove_files(eo);
  remove_files(alo);
  {
    auto once = sf::make_sink<Order>(sf::file::append{.path = eo}, sf::deliver::exactly_once,
                                     sf::restore(std::nullopt));
    std::uint64_t id = 0;
    write_exactly_once(once, id);
    once.close();
    auto synced = sf::make_sink<Order>(sf::file::append{.path = alo});
    write_at_least_once(synced);
    synced.close();
  }
  if (bench::read_file(eo) != bench::read_file(alo) || bench::read_file(eo).empty())
    bench::fail("the exactly-once and at-least-once files differ");
  remove_files(eo);
  remove_files(alo);
  std::fprintf(stderr, "self-check: identical files from both guarantees (dir %s)\n", bench::scratch_dir().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const int rc = bench::run_main(argc, argv, check_outputs);
  ::rmdir(bench::scratch_dir().c_str());
  return rc;
}
