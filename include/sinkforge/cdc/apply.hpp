// cdc::apply<&Row::key, options>: the serializer of a sink of cdc::change<Row> into a SQL table
// (sqlite::table, postgres::table). The table holds Row's columns, keyed by `Key` (its primary
// key when the sink creates the table, a unique index otherwise), and the transport applies each
// batch in one transaction:
//
//   insert, update   an upsert of the change's `after` row by key (an update that changes the key
//                    also removes the old key)
//   remove           a DELETE by the key of `before`, or with options::soft_delete an UPDATE that
//                    sets the `__deleted` column (a later insert of the key clears it)
//   begin, commit    a source transaction is applied whole: the changes after the batch's last
//                    commit wait for the next batch, so no target transaction ends inside one
//   heartbeat        only the stored position moves
//   schema_change    only the stored position moves (columns come from Row; see add_missing_columns)
//
// Within a batch the changes are coalesced per key (cdc/coalesce.hpp): the table ends as applying
// them one by one would leave it. The position of the last change applied is written in
// `sinkforge_cdc_positions(target, position)` in the same transaction, and a change at or below it
// is skipped: a source that resumes from table.cdc_position() - or replays more - changes nothing
// twice. Under deliver::exactly_once the position commits with the checkpoint.
//
// Options add audit columns: `__op` ('insert', 'update', 'remove'), `__synced_at` (when the change
// was applied), `__position` (the change's source position).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sinkforge/cdc/change.hpp>
#include <sinkforge/cdc/coalesce.hpp>
#include <sinkforge/error.hpp>
#include <sinkforge/payload/rows.hpp>
#include <sinkforge/policy.hpp>
#include <sinkforge/reflect.hpp>
#include <sinkforge/serialize/columns.hpp>

namespace sinkforge::inline v1::cdc {

enum class options : unsigned {
  none = 0,
  soft_delete = 1,      // a remove sets `__deleted` instead of deleting the row
  audit_operation = 2,  // `__op`: the kind of the change that left the row
  audit_synced_at = 4,  // `__synced_at`: when the target applied it
  audit_position = 8,   // `__position`: the source position of that change
  audit = 14            // all three
};
constexpr options operator|(options a, options b) noexcept {
  return static_cast<options>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has(options set, options o) noexcept {
  return (static_cast<unsigned>(set) & static_cast<unsigned>(o)) == static_cast<unsigned>(o);
}

inline constexpr const char* deleted_column = "__deleted";
inline constexpr const char* operation_column = "__op";
inline constexpr const char* synced_at_column = "__synced_at";
inline constexpr const char* position_column = "__position";

constexpr const char* op_name(op o) noexcept {
  switch (o) {
    case op::insert: return "insert";
    case op::update: return "update";
    case op::remove: return "remove";
    case op::schema_change: return "schema_change";
    case op::begin: return "begin";
    case op::commit: return "commit";
    case op::heartbeat: return "heartbeat";
  }
  return "?";
}

// The payload: the changes of one batch, with the key and options in its type for the transport.
template <class Row, auto Key, options Opts>
class changes {
 public:
  using value_type = change<Row>;
  using row_type = Row;
  static constexpr bool applies_changes = true;  // for make_sink's rules, without this header
  static constexpr auto key = Key;
  static constexpr options opts = Opts;

  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  std::size_t byte_size() const noexcept { return bytes_; }
  const change<Row>& operator[](std::size_t i) const noexcept { return items_[i]; }
  auto begin() const noexcept { return items_.begin(); }
  auto end() const noexcept { return items_.end(); }
  std::span<const change<Row>> view() const noexcept { return items_; }

  template <class U>
  void push(U&& c) {
    last_bytes_ = sizeof(change<Row>) + (c.before ? rows<Row>::estimate(*c.before) : 0) +
                  (c.after ? rows<Row>::estimate(*c.after) : 0);
    bytes_ += last_bytes_;
    items_.push_back(static_cast<U&&>(c));
  }
  std::size_t last_record_bytes() const noexcept { return last_bytes_; }
  void move_last_to(changes& dst) {
    dst.push(std::move(items_.back()));
    pop_last();
  }
  void pop_last() {
    bytes_ -= last_bytes_;
    items_.pop_back();
  }
  void seal() noexcept {}
  void clear() noexcept {
    items_.clear();
    bytes_ = 0;
  }
  changes select(std::span<const std::uint32_t> indices) const {
    changes out;
    for (auto i : indices) out.push(items_[i]);
    return out;
  }
  std::string describe(std::size_t i) const {
    const change<Row>& c = items_[i];
    std::string s = "{\"op\":\"";
    s += op_name(c.kind);
    s += "\",\"at\":";
    s += std::to_string(c.at);
    if (c.before) s += ",\"before\":" + serialize::to_json_lenient(*c.before);
    if (c.after) s += ",\"after\":" + serialize::to_json_lenient(*c.after);
    s += '}';
    return s;
  }

 private:
  std::vector<change<Row>> items_;
  std::size_t bytes_ = 0;
  std::size_t last_bytes_ = 0;
};

template <class P>
struct is_changes : std::false_type {};
template <class Row, auto Key, options Opts>
struct is_changes<changes<Row, Key, Opts>> : std::true_type {};

namespace detail {
template <class T>
struct change_row {
  using type = void;
};
template <class Row>
struct change_row<change<Row>> {
  using type = Row;
};
template <class M>
struct member_of {
  using record = void;
  using value = void;
};
template <class C, class V>
struct member_of<V C::*> {
  using record = C;
  using value = V;
};
}  // namespace detail

template <auto Key, options Opts = options::none>
struct apply_t {
  using policy_family = family::serializer;
  using key_record = typename detail::member_of<decltype(Key)>::record;
  using key_value = typename detail::member_of<decltype(Key)>::value;

  template <class T>
  using payload = changes<typename detail::change_row<T>::type, Key, Opts>;

  template <class T>
  static constexpr bool can_encode = [] {
    using Row = typename detail::change_row<T>::type;
    if constexpr (std::is_void_v<Row>) return false;
    else
      return reflect::is_struct<Row> && std::is_copy_constructible_v<Row> && std::is_same_v<key_record, Row> &&
             reflect::lists_member<Row, Key>();
  }();

  template <class T>
  static consteval void check_record() {
    using Row = typename detail::change_row<T>::type;
    static_assert(!std::is_void_v<Row>,
                  "sinkforge::cdc::apply: the sink's record type must be sinkforge::cdc::change<Row>");
    if constexpr (!std::is_void_v<Row>) {
      static_assert(reflect::is_struct<Row> && std::is_copy_constructible_v<Row>,
                    "sinkforge::cdc::apply: Row must be a copyable struct adapted with BOOST_HANA_DEFINE_STRUCT "
                    "or BOOST_HANA_ADAPT_STRUCT");
      static_assert(std::is_same_v<key_record, Row>,
                    "sinkforge::cdc::apply<&Row::key>: the key must be a member of the change's Row");
    }
  }

  template <class T>
  payload<T> make_payload() const {
    return {};
  }

  template <class T>
    requires(can_encode<T>)
  encode_status append(payload<T>& p, const T& c) const {
    encode_status st = check(c);
    if (st) p.push(c);
    return st;
  }
  template <class T>
    requires(can_encode<T> && !std::is_lvalue_reference_v<T>)
  encode_status append(payload<T>& p, T&& c) const {
    encode_status st = check(c);
    if (st) p.push(std::move(c));
    return st;
  }

 private:
  // A change must carry the row its kind needs; a row's floats must be numbers (NaN has no column).
  template <class Row>
  static encode_status check(const change<Row>& c) {
    if ((c.kind == op::insert || c.kind == op::update) && !c.after) return {encode_errc::incomplete, "after"};
    if (c.kind == op::remove && !c.before) return {encode_errc::incomplete, "before"};
    return c.after ? serialize::columns::check(*c.after) : encode_status{};
  }
};

template <auto Key, options Opts = options::none>
inline constexpr apply_t<Key, Opts> apply{};

// What a transport reports at close about the changes of a source transaction that never ended.
inline std::string unended_transaction(std::size_t changes, position begun_at) {
  return std::to_string(changes) + " change(s) of a source transaction that did not end (begun at position " +
         std::to_string(begun_at) + ") were not applied; the stored position is before them";
}

// What one batch applies, given the changes an unfinished source transaction left from the batch
// before (`carried`): the changes up to the last point outside a source transaction, coalesced;
// the rest waits. Pure, so a failed attempt leaves the caller's state as it was.
template <class Row, auto Key>
struct batch_plan {
  std::vector<change<Row>> work;   // carried + batch, only when something was carried
  std::span<const change<Row>> all;  // what the plan indexes: work, or the batch itself
  std::size_t carried = 0;           // the first `carried` of `all` came from earlier batches
  std::size_t applicable = 0;        // all[0, applicable) is applied now, the rest carried
  coalesced<Row, Key> result;
  bool in_transaction = false;       // the source transaction open after all[applicable - 1]

  // A change's index in the batch, or -1 for one carried from an earlier batch.
  std::ptrdiff_t batch_index(const change<Row>* c) const noexcept {
    const std::size_t i = static_cast<std::size_t>(c - all.data());
    return i < carried ? -1 : static_cast<std::ptrdiff_t>(i - carried);
  }
  std::vector<change<Row>> rest() const { return {all.begin() + applicable, all.end()}; }
};

template <auto Key, class Row>
batch_plan<Row, Key> plan_batch(const std::vector<change<Row>>& carried, std::span<const change<Row>> batch,
                                position applied) {
  batch_plan<Row, Key> p;
  if (carried.empty()) {
    p.all = batch;
  } else {
    p.work.reserve(carried.size() + batch.size());
    p.work.insert(p.work.end(), carried.begin(), carried.end());
    p.work.insert(p.work.end(), batch.begin(), batch.end());
    p.all = p.work;
    p.carried = carried.size();
  }
  // Carried changes start with their begin: the walk starts outside a transaction.
  bool open = false;
  for (std::size_t i = 0; i < p.all.size(); ++i) {
    if (p.all[i].kind == op::begin) open = true;
    else if (p.all[i].kind == op::commit) open = false;
    if (!open) p.applicable = i + 1;
  }
  p.in_transaction = p.applicable < p.all.size();
  p.result = coalesce<Key>(p.all.first(p.applicable), applied);
  return p;
}

}  // namespace sinkforge::inline v1::cdc
