// Which frontend runs a composed sink: frontend_of<is_async>::type<T, P>. The synchronous frontend
// (engine/synchronous_sink.hpp) and the async one (engine/async_sink.hpp) each complete their own
// specialization, so a program that never goes async never includes threads.
#pragma once

namespace sinkforge::inline v1::detail {

template <bool Async>
struct frontend_of;

}  // namespace sinkforge::inline v1::detail
