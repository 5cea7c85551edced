// dynamic::record into PostgreSQL: a table made and widened from the records (typed by their
// values), values read by the server in each column's own type (a whole real into an integer
// column, text into jsonb, an ISO time into timestamptz), text that COPY's format would misread
// (backslash, tab, line breaks) kept exactly, refusals named by field or by the server's line,
// several shapes in one batch landing whole, and exactly_once with a definition rolled back.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <sinkforge/registry/schemes/postgres.hpp>
#include <sinkforge/registry/sinks.hpp>
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/postgres.hpp>

#include "transport/postgres_support.hpp"

namespace pg_dynamic_test {
namespace sf = sinkforge;
namespace dyn = sf::dynamic;
using namespace std::chrono_literals;

inline sf::postgres::table table_named(const std::string& name) {
  return sf::postgres::table{.conninfo = pg_test::conninfo(), .name = name};
}

struct collected {
  std::vector<sf::failed_record> dead;
  auto policy() {
    return sf::dead_letter::call([this](std::vector<sf::failed_record>&& f) {
      for (auto& x : f) dead.push_back(std::move(x));
    });
  }
};

inline dyn::record order(const dyn::shape_ref& shape, long long i) {
  dyn::record r(shape);
  r[0] = dyn::value::of_text("o" + std::to_string(i));
  r[1] = dyn::value::of_integer(i);
  r[2] = dyn::value::of_real(static_cast<double>(i) / 4);
  return r;
}
}  // namespace pg_dynamic_test

TEST_CASE("postgres dynamic::record: the table is made from the batch, typed by its values, text kept exactly") {
  using namespace pg_dynamic_test;
  pg_test::client pg;
  const std::string t = pg_test::unique("dyn_made");
  const auto shape = dyn::make_shape({"id", "n", "x", "tags", "paid", "note", "mixed"});
  const std::string tricky = "back\\slash\ttab\nline\r\\N \\. \"q\" \xC3\xA9 \xF0\x9F\x98\x80";
  {
    auto sink = sf::make_sink<dyn::record>(table_named(t), sf::batch::max_records{5000});
    for (int i = 0; i < 3000; ++i) {
      dyn::record r = order(shape, i);
      r[3] = i % 2 ? dyn::value::of_json("[\"a\",{\"b\":\"c\\\\d\\n\"}]") : dyn::value::null();
      r[4] = dyn::value::of_bool(i % 3 == 0);
      // note is never anything but null: a text column.
      r[6] = i % 2 ? dyn::value::of_integer(i) : dyn::value::of_real(0.5);  // integers and reals: double
      if (i == 7) r[0] = dyn::value::of_text(tricky);
      sink.write(std::move(r));
    }
    sink.close();
  }
  CHECK(pg.rows("SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '" + t +
                "'::regclass AND attnum > 0 ORDER BY attnum") ==
        std::vector<std::string>{"id text", "n bigint", "x double precision", "tags jsonb", "paid boolean", "note text",
                                 "mixed double precision"});
  CHECK(pg.scalar("SELECT count(*) || '|' || sum(n) || '|' || sum(x) || '|' || count(tags) || '|' || "
                  "sum(paid::int) || '|' || count(note) FROM " + t) == "3000|4498500|1124625|1500|1000|0");
  CHECK(pg.scalar("SELECT tags->1->>'b' FROM " + t + " WHERE n = 1") == "c\\d\n");
  // The text comes back byte for byte (read with a parameter-free query: compare on the server).
  PGresult* r = PQexecParams(pg.handle(), ("SELECT id = $1 FROM " + t + " WHERE n = 7").c_str(), 1, nullptr,
                             std::vector<const char*>{tricky.c_str()}.data(), nullptr, nullptr, 0);
  REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
  CHECK(std::string(PQgetvalue(r, 0, 0)) == "t");
  PQclear(r);
  pg.exec("DROP TABLE " + t);
}

TEST_CASE("postgres dynamic::record: each value is read in its column's type; what a column refuses is that row's alone") {
  using namespace pg_dynamic_test;
  pg_test::client pg;
  const std::string t = pg_test::unique("dyn_typed");
  pg.exec("CREATE TABLE " + t +
          " (id text NOT NULL, qty integer, at timestamptz, doc jsonb, price numeric(10,2), seen date)");
  const auto shape = dyn::make_shape({"id", "qty", "at", "doc", "price", "seen"});
  // timestamptz, numeric and date have no binary encoder here: these rows go as COPY text, whose
  // escaping this string tests.
  const std::string tricky = "back\\slash\ttab\nline\r\\N \\. \"q\" \xC3\xA9";
  collected c;
  {
    auto sink = sf::make_sink<dyn::record>(table_named(t), sf::batch::max_records{1000}, c.policy());
    for (int i = 0; i < 1000; ++i) {
      dyn::record r(shape);
      r[0] = dyn::value::of_text("r" + std::to_string(i));
      r[1] = i % 2 ? dyn::value::of_integer(i) : dyn::value::of_real(i);  // 4.0: an integer for an integer column
      r[2] = dyn::value::of_text("2026-11-30T12:00:00Z");
      r[3] = i % 2 ? dyn::value::of_text("plain") : dyn::value::of_integer(i);  // text into jsonb: a JSON string
      r[4] = dyn::value::of_real(i + 0.25);
      r[5] = dyn::value::of_text("2026-11-30");
      if (i == 100) r[1] = dyn::value::of_text("many");                         // the server refuses: line 101
      if (i == 200) r[1] = dyn::value::of_real(2.5);                            // not whole: refused
      if (i == 300) r[0] = dyn::value::null();                                  // NOT NULL
      if (i == 400) r[3] = dyn::value::of_real(std::numeric_limits<double>::infinity());  // jsonb: refused here
      if (i == 500) r[5] = dyn::value::of_text(std::string("2026\0", 5));       // a NUL: refused here
      if (i == 7) r[0] = dyn::value::of_text(tricky);
      sink.write(std::move(r));
    }
    sink.close();
  }
  REQUIRE(c.dead.size() == 5);
  CHECK(c.dead[0].reason.find("invalid input syntax for type integer") != std::string::npos);
  CHECK(c.dead[0].payload.find("\"qty\":\"many\"") != std::string::npos);
  CHECK(c.dead[1].reason.find("integer") != std::string::npos);
  CHECK(c.dead[2].reason.find("null value in column \"id\"") != std::string::npos);
  CHECK(c.dead[3].reason == "postgres: value of 'doc' cannot be stored (not a finite number, which JSON cannot hold)");
  CHECK(c.dead[4].reason == "postgres: value of 'seen' cannot be stored (invalid UTF-8, or a NUL character)");
  CHECK(pg.scalar("SELECT count(*) || '|' || sum(qty) || '|' || count(DISTINCT at) || '|' || min(price) || '|' || "
                  "max(seen) FROM " + t) == "995|498000|1|0.25|2026-11-30");
  CHECK(pg.scalar("SELECT doc::text FROM " + t + " WHERE id = 'r1'") == "\"plain\"");
  PGresult* back = PQexecParams(pg.handle(), ("SELECT count(*) FROM " + t + " WHERE id = $1 AND qty = 7").c_str(), 1,
                                nullptr, std::vector<const char*>{tricky.c_str()}.data(), nullptr, nullptr, 0);
  REQUIRE(PQresultStatus(back) == PGRES_TUPLES_OK);
  CHECK(std::string(PQgetvalue(back, 0, 0)) == "1");
  PQclear(back);
  CHECK(pg.scalar("SELECT jsonb_typeof(doc) FROM " + t + " WHERE id = 'r2'") == "number");
  pg.exec("DROP TABLE " + t);
}

TEST_CASE("postgres dynamic::record: shapes in one batch; a field without a column is refused unless added") {
  using namespace pg_dynamic_test;
  pg_test::client pg;
  const std::string t = pg_test::unique("dyn_shapes");
  const auto narrow = dyn::make_shape({"id", "n", "x"});
  const auto reordered = dyn::make_shape({"x", "id", "n"});
  const auto wider = dyn::make_shape({"id", "n", "x", "coupon"});
  auto write_mixed = [&](sf::postgres::table cfg, collected& c) {
    auto sink = sf::make_sink<dyn::record>(cfg, sf::batch::max_records{300}, c.policy());
    for (int i = 0; i < 300; ++i) {
      const auto& s = i % 3 == 0 ? narrow : i % 3 == 1 ? reordered : wider;
      dyn::record r(s);
      for (std::size_t k = 0; k < s->names.size(); ++k) {
        const std::string& name = s->names[k];
        r[k] = name == "id"  ? dyn::value::of_text(cfg.name + std::to_string(i))
               : name == "n" ? dyn::value::of_integer(i)
               : name == "x" ? dyn::value::of_real(i / 2.0)
                             : dyn::value::of_text("VIP");
      }
      sink.write(std::move(r));
    }
    sink.close();
  };
  {
    auto first = sf::make_sink<dyn::record>(table_named(t));
    first.write(order(narrow, -1));
    first.close();
  }
  collected refused;
  write_mixed(table_named(t), refused);
  CHECK(refused.dead.size() == 100);
  CHECK(refused.dead.front().reason == "postgres: table \"" + t + "\" has no column \"coupon\" (add it, or set add_missing_columns)");
  CHECK(pg.count(t) == 201);
  collected added;
  auto widening = table_named(t);
  widening.add_missing_columns = true;
  write_mixed(widening, added);
  CHECK(added.dead.empty());
  CHECK(pg.scalar("SELECT count(*) || '|' || count(coupon) || '|' || sum(x) FROM " + t) == "501|100|37324.75");
  // A name PostgreSQL would cut, and a name twice: refused by name, nothing sent.
  collected bad;
  {
    auto sink = sf::make_sink<dyn::record>(table_named(t), bad.policy());
    sink.write(dyn::record(dyn::make_shape(std::vector<std::string>{std::string(64, 'c')})));
    sink.write(dyn::record(dyn::make_shape(std::vector<std::string>{"id", "id"})));
    sink.close();
  }
  REQUIRE(bad.dead.size() == 2);
  CHECK(bad.dead[0].reason.find("is not a column name PostgreSQL keeps (1 to 63 bytes)") != std::string::npos);
  CHECK(bad.dead[1].reason == "postgres: the field \"id\" appears twice");
  pg.exec("DROP TABLE " + t);
}

TEST_CASE("postgres dynamic::record: binary COPY when every value has its column's type, text otherwise, "
          "with the same rows stored") {
  using namespace pg_dynamic_test;
  pg_test::client pg;
  const std::string t = pg_test::unique("dyn_formats");
  pg.exec("CREATE TABLE " + t + " (id text, n bigint, small smallint, x double precision, ok boolean, doc jsonb)");
  const auto shape = dyn::make_shape({"id", "n", "small", "x", "ok", "doc"});
  auto row = [&](int i) {
    dyn::record r(shape);
    r[0] = dyn::value::of_integer(i);      // an integer into text: its digits
    r[1] = dyn::value::of_real(i * 2.0);   // a whole real into bigint
    r[2] = dyn::value::of_integer(i % 100);
    r[3] = dyn::value::of_integer(i);      // an integer into double precision
    r[4] = dyn::value::of_bool(i % 2 == 0);
    r[5] = i % 3 ? dyn::value::of_text("t\"" + std::to_string(i)) : dyn::value::of_json("{\"k\":[1.5,null]}");
    return r;
  };
  collected c;
  {
    auto sink = sf::make_sink<dyn::record>(table_named(t), sf::batch::max_records{100}, c.policy());
    for (int i = 0; i < 100; ++i) sink.write(row(i));  // every value fits: binary
    for (int i = 100; i < 200; ++i) {
      dyn::record r = row(i);
      if (i == 150) r[1] = dyn::value::of_text("301");      // text for bigint: this batch goes as text
      if (i == 160) r[2] = dyn::value::of_integer(40000);   // out of smallint's range: refused by the server
      if (i == 171) r[4] = dyn::value::of_integer(1);       // 1 for boolean: text, read as true
      sink.write(std::move(r));
    }
    sink.close();
  }
  REQUIRE(c.dead.size() == 1);
  CHECK(c.dead[0].reason.find("out of range for type smallint") != std::string::npos);
  // Both batches stored the same way: the text of each column as the records gave it.
  CHECK(pg.scalar("SELECT count(*) || '|' || sum(n) || '|' || sum(x) || '|' || count(*) FILTER (WHERE ok) || '|' || "
                  "count(*) FILTER (WHERE doc ? 'k') || '|' || count(*) FILTER (WHERE jsonb_typeof(doc) = 'string') FROM " +
                  t) == "199|39481|19740|100|67|132");
  CHECK(pg.scalar("SELECT id || ' ' || n || ' ' || doc::text FROM " + t + " WHERE id = '151'") == "151 302 \"t\\\"151\"");
  CHECK(pg.scalar("SELECT n FROM " + t + " WHERE id = '150'") == "301");
  CHECK(pg.scalar("SELECT ok::text FROM " + t + " WHERE id = '171'") == "true");
  CHECK(pg.scalar("SELECT doc::text FROM " + t + " WHERE id = '3'") == "{\"k\": [1.5, null]}");
  pg.exec("DROP TABLE " + t);
}

TEST_CASE("postgres dynamic::record: a column's type changed under the sink is read again by the retry") {
  using namespace pg_dynamic_test;
  pg_test::client pg;
  const std::string t = pg_test::unique("dyn_retyped");
  const auto shape = dyn::make_shape({"id", "n", "x"});
  collected c;
  auto sink = sf::make_sink<dyn::record>(table_named(t), sf::batch::max_records{10},
                                         sf::retry::fixed{.max_attempts = 3, .delay = 1ms}, c.policy());
  for (int i = 0; i < 10; ++i) sink.write(order(shape, i));  // n bigint, x double precision: binary
  sink.flush();
  pg.exec("ALTER TABLE " + t + " ALTER COLUMN n TYPE numeric, ALTER COLUMN x TYPE text");
  for (int i = 10; i < 20; ++i) sink.write(order(shape, i));  // numeric has no binary encoder: text
  sink.close();
  CHECK_MESSAGE(c.dead.empty(), (c.dead.empty() ? std::string() : c.dead[0].reason));
  CHECK(pg.scalar("SELECT count(*) || '|' || sum(n) || '|' || max(x) FROM " + t) == "20|190|4.75");
  pg.exec("DROP TABLE " + t);
}

TEST_CASE("postgres dynamic::record: a table dropped under the sink is made again by the retry") {
  using namespace pg_dynamic_test;
  pg_test::client pg;
  const std::string t = pg_test::unique("dyn_dropped");
  const auto shape = dyn::make_shape({"id", "n", "x"});
  auto sink = sf::make_sink<dyn::record>(table_named(t), sf::batch::max_records{10},
                                         sf::retry::fixed{.max_attempts = 3, .delay = 1ms});
  for (int i = 0; i < 10; ++i) sink.write(order(shape, i));
  sink.flush();
  pg.exec("DROP TABLE " + t);
  for (int i = 10; i < 20; ++i) sink.write(order(shape, i));
  sink.close();
  CHECK(pg.scalar("SELECT count(*) || '|' || min(n) FROM " + t) == "10|10");
  pg.exec("DROP TABLE " + t);
}

TEST_CASE("postgres dynamic::record under exactly_once: a column added inside a checkpoint's transaction goes "
          "with it when it is never prepared, and the next run adds it again") {
  using namespace pg_dynamic_test;
  pg_test::client pg;
  const std::string t = pg_test::unique("dyn_eo");
  const auto narrow = dyn::make_shape({"id", "n", "x"});
  const auto wider = dyn::make_shape({"id", "n", "x", "coupon"});
  auto cfg = table_named(t);
  cfg.add_missing_columns = true;
  auto batch = [&](auto& sink, int from, int to, const dyn::shape_ref& s) {
    for (int i = from; i < to; ++i) {
      dyn::record r = order(s, i);
      if (s->names.size() == 4) r[3] = dyn::value::of_text("c" + std::to_string(i));
      sink.write(std::move(r));
    }
    sink.flush();
  };
  {
    auto sink = sf::make_sink<dyn::record>(cfg, sf::deliver::exactly_once, sf::restore(std::nullopt),
                                           sf::batch::max_records{10});
    batch(sink, 0, 10, narrow);   // the table is made outside the transaction
    batch(sink, 10, 20, wider);   // coupon is added inside it
  }  // never prepared: rolled back, the column with it
  CHECK(pg.count(t) == 0);
  CHECK(pg.scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = '" + t + "'::regclass AND attname = 'coupon'") ==
        "0");
  {
    auto sink = sf::make_sink<dyn::record>(cfg, sf::deliver::exactly_once, sf::restore(std::nullopt),
                                           sf::batch::max_records{10});
    batch(sink, 0, 10, narrow);
    batch(sink, 10, 20, wider);
    sink.prepare_checkpoint(1, "20");
    sink.commit_checkpoint(1);
    // The next checkpoint, in the same session: the column is known, committed.
    batch(sink, 20, 30, wider);
    sink.prepare_checkpoint(2, "30");
    sink.commit_checkpoint(2);
    sink.close();
  }
  CHECK(pg.scalar("SELECT count(*) || '|' || count(coupon) || '|' || count(DISTINCT id) FROM " + t) == "30|20|30");
  pg.exec("DROP TABLE " + t);
  pg.exec("DELETE FROM sinkforge_checkpoints WHERE sink = '" + t + "'");
}

TEST_CASE("postgres dynamic::record through the registry: postgresql:// takes dynamic records") {
  using namespace pg_dynamic_test;
  pg_test::client pg;
  const std::string t = pg_test::unique("dyn_reg");
  using dyn_sinks = sf::registry::sinks<dyn::record, sf::schemes::postgres>;
  const std::string uri = pg_test::registry_uri("table=" + t + "&delivery=exactly_once");
  {
    auto sink = dyn_sinks::open(uri);
    const auto shape = dyn::make_shape({"id", "n", "x"});
    for (int i = 0; i < 50; ++i) sink.write(order(shape, i));
    sink.checkpoint("50");
    sink.close();
  }
  {
    auto sink = dyn_sinks::open(uri);
    REQUIRE(sink.resume_position());
    CHECK(*sink.resume_position() == "50");
    sink.close();
  }
  CHECK(pg.count(t) == 50);
  pg.exec("DROP TABLE " + t);
  pg.exec("DELETE FROM sinkforge_checkpoints WHERE sink = '" + t + "'");
}
