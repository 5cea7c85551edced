// Batching policies driven through a real sink on the memory transport, with a manual clock.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace {
std::vector<std::size_t> batch_sizes(const sf::memory::buffer& mem) {
  std::vector<std::size_t> out;
  for (const auto& b : mem.batches()) out.push_back(b.size());
  return out;
}
}  // namespace

TEST_CASE("max_records seals a batch at exactly N records; flush sends the rest") {
  sf::memory::buffer mem;
  auto sink = sf::make_sink<test::Order>(mem, sf::batch::max_records{3});
  for (int i = 0; i < 7; ++i) sink.write(test::order(i));
  CHECK(batch_sizes(mem) == std::vector<std::size_t>{3, 3});
  CHECK(sink.open_records() == 1);
  sink.flush();
  CHECK(batch_sizes(mem) == std::vector<std::size_t>{3, 3, 1});
  CHECK(mem.batches()[0].sequence == 0);
  CHECK(mem.batches()[2].sequence == 2);
}

TEST_CASE("max_bytes never exceeds its budget; the record that does not fit opens the next batch") {
  sf::memory::buffer mem;
  const std::size_t one = sf::serialize::to_json_lenient(test::order(1)).size() + 1;  // + '\n'
  auto sink = sf::make_sink<test::Order>(mem, sf::batch::max_bytes{one * 2 + one / 2});
  for (int i = 1; i <= 5; ++i) sink.write(test::order(i));
  sink.flush();
  CHECK(batch_sizes(mem) == std::vector<std::size_t>{2, 2, 1});
  for (const auto& b : mem.batches()) CHECK(b.bytes.size() <= one * 2 + one / 2);
  const auto records = mem.records();
  REQUIRE(records.size() == 5);
  CHECK(records[2].find("\"o3\"") != std::string::npos);  // order kept across the split
}

TEST_CASE("a record larger than max_bytes is an invalid record, not a stuck batch") {
  sf::memory::buffer mem;
  std::vector<sf::failed_record> dead;
  auto sink = sf::make_sink<test::Order>(mem, sf::batch::max_bytes{80},
                                         sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) {
                                           for (auto& f : r) dead.push_back(std::move(f));
                                         }));
  sink.write(test::order(1));
  sink.write(test::Order{"big", std::string(200, 'x'), 1, 1});
  sink.write(test::order(2));
  sink.flush();
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].kind == sf::failure_kind::invalid_record);
  CHECK(dead[0].reason.find("exceeds the limit of 80 bytes") != std::string::npos);
  CHECK(dead[0].payload.find(std::string(200, 'x')) != std::string::npos);
  CHECK(mem.record_count() == 2);
}

TEST_CASE("max_record_bytes rejects oversize records without a batch budget") {
  sf::memory::buffer mem;
  auto sink = sf::make_sink<test::Order>(mem, sf::batch::max_records{10} | sf::batch::max_record_bytes{100});
  sink.write(test::order(1));
  CHECK_THROWS_AS(sink.write(test::Order{"big", std::string(200, 'x'), 1, 1}), sf::delivery_error);
  sink.write(test::order(2));
  sink.flush();
  CHECK(mem.record_count() == 2);
}

TEST_CASE("max_age seals by the injected clock, on write and on tick") {
  sf::memory::buffer mem;
  sf::clock::manual clock;
  auto sink = sf::make_sink<test::Order>(mem, sf::batch::max_records{100} | sf::batch::max_age{200ms}, clock);
  sink.write(test::order(1));
  clock.advance(150ms);
  sink.write(test::order(2));
  sink.tick();
  CHECK(mem.batch_count() == 0);
  clock.advance(50ms);
  sink.tick();
  CHECK(batch_sizes(mem) == std::vector<std::size_t>{2});
  // The next batch's age starts with its first record.
  clock.advance(1s);
  sink.write(test::order(3));
  clock.advance(199ms);
  sink.tick();
  CHECK(mem.batch_count() == 1);
  clock.advance(1ms);
  sink.write(test::order(4));  // a write past the deadline seals first
  CHECK(batch_sizes(mem) == std::vector<std::size_t>{2, 1});
}

TEST_CASE("combinators flush on whichever comes first") {
  sf::memory::buffer mem;
  sf::clock::manual clock;
  auto policy = sf::batch::max_records{3} | sf::batch::max_age{1s} | sf::batch::max_bytes{1 << 20};
  static_assert(std::is_same_v<decltype(policy),
                               sf::batch::any_of<sf::batch::max_records, sf::batch::max_age, sf::batch::max_bytes>>);
  auto sink = sf::make_sink<test::Order>(mem, policy, clock);
  for (int i = 0; i < 4; ++i) sink.write(test::order(i));
  CHECK(batch_sizes(mem) == std::vector<std::size_t>{3});
  clock.advance(1s);
  sink.tick();
  CHECK(batch_sizes(mem) == std::vector<std::size_t>{3, 1});
}

TEST_CASE("one open batch per partition key, bounded, oldest sealed first") {
  sf::memory::buffer mem;
  sf::clock::manual clock;
  auto sink = sf::make_sink<test::Order>(mem, sf::partition::by<&test::Order::customer>,
                                         sf::batch::max_records{3} | sf::batch::per_partition{.max_open = 2}, clock);
  sink.write(test::order(1, "a"));
  clock.advance(1ms);
  sink.write(test::order(2, "b"));
  sink.write(test::order(3, "a"));
  sink.write(test::order(4, "b"));
  CHECK(mem.batch_count() == 0);  // two keys fit
  clock.advance(1ms);
  sink.write(test::order(5, "c"));  // a third key seals the oldest open batch ("a")
  auto batches = mem.batches();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].key == "a");
  CHECK(batches[0].size() == 2);
  sink.write(test::order(6, "b"));  // "b" reaches 3
  batches = mem.batches();
  REQUIRE(batches.size() == 2);
  CHECK(batches[1].key == "b");
  CHECK(batches[1].size() == 3);
  sink.flush();
  batches = mem.batches();
  REQUIRE(batches.size() == 3);
  CHECK(batches[2].key == "c");
  for (const auto& b : batches)
    for (std::size_t i = 0; i < b.size(); ++i)
      CHECK(b.record(i).find("\"customer\":\"" + b.key + "\"") != std::string_view::npos);
}

TEST_CASE("keys that share length, first and last bytes still get batches of their own") {
  // The slot lookup filters by a fingerprint of length, head and tail; these keys all collide on it.
  sf::memory::buffer mem;
  auto sink = sf::make_sink<test::Order>(mem, sf::partition::by<&test::Order::customer>, sf::batch::max_records{4});
  const std::vector<std::string> keys{"customer-a-00000001", "customer-b-00000001", "customer-c-00000001", "", "x",
                                      "customer-a-0000001"};
  for (int i = 0; i < 24; ++i) sink.write(test::order(i, keys[static_cast<std::size_t>(i) % keys.size()]));
  sink.flush();
  const auto batches = mem.batches();
  REQUIRE(batches.size() == keys.size());
  for (const auto& b : batches) {
    CHECK(b.size() == 4);
    for (std::size_t i = 0; i < b.size(); ++i)
      CHECK(b.record(i).find("\"customer\":\"" + b.key + "\"") != std::string_view::npos);
  }
}

TEST_CASE("invalid batching configuration fails at construction naming the field") {
  sf::memory::buffer mem;
  CHECK_THROWS_WITH_AS(sf::make_sink<test::Order>(mem, sf::batch::max_records{0}),
                       "sinkforge: invalid configuration: batch::max_records.count: must be at least 1",
                       sf::config_error);
  CHECK_THROWS_WITH_AS(sf::make_sink<test::Order>(mem, sf::batch::max_records{5} | sf::batch::max_age{0s}),
                       "sinkforge: invalid configuration: batch::max_age.age: must be positive", sf::config_error);
}
