"""Benchmark: our Polars mining against PM4Py on the same event logs (issue 6, "Event logs").

The logs are bench_mining.py's synthetic logs (same generator, same seed), at
100k and 1M events, and 5M with ``--big``. 5M is left out by default for
time and memory: on the 2-core machine the 5M step alone takes about 90 s
(generating the log and its CSV, ~50 s of PM4Py, ~20 s of ours ×2 formats)
and PM4Py peaks at ~2.4 GiB, against ~20 s for the whole default run.

Both sides do the same tasks on the same CSV, each in a fresh process:

* ours (``.venv``): :func:`read_event_log` (parse, check, load),
  :func:`trace_variants`, :func:`directly_follows` (the frequency DFG and the
  mean-gap DFG come from one call), :func:`case_durations`, plus one small
  Polars query for completion-to-completion case spans (what PM4Py calls a
  case duration, see below). The child imports only ``abc_costing`` (which
  loads Polars), not this script's generator;
* PM4Py (a throwaway venv): ``pandas.read_csv`` + ``pm4py.format_dataframe``,
  ``pm4py.get_variants``, ``pm4py.discover_dfg``,
  ``pm4py.discover_performance_dfg`` (mean), ``pm4py.get_all_case_durations``.

The judged time is each process's own time from reading the file to the last
result (imports and interpreter start excluded; the process's whole wall time
is printed too). Peak memory is the child program's own high-water mark
(``VmHWM``, see :func:`machine_info.peak_mib`), which each child prints last.
Ours is also run on the Parquet copy of the log, for information.

Results are compared before any figure is judged: the variants (each path
and its case count), every DFG edge's count and mean gap (end of one event
to the start of the next, 1e-6 relative), and the mean case duration (1e-6
relative). PM4Py's case duration runs from the first to the last completion
(``get_all_case_durations`` has no start-time key), ours from the first
start; the check therefore uses our completion-span query, and our
``case_durations`` mean is printed beside it.

PM4Py is AGPL: it is installed only into a venv in a temporary folder
(``python3 -m venv`` + ``pip install pm4py``), never into ``.venv``. Usage::

    .venv/bin/python bench/bench_pm4py.py                 # 100k and 1M
    .venv/bin/python bench/bench_pm4py.py --big           # and 5M
    .venv/bin/python bench/bench_pm4py.py --pm4py-venv DIR   # reuse a venv with pm4py

Exits 1 when PM4Py cannot be installed or run (the reason is printed), when
the results disagree, or when a target is missed (ours ≥ 10× faster and at
most half PM4Py's peak memory).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (100_000, 1_000_000)
BIG = 5_000_000
SPEEDUP_TARGET = 10.0
MEMORY_TARGET = 0.5
TOLERANCE = 1e-6

# Runs inside the PM4Py venv; prints one JSON line last (PM4Py prints a banner on import).
_PM4PY_RUNNER = r'''
import json, sys, time
t = time.perf_counter()
import pandas as pd
import pm4py
import_s = time.perf_counter() - t
path = sys.argv[1]
t0 = time.perf_counter()
df = pd.read_csv(path)
df = pm4py.format_dataframe(df, case_id="case_id", activity_key="activity",
                            timestamp_key="end_timestamp", start_timestamp_key="start_timestamp")
read_s = time.perf_counter() - t0
# discover_performance_dfg takes the start of the next event from the column named
# "start_timestamp" when there is one: check it is there and parsed.
assert str(df["start_timestamp"].dtype).startswith("datetime64"), df["start_timestamp"].dtype
t = time.perf_counter()
variants = pm4py.get_variants(df)
variants_s = time.perf_counter() - t
t = time.perf_counter()
dfg, _, _ = pm4py.discover_dfg(df)
dfg_s = time.perf_counter() - t
t = time.perf_counter()
perf, _, _ = pm4py.discover_performance_dfg(df, perf_aggregation_key="mean")
perf_dfg_s = time.perf_counter() - t
t = time.perf_counter()
# format_dataframe records the start-time column in df.attrs, and with it
# get_all_case_durations raises KeyError 'start_timestamp' (it keeps only the
# completion column): without it, a case runs from its first to last completion.
df.attrs.pop("pm4py:param:start_timestamp_key", None)
durations = pm4py.get_all_case_durations(df)
durations_s = time.perf_counter() - t
total_s = time.perf_counter() - t0
from machine_info import peak_mib  # on PYTHONPATH: stdlib only
print(json.dumps({
    "peak_mib": peak_mib(), "version": pm4py.__version__, "import_s": import_s, "read_s": read_s,
    "variants_s": variants_s, "dfg_s": dfg_s, "perf_dfg_s": perf_dfg_s,
    "durations_s": durations_s, "total_s": total_s, "events": len(df),
    "variants": [[list(k), int(v)] for k, v in variants.items()],
    "edges": [[a, b, int(n), float(perf[(a, b)]) / 60.0] for (a, b), n in dfg.items()],
    "cases": len(durations),
    "mean_span_minutes": sum(durations) / len(durations) / 60.0,
}))
'''


def measure_ours(path: Path) -> dict:
    """Run our tasks on ``path`` in this process (called in a fresh child)."""
    from machine_info import peak_mib  # stdlib only

    t = time.perf_counter()
    import polars as pl

    from abc_costing.formats.event_log import read_event_log
    from abc_costing.mining import case_durations, directly_follows, trace_variants
    import_s = time.perf_counter() - t
    t0 = time.perf_counter()
    log = read_event_log(path)
    read_s = time.perf_counter() - t0
    t = time.perf_counter()
    variants = trace_variants(log)
    variants_s = time.perf_counter() - t
    t = time.perf_counter()
    dfg = directly_follows(log)  # frequency and mean gap in one query
    dfg_s = time.perf_counter() - t
    t = time.perf_counter()
    durations = case_durations(log)
    # PM4Py's case duration: first to last completion (see the module docstring).
    spans = log.events.group_by("case_id").agg(
        (pl.col("end_ts").max() - pl.col("end_ts").min()).dt.total_microseconds() / 60e6
    ).to_series(1).mean()
    durations_s = time.perf_counter() - t
    total_s = time.perf_counter() - t0
    return {
        "import_s": import_s, "read_s": read_s, "variants_s": variants_s, "dfg_s": dfg_s,
        "perf_dfg_s": 0.0, "durations_s": durations_s, "total_s": total_s,
        "events": log.event_count,
        "variants": [[list(v.activities), v.case_count] for v in variants],
        "edges": [[s, t_, int(n), float(g)] for s, t_, n, g in dfg.iter_rows()],
        "cases": len(durations),
        "mean_span_minutes": float(spans),
        "mean_cycle_minutes": float(durations["cycle_time_minutes"].mean()),
        "peak_mib": peak_mib(),
    }


def run_child(command: list[str]) -> tuple[dict, float, float]:
    """Run ``command``; its last stdout line as JSON, its wall seconds and its peak MiB."""
    out = tempfile.TemporaryFile(mode="w+")
    err = tempfile.TemporaryFile(mode="w+")
    started = time.perf_counter()
    bench = str(Path(__file__).parent)
    child = subprocess.run(command, stdout=out, stderr=err, text=True,
                           env={**os.environ, "PYTHONPATH": bench})
    wall_s = time.perf_counter() - started
    out.seek(0)
    err.seek(0)
    if child.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {child.returncode}:\n{err.read()[-3000:]}")
    lines = [line for line in out.read().splitlines() if line.startswith("{")]
    result = json.loads(lines[-1])
    return result, wall_s, result["peak_mib"]


def disagreements(ours: dict, theirs: dict) -> list[str]:
    """What differs between the two results; empty when they agree."""
    found = []

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), 1e-12)

    if ours["events"] != theirs["events"] or ours["cases"] != theirs["cases"]:
        found.append(f"events/cases {ours['events']}/{ours['cases']} vs "
                     f"{theirs['events']}/{theirs['cases']}")
    our_variants = {tuple(a): n for a, n in ours["variants"]}
    their_variants = {tuple(a): n for a, n in theirs["variants"]}
    if our_variants != their_variants:
        found.append(f"variants differ ({len(our_variants)} vs {len(their_variants)})")
    our_edges = {(s, t): (n, g) for s, t, n, g in ours["edges"]}
    their_edges = {(s, t): (n, g) for s, t, n, g in theirs["edges"]}
    if our_edges.keys() != their_edges.keys():
        found.append(f"DFG edges differ ({len(our_edges)} vs {len(their_edges)})")
    else:
        counts = [e for e in our_edges if our_edges[e][0] != their_edges[e][0]]
        gaps = [e for e in our_edges if not close(our_edges[e][1], their_edges[e][1])]
        if counts:
            found.append(f"{len(counts)} DFG edge counts differ, e.g. {counts[0]}")
        if gaps:
            found.append(f"{len(gaps)} DFG mean gaps differ, e.g. {gaps[0]}: "
                         f"{our_edges[gaps[0]][1]} vs {their_edges[gaps[0]][1]}")
    if not close(ours["mean_span_minutes"], theirs["mean_span_minutes"]):
        found.append(f"mean case duration {ours['mean_span_minutes']} vs "
                     f"{theirs['mean_span_minutes']} min")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also 5M events")
    parser.add_argument("--pm4py-venv", type=Path, default=None)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure_ours(args.one)))
        return 0
    # Imported here, not at the top: the measured child (--one) must load only what it measures.
    import polars as pl
    from bench_mining import generate
    from machine_info import load_average, machine
    from throwaway_venv import throwaway_python

    sizes = [*SIZES, BIG] if args.big else list(SIZES)
    print(machine())
    print(f"load average: {load_average()}; polars {pl.__version__}")
    if not args.big:
        print("5M events skipped (pass --big): ~90 s more, PM4Py peaks at ~2.4 GiB there")
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        try:
            python = throwaway_python("pm4py", venv=args.pm4py_venv, workdir=workdir)
        except (subprocess.CalledProcessError, OSError) as error:
            why = getattr(error, "stderr", None) or str(error)
            print(f"FAIL: pm4py cannot be installed or imported:\n{why.strip()[-2000:]}")
            return 1
        runner = workdir / "pm4py_run.py"
        runner.write_text(_PM4PY_RUNNER, encoding="utf-8")
        rows = []
        for size in sizes:
            files = generate(size, workdir)
            if "csv" not in files:  # bench_mining writes CSV only up to 1M events
                files["csv"] = workdir / f"log_{size}.csv"
                pl.scan_parquet(files["parquet"]).sink_csv(
                    files["csv"], datetime_format="%Y-%m-%d %H:%M:%S")
            ours, ours_wall, ours_mib = run_child(
                [sys.executable, __file__, "--one", str(files["csv"])])
            parquet, _, parquet_mib = run_child(
                [sys.executable, __file__, "--one", str(files["parquet"])])
            try:
                theirs, their_wall, their_mib = run_child([str(python), str(runner),
                                                           str(files["csv"])])
            except RuntimeError as error:
                print(f"FAIL: pm4py failed at {size:,} events: {error}")
                return 1
            problems = disagreements(ours, theirs) + [
                f"parquet: {p}" for p in disagreements(parquet, theirs)]
            speedup = theirs["total_s"] / ours["total_s"]
            ratio = ours_mib / their_mib
            verdict = ("PASS" if speedup >= SPEEDUP_TARGET and ratio <= MEMORY_TARGET
                       and not problems else "FAIL")
            failed |= verdict == "FAIL"
            rows.append((size, ours, ours_wall, ours_mib, parquet, parquet_mib, theirs,
                         their_wall, their_mib, speedup, ratio, verdict, problems))
            for path in files.values():
                path.unlink()
            print(f"  {ours['events']:,} events done: variants {len(ours['variants'])}, "
                  f"DFG edges {len(ours['edges'])} ({sum(e[2] for e in ours['edges']):,} "
                  f"follows), results {'agree' if not problems else 'DISAGREE'}", flush=True)
    print(f"\npm4py {rows[0][6]['version']}; times from reading the CSV to the last result "
          f"(process wall time incl. start-up and imports in brackets); targets: "
          f"≥{SPEEDUP_TARGET:g}× faster, ≤{MEMORY_TARGET:g}× memory")
    print(f"{'events':>10} {'ours s':>14} {'pm4py s':>16} {'speed-up':>9} {'ours MiB':>9} "
          f"{'pm4py MiB':>10} {'mem ratio':>10} {'verdict':>8}")
    for (_size, ours, ours_wall, ours_mib, _, _, theirs, their_wall, their_mib, speedup,
         ratio, verdict, _) in rows:
        print(f"{ours['events']:>10,} {ours['total_s']:>6.2f} ({ours_wall:>5.2f}) "
              f"{theirs['total_s']:>7.2f} ({their_wall:>6.2f}) {speedup:>8.1f}× "
              f"{ours_mib:>9.0f} {their_mib:>10.0f} {ratio:>10.2f} {verdict:>8}")
    print("\nstages (s)            read  variants   dfg  perf-dfg  durations")
    for size, ours, _, _, parquet, parquet_mib, theirs, *_ in rows:
        for who, r in (("ours csv", ours), ("ours parquet", parquet), ("pm4py csv", theirs)):
            print(f"{size:>9,} {who:<12} {r['read_s']:>5.2f} {r['variants_s']:>9.2f} "
                  f"{r['dfg_s']:>5.2f} {r['perf_dfg_s']:>9.2f} {r['durations_s']:>10.2f}"
                  + (f"   (total {r['total_s']:.2f} s, {parquet_mib:.0f} MiB)"
                     if who == "ours parquet" else ""))
    print("\nchecks: variants (path and count), DFG edge counts and mean gaps, mean case "
          "duration (first to last completion), 1e-6 relative")
    for size, ours, *_, theirs, _, _, _, _, _, problems in rows:
        print(f"{size:>10,}: {len(ours['variants'])} variants, "
              f"{sum(e[2] for e in ours['edges']):,} follows, mean case duration "
              f"{ours['mean_span_minutes']:.6f} vs {theirs['mean_span_minutes']:.6f} min "
              f"(ours from first start: {ours['mean_cycle_minutes']:.6f}): "
              + ("agree" if not problems else "DISAGREE: " + "; ".join(problems)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
