// The core target alone: a sink over the in-memory transport, no SQLite anywhere.
#include <cstdio>
#include <string>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/memory.hpp>

struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event, (std::string, name), (int, count));
};

int main() {
  sinkforge::memory::buffer store;  // copies share one store
  {
    auto sink = sinkforge::make_sink<Event>(store);
    sink.write(Event{"a", 1});
    sink.write(Event{"b", 2});
    sink.write(Event{"c", 3});
    sink.close();
  }
  const auto records = store.records();
  if (records.size() != 3) {
    std::fprintf(stderr, "expected 3 records, got %zu\n", records.size());
    return 1;
  }
  if (records[1].find("\"name\":\"b\"") == std::string::npos || records[1].find("\"count\":2") == std::string::npos) {
    std::fprintf(stderr, "unexpected second record: %s\n", records[1].c_str());
    return 1;
  }
  std::printf("core_only: %zu records in %zu batch(es), e.g. %s", records.size(), store.batch_count(),
              records[0].c_str());
  return 0;
}
