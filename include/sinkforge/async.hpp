// The async frontend and its policies: include this to compose a sink with concurrency::async or
// concurrency::async_drop_newest. <sinkforge/sink.hpp> leaves it out, so that synchronous programs
// do not compile <thread>.
#pragma once
#include <sinkforge/concurrency/async.hpp>
#include <sinkforge/engine/async_sink.hpp>
