// The batching family: when the open batch is handed to the transport.
#pragma once
#include <cstddef>
#include <limits>
#include <optional>

#include <sinkforge/clock.hpp>
#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

// What a batching policy sees of an open batch.
struct batch_state {
  std::size_t records = 0;
  std::size_t bytes = 0;
  steady_time opened_at{};
};

// A batching policy implements any of these hooks; the ones it lacks mean "no opinion":
//   bool full(const batch_state&)                        seal after this record
//   bool would_overflow(const batch_state&, size_t bytes) seal before a record of this size
//   std::optional<steady_time> deadline(const batch_state&) seal when this time is reached
//   size_t record_byte_limit()                            a single larger record is invalid
//   size_t max_open_batches()                            per-partition open batches (partition-aware)
template <class B>
concept batching_policy = policy_of<B, family::batching> && requires(const B& b, const batch_state& s) {
  requires requires { b.full(s); } || requires { b.would_overflow(s, std::size_t{}); } ||
               requires { b.deadline(s); } || requires { b.record_byte_limit(); } ||
               requires { b.max_open_batches(); };
};

namespace batch::detail {

template <class B>
constexpr bool full(const B& b, const batch_state& s) {
  if constexpr (requires { b.full(s); }) return b.full(s);
  else return false;
}
template <class B>
constexpr bool would_overflow(const B& b, const batch_state& s, std::size_t bytes) {
  if constexpr (requires { b.would_overflow(s, bytes); }) return b.would_overflow(s, bytes);
  else return false;
}
template <class B>
constexpr std::optional<steady_time> deadline(const B& b, const batch_state& s) {
  if constexpr (requires { b.deadline(s); }) return b.deadline(s);
  else return std::nullopt;
}
template <class B>
constexpr std::size_t record_byte_limit(const B& b) {
  if constexpr (requires { b.record_byte_limit(); }) return b.record_byte_limit();
  else return std::numeric_limits<std::size_t>::max();
}
template <class B>
constexpr std::size_t max_open_batches(const B& b) {
  if constexpr (requires { b.max_open_batches(); }) return b.max_open_batches();
  else return 0;  // 0: the sink's default for its partitioner
}
template <class B>
inline constexpr bool has_deadline = requires(const B& b, const batch_state& s) { b.deadline(s); };
template <class B>
inline constexpr bool has_overflow =
    requires(const B& b, const batch_state& s) { b.would_overflow(s, std::size_t{}); };

}  // namespace batch::detail
}  // namespace sinkforge::inline v1
