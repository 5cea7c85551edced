#!/usr/bin/env bash
# End-to-end tests of the sinkforge tool: the built binary against SQLite files, files, standard
# output and (case `postgres`) the test server in SINKFORGE_TEST_POSTGRES.
#   tool_test.sh <sinkforge binary> <case>
# Each case runs in a fresh folder under the current directory and fails with a message.
set -euo pipefail
tool="$1"
case_name="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$PWD/tool-$case_name"
rm -rf "$work"
mkdir -p "$work"
cd "$work"

fail() { echo "FAIL ($case_name): $*" >&2; exit 1; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
q() { sqlite3 "$@"; }
# Runs the tool; its exit code in $rc, its stderr in err.txt.
run() { rc=0; "$tool" "$@" 2>err.txt || rc=$?; }

# N orders (ids o0..oN-1), one per line, with every 1000th line replaced by a bad one when asked.
orders() {
  python3 - "$1" "${2:-0}" <<'PY'
import json, sys
n, bad = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    if bad and i % 1000 == 999:
        print('{"id": "broken", ')
        continue
    print(json.dumps({"type": "order" if i % 3 else "click", "id": f"o{i}", "amount": i / 4,
                      "tags": ["a", "b"] if i % 5 == 0 else [], "note": None if i % 7 == 0 else "x\u00e9\"\\\n"}))
PY
}

# `pipe --from FROM --to URI` started again and again, each run killed (SIGKILL) at a random moment
# (`sleep 0.$((RANDOM % SPREAD + LEAST))`), until MOST kills landed mid-run; the count in $kills.
kill_repeatedly() {
  local from="$1" uri="$2" spread="$3" least="$4" most="$5" pid attempt
  kills=0
  for attempt in $(seq 1 40); do
    "$tool" pipe --from "$from" --to "$uri" --checkpoint-every 1500 --quiet 2>>log.txt &
    pid=$!
    sleep "0.$((RANDOM % spread + least))"
    if kill -KILL "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
    wait "$pid" 2>/dev/null || true
    [ "$kills" -ge "$most" ] && break
  done
}

case "$case_name" in
sqlite_kill_resume)
  # SIGKILL at random moments, started again with the same command each time: every record once.
  orders 60000 1 >in.ndjson
  uri='sqlite://out.db?table={type}&delivery=exactly_once&batch.max_records=700'
  kill_repeatedly in.ndjson "$uri" 40 5 12
  run pipe --from in.ndjson --to "$uri" --checkpoint-every 1500 --quiet
  [ "$rc" -eq 4 ] || [ "$rc" -eq 0 ] || fail "the last run exited $rc: $(cat err.txt)"
  [ "$kills" -ge 5 ] || fail "only $kills kills landed mid-run"
  total=$(q out.db 'SELECT (SELECT count(*) FROM "order") + (SELECT count(*) FROM click)')
  distinct=$(q out.db 'SELECT count(*) FROM (SELECT id FROM "order" UNION SELECT id FROM click)')
  expect_eq "$total" 59940 "rows after $kills kills"
  expect_eq "$distinct" 59940 "distinct ids after $kills kills"
  # A run after the end writes nothing.
  run pipe --from in.ndjson --to "$uri" --quiet
  expect_eq "$(q out.db 'SELECT count(*) FROM "order"')" 39960 "orders after a run with nothing left"
  grep -q ' 0 written ' err.txt || fail "a finished input was written again: $(cat err.txt)"
  echo "sqlite_kill_resume: $kills kills, every record once"
  ;;

bad_input)
  cat >in.ndjson <<'EOF'
{"type":"order","id":"o1","amount":1}
{"type":"order","id":"o2",
not json at all
[1,2]
{"type":"order","id":"o3","id":"o4"}
{"type":"or der","id":"o5"}
{"type":"order","amount":5}
{"type":"order","id":"o6","amount":1e999}
{"type":"order","id":"o7","amount":7}
EOF
  # A table whose id is NOT NULL: the record without one is refused by SQLite.
  q out.db 'CREATE TABLE "order" (type TEXT, id TEXT NOT NULL, amount REAL)'
  run pipe --from in.ndjson --to 'sqlite://out.db?table={type}' --dead-letter dl.ndjson
  expect_eq "$rc" 4 "exit code with dead letters"
  expect_eq "$(q out.db 'SELECT group_concat(id) FROM "order"')" "o1,o7" "rows written"
  python3 - <<'PY'
import json
rows = [json.loads(l) for l in open("dl.ndjson")]
by_line = {r["line"]: r for r in rows if r["line"] is not None}
assert sorted(by_line) == [2, 3, 4, 5, 6, 8], sorted(by_line)
assert "not a JSON object" in by_line[2]["reason"] or "not JSON" in by_line[2]["reason"], by_line[2]
assert by_line[3]["record"] == "not json at all"
assert "appears twice" in by_line[5]["reason"]
assert "names no target" in by_line[6]["reason"] and by_line[6]["target"].startswith("sqlite://")
assert "not JSON" in by_line[8]["reason"]
refused = [r for r in rows if r["line"] is None]
assert len(refused) == 1 and "NOT NULL" in refused[0]["reason"] and refused[0]["target"] == "sqlite:out.db/order", refused
assert '"amount":5' in refused[0]["record"]
PY
  grep -q '9 lines read' err.txt || fail "summary: $(cat err.txt)"
  grep -q '7 dead-lettered (dl.ndjson)' err.txt || fail "summary: $(cat err.txt)"
  # --fields: a record without a kept field is dead-lettered, with the field's name.
  printf '{"a":1,"b":2,"c":3}\n{"a":4,"c":6}\n' >f.ndjson
  run pipe --from f.ndjson --fields c,a --rename a=alpha --to file:f.out.ndjson --dead-letter f.dl.ndjson
  expect_eq "$rc" 0 "exit code: $(cat err.txt)"
  expect_eq "$(cat f.out.ndjson)" '{"c":3,"alpha":1}
{"c":6,"alpha":4}' "selected and renamed fields"
  run pipe --from f.ndjson --fields b --to file:g.out.ndjson --dead-letter g.dl.ndjson
  expect_eq "$rc" 4 "exit code with a missing field"
  grep -q "lacks the field 'b'" g.dl.ndjson || fail "no 'lacks the field' dead letter: $(cat g.dl.ndjson)"
  expect_eq "$(grep -c . g.out.ndjson)" 1 "records with the field"
  # A routed target that cannot be opened: its records are dead-lettered, the others written, exit 3.
  printf '{"t":"ok","v":1}\n{"t":"gone","v":2}\n' >r.ndjson
  mkdir ok-dir
  run pipe --from r.ndjson --to 'sqlite:{t}-dir/x.db?table=t' --dead-letter r.dl.ndjson
  expect_eq "$rc" 3 "exit code with a target that cannot be opened: $(cat err.txt)"
  expect_eq "$(q ok-dir/x.db 'SELECT v FROM t')" 1 "the record whose target opened"
  grep -q "cannot open 'gone-dir/x.db'" r.dl.ndjson || fail "no dead letter for the unopenable target: $(cat r.dl.ndjson)"
  echo "bad_input: each bad line dead-lettered with its line and reason"
  ;;

files_csv_stdout)
  # CSV in (quotes, a line break in a field, NULL as an empty field, "" as empty text), NDJSON out.
  printf 'id,name,qty,price\r\n1,"Smith, J",3,2.50\r\n2,"two\nlines",,0.1\r\n3,"",007,x\r\n' >in.csv
  run pipe --from in.csv --to file:out.ndjson --to 'stdout:'
  expect_eq "$rc" 0 "exit code: $(cat err.txt)"
  expected='{"id":1,"name":"Smith, J","qty":3,"price":2.5}
{"id":2,"name":"two\nlines","qty":null,"price":0.1}
{"id":3,"name":"","qty":"007","price":"x"}'
  expect_eq "$(cat out.ndjson)" "$expected" "CSV to NDJSON"
  expect_eq "$("$tool" pipe --from in.csv --to stdout: 2>/dev/null)" "$expected" "CSV to standard output"
  # Standard input, into SQLite; the values keep their types.
  printf '{"k":1,"v":0.5,"s":"a","b":true,"n":null,"o":{"x":[1,2]}}\n' | "$tool" pipe --from - --to 'sqlite:s.db?table=t' 2>err.txt
  expect_eq "$(q s.db "SELECT typeof(k), typeof(v), typeof(s), b, typeof(n), o FROM t")" 'integer|real|text|1|null|{"x":[1,2]}' "typed values"
  # Rotating files, by size.
  orders 3000 >r.ndjson
  run pipe --from r.ndjson --to 'file:rot/?rotate=true&rotate.max_records=1000&batch.max_records=250'
  expect_eq "$rc" 0 "rotating: $(cat err.txt)"
  expect_eq "$(cat rot/* | wc -l)" 3000 "rotated lines"
  expect_eq "$(ls rot | wc -l)" 3 "rotated files"
  # CSV out: the declared columns; a field not among them dead-letters its record, --fields keeps
  # only some. CSV in and CSV out again: the same table as Python reads it.
  run pipe --from r.ndjson --to 'file:out.csv' --dead-letter dl.ndjson
  expect_eq "$rc" 2 "CSV out without columns: $(cat err.txt)"
  grep -q 'csv.columns: missing' err.txt || fail "message: $(cat err.txt)"
  run pipe --from r.ndjson --to 'file:some.csv?csv.columns=id,amount' --dead-letter dl.ndjson
  expect_eq "$rc" 4 "CSV out with fields too many: $(cat err.txt)"
  grep -q "field 'type' is not one of the declared columns" dl.ndjson || fail "dead letter: $(head -1 dl.ndjson)"
  run pipe --from r.ndjson --fields id,note,tags,amount --to 'file:out.csv?csv.columns=id,amount,note,tags'
  expect_eq "$rc" 0 "CSV out: $(cat err.txt)"
  run pipe --from out.csv --to 'file:again.csv?csv.columns=id,amount,note,tags'
  expect_eq "$rc" 0 "CSV in, CSV out: $(cat err.txt)"
  cmp out.csv again.csv || fail "CSV read and written again differs"
  python3 - <<'PY'
import csv, json
rows = list(csv.reader(open("out.csv", newline="", encoding="utf-8")))
assert rows[0] == ["id", "amount", "note", "tags"], rows[0]
src = [json.loads(l) for l in open("r.ndjson", encoding="utf-8")]
assert len(rows) == len(src) + 1
for r, s in zip(rows[1:], src):
    assert r[0] == s["id"] and float(r[1]) == s["amount"], (r, s)
    assert r[2] == ("" if s["note"] is None else s["note"]), (r, s)
    assert json.loads(r[3]) == s["tags"], (r, s)
PY
  echo "files_csv_stdout: CSV and NDJSON in, files and standard output out"
  ;;

usage)
  printf '{"a":1}\n' >in.ndjson
  run pipe --from in.ndjson --to 'sqlite:x.db?tabel=t'
  expect_eq "$rc" 2 "exit code of an unknown key"
  grep -q "tabel: unknown key (did you mean 'table'?)" err.txt || fail "message: $(cat err.txt)"
  [ ! -e x.db ] || fail "a refused URI created its database"
  run pipe --from in.ndjson --to 'postgresql://me:hunter2@127.0.0.1/db?table=t'
  expect_eq "$rc" 2 "exit code of a password on the command line"
  grep -q 'password_env' err.txt || fail "message: $(cat err.txt)"
  if grep -q hunter2 err.txt; then fail "the password was printed"; fi
  run pipe --from missing.ndjson --to stdout:
  expect_eq "$rc" 2 "exit code of a missing input"
  run pipe --to stdout:
  expect_eq "$rc" 2 "exit code without --from"
  run nonsense
  expect_eq "$rc" 2 "exit code of an unknown command"
  run pipe --from in.ndjson --to 'stdout:?delivery=exactly_once'
  expect_eq "$rc" 2 "exit code of exactly_once on stdout"
  SINKFORGE_SINKS="file:env.ndjson" run pipe --from in.ndjson
  expect_eq "$rc" 0 "SINKFORGE_SINKS: $(cat err.txt)"
  expect_eq "$(cat env.ndjson)" '{"a":1}' "SINKFORGE_SINKS target"
  run check --to 'sqlite:c.db?table=t'
  expect_eq "$rc" 0 "check of a SQLite target"
  run check --to 'file:/nonexistent-dir/x.ndjson'
  expect_eq "$rc" 3 "check of a file that cannot be created"
  "$tool" schemes >schemes.txt
  grep -q '^sqlite:' schemes.txt || fail "schemes lists no sqlite"
  grep -q 'batch.max_records *500' schemes.txt || fail "schemes lists no batch.max_records default"
  echo "usage: exit codes 2 and 3, messages naming the key, no password"
  ;;

signals)
  # A producer that stalls: SIGTERM stops the read, what was read is committed, exit 143.
  orders 5000 >in.ndjson
  mkfifo feed
  ( cat in.ndjson; exec sleep 30 ) >feed &
  feeder=$!
  "$tool" pipe --from - --to 'sqlite:s.db?table={type}&delivery=exactly_once' <feed 2>err.txt &
  pid=$!
  sleep 2  # the 5,000 lines are read; the tool waits for more
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  kill "$feeder" 2>/dev/null || true
  expect_eq "$rc" 143 "exit code after SIGTERM"
  grep -q 'stopped by a signal' err.txt || fail "no summary: $(cat err.txt)"
  expect_eq "$(q s.db 'SELECT (SELECT count(*) FROM "order") + (SELECT count(*) FROM click)')" 5000 "records committed before the exit"
  echo "signals: SIGTERM flushed, committed and exited 143"
  ;;

config_routes)
  # Routes in TOML: each its own target and batching; a record no route takes is dead-lettered.
  python3 - <<'PY' >in.ndjson
import json
for i in range(3000):
    kind = ["click", "click", "order", "refund"][i % 4]
    print(json.dumps({"type": kind, "id": i}))
PY
  cat >routes.toml <<'EOF'
[defaults]
batch.max_age = "1h"

[[route]]
name = "clicks"
match = { type = "click" }
to = "sqlite://shop.db?table=clicks"
batch.max_records = 1000

[[route]]
match = { type = "order" }
to = "sqlite://shop.db?table=orders"
batch = { max_records = 100 }
EOF
  run pipe --from in.ndjson --config routes.toml --dead-letter dl.ndjson
  expect_eq "$rc" 4 "exit code: $(cat err.txt)"
  expect_eq "$(q shop.db 'SELECT count(*) FROM clicks')" 1500 "clicks"
  expect_eq "$(q shop.db 'SELECT count(*) FROM orders')" 750 "orders"
  expect_eq "$(grep -c 'no route takes it' dl.ndjson)" 750 "refunds dead-lettered"
  # 1,500 clicks in batches of 1,000 and 750 orders in batches of 100: 2 + 8.
  grep -q 'in 10 batches' err.txt || fail "batches per route: $(cat err.txt)"
  # Mistakes name the line, or the key.
  printf '[[route]\nto = "file:x"\n' >syntax.toml
  run pipe --from in.ndjson --config syntax.toml
  expect_eq "$rc" 2 "exit code of a TOML syntax error"
  grep -q 'line 1' err.txt || fail "message: $(cat err.txt)"
  printf '[[route]]\nto = "file:x.ndjson"\nbatch.max_recrods = 5\n' >key.toml
  run pipe --from in.ndjson --config key.toml
  expect_eq "$rc" 2 "exit code of a misspelt key"
  grep -q "batch.max_recrods: unknown key (did you mean 'batch.max_records'?)" err.txt || fail "message: $(cat err.txt)"
  printf '[[route]]\nname = "a"\n' >noto.toml
  run pipe --from in.ndjson --config noto.toml
  grep -q "route\[1\].to: missing" err.txt || fail "message: $(cat err.txt)"
  [ ! -e x.ndjson ] || fail "a refused route opened its target"
  echo "config_routes: routes with their own batching, refusals naming the key"
  ;;

metrics)
  # --metrics-port: prometheus-cpp's exposition on 127.0.0.1 while the tool runs.
  orders 2000 >in.ndjson
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  mkfifo feed
  ( cat in.ndjson; exec sleep 30 ) >feed &
  feeder=$!
  "$tool" pipe --from - --to 'sqlite:m.db?table={type}&batch.max_records=100' --metrics-port "$port" <feed 2>err.txt &
  pid=$!
  body=""
  for _ in $(seq 1 50); do
    body="$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/metrics', timeout=2).read().decode())" 2>/dev/null || true)"
    echo "$body" | grep -q 'sinkforge_tool_lines_read_total 2000' && break
    sleep 0.2
  done
  kill -TERM "$pid"
  wait "$pid" || true
  kill "$feeder" 2>/dev/null || true
  echo "$body" | grep -q 'sinkforge_tool_lines_read_total 2000' || fail "no line count: $body"
  echo "$body" | grep -q 'sinkforge_records_out_total{sink="sqlite:m.db/order"}' || fail "no records_out of the order table: $body"
  echo "$body" | grep -q 'sinkforge_batch_latency_seconds_bucket{sink="sqlite:m.db/click",le="+Inf"}' || fail "no latency histogram: $body"
  # Another process on a port: refused with the option's name. (A new port: the one above may
  # linger in TIME_WAIT, which would keep this holder from binding it.)
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', $port)); s.listen(); time.sleep(5)" &
  holder=$!
  sleep 0.5
  run pipe --from in.ndjson --to 'file:x.ndjson' --metrics-port "$port"
  kill "$holder" 2>/dev/null || true
  expect_eq "$rc" 2 "exit code with the port taken"
  grep -q -- '--metrics-port: cannot serve on 127.0.0.1' err.txt || fail "message: $(cat err.txt)"
  echo "metrics: the exposition served while running"
  ;;

large_inputs)
  # Inputs much larger than the reader's 4 MiB block, with records across block edges: NDJSON
  # comes out byte for byte; CSV with quotes, commas and line breaks inside fields reads as
  # Python's csv module reads it.
  python3 - <<'PY'
import csv, json, random
rng = random.Random(11)
alphabet = 'ab ,"\n\r\\\t\u00e9\u4e2d\U0001F600x'
def text():
    return "".join(rng.choices(alphabet, k=rng.randint(0, 40)))
with open("in.ndjson", "w", encoding="utf-8") as nd:
    for i in range(50_000):  # about 5 MB: more than one block
        nd.write(json.dumps({"i": i, "s": text(), "n": None if i % 9 == 0 else -i * 7, "b": i % 2 == 0,
                             "o": {"k": [i, text()]}}, ensure_ascii=False, separators=(",", ":")) + "\n")
with open("in.csv", "w", newline="", encoding="utf-8") as cs:
    w = csv.writer(cs, lineterminator="\r\n")
    w.writerow(["i", "s", "t"])
    for i in range(80_000):  # about 5 MB
        w.writerow([i, text(), "x" + text()])
PY
  run pipe --from in.ndjson --to file:out.ndjson --quiet
  expect_eq "$rc" 0 "NDJSON exit code: $(cat err.txt)"
  cmp -s in.ndjson out.ndjson || fail "NDJSON out differs from NDJSON in: $(cmp in.ndjson out.ndjson)"
  run pipe --from in.csv --to file:csv.ndjson --quiet
  expect_eq "$rc" 0 "CSV exit code: $(cat err.txt)"
  python3 - <<'PY'
import csv, json
rows = list(csv.reader(open("in.csv", newline="", encoding="utf-8")))[1:]
out = [json.loads(l) for l in open("csv.ndjson", encoding="utf-8")]
assert len(out) == len(rows), (len(out), len(rows))
for r, o in zip(rows, out):
    assert o["i"] == int(r[0]), (r, o)
    s = r[1]
    # an empty unquoted field is NULL; the writer quotes an empty string only when it must
    assert o["s"] == s or (s == "" and o["s"] is None), (r, o)
    assert o["t"] == r[2], (r, o)
PY
  echo "large_inputs: NDJSON byte for byte, CSV as Python reads it, across block edges"
  ;;

postgres)
  [ -n "${SINKFORGE_TEST_POSTGRES:-}" ] || fail "SINKFORGE_TEST_POSTGRES is not set (tests/run.sh starts a server)"
  get() { echo " $SINKFORGE_TEST_POSTGRES" | sed -E "s/.* $1=([^ ]*).*/\1/"; }
  export PGPASSWORD_TOOL_TEST="$(get password)"
  pg() { PGOPTIONS='-c client_min_messages=warning' psql "$SINKFORGE_TEST_POSTGRES" -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }
  t="tool_$$"
  base="postgresql://$(get user)@$(get host):$(get port)/$(get dbname)?password_env=PGPASSWORD_TOOL_TEST"
  trap 'for x in order click typed k_order k_click; do pg "DROP TABLE IF EXISTS ${t}_$x" || true; done' EXIT

  # Tables made from the records, exactly once; the bad lines dead-lettered with their numbers.
  orders 3000 1 >in.ndjson
  run pipe --from in.ndjson --to "$base&table=${t}_{type}&delivery=exactly_once" --dead-letter dl.ndjson
  expect_eq "$rc" 4 "exit code: $(cat err.txt)"
  expect_eq "$(pg "SELECT (SELECT count(*) FROM ${t}_order) + (SELECT count(*) FROM ${t}_click)")" 2997 "rows"
  expect_eq "$(pg "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
                   FROM pg_attribute WHERE attrelid = '${t}_order'::regclass AND attnum > 0")" \
    "type text, id text, amount double precision, tags jsonb, note text" "column types"
  pg "SELECT json_build_object('type', type, 'id', id, 'amount', amount, 'tags', tags, 'note', note)
      FROM (SELECT * FROM ${t}_order UNION ALL SELECT * FROM ${t}_click) u" >back.ndjson
  python3 - <<'PY'
import json
sent = {}
for line in open("in.ndjson", encoding="utf-8"):
    try:
        r = json.loads(line)
        sent[r["id"]] = r
    except ValueError:
        pass
back = [json.loads(l) for l in open("back.ndjson", encoding="utf-8")]
assert len(back) == len(sent) == 2997, (len(back), len(sent))
for b in back:
    assert b == sent[b["id"]], (b, sent[b["id"]])
dead = [json.loads(l) for l in open("dl.ndjson")]
assert sorted(d["line"] for d in dead) == [1000, 2000, 3000], dead
PY
  grep -q '3000 lines read' err.txt || fail "summary: $(cat err.txt)"

  # A column whose type the values do not fit: the server refuses those rows, each dead-lettered
  # with its reason; a whole real goes into an integer column.
  pg "CREATE TABLE ${t}_typed (id text NOT NULL, amount integer)"
  run pipe --from in.ndjson --to "$base&table=${t}_typed" --fields id,amount --dead-letter typed.ndjson
  expect_eq "$rc" 4 "exit code: $(cat err.txt)"
  expect_eq "$(pg "SELECT count(*) || ' ' || sum(amount) FROM ${t}_typed")" "750 280875" "whole amounts"
  python3 - <<'PY'
import json
dead = [json.loads(l) for l in open("typed.ndjson")]
refused = [d for d in dead if d["line"] is None]
assert len(refused) == 2997 - 750, len(refused)
assert all("invalid input syntax for type integer" in d["reason"] for d in refused), refused[0]
assert refused[0]["target"].endswith("/" + "typed") or "_typed" in refused[0]["target"], refused[0]
PY

  # SIGKILL at random moments, started again with the same command: every record once.
  orders 40000 1 >big.ndjson
  uri="$base&table=${t}_k_{type}&delivery=exactly_once&batch.max_records=700"
  kill_repeatedly big.ndjson "$uri" 60 10 8
  run pipe --from big.ndjson --to "$uri" --checkpoint-every 1500 --quiet
  [ "$rc" -eq 4 ] || [ "$rc" -eq 0 ] || fail "the last run exited $rc: $(cat err.txt)"
  [ "$kills" -ge 4 ] || fail "only $kills kills landed mid-run"
  expect_eq "$(pg "SELECT count(*) || ' ' || count(DISTINCT id) FROM (SELECT id FROM ${t}_k_order UNION ALL
                   SELECT id FROM ${t}_k_click) u")" "39960 39960" "rows after $kills kills"
  expect_eq "$(pg "SELECT count(*) FROM pg_prepared_xacts WHERE gid LIKE 'sinkforge:${t}_k_%'")" 0 "prepared left"
  echo "postgres: tables made from the records, values read back equal, typed refusals, $kills kills and every record once"
  ;;

*)
  fail "no such case"
  ;;
esac
