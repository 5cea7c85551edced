// The postgresql: scheme against the test server: a URI's parts become libpq's, the password comes
// from the variable password_env names (quoted whatever it holds) and never shows in a message,
// libpq's own keys pass through, and exactly_once resumes from the position the database recorded.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/registry/schemes/postgres.hpp>
#include <sinkforge/registry/sinks.hpp>

#include "transport/postgres_support.hpp"

namespace registry_pg_test {
namespace sf = sinkforge;

struct Visit {
  BOOST_HANA_DEFINE_STRUCT(Visit, (std::int64_t, seq), (std::string, page));
};
using visit_sinks = sf::registry::sinks<Visit, sf::schemes::postgres>;

using pg_test::conninfo_value;
inline std::string uri(const std::string& query, const std::string& user = conninfo_value("user"),
                       const std::string& scheme = "postgresql") {
  return pg_test::registry_uri(query, user, scheme);
}

inline std::string refusal(const std::string& u) {
  try {
    visit_sinks::open(u);
  } catch (const sf::config_error& e) {
    return std::string(e.field()) + " | " + e.what();
  }
  return {};
}
}  // namespace registry_pg_test

TEST_CASE("registry: postgresql:// writes rows, and postgres:// is the same scheme") {
  using namespace registry_pg_test;
  pg_test::client pg;
  const std::string table = pg_test::unique("reg_visits");
  for (const std::string scheme : {"postgresql", "postgres"}) {
    auto s = visit_sinks::open(uri("table=" + table + "&batch.max_records=1000", conninfo_value("user"), scheme));
    CHECK(s.scheme() == "postgresql");
    for (int i = 0; i < 2500; ++i) s.write(Visit{i, "/p" + std::to_string(i % 10)});
    s.close();
  }
  CHECK(pg.scalar("SELECT count(*) || '|' || count(DISTINCT seq) FROM " + table) == "5000|2500");
  pg.exec("DROP TABLE " + table);
}

TEST_CASE("registry: postgresql:// batches 10,000 rows unless the URI says (its preferred batch)") {
  using namespace registry_pg_test;
  pg_test::client pg;
  const std::string table = pg_test::unique("reg_batches");
  for (const auto& [query, batches] : {std::pair<std::string, std::uint64_t>{"", 3}, {"&batch.max_records=500", 50}}) {
    auto s = visit_sinks::open(uri("table=" + table + query));
    for (int i = 0; i < 25'000; ++i) s.write(Visit{i, "/p"});
    s.close();
    CHECK(s.counters().values().batches == batches);
  }
  CHECK(pg.scalar("SELECT count(*) FROM " + table) == "50000");
  pg.exec("DROP TABLE " + table);
}

TEST_CASE("registry: delivery=exactly_once on postgresql:// resumes from the database's own record") {
  using namespace registry_pg_test;
  pg_test::client pg;
  const std::string table = pg_test::unique("reg_eo");
  const std::string u = uri("table=" + table + "&delivery=exactly_once");
  {
    auto s = visit_sinks::open(u);
    CHECK_FALSE(s.resume_position());
    for (int i = 0; i < 100; ++i) s.write(Visit{i, "/a"});
    s.checkpoint("100");
    for (int i = 100; i < 150; ++i) s.write(Visit{i, "/b"});
    s.flush();
  }  // not committed: gone
  CHECK(pg.scalar("SELECT count(*) FROM " + table) == "100");
  {
    auto s = visit_sinks::open(u);
    REQUIRE(s.resume_position());
    CHECK(*s.resume_position() == "100");
    for (int i = 100; i < 150; ++i) s.write(Visit{i, "/b"});
    s.checkpoint("150");
    s.close();
  }
  CHECK(pg.scalar("SELECT count(*) || '|' || count(DISTINCT seq) FROM " + table) == "150|150");
  pg.exec("DROP TABLE " + table);
}

TEST_CASE("registry: a password with quotes, backslashes and spaces reaches libpq whole, and never a message") {
  using namespace registry_pg_test;
  pg_test::client pg;
  const std::string role = pg_test::unique("reg_role");
  const std::string password = R"(a b'c\d"e)";
  pg.exec("CREATE ROLE " + role + " LOGIN PASSWORD 'a b''c\\d\"e'");
  pg.exec("GRANT CREATE ON SCHEMA public TO " + role);
  const std::string table = pg_test::unique("reg_quoted");
  {
    ::setenv("SINKFORGE_REGISTRY_ROLE_PASSWORD", password.c_str(), 1);
    const std::string base = "postgresql://" + role + "@" + conninfo_value("host") + ":" + conninfo_value("port") + "/" +
                             conninfo_value("dbname") + "?table=" + table;
    auto s = visit_sinks::open(base + "&password_env=SINKFORGE_REGISTRY_ROLE_PASSWORD");
    s.write(Visit{1, "/q"});
    s.close();
    // The wrong password: the connection is refused, and neither password is in the message.
    ::setenv("SINKFORGE_REGISTRY_ROLE_PASSWORD", "wrong-Pa55word", 1);
    const std::string r = refusal(base + "&password_env=SINKFORGE_REGISTRY_ROLE_PASSWORD");
    CHECK(r.find("postgres::table.conninfo") != std::string::npos);
    CHECK(r.find("wrong-Pa55word") == std::string::npos);
    CHECK(r.find("c\\d") == std::string::npos);
    // In the URI itself (percent-encoded), it is accepted from a configuration and shown as ***.
    const std::string in_uri = "postgresql://" + role + ":a%20b'c%5Cd%22e@" + conninfo_value("host") + ":" +
                               conninfo_value("port") + "/" + conninfo_value("dbname") + "?table=" + table;
    auto t = visit_sinks::open(in_uri);
    CHECK(t.target().find(":***@") != std::string::npos);
    t.write(Visit{2, "/r"});
    t.close();
    CHECK(refusal(in_uri + "&password_env=SINKFORGE_REGISTRY_ROLE_PASSWORD").find("password_env | ") == 0);
  }
  CHECK(pg.scalar("SELECT string_agg(page, ',' ORDER BY seq) FROM " + table) == "/q,/r");
  pg.exec("DROP TABLE " + table);
  pg.exec("DROP OWNED BY " + role);
  pg.exec("DROP ROLE " + role);
}

TEST_CASE("registry: postgresql:// keys: libpq's pass through, a wrong one is refused before connecting") {
  using namespace registry_pg_test;
  const std::string table = pg_test::unique("reg_keys");
  // The test server has no TLS: sslmode=require reaches libpq, which refuses.
  CHECK(refusal(uri("table=" + table + "&sslmode=require")).find("SSL") != std::string::npos);
  ::unsetenv("SINKFORGE_REGISTRY_UNSET");
  const std::string base = "postgresql://u@127.0.0.1:1/db?table=t";
  CHECK(refusal(base + "&password_env=SINKFORGE_REGISTRY_UNSET") ==
        "password_env | sinkforge: invalid configuration: password_env: the environment variable "
        "SINKFORGE_REGISTRY_UNSET is not set (in postgresql://u@127.0.0.1:1/db?table=t&password_env=SINKFORGE_REGISTRY_UNSET)");
  CHECK(refusal(base + "&sslmod=require").find("sslmod | ") == 0);
  CHECK(refusal(base + "&sslmod=require").find("did you mean 'sslmode'?") != std::string::npos);
  CHECK(refusal("postgresql://u@127.0.0.1:1/db").find("table | ") == 0);
  CHECK(refusal("postgresql://u@127.0.0.1:1/a/b?table=t").find("uri.path | ") == 0);
  CHECK(refusal("postgresql:db?table=t").find("uri | ") == 0);
  CHECK(refusal(base + "&lock_timeout=0").find("lock_timeout | sinkforge: invalid configuration: lock_timeout: '0' is not a duration of at least 1ms") == 0);
}
