#!/usr/bin/env bash
# The main job: builds the orders example and writes 300,000 generated orders into SQLite
# (build/main/orders.db), printing what it did. Installs what it needs on Debian 12.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash .ci/install-deps.sh main
echo "run.sh: building the example (Release)"
cmake -S . -B build/main -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
      -DSINKFORGE_BUILD_TESTS=OFF -DSINKFORGE_INSTALL=OFF -DSINKFORGE_WITH_POSTGRES=OFF >/dev/null
cmake --build build/main --target orders_to_sqlite --parallel 2
echo "run.sh: running it"
./build/main/examples/orders_to_sqlite build/main/orders.db "${1:-300000}"
