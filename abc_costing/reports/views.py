"""Every results table, defined once: its columns, labels, units, "other" and total rows.

A :class:`TableView` is what a reader sees of a result: the CLI prints it
with rich, the dashboard draws it with ``st.dataframe``, the PDF sets it with
reportlab, the workbook writes it with live formulas and the CSV export
writes its machine names and unrounded values. None of them decides which
columns exist, what they are called, in which unit, or how the "other costs"
and total rows are made: the functions here do, so the five cannot drift.

Numbers stay unrounded in the view; :func:`format_value` is the one place
that turns a value of a unit into text for the renderers that print text
(CLI, PDF). Money is rounded to the currency's minor unit there only.

Examples
--------
>>> from abc_costing import cost_model, load_model
>>> result = cost_model(load_model("process_models/contract_approval/as_is.yaml"))
>>> view = resources_view(result)
>>> [row.kind for row in view.rows][-2:]
['other', 'total']
>>> total = view.rows[-1].value("cost_per_instance")
>>> abs(sum(r.value("cost_per_instance") for r in view.rows[:-1]) - total) < 1e-6
True
>>> view.label("cost_per_instance")
'Per instance, RUB'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import compress, repeat
from operator import attrgetter, is_, not_
from typing import TYPE_CHECKING, Any, Literal, Protocol, assert_never

from abc_costing import numbers
from abc_costing.durations import DEFAULT_HOURS_PER_DAY, HOURS_PER_CALENDAR_DAY, Duration, duration
from abc_costing.durations import elapsed as elapsed_duration
from abc_costing.i18n import N_, Language, Message, translate
from abc_costing.i18n import joined as _joined
from abc_costing.numbers import Figure, currency_digits, rounded_for_display
from abc_costing.problems import Count

if TYPE_CHECKING:
    # For annotations only: the records, the engine, the advisor and the catalogue's
    # figures load pydantic, networkx and pandas, which `abc-costing --help` (and a
    # command that prints no such table) must not pay for; the few functions that
    # call into them import what they call.
    from abc_costing.advisor import Advice, RankedMove
    from abc_costing.compare import Comparison, SavingSplit
    from abc_costing.engine import (
        CapacityReport,
        CostResult,
        ExpectedExecutions,
        ResourceCost,
        SensitivityItem,
    )
    from abc_costing.mining import TraceVariant
    from abc_costing.model import ProcessModel, ResourceRecord
    from abc_costing.portfolio import Portfolio
    from abc_costing.simulation import SimulationResult
    from abc_costing.simulation.queueing import QueueResult
    from abc_costing.store.catalogue_edits import PoolFigures
    from abc_costing.store.edits import Edit
    from abc_costing.store.migration import MigrationPlan

__all__ = [
    "Column",
    "Row",
    "RowKind",
    "TableView",
    "Unit",
    "activities_view",
    "activity_changes_view",
    "advice_sequence_view",
    "advice_view",
    "faster_moves_view",
    "move_edits_view",
    "rejected_moves_view",
    "bridge_view",
    "capacity_view",
    "catalogue_labels",
    "catalogue_view",
    "change_log_view",
    "currency_digits",
    "disagreements_view",
    "flows_view",
    "format_money",
    "format_number",
    "format_column",
    "format_share",
    "format_value",
    "migration_view",
    "pool_changes_view",
    "portfolio_view",
    "process_hours_per_day",
    "price_effects_view",
    "queue_activities_view",
    "queue_counts_text",
    "queue_resources_view",
    "resource_changes_view",
    "release_view",
    "resources_view",
    "rounded_for_display",
    "saving_ranking_view",
    "saving_split_view",
    "sensitivity_view",
    "simulation_view",
    "staffing_view",
    "value_changes_view",
    "value_classes_view",
    "variants_view",
]

#: What a column holds; decides how each renderer formats it.
Unit = Literal["text", "money", "minutes", "hours", "count", "executions", "share",
               "probability", "people", "number"]
#: ``item`` rows are the things listed; ``other`` rows gather what no item holds
#: (costs tied to no resource, activities folded away); ``total`` rows sum the rest.
RowKind = Literal["item", "other", "total"]

VALUE_CLASS_LABELS = {"value_adding": N_("value-adding"),
                      "business": N_("business (required)"), "waste": N_("waste")}
#: The model's and the engine's own words as table cells (a value class, an activity's
#: status, a resource's kind, an effect of the cost bridge): the CSV and the workbook keep
#: the word, a reader of another language reads it in theirs.
CELL_WORDS = {
    "value_adding": N_("value_adding"), "business": N_("business"), "waste": N_("waste"),
    "added": N_("added"), "removed": N_("removed"), "changed": N_("changed"),
    "unchanged": N_("unchanged"),
    "labor": N_("labor"), "per_use": N_("per_use"), "other": N_("other"),
    "rate": N_("rate"), "capacity": N_("capacity"), "unit_time": N_("unit_time"),
    "routing": N_("routing"), "fees": N_("fees"), "volume": N_("volume"),
}


def _word(value: Any) -> Any:
    """A cell holding one of :data:`CELL_WORDS`, said again in the reader's language."""
    return CELL_WORDS.get(value, value) if isinstance(value, str) else value
#: The name cell of a total row and of the costs tied to no resource.
TOTAL_NAME = N_("total")
#: The id cells of those rows: keys in CSV and JSON, words in the reader's language on screen.
TOTAL_ID = N_("(total)")
OTHER_COSTS_ID = N_("(other costs)")
NOT_LABOUR_ID = N_("(not labour)")
OTHER_COSTS_NAME = N_("other costs (not tied to a resource)")
_DIGITS: dict[str, int] = {"minutes": 1, "hours": 1, "count": 0, "executions": 3,
                           "share": 1, "probability": 3, "people": 2, "number": 2}


@dataclass(frozen=True)
class Column:
    """One column of a view.

    Attributes:
      key: the stable machine name (CSV header, JSON key, dataframe column id).
      label: what a reader sees; money columns get the currency appended by
        :meth:`TableView.label`.
      unit: see :data:`Unit`.
      brief: shown in narrow renderers (terminal, PDF, dashboard); every
        column is written to CSV and Excel.
    """

    key: str
    label: str
    unit: Unit = "text"
    brief: bool = True
    #: Minutes of elapsed (calendar) time, said in days of 24 h
    #: (:func:`abc_costing.durations.elapsed`) rather than in the view's working days.
    elapsed: bool = False


@dataclass(frozen=True)
class Row:
    """One row: its values in column order and what kind of row it is.

    Attributes:
      values: one value per column (``None`` for an empty cell).
      kind: see :data:`RowKind`.
      columns: the keys of the values (shared with the view).
    """

    values: tuple[Any, ...]
    kind: RowKind
    columns: tuple[str, ...] = field(repr=False)

    def value(self, key: str) -> Any:
        """The value of column ``key``."""
        return self.values[self.columns.index(key)]


@dataclass(frozen=True)
class TableView:
    """A results table as every renderer draws it.

    Attributes:
      name: a machine name, also the CSV file name (``activities``).
      title: a heading for readers.
      columns: the columns, in order.
      rows: items first, then ``other`` rows, then the ``total`` row.
      currency: the ISO code of every money column; ``None`` when each row
        names its own currency in a ``currency`` column (the portfolio).
      note: a line to print under the table, if any.
      language: the reader's language of the column labels (``en``, ``ru``): see
        :mod:`abc_costing.i18n`; the keys, the CSV headers, stay English.
      hours_per_day: the day in which the text renderers say the ``minutes``
        columns (:func:`abc_costing.durations.duration`): the process's working
        day for a model's times, 24 h for an event log's elapsed ones.
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    currency: str | None = None
    note: str | None = None
    language: Language = "en"
    hours_per_day: float = DEFAULT_HOURS_PER_DAY

    @property
    def keys(self) -> tuple[str, ...]:
        """The machine names of the columns."""
        return tuple(c.key for c in self.columns)

    def column(self, key: str) -> Column:
        """The column named ``key``."""
        return self.columns[self.keys.index(key)]

    def label(self, key: str) -> str:
        """The reader's label of column ``key``: ``Per instance, RUB`` for money, in
        the view's language (``На экземпляр, RUB``)."""
        column = self.column(key)
        text = translate(column.label, self.language)
        if column.unit == "money" and self.currency:
            return f"{text}, {self.currency}"
        return text

    def in_language(self, language: Language) -> TableView:
        """The same view for a reader of ``language``: its labels, title, note and the
        cells that are marked texts (:func:`~abc_costing.i18n.N_`) in that language.

        Texts said again remember their English, so a view in Russian can be
        had in English again; :meth:`records` keeps the English cells.

        >>> view = _view("v", N_("Cost by activity: {variant}", variant="as_is"),
        ...              [Column("cost", "Cost per instance", "money")], [], currency="RUB")
        >>> ru = view.in_language("ru")
        >>> ru.label("cost"), ru.title
        ('Стоимость экземпляра, RUB', 'Стоимость по действиям: as_is')
        >>> ru.in_language("en").title
        'Cost by activity: as_is'
        """
        if language == self.language:  # said in it already (100,000 rows took 1 s to redo)
            return self
        return replace(self, language=language, title=_said(self.title, language),
                       note=None if self.note is None else _said(self.note, language),
                       rows=_rows_said(self.rows, language))

    def number_label(self, key: str) -> str:
        """The label of column ``key`` over bare numbers (a workbook's cells): a
        ``minutes`` column says its unit there, as its text cells say it elsewhere.

        >>> view = _view("v", "t", [Column("wait", "Wait per execution", "minutes")], [],
        ...              currency=None)
        >>> view.number_label("wait"), view.in_language("ru").number_label("wait")
        ('Wait per execution, min', 'Ожидание на выполнение, мин')
        """
        if self.column(key).unit != "minutes":
            return self.label(key)
        return translate(N_("{label}, min", label=self.label(key)), self.language)

    def brief_columns(self) -> tuple[Column, ...]:
        """The columns narrow renderers show."""
        return tuple(c for c in self.columns if c.brief)

    def currency_of(self, row: Row) -> str | None:
        """The currency of a row's money cells (None when the view has no money)."""
        if self.currency is not None or "currency" not in self.keys:
            return self.currency
        return str(row.value("currency"))

    def text_rows(self, *, brief: bool = True) -> list[tuple[RowKind, list[str]]]:
        """Each row as display text (see :func:`format_value`), with its kind."""
        columns = self.text_columns(brief=brief)
        cells_by_row = zip(*columns, strict=True) if columns else [()] * len(self.rows)
        return [(row.kind, list(cells)) for row, cells in zip(self.rows, cells_by_row,
                                                              strict=True)]

    def text_columns(self, *, brief: bool = True) -> list[list[str]]:
        """Each column's cells as display text, top to bottom: :meth:`text_rows` by column.

        Written a column at a time (:func:`format_column`: the same text as
        :func:`format_value` cell by cell, a 100,000-row table's 700,000 cells in a
        fifth of the time); a view whose rows name their own currencies, a currency's
        rows at a time.

        >>> view = _view("v", "t", [Column("id", "Id"), Column("cost", "Cost", "money")],
        ...              [("item", ["a", 1500.5]), ("total", ["(total)", None])],
        ...              currency="JPY")
        >>> view.text_columns()
        [['a', '(total)'], ['1,501', '—']]
        """
        columns = self.brief_columns() if brief else self.columns
        # the rows turned into columns once, in C
        by_column = list(zip(*(row.values for row in self.rows), strict=True)) or [
            () for _ in self.columns]
        texts: list[list[str]] = []
        for column in columns:
            values = by_column[self.keys.index(column.key)]
            if column.unit == "money" and self.currency is None and "currency" in self.keys:
                texts.append(self._money_by_row_currency(values, column))
            else:
                texts.append(format_column(values, column.unit, self.currency,
                                           self.language, hours_per_day=self.hours_per_day,
                                           elapsed=column.elapsed))
        return texts

    def _money_by_row_currency(self, values: Sequence[Any], column: Column) -> list[str]:
        """A money column's texts where each row names its currency (the portfolio)."""
        currencies = [self.currency_of(row) for row in self.rows]
        texts = [""] * len(values)
        for currency in dict.fromkeys(currencies):
            at = [i for i, c in enumerate(currencies) if c == currency]
            for i, text in zip(at, format_column([values[i] for i in at], column.unit,
                                                 currency, self.language), strict=True):
                texts[i] = text
        return texts

    def records(self) -> list[dict[str, Any]]:
        """Each row as ``{key: value}`` (unrounded, texts in English), plus ``row_kind``."""
        return [{"row_kind": row.kind,
                 **dict(zip(self.keys, (_english(v) for v in row.values), strict=True))}
                for row in self.rows]


class _Said(str):
    """A text said in a reader's language that remembers the text it was said from."""

    source: str


def _english(value: Any) -> Any:
    """The text a cell, title or note was said from (itself when it was never said again)."""
    return value.source if isinstance(value, _Said) else value


def _said(value: Any, language: Language) -> Any:
    """``value`` in ``language`` when it is a marked text (a title, a note, a reason);
    any other value (a number, an id, a name from the model) as it is."""
    source = _english(value)
    if not isinstance(source, Message) or language == "en":
        return source
    said = _Said(translate(source, language))
    said.source = source
    return said


#: Cells that are never said again: only a marked text (a str of another type) is.
_PLAIN_CELLS = frozenset({str, float, int, bool, type(None)})


def _rows_said(rows: tuple[Row, ...], language: Language) -> tuple[Row, ...]:
    """``rows`` with each cell :func:`_said` in ``language``, a column at a time: a column
    of figures and names is kept as it is, and in a column of words each distinct word
    is said once (100,000 activities name three value classes)."""
    if not rows:
        return rows
    columns = list(zip(*(row.values for row in rows), strict=True))
    for i, column in enumerate(columns):
        if _PLAIN_CELLS.issuperset(map(type, column)):
            continue
        said: dict[int, Any] = {}  # by identity: the cells share their few word objects
        for value in column:
            if type(value) not in _PLAIN_CELLS and id(value) not in said:
                said[id(value)] = _said(value, language)
        columns[i] = tuple([value if type(value) in _PLAIN_CELLS else said[id(value)]
                            for value in column])
    # Positional, mapped (not a generator of keyword calls): a Russian table of
    # 100,000 activities is 100,000 new rows.
    return tuple(map(Row, zip(*columns, strict=True), map(_KIND, rows), map(_COLUMNS, rows)))


_KIND, _COLUMNS = attrgetter("kind"), attrgetter("columns")


def _view(name: str, title: str, columns: Sequence[Column],
          rows: Iterable[tuple[RowKind, Sequence[Any]]], *, currency: str | None,
          note: str | None = None, hours_per_day: float = DEFAULT_HOURS_PER_DAY) -> TableView:
    keys = tuple(c.key for c in columns)
    built = []
    for kind, values in rows:
        if len(values) != len(keys):
            raise ValueError(f"{name}: a row has {len(values)} values for {len(keys)} columns")
        built.append(Row(tuple(values), kind, keys))
    return TableView(name, title, tuple(columns), tuple(built), currency, note,
                     hours_per_day=hours_per_day)


# --- formatting ----------------------------------------------------------------------------


def format_number(value: float, digits: int, language: Language = "en") -> str:
    """``value`` with ``digits`` decimals, rounded half away from zero, thousands grouped in
    the reader's language (:func:`abc_costing.numbers.number`).

    >>> format_number(1234567.125, 2), format_number(29.25, 1), format_number(-0.04, 1)
    ('1,234,567.13', '29.3', '0.0')
    """
    return numbers.number(value, digits, language)


def format_money(amount: float, currency: str | None, language: Language = "en") -> str:
    """Round to the currency's minor unit (half away from zero) and group thousands; no
    currency (a table's header names it): :func:`abc_costing.numbers.amount`.

    >>> format_money(1234567.891, "RUB"), format_money(1234567.891, "JPY")
    ('1,234,567.89', '1,234,568')
    >>> format_money(-0.001, "RUB")  # no "-0.00" for an unchanged figure
    '0.00'
    >>> format_money(100.125, "RUB")  # half a kopeck: as Excel's ROUND, not 100.12
    '100.13'
    >>> format_money(100.125, "RUB", "ru")
    '100,13'
    """
    return numbers.amount(amount, currency, language)


def format_share(fraction: float, digits: int = 1, language: Language = "en") -> str:
    """A fraction as a percentage with ``digits`` decimals, rounded half away from zero.

    >>> format_share(0.25), format_share(0.00125, 2), format_share(0.3333, 0)
    ('25.0%', '0.13%', '33%')
    """
    return numbers.percent(fraction, language, digits)


def format_value(value: Any, unit: Unit, currency: str | None = None,
                 language: Language = "en", *,
                 hours_per_day: float = DEFAULT_HOURS_PER_DAY, elapsed: bool = False) -> str:
    """A cell as text: the one rule the text renderers (terminal, PDF) share.

    Minutes are said as a reader says a time (:func:`abc_costing.durations.duration`):
    in ``language``, in days of ``hours_per_day`` hours, hours and minutes; ``elapsed``
    minutes (a wait) in days of 24 h (:func:`abc_costing.durations.elapsed`, «сут.»).

    ``None`` is an em dash; an infinite amount is ``∞``; text is shown as is
    (renderers that interpret markup must escape it themselves).

    >>> format_value(1500.5, "money", "RUB"), format_value(0.25, "share")
    ('1,500.50', '25.0%')
    >>> format_value(1.3333333, "executions"), format_value(None, "money", "RUB")
    ('1.333', '—')
    >>> format_value(True, "text"), format_value(float("inf"), "money", "RUB")
    ('yes', '∞')
    >>> format_value(560, "minutes"), format_value(560, "minutes", language="ru",
    ...                                            hours_per_day=24)  # 480 + 80; 9 h 20 min
    ('1 day 1 hr 20 min', '9 ч 20 мин')
    >>> format_value(1500.5, "money", "RUB", "ru") == "1\u202f500,50"
    True
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit == "text":
        return str(value)
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if unit == "money":
        return format_money(float(value), currency, language)
    if unit == "share":
        return format_share(float(value), _DIGITS["share"], language)
    if unit == "minutes" and elapsed:
        return elapsed_duration(float(value), language)
    if unit == "minutes":
        return duration(float(value), language, hours_per_day=hours_per_day)
    return format_number(float(value), _DIGITS[unit], language)


def format_column(values: Sequence[Any], unit: Unit, currency: str | None = None,
                  language: Language = "en", *,
                  hours_per_day: float = DEFAULT_HOURS_PER_DAY, elapsed: bool = False
                  ) -> list[str]:
    """:func:`format_value` of each cell of a column, the same texts, written at once.

    The column's finite floats are written together (:func:`abc_costing.numbers.number_column`:
    its digits, marks and currency read once, not once a cell); every other cell (empty,
    infinite, a count held as an int, a time, a text) as :func:`format_value` writes it.

    >>> format_column([1500.5, None, float("inf"), 2], "money", "RUB")
    ['1,500.50', '—', '∞', '2.00']
    >>> format_column([0.25, float("nan")], "share", language="ru") == ["25,0\u00a0%", "—"]
    True
    """
    if unit == "text":  # a str is itself (most cells: ids and names)
        return [value if type(value) is str else str(value) if isinstance(value, str)
                else format_value(value, unit) for value in values]
    if unit == "minutes":
        return [format_value(value, unit, currency, language, hours_per_day=hours_per_day,
                             elapsed=elapsed) for value in values]
    # type, not isinstance: a bool is an int and says yes or no; numpy's and other
    # numbers keep format_value's own path. The floats are picked out in C (map,
    # compress); a column of them whose sum is finite holds no infinity or NaN.
    written_here = list(map(is_, map(type, values), repeat(float)))
    figures = list(compress(values, written_here))
    if not math.isfinite(sum(figures)):
        written_here = [type(value) is float and math.isfinite(value) for value in values]
        figures = list(compress(values, written_here))
    if unit == "money":
        texts = numbers.number_column(figures, currency_digits(currency), language)
    elif unit == "share":
        texts = numbers.percent_column(figures, language, _DIGITS["share"])
    else:
        texts = numbers.number_column(figures, _DIGITS[unit], language)
    others = list(compress(range(len(values)), map(not_, written_here)))
    if len(others) > _FEW_OTHERS:
        written = iter(texts)
        return [next(written) if here else format_value(value, unit, currency, language)
                for value, here in zip(values, written_here, strict=True)]
    for i in others:  # in order: each lands where it stood (a total row's empty cells)
        texts.insert(i, format_value(values[i], unit, currency, language))
    return texts


#: Up to how many cells of a column that are not finite floats are put in their places
#: one by one (each insertion moves the cells after it) rather than the column remade.
_FEW_OTHERS = 16


# --- one variant ---------------------------------------------------------------------------


def _share(amount: float, total: float) -> float:
    return amount / total if total > 0 else 0.0


def process_hours_per_day(model: ProcessModel) -> float:
    """The working day in which a model's times are said: its process's calendar.

    A process file states no calendar of its own; its labour pools do
    (``hours_per_day``). The queue simulation already makes one clock of them
    (:func:`~abc_costing.simulation.queueing.simulated_calendar`: the longest
    working day of the pools, 8 h when none states one), and its cycle times
    are working minutes on that clock; saying every time of the model in
    days of that same clock keeps one calendar rather than a second field
    that could disagree with it.

    >>> from abc_costing import load_model
    >>> process_hours_per_day(load_model("process_models/contract_approval/as_is.yaml"))
    8.0
    """
    # Imported here: the simulation package loads SciPy, which the CLI's views do without.
    from abc_costing.simulation.queueing import simulated_calendar

    return simulated_calendar(model)[0]


ACTIVITY_COLUMNS = (
    Column("id", "Activity"),
    Column("name", "Name"),
    Column("value", "Value class"),
    Column("expected_executions", "Executions per instance", "executions"),
    Column("labor_minutes_per_execution", "Labour per execution", "minutes", brief=False),
    Column("labor_cost_per_execution", "Labour per execution", "money", brief=False),
    Column("resource_use_cost_per_execution", "Resource uses per execution", "money",
           brief=False),
    Column("other_cost_per_execution", "Other costs per execution", "money", brief=False),
    Column("cost_per_execution", "Per execution", "money"),
    Column("cost_per_instance", "Per instance", "money"),
    Column("labor_minutes_per_instance", "Labour per instance", "minutes", brief=False),
    Column("wait_minutes_per_execution", "Wait per execution", "minutes", brief=False,
           elapsed=True),
    Column("share", "Share", "share"),
)


#: With the model: its durations as written, for readers who check the inputs.
ACTIVITY_INPUT_COLUMNS = (
    Column("labor", "Labour minutes as written", brief=False),
    Column("wait", "Wait minutes as written", brief=False),
)


def activities_view(result: CostResult, *, model: ProcessModel | None = None) -> TableView:
    """Cost by activity, in file order, then the total row.

    With ``model`` (the one ``result`` was costed from) two text columns
    follow: each activity's labour durations and its wait as written in the
    file (``clerk: triangular 30 45 90``), which the CSV and Excel reports show.

    >>> from abc_costing import cost_model, load_model
    >>> model = load_model("process_models/contract_approval/as_is.yaml")
    >>> view = activities_view(cost_model(model), model=model)
    >>> view.keys[-2:], view.rows[0].value("labor")
    (('labor', 'wait'), 'manager: pert 40 60 150')
    """
    total = result.cost_per_instance
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [a.id, a.name, _word(a.value), a.expected_executions,
                  a.labor_minutes_per_execution, a.labor_cost_per_execution,
                  a.resource_use_cost_per_execution, a.other_cost_per_execution,
                  a.cost_per_execution, a.cost_per_instance,
                  a.labor_minutes_per_instance, a.wait_minutes_per_execution, a.share])
        for a in result.activities]
    rows.append(("total", [TOTAL_ID, TOTAL_NAME, None, None, None, None, None, None, None,
                           total,
                           result.labor_minutes_per_instance, None,
                           1.0 if total > 0 else 0.0]))
    columns: tuple[Column, ...] = ACTIVITY_COLUMNS
    hours_per_day = DEFAULT_HOURS_PER_DAY
    if model is not None:
        hours_per_day = process_hours_per_day(model)
        # Imported here: the store's table code loads pandas, which the CLI's views do without.
        from abc_costing.store.edits import duration_text

        columns += ACTIVITY_INPUT_COLUMNS
        for (_, values), a in zip(rows[:-1], result.activities, strict=True):
            activity = model.activities[a.id]
            values += ["; ".join(f"{r}: {duration_text(d)}" for r, d in activity.labor.items()),
                       duration_text(activity.wait)]
        rows[-1][1].extend([None, None])
    return _view("activities", N_("Cost by activity: {variant}", variant=result.variant),
                 columns, rows, currency=result.currency, hours_per_day=hours_per_day)


RESOURCE_COLUMNS = (
    Column("id", "Resource"),
    Column("name", "Name"),
    Column("kind", "Kind"),
    Column("rate_per_hour", "Rate per hour", "money", brief=False),
    Column("cost_per_use", "Per use", "money", brief=False),
    Column("minutes_per_instance", "Labour time per instance", "minutes"),
    Column("uses_per_instance", "Uses per instance", "executions"),
    Column("cost_per_instance", "Per instance", "money"),
    Column("share", "Share", "share"),
)


def _unit_prices(resource: ResourceCost) -> tuple[float | None, float | None]:
    """(rate per hour, cost per use) of a resource: the one its kind has, None the other."""
    match resource.kind:
        case "labor":
            return resource.rate_per_minute * 60, None
        case "per_use":
            return None, resource.cost_per_use
        case _:
            assert_never(resource.kind)


def resources_view(result: CostResult) -> TableView:
    """Cost by resource, then the costs tied to no resource, then the total.

    The rows add up to the instance total, so the other costs (materials,
    fees) always have a row, even at zero.
    """
    total = result.cost_per_instance
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [r.id, r.name, _word(r.kind), *_unit_prices(r), r.minutes_per_instance,
                  r.uses_per_instance, r.cost_per_instance, r.share])
        for r in result.resources]
    rows.append(("other", [OTHER_COSTS_ID, OTHER_COSTS_NAME, _word("other"),
                           None, None, None, None, result.other_cost_per_instance,
                           _share(result.other_cost_per_instance, total)]))
    rows.append(("total", [TOTAL_ID, TOTAL_NAME, None, None, None,
                           result.labor_minutes_per_instance, None, total,
                           1.0 if total > 0 else 0.0]))
    return _view("resources", N_("Cost by resource: {variant}", variant=result.variant),
                 RESOURCE_COLUMNS, rows, currency=result.currency)


VALUE_COLUMNS = (
    Column("value", "Value class"),
    Column("label", "Meaning", brief=False),
    Column("cost_per_instance", "Per instance", "money"),
    Column("share", "Share", "share"),
)


def value_classes_view(result: CostResult) -> TableView:
    """Cost by value class (value-adding, business, waste), then the total."""
    total = result.cost_per_instance
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [_word(value), VALUE_CLASS_LABELS.get(value, value), cost, _share(cost, total)])
        for value, cost in result.by_value.items()]
    rows.append(("total", [TOTAL_ID, TOTAL_NAME, total, 1.0 if total > 0 else 0.0]))
    return _view("by_value", N_("Cost by value class: {variant}", variant=result.variant),
                 VALUE_COLUMNS, rows, currency=result.currency)


FLOW_COLUMNS = (
    Column("index", "#", "count"),
    Column("from", "From"),
    Column("to", "To"),
    Column("probability", "Probability", "probability"),
    Column("expected_traversals", "Taken per instance", "executions"),
)


def flows_view(model: ProcessModel, result: CostResult | None = None) -> TableView:
    """The sequence flows in file order; with ``result``, how often each is taken.

    A flow out of an exclusive split is taken probability × executions of its
    source; any other flow as often as its source runs. A flow whose probability
    depends on the case class shows none (the note says why) and is taken
    Σ share × the class's executions of its source × the class's probability.
    """
    executions = result.expected_executions if result is not None else {}
    by_class = _class_executions(model) if result is not None else {}
    rows: list[tuple[RowKind, list[Any]]] = []
    by_class_flows = []
    for index, flow in enumerate(model.flows):
        runs = executions.get(flow.source)
        probability = flow.probability
        if isinstance(probability, dict):
            by_class_flows.append(f"{flow.source} → {flow.target}")
            taken = (sum(model.case_classes[c].share * by_class[c].by_node[flow.source]
                         * probability[c] for c in by_class) if by_class else None)
            rows.append(("item", [index, flow.source, flow.target, None, taken]))
            continue
        taken = None if runs is None else runs * (1.0 if probability is None else probability)
        rows.append(("item", [index, flow.source, flow.target, probability, taken]))
    note = (N_("{flows}: the probability depends on the case class; each class's is in the "
               "model file", flows=", ".join(by_class_flows)) if by_class_flows else None)
    return _view("flows", N_("Flows: {variant}", variant=model.variant), FLOW_COLUMNS, rows,
                 currency=model.currency, note=note)


def _class_executions(model: ProcessModel) -> dict[str, ExpectedExecutions]:
    """Each case class's expected executions (empty for a model without classes)."""
    from abc_costing.engine import expected_executions_by_class

    return expected_executions_by_class(model) if model.case_classes else {}


# --- two variants --------------------------------------------------------------------------


ACTIVITY_CHANGE_COLUMNS = (
    Column("id", "Activity"),
    Column("name", "Name"),
    Column("status", "Status"),
    Column("baseline_expected_executions", "Executions, baseline", "executions", brief=False),
    Column("candidate_expected_executions", "Executions, candidate", "executions",
           brief=False),
    Column("baseline_cost_per_instance", "Baseline", "money"),
    Column("candidate_cost_per_instance", "Candidate", "money"),
    Column("delta", "Change", "money"),
)


def activity_changes_view(comparison: Comparison) -> TableView:
    """Each activity of either variant, its status and change, then the total change."""
    base, cand = comparison.baseline, comparison.candidate
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [a.id, a.name, _word(a.status), a.baseline_expected_executions,
                  a.candidate_expected_executions, a.baseline_cost_per_instance,
                  a.candidate_cost_per_instance, a.delta])
        for a in comparison.activities]
    rows.append(("total", [TOTAL_ID, TOTAL_NAME, None, None, None, base.cost_per_instance,
                           cand.cost_per_instance, -comparison.saving_per_instance]))
    return _view("comparison", N_("Changes by activity: {baseline} → {candidate}",
                                  baseline=base.variant, candidate=cand.variant),
                 ACTIVITY_CHANGE_COLUMNS, rows, currency=base.currency)


RESOURCE_CHANGE_COLUMNS = (
    Column("id", "Resource"),
    Column("name", "Name"),
    Column("baseline_minutes_per_instance", "Baseline time", "minutes"),
    Column("candidate_minutes_per_instance", "Candidate time", "minutes"),
    Column("baseline_cost_per_instance", "Baseline", "money"),
    Column("candidate_cost_per_instance", "Candidate", "money"),
    Column("delta", "Change", "money"),
)


def resource_changes_view(comparison: Comparison) -> TableView:
    """Each resource of either variant, the other costs, then the total change."""
    base, cand, other = comparison.baseline, comparison.candidate, comparison.other_cost_change
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [r.id, r.name, r.baseline_minutes_per_instance,
                  r.candidate_minutes_per_instance, r.baseline_cost_per_instance,
                  r.candidate_cost_per_instance, r.delta])
        for r in comparison.resources]
    rows.append(("other", [OTHER_COSTS_ID, OTHER_COSTS_NAME, None, None,
                           other.baseline_cost_per_instance, other.candidate_cost_per_instance,
                           other.delta]))
    rows.append(("total", [TOTAL_ID, TOTAL_NAME, base.labor_minutes_per_instance,
                           cand.labor_minutes_per_instance, base.cost_per_instance,
                           cand.cost_per_instance, -comparison.saving_per_instance]))
    return _view("resource_changes", N_("Changes by resource: {baseline} → {candidate}",
                                        baseline=base.variant, candidate=cand.variant),
                 RESOURCE_CHANGE_COLUMNS, rows, currency=base.currency)


VALUE_CHANGE_COLUMNS = (
    Column("value", "Value class"),
    Column("baseline_cost_per_instance", "Baseline", "money"),
    Column("candidate_cost_per_instance", "Candidate", "money"),
    Column("delta", "Change", "money"),
)


def value_changes_view(comparison: Comparison) -> TableView:
    """Cost by value class in both variants, then the total change."""
    base, cand = comparison.baseline, comparison.candidate
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [_word(v.value), v.baseline_cost_per_instance,
                  v.candidate_cost_per_instance, v.delta]) for v in comparison.by_value]
    rows.append(("total", [TOTAL_ID, base.cost_per_instance, cand.cost_per_instance,
                           -comparison.saving_per_instance]))
    return _view("value_changes", N_("Changes by value class: {baseline} → {candidate}",
                                     baseline=base.variant, candidate=cand.variant),
                 VALUE_CHANGE_COLUMNS, rows, currency=base.currency)


BRIDGE_COLUMNS = (
    Column("effect", "Effect"),
    Column("label", "Meaning"),
    Column("change_per_instance", "Change per instance", "money"),
    Column("change_per_year", "Change per year", "money"),
    Column("share", "Share of baseline cost", "share"),
)

BRIDGE_NOTE = N_("Change in cost, candidate − baseline (negative: cheaper), by sequential "
               "substitution in this order: prices, then the capacity hours of time-driven "
               "pools (a rate that changes while what is paid does not), then minutes per "
               "execution, then routing, then units and other costs; per year at the "
               "baseline's volume. The volume row changes the cost per year only and is never "
               "a saving.")


def bridge_view(comparison: Comparison) -> TableView:
    """The cost bridge: each effect's change per instance and per year, then the total.

    Shares are of the baseline's cost per instance, so the process effects'
    shares add up to minus the saving share; the volume row has none (it is
    no change per instance). Empty when the comparison has no bridge.

    >>> import abc_costing as abc
    >>> from abc_costing.model import ProcessModel
    >>> def variant(minutes):
    ...     return ProcessModel.model_validate({
    ...         "format": "abc-costing/1", "process": "p", "variant": "v",
    ...         "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
    ...         "activities": {"a": {"labor": {"clerk": minutes}}},
    ...         "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...         "flows": [["s", "a"], ["a", "e"]]})
    >>> view = bridge_view(abc.compare_models(variant(60), variant(45)))
    >>> for row in view.rows:  # 15 min × 10 ₽ less: a quarter of 600 ₽
    ...     print(row.value("effect"), row.value("change_per_instance"), row.value("share"))
    rate 0.0 0.0
    capacity 0.0 0.0
    unit_time -150.0 -0.25
    routing 0.0 0.0
    fees 0.0 0.0
    volume 0.0 None
    (total) -150.0 -0.25
    """
    base, cand = comparison.baseline, comparison.candidate
    rows: list[tuple[RowKind, list[Any]]] = []
    for effect in comparison.bridge:
        is_volume = effect.effect == "volume"
        rows.append(("other" if is_volume else "item", [
            _word(effect.effect), effect.label, effect.change_per_instance, effect.change_per_year,
            None if is_volume else _share(effect.change_per_instance,
                                          base.cost_per_instance)]))
    if rows:
        per_year = (None if base.cost_per_year is None or cand.cost_per_year is None
                    else cand.cost_per_year - base.cost_per_year)
        # 0.0 - x, not -x: a zero change reads 0, never "-0"
        rows.append(("total", [TOTAL_ID, TOTAL_NAME, 0.0 - comparison.saving_per_instance,
                               per_year, 0.0 - comparison.saving_share]))
    return _view("bridge", N_("Cost bridge: {baseline} → {candidate}", baseline=base.variant,
                              candidate=cand.variant), BRIDGE_COLUMNS,
                 rows, currency=base.currency, note=BRIDGE_NOTE)


PRICE_EFFECT_COLUMNS = (
    Column("id", "Resource"),
    Column("kind", "Kind"),
    Column("rate_per_instance", "Rate effect per instance", "money"),
    Column("capacity_per_instance", "Capacity effect per instance", "money"),
    Column("rate_per_year", "Rate effect per year", "money"),
    Column("capacity_per_year", "Capacity effect per year", "money"),
    Column("overrides", "Overrides (catalogue values changed)"),
    Column("name", "Name", brief=False),
)


def _overrides_text(effect: Any) -> str:
    """``candidate: capacity_hours_per_month 300``: which variant overrides what."""
    def written(values: dict) -> str:
        return ", ".join(f"{k} {v:g}" if isinstance(v, int | float) and not isinstance(v, bool)
                         else f"{k} {v}" for k, v in values.items())

    return "; ".join(f"{role}: {written(values)}" for role, values in
                     (("baseline", effect.baseline_overrides),
                      ("candidate", effect.candidate_overrides)) if values)


def price_effects_view(comparison: Comparison) -> TableView:
    """The bridge's rate and capacity effects resource by resource, with the overrides
    of the library's catalogue that make them (a resource whose price did not move and
    that no variant overrides is left out). Per year at the baseline's volume.
    """
    volume = comparison.baseline.volume_per_year
    per_year = comparison.saving_per_year is not None and volume is not None
    rows: list[tuple[RowKind, list[Any]]] = []
    for e in comparison.price_effects:
        if not (e.rate_per_instance or e.capacity_per_instance or e.baseline_overrides
                or e.candidate_overrides):
            continue
        rows.append(("item", [
            e.id, _word(e.kind), e.rate_per_instance, e.capacity_per_instance,
            e.rate_per_instance * volume if per_year and volume is not None else None,
            e.capacity_per_instance * volume if per_year and volume is not None else None,
            _overrides_text(e), e.name]))
    items = [values for _, values in rows]

    def total(k: int) -> float | None:
        return None if not per_year and k >= 4 else math.fsum(v[k] or 0.0 for v in items)

    rows.append(("total", [TOTAL_ID, None, total(2), total(3), total(4), total(5), "", None]))
    base, cand = comparison.baseline, comparison.candidate
    return _view("price_effects", N_("Rate and capacity effects by resource: {baseline} → "
                                     "{candidate}", baseline=base.variant,
                                     candidate=cand.variant),
                 PRICE_EFFECT_COLUMNS, rows, currency=base.currency,
                 note=N_("Change in cost, candidate − baseline (negative: cheaper). Rate: cost "
                 "per month, rate per hour, cost per use; capacity: the practical capacity "
                 "hours (практическая ёмкость) of a time-driven pool, which change its rate "
                 "but not what is paid."))


# --- the library ---------------------------------------------------------------------------


PORTFOLIO_COLUMNS = (
    Column("process", "Process"),
    Column("variant", "Variant"),
    Column("title", "Title"),
    Column("cost_per_instance", "Cost per instance", "money"),
    Column("volume_per_year", "Instances per year", "count"),
    Column("cost_per_year", "Cost per year", "money"),
    Column("saving_per_year_vs_as_is", "Saving per year vs as_is", "money"),
    Column("waste_share", "Waste share", "share"),
    Column("is_best", "Cheapest per instance"),
    Column("currency", "Currency"),
    Column("path", "File", brief=False),
)


def portfolio_view(portfolio: Portfolio, *, path_label: Callable[[str], str] = str
                   ) -> TableView:
    """Every variant of the library; money in each row's own currency.

    ``path_label`` turns a model path into what readers see (relative to the
    library folder).
    """
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [r.process, r.variant, r.title, r.cost_per_instance, r.volume_per_year,
                  r.cost_per_year, r.saving_per_year_vs_as_is, r.waste_share, r.is_best,
                  r.currency, path_label(r.path)])
        for r in portfolio.rows]
    return _view("portfolio", N_("Portfolio: every process variant"), PORTFOLIO_COLUMNS,
                 rows, currency=None, note=N_("Cheapest per instance: the variant that costs "
                 "least per instance of its process; savings are against its as_is variant."))


#: The mark of the variant that saves most a year (of its currency).
BIGGEST_SAVING = N_("Biggest saving")

SAVING_RANKING_COLUMNS = (
    Column("mark", "Mark"),
    Column("title", "Process"),
    Column("variant", "Variant"),
    Column("saving_per_year", "Saving a year", "money"),
    Column("saving_per_instance", "Saving per instance", "money"),
    Column("cash_per_year", "Cash a year", "money"),
    Column("reason", "Why (change per instance)"),
    Column("freed_capacity_per_year", "Freed capacity a year", "money", brief=False),
    Column("price_effect_per_year", "Price effects a year", "money", brief=False),
    Column("process", "Process id", brief=False),
    Column("currency", "Currency", brief=False),
)

SAVING_RANKING_NOTE = N_(
    "Every variant against its process's as_is, the largest saving a year first (at the "
    "as_is volume). Cash: whole people released and savings that are not labour; the rest "
    "of a labour saving is capacity that stays paid. Why: the activities and the resource "
    "whose cost per instance changes most, with that change.")

SAVING_RANKING_TOGETHER_NOTE = N_(
    "Every variant against its process's as_is, the largest saving a year first (at the "
    "as_is volume). Cash: whole people released and savings that are not labour; the rest "
    "of a labour saving is capacity that stays paid. A row's cash is its variant alone; "
    "the total's is the best variant of each process applied together, people counted per "
    "pool (two redesigns that each free 0.6 of a person release nobody alone, one "
    "together). Why: the activities and the resource whose cost per instance changes most, "
    "with that change.")

#: How many activities and resources the reason of a ranked variant names.
REASON_ACTIVITIES, REASON_RESOURCES = 2, 1


def _signed_money(amount: float, currency: str) -> Figure:
    """``+120.00`` / ``-2,559.93``: a change with its sign always written, its currency
    left to the column's header; in the reader's form when the reason is said (a reason
    is made before its reader is known)."""
    return Figure.money(amount, currency, signed=True, named=False)


def _activity_driver(change: Any, currency: str) -> Message:
    amount = _signed_money(change.delta, currency)
    if change.status == "added":
        return N_("{name}: added ({amount})", name=change.name, amount=amount)
    if change.status == "removed":
        return N_("{name}: removed ({amount})", name=change.name, amount=amount)
    before, after = change.baseline_expected_executions, change.candidate_expected_executions
    if not math.isclose(before, after, rel_tol=1e-9, abs_tol=1e-9):
        # how often it runs per instance changed: routing or rework, the usual lever
        return N_("{name} ×{before} → ×{after} ({amount})", name=change.name,
                  before=Figure(before, 2), after=Figure(after, 2), amount=amount)
    return N_("{name} ({amount})", name=change.name, amount=amount)


def _resource_driver(change: Any, currency: str) -> Message:
    amount = _signed_money(change.delta, currency)
    minutes = change.candidate_minutes_per_instance - change.baseline_minutes_per_instance
    if rounded_for_display(minutes, _DIGITS["minutes"]).is_zero():
        return N_("{name} ({amount})", name=change.name, amount=amount)
    return N_("{name} {time} ({amount})", name=change.name,
              time=Duration(minutes, signed=True), amount=amount)


def _drivers(changes: Sequence[Any], *, saving: float, count: int) -> list[Any]:
    """The ``count`` changes that move the cost most in the direction of ``saving``."""
    direction = -1.0 if saving >= 0 else 1.0  # a saving is driven by falling costs
    moving = [c for c in changes if c.delta * direction > 0
              and not math.isclose(c.delta, 0.0, abs_tol=1e-9)]
    return sorted(moving, key=lambda c: c.delta * direction, reverse=True)[:count]


def saving_reason(comparison: Comparison, *, activities: int = REASON_ACTIVITIES,
                  resources: int = REASON_RESOURCES) -> str:
    """Why a candidate saves (or costs more), in one line: the ``activities``
    activities and the ``resources`` resources whose cost per instance falls
    most (rises most, for a candidate that costs more), each with that change.

    >>> from abc_costing import compare_models
    >>> from abc_costing.model import ProcessModel
    >>> def variant(name, check, fix_share):
    ...     return ProcessModel.model_validate({
    ...         "format": "abc-costing/1", "process": "p", "variant": name,
    ...         "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
    ...         "activities": {"check": {"name": "Check", "labor": {"clerk": check}},
    ...                        "fix": {"name": "Fix", "labor": {"clerk": 30}}},
    ...         "gateways": {"g": {"kind": "exclusive"}},
    ...         "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...         "flows": [["s", "check"], ["check", "g"], ["g", "fix", fix_share],
    ...                   ["g", "e", 1 - fix_share], ["fix", "e"]]})
    >>> # check 60 → 45 min: −150 ₽; fix runs 0.5 → 0.1 times: −0.4 × 300 = −120 ₽
    >>> saving_reason(compare_models(variant("as_is", 60, 0.5), variant("v", 45, 0.1)))
    'Check (-150.00); Fix ×0.50 → ×0.10 (-120.00); clerk -27 min (-270.00)'
    """
    currency = comparison.baseline.currency
    saving = comparison.saving_per_instance
    parts = [_activity_driver(c, currency)
             for c in _drivers(comparison.activities, saving=saving, count=activities)]
    parts += [_resource_driver(c, currency)
              for c in _drivers(comparison.resources, saving=saving, count=resources)]
    return _joined(parts) if parts else N_("no change in cost")


def _ranking_key(item: Mapping[str, Any], *, mixed: bool) -> tuple:
    """Largest saving a year first, then per instance; no saving last."""
    per_year, per_instance = item["saving_per_year"], item["saving_per_instance"]
    return (item["currency"] if mixed else "",  # two currencies are not ranked together
            per_year is None, -(per_year or 0.0), per_instance is None, -(per_instance or 0.0),
            item["process"], item["variant"])


class CombinedRelease(Protocol):
    """What a plan of several redesigns frees together (``workflows.PlanRelease``):
    whole people counted per pool over all the changes at once."""

    @property
    def saving_per_year(self) -> float: ...
    @property
    def cash_per_year(self) -> float: ...
    @property
    def freed_capacity_per_year(self) -> float: ...
    @property
    def price_effect_per_year(self) -> float: ...


#: The total row of the ranking: the best variant of every process, applied together.
TOGETHER_TITLE = N_("Best variant of each process, together")
TOGETHER_REASON = N_("whole people counted per pool over all the changes together, not "
                     "added up row by row")


def saving_ranking_view(
    portfolio: Portfolio,
    *,
    comparisons: Mapping[tuple[str, str], Comparison] | None = None,
    splits: Mapping[tuple[str, str], SavingSplit | None] | None = None,
    process_title: Callable[[str], str] = str,
    together: CombinedRelease | None = None,
) -> TableView:
    """Every candidate variant (not ``as_is``), the largest saving a year first.

    The executive's answer: which redesign saves most a year, how much of it
    is cash, and why. Each row's saving is the portfolio's (against its
    process's ``as_is``, at the as-is volume); the reason names the
    activities and the resource whose cost changes most
    (:func:`saving_reason`); the first row of each currency whose saving a
    year is positive is marked ``Biggest saving``. ``comparisons`` (by
    ``(process, variant)``) default to the portfolio's own costings compared
    (:func:`~abc_costing.compare.compare_results`: the same activity and
    resource changes as ``compare``); ``splits`` give the cash part (empty
    without them). A variant whose process has no ``as_is`` (or one in another
    currency) has no saving and comes last. The process is shown by the
    variant's own title (which names the redesign), else by
    ``process_title(slug)``.

    ``together`` (one currency only) adds the total row: the best variant of
    each process applied at once. Its cash is not the sum of the rows' (each
    row's is that variant alone against ``as_is``): heads are whole per pool, so
    two redesigns that each free 0.6 of a lawyer release nobody alone and one
    lawyer together.

    >>> from abc_costing.formats import load_library
    >>> from abc_costing.portfolio import build_portfolio
    >>> view = saving_ranking_view(build_portfolio(load_library("process_models")[0]))
    >>> [(row.value("mark"), row.value("variant")) for row in view.rows][:2]
    [('Biggest saving', 'edi_automatch'), ('', 'template_esign')]
    """
    from abc_costing.compare import compare_results
    from abc_costing.portfolio import BASELINE_VARIANT

    comparisons = dict(comparisons or {})
    splits = splits or {}
    results = portfolio.results
    items: list[dict[str, Any]] = []
    for row in portfolio.rows:
        if row.variant == BASELINE_VARIANT:
            continue
        key = (row.process, row.variant)
        reason: str = N_("no {baseline} variant in {currency} to compare with",
                    baseline=BASELINE_VARIANT, currency=row.currency)
        if row.saving_per_instance_vs_as_is is not None:
            comparison = comparisons.get(key) or compare_results(
                results[(row.process, BASELINE_VARIANT)], results[key])
            reason = saving_reason(comparison)
        split = splits.get(key)
        items.append({
            "mark": "", "title": row.title or process_title(row.process),
            "variant": row.variant, "saving_per_year": row.saving_per_year_vs_as_is,
            "saving_per_instance": row.saving_per_instance_vs_as_is,
            "cash_per_year": None if split is None else split.cash_per_year,
            "reason": reason,
            "freed_capacity_per_year": None if split is None else split.freed_capacity_per_year,
            "price_effect_per_year": None if split is None else split.price_effect_per_year,
            "process": row.process, "currency": row.currency})
    currencies = {item["currency"] for item in items}
    items.sort(key=lambda item: _ranking_key(item, mixed=len(currencies) > 1))
    seen: set[str] = set()
    for item in items:  # the first of each currency, if it saves at all
        if item["currency"] not in seen and (item["saving_per_year"] or 0.0) > 0:
            item["mark"] = BIGGEST_SAVING
        seen.add(item["currency"])
    keys = [c.key for c in SAVING_RANKING_COLUMNS]
    rows: list[tuple[RowKind, list[Any]]] = [("item", [item[k] for k in keys])
                                             for item in items]
    currency = currencies.pop() if len(currencies) == 1 else None
    if together is not None and currency is not None:
        total = {"mark": "", "title": TOGETHER_TITLE, "variant": "",
                 "saving_per_year": together.saving_per_year, "saving_per_instance": None,
                 "cash_per_year": together.cash_per_year, "reason": TOGETHER_REASON,
                 "freed_capacity_per_year": together.freed_capacity_per_year,
                 "price_effect_per_year": together.price_effect_per_year, "process": "",
                 "currency": currency}
        rows.append(("total", [total[k] for k in keys]))
    return _view("saving_ranking", N_("Which redesign saves most a year, and why"),
                 SAVING_RANKING_COLUMNS, rows, currency=currency,
                 note=SAVING_RANKING_NOTE if together is None else SAVING_RANKING_TOGETHER_NOTE)


RECOST_COLUMNS = (
    Column("variant", "Process / variant"),
    Column("edited_pools", "Edited pools it uses"),
    Column("cost_per_instance_before", "Per instance, before", "money"),
    Column("cost_per_instance_after", "Per instance, after", "money"),
    Column("change_per_instance", "Change per instance", "money"),
    Column("cost_per_year_before", "Per year, before", "money"),
    Column("cost_per_year_after", "Per year, after", "money"),
    Column("change_per_year", "Change per year", "money"),
    Column("file", "File", brief=False),
)


def recost_view(recosted: Sequence[Any], *, currency: str) -> TableView:
    """Every variant costed with the catalogue as saved and as edited, largest change first.

    ``recosted`` are :class:`~abc_costing.workflows.resources.VariantRecost`
    records; the order is by the size of the change per year (per instance
    for a variant without a volume), so what an edit moves most comes first.
    """
    def size(r: Any) -> tuple[float, float]:
        per_year = r.change_per_year
        return (-abs(per_year if per_year is not None else 0.0), -abs(r.change_per_instance))

    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [f"{r.process}/{r.variant}", ", ".join(r.edited_pools) or "—",
                  r.cost_per_instance_before, r.cost_per_instance_after, r.change_per_instance,
                  r.cost_per_year_before, r.cost_per_year_after, r.change_per_year, r.label])
        for r in sorted(recosted, key=size)]
    # No total row: variants of one process are alternatives, never added up.
    return _view("recost", N_("Every variant with the edited pools"), RECOST_COLUMNS, rows,
                 currency=currency, note=N_("Before: the catalogue as saved; after: with your "
                 "edits. A variant that uses no edited pool keeps its cost."))


#: The resource catalogue, a pool a row: what each is written as, then what follows from it.
#: Labels in Russian (the analyst's terms), the English and the field in CATALOGUE_HELP.
CATALOGUE_COLUMNS = (
    Column("id", "Пул"),
    Column("name", "Название", brief=False),
    Column("kind", "Вид"),
    Column("headcount", "Штатная численность", "people"),
    Column("salary_per_month", "Оклад в месяц", "money"),
    Column("bonus_per_month", "Премия в месяц", "money"),
    Column("contributions", "Тариф взносов"),
    Column("injury_class", "Класс профриска", "count"),
    Column("loaded_cost_per_person_per_year", "Стоимость сотрудника в год", "money"),
    Column("contributions_per_person_per_year", "Страховые взносы на сотрудника в год",
           "money"),
    Column("injury_insurance_per_person_per_year", "Травматизм на сотрудника в год", "money",
           brief=False),
    Column("cost_per_month", "ФОТ с взносами в месяц", "money"),
    Column("capacity_hours_per_month", "Практическая ёмкость, ч в месяц", "hours"),
    Column("rate_per_hour", "Ставка за час", "money"),
    Column("cost_per_use", "Цена за использование", "money"),
    Column("used_by", "Используют варианты", brief=False),
    Column("overridden_by", "Переопределяют (overrides:)"),
)
#: The Resources page's editable cells for a figure a pool may write or derive: as written.
CATALOGUE_STATED_COLUMNS = (
    Column("stated_cost_per_month", "ФОТ с взносами в месяц, задан", "money"),
    Column("stated_capacity_hours_per_month", "Практическая ёмкость, ч в месяц, задана",
           "hours"),
    Column("stated_rate_per_hour", "Ставка за час, задана", "money"),
)
#: Each catalogue column in English, with the field of resources.yaml it shows.
CATALOGUE_HELP = {
    "id": "Pool id, as the model files name it",
    "name": "Name (name)",
    "kind": "labor: paid by time; per_use: paid per use (kind)",
    "headcount": "Headcount, people in the pool (headcount; 1 when blank)",
    "salary_per_month": "Salary of one person per month, before contributions "
                        "(salary_per_month)",
    "bonus_per_month": "Bonus of one person per month, on average (bonus_per_month)",
    "contributions": "Contributions regime: general (30 % up to the single base, 15.1 % "
                     "above) or sme (reduced rates); blank: general (contributions)",
    "injury_class": "Class of professional risk for injury insurance, травматизм "
                    "(injury_class; blank: class 1, 0.2 %)",
    "loaded_cost_per_person_per_year": "Loaded cost of one person per year: 12 × (оклад + "
                                       "премия) + страховые взносы + травматизм. Derived",
    "contributions_per_person_per_year": "Social contributions of one person per year, "
                                         "without injury insurance (травматизм is apart, in "
                                         "the cost per person). Blank without an оклад. "
                                         "Derived",
    "injury_insurance_per_person_per_year": "Injury insurance (травматизм) of one person "
                                            "per year. Derived",
    "cost_per_month": "Cost of the whole pool per month: headcount × cost per person per "
                      "year / 12, or as written, or rate × capacity. Derived",
    "capacity_hours_per_month": "Practical capacity of the whole pool, hours per month for "
                                "process work (as written or from the calendar). Derived",
    "rate_per_hour": "Rate per hour the costing charges: cost per month / practical capacity, "
                     "or as written. Derived",
    "cost_per_use": "Price of one use of a per_use pool (cost_per_use)",
    "used_by": "Variants that take this pool from the catalogue",
    "overridden_by": "Variants that change a value of this pool under overrides:",
    "stated_cost_per_month": "Cost of the whole pool per month as written (cost_per_month), "
                             "for a pool costed without an оклад; blank: not written",
    "stated_capacity_hours_per_month": "Practical capacity as written "
                                       "(capacity_hours_per_month); blank: from the calendar",
    "stated_rate_per_hour": "Rate per hour as written (rate_per_hour), for a role costed by "
                            "a rate; blank: not written",
}


def catalogue_labels(currency: str) -> dict[str, tuple[str, str]]:
    """Column key -> (label, help) of the catalogue's columns, for an editor of the pools.

    >>> catalogue_labels("RUB")["salary_per_month"][0]
    'Оклад в месяц, RUB'
    """
    view = _view("catalogue", "", (*CATALOGUE_COLUMNS, *CATALOGUE_STATED_COLUMNS), (),
                 currency=currency)
    return {c.key: (view.label(c.key), CATALOGUE_HELP[c.key]) for c in view.columns}


def _figure_values(f: PoolFigures) -> list[Any]:
    """A pool's number columns of :data:`CATALOGUE_COLUMNS`, headcount to cost per use."""
    payroll = f.salary_per_month is not None
    return [f.headcount, f.salary_per_month, f.bonus_per_month,
            f.contributions or ("general" if payroll else None),
            f.injury_class or (1 if payroll else None), f.loaded_cost_per_person_per_year,
            f.contributions_per_person_per_year, f.injury_insurance_per_person_per_year,
            f.cost_per_month, f.capacity_hours_per_month, f.rate_per_hour, f.cost_per_use]


def catalogue_view(pools: Mapping[str, ResourceRecord], *, currency: str,
                   used_by: Mapping[str, Sequence[str]] | None = None,
                   overridden_by: Mapping[str, Sequence[str]] | None = None) -> TableView:
    """The resource catalogue with each pool's derivation (``abc-costing resources``).

    >>> from abc_costing.formats.catalogue import read_catalogue
    >>> loaded, _ = read_catalogue("process_models/resources.yaml")
    >>> view = catalogue_view(loaded.catalogue.pools, currency="RUB")
    >>> lawyer = view.rows[0]
    >>> lawyer.value("contributions_per_person_per_year")  # 150 000 × 12 × 0.30
    540000.0
    >>> lawyer.value("cost_per_month"), lawyer.value("rate_per_hour")  # 585 900 / 360 h
    (585900.0, 1627.5)
    """
    from abc_costing.store.catalogue_edits import pool_figures

    rows: list[tuple[RowKind, list[Any]]] = []
    for pool_id, pool in pools.items():
        f = pool_figures(pool_id, pool)
        rows.append(("item", [pool_id, f.name, f.kind, *_figure_values(f),
                              ", ".join((used_by or {}).get(pool_id, ())),
                              ", ".join((overridden_by or {}).get(pool_id, ()))]))
    return _view("catalogue", N_("Resource catalogue (справочник ресурсов)"),
                 CATALOGUE_COLUMNS, rows, currency=currency,
                 note=N_("Тариф взносов and класс профриска: as written, or the default "
                         "(general, class 1) for a pool with an оклад. Страховые взносы "
                         "without травматизм, which the cost per person includes."))


POOL_CHANGE_COLUMNS = (
    Column("id", "Пул"),
    Column("state", "Состояние"),
    *(c for c in CATALOGUE_COLUMNS[3:15] if c.brief),
)


def pool_changes_view(changes: Sequence[tuple[PoolFigures, PoolFigures]], *,
                      currency: str) -> TableView:
    """Edited pools' figures as saved, as edited, and the change (after − before).

    ``changes`` are (before, after) :class:`~abc_costing.store.catalogue_edits.PoolFigures`
    of one pool each; a figure a pool does not have is blank, and so is its change.
    """
    keys = [c.key for c in CATALOGUE_COLUMNS[3:15]]
    shown = [k in {c.key for c in POOL_CHANGE_COLUMNS} for k in keys]

    def brief(values: list[Any]) -> list[Any]:
        return [v for v, keep in zip(values, shown, strict=True) if keep]

    def change(a: Any, b: Any) -> Any:
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
        return b - a if numbers else None

    rows: list[tuple[RowKind, list[Any]]] = []
    for before, after in changes:
        old, new = brief(_figure_values(before)), brief(_figure_values(after))
        rows += [("item", [before.id, "как сохранено", *old]),
                 ("item", [before.id, "с правками", *new]),
                 ("item", [before.id, "изменение", *map(change, old, new)])]
    return _view("pool_changes", N_("Edited pools: what follows from the edits"),
                 POOL_CHANGE_COLUMNS, rows, currency=currency, note=N_("Derived figures as "
                 "saved and with your edits, recomputed from the edited cells."))


CAPACITY_COLUMNS = (
    Column("id", "Pool"),
    Column("name", "Name"),
    Column("headcount", "Headcount (штатная численность)", "people"),
    Column("hours_per_month", "Used, h per month", "hours"),
    Column("capacity_hours_per_month", "Capacity, h per month (практическая ёмкость)", "hours"),
    Column("utilization", "Utilisation", "share"),
    Column("fte_needed", "FTE needed", "people"),
    Column("unused_capacity_cost_per_month",
           "Unused capacity per month (неиспользуемая мощность)", "money"),
    Column("status", "Status"),
    Column("basis", "Capacity basis", brief=False),
    Column("currency", "Currency", brief=False),
)


def _capacity_status(pool: Any) -> str:
    if pool.shortage:
        return N_("SHORTAGE: {hours} h over",
                  hours=Figure(pool.shortage_minutes_per_month / 60, _DIGITS["hours"]))
    return N_("capacity unknown") if pool.capacity_minutes_per_month is None else N_("ok")


def capacity_view(report: CapacityReport, *, variant: str) -> TableView:
    """Each labour pool's monthly load against its practical capacity.

    The title names ``variant`` and, when some processes have none, that they
    count their ``as_is`` (``report.as_is_instead``).
    """
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [p.id, p.name, p.headcount, p.hours_per_month,
                  None if p.capacity_minutes_per_month is None
                  else p.capacity_minutes_per_month / 60,
                  p.utilization, p.fte_needed, p.unused_capacity_cost_per_month,
                  _capacity_status(p), p.basis, p.currency])
        for p in report.pools]
    return _view("capacity", _capacity_title(report, variant=variant), CAPACITY_COLUMNS, rows,
                 currency=None, note=_capacity_note(report))


def _capacity_title(report: CapacityReport, *, variant: str) -> str:
    """Which variant and month the capacity view is of, each wording whole."""
    month, others = report.month, ", ".join(report.as_is_instead)
    match (month is None, bool(report.as_is_instead)):
        case (True, False):
            return N_("Labour pools per month (variant {variant})", variant=variant)
        case (False, False):
            return N_("Labour pools in {month} (variant {variant})", month=month,
                      variant=variant)
        case (True, True):
            return N_("Labour pools per month (variant {variant}; as_is for {processes}, "
                      "which have no {variant})", variant=variant, processes=others)
        case _:
            return N_("Labour pools in {month} (variant {variant}; as_is for {processes}, "
                      "which have no {variant})", month=month, variant=variant,
                      processes=others)


def _capacity_note(report: CapacityReport) -> str:
    if report.month is None:
        return N_("Unused capacity cost is reported apart and is not loaded onto processes.")
    return N_("Capacity in {month}: {rule}; the load is the average month's (volume per "
              "year / 12). Unused capacity cost is reported apart and is not loaded onto "
              "processes.", month=report.month, rule=report.month_rule)


RELEASE_COLUMNS = (
    Column("id", "Pool"),
    Column("headcount", "Headcount (штатная численность)", "people"),
    Column("fte_before", "FTE before", "people"),
    Column("fte_after", "FTE after", "people"),
    Column("fte_change", "Δ FTE", "people"),
    Column("heads_released", "Heads released", "count"),
    Column("cash_per_year", "Cash per year (высвобождаемые деньги)", "money"),
    Column("freed_capacity_per_year", "Freed capacity per year (освобождённая мощность)",
           "money"),
    Column("price_effect_per_year", "Price effects per year", "money"),
    Column("labour_saving_per_year", "Saving per year (minutes × rate)", "money"),
    Column("name", "Name", brief=False),
)

RELEASE_NOTE = N_(
                "Cash (высвобождаемые деньги): whole people a pool no longer needs (⌈FTE before⌉, "
                "at most its headcount, minus ⌈FTE after⌉) × its cost per person, plus the "
                "saving of work that is not labour (fewer uses, lower other costs). Freed "
                "capacity (освобождённая мощность): the rest of the labour saving, hours that "
                "stay paid (negative when the people released took idle capacity with them). "
                "Price effects: rates, prices per use and the capacity hours of time-driven pools "
                "(a cheaper tariff is money too, but it comes from the price, not from the "
                "redesign). In every row cash + freed capacity + price effects = saving.")


def release_view(releases: Sequence[Any], *, currency: str, non_labour_per_year: float,
                 plan: str, non_labour_price_effect_per_year: float = 0.0,
                 title: str | None = None, note: str = "") -> TableView:
    """A saving per year split into cash, freed capacity and price effects, pool by pool.

    Cash is whole people released (pools that state their headcount) plus every
    saving that is not labour (per-use resources, other costs); freed capacity
    is the labour saving that stays paid; price effects are what a difference
    of price saves (0 for a plan). The total row's saving is the plan's (or the
    comparison's) saving per year at the as-is (baseline) volumes. ``title``
    replaces the plan's title; ``note`` is added to the view's note.

    >>> from abc_costing.engine.capacity import PoolRelease
    >>> clerk = PoolRelease("clerk", "Clerks", "RUB", 3, 2.5, 1.2, 1, 1_200_000, 1_560_000,
    ...                     360_000)
    >>> view = release_view([clerk], currency="RUB", non_labour_per_year=40_000, plan="best")
    >>> total = view.rows[-1]
    >>> total.value("cash_per_year"), total.value("labour_saving_per_year")  # 1 200 000 + 40 000
    (1240000.0, 1600000.0)
    >>> round(view.rows[0].value("fte_change"), 2)
    -1.3
    """
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [r.id, r.headcount, r.fte_before, r.fte_after, r.fte_change, r.heads_released,
                  r.cash_per_year, r.freed_capacity_per_year, r.price_effect_per_year,
                  r.labour_saving_per_year, r.name])
        for r in releases if r.labour_saving_per_year or r.heads_released]
    rows.append(("other", [NOT_LABOUR_ID, None, None, None, None, None, non_labour_per_year,
                           0.0, non_labour_price_effect_per_year,
                           non_labour_per_year + non_labour_price_effect_per_year,
                           N_("per-use resources and other costs")]))
    items = [values for _, values in rows]
    rows.append(("total", [TOTAL_ID, None, None, None, None, sum(v[5] or 0 for v in items),
                           *(math.fsum(v[k] for v in items) for k in (6, 7, 8, 9)), None]))
    return _view("release", title or N_("Cash and freed capacity of the plan ({plan}), per year",
                                        plan=plan),
                 RELEASE_COLUMNS, rows, currency=currency,
                 note=N_("{release_note} {more}", release_note=RELEASE_NOTE, more=note)
                 if note else RELEASE_NOTE)


def saving_split_view(split: SavingSplit, *, baseline: str, candidate: str) -> TableView:
    """A comparison's saving per year as cash, freed capacity and price effects, by pool.

    The rows of :func:`release_view` (one rule for a plan and a comparison);
    the total row's cash + freed capacity + price effects is the comparison's
    saving per year at the baseline's volume.
    """
    return release_view(
        split.pools, currency=split.currency, non_labour_per_year=split.non_labour_per_year,
        plan=candidate, non_labour_price_effect_per_year=split.non_labour_price_effect_per_year,
        title=N_("Cash, freed capacity and price effects: {baseline} → {candidate}, per year",
                 baseline=baseline, candidate=candidate),
        note=N_("FTE before and after: {load}.", load=split.load))


_MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"),
           N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"))


def staffing_view(reports: Sequence[CapacityReport], *, year: int, variant: str) -> TableView:
    """Heads needed per pool in each month of ``year`` (штатная численность by month).

    ``reports`` are the twelve monthly capacity reports, January first. A pool
    whose capacity is unknown has no figures; "Months short" counts the months
    its load exceeds that month's practical capacity.
    """
    if len(reports) != 12:
        raise ValueError(f"staffing_view needs 12 monthly reports, got {len(reports)}")
    columns = (Column("id", "Pool"), Column("headcount", "Headcount (штатная численность)",
                                            "people"),
               *(Column(f"fte_{m:02d}", _MONTHS[m - 1], "people") for m in range(1, 13)),
               Column("fte_max", "Most needed", "people"),
               Column("months_short", "Months short", "count"),
               Column("name", "Name", brief=False))
    rows: list[tuple[RowKind, list[Any]]] = []
    for pool in reports[0].pools:
        monthly = [report.pool(pool.id) for report in reports]
        needed = [p.fte_needed for p in monthly]
        known = [n for n in needed if n is not None]
        rows.append(("item", [pool.id, pool.headcount, *needed,
                              max(known) if known else None,
                              sum(p.shortage for p in monthly) if known else None,
                              pool.name]))
    return _view("staffing", N_("Heads needed by month, {year} (variant {variant})",
                                year=year, variant=variant), columns,
                 rows, currency=None,
                 note=N_("Each month's practical capacity from the production calendar of "
                         "{year} (the stated capacity is an average month's); the load is the "
                         "average month's.", year=year))


# --- migrating a library to one catalogue ---------------------------------------------------


def migration_view(plan: MigrationPlan, *, written: bool = False) -> TableView:
    """The files ``migrate`` rewrites: the pools each now takes from the catalogue, its
    overrides, and its cost per instance before and after (equal, or the plan is refused).

    ``written`` says whether the plan was written (the note says "rewritten"
    only then; a plan shown or refused says "to rewrite").

    >>> from abc_costing.store.migration import plan_migration
    >>> import pathlib, shutil, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "models"
    >>> _ = shutil.copytree("tests/data/before_catalogue", folder)
    >>> view = migration_view(plan_migration(folder)[0])
    >>> [r.value("file") for r in view.rows if r.value("overridden")]
    ['supplier_invoice/as_is.yaml', 'supplier_invoice/edi_automatch.yaml']
    """
    columns = (Column("file", "File"), Column("moved_count", "Pools moved", "count"),
               Column("overridden", "Overrides kept"),
               Column("cost_per_instance_before", "Per instance before", "money"),
               Column("cost_per_instance_after", "Per instance after", "money"),
               Column("moved", "Pools", brief=False))
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [m.file, len(m.moved), ", ".join(m.overridden), m.cost_per_instance_before,
                  m.cost_per_instance_after, ", ".join(m.moved)]) for m in plan.moves]
    file = plan.catalogue_file
    title = (N_("Files taking their pools from a new {file}", file=file)
             if plan.catalogue_text is not None
             else N_("Files taking their pools from {file}", file=file))
    counts = dict(pools=len(plan.pools), file=file, moved=len(plan.moves), read=plan.files_read)
    note = (N_("{pools} pools in {file}; {moved} of {read} model files rewritten; each costs "
               "what it cost before.", **counts) if written
            else N_("{pools} pools in {file}; {moved} of {read} model files to rewrite; each "
                    "costs what it cost before.", **counts))
    return _view("migration", title, columns, rows, currency=plan.currency, note=note)


def disagreements_view(plan: MigrationPlan) -> TableView:
    """Every value of a pool the files disagreed on, one row per value, the kept one marked.

    Cost is the rate (per hour of labour, per use), capacity the practical hours
    per month: what the files mean, however each wrote it.
    """
    columns = (Column("pool", "Pool"), Column("aspect", "Aspect"), Column("value", "Value"),
               Column("file_count", "Files", "count"), Column("kept", "Kept"),
               Column("reason", "Why kept"), Column("overridden", "Overrides in"),
               Column("files", "Given by", brief=False))
    rows: list[tuple[RowKind, list[Any]]] = []
    for d in plan.disagreements:
        for value in d.values:
            kept = value.value == d.kept
            rows.append(("item", [d.pool, d.aspect, value.value, len(value.files), kept,
                                  d.reason if kept else "",
                                  ", ".join(f for f in d.overridden if f in value.files),
                                  ", ".join(value.files)]))
    return _view("disagreements", N_("Values the files disagreed on"), columns, rows,
                 currency=None,
                 note=None if rows else N_("The files agreed on every pool."))


# --- logs, simulation, sensitivity ---------------------------------------------------------


VARIANT_COLUMNS = (
    Column("rank", "#", "count"),
    Column("path", "Path"),
    Column("case_count", "Cases", "count"),
    Column("share", "Share", "share"),
    Column("mean_cycle_time_minutes", "Cycle time", "minutes"),
    Column("mean_labor_minutes", "Labour time", "minutes"),
    Column("cost_per_case", "Per case", "money"),
    Column("total_cost", "Total", "money"),
    Column("fits_design", "Fits design"),
    Column("recorded_cost_per_case", "Recorded per case", "money"),
    Column("unexplained_cost_per_case", "Recorded − modelled", "money"),
)

#: Said under the variants of a log that records costs.
RECORDED_COST_NOTE = N_(
    "Per case is modelled: measured minutes × rates. Recorded per case is the mean of the "
    "costs the log itself recorded; it includes what minutes × rates do not (fees, "
    "materials, outside services), so Recorded − modelled is that unexplained part. A model "
    "mined from this log carries it per execution as each activity's other_cost.")


def variants_view(variants: Sequence[TraceVariant], *, currency: str,
                  title: str = N_("Trace variants (costliest first)")) -> TableView:
    """Trace variants of an event log, in the order given, ranked from 1.

    The recorded cost (when the log has one; otherwise its two columns are left
    out) stands beside the modelled cost, with their difference and a note
    saying what it is.

    >>> from abc_costing.mining import TraceVariant
    >>> v = TraceVariant(("Регистрация", "Проверка"), 2, 1.0, 85.0, 35.0, 1100.0, None,
    ...                  10500.0)
    >>> row = variants_view([v], currency="RUB").rows[0]
    >>> [row.value(key) for key in ("cost_per_case", "recorded_cost_per_case",
    ...                                 "unexplained_cost_per_case")]
    [1100.0, 10500.0, 9400.0]
    """
    # The recorded-cost columns only for a log that records costs: elsewhere they are empty.
    recorded = any(v.recorded_cost_per_case is not None for v in variants)
    columns = VARIANT_COLUMNS if recorded else VARIANT_COLUMNS[:-2]
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [rank, " → ".join(v.activities), v.case_count, v.share,
                  v.mean_cycle_time_minutes, v.mean_labor_minutes, v.cost_per_case,
                  v.total_cost, v.fits_design,
                  *([v.recorded_cost_per_case, v.unexplained_cost_per_case] if recorded
                    else [])])
        for rank, v in enumerate(variants, 1)]
    # A log's cycle time runs from timestamp to timestamp: elapsed calendar time, nights and
    # weekends included, so its days are 24 h (a model's times are working time instead).
    return _view("variants", title, columns, rows, currency=currency,
                 note=RECORDED_COST_NOTE if recorded else None,
                 hours_per_day=HOURS_PER_CALENDAR_DAY)


SIMULATION_COLUMNS = (
    Column("measure", "Measure"),
    Column("mean", "Mean", "number"),
    Column("ci95_low", "95% CI low", "number"),
    Column("ci95_high", "95% CI high", "number"),
    Column("sd", "SD", "number"),
    Column("p5", "P5", "number"),
    Column("p50", "P50", "number"),
    Column("p90", "P90", "number"),
    Column("p95", "P95", "number"),
    Column("max", "Max", "number"),
    Column("exact_mean", "Exact mean", "number"),
)


def simulation_view(result: SimulationResult, *, exact_cost_per_instance: float | None = None
                    ) -> TableView:
    """Percentiles of cost and cycle time per instance (money rows in the model's currency).

    The cycle time is in hours of elapsed time (labour and waits laid end to end, the
    waits on the clock): its row shares the table's number columns with the cost, so it
    is one sortable number in a unit a reader thinks in, not minutes (the result's
    ``as_dict`` keeps the minutes).

    >>> import numpy as np
    >>> from abc_costing import load_model
    >>> from abc_costing.simulation import simulate
    >>> result = simulate(load_model("process_models/contract_approval/as_is.yaml"), runs=500,
    ...                   rng=np.random.default_rng(1))
    >>> cycle = simulation_view(result).rows[1]
    >>> cycle.value("measure"), cycle.value("mean") == result.cycle_time_minutes.mean / 60
    ('Cycle time, hours', True)
    """
    rows: list[tuple[RowKind, list[Any]]] = []
    cycle_hours = tuple(v / 60 for v in (
        result.cycle_time_minutes.mean, *result.cycle_time_minutes.ci95,
        result.cycle_time_minutes.sd, result.cycle_time_minutes.p5,
        result.cycle_time_minutes.p50, result.cycle_time_minutes.p90,
        result.cycle_time_minutes.p95, result.cycle_time_minutes.max))
    cost = result.cost_per_instance
    rows.append(("item", [N_("Cost per instance, {currency}", currency=result.currency),
                          cost.mean, cost.ci95[0], cost.ci95[1], cost.sd, cost.p5, cost.p50,
                          cost.p90, cost.p95, cost.max, exact_cost_per_instance]))
    rows.append(("item", [N_("Cycle time, hours"), *cycle_hours, None]))
    # counts in a title made before its reader is known: English groups them by a comma
    # ({runs:,}), the Russian catalogue by no-break spaces ({runs:_}), as every count in a
    # message (Count)
    runs = Count(result.runs)
    title = N_("Monte Carlo: {runs:,} instances of {variant}", runs=runs, variant=result.variant)
    if result.truncated:
        title = N_("Monte Carlo: {runs:,} instances of {variant} ({truncated:,} truncated: "
                   "lower bounds)", runs=runs, variant=result.variant,
                   truncated=Count(result.truncated))
    return _view("simulation", title, SIMULATION_COLUMNS, rows, currency=result.currency,
                 note=result.truncation_note)


SENSITIVITY_COLUMNS = (
    Column("rank", "#", "count"),
    Column("kind", "Kind"),
    Column("element", "Element"),
    Column("field", "Parameter"),
    Column("base_value", "Value", "number"),
    Column("low_value", "Low", "number"),
    Column("cost_low", "Cost at low", "money"),
    Column("high_value", "High", "number"),
    Column("cost_high", "Cost at high", "money"),
    Column("impact", "Impact", "money"),
)


def sensitivity_view(items: Sequence[SensitivityItem], *, currency: str) -> TableView:
    """Inputs ranked by how much they move the cost per instance (largest first)."""
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [rank, i.kind, i.element, i.field, i.base_value, i.low_value, i.cost_low,
                  i.high_value, i.cost_high, i.impact])
        for rank, i in enumerate(items, 1)]
    return _view("sensitivity", N_("Sensitivity, largest impact first"), SENSITIVITY_COLUMNS,
                 rows, currency=currency)


QUEUE_RESOURCE_COLUMNS = (
    Column("id", "Resource"),
    Column("servers", "Servers", "people"),
    Column("available_share", "Present, share of the day", "share", brief=False),
    Column("utilization", "Utilisation", "share"),
    Column("utilization_ci95_low", "95% CI low", "share"),
    Column("utilization_ci95_high", "95% CI high", "share"),
    Column("offered_load", "Offered load", "share"),
    Column("status", "Status"),
    Column("basis", "Capacity basis", brief=False),
)


def _queue_status(resource: Any) -> str:
    if not resource.queued:
        return N_("capacity unknown: not queued")
    return N_("OVERLOADED") if resource.overloaded else N_("ok")


def queue_resources_view(result: QueueResult) -> TableView:
    """Utilisation of each labour pool in a queueing simulation.

    Utilisation is of the pool's practical capacity, as in :func:`capacity_view`
    (both follow :func:`abc_costing.engine.capacity.staffing`); a pool whose
    capacity is unknown is not queued and has none.
    """
    rows: list[tuple[RowKind, list[Any]]] = []
    for r in result.resources:
        low, high = r.utilization_ci95 or (None, None)
        rows.append(("item", [r.id, r.servers, r.available_share, r.utilization, low, high,
                              r.offered_load, _queue_status(r), r.basis]))
    return _view("queue_resources", N_("Resources"), QUEUE_RESOURCE_COLUMNS, rows,
                 currency=None,
                 note=N_("Simulated calendar {hours} h × {days} days a month ({basis}). "
                         "Utilisation is of each pool's practical capacity, as in capacity. "
                         "Only this process's work is simulated: capacity adds the work other "
                         "processes put on a shared pool.",
                         hours=Figure.as_written(result.hours_per_day),
                         days=Figure.as_written(result.days_per_month),
                         basis=result.calendar_basis))


QUEUE_ACTIVITY_COLUMNS = (
    Column("id", "Activity"),
    Column("executions", "Executions", "count"),
    Column("mean_queue_minutes", "Mean queue", "minutes"),
    Column("mean_queue_ci95_low", "95% CI low", "minutes"),
    Column("mean_queue_ci95_high", "95% CI high", "minutes"),
    Column("max_queue_minutes", "Longest queue", "minutes"),
)


def queue_activities_view(result: QueueResult) -> TableView:
    """Waiting in queues per activity in a queueing simulation."""
    rows: list[tuple[RowKind, list[Any]]] = []
    for a in result.activities:
        low, high = a.mean_queue_minutes_ci95 or (None, None)
        rows.append(("item", [a.id, a.executions, a.mean_queue_minutes, low, high,
                              a.max_queue_minutes]))
    # Waits are measured on the simulated clock of working minutes: said in its working days.
    return _view("queue_activities", N_("Waiting per activity"), QUEUE_ACTIVITY_COLUMNS, rows,
                 currency=None, hours_per_day=result.hours_per_day,
                 note=N_("{replications} replication(s) of {days} measured days after a "
                         "warm-up of {warmup}; intervals from the replications' spread "
                         "(Student's t), a lower bound below 0 raised to 0: a wait is never "
                         "negative.", replications=result.replications,
                         days=Figure.as_written(result.days),
                         warmup=result.warmup_basis))


def queue_counts_text(result: QueueResult, *, language: Language = "en") -> str:
    """What a queueing simulation counted, each figure saying what it is: the
    instances of all replications (arrived, finished, still open after the
    drain), then per replication the work in progress (a time-average), Little's
    law's λ × W beside it, and the instances open when the measured days end.

    >>> import numpy as np
    >>> from abc_costing.model import ProcessModel
    >>> from abc_costing.simulation.queueing import simulate_queues
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v", "volume_per_year": 2520,
    ...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
    ...     "activities": {"check": {"labor": {"clerk": 24}}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "check"], ["check", "e"]]})
    >>> text = queue_counts_text(simulate_queues(model, days=5, replications=2,
    ...                                          rng=np.random.default_rng(1)))
    >>> text.split(". ")[0]
    '10.0 arrivals a working day (poisson)'
    """
    figure = numbers.number
    little = result.littles_law_work_in_progress
    return translate(N_(
        "{arrivals_per_day} arrivals a working day ({arrivals}). In all {replications} "
        "replication(s): {instances} instances arrived in the measured days, {completed} of "
        "them finished (some after arrivals stopped), {unfinished} still open when the run "
        "stopped. Per replication: work in progress {work_in_progress} instances on average "
        "over the measured days (Little's law: arrivals a working day × mean cycle time in "
        "working days = {littles_law}), {at_end} in progress when the measured days ended.",
        arrivals_per_day=figure(result.arrivals_per_day, 1, language),
        arrivals=result.arrivals, replications=result.replications,
        instances=figure(result.instances, 0, language),
        completed=figure(result.completed, 0, language),
        unfinished=figure(result.unfinished, 0, language),
        work_in_progress=figure(result.work_in_progress, 1, language),
        littles_law="—" if little is None else figure(little, 1, language),
        at_end=figure(result.in_progress_at_end, 1, language)), language)


CHANGE_LOG_COLUMNS = (
    Column("seq", "#", "count"),
    Column("time", "Time (UTC)"),
    Column("user", "User"),
    Column("file", "File"),
    Column("element", "Element"),
    Column("field", "Field"),
    Column("old_value", "Old value"),
    Column("new_value", "New value"),
    Column("reason", "Reason"),
    Column("file_sha256_after", "File SHA-256 after", brief=False),
    Column("prev_hash", "Previous hash", brief=False),
    Column("hash_prefix", "Hash (first 12)"),
    Column("hash", "Hash", brief=False),
)


def change_log_view(entries: Sequence[Any]) -> TableView:
    """Change-log entries (oldest first) as recorded."""
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [e.hash[:12] if c.key == "hash_prefix" else getattr(e, c.key)
                  for c in CHANGE_LOG_COLUMNS]) for e in entries]
    return _view("change_log", N_("Change log"), CHANGE_LOG_COLUMNS, rows, currency=None)


# --- the redesign advisor (issue 15) ---------------------------------------------------------

#: A move's expected cycle time as numbers (JSON, CSV, Excel); the brief ``cycle_time``
#: cell says them in words.
CYCLE_TIME_COLUMNS = (
    Column("cycle_time_change_minutes", "Change of expected cycle time", "minutes",
           brief=False, elapsed=True),
    Column("cycle_minutes_after", "Expected cycle time after", "minutes", brief=False,
           elapsed=True),
    Column("cycle_time_exact", "Cycle time exact", brief=False),
)

ADVICE_COLUMNS = (
    Column("rank", "No.", "count"),
    Column("move", "Move"),
    Column("saving_per_instance", "Saving per instance", "money"),
    Column("saving_per_year", "Saving a year", "money"),
    Column("fte_change", "Δ FTE by pool"),
    Column("heads_released", "Heads released", "count"),
    Column("cash_per_year", "Cash a year", "money"),
    Column("cycle_time", "Δ cycle time"),
    Column("assumptions", "Assumptions"),
    Column("kind", "Kind", brief=False),
    Column("elements", "Activities", brief=False),
    Column("cost_per_instance", "Cost per instance after", "money", brief=False),
    *CYCLE_TIME_COLUMNS,
)


def _pool_names(model: ProcessModel) -> dict[str, str]:
    return {pool_id: pool.name or pool_id for pool_id, pool in model.resources.items()}


def _fte_text(changes: Mapping[str, float], names: Mapping[str, str]) -> str:
    return _joined([N_("{pool} {change}", pool=names.get(pool, pool),
                       change=Figure(delta, 2, signed=True))
                    for pool, delta in changes.items()
                    if not rounded_for_display(delta, 2).is_zero()])


def _cycle_text(ranked: RankedMove) -> Message | None:
    """The change of the expected cycle time and the time after, "at least" when the
    time after is a lower bound (a parallel block whose branch times vary); elapsed time
    (the waits run on the clock), so in days of 24 h."""
    change, after = ranked.cycle_change_minutes, ranked.cycle_minutes
    if change is None or after is None:
        return None
    said = {"change": Duration(change, signed=True, elapsed=True),
            "time": Duration(after, elapsed=True)}
    if ranked.cycle_exact:
        return N_("{change} (to {time})", **said)
    return N_("{change} (to at least {time})", **said)


def _cycle_values(ranked: RankedMove | None) -> list[Any]:
    if ranked is None:
        return [None, None, None]
    return [ranked.cycle_change_minutes, ranked.cycle_minutes, ranked.cycle_exact]


def _advice_row(rank: int | None, ranked: RankedMove, names: Mapping[str, str]) -> list[Any]:
    move = ranked.move
    return [rank, move.description, ranked.saving_per_instance, ranked.saving_per_year,
            _fte_text(ranked.fte_change, names), ranked.heads_released, ranked.cash_per_year,
            _cycle_text(ranked), _joined(move.assumptions), move.kind,
            ", ".join(move.elements), ranked.cost_per_instance, *_cycle_values(ranked)]


def _cycle_note(advice: Advice) -> Message:
    """The model's expected cycle time, for a view's note."""
    cycle = advice.cycle_time
    if cycle is None:
        return N_("The expected cycle time has no finite value")
    time = Duration(cycle.minutes, elapsed=True)
    return N_("Expected cycle time now {time}", time=time) if cycle.exact else \
        N_("Expected cycle time now at least {time}", time=time)


def advice_view(advice: Advice, *, top: int | None = None) -> TableView:
    """The moves the advisor ranks for one process, largest saving per instance first (the
    first ``top``), each with its saving a year, its change of FTE per pool, the heads it
    releases and its cash a year (the Overview's rule), and every assumption it rests on.

    >>> from abc_costing import load_model
    >>> from abc_costing.advisor import advise
    >>> view = advice_view(advise(load_model("tests/data/knockout_checks.yaml")), top=1)
    >>> view.rows[0].value("move")
    'Reorder checks: Documents → Credit score → Limits → KYC → Fraud screen → Collateral'
    >>> round(view.rows[0].value("saving_per_year"))  # 134.184 per case × 10 000 cases
    1341840
    """
    shown = advice.ranked if top is None else advice.ranked[:top]
    model = advice.model
    hours = process_hours_per_day(model)
    return _view("advice", N_("What to change in {process}: moves ranked by saving",
                              process=model.title or model.process), ADVICE_COLUMNS,
                 [("item", _advice_row(i, r, _pool_names(model)))
                  for i, r in enumerate(shown, start=1)],
                 currency=model.currency, hours_per_day=hours,
                 note=N_("{note} {cycle}.", note=N_(
                     "Cost per instance now {cost}; each move on its own. Cash: whole people "
                     "released and savings that are not labour; it can exceed the saving "
                     "when a move adds work that stays with people who are kept (that work "
                     "is paid from capacity already paid for), or be negative when a move "
                     "adds a price per use and releases nobody.",
                     cost=Figure.money(advice.cost_per_instance, model.currency)),
                     cycle=_cycle_note(advice)))


def advice_sequence_view(advice: Advice) -> TableView:
    """The moves combined greedily (the best applied, the rest re-ranked, while the saving
    grows), each with what it adds, then their total.

    >>> from abc_costing import load_model
    >>> from abc_costing.advisor import advise
    >>> view = advice_sequence_view(advise(load_model("tests/data/knockout_checks.yaml")))
    >>> [row.kind for row in view.rows]
    ['item', 'total']
    """
    model = advice.model
    hours = process_hours_per_day(model)
    rows: list[tuple[RowKind, Sequence[Any]]] = [
        ("item", _advice_row(i, step, _pool_names(model)))
        for i, step in enumerate(advice.sequence, start=1)]
    whole = advice.combined
    rows.append(("total", [None, TOTAL_NAME, advice.combined_saving_per_instance,
                           advice.combined_saving_per_year,
                           "" if whole is None
                           else _fte_text(whole.fte_change, _pool_names(model)),
                           None if whole is None else whole.heads_released,
                           None if whole is None else whole.cash_per_year,
                           None if whole is None else _cycle_text(whole),
                           "", "", "", advice.cost_per_instance
                           - advice.combined_saving_per_instance, *_cycle_values(whole)]))
    return _view("advice_sequence", N_("Moves combined: {process}",
                                       process=model.title or model.process),
                 ADVICE_COLUMNS, rows, currency=model.currency, hours_per_day=hours,
                 note=N_("Each move's saving is over the model after the moves above it; the "
                         "total's heads and cash are those of the whole change at once "
                         "(people are released by the whole change, not step by step)."))


FASTER_MOVES_COLUMNS = (
    Column("rank", "No.", "count"),
    Column("move", "Move"),
    Column("cycle_time", "Δ cycle time"),
    Column("assumptions", "Assumptions"),
    Column("kind", "Kind", brief=False),
    Column("elements", "Activities", brief=False),
    *CYCLE_TIME_COLUMNS,
)


def faster_moves_view(advice: Advice) -> TableView:
    """The moves that leave the cost as it is and shorten the expected cycle time (tasks
    run side by side), shortest cycle time first: kept apart from the money ranking.

    >>> from abc_costing import load_model
    >>> from abc_costing.advisor import advise
    >>> view = faster_moves_view(advise(load_model(
    ...     "process_models/supplier_invoice/as_is.yaml")))
    >>> view.rows[0].value("elements"), round(view.rows[0].value("cycle_time_change_minutes"), 4)
    ('close_posting, file_originals', -2.8916)
    """
    model = advice.model
    hours = process_hours_per_day(model)
    rows: list[tuple[RowKind, Sequence[Any]]] = [
        ("item", [i, r.move.description, _cycle_text(r), _joined(r.move.assumptions),
                  r.move.kind, ", ".join(r.move.elements), *_cycle_values(r)])
        for i, r in enumerate(advice.faster, start=len(advice.ranked) + 1)]
    return _view("faster_moves", N_("Faster, same cost: {process}",
                                    process=model.title or model.process),
                 FASTER_MOVES_COLUMNS, rows, currency=None, hours_per_day=hours,
                 note=N_("Each move on its own; the cost per instance stays {cost}. {cycle}. "
                         "\"At least\": a parallel block whose branch times vary takes at "
                         "least its longest branch's expected time.",
                         cost=Figure.money(advice.cost_per_instance, model.currency),
                         cycle=_cycle_note(advice)))


REJECTED_MOVES_COLUMNS = (
    Column("move", "Move"),
    Column("reasons", "Why refused"),
    Column("kind", "Kind", brief=False),
    Column("elements", "Activities", brief=False),
)


def rejected_moves_view(advice: Advice) -> TableView:
    """The moves a guard refused (a pool overloaded beyond its capacity, a model that
    fails validation), each with the reasons: shown, never silently dropped.

    >>> from abc_costing import load_model
    >>> from abc_costing.advisor import advise
    >>> rejected_moves_view(advise(load_model("tests/data/knockout_checks.yaml"))).rows
    ()
    """
    model = advice.model
    return _view("rejected_moves", N_("Moves refused: {process}",
                                      process=model.title or model.process),
                 REJECTED_MOVES_COLUMNS,
                 [("item", [r.move.description, _joined(list(r.reasons)), r.move.kind,
                            ", ".join(r.move.elements)]) for r in advice.rejected],
                 currency=None)


MOVE_EDITS_COLUMNS = (
    Column("element", "Element"),
    Column("field", "Field"),
    Column("old", "Before"),
    Column("new", "After"),
)


def _edit_order(edit: Edit) -> tuple[int, int]:
    """Flows in file order after the other edits (a flow's edits go from the list's end back
    so that each is applied at its index in the file; a reader reads them top down)."""
    if edit.path[0] == "flows" and len(edit.path) > 1 and isinstance(edit.path[1], int):
        return 1, edit.path[1]
    return 0, 0


def move_edits_view(description: str, edits: Sequence[Edit]) -> TableView:
    """A move's readable diff: each value it changes in the model file, before and after
    (element ids and values as the file writes them; ``—`` where there is none).

    >>> from abc_costing.store.edits import Edit
    >>> view = move_edits_view("Eliminate retype", [
    ...     Edit(("flows", 2), "flows[2]", "flow", ["retype", "e"], None),
    ...     Edit(("flows", 1), "flows[1]", "flow", ["enter", "retype"], ["enter", "e"]),
    ...     Edit(("activities", "retype"), "retype", "activity", {"value": "waste"}, None)])
    >>> [(r.value("element"), r.value("old"), r.value("new")) for r in view.rows]
    [('retype', '{value: waste}', None), ('flows[1]', '[enter, retype]', '[enter, e]'), \
('flows[2]', '[retype, e]', None)]
    """
    ordered = sorted(edits, key=_edit_order)  # stable: the other edits keep their order
    return _view("move_edits", N_("What it changes in the file: {move}", move=description),
                 MOVE_EDITS_COLUMNS,
                 [("item", [e.element, e.field, e.old_text, e.new_text]) for e in ordered],
                 currency=None)
