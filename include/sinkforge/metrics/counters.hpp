// metrics::counters: relaxed atomic counters, two gauges and a batch-latency histogram, rendered in
// the Prometheus text exposition format (version 0.0.4). Copies share one set of counters, so keep a
// copy to read from while the sink owns the other:
//
//   sf::metrics::counters m{.name = "orders"};
//   auto sink = sf::make_sink<Order>(transport, m);
//   std::cout << m.prometheus();
//
// Several sinks in one exposition: metrics::registry (<sinkforge/metrics/registry.hpp>).
#pragma once
#include <array>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include <sinkforge/detail/shared_box.hpp>
#include <sinkforge/metrics/concept.hpp>

namespace sinkforge::inline v1::metrics {

inline constexpr std::size_t drop_reason_count = sizeof all_drop_reasons / sizeof all_drop_reasons[0];

// The `reason` label of sinkforge_dropped_total. A reason added to drop_reason without a name here
// is a -Wswitch error.
constexpr const char* drop_reason_name(drop_reason r) noexcept {
  switch (r) {
    case drop_reason::buffer_full: return "buffer_full";
    case drop_reason::duplicate: return "duplicate";
  }
  return "unknown";
}

// Counts are kept per reason, indexed by the enumerator's value.
static_assert(
    [] {
      for (std::size_t i = 0; i < drop_reason_count; ++i)
        if (static_cast<std::size_t>(all_drop_reasons[i]) != i) return false;
      return true;
    }(),
    "all_drop_reasons must list every drop_reason once, in declaration order");

// Upper bounds of the latency histogram buckets, in seconds.
inline constexpr std::array<double, 12> latency_buckets{0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                        0.025,  0.05,   0.1,   0.5,    1.0,   5.0};

struct counter_values {
  std::uint64_t records_in = 0, records_out = 0, bytes_out = 0, batches = 0, retries = 0,
                failures = 0, dropped = 0, dead_lettered = 0;  // dropped: all reasons together
  std::int64_t in_flight = 0, buffered = 0;
  std::array<std::uint64_t, drop_reason_count> dropped_by_reason{};  // indexed by drop_reason
  // Observations per latency bucket (not cumulative); the last one is +Inf.
  std::array<std::uint64_t, latency_buckets.size() + 1> latency_counts{};
  std::uint64_t latency_sum_ns = 0;

  constexpr std::uint64_t dropped_for(drop_reason r) const noexcept {
    return dropped_by_reason[static_cast<std::size_t>(r)];
  }
};

struct counters {
  using policy_family = family::metrics;

  static constexpr const auto& latency_buckets = metrics::latency_buckets;

  struct block {
    std::atomic<std::uint64_t> records_in{0}, records_out{0}, bytes_out{0}, batches{0}, retries{0},
        failures{0}, dead_lettered{0};
    std::array<std::atomic<std::uint64_t>, drop_reason_count> dropped{};
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
  void dropped(std::size_t n, drop_reason why) const noexcept {
    const auto i = static_cast<std::size_t>(why);
    if (i < drop_reason_count) add(data->dropped[i], n);
  }
  void dead_lettered(std::size_t n) const noexcept { add(data->dead_lettered, n); }
  void in_flight(std::int64_t d) const noexcept { data->in_flight.fetch_add(d, std::memory_order_relaxed); }
  void buffered(std::int64_t d) const noexcept { data->buffered.fetch_add(d, std::memory_order_relaxed); }

  counter_values values() const noexcept {
    auto r = [](const auto& a) { return a.load(std::memory_order_relaxed); };
    const block& b = *data;
    counter_values v;
    v.records_in = r(b.records_in);
    v.records_out = r(b.records_out);
    v.bytes_out = r(b.bytes_out);
    v.batches = r(b.batches);
    v.retries = r(b.retries);
    v.failures = r(b.failures);
    v.dead_lettered = r(b.dead_lettered);
    v.in_flight = r(b.in_flight);
    v.buffered = r(b.buffered);
    for (std::size_t i = 0; i < drop_reason_count; ++i) {
      v.dropped_by_reason[i] = r(b.dropped[i]);
      v.dropped += v.dropped_by_reason[i];
    }
    for (std::size_t i = 0; i < b.latency.size(); ++i) v.latency_counts[i] = r(b.latency[i]);
    v.latency_sum_ns = r(b.latency_sum_ns);
    return v;
  }

  // This sink alone in the Prometheus text format: every family once, labelled {sink="<name>"}.
  std::string prometheus() const {
    const named_values one[] = {{name, values()}};
    std::string out;
    render_prometheus(out, one);
    return out;
  }

  // One sink's snapshot, as render_prometheus takes it.
  struct named_values {
    std::string_view sink;
    counter_values values;
  };

  // Renders every metric family once (one HELP, one TYPE) with one sample per sink, in the order
  // given: the exposition of one sink or of a metrics::registry. `sinks` is a range of named_values.
  template <class Sinks>
  static void render_prometheus(std::string& out, const Sinks& sinks) {
    using V = counter_values;
    struct scalar {
      const char* name;
      const char* type;
      const char* help;
      std::uint64_t V::*u;
      std::int64_t V::*i;
    };
    static constexpr scalar before_drops[] = {
        {"records_in_total", "counter",
         "Records written to the sink; each ends in one of records_out, dead_lettered, dropped or failures.",
         &V::records_in, nullptr},
        {"records_out_total", "counter", "Records delivered: the transport accepted them.", &V::records_out, nullptr},
        {"bytes_out_total", "counter", "Bytes of batches the transport accepted.", &V::bytes_out, nullptr},
        {"batches_total", "counter", "Batch send attempts.", &V::batches, nullptr},
        {"retries_total", "counter", "Batch sends retried.", &V::retries, nullptr},
        {"failures_total", "counter",
         "Records reported as failed through on_error or delivery_error and not dead-lettered.", &V::failures,
         nullptr},
    };
    static constexpr scalar after_drops[] = {
        {"dead_lettered_total", "counter", "Records the dead-letter target accepted.", &V::dead_lettered, nullptr},
        {"in_flight_batches", "gauge", "Batches being sent now.", nullptr, &V::in_flight},
        {"buffered_records", "gauge", "Records queued in the async buffer.", nullptr, &V::buffered},
    };
    auto header = [&](std::string_view metric, std::string_view type, std::string_view help) {
      out.append("# HELP sinkforge_").append(metric).append(" ").append(help);
      out.append("\n# TYPE sinkforge_").append(metric).append(" ").append(type).append("\n");
    };
    auto sample = [&](std::string_view metric, std::string_view sink, std::string_view extra_label,
                      std::string_view extra_value, std::string_view value) {
      out.append("sinkforge_").append(metric).append("{sink=\"");
      append_label_value(out, sink);
      if (!extra_label.empty()) out.append("\",").append(extra_label).append("=\"").append(extra_value);
      out.append("\"} ").append(value).append("\n");
    };
    auto scalars = [&](const auto& list) {
      for (const scalar& s : list) {
        header(s.name, s.type, s.help);
        for (const named_values& n : sinks)
          sample(s.name, n.sink, {}, {}, s.u ? std::to_string(n.values.*s.u) : std::to_string(n.values.*s.i));
      }
    };

    scalars(before_drops);
    header("dropped_total", "counter", "Records discarded unsent (an overflow rule, a duplicate key), by reason.");
    for (const named_values& n : sinks)
      for (drop_reason r : all_drop_reasons)
        sample("dropped_total", n.sink, "reason", drop_reason_name(r), std::to_string(n.values.dropped_for(r)));
    scalars(after_drops);

    header("batch_latency_seconds", "histogram", "Time to send one batch attempt.");
    for (const named_values& n : sinks) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < n.values.latency_counts.size(); ++i) {
        cumulative += n.values.latency_counts[i];
        sample("batch_latency_seconds_bucket", n.sink, "le",
               i < latency_buckets.size() ? format_float(latency_buckets[i]) : std::string("+Inf"),
               std::to_string(cumulative));
      }
      sample("batch_latency_seconds_sum", n.sink, {}, {},
             format_float(static_cast<double>(n.values.latency_sum_ns) * 1e-9));
      sample("batch_latency_seconds_count", n.sink, {}, {}, std::to_string(cumulative));
    }
  }

  // A float as the Prometheus clients print it (Go's OpenMetrics writer, Python's floatToGoString):
  // the shortest text that reads back exactly, in exponent form below 1e-4 and from 1e6 up ("1e-05",
  // "1e+06"), otherwise plain with at least one decimal ("0.0001", "0.0025", "1.0"); "+Inf", "-Inf",
  // "NaN". The same bucket then has the same `le` text whichever client exports it.
  static std::string format_float(double d) {
    if (d != d) return "NaN";
    if (d > 1.7976931348623157e308) return "+Inf";
    if (d < -1.7976931348623157e308) return "-Inf";
    if (d == 0) return "0.0";
    char buf[64];
    const auto sci = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    const char* e = buf;
    while (*e != 'e') ++e;
    int exponent = 0;
    std::from_chars(e + (e[1] == '+' ? 2 : 1), sci.ptr, exponent);
    if (exponent < -4 || exponent >= 6) return std::string(buf, sci.ptr);
    const auto fixed = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    std::string s(buf, fixed.ptr);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }

 private:
  static void add(std::atomic<std::uint64_t>& a, std::uint64_t n) noexcept {
    a.fetch_add(n, std::memory_order_relaxed);
  }
  static void append_label_value(std::string& out, std::string_view s) {
    for (char c : s) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
  }
};

}  // namespace sinkforge::inline v1::metrics
