// concurrency::async: ordering per partition, backpressure rules, flush/close, failures.
#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <thread>

#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace {
int sequence_of(std::string_view record) {
  const auto pos = record.find("\"id\":\"o") + 7;
  return std::stoi(std::string(record.substr(pos, record.find('"', pos) - pos)));
}
}  // namespace

TEST_CASE("async preserves order within each partition with several batches in flight") {
  sf::memory::buffer mem;
  // Slow, jittery sends make batches overlap in time.
  auto slow = sf::testing::inject_faults(mem, [](const sf::testing::fault_point& p) -> std::optional<sf::send_result> {
    std::this_thread::sleep_for(std::chrono::microseconds(50 * (p.sequence % 5)));
    return std::nullopt;
  });
  sf::metrics::counters m;
  {
    auto sink = sf::make_sink<test::Order>(slow, m, sf::partition::by<&test::Order::customer>,
                                           sf::batch::max_records{7},
                                           sf::concurrency::async{.max_in_flight = 4, .buffer_records = 256});
    for (int i = 0; i < 4000; ++i) sink.write(test::order(i, "c" + std::to_string(i % 6)));
    sink.flush();
    CHECK(mem.record_count() == 4000);
    sink.close();
  }
  std::map<std::string, int> last;
  for (const auto& b : mem.batches()) {
    for (std::size_t i = 0; i < b.size(); ++i) {
      const int seq = sequence_of(b.record(i));
      auto [it, fresh] = last.try_emplace(b.key, -1);
      CHECK(seq > it->second);
      it->second = seq;
    }
  }
  CHECK(last.size() == 6);
  CHECK(m.values().records_out == 4000);
  CHECK(m.values().in_flight == 0);
  CHECK(m.values().buffered == 0);
}

TEST_CASE("async: a full buffer blocks by default, drops the newest, or fails, as configured") {
  std::atomic<bool> release{false};
  auto gate = [&](const sf::testing::fault_point&) -> std::optional<sf::send_result> {
    while (!release.load()) std::this_thread::sleep_for(1ms);
    return std::nullopt;
  };
  SUBCASE("async_drop_newest under at_most_once counts what it drops") {
    sf::memory::buffer mem;
    sf::metrics::counters m;
    auto sink = sf::make_sink<test::Order>(sf::testing::inject_faults(mem, gate), m, sf::batch::max_records{1},
                                           sf::deliver::at_most_once,
                                           sf::concurrency::async_drop_newest{.max_in_flight = 1, .buffer_records = 4});
    for (int i = 0; i < 200; ++i) sink.write(test::order(i));
    release = true;
    sink.close();
    const auto v = m.values();
    CHECK(v.dropped > 0);
    // Every record written ends in one terminal counter.
    CHECK(v.records_in == 200);
    CHECK(v.records_out + v.dropped == 200);
    CHECK(mem.record_count() == v.records_out);
  }
  SUBCASE("fail throws backpressure_error and keeps nothing it did not take") {
    sf::memory::buffer mem;
    auto sink = sf::make_sink<test::Order>(sf::testing::inject_faults(mem, gate), sf::batch::max_records{1},
                                           sf::concurrency::async{.max_in_flight = 1, .buffer_records = 4,
                                                                  .when_full = sf::concurrency::overflow::fail});
    int taken = 0;
    bool refused = false;
    for (int i = 0; i < 200 && !refused; ++i) {
      try {
        sink.write(test::order(i));
        ++taken;
      } catch (const sf::backpressure_error& e) {
        refused = true;
        CHECK(std::string(e.what()).find("async buffer full (4 records)") != std::string::npos);
      }
    }
    CHECK(refused);
    release = true;
    sink.close();
    CHECK(mem.record_count() == static_cast<std::size_t>(taken));
  }
  SUBCASE("block waits until the senders make room") {
    sf::memory::buffer mem;
    auto sink = sf::make_sink<test::Order>(sf::testing::inject_faults(mem, gate), sf::batch::max_records{1},
                                           sf::concurrency::async{.max_in_flight = 1, .buffer_records = 4});
    std::thread opener([&] {
      std::this_thread::sleep_for(20ms);
      release = true;
    });
    for (int i = 0; i < 100; ++i) sink.write(test::order(i));
    sink.close();
    opener.join();
    CHECK(mem.record_count() == 100);
  }
}

TEST_CASE("async: max_age seals batches without any further write") {
  sf::memory::buffer mem;
  auto sink = sf::make_sink<test::Order>(mem, sf::batch::max_records{1000} | sf::batch::max_age{5ms},
                                         sf::concurrency::async{});
  sink.write(test::order(1));
  for (int i = 0; i < 2000 && mem.record_count() == 0; ++i) std::this_thread::sleep_for(1ms);
  CHECK(mem.record_count() == 1);
  sink.close();
}

TEST_CASE("async: failures go to on_error when they happen and flush() throws them") {
  sf::memory::buffer mem;
  std::atomic<int> told{0};
  auto failing = sf::testing::inject_faults(mem, [](const sf::testing::fault_point&) -> std::optional<sf::send_result> {
    return sf::send_result::fatal("rejected");
  });
  auto sink = sf::make_sink<test::Order>(failing, sf::batch::max_records{2}, sf::concurrency::async{},
                                         sf::on_error([&](const sf::delivery_error& e) { told += static_cast<int>(e.records().size()); }));
  for (int i = 0; i < 4; ++i) sink.write(test::order(i));
  try {
    sink.flush();
    FAIL("expected delivery_error");
  } catch (const sf::delivery_error& e) {
    CHECK(e.records().size() == 4);
  }
  CHECK(told == 4);
  sink.close();  // nothing new to report
  CHECK(told == 4);
}

TEST_CASE("async: max_in_flight above what the transport allows fails at construction") {
  CHECK_THROWS_WITH_AS(
      sf::make_sink<test::Order>(sf::stream::ostream{}, sf::concurrency::async{.max_in_flight = 3}),
      "sinkforge: invalid configuration: concurrency::async.max_in_flight: this transport allows at most 1 "
      "concurrent send(s); lower max_in_flight",
      sf::config_error);
}

TEST_CASE("async: many writer threads, nothing lost") {
  sf::memory::buffer mem;
  auto sink = sf::make_sink<test::Order>(mem, sf::batch::max_records{64}, sf::partition::by<&test::Order::customer>,
                                         sf::concurrency::async{.max_in_flight = 3, .buffer_records = 100});
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) sink.write(test::order(t * 1000 + i, "w" + std::to_string(t)));
    });
  for (auto& w : writers) w.join();
  sink.close();
  CHECK(mem.record_count() == 4000);
  // Each writer's records are one partition, written in order by one thread: they stay in order.
  std::map<std::string, int> last;
  for (const auto& b : mem.batches())
    for (std::size_t i = 0; i < b.size(); ++i) {
      auto [it, fresh] = last.try_emplace(b.key, -1);
      const int seq = sequence_of(b.record(i));
      CHECK(seq > it->second);
      it->second = seq;
    }
}
