// postgres::change_source<Row>: the changes of one PostgreSQL table, as cdc::change<Row>, read from
// a logical replication slot with the built-in pgoutput plugin over a replication connection.
// Needs the sinkforge::postgres CMake target (links libpq).
//
//   sf::postgres::change_source<Account> source({.conninfo = "host=src dbname=bank user=cdc",
//                                                .table = "accounts"},
//                                               target.cdc_position());
//   std::vector<sf::cdc::change<Account>> changes;
//   source.poll(changes, 10'000, 200ms);   // then write them to a sink of cdc::apply
//   source.confirm(target.cdc_position()); // the slot may free the WAL before it
//
// Positions. Every change of a source transaction, its begin and its commit carry the
// transaction's commit LSN: transactions arrive in commit order, so positions never go back, and
// a target that recorded position P has every transaction that committed at or before P. Between
// transactions a keepalive of the server becomes a heartbeat just below the WAL position it has
// sent (the next commit record may begin exactly there).
//
// Where a run starts:
//   - `resume_from` > 0 (the target's cdc_position()): the slot streams what committed after it.
//     A slot that has already moved past that point (its confirmed_flush_lsn; the target was
//     restored from an older backup) cannot go back: config_error.
//   - `resume_from` == 0 (the target has nothing): the slot is created - or dropped and created
//     again - with a snapshot, and the table's rows in that snapshot come first, as one source
//     transaction of inserts, followed by every change committed after it.
// The publication (FOR TABLE the table, publishing insert, update and delete) and the slot are
// created when missing and `create` is set; the connecting role needs the REPLICATION attribute
// (and to own the table, to create the publication).
//
// Rows. Columns are matched to Row's members by name; a column Row does not have is skipped, a
// member the table lacks keeps its default. Members may be bool, integers, floating point,
// std::string, char, integer enums, system_clock time points, byte vectors and std::optional of
// these (NULL). A remove carries the old row's key (the replica identity); an update carries its
// old key only when the key changed, or the whole old row under REPLICA IDENTITY FULL. A value
// PostgreSQL stores out of line (TOAST) and an update left unchanged is not sent: it is taken from
// the old row under REPLICA IDENTITY FULL, and is an error otherwise. TRUNCATE is not published.
#pragma once
#include <chrono>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <poll.h>

#include <sinkforge/cdc/change.hpp>
#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/detail/concat.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/transport/detail/postgres_session.hpp>
#include <sinkforge/transport/detail/sql.hpp>

namespace sinkforge::inline v1::postgres {

namespace detail {

// An LSN as PostgreSQL writes it: "16/B374D848".
inline std::string format_lsn(std::uint64_t lsn) {
  char buf[32];
  const auto hi = static_cast<std::uint32_t>(lsn >> 32), lo = static_cast<std::uint32_t>(lsn);
  auto hex = [](char* p, std::uint32_t v) {
    char tmp[8];
    int n = 0;
    do {
      tmp[n++] = "0123456789ABCDEF"[v & 15];
      v >>= 4;
    } while (v);
    for (int i = 0; i < n; ++i) p[i] = tmp[n - 1 - i];
    return p + n;
  };
  char* end = hex(buf, hi);
  *end++ = '/';
  end = hex(end, lo);
  return std::string(buf, end);
}

inline std::optional<std::uint64_t> parse_lsn(std::string_view s) {
  const std::size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::uint32_t hi = 0, lo = 0;
  const auto a = std::from_chars(s.data(), s.data() + slash, hi, 16);
  const auto b = std::from_chars(s.data() + slash + 1, s.data() + s.size(), lo, 16);
  if (a.ec != std::errc() || b.ec != std::errc() || a.ptr != s.data() + slash || b.ptr != s.data() + s.size())
    return std::nullopt;
  return (std::uint64_t{hi} << 32) | lo;
}

// The big-endian reader of one replication message.
class wire_reader {
 public:
  wire_reader(const char* p, std::size_t n) : p_(p), end_(p + n) {}
  bool ok() const noexcept { return ok_; }
  std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  template <class I>
  I number() {
    if (left() < sizeof(I)) {
      ok_ = false;
      p_ = end_;
      return 0;
    }
    std::make_unsigned_t<I> v = 0;
    for (std::size_t i = 0; i < sizeof(I); ++i) v = static_cast<decltype(v)>((v << 8) | static_cast<unsigned char>(p_[i]));
    p_ += sizeof(I);
    return static_cast<I>(v);
  }
  char byte() { return static_cast<char>(number<std::uint8_t>()); }
  std::string_view cstring() {
    const void* nul = std::memchr(p_, 0, left());
    if (!nul) {
      ok_ = false;
      p_ = end_;
      return {};
    }
    std::string_view s(p_, static_cast<std::size_t>(static_cast<const char*>(nul) - p_));
    p_ += s.size() + 1;
    return s;
  }
  std::string_view bytes(std::size_t n) {
    if (left() < n) {
      ok_ = false;
      p_ = end_;
      return {};
    }
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }

 private:
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

// One column value of a tuple: null, unchanged (TOAST, not sent), or its text.
struct tuple_value {
  char kind = 'n';  // 'n', 'u', 't'
  std::string_view text{};
};

// A member from PostgreSQL's text output (DateStyle ISO, TimeZone UTC); false when it cannot hold it.
template <class M>
bool from_text(M& out, std::string_view s) {
  using namespace reflect;
  if constexpr (is_optional<M>) {
    typename optional_traits<M>::value_type v{};
    if (!from_text(v, s)) return false;
    out = std::move(v);
    return true;
  } else if constexpr (boolean<M>) {
    if (s == "t") out = true;
    else if (s == "f") out = false;
    else return false;
    return true;
  } else if constexpr (integer<M>) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  } else if constexpr (std::is_floating_point_v<M>) {
    if (s == "NaN") out = std::numeric_limits<M>::quiet_NaN();
    else if (s == "Infinity") out = std::numeric_limits<M>::infinity();
    else if (s == "-Infinity") out = -std::numeric_limits<M>::infinity();
    else {
      const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
      return r.ec == std::errc() && r.ptr == s.data() + s.size();
    }
    return true;
  } else if constexpr (std::same_as<M, std::string>) {
    out.assign(s);
    return true;
  } else if constexpr (std::same_as<M, char>) {
    if (s.size() != 1) return false;
    out = s[0];
    return true;
  } else if constexpr (std::is_enum_v<M>) {
    std::underlying_type_t<M> v{};
    if (!from_text(v, s)) return false;
    out = static_cast<M>(v);
    return true;
  } else if constexpr (is_sys_time<M>) {
    // "2026-11-30 07:14:50.123456+00"
    auto digits = [&](std::size_t at, std::size_t n, int& v) {
      if (at + n > s.size()) return false;
      const auto r = std::from_chars(s.data() + at, s.data() + at + n, v);
      return r.ec == std::errc() && r.ptr == s.data() + at + n;
    };
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (s.size() < 22 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
        !digits(0, 4, y) || !digits(5, 2, mo) || !digits(8, 2, d) || !digits(11, 2, h) || !digits(14, 2, mi) ||
        !digits(17, 2, se))
      return false;
    std::size_t at = 19;
    std::int64_t micros = 0;
    if (at < s.size() && s[at] == '.') {
      int n = 0;
      for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, ++n) micros = micros * 10 + (s[at] - '0');
      for (; n < 6; ++n) micros *= 10;
    }
    if (s.substr(at) != "+00") return false;
    const std::int64_t days = sinkforge::detail::days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    const std::chrono::microseconds since{((days * 24 + h) * 60 + mi) * 60 * 1'000'000LL + se * 1'000'000LL + micros};
    out = M(std::chrono::duration_cast<typename M::duration>(since));
    return true;
  } else if constexpr (sql_detail::byte_vector<M>()) {
    if (s.size() < 2 || s[0] != '\\' || s[1] != 'x' || s.size() % 2) return false;
    out.clear();
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (std::size_t i = 2; i < s.size(); i += 2)
      out.push_back(static_cast<typename M::value_type>(nibble(s[i]) * 16 + nibble(s[i + 1])));
    return true;
  } else {
    return false;  // readable() admits no other member type
  }
}

template <class M>
constexpr bool readable() {
  using namespace reflect;
  if constexpr (is_optional<M>) {
    using V = typename optional_traits<M>::value_type;
    return !is_optional<V> && readable<V>();
  } else {
    return boolean<M> || integer<M> || std::is_floating_point_v<M> || std::same_as<M, std::string> ||
           std::same_as<M, char> || (std::is_enum_v<M> && !named_enum<M>) || is_sys_time<M> ||
           sql_detail::byte_vector<M>();
  }
}

}  // namespace detail

struct change_source_options {
  std::string conninfo{};    // the source server: a libpq string or URI (see postgres::table)
  std::string table{};       // the source table, "name" or "schema.name"
  std::string publication{};  // empty: "sinkforge_<table>"
  std::string slot{};         // empty: "sinkforge_<table>"
  bool create = true;         // create the publication and the slot when missing
  // How often the source tells the server what the target has committed, at the latest.
  std::chrono::milliseconds status_interval = std::chrono::seconds{10};
  // A keepalive of the server becomes a heartbeat at most this often (0: every one), so that the
  // target's position - and the WAL the slot holds - moves while the table is quiet. Each one is
  // a small transaction on the target.
  std::chrono::milliseconds heartbeat_interval = std::chrono::seconds{10};
  // Creating a slot waits until every transaction running on the server has ended, prepared ones
  // included; after this long it fails, naming them.
  std::chrono::milliseconds slot_wait = std::chrono::seconds{60};
};

template <class Row>
class change_source {
  static_assert(reflect::is_struct<Row>,
                "sinkforge::postgres::change_source<Row>: Row must be a struct adapted with BOOST_HANA_DEFINE_STRUCT "
                "or BOOST_HANA_ADAPT_STRUCT");
  static_assert(reflect::all_members<Row>([](auto t) { return detail::readable<typename decltype(t)::type>(); }),
                "sinkforge::postgres::change_source<Row>: every member of Row must be bool, an integer, floating "
                "point, std::string, char, an integer enum, a system_clock time point, a byte vector or "
                "std::optional of one of these");

 public:
  change_source(change_source_options o, cdc::position resume_from)
      : o_(std::move(o)), catalog_(o_.conninfo, "postgres::change_source.conninfo"),
        stream_(o_.conninfo, "postgres::change_source.conninfo", true) {
    using sinkforge::detail::concat;
    if (o_.table.empty()) throw config_error("postgres::change_source.table", "must not be empty");
    const std::size_t dot = o_.table.find('.');
    schema_ = dot == std::string::npos ? std::string("public") : o_.table.substr(0, dot);
    name_ = dot == std::string::npos ? o_.table : o_.table.substr(dot + 1);
    std::string plain;
    for (const char c : name_) plain += (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ? c : '_';
    if (o_.publication.empty()) o_.publication = "sinkforge_" + plain;
    if (o_.slot.empty()) o_.slot = "sinkforge_" + plain;
    qualified_ = concat({sql_detail::quote_identifier(schema_), ".", sql_detail::quote_identifier(name_)});
    ensure_publication();
    must_stream("SET DateStyle = ISO; SET TimeZone = 'UTC'; SET extra_float_digits = 3", "setting the session");
    const std::optional<std::uint64_t> confirmed = slot_position();
    if (resume_from == 0) {
      if (confirmed) drop_slot();
      create_slot_with_snapshot();
    } else if (!confirmed) {
      throw config_error("postgres::change_source.slot",
                         concat({"replication slot '", o_.slot, "' does not exist, yet the target has applied up to ",
                                 detail::format_lsn(resume_from),
                                 ": the changes since are lost (start the target again from an empty table)"}));
    } else if (resume_from + 1 < *confirmed) {
      // The slot never moves past what a target confirmed; a target behind it was restored.
      throw config_error("postgres::change_source.slot",
                         concat({"replication slot '", o_.slot, "' has moved to ", detail::format_lsn(*confirmed),
                                 ", past the target's position ", detail::format_lsn(resume_from),
                                 ": the changes between are gone (start the target again from an empty table)"}));
    }
    resume_from_ = resume_from;
    start_streaming(resume_from);
  }

  change_source(const change_source&) = delete;
  change_source& operator=(const change_source&) = delete;

  // Appends to `out` the changes that arrive, at most `max`, waiting up to `wait` for the first;
  // returns how many it appended. Throws std::runtime_error when the stream breaks (start a new
  // source from the target's position).
  std::size_t poll(std::vector<cdc::change<Row>>& out, std::size_t max, std::chrono::milliseconds wait) {
    const std::size_t before = out.size();
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (out.size() - before < max) {
      if (!pending_.empty()) {
        out.push_back(std::move(pending_.front()));
        pending_.pop_front();
        continue;
      }
      char* buf = nullptr;
      const int n = PQgetCopyData(stream_.handle(), &buf, 1);
      if (n > 0) {
        struct freer {
          char* p;
          ~freer() { PQfreemem(p); }
        } owned{buf};
        take(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == -2 || n == -1) broken();
      send_status(false);
      if (out.size() > before) break;  // what arrived so far: no wait while changes are in hand
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      pollfd pfd{PQsocket(stream_.handle()), POLLIN, 0};
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
      ::poll(&pfd, 1, static_cast<int>(ms < 1 ? 1 : ms));
      if (PQconsumeInput(stream_.handle()) == 0) broken();
    }
    send_status(false);
    return out.size() - before;
  }

  // The target has committed every change up to `applied`: the slot may let the WAL before it go.
  void confirm(cdc::position applied) {
    if (applied > confirmed_) confirmed_ = applied;
    send_status(true);
  }

  const std::string& slot() const noexcept { return o_.slot; }
  const std::string& publication() const noexcept { return o_.publication; }

 private:
  struct relation_map {
    bool ours = false;
    std::vector<int> member;  // per column: Row's member index, or -1
    std::vector<std::string> names;
  };

  void must_stream(const std::string& sql, const char* what) {
    detail::result r = stream_.exec(sql);
    if (!r.ok()) throw config_error("postgres::change_source.conninfo", sinkforge::detail::concat({what, ": ", stream_.error(r)}));
  }

  std::string literal(detail::session& db, std::string_view s) {
    char* lit = PQescapeLiteral(db.handle(), s.data(), s.size());
    if (!lit) throw config_error("postgres::change_source.conninfo", db.error(detail::result(nullptr)));
    std::string out(lit);
    PQfreemem(lit);
    return out;
  }

  void ensure_publication() {
    using sinkforge::detail::concat;
    detail::result have = catalog_.exec("SELECT 1 FROM pg_publication WHERE pubname = $1", {{o_.publication}});
    if (!have.ok()) throw config_error("postgres::change_source.conninfo", catalog_.error(have));
    if (have.rows() > 0) return;
    if (!o_.create)
      throw config_error("postgres::change_source.publication",
                         concat({"publication '", o_.publication, "' does not exist (create it, or set create)"}));
    detail::result made = catalog_.exec(concat({"CREATE PUBLICATION ", sql_detail::quote_identifier(o_.publication),
                                                " FOR TABLE ", qualified_,
                                                " WITH (publish = 'insert, update, delete')"}));
    if (!made.ok() && made.sqlstate() != "42710")
      throw config_error("postgres::change_source.publication", catalog_.error(made));
  }

  std::optional<std::uint64_t> slot_position() {
    detail::result r = catalog_.exec(
        "SELECT confirmed_flush_lsn, plugin FROM pg_replication_slots WHERE slot_name = $1 AND database = "
        "current_database()",
        {{o_.slot}});
    if (!r.ok()) throw config_error("postgres::change_source.conninfo", catalog_.error(r));
    if (r.rows() == 0) return std::nullopt;
    if (r.value(0, 1) != "pgoutput")
      throw config_error("postgres::change_source.slot",
                         sinkforge::detail::concat({"replication slot '", o_.slot, "' uses the plugin '",
                                                    std::string(r.value(0, 1)), "'; this source reads pgoutput"}));
    return r.is_null(0, 0) ? std::uint64_t{0} : detail::parse_lsn(r.value(0, 0)).value_or(0);
  }

  void drop_slot() {
    detail::result r = while_slot_busy([&] { return catalog_.exec("SELECT pg_drop_replication_slot($1)", {{o_.slot}}); });
    if (!r.ok()) throw config_error("postgres::change_source.slot", catalog_.error(r));
  }

  // A slot stays active until the server notices that its last reader is gone (a crashed
  // pipeline): `attempt` again for up to ten seconds while the server says it is in use.
  template <class Attempt>
  static detail::result while_slot_busy(Attempt attempt) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    for (;;) {
      detail::result r = attempt();
      if (r.ok() || r.status() == PGRES_COPY_BOTH || r.sqlstate() != "55006" ||
          std::chrono::steady_clock::now() >= until)
        return r;
      ::poll(nullptr, 0, 50);
    }
  }

  // The slot and, in the snapshot it exports, the table's rows: they come first, as one source
  // transaction of inserts just below the slot's consistent point.
  void create_slot_with_snapshot() {
    using sinkforge::detail::concat;
    if (!o_.create)
      throw config_error("postgres::change_source.slot",
                         concat({"replication slot '", o_.slot, "' does not exist (create it, or set create)"}));
    must_stream(concat({"SET lock_timeout = ", std::to_string(o_.slot_wait.count())}), "setting lock_timeout");
    must_stream("BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ", "starting the snapshot");
    detail::result made = stream_.exec(
        concat({"CREATE_REPLICATION_SLOT ", sql_detail::quote_identifier(o_.slot), " LOGICAL pgoutput (SNAPSHOT 'use')"}));
    if (!made.ok()) {
      std::string why = stream_.error(made);
      stream_.exec("ROLLBACK");
      if (made.sqlstate() == "55P03")
        why += concat({" (after ", std::to_string(o_.slot_wait.count()),
                       " ms: a slot waits for every running transaction to end; look for old ones in "
                       "pg_stat_activity and in-doubt ones in pg_prepared_xacts)"});
      throw config_error("postgres::change_source.slot", concat({"cannot create replication slot '", o_.slot, "': ", why}));
    }
    must_stream("RESET lock_timeout", "setting lock_timeout");
    const std::uint64_t consistent = detail::parse_lsn(made.value(0, 1)).value_or(1);
    const cdc::position at = consistent > 1 ? consistent - 1 : 1;
    std::string columns;
    for (const char* name : reflect::member_names<Row>())
      columns += concat({columns.empty() ? "" : ", ", sql_detail::quote_identifier(name)});
    // Members the table lacks are left out of the SELECT (they keep their default).
    detail::result present = stream_.exec(concat(
        {"SELECT attname FROM pg_attribute WHERE attrelid = ", literal(stream_, qualified_),
         "::regclass AND attnum > 0 AND NOT attisdropped"}));
    if (!present.ok()) throw config_error("postgres::change_source.table", stream_.error(present));
    relation_map snapshot;
    columns.clear();
    for (int i = 0; i < present.rows(); ++i) {
      const std::string name(present.value(i, 0));
      const int m = member_index(name);
      if (m < 0) continue;
      snapshot.member.push_back(m);
      snapshot.names.push_back(name);
      columns += concat({columns.empty() ? "" : ", ", sql_detail::quote_identifier(name)});
    }
    pending_.push_back({cdc::op::begin, at});
    if (!columns.empty()) {
      detail::result rows = stream_.exec(concat({"SELECT ", columns, " FROM ", qualified_}));
      if (!rows.ok()) throw config_error("postgres::change_source.table", stream_.error(rows));
      const int n = static_cast<int>(snapshot.member.size());
      for (int r = 0; r < rows.rows(); ++r) {
        Row row{};
        for (int c = 0; c < n; ++c) {
          const detail::tuple_value v = rows.is_null(r, c) ? detail::tuple_value{'n', {}} : detail::tuple_value{'t', rows.value(r, c)};
          assign(row, snapshot.member[static_cast<std::size_t>(c)], v, snapshot.names[static_cast<std::size_t>(c)]);
        }
        pending_.push_back({cdc::op::insert, at, std::nullopt, std::move(row)});
      }
    }
    pending_.push_back({cdc::op::commit, at});
    must_stream("COMMIT", "ending the snapshot");
    snapshot_at_ = at;
  }

  void start_streaming(cdc::position from) {
    using sinkforge::detail::concat;
    const std::string sql = concat({"START_REPLICATION SLOT ", sql_detail::quote_identifier(o_.slot), " LOGICAL ",
                                    detail::format_lsn(from), " (proto_version '1', publication_names ",
                                    literal(stream_, sql_detail::quote_identifier(o_.publication)), ")"});
    detail::result r = while_slot_busy([&] { return stream_.exec(sql); });
    if (r.status() != PGRES_COPY_BOTH)
      throw config_error("postgres::change_source.slot",
                         concat({"cannot start replication from slot '", o_.slot, "': ", stream_.error(r)}));
    last_ = from > snapshot_at_ ? from : snapshot_at_;
    confirmed_ = from;
  }

  static int member_index(std::string_view column) {
    int i = 0, found = -1;
    for (const char* name : reflect::member_names<Row>()) {
      if (column == name) found = i;
      ++i;
    }
    return found;
  }

  void assign(Row& row, int member, const detail::tuple_value& v, std::string_view column) {
    int i = 0;
    bool ok = true;
    reflect::for_each_member(row, [&](auto, auto& m) {
      using M = std::remove_cvref_t<decltype(m)>;
      if (i++ != member) return;
      if (v.kind == 'n') {
        if constexpr (reflect::is_optional<M>) m.reset();
        else ok = false;
      } else {
        ok = detail::from_text(m, v.text);
      }
    });
    if (!ok)
      throw std::runtime_error(sinkforge::detail::concat(
          {"postgres::change_source: column \"", std::string(column), "\" of ", o_.table, " holds ",
           v.kind == 'n' ? std::string("NULL") : "'" + std::string(v.text.substr(0, 64)) + "'",
           ", which its member cannot take (make the member std::optional, or change its type)"}));
  }

  // One replication message: XLogData ('w') carries a pgoutput message, a keepalive ('k') the
  // server's position and maybe a request to answer.
  void take(const char* p, std::size_t n) {
    detail::wire_reader in(p, n);
    const char kind = in.byte();
    if (kind == 'k') {
      const auto wal_end = in.number<std::uint64_t>();
      in.number<std::int64_t>();
      const bool reply = in.byte() != 0;
      // The server has sent every transaction that committed before `wal_end`, and the next
      // commit record can start right at it: a heartbeat one below never passes a commit.
      const auto now = std::chrono::steady_clock::now();
      if (!in_transaction_ && wal_end > last_ + 1 && now - last_heartbeat_ >= o_.heartbeat_interval) {
        last_ = wal_end - 1;
        last_heartbeat_ = now;
        pending_.push_back({cdc::op::heartbeat, last_});
      }
      if (reply) send_status(true);
      return;
    }
    if (kind != 'w') return;
    in.number<std::uint64_t>();  // the message's WAL start
    const auto wal_end = in.number<std::uint64_t>();
    in.number<std::int64_t>();
    if (wal_end > received_) received_ = wal_end;
    const std::size_t had = pending_.size();
    decode(in);
    // The server starts with the transaction that committed at the position it was given, which
    // the target has: it is not handed out again.
    if (txn_at_ <= resume_from_ && pending_.size() > had) pending_.resize(had);
    if (!in.ok()) throw std::runtime_error("postgres::change_source: a malformed pgoutput message");
  }

  void decode(detail::wire_reader& in) {
    switch (in.byte()) {
      case 'B': {
        txn_at_ = in.number<std::uint64_t>();
        in.number<std::int64_t>();
        txn_id_ = in.number<std::uint32_t>();
        in_transaction_ = true;
        pending_.push_back({cdc::op::begin, txn_at_, std::nullopt, std::nullopt, txn_id_});
        break;
      }
      case 'C': {
        in.byte();
        const auto commit_lsn = in.number<std::uint64_t>();
        in.number<std::uint64_t>();
        in.number<std::int64_t>();
        in_transaction_ = false;
        if (commit_lsn > last_) last_ = commit_lsn;
        pending_.push_back({cdc::op::commit, commit_lsn, std::nullopt, std::nullopt, txn_id_});
        break;
      }
      case 'R': {
        const auto relid = in.number<std::uint32_t>();
        const std::string_view ns = in.cstring();
        const std::string_view rel = in.cstring();
        in.byte();  // replica identity setting
        const auto columns = in.number<std::uint16_t>();
        relation_map map;
        map.ours = ns == schema_ && rel == name_;
        for (std::uint16_t c = 0; c < columns && in.ok(); ++c) {
          in.byte();
          const std::string_view name = in.cstring();
          in.number<std::uint32_t>();
          in.number<std::int32_t>();
          map.member.push_back(member_index(name));
          map.names.emplace_back(name);
        }
        const bool known = relations_.count(relid) > 0;
        relations_[relid] = std::move(map);
        if (known && relations_[relid].ours)
          pending_.push_back({cdc::op::schema_change, txn_at_, std::nullopt, std::nullopt, txn_id_});
        break;
      }
      case 'I': {
        const auto relid = in.number<std::uint32_t>();
        in.byte();  // 'N'
        auto tuple = read_tuple(in);
        const relation_map* map = ours(relid);
        if (!map) break;
        cdc::change<Row> c{cdc::op::insert, txn_at_, std::nullopt, Row{}, txn_id_};
        fill(*c.after, *map, tuple, nullptr, false);
        pending_.push_back(std::move(c));
        break;
      }
      case 'U': {
        const auto relid = in.number<std::uint32_t>();
        char tag = in.byte();
        std::vector<detail::tuple_value> old;
        bool full_old = false;
        if (tag == 'K' || tag == 'O') {
          full_old = tag == 'O';
          old = read_tuple(in);
          tag = in.byte();  // 'N'
        }
        auto tuple = read_tuple(in);
        const relation_map* map = ours(relid);
        if (!map) break;
        cdc::change<Row> c{cdc::op::update, txn_at_, std::nullopt, Row{}, txn_id_};
        if (!old.empty()) {
          c.before = Row{};
          fill(*c.before, *map, old, nullptr, !full_old);
        }
        fill(*c.after, *map, tuple, full_old ? &old : nullptr, false);
        pending_.push_back(std::move(c));
        break;
      }
      case 'D': {
        const auto relid = in.number<std::uint32_t>();
        const bool key_only = in.byte() == 'K';
        auto old = read_tuple(in);
        const relation_map* map = ours(relid);
        if (!map) break;
        cdc::change<Row> c{cdc::op::remove, txn_at_, Row{}, std::nullopt, txn_id_};
        fill(*c.before, *map, old, nullptr, key_only);
        pending_.push_back(std::move(c));
        break;
      }
      case 'T':
        throw std::runtime_error(sinkforge::detail::concat(
            {"postgres::change_source: ", o_.table, " was truncated; a publication of this source does not publish "
             "TRUNCATE (recreate publication '", o_.publication, "' with publish = 'insert, update, delete')"}));
      default:
        break;  // origin, type and message records carry nothing for the rows
    }
  }

  std::vector<detail::tuple_value> read_tuple(detail::wire_reader& in) {
    const auto n = in.number<std::uint16_t>();
    std::vector<detail::tuple_value> out(n);
    for (std::uint16_t i = 0; i < n && in.ok(); ++i) {
      out[i].kind = in.byte();
      if (out[i].kind == 't' || out[i].kind == 'b') {
        const auto len = in.number<std::uint32_t>();
        out[i].text = in.bytes(len);
      }
    }
    return out;
  }

  const relation_map* ours(std::uint32_t relid) const {
    const auto it = relations_.find(relid);
    return it != relations_.end() && it->second.ours ? &it->second : nullptr;
  }

  // A row from a tuple; an unchanged TOAST value comes from the full old row, when there is one.
  // A key-only tuple (the replica identity) has nulls for the other columns: they keep defaults.
  void fill(Row& row, const relation_map& map, const std::vector<detail::tuple_value>& tuple,
            const std::vector<detail::tuple_value>* full_old, bool key_only) {
    for (std::size_t c = 0; c < tuple.size() && c < map.member.size(); ++c) {
      if (map.member[c] < 0) continue;
      const detail::tuple_value* v = &tuple[c];
      if (key_only && v->kind == 'n') continue;
      if (v->kind == 'u') {
        if (!full_old || c >= full_old->size() || (*full_old)[c].kind == 'u')
          throw std::runtime_error(sinkforge::detail::concat(
              {"postgres::change_source: column \"", map.names[c], "\" of ", o_.table,
               " is stored out of line and an update left it unchanged, so the server did not send it: set ALTER "
               "TABLE ", qualified_, " REPLICA IDENTITY FULL to have it sent with the old row"}));
        v = &(*full_old)[c];
      }
      assign(row, map.member[c], *v, map.names[c]);
    }
  }

  // Standby status: received up to `received_`, flushed (committed by the target) up to
  // `confirmed_`. Sent when asked, and at least every status_interval.
  void send_status(bool now) {
    const auto t = std::chrono::steady_clock::now();
    if (!now && t - last_status_ < o_.status_interval) return;
    last_status_ = t;
    char msg[34];
    std::size_t at = 0;
    auto put = [&](std::uint64_t v) {
      for (int s = 56; s >= 0; s -= 8) msg[at++] = static_cast<char>(v >> s);
    };
    msg[at++] = 'r';
    put(received_ > confirmed_ ? received_ : confirmed_);
    put(confirmed_);
    put(confirmed_);
    const auto since_2000 = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count() -
                            946'684'800LL * 1'000'000LL;
    put(static_cast<std::uint64_t>(since_2000));
    msg[at++] = 0;
    if (PQputCopyData(stream_.handle(), msg, static_cast<int>(at)) != 1 || PQflush(stream_.handle()) != 0) broken();
  }

  [[noreturn]] void broken() {
    throw std::runtime_error(sinkforge::detail::concat(
        {"postgres::change_source: the replication stream of slot '", o_.slot, "' broke: ",
         stream_.redact(PQerrorMessage(stream_.handle()))}));
  }

  change_source_options o_;
  detail::session catalog_;
  detail::session stream_;
  std::string schema_, name_, qualified_;
  std::unordered_map<std::uint32_t, relation_map> relations_;
  std::deque<cdc::change<Row>> pending_;
  cdc::position txn_at_ = 0;
  std::uint64_t txn_id_ = 0;
  bool in_transaction_ = false;
  cdc::position resume_from_ = 0;
  cdc::position snapshot_at_ = 0;  // the position of the snapshot's rows, when this run took one
  cdc::position last_ = 0;       // the highest position handed out
  cdc::position received_ = 0;   // the server's WAL end, as last reported
  cdc::position confirmed_ = 0;  // what the target has committed
  std::chrono::steady_clock::time_point last_status_{};
  std::chrono::steady_clock::time_point last_heartbeat_{};
};

}  // namespace sinkforge::inline v1::postgres
