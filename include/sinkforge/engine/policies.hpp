// The resolved policy set of one sink: one type per family, filled with defaults by make_sink.
#pragma once
#include <sinkforge/config.hpp>

namespace sinkforge::inline v1 {

template <class Transport, class Serializer, class Batching, class Retry, class Delivery,
          class Partitioner, class Concurrency, class Metrics, class DeadLetter, class Clock,
          class ErrorHandler, class Restore>
struct policies {
  using transport_type = Transport;
  using serializer_type = Serializer;
  using batching_type = Batching;
  using retry_type = Retry;
  using delivery_type = Delivery;
  using partitioner_type = Partitioner;
  using concurrency_type = Concurrency;
  using metrics_type = Metrics;
  using dead_letter_type = DeadLetter;
  using clock_type = Clock;
  using error_handler_type = ErrorHandler;
  using restore_type = Restore;

  Transport transport;
  SINKFORGE_NO_UNIQUE_ADDRESS Serializer serializer;
  SINKFORGE_NO_UNIQUE_ADDRESS Batching batching;
  SINKFORGE_NO_UNIQUE_ADDRESS Retry retry;
  SINKFORGE_NO_UNIQUE_ADDRESS Delivery delivery;
  SINKFORGE_NO_UNIQUE_ADDRESS Partitioner partitioner;
  SINKFORGE_NO_UNIQUE_ADDRESS Concurrency concurrency;
  SINKFORGE_NO_UNIQUE_ADDRESS Metrics metrics;
  SINKFORGE_NO_UNIQUE_ADDRESS DeadLetter dead_letter;
  SINKFORGE_NO_UNIQUE_ADDRESS Clock clock;
  SINKFORGE_NO_UNIQUE_ADDRESS ErrorHandler on_error;
  SINKFORGE_NO_UNIQUE_ADDRESS Restore restore;  // what an exactly-once sink recovers from (sf::restore)
};

}  // namespace sinkforge::inline v1
