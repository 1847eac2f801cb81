"""Results as pandas tables (for notebooks and the dashboard), and money as people read it.

The tables are the views of :mod:`abc_costing.reports.views` as DataFrames,
indexed by their first column; numbers stay unrounded. Rounding to the
currency's minor unit happens only in :func:`format_money`, at the display edge.

Examples
--------
>>> format_money(1234567.891, "RUB")
'1,234,567.89'
>>> format_amount(10368.691, "RUB") == "RUB\\u00a010,368.69"
True
>>> from abc_costing import cost_model, load_model
>>> result = cost_model(load_model("process_models/contract_approval/as_is.yaml"))
>>> frame = resources_table(result)
>>> bool(abs(frame["cost_per_instance"].sum() - result.cost_per_instance) < 1e-6)
True
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from abc_costing import numbers
from abc_costing.compare import Comparison
from abc_costing.engine import CostResult
from abc_costing.i18n import Language
from abc_costing.portfolio import Portfolio
from abc_costing.reports.views import (
    RowKind,
    TableView,
    activities_view,
    activity_changes_view,
    format_money,
    portfolio_view,
    resource_changes_view,
    resources_view,
    value_changes_view,
    value_classes_view,
)

__all__ = [
    "format_money",
    "format_amount",
    "format_signed_amount",
    "view_frame",
    "activities_table",
    "resources_table",
    "value_table",
    "activity_changes_table",
    "resource_changes_table",
    "value_changes_table",
    "portfolio_table",
]


def format_amount(amount: float, currency: str, language: Language = "en") -> str:
    """Money with its currency: ``RUB 10,368.69``, ``10 368,69 ₽`` in Russian
    (:func:`abc_costing.numbers.money`)."""
    return numbers.money(amount, currency, language)


def format_signed_amount(amount: float, currency: str, language: Language = "en") -> str:
    """Money with an explicit sign, for deltas: ``+150.00`` / ``-1,319.22`` / ``0.00``.

    >>> format_signed_amount(150, "RUB"), format_signed_amount(-0.001, "RUB")
    ('+150.00', '0.00')
    """
    return numbers.signed_amount(amount, currency, language)


def view_frame(view: TableView, *, kinds: Collection[RowKind] = ("item", "other"),
               index: bool = True) -> pd.DataFrame:
    """The rows of ``view`` of the given kinds as a DataFrame with machine column names.

    By default the items and the "other" rows, so that a money column sums to
    the total (the total row itself is left out); ``index`` sets the first
    column as the index.
    """
    frame = pd.DataFrame([row.values for row in view.rows if row.kind in kinds],
                         columns=list(view.keys))
    return frame.set_index(view.keys[0]) if index else frame


def activities_table(result: CostResult) -> pd.DataFrame:
    """One row per activity, in file order, with every figure of :class:`ActivityCost`."""
    return view_frame(activities_view(result))


def resources_table(result: CostResult) -> pd.DataFrame:
    """One row per resource, plus an ``(other costs)`` row so the column sums to the total."""
    return view_frame(resources_view(result))


def value_table(result: CostResult) -> pd.DataFrame:
    """Cost per instance and share by value class."""
    return view_frame(value_classes_view(result))


def activity_changes_table(comparison: Comparison) -> pd.DataFrame:
    """One row per activity of either variant, with its status and delta."""
    return view_frame(activity_changes_view(comparison))


def resource_changes_table(comparison: Comparison) -> pd.DataFrame:
    """One row per resource of either variant and the other costs, with cost and delta."""
    return view_frame(resource_changes_view(comparison))


def value_changes_table(comparison: Comparison) -> pd.DataFrame:
    """Cost per instance by value class in both variants."""
    return view_frame(value_changes_view(comparison))


def portfolio_table(portfolio: Portfolio) -> pd.DataFrame:
    """One row per process variant (see :class:`~abc_costing.portfolio.PortfolioRow`)."""
    return view_frame(portfolio_view(portfolio), index=False)
