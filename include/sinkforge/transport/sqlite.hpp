// sqlite::table: rows into a SQLite table, one transaction per batch through one prepared INSERT.
// Needs the sinkforge::sqlite CMake target (links SQLite3).
//
// With `create_table` the table is created from the reflected struct when missing. Type map:
//   bool, integers          INTEGER  (uint64 values above INT64_MAX make the record invalid)
//   float, double           REAL     (NaN makes the record invalid; infinities are stored)
//   std::string, char       TEXT
//   enums                   INTEGER, or TEXT when sinkforge_enum_name(E) is declared
//   system_clock time point TEXT, RFC 3339 UTC ("2026-11-23T09:18:45.123Z"; sorts by time)
//   std::vector<std::byte>  BLOB     (also std::vector<unsigned char>)
//   nested struct, sequence, map  TEXT holding JSON (as serialize::json writes it; invalid UTF-8 or
//                           a non-finite number makes the record invalid)
//   std::optional<X>        X, nullable; every other column is NOT NULL
// Identifiers are always quoted and values always bound, never spliced into SQL.
//
// Failures: SQLITE_BUSY/LOCKED, a full disk or an I/O error are retryable (the transaction is rolled
// back, nothing of the batch stays); a constraint violation makes that row an invalid record while
// the other rows of the batch commit; anything else is fatal.
//
// Under deliver::exactly_once one transaction holds every batch of a checkpoint (each batch in a
// savepoint, so a failed batch is undone alone), and prepare_checkpoint commits it together with
// the checkpoint's row in `sinkforge_checkpoints(sink, subtask, id, position)`: the rows and the
// source position they came from become durable and visible in one atomic commit, so there is no
// second phase, and after a crash the table itself says which checkpoint is in
// (sink.resume_point()). `synchronous = NORMAL` is raised to FULL, so a checkpoint is durable
// before the caller's checkpoint store records it; OFF is refused.
#pragma once
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sqlite3.h>
#include <unistd.h>

#include <sinkforge/cdc/apply.hpp>
#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/detail/concat.hpp>
#include <sinkforge/dynamic/record.hpp>
#include <sinkforge/payload/rows.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/serialize/columns.hpp>
#include <sinkforge/serialize/detail/finite.hpp>
#include <sinkforge/serialize/detail/json_writer.hpp>
#include <sinkforge/serialize/detail/text.hpp>
#include <sinkforge/transport/concept.hpp>
#include <sinkforge/transport/detail/sql.hpp>

namespace sinkforge::inline v1::sqlite {

namespace detail {
using sql_detail::is_rows;
using sql_detail::quote_identifier;
using sql_detail::storable;

template <class M>
constexpr const char* column_type() {
  using namespace reflect;
  if constexpr (is_optional<M>) return column_type<typename optional_traits<M>::value_type>();
  else if constexpr (std::is_floating_point_v<M>) return "REAL";
  else if constexpr (std::same_as<M, std::string> || std::same_as<M, char> || is_sys_time<M> || named_enum<M>)
    return "TEXT";
  else if constexpr (sql_detail::byte_vector<M>()) return "BLOB";
  else if constexpr (sql_detail::json_column<M>()) return "TEXT";  // JSON: json_extract() reads it
  else return "INTEGER";
}

inline bool retryable_code(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
      return true;
    default:
      return false;
  }
}
}  // namespace detail

struct table {
  using policy_family = family::transport;
  using default_serializer = serialize::columns;
  // Under deliver::idempotent<&T::key> rows are upserted: a unique index on the key column, and
  // INSERT ... ON CONFLICT (key) DO UPDATE SET every other column.
  static constexpr transport_capabilities capabilities{
      .upsert = true, .remove = true, .transactions = true, .schema_evolution = true,
      .loading = loading_model::statement};
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
                  "sinkforge::sqlite::table cannot store this record type: every member must be bool, an "
                  "integer, floating point, std::string, char, an enum, a system_clock time point, "
                  "std::vector<std::byte>, a struct or container serialize::json can write (stored as JSON), "
                  "or std::optional of one of these (a pointer, std::string_view or a nested optional is not)");
  }

  std::string path{};
  std::string name{};  // the table
  bool create_table = true;
  // An existing table without a column for some member gets it (ALTER TABLE ADD COLUMN, nullable:
  // the rows already there have no value); otherwise make_sink refuses the table.
  bool add_missing_columns = false;
  std::string journal_mode = "WAL";
  std::string synchronous = "NORMAL";
  std::chrono::milliseconds busy_timeout = std::chrono::seconds{5};

  template <class T>
  class connection;
  template <class Row, auto Key, cdc::options Opts>
  class cdc_connection;
  template <class T, class P>
  auto open(const transport_context&) const;

  // The position of the last change cdc::apply committed to this table (0 when none): where a
  // change source resumes.
  cdc::position cdc_position() const;

  // Exactly-once: the checkpoint id names the committed transaction.
  using committable = std::uint64_t;
  static std::string encode_committable(const committable& c) { return std::to_string(c); }
  static committable decode_committable(std::string_view s);
  template <class Rows>
  class transactional_connection;
  template <class T, class P>
  auto open_transactional(const transport_context&) const;
};

namespace detail {

using sinkforge::detail::concat;

// Everything of a table connection that does not depend on the record type: opening the database,
// the pragmas, checking the table's columns, the transaction statements and error classification.
// Kept out of the class template so that each record type instantiates only its row binding.
class database {
 public:
  database(const table& cfg, std::string_view create_sql, const char* const* columns, const char* const* types,
           std::size_t column_count, const char* upsert_key = nullptr)
      : cfg_(cfg) {
    open_configured();
    try {
      if (cfg_.create_table)
        exec(concat({"CREATE TABLE IF NOT EXISTS ", quote_identifier(cfg_.name), " (", create_sql, ")"}),
             "sqlite::table.name");
      check_columns(columns, types, column_count);
      if (upsert_key && !primary_key_is(upsert_key)) create_key_index(upsert_key);
      prepare_insert(columns, column_count, upsert_key);
    } catch (...) {
      finalize();
      throw;
    }
  }
  // Opens the database for a table whose columns are known only from the records (dynamic::record):
  // the table is looked at, created or altered by the caller, batch by batch.
  struct columns_from_records {};
  database(const table& cfg, columns_from_records) : cfg_(cfg) {
    open_configured();
    try {
      if (!cfg_.create_table && existing_columns().empty())
        throw config_error("sqlite::table.name", concat({"table '", cfg_.name, "' does not exist (create_table is off)"}));
      prepare("BEGIN IMMEDIATE", &begin_);
      prepare("COMMIT", &commit_);
      prepare("ROLLBACK", &rollback_);
    } catch (...) {
      finalize();
      throw;
    }
  }

  // The table's columns as they are now (none when it does not exist).
  std::vector<std::string> existing_columns() {
    sqlite3_stmt* info = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT name FROM pragma_table_info(?1)", -1, &info, nullptr) != SQLITE_OK)
      throw config_error("sqlite::table.name", sqlite3_errmsg(db_));
    sqlite3_bind_text(info, 1, cfg_.name.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<std::string> have;
    while (sqlite3_step(info) == SQLITE_ROW)
      have.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(info, 0)));
    sqlite3_finalize(info);
    return have;
  }
  // Runs a statement of the caller's; SQLite's code, with its message in `why` on failure.
  int exec_code(const std::string& sql, std::string& why) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) why = concat({"sqlite: ", err ? err : sqlite3_errstr(rc)});
    sqlite3_free(err);
    return rc;
  }

  database(database&& o) noexcept
      : cfg_(std::move(o.cfg_)), db_(std::exchange(o.db_, nullptr)), insert_(std::exchange(o.insert_, nullptr)),
        begin_(std::exchange(o.begin_, nullptr)), commit_(std::exchange(o.commit_, nullptr)),
        rollback_(std::exchange(o.rollback_, nullptr)), extra_(std::move(o.extra_)) {}
  database& operator=(database&&) = delete;
  ~database() { finalize(); }

  sqlite3* handle() const noexcept { return db_; }
  sqlite3_stmt* insert_statement() const noexcept { return insert_; }

  int begin() { return step_reset(begin_); }
  int commit() { return step_reset(commit_); }
  int insert() { return step_reset(insert_); }
  void rollback() {
    if (!sqlite3_get_autocommit(db_)) step_reset(rollback_);
  }
  void finalize() noexcept {
    for (sqlite3_stmt** s : {&insert_, &begin_, &commit_, &rollback_}) {
      if (*s) sqlite3_finalize(*s);
      *s = nullptr;
    }
    for (sqlite3_stmt* s : extra_) sqlite3_finalize(s);
    extra_.clear();
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

  // A statement of the caller's, finalized with the others. Throws config_error naming `field`.
  sqlite3_stmt* statement(const char* sql, const char* field) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
      throw config_error(field, sqlite3_errmsg(db_));
    extra_.push_back(s);
    return s;
  }
  void execute(const std::string& sql, const char* field) { exec(sql, field); }
  static int run(sqlite3_stmt* s) { return step_reset(s); }
  const table& config() const noexcept { return cfg_; }

  SINKFORGE_COLD send_result failure(const char* what, int rc) const {
    std::string msg = concat({"sqlite ", what, " failed: ", db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)});
    if (retryable_code(rc)) return send_result::retryable(std::move(msg));
    return send_result::fatal(std::move(msg));
  }
  SINKFORGE_COLD std::string last_error() const { return concat({"sqlite: ", sqlite3_errmsg(db_)}); }

 private:
  static int step_reset(sqlite3_stmt* s) {
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) rc = SQLITE_DONE;
    sqlite3_reset(s);
    return rc;
  }

  // Checks the names, opens the file and sets the busy timeout and pragmas (closed again on failure).
  void open_configured() {
    if (cfg_.path.empty()) throw config_error("sqlite::table.path", "must not be empty");
    if (cfg_.name.empty()) throw config_error("sqlite::table.name", "must not be empty");
    open();
    try {
      sqlite3_busy_timeout(db_, static_cast<int>(cfg_.busy_timeout.count()));
      if (!cfg_.journal_mode.empty()) pragma("journal_mode", cfg_.journal_mode, "sqlite::table.journal_mode");
      if (!cfg_.synchronous.empty()) pragma("synchronous", cfg_.synchronous, "sqlite::table.synchronous");
    } catch (...) {
      finalize();
      throw;
    }
  }

  void open() {
    const int rc = sqlite3_open_v2(cfg_.path.c_str(), &db_,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw config_error("sqlite::table.path", concat({"cannot open '", cfg_.path, "': ", msg}));
    }
  }

  void pragma(const char* pragma_name, const std::string& value, const char* field) {
    for (char c : value)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
        throw config_error(field, "must be a plain word such as WAL or NORMAL");
    exec(concat({"PRAGMA ", pragma_name, " = ", value}), field);
  }

  void exec(const std::string& sql, const char* field) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw config_error(field, msg);
    }
  }

  void check_columns(const char* const* columns, const char* const* types, std::size_t column_count) {
    const std::vector<std::string> have = existing_columns();
    if (have.empty())
      throw config_error("sqlite::table.name",
                         concat({"table '", cfg_.name, "' does not exist (create_table is off)"}));
    for (std::size_t c = 0; c < column_count; ++c) {
      bool found = false;
      for (const auto& h : have) found |= sqlite3_stricmp(h.c_str(), columns[c]) == 0;
      if (found) continue;
      if (!cfg_.add_missing_columns)
        throw config_error("sqlite::table.name", concat({"table '", cfg_.name, "' has no column '", columns[c],
                                                         "' (add it, or set add_missing_columns)"}));
      exec(concat({"ALTER TABLE ", quote_identifier(cfg_.name), " ADD COLUMN ", quote_identifier(columns[c]), " ",
                   types[c]}),
           "sqlite::table.add_missing_columns");
    }
  }

  bool primary_key_is(const char* key) {
    sqlite3_stmt* info = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT name, pk FROM pragma_table_info(?1) WHERE pk > 0", -1, &info, nullptr) !=
        SQLITE_OK)
      throw config_error("sqlite::table.name", sqlite3_errmsg(db_));
    sqlite3_bind_text(info, 1, cfg_.name.c_str(), -1, SQLITE_TRANSIENT);
    int columns = 0;
    bool match = false;
    while (sqlite3_step(info) == SQLITE_ROW) {
      ++columns;
      match = sqlite3_stricmp(reinterpret_cast<const char*>(sqlite3_column_text(info, 0)), key) == 0;
    }
    sqlite3_finalize(info);
    return columns == 1 && match;
  }

  // The unique index an upsert needs. A table that already holds a key twice cannot have it.
  void create_key_index(const char* key) {
    exec(concat({"CREATE UNIQUE INDEX IF NOT EXISTS ", quote_identifier(concat({"sinkforge_", cfg_.name, "_", key})),
                 " ON ", quote_identifier(cfg_.name), " (", quote_identifier(key), ")"}),
         "deliver::idempotent");
  }

  void prepare_insert(const char* const* columns, std::size_t column_count, const char* upsert_key) {
    std::string sql = concat({"INSERT INTO ", quote_identifier(cfg_.name), " ("});
    std::string values;
    for (std::size_t i = 0; i < column_count; ++i) {
      if (i) {
        sql += ", ";
        values += ", ";
      }
      sql += quote_identifier(columns[i]);
      values += '?';
      values += std::to_string(i + 1);
    }
    sql += ") VALUES (";
    sql += values;
    sql += ')';
    if (upsert_key) {
      sql += concat({" ON CONFLICT (", quote_identifier(upsert_key), ") DO "});
      std::string set;
      for (std::size_t i = 0; i < column_count; ++i) {
        if (std::string_view(columns[i]) == upsert_key) continue;
        set += concat({set.empty() ? "" : ", ", quote_identifier(columns[i]), " = excluded.", quote_identifier(columns[i])});
      }
      sql += set.empty() ? std::string("NOTHING") : "UPDATE SET " + set;
    }
    prepare(sql.c_str(), &insert_);
    prepare("BEGIN IMMEDIATE", &begin_);
    prepare("COMMIT", &commit_);
    prepare("ROLLBACK", &rollback_);
  }

  void prepare(const char* sql, sqlite3_stmt** out) {
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, out, nullptr) != SQLITE_OK)
      throw config_error("sqlite::table.name", sqlite3_errmsg(db_));
  }

  table cfg_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
  std::vector<sqlite3_stmt*> extra_;
};

}  // namespace detail

// The record-type part: the column list, the CREATE TABLE body and binding one row.
template <class T>
class table::connection {
 public:
  // `key`: the column rows are upserted by (the primary key of a table the sink creates). `extras`:
  // columns after the record's own, bound by the caller (insert_row).
  explicit connection(const table& cfg, const char* key = nullptr, std::span<const sql_detail::extra_column> extras = {})
      : db_(cfg, column_definitions(key, extras), all_names(extras).data(), all_types(extras).data(),
            column_names.size() + extras.size(), key) {}
  // Under exactly_once (rows are inserted, not upserted).
  connection(const table& cfg, const transport_context&, bool) : connection(cfg) {}

  template <class K>
  send_result send(const record_batch<K, rows<T>>& b) {
    int rc = db_.begin();
    if (rc != SQLITE_DONE) return db_.failure("BEGIN", rc);
    std::vector<record_failure> invalid;
    rc = insert_rows(b.records, invalid);
    if (rc != SQLITE_DONE) {
      send_result r = db_.failure("INSERT", rc);
      db_.rollback();
      return r;
    }
    rc = db_.commit();
    if (rc != SQLITE_DONE) {
      send_result r = db_.failure("COMMIT", rc);
      db_.rollback();
      return r;
    }
    if (!invalid.empty()) return send_result::partial(std::move(invalid));
    return send_result::success();
  }

  // Inserts the rows in the transaction that is open. A row that cannot be stored (a value out of
  // range, a constraint) is undone alone and listed in `invalid`. Returns SQLITE_DONE, or the code
  // of the failure that stopped it (the caller rolls back).
  int insert_rows(const rows<T>& records, std::vector<record_failure>& invalid) {
    sqlite3_stmt* insert = db_.insert_statement();
    for (std::size_t i = 0; i < records.size(); ++i) {
      const char* bad_column = bind_row(records[i]);
      if (SINKFORGE_UNLIKELY(bad_column != nullptr)) {
        sqlite3_reset(insert);
        sqlite3_clear_bindings(insert);
        invalid.push_back({static_cast<std::uint32_t>(i), failure_kind::invalid_record,
                           detail::concat({"sqlite: value of '", bad_column, "' cannot be stored"})});
        continue;
      }
      const int rc = db_.insert();  // every column is bound again for the next row
      if (SINKFORGE_LIKELY(rc == SQLITE_DONE)) continue;
      if ((rc & 0xff) == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_MISMATCH || (rc & 0xff) == SQLITE_TOOBIG) {
        // Only this statement was undone; the transaction and the other rows go on.
        invalid.push_back({static_cast<std::uint32_t>(i), failure_kind::invalid_record, db_.last_error()});
        continue;
      }
      sqlite3_clear_bindings(insert);
      return rc;
    }
    sqlite3_clear_bindings(insert);  // drop SQLITE_STATIC pointers into this batch
    return SQLITE_DONE;
  }

  // The transactional connection's hooks: a batch into the open transaction, and what to keep once
  // it is in (nothing, for plain rows).
  int apply_in_transaction(const rows<T>& records, std::vector<record_failure>& invalid) {
    return insert_rows(records, invalid);
  }
  void applied() noexcept {}

  // One row, then whatever `bind_more(statement, first_index)` binds after its columns. Returns
  // SQLITE_DONE; a constraint code with `why` set when this row alone was refused (the
  // transaction goes on); or the failure that stops the batch.
  template <class BindMore>
  int insert_row(const T& r, BindMore&& bind_more, std::string& why) {
    sqlite3_stmt* insert = db_.insert_statement();
    const char* bad_column = bind_row(r);
    if (bad_column == nullptr) bind_more(insert, static_cast<int>(column_names.size()) + 1);
    int rc = SQLITE_CONSTRAINT;
    if (SINKFORGE_UNLIKELY(bad_column != nullptr)) why = detail::concat({"sqlite: value of '", bad_column, "' cannot be stored"});
    else if ((rc = db_.insert()) != SQLITE_DONE &&
             ((rc & 0xff) == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_MISMATCH || (rc & 0xff) == SQLITE_TOOBIG))
      why = db_.last_error();
    sqlite3_reset(insert);
    sqlite3_clear_bindings(insert);
    return rc;
  }

  // One value into parameter `i` of `s`; false when the column cannot hold it.
  template <class M>
  bool bind(sqlite3_stmt* s, int i, const M& v) {
    using namespace reflect;
    if constexpr (is_optional<M>) {
      if (!v) return sqlite3_bind_null(s, i) == SQLITE_OK;
      return bind(s, i, *v);
    } else if constexpr (boolean<M>) {
      return sqlite3_bind_int(s, i, v ? 1 : 0) == SQLITE_OK;
    } else if constexpr (integer<M>) {
      if constexpr (std::is_unsigned_v<M> && sizeof(M) == 8)
        if (v > static_cast<M>(std::numeric_limits<sqlite3_int64>::max())) return false;
      return sqlite3_bind_int64(s, i, static_cast<sqlite3_int64>(v)) == SQLITE_OK;
    } else if constexpr (std::is_floating_point_v<M>) {
      if (serialize::detail::is_nan(v)) return false;  // by the bits: -ffast-math keeps this check
      return sqlite3_bind_double(s, i, static_cast<double>(v)) == SQLITE_OK;
    } else if constexpr (std::same_as<M, std::string>) {
      return sqlite3_bind_text64(s, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8) == SQLITE_OK;
    } else if constexpr (std::same_as<M, char>) {
      return sqlite3_bind_text(s, i, &v, 1, SQLITE_TRANSIENT) == SQLITE_OK;
    } else if constexpr (named_enum<M>) {
      const std::string_view text = sinkforge_enum_name(v);
      return sqlite3_bind_text64(s, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) == SQLITE_OK;
    } else if constexpr (std::is_enum_v<M>) {
      return sqlite3_bind_int64(s, i, static_cast<sqlite3_int64>(static_cast<std::underlying_type_t<M>>(v))) ==
             SQLITE_OK;
    } else if constexpr (is_sys_time<M>) {
      scratch_.clear();
      if (!serialize::detail::write_rfc3339(scratch_, v)) return false;
      return sqlite3_bind_text64(s, i, scratch_.data(), scratch_.size(), SQLITE_TRANSIENT, SQLITE_UTF8) ==
             SQLITE_OK;
    } else if constexpr (sql_detail::json_column<M>()) {
      if (!sql_detail::write_json_column(scratch_, v)) return false;
      return sqlite3_bind_text64(s, i, scratch_.data(), scratch_.size(), SQLITE_TRANSIENT, SQLITE_UTF8) ==
             SQLITE_OK;
    } else {
      return sqlite3_bind_blob64(s, i, v.data(), v.size(), SQLITE_STATIC) == SQLITE_OK;
    }
  }

  void close() { db_.finalize(); }
  detail::database& database() noexcept { return db_; }
  sqlite3* handle() const noexcept { return db_.handle(); }

 private:
  static constexpr auto column_names = reflect::member_names<T>();

  static std::vector<const char*> all_names(std::span<const sql_detail::extra_column> extras) {
    std::vector<const char*> names(column_names.begin(), column_names.end());
    for (const auto& e : extras) names.push_back(e.name);
    return names;
  }
  static std::vector<const char*> all_types(std::span<const sql_detail::extra_column> extras) {
    const auto own = column_types();
    std::vector<const char*> types(own.begin(), own.end());
    for (const auto& e : extras) types.push_back(e.type);
    return types;
  }

  static std::array<const char*, column_names.size()> column_types() {
    std::array<const char*, column_names.size()> types{};
    std::size_t i = 0;
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      types[i++] = detail::column_type<std::remove_cvref_t<decltype(boost::hana::second(pair)(std::declval<T&>()))>>();
    });
    return types;
  }

  // "\"id\" TEXT NOT NULL, \"amount\" REAL NOT NULL, ..." from the type map above, then the extra
  // columns (nullable: a table the sink did not create may gain them) and the primary key.
  static std::string column_definitions(const char* key, std::span<const sql_detail::extra_column> extras) {
    std::string sql;
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      using M = std::remove_cvref_t<decltype(boost::hana::second(pair)(std::declval<T&>()))>;
      if (!sql.empty()) sql += ", ";
      sql += detail::quote_identifier(boost::hana::to<const char*>(boost::hana::first(pair)));
      sql += ' ';
      sql += detail::column_type<M>();
      if (!reflect::is_optional<M>) sql += " NOT NULL";
    });
    for (const auto& e : extras) sql += detail::concat({", ", detail::quote_identifier(e.name), " ", e.type});
    if (key) sql += detail::concat({", PRIMARY KEY (", detail::quote_identifier(key), ")"});
    return sql;
  }

  // Binds every member of r; the name of the first member that cannot be stored, or null.
  const char* bind_row(const T& r) {
    sqlite3_stmt* insert = db_.insert_statement();
    int index = 0;
    const char* bad = nullptr;
    reflect::for_each_member(r, [&](auto column, const auto& m) {
      ++index;
      if (!bad && !bind(insert, index, m)) bad = decltype(column)::c_str();
    });
    return bad;
  }

  detail::database db_;
  byte_buffer scratch_;
};

// Records whose fields are known at run time: each field goes to the column of its name. The
// table is created from the first record that reaches it (a column per field, typed by its value:
// INTEGER for integers and booleans, REAL, TEXT for text and JSON; none for a null), and with add_missing_columns a later field the table
// lacks is added; otherwise a record with such a field is refused, naming it. An INSERT is prepared
// per shape of record. A field a NOT NULL column needs and the record lacks is refused by SQLite,
// record by record.
template <>
class table::connection<dynamic::record> {
 public:
  explicit connection(const table& cfg) : db_(cfg, detail::database::columns_from_records{}) {}
  connection(const table& cfg, const transport_context&, bool) : connection(cfg) {}
  connection(const table& cfg, const char* key) : connection(cfg) {
    if (key) throw config_error("deliver::idempotent", "a dynamic::record has no key member to upsert by");
  }
  connection(connection&&) noexcept = default;
  ~connection() { forget_statements(); }

  template <class K>
  send_result send(const record_batch<K, rows<dynamic::record>>& b) {
    int rc = db_.begin();
    if (rc != SQLITE_DONE) return db_.failure("BEGIN", rc);
    std::vector<record_failure> invalid;
    rc = insert_rows(b.records, invalid);
    if (rc == SQLITE_DONE) rc = db_.commit();
    if (rc != SQLITE_DONE) {
      send_result r = db_.failure(rc == SQLITE_DONE ? "COMMIT" : "INSERT", rc);
      db_.rollback();
      forget_statements();  // a CREATE or ALTER of this batch was rolled back with it
      return r;
    }
    if (!invalid.empty()) return send_result::partial(std::move(invalid));
    return send_result::success();
  }

  // Runs of records of one shape go `many_rows` at a time through one multi-row INSERT (a
  // statement per row costs SQLite more than its row); a run a row of which is refused goes again
  // row by row, so that only that row is refused.
  int insert_rows(const rows<dynamic::record>& records, std::vector<record_failure>& invalid) {
    std::size_t singly_until = 0;
    for (std::size_t i = 0; i < records.size();) {
      const dynamic::record& r = records[i];
      if (i >= singly_until) {
        std::string why;
        prepared_shape* p = statement_for(r, why);
        if (p && p->insert_many && i + p->many_rows <= records.size()) {
          std::size_t k = 1;
          while (k < p->many_rows && same_shape(records[i + k], *p)) ++k;
          if (k == p->many_rows) {
            const int rc = insert_many(records, i, *p);
            if (rc == SQLITE_DONE) {
              i += k;
              continue;
            }
            if (!refusal(rc) && rc != SQLITE_ERROR) return rc;
            singly_until = i + k;  // find the refused row(s) one by one
          }
        }
      }
      std::string why;
      int rc = insert(r, why);
      if (rc == SQLITE_ERROR && why.empty()) {
        // The statement's table or column is gone: a rolled-back batch had created it. Again, once.
        forget_statements();
        rc = insert(r, why);
      }
      ++i;
      if (SINKFORGE_LIKELY(rc == SQLITE_DONE)) continue;
      if (!why.empty() || refusal(rc)) {
        invalid.push_back({static_cast<std::uint32_t>(i - 1), failure_kind::invalid_record,
                           why.empty() ? db_.last_error() : std::move(why)});
        continue;
      }
      return rc;
    }
    return SQLITE_DONE;
  }

  int apply_in_transaction(const rows<dynamic::record>& records, std::vector<record_failure>& invalid) {
    return insert_rows(records, invalid);
  }
  void applied() noexcept {}

  void close() {
    forget_statements();
    db_.finalize();
  }
  detail::database& database() noexcept { return db_; }
  sqlite3* handle() const noexcept { return db_.handle(); }

 private:
  struct prepared_shape {
    dynamic::shape_ref shape;
    sqlite3_stmt* insert = nullptr;
    std::string refused;  // why records of this shape cannot be stored (a field without a column)
    sqlite3_stmt* insert_many = nullptr;  // `many_rows` rows at once
    std::size_t many_rows = 0;
  };

  static bool refusal(int rc) noexcept {
    return (rc & 0xff) == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_MISMATCH || (rc & 0xff) == SQLITE_TOOBIG;
  }
  static bool same_shape(const dynamic::record& r, const prepared_shape& p) noexcept {
    return r.fields() == p.shape || r.names() == p.shape->names;
  }

  // Binds r's values from parameter `first`; false for a value no column holds (NaN).
  static bool bind_values(sqlite3_stmt* s, int first, const dynamic::record& r) {
    for (std::size_t c = 0; c < r.size(); ++c) {
      const dynamic::value& v = r[c];
      const int at = first + static_cast<int>(c);
      switch (v.type) {
        case dynamic::kind::null: sqlite3_bind_null(s, at); break;
        case dynamic::kind::boolean:
        case dynamic::kind::integer: sqlite3_bind_int64(s, at, v.integer); break;
        case dynamic::kind::real:
          if (serialize::detail::is_nan(v.real)) return false;
          sqlite3_bind_double(s, at, v.real);
          break;
        case dynamic::kind::text:
        case dynamic::kind::json:
          sqlite3_bind_text64(s, at, v.text.data(), v.text.size(), SQLITE_STATIC, SQLITE_UTF8);
          break;
      }
    }
    return true;
  }

  // records[from, from + p.many_rows) in one statement: SQLITE_DONE, or the code of its failure
  // (the statement's rows are then undone, the transaction goes on).
  int insert_many(const rows<dynamic::record>& records, std::size_t from, prepared_shape& p) {
    const int columns = static_cast<int>(p.shape->names.size());
    for (std::size_t k = 0; k < p.many_rows; ++k)
      if (!bind_values(p.insert_many, 1 + static_cast<int>(k) * columns, records[from + k])) {
        sqlite3_reset(p.insert_many);
        return SQLITE_MISMATCH;
      }
    int rc = sqlite3_step(p.insert_many);
    sqlite3_reset(p.insert_many);
    return rc == SQLITE_ROW ? SQLITE_DONE : rc;
  }

  // SQLITE_DONE; a refusal of this record alone with `why` set; or the code that stops the batch
  // (SQLITE_ERROR with `why` empty: the prepared statement no longer fits the table).
  int insert(const dynamic::record& r, std::string& why) {
    prepared_shape* p = statement_for(r, why);
    if (!p) return SQLITE_ERROR;
    if (!p->refused.empty()) {
      why = p->refused;
      return SQLITE_CONSTRAINT;
    }
    if (!bind_values(p->insert, 1, r)) {
      sqlite3_reset(p->insert);
      for (std::size_t c = 0; c < r.size(); ++c)
        if (r[c].type == dynamic::kind::real && serialize::detail::is_nan(r[c].real))
          why = detail::concat({"sqlite: value of '", r.names()[c], "' cannot be stored (NaN)"});
      return SQLITE_MISMATCH;
    }
    const int rc = sqlite3_step(p->insert);
    const bool refused = refusal(rc);
    if (refused) why = db_.last_error();
    sqlite3_reset(p->insert);
    if (rc == SQLITE_ERROR && !refused) {
      // A schema that changed under a cached statement: the caller prepares again.
      return SQLITE_ERROR;
    }
    return rc == SQLITE_ROW ? SQLITE_DONE : rc;
  }

  prepared_shape* statement_for(const dynamic::record& r, std::string& why) {
    const dynamic::shape_ref& shape = r.fields();
    if (last_ && last_->shape == shape) return last_;
    for (prepared_shape& p : shapes_)
      if (p.shape == shape || p.shape->names == shape->names) return last_ = &p, last_;
    if (shapes_.size() >= 256) forget_statements();  // a stream of ever new shapes
    prepared_shape p{shape, nullptr, {}};
    if (!fit_table(r, p.refused, why)) return nullptr;
    if (p.refused.empty()) {
      std::string sql = detail::concat({"INSERT INTO ", detail::quote_identifier(db_.config().name), " ("});
      std::string values;
      for (std::size_t i = 0; i < shape->names.size(); ++i) {
        sql += detail::concat({i ? ", " : "", detail::quote_identifier(shape->names[i])});
        values += detail::concat({i ? ", ?" : "?"});
      }
      sql += detail::concat({") VALUES (", values, ")"});
      if (sqlite3_prepare_v3(db_.handle(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &p.insert, nullptr) != SQLITE_OK) {
        why = db_.last_error();
        return nullptr;
      }
      // Up to 64 rows, within SQLite's oldest limit of 999 parameters per statement.
      const std::size_t columns = shape->names.size();
      p.many_rows = columns == 0 ? 0 : (999 / columns < 64 ? 999 / columns : 64);
      if (p.many_rows >= 2) {
        std::string many = sql;
        for (std::size_t k = 1; k < p.many_rows; ++k) many += detail::concat({", (", values, ")"});
        if (sqlite3_prepare_v3(db_.handle(), many.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &p.insert_many, nullptr) !=
            SQLITE_OK)
          p.insert_many = nullptr;  // the single-row statement does it all
      }
    }
    shapes_.push_back(std::move(p));
    return last_ = &shapes_.back(), last_;
  }

  // Creates the table, or adds the columns it lacks, for records of `shape`; false with `why` when
  // SQLite refused. A field the table lacks without add_missing_columns: `refused`.
  static const char* column_type(const dynamic::value& v) noexcept {
    switch (v.type) {
      case dynamic::kind::boolean:
      case dynamic::kind::integer: return " INTEGER";
      case dynamic::kind::real: return " REAL";
      case dynamic::kind::text:
      case dynamic::kind::json: return " TEXT";
      default: return "";
    }
  }

  bool fit_table(const dynamic::record& r, std::string& refused, std::string& why) {
    const dynamic::shape& shape = *r.fields();
    const std::vector<std::string> have = db_.existing_columns();
    const auto& cfg = db_.config();
    if (have.empty()) {
      if (!cfg.create_table) {
        why = detail::concat({"sqlite: table '", cfg.name, "' does not exist (create_table is off)"});
        return false;
      }
      if (shape.names.empty()) {
        refused = "sqlite: a record without fields cannot create a table";
        return true;
      }
      std::string sql = detail::concat({"CREATE TABLE IF NOT EXISTS ", detail::quote_identifier(cfg.name), " ("});
      for (std::size_t i = 0; i < shape.names.size(); ++i)
        sql += detail::concat({i ? ", " : "", detail::quote_identifier(shape.names[i]), column_type(r[i])});
      sql += ")";
      return db_.exec_code(sql, why) == SQLITE_OK;
    }
    for (std::size_t i = 0; i < shape.names.size(); ++i) {
      const std::string& field = shape.names[i];
      bool found = false;
      for (const std::string& h : have) found = found || sqlite3_stricmp(h.c_str(), field.c_str()) == 0;
      if (found) continue;
      if (!cfg.add_missing_columns) {
        refused = detail::concat({"sqlite: table '", cfg.name, "' has no column '", field, "' (add it, or set add_missing_columns)"});
        return true;
      }
      if (db_.exec_code(detail::concat({"ALTER TABLE ", detail::quote_identifier(cfg.name), " ADD COLUMN ",
                                        detail::quote_identifier(field), column_type(r[i])}),
                        why) != SQLITE_OK)
        return false;
    }
    return true;
  }

  void forget_statements() noexcept {
    for (prepared_shape& p : shapes_) {
      if (p.insert) sqlite3_finalize(p.insert);
      if (p.insert_many) sqlite3_finalize(p.insert_many);
    }
    shapes_.clear();
    last_ = nullptr;
  }

  detail::database db_;
  std::vector<prepared_shape> shapes_;
  prepared_shape* last_ = nullptr;
};

template <class T, class P>
auto table::open(const transport_context& cx) const {
  if constexpr (cdc::is_changes<P>::value) return cdc_connection<typename P::row_type, P::key, P::opts>(*this, cx);
  else return connection<T>(*this, cx.upsert_key);
}

// cdc::apply: each batch of changes coalesced and applied in one transaction with the position
// it reached (see cdc/apply.hpp). Removes go first, then upserts: they touch different keys.
template <class Row, auto Key, cdc::options Opts>
class table::cdc_connection {
  using payload = cdc::changes<Row, Key, Opts>;

 public:
  cdc_connection(const table& cfg, const transport_context& cx, bool = false)
      : rows_(cfg, key_name(), extras()), target_(cfg.name), cx_(cx) {
    detail::database& db = rows_.database();
    db.execute("CREATE TABLE IF NOT EXISTS sinkforge_cdc_positions (target TEXT PRIMARY KEY, position INTEGER NOT NULL)",
               "sqlite::table.path");
    read_position_ = db.statement("SELECT position FROM sinkforge_cdc_positions WHERE target = ?1", "sqlite::table.path");
    write_position_ = db.statement("INSERT INTO sinkforge_cdc_positions (target, position) VALUES (?1, ?2) "
                                   "ON CONFLICT (target) DO UPDATE SET position = excluded.position",
                                   "sqlite::table.path");
    remove_ = db.statement(remove_sql(cfg.name).c_str(), "sqlite::table.name");
    applied_ = stored_position();
  }

  template <class K>
  send_result send(const record_batch<K, payload>& b) {
    detail::database& db = rows_.database();
    if (const int rc = db.begin(); rc != SQLITE_DONE) return db.failure("BEGIN", rc);
    std::vector<record_failure> invalid;
    int rc = apply_in_transaction(b.records, invalid);
    const char* step = "applying changes";
    if (rc == SQLITE_DONE) rc = db.commit(), step = "COMMIT";
    if (rc != SQLITE_DONE) {
      send_result r = db.failure(step, rc);
      db.rollback();
      plan_.reset();
      return r;
    }
    applied();
    if (!invalid.empty()) return send_result::partial(std::move(invalid));
    return send_result::success();
  }

  // Applies the batch in the open transaction; the caller commits (or rolls back), then calls
  // applied() so that the position and the carried changes move only with a commit.
  int apply_in_transaction(const payload& records, std::vector<record_failure>& invalid) {
    plan_.emplace(cdc::plan_batch<Key>(carried_, records.view(), applied_));
    const auto& plan = *plan_;
    const auto now = std::chrono::system_clock::now();
    for (const auto& r : plan.result.removes) {
      rows_.bind(remove_, 1, r.key);
      if constexpr (cdc::has(Opts, cdc::options::soft_delete)) {
        if constexpr (cdc::has(Opts, cdc::options::audit_synced_at)) rows_.bind(remove_, 2, now);
        if constexpr (cdc::has(Opts, cdc::options::audit_position))
          sqlite3_bind_int64(remove_, 3, static_cast<sqlite3_int64>(r.at));
      }
      const int rc = detail::database::run(remove_);
      sqlite3_clear_bindings(remove_);
      if (rc != SQLITE_DONE) return rc;
    }
    std::string why;
    for (const cdc::change<Row>* c : plan.result.upserts) {
      const int rc = rows_.insert_row(*c->after, [&](sqlite3_stmt* s, int i) { bind_audit(s, i, *c, now); }, why);
      if (SINKFORGE_LIKELY(rc == SQLITE_DONE)) continue;
      if (why.empty()) return rc;
      refused(plan.batch_index(c), *c, std::move(why), invalid);
      why.clear();
    }
    if (plan.result.last > applied_) {
      sqlite3_bind_text64(write_position_, 1, target_.data(), target_.size(), SQLITE_STATIC, SQLITE_UTF8);
      sqlite3_bind_int64(write_position_, 2, static_cast<sqlite3_int64>(plan.result.last));
      const int rc = detail::database::run(write_position_);
      sqlite3_clear_bindings(write_position_);
      if (rc != SQLITE_DONE) return rc;
    }
    return SQLITE_DONE;
  }

  void applied() {
    if (!plan_) return;
    if (plan_->result.last > applied_) applied_ = plan_->result.last;
    carried_ = plan_->rest();
    plan_.reset();
  }

  // Changes of a source transaction that had not ended are not applied. They lie after the stored
  // position, so a source resuming from it sends them again; the notice says so.
  void close() {
    if (!carried_.empty())
      cx_.notice({std::string(), cdc::unended_transaction(carried_.size(), carried_.front().at)});
    carried_.clear();
    rows_.close();
  }

  cdc::position position() const noexcept { return applied_; }
  detail::database& database() noexcept { return rows_.database(); }
  sqlite3* handle() const noexcept { return rows_.handle(); }

 private:
  static const char* key_name() { return reflect::member_name_of<Row, Key>(); }

  static std::vector<sql_detail::extra_column> extras() {
    std::vector<sql_detail::extra_column> out;
    if constexpr (cdc::has(Opts, cdc::options::soft_delete)) out.push_back({cdc::deleted_column, "INTEGER"});
    if constexpr (cdc::has(Opts, cdc::options::audit_operation)) out.push_back({cdc::operation_column, "TEXT"});
    if constexpr (cdc::has(Opts, cdc::options::audit_synced_at)) out.push_back({cdc::synced_at_column, "TEXT"});
    if constexpr (cdc::has(Opts, cdc::options::audit_position)) out.push_back({cdc::position_column, "INTEGER"});
    return out;
  }

  static std::string remove_sql(const std::string& table_name) {
    using sql_detail::quote_identifier;
    const std::string where = sinkforge::detail::concat({" WHERE ", quote_identifier(key_name()), " = ?1"});
    if constexpr (!cdc::has(Opts, cdc::options::soft_delete)) {
      return sinkforge::detail::concat({"DELETE FROM ", quote_identifier(table_name), where});
    } else {
      std::string set = quote_identifier(cdc::deleted_column) + " = 1";
      if constexpr (cdc::has(Opts, cdc::options::audit_operation))
        set += ", " + quote_identifier(cdc::operation_column) + " = 'remove'";
      if constexpr (cdc::has(Opts, cdc::options::audit_synced_at))
        set += ", " + quote_identifier(cdc::synced_at_column) + " = ?2";
      if constexpr (cdc::has(Opts, cdc::options::audit_position))
        set += ", " + quote_identifier(cdc::position_column) + " = ?3";
      return sinkforge::detail::concat({"UPDATE ", quote_identifier(table_name), " SET ", set, where});
    }
  }

  template <class Time>
  void bind_audit(sqlite3_stmt* s, int i, const cdc::change<Row>& c, Time now) {
    if constexpr (cdc::has(Opts, cdc::options::soft_delete)) sqlite3_bind_int(s, i++, 0);
    if constexpr (cdc::has(Opts, cdc::options::audit_operation)) {
      const char* kind = cdc::op_name(c.kind);
      sqlite3_bind_text(s, i++, kind, -1, SQLITE_STATIC);
    }
    if constexpr (cdc::has(Opts, cdc::options::audit_synced_at)) rows_.bind(s, i++, now);
    if constexpr (cdc::has(Opts, cdc::options::audit_position)) sqlite3_bind_int64(s, i++, static_cast<sqlite3_int64>(c.at));
  }

  // A row the table refused: an invalid record of this batch, or - carried from an earlier batch,
  // already acknowledged there - a notice.
  void refused(std::ptrdiff_t index, const cdc::change<Row>& c, std::string why, std::vector<record_failure>& invalid) {
    if (index >= 0) invalid.push_back({static_cast<std::uint32_t>(index), failure_kind::invalid_record, std::move(why)});
    else cx_.notice({serialize::to_json_lenient(*c.after), std::move(why)});
  }

  cdc::position stored_position() {
    sqlite3_bind_text64(read_position_, 1, target_.data(), target_.size(), SQLITE_STATIC, SQLITE_UTF8);
    const int rc = sqlite3_step(read_position_);
    const cdc::position at = rc == SQLITE_ROW ? static_cast<cdc::position>(sqlite3_column_int64(read_position_, 0)) : 0;
    sqlite3_reset(read_position_);
    sqlite3_clear_bindings(read_position_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      throw config_error("sqlite::table.path", rows_.database().last_error());
    return at;
  }

  connection<Row> rows_;
  std::string target_;
  transport_context cx_;
  sqlite3_stmt* read_position_ = nullptr;
  sqlite3_stmt* write_position_ = nullptr;
  sqlite3_stmt* remove_ = nullptr;
  cdc::position applied_ = 0;
  std::vector<cdc::change<Row>> carried_;
  std::optional<cdc::batch_plan<Row, Key>> plan_;
};

inline cdc::position table::cdc_position() const {
  // 0 tells a change source that the target holds nothing, and it starts again from a snapshot,
  // which cannot remove the rows deleted since: so 0 only for a database, a positions table or a
  // row that does not exist, and any other failure is an error. Opened for writing where the file
  // allows (it only reads): a writer killed in a commit may leave a WAL that the next connection
  // must recover, which a read-only connection cannot. Locks are waited out as the sink does.
  if (::access(path.c_str(), F_OK) != 0) return 0;  // no database yet: the sink creates it
  struct reader {  // closes what it opened, on every path out
    sqlite3* db = nullptr;
    sqlite3_stmt* stmt = nullptr;
    ~reader() {
      sqlite3_finalize(stmt);
      sqlite3_close(db);
    }
  } r;
  const int rc = sqlite3_open_v2(path.c_str(), &r.db, SQLITE_OPEN_READWRITE, nullptr);
  const auto failed = [&](const char* what) {
    return config_error("sqlite::table.path",
                        detail::concat({"cannot read the stored CDC position of '", path, "' (", what,
                                        "): ", r.db ? sqlite3_errmsg(r.db) : "out of memory"}));
  };
  if (rc != SQLITE_OK) throw failed("opening");
  sqlite3_busy_timeout(r.db, static_cast<int>(busy_timeout.count()));
  // The one value `sql` gives (with ?1 bound to `text`), or nullopt when it gives no row.
  const auto single = [&](const char* sql, const std::string& text, const char* what) -> std::optional<std::int64_t> {
    sqlite3_finalize(r.stmt);
    r.stmt = nullptr;
    if (sqlite3_prepare_v2(r.db, sql, -1, &r.stmt, nullptr) != SQLITE_OK) throw failed(what);
    sqlite3_bind_text(r.stmt, 1, text.c_str(), -1, SQLITE_TRANSIENT);
    const int step = sqlite3_step(r.stmt);
    if (step == SQLITE_ROW) return sqlite3_column_int64(r.stmt, 0);
    if (step == SQLITE_DONE) return std::nullopt;
    throw failed(what);
  };
  if (!single("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", "sinkforge_cdc_positions",
              "looking for the positions table"))
    return 0;  // nothing was applied
  const auto at = single("SELECT position FROM sinkforge_cdc_positions WHERE target = ?1", name, "reading the position");
  return at ? static_cast<cdc::position>(*at) : 0;
}

inline table::committable table::decode_committable(std::string_view s) {
  std::uint64_t id = 0;
  if (s.empty() || s.size() > 20) throw config_error("restore", "a SQLite committable is a checkpoint number");
  for (const char ch : s) {
    if (ch < '0' || ch > '9' || id > (~std::uint64_t{0} - static_cast<std::uint64_t>(ch - '0')) / 10)
      throw config_error("restore", "a SQLite committable is a checkpoint number");
    id = id * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  return id;
}

// Exactly-once: the batches of a checkpoint in one transaction, committed with its checkpoint row.
// `Rows` applies a batch inside the open transaction: connection<T> (rows) or cdc_connection (changes).
template <class Rows>
class table::transactional_connection {
 public:
  transactional_connection(const table& cfg, const transport_context& cx)
      : rows_(durable(cfg), cx, true), scope_("sqlite:" + cfg.name) {
    detail::database& db = rows_.database();
    db.execute("CREATE TABLE IF NOT EXISTS sinkforge_checkpoints (sink TEXT NOT NULL, subtask INTEGER NOT NULL, "
               "id INTEGER NOT NULL, position BLOB NOT NULL, PRIMARY KEY (sink, subtask))",
               "sqlite::table.path");
    savepoint_ = db.statement("SAVEPOINT sinkforge_batch", "sqlite::table.path");
    release_ = db.statement("RELEASE sinkforge_batch", "sqlite::table.path");
    rollback_to_ = db.statement("ROLLBACK TO sinkforge_batch", "sqlite::table.path");
    record_ = db.statement("INSERT INTO sinkforge_checkpoints (sink, subtask, id, position) VALUES (?1, 0, ?2, ?3) "
                           "ON CONFLICT (sink, subtask) DO UPDATE SET id = excluded.id, position = excluded.position",
                           "sqlite::table.path");
    read_ = db.statement("SELECT id, position FROM sinkforge_checkpoints WHERE sink = ?1 AND subtask = 0",
                         "sqlite::table.path");
  }

  template <class K, class P>
  send_result send(const record_batch<K, P>& b) {
    detail::database& db = rows_.database();
    if (!open_) {
      if (const int rc = db.begin(); rc != SQLITE_DONE) return db.failure("BEGIN", rc);
      open_ = true;
    }
    if (const int rc = detail::database::run(savepoint_); rc != SQLITE_DONE) return lost(db.failure("SAVEPOINT", rc));
    std::vector<record_failure> invalid;
    if (const int rc = rows_.apply_in_transaction(b.records, invalid); rc != SQLITE_DONE) {
      send_result r = db.failure("INSERT", rc);
      // SQLite may have rolled back the whole transaction (a full disk, an I/O error): then the
      // earlier batches of this checkpoint are gone too, and the checkpoint cannot commit.
      if (sqlite3_get_autocommit(db.handle())) return lost(std::move(r));
      detail::database::run(rollback_to_);
      detail::database::run(release_);
      return r;
    }
    if (const int rc = detail::database::run(release_); rc != SQLITE_DONE) return lost(db.failure("RELEASE", rc));
    rows_.applied();
    if (!invalid.empty()) return send_result::partial(std::move(invalid));
    return send_result::success();
  }

  // The rows and the checkpoint's row commit together: durable and visible at once.
  committable prepare(std::uint64_t checkpoint, std::string_view source_position) {
    detail::database& db = rows_.database();
    if (!open_) {
      if (const int rc = db.begin(); rc != SQLITE_DONE) throw std::runtime_error(db.failure("BEGIN", rc).reason());
      open_ = true;
    }
    sqlite3_bind_text64(record_, 1, scope_name().data(), scope_name().size(), SQLITE_STATIC, SQLITE_UTF8);
    sqlite3_bind_int64(record_, 2, static_cast<sqlite3_int64>(checkpoint));
    sqlite3_bind_blob64(record_, 3, source_position.data(), source_position.size(), SQLITE_STATIC);
    int rc = detail::database::run(record_);
    sqlite3_clear_bindings(record_);
    if (rc == SQLITE_DONE) rc = db.commit();
    if (rc != SQLITE_DONE) {
      const std::string why = db.failure("checkpoint commit", rc).reason();
      db.rollback();
      open_ = false;
      throw std::runtime_error(why);
    }
    open_ = false;
    return checkpoint;
  }

  // Committed by prepare: nothing is left to do, however often it is asked.
  send_result commit(const committable&) { return send_result::success(); }

  void abort_open() noexcept {
    if (open_) rows_.database().rollback();
    open_ = false;
  }

  // Nothing is staged outside a transaction: SQLite rolled back whatever a crash left open. A stored
  // state that names a checkpoint the table has not recorded means the database is older than the
  // checkpoint store (restored from a backup?): refused rather than written over.
  send_result recover(std::vector<committable> decided) {
    const std::optional<checkpoint_record> own = committed_checkpoint();
    for (const committable id : decided)
      if (!own || id > own->id)
        return send_result::fatal(sinkforge::detail::concat(
            {"the stored state names checkpoint ", std::to_string(id), " of table '", scope_name(),
             "', which the table's sinkforge_checkpoints row does not hold (",
             own ? "its last is " + std::to_string(own->id) : std::string("it has none"),
             "): the database is older than the checkpoint store"}));
    return send_result::success();
  }
  std::vector<std::uint64_t> staged() const { return {}; }
  const std::string& scope() const noexcept { return scope_; }

  std::optional<checkpoint_record> committed_checkpoint() {
    sqlite3_bind_text64(read_, 1, scope_name().data(), scope_name().size(), SQLITE_STATIC, SQLITE_UTF8);
    std::optional<checkpoint_record> out;
    const int rc = sqlite3_step(read_);
    if (rc == SQLITE_ROW) {
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(read_, 1));
      out = checkpoint_record{static_cast<std::uint64_t>(sqlite3_column_int64(read_, 0)),
                              std::string(bytes ? bytes : "", static_cast<std::size_t>(sqlite3_column_bytes(read_, 1)))};
    }
    sqlite3_reset(read_);
    sqlite3_clear_bindings(read_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      throw std::runtime_error(rows_.database().failure("reading sinkforge_checkpoints", rc).reason());
    return out;
  }

  void close() { rows_.close(); }
  sqlite3* handle() const noexcept { return rows_.handle(); }

 private:
  static table durable(table cfg) {
    std::string level = cfg.synchronous;
    for (char& ch : level) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
    if (level == "NORMAL" || level.empty() || level == "1") cfg.synchronous = "FULL";
    else if (level == "OFF" || level == "0")
      throw config_error("sqlite::table.synchronous", "must be FULL or EXTRA under deliver::exactly_once: a "
                                                      "checkpoint must be durable before the store records it");
    return cfg;
  }
  std::string_view scope_name() const noexcept { return std::string_view(scope_).substr(7); }  // the table
  send_result lost(send_result r) {
    open_ = !sqlite3_get_autocommit(rows_.database().handle());
    return send_result::fatal(r.reason());
  }

  Rows rows_;
  std::string scope_;
  bool open_ = false;
  sqlite3_stmt* savepoint_ = nullptr;
  sqlite3_stmt* release_ = nullptr;
  sqlite3_stmt* rollback_to_ = nullptr;
  sqlite3_stmt* record_ = nullptr;
  sqlite3_stmt* read_ = nullptr;
};

template <class T, class P>
auto table::open_transactional(const transport_context& cx) const {
  if constexpr (cdc::is_changes<P>::value)
    return transactional_connection<cdc_connection<typename P::row_type, P::key, P::opts>>(*this, cx);
  else return transactional_connection<connection<T>>(*this, cx);
}

}  // namespace sinkforge::inline v1::sqlite
