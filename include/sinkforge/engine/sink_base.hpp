// What every sink frontend offers on top of write(record): writing ranges of records, and one
// readable error for anything else handed to write().
#pragma once
#include <concepts>
#include <type_traits>

#include <sinkforge/config.hpp>
#include <sinkforge/detail/range.hpp>

namespace sinkforge::inline v1::detail {

// A range of exactly T: a range of something that merely converts to T is not one, so that no
// element is silently converted or sliced.
template <class R, class T>
concept record_range = input_range<R> && !std::same_as<std::remove_cvref_t<R>, T> &&
                       std::same_as<std::remove_cvref_t<range_reference_t<R>>, T>;

// Anything write() does not take: neither T nor a range of exactly T.
template <class U, class T>
concept foreign_to = !std::same_as<std::remove_cvref_t<U>, T> && !record_range<U, T>;

// Named so that the compiler's note shows the sink's record type and the type given to write().
template <class Record, class Given>
inline constexpr bool write_takes_exactly_the_record_type = std::is_same_v<Record, Given>;

// CRTP: Derived provides write(const T&) and write(T&&) and brings these in with a using-declaration.
template <class Derived, class T>
class sink_base {
 public:
  template <record_range<T> R>
  void write(R&& records) {
    auto& self = static_cast<Derived&>(*this);
    auto it = std::ranges::begin(records);
    auto end = std::ranges::end(records);
    for (; it != end; ++it) self.write(*it);
  }

  template <foreign_to<T> U>
  void write(U&&) {
    static_assert(write_takes_exactly_the_record_type<T, std::remove_cvref_t<U>>,
                  "sinkforge: sink.write(x) takes exactly the sink's record type T (named first in "
                  "write_takes_exactly_the_record_type<T, type of x>) or a range whose elements are exactly "
                  "T; x is neither, and a sink never converts or slices a record. Convert explicitly: "
                  "sink.write(T(x)); or project a range: xs | ranges::views::transform(to_T) | sf::to(sink)");
  }
};

}  // namespace sinkforge::inline v1::detail
