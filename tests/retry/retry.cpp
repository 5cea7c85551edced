// Retry policies: their delays, and a sink retrying real batches with injected faults.
#include <algorithm>

#include <doctest/doctest.h>

#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace {
sf::retry_context at(std::uint32_t attempt, std::chrono::nanoseconds elapsed = {},
                     std::optional<std::chrono::nanoseconds> retry_after = {}) {
  sf::retry_context cx;
  cx.attempt = attempt;
  cx.first_attempt_at = sf::steady_time{};
  cx.now = sf::steady_time{} + elapsed;
  cx.retry_after = retry_after;
  return cx;
}
}  // namespace

TEST_CASE("none gives up at once; fixed waits a constant delay up to max_attempts") {
  sf::retry::none none;
  sf::retry::none::state ns;
  CHECK_FALSE(none.next_delay(ns, at(1)));
  sf::retry::fixed fixed{.max_attempts = 3, .delay = 20ms};
  sf::retry::fixed::state fs;
  CHECK(fixed.next_delay(fs, at(1)) == 20ms);
  CHECK(fixed.next_delay(fs, at(2)) == 20ms);
  CHECK_FALSE(fixed.next_delay(fs, at(3)));
  CHECK(fixed.next_delay(fs, at(1, {}, 1s)) == 1s);  // retry-after is a lower bound
}

TEST_CASE("exponential without jitter: initial * multiplier^(n-1), capped") {
  sf::retry::exponential e{.max_attempts = 10, .initial = 10ms, .multiplier = 2.0, .cap = 100ms,
                           .jitter = sf::retry::jitter::none};
  sf::retry::exponential::state s;
  CHECK(e.next_delay(s, at(1)) == 10ms);
  CHECK(e.next_delay(s, at(2)) == 20ms);
  CHECK(e.next_delay(s, at(3)) == 40ms);
  CHECK(e.next_delay(s, at(4)) == 80ms);
  CHECK(e.next_delay(s, at(5)) == 100ms);
  CHECK(e.next_delay(s, at(9)) == 100ms);
  CHECK_FALSE(e.next_delay(s, at(10)));
  CHECK(e.next_delay(s, at(1, {}, 3s)) == 3s);
}

TEST_CASE("exponential jitter modes stay in their documented ranges") {
  for (auto mode : {sf::retry::jitter::full, sf::retry::jitter::equal, sf::retry::jitter::decorrelated}) {
    sf::retry::exponential e{.max_attempts = 100, .initial = 10ms, .multiplier = 2.0, .cap = 1s, .jitter = mode};
    for (std::uint64_t batch = 0; batch < 50; ++batch) {
      sf::retry::exponential::state s;
      std::chrono::nanoseconds prev = 10ms;
      for (std::uint32_t n = 1; n < 12; ++n) {
        auto cx = at(n);
        cx.batch_sequence = batch;
        const auto d = e.next_delay(s, cx);
        REQUIRE(d);
        const auto base = std::min<std::chrono::nanoseconds>(1s, 10ms * (1ll << (n - 1)));
        if (mode == sf::retry::jitter::full) {
          CHECK(*d >= 0ns);
          CHECK(*d <= base);
        } else if (mode == sf::retry::jitter::equal) {
          CHECK(*d >= base / 2);
          CHECK(*d <= base);
        } else {
          CHECK(*d >= 10ms);
          CHECK(*d <= std::min<std::chrono::nanoseconds>(1s, prev * 3));
        }
        prev = *d;
      }
    }
  }
}

TEST_CASE("exponential with an unbounded cap never overflows into a negative delay") {
  using std::chrono::nanoseconds;
  for (auto mode : {sf::retry::jitter::none, sf::retry::jitter::full, sf::retry::jitter::equal,
                    sf::retry::jitter::decorrelated}) {
    sf::retry::exponential e{.max_attempts = 200, .initial = 1s, .multiplier = 1e6, .cap = nanoseconds::max(),
                             .jitter = mode};
    sf::retry::exponential::state s;
    for (std::uint32_t attempt = 1; attempt < 200; ++attempt) {
      const auto d = e.next_delay(s, at(attempt));
      REQUIRE(d);
      CHECK(*d >= nanoseconds::zero());
    }
  }
  // max_elapsed with a delay near max() gives up instead of overflowing the comparison.
  sf::retry::exponential e{.max_attempts = 10, .initial = 1s, .multiplier = 1e9, .cap = nanoseconds::max(),
                           .max_elapsed = 1h, .jitter = sf::retry::jitter::none};
  sf::retry::exponential::state s;
  CHECK(e.next_delay(s, at(1, 1min)) == 1s);
  CHECK_FALSE(e.next_delay(s, at(3, 1min)));
  CHECK_FALSE(e.next_delay(s, at(1, 2h)));
}

TEST_CASE("exponential gives up when the next attempt would pass max_elapsed") {
  sf::retry::exponential e{.max_attempts = 100, .initial = 100ms, .cap = 1s, .max_elapsed = 2s,
                           .jitter = sf::retry::jitter::none};
  sf::retry::exponential::state s;
  CHECK(e.next_delay(s, at(1, 1s)) == 100ms);
  CHECK_FALSE(e.next_delay(s, at(5, 1500ms)));  // 1.5 s + 1 s > 2 s
}

TEST_CASE("a sink retries retryable failures with back-off, then delivers") {
  sf::memory::buffer mem;
  sf::clock::manual clock;
  sf::metrics::counters m;
  int calls = 0;
  auto faulty = sf::testing::inject_faults(mem, [&](const sf::testing::fault_point& p) -> std::optional<sf::send_result> {
    ++calls;
    if (p.attempt < 3) return sf::send_result::retryable("busy");
    return std::nullopt;
  });
  auto sink = sf::make_sink<test::Order>(
      faulty, clock, m, sf::batch::max_records{2},
      sf::retry::exponential{.max_attempts = 5, .initial = 50ms, .jitter = sf::retry::jitter::none});
  sink.write(test::order(1));
  sink.write(test::order(2));
  CHECK(calls == 3);
  CHECK(mem.record_count() == 2);
  CHECK(mem.batches()[0].attempt == 3);
  CHECK(clock.slept() == 150ms);  // 50 ms + 100 ms, and no real sleeping
  CHECK(m.values().retries == 2);
  CHECK(m.values().records_out == 2);
}

TEST_CASE("retries exhausted: the batch is reported with the last reason, never dropped") {
  sf::memory::buffer mem;
  sf::clock::manual clock;
  auto faulty = sf::testing::inject_faults(
      mem, [](const sf::testing::fault_point&) -> std::optional<sf::send_result> {
        return sf::send_result::retryable("HTTP 503");
      });
  auto sink = sf::make_sink<test::Order>(faulty, clock, sf::batch::max_records{2},
                                         sf::retry::fixed{.max_attempts = 4, .delay = 10ms});
  sink.write(test::order(1));
  try {
    sink.write(test::order(2));
    FAIL("expected delivery_error");
  } catch (const sf::delivery_error& e) {
    REQUIRE(e.records().size() == 2);
    CHECK(e.records()[0].attempts == 4);
    CHECK(e.records()[0].kind == sf::failure_kind::retryable);
    CHECK(e.records()[0].reason == "gave up after 4 attempt(s): HTTP 503");
    CHECK(e.records()[1].payload.find("\"o2\"") != std::string::npos);
    CHECK(std::string(e.what()).find("2 record(s) could not be delivered") != std::string::npos);
  }
  CHECK(clock.slept() == 30ms);
  CHECK(mem.record_count() == 0);
}

TEST_CASE("fatal failures are not retried") {
  sf::memory::buffer mem;
  int calls = 0;
  auto faulty = sf::testing::inject_faults(mem, [&](const sf::testing::fault_point&) -> std::optional<sf::send_result> {
    ++calls;
    return sf::send_result::fatal("authentication failed");
  });
  auto sink = sf::make_sink<test::Order>(faulty, sf::batch::max_records{1}, sf::clock::manual{});
  CHECK_THROWS_WITH_AS(sink.write(test::order(1)),
                       "sinkforge: 1 record(s) could not be delivered (fatal: authentication failed)",
                       sf::delivery_error);
  CHECK(calls == 1);
}

TEST_CASE("a retry-after hint from the transport stretches the delay") {
  sf::memory::buffer mem;
  sf::clock::manual clock;
  auto faulty = sf::testing::inject_faults(mem, [](const sf::testing::fault_point& p) -> std::optional<sf::send_result> {
    if (p.attempt == 1) return sf::send_result::retryable("429", std::chrono::seconds{7});
    return std::nullopt;
  });
  auto sink = sf::make_sink<test::Order>(faulty, clock, sf::batch::max_records{1},
                                         sf::retry::exponential{.initial = 10ms, .jitter = sf::retry::jitter::none});
  sink.write(test::order(1));
  CHECK(clock.slept() == 7s);
  CHECK(mem.record_count() == 1);
}

TEST_CASE("partial failure: only the failed records are retried; invalid ones are dead-lettered") {
  sf::memory::buffer mem;
  std::vector<sf::failed_record> dead;
  auto faulty = sf::testing::inject_faults(
      mem, [](const sf::testing::fault_point& p) -> std::optional<sf::send_result> {
        if (p.attempt == 1)
          return sf::send_result::partial({{1, sf::failure_kind::retryable, "throttled"},
                                           {2, sf::failure_kind::invalid_record, "schema mismatch"}});
        return std::nullopt;
      });
  auto sink = sf::make_sink<test::Order>(
      faulty, sf::clock::manual{}, sf::batch::max_records{4}, sf::retry::fixed{.max_attempts = 3, .delay = 1ms},
      sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) { dead.insert(dead.end(), r.begin(), r.end()); }));
  for (int i = 0; i < 4; ++i) sink.write(test::order(i));
  // The memory store saw only the retried subset: the first attempt was failed before it.
  const auto batches = mem.batches();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].size() == 1);
  CHECK(batches[0].record(0).find("\"o1\"") != std::string_view::npos);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].reason == "schema mismatch");
  CHECK(dead[0].payload.find("\"o2\"") != std::string::npos);
}

TEST_CASE("at_most_once never retries") {
  sf::memory::buffer mem;
  int calls = 0;
  auto faulty = sf::testing::inject_faults(mem, [&](const sf::testing::fault_point&) -> std::optional<sf::send_result> {
    ++calls;
    return sf::send_result::retryable("timeout");
  });
  std::vector<sf::failed_record> dead;
  auto sink = sf::make_sink<test::Order>(
      faulty, sf::deliver::at_most_once, sf::batch::max_records{1},
      sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) { dead.insert(dead.end(), r.begin(), r.end()); }));
  sink.write(test::order(1));
  CHECK(calls == 1);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].reason == "timeout (at_most_once: not retried)");
}

TEST_CASE("invalid retry configuration fails at construction naming the field") {
  sf::memory::buffer mem;
  CHECK_THROWS_WITH_AS(sf::make_sink<test::Order>(mem, sf::retry::exponential{.initial = 1s, .cap = 10ms}),
                       "sinkforge: invalid configuration: retry::exponential.cap: must not be less than initial",
                       sf::config_error);
}
