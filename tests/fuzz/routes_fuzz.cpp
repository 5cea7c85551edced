// libFuzzer target for routes files (registry/routes.hpp): TOML text parsed into routes, and
// each route's URI and keys read by a registry (over a memory scheme, so nothing is opened or
// created). Whatever the bytes: no crash, no sanitizer report; a refusal is a config_error with a
// field; a password written in a route's URI never shows in a message.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <tuple>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/registry/sinks.hpp>
#include <sinkforge/transport/memory.hpp>

#include <sinkforge/registry/routes.hpp>

namespace {
struct Rec {
  BOOST_HANA_DEFINE_STRUCT(Rec, (std::int64_t, seq));
};
struct mem {
  static constexpr std::string_view name = "mem";
  static constexpr std::string_view summary = "memory";
  static constexpr sinkforge::registry::key_info keys[] = {{"table", "", ""}, {"password_env", "", ""}};
  template <class T>
  static auto policies(const sinkforge::registry::uri&, sinkforge::registry::options& o) {
    o.text("table");
    o.secret_from_env("password_env");
    return std::tuple{sinkforge::memory::buffer{}};
  }
};
using fuzz_sinks = sinkforge::registry::sinks<Rec, mem>;

void check(bool ok) {
  if (!ok) std::abort();
}

// The password of the URI in a `to = "..."` line, when it parses with one (letters and digits,
// four or more, written nowhere else in the text).
std::string written_password(std::string_view text) {
  const std::size_t at = text.find("to = \"");
  if (at == std::string_view::npos) return {};
  const std::size_t end = text.find('"', at + 6);
  if (end == std::string_view::npos) return {};
  std::string p;
  try {
    const auto u = sinkforge::registry::parse_uri(text.substr(at + 6, end - at - 6));
    if (u.password) p = *u.password;
  } catch (const sinkforge::config_error&) {
    return {};
  }
  if (p.size() < 4) return {};
  for (const char c : p)
    if (!std::isalnum(static_cast<unsigned char>(c))) return {};
  return text.find(p) == text.rfind(p) ? p : std::string();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string password = written_password(text);
  try {
    const auto routes = sinkforge::registry::parse_routes(text, "routes.toml");
    check(!routes.empty());
    for (const auto& r : routes) check(!r.to.empty());
    // Every route checked, then opened; a record goes to the routes whose match holds.
    sinkforge::registry::router<fuzz_sinks> opened(routes);
    std::size_t takers = 0;
    for (const auto& r : routes) takers += r.takes(Rec{7}) ? 1 : 0;
    check(opened.write(Rec{7}) == takers);
    opened.close();
  } catch (const sinkforge::config_error& e) {
    check(!e.field().empty());
    if (!password.empty()) check(std::string_view(e.what()).find(password) == std::string_view::npos);
  }
  return 0;
}
