#!/usr/bin/env python3
"""Writes the sample the main job loads: 120,000 events of three types (orders, clicks and refunds,
as NDJSON), with a few lines that are deliberately bad. The same bytes every time (a fixed seed):

    python3 examples/data/generate.py | gzip -9n > examples/data/events.ndjson.gz
"""
import json
import random
import sys

rng = random.Random(20261130)
out = sys.stdout
pages = ["/", "/cart", "/checkout", "/search", "/help"] + [f"/p/{i}" for i in range(200)]
bad = {
    1_000: '{"type":"order","id":"o-truncated","amount":',  # cut short
    25_000: "order,o-csv,12.5",  # not JSON
    50_000: '{"type":"click","user":"u1","user":"u2","page":"/"}',  # a field twice
    75_000: '{"type":"order\\n","id":"o-bad-type"}',  # a type that names no table
    100_000: "[1, 2, 3]",  # JSON, but not an object
}
ts = 1_764_460_800_000  # 2025-11-30T00:00:00Z
order = 0
for n in range(120_000):
    if n in bad:
        out.write(bad[n] + "\n")
        continue
    ts += rng.randint(1, 40)
    kind = rng.random()
    user = f"u{rng.randint(1, 5000)}"
    if kind < 0.55:
        e = {"type": "click", "ts": ts, "user": user, "page": rng.choice(pages)}
        if rng.random() < 0.2:
            e["referrer"] = rng.choice(["search", "mail", "ad"])
    elif kind < 0.92:
        order += 1
        e = {"type": "order", "id": f"o{order}", "ts": ts, "user": user,
             "amount": round(rng.uniform(1, 500), 2), "items": rng.randint(1, 9)}
        if rng.random() < 0.1:
            e["coupon"] = rng.choice(["WINTER", "VIP", "FIRST"])
    else:
        e = {"type": "refund", "order": f"o{rng.randint(1, max(order, 1))}", "ts": ts,
             "amount": round(rng.uniform(1, 100), 2), "reason": rng.choice(["damaged", "late", "wrong size", "changed mind"])}
    out.write(json.dumps(e, separators=(",", ":")) + "\n")
