// retry::fixed: up to `max_attempts` sends in all, `delay` apart (or the transport's retry-after
// hint when longer).
#pragma once

#include <sinkforge/error.hpp>
#include <sinkforge/retry/concept.hpp>

namespace sinkforge::inline v1::retry {

struct fixed {
  using policy_family = family::retry;
  struct state {};

  std::uint32_t max_attempts = 3;
  std::chrono::nanoseconds delay = std::chrono::milliseconds{100};

  std::optional<std::chrono::nanoseconds> next_delay(state&, const retry_context& cx) const noexcept {
    if (cx.attempt >= max_attempts) return std::nullopt;
    return cx.retry_after && *cx.retry_after > delay ? *cx.retry_after : delay;
  }
  void validate() const {
    if (max_attempts == 0) throw config_error("retry::fixed.max_attempts", "must be at least 1");
    if (delay < std::chrono::nanoseconds::zero())
      throw config_error("retry::fixed.delay", "must not be negative");
  }
};

}  // namespace sinkforge::inline v1::retry
