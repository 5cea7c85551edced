// memory::buffer: keeps every batch it receives, for tests, examples and benchmarks.
// It is a handle: copies share one store, so keep a copy to inspect what the sink sent.
// Byte payloads are kept as sent; row payloads (serialize::columns) as one JSON line per record.
#pragma once
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sinkforge/detail/shared_box.hpp>
#include <sinkforge/partition/key.hpp>
#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/payload/rows.hpp>
#include <sinkforge/serialize/json.hpp>
#include <sinkforge/transport/concept.hpp>

namespace sinkforge::inline v1::memory {

struct stored_batch {
  std::string key;
  std::string bytes;  // the framed batch as sent
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
  std::uint64_t sequence = 0;
  std::uint32_t attempt = 1;

  std::size_t size() const noexcept { return spans.size(); }
  std::string_view record(std::size_t i) const noexcept {
    return std::string_view(bytes).substr(spans[i].first, spans[i].second - spans[i].first);
  }
};

class buffer {
 public:
  using policy_family = family::transport;
  static constexpr transport_capabilities capabilities{.max_concurrent_sends =
                                                           std::numeric_limits<std::size_t>::max()};

  template <class K>
  send_result send(const record_batch<K, byte_records>& b) {
    stored_batch s;
    s.key = key_text(b.key);
    s.bytes.assign(b.records.bytes());
    s.spans.reserve(b.records.size());
    const char* base = b.records.bytes().data();
    for (std::size_t i = 0; i < b.records.size(); ++i) {
      const std::string_view r = b.records[i];
      s.spans.emplace_back(static_cast<std::uint32_t>(r.data() - base),
                           static_cast<std::uint32_t>(r.data() - base + r.size()));
    }
    s.sequence = b.sequence;
    s.attempt = b.attempt;
    store(std::move(s));
    return send_result::success();
  }

  template <class K, class T>
  send_result send(const record_batch<K, rows<T>>& b) {
    stored_batch s;
    s.key = key_text(b.key);
    for (const T& r : b.records) {
      const std::size_t begin = s.bytes.size();
      s.bytes += serialize::to_json_lenient(r);
      s.spans.emplace_back(static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(s.bytes.size()));
      s.bytes += '\n';
    }
    s.sequence = b.sequence;
    s.attempt = b.attempt;
    store(std::move(s));
    return send_result::success();
  }

  std::vector<stored_batch> batches() const {
    std::lock_guard lock(state_->mutex);
    return state_->batches;
  }
  // Every record of every batch, in the order received.
  std::vector<std::string> records() const {
    std::lock_guard lock(state_->mutex);
    std::vector<std::string> out;
    for (const auto& b : state_->batches)
      for (std::size_t i = 0; i < b.size(); ++i) out.emplace_back(b.record(i));
    return out;
  }
  std::size_t batch_count() const {
    std::lock_guard lock(state_->mutex);
    return state_->batches.size();
  }
  std::size_t record_count() const {
    std::lock_guard lock(state_->mutex);
    return state_->records;
  }
  void clear() {
    std::lock_guard lock(state_->mutex);
    state_->batches.clear();
    state_->records = 0;
  }

 private:
  void store(stored_batch&& s) {
    std::lock_guard lock(state_->mutex);
    state_->records += s.size();
    state_->batches.push_back(std::move(s));
  }
  struct state {
    mutable std::mutex mutex;
    std::vector<stored_batch> batches;
    std::size_t records = 0;
  };
  sinkforge::detail::shared_box<state> state_{};
};

}  // namespace sinkforge::inline v1::memory
