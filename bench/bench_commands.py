"""Benchmark: whole ``abc-costing`` commands as processes, by CPU, interleaved with a peer.

Issue 16: a benchmark must give the same verdict on a loaded machine. Each
figure here is the CPU time (user + sys) of a whole process, from interpreter
start to exit, read from ``resource.getrusage(RUSAGE_CHILDREN)`` before and
after ``subprocess.run`` (so the process's threads and children are counted
and the other jobs on the machine are not); its wall time is printed beside.
The two sides of a comparison run interleaved (ours, peer, ours, peer, ...),
``--repeats`` times each, so a change of load hits both alike; each side is
summarised by its median and min–max, and a ratio by the ratio of the medians
and the min–max of the ratios of the paired runs (run i of one side against
run i of the other). PASS/FAIL is judged on CPU medians.

Rows and targets (issue 16, "Speed targets still missed"):

* ``abc-costing --version``, ``--help`` and ``validate`` of a small shipped
  model: each under 0.5 s; peer ``python -c "import polars"``;
* ``abc-costing cost`` on generated models of 10,000 and 100,000 activities
  (``abc_costing.synthetic``, as bench_costing.py): under 1 s and 10 s; peer
  (shown, not judged) the library calls it makes, ``read_model`` +
  ``cost_model``, as a process;
* ``abc-costing variants`` on a generated 1M-event CSV (5M with ``--big``;
  bench_mining.py's generator) against (a) PM4Py computing the same results
  (variants with their cases, mean cycle time and labour per case) in a
  throwaway venv: at least 10× faster; (b) a plain ``pl.read_csv`` of the
  file in a process: at most 2× its CPU. Before any verdict, ``variants
  --json --top 0`` (one untimed run) and PM4Py's results are compared: every
  variant's path and case count, its mean cycle time and labour (1e-6 relative);
* ``abc-costing mine`` on the same log (with bench_mining's rates model), no
  target, beside the plain read;
* ``abc-costing portfolio`` of 1,000 generated 50-activity models
  (``load_library`` + ``build_portfolio`` + its table): under 5 s; peer
  (shown, not judged) ``load_library`` + ``build_portfolio`` as a process.

Generated files are cached in ``--cache`` (default: a folder in the system's
temporary directory) and reused by the next run; delete the folder after
changing a generator. PM4Py (AGPL) is installed into a venv inside that cache
folder (bench/throwaway_venv.py), never into ``.venv``; ``--pm4py-venv DIR``
reuses another. A run that takes longer than ``--timeout`` is killed, counted
with the CPU it used until then and marked; its side is not run again.
Usage::

    .venv/bin/python bench/bench_commands.py                  # 5 repeats, 1M events
    .venv/bin/python bench/bench_commands.py --repeats 3 --big
    .venv/bin/python bench/bench_commands.py --only startup,variants

Exits 1 when a target is missed, a command fails, or the results disagree.
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
from dataclasses import dataclass, field
from pathlib import Path

STARTUP_TARGET_S = 0.5
COST_TARGETS_S = {10_000: 1.0, 100_000: 10.0}
PORTFOLIO_TARGET_S = 5.0
PORTFOLIO_MODELS, PORTFOLIO_ACTIVITIES = 1_000, 50
PM4PY_SPEEDUP_TARGET = 10.0
READ_RATIO_TARGET = 2.0
LOG_EVENTS, BIG_LOG_EVENTS = 1_000_000, 5_000_000
TOLERANCE = 1e-6
GROUPS = ("startup", "variants", "portfolio", "cost")  # the slowest last
SMALL_MODEL = Path(__file__).resolve().parent.parent / "process_models/procurement/as_is.yaml"

# Runs inside the PM4Py venv: what `abc-costing variants` computes, the way a PM4Py
# user would. Prints one JSON line last (PM4Py may print a banner on import).
_PM4PY_VARIANTS = r'''
import json, sys
import pandas as pd
import pm4py
from pm4py.statistics.traces.generic.pandas import case_statistics
df = pd.read_csv(sys.argv[1])
df = pm4py.format_dataframe(df, case_id="case_id", activity_key="activity",
                            timestamp_key="end_timestamp", start_timestamp_key="start_timestamp")
counts = pm4py.get_variants(df)
of_case = case_statistics.get_variants_df(df)["variant"]
# A case's cycle time runs from its first start to its last end, as ours. PM4Py's own case
# durations take no start column (get_cases_description keeps only the completion column
# and raises KeyError 'start_timestamp' when given one), so pandas works them out.
by_case = df.groupby("case:concept:name")
cycle = (by_case["time:timestamp"].max() - by_case["start_timestamp"].min()).dt.total_seconds()
labour = ((df["time:timestamp"] - df["start_timestamp"]).dt.total_seconds()).groupby(
    df["case:concept:name"]).sum()
per_case = pd.DataFrame({"variant": of_case, "cycle": cycle / 60.0, "labour": labour / 60.0})
table = per_case.groupby("variant").agg(cases=("cycle", "size"), cycle=("cycle", "mean"),
                                        labour=("labour", "mean"))
def path(key):
    return list(key) if isinstance(key, tuple) else key.split(",")
print(json.dumps({
    "version": pm4py.__version__,
    "variants": [[path(k), int(counts[k]), float(r.cycle), float(r.labour), int(r.cases)]
                 for k, r in table.iterrows()],
}))
'''


@dataclass(frozen=True)
class Side:
    """One command line to time; ``tidy`` is removed before each run (a file it writes)."""

    name: str
    argv: tuple[str, ...]
    tidy: Path | None = None


@dataclass
class Sample:
    """One run of a side: CPU (user + sys) and wall seconds; ``failure`` is why it failed."""

    cpu_s: float
    wall_s: float
    failure: str = ""


@dataclass
class Row:
    """A judged line: ours against an optional peer.

    ``cpu_target_s``: ours' median CPU must be under it. ``speedup_target``: the
    peer's median CPU ÷ ours must be at least it. ``ratio_target``: ours ÷ the
    peer's must be at most it.
    """

    label: str
    ours: Side
    peer: Side | None = None
    cpu_target_s: float | None = None
    speedup_target: float | None = None
    ratio_target: float | None = None
    problems: list[str] = field(default_factory=list)


def run_process(argv: tuple[str, ...], *, timeout_s: float) -> Sample:
    """Run ``argv`` to its end; its CPU seconds from ``RUSAGE_CHILDREN`` and wall seconds.

    The rusage of a child is added to ``RUSAGE_CHILDREN`` when it is waited for,
    which ``subprocess.run`` does, also after killing it on a timeout.

    >>> run_process((sys.executable, "-c", "pass"), timeout_s=60).failure
    ''
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    failure = ""
    try:
        done = subprocess.run(argv, capture_output=True, timeout=timeout_s, check=False,
                              env={**os.environ, "ABC_COSTING_LANG": "en"})
        if done.returncode != 0:
            failure = (f"exit {done.returncode}: "
                       + done.stderr.decode("utf-8", "replace").strip()[-500:])
    except subprocess.TimeoutExpired:
        failure = f"killed after {timeout_s:g} s"
    wall_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(cpu_s, wall_s, failure)


def interleaved(sides: list[Side], *, repeats: int, timeout_s: float) -> dict[str, list[Sample]]:
    """Run the sides in turn (A, B, A, B, ...), ``repeats`` rounds; a side that failed
    stops there (its samples end with the failed one)."""
    samples: dict[str, list[Sample]] = {side.name: [] for side in sides}
    for round_number in range(repeats):
        for side in sides:
            runs = samples[side.name]
            if runs and runs[-1].failure:
                continue
            if side.tidy is not None:
                side.tidy.unlink(missing_ok=True)
            runs.append(run_process(side.argv, timeout_s=timeout_s))
            print(f"  round {round_number + 1}/{repeats} {side.name}: "
                  f"CPU {runs[-1].cpu_s:.2f} s, wall {runs[-1].wall_s:.2f} s"
                  + (f" FAILED ({runs[-1].failure[:200]})" if runs[-1].failure else ""),
                  flush=True)
    return samples


def spread(values: list[float]) -> tuple[float, float, float]:
    """Median, minimum and maximum.

    >>> spread([3.0, 1.0, 2.0, 10.0])
    (2.5, 1.0, 10.0)
    """
    return statistics.median(values), min(values), max(values)


def ratio_spread(numerators: list[float], denominators: list[float]) -> tuple[float, float, float]:
    """The ratio of the medians, and the min and max of the paired runs' ratios (run i
    against run i: both ran under the same load).

    >>> ratio_spread([10.0, 12.0, 30.0], [1.0, 2.0, 2.0])
    (6.0, 6.0, 15.0)
    """
    pairs = [n / d for n, d in zip(numerators, denominators, strict=False)]
    return statistics.median(numerators) / statistics.median(denominators), min(pairs), max(pairs)


def judge(row: Row, samples: dict[str, list[Sample]]) -> tuple[str, str, str]:
    """The row's verdict (PASS, FAIL, or "-" with no target), its ratio and its target, as text.

    >>> row = Row("x", Side("a", ()), Side("b", ()), speedup_target=10)
    >>> judge(row, {"a": [Sample(1.0, 2.0), Sample(2.0, 3.0)],
    ...             "b": [Sample(12.0, 20.0), Sample(30.0, 40.0)]})
    ('PASS', '14.0× faster (12.0–15.0)', '≥ 10× faster')
    """
    ours = [s.cpu_s for s in samples[row.ours.name]]
    failed = any(s.failure for s in samples[row.ours.name])
    passed, ratio_text, targets = True, "", []
    if row.peer is not None:
        theirs = [s.cpu_s for s in samples[row.peer.name]]
        failed |= any(s.failure for s in samples[row.peer.name])
        if row.speedup_target is not None:
            ratio, low, high = ratio_spread(theirs, ours)
            ratio_text = f"{ratio:.1f}× faster ({low:.1f}–{high:.1f})"
            targets.append(f"≥ {row.speedup_target:g}× faster")
            passed &= ratio >= row.speedup_target
        else:
            ratio, low, high = ratio_spread(ours, theirs)
            ratio_text = f"{ratio:.2f}× the peer ({low:.2f}–{high:.2f})"
            if row.ratio_target is not None:
                targets.append(f"≤ {row.ratio_target:g}× the peer")
                passed &= ratio <= row.ratio_target
    if row.cpu_target_s is not None:
        targets.append(f"< {row.cpu_target_s:g} s CPU")
        passed &= statistics.median(ours) < row.cpu_target_s
    if failed or row.problems:
        return "FAIL", ratio_text, ", ".join(targets)
    return ("PASS" if passed else "FAIL") if targets else "-", ratio_text, ", ".join(targets)


def seconds_text(samples: list[Sample]) -> str:
    """``median (min–max)`` of CPU, then the wall median; ``≥`` when a run was killed."""
    cpu, low, high = spread([s.cpu_s for s in samples])
    wall = statistics.median(s.wall_s for s in samples)
    killed = "≥ " if any(s.failure.startswith("killed") for s in samples) else ""
    return f"{killed}{cpu:.2f} ({low:.2f}–{high:.2f}), wall {wall:.1f}"


# --- inputs, generated once and cached --------------------------------------------------


def cached_model(cache: Path, n_activities: int) -> Path:
    """bench_costing's generated model of ``n_activities`` activities, written once."""
    from bench_costing import write_large_model

    path = cache / f"model_{n_activities}.yaml"
    if not path.exists():
        print(f"generating a model of {n_activities:,} activities ...", flush=True)
        part = write_large_model(path.with_suffix(".part"), n_activities=n_activities,
                                 n_resources=20)
        part.replace(path)
    return path


def cached_portfolio(cache: Path) -> Path:
    """bench_costing's folder of 1,000 generated 50-activity models, written once."""
    from bench_costing import write_portfolio

    folder = cache / f"portfolio_{PORTFOLIO_MODELS}x{PORTFOLIO_ACTIVITIES}"
    if not (folder / ".complete").exists():
        print(f"generating {PORTFOLIO_MODELS:,} models ...", flush=True)
        folder.mkdir(parents=True, exist_ok=True)
        write_portfolio(folder, n_models=PORTFOLIO_MODELS, n_activities=PORTFOLIO_ACTIVITIES)
        (folder / ".complete").touch()
    return folder


def cached_log(cache: Path, events: int) -> tuple[Path, Path]:
    """bench_mining's generated log of about ``events`` events as CSV, and its rates model."""
    import polars as pl
    from bench_mining import generate

    csv, rates = cache / f"log_{events}.csv", cache / f"log_{events}_rates.yaml"
    if not (csv.exists() and rates.exists()):
        print(f"generating a log of {events:,} events ...", flush=True)
        with tempfile.TemporaryDirectory(dir=cache) as staging:
            files = generate(events, Path(staging))
            if "csv" not in files:  # bench_mining writes CSV only up to 1M events
                files["csv"] = Path(staging) / "log.csv"
                pl.scan_parquet(files["parquet"]).sink_csv(
                    files["csv"], datetime_format="%Y-%m-%d %H:%M:%S")
            files["rates"].replace(rates)
            files["csv"].replace(csv)
    return csv, rates


def pm4py_python(cache: Path, venv: Path | None) -> Path:
    """The Python of a venv with PM4Py: ``venv``, or one made once inside the cache."""
    from throwaway_venv import throwaway_python

    if venv is None:
        made = cache / "pm4py" / "venv"
        if (made / "bin" / "python").exists():
            venv = made
        (cache / "pm4py").mkdir(exist_ok=True)
    return throwaway_python("pm4py", venv=venv, workdir=cache / "pm4py")


def variants_disagreements(ours: dict, theirs: dict) -> list[str]:
    """What differs between ``variants --json --top 0`` and the PM4Py runner's output.

    >>> ours = {"variants": [{"activities": ["a", "b"], "case_count": 2,
    ...          "mean_cycle_time_minutes": 30.0, "mean_labor_minutes": 10.0}]}
    >>> variants_disagreements(ours, {"variants": [[["a", "b"], 2, 30.0, 10.0, 2]]})
    []
    >>> variants_disagreements(ours, {"variants": [[["a", "b"], 2, 31.0, 10.0, 2]]})
    ["variant ('a', 'b'): cycle 30.0 vs 31.0 min"]
    """
    def close(a: float, b: float) -> bool:
        return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), 1e-12)

    mine = {tuple(v["activities"]): (v["case_count"], v["mean_cycle_time_minutes"],
                                     v["mean_labor_minutes"]) for v in ours["variants"]}
    their = {tuple(path): (count, cycle, labour) for path, count, cycle, labour, _ in
             theirs["variants"]}
    if mine.keys() != their.keys():
        return [f"variants differ: {len(mine)} vs {len(their)}, "
                f"{len(mine.keys() ^ their.keys())} paths in one only"]
    found = []
    for path, (count, cycle, labour) in mine.items():
        their_count, their_cycle, their_labour = their[path]
        if count != their_count:
            found.append(f"variant {path}: {count} vs {their_count} cases")
        if not close(cycle, their_cycle):
            found.append(f"variant {path}: cycle {cycle} vs {their_cycle} min")
        if not close(labour, their_labour):
            found.append(f"variant {path}: labour {labour} vs {their_labour} min")
    return found


def json_of(argv: tuple[str, ...], *, timeout_s: float) -> dict:
    """The JSON a command prints: its whole output, or its last line when something (a
    banner) came before it."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, check=True,
                          env={**os.environ, "ABC_COSTING_LANG": "en"})
    text = done.stdout.strip()
    return json.loads(text if text.startswith("{") else text.splitlines()[-1])


# --- the groups -------------------------------------------------------------------------


def abc_costing() -> tuple[str, ...]:
    """The command a user runs: the venv's console script, else ``python -m abc_costing``."""
    script = Path(sys.executable).with_name("abc-costing")
    return (str(script),) if script.exists() else (sys.executable, "-m", "abc_costing")


def startup_rows() -> list[Row]:
    peer = Side("python -c 'import polars'", (sys.executable, "-c", "import polars"))
    shown = f"{SMALL_MODEL.parent.name}/{SMALL_MODEL.name}"
    return [Row(f"abc-costing {label}", Side(f"abc-costing {label}", (*abc_costing(), *args)),
                peer, cpu_target_s=STARTUP_TARGET_S)
            for label, args in (("--version", ("--version",)), ("--help", ("--help",)),
                                (f"validate {shown}", ("validate", str(SMALL_MODEL))))]


# The library calls a command makes, as a process of their own: the peer shows how much of
# the command's time is its own (start-up, printing) rather than the library's work.
_LIBRARY_COST = ("import sys\n"
                 "from abc_costing.engine import cost_model\n"
                 "from abc_costing.formats import read_model\n"
                 "model, problems = read_model(sys.argv[1])\n"
                 "assert model is not None, problems\n"
                 "cost_model(model)\n")
_LIBRARY_PORTFOLIO = ("import sys\n"
                      "from abc_costing.formats import load_library\n"
                      "from abc_costing.portfolio import build_portfolio\n"
                      "models, problems = load_library(sys.argv[1])\n"
                      "assert models and not problems, problems[:3]\n"
                      "build_portfolio(models)\n")


def cost_rows(cache: Path) -> list[Row]:
    rows = []
    for n, target in COST_TARGETS_S.items():
        path = cached_model(cache, n)
        rows.append(Row(f"abc-costing cost, {n:,} activities",
                        Side(f"cost {n:,}", (*abc_costing(), "cost", str(path))),
                        Side(f"read_model + cost_model {n:,}",
                             (sys.executable, "-c", _LIBRARY_COST, str(path))),
                        cpu_target_s=target))
    return rows


def variants_rows(cache: Path, events: int, python: Path, *, timeout_s: float) -> list[Row]:
    csv, rates = cached_log(cache, events)
    runner = cache / "pm4py_variants.py"
    runner.write_text(_PM4PY_VARIANTS, encoding="utf-8")
    ours = Side(f"variants {events:,}", (*abc_costing(), "variants", str(csv)))
    pm4py = Side(f"PM4Py {events:,}", (str(python), str(runner), str(csv)))
    read = Side(f"pl.read_csv {events:,}", (sys.executable, "-c",
                                            "import sys, polars as pl; pl.read_csv(sys.argv[1])",
                                            str(csv)))
    mined = cache / "mined.yaml"
    mine = Side(f"mine {events:,}", (*abc_costing(), "mine", str(csv), "--rates", str(rates),
                                     "-o", str(mined)), tidy=mined)
    print(f"checking that variants and PM4Py agree at {events:,} events ...", flush=True)
    try:
        problems = variants_disagreements(
            json_of((*abc_costing(), "variants", "--json", "--top", "0", str(csv)),
                    timeout_s=timeout_s),
            json_of(pm4py.argv, timeout_s=timeout_s))
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, ValueError) as error:
        problems = [f"the check could not run: {error}"]
    print("  " + ("agree" if not problems else "DISAGREE: " + "; ".join(problems[:5])))
    return [Row(f"abc-costing variants, {events:,} events vs PM4Py", ours, pm4py,
                speedup_target=PM4PY_SPEEDUP_TARGET, problems=problems),
            Row(f"abc-costing variants, {events:,} events vs pl.read_csv", ours, read,
                ratio_target=READ_RATIO_TARGET),
            Row(f"abc-costing mine, {events:,} events vs pl.read_csv", mine, read)]


def portfolio_rows(cache: Path) -> list[Row]:
    folder = cached_portfolio(cache)
    return [Row(f"abc-costing portfolio, {PORTFOLIO_MODELS:,} × {PORTFOLIO_ACTIVITIES} "
                f"activities", Side("portfolio", (*abc_costing(), "portfolio", str(folder))),
                Side("load_library + build_portfolio",
                     (sys.executable, "-c", _LIBRARY_PORTFOLIO, str(folder))),
                cpu_target_s=PORTFOLIO_TARGET_S)]


def measure(rows: list[Row], *, repeats: int, timeout_s: float) -> dict[str, list[Sample]]:
    """Time every side of ``rows`` once per round, all sides of the group interleaved."""
    sides: dict[str, Side] = {}
    for row in rows:
        for side in (row.ours, row.peer):
            if side is not None:
                sides.setdefault(side.name, side)
    return interleaved(list(sides.values()), repeats=repeats, timeout_s=timeout_s)


def print_table(results: list[tuple[Row, dict[str, list[Sample]]]]) -> bool:
    """Print the rows as a Markdown table (bench/README.md takes it as is); True if one failed."""
    print("| command | ours: CPU s median (min–max), wall s | peer | peer: CPU s median "
          "(min–max), wall s | ratio of medians (paired min–max) | target | verdict |")
    print("|---|---|---|---|---|---|---|")
    failed = False
    for row, samples in results:
        verdict, ratio_text, target = judge(row, samples)
        failed |= verdict == "FAIL"
        print(f"| {row.label} | {seconds_text(samples[row.ours.name])} | "
              f"{row.peer.name if row.peer else ''} | "
              f"{seconds_text(samples[row.peer.name]) if row.peer else ''} | {ratio_text} | "
              f"{target} | {verdict} |")
        for sample in samples[row.ours.name] + (samples[row.peer.name] if row.peer else []):
            if sample.failure:
                print(f"    a run failed: {sample.failure[:300]}")
        for problem in row.problems[:5]:
            print(f"    results disagree: {problem}")
    sys.stdout.flush()
    return failed


def uncompiled_sources() -> list[str]:
    """The project's modules whose bytecode is missing or older than their source (as
    ``make setup`` leaves none): a command's CPU would include compiling them.

    >>> isinstance(uncompiled_sources(), list)
    True
    """
    import importlib.util

    package = Path(__file__).resolve().parent.parent / "abc_costing"
    stale = []
    for source in sorted(package.rglob("*.py")):
        compiled = Path(importlib.util.cache_from_source(str(source)))
        if not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime:
            stale.append(str(source.relative_to(package.parent)))
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each side (default 5)")
    parser.add_argument("--big", action="store_true", help="variants and mine at 5M events too")
    parser.add_argument("--only", default=",".join(GROUPS),
                        help=f"comma-separated groups (default all: {','.join(GROUPS)})")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "abc-costing-bench-commands",
                        help="where generated models and logs are kept between runs")
    parser.add_argument("--pm4py-venv", type=Path, default=None,
                        help="a venv with pm4py (default: one made once in the cache)")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds before a run is killed (default 900)")
    args = parser.parse_args()
    groups = [g.strip() for g in args.only.split(",") if g.strip()]
    if unknown := set(groups) - set(GROUPS):
        parser.error(f"unknown groups {sorted(unknown)}; known: {', '.join(GROUPS)}")
    from machine_info import load_average, machine

    print(machine())
    print(f"load average at start: {load_average()}; {args.repeats} runs a side, interleaved; "
          f"CPU = user + sys of the whole process (RUSAGE_CHILDREN); cache {args.cache}")
    if stale := uncompiled_sources():
        print(f"WARNING: {len(stale)} of the project's modules have no up-to-date bytecode "
              f"(e.g. {stale[0]}); with PYTHONDONTWRITEBYTECODE set every command compiles "
              "them again (~0.06 s each): run `make setup` first")
    args.cache.mkdir(parents=True, exist_ok=True)
    results: list[tuple[Row, dict[str, list[Sample]]]] = []
    for group in groups:
        print(f"\n[{group}] load average {load_average()}", flush=True)
        if group == "startup":
            batches = [startup_rows()]
        elif group == "cost":
            batches = [[row] for row in cost_rows(args.cache)]
        elif group == "portfolio":
            batches = [portfolio_rows(args.cache)]
        else:
            try:
                python = pm4py_python(args.cache, args.pm4py_venv)
            except (subprocess.CalledProcessError, OSError) as error:
                why = getattr(error, "stderr", None) or str(error)
                print(f"FAIL: pm4py cannot be installed or imported:\n{why.strip()[-2000:]}")
                return 1
            sizes = [LOG_EVENTS, BIG_LOG_EVENTS] if args.big else [LOG_EVENTS]
            batches = [variants_rows(args.cache, n, python, timeout_s=args.timeout)
                       for n in sizes]
        for rows in batches:
            samples = measure(rows, repeats=args.repeats, timeout_s=args.timeout)
            print_table([(row, samples) for row in rows])
            results += [(row, samples) for row in rows]
    print(f"\nload average at the end: {load_average()}\n")
    print("all rows:")
    failed = print_table(results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
