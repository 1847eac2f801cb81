"""Case classes: instances of different classes routed by their own probabilities, costed
exactly (one routing solve per class, mixed by share)."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abc_costing.engine import cost_by_class, cost_model, expected_executions, sensitivity
from abc_costing.formats import load_model, parse_model_text
from abc_costing.formats.bpmn import model_to_bpmn
from abc_costing.problems import ModelError
from abc_costing.reports import views
from abc_costing.simulation import simulate
from abc_costing.store.edits import diff_tables, model_tables
from tests.conftest import LIBRARY, model_text, parse, shipped_catalogue

# A clerk at 600 ₽/h (10 ₽/min) works 30 min (300 ₽) per round; a small case always
# passes, a large one is sent back half the time; only a large case is checked (15 min).
LOOP = """\
case_classes:
  small: {name: "Small", share: 0.6}
  large: {name: "Large", share: 0.4}
resources:
  clerk: {kind: labor, rate_per_hour: 600}
activities:
  work: {labor: {clerk: 30}}
  check: {labor: {clerk: 15}}
gateways:
  merge: {kind: exclusive}
  ok: {kind: exclusive}
  tier: {kind: exclusive}
  checked: {kind: exclusive}
events:
  s: {kind: start}
  e: {kind: end}
flows:
  - [s, merge]
  - [merge, work]
  - [work, ok]
  - [ok, tier, {small: 1, large: 0.5}]
  - [ok, merge, {small: 0, large: 0.5}]
  - [tier, check, {small: 0, large: 1}]
  - [tier, checked, {small: 1, large: 0}]
  - [check, checked]
  - [checked, e]
"""


def loop_model(**replace: str):
    body = LOOP
    for old, new in replace.items():
        body = body.replace(old, new)
    return parse(body)


def test_a_loop_whose_exit_depends_on_the_class_is_costed_per_class():
    """small: work once, no check: 300; large: work 1 / 0.5 = 2 times, check once:
    2 × 300 + 150 = 750. Mixed: 0.6 × 300 + 0.4 × 750 = 180 + 300 = 480."""
    model = loop_model()
    costs = {c.id: c.result.cost_per_instance for c in cost_by_class(model)}
    assert costs == pytest.approx({"small": 300.0, "large": 750.0}, rel=1e-12)
    result = cost_model(model)
    assert result.cost_per_instance == pytest.approx(480.0, rel=1e-12)
    # work: 0.6 × 1 + 0.4 × 2 = 1.4; check: 0.4 × 1
    assert result.activity("work").expected_executions == pytest.approx(1.4, rel=1e-12)
    assert result.activity("check").expected_executions == pytest.approx(0.4, rel=1e-12)
    assert result.end_probabilities == pytest.approx({"e": 1.0}, rel=1e-12)


def test_the_mean_probability_misprices_a_loop_the_classes_leave_differently():
    """The old approximation, one probability per flow = the share-weighted mean
    (exit 0.6 × 1 + 0.4 × 0.5 = 0.8, check 0.4): work runs 1 / 0.8 = 1.25 times:
    1.25 × 300 + 0.4 × 150 = 375 + 60 = 435, not 480; a large case goes round more often
    and its extra rounds are not averaged away."""
    mean = parse(LOOP.replace("{small: 1, large: 0.5}", "0.8")
                 .replace("{small: 0, large: 0.5}", "0.2")
                 .replace("{small: 0, large: 1}", "0.4")
                 .replace("{small: 1, large: 0}", "0.6"))
    assert cost_model(mean).cost_per_instance == pytest.approx(435.0, rel=1e-12)
    assert cost_model(loop_model()).cost_per_instance == pytest.approx(480.0, rel=1e-12)


def test_per_class_years_add_up_to_the_models_year():
    """volume 1 000: small 600 × 300 = 180 000, large 400 × 750 = 300 000; 480 × 1 000."""
    model = parse("volume_per_year: 1000\n" + LOOP)
    years = {c.id: c.result.cost_per_year for c in cost_by_class(model)}
    assert years == pytest.approx({"small": 180_000.0, "large": 300_000.0}, rel=1e-12)
    assert cost_model(model).cost_per_year == pytest.approx(480_000.0, rel=1e-12)


def test_one_class_of_share_one_costs_exactly_as_without_classes():
    model = load_model(LIBRARY / "contract_approval" / "as_is.yaml")
    text = (LIBRARY / "contract_approval" / "as_is.yaml").read_text(encoding="utf-8")
    with_one = text.replace("\nactivities:", "\ncase_classes:\n  all: {share: 1}\n\nactivities:", 1)
    classed, problems = parse_model_text(with_one, source="as_is.yaml",
                                         catalogue=shipped_catalogue())
    assert classed is not None, problems
    assert classed.case_classes
    assert cost_model(classed) == cost_model(model)


@settings(max_examples=40, deadline=None)
@given(shares=st.lists(st.integers(1, 1000), min_size=1, max_size=5),
       exit_p=st.floats(0.05, 1.0))
def test_classes_routed_alike_cost_as_the_classless_model(shares, exit_p):
    """Every class with the same probabilities: each class costs what the model does, so
    the share-weighted mix is the classless cost, whatever the shares."""
    total = sum(shares)
    classes = "\n".join(f"  c{i}: {{share: {s / total!r}}}" for i, s in enumerate(shares))
    same_exit = "{" + ", ".join(f"c{i}: {exit_p!r}" for i in range(len(shares))) + "}"
    same_back = "{" + ", ".join(f"c{i}: {1 - exit_p!r}" for i in range(len(shares))) + "}"
    body = LOOP.split("resources:")[1].replace("{small: 0, large: 1}", "0.5") \
        .replace("{small: 1, large: 0}", "0.5")
    plain = parse("resources:" + body.replace("{small: 1, large: 0.5}", repr(exit_p))
                  .replace("{small: 0, large: 0.5}", repr(1 - exit_p)))
    classed = parse("case_classes:\n" + classes + "\nresources:"
                    + body.replace("{small: 1, large: 0.5}", same_exit)
                    .replace("{small: 0, large: 0.5}", same_back))
    assert cost_model(classed).cost_per_instance == pytest.approx(
        cost_model(plain).cost_per_instance, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(share=st.floats(0.0, 1.0))
def test_the_cost_is_linear_in_the_shares(share):
    """C(a) = a × C_small + (1 − a) × C_large = a × 300 + (1 − a) × 750."""
    model = loop_model(**{'"Small", share: 0.6': f'"Small", share: {share!r}',
                          '"Large", share: 0.4': f'"Large", share: {1 - share!r}'})
    assert cost_model(model).cost_per_instance == pytest.approx(
        share * 300.0 + (1 - share) * 750.0, rel=1e-9, abs=1e-9)


def test_value_tiers_by_hand():
    """value_tiers with its tiers as classes (small 60 %: lawyer; medium 30 %: + finance;
    large 10 %: + finance + director). A round goes back with 0.25 + 0.75 × 0.1 = 0.325
    for every class, so R = 1 / 0.675 rounds; finance runs 0.4 R, the director 0.1 R."""
    model = load_model(LIBRARY / "contract_approval" / "value_tiers.yaml")
    rate = {r: res.unit_costs.rate_per_minute for r, res in model.resources.items()}
    courier = model.resources["courier"].unit_costs.cost_per_use
    rounds = 1 / 0.675
    draft = (40 + 4 * 60 + 150) / 6 * rate["manager"]                 # pert mean 71.67 min
    legal = (30 + 60 + 150) / 3 * rate["lawyer"]                      # 80 min
    finance = (15 + 25 + 60) / 3 * rate["finance_controller"]          # 33.33 min
    director = (10 + 20) / 2 * rate["director"]                        # 15 min
    rework = (20 + 45 + 120) / 3 * rate["manager"]                     # 61.67 min
    print_sign = 15 * rate["office_admin"] + 5 * rate["director"] + 40
    send = receive = 10 * rate["office_admin"] + courier
    close = 20 * rate["manager"]
    by_class = {
        "small": legal,
        "medium": legal + finance,
        "large": legal + finance + director,
    }
    common = (draft + (rounds - 1) * rework + 0.75 * rounds * (print_sign + send)
              + 0.6 * rounds * receive + 0.075 * rounds * close)
    expected = {k: common + rounds * reviews for k, reviews in by_class.items()}
    costs = {c.id: c.result.cost_per_instance for c in cost_by_class(model)}
    assert costs == pytest.approx(expected, rel=1e-12)
    mixed = 0.6 * expected["small"] + 0.3 * expected["medium"] + 0.1 * expected["large"]
    assert cost_model(model).cost_per_instance == pytest.approx(mixed, rel=1e-12)
    assert mixed == pytest.approx(7883.474074, abs=1e-6)


def test_value_tiers_exact_equals_the_old_independent_approximation():
    """The old file put 0.4 on finance and 0.1 on the director, independently. The loop
    back is the same for every tier, so each tier runs R rounds and finance runs
    0.4 R either way: the mean cost is the same, exactly. What the classes change is
    who goes where (no contract sees the director without finance; the old file sent
    0.1 × 0.6 = 6 % of contracts there), which the simulations now draw right."""
    model = load_model(LIBRARY / "contract_approval" / "value_tiers.yaml")
    text = (LIBRARY / "contract_approval" / "value_tiers.yaml").read_text(encoding="utf-8")
    for old, new in (("{small: 0, medium: 1, large: 1}", "0.4"),
                     ("{small: 1, medium: 0, large: 0}", "0.6"),
                     ("{small: 0, medium: 0, large: 1}", "0.1"),
                     ("{small: 1, medium: 1, large: 0}", "0.9")):
        text = text.replace(old, new)
    text = text.split("case_classes:")[0] + "activities:" + text.split("\nactivities:", 1)[1]
    approximated, problems = parse_model_text(text, source="value_tiers.yaml",
                                              catalogue=shipped_catalogue())
    assert approximated is not None, problems
    assert not approximated.case_classes
    assert cost_model(approximated).cost_per_instance == pytest.approx(
        cost_model(model).cost_per_instance, rel=1e-12)


def test_simulated_mean_converges_to_the_exact_mix():
    """Each instance draws its class: the mean of 200 000 draws is within its 99.9 % CI
    of the exact 480 (large: 2 rounds on average, a geometric count)."""
    model = loop_model()
    result = simulate(model, runs=200_000, rng=11)
    stats = result.cost_per_instance
    half_width = 3.3 * stats.sd / 200_000 ** 0.5
    assert abs(stats.mean - 480.0) < half_width
    # the classless mean-probability model's 435 is far outside it
    assert abs(stats.mean - 435.0) > 10 * half_width


def test_validation_names_file_line_and_element(write_model):
    text = model_text(LOOP.replace("share: 0.4", "share: 0.3")
                      .replace("{small: 0, large: 1}", "{small: 0, huge: 1}"))
    model, problems = parse_model_text(text, source="tiers.yaml")
    assert model is None
    said = {(p.element, p.line, p.message) for p in problems}
    lines = text.splitlines()
    assert ("case_classes", lines.index("case_classes:") + 1,
            "the shares of the case classes sum to 0.9, not 1") in said
    flow_line = next(i for i, line in enumerate(lines, 1) if "huge" in line)
    assert ("flows[5]", flow_line,
            "flow tier → check names unknown case class 'huge' (the classes are small, "
            "large)") in said
    assert ("flows[5]", flow_line, "flow tier → check leaves exclusive split 'tier' but has "
            "no probability for case class 'large'") in said


def test_each_class_sums_to_one_at_each_split():
    _, problems = parse_model_text(model_text(LOOP.replace("{small: 0, large: 0.5}",
                                                           "{small: 0, large: 0.4}")))
    assert [p.message for p in problems] == [
        "probabilities of the flows leaving exclusive split 'ok' sum to 0.9 for case class "
        "'large', not 1"]


def test_a_probability_by_class_needs_declared_classes():
    _, problems = parse_model_text(model_text(LOOP.split("resources:")[1].join(
        ["resources:", ""])))
    assert [p.message for p in problems] == [
        "flow ok → tier has a probability by case class, but the model declares no "
        "case_classes; add them (id: {name, share}) or give one number",
        "flow ok → merge has a probability by case class, but the model declares no "
        "case_classes; add them (id: {name, share}) or give one number",
        "flow tier → check has a probability by case class, but the model declares no "
        "case_classes; add them (id: {name, share}) or give one number",
        "flow tier → checked has a probability by case class, but the model declares no "
        "case_classes; add them (id: {name, share}) or give one number"]


def test_a_loop_one_class_never_leaves_is_named_with_that_class():
    _, problems = parse_model_text(model_text(LOOP.replace("{small: 1, large: 0.5}",
                                                           "{small: 1, large: 0}")
                                              .replace("{small: 0, large: 0.5}",
                                                       "{small: 0, large: 1}")))
    assert [p.message for p in problems] == [
        "for case class 'large': loop with no way out: work, merge, ok can never reach an "
        "end event"]


def test_sensitivity_of_a_class_probability_moves_only_that_class():
    """large's exit 0.5 → 0.45 / 0.55 (its loop back 0.55 / 0.45): large then costs
    300 / 0.45 + 150 and 300 / 0.55 + 150 instead of 750; the mix moves by 0.4 × that."""
    items = {item.field: item for item in sensitivity(loop_model())
             if item.kind == "probability"}
    exit_large = items["probability to tier (class large)"]
    assert exit_large.base_cost == pytest.approx(480.0, rel=1e-12)
    assert exit_large.cost_low == pytest.approx(
        480.0 + 0.4 * (300 / 0.45 + 150 - 750), rel=1e-9)
    assert exit_large.cost_high == pytest.approx(
        480.0 + 0.4 * (300 / 0.55 + 150 - 750), rel=1e-9)


def test_flow_table_shows_no_mean_and_takes_each_class_exactly():
    model = loop_model()
    view = views.flows_view(model, cost_model(model))
    back = view.rows[4]  # ok → merge: only large goes back: 0.4 × 2 runs × 0.5 = 0.4
    assert back.value("probability") is None
    assert back.value("expected_traversals") == pytest.approx(0.4, rel=1e-12)
    assert "ok → merge" in view.note


def test_bpmn_export_refuses_classes_rather_than_writing_a_mean():
    with pytest.raises(ModelError, match="BPMN export cannot carry case classes"):
        model_to_bpmn(loop_model())


def test_edit_page_shows_class_probabilities_and_refuses_to_change_them():
    model = loop_model()
    tables = model_tables(model)
    assert tables.flows.loc[3, "probability"] == "small: 1; large: 0.5"
    flows = tables.flows.copy()
    assert diff_tables(model, tables, edited_flows=flows) == ([], [])
    flows.loc[3, "probability"] = "0.7"
    edits, problems = diff_tables(model, tables, edited_flows=flows)
    assert edits == []
    assert [(p.element, p.message) for p in problems] == [
        ("flows[3]", "the probabilities of a flow by case class cannot be changed here yet; "
         "edit the model file")]


def test_file_form_round_trips():
    model = loop_model()
    dumped = model.model_dump()
    assert dumped["case_classes"] == {"small": {"name": "Small", "share": 0.6},
                                      "large": {"name": "Large", "share": 0.4}}
    assert expected_executions(model).by_node["work"] == pytest.approx(1.4, rel=1e-12)
    assert textwrap.dedent(LOOP).count("{small:") == 4


def test_a_misspelt_probability_by_class_is_one_problem_on_its_line():
    text = model_text(LOOP.replace("{small: 1, large: 0.5}", "{small: 1, large: half}"))
    model, problems = parse_model_text(text, source="tiers.yaml")
    assert model is None
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "half" in row)
    assert [(p.element, p.line, p.message) for p in problems] == [
        ("flows[3]", line, "probability: must be a number (got 'half')")]


def test_the_queue_simulation_routes_each_case_by_its_class():
    """Only large cases (40 %) are checked, once each: about 0.4 checks per case; the
    classless mean-probability model would give the same 0.4 but work 1.25 rounds, not 1.4."""
    import numpy as np

    from abc_costing.simulation.queueing import simulate_queues

    model = parse("volume_per_year: 20000\n" + LOOP)
    result = simulate_queues(model, days=250, rng=np.random.default_rng(5), replications=2)
    counts = {a.id: a.executions for a in result.activities}
    cases = result.instances
    # ~40 000 cases: a standard error of √(0.4 × 0.6 / 40 000) ≈ 0.0025; the margin also
    # covers cases cut at the window's edges. 1.25 rounds (the mean model) is far outside.
    assert counts["check"] / cases == pytest.approx(0.4, abs=0.04)
    assert counts["work"] / cases == pytest.approx(1.4, abs=0.06)
