"""The audit workbook's money inputs: the resource catalogue and the payroll rules as cells.

Two sheets of :func:`abc_costing.reports.workbook.workbook_bytes`:

- **Payroll rules** (правила страховых взносов и производственный календарь): one row
  per year, the cited parameters of :func:`abc_costing.payroll.contribution_rules`
  (единая предельная база, 30 %, 15.1 %, МРОТ, the SME threshold of 1.5 МРОТ and
  its 15 %) and the hours of the production calendar; below them the
  травматизм rate of each class of professional risk. Every parameter is an
  input cell with its source, so an auditor can check it against the law.
- **Catalogue** (справочник ресурсов): one row per pool the reported model uses, with
  where it comes from (the library's ``resources.yaml``, an override, the
  model file), its inputs (штатная численность, оклад, премия, regime, injury
  class, productive share, capacity, a stated rate or cost per month, cost per
  use) and the payroll derivation as formulas over the rules:

  - ФОТ per person per year = (оклад + премия) × 12;
  - страховые взносы, general regime: ``MIN(ФОТ, base) × 30 % + MAX(0, ФОТ − base) ×
    15.1 %``. For a constant monthly pay this equals the month-by-month rule of
    :func:`~abc_costing.payroll.loaded_cost_per_year` (the base runs out in the
    month pay since 1 January passes it; what is above pays 15.1 %);
  - SME regime: each month the pay up to 1.5 МРОТ (``t``, its own column) pays the
    general tariff and the rest 15 %: ``W × 30 % + (12 t − W) × 15.1 % + (ФОТ − 12 t)
    × 15 %``, where ``W`` (its own column) is the part of the twelve ``t`` within
    the base: all of it while ФОТ stays within the base, else see
    :func:`sme_within_base_formula`. The regime is shown, not an input: each
    regime has its own formula;
  - травматизм = ФОТ × the class's rate; loaded cost = ФОТ + взносы + травматизм;
  - cost per month of the pool = headcount × loaded cost / 12; practical capacity
    (практическая ёмкость) from the production calendar = headcount × calendar
    hours per year / 12 × productive share; rate per hour = cost per month /
    capacity (or the stated rate).

The Resources sheet links its rate, cost per month, capacity and cost per use
to these cells, so changing a salary moves every cost of the workbook.

With a baseline, the baseline's activities (the Baseline sheet) are priced
from the same rows: a pool both variants take unchanged (the same catalogue
pool, or the same values written in both files, overridden by neither) has
one row, so a salary edit moves baseline and candidate together and the
saving moves only by the difference of their work. A pool the baseline
defines otherwise (an override in either variant, or a pool only the
baseline uses) gets a row of its own below the candidate's, under a heading:
editing one variant's row is then a price effect (see
:func:`shared_pools`).

Examples
--------
>>> general_contributions_formula(pay_per_year="L5", base="B", within="W", above="A")
'MIN(L5,B)*W+MAX(0,L5-B)*A'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, assert_never

from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell

from abc_costing.model import LaborResource, PerUseResource, ProcessModel
from abc_costing.payroll import (
    PayrollError,
    contribution_rules,
    contribution_years,
    injury_rates,
    loaded_cost_per_year,
    provisional_note,
    shipped_years,
    year_months,
)

if TYPE_CHECKING:
    from abc_costing.reports.workbook import _Writer

__all__ = ["CATALOGUE_SHEET", "RULES_SHEET", "CatalogueCells", "CatalogueSheets",
           "general_contributions_formula", "shared_pools", "sme_within_base_formula"]

CATALOGUE_SHEET = "Catalogue"
RULES_SHEET = "Payroll rules"
_MONTHS = 12

# The layout every table of the workbook shares: title, note, header in row 4, data from 5.
_TITLE, _NOTE, _HEADER, _FIRST = 0, 1, 3, 4
_MONEY = "#,##0.00"
_RATE = "0.0##%"
_INPUT = {"bg_color": "#FFF2CC", "font_color": "#1F4E79"}
_HOW = {"font_color": "#595959"}

# Columns of the Payroll rules sheet (one row per year) and of its injury table.
(_Y_YEAR, _Y_BASE, _Y_WITHIN, _Y_ABOVE, _Y_MROT, _Y_SME_MROT, _Y_SME_THRESHOLD, _Y_SME_RATE,
 _Y_HOURS, _Y_SOURCE) = range(10)
_I_CLASS, _I_RATE, _I_SOURCE = range(3)
#: Defined names of the rule columns, for formulas an auditor can read.
_RULE_NAMES = {_Y_YEAR: "rules_year", _Y_BASE: "rules_single_base", _Y_WITHIN: "rules_rate_within",
               _Y_ABOVE: "rules_rate_above", _Y_SME_THRESHOLD: "rules_sme_threshold",
               _Y_SME_RATE: "rules_sme_rate", _Y_HOURS: "rules_calendar_hours"}

# Columns of the Catalogue sheet.
(C_ID, C_NAME, C_KIND, C_SOURCE, C_YEAR, C_HEADCOUNT, C_SALARY, C_BONUS, C_REGIME, C_INJURY,
 C_RULES_ROW, C_PAY_YEAR, C_SME_PAY, C_SME_WITHIN, C_CONTRIBUTIONS, C_INJURY_COST, C_LOADED,
 C_SHARE, C_CAPACITY, C_COST_MONTH, C_RATE_HOUR, C_COST_USE, C_BASIS) = range(23)


def _col(col: int) -> str:
    return xl_col_to_name(col)


def general_contributions_formula(*, pay_per_year: str, base: str, within: str,
                                  above: str) -> str:
    """Страховые взносы of a year's constant pay, general regime (a formula without ``=``).

    30 % of the pay within the single base, 15.1 % of the rest: equal to the
    month-by-month rule because the base is crossed once and stays crossed.

    >>> general_contributions_formula(pay_per_year="P", base="B", within="W", above="A")
    'MIN(P,B)*W+MAX(0,P-B)*A'
    """
    return f"MIN({pay_per_year},{base})*{within}+MAX(0,{pay_per_year}-{base})*{above}"


def sme_within_base_formula(*, pay_per_month: str, threshold_pay: str, base: str) -> str:
    """SME regime: the year's pay up to 1.5 МРОТ that falls within the base (no ``=``).

    Each month the part ``t`` of pay up to the threshold pays the general tariff:
    30 % while the base lasts. Within the base (12 × pay ≤ base) that is all
    twelve parts. Above it, the parts of the first ``n = MIN(12, INT((base − t) /
    pay) + 1)`` months fit whole, and the next month's only up to what is left
    of the base, ``base − n × pay`` (the month-by-month rule counts that month's
    part against the base before the rest of its pay).

    >>> sme_within_base_formula(pay_per_month="p", threshold_pay="t", base="B")
    'IF(12*p<=B,12*t,MIN(12,INT((B-t)/p)+1)*t+IF(MIN(12,INT((B-t)/p)+1)<12,MAX(0,B-MIN(12,INT((B-t)/p)+1)*p),0))'
    """
    n = f"MIN(12,INT(({base}-{threshold_pay})/{pay_per_month})+1)"
    return (f"IF(12*{pay_per_month}<={base},12*{threshold_pay},"
            f"{n}*{threshold_pay}+IF({n}<12,MAX(0,{base}-{n}*{pay_per_month}),0))")


def _rule_years(*models: ProcessModel | None) -> tuple[int, ...]:
    used = {r.year for model in models if model is not None for r in model.resources.values()
            if isinstance(r, LaborResource) and r.year is not None}
    return tuple(sorted(used | set(contribution_years()) | set(shipped_years())))


def _overridden(model: ProcessModel, resource_id: str) -> bool:
    use = model.catalogue
    return use is not None and bool(use.overridden.get(resource_id))


def shared_pools(baseline: ProcessModel, candidate: ProcessModel) -> frozenset[str]:
    """The pools the baseline prices from the candidate's Catalogue rows.

    A pool both define with the same values and neither overrides: the same
    catalogue pool, or the same resource written in both files. An edit of
    its row changes both variants' costs alike, so it is no saving. Any other
    pool of the baseline (overridden by either variant, defined otherwise, or
    only in the baseline) has a row of its own.

    >>> from abc_costing.model import ProcessModel
    >>> def variant(rate_per_hour):
    ...     return ProcessModel.model_validate({
    ...         "format": "abc-costing/1", "process": "p", "variant": "v",
    ...         "resources": {"clerk": {"kind": "labor", "rate_per_hour": rate_per_hour},
    ...                       "robot": {"kind": "per_use", "cost_per_use": 2}},
    ...         "activities": {"a": {"labor": {"clerk": 60}, "uses": {"robot": 1}}},
    ...         "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...         "flows": [["s", "a"], ["a", "e"]]})
    >>> sorted(shared_pools(variant(600), variant(900)))  # the clerk's rate differs
    ['robot']
    """
    return frozenset(
        rid for rid, resource in baseline.resources.items()
        if rid in candidate.resources and resource == candidate.resources[rid]
        and not _overridden(baseline, rid) and not _overridden(candidate, rid))


@dataclass(frozen=True)
class CatalogueCells:
    """Where the Catalogue sheet puts each pool (0-based rows), for the sheets that link to it.

    Attributes:
      rows: pool id -> its row on the Catalogue sheet (the reported model's pools).
      baseline_rows: the baseline's pools that are not shared (see
        :func:`shared_pools`) -> their own rows, below a heading after the others.
    """

    rows: dict[str, int]
    baseline_rows: dict[str, int]
    sheet: str = CATALOGUE_SHEET  # its name in the reader's language

    @classmethod
    def of(cls, model: ProcessModel, baseline: ProcessModel | None = None, *,
           sheet: str = CATALOGUE_SHEET) -> CatalogueCells:
        rows = {rid: _FIRST + i for i, rid in enumerate(model.resources)}
        shared = shared_pools(baseline, model) if baseline is not None else frozenset()
        own = [rid for rid in (baseline.resources if baseline is not None else ())
               if rid not in shared]
        # a blank row (the tables stop there) and a heading row, then the baseline's rows
        first = _FIRST + len(rows) + 2
        return cls(rows, {rid: first + i for i, rid in enumerate(own)}, sheet)

    @property
    def baseline_heading(self) -> int:
        """The row of the heading over the baseline's own rows."""
        return _FIRST + len(self.rows) + 1

    def ref(self, resource_id: str, col: int, *, baseline: bool = False) -> str:
        """An absolute reference to one cell of a pool's row (``'Catalogue'!$S$5``);
        ``baseline``: the row that prices the baseline's use of the pool."""
        row = (self.baseline_rows.get(resource_id, self.rows.get(resource_id)) if baseline
               else self.rows[resource_id])
        assert row is not None, resource_id
        return f"{quote_sheetname(self.sheet)}!{xl_rowcol_to_cell(row, col, True, True)}"


class CatalogueSheets:
    """Writes the Payroll rules and Catalogue sheets of one workbook."""

    def __init__(self, writer: _Writer) -> None:
        self.w = writer
        self.model = writer.model
        self.baseline = writer.inputs.baseline if writer.inputs.comparison is not None else None
        self.cells = CatalogueCells.of(writer.model, self.baseline,
                                       sheet=writer.sheet_name[CATALOGUE_SHEET])
        self.years = _rule_years(writer.model, self.baseline)
        self.year_row = {year: _FIRST + i for i, year in enumerate(self.years)}
        self.injury_header = _FIRST + len(self.years) + 2
        self.injury_row = {c: self.injury_header + 1 + i for i, c in enumerate(injury_rates())}
        use = writer.model.catalogue or (self.baseline.catalogue if self.baseline else None)
        recorded = next((item for item in writer.inputs.provenance.inputs
                         if item.role == "catalogue"), None)
        # The library-relative name the Provenance sheet records, never a server path.
        self.catalogue_name = (recorded.path if recorded is not None
                               else PurePath(use.file).name if use is not None else None)

    def write(self) -> None:
        self.rules()
        self.catalogue()

    # -- Payroll rules -----------------------------------------------------------------------

    def rules(self) -> None:
        w, _ = self.w, self.w._
        ws = w.sheets[RULES_SHEET]
        w.header(ws, _HEADER, [
            (_Y_YEAR, _("Year (год)")),
            (_Y_BASE, w.money(_("Single base per year (единая предельная база)"))),
            (_Y_WITHIN, _("Rate within the base (тариф в пределах базы)")),
            (_Y_ABOVE, _("Rate above the base (тариф сверх базы)")),
            (_Y_MROT, w.money(_("МРОТ per month"))),
            (_Y_SME_MROT, _("SME threshold, МРОТ (порог МСП)")),
            (_Y_SME_THRESHOLD, w.money(_("SME threshold per month"))),
            (_Y_SME_RATE, _("SME rate above the threshold (тариф МСП)")),
            (_Y_HOURS, _("Production calendar, h per year, 40-h week (производственный "
                         "календарь)")),
            (_Y_SOURCE, _("Source")),
        ], widths={_Y_YEAR: 8, **dict.fromkeys(range(1, 9), 16), _Y_SOURCE: 70},
            title=_("Payroll rules: страховые взносы and the production calendar, per year"),
            note=_("Blue-on-yellow cells are the shipped, cited rules (inputs); the Catalogue's "
                   "ФОТ, страховые взносы, травматизм and capacity are formulas over them."))
        for year, row in self.year_row.items():
            ws.write_number(row, _Y_YEAR, year, w.style(**_INPUT))
            sources = []
            try:
                rules = contribution_rules(year)
            except PayrollError:
                rules = None
            if rules is not None:
                sources.append(_("{file} [years.{year}]: НК РФ ст. 425, 427 (sources cited "
                                 "there)", file="abc_costing/payroll/data/contributions.toml",
                                 year=year))
                w.number(ws, row, _Y_BASE, rules.single_base_per_year, _MONEY, **_INPUT)
                w.number(ws, row, _Y_WITHIN, rules.general_rate_within_base, _RATE, **_INPUT)
                w.number(ws, row, _Y_ABOVE, rules.general_rate_above_base, _RATE, **_INPUT)
                w.number(ws, row, _Y_MROT, rules.mrot_per_month, _MONEY, **_INPUT)
                w.number(ws, row, _Y_SME_MROT,
                         rules.sme_threshold_per_month / rules.mrot_per_month, "0.0##", **_INPUT)
                w.formula(ws, row, _Y_SME_THRESHOLD,
                          f"={_col(_Y_MROT)}{row + 1}*{_col(_Y_SME_MROT)}{row + 1}",
                          rules.sme_threshold_per_month, _MONEY)
                w.number(ws, row, _Y_SME_RATE, rules.sme_rate_above_threshold, _RATE, **_INPUT)
            if year in shipped_years():
                calendar = f"abc_costing/payroll/data/calendar_{year}.toml"
                # the calendar file's note is English data: other readers get its gist
                note = provisional_note(year) if w.language == "en" else _(
                    "{year} is provisional: the decree moving its days off is not shipped yet",
                    year=year)
                sources.append(_("{file}: ТК РФ ст. 95, 112 and the government's decree on "
                                 "moved days off", file=calendar)
                               if provisional_note(year) is None else
                               _("{file}: ТК РФ ст. 95 and 112 only; {note}", file=calendar,
                                 note=note))
                w.number(ws, row, _Y_HOURS, sum(m.working_hours for m in year_months(year)),
                         "#,##0.##", **_INPUT)
            ws.write_string(row, _Y_SOURCE, "; ".join(sources) or _("no shipped rules"),
                            w.style(**_HOW))
        first, last = _FIRST + 1, _FIRST + len(self.years)
        for col, name in _RULE_NAMES.items():
            w.book.define_name(name, f"={quote_sheetname(w.sheet_name[RULES_SHEET])}!"
                                     f"${_col(col)}${first}:${_col(col)}${last}")

        top = self.injury_header
        for col, label in ((_I_CLASS, _("Injury class (класс профессионального риска)")),
                           (_I_RATE, _("Травматизм rate, share of pay")),
                           (_I_SOURCE, _("Source"))):
            ws.write_string(top, col, label, w.style(bold=True, bg_color="#D9E1F2",
                                                     text_wrap=True, bottom=1))
        for injury_class, row in self.injury_row.items():
            ws.write_number(row, _I_CLASS, injury_class, w.style(**_INPUT))
            w.number(ws, row, _I_RATE, injury_rates()[injury_class], _RATE, **_INPUT)
            ws.write_string(row, _I_SOURCE, _("{file} [injury]: 179-ФЗ ст. 1",
                                              file="abc_costing/payroll/data/contributions.toml"),
                            w.style(**_HOW))
        rows = sorted(self.injury_row.values())
        for col, name in ((_I_CLASS, "injury_class"), (_I_RATE, "injury_rate")):
            w.book.define_name(name, f"={quote_sheetname(w.sheet_name[RULES_SHEET])}!"
                                     f"${_col(col)}${rows[0] + 1}:${_col(col)}${rows[-1] + 1}")

    # -- Catalogue ---------------------------------------------------------------------------

    def catalogue(self) -> None:
        w, _ = self.w, self.w._
        ws = w.sheets[CATALOGUE_SHEET]
        use = self.model.catalogue
        origin = (_("its own resources (no catalogue)") if use is None
                  else f"{self.catalogue_name} (sha256 {use.sha256})")
        priced = ("" if self.baseline is None else
                  " " + _("The baseline's activities are priced from the same rows, so an edit "
                          "moves baseline and candidate together; a pool a variant overrides (or "
                          "defines otherwise) has a row for each variant, and an edit of one is "
                          "a price effect, not a saving of work."))
        w.header(ws, _HEADER, [
            (C_ID, _("id")), (C_NAME, _("name")), (C_KIND, _("kind")), (C_SOURCE, _("defined in")),
            (C_YEAR, _("Year of the rules (год)")),
            (C_HEADCOUNT, _("Headcount (штатная численность)")),
            (C_SALARY, w.money(_("Salary per month (оклад)"))),
            (C_BONUS, w.money(_("Bonus per month (премия)"))),
            (C_REGIME, _("Contributions regime (general / sme)")),
            (C_INJURY, _("Injury class (класс риска)")),
            (C_RULES_ROW, _("Row of the year in Payroll rules")),
            (C_PAY_YEAR, w.money(_("ФОТ per person per year"))),
            (C_SME_PAY, w.money(_("SME: pay up to 1.5 МРОТ per month"))),
            (C_SME_WITHIN, w.money(_("SME: of it within the base per year"))),
            (C_CONTRIBUTIONS, w.money(_("Страховые взносы per person per year"))),
            (C_INJURY_COST, w.money(_("Травматизм per person per year"))),
            (C_LOADED, w.money(_("Loaded cost per person per year (ФОТ + взносы)"))),
            (C_SHARE, _("Productive share of the calendar")),
            (C_CAPACITY, _("Practical capacity, h per month (практическая ёмкость)")),
            (C_COST_MONTH, w.money(_("Cost per month of the pool"))),
            (C_RATE_HOUR, w.money(_("Rate per hour"))),
            (C_COST_USE, w.money(_("Cost per use"))),
            (C_BASIS, _("how the rate is set")),
        ], widths={C_ID: 20, C_NAME: 30, C_KIND: 9, C_SOURCE: 28,
                   **dict.fromkeys(range(C_YEAR, C_BASIS), 15), C_BASIS: 60},
            title=_("Resource catalogue (справочник ресурсов): pools, payroll and rates"),
            note=_("The pools this model uses, from {origin}. Blue-on-yellow cells are inputs; "
                   "ФОТ, страховые взносы, травматизм, cost per month, capacity and rates are "
                   "formulas over them and the Payroll rules; the Resources sheet links here.",
                   origin=origin) + priced)
        ws.freeze_panes(_HEADER + 1, 2)
        for resource_id, row in self.cells.rows.items():
            self._pool_row(ws, row, resource_id, self.model)
        if self.cells.rows:
            ws.autofilter(_HEADER, 0, _FIRST + len(self.cells.rows) - 1, C_BASIS)
        if self.baseline is not None and self.cells.baseline_rows:
            ws.write_string(self.cells.baseline_heading, C_ID,
                            _("Pools of the baseline '{variant}' with rows of their own: an edit "
                              "here moves the baseline alone. A pool a variant overrides (or "
                              "defines otherwise) is priced by each variant's row, so a "
                              "difference between the two rows is a price effect (see Price "
                              "effects), not a saving of work; a pool the baseline alone uses is "
                              "work the candidate no longer does.",
                              variant=self.baseline.variant), w.style(bold=True))
            for resource_id, row in self.cells.baseline_rows.items():
                self._pool_row(ws, row, resource_id, self.baseline)

    def _pool_row(self, ws, row: int, resource_id: str, model: ProcessModel) -> None:
        """One pool's row: its id, where it is defined, its inputs and derived cells."""
        w, _ = self.w, self.w._
        resource = model.resources[resource_id]
        w.text(ws, row, C_ID, resource_id)
        w.text(ws, row, C_NAME, resource.name)
        ws.write_string(row, C_KIND, w.key(resource.kind))
        defined_in = self._defined_in(resource_id, model)
        if model is not self.model:
            defined_in = (_("baseline '{variant}': {defined_in}", variant=model.variant,
                            defined_in=defined_in) if resource_id in self.model.resources
                          else _("baseline '{variant}' only: {defined_in}",
                                 variant=model.variant, defined_in=defined_in))
        w.text(ws, row, C_SOURCE, defined_in)
        match resource:
            case LaborResource():
                basis = self._labor_row(ws, row, resource_id, resource)
            case PerUseResource():
                w.number(ws, row, C_COST_USE, resource.cost_per_use, _MONEY, **_INPUT)
                basis = _("cost per use stated")
            case _:
                assert_never(resource)
        ws.write_string(row, C_BASIS, basis, w.style(**_HOW))

    def _defined_in(self, resource_id: str, model: ProcessModel) -> str:
        use, _ = model.catalogue, self.w._
        if use is None or resource_id not in use.pools:
            return _("the model file")
        overridden = use.overridden.get(resource_id)
        return (_("{catalogue}, overridden here: {fields}", catalogue=self.catalogue_name,
                  fields=", ".join(overridden)) if overridden
                else str(self.catalogue_name))

    def _labor_row(self, ws, row: int, resource_id: str, resource: LaborResource) -> str:
        """The inputs and formulas of a labour pool's row; returns how its rate is set."""
        w, _ = self.w, self.w._
        n = row + 1

        def at(col: int) -> str:
            return f"${_col(col)}{n}"

        def rule(col: int) -> str:
            return f"INDEX({_RULE_NAMES[col]},{at(C_RULES_ROW)})"

        payroll = resource.salary_per_month is not None
        uses_headcount = payroll or resource.productive_share is not None or (
            resource.hours_per_day is not None)
        headcount = resource.headcount if not uses_headcount else (resource.headcount or 1.0)
        w.number(ws, row, C_HEADCOUNT, headcount, "#,##0.##", **_INPUT)
        if resource.year is not None:
            ws.write_number(row, C_YEAR, resource.year, w.style(**_INPUT))
            w.formula(ws, row, C_RULES_ROW, f"=MATCH({at(C_YEAR)},rules_year,0)",
                      self.years.index(resource.year) + 1, "0")
        basis: list[str] = []
        if payroll:
            basis.append(self._payroll_cells(ws, row, resource, at, rule))
        capacity = resource.capacity_hours_per_month
        if resource.productive_share is not None:
            w.number(ws, row, C_SHARE, resource.productive_share, "0.0##", **_INPUT)
            w.formula(ws, row, C_CAPACITY, f"={at(C_HEADCOUNT)}*{rule(_Y_HOURS)}/{_MONTHS}"
                                           f"*{at(C_SHARE)}", capacity or 0.0, "#,##0.00")
            basis.append(_("capacity = headcount × calendar hours / 12 × productive share"))
        elif resource.hours_per_day is not None and resource.days_per_month is not None:
            # The working calendar as the file wrote it; headcount stays a live cell.
            w.formula(ws, row, C_CAPACITY,
                      f"={at(C_HEADCOUNT)}*{resource.hours_per_day:g}"
                      f"*{resource.days_per_month:g}*(1-{resource.unproductive_share or 0:g})",
                      capacity or 0.0, "#,##0.00")
            basis.append(_("capacity = headcount × hours per day × days per month × "
                           "(1 − unproductive share), as the file states them"))
        elif capacity is not None:
            w.number(ws, row, C_CAPACITY, capacity, "#,##0.00", **_INPUT)
            basis.append(_("capacity stated"))
        if resource.rate_per_hour is not None:
            w.number(ws, row, C_RATE_HOUR, resource.rate_per_hour, _MONEY, **_INPUT)
            basis.insert(0, _("rate per hour stated"))
        else:
            assert resource.cost_per_month is not None and capacity is not None
            if not payroll:
                w.number(ws, row, C_COST_MONTH, resource.cost_per_month, _MONEY, **_INPUT)
                basis.insert(0, _("cost per month stated"))
            w.formula(ws, row, C_RATE_HOUR, f"={at(C_COST_MONTH)}/{at(C_CAPACITY)}",
                      resource.cost_per_month / capacity, _MONEY, bold=True)
        return "; ".join(basis)

    def _payroll_cells(self, ws, row: int, resource: LaborResource, at, rule) -> str:
        """Оклад → ФОТ → взносы → loaded cost → cost per month; returns the basis text."""
        w = self.w
        assert resource.salary_per_month is not None and resource.year is not None
        regime = resource.contributions or "general"
        injury_class = resource.injury_class or 1
        cost = loaded_cost_per_year(resource.salary_per_month, resource.bonus_per_month or 0.0,
                                    year=resource.year, regime=regime,
                                    injury_class=injury_class)
        w.number(ws, row, C_SALARY, resource.salary_per_month, _MONEY, **_INPUT)
        w.number(ws, row, C_BONUS, resource.bonus_per_month or 0.0, _MONEY, **_INPUT)
        # Not an input: each regime has its own formula (change it in the catalogue file).
        ws.write_string(row, C_REGIME, w.key(regime))
        ws.write_number(row, C_INJURY, injury_class, w.style(**_INPUT))
        pay_month = f"({at(C_SALARY)}+{at(C_BONUS)})"
        pay_year = at(C_PAY_YEAR)
        w.formula(ws, row, C_PAY_YEAR, f"={pay_month}*{_MONTHS}", cost.gross_pay_per_year,
                  _MONEY)
        base, within, above = rule(_Y_BASE), rule(_Y_WITHIN), rule(_Y_ABOVE)
        match regime:
            case "general":
                contributions = general_contributions_formula(
                    pay_per_year=pay_year, base=base, within=within, above=above)
            case "sme":
                rules = contribution_rules(resource.year)
                pay = resource.salary_per_month + (resource.bonus_per_month or 0.0)
                twelve_t = _MONTHS * min(pay, rules.sme_threshold_per_month)
                w.formula(ws, row, C_SME_PAY, f"=MIN({pay_month},{rule(_Y_SME_THRESHOLD)})",
                          twelve_t / _MONTHS, _MONEY)
                # Cached: W solved from the engine's contributions,
                # W × 30 % + (12 t − W) × 15.1 % + (ФОТ − 12 t) × 15 %.
                within_base = ((cost.contributions_per_year
                                - twelve_t * rules.general_rate_above_base
                                - (cost.gross_pay_per_year - twelve_t)
                                * rules.sme_rate_above_threshold)
                               / (rules.general_rate_within_base
                                  - rules.general_rate_above_base))
                w.formula(ws, row, C_SME_WITHIN, "=" + sme_within_base_formula(
                    pay_per_month=pay_month, threshold_pay=at(C_SME_PAY), base=base),
                          within_base, _MONEY)
                contributions = (f"{at(C_SME_WITHIN)}*{within}"
                                 f"+({_MONTHS}*{at(C_SME_PAY)}-{at(C_SME_WITHIN)})*{above}"
                                 f"+({pay_year}-{_MONTHS}*{at(C_SME_PAY)})*{rule(_Y_SME_RATE)}")
            case _:
                assert_never(regime)
        w.formula(ws, row, C_CONTRIBUTIONS, f"={contributions}", cost.contributions_per_year,
                  _MONEY)
        w.formula(ws, row, C_INJURY_COST,
                  f"={at(C_PAY_YEAR)}*INDEX(injury_rate,MATCH({at(C_INJURY)},injury_class,0))",
                  cost.injury_insurance_per_year, _MONEY)
        w.formula(ws, row, C_LOADED,
                  f"={at(C_PAY_YEAR)}+{at(C_CONTRIBUTIONS)}+{at(C_INJURY_COST)}",
                  cost.total_cost_per_year, _MONEY)
        assert resource.cost_per_month is not None
        w.formula(ws, row, C_COST_MONTH, f"={at(C_HEADCOUNT)}*{at(C_LOADED)}/{_MONTHS}",
                  resource.cost_per_month, _MONEY)
        _ = w._
        return _("cost per month = headcount × (оклад + премия) loaded by the {year} rules "
                   "({regime}, injury class {injury_class}) / 12", year=resource.year,
                   regime=w.key(regime),
                   injury_class=injury_class)


