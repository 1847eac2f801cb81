"""Benchmark: the Spark engine (local[1], local[2]) against the Polars engine, on `variants`.

A synthetic log (bench_mining's generator, fixed seed) is written as Parquet; each run
is a fresh subprocess, timed by wall clock and by CPU of the whole process tree
(getrusage(RUSAGE_CHILDREN) for the process, plus /proc's CPU of its live descendants:
the JVM and its Python workers, which getrusage misses as nobody waits for them).
From the local[1] run the cost per partition is derived (CPU seconds per input MiB), and
what 1 billion events would need is worked out on paper: partitions of ~128 MiB input,
their count, CPU hours, and executor memory (an assumption, 12× the split: Parquet
decodes to ~4× its size, held as Arrow, as Polars and sorted). Usage::

    .venv/bin/python bench/bench_spark.py                # 1M and 5M events
    .venv/bin/python bench/bench_spark.py 1000000        # chosen sizes
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine_info import answer_help, machine

SIZES = (1_000_000, 5_000_000)
ENGINES = ("polars", "local[1]", "local[2]")
#: Input per partition a cluster run aims at (Spark's default split size).
TARGET_PARTITION_MIB = 128
BILLION = 1_000_000_000

_CHILD = """
import json, sys, time
from pathlib import Path
engine, path, rates_path, buckets = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
from abc_costing.formats import load_model
rates = load_model(Path(rates_path))
started = time.perf_counter()
if engine == "polars":
    from abc_costing.formats.event_log import read_event_log
    from abc_costing.mining import trace_variants
    found = trace_variants(read_event_log(path), rates=rates)
    cases = sum(v.case_count for v in found)
else:
    from abc_costing.mining import variants_from_partial
    from abc_costing.mining_spark import read_partial, spark_session
    spark = spark_session(engine, config={"spark.ui.enabled": "false",
                                          "spark.driver.memory": "2g"})
    session_s = time.perf_counter() - started
    started = time.perf_counter()
    read = read_partial(path, rates=rates, spark=spark, buckets=buckets)
    found = variants_from_partial(read.partial, rates=rates)
    cases = read.partial.case_count
import os
def tree_cpu(root):
    # CPU of the live descendants (the JVM, its Python workers): getrusage sees only
    # children that were waited for, and the JVM is this process's child that is not.
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        for child, (parent, ticks) in parents.items():
            if parent == pid:
                total += ticks
                stack.append(child)
    return total / os.sysconf("SC_CLK_TCK")
print(json.dumps({"work_s": time.perf_counter() - started, "cases": cases,
                  "variants": len(found), "descendants_cpu_s": tree_cpu(os.getpid())}))
"""


def run(engine: str, path: Path, rates: Path, buckets: int) -> dict[str, float]:
    """One run in a fresh process: wall seconds, CPU seconds of the process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, engine, str(path), str(rates),
                           str(buckets)], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # ru_maxrss (KiB) of the children: the largest process so far (driver, JVM or worker)
    return {"wall_s": wall, "cpu_s": cpu + result.pop("descendants_cpu_s"),
            "peak_mib": after.ru_maxrss / 1024, **result}


def main() -> None:
    answer_help(__doc__, "bench_spark.py [EVENTS ...]")
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_mining import generate

    print(machine())
    sizes = [int(a) for a in sys.argv[1:]] or list(SIZES)
    with tempfile.TemporaryDirectory() as folder:
        for events in sizes:
            files = generate(events, Path(folder))
            mib = files["parquet"].stat().st_size / 2**20
            buckets = 8
            print(f"\n{events:,} events, Parquet {mib:.1f} MiB, {buckets} buckets")
            print(f"{'engine':>10} {'wall s':>8} {'CPU s':>8} {'work s':>8} {'variants':>9}")
            results = {}
            for engine in ENGINES:
                r = results[engine] = run(engine, files["parquet"], files["rates"], buckets)
                print(f"{engine:>10} {r['wall_s']:8.1f} {r['cpu_s']:8.1f} {r['work_s']:8.1f} "
                      f"{r['variants']:9d}")
            one = results["local[1]"]
            cpu_per_mib = one["cpu_s"] / mib  # the whole tree: JVM start included, an upper bound
            per_partition_cpu = cpu_per_mib * TARGET_PARTITION_MIB
            billion_mib = mib * BILLION / events
            partitions = int(billion_mib / TARGET_PARTITION_MIB) + 1
            # A bucket holds its rows as Arrow, as a Polars frame and its sort: ~3× its input
            # decoded (Parquet decodes to ~4× its size), so memory per task ~12× the split.
            memory_mib = TARGET_PARTITION_MIB * 12
            print(f"per partition of {TARGET_PARTITION_MIB} MiB Parquet: "
                  f"~{per_partition_cpu:.1f} CPU s (local[1], whole process tree)")
            hours = partitions * per_partition_cpu / 3600
            print(f"for 1 billion events: {partitions:,} partitions of ~{TARGET_PARTITION_MIB} "
                  f"MiB ({billion_mib / 1024:.1f} GiB Parquet), ~{hours:.0f} CPU hours; "
                  f"memory per executor core ~{memory_mib / 1024:.1f} GiB (an assumption: "
                  f"12x the split; spark.executor.memory = cores x that); largest process "
                  f"here peaked at {one['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
