// retry::none: a failed batch is not retried; its records go to the dead-letter target or are
// reported. The only policy allowed with deliver::at_most_once.
#pragma once
#include <sinkforge/retry/concept.hpp>

namespace sinkforge::inline v1::retry {

struct none {
  using policy_family = family::retry;
  struct state {};
  constexpr std::optional<std::chrono::nanoseconds> next_delay(state&, const retry_context&) const noexcept {
    return std::nullopt;
  }
};

}  // namespace sinkforge::inline v1::retry
