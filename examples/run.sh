#!/usr/bin/env bash
# The main job: builds the sinkforge tool and pipes the shipped sample (examples/data: 120,000
# events of three types, five lines deliberately bad) into SQLite, a table per event type, with
# exactly-once delivery; then prints the tool's summary and a short query of the result. Run it
# again and it resumes from what it committed: nothing is written twice. Installs what it needs on
# Debian 12; writes to build/main.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash .ci/install-deps.sh main
echo "run.sh: building the sinkforge tool (Release)"
cmake -S . -B build/main -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
      -DSINKFORGE_BUILD_TESTS=OFF -DSINKFORGE_INSTALL=OFF -DSINKFORGE_WITH_POSTGRES=OFF >/dev/null
cmake --build build/main --target sinkforge_tool --parallel 2
gunzip -c examples/data/events.ndjson.gz >build/main/events.ndjson
cd build/main
rm -f shop.db shop.db-wal shop.db-shm dead-letters.ndjson
echo "run.sh: examples/sinkforge pipe --from events.ndjson --to 'sqlite://shop.db?table={type}&delivery=exactly_once&add_missing_columns=true&batch.max_records=5000'"
status=0
./examples/sinkforge pipe --from events.ndjson --dead-letter dead-letters.ndjson \
  --to 'sqlite://shop.db?table={type}&delivery=exactly_once&add_missing_columns=true&batch.max_records=5000' || status=$?
echo "run.sh: the tool exited with $status (4: some lines were dead-lettered, as the sample means them to be)"
[ "$status" -eq 0 ] || [ "$status" -eq 4 ] || exit "$status"
echo "run.sh: the dead-lettered lines, with their line numbers and reasons:"
cut -c1-160 dead-letters.ndjson
echo "run.sh: what SQLite holds"
sqlite3 -header -column shop.db \
  "SELECT 'order' AS type, count(*) AS rows, round(sum(amount), 2) AS amount FROM \"order\"
   UNION ALL SELECT 'click', count(*), NULL FROM click
   UNION ALL SELECT 'refund', count(*), round(sum(amount), 2) FROM refund;" \
  "SELECT page, count(*) AS clicks FROM click GROUP BY page ORDER BY clicks DESC LIMIT 5;"
