#!/usr/bin/env bash
# Builds the benchmarks (Release, -O2), runs them all, prints one table of ratios and draws it as
# bench/ratios.svg (matplotlib, installed from PyPI into a venv under the user's cache).
#
#   bash bench/run.sh
#
# Environment (all optional):
#   SINKFORGE_BENCH_BUILD     build directory              (default: build/bench)
#   SINKFORGE_BENCH_REPS      repetitions per benchmark    (default: 5; the table shows medians)
#   SINKFORGE_BENCH_MIN_TIME  seconds per repetition       (default: 0.5)
#   SINKFORGE_BENCH_COMPILES  compilations per TU timed    (default: 5)
#   SINKFORGE_BENCH_FILTER    benchmarks to run            (default: BM_pair, the paired ones the table uses)
#   SINKFORGE_BENCH_DIR       directory for the file and SQLite benchmarks (default: $TMPDIR or /tmp)
#   SINKFORGE_BENCH_CHART     chart file (.svg or .png)    (default: bench/ratios.svg; "" for none)
#   SINKFORGE_BENCH_POSTGRES  conninfo of a PostgreSQL server for the load benchmark (default: one
#                             started here with tests/support/postgres.sh on 127.0.0.1, and stopped)
#   CXX                       compiler                     (default: g++)
# Needs: cmake, ninja, g++, libbenchmark-dev, nlohmann-json3-dev, rapidjson-dev, libspdlog-dev,
# libsqlite3-dev, sqlite3, libsimdjson-dev, libcli11-dev, libboost-dev, librange-v3-dev, libpq-dev,
# postgresql (server and psql), time (/usr/bin/time), python3, python3-venv.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SINKFORGE_BENCH_BUILD:-$root/build/bench}"
reps="${SINKFORGE_BENCH_REPS:-5}"
min_time="${SINKFORGE_BENCH_MIN_TIME:-0.5}"
compiles="${SINKFORGE_BENCH_COMPILES:-5}"
cxx="${CXX:-g++}"
results="$build/results"

for tool in cmake ninja "$cxx" python3; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh: '$tool' not found" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench/run.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

cxx_path="$(command -v "$cxx")"
# A cache made with another compiler would be reset half-way by CMake: start that one afresh.
if [ -f "$build/CMakeCache.txt" ] && ! grep -qx "CMAKE_CXX_COMPILER:[A-Z]*=$cxx_path" "$build/CMakeCache.txt"; then
  rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
fi

echo "== configure and build ($build)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx_path" \
  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DSINKFORGE_BUILD_BENCH=ON -DSINKFORGE_BUILD_TESTS=OFF \
  -DSINKFORGE_BUILD_EXAMPLES=ON -DSINKFORGE_INSTALL=OFF -DSINKFORGE_WERROR=OFF >/dev/null
cmake --build "$build" --target bench_zero_overhead bench_json bench_json_members bench_file bench_sqlite bench_exactly_once \
  bench_postgres bench_cdc bench_registry sinkforge_tool

if [ -z "${SINKFORGE_BENCH_POSTGRES:-}" ]; then
  pg_dir="$(mktemp -u -d /tmp/sinkforge-bench-pg.XXXXXX)"
  trap 'bash "$root/tests/support/postgres.sh" stop "$pg_dir"' EXIT
  # Durable (fsync and synchronous commits on), as a production server is: checkpoints cost syncs.
  SINKFORGE_PG_SINGLE=1 SINKFORGE_PG_DURABLE=1 bash "$root/tests/support/postgres.sh" start "$pg_dir"
  SINKFORGE_BENCH_POSTGRES="$(sed -n "s/^SINKFORGE_TEST_POSTGRES='\(.*\)'$/\1/p" "$pg_dir/env")"
fi
export SINKFORGE_BENCH_POSTGRES

rm -rf "$results"
mkdir -p "$results"

echo "== run ($reps repetitions of >= ${min_time}s each; candidate and baselines alternate within every iteration)"
for b in zero_overhead json file sqlite exactly_once postgres cdc registry; do
  echo "-- bench_$b"
  "$build/bench/bench_$b" \
    --benchmark_repetitions="$reps" \
    --benchmark_min_time="$min_time" \
    --benchmark_enable_random_interleaving=true \
    --benchmark_display_aggregates_only=true \
    --benchmark_out="$results/$b.json" \
    --benchmark_out_format=json \
    --benchmark_filter="${SINKFORGE_BENCH_FILTER:-BM_pair}"
done

echo "-- the sinkforge tool against sqlite3 .import and cat ($reps repetitions)"
python3 "$root/bench/tool.py" "$build/examples/sinkforge" "$results" "${SINKFORGE_BENCH_DIR:-${TMPDIR:-/tmp}}/sinkforge-bench-tool" "$reps"

echo "== compile time and peak memory of one TU ($cxx -std=c++20 -O2 -c, $compiles runs each)"
python3 - "$root" "$results" "$cxx" "$compiles" <<'PY'
import json, os, re, subprocess, sys, tempfile
root, results, cxx, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# (label, source, extra flags, held to the target). Runs go round-robin over the units so that a
# change in the machine's load hits all of them alike.
units = [("full_sink.cpp (SQLite)", "full_sink.cpp", [], True),
         ("full_sink.cpp -DSINKFORGE_PROBE_FILE (file)", "full_sink.cpp", ["-DSINKFORGE_PROBE_FILE"], True),
         ("full_sink.cpp (SQLite), umbrella header", "full_sink.cpp", ["-DSINKFORGE_PROBE_UMBRELLA"], False),
         ("full_sink.cpp (SQLite), includes only", "full_sink.cpp", ["-DSINKFORGE_PROBE_INCLUDES_ONLY"], False),
         ("empty_std.cpp", "empty_std.cpp", [], False)]
out = {"command": f"/usr/bin/time -v {cxx} -std=c++20 -O2 -c", "runs": runs, "units": []}
recs = [{"name": label, "target": target, "wall_s": [], "cpu_s": [], "max_rss_kb": []}
        for label, _, _, target in units]
with tempfile.TemporaryDirectory() as tmp:
    for _ in range(runs):
        for (label, name, flags, _), rec in zip(units, recs):
            src = os.path.join(root, "bench", "compile", name)
            p = subprocess.run(["/usr/bin/time", "-v", cxx, "-std=c++20", "-O2", "-I", os.path.join(root, "include"),
                                *flags, "-c", src, "-o", os.path.join(tmp, "tu.o")], capture_output=True, text=True)
            if p.returncode != 0:
                sys.stderr.write(p.stderr)
                sys.exit(f"compiling {label} failed")
            err = p.stderr
            wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", err)
            h, m, s = wall.groups()
            rec["wall_s"].append(int(h or 0) * 3600 + int(m) * 60 + float(s))
            user = float(re.search(r"User time \(seconds\): ([\d.]+)", err).group(1))
            sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", err).group(1))
            rec["cpu_s"].append(user + sys_)
            rec["max_rss_kb"].append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1)))
for rec in recs:
    print(f"-- {rec['name']}: wall {rec['wall_s']} s, max RSS {[k // 1024 for k in rec['max_rss_kb']]} MB")
    out["units"].append(rec)
with open(os.path.join(results, "compile.json"), "w") as fh:
    json.dump(out, fh, indent=1)
PY

echo
echo "== results ($(date -u +%Y-%m-%d), $("$cxx" --version | head -n1), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
python3 "$root/bench/report.py" "$results"

chart="${SINKFORGE_BENCH_CHART-$root/bench/ratios.svg}"
if [ -n "$chart" ]; then
  venv="${XDG_CACHE_HOME:-$HOME/.cache}/sinkforge/bench-venv"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet matplotlib
  fi
  "$venv/bin/python" "$root/bench/report.py" --chart "$chart" "$results"
  echo "chart: $chart"
fi
