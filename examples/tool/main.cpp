// sinkforge: moves records from NDJSON or CSV into the sinks the library composes, chosen by URI.
//
//   sinkforge pipe --from orders.ndjson --to 'sqlite://shop.db?table=orders&delivery=exactly_once'
//   sinkforge pipe --from events.ndjson --to 'sqlite://shop.db?table={type}' --to stdout:
//   sinkforge check --to 'postgresql://loader@db/shop?table=orders&password_env=PGPASSWORD'
//   sinkforge schemes
//
// Exit codes: 0 done; 2 usage or configuration error; 3 a delivery failed; 4 some records were
// dead-lettered; 130 / 143 stopped by SIGINT / SIGTERM (after flushing and committing). See
// docs/tool.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include <pthread.h>

#include <CLI/CLI.hpp>

#include <sinkforge/registry/scheme.hpp>
#include <sinkforge/registry/uri.hpp>
#include <sinkforge/serialize/detail/json_writer.hpp>
#include <sinkforge/serialize/json.hpp>

#include "input.hpp"
#if SINKFORGE_TOOL_METRICS
#include "metrics_http.hpp"
#endif
#include <sinkforge/registry/routes.hpp>
#include "targets.hpp"

namespace sinkforge_tool {
namespace {

enum exit_code : int { done = 0, usage = 2, delivery_failed = 3, dead_lettered = 4 };

std::atomic<int> signals_seen{0};
std::atomic<int> first_signal{0};

extern "C" void on_wake(int) {}

extern "C" void on_signal(int sig) {
  if (signals_seen.fetch_add(1) > 0) _exit(128 + sig);  // the second one aborts
  first_signal.store(sig);
}

// Quotes a string as JSON (for the dead-letter file).
std::string json_string(std::string_view s) {
  sf::byte_buffer b;
  sf::serialize::detail::write_json_string(b, s, sf::serialize::invalid_utf8::replace);
  return std::string(b.view());
}

// The dead-letter file: one NDJSON object per refused record, with its source line (when it has
// one), the target that refused it (when one did) and the reason. Created on first use.
class dead_letters {
 public:
  explicit dead_letters(std::string path) : path_(std::move(path)) {}
  void add(std::optional<std::uint64_t> line, std::string_view target, std::string_view reason, std::string_view record) {
    if (!out_.is_open()) {
      out_.open(path_, std::ios::app | std::ios::binary);
      if (!out_) throw std::runtime_error("sinkforge: cannot open the dead-letter file " + path_);
    }
    out_ << "{\"line\":" << (line ? std::to_string(*line) : std::string("null"))
         << ",\"target\":" << (target.empty() ? std::string("null") : json_string(target))
         << ",\"reason\":" << json_string(reason) << ",\"record\":" << json_string(record) << "}\n";
    ++count_;
  }
  void flush() {
    if (out_.is_open()) out_.flush();
  }
  std::uint64_t count() const noexcept { return count_.load(); }
  const std::atomic<std::uint64_t>& counter() const noexcept { return count_; }
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
  std::atomic<std::uint64_t> count_{0};
};

// --fields and --rename: which fields go on, in which order, under which names.
struct field_map {
  std::vector<std::string> keep;                            // empty: all, in their order
  std::vector<std::pair<std::string, std::string>> rename;  // old -> new
  std::map<const void*, std::pair<sf::dynamic::shape_ref, std::vector<int>>> cache;  // per input shape

  bool active() const { return !keep.empty() || !rename.empty(); }

  // The record as the targets see it, or the reason it cannot be (a kept field it lacks).
  std::optional<std::string> apply(sf::dynamic::record& r) {
    if (!active()) return std::nullopt;
    const void* key = &*r.fields();
    auto it = cache.find(key);
    if (it == cache.end()) {
      std::vector<std::string> names;
      std::vector<int> from;
      const auto& have = r.names();
      auto index_of = [&](const std::string& n) {
        for (std::size_t i = 0; i < have.size(); ++i)
          if (have[i] == n) return static_cast<int>(i);
        return -1;
      };
      if (keep.empty()) {
        for (std::size_t i = 0; i < have.size(); ++i) from.push_back(static_cast<int>(i)), names.push_back(have[i]);
      } else {
        for (const auto& k : keep) from.push_back(index_of(k)), names.push_back(k);
      }
      for (auto& n : names)
        for (const auto& [old_name, new_name] : rename)
          if (n == old_name) n = new_name;
      it = cache.emplace(key, std::make_pair(sf::dynamic::make_shape(std::move(names)), std::move(from))).first;
    }
    const auto& [shape, from] = it->second;
    std::vector<sf::dynamic::value> values;
    values.reserve(from.size());
    for (std::size_t i = 0; i < from.size(); ++i) {
      if (from[i] < 0) return "lacks the field '" + keep[i] + "'";
      values.push_back(std::move(r[static_cast<std::size_t>(from[i])]));
    }
    r = sf::dynamic::record(shape, std::move(values));
    return std::nullopt;
  }
};

// The URI with its {field} placeholders filled with "x", to be checked as a URI ({key}, {time},
// {date} and {seq} are file::rotating's, in rotate.name, and stay).
std::string sample_uri(const std::string& uri) {
  std::string out;
  std::size_t at = 0;
  while (at < uri.size()) {
    const std::size_t open = uri.find('{', at);
    const std::size_t close = open == std::string::npos ? std::string::npos : uri.find('}', open);
    if (close == std::string::npos) break;
    const std::string name = uri.substr(open + 1, close - open - 1);
    out += uri.substr(at, open - at);
    out += (name == "key" || name == "time" || name == "date" || name == "seq") ? uri.substr(open, close + 1 - open) : "x";
    at = close + 1;
  }
  return out + uri.substr(at);
}

// A --to URI, with {field} placeholders expanded per record.
struct route {
  std::string name;
  std::vector<std::pair<std::string, std::string>> settings;  // keys beside the URI's (--config)
  sf::registry::route rule;  // its match: the records it takes
  std::size_t index = 0;
  std::string uri;
  std::vector<std::string> fields;  // the placeholders, in order
  std::vector<std::string> parts;   // text around them: parts.size() == fields.size() + 1
  bool templated() const { return !fields.empty(); }

  explicit route(std::string u) : uri(std::move(u)) {
    std::size_t at = 0;
    std::string part;
    while (at < uri.size()) {
      const std::size_t open = uri.find('{', at);
      if (open == std::string::npos) break;
      const std::size_t close = uri.find('}', open);
      if (close == std::string::npos) break;
      // {key}, {time}, {date} and {seq} are file::rotating's, in rotate.name.
      const std::string placeholder = uri.substr(open + 1, close - open - 1);
      if (placeholder == "key" || placeholder == "time" || placeholder == "date" || placeholder == "seq") {
        part += uri.substr(at, close + 1 - at);
        at = close + 1;
        continue;
      }
      part += uri.substr(at, open - at);
      parts.push_back(std::move(part));
      part.clear();
      fields.push_back(uri.substr(open + 1, close - open - 1));
      at = close + 1;
    }
    part += uri.substr(at);
    parts.push_back(std::move(part));
  }

  // Whether this route takes the record: each `match` field equal to its value, as text.
  bool takes(const sf::dynamic::record& r) const { return rule.takes(r); }

  // The URI for this record, or the reason there is none.
  std::optional<std::string> expand(const sf::dynamic::record& r, std::string& why) const {
    std::string out = parts[0];
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const sf::dynamic::value* v = r.find(fields[i]);
      std::string text;
      if (v && v->type == sf::dynamic::kind::text) text = v->text;
      else if (v && v->type == sf::dynamic::kind::integer) text = std::to_string(v->integer);
      if (text.empty() || text.size() > 64 ||
          text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != std::string::npos) {
        why = "its field '" + fields[i] + "' names no target (" +
              (v ? "1 to 64 letters, digits, '_', '-' or '.'" : std::string("the record has no such field")) + ")";
        return std::nullopt;
      }
      out += text;
      out += parts[i + 1];
    }
    return out;
  }
};

// One input record as the main thread sees it: the text only for a line that is no record.
struct read_item {
  std::uint64_t line = 0, end = 0, next_line = 0;
  std::optional<sf::dynamic::record> record;
  std::string error, text;
};

// Reads and parses the input on a thread of its own, a chunk of records at a time, while the main
// thread routes and writes them: parsing JSON and inserting rows each take one core.
class reader {
 public:
  // `stop_reading`: what `in` was made to watch; set here when the reader must end.
  reader(input& in, std::atomic<int>& stop_reading) : in_(in), stop_reading_(stop_reading), thread_([this] { run(); }) {}
  ~reader() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    stop_reading_.store(1);
    cv_.notify_all();
    // A read() blocked on a pipe ends with EINTR (see on_wake) once a signal was seen.
    while (!finished_.load()) {
      pthread_kill(thread_.native_handle(), SIGUSR1);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    thread_.join();
  }

  // The next chunk; false at the end of the input. Once `interrupted` is set, the reading stops
  // (a read() blocked on a pipe too) and what was read before comes out. Rethrows a read error.
  bool next(std::vector<read_item>& out, const std::atomic<int>& interrupted, const std::function<void()>& idle) {
    for (;;) {
      {
        std::unique_lock lock(m_);
        if (!ready_.empty()) {
          out = std::move(ready_.front());
          ready_.pop_front();
          cv_.notify_all();
          return true;
        }
        if (error_) std::rethrow_exception(error_);
        if (done_) return false;
        if (interrupted.load() != 0 && stop_reading_.load() == 0) {
          stop_reading_.store(1);
          pthread_kill(thread_.native_handle(), SIGUSR1);
        }
        if (cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return !ready_.empty() || done_ || error_; }))
          continue;
      }
      idle();  // the input is slow: what was read goes on meanwhile
    }
  }

 private:
  void run() {
    try {
      input_item item;
      std::vector<read_item> chunk;
      bool more = true;
      while (more) {
        chunk.clear();
        chunk.reserve(1024);
        // A chunk goes as soon as the input has nothing more at hand: a slow producer's records do
        // not wait for a thousand more.
        while (chunk.size() < 1024 && (chunk.empty() || in_.has_buffered()) && (more = in_.next(item))) {
          read_item r{item.line, item.end, in_.next_line(), std::move(item.record), std::move(item.error), {}};
          if (!r.record) r.text = std::string(item.text);
          chunk.push_back(std::move(r));
        }
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return ready_.size() < 4 || stop_; });
        if (stop_) break;  // abandoned
        if (!chunk.empty()) ready_.push_back(std::move(chunk));
        cv_.notify_all();
      }
    } catch (...) {
      std::lock_guard lock(m_);
      error_ = std::current_exception();
    }
    {
      std::lock_guard lock(m_);
      done_ = true;
    }
    cv_.notify_all();
    finished_.store(true);
  }

  input& in_;
  std::atomic<int>& stop_reading_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::vector<read_item>> ready_;
  bool done_ = false, stop_ = false;
  std::exception_ptr error_;
  std::atomic<bool> finished_{false};
  std::thread thread_;  // last: starts when the rest is ready
};

struct open_target {
  std::unique_ptr<target> sink;
  std::uint64_t resume = 0;  // records ending at or before this byte offset are in it already
  std::vector<sf::dynamic::record> chunk;
  bool holds_to_checkpoint = false;
};

std::uint64_t position_offset(const std::string& p) { return std::strtoull(p.c_str(), nullptr, 10); }
std::uint64_t position_line(const std::string& p) {
  const std::size_t space = p.find(' ');
  return space == std::string::npos ? 1 : std::strtoull(p.c_str() + space + 1, nullptr, 10);
}

// A password typed on a command line shows in the process list and the shell's history.
void refuse_password(const std::string& uri) {
  const auto u = sf::registry::parse_uri(uri);
  if (u.password)
    throw sf::config_error("uri.password", "a password on the command line shows in the process list; name the "
                                           "environment variable that holds it: password_env=VAR (in " +
                                               u.redacted() + ")");
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) b /= 1000, ++u;
  char text[32];
  std::snprintf(text, sizeof text, u ? "%.1f %s" : "%.0f %s", b, units[u]);
  return text;
}

struct pipe_options {
  std::string from;
  std::string format;
  std::vector<std::string> to;
  std::string config;
  std::vector<std::string> fields;
  std::vector<std::string> renames;
  std::string dead_letter_path = "sinkforge-dead-letters.ndjson";
  std::uint64_t checkpoint_every = 50'000;
  std::uint16_t metrics_port = 0;
  bool progress = false, quiet = false;
};

int run_pipe(const pipe_options& o) {
  using clock = std::chrono::steady_clock;
  const auto started = clock::now();
  std::vector<route> routes;
  if (!o.config.empty()) {
    if (!o.to.empty()) throw sf::config_error("--config", "routes come from --config or from --to, not both");
    std::ifstream in(o.config, std::ios::binary);
    if (!in) throw sf::config_error("--config", "cannot read " + o.config);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (auto& spec : sf::registry::parse_routes(text, o.config)) {
      routes.emplace_back(spec.to);
      routes.back().name = spec.name;
      routes.back().settings = std::move(spec.settings);
      routes.back().rule.match = std::move(spec.match);
    }
  } else {
    std::vector<std::string> uris = o.to;
    if (uris.empty()) {
      if (const char* env = std::getenv("SINKFORGE_SINKS")) {
        std::string_view list = env;
        for (;;) {
          const std::size_t comma = list.find(',');
          std::string one(list.substr(0, comma));
          one.erase(0, one.find_first_not_of(" \t"));
          one.erase(one.find_last_not_of(" \t") + 1);
          if (!one.empty()) uris.push_back(one);
          if (comma == std::string_view::npos) break;
          list.remove_prefix(comma + 1);
        }
      }
      if (uris.empty())
        throw sf::config_error("--to", "name at least one target (--to URI, or --config routes.toml), or list them in SINKFORGE_SINKS");
    }
    for (const auto& u : uris) {
      routes.emplace_back(u);
      // Named by its URI, unless that holds a password (from SINKFORGE_SINKS): then redacted.
      const auto parsed = sf::registry::parse_uri(sample_uri(u));
      routes.back().name = parsed.password ? parsed.redacted() : u;
      // A password typed on the command line is refused (not one from the environment).
      if (!o.to.empty()) refuse_password(sample_uri(u));
    }
  }
  for (std::size_t i = 0; i < routes.size(); ++i) {
    routes[i].index = i;
    if (routes[i].name.empty()) routes[i].name = "route " + std::to_string(i + 1);
    // A template is checked with its placeholders filled in.
    target::validate(sample_uri(routes[i].uri), routes[i].settings);
  }
  field_map fields;
  for (const auto& f : o.fields) fields.keep.push_back(f);
  for (const auto& r : o.renames) {
    const std::size_t eq = r.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == r.size())
      throw sf::config_error("--rename", "takes old=new, not '" + r + "'");
    fields.rename.emplace_back(r.substr(0, eq), r.substr(eq + 1));
  }
  const input_format format = o.format.empty() ? format_for(o.from)
                              : o.format == "csv" ? input_format::csv
                                                  : input_format::ndjson;

  dead_letters dead(o.dead_letter_path);
  std::uint64_t failed_records = 0;  // dead-lettered by a target after a failed delivery
  std::map<std::string, open_target> targets;
  std::uint64_t committed = 0;  // the furthest position a target holds: bad lines before it were reported
  std::atomic<std::uint64_t> lines_seen{0};
#if SINKFORGE_TOOL_METRICS
  // After `targets`: destroyed first, so that no scrape reads a target that is gone.
  std::optional<metrics_endpoint> endpoint;
  if (o.metrics_port) endpoint.emplace(o.metrics_port, lines_seen, dead.counter());
#else
  if (o.metrics_port) throw sf::config_error("--metrics-port", "this sinkforge was built without prometheus-cpp");
#endif
  std::vector<open_target*> order;
  auto open = [&](const route& via, const std::string& uri) -> open_target& {
    const std::string key = std::to_string(via.index) + " " + uri;
    auto it = targets.find(key);
    if (it != targets.end()) return it->second;
    if (targets.size() >= 256) throw sf::config_error("--to", "more than 256 targets from the placeholders");
    open_target t;
    auto name = std::make_shared<std::string>();
    t.sink = std::make_unique<target>(
        uri,
        [&dead, &failed_records, name](std::vector<sf::failed_record>&& rs) {
          for (const auto& r : rs) {
            if (r.kind != sf::failure_kind::invalid_record) ++failed_records;
            dead.add(std::nullopt, *name, r.reason, r.payload);
          }
        },
        via.settings);
    *name = t.sink->name();
    t.holds_to_checkpoint = t.sink->delivery() == sf::guarantee::exactly_once;
    if (auto p = t.sink->resume_position()) t.resume = position_offset(*p);
    committed = std::max(committed, t.resume);
    it = targets.emplace(key, std::move(t)).first;
#if SINKFORGE_TOOL_METRICS
    if (endpoint) {
      const target* shown = it->second.sink.get();
      endpoint->add(shown->name(), [shown] { return shown->counters(); });
    }
#endif
    order.push_back(&it->second);
    return it->second;
  };

  // Where to start: with every target known now (no placeholders) and each resumable, the least
  // position they committed; otherwise the start, skipping per target what it holds.
  std::uint64_t start = 0, start_line = 1;
  bool all_known = true;
  for (const auto& r : routes) all_known = all_known && !r.templated();
  if (all_known) {
    std::optional<std::string> least;
    bool every_one = true;
    for (const auto& r : routes) {
      auto& t = open(r, r.uri);
      auto p = t.sink->resume_position();
      if (!p) every_one = false;
      else if (!least || position_offset(*p) < position_offset(*least)) least = p;
    }
    if (every_one && least) start = position_offset(*least), start_line = position_line(*least);
  }

  std::atomic<int> stop_reading{0};  // the reader thread's read() ends when this is set
  std::unique_ptr<input> opened;
  try {
    opened = std::make_unique<input>(o.from, format, start, start_line, &stop_reading);
  } catch (const std::exception& e) {
    throw sf::config_error("--from", e.what());
  }
  input& in = *opened;
  const bool show_progress = o.progress || (!o.quiet && ::isatty(2));
  std::uint64_t records = 0, since_checkpoint = 0;
  auto last_progress = clock::now();
  std::uint64_t read_to = start;  // the offset after the last record taken
  std::uint64_t last_end = start, last_line = start_line;
  constexpr std::size_t chunk_size = 1024;

  auto drain = [&](open_target& t) {
    if (t.chunk.empty()) return;
    t.sink->write(t.chunk);
    t.chunk.clear();
  };
  // The dead letters of the lines up to a position are written out before any target commits it:
  // a resumed run does not report them again.
  auto checkpoint_all = [&] {
    const std::string position = std::to_string(last_end) + " " + std::to_string(last_line);
    dead.flush();
    for (open_target* t : order) {
      drain(*t);
      // A target that holds more than was read again since the start must not record an earlier
      // position: a later run would write its records once more.
      if (last_end < t->resume) continue;
      t->sink->checkpoint(position);
      t->resume = last_end;
    }
    since_checkpoint = 0;
  };
  auto totals = [&] {
    sf::metrics::counter_values sum;
    for (const open_target* t : order) {
      const auto v = t->sink->counters();
      sum.records_out += v.records_out;
      sum.batches += v.batches;
      sum.retries += v.retries;
    }
    return sum;
  };
  auto print_progress = [&](bool final_line) {
    const double seconds = std::chrono::duration<double>(clock::now() - started).count();
    const auto sum = totals();
    std::string eta;
    if (auto size = in.size(); size && read_to > start && !final_line) {
      const double rate = static_cast<double>(read_to - start) / std::max(seconds, 1e-3);
      eta = ", ETA " + std::to_string(static_cast<long long>(static_cast<double>(*size - read_to) / rate)) + " s";
    }
    std::fprintf(stderr, "\r\033[Ksinkforge: %llu records (%s), %.0f records/s, %llu batches, %llu retries, %llu dead letters%s",
                 static_cast<unsigned long long>(records), human_bytes(static_cast<double>(read_to - start)).c_str(),
                 static_cast<double>(records) / std::max(seconds, 1e-3), static_cast<unsigned long long>(sum.batches),
                 static_cast<unsigned long long>(sum.retries), static_cast<unsigned long long>(dead.count()), eta.c_str());
  };

  std::string why;
  std::vector<read_item> chunk;
  {
    reader parse(in, stop_reading);
    auto last_checkpoint = clock::now();
    // While the input waits: send what is open, by batch age too, and commit after a second.
    const std::function<void()> idle = [&] {
      for (open_target* t : order) {
        if (!t->holds_to_checkpoint) drain(*t);
        t->sink->tick();
      }
      if (since_checkpoint > 0 && clock::now() - last_checkpoint > std::chrono::seconds(1)) {
        checkpoint_all();
        last_checkpoint = clock::now();
      }
      if (show_progress && clock::now() - last_progress > std::chrono::milliseconds(500)) {
        last_progress = clock::now();
        print_progress(false);
      }
    };
    while (parse.next(chunk, first_signal, idle)) {
      for (read_item& item : chunk) {
        if (!item.record) {
          if (item.end > committed) dead.add(item.line, "", item.error, item.text);
        } else if (auto lacks = fields.apply(*item.record)) {
          if (item.end > committed) dead.add(item.line, "", *lacks, sf::serialize::to_json_lenient(*item.record));
        } else {
          ++records;
          const route* last_taker = nullptr;
          for (const auto& r : routes)
            if (r.takes(*item.record)) last_taker = &r;
          if (!last_taker && item.end > committed)
            dead.add(item.line, "", "no route takes it", sf::serialize::to_json_lenient(*item.record));
          for (const auto& r : routes) {
            if (!r.rule.match.empty() && !r.takes(*item.record)) continue;
            open_target* t = nullptr;
            if (!r.templated()) {
              t = &open(r, r.uri);
            } else {
              auto expanded = r.expand(*item.record, why);
              if (!expanded) {
                if (item.end > committed) dead.add(item.line, r.name, why, sf::serialize::to_json_lenient(*item.record));
                continue;
              }
              try {
                t = &open(r, *expanded);
              } catch (const sf::config_error& e) {
                // The target this value names cannot be opened: the record is dead-lettered, the
                // run goes on to the other targets, and it ends with exit code 3.
                ++failed_records;
                if (item.end > committed) dead.add(item.line, r.name, e.what(), sf::serialize::to_json_lenient(*item.record));
                continue;
              }
            }
            if (item.end <= t->resume) continue;  // committed there already
            const bool moved = &r == last_taker;
            if (moved) t->chunk.push_back(std::move(*item.record));
            else t->chunk.push_back(*item.record);
            // An exactly-once target keeps its records until the checkpoint and then sends and
            // commits them at once: its transaction is open only then, so targets in one SQLite
            // database (one writer at a time) take turns instead of waiting on each other.
            if (t->chunk.size() >= chunk_size && !t->holds_to_checkpoint) drain(*t);
            if (moved) break;  // no later route takes it
          }
        }
        last_end = item.end;
        last_line = item.next_line;
        lines_seen.store(last_line - start_line, std::memory_order_relaxed);
        if (++since_checkpoint >= o.checkpoint_every) {
          checkpoint_all();
          last_checkpoint = clock::now();
        }
      }
      read_to = last_end;
      if (show_progress && clock::now() - last_progress > std::chrono::milliseconds(500)) {
        last_progress = clock::now();
        print_progress(false);
      }
    }
  }
  checkpoint_all();
  for (open_target* t : order) t->sink->close();
  if (show_progress) std::fprintf(stderr, "\r\033[K");
  const double seconds = std::chrono::duration<double>(clock::now() - started).count();
  const auto sum = totals();
  const std::uint64_t lines = last_line - start_line;
  std::fprintf(stderr,
               "sinkforge: %llu lines read from %s in %.2f s (%.0f lines/s): %llu records; %llu written to %zu "
               "target(s) in %llu batches, %llu retries; %llu dead-lettered%s%s%s%s\n",
               static_cast<unsigned long long>(lines), in.name().c_str(), seconds,
               static_cast<double>(lines) / std::max(seconds, 1e-3), static_cast<unsigned long long>(records),
               static_cast<unsigned long long>(sum.records_out), order.size(), static_cast<unsigned long long>(sum.batches),
               static_cast<unsigned long long>(sum.retries), static_cast<unsigned long long>(dead.count()),
               dead.count() ? " (" : "", dead.count() ? dead.path().c_str() : "", dead.count() ? ")" : "",
               first_signal.load() ? "; stopped by a signal" : "");
  if (const int sig = first_signal.load()) return 128 + sig;
  if (failed_records) return delivery_failed;
  if (dead.count()) return dead_lettered;
  return done;
}

int run_check(const std::vector<std::string>& uris) {
  for (const auto& u : uris) {
    refuse_password(u);
    target::validate(u);
  }
  int rc = done;
  for (const auto& u : uris) {
    try {
      target t(u, [](std::vector<sf::failed_record>&&) {});
      t.close();
      std::printf("ok: %s (%s)\n", t.shown().c_str(), std::string(sf::registry::to_string(t.delivery())).c_str());
    } catch (const std::exception& e) {
      std::printf("failed: %s\n", e.what());
      rc = delivery_failed;
    }
  }
  return rc;
}

void run_schemes() {
  auto print_keys = [](const auto& keys) {
    for (const sf::registry::key_info& k : keys)
      std::printf("    %-24s %-28s %s\n", std::string(k.name).c_str(),
                  k.default_value.empty() ? "-" : std::string(k.default_value).c_str(), std::string(k.description).c_str());
  };
  for (const auto& s : target::schemes()) {
    std::string names(s.name);
    for (const auto a : s.aliases) names += ", " + std::string(a);
    std::printf("%s: %s\n", names.c_str(), std::string(s.summary).c_str());
    print_keys(s.keys);
  }
  std::printf("every scheme:\n");
  print_keys(sf::registry::common_keys);
}

}  // namespace
}  // namespace sinkforge_tool

int main(int argc, char** argv) {
  using namespace sinkforge_tool;
  CLI::App app{"sinkforge: moves records into the sinks sinkforge composes, chosen by URI"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sinkforge 0.1");

  pipe_options po;
  auto* pipe = app.add_subcommand("pipe", "read NDJSON or CSV and write every record to each target");
  pipe->add_option("--from", po.from, "the input file, or - for standard input")->required();
  pipe->add_option("--format", po.format, "ndjson or csv (default: by the file's extension)")
      ->check(CLI::IsMember({"ndjson", "csv"}));
  pipe->add_option("--to", po.to, "a target URI (repeat for several; {field} in it routes by that field; default: SINKFORGE_SINKS)");
  pipe->add_option("--config", po.config, "routes in a TOML file (docs/tool.md), instead of --to");
  pipe->add_option("--fields", po.fields, "keep only these fields, in this order; a record without one is dead-lettered")
      ->delimiter(',');
  pipe->add_option("--rename", po.renames, "old=new: a field's name in the targets (repeat)");
  pipe->add_option("--dead-letter", po.dead_letter_path, "where refused records go (NDJSON)")->capture_default_str();
  pipe->add_option("--checkpoint-every", po.checkpoint_every, "records between checkpoints (commits under exactly_once)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  pipe->add_option("--metrics-port", po.metrics_port, "serve the Prometheus exposition on 127.0.0.1:PORT/metrics")
      ->check(CLI::Range(1, 65535));
  pipe->add_flag("--progress", po.progress, "progress on stderr even when it is not a terminal");
  pipe->add_flag("--quiet", po.quiet, "no progress, only the summary");

  std::vector<std::string> check_to;
  auto* check = app.add_subcommand("check", "open each target and close it: can the sink be made and written?");
  check->add_option("--to", check_to, "a target URI (repeat for several)")->required();

  app.add_subcommand("schemes", "list the URI schemes and their keys with defaults");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_code::usage;
  }
  // Without SA_RESTART: a read() blocked on a pipe returns EINTR, and the input ends there.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  struct sigaction wake {};  // interrupts the reader's blocked read() when the run stops
  wake.sa_handler = on_wake;
  sigemptyset(&wake.sa_mask);
  sigaction(SIGUSR1, &wake, nullptr);
  try {
    if (*pipe) return run_pipe(po);
    if (*check) return run_check(check_to);
    run_schemes();
    return exit_code::done;
  } catch (const sinkforge::config_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return exit_code::usage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return exit_code::delivery_failed;
  }
}
