// The PostgreSQL server the tests use (tests/support/postgres.sh starts one; tests/run.sh passes its
// conninfo in SINKFORGE_TEST_POSTGRES), names no other run uses, and a connection of the test's own
// to look at what the sink wrote.
#pragma once
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>
#include <unistd.h>

namespace pg_test {

inline std::string conninfo() {
  const char* c = std::getenv("SINKFORGE_TEST_POSTGRES");
  REQUIRE_MESSAGE((c && *c),
                  "SINKFORGE_TEST_POSTGRES is not set: start a server with `bash tests/support/postgres.sh start "
                  "/tmp/sinkforge-pg` and export the conninfo it prints (tests/run.sh does both)");
  return c;
}

// A server with max_prepared_transactions = 0 (SINKFORGE_TEST_POSTGRES_NO_2PC).
inline std::string conninfo_without_2pc() {
  const char* c = std::getenv("SINKFORGE_TEST_POSTGRES_NO_2PC");
  REQUIRE_MESSAGE((c && *c), "SINKFORGE_TEST_POSTGRES_NO_2PC is not set (tests/support/postgres.sh prints it)");
  return c;
}

// The value of `key` in the test server's key=value conninfo.
inline std::string conninfo_value(const std::string& key) {
  const std::string c = " " + conninfo();
  const std::size_t at = c.find(" " + key + "=");
  REQUIRE(at != std::string::npos);
  const std::size_t from = at + key.size() + 2;
  return c.substr(from, c.find(' ', from) - from);
}

// The test server as a registry URI, `<scheme>://<user>@host:port/db?password_env=VAR&<query>`,
// with the password in the environment variable VAR.
inline std::string registry_uri(const std::string& query, const std::string& user = conninfo_value("user"),
                                const std::string& scheme = "postgresql") {
  ::setenv("SINKFORGE_TEST_PG_PASSWORD", conninfo_value("password").c_str(), 1);
  return scheme + "://" + user + "@" + conninfo_value("host") + ":" + conninfo_value("port") + "/" +
         conninfo_value("dbname") + "?password_env=SINKFORGE_TEST_PG_PASSWORD&" + query;
}

// A table or sink name of this process alone: the two builds of the suite share one server.
inline std::string unique(std::string_view base) {
  static std::atomic<int> counter{0};
  return std::string(base) + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

// A connection of the test's own: it sees only what is committed.
class client {
 public:
  client() : conn_(PQconnectdb(conninfo().c_str())) {
    REQUIRE_MESSAGE(PQstatus(conn_) == CONNECTION_OK, PQerrorMessage(conn_));
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  }
  client(const client&) = delete;
  client& operator=(const client&) = delete;
  ~client() { PQfinish(conn_); }

  void exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    const std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    REQUIRE_MESSAGE(ok, sql << ": " << msg);
  }
  // Every row of a query, its columns joined with '|' (NULL as "NULL").
  std::vector<std::string> rows(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    std::vector<std::string> out;
    if (ok) {
      for (int i = 0; i < PQntuples(r); ++i) {
        std::string row;
        for (int c = 0; c < PQnfields(r); ++c) {
          if (c) row += '|';
          row += PQgetisnull(r, i, c) ? std::string("NULL") : std::string(PQgetvalue(r, i, c));
        }
        out.push_back(std::move(row));
      }
    }
    const std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    REQUIRE_MESSAGE(ok, sql << ": " << msg);
    return out;
  }
  std::string scalar(const std::string& sql) {
    const auto r = rows(sql);
    REQUIRE_MESSAGE(r.size() == 1, sql);
    return r.front();
  }
  long long count(const std::string& table) { return std::stoll(scalar("SELECT count(*) FROM \"" + table + "\"")); }
  std::vector<long long> ids(const std::string& table) {
    std::vector<long long> out;
    for (const auto& r : rows("SELECT id FROM \"" + table + "\" ORDER BY id")) out.push_back(std::stoll(r));
    return out;
  }
  PGconn* handle() const noexcept { return conn_; }

 private:
  PGconn* conn_;
};

inline std::vector<long long> sequence(long long first, long long end) {
  std::vector<long long> v;
  for (long long i = first; i < end; ++i) v.push_back(i);
  return v;
}

}  // namespace pg_test
