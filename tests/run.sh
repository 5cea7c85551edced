#!/usr/bin/env bash
# The whole test suite: a clang-14 build under AddressSanitizer + UndefinedBehaviorSanitizer and a g++
# build under ThreadSanitizer, both with warnings as errors (unit, property, crash, compile-fail,
# header, docs, ODR and packaging tests; PostgreSQL's against a server started here), and the Conan
# package with its test_package. Each stage says how long it took.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${SINKFORGE_JOBS:-2}"
bash .ci/install-deps.sh

# Each stage prints its name; the next one (and the end) prints how long it took, in wall time and
# in CPU time of the processes it waited for (compilers, tests; not the servers; the Conan stage's
# in the stage during which it ends): on 2 cores a stage cannot take less than half its CPU time.
cpu_file="$(mktemp)"
# Sets cpu_now to the CPU seconds used so far by the children this shell has waited for: the
# second line of `times`, which must run in this shell (a subshell starts with none).
take_cpu() {
  times >"$cpu_file"
  cpu_now=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); t += p[1] * 60 + p[2] } printf "%d", t }' "$cpu_file")
}
stage_name=""
stage_start=$SECONDS
run_start=$SECONDS
stage_times=()
end_stage() {
  if [ -n "$stage_name" ]; then
    take_cpu
    local took=$((SECONDS - stage_start)) cpu=$((cpu_now - stage_cpu_start))
    printf '=== %s: %d s (CPU %d s)\n' "$stage_name" "$took" "$cpu"
    stage_times+=("$(printf '%5d s  %5d s  %s' "$took" "$cpu" "$stage_name")")
  fi
}
stage() {
  end_stage
  stage_name="$*"
  stage_start=$SECONDS
  take_cpu
  stage_cpu_start=$cpu_now
  printf '\n=== %s\n' "$*"
}
summary="$(mktemp)"
conan_log=""
conan_status=""
conan_pid=""
pg_dir=""
# Whatever the outcome: the Conan stage and everything it started, and the PostgreSQL servers.
cleanup() {
  rm -f "$summary" "$conan_log" "$conan_status" "$cpu_file"
  if [ -n "$conan_pid" ]; then kill -- "-$conan_pid" 2>/dev/null || true; fi
  if [ -n "$pg_dir" ]; then bash tests/support/postgres.sh stop "$pg_dir" || true; fi
}
trap cleanup EXIT
# Runs ctest and keeps its "N tests failed out of M" line for the closing count.
run_ctest() {
  ctest "$@" | tee -a "$summary"
}

# The PostgreSQL tests of both builds use one server (and a second one without prepared
# transactions), started here on 127.0.0.1 and stopped on exit.
pg_dir="$(mktemp -u -d /tmp/sinkforge-pg.XXXXXX)"
bash tests/support/postgres.sh start "$pg_dir"
set -a
. "$pg_dir/env"
set +a

# Two builds cover both compilers and the three sanitizers: every test program runs once under
# clang-14 with AddressSanitizer + UndefinedBehaviorSanitizer, and once built by g++ 12: the
# program of what runs on several threads (test_concurrency) under ThreadSanitizer, the others
# plain (see tests/CMakeLists.txt; the fork-and-kill crash tests run only in the first build).
# The compile-fail tests check both compilers' first error. (This pairing compiles in about 60%
# of the time of the other one: g++'s UBSan and clang's TSan are the slow builds.)
stage "clang-14 + AddressSanitizer + UndefinedBehaviorSanitizer: build and test"
cmake --preset asan -DSINKFORGE_HEADER_CHECK=OFF >/dev/null
cmake --build build/asan --parallel "$jobs"
# Twice as many tests as cores: many of them wait (on PostgreSQL, fsync, killed children, the
# compilers of the compile-fail and docs tests), and at 4 on 2 cores this stage's tests take about
# 110 s instead of 160-180 s. The crash tests do not count on a quiet machine (test::crash_round).
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest --test-dir build/asan --output-on-failure --parallel "$((jobs * 2))"

# The second compiler runs every test program, the compile-fail cases and the header check (built
# once, here: g++ parses the headers faster); the examples, the ODR link and the docs and packaging
# checks ran in the first build. The Conan stage runs beside it (much of it waits on Python and
# CMake's configure steps); its output follows.
stage "g++ 12, ThreadSanitizer on the concurrency tests: build and test (the Conan stage beside it)"
conan_log="$(mktemp)"
conan_status="$(mktemp)"
# In a process group of its own, so that a failure here stops it with everything it started.
setsid bash -c 'start=$SECONDS; bash .ci/conan.sh >"$1" 2>&1; echo "$? $((SECONDS - start))" >"$2"' \
  conan-stage "$conan_log" "$conan_status" &
conan_pid=$!
cmake --preset tsan -DSINKFORGE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/tsan --parallel "$jobs" --target test_serialize test_serialize_fast_math test_policies \
  test_sink test_concurrency test_transport test_postgres test_registry test_flags_ubsan sinkforge_compile_fail_pch \
  sinkforge_header_check
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  run_ctest --test-dir build/tsan --output-on-failure --parallel "$jobs" \
  -R '^(test_|compile_fail|headers_self_contained$)' -E '^test_odr$'

stage "Conan package (its own time: see below)"
wait "$conan_pid" || true
conan_pid=""
cat "$conan_log" | tee -a "$summary"
read -r conan_rc conan_took <"$conan_status" || { conan_rc=1; conan_took=0; }
echo "the Conan stage ran ${conan_took} s, beside the g++ stage"
[ "$conan_rc" -eq 0 ] || { echo "the Conan stage failed (exit $conan_rc)"; exit 1; }

total=$(grep -Eo 'tests failed out of [0-9]+' "$summary" | awk '{s += $5} END {print s + 0}')
failed=$(grep -Eo '[0-9]+ tests failed out of' "$summary" | awk '{s += $1} END {print s + 0}')
# .ci/conan.sh closes with "conan: N passed, M failed".
total=$((total + $(grep -E '^conan: [0-9]+ passed, [0-9]+ failed$' "$summary" | awk '{s += $2 + $4} END {print s + 0}')))
failed=$((failed + $(grep -E '^conan: [0-9]+ passed, [0-9]+ failed$' "$summary" | awk '{s += $4} END {print s + 0}')))
end_stage
echo
echo "time per stage:"
echo " wall    CPU"
printf '%s\n' "${stage_times[@]}"
take_cpu
printf '%5d s  %5d s  in all\n' "$((SECONDS - run_start))" "$cpu_now"
echo "tests: $((total - failed)) passed, $failed failed"
