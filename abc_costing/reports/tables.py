"""Costing results as pandas tables, and money as people read it.

The tables keep numbers unrounded; rounding to the currency's minor unit
happens only in :func:`format_money`, at the display edge.

Examples
--------
>>> format_money(1234567.891, "RUB")
'1 234 567.89'
>>> format_money(1234567.891, "JPY")
'1 234 568'
>>> format_money(-0.001, "RUB")  # no "-0.00" for an unchanged figure
'0.00'
"""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd
from babel.numbers import get_currency_precision

from abc_costing.compare import Comparison
from abc_costing.engine import CostResult
from abc_costing.portfolio import Portfolio

__all__ = [
    "format_money",
    "format_amount",
    "format_signed_amount",
    "activities_table",
    "resources_table",
    "value_table",
    "activity_changes_table",
    "resource_changes_table",
    "value_changes_table",
    "portfolio_table",
]


def format_money(amount: float, currency: str) -> str:
    """Round to the currency's minor unit and group thousands with spaces."""
    digits = get_currency_precision(currency)
    rounded = round(amount, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:,.{digits}f}".replace(",", " ")


def format_amount(amount: float, currency: str) -> str:
    """Money with its currency code: ``10 368.69 RUB``."""
    return f"{format_money(amount, currency)} {currency}"


def format_signed_amount(amount: float, currency: str) -> str:
    """Money with an explicit sign, for deltas: ``+150.00`` / ``-1 319.22`` / ``0.00``.

    >>> format_signed_amount(150, "RUB"), format_signed_amount(-0.001, "RUB")
    ('+150.00', '0.00')
    """
    text = format_money(amount, currency)
    return text if text.startswith("-") or set(text) <= set("0. ") else "+" + text


def activities_table(result: CostResult) -> pd.DataFrame:
    """One row per activity, in file order, with every figure of :class:`ActivityCost`."""
    return pd.DataFrame([asdict(a) for a in result.activities]).set_index("id")


def resources_table(result: CostResult) -> pd.DataFrame:
    """One row per resource, plus an ``(other costs)`` row so the column sums to the total."""
    rows = [asdict(r) for r in result.resources]
    total = result.cost_per_instance
    rows.append({
        "id": "(other costs)", "name": "other costs", "kind": "other",
        "rate_per_minute": 0.0, "cost_per_use": 0.0, "minutes_per_instance": 0.0,
        "uses_per_instance": 0.0, "cost_per_instance": result.other_cost_per_instance,
        "share": result.other_cost_per_instance / total if total > 0 else 0.0,
    })
    return pd.DataFrame(rows).set_index("id")


def value_table(result: CostResult) -> pd.DataFrame:
    """Cost per instance and share by value class."""
    total = result.cost_per_instance
    return pd.DataFrame(
        [{"value": value, "cost_per_instance": cost, "share": cost / total if total > 0 else 0.0}
         for value, cost in result.by_value.items()]
    ).set_index("value")


def activity_changes_table(comparison: Comparison) -> pd.DataFrame:
    """One row per activity of either variant, with its status and delta."""
    return pd.DataFrame([asdict(a) for a in comparison.activities]).set_index("id")


def resource_changes_table(comparison: Comparison) -> pd.DataFrame:
    """One row per resource of either variant, with minutes, cost and delta."""
    return pd.DataFrame([asdict(r) for r in comparison.resources]).set_index("id")


def value_changes_table(comparison: Comparison) -> pd.DataFrame:
    """Cost per instance by value class in both variants."""
    return pd.DataFrame([asdict(v) for v in comparison.by_value]).set_index("value")


def portfolio_table(portfolio: Portfolio) -> pd.DataFrame:
    """One row per process variant (see :class:`~abc_costing.portfolio.PortfolioRow`)."""
    return pd.DataFrame([asdict(row) for row in portfolio.rows])
