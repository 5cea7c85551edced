// Composes a sink over the in-memory transport and, with the sqlite backend, one over a SQLite table;
// with the postgres backend, one whose connection a closed port refuses; with toml, a routes file.
#include <cstdio>
#include <string>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/memory.hpp>
#if SINKFORGE_TEST_SQLITE
#include <sqlite3.h>

#include <sinkforge/transport/sqlite.hpp>
#endif
#if SINKFORGE_TEST_POSTGRES
#include <sinkforge/error.hpp>
#include <sinkforge/transport/postgres.hpp>
#endif
#if SINKFORGE_TEST_TOML
#include <sinkforge/registry/routes.hpp>
#endif

struct Sample {
  BOOST_HANA_DEFINE_STRUCT(Sample, (int, id), (std::string, name));
};

int main() {
  sinkforge::memory::buffer store;
  {
    auto sink = sinkforge::make_sink<Sample>(store);
    sink.write(Sample{1, "one"});
    sink.write(Sample{2, "two"});
    sink.close();
  }
  if (store.record_count() != 2) {
    std::fprintf(stderr, "memory: expected 2 records, got %zu\n", store.record_count());
    return 1;
  }
  std::printf("sinkforge memory transport: %zu records, first %s", store.record_count(), store.records()[0].c_str());

#if SINKFORGE_TEST_SQLITE
  const std::string path = "test_package.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  {
    auto sink = sinkforge::make_sink<Sample>(sinkforge::sqlite::table{.path = path, .name = "samples"});
    sink.write(Sample{1, "one"});
    sink.write(Sample{2, "two"});
    sink.close();
  }
  sqlite3* db = nullptr;
  sqlite3_stmt* q = nullptr;
  long long rows = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT count(*) FROM samples", -1, &q, nullptr) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW)
    rows = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  if (rows != 2) {
    std::fprintf(stderr, "sqlite: expected 2 rows, got %lld\n", rows);
    return 1;
  }
  std::printf("sinkforge sqlite transport: %lld rows (SQLite %s)\n", rows, sqlite3_libversion());
#endif
#if SINKFORGE_TEST_POSTGRES
  // No server here: a connection refused by a closed port is a config_error, from libpq itself.
  try {
    auto sink = sinkforge::make_sink<Sample>(
        sinkforge::postgres::table{.conninfo = "host=127.0.0.1 port=1 connect_timeout=2", .name = "samples"});
    std::fprintf(stderr, "postgres: connected to a closed port\n");
    return 1;
  } catch (const sinkforge::config_error& e) {
    std::printf("sinkforge postgres transport: libpq %d, refused as expected (%s)\n", PQlibVersion(), e.field().c_str());
  }
#endif
#if SINKFORGE_TEST_TOML
  const auto routes = sinkforge::registry::parse_routes("[[route]]\nmatch = { id = 2 }\nto = \"stdout:\"\n");
  if (routes.size() != 1 || !routes[0].takes(Sample{2, "two"}) || routes[0].takes(Sample{1, "one"})) {
    std::fprintf(stderr, "toml: the route does not take what its match says\n");
    return 1;
  }
  std::printf("sinkforge routes: %zu route, match %s = %s\n", routes.size(), routes[0].match[0].first.c_str(),
              routes[0].match[0].second.c_str());
#endif
  return 0;
}
