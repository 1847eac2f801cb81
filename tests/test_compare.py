"""The cost bridge of a comparison: rate, capacity, unit time, routing, fees and volume.

Every model here is one activity ``a`` (a clerk's minutes, courier trips and
an other cost per execution) redone with probability r, so it runs
1 / (1 − r) times per instance and the instance costs C / (1 − r), C being
the cost of one execution. The bridge substitutes in the order rate, unit
time, routing, fees (``BRIDGE_ORDER``; capacity only moves a time-driven pool); each expected figure below is worked
out by hand in that order.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abc_costing.compare import BRIDGE_ORDER, compare_models, cost_bridge
from abc_costing.model import ProcessModel
from abc_costing.reports.views import bridge_view
from tests.conftest import parse
from tests.strategies import generated_models

REL = 1e-9


def variant(*, name: str = "v", rate_per_hour: float = 600, minutes: float = 30,
            trips: float = 1, cost_per_trip: float = 200, other_cost: float = 50,
            rework: float = 0.3, volume: float | None = 3000, extra: str = "") -> ProcessModel:
    """Activity a: clerk minutes + courier trips + other cost, redone with probability rework."""
    volume_line = "" if volume is None else f"volume_per_year: {volume}\n"
    return parse(volume_line + f"""\
resources:
  clerk: {{kind: labor, rate_per_hour: {rate_per_hour}}}
  courier: {{kind: per_use, cost_per_use: {cost_per_trip}}}
activities:
  a: {{labor: {{clerk: {minutes}}}, uses: {{courier: {trips}}}, other_cost: {other_cost}}}
{extra}events: {{s: {{kind: start}}, e: {{kind: end}}}}
gateways: {{x: {{kind: exclusive}}}}
flows: [[s, a], [a, x], [x, e, {1 - rework}], [x, a, {rework}]]
""", variant=name)


def effects(comparison) -> dict[str, float]:
    return {e.effect: e.change_per_instance for e in comparison.bridge}


def per_year(comparison) -> dict[str, float | None]:
    return {e.effect: e.change_per_year for e in comparison.bridge}


def test_a_rate_only_change_is_all_rate_effect():
    # clerk 600 → 720 ₽/h (10 → 12 ₽/min), courier 200 → 250 ₽ per trip:
    # one execution costs 2 × 30 + 50 × 1 = 110 ₽ more, run 1 / 0.7 times
    comparison = compare_models(variant(), variant(name="dearer", rate_per_hour=720,
                                                   cost_per_trip=250))
    rate = 110 / 0.7
    assert effects(comparison) == {"rate": pytest.approx(rate), "capacity": 0.0,
                                   "unit_time": 0.0, "routing": 0.0, "fees": 0.0, "volume": 0.0}
    assert comparison.saving_per_instance == pytest.approx(-rate)
    assert per_year(comparison)["rate"] == pytest.approx(rate * 3000)
    assert comparison.saving_per_year == pytest.approx(-rate * 3000)
    assert comparison.problems == ()


def test_a_volume_only_change_saves_nothing_and_shows_the_volume_apart():
    # same process, 3 000 → 2 000 instances a year: the instance costs
    # (30 × 10 + 200 + 50) / 0.7 = 550 / 0.7 ₽ in both; the old figure was
    # 550 / 0.7 × (3 000 − 2 000) ≈ 785 714 ₽ "saved" per year
    comparison = compare_models(variant(), variant(name="fewer", volume=2000))
    assert comparison.saving_per_instance == 0.0
    assert comparison.saving_per_year == 0.0
    assert effects(comparison) == dict.fromkeys([*BRIDGE_ORDER, "volume"], 0.0)
    volume = per_year(comparison)["volume"]
    assert volume == pytest.approx(550 / 0.7 * (2000 - 3000))
    # the whole change in cost per year is the volume effect
    assert volume == pytest.approx(comparison.candidate.cost_per_year
                                   - comparison.baseline.cost_per_year)
    [warning] = comparison.problems
    assert warning.severity == "warning" and warning.element == "volume_per_year"
    assert "3000" in warning.message and "2000" in warning.message
    assert "not as a saving" in warning.message


def test_a_rework_only_change_is_all_routing_effect():
    # rework 30 % → 10 %: C / (1 − r) with C = 550 ₽, so 550 / 0.9 − 550 / 0.7
    comparison = compare_models(variant(), variant(name="lean", rework=0.1))
    routing = 550 / 0.9 - 550 / 0.7
    assert effects(comparison) == {"rate": 0.0, "capacity": 0.0, "unit_time": 0.0,
                                   "routing": pytest.approx(routing), "fees": 0.0,
                                   "volume": 0.0}
    assert comparison.saving_per_instance == pytest.approx(-routing)
    assert comparison.saving_per_year == pytest.approx(-routing * 3000)


def test_a_mixed_change_splits_in_the_stated_order():
    # baseline: 10 ₽/min × 30 min + 1 trip × 200 + 50 = 550 per execution, r = 0.3
    # candidate: 12 ₽/min × 20 min + 2 trips × 250 + 40 = 780 per execution, r = 0.1
    candidate = variant(name="mixed", rate_per_hour=720, minutes=20, trips=2,
                        cost_per_trip=250, other_cost=40, rework=0.1, volume=2000)
    comparison = compare_models(variant(), candidate)
    rate = (30 * 12 + 250 + 50 - 550) / 0.7         # 660 / 0.7 − 550 / 0.7
    unit_time = (20 * 12 + 250 + 50 - 660) / 0.7    # 540 / 0.7 − 660 / 0.7
    routing = 540 / 0.9 - 540 / 0.7
    fees = (20 * 12 + 2 * 250 + 40 - 540) / 0.9     # 780 / 0.9 − 540 / 0.9
    got = effects(comparison)
    assert got == {"rate": pytest.approx(rate), "capacity": 0.0,
                   "unit_time": pytest.approx(unit_time),
                   "routing": pytest.approx(routing), "fees": pytest.approx(fees),
                   "volume": 0.0}
    total = 780 / 0.9 - 550 / 0.7
    assert rate + unit_time + routing + fees == pytest.approx(total)
    assert comparison.saving_per_instance == pytest.approx(-total)
    # per year: the four effects at the baseline's 3 000, the volume effect at
    # the candidate's cost: 780 / 0.9 × (2 000 − 3 000)
    years = per_year(comparison)
    assert [years[e] for e in BRIDGE_ORDER] == pytest.approx(
        [3000 * x for x in (rate, 0.0, unit_time, routing, fees)])
    assert years["volume"] == pytest.approx(780 / 0.9 * -1000)
    assert comparison.saving_per_year == pytest.approx(-total * 3000)
    assert sum(years.values()) == pytest.approx(780 / 0.9 * 2000 - 550 / 0.7 * 3000)


def test_an_added_activity_is_a_routing_effect_and_a_new_resource_keeps_its_price():
    # the candidate adds c after the loop, run once per instance by a new
    # resource (a lawyer, 1 200 ₽/h = 20 ₽/min, 6 min): 120 ₽ per instance, all
    # routing (its executions go 0 → 1); a still runs 1 / 0.7 times
    candidate = parse("""\
volume_per_year: 3000
resources:
  clerk: {kind: labor, rate_per_hour: 600}
  courier: {kind: per_use, cost_per_use: 200}
  lawyer: {kind: labor, rate_per_hour: 1200}
activities:
  a: {labor: {clerk: 30}, uses: {courier: 1}, other_cost: 50}
  c: {labor: {lawyer: 6}}
events: {s: {kind: start}, e: {kind: end}}
gateways: {x: {kind: exclusive}}
flows: [[s, a], [a, x], [x, c, 0.7], [x, a, 0.3], [c, e]]
""", variant="checked")
    comparison = compare_models(variant(), candidate)
    assert effects(comparison) == {"rate": 0.0, "capacity": 0.0, "unit_time": 0.0,
                                   "routing": pytest.approx(120), "fees": 0.0, "volume": 0.0}
    # and back: removing it is routing too, with the opposite sign
    assert effects(compare_models(candidate, variant()))["routing"] == pytest.approx(-120)


def test_a_model_compared_with_itself_has_every_effect_zero():
    model = variant()
    comparison = compare_models(model, model)
    assert [(e.effect, e.change_per_instance, e.change_per_year)
            for e in comparison.bridge] == [(e, 0.0, 0.0) for e in (*BRIDGE_ORDER, "volume")]
    assert comparison.problems == ()


def test_without_volumes_the_bridge_has_no_year_figures():
    comparison = compare_models(variant(volume=None), variant(name="lean", rework=0.1,
                                                              volume=None))
    assert all(e.change_per_year is None for e in comparison.bridge)
    assert comparison.saving_per_year is None and comparison.problems == ()


def test_cost_bridge_alone_equals_the_comparison_bridge():
    base, cand = variant(), variant(name="lean", minutes=20, rework=0.1)
    bridge = cost_bridge(base, cand)
    assert bridge == {e.effect: e.change_per_instance
                      for e in compare_models(base, cand).bridge if e.effect != "volume"}
    assert bridge["unit_time"] == pytest.approx(-10 * 10 / 0.7)  # 10 min × 10 ₽/min, 1/0.7 times


def test_the_bridge_view_rows_and_total():
    # the mixed case of above, 550 / 0.7 → 780 / 0.9 per instance, 3 000 → 2 000 a year
    candidate = variant(name="mixed", rate_per_hour=720, minutes=20, trips=2,
                        cost_per_trip=250, other_cost=40, rework=0.1, volume=2000)
    comparison = compare_models(variant(), candidate)
    view = bridge_view(comparison)
    assert [(row.kind, row.value("effect")) for row in view.rows] == [
        ("item", "rate"), ("item", "capacity"), ("item", "unit_time"), ("item", "routing"),
        ("item", "fees"), ("other", "volume"), ("total", "(total)")]
    rate = view.rows[0]
    assert rate.value("share") == pytest.approx((110 / 0.7) / (550 / 0.7))  # 110 of 550 ₽
    assert view.rows[5].value("share") is None
    total = view.rows[-1]
    assert total.value("change_per_instance") == pytest.approx(780 / 0.9 - 550 / 0.7)
    assert total.value("change_per_year") == pytest.approx(780 / 0.9 * 2000 - 550 / 0.7 * 3000)
    assert total.value("share") == pytest.approx(-comparison.saving_share)
    # rows reconcile to the total, per instance and per year
    for key in ("change_per_instance", "change_per_year"):
        assert sum(row.value(key) for row in view.rows[:-1]) == pytest.approx(total.value(key))
    assert view.currency == "RUB" and "never a saving" in (view.note or "")


# --- properties -------------------------------------------------------------------


@st.composite
def model_pairs(draw: st.DrawFn) -> tuple[ProcessModel, ProcessModel]:
    """Two generated models of one process: different trees, rates, times and volumes."""
    first, second = draw(generated_models()), draw(generated_models())
    candidate = {**second.data, "variant": "candidate"}
    return ProcessModel.model_validate(first.data), ProcessModel.model_validate(candidate)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_pairs())
def test_the_effects_add_up_to_the_change_in_cost(pair):
    baseline, candidate = pair
    comparison = compare_models(baseline, candidate)
    base, cand = comparison.baseline, comparison.candidate
    scale = max(base.cost_per_instance, cand.cost_per_instance, 1.0)
    process_effects = [e.change_per_instance for e in comparison.bridge[:-1]]
    assert sum(process_effects) == pytest.approx(-comparison.saving_per_instance,
                                                 abs=REL * scale)
    assert comparison.bridge[-1].change_per_instance == 0.0
    if base.cost_per_year is not None and cand.cost_per_year is not None:
        year_scale = scale * max(base.volume_per_year or 0, cand.volume_per_year or 0, 1.0)
        years = [e.change_per_year for e in comparison.bridge]
        assert sum(years) == pytest.approx(cand.cost_per_year - base.cost_per_year,
                                           abs=REL * year_scale)
        assert sum(years[:-1]) == pytest.approx(-comparison.saving_per_year,
                                               abs=REL * year_scale)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_models(), st.integers(1, 300).map(lambda percent: percent / 100))
def test_scaling_every_price_is_all_rate_effect(generated, k):
    # every rate and price per use × k, nothing else: the rate effect is
    # (k − 1) × the labour-and-uses cost, every other effect exactly 0
    scaled = {**generated.data, "variant": "scaled", "resources": {
        resource_id: {key: value * k if key in ("rate_per_hour", "cost_per_month",
                                                "cost_per_use") else value
                      for key, value in resource.items()}
        for resource_id, resource in generated.data["resources"].items()}}
    baseline = ProcessModel.model_validate(generated.data)
    comparison = compare_models(baseline, ProcessModel.model_validate(scaled))
    base = comparison.baseline
    priced = base.cost_per_instance - base.other_cost_per_instance
    got = effects(comparison)
    assert got["rate"] == pytest.approx((k - 1) * priced,
                                        abs=REL * max(base.cost_per_instance * k, 1.0))
    assert (got["capacity"], got["unit_time"], got["routing"], got["fees"],
            got["volume"]) == (0.0,) * 5


# --- cash, freed capacity and price effects of a saving (issue 12) --------------------------

CLERKS = ("  clerk: {kind: labor, cost_per_month: 300000, headcount: 3, "
          "capacity_hours_per_month: 360}\n")


def claims(name: str, minutes: float, *, clerks: str = CLERKS, volume: float = 1200,
           extra_resources: str = "", uses: str = "") -> ProcessModel:
    """Clerks check each claim: 3 people, 300 000 ₽ a month, 360 practical h (120 each)."""
    return parse(f"""\
volume_per_year: {volume}
resources:
{clerks}{extra_resources}activities:
  check: {{labor: {{clerk: {minutes}}}{uses}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, check], [check, e]]
""", variant=name)


def split_of(baseline: ProcessModel, candidate: ProcessModel, library=()):
    from abc_costing.compare import split_in_library

    split = split_in_library(compare_models(baseline, candidate), baseline, candidate,
                             library=library)
    assert split is not None
    return split


def test_the_issues_pool_of_three_dropping_to_one_point_two_fte():
    # 1 200 claims a year = 100 a month. as_is: 180 min each → 300 h = 2.5 FTE (120 h each)
    # → 3 heads needed. robot: 86.4 min → 144 h = 1.2 FTE → 2 heads: 1 person released,
    # cash 100 000 × 12 = 1 200 000. On paper (300 − 144) h × 833.33 ₽/h × 12 = 1 560 000;
    # freed capacity 1 560 000 − 1 200 000 = 360 000; no price changed: price effects 0.
    split = split_of(claims("as_is", 180), claims("robot", 86.4))
    [clerk] = split.pools
    assert (clerk.fte_before, clerk.fte_after) == (pytest.approx(2.5), pytest.approx(1.2))
    assert clerk.fte_change == pytest.approx(-1.3)
    assert clerk.heads_released == 1 and clerk.cash_per_year == pytest.approx(1_200_000)
    assert clerk.labour_saving_per_year == pytest.approx(1_560_000)
    assert clerk.freed_capacity_per_year == pytest.approx(360_000)
    assert split.saving_per_year == pytest.approx(1_560_000)
    assert split.cash_per_year == pytest.approx(1_200_000)
    assert split.freed_capacity_per_year == pytest.approx(360_000)
    assert split.price_effect_per_year == 0.0
    assert split.non_labour_per_year == pytest.approx(0, abs=1e-6)
    assert split.load == "this process alone"


def test_whether_a_person_can_go_depends_on_the_whole_librarys_load():
    # Another process, letters, takes 108 h a month of the same clerks (0.9 FTE):
    # before 300 + 108 = 408 h = 3.4 FTE → all 3 heads needed; after 144 + 108 = 252 h
    # = 2.1 FTE → 3 heads still: nobody can go. The whole 1 560 000 stays paid.
    letters = ProcessModel.model_validate(
        claims("as_is", 108 * 60 / 100).model_dump() | {"process": "letters"})
    base, cand = claims("as_is", 180), claims("robot", 86.4)
    split = split_of(base, cand, library=[letters, base, cand])
    [clerk] = split.pools
    assert (clerk.fte_before, clerk.fte_after) == (pytest.approx(3.4), pytest.approx(2.1))
    assert clerk.heads_released == 0 and split.cash_per_year == 0.0
    assert split.freed_capacity_per_year == pytest.approx(1_560_000)
    assert split.load == "the load of 2 processes (test and the others' as_is)"


def test_a_rate_override_is_a_price_effect_neither_cash_nor_capacity():
    # Same work, the clerks' pool 300 000 → 240 000 ₽ a month: 833.33 → 666.67 ₽/h on
    # 300 h a month: (833.33 − 666.67) × 300 × 12 = 600 000 a year, all price.
    split = split_of(claims("as_is", 180), claims("cheaper", 180, clerks=CLERKS.replace(
        "300000", "240000")))
    assert split.saving_per_year == pytest.approx(600_000)
    assert split.price_effect_per_year == pytest.approx(600_000)
    assert split.cash_per_year == 0.0
    assert split.freed_capacity_per_year == pytest.approx(0, abs=1e-6)  # float noise only


def test_non_labour_work_is_cash_and_its_price_is_a_price_effect():
    # Couriers: 2 trips at 200 ₽ → 1 trip at 250 ₽ per claim, 1 200 claims a year.
    # Price first (the bridge's order): 2 trips × (250 − 200) = 100 ₽ dearer per claim:
    # −120 000 a year of price effect; then 1 trip fewer at 250 ₽ = 300 000 a year of cash.
    courier = "  courier: {kind: per_use, cost_per_use: %s}\n"
    split = split_of(claims("as_is", 180, extra_resources=courier % 200,
                            uses=", uses: {courier: 2}"),
                     claims("one_trip", 180, extra_resources=courier % 250,
                            uses=", uses: {courier: 1}"))
    assert split.saving_per_year == pytest.approx(1200 * (400 - 250))  # 180 000
    assert split.non_labour_price_effect_per_year == pytest.approx(-120_000)
    assert split.non_labour_per_year == pytest.approx(300_000)
    assert split.cash_per_year == pytest.approx(300_000)
    assert split.freed_capacity_per_year == pytest.approx(0, abs=1e-6)


def test_a_smaller_candidate_volume_is_not_counted_as_released_people():
    # The robot variant states 600 claims a year: the saving and the FTE after are counted
    # at the baseline's 1 200 (1.2 FTE, not 0.6), so the split is the one of the issue.
    split = split_of(claims("as_is", 180), claims("robot", 86.4, volume=600))
    [clerk] = split.pools
    assert clerk.fte_after == pytest.approx(1.2) and clerk.heads_released == 1
    assert split.saving_per_year == pytest.approx(1_560_000)


def test_the_split_view_rows_add_up_and_name_the_russian_terms():
    from abc_costing.reports.views import saving_split_view

    split = split_of(claims("as_is", 180), claims("robot", 86.4))
    view = saving_split_view(split, baseline="as_is", candidate="robot")
    assert [row.kind for row in view.rows] == ["item", "other", "total"]
    for row in view.rows:  # cash + freed capacity + price effects = saving, in every row
        assert row.value("cash_per_year") + row.value("freed_capacity_per_year") \
            + row.value("price_effect_per_year") \
            == pytest.approx(row.value("labour_saving_per_year"))
    total = view.rows[-1]
    assert total.value("labour_saving_per_year") == pytest.approx(1_560_000)
    assert total.value("heads_released") == 1
    assert "высвобождаемые деньги" in view.label("cash_per_year")
    assert "освобождённая мощность" in view.label("freed_capacity_per_year")
    assert "штатная численность" in view.label("headcount")
    assert "cash + freed capacity + price effects = saving" in (view.note or "")


def test_cli_compare_prints_and_writes_the_split(tmp_path, capsys):
    import json

    from abc_costing.cli import main
    from tests.conftest import model_text

    paths = []
    for name, minutes in (("as_is", 180), ("robot", 86.4)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(model_text(f"""\
volume_per_year: 1200
resources:
{CLERKS}activities: {{check: {{labor: {{clerk: {minutes}}}}}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, check], [check, e]]
""", variant=name), encoding="utf-8")
        paths.append(str(path))
    assert main(["compare", *paths, "--json"]) == 0
    split = json.loads(capsys.readouterr().out)["split"]
    assert split["cash_per_year"] == pytest.approx(1_200_000)
    assert split["freed_capacity_per_year"] == pytest.approx(360_000)
    assert split["price_effect_per_year"] == 0 and split["heads_released"] == 1
    assert main(["compare", *paths]) == 0
    out = " ".join(capsys.readouterr().out.split())
    # str.split() above turns the no-break space after RUB into a plain one
    assert "Of the saving per year: cash RUB 1,200,000.00, freed capacity RUB 360,000.00" in out
    assert "высвобождаемые" in out


def test_the_shipped_esign_variant_releases_one_lawyer_of_the_library():
    # contract_approval as_is → template_esign, the other three processes at as_is: the
    # lawyers go from 2.89 to 1.73 FTE: ⌈2.89⌉ − ⌈1.73⌉ = 1 person, 585 900 / 3 × 12
    # = 2 343 600 a year.
    from abc_costing import workflows as wf
    from tests.conftest import LIBRARY

    compared = wf.compare_files(LIBRARY / "contract_approval" / "as_is.yaml",
                                LIBRARY / "contract_approval" / "template_esign.yaml")
    # the one lawyer released leaves 2, short in January 2026 (120 h): 1.73 × 164.33 / 120
    assert [p.element for p in compared.problems] == ["lawyer"]
    assert "2026-01 (2.37) people needed" in compared.problems[0].message
    assert compared.split is not None
    lawyer = next(p for p in compared.split.pools if p.id == "lawyer")
    assert lawyer.heads_released == 1 and lawyer.cash_per_year == pytest.approx(2_343_600)
    assert compared.split.load.startswith("the load of 4 processes")
    split = compared.split
    assert split.cash_per_year + split.freed_capacity_per_year + split.price_effect_per_year \
        == pytest.approx(split.saving_per_year)


@st.composite
def staffed_pairs(draw: st.DrawFn) -> tuple[ProcessModel, ProcessModel]:
    """Generated pairs whose time-driven pools state a headcount (so people can go)."""
    baseline, candidate = draw(model_pairs())

    def staffed(model: ProcessModel) -> ProcessModel:
        data = model.model_dump(exclude_unset=True)
        data["resources"] = {
            rid: r | ({"headcount": draw(st.integers(1, 6))}
                      if "capacity_hours_per_month" in r else {})
            for rid, r in data["resources"].items()}
        return ProcessModel.model_validate(data)

    return staffed(baseline), staffed(candidate)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(staffed_pairs())
def test_cash_freed_capacity_and_price_effects_add_up_to_the_saving(pair):
    from abc_costing.compare import split_in_library

    baseline, candidate = pair
    comparison = compare_models(baseline, candidate)
    split = split_in_library(comparison, baseline, candidate)
    if comparison.saving_per_year is None:
        assert split is None
        return
    assert split is not None
    scale = max(comparison.baseline.cost_per_instance, comparison.candidate.cost_per_instance,
                1.0) * max(baseline.volume_per_year or 0, 1.0)
    assert split.cash_per_year + split.freed_capacity_per_year + split.price_effect_per_year \
        == pytest.approx(split.saving_per_year, abs=1e-9 * scale)
    # the price effects are the bridge's, per year, as a saving
    bridge_price = sum(e.change_per_year or 0.0 for e in comparison.bridge
                       if e.effect in ("rate", "capacity"))
    assert split.price_effect_per_year == pytest.approx(-bridge_price, abs=1e-9 * scale)
    assert all(p.heads_released >= 0 and p.cash_per_year >= 0 for p in split.pools)


# --- the capacity effect: a rate that changes while what is paid does not (issue 12) ---------

LAWYERS = """\
format: abc-costing-resources/1
currency: RUB
year: 2026
pools:
  lawyer: {kind: labor, headcount: 3, salary_per_month: 150000, capacity_hours_per_month: 360}
  clerk: {kind: labor, rate_per_hour: 600, capacity_hours_per_month: 160}
"""


def lawyer_library(tmp_path, **overrides: str):
    """A catalogue (lawyers: 3 × 150 000 × 1.302 = 585 900 ₽ a month over 360 h), and a
    contract review of 60 lawyer minutes and 30 clerk minutes, 1 000 a year, per variant."""
    from abc_costing.formats import load_library

    (tmp_path / "contract").mkdir()
    (tmp_path / "resources.yaml").write_text(LAWYERS, "utf-8")
    for name, extra in {"as_is": "", **overrides}.items():
        (tmp_path / "contract" / f"{name}.yaml").write_text(f"""\
format: abc-costing/1
process: contract
variant: {name}
volume_per_year: 1000
activities:
  review: {{labor: {{lawyer: 60, clerk: 30}}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, review], [review, e]]
{extra}""", "utf-8")
    models, problems = load_library(tmp_path)
    assert problems == [], problems
    return {m.variant: m for _, m in models}


def test_a_capacity_override_is_all_capacity_effect(tmp_path):
    # 585 900 ₽ / 360 h = 1 627.5 ₽/h; the variant says the lawyers give 300 h: 585 900 / 300
    # = 1 953 ₽/h. Same people, same pay: the rate step changes nothing (cost per month is
    # the same), the capacity step the whole (1 953 − 1 627.5) × 1 h = 325.5 ₽ per review.
    models = lawyer_library(tmp_path, tight="overrides:\n  lawyer: {capacity_hours_per_month: 300}\n")
    base, tight = models["as_is"], models["tight"]
    assert base.resources["lawyer"].rate_per_minute * 60 == pytest.approx(1627.5)
    assert tight.resources["lawyer"].rate_per_minute * 60 == pytest.approx(1953)
    comparison = compare_models(base, tight)
    assert effects(comparison) == {"rate": 0.0, "capacity": pytest.approx(325.5),
                                   "unit_time": 0.0, "routing": 0.0, "fees": 0.0, "volume": 0.0}
    assert per_year(comparison)["capacity"] == pytest.approx(325_500)
    lawyer = next(e for e in comparison.price_effects if e.id == "lawyer")
    assert (lawyer.rate_per_instance, lawyer.capacity_per_instance) == (
        0.0, pytest.approx(325.5))
    assert lawyer.candidate_overrides == {"capacity_hours_per_month": 300}
    assert lawyer.baseline_overrides == {}
    # the saving (−325 500 a year) is all price: no cash, no capacity freed
    from abc_costing.compare import split_in_library

    split = split_in_library(comparison, base, tight)
    assert split is not None and split.price_effect_per_year == pytest.approx(-325_500)
    assert split.cash_per_year == 0.0
    assert split.freed_capacity_per_year == pytest.approx(0, abs=1e-6)


def test_pay_and_capacity_overridden_together_split_into_rate_then_capacity(tmp_path):
    # cost per month 585 900 → 600 000 and capacity 360 → 300 h. Rate step at the old
    # capacity: (600 000 − 585 900) / 360 = 39.1667 ₽/h more; capacity step:
    # 600 000 / 300 − 600 000 / 360 = 2 000 − 1 666.67 = 333.33 ₽/h more; 1 h per review.
    models = lawyer_library(tmp_path, both="overrides:\n  lawyer: {cost_per_month: 600000, "
                                           "capacity_hours_per_month: 300}\n")
    got = effects(compare_models(models["as_is"], models["both"]))
    assert got["rate"] == pytest.approx(14_100 / 360)
    assert got["capacity"] == pytest.approx(2000 - 600_000 / 360)
    assert got["rate"] + got["capacity"] == pytest.approx(2000 - 1627.5)


def test_the_capacity_of_a_pool_priced_by_the_hour_changes_no_rate(tmp_path):
    # clerks are priced at 600 ₽/h; their capacity (160 → 100 h) plans staff, not prices
    models = lawyer_library(tmp_path, few="overrides:\n  clerk: {capacity_hours_per_month: 100}\n")
    comparison = compare_models(models["as_is"], models["few"])
    assert set(effects(comparison).values()) == {0.0}


def test_the_price_effects_view_names_the_override(tmp_path):
    from abc_costing.reports.views import price_effects_view

    models = lawyer_library(tmp_path, tight="overrides:\n  lawyer: {capacity_hours_per_month: 300}\n")
    view = price_effects_view(compare_models(models["as_is"], models["tight"]))
    [row] = [r for r in view.rows if r.kind == "item"]  # the clerks' price did not move
    assert row.value("id") == "lawyer"
    assert row.value("capacity_per_year") == pytest.approx(325_500)
    assert row.value("overrides") == "candidate: capacity_hours_per_month 300"
    total = view.rows[-1]
    assert total.value("rate_per_year") + total.value("capacity_per_year") \
        == pytest.approx(325_500)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_models(), st.integers(1, 300).map(lambda percent: percent / 100))
def test_scaling_every_capacity_is_all_capacity_effect(generated, k):
    # every time-driven pool's capacity hours × k, nothing else: its rate ÷ k, so the
    # capacity effect is (1/k − 1) × the time-driven pools' cost, every other effect 0
    scaled = {**generated.data, "variant": "scaled", "resources": {
        resource_id: {key: value * k if key == "capacity_hours_per_month" else value
                      for key, value in resource.items()}
        for resource_id, resource in generated.data["resources"].items()}}
    baseline = ProcessModel.model_validate(generated.data)
    comparison = compare_models(baseline, ProcessModel.model_validate(scaled))
    base = comparison.baseline
    time_driven = sum(r.cost_per_instance for r in base.resources
                      if baseline.resources[r.id].kind == "labor"
                      and baseline.resources[r.id].rate_per_hour is None)
    got = effects(comparison)
    assert got["capacity"] == pytest.approx((1 / k - 1) * time_driven,
                                            abs=REL * max(base.cost_per_instance / k, 1.0))
    assert (got["rate"], got["unit_time"], got["routing"], got["fees"]) == (0.0,) * 4
