// The delivery-guarantee family: what survives a failure or a crash.
//   at_most_once   each batch is sent once; a failure is reported or dead-lettered, never retried,
//                  so nothing is ever written twice. Buffered records are lost on a crash.
//   at_least_once  failed batches are retried per the retry policy; flush() and close() return only
//                  when everything written is delivered or reported. A retry may duplicate records
//                  the transport had accepted before it failed.
//   exactly_once   two-phase commit against a transactional_transport: records become visible
//                  once, when the checkpoint that contains them commits.
#pragma once
#include <cstdint>

#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

enum class guarantee : std::uint8_t { at_most_once, at_least_once, exactly_once };

template <class D>
concept delivery_guarantee = policy_of<D, family::delivery> && requires {
  { D::value } -> std::convertible_to<guarantee>;
};

namespace deliver {
template <guarantee G>
struct guarantee_tag {
  using policy_family = family::delivery;
  static constexpr guarantee value = G;
};
using at_most_once_t = guarantee_tag<guarantee::at_most_once>;
using at_least_once_t = guarantee_tag<guarantee::at_least_once>;
using exactly_once_t = guarantee_tag<guarantee::exactly_once>;

inline constexpr at_most_once_t at_most_once{};
inline constexpr at_least_once_t at_least_once{};
inline constexpr exactly_once_t exactly_once{};
}  // namespace deliver

}  // namespace sinkforge::inline v1
