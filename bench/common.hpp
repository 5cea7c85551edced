// Shared by the benchmarks: the record type, a deterministic data set, and a hand-written JSON
// encoder that produces byte-for-byte what serialize::ndjson produces for Order (RFC 8259 escaping,
// UTF-8 validation with U+FFFD replacement, shortest round-trip doubles via std::to_chars).
// The hand-written code deliberately uses nothing from sinkforge.
#pragma once
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/hana/define_struct.hpp>

namespace bench {

struct Order {
  BOOST_HANA_DEFINE_STRUCT(Order,
                           (std::string, id),
                           (std::string, customer),
                           (double, amount),
                           (std::int64_t, ts_ms));
};

// 16 customers; some need escaping (quote, backslash, tab) and some are non-ASCII UTF-8.
inline const std::vector<std::string>& customers() {
  static const std::vector<std::string> names = {
      "acme",          "globex",         "initech",      "umbrella",
      "M\xC3\xBCller GmbH", "O\"Brien & Sons", "tab\tco",      "\xE5\x8C\x97\xE4\xBA\xAC\xE8\xB4\xB8\xE6\x98\x93",
      "stark",         "wayne\\ent",     "wonka",        "tyrell",
      "cyberdyne",     "soylent",        "hooli",        "Zo\xC3\xAB's caf\xC3\xA9"};
  return names;
}

// `n` orders; the customer of each is drawn pseudo-randomly (fixed seed) from the 16 above.
inline std::vector<Order> make_orders(std::size_t n, std::size_t distinct_customers = 16) {
  std::vector<Order> out;
  out.reserve(n);
  std::uint64_t s = 0x2545F4914F6CDD1Dull;
  const auto& names = customers();
  for (std::size_t i = 0; i < n; ++i) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    Order o;
    char id[32];
    const int len = std::snprintf(id, sizeof id, "ord-%07zu", i);
    o.id.assign(id, static_cast<std::size_t>(len));
    if (i % 97 == 0) o.id += "\n";  // an occasional control character
    o.customer = names[(s >> 11) % distinct_customers];
    // Prices in cents, so most amounts have a short shortest-round-trip form (e.g. 1234.56);
    // every 8th carries a long mantissa.
    const auto cents = static_cast<double>((s >> 20) % 1000000);
    o.amount = (i % 8 == 7) ? cents / 3.0 : cents / 100.0;
    o.ts_ms = 1700000000000 + static_cast<std::int64_t>(i) * 37;
    out.push_back(std::move(o));
  }
  return out;
}

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "benchmark self-check failed: %s\n", what);
  std::exit(2);
}

// A fresh directory for the file and SQLite benchmarks: $SINKFORGE_BENCH_DIR, $TMPDIR or /tmp.
// A whole file, for the self-checks.
inline std::string read_file(const std::string& path) {
  std::string out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot read back a file");
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

inline const std::string& scratch_dir() {
  static const std::string d = [] {
    const char* env = std::getenv("SINKFORGE_BENCH_DIR");
    if (!env) env = std::getenv("TMPDIR");
    std::string tmpl = std::string(env ? env : "/tmp") + "/sinkforge-bench-XXXXXX";
    if (!::mkdtemp(tmpl.data())) fail("cannot create a temporary directory");
    return tmpl;
  }();
  return d;
}

// ---- hand-written code (no sinkforge) ----------------------------------------------------------
namespace hw {

// A growable char buffer handing out raw write pointers (what a careful hand-written encoder uses
// instead of std::string::push_back).
class buffer {
 public:
  buffer() = default;
  buffer(const buffer&) = delete;
  buffer& operator=(const buffer&) = delete;
  buffer(buffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
  ~buffer() { std::free(data_); }

  char* reserve_more(std::size_t n) {
    if (cap_ - size_ < n) {
      std::size_t c = cap_ ? cap_ : 256;
      while (c < size_ + n) c *= 2;
      void* p = std::realloc(data_, c);
      if (!p) throw std::bad_alloc();
      data_ = static_cast<char*>(p);
      cap_ = c;
    }
    return data_ + size_;
  }
  void set_end(char* p) { size_ = static_cast<std::size_t>(p - data_); }
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  void clear() { size_ = 0; }
  std::string_view view() const { return {data_, size_}; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

// Length of a valid UTF-8 sequence at p, or 0 and the number of bytes to replace with U+FFFD.
inline std::size_t utf8_len(const unsigned char* p, const unsigned char* end, std::size_t& skip) {
  const unsigned char c = *p;
  std::size_t more;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) more = 1;
  else if (c == 0xE0) more = 2, lo = 0xA0;
  else if (c >= 0xE1 && c <= 0xEC) more = 2;
  else if (c == 0xED) more = 2, hi = 0x9F;
  else if (c >= 0xEE && c <= 0xEF) more = 2;
  else if (c == 0xF0) more = 3, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) more = 3;
  else if (c == 0xF4) more = 3, hi = 0x8F;
  else {
    skip = 1;
    return 0;
  }
  for (std::size_t k = 1; k <= more; ++k) {
    if (p + k >= end || p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xBF)) {
      skip = k;
      return 0;
    }
  }
  return more + 1;
}

inline char* put_string(char* o, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  *o++ = '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      *o++ = static_cast<char>(c);
      ++p;
      continue;
    }
    if (c < 0x80) {
      *o++ = '\\';
      switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
          o[0] = 'u', o[1] = '0', o[2] = '0', o[3] = hex[c >> 4], o[4] = hex[c & 15];
          o += 5;
      }
      ++p;
      continue;
    }
    std::size_t skip = 0;
    const std::size_t n = utf8_len(p, end, skip);
    if (n) {
      std::memcpy(o, p, n);
      o += n;
      p += n;
    } else {
      std::memcpy(o, "\xEF\xBF\xBD", 3);
      o += 3;
      p += skip;
    }
  }
  *o++ = '"';
  return o;
}

// One Order as a JSON object followed by '\n'. False (nothing written) for a non-finite amount.
inline bool write_order_line(buffer& b, const Order& r) {
  if (!std::isfinite(r.amount)) return false;
  char* o = b.reserve_more(6 * (r.id.size() + r.customer.size()) + 96);
  std::memcpy(o, "{\"id\":", 6);
  o = put_string(o + 6, r.id);
  std::memcpy(o, ",\"customer\":", 12);
  o = put_string(o + 12, r.customer);
  std::memcpy(o, ",\"amount\":", 10);
  o = std::to_chars(o + 10, o + 42, r.amount).ptr;
  std::memcpy(o, ",\"ts_ms\":", 9);
  o = std::to_chars(o + 9, o + 33, r.ts_ms).ptr;
  o[0] = '}';
  o[1] = '\n';
  b.set_end(o + 2);
  return true;
}

// What memory::buffer keeps per batch, kept the same way (vector under a mutex).
struct stored_batch {
  std::string key;
  std::string bytes;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
  std::uint64_t sequence = 0;
  std::uint32_t attempt = 1;
};

class store {
 public:
  void put(stored_batch&& b) {
    std::lock_guard lock(mutex_);
    records_ += b.spans.size();
    batches_.push_back(std::move(b));
  }
  void clear() {
    std::lock_guard lock(mutex_);
    batches_.clear();
    records_ = 0;
  }
  const std::vector<stored_batch>& batches() const { return batches_; }

 private:
  std::mutex mutex_;
  std::vector<stored_batch> batches_;
  std::size_t records_ = 0;
};

}  // namespace hw
}  // namespace bench
