// metrics::registry: one exposition for several sinks, checked by promtool; bucket label text;
// name rejection; lifetime; concurrent use.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>

#include <sinkforge/metrics/registry.hpp>
#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace {

struct promtool_result {
  int exit_code = -1;
  std::string output;
};

// `promtool check metrics` reads the exposition from stdin and lints it as Prometheus would scrape it.
promtool_result promtool_check(const std::string& text, const std::string& tag) {
  // The path of promtool, set for this test by tests/CMakeLists.txt.
  const char* promtool = std::getenv("SINKFORGE_PROMTOOL");
  REQUIRE_MESSAGE(promtool != nullptr, "SINKFORGE_PROMTOOL (the path of promtool) is not set; run the test with ctest");
  const auto base = std::filesystem::temp_directory_path() /
                    ("sinkforge_registry_" + std::to_string(::getpid()) + "_" + tag);
  const auto in = base.string() + ".prom", out = base.string() + ".promtool";
  std::ofstream(in, std::ios::binary) << text;
  const std::string cmd = std::string("'") + promtool + "' check metrics < '" + in + "' > '" + out + "' 2>&1";
  const int status = std::system(cmd.c_str());
  std::ostringstream o;
  o << std::ifstream(out).rdbuf();
  std::filesystem::remove(in);
  std::filesystem::remove(out);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, o.str()};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The value of the sample line that starts with `series` ("name{labels}"), or -1 if there is none.
long long value_of(const std::string& text, const std::string& series) {
  for (const std::string& l : lines_of(text))
    if (l.rfind(series + " ", 0) == 0) return std::stoll(l.substr(series.size() + 1));
  return -1;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("registry: three sinks, one async, render one exposition that promtool accepts") {
  sf::metrics::registry reg;
  sf::memory::buffer orders_mem, audit_mem, events_mem;
  std::size_t dead = 0;
  std::atomic<bool> release{false};
  auto gate = [&](const sf::testing::fault_point&) -> std::optional<sf::send_result> {
    while (!release.load()) std::this_thread::sleep_for(1ms);
    return std::nullopt;
  };
  {
    auto orders = sf::make_sink<test::Order>(
        orders_mem, reg.counters("orders"), sf::batch::max_records{2},
        sf::dead_letter::call([&](std::vector<sf::failed_record>&& r) { dead += r.size(); }));
    auto audit = sf::make_sink<test::Order>(audit_mem, reg.counters("audit \"eu\"\\1"));
    auto events = sf::make_sink<test::Order>(
        sf::testing::inject_faults(events_mem, gate), reg.counters("events"), sf::batch::max_records{1},
        sf::deliver::at_most_once, sf::concurrency::async_drop_newest{.max_in_flight = 1, .buffer_records = 4});
    for (int i = 0; i < 5; ++i) orders.write(test::order(i));
    orders.write(test::Order{"nan", "c", std::nan(""), 0});
    for (int i = 0; i < 3; ++i) audit.write(test::order(i));
    for (int i = 0; i < 100; ++i) events.write(test::order(i));
    release = true;
    orders.close();
    audit.close();
    events.close();
  }
  REQUIRE(dead == 1);
  CHECK(reg.size() == 3);
  const std::string text = reg.prometheus();

  // Each family once, each sink once in it, in registration order.
  for (const char* family : {"records_in_total", "records_out_total", "bytes_out_total", "batches_total",
                             "retries_total", "failures_total", "dropped_total", "dead_lettered_total",
                             "in_flight_batches", "buffered_records", "batch_latency_seconds"}) {
    CAPTURE(family);
    CHECK(count_of(text, std::string("# HELP sinkforge_") + family + " ") == 1);
    CHECK(count_of(text, std::string("# TYPE sinkforge_") + family + " ") == 1);
  }
  CHECK(count_of(text, "sinkforge_records_out_total{") == 3);
  CHECK(text.find("sinkforge_records_out_total{sink=\"orders\"} 5\n") != std::string::npos);
  CHECK(text.find("sinkforge_records_out_total{sink=\"audit \\\"eu\\\"\\\\1\"} 3\n") != std::string::npos);
  CHECK(text.find("sinkforge_dead_lettered_total{sink=\"orders\"} 1\n") != std::string::npos);
  CHECK(text.find("sinkforge_dropped_total{sink=\"orders\",reason=\"buffer_full\"} 0\n") != std::string::npos);
  CHECK(text.find("sinkforge_batch_latency_seconds_count{sink=\"audit \\\"eu\\\"\\\\1\"} 1\n") != std::string::npos);
  CHECK(text.find("sinkforge_records_out_total{sink=\"orders\"}") <
        text.find("sinkforge_records_out_total{sink=\"events\"}"));
  CHECK(value_of(text, "sinkforge_dropped_total{sink=\"events\",reason=\"buffer_full\"}") > 0);

  const promtool_result r = promtool_check(text, "three");
  INFO("promtool said:\n" << r.output << "\nthe exposition:\n" << text);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("error") == std::string::npos);
}

TEST_CASE("promtool rejects two lone expositions joined, which is why the registry exists") {
  sf::metrics::counters a{.name = "a"}, b{.name = "b"};
  const promtool_result lone = promtool_check(a.prometheus(), "lone");
  INFO("promtool said:\n" << lone.output);
  CHECK(lone.exit_code == 0);
  const promtool_result joined = promtool_check(a.prometheus() + b.prometheus(), "joined");
  CHECK(joined.exit_code != 0);
  CHECK(joined.output.find("second HELP line for metric name \"sinkforge_records_in_total\"") != std::string::npos);
}

TEST_CASE("bucket bounds are printed as the Prometheus clients print them") {
  sf::metrics::counters m{.name = "s"};
  m.batch_sent(300us);
  m.batch_sent(7s);
  const std::string text = m.prometheus();
  std::vector<std::string> buckets;
  for (const std::string& l : lines_of(text))
    if (l.rfind("sinkforge_batch_latency_seconds_bucket", 0) == 0) buckets.push_back(l);
  const std::vector<std::string> expected = {
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="0.0001"} 0)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="0.0005"} 1)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="0.001"} 1)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="0.0025"} 1)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="0.005"} 1)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="0.01"} 1)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="0.025"} 1)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="0.05"} 1)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="0.1"} 1)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="0.5"} 1)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="1.0"} 1)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="5.0"} 1)",
      R"(sinkforge_batch_latency_seconds_bucket{sink="s",le="+Inf"} 2)",
  };
  CHECK(buckets == expected);
  CHECK(text.find("sinkforge_batch_latency_seconds_sum{sink=\"s\"} 7.0003\n") != std::string::npos);
  CHECK(text.find("sinkforge_batch_latency_seconds_count{sink=\"s\"} 2\n") != std::string::npos);

  // The general rule: shortest round-trip digits; exponent form below 1e-4 and from 1e6 up.
  using c = sf::metrics::counters;
  CHECK(c::format_float(0.0001) == "0.0001");
  CHECK(c::format_float(0.00001) == "1e-05");
  CHECK(c::format_float(0.000015) == "1.5e-05");
  CHECK(c::format_float(0.0) == "0.0");
  CHECK(c::format_float(1.0) == "1.0");
  CHECK(c::format_float(2.5) == "2.5");
  CHECK(c::format_float(123456.0) == "123456.0");
  CHECK(c::format_float(1e6) == "1e+06");
  CHECK(c::format_float(1234567.0) == "1.234567e+06");
  CHECK(c::format_float(1e100) == "1e+100");
  CHECK(c::format_float(0.1 + 0.2) == "0.30000000000000004");
  CHECK(c::format_float(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(c::format_float(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(c::format_float(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE("registry rejects an empty or repeated sink name, naming it") {
  sf::metrics::registry reg;
  auto first = reg.counters("orders");
  auto message_of = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no exception)";
  };
  CHECK(message_of([&] { (void)reg.counters("orders"); }) ==
        "sinkforge: metrics::registry: sink name \"orders\" is already registered");
  CHECK(message_of([&] { reg.add(sf::metrics::counters{.name = "orders"}); }) ==
        "sinkforge: metrics::registry: sink name \"orders\" is already registered");
  CHECK(message_of([&] { (void)reg.counters(""); }) == "sinkforge: metrics::registry: sink name is empty");
  CHECK(reg.size() == 1);

  // remove() frees the name; the old counters keep counting, unexported.
  CHECK(reg.remove("orders"));
  CHECK_FALSE(reg.remove("orders"));
  auto second = reg.counters("orders");
  first.records_in(7);
  CHECK(reg.prometheus().find("sinkforge_records_in_total{sink=\"orders\"} 0\n") != std::string::npos);
}

TEST_CASE("registry keeps a closed sink's final counts; a sink may outlive the registry") {
  sf::memory::buffer mem;
  std::optional<sf::metrics::registry> reg(std::in_place);
  {
    auto sink = sf::make_sink<test::Order>(mem, reg->counters("gone"));
    sink.write(test::order(1));
    sink.close();
  }
  CHECK(reg->prometheus().find("sinkforge_records_out_total{sink=\"gone\"} 1\n") != std::string::npos);

  sf::metrics::counters kept = reg->counters("kept");
  auto sink = sf::make_sink<test::Order>(mem, kept);
  reg.reset();  // the sink's counters hold nothing of the registry
  sink.write(test::order(2));
  sink.close();
  CHECK(kept.values().records_out == 1);
}

TEST_CASE("registry: registering, rendering and counting from several threads at once") {
  sf::metrics::registry reg;
  std::atomic<bool> stop{false};
  std::thread renderer([&] {
    while (!stop.load()) {
      const std::string text = reg.prometheus();
      CHECK(count_of(text, "# TYPE sinkforge_records_in_total counter\n") == 1);
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&reg, t] {
      sf::memory::buffer mem;
      auto sink = sf::make_sink<test::Order>(mem, reg.counters("w" + std::to_string(t)),
                                             sf::concurrency::async{.max_in_flight = 2});
      for (int i = 0; i < 2000; ++i) sink.write(test::order(i));
      sink.close();
    });
  }
  for (auto& w : writers) w.join();
  stop = true;
  renderer.join();
  const std::string text = reg.prometheus();
  for (int t = 0; t < 3; ++t)
    CHECK(text.find("sinkforge_records_out_total{sink=\"w" + std::to_string(t) + "\"} 2000\n") !=
          std::string::npos);
}

TEST_CASE("dropped counts per reason and in total") {
  sf::metrics::counters m{.name = "d"};
  m.dropped(3, sf::metrics::drop_reason::buffer_full);
  m.dropped(2, sf::metrics::drop_reason::buffer_full);
  const auto v = m.values();
  CHECK(v.dropped == 5);
  CHECK(v.dropped_for(sf::metrics::drop_reason::buffer_full) == 5);
  CHECK(m.prometheus().find("sinkforge_dropped_total{sink=\"d\",reason=\"buffer_full\"} 5\n") != std::string::npos);
  static_assert(std::string_view(sf::metrics::drop_reason_name(sf::metrics::drop_reason::buffer_full)) ==
                "buffer_full");
}
