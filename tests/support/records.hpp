// Record types shared by the tests.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/hana/define_struct.hpp>

namespace test {

// How many random cases a property test runs: all of them, or a share in a build whose other
// half of the suite runs them all (the ASan build; the TSan build runs every case).
#ifndef SINKFORGE_TEST_RANDOM_SHARE
#define SINKFORGE_TEST_RANDOM_SHARE 1
#endif
constexpr int random_cases(int n) { return n / SINKFORGE_TEST_RANDOM_SHARE; }

struct Order {
  BOOST_HANA_DEFINE_STRUCT(Order,
                           (std::string, id),
                           (std::string, customer),
                           (double, amount),
                           (std::int64_t, ts_ms));
};

inline Order order(int i, std::string customer = "c") {
  return Order{"o" + std::to_string(i), std::move(customer), i * 1.5, 1700000000000 + i};
}

enum class Status : std::uint8_t { open, paid, shipped };
inline std::string_view sinkforge_enum_name(Status s) {
  switch (s) {
    case Status::open: return "open";
    case Status::paid: return "paid";
    case Status::shipped: return "shipped";
  }
  return "?";
}
enum class Priority : int { low = 1, high = 9 };  // no name: written as its integer

struct Address {
  BOOST_HANA_DEFINE_STRUCT(Address, (std::string, city), (std::optional<std::string>, zip));
};

using sys_ms = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

struct Rich {
  BOOST_HANA_DEFINE_STRUCT(Rich,
                           (std::int8_t, i8),
                           (std::uint8_t, u8),
                           (std::int16_t, i16),
                           (std::uint16_t, u16),
                           (std::int32_t, i32),
                           (std::uint32_t, u32),
                           (std::int64_t, i64),
                           (std::uint64_t, u64),
                           (float, f),
                           (double, d),
                           (bool, flag),
                           (std::string, text),
                           (std::optional<std::int64_t>, maybe),
                           (std::vector<std::int32_t>, list),
                           (std::map<std::string, double>, weights),
                           (Status, status),
                           (Priority, priority),
                           (sys_ms, at),
                           (Address, address),
                           (std::vector<Address>, history));
};

// A flat record every column transport can store.
struct Row {
  BOOST_HANA_DEFINE_STRUCT(Row,
                           (std::int64_t, id),
                           (std::string, name),
                           (double, score),
                           (bool, active),
                           (std::optional<std::string>, note),
                           (Status, status),
                           (sys_ms, at));
};

}  // namespace test
