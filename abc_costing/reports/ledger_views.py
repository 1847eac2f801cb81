"""The tables of a period allocated from the ledger: stage balance, trace, profitability.

Defined once, like :mod:`abc_costing.reports.views` (whose :class:`TableView`
they are): the CLI prints them, the dashboard draws them, the PDF sets them.
Stage balance figures are the kopeck-rounded ones of
:meth:`~abc_costing.engine.allocation.StageBalance.kopecks`, so every printed
row reads input = assigned + idle + unassigned + over-driven exactly.

Examples
--------
>>> from abc_costing.engine.allocation import allocate
>>> from abc_costing.model import AllocationRule, LedgerLine
>>> line = LedgerLine(period="2026-01", account="26", cost_centre="adm",
...                   cost_item="rent", amount=100.0)
>>> result = allocate([line], [AllocationRule(id="x", to=("p",), basis="percent",
...                                           shares={"p": 40.0})], pools=("p",))
>>> view = stage_summary_view(result, currency="RUB")
>>> [(r.value("stage"), r.value("input"), r.value("unassigned")) for r in view.rows][:1]
[('ledger', 100.0, 60.0)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from abc_costing.engine.allocation import (
    AllocationResult,
    NodeKind,
    ObjectCost,
    Stage,
    StageBalance,
    Trace,
)
from abc_costing.i18n import N_
from abc_costing.problems import grouped_money
from abc_costing.reports.views import TOTAL_NAME, Column, RowKind, TableView, _joined, _view

__all__ = ["NODE_KIND_LABELS", "STAGE_LABELS", "ProfitabilityTotals", "activity_allocation_view",
           "plan_actual_view", "profitability_totals", "profitability_view",
           "scenario_comparison_view", "stage_balance_view", "stage_summary_view", "trace_view"]

STAGE_LABELS: dict[Stage, str] = {
    "ledger": N_("1. Ledger → pools and support centres"),
    "support": N_("2. Support centres → pools (reciprocal)"),
    "pools": N_("3. Pools → activities"),
    "activities": N_("4. Activities → cost objects"),
}
NODE_KIND_LABELS: dict[NodeKind, str] = {
    "ledger": N_("Ledger lines"), "rule": N_("Rules"), "centre": N_("Support centres"),
    "pool": N_("Pools"), "activity": N_("Activities"), "process": N_("Process variants"),
    "object": N_("Cost objects"), "idle": N_("Idle (unused capacity)"),
    "unassigned": N_("Unassigned"), "over_driven": N_("Over-driven (not in the books)"),
}
_HALF_KOPECK = 0.005
_PARTS = ("input", "assigned", "idle", "unassigned", "over_driven", "difference")
_MONEY_COLUMNS = (
    Column("input", "Input", "money"),
    Column("assigned", "Assigned", "money"),
    Column("idle", "Idle", "money"),
    Column("unassigned", "Unassigned", "money"),
    Column("over_driven", "Over-driven", "money"),
    Column("difference", "Difference", "money"),
)


def _printed(balance: StageBalance) -> list[float]:
    """The balance's figures as printed (kopeck-rounded, adding up exactly)."""
    kopecks = balance.kopecks()
    return [float(kopecks[part]) for part in _PARTS]


def stage_summary_view(result: AllocationResult, *, currency: str,
                       title: str = N_("Stage balance")) -> TableView:
    """One row per stage: its input and where it went, with the difference (0.00).

    The first stage's input is the ledger total; each later stage's input is
    what the stages before sent on.
    """
    rows: list[tuple[RowKind, list[Any]]] = []
    for stage, label in STAGE_LABELS.items():
        if any(b.stage == stage for b in result.balances):
            rows.append(("item", [stage, label, *_printed(result.stage_totals(stage))]))
    note = N_("Ledger total {total} {currency}. Every row: input = assigned + idle + "
              "unassigned + over-driven. Idle: capacity paid for and not used by the "
              "processes; unassigned: money no rule, centre or activity takes; over-driven "
              "(negative): what drivers asked beyond the money, flagged.",
              total=grouped_money(result.ledger_total), currency=currency)
    return _view("stage_summary", title,
                 (Column("stage", "Stage", brief=False), Column("label", "Stage"),
                  *_MONEY_COLUMNS), rows, currency=currency, note=note)


def stage_balance_view(result: AllocationResult, *, currency: str,
                       names: Mapping[str, str] | None = None,
                       stage: Stage | None = None) -> TableView:
    """Every node's balance (rule, support centre, pool, activity), or one stage's."""
    names = names or {}
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [b.stage, b.node, names.get(b.node, ""), *_printed(b),
                  N_("over-driven") if b.flagged else ""])
        for b in result.balances if (stage is None or b.stage == stage)
        and any(value != 0 for value in _printed(b))]  # a pool no money reaches: no row
    if stage is not None and rows:
        rows.append(("total", [stage, TOTAL_NAME, "", *_printed(result.stage_totals(stage)),
                               ""]))
    title = (N_("Stage balance by node") if stage is None
             else N_("Stage balance: {stage}", stage=STAGE_LABELS[stage]))
    return _view("stage_balance", title,
                 (Column("stage", "Stage"), Column("node", "Node"), Column("name", "Name"),
                  *_MONEY_COLUMNS, Column("flag", "Flag")), rows, currency=currency)


def trace_view(traced: Trace, *, currency: str, names: Mapping[str, str] | None = None
               ) -> TableView:
    """The money followed, node by node, in the order money flows; shares of the total."""
    names = names or {}
    rows: list[tuple[RowKind, list[Any]]] = []
    for kind, label in NODE_KIND_LABELS.items():
        for node, money in traced.of_kind(kind):
            if abs(money) < _HALF_KOPECK:  # float noise of a proportional trace
                continue
            share = money / traced.total if traced.total else None
            rows.append(("item", [kind, label, node, names.get(node, ""), money, share]))
    start: str = ", ".join(node.name for node in traced.start[:3])
    if len(traced.start) > 3:
        start = N_("{names} and {count} more", names=start, count=len(traced.start) - 3)
    if traced.direction == "forward":
        title = N_("Where the money of {start} goes", start=start)
        note = N_("Money is followed in proportion: each node passes on every part of what it "
                "gets in the shares of its flows. Cost objects and the idle, unassigned and "
                "over-driven rows add up to the lines' total.")
    else:
        title = N_("Where the cost of {start} comes from", start=start)
        note = N_("Each node's part of the cost, followed back in proportion; the ledger "
                "lines and the over-driven money (what drivers asked beyond a node's money, "
                "not in the books) add up to the total. Support centres serving each other "
                "count the money each time it passes them.")
    return _view("trace", title, (
        Column("kind", "Kind", brief=False), Column("kind_label", "Stage"),
        Column("node", "Node"), Column("name", "Name"), Column("amount", "Amount", "money"),
        Column("share", "Share of total", "share")), rows, currency=currency, note=note)


def profitability_view(result: AllocationResult, *, currency: str) -> TableView:
    """Each cost object's cost, revenue and margin; the cost to serve per process instance.

    Sorted by margin (lowest first, so the objects that lose money lead), then
    objects without revenue by cost.
    """
    ordered = sorted(result.objects, key=lambda o: (o.margin is None, o.margin or 0.0, -o.cost))
    rows: list[tuple[RowKind, list[Any]]] = []
    for o in ordered:
        # a text cell, made before its reader is known: its figures said in the reader's form
        processes = _joined([N_("{process}: {amount}", process=key, amount=grouped_money(money))
                             for key, money in sorted(o.by_process.items(),
                                                      key=lambda item: -item[1])])
        rows.append(("item", [o.cost_object, o.cost, o.revenue, o.margin,
                              None if not o.revenue or o.margin is None else o.margin / o.revenue,
                              processes]))
    totals = profitability_totals(result.objects)
    # The total row reconciles across: its margin is its revenue − its cost, every cost
    # object's cost in it (an object without revenue adds cost and no revenue).
    rows.append(("total", [N_("Total, all cost objects"), totals.cost, totals.revenue,
                           totals.margin, totals.margin_share, ""]))
    idle = math.fsum(b.idle for b in result.balances)
    unassigned = math.fsum(b.unassigned for b in result.balances)
    over = math.fsum(b.over_driven for b in result.balances)
    money = dict(carried=grouped_money(totals.cost), total=grouped_money(result.ledger_total),
                 currency=currency, idle=grouped_money(idle),
                 unassigned=grouped_money(unassigned))
    notes = [N_("Cost to serve: Σ over the object's process variants of its instances × the "
                "variant's cost per instance in the period. The total margin is the total "
                "revenue − the cost of every cost object: an object without revenue adds its "
                "cost and no revenue.")]
    if totals.without_revenue and totals.revenue and totals.margin_with_revenue is not None:
        notes.append(N_("The objects with revenue alone: cost {cost}, revenue {revenue}, "
                        "margin {margin} {currency}; {count} without revenue cost {other}.",
                        cost=grouped_money(totals.cost_with_revenue),
                        revenue=grouped_money(totals.revenue),
                        margin=grouped_money(totals.margin_with_revenue), currency=currency,
                        count=totals.without_revenue,
                        other=grouped_money(totals.cost - totals.cost_with_revenue)))
    notes.append(N_("The cost objects carry {carried} of the ledger's {total} {currency}; the "
                    "rest is idle capacity ({idle}) and money no rule or activity takes "
                    "({unassigned}), less {over} over-driven (asked beyond the books): the "
                    "margins are before these.", over=grouped_money(-over), **money) if over
                 else N_("The cost objects carry {carried} of the ledger's {total} {currency}; "
                         "the rest is idle capacity ({idle}) and money no rule or activity "
                         "takes ({unassigned}): the margins are before these.", **money))
    # Each sentence is said whole in the reader's language, then they are set side by side.
    note = (N_("{cost_note} {objects_note} {ledger_note}", cost_note=notes[0],
               objects_note=notes[1], ledger_note=notes[2]) if len(notes) == 3
            else N_("{cost_note} {ledger_note}", cost_note=notes[0], ledger_note=notes[1]))
    return _view("profitability", N_("Cost objects: cost to serve, revenue and margin"), (
        Column("cost_object", "Cost object"), Column("cost", "Cost to serve", "money"),
        Column("revenue", "Revenue", "money"), Column("margin", "Margin", "money"),
        Column("margin_share", "Margin, % of revenue", "share"),
        Column("by_process", "By process variant")), rows, currency=currency, note=note)


@dataclass(frozen=True)
class ProfitabilityTotals:
    """The cost objects of a period added up, for the total row of each report.

    Attributes:
      cost: every cost object's cost to serve.
      revenue: the revenue of every object that has one (None when none has).
      margin: revenue − cost over all objects: an object without revenue adds its
        cost and no revenue, so the total row reads revenue − cost = margin (None
        when no object has revenue: there is no margin to speak of).
      margin_share: margin / revenue (None without revenue).
      cost_with_revenue, margin_with_revenue: the objects with revenue alone.
      without_revenue: how many objects have no revenue.
    """

    cost: float
    revenue: float | None
    margin: float | None
    margin_share: float | None
    cost_with_revenue: float
    margin_with_revenue: float | None
    without_revenue: int


def profitability_totals(objects: Sequence[ObjectCost]) -> ProfitabilityTotals:
    """The totals of the cost objects: margin = total revenue − total cost.

    >>> from abc_costing.engine.allocation import ObjectCost
    >>> t = profitability_totals([  # one sells 150 for a cost of 100, one costs 30, no revenue
    ...     ObjectCost("a", 100.0, {}, 150.0, 50.0), ObjectCost("b", 30.0, {}, None, None)])
    >>> t.cost, t.revenue, t.margin, round(t.margin_share, 4)  # 150 − (100 + 30) = 20
    (130.0, 150.0, 20.0, 0.1333)
    >>> t.margin_with_revenue, t.without_revenue
    (50.0, 1)
    """
    selling = [o for o in objects if o.revenue is not None]
    cost = math.fsum(o.cost for o in objects)
    revenue = math.fsum(o.revenue for o in selling if o.revenue is not None) if selling else None
    margin = None if revenue is None else revenue - cost
    cost_with_revenue = math.fsum(o.cost for o in selling)
    return ProfitabilityTotals(
        cost=cost, revenue=revenue, margin=margin,
        margin_share=None if not revenue or margin is None else margin / revenue,
        cost_with_revenue=cost_with_revenue,
        margin_with_revenue=None if revenue is None else revenue - cost_with_revenue,
        without_revenue=len(objects) - len(selling))


def activity_allocation_view(result: AllocationResult, *, currency: str) -> TableView:
    """Each activity's cost in the period, per instance, and the pools it came from."""
    rows: list[tuple[RowKind, list[Any]]] = [
        ("item", [a.process, a.variant, a.activity, a.instances, a.cost, a.cost_per_instance,
                  ", ".join(sorted(a.from_pools))])
        for a in sorted(result.activities, key=lambda a: -a.cost)]
    rows.append(("total", ["Total", "", "", None, math.fsum(a.cost for a in result.activities),
                           None, ""]))
    return _view("activity_allocation", N_("Activities in the period"), (
        Column("process", "Process"), Column("variant", "Variant"),
        Column("activity", "Activity"), Column("instances", "Instances", "count"),
        Column("cost", "Cost", "money"), Column("cost_per_instance", "Per instance", "money"),
        Column("pools", "Pools")), rows, currency=currency)


def scenario_comparison_view(base: AllocationResult, other: AllocationResult, *, currency: str,
                             base_label: str = "plan", other_label: str = "actual"
                             ) -> TableView:
    """Two scenarios (or periods) of the books side by side, with the difference
    ``other − base`` (actual − plan: positive cost is an overrun): where the ledger
    went (idle and unassigned money at each stage, over-driven money and the cost
    objects' cost, which add up to the ledger total, so their differences explain the
    ledger's), then each cost object's cost, revenue and margin."""
    rows: list[tuple[RowKind, list[Any]]] = []

    def row(kind: RowKind, what: str, label: str, first: float | None,
            second: float | None) -> None:
        difference = None if first is None or second is None else second - first
        rows.append((kind, [what, label, first, second, difference]))

    row("item", "ledger", "Ledger total", base.ledger_total, other.ledger_total)
    # Where the ledger went, stage by stage: these rows and the cost objects' cost add
    # up to the ledger total, so the differences explain the ledger's difference.
    where: tuple[tuple[Stage, str, str], ...] = (
            ("ledger", "unassigned", "Unassigned: lines no rule takes, shares under 100 %"),
            ("ledger", "idle", "Idle at fixed-rate rules"),
            ("support", "unassigned", "Unassigned at support centres"),
            ("pools", "idle", "Idle (unused capacity) at the pools"),
            ("pools", "unassigned", "Unassigned at the pools (no activity uses them)"))
    for stage, part, label in where:
        first, second = (getattr(r.stage_totals(stage), part) for r in (base, other))
        if max(abs(first), abs(second)) >= _HALF_KOPECK:
            row("item", f"{stage}_{part}", label, first, second)
    first, second = (math.fsum(b.over_driven for b in r.balances) for r in (base, other))
    if max(abs(first), abs(second)) >= _HALF_KOPECK:
        row("item", "over_driven", "Over-driven (asked beyond the books)", first, second)
    row("item", "objects_cost", "Cost objects: cost", math.fsum(o.cost for o in base.objects),
        math.fsum(o.cost for o in other.objects))
    objects = list(dict.fromkeys([o.cost_object for o in base.objects]
                                 + [o.cost_object for o in other.objects]))
    found = {id(result): {o.cost_object: o for o in result.objects} for result in (base, other)}
    for measure in ("cost", "revenue", "margin"):
        for name in objects:
            first_object, second_object = (found[id(r)].get(name) for r in (base, other))
            values = [None if o is None else getattr(o, measure)
                      for o in (first_object, second_object)]
            if all(v is None for v in values):
                continue
            row("item", measure, f"{name}: {measure}", values[0], values[1])
    margins = [[o.margin for o in r.objects if o.margin is not None] for r in (base, other)]
    if any(margins):
        row("total", "margin", "Margin of the objects with revenue",
            math.fsum(margins[0]) if margins[0] else None,
            math.fsum(margins[1]) if margins[1] else None)
    return _view("scenario_comparison", N_("{other} against {base}", other=other_label,
                                           base=base_label), (
        Column("measure", "Measure", brief=False), Column("label", "What"),
        Column("base", base_label, "money"), Column("other", other_label, "money"),
        Column("difference", f"{other_label} − {base_label}", "money")), rows,
        currency=currency)


def plan_actual_view(plan: AllocationResult, actual: AllocationResult, *,
                     currency: str) -> TableView:
    """Each cost object's cost to serve in the plan and in fact, and the difference.

    Objects of either scenario, the actual's order first (an object only
    planned shows no actual cost, and the other way round); the difference is
    actual − plan, so an overrun is positive.

    >>> from abc_costing.workflows.library import open_library
    >>> from abc_costing.workflows.ledger import balance_period
    >>> library = open_library("process_models")
    >>> plan, actual = (balance_period(library, period="2026-01", scenario=s).result
    ...                 for s in ("plan", "actual"))
    >>> total = plan_actual_view(plan, actual, currency="RUB").rows[-1]
    >>> round(total.value("difference"), 2) == round(
    ...     sum(o.cost for o in actual.objects) - sum(o.cost for o in plan.objects), 2)
    True
    """
    planned = {o.cost_object: o.cost for o in plan.objects}
    actually = {o.cost_object: o.cost for o in actual.objects}
    rows: list[tuple[RowKind, list[Any]]] = []
    for name in dict.fromkeys([*actually, *planned]):
        cost_plan, cost_actual = planned.get(name), actually.get(name)
        difference = (None if cost_plan is None or cost_actual is None
                      else cost_actual - cost_plan)
        rows.append(("item", [name, cost_plan, cost_actual, difference,
                              None if not cost_plan or difference is None
                              else difference / cost_plan]))
    total_plan, total_actual = math.fsum(planned.values()), math.fsum(actually.values())
    rows.append(("total", [N_("Total, all cost objects"), total_plan, total_actual,
                           total_actual - total_plan,
                           (total_actual - total_plan) / total_plan if total_plan else None]))
    return _view("plan_actual", N_("Cost to serve: plan and actual"), (
        Column("cost_object", "Cost object"), Column("plan", "Plan", "money"),
        Column("actual", "Actual", "money"), Column("difference", "Actual − plan", "money"),
        Column("difference_share", "Difference, % of plan", "share")), rows,
        currency=currency, note=N_("Each object's cost to serve as each scenario's ledger, "
                                   "drivers and volumes allocate it."))
