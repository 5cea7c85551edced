#include "routes.hpp"

#include <cctype>

#include <toml++/toml.h>

#include <sinkforge/error.hpp>
#include <sinkforge/registry/uri.hpp>

namespace sinkforge_tool {

namespace {
namespace sf = sinkforge;

[[noreturn]] void fail(const std::string& field, const std::string& problem, const std::string& source) {
  throw sf::config_error(field.empty() ? std::string("''") : field, problem + " (in " + source + ")");
}

// A setting's value as the registry reads it: strings, integers, booleans; a float as written.
std::string text_of(const toml::node& n, const std::string& key, const std::string& source) {
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* i = n.as_integer()) return std::to_string(i->get());
  if (const auto* b = n.as_boolean()) return b->get() ? "true" : "false";
  if (const auto* f = n.as_floating_point()) {
    std::string t = std::to_string(f->get());
    while (t.size() > 1 && t.back() == '0' && t[t.size() - 2] != '.') t.pop_back();
    return t;
  }
  fail(key, "a setting is a string, a number or a boolean", source);
}

// Settings from a table, nested tables flattened with '.' (batch.max_records).
void flatten(const toml::table& t, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out,
             const std::string& source, int depth = 0) {
  if (depth > 8) fail(prefix, "tables nest too deep", source);
  for (const auto& [k, v] : t) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* inner = v.as_table()) flatten(*inner, key, out, source, depth + 1);
    else out.emplace_back(key, text_of(v, key, source));
  }
}
}  // namespace

std::string sample_uri(const std::string& uri) {
  std::string out;
  std::size_t at = 0;
  while (at < uri.size()) {
    const std::size_t open = uri.find('{', at);
    const std::size_t close = open == std::string::npos ? std::string::npos : uri.find('}', open);
    if (close == std::string::npos) break;
    const std::string name = uri.substr(open + 1, close - open - 1);
    out += uri.substr(at, open - at);
    out += (name == "key" || name == "time" || name == "date" || name == "seq") ? uri.substr(open, close + 1 - open) : "x";
    at = close + 1;
  }
  return out + uri.substr(at);
}

namespace {
// Debian 12's toml++ (3.3) asserts, and under NDEBUG assumes or marks unreachable, what some
// malformed documents break: `[=`, `[[[`, `x = [[[}`, and non-ASCII characters where it looks for
// whitespace (all found by fuzz.routes) - undefined behavior in the library's release build. So a
// routes file is first held to the part of TOML it needs, line by line: comments, [table] and
// [[array]] headers, and key = value with a string, a number, a boolean or a flat inline table of
// those, in ASCII (a string writes other characters as \uXXXX). What passes is TOML that toml++
// then parses; what does not is refused here with its line.
class subset_check {
 public:
  subset_check(std::string_view text, const std::string& source) : t_(text), source_(source) {}

  void run() {
    while (i_ < t_.size()) {
      ws();
      if (i_ >= t_.size()) break;
      const char c = t_[i_];
      if (c == '\n' || c == '\r' || c == '#') {
      } else if (c == '[') {
        ++i_;
        const bool array = peek('[');
        if (array) ++i_;
        ws();
        key_path();
        ws();
        expect(']', "a table header ends with ]");
        if (array) expect(']', "an array-of-tables header ends with ]]");
      } else {
        key_path();
        ws();
        expect('=', "a line is key = value, a [table] header or a comment");
        ws();
        value(true);
      }
      end_of_line();
    }
  }

 private:
  [[noreturn]] void refuse(const std::string& why) const {
    fail("--config", why + ", at line " + std::to_string(line_), source_);
  }
  bool peek(char c) const { return i_ < t_.size() && t_[i_] == c; }
  void expect(char c, const char* why) {
    if (!peek(c)) refuse(why);
    ++i_;
  }
  void ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t')) ++i_;
  }
  void end_of_line() {
    ws();
    if (peek('#'))
      while (i_ < t_.size() && t_[i_] != '\n') {
        check_char(t_[i_]);
        ++i_;
      }
    if (peek('\r')) ++i_;
    if (i_ < t_.size() && !peek('\n')) refuse("unexpected text after a value");
    if (peek('\n')) ++i_, ++line_;
  }
  void check_char(char c) const {
    if (static_cast<unsigned char>(c) >= 0x80)
      refuse("a character that is not ASCII: the file is ASCII (in a string, write it as \\uXXXX)");
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) refuse("a control character");
  }
  static bool bare(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }
  void key_path() {
    for (;;) {
      if (peek('"') || peek('\'')) string_value();
      else if (i_ < t_.size() && bare(t_[i_]))
        while (i_ < t_.size() && bare(t_[i_])) ++i_;
      else
        refuse("a key is letters, digits, '_' and '-', or a quoted string");
      ws();
      if (!peek('.')) return;
      ++i_;
      ws();
    }
  }
  void string_value() {
    const char q = t_[i_++];
    if (peek(q) && i_ + 1 < t_.size() && t_[i_ + 1] == q) refuse("multi-line strings are not taken here");
    while (!peek(q)) {
      if (i_ >= t_.size() || peek('\n')) refuse("a string is not closed on its line");
      check_char(t_[i_]);
      if (q == '"' && peek('\\')) {
        ++i_;
        if (i_ >= t_.size()) refuse("a string is not closed on its line");
        const char e = t_[i_];
        if (e == 'u' || e == 'U') {
          const std::size_t n = e == 'u' ? 4 : 8;
          for (std::size_t k = 1; k <= n; ++k)
            if (i_ + k >= t_.size() || !std::isxdigit(static_cast<unsigned char>(t_[i_ + k]))) refuse("\\u takes hex digits");
          i_ += n;
        } else if (e != '"' && e != '\\' && e != 'b' && e != 't' && e != 'n' && e != 'f' && e != 'r') {
          refuse("an escape is \\\" \\\\ \\b \\t \\n \\f \\r \\uXXXX or \\UXXXXXXXX");
        }
      }
      ++i_;
    }
    ++i_;
  }
  void value(bool table_allowed) {
    if (peek('"') || peek('\'')) return string_value();
    if (peek('{')) {
      if (!table_allowed) refuse("an inline table holds strings, numbers and booleans");
      ++i_;
      ws();
      if (peek('}')) return void(++i_);
      for (;;) {
        key_path();
        ws();
        expect('=', "an inline table holds key = value pairs");
        ws();
        value(false);
        ws();
        if (peek('}')) return void(++i_);
        expect(',', "pairs in an inline table are separated by ','");
        ws();
      }
    }
    if (peek('[')) refuse("arrays are not taken here");
    const std::size_t from = i_;
    while (i_ < t_.size() && (bare(t_[i_]) || t_[i_] == '.' || t_[i_] == '+')) ++i_;
    if (i_ == from) refuse("a value is a string, a number, true or false");
  }

  std::string_view t_;
  const std::string& source_;
  std::size_t i_ = 0, line_ = 1;
};
}  // namespace

std::vector<route_spec> parse_routes(std::string_view toml_text, const std::string& source) {
  subset_check(toml_text, source).run();
  toml::table doc;
  try {
    doc = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    fail("--config", std::string(e.description()) + " at line " + std::to_string(where.line) + ", column " +
                         std::to_string(where.column),
         source);
  }
  std::vector<std::pair<std::string, std::string>> defaults;
  for (const auto& [k, v] : doc) {
    const std::string key(k.str());
    if (key == "defaults") {
      const auto* t = v.as_table();
      if (!t) fail("defaults", "is a table: [defaults]", source);
      flatten(*t, "", defaults, source);
    } else if (key != "route") {
      fail(key, "unknown key; the file holds [defaults] and [[route]] tables", source);
    }
  }
  const toml::array* routes = doc["route"].as_array();
  if (!routes || routes->empty()) fail("route", "no route: add a [[route]] table with `to = \"<URI>\"`", source);
  std::vector<route_spec> out;
  for (std::size_t i = 0; i < routes->size(); ++i) {
    const std::string where = "route[" + std::to_string(i + 1) + "]";
    const auto* t = (*routes)[i].as_table();
    if (!t) fail(where, "is a table: [[route]]", source);
    route_spec r;
    r.name = "route " + std::to_string(i + 1);
    for (const auto& [k, v] : *t) {
      const std::string key(k.str());
      if (key == "to") {
        const auto* s = v.as_string();
        if (!s || s->get().empty()) fail(where + ".to", "is the target's URI, a string", source);
        r.to = s->get();
      } else if (key == "name") {
        const auto* s = v.as_string();
        if (!s || s->get().empty()) fail(where + ".name", "is a string", source);
        r.name = s->get();
      } else if (key == "match") {
        const auto* m = v.as_table();
        if (!m || m->empty()) fail(where + ".match", "is a table of field = value: match = { type = \"click\" }", source);
        for (const auto& [field, value] : *m) {
          if (value.is_table() || value.is_array())
            fail(where + ".match." + std::string(field.str()), "is a string, a number or a boolean", source);
          r.match.emplace_back(std::string(field.str()), text_of(value, where + ".match", source));
        }
      } else if (const auto* inner = v.as_table()) {
        flatten(*inner, key, r.settings, source);
      } else {
        r.settings.emplace_back(key, text_of(v, where + "." + key, source));
      }
    }
    if (r.to.empty()) fail(where + ".to", "missing: the target's URI", source);
    // Defaults for the keys the route sets neither here nor in its URI.
    sf::registry::uri u;
    try {
      u = sf::registry::parse_uri(sample_uri(r.to));
    } catch (const sf::config_error& e) {
      throw sf::config_error(where + ".to", std::string(e.what()) + " (in " + source + ")");
    }
    for (const auto& [k, v] : defaults) {
      bool given = u.find(k) != nullptr;
      for (const auto& s : r.settings) given = given || s.first == k;
      if (!given) r.settings.emplace_back(k, v);
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sinkforge_tool
