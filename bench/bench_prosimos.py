"""Benchmark: our queueing simulation against Prosimos on the same model.

One small model (a sequence, a rework loop and an exclusive split; a clerk and
an analyst, one person each) is simulated by
:func:`abc_costing.simulation.queueing.simulate_queues` and by Prosimos
(PyPI ``prosimos``), with the same Poisson arrival rate, the same duration
distributions, the same branch probabilities, the same number of cases and
24/7 calendars (so working time is wall time for both). It prints the mean
cycle time and each resource's utilization from both, each over ten seeds
(mean ± sd, and the z-score of the difference of the means), and the time per
simulated case by CPU (Prosimos's ``run_simulation`` in its process, ours
in this one), the two sides alternating seed by seed so that the machine's
load hits both alike; the target (issue 5) is ours at least 20× faster per
case, judged on the ratio of the medians (the paired runs' min–max printed).

Prosimos pins pandas < 3, so it is installed into a throwaway venv in a
temporary folder (``python3 -m venv`` + ``pip install prosimos``) and run in a
subprocess; it never touches the project's ``.venv``. Pass ``--prosimos-venv
DIR`` to reuse a venv that already has it. Usage::

    .venv/bin/python bench/bench_prosimos.py [--cases 2000] [--prosimos-venv DIR]

Exits 1 when Prosimos cannot be installed or run (the reason is printed), or
when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
from machine_info import load_average, machine, verdict
from throwaway_venv import throwaway_python

from abc_costing.model import ProcessModel
from abc_costing.simulation.queueing import simulate_queues
from abc_costing.synthetic import Choice, Loop, Sequence, Task, compile_tree

SPEED_TARGET = 20.0
MEAN_GAP_MINUTES = 50.0
MINUTES_PER_YEAR = 365 * 24 * 60
SEEDS = 10

# Durations both simulators sample alike: Prosimos reads fix, uniform, norm,
# expon, lognorm and gamma; our triangular and PERT have no counterpart there.
ACTIVITIES = {
    "receive": {"labor": {"clerk": {"uniform": [5, 15]}}},
    "check": {"labor": {"analyst": {"uniform": [15, 35]}}},
    "approve": {"labor": {"clerk": 10}},
    "reject": {"labor": {"clerk": {"uniform": [5, 10]}}},
}


def bench_model() -> ProcessModel:
    """receive → check (redone with p = 0.25) → approve (0.7) | reject (0.3)."""
    tree = Sequence((Task("receive"), Loop(Task("check"), redo_probability=0.25),
                     Choice(((0.7, Task("approve")), (0.3, Task("reject"))))))
    data = compile_tree(
        tree, process="bench", variant="prosimos",
        volume_per_year=MINUTES_PER_YEAR / MEAN_GAP_MINUTES,
        # One person each, round the clock (Prosimos's 24/7 calendar): the queue
        # simulation takes servers and calendar from the model, as capacity does.
        resources={"clerk": {"kind": "labor", "rate_per_hour": 600, "headcount": 1,
                             "hours_per_day": 24, "days_per_month": 365 / 12},
                   "analyst": {"kind": "labor", "rate_per_hour": 900, "headcount": 1,
                               "hours_per_day": 24, "days_per_month": 365 / 12}},
        activities=ACTIVITIES)
    return ProcessModel.model_validate(data)


# --- Prosimos's inputs ---------------------------------------------------------------

_BPMN_TAGS = {"activity": "task", "exclusive": "exclusiveGateway",
              "parallel": "parallelGateway", "start": "startEvent", "end": "endEvent"}
_WEEK = {"from": "MONDAY", "to": "SUNDAY", "beginTime": "00:00:00", "endTime": "23:59:59.999"}


def bpmn_text(model: ProcessModel) -> str:
    """The routing as a BPMN 2.0 process (no diagram: Prosimos does not read one)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
             'id="defs" targetNamespace="http://abc-costing">',
             '  <process id="process" isExecutable="true">']
    for node, kind in model.node_kinds.items():
        lines.append(f'    <{_BPMN_TAGS[kind]} id={quoteattr(node)} name={quoteattr(node)}/>')
    for index, flow in enumerate(model.flows):
        lines.append(f'    <sequenceFlow id="flow{index}" sourceRef={quoteattr(flow.source)} '
                     f'targetRef={quoteattr(flow.target)}/>')
    lines += ["  </process>", "</definitions>", ""]
    return "\n".join(lines)


def _distribution(duration: dict | float) -> dict:
    # Prosimos counts seconds.
    if isinstance(duration, int | float):
        return {"distribution_name": "fix", "distribution_params": [{"value": duration * 60}]}
    (name, (low, high)), = duration.items()
    assert name == "uniform"
    return {"distribution_name": "uniform",
            "distribution_params": [{"value": low * 60}, {"value": high * 60}]}


def simulation_parameters(model: ProcessModel) -> dict:
    """Prosimos's JSON: arrivals, calendars, resource pools, durations, branch probabilities."""
    tasks_of: dict[str, list[str]] = {r: [] for r in model.resources}
    for activity_id, activity in model.activities.items():
        (resource_id,) = activity.labor  # Prosimos gives a task to one resource
        tasks_of[resource_id].append(activity_id)
    gateways: dict[str, list[dict]] = {}
    for index, flow in enumerate(model.flows):
        if flow.probability is not None:
            gateways.setdefault(flow.source, []).append(
                {"path_id": f"flow{index}", "value": flow.probability})
    return {
        "resource_profiles": [
            {"id": f"pool_{r}", "name": r, "resource_list": [
                {"id": r, "name": r, "cost_per_hour": resource.rate_per_hour, "amount": 1,
                 "calendar": "24_7", "assignedTasks": tasks_of[r]}]}
            for r, resource in model.resources.items()],
        "arrival_time_distribution": {
            "distribution_name": "expon",
            "distribution_params": [{"value": MEAN_GAP_MINUTES * 60}, {"value": 0},
                                    {"value": 1e12}]},
        "arrival_time_calendar": [_WEEK],
        "gateway_branching_probabilities": [
            {"gateway_id": g, "probabilities": paths} for g, paths in gateways.items()],
        "task_resource_distribution": [
            {"task_id": a, "resources": [
                {"resource_id": r, **_distribution(ACTIVITIES[a]["labor"][r])}
                for r in activity.labor]}
            for a, activity in model.activities.items()],
        "resource_calendars": [{"id": "24_7", "name": "24_7", "time_periods": [_WEEK]}],
    }


# Runs inside the Prosimos venv; prints one JSON line.
_RUNNER = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    from prosimos.simulation_engine import run_simulation
    bpmn, params, cases, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    np.random.seed(seed)  # Prosimos samples through scipy's global numpy state
    started, cpu = time.perf_counter(), time.process_time()
    kpi, task_info, resources, first, last = run_simulation(
        bpmn, params, cases, starting_at="2026-01-05T00:00:00.000+00:00")[0]
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    print(json.dumps({
        "seconds": seconds, "cpu_seconds": cpu_seconds,
        "cycle_minutes": kpi.idle_cycle_time.avg / 60,
        "cases": kpi.idle_cycle_time.count,
        "utilization": {r: info.utilization for r, info in resources.items()},
    }))
""")




def run_prosimos(python: Path, workdir: Path, model: ProcessModel, *, cases: int,
                 seed: int) -> dict:
    bpmn, params, runner = workdir / "model.bpmn", workdir / "params.json", workdir / "run.py"
    bpmn.write_text(bpmn_text(model), encoding="utf-8")
    params.write_text(json.dumps(simulation_parameters(model), indent=1), encoding="utf-8")
    runner.write_text(_RUNNER, encoding="utf-8")
    done = subprocess.run([str(python), str(runner), str(bpmn), str(params), str(cases),
                           str(seed)], capture_output=True, text=True, cwd=workdir, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_ours(model: ProcessModel, *, cases: int, seed: int) -> tuple[float, float, object]:
    """Our simulation of ``cases`` cases: its wall and CPU seconds, and the result."""
    days = cases * MEAN_GAP_MINUTES / (24 * 60)
    started, cpu = time.perf_counter(), time.process_time()
    result = simulate_queues(model, days=days, rng=np.random.default_rng(seed), warmup_days=0,
                             replications=1, hours_per_day=24, days_per_month=365 / 12)
    return time.perf_counter() - started, time.process_time() - cpu, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--prosimos-venv", type=Path, default=None)
    args = parser.parse_args()
    print(machine())
    print(f"load average: {load_average()}")
    model = bench_model()
    print(f"model: receive → check (redo 0.25) → approve 0.7 | reject 0.3; clerk and analyst, "
          f"one each; Poisson arrivals every {MEAN_GAP_MINUTES:g} min on average, 24/7; "
          f"{args.cases} cases")

    with tempfile.TemporaryDirectory(prefix="bench_prosimos_") as tmp:
        workdir = Path(tmp)
        # The two sides alternate, seed by seed (Prosimos, ours, Prosimos, ...), so a
        # change of the machine's load hits both alike (issue 16).
        prosimos_runs, runs = [], []
        try:
            python = throwaway_python("prosimos", venv=args.prosimos_venv, workdir=workdir)
            for seed in range(1, SEEDS + 1):
                prosimos_runs.append(run_prosimos(python, workdir, model, cases=args.cases,
                                                  seed=seed))
                runs.append(run_ours(model, cases=args.cases, seed=seed))
        except subprocess.CalledProcessError as error:
            print(f"Prosimos could not be installed or run: {' '.join(map(str, error.cmd))} "
                  f"exited {error.returncode}\n{(error.stderr or '')[-3000:]}")
            return 1
        except (OSError, ValueError, KeyError) as error:
            print(f"Prosimos could not be installed or run: {error!r}")
            return 1

    ours_seconds = [seconds for seconds, _, _ in runs]
    ours_cpu = [cpu for _, cpu, _ in runs]
    ours = [result for _, _, result in runs]
    # Judged by CPU: a loaded machine stretches wall times, not CPU times.
    per_case_ours = statistics.median(c / r.completed for _, c, r in runs)
    per_case_theirs = statistics.median(t["cpu_seconds"] / t["cases"] for t in prosimos_runs)
    paired = [(t["cpu_seconds"] / t["cases"]) / (c / r.completed)
              for t, (_, c, r) in zip(prosimos_runs, runs, strict=True)]

    def spread(values: list[float]) -> str:
        return f"{statistics.mean(values):8.3f} ± {statistics.stdev(values):6.3f}"

    # Each side: the mean of SEEDS independent runs; z is their difference over
    # its standard error, sqrt(sd_ours² / n + sd_theirs² / n).
    print(f"\n{'':26}{'ours':>18}{'Prosimos':>18}{'z':>7}   (mean ± sd over {SEEDS} seeds each)")
    rows = [("mean cycle time, minutes", [r.cycle_time_minutes["mean"] for r in ours],
             [t["cycle_minutes"] for t in prosimos_runs])]
    for resource_id in model.resources:
        rows.append((f"utilization {resource_id}",
                     [r.resource(resource_id).utilization for r in ours],
                     [t["utilization"][resource_id] for t in prosimos_runs]))
    agree = True
    for label, values, others in rows:
        error = ((statistics.variance(values) + statistics.variance(others)) / SEEDS) ** 0.5
        z = (statistics.mean(others) - statistics.mean(values)) / error
        agree &= abs(z) < 3
        print(f"{label:26}{spread(values):>18}{spread(others):>18}{z:7.2f}")
    offered = {r.id: r.offered_load for r in ours[0].resources}
    print("offered load (exact): " + ", ".join(f"{k} {v:.3f}" for k, v in offered.items()))
    print(f"\ncases a run: ours {statistics.mean(r.completed for r in ours):.0f} on average "
          f"(a Poisson count over {args.cases * MEAN_GAP_MINUTES / 1440:.1f} days), "
          f"Prosimos {prosimos_runs[0]['cases']}")
    theirs_seconds = statistics.median(t["seconds"] for t in prosimos_runs)
    theirs_cpu = statistics.median(t["cpu_seconds"] for t in prosimos_runs)
    print(f"CPU time per case (median of {SEEDS} runs, the sides alternating): ours "
          f"{per_case_ours * 1e6:.1f} µs ({statistics.median(ours_cpu):.3f} s CPU, "
          f"{statistics.median(ours_seconds):.3f} s wall a run, validation and set-up "
          f"included), Prosimos {per_case_theirs * 1e6:.1f} µs ({theirs_cpu:.2f} s CPU, "
          f"{theirs_seconds:.2f} s wall a run, run_simulation only)")
    speedup = per_case_theirs / per_case_ours
    print(f"speed-up: {speedup:.1f}x, paired runs {min(paired):.1f}–{max(paired):.1f}x "
          f"(target ≥ {SPEED_TARGET:g}x): {verdict(1 / speedup, 1 / SPEED_TARGET)}")
    print(f"agreement within 3 sd of our seeds: {'PASS' if agree else 'FAIL'}")
    return 0 if agree and speedup >= SPEED_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
