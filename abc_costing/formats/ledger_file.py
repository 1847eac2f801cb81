"""Reading a period's ledger and its driver quantities from CSV or Excel (issue 13).

The ledger is an оборотно-сальдовая ведомость exported from 1С in long form:
one row per turnover, with a period, an account (``20``, ``25``, ``26``, ``44``,
``20.01``), a cost centre (подразделение), a cost item (статья затрат), an
amount and, optionally, a scenario::

    Период;Счёт;Подразделение;Статья затрат;Сумма;Сценарий
    январь 2026;26;Администрация;Аренда;1 234,56;факт

Driver quantities are one row per driver and receiver; volumes one row per cost
object and process variant; revenue one row per cost object. Each may have a
period and a scenario column: a row without them applies to every period
(scenario), see :func:`abc_costing.model.for_period`::

    Драйвер;Получатель;Количество
    м2;Продажи;120,5

    Период;Сценарий;Объект затрат;Процесс;Вариант;Количество
    2026-01;факт;Крупные клиенты;contract_approval;;22

    Период;Сценарий;Сегмент;Выручка
    2026-01;факт;Крупные клиенты;18 400 000,00

The files
---------
- CSV in UTF-8 (with or without a byte-order mark) or Windows-1251 (what 1С
  and a Russian Excel save); the separator is the commonest of ``;``, ``,`` and
  tab in the header. ``.tsv`` is tab-separated. ``.xlsx``: the first sheet, with
  the values Excel saved for formulas; a workbook that unpacks to more than
  :data:`MAX_LEDGER_UNPACKED_BYTES` is refused before it is read (a zip bomb).
- Columns are found by their usual Russian or English names, compared
  case-insensitively (:data:`LEDGER_COLUMNS`, :data:`DRIVER_COLUMNS`,
  :data:`VOLUME_COLUMNS`, :data:`REVENUE_COLUMNS`); a column
  of another name is a warning and is ignored (a 1С export has balance columns).
- Amounts and quantities: an Excel number as it is, text by the typed-number
  rule (:mod:`abc_costing.formats.typed_numbers`): ``1 234,56`` with ordinary or
  no-break spaces, ``1234.56``, a leading minus for a reversal (сторно).
- Periods (:func:`parse_period`): ``2026-01``, ``01.2026``, ``январь 2026``
  (any case, also ``января 2026``, ``янв 2026``, ``Январь 2026 г.``),
  ``January 2026``, or a date (``2026-01-31``, ``31.01.2026``, an Excel date),
  which stands for its month.
- Scenarios: ``факт``/``план``/``прогноз`` or ``actual``/``plan``/``forecast``
  (:data:`SCENARIO_WORDS`); in a ledger no column or an empty cell is
  ``actual``, in the other files it is every scenario.
- A volume's variant: an empty cell or no column is ``as_is``.

Rows and problems
-----------------
A row is numbered as the file shows it: in a CSV, the line of the file on which
the row ends (the header is line 1, so the first data row is usually line 2);
in a workbook, the sheet's row number. Blank rows are skipped but counted.
Every problem names the file and that row; all of them are returned at once,
and a broken row is left out without hiding the others. Nothing raises for a
user's file: a file that cannot be read at all is one problem.

Examples
--------
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "osv.csv"
>>> _ = path.write_text("Период;Счёт;Подразделение;Статья затрат;Сумма\\n"
...                     "январь 2026;26;Администрация;Аренда;1 234,56\\n", encoding="cp1251")
>>> lines, problems = read_ledger(path)
>>> lines[0].period, lines[0].account, lines[0].amount, lines[0].row, problems
('2026-01', '26', 1234.56, 2, [])
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar, cast

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from abc_costing.formats.rates_table import (
    TableFile,
    _amount,
    _text,
    missing_columns,
    table_rows,
)
from abc_costing.formats.yaml_model import said_by_pydantic
from abc_costing.i18n import N_, Message
from abc_costing.memory import cyclic_gc_paused
from abc_costing.model import DriverQuantity, LedgerLine, ObjectInstances, ObjectRevenue
from abc_costing.problems import ModelError, Problem, cut, grouped_money, quoted

__all__ = ["DRIVER_COLUMNS", "LEDGER_COLUMNS", "MAX_LEDGER_BYTES", "MAX_LEDGER_ROWS",
           "MAX_LEDGER_UNPACKED_BYTES", "REVENUE_COLUMNS", "SCENARIO_WORDS", "VOLUME_COLUMNS",
           "parse_period", "period_months", "read_drivers", "read_ledger", "read_revenue",
           "read_volumes"]

#: Ledger and driver files larger than this are refused unread (a month's ledger of
#: 100,000 lines is about 10 MB).
MAX_LEDGER_BYTES = 200 * 1024 * 1024
#: What a workbook's parts add up to once unpacked, checked before any is read.
MAX_LEDGER_UNPACKED_BYTES = 400 * 1024 * 1024
#: Rows of one file, blank ones and the header included.
MAX_LEDGER_ROWS = 2_000_000
LEDGER_FILE = TableFile(MAX_LEDGER_BYTES, MAX_LEDGER_ROWS, MAX_LEDGER_UNPACKED_BYTES,
                        named=N_("ledger and driver files"), kind=N_("a ledger"),
                        formats=N_(".csv, .tsv or .xlsx"), format_of=N_("file format"),
                        rows_of="file", windows_1251=True)

#: The usual names of each ledger column, compared case-insensitively; first match wins.
LEDGER_COLUMNS: dict[str, tuple[str, ...]] = {
    "period": ("period", "month", "date", "период", "месяц", "дата"),
    "account": ("account", "gl account", "счёт", "счет", "счёт затрат", "счет затрат",
                "субсчёт", "субсчет"),
    "cost_centre": ("cost centre", "cost center", "cost_centre", "cost_center", "department",
                    "подразделение", "подразделения", "цфо", "центр затрат"),
    "cost_item": ("cost item", "cost_item", "expense item", "статья затрат", "статьи затрат",
                  "статья", "статья_затрат"),
    "amount": ("amount", "debit turnover", "debit", "turnover", "сумма", "оборот дт",
               "оборот по дебету", "обороты дт", "дебет", "оборот"),
    "scenario": ("scenario", "version", "сценарий", "вид данных"),
}
#: The period and scenario columns of the driver, volume and revenue files (optional there).
_PERIOD_COLUMNS = {name: LEDGER_COLUMNS[name] for name in ("period", "scenario")}
#: The usual names of each driver column.
DRIVER_COLUMNS: dict[str, tuple[str, ...]] = {
    "driver": ("driver", "basis", "драйвер", "база", "база распределения", "драйвер затрат"),
    "receiver": ("receiver", "pool", "cost centre", "cost center", "department", "получатель",
                 "пул", "подразделение"),
    "quantity": ("quantity", "value", "amount", "количество", "значение", "кол-во"),
    **_PERIOD_COLUMNS,
}
_COST_OBJECT_NAMES = ("cost object", "cost_object", "segment", "customer", "channel",
                      "объект затрат", "сегмент", "клиент", "канал")
#: The usual names of each column of the volumes: instances of a process variant per
#: cost object.
VOLUME_COLUMNS: dict[str, tuple[str, ...]] = {
    "cost_object": _COST_OBJECT_NAMES,
    "process": ("process", "процесс"),
    "variant": ("variant", "вариант"),
    "instances": ("instances", "volume", "count", "количество", "экземпляров", "объём",
                  "кол-во"),
    **_PERIOD_COLUMNS,
}
#: The usual names of each column of the revenue per cost object (account 90.01).
REVENUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "cost_object": _COST_OBJECT_NAMES,
    "amount": ("revenue", "amount", "выручка", "сумма"),
    **_PERIOD_COLUMNS,
}
_REQUIRED_LEDGER = ("period", "account", "cost_centre", "cost_item", "amount")
_REQUIRED_DRIVERS = ("driver", "receiver", "quantity")
_REQUIRED_VOLUMES = ("cost_object", "process", "instances")
_REQUIRED_REVENUE = ("cost_object", "amount")

#: Words of a scenario cell, lower case, and the scenario they mean.
SCENARIO_WORDS: dict[str, str] = {
    "actual": "actual", "факт": "actual", "фактический": "actual", "fact": "actual",
    "plan": "plan", "budget": "plan", "план": "plan", "бюджет": "plan",
    "forecast": "forecast", "прогноз": "forecast",
}

# Month names by their first three letters: the Russian nominative (январь), genitive
# (января) and abbreviations (янв) share them, as do the English names.
_MONTHS = {stem: number for number, stems in enumerate(
    (("янв", "jan"), ("фев", "feb"), ("мар", "mar"), ("апр", "apr"), ("мая", "май", "may"),
     ("июн", "jun"), ("июл", "jul"), ("авг", "aug"), ("сен", "sep"), ("окт", "oct"),
     ("ноя", "nov"), ("дек", "dec")), 1) for stem in stems}
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")
_RU_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?: .*)?")
_NAMED = re.compile(r"([^\W\d_]+)\.?\s+(\d{4})(?:\s*(?:г\.?|год|года))?")
_PERIOD_FORMS = N_("2026-01, 01.2026, январь 2026 or a date")

_Record = TypeVar("_Record", bound=BaseModel)
#: Each column's reader: a cell (None when the row is short or the column absent) to a
#: field's value, or ValueError saying what is wrong.
_Converters = Mapping[str, Callable[[object], object]]


def parse_period(value: object) -> str:
    """The month ``YYYY-MM`` a period cell names; ValueError saying why not.

    >>> [parse_period(v) for v in ("2026-01", "01.2026", "Январь 2026 г.", "15.03.2026",
    ...                            dt.date(2026, 2, 28))]
    ['2026-01', '2026-01', '2026-01', '2026-03', '2026-02']
    """
    if isinstance(value, dt.date):  # a datetime is a date too
        return f"{value.year:04d}-{value.month:02d}"
    text = _text(value).lower()
    if not text:
        raise ValueError(N_("the period is empty; write it as {forms}", forms=_PERIOD_FORMS))
    year = month = None
    if match := _YEAR_MONTH.fullmatch(text) or _ISO_DATE.fullmatch(text):
        year, month = int(match[1]), int(match[2])
    elif match := _MONTH_YEAR.fullmatch(text):
        year, month = int(match[2]), int(match[1])
    elif match := _RU_DATE.fullmatch(text):
        year, month = int(match[3]), int(match[2])
    elif (match := _NAMED.fullmatch(text)) and match[1][:3] in _MONTHS:
        year, month = int(match[2]), _MONTHS[match[1][:3]]
    if year is None or month is None or not 1 <= month <= 12 or year < 1900:
        raise ValueError(N_("the period {value} is not a month: write it as {forms}",
                            value=quoted(_text(value)), forms=_PERIOD_FORMS))
    return f"{year:04d}-{month:02d}"


_QUARTER_FORMS = N_("2026-01, январь 2026, 2026-Q1, Q1 2026 or 1 квартал 2026")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTER = (re.compile(r"(?P<year>\d{4})\s*-?\s*[qк](?P<q>[1-4])"),
            re.compile(r"[qк](?P<q>[1-4])\s*[-.]?\s*(?P<year>\d{4})"),
            re.compile(r"(?P<q>[1-4]|i{1,3}|iv)\s*(?:-?й\s*)?(?:квартал|кв\.?|quarter)\s*"
                       r"(?P<year>\d{4})(?:\s*(?:г\.?|года?))?"))


def period_months(value: object) -> tuple[str, tuple[str, ...]]:
    """The period a user names (a month or a quarter): its label and its months.

    A month is any form :func:`parse_period` reads; a quarter is written
    ``2026-Q1``, ``Q1 2026``, ``1 квартал 2026``, ``I квартал 2026 г.`` or
    ``1 кв. 2026``. ValueError saying which forms are read.

    >>> period_months("январь 2026")
    ('2026-01', ('2026-01',))
    >>> period_months("1 квартал 2026")
    ('2026-Q1', ('2026-01', '2026-02', '2026-03'))
    >>> period_months("Q4 2025")[1][-1]
    '2025-12'
    """
    text = _text(value).lower()
    for pattern in _QUARTER:
        match = pattern.fullmatch(text)
        if match is not None:
            quarter = _ROMAN.get(match["q"]) or int(match["q"])
            year = int(match["year"])
            return (f"{year:04d}-Q{quarter}",
                    tuple(f"{year:04d}-{month:02d}" for month in
                          range(3 * quarter - 2, 3 * quarter + 1)))
    try:
        month = parse_period(value)
    except ValueError:
        raise ValueError(N_("the period {value} is not a month or a quarter: write it as "
                            "{forms}", value=quoted(_text(value)), forms=_QUARTER_FORMS)
                         ) from None
    return month, (month,)


def _scenario(value: object) -> str:
    return _optional_scenario(value) or "actual"


def _optional_scenario(value: object) -> str | None:
    """The scenario a cell names, None for an empty cell (every scenario)."""
    text = _text(value).lower()
    if not text:
        return None
    if text not in SCENARIO_WORDS:
        raise ValueError(N_("the scenario {value} is not one of факт/план/прогноз or "
                            "actual/plan/forecast", value=quoted(_text(value))))
    return SCENARIO_WORDS[text]


def _optional_period(value: object) -> str | None:
    """The month a cell names, None for an empty cell (every period)."""
    return parse_period(value) if _text(value) else None


#: The period and scenario of a row of the driver, volume and revenue files.
_PERIOD_CONVERTERS: _Converters = {"period": _optional_period, "scenario": _optional_scenario}


def read_ledger(path: str | Path, *, source_name: str | None = None
                ) -> tuple[tuple[LedgerLine, ...], list[Problem]]:
    """Read a ledger (module docstring) into lines and the problems of the file.

    ``source_name`` names the file in problems (default: the path), e.g. an
    upload's name rather than its temporary file. Each line keeps its file row
    in :attr:`~abc_costing.model.LedgerLine.row`. Rows with an error are left
    out; check :func:`~abc_costing.problems.has_errors` before allocating.

    >>> read_ledger("no-such-file.csv")[1][0].message
    'file not found'
    """
    convert: _Converters = {
        "period": parse_period, "scenario": _scenario,
        "account": lambda value: _name(value, N_("account")),
        "cost_centre": lambda value: _name(value, N_("cost centre")),
        "cost_item": lambda value: _name(value, N_("cost item")),
        "amount": lambda value: _number(value, N_("amount"))}

    return _read(path, source_name=source_name, columns=LEDGER_COLUMNS,
                 required=_REQUIRED_LEDGER, record=LedgerLine, convert=convert)


def read_drivers(path: str | Path, *, source_name: str | None = None
                 ) -> tuple[tuple[DriverQuantity, ...], list[Problem]]:
    """Read driver quantities (driver, receiver, quantity), by the rules of :func:`read_ledger`.

    A quantity must be a number, at least 0. Optional period and scenario
    columns; an empty cell (or no column) applies the row to every period
    (scenario).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "drivers.csv"
    >>> _ = path.write_text("driver,receiver,quantity\\nm2,sales,120.5\\n", encoding="utf-8")
    >>> drivers, problems = read_drivers(path)
    >>> (drivers[0].receiver, drivers[0].quantity, drivers[0].period, drivers[0].row), problems
    (('sales', 120.5, None, 2), [])
    """
    convert: _Converters = {
        "driver": lambda value: _name(value, N_("driver")),
        "receiver": lambda value: _name(value, N_("receiver")),
        "quantity": lambda value: _number(value, N_("quantity")),
        **_PERIOD_CONVERTERS}

    return _read(path, source_name=source_name, columns=DRIVER_COLUMNS,
                 required=_REQUIRED_DRIVERS, record=DriverQuantity, convert=convert)


def read_volumes(path: str | Path, *, source_name: str | None = None
                 ) -> tuple[tuple[ObjectInstances, ...], list[Problem]]:
    """Read the instances of each process variant per cost object (:data:`VOLUME_COLUMNS`).

    By the rules of :func:`read_ledger`; an empty variant is ``as_is``; the
    instances are a number, at least 0; optional period and scenario as in
    :func:`read_drivers`.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "volumes.csv"
    >>> _ = path.write_text("Период;Сценарий;Сегмент;Процесс;Вариант;Количество\\n"
    ...                     "01.2026;факт;Крупные клиенты;contract_approval;;22\\n",
    ...                     encoding="utf-8")
    >>> volumes, problems = read_volumes(path)
    >>> v = volumes[0]
    >>> (v.period, v.scenario, v.cost_object, v.variant, v.instances), problems
    (('2026-01', 'actual', 'Крупные клиенты', 'as_is', 22.0), [])
    """
    convert: _Converters = {
        "cost_object": lambda value: _name(value, N_("cost object")),
        "process": lambda value: _name(value, N_("process")),
        "variant": lambda value: _text(value) or "as_is",
        "instances": lambda value: _number(value, N_("instances")),
        **_PERIOD_CONVERTERS}

    return _read(path, source_name=source_name, columns=VOLUME_COLUMNS,
                 required=_REQUIRED_VOLUMES, record=ObjectInstances, convert=convert)


def read_revenue(path: str | Path, *, source_name: str | None = None
                 ) -> tuple[tuple[ObjectRevenue, ...], list[Problem]]:
    """Read the revenue per cost object (:data:`REVENUE_COLUMNS`), by the rules of
    :func:`read_ledger`; an amount may be negative (returns); optional period and
    scenario as in :func:`read_drivers`.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "revenue.csv"
    >>> _ = path.write_text("Клиент;Выручка\\nУК «Дом»;1 234 567,89\\n", encoding="cp1251")
    >>> revenue, problems = read_revenue(path)
    >>> (revenue[0].cost_object, revenue[0].amount, revenue[0].scenario), problems
    (('УК «Дом»', 1234567.89, None), [])
    """
    convert: _Converters = {
        "cost_object": lambda value: _name(value, N_("cost object")),
        "amount": lambda value: _number(value, N_("revenue")),
        **_PERIOD_CONVERTERS}

    return _read(path, source_name=source_name, columns=REVENUE_COLUMNS,
                 required=_REQUIRED_REVENUE, record=ObjectRevenue, convert=convert)


def _name(value: object, what: Message) -> str:
    # An Excel number in an account column (26, or 20.01 read as a float) is the text it shows.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _text(value)
    if not text:
        raise ValueError(N_("the {what} is empty", what=what))
    return text


def _number(value: object, what: Message) -> float:
    if _text(value) == "":
        raise ValueError(N_("the {what} is missing (a formula Excel never saved a value for?)",
                            what=what))
    try:
        return _amount(value)
    except (TypeError, ValueError) as error:
        # The number rule's message names the text already ("'58O' is not a number: ...").
        raise ValueError(N_("the {what} {error}", what=what, error=_said(error))) from None


def _said(error: Exception) -> str:
    """What ``error`` says, still a Message (translated later) when it was raised with one."""
    return error.args[0] if len(error.args) == 1 and isinstance(error.args[0], str) \
        else str(error)


#: A cell with one of these words marks a totals row of an export (lower case, no colon).
_TOTAL_WORDS = frozenset({"итого", "всего", "итого по счету", "итого по счёту", "total",
                          "totals", "grand total"})
#: The cells that mark a totals row: each word as 1С and Excel write it, with a colon or not.
_TOTAL_CELLS = frozenset(form + colon for word in _TOTAL_WORDS
                         for form in (word, word.capitalize(), word.upper(), word.title())
                         for colon in ("", ":"))


def _totals_rows(totals: list[tuple[int, list[object]]], records: Sequence[BaseModel],
                 amount_column: int | None, *, source: str) -> list[Problem]:
    """A warning per totals row skipped, saying whether its amount is the lines' sum."""
    problems = []
    for line, row in totals:
        said = N_("a totals row (Итого) is not a turnover: skipped")
        cell = row[amount_column] if amount_column is not None and amount_column < len(row) \
            else None
        try:
            stated = _amount(cell) if _text(cell) else None
        except (TypeError, ValueError):
            stated = None
        if stated is not None and records and hasattr(records[0], "amount"):
            total = math.fsum(getattr(r, "amount") for r in records)  # noqa: B009
            shown, added = grouped_money(stated), grouped_money(total)
            said = (N_("a totals row (Итого) is not a turnover: skipped; its amount {amount} is "
                       "the lines' sum", amount=shown) if abs(stated - total) < 0.005
                    else N_("a totals row (Итого) is not a turnover: skipped; its amount {amount} "
                            "is not the lines' sum {total} (a line lost, or the export cut?)",
                            amount=shown, total=added))
        problems.append(Problem(said, file=source, line=line, severity="warning"))
    return problems


def _once(read: Callable[[object], object]) -> Callable[[object], object]:
    """``read`` remembering its result for each distinct hashable cell (errors too)."""
    seen: dict[object, tuple[bool, object]] = {}

    def cached(value: object) -> object:
        # Text (every CSV cell) is its own key; other cells keep their type apart
        # (True is not the number 1 to a reader).
        key = value if type(value) is str else (type(value), value)
        try:
            hit = seen.get(key)
        except TypeError:  # an unhashable cell: read it as it is
            return read(value)
        if hit is None:
            try:
                hit = True, read(value)
            except ValueError as error:
                hit = False, error
            if len(seen) < _MAX_CACHED_CELLS:
                seen[key] = hit
        if not hit[0]:
            raise ValueError(*cast(ValueError, hit[1]).args)
        return hit[1]

    return cached


#: Distinct cells remembered per column (a column of amounts would fill it uselessly).
_MAX_CACHED_CELLS = 50_000


def _validated(record: type[_Record], datas: list[dict[str, object]]
               ) -> tuple[list[_Record], list[tuple[int, list[ErrorDetails]]]]:
    """The records of ``datas`` validated in one call, and each invalid one's errors.

    One pydantic call for the whole list is many times faster than one per row; a
    list with an invalid row is validated again row by row, so the valid rows are
    kept and each invalid one is named.
    """
    try:
        return TypeAdapter(list[record]).validate_python(datas), []  # type: ignore[valid-type]
    except ValidationError:
        pass
    records: list[_Record] = []
    invalid: list[tuple[int, list[ErrorDetails]]] = []
    for position, data in enumerate(datas):
        try:
            records.append(record.model_validate(data))
        except ValidationError as error:
            invalid.append((position, error.errors()))
    return records, invalid


def _read(path: str | Path, *, source_name: str | None, columns: dict[str, tuple[str, ...]],
          required: tuple[str, ...], record: type[_Record], convert: _Converters
          ) -> tuple[tuple[_Record, ...], list[Problem]]:
    path = Path(path)
    source = source_name or str(path)

    def fail(message: Message) -> ModelError:
        return ModelError([Problem(message, file=source)])

    try:
        # A ledger of 100,000 lines makes a million small objects that form no cycles:
        # the cyclic collector walking them again and again took a third of the read.
        with cyclic_gc_paused():
            rows = table_rows(path, fail=fail, limits=LEDGER_FILE)
            return _records(rows, source=source, columns=columns, required=required,
                            record=record, convert=convert)
    except ModelError as error:
        return (), error.problems
    except Exception as error:  # whatever else a file can provoke: named, not a traceback
        return (), [Problem(N_("cannot read the file: {error}: {said} (a fault in abc-costing: "
                               "please report it with the file)", error=type(error).__name__,
                               said=cut(str(error), 200)), file=source)]


def _records(rows: list[tuple[int, list[object]]], *, source: str,
             columns: dict[str, tuple[str, ...]], required: tuple[str, ...],
             record: type[_Record], convert: _Converters
             ) -> tuple[tuple[_Record, ...], list[Problem]]:
    rows = [(line, row) for line, row in rows if any(
        (cell.strip() if type(cell) is str else _text(cell)) for cell in row)]
    if not rows:
        return (), [Problem(N_("the file is empty; it needs a header row with the columns "
                               "{columns}", columns=", ".join(required)), file=source)]
    header_line, header = rows[0]
    names = [_text(cell).lower().replace("ё", "е") for cell in header]
    found: dict[str, int] = {}
    for field, usual in columns.items():
        index = next((names.index(n.replace("ё", "е")) for n in usual
                      if n.replace("ё", "е") in names), None)
        if index is not None and index not in found.values():
            found[field] = index
    problems: list[Problem] = [
        Problem(N_("unknown column {name} is ignored; known columns: {columns}",
                   name=quoted(_text(header[index])), columns=", ".join(columns)),
                element=cut(_text(header[index])), file=source,
                line=header_line, severity="warning")
        for index in range(len(header)) if names[index] and index not in found.values()]
    missing = [field for field in required if field not in found]
    if missing:
        problems.append(Problem(missing_columns(missing, columns), file=source,
                                line=header_line))
        return (), problems
    if len(rows) == 1:
        problems.append(Problem(N_("the file has a header but no rows"), file=source,
                                line=header_line))
        return (), problems
    # A ledger repeats its periods, accounts, cost centres and items on every row: each
    # column's reader sees each distinct cell once (amounts are mostly distinct; they
    # are read by the typed-number rule's fast path).
    body = []
    totals: list[tuple[int, list[object]]] = []
    for line, row in rows[1:]:
        # 1С ends an оборотно-сальдовая ведомость with an "Итого" row: not a turnover.
        # (One set look-up a row: a cell written as 1С and Excel write it.)
        if not _TOTAL_CELLS.isdisjoint(row):
            totals.append((line, row))
            continue
        body.append((line, row))
    # Column by column: each column's reader runs over its cells in one tight loop.
    values: dict[str, list[object]] = {}
    faults: dict[int, list[Problem]] = {}
    for field, read in convert.items():
        cached, index = _once(read), found.get(field)
        cells = ([None] * len(body) if index is None else
                 [row[index] if index < len(row) else None for _, row in body])
        try:
            values[field] = list(map(cached, cells))  # a clean column: one pass
            continue
        except ValueError:
            pass
        column: list[object] = []
        for position, ((line, _), cell) in enumerate(zip(body, cells, strict=True)):
            try:
                column.append(cached(cell))
            except ValueError as error:
                column.append(None)
                faults.setdefault(position, []).append(
                    Problem(_said(error), element=field, file=source, line=line))
        values[field] = column
    fields = list(values)
    datas: list[dict[str, object]] = []
    lines: list[int] = []
    # Every cell of a row is read, so a row with two faults shows both.
    for position, ((line, _), row_values) in enumerate(zip(
            body, zip(*values.values(), strict=True), strict=True)):
        if position in faults:
            problems.extend(faults[position])
            continue
        datas.append({"row": line, **dict(zip(fields, row_values, strict=True))})
        lines.append(line)
    records, invalid = _validated(record, datas)
    for position, errors in invalid:
        problems.extend(Problem(said_by_pydantic(e), file=source,
                                line=lines[position],
                                element=".".join(str(p) for p in e["loc"]))
                        for e in errors)
    problems += _totals_rows(totals, records, found.get("amount"), source=source)
    # Rows in file order, whichever check found their fault (the header's come first).
    problems.sort(key=lambda problem: problem.line or 0)
    return tuple(records), problems
