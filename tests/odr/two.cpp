// Second unit of test_odr: the same headers, the same compositions as one.cpp, and one of its own.
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/sqlite.hpp>

#include "odr.hpp"
#include "support/records.hpp"

namespace sf = sinkforge;

namespace odr {

std::vector<std::string> two_memory_json(int count) {
  sf::memory::buffer mem;
  auto sink = sf::make_sink<test::Order>(mem, sf::serialize::json{}, sf::batch::max_records{3},
                                         sf::partition::by<&test::Order::customer>);
  for (int i = 0; i < count; ++i) sink.write(test::order(i, i % 2 ? "odd" : "even"));
  sink.close();
  return mem.records();
}

std::size_t two_sqlite(const std::string& path, int count) {
  auto sink = sf::make_sink<test::Order>(sf::sqlite::table{.path = path, .name = "orders"},
                                         sf::batch::max_records{4});
  for (int i = 0; i < count; ++i) sink.write(test::order(100 + i));
  sink.close();
  return static_cast<std::size_t>(count);
}

std::vector<std::string> two_async_partitioned(int count) {
  sf::memory::buffer mem;
  sf::metrics::counters metrics;
  auto sink = sf::make_sink<test::Order>(mem, sf::concurrency::async{}, sf::partition::by_name<"customer">,
                                         sf::batch::max_records{4}, metrics);
  for (int i = 0; i < count; ++i) sink.write(test::order(i, "c" + std::to_string(i % 3)));
  sink.close();
  return mem.records();
}

}  // namespace odr
