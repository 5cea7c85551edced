#!/usr/bin/env bash
# The whole test suite: GCC and Clang builds with warnings as errors (unit, property, compile-fail,
# header, ODR and packaging tests), the tests again under AddressSanitizer + UndefinedBehaviorSanitizer,
# the concurrency tests under ThreadSanitizer, and the Conan package with its test_package.
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

stage "gcc: build and test"
cmake --preset gcc >/dev/null
cmake --build build/gcc --parallel "$jobs"
run_ctest --test-dir build/gcc --output-on-failure --parallel "$jobs"

stage "clang-14: build and test"
cmake --preset clang -DSINKFORGE_HEADER_CHECK=OFF >/dev/null
cmake --build build/clang --parallel "$jobs"
run_ctest --test-dir build/clang --output-on-failure --parallel "$jobs" -LE consumer

stage "AddressSanitizer + UndefinedBehaviorSanitizer"
cmake --preset asan -DSINKFORGE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/asan --parallel "$jobs" --target test_serialize test_policies test_sink test_async test_transport
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_ctest --test-dir build/asan --output-on-failure --parallel "$jobs" -R '^test_(serialize|policies|sink|async|transport)$'

stage "ThreadSanitizer: concurrency tests"
cmake --preset tsan -DSINKFORGE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/tsan --parallel "$jobs" --target test_async test_transport
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  run_ctest --test-dir build/tsan --output-on-failure -R '^test_(async|transport)$'

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
