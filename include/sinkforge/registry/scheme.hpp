// A URI scheme of the registry: how `scheme:...` becomes the policies of a sink.
//
//   struct memq {                                                  // a scheme of a program's own
//     static constexpr std::string_view name = "memq";
//     static constexpr std::string_view summary = "an in-process queue";
//     static constexpr sf::registry::key_info keys[] = {{"capacity", "1000", "records it holds"}};
//     template <class T>
//     static auto policies(const sf::registry::uri& u, sf::registry::options& o) {
//       return std::tuple{my_queue{.capacity = o.integer<std::size_t>("capacity", 1000, 1)}};
//     }
//   };
//   using order_sinks = sf::registry::sinks<Order, sf::schemes::sqlite, memq>;
//
// `policies<T>` reads the URI's parts and its own keys and returns the scheme's policies — a
// transport, and a serializer or any other policy it fixes — as a std::tuple, or a std::variant of
// tuples when a key chooses between types (`format=csv` picks another serializer). It builds
// configuration only: nothing is opened before every key is known to be valid. The registry adds
// the keys every scheme shares (common_keys below: batching, retry, delivery, checkpoint, name).
//
// Optional members:
//   static constexpr std::string_view aliases[]                        more names ("postgres")
//   static constexpr bool keeps_checkpoint = true                      exactly_once needs no store:
//                                                                      the target records its checkpoint
//   static std::optional<std::string> checkpoint_file(const uri&)     the default checkpoint store
#pragma once
#include <chrono>
#include <concepts>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

#include <sinkforge/deliver/guarantee.hpp>
#include <sinkforge/registry/options.hpp>
#include <sinkforge/registry/uri.hpp>
#include <sinkforge/retry/exponential.hpp>

namespace sinkforge::inline v1::registry {

template <class S>
concept scheme = requires {
  { S::name } -> std::convertible_to<std::string_view>;
  { S::summary } -> std::convertible_to<std::string_view>;
  { std::span<const key_info>(S::keys) };
};

// The scheme's names: its name and its aliases.
template <scheme S>
constexpr bool scheme_named(std::string_view n) noexcept {
  if (n == std::string_view(S::name)) return true;
  if constexpr (requires { S::aliases; })
    for (const std::string_view a : S::aliases)
      if (n == a) return true;
  return false;
}

template <scheme S>
constexpr bool keeps_checkpoint() noexcept {
  if constexpr (requires { S::keeps_checkpoint; }) return bool{S::keeps_checkpoint};
  else return false;
}

// The keys every scheme takes, with the names the C++ API uses.
inline constexpr key_info common_keys[] = {
    {"batch.max_records", "500", "records per batch (batch::max_records); postgresql: 10000"},
    {"batch.max_age", "1s", "a batch is sent once its first record is this old (batch::max_age)"},
    {"retry.max_attempts", "5", "sends of a batch in all, the first included (retry::exponential)"},
    {"retry.initial", "50ms", "the first retry's delay"},
    {"retry.cap", "5s", "the longest delay"},
    {"retry.max_elapsed", "", "give up when the next attempt would start later than this after the first"},
    {"retry.jitter", "full", "none, full, equal or decorrelated"},
    {"delivery", "at_least_once", "at_least_once, at_most_once or exactly_once (deliver::...)"},
    {"checkpoint", "", "under exactly_once: the checkpoint store file (where the scheme's target does not record its checkpoint itself)"},
    {"name", "<scheme>:<target>", "the sink's name: the `sink` label of its metrics"},
};

// What the common keys set.
struct common_settings {
  std::size_t max_records = 500;
  bool max_records_given = false;  // otherwise the transport's preferred batch, when it has one
  std::chrono::nanoseconds max_age = std::chrono::seconds{1};
  retry::exponential retry{};
  bool retry_given = false;
  sinkforge::guarantee delivery = sinkforge::guarantee::at_least_once;
  std::optional<std::string> checkpoint{};
  std::string name{};
};

inline common_settings read_common(options& o) {
  using namespace std::chrono_literals;
  common_settings s;
  s.max_records_given = o.text("batch.max_records").has_value();
  s.max_records = o.integer<std::size_t>("batch.max_records", 500, 1, 100'000'000);
  s.max_age = o.duration("batch.max_age", 1s, 1ns);
  s.retry_given = o.has_prefix("retry.");
  s.retry.max_attempts = o.integer<std::uint32_t>("retry.max_attempts", 5, 1, 1'000'000);
  s.retry.initial = o.duration("retry.initial", 50ms, 1ns);
  s.retry.cap = o.duration("retry.cap", 5s, 1ns);
  if (s.retry.cap < s.retry.initial) o.fail("retry.cap", "must not be less than retry.initial");
  s.retry.max_elapsed = o.duration("retry.max_elapsed", std::chrono::nanoseconds::max(), 1ns);
  s.retry.jitter = static_cast<retry::jitter>(o.choice("retry.jitter", {"none", "full", "equal", "decorrelated"}, 1));
  constexpr sinkforge::guarantee by_index[] = {sinkforge::guarantee::at_least_once, sinkforge::guarantee::at_most_once,
                                            sinkforge::guarantee::exactly_once};
  s.delivery = by_index[o.choice("delivery", {"at_least_once", "at_most_once", "exactly_once"}, 0)];
  if (s.delivery == sinkforge::guarantee::at_most_once && s.retry_given)
    o.fail("delivery", "at_most_once never retries: remove the retry.* keys, or use at_least_once");
  s.checkpoint = o.text("checkpoint");
  if (s.checkpoint && s.checkpoint->empty()) o.fail("checkpoint", "names no file");
  if (s.checkpoint && s.delivery != sinkforge::guarantee::exactly_once)
    o.fail("checkpoint", "a checkpoint store is kept under delivery=exactly_once only");
  if (auto n = o.text("name")) {
    if (n->empty()) o.fail("name", "must not be empty");
    s.name = std::move(*n);
  }
  return s;
}

constexpr std::string_view to_string(sinkforge::guarantee g) noexcept {
  switch (g) {
    case sinkforge::guarantee::at_most_once: return "at_most_once";
    case sinkforge::guarantee::exactly_once: return "exactly_once";
    default: return "at_least_once";
  }
}

}  // namespace sinkforge::inline v1::registry
