// metrics::registry: one Prometheus exposition for many sinks. Joining the texts of several
// counters::prometheus() repeats each HELP and TYPE line, which Prometheus rejects; the registry
// renders every metric family once with one sample per sink, told apart by the `sink` label.
//
//   sf::metrics::registry reg;
//   auto orders = sf::make_sink<Order>(orders_file, reg.counters("orders"));
//   auto audit  = sf::make_sink<Audit>(audit_file, reg.counters("audit"), sf::concurrency::async{});
//   std::cout << reg.prometheus();
//
// The hot path does not see the registry: a sink increments its own relaxed atomics exactly as a
// lone metrics::counters does, and only prometheus() and registration take the registry's mutex.
// (A prometheus-cpp adapter was measured against it: see docs/policies/metrics.md.)
//
// Lifetime: the registry keeps a copy of each registered counters, so the shared block lives as long
// as the registry or the sink, whichever is longer. A closed or destroyed sink's final counts stay
// exported until remove(name); the counters hold nothing of the registry, so a sink may outlive it.
// Copies of a registry share one set of registrations.
#pragma once
#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sinkforge/detail/shared_box.hpp>
#include <sinkforge/metrics/counters.hpp>

namespace sinkforge::inline v1::metrics {

class registry {
 public:
  // New counters labelled {sink="<sink>"}, exported by prometheus() from now on. Throws
  // std::invalid_argument if `sink` is empty or already registered.
  metrics::counters counters(std::string sink) {
    metrics::counters c{.name = std::move(sink)};
    add(c);
    return c;
  }

  // Registers counters made elsewhere, under c.name; the registry shares c's block.
  void add(const metrics::counters& c) {
    if (c.name.empty()) throw std::invalid_argument("sinkforge: metrics::registry: sink name is empty");
    std::lock_guard lock(state_->mutex);
    for (const metrics::counters& r : state_->sinks)
      if (r.name == c.name)
        throw std::invalid_argument("sinkforge: metrics::registry: sink name \"" + c.name +
                                    "\" is already registered");
    state_->sinks.push_back(c);
  }

  // Stops exporting `sink` and frees its name for a new registration; false if it was not registered.
  bool remove(std::string_view sink) {
    std::lock_guard lock(state_->mutex);
    auto& v = state_->sinks;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i].name == sink) {
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
        return true;
      }
    }
    return false;
  }

  std::size_t size() const {
    std::lock_guard lock(state_->mutex);
    return state_->sinks.size();
  }

  // Every metric family once (one HELP, one TYPE), one sample per sink in registration order.
  // Only the list of registrations is copied under the lock; values are read (relaxed loads) and the
  // text is built after it is released, so a slow render never holds up registration.
  std::string prometheus() const {
    std::vector<metrics::counters> sinks;
    std::vector<metrics::counters::named_values> snapshot;
    {
      std::lock_guard lock(state_->mutex);
      sinks = state_->sinks;  // keeps the names alive while rendering
    }
    snapshot.reserve(sinks.size());
    for (const metrics::counters& c : sinks) snapshot.push_back({c.name, c.values()});
    std::string out;
    out.reserve(4096 + 2048 * snapshot.size());
    metrics::counters::render_prometheus(out, snapshot);
    return out;
  }

 private:
  struct state {
    mutable std::mutex mutex;
    std::vector<metrics::counters> sinks;
  };
  detail::shared_box<state> state_{};
};

}  // namespace sinkforge::inline v1::metrics
