// In-doubt transactions of a postgres::table sink under deliver::exactly_once: what it prepared and
// neither committed nor rolled back (its program died between prepare and commit, and was not
// started again with sf::restore). A prepared transaction holds its locks and keeps the server
// from removing old row versions until it is resolved, so an operator wants to see and end them:
//
//   for (const auto& t : sf::postgres::in_doubt(conninfo, "orders"))
//     std::cout << t.transaction << " prepared " << t.age.count() << " s ago\n";
//   sf::postgres::resolve_in_doubt(conninfo, "orders", 42, sf::postgres::decision::commit);
//
// The normal way out is sf::restore with the stored state, which commits what the state names and
// rolls back the rest; by hand, commit only a checkpoint the checkpoint store recorded.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/detail/concat.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/transport/detail/postgres_session.hpp>

namespace sinkforge::inline v1::postgres {

struct prepared_checkpoint {
  std::string transaction;  // the prepared transaction's name, 'sinkforge:<sink>:<checkpoint>'
  std::uint64_t checkpoint = 0;
  std::chrono::seconds age{};  // since PREPARE TRANSACTION, by the server's clock
  std::string owner;           // the role that prepared it
};

enum class decision { commit, abort };

// The prepared transactions of `sink_name` in the database `conninfo` names, oldest first.
inline std::vector<prepared_checkpoint> in_doubt(const std::string& conninfo, std::string_view sink_name) {
  detail::session db(conninfo, "conninfo");
  const std::string prefix = sinkforge::detail::concat({"sinkforge:", sink_name, ":"});
  detail::result r = db.exec(
      "SELECT gid, substr(gid, length($1) + 1), floor(extract(epoch FROM now() - prepared))::bigint, owner "
      "FROM pg_prepared_xacts WHERE database = current_database() AND starts_with(gid, $1) ORDER BY prepared",
      {{prefix}});
  if (!r.ok()) throw std::runtime_error(db.failure("reading pg_prepared_xacts", r).reason());
  std::vector<prepared_checkpoint> out;
  for (int i = 0; i < r.rows(); ++i) {
    std::uint64_t id = 0;
    bool numeric = r.value(i, 1).size() > 0 && r.value(i, 1).size() <= 20;
    for (const char c : r.value(i, 1)) {
      numeric &= c >= '0' && c <= '9';
      id = id * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!numeric) continue;  // another sink whose name starts with this one's and a ':'
    std::int64_t age = 0;
    for (const char c : r.value(i, 2))
      if (c >= '0' && c <= '9') age = age * 10 + (c - '0');
    out.push_back({std::string(r.value(i, 0)), id, std::chrono::seconds{age}, std::string(r.value(i, 3))});
  }
  return out;
}

// Commits or rolls back one prepared checkpoint of `sink_name`. Throws std::invalid_argument when
// it is not prepared (any more), std::runtime_error when the server refuses.
inline void resolve_in_doubt(const std::string& conninfo, std::string_view sink_name, std::uint64_t checkpoint,
                             decision d) {
  for (const char c : sink_name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.'))
      throw std::invalid_argument("sinkforge: a sink name is letters, digits, '_', '-' and '.'");
  const std::string gid = sinkforge::detail::concat({"sinkforge:", sink_name, ":", std::to_string(checkpoint)});
  detail::session db(conninfo, "conninfo");
  detail::result r = db.exec(sinkforge::detail::concat(
      {d == decision::commit ? "COMMIT PREPARED '" : "ROLLBACK PREPARED '", gid, "'"}));
  if (r.ok()) return;
  if (r.sqlstate() == "42704")
    throw std::invalid_argument(sinkforge::detail::concat({"sinkforge: no prepared transaction '", gid, "'"}));
  throw std::runtime_error(db.failure(d == decision::commit ? "COMMIT PREPARED" : "ROLLBACK PREPARED", r).reason());
}

}  // namespace sinkforge::inline v1::postgres
