// make_sink: any order, defaults per family, concrete types, and the concepts behind them.
#include <doctest/doctest.h>

#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

namespace {
struct not_a_policy {};
}  // namespace

TEST_CASE("policies in any order give the same sink type") {
  sf::memory::buffer mem;
  auto a = sf::make_sink<test::Order>(mem, sf::batch::max_records{10}, sf::partition::by<&test::Order::customer>,
                                      sf::retry::none{});
  auto b = sf::make_sink<test::Order>(sf::retry::none{}, sf::partition::by<&test::Order::customer>, mem,
                                      sf::batch::max_records{10});
  static_assert(std::is_same_v<decltype(a), decltype(b)>);
  a.write(test::order(1));
  b.write(test::order(2));
  a.flush();
  b.flush();
  CHECK(mem.record_count() == 2);
}

TEST_CASE("missing families take their documented defaults") {
  using S = sf::sink_t<test::Order, sf::memory::buffer>;
  using P = S::policies_type;
  static_assert(std::is_same_v<P::serializer_type, sf::serialize::ndjson>);
  static_assert(std::is_same_v<P::batching_type, sf::batch::max_records>);
  static_assert(std::is_same_v<P::retry_type, sf::retry::exponential>);
  static_assert(std::is_same_v<P::delivery_type, sf::deliver::at_least_once_t>);
  static_assert(std::is_same_v<P::partitioner_type, sf::partition::none>);
  static_assert(std::is_same_v<P::concurrency_type, sf::concurrency::synchronous>);
  static_assert(std::is_same_v<P::metrics_type, sf::metrics::none>);
  static_assert(std::is_same_v<P::dead_letter_type, sf::dead_letter::none>);
  static_assert(std::is_same_v<P::clock_type, sf::clock::steady>);
  using Q = sf::sink_t<test::Order, sf::memory::buffer, sf::deliver::at_most_once_t>::policies_type;
  static_assert(std::is_same_v<Q::retry_type, sf::retry::none>);
  CHECK(sf::batch::max_records{}.count == 500);
}

TEST_CASE("empty policies cost no storage") {
  using S = sf::sink_t<test::Order, sf::memory::buffer>;
  using P = S::policies_type;
  // The transport handle and the configured retry policy are the only members with state.
  CHECK(sizeof(P) <= sizeof(sf::memory::buffer) + sizeof(sf::retry::exponential) + sizeof(sf::batch::max_records) + 16);
}

TEST_CASE("concepts accept the policies and reject what does not fit") {
  static_assert(sf::transport<sf::memory::buffer>);
  static_assert(sf::transport<sf::file::append>);
  static_assert(!sf::transport<not_a_policy>);
  static_assert(!sf::transport<sf::batch::max_records>);
  static_assert(!sf::transactional_transport<sf::memory::buffer>);
  static_assert(sf::transactional_transport<sf::file::append>);
  static_assert(sf::transactional_transport<sf::file::rotating>);
  static_assert(sf::batching_policy<sf::batch::max_records>);
  static_assert(sf::batching_policy<decltype(sf::batch::max_records{} | sf::batch::max_age{})>);
  static_assert(!sf::batching_policy<sf::retry::none>);
  static_assert(sf::retry_policy<sf::retry::exponential>);
  static_assert(!sf::retry_policy<sf::batch::max_age>);
  static_assert(sf::delivery_guarantee<sf::deliver::exactly_once_t>);
  static_assert(sf::partitioner_for<sf::partition::none, int>);
  static_assert(sf::concurrency_policy<sf::concurrency::async>);
  static_assert(sf::clock_source<sf::clock::manual>);
  static_assert(sf::dead_letter_policy<sf::dead_letter::none>);
  static_assert(!sf::transport_accepts_payload<sf::file::append, sf::rows<test::Order>>);
  static_assert(sf::transport_accepts_payload<sf::memory::buffer, sf::rows<test::Order>>);
  static_assert(sf::max_concurrent_sends<sf::file::append> == 1);
}

TEST_CASE("a sink of any struct runs end to end with every family given") {
  sf::memory::buffer mem;
  sf::metrics::counters m;
  sf::clock::manual clock;
  auto sink = sf::make_sink<test::Rich>(mem, sf::serialize::json{}, sf::batch::max_records{2} | sf::batch::max_age{1s},
                                        sf::retry::fixed{}, sf::deliver::at_least_once, sf::partition::none{},
                                        sf::concurrency::synchronous{}, m, sf::dead_letter::none{}, clock,
                                        sf::on_error([](const sf::delivery_error&) {}));
  sink.write(test::Rich{});
  sink.write(test::Rich{});
  CHECK(mem.batch_count() == 1);
  CHECK(mem.batches()[0].bytes.front() == '[');
  CHECK(mem.batches()[0].bytes.back() == ']');
  sink.close();
  CHECK(sink.closed());
  CHECK_THROWS_AS(sink.write(test::Rich{}), std::logic_error);
}
