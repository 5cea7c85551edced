// The synchronous frontend: the caller's thread runs the whole pipeline.
#pragma once
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sinkforge/detail/concat.hpp>
#include <sinkforge/engine/checkpointing.hpp>
#include <sinkforge/engine/frontend.hpp>
#include <sinkforge/engine/pipeline.hpp>
#include <sinkforge/engine/sink_base.hpp>

namespace sinkforge::inline v1::detail {

template <class T, class P>
class synchronous_sink : public sink_base<synchronous_sink<T, P>, T> {
  using core_type = pipeline<T, P, false>;

 public:
  using record_type = T;
  using policies_type = P;
  using batch_type = typename core_type::batch_type;
  using connection_type = typename core_type::connection_type;
  static constexpr bool exactly_once = core_type::transactional;

  explicit synchronous_sink(P&& p) : core_(std::move(p)) {
    if constexpr (exactly_once) checkpoints_.restore(core_.connection(), core_.policies().restore);
  }
  synchronous_sink(const synchronous_sink&) = delete;
  synchronous_sink& operator=(const synchronous_sink&) = delete;

  ~synchronous_sink() {
    if (closed_) return;
    if constexpr (exactly_once) {
      // No checkpoint without close(): what is open is dropped, what is prepared waits for recovery.
      core_.connection().abort_open();
      return;
    }
    try {
      close();
    } catch (...) {
      // Undelivered records (delivery_error) and any other failure of closing reach on_error.
      core_.report_close_failure(std::current_exception());
    }
  }

  // Throws delivery_error when a batch this call sealed could not be delivered and no
  // dead-letter target is configured, or when this record cannot be encoded.
  void write(const T& record) { write_impl(record); }
  void write(T&& record) { write_impl(std::move(record)); }
  using sink_base<synchronous_sink<T, P>, T>::write;  // ranges of T, and the message for anything else

  // Seals batches whose max_age has passed (also done on every write).
  void tick() {
    core_.expire(core_.clock().now(), dispatcher());
    note_transaction_loss();
    core_.throw_if_unreported();
  }

  // Sends every open batch and calls the transport's flush() (fdatasync for file transports with
  // sync::per_batch); throws delivery_error for records not delivered since the last report.
  void flush() {
    core_.seal_all(dispatcher());
    core_.flush_connection();
    note_transaction_loss();
    core_.throw_if_unreported();
  }

  // Phase 1 of checkpoint `id` (deliver::exactly_once): sends every open batch into the open
  // transaction and prepares it - durable, not yet visible. Returns this writer's state: store it
  // with the source position before commit_checkpoint(id). A transport that records checkpoints
  // itself (SQLite) commits `source_position` with the data. Ids must increase. A failure aborts
  // the open transaction and throws checkpoint_error; the sink then takes nothing more.
  checkpoint::writer_state prepare_checkpoint(std::uint64_t id, std::string_view source_position = {}) {
    static_assert(exactly_once, "sinkforge: prepare_checkpoint() is two-phase commit and needs "
                                "deliver::exactly_once in make_sink");
    if constexpr (exactly_once) {
      usable();
      seal_for_checkpoint();
      return checkpoints_.prepare(core_.connection(), id, source_position);
    } else {
      (void)source_position;
      return {};
    }
  }

  // Phase 2: makes every prepared checkpoint up to `id` visible. Idempotent; a failure throws
  // checkpoint_error and may be repeated, or left to recovery after a restart.
  void commit_checkpoint(std::uint64_t id) {
    static_assert(exactly_once, "sinkforge: commit_checkpoint() is two-phase commit and needs "
                                "deliver::exactly_once in make_sink");
    if constexpr (exactly_once) checkpoints_.commit(core_.connection(), id);
  }

  // Sends what is open and releases the transport. Under exactly_once it ends with a checkpoint of
  // its own (the id after the last one) that it prepares and commits, so everything written is
  // visible once close() returns. That checkpoint is in no store: take the last checkpoint
  // yourself before close() when a restart must know its position. A transport that records
  // positions (SQLite) records the one given to the last prepare_checkpoint, or close(position)'s.
  void close() { close_impl(std::nullopt); }
  void close(std::string_view final_position) {
    static_assert(exactly_once, "sinkforge: close(position) records the final checkpoint's source position and "
                                "needs deliver::exactly_once in make_sink; call close()");
    close_impl(final_position);
  }

  // Where a restarted driver resumes (deliver::exactly_once): the checkpoint given to sf::restore,
  // or the newer one a transport that records positions committed itself (a crash after its commit
  // and before the store saved). Empty when there is neither: start from the beginning.
  const std::optional<checkpoint_record>& resume_point() const noexcept {
    static_assert(exactly_once, "sinkforge: resume_point() is the restored checkpoint and needs "
                                "deliver::exactly_once in make_sink");
    if constexpr (exactly_once) return checkpoints_.resume_point();
    else return no_resume_point_;
  }

  bool closed() const noexcept { return closed_; }
  const auto& metrics() const noexcept { return core_.metrics(); }
  connection_type& connection() noexcept { return core_.connection(); }
  std::size_t open_records() const noexcept { return core_.open_records(); }

 private:
  auto dispatcher() {
    return [this](batch_type&& b) {
      core_.deliver(b);
      core_.recycle(std::move(b));
    };
  }

  void close_impl(std::optional<std::string_view> final_position) {
    if (closed_) return;
    if constexpr (exactly_once) {
      usable();
      closed_ = true;
      const std::uint64_t id = checkpoints_.next_id();
      if constexpr (requires { core_.connection().will_close(id); }) core_.connection().will_close(id);
      try {
        seal_for_checkpoint();
        checkpoints_.prepare(core_.connection(), id, final_position ? *final_position : checkpoints_.last_position());
        checkpoints_.commit(core_.connection(), id);
      } catch (...) {
        core_.connection().abort_open();
        throw;
      }
      core_.connection().abort_open();  // the fresh, empty open transaction
      core_.close_connection();
      return;
    }
    closed_ = true;
    std::exception_ptr first;
    try {
      core_.seal_all(dispatcher());
      core_.flush_connection();
    } catch (...) {
      first = std::current_exception();
    }
    core_.close_connection();
    if (first) std::rethrow_exception(first);
    core_.throw_if_unreported();
  }

  void usable() const {
    if (SINKFORGE_UNLIKELY(closed_)) throw std::logic_error("sinkforge: the sink is closed");
    if constexpr (exactly_once)
      if (SINKFORGE_UNLIKELY(checkpoints_.failed())) checkpoints_.throw_failed();
  }

  // Under exactly_once a batch the transport did not take leaves a gap in the open transaction,
  // which therefore must never commit: it is aborted, and the sink takes nothing more. The lost
  // records are still reported (delivery_error) by the call that found them.
  void note_transaction_loss() {
    if constexpr (exactly_once) {
      if (SINKFORGE_UNLIKELY(!core_.transaction_loss().empty() && !checkpoints_.failed())) {
        core_.connection().abort_open();
        checkpoints_.fail(concat({"the open transaction of '", std::string(core_.connection().scope()),
                                  "' lost a batch (", core_.transaction_loss(), ")"}));
      }
    }
  }

  // Everything open goes into the open transaction, which must have lost nothing.
  void seal_for_checkpoint() {
    core_.seal_all(dispatcher());
    note_transaction_loss();
    if (SINKFORGE_UNLIKELY(checkpoints_.failed())) {
      core_.take_unreported();  // reported in the error below; a replay writes them again
      throw checkpoint::checkpoint_error(checkpoints_.failure());
    }
  }

  template <class U>
  void write_impl(U&& record) {
    if (SINKFORGE_UNLIKELY(closed_)) throw std::logic_error("sinkforge: write() after close()");
    if constexpr (exactly_once)
      if (SINKFORGE_UNLIKELY(checkpoints_.failed())) checkpoints_.throw_failed();
    auto d = dispatcher();
    if constexpr (core_type::has_deadline) core_.expire(core_.clock().now(), d);
    core_.accept(static_cast<U&&>(record), d);
    note_transaction_loss();
    core_.throw_if_unreported();
  }

  struct no_checkpoints {};
  static inline const std::optional<checkpoint_record> no_resume_point_{};
  core_type core_;
  SINKFORGE_NO_UNIQUE_ADDRESS std::conditional_t<exactly_once,
                                                 checkpointing<typename P::transport_type, connection_type>,
                                                 no_checkpoints>
      checkpoints_;
  bool closed_ = false;
};

template <>
struct frontend_of<false> {
  template <class T, class P>
  using type = synchronous_sink<T, P>;
};

}  // namespace sinkforge::inline v1::detail
