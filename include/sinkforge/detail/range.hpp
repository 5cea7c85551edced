// The range concepts the library needs, built on the customization points that <iterator> provides.
// <ranges> would bring every view adaptor into every TU; only sinkforge/ranges.hpp (the pipe) needs it.
#pragma once
#include <concepts>
#include <iterator>
#include <type_traits>

namespace sinkforge::inline v1::detail {

template <class R>
concept range = requires(R& r) {
  std::ranges::begin(r);
  std::ranges::end(r);
};

template <range R>
using iterator_t = decltype(std::ranges::begin(std::declval<R&>()));

template <range R>
using range_value_t = std::iter_value_t<iterator_t<R>>;

template <range R>
using range_reference_t = std::iter_reference_t<iterator_t<R>>;

template <class R>
concept input_range = range<R> && std::input_iterator<iterator_t<R>>;

template <class R>
concept sized_range = range<R> && requires(R& r) { std::ranges::size(r); };

template <class R>
concept contiguous_range = range<R> && std::contiguous_iterator<iterator_t<R>> &&
                           requires(R& r) { std::ranges::data(r); };

}  // namespace sinkforge::inline v1::detail
