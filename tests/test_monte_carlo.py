"""Monte Carlo simulation: convergence to the exact engine, cycle time, sampling, bad input.

Convergence tests compare the simulated mean with the exact engine's figure
within 4 standard errors (sd / √n) rather than the 1.96 of the reported 95%
interval: with a dozen comparisons at 1.96 one in two test runs would flag a
correct simulation by chance somewhere; at 4 the chance is about 1 in 15,000 per
comparison, while a real bias (a wrong loop count, a branch cost lost) shows as
tens of standard errors. Seeds are fixed, so every run gives the same numbers.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from abc_costing.cli import main
from abc_costing.engine import cost_model, expected_executions
from abc_costing.formats import load_model
from abc_costing.model import Duration, ProcessModel
from abc_costing.problems import ModelError
from abc_costing.simulation import (
    MAX_RUNS,
    SimulationError,
    sample_durations,
    simulate,
)
from abc_costing.synthetic import random_model

RUNS = 100_000
SE_TOLERANCE = 4.0

RESOURCES = {"clerk": {"kind": "labor", "rate_per_hour": 600},      # 10 per minute
             "lawyer": {"kind": "labor", "rate_per_hour": 1200},    # 20 per minute
             "courier": {"kind": "per_use", "cost_per_use": 500}}


def model_of(activities: dict, gateways: dict, flows: list, ends: tuple[str, ...] = ("e",)
             ) -> ProcessModel:
    events = {"s": {"kind": "start"}, **{e: {"kind": "end"} for e in ends}}
    return ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "p", "variant": "v", "resources": RESOURCES,
        "activities": activities, "gateways": gateways, "events": events, "flows": flows})


def assert_mean_converges(model: ProcessModel, *, runs: int = RUNS, seed: int = 1) -> None:
    exact = cost_model(model).cost_per_instance
    stats = simulate(model, runs=runs, rng=np.random.default_rng(seed)).cost_per_instance
    standard_error = stats.sd / math.sqrt(runs)
    assert abs(stats.mean - exact) <= SE_TOLERANCE * standard_error + 1e-9 * exact, (
        stats.mean, exact, standard_error)
    # The reported interval is mean ± 1.96 standard errors.
    assert stats.ci95[1] - stats.ci95[0] == pytest.approx(2 * 1.96 * standard_error)


SEQUENCE = model_of(
    # draft: triangular 10/20/60 → mean 30 min × 10 = 300; send: 5 min × 10 + 1 × 500 + 20
    {"draft": {"labor": {"clerk": {"triangular": [10, 20, 60]}}},
     "send": {"labor": {"clerk": 5}, "uses": {"courier": 1}, "other_cost": 20}},
    {}, [["s", "draft"], ["draft", "send"], ["send", "e"]])

CHOICE = model_of(
    # 0.7 × (pert 10/20/60 → 25 min × 20 = 500) + 0.3 × (uniform 10/20 → 15 × 10 = 150)
    {"legal": {"labor": {"lawyer": {"pert": [10, 20, 60]}}},
     "quick": {"labor": {"clerk": {"uniform": [10, 20]}}}},
    {"x": {"kind": "exclusive"}, "m": {"kind": "exclusive"}},
    [["s", "x"], ["x", "legal", 0.7], ["x", "quick", 0.3], ["legal", "m"], ["quick", "m"],
     ["m", "e"]])

REWORK = model_of(
    # review redone with r = 0.4: C / (1 - r) = (lognormal mean 30 min × 10) / 0.6 = 500
    {"review": {"labor": {"clerk": {"lognormal": {"mean": 30, "sd": 15}}}}},
    {"merge": {"kind": "exclusive"}, "ok": {"kind": "exclusive"}},
    [["s", "merge"], ["merge", "review"], ["review", "ok"], ["ok", "e", 0.6],
     ["ok", "merge", 0.4]])

PARALLEL = model_of(
    # both branches cost: 10 min × 10 + 30 min × 20 = 700; cycle = max(10, 30 + 30 wait)
    {"a": {"labor": {"clerk": 10}}, "b": {"labor": {"lawyer": 30}, "wait": 30}},
    {"split": {"kind": "parallel"}, "join": {"kind": "parallel"}},
    [["s", "split"], ["split", "a"], ["split", "b"], ["a", "join"], ["b", "join"],
     ["join", "e"]])

NESTED_LOOPS = model_of(
    # inner loop r = 0.5 inside an outer loop r = 0.25:
    # outer body = prep + fix × 1/(1 - 0.5); runs 1/(1 - 0.25) times
    {"prep": {"labor": {"clerk": {"uniform": [5, 15]}}},
     "fix": {"labor": {"lawyer": {"triangular": [5, 10, 30]}}}},
    {"om": {"kind": "exclusive"}, "os": {"kind": "exclusive"},
     "im": {"kind": "exclusive"}, "is": {"kind": "exclusive"}},
    [["s", "om"], ["om", "prep"], ["prep", "im"], ["im", "fix"], ["fix", "is"],
     ["is", "im", 0.5], ["is", "os", 0.5], ["os", "om", 0.25], ["os", "e", 0.75]])

# A parallel block inside a rework loop, with a loop inside one branch.
LOOP_AROUND_PARALLEL = model_of(
    {"a": {"labor": {"clerk": {"pert": [5, 10, 40]}}},
     "b": {"labor": {"lawyer": {"uniform": [5, 15]}}, "wait": {"triangular": [0, 10, 60]}},
     "c": {"labor": {"clerk": 5}, "uses": {"courier": 1}}},
    {"again": {"kind": "exclusive"}, "split": {"kind": "parallel"},
     "join": {"kind": "parallel"}, "bm": {"kind": "exclusive"}, "bs": {"kind": "exclusive"},
     "ok": {"kind": "exclusive"}},
    [["s", "again"], ["again", "split"], ["split", "a"], ["split", "bm"], ["bm", "b"],
     ["b", "bs"], ["bs", "bm", 0.3], ["bs", "join", 0.7], ["a", "join"], ["join", "c"],
     ["c", "ok"], ["ok", "again", 0.2], ["ok", "e", 0.8]])


def test_exact_figures_of_the_fixtures():
    # The arithmetic in the comments above, checked against the exact engine.
    assert cost_model(SEQUENCE).cost_per_instance == pytest.approx(300 + 50 + 500 + 20)
    assert cost_model(CHOICE).cost_per_instance == pytest.approx(0.7 * 500 + 0.3 * 150)
    assert cost_model(REWORK).cost_per_instance == pytest.approx(300 / 0.6)
    assert cost_model(PARALLEL).cost_per_instance == pytest.approx(700)
    outer_body = 10 * 10 + (15 * 20) / 0.5
    assert cost_model(NESTED_LOOPS).cost_per_instance == pytest.approx(outer_body / 0.75)


@pytest.mark.parametrize("model", [SEQUENCE, CHOICE, REWORK, PARALLEL, NESTED_LOOPS,
                                   LOOP_AROUND_PARALLEL],
                         ids=["sequence", "choice", "rework", "parallel", "nested_loops",
                              "loop_around_parallel"])
def test_mean_cost_converges_to_the_exact_engine(model):
    assert_mean_converges(model)


@pytest.mark.parametrize("path", ["process_models/contract_approval/as_is.yaml",
                                  "process_models/zhkh_leads/as_is.yaml"])
def test_mean_cost_converges_on_shipped_models(path):
    assert_mean_converges(load_model(path), runs=200_000, seed=5)


def test_mean_cost_converges_on_a_generated_model():
    model = ProcessModel.model_validate(
        random_model(np.random.default_rng(4), n_activities=40, n_resources=6))
    assert_mean_converges(model, runs=100_000, seed=2)


def test_parallel_cycle_time_is_the_longest_branch_and_wait_costs_nothing():
    result = simulate(PARALLEL, runs=1_000, rng=np.random.default_rng(0))
    cycle, cost = result.cycle_time_minutes, result.cost_per_instance
    # branch a: 10 min; branch b: 30 min work + 30 min wait = 60 → max 60, every instance
    assert (cycle.mean, cycle.sd, cycle.p5, cycle.max) == (60.0, 0.0, 60.0, 60.0)
    # the 30 wait minutes add no money: 10 × 10 + 30 × 20
    assert (cost.mean, cost.sd, cost.max) == (700.0, 0.0, 700.0)


def test_fixed_sequence_has_no_spread():
    model = model_of({"a": {"labor": {"clerk": 10}, "wait": 100},
                      "b": {"labor": {"clerk": 5, "lawyer": 5}, "other_cost": 7}},
                     {}, [["s", "a"], ["a", "b"], ["b", "e"]])
    result = simulate(model, runs=500, rng=np.random.default_rng(0))
    # cost: 10 × 10 + 5 × 10 + 5 × 20 + 7 = 257; time: 10 + 100 + max(5, 5) = 115 (b's
    # clerk and lawyer work on it together)
    assert (result.cost_per_instance.mean, result.cost_per_instance.sd) == (257.0, 0.0)
    assert result.cost_per_instance.ci95 == (257.0, 257.0)
    assert (result.cycle_time_minutes.p50, result.cycle_time_minutes.sd) == (115.0, 0.0)


def test_roles_of_one_task_work_together_and_each_is_paid():
    # meet: clerk uniform 10–30 and lawyer 20 together, then a 30-minute wait.
    # time = max(U, 20) + 30: P(U < 20) = 0.5 gives 20, else E[U | U > 20] = 25, so
    # 0.5 × 20 + 0.5 × 25 + 30 = 52.5 on average, between 50 and 60;
    # cost: both are paid: 20 min × 10 (clerk's mean) + 20 × 20 (lawyer) = 600.
    model = model_of({"meet": {"labor": {"clerk": {"uniform": [10, 30]}, "lawyer": 20},
                               "wait": 30}},
                     {}, [["s", "meet"], ["meet", "e"]])
    result = simulate(model, runs=RUNS, rng=np.random.default_rng(5))
    cycle, cost = result.cycle_time_minutes, result.cost_per_instance
    assert abs(cycle.mean - 52.5) < SE_TOLERANCE * cycle.sd / math.sqrt(RUNS)
    assert cycle.p5 == 50.0 and 59.0 < cycle.max <= 60.0  # never 10 + 20 + 30 = 60 or more
    assert abs(cost.mean - 600.0) < SE_TOLERANCE * cost.sd / math.sqrt(RUNS)
    # Two varying roles: E[max of two uniforms on 0–60] = 60 × 2 / 3 = 40, not 30 + 30.
    both = model_of({"meet": {"labor": {"clerk": {"uniform": [0, 60]},
                                        "lawyer": {"uniform": [0, 60]}}}},
                    {}, [["s", "meet"], ["meet", "e"]])
    cycle = simulate(both, runs=RUNS, rng=np.random.default_rng(6)).cycle_time_minutes
    assert abs(cycle.mean - 40.0) < SE_TOLERANCE * cycle.sd / math.sqrt(RUNS)
    # Any one of them (one_of): labor holds each one's share of the minutes, so an
    # execution takes 10 + 30 = 40 on average (the engine's rule), not max(10, 30).
    either = model_of({"meet": {"labor": {"clerk": 10, "lawyer": 30},
                                "one_of": {"clerk": 0.5, "lawyer": 0.5}}},
                      {}, [["s", "meet"], ["meet", "e"]])
    assert simulate(either, runs=100, rng=np.random.default_rng(7)).cycle_time_minutes.mean \
        == 40.0


def test_cycle_time_mean_of_a_rework_loop():
    model = model_of({"review": {"labor": {"clerk": 10}, "wait": 20}},
                     {"merge": {"kind": "exclusive"}, "ok": {"kind": "exclusive"}},
                     [["s", "merge"], ["merge", "review"], ["review", "ok"],
                      ["ok", "e", 0.5], ["ok", "merge", 0.5]])
    stats = simulate(model, runs=RUNS, rng=np.random.default_rng(3)).cycle_time_minutes
    # 30 minutes per round, 1 / (1 - 0.5) = 2 rounds on average; always a multiple of 30
    assert abs(stats.mean - 60.0) < SE_TOLERANCE * stats.sd / math.sqrt(RUNS)
    assert stats.p5 == 30.0 and stats.max % 30 == 0


@pytest.mark.parametrize("spec", [
    {"triangular": [10, 20, 60]}, {"triangular": [10, 10, 30]}, {"pert": [10, 20, 60]},
    {"pert": [5, 5, 50]}, {"uniform": [3, 90]}, {"lognormal": {"mean": 30, "sd": 20}},
    {"pert": [7, 7, 7]}, {"lognormal": {"mean": 12, "sd": 0}}, 42,
])
def test_sampled_mean_matches_duration_mean(spec):
    duration = Duration.model_validate(spec)
    n = 200_000
    draws = sample_durations(duration, size=n, rng=np.random.default_rng(11))
    assert abs(draws.mean() - duration.mean_minutes) <= (
        SE_TOLERANCE * draws.std() / math.sqrt(n) + 1e-12)
    low = duration.parameters[0] if duration.distribution != "lognormal" else 0.0
    assert draws.min() >= low


def test_pert_and_lognormal_spread():
    n = 400_000
    rng = np.random.default_rng(12)
    # Beta-PERT (lambda 4) on [10, 60], mode 20: alpha = 1.8, beta = 4.2,
    # sd = 50 · sqrt(αβ / ((α+β)² (α+β+1))) = 50 · sqrt(7.56 / 252) ≈ 8.66
    pert = sample_durations(Duration.model_validate({"pert": [10, 20, 60]}), size=n, rng=rng)
    assert pert.std() == pytest.approx(50 * math.sqrt(7.56 / 252), rel=0.01)
    assert pert.max() <= 60
    # Lognormal is written by the mean and sd of the duration itself.
    logn = sample_durations(Duration.model_validate({"lognormal": {"mean": 30, "sd": 20}}),
                            size=n, rng=rng)
    assert logn.std() == pytest.approx(20, rel=0.02)
    assert logn.min() > 0


def test_same_seed_same_numbers_other_seed_other_numbers():
    first = simulate(LOOP_AROUND_PARALLEL, runs=20_000, rng=np.random.default_rng(7))
    again = simulate(LOOP_AROUND_PARALLEL, runs=20_000, rng=np.random.default_rng(7))
    other = simulate(LOOP_AROUND_PARALLEL, runs=20_000, rng=np.random.default_rng(8))
    assert first.as_dict() == again.as_dict()
    assert first.cost_per_instance.mean != other.cost_per_instance.mean
    assert first.cycle_time_minutes.p90 != other.cycle_time_minutes.p90
    assert simulate(REWORK, runs=1_000, rng=3).as_dict() == \
        simulate(REWORK, runs=1_000, rng=3).as_dict()


def test_chunks_give_the_same_numbers_as_one_walk(monkeypatch):
    import abc_costing.simulation.monte_carlo as mc

    whole = simulate(CHOICE, runs=10_000, rng=np.random.default_rng(1))
    monkeypatch.setattr(mc, "CHUNK_RUNS", 3_000)
    chunked = simulate(CHOICE, runs=10_000, rng=np.random.default_rng(1))
    # Different draws, the same law: the chunked run is a valid sample of the same model.
    assert chunked.runs == 10_000
    assert sum(chunked.cost_per_instance.histogram_counts) == 10_000
    assert abs(chunked.cost_per_instance.mean - whole.cost_per_instance.mean) < 4 * math.sqrt(
        2) * whole.cost_per_instance.sd / 100


def test_end_frequencies_match_end_probabilities():
    model = load_model("process_models/zhkh_leads/as_is.yaml")
    runs = 200_000
    result = simulate(model, runs=runs, rng=np.random.default_rng(9))
    exact = expected_executions(model).end_probabilities
    assert set(result.end_frequencies) == set(exact)
    assert sum(result.end_frequencies.values()) == pytest.approx(1.0)
    for end, p in exact.items():
        assert abs(result.end_frequencies[end] - p) <= SE_TOLERANCE * math.sqrt(p * (1 - p) / runs)


def test_json_document_keys():
    document = simulate(SEQUENCE, runs=1_000, rng=4).as_dict()
    assert document["runs"] == 1_000 and document["seed"] == 4
    for key in ("cost_per_instance", "cycle_time_minutes"):
        stats = document[key]
        assert list(stats) == ["mean", "sd", "ci95", "p5", "p50", "p90", "p95", "max",
                               "histogram"]
        assert len(stats["ci95"]) == 2
        assert len(stats["histogram"]["edges"]) == len(stats["histogram"]["counts"]) + 1 == 41
    json.dumps(document)
    assert simulate(SEQUENCE, runs=10, rng=np.random.default_rng(4)).seed is None


@pytest.mark.parametrize("runs", [0, -5, MAX_RUNS + 1, 10**12, 2.5, True])
def test_bad_run_counts_are_refused(runs):
    with pytest.raises(SimulationError, match="runs must be a whole number from 1 to"):
        simulate(SEQUENCE, runs=runs, rng=1)


def test_invalid_model_is_refused():
    broken = model_of({"a": {}}, {"x": {"kind": "exclusive"}},
                      [["s", "a"], ["a", "x"], ["x", "e", 0.5], ["x", "a", 0.4]])
    with pytest.raises(ModelError, match="sum to 0.9"):
        simulate(broken, runs=10, rng=1)


STICKY = model_of(
    # a: 1 clerk minute = 10 per execution; x leaves the loop with probability 1e-4.
    {"a": {"labor": {"clerk": 1}}}, {"m": {"kind": "exclusive"}, "x": {"kind": "exclusive"}},
    [["s", "m"], ["m", "a"], ["a", "x"], ["x", "e", 0.0001], ["x", "m", 0.9999]])


def test_a_loop_almost_never_left_is_cut_off_and_reported():
    # One step per pass of the loop, so an instance is cut after K = 10,000 runs
    # of a. With N ~ geometric(p = 1e-4) passes:
    #   P(cut) = P(N ≥ K) = 0.9999^9999 = 0.36790
    #   E[min(N, K)] = (1 − 0.9999^K) / p = (1 − 0.367861) / 1e-4 = 6321.4 passes
    # so the mean cost is 10 × 6321.4 = 63 214, below the exact 10 / p = 100 000.
    from abc_costing.simulation.monte_carlo import MAX_STEPS

    assert MAX_STEPS == 10_000
    runs, p = 4_000, 1e-4
    result = simulate(STICKY, runs=runs, rng=3)
    cut_share = (1 - p) ** (MAX_STEPS - 1)
    assert cut_share == pytest.approx(0.36790, abs=1e-5)
    sd = math.sqrt(runs * cut_share * (1 - cut_share))  # binomial: 30.5 instances
    assert abs(result.truncated - runs * cut_share) <= SE_TOLERANCE * sd
    assert result.truncated_loops == {"a, m, x": result.truncated}  # file order: activities, gateways
    assert result.end_frequencies["e"] == pytest.approx(1 - result.truncated / runs)
    passes = (1 - (1 - p) ** MAX_STEPS) / p
    assert passes == pytest.approx(6321.4, abs=0.1)
    cost = result.cost_per_instance
    assert abs(cost.mean - 10 * passes) <= SE_TOLERANCE * cost.sd / math.sqrt(runs)
    assert cost.max == pytest.approx(10 * MAX_STEPS)  # no instance counts beyond the cut
    assert result.cycle_time_minutes.max == pytest.approx(MAX_STEPS)
    assert cost.mean < cost_model(STICKY).cost_per_instance == pytest.approx(100_000)
    note = result.truncation_note
    assert note is not None and f"{result.truncated:,} of 4,000 instances" in note
    assert "loop a, m, x" in note and "lower bounds" in note


def test_a_cut_off_run_is_a_warning_in_the_workflow_and_the_table(capsys, tmp_path):
    import abc_costing.simulation.monte_carlo as mc
    from abc_costing.reports.views import simulation_view
    from abc_costing.workflows import simulate_model

    mc_steps = mc.MAX_STEPS
    try:
        mc.MAX_STEPS = 50  # a short cap: the same path, a fraction of the time
        simulated = simulate_model(STICKY, runs=200, seed=1)
    finally:
        mc.MAX_STEPS = mc_steps
    assert simulated.result is not None and simulated.result.truncated > 190  # 0.9999^49
    (problem,) = simulated.problems
    assert problem.severity == "warning" and "cut off after 50 steps" in problem.message
    view = simulation_view(simulated.result)
    assert "truncated" in view.title and view.note == simulated.result.truncation_note


def test_cli_simulate_table_and_json(capsys):
    path = "process_models/contract_approval/as_is.yaml"
    assert main(["simulate", path, "--runs", "2000", "--seed", "5"]) == 0
    table = capsys.readouterr().out
    assert "2,000 instances, seed 5" in table and "Cycle time, hours" in table
    assert main(["simulate", path, "--runs", "2000", "--seed", "5", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["runs"] == 2000 and document["seed"] == 5
    assert document["cost_per_instance"]["ci95"][0] < document["cost_per_instance"]["mean"]
    assert main(["simulate", path, "--runs", "2000", "--seed", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == document


@pytest.mark.parametrize("runs", ["0", "-5", str(MAX_RUNS + 1)])
def test_cli_simulate_bad_runs(runs, capsys):
    path = "process_models/contract_approval/as_is.yaml"
    assert main(["simulate", path, "--runs", runs]) == 1
    assert "runs: the number of runs must be from 1 to 10,000,000" in capsys.readouterr().err


def test_cli_simulate_invalid_model(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: abc-costing/1\nprocess: p\nvariant: v\n"
                      "events: {s: {kind: start}}\nflows: []\n", encoding="utf-8")
    assert main(["simulate", str(broken), "--runs", "10"]) == 1
    assert "no end event" in capsys.readouterr().err
