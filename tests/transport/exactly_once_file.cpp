// deliver::exactly_once on file::append, driven through the sink: records become visible only
// through a committed checkpoint, a restart restores from the stored checkpoint, and a driver
// killed anywhere (writing, preparing, between prepare and commit, committing, recovering) ends with
// every record in the file exactly once.
#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sinkforge/batch/max_records.hpp>
#include <sinkforge/checkpoint/file_store.hpp>
#include <sinkforge/deliver/guarantee.hpp>
#include <sinkforge/retry/fixed.hpp>
#include <sinkforge/retry/none.hpp>
#include <sinkforge/serialize/csv.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/file.hpp>

#include "transport/support.hpp"

namespace sf = sinkforge;
namespace fs = std::filesystem;

namespace eo_test {
struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event, (std::int64_t, id), (std::string, pad));
};
inline Event event(std::int64_t id) { return Event{id, std::string(30, 'p')}; }

// The ids of the whole lines of an ndjson file, in order; a torn line fails the test.
inline std::vector<std::int64_t> lines_of(const fs::path& path) {
  std::vector<std::int64_t> out;
  if (!fs::exists(path)) return out;
  const std::string text = test::slurp(path);
  std::size_t at = 0;
  while (at < text.size()) {
    const auto nl = text.find('\n', at);
    REQUIRE_MESSAGE(nl != std::string::npos, "a torn line at byte " << at);
    REQUIRE(text.compare(at, 6, "{\"id\":") == 0);
    out.push_back(std::stoll(text.substr(at + 6)));
    at = nl + 1;
  }
  return out;
}

inline std::vector<std::int64_t> range(std::int64_t first, std::int64_t end) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = first; i < end; ++i) v.push_back(i);
  return v;
}

// Staging files left in `dir` (anything but the target and the checkpoint store).
inline std::vector<std::string> staging_files(const fs::path& dir, const fs::path& target) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path() != target && name.rfind("checkpoint", 0) != 0) out.push_back(name);
  }
  return out;
}

inline auto eo_sink(const fs::path& target, sf::checkpoint::restored_state restore) {
  return sf::make_sink<Event>(sf::file::append{.path = target.string()}, sf::deliver::exactly_once,
                              sf::batch::max_records{7}, std::move(restore));
}
}  // namespace eo_test

using eo_test::Event;
using eo_test::eo_sink;
using eo_test::event;
using eo_test::lines_of;
using eo_test::range;
using eo_test::staging_files;


TEST_CASE("exactly_once file::append: records show only through a committed checkpoint") {
  const fs::path dir = test::fresh_dir("eo-basic");
  const fs::path target = dir / "out.ndjson";
  auto sink = eo_sink(target, sf::restore(std::nullopt));
  for (std::int64_t i = 0; i < 20; ++i) sink.write(event(i));
  CHECK(lines_of(target).empty());  // batches were sent (max_records 7), yet nothing is visible

  const sf::writer_state st = sink.prepare_checkpoint(5);
  CHECK(st.checkpoint_id == 5);
  CHECK(st.sink == "file:" + target.string());
  REQUIRE(st.committables.size() == 1);
  const auto prepared = sf::file::append::decode_committable(st.committables[0]);
  CHECK(prepared.target == target.string());
  CHECK(prepared.first == 5);
  CHECK(prepared.target_start == 0);
  CHECK(prepared.length == fs::file_size(prepared.staging));
  CHECK(st.pending.empty());
  CHECK(lines_of(target).empty());  // prepared: durable, still invisible

  sink.commit_checkpoint(5);
  CHECK(lines_of(target) == range(0, 20));
  sink.commit_checkpoint(5);  // again: idempotent
  CHECK(lines_of(target) == range(0, 20));

  CHECK_THROWS_WITH_AS(sink.prepare_checkpoint(5), doctest::Contains("checkpoint ids must increase"),
                       std::invalid_argument);
  const sf::writer_state empty = sink.prepare_checkpoint(6);  // nothing written since: nothing staged
  REQUIRE(empty.committables.size() == 2);  // checkpoint 5, committed and not yet synced, and 6
  CHECK(sf::file::append::decode_committable(empty.committables[0]).first == 5);
  CHECK(sf::file::append::decode_committable(empty.committables[1]).length == 0);
  sink.commit_checkpoint(6);

  for (std::int64_t i = 20; i < 30; ++i) sink.write(event(i));
  sink.close();  // a final checkpoint of its own
  CHECK(lines_of(target) == range(0, 30));
  CHECK(staging_files(dir, target).empty());
  CHECK_THROWS_AS(sink.write(event(99)), std::logic_error);
}

TEST_CASE("exactly_once file::append: a sink destroyed without close() drops what is open, keeps what is prepared") {
  const fs::path dir = test::fresh_dir("eo-unwind");
  const fs::path target = dir / "out.ndjson";
  sf::writer_state stored;
  try {
    auto sink = eo_sink(target, sf::restore(std::nullopt));
    for (std::int64_t i = 0; i < 10; ++i) sink.write(event(i));
    stored = sink.prepare_checkpoint(1);  // prepared, never committed
    for (std::int64_t i = 10; i < 20; ++i) sink.write(event(i));
    throw std::runtime_error("the program fails before it commits");
  } catch (const std::runtime_error&) {
  }
  CHECK(lines_of(target).empty());
  // The open transaction was dropped; the prepared checkpoint waits in its staging file.
  const auto prepared = sf::file::append::decode_committable(stored.committables.back());
  CHECK(fs::file_size(prepared.staging) == prepared.offset + prepared.length);

  SUBCASE("no sf::restore: the sink refuses to start rather than guess") {
    CHECK_THROWS_WITH_AS(sf::make_sink<Event>(sf::file::append{.path = target.string()}, sf::deliver::exactly_once),
                         doctest::Contains("found staged transaction(s) 1"), sf::config_error);
    CHECK(fs::exists(prepared.staging));
  }
  SUBCASE("restored from the stored state: the prepared checkpoint commits") {
    auto again = eo_sink(target, sf::restore(stored));
    CHECK(lines_of(target) == range(0, 10));
    CHECK_THROWS_WITH_AS(again.prepare_checkpoint(1), doctest::Contains("must increase"), std::invalid_argument);
    again.write(event(10));
    again.close();
    CHECK(lines_of(target) == range(0, 11));
  }
  SUBCASE("nothing was stored: sf::restore(std::nullopt) aborts it") {
    auto again = eo_sink(target, sf::restore(std::nullopt));
    CHECK(lines_of(target).empty());
    CHECK(staging_files(dir, target).empty());
  }
  SUBCASE("a stored checkpoint holding only another sink's state aborts it too") {
    sf::writer_state other = stored;
    other.sink = "file:" + (dir / "other.ndjson").string();
    auto again = eo_sink(target, sf::restore(sf::checkpoint::stored_checkpoint{1, "", {sf::checkpoint::encode(other)}}));
    CHECK(lines_of(target).empty());
    CHECK(staging_files(dir, target).empty());
  }
  SUBCASE("a state naming another file under this sink's name is refused") {
    sf::writer_state forged = stored;
    auto elsewhere = prepared;
    elsewhere.target = (dir / "other.ndjson").string();
    forged.committables = {sf::file::append::encode_committable(elsewhere)};
    CHECK_THROWS_WITH_AS(eo_sink(target, sf::restore(forged)), doctest::Contains("this sink writes"),
                         sf::checkpoint::checkpoint_error);
  }
  SUBCASE("a damaged state is a format_error naming the field, and nothing is touched") {
    auto blob = sf::checkpoint::encode(stored);
    blob[blob.size() / 2] ^= 0x20;
    CHECK_THROWS_AS(eo_sink(target, sf::restore(sf::checkpoint::stored_checkpoint{1, "", {blob}})),
                    sf::checkpoint::format_error);
    CHECK(fs::exists(prepared.staging));
  }
}

TEST_CASE("exactly_once file::append with CSV: the header is the target's first bytes, once") {
  struct Row {
    BOOST_HANA_DEFINE_STRUCT(Row, (int, a), (int, b));
  };
  const fs::path dir = test::fresh_dir("eo-csv");
  const fs::path target = dir / "out.csv";
  for (int life = 0; life < 3; ++life) {
    auto sink = sf::make_sink<Row>(sf::file::append{.path = target.string()}, sf::serialize::csv{},
                                   sf::deliver::exactly_once, sf::restore(std::nullopt));
    sink.write(Row{life, 1});
    sink.prepare_checkpoint(1);
    sink.write(Row{life, 2});
    sink.prepare_checkpoint(2);  // two prepared, the header in the first only
    sink.commit_checkpoint(2);
    sink.close();
  }
  CHECK(test::slurp(target) == "a,b\r\n0,1\r\n0,2\r\n1,1\r\n1,2\r\n2,1\r\n2,2\r\n");
}

TEST_CASE("exactly_once file::append: a batch the disk refuses aborts the transaction; nothing half is visible") {
  const test::small_disk disk("eo-enospc", "256k");
  const fs::path& dir = disk.dir();
  const fs::path target = dir / "out.ndjson";
  std::int64_t next = 0;
  {
    auto sink = sf::make_sink<Event>(sf::file::append{.path = target.string()}, sf::deliver::exactly_once,
                                     sf::batch::max_records{50}, sf::retry::none{}, sf::restore(std::nullopt),
                                     sf::on_error([](const sf::delivery_error&) {}));
    for (; next < 500; ++next) sink.write(event(next));
    sink.prepare_checkpoint(1);
    sink.commit_checkpoint(1);
    CHECK(lines_of(target) == range(0, 500));
    // The next transaction cannot fit (the target takes room too): the failing write reports its
    // batch, and the sink refuses everything after.
    bool reported = false;
    try {
      for (; next < 100000; ++next) sink.write(event(next));
    } catch (const sf::delivery_error& e) {
      reported = true;
      CHECK(e.records().size() == 50);
    }
    REQUIRE(reported);
    CHECK_THROWS_WITH_AS(sink.write(event(next)), doctest::Contains("lost a batch"), std::logic_error);
    CHECK_THROWS_WITH_AS(sink.prepare_checkpoint(2), doctest::Contains("sf::restore(the last stored checkpoint)"),
                         std::logic_error);
  }  // destroyed: nothing more is visible
  CHECK(lines_of(target) == range(0, 500));
  // The staging file keeps checkpoint 1 (committed, not yet synced) and nothing of the aborted one.
  const auto left = staging_files(dir, target);
  REQUIRE(left.size() == 1);
  CHECK(fs::file_size(dir / left[0]) == fs::file_size(target));
  // Space again: a new sink restored from checkpoint 1 replays from record 500 and lands each once.
  {
    auto sink = sf::make_sink<Event>(sf::file::append{.path = target.string()}, sf::deliver::exactly_once,
                                     sf::batch::max_records{50}, sf::restore(std::nullopt));
    for (std::int64_t i = 500; i < 1500; ++i) sink.write(event(i));
    sink.prepare_checkpoint(2);
    sink.commit_checkpoint(2);
  }
  CHECK(lines_of(target) == range(0, 1500));
}

namespace eo_test {
constexpr std::int64_t crash_records = 1'000'000;  // more than any life reaches before its kill
constexpr std::int64_t per_checkpoint = 25;

// One driver life: loads the stored checkpoint, restores the sink from it, resumes at its source
// position, and stores a checkpoint every `per_checkpoint` records (prepare, save, commit).
// `records` bounds the run; a life that reaches it closes the sink and returns.
inline void drive(const fs::path& target, const fs::path& store_path, std::int64_t records) {
  sf::checkpoint::file_store store(store_path);
  const auto loaded = store.load();
  std::int64_t position = loaded ? std::stoll(loaded->source_position) : 0;
  std::uint64_t id = loaded ? loaded->id : 0;
  auto sink = eo_sink(target, sf::restore(loaded));
  while (position < records) {
    const std::int64_t end = std::min(records, position + per_checkpoint);
    for (; position < end; ++position) sink.write(event(position));
    const sf::writer_state st = sink.prepare_checkpoint(++id);
    store.save({id, std::to_string(position), {sf::checkpoint::encode(st)}});
    sink.commit_checkpoint(id);
  }
  sink.close();
}

// The position the store holds (what a restart resumes from).
inline std::int64_t stored_position(const fs::path& store_path) {
  const auto loaded = sf::checkpoint::file_store(store_path).load();
  return loaded ? std::stoll(loaded->source_position) : 0;
}
}  // namespace eo_test

using eo_test::crash_records;
using eo_test::drive;
using eo_test::per_checkpoint;
using eo_test::stored_position;

TEST_CASE("exactly_once file::append: SIGKILL anywhere, restart from the store, every record exactly once") {
  const fs::path dir = test::fresh_dir("eo-sigkill");
  const fs::path target = dir / "out.ndjson";
  const fs::path store_path = dir / "checkpoint";
  std::mt19937 rng(20261130);
  const int kills = test::crash_kills(50);
  int killed = 0;
  int round = 0;
  for (; test::crash_round(round, kills, stored_position(store_path) > 10 * per_checkpoint); ++round) {
    killed += test::kill_life_after(test::crash_delay_us(rng, 300, 20000, round, kills),
                                    [&] { drive(target, store_path, crash_records); });
    // What a restart sees: recovery alone (a sink restored and dropped), then exactly the records
    // up to the stored position.
    { auto recovered = eo_sink(target, sf::restore(sf::checkpoint::file_store(store_path).load())); }
    REQUIRE_MESSAGE(lines_of(target) == range(0, stored_position(store_path)), "after kill " << round);
  }
  const std::int64_t reached = stored_position(store_path);
  drive(target, store_path, reached + 100);  // a last life runs to its end
  CHECK(lines_of(target) == range(0, reached + 100));
  CHECK(staging_files(dir, target).empty());
  CHECK(killed == round);
  CHECK(reached > 10 * per_checkpoint);  // the lives got somewhere
  MESSAGE("kills: " << killed << ", records stored before the last life: " << reached);
}

namespace eo_test {
// One life that ends with close(): a stored checkpoint every 25 records up to `close_at`, then 40
// more records that only close()'s own checkpoint holds.
inline void drive_to_close(const fs::path& target, const fs::path& store_path, std::int64_t close_at) {
  sf::checkpoint::file_store store(store_path);
  auto sink = eo_sink(target, sf::restore(store.load()));
  std::int64_t position = sink.resume_point() ? std::stoll(sink.resume_point()->source_position) : 0;
  std::uint64_t id = sink.resume_point() ? sink.resume_point()->id : 0;
  while (position < close_at) {
    for (const std::int64_t end = position + per_checkpoint; position < end; ++position) sink.write(event(position));
    const sf::writer_state st = sink.prepare_checkpoint(++id, std::to_string(position));
    store.save({id, std::to_string(position), {sf::checkpoint::encode(st)}});
    sink.commit_checkpoint(id);
  }
  for (const std::int64_t end = position + 40; position < end; ++position) sink.write(event(position));
  sink.close();
}
}  // namespace eo_test

TEST_CASE("exactly_once file::append: SIGKILL inside close(): its own checkpoint is there whole or not at all") {
  const fs::path dir = test::fresh_dir("eo-close-kill");
  const fs::path target = dir / "out.ndjson";
  const fs::path store_path = dir / "checkpoint";
  std::mt19937 rng(20261201);
  int killed = 0, closed = 0;
  for (int round = 0, rounds = test::crash_kills(20); round < rounds; ++round) {
    const std::int64_t before = stored_position(store_path);
    const std::int64_t close_at = before + 50;
    int returned[2];
    REQUIRE(::pipe(returned) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(returned[0]);
      eo_test::drive_to_close(target, store_path, close_at);
      const char done = 1;  // close() returned: a program would now store where its input ended
      if (::write(returned[1], &done, 1) != 1) ::_exit(3);
      ::_exit(0);
    }
    ::close(returned[1]);
    ::usleep(static_cast<unsigned>(rng() % 12000));
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    char done = 0;
    const bool close_returned = ::read(returned[0], &done, 1) == 1;
    ::close(returned[0]);
    // A restart's view: its own checkpoint is all there (close() got to its end, returned or not)
    // or not at all; never a part of it.
    { auto recovered = eo_sink(target, sf::restore(sf::checkpoint::file_store(store_path).load())); }
    const auto present = lines_of(target);
    const std::int64_t stored_now = stored_position(store_path);
    const bool whole = present == range(0, close_at + 40);
    REQUIRE_MESSAGE((whole || present == range(0, stored_now)),
                    "after round " << round << " (" << (close_returned ? "closed" : "killed") << "): " << present.size()
                                   << " records; stored position " << stored_now);
    if (close_returned) REQUIRE(whole);
    if (whole) {
      ++closed;  // the program stores where its input ended
      sf::checkpoint::file_store store(store_path);
      const auto last = store.load();
      store.save({last->id + 100, std::to_string(close_at + 40), {}});
    } else {
      ++killed;
    }
    CHECK(!fs::exists(target.string() + ".closing"));
  }
  MESSAGE("lives killed: " << killed << ", closed: " << closed);
  CHECK(killed > 0);
}
