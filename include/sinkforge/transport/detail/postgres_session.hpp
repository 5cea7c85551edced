// One libpq connection of a PostgreSQL transport: connecting, running statements, COPY, and
// turning the server's errors into send results, with the password kept out of every message.
#pragma once
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>  // Debian's place, when no include directory names libpq's own
#endif

#include <sinkforge/detail/concat.hpp>
#include <sinkforge/error.hpp>

namespace sinkforge::inline v1::postgres::detail {

using sinkforge::detail::concat;

// What a failed statement means for the batch that ran it.
enum class failure_class : std::uint8_t {
  retryable,     // the server or the link is busy, short of something, or gone: try again
  invalid_data,  // a row broke a constraint or a type's rules: that row, not the batch
  fatal          // the statement, the schema or the privileges are wrong: retrying cannot help
};

// By SQLSTATE (PostgreSQL's appendix A). An empty state is the client's own: the link broke.
inline failure_class classify(std::string_view sqlstate) noexcept {
  if (sqlstate.size() != 5) return failure_class::retryable;
  const std::string_view cls = sqlstate.substr(0, 2);
  // A binary COPY value its column cannot read (the table was altered after the sink read its
  // types): no row is at fault, and sending it again gives the same.
  if (sqlstate == "22P03" || sqlstate == "08P01") return failure_class::fatal;
  if (cls == "08" || cls == "53" || cls == "40" || cls == "57" || cls == "58") return failure_class::retryable;
  if (sqlstate == "55P03" || sqlstate == "55006") return failure_class::retryable;  // lock or object in use
  if (cls == "22" || cls == "23") return failure_class::invalid_data;
  return failure_class::fatal;
}

// Masks every "quoted" fragment of a libpq message about a connection string it could not parse:
// such a fragment may be a piece of the password.
inline std::string mask_quoted(std::string_view msg) {
  std::string out;
  bool inside = false;
  for (const char c : msg) {
    if (c == '"') {
      out += inside ? "***\"" : "\"";
      inside = !inside;
    } else if (!inside) {
      out += c;
    }
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Owns a PGresult.
class result {
 public:
  result() = default;
  explicit result(PGresult* r) noexcept : r_(r) {}
  result(result&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  result& operator=(result&& o) noexcept {
    if (this != &o) {
      if (r_) PQclear(r_);
      r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
  }
  ~result() {
    if (r_) PQclear(r_);
  }

  PGresult* get() const noexcept { return r_; }
  ExecStatusType status() const noexcept { return r_ ? PQresultStatus(r_) : PGRES_FATAL_ERROR; }
  bool ok() const noexcept {
    const ExecStatusType s = status();
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
  }
  std::string_view sqlstate() const noexcept {
    const char* s = r_ ? PQresultErrorField(r_, PG_DIAG_SQLSTATE) : nullptr;
    return s ? std::string_view(s) : std::string_view();
  }
  int rows() const noexcept { return r_ ? PQntuples(r_) : 0; }
  bool is_null(int row, int column) const noexcept { return PQgetisnull(r_, row, column) != 0; }
  std::string_view value(int row, int column) const noexcept {
    return {PQgetvalue(r_, row, column), static_cast<std::size_t>(PQgetlength(r_, row, column))};
  }

 private:
  PGresult* r_ = nullptr;
};

// A connection. The connection string is kept to reconnect, and its password to strike it from
// messages; neither is ever part of an error, a log line or a metric.
class session {
 public:
  // Connects; a bad connection string or a server that cannot be reached is a config_error of
  // `field`.
  // `replication`: a logical replication connection (replication=database), which takes the
  // replication commands and simple SQL.
  session(std::string conninfo, std::string field, bool replication = false)
      : conninfo_(std::move(conninfo)), field_(std::move(field)) {
    remember_password();
    const char* const keys[] = {"dbname", "fallback_application_name", replication ? "replication" : nullptr, nullptr};
    const char* const values[] = {conninfo_.c_str(), "sinkforge", replication ? "database" : nullptr, nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_) throw config_error(field_, "libpq could not allocate a connection");
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string why = redact(PQerrorMessage(conn_));
      PQfinish(conn_);
      conn_ = nullptr;
      throw config_error(field_, concat({"cannot connect: ", why}));
    }
    quiet();
  }
  session(session&& o) noexcept
      : conninfo_(std::move(o.conninfo_)), field_(std::move(o.field_)), password_(std::move(o.password_)),
        conn_(std::exchange(o.conn_, nullptr)) {}
  session& operator=(session&&) = delete;
  ~session() { close(); }

  void close() noexcept {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
  }
  PGconn* handle() const noexcept { return conn_; }
  bool connected() const noexcept { return conn_ && PQstatus(conn_) == CONNECTION_OK; }
  const std::string& field() const noexcept { return field_; }

  // After the link broke: one attempt to connect again. Whatever a transaction had open is gone.
  bool reconnect() {
    if (!conn_) return false;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return false;
    quiet();
    return true;
  }

  result exec(const char* sql) { return result(PQexec(conn_, sql)); }
  result exec(const std::string& sql) { return exec(sql.c_str()); }
  // Parameters are bound, never spliced into the statement: text, or bytes as they are (bytea).
  struct param {
    std::string_view value;
    bool bytes = false;
  };
  result exec(const char* sql, std::initializer_list<param> params) {
    std::vector<std::string> text;  // text parameters must end in NUL
    text.reserve(params.size());
    std::vector<const char*> v;
    std::vector<int> len;
    std::vector<int> fmt;
    for (const param& p : params) {
      if (p.bytes) {
        v.push_back(p.value.data() ? p.value.data() : "");  // a null pointer would mean SQL NULL
      } else {
        text.emplace_back(p.value);
        v.push_back(text.back().c_str());
      }
      len.push_back(static_cast<int>(p.value.size()));
      fmt.push_back(p.bytes ? 1 : 0);
    }
    return result(PQexecParams(conn_, sql, static_cast<int>(v.size()), nullptr, v.data(), len.data(), fmt.data(), 0));
  }

  // Runs `copy_sql` (a COPY ... FROM STDIN) and streams `data` to it. The statement's result.
  result copy_in(const std::string& copy_sql, std::string_view data) {
    result start = exec(copy_sql);
    if (start.status() != PGRES_COPY_IN) return start;
    constexpr std::size_t chunk = std::size_t{1} << 18;
    bool sent = true;
    for (std::size_t at = 0; at < data.size() && sent; at += chunk) {
      const std::size_t n = data.size() - at < chunk ? data.size() - at : chunk;
      sent = PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) == 1;
    }
    if (sent) PQputCopyEnd(conn_, nullptr);
    else PQputCopyEnd(conn_, "sinkforge: sending the rows failed");
    result end(PQgetResult(conn_));
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);  // drain to the idle state
    return end;
  }

  // The message of a failed statement, or of the link, without the password.
  std::string error(const result& r) const {
    const char* m = r.get() ? PQresultErrorMessage(r.get()) : nullptr;
    std::string msg = (m && *m) ? std::string(m) : std::string(conn_ ? PQerrorMessage(conn_) : "no connection");
    return redact(std::move(msg));
  }

  failure_class classify_failure(const result& r) const noexcept {
    if (!connected()) return failure_class::retryable;
    return classify(r.sqlstate());
  }

  // A failed statement as a send result: retryable when the link broke or the server is short of
  // something, fatal otherwise (invalid data is the caller's to split by row).
  send_result failure(const char* what, const result& r) const {
    std::string msg = concat({"postgres ", what, " failed: ", error(r)});
    last_failed_state_ = r.sqlstate();
    if (connected() && (last_failed_state_ == "22P03" || last_failed_state_ == "08P01"))
      msg += " (a column's type is not the one the sink read: was the table altered under it?)";
    if (classify_failure(r) == failure_class::retryable) return send_result::retryable(std::move(msg));
    return send_result::fatal(std::move(msg));
  }

  // The SQLSTATE of the last statement failure() reported (empty when the link broke).
  const std::string& last_failed_state() const noexcept { return last_failed_state_; }
  void forget_failure() const noexcept { last_failed_state_.clear(); }

  std::string redact(std::string msg) const {
    if (password_.size() >= 1) {
      for (std::size_t at = msg.find(password_); at != std::string::npos; at = msg.find(password_, at + 3))
        msg.replace(at, password_.size(), "***");
    }
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return msg;
  }

  // Throws config_error(field) when `sql` fails: for the statements a connection runs when it opens.
  result must(const char* sql, const char* what) {
    result r = exec(sql);
    if (!r.ok()) throw config_error(field_, concat({what, ": ", error(r)}));
    return r;
  }

 private:
  void remember_password() {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo_.c_str(), &err);
    if (!opts) {
      std::string why = err ? mask_quoted(err) : std::string("out of memory");
      if (err) PQfreemem(err);
      throw config_error(field_, concat({"is not a connection string or URI libpq accepts: ", why}));
    }
    for (PQconninfoOption* o = opts; o->keyword; ++o)
      if (std::strcmp(o->keyword, "password") == 0 && o->val) password_ = o->val;
    PQconninfoFree(opts);
  }

  // Notices (CREATE ... IF NOT EXISTS skipping) would go to stderr.
  void quiet() noexcept {
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  }

  std::string conninfo_;
  std::string field_;
  mutable std::string last_failed_state_;
  std::string password_;
  PGconn* conn_ = nullptr;
};

}  // namespace sinkforge::inline v1::postgres::detail
