// 6. PostgreSQL load: the postgres::table sink (binary COPY, batches of 10,000) against the peer
// tool, psql's \copy of the same rows from a CSV file (written once, untimed), and against a
// hand-written libpq loop that formats the rows as CSV text and COPYs them (the text format the
// transport did not choose). Then, at 1,000 records per checkpoint, the sink under exactly_once
// against at_least_once committing as often; and the sink against a loop of one prepared INSERT
// per row (a transaction per 10,000 rows). Every side loads rows into a table of its own with the
// same definition; the rows are then removed (TRUNCATE, untimed). The server comes from
// SINKFORGE_BENCH_POSTGRES (a conninfo; bench/run.sh starts a durable one with
// tests/support/postgres.sh).
#include <benchmark/benchmark.h>

#include <array>
#include <charconv>
#include <optional>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <libpq-fe.h>
#include <unistd.h>

#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/postgres.hpp>

#include "common.hpp"
#include "paired.hpp"
#include "run_main.hpp"

namespace sf = sinkforge;
using bench::Order;

namespace {

constexpr std::size_t kBatch = 10'000;
constexpr std::size_t kRecords = 200'000;

const std::vector<Order>& orders() {
  static const std::vector<Order> v = bench::make_orders(kRecords);
  return v;
}

const std::string& conninfo() {
  static const std::string c = [] {
    const char* e = std::getenv("SINKFORGE_BENCH_POSTGRES");
    if (!e || !*e) bench::fail("SINKFORGE_BENCH_POSTGRES is not set (bench/run.sh starts a server and sets it)");
    return std::string(e);
  }();
  return c;
}

class client {
 public:
  client() : c_(PQconnectdb(conninfo().c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) bench::fail(PQerrorMessage(c_));
    PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);
  }
  ~client() { PQfinish(c_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;
  void exec(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) {
      std::fprintf(stderr, "%s: %s", sql.c_str(), PQresultErrorMessage(r));
      bench::fail("statement failed");
    }
    PQclear(r);
  }
  long long count(const std::string& table) {
    PGresult* r = PQexec(c_, ("SELECT count(*) FROM " + table).c_str());
    const long long n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
  }
  PGconn* handle() const { return c_; }

 private:
  PGconn* c_;
};

void create(client& c, const std::string& table) {
  c.exec("DROP TABLE IF EXISTS " + table);
  c.exec("CREATE TABLE " + table +
         " (id text NOT NULL, customer text NOT NULL, amount double precision NOT NULL, ts_ms bigint NOT NULL)");
}

// CSV as PostgreSQL reads it: every text field quoted, quotes doubled.
void append_csv(std::string& out, const Order& o) {
  auto quoted = [&](const std::string& s) {
    out += '"';
    for (const char ch : s) {
      if (ch == '"') out += '"';
      out += ch;
    }
    out += '"';
  };
  quoted(o.id);
  out += ',';
  quoted(o.customer);
  out += ',';
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, o.amount);
  out.append(buf, r.ptr);
  out += ',';
  r = std::to_chars(buf, buf + sizeof buf, o.ts_ms);
  out.append(buf, r.ptr);
  out += '\n';
}

// The hand-written text COPY: format a batch as CSV, COPY it, one statement per batch.
void handwritten_csv(client& c, const std::string& table) {
  const auto& v = orders();
  std::string data;
  for (std::size_t first = 0; first < v.size(); first += kBatch) {
    data.clear();
    for (std::size_t i = first; i < first + kBatch && i < v.size(); ++i) append_csv(data, v[i]);
    PGresult* r = PQexec(c.handle(), ("COPY " + table + " FROM STDIN (FORMAT csv)").c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) bench::fail(PQerrorMessage(c.handle()));
    PQclear(r);
    if (PQputCopyData(c.handle(), data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(c.handle(), nullptr) != 1)
      bench::fail("PQputCopyData");
    r = PQgetResult(c.handle());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) bench::fail(PQresultErrorMessage(r));
    PQclear(r);
    while ((r = PQgetResult(c.handle()))) PQclear(r);
  }
}

void BM_pair_postgres(benchmark::State& state) {
  client c;
  const std::string t_sink = "bench_sinkforge", t_psql = "bench_psql", t_csv = "bench_libpq_csv";
  for (const auto& t : {t_sink, t_psql, t_csv}) create(c, t);
  // The file psql reads, and the command: written once, untimed.
  const std::string csv_path = bench::scratch_dir() + "/orders.csv";
  {
    std::string all;
    for (const auto& o : orders()) append_csv(all, o);
    FILE* f = std::fopen(csv_path.c_str(), "wb");
    if (!f || std::fwrite(all.data(), 1, all.size(), f) != all.size() || std::fclose(f) != 0)
      bench::fail("writing the CSV file");
  }
  const std::string psql = "psql -X -q -v ON_ERROR_STOP=1 \"$SINKFORGE_BENCH_POSTGRES\" -c \"\\copy " + t_psql +
                           " FROM '" + csv_path + "' (FORMAT csv)\"";
  auto sink = sf::make_sink<Order>(sf::postgres::table{.conninfo = conninfo(), .name = t_sink, .create_table = false},
                                   sf::batch::max_records{kBatch}, sf::retry::none{}, sf::deliver::at_least_once);
  const auto& v = orders();
  std::vector<bench::side> sides{
      {"sinkforge", [&] {
         for (const auto& o : v) sink.write(o);
         sink.flush();
       }, [&] { c.exec("TRUNCATE " + t_sink); }},
      {"psql_copy", [&] {
         if (std::system(psql.c_str()) != 0) bench::fail("psql \\copy failed");
       }, [&] { c.exec("TRUNCATE " + t_psql); }},
      {"libpq_csv", [&] { handwritten_csv(c, t_csv); }, [&] { c.exec("TRUNCATE " + t_csv); }},
  };
  // One untimed round checks that every side loads every row.
  for (auto& s : sides) s.run();
  for (const auto& t : {t_sink, t_psql, t_csv})
    if (c.count(t) != static_cast<long long>(kRecords)) bench::fail("a side did not load every row");
  for (auto& s : sides) s.after();
  bench::run_paired(state, sides, static_cast<double>(kRecords), 0, bench::timer::wall);
  sink.close();
  for (const auto& t : {t_sink, t_psql, t_csv}) c.exec("DROP TABLE " + t);
  ::unlink(csv_path.c_str());
}

BENCHMARK(BM_pair_postgres)->UseRealTime();

constexpr std::size_t kSmall = 20'000;
constexpr std::size_t kPerCheckpoint = 1'000;

// Exactly-once (PREPARE TRANSACTION and COMMIT PREPARED every 1,000 records) against at-least-once
// committing every 1,000 records (one COPY each): the same rows made durable at the same points.
void BM_pair_eo_postgres(benchmark::State& state) {
  client c;
  const std::string t_eo = "bench_eo", t_alo = "bench_alo";
  for (const auto& t : {t_eo, t_alo}) create(c, t);
  auto eo = sf::make_sink<Order>(sf::postgres::table{.conninfo = conninfo(), .name = t_eo, .create_table = false},
                                 sf::batch::max_records{kPerCheckpoint}, sf::retry::none{}, sf::deliver::exactly_once,
                                 sf::restore(std::nullopt));
  auto alo = sf::make_sink<Order>(sf::postgres::table{.conninfo = conninfo(), .name = t_alo, .create_table = false},
                                  sf::batch::max_records{kPerCheckpoint}, sf::retry::none{}, sf::deliver::at_least_once);
  const auto& v = orders();
  // The table keeps the sink's last checkpoint row across runs: ids go on from there.
  std::uint64_t checkpoint = eo.resume_point() ? eo.resume_point()->id : 0;
  std::vector<bench::side> sides{
      {"exactly_once", [&] {
         for (std::size_t i = 0; i < kSmall; ++i) {
           eo.write(v[i]);
           if ((i + 1) % kPerCheckpoint == 0) {
             eo.prepare_checkpoint(++checkpoint, std::to_string(i + 1));
             eo.commit_checkpoint(checkpoint);
           }
         }
       }, [&] { c.exec("TRUNCATE " + t_eo); }},
      {"at_least_once", [&] {
         for (std::size_t i = 0; i < kSmall; ++i) alo.write(v[i]);
         alo.flush();
       }, [&] { c.exec("TRUNCATE " + t_alo); }},
  };
  for (auto& s : sides) s.run();
  for (const auto& t : {t_eo, t_alo})
    if (c.count(t) != static_cast<long long>(kSmall)) bench::fail("a side did not load every row");
  for (auto& s : sides) s.after();
  bench::run_paired(state, sides, static_cast<double>(kSmall), 0, bench::timer::wall);
  eo.close("end");
  alo.close();
  for (const auto& t : {t_eo, t_alo}) c.exec("DROP TABLE " + t);
}

// One prepared INSERT per row, a transaction per 10,000 rows: how rows are often written by hand.
void insert_loop(client& c, const std::string& table) {
  const auto& v = orders();
  PGresult* r = PQprepare(c.handle(), "sinkforge_bench_insert", ("INSERT INTO " + table + " VALUES ($1, $2, $3, $4)").c_str(),
                          4, nullptr);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) bench::fail(PQresultErrorMessage(r));
  PQclear(r);
  char amount[32], ts[32];
  for (std::size_t first = 0; first < kSmall; first += kBatch) {
    c.exec("BEGIN");
    for (std::size_t i = first; i < first + kBatch && i < kSmall; ++i) {
      *std::to_chars(amount, amount + sizeof amount - 1, v[i].amount).ptr = '\0';
      *std::to_chars(ts, ts + sizeof ts - 1, v[i].ts_ms).ptr = '\0';
      const char* values[] = {v[i].id.c_str(), v[i].customer.c_str(), amount, ts};
      r = PQexecPrepared(c.handle(), "sinkforge_bench_insert", 4, values, nullptr, nullptr, 0);
      if (PQresultStatus(r) != PGRES_COMMAND_OK) bench::fail(PQresultErrorMessage(r));
      PQclear(r);
    }
    c.exec("COMMIT");
  }
  c.exec("DEALLOCATE sinkforge_bench_insert");
}

void BM_pair_postgres_insert(benchmark::State& state) {
  client c, loop;
  const std::string t_sink = "bench_sink_small", t_loop = "bench_insert_loop";
  for (const auto& t : {t_sink, t_loop}) create(c, t);
  auto sink = sf::make_sink<Order>(sf::postgres::table{.conninfo = conninfo(), .name = t_sink, .create_table = false},
                                   sf::batch::max_records{kBatch}, sf::retry::none{}, sf::deliver::at_least_once);
  const auto& v = orders();
  std::vector<bench::side> sides{
      {"sinkforge", [&] {
         for (std::size_t i = 0; i < kSmall; ++i) sink.write(v[i]);
         sink.flush();
       }, [&] { c.exec("TRUNCATE " + t_sink); }},
      {"insert_per_row", [&] { insert_loop(loop, t_loop); }, [&] { c.exec("TRUNCATE " + t_loop); }},
  };
  for (auto& s : sides) s.run();
  for (const auto& t : {t_sink, t_loop})
    if (c.count(t) != static_cast<long long>(kSmall)) bench::fail("a side did not load every row");
  for (auto& s : sides) s.after();
  bench::run_paired(state, sides, static_cast<double>(kSmall), 0, bench::timer::wall);
  sink.close();
  for (const auto& t : {t_sink, t_loop}) c.exec("DROP TABLE " + t);
}

struct count_dead {
  std::size_t* n;
  void operator()(std::vector<sf::failed_record>&& r) const { *n += r.size(); }
};

// Rows the server refuses (a CHECK constraint): the batch is split down to them. 20,000 rows in
// batches of 10,000, clean against 1 and 10 refused rows per batch.
void BM_pair_postgres_refused(benchmark::State& state) {
  client c;
  std::vector<std::vector<Order>> data(3, std::vector<Order>(orders().begin(), orders().begin() + kSmall));
  for (std::size_t i = 0; i < kSmall; i += kBatch) {
    data[1][i + 4321].amount = -1;
    for (std::size_t k = 0; k < 10; ++k) data[2][i + 97 + k * 997].amount = -1;
  }
  const std::vector<std::string> names{"clean", "refused_1_per_batch", "refused_10_per_batch"};
  std::size_t dead = 0;
  auto make = [&](const std::string& table) {
    return sf::make_sink<Order>(sf::postgres::table{.conninfo = conninfo(), .name = table, .create_table = false},
                                sf::batch::max_records{kBatch}, sf::retry::none{},
                                sf::dead_letter::call(count_dead{&dead}));
  };
  for (const auto& n : names) {
    c.exec("DROP TABLE IF EXISTS bench_" + n);
    c.exec("CREATE TABLE bench_" + n +
           " (id text NOT NULL, customer text NOT NULL, amount double precision NOT NULL CHECK (amount >= 0), "
           "ts_ms bigint NOT NULL)");
  }
  auto clean = make("bench_" + names[0]), one = make("bench_" + names[1]), ten = make("bench_" + names[2]);
  const std::array<decltype(clean)*, 3> sinks{&clean, &one, &ten};
  std::vector<bench::side> sides;
  for (std::size_t k = 0; k < names.size(); ++k)
    sides.push_back({names[k], [&, k] {
                       for (const auto& o : data[k]) sinks[k]->write(o);
                       sinks[k]->flush();
                     }, [&, k] { c.exec("TRUNCATE bench_" + names[k]); }});
  for (auto& s : sides) s.run();
  if (dead != 2 + 20 || c.count("bench_clean") != static_cast<long long>(kSmall) ||
      c.count("bench_refused_10_per_batch") != static_cast<long long>(kSmall - 20))
    bench::fail("the refused rows were not found exactly");
  for (auto& s : sides) s.after();
  bench::run_paired(state, sides, static_cast<double>(kSmall), 0, bench::timer::wall);
  for (auto* s : sinks) s->close();
  for (const auto& n : names) c.exec("DROP TABLE bench_" + n);
}

BENCHMARK(BM_pair_eo_postgres)->UseRealTime();
BENCHMARK(BM_pair_postgres_refused)->UseRealTime();
BENCHMARK(BM_pair_postgres_insert)->UseRealTime();

}  // namespace

// The outputs are checked inside the benchmark: every side must load every row before it is timed.
int main(int argc, char** argv) { return bench::run_main(argc, argv, [] {}); }
