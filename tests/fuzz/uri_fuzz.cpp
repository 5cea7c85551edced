// libFuzzer target for registry::parse_uri. Whatever the bytes: no crash, no sanitizer report; a
// refusal is a config_error that never quotes the password as given; an accepted URI, redacted,
// parses again to the same scheme, host, port, path and query keys, with its password as ***.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <sinkforge/registry/uri.hpp>

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}

// The ":password@" of the text's authority, as written, or empty.
std::string written_password(std::string_view t) {
  const std::size_t scheme_end = t.find(':');
  if (scheme_end == std::string_view::npos || !t.substr(scheme_end + 1).starts_with("//")) return {};
  const std::size_t start = scheme_end + 1;
  const std::size_t end = t.find_first_of("/?#", start + 2);
  const std::string_view authority = t.substr(start + 2, end == std::string_view::npos ? end : end - start - 2);
  const std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return {};
  const std::size_t colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos || at - colon - 1 < 3) return {};
  return std::string(authority.substr(colon, at - colon + 1));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace registry = sinkforge::registry;
  try {
    const registry::uri u = registry::parse_uri(text);
    const registry::uri again = registry::parse_uri(u.redacted());
    check(again.scheme == u.scheme && again.host == u.host && again.host_as_written == u.host_as_written && again.port == u.port && again.path == u.path);
    check(again.query.size() == u.query.size());
    for (std::size_t i = 0; i < u.query.size(); ++i) check(again.query[i].first == u.query[i].first);
    check(again.password.has_value() == u.password.has_value());
    if (u.password) check(*again.password == "***");
  } catch (const sinkforge::config_error& e) {
    // (Unless the same text stands elsewhere in the URI too, say in its path.)
    const std::string secret = written_password(text);
    if (!secret.empty() && secret != ":***@" && text.find(secret) == text.rfind(secret))
      check(std::string_view(e.what()).find(secret) == std::string_view::npos);
  }
  return 0;
}
