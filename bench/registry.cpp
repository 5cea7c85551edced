// 9. Registry selection overhead: the same ndjson file sink, once chosen at run time from a URI
// (registry::sinks over the file, SQLite and stdout schemes: 19 composed sink types in its
// variant) and once composed in code with the very policies the URI gives (batching max_records |
// max_age, exponential retry, at-least-once, counters, a dead-letter callback). Each side writes
// the same orders one write() per record (the per-record dispatch the registry adds, at its worst)
// into a file of its own in SINKFORGE_BENCH_DIR, then flushes; the file is truncated (untimed).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include <sinkforge/registry/schemes/file.hpp>
#include <sinkforge/registry/schemes/sqlite.hpp>
#include <sinkforge/registry/schemes/stdout.hpp>
#include <sinkforge/registry/sinks.hpp>
#include <sinkforge/sink.hpp>

#include "common.hpp"
#include "paired.hpp"
#include "run_main.hpp"

namespace sf = sinkforge;
using bench::Order;

namespace {

constexpr std::size_t kRecords = 20'000;
using order_sinks = sf::registry::sinks<Order, sf::schemes::sqlite, sf::schemes::file, sf::schemes::stdout_sink>;

const std::vector<Order>& orders() {
  static const std::vector<Order> v = bench::make_orders(kRecords);
  return v;
}

std::string dir() {
  const char* d = std::getenv("SINKFORGE_BENCH_DIR");
  if (!d) d = std::getenv("TMPDIR");
  return d ? d : "/tmp";
}

// The sink composed in code with what "file:<path>" gives.
auto composed(const std::string& path) {
  using namespace std::chrono_literals;
  return sf::make_sink<Order>(
      sf::file::append{.path = path}, sf::serialize::ndjson{}, sf::batch::max_records{500} | sf::batch::max_age{1s},
      sf::retry::exponential{}, sf::deliver::at_least_once, sf::metrics::counters{},
      sf::dead_letter::call(std::function<void(std::vector<sf::failed_record>&&)>{}));
}

void BM_pair_registry(benchmark::State& state) {
  const std::string chosen_path = dir() + "/sinkforge-bench-registry-chosen-" + std::to_string(::getpid()) + ".ndjson";
  const std::string composed_path = dir() + "/sinkforge-bench-registry-composed-" + std::to_string(::getpid()) + ".ndjson";
  auto chosen = order_sinks::open("file:" + chosen_path);
  auto in_code = composed(composed_path);
  std::vector<bench::side> sides{
      {"chosen",
       [&] {
         for (const Order& o : orders()) chosen.write(o);
         chosen.flush();
       },
       [&] { ::truncate(chosen_path.c_str(), 0); }},
      {"composed",
       [&] {
         for (const Order& o : orders()) in_code.write(o);
         in_code.flush();
       },
       [&] { ::truncate(composed_path.c_str(), 0); }},
  };
  bench::run_paired(state, sides, static_cast<double>(kRecords), 0, bench::timer::wall);
  chosen.close();
  in_code.close();
  ::unlink(chosen_path.c_str());
  ::unlink(composed_path.c_str());
}
BENCHMARK(BM_pair_registry)->UseRealTime()->Unit(benchmark::kMillisecond);

// Both sides write the same bytes.
void self_check() {
  const std::string a = dir() + "/sinkforge-bench-registry-check-a.ndjson";
  const std::string b = dir() + "/sinkforge-bench-registry-check-b.ndjson";
  ::unlink(a.c_str());
  ::unlink(b.c_str());
  {
    auto chosen = order_sinks::open("file:" + a);
    auto in_code = composed(b);
    for (const Order& o : orders()) chosen.write(o), in_code.write(o);
    chosen.close();
    in_code.close();
  }
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  if (slurp(a).empty() || slurp(a) != slurp(b)) {
    std::fprintf(stderr, "bench_registry: the chosen and the composed sink wrote different files\n");
    std::exit(1);
  }
  ::unlink(a.c_str());
  ::unlink(b.c_str());
}

}  // namespace

int main(int argc, char** argv) { return bench::run_main(argc, argv, self_check); }
