"""Editing through tables: cells read on the server, edits applied with comments kept."""

from __future__ import annotations

import pytest

from abc_costing.engine import cost_model
from abc_costing.formats import model_from_data, parse_model_text, parse_yaml_data
from abc_costing.store.edits import (
    apply_edits,
    apply_edits_to_data,
    diff_tables,
    model_tables,
    parse_duration_text,
)
from tests.conftest import model_text

TEXT = model_text("""\
volume_per_year: 100
resources:
  clerk: {kind: labor, rate_per_hour: 600}      # 10 ₽/min, бухгалтер
  lawyer: {kind: labor, cost_per_month: 330000, capacity_hours_per_month: 110}  # 50 ₽/min
  courier: {kind: per_use, cost_per_use: 500}
activities:
  a: {name: "Проверка", labor: {clerk: 30}}           # 300 ₽
  b: {labor: {lawyer: {triangular: [6, 12, 18]}}, uses: {courier: 1}}   # 12 × 50 + 500 = 1100 ₽
gateways: {x: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, x], [x, e, 0.75], [x, b, 0.25], [b, e]]
""")
# saved cost per instance: 300 + 0.25 × 1100 = 575


@pytest.fixture
def model():
    model, problems = parse_model_text(TEXT)
    assert problems == [] and cost_model(model).cost_per_instance == pytest.approx(575)
    return model


def live_cost(edits):
    data, _ = parse_yaml_data(TEXT)
    edited, problems = model_from_data(apply_edits_to_data(data, edits))
    assert edited is not None, problems
    return cost_model(edited).cost_per_instance


def test_tables_show_the_model(model):
    tables = model_tables(model)
    assert tables.activities.loc["a", "labor: clerk"] == "30"
    assert tables.activities.loc["b", "labor: lawyer"] == "triangular 6 12 18"
    assert tables.activities.loc["a", "labor: lawyer"] == ""
    # Numbers are text cells, read on the server by one rule whatever the browser's language.
    assert tables.activities.loc["b", "uses: courier"] == "1"
    assert tables.resources.loc["lawyer", "cost_per_month"] == "330000"
    assert tables.resources.loc["clerk", "cost_per_month"] == ""
    assert tables.flows.loc[2, "probability"] == "0.75" and tables.flows.loc[0, "probability"] == ""


def test_unchanged_tables_make_no_edits(model):
    tables = model_tables(model)
    assert diff_tables(model, tables, edited_activities=tables.activities.copy(),
                       edited_resources=tables.resources.copy(),
                       edited_flows=tables.flows.copy()) == ([], [])


def test_a_duration_edit_changes_the_cost_as_computed_by_hand(model):
    tables = model_tables(model)
    activities = tables.activities.copy()
    activities.loc["a", "labor: clerk"] = "pert 20 40 60"  # mean (20 + 160 + 60) / 6 = 40 min
    edits, problems = diff_tables(model, tables, edited_activities=activities)
    assert problems == []
    assert [(e.path, e.old, e.new) for e in edits] == [
        (("activities", "a", "labor", "clerk"), 30.0, {"pert": [20, 40, 60]})]
    assert live_cost(edits) == pytest.approx(40 * 10 + 0.25 * 1100)  # 675


def test_rate_probability_and_uses_edits(model):
    tables = model_tables(model)
    resources = tables.resources.copy()
    resources.loc["clerk", "rate_per_hour"] = "720"  # 12 ₽/min
    flows = tables.flows.copy()
    flows.loc[2, "probability"] = "0,5"  # a decimal comma is a decimal mark
    flows.loc[3, "probability"] = "0.5"
    activities = tables.activities.copy()
    activities.loc["b", "uses: courier"] = "0"  # e-signature: no courier
    edits, problems = diff_tables(model, tables, edited_activities=activities,
                                  edited_resources=resources, edited_flows=flows)
    assert problems == []
    assert {(e.element, e.field, e.old_text, e.new_text) for e in edits} == {
        ("clerk", "rate_per_hour", "600", "720"),
        ("flows[2]", "probability", "0.75", "0.5"),
        ("flows[3]", "probability", "0.25", "0.5"),
        ("b", "uses.courier", "1", None),
    }
    # a: 30 × 12 = 360; b: 12 × 50 = 600, half the time
    assert live_cost(edits) == pytest.approx(360 + 0.5 * 600)


@pytest.mark.parametrize(
    ("column", "cell", "words"),
    [
        ("labor: clerk", "-5", "must not be negative"),
        ("labor: clerk", "ten", "'ten' is neither minutes nor a distribution"),
        ("labor: clerk", "pert 10 x 30", "'x' is not a number"),
        ("labor: clerk", "triangular 30 10 5", "min <= mode <= max"),
        ("labor: clerk", "gamma 1 2", "'gamma' is neither minutes nor a distribution"),
        ("labor: clerk", "pert 1 500 2 000 3 000", "pert needs 3 numbers, got 6"),
        ("other_cost", "abc", "other_cost: 'abc' is not a number"),
        ("other_cost", "-1400", "other_cost: must not be negative (got -1400)"),
        ("other_cost", "1.500,50", "other_cost: '1.500,50' mixes ',' and '.'"),
        ("other_cost", "1,500", "other_cost: '1,500' is ambiguous: 1.5 or 1500?"),
        ("value", "luxury", "value: must be one of value_adding, business, waste"),
    ],
)
def test_unreadable_cells_are_problems_named_by_element(model, column, cell, words):
    tables = model_tables(model)
    activities = tables.activities.copy().astype(object)
    activities.loc["a", column] = cell
    edits, problems = diff_tables(model, tables, edited_activities=activities)
    assert edits == [] and len(problems) == 1
    assert problems[0].element == "a" and words in problems[0].message


def test_probabilities_that_no_longer_sum_to_one_are_caught_by_the_model_checks(model):
    tables = model_tables(model)
    flows = tables.flows.copy()
    flows.loc[2, "probability"] = "0.9"
    edits, problems = diff_tables(model, tables, edited_flows=flows)
    assert problems == []
    data, _ = parse_yaml_data(TEXT)
    edited, problems = model_from_data(apply_edits_to_data(data, edits))
    assert edited is None
    assert [str(p) for p in problems] == [
        "x: probabilities of the flows leaving exclusive split 'x' sum to 1.15, not 1"]


def test_added_or_removed_rows_are_refused(model):
    tables = model_tables(model)
    fewer = tables.activities.drop(index="b")
    _, problems = diff_tables(model, tables, edited_activities=fewer)
    assert [p.element for p in problems] == ["b"] and "cannot be removed" in problems[0].message


def test_applied_edits_keep_comments_and_give_the_live_figure(model):
    tables = model_tables(model)
    activities = tables.activities.copy()
    activities.loc["a", "labor: clerk"] = "45"
    edits, _ = diff_tables(model, tables, edited_activities=activities)
    text = apply_edits(TEXT, edits)
    assert "# 10 ₽/min, бухгалтер" in text and "# 300 ₽" in text
    saved, problems = parse_model_text(text)
    assert problems == []
    assert cost_model(saved).cost_per_instance == pytest.approx(live_cost(edits))  # 725


@pytest.mark.parametrize(
    ("text", "form"),
    [("45", 45), ("12.5", 12.5), ("triangular 30, 45, 90", {"triangular": [30, 45, 90]}),
     ("uniform 10 20", {"uniform": [10, 20]}),
     ("lognormal 42 12", {"lognormal": {"mean": 42, "sd": 12}})],
)
def test_duration_cells(text, form):
    assert parse_duration_text(text) == form


@pytest.mark.parametrize("typed", ["1 500,50", "1500.50", "1\u00a0500,5"])
def test_a_rate_typed_the_russian_or_the_english_way_costs_the_same(model, typed):
    tables = model_tables(model)
    resources = tables.resources.copy()
    resources.loc["clerk", "rate_per_hour"] = typed
    edits, problems = diff_tables(model, tables, edited_resources=resources)
    assert problems == [] and [(e.element, e.new) for e in edits] == [("clerk", 1500.5)]
    # a: 30 min × 1500.5 / 60 = 750.25; b: 0.25 × (12 × 50 + 500) = 275
    assert live_cost(edits) == pytest.approx(750.25 + 275)


def test_a_space_inside_a_name_is_written_not_only_logged():
    text = TEXT.replace('"Проверка"', '"Проверка счёта"')
    model, _ = parse_model_text(text)
    tables = model_tables(model)
    activities = tables.activities.copy()
    activities.loc["a", "name"] = "Проверка  счёта"   # only a second space: content all the same
    edits, problems = diff_tables(model, tables, edited_activities=activities)
    assert problems == [] and [(e.old, e.new) for e in edits] == [
        ("Проверка счёта", "Проверка  счёта")]
    edited, _ = parse_model_text(apply_edits(text, edits))
    assert edited.activities["a"].name == "Проверка  счёта"
