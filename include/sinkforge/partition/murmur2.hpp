// partition::hash(inner, n): the key is a partition number in [0, n), computed as Kafka's default
// partitioner does - toPositive(murmur2(key bytes)) % n - so a record lands in the partition a Java
// producer would choose for the same key. Key bytes: strings as UTF-8; integers big-endian in their
// own width (Kafka's IntegerSerializer / LongSerializer for 32 / 64 bits).
#pragma once
#include <bit>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include <sinkforge/error.hpp>
#include <sinkforge/partition/concept.hpp>

namespace sinkforge::inline v1::partition {

// Kafka's org.apache.kafka.common.utils.Utils.murmur2 (seed 0x9747b28c).
constexpr std::int32_t murmur2(std::string_view data) noexcept {
  const std::uint32_t length = static_cast<std::uint32_t>(data.size());
  constexpr std::uint32_t m = 0x5bd1e995u;
  constexpr int r = 24;
  std::uint32_t h = 0x9747b28cu ^ length;
  const std::uint32_t length4 = length / 4;
  auto byte = [&](std::uint32_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])); };
  for (std::uint32_t i = 0; i < length4; ++i) {
    const std::uint32_t i4 = i * 4;
    std::uint32_t k = byte(i4) + (byte(i4 + 1) << 8) + (byte(i4 + 2) << 16) + (byte(i4 + 3) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const std::uint32_t tail = length & ~3u;
  switch (length % 4) {
    case 3: h ^= byte(tail + 2) << 16; [[fallthrough]];
    case 2: h ^= byte(tail + 1) << 8; [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

constexpr std::int32_t kafka_partition(std::string_view key, std::int32_t partitions) noexcept {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

template <class Inner>
struct hashed {
  using policy_family = family::partition;
  Inner inner{};
  std::int32_t partitions = 1;

  template <class T>
  static constexpr bool applies_to = Inner::template applies_to<T>;

  template <class T>
  std::int32_t key(const T& record) const noexcept {
    const auto k = inner.key(record);
    using K = std::remove_cvref_t<decltype(k)>;
    if constexpr (std::is_same_v<K, std::string_view>) {
      return kafka_partition(k, partitions);
    } else if constexpr ((std::is_integral_v<K> && !std::is_same_v<K, bool>) || std::is_enum_v<K>) {
      using I = typename std::conditional_t<std::is_enum_v<K>, std::underlying_type<K>, std::type_identity<K>>::type;
      using U = std::make_unsigned_t<I>;
      U v = static_cast<U>(k);
      char bytes[sizeof(U)];
      for (std::size_t i = 0; i < sizeof(U); ++i) bytes[sizeof(U) - 1 - i] = static_cast<char>(v >> (8 * i));
      return kafka_partition(std::string_view(bytes, sizeof(U)), partitions);
    } else {
      static_assert(std::is_same_v<K, std::string_view>,
                    "sinkforge: partition::hash needs a string, integer or enum key (not bool)");
      return 0;
    }
  }
  void validate() const {
    if (partitions <= 0) throw config_error("partition::hash.partitions", "must be at least 1");
  }
};

// hash(by<&Order::customer>, 12): twelve partitions, as Kafka would assign them.
template <class Inner>
  requires policy_of<Inner, family::partition>
constexpr hashed<Inner> hash(Inner inner, std::int32_t partitions) {
  return hashed<Inner>{inner, partitions};
}

}  // namespace sinkforge::inline v1::partition
