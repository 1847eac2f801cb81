"""The total row of the cost objects' profitability (issue 14, an auditor's question): it
reads across, revenue − cost = margin, with every cost object's cost in it."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from abc_costing.engine.allocation import allocate_period
from abc_costing.problems import grouped_money
from abc_costing.reports.ledger_pdf import ledger_pdf
from abc_costing.reports.ledger_views import profitability_totals, profitability_view
from abc_costing.reports.ledger_workbook import ledger_workbook
from abc_costing.reports.views import format_money
from tests.test_ledger_pdf import needs_poppler, text_of
from tests.test_ledger_workbook import INPUTS

KOPECK = 0.005


@pytest.fixture(scope="module")
def result():
    return allocate_period(INPUTS)


def by_hand(result):
    """The hand-worked totals of the shipped test period (see tests.test_ledger_workbook).

    Two cost objects run the same contract process: "Крупные клиенты" 60 instances and
    revenue 500 000, "Средний бизнес" 40 instances and no revenue. One cost per instance
    c, so their costs are 60c and 40c, the total cost 100c = 60c × 100 / 60; the total
    margin is 500 000 − 100c, the margin of the object with revenue alone 500 000 − 60c.
    """
    big = result.object("Крупные клиенты").cost
    total_cost = big * 100 / 60
    return big, total_cost, 500_000 - total_cost


def test_the_total_row_is_revenue_less_the_cost_of_every_object(result):
    big, total_cost, margin = by_hand(result)
    assert result.object("Средний бизнес").revenue is None  # the object without revenue
    view = profitability_view(result, currency="RUB")
    total = view.rows[-1]
    assert total.kind == "total" and total.value("cost_object") == "Total, all cost objects"
    assert total.value("cost") == pytest.approx(total_cost)
    assert total.value("revenue") == 500_000
    # The old row said 500 000 − 60c (the objects with revenue only) beside a cost of 100c.
    assert total.value("margin") == pytest.approx(margin)
    assert total.value("margin") == pytest.approx(total.value("revenue") - total.value("cost"))
    assert total.value("margin_share") == pytest.approx(margin / 500_000)
    # The note gives the objects with revenue alone, labelled as such; two have no
    # revenue: "Средний бизнес" (40c) and "Призрак", whose process has no model (cost 0).
    assert result.object("Призрак").cost == 0
    assert (f"The objects with revenue alone: cost {grouped_money(big)}, revenue "
            f"{grouped_money(500_000)}, margin {grouped_money(500_000 - big)} RUB; 2 without "
            f"revenue cost {grouped_money(total_cost - big)}.") in view.note
    ru = view.in_language("ru")
    assert ru.rows[-1].value("cost_object") == "Итого по всем объектам затрат"
    assert "Итоговая маржа — вся выручка за вычетом" in ru.note


def test_the_totals_by_hand():
    from abc_costing.engine.allocation import ObjectCost

    # 150 − (100 + 30) = 20; the object with revenue alone: 150 − 100 = 50.
    totals = profitability_totals([ObjectCost("a", 100.0, {}, 150.0, 50.0),
                                   ObjectCost("b", 30.0, {}, None, None)])
    assert (totals.cost, totals.revenue, totals.margin) == (130.0, 150.0, 20.0)
    assert totals.margin_share == pytest.approx(20 / 150)
    assert (totals.cost_with_revenue, totals.margin_with_revenue, totals.without_revenue) == \
        (100.0, 50.0, 1)
    # No revenue at all: no margin to speak of, not a margin of −cost.
    none = profitability_totals([ObjectCost("b", 30.0, {}, None, None)])
    assert (none.cost, none.revenue, none.margin, none.margin_share) == (30.0, None, None, None)


def test_the_workbook_total_margin_is_a_formula_across_the_row(result):
    _, total_cost, margin = by_hand(result)
    data = ledger_workbook(INPUTS, result)
    values = load_workbook(io.BytesIO(data), data_only=True)["Cost objects"]
    formulas = load_workbook(io.BytesIO(data))["Cost objects"]
    [row] = [r for r in values.iter_rows() if r[0].value == "Total, all cost objects"]
    cost, revenue, total_margin = (c.value for c in row[1:4])
    assert cost == pytest.approx(total_cost, abs=KOPECK) and revenue == 500_000
    assert total_margin == pytest.approx(margin, abs=KOPECK)
    number = row[0].row
    assert formulas.cell(number, 4).value == f"=C{number}-B{number}"


@needs_poppler
def test_the_pdf_total_row_reads_across(result, tmp_path):
    _, total_cost, margin = by_hand(result)
    text = text_of(ledger_pdf(INPUTS, result), tmp_path)
    assert (f"Total, all cost objects {format_money(total_cost, 'RUB')} 500,000.00 "
            f"{format_money(margin, 'RUB')}") in text
    ru = text_of(ledger_pdf(INPUTS, result, language="ru"), tmp_path)
    assert "Итого по всем объектам затрат" in ru
