// batch::per_partition: one open batch per partition key, at most `max_open` at once; when a new key
// arrives and the bound is reached, the oldest open batch is sealed first.
// Without it a sink with a partitioner keeps 64 open batches; without a partitioner, one.
#pragma once
#include <cstddef>

#include <sinkforge/batch/any_of.hpp>
#include <sinkforge/batch/concept.hpp>
#include <sinkforge/error.hpp>

namespace sinkforge::inline v1::batch {

struct per_partition {
  using policy_family = family::batching;
  std::size_t max_open = 64;

  constexpr std::size_t max_open_batches() const noexcept { return max_open; }
  void validate() const {
    if (max_open == 0) throw config_error("batch::per_partition.max_open", "must be at least 1");
  }
};

}  // namespace sinkforge::inline v1::batch
