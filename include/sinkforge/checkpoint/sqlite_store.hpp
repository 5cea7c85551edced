// sqlite_store: the latest checkpoint of a driver as one row of a SQLite table. Needs the
// sinkforge::sqlite CMake target (links SQLite3).
//
//   CREATE TABLE IF NOT EXISTS sinkforge_checkpoint_store (
//     store TEXT PRIMARY KEY, id INTEGER NOT NULL, position BLOB NOT NULL, states BLOB NOT NULL)
//
// One row per store name, so several drivers (or several stores of one) share a database. `states`
// holds the writer states in the "SFST" frame (see stored_checkpoint.hpp), with its own checksum.
//
// save() is one transaction, BEGIN IMMEDIATE ... upsert ... COMMIT, on the store's own connection
// with PRAGMA synchronous = FULL: when save() returns, the commit is on the disk (SQLite syncs its
// journal or WAL before it reports the commit), and a crash at any moment leaves the previous row
// or the new one. The database's journal mode is left as it is, since the same file may hold the
// application's own tables. A lower checkpoint id than the stored one is refused
// (stale_checkpoint_error), checked inside the transaction; a damaged stored row is never
// overwritten: load() and save() both throw format_error for it.
//
// Errors are store_error with the database path and SQLite's message; a connection is used by one
// thread at a time.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <sqlite3.h>

#include <sinkforge/checkpoint/error.hpp>
#include <sinkforge/checkpoint/stored_checkpoint.hpp>
#include <sinkforge/detail/chrono.hpp>
#include <sinkforge/error.hpp>

namespace sinkforge::inline v1::checkpoint {

class sqlite_store {
 public:
  sqlite_store(std::string database_path, std::string store_name,
               std::chrono::milliseconds busy_timeout = std::chrono::seconds{5})
      : path_(std::move(database_path)), store_(std::move(store_name)) {
    if (path_.empty()) throw config_error("checkpoint::sqlite_store.database_path", "must not be empty");
    if (store_.empty()) throw config_error("checkpoint::sqlite_store.store_name", "must not be empty");
    name_ = detail::concat({"checkpoint store '", store_, "' in '", path_, "'"});
    const int rc = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw store_error(detail::concat({"sinkforge: ", name_, ": open failed: ", msg}));
    }
    try {
      sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
      exec("PRAGMA synchronous = FULL", "PRAGMA synchronous");
      exec("CREATE TABLE IF NOT EXISTS sinkforge_checkpoint_store (store TEXT PRIMARY KEY, "
           "id INTEGER NOT NULL, position BLOB NOT NULL, states BLOB NOT NULL)",
           "CREATE TABLE");
      prepare("BEGIN IMMEDIATE", &begin_);
      prepare("COMMIT", &commit_);
      prepare("ROLLBACK", &rollback_);
      prepare("SELECT id, position, states FROM sinkforge_checkpoint_store WHERE store = ?1", &select_);
      prepare("INSERT INTO sinkforge_checkpoint_store (store, id, position, states) VALUES (?1, ?2, ?3, ?4) "
              "ON CONFLICT (store) DO UPDATE SET id = excluded.id, position = excluded.position, "
              "states = excluded.states",
              &upsert_);
    } catch (...) {
      close();
      throw;
    }
  }
  sqlite_store(sqlite_store&& o) noexcept
      : path_(std::move(o.path_)), store_(std::move(o.store_)), name_(std::move(o.name_)),
        db_(std::exchange(o.db_, nullptr)), begin_(std::exchange(o.begin_, nullptr)),
        commit_(std::exchange(o.commit_, nullptr)), rollback_(std::exchange(o.rollback_, nullptr)),
        select_(std::exchange(o.select_, nullptr)), upsert_(std::exchange(o.upsert_, nullptr)) {}
  sqlite_store& operator=(sqlite_store&&) = delete;
  ~sqlite_store() { close(); }

  const std::string& database_path() const noexcept { return path_; }
  const std::string& store_name() const noexcept { return store_; }

  // SQLite's INTEGER holds ids up to INT64_MAX; a larger one is std::out_of_range.
  void save(const stored_checkpoint& c) {
    if (c.id > static_cast<std::uint64_t>(std::numeric_limits<sqlite3_int64>::max()))
      throw std::out_of_range(detail::concat({"sinkforge: ", name_, ": checkpoint id ", std::to_string(c.id),
                                              " exceeds SQLite's INTEGER range"}));
    const std::string states = detail::encode_state_list(c.writer_states);
    if (const int rc = step(begin_); rc != SQLITE_DONE) throw error("BEGIN IMMEDIATE", rc);
    try {
      if (const std::optional<stored_checkpoint> current = read_row(); current && c.id < current->id)
        throw stale_checkpoint_error(name_, current->id, c.id);
      statement_guard guard{upsert_};
      sqlite3_bind_text64(upsert_, 1, store_.data(), store_.size(), SQLITE_STATIC, SQLITE_UTF8);
      sqlite3_bind_int64(upsert_, 2, static_cast<sqlite3_int64>(c.id));
      // A non-null pointer: an empty position is a zero-length blob, not NULL.
      sqlite3_bind_blob64(upsert_, 3, c.source_position.data(), c.source_position.size(), SQLITE_STATIC);
      sqlite3_bind_blob64(upsert_, 4, states.data(), states.size(), SQLITE_STATIC);
      if (const int rc = sqlite3_step(upsert_); rc != SQLITE_DONE) throw error("INSERT", rc);
      if (const int rc = step(commit_); rc != SQLITE_DONE) throw error("COMMIT", rc);
    } catch (...) {
      if (!sqlite3_get_autocommit(db_)) step(rollback_);
      throw;
    }
  }

  // The stored checkpoint, or nullopt when this store has no row yet.
  std::optional<stored_checkpoint> load() const { return read_row(); }

 private:
  // Resets a statement and drops its bindings (pointers into the caller's data) however a call ends.
  struct statement_guard {
    sqlite3_stmt* s;
    ~statement_guard() {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    }
  };

  std::optional<stored_checkpoint> read_row() const {
    statement_guard guard{select_};
    sqlite3_bind_text64(select_, 1, store_.data(), store_.size(), SQLITE_STATIC, SQLITE_UTF8);
    const int rc = sqlite3_step(select_);
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) throw error("SELECT", rc);
    expect_type(0, SQLITE_INTEGER, "id");
    expect_type(1, SQLITE_BLOB, "position");
    expect_type(2, SQLITE_BLOB, "states");
    const sqlite3_int64 id = sqlite3_column_int64(select_, 0);
    if (id < 0) throw format_error(name_, "id", 0, detail::concat({"negative id ", std::to_string(id)}));
    stored_checkpoint c;
    c.id = static_cast<std::uint64_t>(id);
    c.source_position = column_bytes(1);
    c.writer_states = detail::decode_state_list(column_bytes(2), detail::concat({name_, ", column states"}));
    return c;
  }

  void expect_type(int column, int type, const char* field) const {
    static constexpr const char* names[] = {"", "INTEGER", "REAL", "TEXT", "BLOB", "NULL"};
    const int have = sqlite3_column_type(select_, column);
    if (have != type)
      throw format_error(name_, field, 0, detail::concat({"holds ", names[have], ", expected ", names[type]}));
  }

  std::string column_bytes(int column) const {
    // The pointer first, then the size (SQLite's documented order); a zero-length blob has no pointer.
    const auto* p = static_cast<const char*>(sqlite3_column_blob(select_, column));
    const int n = sqlite3_column_bytes(select_, column);
    return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
  }

  static int step(sqlite3_stmt* s) {
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) rc = SQLITE_DONE;
    sqlite3_reset(s);
    return rc;
  }

  store_error error(const char* what, int rc) const {
    return store_error(detail::concat({"sinkforge: ", name_, ": ", what, " failed: ",
                                       db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)}));
  }

  void exec(const char* sql, const char* what) {
    char* err = nullptr;
    if (const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err); rc != SQLITE_OK) {
      const std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      throw store_error(detail::concat({"sinkforge: ", name_, ": ", what, " failed: ", msg}));
    }
  }

  void prepare(const char* sql, sqlite3_stmt** out) {
    if (const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, out, nullptr); rc != SQLITE_OK)
      throw error("prepare", rc);
  }

  void close() noexcept {
    for (sqlite3_stmt** s : {&begin_, &commit_, &rollback_, &select_, &upsert_}) {
      if (*s) sqlite3_finalize(*s);
      *s = nullptr;
    }
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

  std::string path_, store_, name_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
};

}  // namespace sinkforge::inline v1::checkpoint
