// What every compile-fail case includes, precompiled once per compiler (see CMakeLists.txt), so a
// case costs only its own instantiations. async.hpp is left out: one case checks the message given
// without it.
#ifndef SINKFORGE_COMPILE_FAIL_PRELUDE_HPP
#define SINKFORGE_COMPILE_FAIL_PRELUDE_HPP
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/hana/define_struct.hpp>

#include <sinkforge/batch/any_of.hpp>
#include <sinkforge/batch/max_age.hpp>
#include <sinkforge/batch/max_records.hpp>
#include <sinkforge/deliver/idempotent.hpp>
#include <sinkforge/metrics/counters.hpp>
#include <sinkforge/partition/by.hpp>
#include <sinkforge/ranges.hpp>
#include <sinkforge/retry/fixed.hpp>
#include <sinkforge/serialize/columns.hpp>
#include <sinkforge/serialize/csv.hpp>
#include <sinkforge/serialize/raw.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/file.hpp>
#include <sinkforge/transport/memory.hpp>
#include <sinkforge/transport/rotating_file.hpp>
#include <sinkforge/transport/sqlite.hpp>
#endif
