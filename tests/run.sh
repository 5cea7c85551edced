#!/usr/bin/env bash
# The whole test suite: a g++ build under AddressSanitizer + UndefinedBehaviorSanitizer and a clang-14
# build under ThreadSanitizer, both with warnings as errors (unit, property, crash, compile-fail,
# header, docs, ODR and packaging tests), and the Conan package with its test_package. Each stage
# says how long it took.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${SINKFORGE_JOBS:-2}"
bash .ci/install-deps.sh

# Each stage prints its name; the next one (and the end) prints how long it took.
stage_name=""
stage_start=$SECONDS
run_start=$SECONDS
stage_times=()
end_stage() {
  if [ -n "$stage_name" ]; then
    local took=$((SECONDS - stage_start))
    printf '=== %s: %d s\n' "$stage_name" "$took"
    stage_times+=("$(printf '%5d s  %s' "$took" "$stage_name")")
  fi
}
stage() {
  end_stage
  stage_name="$*"
  stage_start=$SECONDS
  printf '\n=== %s\n' "$*"
}
summary="$(mktemp)"
trap 'rm -f "$summary"' EXIT
# Runs ctest and keeps its "N tests failed out of M" line for the closing count.
run_ctest() {
  ctest "$@" | tee -a "$summary"
}

# Two builds cover both compilers and the three sanitizers: every test runs once under g++ with
# AddressSanitizer + UndefinedBehaviorSanitizer, and once under clang-14 with ThreadSanitizer. The
# compile-fail tests check both compilers' first error.
stage "g++ 12 + AddressSanitizer + UndefinedBehaviorSanitizer: build and test"
cmake --preset asan >/dev/null
cmake --build build/asan --parallel "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest --test-dir build/asan --output-on-failure --parallel "$jobs"

# The second compiler runs every test program and the compile-fail cases; the examples, the ODR
# link and the header, docs and packaging checks need only one.
stage "clang-14 + ThreadSanitizer: build and test"
cmake --preset tsan -DSINKFORGE_HEADER_CHECK=OFF -DSINKFORGE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/tsan --parallel "$jobs" --target test_serialize test_serialize_fast_math test_policies \
  test_sink test_async test_transport sinkforge_compile_fail_pch
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  run_ctest --test-dir build/tsan --output-on-failure --parallel "$jobs" -R '^(test_|compile_fail)' -E '^test_odr$'

stage "Conan package"
bash .ci/conan.sh | tee -a "$summary"

total=$(grep -Eo 'tests failed out of [0-9]+' "$summary" | awk '{s += $5} END {print s + 0}')
failed=$(grep -Eo '[0-9]+ tests failed out of' "$summary" | awk '{s += $1} END {print s + 0}')
# .ci/conan.sh closes with "conan: N passed, M failed".
total=$((total + $(grep -E '^conan: [0-9]+ passed, [0-9]+ failed$' "$summary" | awk '{s += $2 + $4} END {print s + 0}')))
failed=$((failed + $(grep -E '^conan: [0-9]+ passed, [0-9]+ failed$' "$summary" | awk '{s += $4} END {print s + 0}')))
end_stage
echo
echo "time per stage:"
printf '%s\n' "${stage_times[@]}"
printf '%5d s  in all\n' "$((SECONDS - run_start))"
echo "tests: $((total - failed)) passed, $failed failed"
