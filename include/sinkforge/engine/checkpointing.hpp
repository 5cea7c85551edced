// Two-phase commit as a sink drives it (deliver::exactly_once): recovery at construction, the
// checkpoints prepared and not yet committed, the writer_state each checkpoint hands out, and the
// failed state a sink enters when an open transaction lost a batch.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include <sinkforge/checkpoint/error.hpp>
#include <sinkforge/checkpoint/restore.hpp>
#include <sinkforge/checkpoint/writer_state.hpp>
#include <sinkforge/detail/concat.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/transport/concept.hpp>

namespace sinkforge::inline v1::detail {

template <class Tr, class Connection>
class checkpointing {
 public:
  using committable = typename Tr::committable;

  // Without sf::restore: prepared checkpoints found staged may belong to a checkpoint the caller
  // stored, so the sink refuses to start rather than abort them; an orphaned open transaction is
  // dropped.
  void restore(Connection& c, const checkpoint::no_restore&) {
    const std::vector<std::uint64_t> staged = c.staged();
    if (!staged.empty()) {
      std::string ids;
      for (const std::uint64_t id : staged) ids += concat({ids.empty() ? "" : ", ", std::to_string(id)});
      throw config_error("restore", concat({"found staged transaction(s) ", ids, " of '", c.scope(),
                                            "' and no sf::restore: pass sf::restore(store.load()) so that recovery "
                                            "commits what the stored checkpoint names (sf::restore(std::nullopt) "
                                            "when no checkpoint was stored aborts them)"}));
    }
    recover(c, {});
    note_own_checkpoint(c);
  }

  // With sf::restore: commits what this writer's state in the stored checkpoint names, aborts the
  // rest. States of other sinks or subtasks in the same stored checkpoint are not this sink's.
  void restore(Connection& c, const checkpoint::restored_state& given) {
    std::vector<committable> decided;
    if (given.checkpoint) {
      const auto& stored = *given.checkpoint;
      note_id(stored.id);
      resume_ = checkpoint_record{stored.id, stored.source_position};
      last_position_ = stored.source_position;
      for (const std::string& blob : stored.writer_states) {
        const checkpoint::writer_state ws = checkpoint::decode(blob);
        if (ws.sink != c.scope() || ws.subtask != 0) continue;
        if (!ws.pending.empty())
          throw config_error("restore", concat({"the state of '", c.scope(), "' holds ", std::to_string(ws.pending.size()),
                                                " pending record(s); this sink keeps none (a state written by "
                                                "another kind of writer?)"}));
        note_id(ws.checkpoint_id);
        for (const std::string& k : ws.committables) decided.push_back(Tr::decode_committable(k));
      }
    }
    recover(c, std::move(decided));
    note_own_checkpoint(c);
  }

  // The checkpoint a restarted driver resumes from: the stored one, or the newer one the target
  // recorded itself when it commits the source position with the data (a crash after that commit
  // and before the store saved). Empty when neither exists.
  const std::optional<checkpoint_record>& resume_point() const noexcept { return resume_; }

  // Phase 1, after the sink sent every open batch into the open transaction.
  checkpoint::writer_state prepare(Connection& c, std::uint64_t id, std::string_view source_position) {
    if (any_id_ && id <= last_id_)
      throw std::invalid_argument(concat({"sinkforge: prepare_checkpoint(", std::to_string(id),
                                          "): checkpoint ids must increase; the last one was ",
                                          std::to_string(last_id_)}));
    committable k{};
    try {
      k = c.prepare(id, source_position);
    } catch (const std::exception& e) {
      c.abort_open();
      fail(concat({"checkpoint ", std::to_string(id), " of '", c.scope(), "' could not be prepared (", e.what(),
                   ")"}));
      throw checkpoint::checkpoint_error(failure_);
    }
    note_id(id);
    last_position_ = std::string(source_position);
    prepared_.push_back({id, std::move(k)});
    checkpoint::writer_state ws{std::string(c.scope()), 0, id, {}, {}};
    // Committed checkpoints whose effect is not yet durable come first: recovery repeats them.
    if constexpr (requires { c.retained(); })
      for (const auto& kept : c.retained()) ws.committables.push_back(Tr::encode_committable(kept));
    for (const auto& p : prepared_) ws.committables.push_back(Tr::encode_committable(p.k));
    return ws;
  }

  // Phase 2: commits every prepared checkpoint up to `id`, oldest first. A failure leaves the
  // failed one and every later one prepared: calling again repeats the commit (idempotent).
  void commit(Connection& c, std::uint64_t id) {
    while (!prepared_.empty() && prepared_.front().id <= id) {
      if (send_result r = c.commit(prepared_.front().k); !r.ok())
        throw checkpoint::checkpoint_error(
            concat({"sinkforge: commit of checkpoint ", std::to_string(prepared_.front().id), " of '", c.scope(),
                    "' failed (", r.reason(), "); call commit_checkpoint again, or restart with sf::restore(the "
                    "stored checkpoint): recovery commits it"}));
      prepared_.erase(prepared_.begin());
    }
  }

  // The source position given to the last checkpoint (or restored): close()'s own checkpoint records it.
  const std::string& last_position() const noexcept { return last_position_; }
  std::uint64_t next_id() const noexcept { return any_id_ ? last_id_ + 1 : 0; }
  bool has_prepared() const noexcept { return !prepared_.empty(); }

  // A transaction that lost a batch cannot be committed: the sink stops taking records.
  void fail(std::string why) {
    if (failure_.empty())
      failure_ = concat({"sinkforge: ", why, "; the open transaction is aborted: make a new sink with "
                                              "sf::restore(the last stored checkpoint) and write again from its "
                                              "source position"});
  }
  bool failed() const noexcept { return !failure_.empty(); }
  const std::string& failure() const noexcept { return failure_; }
  [[noreturn]] void throw_failed() const { throw std::logic_error(failure_); }

 private:
  struct prepared {
    std::uint64_t id;
    committable k;
  };

  void recover(Connection& c, std::vector<committable> decided) {
    if (send_result r = c.recover(std::move(decided)); !r.ok())
      throw checkpoint::checkpoint_error(
          concat({"sinkforge: recovery of '", c.scope(), "' failed: ", r.reason()}));
  }

  void note_own_checkpoint(Connection& c) {
    if constexpr (requires { c.committed_checkpoint(); }) {
      std::optional<checkpoint_record> own = c.committed_checkpoint();
      if (own && (!resume_ || own->id > resume_->id)) {
        note_id(own->id);
        last_position_ = own->source_position;
        resume_ = std::move(own);
      }
    }
  }

  void note_id(std::uint64_t id) {
    if (!any_id_ || id > last_id_) last_id_ = id;
    any_id_ = true;
  }

  std::vector<prepared> prepared_;
  std::uint64_t last_id_ = 0;
  bool any_id_ = false;
  std::string failure_;
  std::optional<checkpoint_record> resume_;
  std::string last_position_;
};

}  // namespace sinkforge::inline v1::detail
