// registry::sinks: a URI picks one of the composed sinks, its keys set the policies with the
// C++ API's names, and a URI that is wrong in any part fails before anything is opened, naming the
// key, what it accepts and never the password.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/registry/schemes/file.hpp>
#include <sinkforge/registry/schemes/sqlite.hpp>
#include <sinkforge/registry/schemes/stdout.hpp>
#include <sinkforge/registry/sinks.hpp>
#include <sinkforge/transport/faulty.hpp>
#include <sinkforge/transport/memory.hpp>

#include "transport/sqlite_support.hpp"
#include "transport/support.hpp"

namespace registry_test {
namespace sf = sinkforge;
using namespace std::chrono_literals;

struct Sale {
  BOOST_HANA_DEFINE_STRUCT(Sale, (std::int64_t, seq), (std::string, customer), (double, amount));
};

inline Sale sale(std::int64_t i) { return {i, "c" + std::to_string(i % 7), static_cast<double>(i) / 4}; }

// A scheme of the tests' own, declared as a user declares one: memory batches, of which the
// first `fail` attempts fail (retryably), so that the retry keys can be seen at work.
inline sf::memory::buffer memq_store;
struct memq {
  static constexpr std::string_view name = "memq";
  static constexpr std::string_view summary = "an in-memory store whose first sends fail";
  static constexpr sf::registry::key_info keys[] = {{"fail", "0", "attempts that fail first"}};
  template <class T>
  static auto policies(const sf::registry::uri&, sf::registry::options& o) {
    const auto fail = o.integer<int>("fail", 0, 0, 1000);
    auto failed = std::make_shared<std::atomic<int>>(0);
    return std::tuple{sf::testing::inject_faults(memq_store, [fail, failed](const sf::testing::fault_point&) {
      std::optional<sf::send_result> r;
      if (failed->fetch_add(1) < fail) r = sf::send_result::retryable("injected");
      return r;
    })};
  }
};

using sale_sinks = sf::registry::sinks<Sale, sf::schemes::sqlite, sf::schemes::file, sf::schemes::stdout_sink, memq>;

struct refusal {
  std::string field, what;
};
inline refusal refusal_of(const std::string& uri) {
  try {
    sale_sinks::sink s(uri);
  } catch (const sf::config_error& e) {
    return {e.field(), e.what()};
  }
  return {};
}

inline std::int64_t count_rows(const std::string& db, const std::string& table) {
  return std::stoll(sqlite_test::query(db, "SELECT count(*) FROM " + table)[0][0]);
}
}  // namespace registry_test

TEST_CASE("registry: sqlite:// writes rows with the batching and delivery its keys give") {
  using namespace registry_test;
  const auto dir = test::fresh_dir("registry-sqlite");
  // The authority starts a relative path, its case kept.
  const std::string relative = "transport-tmp/registry-sqlite/Shop.db";
  {
    sale_sinks::sink s("sqlite://" + relative + "?table=sales&batch.max_records=3&batch.max_age=1h");
    CHECK(s.scheme() == "sqlite");
    CHECK(s.guarantee() == sf::guarantee::at_least_once);
    CHECK(s.name() == "sqlite:" + relative + "/sales");
    for (int i = 0; i < 5; ++i) s.write(sale(i));
    // max_records=3: the first three are a batch of their own, sent before the fourth was written.
    CHECK(count_rows(relative, "sales") == 3);
    s.close();
    CHECK(s.counters().values().records_out == 5);
    CHECK(s.counters().values().batches == 2);
  }
  CHECK(std::filesystem::exists(dir / "Shop.db"));
  CHECK(count_rows(relative, "sales") == 5);
  const std::string db = (dir / "Shop.db").string();
  // An absolute path (three slashes), case kept; max_age sends a batch by time.
  {
    sale_sinks::sink s("sqlite://" + db + "?table=aged&batch.max_records=1000&batch.max_age=20ms");
    s.write(sale(1));
    std::this_thread::sleep_for(40ms);
    s.tick();
    CHECK(count_rows(db, "aged") == 1);
  }
}

TEST_CASE("registry: delivery=exactly_once on sqlite:// resumes from the position it committed") {
  using namespace registry_test;
  const auto dir = test::fresh_dir("registry-eo");
  const std::string uri = "sqlite:" + (dir / "eo.db").string() + "?table=sales&delivery=exactly_once";
  {
    sale_sinks::sink s(uri);
    CHECK(s.guarantee() == sf::guarantee::exactly_once);
    CHECK_FALSE(s.resume_position());
    for (int i = 0; i < 10; ++i) s.write(sale(i));
    s.checkpoint("10");
    for (int i = 10; i < 15; ++i) s.write(sale(i));
    s.flush();  // sent into the open transaction, not committed: a crash here loses them
  }  // destroyed without close(): the open transaction is not committed
  CHECK(count_rows((dir / "eo.db").string(), "sales") == 10);
  {
    sale_sinks::sink s(uri);
    REQUIRE(s.resume_position());
    CHECK(*s.resume_position() == "10");
    for (int i = 10; i < 20; ++i) s.write(sale(i));
    s.checkpoint("20");
    s.close();
  }
  const auto rows = sqlite_test::query((dir / "eo.db").string(), "SELECT count(*), count(DISTINCT seq), max(seq) FROM sales");
  CHECK(rows[0] == std::vector<std::string>{"20", "20", "19"});
}

TEST_CASE("registry: file:// writes what the same sink composed in code writes, byte for byte") {
  using namespace registry_test;
  const auto dir = test::fresh_dir("registry-file");
  std::vector<Sale> sales;
  for (int i = 0; i < 1000; ++i) sales.push_back(sale(i));
  sales[3].customer = "quote \" and , comma";
  for (const std::string ext : {"ndjson", "csv"}) {
    const auto chosen = dir / ("chosen." + ext);
    const auto composed = dir / ("composed." + ext);
    {
      sale_sinks::sink s("file://" + chosen.string());
      s.write(sales);
      s.close();
    }
    {
      auto s = ext == "csv" ? std::optional<int>(1) : std::nullopt;
      if (s) {
        auto c = sf::make_sink<Sale>(sf::file::append{.path = composed.string()}, sf::serialize::csv{});
        c.write(sales);
        c.close();
      } else {
        auto c = sf::make_sink<Sale>(sf::file::append{.path = composed.string()}, sf::serialize::ndjson{});
        c.write(sales);
        c.close();
      }
    }
    CHECK(test::slurp(chosen).size() > 10000);
    CHECK(test::slurp(chosen) == test::slurp(composed));
  }
  // format= overrides the extension; csv.* keys set the CSV serializer.
  {
    sale_sinks::sink s("file:" + (dir / "semi.txt").string() + "?format=csv&csv.delimiter=;&csv.header=false");
    s.write(sale(1));
    s.close();
  }
  CHECK(test::slurp(dir / "semi.txt") == "1;c1;0.25\r\n");
}

TEST_CASE("registry: file:// with rotation, and exactly_once with its checkpoint store beside the file") {
  using namespace registry_test;
  const auto dir = test::fresh_dir("registry-rotate");
  {
    sale_sinks::sink s("file://" + dir.string() + "/?rotate=true&rotate.max_records=10&batch.max_records=5");
    for (int i = 0; i < 35; ++i) s.write(sale(i));
    s.close();
  }
  std::size_t files = 0, lines = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    ++files;
    for (const char c : test::slurp(f.path())) lines += c == '\n';
  }
  CHECK(files == 4);
  CHECK(lines == 35);

  const auto out = dir / "eo.ndjson";
  const std::string uri = "file://" + out.string() + "?delivery=exactly_once";
  {
    sale_sinks::sink s(uri);
    for (int i = 0; i < 4; ++i) s.write(sale(i));
    s.checkpoint("4");
    s.write(sale(4));
    s.flush();
  }  // the fifth was never committed
  CHECK(std::filesystem::exists(dir / "eo.ndjson.checkpoint"));
  {
    sale_sinks::sink s(uri);
    REQUIRE(s.resume_position());
    CHECK(*s.resume_position() == "4");
    s.write(sale(4));
    s.checkpoint("5");
    s.close();
  }
  const std::string written = test::slurp(out);
  CHECK(std::count(written.begin(), written.end(), '\n') == 5);
  for (int i = 0; i < 5; ++i) {
    const std::string seq = "{\"seq\":" + std::to_string(i) + ",";
    CHECK(written.find(seq) != std::string::npos);
    CHECK(written.find(seq) == written.rfind(seq));
  }
}

TEST_CASE("registry: stdout: writes to standard output") {
  using namespace registry_test;
  std::ostringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  {
    sale_sinks::sink s("stdout:?format=csv");
    s.write(sale(2));
    s.close();
  }
  {
    sale_sinks::sink s("STDOUT:");
    s.write(sale(3));
    s.close();
  }
  std::cout.rdbuf(old);
  CHECK(captured.str() == "seq,customer,amount\r\n2,c2,0.5\r\n{\"seq\":3,\"customer\":\"c3\",\"amount\":0.75}\n");
}

TEST_CASE("registry: a scheme of a program's own takes the retry keys like the built-in ones") {
  using namespace registry_test;
  memq_store.clear();
  {
    sale_sinks::sink s("memq:?fail=2&retry.initial=1ms&retry.cap=2ms&retry.max_attempts=3");
    s.write(sale(1));
    s.close();  // attempts 1 and 2 fail, the third lands
    CHECK(s.counters().values().retries == 2);
  }
  CHECK(memq_store.records().size() == 1);
  // Two attempts are not enough: the record is reported, with the transport's reason.
  std::vector<sf::failed_record> dead;
  {
    sale_sinks::sink s("memq:?fail=2&retry.initial=1ms&retry.cap=2ms&retry.max_attempts=2",
                       {.dead_letter = [&](std::vector<sf::failed_record>&& rs) {
                         for (auto& r : rs) dead.push_back(std::move(r));
                       }});
    s.write(sale(2));
    s.close();
  }
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].reason.find("injected") != std::string::npos);
  CHECK(dead[0].attempts == 2);
  CHECK(dead[0].payload.find("\"seq\":2") != std::string::npos);
  // at_most_once sends once.
  memq_store.clear();
  {
    sale_sinks::sink s("memq:?fail=1&delivery=at_most_once");
    s.write(sale(3));
    CHECK_THROWS_AS(s.close(), sf::delivery_error);
  }
  CHECK(memq_store.records().empty());
}

TEST_CASE("registry: without a dead-letter target, an undeliverable record is thrown as with a composed sink") {
  using namespace registry_test;
  const auto dir = test::fresh_dir("registry-dead");
  const std::string db = (dir / "d.db").string();
  {
    auto setup = sf::make_sink<Sale>(sf::sqlite::table{.path = db, .name = "sales"});
    setup.close();
  }
  {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h, "CREATE TRIGGER no_negative BEFORE INSERT ON sales WHEN NEW.amount < 0 "
                            "BEGIN SELECT RAISE(ABORT, 'negative amount'); END",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(h);
  }
  sale_sinks::sink s("sqlite:" + db + "?table=sales");
  s.write(sale(1));
  s.write(Sale{2, "x", -1});
  s.write(sale(3));
  try {
    s.flush();
    FAIL("flush did not report the refused row");
  } catch (const sf::delivery_error& e) {
    REQUIRE(e.records().size() == 1);
    CHECK(e.records()[0].reason.find("negative amount") != std::string::npos);
  }
  s.close();
  CHECK(count_rows(db, "sales") == 2);
}

TEST_CASE("registry: every wrong part of a URI is refused before anything is opened, naming its key") {
  using namespace registry_test;
  const auto dir = test::fresh_dir("registry-refusals");
  const std::string db = (dir / "never.db").string();
  struct bad_case {
    std::string uri, field, says;
  };
  const bad_case cases[] = {
      {"mysql://h/db?table=t", "uri.scheme", "unknown scheme 'mysql'; known: sqlite, file, stdout, memq"},
      {"sqlite:" + db + "?tabel=sales", "tabel", "unknown key (did you mean 'table'?)"},
      {"sqlite:" + db, "table", "missing: the table"},
      {"sqlite:?table=t", "uri.path", "missing: the database file"},
      {"sqlite:" + db + "?table=t&batch.max_records=0", "batch.max_records", "'0' is not a whole number from 1 to"},
      {"sqlite:" + db + "?table=t&batch.max_records=12x", "batch.max_records", "'12x' is not a whole number"},
      {"sqlite:" + db + "?table=t&batch.max_records=99999999999999999999999", "batch.max_records", "is not a whole number"},
      {"sqlite:" + db + "?table=t&batch.max_age=10", "batch.max_age", "'10' is not a duration such as 250ms"},
      {"sqlite:" + db + "?table=t&batch.max_age=0", "batch.max_age", "'0' is not a duration above zero"},
      {"sqlite:" + db + "?table=t&batch.max_age=1.2.3s", "batch.max_age", "is not a duration"},
      {"sqlite:" + db + "?table=t&retry.cap=1ms&retry.initial=1s", "retry.cap", "must not be less than retry.initial"},
      {"sqlite:" + db + "?table=t&retry.jitter=some", "retry.jitter", "one of: none, full, equal, decorrelated"},
      {"sqlite:" + db + "?table=t&delivery=twice", "delivery", "one of: at_least_once, at_most_once, exactly_once"},
      {"sqlite:" + db + "?table=t&delivery=at_most_once&retry.max_attempts=3", "delivery", "at_most_once never retries"},
      {"sqlite:" + db + "?table=t&checkpoint=x", "checkpoint", "under delivery=exactly_once only"},
      {"sqlite:" + db + "?table=t&create_table=maybe", "create_table", "true or false"},
      {"sqlite:" + db + "?table=t&journal_mode=fast", "journal_mode", "one of: WAL, DELETE"},
      {"sqlite://me:hunter2@" + db.substr(1) + "?table=t", "uri", "takes no user, password or port"},
      {"stdout:?delivery=exactly_once", "delivery", "exactly_once is not available on stdout"},
      {"stdout:/x", "uri.path", "stdout: names no host or path"},
      {"file:" + (dir / "x.ndjson").string() + "?csv.header=false", "format", "csv.* keys are for format=csv"},
      {"file:" + (dir / "x.ndjson").string() + "?rotate.max_bytes=1MiB", "rotate", "rotate.* keys need rotate=true"},
      {"file:" + (dir / "x.ndjson").string() + "?rotate=true&rotate.max_bytes=1XB", "rotate.max_bytes", "is not a size such as"},
      {"file:" + (dir / "x.ndjson").string() + "?mode=0999", "mode", "is not an octal mode"},
      {"file:" + (dir / "x.csv") .string() + "?csv.delimiter=ab", "csv.delimiter", "must be one character"},
      {"file:", "uri.path", "missing: the file to write"},
      {"file://u:hunter2@h/x", "uri", "takes no user"},
      {"memq:?fail=-1", "fail", "'-1' is not a whole number from 0 to 1000"},
      {"sqlite:" + db + "?table=t&name=", "name", "must not be empty"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.uri);
    const refusal r = refusal_of(c.uri);
    CHECK(r.field == c.field);
    CHECK(r.what.find(c.says) != std::string::npos);
    CHECK(r.what.find("hunter2") == std::string::npos);
    CHECK(r.what.find("(in ") != std::string::npos);  // where: the URI, redacted
  }
  CHECK_FALSE(std::filesystem::exists(db));
  CHECK_FALSE(std::filesystem::exists(dir / "x.ndjson"));
  CHECK_FALSE(std::filesystem::exists(dir / "x.csv"));
  // A query value whose key names a secret is never quoted, even when it is the wrong one.
  const refusal secret = refusal_of("memq:?fail=1&api_token=abc123secret");
  CHECK(secret.field == "api_token");
  CHECK(secret.what.find("abc123secret") == std::string::npos);
  CHECK(secret.what.find("api_token=***") != std::string::npos);
}

TEST_CASE("registry: the choice lands on a different composed sink per scheme, format and guarantee") {
  using namespace registry_test;
  const auto dir = test::fresh_dir("registry-alternatives");
  const std::string f = (dir / "a.ndjson").string();
  std::vector<std::size_t> seen;
  for (const std::string& uri : std::vector<std::string>{"file:" + f, "file:" + f + "?format=csv", "file:" + f + "?delivery=at_most_once",
                                "file:" + f + "?delivery=exactly_once", "file:" + dir.string() + "?rotate=true",
                                "sqlite:" + (dir / "a.db").string() + "?table=t", "stdout:", "memq:"}) {
    sale_sinks::sink s(uri);
    for (const std::size_t other : seen) CHECK(other != s.alternative());
    seen.push_back(s.alternative());
    s.visit([](auto& concrete) { CHECK_FALSE(concrete.closed()); });
    s.close();
  }
  // The product the schemes can make, filtered by what composes: no exactly_once on stdout or memq.
  CHECK(sale_sinks::sink_types == 3 /*sqlite*/ + 12 /*file*/ + 4 /*stdout*/ + 2 /*memq*/);
}

TEST_CASE("registry: SINKFORGE_SINKS opens one sink per URI, and names the variable in a refusal") {
  using namespace registry_test;
  const auto dir = test::fresh_dir("registry-env");
  const std::string list = "sqlite:" + (dir / "e.db").string() + "?table=a , file:" + (dir / "e.ndjson").string() +
                           "?csv.delimiter=%2C&format=csv";
  ::setenv("SINKFORGE_TEST_SINKS", list.c_str(), 1);
  {
    auto all = sale_sinks::from_env("SINKFORGE_TEST_SINKS");
    REQUIRE(all.size() == 2);
    for (auto& s : all) {
      s.write(sale(1));
      s.close();
    }
  }
  CHECK(count_rows((dir / "e.db").string(), "a") == 1);
  CHECK(test::slurp(dir / "e.ndjson") == "seq,customer,amount\r\n1,c1,0.25\r\n");
  ::setenv("SINKFORGE_TEST_SINKS", "stdout:,,stdout:", 1);
  try {
    sale_sinks::from_env("SINKFORGE_TEST_SINKS");
    FAIL("an empty entry was accepted");
  } catch (const sf::config_error& e) {
    CHECK(e.field() == "SINKFORGE_TEST_SINKS");
    CHECK(std::string(e.what()).find("entry 2 of the list is empty") != std::string::npos);
  }
  ::unsetenv("SINKFORGE_TEST_SINKS");
  CHECK(sale_sinks::from_env("SINKFORGE_TEST_SINKS").empty());
}
