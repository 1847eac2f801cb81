"""The audit workbook: every cost a live formula an auditor can trace and change.

:func:`workbook_bytes` writes one ``.xlsx`` (XlsxWriter, in memory) whose
figures are derived *in the workbook* from the model's inputs:

- **Resources** links each resource's rate per hour, cost per month, capacity
  and cost per use to the Catalogue and derives ``rate_per_minute``, each
  resource's minutes or uses per instance (SUMPRODUCT of the Activities
  columns with the expected executions) and its cost.
- **Catalogue** (справочник ресурсов) and **Payroll rules** hold the money
  inputs: each pool's headcount, оклад, премия, capacity or stated rate, and
  the cited contribution rules and production calendar, with ФОТ, страховые
  взносы, the loaded cost and the rate per hour as formulas over them (see
  :mod:`abc_costing.reports.workbook_catalogue`).
- **Activities** holds the mean labour minutes per labor resource, the uses per
  per_use resource and the other cost of one execution; a row above the header
  repeats each resource's rate (linked to Resources), so the cost of one
  execution is ``SUMPRODUCT(rates, minutes) + SUMPRODUCT(costs per use, uses)
  + other cost`` and the cost per instance is executions × that.
- **Flows** holds the routing probabilities and the weight ``w`` of each flow
  (the probability out of an exclusive split, 1 otherwise, divided by the
  in-degree at a parallel join).
- **Expected executions** builds ``A = I - Wᵀ`` over all nodes from those
  weights and solves ``x = MMULT(MINVERSE(A), e_start)`` as an array formula,
  beside the engine's figures. Above :data:`MATRIX_NODE_LIMIT` nodes the
  engine's values are written instead, and a note says so.
- **By value** sums the Activities' cost per instance by value class (SUMIF).
- **Summary** (cost per instance and per year, labour minutes, cost by value
  class, end-event probabilities, and with a baseline the savings),
  **Comparison** (with a baseline: activity by activity, both variants'
  figures linked), **Baseline** (the baseline's activities priced from the
  same Catalogue rows as the candidate's wherever a pool is shared, so a rate
  edit moves both alike and the saving only by the difference of work; a
  pool a variant overrides has a row per variant, an edit of one a price
  effect), **Bridge**, **Saving split** (cash, freed capacity, price effects,
  Δ FTE per pool; when the report's inputs carry the split, as the reporting
  workflow's do) and **Price effects**, the views ``compare`` shows as
  numbers, **Change log** and **Provenance** (SHA-256 of every input file).

The Activities, Resources, By value, Comparison and Change log sheets are the
views of :mod:`abc_costing.reports.views`: their columns (with the views'
labels and currency), their rows in the views' order, the "other costs" row
and the total row, whose figures are SUMs of the rows above. The workbook
adds its inputs (minutes per resource, rates per month) and its own formulas.

Input cells are blue on yellow (a salary, a contribution rule, a rate, a
minute, a probability); change one and every dependent figure moves once the
workbook is recalculated (Excel does so on open; in LibreOffice, Data ▸
Calculate ▸ Recalculate Hard). Every formula carries the engine's
figure as its cached value, so viewers without a calculation engine show the
right numbers too. Text from the model (names, ids, titles, change-log values)
is always written as text, with Excel's quote prefix when it starts like a
formula (see :data:`~abc_costing.formats.csv_files.FORMULA_STARTS`), so
``=HYPERLINK(...)`` as an activity name stays those characters.

Examples
--------
>>> import io
>>> from openpyxl import load_workbook
>>> from abc_costing.reports.provenance import build_report_inputs
>>> inputs = build_report_inputs("process_models/contract_approval/as_is.yaml",
...                              baseline_path=None, user="ivan", change_log=None)
>>> book = load_workbook(io.BytesIO(workbook_bytes(inputs)))
>>> book.sheetnames  # doctest: +NORMALIZE_WHITESPACE
['Summary', 'Activities', 'Resources', 'Catalogue', 'Payroll rules', 'By value', 'Flows',
 'Expected executions', 'Change log', 'Provenance']
>>> book["Activities"]["B5"].value, book["Activities"]["Q5"].value
('Подготовка проекта договора', '=L5*P5')
>>> cached = load_workbook(io.BytesIO(workbook_bytes(inputs)), data_only=True)
>>> round(cached["Summary"]["B10"].value, 2) == round(inputs.result.cost_per_instance, 2)
True
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, assert_never

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell

from abc_costing.engine import ResourceCost
from abc_costing.formats.csv_files import FORMULA_STARTS
from abc_costing.i18n import LANGUAGES, N_, Language, Message, translate, translator
from abc_costing.model import VALUE_CLASSES, LaborResource, PerUseResource, ProcessModel
from abc_costing.numbers import excel_money_format
from abc_costing.reports.provenance import ReportInputs
from abc_costing.reports.views import (
    Row,
    RowKind,
    TableView,
    Unit,
    activities_view,
    activity_changes_view,
    bridge_view,
    change_log_view,
    price_effects_view,
    resources_view,
    saving_split_view,
    value_classes_view,
)
from abc_costing.reports.workbook_catalogue import (
    C_CAPACITY,
    C_COST_MONTH,
    C_COST_USE,
    C_RATE_HOUR,
    CATALOGUE_SHEET,
    RULES_SHEET,
    CatalogueSheets,
)

__all__ = ["KEY_LABELS", "MATRIX_NODE_LIMIT", "SHEET_TITLES", "CellWriter", "key_label",
           "sheet_title", "workbook_bytes"]

#: Above this many nodes the expected executions are the engine's values, not
#: MINVERSE/MMULT (a spreadsheet inverts a 200 × 200 matrix comfortably; a
#: 2,000 × 2,000 one is 4 million cells).
MATRIX_NODE_LIMIT = 200

# Every table: title in row 1, a note in row 2, header in row 4, data from row 5.
_TITLE, _NOTE, _ABOVE, _HEADER, _FIRST = 0, 1, 2, 3, 4

#: Money in the writer's currency: :meth:`CellWriter.style` makes it the currency's Excel
#: format (its digits and sign, ``#,##0.00\\ "₽"``; see abc_costing.numbers.excel_money_format).
_MONEY = "money"
_MINUTES = "#,##0.00"
_COUNT = "#,##0.000000"
_PROBABILITY = "0.0000"
_SHARE = "0.00%"
_INPUT = {"bg_color": "#FFF2CC", "font_color": "#1F4E79"}
_ENGINE = {"font_color": "#7F7F7F"}
#: The number format of each unit the workbook's views use.
_FORMATS: dict[Unit, str] = {"money": _MONEY, "minutes": _MINUTES, "executions": _COUNT,
                             "share": _SHARE, "count": "0", "people": "#,##0.00",
                             "hours": "#,##0.0", "probability": _PROBABILITY,
                             "number": "#,##0.00"}
#: How each kind of row of a view looks.
_KIND_STYLE: dict[RowKind, dict[str, object]] = {"item": {}, "other": {"italic": True},
                                                 "total": {"bold": True, "top": 1}}

# Columns of the Resources sheet.
_R_ID, _R_NAME, _R_KIND, _R_RATE_HOUR, _R_COST_MONTH, _R_CAPACITY, _R_COST_USE = range(7)
_R_RATE_MINUTE, _R_MINUTES, _R_USES, _R_COST, _R_SHARE = range(7, 12)
#: Where each column of the resources view goes; the others are the workbook's inputs.
_R_KEYS = {"id": _R_ID, "name": _R_NAME, "kind": _R_KIND, "rate_per_hour": _R_RATE_HOUR,
           "cost_per_use": _R_COST_USE, "minutes_per_instance": _R_MINUTES,
           "uses_per_instance": _R_USES, "cost_per_instance": _R_COST, "share": _R_SHARE}
# Columns of the By value sheet: the value classes view.
_V_VALUE, _V_LABEL, _V_COST, _V_SHARE = range(4)
_V_KEYS = {"value": _V_VALUE, "label": _V_LABEL, "cost_per_instance": _V_COST,
           "share": _V_SHARE}
# Columns of the Flows sheet.
_F_SEQ, _F_FROM, _F_FROM_KIND, _F_TO, _F_TO_KIND, _F_PROBABILITY, _F_DIVISOR, _F_WEIGHT = range(8)
_F_SPLIT, _F_SPLIT_SUM = 9, 10
# Columns of the Expected executions sheet; the matrix starts at _X_MATRIX.
_X_ID, _X_KIND, _X_NAME, _X_START, _X_VALUE, _X_ENGINE, _X_DIFF, _X_MATRIX = 0, 1, 2, 3, 4, 5, 6, 8
# Rows of the Summary sheet (value in column B).
_S_ROWS = ("process", "variant", "title", "currency", "volume_per_year", "cost_per_instance",
           "cost_per_year", "labor_minutes_per_instance", "other_cost_per_instance",
           *(f"cost_per_instance: {value}" for value in VALUE_CLASSES),
           "reconciliation: resources + other - activities")
_S = {key: _FIRST + i for i, key in enumerate(_S_ROWS)}
# Columns of the Comparison sheet; its key figures are labelled in B, valued in H.
_C_ID, _C_NAME, _C_STATUS, _C_BASE_EXEC, _C_CAND_EXEC, _C_BASE_COST, _C_CAND_COST, _C_DELTA = (
    range(8))
_C_KEYS = {"id": _C_ID, "name": _C_NAME, "status": _C_STATUS,
           "baseline_expected_executions": _C_BASE_EXEC,
           "candidate_expected_executions": _C_CAND_EXEC,
           "baseline_cost_per_instance": _C_BASE_COST,
           "candidate_cost_per_instance": _C_CAND_COST, "delta": _C_DELTA}
# The labour durations as written (the activities view's ``labor``) stand left of the minutes.
_A_LABOR = 3
# Columns of the Baseline sheet; the baseline's minutes and uses per resource follow _B_FIRST.
_B_ID, _B_NAME, _B_VALUE, _B_EXEC, _B_FIRST = range(5)

#: The sheets of the comparison's money (each one view, figures computed by abc-costing).
_BRIDGE, _SPLIT, _PRICES = "Bridge", "Saving split", "Price effects"
_COMPARISON_SHEETS = ("Comparison", "Baseline", _BRIDGE, _SPLIT, _PRICES)
_SHEETS = ("Summary", "Activities", "Resources", CATALOGUE_SHEET, RULES_SHEET, "By value", "Flows",
           "Expected executions", *_COMPARISON_SHEETS, "Change log", "Provenance")
#: Each sheet's name for readers (the English name is its key in the code). Every name
#: fits Excel's 31 characters and avoids []:*?/\ in every language.
SHEET_TITLES: dict[str, Message] = {
    "Summary": N_("Summary"), "Activities": N_("Activities"), "Resources": N_("Resources"),
    CATALOGUE_SHEET: N_("Catalogue"), RULES_SHEET: N_("Payroll rules"),
    "By value": N_("By value"), "Flows": N_("Flows"),
    "Expected executions": N_("Expected executions"), "Comparison": N_("Comparison"),
    "Baseline": N_("Baseline"), _BRIDGE: N_("Bridge"), _SPLIT: N_("Saving split"),
    _PRICES: N_("Price effects"), "Change log": N_("Change log"),
    "Provenance": N_("Provenance")}


#: What a reader of another language sees for the machine names the English workbook shows
#: as they are (the Summary's and Comparison's rows, the Provenance's fields and inputs): the
#: English keeps the names an auditor's own formulas and ``report --verify`` know.
KEY_LABELS: dict[str, Message] = {
    "item": N_("Item"), "value": N_("Value (in the workbook)"),
    "how it is computed": N_("How it is computed"), "process": N_("Process"),
    "variant": N_("Variant"), "title": N_("Title"), "currency": N_("Currency"),
    "volume_per_year": N_("Instances per year"), "cost_per_instance": N_("Cost per instance"),
    "cost_per_year": N_("Cost per year"),
    "labor_minutes_per_instance": N_("Labour minutes per instance"),
    "other_cost_per_instance": N_("Other costs per instance"),
    "reconciliation: resources + other - activities":
        N_("Reconciliation: resources + other costs − activities"),
    "baseline_cost_per_instance": N_("Cost per instance of the baseline"),
    "candidate_cost_per_instance": N_("Cost per instance of the candidate"),
    "saving_per_instance": N_("Saving per instance"), "saving_share": N_("Saving, share"),
    "baseline_volume_per_year": N_("Instances per year of the baseline"),
    "candidate_volume_per_year": N_("Instances per year of the candidate"),
    "baseline_cost_per_year": N_("Cost per year of the baseline"),
    "candidate_cost_per_year": N_("Cost per year of the candidate"),
    "saving_per_year": N_("Saving per year"),
    "tool": N_("Tool"), "version": N_("Version"), "generated_at": N_("Generated at (UTC)"),
    "user": N_("User"), "change_log_head": N_("Head of the change log"),
    "role": N_("Role"), "path": N_("File"), "sha256": N_("SHA-256"),
    "change_log_file": N_("Change-log file"), "model": N_("model (the reported variant)"),
    "baseline": N_("baseline"), "catalogue": N_("resource catalogue"),
    # node, resource and regime kinds
    "activity": N_("Activity"), "start": N_("start event"), "end": N_("end event"),
    "exclusive": N_("exclusive gateway"), "parallel": N_("parallel gateway"),
    "labor": N_("labor"), "per_use": N_("per_use"), "general": N_("general regime"),
    "sme": N_("SME regime")}


def key_label(key: str, language: Language) -> str:
    """What a reader of ``language`` sees for a machine name: the name itself in English.

    >>> key_label("cost_per_instance", "en"), key_label("cost_per_instance", "ru")
    ('cost_per_instance', 'Стоимость экземпляра')
    """
    if language == "en" or key not in KEY_LABELS:
        return key
    return translate(KEY_LABELS[key], language)


def _key_of(label: object) -> object:
    """The machine name a label of any language stands for (what :func:`key_label` made)."""
    for key in KEY_LABELS:
        if any(label == key_label(key, language) for language in LANGUAGES):
            return key
    return label


def sheet_title(sheet: str, language: Language) -> str:
    """The name a reader of ``language`` sees for the sheet keyed ``sheet``.

    >>> sheet_title("Activities", "en"), sheet_title("Activities", "ru")
    ('Activities', 'Действия')
    """
    return translate(SHEET_TITLES[sheet], language)


def workbook_bytes(inputs: ReportInputs, *, language: Language = "en") -> bytes:
    """The audit workbook of ``inputs`` as ``.xlsx`` bytes (see the module docstring).

    The sheets are Summary, Activities, Resources, Catalogue, Payroll rules, By
    value, Flows, Expected executions, with a baseline Comparison, Baseline,
    Bridge, Saving split (with ``inputs.split``) and Price effects, then Change
    log and Provenance. The same
    inputs (including ``provenance.generated_at``) give the same bytes.
    Sheet names, titles, notes and labels are in ``language`` (sheet names
    quoted in formulas, so ``='Действия'!$Q$12`` works as ``=Activities!$Q$12``);
    the named cells (``cost_per_instance``, ...) keep their names.
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    _Writer(book, inputs, language).write()
    book.close()
    return buffer.getvalue()


def _ref(sheet: str, row: int, col: int) -> str:
    return f"{quote_sheetname(sheet)}!{xl_rowcol_to_cell(row, col, True, True)}"


def _cell(row: int, col: int, *, absolute: bool = False) -> str:
    return xl_rowcol_to_cell(row, col, absolute, absolute)


def _col_range(sheet: str | None, col: int, first: int, last: int) -> str:
    name = xl_col_to_name(col, True)
    prefix = f"{quote_sheetname(sheet)}!" if sheet else ""
    return f"{prefix}{name}${first + 1}:{name}${last + 1}"


def _row_range(row: int, first: int, last: int, *, absolute: bool = False) -> str:
    return f"{_cell(row, first, absolute=absolute)}:{_cell(row, last, absolute=absolute)}"


def _number_text(value: float) -> str:
    return f"{value:g}"


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def _item_rows(view: TableView) -> dict[str, int]:
    """The sheet row of each item of ``view`` by its first column; a view starts at _FIRST."""
    return {str(row.values[0]): _FIRST + i for i, row in enumerate(view.rows)
            if row.kind == "item"}


def _row_of(view: TableView, kind: RowKind) -> int:
    """The sheet row of the first row of ``kind`` in ``view``."""
    return _FIRST + next(i for i, row in enumerate(view.rows) if row.kind == kind)


@dataclass(frozen=True)
class _ActivityColumns:
    """Where each figure of the Activities sheet lives (columns, 0-based)."""

    minutes: dict[str, int]  # labor resource id -> its minutes column
    uses: dict[str, int]  # per_use resource id -> its uses column
    other: int
    executions: int
    labor_minutes: int
    labor_cost: int
    use_cost: int
    cost_per_execution: int
    cost_per_instance: int
    labor_minutes_per_instance: int
    share: int
    wait_minutes: int
    wait: int  # the wait as written

    @property
    def view_keys(self) -> dict[str, int]:
        """Where each column of the activities view (with the model) goes."""
        return {"id": 0, "name": 1, "value": 2, "expected_executions": self.executions,
                "labor_minutes_per_execution": self.labor_minutes,
                "labor_cost_per_execution": self.labor_cost,
                "resource_use_cost_per_execution": self.use_cost,
                "other_cost_per_execution": self.other,
                "cost_per_execution": self.cost_per_execution,
                "cost_per_instance": self.cost_per_instance,
                "labor_minutes_per_instance": self.labor_minutes_per_instance,
                "wait_minutes_per_execution": self.wait_minutes, "share": self.share,
                "labor": _A_LABOR, "wait": self.wait}

    @classmethod
    def of(cls, model: ProcessModel) -> _ActivityColumns:
        labor: list[str] = []  # resources whose minutes an activity gives
        per_use: list[str] = []  # resources whose units an activity counts
        for resource_id, resource in model.resources.items():
            match resource:
                case LaborResource():
                    labor.append(resource_id)
                case PerUseResource():
                    per_use.append(resource_id)
                case _:
                    assert_never(resource)
        first = _A_LABOR + 1
        start = first + len(labor) + len(per_use)
        return cls({r: first + i for i, r in enumerate(labor)},
                   {r: first + len(labor) + i for i, r in enumerate(per_use)},
                   *range(start, start + 11))


def _view_format(view: TableView, row: Row, unit: Unit) -> str:
    """The number format of a view's cell: money in its row's currency, in the view's language."""
    if unit == "money":
        return excel_money_format(view.currency_of(row), view.language)
    return _FORMATS[unit]


class CellWriter:
    """Styled cells of one XlsxWriter workbook, shared by the workbooks of this package.

    Formats are made once per set of properties; text from users is always a
    string cell, quote-prefixed when it starts like a formula; every formula is
    written with its cached value, so viewers without a calculation engine show it.

    >>> import io
    >>> book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    >>> cells = CellWriter(book)
    >>> cells.style(bold=True) is cells.style(bold=True)
    True
    """

    #: The currency of ``_MONEY`` cells (None: digits only) and the reader's language.
    currency: str | None = None
    language: Language = "en"

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self._styles: dict[tuple, object] = {}

    def style(self, **props: object) -> object:
        if props.get("num_format") == _MONEY:
            props["num_format"] = excel_money_format(self.currency, self.language)
        key = tuple(sorted(props.items()))
        if key not in self._styles:
            self._styles[key] = self.book.add_format(dict(props))
        return self._styles[key]

    def text(self, ws, row: int, col: int, value: str | None, **props: object) -> None:
        """User text: always a string cell, quote-prefixed when it looks like a formula."""
        if value is None:
            return
        if value.startswith(FORMULA_STARTS):
            props["quote_prefix"] = True
        ws.write_string(row, col, value, self.style(**props) if props else None)

    def number(self, ws, row: int, col: int, value: float | None, fmt: str, **props: object):
        if value is None:
            ws.write_blank(row, col, None, self.style(num_format=fmt, **props))
        else:
            ws.write_number(row, col, value, self.style(num_format=fmt, **props))

    def formula(self, ws, row: int, col: int, formula: str, value: float | str, fmt: str,
                **props: object) -> None:
        ws.write_formula(row, col, formula, self.style(num_format=fmt, **props), value)

    def header(self, ws, row: int, labels: list[tuple[int, str]], *, widths: dict[int, float],
               title: str, note: str, freeze: bool = True) -> None:
        ws.write_string(_TITLE, 0, title, self.style(bold=True, font_size=14))
        ws.write_string(_NOTE, 0, note, self.style(italic=True, font_color="#595959"))
        ws.set_row(row, 45)
        for col, label in labels:
            self.text(ws, row, col, label, bold=True, bg_color="#D9E1F2", text_wrap=True,
                      valign="top", bottom=1)
        for col, width in widths.items():
            ws.set_column(col, col, width)
        if freeze:
            ws.freeze_panes(row + 1, 0)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)

    @staticmethod
    def view_labels(view: TableView, columns: dict[str, int]) -> list[tuple[int, str]]:
        """The header of the view's columns placed at ``columns``: the view's labels."""
        if set(columns) != set(view.keys):  # the workbook shows every column of a view
            raise AssertionError(f"{view.name}: columns {sorted(set(columns) ^ set(view.keys))}"
                                 " are placed but not in the view, or the other way round")
        # Cells stay numbers of minutes (live formulas): the header says the unit.
        return [(col, view.number_label(key)) for key, col in columns.items()]

    def view_rows(self, ws, view: TableView, columns: dict[str, int]) -> None:
        """The rows of ``view`` from row _FIRST: their text, and the total row's sums.

        Text cells are the view's, styled by the row's kind; each figure the
        view's total row holds is a SUM of the rows above (the items and the
        "other" rows), cached with the view's total. The figures of the other
        rows are the sheet's own formulas, written by its method.
        """
        for i, row in enumerate(view.rows):
            style = _KIND_STYLE[row.kind]
            for key, col in columns.items():
                column, value = view.column(key), row.value(key)
                if value is None:
                    continue
                if column.unit == "text":
                    self.text(ws, _FIRST + i, col, str(value), **style)
                elif row.kind == "total":
                    above = (f"=SUM({_col_range(None, col, _FIRST, _FIRST + i - 1)})"
                             if i else "=0")
                    self.formula(ws, _FIRST + i, col, above, value,
                                 _view_format(view, row, column.unit), **style)

    def view_table(self, ws, view: TableView, note: str) -> int:
        """Write ``view`` on ``ws``: its labels, text, numbers and SUM totals.

        Every column of the view, one row per row; the note under the title is
        ``note`` followed by the view's own. Returns the row of the view's last
        row (its total, when it has one).
        """
        columns = {key: col for col, key in enumerate(view.keys)}
        self.header(ws, _HEADER, self.view_labels(view, columns),
                    widths={col: 30 if view.column(key).unit == "text" else 16
                            for key, col in columns.items()},
                    title=translate(view.title, view.language),
                    note=note + translate(view.note or "", view.language))
        self.view_rows(ws, view, columns)
        for i, row in enumerate(view.rows):
            if row.kind == "total":
                continue
            for key, col in columns.items():
                unit, value = view.column(key).unit, row.value(key)
                if unit != "text" and value is not None:
                    self.number(ws, _FIRST + i, col, value, _view_format(view, row, unit),
                                **_KIND_STYLE[row.kind])
        return _FIRST + len(view.rows) - 1


class _Writer(CellWriter):
    """Writes one workbook; positions are fixed up front so sheets can refer to each other."""

    def __init__(self, book: xlsxwriter.Workbook, inputs: ReportInputs,
                 language: Language = "en") -> None:
        super().__init__(book)
        self.inputs = inputs
        self.language = language
        self._ = translator(language)
        self.sheet_name = {key: sheet_title(key, language) for key in _SHEETS}
        self.model = inputs.model
        self.result = inputs.result
        self.currency = inputs.model.currency
        self.sheets = {
            name: book.add_worksheet(self.sheet_name[name])
            for name in _SHEETS
            if name not in _COMPARISON_SHEETS
            or inputs.comparison is not None and (name != _SPLIT or inputs.split is not None)
        }
        self.cols = _ActivityColumns.of(self.model)
        # The tables' rows, labels and totals are the views'; their formulas are the workbook's.
        self.activity_view = activities_view(self.result, model=self.model).in_language(language)
        self.resource_view = resources_view(self.result).in_language(language)
        self.value_view = value_classes_view(self.result).in_language(language)
        self.activity_row = _item_rows(self.activity_view)
        self.activity_total_row = _row_of(self.activity_view, "total")
        self.resource_row = _item_rows(self.resource_view)
        self.other_cost_row = _row_of(self.resource_view, "other")
        self.resource_total_row = _row_of(self.resource_view, "total")
        # Keyed by the class's key, as the result's by_value is (the view before it is
        # said again: the same rows in the same order); the sheet shows the reader's word.
        self.value_keys = value_classes_view(self.result)
        self.value_row = _item_rows(self.value_keys)
        self.node_ids = tuple(self.model.node_kinds)
        self.node_row = {n: _FIRST + i for i, n in enumerate(self.node_ids)}
        self.flow_row = [_FIRST + i for i in range(len(self.model.flows))]
        self.weights = self._weights()
        self.comparison_rows = self._comparison_rows()
        self.catalogue = CatalogueSheets(self)
        self.baseline_row: dict[str, int] = {}  # baseline activity -> its Baseline sheet row
        self.baseline_cols: dict[str, int] = {}

    def money(self, label: str) -> str:
        return f"{label}, {self.currency}"  # the ISO code, as the views' labels say it

    def key(self, key: str) -> str:
        """The reader's label of a machine name (:func:`key_label`)."""
        return key_label(key, self.language)

    def ref(self, sheet: str, row: int, col: int) -> str:
        """An absolute reference to a cell of the sheet keyed ``sheet`` (by its shown name)."""
        return _ref(self.sheet_name[sheet], row, col)

    # -- layout helpers ----------------------------------------------------------------------

    def _weights(self) -> list[tuple[float, int]]:
        """(weight, parallel-join in-degree) of every flow, as the engine computes them."""
        kinds = self.model.node_kinds
        in_degree: dict[str, int] = defaultdict(int)
        for flow in self.model.flows:
            in_degree[flow.target] += 1
        weights = []
        for flow in self.model.flows:
            divisor = in_degree[flow.target] if kinds.get(flow.target) == "parallel" else 1
            divisor = max(divisor, 1)
            probability = flow.probability
            if isinstance(probability, dict):  # by case class: no one weight (see flows)
                weights.append((math.nan, divisor))
                continue
            probability = 1.0 if probability is None else probability
            weights.append((probability / divisor, divisor))
        return weights

    def _comparison_rows(self) -> dict[str, int]:
        comparison = self.inputs.comparison
        if comparison is None:
            return {}
        total = _row_of(activity_changes_view(comparison), "total")
        keys = ("baseline_cost_per_instance", "candidate_cost_per_instance", "saving_per_instance",
                "saving_share", "baseline_volume_per_year", "candidate_volume_per_year",
                "baseline_cost_per_year", "candidate_cost_per_year", "saving_per_year")
        rows = {"total": total}
        rows.update({key: total + 2 + i for i, key in enumerate(keys)})
        return rows

    def activity_ref(self, activity_id: str, col: int) -> str:
        return self.ref("Activities", self.activity_row[activity_id], col)

    @property
    def total_ref(self) -> str:
        return self.ref("Activities", self.activity_total_row, self.cols.cost_per_instance)

    def activities_range(self, col: int) -> str | None:
        if not self.model.activities:
            return None
        return _col_range(self.sheet_name["Activities"], col, _FIRST,
                          self.activity_total_row - 1)

    # -- sheets ------------------------------------------------------------------------------

    def write(self) -> None:
        provenance, _ = self.inputs.provenance, self._
        self.book.set_properties({
            "title": f"abc-costing: {self.model.process} / {self.model.variant}",
            "subject": _("Activity-based costing audit workbook"),
            "author": provenance.user,
            "comments": f"{provenance.tool} {provenance.version}",
            "created": _parse_time(provenance.generated_at),
        })
        self.catalogue.write()
        self.resources()
        self.activities()
        self.by_value()
        self.flows()
        self.executions()
        if self.inputs.comparison is not None:
            self.baseline()
            self.comparison()
            self.money_views()
        self.summary()
        self.change_log()
        self.provenance()

    def resources(self) -> None:
        _ = self._
        ws = self.sheets["Resources"]
        view = self.resource_view
        self.header(ws, _HEADER, [
            *self.view_labels(view, _R_KEYS),
            (_R_COST_MONTH, self.money(_("Cost per month"))),
            (_R_CAPACITY, _("Practical capacity, h per month (практическая ёмкость)")),
            (_R_RATE_MINUTE, self.money(_("Rate per minute"))),
        ], widths={_R_ID: 20, _R_NAME: 40, _R_KIND: 9, **dict.fromkeys(range(3, 12), 15)},
            title=_("Resources: rates (from the Catalogue) and what one instance uses"),
            note=_("Rates, costs per month, capacities and costs per use link to the Catalogue "
                   "sheet, where they are inputs or payroll formulas. Rate per minute = rate per "
                   "hour / 60; minutes and uses per instance = SUMPRODUCT of the Activities "
                   "columns with expected executions."))
        self.view_rows(ws, view, _R_KEYS)
        cols = self.cols
        executions = self.activities_range(cols.executions)
        for resource_id, row in self.resource_row.items():
            resource = self.model.resources[resource_id]
            figures = self.result.resource(resource_id)
            match resource:
                case LaborResource():
                    cost = self._labor_cells(ws, row, resource_id, resource, figures, executions)
                case PerUseResource():
                    cost = self._per_use_cells(ws, row, resource_id, resource, figures,
                                               executions)
                case _:
                    assert_never(resource)
            self.formula(ws, row, _R_COST, cost, figures.cost_per_instance, _MONEY)
            self.share(ws, row, _R_SHARE, _cell(row, _R_COST), figures.share)

        row = self.other_cost_row
        other = self.activities_range(cols.other)
        self.formula(ws, row, _R_COST, f"=SUMPRODUCT({other},{executions})" if other else "=0",
                     self.result.other_cost_per_instance, _MONEY, italic=True)
        self.share(ws, row, _R_SHARE, _cell(row, _R_COST),
                   self.resource_view.rows[row - _FIRST].value("share"), italic=True)
        ws.autofilter(_HEADER, 0, self.other_cost_row - 1, _R_SHARE)

    def _labor_cells(self, ws, row: int, resource_id: str, resource: LaborResource,
                     figures: ResourceCost, executions: str | None) -> str:
        """The rate and minutes cells of a labour resource; returns its cost formula.

        The rate, cost per month and capacity are links to the Catalogue sheet.
        """
        link = self.catalogue.cells.ref
        self.formula(ws, row, _R_RATE_HOUR, f"={link(resource_id, C_RATE_HOUR)}",
                     figures.rate_per_minute * 60, _MONEY)
        if resource.cost_per_month is not None:
            self.formula(ws, row, _R_COST_MONTH, f"={link(resource_id, C_COST_MONTH)}",
                         resource.cost_per_month, _MONEY)
        if resource.capacity_hours_per_month is not None:
            self.formula(ws, row, _R_CAPACITY, f"={link(resource_id, C_CAPACITY)}",
                         resource.capacity_hours_per_month, _MINUTES)
        self.formula(ws, row, _R_RATE_MINUTE, f"={_cell(row, _R_RATE_HOUR)}/60",
                     figures.rate_per_minute, "#,##0.0000")
        minutes = self.activities_range(self.cols.minutes[resource_id])
        self.formula(ws, row, _R_MINUTES,
                     f"=SUMPRODUCT({minutes},{executions})" if minutes else "=0",
                     figures.minutes_per_instance, _MINUTES)
        return f"={_cell(row, _R_MINUTES)}*{_cell(row, _R_RATE_MINUTE)}"

    def _per_use_cells(self, ws, row: int, resource_id: str, resource: PerUseResource,
                       figures: ResourceCost, executions: str | None) -> str:
        """The cost-per-use and uses cells of a per-use resource; returns its cost formula."""
        self.formula(ws, row, _R_COST_USE,
                     f"={self.catalogue.cells.ref(resource_id, C_COST_USE)}",
                     resource.cost_per_use, _MONEY)
        uses = self.activities_range(self.cols.uses[resource_id])
        self.formula(ws, row, _R_USES,
                     f"=SUMPRODUCT({uses},{executions})" if uses else "=0",
                     figures.uses_per_instance, "#,##0.0000")
        return f"={_cell(row, _R_USES)}*{_cell(row, _R_COST_USE)}"

    def share(self, ws, row: int, col: int, amount: str, value: float, **props: object) -> None:
        total = self.total_ref
        self.formula(ws, row, col, f"=IF({total}=0,0,{amount}/{total})", value, _SHARE, **props)

    def activities(self) -> None:
        _ = self._
        ws = self.sheets["Activities"]
        cols, view = self.cols, self.activity_view
        labels = self.view_labels(view, cols.view_keys)
        labels += [(c, _("{resource}, min", resource=r)) for r, c in cols.minutes.items()]
        labels += [(c, _("{resource}, uses", resource=r)) for r, c in cols.uses.items()]
        self.header(ws, _HEADER, labels,
                    widths={**{c: 14 for c, _label in labels},
                            0: 20, 1: 45, 2: 13, _A_LABOR: 34, cols.wait: 28},
                    title=_("Activities: cost of one execution and of one process instance"),
                    note=_("Minutes are the means of the durations as written (the exact engine "
                           "uses means). Row 3 repeats each resource's rate from Resources; cost "
                           "per execution = SUMPRODUCT(rates, minutes) + SUMPRODUCT(costs per "
                           "use, uses) + other cost; cost per instance = executions × that."))
        ws.freeze_panes(_HEADER + 1, 2)

        ws.write_string(_ABOVE, _A_LABOR, self.money(_("rate per minute / cost per use")) + " →",
                        self.style(italic=True, align="right"))
        for resource_id, col in cols.minutes.items():
            row = self.resource_row[resource_id]
            self.formula(ws, _ABOVE, col, f"={self.ref('Resources', row, _R_RATE_MINUTE)}",
                         self.result.resource(resource_id).rate_per_minute, "#,##0.0000")
        for resource_id, col in cols.uses.items():
            row = self.resource_row[resource_id]
            self.formula(ws, _ABOVE, col, f"={self.ref('Resources', row, _R_COST_USE)}",
                         self.result.resource(resource_id).cost_per_use, _MONEY)

        self.view_rows(ws, view, cols.view_keys)
        labor_cols = sorted(cols.minutes.values())
        use_cols = sorted(cols.uses.values())
        for activity_id, row in self.activity_row.items():
            activity = self.model.activities[activity_id]
            figures = self.result.activity(activity_id)
            for resource_id, col in cols.minutes.items():
                duration = activity.labor.get(resource_id)
                self.number(ws, row, col, duration.mean_minutes if duration else None,
                            _MINUTES, **_INPUT)
            for resource_id, col in cols.uses.items():
                self.number(ws, row, col, activity.uses.get(resource_id), "#,##0.####",
                            **_INPUT)
            self.number(ws, row, cols.other, activity.other_cost, _MONEY, **_INPUT)
            self.formula(ws, row, cols.executions,
                         "=" + self.ref("Expected executions", self.node_row[activity_id],
                                        _X_VALUE),
                         figures.expected_executions, _COUNT)
            if labor_cols:
                minutes = _row_range(row, labor_cols[0], labor_cols[-1])
                rates = _row_range(_ABOVE, labor_cols[0], labor_cols[-1], absolute=True)
                self.formula(ws, row, cols.labor_minutes, f"=SUM({minutes})",
                             figures.labor_minutes_per_execution, _MINUTES)
                self.formula(ws, row, cols.labor_cost, f"=SUMPRODUCT({rates},{minutes})",
                             figures.labor_cost_per_execution, _MONEY)
            else:
                self.number(ws, row, cols.labor_minutes, 0.0, _MINUTES)
                self.number(ws, row, cols.labor_cost, 0.0, _MONEY)
            if use_cols:
                uses = _row_range(row, use_cols[0], use_cols[-1])
                costs = _row_range(_ABOVE, use_cols[0], use_cols[-1], absolute=True)
                self.formula(ws, row, cols.use_cost, f"=SUMPRODUCT({costs},{uses})",
                             figures.resource_use_cost_per_execution, _MONEY)
            else:
                self.number(ws, row, cols.use_cost, 0.0, _MONEY)
            self.formula(ws, row, cols.cost_per_execution,
                         f"={_cell(row, cols.labor_cost)}+{_cell(row, cols.use_cost)}"
                         f"+{_cell(row, cols.other)}", figures.cost_per_execution, _MONEY)
            self.formula(ws, row, cols.cost_per_instance,
                         f"={_cell(row, cols.executions)}*{_cell(row, cols.cost_per_execution)}",
                         figures.cost_per_instance, _MONEY)
            self.formula(ws, row, cols.labor_minutes_per_instance,
                         f"={_cell(row, cols.executions)}*{_cell(row, cols.labor_minutes)}",
                         figures.labor_minutes_per_instance, _MINUTES)
            self.share(ws, row, cols.share, _cell(row, cols.cost_per_instance), figures.share)
            # The mean wait: shown beside its distribution, it costs nothing.
            self.number(ws, row, cols.wait_minutes, figures.wait_minutes_per_execution,
                        _MINUTES, **_ENGINE)
        ws.autofilter(_HEADER, 0, max(self.activity_total_row - 1, _HEADER), cols.wait)

    def by_value(self) -> None:
        _ = self._
        ws = self.sheets["By value"]
        view = self.value_view
        self.header(ws, _HEADER, self.view_labels(view, _V_KEYS),
                    widths={_V_VALUE: 16, _V_LABEL: 24, _V_COST: 18, _V_SHARE: 12},
                    title=_("Cost of one process instance by value class"),
                    note=_("Cost per instance = SUMIF of the Activities' cost per instance over "
                           "their value class; share = that / the Activities total."))
        self.view_rows(ws, view, _V_KEYS)
        classes = self.activities_range(2)
        costs = self.activities_range(self.cols.cost_per_instance)
        for value, row in self.value_row.items():
            self.formula(ws, row, _V_COST,
                         f"=SUMIF({classes},{_cell(row, _V_VALUE)},{costs})" if classes
                         else "=0", self.result.by_value[value], _MONEY)
            self.share(ws, row, _V_SHARE, _cell(row, _V_COST),
                       view.rows[row - _FIRST].value("share"))

    def flows(self) -> None:
        _ = self._
        ws = self.sheets["Flows"]
        self.header(ws, _HEADER, [
            (_F_SEQ, "#"), (_F_FROM, _("from")), (_F_FROM_KIND, _("from_kind")),
            (_F_TO, _("to")), (_F_TO_KIND, _("to_kind")), (_F_PROBABILITY, _("probability")),
            (_F_DIVISOR, _("parallel_join_in_degree")), (_F_WEIGHT, _("weight")),
            (_F_SPLIT, _("exclusive split")), (_F_SPLIT_SUM, _("sum of its probabilities")),
        ], widths={_F_SEQ: 5, _F_FROM: 22, _F_FROM_KIND: 10, _F_TO: 22, _F_TO_KIND: 10,
                   _F_PROBABILITY: 12, _F_DIVISOR: 12, _F_WEIGHT: 12, _F_SPLIT: 22,
                   _F_SPLIT_SUM: 14},
            title=_("Flows: routing probabilities (inputs) and the weights of the routing "
                    "equations"),
            note=_("weight = probability (1 when the flow leaves no exclusive split) / the "
                   "number of flows entering a parallel join (1 elsewhere). Change a probability "
                   "together with its complement: the probabilities leaving a split must sum to "
                   "1."))
        kinds = self.model.node_kinds
        splits: dict[str, list[int]] = defaultdict(list)
        by_class: set[str] = set()  # splits with a probability by case class: no one sum
        for i, flow in enumerate(self.model.flows):
            row = self.flow_row[i]
            weight, divisor = self.weights[i]
            ws.write_number(row, _F_SEQ, i + 1)
            self.text(ws, row, _F_FROM, flow.source)
            ws.write_string(row, _F_FROM_KIND, self.key(kinds.get(flow.source, "?")))
            self.text(ws, row, _F_TO, flow.target)
            ws.write_string(row, _F_TO_KIND, self.key(kinds.get(flow.target, "?")))
            ws.write_number(row, _F_DIVISOR, divisor)
            if isinstance(flow.probability, dict):
                # Each class's probability, as text: the weight differs by class, so
                # the executions are the engine's (see executions) and no weight is shown.
                ws.write_string(row, _F_PROBABILITY, "; ".join(
                    f"{class_id}: {p:g}" for class_id, p in flow.probability.items()))
                ws.write_string(row, _F_WEIGHT, _("by case class"))
                by_class.add(flow.source)
                continue
            self.number(ws, row, _F_PROBABILITY, flow.probability, _PROBABILITY, **_INPUT)
            probability = _cell(row, _F_PROBABILITY)
            self.formula(ws, row, _F_WEIGHT,
                         f"=IF(ISNUMBER({probability}),{probability},1)/{_cell(row, _F_DIVISOR)}",
                         weight, _PROBABILITY)
            if flow.probability is not None:
                splits[flow.source].append(row)
        summed = [(split, rows) for split, rows in splits.items() if split not in by_class]
        for offset, (split, rows) in enumerate(summed):
            row = _FIRST + offset
            self.text(ws, row, _F_SPLIT, split)
            total = sum(p for r in rows  # splits by case class are left out above
                        if isinstance(p := self.model.flows[r - _FIRST].probability, float))
            self.formula(ws, row, _F_SPLIT_SUM,
                         "=" + "+".join(_cell(r, _F_PROBABILITY) for r in rows), total,
                         _PROBABILITY)
        if self.model.flows:
            ws.autofilter(_HEADER, 0, self.flow_row[-1], _F_WEIGHT)

    def executions(self) -> None:
        _ = self._
        ws = self.sheets["Expected executions"]
        n = len(self.node_ids)
        live = n <= MATRIX_NODE_LIMIT and not self.model.case_classes
        if self.model.case_classes:
            note = _("This model has case classes: the expected executions are the engine's "
                     "values (each class's routing solved with its own probabilities, mixed by "
                     "the classes' shares), not formulas; change probabilities in the model "
                     "file and report again.")
        elif live:
            note = _("x = MMULT(MINVERSE(A), e_start), A = I - Wᵀ (row v, column u: [v = u] "
                     "minus the weights of the flows u → v, linked to Flows). Change a "
                     "probability on Flows and every figure follows.")
        else:
            note = _("This model has {count} nodes (more than {limit}): the expected executions "
                     "are the engine's values, not formulas; change probabilities in the model "
                     "file and report again.", count=n, limit=MATRIX_NODE_LIMIT)
        labels = [(_X_ID, _("node")), (_X_KIND, _("kind")), (_X_NAME, _("name")),
                  (_X_START, "e_start"), (_X_VALUE, _("expected_executions")),
                  (_X_ENGINE, _("engine (abc-costing)")), (_X_DIFF, _("difference"))]
        if live:
            labels += [(_X_MATRIX + j, node) for j, node in enumerate(self.node_ids)]
            ws.write_string(_ABOVE, _X_MATRIX, "A = I - Wᵀ", self.style(bold=True))
        self.header(ws, _HEADER, labels,
                    widths={_X_ID: 20, _X_KIND: 10, _X_NAME: 40, _X_START: 8, _X_VALUE: 16,
                            _X_ENGINE: 16, _X_DIFF: 11},
                    title=_("Expected executions of every node per process instance"),
                    note=note)
        if live and n:
            ws.set_column(_X_MATRIX, _X_MATRIX + n - 1, 9)
        ws.freeze_panes(_HEADER + 1, 1)

        engine = self.result.expected_executions
        kinds = self.model.node_kinds
        for node in self.node_ids:
            row = self.node_row[node]
            self.text(ws, row, _X_ID, node)
            ws.write_string(row, _X_KIND, self.key(kinds[node]))
            self.text(ws, row, _X_NAME, self.model.display_name(node))
            ws.write_number(row, _X_START, 1.0 if kinds[node] == "start" else 0.0)
            self.number(ws, row, _X_ENGINE, engine[node], _COUNT, **_ENGINE)
            self.formula(ws, row, _X_DIFF, f"={_cell(row, _X_VALUE)}-{_cell(row, _X_ENGINE)}",
                         0.0, "0.0E+00")
            if not live:
                self.number(ws, row, _X_VALUE, engine[node], _COUNT)
        if not live or not n:
            return

        # A[v][u] = [v = u] - Σ weights of the flows u -> v.
        flows_into: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, flow in enumerate(self.model.flows):
            flows_into[(flow.target, flow.source)].append(i)
        grey = {"font_color": "#A6A6A6"}
        for v in self.node_ids:
            row = self.node_row[v]
            for j, u in enumerate(self.node_ids):
                diagonal = 1.0 if u == v else 0.0
                flows = flows_into.get((v, u))
                if not flows:
                    self.number(ws, row, _X_MATRIX + j, diagonal, "0.####", **grey)
                    continue
                terms = "".join(f"-{self.ref('Flows', self.flow_row[i], _F_WEIGHT)}" for i in flows)
                value = diagonal - sum(self.weights[i][0] for i in flows)
                self.formula(ws, row, _X_MATRIX + j, f"={'1' if diagonal else ''}{terms}",
                             value, "0.####")
        first, last = _FIRST, _FIRST + n - 1
        matrix = (f"{_cell(first, _X_MATRIX, absolute=True)}:"
                  f"{_cell(last, _X_MATRIX + n - 1, absolute=True)}")
        start = _col_range(None, _X_START, first, last)
        ws.write_array_formula(first, _X_VALUE, last, _X_VALUE,
                               f"{{=MMULT(MINVERSE({matrix}),{start})}}",
                               self.style(num_format=_COUNT), engine[self.node_ids[0]])
        # The other cells of an array formula hold only its cached results.
        for node in self.node_ids[1:]:
            self.number(ws, self.node_row[node], _X_VALUE, engine[node], _COUNT)

    def baseline(self) -> None:
        """The baseline's activities priced from the Catalogue rows that price it.

        Its executions are the engine's (the baseline file's routing is not an
        input here); its minutes, uses and other costs are inputs; each rate
        links to the Catalogue: a pool both variants share to the candidate's
        row, so that a rate edit moves both alike (see
        :func:`~abc_costing.reports.workbook_catalogue.shared_pools`).
        """
        _ = self._
        baseline, result = self.inputs.baseline, self.inputs.baseline_result
        assert baseline is not None and result is not None
        ws = self.sheets["Baseline"]
        view = activities_view(result, model=baseline).in_language(self.language)
        resources = list(baseline.resources)  # labour then per-use, as the engine lists them
        labor = [r for r in resources if isinstance(baseline.resources[r], LaborResource)]
        per_use = [r for r in resources if isinstance(baseline.resources[r], PerUseResource)]
        columns = {r: _B_FIRST + i for i, r in enumerate([*labor, *per_use])}
        other = _B_FIRST + len(columns)
        per_execution, per_instance = other + 1, other + 2
        self.baseline_cols = {"expected_executions": _B_EXEC, "cost_per_instance": per_instance}
        labels = [(_B_ID, view.label("id")), (_B_NAME, view.label("name")),
                  (_B_VALUE, view.label("value")),
                  (_B_EXEC, view.label("expected_executions")),
                  *((c, _("{resource}, min", resource=r) if r in labor
                     else _("{resource}, uses", resource=r)) for r, c in columns.items()),
                  (other, view.label("other_cost_per_execution")),
                  (per_execution, view.label("cost_per_execution")),
                  (per_instance, view.label("cost_per_instance"))]
        self.header(ws, _HEADER, labels,
                    widths={**{c: 14 for c, _ in labels}, _B_ID: 20, _B_NAME: 45},
                    title=_("Baseline '{variant}': its activities priced from the Catalogue",
                            variant=baseline.variant),
                    note=_("Row 3: each resource's rate per minute or cost per use, linked to the "
                           "Catalogue row that prices the baseline: the candidate's row for a "
                           "pool both variants take unchanged (a rate edit moves both alike and "
                           "is no saving), the baseline's own row for a pool a variant overrides "
                           "(an edit of it is a price effect). Executions are the engine's from "
                           "the baseline file (grey); cost per execution = SUMPRODUCT(rates, "
                           "minutes and uses) + other cost; cost per instance = executions × "
                           "that."))
        ws.freeze_panes(_HEADER + 1, 2)
        ws.write_string(_ABOVE, _B_EXEC, self.money(_("rate per minute / cost per use")) + " →",
                        self.style(italic=True, align="right"))
        ref = self.catalogue.cells.ref
        for resource_id, col in columns.items():
            prices = result.resource(resource_id)
            if resource_id in labor:
                self.formula(ws, _ABOVE, col,
                             f"={ref(resource_id, C_RATE_HOUR, baseline=True)}/60",
                             prices.rate_per_minute, "#,##0.0000")
            else:
                self.formula(ws, _ABOVE, col, f"={ref(resource_id, C_COST_USE, baseline=True)}",
                             prices.cost_per_use, _MONEY)
        self.baseline_row = _item_rows(view)
        for activity_id, row in self.baseline_row.items():
            activity, figures = baseline.activities[activity_id], result.activity(activity_id)
            self.text(ws, row, _B_ID, activity_id)
            self.text(ws, row, _B_NAME, figures.name)
            self.text(ws, row, _B_VALUE, figures.value)
            self.number(ws, row, _B_EXEC, figures.expected_executions, _COUNT, **_ENGINE)
            for resource_id, col in columns.items():
                duration = activity.labor.get(resource_id)
                amount = (duration.mean_minutes if duration else None) if resource_id in labor \
                    else activity.uses.get(resource_id)
                self.number(ws, row, col, amount, "#,##0.####", **_INPUT)
            self.number(ws, row, other, activity.other_cost, _MONEY, **_INPUT)
            priced = (f"SUMPRODUCT({_row_range(_ABOVE, _B_FIRST, other - 1, absolute=True)},"
                      f"{_row_range(row, _B_FIRST, other - 1)})+" if columns else "")
            self.formula(ws, row, per_execution, f"={priced}{_cell(row, other)}",
                         figures.cost_per_execution, _MONEY)
            self.formula(ws, row, per_instance,
                         f"={_cell(row, _B_EXEC)}*{_cell(row, per_execution)}",
                         figures.cost_per_instance, _MONEY)
        total = _row_of(view, "total")
        ws.write_string(total, _B_ID, view.rows[total - _FIRST].values[0],
                        self.style(bold=True, top=1))
        self.formula(ws, total, per_instance,
                     f"=SUM({_col_range(None, per_instance, _FIRST, total - 1)})"
                     if self.baseline_row else "=0", result.cost_per_instance, _MONEY,
                     bold=True, top=1)

    def money_views(self) -> None:
        """The comparison's cost bridge, saving split and price effects: one view a sheet."""
        comparison = self.inputs.comparison
        assert comparison is not None
        _ = self._
        fixed = _("Figures computed by abc-costing from the files (see Provenance): they do not "
                  "follow edits in this workbook; report again after changing a file.") + " "
        self.view_sheet(_BRIDGE, bridge_view(comparison).in_language(self.language), fixed)
        split = self.inputs.split
        if split is not None:
            view = saving_split_view(split, baseline=comparison.baseline.variant,
                                     candidate=comparison.candidate.variant,
                                     ).in_language(self.language)
            total = self.view_sheet(_SPLIT, view, fixed)
            for key in ("cash_per_year", "freed_capacity_per_year", "price_effect_per_year"):
                self.book.define_name(f"saving_{key}",
                                      f"={self.ref(_SPLIT, total, view.keys.index(key))}")
        self.view_sheet(_PRICES, price_effects_view(comparison).in_language(self.language),
                        fixed + _("A price override of a variant (a row of its own on the "
                                  "Catalogue) shows here, not as a saving of work.") + " ")

    def view_sheet(self, name: str, view: TableView, note: str) -> int:
        """Write ``view`` on sheet ``name`` (:meth:`CellWriter.view_table`); its total's row."""
        return self.view_table(self.sheets[name], view, note)

    def comparison(self) -> None:
        _ = self._
        comparison = self.inputs.comparison
        assert comparison is not None
        ws = self.sheets["Comparison"]
        baseline = comparison.baseline
        view = activity_changes_view(comparison).in_language(self.language)
        self.header(ws, _HEADER, self.view_labels(view, _C_KEYS),
                    widths={_C_ID: 20, _C_NAME: 45, _C_STATUS: 11,
                            **dict.fromkeys(range(3, 8), 16)},
                    title=_("Comparison with the baseline variant '{variant}'",
                            variant=baseline.variant),
                    note=_("Baseline figures are linked to the Baseline sheet, candidate figures "
                           "to Activities: both are priced from the Catalogue, so a rate a pool "
                           "shares moves both, and the saving moves only by the difference of "
                           "work (minutes × the change of rate). Statuses are the engine's. "
                           "Change = candidate - baseline; saving = baseline - candidate."))
        self.text(ws, _ABOVE, 0, _("baseline: {baseline}; candidate: {candidate}",
                                   baseline=baseline.variant,
                                   candidate=comparison.candidate.variant))
        self.view_rows(ws, view, _C_KEYS)
        cols = self.cols
        change_row = _item_rows(view)
        for change in comparison.activities:
            row = change_row[change.id]
            base, base_cols = self.baseline_row.get(change.id), self.baseline_cols
            # (executions column, cost column, the engine's figures, the cells linked or None
            # when the activity is not in that variant) of the baseline, then the candidate
            sides = (
                (_C_BASE_EXEC, _C_BASE_COST, change.baseline_expected_executions,
                 change.baseline_cost_per_instance,
                 None if base is None else
                 (self.ref("Baseline", base, base_cols["expected_executions"]),
                  self.ref("Baseline", base, base_cols["cost_per_instance"]))),
                (_C_CAND_EXEC, _C_CAND_COST, change.candidate_expected_executions,
                 change.candidate_cost_per_instance,
                 None if change.id not in self.activity_row else
                 (self.activity_ref(change.id, cols.executions),
                  self.activity_ref(change.id, cols.cost_per_instance))))
            for executions_col, cost_col, executions, cost, links in sides:
                if links is None:
                    self.number(ws, row, executions_col, 0.0, _COUNT)
                    self.number(ws, row, cost_col, 0.0, _MONEY)
                else:
                    self.formula(ws, row, executions_col, f"={links[0]}", executions, _COUNT)
                    self.formula(ws, row, cost_col, f"={links[1]}", cost, _MONEY)
            self.formula(ws, row, _C_DELTA,
                         f"={_cell(row, _C_CAND_COST)}-{_cell(row, _C_BASE_COST)}",
                         change.delta, _MONEY)

        rows = self.comparison_rows
        total, last = rows["total"], rows["total"] - 1
        if comparison.activities:
            ws.autofilter(_HEADER, 0, last, _C_DELTA)

        def at(key: str) -> str:
            return _cell(rows[key], _C_DELTA)

        base_year = baseline.cost_per_year
        both = (f"AND(ISNUMBER({at('baseline_volume_per_year')}),"
                f"ISNUMBER({at('candidate_volume_per_year')}))")
        summary_volume = self.ref("Summary", _S["volume_per_year"], 1)
        figures: list[tuple[str, str | None, float | str | None, str]] = [
            ("baseline_cost_per_instance", f"={_cell(total, _C_BASE_COST)}",
             baseline.cost_per_instance, _MONEY),
            ("candidate_cost_per_instance", f"={self.total_ref}",
             comparison.candidate.cost_per_instance, _MONEY),
            ("saving_per_instance",
             f"={at('baseline_cost_per_instance')}-{at('candidate_cost_per_instance')}",
             comparison.saving_per_instance, _MONEY),
            ("saving_share", f"=IF({at('baseline_cost_per_instance')}=0,0,"
                             f"{at('saving_per_instance')}/{at('baseline_cost_per_instance')})",
             comparison.saving_share, _SHARE),
            ("baseline_volume_per_year", None, baseline.volume_per_year, "#,##0.##"),
            ("candidate_volume_per_year",
             f"=IF(ISNUMBER({summary_volume}),{summary_volume},\"\")",
             "" if self.model.volume_per_year is None else self.model.volume_per_year,
             "#,##0.##"),
            ("baseline_cost_per_year",
             f"=IF(ISNUMBER({at('baseline_volume_per_year')}),"
             f"{at('baseline_cost_per_instance')}*{at('baseline_volume_per_year')},\"\")",
             "" if base_year is None else base_year, _MONEY),
            ("candidate_cost_per_year",
             f"=IF(ISNUMBER({at('candidate_volume_per_year')}),"
             f"{at('candidate_cost_per_instance')}*{at('candidate_volume_per_year')},\"\")",
             "" if comparison.candidate.cost_per_year is None
             else comparison.candidate.cost_per_year, _MONEY),
            ("saving_per_year",
             # at the baseline's volume: a different volume is not a saving
             f"=IF({both},{at('saving_per_instance')}*{at('baseline_volume_per_year')},\"\")",
             "" if comparison.saving_per_year is None else comparison.saving_per_year, _MONEY),
        ]
        for key, formula, value, fmt in figures:
            row = rows[key]
            label = self.key(key) if fmt in (_SHARE, "#,##0.##") else self.money(self.key(key))
            ws.write_string(row, _C_NAME, label if self.language != "en" else key,
                            self.style(bold=key.startswith("saving")))
            if formula is None:  # the baseline's volume: a value from its file
                assert not isinstance(value, str)
                self.number(ws, row, _C_DELTA, value, fmt, **_ENGINE)
            else:
                assert value is not None
                self.formula(ws, row, _C_DELTA, formula, value, fmt,
                             bold=key.startswith("saving"))
            if key in ("baseline_cost_per_instance", "baseline_cost_per_year",
                       "saving_per_instance", "saving_per_year"):
                self.book.define_name(key, f"={self.ref('Comparison', row, _C_DELTA)}")

    def summary(self) -> None:
        ws = self.sheets["Summary"]
        model, result = self.model, self.result
        _ = self._
        self.header(ws, _HEADER, [(0, self.key("item")), (1, self.key("value")),
                                  (2, self.key("how it is computed"))],
                    widths={0: 44, 1: 22, 2: 80},
                    title="abc-costing: " + _("cost of one process instance and of one year"),
                    note=_("Blue-on-yellow cells are inputs (here, on Catalogue and Payroll rules "
                           "for the pools' pay, rates and capacity, and on Activities and Flows); "
                           "every other figure is a formula and moves with them."))
        volume = _cell(_S["volume_per_year"], 1)
        cost = _cell(_S["cost_per_instance"], 1)
        other = self.ref("Resources", self.other_cost_row, _R_COST)
        resources_total = self.ref("Resources", self.resource_total_row, _R_COST)
        cols = self.cols
        # (key, a text or number, or (formula, cached value, number format), how it is computed)
        rows: list[tuple[str, str | float | None | tuple[str, float | str, str], str]] = [
            ("process", model.process, ""),
            ("variant", model.variant, ""),
            ("title", model.title, ""),
            ("currency", model.currency, _("every amount in the workbook")),
            ("volume_per_year", model.volume_per_year, _("input: instances per year")),
            ("cost_per_instance", (f"={self.total_ref}", result.cost_per_instance, _MONEY),
             _("the Activities total")),
            ("cost_per_year",
             (f"={cost}*{volume}" if model.volume_per_year is not None
              else f"=IF(ISNUMBER({volume}),{cost}*{volume},\"\")",
              "" if result.cost_per_year is None else result.cost_per_year, _MONEY),
             _("cost per instance × instances per year")
             if self.language != "en" else "cost_per_instance × volume_per_year"),
            ("labor_minutes_per_instance",
             ("=" + self.ref("Activities", self.activity_total_row,
                             cols.labor_minutes_per_instance),
              result.labor_minutes_per_instance, _MINUTES), _("the Activities total")),
            ("other_cost_per_instance", (f"={other}", result.other_cost_per_instance, _MONEY),
             _("Resources: other costs")),
        ]
        for value_class in VALUE_CLASSES:
            rows.append((f"cost_per_instance: {value_class}",
                         (f"={self.ref('By value', self.value_row[value_class], _V_COST)}",
                          result.by_value[value_class], _MONEY), _("the By value sheet")))
        rows.append(("reconciliation: resources + other - activities",
                     (f"={resources_total}-{self.total_ref}", 0.0, _MONEY),
                     _("0 when reconciled")))
        class_label = {str(keyed.values[0]): str(said.value("label"))
                       for keyed, said in zip(self.value_keys.rows, self.value_view.rows,
                                              strict=True) if keyed.kind == "item"}
        for key, value, how in rows:
            row = _S[key]
            is_money = isinstance(value, tuple) and key != "labor_minutes_per_instance"
            label = self.key(key)
            if key.startswith("cost_per_instance: ") and self.language != "en":
                label = _("Cost per instance: {value_class}",
                          value_class=class_label[key.removeprefix("cost_per_instance: ")])
            ws.write_string(row, 0, self.money(label) if is_money else label)
            if how:
                ws.write_string(row, 2, how, self.style(font_color="#595959"))
            if isinstance(value, tuple):
                formula, cached, fmt = value
                self.formula(ws, row, 1, formula, cached, fmt, bold=key.startswith("cost_per_"))
            elif key == "volume_per_year":
                self.number(ws, row, 1, model.volume_per_year, "#,##0.##", **_INPUT)
            else:
                self.text(ws, row, 1, None if value is None else str(value))
        for key in ("volume_per_year", "cost_per_instance", "cost_per_year",
                    "labor_minutes_per_instance"):
            self.book.define_name(key, f"={self.ref('Summary', _S[key], 1)}")

        row = _FIRST + len(_S_ROWS)
        ws.write_string(row, 0, _("End events: probability of finishing there"),
                        self.style(bold=True))
        for end, probability in result.end_probabilities.items():
            row += 1
            self.text(ws, row, 0, self.model.display_name(end))
            ref = self.ref("Expected executions", self.node_row[end], _X_VALUE)
            self.formula(ws, row, 1, f"={ref}", probability, _PROBABILITY)
            self.text(ws, row, 2, end, font_color="#595959")

        comparison = self.inputs.comparison
        if comparison is None:
            return
        row += 2
        ws.write_string(row, 0, _("Against the baseline (see Comparison)"), self.style(bold=True))
        self.text(ws, row, 1, comparison.baseline.variant)
        for key in ("baseline_cost_per_instance", "baseline_cost_per_year", "saving_per_instance",
                    "saving_per_year", "saving_share"):
            row += 1
            ref = self.ref("Comparison", self.comparison_rows[key], _C_DELTA)
            figure: float | None = (
                getattr(comparison.baseline, key.removeprefix("baseline_"))
                if key.startswith("baseline_") else getattr(comparison, key))
            fmt = _SHARE if key == "saving_share" else _MONEY
            ws.write_string(row, 0, self.key(key) if fmt == _SHARE else self.money(self.key(key)))
            self.formula(ws, row, 1, f"={ref}", "" if figure is None else figure, fmt,
                         bold=key.startswith("saving"))
        ws.activate()

    def change_log(self) -> None:
        ws, _ = self.sheets["Change log"], self._
        view = change_log_view(self.inputs.changes).in_language(self.language)
        columns = {key: col for col, key in enumerate(view.keys)}
        self.header(ws, _HEADER, self.view_labels(view, columns),
                    widths={**dict.fromkeys(range(len(columns)), 20),
                            0: 6, 1: 28, 2: 24, 3: 30, 6: 24, 7: 24, 8: 30},
                    title=_("Change log of the input files (oldest first)"),
                    note=_("Each entry's hash is SHA-256 of the previous hash and the entry; "
                           "`abc-costing log verify` checks the chain."))
        if not view.rows:
            ws.write_string(_FIRST, 0, _("No change-log entries for these files."),
                            self.style(italic=True))
            return
        self.view_rows(ws, view, columns)
        for row, change in enumerate(self.inputs.changes, start=_FIRST):
            ws.write_number(row, columns["seq"], change.seq)
        ws.autofilter(_HEADER, 0, _FIRST + len(view.rows) - 1, len(columns) - 1)

    def provenance(self) -> None:
        ws = self.sheets["Provenance"]
        provenance = self.inputs.provenance
        columns = ("role", "path", "sha256", "process", "variant", "change_log_file",
                   "change_log_head")
        first_input = _FIRST + 7
        _ = self._
        self.header(ws, first_input - 1,
                    [(col, self.key(name)) for col, name in enumerate(columns)],
                    widths={0: 16, 1: 50, 2: 68, 3: 22, 4: 18, 5: 36, 6: 68},
                    title=_("Provenance: what this workbook was computed from"), freeze=False,
                    note=_("Check an input file: `sha256sum PATH` (Linux), "
                           "`Get-FileHash PATH` (Windows), `shasum -a 256 PATH` (macOS)."))
        head = provenance.change_log_head
        for i, (key, value) in enumerate((("tool", provenance.tool),
                                          ("version", provenance.version),
                                          ("generated_at", provenance.generated_at),
                                          ("user", provenance.user),
                                          ("change_log_head", None if head is None else
                                           f"{head.entries} {head.head_hash or ''} "
                                           f"{head.signature or ''}".strip()))):
            ws.write_string(_FIRST - 1 + i, 0, self.key(key), self.style(bold=True))
            self.text(ws, _FIRST - 1 + i, 1, value)
        for i, item in enumerate(provenance.inputs):
            row = first_input + i
            for col, name in enumerate(columns):
                value = getattr(item, name)
                self.text(ws, row, col, self.key(value) if name == "role" else value)


def read_workbook_document(data: bytes) -> dict:
    """What ``report --verify`` needs from a workbook: its provenance and headline figures.

    Reads the Provenance sheet and the stored values of the named cells
    ``cost_per_instance``, ``cost_per_year`` and ``saving_per_instance`` (as
    last calculated by Excel, LibreOffice or this tool).
    """
    import openpyxl  # only verification reads workbooks

    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    # the sheet's name is the reader's language; its keys (tool, role, ...) are machine names
    found = [name for name in (sheet_title("Provenance", language) for language in LANGUAGES)
             if name in book.sheetnames]
    if not found:
        raise ValueError("no Provenance sheet")
    sheet = book[found[0]]
    # the first column's labels and roles, and the inputs' header, back to their machine
    # names, whichever language wrote them
    rows = []
    for values in sheet.iter_rows(values_only=True):
        keys = [_key_of(value) for value in values]
        rows.append(keys if keys[:3] == ["role", "path", "sha256"]
                    else [keys[0], *values[1:]] if values else [])
    fields = {row[0]: row[1] for row in rows if row and row[0] in
              ("tool", "version", "generated_at", "user")}
    head_text = next((row[1] for row in rows if row and row[0] == "change_log_head"), None)
    if head_text:
        entries, *rest = str(head_text).split()
        fields["change_log_head"] = {"entries": int(entries),
                                     "head_hash": rest[0] if rest else None,
                                     "signature": rest[1] if len(rest) > 1 else None}
    header = next(i for i, row in enumerate(rows) if row[:3] == ["role", "path", "sha256"])
    names = rows[header]
    inputs = [dict(zip(names, row, strict=False)) for row in rows[header + 1:]
              if row and row[0] in ("model", "baseline", "catalogue")]

    def named(name: str) -> float | None:
        if name not in book.defined_names:
            return None
        (sheet_name, reference), = book.defined_names[name].destinations
        return book[sheet_name][reference.replace("$", "")].value

    costing: dict[str, Any] = {"cost_per_instance": named("cost_per_instance"),
               "cost_per_year": named("cost_per_year"), "activities": []}
    saving = named("saving_per_instance")
    return {
        "format": "abc-costing-report/1" if fields.get("tool") == "abc-costing" else None,
        "provenance": {**fields, "inputs": inputs},
        "costing": costing,
        "comparison": None if saving is None else {"saving_per_instance": saving},
    }
