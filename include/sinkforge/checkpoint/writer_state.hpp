// writer_state: what one sink writer (one subtask of one sink) hands to a checkpoint, and the
// versioned binary it is stored in.
//
// Format, version 1, little-endian (see detail/binary.hpp for the framing):
//   "SFWS" | u16 version = 1 | u16 flags = 0
//   | sink (u32 length + bytes) | subtask u32 | checkpoint_id u64
//   | committables (u32 count, each u32 length + bytes) | pending (likewise)
//   | u32 CRC-32 (zlib) of every byte before it
// Version rule: a blob once written is read by every later version of this library. A change of
// layout takes a new version number; decode keeps reading every older one and rejects a newer one
// ("format version 2; this library reads up to 1") rather than guessing at it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <sinkforge/checkpoint/detail/binary.hpp>
#include <sinkforge/checkpoint/error.hpp>
#include <sinkforge/error.hpp>

namespace sinkforge::inline v1::checkpoint {

// Every member has a default member initializer, so designated initializers may leave any out.
struct writer_state {
  std::string sink{};                       // the sink's name
  std::uint32_t subtask = 0;                // the partition or worker index of this writer
  std::uint64_t checkpoint_id = 0;
  std::vector<std::string> committables{};  // prepared-transaction handles, encoded by the transport
  std::vector<std::string> pending{};       // records accepted but in no prepared transaction yet, encoded

  friend bool operator==(const writer_state&, const writer_state&) = default;
};

inline constexpr std::uint16_t writer_state_version = 1;

inline std::string encode(const writer_state& s) {
  std::string out = detail::begin_frame("SFWS", writer_state_version);
  detail::put_bytes(out, s.sink, "writer_state.sink");
  detail::put_le(out, s.subtask);
  detail::put_le(out, s.checkpoint_id);
  detail::put_list(out, s.committables, "writer_state.committables");
  detail::put_list(out, s.pending, "writer_state.pending");
  detail::end_frame(out);
  return out;
}

// Throws format_error (naming the field and byte offset) for anything but a whole, intact blob of a
// version this library reads.
inline writer_state decode(std::string_view blob) {
  detail::reader r(blob, "writer_state");
  r.header("SFWS", writer_state_version);
  writer_state s;
  s.sink = std::string(r.bytes("sink"));
  s.subtask = r.u32("subtask");
  s.checkpoint_id = r.u64("checkpoint_id");
  s.committables = r.list("committables");
  s.pending = r.list("pending");
  r.finish();
  return s;
}

// The id of the transaction a writer prepares for a checkpoint: always the same for the same sink,
// subtask and checkpoint, so recovery names a lingering prepared transaction directly instead of
// listing and searching what the backend holds.
//
//   transaction_id("orders", 3, 42)     == "sinkforge-orders-3-42"
//   transaction_id("eu.orders", 0, 7)   == "sinkforge-eu_2eorders-0-7"
//
// Rule: ASCII letters and digits of the sink name stay as they are; every other byte ('_' and '-'
// included) becomes '_' and two lowercase hex digits. The id so holds only [A-Za-z0-9_-]: a file
// name component on any file system, text that goes into a SQL string literal or a PostgreSQL or
// Kafka transaction id without quoting, and never a path separator, quote, space or '%'. The escaped
// name holds no '-', so the id splits back into its four parts, and two names never share an id.
// The id is shorter than 200 bytes (PostgreSQL's limit for a prepared transaction) for every
// subtask and checkpoint: the sink name is checked against the longest numbers (10 and 20 digits),
// so a name accepted once is accepted at every checkpoint. An empty or too long name is a
// config_error; check_transaction_sink_name(sink) checks it alone, when a sink is built.
inline constexpr std::size_t transaction_id_max_length = 199;

// The escaped form of a sink name in transaction ids (see transaction_id).
inline std::string escaped_transaction_sink_name(std::string_view sink) {
  std::string out;
  for (char ch : sink) {
    const auto u = static_cast<unsigned char>(ch);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')) out += ch;
    else detail::append_hex_byte(out, "_", u);
  }
  return out;
}

inline std::string check_transaction_sink_name(std::string_view sink) {
  if (sink.empty()) throw config_error("checkpoint::transaction_id.sink", "must not be empty");
  std::string escaped = escaped_transaction_sink_name(sink);
  // "sinkforge-" + name + "-" + 10 digits + "-" + 20 digits.
  const std::size_t longest = 10 + escaped.size() + 1 + 10 + 1 + 20;
  if (longest > transaction_id_max_length)
    throw config_error("checkpoint::transaction_id.sink",
                       detail::concat({"makes ids of up to ", std::to_string(longest), " bytes; at most ",
                                       std::to_string(transaction_id_max_length), " (use a shorter sink name)"}));
  return escaped;
}

inline std::string transaction_id(std::string_view sink, std::uint32_t subtask, std::uint64_t checkpoint_id) {
  return detail::concat({"sinkforge-", check_transaction_sink_name(sink), "-", std::to_string(subtask), "-",
                         std::to_string(checkpoint_id)});
}

}  // namespace sinkforge::inline v1::checkpoint
