// Partition extractors: member, name, Kafka-compatible hash, composite, time buckets.
#include <doctest/doctest.h>

#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

TEST_CASE("murmur2 matches Kafka's Utils.murmur2") {
  // Vectors from Kafka's own tests and from implementations checked against it.
  CHECK(sf::partition::murmur2("21") == -973932308);
  CHECK(sf::partition::murmur2("foobar") == -790332482);
  CHECK(sf::partition::murmur2("a-little-bit-long-string") == -985981536);
  CHECK(sf::partition::murmur2("a-little-bit-longer-string") == -1486304829);
  CHECK(sf::partition::murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971);
  CHECK(sf::partition::murmur2("abc") == 479470107);
  CHECK(sf::partition::murmur2("1") == -1993445489);
  CHECK(sf::partition::murmur2("12") == 126087238);
  CHECK(sf::partition::murmur2("123") == -267702483);
  CHECK(sf::partition::murmur2("1234") == -1614185708);
  CHECK(sf::partition::murmur2("12345") == -1188365604);
  static_assert(sf::partition::murmur2("abc") == 479470107);  // usable at compile time
}

TEST_CASE("hash partitions as Kafka's default partitioner: toPositive(murmur2) % n") {
  const auto p = sf::partition::hash(sf::partition::by<&test::Order::customer>, 12);
  CHECK(p.key(test::order(1, "foobar")) == (-790332482 & 0x7fffffff) % 12);
  CHECK(p.key(test::order(1, "21")) == (-973932308 & 0x7fffffff) % 12);
  // Integer keys hash their big-endian bytes, as Kafka's IntegerSerializer/LongSerializer write them.
  const auto q = sf::partition::hash(sf::partition::by<&test::Order::ts_ms>, 7);
  const std::int64_t v = 1700000000001;
  char be[8];
  for (int i = 0; i < 8; ++i) be[7 - i] = static_cast<char>(static_cast<std::uint64_t>(v) >> (8 * i));
  CHECK(q.key(test::order(1)) == (sf::partition::murmur2(std::string_view(be, 8)) & 0x7fffffff) % 7);
}

TEST_CASE("by member and by name give the same key without copying") {
  const test::Order o = test::order(1, "alice");
  const auto k1 = sf::partition::by<&test::Order::customer>.key(o);
  const auto k2 = sf::partition::by_name<"customer">.key(o);
  static_assert(std::is_same_v<decltype(k1), const std::string_view>);
  CHECK(k1 == "alice");
  CHECK(k2 == "alice");
  CHECK(k1.data() == o.customer.data());
  static_assert(sf::partitioner_for<sf::partition::by_name_t<"customer">, test::Order>);
  static_assert(!sf::partitioner_for<sf::partition::by_name_t<"nope">, test::Order>);
  static_assert(!sf::partitioner_for<sf::partition::by_member<&test::Row::name>, test::Order>);
}

TEST_CASE("composite keys and time buckets") {
  struct Event {
    BOOST_HANA_DEFINE_STRUCT(Event, (std::string, tenant), (test::sys_ms, at));
  };
  const auto at = test::sys_ms{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + 9h + 59min + 1s};
  const Event e{"acme", at};
  const auto hour = sf::partition::time_bucket<&Event::at>(sf::partition::hour);
  const auto day = sf::partition::time_bucket<&Event::at>(sf::partition::day);
  CHECK(sf::key_text(hour.key(e)) == "2026-11-23T09");
  CHECK(sf::key_text(day.key(e)) == "2026-11-23");
  const auto both = sf::partition::composite(sf::partition::by<&Event::tenant>, hour);
  CHECK(sf::key_text(sf::to_key_storage(both.key(e))) == "acme-2026-11-23T09");

  sf::memory::buffer mem;
  auto sink = sf::make_sink<Event>(mem, both);
  sink.write(e);
  sink.write(Event{"acme", at + 30s});   // same hour
  sink.write(Event{"acme", at + 2min});  // next hour
  sink.write(Event{"zeta", at});
  sink.flush();
  std::map<std::string, std::size_t> sizes;
  for (const auto& b : mem.batches()) sizes[b.key] += b.size();
  CHECK(sizes == std::map<std::string, std::size_t>{
                     {"acme-2026-11-23T09", 2}, {"acme-2026-11-23T10", 1}, {"zeta-2026-11-23T09", 1}});
}
