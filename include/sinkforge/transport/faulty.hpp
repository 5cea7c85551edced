// faulty<Inner>: fault injection on top of a real transport, for tests of retries, partial
// failures and dead letters. `before` may fail an attempt before the inner transport sees it;
// `after` may turn a delivered attempt into a failure (the ambiguous case that duplicates records
// under at_least_once).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include <sinkforge/transport/concept.hpp>

namespace sinkforge::inline v1::testing {

struct fault_point {
  std::uint64_t sequence = 0;  // the batch
  std::uint32_t attempt = 1;
  std::size_t records = 0;
};

template <class Inner>
struct faulty {
  using policy_family = family::transport;
  template <class P>
  static constexpr bool accepts_payload = transport_accepts_payload<Inner, P>;
  // As Inner, except two-phase commit, which it does not pass through.
  static constexpr transport_capabilities capabilities = [] {
    transport_capabilities c = capabilities_of<Inner>;
    c.transactions = false;
    return c;
  }();

  template <class T>
  static constexpr bool accepts_record = transport_accepts_record<Inner, T>;

  template <class T>
  static consteval void check_record() {
    if constexpr (requires { Inner::template check_record<T>(); }) Inner::template check_record<T>();
  }

  using default_serializer = typename declared_serializer<Inner>::type;

  Inner inner{};
  std::function<std::optional<send_result>(const fault_point&)> before;
  std::function<std::optional<send_result>(const fault_point&)> after;

  template <class C>
  struct connection {
    C inner;
    std::function<std::optional<send_result>(const fault_point&)> before, after;

    template <class B>
    send_result send(const B& b) {
      const fault_point at{b.sequence, b.attempt, b.records.size()};
      if (before)
        if (auto r = before(at)) return *r;
      send_result r = inner.send(b);
      if (r.ok() && after)
        if (auto injected = after(at)) return *injected;
      return r;
    }
    void flush() {
      if constexpr (requires { inner.flush(); }) inner.flush();
    }
    void close() {
      if constexpr (requires { inner.close(); }) inner.close();
    }
  };

  template <class T, class P>
  auto open(const transport_context& cx) {
    using C = connection_t<Inner, T, P>;
    return connection<C>{transport_detail::open<Inner, T, P>(inner, cx), before, after};
  }
};

template <class Inner>
faulty<Inner> inject_faults(Inner inner, std::function<std::optional<send_result>(const fault_point&)> before,
                            std::function<std::optional<send_result>(const fault_point&)> after = {}) {
  return faulty<Inner>{std::move(inner), std::move(before), std::move(after)};
}

}  // namespace sinkforge::inline v1::testing
