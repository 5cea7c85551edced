// A buffered sink with backpressure: writers never wait for the transport until the bounded buffer
// is full; then each overflow rule shows what it does.
#include <atomic>
#include <cstdio>
#include <thread>

#include <sinkforge/sinkforge.hpp>

namespace sf = sinkforge;
using namespace std::chrono_literals;

struct Tick {
  BOOST_HANA_DEFINE_STRUCT(Tick, (std::string, symbol), (double, price));
};

// `concurrency` is the policy under test: async{.when_full = ...} or async_drop_newest{}.
template <class Delivery, class Concurrency>
void run(const char* name, Delivery delivery, Concurrency concurrency) {
  sf::memory::buffer mem;
  // A slow downstream: every batch takes 2 ms.
  auto slow = sf::testing::inject_faults(mem, [](const sf::testing::fault_point&) -> std::optional<sf::send_result> {
    std::this_thread::sleep_for(2ms);
    return std::nullopt;
  });
  sf::metrics::counters metrics{.name = name};
  auto sink = sf::make_sink<Tick>(slow, metrics, sf::batch::max_records{50}, sf::partition::by<&Tick::symbol>,
                                  delivery, concurrency);
  int refused = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 50000; ++i) {
    try {
      sink.write(Tick{i % 4 ? "ACME" : "GLOBEX", 100.0 + i % 50});
    } catch (const sf::backpressure_error&) {
      ++refused;
    }
  }
  const double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sink.close();
  const auto v = metrics.values();
  std::printf("%-12s writes took %.2f s; delivered %zu, dropped %llu, refused %d\n", name, write_s, mem.record_count(),
              static_cast<unsigned long long>(v.dropped), refused);
}

int main() {
  using sf::concurrency::overflow;
  run("block", sf::deliver::at_least_once,
      sf::concurrency::async{.max_in_flight = 4, .buffer_records = 1000, .when_full = overflow::block});
  // Dropping records is only allowed where the guarantee allows losing them.
  run("drop_newest", sf::deliver::at_most_once,
      sf::concurrency::async_drop_newest{.max_in_flight = 4, .buffer_records = 1000});
  run("fail", sf::deliver::at_least_once,
      sf::concurrency::async{.max_in_flight = 4, .buffer_records = 1000, .when_full = overflow::fail});
}
