// The toml component, linked from an installed package: a routes file is read, and a record goes
// to the route whose match holds.
#include <cstdint>
#include <cstdio>
#include <string>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/registry/routes.hpp>

struct Reading {
  BOOST_HANA_DEFINE_STRUCT(Reading, (std::int64_t, id), (std::string, sensor), (double, value));
};

int main() {
  const auto routes = sinkforge::registry::parse_routes(
      "[[route]]\nmatch = { sensor = \"t1\" }\nto = \"stdout:\"\n[[route]]\nto = \"stdout:\"\n", "inline");
  if (routes.size() != 2 || !routes[0].takes(Reading{1, "t1", 0.5}) || routes[0].takes(Reading{2, "t2", 0.5}) ||
      !routes[1].takes(Reading{2, "t2", 0.5})) {
    std::fprintf(stderr, "the routes do not take what their match says\n");
    return 1;
  }
  std::printf("toml component: %zu routes\n", routes.size());
  return 0;
}
