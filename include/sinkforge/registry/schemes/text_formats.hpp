// The `format` and `csv.*` keys of the schemes that write bytes (stdout, file): which serializer
// a URI chooses.
#pragma once
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

#include <sinkforge/registry/options.hpp>
#include <sinkforge/serialize/csv.hpp>
#include <sinkforge/serialize/json.hpp>

namespace sinkforge::inline v1::schemes::detail {

inline constexpr registry::key_info format_keys[] = {
    {"format", "ndjson (csv for a .csv file)", "ndjson or csv (RFC 4180, PostgreSQL's NULL convention)"},
    {"csv.delimiter", ",", "the field delimiter: one character"},
    {"csv.header", "true", "a header line of member names first"},
    {"csv.null", "", "how NULL is written (e.g. \\N)"},
};

inline serialize::csv read_csv(registry::options& o) {
  serialize::csv s;
  if (auto d = o.text("csv.delimiter")) {
    if (d->size() != 1 || *d == "\"" || *d == "\n" || *d == "\r") o.fail("csv.delimiter", "must be one character, not '\"' or a line break");
    s.delimiter = d->front();
  }
  s.header = o.boolean("csv.header", true);
  if (auto n = o.text("csv.null")) s.null_text = std::move(*n);
  return s;
}

// The transport with the serializer `format` names: a std::variant of the two recipes.
template <class Transport>
std::variant<std::tuple<Transport, serialize::ndjson>, std::tuple<Transport, serialize::csv>> with_format(
    Transport t, registry::options& o, bool csv_by_default) {
  const std::size_t f = o.choice("format", {"ndjson", "csv"}, csv_by_default ? 1 : 0);
  if (f == 0) {
    if (o.has_prefix("csv.")) o.fail("format", "csv.* keys are for format=csv");
    return std::tuple{std::move(t), serialize::ndjson{}};
  }
  return std::tuple{std::move(t), read_csv(o)};
}

}  // namespace sinkforge::inline v1::schemes::detail
