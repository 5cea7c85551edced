// A sink URI as RFC 3986 reads it, percent-decoded part by part:
//
//   scheme ":" [ "//" [ user [ ":" password ] "@" ] host [ ":" port ] ] path [ "?" key "=" value { "&" ... } ]
//
//   postgresql://loader:s%40cret@db.example:5432/shop?table=orders&batch.max_records=1000
//   sqlite://shop.db?table=orders&delivery=exactly_once        (host "shop.db": the scheme reads it)
//   file:///var/log/orders.ndjson                              (empty host, absolute path)
//   stdout:
//
// What the parts mean is the scheme's business (the registry); this only splits and decodes them,
// and refuses what RFC 3986 does not allow: a malformed scheme, a character that must be
// percent-encoded, a bad `%` escape, a port that is not a number up to 65535, an empty or repeated
// query key, a fragment. Every refusal is a config_error whose field names the part ("uri.port",
// "uri.query") and whose text shows the URI with its password as `***`: a password never appears
// in a message. `+` is a plus, not a space (RFC 3986, not HTML forms).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sinkforge/error.hpp>

namespace sinkforge::inline v1::registry {

struct uri {
  std::string scheme;  // lower case
  bool has_authority = false;  // "//" followed the scheme
  std::string user;
  std::optional<std::string> password;
  std::string host;  // lower case for a registered name; an IPv6 literal without its brackets
  std::string host_as_written;  // decoded, case kept: a scheme whose authority names a file reads this
  std::optional<std::uint16_t> port;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;  // in order; keys are unique

  // The value of query key `k`, if given.
  const std::string* find(std::string_view k) const noexcept {
    for (const auto& [key, value] : query)
      if (key == k) return &value;
    return nullptr;
  }

  // The URI with its password as `***` (for messages), percent-encoding what needs it.
  std::string redacted() const;
};

namespace detail {

// A query key whose value is a secret: shown as *** like the password. A key ending in `_env`
// names the environment variable that holds a secret (`password_env=PGPASSWORD`): shown.
constexpr bool secret_key(std::string_view k) noexcept {
  if (k.ends_with("_env")) return false;
  return k.find("password") != std::string_view::npos || k.find("secret") != std::string_view::npos ||
         k.find("token") != std::string_view::npos;
}

constexpr bool alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool unreserved(char c) noexcept {
  return alpha(c) || digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
constexpr bool sub_delim(char c) noexcept {
  return c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' ||
         c == ';' || c == '=';
}
constexpr int hex_value(char c) noexcept {
  if (digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Characters a part may hold as they are (besides unreserved and %-escapes).
enum class part { user, userinfo, host, path, query };  // user: userinfo before its ':'
constexpr bool allowed(char c, part p) noexcept {
  if (unreserved(c)) return true;
  switch (p) {
    case part::user: return sub_delim(c);
    case part::userinfo: return sub_delim(c) || c == ':';
    case part::host: return sub_delim(c);
    case part::path: return sub_delim(c) || c == ':' || c == '@' || c == '/';
    case part::query: return (sub_delim(c) && c != '&' && c != '=') || c == ':' || c == '@' || c == '/' || c == '?';
  }
  return false;
}

// An IPv6 address as a URI writes it between '[' and ']'.
constexpr bool ipv6_literal(std::string_view h) noexcept {
  if (h.find(':') == std::string_view::npos) return false;
  for (const char c : h)
    if (!(hex_value(c) >= 0 || c == ':' || c == '.')) return false;
  return true;
}

inline std::string percent_encode(std::string_view s, part p) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    if (allowed(c, p) && c != '%') {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += digits[u >> 4];
      out += digits[u & 15];
    }
  }
  return out;
}

class uri_parser {
 public:
  explicit uri_parser(std::string_view text) : text_(text) {}

  uri parse() {
    parse_scheme();
    std::string_view rest = text_.substr(at_);
    const std::size_t hash = rest.find('#');
    if (hash != std::string_view::npos) fail("uri.fragment", "a sink URI takes no fragment ('#...'); encode '#' as %23");
    const std::size_t question = rest.find('?');
    std::string_view hier = rest.substr(0, question);
    if (hier.starts_with("//")) {
      out_.has_authority = true;
      hier.remove_prefix(2);
      const std::size_t slash = hier.find('/');
      parse_authority(hier.substr(0, slash));
      hier = slash == std::string_view::npos ? std::string_view() : hier.substr(slash);
    }
    out_.path = decode(hier, part::path, "uri.path");
    if (question != std::string_view::npos) parse_query(rest.substr(question + 1));
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const char* field, const std::string& problem) const {
    throw config_error(field, problem + " (in " + shown() + ")");
  }

  // The text as given, its password and secret query values replaced: what every message quotes.
  std::string shown() const {
    std::string out = without_password();
    const std::size_t question = out.find('?');
    if (question == std::string::npos) return out;
    std::string masked = out.substr(0, question + 1);
    std::string_view q = std::string_view(out).substr(question + 1);
    for (bool first = true; !q.empty() || first; first = false) {
      const std::size_t amp = q.find('&');
      const std::string_view pair = q.substr(0, amp);
      const std::size_t eq = pair.find('=');
      if (!first) masked += '&';
      if (eq != std::string_view::npos && secret_key(pair.substr(0, eq))) masked += std::string(pair.substr(0, eq)) + "=***";
      else masked += pair;
      if (amp == std::string_view::npos) break;
      q.remove_prefix(amp + 1);
    }
    return masked;
  }

  std::string without_password() const {
    std::string_view t = text_;
    // An authority only right after the scheme's ':'.
    const std::size_t colon_at = t.find(':');
    const std::size_t start = colon_at != std::string_view::npos && t.substr(colon_at + 1).starts_with("//")
                                  ? colon_at + 1
                                  : std::string_view::npos;
    if (start != std::string_view::npos) {
      const std::size_t end = t.find_first_of("/?#", start + 2);
      const std::string_view authority = t.substr(start + 2, end == std::string_view::npos ? end : end - start - 2);
      const std::size_t at = authority.rfind('@');
      if (at != std::string_view::npos) {
        const std::size_t colon = authority.substr(0, at).find(':');
        if (colon != std::string_view::npos)
          return std::string(t.substr(0, start + 2 + colon + 1)) + "***" +
                 std::string(t.substr(start + 2 + at));
      }
    }
    return std::string(t);
  }

  void parse_scheme() {
    const std::size_t colon = text_.find(':');
    if (colon == std::string_view::npos || colon == 0)
      fail("uri.scheme", "a sink URI starts with its scheme and ':' (sqlite://..., stdout:)");
    std::string scheme;
    for (std::size_t i = 0; i < colon; ++i) {
      const char c = text_[i];
      if (!(alpha(c) || (i > 0 && (digit(c) || c == '+' || c == '-' || c == '.'))))
        fail("uri.scheme", "a scheme is a letter followed by letters, digits, '+', '-' or '.'");
      scheme += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out_.scheme = std::move(scheme);
    at_ = colon + 1;
  }

  void parse_authority(std::string_view a) {
    const std::size_t at = a.rfind('@');
    if (at != std::string_view::npos) {
      const std::string_view userinfo = a.substr(0, at);
      const std::size_t colon = userinfo.find(':');
      out_.user = decode(userinfo.substr(0, colon), part::userinfo, "uri.user");
      if (colon != std::string_view::npos)
        out_.password = decode(userinfo.substr(colon + 1), part::userinfo, "uri.password");
      a.remove_prefix(at + 1);
    }
    if (a.starts_with('[')) {
      const std::size_t close = a.find(']');
      if (close == std::string_view::npos) fail("uri.host", "an IPv6 address in '[' lacks its ']'");
      const std::string_view literal = a.substr(1, close - 1);
      if (literal.empty()) fail("uri.host", "an IPv6 address in '[]' is empty");
      if (!ipv6_literal(literal))
        fail("uri.host", "an IPv6 address in '[]' holds hex digits, ':' and '.' only, and at least one ':'");
      out_.host = std::string(literal);
      out_.host_as_written = out_.host;
      for (char& c : out_.host) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
      a.remove_prefix(close + 1);
      if (!a.empty()) {
        if (a.front() != ':') fail("uri.host", "after an IPv6 address comes ':' and the port, or nothing");
        parse_port(a.substr(1));
      }
      return;
    }
    const std::size_t colon = a.rfind(':');
    if (colon != std::string_view::npos) {
      parse_port(a.substr(colon + 1));
      a = a.substr(0, colon);
    }
    std::string host = decode(a, part::host, "uri.host");
    out_.host_as_written = host;
    for (char& c : host) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    out_.host = std::move(host);
  }

  void parse_port(std::string_view p) {
    if (p.empty()) return;  // "host:" is the default port (RFC 3986, 3.2.3)
    unsigned long v = 0;
    for (const char c : p) {
      if (!digit(c)) fail("uri.port", "a port is a number from 0 to 65535");
      v = v * 10 + static_cast<unsigned long>(c - '0');
      if (v > 65535) fail("uri.port", "a port is a number from 0 to 65535");
    }
    out_.port = static_cast<std::uint16_t>(v);
  }

  void parse_query(std::string_view q) {
    if (q.empty()) return;
    std::size_t start = 0;
    for (;;) {
      const std::size_t amp = q.find('&', start);
      const std::string_view pair = q.substr(start, amp == std::string_view::npos ? amp : amp - start);
      const std::size_t eq = pair.find('=');
      std::string key = decode(pair.substr(0, eq), part::query, "uri.query");
      if (key.empty()) fail("uri.query", "a query parameter has no key ('&&', '&=' or a trailing '&')");
      if (eq == std::string_view::npos) fail("uri.query", "query key '" + key + "' has no '=' and value");
      if (out_.find(key)) fail("uri.query", "query key '" + key + "' is given twice");
      out_.query.emplace_back(std::move(key), decode(pair.substr(eq + 1), part::query, "uri.query"));
      if (amp == std::string_view::npos) break;
      start = amp + 1;
    }
  }

  std::string decode(std::string_view s, part p, const char* field) const {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '%') {
        const int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
        const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) fail(field, "'%' must be followed by two hex digits");
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else if (allowed(c, p)) {
        out += c;
      } else {
        std::string shown_char = (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                                     ? "a control character"
                                     : std::string("'") + c + "'";
        fail(field, shown_char + " must be percent-encoded here");
      }
    }
    return out;
  }

  std::string_view text_;
  std::size_t at_ = 0;
  uri out_;
};

}  // namespace detail

// Splits and decodes `text`; throws config_error naming the part that is wrong.
inline uri parse_uri(std::string_view text) { return detail::uri_parser(text).parse(); }

inline std::string uri::redacted() const {
  using detail::part;
  using detail::percent_encode;
  std::string out = scheme + ":";
  if (has_authority) {
    out += "//";
    if (!user.empty() || password) {
      out += percent_encode(user, part::user);
      if (password) out += ":***";
      out += '@';
    }
    out += detail::ipv6_literal(host) && host == host_as_written ? "[" + host + "]" : percent_encode(host_as_written, part::host);
    if (port) out += ":" + std::to_string(*port);
  }
  out += percent_encode(path, part::path);
  for (std::size_t i = 0; i < query.size(); ++i) {
    out += i ? '&' : '?';
    out += percent_encode(query[i].first, part::query) + "=" +
           (detail::secret_key(query[i].first) ? std::string("***") : percent_encode(query[i].second, part::query));
  }
  return out;
}

}  // namespace sinkforge::inline v1::registry
