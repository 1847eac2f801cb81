"""Benchmark: allocate a ledger of 100,000 lines to 200 pools, 50 processes and 1,000
cost objects (issue 13; target under 2 s on the project's 2-core machine).

Everything is generated with a fixed seed: 50 process models of 20 activities from
:func:`abc_costing.synthetic.random_model`, each with 4 pools of its own (200 pools);
5 support centres serving each other and 10 pools each; 205 ledger rules, one per
cost centre; 100,000 ledger lines over the 205 cost centres; 1,000 cost objects with
5 processes each. Timed: :func:`~abc_costing.engine.allocation.allocate` (median of
3 runs); building the records is timed apart (a reader will do that); then
:func:`~abc_costing.engine.allocation.trace` forward from every ledger line group and
backward from one cost object (each the median of 3); and reading the same ledger
back from a ``;``-separated CSV as 1С writes it (``1 234,56``), by
:func:`~abc_costing.formats.ledger_file.read_ledger`, in CPU seconds so a loaded
machine gives the same verdict. Usage::

    .venv/bin/python bench/bench_allocation.py
"""

from __future__ import annotations

import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from machine_info import answer_help, load_average, machine, verdict

from abc_costing.engine.allocation import Node, allocate, trace
from abc_costing.formats.ledger_file import read_ledger
from abc_costing.model import (
    AllocationRule,
    LedgerLine,
    ObjectInstances,
    ObjectRevenue,
    ProcessModel,
)
from abc_costing.synthetic import random_model

TARGET_SECONDS = 2.0
SEED = 20_261_130
N_LINES, N_PROCESSES, POOLS_PER_PROCESS, N_OBJECTS, N_CENTRES = 100_000, 50, 4, 1_000, 5


def renamed(data: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The model with its resources renamed ``prefix`` + id, so each process has its own pools."""
    data["resources"] = {prefix + rid: r for rid, r in data["resources"].items()}
    for activity in data["activities"].values():
        for key in ("labor", "uses"):
            if key in activity:
                activity[key] = {prefix + rid: v for rid, v in activity[key].items()}
    return data


def generate(rng: np.random.Generator):
    models = [ProcessModel.model_validate(renamed(
        random_model(rng, n_activities=20, n_resources=POOLS_PER_PROCESS, process=f"p{k}"),
        f"p{k}_")) for k in range(N_PROCESSES)]
    pools = [r for m in models for r in m.resources]
    centres = [f"s{i}" for i in range(N_CENTRES)]
    rules = [AllocationRule(id=f"to {name}", cost_centre=f"cc {name}", to=(name,),
                            basis="even") for name in [*pools, *centres]]
    for i, centre in enumerate(centres):
        receivers = (centres[(i + 1) % N_CENTRES], *pools[i * 10:(i + 1) * 10])
        rules.append(AllocationRule(id=f"{centre} out", from_centre=centre, to=receivers,
                                    basis="percent", shares={receivers[0]: 10.0} | {
                                        p: 9.0 for p in receivers[1:]}))
    names = [*pools, *centres]
    which = rng.integers(len(names), size=N_LINES)
    amounts = np.round(rng.uniform(-1_000, 100_000, size=N_LINES), 2)
    lines = [LedgerLine(period="2026-01", account=("20", "25", "26", "44")[i % 4],
                        cost_centre=f"cc {names[w]}", cost_item=f"item {i % 30}",
                        amount=float(a), row=i + 2)
             for i, (w, a) in enumerate(zip(which, amounts, strict=True))]
    instances = [ObjectInstances(cost_object=f"o{o}", process=f"p{p}",
                                 instances=float(rng.integers(1, 50)))
                 for o in range(N_OBJECTS)
                 for p in rng.choice(N_PROCESSES, size=5, replace=False)]
    revenue = [ObjectRevenue(cost_object=f"o{o}", amount=float(rng.uniform(1e4, 1e6)))
               for o in range(N_OBJECTS)]
    return models, pools, centres, rules, lines, instances, revenue


def main() -> int:
    answer_help(__doc__, "bench_allocation.py")
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    models, pools, centres, rules, lines, instances, revenue = generate(rng)
    built = time.perf_counter() - start
    seconds, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        result = allocate(lines, rules, support_centres=centres, models=models,
                          instances=instances, revenue=revenue)
        seconds.append(time.perf_counter() - start)
    assert result is not None
    errors = [p for p in result.problems if p.severity == "error"]
    assert not errors, errors[:3]  # warnings (over-driven random pools) are part of the work
    median = statistics.median(seconds)
    worst = max(abs(b.difference) for b in result.balances)
    print(machine(), load_average(), sep="\n")
    print(f"records built in {built:.2f} s ({len(lines):,} lines, {len(pools)} pools, "
          f"{N_PROCESSES} processes, {len(result.objects):,} cost objects)")
    print(f"allocate: median {median:.3f} s of {[round(s, 3) for s in seconds]}; "
          f"{len(result.balances):,} balances, largest difference {worst:.2e}, "
          f"{len(result.problems)} warnings (pools the random volumes over-drive)")
    print(verdict(median, TARGET_SECONDS))
    ledger = [Node("ledger", name) for name in result.ledger_groups]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "osv.csv"
        path.write_text("Период;Счёт;Подразделение;Статья затрат;Сумма\n" + "".join(
            f"январь 2026;{line.account};{line.cost_centre};{line.cost_item};"
            + f"{line.amount:,.2f}".replace(",", " ").replace(".", ",") + "\n"
            for line in lines), encoding="utf-8")
        began = time.process_time()
        read, problems = read_ledger(path)
        cpu = time.process_time() - began
        megabytes = path.stat().st_size / 1e6
    assert not problems and len(read) == len(lines)
    assert math.isclose(math.fsum(li.amount for li in read), math.fsum(li.amount for li in lines))
    print(f"read_ledger of the same {len(read):,} lines from CSV: {cpu:.2f} s of CPU "
          f"({megabytes:.1f} MB)")
    for label, start, direction in (
            (f"forward from {len(ledger):,} line groups", ledger, "forward"),
            (f"backward from {result.objects[0].cost_object}",
             [Node("object", result.objects[0].cost_object)], "backward")):
        times = []
        for _ in range(3):
            began = time.perf_counter()
            trace(result, start, direction=direction)  # type: ignore[arg-type]
            times.append(time.perf_counter() - began)
        print(f"trace {label}: median {statistics.median(times):.3f} s "
              f"({len(result.flows):,} flows)")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
