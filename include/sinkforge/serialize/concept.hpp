// The serializer family: what a record becomes before a transport sees it.
#pragma once
#include <concepts>
#include <string>

#include <sinkforge/error.hpp>
#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

// A serializer names its payload type for a record type T and appends one record to it.
// `can_encode<T>` is the serializer's own compile-time verdict on T; make_sink reports it.
template <class S>
concept serializer = policy_of<S, family::serializer>;

template <class S, class T>
concept serializer_for =
    serializer<S> && S::template can_encode<T> &&
    requires(const S& s, typename S::template payload<T>& p, const T& record) {
      { s.template make_payload<T>() } -> std::same_as<typename S::template payload<T>>;
      { s.append(p, record) } -> std::same_as<encode_status>;
    };

template <class S, class T>
using payload_t = typename S::template payload<T>;

namespace serialize {
// Text a byte transport writes once at the start of every file it creates (CSV's header row).
template <class S, class T>
std::string preamble_of(const S& s) {
  if constexpr (requires { s.template preamble<T>(); }) return s.template preamble<T>();
  else return {};
}

// Where a whole record ends in the serializer's output, for a transport that reopens a file a
// writer may have left mid-record; unknown (no terminator) when the serializer does not say.
template <class S>
constexpr record_boundary boundary_of(const S& s) {
  if constexpr (requires { s.boundary(); }) return s.boundary();
  else return record_boundary{};
}
}  // namespace serialize

}  // namespace sinkforge::inline v1
