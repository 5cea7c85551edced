// Paired measurement: one Google Benchmark benchmark runs the candidate and its baselines in
// alternation inside every iteration (A B C, then C B A, ...), timing each side separately. On a
// shared, noisy machine a burst of outside load then hits all sides alike, so the ratio stays
// meaningful even when absolute figures move. Each side reports `<name>_items_s` (and `_bytes_s`);
// `ratio_<name>` is the candidate's (first side's) throughput over that side's.
#pragma once
#include <benchmark/benchmark.h>

#include <ctime>
#include <functional>
#include <string>
#include <vector>

namespace bench {

enum class timer { thread_cpu, wall };

struct side {
  std::string name;
  std::function<void()> run;             // timed
  std::function<void()> after = nullptr;  // untimed (truncate a file, delete rows)
};

inline double now_ns(timer t) {
  timespec ts{};
  ::clock_gettime(t == timer::wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// `items` and `bytes` are what one run() of any side processes.
inline void run_paired(benchmark::State& state, std::vector<side>& sides, double items, double bytes, timer t) {
  std::vector<double> ns(sides.size(), 0.0);
  bool reverse = false;
  for (auto _ : state) {
    for (std::size_t j = 0; j < sides.size(); ++j) {
      const std::size_t k = reverse ? sides.size() - 1 - j : j;
      const double t0 = now_ns(t);
      sides[k].run();
      ns[k] += now_ns(t) - t0;
      if (sides[k].after) sides[k].after();
    }
    reverse = !reverse;
  }
  const double n = static_cast<double>(state.iterations());
  for (std::size_t k = 0; k < sides.size(); ++k) {
    const double secs = ns[k] * 1e-9;
    state.counters[sides[k].name + "_items_s"] = items * n / secs;
    if (bytes > 0) state.counters[sides[k].name + "_bytes_s"] = bytes * n / secs;
    if (k > 0) state.counters["ratio_" + sides[k].name] = ns[k] / ns[0];
  }
}

}  // namespace bench
