// deliver::idempotent<&T::key>: at-least-once delivery, and a record whose key was written before
// is written once. On a transport that writes by key (sqlite::table: an upsert on a unique index
// of the key column) a record written again replaces the row it wrote: retries, replays after a
// restart and duplicates from the source all leave one row per key. Elsewhere (files, memory,
// ostream) the sink keeps a window of the keys it has taken - at most `max_keys`, none older than
// `max_age` - and drops a record whose key is in it (counted as dropped, reason "duplicate").
//
// The window lives in the process: it catches a source that delivers a record again while the
// sink runs, not a replay after a restart (deliver::exactly_once does that). Its memory: about 80
// bytes a key, plus twice a string key's length beyond 15 bytes; 100,000 short keys, about 8 MB.
//
//   sf::deliver::idempotent<&Order::id>                                   the defaults
//   sf::deliver::idempotent_t<&Order::id>{.max_keys = 1'000'000, .max_age = 1h}
#pragma once
#include <cstddef>
#include <deque>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include <sinkforge/clock.hpp>
#include <sinkforge/deliver/guarantee.hpp>
#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/reflect.hpp>

namespace sinkforge::inline v1 {

namespace detail {

template <class M>
struct member_pointer_parts {
  using record = void;
  using value = void;
};
template <class C, class V>
struct member_pointer_parts<V C::*> {
  using record = C;
  using value = V;
};

// What a key of the window stores: the member's value (std::string for string members).
template <class V>
using dedup_key_t = std::conditional_t<reflect::string_like<V>, std::string, V>;

// The keys a sink has taken recently: at most max_keys, none older than max_age. First seen wins.
template <class K>
class dedup_window {
 public:
  dedup_window(std::size_t max_keys, std::chrono::nanoseconds max_age) : max_keys_(max_keys), max_age_(max_age) {}

  // True when `key` was taken within the window; otherwise takes it and returns false.
  template <class V>
  bool seen(const V& value, steady_time now) {
    while (!order_.empty() && now - order_.front().second > max_age_) forget_oldest();
    K key(value);
    if (keys_.find(key) != keys_.end()) return true;
    if (order_.size() >= max_keys_) forget_oldest();
    keys_.insert(key);
    order_.emplace_back(std::move(key), now);
    return false;
  }
  std::size_t size() const noexcept { return keys_.size(); }

 private:
  void forget_oldest() {
    keys_.erase(order_.front().first);
    order_.pop_front();
  }

  std::size_t max_keys_;
  std::chrono::nanoseconds max_age_;
  std::unordered_set<K> keys_;
  std::deque<std::pair<K, steady_time>> order_;
};

}  // namespace detail

namespace deliver {

template <auto Key>
struct idempotent_t {
  using policy_family = family::delivery;
  static constexpr guarantee value = guarantee::at_least_once;
  static constexpr auto key = Key;

  std::size_t max_keys = 100'000;
  std::chrono::nanoseconds max_age = std::chrono::minutes{10};

  using record_type = typename detail::member_pointer_parts<decltype(Key)>::record;
  using value_type = typename detail::member_pointer_parts<decltype(Key)>::value;
  // The window a sink keeps when its transport cannot upsert.
  using window_type = detail::dedup_window<detail::dedup_key_t<value_type>>;

  // Whether the key is a member of T that reflection lists (its name is the upsert column) and
  // that can key a window: a string, an integer or an enum.
  template <class T>
  static constexpr bool keys_record = [] {
    if constexpr (!std::is_base_of_v<record_type, T> || !reflect::is_struct<T>) return false;
    else
      return reflect::lists_member<T, Key>() &&
             (reflect::string_like<value_type> || std::is_integral_v<value_type> || std::is_enum_v<value_type>);
  }();

  void validate() const {
    if (max_keys == 0) throw config_error("deliver::idempotent.max_keys", "must be at least 1");
    if (max_age <= std::chrono::nanoseconds::zero()) throw config_error("deliver::idempotent.max_age", "must be positive");
  }
};

template <auto Key>
inline constexpr idempotent_t<Key> idempotent{};

}  // namespace deliver

}  // namespace sinkforge::inline v1
