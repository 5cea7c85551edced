// The concurrency family: who runs the pipeline (the caller's thread, or a dispatcher and senders)
// and what a full buffer does.
#pragma once
#include <concepts>

#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

template <class C>
concept concurrency_policy = policy_of<C, family::concurrency> && requires {
  { C::is_async } -> std::convertible_to<bool>;
};

// Whether the policy may discard records it was given (a full buffer that drops).
template <class C>
inline constexpr bool drops_records = [] {
  if constexpr (requires { C::drops_records; }) return bool{C::drops_records};
  else return false;
}();

}  // namespace sinkforge::inline v1
