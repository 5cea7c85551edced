#!/usr/bin/env bash
# Tests the Conan 2 package of sinkforge the way docs/packaging.md tells a user to use it, offline:
# Boost, range-v3 and SQLite come from Debian, declared in the profile cmake/conan/sinkforge-debian-12
# as [platform_requires], so no Conan remote is needed.
#
#   bash .ci/conan.sh            # from anywhere; safe to run again
#
# The shell blocks of docs/packaging.md marked `<!-- conan.sh: ... -->` run verbatim: packaging
# (conan create with test_package) in this tree, and the example project in a fresh folder. Then the
# package without SQLite, and the packaging checks of tests/consumer against Conan's generated files.
# Each run prints `conan: PASS <what>` or `conan: FAIL <what>`, and the last line is
# `conan: N passed, M failed`.
#
# Everything written outside this tree goes to one cache folder, SINKFORGE_CACHE_DIR (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/sinkforge): conan-venv/ (Conan from PyPI), conan-home/ (the
# CONAN_HOME of these runs, never the user's own ~/.conan2) and conan-work/ (builds and logs of the
# last run). SINKFORGE_CONAN_JOBS (default 2) bounds parallel compile jobs.
set -euo pipefail
start=$SECONDS

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${SINKFORGE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sinkforge}"
venv="$cache/conan-venv"
work="$cache/conan-work"
export CONAN_HOME="$cache/conan-home"
jobs="${SINKFORGE_CONAN_JOBS:-2}"
export CMAKE_BUILD_PARALLEL_LEVEL="$jobs"
profile_file="$root/cmake/conan/sinkforge-debian-12"
profile=sinkforge-debian-12
doc="$root/docs/packaging.md"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# System packages: the compiler, CMake, Ninja, the libraries the platform requirements stand for,
# and python3-venv. Installed only when one is missing.
need=()
for p in g++ cmake ninja-build libboost-dev librange-v3-dev libsqlite3-dev libpq-dev libtomlplusplus-dev python3-venv; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "conan.sh: installing ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

# Debian's own python3: the venv must not depend on whichever interpreter comes first in PATH.
python=/usr/bin/python3
[ -x "$python" ] || python="$(command -v python3)"
mkdir -p "$cache"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi
if ! "$venv/bin/conan" --version 2>/dev/null | grep -q 'Conan version 2\.'; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'conan>=2.2,<3'
fi
export PATH="$venv/bin:$PATH"
echo "conan.sh: $(conan --version), CONAN_HOME=$CONAN_HOME"

rm -rf "$work"
mkdir -p "$work" "$CONAN_HOME"
printf 'tools.build:jobs=%s\n' "$jobs" > "$CONAN_HOME/global.conf"

passed=0
failed=0
runs=0
# check <what> <command...>: one test. Its output goes to a log, shown when it fails.
check() {
  local what="$1"
  shift
  runs=$((runs + 1))
  local log="$work/$runs.log"
  echo "conan.sh: $what (log: $log)"
  # Not in an `if`: there bash would ignore the subshell's `set -e`.
  (set -e; "$@") >"$log" 2>&1
  if [ "$?" -eq 0 ]; then
    passed=$((passed + 1))
    echo "conan: PASS $what"
  else
    failed=$((failed + 1))
    tail -n 80 "$log"
    echo "conan: FAIL $what"
  fi
}

# The body of the fenced block that follows `<!-- conan.sh: <name> -->` in docs/packaging.md.
doc_block() {
  awk -v marker="<!-- conan.sh: $1 -->" '
    $0 == marker { armed = 1; next }
    armed && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' "$doc"
}

# Runs a documented shell block, echoing each command, in folder $2.
run_doc_block() {
  local body
  body="$(doc_block "$1")"
  [ -n "$body" ] || { echo "docs/packaging.md has no block marked '<!-- conan.sh: $1 -->'"; return 1; }
  cd "$2"
  bash -euxo pipefail -c "$body"
}

# The profile's [platform_requires] must be the Debian packages that are installed.
profile_matches_debian() {
  deb_version() { dpkg-query -W -f='${Version}' "$1" | sed -E 's/^[0-9]+://; s/[-+~].*$//'; }
  local ok=0 name package want have
  for pair in boost:libboost-dev range-v3:librange-v3-dev sqlite3:libsqlite3-dev libpq:libpq-dev \
              tomlplusplus:libtomlplusplus-dev; do
    name="${pair%%:*}"
    package="${pair#*:}"
    want="$(sed -n "s|^$name/||p" "$profile_file")"
    # As many parts as the profile names (libpq: the major version only).
    have="$(deb_version "$package" | cut -d. -f1-"$(tr -cd . <<<"$want." | wc -c)")"
    echo "$name: profile $want, $package $have"
    [ "$want" = "$have" ] || ok=1
  done
  return "$ok"
}

# The documented example project, written from docs/packaging.md, built and run as it says.
documented_consumer() {
  local app="$work/app" name
  mkdir -p "$app"
  for name in conanfile.txt CMakeLists.txt main.cpp; do
    doc_block "file $name" > "$app/$name"
    [ -s "$app/$name" ] || { echo "docs/packaging.md has no block marked '<!-- conan.sh: file $name -->'"; return 1; }
  done
  run_doc_block app "$app"
}

# tests/consumer/<project> against the files Conan generates for sinkforge, built with
# tests/consumer/run_consumer.cmake in <mode>; $1 names the folder, the rest are conan install options
# then `--` and run_consumer.cmake arguments.
conan_consumer() {
  local name="$1" options=() args=()
  shift
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do options+=("$1"); shift; done
  shift
  args=("$@")
  # From a folder without a CMakeLists.txt: there CMakeToolchain would add a CMakeUserPresets.json.
  cd "$work"
  conan install --requires=sinkforge/0.1.0 -nr -pr:a "${consumer_profile:-$profile}" -g CMakeDeps -g CMakeToolchain \
    --output-folder="$work/$name-conan" "${options[@]}"
  cmake -DGENERATOR=Ninja -DCXX_COMPILER=g++ -DBUILD_TYPE=Release -DCTEST_COMMAND=ctest -DJOBS="$jobs" \
    -DBINARY_DIR="$work/$name" "${args[@]}" -P "$root/tests/consumer/run_consumer.cmake"
}

# The link command of target $2 in the Ninja build $1.
link_line() {
  ninja -C "$1" -t commands "$2" | tail -n 1
}

# find_package/ with the sqlite component: the core-only program must not link SQLite, the SQLite
# one must.
find_package_with_sqlite() {
  conan_consumer find_package -- -DMODE=consumer -DSOURCE_DIR="$root/tests/consumer/find_package" \
    "-DARGS=-DCMAKE_TOOLCHAIN_FILE=$work/find_package-conan/conan_toolchain.cmake;-DCONSUMER_WITH_SQLITE=ON"
  local core sqlite
  core="$(link_line "$work/find_package" core_only)"
  sqlite="$(link_line "$work/find_package" with_sqlite)"
  echo "core_only link: $core"
  echo "with_sqlite link: $sqlite"
  if grep -Eq 'sqlite3' <<<"$core"; then
    echo "core_only links SQLite, though it links only sinkforge::sinkforge"
    return 1
  fi
  grep -Eq -- '-lsqlite3|libsqlite3' <<<"$sqlite" || { echo "with_sqlite does not link SQLite"; return 1; }
}

find_package_without_sqlite() {
  conan_consumer find_package_core -o "sinkforge/*:with_sqlite=False" -- \
    -DMODE=consumer -DSOURCE_DIR="$root/tests/consumer/find_package" \
    "-DARGS=-DCMAKE_TOOLCHAIN_FILE=$work/find_package_core-conan/conan_toolchain.cmake;-DCONSUMER_WITH_SQLITE=OFF"
  local core
  core="$(link_line "$work/find_package_core" core_only)"
  echo "core_only link: $core"
  ! grep -Eq 'sqlite3' <<<"$core"
}

unknown_component() {
  conan_consumer unknown_component -- -DMODE=configure-fails \
    -DSOURCE_DIR="$root/tests/consumer/unknown_component" '-DEXPECT=unknown component "no_such_component"' \
    "-DARGS=-DCMAKE_TOOLCHAIN_FILE=$work/unknown_component-conan/conan_toolchain.cmake"
}

# Boost as a Conan package (a stand-in for conan-center's, tests/consumer/conan/boost-standin) rather
# than Debian's: sinkforge must link only Boost::headers, never a compiled Boost library.
packaged_boost() {
  local consumer_profile="$work/packaged-boost.profile"
  grep -v '^boost/' "$profile_file" > "$consumer_profile"
  conan create "$root/tests/consumer/conan/boost-standin" -nr -pr:a "$consumer_profile"
  conan create "$root" -nr -pr:a "$consumer_profile"
  conan_consumer packaged_boost -- -DMODE=consumer -DSOURCE_DIR="$root/tests/consumer/find_package" \
    "-DARGS=-DCMAKE_TOOLCHAIN_FILE=$work/packaged_boost-conan/conan_toolchain.cmake;-DCONSUMER_WITH_SQLITE=ON"
  local target line
  for target in core_only with_sqlite; do
    line="$(link_line "$work/packaged_boost" "$target")"
    echo "$target link: $line"
    if grep -q 'boost_' <<<"$line"; then
      echo "$target links a compiled Boost library; sinkforge needs only Boost::headers"
      return 1
    fi
  done
  # The CMake files CMakeDeps generates for sinkforge name Boost::headers and no other Boost target.
  local named
  named="$(cat "$work/packaged_boost-conan"/sinkforge-*.cmake | grep -Eo 'Boost::[A-Za-z_]+' | sort -u)"
  echo "Boost targets sinkforge names: $named"
  [ "$named" = "Boost::headers" ]
}

set +e
check "profile cmake/conan/$profile matches the installed Debian packages" profile_matches_debian
check "docs/packaging.md: conan create with test_package (with_sqlite=True)" run_doc_block sinkforge "$root"
check "conan create with test_package (with_sqlite=False, with_postgresql=True, with_toml=True)" \
  conan create "$root" -nr -pr:a "$profile" -o "sinkforge/*:with_sqlite=False" -o "sinkforge/*:with_postgresql=True" \
    -o "sinkforge/*:with_toml=True"
check "docs/packaging.md: example project (conan install, cmake, build, run)" documented_consumer
check "tests/consumer/find_package under Conan, core-only link line without SQLite" find_package_with_sqlite
check "tests/consumer/find_package under Conan, with_sqlite=False" find_package_without_sqlite
check "tests/consumer/unknown_component under Conan: configuring fails, naming it" unknown_component
check "Boost as a Conan package: only Boost::headers is linked" packaged_boost

echo "conan.sh: the Conan stage took $((SECONDS - start)) s"
echo "conan: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
