#!/usr/bin/env python3
"""10. The sinkforge tool against the tools a user would reach for, side by side on one machine.

    bench/tool.py <sinkforge binary> <results dir> <work dir> <repetitions>

- NDJSON file -> SQLite: `sinkforge pipe --from orders.ndjson --to 'sqlite://...?table=orders'`
  against sqlite3's own `.import --csv` of the same orders as CSV, into the same table (declared
  column types, WAL, synchronous=NORMAL for both).
- NDJSON file -> rotating files: the tool writing the same records again as NDJSON into 64 MiB
  rotating files, against `cat orders.ndjson > copy` (the limit: the bytes moved, nothing parsed).
- NDJSON file -> PostgreSQL (when SINKFORGE_BENCH_POSTGRES names a server; bench/run.sh starts
  one): `sinkforge pipe --to 'postgresql://...?table=orders'` into a table of the same declared
  types, against `psql -c "\\copy orders FROM 'orders.csv' (FORMAT csv, HEADER)"`.
1,000,000 generated orders; the sides alternate (A B, then B A) in every repetition. Writes
tool.json in Google Benchmark's format (counters <side>_items_s, <side>_bytes_s, ratio_<side>) for
bench/report.py. Checks first that both sides load the same rows and that the copy is byte-equal.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time

tool, results, work, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
os.makedirs(work, exist_ok=True)
ndjson, csv = os.path.join(work, "orders.ndjson"), os.path.join(work, "orders.csv")
N = 1_000_000
SCHEMA = "CREATE TABLE orders (id TEXT, ts INTEGER, user TEXT, amount REAL, items INTEGER);"

if not (os.path.exists(ndjson) and os.path.exists(csv)):
    rng = random.Random(7)
    with open(ndjson, "w") as nd, open(csv, "w") as cs:
        cs.write("id,ts,user,amount,items\n")
        ts = 1_764_460_800_000
        for i in range(N):
            ts += rng.randint(1, 40)
            o = {"id": f"o{i}", "ts": ts, "user": f"u{rng.randint(1, 5000)}", "amount": round(rng.uniform(1, 500), 2),
                 "items": rng.randint(1, 9)}
            nd.write(json.dumps(o, separators=(",", ":")) + "\n")
            cs.write(f'{o["id"]},{o["ts"]},{o["user"]},{o["amount"]},{o["items"]}\n')
size = os.path.getsize(ndjson)


def fresh_db(path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    subprocess.run(["sqlite3", path, "PRAGMA journal_mode=WAL;", SCHEMA], check=True, capture_output=True)


def timed(cmd, **kw):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    took = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"bench/tool.py: {cmd[0]} failed ({p.returncode}): {p.stderr}")
    return took


def tool_sqlite():
    db = os.path.join(work, "tool.db")
    fresh_db(db)
    return timed([tool, "pipe", "--quiet", "--from", ndjson, "--to", f"sqlite://{db}?table=orders&batch.max_records=10000"])


def sqlite3_import():
    db = os.path.join(work, "import.db")
    fresh_db(db)
    return timed(["sqlite3", db, "PRAGMA synchronous=NORMAL;", f".import --csv --skip 1 {csv} orders"])


def tool_files():
    out = os.path.join(work, "rotated")
    shutil.rmtree(out, ignore_errors=True)
    return timed([tool, "pipe", "--quiet", "--from", ndjson, "--to",
                  f"file:{out}/?rotate=true&rotate.max_bytes=64MiB&rotate.name=part-%7Bseq%7D.ndjson&batch.max_records=10000"])


def _cat(out):
    t0 = time.perf_counter()
    with open(out, "wb") as fh:
        subprocess.run(["cat", ndjson], stdout=fh, check=True)
    return time.perf_counter() - t0


PG = os.environ.get("SINKFORGE_BENCH_POSTGRES", "")
PG_SCHEMA = 'CREATE TABLE {} (id text, ts bigint, "user" text, amount double precision, items bigint)'


def pg(sql):
    return subprocess.run(["psql", PG, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True,
                          text=True, check=True, env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning")).stdout.strip()


def pg_uri(table):
    # The conninfo's parts as a URI; the password through the environment, as the tool requires.
    kv = dict(part.split("=", 1) for part in PG.split())
    os.environ["SINKFORGE_BENCH_PGPASSWORD"] = kv.get("password", "")
    return (f"postgresql://{kv['user']}@{kv['host']}:{kv['port']}/{kv['dbname']}"
            f"?password_env=SINKFORGE_BENCH_PGPASSWORD&table={table}&batch.max_records=10000")


def tool_postgres():
    pg("DROP TABLE IF EXISTS tool_orders; " + PG_SCHEMA.format("tool_orders"))
    return timed([tool, "pipe", "--quiet", "--from", ndjson, "--to", pg_uri("tool_orders")])


def psql_copy():
    pg("DROP TABLE IF EXISTS copy_orders; " + PG_SCHEMA.format("copy_orders"))
    return timed(["psql", PG, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                  f"\\copy copy_orders FROM '{csv}' (FORMAT csv, HEADER)"])


def rows(db):
    return subprocess.run(["sqlite3", db, "SELECT count(*), sum(amount), sum(items) FROM orders"], capture_output=True,
                          text=True, check=True).stdout.strip()


# Self-check: the same rows either way; the rotated files hold the input's bytes.
tool_sqlite()
sqlite3_import()
a, b = rows(os.path.join(work, "tool.db")), rows(os.path.join(work, "import.db"))
if a != b or not a.startswith(f"{N}|"):
    sys.exit(f"bench/tool.py: the tool loaded {a}, sqlite3 .import {b}")
tool_files()
rotated = os.path.join(work, "rotated")
joined = b"".join(open(os.path.join(rotated, f), "rb").read() for f in sorted(os.listdir(rotated), key=lambda f: int(f[5:-7])))
if joined != open(ndjson, "rb").read():
    sys.exit("bench/tool.py: the rotated files do not hold the input's bytes")

if PG:
    tool_postgres()
    psql_copy()
    q = "SELECT count(*), sum(amount)::numeric(20, 2), sum(items), count(DISTINCT id) FROM {}"
    a, b = pg(q.format("tool_orders")), pg(q.format("copy_orders"))
    if a != b or not a.startswith(f"{N}|"):
        sys.exit(f"bench/tool.py: the tool loaded {a} into PostgreSQL, psql \\copy {b}")

runs = []
for r in range(reps):
    pairs = {"sqlite": [("tool", tool_sqlite), ("sqlite3_import", sqlite3_import)],
             "files": [("tool", tool_files), ("cat", lambda: _cat(os.path.join(work, "copy.ndjson")))]}
    if PG:
        pairs["postgres"] = [("tool", tool_postgres), ("psql_copy", psql_copy)]
    for bench, sides in pairs.items():
        order = sides if r % 2 == 0 else list(reversed(sides))
        took = {name: fn() for name, fn in order}
        first = sides[0][0]
        run = {"name": f"BM_pair_tool_{bench}", "run_name": f"BM_pair_tool_{bench}", "run_type": "iteration",
               "repetition_index": r}
        for name, _ in sides:
            run[f"{name}_items_s"] = N / took[name]
            run[f"{name}_bytes_s"] = size / took[name]
            if name != first:
                run[f"ratio_{name}"] = took[name] / took[first]
        runs.append(run)
        print(f"-- {bench} #{r}: " + ", ".join(f"{n} {took[n]:.2f} s" for n, _ in sides))
with open(os.path.join(results, "tool.json"), "w") as fh:
    json.dump({"context": {"records": N, "bytes": size}, "benchmarks": runs}, fh, indent=1)
