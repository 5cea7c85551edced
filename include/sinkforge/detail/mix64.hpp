// The splitmix64 finalizer (Steele, Lea, Flood 2014): spreads the bits of a 64-bit value. Used to hash
// integer partition keys and to step the retry jitter generator.
#pragma once
#include <cstdint>

namespace sinkforge::inline v1::detail {

constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace sinkforge::inline v1::detail
