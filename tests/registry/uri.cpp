// registry::parse_uri: RFC 3986 parts, percent-decoded; every malformed part refused with its
// name; the password (and query values named like secrets) never in a message; and random URIs
// built from random parts parse back to those parts.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include <sinkforge/registry/uri.hpp>

namespace uri_test {
namespace sf = sinkforge;

inline std::string error_of(const std::string& text, std::string* field = nullptr) {
  try {
    sf::registry::parse_uri(text);
  } catch (const sf::config_error& e) {
    if (field) *field = e.field();
    return e.what();
  }
  return {};
}
}  // namespace uri_test

TEST_CASE("registry::parse_uri splits and decodes each part") {
  using namespace uri_test;
  const auto u = sf::registry::parse_uri(
      "PostgreSQL://loader:s%40cr%3At@DB.Example:5432/shop%20db?table=orders&batch.max_records=1000&note=a+b%26c");
  CHECK(u.scheme == "postgresql");
  CHECK(u.has_authority);
  CHECK(u.user == "loader");
  REQUIRE(u.password);
  CHECK(*u.password == "s@cr:t");
  CHECK(u.host == "db.example");
  CHECK(u.port == 5432);
  CHECK(u.path == "/shop db");
  REQUIRE(u.query.size() == 3);
  CHECK(*u.find("table") == "orders");
  CHECK(*u.find("batch.max_records") == "1000");
  CHECK(*u.find("note") == "a+b&c");  // '+' is a plus
  CHECK(u.find("missing") == nullptr);

  const auto sqlite = sf::registry::parse_uri("sqlite://shop.db?table=orders&delivery=exactly_once");
  CHECK(sqlite.host == "shop.db");
  CHECK(sqlite.path.empty());
  const auto file = sf::registry::parse_uri("file:///var/log/orders.ndjson");
  CHECK(file.has_authority);
  CHECK(file.host.empty());
  CHECK(file.path == "/var/log/orders.ndjson");
  const auto out = sf::registry::parse_uri("stdout:");
  CHECK(out.scheme == "stdout");
  CHECK(!out.has_authority);
  CHECK(out.path.empty());
  const auto v6 = sf::registry::parse_uri("postgres://[::1]:5433/db");
  CHECK(v6.host == "::1");
  CHECK(sf::registry::parse_uri("x://[FE80::1]/").host == "fe80::1");
  CHECK(v6.port == 5433);
  const auto no_port = sf::registry::parse_uri("postgres://host:/db");
  CHECK(!no_port.port);
  const auto empty_value = sf::registry::parse_uri("x://h?k=");
  CHECK(*empty_value.find("k") == "");
}

TEST_CASE("registry::parse_uri refuses each malformed part, naming it") {
  using namespace uri_test;
  const struct {
    const char* text;
    const char* field;
    const char* says;
  } cases[] = {
      {"no-scheme-here", "uri.scheme", "starts with its scheme"},
      {":rest", "uri.scheme", "starts with its scheme"},
      {"1x://h", "uri.scheme", "a letter followed by"},
      {"s_q://h", "uri.scheme", "a letter followed by"},
      {"x://h:65536/", "uri.port", "0 to 65535"},
      {"x://h:12a/", "uri.port", "0 to 65535"},
      {"x://h/p%2", "uri.path", "two hex digits"},
      {"x://h/p%zz", "uri.path", "two hex digits"},
      {"x://h/a b", "uri.path", "' ' must be percent-encoded"},
      {"x://h/a\tb", "uri.path", "a control character must be percent-encoded"},
      {"x://h^/", "uri.host", "'^' must be percent-encoded"},
      {"x://[::1/", "uri.host", "lacks its ']'"},
      {"x://[::1]x/", "uri.host", "':' and the port"},
      {"x://[zz]/", "uri.host", "hex digits"},
      {"x://[2D1]:5432/", "uri.host", "at least one ':'"},  // found by fuzz.uri
      {"x://u:p%g@h/", "uri.password", "two hex digits"},
      {"x://u\"@h/", "uri.user", "must be percent-encoded"},
      {"x://h?a=1&&b=2", "uri.query", "no key"},
      {"x://h?a=1&", "uri.query", "no key"},
      {"x://h?=1", "uri.query", "no key"},
      {"x://h?flag", "uri.query", "has no '='"},
      {"x://h?a=1&a=2", "uri.query", "given twice"},
      {"x://h?a=1#frag", "uri.fragment", "no fragment"},
  };
  for (const auto& c : cases) {
    std::string field;
    const std::string what = error_of(c.text, &field);
    CHECK_MESSAGE(field == c.field, c.text << ": " << what);
    CHECK_MESSAGE(what.find(c.says) != std::string::npos, c.text << ": " << what);
  }
}

TEST_CASE("registry::parse_uri never shows a password or a secret query value") {
  using namespace uri_test;
  const std::string what = error_of("postgresql://loader:hunter2@db:5432/shop?table=orders&password=hunter3&port=x y");
  REQUIRE(!what.empty());
  CHECK(what.find("hunter2") == std::string::npos);
  CHECK(what.find("hunter3") == std::string::npos);
  CHECK(what.find("loader:***@db:5432") != std::string::npos);
  CHECK(what.find("password=***") != std::string::npos);

  const auto u = sf::registry::parse_uri("postgresql://loader:hunter2@db/shop?api_token=abc&table=t");
  CHECK(u.redacted() == "postgresql://loader:***@db/shop?api_token=***&table=t");
  CHECK(u.redacted().find("hunter2") == std::string::npos);
  // A key ending in _env names the variable that holds the secret: the name is shown.
  CHECK(sf::registry::parse_uri("postgresql://db/shop?password_env=PGPASSWORD").redacted() ==
        "postgresql://db/shop?password_env=PGPASSWORD");
}

TEST_CASE("registry::parse_uri: random parts, encoded and parsed back, are the same parts (2,000 URIs)") {
  using namespace uri_test;
  std::mt19937 rng(20261130);
  const std::string alphabet = "abcXYZ019-._~!$&'()*+,;=:@/?#[]% \"<>^`{|}\t\xc3\xa9";
  auto random_text = [&](std::size_t max) {
    std::string s;
    for (std::size_t n = rng() % (max + 1); n > 0; --n) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  using sf::registry::detail::part;
  using sf::registry::detail::percent_encode;
  for (int round = 0; round < 2'000; ++round) {
    std::string user = random_text(6), password = random_text(8), host = "h" + random_text(5), path = "/" + random_text(10);
    for (char& c : host) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);  // hosts compare lower case
    std::string text = "x://" + percent_encode(user, part::user) + ":" + percent_encode(password, part::userinfo) +
                       "@" + percent_encode(host, part::host);
    const bool with_port = rng() % 2;
    const auto port = static_cast<std::uint16_t>(rng() % 65536);
    if (with_port) text += ":" + std::to_string(port);
    text += percent_encode(path, part::path);
    std::vector<std::pair<std::string, std::string>> query;
    for (int i = static_cast<int>(rng() % 4); i > 0; --i) {
      std::string key = "k" + std::to_string(i) + random_text(3);
      query.emplace_back(key, random_text(6));
      text += (query.size() == 1 ? "?" : "&") + percent_encode(key, part::query) + "=" +
              percent_encode(query.back().second, part::query);
    }
    sf::registry::uri u;
    REQUIRE_NOTHROW_MESSAGE(u = sf::registry::parse_uri(text), text);
    CHECK(u.user == user);
    CHECK(u.password == password);
    CHECK(u.host == host);
    CHECK(u.port == (with_port ? std::optional<std::uint16_t>(port) : std::nullopt));
    CHECK(u.path == path);
    CHECK(u.query == query);
    // Redacted, it parses again to the same parts but the password.
    const auto again = sf::registry::parse_uri(u.redacted());
    CHECK(again.host == host);
    CHECK(again.path == path);
    CHECK(*again.password == "***");
  }
}
