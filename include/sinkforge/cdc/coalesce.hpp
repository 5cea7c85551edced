// Reduces a batch of changes to what applying them in order leaves behind, per key: the last row of
// a key that still exists (an upsert) or the fact that it was removed (a delete). Applying the
// upserts and deletes of the result in any order gives the same table as applying every change one
// by one, in position order - an update followed by a remove ends removed, a remove followed by an
// insert ends inserted - so a transport can apply a batch with two bulk statements and lose no
// ordering. Changes at or below `applied` (the position the target recorded) are skipped: a batch
// replayed after a crash changes nothing.
#pragma once
#include <cstddef>
#include <span>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <sinkforge/cdc/change.hpp>

namespace sinkforge::inline v1::cdc {

template <class Row, auto Key>
using key_of = std::remove_cvref_t<decltype(std::declval<const Row&>().*Key)>;

// A key that ends removed, and the change that removed it: a remove, or an update that moved the
// row to another key (its `before` holds the old key).
template <class Row, class K>
struct removal {
  K key;
  position at = 0;
  const change<Row>* by = nullptr;
};

template <class Row, auto Key>
struct coalesced {
  // The change that left each existing key's row (its `after`), in position order.
  std::vector<const change<Row>*> upserts;
  std::vector<removal<Row, key_of<Row, Key>>> removes;  // the keys that end removed
  position last = 0;                        // the highest position seen (heartbeats and markers too)
  std::size_t skipped = 0;                  // changes at or below `applied`
};

// `changes` in position order (as a source delivers them). Rows are referenced, not copied: the
// result lives as long as `changes`.
template <auto Key, class Row>
coalesced<Row, Key> coalesce(std::span<const change<Row>> changes, position applied) {
  using K = key_of<Row, Key>;
  // The final state per key: the index of its last change, and whether that removed it.
  struct last_change {
    std::size_t index;
    bool removed;
  };
  std::unordered_map<K, last_change> state;
  std::vector<K> order;  // keys in the order they were first touched, for a stable result
  coalesced<Row, Key> out;
  out.last = applied;
  auto touch = [&](const K& k, last_change v) {
    auto [it, fresh] = state.try_emplace(k, v);
    if (fresh) order.push_back(k);
    else it->second = v;
  };
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const change<Row>& c = changes[i];
    if (c.at <= applied) {
      ++out.skipped;
      continue;
    }
    if (c.at > out.last) out.last = c.at;
    switch (c.kind) {
      case op::insert:
        if (c.after) touch((*c.after).*Key, {i, false});
        break;
      case op::update:
        // A changed key: the row left its old key.
        if (c.before && c.after && !((*c.before).*Key == (*c.after).*Key)) touch((*c.before).*Key, {i, true});
        if (c.after) touch((*c.after).*Key, {i, false});
        break;
      case op::remove:
        if (c.before) touch((*c.before).*Key, {i, true});
        break;
      case op::schema_change:
      case op::begin:
      case op::commit:
      case op::heartbeat:
        break;
    }
  }
  // Upserts in the order of their rows' positions: mark each key's last row, then walk in order.
  std::vector<bool> last_row(changes.size(), false);
  std::size_t upserts = 0;
  for (const K& k : order) {
    const last_change v = state.find(k)->second;
    if (v.removed) out.removes.push_back({k, changes[v.index].at, &changes[v.index]});
    else last_row[v.index] = true, ++upserts;
  }
  out.upserts.reserve(upserts);
  for (std::size_t i = 0; i < changes.size(); ++i)
    if (last_row[i]) out.upserts.push_back(&changes[i]);
  return out;
}

template <auto Key, class Row>
coalesced<Row, Key> coalesce(const std::vector<change<Row>>& changes, position applied) {
  return coalesce<Key>(std::span<const change<Row>>(changes), applied);
}

}  // namespace sinkforge::inline v1::cdc
