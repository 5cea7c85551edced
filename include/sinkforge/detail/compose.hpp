// Sorting make_sink's arguments into families: count, find, or default.
#pragma once
#include <cstddef>
#include <tuple>
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

// The argument of `Family`, copied, or a default-constructed `Default` when none was given.
template <class Family, class Default, class... Ps>
constexpr auto pick(Ps&... ps) {
  constexpr std::size_t i = index_of<Family, Ps...>();
  if constexpr (i < sizeof...(Ps)) {
    auto& chosen = std::get<i>(std::tie(ps...));
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
  using type = std::remove_cvref_t<std::tuple_element_t<I, std::tuple<Ps...>>>;
};

template <class Family, class Default, class... Ps>
using pick_t = typename pick_type<(index_of<Family, Ps...>() < sizeof...(Ps)), index_of<Family, Ps...>(), Default,
                                  Ps...>::type;

}  // namespace sinkforge::inline v1::detail
