// Record reflection over Boost.Hana structs (BOOST_HANA_DEFINE_STRUCT / BOOST_HANA_ADAPT_STRUCT),
// and the value categories every serializer and transport agrees on.
#pragma once
#include <concepts>
#include <cstddef>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/hana/accessors.hpp>
#include <boost/hana/concept/struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>
#include <boost/hana/unpack.hpp>

#include <sinkforge/config.hpp>
#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/detail/range.hpp>

namespace sinkforge::inline v1 {
// Customization point for enum names: declare `std::string_view sinkforge_enum_name(E)` next to
// the enum (found by ADL) and text serializers and SQL transports write the name; otherwise the
// underlying integer.
template <class E>
concept named_enum = std::is_enum_v<E> && requires(E e) {
  { sinkforge_enum_name(e) } -> std::convertible_to<std::string_view>;
};
}  // namespace sinkforge::inline v1

namespace sinkforge::inline v1::reflect {

template <class T>
inline constexpr bool is_struct = boost::hana::Struct<T>::value;

template <class T>
struct optional_traits : std::false_type {};
template <class T>
struct optional_traits<std::optional<T>> : std::true_type {
  using value_type = T;
};
template <class T>
inline constexpr bool is_optional = optional_traits<T>::value;

template <class T>
struct sys_time_traits : std::false_type {};
template <class D>
struct sys_time_traits<std::chrono::time_point<std::chrono::system_clock, D>> : std::true_type {};
template <class T>
inline constexpr bool is_sys_time = sys_time_traits<T>::value;

template <class T>
concept string_like = std::same_as<T, std::string> || std::same_as<T, std::string_view>;

template <class T>
concept boolean = std::same_as<T, bool>;

template <class T>
concept integer = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
                  !std::same_as<T, wchar_t> && !std::same_as<T, char8_t> &&
                  !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

template <class T>
concept map_like = sinkforge::detail::range<T> && requires {
  typename T::key_type;
  typename T::mapped_type;
} && string_like<typename T::key_type>;

template <class T>
concept sequence_like = sinkforge::detail::range<T> && !string_like<T> && !map_like<T> &&
                        !requires { typename T::key_type; };

template <class T>
concept byte_sequence =
    sinkforge::detail::contiguous_range<T> && sinkforge::detail::sized_range<T> &&
    (std::same_as<sinkforge::detail::range_value_t<T>, std::byte> ||
     std::same_as<sinkforge::detail::range_value_t<T>, unsigned char>);

// Calls f(name, member) for every member; `name` is a hana::string (compile-time).
template <class T, class F>
constexpr void for_each_member(T& record, F&& f) {
  boost::hana::for_each(boost::hana::accessors<std::remove_const_t<T>>(), [&](auto pair) {
    f(boost::hana::first(pair), boost::hana::second(pair)(record));
  });
}

// True when pred<M>() holds for the type of every member of T.
template <class T, class Pred>
constexpr bool all_members(Pred pred) {
  return boost::hana::unpack(boost::hana::accessors<T>(), [&](auto... pairs) {
    return (pred(std::type_identity<std::remove_cvref_t<decltype(boost::hana::second(pairs)(
                     std::declval<T&>()))>>{}) &&
            ...);
  });
}

template <class T>
constexpr std::size_t member_count() {
  return boost::hana::unpack(boost::hana::accessors<T>(),
                             [](auto... pairs) { return sizeof...(pairs); });
}

namespace detail {
// Whether a reflection accessor (a class template over a member pointer type and value, as
// Hana's struct macros make them) reads the member `Key`.
template <auto Key, template <class M, M> class Accessor, class M, M Ptr>
constexpr bool reads_member(const Accessor<M, Ptr>&) {
  if constexpr (std::is_same_v<M, decltype(Key)>) return Ptr == Key;
  else return false;
}
template <auto Key, class Other>
constexpr bool reads_member(const Other&) {
  return false;
}
}  // namespace detail

// Whether T's reflection lists the member `Key` (a pointer to a member of T). A flag rather than
// member_name_of() != nullptr: g++ under -fsanitize=undefined does not take that comparison of a
// string's address as a constant expression, and the composition rules need one.
template <class T, auto Key>
constexpr bool lists_member() {
  bool found = false;
  boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
    if (detail::reads_member<Key>(boost::hana::second(pair))) found = true;
  });
  return found;
}

// The name of the member `Key` (a pointer to a member of T), or nullptr when T's reflection does
// not list it.
template <class T, auto Key>
constexpr const char* member_name_of() {
  const char* found = nullptr;
  boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
    if (detail::reads_member<Key>(boost::hana::second(pair))) found = boost::hana::to<const char*>(boost::hana::first(pair));
  });
  return found;
}

// The member names of T as static C strings, in declaration order.
template <class T>
constexpr auto member_names() {
  return boost::hana::unpack(boost::hana::accessors<T>(), [](auto... pairs) {
    return std::array<const char*, sizeof...(pairs)>{
        boost::hana::to<const char*>(boost::hana::first(pairs))...};
  });
}

}  // namespace sinkforge::inline v1::reflect
