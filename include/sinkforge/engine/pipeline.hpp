// The pipeline every sink frontend drives: partition, serialize, batch, send with retry, and route
// failures. It holds no threads; the synchronous frontend calls it inline, the async one from its
// dispatcher (accept/expire/seal_all) and its senders (deliver).
#pragma once
#include <atomic>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <sinkforge/batch/concept.hpp>
#include <sinkforge/clock.hpp>
#include <sinkforge/deliver/guarantee.hpp>
#include <sinkforge/detail/concat.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/metrics/concept.hpp>
#include <sinkforge/partition/concept.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/record_batch.hpp>
#include <sinkforge/retry/concept.hpp>
#include <sinkforge/serialize/concept.hpp>
#include <sinkforge/serialize/json.hpp>
#include <sinkforge/transport/concept.hpp>

namespace sinkforge::inline v1::detail {

struct null_mutex {
  void lock() noexcept {}
  void unlock() noexcept {}
};

// The deduplication window of a keyed delivery policy (deliver::idempotent) whose transport
// cannot upsert; nothing otherwise.
struct no_dedup_window {};
template <class D, class Tr, bool Windowed = requires { D::key; } && !transport_upserts<Tr>>
struct dedup_window_for {
  using type = no_dedup_window;
};
template <class D, class Tr>
struct dedup_window_for<D, Tr, true> {
  using type = typename D::window_type;
};

template <class T, class P, bool Threaded>
class pipeline {
 public:
  using record_type = T;
  using transport_type = typename P::transport_type;
  using serializer_type = typename P::serializer_type;
  using payload_type = payload_t<serializer_type, T>;
  using key_view = partition_key_view_t<typename P::partitioner_type, T>;
  using key_type = key_storage_t<key_view>;
  using batch_type = record_batch<key_type, payload_type>;
  using batching_type = typename P::batching_type;

  static constexpr bool unpartitioned = is_unpartitioned<typename P::partitioner_type>;
  static constexpr bool has_deadline = batch::detail::has_deadline<batching_type>;
  static constexpr bool has_overflow = batch::detail::has_overflow<batching_type>;
  static constexpr guarantee delivery = P::delivery_type::value;
  // Under exactly_once batches go into the transport's open transaction (see engine/checkpointing.hpp).
  static constexpr bool transactional = delivery == guarantee::exactly_once;
  using connection_type = sink_connection_t<transport_type, T, payload_type, transactional>;
  // deliver::idempotent: a key per record, written by upsert or filtered through a window.
  static constexpr bool keyed = requires { P::delivery_type::key; };
  using dedup_window_type = typename dedup_window_for<typename P::delivery_type, transport_type>::type;
  static constexpr bool windowed = !std::is_same_v<dedup_window_type, no_dedup_window>;
  static constexpr std::size_t default_max_open = 64;

  explicit pipeline(P&& p)
      : policies_(validated(std::move(p))),
        connection_(open_connection()),
        record_limit_(batch::detail::record_byte_limit(policies_.batching)),
        max_open_(unpartitioned ? 1 : pick_max_open()),
        dedup_(make_dedup_window()) {
    slots_.reserve(max_open_);
    hashes_.reserve(max_open_);
  }

  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;

  const P& policies() const noexcept { return policies_; }
  connection_type& connection() noexcept { return connection_; }
  const auto& clock() const noexcept { return policies_.clock; }
  const auto& metrics() const noexcept { return policies_.metrics; }

  // Takes one record; calls dispatch(batch_type&&) for every batch it seals.
  template <class U, class Dispatch>
  void accept(U&& record, Dispatch&& dispatch) {
    if constexpr (!Threaded) policies_.metrics.records_in(1);  // the async frontend counts at write()
    if constexpr (windowed) {
      if (dedup_.seen(record.*(P::delivery_type::key), policies_.clock.now())) {
        policies_.metrics.dropped(1, metrics::drop_reason::duplicate);
        return;
      }
    }
    const key_view kv = policies_.partitioner.key(record);
    slot& s = slot_for(kv, dispatch);
    auto& records = s.batch.records;
    const std::size_t bytes_before = records.byte_size();
    const encode_status st = policies_.serializer.append(records, static_cast<U&&>(record));
    if (SINKFORGE_UNLIKELY(!st)) {
      reject_unencodable(record, st, kv);
      return;
    }
    if (SINKFORGE_UNLIKELY(records.last_record_bytes() > record_limit_)) {
      reject_oversize(records, kv);
      return;
    }
    if constexpr (has_overflow) {
      if (records.size() > 1 &&
          batch::detail::would_overflow(policies_.batching,
                                        batch_state{records.size() - 1, bytes_before, s.batch.opened_at},
                                        records.byte_size() - bytes_before)) {
        batch_type next = fresh_batch(to_key_storage(kv));
        records.move_last_to(next.records);
        std::swap(s.batch, next);
        s.deadline = compute_deadline(s.batch);
        seal_batch(std::move(next), dispatch);
        recompute_deadline();
      }
    }
    if (batch::detail::full(policies_.batching,
                            batch_state{s.batch.records.size(), s.batch.records.byte_size(),
                                        s.batch.opened_at})) {
      seal_slot(s, dispatch);
    }
  }

  // Seals every open batch whose deadline has passed.
  template <class Dispatch>
  void expire(steady_time now, Dispatch&& dispatch) {
    if constexpr (has_deadline) {
      if (!earliest_deadline_ || now < *earliest_deadline_) return;
      for (std::size_t i = 0; i < slots_.size();) {
        if (slots_[i].deadline && *slots_[i].deadline <= now && !slots_[i].batch.records.empty()) {
          const std::size_t before = slots_.size();
          seal_slot(slots_[i], dispatch);
          if (slots_.size() < before) continue;  // the slot was removed; i now holds another
        }
        ++i;
      }
      recompute_deadline();
    }
  }

  std::optional<steady_time> earliest_deadline() const noexcept { return earliest_deadline_; }

  template <class Dispatch>
  void seal_all(Dispatch&& dispatch) {
    if constexpr (unpartitioned) {
      // The one slot goes away with its batch; the next write opens it again.
      if (!slots_.empty() && !slots_.front().batch.records.empty()) {
        batch_type sealed = std::move(slots_.front().batch);
        slots_.clear();
        hashes_.clear();
        seal_batch(std::move(sealed), dispatch);
      }
      slots_.clear();
      hashes_.clear();
    } else {
      while (!slots_.empty()) {
        if (slots_.front().batch.records.empty()) remove_slot(0);
        else seal_slot(slots_.front(), dispatch);
      }
    }
    earliest_deadline_.reset();
  }

  std::size_t open_records() const noexcept {
    std::size_t n = 0;
    for (const auto& s : slots_) n += s.batch.records.size();
    return n;
  }

  // Sends one sealed batch, retrying per policy; what cannot be delivered is routed to the
  // dead-letter target or kept for the frontend to report.
  void deliver(batch_type& b) {
    auto& m = policies_.metrics;
    const auto& clk = policies_.clock;
    b.records.seal();
    m.in_flight(1);
    typename P::retry_type::state retry_state{};
    const steady_time first = clk.now();
    std::uint32_t attempt = 0;
    for (;;) {
      b.attempt = ++attempt;
      const steady_time t0 = clk.now();
      send_result r = send_once(b);
      m.batch_sent(clk.now() - t0);
      if (SINKFORGE_LIKELY(r.ok())) {
        m.records_out(b.records.size());
        m.bytes_out(b.records.byte_size());
        break;
      }
      if (!settle_failure(b, r, attempt, first, retry_state)) break;
    }
    m.in_flight(-1);
  }

  // After a failure that stops the sink: every open batch is reported failed (fatal), unsent.
  SINKFORGE_COLD void abandon_open(const std::string& reason) {
    for (auto& s : slots_)
      if (!s.batch.records.empty()) fail_all(s.batch, failure_kind::fatal, reason, 0);
    slots_.clear();
    hashes_.clear();
    earliest_deadline_.reset();
  }
  // The same for a record not yet in a batch.
  template <class U>
  SINKFORGE_COLD void abandon_record(const U& record, const std::string& reason) {
    std::vector<failed_record> lost(1);
    if constexpr (requires { serialize::to_json_lenient(record); }) lost[0].payload = serialize::to_json_lenient(record);
    lost[0].reason = reason;
    lost[0].kind = failure_kind::fatal;
    route(std::move(lost));
  }

  // Returns a delivered batch's payload for reuse by a later batch.
  void recycle(batch_type&& b) {
    b.records.clear();
    std::lock_guard lock(spare_mutex_);
    if (spare_.size() < max_open_ + 2) spare_.push_back(std::move(b.records));
  }

  // Under exactly_once: why the open transaction lost records a transport did not take (empty
  // when it lost none). Such a transaction must not commit.
  const std::string& transaction_loss() const noexcept { return transaction_loss_; }

  bool has_unreported() const noexcept { return has_unreported_; }
  std::vector<failed_record> take_unreported() {
    std::lock_guard lock(report_mutex_);
    has_unreported_ = false;
    return std::exchange(unreported_, {});
  }
  void throw_if_unreported() {
    if (SINKFORGE_UNLIKELY(has_unreported_)) throw_unreported();
  }

  void close_connection() {
    if constexpr (requires { connection_.close(); }) connection_.close();
  }
  void flush_connection() {
    if constexpr (requires { connection_.flush(); }) connection_.flush();
  }

 private:
  struct slot {
    batch_type batch;
    std::optional<steady_time> deadline;
  };

  // After a failed send: routes what cannot be retried and waits out the back-off. Returns whether
  // records are left to send again. Out of line, so the send loop stays small.
  SINKFORGE_COLD bool settle_failure(batch_type& b, const send_result& r, std::uint32_t attempt, steady_time first,
                                     typename P::retry_type::state& retry_state) {
    auto& m = policies_.metrics;
    const auto& clk = policies_.clock;
    if (r.is_partial()) {
      std::vector<std::uint32_t> again;
      std::vector<failed_record> lost;
      for (const auto& f : r.failures()) {
        if (f.index >= b.records.size()) continue;
        if (f.kind == failure_kind::retryable) again.push_back(f.index);
        else {
          note_transaction_loss(f.kind, f.reason);
          lost.push_back(make_failed(b, f.index, f.kind, f.reason, attempt));
        }
      }
      m.records_out(b.records.size() - again.size() - lost.size());
      route(std::move(lost));
      if (again.empty()) return false;
      b.records = b.records.select(again);
      b.records.seal();
    } else if (r.kind() != failure_kind::retryable) {
      fail_all(b, r.kind(), r.reason(), attempt);
      return false;
    }
    if constexpr (delivery == guarantee::at_most_once) {
      fail_all(b, failure_kind::retryable, concat({r.reason(), " (at_most_once: not retried)"}), attempt);
      return false;
    } else {
      const retry_context cx{attempt, first, clk.now(), r.retry_after(), b.sequence};
      const auto delay = policies_.retry.next_delay(retry_state, cx);
      if (!delay) {
        fail_all(b, failure_kind::retryable,
                 concat({"gave up after ", std::to_string(attempt), " attempt(s): ", r.reason()}), attempt);
        return false;
      }
      m.retried();
      clk.sleep_for(*delay);
      return true;
    }
  }

  SINKFORGE_COLD void throw_unreported() { throw delivery_error(take_unreported()); }

  // A repair the transport made is no failure of a record: it goes to on_error only.
  SINKFORGE_COLD void report_notice(transport_notice&& n) noexcept {
    try {
      std::vector<failed_record> entry(1);
      entry[0].payload = std::move(n.payload);
      entry[0].reason = std::move(n.reason);
      entry[0].kind = failure_kind::invalid_record;
      policies_.on_error(delivery_error(std::move(entry)));
    } catch (...) {
    }
  }

 public:
  // What a destructor caught while closing: a delivery_error goes to on_error as it is; any other
  // failure becomes one fatal entry naming it. Never throws.
  SINKFORGE_COLD void report_close_failure(std::exception_ptr failure) noexcept {
    try {
      try {
        std::rethrow_exception(failure);
      } catch (const delivery_error& e) {
        policies_.on_error(e);
      } catch (const std::exception& e) {
        policies_.on_error(close_failure(e.what()));
      } catch (...) {
        policies_.on_error(close_failure("a non-standard exception"));
      }
    } catch (...) {
    }
  }

 private:
  SINKFORGE_COLD static delivery_error close_failure(const char* what) {
    std::vector<failed_record> entry(1);
    entry[0].reason = concat({"close failed: ", what});
    entry[0].kind = failure_kind::fatal;
    return delivery_error(std::move(entry));
  }

  template <class Records>
  SINKFORGE_COLD void reject_oversize(Records& records, const key_view& kv) {
    const std::size_t bytes = records.last_record_bytes();
    std::string text = records.describe(records.size() - 1);
    records.pop_last();
    reject(std::move(text),
           concat({"record of ", std::to_string(bytes), " bytes exceeds the limit of ",
                   std::to_string(record_limit_), " bytes"}),
           key_text(kv));
  }

  SINKFORGE_COLD static P validated(P&& p) {
    auto check = [](const auto& policy) {
      if constexpr (requires { policy.validate(); }) policy.validate();
    };
    check(p.transport);
    check(p.serializer);
    check(p.batching);
    check(p.retry);
    check(p.partitioner);
    check(p.concurrency);
    check(p.delivery);
    if constexpr (P::concurrency_type::is_async) {
      constexpr std::size_t limit = max_concurrent_sends<typename P::transport_type>;
      if (p.concurrency.max_in_flight > limit)
        throw config_error("concurrency::async.max_in_flight",
                           concat({"this transport allows at most ", std::to_string(limit),
                                   " concurrent send(s); lower max_in_flight"}));
    }
    return std::move(p);
  }

  connection_type open_connection() {
    transport_context cx{serialize::preamble_of<serializer_type, T>(policies_.serializer),
                         serialize::boundary_of(policies_.serializer), this,
                         [](void* self, transport_notice&& n) {
                           static_cast<pipeline*>(self)->report_notice(std::move(n));
                         }};
    if constexpr (keyed && !windowed) cx.upsert_key = reflect::member_name_of<T, P::delivery_type::key>();
    return transport_detail::open_for<transport_type, T, payload_type, transactional>(policies_.transport, cx);
  }

  dedup_window_type make_dedup_window() const {
    if constexpr (windowed) return dedup_window_type(policies_.delivery.max_keys, policies_.delivery.max_age);
    else return {};
  }

  std::size_t pick_max_open() const {
    const std::size_t n = batch::detail::max_open_batches(policies_.batching);
    return n ? n : default_max_open;
  }

  batch_type fresh_batch(key_type key) {
    batch_type b;
    b.key = std::move(key);
    {
      std::lock_guard lock(spare_mutex_);
      if (!spare_.empty()) {
        b.records = std::move(spare_.back());
        spare_.pop_back();
      } else {
        b.records = policies_.serializer.template make_payload<T>();
      }
    }
    b.opened_at = policies_.clock.now();
    b.opened_wall = policies_.clock.wall();
    return b;
  }

  std::optional<steady_time> compute_deadline(const batch_type& b) const {
    if constexpr (has_deadline)
      return batch::detail::deadline(policies_.batching, batch_state{0, 0, b.opened_at});
    else return std::nullopt;
  }

  void recompute_deadline() {
    if constexpr (has_deadline) {
      earliest_deadline_.reset();
      for (const auto& s : slots_)
        if (s.deadline && !s.batch.records.empty() &&
            (!earliest_deadline_ || *s.deadline < *earliest_deadline_))
          earliest_deadline_ = s.deadline;
    }
  }

  template <class Dispatch>
  slot& slot_for(const key_view& kv, Dispatch& dispatch) {
    if constexpr (unpartitioned) {
      if (SINKFORGE_UNLIKELY(slots_.empty())) open_slot(0, kv);
      slot& s = slots_.front();
      if (s.batch.records.empty()) restart(s);
      return s;
    } else {
      const std::size_t h = key_hash(kv);
      if (last_ < slots_.size() && hashes_[last_] == h && key_equals(slots_[last_].batch.key, kv))
        return slots_[last_];
      for (std::size_t i = 0; i < hashes_.size(); ++i) {
        if (hashes_[i] == h && key_equals(slots_[i].batch.key, kv)) {
          last_ = i;
          return slots_[i];
        }
      }
      if (slots_.size() >= max_open_) {
        // Seal the oldest open batch to make room.
        std::size_t oldest = 0;
        for (std::size_t i = 1; i < slots_.size(); ++i)
          if (slots_[i].batch.opened_at < slots_[oldest].batch.opened_at ||
              (slots_[i].batch.opened_at == slots_[oldest].batch.opened_at &&
               slots_[i].batch.sequence < slots_[oldest].batch.sequence))
            oldest = i;
        seal_slot(slots_[oldest], dispatch);
      }
      open_slot(h, kv);
      last_ = slots_.size() - 1;
      return slots_.back();
    }
  }

  void open_slot(std::size_t h, const key_view& kv) {
    slot s;
    s.batch = fresh_batch(to_key_storage(kv));
    s.batch.sequence = open_order_++;  // orders open batches until sealed
    s.deadline = compute_deadline(s.batch);
    slots_.push_back(std::move(s));
    hashes_.push_back(h);
    if constexpr (has_deadline)
      if (!earliest_deadline_ || *slots_.back().deadline < *earliest_deadline_)
        earliest_deadline_ = slots_.back().deadline;
  }

  // An unpartitioned slot is reused: it restarts its clock when its first record arrives.
  void restart(slot& s) {
    s.batch.opened_at = policies_.clock.now();
    s.batch.opened_wall = policies_.clock.wall();
    s.deadline = compute_deadline(s.batch);
    if constexpr (has_deadline)
      if (!earliest_deadline_ || *s.deadline < *earliest_deadline_) earliest_deadline_ = s.deadline;
  }

  void remove_slot(std::size_t i) {
    if (i + 1 != slots_.size()) {
      std::swap(slots_[i], slots_.back());
      hashes_[i] = hashes_.back();
    }
    slots_.pop_back();
    hashes_.pop_back();
    last_ = 0;
  }

  template <class Dispatch>
  void seal_batch(batch_type&& b, Dispatch& dispatch) {
    b.sequence = next_sequence_++;
    dispatch(std::move(b));
  }

  template <class Dispatch>
  void seal_slot(slot& s, Dispatch& dispatch) {
    if (s.batch.records.empty()) return;
    if constexpr (unpartitioned) {
      batch_type next = fresh_batch(s.batch.key);
      std::swap(s.batch, next);
      s.deadline.reset();
      seal_batch(std::move(next), dispatch);
      if constexpr (has_deadline) recompute_deadline();
    } else {
      batch_type sealed = std::move(s.batch);
      remove_slot(static_cast<std::size_t>(&s - slots_.data()));
      seal_batch(std::move(sealed), dispatch);
      if constexpr (has_deadline) recompute_deadline();
    }
  }

  send_result send_once(const batch_type& b) {
    try {
      return connection_.send(b);
    } catch (const std::exception& e) {
      return send_result::fatal(std::string("transport threw: ") + e.what());
    } catch (...) {
      return send_result::fatal("transport threw a non-standard exception");
    }
  }

  SINKFORGE_COLD failed_record make_failed(const batch_type& b, std::size_t i, failure_kind kind, std::string reason,
                            std::uint32_t attempts) const {
    failed_record f;
    f.payload = b.records.describe(i);
    f.reason = std::move(reason);
    f.kind = kind;
    f.attempts = attempts;
    f.partition = key_text(b.key);
    return f;
  }

  SINKFORGE_COLD void note_transaction_loss(failure_kind kind, const std::string& reason) {
    if constexpr (transactional)
      if (kind != failure_kind::invalid_record && transaction_loss_.empty()) transaction_loss_ = reason;
  }

  SINKFORGE_COLD void fail_all(const batch_type& b, failure_kind kind, const std::string& reason, std::uint32_t attempts) {
    note_transaction_loss(kind, reason);
    std::vector<failed_record> lost;
    lost.reserve(b.records.size());
    for (std::size_t i = 0; i < b.records.size(); ++i)
      lost.push_back(make_failed(b, i, kind, reason, attempts));
    route(std::move(lost));
  }

  template <class U>
  SINKFORGE_COLD void reject_unencodable(const U& record, const encode_status& st, const key_view& kv) {
    std::string text;
    if constexpr (requires { serialize::to_json_lenient(record); })
      text = serialize::to_json_lenient(record);
    reject(std::move(text), st.message(), key_text(kv));
  }

  SINKFORGE_COLD void reject(std::string payload, std::string reason, std::string partition) {
    std::vector<failed_record> lost(1);
    lost[0].payload = std::move(payload);
    lost[0].reason = std::move(reason);
    lost[0].kind = failure_kind::invalid_record;
    lost[0].attempts = 0;
    lost[0].partition = std::move(partition);
    route(std::move(lost));
  }

  SINKFORGE_COLD void route(std::vector<failed_record>&& lost) {
    if (lost.empty()) return;
    // Each record ends in one terminal counter: dead_lettered, or failed when it is reported.
    if constexpr (P::dead_letter_type::enabled) {
      const std::size_t n = lost.size();
      std::unique_lock lock(dead_letter_mutex_);
      try {
        policies_.dead_letter.deliver(std::vector<failed_record>(lost));
        policies_.metrics.dead_lettered(n);
        return;
      } catch (const std::exception& e) {
        for (auto& f : lost) f.reason += concat({" (dead-letter target failed: ", e.what(), ")"});
      }
    }
    policies_.metrics.failed(lost.size());
    keep_for_report(std::move(lost));
  }

  SINKFORGE_COLD void keep_for_report(std::vector<failed_record>&& lost) {
    if constexpr (Threaded) {
      try {
        policies_.on_error(delivery_error(lost));
      } catch (...) {
        // A throwing handler must not lose the records; they are still reported by flush().
      }
    }
    std::lock_guard lock(report_mutex_);
    if (unreported_.empty()) unreported_ = std::move(lost);
    else
      for (auto& f : lost) unreported_.push_back(std::move(f));
    has_unreported_ = true;
  }

  using mutex_type = std::conditional_t<Threaded, std::mutex, null_mutex>;

  P policies_;
  connection_type connection_;
  std::size_t record_limit_;
  std::size_t max_open_;
  SINKFORGE_NO_UNIQUE_ADDRESS dedup_window_type dedup_;
  std::vector<slot> slots_;
  std::vector<std::size_t> hashes_;  // key hash of slots_[i], contiguous for the per-record scan
  std::size_t last_ = 0;
  std::optional<steady_time> earliest_deadline_;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t open_order_ = 0;
  std::vector<payload_type> spare_;
  mutex_type spare_mutex_;
  mutex_type dead_letter_mutex_;
  mutex_type report_mutex_;
  std::vector<failed_record> unreported_;
  std::string transaction_loss_;
  std::conditional_t<Threaded, std::atomic<bool>, bool> has_unreported_{false};
};

}  // namespace sinkforge::inline v1::detail
