// Property test: 10,000 random records, each line parsed back by nlohmann::json and compared.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include <sinkforge/serialize/json.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;

namespace {

// Strings drawn from ASCII, control characters, multi-byte UTF-8 and invalid bytes.
std::string random_text(std::mt19937_64& rng, bool allow_invalid) {
  static const char* pieces[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\xC3\xA9",
                                 "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xE4\xB8\xAD", "{", "}", ",", ":"};
  static const char* invalid[] = {"\x80", "\xC3", "\xE2\x82", "\xFF", "\xED\xA0\x80", "\xC0\xAF"};
  std::uniform_int_distribution<int> len(0, 24), pick(0, std::size(pieces) - 1), bad(0, std::size(invalid) - 1),
      coin(0, 30);
  std::string s;
  for (int i = 0, n = len(rng); i < n; ++i) {
    if (allow_invalid && coin(rng) == 0) s += invalid[bad(rng)];
    else s += pieces[pick(rng)];
  }
  return s;
}

// What the rule says a string becomes: valid UTF-8 stays, each maximal invalid subpart is U+FFFD.
std::string expected_text(const std::string& s) {
  std::string out;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (*p < 0x80) {
      out += static_cast<char>(*p++);
      continue;
    }
    std::size_t consumed = 0;
    const std::size_t n = sf::serialize::detail::utf8_sequence(p, end, consumed);
    if (n) {
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
    } else {
      out += "\xEF\xBF\xBD";
      p += consumed;
    }
  }
  return out;
}

double random_double(std::mt19937_64& rng) {
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0: return std::uniform_real_distribution<double>(-1e6, 1e6)(rng);
    case 1: {
      std::uint64_t bits = rng();
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return std::isfinite(d) ? d : 0.5;
    }
    case 2: return static_cast<double>(std::uniform_int_distribution<std::int64_t>(-1000, 1000)(rng)) / 8;
    default: return std::ldexp(1.0, std::uniform_int_distribution<int>(-1074, 1023)(rng));
  }
}

}  // namespace

TEST_CASE("10,000 random records round-trip through a real JSON parser") {
  std::mt19937_64 rng(20261123);
  sf::serialize::ndjson s;
  auto payload = s.make_payload<test::Rich>();
  std::vector<test::Rich> written;
  for (int i = 0; i < test::random_cases(10000); ++i) {
    test::Rich r{};
    r.i8 = static_cast<std::int8_t>(rng());
    r.u8 = static_cast<std::uint8_t>(rng());
    r.i16 = static_cast<std::int16_t>(rng());
    r.u16 = static_cast<std::uint16_t>(rng());
    r.i32 = static_cast<std::int32_t>(rng());
    r.u32 = static_cast<std::uint32_t>(rng());
    r.i64 = static_cast<std::int64_t>(rng());
    r.u64 = rng();
    r.f = static_cast<float>(random_double(rng));
    if (!std::isfinite(r.f)) r.f = 1.25f;
    r.d = random_double(rng);
    r.flag = rng() & 1;
    r.text = random_text(rng, true);
    if (rng() & 1) r.maybe = static_cast<std::int64_t>(rng());
    for (int k = 0, n = static_cast<int>(rng() % 4); k < n; ++k) r.list.push_back(static_cast<std::int32_t>(rng()));
    for (int k = 0, n = static_cast<int>(rng() % 3); k < n; ++k) r.weights[random_text(rng, false)] = random_double(rng);
    r.status = static_cast<test::Status>(rng() % 3);
    r.priority = (rng() & 1) ? test::Priority::low : test::Priority::high;
    r.at = test::sys_ms{std::chrono::milliseconds{static_cast<std::int64_t>(rng() % 253402300799000ull)}};
    r.address = {random_text(rng, true), (rng() & 1) ? std::optional<std::string>(random_text(rng, false)) : std::nullopt};
    if (rng() & 1) r.history.push_back({random_text(rng, false), std::nullopt});
    REQUIRE(s.append(payload, r));
    written.push_back(std::move(r));
  }
  REQUIRE(payload.size() == written.size());

  for (std::size_t i = 0; i < written.size(); ++i) {
    const test::Rich& r = written[i];
    const std::string_view line = payload[i];
    REQUIRE(line.back() == '\n');
    const nlohmann::json j = nlohmann::json::parse(line);  // throws on invalid JSON
    CHECK(j["i8"].get<int>() == r.i8);
    CHECK(j["u8"].get<int>() == r.u8);
    CHECK(j["i16"].get<int>() == r.i16);
    CHECK(j["u16"].get<int>() == r.u16);
    CHECK(j["i32"].get<std::int32_t>() == r.i32);
    CHECK(j["u32"].get<std::uint32_t>() == r.u32);
    CHECK(j["i64"].get<std::int64_t>() == r.i64);
    CHECK(j["u64"].get<std::uint64_t>() == r.u64);
    CHECK(static_cast<float>(j["f"].get<double>()) == r.f);
    CHECK(j["d"].get<double>() == r.d);
    CHECK(j["flag"].get<bool>() == r.flag);
    CHECK(j["text"].get<std::string>() == expected_text(r.text));
    if (r.maybe) CHECK(j["maybe"].get<std::int64_t>() == *r.maybe);
    else CHECK(j["maybe"].is_null());
    CHECK(j["list"].get<std::vector<std::int32_t>>() == r.list);
    CHECK(j["weights"].size() == r.weights.size());
    for (const auto& [k, v] : r.weights) CHECK(j["weights"][k].get<double>() == v);
    CHECK(j["status"].get<std::string>() == sinkforge_enum_name(r.status));
    CHECK(j["priority"].get<int>() == static_cast<int>(r.priority));
    CHECK(j["at"].get<std::string>().size() == 24);
    CHECK(j["address"]["city"].get<std::string>() == expected_text(r.address.city));
    CHECK(j["history"].size() == r.history.size());
  }
}
