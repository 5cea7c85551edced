// The async frontend: write() queues; one dispatcher thread partitions, serializes and batches;
// `max_in_flight` sender threads deliver. A batch is handed to a sender only when no batch of the
// same partition key is in flight and no earlier batch of that key is waiting, which keeps each
// partition in order.
#pragma once
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/detail/concat.hpp>

#include <sinkforge/concurrency/async.hpp>
#include <sinkforge/engine/frontend.hpp>
#include <sinkforge/engine/pipeline.hpp>
#include <sinkforge/engine/sink_base.hpp>
#include <sinkforge/metrics/concept.hpp>

namespace sinkforge::inline v1::detail {

template <class T, class P>
class async_sink : public sink_base<async_sink<T, P>, T> {
  using core_type = pipeline<T, P, true>;
  using batch_type = typename core_type::batch_type;
  using key_type = typename core_type::key_type;
  using concurrency_type = typename P::concurrency_type;

 public:
  using record_type = T;
  using policies_type = P;
  using connection_type = typename core_type::connection_type;

  explicit async_sink(P&& p) : core_(std::move(p)), cfg_(core_.policies().concurrency) {
    incoming_.reserve(std::min<std::size_t>(cfg_.buffer_records, 4096));
    try {
      for (std::size_t i = 0; i < cfg_.max_in_flight; ++i) senders_.emplace_back([this] { send_loop(); });
      dispatcher_ = std::thread([this] { dispatch_loop(); });
    } catch (...) {
      stop_threads();
      throw;
    }
  }
  async_sink(const async_sink&) = delete;
  async_sink& operator=(const async_sink&) = delete;

  // Undelivered records were handed to on_error when they failed; any other failure of closing
  // (a transport's flush, a stopped dispatcher) reaches on_error here, as the destructor cannot throw.
  ~async_sink() {
    try {
      close();
    } catch (const delivery_error&) {
    } catch (...) {
      core_.report_close_failure(std::current_exception());
    }
  }

  void write(const T& record) { enqueue(record); }
  void write(T&& record) { enqueue(std::move(record)); }
  using sink_base<async_sink<T, P>, T>::write;  // ranges of T, and the message for anything else

  // Wakes the dispatcher to seal batches whose max_age has passed (it also wakes by itself).
  void tick() {
    {
      std::lock_guard lock(m_);
      tick_ = true;
    }
    cv_work_.notify_one();
  }

  // Returns when every record written before the call is delivered or reported; throws
  // delivery_error for records that could not be delivered since the last report.
  void flush() {
    {
      std::unique_lock lock(m_);
      if (closed_) return;
      const std::uint64_t generation = ++flush_requested_;
      cv_work_.notify_one();
      cv_flushed_.wait(lock, [&] { return flush_done_ >= generation || dispatcher_failed_; });
    }
    rethrow_dispatcher_failure();
    core_.throw_if_unreported();
  }

  void close() {
    {
      std::lock_guard lock(m_);
      if (closed_) return;
    }
    std::exception_ptr first;
    try {
      flush();
    } catch (...) {
      first = std::current_exception();
    }
    {
      std::lock_guard lock(m_);
      closed_ = true;
    }
    cv_space_.notify_all();
    stop_threads();
    core_.close_connection();
    if (first) std::rethrow_exception(first);
    core_.throw_if_unreported();
  }

  bool closed() const {
    std::lock_guard lock(m_);
    return closed_;
  }
  const auto& metrics() const noexcept { return core_.metrics(); }
  connection_type& connection() noexcept { return core_.connection(); }

 private:
  template <class U>
  void enqueue(U&& record) {
    std::unique_lock lock(m_);
    if (SINKFORGE_UNLIKELY(closed_)) throw std::logic_error("sinkforge: write() after close()");
    if (SINKFORGE_UNLIKELY(dispatcher_failed_)) {
      lock.unlock();
      rethrow_dispatcher_failure();
    }
    if (incoming_.size() >= cfg_.buffer_records) {
      if constexpr (drops_records<concurrency_type>) {
        core_.metrics().records_in(1);
        core_.metrics().dropped(1, metrics::drop_reason::buffer_full);
        return;
      } else {
        enqueue_into_full(lock);
      }
    }
    const bool was_empty = incoming_.empty();
    incoming_.push_back(static_cast<U&&>(record));
    core_.metrics().records_in(1);
    core_.metrics().buffered(1);
    lock.unlock();
    if (was_empty) cv_work_.notify_one();
  }

  // Waits for room or throws, per when_full. A record not taken is not counted as written.
  void enqueue_into_full(std::unique_lock<std::mutex>& lock) {
      switch (cfg_.when_full) {
        case concurrency::overflow::block:
          cv_space_.wait(lock, [&] {
            return incoming_.size() < cfg_.buffer_records || closed_ || dispatcher_failed_;
          });
          if (closed_) throw std::logic_error("sinkforge: write() after close()");
          if (dispatcher_failed_) {
            lock.unlock();
            rethrow_dispatcher_failure();
          }
          break;
        case concurrency::overflow::fail:
          throw backpressure_error("sinkforge: async buffer full (" + std::to_string(cfg_.buffer_records) +
                                   " records); the record was not taken");
      }
  }

  void dispatch_loop() {
    std::vector<T> local;
    local.reserve(incoming_.capacity());
    auto dispatch = [this](batch_type&& b) { hand_to_senders(std::move(b)); };
    try {
      for (;;) {
        std::uint64_t flush_generation = 0;
        bool stop = false;
        {
          std::unique_lock lock(m_);
          auto ready = [&] {
            return !incoming_.empty() || flush_requested_ > flush_done_ || stop_dispatcher_ || tick_;
          };
          if (!ready()) {
            if (auto deadline = core_.earliest_deadline()) {
              const auto wait = std::clamp<std::chrono::nanoseconds>(
                  *deadline - core_.clock().now(), std::chrono::nanoseconds{0}, std::chrono::milliseconds{100});
              cv_work_.wait_for(lock, wait, ready);
            } else {
              cv_work_.wait(lock, ready);
            }
          }
          local.swap(incoming_);
          flush_generation = flush_requested_;
          stop = stop_dispatcher_;
          tick_ = false;
        }
        if (!local.empty()) {
          core_.metrics().buffered(-static_cast<std::int64_t>(local.size()));
          cv_space_.notify_all();
          // A failure part way leaves in `local` the records not yet taken, the failing one first
          // (serializers read a record; they do not consume it).
          std::size_t taken = 0;
          try {
            for (; taken < local.size(); ++taken) core_.accept(std::move(local[taken]), dispatch);
          } catch (...) {
            local.erase(local.begin(), local.begin() + static_cast<std::ptrdiff_t>(taken));
            throw;
          }
          local.clear();
        }
        core_.expire(core_.clock().now(), dispatch);
        if (flush_generation > flushed_seen_ || stop) {
          core_.seal_all(dispatch);
          wait_senders_idle();
          core_.flush_connection();
          flushed_seen_ = flush_generation;
          {
            std::lock_guard lock(m_);
            flush_done_ = flush_generation;
          }
          cv_flushed_.notify_all();
        }
        if (stop) break;
      }
    } catch (...) {
      std::vector<T> stranded;
      {
        std::lock_guard lock(m_);
        dispatcher_error_ = std::current_exception();
        dispatcher_failed_ = true;
        stranded.swap(incoming_);
      }
      abandon(local, stranded);
      cv_flushed_.notify_all();
      cv_space_.notify_all();
    }
  }

  // The dispatcher stopped: the records it held, queued or in open batches, can never be sent.
  // They are reported as failed (fatal), not left behind without a word.
  SINKFORGE_COLD void abandon(std::vector<T>& local, std::vector<T>& queued) noexcept {
    try {
      std::string why = "the sink's dispatcher stopped";
      try {
        std::rethrow_exception(dispatcher_error_);
      } catch (const std::exception& e) {
        why = concat({why, ": ", e.what()});
      } catch (...) {
      }
      core_.metrics().buffered(-static_cast<std::int64_t>(queued.size()));
      core_.abandon_open(why);
      for (auto* records : {&local, &queued})
        for (const T& r : *records) core_.abandon_record(r, why);
    } catch (...) {
    }
  }

  void hand_to_senders(batch_type&& b) {
    std::unique_lock lock(sm_);
    cv_room_.wait(lock, [&] { return ready_.size() < cfg_.max_in_flight; });
    ready_.push_back(std::move(b));
    lock.unlock();
    cv_ready_.notify_all();
  }

  // The first waiting batch whose key is neither in flight nor behind an earlier waiting batch.
  typename std::deque<batch_type>::iterator next_sendable() {
    for (auto it = ready_.begin(); it != ready_.end(); ++it) {
      const bool busy = std::any_of(in_flight_keys_.begin(), in_flight_keys_.end(),
                                    [&](const key_type& k) { return k == it->key; });
      if (busy) continue;
      const bool behind = std::any_of(ready_.begin(), it, [&](const batch_type& b) { return b.key == it->key; });
      if (!behind) return it;
    }
    return ready_.end();
  }

  void send_loop() {
    for (;;) {
      batch_type b;
      {
        std::unique_lock lock(sm_);
        typename std::deque<batch_type>::iterator it;
        cv_ready_.wait(lock, [&] {
          it = next_sendable();
          return it != ready_.end() || (stop_senders_ && ready_.empty());
        });
        if (it == ready_.end()) return;
        b = std::move(*it);
        ready_.erase(it);
        in_flight_keys_.push_back(b.key);
      }
      cv_room_.notify_one();
      core_.deliver(b);
      {
        std::lock_guard lock(sm_);
        in_flight_keys_.erase(std::find(in_flight_keys_.begin(), in_flight_keys_.end(), b.key));
      }
      core_.recycle(std::move(b));
      cv_ready_.notify_all();
      cv_idle_.notify_all();
    }
  }

  void wait_senders_idle() {
    std::unique_lock lock(sm_);
    cv_idle_.wait(lock, [&] { return ready_.empty() && in_flight_keys_.empty(); });
  }

  void stop_threads() {
    {
      std::lock_guard lock(m_);
      stop_dispatcher_ = true;
    }
    cv_work_.notify_one();
    if (dispatcher_.joinable()) dispatcher_.join();
    {
      std::lock_guard lock(sm_);
      stop_senders_ = true;
    }
    cv_ready_.notify_all();
    for (auto& t : senders_)
      if (t.joinable()) t.join();
  }

  void rethrow_dispatcher_failure() {
    std::exception_ptr e;
    {
      std::lock_guard lock(m_);
      e = dispatcher_error_;
    }
    if (e) std::rethrow_exception(e);
  }

  core_type core_;
  concurrency_type cfg_;

  // Records between write() and the dispatcher.
  mutable std::mutex m_;
  std::condition_variable cv_work_, cv_space_, cv_flushed_;
  std::vector<T> incoming_;
  std::uint64_t flush_requested_ = 0, flush_done_ = 0;
  std::uint64_t flushed_seen_ = 0;  // dispatcher thread only
  bool tick_ = false, stop_dispatcher_ = false, closed_ = false, dispatcher_failed_ = false;
  std::exception_ptr dispatcher_error_;

  // Sealed batches between the dispatcher and the senders.
  std::mutex sm_;
  std::condition_variable cv_ready_, cv_room_, cv_idle_;
  std::deque<batch_type> ready_;
  std::vector<key_type> in_flight_keys_;
  bool stop_senders_ = false;

  std::thread dispatcher_;
  std::vector<std::thread> senders_;
};

template <>
struct frontend_of<true> {
  template <class T, class P>
  using type = async_sink<T, P>;
};

}  // namespace sinkforge::inline v1::detail
