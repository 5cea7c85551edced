// cdc::coalesce against applying every change one by one, on random change streams: the same
// table, whatever the order of inserts, updates (some moving a row to another key), removes and
// markers; and a replay of what is already applied changes nothing.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/cdc/coalesce.hpp>

namespace cdc_test {
namespace cdc = sinkforge::cdc;

struct Row {
  BOOST_HANA_DEFINE_STRUCT(Row, (std::int64_t, id), (std::string, value));
};
using table = std::map<std::int64_t, std::string>;

// The reference: every change, one at a time.
inline void apply_one_by_one(table& t, const std::vector<cdc::change<Row>>& changes, cdc::position applied) {
  for (const auto& c : changes) {
    if (c.at <= applied) continue;
    if (c.kind == cdc::op::insert && c.after) t[c.after->id] = c.after->value;
    if (c.kind == cdc::op::update && c.after) {
      if (c.before && c.before->id != c.after->id) t.erase(c.before->id);
      t[c.after->id] = c.after->value;
    }
    if (c.kind == cdc::op::remove && c.before) t.erase(c.before->id);
  }
}

inline void apply_coalesced(table& t, const std::vector<cdc::change<Row>>& changes, cdc::position applied) {
  const auto plan = cdc::coalesce<&Row::id>(changes, applied);
  for (const auto& r : plan.removes) t.erase(r.key);
  for (const auto* c : plan.upserts) t[c->after->id] = c->after->value;
}

inline std::vector<cdc::change<Row>> random_stream(std::mt19937& rng, cdc::position& at, int n) {
  std::vector<cdc::change<Row>> out;
  for (int i = 0; i < n; ++i) {
    const std::int64_t k = static_cast<std::int64_t>(rng() % 6);
    const std::string v = "v" + std::to_string(at + 1);
    cdc::change<Row> c;
    c.at = ++at;
    switch (rng() % 7) {
      case 0:
      case 1: c.kind = cdc::op::insert, c.after = Row{k, v}; break;
      case 2: c.kind = cdc::op::update, c.after = Row{k, v}; break;                           // no old row sent
      case 3: c.kind = cdc::op::update, c.before = Row{k, "old"}, c.after = Row{k, v}; break;
      case 4:  // the row moves to another key
        c.kind = cdc::op::update, c.before = Row{k, "old"}, c.after = Row{(k + 1) % 6, v};
        break;
      case 5: c.kind = cdc::op::remove, c.before = Row{k, ""}; break;
      default: c.kind = rng() % 2 ? cdc::op::heartbeat : cdc::op::commit; break;
    }
    out.push_back(std::move(c));
  }
  return out;
}
}  // namespace cdc_test

TEST_CASE("cdc::coalesce leaves the table that applying each change in order leaves, on 5,000 random batches") {
  using namespace cdc_test;
  std::mt19937 rng(20261130);
  for (int round = 0; round < 5'000; ++round) {
    cdc::position at = 100;
    table start;
    for (std::int64_t k = 0; k < 6; k += 2) start[k] = "start";
    const auto changes = random_stream(rng, at, 1 + static_cast<int>(rng() % 12));
    // Some of the batch may already be applied (a replay after a crash).
    const cdc::position applied = 100 + rng() % 4;
    table a = start, b = start;
    apply_one_by_one(a, changes, applied);
    apply_coalesced(b, changes, applied);
    REQUIRE_MESSAGE(a == b, "round " << round);
    // Applying the same batch again, at its own last position, changes nothing.
    const auto again = cdc::coalesce<&Row::id>(changes, at);
    REQUIRE(again.upserts.empty());
    REQUIRE(again.removes.empty());
    REQUIRE(again.skipped == changes.size());
  }
}

TEST_CASE("cdc::coalesce: the last change of a key wins, keys keep the order of their rows, markers move the position") {
  using namespace cdc_test;
  using C = cdc::change<Row>;
  const std::vector<C> changes{
      C{cdc::op::begin, 10},
      C{cdc::op::insert, 11, std::nullopt, Row{1, "a"}},
      C{cdc::op::update, 12, Row{1, "a"}, Row{1, "b"}},
      C{cdc::op::remove, 13, Row{1, "b"}},       // update then remove: removed
      C{cdc::op::remove, 14, Row{2, ""}},
      C{cdc::op::insert, 15, std::nullopt, Row{2, "c"}},  // remove then insert: inserted
      C{cdc::op::insert, 16, std::nullopt, Row{3, "d"}},
      C{cdc::op::commit, 17},
      C{cdc::op::heartbeat, 20},
  };
  const auto plan = cdc::coalesce<&Row::id>(changes, 10);
  CHECK(plan.skipped == 1);
  CHECK(plan.last == 20);
  REQUIRE(plan.removes.size() == 1);
  CHECK(plan.removes[0].key == 1);
  CHECK(plan.removes[0].at == 13);  // the remove's own position, for an audit column
  REQUIRE(plan.upserts.size() == 2);
  CHECK(plan.upserts[0]->after->value == "c");
  CHECK(plan.upserts[0]->kind == cdc::op::insert);
  CHECK(plan.upserts[1]->after->value == "d");
}
