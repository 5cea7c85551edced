// 5. Compile-time probe: one translation unit composing one sink with every policy family given
// explicitly, file transport with the ndjson serializer. bench/run.sh compiles it with
// `g++ -std=c++20 -O2 -c` under /usr/bin/time -v and reports wall seconds and peak memory.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <sinkforge/sinkforge.hpp>

namespace sf = sinkforge;
using namespace std::chrono_literals;

struct Order {
  BOOST_HANA_DEFINE_STRUCT(Order, (std::string, id), (std::string, customer), (double, amount),
                           (std::int64_t, ts_ms));
};

void write_orders(const std::vector<Order>& orders, sf::metrics::counters& metrics) {
  auto sink = sf::make_sink<Order>(
      sf::file::append{.path = "orders.ndjson"},                // transport
      sf::serialize::ndjson{},                                  // serializer
      sf::batch::max_records{500} | sf::batch::max_age{200ms},  // batching
      sf::retry::exponential{.max_attempts = 5},                // retry
      sf::deliver::at_least_once,                               // delivery
      sf::partition::by<&Order::customer>,                      // partition
      sf::concurrency::synchronous{},                           // concurrency
      metrics,                                                  // metrics
      sf::dead_letter::none{},                                  // dead letter
      sf::clock::steady{},                                      // clock
      sf::errors::to_stderr{});                                 // on_error
  for (const auto& o : orders) sink.write(o);
  sink.flush();
  sink.close();
}
