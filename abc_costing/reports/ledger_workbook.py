"""A period's stage balance as a live workbook: ledger → pools → activities → cost objects.

:func:`ledger_workbook` writes one ``.xlsx`` (XlsxWriter, in memory) in which
every stage of :func:`~abc_costing.engine.allocation.allocate_period` is a
formula over the period's input cells, so an auditor can change a ledger
amount, a driver quantity, a share, a capacity or a volume in Excel or
LibreOffice and watch every stage rebalance:

- **Stage balance** (first): per stage input, assigned, idle, unassigned,
  over-driven and difference, each a link to the stage sheet's total row; the
  whole chain's reconciliation (ledger total = cost objects + everything idle,
  unassigned or over-driven at any stage); the period, scenario, currency, the
  capacity rule and each input file's name and SHA-256. A difference of half
  a kopeck or more turns red (conditional formatting).
- Inputs (blue on yellow): **Ledger** (one row per line; the rule taking it is
  a value: the first rule that matches, as the engine decides), **Drivers**,
  **Volumes** (with each row's cost per instance and cost as formulas) and
  **Revenue**.
- **Stage 1**: per ledger rule, input = the Ledger's amounts of the rule;
  **Stage 1 receivers**: each receiver's money by the rule's basis (percent:
  input × share; driver: input × q / Σ q, each q summed from the Drivers sheet;
  even: input / n; rate: q × rate, the rest idle or over-driven).
- **Centre rules** and **Support centres**: the fraction each support centre
  sends each receiver, the matrix ``S`` of what centres send each other,
  ``I − Sᵀ`` and the reciprocal solution ``s = MMULT(MINVERSE(I − Sᵀ), d)`` as
  an array formula (LibreOffice and Excel both recalculate it), then each
  centre's sends to pools and centres.
- **Pools**: money (stage 1 + from centres), capacity (an input; the rule in
  the sheet's note), the rate (money / capacity for capacity pools; the
  model's rate as a value otherwise), the units and money the activities use,
  idle, unassigned, over-driven.
- **Pool use**: each activity's use of each pool: the engine's expected
  executions × minutes (or uses) per execution as a value × the variant's
  instances × the pool's rate. **Activities**, **Process variants** and
  **Cost objects** (Σ instances × cost per instance, revenue, margin).

Lookups by name are ``SUMPRODUCT(EXACT(names, name) * values)``, not
``SUMIFS``: a criterion of SUMIFS ignores case, treats ``*``, ``?`` and ``~``
as wildcards and a leading ``=``, ``<`` or ``>`` as an operator (measured in
LibreOffice 7: the criterion ``=HYP`` sums nothing, ``a*`` sums ``ab`` too),
so a cost centre or pool named like that would be summed wrongly. EXACT
compares the whole text, case included, as the engine does.

Every formula carries the engine's figure as its cached value, so a viewer
without a calculation engine shows the engine's numbers. Text from the files
(cost items, names, rule ids) is always text, quote-prefixed when it starts
like a formula (see :class:`~abc_costing.reports.workbook.CellWriter`).

Examples
--------
>>> import io
>>> from openpyxl import load_workbook
>>> from abc_costing.engine.allocation import PeriodInputs, allocate_period
>>> from abc_costing.model import AllocationRule, LedgerLine
>>> inputs = PeriodInputs(
...     period="2026-01", scenario="actual", currency="RUB",
...     lines=(LedgerLine(period="2026-01", account="26", cost_centre="Офис",
...                       cost_item="Аренда", amount=100.0),),
...     rules=(AllocationRule(id="rent", to=("a",), basis="percent", shares={"a": 40.0}),),
...     drivers=(), support_centres={}, pools={"a": "Пул А"}, models=(), instances=(),
...     revenue=(), capacities={})
>>> book = load_workbook(io.BytesIO(ledger_workbook(inputs, allocate_period(inputs))))
>>> book.sheetnames[0], book["Stage 1"]["E5"].value
('Stage balance', '=SUMPRODUCT(EXACT(Ledger!$G$5:$G$5,A5)*Ledger!$F$5:$F$5)')
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell

from abc_costing.engine import cost_model
from abc_costing.engine.allocation import (
    NO_RULE,
    AllocationResult,
    PeriodInputs,
    RateBasis,
    Stage,
    StageBalance,
)
from abc_costing.i18n import N_, Language, Message, translate, translator
from abc_costing.model import (
    AllocationRule,
    LaborResource,
    LedgerLine,
    PerUseResource,
    ProcessModel,
)
from abc_costing.reports.ledger_views import profitability_totals
from abc_costing.reports.report_files import ReportError

# One look for every workbook: the audit workbook's table layout, money format and input cells.
from abc_costing.reports.workbook import _FIRST, _HEADER, _INPUT, _MONEY, CellWriter

__all__ = ["LEDGER_SHEETS", "LEDGER_SHEET_TITLES", "ledger_workbook"]

_QUANTITY = "#,##0.###"
_RATE = "#,##0.0000"
_FRACTION = "0.0000%"
_DIFF = "0.00;-0.00;0.00"
_TOTAL = {"bold": True, "top": 1}
_RED = {"bg_color": "#F4CCCC", "font_color": "#9C0006"}
#: A difference this large (half a kopeck) prints as at least 0.01: flagged red.
DIFFERENCE_LIMIT = 0.005

_BALANCE, _LEDGER, _DRIVERS, _VOLUMES, _REVENUE = (
    "Stage balance", "Ledger", "Drivers", "Volumes", "Revenue")
_STAGE1, _RECEIVERS, _CENTRE_RULES, _CENTRES = (
    "Stage 1", "Stage 1 receivers", "Centre rules", "Support centres")
_POOLS, _USE, _ACTIVITIES, _VARIANTS, _OBJECTS = (
    "Pools", "Pool use", "Activities", "Process variants", "Cost objects")
#: The sheets, in order (their keys in the code: the English names).
LEDGER_SHEETS = (_BALANCE, _LEDGER, _DRIVERS, _VOLUMES, _REVENUE, _STAGE1, _RECEIVERS,
                 _CENTRE_RULES, _CENTRES, _POOLS, _USE, _ACTIVITIES, _VARIANTS, _OBJECTS)
#: Each sheet's name for readers; every name fits Excel's 31 characters in every language.
LEDGER_SHEET_TITLES: dict[str, Message] = {
    _BALANCE: N_("Stage balance"), _LEDGER: N_("Ledger"), _DRIVERS: N_("Drivers"),
    _VOLUMES: N_("Volumes"), _REVENUE: N_("Revenue"), _STAGE1: N_("Stage 1"),
    _RECEIVERS: N_("Stage 1 receivers"), _CENTRE_RULES: N_("Centre rules"),
    _CENTRES: N_("Support centres"), _POOLS: N_("Pools"), _USE: N_("Pool use"),
    _ACTIVITIES: N_("Activities"), _VARIANTS: N_("Process variants"),
    _OBJECTS: N_("Cost objects")}

# Columns of each sheet.
_L_PERIOD, _L_SCENARIO, _L_ACCOUNT, _L_CENTRE, _L_ITEM, _L_AMOUNT, _L_RULE, _L_ROW = range(8)
_D_DRIVER, _D_RECEIVER, _D_QUANTITY = range(3)
_V_OBJECT, _V_PROCESS, _V_VARIANT, _V_INSTANCES, _V_PER_INSTANCE, _V_COST = range(6)
_R_OBJECT, _R_AMOUNT = range(2)
#: The balance columns of every stage sheet, from its ``input`` column on.
_PARTS = ("input", "assigned", "idle", "unassigned", "over_driven")
_S_RULE, _S_BASIS, _S_DRIVER, _S_TAKES, _S_INPUT = range(5)
_T_RULE, _T_RECEIVER, _T_KIND, _T_BASIS, _T_SHARE, _T_QUANTITY, _T_RATE, _T_MONEY = range(8)
_K_RULE, _K_FROM, _K_TO, _K_KIND, _K_BASIS, _K_SHARE, _K_QUANTITY, _K_FRACTION, _K_MONEY = (
    range(9))
(_C_ID, _C_NAME, _C_DIRECT, _C_RECEIVED, _C_CHECK, _C_TO_CENTRES, _C_TO_POOLS, _C_INPUT) = range(8)
_C_MATRIX = _C_INPUT + len(_PARTS) + 2  # S from here, then I − Sᵀ after a blank column
(_P_ID, _P_NAME, _P_UNIT, _P_FROM_LEDGER, _P_FROM_CENTRES, _P_BASIS, _P_CAPACITY, _P_RATE,
 _P_USED_UNITS, _P_INPUT) = range(10)
(_U_PROCESS, _U_VARIANT, _U_ACTIVITY, _U_POOL, _U_UNIT, _U_PER_INSTANCE, _U_INSTANCES, _U_UNITS,
 _U_RATE, _U_MONEY) = range(10)
_A_PROCESS, _A_VARIANT, _A_ACTIVITY, _A_NAME, _A_INSTANCES, _A_COST, _A_PER_INSTANCE = range(7)
_W_PROCESS, _W_VARIANT, _W_TITLE, _W_INSTANCES, _W_COST, _W_PER_INSTANCE = range(6)
_O_OBJECT, _O_COST, _O_REVENUE, _O_MARGIN = range(4)
_B_STAGE, _B_WHAT, _B_INPUT = range(3)
_STAGE_ROWS: tuple[Stage, ...] = ("ledger", "support", "pools", "activities")

_PART_LABELS = {"input": N_("Input"), "assigned": N_("Assigned (to the next stage)"),
                "idle": N_("Idle (capacity not used)"), "unassigned": N_("Unassigned"),
                "over_driven": N_("Over-driven (drivers asked for more)")}
#: What the reconciliation calls each part that stops at a stage, summed over the stages.
_ALL_STAGES = {"idle": N_("Idle (capacity not used), all stages"),
               "unassigned": N_("Unassigned, all stages"),
               "over_driven": N_("Over-driven (drivers asked for more), all stages")}
_CENTRE, _POOL = N_("support centre"), N_("pool")
#: The words of the cells that name a kind (a stage, a rule's basis, a unit), by the engine's
#: key. English shows the key itself; the message ids say what the word is, since one English
#: word means several things ("rate" is a basis here, a cause of a price effect elsewhere).
_WORDS: dict[str, Message] = {
    "ledger": N_("stage: ledger"), "support": N_("stage: support"),
    "pools": N_("stage: pools"), "activities": N_("stage: activities"),
    "percent": N_("basis: percent"), "driver": N_("basis: driver"), "even": N_("basis: even"),
    "rate": N_("basis: rate"), "capacity": N_("rate from: capacity"),
    "given": N_("rate from: given"), "model": N_("rate from: model"), "min": N_("unit: min"),
    "uses": N_("unit: uses"), NO_RULE: N_("(no rule)")}
#: The reader's words for the roles of the period's input files.
_ROLES: dict[str, Message] = {
    "allocation": N_("allocation rules"), "ledger": N_("ledger (ОСВ)"),
    "drivers": N_("driver quantities"), "volumes": N_("volumes"), "revenue": N_("revenue"),
    "catalogue": N_("resource catalogue")}


def ledger_workbook(inputs: PeriodInputs, result: AllocationResult, *,
                    language: Language = "en") -> bytes:
    """The period's stage balance as a live ``.xlsx`` (see the module docstring).

    ``result`` is :func:`~abc_costing.engine.allocation.allocate_period` of
    ``inputs``; its figures are the formulas' cached values. Raises
    :class:`~abc_costing.reports.report_files.ReportError` when the allocation
    failed (its problems hold an error), since there is then nothing to balance.
    Sheet names, titles, notes, labels and the words of kinds (a stage, a basis, a
    unit) are in ``language``; formulas quote the sheet names, and the lookups
    that compare kinds compare the words written.

    >>> from abc_costing.engine.allocation import PeriodInputs, allocate_period
    >>> empty = PeriodInputs("2026-01", "plan", "RUB", (), (), (), {}, {}, (), (), (), {})
    >>> ledger_workbook(empty, allocate_period(empty))[:2]
    b'PK'
    """
    errors = [p for p in result.problems if p.severity == "error"]
    if errors:
        raise ReportError(f"the allocation of {inputs.period} failed, nothing to balance: "
                          f"{errors[0].message}")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    _LedgerBook(book, inputs, result, language).write()
    book.close()
    return buffer.getvalue()


# -- references --------------------------------------------------------------------------------


def _cell(row: int, col: int, *, absolute: bool = False) -> str:
    return xl_rowcol_to_cell(row, col, absolute, absolute)


def _ref(sheet: str, row: int, col: int) -> str:
    return f"{quote_sheetname(sheet)}!{_cell(row, col, absolute=True)}"


def _column(sheet: str | None, col: int, first: int, last: int) -> str:
    name = xl_col_to_name(col, True)
    prefix = f"{quote_sheetname(sheet)}!" if sheet else ""
    return f"{prefix}{name}${first + 1}:{name}${last + 1}"


@dataclass(frozen=True)
class _Table:
    """Where a sheet's data rows are: ``first`` to ``last`` (empty when last < first)."""

    sheet: str
    first: int
    count: int

    @property
    def last(self) -> int:
        return self.first + self.count - 1

    @property
    def total(self) -> int:
        """The total row, right under the data."""
        return self.first + self.count

    def column(self, col: int) -> str:
        return _column(self.sheet, col, self.first, self.last)


def _exact_sum(table: _Table, values: int, *keys: tuple[int, str]) -> str:
    """``SUMPRODUCT(EXACT(keys, key) * … * values)`` over ``table``, or ``0`` without rows.

    >>> _exact_sum(_Table("Drivers", 4, 2), 2, (0, "A5"), (1, '"x"'))
    'SUMPRODUCT(EXACT(Drivers!$A$5:$A$6,A5)*EXACT(Drivers!$B$5:$B$6,"x")*Drivers!$C$5:$C$6)'
    """
    if not table.count:
        return "0"
    factors = [f"EXACT({table.column(col)},{key})" for col, key in keys]
    return f"SUMPRODUCT({'*'.join(factors)}*{table.column(values)})"


def _rule_of(line: LedgerLine, rules: Sequence[AllocationRule]) -> str:
    """The id of the first rule taking ``line`` (the engine's order), or ``(no rule)``."""
    return next((rule.id for rule in rules if rule.matches(line)), NO_RULE)


def _fractions(rule: AllocationRule, quantities: dict[tuple[str, str], float]) -> list[float]:
    """The engine's fraction of a centre's money each receiver of ``rule`` gets (cached values)."""
    match rule.basis:
        case "percent":
            return [rule.shares.get(r, 0.0) / 100 for r in rule.to]
        case "driver":
            q = [quantities.get((rule.driver or "", r), 0.0) for r in rule.to]
            return [x / math.fsum(q) for x in q]
        case "even":
            return [1 / len(rule.to)] * len(rule.to)
        case "rate":
            raise ValueError("a support centre is not spread by a rate")
        case _:
            assert_never(rule.basis)


@dataclass(frozen=True)
class _Use:
    """One activity's use of one pool: the row of the Pool use sheet."""

    model: ProcessModel
    activity: str
    pool: str
    unit: str
    per_instance: float  # the engine's expected executions × minutes (or uses) per execution
    model_rate: float  # the model's rate of the pool (per minute or per use)


def _uses(model: ProcessModel, executions: dict[str, float]) -> list[_Use]:
    """The pools each activity of ``model`` uses, labour before per-use (the engine's order)."""
    uses = []
    for activity_id, activity in model.activities.items():
        done = executions.get(activity_id, 0.0)
        for pool, duration in activity.labor.items():
            rate = model.resources[pool].unit_costs.rate_per_minute
            uses.append(_Use(model, activity_id, pool, "min", done * duration.mean_minutes, rate))
        for pool, units in activity.uses.items():
            rate = model.resources[pool].unit_costs.cost_per_use
            uses.append(_Use(model, activity_id, pool, "uses", done * units, rate))
    return [u for u in uses if u.per_instance > 0]


def _unit_of(models: Sequence[ProcessModel], pool: str) -> str:
    resource = next((m.resources[pool] for m in models if pool in m.resources), None)
    match resource:
        case None:
            return ""
        case LaborResource():
            return "min"
        case PerUseResource():
            return "uses"
        case _:
            assert_never(resource)


class _LedgerBook(CellWriter):
    """Writes one ledger workbook; every table's rows are placed up front so sheets can
    refer to each other."""

    def __init__(self, book: xlsxwriter.Workbook, inputs: PeriodInputs,
                 result: AllocationResult, language: Language = "en") -> None:
        super().__init__(book)
        self.inputs, self.result, self.currency = inputs, result, inputs.currency
        self.language = language
        self._ = translator(language)
        self.sheet_name = {key: translate(LEDGER_SHEET_TITLES[key], language)
                           for key in LEDGER_SHEETS}
        self.sheets = {key: book.add_worksheet(self.sheet_name[key]) for key in LEDGER_SHEETS}
        self.ledger_rules = [r for r in inputs.rules if r.from_centre is None]
        self.centre_rules = [r for r in inputs.rules if r.from_centre is not None]
        taken: dict[tuple[str, str, str], str] = {}  # the lines of one group share a rule
        for x in inputs.lines:
            group = (x.account, x.cost_centre, x.cost_item)
            if group not in taken:
                taken[group] = _rule_of(x, self.ledger_rules)
        self.line_rules = [taken[x.account, x.cost_centre, x.cost_item] for x in inputs.lines]
        self.stage1 = ([NO_RULE] if NO_RULE in self.line_rules else []) + \
            [r.id for r in self.ledger_rules]
        self.quantities: dict[tuple[str, str], float] = {}
        for q in inputs.drivers:
            key = (q.driver, q.receiver)
            self.quantities[key] = self.quantities.get(key, 0.0) + q.quantity
        self.centres = list(inputs.support_centres)
        self.pools = list(result.pool_totals)
        self.volume: dict[tuple[str, str], float] = {}
        for item in inputs.instances:
            key = (item.process, item.variant)
            self.volume[key] = self.volume.get(key, 0.0) + item.instances
        self.uses = [use for model in inputs.models
                     for use in _uses(model, cost_model(model).expected_executions)]
        self.activities = list(dict.fromkeys((u.model, u.activity) for u in self.uses))

        def table(sheet: str, count: int) -> _Table:
            return _Table(self.sheet_name[sheet], _FIRST, count)

        self.ledger = table(_LEDGER, len(inputs.lines))
        self.drivers = table(_DRIVERS, len(inputs.drivers))
        self.volumes = table(_VOLUMES, len(inputs.instances))
        self.revenues = table(_REVENUE, len(inputs.revenue))
        self.rules = table(_STAGE1, len(self.stage1))
        self.receivers = table(_RECEIVERS, sum(len(r.to) for r in self.ledger_rules))
        self.centre_sends = table(_CENTRE_RULES, sum(len(r.to) for r in self.centre_rules))
        self.centre_rows = table(_CENTRES, len(self.centres))
        self.pool_rows = table(_POOLS, len(self.pools))
        self.use_rows = table(_USE, len(self.uses))
        self.activity_rows = table(_ACTIVITIES, len(self.activities))
        self.variant_rows = table(_VARIANTS, len(inputs.models))
        self.object_rows = table(_OBJECTS, len(result.objects))
        self.row_of_rule = {rule: _FIRST + i for i, rule in enumerate(self.stage1)}
        self.row_of_centre = {c: _FIRST + i for i, c in enumerate(self.centres)}
        self.row_of_pool = {p: _FIRST + i for i, p in enumerate(self.pools)}
        self.row_of_variant = {(m.process, m.variant): _FIRST + i
                               for i, m in enumerate(inputs.models)}
        # Money from the engine's flows, for the cached values.
        self.flow_money: dict[tuple[str, str], float] = {}
        for flow in result.flows:
            key = (flow.source.name, flow.target.name)
            if flow.source.kind in ("rule", "centre") and flow.target.kind in ("centre", "pool"):
                self.flow_money[key] = self.flow_money.get(key, 0.0) + flow.amount

    # -- cells -------------------------------------------------------------------------------

    def money(self, label: str) -> str:
        return f"{label}, {self.currency}"  # the ISO code, as the views' labels say it

    def word(self, key: str) -> str:
        """The reader's word for an engine's key (a stage, a basis, a unit, ``(no rule)``)."""
        if self.language == "en" or key not in _WORDS:
            return key
        return translate(_WORDS[key], self.language)

    def ref(self, sheet: str, row: int, col: int) -> str:
        """An absolute reference to a cell of the sheet keyed ``sheet`` (by its shown name)."""
        return _ref(self.sheet_name[sheet], row, col)

    def column(self, sheet: str, col: int, first: int, last: int) -> str:
        """A column range of the sheet keyed ``sheet`` (by its shown name)."""
        return _column(self.sheet_name[sheet], col, first, last)

    def titled(self, ws, labels: list[tuple[int, str]], *, widths: dict[int, float], title: str,
               note: str) -> None:
        self.header(ws, _HEADER, labels, widths=widths, title=title, note=note)

    def balance_labels(self, first: int) -> list[tuple[int, str]]:
        """The header of the balance columns from ``first``: the five parts and the difference."""
        _ = self._
        labels = [(first + i, self.money(translate(_PART_LABELS[part], self.language)))
                  for i, part in enumerate(_PARTS)]
        return [*labels, (first + len(_PARTS), self.money(_("Difference")))]

    def balance(self, ws, row: int, first: int, formulas: dict[str, str | float],
                figures: StageBalance, **props: object) -> None:
        """The five parts of a stage balance from column ``first`` (a number is a constant),
        then the difference: input − (assigned + idle + unassigned + over-driven)."""
        for i, part in enumerate(_PARTS):
            formula = formulas.get(part, 0.0)
            if isinstance(formula, str):
                self.formula(ws, row, first + i, formula, getattr(figures, part), _MONEY, **props)
            else:
                self.number(ws, row, first + i, formula, _MONEY, **props)
        parts = f"{_cell(row, first + 1)}:{_cell(row, first + len(_PARTS) - 1)}"
        self.formula(ws, row, first + len(_PARTS), f"={_cell(row, first)}-SUM({parts})",
                     figures.difference, _DIFF, **props)

    def totals(self, ws, table: _Table, cols: Sequence[int], values: Sequence[float], *,
               label_col: int = 0, diff_col: int | None = None) -> None:
        """The total row of ``table``: a SUM of each of ``cols``, cached with ``values``."""
        _ = self._
        self.text(ws, table.total, label_col, _("Total"), **_TOTAL)
        for col, value in zip(cols, values, strict=True):
            formula = f"=SUM({_column(None, col, table.first, table.last)})" if table.count \
                else "=0"
            self.formula(ws, table.total, col, formula, value,
                         _DIFF if col == diff_col else _MONEY, **_TOTAL)

    def stage_totals(self, ws, table: _Table, first: int, totals: StageBalance) -> None:
        diff = first + len(_PARTS)
        self.totals(ws, table, list(range(first, diff + 1)),
                    [*(getattr(totals, p) for p in _PARTS), totals.difference], diff_col=diff)
        self.flag_differences(ws, table.first, table.total, diff)

    def flag_differences(self, ws, first: int, last: int, col: int) -> None:
        """Red when a difference cell reaches half a kopeck."""
        ws.conditional_format(first, col, last, col, {
            "type": "formula", "criteria": f"=ABS({_cell(first, col)})>={DIFFERENCE_LIMIT}",
            "format": self.style(**_RED)})

    # -- the whole book ----------------------------------------------------------------------

    def write(self) -> None:
        inputs, _ = self.inputs, self._
        self.book.set_properties({
            "title": "abc-costing: " + _("stage balance {period} ({scenario})",
                                         period=inputs.period, scenario=inputs.scenario),
            "subject": _("Activity-based costing from the general ledger: stage balance"),
            "comments": _("Every stage is a formula over the Ledger, Drivers, Volumes and "
                          "Revenue sheets."),
        })
        self.ledger_sheet()
        self.driver_sheet()
        self.volume_sheet()
        self.revenue_sheet()
        self.stage1_sheet()
        self.receiver_sheet()
        self.centre_rule_sheet()
        self.centre_sheet()
        self.pool_sheet()
        self.use_sheet()
        self.activity_sheet()
        self.variant_sheet()
        self.object_sheet()
        self.balance_sheet()

    # -- inputs ------------------------------------------------------------------------------

    def ledger_sheet(self) -> None:
        _ = self._
        ws, table = self.sheets[_LEDGER], self.ledger
        self.titled(ws, [
            (_L_PERIOD, _("Period")), (_L_SCENARIO, _("Scenario")),
            (_L_ACCOUNT, _("Account (счёт)")), (_L_CENTRE, _("Cost centre (подразделение)")),
            (_L_ITEM, _("Cost item (статья затрат)")),
            (_L_AMOUNT, self.money(_("Amount (сумма)"))),
            (_L_RULE, _("Rule taking the line (first that matches)")),
            (_L_ROW, _("Row of the source file"))],
            widths={_L_PERIOD: 9, _L_SCENARIO: 9, _L_ACCOUNT: 9, _L_CENTRE: 28, _L_ITEM: 32,
                    _L_AMOUNT: 16, _L_RULE: 22, _L_ROW: 10},
            title=_("Ledger {period} ({scenario})", period=self.inputs.period,
                    scenario=self.inputs.scenario),
            note=_("Amounts are inputs: change one and every stage rebalances. The rule is the "
                   "first rule of the allocation file whose account, cost centre and cost item "
                   "match the line, as the engine decided it (a value)."))
        for i, (line, rule) in enumerate(zip(self.inputs.lines, self.line_rules, strict=True)):
            row = table.first + i
            self.text(ws, row, _L_PERIOD, line.period)
            self.text(ws, row, _L_SCENARIO, line.scenario)
            self.text(ws, row, _L_ACCOUNT, line.account)
            self.text(ws, row, _L_CENTRE, line.cost_centre)
            self.text(ws, row, _L_ITEM, line.cost_item)
            self.number(ws, row, _L_AMOUNT, line.amount, _MONEY, **_INPUT)
            self.text(ws, row, _L_RULE, self.word(rule) if rule == NO_RULE else rule)
            if line.row is not None:
                ws.write_number(row, _L_ROW, line.row)
        self.totals(ws, table, [_L_AMOUNT], [self.result.ledger_total], label_col=_L_ITEM)
        if table.count:
            ws.autofilter(_HEADER, 0, table.last, _L_ROW)

    def driver_sheet(self) -> None:
        _ = self._
        ws, table = self.sheets[_DRIVERS], self.drivers
        self.titled(ws, [(_D_DRIVER, _("Driver")),
                         (_D_RECEIVER, _("Receiver (pool or support centre)")),
                         (_D_QUANTITY, _("Quantity"))],
                    widths={_D_DRIVER: 20, _D_RECEIVER: 28, _D_QUANTITY: 14},
                    title=_("Driver quantities"),
                    note=_("Inputs: headcount, m², devices … per receiver; a receiver listed "
                           "twice for one driver has the sum."))
        for i, q in enumerate(self.inputs.drivers):
            self.text(ws, table.first + i, _D_DRIVER, q.driver)
            self.text(ws, table.first + i, _D_RECEIVER, q.receiver)
            self.number(ws, table.first + i, _D_QUANTITY, q.quantity, _QUANTITY, **_INPUT)

    def volume_sheet(self) -> None:
        _ = self._
        ws, table = self.sheets[_VOLUMES], self.volumes
        self.titled(ws, [
            (_V_OBJECT, _("Cost object")), (_V_PROCESS, _("Process")), (_V_VARIANT, _("Variant")),
            (_V_INSTANCES, _("Instances in the period")),
            (_V_PER_INSTANCE, self.money(_("Cost per instance (Process variants)"))),
            (_V_COST, self.money(_("Cost = instances × cost per instance")))],
            widths={_V_OBJECT: 30, _V_PROCESS: 20, _V_VARIANT: 18, _V_INSTANCES: 12,
                    _V_PER_INSTANCE: 16, _V_COST: 16},
            title=_("Volumes: instances of each process variant per cost object"),
            note=_("Instances are inputs; a variant no process model defines costs nothing."))
        variants = self.variant_rows
        for i, item in enumerate(self.inputs.instances):
            row = table.first + i
            self.text(ws, row, _V_OBJECT, item.cost_object)
            self.text(ws, row, _V_PROCESS, item.process)
            self.text(ws, row, _V_VARIANT, item.variant)
            self.number(ws, row, _V_INSTANCES, item.instances, _QUANTITY, **_INPUT)
            per_instance = self.per_instance(item.process, item.variant)
            self.formula(ws, row, _V_PER_INSTANCE, "=" + _exact_sum(
                variants, _W_PER_INSTANCE, (_W_PROCESS, _cell(row, _V_PROCESS)),
                (_W_VARIANT, _cell(row, _V_VARIANT))), per_instance, _MONEY)
            self.formula(ws, row, _V_COST,
                         f"={_cell(row, _V_INSTANCES)}*{_cell(row, _V_PER_INSTANCE)}",
                         item.instances * per_instance, _MONEY)
        self.totals(ws, table, [_V_COST], [math.fsum(o.cost for o in self.result.objects)])

    def revenue_sheet(self) -> None:
        _ = self._
        ws, table = self.sheets[_REVENUE], self.revenues
        self.titled(ws, [(_R_OBJECT, _("Cost object")),
                         (_R_AMOUNT, self.money(_("Revenue (90.01)")))],
                    widths={_R_OBJECT: 30, _R_AMOUNT: 16}, title=_("Revenue per cost object"),
                    note=_("Inputs: revenue of the period (account 90.01)."))
        for i, item in enumerate(self.inputs.revenue):
            self.text(ws, table.first + i, _R_OBJECT, item.cost_object)
            self.number(ws, table.first + i, _R_AMOUNT, item.amount, _MONEY, **_INPUT)
        self.totals(ws, table, [_R_AMOUNT], [math.fsum(r.amount for r in self.inputs.revenue)])

    def per_instance(self, process: str, variant: str) -> float:
        """The engine's cost per instance of a process variant (0 when it has none)."""
        return math.fsum(a.cost_per_instance for a in self.result.activities
                         if (a.process, a.variant) == (process, variant))

    # -- stage 1: the ledger rules -----------------------------------------------------------

    def ledger_balance(self, rule: str) -> StageBalance:
        try:
            return self.result.balance("ledger", rule)
        except KeyError:  # "(no rule)" lines summing to 0 have no balance in the engine
            return StageBalance("ledger", rule, 0.0, 0.0)

    def stage1_sheet(self) -> None:
        _ = self._
        ws, table = self.sheets[_STAGE1], self.rules
        self.titled(ws, [
            (_S_RULE, _("Rule")), (_S_BASIS, _("Basis")), (_S_DRIVER, _("Driver")),
            (_S_TAKES, _("Takes the lines of (account / cost centre / cost item)")),
            *self.balance_labels(_S_INPUT)],
            widths={_S_RULE: 22, _S_BASIS: 9, _S_DRIVER: 14, _S_TAKES: 36,
                    **dict.fromkeys(range(_S_INPUT, _S_INPUT + 6), 16)},
            title=_("Stage 1: ledger lines → pools and support centres, per rule"),
            note=_("Input = the Ledger's amounts of the rule; assigned = the rule's receivers on "
                   "the Stage 1 receivers sheet. A percent rule leaves the rest unassigned; a "
                   "rate rule leaves what its receivers do not ask for idle, and asks more than "
                   "it has as over-driven (negative)."))
        rules = {r.id: r for r in self.ledger_rules}
        money_rows = self.receiver_row_ranges()
        for rule_id, row in self.row_of_rule.items():
            self.text(ws, row, _S_RULE, self.word(rule_id) if rule_id == NO_RULE else rule_id)
            inp = _cell(row, _S_INPUT)
            formulas: dict[str, str | float] = {"input": "=" + _exact_sum(
                self.ledger, _L_AMOUNT, (_L_RULE, _cell(row, _S_RULE)))}
            rule = rules.get(rule_id)
            if rule is None:  # (no rule): lines no rule takes stay unassigned
                self.text(ws, row, _S_TAKES, _("lines no rule takes"))
                formulas["unassigned"] = f"={inp}"
            else:
                self.text(ws, row, _S_BASIS, self.word(rule.basis))
                self.text(ws, row, _S_DRIVER, rule.driver)
                self.text(ws, row, _S_TAKES, " / ".join(
                    (rule.account, rule.cost_centre, rule.cost_item)))
                first, last = money_rows[rule_id]
                formulas["assigned"] = f"=SUM({self.column(_RECEIVERS, _T_MONEY, first, last)})"
                rest = f"{inp}-{_cell(row, _S_INPUT + 1)}"
                if rule.basis == "rate":
                    formulas["idle"] = f"=MAX({rest},0)"
                    formulas["over_driven"] = f"=MIN({rest},0)"
                else:
                    formulas["unassigned"] = f"={rest}"
            self.balance(ws, row, _S_INPUT, formulas, self.ledger_balance(rule_id))
        self.stage_totals(ws, table, _S_INPUT, self.result.stage_totals("ledger"))

    def receiver_row_ranges(self) -> dict[str, tuple[int, int]]:
        """Each ledger rule's first and last row on the Stage 1 receivers sheet."""
        ranges, row = {}, self.receivers.first
        for rule in self.ledger_rules:
            ranges[rule.id] = (row, row + len(rule.to) - 1)
            row += len(rule.to)
        return ranges

    def kind(self, receiver: str) -> str:
        """The reader's word for what ``receiver`` is (the lookups of Support centres
        compare these words)."""
        return translate(_CENTRE if receiver in self.inputs.support_centres else _POOL,
                         self.language)

    def receiver_sheet(self) -> None:
        _ = self._
        ws = self.sheets[_RECEIVERS]
        self.titled(ws, [
            (_T_RULE, _("Rule")), (_T_RECEIVER, _("Receiver")), (_T_KIND, _("Receiver is a")),
            (_T_BASIS, _("Basis")), (_T_SHARE, _("Share, %")),
            (_T_QUANTITY, _("Driver quantity (Σ on Drivers)")),
            (_T_RATE, self.money(_("Rate per driver unit"))), (_T_MONEY, self.money(_("Money")))],
            widths={_T_RULE: 22, _T_RECEIVER: 24, _T_KIND: 14, _T_BASIS: 9,
                    **dict.fromkeys(range(_T_SHARE, _T_MONEY + 1), 16)},
            title=_("Stage 1 receivers: what each rule sends each pool and support centre"),
            note=_("percent: input × share / 100; driver: input × q / Σ q of the rule's "
                   "receivers; even: input / number of receivers; rate: q × rate. Shares and "
                   "rates are inputs; q comes from the Drivers sheet."))
        row = self.receivers.first
        for rule in self.ledger_rules:
            first, last = row, row + len(rule.to) - 1
            inp = self.ref(_STAGE1, self.row_of_rule[rule.id], _S_INPUT)
            for receiver in rule.to:
                self.text(ws, row, _T_RULE, rule.id)
                self.text(ws, row, _T_RECEIVER, receiver)
                ws.write_string(row, _T_KIND, self.kind(receiver))
                ws.write_string(row, _T_BASIS, self.word(rule.basis))
                money = self.receiver_money(ws, row, rule, inp, (first, last))
                self.formula(ws, row, _T_MONEY, money,
                             self.flow_money.get((rule.id, receiver), 0.0), _MONEY)
                row += 1

    def receiver_money(self, ws, row: int, rule: AllocationRule, inp: str,
                       rows: tuple[int, int]) -> str:
        """Write the basis cells of one receiver of a ledger rule; return its money formula."""
        receiver = rule.to[row - rows[0]]
        if rule.basis != "rate":
            fraction = self.fraction(ws, row, rule, receiver, rows, share_col=_T_SHARE,
                                     quantity_col=_T_QUANTITY, receiver_col=_T_RECEIVER)
            return f"={inp}*{fraction}"
        self.quantity(ws, row, _T_QUANTITY, rule.driver or "", receiver, _T_RECEIVER)
        self.number(ws, row, _T_RATE, rule.rate_per_unit, _RATE, **_INPUT)
        return f"={_cell(row, _T_QUANTITY)}*{_cell(row, _T_RATE)}"

    def fraction(self, ws, row: int, rule: AllocationRule, receiver: str, rows: tuple[int, int],
                 *, share_col: int, quantity_col: int, receiver_col: int) -> str:
        """Write a receiver's share (percent) or driver quantity; return the fraction of the
        rule's money it gets, as a formula term (rules of every basis but ``rate``)."""
        match rule.basis:
            case "percent":
                self.number(ws, row, share_col, rule.shares.get(receiver, 0.0), "0.####",
                            **_INPUT)
                return f"{_cell(row, share_col)}/100"
            case "driver":
                self.quantity(ws, row, quantity_col, rule.driver or "", receiver, receiver_col)
                return f"{_cell(row, quantity_col)}/SUM({_column(None, quantity_col, *rows)})"
            case "even":
                return f"1/{len(rule.to)}"
            case "rate":
                raise ValueError("a rate rule sends q × rate, not a fraction")
            case _:
                assert_never(rule.basis)

    def quantity(self, ws, row: int, col: int, driver: str, receiver: str,
                 receiver_col: int) -> None:
        """A receiver's quantity of ``driver``: the sum of its rows on the Drivers sheet."""
        driver_text = '"' + driver.replace('"', '""') + '"'
        formula = "=" + _exact_sum(self.drivers, _D_QUANTITY, (_D_DRIVER, driver_text),
                                   (_D_RECEIVER, _cell(row, receiver_col)))
        self.formula(ws, row, col, formula, self.quantities.get((driver, receiver), 0.0),
                     _QUANTITY)

    # -- stage 2: support centres, the reciprocal method ---------------------------------------

    def centre_rule_sheet(self) -> None:
        _ = self._
        ws = self.sheets[_CENTRE_RULES]
        self.titled(ws, [
            (_K_RULE, _("Rule")), (_K_FROM, _("From support centre")), (_K_TO, _("To")),
            (_K_KIND, _("Receiver is a")), (_K_BASIS, _("Basis")), (_K_SHARE, _("Share, %")),
            (_K_QUANTITY, _("Driver quantity (Σ on Drivers)")),
            (_K_FRACTION, _("Fraction of the centre's money")), (_K_MONEY, self.money(_("Money")))],
            widths={_K_RULE: 22, _K_FROM: 18, _K_TO: 22, _K_KIND: 14, _K_BASIS: 9,
                    **dict.fromkeys(range(_K_SHARE, _K_MONEY + 1), 16)},
            title=_("Support centres' rules: the fraction of each centre's money each receiver "
                    "gets"),
            note=_("percent: share / 100; driver: q / Σ q of the rule's receivers; even: 1 / "
                   "number of receivers. Money = fraction × the centre's total (the reciprocal "
                   "solution on the Support centres sheet)."))
        row = self.centre_sends.first
        for rule in self.centre_rules:
            centre = rule.from_centre or ""
            first, last = row, row + len(rule.to) - 1
            total = self.ref(_CENTRES, self.row_of_centre[centre], _C_INPUT)
            for receiver, fraction in zip(rule.to, _fractions(rule, self.quantities),
                                          strict=True):
                self.text(ws, row, _K_RULE, rule.id)
                self.text(ws, row, _K_FROM, centre)
                self.text(ws, row, _K_TO, receiver)
                ws.write_string(row, _K_KIND, self.kind(receiver))
                ws.write_string(row, _K_BASIS, self.word(rule.basis))
                term = self.fraction(ws, row, rule, receiver, (first, last), share_col=_K_SHARE,
                                     quantity_col=_K_QUANTITY, receiver_col=_K_TO)
                self.formula(ws, row, _K_FRACTION, "=" + term, fraction, _FRACTION)
                self.formula(ws, row, _K_MONEY, f"={_cell(row, _K_FRACTION)}*{total}",
                             fraction * self.result.support_totals[centre], _MONEY)
                row += 1

    def centre_sheet(self) -> None:
        _ = self._
        ws, table, n = self.sheets[_CENTRES], self.centre_rows, len(self.centres)
        s_col, m_col = _C_MATRIX, _C_MATRIX + n + 1
        self.titled(ws, [
            (_C_ID, _("Support centre")), (_C_NAME, _("Name")),
            (_C_DIRECT, self.money(_("Direct d (Stage 1)"))),
            (_C_RECEIVED, self.money(_("From other centres"))),
            (_C_CHECK, self.money(_("Check: s − d − from centres"))),
            (_C_TO_CENTRES, self.money(_("To support centres"))),
            (_C_TO_POOLS, self.money(_("To pools"))),
            *self.balance_labels(_C_INPUT),
            *((s_col + j, c) for j, c in enumerate(self.centres)),
            *((m_col + j, c) for j, c in enumerate(self.centres))],
            widths={_C_ID: 16, _C_NAME: 24,
                    **dict.fromkeys(range(_C_DIRECT, _C_INPUT + len(_PARTS) + 1), 15)},
            title=_("Support centres: reciprocal method, (I − Sᵀ) s = d"),
            note=_("s (the input column) = MMULT(MINVERSE(I − Sᵀ), d), an array formula; "
                   "S[row, column] = the fraction the row's centre sends the column's centre "
                   "(Centre rules). Assigned = what the centre sends on; the rest is "
                   "unassigned."))
        if n:
            ws.write_string(_HEADER - 1, s_col, _("S: fraction row → column"),
                            self.style(bold=True))
            ws.write_string(_HEADER - 1, m_col, "I − Sᵀ", self.style(bold=True))
        sends = self.centre_sends
        fractions = self.fraction_matrix()
        for i, centre in enumerate(self.centres):
            row = table.first + i
            total = self.result.support_totals[centre]
            self.text(ws, row, _C_ID, centre)
            self.text(ws, row, _C_NAME, self.inputs.support_centres[centre])
            key = _cell(row, _C_ID)
            self.formula(ws, row, _C_DIRECT, "=" + _exact_sum(
                self.receivers, _T_MONEY, (_T_RECEIVER, key)),
                self.result.to_receivers.get(centre, 0.0), _MONEY)
            received = math.fsum(fractions[j][i] * self.result.support_totals[other]
                                 for j, other in enumerate(self.centres))
            self.formula(ws, row, _C_RECEIVED, "=" + _exact_sum(sends, _K_MONEY, (_K_TO, key)),
                         received, _MONEY)
            self.formula(ws, row, _C_CHECK, f"={_cell(row, _C_INPUT)}-{_cell(row, _C_DIRECT)}"
                         f"-{_cell(row, _C_RECEIVED)}", 0.0, _DIFF)
            to_centres = total * math.fsum(fractions[i])
            for col, kind, value in ((_C_TO_CENTRES, _CENTRE, to_centres),
                                     (_C_TO_POOLS, _POOL,
                                      self.result.balance("support", centre).assigned
                                      - to_centres)):
                self.formula(ws, row, col, "=" + _exact_sum(
                    sends, _K_MONEY, (_K_FROM, key),
                    (_K_KIND, '"' + translate(kind, self.language).replace('"', '""') + '"')),
                    value, _MONEY)
            self.balance(ws, row, _C_INPUT, {
                "input": total,  # replaced by the array formula below
                "assigned": f"={_cell(row, _C_TO_CENTRES)}+{_cell(row, _C_TO_POOLS)}",
                "unassigned": f"={_cell(row, _C_INPUT)}-{_cell(row, _C_INPUT + 1)}"},
                self.result.balance("support", centre))
            for j in range(n):
                self.formula(ws, row, s_col + j, "=" + _exact_sum(
                    sends, _K_FRACTION, (_K_FROM, _cell(row, _C_ID, absolute=True)),
                    (_K_TO, _cell(_HEADER, s_col + j, absolute=True))), fractions[i][j],
                    _FRACTION)
                transposed = _cell(table.first + j, s_col + i)  # Sᵀ[i, j] = S[j, i]
                self.formula(ws, row, m_col + j, f"={'1' if i == j else '0'}-{transposed}",
                             (i == j) - fractions[j][i], "0.####")
        if n:
            matrix = f"{_cell(table.first, m_col, absolute=True)}:" \
                     f"{_cell(table.last, m_col + n - 1, absolute=True)}"
            direct = _column(None, _C_DIRECT, table.first, table.last)
            ws.write_array_formula(
                table.first, _C_INPUT, table.last, _C_INPUT,
                f"{{=MMULT(MINVERSE({matrix}),{direct})}}",
                self.style(num_format=_MONEY), self.result.support_totals[self.centres[0]])
            # The other cells of an array formula hold only its cached results.
            for i, centre in enumerate(self.centres[1:], start=1):
                self.number(ws, table.first + i, _C_INPUT, self.result.support_totals[centre],
                            _MONEY)
        self.stage_totals(ws, table, _C_INPUT, self.result.stage_totals("support"))

    def fraction_matrix(self) -> list[list[float]]:
        """S: the engine's fraction centre i sends centre j (for the cached values)."""
        at = {c: i for i, c in enumerate(self.centres)}
        s = [[0.0] * len(self.centres) for _ in self.centres]
        for rule in self.centre_rules:
            for receiver, fraction in zip(rule.to, _fractions(rule, self.quantities),
                                          strict=True):
                if receiver in at:
                    s[at[rule.from_centre or ""]][at[receiver]] += fraction
        return s

    # -- stage 3: pools → activities ---------------------------------------------------------

    def used_units(self, pool: str) -> float:
        return math.fsum(u.per_instance * self.volume.get((u.model.process, u.model.variant), 0.0)
                         for u in self.uses if u.pool == pool)

    def pool_sheet(self) -> None:
        _ = self._
        ws, table = self.sheets[_POOLS], self.pool_rows
        result = self.result
        self.titled(ws, [
            (_P_ID, _("Pool")), (_P_NAME, _("Name")), (_P_UNIT, _("Unit")),
            (_P_FROM_LEDGER, self.money(_("From the ledger (Stage 1)"))),
            (_P_FROM_CENTRES, self.money(_("From support centres"))),
            (_P_BASIS, _("Rate from")), (_P_CAPACITY, _("Capacity in the period, units")),
            (_P_RATE, self.money(_("Rate per unit"))),
            (_P_USED_UNITS, _("Units the activities use")),
            *self.balance_labels(_P_INPUT)],
            widths={_P_ID: 18, _P_NAME: 26, _P_UNIT: 6,
                    **dict.fromkeys(range(_P_FROM_LEDGER, _P_INPUT + 6), 15)},
            title=_("Pools: money, the period's rate, what the activities use, idle"),
            note=_("Input = from the ledger + from support centres. Rate: capacity pools money / "
                   "capacity (minutes in the period: {capacity_rule}); other pools the model's "
                   "rate (a value). Assigned = the money of the Pool use rows; the rest is idle, "
                   "or over-driven when they use more; a pool no activity uses stays "
                   "unassigned.", capacity_rule=self.inputs.capacity_rule or _("as given")))
        for pool, row in self.row_of_pool.items():
            key, inp, used = (_cell(row, _P_ID), _cell(row, _P_INPUT),
                              _cell(row, _P_INPUT + 1))
            self.text(ws, row, _P_ID, pool)
            self.text(ws, row, _P_NAME, self.inputs.pools.get(pool))
            ws.write_string(row, _P_UNIT, self.word(_unit_of(self.inputs.models, pool)))
            from_ledger = result.to_receivers.get(pool, 0.0)
            self.formula(ws, row, _P_FROM_LEDGER, "=" + _exact_sum(
                self.receivers, _T_MONEY, (_T_RECEIVER, key)), from_ledger, _MONEY)
            self.formula(ws, row, _P_FROM_CENTRES, "=" + _exact_sum(
                self.centre_sends, _K_MONEY, (_K_TO, key)),
                result.pool_totals[pool] - from_ledger, _MONEY)
            self.pool_rate(ws, row, pool)
            self.formula(ws, row, _P_USED_UNITS, "=" + _exact_sum(
                self.use_rows, _U_UNITS, (_U_POOL, key)), self.used_units(pool), _QUANTITY)
            self.balance(ws, row, _P_INPUT, {
                "input": f"={_cell(row, _P_FROM_LEDGER)}+{_cell(row, _P_FROM_CENTRES)}",
                "assigned": "=" + _exact_sum(self.use_rows, _U_MONEY, (_U_POOL, key)),
                "idle": f"=IF({used}=0,0,MAX({inp}-{used},0))",
                "unassigned": f"=IF({used}=0,{inp},0)",
                "over_driven": f"=IF({used}=0,0,MIN({inp}-{used},0))"},
                result.balance("pools", pool))
        self.stage_totals(ws, table, _P_INPUT, result.stage_totals("pools"))

    def pool_rate(self, ws, row: int, pool: str) -> None:
        """The pool's rate: money / capacity (a formula) or a given or the model's rate."""
        basis: RateBasis | None = self.result.rate_basis.get(pool)
        capacity = self.inputs.capacities.get(pool)
        if capacity is not None:
            self.number(ws, row, _P_CAPACITY, capacity, _QUANTITY, **_INPUT)
        if basis is None:  # a pool no model uses: no rate
            return
        ws.write_string(row, _P_BASIS, self.word(basis))
        rate = self.result.pool_rates[pool]
        match basis:
            case "capacity":
                self.formula(ws, row, _P_RATE,
                             f"={_cell(row, _P_INPUT)}/{_cell(row, _P_CAPACITY)}", rate, _RATE)
            case "given" | "model":
                self.number(ws, row, _P_RATE, rate, _RATE)
            case _:
                assert_never(basis)

    def use_sheet(self) -> None:
        _ = self._
        ws = self.sheets[_USE]
        self.titled(ws, [
            (_U_PROCESS, _("Process")), (_U_VARIANT, _("Variant")), (_U_ACTIVITY, _("Activity")),
            (_U_POOL, _("Pool")), (_U_UNIT, _("Unit")),
            (_U_PER_INSTANCE, _("Units per instance (expected executions × per execution)")),
            (_U_INSTANCES, _("Instances (Process variants)")), (_U_UNITS, _("Units used")),
            (_U_RATE, self.money(_("Rate per unit"))), (_U_MONEY, self.money(_("Money")))],
            widths={_U_PROCESS: 18, _U_VARIANT: 16, _U_ACTIVITY: 22, _U_POOL: 18, _U_UNIT: 6,
                    **dict.fromkeys(range(_U_PER_INSTANCE, _U_MONEY + 1), 15)},
            title=_("Pool use: each activity's minutes (or uses) of each pool at the period's "
                    "rate"),
            note=_("Units per instance are the exact engine's expected executions × mean "
                   "minutes (or uses) per execution (values); instances link to Process "
                   "variants; the rate links to Pools for capacity pools, is the model's rate "
                   "otherwise."))
        for i, use in enumerate(self.uses):
            row = self.use_rows.first + i
            model = use.model
            volume = self.volume.get((model.process, model.variant), 0.0)
            self.text(ws, row, _U_PROCESS, model.process)
            self.text(ws, row, _U_VARIANT, model.variant)
            self.text(ws, row, _U_ACTIVITY, use.activity)
            self.text(ws, row, _U_POOL, use.pool)
            ws.write_string(row, _U_UNIT, self.word(use.unit))
            self.number(ws, row, _U_PER_INSTANCE, use.per_instance, _RATE)
            self.formula(ws, row, _U_INSTANCES, "=" + self.ref(
                _VARIANTS, self.row_of_variant[model.process, model.variant], _W_INSTANCES),
                volume, _QUANTITY)
            self.formula(ws, row, _U_UNITS,
                         f"={_cell(row, _U_PER_INSTANCE)}*{_cell(row, _U_INSTANCES)}",
                         use.per_instance * volume, _QUANTITY)
            rate = self.use_rate(ws, row, use)
            self.formula(ws, row, _U_MONEY, f"={_cell(row, _U_UNITS)}*{_cell(row, _U_RATE)}",
                         use.per_instance * volume * rate, _MONEY)
        if self.use_rows.count:
            ws.autofilter(_HEADER, 0, self.use_rows.last, _U_MONEY)

    def use_rate(self, ws, row: int, use: _Use) -> float:
        """Write the rate of one use (the engine's choice of rate); return it."""
        basis: RateBasis = self.result.rate_basis.get(use.pool, "model")
        match basis:
            case "capacity" | "given":
                rate = self.result.pool_rates[use.pool]
                self.formula(ws, row, _U_RATE,
                             "=" + self.ref(_POOLS, self.row_of_pool[use.pool], _P_RATE), rate,
                             _RATE)
            case "model":  # each variant keeps its own rate (its overrides)
                rate = use.model_rate
                self.number(ws, row, _U_RATE, rate, _RATE)
            case _:
                assert_never(basis)
        return rate

    # -- stage 4: activities → cost objects ----------------------------------------------------

    def activity_sheet(self) -> None:
        _ = self._
        ws, table = self.sheets[_ACTIVITIES], self.activity_rows
        self.titled(ws, [
            (_A_PROCESS, _("Process")), (_A_VARIANT, _("Variant")), (_A_ACTIVITY, _("Activity")),
            (_A_NAME, _("Name")), (_A_INSTANCES, _("Instances (Process variants)")),
            (_A_COST, self.money(_("Cost (Σ Pool use)"))),
            (_A_PER_INSTANCE, self.money(_("Cost per instance")))],
            widths={_A_PROCESS: 18, _A_VARIANT: 16, _A_ACTIVITY: 22, _A_NAME: 36,
                    _A_INSTANCES: 12, _A_COST: 16, _A_PER_INSTANCE: 16},
            title=_("Activities: what each activity got from the pools"),
            note=_("Cost = the money of the activity's Pool use rows; cost per instance = cost / "
                   "the variant's instances."))
        engine = {(a.process, a.variant, a.activity): a for a in self.result.activities}
        use_row = self.use_rows.first
        for i, (model, activity_id) in enumerate(self.activities):
            row = table.first + i
            count = sum(1 for u in self.uses if (u.model, u.activity) == (model, activity_id))
            found = engine.get((model.process, model.variant, activity_id))
            self.text(ws, row, _A_PROCESS, model.process)
            self.text(ws, row, _A_VARIANT, model.variant)
            self.text(ws, row, _A_ACTIVITY, activity_id)
            self.text(ws, row, _A_NAME, model.activities[activity_id].name)
            self.formula(ws, row, _A_INSTANCES, "=" + self.ref(
                _VARIANTS, self.row_of_variant[model.process, model.variant], _W_INSTANCES),
                self.volume.get((model.process, model.variant), 0.0), _QUANTITY)
            self.formula(ws, row, _A_COST,
                         f"=SUM({self.column(_USE, _U_MONEY, use_row, use_row + count - 1)})",
                         found.cost if found else 0.0, _MONEY)
            self.formula(ws, row, _A_PER_INSTANCE,
                         f"=IF({_cell(row, _A_INSTANCES)}=0,0,"
                         f"{_cell(row, _A_COST)}/{_cell(row, _A_INSTANCES)})",
                         found.cost_per_instance if found else 0.0, _MONEY)
            use_row += count
        self.totals(ws, table, [_A_COST], [math.fsum(a.cost for a in self.result.activities)],
                    label_col=_A_NAME)

    def variant_sheet(self) -> None:
        _ = self._
        ws, table = self.sheets[_VARIANTS], self.variant_rows
        self.titled(ws, [
            (_W_PROCESS, _("Process")), (_W_VARIANT, _("Variant")), (_W_TITLE, _("Title")),
            (_W_INSTANCES, _("Instances (Σ Volumes)")),
            (_W_COST, self.money(_("Cost (Σ Activities)"))),
            (_W_PER_INSTANCE, self.money(_("Cost per instance")))],
            widths={_W_PROCESS: 18, _W_VARIANT: 16, _W_TITLE: 40, _W_INSTANCES: 12,
                    _W_COST: 16, _W_PER_INSTANCE: 16},
            title=_("Process variants: instances in the period and cost per instance"),
            note=_("Instances = the Volumes rows of the variant (all cost objects); cost per "
                   "instance = cost / instances."))
        activity_row = self.activity_rows.first
        for model, row in zip(self.inputs.models, range(table.first, table.total), strict=True):
            key = (model.process, model.variant)
            count = sum(1 for m, _ in self.activities if (m.process, m.variant) == key)
            volume = self.volume.get(key, 0.0)
            per_instance = self.per_instance(*key)
            self.text(ws, row, _W_PROCESS, model.process)
            self.text(ws, row, _W_VARIANT, model.variant)
            self.text(ws, row, _W_TITLE, model.title)
            self.formula(ws, row, _W_INSTANCES, "=" + _exact_sum(
                self.volumes, _V_INSTANCES, (_V_PROCESS, _cell(row, _W_PROCESS)),
                (_V_VARIANT, _cell(row, _W_VARIANT))), volume, _QUANTITY)
            costs = self.column(_ACTIVITIES, _A_COST, activity_row, activity_row + count - 1)
            cost = f"=SUM({costs})" if count else "=0"
            self.formula(ws, row, _W_COST, cost, per_instance * volume, _MONEY)
            self.formula(ws, row, _W_PER_INSTANCE,
                         f"=IF({_cell(row, _W_INSTANCES)}=0,0,"
                         f"{_cell(row, _W_COST)}/{_cell(row, _W_INSTANCES)})", per_instance,
                         _MONEY)
            activity_row += count

    def object_sheet(self) -> None:
        _ = self._
        ws, table = self.sheets[_OBJECTS], self.object_rows
        self.titled(ws, [
            (_O_OBJECT, _("Cost object")), (_O_COST, self.money(_("Cost (Σ Volumes)"))),
            (_O_REVENUE, self.money(_("Revenue"))), (_O_MARGIN, self.money(_("Margin")))],
            widths={_O_OBJECT: 32, _O_COST: 16, _O_REVENUE: 16, _O_MARGIN: 16},
            title=_("Cost objects: cost = Σ instances × cost per instance, revenue, margin"),
            note=_("Cost = the cost of the object's Volumes rows; revenue from the Revenue "
                   "sheet; margin = revenue − cost (only where revenue is given); the total "
                   "margin is the total revenue − the cost of every cost object."))
        for o, row in zip(self.result.objects, range(table.first, table.total), strict=True):
            key = _cell(row, _O_OBJECT)
            self.text(ws, row, _O_OBJECT, o.cost_object)
            self.formula(ws, row, _O_COST, "=" + _exact_sum(
                self.volumes, _V_COST, (_V_OBJECT, key)), o.cost, _MONEY)
            if o.revenue is not None and o.margin is not None:
                self.formula(ws, row, _O_REVENUE, "=" + _exact_sum(
                    self.revenues, _R_AMOUNT, (_R_OBJECT, key)), o.revenue, _MONEY)
                self.formula(ws, row, _O_MARGIN, f"={_cell(row, _O_REVENUE)}-{_cell(row, _O_COST)}",
                             o.margin, _MONEY)
        totals = profitability_totals(self.result.objects)
        self.totals(ws, table, [_O_COST, _O_REVENUE], [totals.cost, totals.revenue or 0.0])
        # The total margin is the total revenue − the total cost (an object without revenue
        # adds its cost and no revenue), so the total row reads across.
        self.formula(ws, table.total, _O_MARGIN,
                     f"={_cell(table.total, _O_REVENUE)}-{_cell(table.total, _O_COST)}",
                     totals.margin if totals.margin is not None else -totals.cost, _MONEY,
                     **_TOTAL)
        self.text(ws, table.total, _O_OBJECT, _("Total, all cost objects"), **_TOTAL)

    # -- the stage balance -------------------------------------------------------------------

    def balance_sheet(self) -> None:
        _ = self._
        ws, inputs, result = self.sheets[_BALANCE], self.inputs, self.result
        self.titled(ws, [(_B_STAGE, _("Stage")), (_B_WHAT, _("Nodes")),
                         *self.balance_labels(_B_INPUT)],
                    widths={_B_STAGE: 30, _B_WHAT: 40, **dict.fromkeys(range(2, 8), 17)},
                    title=_("Stage balance {period} ({scenario}), {currency}",
                            period=inputs.period, scenario=inputs.scenario,
                            currency=self.currency),
                    note=_("Each stage: input = assigned + idle + unassigned + over-driven; the "
                           "figures link to the stage sheets, which are formulas over the "
                           "Ledger, Drivers, Volumes and Revenue sheets. A difference of half a "
                           "kopeck or more is red."))
        diff = _B_INPUT + len(_PARTS)
        stages = {
            "ledger": (_STAGE1, self.rules, _S_INPUT, _("Ledger rules → pools, support centres")),
            "support": (_CENTRES, self.centre_rows, _C_INPUT,
                        _("Support centres → pools (reciprocal)")),
            "pools": (_POOLS, self.pool_rows, _P_INPUT, _("Pools → activities (period rate)")),
        }
        for i, stage in enumerate(_STAGE_ROWS):
            row = _FIRST + i
            ws.write_string(row, _B_STAGE, self.word(stage))
            if stage == "activities":
                self.activity_stage(ws, row)
                continue
            sheet, table, first, what = stages[stage]
            ws.write_string(row, _B_WHAT, what)
            totals = result.stage_totals(stage)
            self.balance(ws, row, _B_INPUT, {
                part: "=" + self.ref(sheet, table.total, first + k)
                for k, part in enumerate(_PARTS)}, totals)
        self.flag_differences(ws, _FIRST, _FIRST + len(_STAGE_ROWS) - 1, diff)
        row = self.reconciliation(ws, _FIRST + len(_STAGE_ROWS) + 1)
        self.provenance(ws, row + 1)

    def activity_stage(self, ws, row: int) -> None:
        """Activities → cost objects: the Activities' cost against the Cost objects' cost."""
        _ = self._
        ws.write_string(row, _B_WHAT, _("Activities → cost objects (instances)"))
        cost = math.fsum(a.cost for a in self.result.activities)
        self.balance(ws, row, _B_INPUT, {
            "input": "=" + self.ref(_ACTIVITIES, self.activity_rows.total, _A_COST),
            "assigned": "=" + self.ref(_OBJECTS, self.object_rows.total, _O_COST)},
            StageBalance("activities", "total", cost,
                         math.fsum(o.cost for o in self.result.objects)))

    def reconciliation(self, ws, row: int) -> int:
        """Ledger total = cost objects + what stops at any stage; returns the next free row."""
        _ = self._
        ws.write_string(row, _B_STAGE, _("The whole chain"), self.style(bold=True))
        stages = f"{_cell(_FIRST, 0)}:{_cell(_FIRST + len(_STAGE_ROWS) - 1, 0)}"
        sums = {part: f"=SUM({stages.replace('A', xl_col_to_name(_B_INPUT + k))})"
                for k, part in enumerate(_PARTS) if part in ("idle", "unassigned", "over_driven")}
        totals = [self.result.stage_totals(s) for s in ("ledger", "support", "pools")]
        items = [
            (_("Ledger total (Σ Ledger amounts)"),
             "=" + self.ref(_LEDGER, self.ledger.total, _L_AMOUNT),
             self.result.ledger_total),
            (_("Cost objects (Σ cost)"), "=" + self.ref(_OBJECTS, self.object_rows.total, _O_COST),
             math.fsum(o.cost for o in self.result.objects)),
            *((translate(_ALL_STAGES[part], self.language), sums[part],
               math.fsum(getattr(t, part) for t in totals))
              for part in ("idle", "unassigned", "over_driven")),
        ]
        for k, (label, formula, value) in enumerate(items, start=1):
            ws.write_string(row + k, _B_STAGE, label)
            self.formula(ws, row + k, _B_INPUT, formula, value, _MONEY)
        last = row + len(items) + 1
        ws.write_string(last, _B_STAGE, _("Difference: ledger − objects − idle − unassigned − "
                                           "over-driven"), self.style(bold=True))
        cells = [_cell(row + k, _B_INPUT) for k in range(1, len(items) + 1)]
        self.formula(ws, last, _B_INPUT, f"={cells[0]}-SUM({cells[1]}:{cells[-1]})",
                     items[0][2] - math.fsum(v for _, _, v in items[1:]), _DIFF, bold=True)
        self.flag_differences(ws, last, last, _B_INPUT)
        return last + 2

    def provenance(self, ws, row: int) -> None:
        _ = self._
        inputs = self.inputs
        facts = [(_("Period"), inputs.period), (_("Scenario"), inputs.scenario),
                 (_("Currency"), inputs.currency),
                 (_("Capacity of the pools"),
                  translate(inputs.capacity_rule, self.language) if inputs.capacity_rule
                  else _("as given"))]
        ws.write_string(row, _B_STAGE, _("Period"), self.style(bold=True))
        for k, (label, value) in enumerate(facts, start=1):
            ws.write_string(row + k, _B_STAGE, label)
            self.text(ws, row + k, _B_WHAT, value)
        row += len(facts) + 2
        bold = self.style(bold=True, bg_color="#D9E1F2", bottom=1)
        for col, label in enumerate((_("Input file (role)"), _("File"), "SHA-256")):
            ws.write_string(row, col, label, bold)
        for k, (role, (name, sha256)) in enumerate(inputs.files.items(), start=1):
            self.text(ws, row + k, 0, role if self.language == "en" or role not in _ROLES
                      else translate(_ROLES[role], self.language))
            self.text(ws, row + k, 1, name)
            self.text(ws, row + k, 2, sha256)
