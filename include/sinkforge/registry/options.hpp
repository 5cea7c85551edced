// registry::options: the key=value settings of one sink (a URI's query, or a TOML route's keys),
// read by type and checked as they are read.
//
//   registry::options o(u.query, u.redacted());
//   auto n   = o.integer<std::size_t>("batch.max_records", 500, 1, 10'000'000);
//   auto age = o.duration("batch.max_age", 1s);        // 250ms, 1s, 1.5s, 5m, 2h, 100us
//   auto big = o.bytes("rotate.max_bytes", 64 << 20);  // 1000, 64KiB, 16MiB, 1GiB, 10MB
//   auto fmt = o.choice("format", {"ndjson", "csv"}, 0);
//   o.finish(accepted_keys);                            // an unknown key is an error here
//
// Every refusal is a config_error whose field is the key and whose text says what is accepted and
// where the key came from (the URI with its password and secret values as ***). A value is never
// quoted when its key names a secret.
#pragma once
#include <chrono>
#include <algorithm>
#include <concepts>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sinkforge/error.hpp>
#include <sinkforge/registry/uri.hpp>

namespace sinkforge::inline v1::registry {

// One key a scheme accepts, as `sinkforge schemes` lists it.
struct key_info {
  std::string_view name;
  std::string_view default_value;  // as text; empty: required or none
  std::string_view description;
};

class options {
 public:
  options(std::vector<std::pair<std::string, std::string>> values, std::string where)
      : values_(std::move(values)), used_(values_.size(), false), where_(std::move(where)) {}
  explicit options(const uri& u) : options(u.query, u.redacted()) {}

  // Where these settings came from, safe to print.
  const std::string& where() const noexcept { return where_; }

  bool has(std::string_view key) const noexcept { return index(key) != npos; }
  bool has_prefix(std::string_view prefix) const noexcept {
    for (const auto& kv : values_)
      if (kv.first.starts_with(prefix)) return true;
    return false;
  }

  // The value of `key`, taken (a key not taken by the end is unknown: finish()).
  std::optional<std::string> text(std::string_view key) {
    const std::size_t i = index(key);
    if (i == npos) return std::nullopt;
    used_[i] = true;
    return values_[i].second;
  }

  std::string required(std::string_view key, std::string_view what) {
    std::optional<std::string> v = text(key);
    if (!v || v->empty()) fail(key, sinkforge::detail::concat({"missing: ", what}));
    return std::move(*v);
  }

  template <std::integral I>
  I integer(std::string_view key, I fallback, I min = std::numeric_limits<I>::min(),
            I max = std::numeric_limits<I>::max()) {
    const std::optional<std::string> v = text(key);
    if (!v) return fallback;
    const std::optional<std::uint64_t> magnitude = whole(*v, v->starts_with('-') ? 1 : 0);
    const bool negative = v->starts_with('-');
    const auto range = [&] { return sinkforge::detail::concat({"a whole number from ", std::to_string(min), " to ", std::to_string(max)}); };
    if (!magnitude) bad(key, *v, range());
    if (negative) {
      if constexpr (std::is_unsigned_v<I>) {
        if (*magnitude != 0) bad(key, *v, range());
        return check_range(key, *v, I{0}, min, max, range);
      } else {
        if (*magnitude > static_cast<std::uint64_t>(std::numeric_limits<I>::max()) + 1) bad(key, *v, range());
        const I n = static_cast<I>(0 - *magnitude);
        return check_range(key, *v, n, min, max, range);
      }
    }
    if (*magnitude > static_cast<std::uint64_t>(std::numeric_limits<I>::max())) bad(key, *v, range());
    return check_range(key, *v, static_cast<I>(*magnitude), min, max, range);
  }

  bool boolean(std::string_view key, bool fallback) {
    const std::optional<std::string> v = text(key);
    if (!v) return fallback;
    if (*v == "true" || *v == "1" || *v == "yes" || *v == "on") return true;
    if (*v == "false" || *v == "0" || *v == "no" || *v == "off") return false;
    bad(key, *v, "true or false (also 1/0, yes/no, on/off)");
  }

  // A duration: a number (decimals allowed) and a unit: ns, us, ms, s, m, h. "0" alone is zero.
  std::chrono::nanoseconds duration(std::string_view key, std::chrono::nanoseconds fallback,
                                    std::chrono::nanoseconds min = std::chrono::nanoseconds::zero()) {
    const std::optional<std::string> v = text(key);
    if (!v) return fallback;
    static constexpr const char* accepted = "a duration such as 250ms, 1s, 1.5s, 5m or 2h (units ns, us, ms, s, m, h)";
    std::size_t digits_end = 0;
    while (digits_end < v->size() && (detail::digit((*v)[digits_end]) || (*v)[digits_end] == '.')) ++digits_end;
    const std::string_view number = std::string_view(*v).substr(0, digits_end);
    const std::string_view unit = std::string_view(*v).substr(digits_end);
    const std::optional<double> n = decimal(number);
    if (!n) bad(key, *v, accepted);
    double scale = 0;
    if (unit == "ns") scale = 1;
    else if (unit == "us") scale = 1e3;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "s") scale = 1e9;
    else if (unit == "m") scale = 60e9;
    else if (unit == "h") scale = 3600e9;
    else if (unit.empty() && *n == 0) scale = 1;
    else bad(key, *v, accepted);
    const double ns = *n * scale;
    if (!(ns < 0x1p62)) bad(key, *v, "a duration below 146 years");
    const std::chrono::nanoseconds d{static_cast<std::int64_t>(ns)};
    if (d < min)
      bad(key, *v, min.count() == 1 ? std::string("a duration above zero")
                                    : sinkforge::detail::concat({"a duration of at least ", shown(min)}));
    return d;
  }

  // A size in bytes: a whole number and an optional unit: B, KB, MB, GB (powers of 1000) or
  // KiB, MiB, GiB (powers of 1024).
  std::uint64_t bytes(std::string_view key, std::uint64_t fallback, std::uint64_t min = 0) {
    const std::optional<std::string> v = text(key);
    if (!v) return fallback;
    static constexpr const char* accepted = "a size such as 1000, 64KiB, 16MiB, 1GiB or 10MB";
    std::size_t digits_end = 0;
    while (digits_end < v->size() && detail::digit((*v)[digits_end])) ++digits_end;
    const std::optional<std::uint64_t> n = whole(std::string_view(*v).substr(0, digits_end), 0);
    if (!n) bad(key, *v, accepted);
    const std::string_view unit = std::string_view(*v).substr(digits_end);
    std::uint64_t scale = 0;
    if (unit.empty() || unit == "B") scale = 1;
    else if (unit == "KB") scale = 1000;
    else if (unit == "MB") scale = 1000'000;
    else if (unit == "GB") scale = 1000'000'000;
    else if (unit == "KiB") scale = 1ull << 10;
    else if (unit == "MiB") scale = 1ull << 20;
    else if (unit == "GiB") scale = 1ull << 30;
    else bad(key, *v, accepted);
    if (*n > std::numeric_limits<std::uint64_t>::max() / scale) bad(key, *v, accepted);
    if (*n * scale < min) bad(key, *v, sinkforge::detail::concat({"at least ", std::to_string(min), " bytes"}));
    return *n * scale;
  }

  // The index of the value among `accepted`, or `fallback` when the key is absent.
  std::size_t choice(std::string_view key, std::initializer_list<std::string_view> accepted, std::size_t fallback) {
    const std::optional<std::string> v = text(key);
    if (!v) return fallback;
    std::size_t i = 0;
    for (const std::string_view a : accepted) {
      if (*v == a) return i;
      ++i;
    }
    std::string list;
    for (const std::string_view a : accepted) list += sinkforge::detail::concat({list.empty() ? "" : ", ", a});
    bad(key, *v, sinkforge::detail::concat({"one of: ", list}));
  }

  // A secret given by the name of the environment variable that holds it (`password_env=PGPASSWORD`),
  // never by value. Empty when the key is absent.
  std::optional<std::string> secret_from_env(std::string_view key) {
    const std::optional<std::string> name = text(key);
    if (!name) return std::nullopt;
    if (name->empty()) fail(key, "names no environment variable");
    const char* value = std::getenv(name->c_str());
    if (!value) fail(key, sinkforge::detail::concat({"the environment variable ", *name, " is not set"}));
    return std::string(value);
  }

  // Refuses a key that is not among `accepted`, before any is read: a misspelt key is named as
  // such, with the accepted key nearest to it.
  void check_known(std::span<const std::span<const key_info>> accepted) const {
    for (const auto& kv : values_) {
      std::string_view nearest;
      std::size_t best = 3;  // at most two edits away
      bool known = false;
      for (const auto& group : accepted)
        for (const key_info& k : group) {
          if (k.name == kv.first) known = true;
          const std::size_t d = distance(kv.first, k.name);
          if (d < best) best = d, nearest = k.name;
        }
      if (known) continue;
      fail(kv.first, sinkforge::detail::concat({"unknown key", nearest.empty() ? "" : " (did you mean '", nearest,
                                                nearest.empty() ? "" : "'?)", "; accepted: ", list(accepted)}));
    }
  }

  // Refuses every key not taken, listing the accepted ones.
  void finish(std::span<const std::span<const key_info>> accepted) const {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      if (used_[i]) continue;
      fail(values_[i].first, sinkforge::detail::concat({"unknown key; accepted: ", list(accepted)}));
    }
  }

  [[noreturn]] void fail(std::string_view key, std::string_view problem) const {
    throw config_error(key.empty() ? std::string_view("''") : key, sinkforge::detail::concat({problem, " (in ", where_, ")"}));
  }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  std::size_t index(std::string_view key) const noexcept {
    for (std::size_t i = 0; i < values_.size(); ++i)
      if (values_[i].first == key) return i;
    return npos;
  }

  static std::string shown(std::chrono::nanoseconds d) {
    static constexpr std::pair<std::int64_t, const char*> units[] = {
        {3600'000'000'000, "h"}, {60'000'000'000, "m"}, {1000'000'000, "s"}, {1000'000, "ms"}, {1000, "us"}, {1, "ns"}};
    for (const auto& [ns, unit] : units)
      if (d.count() % ns == 0) return std::to_string(d.count() / ns) + unit;
    return std::to_string(d.count()) + "ns";
  }

  static std::string list(std::span<const std::span<const key_info>> accepted) {
    std::string out;
    for (const auto& group : accepted)
      for (const key_info& k : group) out += sinkforge::detail::concat({out.empty() ? "" : ", ", k.name});
    return out;
  }

  // Levenshtein distance, for short keys.
  static std::size_t distance(std::string_view a, std::string_view b) {
    if (a.size() > 64 || b.size() > 64) return a == b ? 0 : 64;
    std::size_t row[65];
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        const std::size_t replace = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
        row[j] = std::min({up + 1, row[j - 1] + 1, replace});
        diagonal = up;
      }
    }
    return row[b.size()];
  }

  [[noreturn]] void bad(std::string_view key, std::string_view value, std::string_view accepted) const {
    const std::string shown = detail::secret_key(key) ? std::string("***") : sinkforge::detail::concat({"'", value, "'"});
    fail(key, sinkforge::detail::concat({shown, " is not ", accepted}));
  }

  template <class I, class Range>
  I check_range(std::string_view key, std::string_view v, I n, I min, I max, Range range) const {
    if (n < min || n > max) bad(key, v, range());
    return n;
  }

  static std::optional<std::uint64_t> whole(std::string_view s, std::size_t from) {
    s.remove_prefix(from);
    if (s.empty() || s.size() > 20) return std::nullopt;
    std::uint64_t n = 0;
    for (const char c : s) {
      if (!detail::digit(c)) return std::nullopt;
      const auto d = static_cast<std::uint64_t>(c - '0');
      if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
      n = n * 10 + d;
    }
    return n;
  }

  // Digits with at most one '.', at least one digit; no sign, no exponent.
  static std::optional<double> decimal(std::string_view s) {
    if (s.empty() || s.size() > 30) return std::nullopt;
    double n = 0, scale = 1;
    bool dot = false, any = false;
    for (const char c : s) {
      if (c == '.') {
        if (dot) return std::nullopt;
        dot = true;
        continue;
      }
      any = true;
      if (dot) n += (scale /= 10) * (c - '0');
      else n = n * 10 + (c - '0');
    }
    if (!any) return std::nullopt;
    return n;
  }

  std::vector<std::pair<std::string, std::string>> values_;
  std::vector<bool> used_;
  std::string where_;
};

}  // namespace sinkforge::inline v1::registry
