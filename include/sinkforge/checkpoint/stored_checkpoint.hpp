// stored_checkpoint: the latest completed checkpoint of a driver, as the checkpoint stores keep it,
// and the framed binary they keep it in (see detail/binary.hpp for the framing).
//   checkpoint file, "SFCK" v1: id u64 | source_position (u32 length + bytes)
//                               | writer_states (u32 count, each u32 length + bytes) | CRC-32
//   writer-state list, "SFST" v1 (a SQLite store's `states` column): writer_states as above | CRC-32
// The version rule is writer_state's: every version once written stays readable.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/checkpoint/detail/binary.hpp>
#include <sinkforge/checkpoint/error.hpp>

namespace sinkforge::inline v1::checkpoint {

struct stored_checkpoint {
  std::uint64_t id = 0;
  std::string source_position{};             // opaque to the store: an input offset, a log position, ...
  std::vector<std::string> writer_states{};  // encode(writer_state) of each sink writer, one per subtask

  friend bool operator==(const stored_checkpoint&, const stored_checkpoint&) = default;
};

namespace detail {

inline constexpr std::uint16_t checkpoint_file_version = 1;
inline constexpr std::uint16_t state_list_version = 1;

inline std::string encode_checkpoint_file(const stored_checkpoint& c) {
  std::string out = begin_frame("SFCK", checkpoint_file_version);
  put_le(out, c.id);
  put_bytes(out, c.source_position, "stored_checkpoint.source_position");
  put_list(out, c.writer_states, "stored_checkpoint.writer_states");
  end_frame(out);
  return out;
}

// `blob_name` says where the bytes came from in a format_error ("checkpoint file '/var/x.ckpt'").
inline stored_checkpoint decode_checkpoint_file(std::string_view bytes, std::string_view blob_name) {
  reader r(bytes, blob_name);
  r.header("SFCK", checkpoint_file_version);
  stored_checkpoint c;
  c.id = r.u64("id");
  c.source_position = std::string(r.bytes("source_position"));
  c.writer_states = r.list("writer_states");
  r.finish();
  return c;
}

inline std::string encode_state_list(const std::vector<std::string>& states) {
  std::string out = begin_frame("SFST", state_list_version);
  put_list(out, states, "stored_checkpoint.writer_states");
  end_frame(out);
  return out;
}

inline std::vector<std::string> decode_state_list(std::string_view bytes, std::string_view blob_name) {
  reader r(bytes, blob_name);
  r.header("SFST", state_list_version);
  std::vector<std::string> states = r.list("writer_states");
  r.finish();
  return states;
}

}  // namespace detail
}  // namespace sinkforge::inline v1::checkpoint
