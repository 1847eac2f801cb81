"""Sensitivity of the cost per instance, against figures computed by hand."""

from __future__ import annotations

import json

import pytest

from abc_costing.cli import main
from abc_costing.engine import cost_model, sensitivity, tornado_data
from abc_costing.formats import load_library
from abc_costing.model import ProcessModel
from tests.conftest import LIBRARY, parse

# One review by a lawyer (50 ₽/min) and a clerk (10 ₽/min), a courier trip, a
# fee, and rework with probability r = 0.2: executions 1 / (1 − 0.2) = 1.25.
REWORK = """
resources:
  clerk:   {kind: labor, rate_per_hour: 600}
  lawyer:  {kind: labor, cost_per_month: 330000, capacity_hours_per_month: 110}
  courier: {kind: per_use, cost_per_use: 500}
activities:
  review: {labor: {lawyer: 30, clerk: 12}, uses: {courier: 1}, other_cost: 80}
gateways: {merge: {kind: exclusive}, ok: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, merge], [merge, review], [review, ok], [ok, e, 0.8], [ok, merge, 0.2]]
"""
# per execution: 30 × 50 + 12 × 10 + 500 + 80 = 1500 + 120 + 500 + 80 = 2200
BASE = 2200 * 1.25  # 2750


def item(items, element, field):
    return next(i for i in items if i.element == element and i.field == field)


@pytest.fixture
def items():
    return sensitivity(parse(REWORK))


def test_base_cost(items):
    assert all(i.base_cost == pytest.approx(BASE) for i in items)


def test_a_rate_moves_the_cost_by_ten_percent_of_its_resource(items):
    clerk = item(items, "clerk", "rate_per_hour")
    # clerk costs 1.25 × 12 × 10 = 150 ₽ per instance; ±10% = ±15 ₽
    assert (clerk.low_value, clerk.high_value) == pytest.approx((540, 660))
    assert (clerk.cost_low, clerk.cost_high) == pytest.approx((BASE - 15, BASE + 15))
    assert clerk.impact == pytest.approx(15)
    lawyer = item(items, "lawyer", "cost_per_month")
    # lawyer 1.25 × 30 × 50 = 1875 ₽; ±187.5
    assert (lawyer.cost_low, lawyer.cost_high) == pytest.approx((BASE - 187.5, BASE + 187.5))
    courier = item(items, "courier", "cost_per_use")
    assert courier.impact == pytest.approx(1.25 * 500 * 0.1)  # 62.5


def test_capacity_moves_the_cost_as_one_over_capacity(items):
    capacity = item(items, "lawyer", "capacity_hours_per_month")
    # lawyer 1875 ₽ at 110 h; at 99 h: 1875 × 110/99, at 121 h: 1875 × 110/121
    assert capacity.kind == "capacity"
    assert capacity.cost_low == pytest.approx(BASE - 1875 + 1875 / 0.9)  # +208.33
    assert capacity.cost_high == pytest.approx(BASE - 1875 + 1875 / 1.1)  # −170.45
    assert capacity.impact == pytest.approx(1875 / 0.9 - 1875)


def test_duration_uses_and_other_cost_are_executions_times_the_change(items):
    minutes = item(items, "review", "labor.lawyer")
    # 1.25 executions × 30 min × 0.1 × 50 ₽ = 187.5 ₽
    assert minutes.kind == "duration" and minutes.impact == pytest.approx(187.5)
    assert minutes.cost_high == pytest.approx(BASE + 187.5)
    clerk_minutes = item(items, "review", "labor.clerk")
    assert clerk_minutes.impact == pytest.approx(1.25 * 12 * 0.1 * 10)  # 15
    uses = item(items, "review", "uses.courier")
    assert uses.impact == pytest.approx(1.25 * 1 * 0.1 * 500)  # 62.5
    other = item(items, "review", "other_cost")
    assert other.impact == pytest.approx(1.25 * 80 * 0.1)  # 10


def test_rework_probability_is_solved_exactly(items):
    rework = item(items, "ok", "probability to merge")
    # C(r) = 2200 / (1 − r): r 0.2 → 0.18 and 0.22
    assert (rework.low_value, rework.high_value) == pytest.approx((0.18, 0.22))
    assert rework.cost_low == pytest.approx(2200 / (1 - 0.18))  # 2682.93
    assert rework.cost_high == pytest.approx(2200 / (1 - 0.22))  # 2820.51
    done = item(items, "ok", "probability to e")
    # exit 0.8 → 0.72 (rework 0.28) and 0.88 (rework 0.12)
    assert done.cost_low == pytest.approx(2200 / 0.72)
    assert done.cost_high == pytest.approx(2200 / 0.88)
    assert done.flow_index == 3


def test_ranking_is_by_impact(items):
    impacts = [i.impact for i in items]
    assert impacts == sorted(impacts, reverse=True)
    # exit: 2200/0.72 − 2750 = 305.6; capacity 208.3; lawyer rate and minutes 187.5
    assert [(i.element, i.field) for i in items[:4]] == [
        ("ok", "probability to e"), ("lawyer", "capacity_hours_per_month"),
        ("lawyer", "cost_per_month"), ("review", "labor.lawyer")]
    chart = tornado_data(items, top=3)
    assert chart["label"] == ["ok: probability to e", "lawyer: capacity_hours_per_month",
                              "lawyer: cost_per_month"]
    assert chart["delta_high"][2] == pytest.approx(187.5)


def test_the_chart_names_the_inputs_in_the_readers_words_and_keeps_the_path_on_hover():
    from abc_costing.i18n import translate
    from abc_costing.reports.simulation_figures import tornado_figure

    named = parse(REWORK.replace("lawyer:  {kind", "lawyer:  {name: Юрист, kind")
                  .replace("review: {labor", "review: {name: Юридическая проверка, labor")
                  .replace("ok: {kind", "ok: {name: Замечаний нет?, kind"))
    ranked = sensitivity(named)  # the order of test_ranking_is_by_impact
    assert [translate(i.title, "ru") for i in ranked[:4]] == [
        "Замечаний нет?: вероятность ветви «e»",
        "Юрист: практическая ёмкость, ч в месяц",
        "Юрист: затраты в месяц",
        "Юридическая проверка: время ресурса «Юрист»"]
    assert [str(i.title) for i in ranked[:4]] == [
        "Замечаний нет?: probability of the branch to e",
        "Юрист: practical capacity, h per month", "Юрист: cost per month",
        "Юридическая проверка: time of Юрист"]
    # the JSON keeps machine names only, and the path stays the label
    assert "title" not in ranked[0].as_dict() and ranked[3].label == "review: labor.lawyer"
    figure = tornado_figure(ranked, currency="RUB", top=4, language="ru")
    lowered = figure.data[0]
    # on the axis a name longer than 40 characters wraps on a word (43 characters here)
    assert list(lowered.y) == ["Замечаний нет?: вероятность ветви «e»",
                               "Юрист: практическая ёмкость, ч в месяц", "Юрист: затраты в месяц",
                               "Юридическая проверка: время ресурса<br>«Юрист»"]
    # the lawyer's 30 min × 1.25 × 50 ₽ = 1 875 ₽ per instance; −10 %: −187,50 ₽
    assert lowered.hovertext[3] == ("Юридическая проверка: время ресурса «Юрист»<br>"
                                    "review: labor.lawyer: -187,50\u00a0₽")
    # the engine's other words: a rate, a use, other costs
    words = {(i.element, i.field): translate(i.title, "ru") for i in ranked}
    assert words[("clerk", "rate_per_hour")] == "clerk: ставка за час"
    assert words[("review", "uses.courier")] == ("Юридическая проверка: число использований "
                                                 "ресурса «courier»")
    assert words[("courier", "cost_per_use")] == "courier: стоимость использования"
    assert words[("review", "other_cost")] == "Юридическая проверка: прочие затраты"


def resolve(model: ProcessModel, probabilities: dict[int, float]) -> float:
    data = model.model_dump()
    data["flows"] = [[f.source, f.target, probabilities.get(k, f.probability)]
                     if f.probability is not None else [f.source, f.target]
                     for k, f in enumerate(model.flows)]
    return cost_model(ProcessModel.model_validate(data)).cost_per_instance


def test_three_way_split_renormalises_the_other_branches():
    model = parse("""
resources: {clerk: {kind: labor, rate_per_hour: 600}}
activities:
  a: {labor: {clerk: 10}}
  b: {labor: {clerk: 20}}
  c: {labor: {clerk: 70}}
gateways: {g: {kind: exclusive}, j: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, g], [g, a, 0.5], [g, b, 0.3], [g, c, 0.2], [a, j], [b, j], [c, j], [j, e]]
""")
    found = item(sensitivity(model), "g", "probability to a")
    # a: 0.5 → 0.55; b and c share −0.05 as 3:2: b 0.27, c 0.18
    # cost = 10 × (0.55 × 10 + 0.27 × 20 + 0.18 × 70) = 10 × 23.5 = 235 (base 260)
    assert found.cost_high == pytest.approx(235)
    assert found.cost_high == pytest.approx(resolve(model, {1: 0.55, 2: 0.27, 3: 0.18}))
    assert found.cost_low == pytest.approx(resolve(model, {1: 0.45, 2: 0.33, 3: 0.22}))


def test_probabilities_are_clipped_and_an_endless_loop_is_infinite():
    model = parse("""
resources: {clerk: {kind: labor, rate_per_hour: 600}}
activities:
  work: {labor: {clerk: 10}}
gateways: {merge: {kind: exclusive}, ok: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, merge], [merge, work], [work, ok], [ok, e, 0.05], [ok, merge, 0.95]]
""")
    items = sensitivity(model, relative_change=0.2)
    rework = item(items, "ok", "probability to merge")
    # 0.95 × 1.2 = 1.14 → clipped to 1: the loop never ends
    assert rework.high_value == 1.0 and rework.cost_high == float("inf")
    assert rework.cost_low == pytest.approx(100 / (1 - 0.76))  # 0.95 × 0.8 = 0.76
    assert items[0] is rework
    assert rework.as_dict()["cost_high"] is None


def _cost_at_high(model: ProcessModel, found) -> float:
    """The cost of ``model`` (no case classes) with ``found``'s flow at its high value and
    the split's other flows scaled to make up the rest."""
    flows = model.flows
    split = [k for k, f in enumerate(flows) if f.source == found.element]
    rest = sum(flows[k].probability for k in split if k != found.flow_index)
    high = found.high_value
    others = len(split) - 1  # all at 0 (a class that always takes one way): shared equally
    changed = {k: (high if k == found.flow_index
                   else flows[k].probability * (1 - high) / rest if rest
                   else (1 - high) / others) for k in split}
    return resolve(model, changed)


def test_parallel_blocks_and_finite_differences_on_the_shipped_models():
    for _, model in load_library(LIBRARY)[0]:
        items = sensitivity(model)
        base = cost_model(model).cost_per_instance
        for found in (i for i in items if i.kind == "probability"):
            if not model.case_classes:
                assert found.cost_high == pytest.approx(_cost_at_high(model, found),
                                                        rel=1e-9), found
                assert found.base_value == model.flows[found.flow_index].probability
                continue
            # With case classes: a probability of one class moves that class's share of
            # the cost, one that holds for every class moves each class's share.
            own = found.field.partition(" (class ")[2].rstrip(")")
            classes = [own] if own else list(model.case_classes)
            high = base
            for class_id in classes:
                routing = model.for_class(class_id)
                share = model.case_classes[class_id].share
                high += share * (_cost_at_high(routing, found)
                                 - cost_model(routing).cost_per_instance)
            assert found.cost_high == pytest.approx(high, rel=1e-9), found
        assert all(i.base_cost == pytest.approx(base) for i in items)


@pytest.mark.parametrize("change", [0, 1, -0.1, 1.5, float("nan")])
def test_a_change_outside_zero_one_is_refused(change):
    with pytest.raises(ValueError, match="between 0 and 1"):
        sensitivity(parse(REWORK), relative_change=change)


def test_cli(capsys):
    path = str(LIBRARY / "contract_approval" / "as_is.yaml")
    assert main(["sensitivity", path, "--top", "5"]) == 0
    assert "Sensitivity, largest impact first" in capsys.readouterr().out
    assert main(["sensitivity", path, "--json", "--change", "0.2", "--top", "3"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["relative_change"] == 0.2 and len(document["items"]) == 3
    impacts = [i["impact"] for i in document["items"]]
    assert impacts == sorted(impacts, reverse=True)
    assert main(["sensitivity", path, "--change", "1.5"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err
