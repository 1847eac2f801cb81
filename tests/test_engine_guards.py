"""What the engine's entry points refuse: unchecked models, figures that overflow.

Every entry point that walks the routing (costing, executions, comparison,
sensitivity, both simulations) refuses an invalid model with a ModelError that
names the element, however the model was built; before, a model without a start
event raised a bare StopIteration, an unknown resource a KeyError, a flow to an
unknown node a KeyError and a loop with no way out a RoutingError. A model the
reader validated is not validated again. No figure the engine returns is
``inf`` or ``nan``. The library-wide functions (portfolio, capacity) name a
model that cannot be costed as a problem and still cost the others.
"""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest
import yaml

import abc_costing.validation
from abc_costing.compare import compare_models
from abc_costing.engine import (
    capacity_report,
    cost_model,
    expected_executions,
    sensitivity,
)
from abc_costing.formats import parse_model_text
from abc_costing.model import (
    Activity,
    Duration,
    Event,
    Flow,
    Gateway,
    LaborResource,
    PerUseResource,
    ProcessModel,
)
from abc_costing.portfolio import build_portfolio
from abc_costing.problems import AbcCostingError, ModelError
from abc_costing.simulation import simulate
from abc_costing.simulation.queueing import simulate_queues
from tests.conftest import model_text, parse


def unchecked(body: str, *, variant: str = "v") -> ProcessModel:
    """A model built straight from its records, as a script might: never validated."""
    return ProcessModel.model_validate(yaml.safe_load(model_text(body, variant=variant)))


def beyond_bounds(body: str, *, variant: str = "v") -> ProcessModel:
    """The model a file would give if the records did not refuse its amounts.

    The records bound every amount (a reader refuses 1e308 minutes), so the
    engine's guard is the last line of defence only for a program that builds
    records without validation; this builds them so (``model_construct``), the
    routing still checked by the engine as for any model.
    """
    data = yaml.safe_load(model_text(body, variant=variant))

    def duration(value: float) -> Duration:
        return Duration.model_construct(distribution="fixed", parameters=(float(value),))

    resources = {
        rid: (LaborResource if r["kind"] == "labor" else PerUseResource).model_construct(
            **{k: (float(v) if isinstance(v, int | float) else v) for k, v in r.items()})
        for rid, r in data.get("resources", {}).items()}
    activities = {
        aid: Activity.model_construct(
            name=None, labor={r: duration(m) for r, m in a.get("labor", {}).items()},
            uses={r: float(u) for r, u in a.get("uses", {}).items()},
            other_cost=float(a.get("other_cost", 0.0)), wait=duration(0), value="business")
        for aid, a in data.get("activities", {}).items()}
    return ProcessModel.model_construct(
        format=data["format"], process=data["process"], variant=data["variant"], title=None,
        currency=data["currency"], volume_per_year=data.get("volume_per_year"),
        resources=resources, activities=activities,
        gateways={g: Gateway.model_validate(v) for g, v in data.get("gateways", {}).items()},
        events={e: Event.model_validate(v) for e, v in data.get("events", {}).items()},
        flows=[Flow(*f) for f in data["flows"]])


CLERK = """
volume_per_year: 1200
resources: {clerk: {kind: labor, rate_per_hour: 600}}
"""

# name -> (body, the element the refusal must name, words of its message)
INVALID = {
    "no start event": (CLERK + """
activities: {a: {labor: {clerk: 30}}}
events: {e: {kind: end}}
flows: [[a, e]]
""", "events", "no start event"),
    "unknown resource": (CLERK + """
activities: {a: {labor: {clerk: 30, ghost: 5}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
""", "a", "unknown resource 'ghost'"),
    "flow to an unknown node": (CLERK + """
activities: {a: {labor: {clerk: 30}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e], [a, nowhere]]
""", "flows[2]", "unknown element 'nowhere'"),
    "loop with no way out": (CLERK + """
activities: {a: {labor: {clerk: 30}}}
gateways: {m: {kind: exclusive}, x: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, m], [m, a], [a, x], [x, m, 1.0], [x, e, 0.0]]
""", "a", "loop with no way out"),
}

ENTRY_POINTS = {
    "cost_model": cost_model,
    "expected_executions": expected_executions,
    "compare_models": lambda model: compare_models(model, model),
    "sensitivity": sensitivity,
    "simulate": lambda model: simulate(model, runs=10, rng=1),
    "simulate_queues": lambda model: simulate_queues(model, days=2,
                                                     rng=np.random.default_rng(1)),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("case", INVALID)
def test_entry_points_refuse_an_unchecked_invalid_model(case, entry):
    body, element, words = INVALID[case]
    with pytest.raises(ModelError) as refused:
        ENTRY_POINTS[entry](unchecked(body))
    assert element in {p.element for p in refused.value.problems}
    assert words in str(refused.value)
    assert all(p.severity == "error" for p in refused.value.problems)


def test_a_refusal_shares_the_one_base_class():
    with pytest.raises(AbcCostingError):
        cost_model(unchecked(INVALID["no start event"][0]))


VALID = CLERK + """
activities: {a: {labor: {clerk: 30}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
"""


@pytest.fixture
def validations(monkeypatch):
    """Counts the full validations run from now on."""
    calls = []
    real = abc_costing.validation.validate_model

    def counting(model, graph=None, *, include_routing=True):
        calls.append(model)
        return real(model, graph, include_routing=include_routing)

    monkeypatch.setattr(abc_costing.validation, "validate_model", counting)
    return calls


def test_a_model_the_reader_checked_is_not_checked_again(validations):
    model = parse(VALID)  # read_model / parse_model_text validate: the verdict is kept
    assert cost_model(model).cost_per_instance == 300.0  # 30 min × 600/60
    sensitivity(model)
    compare_models(model, model)
    simulate(model, runs=10, rng=1)
    assert validations == []


def test_an_unchecked_model_is_checked_once(validations):
    model = unchecked(VALID)
    for _ in range(3):
        assert cost_model(model).cost_per_instance == 300.0
    expected_executions(model)
    assert validations == [model]


def test_the_verdict_travels_with_a_pickled_model(validations):
    # Streamlit's cache pickles models: the copy has the same fields, so the same verdict.
    model = pickle.loads(pickle.dumps(parse(VALID)))
    assert cost_model(model).cost_per_instance == 300.0
    assert validations == []


def test_a_copy_with_changed_fields_is_checked_afresh():
    model = parse(VALID)
    cost_model(model)  # the verdict (valid) and the node kinds are kept on the instance
    without_start = model.model_copy(update={"events": {"e": Event(kind="end")}})
    assert without_start.node_kinds == {"a": "activity", "e": "end"}  # not the old kinds
    with pytest.raises(ModelError, match="no start event"):
        cost_model(without_start)
    unchanged = model.model_copy()
    assert cost_model(unchanged).cost_per_instance == 300.0


# --- figures that overflow float64 ---------------------------------------------------

# Models whose figures pass 1.8e308; name -> (body, element, words). A reader refuses
# each by the records' bounds; built past them, the engine refuses to cost them.
OVERFLOWING = {
    # 1e308 min × 10 ₽/min = 1e309: one activity's cost
    "one activity": (CLERK + """
activities: {a: {labor: {clerk: 1.0e+308}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
""", "a", "one execution costs inf"),  # refused by the model checks the engine runs
    # each 1e308 ₽ is finite; together 2e308 is not
    "the sum of two activities": (CLERK + """
activities: {a: {other_cost: 1.0e+308}, b: {other_cost: 1.0e+308}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, b], [b, e]]
""", "activities", "cost per instance overflows"),
    # 300 ₽ × 1e307 instances a year = 3e309
    "the cost per year": ("""
volume_per_year: 1.0e+307
resources: {clerk: {kind: labor, rate_per_hour: 600}}
activities: {a: {labor: {clerk: 30}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
""", "volume_per_year", "cost per year overflows"),
    # 1e300 ₽ a month over 1e-10 h × 60 = 1.7e308 ₽/min; times 60 minutes it overflows
    "a time-driven rate": ("""
resources: {clerk: {kind: labor, cost_per_month: 1.0e+300, capacity_hours_per_month: 1.0e-10}}
activities: {a: {labor: {clerk: 60}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
""", "a", "one execution costs inf"),
}


@pytest.mark.parametrize("case", OVERFLOWING)
def test_a_cost_that_overflows_is_refused_not_inf(case):
    body, element, words = OVERFLOWING[case]
    read, problems = parse_model_text(model_text(body))
    assert read is None and any("must be at most" in p.message for p in problems), problems
    model = beyond_bounds(body)
    with pytest.raises(ModelError) as refused:
        cost_model(model)
    assert element in {p.element for p in refused.value.problems}
    assert words in str(refused.value)
    with pytest.raises(ModelError):
        compare_models(model, model)
    with pytest.raises(ModelError):
        sensitivity(model)


def test_sensitivity_refuses_an_input_whose_range_overflows():
    # The cost itself (1.7e308 ₽) is finite; +10% of other_cost is 1.87e308, beyond float64.
    model = beyond_bounds("""
activities: {a: {other_cost: 1.7e+308}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
""")
    assert cost_model(model).cost_per_instance == 1.7e308
    with pytest.raises(ModelError) as refused:
        sensitivity(model)
    assert [p.element for p in refused.value.problems] == ["a"]
    assert "other_cost moved by ±10% overflows" in str(refused.value)


def test_a_never_ending_loop_in_sensitivity_is_still_infinite():
    # Rework 0.95 → 1.045, clipped to 1: the exit gets 0 and the loop never ends.
    # That infinity is a finding, not an overflow: it stays.
    model = parse("""
activities: {work: {other_cost: 100}}
gateways: {m: {kind: exclusive}, ok: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, m], [m, work], [work, ok], [ok, e, 0.05], [ok, m, 0.95]]
""")
    rework = next(i for i in sensitivity(model) if i.field == "probability to m")
    assert rework.high_value == 1.0 and rework.cost_high == math.inf
    assert rework.cost_low == pytest.approx(100 / (1 - 0.95 * 0.9))  # 100 / 0.145


def test_a_saving_share_that_overflows_is_refused():
    # Baseline 1e-310 ₽ (a subnormal, but a valid amount), candidate 1e10 ₽:
    # the saving share (1e-310 − 1e10) / 1e-310 is −1e320, beyond float64.
    flow = """
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
"""
    baseline = parse("activities: {a: {other_cost: 1.0e-310}}" + flow, variant="as_is")
    candidate = parse("activities: {a: {other_cost: 1.0e+10}}" + flow, variant="dear")
    with pytest.raises(ModelError) as refused:
        compare_models(baseline, candidate)
    assert [p.element for p in refused.value.problems] == ["dear"]
    assert "saving share overflows" in str(refused.value)


# --- one model that cannot be costed never takes the rest down ----------------------


def library(tmp_path):
    """A folder's worth of models: one fine, one invalid, one that overflows."""
    fine = parse(VALID, variant="as_is")
    broken = unchecked(INVALID["no start event"][0], variant="broken")
    huge = beyond_bounds(OVERFLOWING["one activity"][0], variant="huge")
    return [(tmp_path / "as_is.yaml", fine), (tmp_path / "broken.yaml", broken),
            (tmp_path / "huge.yaml", huge)]


def test_portfolio_names_the_models_it_cannot_cost_and_keeps_the_rest(tmp_path):
    portfolio = build_portfolio(library(tmp_path))
    assert [(row.variant, row.cost_per_instance) for row in portfolio.rows] == [
        ("as_is", 300.0)]  # 30 min × 600/60
    found = {(p.file, p.element) for p in portfolio.problems}
    assert (str(tmp_path / "broken.yaml"), "events") in found
    assert (str(tmp_path / "huge.yaml"), "a") in found
    assert all(p.severity == "error" for p in portfolio.problems)
    document = portfolio.as_dict()
    assert {p["file"] for p in document["problems"]} == {str(tmp_path / "broken.yaml"),
                                                          str(tmp_path / "huge.yaml")}


def test_capacity_names_the_processes_it_cannot_cost_and_counts_the_rest(tmp_path):
    fine, broken, huge = library(tmp_path)
    # Three processes share the clerk pool; only the valid one can be costed.
    models = [fine, (broken[0], broken[1].model_copy(
                  update={"process": "claims", "variant": "as_is"})),
              (huge[0], huge[1].model_copy(update={"process": "giant", "variant": "as_is"}))]
    report = capacity_report(models)
    assert report.counted == (("test", "as_is"),)
    # 1200 a year / 12 = 100 a month × 30 min = 3000 min; no capacity stated
    assert report.pool("clerk").minutes_per_month == 3000.0
    assert {(s.process, s.reason.split(":")[0]) for s in report.skipped} == {
        ("claims", "cannot be costed"), ("giant", "cannot be costed")}
    found = {(p.file, p.element) for p in report.problems}
    assert (str(tmp_path / "broken.yaml"), "events") in found
    assert (str(tmp_path / "huge.yaml"), "a") in found
    document = json.loads(json.dumps(report.as_dict(), allow_nan=False))  # no inf, no nan
    assert document["counted"] == [{"process": "test", "variant": "as_is"}]


def test_capacity_refuses_a_monthly_load_that_overflows():
    # A rate of 0.000001 ₽/h keeps every cost finite (1e300 min × 1.7e-8 ₽/min × 1.2e10 a year
    # is 2e302 ₽); the minutes do not: 1.2e10 / 12 = 1e9 instances a month.
    def process(name: str, minutes: str) -> ProcessModel:
        return beyond_bounds("""
volume_per_year: 1.2e+10
resources: {clerk: {kind: labor, rate_per_hour: 1.0e-6}}
activities: {a: {labor: {clerk: MINUTES}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
""".replace("MINUTES", minutes), variant="as_is").model_copy(update={"process": name})
    # 1e9 × 1e299 = 1e308 a month each: finite alone, 2e308 together;
    # 1e9 × 1e300 = 1e309 a month: beyond float64 on its own.
    report = capacity_report([("a.yaml", process("a", "1.0e+299")),
                              ("b.yaml", process("b", "1.0e+299")),
                              ("c.yaml", process("c", "1.0e+300"))])
    assert report.counted == (("a", "as_is"), ("b", "as_is"))
    assert report.pools == ()  # the shared pool's load cannot be stated
    by_file = {p.file: p for p in report.problems}
    assert by_file["a.yaml"].element == "clerk" and "pool 'clerk' overflows" in str(
        by_file["a.yaml"])
    assert by_file["c.yaml"].element == "clerk" and "minutes per month of pool" in str(
        by_file["c.yaml"])
    assert [(s.process, s.reason.split(":")[0]) for s in report.skipped] == [
        ("c", "cannot be costed")]
