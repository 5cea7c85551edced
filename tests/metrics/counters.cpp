// metrics::counters and its Prometheus rendering.
#include <cmath>

#include <doctest/doctest.h>

#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;

TEST_CASE("counters count what the sink did and render Prometheus text") {
  sf::memory::buffer mem;
  sf::metrics::counters m{.name = "orders \"eu\""};
  std::size_t dead = 0;
  {
    auto sink = sf::make_sink<test::Order>(
        mem, m, sf::batch::max_records{2},
        sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) { dead += r.size(); }));
    for (int i = 0; i < 5; ++i) sink.write(test::order(i));
    sink.write(test::Order{"nan", "c", std::nan(""), 0});
    sink.close();
  }
  const auto v = m.values();
  CHECK(v.records_in == 6);
  CHECK(v.records_out == 5);
  CHECK(v.batches == 3);
  CHECK(v.failures == 0);  // the one failed record was dead-lettered: one terminal counter each
  CHECK(v.dead_lettered == 1);
  CHECK(dead == 1);
  CHECK(v.in_flight == 0);
  std::size_t bytes = 0;
  for (const auto& b : mem.batches()) bytes += b.bytes.size();
  CHECK(v.bytes_out == bytes);

  const std::string text = m.prometheus();
  CHECK(text.find("# TYPE sinkforge_records_in_total counter\n") != std::string::npos);
  CHECK(text.find("sinkforge_records_in_total{sink=\"orders \\\"eu\\\"\"} 6\n") != std::string::npos);
  CHECK(text.find("sinkforge_dead_lettered_total{sink=\"orders \\\"eu\\\"\"} 1\n") != std::string::npos);
  CHECK(text.find("# TYPE sinkforge_batch_latency_seconds histogram\n") != std::string::npos);
  CHECK(text.find("sinkforge_batch_latency_seconds_bucket{sink=\"orders \\\"eu\\\"\",le=\"+Inf\"} 3\n") !=
        std::string::npos);
  CHECK(text.find("sinkforge_batch_latency_seconds_count{sink=\"orders \\\"eu\\\"\"} 3\n") != std::string::npos);
  // Every sample line is "name{labels} value".
  std::size_t samples = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto end = text.find('\n', pos);
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line[0] == '#') continue;
    ++samples;
    CHECK(line.rfind("sinkforge_", 0) == 0);
    CHECK(line.find("} ") != std::string::npos);
  }
  CHECK(samples == 10 + 13 + 3);  // one dropped_total sample per drop_reason (two today)
}

TEST_CASE("metrics::none is empty and costs no storage") {
  static_assert(std::is_empty_v<sf::metrics::none>);
  static_assert(sf::metrics_policy<sf::metrics::none>);
  static_assert(sf::metrics_policy<sf::metrics::counters>);
}

namespace {
// A policy written for the hook without a reason no longer models the concept.
struct reasonless_drops : sf::metrics::none {
  void dropped(std::size_t) const noexcept {}
};
}  // namespace
static_assert(!sf::metrics_policy<reasonless_drops>);
