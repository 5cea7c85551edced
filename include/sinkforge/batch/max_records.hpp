// batch::max_records: seal when the batch holds `count` records.
#pragma once
#include <cstddef>

#include <sinkforge/batch/any_of.hpp>
#include <sinkforge/batch/concept.hpp>
#include <sinkforge/error.hpp>

namespace sinkforge::inline v1::batch {

struct max_records {
  using policy_family = family::batching;
  std::size_t count = 500;

  constexpr bool full(const batch_state& s) const noexcept { return s.records >= count; }
  void validate() const {
    if (count == 0) throw config_error("batch::max_records.count", "must be at least 1");
  }
};

}  // namespace sinkforge::inline v1::batch
