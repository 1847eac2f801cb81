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

The judged time is each process's own CPU time (``time.process_time``: user +
sys of all its threads) from reading the file to the last result (imports and
interpreter start excluded), so a loaded machine gives the same verdict (issue
16: 5M was once judged FAIL at 4.9× by wall clock where the CPU ratio was
10.7×). The sides run interleaved (ours on the CSV, PM4Py, ours on the
Parquet, then again), ``--repeats`` times (default 3); the speed-up is the
ratio of the CPU medians, with the min–max of the paired runs' ratios beside
it. Wall times, and each whole process's CPU (``RUSAGE_CHILDREN``) and wall
time, are printed too, not judged. Peak memory is the child program's own high-water mark
(``VmHWM``, see :func:`machine_info.peak_mib`), which each child prints last.
Ours is also run on the Parquet copy of the log, for information.

Results are compared (every round) before any figure is judged: the variants (each path
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
    .venv/bin/python bench/bench_pm4py.py --repeats 5     # runs of each side (default 3)
    .venv/bin/python bench/bench_pm4py.py --pm4py-venv DIR   # reuse a venv with pm4py

Exits 1 when PM4Py cannot be installed or run (the reason is printed), when
the results disagree, or when a target is missed (ours ≥ 10× faster and at
most half PM4Py's peak memory).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
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
t0, c0 = time.perf_counter(), time.process_time()
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
cpu_s = time.process_time() - c0
from machine_info import peak_mib  # on PYTHONPATH: stdlib only
print(json.dumps({
    "peak_mib": peak_mib(), "cpu_s": cpu_s, "version": pm4py.__version__,
    "import_s": import_s, "read_s": read_s,
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
    t0, c0 = time.perf_counter(), time.process_time()
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
    cpu_s = time.process_time() - c0
    return {
        "cpu_s": cpu_s, "import_s": import_s, "read_s": read_s, "variants_s": variants_s,
        "dfg_s": dfg_s,
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
    """Run ``command``; its last stdout line as JSON, its wall seconds and its CPU seconds.

    The CPU is the whole process's, user + sys with its threads, from
    ``RUSAGE_CHILDREN`` before and after (a loaded machine stretches the wall
    time, not this).
    """
    out = tempfile.TemporaryFile(mode="w+")
    err = tempfile.TemporaryFile(mode="w+")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    bench = str(Path(__file__).parent)
    child = subprocess.run(command, stdout=out, stderr=err, text=True,
                           env={**os.environ, "PYTHONPATH": bench})
    wall_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out.seek(0)
    err.seek(0)
    if child.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {child.returncode}:\n{err.read()[-3000:]}")
    lines = [line for line in out.read().splitlines() if line.startswith("{")]
    return json.loads(lines[-1]), wall_s, cpu_s


def median_and_spread(values: list[float]) -> str:
    """``median (min–max)`` with two decimals.

    >>> median_and_spread([3.0, 1.0, 2.0])
    '2.00 (1.00–3.00)'
    """
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


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
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big", action="store_true", help="also 5M events")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each side, interleaved (default 3)")
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
    print(f"load average: {load_average()}; polars {pl.__version__}; {args.repeats} runs a "
          f"side, interleaved (ours CSV, PM4Py, ours Parquet, ...)")
    if not args.big:
        print("5M events skipped (pass --big): ~90 s more a run, PM4Py peaks at ~2.4 GiB there")
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
            # Interleaved: a change of load between rounds hits both sides alike.
            runs: dict[str, list[tuple[dict, float, float]]] = {
                "ours": [], "parquet": [], "theirs": []}
            for _ in range(args.repeats):
                runs["ours"].append(run_child(
                    [sys.executable, __file__, "--one", str(files["csv"])]))
                try:
                    runs["theirs"].append(run_child([str(python), str(runner),
                                                     str(files["csv"])]))
                except RuntimeError as error:
                    print(f"FAIL: pm4py failed at {size:,} events: {error}")
                    return 1
                runs["parquet"].append(run_child(
                    [sys.executable, __file__, "--one", str(files["parquet"])]))
            problems = sorted({p for ours, theirs, parquet in zip(
                runs["ours"], runs["theirs"], runs["parquet"], strict=True)
                for p in disagreements(ours[0], theirs[0])
                + [f"parquet: {q}" for q in disagreements(parquet[0], theirs[0])]})
            # Judged on the CPU from reading the file to the last result: the ratio of the
            # medians; its spread from the paired runs (round i against round i).
            ours_cpu = [r[0]["cpu_s"] for r in runs["ours"]]
            their_cpu = [r[0]["cpu_s"] for r in runs["theirs"]]
            speedup = statistics.median(their_cpu) / statistics.median(ours_cpu)
            paired = [t / o for t, o in zip(their_cpu, ours_cpu, strict=True)]
            ours_mib = statistics.median(r[0]["peak_mib"] for r in runs["ours"])
            their_mib = statistics.median(r[0]["peak_mib"] for r in runs["theirs"])
            ratio = ours_mib / their_mib
            verdict = ("PASS" if speedup >= SPEEDUP_TARGET and ratio <= MEMORY_TARGET
                       and not problems else "FAIL")
            failed |= verdict == "FAIL"
            rows.append((size, runs, speedup, paired, ours_mib, their_mib, ratio, verdict,
                         problems))
            for path in files.values():
                path.unlink()
            ours = runs["ours"][0][0]
            print(f"  {ours['events']:,} events done: variants {len(ours['variants'])}, "
                  f"DFG edges {len(ours['edges'])} ({sum(e[2] for e in ours['edges']):,} "
                  f"follows), results {'agree' if not problems else 'DISAGREE'}", flush=True)
    print(f"\npm4py {rows[0][1]['theirs'][0][0]['version']}; CPU s from reading the CSV to "
          f"the last result, median (min–max) of {args.repeats}; speed-up = ratio of the "
          f"medians (min–max of the paired runs); targets: ≥{SPEEDUP_TARGET:g}× faster, "
          f"≤{MEMORY_TARGET:g}× memory")
    print("| events | ours CPU s | PM4Py CPU s | speed-up | ours MiB | PM4Py MiB | mem ratio "
          "| verdict |\n|---|---|---|---|---|---|---|---|")
    for (_size, runs, speedup, paired, ours_mib, their_mib, ratio, verdict, _) in rows:
        print(f"| {runs['ours'][0][0]['events']:,} "
              f"| {median_and_spread([r[0]['cpu_s'] for r in runs['ours']])} "
              f"| {median_and_spread([r[0]['cpu_s'] for r in runs['theirs']])} "
              f"| {speedup:.1f}× ({min(paired):.1f}–{max(paired):.1f}) | {ours_mib:.0f} "
              f"| {their_mib:.0f} | {ratio:.2f} | {verdict} |")
    print("\nthe same runs by wall clock (from reading to the last result) and as whole "
          "processes (interpreter start and imports included), medians; not judged:")
    for (size, runs, *_rest) in rows:
        for who in ("ours", "theirs", "parquet"):
            wall = statistics.median(r[0]["total_s"] for r in runs[who])
            process_wall = statistics.median(r[1] for r in runs[who])
            process_cpu = statistics.median(r[2] for r in runs[who])
            label = {"ours": "ours csv", "theirs": "pm4py csv", "parquet": "ours parquet"}[who]
            print(f"{size:>10,} {label:<12} wall {wall:6.2f} s; whole process: CPU "
                  f"{process_cpu:6.2f} s, wall {process_wall:6.2f} s")
    print("\nstages (s, wall, first run)  read  variants   dfg  perf-dfg  durations")
    for (size, runs, *_rest) in rows:
        for who, label in (("ours", "ours csv"), ("parquet", "ours parquet"),
                           ("theirs", "pm4py csv")):
            r = runs[who][0][0]
            print(f"{size:>9,} {label:<12} {r['read_s']:>5.2f} {r['variants_s']:>9.2f} "
                  f"{r['dfg_s']:>5.2f} {r['perf_dfg_s']:>9.2f} {r['durations_s']:>10.2f}")
    print("\nchecks (every round): variants (path and count), DFG edge counts and mean gaps, "
          "mean case duration (first to last completion), 1e-6 relative")
    for (size, runs, *_rest, problems) in rows:
        ours, theirs = runs["ours"][0][0], runs["theirs"][0][0]
        print(f"{size:>10,}: {len(ours['variants'])} variants, "
              f"{sum(e[2] for e in ours['edges']):,} follows, mean case duration "
              f"{ours['mean_span_minutes']:.6f} vs {theirs['mean_span_minutes']:.6f} min "
              f"(ours from first start: {ours['mean_cycle_minutes']:.6f}): "
              + ("agree" if not problems else "DISAGREE: " + "; ".join(problems)))
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
