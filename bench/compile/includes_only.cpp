// Compile-time reference: the headers full_sink_sqlite.cpp includes, and nothing instantiated.
#include <sinkforge/sinkforge.hpp>
#include <sinkforge/transport/sqlite.hpp>
