// What the SQL transports (sqlite::table, postgres::table) share: the payload they take, the member
// types a column can hold (each transport maps them to its own column types), JSON for the members
// that are structs or containers, and quoting an identifier (doubling the quote, as SQL does in both).
#pragma once
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <sinkforge/payload/byte_buffer.hpp>
#include <sinkforge/payload/rows.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/serialize/detail/json_writer.hpp>

namespace sinkforge::inline v1::sql_detail {

template <class P>
struct is_rows : std::false_type {};
template <class T>
struct is_rows<rows<T>> : std::true_type {};

// A column a transport adds after the record's own (cdc::apply's audit columns).
struct extra_column {
  const char* name;
  const char* type;
};

template <class M>
constexpr bool byte_vector() {
  return std::same_as<M, std::vector<std::byte>> || std::same_as<M, std::vector<unsigned char>>;
}

// A member stored as one JSON document (SQLite TEXT, PostgreSQL jsonb): a nested struct, a sequence
// or a map that serialize::json can write.
template <class M>
constexpr bool json_column() {
  using namespace reflect;
  return !byte_vector<M>() && (is_struct<M> || sequence_like<M> || map_like<M>) &&
         serialize::detail::json_encodable<M>();
}

template <class M>
constexpr bool storable() {
  using namespace reflect;
  if constexpr (is_optional<M>) {
    using V = typename optional_traits<M>::value_type;
    return !is_optional<V> && storable<V>();
  } else {
    return boolean<M> || integer<M> || std::is_floating_point_v<M> || std::same_as<M, std::string> ||
           std::same_as<M, char> || std::is_enum_v<M> || is_sys_time<M> || byte_vector<M>() || json_column<M>();
  }
}

// `v` as JSON text into `out` (cleared first), strictly: invalid UTF-8 or a non-finite number
// fails (false), so that the column never holds what a JSON reader refuses.
template <class M>
bool write_json_column(byte_buffer& out, const M& v) {
  out.clear();
  const serialize::detail::json_context cx{.utf8 = serialize::invalid_utf8::reject};
  return static_cast<bool>(serialize::detail::write_json(out, v, "", cx));
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
