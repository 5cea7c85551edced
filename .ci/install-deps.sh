#!/usr/bin/env bash
# Installs the Debian packages sinkforge's build, tests and examples need. Idempotent.
set -euo pipefail
packages=(g++ clang-14 libclang-rt-14-dev cmake ninja-build ccache libboost-dev librange-v3-dev libsqlite3-dev
          sqlite3 doctest-dev nlohmann-json3-dev python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  echo "installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
