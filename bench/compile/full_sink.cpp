// 5. Compile-time probe: one translation unit composing one sink with every policy family given
// explicitly. bench/run.sh compiles it with `g++ -std=c++20 -O2 -c` under /usr/bin/time -v and
// reports wall seconds and peak memory, in these variants:
//   (default)                       SQLite transport, serialize::columns
//   -DSINKFORGE_PROBE_FILE          file transport, serialize::ndjson
//   -DSINKFORGE_PROBE_UMBRELLA      <sinkforge/sinkforge.hpp> instead of the per-policy headers
//   -DSINKFORGE_PROBE_INCLUDES_ONLY stops after the includes (the headers' share of the time)
// It includes the header of each policy it names, as docs/getting-started.md advises.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#ifdef SINKFORGE_PROBE_UMBRELLA
#include <sinkforge/sinkforge.hpp>
#else
#include <sinkforge/batch/max_age.hpp>
#include <sinkforge/batch/max_records.hpp>
#include <sinkforge/clock.hpp>
#include <sinkforge/concurrency/synchronous.hpp>
#include <sinkforge/dead_letter/policy.hpp>
#include <sinkforge/deliver/guarantee.hpp>
#include <sinkforge/metrics/counters.hpp>
#include <sinkforge/on_error.hpp>
#include <sinkforge/partition/by.hpp>
#include <sinkforge/retry/exponential.hpp>
#include <sinkforge/sink.hpp>
#endif
#ifdef SINKFORGE_PROBE_FILE
#include <sinkforge/serialize/ndjson.hpp>
#include <sinkforge/transport/file.hpp>
#else
#include <sinkforge/serialize/columns.hpp>
#include <sinkforge/transport/sqlite.hpp>
#endif

#ifndef SINKFORGE_PROBE_INCLUDES_ONLY
namespace sf = sinkforge;
using namespace std::chrono_literals;

struct Order {
  BOOST_HANA_DEFINE_STRUCT(Order, (std::string, id), (std::string, customer), (double, amount),
                           (std::int64_t, ts_ms));
};

void write_orders(const std::vector<Order>& orders, sf::metrics::counters& metrics) {
  auto sink = sf::make_sink<Order>(
#ifdef SINKFORGE_PROBE_FILE
      sf::file::append{.path = "orders.ndjson"},                   // transport
      sf::serialize::ndjson{},                                     // serializer
#else
      sf::sqlite::table{.path = "orders.db", .name = "orders"},  // transport
      sf::serialize::columns{},                                    // serializer
#endif
      sf::batch::max_records{500} | sf::batch::max_age{200ms},     // batching
      sf::retry::exponential{.max_attempts = 5},                   // retry
      sf::deliver::at_least_once,                                  // delivery
      sf::partition::by<&Order::customer>,                         // partition
      sf::concurrency::synchronous{},                              // concurrency
      metrics,                                                     // metrics
      sf::dead_letter::none{},                                     // dead letter
      sf::clock::steady{},                                         // clock
      sf::errors::to_stderr{});                                    // on_error
  for (const auto& o : orders) sink.write(o);
  sink.flush();
  sink.close();
}

#endif  // SINKFORGE_PROBE_INCLUDES_ONLY
