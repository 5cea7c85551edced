// Where the JSON encoder's time goes: serialize::ndjson over the bench's 4,096 orders, and over
// each member alone (a one-member struct of the same values), in a plain loop with no other side
// in between. Prints, per variant, nanoseconds per record (best and median pass, thread CPU time).
//   build/bench/bench/bench_json_members [passes]
// Instructions per record, which do not depend on the host's load: run it under callgrind and read
// the inclusive count of each encode_* function (one pass over 4,096 records per call):
//   valgrind --tool=callgrind --callgrind-out-file=cg.out build/bench/bench/bench_json_members 10
//   callgrind_annotate --inclusive=yes cg.out | grep encode_
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <sinkforge/serialize/json.hpp>

#include "common.hpp"

namespace sf = sinkforge;
using bench::Order;

namespace {

struct OnlyId {
  BOOST_HANA_DEFINE_STRUCT(OnlyId, (std::string, id));
};
struct OnlyCustomer {
  BOOST_HANA_DEFINE_STRUCT(OnlyCustomer, (std::string, customer));
};
struct OnlyAmount {
  BOOST_HANA_DEFINE_STRUCT(OnlyAmount, (double, amount));
};
struct OnlyTimestamp {
  BOOST_HANA_DEFINE_STRUCT(OnlyTimestamp, (std::int64_t, ts_ms));
};
struct OnlyFlag {  // the record's bookkeeping, with the cheapest member there is
  BOOST_HANA_DEFINE_STRUCT(OnlyFlag, (bool, flag));
};

template <class T>
void encode_all(const std::vector<T>& v, sf::byte_records& p) {
  const sf::serialize::ndjson ser;
  p.clear();
  for (const auto& r : v)
    if (!ser.append(p, r)) bench::fail("a record could not be encoded");
  asm volatile("" ::"r"(p.bytes().data()) : "memory");
}

// One out-of-line function per variant, so that callgrind counts each apart.
[[gnu::noinline]] void encode_order(const std::vector<Order>& v, sf::byte_records& p) { encode_all(v, p); }
[[gnu::noinline]] void encode_id(const std::vector<OnlyId>& v, sf::byte_records& p) { encode_all(v, p); }
[[gnu::noinline]] void encode_customer(const std::vector<OnlyCustomer>& v, sf::byte_records& p) { encode_all(v, p); }
[[gnu::noinline]] void encode_amount(const std::vector<OnlyAmount>& v, sf::byte_records& p) { encode_all(v, p); }
[[gnu::noinline]] void encode_timestamp(const std::vector<OnlyTimestamp>& v, sf::byte_records& p) { encode_all(v, p); }
[[gnu::noinline]] void encode_flag(const std::vector<OnlyFlag>& v, sf::byte_records& p) { encode_all(v, p); }

double thread_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

template <class T, class Encode>
void measure(const char* name, const std::vector<T>& v, Encode encode, int passes) {
  const sf::serialize::ndjson ser;
  sf::byte_records p = ser.make_payload<T>();
  encode(v, p);  // the payload's buffer grows once, outside the timing
  std::vector<double> ns;
  for (int i = 0; i < passes; ++i) {
    const double t0 = thread_ns();
    encode(v, p);
    ns.push_back((thread_ns() - t0) / static_cast<double>(v.size()));
  }
  std::sort(ns.begin(), ns.end());
  std::printf("%-10s %7.1f %7.1f %9.1f\n", name, ns.front(), ns[ns.size() / 2],
              static_cast<double>(p.bytes().size()) / static_cast<double>(v.size()));
}

}  // namespace

int main(int argc, char** argv) {
  const int passes = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1000;
  const std::vector<Order> orders = bench::make_orders(4096);
  std::vector<OnlyId> ids;
  std::vector<OnlyCustomer> customers;
  std::vector<OnlyAmount> amounts;
  std::vector<OnlyTimestamp> timestamps;
  std::vector<OnlyFlag> flags;
  for (const Order& o : orders) {
    ids.push_back({o.id});
    customers.push_back({o.customer});
    amounts.push_back({o.amount});
    timestamps.push_back({o.ts_ms});
    flags.push_back({true});
  }
  std::printf("%-10s %7s %7s %9s   (ns per record over %d passes of 4,096 records)\n", "variant", "best", "median",
              "bytes", passes);
  measure("order", orders, encode_order, passes);
  measure("id", ids, encode_id, passes);
  measure("customer", customers, encode_customer, passes);
  measure("amount", amounts, encode_amount, passes);
  measure("timestamp", timestamps, encode_timestamp, passes);
  measure("flag", flags, encode_flag, passes);
}
