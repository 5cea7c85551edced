#!/usr/bin/env bash
# pgoutput against wal2json: what decoding the same change stream costs the server, and how many
# bytes each sends, measured side by side on one server. This chose postgres::change_source's
# plugin (bench/README.md, section 7).
#
#   bash bench/cdc_plugins.sh            (as root on Debian 12: installs postgresql-15-wal2json)
#
# A private server (tests/support/postgres.sh, durable settings) gets a 10,000-row table and two
# logical slots, one per plugin, made before a pgbench load of single-row UPDATE transactions;
# each slot's changes are then read whole with pg_logical_slot_peek_*_changes, alternating plugin
# by plugin, SINKFORGE_PLUGIN_REPS times (default 5). Printed: the median time and bytes of each,
# and their ratio.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reps="${SINKFORGE_PLUGIN_REPS:-5}"
transactions="${SINKFORGE_PLUGIN_TRANSACTIONS:-20000}"
if [ ! -e /usr/lib/postgresql/15/lib/wal2json.so ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15-wal2json >/dev/null
fi
dir="$(mktemp -u -d /tmp/sinkforge-plugins.XXXXXX)"
trap 'bash "$root/tests/support/postgres.sh" stop "$dir" >/dev/null 2>&1 || true' EXIT
SINKFORGE_PG_SINGLE=1 SINKFORGE_PG_DURABLE=1 bash "$root/tests/support/postgres.sh" start "$dir" >/dev/null
conninfo="$(sed -n "s/^SINKFORGE_TEST_POSTGRES='\(.*\)'$/\1/p" "$dir/env")"
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$conninfo" -c "$1"; }

q "CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL, balance double precision, note text)"
q "INSERT INTO accounts SELECT i, 'owner ' || i, i * 1.5, repeat('x', 40) FROM generate_series(1, 10000) i"
q "CREATE PUBLICATION bench FOR TABLE accounts WITH (publish = 'insert, update, delete')"
q "SELECT pg_create_logical_replication_slot('bench_pgoutput', 'pgoutput')" >/dev/null
q "SELECT pg_create_logical_replication_slot('bench_wal2json', 'wal2json')" >/dev/null
cat >"$dir/update.sql" <<'SQL'
\set id random(1, 10000)
UPDATE accounts SET balance = balance + 1, owner = 'o' || :id WHERE id = :id;
SQL
PGPASSWORD="$(sed -n 's/.*password=\([^ ]*\).*/\1/p' <<<"$conninfo")" \
  /usr/lib/postgresql/15/bin/pgbench -n -f "$dir/update.sql" -t "$transactions" -c 1 "$conninfo" >/dev/null

read_pgoutput="SELECT count(*), sum(length(data)) FROM pg_logical_slot_peek_binary_changes('bench_pgoutput', NULL, NULL, 'proto_version', '1', 'publication_names', 'bench')"
read_wal2json="SELECT count(*), sum(octet_length(data)) FROM pg_logical_slot_peek_changes('bench_wal2json', NULL, NULL, 'format-version', '2')"
timed() {  # seconds and "rows|bytes" of one read
  local start end out
  start=$(date +%s.%N)
  out="$(q "$1")"
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc -l) $out"
}
p_times=() w_times=()
for ((i = 0; i < reps; ++i)); do
  if ((i % 2 == 0)); then p=$(timed "$read_pgoutput"); w=$(timed "$read_wal2json"); else
    w=$(timed "$read_wal2json"); p=$(timed "$read_pgoutput"); fi
  p_times+=("${p%% *}") w_times+=("${w%% *}")
  p_out="${p#* }" w_out="${w#* }"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
pm=$(median "${p_times[@]}") wm=$(median "${w_times[@]}")
echo "decoding $transactions single-row UPDATE transactions ($reps reads each, alternating):"
printf '  pgoutput: %.3f s, %s messages, %s bytes\n' "$pm" "${p_out%%|*}" "${p_out#*|}"
printf '  wal2json: %.3f s, %s messages, %s bytes\n' "$wm" "${w_out%%|*}" "${w_out#*|}"
printf '  wal2json / pgoutput: time %.2fx, bytes %.2fx\n' "$(echo "$wm / $pm" | bc -l)" \
  "$(echo "${w_out#*|} / ${p_out#*|}" | bc -l)"
