// The postgres backend, linked from an installed package: libpq is reached, and a server that
// refuses the connection (nothing listens on port 1) is a config_error naming the field.
#include <cstdint>
#include <cstdio>
#include <string>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/postgres.hpp>

struct Reading {
  BOOST_HANA_DEFINE_STRUCT(Reading, (std::int64_t, id), (std::string, sensor), (double, value));
};

int main() {
  try {
    auto sink = sinkforge::make_sink<Reading>(
        sinkforge::postgres::table{.conninfo = "host=127.0.0.1 port=1 connect_timeout=2", .name = "t"});
    std::fprintf(stderr, "connected to a port nothing listens on\n");
    return 1;
  } catch (const sinkforge::config_error& e) {
    if (e.field() != "postgres::table.conninfo") {
      std::fprintf(stderr, "unexpected field: %s\n", e.field().c_str());
      return 1;
    }
    std::printf("postgres component: libpq %d, connection refused as expected\n", PQlibVersion());
  }
  return 0;
}
