// schemes::sqlite: `sqlite:` writes rows into a table of a SQLite database (sqlite::table).
//
//   sqlite://shop.db?table=orders                    ./shop.db (the authority starts the path)
//   sqlite:///var/lib/shop.db?table=orders           an absolute path
//   sqlite:shop.db?table=orders&delivery=exactly_once
//
// Under exactly_once the table's database records each checkpoint with the rows it commits, so
// no checkpoint store is needed.
#pragma once
#include <string>
#include <string_view>
#include <tuple>

#include <sinkforge/registry/options.hpp>
#include <sinkforge/registry/uri.hpp>
#include <sinkforge/transport/sqlite.hpp>

namespace sinkforge::inline v1::schemes {

struct sqlite {
  static constexpr std::string_view name = "sqlite";
  static constexpr std::string_view summary = "rows into a SQLite table (sqlite::table)";
  static constexpr bool keeps_checkpoint = true;
  static constexpr registry::key_info keys[] = {
      {"table", "", "the table (required)"},
      {"create_table", "true", "create the table from the record type when it is missing"},
      {"add_missing_columns", "false", "add columns the table lacks (ALTER TABLE ADD COLUMN)"},
      {"journal_mode", "WAL", "PRAGMA journal_mode"},
      {"synchronous", "NORMAL", "PRAGMA synchronous (FULL under exactly_once)"},
      {"busy_timeout", "5s", "how long to wait for another writer's lock"},
  };

  static std::string path_of(const registry::uri& u) { return u.host_as_written + u.path; }
  static std::string default_name(const registry::uri& u) {
    const std::string* t = u.find("table");
    return "sqlite:" + path_of(u) + (t ? "/" + *t : std::string());
  }

  template <class T>
  static auto policies(const registry::uri& u, registry::options& o) {
    if (u.port || !u.user.empty() || u.password) o.fail("uri", "sqlite: takes no user, password or port");
    const std::string path = path_of(u);
    if (path.empty()) o.fail("uri.path", "missing: the database file (sqlite://shop.db?table=orders)");
    sinkforge::sqlite::table t{.path = path, .name = o.required("table", "the table to write (?table=orders)")};
    t.create_table = o.boolean("create_table", true);
    t.add_missing_columns = o.boolean("add_missing_columns", false);
    static constexpr std::string_view journal[] = {"WAL", "DELETE", "TRUNCATE", "PERSIST", "MEMORY", "OFF"};
    t.journal_mode = journal[o.choice("journal_mode", {"WAL", "DELETE", "TRUNCATE", "PERSIST", "MEMORY", "OFF"}, 0)];
    static constexpr std::string_view sync[] = {"NORMAL", "FULL", "EXTRA", "OFF"};
    t.synchronous = sync[o.choice("synchronous", {"NORMAL", "FULL", "EXTRA", "OFF"}, 0)];
    t.busy_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        o.duration("busy_timeout", std::chrono::seconds{5}));
    return std::tuple{std::move(t)};
  }
};

}  // namespace sinkforge::inline v1::schemes
