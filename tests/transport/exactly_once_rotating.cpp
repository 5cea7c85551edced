// deliver::exactly_once on file::rotating: one file per key, rolled at checkpoint boundaries only;
// a file appears with its first committed checkpoint; a writer killed anywhere ends, after a
// restart from its store, with every record in exactly one file, once.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <algorithm>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <sinkforge/checkpoint/file_store.hpp>
#include <sinkforge/sinkforge.hpp>

#include "transport/checkpoint_driver.hpp"
#include "transport/support.hpp"

namespace sf = sinkforge;
namespace fs = std::filesystem;

namespace eo_rotating_test {
struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event, (std::int64_t, id), (std::string, shard), (std::string, pad));
};
inline Event event(std::int64_t id) { return Event{id, id % 3 == 0 ? "a" : "b", std::string(30, 'p')}; }

inline auto rotating_sink(const fs::path& dir, sf::checkpoint::restored_state restore) {
  return sf::make_sink<Event>(
      sf::file::rotating{.directory = dir.string(), .name = "{key}-{seq}.ndjson", .max_bytes = 2000},
      sf::partition::by<&Event::shard>, sf::deliver::exactly_once, sf::batch::max_records{7}, std::move(restore));
}

// Every output file's ids by file, and all ids in order; a torn line fails the test.
inline std::map<std::string, std::vector<std::int64_t>> files_of(const fs::path& dir) {
  std::map<std::string, std::vector<std::int64_t>> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!name.ends_with(".ndjson")) continue;
    const std::string text = test::slurp(e.path());
    auto& ids = out[name];
    for (std::size_t at = 0; at < text.size();) {
      const auto nl = text.find('\n', at);
      REQUIRE_MESSAGE(nl != std::string::npos, name << ": a torn line at byte " << at);
      ids.push_back(std::stoll(text.substr(at + 6)));
      at = nl + 1;
    }
  }
  return out;
}
inline std::vector<std::int64_t> all_ids(const fs::path& dir) {
  std::vector<std::int64_t> all;
  for (const auto& [name, ids] : files_of(dir)) all.insert(all.end(), ids.begin(), ids.end());
  std::sort(all.begin(), all.end());
  return all;
}
inline std::vector<std::int64_t> upto(std::int64_t end) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = 0; i < end; ++i) v.push_back(i);
  return v;
}
inline std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (!e.path().filename().string().ends_with(".ndjson") && !e.path().filename().string().starts_with("checkpoint"))
      out.push_back(e.path().filename().string());
  return out;
}
}  // namespace eo_rotating_test

TEST_CASE("exactly_once file::rotating: files appear with their first checkpoint and roll only between checkpoints") {
  const fs::path dir = test::fresh_dir("eo-rotating");
  auto sink = eo_rotating_test::rotating_sink(dir, sf::restore(std::nullopt));
  std::int64_t next = 0;
  for (; next < 60; ++next) sink.write(eo_rotating_test::event(next));
  CHECK(eo_rotating_test::files_of(dir).empty());  // batches sent, no file yet
  sink.prepare_checkpoint(1);
  CHECK(eo_rotating_test::files_of(dir).empty());  // prepared: still none
  sink.commit_checkpoint(1);
  CHECK(eo_rotating_test::all_ids(dir) == eo_rotating_test::upto(60));
  // Checkpoints of 30 records (about 2 KB a key): each file takes whole checkpoints only.
  std::map<std::int64_t, std::uint64_t> checkpoint_of;
  for (std::int64_t i = 0; i < 60; ++i) checkpoint_of[i] = 1;
  for (std::uint64_t cp = 2; cp <= 12; ++cp) {
    for (const std::int64_t end = next + 30; next < end; ++next) {
      sink.write(eo_rotating_test::event(next));
      checkpoint_of[next] = cp;
    }
    sink.prepare_checkpoint(cp);
    sink.commit_checkpoint(cp);
  }
  sink.close();
  const auto files = eo_rotating_test::files_of(dir);
  CHECK(files.size() > 4);  // rolled
  CHECK(eo_rotating_test::all_ids(dir) == eo_rotating_test::upto(next));
  std::map<std::uint64_t, std::set<std::string>> files_of_checkpoint_and_key;
  for (const auto& [name, ids] : files) {
    CHECK(fs::file_size(dir / name) < 2000 + 30 * 60);  // past max_bytes by one checkpoint at most
    for (const std::int64_t id : ids) files_of_checkpoint_and_key[checkpoint_of[id] * 2 + (id % 3 == 0)].insert(name);
  }
  for (const auto& entry : files_of_checkpoint_and_key)
    CHECK_MESSAGE(entry.second.size() == 1, "checkpoint " << entry.first / 2 << " of one key went to "
                                                          << entry.second.size() << " files");
  CHECK(eo_rotating_test::leftovers(dir).empty());
}

namespace eo_rotating_test {
inline std::int64_t stored_position(const fs::path& store_path) {
  const auto loaded = sf::checkpoint::file_store(store_path).load();
  return loaded ? std::stoll(loaded->source_position) : 0;
}

inline void drive(const fs::path& dir, std::int64_t records) {
  sf::checkpoint::file_store store(dir / "checkpoint");
  auto sink = rotating_sink(dir, sf::restore(store.load()));
  test::drive_checkpoints(sink, store, records, 20, [&](std::int64_t i) { sink.write(event(i)); });
}
}  // namespace eo_rotating_test

TEST_CASE("exactly_once file::rotating: SIGKILL anywhere, restart from the store, every record in one file once") {
  const fs::path dir = test::fresh_dir("eo-rotating-sigkill");
  std::mt19937 rng(20261202);
  const int kills = test::crash_kills(50);
  int killed = 0;
  int round = 0;
  for (; test::crash_round(round, kills, eo_rotating_test::stored_position(dir / "checkpoint") > 200); ++round) {
    killed += test::kill_life_after(test::crash_delay_us(rng, 300, 20000, round, kills),
                                    [&] { eo_rotating_test::drive(dir, 1'000'000); });
    { auto recovered = eo_rotating_test::rotating_sink(dir, sf::restore(sf::checkpoint::file_store(dir / "checkpoint").load())); }
    REQUIRE_MESSAGE(eo_rotating_test::all_ids(dir) == eo_rotating_test::upto(eo_rotating_test::stored_position(dir / "checkpoint")), "after kill " << round);
    CHECK(eo_rotating_test::leftovers(dir).empty());
  }
  const std::int64_t reached = eo_rotating_test::stored_position(dir / "checkpoint");
  eo_rotating_test::drive(dir, reached + 100);
  CHECK(eo_rotating_test::all_ids(dir) == eo_rotating_test::upto(reached + 100));
  CHECK(killed == round);
  CHECK(reached > 200);
  MESSAGE("kills: " << killed << ", records stored before the last life: " << reached << ", files: " << eo_rotating_test::files_of(dir).size());
}
