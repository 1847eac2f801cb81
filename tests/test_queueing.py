"""Queueing simulation: queueing theory, the exact engine, seeds, bad input, a shipped model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from abc_costing.engine import cost_model
from abc_costing.formats import load_model
from abc_costing.model import LaborResource, ProcessModel
from abc_costing.problems import ModelError
from abc_costing.simulation.queueing import simulate_queues
from abc_costing.synthetic import Choice, Loop, Parallel, Sequence, Task, compile_tree

ROOT = Path(__file__).resolve().parent.parent
MINUTES_PER_YEAR = 12 * 21 * 8 * 60  # the default calendar: 120,960 working minutes


def one_clerk(*, rho: float, service: object, mean_minutes: float) -> ProcessModel:
    """One activity, one clerk, Poisson arrivals at utilization ``rho``."""
    volume = rho / mean_minutes * MINUTES_PER_YEAR
    return ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "mg1", "variant": "v", "volume_per_year": volume,
        "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
        "activities": {"check": {"labor": {"clerk": service}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "check"], ["check", "e"]]})


def test_mean_wait_matches_pollaczek_khinchine():
    # M/G/1 with S ~ uniform(10, 50): E[S] = 30, E[S²] = 40²/12 + 30² = 1033.33;
    # λ = 0.6 / 30 = 0.02 per minute, so ρ = 0.6 and
    # Wq = λ E[S²] / (2 (1 - ρ)) = 0.02 × 1033.33 / 0.8 = 25.83 minutes.
    # Tolerance: over 20 seeds of 1,000 days the mean wait had a standard deviation
    # of 4.4% of Wq; 2,000 days halve the variance, so ±12% is about 4 standard deviations.
    model = one_clerk(rho=0.6, service={"uniform": [10, 50]}, mean_minutes=30)
    result = simulate_queues(model, days=2000, rng=np.random.default_rng(7), warmup_days=5)
    wq = 0.02 * (40**2 / 12 + 30**2) / (2 * (1 - 0.6))
    assert result.activity("check").mean_queue_minutes == pytest.approx(wq, rel=0.12)
    clerk = result.resource("clerk")
    assert clerk.offered_load == pytest.approx(0.6)
    assert clerk.utilization == pytest.approx(0.6, abs=0.025)  # sd 0.005 over seeds
    assert not clerk.overloaded
    # The cycle time is the wait plus the service: W = Wq + E[S].
    assert result.cycle_time_minutes["mean"] == pytest.approx(wq + 30, rel=0.06)
    # Little's law: WIP = λ W, with λ in instances per working minute.
    assert result.work_in_progress == pytest.approx(0.02 * result.cycle_time_minutes["mean"],
                                                    rel=0.05)
    assert result.unfinished == 0 and result.completed == result.instances


def test_fixed_service_and_regular_arrivals_never_wait():
    # D/D/1 at ρ = 0.5: each arrival finds the clerk free.
    model = one_clerk(rho=0.5, service=20, mean_minutes=20)
    result = simulate_queues(model, days=20, rng=np.random.default_rng(0), arrivals="regular")
    assert result.activity("check").max_queue_minutes == pytest.approx(0, abs=1e-9)
    assert result.cycle_time_minutes["p95"] == pytest.approx(20)
    assert result.arrivals_per_day == pytest.approx(0.5 / 20 * 480)


def routed_model(volume: float = 1500) -> ProcessModel:
    """Sequence, parallel block, rework loop, choice; two roles, one activity needs both."""
    tree = Sequence((Task("intake"),
                     Parallel((Task("legal"), Loop(Task("calc"), redo_probability=0.3))),
                     Choice(((0.6, Task("approve")), (0.4, Task("reject"))))))
    data = compile_tree(
        tree, process="routed", volume_per_year=volume,
        resources={"clerk": {"kind": "labor", "rate_per_hour": 600},
                   "lawyer": {"kind": "labor", "cost_per_month": 200000,
                              "capacity_hours_per_month": 125},
                   "courier": {"kind": "per_use", "cost_per_use": 500}},
        activities={
            "intake": {"labor": {"clerk": {"triangular": [5, 10, 30]}}, "other_cost": 40},
            "legal": {"labor": {"lawyer": {"pert": [20, 30, 90]}},
                      "wait": {"lognormal": {"mean": 240, "sd": 120}}},
            "calc": {"labor": {"clerk": {"uniform": [10, 20]}}},
            "approve": {"labor": {"clerk": 15, "lawyer": {"uniform": [5, 15]}},
                        "uses": {"courier": 1}},
            "reject": {"labor": {"clerk": 5}},
        })
    return ProcessModel.model_validate(data)


def test_mean_cost_agrees_with_the_exact_engine():
    # Queues are not priced: the simulated mean cost per instance estimates the
    # engine's exact figure. Per-instance cost here has sd ≈ 30% of the mean,
    # so over ~3,000 instances the standard error is ≈ 0.6%; allow 3%.
    model = routed_model()
    exact = cost_model(model)
    result = simulate_queues(model, days=500, rng=np.random.default_rng(3))
    assert result.instances > 2500
    assert result.cost_per_instance_mean == pytest.approx(exact.cost_per_instance, rel=0.03)
    # Executions per reported instance estimate the expected executions (calc: 1 / 0.7).
    calc = result.activity("calc")
    assert calc.executions / result.instances == pytest.approx(1 / 0.7, rel=0.05)
    # Each pool's utilization estimates its offered load (below 1 here).
    for resource in result.resources:
        assert not resource.overloaded
        assert resource.utilization == pytest.approx(resource.offered_load, abs=0.03)


def test_same_seed_same_result_other_seed_other_result():
    model = routed_model()
    first = simulate_queues(model, days=30, rng=np.random.default_rng(11)).as_dict()
    again = simulate_queues(model, days=30, rng=np.random.default_rng(11)).as_dict()
    other = simulate_queues(model, days=30, rng=np.random.default_rng(12)).as_dict()
    assert first == again
    assert first != other
    json.dumps(first)  # JSON-ready


@pytest.mark.parametrize("days", [0, -1, math.nan, math.inf])
def test_days_must_be_positive(days):
    with pytest.raises(ValueError, match="days must be"):
        simulate_queues(routed_model(), days=days, rng=np.random.default_rng(0))


@pytest.mark.parametrize("volume", [None, 0])
def test_a_model_without_volume_is_refused(volume):
    data = routed_model().model_dump()
    data["volume_per_year"] = volume
    model = ProcessModel.model_validate(data)
    with pytest.raises(ValueError, match="has no volume_per_year"):
        simulate_queues(model, days=10, rng=np.random.default_rng(0))


def test_other_bad_arguments():
    model, rng = routed_model(), np.random.default_rng(0)
    with pytest.raises(ValueError, match="warmup_days must be"):
        simulate_queues(model, days=1, rng=rng, warmup_days=1)
    with pytest.raises(ValueError, match="unknown arrivals 'weekly'"):
        simulate_queues(model, days=10, rng=rng, arrivals="weekly")
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        simulate_queues(model, days=10, rng=42)  # type: ignore[arg-type]


def test_an_invalid_model_is_refused():
    data = routed_model().model_dump()
    data["flows"] = [f for f in data["flows"] if f[0] != "intake"]
    with pytest.raises(ModelError, match="intake") as refused:
        simulate_queues(ProcessModel.model_validate(data), days=10, rng=np.random.default_rng(0))
    assert "intake" in {p.element for p in refused.value.problems}


def test_overload_is_simulated_and_flagged():
    # ρ = 1.5: the queue grows all along; still a result, with the flag set.
    model = one_clerk(rho=1.5, service=30, mean_minutes=30)
    result = simulate_queues(model, days=20, rng=np.random.default_rng(0))
    clerk = result.resource("clerk")
    assert clerk.overloaded and result.overloaded == ("clerk",)
    assert clerk.offered_load == pytest.approx(1.5)
    assert clerk.utilization == pytest.approx(1.0, abs=0.02)
    # Waits grow with the backlog: about (ρ - 1) × the time since the start.
    assert result.activity("check").max_queue_minutes > 0.3 * 20 * 480


class StaffedLabor(LaborResource):
    """A labour record with the calendar fields, whether or not the model has them yet.

    Redefined here so that the tests also build a headcount of 0, which the
    record itself refuses, to check the simulation's own guard.
    """

    headcount: float | None = None
    hours_per_day: float | None = None
    days_per_month: float | None = None
    unproductive_share: float | None = None


def with_staff(model: ProcessModel, resource_id: str, **fields: float) -> ProcessModel:
    old = model.resources[resource_id]
    staffed = StaffedLabor(**old.model_dump(exclude_none=True), **fields)
    return model.model_copy(update={"resources": {**model.resources, resource_id: staffed}})


def test_headcount_and_calendar_set_servers_and_available_time():
    # Three clerks share the load of ρ = 1.8 for one: 0.6 each. Half of each
    # clerk's day is unproductive, so 1.8 / (3 × 0.5) = 1.2 of what they can give.
    model = one_clerk(rho=1.8, service={"uniform": [10, 50]}, mean_minutes=30)
    three = with_staff(model, "clerk", headcount=3)
    clerk = simulate_queues(three, days=300, rng=np.random.default_rng(5)).resource("clerk")
    assert clerk.servers == 3 and clerk.available_share == 1.0
    assert clerk.offered_load == pytest.approx(0.6) and not clerk.overloaded
    assert clerk.utilization == pytest.approx(0.6, abs=0.03)

    half = with_staff(model, "clerk", headcount=3, hours_per_day=8, days_per_month=21,
                      unproductive_share=0.5)
    clerk = simulate_queues(half, days=100, rng=np.random.default_rng(5)).resource("clerk")
    assert clerk.available_share == pytest.approx(0.5)
    assert clerk.offered_load == pytest.approx(1.2) and clerk.overloaded
    assert clerk.utilization == pytest.approx(0.5, abs=0.03)  # busy whenever present

    # A six-hour role in an eight-hour day, 2.5 people: 3 servers each present
    # 2.5 / 3 × 6 / 8 = 0.625 of the day.
    part = with_staff(model, "clerk", headcount=2.5, hours_per_day=6, days_per_month=21)
    clerk = simulate_queues(part, days=50, rng=np.random.default_rng(5)).resource("clerk")
    assert clerk.servers == 3
    assert clerk.available_share == pytest.approx(0.625)


def test_a_needed_resource_without_capacity_is_refused():
    model = with_staff(one_clerk(rho=0.5, service=20, mean_minutes=20), "clerk", headcount=0)
    with pytest.raises(ValueError, match="'clerk' has no capacity"):
        simulate_queues(model, days=10, rng=np.random.default_rng(0))


def test_shipped_contract_approval_runs_with_sensible_figures():
    model = load_model(ROOT / "process_models/contract_approval/as_is.yaml")
    exact = cost_model(model)
    result = simulate_queues(model, days=250, rng=np.random.default_rng(2026))
    assert result.arrivals_per_day == pytest.approx(1200 / 252)
    assert result.instances == pytest.approx(1200 / 252 * 249, rel=0.1)
    assert result.completed + result.unfinished == result.instances
    cycle = result.cycle_time_minutes
    assert cycle["p50"] <= cycle["p90"] <= cycle["p95"]
    # At least the waits without queues: legal review ≈ 1 day, delivery 1-7 days, ...
    assert cycle["mean"] > 5 * 480
    assert result.work_in_progress > 0
    assert result.cost_per_instance_mean == pytest.approx(exact.cost_per_instance, rel=0.05)
    for resource in result.resources:
        assert 0 <= resource.utilization <= 1
        assert resource.overloaded == (resource.offered_load >= 1)
        # The load the engine implies: volume × minutes / (working minutes × people).
        headcount = getattr(model.resources[resource.id], "headcount", None) or 1
        assert resource.servers == math.ceil(headcount)
        minutes = exact.resource(resource.id).minutes_per_instance
        assert resource.offered_load == pytest.approx(
            1200 * minutes / (MINUTES_PER_YEAR * headcount))
    assert {r.id for r in result.resources} == {
        "manager", "lawyer", "finance_controller", "director", "office_admin"}
    # One manager drafts and reworks ≈ 1.09 of his working time: flagged, queues grow.
    assert "manager" in result.overloaded
    json.dumps(result.as_dict(), ensure_ascii=False)


def test_the_model_records_own_calendar_fields():
    if "headcount" not in LaborResource.model_fields:
        pytest.skip("the model has no headcount field yet")
    # 2 clerks, 8 h × 21 days, a quarter unproductive: 0.75 of each day available.
    model = ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "team", "variant": "v", "volume_per_year": 2 * 2419.2,
        "resources": {"clerk": {"kind": "labor", "cost_per_month": 300000, "headcount": 2,
                                "hours_per_day": 8, "days_per_month": 21,
                                "unproductive_share": 0.25}},
        "activities": {"check": {"labor": {"clerk": {"uniform": [10, 50]}}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "check"], ["check", "e"]]})
    clerk = simulate_queues(model, days=200, rng=np.random.default_rng(9)).resource("clerk")
    assert clerk.servers == 2 and clerk.available_share == pytest.approx(0.75)
    # λ × E[S] = 0.04 × 30 = 1.2 servers' work; 1.2 / (2 × 0.75) = 0.8 of what is available.
    assert clerk.offered_load == pytest.approx(0.8) and not clerk.overloaded
    assert clerk.utilization == pytest.approx(0.6, abs=0.03)


def test_cli_simulate_with_queues(capsys):
    import json

    from abc_costing.cli import main
    from tests.conftest import LIBRARY

    model = LIBRARY / "contract_approval" / "as_is.yaml"
    assert main(["simulate", str(model), "--queue", "--days", "20", "--seed", "3",
                 "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["seed"] == 3 and document["days"] == 20
    assert {r["id"] for r in document["resources"]} >= {"manager", "lawyer"}
    assert main(["simulate", str(model), "--queue", "--days", "0"]) == 1
    assert "days" in capsys.readouterr().err
