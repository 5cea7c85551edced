#!/bin/sh
# example.postgres_cdc: a table of the test server (SINKFORGE_TEST_POSTGRES) is followed into SQLite
# and into a second database; then inserts, updates (one moving a row to another key) and deletes are
# made, both are followed again from where they stopped, and both targets must equal the source.
set -eu
bin="$1"
export SINKFORGE_POSTGRES="$SINKFORGE_TEST_POSTGRES"
t="cdc_example_$$"
q() { psql -q -X -A -t -v ON_ERROR_STOP=1 "$SINKFORGE_POSTGRES" -c "$1"; }
# The PostgreSQL target is a second database on the same server (a later dbname wins).
q "CREATE DATABASE $t"
export SINKFORGE_POSTGRES_TARGET="$SINKFORGE_POSTGRES dbname=$t"
qt() { psql -q -X -A -t -v ON_ERROR_STOP=1 "$SINKFORGE_POSTGRES_TARGET" -c "$1"; }
cleanup() {
  for kind in sqlite postgres; do
    q "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'sinkforge_${t}_$kind'" \
      >/dev/null 2>&1 || true
  done
  q "DROP PUBLICATION IF EXISTS sinkforge_$t" >/dev/null 2>&1 || true
  q "DROP TABLE IF EXISTS $t" >/dev/null 2>&1 || true
  q "DROP DATABASE IF EXISTS $t" >/dev/null 2>&1 || true
}
trap cleanup EXIT
rm -f replica.db replica.db-wal replica.db-shm
q "CREATE TABLE $t (id bigint PRIMARY KEY, owner text NOT NULL, balance double precision)"
q "INSERT INTO $t SELECT i, 'owner ' || i, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1.25 END FROM generate_series(1, 1000) i"
"$bin" sqlite replica.db --table "$t" --idle 3
"$bin" postgres --table "$t" --idle 3
q "BEGIN; UPDATE $t SET balance = balance * 2 WHERE id % 3 = 0; DELETE FROM $t WHERE id % 10 = 0; \
   INSERT INTO $t SELECT i, 'new ' || i, 0.5 FROM generate_series(1001, 1200) i; UPDATE $t SET id = 5000 WHERE id = 1; COMMIT"
q "DELETE FROM $t WHERE id BETWEEN 1100 AND 1150"
"$bin" sqlite replica.db --table "$t" --idle 3
"$bin" postgres --table "$t" --idle 3
rows="SELECT id || '|' || owner || '|' || coalesce(round(balance::numeric, 2)::text, 'NULL') FROM"
q "$rows $t ORDER BY id" > source.txt
qt "$rows ${t}_replica ORDER BY id" > postgres.txt
python3 - "$t" > sqlite.txt <<'PY'
import sqlite3, sys
for i, owner, balance in sqlite3.connect("replica.db").execute(f'SELECT id, owner, balance FROM "{sys.argv[1]}" ORDER BY id'):
    print(f"{i}|{owner}|{'NULL' if balance is None else format(balance, '.2f')}")
PY
test "$(wc -l < source.txt)" -eq 1049
cmp source.txt sqlite.txt
cmp source.txt postgres.txt
echo "both targets equal the source ($(wc -l < source.txt) rows)"
