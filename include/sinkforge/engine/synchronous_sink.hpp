// The synchronous frontend: the caller's thread runs the whole pipeline.
#pragma once
#include <exception>
#include <stdexcept>
#include <utility>
#include <vector>

#include <sinkforge/detail/concat.hpp>
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

  explicit synchronous_sink(P&& p) : core_(std::move(p)) {}
  synchronous_sink(const synchronous_sink&) = delete;
  synchronous_sink& operator=(const synchronous_sink&) = delete;

  ~synchronous_sink() {
    if (closed_) return;
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
    core_.throw_if_unreported();
  }

  // Sends every open batch and calls the transport's flush() (fdatasync for file transports with
  // sync::per_batch); throws delivery_error for records not delivered since the last report.
  void flush() {
    core_.seal_all(dispatcher());
    core_.flush_connection();
    core_.throw_if_unreported();
  }

  void close() {
    if (closed_) return;
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

  template <class U>
  void write_impl(U&& record) {
    if (SINKFORGE_UNLIKELY(closed_)) throw std::logic_error("sinkforge: write() after close()");
    auto d = dispatcher();
    if constexpr (core_type::has_deadline) core_.expire(core_.clock().now(), d);
    core_.accept(static_cast<U&&>(record), d);
    core_.throw_if_unreported();
  }

  core_type core_;
  bool closed_ = false;
};

template <>
struct frontend_of<false> {
  template <class T, class P>
  using type = synchronous_sink<T, P>;
};

}  // namespace sinkforge::inline v1::detail
