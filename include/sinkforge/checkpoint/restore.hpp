// sf::restore(state): the make_sink argument that hands an exactly-once sink what its last stored
// checkpoint recorded. At construction the sink asks its transport to commit every transaction
// the state names as prepared and to abort every other one it finds staged; then it starts the
// next checkpoint.
//
//   auto sink = sf::make_sink<Order>(sf::file::append{.path = "orders.ndjson"},
//                                    sf::deliver::exactly_once, sf::restore(store.load()));
//
// store.load() is empty before the first checkpoint was stored: sf::restore(std::nullopt) says so,
// and the sink aborts whatever it finds staged. An exactly-once sink built without sf::restore that
// finds prepared transactions refuses to start (config_error): they may belong to a checkpoint the
// caller stored, and aborting them would lose its records.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sinkforge/checkpoint/stored_checkpoint.hpp>
#include <sinkforge/checkpoint/writer_state.hpp>
#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

namespace checkpoint {

struct restored_state {
  using policy_family = family::restore;
  // Empty: no checkpoint was stored; otherwise its id and the writer states it holds, encoded.
  std::optional<stored_checkpoint> checkpoint{};
};

// No sf::restore given.
struct no_restore {
  using policy_family = family::restore;
};

}  // namespace checkpoint

inline checkpoint::restored_state restore(std::optional<checkpoint::stored_checkpoint> stored) {
  return {std::move(stored)};
}
inline checkpoint::restored_state restore(checkpoint::stored_checkpoint stored) { return {std::move(stored)}; }
inline checkpoint::restored_state restore(std::nullopt_t) { return {}; }
// One writer's state, as prepare_checkpoint returned it.
inline checkpoint::restored_state restore(const checkpoint::writer_state& state) {
  return {checkpoint::stored_checkpoint{state.checkpoint_id, {}, {checkpoint::encode(state)}}};
}

using checkpoint::writer_state;

}  // namespace sinkforge::inline v1
