// Built with -fsanitize=undefined in every build (tests/CMakeLists.txt; in the g++ build it is the
// one program that has it). g++ then takes fewer expressions as constant: comparing the address of
// a member's name with nullptr is not one. The composition rules that read member names (an
// idempotent key, a CDC key) must still hold, or a valid sink fails to compile in a user's
// sanitized build.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include <boost/hana/define_struct.hpp>

#include <sinkforge/batch/max_records.hpp>
#include <sinkforge/cdc/apply.hpp>
#include <sinkforge/deliver/idempotent.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/memory.hpp>
#include <sinkforge/transport/sqlite.hpp>

// No compiler defines a macro for -fsanitize=undefined; the build defines this one beside it.
#ifndef SINKFORGE_TEST_UBSAN
#error "this test must be compiled with -fsanitize=undefined"
#endif

namespace sf = sinkforge;

namespace ubsan_rules_test {
struct Reading {
  BOOST_HANA_DEFINE_STRUCT(Reading, (std::int64_t, id), (std::string, sensor), (double, value));
};
}  // namespace ubsan_rules_test
using ubsan_rules_test::Reading;

static_assert(sf::deliver::idempotent_t<&Reading::id>::keys_record<Reading>);
static_assert(!sf::deliver::idempotent_t<&Reading::value>::keys_record<Reading>);  // a double keys no window
static_assert(sf::composes<Reading, sf::memory::buffer, sf::deliver::idempotent_t<&Reading::id>>);
static_assert(sf::composes<sf::cdc::change<Reading>, sf::sqlite::table, sf::cdc::apply_t<&Reading::id>>);

TEST_CASE("under -fsanitize=undefined an idempotent sink composes, and drops a key taken before") {
  sf::memory::buffer mem;
  {
    auto sink = sf::make_sink<Reading>(mem, sf::deliver::idempotent<&Reading::id>, sf::batch::max_records{2});
    for (const std::int64_t id : {1, 2, 1, 3}) sink.write(Reading{id, "s", 0.5});
    sink.close();
  }
  CHECK(mem.record_count() == 3);
}
