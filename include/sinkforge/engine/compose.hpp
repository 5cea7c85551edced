// Sorting make_sink's arguments into families: count, find, or default.
#pragma once
#include <cstddef>
#include <type_traits>
#include <utility>

#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1::detail {

template <class Family, class... Ps>
inline constexpr std::size_t count_of = (std::size_t{policy_of<Ps, Family>} + ... + 0);

template <class Family, class... Ps>
constexpr std::size_t index_of() {
  constexpr bool matches[] = {policy_of<Ps, Family>..., false};
  std::size_t i = 0;
  while (i < sizeof...(Ps) && !matches[i]) ++i;
  return i;
}

// The I-th of a pack, by recursion rather than std::tuple: a tuple of every argument, built once
// per family, was the costliest part of composing a sink to compile.
template <std::size_t I, class First, class... Rest>
constexpr auto& nth(First& first, Rest&... rest) noexcept {
  if constexpr (I == 0) return first;
  else return nth<I - 1>(rest...);
}

template <std::size_t I, class First, class... Rest>
struct nth_type : nth_type<I - 1, Rest...> {};
template <class First, class... Rest>
struct nth_type<0, First, Rest...> {
  using type = First;
};

// The argument of `Family`, copied, or a default-constructed `Default` when none was given.
template <class Family, class Default, class... Ps>
constexpr auto pick(Ps&... ps) {
  constexpr std::size_t i = index_of<Family, Ps...>();
  if constexpr (i < sizeof...(Ps)) {
    auto& chosen = nth<i>(ps...);
    return std::remove_cvref_t<decltype(chosen)>(chosen);
  } else {
    return Default{};
  }
}

template <bool Found, std::size_t I, class Default, class... Ps>
struct pick_type {
  using type = Default;
};
template <std::size_t I, class Default, class... Ps>
struct pick_type<true, I, Default, Ps...> {
  using type = std::remove_cvref_t<typename nth_type<I, Ps...>::type>;
};

template <class Family, class Default, class... Ps>
using pick_t = typename pick_type<(index_of<Family, Ps...>() < sizeof...(Ps)), index_of<Family, Ps...>(), Default,
                                  Ps...>::type;

}  // namespace sinkforge::inline v1::detail
