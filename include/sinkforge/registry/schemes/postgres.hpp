// schemes::postgres: `postgresql:` (or `postgres:`) writes rows into a PostgreSQL table with
// binary COPY (postgres::table). Needs the sinkforge::postgres CMake target (libpq).
//
//   postgresql://loader@db.example:5432/shop?table=orders&password_env=PGPASSWORD
//   postgres://127.0.0.1/shop?table=orders&schema=sales&delivery=exactly_once&sslmode=require
//
// The path is the database; the user, host and port are libpq's. A password comes from the
// environment variable `password_env` names (or from the URI itself, for a URI that is not typed
// on a command line); it is shown as *** everywhere. Without either, libpq looks in PGPASSWORD
// and ~/.pgpass as usual. Under exactly_once the database records each checkpoint with the rows
// it commits (prepared transactions), so no checkpoint store is needed.
#pragma once
#include <string>
#include <string_view>
#include <tuple>

#include <sinkforge/registry/options.hpp>
#include <sinkforge/registry/uri.hpp>
#include <sinkforge/transport/postgres.hpp>

namespace sinkforge::inline v1::schemes {

struct postgres {
  static constexpr std::string_view name = "postgresql";
  static constexpr std::string_view aliases[] = {"postgres"};
  static constexpr std::string_view summary = "rows into a PostgreSQL table with binary COPY (postgres::table)";
  static constexpr bool keeps_checkpoint = true;
  // libpq connection parameters passed through as given.
  static constexpr std::string_view libpq_keys[] = {"sslmode",         "sslrootcert",     "sslcert",
                                                    "sslkey",          "sslcrl",          "connect_timeout",
                                                    "application_name", "target_session_attrs", "options"};
  static constexpr registry::key_info keys[] = {
      {"table", "", "the table (required)"},
      {"schema", "", "the table's schema (default: the first of the search_path)"},
      {"create_table", "true", "create the table from the record type when it is missing"},
      {"add_missing_columns", "false", "add columns the table lacks (ALTER TABLE ADD COLUMN)"},
      {"lock_timeout", "30s", "how long a statement waits for a lock"},
      {"sink_name", "<table>", "names the prepared transactions under exactly_once"},
      {"password_env", "", "the environment variable that holds the password"},
      {"sslmode", "prefer", "libpq: disable, allow, prefer, require, verify-ca, verify-full"},
      {"sslrootcert", "", "libpq"},
      {"sslcert", "", "libpq"},
      {"sslkey", "", "libpq"},
      {"sslcrl", "", "libpq"},
      {"connect_timeout", "", "libpq: seconds"},
      {"application_name", "sinkforge", "libpq"},
      {"target_session_attrs", "", "libpq"},
      {"options", "", "libpq: command-line options sent to the server"},
  };

  static std::string default_name(const registry::uri& u) {
    const std::string* t = u.find("table");
    return "postgresql:" + u.host + u.path + (t ? "/" + *t : std::string());
  }

  template <class T>
  static auto policies(const registry::uri& u, registry::options& o) {
    std::string conninfo;
    const auto add = [&](std::string_view key, std::string_view value) {
      conninfo += conninfo.empty() ? "" : " ";
      conninfo += key;
      conninfo += "='";
      for (const char c : value) {
        if (c == '\'' || c == '\\') conninfo += '\\';
        conninfo += c;
      }
      conninfo += '\'';
    };
    if (!u.has_authority) o.fail("uri", "a PostgreSQL URI is postgresql://[user@]host[:port]/database?table=...");
    if (!u.host.empty()) add("host", u.host);
    if (u.port) add("port", std::to_string(*u.port));
    if (!u.user.empty()) add("user", u.user);
    std::optional<std::string> password = o.secret_from_env("password_env");
    if (password && u.password) o.fail("password_env", "the URI holds a password too: give one of them");
    if (!password && u.password) password = u.password;
    if (password) add("password", *password);
    std::string_view database = u.path;
    while (database.starts_with('/')) database.remove_prefix(1);
    if (database.find('/') != std::string_view::npos) o.fail("uri.path", "the path is the database: one name");
    if (!database.empty()) add("dbname", database);
    bool named = false;
    for (const std::string_view k : libpq_keys)
      if (auto v = o.text(k)) {
        add(k, *v);
        named = named || k == "application_name";
      }
    if (!named) add("application_name", "sinkforge");
    sinkforge::postgres::table t{.conninfo = std::move(conninfo),
                                 .name = o.required("table", "the table to write (?table=orders)")};
    if (auto s = o.text("schema")) t.schema = std::move(*s);
    t.create_table = o.boolean("create_table", true);
    t.add_missing_columns = o.boolean("add_missing_columns", false);
    t.lock_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        o.duration("lock_timeout", std::chrono::seconds{30}, std::chrono::milliseconds{1}));
    if (auto s = o.text("sink_name")) t.sink_name = std::move(*s);
    return std::tuple{std::move(t)};
  }
};

}  // namespace sinkforge::inline v1::schemes
