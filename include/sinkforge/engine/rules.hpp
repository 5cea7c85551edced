// Composition rules and what make_sink returns when one is broken.
//
// A rule is a type with `template <class C> static constexpr bool holds` (does composition C obey
// it?) and `template <class C> static void fail()` (its static_assert, written against `holds`, so
// the condition is stated once). check_rules walks a list in order and instantiates the `fail` of
// the first rule that does not hold, and of no other: the user sees one message, and it is the
// first error the compiler prints. make_sink calls that `fail` itself, so the compiler's
// instantiation context is short: make_sink, then the rule.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include <sinkforge/checkpoint/writer_state.hpp>
#include <sinkforge/engine/compose.hpp>

namespace sinkforge::inline v1::detail {

template <class... Rules>
struct rule_list {
  static constexpr std::size_t size = sizeof...(Rules);
  template <std::size_t I>
  using at = typename nth_type<I, Rules...>::type;
};

// The index of the first rule in List that C breaks, or List::size. It only reads `holds`, and
// stops at the first broken rule, so no later rule is instantiated on a broken composition.
template <class C, class List, std::size_t I = 0>
constexpr std::size_t first_broken_rule() {
  if constexpr (I == List::size) return I;
  else if constexpr (!List::template at<I>::template holds<C>) return I;
  else return first_broken_rule<C, List, I + 1>();
}

// What make_sink returns after a static_assert: every call a program makes on a sink is accepted
// and does nothing, so the static_assert stays the first and only error.
struct invalid_sink {
  template <class... A>
  constexpr void write(A&&...) noexcept {}
  constexpr void flush() noexcept {}
  constexpr void close() noexcept {}
  constexpr void tick() noexcept {}
  checkpoint::writer_state prepare_checkpoint(std::uint64_t) { return {}; }
  constexpr void commit_checkpoint(std::uint64_t) noexcept {}
  constexpr bool closed() const noexcept { return true; }
  constexpr std::size_t open_records() const noexcept { return 0; }
  constexpr const invalid_sink& metrics() const noexcept { return *this; }
  constexpr invalid_sink& connection() noexcept { return *this; }
  std::string prometheus() const { return {}; }
};

}  // namespace sinkforge::inline v1::detail
