// The sinkforge tool's --config file: routes in TOML, each with its target, the keys beside the
// target's URI (batching, retry, delivery, ...) and which records it takes.
//
//   [defaults]                           # every route gets these, unless it gives its own
//   delivery = "exactly_once"
//
//   [[route]]
//   match = { type = "click" }           # the records whose field `type` is "click" (all: no match)
//   to = "sqlite://shop.db?table=clicks"
//   batch.max_records = 1000             # a key of the scheme or a common one, as in the URI
//
// A record goes to every route whose `match` holds (each field equal to the value given, compared
// as text), and is dead-lettered when none does.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sinkforge_tool {

struct route_spec {
  std::string name;  // "route 1", or its `name`
  std::string to;    // a URI; {field} placeholders route by a field's value
  std::vector<std::pair<std::string, std::string>> settings;  // keys beside the URI's query
  std::vector<std::pair<std::string, std::string>> match;     // field, value
};

// Parses and checks the file's structure; config_error naming the key (and the file, line, column
// for a TOML syntax error). The URIs and keys are checked by the registry afterwards.
std::vector<route_spec> parse_routes(std::string_view toml_text, const std::string& source);

// The URI with its {field} placeholders filled with "x", to be checked as a URI.
std::string sample_uri(const std::string& uri);

}  // namespace sinkforge_tool
