#include "metrics_http.hpp"

#include <limits>
#include <mutex>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <sinkforge/error.hpp>

namespace sinkforge_tool {

namespace {
namespace sf = sinkforge;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
}  // namespace

struct metrics_endpoint::collector : prometheus::Collectable {
  collector(const std::atomic<std::uint64_t>& l, const std::atomic<std::uint64_t>& d) : lines(l), dead(d) {}

  std::vector<MetricFamily> Collect() const override {
    std::vector<std::pair<std::string, sf::metrics::counter_values>> values;
    {
      std::lock_guard lock(m);
      for (const auto& [name, read] : sinks) values.emplace_back(name, read());
    }
    using V = sf::metrics::counter_values;
    struct scalar {
      const char* name;
      const char* help;
      std::uint64_t V::*u;
    };
    static constexpr scalar counters[] = {
        {"sinkforge_records_in_total", "Records written to the sink.", &V::records_in},
        {"sinkforge_records_out_total", "Records delivered: the transport accepted them.", &V::records_out},
        {"sinkforge_bytes_out_total", "Bytes of batches the transport accepted.", &V::bytes_out},
        {"sinkforge_batches_total", "Batch send attempts.", &V::batches},
        {"sinkforge_retries_total", "Batch sends retried.", &V::retries},
        {"sinkforge_failures_total", "Records reported as failed and not dead-lettered.", &V::failures},
        {"sinkforge_dead_lettered_total", "Records the dead-letter target accepted.", &V::dead_lettered},
    };
    std::vector<MetricFamily> out;
    for (const scalar& s : counters) {
      MetricFamily f{s.name, s.help, MetricType::Counter, {}};
      for (const auto& [name, v] : values) {
        ClientMetric c;
        c.label.push_back({"sink", name});
        c.counter.value = static_cast<double>(v.*s.u);
        f.metric.push_back(std::move(c));
      }
      out.push_back(std::move(f));
    }
    MetricFamily latency{"sinkforge_batch_latency_seconds", "Time to send one batch attempt.", MetricType::Histogram, {}};
    for (const auto& [name, v] : values) {
      ClientMetric c;
      c.label.push_back({"sink", name});
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < v.latency_counts.size(); ++i) {
        cumulative += v.latency_counts[i];
        const double bound = i < sf::metrics::latency_buckets.size() ? sf::metrics::latency_buckets[i]
                                                                      : std::numeric_limits<double>::infinity();
        c.histogram.bucket.push_back({cumulative, bound});
      }
      c.histogram.sample_count = cumulative;
      c.histogram.sample_sum = static_cast<double>(v.latency_sum_ns) * 1e-9;
      latency.metric.push_back(std::move(c));
    }
    out.push_back(std::move(latency));
    auto tool_counter = [&](const char* name, const char* help, std::uint64_t v) {
      MetricFamily f{name, help, MetricType::Counter, {}};
      ClientMetric c;
      c.counter.value = static_cast<double>(v);
      f.metric.push_back(std::move(c));
      out.push_back(std::move(f));
    };
    tool_counter("sinkforge_tool_lines_read_total", "Input lines read.", lines.load());
    tool_counter("sinkforge_tool_dead_letters_total", "Records written to the dead-letter file.", dead.load());
    return out;
  }

  const std::atomic<std::uint64_t>& lines;
  const std::atomic<std::uint64_t>& dead;
  mutable std::mutex m;
  std::vector<std::pair<std::string, std::function<sf::metrics::counter_values()>>> sinks;
};

struct metrics_endpoint::server {
  prometheus::Exposer exposer;
  explicit server(const std::string& address) : exposer(address) {}
};

metrics_endpoint::metrics_endpoint(std::uint16_t port, const std::atomic<std::uint64_t>& lines,
                                   const std::atomic<std::uint64_t>& dead)
    : collector_(std::make_shared<collector>(lines, dead)) {
  try {
    server_ = std::make_unique<server>("127.0.0.1:" + std::to_string(port));
  } catch (const std::exception& e) {
    throw sf::config_error("--metrics-port", "cannot serve on 127.0.0.1:" + std::to_string(port) + ": " + e.what());
  }
  server_->exposer.RegisterCollectable(collector_);
}

metrics_endpoint::~metrics_endpoint() = default;

void metrics_endpoint::add(std::string sink, std::function<sf::metrics::counter_values()> read) {
  std::lock_guard lock(collector_->m);
  collector_->sinks.emplace_back(std::move(sink), std::move(read));
}

}  // namespace sinkforge_tool
