// One life of an exactly-once driver, as docs/delivery-guarantees.md shows it: resume where the
// sink says (the stored checkpoint, or the target's own newer one), write `per_checkpoint` records
// per checkpoint, prepare, store the state, commit; at `records`, close with the position.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>

#include <sinkforge/checkpoint/file_store.hpp>
#include <sinkforge/checkpoint/writer_state.hpp>

namespace test {

// `write(i)` writes record i into `sink`; `after_commit(position)` runs after each commit (a test
// injects its fault there).
template <class Sink, class Write, class AfterCommit>
void drive_checkpoints(Sink& sink, sinkforge::checkpoint::file_store& store, std::int64_t records,
                       std::int64_t per_checkpoint, Write write, AfterCommit after_commit) {
  const auto& resume = sink.resume_point();
  std::int64_t position = resume ? std::stoll(resume->source_position) : 0;
  std::uint64_t id = resume ? resume->id : 0;
  while (position < records) {
    for (const std::int64_t end = std::min(records, position + per_checkpoint); position < end; ++position)
      write(position);
    const sinkforge::writer_state st = sink.prepare_checkpoint(++id, std::to_string(position));
    store.save({id, std::to_string(position), {sinkforge::checkpoint::encode(st)}});
    sink.commit_checkpoint(id);
    after_commit(position);
  }
  sink.close(std::to_string(position));
}

template <class Sink, class Write>
void drive_checkpoints(Sink& sink, sinkforge::checkpoint::file_store& store, std::int64_t records,
                       std::int64_t per_checkpoint, Write write) {
  drive_checkpoints(sink, store, records, per_checkpoint, write, [](std::int64_t) {});
}

}  // namespace test
