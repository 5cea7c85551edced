// NaN and infinity tests that read the value's bits. `x != x` or `x - x == 0` are deleted by the
// compiler under -ffast-math / -ffinite-math-only (it may assume no NaN or infinity exists), and an
// encoder would then write `nan` or `inf` into JSON or CSV; integer tests on the bits stay.
#pragma once
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace sinkforge::inline v1::serialize::detail {

// Exponent field (all ones means NaN or infinity) and whether the fraction, without an explicit
// integer bit, is zero. Binary32, binary64, x87 80-bit extended and binary128 are read from their
// bits; any other long double format (IBM double-double) through its leading double.
struct float_class {
  bool exponent_all_ones;
  bool fraction_zero;
};

template <class F>
inline float_class classify_bits(F v) noexcept {
  using L = std::numeric_limits<F>;
  static_assert(std::is_floating_point_v<F>);
  if constexpr (L::is_iec559 && L::digits == 24 && sizeof(F) == 4) {
    const auto u = std::bit_cast<std::uint32_t>(v);
    return {(u & 0x7F800000u) == 0x7F800000u, (u & 0x007FFFFFu) == 0};
  } else if constexpr (L::is_iec559 && L::digits == 53 && sizeof(F) == 8) {
    const auto u = std::bit_cast<std::uint64_t>(v);
    return {(u & 0x7FF0000000000000ull) == 0x7FF0000000000000ull, (u & 0x000FFFFFFFFFFFFFull) == 0};
  } else if constexpr (L::digits == 64 && L::max_exponent == 16384 && std::endian::native == std::endian::little) {
    // x87 extended: 64-bit significand with an explicit integer bit, then 15 exponent bits and the
    // sign; sizeof is 12 or 16 with padding after the 10 bytes that matter.
    unsigned char bytes[sizeof(F)];
    std::memcpy(bytes, &v, sizeof(F));
    std::uint64_t significand;
    std::memcpy(&significand, bytes, 8);
    const unsigned exponent = (bytes[8] | (unsigned{bytes[9]} << 8)) & 0x7FFFu;
    // Pseudo-infinities (integer bit clear) are invalid operands to the FPU: classed as NaN.
    return {exponent == 0x7FFFu, significand == 0x8000000000000000ull};
  } else if constexpr (L::digits == 113 && sizeof(F) == 16 &&
                       (std::endian::native == std::endian::little || std::endian::native == std::endian::big)) {
    unsigned char bytes[16];
    std::memcpy(bytes, &v, 16);
    constexpr bool le = std::endian::native == std::endian::little;
    std::uint64_t hi, lo;
    std::memcpy(&hi, bytes + (le ? 8 : 0), 8);
    std::memcpy(&lo, bytes + (le ? 0 : 8), 8);
    return {(hi & 0x7FFF000000000000ull) == 0x7FFF000000000000ull,
            (hi & 0x0000FFFFFFFFFFFFull) == 0 && lo == 0};
  } else {
    // Formats whose range is that of double (double-double): the leading double tells.
    return classify_bits(static_cast<double>(v));
  }
}

template <class F>
inline bool is_finite(F v) noexcept {
  return !classify_bits(v).exponent_all_ones;
}

template <class F>
inline bool is_nan(F v) noexcept {
  const float_class c = classify_bits(v);
  return c.exponent_all_ones && !c.fraction_zero;
}

}  // namespace sinkforge::inline v1::serialize::detail
