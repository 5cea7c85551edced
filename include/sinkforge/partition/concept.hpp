// The partition family: which partition (key, file, table, Kafka partition) a record belongs to.
// A sink keeps one open batch per key and never reorders records of one key.
#pragma once
#include <concepts>
#include <type_traits>

#include <sinkforge/partition/key.hpp>
#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

// `P::applies_to<T>` is the partitioner's compile-time verdict on the record type (does T have the
// member it reads?); key(record) returns the key view.
template <class P, class T>
concept partitioner_for = policy_of<P, family::partition> && P::template applies_to<T> &&
                          requires(const P& p, const T& record) { p.key(record); };

template <class P, class T>
using partition_key_view_t = std::remove_cvref_t<decltype(std::declval<const P&>().key(std::declval<const T&>()))>;

namespace partition {
// The default: one partition.
struct none {
  using policy_family = family::partition;
  template <class T>
  static constexpr bool applies_to = true;
  template <class T>
  constexpr no_key key(const T&) const noexcept {
    return {};
  }
};
}  // namespace partition

template <class P>
inline constexpr bool is_unpartitioned = std::is_same_v<P, partition::none>;

}  // namespace sinkforge::inline v1
