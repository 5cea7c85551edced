// postgres::table: rows into a PostgreSQL table through binary COPY. Needs the sinkforge::postgres
// CMake target (links libpq).
//
//   postgres::table{.conninfo = "host=db.example port=5432 dbname=shop user=loader sslmode=verify-full",
//                   .name = "orders"}
//
// `conninfo` is anything libpq accepts: key=value pairs or a postgresql:// URI, TLS options
// (sslmode, sslrootcert, sslcert, ...) included; PGPASSWORD, PGSERVICE and the password file work
// as they do for psql. The password never appears in an error, a log line or a metric.
//
// With `create_table` the table is created from the reflected struct when missing. Type map
// (binary COPY sends each value in exactly its column's type, so an existing table must match):
//   bool                        boolean
//   int8_t, uint8_t, int16_t    smallint
//   uint16_t, int32_t           integer
//   uint32_t, int64_t, uint64_t bigint    (uint64 values above INT64_MAX make the record invalid)
//   float, double               real, double precision
//   std::string, char           text      (or varchar; invalid UTF-8 or NUL makes the record invalid)
//   enums                       their underlying integer's type, or text when sinkforge_enum_name(E)
//                               is declared
//   system_clock time point     timestamp with time zone (microseconds: finer parts are cut)
//   std::vector<std::byte>      bytea     (also std::vector<unsigned char>)
//   nested struct, sequence, map jsonb    (as serialize::json writes it; invalid UTF-8 or a
//                               non-finite number makes the record invalid)
//   std::optional<X>            X, nullable; every other column is NOT NULL
// Identifiers are always quoted and values always sent as data, never spliced into SQL.
//
// At-least-once: one COPY per batch, a transaction of its own. A row the server refuses (a
// constraint, a value out of a type's range) fails the COPY; the rows are then sent again in
// savepoints around the refused ones (COPY names the row; without that, halving finds it): they
// are reported as invalid records and every other row commits. A lost connection or a busy server is retryable (the sink reconnects);
// a missing privilege or a wrong schema is fatal.
//
// deliver::idempotent<&T::key>: rows go through a temporary table into
// INSERT ... ON CONFLICT (key) DO UPDATE (a unique index on the key column is created): the last
// row of a key in a batch wins, and a replayed batch changes nothing.
//
// deliver::exactly_once: the batches of a checkpoint go into one transaction (each batch in a
// savepoint), which prepare_checkpoint ends with PREPARE TRANSACTION 'sinkforge:<sink>:<id>',
// together with the checkpoint's row in `sinkforge_checkpoints`; commit_checkpoint runs COMMIT
// PREPARED. After a crash, sf::restore commits what the stored state names and rolls back every
// other prepared transaction of the sink (found in pg_prepared_xacts by its prefix). The server
// must allow prepared transactions (max_prepared_transactions > 0). transport/postgres_in_doubt.hpp
// lists and resolves what a sink left prepared, for an operator.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/detail/concat.hpp>
#include <sinkforge/dynamic/record.hpp>
#include <sinkforge/payload/rows.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/serialize/columns.hpp>
#include <sinkforge/cdc/apply.hpp>
#include <sinkforge/transport/concept.hpp>
#include <sinkforge/transport/detail/postgres_copy.hpp>
#include <sinkforge/transport/detail/postgres_session.hpp>
#include <sinkforge/transport/detail/sql.hpp>

namespace sinkforge::inline v1::postgres {

namespace detail {
using sql_detail::is_rows;
using sql_detail::quote_identifier;
using sql_detail::storable;
}  // namespace detail

struct table {
  using policy_family = family::transport;
  using default_serializer = serialize::columns;
  // Below 1,000 rows a COPY's round trip costs more than its rows (bench/README.md, section 6); from
  // URIs, batches of 10,000 unless the URI says.
  static constexpr transport_capabilities capabilities{
      .upsert = true, .remove = true, .transactions = true, .schema_evolution = true, .loading = loading_model::bulk,
      .min_batch = 1000, .preferred_batch = 10'000};
  template <class P>
  static constexpr bool accepts_payload = detail::is_rows<P>::value || cdc::is_changes<P>::value;

  template <class T>
  static constexpr bool row_storable = [] {
    if constexpr (reflect::is_struct<T>)
      return reflect::all_members<T>([](auto t) { return detail::storable<typename decltype(t)::type>(); });
    else return false;
  }();
  // A struct of storable members, a change (cdc::apply) of one, or a dynamic::record.
  template <class T>
  static constexpr bool accepts_record = [] {
    using Row = typename cdc::detail::change_row<T>::type;
    if constexpr (dynamic::is_record<T>) return true;
    else if constexpr (!std::is_void_v<Row>) return row_storable<Row>;
    else return row_storable<T>;
  }();

  template <class T>
  static consteval void check_record() {
    static_assert(accepts_record<T>,
                  "sinkforge::postgres::table cannot store this record type: every member must be bool, an "
                  "integer, floating point, std::string, char, an enum, a system_clock time point, "
                  "std::vector<std::byte>, a struct or container serialize::json can write (stored as jsonb), "
                  "or std::optional of one of these (a pointer, std::string_view or a nested optional is not); or "
                  "a dynamic::record");
  }

  std::string conninfo{};  // libpq key=value string or postgresql:// URI (see above)
  std::string name{};      // the table
  std::string schema{};    // empty: the first schema of the search_path
  bool create_table = true;
  // An existing table without a column for some member gets it (ALTER TABLE ADD COLUMN, nullable:
  // the rows already there have no value); otherwise make_sink refuses the table.
  bool add_missing_columns = false;
  // Under exactly_once: names the sink's prepared transactions ('sinkforge:<sink_name>:<id>') and
  // its rows in sinkforge_checkpoints. Letters, digits, '_', '-' and '.'; empty: the table's name.
  // Two sinks writing to one database need different names.
  std::string sink_name{};
  // How long a statement waits for a lock another transaction holds before it fails (retryable).
  std::chrono::milliseconds lock_timeout = std::chrono::seconds{30};

  template <class T>
  class connection;
  template <class Row, auto Key, cdc::options Opts>
  class cdc_connection;
  template <class T, class P>
  auto open(const transport_context& cx) const;

  // The position of the last change cdc::apply committed to this table (0 when none): where a
  // change source resumes.
  cdc::position cdc_position() const;

  // Exactly-once: the checkpoint id names the prepared transaction.
  using committable = std::uint64_t;
  static std::string encode_committable(const committable& c) { return std::to_string(c); }
  static committable decode_committable(std::string_view s);
  template <class Rows>
  class transactional_connection;
  template <class T, class P>
  auto open_transactional(const transport_context& cx) const;
};

namespace detail {

inline bool valid_sink_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 100) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.'))
      return false;
  return true;
}

inline std::uint64_t parse_checkpoint(std::string_view s, bool& ok) noexcept {
  std::uint64_t id = 0;
  ok = !s.empty() && s.size() <= 20;
  for (const char ch : s) {
    if (ch < '0' || ch > '9' || id > (~std::uint64_t{0} - static_cast<std::uint64_t>(ch - '0')) / 10) {
      ok = false;
      return 0;
    }
    id = id * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  return id;
}

// A column as the record type declares it.
struct column_spec {
  const char* name;
  const char* type;
  bool nullable;
};

// Everything of a table connection that does not depend on the record type: the session, the
// table's shape, and delivering a COPY stream (splitting it when the server refuses rows).
class relation {
 public:
  // `key`: the column rows are written by (the primary key of a table the sink creates, a unique
  // index otherwise). With `upsert`, rows go through a temporary staging table into INSERT ... ON
  // CONFLICT (key) DO UPDATE; without it the caller stages them (use_stage).
  relation(const table& cfg, std::vector<column_spec> columns, const char* key, bool upsert = true)
      : cfg_(cfg), columns_(std::move(columns)), db_(cfg.conninfo, "postgres::table.conninfo") {
    if (cfg_.name.empty()) throw config_error("postgres::table.name", "must not be empty");
    if (cfg_.lock_timeout.count() < 0) throw config_error("postgres::table.lock_timeout", "must not be negative");
    qualified_ = cfg_.schema.empty() ? quote_identifier(cfg_.name)
                                     : concat({quote_identifier(cfg_.schema), ".", quote_identifier(cfg_.name)});
    if (key) key_ = key;
    std::string list;
    for (const column_spec& c : columns_) list += concat({list.empty() ? "" : ", ", quote_identifier(c.name)});
    column_list_ = list;
    copy_sql_ = concat({"COPY ", qualified_, " (", list, ") FROM STDIN (FORMAT binary)"});
    on_connect();
    if (cfg_.create_table) create();
    check_columns();
    if (!key_.empty()) ensure_unique_key();
    if (!key_.empty() && upsert) prepare_upsert();
  }

  // For records whose columns are known only from the records (dynamic::record): the caller
  // reads, creates and alters the table, and names the columns of each COPY (copy_into).
  struct columns_from_records {};
  relation(const table& cfg, columns_from_records) : cfg_(cfg), db_(cfg.conninfo, "postgres::table.conninfo") {
    if (cfg_.name.empty()) throw config_error("postgres::table.name", "must not be empty");
    if (cfg_.lock_timeout.count() < 0) throw config_error("postgres::table.lock_timeout", "must not be negative");
    qualified_ = cfg_.schema.empty() ? quote_identifier(cfg_.name)
                                     : concat({quote_identifier(cfg_.schema), ".", quote_identifier(cfg_.name)});
    on_connect();
  }
  // The statement the next COPY runs (COPY <table> (<columns>) FROM STDIN ...).
  void copy_into(std::string copy_sql) { copy_sql_ = std::move(copy_sql); }

  // The caller's staging: `create_sql` on every connection, then each COPY goes by `copy_sql` into
  // the staging table and `after_copy_sql` moves it on, in the same transaction.
  void use_stage(std::string create_sql, std::string copy_sql, std::string after_copy_sql) {
    stage_sql_ = std::move(create_sql);
    stage_copy_sql_ = std::move(copy_sql);
    after_copy_sql_ = std::move(after_copy_sql);
    db_.must(stage_sql_.c_str(), "creating the staging table");
  }

  detail::session& db() noexcept { return db_; }
  const table& config() const noexcept { return cfg_; }
  const std::string& qualified() const noexcept { return qualified_; }

  // The statements every connection (and every reconnection) runs first.
  void on_connect() {
    // Text travels as UTF-8 whatever the database's encoding (the server converts it, or refuses
    // a character its encoding lacks).
    db_.must(concat({"SET lock_timeout = ", std::to_string(cfg_.lock_timeout.count()), "; SET client_encoding = 'UTF8'"})
                 .c_str(),
             "setting lock_timeout");
    if (!stage_sql_.empty()) db_.must(stage_sql_.c_str(), "creating the staging table");
  }

  // A broken link is mended before the next statement, or the send is retryable.
  bool ensure_connected() {
    if (db_.connected()) return true;
    if (!db_.reconnect()) return false;
    try {
      on_connect();
    } catch (const config_error&) {
      return false;
    }
    return true;
  }

  // Delivers the rows of `buf`: `index[i]` is the batch position of buffer row i. Outside a
  // transaction (at-least-once) it is one COPY, a transaction of its own; inside one (exactly-once)
  // it is a savepoint. Rows the server refuses are appended to `invalid`; every other row lands.
  // A failure result means none of them landed.
  send_result deliver(copy_buffer& buf, const std::vector<std::uint32_t>& index, std::vector<record_failure>& invalid,
                      bool in_transaction) {
    if (buf.rows() == 0) return send_result::success();
    if (send_result same = types_unchanged(); !same.ok()) return same;
    if (!in_transaction && stage_copy_sql_.empty()) {
      // The common case: one statement, one round trip for the rows.
      result r = db_.copy_in(copy_sql_, buf.whole());
      if (r.ok()) return send_result::success();
      if (db_.classify_failure(r) != failure_class::invalid_data) return db_.failure("COPY", r);
      ahead_ = "BEGIN; ";
      return finish(isolate(buf, index, 0, buf.rows(), invalid, copy_line(r), concat({"postgres: ", db_.error(r)})));
    }
    if (!in_transaction) {
      ahead_ = "BEGIN; ";
      return finish(part(buf, index, 0, buf.rows(), invalid, true));
    }
    return part(buf, index, 0, buf.rows(), invalid, true);
  }

  // The next statement opens the transaction: BEGIN travels with it, in the same round trip.
  void begin_with_next() { ahead_ = "BEGIN; "; }
  // What must precede the next statement (BEGIN, or the release of the last batch's savepoint).
  std::string take_ahead() { return std::exchange(ahead_, std::string()); }
  // The transaction ended (prepared, committed, rolled back): nothing is left to release.
  void transaction_ended() noexcept { ahead_.clear(); }

 private:
  send_result finish(send_result s) {
    ahead_.clear();  // COMMIT and ROLLBACK end the savepoints too
    if (s.ok()) {
      result c = db_.exec("COMMIT");
      if (!c.ok()) return db_.failure("COMMIT", c);
      return s;
    }
    db_.exec("ROLLBACK");
    return s;
  }

  // Rows [first, last) in a savepoint, then the refused ones found (isolate). The savepoint of the
  // whole batch (`whole`) is released with the next statement, not on its own.
  send_result part(copy_buffer& buf, const std::vector<std::uint32_t>& index, std::size_t first, std::size_t last,
                   std::vector<record_failure>& invalid, bool whole) {
    std::size_t line = 0;
    send_result s = attempt(buf, first, last, whole, line);
    if (s.ok() || s.kind() != failure_kind::invalid_record) return s;
    return isolate(buf, index, first, last, invalid, line, s.reason());
  }

  // One try of rows [first, last) in a savepoint. When the server refuses a row, the savepoint is
  // rolled back, the result is `invalid` with the server's message, and `line` is the refused
  // row's number in the stream (1-based; 0 when the server does not say).
  send_result attempt(copy_buffer& buf, std::size_t first, std::size_t last, bool whole, std::size_t& line) {
    std::string some;  // a run of rows needs a stream of its own; the whole batch is sent in place
    const std::string_view stream = whole ? buf.whole() : std::string_view(some = buf.stream(first, last));
    result r = apply(take_ahead() + "SAVEPOINT sinkforge_rows; ", stream);
    if (r.ok()) {
      if (whole) {
        ahead_ = "RELEASE SAVEPOINT sinkforge_rows; ";
        return send_result::success();
      }
      if (result rel = db_.exec("RELEASE SAVEPOINT sinkforge_rows"); !rel.ok()) return db_.failure("RELEASE", rel);
      return send_result::success();
    }
    const failure_class cls = db_.classify_failure(r);
    const std::string why = db_.error(r);
    if (!db_.connected()) return send_result::retryable(concat({"postgres COPY failed: ", why}));
    if (result back = db_.exec("ROLLBACK TO SAVEPOINT sinkforge_rows; RELEASE SAVEPOINT sinkforge_rows"); !back.ok())
      return db_.failure("ROLLBACK TO SAVEPOINT", back);
    if (cls != failure_class::invalid_data) return db_.failure("COPY", r);
    line = copy_line(r);
    return send_result::invalid(concat({"postgres: ", why}));
  }

  // Rows [first, last) failed (`why`): finds the refused rows; every other row lands. COPY names
  // the row it refused ("line N"): the rows before it go again, it is reported, and the rows after
  // it are tried again - at most about two passes over the rows whatever the number refused.
  // Without a line (an upsert's INSERT, a constraint checked at the end) or after 8 refused rows,
  // the rows are halved instead: 2 log2(n) tries per refused row.
  send_result isolate(copy_buffer& buf, const std::vector<std::uint32_t>& index, std::size_t first, std::size_t last,
                      std::vector<record_failure>& invalid, std::size_t line, std::string why) {
    for (int guided = 0;; ++guided) {
      if (last - first == 1) {
        invalid.push_back({index[first], failure_kind::invalid_record, std::move(why)});
        return send_result::success();
      }
      if (line == 0 || line > last - first || guided == 8) return split(buf, index, first, last, invalid);
      const std::size_t refused = first + line - 1;
      if (refused > first) {
        send_result s = part(buf, index, first, refused, invalid, false);
        if (!s.ok()) return s;
      }
      invalid.push_back({index[refused], failure_kind::invalid_record, std::move(why)});
      first = refused + 1;
      if (first == last) return send_result::success();
      line = 0;
      send_result s = attempt(buf, first, last, false, line);
      if (s.ok() || s.kind() != failure_kind::invalid_record) return s;
      why = s.reason();
    }
  }

  send_result split(copy_buffer& buf, const std::vector<std::uint32_t>& index, std::size_t first, std::size_t last,
                    std::vector<record_failure>& invalid) {
    const std::size_t mid = first + (last - first) / 2;
    send_result a = part(buf, index, first, mid, invalid, false);
    if (!a.ok()) return a;
    return part(buf, index, mid, last, invalid, false);
  }

  // The row a failed COPY names in its context ("COPY orders, line 4322, column amount: ..."), or 0.
  static std::size_t copy_line(const result& r) {
    const char* context = r.get() ? PQresultErrorField(r.get(), PG_DIAG_CONTEXT) : nullptr;
    if (!context) return 0;
    const std::string_view c(context);
    if (!c.starts_with("COPY ")) return 0;
    const std::size_t at = c.find(", line ");
    if (at == std::string_view::npos) return 0;
    std::size_t line = 0;
    for (std::size_t i = at + 7; i < c.size() && c[i] >= '0' && c[i] <= '9' && line < (std::size_t{1} << 40); ++i)
      line = line * 10 + static_cast<std::size_t>(c[i] - '0');
    return line;
  }

  // One COPY, straight into the table or, for an upsert, through the staging table; `opening`
  // (BEGIN, SAVEPOINT, ...) runs first, in the same round trip.
  result apply(const std::string& opening, std::string_view stream) {
    if (stage_copy_sql_.empty()) return db_.copy_in(opening + copy_sql_, stream);
    result r = db_.copy_in(opening + stage_copy_sql_, stream);
    if (!r.ok()) return r;
    return db_.exec(after_copy_sql_);
  }

  void create() {
    std::string defs;
    for (const column_spec& c : columns_)
      defs += concat({defs.empty() ? "" : ", ", quote_identifier(c.name), " ", c.type, c.nullable ? "" : " NOT NULL"});
    if (!key_.empty()) defs += concat({", PRIMARY KEY (", quote_identifier(key_), ")"});
    const std::string sql = concat({"CREATE TABLE IF NOT EXISTS ", qualified_, " (", defs, ")"});
    result r = db_.exec(sql);
    // Two sessions creating the same table at once: the loser sees a duplicate catalog row.
    if (!r.ok() && r.sqlstate() != "23505" && r.sqlstate() != "42P07")
      throw config_error("postgres::table.name", concat({"cannot create ", qualified_, ": ", db_.error(r)}));
  }

  // The table's columns and their types, as format_type() prints them.
  static constexpr const char* columns_sql =
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
      "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped";

  // Binary COPY sends each value in the type its column had when the sink started; a column
  // altered since would read the bytes as something else (an int8's bits as a double). So the
  // types are read again before each COPY (one catalog query), and a change fails the batch,
  // naming the column, before anything is sent.
  send_result types_unchanged() {
    if (columns_.empty()) return send_result::success();
    result r = db_.exec(
        columns_sql,
        {{qualified_}});
    if (!r.ok()) return db_.failure("reading the table's columns", r);
    for (const column_spec& c : columns_) {
      int found = -1;
      for (int i = 0; i < r.rows() && found < 0; ++i)
        if (r.value(i, 0) == c.name) found = i;
      if (found < 0)
        return send_result::fatal(concat({"postgres: table ", qualified_, " has no column \"", c.name,
                                          "\" any more (it was altered under the sink)"}));
      if (!same_wire_type(c.type, r.value(found, 1)))
        return send_result::fatal(concat({"postgres: column \"", c.name, "\" of ", qualified_, " is now ",
                                          r.value(found, 1), "; the sink sends ", c.type,
                                          " (the table was altered under it)"}));
    }
    return send_result::success();
  }

  void check_columns() {
    result r = db_.exec(
        columns_sql,
        {{qualified_}});
    if (!r.ok()) throw config_error("postgres::table.name", db_.error(r));
    if (r.rows() == 0)
      throw config_error("postgres::table.name",
                         concat({"table ", qualified_, " does not exist (create_table is off)"}));
    for (const column_spec& c : columns_) {
      int found = -1;
      for (int i = 0; i < r.rows() && found < 0; ++i)
        if (r.value(i, 0) == c.name) found = i;
      if (found < 0) {
        if (!cfg_.add_missing_columns)
          throw config_error("postgres::table.name", concat({"table ", qualified_, " has no column \"", c.name,
                                                             "\" (add it, or set add_missing_columns)"}));
        result added = db_.exec(
            concat({"ALTER TABLE ", qualified_, " ADD COLUMN IF NOT EXISTS ", quote_identifier(c.name), " ", c.type}));
        if (!added.ok()) throw config_error("postgres::table.add_missing_columns", db_.error(added));
        continue;
      }
      if (!same_wire_type(c.type, r.value(found, 1)))
        throw config_error("postgres::table.name",
                           concat({"column \"", c.name, "\" of ", qualified_, " is ", r.value(found, 1),
                                   "; the record's member is sent as ", c.type,
                                   " (change the column's type or the member's)"}));
    }
  }

  // ON CONFLICT (key) needs a unique index on the key alone: the primary key of a table the sink
  // created, or one made here. A table that already holds a key twice cannot have it.
  void ensure_unique_key() {
    result have = db_.exec(
        "SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        "WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indnatts = 1 AND i.indpred IS NULL "
        "AND a.attname = $2",
        {{qualified_}, {key_}});
    if (have.ok() && have.rows() > 0) return;
    const std::string index_name = quote_identifier(concat({"sinkforge_", cfg_.name, "_", key_}));
    result r = db_.exec(concat({"CREATE UNIQUE INDEX IF NOT EXISTS ", index_name, " ON ", qualified_, " (",
                                quote_identifier(key_), ")"}));
    if (!r.ok() && r.sqlstate() != "23505" && r.sqlstate() != "42P07")
      throw config_error("deliver::idempotent", db_.error(r));
  }

  void prepare_upsert() {
    // The staging table numbers its rows, so that the last row of a key in a batch wins.
    stage_sql_ = concat({"CREATE TEMP TABLE IF NOT EXISTS sinkforge_stage AS SELECT ", column_list_, " FROM ",
                         qualified_, " WITH NO DATA; ALTER TABLE pg_temp.sinkforge_stage ADD COLUMN IF NOT "
                                     "EXISTS sinkforge_order bigserial"});
    stage_copy_sql_ = concat({"COPY pg_temp.sinkforge_stage (", column_list_, ") FROM STDIN (FORMAT binary)"});
    std::string set;
    for (const column_spec& c : columns_) {
      if (key_ == c.name) continue;
      set += concat({set.empty() ? "" : ", ", quote_identifier(c.name), " = excluded.", quote_identifier(c.name)});
    }
    const std::string key = quote_identifier(key_);
    const std::string upsert_sql = concat({"INSERT INTO ", qualified_, " (", column_list_, ") SELECT ", column_list_,
                          " FROM (SELECT DISTINCT ON (", key, ") * FROM pg_temp.sinkforge_stage ORDER BY ", key,
                          ", sinkforge_order DESC) AS latest ON CONFLICT (", key, ") DO ",
                          set.empty() ? std::string("NOTHING") : "UPDATE SET " + set});
    after_copy_sql_ = upsert_sql + "; TRUNCATE pg_temp.sinkforge_stage";
    db_.must(stage_sql_.c_str(), "creating the staging table");
  }

  table cfg_;
  std::vector<column_spec> columns_;
  session db_;
  std::string qualified_;
  std::string column_list_;
  std::string copy_sql_;
  std::string key_;
  std::string stage_sql_;
  std::string stage_copy_sql_;
  std::string after_copy_sql_;
  std::string ahead_;
};

}  // namespace detail

// The record-type part: the columns and encoding a batch.
template <class T>
class table::connection {
 public:
  explicit connection(const table& cfg, const char* upsert_key = nullptr) : rel_(cfg, columns(), upsert_key) {}
  // Under exactly_once (rows are inserted, not upserted).
  connection(const table& cfg, const transport_context&, bool) : connection(cfg) {}

  template <class K>
  send_result send(const record_batch<K, rows<T>>& b) {
    return deliver(b.records, false);
  }

  // Encodes and delivers `records`; inside the open transaction when `in_transaction`.
  send_result deliver(const rows<T>& records, bool in_transaction) {
    if (!rel_.ensure_connected())
      return send_result::retryable("postgres: the connection is lost and connecting again failed");
    buf_.clear();
    index_.clear();
    std::vector<record_failure> invalid;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (const char* bad = detail::put_row(buf_, records[i]); SINKFORGE_UNLIKELY(bad != nullptr)) {
        invalid.push_back({static_cast<std::uint32_t>(i), failure_kind::invalid_record,
                           sinkforge::detail::concat({"postgres: value of '", bad, "' cannot be stored"})});
        continue;
      }
      index_.push_back(static_cast<std::uint32_t>(i));
    }
    const std::size_t client_side = invalid.size();
    send_result r = rel_.deliver(buf_, index_, invalid, in_transaction);
    if (!r.ok()) return r;
    if (invalid.empty()) return send_result::success();
    if (invalid.size() > client_side) sort_by_index(invalid);
    return send_result::partial(std::move(invalid));
  }

  void close() { rel_.db().close(); }
  PGconn* handle() noexcept { return rel_.db().handle(); }
  detail::relation& relation() noexcept { return rel_; }

 private:
  static std::vector<detail::column_spec> columns() {
    std::vector<detail::column_spec> out;
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      using M = std::remove_cvref_t<decltype(boost::hana::second(pair)(std::declval<T&>()))>;
      out.push_back({boost::hana::to<const char*>(boost::hana::first(pair)), detail::column_type<M>(),
                     reflect::is_optional<M>});
    });
    return out;
  }
  static void sort_by_index(std::vector<record_failure>& v) {
    // Insertion sort: the server-refused rows are few and already in order among themselves.
    for (std::size_t i = 1; i < v.size(); ++i)
      for (std::size_t j = i; j > 0 && v[j - 1].index > v[j].index; --j) std::swap(v[j - 1], v[j]);
  }

  detail::relation rel_;
  detail::copy_buffer buf_;
  std::vector<std::uint32_t> index_;
};

template <class T, class P>
auto table::open(const transport_context& cx) const {
  if constexpr (cdc::is_changes<P>::value) return cdc_connection<typename P::row_type, P::key, P::opts>(*this, cx);
  else return connection<T>(*this, cx.upsert_key);
}

namespace detail {
// The position cdc::apply recorded for `target` in `positions` (0: none, or no such table yet).
inline cdc::position stored_cdc_position(session& db, const std::string& positions, const std::string& target) {
  result r = db.exec(sinkforge::detail::concat({"SELECT position FROM ", positions, " WHERE target = $1"}).c_str(),
                     {{target}});
  if (!r.ok()) {
    if (r.sqlstate() == "42P01") return 0;
    throw config_error("postgres::table.conninfo", db.error(r));
  }
  if (r.rows() == 0) return 0;
  return static_cast<cdc::position>(std::stoll(std::string(r.value(0, 0))));
}
}  // namespace detail

// cdc::apply: each batch of changes coalesced per key, sent by one binary COPY into an unlogged
// staging table of the sink's (a temporary table would keep exactly-once from preparing), then
// moved by one DELETE (or soft-delete UPDATE) and one INSERT ... ON CONFLICT DO UPDATE, with the
// position it reached, in one transaction (see cdc/apply.hpp). A row the table refuses is found
// as for plain rows (halving) and reported; the others apply.
template <class Row, auto Key, cdc::options Opts>
class table::cdc_connection {
  using payload = cdc::changes<Row, Key, Opts>;
  static constexpr std::uint32_t carried_row = ~std::uint32_t{0};  // a row of an earlier batch

 public:
  cdc_connection(const table& cfg, const transport_context& cx, bool in_checkpoints = false)
      : rel_(cfg, columns(), key_name(), false), cx_(cx), in_checkpoints_(in_checkpoints) {
    using detail::quote_identifier;
    using sinkforge::detail::concat;
    detail::session& db = rel_.db();
    const std::string in_schema = cfg.schema.empty() ? std::string() : quote_identifier(cfg.schema) + ".";
    positions_ = in_schema + "sinkforge_cdc_positions";
    detail::result made = db.exec(concat({"CREATE TABLE IF NOT EXISTS ", positions_,
                                          " (target text PRIMARY KEY, position bigint NOT NULL)"}));
    if (!made.ok() && made.sqlstate() != "23505" && made.sqlstate() != "42P07")
      throw config_error("postgres::table.conninfo", db.error(made));
    target_ = cfg.schema.empty() ? cfg.name : concat({cfg.schema, ".", cfg.name});
    if (char* lit = PQescapeLiteral(db.handle(), target_.data(), target_.size())) {
      target_literal_ = lit;
      PQfreemem(lit);
    } else {
      throw config_error("postgres::table.name", db.error(detail::result(nullptr)));
    }
    const std::string stage =
        in_schema + quote_identifier(concat({"sinkforge_stage_", cfg.sink_name.empty() ? cfg.name : cfg.sink_name}));
    rel_.use_stage(stage_sql(stage, rel_.qualified()), concat({"COPY ", stage, " (", row_columns(""), ", sinkforge_kind, sinkforge_at) "
                                             "FROM STDIN (FORMAT binary)"}),
                   apply_sql(stage));
    add_stage_columns(stage);
    applied_ = detail::stored_cdc_position(db, positions_, target_);
  }

  template <class K>
  send_result send(const record_batch<K, payload>& b) {
    return deliver(b.records, false);
  }

  // Encodes and applies `records`; inside the open transaction when `in_transaction` (exactly-once:
  // the position commits with the checkpoint), otherwise in one of its own.
  send_result deliver(const payload& records, bool in_transaction) {
    if (!rel_.ensure_connected())
      return send_result::retryable("postgres: the connection is lost and connecting again failed");
    plan_.emplace(cdc::plan_batch<Key>(carried_, records.view(), applied_));
    const auto& plan = *plan_;
    buf_.clear();
    index_.clear();
    std::vector<record_failure> invalid;
    auto where = [&](const cdc::change<Row>* c) {
      const std::ptrdiff_t i = plan.batch_index(c);
      return i < 0 ? carried_row : static_cast<std::uint32_t>(i);
    };
    for (const auto& r : plan.result.removes) {
      if (const char* bad = put_key_row(*r.by->before, r.at); SINKFORGE_UNLIKELY(bad != nullptr)) {
        refused(where(r.by), *r.by, bad, invalid);
        continue;
      }
      index_.push_back(where(r.by));
    }
    for (const cdc::change<Row>* c : plan.result.upserts) {
      if (const char* bad = put_full_row(*c); SINKFORGE_UNLIKELY(bad != nullptr)) {
        refused(where(c), *c, bad, invalid);
        continue;
      }
      index_.push_back(where(c));
    }
    const bool moves = plan.result.last > applied_;
    detail::session& db = rel_.db();
    if (buf_.rows() > 0 || moves) {
      if (!in_transaction) rel_.begin_with_next();
      send_result r = rel_.deliver(buf_, index_, invalid, true);
      if (r.ok() && (moves || !in_transaction)) {
        // The position in a savepoint of its own: should it fail, the rows stay and a retry
        // applies them again, which changes nothing.
        std::string sql = rel_.take_ahead();
        if (moves)
          sql += sinkforge::detail::concat(
              {in_checkpoints_ ? "SAVEPOINT sinkforge_position; " : "", "INSERT INTO ", positions_,
               " (target, position) VALUES (", target_literal_, ", ",
               std::to_string(static_cast<std::int64_t>(plan.result.last)),
               ") ON CONFLICT (target) DO UPDATE SET position = excluded.position",
               in_checkpoints_ ? "; RELEASE SAVEPOINT sinkforge_position" : ""});
        if (!in_transaction) sql += moves ? "; COMMIT" : "COMMIT";
        detail::result done = db.exec(sql);
        if (!done.ok()) {
          r = db.failure(in_transaction ? "recording the CDC position" : "COMMIT", done);
          if (in_transaction && db.connected())
            db.exec("ROLLBACK TO SAVEPOINT sinkforge_position; RELEASE SAVEPOINT sinkforge_position");
        }
      }
      if (!r.ok()) {
        if (!in_transaction) {
          if (db.connected()) db.exec("ROLLBACK");
          rel_.transaction_ended();
        }
        plan_.reset();
        return r;
      }
    }
    if (db.connected()) {
      if (plan.result.last > applied_) applied_ = plan.result.last;
      carried_ = plan.rest();
    }
    plan_.reset();
    // Rows carried from an earlier batch were acknowledged there: what the table refused of them
    // is a notice, not a failure of this batch.
    std::vector<record_failure> ours;
    for (record_failure& f : invalid) {
      if (f.index == carried_row) cx_.notice({std::string(), std::move(f.reason)});
      else ours.push_back(std::move(f));
    }
    if (ours.empty()) return send_result::success();
    for (std::size_t i = 1; i < ours.size(); ++i)  // few, and nearly in order
      for (std::size_t j = i; j > 0 && ours[j - 1].index > ours[j].index; --j) std::swap(ours[j - 1], ours[j]);
    return send_result::partial(std::move(ours));
  }

  // Changes of a source transaction that had not ended are not applied. They lie after the stored
  // position, so a source resuming from it sends them again; the notice says so.
  void close() {
    if (!carried_.empty())
      cx_.notice({std::string(), cdc::unended_transaction(carried_.size(), carried_.front().at)});
    carried_.clear();
    rel_.db().close();
  }

  cdc::position position() const noexcept { return applied_; }
  PGconn* handle() noexcept { return rel_.db().handle(); }
  detail::relation& relation() noexcept { return rel_; }

 private:
  static const char* key_name() { return reflect::member_name_of<Row, Key>(); }

  static std::vector<detail::column_spec> columns() {
    std::vector<detail::column_spec> out;
    boost::hana::for_each(boost::hana::accessors<Row>(), [&](auto pair) {
      using M = std::remove_cvref_t<decltype(boost::hana::second(pair)(std::declval<Row&>()))>;
      out.push_back({boost::hana::to<const char*>(boost::hana::first(pair)), detail::column_type<M>(),
                     reflect::is_optional<M>});
    });
    if constexpr (cdc::has(Opts, cdc::options::soft_delete)) out.push_back({cdc::deleted_column, "boolean", true});
    if constexpr (cdc::has(Opts, cdc::options::audit_operation)) out.push_back({cdc::operation_column, "text", true});
    if constexpr (cdc::has(Opts, cdc::options::audit_synced_at))
      out.push_back({cdc::synced_at_column, "timestamp with time zone", true});
    if constexpr (cdc::has(Opts, cdc::options::audit_position)) out.push_back({cdc::position_column, "bigint", true});
    return out;
  }

  // Row's columns, quoted, each prefixed with `prefix` ("s." in a join).
  static std::string row_columns(const char* prefix) {
    std::string list;
    for (const char* name : reflect::member_names<Row>())
      list += sinkforge::detail::concat({list.empty() ? "" : ", ", prefix, detail::quote_identifier(name)});
    return list;
  }

  // The staging table: Row's columns in the target's types, the change's kind (0 insert, 1 update,
  // 2 remove) and position. Created once, in one statement: an ALTER would wait for an in-doubt
  // transaction that used it.
  static std::string stage_sql(const std::string& stage, const std::string& target) {
    return sinkforge::detail::concat({"CREATE UNLOGGED TABLE IF NOT EXISTS ", stage, " AS SELECT ", row_columns(""),
                                      ", NULL::smallint AS sinkforge_kind, NULL::bigint AS sinkforge_at FROM ", target,
                                      " WITH NO DATA"});
  }

  // A staging table made for an older Row lacks the columns added since (add_missing_columns).
  void add_stage_columns(const std::string& stage) {
    detail::session& db = rel_.db();
    detail::result have = db.exec(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
        {{stage}});
    if (!have.ok()) throw config_error("postgres::table.name", db.error(have));
    for (const detail::column_spec& c : columns()) {
      bool found = false;
      for (int i = 0; i < have.rows() && !found; ++i) found = have.value(i, 0) == c.name;
      bool audit = true;
      for (const char* member : reflect::member_names<Row>()) audit &= std::string_view(member) != c.name;
      if (found || audit) continue;
      db.must(sinkforge::detail::concat({"ALTER TABLE ", stage, " ADD COLUMN ", detail::quote_identifier(c.name), " ",
                                         c.type})
                  .c_str(),
              "adding a column to the staging table");
    }
  }

  std::string apply_sql(const std::string& stage) {
    using detail::quote_identifier;
    using sinkforge::detail::concat;
    const std::string& target = rel_.qualified();
    const std::string key = quote_identifier(key_name());
    std::string sql;
    if constexpr (!cdc::has(Opts, cdc::options::soft_delete)) {
      sql = concat({"DELETE FROM ", target, " t USING ", stage, " s WHERE s.sinkforge_kind = 2 AND t.", key, " = s.", key});
    } else {
      std::string set = quote_identifier(cdc::deleted_column) + " = true";
      if constexpr (cdc::has(Opts, cdc::options::audit_operation))
        set += ", " + quote_identifier(cdc::operation_column) + " = 'remove'";
      if constexpr (cdc::has(Opts, cdc::options::audit_synced_at))
        set += ", " + quote_identifier(cdc::synced_at_column) + " = now()";
      if constexpr (cdc::has(Opts, cdc::options::audit_position))
        set += ", " + quote_identifier(cdc::position_column) + " = s.sinkforge_at";
      sql = concat({"UPDATE ", target, " t SET ", set, " FROM ", stage, " s WHERE s.sinkforge_kind = 2 AND t.", key,
                    " = s.", key});
    }
    std::string names = row_columns(""), values = row_columns("s.");
    auto extra = [&](const char* column, const char* value) {
      names += ", " + quote_identifier(column);
      values += concat({", ", value});
    };
    if constexpr (cdc::has(Opts, cdc::options::soft_delete)) extra(cdc::deleted_column, "false");
    if constexpr (cdc::has(Opts, cdc::options::audit_operation))
      extra(cdc::operation_column, "CASE s.sinkforge_kind WHEN 0 THEN 'insert' ELSE 'update' END");
    if constexpr (cdc::has(Opts, cdc::options::audit_synced_at)) extra(cdc::synced_at_column, "now()");
    if constexpr (cdc::has(Opts, cdc::options::audit_position)) extra(cdc::position_column, "s.sinkforge_at");
    std::string set;
    for (const detail::column_spec& c : columns()) {
      if (std::string_view(c.name) == key_name()) continue;
      set += concat({set.empty() ? "" : ", ", quote_identifier(c.name), " = excluded.", quote_identifier(c.name)});
    }
    sql += concat({"; INSERT INTO ", target, " (", names, ") SELECT ", values, " FROM ", stage,
                   " s WHERE s.sinkforge_kind < 2 ON CONFLICT (", key, ") DO ",
                   set.empty() ? std::string("NOTHING") : "UPDATE SET " + set, "; DELETE FROM ", stage});
    return sql;
  }

  // The row of an upsert: its columns, its kind and position.
  const char* put_full_row(const cdc::change<Row>& c) {
    buf_.begin_row(static_cast<std::uint16_t>(reflect::member_count<Row>() + 2));
    const char* bad = nullptr;
    reflect::for_each_member(*c.after, [&](auto column, const auto& m) {
      if (!bad && !buf_.value(m)) bad = decltype(column)::c_str();
    });
    if (bad) {
      buf_.undo_row();
      return bad;
    }
    buf_.fixed(static_cast<std::int16_t>(c.kind == cdc::op::insert ? 0 : 1));
    buf_.fixed(static_cast<std::int64_t>(c.at));
    return nullptr;
  }

  // The row of a remove: the key of `before`, nulls, kind 2 and the position.
  const char* put_key_row(const Row& before, cdc::position at) {
    buf_.begin_row(static_cast<std::uint16_t>(reflect::member_count<Row>() + 2));
    const void* key = &(before.*Key);
    const char* bad = nullptr;
    reflect::for_each_member(before, [&](auto column, const auto& m) {
      if (static_cast<const void*>(&m) != key) buf_.null();
      else if (!bad && !buf_.value(m)) bad = decltype(column)::c_str();
    });
    if (bad) {
      buf_.undo_row();
      return bad;
    }
    buf_.fixed(std::int16_t{2});
    buf_.fixed(static_cast<std::int64_t>(at));
    return nullptr;
  }

  void refused(std::uint32_t index, const cdc::change<Row>& c, const char* column, std::vector<record_failure>& invalid) {
    std::string why = sinkforge::detail::concat({"postgres: value of '", column, "' cannot be stored"});
    if (index != carried_row) invalid.push_back({index, failure_kind::invalid_record, std::move(why)});
    else cx_.notice({serialize::to_json_lenient(c.after ? *c.after : *c.before), std::move(why)});
  }

  detail::relation rel_;
  transport_context cx_;
  bool in_checkpoints_;
  std::string positions_;
  std::string target_;
  std::string target_literal_;
  detail::copy_buffer buf_;
  std::vector<std::uint32_t> index_;
  cdc::position applied_ = 0;
  std::vector<cdc::change<Row>> carried_;
  std::optional<cdc::batch_plan<Row, Key>> plan_;
};

inline cdc::position table::cdc_position() const {
  detail::session db(conninfo, "postgres::table.conninfo");
  const std::string positions =
      schema.empty() ? std::string("sinkforge_cdc_positions") : detail::quote_identifier(schema) + ".sinkforge_cdc_positions";
  return detail::stored_cdc_position(db, positions, schema.empty() ? name : sinkforge::detail::concat({schema, ".", name}));
}

inline table::committable table::decode_committable(std::string_view s) {
  bool ok = false;
  const std::uint64_t id = detail::parse_checkpoint(s, ok);
  if (!ok) throw config_error("restore", "a PostgreSQL committable is a checkpoint number");
  return id;
}

// Exactly-once: the batches of a checkpoint in one transaction, prepared with its checkpoint row.
// `Rows` delivers a batch into the open transaction: connection<T> (rows) or cdc_connection (changes).
template <class Rows>
class table::transactional_connection {
 public:
  transactional_connection(const table& cfg, const transport_context& cx)
      : rows_(cfg, cx, true), sink_(cfg.sink_name.empty() ? cfg.name : cfg.sink_name) {
    if (!detail::valid_sink_name(sink_))
      throw config_error(cfg.sink_name.empty() ? "postgres::table.name" : "postgres::table.sink_name",
                         "names the sink's prepared transactions under deliver::exactly_once: 1 to 100 letters, "
                         "digits, '_', '-' or '.' (set sink_name when the table's name has other characters)");
    prefix_ = sinkforge::detail::concat({"sinkforge:", sink_, ":"});
    scope_ = "postgres:" + sink_;
    detail::session& db = rows_.relation().db();
    detail::result mpt = db.must("SHOW max_prepared_transactions", "reading max_prepared_transactions");
    if (mpt.rows() == 1 && mpt.value(0, 0) == "0")
      throw config_error("postgres::table.conninfo",
                         "the server does not allow prepared transactions (max_prepared_transactions = 0), which "
                         "deliver::exactly_once needs: set max_prepared_transactions in postgresql.conf to at "
                         "least the number of sinks writing at once, and restart the server");
    checkpoints_ = cfg.schema.empty()
                       ? std::string("sinkforge_checkpoints")
                       : sinkforge::detail::concat({detail::quote_identifier(cfg.schema), ".sinkforge_checkpoints"});
    detail::result made = db.exec(sinkforge::detail::concat(
        {"CREATE TABLE IF NOT EXISTS ", checkpoints_,
         " (sink text NOT NULL, subtask integer NOT NULL, id bigint NOT NULL, position bytea NOT NULL, "
         "committed_at timestamp with time zone NOT NULL DEFAULT now(), PRIMARY KEY (sink, subtask, id))"}));
    if (!made.ok() && made.sqlstate() != "23505" && made.sqlstate() != "42P07")
      throw config_error("postgres::table.conninfo", db.error(made));
    read_sql_ = sinkforge::detail::concat(
        {"SELECT id, position FROM ", checkpoints_, " WHERE sink = $1 AND subtask = 0 ORDER BY id DESC LIMIT 1"});
    if (auto own = committed_checkpoint()) committed_ = own->id;
  }

  template <class K, class P>
  send_result send(const record_batch<K, P>& b) {
    detail::session& db = rows_.relation().db();
    const bool first = !open_;  // the checkpoint's first batch: nothing of it is on the server yet
    if (first) {
      if (!rows_.relation().ensure_connected())
        return send_result::retryable("postgres: the connection is lost and connecting again failed");
      rows_.relation().begin_with_next();
      open_ = true;
    } else if (!db.connected()) {
      return lost("postgres: the connection broke inside the checkpoint's transaction");
    }
    send_result r = rows_.deliver(b.records, true);
    if (db.connected()) return r;
    if (!first) return lost(r.ok() ? std::string("postgres: the connection broke") : r.reason());
    // Only this batch was in the transaction the link took with it: sent again, in a new one.
    open_ = false;
    rows_.relation().transaction_ended();
    return send_result::retryable(r.ok() ? std::string("postgres: the connection broke") : r.reason());
  }

  // The rows and the checkpoint's row, prepared: durable, not yet visible. One round trip: the
  // checkpoint's row, the trimming of older rows and PREPARE TRANSACTION go as one query (every
  // value in it is a number, hex digits or a checked sink name).
  committable prepare(std::uint64_t checkpoint, std::string_view source_position) {
    detail::session& db = rows_.relation().db();
    if (!open_) {
      if (!rows_.relation().ensure_connected())
        throw std::runtime_error("postgres: the connection is lost and connecting again failed");
      rows_.relation().begin_with_next();
    }
    std::string sql = rows_.relation().take_ahead();
    sql += sinkforge::detail::concat({"INSERT INTO ", checkpoints_, " (sink, subtask, id, position) VALUES ('", sink_,
                                      "', 0, ", std::to_string(checkpoint), ", decode('", hex(source_position),
                                      "', 'hex')); DELETE FROM ", checkpoints_, " WHERE sink = '", sink_,
                                      "' AND subtask = 0 AND id < ", std::to_string(committed_),
                                      "; PREPARE TRANSACTION '", gid(checkpoint), "'"});
    detail::result r = db.exec(sql);
    open_ = false;
    rows_.relation().transaction_ended();
    if (!r.ok()) {
      const std::string why = db.failure("PREPARE TRANSACTION", r).reason();
      db.exec("ROLLBACK");
      throw std::runtime_error(why);
    }
    return checkpoint;
  }

  // COMMIT PREPARED; a transaction already committed (by an earlier attempt) is success.
  send_result commit(const committable& checkpoint) {
    detail::session& db = rows_.relation().db();
    if (!rows_.relation().ensure_connected())
      return send_result::retryable("postgres: the connection is lost and connecting again failed");
    detail::result r = db.exec(sinkforge::detail::concat({"COMMIT PREPARED '", gid(checkpoint), "'"}));
    if (r.ok() || is_committed(checkpoint)) {
      if (checkpoint > committed_) committed_ = checkpoint;
      return send_result::success();
    }
    if (r.sqlstate() == "42704")
      return send_result::fatal(sinkforge::detail::concat(
          {"postgres: prepared transaction '", gid(checkpoint),
           "' is neither prepared nor committed: someone rolled it back (ROLLBACK PREPARED)"}));
    return db.failure("COMMIT PREPARED", r);
  }

  void abort_open() noexcept {
    if (!open_) return;
    open_ = false;
    rows_.relation().transaction_ended();
    try {
      rows_.relation().db().exec("ROLLBACK");
    } catch (...) {
    }
  }

  // Commits the prepared transactions the stored state names, rolls back every other one of this
  // sink. A named checkpoint that is neither prepared nor recorded means the database is older
  // than the checkpoint store: refused.
  send_result recover(std::vector<committable> decided) {
    std::vector<std::uint64_t> found;
    try {
      found = staged();
    } catch (const std::exception& e) {
      return send_result::fatal(e.what());
    }
    for (const committable id : decided) {
      bool prepared = false;
      for (const std::uint64_t f : found) prepared |= f == id;
      if (!prepared && !is_committed(id))
        return send_result::fatal(sinkforge::detail::concat(
            {"the stored state names checkpoint ", std::to_string(id), " of sink '", sink_,
             "', which the database neither holds prepared nor records in sinkforge_checkpoints: the "
             "database is older than the checkpoint store"}));
      if (prepared) {
        send_result r = commit(id);
        if (!r.ok()) return r;
      }
    }
    detail::session& db = rows_.relation().db();
    for (const std::uint64_t f : found) {
      bool keep = false;
      for (const committable id : decided) keep |= f == id;
      if (keep) continue;
      detail::result r = db.exec(sinkforge::detail::concat({"ROLLBACK PREPARED '", gid(f), "'"}));
      if (!r.ok() && r.sqlstate() != "42704") return db.failure("ROLLBACK PREPARED", r);
    }
    return send_result::success();
  }

  // The checkpoints of this sink the database holds prepared.
  std::vector<std::uint64_t> staged() {
    detail::session& db = rows_.relation().db();
    detail::result r = db.exec(
        "SELECT substr(gid, length($1) + 1) FROM pg_prepared_xacts "
        "WHERE database = current_database() AND starts_with(gid, $1)",
        {{prefix_}});
    if (!r.ok()) throw std::runtime_error(db.failure("reading pg_prepared_xacts", r).reason());
    std::vector<std::uint64_t> out;
    for (int i = 0; i < r.rows(); ++i) {
      bool ok = false;
      const std::uint64_t id = detail::parse_checkpoint(r.value(i, 0), ok);
      if (ok) out.push_back(id);
    }
    return out;
  }
  const std::string& scope() const noexcept { return scope_; }

  std::optional<checkpoint_record> committed_checkpoint() {
    detail::session& db = rows_.relation().db();
    detail::result r = db.exec(read_sql_.c_str(), {{sink_}});
    if (!r.ok()) throw std::runtime_error(db.failure("reading sinkforge_checkpoints", r).reason());
    if (r.rows() == 0) return std::nullopt;
    bool ok = false;
    const std::uint64_t id = detail::parse_checkpoint(r.value(0, 0), ok);
    return checkpoint_record{id, unescape_bytea(r.value(0, 1))};
  }

  void close() { rows_.close(); }
  PGconn* handle() noexcept { return rows_.handle(); }
  detail::relation& relation() noexcept { return rows_.relation(); }

 private:
  std::string gid(std::uint64_t checkpoint) const { return prefix_ + std::to_string(checkpoint); }

  static std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char ch : bytes) {
      const auto u = static_cast<unsigned char>(ch);
      out += digits[u >> 4];
      out += digits[u & 15];
    }
    return out;
  }

  bool is_committed(std::uint64_t checkpoint) {
    detail::session& db = rows_.relation().db();
    detail::result r = db.exec(
        sinkforge::detail::concat({"SELECT 1 FROM ", checkpoints_, " WHERE sink = $1 AND subtask = 0 AND id >= $2"})
            .c_str(),
        {{sink_}, {std::to_string(checkpoint)}});
    return r.ok() && r.rows() > 0;
  }

  // A bytea in text output ("\x4142"): its bytes.
  static std::string unescape_bytea(std::string_view hex) {
    std::string out;
    if (!hex.starts_with("\\x")) return out;
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (std::size_t i = 2; i + 1 < hex.size(); i += 2)
      out += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
    return out;
  }

  send_result lost(std::string why) {
    open_ = false;
    return send_result::fatal(std::move(why));
  }

  Rows rows_;
  std::string sink_;
  std::string prefix_;
  std::string scope_;
  std::string checkpoints_;
  std::string read_sql_;
  std::uint64_t committed_ = 0;
  bool open_ = false;
};

template <class T, class P>
auto table::open_transactional(const transport_context& cx) const {
  if constexpr (cdc::is_changes<P>::value)
    return transactional_connection<cdc_connection<typename P::row_type, P::key, P::opts>>(*this, cx);
  else return transactional_connection<connection<T>>(*this, cx);
}

}  // namespace sinkforge::inline v1::postgres

// dynamic::record's connection: a specialization, seen wherever table is.
#include <sinkforge/transport/detail/postgres_dynamic.hpp>
