// Change data capture: one change of a source table, as a record a sink can carry. A change
// source (PostgreSQL's logical replication, a Debezium topic, ...) produces them; a SQL transport
// applies them: insert and update as an upsert by key, remove as a delete, begin and commit as
// transaction boundaries, a heartbeat only moves the stored position forward.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace sinkforge::inline v1::cdc {

enum class op : std::uint8_t {
  insert,         // `after` is the new row
  update,         // `after` is the row now; `before` the row it was, when the source sends it (a
                  // changed key needs it: the old key is removed)
  remove,         // `before` holds at least the key of the removed row
  schema_change,  // the source table's columns changed; `after`/`before` are empty
  begin,          // a source transaction starts; the rows until its commit belong together
  commit,         // it ends
  heartbeat       // no change: the source is alive and has reached `position`
};

// Where a change stands in the source's stream (PostgreSQL: its LSN). Positions only grow: a change
// at or below the position a target recorded is already applied there.
using position = std::uint64_t;

template <class Row>
struct change {
  op kind = op::insert;
  position at = 0;
  std::optional<Row> before{};
  std::optional<Row> after{};
  std::uint64_t transaction = 0;  // the source transaction's id, where it has one
};

}  // namespace sinkforge::inline v1::cdc
