"""Editing the resource catalogue through one table: a row per pool, each pool once.

The Resources page shows every pool of ``resources.yaml`` with what it is
written as (headcount, оклад, премия, contributions regime, injury class, a
stated rate, cost or capacity) and what follows from it (the loaded cost of
one person per year, ФОТ с взносами per month, practical capacity, the rate
per hour). The analyst changes cells; :func:`diff_pool_table` reads every
changed cell on the server, by the same rules as the Edit page
(:func:`~abc_costing.store.edits.parse_duration_text`'s number rules:
``1 500,5`` or ``1500.5``), and turns it into an :class:`~abc_costing.store.edits.Edit`
of the catalogue file at ``("pools", id, field)``; :func:`~abc_costing.store.edits.apply_edits`
writes those into the text with comments kept.

The written figures are the editable columns, shown exactly as written (a
blank cell: not written). What a pool works out to (:func:`pool_figures`:
cost of one person per year, страховые взносы, ФОТ с взносами per month,
practical capacity, rate per hour) has columns of its own, read-only: a
stated rate or monthly cost is edited in its ``stated_*`` column. A cell is
compared as the text it was shown as, so derived figures can be shown
rounded without a rounding being taken for an edit.

Examples
--------
>>> from abc_costing.formats.catalogue import read_catalogue
>>> loaded, _ = read_catalogue("process_models/resources.yaml", name="resources.yaml")
>>> table = pool_table(loaded)
>>> table.loc["lawyer", ["headcount", "salary_per_month", "stated_cost_per_month",
...                      "cost_per_month"]].tolist()  # 3 × 150 000 × 1.302, not written
['3', '150000', '', '585900']
>>> edited = table.copy()
>>> edited.loc["lawyer", "salary_per_month"] = "165 000"
>>> edits, problems = diff_pool_table(loaded, table, edited)
>>> [(e.path, e.old, e.new) for e in edits], problems
([(('pools', 'lawyer', 'salary_per_month'), 150000, 165000)], [])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, assert_never

from abc_costing.formats.catalogue import LoadedCatalogue
from abc_costing.i18n import N_
from abc_costing.model import LaborResource, PerUseResource, ResourceRecord
from abc_costing.payroll import loaded_cost_per_year
from abc_costing.problems import Problem, cut
from abc_costing.store.edits import (
    Edit,
    _cell_number,
    _missing,
    _rows,
    _rows_must_match,
    number_cell,
)

if TYPE_CHECKING:
    import pandas as pd  # for annotations; pool_table imports it (~0.5 s of CPU)

__all__ = [
    "CONTRIBUTION_REGIMES",
    "DERIVED_COLUMNS",
    "EDITABLE_NUMBERS",
    "POOL_COLUMNS",
    "STATED_COLUMNS",
    "PoolFigures",
    "diff_pool_table",
    "pool_cells",
    "pool_figures",
    "pool_table",
]

#: Number fields written in a pool and edited in the table, in table order.
EDITABLE_NUMBERS = ("headcount", "salary_per_month", "bonus_per_month", "injury_class",
                    "cost_per_month", "capacity_hours_per_month", "rate_per_hour",
                    "cost_per_use")
#: Columns holding a figure as written where the pool may also derive it: column -> field.
STATED_COLUMNS = {"stated_cost_per_month": "cost_per_month",
                  "stated_capacity_hours_per_month": "capacity_hours_per_month",
                  "stated_rate_per_hour": "rate_per_hour"}
#: Figures that follow from the written ones (:func:`pool_figures`): shown, never edited.
DERIVED_COLUMNS = ("loaded_cost_per_person_per_year", "contributions_per_person_per_year",
                   "cost_per_month", "capacity_hours_per_month", "rate_per_hour", "used_by",
                   "overridden_by")
#: Every column of the pools table (the pool id is the index): inputs, then derived figures.
POOL_COLUMNS = ("name", "kind", "headcount", "salary_per_month", "bonus_per_month",
                "contributions", "injury_class", *STATED_COLUMNS, "cost_per_use",
                *DERIVED_COLUMNS)
#: The contribution regimes a payroll pool may name (blank: ``general``).
CONTRIBUTION_REGIMES = ("general", "sme")
# Where a derived figure comes from, for the message when it is edited directly.
_DERIVED_FROM = {"cost_per_month": "the payroll (salary_per_month, headcount)",
                 "capacity_hours_per_month": "the working or production calendar",
                 "rate_per_hour": "cost_per_month / capacity_hours_per_month"}
_FIELDS_OF_KIND = {
    "labor": ("headcount", "salary_per_month", "bonus_per_month", "injury_class",
              "cost_per_month", "capacity_hours_per_month", "rate_per_hour"),
    "per_use": ("cost_per_use",),
}


@dataclass(frozen=True)
class PoolFigures:
    """One pool of a catalogue: what it is written as and what it works out to.

    Attributes:
      id, name, kind: the pool.
      headcount, salary_per_month, bonus_per_month, contributions, injury_class:
        as written (None: not written; the regime is then ``general``, the class 1).
      loaded_cost_per_person_per_year: 12 × (оклад + премия) + страховые взносы +
        травматизм of one person (None without an оклад).
      contributions_per_person_per_year: страховые взносы of one person per year,
        травматизм apart (None without an оклад).
      injury_insurance_per_person_per_year: взносы на травматизм of one person per year.
      cost_per_month: ФОТ с взносами of the whole pool per month (derived from the
        оклад, written, or rate × capacity); None when unknown.
      capacity_hours_per_month: practical capacity of the whole pool (written or
        derived from a calendar).
      rate_per_hour: the rate the engine charges (written or cost / capacity).
      cost_per_use: a per-use pool's price.
      stated: the fields among cost_per_month, capacity_hours_per_month and
        rate_per_hour that the pool writes (the others are derived).
    """

    id: str
    name: str
    kind: str
    headcount: float | None = None
    salary_per_month: float | None = None
    bonus_per_month: float | None = None
    contributions: str | None = None
    injury_class: int | None = None
    loaded_cost_per_person_per_year: float | None = None
    contributions_per_person_per_year: float | None = None
    injury_insurance_per_person_per_year: float | None = None
    cost_per_month: float | None = None
    capacity_hours_per_month: float | None = None
    rate_per_hour: float | None = None
    cost_per_use: float | None = None
    stated: frozenset[str] = frozenset()


def pool_figures(pool_id: str, pool: ResourceRecord) -> PoolFigures:
    """What a pool is written as and what follows from it: its derivation, as numbers.

    >>> lawyers = LaborResource.model_validate({"kind": "labor", "headcount": 3,
    ...     "salary_per_month": 150000, "year": 2026, "capacity_hours_per_month": 360})
    >>> f = pool_figures("lawyer", lawyers)
    >>> f.contributions_per_person_per_year  # 150 000 × 12 × 0.30 (травматизм apart)
    540000.0
    >>> f.loaded_cost_per_person_per_year, f.cost_per_month, f.rate_per_hour
    (2343600.0, 585900.0, 1627.5)
    """
    match pool:
        case LaborResource():
            loaded = None
            if pool.salary_per_month is not None and pool.year is not None:
                loaded = loaded_cost_per_year(
                    pool.salary_per_month, pool.bonus_per_month or 0.0, year=pool.year,
                    regime=pool.contributions or "general", injury_class=pool.injury_class or 1)
            return PoolFigures(
                pool_id, pool.name or "", pool.kind, headcount=pool.headcount,
                salary_per_month=pool.salary_per_month, bonus_per_month=pool.bonus_per_month,
                contributions=pool.contributions, injury_class=pool.injury_class,
                loaded_cost_per_person_per_year=None if loaded is None
                else loaded.total_cost_per_year,
                contributions_per_person_per_year=None if loaded is None
                else loaded.contributions_per_year,
                injury_insurance_per_person_per_year=None if loaded is None
                else loaded.injury_insurance_per_year,
                cost_per_month=pool.pool_cost_per_month,
                capacity_hours_per_month=pool.capacity_hours_per_month,
                rate_per_hour=pool.rate_per_minute * 60,
                stated=frozenset(STATED_COLUMNS.values()) & pool.model_fields_set)
        case PerUseResource():
            return PoolFigures(pool_id, pool.name or "", pool.kind,
                               cost_per_use=pool.cost_per_use)
        case _:
            assert_never(pool)


def _money_cell(value: float | None) -> str:
    """A derived amount as shown: to the kopeck (the written ones are shown as written)."""
    return "" if value is None else number_cell(round(value, 2))


def pool_cells(pool: ResourceRecord) -> dict[str, Any]:
    """The cells of one pool: what it writes (editable) and what follows from it."""
    figures = pool_figures("", pool)
    stated = {column: number_cell(getattr(pool, field)) if field in figures.stated else ""
              for column, field in STATED_COLUMNS.items()}
    return {
        "headcount": number_cell(figures.headcount),
        "salary_per_month": number_cell(figures.salary_per_month),
        "bonus_per_month": number_cell(figures.bonus_per_month),
        "contributions": figures.contributions or "",
        "injury_class": number_cell(figures.injury_class),
        **stated,
        "cost_per_use": number_cell(figures.cost_per_use),
        "loaded_cost_per_person_per_year": _money_cell(figures.loaded_cost_per_person_per_year),
        "contributions_per_person_per_year": _money_cell(
            figures.contributions_per_person_per_year),
        "cost_per_month": _money_cell(figures.cost_per_month),
        "capacity_hours_per_month": _money_cell(figures.capacity_hours_per_month),
        "rate_per_hour": _money_cell(figures.rate_per_hour),
    }


def pool_table(loaded: LoadedCatalogue, *,
               used_by: Mapping[str, Sequence[str]] | None = None,
               overridden_by: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """The pools of a catalogue as the Resources page shows them (indexed by pool id).

    Numbers are text cells (read back by one rule whatever the browser's
    language); ``used_by`` / ``overridden_by`` name, per pool, the variants
    that take it and those that change it under ``overrides:``.
    """
    import pandas as pd  # here: `validate` and `resources` read pool figures without a table

    rows = []
    for pool_id, pool in loaded.catalogue.pools.items():
        rows.append({"id": pool_id, "name": pool.name or "", "kind": pool.kind,
                     **pool_cells(pool),
                     "used_by": ", ".join((used_by or {}).get(pool_id, ())),
                     "overridden_by": ", ".join((overridden_by or {}).get(pool_id, ()))})
    return pd.DataFrame(rows, columns=["id", *POOL_COLUMNS]).set_index("id")


def diff_pool_table(loaded: LoadedCatalogue, table: pd.DataFrame, edited: pd.DataFrame
                    ) -> tuple[list[Edit], list[Problem]]:
    """The edits of the catalogue file that the edited pools table makes, and cell problems.

    Only cells whose text changed are read. A number is read like any typed
    number; a blank cell removes the field from the pool. The edited pools
    are not validated here: the caller reads the edited text as a catalogue.
    """
    edits: list[Edit] = []
    problems = _rows_must_match(table, edited, "pools")
    for pool_id, row in _rows(edited):
        pool_id = str(pool_id)
        if pool_id not in table.index or pool_id not in loaded.catalogue.pools:
            continue
        shown = table.loc[pool_id]
        written = loaded.written.get(pool_id, {})
        for column, cell in row.items():
            if column in DERIVED_COLUMNS or _text(cell) == _text(shown[column]):
                continue
            field = STATED_COLUMNS.get(str(column), str(column))
            edit = _cell_edit(pool_id, field, cell, written, problems, kind=str(shown["kind"]))
            if edit is not None:
                edits.append(edit)
    return edits, problems


def _text(cell: Any) -> str:
    return "" if _missing(cell) else str(cell).strip()


def _cell_edit(pool_id: str, column: str, cell: Any, written: Mapping[str, Any],
               problems: list[Problem], *, kind: str) -> Edit | None:
    """One changed cell as an edit of the pool's written data, or a problem."""
    path = ("pools", pool_id, column)
    old = written.get(column)
    if column == "kind":
        problems.append(Problem(N_("a pool's kind cannot be changed here: the variants use it "
                                   "by minutes or by units; define another pool"), element=pool_id))
        return None
    if column == "name":
        new_name = _text(cell) or None
        return None if new_name == old else Edit(path, pool_id, "name", old, new_name)
    if column == "contributions":
        regime = _text(cell).lower() or None
        if regime is not None and regime not in CONTRIBUTION_REGIMES:
            problems.append(Problem(N_("contributions: must be general or sme (got {cell})",
                                       cell=cut(str(cell))), element=pool_id))
            return None
        return None if regime == old else Edit(path, pool_id, "contributions", old, regime)
    if column not in EDITABLE_NUMBERS:
        return None
    if column not in _FIELDS_OF_KIND.get(kind, ()):
        problems.append(Problem(N_("{column} does not apply to a {kind} pool", column=column,
                                   kind=kind), element=pool_id))
        return None
    number = _cell_number(cell, element=pool_id, field=column, problems=problems)
    if number is None and not _missing(cell):
        return None  # unreadable: the problem is recorded
    if number is None and old is None:
        problems.append(Problem(N_("{column} is worked out from {get} here; change those "
                                   "instead", column=column,
                                   get=_DERIVED_FROM.get(column, 'the other fields')),
                                element=pool_id))
        return None
    return Edit(path, pool_id, column, old, number)
