// Follows a live PostgreSQL table into SQLite or into another PostgreSQL database: the table's rows
// first (from the replication slot's snapshot), then every insert, update and delete as it
// commits. Stopped and started again, it goes on from the position the target committed; nothing
// is applied twice.
//
//   postgres_cdc sqlite replica.db [--table NAME] [--idle SECONDS]
//   postgres_cdc postgres [--table NAME] [--idle SECONDS]   the target's conninfo in SINKFORGE_POSTGRES_TARGET
//
// The source is SINKFORGE_POSTGRES (or libpq's PG* variables; the password never on the command
// line), its table NAME (default `accounts`): (id bigint PRIMARY KEY, owner text NOT NULL, balance
// double precision). The target table is NAME (SQLite) or NAME_replica (PostgreSQL), created when
// missing; each target reads through a replication slot of its own, sinkforge_NAME_sqlite or
// sinkforge_NAME_postgres. Without --idle it runs until SIGINT or SIGTERM; with it, it stops once
// no change has come for that many seconds.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/cdc/apply.hpp>
#include <sinkforge/cdc/follow.hpp>
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/source/postgres_changes.hpp>
#include <sinkforge/transport/postgres.hpp>
#include <sinkforge/transport/sqlite.hpp>

namespace sf = sinkforge;

struct Account {
  BOOST_HANA_DEFINE_STRUCT(Account, (std::int64_t, id), (std::string, owner), (std::optional<double>, balance));
};

namespace {
std::atomic<bool> stop_requested{false};

template <class Target>
int follow(const Target& target, const std::string& source_conninfo, const std::string& table, const char* kind,
           double idle_seconds) {
  sf::postgres::change_source<Account> source(
      {.conninfo = source_conninfo, .table = table, .slot = "sinkforge_" + table + "_" + kind}, target.cdc_position());
  auto sink = sf::make_sink<sf::cdc::change<Account>>(target, sf::cdc::apply<&Account::id>,
                                                      sf::batch::max_records{5000});
  auto last_change = std::chrono::steady_clock::now();
  const std::size_t moved = sf::cdc::follow(
      source, sink, [&] { return target.cdc_position(); },
      [&](std::size_t polled) {
        const auto now = std::chrono::steady_clock::now();
        if (polled > 0) last_change = now;
        return stop_requested.load() ||
               (idle_seconds > 0 && now - last_change > std::chrono::duration<double>(idle_seconds));
      });
  sink.close();
  std::printf("applied up to %s; %zu changes this run\n", sf::postgres::detail::format_lsn(target.cdc_position()).c_str(),
              moved);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || (std::strcmp(argv[1], "sqlite") == 0 && argc < 3)) {
    std::fprintf(stderr, "usage: %s sqlite FILE [--idle SECONDS] | %s postgres [--idle SECONDS]\n", argv[0], argv[0]);
    return 2;
  }
  double idle = 0;
  std::string table = "accounts";
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--idle") == 0) idle = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--table") == 0) table = argv[i + 1];
  }
  std::signal(SIGINT, [](int) { stop_requested = true; });
  std::signal(SIGTERM, [](int) { stop_requested = true; });
  const char* source = std::getenv("SINKFORGE_POSTGRES");
  try {
    if (std::strcmp(argv[1], "sqlite") == 0)
      return follow(sf::sqlite::table{.path = argv[2], .name = table}, source ? source : "", table, "sqlite", idle);
    const char* target = std::getenv("SINKFORGE_POSTGRES_TARGET");
    return follow(sf::postgres::table{.conninfo = target ? target : (source ? source : ""), .name = table + "_replica"},
                  source ? source : "", table, "postgres", idle);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "postgres_cdc: %s\n", e.what());
    return 1;
  }
}
