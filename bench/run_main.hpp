// The main() every benchmark program shares: check outputs first, then run Google Benchmark.
#pragma once
#include <benchmark/benchmark.h>

namespace bench {

inline int run_main(int argc, char** argv, void (*self_check)()) {
  self_check();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace bench
