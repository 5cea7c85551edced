// registry::routes: several routes in a TOML file, each with its target, its own keys (batching,
// retry, delivery, ...) and the records it takes. Needs toml++ (the sinkforge::toml CMake target).
//
//   [defaults]                           # every route gets these, unless it gives its own
//   delivery = "exactly_once"
//
//   [[route]]
//   name = "clicks"                      # for messages; default "route N"
//   match = { type = "click" }           # the records whose field `type` is "click" (all: no match)
//   to = "sqlite://shop.db?table=clicks"
//   batch.max_records = 1000             # a key of the scheme or a common one, as in the URI
//
//   using order_sinks = sf::registry::sinks<Order, sf::schemes::sqlite, sf::schemes::file>;
//   sf::registry::router<order_sinks> routes(sf::registry::load_routes("routes.toml"));
//   routes.write(order);                 // to every route that takes it; returns how many did
//   routes.close();
//
// A record goes to every route whose `match` holds: each field equal to the value given, compared
// as text (a string as it is, an integer in decimal, a boolean as true or false, an enum by its
// sinkforge_enum_name or its number). A route's keys come from its URI, then its table, then
// [defaults]; a key given twice is refused by the registry. Every problem - TOML syntax (with its
// line), an unknown key, a bad value, a match field the record type lacks - is a config_error
// naming the key before anything is opened.
#pragma once
#include <charconv>
#include <cstddef>
#include <deque>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include <sinkforge/dynamic/record.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/registry/detail/toml_subset.hpp>
#include <sinkforge/registry/sinks.hpp>
#include <sinkforge/registry/uri.hpp>

namespace sinkforge::inline v1::registry {

namespace detail {

template <class M>
constexpr bool matchable() {
  using namespace reflect;
  if constexpr (is_optional<M>) return matchable<typename optional_traits<M>::value_type>();
  else return std::is_integral_v<M> || std::is_enum_v<M> || std::is_convertible_v<const M&, std::string_view>;
}

// Whether a member's text is `want` (see the header comment).
template <class M>
bool text_equals(const M& m, std::string_view want) {
  using namespace reflect;
  if constexpr (is_optional<M>) {
    return m && text_equals(*m, want);
  } else if constexpr (std::is_same_v<M, bool>) {
    return want == (m ? "true" : "false");
  } else if constexpr (std::is_same_v<M, char>) {
    return want.size() == 1 && want[0] == m;
  } else if constexpr (std::is_integral_v<M>) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, m);
    return ec == std::errc() && std::string_view(digits, static_cast<std::size_t>(end - digits)) == want;
  } else if constexpr (named_enum<M>) {
    return std::string_view(sinkforge_enum_name(m)) == want;
  } else if constexpr (std::is_enum_v<M>) {
    return text_equals(static_cast<std::underlying_type_t<M>>(m), want);
  } else if constexpr (std::is_convertible_v<const M&, std::string_view>) {
    return std::string_view(m) == want;
  } else {
    return false;
  }
}

[[noreturn]] inline void routes_fail(const std::string& field, const std::string& problem, const std::string& source) {
  throw config_error(field.empty() ? std::string("''") : field, problem + " (in " + source + ")");
}

// A setting's value as the registry reads it: strings, integers, booleans; a float as written.
inline std::string setting_text(const toml::node& n, const std::string& key, const std::string& source) {
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* i = n.as_integer()) return std::to_string(i->get());
  if (const auto* b = n.as_boolean()) return b->get() ? "true" : "false";
  if (const auto* f = n.as_floating_point()) {
    std::string t = std::to_string(f->get());
    while (t.size() > 1 && t.back() == '0' && t[t.size() - 2] != '.') t.pop_back();
    return t;
  }
  routes_fail(key, "a setting is a string, a number or a boolean", source);
}

// Settings from a table, nested tables flattened with '.' (batch.max_records).
inline void flatten(const toml::table& t, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out,
                    const std::string& source, int depth = 0) {
  if (depth > 8) routes_fail(prefix, "tables nest too deep", source);
  for (const auto& [k, v] : t) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* inner = v.as_table()) flatten(*inner, key, out, source, depth + 1);
    else out.emplace_back(key, setting_text(v, key, source));
  }
}

// Whether a URI's query, as written, has `key`, without reading the rest of it (for a route's URI
// that holds placeholders a program fills in later, which parse_uri refuses).
inline bool query_has(std::string_view uri, std::string_view key) {
  const std::size_t q = uri.find('?');
  if (q == std::string_view::npos) return false;
  std::string_view query = uri.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.substr(0, pair.find('=')) == key) return true;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

}  // namespace detail

struct route {
  std::string name;  // its `name`, or "route N"
  std::string to;    // the target's URI
  std::vector<std::pair<std::string, std::string>> settings;  // keys beside the URI's query
  std::vector<std::pair<std::string, std::string>> match;     // field, value: the records it takes
  std::size_t number = 0;                                     // N of route[N], from 1

  // Whether the route takes `record`: each match field equal to its value, as text.
  template <class T>
  bool takes(const T& record) const {
    for (const auto& [field, want] : match)
      if (!field_equals(record, field, want)) return false;
    return true;
  }

  // config_error naming route[N].match.<field> when T has no member a route can match by that name.
  template <class T>
  void check_match_fields() const {
    if constexpr (!dynamic::is_record<T>) {
      for (const auto& m : match) {
        bool found = false;
        boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
          using M = std::remove_cvref_t<decltype(boost::hana::second(pair)(std::declval<T&>()))>;
          found = found || (std::string_view(boost::hana::to<const char*>(boost::hana::first(pair))) == m.first &&
                            detail::matchable<M>());
        });
        if (!found)
          throw config_error("route[" + std::to_string(number) + "].match." + m.first,
                             "the record type has no member of that name a route can match (a string, an integer, "
                             "a boolean, a char or an enum)");
      }
    }
  }

 private:
  template <class T>
  static bool field_equals(const T& record, std::string_view field, std::string_view want) {
    if constexpr (dynamic::is_record<T>) {
      const dynamic::value* v = record.find(field);
      if (!v) return false;
      switch (v->type) {
        case dynamic::kind::text:
        case dynamic::kind::json: return v->text == want;
        case dynamic::kind::integer: return detail::text_equals(v->integer, want);
        case dynamic::kind::boolean: return want == (v->integer ? "true" : "false");
        default: return false;
      }
    } else {
      bool equal = false;
      reflect::for_each_member(record, [&](auto member_name, const auto& member) {
        if (std::string_view(decltype(member_name)::c_str()) == field) equal = detail::text_equals(member, want);
      });
      return equal;
    }
  }
};

// Parses and checks a routes file's structure; config_error naming the key (`routes` with the
// line for a syntax error). `source` names the file in messages. The URIs and keys are checked by
// a registry when the routes are opened.
inline std::vector<route> parse_routes(std::string_view toml_text, const std::string& source = "routes") {
  using detail::routes_fail;
  detail::subset_check(toml_text, source).run();
  toml::table doc;
#if TOML_EXCEPTIONS
  try {
    doc = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    routes_fail("routes", std::string(e.description()) + " at line " + std::to_string(where.line) + ", column " +
                              std::to_string(where.column),
                source);
  }
#else
  toml::parse_result parsed = toml::parse(toml_text, source);
  if (!parsed) {
    const auto& where = parsed.error().source().begin;
    routes_fail("routes", std::string(parsed.error().description()) + " at line " + std::to_string(where.line) +
                              ", column " + std::to_string(where.column),
                source);
  }
  doc = std::move(parsed).table();
#endif
  std::vector<std::pair<std::string, std::string>> defaults;
  for (const auto& [k, v] : doc) {
    const std::string key(k.str());
    if (key == "defaults") {
      const auto* t = v.as_table();
      if (!t) routes_fail("defaults", "is a table: [defaults]", source);
      detail::flatten(*t, "", defaults, source);
    } else if (key != "route") {
      routes_fail(key, "unknown key; the file holds [defaults] and [[route]] tables", source);
    }
  }
  const toml::array* routes = doc["route"].as_array();
  if (!routes || routes->empty()) routes_fail("route", "no route: add a [[route]] table with `to = \"<URI>\"`", source);
  std::vector<route> out;
  for (std::size_t i = 0; i < routes->size(); ++i) {
    const std::string where = "route[" + std::to_string(i + 1) + "]";
    const auto* t = (*routes)[i].as_table();
    if (!t) routes_fail(where, "is a table: [[route]]", source);
    route r;
    r.number = i + 1;
    r.name = "route " + std::to_string(i + 1);
    for (const auto& [k, v] : *t) {
      const std::string key(k.str());
      if (key == "to") {
        const auto* s = v.as_string();
        if (!s || s->get().empty()) routes_fail(where + ".to", "is the target's URI, a string", source);
        r.to = s->get();
      } else if (key == "name") {
        const auto* s = v.as_string();
        if (!s || s->get().empty()) routes_fail(where + ".name", "is a string", source);
        r.name = s->get();
      } else if (key == "match") {
        const auto* m = v.as_table();
        if (!m || m->empty())
          routes_fail(where + ".match", "is a table of field = value: match = { type = \"click\" }", source);
        for (const auto& [field, value] : *m) {
          if (value.is_table() || value.is_array() || value.is_floating_point())
            routes_fail(where + ".match." + std::string(field.str()),
                        "is a string, an integer or a boolean (a real is not compared: 0.1 has no exact text)",
                        source);
          r.match.emplace_back(std::string(field.str()), detail::setting_text(value, where + ".match", source));
        }
      } else if (const auto* inner = v.as_table()) {
        detail::flatten(*inner, key, r.settings, source);
      } else {
        r.settings.emplace_back(key, detail::setting_text(v, where + "." + key, source));
      }
    }
    if (r.to.empty()) routes_fail(where + ".to", "missing: the target's URI", source);
    // Defaults for the keys the route sets neither here nor in its URI. The URI's keys as the
    // registry reads them (percent-decoded); a URI with {field} placeholders does not parse yet,
    // and its query is read as written.
    std::optional<uri> parsed;
    try {
      parsed = parse_uri(r.to);
    } catch (const config_error&) {
    }
    for (const auto& [k, v] : defaults) {
      bool given = parsed ? parsed->find(k) != nullptr : detail::query_has(r.to, k);
      for (const auto& s : r.settings) given = given || s.first == k;
      if (!given) r.settings.emplace_back(k, v);
    }
    out.push_back(std::move(r));
  }
  return out;
}

// parse_routes of a file's text; config_error("routes") when it cannot be read.
inline std::vector<route> load_routes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error("routes", "cannot read " + path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_routes(text, path);
}

// The routes' sinks, opened from a registry (`Sinks` = registry::sinks<T, ...>), and the records
// written to the routes that take them.
template <class Sinks>
class router {
 public:
  using record_type = typename Sinks::record_type;

  struct routed {
    routed(route r, const open_options& opts) : spec(std::move(r)), sink(parse_uri(spec.to), opts, spec.settings) {}
    route spec;
    typename Sinks::sink sink;
  };

  // Every route is checked (its URI, its keys, its match fields) before any is opened.
  explicit router(std::vector<route> routes, const open_options& opts = {}) {
    for (const route& r : routes) {
      r.template check_match_fields<record_type>();
      try {
        Sinks::validate(r.to, r.settings);
      } catch (const config_error& e) {
        // The same problem, under the route's name.
        const std::string prefix = "sinkforge: invalid configuration: " + e.field() + ": ";
        std::string_view problem = e.what();
        if (problem.starts_with(prefix)) problem.remove_prefix(prefix.size());
        throw config_error("route[" + std::to_string(r.number) + "]." + e.field(), problem);
      }
    }
    for (route& r : routes) routes_.emplace_back(std::move(r), opts);
  }

  // Writes `record` to every route that takes it; how many did (0: none, the caller's to report).
  std::size_t write(const record_type& record) {
    std::size_t taken = 0;
    for (routed& r : routes_)
      if (r.spec.takes(record)) {
        r.sink.write(record);
        ++taken;
      }
    return taken;
  }
  void flush() {
    for (routed& r : routes_) r.sink.flush();
  }
  void close() {
    for (routed& r : routes_) r.sink.close();
  }
  std::deque<routed>& routes() noexcept { return routes_; }

 private:
  std::deque<routed> routes_;  // sinks do not move
};

}  // namespace sinkforge::inline v1::registry
