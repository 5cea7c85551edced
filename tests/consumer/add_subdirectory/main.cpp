// The core through add_subdirectory: the umbrella header and a sink over the in-memory transport.
#include <cstdio>
#include <string>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/sinkforge.hpp>

struct Line {
  BOOST_HANA_DEFINE_STRUCT(Line, (int, number), (std::string, text));
};

int main() {
  sinkforge::memory::buffer store;
  {
    auto sink = sinkforge::make_sink<Line>(store, sinkforge::batch::max_records{2});
    for (int i = 1; i <= 5; ++i) sink.write(Line{i, "line " + std::to_string(i)});
    sink.close();
  }
  if (store.record_count() != 5 || store.batch_count() != 3) {
    std::fprintf(stderr, "expected 5 records in 3 batches, got %zu in %zu\n", store.record_count(),
                 store.batch_count());
    return 1;
  }
  std::printf("add_subdirectory: %zu records in %zu batches\n", store.record_count(), store.batch_count());
  return 0;
}
