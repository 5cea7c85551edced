// What every sink frontend offers on top of write(record): writing ranges.
#pragma once
#include <concepts>
#include <type_traits>

#include <sinkforge/config.hpp>
#include <sinkforge/detail/range.hpp>

namespace sinkforge::inline v1::detail {

template <class R, class T>
concept record_range = input_range<R> && !std::same_as<std::remove_cvref_t<R>, T> &&
                       std::convertible_to<range_reference_t<R>, const T&>;

// CRTP: Derived provides write(const T&) and write(T&&).
template <class Derived, class T>
class sink_base {
 public:
  template <record_range<T> R>
  void write_range(R&& records) {
    auto& self = static_cast<Derived&>(*this);
    auto it = std::ranges::begin(records);
    auto end = std::ranges::end(records);
    for (; it != end; ++it) self.write(*it);
  }
};

}  // namespace sinkforge::inline v1::detail
