// Cost of metrics::registry against an adapter to prometheus-cpp (Debian's prometheus-cpp-dev 1.0.1):
// counter increment and histogram observation on the hot path (one thread, two threads on one
// counter), and rendering the exposition of 3 and 100 sinks. Not part of the build; run by hand:
//
//   g++ -std=c++20 -O2 -DNDEBUG -Iinclude tests/metrics/measure/registry_cost.cpp -o /tmp/registry_cost
//   g++ -std=c++20 -O2 -DNDEBUG -Iinclude -DWITH_PROMETHEUS_CPP tests/metrics/measure/registry_cost.cpp
//       -lprometheus-cpp-core -o /tmp/registry_cost && /tmp/registry_cost
//
// Compile time of a unit that makes a registry, counts and renders, with one or the other:
//   time g++ -std=c++20 -O2 -Iinclude -DCOMPILE_ONLY_SINKFORGE -c tests/metrics/measure/registry_cost.cpp -o /dev/null
//   (and -DCOMPILE_ONLY_PROMETHEUS_CPP)
#if defined(COMPILE_ONLY_PROMETHEUS_CPP)
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

std::string render_one() {
  auto reg = std::make_shared<prometheus::Registry>();
  auto& fam = prometheus::BuildCounter().Name("sinkforge_records_in_total").Help("h").Register(*reg);
  fam.Add({{"sink", "orders"}}).Increment();
  auto& hist = prometheus::BuildHistogram().Name("sinkforge_batch_latency_seconds").Help("h").Register(*reg);
  hist.Add({{"sink", "orders"}}, prometheus::Histogram::BucketBoundaries{0.001, 0.01}).Observe(0.002);
  return prometheus::TextSerializer().Serialize(reg->Collect());
}
#elif defined(COMPILE_ONLY_SINKFORGE)
#include <sinkforge/metrics/registry.hpp>

std::string render_one() {
  sinkforge::metrics::registry reg;
  auto m = reg.counters("orders");
  m.records_in(1);
  m.batch_sent(std::chrono::milliseconds(2));
  return reg.prometheus();
}
#else
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <sinkforge/metrics/registry.hpp>

#ifdef WITH_PROMETHEUS_CPP
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#endif

namespace sf = sinkforge;
using clk = std::chrono::steady_clock;

template <class F>
double ns_per_op(long n, F&& f) {
  double best = 1e30;
  for (int round = 0; round < 5; ++round) {
    const auto t0 = clk::now();
    f(n);
    const double ns = std::chrono::duration<double, std::nano>(clk::now() - t0).count() / static_cast<double>(n);
    if (ns < best) best = ns;
  }
  return best;
}

// Wall time per operation with two threads each doing n operations on the same metric.
template <class F>
double ns_per_op_two_threads(long n, F&& f) {
  return 0.5 * ns_per_op(n, [&](long k) {
    std::thread a([&] { f(k); });
    std::thread b([&] { f(k); });
    a.join();
    b.join();
  });
}

template <class F>
double us_per_render(F&& f) {
  std::size_t bytes = 0;
  const double ns = ns_per_op(200, [&](long k) {
    for (long i = 0; i < k; ++i) bytes += f().size();
  });
  return ns / 1000.0;
}

int main() {
  constexpr long n = 20'000'000;
  sf::metrics::registry reg;
  sf::metrics::counters m = reg.counters("orders");
  std::printf("sinkforge counter increment:        %.2f ns (1 thread), %.2f ns (2 threads, one counter)\n",
              ns_per_op(n, [&](long k) { for (long i = 0; i < k; ++i) m.records_out(1); }),
              ns_per_op_two_threads(n / 4, [&](long k) { for (long i = 0; i < k; ++i) m.records_out(1); }));
  std::printf("sinkforge histogram observation:    %.2f ns (1 thread), %.2f ns (2 threads)\n",
              ns_per_op(n / 4, [&](long k) { for (long i = 0; i < k; ++i) m.batch_sent(std::chrono::microseconds(300)); }),
              ns_per_op_two_threads(n / 16, [&](long k) { for (long i = 0; i < k; ++i) m.batch_sent(std::chrono::microseconds(300)); }));
  for (int sinks : {3, 100}) {
    sf::metrics::registry r;
    for (int s = 0; s < sinks; ++s) r.counters("sink" + std::to_string(s)).records_in(static_cast<std::size_t>(s));
    std::printf("sinkforge render, %3d sinks:        %.1f us (%zu bytes)\n", sinks,
                us_per_render([&] { return r.prometheus(); }), r.prometheus().size());
  }

#ifdef WITH_PROMETHEUS_CPP
  {
    using namespace prometheus;
    auto pr = std::make_shared<Registry>();
    auto& c = BuildCounter().Name("sinkforge_records_out_total").Help("h").Register(*pr).Add({{"sink", "orders"}});
    auto& h = BuildHistogram().Name("sinkforge_batch_latency_seconds").Help("h").Register(*pr).Add(
        {{"sink", "orders"}}, Histogram::BucketBoundaries(sf::metrics::latency_buckets.begin(), sf::metrics::latency_buckets.end()));
    std::printf("prometheus-cpp counter increment:   %.2f ns (1 thread), %.2f ns (2 threads, one counter)\n",
                ns_per_op(n, [&](long k) { for (long i = 0; i < k; ++i) c.Increment(); }),
                ns_per_op_two_threads(n / 4, [&](long k) { for (long i = 0; i < k; ++i) c.Increment(); }));
    std::printf("prometheus-cpp histogram observe:   %.2f ns (1 thread), %.2f ns (2 threads)\n",
                ns_per_op(n / 4, [&](long k) { for (long i = 0; i < k; ++i) h.Observe(0.0003); }),
                ns_per_op_two_threads(n / 16, [&](long k) { for (long i = 0; i < k; ++i) h.Observe(0.0003); }));
  }
  for (int sinks : {3, 100}) {
    using namespace prometheus;
    auto pr = std::make_shared<Registry>();
    const char* counters[] = {"records_in_total", "records_out_total", "bytes_out_total", "batches_total",
                              "retries_total",    "failures_total",    "dead_lettered_total"};
    std::vector<Family<Counter>*> cf;
    for (const char* name : counters)
      cf.push_back(&BuildCounter().Name(std::string("sinkforge_") + name).Help("help text").Register(*pr));
    auto& dropped = BuildCounter().Name("sinkforge_dropped_total").Help("help text").Register(*pr);
    auto& g1 = BuildGauge().Name("sinkforge_in_flight_batches").Help("help text").Register(*pr);
    auto& g2 = BuildGauge().Name("sinkforge_buffered_records").Help("help text").Register(*pr);
    auto& hf = BuildHistogram().Name("sinkforge_batch_latency_seconds").Help("help text").Register(*pr);
    for (int s = 0; s < sinks; ++s) {
      const std::string name = "sink" + std::to_string(s);
      for (auto* f : cf) f->Add({{"sink", name}}).Increment(s);
      dropped.Add({{"sink", name}, {"reason", "buffer_full"}});
      g1.Add({{"sink", name}});
      g2.Add({{"sink", name}});
      hf.Add({{"sink", name}},
             Histogram::BucketBoundaries(sf::metrics::latency_buckets.begin(), sf::metrics::latency_buckets.end()));
    }
    std::printf("prometheus-cpp render, %3d sinks:   %.1f us (%zu bytes)\n", sinks,
                us_per_render([&] { return TextSerializer().Serialize(pr->Collect()); }),
                TextSerializer().Serialize(pr->Collect()).size());
  }
#endif
}
#endif
