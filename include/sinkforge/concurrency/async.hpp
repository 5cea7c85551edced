// Async concurrency: write() only queues the record. A dispatcher thread serializes and batches;
// `max_in_flight` sender threads deliver sealed batches. Batches of one partition key are never
// sent concurrently or out of order, so ordering within a partition holds at any concurrency.
// The frontend that runs them comes with <sinkforge/async.hpp>.
//
// `buffer_records` bounds the records queued between write() and the dispatcher. What happens when
// it is full is part of the policy's type, so that a composition that could lose records under
// at-least-once or exactly-once does not compile:
//   async{.when_full = overflow::block}  write() waits for room (default; backpressure reaches the caller)
//   async{.when_full = overflow::fail}   write() throws sinkforge::backpressure_error; the record is not
//                                        taken and stays the caller's
//   async_drop_newest{}                  the record being written is discarded and counted in the
//                                        metrics as dropped (reason buffer_full); only with
//                                        deliver::at_most_once
#pragma once
#include <cstddef>
#include <cstdint>

#include <sinkforge/concurrency/concept.hpp>
#include <sinkforge/error.hpp>

namespace sinkforge::inline v1::concurrency {

enum class overflow : std::uint8_t { block, fail };

struct async {
  using policy_family = family::concurrency;
  static constexpr bool is_async = true;
  static constexpr bool drops_records = false;

  std::size_t max_in_flight = 1;  // sender threads; the transport may allow more
  std::size_t buffer_records = 8192;
  overflow when_full = overflow::block;

  void validate() const {
    if (max_in_flight == 0) throw config_error("concurrency::async.max_in_flight", "must be at least 1");
    if (buffer_records == 0) throw config_error("concurrency::async.buffer_records", "must be at least 1");
  }
};

// Like async, but a write into a full buffer discards the record instead of waiting or throwing.
struct async_drop_newest {
  using policy_family = family::concurrency;
  static constexpr bool is_async = true;
  static constexpr bool drops_records = true;

  std::size_t max_in_flight = 1;
  std::size_t buffer_records = 8192;

  void validate() const {
    if (max_in_flight == 0) throw config_error("concurrency::async_drop_newest.max_in_flight", "must be at least 1");
    if (buffer_records == 0)
      throw config_error("concurrency::async_drop_newest.buffer_records", "must be at least 1");
  }
};

}  // namespace sinkforge::inline v1::concurrency
