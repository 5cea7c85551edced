// Batching the way an HTTP API wants it: JSON arrays of at most 100 records or 16 KiB, sent at
// least every 250 ms, retried with jittered back-off when the "server" answers 503 or 429, and
// records it rejects go to a dead-letter file. The memory transport stands in for the HTTP client;
// fault injection plays the server's bad days.
#include <cstdio>

#include <sinkforge/sinkforge.hpp>

namespace sf = sinkforge;
using namespace std::chrono_literals;

struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event, (std::int64_t, id), (std::string, kind), (double, value));
};

int main() {
  sf::memory::buffer api;
  auto server = sf::testing::inject_faults(api, [](const sf::testing::fault_point& p) -> std::optional<sf::send_result> {
    if (p.sequence % 7 == 3 && p.attempt == 1) return sf::send_result::retryable("HTTP 503");
    if (p.sequence % 11 == 5 && p.attempt == 1) return sf::send_result::retryable("HTTP 429", 300ms);
    if (p.sequence % 13 == 0 && p.attempt == 1)  // the API rejects one record of the batch
      return sf::send_result::partial({{0, sf::failure_kind::invalid_record, "HTTP 422: unknown kind"}});
    return std::nullopt;
  });

  auto dead_letters = sf::make_sink<sf::failed_record>(sf::file::append{.path = "http_dead_letters.ndjson"});
  sf::metrics::counters metrics{.name = "events"};
  sf::clock::manual clock;  // back-off without waiting, so the example runs instantly
  auto sink = sf::make_sink<Event>(
      server, sf::serialize::json{},
      sf::batch::max_records{100} | sf::batch::max_bytes{16 * 1024} | sf::batch::max_age{250ms},
      sf::retry::exponential{.max_attempts = 4, .initial = 100ms, .cap = 2s, .jitter = sf::retry::jitter::full},
      sf::dead_letter::to(dead_letters), metrics, clock);

  for (std::int64_t i = 0; i < 5000; ++i) sink.write(Event{i, i % 3 ? "click" : "view", static_cast<double>(i) / 7});
  sink.close();
  dead_letters.close();

  const auto v = metrics.values();
  std::printf("requests %zu, records delivered %llu, retries %llu, dead-lettered %llu, back-off slept %.1f s\n",
              api.batch_count(), static_cast<unsigned long long>(v.records_out),
              static_cast<unsigned long long>(v.retries), static_cast<unsigned long long>(v.dead_lettered),
              std::chrono::duration<double>(clock.slept()).count());
  std::printf("first request body starts: %.60s...\n", api.batches().front().bytes.c_str());
}
