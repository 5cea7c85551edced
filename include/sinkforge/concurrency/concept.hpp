// The concurrency family: who sends batches, how many are in flight, and what a full buffer does.
// A concurrency policy names the sink frontend that runs the pipeline (as Boost.Log's sink
// frontends take their queueing strategy as a parameter).
#pragma once
#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

template <class C>
concept concurrency_policy = policy_of<C, family::concurrency> && requires {
  { C::is_async } -> std::convertible_to<bool>;
};

}  // namespace sinkforge::inline v1
