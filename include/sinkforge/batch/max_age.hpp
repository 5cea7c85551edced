// batch::max_age: seal a batch once its first record is `age` old.
// A synchronous sink checks ages on every write and on tick(); an async sink also wakes by itself.
#pragma once

#include <sinkforge/batch/any_of.hpp>
#include <sinkforge/batch/concept.hpp>
#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/error.hpp>

namespace sinkforge::inline v1::batch {

struct max_age {
  using policy_family = family::batching;
  std::chrono::nanoseconds age = std::chrono::seconds{1};

  constexpr std::optional<steady_time> deadline(const batch_state& s) const noexcept {
    return s.opened_at + age;
  }
  void validate() const {
    if (age <= std::chrono::nanoseconds::zero())
      throw config_error("batch::max_age.age", "must be positive");
  }
};

}  // namespace sinkforge::inline v1::batch
