// Nothing is lost: invalid records, failed batches and destructors all report.
#include <cmath>
#include <sstream>

#include <doctest/doctest.h>

#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;

TEST_CASE("an unencodable record throws from write() with the record, and the rest still flows") {
  sf::memory::buffer mem;
  auto sink = sf::make_sink<test::Order>(mem, sf::batch::max_records{2});
  sink.write(test::order(1));
  try {
    sink.write(test::Order{"bad", "c", std::nan(""), 0});
    FAIL("expected delivery_error");
  } catch (const sf::delivery_error& e) {
    REQUIRE(e.records().size() == 1);
    CHECK(e.records()[0].kind == sf::failure_kind::invalid_record);
    CHECK(e.records()[0].reason == "NaN or infinite number in field 'amount'");
    CHECK(e.records()[0].payload == R"({"id":"bad","customer":"c","amount":"NaN","ts_ms":0})");
    CHECK(e.records()[0].attempts == 0);
  }
  sink.write(test::order(2));
  CHECK(mem.record_count() == 2);
}

TEST_CASE("a dead-letter target is itself a sink") {
  sf::memory::buffer mem, dead_store;
  auto dead = sf::make_sink<sf::failed_record>(dead_store, sf::batch::max_records{100});
  auto sink = sf::make_sink<test::Order>(mem, sf::batch::max_records{1}, sf::dead_letter::to(dead),
                                         sf::partition::by<&test::Order::customer>);
  sink.write(test::Order{"bad", "eve", std::nan(""), 0});
  sink.write(test::order(1));
  sink.close();
  CHECK(mem.record_count() == 1);
  const auto dl = dead_store.records();
  REQUIRE(dl.size() == 1);
  CHECK(dl[0] ==
        R"({"payload":"{\"id\":\"bad\",\"customer\":\"eve\",\"amount\":\"NaN\",\"ts_ms\":0}",)"
        R"("reason":"NaN or infinite number in field 'amount'","kind":"invalid_record","attempts":0,)"
        R"("partition":"eve"})"
        "\n");
}

TEST_CASE("a dead-letter target that fails does not lose the records") {
  sf::memory::buffer mem;
  auto sink = sf::make_sink<test::Order>(
      mem, sf::dead_letter::call([](std::vector<sf::failed_record>&&) { throw std::runtime_error("dlq down"); }));
  try {
    sink.write(test::Order{"bad", "c", std::nan(""), 0});
    FAIL("expected delivery_error");
  } catch (const sf::delivery_error& e) {
    REQUIRE(e.records().size() == 1);
    CHECK(e.records()[0].reason.find("(dead-letter target failed: dlq down)") != std::string::npos);
  }
}

TEST_CASE("the destructor closes without throwing and reports what it could not deliver") {
  sf::memory::buffer mem;
  std::vector<sf::failed_record> reported;
  sf::metrics::counters m;
  {
    auto faulty = sf::testing::inject_faults(mem, [](const sf::testing::fault_point&) -> std::optional<sf::send_result> {
      return sf::send_result::fatal("disk gone");
    });
    auto sink = sf::make_sink<test::Order>(faulty, m, sf::batch::max_records{100}, sf::on_error([&](const sf::delivery_error& e) {
                                             reported.insert(reported.end(), e.records().begin(), e.records().end());
                                           }));
    sink.write(test::order(1));
    sink.write(test::order(2));
  }  // no close(): the destructor flushes, fails and reports
  REQUIRE(reported.size() == 2);
  CHECK(reported[0].reason == "disk gone");
  CHECK(m.values().failures == 2);
}

namespace {
struct throwing {
  using policy_family = sf::family::transport;
  template <class B>
  sf::send_result send(const B&) {
    throw std::runtime_error("boom");
  }
};
}  // namespace

TEST_CASE("a transport that throws is a fatal failure, not a crash") {
  auto sink = sf::make_sink<test::Order>(throwing{}, sf::batch::max_records{1});
  CHECK_THROWS_WITH_AS(sink.write(test::order(1)),
                       "sinkforge: 1 record(s) could not be delivered (fatal: transport threw: boom)",
                       sf::delivery_error);
}

TEST_CASE("credentials in configuration never reach error messages") {
  // Transport configurations carry no secrets into what(); config errors name fields only.
  try {
    sf::make_sink<test::Order>(sf::file::append{.path = ""});
    FAIL("expected config_error");
  } catch (const sf::config_error& e) {
    CHECK(std::string(e.what()) == "sinkforge: invalid configuration: file::append.path: must not be empty");
    CHECK(e.field() == "file::append.path");
  }
}

TEST_CASE("a serializer's configuration is checked when the sink is made") {
  CHECK_THROWS_WITH_AS(sf::make_sink<test::Row>(sf::memory::buffer{}, sf::serialize::csv{.delimiter = '"'}),
                       "sinkforge: invalid configuration: serialize::csv.delimiter: must be an ASCII character "
                       "other than a double quote, CR or LF",
                       sf::config_error);
}

TEST_CASE("an ostream that fails while the CSV header row is written fails construction") {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  try {
    auto sink = sf::make_sink<test::Row>(sf::stream::ostream{.out = &out}, sf::serialize::csv{});
    FAIL("expected config_error");
  } catch (const sf::config_error& e) {
    CHECK(e.field() == "stream::ostream.out");
  }
  std::ostringstream fine;
  auto sink = sf::make_sink<test::Row>(sf::stream::ostream{.out = &fine}, sf::serialize::csv{});
  CHECK(fine.str() == "id,name,score,active,note,status,at\r\n");
}
