// Routes files (registry/routes.hpp): defaults merged under what a route and its URI give, records
// sent to the routes whose match holds (strings, integers, booleans, enums; dynamic records too),
// and every problem refused before anything is opened, naming the route and key.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/registry/routes.hpp>
#include <sinkforge/registry/schemes/file.hpp>
#include <sinkforge/registry/schemes/sqlite.hpp>
#include <sinkforge/registry/sinks.hpp>

#include "transport/sqlite_support.hpp"
#include "transport/support.hpp"

namespace routes_test {
namespace sf = sinkforge;
namespace reg = sf::registry;

enum class channel : std::uint8_t { web, app };
inline std::string_view sinkforge_enum_name(channel c) { return c == channel::web ? "web" : "app"; }

struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event, (std::string, type), (std::int64_t, shard), (bool, paid), (channel, via),
                           (double, amount));
};
using event_sinks = reg::sinks<Event, sf::schemes::sqlite, sf::schemes::file>;

inline std::string refusal(const std::string& toml) {
  try {
    reg::router<event_sinks> r(reg::parse_routes(toml, "test.toml"));
    r.close();
  } catch (const sf::config_error& e) {
    return e.field() + " | " + e.what();
  }
  return {};
}
}  // namespace routes_test

TEST_CASE("routes: [defaults] fill what neither the route nor its URI gives; nested keys are flattened") {
  using namespace routes_test;
  const auto routes = reg::parse_routes(R"(
[defaults]
delivery = "at_least_once"
batch.max_records = 50

[[route]]
name = "clicks"
match = { type = "click", shard = 3, paid = false }
to = "sqlite://a.db?table=clicks&batch.max_records=7"

[[route]]
to = "file:c.ndjson?batch%2Emax_records=9"

[[route]]
to = "file:b.ndjson"
batch = { max_age = "2s" }
delivery = "at_most_once"
)");
  REQUIRE(routes.size() == 3);
  CHECK(routes[0].name == "clicks");
  CHECK(routes[0].number == 1);
  // toml++ keeps a table's keys in order of their names.
  CHECK(routes[0].match == std::vector<std::pair<std::string, std::string>>{{"paid", "false"}, {"shard", "3"}, {"type", "click"}});
  // batch.max_records is in the URI: the default does not come in beside it.
  CHECK(routes[0].settings == std::vector<std::pair<std::string, std::string>>{{"delivery", "at_least_once"}});
  // A key percent-encoded in the URI is the same key.
  CHECK(routes[1].settings == std::vector<std::pair<std::string, std::string>>{{"delivery", "at_least_once"}});
  CHECK(routes[2].name == "route 3");
  CHECK(routes[2].settings == std::vector<std::pair<std::string, std::string>>{
                                  {"batch.max_age", "2s"}, {"delivery", "at_most_once"}, {"batch.max_records", "50"}});
}

TEST_CASE("routes: a record goes to every route whose match holds, compared as text") {
  using namespace routes_test;
  const auto dir = test::fresh_dir("routes-router");
  const std::string db = (dir / "r.db").string();
  std::size_t none = 0;
  {
    reg::router<event_sinks> routes(reg::parse_routes(
        "[[route]]\nmatch = { type = \"click\" }\nto = \"sqlite://" + db + "?table=clicks\"\n"
        "[[route]]\nmatch = { type = \"order\", paid = true, via = \"app\" }\nto = \"sqlite://" + db + "?table=paid_app\"\n"
        "[[route]]\nmatch = { shard = -2 }\nto = \"file:" + (dir / "shard.ndjson").string() + "\"\n"));
    for (int i = 0; i < 300; ++i) {
      const Event e{i % 3 == 0 ? "click" : "order", i % 5 - 2, i % 2 == 0, i % 4 == 0 ? channel::app : channel::web, 1.5};
      if (routes.write(e) == 0) ++none;
    }
    routes.close();
  }
  CHECK(sqlite_test::query(db, "SELECT count(*) FROM clicks")[0][0] == "100");
  // order (i % 3 != 0), paid (even), app (i % 4 == 0): i % 12 in {4, 8}
  CHECK(sqlite_test::query(db, "SELECT count(*) FROM paid_app")[0][0] == "50");
  CHECK(test::slurp(dir / "shard.ndjson").size() > 0);
  std::size_t shard_lines = 0;
  for (const char c : test::slurp(dir / "shard.ndjson")) shard_lines += c == '\n';
  CHECK(shard_lines == 60);
  // Not a click, not a paid app order, shard != -2.
  std::size_t expected_none = 0;
  for (int i = 0; i < 300; ++i)
    expected_none += (i % 3 != 0 && !(i % 12 == 4 || i % 12 == 8) && i % 5 != 0) ? 1 : 0;
  CHECK(none == expected_none);
}

TEST_CASE("routes: dynamic records are matched by their fields' values") {
  using namespace routes_test;
  namespace dyn = sf::dynamic;
  const auto routes = reg::parse_routes("[[route]]\nmatch = { type = \"click\", n = 5, ok = true }\nto = \"stdout:\"\n");
  const auto shape = dyn::make_shape({"type", "n", "ok"});
  dyn::record r(shape);
  r[0] = dyn::value::of_text("click");
  r[1] = dyn::value::of_integer(5);
  r[2] = dyn::value::of_bool(true);
  CHECK(routes[0].takes(r));
  r[1] = dyn::value::of_text("5");  // the text "5" is 5 as text
  CHECK(routes[0].takes(r));
  r[2] = dyn::value::of_bool(false);
  CHECK_FALSE(routes[0].takes(r));
  CHECK_FALSE(routes[0].takes(dyn::record(dyn::make_shape({"type"}))));
}

TEST_CASE("routes: every problem is refused before anything opens, naming the route and key") {
  using namespace routes_test;
  const auto dir = test::fresh_dir("routes-refused");
  const std::string ok_to = "to = \"sqlite://" + (dir / "never.db").string() + "?table=t\"\n";
  CHECK(refusal("[[route]\n").starts_with("routes | "));
  CHECK(refusal("[[route]]\nto = \"stdout:\"\nname = [1]\n").find("arrays are not taken here, at line 3 (in test.toml)") !=
        std::string::npos);
  CHECK(refusal("[[route]]\nto = \"x\xC3\xA9\"\n").find("not ASCII") != std::string::npos);
  CHECK(refusal("[route]\nto = \"stdout:\"\n").starts_with("route | "));
  CHECK(refusal("[[route]]\n" + ok_to + "[other]\nx = 1\n").starts_with("other | "));
  CHECK(refusal("[[route]]\nname = \"r\"\n").starts_with("route[1].to | "));
  CHECK(refusal("[[route]]\n" + ok_to + "[[route]]\n" + ok_to + "match = { typo = \"x\" }\n")
            .starts_with("route[2].match.typo | "));
  CHECK(refusal("[[route]]\n" + ok_to + "match = { shard = 1.5 }\n").starts_with("route[1].match.shard | "));
  // amount is a double: not a member a route can match.
  CHECK(refusal("[[route]]\n" + ok_to + "match = { amount = 1 }\n").starts_with("route[1].match.amount | "));
  const std::string misspelt = refusal("[[route]]\n" + ok_to + "batch.max_recrods = 5\n");
  CHECK(misspelt.starts_with("route[1].batch.max_recrods | "));
  CHECK(misspelt.find("did you mean 'batch.max_records'?") != std::string::npos);
  CHECK(refusal("[[route]]\nto = \"nosuch://x\"\n").starts_with("route[1]."));
  // Nothing was opened: the database of the good routes was never made.
  CHECK_FALSE(std::filesystem::exists(dir / "never.db"));
  try {
    reg::load_routes((dir / "missing.toml").string());
    FAIL("a missing file was read");
  } catch (const sf::config_error& e) {
    CHECK(e.field() == "routes");
  }
}
