// The JSON encoder behind serialize::json and serialize::ndjson: writes straight into a byte_buffer,
// member keys are compile-time literals, numbers go through std::to_chars.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include <boost/hana/string.hpp>

#include <sinkforge/error.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/serialize/detail/text.hpp>

namespace sinkforge::inline v1 {

// Customization point for enum names: declare `std::string_view sinkforge_enum_name(E)` next to
// the enum (found by ADL) and text serializers write the name; otherwise the underlying integer.
template <class E>
concept named_enum = std::is_enum_v<E> && requires(E e) {
  { sinkforge_enum_name(e) } -> std::convertible_to<std::string_view>;
};

namespace serialize::detail {

struct json_context {
  serialize::invalid_utf8 utf8 = serialize::invalid_utf8::replace;
  // Diagnostic renderings (dead letters) never fail: NaN and infinities become strings.
  bool lenient = false;
};

// 0: copy, 1: short or \u escape, 2: non-ASCII (UTF-8 check).
inline constexpr auto json_char_class = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = 1;
  t['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}();

// Writes `s` as a quoted JSON string. False only under invalid_utf8::reject.
inline bool write_json_string(byte_buffer& b, std::string_view s, invalid_utf8 rule) {
  // Worst case: every byte becomes \u00XX (6 bytes) or a 3-byte U+FFFD.
  char* p = b.ensure(s.size() * 6 + 2);
  *p++ = '"';
  const auto* in = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = in + s.size();
  while (in < end) {
    const auto* run = in;
    while (in < end && json_char_class[*in] == 0) ++in;
    if (in != run) {
      std::memcpy(p, run, static_cast<std::size_t>(in - run));
      p += in - run;
    }
    if (in == end) break;
    const unsigned char c = *in;
    if (json_char_class[c] == 1) {
      *p++ = '\\';
      switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\b': *p++ = 'b'; break;
        case '\f': *p++ = 'f'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default: {
          static constexpr char hex[] = "0123456789abcdef";
          *p++ = 'u';
          *p++ = '0';
          *p++ = '0';
          *p++ = hex[c >> 4];
          *p++ = hex[c & 15];
        }
      }
      ++in;
    } else {
      std::size_t consumed = 0;
      const std::size_t n = utf8_sequence(in, end, consumed);
      if (n) {
        std::memcpy(p, in, n);
        p += n;
        in += n;
      } else {
        if (rule == invalid_utf8::reject) return false;
        std::memcpy(p, replacement_char, 3);
        p += 3;
        in += consumed;
      }
    }
  }
  *p++ = '"';
  b.commit_to(p);
  return true;
}

template <class Name>
struct json_key;
// `"name":` and `,"name":` as static arrays, built once per member at compile time.
template <char... Cs>
struct json_key<boost::hana::string<Cs...>> {
  static constexpr char first[] = {'"', Cs..., '"', ':'};
  static constexpr char next[] = {',', '"', Cs..., '"', ':'};
};

template <class T>
constexpr bool json_encodable();

template <class T>
constexpr bool json_encodable_member(std::type_identity<T>) {
  return json_encodable<T>();
}

template <class T>
constexpr bool json_encodable() {
  using namespace reflect;
  if constexpr (boolean<T> || integer<T> || std::is_floating_point_v<T> || string_like<T> ||
                std::same_as<T, char> || is_sys_time<T> || std::is_enum_v<T>)
    return true;
  else if constexpr (is_optional<T>)
    return json_encodable<typename optional_traits<T>::value_type>();
  else if constexpr (is_struct<T>)
    return reflect::all_members<T>([](auto t) { return json_encodable_member(t); });
  else if constexpr (map_like<T>)
    return json_encodable<typename T::mapped_type>();
  else if constexpr (sequence_like<T>)
    return json_encodable<std::remove_cvref_t<sinkforge::detail::range_value_t<T>>>();
  else
    return false;
}

template <class T>
encode_status write_json(byte_buffer& b, const T& v, const char* field, const json_context& cx);

template <class S>
encode_status write_json_struct(byte_buffer& b, const S& v, const json_context& cx) {
  encode_status st{};
  b.push_back('{');
  bool first = true;
  reflect::for_each_member(v, [&](auto name, const auto& member) {
    if (!st) return;
    using key = json_key<decltype(name)>;
    if (first) b.append(key::first, sizeof(key::first));
    else b.append(key::next, sizeof(key::next));
    first = false;
    st = write_json(b, member, decltype(name)::c_str(), cx);
  });
  if (st) b.push_back('}');
  return st;
}

template <class T>
encode_status write_json(byte_buffer& b, const T& v, const char* field, const json_context& cx) {
  using namespace reflect;
  if constexpr (boolean<T>) {
    if (v) b.append("true", 4);
    else b.append("false", 5);
  } else if constexpr (integer<T>) {
    write_integer(b, v);
  } else if constexpr (std::is_floating_point_v<T>) {
    const bool ok = write_floating(b, v);
    if (SINKFORGE_UNLIKELY(!ok)) {
      if (!cx.lenient) return {encode_errc::non_finite_number, field};
      b.append(is_nan(v) ? "\"NaN\"" : (v > 0 ? "\"Infinity\"" : "\"-Infinity\""));
    }
  } else if constexpr (string_like<T>) {
    if (SINKFORGE_UNLIKELY(!write_json_string(b, v, cx.utf8)))
      return {encode_errc::invalid_utf8, field};
  } else if constexpr (std::same_as<T, char>) {
    if (!write_json_string(b, std::string_view(&v, 1), cx.utf8)) return {encode_errc::invalid_utf8, field};
  } else if constexpr (is_sys_time<T>) {
    b.push_back('"');
    if (!write_rfc3339(b, v)) return {encode_errc::unrepresentable, field};
    b.push_back('"');
  } else if constexpr (named_enum<T>) {
    if (!write_json_string(b, std::string_view(sinkforge_enum_name(v)), cx.utf8))
      return {encode_errc::invalid_utf8, field};
  } else if constexpr (std::is_enum_v<T>) {
    write_integer(b, static_cast<std::underlying_type_t<T>>(v));
  } else if constexpr (is_optional<T>) {
    if (v) return write_json(b, *v, field, cx);
    b.append("null", 4);
  } else if constexpr (is_struct<T>) {
    return write_json_struct(b, v, cx);
  } else if constexpr (map_like<T>) {
    b.push_back('{');
    bool first = true;
    for (const auto& [k, val] : v) {
      if (!first) b.push_back(',');
      first = false;
      if (!write_json_string(b, k, cx.utf8)) return {encode_errc::invalid_utf8, field};
      b.push_back(':');
      if (auto st = write_json(b, val, field, cx); !st) return st;
    }
    b.push_back('}');
  } else if constexpr (sequence_like<T>) {
    b.push_back('[');
    bool first = true;
    for (const auto& e : v) {
      if (!first) b.push_back(',');
      first = false;
      if (auto st = write_json(b, e, field, cx); !st) return st;
    }
    b.push_back(']');
  } else {
    static_assert(json_encodable<T>(), "sinkforge: this type has no JSON encoding");
  }
  return {};
}

}  // namespace serialize::detail
}  // namespace sinkforge::inline v1
