// postgres::table while its server crashes and comes back: at-least-once loses nothing, and
// exactly-once, driven as docs/delivery-guarantees.md shows, loses and duplicates nothing. Each
// test starts a server of its own (tests/support/postgres.sh, path in SINKFORGE_POSTGRES_SCRIPT),
// since the suite's shared one serves other tests meanwhile.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <sinkforge/checkpoint/file_store.hpp>
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/postgres.hpp>

#include "transport/checkpoint_driver.hpp"
#include "transport/postgres_support.hpp"
#include "transport/support.hpp"

namespace sf = sinkforge;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace pg_fault_test {
struct Item {
  BOOST_HANA_DEFINE_STRUCT(Item, (std::int64_t, id), (std::string, pad));
};
inline Item item(std::int64_t id) { return Item{id, std::string(20, 'p')}; }

// A server of the test's own, stopped and deleted with this object.
class private_server {
 public:
  explicit private_server(const std::string& name) {
    const char* script = std::getenv("SINKFORGE_POSTGRES_SCRIPT");
    REQUIRE_MESSAGE((script && *script), "SINKFORGE_POSTGRES_SCRIPT is not set (tests/CMakeLists.txt sets it)");
    script_ = script;
    // Directly under /tmp: the server runs as `postgres`, which must reach its folder, and a build
    // tree may sit below a home directory no other user can enter.
    dir_ = "/tmp/sinkforge-" + name + "-" + std::to_string(::getpid());
    run("stop");  // a crashed run's
    // Durable: with synchronous_commit off, a crash may lose commits the server acknowledged.
    REQUIRE(std::system(("SINKFORGE_PG_SINGLE=1 SINKFORGE_PG_DURABLE=1 bash '" + script_ + "' start '" + dir_ +
                         "' >/dev/null")
                            .c_str()) == 0);
    std::ifstream env(dir_ + "/env");
    std::string line;
    std::getline(env, line);
    const auto a = line.find('\''), b = line.rfind('\'');
    REQUIRE((a != std::string::npos && b > a));
    conninfo_ = line.substr(a + 1, b - a - 1);
  }
  private_server(const private_server&) = delete;
  private_server& operator=(const private_server&) = delete;
  ~private_server() { run("stop"); }

  const std::string& conninfo() const noexcept { return conninfo_; }
  void crash() const { REQUIRE(run("crash") == 0); }
  // In a child process: the caller goes on writing while the server is down and comes back.
  pid_t resume_after(std::chrono::milliseconds delay) const {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::usleep(static_cast<useconds_t>(delay.count() * 1000));
      ::_exit(run("resume") == 0 ? 0 : 1);
    }
    return pid;
  }

 private:
  int run(const char* what) const {
    return std::system(("bash '" + script_ + "' " + what + " '" + dir_ + "' >/dev/null 2>&1").c_str());
  }
  std::string script_, dir_, conninfo_;
};

inline bool child_succeeded(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The ids in `table`, read by a connection of its own.
inline std::vector<long long> ids(const std::string& conninfo, const std::string& table) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  REQUIRE(PQstatus(c) == CONNECTION_OK);
  PGresult* r = PQexec(c, ("SELECT id FROM \"" + table + "\" ORDER BY id").c_str());
  REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
  std::vector<long long> out;
  for (int i = 0; i < PQntuples(r); ++i) out.push_back(std::atoll(PQgetvalue(r, i, 0)));
  PQclear(r);
  PQfinish(c);
  return out;
}
}  // namespace pg_fault_test

TEST_CASE("postgres::table at-least-once: the server crashes mid-run and comes back; nothing is lost") {
  using namespace pg_fault_test;
  private_server server("pg-crash-alo");
  std::vector<sf::failed_record> dead;
  {
    auto sink = sf::make_sink<Item>(
        sf::postgres::table{.conninfo = server.conninfo(), .name = "items"}, sf::batch::max_records{100},
        sf::retry::exponential{.max_attempts = 60, .initial = 20ms, .cap = 200ms},
        sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) { dead.insert(dead.end(), r.begin(), r.end()); }));
    for (std::int64_t i = 0; i < 1000; ++i) sink.write(item(i));
    sink.flush();
    server.crash();
    const pid_t back = server.resume_after(700ms);
    for (std::int64_t i = 1000; i < 2000; ++i) sink.write(item(i));  // sent while the server is down
    sink.close();
    CHECK(child_succeeded(back));
  }
  CHECK(dead.empty());
  const auto got = ids(server.conninfo(), "items");
  const std::set<long long> distinct(got.begin(), got.end());
  std::vector<long long> missing;
  for (long long i = 0; i < 2000; ++i)
    if (!distinct.count(i)) missing.push_back(i);
  CHECK_MESSAGE(missing.empty(), missing.size() << " missing, the first " << (missing.empty() ? -1 : missing.front()));
}

TEST_CASE("postgres::table exactly-once: the server crashes mid-run and comes back; nothing lost, nothing twice") {
  using namespace pg_fault_test;
  private_server server("pg-crash-eo");
  const fs::path dir = test::fresh_dir("pg-crash-eo-store");
  const fs::path store_path = dir / "checkpoint";
  constexpr std::int64_t records = 3000, per_checkpoint = 50;
  pid_t back = -1;
  int lives = 0;
  bool done = false;
  while (!done) {
    ++lives;
    REQUIRE(lives < 50);
    try {
      sf::checkpoint::file_store store(store_path);
      auto sink = sf::make_sink<Item>(sf::postgres::table{.conninfo = server.conninfo(), .name = "items"},
                                      sf::deliver::exactly_once, sf::batch::max_records{20},
                                      sf::retry::fixed{.max_attempts = 2, .delay = 5ms}, sf::restore(store.load()));
      test::drive_checkpoints(
          sink, store, records, per_checkpoint, [&](std::int64_t i) { sink.write(item(i)); },
          [&](std::int64_t position) {
            if (position == 1500 && back < 0) {  // the crash, once, with work still to do
              server.crash();
              back = server.resume_after(500ms);
            }
          });
      done = true;
    } catch (const std::exception& e) {
      MESSAGE("life " << lives << " ended: " << std::string(e.what()));
      std::this_thread::sleep_for(100ms);  // the server may still be down: try again
    }
  }
  REQUIRE(back > 0);
  CHECK(child_succeeded(back));
  CHECK(lives >= 2);
  CHECK(ids(server.conninfo(), "items") == pg_test::sequence(0, records));
}
