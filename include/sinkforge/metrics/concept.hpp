// The metrics family: what the sink counts. Every hook is called on the hot path, so a policy that
// counts nothing must compile to nothing (metrics::none; the benchmark checks it).
//
// Every record taken by write() ends in exactly one terminal hook: records_out (delivered),
// dead_lettered (handed to the dead-letter target), dropped (discarded unsent: an overflow rule, a
// duplicate key under deliver::idempotent) or
// failed (reported through on_error / delivery_error and not dead-lettered). So, once a sink is
// closed: records_in == records_out + dead_lettered + dropped + failed.
#pragma once
#include <cstddef>
#include <cstdint>

#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

namespace metrics {

// Why a record was discarded unsent. Append new reasons at the end and list them in
// all_drop_reasons; metrics::counters keeps one count per reason and labels it by name.
enum class drop_reason : std::uint8_t {
  buffer_full,  // an async buffer was full and its when_full rule drops the record
  duplicate,    // deliver::idempotent saw its key within the deduplication window
};
inline constexpr drop_reason all_drop_reasons[] = {drop_reason::buffer_full, drop_reason::duplicate};

}  // namespace metrics

template <class M>
concept metrics_policy =
    policy_of<M, family::metrics> && requires(const M& m, std::size_t n, std::int64_t d,
                                             std::chrono::nanoseconds latency, metrics::drop_reason why) {
      m.records_in(n);
      m.records_out(n);
      m.bytes_out(n);
      m.batch_sent(latency);
      m.retried();
      m.failed(n);
      m.dropped(n, why);
      m.dead_lettered(n);
      m.in_flight(d);
      m.buffered(d);
    };

}  // namespace sinkforge::inline v1
