#!/usr/bin/env python3
"""Prints the benchmark table (Markdown) from the Google Benchmark JSON files and compile.json
that bench/run.sh writes into one results directory. With --chart FILE (.svg or .png; needs
matplotlib) it also draws the ratio rows: one horizontal bar per comparison, its min-max range, and
its target line."""
import json
import os
import statistics
import sys

# Rows of the table: (section, label, paired benchmark, candidate side, baseline side, rate counter, target).
# The ratio is the median over repetitions of the paired ratio (candidate throughput / baseline
# throughput, both timed in alternation within every iteration); the rates are medians as well.
# A label starting with "fraction" is shown in percent.
COMPARISONS = [
    ("1 zero overhead", "composed vs hand-written", "BM_pair_zero", "composed", "handwritten", "items_s", 0.95),
    ("1 zero overhead", "composed vs virtual-dispatch policies", "BM_pair_zero", "composed", "virtual", "items_s", None),
    ("1 zero overhead", "metrics::none vs metrics::counters", "BM_pair_zero", "composed", "counters", "items_s", None),
    ("2 JSON", "serialize::ndjson vs RapidJSON Writer", "BM_pair_json", "sinkforge", "rapidjson_writer", "bytes_s",
     2.0),
    ("2 JSON", "serialize::ndjson vs nlohmann (json object per record + dump)", "BM_pair_json", "sinkforge",
     "nlohmann_build_dump", "bytes_s", 3.0),
    ("2 JSON", "serialize::ndjson vs nlohmann (dump of prebuilt json)", "BM_pair_json", "sinkforge",
     "nlohmann_dump_prebuilt", "bytes_s", None),
    ("2 JSON", "fraction: serialize::ndjson vs memcpy of the output", "BM_pair_json", "sinkforge", "memcpy",
     "bytes_s", 0.15),
    ("2 JSON", "1 M orders: serialize::ndjson vs RapidJSON Writer", "BM_pair_json_1m", "sinkforge",
     "rapidjson_writer", "bytes_s", 2.0),
    ("2 JSON", "fraction, 1 M orders: serialize::ndjson vs memcpy of the output", "BM_pair_json_1m", "sinkforge",
     "memcpy", "bytes_s", 0.15),
    ("3 file", "file::append vs write(2) loop", "BM_pair_file", "transport", "write_loop", "bytes_s", 0.9),
    ("3 file", "file::append vs spdlog basic_file_sink", "BM_pair_file", "transport", "spdlog", "bytes_s", 1.5),
    ("3 file", "sink<string_view> + raw, one write() per line, vs spdlog", "BM_pair_file", "sink_lines", "spdlog",
     "bytes_s", None),
    ("3 file", "ndjson sink fed Order records vs write(2) loop", "BM_pair_file", "sink_orders", "write_loop",
     "bytes_s", None),
    ("4 SQLite", "sqlite::table sink vs hand-written prepared loop", "BM_pair_sqlite", "sinkforge", "handwritten",
     "items_s", 0.9),
    ("5 exactly-once", "file::append exactly_once vs at_least_once, both durable every 1,000 records",
     "BM_pair_eo_file", "exactly_once", "at_least_once", "items_s", 0.85),
    ("5 exactly-once", "file::append exactly_once vs at_least_once without fdatasync", "BM_pair_eo_file",
     "exactly_once", "at_least_once_unsynced", "items_s", None),
    ("5 exactly-once", "sqlite::table exactly_once vs at_least_once, both durable every 1,000 records",
     "BM_pair_eo_sqlite", "exactly_once", "at_least_once", "items_s", 0.85),
    ("5 exactly-once", "sqlite::table exactly_once vs at_least_once (synchronous=NORMAL, batches of 500)",
     "BM_pair_eo_sqlite", "exactly_once", "at_least_once_unsynced", "items_s", None),
    ("6 PostgreSQL", "postgres::table sink (binary COPY) vs psql \\copy of a CSV file", "BM_pair_postgres",
     "sinkforge", "psql_copy", "items_s", 0.8),
    ("6 PostgreSQL", "postgres::table sink (binary COPY) vs hand-written libpq CSV COPY", "BM_pair_postgres",
     "sinkforge", "libpq_csv", "items_s", None),
    ("6 PostgreSQL", "postgres::table exactly_once vs at_least_once, both committing every 1,000 records",
     "BM_pair_eo_postgres", "exactly_once", "at_least_once", "items_s", 0.85),
    ("6 PostgreSQL", "postgres::table sink vs one prepared INSERT per row (20,000 rows)", "BM_pair_postgres_insert",
     "sinkforge", "insert_per_row", "items_s", None),
    ("6 PostgreSQL", "clean batches of 10,000 vs 1 row per batch refused (found by the line COPY names)",
     "BM_pair_postgres_refused", "clean", "refused_1_per_batch", "items_s", None),
    ("6 PostgreSQL", "clean batches of 10,000 vs 10 rows per batch refused", "BM_pair_postgres_refused", "clean",
     "refused_10_per_batch", "items_s", None),
    ("8 CDC", "cdc::apply into SQLite vs one prepared statement per change (pgbench-style updates)",
     "BM_pair_cdc_sqlite", "cdc_apply", "one_by_one", "items_s", None),
    ("8 CDC", "cdc::apply into PostgreSQL vs one prepared statement per change over libpq", "BM_pair_cdc_postgres",
     "cdc_apply", "one_by_one", "items_s", None),
    ("9 registry", "a file sink chosen from a URI vs the same sink composed in code (one write() per record)",
     "BM_pair_registry", "chosen", "composed", "items_s", 0.97),
    ("10 tool", "sinkforge pipe NDJSON -> SQLite vs sqlite3 .import of the same rows as CSV", "BM_pair_tool_sqlite",
     "tool", "sqlite3_import", "items_s", 1.5),
    ("10 tool", "fraction: sinkforge pipe NDJSON -> rotating NDJSON files vs cat file > copy", "BM_pair_tool_files",
     "tool", "cat", "bytes_s", None),
    ("10 tool", "sinkforge pipe NDJSON -> PostgreSQL vs psql \\copy of the same rows as CSV", "BM_pair_tool_postgres",
     "tool", "psql_copy", "items_s", None),
]

# Absolute costs printed under the table: (label, paired benchmark, counter, unit).
COSTS = [
    ("CDC end-to-end lag into SQLite, p50 (source COMMIT returned -> target committed)", "BM_pair_cdc_lag",
     "sqlite_lag_p50_ms", "ms"),
    ("CDC end-to-end lag into SQLite, p99", "BM_pair_cdc_lag", "sqlite_lag_p99_ms", "ms"),
    ("CDC end-to-end lag into PostgreSQL, p50", "BM_pair_cdc_lag", "postgres_lag_p50_ms", "ms"),
    ("CDC end-to-end lag into PostgreSQL, p99", "BM_pair_cdc_lag", "postgres_lag_p99_ms", "ms"),
    ("file::append: one checkpoint (fdatasync of the staging file, commit)", "BM_pair_eo_file", "checkpoint_us", "us"),
    ("sqlite::table: one checkpoint (its row, COMMIT with synchronous=FULL)", "BM_pair_eo_sqlite", "checkpoint_us",
     "us"),
]

COMPILE_TARGET_S = 4.0
COMPILE_TARGET_MB = 600.0


def load(results):
    """benchmark name -> list of per-repetition runs (dicts with the counters)."""
    runs = {}
    for f in sorted(os.listdir(results)):
        if not f.endswith(".json") or f == "compile.json":
            continue
        with open(os.path.join(results, f)) as fh:
            data = json.load(fh)
        for b in data.get("benchmarks", []):
            if b.get("run_type") != "iteration" or b.get("error_occurred"):
                continue
            runs.setdefault(b["run_name"].split("/")[0], []).append(b)
    return runs


def values(runs, name, counter):
    return [r[counter] for r in runs.get(name, []) if counter in r]


def paired_ratios(runs, bench, cand, base):
    """Per repetition: candidate throughput / baseline throughput. The benchmark reports
    ratio_<side> = time(side) / time(first side), so any pair is ratio_base / ratio_cand."""
    out = []
    for run in runs.get(bench, []):
        rc = 1.0 if f"ratio_{cand}" not in run and f"{cand}_items_s" in run else run.get(f"ratio_{cand}")
        rb = 1.0 if f"ratio_{base}" not in run and f"{base}_items_s" in run else run.get(f"ratio_{base}")
        if rc and rb:
            out.append(rb / rc)
    return out


def fmt_rate(v, counter):
    if v is None:
        return "n/a"
    if counter == "bytes_s":
        return f"{v / 1e6:,.0f} MB/s"
    return f"{v / 1e6:,.2f} M rec/s" if v >= 1e6 else f"{v / 1e3:,.0f} k rec/s"


def chart(runs, path):
    """Horizontal bars of the paired ratios (log scale), min-max whiskers, a tick at each target."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    matplotlib.rcParams["svg.hashsalt"] = "sinkforge-bench"  # stable ids: the file diffs cleanly
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text
    rows = []
    for section, label, bench, cand, base, counter, target in COMPARISONS:
        r = paired_ratios(runs, bench, cand, base)
        if r:
            rows.append((f"{section}: {label.removeprefix('fraction: ')}", statistics.median(r), min(r), max(r), target))
    if not rows:
        return
    rows.reverse()  # first comparison on top
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(rows) + 1.2))
    for y, (label, med, lo, hi, target) in enumerate(rows):
        color = "#9e9e9e" if target is None else ("#2e7d32" if med >= target else "#c62828")
        ax.barh(y, med, color=color, height=0.6)
        ax.errorbar(med, y, xerr=[[med - lo], [hi - med]], fmt="none", ecolor="black", capsize=3, lw=1)
        ax.text(hi * 1.05, y, f"{med:.2f}x", va="center", fontsize=8)
        if target is not None:
            ax.plot([target, target], [y - 0.42, y + 0.42], color="black", lw=2)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in rows], fontsize=8)
    ax.set_xscale("log")
    ax.axvline(1.0, color="#607d8b", lw=0.8, ls=":")
    ax.set_xlabel("candidate throughput / baseline throughput (paired, median; whiskers: min-max; "
                  "black tick: target)", fontsize=8)
    ax.set_title("sinkforge benchmark ratios (green: target met, red: missed, grey: no target)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None} if path.endswith(".svg") else None)


def main():
    args = sys.argv[1:]
    chart_path = None
    if "--chart" in args:
        i = args.index("--chart")
        chart_path = args[i + 1]
        del args[i:i + 2]
    results = args[0]
    runs = load(results)
    if chart_path:
        chart(runs, chart_path)
        return
    out = []
    out.append("| # | comparison | candidate | baseline | ratio (median) | ratio range | target | met |")
    out.append("|---|---|---|---|---|---|---|---|")
    missed = 0
    for section, label, bench, cand, base, counter, target in COMPARISONS:
        c = values(runs, bench, f"{cand}_{counter}")
        b = values(runs, bench, f"{base}_{counter}")
        r = paired_ratios(runs, bench, cand, base)
        if not (c and b and r):
            out.append(f"| {section} | {label} | missing | missing | | | | |")
            missed += 1 if target else 0
            continue
        ratio = statistics.median(r)
        if label.startswith("fraction"):
            shown, rng = f"{ratio * 100:.1f} %", f"{min(r) * 100:.1f}-{max(r) * 100:.1f} %"
        else:
            shown, rng = f"{ratio:.2f}x", f"{min(r):.2f}-{max(r):.2f}"
        if target is None:
            t, met = "-", "-"
        else:
            ok = ratio >= target
            t = f">= {target * 100:g} %" if label.startswith("fraction") else f">= {target:g}x"
            met = "yes" if ok else "**no**"
            missed += 0 if ok else 1
        out.append(f"| {section} | {label} | {fmt_rate(statistics.median(c), counter)} "
                   f"| {fmt_rate(statistics.median(b), counter)} | {shown} | {rng} | {t} | {met} |")

    costs = [(label, values(runs, bench, counter), unit) for label, bench, counter, unit in COSTS]
    if any(v for _, v, _ in costs):
        out.append("")
        out.append("| absolute costs (median of repetitions) | value | range |")
        out.append("|---|---|---|")
        for label, v, unit in costs:
            if v:
                digits = 1 if unit == "ms" else 0
                out.append(f"| {label} | {statistics.median(v):,.{digits}f} {unit} "
                           f"| {min(v):,.{digits}f}-{max(v):,.{digits}f} {unit} |")

    compile_path = os.path.join(results, "compile.json")
    if os.path.exists(compile_path):
        with open(compile_path) as fh:
            comp = json.load(fh)
        out.append("")
        out.append(f"| 7 compile (`{comp['command']}`, {comp['runs']} runs each, interleaved) "
                   f"| wall s (median) | wall s (min) | user+sys s (median) | max RSS MB | target | met |")
        out.append("|---|---|---|---|---|---|---|")
        for tu in comp["units"]:
            wall = statistics.median(tu["wall_s"])
            cpu = statistics.median(tu["cpu_s"])
            rss = statistics.median(tu["max_rss_kb"]) / 1024
            if tu.get("target"):
                ok = wall <= COMPILE_TARGET_S and rss <= COMPILE_TARGET_MB
                t = f"<= {COMPILE_TARGET_S:g} s, <= {COMPILE_TARGET_MB:g} MB"
                met = "yes" if ok else "**no**"
                missed += 0 if ok else 1
            else:
                t, met = "-", "-"
            out.append(f"| {tu['name']} | {wall:.2f} | {min(tu['wall_s']):.2f} | {cpu:.2f} | {rss:.0f} | {t} | {met} |")

    print("\n".join(out))
    print()
    print(f"targets missed: {missed}")


if __name__ == "__main__":
    main()
