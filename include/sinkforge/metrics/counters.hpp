// metrics::counters: relaxed atomic counters, two gauges and a batch-latency histogram, rendered in
// the Prometheus text exposition format (version 0.0.4). Copies share one set of counters, so keep a
// copy to read from while the sink owns the other:
//
//   sf::metrics::counters m{.name = "orders"};
//   auto sink = sf::make_sink<Order>(transport, m);
//   std::cout << m.prometheus();
#pragma once
#include <array>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <string>

#include <sinkforge/detail/shared_box.hpp>
#include <sinkforge/metrics/concept.hpp>

namespace sinkforge::inline v1::metrics {

struct counter_values {
  std::uint64_t records_in = 0, records_out = 0, bytes_out = 0, batches = 0, retries = 0,
                failures = 0, dropped = 0, dead_lettered = 0;
  std::int64_t in_flight = 0, buffered = 0;
};

struct counters {
  using policy_family = family::metrics;

  // Upper bounds of the latency histogram buckets, in seconds.
  static constexpr std::array<double, 12> latency_buckets{0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                          0.025,  0.05,   0.1,   0.5,    1.0,   5.0};
  struct block {
    std::atomic<std::uint64_t> records_in{0}, records_out{0}, bytes_out{0}, batches{0}, retries{0},
        failures{0}, dropped{0}, dead_lettered{0};
    std::atomic<std::int64_t> in_flight{0}, buffered{0};
    std::array<std::atomic<std::uint64_t>, latency_buckets.size() + 1> latency{};
    std::atomic<std::uint64_t> latency_sum_ns{0};
  };

  std::string name = "sinkforge";  // the `sink` label
  detail::shared_box<block> data{};

  void records_in(std::size_t n) const noexcept { add(data->records_in, n); }
  void records_out(std::size_t n) const noexcept { add(data->records_out, n); }
  void bytes_out(std::size_t n) const noexcept { add(data->bytes_out, n); }
  void batch_sent(std::chrono::nanoseconds latency) const noexcept {
    add(data->batches, 1);
    const double s = static_cast<double>(latency.count()) * 1e-9;
    std::size_t i = 0;
    while (i < latency_buckets.size() && s > latency_buckets[i]) ++i;
    add(data->latency[i], 1);
    add(data->latency_sum_ns, static_cast<std::uint64_t>(latency.count() > 0 ? latency.count() : 0));
  }
  void retried() const noexcept { add(data->retries, 1); }
  void failed(std::size_t n) const noexcept { add(data->failures, n); }
  void dropped(std::size_t n) const noexcept { add(data->dropped, n); }
  void dead_lettered(std::size_t n) const noexcept { add(data->dead_lettered, n); }
  void in_flight(std::int64_t d) const noexcept { data->in_flight.fetch_add(d, std::memory_order_relaxed); }
  void buffered(std::int64_t d) const noexcept { data->buffered.fetch_add(d, std::memory_order_relaxed); }

  counter_values values() const noexcept {
    auto r = [](const auto& a) { return a.load(std::memory_order_relaxed); };
    const block& b = *data;
    return {r(b.records_in), r(b.records_out), r(b.bytes_out), r(b.batches),   r(b.retries),
            r(b.failures),   r(b.dropped),     r(b.dead_lettered), r(b.in_flight), r(b.buffered)};
  }

  std::string prometheus() const {
    const counter_values v = values();
    std::string out;
    const std::string label = "{sink=\"" + escape_label(name) + "\"}";
    auto metric = [&](const char* metric_name, const char* type, const char* help, auto value) {
      out += "# HELP sinkforge_";
      out += metric_name;
      out += ' ';
      out += help;
      out += "\n# TYPE sinkforge_";
      out += metric_name;
      out += ' ';
      out += type;
      out += "\nsinkforge_";
      out += metric_name;
      out += label;
      out += ' ';
      out += std::to_string(value);
      out += '\n';
    };
    metric("records_in_total", "counter", "Records accepted by write().", v.records_in);
    metric("records_out_total", "counter", "Records the transport accepted.", v.records_out);
    metric("bytes_out_total", "counter", "Bytes of batches the transport accepted.", v.bytes_out);
    metric("batches_total", "counter", "Batch send attempts.", v.batches);
    metric("retries_total", "counter", "Batch sends retried.", v.retries);
    metric("failures_total", "counter", "Records that could not be delivered.", v.failures);
    metric("dropped_total", "counter", "Records dropped by a full async buffer (drop_newest).", v.dropped);
    metric("dead_lettered_total", "counter", "Records handed to the dead-letter target.", v.dead_lettered);
    metric("in_flight_batches", "gauge", "Batches being sent now.", v.in_flight);
    metric("buffered_records", "gauge", "Records queued in the async buffer.", v.buffered);

    const std::string base = "sinkforge_batch_latency_seconds";
    out += "# HELP " + base + " Time to send one batch attempt.\n# TYPE " + base + " histogram\n";
    std::uint64_t cumulative = 0;
    const std::string sink_label = "sink=\"" + escape_label(name) + "\"";
    for (std::size_t i = 0; i <= latency_buckets.size(); ++i) {
      cumulative += data->latency[i].load(std::memory_order_relaxed);
      out += base + "_bucket{" + sink_label + ",le=\"" +
             (i < latency_buckets.size() ? format_double(latency_buckets[i]) : std::string("+Inf")) +
             "\"} " + std::to_string(cumulative) + "\n";
    }
    out += base + "_sum{" + sink_label + "} " +
           format_double(static_cast<double>(data->latency_sum_ns.load(std::memory_order_relaxed)) * 1e-9) +
           "\n";
    out += base + "_count{" + sink_label + "} " + std::to_string(cumulative) + "\n";
    return out;
  }

 private:
  static void add(std::atomic<std::uint64_t>& a, std::uint64_t n) noexcept {
    a.fetch_add(n, std::memory_order_relaxed);
  }
  static std::string format_double(double d) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, r.ptr);
  }
  static std::string escape_label(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    return out;
  }
};

}  // namespace sinkforge::inline v1::metrics
