#!/usr/bin/env bash
# Builds the Conan 2 package of sinkforge and runs test_package, offline: Boost, range-v3 and SQLite
# come from Debian and are declared to Conan as [platform_requires], so no remote is needed.
#
#   bash .ci/conan.sh            # from anywhere; safe to run again
#
# Environment: SINKFORGE_CONAN_VENV (default ${XDG_CACHE_HOME:-$HOME/.cache}/sinkforge-conan-venv),
# CONAN_HOME (Conan's default when unset), SINKFORGE_CONAN_JOBS (default 2).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SINKFORGE_CONAN_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/sinkforge-conan-venv}"
jobs="${SINKFORGE_CONAN_JOBS:-2}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# System packages: the compiler, CMake, Ninja, the libraries the platform requirements stand for,
# and python3-venv. Installed only when one is missing.
need=()
for p in g++ cmake ninja-build libboost-dev librange-v3-dev libsqlite3-dev python3-venv; do
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
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi
if ! "$venv/bin/conan" --version 2>/dev/null | grep -q 'Conan version 2\.'; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'conan>=2.0,<3'
fi
conan="$venv/bin/conan"
"$conan" --version

# Versions of what Debian provides, as Conan references (Debian's 1.74.0.3 is Boost 1.74.0).
deb_version() { dpkg-query -W -f='${Version}' "$1" | sed -E 's/^[0-9]+://; s/[-+~].*$//'; }
boost_version="$(deb_version libboost-dev | cut -d. -f1-3)"
rangev3_version="$(deb_version librange-v3-dev)"
sqlite_version="$(deb_version libsqlite3-dev)"

"$conan" profile detect --exist-ok >/dev/null
profiles="$("$conan" config home)/profiles"
mkdir -p "$profiles"
cat > "$profiles/sinkforge-debian" <<PROFILE
# Written by .ci/conan.sh: the detected default profile, C++20, and Debian's libraries.
include(default)

[settings]
compiler.cppstd=20
build_type=Release

[platform_requires]
boost/${boost_version}
range-v3/${rangev3_version}
sqlite3/${sqlite_version}

[conf]
tools.cmake.cmaketoolchain:generator=Ninja
tools.build:jobs=${jobs}
PROFILE
echo "conan.sh: profile $profiles/sinkforge-debian"
cat "$profiles/sinkforge-debian"

cd "$root"
"$conan" create . -nr -pr:h sinkforge-debian -pr:b sinkforge-debian --build=missing
"$conan" create . -nr -pr:h sinkforge-debian -pr:b sinkforge-debian --build=missing -o "sinkforge/*:with_sqlite=False"
