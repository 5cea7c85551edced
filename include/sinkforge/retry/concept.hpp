// The retry family: what happens to a batch whose send failed with a retryable error.
#pragma once
#include <concepts>
#include <cstdint>
#include <optional>

#include <sinkforge/clock.hpp>
#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

// What a retry policy sees after a failed attempt.
struct retry_context {
  std::uint32_t attempt = 1;                              // attempts made so far (1 after the first)
  steady_time first_attempt_at{};                         // when the first attempt started
  steady_time now{};
  std::optional<std::chrono::nanoseconds> retry_after{};  // the transport's hint (HTTP Retry-After)
  std::uint64_t batch_sequence = 0;                       // seeds jitter per batch
};

// A retry policy returns the delay before the next attempt, or nothing to give up.
// It is const and stateless across batches, so concurrent senders share it; per-batch state
// (the previous delay for decorrelated jitter) lives in `state`.
template <class R>
concept retry_policy =
    policy_of<R, family::retry> && std::default_initializable<typename R::state> &&
    requires(const R& r, typename R::state& s, const retry_context& cx) {
      { r.next_delay(s, cx) } -> std::same_as<std::optional<std::chrono::nanoseconds>>;
    };

}  // namespace sinkforge::inline v1
