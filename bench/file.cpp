// 3. File transport throughput. The same ndjson batches (500 records each, encoded once up front)
// appended to a file in a temporary directory by
//   - sinkforge's file::append connection (one send() per batch),
//   - a plain write(2) loop (one write per batch, O_APPEND, looping over short writes),
//   - spdlog's basic_file_sink (single-threaded, pattern "%v": the same lines, one log call each).
// For context also: a sink<std::string_view> with serialize::raw fed the same lines one write() at a
// time (the per-line API spdlog offers), and the whole ndjson sink fed Order records.
// Each iteration appends every batch, flushes, then (untimed) truncates the file to zero.
// Set SINKFORGE_BENCH_DIR to choose the directory (default: $TMPDIR or /tmp).
#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>

#include <sinkforge/sinkforge.hpp>

#include "common.hpp"
#include "run_main.hpp"
#include "paired.hpp"

namespace sf = sinkforge;
using bench::Order;

namespace {

constexpr std::size_t kBatch = 500;
constexpr std::size_t kBatches = 64;  // per iteration, ~3 MB

const std::vector<Order>& orders() {
  static const std::vector<Order> v = bench::make_orders(kBatch * kBatches);
  return v;
}

using batch_t = sf::record_batch<sf::no_key, sf::byte_records>;

const std::vector<batch_t>& batches() {
  static const std::vector<batch_t> bs = [] {
    std::vector<batch_t> out;
    const sf::serialize::ndjson ser;
    for (std::size_t b = 0; b < kBatches; ++b) {
      batch_t x;
      x.records = ser.make_payload<Order>();
      for (std::size_t i = 0; i < kBatch; ++i) ser.append(x.records, orders()[b * kBatch + i]);
      x.records.seal();
      x.sequence = b;
      out.push_back(std::move(x));
    }
    return out;
  }();
  return bs;
}

// The same lines without their '\n' (spdlog and serialize::raw add it).
const std::vector<std::string_view>& lines() {
  static const std::vector<std::string_view> ls = [] {
    std::vector<std::string_view> out;
    for (const auto& b : batches())
      for (std::size_t i = 0; i < b.records.size(); ++i) {
        const std::string_view r = b.records[i];
        out.push_back(r.substr(0, r.size() - 1));
      }
    return out;
  }();
  return ls;
}

std::size_t bytes_per_iteration() {
  std::size_t n = 0;
  for (const auto& b : batches()) n += b.records.bytes().size();
  return n;
}

const std::string& dir() { return bench::scratch_dir(); }

std::string fresh_path(const char* name) {
  const std::string p = dir() + "/" + name;
  ::unlink(p.c_str());
  return p;
}

void truncate_untimed(benchmark::State& state, const std::string& path) {
  state.PauseTiming();
  if (::truncate(path.c_str(), 0) != 0) state.SkipWithError("truncate failed");
  state.ResumeTiming();
}

void finish(benchmark::State& state, const std::string& path) {
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes_per_iteration()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch * kBatches));
  ::unlink(path.c_str());
}

void BM_file_sinkforge_transport(benchmark::State& state) {
  const std::string path = fresh_path("sf_transport.ndjson");
  sf::file::append cfg{.path = path};
  auto conn = cfg.open<Order, sf::byte_records>(sf::transport_context{});
  for (auto _ : state) {
    for (const auto& b : batches())
      if (!conn.send(b).ok()) state.SkipWithError("send failed");
    conn.flush();
    truncate_untimed(state, path);
  }
  conn.close();
  finish(state, path);
}

void BM_file_write_loop(benchmark::State& state) {
  const std::string path = fresh_path("write_loop.ndjson");
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) bench::fail("open failed");
  for (auto _ : state) {
    for (const auto& b : batches()) {
      const std::string_view bytes = b.records.bytes();
      std::size_t done = 0;
      while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
          if (errno == EINTR) continue;
          state.SkipWithError("write failed");
          break;
        }
        done += static_cast<std::size_t>(n);
      }
    }
    truncate_untimed(state, path);
  }
  ::close(fd);
  finish(state, path);
}

void BM_file_spdlog(benchmark::State& state) {
  const std::string path = fresh_path("spdlog.ndjson");
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_st>(path, true);
  spdlog::logger logger("bench", sink);
  logger.set_pattern("%v", spdlog::pattern_time_type::utc);
  logger.set_level(spdlog::level::info);
  for (auto _ : state) {
    for (const std::string_view line : lines()) logger.info(line);
    logger.flush();
    truncate_untimed(state, path);
  }
  finish(state, path);
}

void BM_file_sinkforge_sink_lines(benchmark::State& state) {
  const std::string path = fresh_path("sf_lines.ndjson");
  auto sink = sf::make_sink<std::string_view>(sf::file::append{.path = path}, sf::serialize::raw{},
                                              sf::batch::max_records{kBatch}, sf::retry::none{},
                                              sf::deliver::at_least_once);
  for (auto _ : state) {
    for (const std::string_view line : lines()) sink.write(line);
    sink.flush();
    truncate_untimed(state, path);
  }
  sink.close();
  finish(state, path);
}

void BM_file_sinkforge_sink_orders(benchmark::State& state) {
  const std::string path = fresh_path("sf_orders.ndjson");
  auto sink = sf::make_sink<Order>(sf::file::append{.path = path}, sf::serialize::ndjson{},
                                   sf::batch::max_records{kBatch}, sf::retry::none{}, sf::deliver::at_least_once);
  for (auto _ : state) {
    for (const auto& o : orders()) sink.write(o);
    sink.flush();
    truncate_untimed(state, path);
  }
  sink.close();
  finish(state, path);
}

void write_all(int fd, std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      bench::fail("write failed");
    }
    done += static_cast<std::size_t>(n);
  }
}

// All five, alternating within every iteration (what bench/run.sh reports); wall-clock time.
void BM_pair_file(benchmark::State& state) {
  const std::string p_tr = fresh_path("p_transport"), p_wr = fresh_path("p_write"), p_sp = fresh_path("p_spdlog"),
                    p_li = fresh_path("p_lines"), p_or = fresh_path("p_orders");
  sf::file::append cfg{.path = p_tr};
  auto conn = cfg.open<Order, sf::byte_records>(sf::transport_context{});
  const int fd = ::open(p_wr.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) bench::fail("open failed");
  auto spd_sink = std::make_shared<spdlog::sinks::basic_file_sink_st>(p_sp, true);
  spdlog::logger logger("pair", spd_sink);
  logger.set_pattern("%v", spdlog::pattern_time_type::utc);
  auto lines_sink = sf::make_sink<std::string_view>(sf::file::append{.path = p_li}, sf::serialize::raw{},
                                                    sf::batch::max_records{kBatch}, sf::retry::none{},
                                                    sf::deliver::at_least_once);
  auto orders_sink = sf::make_sink<Order>(sf::file::append{.path = p_or}, sf::serialize::ndjson{},
                                          sf::batch::max_records{kBatch}, sf::retry::none{},
                                          sf::deliver::at_least_once);
  auto truncate = [](const std::string& p) {
    return [p] {
      if (::truncate(p.c_str(), 0) != 0) bench::fail("truncate failed");
    };
  };
  std::vector<bench::side> sides{
      {"transport", [&] {
         for (const auto& b : batches())
           if (!conn.send(b).ok()) bench::fail("send failed");
         conn.flush();
       }, truncate(p_tr)},
      {"write_loop", [&] {
         for (const auto& b : batches()) write_all(fd, b.records.bytes());
       }, truncate(p_wr)},
      {"spdlog", [&] {
         for (const std::string_view line : lines()) logger.info(line);
         logger.flush();
       }, truncate(p_sp)},
      {"sink_lines", [&] {
         for (const std::string_view line : lines()) lines_sink.write(line);
         lines_sink.flush();
       }, truncate(p_li)},
      {"sink_orders", [&] {
         for (const auto& o : orders()) orders_sink.write(o);
         orders_sink.flush();
       }, truncate(p_or)},
  };
  bench::run_paired(state, sides, static_cast<double>(kBatch * kBatches), static_cast<double>(bytes_per_iteration()),
                    bench::timer::wall);
  conn.close();
  ::close(fd);
  lines_sink.close();
  orders_sink.close();
  for (const auto* p : {&p_tr, &p_wr, &p_sp, &p_li, &p_or}) ::unlink(p->c_str());
}

BENCHMARK(BM_pair_file)->UseRealTime();
BENCHMARK(BM_file_sinkforge_transport)->UseRealTime();
BENCHMARK(BM_file_write_loop)->UseRealTime();
BENCHMARK(BM_file_spdlog)->UseRealTime();
BENCHMARK(BM_file_sinkforge_sink_lines)->UseRealTime();
BENCHMARK(BM_file_sinkforge_sink_orders)->UseRealTime();

// Every writer must leave exactly the same bytes in its file.
void check_outputs() {
  std::string expected;
  for (const auto& b : batches()) expected += b.records.bytes();
  {
    const std::string path = fresh_path("check_transport");
    sf::file::append cfg{.path = path};
    auto conn = cfg.open<Order, sf::byte_records>(sf::transport_context{});
    for (const auto& b : batches()) conn.send(b);
    conn.close();
    if (bench::read_file(path) != expected) bench::fail("file::append wrote different bytes");
    ::unlink(path.c_str());
  }
  {
    const std::string path = fresh_path("check_spdlog");
    {
      auto sink = std::make_shared<spdlog::sinks::basic_file_sink_st>(path, true);
      spdlog::logger logger("check", sink);
      logger.set_pattern("%v", spdlog::pattern_time_type::utc);
      for (const std::string_view line : lines()) logger.info(line);
      logger.flush();
    }
    if (bench::read_file(path) != expected) bench::fail("spdlog wrote different bytes");
    ::unlink(path.c_str());
  }
  {
    const std::string path = fresh_path("check_lines");
    {
      auto sink = sf::make_sink<std::string_view>(sf::file::append{.path = path}, sf::serialize::raw{},
                                                  sf::batch::max_records{kBatch});
      for (const std::string_view line : lines()) sink.write(line);
    }
    if (bench::read_file(path) != expected) bench::fail("the raw-lines sink wrote different bytes");
    ::unlink(path.c_str());
  }
  {
    const std::string path = fresh_path("check_orders");
    {
      auto sink = sf::make_sink<Order>(sf::file::append{.path = path}, sf::serialize::ndjson{},
                                       sf::batch::max_records{kBatch});
      for (const auto& o : orders()) sink.write(o);
    }
    if (bench::read_file(path) != expected) bench::fail("the ndjson sink wrote different bytes");
    ::unlink(path.c_str());
  }
  std::fprintf(stderr, "self-check: %zu bytes in %zu batches identical from every writer (dir %s)\n",
               expected.size(), batches().size(), dir().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const int rc = bench::run_main(argc, argv, check_outputs);
  ::rmdir(dir().c_str());
  return rc;
}
