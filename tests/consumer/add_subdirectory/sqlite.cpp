// sinkforge::sqlite through add_subdirectory: the backend target brings the core and SQLite3.
#include <cstdio>
#include <string>

#include <sqlite3.h>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/sqlite.hpp>

struct Item {
  BOOST_HANA_DEFINE_STRUCT(Item, (int, id), (std::string, label));
};

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "consumer_sqlite.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  {
    auto sink = sinkforge::make_sink<Item>(sinkforge::sqlite::table{.path = path, .name = "items"});
    sink.write(Item{1, "one"});
    sink.write(Item{2, "two"});
    sink.close();
  }
  sqlite3* db = nullptr;
  sqlite3_stmt* q = nullptr;
  long long rows = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT count(*) FROM items", -1, &q, nullptr) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW)
    rows = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  if (rows != 2) {
    std::fprintf(stderr, "expected 2 rows in %s, got %lld\n", path.c_str(), rows);
    return 1;
  }
  std::printf("add_subdirectory sqlite: %lld rows\n", rows);
  return 0;
}
