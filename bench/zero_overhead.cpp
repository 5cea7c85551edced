// 1. Zero overhead. One composed sink (ndjson, max_records, retry::none, at_least_once,
// partition::by<&Order::customer> over 16 customers, memory::buffer) against
//   (a) a hand-written loop doing the same work: the same JSON bytes per record, per-customer open
//       batches of N records, each full batch's bytes (and record spans) copied into a store, and
//   (b) the same pipeline built from abstract serializer/batcher/partitioner/transport classes with a
//       virtual call per record and per policy.
// Also: the composed sink with metrics::none (default) against metrics::counters.
// At start-up the three pipelines' outputs are compared byte for byte (per key, batch by batch).
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/sinkforge.hpp>

#include "common.hpp"
#include "run_main.hpp"
#include "paired.hpp"

namespace sf = sinkforge;
using bench::Order;

namespace {

constexpr std::size_t kBatch = 500;
constexpr std::size_t kRecords = 16000;  // per iteration: ~2 batches per customer, then flush

const std::vector<Order>& orders() {
  static const std::vector<Order> v = bench::make_orders(kRecords);
  return v;
}

auto make_composed(sf::memory::buffer mem) {
  return sf::make_sink<Order>(mem, sf::serialize::ndjson{}, sf::batch::max_records{kBatch}, sf::retry::none{},
                              sf::deliver::at_least_once, sf::partition::by<&Order::customer>);
}
auto make_composed_counters(sf::memory::buffer mem, sf::metrics::counters m) {
  return sf::make_sink<Order>(mem, sf::serialize::ndjson{}, sf::batch::max_records{kBatch}, sf::retry::none{},
                              sf::deliver::at_least_once, sf::partition::by<&Order::customer>, m);
}

// ---- (a) hand-written ----------------------------------------------------------------------------
class handwritten {
 public:
  handwritten(bench::hw::store& s, std::size_t batch) : store_(s), batch_(batch) { open_.reserve(64); }

  void write(const Order& r) {
    open_batch& b = find(r.customer);
    const std::size_t begin = b.buf.size();
    if (!bench::hw::write_order_line(b.buf, r)) throw std::runtime_error("non-finite amount");
    b.spans.emplace_back(static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(b.buf.size()));
    if (b.spans.size() >= batch_) send(b);
  }
  void flush() {
    for (auto& b : open_)
      if (!b.spans.empty()) send(b);
  }

 private:
  struct open_batch {
    std::string key;
    bench::hw::buffer buf;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
  };

  open_batch& find(std::string_view key) {
    if (last_ < open_.size() && open_[last_].key == key) return open_[last_];
    for (std::size_t i = 0; i < open_.size(); ++i)
      if (open_[i].key == key) return open_[last_ = i];
    open_.push_back(open_batch{std::string(key), {}, {}});
    open_.back().spans.reserve(batch_);
    return open_[last_ = open_.size() - 1];
  }

  void send(open_batch& b) {
    bench::hw::stored_batch s;
    s.key = b.key;
    s.bytes.assign(b.buf.data(), b.buf.size());
    s.spans = b.spans;
    s.sequence = sequence_++;
    store_.put(std::move(s));
    b.buf.clear();
    b.spans.clear();
  }

  bench::hw::store& store_;
  std::size_t batch_;
  std::vector<open_batch> open_;
  std::size_t last_ = 0;
  std::uint64_t sequence_ = 0;
};

// ---- (b) virtual-dispatch policies ---------------------------------------------------------------
namespace oop {
struct batch {
  std::string key;
  bench::hw::buffer buf;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
  std::uint64_t sequence = 0;
};
struct serializer {
  virtual ~serializer() = default;
  virtual bool append(batch& b, const Order& r) const = 0;
};
struct batcher {
  virtual ~batcher() = default;
  virtual bool full(std::size_t records, std::size_t bytes) const = 0;
};
struct partitioner {
  virtual ~partitioner() = default;
  virtual std::string_view key(const Order& r) const = 0;
};
struct transport {
  virtual ~transport() = default;
  virtual bool send(const batch& b) = 0;
};
struct retry {
  virtual ~retry() = default;
  virtual bool again(std::uint32_t attempt) const = 0;
};

struct ndjson_serializer final : serializer {
  bool append(batch& b, const Order& r) const override {
    const std::size_t begin = b.buf.size();
    if (!bench::hw::write_order_line(b.buf, r)) return false;
    b.spans.emplace_back(static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(b.buf.size()));
    return true;
  }
};
struct max_records final : batcher {
  explicit max_records(std::size_t n) : n_(n) {}
  bool full(std::size_t records, std::size_t) const override { return records >= n_; }
  std::size_t n_;
};
struct by_customer final : partitioner {
  std::string_view key(const Order& r) const override { return r.customer; }
};
struct no_retry final : retry {
  bool again(std::uint32_t) const override { return false; }
};
struct memory_transport final : transport {
  explicit memory_transport(bench::hw::store& s) : store_(s) {}
  bool send(const batch& b) override {
    bench::hw::stored_batch s;
    s.key = b.key;
    s.bytes.assign(b.buf.data(), b.buf.size());
    s.spans = b.spans;
    s.sequence = b.sequence;
    store_.put(std::move(s));
    return true;
  }
  bench::hw::store& store_;
};

class pipeline {
 public:
  pipeline(std::unique_ptr<serializer> s, std::unique_ptr<batcher> b, std::unique_ptr<partitioner> p,
           std::unique_ptr<transport> t, std::unique_ptr<retry> r)
      : ser_(std::move(s)), bat_(std::move(b)), part_(std::move(p)), tr_(std::move(t)), retry_(std::move(r)) {
    open_.reserve(64);
  }
  void write(const Order& r) {
    const std::string_view k = part_->key(r);
    batch& b = find(k);
    if (!ser_->append(b, r)) throw std::runtime_error("unencodable");
    if (bat_->full(b.spans.size(), b.buf.size())) deliver(b);
  }
  void flush() {
    for (auto& b : open_)
      if (!b.spans.empty()) deliver(b);
  }

 private:
  batch& find(std::string_view key) {
    if (last_ < open_.size() && open_[last_].key == key) return open_[last_];
    for (std::size_t i = 0; i < open_.size(); ++i)
      if (open_[i].key == key) return open_[last_ = i];
    open_.push_back(batch{std::string(key), {}, {}, 0});
    return open_[last_ = open_.size() - 1];
  }
  void deliver(batch& b) {
    b.sequence = sequence_++;
    for (std::uint32_t attempt = 1;; ++attempt)
      if (tr_->send(b) || !retry_->again(attempt)) break;
    b.buf.clear();
    b.spans.clear();
  }

  std::unique_ptr<serializer> ser_;
  std::unique_ptr<batcher> bat_;
  std::unique_ptr<partitioner> part_;
  std::unique_ptr<transport> tr_;
  std::unique_ptr<retry> retry_;
  std::vector<batch> open_;
  std::size_t last_ = 0;
  std::uint64_t sequence_ = 0;
};

pipeline make(bench::hw::store& s) {
  return pipeline(std::make_unique<ndjson_serializer>(), std::make_unique<max_records>(kBatch),
                  std::make_unique<by_customer>(), std::make_unique<memory_transport>(s),
                  std::make_unique<no_retry>());
}
}  // namespace oop

// ---- the benchmarks ------------------------------------------------------------------------------
void finish(benchmark::State& state, std::size_t bytes_per_iter) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kRecords));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes_per_iter));
}

std::size_t output_bytes() {
  static const std::size_t bytes = [] {
    std::size_t n = 0;
    bench::hw::buffer b;
    for (const auto& o : orders()) {
      b.clear();
      bench::hw::write_order_line(b, o);
      n += b.size();
    }
    return n;
  }();
  return bytes;
}

void BM_zero_composed(benchmark::State& state) {
  sf::memory::buffer mem;
  auto sink = make_composed(mem);
  const auto& v = orders();
  for (auto _ : state) {
    for (const auto& o : v) sink.write(o);
    sink.flush();
    mem.clear();
  }
  finish(state, output_bytes());
}

void BM_zero_composed_counters(benchmark::State& state) {
  sf::memory::buffer mem;
  sf::metrics::counters m;
  auto sink = make_composed_counters(mem, m);
  const auto& v = orders();
  for (auto _ : state) {
    for (const auto& o : v) sink.write(o);
    sink.flush();
    mem.clear();
  }
  if (m.values().records_out != m.values().records_in) state.SkipWithError("counters disagree");
  finish(state, output_bytes());
}

void BM_zero_handwritten(benchmark::State& state) {
  bench::hw::store store;
  handwritten h(store, kBatch);
  const auto& v = orders();
  for (auto _ : state) {
    for (const auto& o : v) h.write(o);
    h.flush();
    store.clear();
  }
  finish(state, output_bytes());
}

void BM_zero_virtual(benchmark::State& state) {
  bench::hw::store store;
  auto p = oop::make(store);
  const auto& v = orders();
  for (auto _ : state) {
    for (const auto& o : v) p.write(o);
    p.flush();
    store.clear();
  }
  finish(state, output_bytes());
}

// All four, alternating within every iteration (what bench/run.sh reports).
void BM_pair_zero(benchmark::State& state) {
  const auto& v = orders();
  sf::memory::buffer mem, mem_counted;
  auto sink = make_composed(mem);
  sf::metrics::counters m;
  auto counted = make_composed_counters(mem_counted, m);
  bench::hw::store hs, vs;
  handwritten h(hs, kBatch);
  auto p = oop::make(vs);
  std::vector<bench::side> sides{
      {"composed", [&] {
         for (const auto& o : v) sink.write(o);
         sink.flush();
         mem.clear();
       }},
      {"handwritten", [&] {
         for (const auto& o : v) h.write(o);
         h.flush();
         hs.clear();
       }},
      {"virtual", [&] {
         for (const auto& o : v) p.write(o);
         p.flush();
         vs.clear();
       }},
      {"counters", [&] {
         for (const auto& o : v) counted.write(o);
         counted.flush();
         mem_counted.clear();
       }},
  };
  bench::run_paired(state, sides, kRecords, static_cast<double>(output_bytes()), bench::timer::thread_cpu);
}

BENCHMARK(BM_pair_zero);
BENCHMARK(BM_zero_composed);
BENCHMARK(BM_zero_composed_counters);
BENCHMARK(BM_zero_handwritten);
BENCHMARK(BM_zero_virtual);

// ---- self-check: identical bytes -----------------------------------------------------------------
// key -> the batches of that key in the order they were sent: (bytes, spans)
using batches_by_key =
    std::map<std::string, std::vector<std::pair<std::string, std::vector<std::pair<std::uint32_t, std::uint32_t>>>>>;

batches_by_key group(const std::vector<bench::hw::stored_batch>& bs) {
  batches_by_key out;
  for (const auto& b : bs) out[b.key].emplace_back(b.bytes, b.spans);
  return out;
}

void check_outputs() {
  // Two passes each, so batches formed after a flush are compared as well.
  sf::memory::buffer mem;
  {
    auto sink = make_composed(mem);
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& o : orders()) sink.write(o);
      sink.flush();
    }
  }
  std::vector<bench::hw::stored_batch> composed;
  for (const auto& b : mem.batches()) {
    bench::hw::stored_batch s;
    s.key = b.key;
    s.bytes = b.bytes;
    s.spans = b.spans;
    s.sequence = b.sequence;
    composed.push_back(std::move(s));
  }
  bench::hw::store hs, vs;
  {
    handwritten h(hs, kBatch);
    auto p = oop::make(vs);
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& o : orders()) {
        h.write(o);
        p.write(o);
      }
      h.flush();
      p.flush();
    }
  }
  if (composed.size() != hs.batches().size()) bench::fail("composed and hand-written batch counts differ");
  if (group(composed) != group(hs.batches())) bench::fail("composed and hand-written bytes differ");
  if (group(composed) != group(vs.batches())) bench::fail("composed and virtual-dispatch bytes differ");
  std::size_t bytes = 0, records = 0;
  for (const auto& b : composed) bytes += b.bytes.size(), records += b.spans.size();
  if (records != 2 * kRecords) bench::fail("composed sink lost records");
  if (bytes != 2 * output_bytes()) bench::fail("byte count mismatch");
  std::fprintf(stderr, "self-check: %zu batches, %zu records, %zu bytes identical in all three pipelines\n",
               composed.size(), records, bytes);
}

}  // namespace

int main(int argc, char** argv) { return bench::run_main(argc, argv, check_outputs); }
