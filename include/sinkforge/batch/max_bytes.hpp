// batch::max_bytes: a batch never exceeds `bytes` of encoded records; a larger record is invalid.
#pragma once
#include <cstddef>

#include <sinkforge/batch/any_of.hpp>
#include <sinkforge/batch/concept.hpp>
#include <sinkforge/error.hpp>

namespace sinkforge::inline v1::batch {

struct max_bytes {
  using policy_family = family::batching;
  std::size_t bytes = 1 << 20;

  constexpr bool full(const batch_state& s) const noexcept { return s.bytes >= bytes; }
  constexpr bool would_overflow(const batch_state& s, std::size_t add) const noexcept {
    return s.records > 0 && s.bytes + add > bytes;
  }
  constexpr std::size_t record_byte_limit() const noexcept { return bytes; }
  void validate() const {
    if (bytes == 0) throw config_error("batch::max_bytes.bytes", "must be at least 1");
  }
};

// A limit on one record's encoded size without a batch byte budget.
struct max_record_bytes {
  using policy_family = family::batching;
  std::size_t bytes = 1 << 20;

  constexpr std::size_t record_byte_limit() const noexcept { return bytes; }
  void validate() const {
    if (bytes == 0) throw config_error("batch::max_record_bytes.bytes", "must be at least 1");
  }
};

}  // namespace sinkforge::inline v1::batch
