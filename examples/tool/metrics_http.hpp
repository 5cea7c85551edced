// The sinkforge tool's --metrics-port: the Prometheus exposition of every target's counters (and
// the tool's own lines and dead letters), served on 127.0.0.1 by prometheus-cpp's Exposer.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <sinkforge/metrics/counters.hpp>

namespace sinkforge_tool {

class metrics_endpoint {
 public:
  // Serves http://127.0.0.1:<port>/metrics; config_error("--metrics-port") when it cannot bind.
  metrics_endpoint(std::uint16_t port, const std::atomic<std::uint64_t>& lines, const std::atomic<std::uint64_t>& dead);
  ~metrics_endpoint();
  // A target's counters, read on each scrape (from the server's thread) until this is destroyed.
  void add(std::string sink, std::function<sinkforge::metrics::counter_values()> read);

 private:
  struct collector;
  std::shared_ptr<collector> collector_;
  struct server;
  std::unique_ptr<server> server_;
};

}  // namespace sinkforge_tool
