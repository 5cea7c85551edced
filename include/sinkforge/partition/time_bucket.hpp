// partition::time_bucket<&Event::at>(partition::hour): the key is the UTC hour or day of a
// system_clock time-point member; its text is "2026-11-23T09" or "2026-11-23".
#pragma once

#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/partition/by.hpp>
#include <sinkforge/partition/concept.hpp>
#include <sinkforge/reflect.hpp>

namespace sinkforge::inline v1::partition {

inline constexpr time_unit hour = time_unit::hour;
inline constexpr time_unit day = time_unit::day;

template <auto Member>
struct time_bucket_t {
  using policy_family = family::partition;
  using member_info = detail::member_pointer<decltype(Member)>;
  static_assert(reflect::is_sys_time<typename member_info::value_type>,
                "sinkforge: partition::time_bucket<&T::m> needs a std::chrono::system_clock time-point member");
  time_unit unit = time_unit::hour;

  template <class T>
  static constexpr bool applies_to = std::is_base_of_v<typename member_info::class_type, T>;

  template <class T>
  time_bucket_key key(const T& record) const noexcept {
    using namespace std::chrono;
    const auto tp = record.*Member;
    const sys_seconds start = unit == time_unit::hour ? sys_seconds{floor<hours>(tp)}
                                                      : sys_seconds{floor<days>(tp)};
    return {start, unit};
  }
};

template <auto Member>
constexpr time_bucket_t<Member> time_bucket(time_unit unit) {
  return time_bucket_t<Member>{unit};
}

}  // namespace sinkforge::inline v1::partition
