// What a transport can do, as compile-time traits. The composition rules read them (exactly_once
// needs `transactions`; deliver::idempotent keeps a window of keys unless the transport can
// `upsert`), the async frontend bounds its sends by `max_concurrent_sends`, and docs/databases.md
// lists them for every transport. A transport declares them as
//
//   static constexpr transport_capabilities capabilities{.upsert = true, .transactions = true, ...};
//
// and one that does not (a transport of a program's own, written before these traits) is read
// from what it does declare: `upserts`, `max_concurrent_sends`, and a committable (transport/
// concept.hpp: capabilities_of).
#pragma once
#include <cstddef>
#include <cstdint>

namespace sinkforge::inline v1 {

// How records reach the system.
enum class loading_model : std::uint8_t {
  append,     // bytes appended to a stream or a file
  statement,  // one bound statement per record (SQLite's prepared INSERT)
  bulk        // one bulk operation per batch (PostgreSQL's COPY)
};

struct transport_capabilities {
  bool upsert = false;            // writes by key, so a record written again replaces itself
  bool remove = false;            // deletes a record by key (change data capture's deletes)
  bool transactions = false;      // makes a group of batches visible atomically (two-phase commit)
  bool schema_evolution = false;  // adds the columns a record has and the table lacks, when asked
  loading_model loading = loading_model::append;
  // Records per send: below `min_batch` a send costs more than it carries (advice, not enforced);
  // above `max_batch` the system refuses a send (0: no limit).
  std::size_t min_batch = 1;
  std::size_t max_batch = 0;
  // Records per batch the registry uses when a URI does not say (batch.max_records): 0, its own
  // default of 500.
  std::size_t preferred_batch = 0;
  std::size_t max_concurrent_sends = 1;  // sends that may overlap (concurrency::async's max_in_flight)
};

}  // namespace sinkforge::inline v1
