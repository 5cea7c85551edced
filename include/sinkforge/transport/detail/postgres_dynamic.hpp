// postgres::table for dynamic::record (records whose fields are known only at run time); included
// at the end of transport/postgres.hpp, which it specializes.
//
// Each field goes to the column of its name (exactly: identifiers are quoted). A column's type is
// not known from the record type, so it is read from the catalog. When every value of a batch's
// shape is already of its column's type (integers for bigint, integer or smallint in range, numbers
// for double precision, booleans, anything for text, varchar, json and jsonb), the rows go in
// binary COPY; otherwise in COPY's text format, and the server reads each value in its column's
// type: any column type whose text form the value is (timestamptz from an ISO 8601 string,
// numeric, uuid, ...) takes it, and a value that is not is refused by the server for that row
// alone, named by its line. Both store the same: a JSON number meant for an integer column and
// written as a whole real (307.0) is that integer; into json or jsonb columns text is a JSON
// string, so every field fits a jsonb column.
//
// With create_table the table is made from the first batch that reaches it, a column per field
// typed by the batch's values of it: boolean; bigint; double precision (integers and reals mixed);
// jsonb (an object or array among them); text otherwise (a field only ever null too). With
// add_missing_columns a field the table lacks is added the same way (nullable); otherwise records
// with such a field are refused, naming it. Definitions run before the batch's rows and outside
// its transaction when none is open, inside a savepoint of it otherwise.
#pragma once
#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/dynamic/record.hpp>
#include <sinkforge/transport/postgres.hpp>  // which includes this header at its end

namespace sinkforge::inline v1::postgres {

template <>
class table::connection<dynamic::record> {
 public:
  explicit connection(const table& cfg) : rel_(cfg, detail::relation::columns_from_records{}) {
    buf_.use_text_format();
    if (std::string why = load_columns(); !why.empty()) throw config_error("postgres::table.name", why);
    if (!exists_ && !cfg.create_table)
      throw config_error("postgres::table.name",
                         sinkforge::detail::concat({"table ", rel_.qualified(), " does not exist (create_table is off)"}));
  }
  connection(const table& cfg, const char* key) : connection(cfg) {
    if (key) throw config_error("deliver::idempotent", "a dynamic::record has no key member to upsert by");
  }
  // Under exactly_once.
  connection(const table& cfg, const transport_context&, bool) : connection(cfg) {}

  template <class K>
  send_result send(const record_batch<K, rows<dynamic::record>>& b) {
    return deliver(b.records, false);
  }

  // Fits the table to the batch's shapes, then delivers a COPY per shape; inside the open
  // transaction when `in_transaction`, otherwise in one of its own.
  send_result deliver(const rows<dynamic::record>& records, bool in_transaction) {
    if (!rel_.ensure_connected())
      return send_result::retryable("postgres: the connection is lost and connecting again failed");
    detail::session& db = rel_.db();
    db.forget_failure();
    if (plans_.size() >= 256) plans_.clear();  // a stream of ever new shapes
    // A definition made inside a transaction that has ended since may have been rolled back with it.
    if (defined_in_transaction_ && !transaction_open()) forget_table();
    // The columns' types are read again before each batch: binary COPY must send each value in
    // its column's type of now (a column altered under the sink would read the bytes as another).
    if (known_) {
      std::vector<column> before = std::move(columns_);
      if (std::string why = load_columns(); !why.empty()) return failed(send_result::retryable(std::move(why)));
      if (!same_columns(before, columns_)) plans_.clear();
    }
    group_by_shape(records);
    for (group& g : groups_) {
      send_result r = plan_for(g, records);
      if (!r.ok()) return failed(std::move(r));
    }
    std::vector<record_failure> invalid;
    const bool own_transaction = !in_transaction && groups_.size() > 1;  // the batch lands whole
    if (own_transaction) rel_.begin_with_next();
    for (const group& g : groups_) {
      const plan& p = plans_[g.plan];
      if (!p.refused.empty()) {
        for (const std::uint32_t m : g.members) invalid.push_back({m, failure_kind::invalid_record, p.refused});
        continue;
      }
      // Binary when every value is already of its column's type; otherwise text, which the server
      // reads in the column's type (or refuses, row by row).
      bool binary = !p.copy_binary_sql.empty();
      for (std::size_t k = 0; binary && k < g.members.size(); ++k) binary = fits_binary(records[g.members[k]], p);
      buf_.clear();
      buf_.use_text_format(!binary);
      index_.clear();
      for (const std::uint32_t m : g.members) {
        std::string why = binary ? put_binary_row(records[m], p) : put_row(records[m], p);
        if (SINKFORGE_UNLIKELY(!why.empty())) {
          invalid.push_back({m, failure_kind::invalid_record, std::move(why)});
          continue;
        }
        index_.push_back(m);
      }
      if (buf_.rows() == 0) continue;
      rel_.copy_into(binary ? p.copy_binary_sql : p.copy_sql);
      send_result r = rel_.deliver(buf_, index_, invalid, in_transaction || own_transaction);
      if (!r.ok()) {
        if (own_transaction) end_own_transaction();
        return failed(std::move(r));
      }
    }
    if (own_transaction) {
      detail::result c = db.exec(rel_.take_ahead() + "COMMIT");
      if (!c.ok()) {
        send_result r = db.failure("COMMIT", c);
        end_own_transaction();
        return failed(std::move(r));
      }
      rel_.transaction_ended();
    }
    if (invalid.empty()) return send_result::success();
    std::sort(invalid.begin(), invalid.end(), [](const record_failure& a, const record_failure& b) { return a.index < b.index; });
    return send_result::partial(std::move(invalid));
  }

  void close() { rel_.db().close(); }
  PGconn* handle() noexcept { return rel_.db().handle(); }
  detail::relation& relation() noexcept { return rel_; }

 private:
  // How a value is written for its column as text.
  enum class column_use : std::uint8_t { plain, integer, json };
  // The column's type in binary COPY, when the transport has an encoder for it.
  enum class wire : std::uint8_t { none, int2, int4, int8, float8, boolean, text, json, jsonb };

  struct column {
    std::string name;
    column_use use;
    wire binary;
  };
  // What records of one shape need: their COPY (binary when every column has a binary encoder)
  // and how each field is written, or why they cannot be stored.
  struct plan {
    dynamic::shape_ref shape;
    std::string copy_sql;
    std::vector<column_use> uses;
    std::string refused;
    std::string copy_binary_sql;  // empty: text only
    std::vector<wire> wires;
  };
  struct group {
    dynamic::shape_ref shape;
    std::vector<std::uint32_t> members;
    std::size_t plan = 0;
  };

  static bool same_names(const dynamic::shape_ref& a, const dynamic::shape_ref& b) noexcept {
    return a == b || a->names == b->names;
  }

  bool transaction_open() noexcept { return PQtransactionStatus(rel_.db().handle()) != PQTRANS_IDLE; }

  void group_by_shape(const rows<dynamic::record>& records) {
    groups_.clear();
    for (std::size_t i = 0; i < records.size(); ++i) {
      const dynamic::shape_ref& s = records[i].fields();
      group* g = groups_.empty() || !same_names(groups_.back().shape, s) ? nullptr : &groups_.back();
      for (std::size_t k = 0; !g && k < groups_.size(); ++k)
        if (same_names(groups_[k].shape, s)) g = &groups_[k];
      if (!g) g = &groups_.emplace_back(group{s, {}, 0});
      g->members.push_back(static_cast<std::uint32_t>(i));
    }
  }

  // A failed batch leaves nothing known of the table: it is read again before the next. A table or
  // column that went away under the sink (dropped, or created by a transaction rolled back since)
  // is made again by the retry; a column whose type changed is written in its new type.
  send_result failed(send_result r) {
    forget_table();
    const std::string& state = rel_.db().last_failed_state();
    if (!r.ok() && r.kind() == failure_kind::fatal &&
        (state == "42P01" || state == "42703" || state == "22P03" || state == "08P01"))
      return send_result::retryable(
          sinkforge::detail::concat({r.reason(), " (the table changed under the sink; it is read again)"}));
    return r;
  }

  void end_own_transaction() {
    if (rel_.db().connected()) rel_.db().exec("ROLLBACK");
    rel_.transaction_ended();
  }

  void forget_table() {
    known_ = false;
    defined_in_transaction_ = false;
    plans_.clear();
  }

  // The table's columns now; empty, or why the catalog could not be read.
  std::string load_columns() {
    detail::session& db = rel_.db();
    detail::result r = db.exec(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM (SELECT to_regclass($1) AS oid) t "
        "LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE t.oid IS NOT NULL ORDER BY a.attnum",
        {{rel_.qualified()}});
    if (!r.ok()) return db.failure("reading the table's columns", r).reason();
    columns_.clear();
    exists_ = r.rows() > 0;
    for (int i = 0; i < r.rows(); ++i)
      if (!r.is_null(i, 0))
        columns_.push_back({std::string(r.value(i, 0)), use_of(r.value(i, 1)), wire_of(r.value(i, 1))});
    known_ = true;
    return {};
  }

  static column_use use_of(std::string_view type) noexcept {
    if (type == "jsonb" || type == "json") return column_use::json;
    if (type == "smallint" || type == "integer" || type == "bigint") return column_use::integer;
    return column_use::plain;
  }

  static wire wire_of(std::string_view type) noexcept {
    if (type == "bigint") return wire::int8;
    if (type == "integer") return wire::int4;
    if (type == "smallint") return wire::int2;
    if (type == "double precision") return wire::float8;
    if (type == "boolean") return wire::boolean;
    if (type == "text" || type.starts_with("character varying")) return wire::text;
    if (type == "jsonb") return wire::jsonb;
    if (type == "json") return wire::json;
    return wire::none;
  }

  static bool same_columns(const std::vector<column>& a, const std::vector<column>& b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].name != b[i].name || a[i].use != b[i].use || a[i].binary != b[i].binary) return false;
    return true;
  }

  const column* find_column(std::string_view field) const noexcept {
    for (const column& c : columns_)
      if (c.name == field) return &c;
    return nullptr;
  }

  // A definition (CREATE, ALTER): in a savepoint when a transaction is open, so that its failure
  // leaves the transaction usable. A table or column another session made at the same moment is
  // no failure.
  send_result define(const std::string& sql, const char* what) {
    detail::session& db = rel_.db();
    const bool open = transaction_open();
    detail::result r = db.exec(open ? "SAVEPOINT sinkforge_define; " + sql + "; RELEASE SAVEPOINT sinkforge_define" : sql);
    if (r.ok()) {
      defined_in_transaction_ = defined_in_transaction_ || open;
      return send_result::success();
    }
    const std::string_view state = r.sqlstate();
    const bool raced = state == "23505" || state == "42P07" || state == "42701";
    send_result failure = db.failure(what, r);
    if (open && db.connected()) db.exec("ROLLBACK TO SAVEPOINT sinkforge_define; RELEASE SAVEPOINT sinkforge_define");
    return raced ? send_result::success() : failure;
  }

  // The column type for field `f` of the group's records: the kinds of value it holds.
  static const char* column_type_for(const group& g, const rows<dynamic::record>& records, std::size_t f) {
    bool boolean = false, integer = false, real = false, text = false, json = false;
    for (const std::uint32_t m : g.members) {
      switch (records[m][f].type) {
        case dynamic::kind::null: break;
        case dynamic::kind::boolean: boolean = true; break;
        case dynamic::kind::integer: integer = true; break;
        case dynamic::kind::real: real = true; break;
        case dynamic::kind::text: text = true; break;
        case dynamic::kind::json: json = true; break;
      }
    }
    if (json) return "jsonb";
    if (text || (boolean && (integer || real))) return "text";
    if (boolean) return "boolean";
    if (real) return "double precision";
    if (integer) return "bigint";
    return "text";
  }

  // A field name PostgreSQL keeps as it is: 1 to 63 bytes (longer ones it would cut), no NUL.
  static bool valid_column_name(std::string_view n) noexcept {
    return !n.empty() && n.size() <= 63 && n.find('\0') == std::string_view::npos;
  }

  // The plan for the group's shape: made once per shape, creating or altering the table first.
  send_result plan_for(group& g, const rows<dynamic::record>& records) {
    using detail::quote_identifier;
    using sinkforge::detail::concat;
    for (std::size_t k = 0; k < plans_.size(); ++k)
      if (same_names(plans_[k].shape, g.shape)) {
        g.plan = k;
        return send_result::success();
      }
    if (!known_)
      if (std::string why = load_columns(); !why.empty()) return send_result::retryable(std::move(why));
    g.plan = plans_.size();
    plan& p = plans_.emplace_back(plan{g.shape, {}, {}, {}, {}, {}});
    const std::vector<std::string>& names = g.shape->names;
    const table& cfg = rel_.config();
    for (std::size_t i = 0; i < names.size() && p.refused.empty(); ++i) {
      if (!valid_column_name(names[i]))
        p.refused = concat({"postgres: the field name \"", names[i].substr(0, 80),
                            "\" is not a column name PostgreSQL keeps (1 to 63 bytes)"});
      for (std::size_t j = 0; j < i && p.refused.empty(); ++j)
        if (names[j] == names[i]) p.refused = concat({"postgres: the field \"", names[i], "\" appears twice"});
    }
    if (!p.refused.empty()) return send_result::success();
    if (!exists_) {
      if (!cfg.create_table)
        return send_result::fatal(concat({"postgres: table ", rel_.qualified(), " does not exist (create_table is off)"}));
      if (names.empty()) {
        p.refused = "postgres: a record without fields cannot create a table";
        return send_result::success();
      }
      std::string defs;
      for (std::size_t i = 0; i < names.size(); ++i)
        defs += concat({i ? ", " : "", quote_identifier(names[i]), " ", column_type_for(g, records, i)});
      if (send_result r = define(concat({"CREATE TABLE IF NOT EXISTS ", rel_.qualified(), " (", defs, ")"}),
                                 "CREATE TABLE");
          !r.ok())
        return r;
      if (std::string why = load_columns(); !why.empty()) return send_result::retryable(std::move(why));
    }
    std::string added;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (find_column(names[i])) continue;
      if (!cfg.add_missing_columns) {
        p.refused = concat({"postgres: table ", rel_.qualified(), " has no column \"", names[i],
                            "\" (add it, or set add_missing_columns)"});
        return send_result::success();
      }
      added += concat({added.empty() ? "" : ", ", "ADD COLUMN IF NOT EXISTS ", quote_identifier(names[i]), " ",
                       column_type_for(g, records, i)});
    }
    if (!added.empty()) {
      if (send_result r = define(concat({"ALTER TABLE ", rel_.qualified(), " ", added}), "ALTER TABLE"); !r.ok())
        return r;
      if (std::string why = load_columns(); !why.empty()) return send_result::retryable(std::move(why));
    }
    std::string list;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const column* c = find_column(names[i]);
      if (!c) {
        p.refused = concat({"postgres: table ", rel_.qualified(), " has no column \"", names[i], "\""});
        return send_result::success();
      }
      p.uses.push_back(c->use);
      p.wires.push_back(c->binary);
      list += concat({i ? ", " : "", quote_identifier(names[i])});
    }
    p.copy_sql = concat({"COPY ", rel_.qualified(), " (", list, ") FROM STDIN"});
    bool binary = true;
    for (const wire w : p.wires) binary = binary && w != wire::none;
    if (binary) p.copy_binary_sql = concat({"COPY ", rel_.qualified(), " (", list, ") FROM STDIN (FORMAT binary)"});
    return send_result::success();
  }

  // Appends r as a line of COPY text; empty, or why r cannot be stored (the line is taken back).
  std::string put_row(const dynamic::record& r, const plan& p) {
    buf_.begin_text_row();
    for (std::size_t c = 0; c < r.size(); ++c) {
      if (c) buf_.tab();
      if (const char* why = put_value(r[c], p.uses[c]); SINKFORGE_UNLIKELY(why != nullptr)) {
        buf_.undo_row();
        return sinkforge::detail::concat({"postgres: value of '", r.names()[c], "' cannot be stored (", why, ")"});
      }
    }
    buf_.end_text_row();
    return {};
  }

  const char* put_value(const dynamic::value& v, column_use use) {
    if (v.type == dynamic::kind::null) {
      buf_.text_null();
      return nullptr;
    }
    return render(v, use, [this](std::string_view t) { buf_.text(t); });
  }

  // The text of a non-null value for its column, given to `emit` in one or more pieces; or why it
  // cannot be stored.
  template <class Emit>
  const char* render(const dynamic::value& v, column_use use, Emit&& emit) {
    char number[64];  // max_floating_chars<double> and ".0"
    switch (v.type) {
      case dynamic::kind::null: return nullptr;
      case dynamic::kind::boolean: emit(v.integer ? "true" : "false"); return nullptr;
      case dynamic::kind::integer: {
        emit({number, static_cast<std::size_t>(serialize::detail::put_integer(number, v.integer) - number)});
        return nullptr;
      }
      case dynamic::kind::real: {
        const double d = v.real;
        if (!serialize::detail::is_finite(d)) {
          if (use == column_use::json) return "not a finite number, which JSON cannot hold";
          emit(serialize::detail::is_nan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
          return nullptr;
        }
        // A whole real for an integer column is that integer (JSON does not tell 307 from 307.0).
        if (use == column_use::integer && whole(d)) {
          emit({number, static_cast<std::size_t>(serialize::detail::put_integer(number, static_cast<std::int64_t>(d)) - number)});
          return nullptr;
        }
        char* end = serialize::detail::put_floating(number, d);
        // In JSON a whole real keeps ".0", as serialize::json writes it.
        if (use == column_use::json && std::string_view(number, end - number).find_first_of(".eE") == std::string_view::npos)
          *end++ = '.', *end++ = '0';
        emit({number, static_cast<std::size_t>(end - number)});
        return nullptr;
      }
      case dynamic::kind::text:
        if (!detail::valid_text(v.text)) return "invalid UTF-8, or a NUL character";
        if (use == column_use::json) {
          json_.resize(v.text.size() * 6 + 2);
          bool ok = true;
          char* end = serialize::detail::put_json_string_plain(json_.data(), v.text, serialize::invalid_utf8::reject, ok);
          emit({json_.data(), static_cast<std::size_t>(end - json_.data())});
          return nullptr;
        }
        emit(v.text);
        return nullptr;
      case dynamic::kind::json:
        if (!detail::valid_text(v.text)) return "invalid UTF-8, or a NUL character";
        emit(v.text);
        return nullptr;
    }
    return "a value of no known kind";
  }

  static bool whole(double d) noexcept {
    return d >= -9.2e18 && d <= 9.2e18 && static_cast<double>(static_cast<std::int64_t>(d)) == d;
  }

  // Whether every value of r is already of its column's binary type: the row then goes in binary
  // COPY exactly as the server would read its text.
  static bool fits_binary(const dynamic::record& r, const plan& p) noexcept {
    for (std::size_t c = 0; c < r.size(); ++c) {
      const dynamic::value& v = r[c];
      if (v.type == dynamic::kind::null) continue;
      std::int64_t lo = 0, hi = 0;
      switch (p.wires[c]) {
        case wire::int2: lo = -32768, hi = 32767; break;
        case wire::int4: lo = -2147483648LL, hi = 2147483647; break;
        case wire::int8: lo = INT64_MIN, hi = INT64_MAX; break;
        case wire::float8:
          if (v.type != dynamic::kind::integer && v.type != dynamic::kind::real) return false;
          continue;
        case wire::boolean:
          if (v.type != dynamic::kind::boolean) return false;
          continue;
        case wire::text:
        case wire::json:
        case wire::jsonb: continue;
        case wire::none: return false;
      }
      if (v.type == dynamic::kind::integer) {
        if (v.integer < lo || v.integer > hi) return false;
      } else if (v.type == dynamic::kind::real) {
        if (!whole(v.real) || static_cast<std::int64_t>(v.real) < lo || static_cast<std::int64_t>(v.real) > hi) return false;
      } else {
        return false;
      }
    }
    return true;
  }

  // Appends r as a row of binary COPY (fits_binary holds); empty, or why r cannot be stored.
  std::string put_binary_row(const dynamic::record& r, const plan& p) {
    buf_.begin_row(static_cast<std::uint16_t>(r.size()));
    for (std::size_t c = 0; c < r.size(); ++c) {
      const dynamic::value& v = r[c];
      if (v.type == dynamic::kind::null) {
        buf_.null();
        continue;
      }
      const char* why = nullptr;
      switch (p.wires[c]) {
        case wire::int2:
        case wire::int4:
        case wire::int8: {
          const std::int64_t i = v.type == dynamic::kind::integer ? v.integer : static_cast<std::int64_t>(v.real);
          if (p.wires[c] == wire::int2) buf_.fixed(static_cast<std::int16_t>(i));
          else if (p.wires[c] == wire::int4) buf_.fixed(static_cast<std::int32_t>(i));
          else buf_.fixed(i);
          break;
        }
        case wire::float8:
          buf_.fixed(std::bit_cast<std::int64_t>(v.type == dynamic::kind::integer ? static_cast<double>(v.integer) : v.real));
          break;
        case wire::boolean: {
          const char b = v.integer ? 1 : 0;
          buf_.raw(&b, 1);
          break;
        }
        case wire::text:
        case wire::json:
        case wire::jsonb:
          bytes_.clear();
          if (p.wires[c] == wire::jsonb) bytes_ += '\1';  // jsonb's binary form: version 1, then the text
          why = render(v, p.uses[c], [this](std::string_view t) { bytes_.append(t); });
          if (!why) buf_.raw(bytes_.data(), bytes_.size());
          break;
        case wire::none: why = "no binary form"; break;
      }
      if (SINKFORGE_UNLIKELY(why != nullptr)) {
        buf_.undo_row();
        return sinkforge::detail::concat({"postgres: value of '", r.names()[c], "' cannot be stored (", why, ")"});
      }
    }
    return {};
  }

  detail::relation rel_;
  detail::copy_buffer buf_;
  std::vector<std::uint32_t> index_;
  std::vector<column> columns_;
  std::deque<plan> plans_;
  std::vector<group> groups_;
  std::string json_;
  std::string bytes_;
  bool known_ = false;
  bool exists_ = false;
  bool defined_in_transaction_ = false;
};

}  // namespace sinkforge::inline v1::postgres
