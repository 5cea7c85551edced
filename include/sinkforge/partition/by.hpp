// partition::by<&T::member> and partition::by_name<"member">: the key is one member's value.
// String members give a string_view key (no copy per record); integers, enums and bools their value.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/hana/at.hpp>

#include <sinkforge/partition/concept.hpp>
#include <sinkforge/reflect.hpp>

namespace sinkforge::inline v1::partition {

namespace detail {
template <class M>
struct member_pointer;
template <class C, class R>
struct member_pointer<R C::*> {
  using class_type = C;
  using value_type = R;
};

template <class V>
constexpr auto key_view(const V& v) {
  if constexpr (reflect::string_like<V>) return std::string_view(v);
  else return v;
}

template <class V>
inline constexpr bool keyable = reflect::string_like<V> || std::is_integral_v<V> || std::is_enum_v<V>;
}  // namespace detail

template <auto Member>
struct by_member {
  using policy_family = family::partition;
  using member_info = detail::member_pointer<decltype(Member)>;

  template <class T>
  static constexpr bool applies_to = detail::keyable<typename member_info::value_type> &&
                                     std::is_base_of_v<typename member_info::class_type, T>;
  // make_sink's message when applies_to<T> is false.
  template <class T>
  static consteval void check_record() {
    if constexpr (!detail::keyable<typename member_info::value_type>)
      static_assert(detail::keyable<typename member_info::value_type>,
                    "sinkforge: partition::by<&T::m> needs a string, integer, enum or bool member; "
                    "use partition::time_bucket for time points");
    else
      static_assert(std::is_base_of_v<typename member_info::class_type, T>,
                    "sinkforge::make_sink<T>: the partitioner reads a member T does not have; partition by a "
                    "member of T (partition::by<&T::member> or partition::by_name<\"member\">)");
  }

  template <class T>
  constexpr auto key(const T& record) const noexcept {
    return detail::key_view(record.*Member);
  }
};

template <auto Member>
inline constexpr by_member<Member> by{};

// A compile-time string usable as a template argument: by_name<"customer">.
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  constexpr fixed_string(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  constexpr std::string_view view() const { return {chars, N - 1}; }
};

template <fixed_string Name>
struct by_name_t {
  using policy_family = family::partition;

  template <class T>
  static constexpr std::size_t index_in() {
    if constexpr (!reflect::is_struct<T>) return std::size_t(-1);
    else {
      constexpr auto names = reflect::member_names<T>();
      for (std::size_t i = 0; i < names.size(); ++i)
        if (std::string_view(names[i]) == Name.view()) return i;
      return std::size_t(-1);
    }
  }
  template <class T>
  static constexpr bool applies_to = index_in<T>() != std::size_t(-1);

  template <class T>
  constexpr auto key(const T& record) const {
    constexpr std::size_t i = index_in<T>();
    const auto& member = boost::hana::second(boost::hana::at_c<i>(boost::hana::accessors<T>()))(record);
    static_assert(detail::keyable<std::remove_cvref_t<decltype(member)>>,
                  "sinkforge: partition::by_name<\"m\"> needs a string, integer, enum or bool member");
    return detail::key_view(member);
  }
};

template <fixed_string Name>
inline constexpr by_name_t<Name> by_name{};

}  // namespace sinkforge::inline v1::partition
