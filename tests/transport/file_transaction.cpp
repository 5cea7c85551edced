// The two-phase commit of a byte file (transport/detail/file_transaction.hpp): prepared bytes stay
// invisible, commit makes them visible exactly once however often it runs and wherever a crash
// stops it, recovery commits what a stored state names and drops the rest.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <sinkforge/transport/detail/file_transaction.hpp>

#include "transport/support.hpp"

namespace sf = sinkforge;
namespace fs = std::filesystem;
namespace fd = sinkforge::file::detail;

namespace {
std::string line(std::uint64_t id) { return "{\"id\":" + std::to_string(id) + ",\"pad\":\"" + std::string(40, 'p') + "\"}\n"; }

// The ids of the whole lines of `path`, in order; a torn or foreign line fails the test.
std::vector<std::uint64_t> ids_in(const fs::path& path) {
  std::vector<std::uint64_t> out;
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
}  // namespace

TEST_CASE("file two-phase commit: prepared bytes are invisible; commit shows them once, however often it runs") {
  const fs::path dir = test::fresh_dir("txn-basic");
  const std::string target = (dir / "out.ndjson").string();
  fd::staged_file staged;
  REQUIRE(staged.open(target) == 0);
  REQUIRE(staged.append(line(1) + line(2)).ok());
  fd::file_committable first, second;
  REQUIRE(staged.prepare(1, first).ok());
  CHECK(first == fd::file_committable{target, 1});
  CHECK(!fs::exists(target));  // nothing visible before commit
  CHECK(fs::exists(first.pending_path()));
  REQUIRE(staged.append(line(3)).ok());
  REQUIRE(staged.prepare(2, second).ok());
  CHECK(fd::commit(first).ok());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2});
  CHECK(fd::commit(first).ok());  // again: success, nothing added
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2});
  CHECK(fd::commit(second).ok());
  CHECK(fd::commit(second).ok());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(fd::abort(fd::file_committable{target, 7}).ok());  // unknown: nothing to drop
  CHECK(fd::staged_checkpoints(target).empty());
  staged.abort_open();
  CHECK(!fs::exists(fd::in_progress_path(target)));
}

TEST_CASE("file two-phase commit: a commit interrupted after part of its bytes is finished exactly once") {
  const fs::path dir = test::fresh_dir("txn-partial");
  const std::string target = (dir / "out.ndjson").string();
  fd::staged_file staged;
  REQUIRE(staged.open(target) == 0);
  REQUIRE(staged.append(line(1)).ok());
  fd::file_committable c1, c2;
  REQUIRE(staged.prepare(1, c1).ok());
  REQUIRE(fd::commit(c1).ok());
  REQUIRE(staged.append(line(2) + line(3) + line(4)).ok());
  REQUIRE(staged.prepare(2, c2).ok());
  // What a crash inside commit leaves: the marker with the target's length, part of the bytes appended.
  const auto before = fs::file_size(target);
  REQUIRE(fd::write_marker(c2.marker_path(), before) == 0);
  {
    const std::string pending = test::slurp(c2.pending_path());
    std::ofstream(target, std::ios::binary | std::ios::app) << pending.substr(0, pending.size() / 2 + 3);
  }
  CHECK(fd::abort(c2).kind() == sf::failure_kind::fatal);  // the checkpoint is decided
  CHECK(fd::staged_checkpoints(target) == std::vector<std::uint64_t>{2});
  CHECK(fd::commit(c2).ok());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(!fs::exists(c2.marker_path()));
  CHECK(!fs::exists(c2.pending_path()));

  // A marker left after the pending file was removed: the bytes are in; only the cleanup remains.
  REQUIRE(fd::write_marker(c2.marker_path(), before) == 0);
  CHECK(fd::commit(c2).ok());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(!fs::exists(c2.marker_path()));

  // A file in the marker's place that this library did not write is not guessed at.
  std::ofstream(fd::file_committable{target, 9}.marker_path()) << "something else";
  std::ofstream(fd::file_committable{target, 9}.pending_path()) << line(99);
  CHECK(fd::commit(fd::file_committable{target, 9}).kind() == sf::failure_kind::fatal);
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1, 2, 3, 4});
}

TEST_CASE("file two-phase commit: recovery commits what the state names and drops the rest") {
  const fs::path dir = test::fresh_dir("txn-recover");
  const std::string target = (dir / "out.ndjson").string();
  {
    fd::staged_file staged;
    REQUIRE(staged.open(target) == 0);
    fd::file_committable c;
    for (std::uint64_t cp = 1; cp <= 3; ++cp) {
      REQUIRE(staged.append(line(cp * 10) + line(cp * 10 + 1)).ok());
      REQUIRE(staged.prepare(cp, c).ok());
    }
    REQUIRE(staged.append(line(99)).ok());  // in progress when the writer stopped
  }
  // Another file in the folder whose name only looks alike stays.
  std::ofstream(dir / "out.ndjson.notes.pending") << "keep";
  // A commit marker's temporary file, left by a crash before its rename, goes.
  std::ofstream(fd::file_committable{target, 2}.marker_path() + ".tmp") << "sinkforge-commit 1 0";
  CHECK(fd::staged_checkpoints(target) == std::vector<std::uint64_t>{1, 2, 3});
  // The stored state names checkpoints 1 and 2; 3 was prepared after it was stored.
  CHECK(fd::recover(target, {{target, 2}, {target, 1}}).ok());
  CHECK(ids_in(target) == std::vector<std::uint64_t>{10, 11, 20, 21});
  CHECK(fd::staged_checkpoints(target).empty());
  CHECK(!fs::exists(fd::in_progress_path(target)));
  CHECK(fs::exists(dir / "out.ndjson.notes.pending"));
  CHECK(!fs::exists(fd::file_committable{target, 2}.marker_path() + ".tmp"));
  CHECK(fd::recover(target, {{target, 2}, {target, 1}}).ok());  // recovery repeated: no change
  CHECK(ids_in(target) == std::vector<std::uint64_t>{10, 11, 20, 21});
}

TEST_CASE("file two-phase commit: names the protocol owns, a cleanup left undone, a checkpoint prepared twice") {
  const fs::path dir = test::fresh_dir("txn-names");
  const std::string target = (dir / "out.ndjson").string();
  fd::staged_file staged;
  // A target named like a staging file would have its data removed by another target's recovery.
  for (const char* name : {"b.inprogress", "b.5.pending", "b.12.committing", "b.3.committing.tmp"})
    CHECK(staged.open((dir / name).string()) == EINVAL);
  CHECK(staged.open((dir / "b.x.pending").string()) == 0);  // not a number: an ordinary name
  staged.abort_open();

  REQUIRE(staged.open(target) == 0);
  REQUIRE(staged.append(line(1)).ok());
  fd::file_committable c1, again;
  REQUIRE(staged.prepare(1, c1).ok());
  REQUIRE(staged.append(line(2)).ok());
  // Preparing the same checkpoint again must not replace the pending file it already has.
  CHECK(!staged.prepare(1, again).ok());
  CHECK(ids_in(c1.pending_path()) == std::vector<std::uint64_t>{1});

  // A commit that stopped after removing its pending file, before its marker: a later state no
  // longer names the checkpoint, and recovery finishes the cleanup instead of refusing.
  REQUIRE(fd::commit(c1).ok());
  REQUIRE(fd::write_marker(c1.marker_path(), 0) == 0);
  CHECK(fd::recover(target, {}).ok());
  CHECK(!fs::exists(c1.marker_path()));
  CHECK(ids_in(target) == std::vector<std::uint64_t>{1});

  // Names that only look like staging files are left alone: a leading zero, too many digits.
  std::ofstream(dir / "out.ndjson.01.pending") << "keep";
  std::ofstream(dir / "out.ndjson.123456789012345678901.pending") << "keep";
  CHECK(fd::staged_checkpoints(target).empty());
  CHECK(fd::recover(target, {}).ok());
  CHECK(fs::exists(dir / "out.ndjson.01.pending"));
  CHECK(fs::exists(dir / "out.ndjson.123456789012345678901.pending"));
}

namespace {
// One writer life: checkpoints from `first` on, each of `per` records; after each prepare it
// "stores" the checkpoint (reports it through `pipe_fd`, as a checkpoint store would hold it), then
// commits. Killed at a random moment by the parent.
[[noreturn]] void writer(const std::string& target, std::uint64_t first, int per, int pipe_fd) {
  fd::staged_file staged;
  if (staged.open(target) != 0) ::_exit(3);
  for (std::uint64_t cp = first;; ++cp) {
    std::string batch;
    for (int i = 0; i < per; ++i) batch += line(cp * 1000 + static_cast<std::uint64_t>(i));
    if (!staged.append(batch).ok()) ::_exit(4);
    fd::file_committable c;
    if (!staged.prepare(cp, c).ok()) ::_exit(5);
    if (::write(pipe_fd, &cp, sizeof cp) != sizeof cp) ::_exit(6);
    if (!fd::commit(c).ok()) ::_exit(7);
  }
}

[[noreturn]] void recoverer(const std::string& target, std::vector<fd::file_committable> state) {
  ::_exit(fd::recover(target, std::move(state)).ok() ? 0 : 8);
}
}  // namespace

TEST_CASE("file two-phase commit: SIGKILL anywhere (writing, preparing, committing, recovering) loses and repeats nothing") {
  const fs::path dir = test::fresh_dir("txn-sigkill");
  const std::string target = (dir / "out.ndjson").string();
  std::mt19937 rng(20261130);
  constexpr int per = 7;
  std::uint64_t stored = 0;     // the newest checkpoint in the "store"
  std::uint64_t committed = 0;  // every checkpoint up to here is known visible
  int recovery_kills = 0;
  for (int round = 0; round < 60; ++round) {
    const auto reached = test::kill_after<std::uint64_t>(static_cast<unsigned>(200 + rng() % 6000), [&](int ack) {
      writer(target, stored + 1, per, ack);
    });
    if (reached) stored = *reached;  // kill_after checks the writer was still running when killed
    // The stored state: every stored checkpoint not known to be committed.
    std::vector<fd::file_committable> state;
    for (std::uint64_t c = committed + 1; c <= stored; ++c) state.push_back({target, c});
    if (round % 3 == 2) {  // a recovery killed part way (or finished before the kill), then run again
      const pid_t r = ::fork();
      REQUIRE(r >= 0);
      if (r == 0) recoverer(target, state);
      ::usleep(static_cast<unsigned>(rng() % 400));
      ::kill(r, SIGKILL);
      int status = 0;
      ::waitpid(r, &status, 0);
      recovery_kills += WIFSIGNALED(status);
    }
    REQUIRE(fd::recover(target, state).ok());
    committed = stored;
    // Exactly the records of checkpoints 1..stored, each once, in order.
    std::vector<std::uint64_t> expected;
    for (std::uint64_t c = 1; c <= stored; ++c)
      for (int i = 0; i < per; ++i) expected.push_back(c * 1000 + static_cast<std::uint64_t>(i));
    const auto present = fs::exists(target) ? ids_in(target) : std::vector<std::uint64_t>{};
    REQUIRE_MESSAGE(present == expected, "round " << round << ": " << present.size() << " records, expected "
                                                  << expected.size());
    CHECK(fd::staged_checkpoints(target).empty());
  }
  CHECK(stored >= 20);  // the writers got somewhere (a kill may land before a first checkpoint)
  MESSAGE("checkpoints stored: " << stored << ", recoveries killed: " << recovery_kills);
}
