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
// The result is a concrete type: every call on the per-record path is resolved at compile time.
#pragma once
#include <type_traits>
#include <utility>

#include <sinkforge/batch/concept.hpp>
#include <sinkforge/batch/max_records.hpp>
#include <sinkforge/clock.hpp>
#include <sinkforge/concurrency/concept.hpp>
#include <sinkforge/concurrency/synchronous.hpp>
#include <sinkforge/dead_letter/policy.hpp>
#include <sinkforge/deliver/guarantee.hpp>
#include <sinkforge/detail/compose.hpp>
#include <sinkforge/detail/policies.hpp>
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
  using policies_type = sinkforge::policies<transport_type, serializer_type, batching_type, retry_type, delivery_type,
                                            partitioner_type, concurrency_type, metrics_type, dead_letter_type,
                                            clock_type, error_handler_type>;
};

// Step 1: the argument list itself. Each message starts with what to do.
template <class T, class... Ps>
inline constexpr bool arguments_valid =
    std::is_object_v<T> && !std::is_const_v<T> && (policy<Ps> && ...) &&
    count_of<family::transport, Ps...> == 1 && count_of<family::serializer, Ps...> <= 1 &&
    count_of<family::batching, Ps...> <= 1 && count_of<family::retry, Ps...> <= 1 &&
    count_of<family::delivery, Ps...> <= 1 && count_of<family::partition, Ps...> <= 1 &&
    count_of<family::concurrency, Ps...> <= 1 && count_of<family::metrics, Ps...> <= 1 &&
    count_of<family::dead_letter, Ps...> <= 1 && count_of<family::clock, Ps...> <= 1 &&
    count_of<family::error_handler, Ps...> <= 1;

template <class T, class... Ps>
void check_arguments() {
  static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                "sinkforge::make_sink<T>: T is the record type and must be a plain object type "
                "(no reference, no const)");
  static_assert((policy<Ps> && ...),
                "sinkforge::make_sink<T>(...): every argument must be a sinkforge policy (a transport, "
                "serializer, batching, retry, delivery, partition, concurrency, metrics, dead_letter, "
                "clock or on_error policy); one argument is not");
  static_assert(count_of<family::transport, Ps...> != 0,
                "sinkforge::make_sink<T>(...): give a transport, e.g. sf::sqlite::table{...}, "
                "sf::file::append{...} or sf::memory::buffer{}; there is none");
  static_assert(count_of<family::transport, Ps...> <= 1,
                "sinkforge::make_sink<T>(...): give one transport; two were given (a sink writes to one "
                "transport: compose two sinks to write to two)");
  static_assert(count_of<family::serializer, Ps...> <= 1,
                "sinkforge::make_sink<T>(...): give at most one serializer; two were given");
  static_assert(count_of<family::batching, Ps...> <= 1,
                "sinkforge::make_sink<T>(...): combine batching policies with |, e.g. "
                "batch::max_records{500} | batch::max_age{200ms}; two were given separately");
  static_assert(count_of<family::retry, Ps...> <= 1,
                "sinkforge::make_sink<T>(...): give at most one retry policy; two were given");
  static_assert(count_of<family::delivery, Ps...> <= 1,
                "sinkforge::make_sink<T>(...): give at most one delivery guarantee; two were given");
  static_assert(count_of<family::partition, Ps...> <= 1,
                "sinkforge::make_sink<T>(...): combine partitioners with partition::composite(a, b); "
                "two were given separately");
  static_assert(count_of<family::concurrency, Ps...> <= 1,
                "sinkforge::make_sink<T>(...): give at most one concurrency policy; two were given");
  static_assert(count_of<family::metrics, Ps...> <= 1,
                "sinkforge::make_sink<T>(...): give at most one metrics policy; two were given");
  static_assert(count_of<family::dead_letter, Ps...> <= 1,
                "sinkforge::make_sink<T>(...): give at most one dead-letter target; two were given");
  static_assert(count_of<family::clock, Ps...> <= 1,
                "sinkforge::make_sink<T>(...): give at most one clock; two were given");
  static_assert(count_of<family::error_handler, Ps...> <= 1,
                "sinkforge::make_sink<T>(...): give at most one on_error handler; two were given");
}

// Step 2: the policies against the record type and against each other.
template <class T, class R, bool ExplicitRetry>
void check_composition() {
  using Tr = typename R::transport_type;
  using S = typename R::serializer_type;
  static_assert(transport<Tr>, "sinkforge::make_sink: the transport is not movable");
  // A serializer that rejects T and names itself in its own message (check_record) says why;
  // any other gets the generic message.
  if constexpr (requires {
                  S::template check_record<T>();
                  requires !S::template can_encode<T>;
                })
    S::template check_record<T>();
  else static_assert(serializer_for<S, T>,
                "sinkforge::make_sink<T>: the serializer cannot encode T. JSON/NDJSON need a struct adapted "
                "with BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT whose members are numbers, bool, "
                "strings, enums, system_clock time points, std::optional, sequences, string-keyed maps or "
                "adapted structs; CSV needs scalar members; raw needs strings or byte vectors");
  if constexpr (serializer_for<S, T>) {
    static_assert(transport_accepts_payload<Tr, payload_t<S, T>>,
                  "sinkforge::make_sink: the serializer does not fit the transport: byte transports "
                  "(ostream, file, rotating file) need a byte serializer (json, ndjson, csv, raw); "
                  "SQL tables need serialize::columns");
    if constexpr (requires { Tr::template check_record<T>(); }) Tr::template check_record<T>();
    if constexpr (partitioner_for<typename R::partitioner_type, T> && transport_accepts_payload<Tr, payload_t<S, T>>) {
      using key = key_storage_t<partition_key_view_t<typename R::partitioner_type, T>>;
      static_assert(connection_for<connection_t<Tr, T, payload_t<S, T>>, record_batch<key, payload_t<S, T>>>,
                    "sinkforge::make_sink: the transport cannot send these batches: its connection needs "
                    "send(const sinkforge::record_batch<Key, Payload>&) returning sinkforge::send_result");
    }
  }
  static_assert(batching_policy<typename R::batching_type>,
                "sinkforge::make_sink: the batching policy has none of full/would_overflow/deadline hooks");
  static_assert(retry_policy<typename R::retry_type>,
                "sinkforge::make_sink: the retry policy must define state and next_delay(state&, ctx)");
  static_assert(delivery_guarantee<typename R::delivery_type>,
                "sinkforge::make_sink: the delivery policy must name a guarantee");
  static_assert(!(R::delivery_type::value == guarantee::at_most_once && ExplicitRetry &&
                  !std::is_same_v<typename R::retry_type, retry::none>),
                "sinkforge::make_sink: deliver::at_most_once never retries; remove the retry policy or use "
                "deliver::at_least_once");
  static_assert(R::delivery_type::value != guarantee::exactly_once || transactional_transport<Tr>,
                "sinkforge::make_sink: deliver::exactly_once needs a transport that can do two-phase commit "
                "(a transactional_transport: prepare/commit/abort/recover); this transport cannot. Use "
                "deliver::at_least_once, or a transactional transport");
  static_assert(R::delivery_type::value != guarantee::exactly_once || !transactional_transport<Tr>,
                "sinkforge::make_sink: this version defines exactly_once and transactional_transport but "
                "does not yet drive two-phase commit; use deliver::at_least_once");
  static_assert(partitioner_for<typename R::partitioner_type, T>,
                "sinkforge::make_sink<T>: the partitioner reads a member T does not have; partition by a "
                "member of T (partition::by<&T::member> or partition::by_name<\"member\">)");
  static_assert(concurrency_policy<typename R::concurrency_type>,
                "sinkforge::make_sink: the concurrency policy must say whether it is async");
  static_assert(metrics_policy<typename R::metrics_type>,
                "sinkforge::make_sink: the metrics policy lacks a hook (records_in, records_out, ...)");
  static_assert(dead_letter_policy<typename R::dead_letter_type>,
                "sinkforge::make_sink: the dead-letter policy must say whether it is enabled");
  static_assert(clock_source<typename R::clock_type>,
                "sinkforge::make_sink: the clock must provide now(), wall() and sleep_for()");
  static_assert(error_handler<typename R::error_handler_type>,
                "sinkforge::make_sink: on_error needs a callable taking const sinkforge::delivery_error&");
}

template <class T, class R, bool ExplicitRetry>
inline constexpr bool composition_valid = [] {
  using Tr = typename R::transport_type;
  using S = typename R::serializer_type;
  if constexpr (!serializer_for<S, T>) return false;
  else
    return transport_accepts_payload<Tr, payload_t<S, T>> && transport_accepts_record<Tr, T> &&
           partitioner_for<typename R::partitioner_type, T> &&
           R::delivery_type::value != guarantee::exactly_once &&
           !(R::delivery_type::value == guarantee::at_most_once && ExplicitRetry &&
             !std::is_same_v<typename R::retry_type, retry::none>);
}();

struct invalid_sink {};

}  // namespace detail

template <class T, class... Args>
auto make_sink(Args&&... args) {
  detail::check_arguments<T, std::remove_cvref_t<Args>...>();
  if constexpr (!detail::arguments_valid<T, std::remove_cvref_t<Args>...>) {
    return detail::invalid_sink{};
  } else {
    using R = detail::resolved<std::remove_cvref_t<Args>...>;
    constexpr bool explicit_retry = detail::count_of<family::retry, std::remove_cvref_t<Args>...> == 1;
    detail::check_composition<T, R, explicit_retry>();
    if constexpr (!detail::composition_valid<T, R, explicit_retry>) {
      return detail::invalid_sink{};
    } else {
      using P = typename R::policies_type;
      using frontend = typename R::concurrency_type::template frontend<T, P>;
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
      });
    }
  }
}

// The type make_sink<T>(args...) returns, for members and containers.
template <class T, class... Args>
using sink_t = decltype(make_sink<T>(std::declval<Args>()...));

}  // namespace sinkforge::inline v1
