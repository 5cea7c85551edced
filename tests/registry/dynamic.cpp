// dynamic::record: fields known at run time, written as JSON (names escaped, a real stays a real)
// and into SQLite (a table made and widened from the records, a multi-row INSERT per run of one
// shape that falls back row by row around a refused row, a rolled-back CREATE made again).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/registry/schemes/file.hpp>
#include <sinkforge/registry/schemes/sqlite.hpp>
#include <sinkforge/registry/sinks.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/faulty.hpp>
#include <sinkforge/transport/file.hpp>
#include <sinkforge/transport/memory.hpp>
#include <sinkforge/transport/sqlite.hpp>

#include "transport/sqlite_support.hpp"
#include "transport/support.hpp"

namespace dynamic_test {
namespace sf = sinkforge;
namespace dyn = sf::dynamic;

inline dyn::record order(const dyn::shape_ref& shape, std::int64_t i) {
  dyn::record r(shape);
  r[0] = dyn::value::of_text("o" + std::to_string(i));
  r[1] = dyn::value::of_integer(i);
  r[2] = dyn::value::of_real(static_cast<double>(i) / 2);
  return r;
}

inline std::string json_of(const dyn::record& r) {
  sf::memory::buffer out;
  auto sink = sf::make_sink<dyn::record>(out, sf::serialize::ndjson{});
  sink.write(r);
  sink.close();
  const auto records = out.records();
  return records.empty() ? std::string() : records[0];
}
struct Plain {
  BOOST_HANA_DEFINE_STRUCT(Plain, (int, id));
};
}  // namespace dynamic_test

TEST_CASE("dynamic::record as NDJSON: names escaped, every kind, a whole real stays a real") {
  using namespace dynamic_test;
  const auto shape = dyn::make_shape({"id", "n", "x", "ok", "nothing", "tags", "quo\"te\n"});
  dyn::record r(shape);
  r[0] = dyn::value::of_text("a\"b\\c\u00e9\x01");
  r[1] = dyn::value::of_integer(std::numeric_limits<std::int64_t>::min());
  r[2] = dyn::value::of_real(307.0);
  r[3] = dyn::value::of_bool(true);
  r[5] = dyn::value::of_json(R"({"k":[1,2]})");
  r[6] = dyn::value::of_real(0.1);
  CHECK(json_of(r) == R"({"id":"a\"b\\c)" "\u00e9" R"(\u0001","n":-9223372036854775808,"x":307.0,"ok":true,"nothing":null,"tags":{"k":[1,2]},"quo\"te\n":0.1})" "\n");
  dyn::record big(dyn::make_shape({"x"}));
  big[0] = dyn::value::of_real(1e300);
  CHECK(json_of(big) == "{\"x\":1e+300}\n");
}

TEST_CASE("dynamic::record as NDJSON: NaN and a JSON value with a line break are refused, not written") {
  using namespace dynamic_test;
  std::vector<sf::failed_record> dead;
  sf::memory::buffer out;
  auto sink = sf::make_sink<dyn::record>(out, sf::dead_letter::call([&](std::vector<sf::failed_record>&& f) {
                                           for (auto& x : f) dead.push_back(std::move(x));
                                         }));
  const auto shape = dyn::make_shape({"x"});
  dyn::record nan(shape), broken(shape), fine(shape);
  nan[0] = dyn::value::of_real(std::nan(""));
  broken[0] = dyn::value::of_json("[1,\n2]");
  fine[0] = dyn::value::of_integer(1);
  sink.write(nan);
  sink.write(broken);
  sink.write(fine);
  sink.close();
  CHECK(out.records() == std::vector<std::string>{"{\"x\":1}\n"});
  REQUIRE(dead.size() == 2);
  CHECK(dead[0].kind == sf::failure_kind::invalid_record);
}

TEST_CASE("dynamic::record into SQLite: the table is made from the records, typed by their values") {
  using namespace dynamic_test;
  const auto dir = test::fresh_dir("dynamic-sqlite");
  const std::string db = (dir / "d.db").string();
  const auto shape = dyn::make_shape({"id", "n", "x"});
  {
    auto sink = sf::make_sink<dyn::record>(sf::sqlite::table{.path = db, .name = "orders"}, sf::batch::max_records{1000});
    for (int i = 0; i < 1000; ++i) sink.write(order(shape, i));  // 15 runs of 64 rows, then 40 singly
    sink.close();
  }
  CHECK(sqlite_test::query(db, "SELECT type FROM pragma_table_info('orders') ORDER BY cid") ==
        std::vector<std::vector<std::string>>{{"TEXT"}, {"INTEGER"}, {"REAL"}});
  CHECK(sqlite_test::query(db, "SELECT count(*), sum(n), sum(x), typeof(x) FROM orders")[0] ==
        std::vector<std::string>{"1000", "499500", "249750.0", "real"});
  // Another shape: refused (no such column) unless add_missing_columns.
  const auto wider = dyn::make_shape({"id", "n", "x", "coupon"});
  dyn::record w = order(wider, 5000);
  w[3] = dyn::value::of_text("VIP");
  {
    auto sink = sf::make_sink<dyn::record>(sf::sqlite::table{.path = db, .name = "orders"});
    sink.write(w);
    try {
      sink.close();
      FAIL("a field without a column was accepted");
    } catch (const sf::delivery_error& e) {
      REQUIRE(e.records().size() == 1);
      CHECK(e.records()[0].reason == "sqlite: table 'orders' has no column 'coupon' (add it, or set add_missing_columns)");
    }
  }
  {
    auto sink = sf::make_sink<dyn::record>(sf::sqlite::table{.path = db, .name = "orders", .add_missing_columns = true});
    sink.write(w);
    sink.close();
  }
  CHECK(sqlite_test::query(db, "SELECT coupon FROM orders WHERE id = 'o5000'")[0][0] == "VIP");
}

TEST_CASE("dynamic::record into SQLite: a refused row inside a multi-row run is the only one refused") {
  using namespace dynamic_test;
  const auto dir = test::fresh_dir("dynamic-refused");
  const std::string db = (dir / "d.db").string();
  {
    auto setup = sf::make_sink<dyn::record>(sf::sqlite::table{.path = db, .name = "t"});
    setup.close();
  }
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, "CREATE TABLE t (id TEXT NOT NULL, n INTEGER CHECK (n % 100 != 77), x REAL)", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(h);
  const auto shape = dyn::make_shape({"id", "n", "x"});
  std::vector<sf::failed_record> dead;
  {
    auto sink = sf::make_sink<dyn::record>(sf::sqlite::table{.path = db, .name = "t"}, sf::batch::max_records{500},
                                           sf::dead_letter::call([&](std::vector<sf::failed_record>&& f) {
                                             for (auto& x : f) dead.push_back(std::move(x));
                                           }));
    for (int i = 0; i < 500; ++i) {
      dyn::record r = order(shape, i);
      if (i == 300) r[0] = dyn::value::null();  // NOT NULL
      sink.write(std::move(r));
    }
    sink.close();
  }
  // 77, 177, 277, 377, 477 break the CHECK; 300 has no id.
  CHECK(dead.size() == 6);
  CHECK(sqlite_test::query(db, "SELECT count(*) FROM t")[0][0] == "494");
  for (const auto& d : dead) CHECK(d.reason.find("constraint failed") != std::string::npos);
}

TEST_CASE("dynamic::record into SQLite under exactly_once: a CREATE rolled back with its batch is made again") {
  using namespace dynamic_test;
  const auto dir = test::fresh_dir("dynamic-eo");
  const std::string db = (dir / "d.db").string();
  const auto shape = dyn::make_shape({"id", "n", "x"});
  {
    auto sink = sf::make_sink<dyn::record>(sf::sqlite::table{.path = db, .name = "t"}, sf::deliver::exactly_once,
                                           sf::restore(std::nullopt), sf::batch::max_records{10});
    for (int i = 0; i < 25; ++i) sink.write(order(shape, i));
    sink.flush();
  }  // never committed: the table's CREATE went with it
  CHECK(sqlite_test::query(db, "SELECT count(*) FROM sqlite_master WHERE name = 't'")[0][0] == "0");
  {
    auto sink = sf::make_sink<dyn::record>(sf::sqlite::table{.path = db, .name = "t"}, sf::deliver::exactly_once,
                                           sf::restore(std::nullopt), sf::batch::max_records{10});
    for (int i = 0; i < 25; ++i) sink.write(order(shape, i));
    sink.prepare_checkpoint(1, "25");
    sink.commit_checkpoint(1);
    sink.close();
  }
  CHECK(sqlite_test::query(db, "SELECT count(*), count(DISTINCT id) FROM t")[0] == std::vector<std::string>{"25", "25"});
}

TEST_CASE("dynamic::record as CSV: declared columns, fields by name, NULL for a missing one, a field too many refused") {
  using namespace dynamic_test;
  std::vector<sf::failed_record> dead;
  sf::memory::buffer out;
  auto sink = sf::make_sink<dyn::record>(out, sf::serialize::csv{.columns = {"id", "n", "x", "note"}},
                                         sf::dead_letter::call([&](std::vector<sf::failed_record>&& f) {
                                           for (auto& x : f) dead.push_back(std::move(x));
                                         }));
  dyn::record a(dyn::make_shape({"id", "n", "x", "note"}));
  a[0] = dyn::value::of_text("o1");
  a[1] = dyn::value::of_integer(-3);
  a[2] = dyn::value::of_real(307.0);
  a[3] = dyn::value::of_text("");  // an empty string is not NULL: quoted
  dyn::record b(dyn::make_shape({"note", "id"}));  // another order, n and x missing: NULL
  b[0] = dyn::value::of_json(R"({"k":"v,w"})");
  b[1] = dyn::value::of_text("o,2\n\"");
  dyn::record c(dyn::make_shape({"id", "coupon"}));
  c[0] = dyn::value::of_text("o3");
  c[1] = dyn::value::of_text("VIP");
  dyn::record d(dyn::make_shape({"id", "n", "x", "note"}));
  d[0] = dyn::value::of_bool(true);
  d[2] = dyn::value::of_real(std::numeric_limits<double>::infinity());
  sink.write(a);
  sink.write(b);
  sink.write(c);
  sink.write(d);
  sink.close();
  CHECK(out.records() == std::vector<std::string>{"o1,-3,307,\"\"\r\n", "\"o,2\n\"\"\",,,\"{\"\"k\"\":\"\"v,w\"\"}\"\r\n"});
  REQUIRE(dead.size() == 2);
  CHECK(dead[0].reason.find("field 'coupon' is not one of the declared columns") != std::string::npos);
  CHECK(dead[1].reason.find("NaN or infinite number in field 'x'") != std::string::npos);
  // Without columns the sink is not made.
  try {
    sf::memory::buffer none;
    auto s = sf::make_sink<dyn::record>(none, sf::serialize::csv{});
    FAIL("CSV of dynamic records without columns was made");
  } catch (const sf::config_error& e) {
    CHECK(std::string(e.field()) == "serialize::csv.columns");
  }
}

TEST_CASE("dynamic::record through the registry: CSV needs csv.columns; a struct's CSV refuses them") {
  using namespace dynamic_test;
  using dyn_sinks = sf::registry::sinks<dyn::record, sf::schemes::file, sf::schemes::sqlite>;
  const auto dir = test::fresh_dir("dynamic-registry");
  auto refused = [](auto open) -> std::string {
    try {
      open();
    } catch (const sf::config_error& e) {
      return std::string(e.field()) + " | " + e.what();
    }
    return {};
  };
  CHECK(refused([&] { dyn_sinks::validate("file:" + (dir / "x.csv").string()); })
            .starts_with("csv.columns | sinkforge: invalid configuration: csv.columns: missing: CSV of records known at "
                         "run time needs its columns"));
  CHECK(refused([&] { dyn_sinks::validate("file:" + (dir / "x.csv").string() + "?csv.columns=id,,n"); })
            .starts_with("csv.columns |"));
  CHECK(refused([&] { dyn_sinks::validate("file:" + (dir / "x.csv").string() + "?csv.columns=id,id"); })
            .find("names 'id' twice") != std::string::npos);
  CHECK(refused([&] { dyn_sinks::validate("file:" + (dir / "x.ndjson").string() + "?csv.columns=id"); })
            .starts_with("format |"));
  CHECK(refused([&] {
          sf::registry::sinks<Plain, sf::schemes::file>::validate("file:" + (dir / "p.csv").string() + "?csv.columns=id");
        }).starts_with("csv.columns |"));
  {
    auto csv = dyn_sinks::open("file:" + (dir / "x.csv").string() + "?csv.columns=id,n,x&csv.null=%5CN");
    csv.write(order(dyn::make_shape({"id", "n", "x"}), 1));
    dyn::record only_id(dyn::make_shape({"id"}));
    only_id[0] = dyn::value::of_text("o2");
    csv.write(only_id);
    csv.close();
  }
  CHECK(test::slurp(dir / "x.csv") == "id,n,x\r\no1,1,0.5\r\no2,\\N,\\N\r\n");
  auto sink = dyn_sinks::open("file:" + (dir / "x.ndjson").string());
  sink.write(order(dyn::make_shape({"id", "n", "x"}), 1));
  sink.close();
  CHECK(test::slurp(dir / "x.ndjson") == "{\"id\":\"o1\",\"n\":1,\"x\":0.5}\n");
}
