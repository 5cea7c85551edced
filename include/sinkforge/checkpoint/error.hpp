// What the checkpoint building blocks throw besides std::system_error (file_store's I/O).
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sinkforge/detail/concat.hpp>

namespace sinkforge::inline v1::checkpoint {

// A stored blob (an encoded writer_state, a checkpoint file, a row of a SQLite store) that cannot
// be read: wrong magic, a newer format version, truncated, a length past the end, trailing bytes, a
// checksum mismatch. what() names the blob, the field and the byte offset where reading stopped.
// Never a reason to start again from nothing: the stored state is damaged and needs a look.
class format_error : public std::runtime_error {
 public:
  format_error(std::string_view blob, std::string_view field, std::size_t offset, std::string_view problem)
      : std::runtime_error(detail::concat({"sinkforge: ", blob, ": field '", field, "' at byte ",
                                           std::to_string(offset), ": ", problem})),
        field_(field), offset_(offset) {}
  const std::string& field() const noexcept { return field_; }
  std::size_t offset() const noexcept { return offset_; }

 private:
  std::string field_;
  std::size_t offset_;
};

// A save whose checkpoint id is lower than the one already stored: checkpoints only move forward,
// so an old driver (or a restarted one that skipped load()) cannot roll the stored position back.
class stale_checkpoint_error : public std::runtime_error {
 public:
  stale_checkpoint_error(std::string_view store, std::uint64_t stored_id, std::uint64_t offered_id)
      : std::runtime_error(detail::concat({"sinkforge: ", store, ": checkpoint ", std::to_string(offered_id),
                                           " is older than the stored checkpoint ", std::to_string(stored_id),
                                           "; checkpoints only move forward"})),
        stored_id_(stored_id), offered_id_(offered_id) {}
  std::uint64_t stored_id() const noexcept { return stored_id_; }
  std::uint64_t offered_id() const noexcept { return offered_id_; }

 private:
  std::uint64_t stored_id_;
  std::uint64_t offered_id_;
};

// A checkpoint store that could not read or write its database. The message names the database
// path and the database's own error text, nothing else.
class store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A checkpoint a sink could not prepare, commit or recover. what() says which step failed and what
// the caller does next: a failed prepare aborts the open transaction (restore from the last stored
// checkpoint and replay from its source position); a failed commit may be repeated (commit is
// idempotent) or left to recovery after a restart.
class checkpoint_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sinkforge::inline v1::checkpoint
