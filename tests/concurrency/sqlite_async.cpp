// sqlite::table behind the async frontend: its senders and the writing thread, with faults
// injected on top of a real database file.
#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/sqlite.hpp>

#include "transport/sqlite_support.hpp"
#include "transport/support.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace sqlite_async_test {
struct Keyed {
  BOOST_HANA_DEFINE_STRUCT(Keyed, (std::int64_t, id), (std::string, name));
};
}  // namespace sqlite_async_test

TEST_CASE("sqlite::table through the async frontend with fault injection on top") {
  using sqlite_async_test::Keyed;
  const auto path = (test::fresh_dir("sqlite-async") / "t.db").string();
  int failures = 0;
  auto faulty = sf::testing::inject_faults(sf::sqlite::table{.path = path, .name = "k"},
                                           [&](const sf::testing::fault_point& p) -> std::optional<sf::send_result> {
                                             if (p.attempt == 1 && p.sequence % 3 == 0) {
                                               ++failures;
                                               return sf::send_result::retryable("injected");
                                             }
                                             return std::nullopt;
                                           });
  {
    auto sink = sf::make_sink<Keyed>(faulty, sf::batch::max_records{50}, sf::concurrency::async{},
                                     sf::retry::fixed{.max_attempts = 2, .delay = 1ms});
    for (int i = 0; i < 1000; ++i) sink.write(Keyed{i, "n" + std::to_string(i)});
    sink.close();
  }
  CHECK(failures > 0);
  CHECK(sqlite_test::query(path, "SELECT count(*), sum(id) FROM k")[0] == std::vector<std::string>{"1000", "499500"});
}
