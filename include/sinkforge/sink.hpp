// make_sink<T>(transport, policies...): compose a sink from policies given in any order.
//
//   auto sink = sf::make_sink<Order>(
//       sf::sqlite::table{.path = "shop.db", .name = "orders"},
//       sf::batch::max_records{500} | sf::batch::max_age{200ms},
//       sf::retry::exponential{.max_attempts = 5},
//       sf::partition::by<&Order::customer>);
//
// Each family left out takes its default: serializer - the transport's (ndjson for byte
// transports, columns for SQL tables); batching - max_records{500}; retry - exponential{} (none
// under at_most_once); delivery - at_least_once; partition - none; concurrency - synchronous;
// metrics - none; dead_letter - none (failures are thrown); clock - steady; on_error - to_stderr.
// Under deliver::exactly_once, sf::restore(stored checkpoint) may be given too (checkpoint/restore.hpp).
// The result is a concrete type: every call on the per-record path is resolved at compile time.
#pragma once
#include <type_traits>
#include <utility>

#include <sinkforge/batch/concept.hpp>
#include <sinkforge/batch/max_records.hpp>
#include <sinkforge/checkpoint/restore.hpp>
#include <sinkforge/clock.hpp>
#include <sinkforge/concurrency/concept.hpp>
#include <sinkforge/concurrency/synchronous.hpp>
#include <sinkforge/dead_letter/policy.hpp>
#include <sinkforge/deliver/guarantee.hpp>
#include <sinkforge/engine/compose.hpp>
#include <sinkforge/engine/frontend.hpp>
#include <sinkforge/engine/policies.hpp>
#include <sinkforge/engine/rules.hpp>
#include <sinkforge/engine/synchronous_sink.hpp>
#include <sinkforge/metrics/concept.hpp>
#include <sinkforge/metrics/none.hpp>
#include <sinkforge/on_error.hpp>
#include <sinkforge/partition/concept.hpp>
#include <sinkforge/retry/concept.hpp>
#include <sinkforge/retry/exponential.hpp>
#include <sinkforge/retry/none.hpp>
#include <sinkforge/serialize/concept.hpp>
#include <sinkforge/serialize/json.hpp>
#include <sinkforge/transport/concept.hpp>

namespace sinkforge::inline v1::detail {
// The transport's default serializer, or ndjson when it declares none.
template <class Tr>
using default_serializer_t =
    std::conditional_t<std::is_void_v<typename declared_serializer<Tr>::type>, serialize::ndjson,
                       typename declared_serializer<Tr>::type>;

}  // namespace sinkforge::inline v1::detail

namespace sinkforge::inline v1 {

namespace detail {

template <class... Ps>
struct resolved {
  using transport_type = pick_t<family::transport, void*, Ps...>;
  using serializer_type = pick_t<family::serializer, default_serializer_t<transport_type>, Ps...>;
  using batching_type = pick_t<family::batching, batch::max_records, Ps...>;
  using delivery_type = pick_t<family::delivery, deliver::at_least_once_t, Ps...>;
  using retry_type = pick_t<family::retry,
                       std::conditional_t<delivery_type::value == guarantee::at_most_once, retry::none,
                                          retry::exponential>,
                       Ps...>;
  using partitioner_type = pick_t<family::partition, partition::none, Ps...>;
  using concurrency_type = pick_t<family::concurrency, concurrency::synchronous, Ps...>;
  using metrics_type = pick_t<family::metrics, metrics::none, Ps...>;
  using dead_letter_type = pick_t<family::dead_letter, dead_letter::none, Ps...>;
  using clock_type = pick_t<family::clock, clock::steady, Ps...>;
  using error_handler_type = pick_t<family::error_handler, errors::to_stderr, Ps...>;
  using restore_type = pick_t<family::restore, checkpoint::no_restore, Ps...>;
  using policies_type = sinkforge::policies<transport_type, serializer_type, batching_type, retry_type, delivery_type,
                                            partitioner_type, concurrency_type, metrics_type, dead_letter_type,
                                            clock_type, error_handler_type, restore_type>;
  static constexpr bool exactly_once = delivery_type::value == guarantee::exactly_once;
};

// Everything a rule may ask about one make_sink<T>(args...) call. `resolved` is named here but
// instantiated only by the rules that read it, which run after the argument rules held.
template <class T, class... Ps>
struct composition {
  using record = T;
  using R = resolved<Ps...>;
  template <class Family>
  static constexpr std::size_t count = count_of<Family, Ps...>;
  static constexpr bool explicit_retry = count_of<family::retry, Ps...> == 1;
  static constexpr bool all_policies = (policy<Ps> && ...);
  static constexpr std::size_t first_non_policy = [] {
    constexpr bool is[] = {policy<Ps>..., false};
    std::size_t i = 0;
    while (i < sizeof...(Ps) && is[i]) ++i;
    return i;
  }();
  template <std::size_t I>
  using argument = typename nth_type<I, Ps...>::type;
};

// Named so that the compiler's note shows the position (from 1) and the type of the argument.
template <std::size_t Position, class Argument>
inline constexpr bool argument_is_a_sinkforge_policy = policy<Argument>;
// Named so that the note shows what the clock's now() returns.
template <class Clock, class NowReturns>
inline constexpr bool clock_now_returns_sinkforge_steady_time = std::is_same_v<NowReturns, steady_time>;

// The composition rules, in the order they are checked; each message starts with what to do.
namespace rules {

template <class Family>
struct at_most_one {
  template <class C>
  static constexpr bool holds = C::template count<Family> <= 1;
  template <class C>
  static void fail();
};
#define SINKFORGE_AT_MOST_ONE(family_tag, text)                                                              \
  template <>                                                                                                \
  template <class C>                                                                                         \
  void at_most_one<family::family_tag>::fail() {                                                             \
    static_assert(holds<C>, "sinkforge::make_sink<T>(...): " text);                                          \
  }
SINKFORGE_AT_MOST_ONE(serializer, "give at most one serializer; two were given")
SINKFORGE_AT_MOST_ONE(batching, "combine batching policies with |, e.g. batch::max_records{500} | "
                                "batch::max_age{200ms}; two were given separately")
SINKFORGE_AT_MOST_ONE(retry, "give at most one retry policy; two were given")
SINKFORGE_AT_MOST_ONE(delivery, "give at most one delivery guarantee; two were given")
SINKFORGE_AT_MOST_ONE(partition, "combine partitioners with partition::composite(a, b); two were given separately")
SINKFORGE_AT_MOST_ONE(concurrency, "give at most one concurrency policy; two were given")
SINKFORGE_AT_MOST_ONE(metrics, "give at most one metrics policy; two were given")
SINKFORGE_AT_MOST_ONE(dead_letter, "give at most one dead-letter target; two were given")
SINKFORGE_AT_MOST_ONE(clock, "give at most one clock; two were given")
SINKFORGE_AT_MOST_ONE(error_handler, "give at most one on_error handler; two were given")
SINKFORGE_AT_MOST_ONE(restore, "give at most one sf::restore(...); two were given")
#undef SINKFORGE_AT_MOST_ONE

struct record_is_plain {
  template <class C>
  static constexpr bool holds = std::is_object_v<typename C::record> && !std::is_const_v<typename C::record> &&
                                !std::is_volatile_v<typename C::record>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink<T>: T is the record type and must be a plain object type "
                            "(no reference, no const)");
  }
};

struct arguments_are_policies {
  template <class C>
  static constexpr bool holds = C::all_policies;
  template <class C>
  static void fail() {
    not_a_policy<C::first_non_policy + 1, typename C::template argument<C::first_non_policy>>();
  }
  template <std::size_t Position, class Argument>
  static void not_a_policy() {
    static_assert(argument_is_a_sinkforge_policy<Position, Argument>,
                  "sinkforge::make_sink<T>(...): every argument must be a sinkforge policy (a transport, "
                  "serializer, batching, retry, delivery, partition, concurrency, metrics, dead_letter, clock "
                  "or on_error policy, or sf::restore(...)); the argument at the position (from 1) and of the type named in "
                  "argument_is_a_sinkforge_policy<position, type> is not");
  }
};

struct has_transport {
  template <class C>
  static constexpr bool holds = C::template count<family::transport> != 0;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink<T>(...): give a transport, e.g. sf::sqlite::table{...}, "
                            "sf::file::append{...} or sf::memory::buffer{}; there is none");
  }
};

struct one_transport {
  template <class C>
  static constexpr bool holds = C::template count<family::transport> <= 1;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink<T>(...): give one transport; two were given (a sink writes "
                            "to one transport: compose two sinks to write to two)");
  }
};

struct transport_movable {
  template <class C>
  static constexpr bool holds = transport<typename C::R::transport_type>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: the transport is not movable");
  }
};

struct serializer_encodes_record {
  template <class C>
  static constexpr bool holds = serializer_for<typename C::R::serializer_type, typename C::record>;
  // A serializer that names itself in its own message (check_record) says why; any other gets
  // the generic message.
  template <class C>
  static void fail() {
    using S = typename C::R::serializer_type;
    using T = typename C::record;
    if constexpr (requires { S::template check_record<T>(); }) S::template check_record<T>();
    else
      static_assert(holds<C>,
                    "sinkforge::make_sink<T>: the serializer cannot encode T. JSON/NDJSON need a struct "
                    "adapted with BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT whose members are "
                    "numbers, bool, strings, enums, system_clock time points, std::optional, sequences, "
                    "string-keyed maps or adapted structs; CSV needs scalar members; raw needs strings or "
                    "byte vectors");
  }
};

struct serializer_fits_transport {
  template <class C>
  static constexpr bool holds =
      transport_accepts_payload<typename C::R::transport_type,
                                payload_t<typename C::R::serializer_type, typename C::record>>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: the serializer does not fit the transport: byte transports "
                            "(ostream, file, rotating file) need a byte serializer (json, ndjson, csv, raw); "
                            "SQL tables need serialize::columns");
  }
};

struct transport_stores_record {
  template <class C>
  static constexpr bool holds = transport_accepts_record<typename C::R::transport_type, typename C::record>;
  template <class C>
  static void fail() {
    using Tr = typename C::R::transport_type;
    if constexpr (requires { Tr::template check_record<typename C::record>(); })
      Tr::template check_record<typename C::record>();
    else static_assert(holds<C>, "sinkforge::make_sink<T>: the transport cannot store records of type T");
  }
};

struct partitioner_reads_record {
  template <class C>
  static constexpr bool holds = partitioner_for<typename C::R::partitioner_type, typename C::record>;
  template <class C>
  static void fail() {
    using Part = typename C::R::partitioner_type;
    if constexpr (requires { Part::template check_record<typename C::record>(); })
      Part::template check_record<typename C::record>();
    else
      static_assert(holds<C>, "sinkforge::make_sink<T>: the partitioner reads a member T does not have; "
                              "partition by a member of T (partition::by<&T::member> or "
                              "partition::by_name<\"member\">)");
  }
};

struct connection_sends_batches {
  template <class C>
  static constexpr bool holds = [] {
    using R = typename C::R;
    using T = typename C::record;
    using P = payload_t<typename R::serializer_type, T>;
    using key = key_storage_t<partition_key_view_t<typename R::partitioner_type, T>>;
    if constexpr (R::exactly_once) return true;  // the transactional connection: exactly_once_connection
    else return connection_for<connection_t<typename R::transport_type, T, P>, record_batch<key, P>>;
  }();
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: the transport cannot send these batches: its connection "
                            "needs send(const sinkforge::record_batch<Key, Payload>&) returning "
                            "sinkforge::send_result");
  }
};

struct batching_hooks {
  template <class C>
  static constexpr bool holds = batching_policy<typename C::R::batching_type>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: the batching policy has none of full/would_overflow/deadline "
                            "hooks");
  }
};

struct retry_hooks {
  template <class C>
  static constexpr bool holds = retry_policy<typename C::R::retry_type>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: the retry policy must define state and next_delay(state&, "
                            "ctx)");
  }
};

struct delivery_names_guarantee {
  template <class C>
  static constexpr bool holds = delivery_guarantee<typename C::R::delivery_type>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: the delivery policy must name a guarantee");
  }
};

struct idempotent_key_is_a_member {
  template <class C>
  static constexpr bool holds = [] {
    using D = typename C::R::delivery_type;
    if constexpr (requires { D::key; }) return D::template keys_record<typename C::record>;
    else return true;
  }();
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink<T>: deliver::idempotent<&T::m> needs a member of T that its "
                            "reflection lists (BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT) and that is a "
                            "string, an integer or an enum");
  }
};

struct at_most_once_without_retry {
  template <class C>
  static constexpr bool holds = !(C::R::delivery_type::value == guarantee::at_most_once && C::explicit_retry &&
                                  !std::is_same_v<typename C::R::retry_type, retry::none>);
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: deliver::at_most_once never retries; remove the retry policy "
                            "or use deliver::at_least_once");
  }
};

// A change stream must reach the table in order, and its removes need a transport that deletes.
struct changes_apply_in_order {
  template <class C>
  static constexpr bool holds = [] {
    using S = typename C::R::serializer_type;
    if constexpr (requires { S::template payload<typename C::record>::applies_changes; }) {
      constexpr auto caps = capabilities_of<typename C::R::transport_type>;
      return caps.remove && caps.max_concurrent_sends == 1;
    } else {
      return true;
    }
  }();
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: cdc::apply needs a transport that removes rows by key and "
                            "applies one batch at a time (capabilities.remove, max_concurrent_sends = 1), such as "
                            "sqlite::table or postgres::table");
  }
};

struct transactions_are_transactional {
  template <class C>
  static constexpr bool holds = !capabilities_of<typename C::R::transport_type>.transactions ||
                                transactional_transport<typename C::R::transport_type>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: the transport declares capabilities.transactions but is not a "
                            "transactional_transport: give it a committable, encode_committable, decode_committable "
                            "and open_transactional (transport/concept.hpp), or declare transactions = false");
  }
};

struct exactly_once_needs_transactions {
  template <class C>
  static constexpr bool holds = C::R::delivery_type::value != guarantee::exactly_once ||
                                capabilities_of<typename C::R::transport_type>.transactions;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: deliver::exactly_once needs a transport that can do two-phase "
                            "commit (a transactional_transport: a committable and open_transactional, see "
                            "transport/concept.hpp); this transport cannot. Use deliver::at_least_once, or a transactional transport");
  }
};

struct exactly_once_deterministic {
  // A transport whose output a replay cannot repeat (files rolled by the wall clock) says so with
  // `exactly_once_deterministic = false` and its own message in check_exactly_once().
  template <class C>
  static constexpr bool holds = [] {
    using Tr = typename C::R::transport_type;
    if constexpr (C::R::exactly_once && requires { Tr::exactly_once_deterministic; })
      return bool{Tr::exactly_once_deterministic};
    else return true;
  }();
  template <class C>
  static void fail() {
    C::R::transport_type::template check_exactly_once<>();
  }
};

struct exactly_once_connection {
  template <class C>
  static constexpr bool holds = [] {
    using R = typename C::R;
    if constexpr (!R::exactly_once) return true;
    else {
      using T = typename C::record;
      using Tr = typename R::transport_type;
      using P = payload_t<typename R::serializer_type, T>;
      using key = key_storage_t<partition_key_view_t<typename R::partitioner_type, T>>;
      if constexpr (requires(Tr& t, const transport_context& cx) { t.template open_transactional<T, P>(cx); }) {
        using Conn = sink_connection_t<Tr, T, P, true>;
        return connection_for<Conn, record_batch<key, P>> && transactional_connection<Conn, typename Tr::committable>;
      } else return false;
    }
  }();
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: under deliver::exactly_once the transport must open a "
                            "transactional connection: open_transactional<T, P>(cx) returning a connection with "
                            "send(batch), prepare(id), commit(committable), abort_open() noexcept, "
                            "recover(committables), staged() and scope() (see transport/concept.hpp)");
  }
};

struct exactly_once_synchronous {
  template <class C>
  static constexpr bool holds = !(C::R::exactly_once && C::R::concurrency_type::is_async);
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: deliver::exactly_once runs on the synchronous frontend in this "
                            "version; remove concurrency::async (checkpoints are taken from the writing thread)");
  }
};

struct restore_needs_exactly_once {
  template <class C>
  static constexpr bool holds = C::R::exactly_once || C::template count<family::restore> == 0;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: sf::restore(...) recovers two-phase-commit state and needs "
                            "deliver::exactly_once; remove it or add deliver::exactly_once");
  }
};

struct concurrency_hooks {
  template <class C>
  static constexpr bool holds = concurrency_policy<typename C::R::concurrency_type>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: the concurrency policy must say whether it is async");
  }
};

struct async_frontend_included {
  template <class C>
  static constexpr bool holds = requires { sizeof(frontend_of<C::R::concurrency_type::is_async>); };
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: concurrency::async needs the async frontend: "
                            "#include <sinkforge/async.hpp>");
  }
};

struct drops_only_at_most_once {
  template <class C>
  static constexpr bool holds = !drops_records<typename C::R::concurrency_type> ||
                                C::R::delivery_type::value == guarantee::at_most_once;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: concurrency::async_drop_newest discards records when its "
                            "buffer is full, which only deliver::at_most_once allows; use concurrency::async "
                            "(when_full = block or fail) or add deliver::at_most_once");
  }
};

struct metrics_hooks {
  template <class C>
  static constexpr bool holds = metrics_policy<typename C::R::metrics_type>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: the metrics policy lacks a hook (records_in, records_out, "
                            "...)");
  }
};

struct dead_letter_hooks {
  template <class C>
  static constexpr bool holds = dead_letter_policy<typename C::R::dead_letter_type>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: the dead-letter policy must say whether it is enabled");
  }
};

struct clock_now_type {
  template <class Clock>
  static constexpr bool returns_steady_time = [] {
    if constexpr (requires(const Clock& c) { c.now(); })
      return clock_now_returns_sinkforge_steady_time<Clock, decltype(std::declval<const Clock&>().now())>;
    else return true;  // a missing now() is clock_hooks' message
  }();
  template <class C>
  static constexpr bool holds = returns_steady_time<typename C::R::clock_type>;
  template <class C>
  static void fail() {
    using Clock = typename C::R::clock_type;
    static_assert(clock_now_returns_sinkforge_steady_time<Clock, decltype(std::declval<const Clock&>().now())>,
                  "sinkforge::make_sink: the clock's now() must return sinkforge::steady_time "
                  "(std::chrono::steady_clock::time_point); it returns the type named second in "
                  "clock_now_returns_sinkforge_steady_time<clock, type>");
  }
};

struct clock_hooks {
  template <class C>
  static constexpr bool holds = clock_source<typename C::R::clock_type>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: the clock must provide now() returning sinkforge::steady_time, "
                            "wall() returning sinkforge::wall_time, and sleep_for(std::chrono::nanoseconds)");
  }
};

struct error_handler_hooks {
  template <class C>
  static constexpr bool holds = error_handler<typename C::R::error_handler_type>;
  template <class C>
  static void fail() {
    static_assert(holds<C>, "sinkforge::make_sink: on_error needs a callable taking const "
                            "sinkforge::delivery_error&");
  }
};

using all = rule_list<
    // the argument list itself
    record_is_plain, arguments_are_policies, has_transport, one_transport, at_most_one<family::serializer>,
    at_most_one<family::batching>, at_most_one<family::retry>, at_most_one<family::delivery>,
    at_most_one<family::partition>, at_most_one<family::concurrency>, at_most_one<family::metrics>,
    at_most_one<family::dead_letter>, at_most_one<family::clock>, at_most_one<family::error_handler>,
    at_most_one<family::restore>,
    // the policies against the record type and against each other
    transport_movable, serializer_encodes_record, serializer_fits_transport, transport_stores_record,
    partitioner_reads_record, connection_sends_batches, batching_hooks, retry_hooks, delivery_names_guarantee,
    idempotent_key_is_a_member, changes_apply_in_order, at_most_once_without_retry, restore_needs_exactly_once, exactly_once_deterministic,
    transactions_are_transactional, exactly_once_needs_transactions, exactly_once_connection, concurrency_hooks, exactly_once_synchronous,
    async_frontend_included, drops_only_at_most_once, metrics_hooks, dead_letter_hooks,
    clock_now_type, clock_hooks, error_handler_hooks>;

}  // namespace rules

}  // namespace detail

// Whether make_sink<T>(Ps...) composes (no rule is broken), for code that chooses among
// compositions, as the registry does.
template <class T, class... Ps>
inline constexpr bool composes = detail::first_broken_rule<detail::composition<T, std::remove_cvref_t<Ps>...>,
                                                           detail::rules::all>() == detail::rules::all::size;

template <class T, class... Args>
auto make_sink(Args&&... args) {
  using composition = detail::composition<T, std::remove_cvref_t<Args>...>;
  constexpr std::size_t broken = detail::first_broken_rule<composition, detail::rules::all>();
  if constexpr (broken < detail::rules::all::size) {
    detail::rules::all::at<broken>::template fail<composition>();
    return detail::invalid_sink{};
  } else {
    using R = detail::resolved<std::remove_cvref_t<Args>...>;
    using P = typename R::policies_type;
    using frontend = typename detail::frontend_of<R::concurrency_type::is_async>::template type<T, P>;
    auto pick = [&]<class F, class Default>(std::type_identity<F>, std::type_identity<Default>) {
      return detail::pick<F, Default>(args...);
    };
    using namespace std;
    return frontend(P{
        pick(type_identity<family::transport>{}, type_identity<typename R::transport_type>{}),
        pick(type_identity<family::serializer>{}, type_identity<typename R::serializer_type>{}),
        pick(type_identity<family::batching>{}, type_identity<typename R::batching_type>{}),
        pick(type_identity<family::retry>{}, type_identity<typename R::retry_type>{}),
        pick(type_identity<family::delivery>{}, type_identity<typename R::delivery_type>{}),
        pick(type_identity<family::partition>{}, type_identity<typename R::partitioner_type>{}),
        pick(type_identity<family::concurrency>{}, type_identity<typename R::concurrency_type>{}),
        pick(type_identity<family::metrics>{}, type_identity<typename R::metrics_type>{}),
        pick(type_identity<family::dead_letter>{}, type_identity<typename R::dead_letter_type>{}),
        pick(type_identity<family::clock>{}, type_identity<typename R::clock_type>{}),
        pick(type_identity<family::error_handler>{}, type_identity<typename R::error_handler_type>{}),
        pick(type_identity<family::restore>{}, type_identity<typename R::restore_type>{}),
    });
  }
}

// The type make_sink<T>(args...) returns, for members and containers.
template <class T, class... Args>
using sink_t = decltype(make_sink<T>(std::declval<Args>()...));

}  // namespace sinkforge::inline v1
