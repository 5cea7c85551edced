// serialize::json and serialize::ndjson: any Hana-adapted struct (nested structs, std::optional,
// sequences, maps with string keys, enums, system_clock time points, integers, floating point).
//
// Rules: strings are escaped per RFC 8259 (control characters as \n, \t, ... or \u00XX); invalid
// UTF-8 is replaced by U+FFFD or rejects the record (`invalid_utf8`); doubles are written shortest
// round-trip; NaN and infinities make the record invalid; time points are RFC 3339 UTC strings with
// the precision of their duration; enums are their integer value, or their name when
// `sinkforge_enum_name(E)` is declared; std::nullopt is null.
//
// ndjson frames a batch as one record per line; json frames it as an array "[r1,r2,...]".
#pragma once
#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/serialize/concept.hpp>
#include <sinkforge/serialize/detail/json_writer.hpp>

namespace sinkforge::inline v1::serialize {

struct ndjson {
  using policy_family = family::serializer;
  template <class T>
  using payload = byte_records;
  template <class T>
  static constexpr bool can_encode = detail::json_encodable<T>();
  template <class T>
  static consteval void check_record() {
    static_assert(can_encode<T>,
                  "sinkforge::make_sink<T>: the serializer cannot encode T: serialize::ndjson needs a struct adapted "
                  "with BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT whose members are numbers, bool, "
                  "strings, enums, system_clock time points, std::optional, sequences, string-keyed maps or "
                  "adapted structs");
  }
  static constexpr framing frame{"", "", ""};
  invalid_utf8 utf8 = invalid_utf8::replace;

  // Every record ends in '\n', which a record never holds unescaped.
  static constexpr record_boundary boundary() noexcept { return {'\n', 0}; }

  template <class T>
  byte_records make_payload() const {
    return byte_records(frame);
  }

  template <class T>
    requires(can_encode<T>)
  encode_status append(byte_records& p, const T& record) const {
    const detail::json_context cx{utf8, false};
    return p.append_record<frame.separator.empty()>(
        [&](byte_buffer& b) { return detail::write_json(b, record, "", cx, '\n'); });
  }
};

struct json {
  using policy_family = family::serializer;
  template <class T>
  using payload = byte_records;
  template <class T>
  static constexpr bool can_encode = detail::json_encodable<T>();
  template <class T>
  static consteval void check_record() {
    static_assert(can_encode<T>,
                  "sinkforge::make_sink<T>: the serializer cannot encode T: serialize::json needs a struct adapted "
                  "with BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT whose members are numbers, bool, "
                  "strings, enums, system_clock time points, std::optional, sequences, string-keyed maps or "
                  "adapted structs");
  }
  static constexpr framing frame{"[", ",", "]"};
  invalid_utf8 utf8 = invalid_utf8::replace;

  template <class T>
  byte_records make_payload() const {
    return byte_records(frame);
  }

  template <class T>
    requires(can_encode<T>)
  encode_status append(byte_records& p, const T& record) const {
    const detail::json_context cx{utf8, false};
    return p.append_record([&](byte_buffer& b) { return detail::write_json(b, record, "", cx); });
  }
};

// One JSON value as a std::string, never failing (NaN as "NaN"): for diagnostics and dead letters.
template <class T>
std::string to_json_lenient(const T& v) {
  byte_buffer b;
  if constexpr (detail::json_encodable<T>()) {
    detail::write_json<false>(b, v, "", detail::json_context{invalid_utf8::replace, true});
  } else {
    b.append("\"<record without a JSON encoding>\"");
  }
  return std::string(b.view());
}

}  // namespace sinkforge::inline v1::serialize
