// concurrency::synchronous (the default): the caller's thread serializes, batches and sends.
// write() returns once any batch it sealed is delivered, retried out or dead-lettered; max_age is
// checked on every write and on tick().
#pragma once
#include <sinkforge/concurrency/concept.hpp>

namespace sinkforge::inline v1::concurrency {

struct synchronous {
  using policy_family = family::concurrency;
  static constexpr bool is_async = false;
};

}  // namespace sinkforge::inline v1::concurrency
