// What the SQL transports (sqlite::table, postgres::table) share: the payload they take, the member
// types a column can hold (each transport maps them to its own column types), and quoting an
// identifier (doubling the quote, as SQL does in both).
#pragma once
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <sinkforge/payload/rows.hpp>
#include <sinkforge/reflect.hpp>

namespace sinkforge::inline v1::sql_detail {

template <class P>
struct is_rows : std::false_type {};
template <class T>
struct is_rows<rows<T>> : std::true_type {};

template <class M>
constexpr bool storable() {
  using namespace reflect;
  if constexpr (is_optional<M>) {
    using V = typename optional_traits<M>::value_type;
    return !is_optional<V> && storable<V>();
  } else {
    return boolean<M> || integer<M> || std::is_floating_point_v<M> || std::same_as<M, std::string> ||
           std::same_as<M, char> || std::is_enum_v<M> || is_sys_time<M> ||
           std::same_as<M, std::vector<std::byte>> || std::same_as<M, std::vector<unsigned char>>;
  }
}

inline std::string quote_identifier(std::string_view id) {
  std::string out = "\"";
  for (const char c : id) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace sinkforge::inline v1::sql_detail
