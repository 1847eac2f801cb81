"""Editing a model file keeps the author's comments, key order and layout."""

from __future__ import annotations

import difflib

import pytest

from abc_costing.engine import cost_model
from abc_costing.formats import model_files, parse_model_text
from abc_costing.formats.roundtrip import EditableModel
from tests.conftest import LIBRARY, model_text

SHIPPED = model_files(LIBRARY)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_loading_and_saving_without_edits_changes_nothing(path):
    text = path.read_text("utf-8")
    assert EditableModel.from_text(text).to_text() == text


COMMENTED = model_text("""\
# Ставки: оклад + 30,2% взносов, 164 ч в месяц
resources:
  clerk:   {kind: labor, rate_per_hour: 600}   # бухгалтер
  courier: {kind: per_use, cost_per_use: 500}  # Достависта, Москва
activities:
  a:
    name: "Проверка счёта"   # comment beside a value
    labor: {clerk: 30}
  b: {labor: {clerk: 12}, uses: {courier: 1}}
gateways: {x: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows:
  - [s, a]
  - [a, x]
  - [x, e, 0.75]   # три из четырёх проходят сразу
  - [x, b, 0.25]
  - [b, e]
""")


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if line[:2] in ("- ", "+ ")]


def test_edits_touch_only_the_edited_lines():
    doc = EditableModel.from_text(COMMENTED)
    doc.set(("resources", "clerk", "rate_per_hour"), 660)
    doc.set(("activities", "a", "labor", "clerk"), {"triangular": [20, 30, 50]})
    doc.set(("flows", 2, 2), 0.7)
    doc.set(("flows", 3, 2), 0.3)
    after = doc.to_text()
    assert sorted(changed_lines(COMMENTED, after)) == sorted([
        "-   clerk:   {kind: labor, rate_per_hour: 600}   # бухгалтер",
        # ruamel re-spaces an edited line, keeping its comment in its column
        "+   clerk: {kind: labor, rate_per_hour: 660}     # бухгалтер",
        "-     labor: {clerk: 30}",
        "+     labor: {clerk: {triangular: [20, 30, 50]}}",
        "-   - [x, e, 0.75]   # три из четырёх проходят сразу",
        "-   - [x, b, 0.25]",
        "+   - [x, e, 0.7]    # три из четырёх проходят сразу",
        "+   - [x, b, 0.3]",
    ])
    model, problems = parse_model_text(after)
    assert problems == []
    # a: mean 100/3 min × 11 ₽/min; b: 0.3 × (12 × 11 + 500)
    assert cost_model(model).cost_per_instance == pytest.approx(100 / 3 * 11 + 0.3 * 632)


def test_new_keys_go_after_existing_ones_and_deletions_keep_the_rest():
    doc = EditableModel.from_text(COMMENTED)
    doc.set(("activities", "a", "other_cost"), 45)
    doc.set(("activities", "c"), {"name": "Архив", "other_cost": 3})
    doc.delete(("activities", "b", "uses"))
    after = doc.to_text()
    assert "    labor: {clerk: 30}\n    other_cost: 45\n" in after
    assert '  c: {name: Архив, other_cost: 3}\n' in after
    assert "  b: {labor: {clerk: 12}}\n" in after
    assert "# Ставки: оклад + 30,2% взносов, 164 ч в месяц" in after
    assert "# Достависта, Москва" in after


def test_a_flow_can_be_appended():
    doc = EditableModel.from_text(COMMENTED)
    doc.set(("flows", 5), ["b", "x"])
    assert doc.to_text().endswith("  - [b, e]\n  - [b, x]\n")
