// The two-phase commit of a byte file (transport/detail/file_transaction.hpp): prepared bytes stay
// invisible, commit makes them visible exactly once however often it runs and wherever a crash
// stops it, recovery commits what a stored state names and drops the rest.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <sinkforge/checkpoint/file_store.hpp>
#include <sinkforge/transport/detail/file_transaction.hpp>
#include <sinkforge/transport/file.hpp>

#include "transport/support.hpp"

namespace sf = sinkforge;
namespace fs = std::filesystem;
namespace fd = sinkforge::file::detail;

namespace file_txn_test {
inline std::string line(std::uint64_t id) {
  return "{\"id\":" + std::to_string(id) + ",\"pad\":\"" + std::string(40, 'p') + "\"}\n";
}

// The ids of the whole lines of `path`, in order; a torn or foreign line fails the test.
inline std::vector<std::uint64_t> ids_in(const fs::path& path) {
  std::vector<std::uint64_t> out;
  if (!fs::exists(path)) return out;
  const std::string text = test::slurp(path);
  std::size_t at = 0;
  while (at < text.size()) {
    const auto nl = text.find('\n', at);
    REQUIRE_MESSAGE(nl != std::string::npos, "a torn line at byte " << at);
    const std::string l = text.substr(at, nl + 1 - at);
    const auto id = std::stoull(l.substr(6));
    REQUIRE_MESSAGE(l == line(id), "a garbled line: " << l);
    out.push_back(id);
    at = nl + 1;
  }
  return out;
}

inline std::vector<std::uint64_t> staged(const std::string& target) {
  int e = 0;
  auto ks = fd::staging_files(target, e);
  REQUIRE(e == 0);
  return ks;
}
}  // namespace file_txn_test

using file_txn_test::ids_in;
using file_txn_test::line;

TEST_CASE("file two-phase commit: prepared bytes are invisible; commit shows them once, however often it runs") {
  const fs::path dir = test::fresh_dir("txn-basic");
  const std::string target = (dir / "out.ndjson").string();
  fd::staging_log log;
  REQUIRE(log.open(target) == 0);
  REQUIRE(log.append(line(1) + line(2)).ok());
  fd::file_committable first, second, empty;
  REQUIRE(log.prepare(1, first).ok());
  CHECK(first.first == 1);
  CHECK(first.target_start == 0);
  CHECK(first.length == 2 * line(1).size());
  CHECK(ids_in(target).empty());  // nothing visible before commit
  REQUIRE(log.append(line(3)).ok());
  REQUIRE(log.prepare(2, second).ok());
  CHECK(second.offset == first.length);  // checkpoints follow each other in one staging file
  CHECK(second.target_start == first.length);
  REQUIRE(log.prepare(3, empty).ok());  // nothing written since: nothing to append
  CHECK(empty.length == 0);
  CHECK(log.commit(first).ok());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2});
  CHECK(fd::commit(first).ok());  // again, from outside: success, nothing added
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2});
  CHECK(log.commit(second).ok());
  CHECK(log.commit(empty).ok());
  CHECK(fd::commit(second).ok());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2, 3});
  // Both commits are retained as one range until the file is synced.
  const auto kept = log.retained();
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].first == 1);
  CHECK(kept[0].last == 2);
  CHECK(kept[0].length == first.length + second.length);
  CHECK(file_txn_test::staged(target).size() == 1);
  CHECK(log.finish().ok());
  CHECK(log.retained().empty());
  CHECK(file_txn_test::staged(target).empty());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2, 3});
}

TEST_CASE("file two-phase commit: a commit cut short is finished exactly once; a gap is refused") {
  const fs::path dir = test::fresh_dir("txn-partial");
  const std::string target = (dir / "out.ndjson").string();
  fd::staging_log log;
  REQUIRE(log.open(target) == 0);
  REQUIRE(log.append(line(1)).ok());
  fd::file_committable c1, c2;
  REQUIRE(log.prepare(1, c1).ok());
  REQUIRE(log.commit(c1).ok());
  REQUIRE(log.append(line(2) + line(3) + line(4)).ok());
  REQUIRE(log.prepare(2, c2).ok());
  // What a crash inside the commit leaves: part of the bytes appended.
  {
    const std::string staged = test::slurp(c2.staging).substr(c2.offset, c2.length);
    std::ofstream(target, std::ios::binary | std::ios::app) << staged.substr(0, staged.size() / 2 + 3);
  }
  CHECK(fd::commit(c2).ok());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(fd::commit(c2).ok());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2, 3, 4});

  // A file cut below where a checkpoint begins: something else changed it; nothing is appended.
  fs::resize_file(target, c1.length - 5);
  const auto refused = fd::commit(c2);
  CHECK(refused.kind() == sf::failure_kind::fatal);
  CHECK(refused.reason().find("fewer than the") != std::string::npos);
  CHECK(fs::file_size(target) == c1.length - 5);

  // A staging file that is gone or too short is reported, never read past.
  fs::resize_file(target, c1.length);
  fd::file_committable lost = c2;
  lost.staging = target + ".99.staging";
  CHECK(fd::commit(lost).reason().find("cannot be opened") != std::string::npos);
  fd::file_committable longer = c2;
  longer.length += 1000;
  CHECK(fd::commit(longer).reason().find("shorter than the checkpoint") != std::string::npos);
  CHECK(fs::file_size(target) == c1.length);
}

TEST_CASE("file two-phase commit: recovery commits what the state names and drops the rest") {
  const fs::path dir = test::fresh_dir("txn-recover");
  const std::string target = (dir / "out.ndjson").string();
  std::vector<fd::file_committable> prepared(4);
  {
    fd::staging_log log;
    REQUIRE(log.open(target) == 0);
    for (std::uint64_t cp = 1; cp <= 3; ++cp) {
      REQUIRE(log.append(line(cp * 10) + line(cp * 10 + 1)).ok());
      REQUIRE(log.prepare(cp, prepared[cp]).ok());
    }
    REQUIRE(log.commit(prepared[1]).ok());
    REQUIRE(log.append(line(99)).ok());  // open when the writer stopped
  }
  // Other files in the folder whose names only look alike stay.
  for (const char* name : {"out.ndjson.notes.staging", "out.ndjson.01.staging", "out.ndjson.123456789012345678901.staging",
                           "other.ndjson.1.staging"})
    std::ofstream(dir / name) << "keep";
  CHECK(file_txn_test::staged(target) == std::vector<std::uint64_t>{1});
  // The stored state names checkpoints 1 (committed, not yet synced) and 2; 3 was prepared after.
  CHECK(fd::recover(target, {prepared[2], prepared[1]}).ok());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{10, 11, 20, 21});
  CHECK(file_txn_test::staged(target).empty());
  for (const char* name : {"out.ndjson.notes.staging", "out.ndjson.01.staging", "out.ndjson.123456789012345678901.staging",
                           "other.ndjson.1.staging"})
    CHECK(fs::exists(dir / name));
  CHECK(fd::recover(target, {prepared[2], prepared[1]}).ok());  // recovery repeated: no change
  CHECK(ids_in(target) == std::vector<std::uint64_t>{10, 11, 20, 21});
}

TEST_CASE("file two-phase commit: staging files roll; a full one goes once its checkpoints are in and synced") {
  const fs::path dir = test::fresh_dir("txn-roll");
  const std::string target = (dir / "out.ndjson").string();
  fd::staging_log log(3 * line(1).size());  // a staging file is full past three lines
  REQUIRE(log.open(target) == 0);
  std::vector<fd::file_committable> cs;
  for (std::uint64_t cp = 1; cp <= 6; ++cp) {
    REQUIRE(log.append(line(cp)).ok());
    cs.emplace_back();
    REQUIRE(log.prepare(cp, cs.back()).ok());
  }
  CHECK(cs[0].staging == cs[2].staging);
  CHECK(cs[3].staging != cs[2].staging);
  CHECK(cs[3].offset == 0);
  CHECK(file_txn_test::staged(target).size() == 2);
  for (std::size_t i = 0; i < 3; ++i) REQUIRE(log.commit(cs[i]).ok());
  CHECK(!fs::exists(cs[0].staging));  // full, all in, synced: removed
  CHECK(log.retained().empty());
  REQUIRE(log.commit(cs[3]).ok());
  REQUIRE(log.retained().size() == 1);
  CHECK(log.retained()[0].staging == cs[3].staging);
  // A staging-like name is refused as a target: another target's recovery would remove it.
  fd::staging_log other;
  CHECK(other.open((dir / "b.5.staging").string()) == EINVAL);
  CHECK(other.open((dir / "b.x.staging").string()) == 0);
}

TEST_CASE("file two-phase commit: a close() that did not return leaves nothing of its own checkpoint") {
  const fs::path dir = test::fresh_dir("txn-closing");
  const std::string target = (dir / "out.ndjson").string();
  fd::file_committable c1, last;
  {
    fd::staging_log log;
    REQUIRE(log.open(target) == 0);
    REQUIRE(log.append(line(1)).ok());
    REQUIRE(log.prepare(1, c1).ok());  // stored by the program
    REQUIRE(log.append(line(2) + line(3)).ok());
    REQUIRE(log.prepare(2, last).ok());  // close()'s own: no state names it
    REQUIRE(log.mark_closing(last).ok());
    CHECK(fs::exists(fd::closing_path(target)));
  }
  // The crash hit close()'s commit half way: checkpoint 1 in, then part of checkpoint 2.
  {
    const std::string staged = test::slurp(last.staging);
    std::ofstream(target, std::ios::binary | std::ios::app)
        << staged.substr(c1.offset, c1.length) << staged.substr(last.offset, last.length / 2);
  }
  CHECK(fd::recover(target, {c1}).ok());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1});
  CHECK(!fs::exists(fd::closing_path(target)));
  CHECK(file_txn_test::staged(target).empty());
  // Something else under the marker's name is not guessed at.
  std::ofstream(fd::closing_path(target)) << "not ours";
  CHECK(fd::recover(target, {}).kind() == sf::failure_kind::fatal);
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1});
}

namespace file_txn_test {
// One writer life, as the sink drives the log: after each prepare it stores the writer state (the
// retained range and the prepared checkpoint) in a checkpoint store, then commits. Killed at a
// random moment by the parent. A small staging size makes the files roll during the run.
[[noreturn]] inline void writer(const std::string& target, const std::string& store_path, std::uint64_t first, int per) {
  sf::checkpoint::file_store store(store_path);
  fd::staging_log log(4096);
  if (log.open(target) != 0) ::_exit(3);
  for (std::uint64_t cp = first;; ++cp) {
    std::string batch;
    for (int i = 0; i < per; ++i) batch += line(cp * 1000 + static_cast<std::uint64_t>(i));
    if (!log.append(batch).ok()) ::_exit(4);
    fd::file_committable c;
    if (!log.prepare(cp, c).ok()) ::_exit(5);
    sf::checkpoint::writer_state st{.sink = "t", .checkpoint_id = cp};
    for (const auto& k : log.retained()) st.committables.push_back(sf::file::append::encode_committable(k));
    st.committables.push_back(sf::file::append::encode_committable(c));
    store.save({cp, "", {sf::checkpoint::encode(st)}});
    if (!log.commit(c).ok()) ::_exit(7);
  }
}

inline std::vector<fd::file_committable> stored_state(const std::string& store_path, std::uint64_t& id) {
  std::vector<fd::file_committable> out;
  const auto loaded = sf::checkpoint::file_store(store_path).load();
  id = loaded ? loaded->id : 0;
  if (loaded)
    for (const auto& k : sf::checkpoint::decode(loaded->writer_states.at(0)).committables)
      out.push_back(sf::file::append::decode_committable(k));
  return out;
}
}  // namespace file_txn_test

TEST_CASE("file two-phase commit: SIGKILL anywhere (writing, preparing, committing, recovering) loses and repeats nothing") {
  const fs::path dir = test::fresh_dir("txn-sigkill");
  const std::string target = (dir / "out.ndjson").string();
  const std::string store_path = (dir / "checkpoint").string();
  std::mt19937 rng(20261130);
  constexpr int per = 7;
  std::uint64_t stored = 0;
  int recovery_kills = 0;
  for (int round = 0, rounds = test::crash_kills(40); test::crash_round(round, rounds, stored >= 20); ++round) {
    const pid_t w = ::fork();
    REQUIRE(w >= 0);
    if (w == 0) file_txn_test::writer(target, store_path, stored + 1, per);
    ::usleep(test::crash_delay_us(rng, 200, 8000, round, rounds));
    ::kill(w, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(w, &status, 0) == w);
    const auto state = file_txn_test::stored_state(store_path, stored);
    if (round % 3 == 2) {  // a recovery killed part way (or finished before the kill), then run again
      const pid_t r = ::fork();
      REQUIRE(r >= 0);
      if (r == 0) ::_exit(fd::recover(target, state).ok() ? 0 : 8);
      ::usleep(static_cast<unsigned>(rng() % 400));
      ::kill(r, SIGKILL);
      ::waitpid(r, &status, 0);
      recovery_kills += WIFSIGNALED(status);
    }
    REQUIRE(fd::recover(target, state).ok());
    // Exactly the records of checkpoints 1..stored, each once, in order.
    std::vector<std::uint64_t> expected;
    for (std::uint64_t c = 1; c <= stored; ++c)
      for (int i = 0; i < per; ++i) expected.push_back(c * 1000 + static_cast<std::uint64_t>(i));
    const auto present = ids_in(target);
    REQUIRE_MESSAGE(present == expected, "round " << round << ": " << present.size() << " records, expected "
                                                  << expected.size());
    CHECK(file_txn_test::staged(target).empty());
  }
  CHECK(stored >= 20);  // the writers got somewhere (a kill may land before a first checkpoint)
  MESSAGE("checkpoints stored: " << stored << ", recoveries killed: " << recovery_kills);
}
