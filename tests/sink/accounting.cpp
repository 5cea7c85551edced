// Loss accounting: every record written ends in exactly one terminal counter (delivered,
// dead-lettered, dropped, or failed and reported), and every failure reaches someone, from a
// destructor too.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <random>
#include <stdexcept>
#include <system_error>

#include <sinkforge/async.hpp>
#include <sinkforge/batch/max_records.hpp>
#include <sinkforge/dead_letter/policy.hpp>
#include <sinkforge/metrics/counters.hpp>
#include <sinkforge/partition/by.hpp>
#include <sinkforge/serialize/json.hpp>
#include <sinkforge/retry/fixed.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/faulty.hpp>
#include <sinkforge/transport/memory.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace {

// Random faults on a real memory transport: retryable, fatal, partial, or fine. A partial result
// injected before the transport names records as delivered that it never saw, so these tests count
// by the sink's counters, not by what the memory transport holds.
auto random_faults(unsigned seed) {
  auto rng = std::make_shared<std::mt19937>(seed);
  auto mutex = std::make_shared<std::mutex>();
  return [rng, mutex](const sf::testing::fault_point& at) -> std::optional<sf::send_result> {
    std::lock_guard lock(*mutex);
    switch ((*rng)() % 8) {
      case 0: return sf::send_result::retryable("injected: busy");
      case 1: return sf::send_result::fatal("injected: gone");
      case 2:
        if (at.records > 1)
          return sf::send_result::partial({{0, sf::failure_kind::retryable, "injected: first busy"},
                                           {1, sf::failure_kind::invalid_record, "injected: second bad"}});
        return std::nullopt;
      default: return std::nullopt;
    }
  };
}

test::Order record(int i) {
  test::Order o = test::order(i);
  if (i % 97 == 0) o.amount = std::nan("");  // cannot be encoded: rejected at write()
  return o;
}

void check_terminal_sum(const sf::metrics::counter_values& v, std::uint64_t written) {
  INFO("in " << v.records_in << " out " << v.records_out << " dead " << v.dead_lettered << " dropped "
             << v.dropped << " failed " << v.failures);
  CHECK(v.records_in == written);
  CHECK(v.records_out + v.dead_lettered + v.dropped + v.failures == v.records_in);
  CHECK(v.records_out > 0);
  CHECK(v.dead_lettered + v.failures > 0);
}

}  // namespace

TEST_CASE("terminal counters sum to the records written, synchronous, with a dead-letter target that sometimes fails") {
  sf::memory::buffer mem;
  sf::metrics::counters m;
  std::atomic<int> dead_calls{0};
  std::uint64_t reported = 0;
  constexpr int n = 5000;
  {
    auto sink = sf::make_sink<test::Order>(
        sf::testing::inject_faults(mem, random_faults(7)), m, sf::batch::max_records{16},
        sf::retry::fixed{.max_attempts = 2, .delay = 0ms},
        sf::dead_letter::call([&](std::vector<sf::failed_record>&&) {
          if (++dead_calls % 3 == 0) throw std::runtime_error("dead-letter store down");
        }));
    for (int i = 0; i < n; ++i) {
      try {
        sink.write(record(i));
      } catch (const sf::delivery_error& e) {
        reported += e.records().size();
      }
    }
    try {
      sink.close();
    } catch (const sf::delivery_error& e) {
      reported += e.records().size();
    }
  }
  const auto v = m.values();
  check_terminal_sum(v, n);
  CHECK(v.failures == reported);  // failed means reported to the caller, once
}

TEST_CASE("terminal counters sum to the records written, async with two senders") {
  sf::memory::buffer mem;
  sf::metrics::counters m;
  std::atomic<std::uint64_t> handed_to_on_error{0};
  constexpr int n = 5000;
  {
    auto sink = sf::make_sink<test::Order>(
        sf::testing::inject_faults(mem, random_faults(11)), m, sf::batch::max_records{16},
        sf::retry::fixed{.max_attempts = 2, .delay = 0ms}, sf::concurrency::async{.max_in_flight = 2},
        sf::partition::by<&test::Order::customer>,
        sf::on_error([&](const sf::delivery_error& e) { handed_to_on_error += e.records().size(); }));
    for (int i = 0; i < n; ++i) sink.write(record(i));
    CHECK_THROWS_AS(sink.close(), sf::delivery_error);
  }
  const auto v = m.values();
  check_terminal_sum(v, n);
  CHECK(v.failures == handed_to_on_error.load());
}

TEST_CASE("async_drop_newest under at_most_once: dropped records are counted, once, with the rest") {
  sf::memory::buffer mem;
  sf::metrics::counters m;
  std::atomic<bool> release{false};
  constexpr int n = 20000;
  {
    auto slow = sf::testing::inject_faults(mem, [&](const sf::testing::fault_point&) -> std::optional<sf::send_result> {
      while (!release.load()) std::this_thread::sleep_for(1ms);
      return std::nullopt;
    });
    auto sink = sf::make_sink<test::Order>(slow, m, sf::deliver::at_most_once, sf::batch::max_records{8},
                                           sf::concurrency::async_drop_newest{.buffer_records = 16});
    for (int i = 0; i < n; ++i) sink.write(test::order(i));
    release = true;
    sink.close();
  }
  const auto v = m.values();
  CHECK(v.records_in == n);
  CHECK(v.dropped > 0);
  CHECK(v.records_out + v.dropped == n);
  CHECK(mem.record_count() == v.records_out);
}

namespace {
// A memory transport whose flush() fails as fdatasync does on an I/O error.
struct failing_flush {
  using policy_family = sf::family::transport;
  sf::memory::buffer inner;
  struct connection {
    sf::memory::buffer inner;
    template <class B>
    sf::send_result send(const B& b) {
      return inner.send(b);
    }
    void flush() { throw std::system_error(EIO, std::generic_category(), "fdatasync 'orders.ndjson'"); }
  };
  template <class T, class P>
  connection open(const sf::transport_context&) const {
    return connection{inner};
  }
};
}  // namespace

TEST_CASE("a transport's flush failure reaches on_error from the destructor, synchronous and async") {
  std::vector<std::string> reasons;
  std::mutex mutex;
  auto collect = sf::on_error([&](const sf::delivery_error& e) {
    std::lock_guard lock(mutex);
    for (const auto& f : e.records()) reasons.push_back(f.reason);
  });
  SUBCASE("synchronous") {
    auto sink = sf::make_sink<test::Order>(failing_flush{}, collect);
    sink.write(test::order(1));
  }
  SUBCASE("async") {
    auto sink = sf::make_sink<test::Order>(failing_flush{}, collect, sf::concurrency::async{});
    sink.write(test::order(1));
  }
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0].find("close failed") != std::string::npos);
  CHECK(reasons[0].find("fdatasync 'orders.ndjson'") != std::string::npos);
}

namespace {
// ndjson, except that one record makes the encoder throw (as an allocation failure would).
struct exploding_ndjson : sf::serialize::ndjson {
  template <class T>
  sf::encode_status append(sf::byte_records& p, const T& record) const {
    if (record.id == "o50") throw std::runtime_error("encoder exploded");
    return sf::serialize::ndjson::append(p, record);
  }
};
}  // namespace

TEST_CASE("async: when the dispatcher stops, the records it held are reported failed, not left behind") {
  sf::memory::buffer mem;
  sf::metrics::counters m;
  std::atomic<std::uint64_t> reported{0};
  std::uint64_t taken = 0;
  {
    auto sink = sf::make_sink<test::Order>(
        mem, exploding_ndjson{}, m, sf::batch::max_records{7}, sf::concurrency::async{.buffer_records = 100000},
        sf::on_error([&](const sf::delivery_error& e) { reported += e.records().size(); }));
    for (int i = 0; i < 2000; ++i) {
      try {
        sink.write(test::order(i));
        ++taken;
      } catch (const std::runtime_error&) {
      }
    }
    CHECK_THROWS_WITH(sink.close(), "encoder exploded");
  }
  const auto v = m.values();
  INFO("taken " << taken << " out " << v.records_out << " failed " << v.failures);
  CHECK(v.records_in == taken);
  CHECK(v.records_out + v.failures == taken);
  CHECK(v.failures == reported.load());
  CHECK(v.failures >= 1);
  CHECK(mem.record_count() == v.records_out);
}
