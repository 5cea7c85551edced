// deliver::exactly_once on postgres::table: a checkpoint's batches are one prepared transaction
// ('sinkforge:<sink>:<id>') committed by commit_checkpoint; sf::restore commits what the stored
// state names and rolls back the rest; a driver killed anywhere ends with every record once; what a
// dead driver left prepared can be listed and resolved by hand.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <sinkforge/checkpoint/file_store.hpp>
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/postgres.hpp>
#include <sinkforge/transport/postgres_in_doubt.hpp>

#include "transport/checkpoint_driver.hpp"
#include "transport/postgres_support.hpp"
#include "transport/support.hpp"

namespace sf = sinkforge;
namespace fs = std::filesystem;

namespace eo_pg_test {
struct Item {
  BOOST_HANA_DEFINE_STRUCT(Item, (std::int64_t, id), (std::string, pad));
};
inline Item item(std::int64_t id) { return Item{id, std::string(30, 'p')}; }

inline auto table_sink(const std::string& name, sf::checkpoint::restored_state restore) {
  return sf::make_sink<Item>(sf::postgres::table{.conninfo = pg_test::conninfo(), .name = name},
                             sf::deliver::exactly_once, sf::batch::max_records{7}, std::move(restore));
}

inline std::vector<std::string> prepared(pg_test::client& c, const std::string& sink) {
  return c.rows("SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, 'sinkforge:" + sink + ":') ORDER BY gid");
}

constexpr std::int64_t per_checkpoint = 25;

inline void drive(const std::string& name, const fs::path& store_path, std::int64_t records) {
  sf::checkpoint::file_store store(store_path);
  auto sink = table_sink(name, sf::restore(store.load()));
  test::drive_checkpoints(sink, store, records, per_checkpoint, [&](std::int64_t i) { sink.write(item(i)); });
}
}  // namespace eo_pg_test

TEST_CASE("exactly_once postgres::table: prepared, invisible, then committed; restore decides what was left") {
  using namespace eo_pg_test;
  const std::string name = pg_test::unique("eo");
  pg_test::client c;
  sf::writer_state stored;
  {
    auto sink = table_sink(name, sf::restore(std::nullopt));
    CHECK(!sink.resume_point());
    for (std::int64_t i = 0; i < 20; ++i) sink.write(item(i));
    CHECK(c.count(name) == 0);  // two batches sent into the open transaction
    stored = sink.prepare_checkpoint(1, "offset=20");
    CHECK(stored.sink == "postgres:" + name);
    CHECK(stored.committables == std::vector<std::string>{"1"});
    CHECK(prepared(c, name) == std::vector<std::string>{"sinkforge:" + name + ":1"});
    CHECK(c.count(name) == 0);  // prepared: durable, not visible
    sink.commit_checkpoint(1);
    CHECK(c.ids(name) == pg_test::sequence(0, 20));
    CHECK(prepared(c, name).empty());
    sink.commit_checkpoint(1);  // again: harmless

    for (std::int64_t i = 20; i < 25; ++i) sink.write(item(i));
    stored = sink.prepare_checkpoint(2, "offset=25");  // stored by the caller, then a crash
    for (std::int64_t i = 25; i < 30; ++i) sink.write(item(i));
    sink.prepare_checkpoint(3, "offset=30");  // prepared, never stored
    for (std::int64_t i = 30; i < 33; ++i) sink.write(item(i));
  }  // destroyed without close(): the open transaction is rolled back; 2 and 3 stay prepared
  CHECK(prepared(c, name) == std::vector<std::string>{"sinkforge:" + name + ":2", "sinkforge:" + name + ":3"});
  CHECK(c.count(name) == 20);

  SUBCASE("without sf::restore the staged checkpoints stop the sink, and nothing is touched") {
    CHECK_THROWS_WITH_AS(sf::make_sink<Item>(sf::postgres::table{.conninfo = pg_test::conninfo(), .name = name},
                                             sf::deliver::exactly_once),
                         doctest::Contains("found staged transaction(s) 2, 3"), sf::config_error);
    CHECK(prepared(c, name).size() == 2);
    // Left prepared, they would hold back every logical slot created on the server.
    c.exec("ROLLBACK PREPARED 'sinkforge:" + name + ":2'");
    c.exec("ROLLBACK PREPARED 'sinkforge:" + name + ":3'");
  }
  SUBCASE("restore commits the stored checkpoint 2, rolls back 3, and resumes after 2") {
    auto sink = table_sink(name, sf::restore(sf::checkpoint::stored_checkpoint{2, "offset=25", {sf::checkpoint::encode(stored)}}));
    REQUIRE(sink.resume_point());
    CHECK(sink.resume_point()->id == 2);
    CHECK(sink.resume_point()->source_position == "offset=25");
    CHECK(c.ids(name) == pg_test::sequence(0, 25));
    CHECK(prepared(c, name).empty());
    CHECK_THROWS_AS(sink.prepare_checkpoint(2, "again"), std::invalid_argument);  // ids only increase
    for (std::int64_t i = 25; i < 40; ++i) sink.write(item(i));
    sink.close("offset=40");
    CHECK(c.ids(name) == pg_test::sequence(0, 40));
  }
}

TEST_CASE("exactly_once postgres::table: a store that lost its last save resumes from the table's own row") {
  using namespace eo_pg_test;
  const std::string name = pg_test::unique("eo_behind");
  pg_test::client c;
  sf::writer_state first;
  {
    auto sink = table_sink(name, sf::restore(std::nullopt));
    for (std::int64_t i = 0; i < 10; ++i) sink.write(item(i));
    first = sink.prepare_checkpoint(1, "10");
    sink.commit_checkpoint(1);
    for (std::int64_t i = 10; i < 20; ++i) sink.write(item(i));
    sink.prepare_checkpoint(2, "20");
    sink.commit_checkpoint(2);  // committed, but the store's save of 2 was lost
  }
  auto sink = table_sink(name, sf::restore(sf::checkpoint::stored_checkpoint{1, "10", {sf::checkpoint::encode(first)}}));
  REQUIRE(sink.resume_point());
  CHECK(sink.resume_point()->id == 2);
  CHECK(sink.resume_point()->source_position == "20");
  CHECK(c.ids(name) == pg_test::sequence(0, 20));
}

TEST_CASE("exactly_once postgres::table: a row the server refuses is undone alone; the checkpoint goes on") {
  using namespace eo_pg_test;
  const std::string name = pg_test::unique("eo_refused");
  pg_test::client c;
  c.exec("CREATE TABLE \"" + name + "\" (id bigint PRIMARY KEY CHECK (id <> 13), pad text NOT NULL)");
  std::vector<sf::failed_record> dead;
  {
    auto sink = sf::make_sink<Item>(
        sf::postgres::table{.conninfo = pg_test::conninfo(), .name = name}, sf::deliver::exactly_once,
        sf::batch::max_records{7}, sf::restore(std::nullopt),
        sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) { dead.insert(dead.end(), r.begin(), r.end()); }));
    for (std::int64_t i = 0; i < 30; ++i) sink.write(item(i));
    sink.prepare_checkpoint(1, "30");
    sink.commit_checkpoint(1);
    sink.close("30");
  }
  std::vector<long long> want = pg_test::sequence(0, 30);
  want.erase(want.begin() + 13);
  CHECK(c.ids(name) == want);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].reason.find("check constraint") != std::string::npos);
}

TEST_CASE("exactly_once postgres::table: a connection lost inside a checkpoint aborts it; the sink refuses more") {
  using namespace eo_pg_test;
  const std::string name = pg_test::unique("eo_lost");
  pg_test::client c;
  auto sink = sf::make_sink<Item>(
      sf::postgres::table{.conninfo = pg_test::conninfo() + " application_name=" + name, .name = name},
      sf::deliver::exactly_once, sf::batch::max_records{5}, sf::restore(std::nullopt),
      sf::retry::fixed{.max_attempts = 2, .delay = std::chrono::milliseconds{1}});
  for (std::int64_t i = 0; i < 5; ++i) sink.write(item(i));
  CHECK(c.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + name +
                 "'") == "1");
  CHECK_THROWS(([&] {
    for (std::int64_t i = 5; i < 10; ++i) sink.write(item(i));
    sink.prepare_checkpoint(1, "10");
  }()));
  CHECK_THROWS_WITH_AS(sink.write(item(11)), doctest::Contains("restore"), std::logic_error);
  CHECK(c.count(name) == 0);
}

TEST_CASE("exactly_once postgres::table: a connection lost between checkpoints costs a retry, not the sink") {
  using namespace eo_pg_test;
  const std::string name = pg_test::unique("eo_between");
  pg_test::client c;
  auto sink = sf::make_sink<Item>(
      sf::postgres::table{.conninfo = pg_test::conninfo() + " application_name=" + name, .name = name},
      sf::deliver::exactly_once, sf::batch::max_records{5}, sf::restore(std::nullopt),
      sf::retry::fixed{.max_attempts = 3, .delay = std::chrono::milliseconds{1}});
  for (std::int64_t i = 0; i < 5; ++i) sink.write(item(i));
  sink.prepare_checkpoint(1, "5");
  sink.commit_checkpoint(1);
  CHECK(c.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + name +
                 "'") == "1");
  for (std::int64_t i = 5; i < 15; ++i) sink.write(item(i));  // the first batch finds the link gone
  sink.prepare_checkpoint(2, "15");
  sink.commit_checkpoint(2);
  sink.close("15");
  CHECK(c.ids(name) == pg_test::sequence(0, 15));
}

TEST_CASE("exactly_once postgres::table: a server without prepared transactions is refused at construction") {
  using namespace eo_pg_test;
  CHECK_THROWS_WITH_AS(sf::make_sink<Item>(sf::postgres::table{.conninfo = pg_test::conninfo_without_2pc(),
                                                               .name = pg_test::unique("no2pc")},
                                           sf::deliver::exactly_once, sf::restore(std::nullopt)),
                       doctest::Contains("max_prepared_transactions = 0"), sf::config_error);
  CHECK_THROWS_WITH_AS(sf::make_sink<Item>(sf::postgres::table{.conninfo = pg_test::conninfo(), .name = "a b"},
                                           sf::deliver::exactly_once, sf::restore(std::nullopt)),
                       doctest::Contains("set sink_name"), sf::config_error);
}

TEST_CASE("postgres::in_doubt lists what a dead sink left prepared, with its age; resolve commits or rolls back") {
  using namespace eo_pg_test;
  const std::string name = pg_test::unique("in_doubt");
  pg_test::client c;
  {
    auto sink = table_sink(name, sf::restore(std::nullopt));
    for (std::int64_t i = 0; i < 10; ++i) sink.write(item(i));
    sink.prepare_checkpoint(1, "10");
    for (std::int64_t i = 10; i < 20; ++i) sink.write(item(i));
    sink.prepare_checkpoint(2, "20");
  }
  const auto found = sf::postgres::in_doubt(pg_test::conninfo(), name);
  REQUIRE(found.size() == 2);
  CHECK(found[0].transaction == "sinkforge:" + name + ":1");
  CHECK(found[0].checkpoint == 1);
  CHECK(found[1].checkpoint == 2);
  CHECK(found[0].age.count() >= 0);
  CHECK(found[0].owner == "sinkforge");
  CHECK(sf::postgres::in_doubt(pg_test::conninfo(), name + "_other").empty());

  sf::postgres::resolve_in_doubt(pg_test::conninfo(), name, 1, sf::postgres::decision::commit);
  sf::postgres::resolve_in_doubt(pg_test::conninfo(), name, 2, sf::postgres::decision::abort);
  CHECK(c.ids(name) == pg_test::sequence(0, 10));
  CHECK(sf::postgres::in_doubt(pg_test::conninfo(), name).empty());
  CHECK_THROWS_AS(sf::postgres::resolve_in_doubt(pg_test::conninfo(), name, 2, sf::postgres::decision::commit),
                  std::invalid_argument);
}

TEST_CASE("exactly_once postgres::table: SIGKILL anywhere, restart, every record exactly once") {
  using namespace eo_pg_test;
  const std::string name = pg_test::unique("eo_sigkill");
  const fs::path dir = test::fresh_dir(name);
  const fs::path store_path = dir / "checkpoint";
  pg_test::client c;
  std::mt19937 rng(20261130);
  const int kills = test::crash_kills(50);
  int killed = 0;
  int killed_while_prepared = 0;  // between PREPARE TRANSACTION and COMMIT PREPARED
  std::int64_t resume = 0;
  // On a host slow enough that the lives got nowhere, more of them, and longer (see test::crash_round).
  int round = 0;
  for (; test::crash_round(round, kills, resume > 10 * eo_pg_test::per_checkpoint); ++round) {
    // From 1 ms: some kills land inside the restore at the start of a life.
    killed += test::kill_life_after(test::crash_delay_us(rng, 1000, 60000, round, kills),
                                    [&] { eo_pg_test::drive(name, store_path, 1'000'000); });
    killed_while_prepared += !prepared(c, name).empty();
    // A restart's view: the table holds exactly the records before the position it resumes from.
    auto recovered = table_sink(name, sf::restore(sf::checkpoint::file_store(store_path).load()));
    resume = recovered.resume_point() ? std::stoll(recovered.resume_point()->source_position) : 0;
    REQUIRE_MESSAGE(c.ids(name) == pg_test::sequence(0, resume), "after kill " << round);
    REQUIRE(prepared(c, name).empty());
  }
  eo_pg_test::drive(name, store_path, resume + 100);
  CHECK(c.ids(name) == pg_test::sequence(0, resume + 100));
  CHECK(killed == round);
  CHECK(resume > 10 * eo_pg_test::per_checkpoint);
  CHECK(killed_while_prepared > 0);
  MESSAGE("kills: " << killed << ", with a checkpoint prepared and not committed: " << killed_while_prepared
                    << ", records committed before the last life: " << resume);
}
