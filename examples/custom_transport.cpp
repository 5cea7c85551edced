// A transport and two policies written outside the library, composed with the built-in ones.
//
//   demo::vector_log  a transport: appends every batch to a std::vector<std::string> and counts
//                     records and bytes per partition in a std::map. It can fail every n-th send
//                     attempt (retryable) and refuses records longer than a limit (invalid records).
//   demo::linear      a retry policy: waits step, 2 * step, 3 * step, ... within a per-batch budget.
//   demo::aligned     a batching policy: seals an open batch at the next multiple of `period`.
//
// The sink runs on a manual clock, so the example never sleeps and its output is always the same.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/define_struct.hpp>

#include <sinkforge/sinkforge.hpp>

namespace sf = sinkforge;
using namespace std::chrono_literals;

struct Reading {
  BOOST_HANA_DEFINE_STRUCT(Reading,
                           (std::string, sensor),
                           (double, value),
                           (std::string, note));
};

namespace demo {

// ---------------------------------------------------------------------------------------------
// The transport.

struct tally {
  std::size_t records = 0;
  std::size_t bytes = 0;
};

// Where vector_log writes. The configuration holds a shared_ptr to it, so the caller keeps one
// and reads it while the sink owns the configuration.
struct store {
  std::mutex mutex;
  std::vector<std::string> batches;           // each framed batch, as it would go on the wire
  std::map<std::string, tally> per_partition;  // by the partition key's text
  std::size_t attempts = 0;                    // every send() call
};

struct vector_log {
  // Opt in to the transport family: this is how make_sink recognises the argument.
  using policy_family = sf::family::transport;

  // Capabilities, all checked at compile time.
  using default_serializer = sf::serialize::ndjson;  // when make_sink is given no serializer
  template <class Payload>
  static constexpr bool accepts_payload = std::is_same_v<Payload, sf::byte_records>;  // byte serializers
  static constexpr std::size_t max_concurrent_sends = 1;  // one send() at a time (also the default)
  template <class T>
  static consteval void check_record() {
    static_assert(sf::reflect::is_struct<T>, "demo::vector_log stores adapted structs only");
  }

  // Configuration: an aggregate, so designated initializers work.
  std::shared_ptr<store> target;
  std::uint32_t fail_every = 0;        // 0: never; n: every n-th send attempt fails (retryable)
  std::size_t max_record_bytes = 256;  // a longer encoded record is refused (invalid_record)

  // Called once by the sink's constructor.
  void validate() const {
    if (!target) throw sf::config_error("demo::vector_log.target", "must not be null");
    if (max_record_bytes == 0) throw sf::config_error("demo::vector_log.max_record_bytes", "must be at least 1");
  }

  class connection {
   public:
    connection(const vector_log& cfg, std::string preamble)
        : target_(cfg.target),
          fail_every_(cfg.fail_every),
          max_record_bytes_(cfg.max_record_bytes),
          preamble_(std::move(preamble)) {}

    template <class Key>
    sf::send_result send(const sf::record_batch<Key, sf::byte_records>& batch) {
      std::lock_guard lock(target_->mutex);
      store& s = *target_;
      ++s.attempts;
      if (fail_every_ != 0 && s.attempts % fail_every_ == 0)
        return sf::send_result::retryable("injected failure", 2ms);  // 2ms: a retry-after hint

      // Keep the records that fit, framed as the serializer frames a batch; name the others.
      const sf::framing& frame = batch.records.frame();
      std::string out = preamble_;
      out += frame.prefix;
      std::vector<sf::record_failure> refused;
      std::size_t kept = 0;
      for (std::size_t i = 0; i < batch.records.size(); ++i) {
        const std::string_view record = batch.records[i];
        if (record.size() > max_record_bytes_) {
          refused.push_back({static_cast<std::uint32_t>(i), sf::failure_kind::invalid_record,
                             "record of " + std::to_string(record.size()) + " bytes is too long"});
          continue;
        }
        if (kept++ != 0) out += frame.separator;
        out += record;
      }
      out += frame.suffix;

      tally& t = s.per_partition[sf::key_text(batch.key)];
      t.records += kept;
      t.bytes += out.size();
      s.batches.push_back(std::move(out));
      return sf::send_result::partial(std::move(refused));  // success() when nothing was refused
    }

    void flush() {}  // optional: make sent data durable (called by flush() and close())
    void close() {}  // optional: release resources (called once by close())

   private:
    std::shared_ptr<store> target_;
    std::uint32_t fail_every_;
    std::size_t max_record_bytes_;
    std::string preamble_;  // e.g. CSV's header row; this transport repeats it in every batch
  };

  // Called once by the sink's constructor, with the record type and the serializer's payload type.
  template <class T, class Payload>
  connection open(const sf::transport_context& cx) const {
    return connection(*this, cx.preamble);
  }
};

// ---------------------------------------------------------------------------------------------
// A retry policy: const, stateless across batches; per-batch state lives in `state`.

struct linear {
  using policy_family = sf::family::retry;
  struct state {
    std::chrono::nanoseconds waited{0};
  };

  std::uint32_t max_attempts = 4;  // sends in all, the first included
  std::chrono::nanoseconds step = 10ms;
  std::chrono::nanoseconds budget = 1s;  // total wait per batch

  std::optional<std::chrono::nanoseconds> next_delay(state& s, const sf::retry_context& cx) const {
    if (cx.attempt >= max_attempts) return std::nullopt;  // give up: the batch is dead-lettered
    std::chrono::nanoseconds d = step * cx.attempt;
    if (cx.retry_after && *cx.retry_after > d) d = *cx.retry_after;
    if (s.waited + d > budget) return std::nullopt;
    s.waited += d;
    return d;
  }
  void validate() const {
    if (max_attempts == 0) throw sf::config_error("demo::linear.max_attempts", "must be at least 1");
    if (step < 0ns) throw sf::config_error("demo::linear.step", "must not be negative");
  }
};

// ---------------------------------------------------------------------------------------------
// A batching policy with one hook, deadline(): every open batch is sealed at the next multiple of
// `period` on the sink's steady clock, so batches of all partitions close at the same instants.

struct aligned {
  using policy_family = sf::family::batching;
  std::chrono::nanoseconds period = 1s;

  std::optional<sf::steady_time> deadline(const sf::batch_state& s) const {
    const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(s.opened_at.time_since_epoch());
    return sf::steady_time{(since_epoch / period + 1) * period};
  }
  void validate() const {
    if (period <= 0ns) throw sf::config_error("demo::aligned.period", "must be positive");
  }
};

}  // namespace demo

int main() {
  auto out = std::make_shared<demo::store>();
  sf::clock::manual clock;  // copies share one time line; sleep_for() advances it instantly
  sf::metrics::counters metrics{.name = "readings"};
  std::vector<sf::failed_record> dead;

  {
    auto sink = sf::make_sink<Reading>(
        demo::vector_log{.target = out, .fail_every = 3, .max_record_bytes = 80},
        sf::batch::max_records{3} | demo::aligned{.period = 1s},
        demo::linear{.max_attempts = 4, .step = 10ms},
        sf::partition::by<&Reading::sensor>,
        sf::dead_letter::call([&dead](std::vector<sf::failed_record>&& records) {
          for (auto& r : records) dead.push_back(std::move(r));
        }),
        clock, metrics);

    // Three records of s1 fill a batch: it is sent at once (send attempt 1).
    sink.write(Reading{"s1", 20.5, ""});
    sink.write(Reading{"s1", 20.75, ""});
    sink.write(Reading{"s1", 21.0, "door open"});

    // s1 opens a new batch; s2 fills one, with a record the transport refuses (attempt 2).
    sink.write(Reading{"s1", 21.25, ""});
    sink.write(Reading{"s2", -3.5, ""});
    sink.write(Reading{"s2", -3.25, std::string(100, '!')});
    sink.write(Reading{"s2", -3.0, ""});

    // One second later the open s1 batch reaches its aligned deadline; attempt 3 fails by
    // injection and the retry (attempt 4) succeeds after linear's first delay.
    clock.advance(1s);
    sink.tick();
    sink.close();
  }

  std::cout << "batches:\n";
  for (const auto& b : out->batches) std::cout << b;
  std::cout << "per partition:\n";
  for (const auto& [key, t] : out->per_partition)
    std::cout << "  " << key << ": " << t.records << " records, " << t.bytes << " bytes\n";
  std::cout << "dead letters:\n";
  for (const auto& f : dead)
    std::cout << "  [" << f.partition << "] " << sf::to_string(f.kind) << ": " << f.reason << "\n";
  const sf::metrics::counter_values v = metrics.values();
  std::cout << "send attempts: " << out->attempts << ", retries: " << v.retries
            << ", records in/out/failed: " << v.records_in << "/" << v.records_out << "/" << v.failures
            << ", slept: " << std::chrono::duration_cast<std::chrono::milliseconds>(clock.slept()).count()
            << "ms\n";
}
