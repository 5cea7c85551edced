// batch::any_of: `a | b` seals on whichever policy asks first; limits take the tightest value.
#pragma once
#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>

#include <sinkforge/batch/concept.hpp>

namespace sinkforge::inline v1::batch {

template <class... Bs>
struct any_of {
  using policy_family = family::batching;
  std::tuple<Bs...> parts;

  constexpr bool full(const batch_state& s) const {
    return std::apply([&](const auto&... b) { return (detail::full(b, s) || ...); }, parts);
  }
  constexpr bool would_overflow(const batch_state& s, std::size_t add) const {
    return std::apply([&](const auto&... b) { return (detail::would_overflow(b, s, add) || ...); },
                      parts);
  }
  constexpr std::optional<steady_time> deadline(const batch_state& s) const
    requires(detail::has_deadline<Bs> || ...)
  {
    std::optional<steady_time> d;
    std::apply(
        [&](const auto&... b) {
          ((d = earliest(d, detail::deadline(b, s))), ...);
        },
        parts);
    return d;
  }
  constexpr std::size_t record_byte_limit() const {
    std::size_t limit = static_cast<std::size_t>(-1);
    std::apply([&](const auto&... b) { ((limit = smaller(limit, detail::record_byte_limit(b))), ...); },
               parts);
    return limit;
  }
  constexpr std::size_t max_open_batches() const {
    std::size_t n = 0;
    std::apply([&](const auto&... b) { ((n = pick_open(n, detail::max_open_batches(b))), ...); },
               parts);
    return n;
  }
  void validate() const {
    std::apply([](const auto&... b) { (validate_one(b), ...); }, parts);
  }

 private:
  static constexpr std::optional<steady_time> earliest(std::optional<steady_time> a,
                                                       std::optional<steady_time> b) {
    if (!a) return b;
    if (!b) return a;
    return *b < *a ? *b : *a;
  }
  static constexpr std::size_t pick_open(std::size_t a, std::size_t b) {
    if (a == 0) return b;
    if (b == 0) return a;
    return smaller(a, b);
  }
  static constexpr std::size_t smaller(std::size_t a, std::size_t b) { return b < a ? b : a; }
  template <class B>
  static void validate_one(const B& b) {
    if constexpr (requires { b.validate(); }) b.validate();
  }
};

namespace detail {
template <class B>
struct as_tuple {
  static std::tuple<B> get(const B& b) { return std::tuple<B>{b}; }
};
template <class... Bs>
struct as_tuple<any_of<Bs...>> {
  static std::tuple<Bs...> get(const any_of<Bs...>& b) { return b.parts; }
};
template <class A, class B>
struct join;
template <class... As, class... Bs>
struct join<std::tuple<As...>, std::tuple<Bs...>> {
  using type = any_of<As..., Bs...>;
};
}  // namespace detail

// Combining flattens: (a | b) | c is any_of<A, B, C>.
template <batching_policy A, batching_policy B>
constexpr auto operator|(const A& a, const B& b) {
  auto ta = detail::as_tuple<A>::get(a);
  auto tb = detail::as_tuple<B>::get(b);
  using result = typename detail::join<decltype(ta), decltype(tb)>::type;
  return result{std::tuple_cat(ta, tb)};
}

}  // namespace sinkforge::inline v1::batch
