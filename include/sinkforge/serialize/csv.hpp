// serialize::csv: RFC 4180 text that PostgreSQL's COPY ... (FORMAT csv) reads back value for value.
// A field is quoted when it holds the delimiter, a double quote, CR or LF, and quotes inside are
// doubled. NULL (an empty std::optional) is `null_text` unquoted, empty by default; a value whose
// text equals `null_text` (so, by default, the empty string) is quoted, which tells the two apart.
// Records end with CRLF; the header row is the member names, written once at the start of every
// file. Members must be scalars (numbers, bool, strings, enums, system_clock time points,
// std::optional of those).
//
// A dynamic::record (fields known at run time) needs `columns`, the header written before the first
// record: each record's fields go to the columns of their names, a column the record lacks is
// NULL, and a record with a field the columns lack is refused (encode_errc::not_a_column, naming
// it). A JSON value (object or array) is written as its JSON text.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/dynamic/record.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/serialize/concept.hpp>
#include <sinkforge/serialize/detail/json_writer.hpp>
#include <sinkforge/serialize/detail/text.hpp>

namespace sinkforge::inline v1::serialize {

namespace detail {

template <class T>
constexpr bool csv_scalar() {
  using namespace reflect;
  if constexpr (is_optional<T>) return csv_scalar<typename optional_traits<T>::value_type>();
  else
    return boolean<T> || integer<T> || std::is_floating_point_v<T> || string_like<T> ||
           std::same_as<T, char> || is_sys_time<T> || std::is_enum_v<T>;
}

// Writes `s` quoted when it must be; replaces or rejects invalid UTF-8 like the JSON writer.
inline bool write_csv_text(byte_buffer& b, std::string_view s, char delimiter, invalid_utf8 rule) {
  bool quote = false;
  bool ascii = true;
  for (unsigned char c : s) {
    quote |= (c == static_cast<unsigned char>(delimiter) || c == '"' || c == '\r' || c == '\n');
    ascii &= c < 0x80;
  }
  char* p = b.ensure(s.size() * 3 + 2);
  if (quote) *p++ = '"';
  const auto* in = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = in + s.size();
  while (in < end) {
    const unsigned char c = *in;
    if (c < 0x80 || ascii) {
      if (c == '"') *p++ = '"';
      *p++ = static_cast<char>(c);
      ++in;
      continue;
    }
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
  if (quote) *p++ = '"';
  b.commit_to(p);
  return true;
}

// Writes one non-null value; sets `null` instead when an (inner) optional is empty.
template <class T>
encode_status write_csv_field(byte_buffer& b, const T& v, const char* field, char delimiter,
                              invalid_utf8 rule, bool& null) {
  using namespace reflect;
  if constexpr (is_optional<T>) {
    if (v) return write_csv_field(b, *v, field, delimiter, rule, null);
    null = true;
  } else if constexpr (boolean<T>) {
    b.append(v ? std::string_view("true") : std::string_view("false"));
  } else if constexpr (integer<T>) {
    write_integer(b, v);
  } else if constexpr (std::is_floating_point_v<T>) {
    const bool ok = write_floating(b, v);
    if (!ok) return {encode_errc::non_finite_number, field};
  } else if constexpr (string_like<T>) {
    if (!write_csv_text(b, v, delimiter, rule)) return {encode_errc::invalid_utf8, field};
  } else if constexpr (std::same_as<T, char>) {
    if (!write_csv_text(b, std::string_view(&v, 1), delimiter, rule))
      return {encode_errc::invalid_utf8, field};
  } else if constexpr (is_sys_time<T>) {
    if (!write_rfc3339(b, v)) return {encode_errc::unrepresentable, field};
  } else if constexpr (named_enum<T>) {
    if (!write_csv_text(b, std::string_view(sinkforge_enum_name(v)), delimiter, rule))
      return {encode_errc::invalid_utf8, field};
  } else if constexpr (std::is_enum_v<T>) {
    write_integer(b, static_cast<std::underlying_type_t<T>>(v));
  }
  return {};
}

// Quotes the unquoted field written from `start` on when a reader would take it for NULL (its text
// equals the null text) or, on a line of its own, for the end-of-data marker `\.`. A field that
// write_csv_text already quoted starts with '"', which null_text cannot hold.
inline void quote_if_ambiguous(byte_buffer& b, std::size_t start, std::string_view null_text, bool alone) {
  const std::size_t n = b.size() - start;
  const std::string_view text(b.data() + start, n);
  if (SINKFORGE_LIKELY(text != null_text) && !(alone && text == "\\.")) return;
  char* p = b.ensure(2);
  char* f = p - n;
  std::memmove(f + 1, f, n);
  f[0] = '"';
  f[n + 1] = '"';
  b.commit_to(f + n + 2);
}

}  // namespace detail

struct csv {
  using policy_family = family::serializer;
  template <class T>
  using payload = byte_records;
  template <class T>
  static constexpr bool can_encode = [] {
    if constexpr (dynamic::is_record<T>) return true;
    else if constexpr (reflect::is_struct<T>)
      return reflect::all_members<T>([](auto t) { return detail::csv_scalar<typename decltype(t)::type>(); });
    else return false;
  }();
  template <class T>
  static consteval void check_record() {
    static_assert(can_encode<T>,
                  "sinkforge::make_sink<T>: the serializer cannot encode T: serialize::csv needs a struct "
                  "adapted with BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT whose members are scalars "
                  "(numbers, bool, strings, char, enums, system_clock time points, or std::optional of one); "
                  "write nested structs and containers with serialize::ndjson");
  }

  char delimiter = ',';
  bool header = true;
  invalid_utf8 utf8 = invalid_utf8::replace;
  // How NULL is written (PostgreSQL's NULL option): "" by default, e.g. "\\N" or "NULL".
  std::string null_text{};
  // dynamic::record only: the columns, in order (see above).
  std::vector<std::string> columns{};

  template <class T>
  byte_records make_payload() const {
    return byte_records(framing{});
  }

  // Every record ends in "\r\n"; a quoted field may hold a line break too.
  static constexpr record_boundary boundary() noexcept { return {'\n', '"'}; }

  void validate() const {
    const auto c = static_cast<unsigned char>(delimiter);
    if (c == '"' || c == '\r' || c == '\n' || c >= 0x80)
      throw config_error("serialize::csv.delimiter", "must be an ASCII character other than a double quote, CR or LF");
    for (const char ch : null_text)
      if (ch == delimiter || ch == '"' || ch == '\r' || ch == '\n')
        throw config_error("serialize::csv.null_text",
                           "must not contain the delimiter, a double quote, CR or LF (a reader could not tell it "
                           "from a value)");
  }

  // The header line. Called when the sink is made: columns a dynamic::record needs are checked here.
  template <class T>
    requires(can_encode<T>)
  std::string preamble() const {
    if constexpr (dynamic::is_record<T>) {
      if (columns.empty())
        throw config_error("serialize::csv.columns",
                           "CSV of records known at run time needs its columns named (the header comes before the "
                           "first record), e.g. {\"id\", \"amount\"}");
      for (std::size_t i = 0; i < columns.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
          if (columns[i] == columns[j])
            throw config_error("serialize::csv.columns", "names the column '" + columns[i] + "' twice");
    } else if (!columns.empty()) {
      throw config_error("serialize::csv.columns",
                         "is for records known at run time (dynamic::record); a struct's members are its columns");
    }
    if (!header) return {};
    byte_buffer b;
    bool first = true;
    auto name = [&](std::string_view n) {
      if (!first) b.push_back(delimiter);
      first = false;
      detail::write_csv_text(b, n, delimiter, utf8);
    };
    if constexpr (dynamic::is_record<T>)
      for (const std::string& c : columns) name(c);
    else
      for (const char* n : reflect::member_names<T>()) name(n);
    b.append("\r\n", 2);
    return std::string(b.view());
  }

  encode_status append(byte_records& p, const dynamic::record& record) const {
    // Each field's column; the common case, fields in the columns' order, needs no search.
    const std::vector<std::string>& names = record.names();
    for (const std::string& n : names) {
      bool found = false;
      for (const std::string& c : columns) found = found || c == n;
      if (!found) return {encode_errc::not_a_column, n.c_str()};
    }
    const bool in_order = names == columns;
    const bool alone = columns.size() == 1;
    return p.append_record<true>([&](byte_buffer& b) {  // framing{}: no separator
      encode_status st{};
      for (std::size_t c = 0; c < columns.size() && st; ++c) {
        if (c) b.push_back(delimiter);
        const dynamic::value* v = in_order ? &record[c] : record.find(columns[c]);
        const char* field = columns[c].c_str();
        const std::size_t start = b.size();
        if (!v || v->type == dynamic::kind::null) {
          b.append(null_text);
          continue;
        }
        switch (v->type) {
          case dynamic::kind::null: break;
          case dynamic::kind::boolean: b.append(v->integer ? std::string_view("true") : std::string_view("false")); break;
          case dynamic::kind::integer: detail::write_integer(b, v->integer); break;
          case dynamic::kind::real:
            if (!detail::write_floating(b, v->real)) st = {encode_errc::non_finite_number, field};
            break;
          case dynamic::kind::text:
          case dynamic::kind::json:
            if (!detail::write_csv_text(b, v->text, delimiter, utf8)) st = {encode_errc::invalid_utf8, field};
            break;
        }
        if (st) detail::quote_if_ambiguous(b, start, null_text, alone);
      }
      if (st) b.append("\r\n", 2);
      return st;
    });
  }

  template <class T>
    requires(can_encode<T> && !dynamic::is_record<T>)
  encode_status append(byte_records& p, const T& record) const {
    constexpr bool alone = reflect::member_count<T>() == 1;
    return p.append_record<true>([&](byte_buffer& b) {  // framing{}: no separator
      encode_status st{};
      bool first = true;
      reflect::for_each_member(record, [&](auto name, const auto& member) {
        if (!st) return;
        if (!first) b.push_back(delimiter);
        first = false;
        const std::size_t start = b.size();
        bool null = false;
        st = detail::write_csv_field(b, member, decltype(name)::c_str(), delimiter, utf8, null);
        if (null) b.append(null_text);
        else if (st) detail::quote_if_ambiguous(b, start, null_text, alone);
      });
      if (st) b.append("\r\n", 2);
      return st;
    });
  }
};

}  // namespace sinkforge::inline v1::serialize
