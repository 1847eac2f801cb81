"""Queueing simulation: queueing theory, the exact engine, seeds, bad input, a shipped model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from abc_costing.engine import capacity_report, cost_model
from abc_costing.formats import load_model
from abc_costing.i18n import translate
from abc_costing.model import LaborResource, ProcessModel
from abc_costing.problems import ModelError
from abc_costing.reports.views import queue_activities_view, queue_resources_view
from abc_costing.simulation.queueing import WorkingWeek, simulate_queues, t975
from abc_costing.synthetic import Choice, Loop, Parallel, Sequence, Task, compile_tree

ROOT = Path(__file__).resolve().parent.parent
MINUTES_PER_YEAR = 12 * 21 * 8 * 60  # the default calendar: 120,960 working minutes


CLERK_CALENDAR = {"hours_per_day": 8, "days_per_month": 21}  # the simulated clock: 8 h × 21


def one_clerk(*, rho: float, service: object, mean_minutes: float,
              headcount: float = 1) -> ProcessModel:
    """One activity, ``headcount`` clerks working 8 h × 21 days, Poisson arrivals at load ``rho``."""
    volume = rho * headcount / mean_minutes * MINUTES_PER_YEAR
    return ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "mg1", "variant": "v", "volume_per_year": volume,
        "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600, "headcount": headcount,
                                **CLERK_CALENDAR}},
        "activities": {"check": {"labor": {"clerk": service}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "check"], ["check", "e"]]})


def pollaczek_khinchine(*, rho: float, mean: float, second_moment: float) -> float:
    """M/G/1 mean wait in queue: Wq = λ E[S²] / (2 (1 − ρ)), λ = ρ / E[S]."""
    return rho / mean * second_moment / (2 * (1 - rho))


# Every distribution kind of records.Duration with its first two moments by hand.
# fixed 24:                  E[S] = 24, E[S²] = 576;                  ρ 0.8: Wq = 48
# uniform [10, 50]:          E[S] = 30, Var = 40²/12 = 133.33,        ρ 0.6: Wq = 25.83
# triangular [10, 20, 60]:   E[S] = 30, Var = (a²+b²+c²−ab−ac−bc)/18
#                            = (100+400+3600−200−600−1200)/18 = 116.67,  ρ 0.7: Wq = 39.54
# pert [10, 20, 60]:         E[S] = (10+80+60)/6 = 25, α = 1 + 4·10/50 = 1.8,
#                            β = 1 + 4·40/50 = 4.2, Var = 50²αβ/((α+β)²(α+β+1))
#                            = 2500·7.56/(36·7) = 75,                  ρ 0.7: Wq = 32.67
# lognormal mean 24 sd 24:   E[S²] = 24² + 24² = 1152 (cs² = 1),      ρ 0.8: Wq = 96
#                            (the issue's case: simulated as a constant it waited 48)
# lognormal mean 30 sd 15:   E[S²] = 900 + 225 = 1125,                ρ 0.7: Wq = 43.75
KINDS = [
    ("fixed", 24, 0.8, 24, 576),
    ("uniform", {"uniform": [10, 50]}, 0.6, 30, 30**2 + 40**2 / 12),
    ("triangular", {"triangular": [10, 20, 60]}, 0.7, 30, 30**2 + 2100 / 18),
    ("pert", {"pert": [10, 20, 60]}, 0.7, 25, 25**2 + 75),
    ("lognormal cs2=1", {"lognormal": {"mean": 24, "sd": 24}}, 0.8, 24, 2 * 24**2),
    ("lognormal cs2=0.25", {"lognormal": {"mean": 30, "sd": 15}}, 0.7, 30, 30**2 + 15**2),
]


@pytest.mark.parametrize(("kind", "service", "rho", "mean", "second_moment"), KINDS,
                         ids=[k[0] for k in KINDS])
def test_every_distribution_kind_waits_as_pollaczek_khinchine_says(
        kind, service, rho, mean, second_moment):
    # M/G/1: the formula lies inside the 95 % interval the simulation reports
    # (20 replications of 300 measured days, seed 7), and the interval is tight
    # enough to mean something: within ±15 % of the formula.
    model = one_clerk(rho=rho, service=service, mean_minutes=mean)
    result = simulate_queues(model, days=300, replications=20, rng=np.random.default_rng(7))
    wq = pollaczek_khinchine(rho=rho, mean=mean, second_moment=second_moment)
    check = result.activity("check")
    low, high = check.mean_queue_minutes_ci95
    assert low <= wq <= high, (kind, wq, low, high)
    assert high - low < 0.3 * wq
    clerk = result.resource("clerk")
    assert clerk.offered_load == pytest.approx(rho)
    low, high = clerk.utilization_ci95
    assert low <= rho <= high
    if kind == "lognormal cs2=1":  # drawn as if fixed it waited Wq = 48: far outside
        assert check.mean_queue_minutes_ci95[0] > 48


def erlang_c_wait(*, servers: int, offered: float, mean: float) -> float:
    """M/M/c mean wait in queue: P(wait) · E[S] / (c − a), a = λ E[S] (Erlang C)."""
    top = offered**servers / math.factorial(servers) * servers / (servers - offered)
    waits = top / (sum(offered**k / math.factorial(k) for k in range(servers)) + top)
    return waits * mean / (servers - offered)


def test_three_servers_wait_as_erlang_c_says(monkeypatch):
    # The model has no exponential kind, so the clerk's service is drawn
    # exponential here (mean 30) in place of the lognormal written in the file;
    # the queue mechanics (three servers, one FCFS line) are the code's own.
    # a = λ E[S] = 2.4 at ρ 0.8 per server:
    #   a³/3! · 3/(3 − a) = 2.304 · 5 = 11.52; Σ_{k<3} a^k/k! = 1 + 2.4 + 2.88 = 6.28
    #   P(wait) = 11.52 / 17.8 = 0.6472;  Wq = 0.6472 · 30 / 0.6 = 32.36 minutes
    from abc_costing.simulation import queueing

    original = queueing._sampler

    def exponential_for_the_clerk(duration, rng):
        if duration.distribution == "lognormal":
            return queueing._stream(lambda: rng.exponential(30.0, 512))
        return original(duration, rng)

    monkeypatch.setattr(queueing, "_sampler", exponential_for_the_clerk)
    model = one_clerk(rho=0.8, service={"lognormal": {"mean": 30, "sd": 30}}, mean_minutes=30,
                      headcount=3)
    result = simulate_queues(model, days=120, replications=20, rng=np.random.default_rng(5))
    wq = erlang_c_wait(servers=3, offered=2.4, mean=30)
    assert wq == pytest.approx(32.36, abs=0.01)
    low, high = result.activity("check").mean_queue_minutes_ci95
    assert low <= wq <= high and high - low < 0.3 * wq
    clerk = result.resource("clerk")
    assert clerk.servers == 3 and clerk.available_share == 1.0
    assert clerk.utilization_ci95[0] <= 0.8 <= clerk.utilization_ci95[1]


def three_alternatives(*, one_of: bool) -> ProcessModel:
    """Three single-person pools (a, b, c), 8 h × 21 days; ``check`` takes 30 min of one of
    them (labor 10 each = 1/3 × 30), at offered load a = λ E[S] = 2.4 (ρ 0.8 per person)."""
    volume = 2.4 / 30 * MINUTES_PER_YEAR
    person = {"kind": "labor", "rate_per_hour": 600, "headcount": 1, **CLERK_CALENDAR}
    check = {"labor": {r: {"lognormal": {"mean": 10, "sd": 10}} for r in "abc"}}
    if one_of:
        check["one_of"] = {r: 1 / 3 for r in "abc"}
    return ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "pool", "variant": "v", "volume_per_year": volume,
        "resources": {r: dict(person) for r in "abc"}, "activities": {"check": check},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "check"], ["check", "e"]]})


def test_a_task_any_one_of_three_people_can_do_queues_as_erlang_c(monkeypatch):
    # Each execution is done by ONE of a, b, c (one_of), the first free one: an M/M/3 line,
    # the same Wq = 32.36 min as three clerks in one pool (test above). The issue's fault:
    # without one_of each execution held all three people at once, for 10 min each.
    from abc_costing.simulation import queueing

    original = queueing._sampler

    def exponential_for_the_person(duration, rng):
        if duration.distribution == "lognormal":  # one person's own minutes: 10 / (1/3)
            assert duration.mean_minutes == pytest.approx(30)
            return queueing._stream(lambda: rng.exponential(30.0, 512))
        return original(duration, rng)

    monkeypatch.setattr(queueing, "_sampler", exponential_for_the_person)
    model = three_alternatives(one_of=True)
    # The exact cost is the same either way: 3 × 10 min × 10 per minute = 300.
    assert cost_model(model).cost_per_instance == pytest.approx(300)
    assert cost_model(three_alternatives(one_of=False)).cost_per_instance == pytest.approx(300)
    result = simulate_queues(model, days=120, replications=20, rng=np.random.default_rng(5))
    wq = erlang_c_wait(servers=3, offered=2.4, mean=30)
    low, high = result.activity("check").mean_queue_minutes_ci95
    assert low <= wq <= high and high - low < 0.3 * wq
    for person in "abc":  # by symmetry each person carries 0.8 of their time
        u_low, u_high = result.resource(person).utilization_ci95
        assert u_low <= 0.8 <= u_high
    # 38.4 cases a day × 120 days × 20 runs ≈ 92 000 cases; sd of one case's cost 300
    # (exponential): standard error ≈ 1, so 2 % is over 6 standard errors.
    assert result.cost_per_instance_mean == pytest.approx(300, rel=0.02)


def test_one_of_must_share_every_labor_resource_summing_to_one():
    from abc_costing.validation import validate_model

    model = three_alternatives(one_of=True)
    broken = model.model_dump()
    broken["activities"]["check"]["one_of"] = {"a": 0.5, "b": 0.25, "z": 0.25}
    messages = [p.message for p in validate_model(ProcessModel.model_validate(broken))
                if p.severity == "error"]
    assert any("one_of names 'z', which do no labor" in m for m in messages), messages
    assert any("one_of leaves out 'c'" in m for m in messages), messages


def test_student_t_factor_matches_scipy():
    from scipy.stats import t

    for df in (1, 2, 9, 19, 30, 31, 50, 200, 10_000):
        assert t975(df) == pytest.approx(t.ppf(0.975, df), abs=1e-6)


def test_cycle_time_and_littles_law():
    # M/G/1 with S ~ uniform(10, 50) at ρ = 0.6: Wq = 25.83 (above), W = Wq + E[S].
    model = one_clerk(rho=0.6, service={"uniform": [10, 50]}, mean_minutes=30)
    result = simulate_queues(model, days=300, replications=20, rng=np.random.default_rng(3))
    wq = pollaczek_khinchine(rho=0.6, mean=30, second_moment=30**2 + 40**2 / 12)
    low, high = result.cycle_time_mean_ci95
    assert low <= wq + 30 <= high
    # Little's law: WIP = λ W, with λ = 0.02 instances per working minute.
    low, high = result.work_in_progress_ci95
    assert low <= 0.02 * (wq + 30) <= high
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
        resources={"clerk": {"kind": "labor", "rate_per_hour": 600, **CLERK_CALENDAR},
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
        simulate_queues(model, days=1, rng=rng, warmup_days=-1)
    with pytest.raises(ValueError, match="replications must be"):
        simulate_queues(model, days=1, rng=rng, replications=0)
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
    """A labour record that also takes a capacity of 0, which the record itself
    refuses, to check the simulation's own guard."""

    capacity_hours_per_month: float | None = None


def with_staff(model: ProcessModel, resource_id: str, **fields: float) -> ProcessModel:
    old = model.resources[resource_id]
    staffed = StaffedLabor(**(old.model_dump(exclude_unset=True) | fields))
    return model.model_copy(update={"resources": {**model.resources, resource_id: staffed}})


def test_headcount_and_calendar_set_servers_and_available_time():
    # Three clerks, 8 h × 21 days each, share a load of 0.6 each.
    three = one_clerk(rho=0.6, service={"uniform": [10, 50]}, mean_minutes=30, headcount=3)
    clerk = simulate_queues(three, days=100, rng=np.random.default_rng(5)).resource("clerk")
    assert clerk.servers == 3 and clerk.available_share == 1.0
    assert clerk.offered_load == pytest.approx(0.6) and not clerk.overloaded
    assert clerk.utilization_ci95[0] <= 0.6 <= clerk.utilization_ci95[1]

    # Half of each clerk's day is unproductive: capacity 3 × 8 × 21 × 0.5 = 252 h of
    # the clock's 3 × 168 h, a share of 0.5; the load of 1.8 servers' work is
    # 1.8 / (3 × 0.5) = 1.2 of it.
    half = with_staff(three, "clerk", unproductive_share=0.5)
    clerk = simulate_queues(half, days=50, rng=np.random.default_rng(5)).resource("clerk")
    assert clerk.available_share == pytest.approx(0.5)
    assert clerk.offered_load == pytest.approx(1.2) and clerk.overloaded
    assert clerk.utilization == pytest.approx(1.0, abs=0.03)  # busy whenever present

    # A six-hour role, 2.5 people: 3 servers; on its own 6-hour clock each is
    # present 2.5 / 3 of the day; on an 8-hour clock 2.5 / 3 × 6 / 8 = 0.625.
    part = with_staff(three, "clerk", headcount=2.5, hours_per_day=6)
    result = simulate_queues(part, days=20, rng=np.random.default_rng(5))
    assert (result.hours_per_day, result.days_per_month) == (6, 21)
    assert result.resource("clerk").servers == 3
    assert result.resource("clerk").available_share == pytest.approx(2.5 / 3)
    clerk = simulate_queues(part, days=20, rng=np.random.default_rng(5),
                            hours_per_day=8).resource("clerk")
    assert clerk.available_share == pytest.approx(0.625)


def test_a_needed_resource_without_capacity_is_refused():
    model = one_clerk(rho=0.5, service=20, mean_minutes=20)
    clerk = StaffedLabor(kind="labor", rate_per_hour=600, capacity_hours_per_month=0.0)
    model = model.model_copy(update={"resources": {"clerk": clerk}})
    with pytest.raises(ValueError, match="'clerk' has no capacity"):
        simulate_queues(model, days=10, rng=np.random.default_rng(0))


def desk_and_clerk(*, desk: dict) -> ProcessModel:
    """A 24/7 desk (one person, 24 h × 30.4 days = 729.6 h a month) half used, then
    the ``desk`` pool of the caller's choice for the second step."""
    return ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "desk", "variant": "as_is",
        # 8755.2 a year = 729.6 a month; × 30 min = 21 888 min = 364.8 h: half of 729.6 h
        "volume_per_year": 8755.2,
        "resources": {
            "desk": {"kind": "labor", "rate_per_hour": 600, "headcount": 1,
                     "hours_per_day": 24, "days_per_month": 30.4},
            "other": {"kind": "labor", "rate_per_hour": 600, **desk}},
        "activities": {"take": {"labor": {"desk": {"uniform": [20, 40]}}},
                       "file": {"labor": {"other": 6}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "take"], ["take", "file"], ["file", "e"]]})


def test_a_24_7_pool_reads_the_same_in_capacity_and_in_queues():
    # capacity: 364.8 h used of 729.6 h = 50 %. The queue simulation used to run an
    # 8 h × 21 day clock, cramming 364.8 h into 168: "214 % OVERLOADED" (217 %).
    # ``other`` works 8 h × 21 days: 729.6 × 6 min = 72.96 h of its 168 h = 43.4 %.
    model = desk_and_clerk(desk={"headcount": 1, "hours_per_day": 8, "days_per_month": 21})
    report = capacity_report([model])
    assert report.pool("desk").utilization == pytest.approx(0.5)
    assert report.pool("other").utilization == pytest.approx(72.96 / 168)
    result = simulate_queues(model, days=60, rng=np.random.default_rng(4))
    assert (result.hours_per_day, result.days_per_month) == (24, 30.4)
    assert "desk" in result.calendar_basis
    for pool_id in ("desk", "other"):
        simulated, planned = result.resource(pool_id), report.pool(pool_id)
        assert simulated.offered_load == pytest.approx(planned.utilization)
        low, high = simulated.utilization_ci95
        assert low <= planned.utilization <= high, pool_id
    # ``other``'s one server is there 168 / 729.6 of the 24 h clock.
    assert result.resource("other").available_share == pytest.approx(168 / 729.6)


def test_a_pool_without_capacity_reads_the_same_in_capacity_and_in_queues():
    # ``other`` has a rate and nothing else: capacity unknown in the capacity
    # report, and so in the queue simulation (it used to be "OVERLOADED" there,
    # simulated as one person on 8 h × 21 days); its work takes its 6 minutes
    # with nobody waiting.
    from abc_costing.reports.views import capacity_view, queue_resources_view

    model = desk_and_clerk(desk={})
    report = capacity_report([model])
    assert not report.pool("other").capacity_known
    result = simulate_queues(model, days=20, rng=np.random.default_rng(4))
    other = result.resource("other")
    assert other.servers is None and not other.queued
    assert other.utilization is None and other.offered_load is None and not other.overloaded
    assert other.basis.startswith("capacity unknown") and other.basis.endswith("not queued")
    assert report.pool("other").basis in other.basis
    assert result.activity("file").mean_queue_minutes == 0
    # 729.6 a month × 6 min = 4377.6 busy minutes a month, 143.95 per 24 h day
    assert other.busy_minutes / result.days == pytest.approx(4377.6 / 30.4, rel=0.05)
    capacity_rows = {r.value("id"): r for r in capacity_view(report, variant="as_is").rows}
    queue_rows = {r.value("id"): r for r in queue_resources_view(result).rows}
    assert capacity_rows["other"].value("status") == "capacity unknown"
    assert queue_rows["other"].value("status") == "capacity unknown: not queued"
    assert queue_rows["desk"].value("status") == "ok"


def test_default_warmup_reaches_the_pools_late_in_a_long_process():
    # 10 a day; intake (clerk, 10 min), a week of waiting (10080 elapsed minutes: on the
    # clock's 5-day week exactly 5 working days, whenever it starts), review (lawyer, 24 min).
    # Both 8 h × 21 days, one person: lawyer ρ = 10 × 24 / 480 = 0.5, clerk 0.2083.
    # The rule lays waits end to end as if every minute were a working one (so it errs
    # long): 2 × (10 + 10080 + 24) = 20228 min, plus the lawyer's queue to settle,
    # 24 / (1 − √0.5)² = 279.75 min: 20507.75 min = 42.7 days of 480, capped at the 20
    # measured days.
    model = ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "long", "variant": "v", "volume_per_year": 2520,
        "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600, **CLERK_CALENDAR},
                      "lawyer": {"kind": "labor", "rate_per_hour": 900, **CLERK_CALENDAR}},
        "activities": {"intake": {"labor": {"clerk": 10}, "wait": 10080},
                       "review": {"labor": {"lawyer": 24}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "intake"], ["intake", "review"], ["review", "e"]]})
    result = simulate_queues(model, days=20, rng=np.random.default_rng(8))
    assert result.warmup_days == 20
    # said on the clock's 8 h day: 10114 min = 21 × 480 + 34; 279.75 min → 4 h 40 min
    assert result.warmup_basis == ("20 days: 2 × 21 days 34 min of work and waits per "
                                   "instance, plus 4 hr 40 min for the queue of lawyer to "
                                   "settle, capped at the measured days")
    assert translate(result.warmup_basis, "ru") == (
        "20 дн.: 2 × 21 дн. 34 мин работы и ожиданий на экземпляр плюс 4 ч 40 мин на "
        "установление очереди к ресурсу «lawyer», но не больше измеряемых дней")
    # where it is shown: the table's note (10 replications, the default), in Russian
    note = queue_activities_view(result).in_language("ru").note
    assert note.startswith("Повторов: 10, по 20 измеряемых дн. после разогрева (20 дн.: 2 × "
                           "21 дн. 34 мин работы и ожиданий на экземпляр")
    calendar = queue_resources_view(result).in_language("ru").note
    assert calendar.startswith("Моделируемый календарь: 8 ч × 21 дн. в месяц (самый длинный "
                               "календарь среди пулов модели (clerk, lawyer)). ")
    low, high = result.resource("lawyer").utilization_ci95
    assert low <= 0.5 <= high
    # A day of warm-up: the lawyer sees no work until working minute 10 + 2400 (a week
    # later), 1930 minutes into the measured days, so over them he reads about
    # 0.5 × (9600 − 1930) / 9600 ≈ 0.40, well below his load.
    short = simulate_queues(model, days=20, rng=np.random.default_rng(8), warmup_days=1)
    assert short.resource("lawyer").utilization_ci95[1] < 0.45


def test_shipped_contract_approval_runs_with_sensible_figures():
    model = load_model(ROOT / "process_models/contract_approval/as_is.yaml")
    exact = cost_model(model)
    result = simulate_queues(model, days=100, replications=4, rng=np.random.default_rng(2026))
    assert (result.hours_per_day, result.days_per_month) == (8, 21)  # no pool states one
    assert result.arrivals_per_day == pytest.approx(1200 / 252)
    assert result.instances == pytest.approx(1200 / 252 * 100 * 4, rel=0.1)
    assert result.completed + result.unfinished == result.instances
    cycle = result.cycle_time_minutes
    assert cycle["p50"] <= cycle["p90"] <= cycle["p95"]
    # At least the waits without queues: legal review ≈ 1 day, delivery 1-7 days, ...
    assert cycle["mean"] > 5 * 480
    assert result.work_in_progress > 0
    assert result.cost_per_instance_mean == pytest.approx(exact.cost_per_instance, rel=0.05)
    report = capacity_report([model])
    for resource in result.resources:
        planned = report.pool(resource.id)
        assert resource.basis.startswith(planned.basis)
        if planned.capacity_known:
            # Offered load = capacity's utilisation: 100 a month × minutes / capacity.
            assert resource.offered_load == pytest.approx(planned.utilization)
            assert resource.servers == math.ceil(planned.headcount or 1)
            assert resource.overloaded == (resource.offered_load >= 1)
        else:
            assert resource.servers is None and resource.utilization is None
    # The lawyers: 3 people, 360 h stated, on the clock's 3 × 168 h: share 360 / 504.
    assert result.resource("lawyer").available_share == pytest.approx(360 / 504)
    # manager and office_admin state a rate only: capacity unknown, not queued (the
    # manager used to read "OVERLOADED 109 %" here, as one person on 8 h × 21 days).
    assert {r.id for r in result.resources if not r.queued} == {"manager", "office_admin"}
    assert result.overloaded == ()
    json.dumps(result.as_dict(), ensure_ascii=False)


def test_the_model_records_own_calendar_fields():
    # 2 clerks, 8 h × 21 days, a quarter unproductive: 0.75 of each day available.
    model = ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "team", "variant": "v", "volume_per_year": 2 * 2419.2,
        "resources": {"clerk": {"kind": "labor", "cost_per_month": 300000, "headcount": 2,
                                "hours_per_day": 8, "days_per_month": 21,
                                "unproductive_share": 0.25}},
        "activities": {"check": {"labor": {"clerk": {"uniform": [10, 50]}}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "check"], ["check", "e"]]})
    clerk = simulate_queues(model, days=100, rng=np.random.default_rng(9)).resource("clerk")
    assert clerk.servers == 2 and clerk.available_share == pytest.approx(0.75)
    # λ × E[S] = 0.04 × 30 = 1.2 servers' work; 1.2 / (2 × 0.75) = 0.8 of what is available,
    # which is also what capacity says: 403.2 a month × 30 min / (252 h × 60).
    assert clerk.offered_load == pytest.approx(0.8) and not clerk.overloaded
    assert capacity_report([model], variant="v").pool("clerk").utilization == pytest.approx(0.8)
    assert clerk.utilization_ci95[0] <= 0.8 <= clerk.utilization_ci95[1]


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


def test_alternatives_taken_unlike_their_shares_are_said_beside_the_cost():
    # Anna needs 10 min, Boris 100 (labor 5 and 50 at shares 0.5): with Boris busy ten times
    # as long, whoever is free is mostly Anna, and the simulated cost per instance is not the
    # exact 550 = (5 + 50) × 10. That must come with its reason, never alone.
    from abc_costing.workflows import simulate_model_queues

    model = ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "oneof", "variant": "v", "volume_per_year": 2520,
        "resources": {r: {"kind": "labor", "rate_per_hour": 600, **CLERK_CALENDAR}
                      for r in ("anna", "boris")},
        "activities": {"check": {"labor": {"anna": 5, "boris": 50},
                                 "one_of": {"anna": 0.5, "boris": 0.5}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "check"], ["check", "e"]]})
    assert cost_model(model).cost_per_instance == pytest.approx(550)
    simulated = simulate_model_queues(model, days=60, seed=1, replications=3)
    taken = simulated.result.one_of_simulated["check"]
    assert sum(taken.values()) == pytest.approx(1) and taken["anna"] > 0.6
    # The simulated cost is what the simulated shares give: Σ share × own minutes × 10.
    by_shares = (taken["anna"] * 10 + taken["boris"] * 100) * 10
    assert simulated.result.cost_per_instance_mean == pytest.approx(by_shares, rel=0.05)
    [note] = simulated.problems
    assert note.element == "check" and note.severity == "warning"
    assert "one_of states anna 50%, boris 50%" in note.message
    # Three alike people take a third each: nothing to say.
    even = simulate_model_queues(three_alternatives(one_of=True), days=30, seed=2, replications=2)
    assert even.problems == ()


# -- what the counts mean, and intervals that respect a wait's sign (issue 14, auditor) ------

# M/M/1-like: Poisson arrivals, service with E[S] = 24 and sd 24 (cs² = 1, as the
# exponential's; the mean wait depends on no more than the first two moments), ρ = 0.5:
#   Wq = ρ E[S] / (1 − ρ) = 0.5 × 24 / 0.5 = 24 minutes (Pollaczek–Khinchine with
#   E[S²] = 2 × 24² = 1152: λ E[S²] / (2 (1 − ρ)) = (0.5 / 24) × 1152 / 1 = 24),
#   W = Wq + E[S] = 48 minutes, λ = 0.5 / 24 a minute,
#   L = λ W = 1.0 instance in the process (M/M/1: ρ / (1 − ρ) = 1).
MM1 = {"lognormal": {"mean": 24, "sd": 24}}


def test_a_long_mm1_run_brackets_the_formulas_and_littles_law():
    model = one_clerk(rho=0.5, service=MM1, mean_minutes=24)
    result = simulate_queues(model, days=300, replications=20, rng=np.random.default_rng(11))
    assert pollaczek_khinchine(rho=0.5, mean=24, second_moment=2 * 24**2) == 24
    low, high = result.activity("check").mean_queue_minutes_ci95
    assert low <= 24 <= high and high - low < 0.3 * 24
    low, high = result.cycle_time_mean_ci95
    assert low <= 48 <= high
    # Little's law, measured two ways: the time-average of instances in the process, and
    # arrivals a minute × mean cycle time (λ = 0.5 / 24 a minute = 10 a day of 480 minutes).
    assert result.arrivals_per_day == pytest.approx(10)
    low, high = result.work_in_progress_ci95
    assert low <= 1.0 <= high
    assert result.littles_law_work_in_progress == pytest.approx(
        10 / 480 * result.cycle_time_minutes["mean"])
    assert result.littles_law_work_in_progress == pytest.approx(result.work_in_progress,
                                                                rel=0.05)
    # All 20 × 300 × 10 = 60 000 expected arrivals finish in the drain: none unfinished,
    # while about L = 1 is in progress when each measured window ends (a snapshot of a
    # count whose sd is √(ρ / (1 − ρ)²) = 1.41: the mean of 20 is within 1 ± 3 × 1.41 / √20).
    assert result.instances == pytest.approx(60_000, rel=0.02)
    assert result.unfinished == 0 and result.completed == result.instances
    assert abs(result.in_progress_at_end - 1.0) < 3 * math.sqrt(2) / math.sqrt(20)


def test_a_short_run_never_shows_a_negative_wait():
    # Three replications of one day at ρ = 0.3: most instances never wait, a few do, so the
    # replications' mean waits spread widely (seed 0: 4.42 minutes, t half-width 18.71).
    model = one_clerk(rho=0.3, service=MM1, mean_minutes=24)
    result = simulate_queues(model, days=1, replications=3, warmup_days=0,
                             rng=np.random.default_rng(0))
    check = result.activity("check")
    low, high = check.mean_queue_minutes_ci95
    # The plain t interval is symmetric about the mean: its lower bound, 2 × mean − high,
    # was below 0; the lower bound reported is 0, the upper one the t interval's.
    assert 2 * check.mean_queue_minutes - high < 0
    assert low == 0.0 and high > check.mean_queue_minutes
    for interval in (result.cycle_time_mean_ci95, result.work_in_progress_ci95):
        assert interval[0] >= 0


def test_the_interval_by_hand():
    from abc_costing.simulation.queueing import mean_and_interval

    # [0, 0, 0, 6]: mean 1.5, s = 3, t(3) = 3.182446: 1.5 ± 3.182446 × 3 / 2 = 1.5 ± 4.7737
    mean, (low, high) = mean_and_interval([0.0, 0.0, 0.0, 6.0])
    assert (mean, low, high) == pytest.approx((1.5, 1.5 - 4.773669, 1.5 + 4.773669))
    mean, (low, high) = mean_and_interval([0.0, 0.0, 0.0, 6.0], non_negative=True)
    assert (low, high) == pytest.approx((0.0, 1.5 + 4.773669))
    # Far from 0 nothing is cut: [10, 12]: 11 ± 12.706205 × √2 / √2 = 11 ± 12.71 → 0 … 23.71
    assert mean_and_interval([10.0, 12.0], non_negative=True)[1] == pytest.approx(
        (0.0, 11 + 12.706205))
    assert mean_and_interval([10.0, 10.2, 9.8], non_negative=True)[1] == pytest.approx(
        (10 - 4.302653 * 0.2 / math.sqrt(3), 10 + 4.302653 * 0.2 / math.sqrt(3)))
    assert mean_and_interval([5.0]) == (5.0, None)


def test_the_counts_say_what_they_are(capsys):
    from abc_costing.cli import main
    from abc_costing.reports.views import queue_counts_text
    from tests.conftest import LIBRARY

    model = one_clerk(rho=0.5, service=MM1, mean_minutes=24)
    result = simulate_queues(model, days=20, replications=2, rng=np.random.default_rng(4))
    text = queue_counts_text(result)
    assert text.startswith("10.0 arrivals a working day (poisson). In all 2 replication(s): "
                           f"{result.instances:,} instances arrived in the measured days")
    little = 10 / 480 * result.cycle_time_minutes["mean"]
    assert f"mean cycle time in working days = {little:.1f})" in text
    ru = queue_counts_text(result, language="ru")
    assert "по закону Литтла" in ru and "в работе на конец измеряемых дней" in ru
    path = LIBRARY / "contract_approval" / "as_is.yaml"
    assert main(["--lang", "ru", "simulate", str(path), "--queue", "--days", "5",
                 "--replications", "2", "--seed", "3"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Всего по повторам (2): за измеряемые дни поступило экземпляров:" in out


# -- elapsed and working cycle times (issue 14: times in the right days) ----------------------


def test_working_and_clock_hours_between_friday_evening_and_monday_morning():
    # A 9–18 Monday–Friday calendar: 9 h days, 22 days a month (22 × 12 / 52 = 5.1: five a
    # week). Friday 17:00 to Monday 10:00: 1 working hour on Friday (17–18) and 1 on Monday
    # (9–10) = 2 working hours; on the clock 7 h (Fri 17–24) + 48 h + 10 h = 65 hours.
    week = WorkingWeek.of(9, 22)
    assert (week.days_per_week, week.opens_minute) == (5, 540.0)
    friday_5pm, monday_10am = 4 * 1440 + 17 * 60, 7 * 1440 + 10 * 60
    arrived, finished = week.working_minutes(friday_5pm), week.working_minutes(monday_10am)
    assert arrived == 4 * 540 + 8 * 60  # four whole days and Friday 9–17
    assert finished - arrived == 2 * 60
    assert week.clock_minutes(finished) - week.clock_minutes(arrived) == 65 * 60
    # The same maps on arrays, and a closed hour adds no working time.
    both = week.working_minutes(np.array([friday_5pm, monday_10am, 5 * 1440 + 12 * 60]))
    assert both.tolist() == [arrived, finished, 5 * 540]  # Saturday noon: all of Friday


def test_a_wait_is_elapsed_time_and_each_instance_has_both_cycle_times():
    # One step: a wait of one calendar day (1440 elapsed minutes) and no labour, on the
    # default 8 h × 21 days clock (five days a week, 9–17). An instance arriving Monday to
    # Thursday at some hour goes on the next day at that hour: 480 working minutes. One
    # arriving on Friday at 9 + x h finishes its wait on Saturday, and goes on at Monday's
    # opening: 8 − x working hours. Arrivals are even over working time, so the mean is
    # 4/5 × 480 + 1/5 × 240 = 432 working minutes; the elapsed time is 1440 for every one
    # (the process ends when its wait does).
    model = ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "p", "variant": "v", "volume_per_year": 25200,
        "activities": {"think": {"wait": 1440}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "think"], ["think", "e"]]})
    result = simulate_queues(model, days=50, replications=2, warmup_days=5,
                             rng=np.random.default_rng(4))
    elapsed, working = result.cycle_time_elapsed_minutes, result.cycle_time_minutes
    assert elapsed["p50"] == pytest.approx(1440) and elapsed["p95"] == pytest.approx(1440)
    assert elapsed["mean"] == pytest.approx(1440)
    assert working["p50"] == pytest.approx(480) and working["p95"] == pytest.approx(480)
    assert working["mean"] == pytest.approx(432, rel=0.05)  # ≈ 5,000 instances
    # Before, the wait ran on the working clock: 1440 working minutes, three 8 h days.
    assert working["mean"] < 1440


def test_on_a_round_the_clock_calendar_working_and_elapsed_times_are_one():
    # A 24/7 desk: 24 h × 30.4 days (7 days a week, open from midnight), so every real
    # minute is a working one and the two cycle times agree instance by instance.
    model = ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "p", "variant": "v", "volume_per_year": 3650,
        "resources": {"desk": {"kind": "labor", "rate_per_hour": 600, "headcount": 1,
                               "hours_per_day": 24, "days_per_month": 30.4}},
        "activities": {"a": {"labor": {"desk": {"uniform": [10, 50]}},
                             "wait": {"uniform": [0, 3000]}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "a"], ["a", "e"]]})
    result = simulate_queues(model, days=30, replications=2, rng=np.random.default_rng(1))
    assert result.working_week == WorkingWeek(24.0, 7, 0.0)
    for key in ("mean", "p50", "p90", "p95"):
        assert result.cycle_time_elapsed_minutes[key] == pytest.approx(
            result.cycle_time_minutes[key])
