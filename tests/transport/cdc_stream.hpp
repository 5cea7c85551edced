// A deterministic stream of source changes for the CDC apply tests of every SQL transport: source
// transactions of 1-6 inserts, updates (some moving a row to another key) and removes over a few
// dozen keys, between begin and commit markers, with heartbeats between transactions. The same
// seed gives the same stream, so a restarted writer can send it again from any position; the
// reference table is every change applied one by one.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/hana/define_struct.hpp>
#include <sinkforge/cdc/change.hpp>

namespace cdc_stream {
namespace cdc = sinkforge::cdc;

struct Account {
  BOOST_HANA_DEFINE_STRUCT(Account, (std::int64_t, id), (std::string, owner), (std::optional<double>, balance));
};

struct reference_row {
  std::string owner;
  std::optional<double> balance;
  friend bool operator==(const reference_row&, const reference_row&) = default;
};
using table = std::map<std::int64_t, reference_row>;

// Positions start at 1000 and grow by 1..3 (a real LSN grows by the bytes of the record).
inline std::vector<cdc::change<Account>> stream(std::uint32_t seed, std::size_t transactions, int keys = 40) {
  std::mt19937 rng(seed);
  std::vector<cdc::change<Account>> out;
  cdc::position at = 1000;
  std::map<std::int64_t, Account> live;  // to send a real `before` for updates and removes
  auto next = [&] { return at += 1 + rng() % 3; };
  for (std::size_t t = 0; t < transactions; ++t) {
    const std::uint64_t xid = 700 + t;
    out.push_back({cdc::op::begin, next(), std::nullopt, std::nullopt, xid});
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      const std::int64_t k = static_cast<std::int64_t>(rng() % static_cast<unsigned>(keys));
      const auto found = live.find(k);
      cdc::change<Account> c{cdc::op::insert, next(), std::nullopt, std::nullopt, xid};
      const Account row{k, "owner-" + std::to_string(c.at),
                        rng() % 4 ? std::optional<double>(static_cast<double>(rng() % 100000) / 100) : std::nullopt};
      if (found == live.end()) {
        c.after = row;
      } else if (rng() % 3 == 0) {
        c.kind = cdc::op::remove;
        c.before = Account{k, {}, {}};  // the replica identity: the key only
      } else {
        c.kind = cdc::op::update;
        c.before = found->second;
        c.after = row;
        if (rng() % 5 == 0) {  // the row moves to a free key
          const std::int64_t to = keys + static_cast<std::int64_t>(rng() % 1000);
          if (!live.count(to)) c.after->id = to;
        }
      }
      if (c.before) live.erase(c.before->id);
      if (c.after) live[c.after->id] = *c.after;
      out.push_back(std::move(c));
    }
    out.push_back({cdc::op::commit, next(), std::nullopt, std::nullopt, xid});
    if (rng() % 4 == 0) out.push_back({cdc::op::heartbeat, next()});
  }
  return out;
}

inline void apply_one_by_one(table& t, const std::vector<cdc::change<Account>>& changes, cdc::position upto = ~0ull) {
  for (const auto& c : changes) {
    if (c.at > upto) break;
    if (c.before && (c.kind == cdc::op::remove || (c.after && c.after->id != c.before->id))) t.erase(c.before->id);
    if (c.after) t[c.after->id] = reference_row{c.after->owner, c.after->balance};
  }
}

}  // namespace cdc_stream
