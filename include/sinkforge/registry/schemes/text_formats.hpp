// The `format` and `csv.*` keys of the schemes that write bytes (stdout, file): which serializer
// a URI chooses.
#pragma once
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

#include <sinkforge/dynamic/record.hpp>
#include <sinkforge/registry/options.hpp>
#include <sinkforge/serialize/csv.hpp>
#include <sinkforge/serialize/json.hpp>

namespace sinkforge::inline v1::schemes::detail {

inline constexpr registry::key_info format_keys[] = {
    {"format", "ndjson (csv for a .csv file)", "ndjson or csv (RFC 4180, PostgreSQL's NULL convention)"},
    {"csv.delimiter", ",", "the field delimiter: one character"},
    {"csv.header", "true", "a header line of member names first"},
    {"csv.null", "", "how NULL is written (e.g. \\N)"},
    {"csv.columns", "", "records known at run time (the sinkforge tool's): the columns, comma-separated"},
};

template <class T>
serialize::csv read_csv(registry::options& o) {
  serialize::csv s;
  if (auto d = o.text("csv.delimiter")) {
    if (d->size() != 1 || *d == "\"" || *d == "\n" || *d == "\r") o.fail("csv.delimiter", "must be one character, not '\"' or a line break");
    s.delimiter = d->front();
  }
  s.header = o.boolean("csv.header", true);
  if (auto n = o.text("csv.null")) s.null_text = std::move(*n);
  if (auto c = o.text("csv.columns")) {
    if constexpr (!dynamic::is_record<T>)
      o.fail("csv.columns", "is for records known at run time; a struct's members are its columns");
    for (std::size_t from = 0;;) {
      const std::size_t comma = c->find(',', from);
      std::string name = c->substr(from, comma == std::string::npos ? std::string::npos : comma - from);
      if (name.empty()) o.fail("csv.columns", "'" + *c + "' has an empty column name");
      for (const std::string& seen : s.columns)
        if (seen == name) o.fail("csv.columns", "names '" + name + "' twice");
      s.columns.push_back(std::move(name));
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
  } else if constexpr (dynamic::is_record<T>) {
    o.fail("csv.columns",
           "missing: CSV of records known at run time needs its columns (the header comes first), e.g. "
           "csv.columns=id,amount");
  }
  return s;
}

// The transport with the serializer `format` names: a std::variant of the two recipes.
template <class T, class Transport>
std::variant<std::tuple<Transport, serialize::ndjson>, std::tuple<Transport, serialize::csv>> with_format(
    Transport t, registry::options& o, bool csv_by_default) {
  const std::size_t f = o.choice("format", {"ndjson", "csv"}, csv_by_default ? 1 : 0);
  if (f == 0) {
    if (o.has_prefix("csv.")) o.fail("format", "csv.* keys are for format=csv");
    return std::tuple{std::move(t), serialize::ndjson{}};
  }
  return std::tuple{std::move(t), read_csv<T>(o)};
}

}  // namespace sinkforge::inline v1::schemes::detail
