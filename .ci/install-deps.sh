#!/usr/bin/env bash
# Installs the Debian packages sinkforge needs. Idempotent; says what it installs.
#   bash .ci/install-deps.sh         everything the build, tests and examples need
#   bash .ci/install-deps.sh main    only what the main job (examples/run.sh) needs
set -euo pipefail
if [ "${1:-}" = main ]; then
  packages=(g++ cmake ninja-build libboost-dev librange-v3-dev libsqlite3-dev libsimdjson-dev libcli11-dev libtomlplusplus-dev sqlite3)
  server_packages=()
else
  packages=(g++ clang-14 libclang-rt-14-dev cmake ninja-build ccache libboost-dev librange-v3-dev libsqlite3-dev
            sqlite3 doctest-dev nlohmann-json3-dev python3-venv libpq-dev libsimdjson-dev libcli11-dev libtomlplusplus-dev
            prometheus-cpp-dev)
  # promtool, which the metrics tests run on their Prometheus text, and PostgreSQL's server, which
  # the tests start themselves (tests/support/postgres.sh). Both packages would start a service on
  # install; it is kept from starting (below), and PostgreSQL from creating its default cluster.
  server_packages=(prometheus postgresql)
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
mapfile -t need < <(missing "${packages[@]}")
need_server=()
[ "${#server_packages[@]}" -eq 0 ] || mapfile -t need_server < <(missing "${server_packages[@]}")
if [ "${#need[@]}" -gt 0 ] || [ "${#need_server[@]}" -gt 0 ]; then
  echo "install-deps: updating the package lists"
  as_root apt-get update -qq
fi
if [ "${#need[@]}" -gt 0 ]; then
  echo "install-deps: installing ${need[*]} (a minute or two on a new machine)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  echo "install-deps: done"
fi
if [ "${#need_server[@]}" -gt 0 ]; then
  echo "install-deps: installing ${need_server[*]} (its service is not started)"
  # policy-rc.d exit 101 tells invoke-rc.d / deb-systemd-invoke not to start services.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  if [ ! -e /etc/postgresql-common/createcluster.d/sinkforge.conf ]; then
    as_root mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.d/sinkforge.conf >/dev/null
  fi
  rc=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${need_server[@]}" >/dev/null || rc=$?
  if [ "$made_policy" -eq 1 ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
  [ "$rc" -eq 0 ] || exit "$rc"
  # Nor at the next boot; tolerant of machines without systemd.
  for s in "${need_server[@]}"; do
    if [ -d /run/systemd/system ]; then
      as_root systemctl disable --now "$s" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$s" ]; then
      as_root /etc/init.d/"$s" stop >/dev/null 2>&1 || true
      as_root update-rc.d "$s" disable >/dev/null 2>&1 || true
    fi
  done
fi
