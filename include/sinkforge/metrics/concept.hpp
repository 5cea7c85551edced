// The metrics family: what the sink counts. Every hook is called on the hot path, so a policy that
// counts nothing must compile to nothing (metrics::none; the benchmark checks it).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>

#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

template <class M>
concept metrics_policy =
    policy_of<M, family::metrics> && requires(const M& m, std::size_t n, std::int64_t d,
                                             std::chrono::nanoseconds latency) {
      m.records_in(n);
      m.records_out(n);
      m.bytes_out(n);
      m.batch_sent(latency);
      m.retried();
      m.failed(n);
      m.dropped(n);
      m.dead_lettered(n);
      m.in_flight(d);
      m.buffered(d);
    };

}  // namespace sinkforge::inline v1
