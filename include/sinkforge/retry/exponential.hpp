// retry::exponential: delays initial, initial*multiplier, ... capped at `cap`, with jitter.
// Gives up after `max_attempts` sends in all, or when the next attempt would start later than
// `max_elapsed` after the first. A retry-after hint from the transport is a lower bound on the delay.
//
// Jitter (see "Exponential Backoff And Jitter", AWS Architecture Blog):
//   none          d = min(cap, initial * multiplier^(n-1))
//   full          uniform in [0, d]
//   equal         d/2 + uniform in [0, d/2]
//   decorrelated  min(cap, uniform in [initial, previous * 3])
#pragma once
#include <cstdint>

#include <sinkforge/detail/mix64.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/retry/concept.hpp>

namespace sinkforge::inline v1::retry {

enum class jitter : std::uint8_t { none, full, equal, decorrelated };

struct exponential {
  using policy_family = family::retry;
  struct state {
    std::chrono::nanoseconds previous{0};
    std::uint64_t rng = 0;
  };

  std::uint32_t max_attempts = 5;
  std::chrono::nanoseconds initial = std::chrono::milliseconds{50};
  double multiplier = 2.0;
  std::chrono::nanoseconds cap = std::chrono::seconds{5};
  std::chrono::nanoseconds max_elapsed = std::chrono::nanoseconds::max();
  retry::jitter jitter = retry::jitter::full;
  std::uint64_t seed = 0x9E3779B97F4A7C15ull;

  std::optional<std::chrono::nanoseconds> next_delay(state& s, const retry_context& cx) const noexcept {
    using std::chrono::nanoseconds;
    if (cx.attempt >= max_attempts) return std::nullopt;
    if (s.rng == 0) s.rng = splitmix(seed ^ (cx.batch_sequence * 0xBF58476D1CE4E5B9ull)) | 1;
    const double limit = static_cast<double>(cap.count());
    double capped = static_cast<double>(initial.count()) * power(multiplier, cx.attempt - 1);
    if (!(capped < limit)) capped = limit;  // also an overflow to infinity
    double d = capped;
    switch (jitter) {
      case retry::jitter::none: break;
      case retry::jitter::full: d = uniform(s, 0.0, capped); break;
      case retry::jitter::equal: d = capped / 2 + uniform(s, 0.0, capped / 2); break;
      case retry::jitter::decorrelated: {
        const double prev = s.previous.count() > 0 ? static_cast<double>(s.previous.count())
                                                   : static_cast<double>(initial.count());
        d = uniform(s, static_cast<double>(initial.count()), prev * 3);
        if (d > limit) d = limit;
        break;
      }
    }
    // A cap of nanoseconds::max() becomes 2^63 as a double: convert with a clamp, never past max().
    nanoseconds delay = d < 0x1p63 ? nanoseconds{static_cast<std::int64_t>(d)} : nanoseconds::max();
    if (cx.retry_after && *cx.retry_after > delay) delay = *cx.retry_after;
    s.previous = delay;
    const nanoseconds elapsed = cx.now - cx.first_attempt_at;
    if (max_elapsed != nanoseconds::max() && (elapsed >= max_elapsed || delay > max_elapsed - elapsed))
      return std::nullopt;
    return delay;
  }

  // base^n by squaring: exact for the small n retries reach, without <cmath>.
  static constexpr double power(double base, std::uint32_t n) noexcept {
    double r = 1.0;
    for (; n; n >>= 1, base *= base)
      if (n & 1) r *= base;
    return r;
  }

  void validate() const {
    if (max_attempts == 0) throw config_error("retry::exponential.max_attempts", "must be at least 1");
    if (initial <= std::chrono::nanoseconds::zero())
      throw config_error("retry::exponential.initial", "must be positive");
    if (!(multiplier >= 1.0)) throw config_error("retry::exponential.multiplier", "must be at least 1");
    if (cap < initial) throw config_error("retry::exponential.cap", "must not be less than initial");
    if (max_elapsed <= std::chrono::nanoseconds::zero())
      throw config_error("retry::exponential.max_elapsed", "must be positive");
  }

 private:
  static constexpr std::uint64_t splitmix(std::uint64_t x) noexcept {
    return detail::mix64(x + 0x9E3779B97F4A7C15ull);
  }
  static double uniform(state& s, double lo, double hi) noexcept {
    s.rng ^= s.rng << 13;
    s.rng ^= s.rng >> 7;
    s.rng ^= s.rng << 17;
    const double u = static_cast<double>(s.rng >> 11) * (1.0 / 9007199254740992.0);
    return lo + (hi - lo) * u;
  }
};

}  // namespace sinkforge::inline v1::retry
