// The main job: generate orders, write them through a composed sink into SQLite partitioned by
// customer, and report what happened.
//
//   orders_to_sqlite [database path] [order count]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include <sqlite3.h>
#include <unistd.h>

#include <sinkforge/batch/max_age.hpp>
#include <sinkforge/batch/max_records.hpp>
#include <sinkforge/batch/per_partition.hpp>
#include <sinkforge/metrics/counters.hpp>
#include <sinkforge/partition/by.hpp>
#include <sinkforge/retry/exponential.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/sqlite.hpp>

namespace sf = sinkforge;
using namespace std::chrono_literals;

struct Order {
  BOOST_HANA_DEFINE_STRUCT(Order,
                           (std::string, id),
                           (std::string, customer),
                           (double, amount),
                           (std::chrono::sys_time<std::chrono::milliseconds>, placed_at));
};

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "orders.db";
  const long count = argc > 2 ? std::atol(argv[2]) : 300000;
  std::remove(path.c_str());

  sf::metrics::counters metrics{.name = "orders"};
  auto sink = sf::make_sink<Order>(
      sf::sqlite::table{.path = path, .name = "orders"},
      sf::batch::max_records{2000} | sf::batch::max_age{200ms} | sf::batch::per_partition{.max_open = 32},
      sf::retry::exponential{.max_attempts = 5, .initial = 20ms, .cap = 1s},
      sf::partition::by<&Order::customer>, metrics);

  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> customer(0, 24);
  std::uniform_int_distribution<int> cents(100, 100000);
  const auto start_time = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());

  const auto t0 = std::chrono::steady_clock::now();
  // On a terminal, a progress line twice a second; nothing in a log.
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  auto next_report = t0 + std::chrono::milliseconds{500};
  for (long i = 0; i < count; ++i) {
    sink.write(Order{"order-" + std::to_string(i), "customer-" + std::to_string(customer(rng)),
                     cents(rng) / 100.0, start_time + std::chrono::milliseconds{i}});
    if (terminal && (i & 1023) == 0 && std::chrono::steady_clock::now() >= next_report) {
      std::fprintf(stderr, "\r  %ld / %ld orders written", i, count);
      next_report += std::chrono::milliseconds{500};
    }
  }
  sink.close();
  if (terminal) std::fprintf(stderr, "\r%50s\r", "");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*), count(DISTINCT customer), round(sum(amount), 2) FROM orders", -1, &st,
                     nullptr);
  sqlite3_step(st);
  const long rows = sqlite3_column_int64(st, 0);
  const long customers = sqlite3_column_int64(st, 1);
  const double total = sqlite3_column_double(st, 2);
  sqlite3_finalize(st);
  sqlite3_close(db);

  const auto v = metrics.values();
  std::printf("wrote %ld orders for %ld customers into %s (table orders)\n", rows, customers, path.c_str());
  std::printf("  batches sent     %llu\n", static_cast<unsigned long long>(v.batches));
  std::printf("  records in/out   %llu / %llu\n", static_cast<unsigned long long>(v.records_in),
              static_cast<unsigned long long>(v.records_out));
  std::printf("  retries/failures %llu / %llu\n", static_cast<unsigned long long>(v.retries),
              static_cast<unsigned long long>(v.failures));
  std::printf("  total amount     %.2f\n", total);
  std::printf("  elapsed          %.2f s (%.0f orders/s)\n", seconds, static_cast<double>(rows) / seconds);
  return rows == count && v.failures == 0 ? 0 : 1;
}
