// The transport family: how a sealed batch reaches the external system, and what it can promise.
//
// A transport is given to make_sink as a configuration (an aggregate). At construction the sink
// calls `config.template open<T, Payload>(ctx)` when the configuration has it, and keeps the
// returned connection; otherwise the configuration itself is the connection. The connection sends:
//
//   send_result send(const record_batch<Key, Payload>&)   required
//   void close()                                          optional: release resources
//   void flush()                                          optional: make sent data durable
//
// Capabilities are compile-time members of the configuration:
//   template <class P> static constexpr bool accepts_payload      which serializers fit
//   template <class T> static consteval void check_record()       static_asserts on the record type
//   using default_serializer = ...;                               when none is given
//   static constexpr transport_capabilities capabilities          what it can do (capabilities.hpp)
#pragma once
#include <concepts>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sinkforge/error.hpp>
#include <sinkforge/payload/byte_records.hpp>
#include <sinkforge/policy.hpp>
#include <sinkforge/record_batch.hpp>
#include <sinkforge/transport/capabilities.hpp>

namespace sinkforge::inline v1 {

// Something a transport found and repaired outside a send (a torn tail it cut from a file it
// reopened): the sink hands it to on_error as a delivery_error of one entry.
struct transport_notice {
  std::string payload;  // the bytes concerned, or a part of them
  std::string reason;
};

// What a transport learns of the sink when it opens.
struct transport_context {
  std::string preamble;       // bytes to write first in every new file (CSV header), may be empty
  record_boundary boundary;   // how the serializer ends a record (for repairing torn files)
  void* notice_target = nullptr;
  void (*notice_fn)(void*, transport_notice&&) = nullptr;
  // Under deliver::idempotent, for a transport that upserts (capabilities.upsert): the key column.
  const char* upsert_key = nullptr;

  void notice(transport_notice&& n) const {
    if (notice_fn) notice_fn(notice_target, std::move(n));
  }
};

template <class Tr>
concept transport = policy_of<Tr, family::transport> && std::move_constructible<Tr>;

namespace transport_detail {
template <class Tr, class T, class P>
decltype(auto) open(Tr& config, const transport_context& cx) {
  if constexpr (requires { config.template open<T, P>(cx); }) return config.template open<T, P>(cx);
  else return static_cast<Tr&>(config);
}
}  // namespace transport_detail

// The connection type a transport configuration yields for records T encoded as payload P.
template <class Tr, class T, class P>
using connection_t = std::remove_cvref_t<decltype(transport_detail::open<Tr, T, P>(
    std::declval<Tr&>(), std::declval<const transport_context&>()))>;

template <class C, class Batch>
concept connection_for = requires(C& c, const Batch& b) {
  { c.send(b) } -> std::same_as<send_result>;
};

template <class Tr, class P>
inline constexpr bool transport_accepts_payload = [] {
  if constexpr (requires { Tr::template accepts_payload<P>; }) return Tr::template accepts_payload<P>;
  else return true;
}();

// The transport's verdict on a record type (checked with a message by its check_record()).
template <class Tr, class T>
inline constexpr bool transport_accepts_record = [] {
  if constexpr (requires { Tr::template accepts_record<T>; }) return Tr::template accepts_record<T>;
  else return true;
}();

// The serializer a transport declares as its default, or void when it declares none.
template <class Tr>
struct declared_serializer {
  using type = void;
};
template <class Tr>
  requires requires { typename Tr::default_serializer; }
struct declared_serializer<Tr> {
  using type = typename Tr::default_serializer;
};

// Two-phase commit (deliver::exactly_once). A transactional transport's configuration names its
// committable - what prepare hands back: small, and still valid after a restart - encodes it for a
// writer_state, and opens a transactional connection with `open_transactional<T, P>(cx)`. That
// connection sends batches into the open transaction and:
//
//   committable prepare(std::uint64_t checkpoint, std::string_view source_position)
//                                                   durable, not yet visible; throws on failure
//   send_result commit(const committable&)          visible; idempotent, so a commit repeated
//                                                   after a crash is harmless
//   void abort_open() noexcept                      drops the open transaction
//   send_result recover(std::vector<committable>)   commits these, aborts every other one staged
//   std::vector<std::uint64_t> staged()             the checkpoints found staged and undecided
//   scope()                                         names the target in a writer_state (never
//                                                   a credential: it appears in errors)
// and optionally
//   std::vector<committable> retained()             committed, but not yet durable: the writer
//                                                   state keeps them for recovery to repeat
//   void will_close(std::uint64_t final_checkpoint) the checkpoint close() takes itself follows
//   std::optional<checkpoint_record> committed_checkpoint()
//                                                   the last checkpoint the target itself recorded
//                                                   as committed, for a transport that commits the
//                                                   source position with the data (SQLite)
// A checkpoint as a target records it: its id and the source position committed with it.
struct checkpoint_record {
  std::uint64_t id = 0;
  std::string source_position{};
};

template <class Tr>
concept transactional_transport =
    transport<Tr> && requires { typename Tr::committable; } &&
    requires(const typename Tr::committable& c, std::string_view encoded) {
      { Tr::encode_committable(c) } -> std::same_as<std::string>;
      { Tr::decode_committable(encoded) } -> std::same_as<typename Tr::committable>;
    };

template <class C, class Committable>
concept transactional_connection =
    requires(C& c, const C& cc, std::uint64_t checkpoint, std::string_view position, const Committable& k,
             std::vector<Committable> ks) {
      { c.prepare(checkpoint, position) } -> std::same_as<Committable>;
      { c.commit(k) } -> std::same_as<send_result>;
      { c.abort_open() } noexcept;
      { c.recover(std::move(ks)) } -> std::same_as<send_result>;
      { c.staged() } -> std::same_as<std::vector<std::uint64_t>>;
      { cc.scope() } -> std::convertible_to<std::string_view>;
    };

// A transport's capabilities: what it declares, or what its older declarations (`upserts`,
// `max_concurrent_sends`, a committable) say. A declaration of `transactions` must come with the
// two-phase-commit members (the rule transactions_are_transactional checks it with a message).
template <class Tr>
inline constexpr transport_capabilities capabilities_of = [] {
  if constexpr (requires { Tr::capabilities; }) {
    return transport_capabilities{Tr::capabilities};
  } else {
    transport_capabilities c;
    if constexpr (requires { Tr::upserts; }) c.upsert = bool{Tr::upserts};
    if constexpr (requires { Tr::max_concurrent_sends; }) c.max_concurrent_sends = std::size_t{Tr::max_concurrent_sends};
    c.transactions = transactional_transport<Tr>;
    return c;
  }
}();

// Whether the transport writes by key (an upsert), so that deliver::idempotent needs no window.
template <class Tr>
inline constexpr bool transport_upserts = capabilities_of<Tr>.upsert;

template <class Tr>
inline constexpr std::size_t max_concurrent_sends = capabilities_of<Tr>.max_concurrent_sends;

namespace transport_detail {
template <class Tr, class T, class P, bool Transactional>
decltype(auto) open_for(Tr& config, const transport_context& cx) {
  if constexpr (Transactional) return config.template open_transactional<T, P>(cx);
  else return open<Tr, T, P>(config, cx);
}
}  // namespace transport_detail

// The connection a sink holds: the transactional one under exactly_once.
template <class Tr, class T, class P, bool Transactional>
using sink_connection_t = std::remove_cvref_t<decltype(transport_detail::open_for<Tr, T, P, Transactional>(
    std::declval<Tr&>(), std::declval<const transport_context&>()))>;

}  // namespace sinkforge::inline v1
