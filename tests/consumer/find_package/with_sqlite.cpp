// The sqlite backend: write records through a sink, close it, then read the table back.
#include <cstdint>
#include <cstdio>
#include <string>

#include <sqlite3.h>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/sqlite.hpp>

struct Reading {
  BOOST_HANA_DEFINE_STRUCT(Reading, (std::int64_t, id), (std::string, sensor), (double, value));
};

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "with_sqlite.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());

  constexpr int n = 5;
  {
    auto sink = sinkforge::make_sink<Reading>(sinkforge::sqlite::table{.path = path, .name = "t"});
    for (int i = 0; i < n; ++i) sink.write(Reading{i, "s" + std::to_string(i), i * 0.5});
    sink.close();
  }

  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), db ? sqlite3_errmsg(db) : "?");
    sqlite3_close(db);
    return 1;
  }
  sqlite3_stmt* q = nullptr;
  const char* sql = "SELECT count(*), sum(id), sum(value), group_concat(sensor, ',') FROM (SELECT * FROM t ORDER BY id)";
  if (sqlite3_prepare_v2(db, sql, -1, &q, nullptr) != SQLITE_OK || sqlite3_step(q) != SQLITE_ROW) {
    std::fprintf(stderr, "query failed: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    sqlite3_close(db);
    return 1;
  }
  const auto count = sqlite3_column_int64(q, 0);
  const auto ids = sqlite3_column_int64(q, 1);
  const double values = sqlite3_column_double(q, 2);
  const auto* text = sqlite3_column_text(q, 3);
  const std::string sensors = text ? reinterpret_cast<const char*>(text) : "";
  sqlite3_finalize(q);
  sqlite3_close(db);

  if (count != n || ids != 0 + 1 + 2 + 3 + 4 || values != 5.0 || sensors != "s0,s1,s2,s3,s4") {
    std::fprintf(stderr, "unexpected rows: count=%lld ids=%lld values=%g sensors=%s\n", static_cast<long long>(count),
                 static_cast<long long>(ids), values, sensors.c_str());
    return 1;
  }
  std::printf("with_sqlite: %lld rows read back from %s\n", static_cast<long long>(count), path.c_str());
  return 0;
}
