"""Benchmark: reading event logs and mining them (Polars), at 100k, 1M and 5M events.

For each size a synthetic log is generated with numpy (fixed seed): cases
follow one of 60 path templates built by a random walk over 25 activities
(with rework repeats), 40 resources, start and end timestamps. It is written
as Parquet and, up to 1M events, as CSV. Each measurement runs in a fresh
subprocess so that its peak memory (VmHWM, see ``machine_info.peak_mib``) is its own (the child
imports only what it measures: numpy comes in with the generator), and times:

* read: :func:`abc_costing.formats.event_log.read_event_log` (parse, check, load);
* variants: :func:`abc_costing.mining.trace_variants` (with a rates model);
* dfg: :func:`abc_costing.mining.directly_follows` (frequency and mean-gap DFG);
* durations: :func:`abc_costing.mining.case_durations`.

PM4Py is not compared here: it is AGPL and may only be installed in a
throwaway environment, never in this project's venv. Usage::

    .venv/bin/python bench/bench_mining.py            # 100k, 1M, 5M
    .venv/bin/python bench/bench_mining.py 100000     # chosen sizes
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from machine_info import answer_help, peak_mib

SIZES = (100_000, 1_000_000, 5_000_000)
CSV_UP_TO = 1_000_000
ACTIVITIES = [f"Операция {i:02d}" for i in range(25)]
RESOURCES = [f"user{i:02d}" for i in range(40)]


def generate(events: int, folder: Path, seed: int = 7) -> dict[str, Path]:
    """Write a synthetic log of about ``events`` events; return its files by format."""
    import numpy as np

    rng = np.random.default_rng(seed)
    templates = []
    for _ in range(60):
        walk, node = [0], 0
        while node != 24 and len(walk) < 30:
            node = node if rng.random() < 0.1 else min(24, node + int(rng.integers(1, 5)))
            walk.append(node)
        templates.append(np.array(walk))
    lengths = np.array([len(t) for t in templates])
    weights = rng.dirichlet(np.full(60, 0.5))
    mean_length = float(lengths @ weights)
    cases = int(events / mean_length)
    chosen = rng.choice(60, size=cases, p=weights)
    per_case = lengths[chosen]
    activity = np.concatenate([templates[i] for i in chosen])
    case = np.repeat(np.arange(cases), per_case)
    n = len(activity)
    work = rng.lognormal(mean=3.0, sigma=0.6, size=n)           # minutes of work
    gap = rng.exponential(scale=120.0, size=n)                  # minutes of waiting before it
    case_start = rng.uniform(0, 365 * 24 * 60, size=cases)
    offsets = np.cumsum(work + gap)
    first = np.repeat(np.cumsum(per_case) - per_case, per_case)
    before = offsets - (work + gap)
    relative = before - before[first]
    start = case_start[case] + relative + gap
    end = start + work
    base = np.datetime64("2024-01-01T00:00:00", "s")
    frame = pl.DataFrame({
        "case_id": case.astype(str),
        "activity": np.array(ACTIVITIES, dtype=object)[activity],
        "start_timestamp": (base + (start * 60).astype("timedelta64[s]")).astype("M8[us]"),
        "end_timestamp": (base + (end * 60).astype("timedelta64[s]")).astype("M8[us]"),
        "resource": np.array(RESOURCES, dtype=object)[rng.integers(0, 40, size=n)],
    }, schema={"case_id": pl.String, "activity": pl.String, "start_timestamp": pl.Datetime("us"),
               "end_timestamp": pl.Datetime("us"), "resource": pl.String})
    files = {"parquet": folder / f"log_{events}.parquet"}
    frame.write_parquet(files["parquet"])
    if events <= CSV_UP_TO:
        files["csv"] = folder / f"log_{events}.csv"
        frame.write_csv(files["csv"], datetime_format="%Y-%m-%d %H:%M:%S")
    rates = folder / "rates.yaml"
    lines = ["format: abc-costing/1", "process: bench", "variant: rates", "resources:"]
    lines += [f"  {r}: {{kind: labor, rate_per_hour: {600 + 50 * i}}}"
              for i, r in enumerate(RESOURCES)]
    lines += ["activities:", "  a: {labor: {" + ", ".join(f"{r}: 1" for r in RESOURCES) + "}}",
              "events: {s: {kind: start}, e: {kind: end}}", "flows: [[s, a], [a, e]]"]
    rates.write_text("\n".join(lines) + "\n", encoding="utf-8")
    files["rates"] = rates
    return files


def measure(path: Path, rates_path: Path) -> dict[str, float]:
    """Time one log end to end in this process; peak memory of the process in MiB."""
    from abc_costing.formats import load_model
    from abc_costing.formats.event_log import read_event_log
    from abc_costing.mining import case_durations, directly_follows, trace_variants

    rates = load_model(rates_path)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    log = read_event_log(path)
    timings["read_s"] = time.perf_counter() - t0
    t = time.perf_counter()
    variants = trace_variants(log, rates=rates)
    timings["variants_s"] = time.perf_counter() - t
    t = time.perf_counter()
    dfg = directly_follows(log)
    timings["dfg_s"] = time.perf_counter() - t
    t = time.perf_counter()
    durations = case_durations(log)
    timings["durations_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0
    timings["events"] = log.event_count
    timings["cases"] = log.case_count
    timings["variants"] = len(variants)
    timings["dfg_edges"] = len(dfg)
    assert len(durations) == log.case_count
    timings["peak_mib"] = peak_mib()
    return timings


def main(argv: list[str]) -> int:
    answer_help(__doc__, "bench_mining.py [EVENTS ...]   (default: the sizes in SIZES)")
    if argv[:1] == ["--one"]:
        print(json.dumps(measure(Path(argv[1]), Path(argv[2]))))
        return 0
    sizes = [int(a) for a in argv] or list(SIZES)
    print(f"abc-costing mining bench: {os.cpu_count()} CPUs, polars {pl.__version__}")
    print(f"{'events':>10} {'format':>8} {'read s':>8} {'variants s':>11} {'dfg s':>7} "
          f"{'durations s':>12} {'total s':>8} {'peak MiB':>9} {'variants':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            files = generate(size, Path(folder))
            for fmt in ("parquet", "csv"):
                if fmt not in files:
                    continue
                run = subprocess.run(
                    [sys.executable, __file__, "--one", str(files[fmt]), str(files["rates"])],
                    capture_output=True, text=True, check=True)
                r = json.loads(run.stdout)
                print(f"{int(r['events']):>10,} {fmt:>8} {r['read_s']:>8.2f} "
                      f"{r['variants_s']:>11.2f} {r['dfg_s']:>7.2f} {r['durations_s']:>12.2f} "
                      f"{r['total_s']:>8.2f} {r['peak_mib']:>9.0f} {int(r['variants']):>9}",
                      flush=True)
            for path in files.values():
                path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
