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

template <class Overflow>
void run(const char* name, Overflow rule) {
  sf::memory::buffer mem;
  // A slow downstream: every batch takes 2 ms.
  auto slow = sf::testing::inject_faults(mem, [](const sf::testing::fault_point&) -> std::optional<sf::send_result> {
    std::this_thread::sleep_for(2ms);
    return std::nullopt;
  });
  sf::metrics::counters metrics{.name = name};
  auto sink = sf::make_sink<Tick>(slow, metrics, sf::batch::max_records{50}, sf::partition::by<&Tick::symbol>,
                                  sf::concurrency::async{.max_in_flight = 4, .buffer_records = 1000, .when_full = rule});
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
  run("block", sf::concurrency::overflow::block);
  run("drop_newest", sf::concurrency::overflow::drop_newest);
  run("fail", sf::concurrency::overflow::fail);
}
