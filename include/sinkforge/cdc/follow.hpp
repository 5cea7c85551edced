// cdc::follow: the loop that moves a change stream into a sink of cdc::apply. Each poll's changes
// are written and the sink flushed, so they commit - with the position they reach - before the
// next poll; the source is told what the target has committed (`applied()`, e.g.
// table.cdc_position()), so that the server can free what no one needs any more.
//
// Under at-least-once delivery this is exactly-once for the target table: every batch commits its
// rows and its position in one transaction, and a change at or below the stored position is
// skipped. After a crash, start the source from the table's position again.
#pragma once
#include <chrono>
#include <cstddef>
#include <type_traits>
#include <vector>

#include <sinkforge/cdc/change.hpp>

namespace sinkforge::inline v1::cdc {

struct follow_options {
  std::size_t max_changes = 10'000;                            // per poll
  std::chrono::milliseconds poll_wait{200};                    // how long a poll waits for a first change
  std::chrono::milliseconds confirm_every{1000};               // how often the source hears of progress
};

// Runs until `stop()` returns true, checked after every poll (`stop(n)` is told how many changes
// other than heartbeats that poll moved, for a caller that stops once the table is quiet); returns
// the changes it moved.
template <class Source, class Sink, class Applied, class Stop>
std::size_t follow(Source& source, Sink& sink, Applied&& applied, Stop&& stop, follow_options o = {}) {
  using change_type = typename Sink::record_type;
  std::vector<change_type> changes;
  std::size_t moved = 0;
  auto confirmed_at = std::chrono::steady_clock::now();
  for (;;) {
    changes.clear();
    const std::size_t n = source.poll(changes, o.max_changes, o.poll_wait);
    std::size_t rows = 0;
    if (n > 0) {
      sink.write(changes);
      sink.flush();
      moved += n;
      for (const auto& c : changes) rows += c.kind != op::heartbeat;
    }
    if (const auto now = std::chrono::steady_clock::now(); now - confirmed_at >= o.confirm_every) {
      source.confirm(applied());
      confirmed_at = now;
    }
    if constexpr (std::is_invocable_r_v<bool, Stop&, std::size_t>) {
      if (stop(rows)) break;
    } else {
      if (stop()) break;
    }
  }
  return moved;
}

}  // namespace sinkforge::inline v1::cdc
