// The error-handler family: who is told when records could not be delivered, at the moment it
// happens on an async sink, and from a destructor, which cannot throw.
//   errors::to_stderr (default)  one line on stderr (no payloads, no credentials)
//   on_error(fn)                 fn(const sinkforge::delivery_error&)
#pragma once
#include <cstdio>
#include <utility>

#include <sinkforge/error.hpp>
#include <sinkforge/policy.hpp>

namespace sinkforge::inline v1 {

template <class H>
concept error_handler = policy_of<H, family::error_handler> &&
                        requires(const H& h, const delivery_error& e) { h(e); };

namespace errors {
struct to_stderr {
  using policy_family = family::error_handler;
  void operator()(const delivery_error& e) const noexcept { std::fprintf(stderr, "%s\n", e.what()); }
};
template <class F>
struct callback {
  using policy_family = family::error_handler;
  F fn;
  void operator()(const delivery_error& e) const { fn(e); }
};
}  // namespace errors

template <class F>
errors::callback<F> on_error(F fn) {
  return errors::callback<F>{std::move(fn)};
}

}  // namespace sinkforge::inline v1
