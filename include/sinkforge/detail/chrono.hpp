// Durations, clocks and time points, and the civil date of a day.
//
// C++20's <chrono> also brings calendars, time zones and formatting (with <sstream> and <locale>):
// with libstdc++ that is 0.4 s of parsing in every unit that includes a sink, for names the library
// does not use. Where libstdc++ keeps durations and clocks in a header of their own, only that is
// included; elsewhere <chrono> itself. The calendar arithmetic the library needs (a day's date, a
// date's day) is below, so no header depends on which of the two it got.
#pragma once
#include <cstdint>
#include <version>

#if defined(__GLIBCXX__) && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#else
#include <chrono>
#endif

namespace sinkforge::inline v1::detail {

struct civil_date {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

// The proleptic Gregorian date of day `z` counted from 1970-01-01 (H. Hinnant's civil_from_days).
constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

// The day number (from 1970-01-01) of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// A system_clock time point split into its UTC date and time of day.
struct civil_time {
  civil_date date;
  unsigned hour, minute, second;
  std::uint32_t nanosecond;  // below the second, truncated
};

template <class D>
constexpr civil_time to_civil(std::chrono::time_point<std::chrono::system_clock, D> tp) noexcept {
  using namespace std::chrono;
  const auto day = floor<days>(tp);
  const auto since_midnight = tp - day;
  const auto secs = floor<seconds>(since_midnight);
  const auto s = static_cast<unsigned>(secs.count());
  return {civil_from_days(day.time_since_epoch().count()), s / 3600, s / 60 % 60, s % 60,
          static_cast<std::uint32_t>(duration_cast<nanoseconds>(since_midnight - secs).count())};
}

}  // namespace sinkforge::inline v1::detail
