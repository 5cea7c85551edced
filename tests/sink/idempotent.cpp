// deliver::idempotent<&T::key> where the transport cannot upsert: a window of recent keys drops a
// record taken before, bounded by count and by age, and every drop is counted.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace idempotent_test {
struct Reading {
  BOOST_HANA_DEFINE_STRUCT(Reading, (std::int64_t, sensor), (std::string, id), (double, value));
};
inline Reading reading(std::string id, double v = 1.0) { return Reading{7, std::move(id), v}; }

inline std::vector<std::string> ids(const sf::memory::buffer& mem) {
  std::vector<std::string> out;
  for (const auto& r : mem.records()) {
    const auto at = r.find("\"id\":\"") + 6;
    out.push_back(r.substr(at, r.find('"', at) - at));
  }
  return out;
}
}  // namespace idempotent_test

using idempotent_test::reading;

TEST_CASE("deliver::idempotent without upsert: a key taken before is dropped and counted") {
  sf::memory::buffer mem;
  sf::metrics::counters m;
  auto sink = sf::make_sink<idempotent_test::Reading>(mem, sf::deliver::idempotent<&idempotent_test::Reading::id>,
                                                      sf::batch::max_records{2}, m);
  for (const char* id : {"a", "b", "a", "c", "b", "a", "d"}) sink.write(reading(id));
  sink.close();
  CHECK(idempotent_test::ids(mem) == std::vector<std::string>{"a", "b", "c", "d"});
  const auto v = m.values();
  CHECK(v.records_in == 7);
  CHECK(v.records_out == 4);
  CHECK(v.dropped_for(sf::metrics::drop_reason::duplicate) == 3);
  CHECK(v.records_in == v.records_out + v.dropped + v.failures + v.dead_lettered);
}

TEST_CASE("deliver::idempotent without upsert: the window holds at most max_keys, none older than max_age") {
  sf::memory::buffer mem;
  sf::clock::manual clock;
  auto sink = sf::make_sink<idempotent_test::Reading>(
      mem, sf::deliver::idempotent_t<&idempotent_test::Reading::id>{.max_keys = 2, .max_age = 1min}, clock,
      sf::batch::max_records{1});
  sink.write(reading("a"));
  sink.write(reading("b"));
  sink.write(reading("a"));  // in the window: dropped
  sink.write(reading("c"));  // the window is full: "a", the oldest, is forgotten
  sink.write(reading("a"));  // so "a" is taken again
  clock.advance(2min);
  sink.write(reading("c"));  // older than max_age: forgotten, taken again
  sink.close();
  CHECK(idempotent_test::ids(mem) == std::vector<std::string>{"a", "b", "c", "a", "c"});
}

TEST_CASE("deliver::idempotent with an integer key, and its configuration is checked") {
  sf::memory::buffer mem;
  auto sink = sf::make_sink<test::Order>(mem, sf::deliver::idempotent<&test::Order::ts_ms>);
  sink.write(test::order(1));
  sink.write(test::order(1));
  sink.write(test::order(2));
  sink.close();
  CHECK(mem.records().size() == 2);
  CHECK_THROWS_WITH_AS(sf::make_sink<test::Order>(mem, sf::deliver::idempotent_t<&test::Order::id>{.max_keys = 0}),
                       doctest::Contains("deliver::idempotent.max_keys"), sf::config_error);
  static_assert(sf::deliver::idempotent_t<&test::Order::id>::keys_record<test::Order>);
  static_assert(!sf::deliver::idempotent_t<&test::Order::amount>::keys_record<test::Order>);  // a double
  static_assert(sf::reflect::member_name_of<test::Order, &test::Order::customer>() == std::string_view("customer"));
}
