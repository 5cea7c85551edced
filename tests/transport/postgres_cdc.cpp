// cdc::apply on postgres::table, against the test server: a change stream applied in batches of
// any size leaves the table that applying each change in order leaves; a source transaction is
// never half applied; a replay from any earlier position changes nothing; refused rows are
// reported and the rest applies; under exactly_once the position commits with the checkpoint; a
// writer killed anywhere and restarted from the table's position ends equal to the source.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include <sinkforge/cdc/apply.hpp>
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/postgres.hpp>

#include "transport/cdc_stream.hpp"
#include "transport/postgres_support.hpp"
#include "transport/support.hpp"

namespace sf = sinkforge;

namespace pg_cdc_test {
using cdc_stream::Account;
using C = sf::cdc::change<Account>;

inline cdc_stream::table read_table(pg_test::client& db, const std::string& table, const char* where = "") {
  cdc_stream::table out;
  for (const auto& row : db.rows("SELECT id, owner, balance FROM \"" + table + "\" " + where)) {
    const auto a = row.find('|'), b = row.rfind('|');
    cdc_stream::reference_row r{row.substr(a + 1, b - a - 1), std::nullopt};
    if (row.substr(b + 1) != "NULL") r.balance = std::stod(row.substr(b + 1));
    out[std::stoll(row.substr(0, a))] = r;
  }
  return out;
}

inline sf::postgres::table accounts(const std::string& table) {
  return sf::postgres::table{.conninfo = pg_test::conninfo(), .name = table};
}

inline void apply_range(const std::string& table, const std::vector<C>& changes, std::size_t from, std::size_t to,
                        std::size_t batch) {
  auto sink = sf::make_sink<C>(accounts(table), sf::cdc::apply<&Account::id>, sf::batch::max_records{batch});
  for (std::size_t i = from; i < to; ++i) sink.write(changes[i]);
  sink.close();
}
}  // namespace pg_cdc_test

TEST_CASE("cdc::apply postgres: any batch size leaves the table that applying each change in order leaves") {
  using namespace pg_cdc_test;
  pg_test::client db;
  const auto changes = cdc_stream::stream(20261130, 400);
  cdc_stream::table expected;
  cdc_stream::apply_one_by_one(expected, changes);
  for (const std::size_t batch : {1u, 3u, 64u, 5000u}) {
    const std::string table = pg_test::unique("cdc_batches");
    apply_range(table, changes, 0, changes.size(), batch);
    REQUIRE_MESSAGE(read_table(db, table) == expected, "batches of " << batch);
    CHECK(accounts(table).cdc_position() == changes.back().at);
  }
  // The key is the primary key of the table the sink created, and the staging table is empty.
  const std::string table = pg_test::unique("cdc_pk");
  apply_range(table, changes, 0, 20, 5);
  CHECK(db.scalar("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = "
                  "i.indkey[0] WHERE i.indrelid = '\"" + table + "\"'::regclass AND i.indisprimary") == "id");
  CHECK(db.scalar("SELECT count(*) FROM \"sinkforge_stage_" + table + "\"") == "0");
}

TEST_CASE("cdc::apply postgres: order within a batch holds, and a replay from any earlier position changes nothing") {
  using namespace pg_cdc_test;
  pg_test::client db;
  {
    const std::string table = pg_test::unique("cdc_order");
    const std::vector<C> changes{
        {sf::cdc::op::insert, 10, std::nullopt, Account{1, "a", 1.0}},
        {sf::cdc::op::insert, 11, std::nullopt, Account{2, "b", 2.0}},
        {sf::cdc::op::update, 12, Account{1, "a", 1.0}, Account{1, "a2", 1.5}},
        {sf::cdc::op::remove, 13, Account{1, {}, {}}},
        {sf::cdc::op::remove, 14, Account{2, {}, {}}},
        {sf::cdc::op::insert, 15, std::nullopt, Account{2, "b again", std::nullopt}},
        {sf::cdc::op::update, 16, Account{2, "b again", std::nullopt}, Account{3, "moved", 3.0}},
    };
    apply_range(table, changes, 0, changes.size(), 100);
    CHECK(db.rows("SELECT id, owner, balance FROM \"" + table + "\" ORDER BY id") ==
          std::vector<std::string>{"3|moved|3"});
  }
  const auto changes = cdc_stream::stream(7, 200);
  cdc_stream::table expected;
  cdc_stream::apply_one_by_one(expected, changes);
  std::mt19937 rng(5);
  for (int round = 0; round < 4; ++round) {
    const std::string table = pg_test::unique("cdc_replay");
    const std::size_t cut = rng() % changes.size();
    apply_range(table, changes, 0, cut, 1 + rng() % 20);
    const std::size_t back = rng() % (cut + 1);
    apply_range(table, changes, back, changes.size(), 1 + rng() % 20);
    REQUIRE_MESSAGE(read_table(db, table) == expected, "round " << round << ": cut " << cut << ", replay from " << back);
  }
}

TEST_CASE("cdc::apply postgres: a source transaction split across batches becomes visible whole, at its commit") {
  using namespace pg_cdc_test;
  pg_test::client db;
  const std::string table = pg_test::unique("cdc_txn");
  auto sink = sf::make_sink<C>(accounts(table), sf::cdc::apply<&Account::id>, sf::batch::max_records{2});
  sink.write(C{sf::cdc::op::insert, 5, std::nullopt, Account{9, "outside", 0.0}});
  sink.write(C{sf::cdc::op::heartbeat, 6});
  CHECK(db.count(table) == 1);
  sink.write(C{sf::cdc::op::begin, 10});
  sink.write(C{sf::cdc::op::insert, 11, std::nullopt, Account{1, "a", 1.0}});
  sink.write(C{sf::cdc::op::insert, 12, std::nullopt, Account{2, "b", 2.0}});
  sink.write(C{sf::cdc::op::insert, 13, std::nullopt, Account{3, "c", 3.0}});
  CHECK(db.count(table) == 1);
  CHECK(accounts(table).cdc_position() == 6);
  sink.write(C{sf::cdc::op::commit, 14});
  sink.write(C{sf::cdc::op::heartbeat, 15});
  CHECK(db.count(table) == 4);
  CHECK(accounts(table).cdc_position() == 15);
  sink.close();
}

TEST_CASE("cdc::apply postgres: soft delete and audit columns") {
  using namespace pg_cdc_test;
  pg_test::client db;
  const std::string table = pg_test::unique("cdc_audit");
  {
    auto sink = sf::make_sink<C>(accounts(table),
                                 sf::cdc::apply<&Account::id, sf::cdc::options::soft_delete | sf::cdc::options::audit>,
                                 sf::batch::max_records{2});
    sink.write(C{sf::cdc::op::insert, 10, std::nullopt, Account{1, "a", 1.0}});
    sink.write(C{sf::cdc::op::insert, 11, std::nullopt, Account{2, "b", 2.0}});
    sink.write(C{sf::cdc::op::update, 12, Account{1, "a", 1.0}, Account{1, "a2", 1.5}});
    sink.write(C{sf::cdc::op::remove, 13, Account{2, {}, {}}});
    sink.write(C{sf::cdc::op::remove, 14, Account{1, {}, {}}});
    sink.write(C{sf::cdc::op::insert, 15, std::nullopt, Account{1, "back", std::nullopt}});
    sink.close();
  }
  CHECK(db.rows("SELECT id, owner, __deleted, __op, __position, __synced_at > now() - interval '1 hour' FROM \"" +
                table + "\" ORDER BY id") == std::vector<std::string>{"1|back|f|insert|15|t", "2|b|t|remove|13|t"});
}

TEST_CASE("cdc::apply postgres: a change without its row, or a row the table refuses, goes to the dead-letter path") {
  using namespace pg_cdc_test;
  pg_test::client db;
  const std::string table = pg_test::unique("cdc_invalid");
  db.exec("CREATE TABLE \"" + table +
          "\" (id bigint PRIMARY KEY, owner text NOT NULL CHECK (length(owner) < 8), balance double precision)");
  std::vector<sf::failed_record> dead;
  {
    auto cfg = accounts(table);
    cfg.create_table = false;
    auto sink = sf::make_sink<C>(cfg, sf::cdc::apply<&Account::id>, sf::batch::max_records{10},
                                 sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) {
                                   dead.insert(dead.end(), r.begin(), r.end());
                                 }));
    sink.write(C{sf::cdc::op::insert, 10, std::nullopt, Account{1, "a", 1.0}});
    sink.write(C{sf::cdc::op::update, 11});
    sink.write(C{sf::cdc::op::insert, 12, std::nullopt, Account{2, "far too long", 2.0}});
    sink.write(C{sf::cdc::op::insert, 13, std::nullopt, Account{3, "c", 3.0}});
    sink.write(C{sf::cdc::op::insert, 14, std::nullopt, Account{4, std::string("bad \xff"), 3.0}});
    sink.close();
  }
  CHECK(db.ids(table) == std::vector<long long>{1, 3});
  REQUIRE(dead.size() == 3);
  CHECK(dead[0].reason.find("missing a part its kind needs in field 'after'") != std::string::npos);
  CHECK(dead[1].reason.find("violates check constraint") != std::string::npos);
  CHECK(dead[1].payload.find("far too long") != std::string::npos);
  CHECK(dead[2].reason.find("value of 'owner' cannot be stored") != std::string::npos);
  CHECK(accounts(table).cdc_position() == 14);
}

TEST_CASE("cdc::apply postgres exactly_once: the position commits with the checkpoint's prepared transaction") {
  using namespace pg_cdc_test;
  pg_test::client db;
  const std::string table = pg_test::unique("cdc_eo");
  const auto changes = cdc_stream::stream(11, 60);
  const std::size_t half = changes.size() / 2;
  sf::cdc::position settled = 0;
  {
    bool open = false;
    for (std::size_t j = 0; j < half; ++j) {
      if (changes[j].kind == sf::cdc::op::begin) open = true;
      if (changes[j].kind == sf::cdc::op::commit) open = false;
      if (!open) settled = changes[j].at;
    }
  }
  {
    auto sink = sf::make_sink<C>(accounts(table), sf::cdc::apply<&Account::id>, sf::deliver::exactly_once,
                                 sf::batch::max_records{5}, sf::restore(std::nullopt));
    for (std::size_t i = 0; i < half; ++i) sink.write(changes[i]);
    sink.prepare_checkpoint(1, std::to_string(changes[half - 1].at));
    CHECK(accounts(table).cdc_position() == 0);  // prepared: not visible yet
    sink.commit_checkpoint(1);
    CHECK(accounts(table).cdc_position() == settled);
    for (std::size_t i = half; i < changes.size(); ++i) sink.write(changes[i]);
  }  // dropped without close: the open checkpoint is rolled back
  cdc_stream::table expected;
  cdc_stream::apply_one_by_one(expected, changes, settled);
  CHECK(read_table(db, table) == expected);
  CHECK(accounts(table).cdc_position() == settled);
}

TEST_CASE("cdc::apply postgres: SIGKILL anywhere, resume from the table's position, the table equals the source") {
  using namespace pg_cdc_test;
  pg_test::client db;
  const std::string table = pg_test::unique("cdc_sigkill");
  const auto changes = cdc_stream::stream(99, 2000);
  std::mt19937 rng(17);
  const int kills = test::crash_kills(10);
  int killed = 0;
  auto resume_index = [&] {
    const sf::cdc::position at = accounts(table).cdc_position();
    std::size_t i = 0;
    while (i < changes.size() && changes[i].at <= at) ++i;
    return i;
  };
  apply_range(table, changes, 0, 1, 1);  // the table exists before the first kill
  for (int round = 0; round < kills; ++round) {
    const std::size_t from = resume_index();
    killed += test::kill_life_after(static_cast<unsigned>(20000 + rng() % 150000), [&] {
      apply_range(table, changes, from > 5 ? from - 5 : 0, changes.size(), 1 + rng() % 50);
    });
    const std::size_t at = resume_index();
    cdc_stream::table expected;
    cdc_stream::apply_one_by_one(expected, changes, at ? changes[at - 1].at : 0);
    REQUIRE_MESSAGE(read_table(db, table) == expected, "after kill " << round << " at change " << at);
  }
  apply_range(table, changes, resume_index(), changes.size(), 64);
  cdc_stream::table expected;
  cdc_stream::apply_one_by_one(expected, changes);
  CHECK(read_table(db, table) == expected);
  CHECK(killed > kills / 2);
}
