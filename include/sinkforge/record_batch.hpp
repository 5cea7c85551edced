// The unit a transport receives: one partition key, the encoded records, and where they came from.
#pragma once
#include <cstdint>

#include <sinkforge/clock.hpp>

namespace sinkforge::inline v1 {

template <class Key, class Payload>
struct record_batch {
  using key_type = Key;
  using payload_type = Payload;

  Key key{};
  Payload records{};
  std::uint64_t sequence = 0;  // increases by one per sealed batch of a sink
  steady_time opened_at{};
  wall_time opened_wall{};
  std::uint32_t attempt = 1;   // 1 on the first send, then per retry
};

}  // namespace sinkforge::inline v1
