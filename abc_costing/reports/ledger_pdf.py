"""A period's allocation as a short PDF: stage balance, idle pools, activities, cost objects.

:func:`ledger_pdf` summarises :func:`~abc_costing.engine.allocation.allocate_period`
for a reader who will not open the workbook (A4, the report's DejaVu Sans, so
Cyrillic prints anywhere; tables and footer as in
:mod:`abc_costing.reports.pdf_report`):

1. the period, scenario, currency, ledger total and the pools' capacity rule;
2. the stage balance: per stage input, assigned, idle, unassigned, over-driven
   and difference, printed to the kopeck so the parts add up to the input
   (:meth:`~abc_costing.engine.allocation.StageBalance.kopecks`), and the whole
   chain: ledger total = cost objects + what stops at any stage;
3. the pools whose money the activities do not use in full (idle, unassigned,
   over-driven), largest first, with their rate and how it was found;
4. the activities that cost most, with instances and cost per instance;
5. the cost objects with cost, revenue and margin;
6. the warnings of the allocation and the input files with their SHA-256.

Money is rounded only here (:func:`~abc_costing.reports.views.format_money`).
The same inputs give the same bytes (reportlab's invariant mode, no date).

Examples
--------
>>> from abc_costing.engine.allocation import PeriodInputs, allocate_period
>>> empty = PeriodInputs("2026-01", "plan", "RUB", (), (), (), {}, {}, (), (), (), {})
>>> pdf = ledger_pdf(empty, allocate_period(empty))
>>> pdf.startswith(b"%PDF-"), pdf == ledger_pdf(empty, allocate_period(empty))
(True, True)
"""

from __future__ import annotations

import io
import math
from decimal import Decimal
from functools import partial

from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    PageTemplate,
    Paragraph,
    Spacer,
)

from abc_costing.engine.allocation import AllocationResult, PeriodInputs, Stage, StageBalance
from abc_costing.i18n import N_, Language, translate, translator
from abc_costing.model import LaborResource
from abc_costing.numbers import money
from abc_costing.reports.ledger_views import profitability_totals
from abc_costing.reports.pdf_report import (
    ACCENT,
    BODY,
    FOOTER_SPACE,
    FRAME_WIDTH,
    H1,
    H2,
    KICKER,
    MARGIN,
    PORTRAIT,
    SMALL,
    SUBTITLE,
    _count,
    _facts,
    _FooterCanvas,
    _named,
    _register_fonts,
    _t,
    _table,
    _title,
)
from abc_costing.reports.report_files import ReportError
from abc_costing.reports.views import format_money, format_share

__all__ = ["TOP_ACTIVITIES", "ledger_pdf"]

#: The activities listed, dearest first; the rest are summed in one row.
TOP_ACTIVITIES = 15
_STAGES: tuple[tuple[Stage, str], ...] = (
    ("ledger", N_("Ledger → pools and centres")),
    ("support", N_("Support centres → pools")),
    ("pools", N_("Pools → activities")),
    ("activities", N_("Activities → cost objects")),
)
_PARTS = ("input", "assigned", "idle", "unassigned", "over_driven", "difference")


def ledger_pdf(inputs: PeriodInputs, result: AllocationResult, *,
               language: Language = "en") -> bytes:
    """The period's summary as PDF bytes (see the module docstring); never writes a file.

    ``result`` is :func:`~abc_costing.engine.allocation.allocate_period` of
    ``inputs``. Raises :class:`~abc_costing.reports.report_files.ReportError`
    when the allocation failed (its problems hold an error). Headings, labels,
    notes and the footer are in ``language``.
    """
    _ = translator(language)
    errors = [p for p in result.problems if p.severity == "error"]
    if errors:
        raise ReportError(f"the allocation of {inputs.period} failed, nothing to report: "
                          f"{errors[0].message}")
    _register_fonts()
    cur = inputs.currency
    story: list[Flowable] = [
        *_title_block(inputs, result, language),
        *_stage_balance(result, cur, language),
        *_pools(inputs, result, cur, language),
        *_activities(inputs, result, cur, language),
        *_objects(result, cur, language),
        *_inputs_and_notes(inputs, result, language),
    ]
    buffer = io.BytesIO()
    title = _("Stage balance {period} ({scenario})", period=inputs.period,
              scenario=inputs.scenario)
    doc = BaseDocTemplate(
        buffer, pagesize=PORTRAIT, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=FOOTER_SPACE, invariant=1, title=title,
        subject=_("Activity-based costing from the general ledger"), creator="abc-costing")
    doc.addPageTemplates([PageTemplate(id="portrait", frames=[Frame(
        MARGIN, FOOTER_SPACE, PORTRAIT[0] - 2 * MARGIN, PORTRAIT[1] - MARGIN - FOOTER_SPACE,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)])])
    doc.build(story, canvasmaker=partial(_FooterCanvas, footer=f"abc-costing · {title}",
                                         language=language))
    return buffer.getvalue()


def _money(amount: float | Decimal, currency: str, language: Language) -> str:
    # the reader's marks (numbers.py); its group spaces are already no-break
    return format_money(float(amount), currency, language)


def _title_block(inputs: PeriodInputs, result: AllocationResult, language: Language
                 ) -> list[Flowable]:
    _ = translator(language)
    cur = inputs.currency
    return [
        Paragraph(_t(_("ACTIVITY-BASED COSTING FROM THE GENERAL LEDGER")), KICKER),
        _title(_("Stage balance {period}", period=inputs.period)),
        Paragraph(_t(_("Scenario {scenario}", scenario=inputs.scenario)), SUBTITLE),
        HRFlowable(width="100%", thickness=1.5, color=ACCENT, spaceBefore=8, spaceAfter=8),
        _facts([
            (_("Period"), inputs.period), (_("Scenario"), inputs.scenario),
            (_("Currency"), cur),
            (_("Ledger"), _("{count} lines, {amount}", count=len(inputs.lines),
                            amount=money(result.ledger_total, cur, language))),
            (_("Pools' capacity"), translate(inputs.capacity_rule, language)
             if inputs.capacity_rule else _("as given")),
        ]),
        Spacer(1, 4 * mm),
    ]


def _stage_balance(result: AllocationResult, cur: str, language: Language) -> list[Flowable]:
    _ = translator(language)
    rows = []
    for stage, label in _STAGES:
        printed = result.stage_totals(stage).kopecks()
        rows.append([translate(label, language),
                     *(_money(printed[p], cur, language) for p in _PARTS)])
    leaks = [result.stage_totals(s) for s in ("ledger", "support", "pools")]
    stopped = math.fsum(b.idle + b.unassigned + b.over_driven for b in leaks)
    objects = math.fsum(o.cost for o in result.objects)
    chain = StageBalance("activities", "chain", result.ledger_total, objects,
                         unassigned=stopped).kopecks()
    return [
        Paragraph(_t(_("Stage balance, {currency}", currency=cur)), H1),
        _table([_("Stage"), _("Input"), _("Assigned"), _("Idle"), _("Unassigned"),
                _("Over-driven"), _("Difference")], rows,
               widths=[0.28, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12],
               numeric=range(1, 7)),
        Spacer(1, 2 * mm),
        Paragraph(_t(_(
            "The whole chain: ledger total {ledger} = cost objects {objects} + idle, "
            "unassigned and over-driven at any stage {stopped}; difference {difference}. "
            "Support centres that serve each other are solved together (reciprocal method), "
            "so their input counts what passes between them.",
            ledger=_money(chain["input"], cur, language),
            objects=_money(chain["assigned"], cur, language),
            stopped=_money(chain["unassigned"], cur, language),
            difference=_money(chain["difference"], cur, language))), SMALL),
    ]


def _pools(inputs: PeriodInputs, result: AllocationResult, cur: str, language: Language
           ) -> list[Flowable]:
    _ = translator(language)
    balances = [b for b in result.balances if b.stage == "pools"]
    left = sorted((b for b in balances if b.idle or b.unassigned or b.over_driven),
                  key=lambda b: (-abs(b.idle + b.unassigned + b.over_driven), b.node))
    heading = Paragraph(_t(_("Pools with money not used in full, {currency}", currency=cur)), H2)
    if not left:
        return [heading, Paragraph(_t(_("The activities use every pool's money in full.")),
                                   BODY)]
    rows = []
    for b in left:
        printed = b.kopecks()
        basis = result.rate_basis.get(b.node)
        labour = any(isinstance(m.resources.get(b.node), LaborResource) for m in inputs.models)
        # the basis is the allocation's machine word (capacity, model), explained below;
        # a pool without one (a support centre's share) has no rate
        rate = "—"
        if basis is not None:
            amount = _money(result.pool_rates[b.node] * (60 if labour else 1), cur, language)
            rate = (_("{amount} an hour ({basis})", amount=amount, basis=basis) if labour
                    else _("{amount} a use ({basis})", amount=amount, basis=basis))
        rows.append([_named(inputs.pools.get(b.node), b.node),
                     _money(printed["input"], cur, language), rate,
                     *(_money(printed[part], cur, language)
                       for part in ("assigned", "idle", "unassigned", "over_driven"))])
    return [
        heading,
        _table([_("Pool"), _("Money"), _("Rate (from)"), _("Used"), _("Idle"), _("Unassigned"),
                _("Over-driven")], rows, widths=[0.22, 0.13, 0.17, 0.12, 0.12, 0.12, 0.12],
               numeric=range(1, 7)),
        Paragraph(_t(_("{count} other pools are used in full. Rate an hour (labour) or a use: "
                       "capacity = money / the period's capacity, model = the process "
                       "model's rate.", count=len(balances) - len(left))), SMALL),
    ]


def _activities(inputs: PeriodInputs, result: AllocationResult, cur: str, language: Language
                ) -> list[Flowable]:
    _ = translator(language)
    heading = Paragraph(_t(_("Activities that cost most, {currency}", currency=cur)), H2)
    if not result.activities:
        return [heading, Paragraph(_t(_("No activity uses a pool in this period.")), BODY)]
    names = {(m.process, m.variant, a): activity.name or a for m in inputs.models
             for a, activity in m.activities.items()}
    total = math.fsum(a.cost for a in result.activities)
    dearest = sorted(result.activities, key=lambda a: (-a.cost, a.node))
    rows: list[list[str | tuple[str, ...]]] = [
        [(names.get((a.process, a.variant, a.activity), a.activity),
          f"{a.process} / {a.variant}"), _count(a.instances, language),
         _money(a.cost_per_instance, cur, language), _money(a.cost, cur, language),
         format_share(a.cost / total if total else 0.0, language=language)]
        for a in dearest[:TOP_ACTIVITIES]]
    rest = dearest[TOP_ACTIVITIES:]
    if rest:
        cost = math.fsum(a.cost for a in rest)
        rows.append([_("{count} other activities", count=len(rest)), "", "",
                     _money(cost, cur, language),
                     format_share(cost / total if total else 0.0, language=language)])
    rows.append([_("Total"), "", "", _money(total, cur, language),
                 format_share(1.0, language=language)])
    return [heading, _table([_("Activity (process / variant)"), _("Instances"),
                             _("Per instance"), _("Cost"), _("Share")], rows,
                            widths=[0.46, 0.12, 0.14, 0.16, 0.12],
                            numeric=range(1, 5), total=True)]


def _objects(result: AllocationResult, cur: str, language: Language) -> list[Flowable]:
    _ = translator(language)
    heading = Paragraph(_t(_("Cost objects: cost, revenue, margin, {currency}", currency=cur)),
                        H2)
    if not result.objects:
        return [heading, Paragraph(_t(_("No cost object has instances or revenue.")), BODY)]

    def optional(amount: float | None) -> str:
        return "—" if amount is None else _money(amount, cur, language)

    rows = [[o.cost_object, _money(o.cost, cur, language), optional(o.revenue), optional(o.margin),
             "—" if o.margin is None or not o.revenue
             else format_share(o.margin / o.revenue, language=language)]
            for o in sorted(result.objects, key=lambda o: (-o.cost, o.cost_object))]
    totals = profitability_totals(result.objects)
    # The total row reads revenue − cost = margin, every object's cost in it.
    rows.append([_("Total, all cost objects"), _money(totals.cost, cur, language),
                 optional(totals.revenue), optional(totals.margin),
                 "—" if totals.margin_share is None
                 else format_share(totals.margin_share, language=language)])
    return [heading, _table([_("Cost object"), _("Cost"), _("Revenue"), _("Margin"),
                             _("Margin, %")], rows,
                            widths=[0.36, 0.16, 0.16, 0.16, 0.16], numeric=range(1, 5),
                            total=True),
            Paragraph(_t(_("Cost = Σ over the object's process variants of instances × cost per "
                           "instance; an object's margin only where revenue is given. The total "
                           "margin is the total revenue − the cost of every cost object.")),
                      SMALL)]


def _inputs_and_notes(inputs: PeriodInputs, result: AllocationResult, language: Language
                      ) -> list[Flowable]:
    _ = translator(language)
    flowables: list[Flowable] = []
    if result.problems:
        flowables += [Paragraph(_t(_("Warnings")), H2)]
        flowables += [Paragraph("• " + _t(f"{p.element}: {translate(p.message, language)}"
                                          if p.element else translate(p.message, language)),
                                BODY) for p in result.problems]
    flowables.append(Paragraph(_t(_("Input files")), H2))
    if inputs.files:
        # the role is the input's machine name (ledger, drivers, ...), as in the workbook
        flowables.append(_table([_("Role"), _("File"), "SHA-256"],
                                [[role, name, digest] for role, (name, digest)
                                 in inputs.files.items()], widths=[0.12, 0.22, 0.66],
                                width=FRAME_WIDTH))
    else:
        flowables.append(Paragraph(_t(_("The inputs were not read from files.")), BODY))
    return flowables
