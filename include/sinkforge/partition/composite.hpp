// partition::composite(a, b, ...): the key is the tuple of the parts' keys (text joined by '-').
#pragma once
#include <tuple>

#include <sinkforge/partition/concept.hpp>

namespace sinkforge::inline v1::partition {

template <class... Parts>
struct composite_t {
  using policy_family = family::partition;
  std::tuple<Parts...> parts;

  template <class T>
  static constexpr bool applies_to = (Parts::template applies_to<T> && ...);

  template <class T>
  auto key(const T& record) const {
    return std::apply([&](const auto&... p) { return std::tuple{p.key(record)...}; }, parts);
  }
  void validate() const {
    std::apply([](const auto&... p) { (validate_one(p), ...); }, parts);
  }

 private:
  template <class P>
  static void validate_one(const P& p) {
    if constexpr (requires { p.validate(); }) p.validate();
  }
};

template <class... Parts>
  requires(sizeof...(Parts) >= 2 && (policy_of<Parts, family::partition> && ...))
constexpr composite_t<Parts...> composite(Parts... parts) {
  return composite_t<Parts...>{std::tuple<Parts...>{parts...}};
}

}  // namespace sinkforge::inline v1::partition
