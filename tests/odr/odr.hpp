// Functions of the two translation units of test_odr. Both include every public header, so a
// function or variable defined in a header without `inline` would be defined twice and break the link.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace odr {

// The same compositions are instantiated in both units (one and two), and each unit adds its own.
// Each returns what the sink delivered, so the test can compare the units' results.
std::vector<std::string> one_memory_json(int count);
std::vector<std::string> two_memory_json(int count);
std::size_t one_sqlite(const std::string& path, int count);
std::size_t two_sqlite(const std::string& path, int count);
std::string one_csv_file(const std::string& path, int count);    // only in one: file::append + csv
std::vector<std::string> two_async_partitioned(int count);       // only in two: async, by_name, counters

}  // namespace odr
