// Ranges in, records out: write(range), inserter, and the pipe.
#include <doctest/doctest.h>

#include <range/v3/algorithm/copy.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/iota.hpp>
#include <range/v3/view/transform.hpp>
#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;

TEST_CASE("write(range), ranges::copy into an inserter, and xs | views... | sf::to(sink)") {
  sf::memory::buffer mem;
  auto sink = sf::make_sink<test::Order>(mem, sf::batch::max_records{1000});
  std::vector<test::Order> orders;
  for (int i = 0; i < 10; ++i) orders.push_back(test::order(i));

  sink.write(orders);
  ranges::copy(orders | ranges::views::filter([](const test::Order& o) { return o.amount > 10; }), sf::inserter(sink));
  const std::size_t piped = ranges::views::iota(100, 105) |
                            ranges::views::transform([](int i) { return test::order(i); }) | sf::to(sink);
  CHECK(piped == 5);
  sink.flush();
  CHECK(mem.record_count() == 10 + 3 + 5);
  const auto records = mem.records();
  CHECK(records.back().find("\"o104\"") != std::string::npos);
}

TEST_CASE("a sink of strings still takes a single string, not its characters") {
  sf::memory::buffer mem;
  auto sink = sf::make_sink<std::string>(mem, sf::serialize::raw{});
  sink.write(std::string("one"));
  sink.write(std::vector<std::string>{"two", "three"});
  sink.flush();
  CHECK(mem.records() == std::vector<std::string>{"one\n", "two\n", "three\n"});
}
