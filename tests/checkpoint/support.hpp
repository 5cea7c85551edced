// What the checkpoint store tests share: checkpoints whose content follows from their id, and a
// writer killed at random moments while it saves.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include <unistd.h>

#include <sinkforge/checkpoint/stored_checkpoint.hpp>
#include <sinkforge/checkpoint/writer_state.hpp>

#include "transport/support.hpp"

namespace checkpoint_test {
namespace ck = sinkforge::checkpoint;

// The checkpoint a driver stores at `id`: three writer states of about 4 KiB each, so that one save
// spans several pages and a torn write would show.
inline ck::stored_checkpoint sample(std::uint64_t id) {
  ck::stored_checkpoint c{.id = id, .source_position = "pos-" + std::to_string(id)};
  for (std::uint32_t subtask = 0; subtask < 3; ++subtask) {
    ck::writer_state s{.sink = "orders", .subtask = subtask, .checkpoint_id = id};
    s.committables = {ck::transaction_id("orders", subtask, id)};
    s.pending = {std::string(4096, static_cast<char>('a' + id % 26)), std::to_string(id)};
    c.writer_states.push_back(ck::encode(s));
  }
  return c;
}

// `rounds` times: a child resumes after the stored checkpoint and saves the next ones as fast as it
// can until SIGKILL stops it at a random moment; then load() must return a whole checkpoint, at or
// past the last save the child saw return and at most the one it was writing, with that
// checkpoint's content. Returns how many rounds moved the stored checkpoint forward.
template <class MakeStore>
int kill_while_saving(const MakeStore& make_store, int rounds, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uint64_t stored = 0;
  int advanced = 0;
  for (int round = 0; round < rounds; ++round) {
    const auto delay = static_cast<unsigned>(3000 + rng() % 27000);
    const std::uint64_t acknowledged = test::kill_after<std::uint64_t>(delay, [&](int ack) {
      try {
        auto store = make_store();
        for (std::uint64_t id = stored + 1;; ++id) {
          store.save(sample(id));
          if (::write(ack, &id, sizeof id) != static_cast<ssize_t>(sizeof id)) ::_exit(3);
        }
      } catch (...) {
        ::_exit(2);
      }
    }).value_or(stored);

    const std::optional<ck::stored_checkpoint> loaded = make_store().load();  // throws when torn
    if (!loaded) {
      REQUIRE(acknowledged == 0);  // nothing was ever saved
      continue;
    }
    INFO("round " << round << ": stored before " << stored << ", last acknowledged " << acknowledged);
    CHECK(loaded->id >= acknowledged);
    CHECK(loaded->id <= acknowledged + 1);
    CHECK(*loaded == sample(loaded->id));
    if (loaded->id > stored) ++advanced;
    stored = loaded->id;
  }
  return advanced;
}

}  // namespace checkpoint_test
