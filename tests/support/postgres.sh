#!/usr/bin/env bash
# Throwaway PostgreSQL servers for the tests and benchmarks, from Debian's packages, on 127.0.0.1.
#
#   bash tests/support/postgres.sh start DIR     initdb in DIR (new), start, write DIR/env
#   . DIR/env                                    SINKFORGE_TEST_POSTGRES(_NO_2PC)='<conninfo>'
#   bash tests/support/postgres.sh crash DIR     stop the main server at once, as a crash would
#   bash tests/support/postgres.sh resume DIR    start it again (crash recovery), same port
#   bash tests/support/postgres.sh stop DIR      stop the servers of DIR and delete DIR
#
# The main server runs with prepared transactions and logical decoding enabled, on a free port,
# with its socket in DIR. A second one, copied from the first before it starts, has prepared
# transactions disabled (max_prepared_transactions = 0), for the test that exactly-once refuses it.
# Host connections need the password (SCRAM), which the conninfo holds; the tests check that it
# never shows in an error. The server refuses to run as root, so as root it runs as the `postgres`
# user that Debian's package creates.
#
# Environment for `start`: SINKFORGE_PG_SINGLE=1 starts the main server only; SINKFORGE_PG_DURABLE=1
# keeps fsync and synchronous commits on (the benchmarks). Otherwise fsync is off: the tests kill
# clients and crash the server process, never the machine.
set -euo pipefail
command="${1:-}"
dir="${2:-}"
usage() { echo "usage: $0 start|crash|resume|stop DIR" >&2; exit 2; }
[ -n "$command" ] && [ -n "$dir" ] || usage

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "postgres.sh: no PostgreSQL server found (install Debian's postgresql)" >&2; exit 1; }
as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
# start_server DATA LOG OPTIONS: the options are kept in DATA.options for `resume`.
start_server() {
  printf '%s\n' "$3" >"$1.options"
  as_server "$bin/pg_ctl" -D "$1" -l "$2" -w -t 60 start -o "$3" >/dev/null || { cat "$2" >&2; exit 1; }
}

case "$command" in
  start)
    [ ! -e "$dir" ] || { echo "postgres.sh: $dir exists; give a new folder" >&2; exit 1; }
    mkdir -p "$dir"
    password="sinkforge-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    printf '%s\n' "$password" > "$dir/pwfile"
    [ "$(id -u)" -ne 0 ] || chown -R postgres: "$dir"
    as_server "$bin/initdb" -D "$dir/data" -U sinkforge --pwfile="$dir/pwfile" -A scram-sha-256 \
      --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/pwfile"
    single="${SINKFORGE_PG_SINGLE:-0}"
    [ "$single" = 1 ] || as_server cp -a "$dir/data" "$dir/data-no2pc"
    if [ "${SINKFORGE_PG_DURABLE:-0}" = 1 ]; then
      durability=""
    else
      durability="-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
    fi
    # Free ports: bind to port 0 and take what the kernel gives.
    free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
    port="$(free_port)"
    start_server "$dir/data" "$dir/server.log" \
      "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c wal_level=logical \
       -c max_prepared_transactions=64 -c max_connections=200 -c max_replication_slots=16 -c max_wal_senders=16 \
       $durability"
    echo "SINKFORGE_TEST_POSTGRES='host=127.0.0.1 port=$port dbname=postgres user=sinkforge password=$password'" \
      >"$dir/env"
    if [ "$single" = 1 ]; then
      echo "postgres.sh: PostgreSQL on 127.0.0.1:$port; . $dir/env"
    else
      port2="$(free_port)"
      start_server "$dir/data-no2pc" "$dir/server-no2pc.log" \
        "-c listen_addresses=127.0.0.1 -c port=$port2 -c unix_socket_directories=$dir -c max_prepared_transactions=0 \
         -c max_connections=20 -c shared_buffers=16MB -c fsync=off"
      echo "SINKFORGE_TEST_POSTGRES_NO_2PC='host=127.0.0.1 port=$port2 dbname=postgres user=sinkforge password=$password'" \
        >>"$dir/env"
      echo "postgres.sh: PostgreSQL on 127.0.0.1:$port (and :$port2 without prepared transactions); . $dir/env"
    fi
    ;;
  crash)
    as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  resume)
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o "$(cat "$dir/data.options")" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    ;;
  stop)
    for data in "$dir/data" "$dir/data-no2pc"; do
      if [ -f "$data/postmaster.pid" ]; then
        as_server "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
      fi
    done
    rm -rf "$dir"
    ;;
  *)
    usage
    ;;
esac
