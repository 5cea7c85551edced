// file::append and file::rotating against the real file system.
#include <algorithm>

#include <doctest/doctest.h>

#include <sinkforge/sinkforge.hpp>

#include "support/records.hpp"
#include "transport/support.hpp"

namespace sf = sinkforge;
using namespace std::chrono_literals;

TEST_CASE("file::append appends batches; a second sink appends after the first") {
  const auto dir = test::fresh_dir("append");
  const auto path = (dir / "orders.ndjson").string();
  {
    auto sink = sf::make_sink<test::Order>(sf::file::append{.path = path, .sync = sf::file::sync::per_batch},
                                           sf::batch::max_records{2});
    for (int i = 0; i < 3; ++i) sink.write(test::order(i));
  }
  {
    auto sink = sf::make_sink<test::Order>(sf::file::append{.path = path});
    sink.write(test::order(3));
    sink.close();
  }
  const std::string text = test::slurp(path);
  std::string expected;
  for (int i = 0; i < 4; ++i) expected += sf::serialize::to_json_lenient(test::order(i)) + "\n";
  CHECK(text == expected);
}

TEST_CASE("file::append writes the CSV header once, when the file is new") {
  const auto dir = test::fresh_dir("csv");
  const auto path = (dir / "rows.csv").string();
  for (int run = 0; run < 2; ++run) {
    auto sink = sf::make_sink<test::Row>(sf::file::append{.path = path}, sf::serialize::csv{});
    sink.write(test::Row{run, "n", 1, true, {}, {}, {}});
  }
  CHECK(test::slurp(path) ==
        "id,name,score,active,note,status,at\r\n"
        "0,n,1,true,,open,1970-01-01T00:00:00.000Z\r\n"
        "1,n,1,true,,open,1970-01-01T00:00:00.000Z\r\n");
}

TEST_CASE("file::append: an unwritable path fails at construction, naming the field") {
  CHECK_THROWS_WITH_AS(sf::make_sink<test::Order>(sf::file::append{.path = "/nonexistent-dir/x.ndjson"}),
                       doctest::Contains("file::append.path: cannot open '/nonexistent-dir/x.ndjson'"),
                       sf::config_error);
}

TEST_CASE("file::rotating rotates by size, by record count and by age, per partition key") {
  const auto dir = test::fresh_dir("rotating");
  sf::clock::manual clock{sf::wall_time{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + 9h}};
  auto mk = [](int i, std::string c) { return test::Order{"o" + std::to_string(i), std::move(c), 2.0, 0}; };
  const std::size_t line = sf::serialize::to_json_lenient(mk(10, "a")).size() + 1;
  {
    auto sink = sf::make_sink<test::Order>(
        sf::file::rotating{.directory = dir.string(), .name = "{key}-{date}-{seq}.ndjson", .max_bytes = line * 3,
                           .max_records = 100, .max_age = 1h},
        sf::partition::by<&test::Order::customer>, sf::batch::max_records{1}, clock);
    for (int i = 10; i < 17; ++i) sink.write(mk(i, "a"));  // 7 lines of one size, 3 per file
    sink.write(mk(20, "b/../x"));                            // unsafe characters in the key
    clock.advance(2h);
    sink.write(mk(21, "b/../x"));  // older than max_age: a new file
    sink.close();
  }
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"a-2026-11-23-000000.ndjson", "a-2026-11-23-000001.ndjson",
                                          "a-2026-11-23-000002.ndjson", "b_.._x-2026-11-23-000000.ndjson",
                                          "b_.._x-2026-11-23-000001.ndjson"});
  CHECK(test::slurp(dir / "a-2026-11-23-000000.ndjson").size() == line * 3);
  CHECK(test::slurp(dir / "a-2026-11-23-000002.ndjson") == sf::serialize::to_json_lenient(mk(16, "a")) + "\n");
}

TEST_CASE("file::rotating never overwrites an existing file") {
  const auto dir = test::fresh_dir("rotating-existing");
  {
    std::ofstream keep(dir / "all-000000.ndjson");
    keep << "precious\n";
  }
  {
    auto sink = sf::make_sink<test::Order>(sf::file::rotating{.directory = dir.string(), .name = "{key}-{seq}.ndjson"});
    sink.write(test::order(1));
  }
  CHECK(test::slurp(dir / "all-000000.ndjson") == "precious\n");
  CHECK(test::slurp(dir / "all-000001.ndjson") == sf::serialize::to_json_lenient(test::order(1)) + "\n");
}

TEST_CASE("file::rotating validates its configuration") {
  CHECK_THROWS_WITH_AS(sf::make_sink<test::Order>(sf::file::rotating{.directory = "/tmp", .name = "fixed.ndjson"}),
                       "sinkforge: invalid configuration: file::rotating.name: must contain {seq} so each new file "
                       "gets a new name",
                       sf::config_error);
}

TEST_CASE("file::rotating creates missing parent directories, and names a directory it cannot create") {
  const auto base = test::fresh_dir("rotating-parents");
  const auto nested = base / "x" / "y" / "z";
  {
    auto sink = sf::make_sink<test::Order>(
        sf::file::rotating{.directory = nested.string() + "/", .name = "{key}-{seq}.ndjson"});
    sink.write(test::order(1));
  }
  CHECK(test::slurp(nested / "all-000000.ndjson") == sf::serialize::to_json_lenient(test::order(1)) + "\n");
  {
    std::ofstream plain(base / "not-a-dir");
    plain << "x";
  }
  CHECK_THROWS_WITH_AS(sf::make_sink<test::Order>(sf::file::rotating{
                           .directory = (base / "not-a-dir" / "sub").string(), .name = "{key}-{seq}.ndjson"}),
                       ("sinkforge: invalid configuration: file::rotating.directory: cannot create '" +
                        (base / "not-a-dir" / "sub").string() + "': Not a directory")
                           .c_str(),
                       sf::config_error);
}
