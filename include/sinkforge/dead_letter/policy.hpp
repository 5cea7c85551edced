// The dead-letter family: where records go that cannot be delivered (invalid, fatal failure, or
// retries exhausted), each with its reason, kind, attempt count and partition.
//   dead_letter::none (default)  the sink reports them: write()/flush()/close() throw
//                                sinkforge::delivery_error carrying the records
//   dead_letter::to(sink)        write them to another sink of failed_record (any transport)
//   dead_letter::call(fn)        hand them to fn(std::vector<failed_record>&&)
// The sink serializes calls into the target, so a target need not be thread-safe.
#pragma once
#include <utility>
#include <vector>

#include <sinkforge/error.hpp>
#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

template <class D>
concept dead_letter_policy = policy_of<D, family::dead_letter> && requires {
  { D::enabled } -> std::convertible_to<bool>;
};

namespace dead_letter {

struct none {
  using policy_family = family::dead_letter;
  static constexpr bool enabled = false;
};

template <class Sink>
struct to_sink {
  using policy_family = family::dead_letter;
  static constexpr bool enabled = true;
  Sink* target = nullptr;

  void deliver(std::vector<failed_record>&& records) const {
    for (auto& r : records) target->write(std::move(r));
    target->flush();
  }
};

// The target sink must outlive the sink that dead-letters into it.
template <class Sink>
to_sink<Sink> to(Sink& target) {
  return to_sink<Sink>{&target};
}

template <class F>
struct callback {
  using policy_family = family::dead_letter;
  static constexpr bool enabled = true;
  F fn;
  void deliver(std::vector<failed_record>&& records) const { fn(std::move(records)); }
};

template <class F>
callback<F> call(F fn) {
  return callback<F>{std::move(fn)};
}

}  // namespace dead_letter
}  // namespace sinkforge::inline v1
