// Clock policies: where the sink reads time and how it waits. Tests inject a manual clock and never sleep.
#pragma once
#include <atomic>
#include <cerrno>
#include <concepts>
#include <cstdint>
#include <ctime>
#include <limits>
#if defined(_WIN32)
#include <thread>
#else
#include <time.h>  // nanosleep (POSIX)
#endif

#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/detail/shared_box.hpp>
#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

using steady_time = std::chrono::steady_clock::time_point;
using wall_time = std::chrono::system_clock::time_point;

// A clock gives monotonic time (batch ages, retry deadlines), wall time (file names, time buckets),
// and a way to wait (retry back-off).
template <class C>
concept clock_source = policy_of<C, family::clock> && requires(const C& c, std::chrono::nanoseconds d) {
  { c.now() } -> std::same_as<steady_time>;
  { c.wall() } -> std::same_as<wall_time>;
  c.sleep_for(d);
};

namespace clock {

// The default: std::chrono::steady_clock and system_clock, real sleeps.
struct steady {
  using policy_family = family::clock;
  steady_time now() const noexcept { return std::chrono::steady_clock::now(); }
  wall_time wall() const noexcept { return std::chrono::system_clock::now(); }
  // nanosleep rather than std::this_thread::sleep_for: <thread> would cost every TU its compile time.
  void sleep_for(std::chrono::nanoseconds d) const {
    if (d <= std::chrono::nanoseconds::zero()) return;
#if defined(_WIN32)
    std::this_thread::sleep_for(d);
#else
    const std::int64_t seconds = d.count() / 1'000'000'000;
    constexpr auto max_seconds = std::numeric_limits<std::time_t>::max();
    std::timespec left{};
    left.tv_sec = seconds > max_seconds ? max_seconds : static_cast<std::time_t>(seconds);
    left.tv_nsec = static_cast<long>(d.count() % 1'000'000'000);
    while (::nanosleep(&left, &left) == -1 && errno == EINTR) {
    }
#endif
  }
};

// A clock that moves only when told to; sleep_for advances it instantly. Copies share one time line,
// so a test keeps a copy and advances the clock of the sink it handed the other copy to.
class manual {
 public:
  using policy_family = family::clock;

  explicit manual(wall_time start = wall_time{std::chrono::sys_days{
                                          std::chrono::days{detail::days_from_civil(2026, 1, 1)}}})
      : state_(std::in_place, start) {}

  steady_time now() const noexcept {
    return steady_time{std::chrono::nanoseconds{state_->offset.load(std::memory_order_acquire)}};
  }
  wall_time wall() const noexcept {
    return state_->wall_start + std::chrono::duration_cast<wall_time::duration>(
                                    std::chrono::nanoseconds{state_->offset.load(std::memory_order_acquire)});
  }
  void sleep_for(std::chrono::nanoseconds d) const noexcept {
    state_->slept.fetch_add(d.count(), std::memory_order_relaxed);
    advance(d);
  }
  void advance(std::chrono::nanoseconds d) const noexcept {
    state_->offset.fetch_add(d.count(), std::memory_order_acq_rel);
  }
  // Total time spent in sleep_for: lets tests assert back-off without waiting.
  std::chrono::nanoseconds slept() const noexcept {
    return std::chrono::nanoseconds{state_->slept.load(std::memory_order_relaxed)};
  }

 private:
  struct state {
    explicit state(wall_time w) : wall_start(w) {}
    wall_time wall_start;
    std::atomic<std::int64_t> offset{0};
    std::atomic<std::int64_t> slept{0};
  };
  detail::shared_box<state> state_;
};

}  // namespace clock
}  // namespace sinkforge::inline v1
