// The headers a synchronous sink is composed from. check_light_headers.cmake compiles this unit with
// -H and fails when one of them pulls in a standard header that costs every including TU compile
// time it does not need (<thread>, <memory>, <ranges>, ...): see docs/getting-started.md.
#include <sinkforge/batch/any_of.hpp>
#include <sinkforge/batch/max_age.hpp>
#include <sinkforge/batch/max_bytes.hpp>
#include <sinkforge/batch/max_records.hpp>
#include <sinkforge/batch/per_partition.hpp>
#include <sinkforge/clock.hpp>
#include <sinkforge/concurrency/synchronous.hpp>
#include <sinkforge/dead_letter/policy.hpp>
#include <sinkforge/deliver/guarantee.hpp>
#include <sinkforge/metrics/counters.hpp>
#include <sinkforge/metrics/none.hpp>
#include <sinkforge/on_error.hpp>
#include <sinkforge/partition/by.hpp>
#include <sinkforge/partition/composite.hpp>
#include <sinkforge/partition/murmur2.hpp>
#include <sinkforge/partition/time_bucket.hpp>
#include <sinkforge/ranges.hpp>
#include <sinkforge/retry/exponential.hpp>
#include <sinkforge/retry/fixed.hpp>
#include <sinkforge/retry/none.hpp>
#include <sinkforge/serialize/columns.hpp>
#include <sinkforge/serialize/csv.hpp>
#include <sinkforge/serialize/json.hpp>
#include <sinkforge/serialize/ndjson.hpp>
#include <sinkforge/serialize/raw.hpp>
#include <sinkforge/sink.hpp>
#include <sinkforge/transport/file.hpp>
#include <sinkforge/transport/memory.hpp>
#include <sinkforge/transport/ostream.hpp>
#include <sinkforge/transport/rotating_file.hpp>
#ifdef SINKFORGE_CHECK_SQLITE
#include <sinkforge/transport/sqlite.hpp>
#endif
