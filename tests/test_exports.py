"""CSV and JSON downloads: figures equal the engine's, text cannot become a formula, auditors only."""

from __future__ import annotations

import csv
import io
import json

import pytest

from abc_costing.access import AccessDenied, local_user, user_from_identity
from abc_costing.compare import compare_models
from abc_costing.engine import cost_model
from abc_costing.reports.exports import comparison_csv, comparison_json, costing_csv, costing_json
from abc_costing.reports.views import activities_view, activity_changes_view
from tests.conftest import parse

AUDITOR = user_from_identity("audit@example.com", role_table={"auditor": ["*"]})
ANALYST = user_from_identity("ana@example.com", role_table={"analyst": ["*"]})

BODY = """\
title: "=HYPERLINK(\\"http://evil.example\\",\\"click\\")"
volume_per_year: 10
resources:
  clerk: {kind: labor, rate_per_hour: 600}
activities:
  a: {name: "=1+2", labor: {clerk: 30}}
  b: {name: "@SUM(A1)", labor: {clerk: 12}, value: waste}
  c: {name: "-Проверка", other_cost: 7.5}
gateways: {x: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, x], [x, b, 0.25], [x, c, 0.75], [b, c], [c, e]]
"""


def rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_costing_csv_carries_the_engine_figures_and_no_formulas():
    result = cost_model(parse(BODY))
    table = rows(costing_csv(result, user=AUDITOR))
    header, body = table[0], table[1:]
    by_id = {r[0]: dict(zip(header, r, strict=True)) for r in body}
    assert [r[0] for r in body] == ["a", "b", "c", "(total)"]
    # a: 30 × 10 = 300; b: 0.25 × 120 = 30; c: 7.5
    assert float(by_id["a"]["cost_per_instance"]) == pytest.approx(300)
    assert float(by_id["b"]["cost_per_instance"]) == pytest.approx(30)
    assert float(by_id["(total)"]["cost_per_instance"]) == result.cost_per_instance == 337.5
    assert [by_id[i]["name"] for i in "abc"] == ["'=1+2", "'@SUM(A1)", "'-Проверка"]


def test_costing_csv_columns_are_the_views_keys_and_its_total_the_engines():
    result = cost_model(parse(BODY))
    view = activities_view(result)
    header, *body = rows(costing_csv(result, user=AUDITOR))
    money = [c.key for c in view.columns if c.unit == "money"]
    assert header == [*view.keys, *(f"{k}_rounded" for k in money), "row_kind"]
    assert [r[-1] for r in body] == ["item", "item", "item", "total"]
    total = dict(zip(header, body[-1], strict=True))
    # 300 + 30 + 7.5 (see above); the items sum to it.
    assert float(total["cost_per_instance"]) == result.cost_per_instance == 337.5
    assert sum(float(dict(zip(header, r, strict=True))["cost_per_instance"])
               for r in body[:-1]) == pytest.approx(337.5)
    assert float(total["share"]) == 1.0


def test_comparison_csv_and_json():
    baseline = parse(BODY)
    candidate = parse(BODY.replace("clerk: 30", "clerk: 15"), variant="lean")
    comparison = compare_models(baseline, candidate)
    header, *body = rows(comparison_csv(comparison, user=AUDITOR))
    assert header[:len(activity_changes_view(comparison).keys)] == list(
        activity_changes_view(comparison).keys)
    total = dict(zip(header, body[-1], strict=True))
    assert (total["id"], total["row_kind"]) == ("(total)", "total")
    assert float(total["delta"]) == pytest.approx(-150)  # 15 minutes × 10 ₽ saved
    assert float(total["baseline_cost_per_instance"]) == pytest.approx(337.5)
    assert float(total["candidate_cost_per_instance_rounded"]) == 187.5  # 337.5 - 150
    document = json.loads(comparison_json(comparison, user=AUDITOR))
    assert document["saving_per_instance"] == pytest.approx(150)
    assert document["saving_per_year"] == pytest.approx(1500)
    assert json.loads(costing_json(comparison.baseline, user=AUDITOR))["cost_per_instance"] == (
        pytest.approx(337.5))


def test_same_inputs_give_identical_bytes():
    result = cost_model(parse(BODY))
    assert costing_csv(result, user=AUDITOR) == costing_csv(result, user=AUDITOR)
    assert costing_json(result, user=AUDITOR) == costing_json(result, user=AUDITOR)


@pytest.mark.parametrize("builder", [costing_csv, costing_json])
def test_exports_check_the_right_themselves(builder):
    result = cost_model(parse(BODY))
    with pytest.raises(AccessDenied, match="needs the role auditor"):
        builder(result, user=ANALYST)
    assert builder(result, user=local_user("ivan"))  # the local user holds every role
