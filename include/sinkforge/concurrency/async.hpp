// concurrency::async: write() only queues the record. A dispatcher thread serializes and batches;
// `max_in_flight` sender threads deliver sealed batches. Batches of one partition key are never
// sent concurrently or out of order, so ordering within a partition holds at any concurrency.
//
// `buffer_records` bounds the records queued between write() and the dispatcher. When it is full:
//   overflow::block        write() waits for room (default; backpressure reaches the caller)
//   overflow::drop_newest  the record being written is discarded and counted in metrics `dropped`
//   overflow::fail         write() throws sinkforge::backpressure_error; the record is not taken
#pragma once
#include <cstddef>
#include <cstdint>

#include <sinkforge/concurrency/concept.hpp>
#include <sinkforge/error.hpp>

namespace sinkforge::inline v1 {
namespace detail {
template <class T, class P>
class async_sink;
}

namespace concurrency {

enum class overflow : std::uint8_t { block, drop_newest, fail };

struct async {
  using policy_family = family::concurrency;
  static constexpr bool is_async = true;

  std::size_t max_in_flight = 1;  // sender threads; the transport may allow more
  std::size_t buffer_records = 8192;
  overflow when_full = overflow::block;

  template <class T, class P>
  using frontend = detail::async_sink<T, P>;

  void validate() const {
    if (max_in_flight == 0) throw config_error("concurrency::async.max_in_flight", "must be at least 1");
    if (buffer_records == 0) throw config_error("concurrency::async.buffer_records", "must be at least 1");
  }
};

}  // namespace concurrency
}  // namespace sinkforge::inline v1

#include <sinkforge/detail/async_sink.hpp>
