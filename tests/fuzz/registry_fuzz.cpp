// libFuzzer target for the registry's front end: a URI opened through registry::sinks, over a
// scheme that reads every kind of value (whole numbers, durations, sizes, booleans, choices, an
// environment variable) and writes to memory. Whatever the bytes: no crash, no sanitizer report;
// a refusal is a config_error with a field that never quotes the password as written.
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

namespace {
struct Rec {
  BOOST_HANA_DEFINE_STRUCT(Rec, (std::int64_t, seq), (std::string, name));
};

struct fuzz_scheme {
  static constexpr std::string_view name = "mem";
  static constexpr std::string_view summary = "memory, reading every kind of value";
  static constexpr sinkforge::registry::key_info keys[] = {
      {"n", "0", ""}, {"i", "0", ""}, {"d", "1s", ""}, {"b", "1KiB", ""}, {"flag", "false", ""},
      {"pick", "a", ""}, {"need", "", ""}, {"secret_env", "", ""}, {"api_token", "", ""}};
  template <class T>
  static auto policies(const sinkforge::registry::uri& u, sinkforge::registry::options& o) {
    o.integer<std::uint16_t>("n", 0);
    o.integer<std::int64_t>("i", 0, -5, 5);
    o.duration("d", std::chrono::seconds{1});
    o.bytes("b", 1024, 1);
    o.boolean("flag", false);
    o.choice("pick", {"a", "b", "c"}, 0);
    o.text("api_token");
    o.secret_from_env("secret_env");
    if (!u.path.empty()) o.required("need", "a value when the URI has a path");
    return std::tuple{sinkforge::memory::buffer{}};
  }
};

using fuzz_sinks = sinkforge::registry::sinks<Rec, fuzz_scheme>;

void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ::setenv("SINKFORGE_FUZZ_SECRET", "fuzz-secret-value", 1);
  try {
    auto sink = fuzz_sinks::open(text);
    sink.write(Rec{1, "a"});
    sink.close();
    check(sink.counters().values().records_out == 1);
  } catch (const sinkforge::config_error& e) {
    check(!e.field().empty());
    const std::string_view what = e.what();
    // The URI's own text is quoted (its scheme lower-cased): only a secret it does not hold counts.
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("fuzz-secret-value") == std::string::npos)
      check(what.find("fuzz-secret-value") == std::string_view::npos);
    // A password (letters and digits, so written as it reads; four or more; nowhere else in the
    // text) never shows.
    std::string password;
    try {
      const auto u = sinkforge::registry::parse_uri(text);
      if (u.password) password = *u.password;
    } catch (const sinkforge::config_error&) {
    }
    bool plain = password.size() >= 4;
    for (const char c : password) plain = plain && std::isalnum(static_cast<unsigned char>(c));
    if (plain && text.find(password) == text.rfind(password)) check(what.find(password) == std::string_view::npos);
  }
  return 0;
}
