// metrics::none (the default): counts nothing and costs nothing.
#pragma once
#include <sinkforge/metrics/concept.hpp>

namespace sinkforge::inline v1::metrics {

struct none {
  using policy_family = family::metrics;
  constexpr void records_in(std::size_t) const noexcept {}
  constexpr void records_out(std::size_t) const noexcept {}
  constexpr void bytes_out(std::size_t) const noexcept {}
  constexpr void batch_sent(std::chrono::nanoseconds) const noexcept {}
  constexpr void retried() const noexcept {}
  constexpr void failed(std::size_t) const noexcept {}
  constexpr void dropped(std::size_t, drop_reason) const noexcept {}
  constexpr void dead_lettered(std::size_t) const noexcept {}
  constexpr void in_flight(std::int64_t) const noexcept {}
  constexpr void buffered(std::int64_t) const noexcept {}
};

}  // namespace sinkforge::inline v1::metrics
