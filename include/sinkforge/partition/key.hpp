// Partition keys. A partitioner returns a cheap key view per record (a string_view into the record,
// an integer, a tuple of those); the sink copies it into owned storage only when it opens a batch.
#pragma once
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include <sinkforge/config.hpp>
#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/detail/mix64.hpp>

namespace sinkforge::inline v1 {

// The key of a sink without a partitioner: every record belongs to one partition.
struct no_key {
  friend constexpr bool operator==(no_key, no_key) noexcept { return true; }
};

enum class time_unit : std::uint8_t { hour, day };

// A time bucket: the start of the hour or day a time point falls in (UTC).
struct time_bucket_key {
  std::chrono::sys_seconds start{};
  time_unit unit = time_unit::hour;
  friend constexpr bool operator==(const time_bucket_key&, const time_bucket_key&) noexcept = default;
};

namespace partition_detail {
template <class V>
struct storage {
  using type = V;
};
template <>
struct storage<std::string_view> {
  using type = std::string;
};
template <class... Vs>
struct storage<std::tuple<Vs...>> {
  using type = std::tuple<typename storage<Vs>::type...>;
};
}  // namespace partition_detail

// The owned form of a key view: string_view becomes std::string, elementwise for tuples.
template <class View>
using key_storage_t = typename partition_detail::storage<View>::type;

template <class View>
key_storage_t<View> to_key_storage(const View& v) {
  if constexpr (std::is_same_v<View, std::string_view>) return std::string(v);
  else if constexpr (requires { std::tuple_size<View>::value; })
    return std::apply([](const auto&... e) { return key_storage_t<View>{to_key_storage(e)...}; }, v);
  else return v;
}

template <class Storage, class View>
bool key_equals(const Storage& s, const View& v) {
  if constexpr (std::is_same_v<View, std::string_view>) return std::string_view(s) == v;
  else if constexpr (requires { std::tuple_size<View>::value; })
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return (key_equals(std::get<I>(s), std::get<I>(v)) && ...);
    }(std::make_index_sequence<std::tuple_size_v<View>>{});
  else return s == v;
}

// Integer keys are often small and sequential: spread them over all hash bits.
constexpr std::size_t mix_hash(std::uint64_t x) noexcept { return static_cast<std::size_t>(detail::mix64(x)); }

// A string key's fingerprint: its length and its first and last 8 bytes. The pipeline compares keys
// whose fingerprints match, so a collision only costs a comparison; hashing every byte of every
// record's key cost more than the comparisons it saved.
inline std::size_t key_fingerprint(std::string_view s) noexcept {
  std::uint64_t head = 0, tail = 0;
  const std::size_t n = s.size();
  if (n >= 8) {
    std::memcpy(&head, s.data(), 8);
    std::memcpy(&tail, s.data() + n - 8, 8);
  } else {
    for (std::size_t i = 0; i < n; ++i) head = head << 8 | static_cast<unsigned char>(s[i]);
  }
  return mix_hash(head ^ (tail * 0x9E3779B97F4A7C15ull) ^ (static_cast<std::uint64_t>(n) << 56));
}

// Hashes a key view to find its open batch. Process-local: never persisted or sent anywhere
// (partition::hash is the stable, Kafka-compatible one).
template <class View>
std::size_t key_hash(const View& v) {
  if constexpr (std::is_same_v<View, no_key>) return 0;
  else if constexpr (std::is_same_v<View, std::string_view>) return key_fingerprint(v);
  else if constexpr (std::is_same_v<View, time_bucket_key>)
    return mix_hash(static_cast<std::uint64_t>(v.start.time_since_epoch().count()));
  else if constexpr (requires { std::tuple_size<View>::value; })
    return std::apply(
        [](const auto&... e) {
          std::size_t h = 0;
          ((h = h * 1000003u ^ key_hash(e)), ...);
          return h;
        },
        v);
  else if constexpr (std::is_enum_v<View>)
    return mix_hash(static_cast<std::uint64_t>(static_cast<std::underlying_type_t<View>>(v)));
  else if constexpr (std::is_integral_v<View>) return mix_hash(static_cast<std::uint64_t>(v));
  else return std::hash<View>{}(v);  // a custom key type: its std::hash specialization
}

// Text for file names, dead letters and metrics labels. Composite keys join with '-'.
template <class K>
std::string key_text(const K& k) {
  if constexpr (std::is_same_v<K, no_key>) return {};
  else if constexpr (std::is_same_v<K, std::string> || std::is_same_v<K, std::string_view>)
    return std::string(k);
  else if constexpr (std::is_same_v<K, time_bucket_key>) {
    const sinkforge::detail::civil_time t = sinkforge::detail::to_civil(k.start);
    char buf[32];
    const unsigned hour = t.hour;
    const auto y = static_cast<unsigned>(t.date.year);
    const unsigned m = t.date.month, d = t.date.day;
    char* p = buf;
    auto put = [&](unsigned v, int width) {
      for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + v % 10);
        v /= 10;
      }
      p += width;
    };
    put(y, 4);
    *p++ = '-';
    put(m, 2);
    *p++ = '-';
    put(d, 2);
    if (k.unit == time_unit::hour) {
      *p++ = 'T';
      put(static_cast<unsigned>(hour), 2);
    }
    return std::string(buf, p);
  } else if constexpr (requires { std::tuple_size<K>::value; }) {
    std::string out;
    std::apply(
        [&](const auto&... e) {
          bool first = true;
          ((out += (first ? "" : "-"), out += key_text(e), first = false), ...);
        },
        k);
    return out;
  } else if constexpr (std::is_enum_v<K>) {
    return std::to_string(static_cast<std::underlying_type_t<K>>(k));
  } else if constexpr (std::is_same_v<K, bool>) {
    return k ? "true" : "false";
  } else {
    return std::to_string(k);
  }
}

}  // namespace sinkforge::inline v1
