"""Benchmark: the queueing simulation against queueing theory, and its time per case.

Issue 11: an M/G/1 queue whose lognormal service time has sd = mean (cs² = 1)
at 80 % load must wait what Pollaczek–Khinchine says,
Wq = ρ E[S] (1 + cs²) / (2 (1 − ρ)) = 0.8 × 24 × 2 / 0.4 = 96 min (it waited
48, as if the service were fixed), and three servers at 80 % each must agree
with Erlang C. Each check passes when the formula lies in the 95 % interval
the simulation reports (20 replications of 300 measured days, fixed seeds).
The time per simulated case is printed for the M/G/1 run (cases measured and
warm-up cases together). Usage::

    .venv/bin/python bench/bench_queues.py
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
from machine_info import answer_help, load_average, machine

from abc_costing.model import ProcessModel
from abc_costing.simulation.queueing import simulate_queues

MINUTES_PER_YEAR = 12 * 21 * 8 * 60  # the clerk's calendar: 8 h × 21 days
DAYS, REPLICATIONS = 300, 20


def clerks(*, headcount: int, rho: float, mean_minutes: float, service: object) -> ProcessModel:
    return ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "bench", "variant": "queues",
        "volume_per_year": rho * headcount / mean_minutes * MINUTES_PER_YEAR,
        "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600, "headcount": headcount,
                                "hours_per_day": 8, "days_per_month": 21}},
        "activities": {"check": {"labor": {"clerk": service}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "check"], ["check", "e"]]})


def check(label: str, model: ProcessModel, formula: float, seed: int) -> bool:
    started = time.perf_counter()
    result = simulate_queues(model, days=DAYS, replications=REPLICATIONS,
                             rng=np.random.default_rng(seed))
    seconds = time.perf_counter() - started
    queue = result.activity("check")
    assert queue.mean_queue_minutes_ci95 is not None
    low, high = queue.mean_queue_minutes_ci95
    inside = low <= formula <= high
    cases = result.instances * (1 + result.warmup_days / result.days)
    print(f"    {label}: formula {formula:.2f} min; simulated {queue.mean_queue_minutes:.2f}, "
          f"95% CI [{low:.2f}, {high:.2f}] {'PASS' if inside else 'FAIL'}; "
          f"{seconds:.2f} s for ≈{cases:,.0f} cases = {seconds / cases * 1e6:.1f} µs a case "
          f"(warm-up {result.warmup_days:g} days)")
    return inside


def main() -> int:
    answer_help(__doc__, "bench_queues.py")
    print(machine())
    print(f"load average at start: {load_average()}")
    print(f"{REPLICATIONS} replications × {DAYS} measured days each")
    # Pollaczek–Khinchine with cs² = 1: Wq = 0.8 × 24 × (1 + 1) / (2 × 0.2) = 96.
    mg1 = check("M/G/1, lognormal mean 24 sd 24, ρ 0.8",
                clerks(headcount=1, rho=0.8, mean_minutes=24,
                       service={"lognormal": {"mean": 24, "sd": 24}}),
                0.8 * 24 * 2 / (2 * 0.2), seed=7)
    # M/D/1 (fixed 24): Wq = 0.8 × 24 / (2 × 0.2) = 48.
    md1 = check("M/D/1, fixed 24, ρ 0.8",
                clerks(headcount=1, rho=0.8, mean_minutes=24, service=24), 48.0, seed=7)
    # Erlang C needs exponential service, which the model has no kind for: the
    # test draws the service exponential in its place (tests/test_queueing.py).
    a, c = 2.4, 3
    top = a**c / math.factorial(c) * c / (c - a)
    erlang = top / (sum(a**k / math.factorial(k) for k in range(c)) + top) * 30 / (c - a)
    print(f"    (Erlang C, 3 servers at ρ 0.8, E[S] 30: Wq = {erlang:.2f} min; checked "
          "exactly in tests/test_queueing.py with exponential draws)")
    ok = mg1 and md1
    print("\noverall:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
