"""Activity-based costing as finance means it: ledger → pools → activities → cost objects.

Four stages, each stage-balanced (input = assigned + idle + unassigned + over-driven):

1. ``ledger``: every ledger line goes to the first rule that matches it; the rule
   sends it to resource pools and support centres by its basis. Lines no rule
   takes, and the part of a line a ``percent`` rule leaves, are unassigned; a
   ``rate`` rule that asks for less than the line leaves the rest idle, one that
   asks for more is over-driven (a negative figure, flagged).
2. ``support``: support centres that serve each other (IT ↔ HR) are solved as one
   linear system, the reciprocal method: with ``d`` the money a centre gets from
   the ledger and ``S[i, j]`` the fraction centre ``i`` sends to centre ``j``,
   the centres' totals ``s`` solve ``(I − Sᵀ) s = d``; each pool then gets
   ``Pᵀ s``. A closed circle (centres that send all their money to each other)
   has no solution and is a problem.
3. ``pools``: a pool's money goes to the activities that use it at the period's
   rate: expected executions (the exact engine's) × minutes (or uses) per
   execution × rate × the instances of the process variant in the period. What
   the activities do not use is idle; a pool they use beyond its money is
   over-driven; a pool no activity uses is unassigned.
4. ``activities``: an activity's cost goes to the cost objects by their
   instances of its process variant, so a cost object's cost is Σ over its
   processes of instances × the exact cost per instance of what it consumes.

Money stays float64 inside; :meth:`StageBalance.kopecks` rounds the printed
figures exactly (decimal, half up) so they add up to the printed input.

Examples
--------
Oracle's stage-balancing example: 100 to assign, three receivers of 30.

>>> from abc_costing.model import AllocationRule, DriverQuantity, LedgerLine
>>> line = LedgerLine(period="2026-01", account="26", cost_centre="adm",
...                   cost_item="rent", amount=100.0)
>>> rule = AllocationRule(id="rent", to=("a", "b", "c"), basis="rate",
...                       driver="m2", rate_per_unit=10.0)
>>> m2 = [DriverQuantity(driver="m2", receiver=r, quantity=3.0) for r in "abc"]
>>> result = allocate([line], [rule], drivers=m2, pools=("a", "b", "c"))
>>> b = result.balance("ledger", "rent")
>>> b.assigned, b.idle, b.unassigned, b.difference
(90.0, 10.0, 0.0, 0.0)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, NamedTuple, assert_never

import numpy as np

from abc_costing.engine.costing import cost_model
from abc_costing.i18n import N_
from abc_costing.memory import cyclic_gc_paused
from abc_costing.model import (
    WILDCARD,
    AllocationRule,
    DriverQuantity,
    LedgerLine,
    ObjectInstances,
    ObjectRevenue,
    ProcessModel,
)
from abc_costing.problems import ModelError, Problem, grouped_money

__all__ = ["SINK_KINDS", "SOURCE_KINDS", "AllocationResult", "ActivityAllocation", "Flow", "Node",
           "NodeKind", "ObjectCost", "PeriodInputs", "RateBasis", "Stage", "StageBalance", "Trace",
           "allocate", "allocate_period", "ledger_node", "period_capacities", "trace"]

Stage = Literal["ledger", "support", "pools", "activities"]
#: How a pool's rate in the period was found (see :class:`AllocationResult`).
RateBasis = Literal["capacity", "given", "model"]
NodeKind = Literal["ledger", "rule", "centre", "pool", "activity", "process", "object",
                   "idle", "unassigned", "over_driven"]
#: The kinds of node money stops at: cost objects, idle and unassigned money.
SINK_KINDS: frozenset[NodeKind] = frozenset({"object", "idle", "unassigned"})
#: The kinds of node money starts at: the ledger, and over-driven money (what drivers
#: asked of a node beyond its money: passed on, though it is not in the books).
SOURCE_KINDS: frozenset[NodeKind] = frozenset({"ledger", "over_driven"})


class Node(NamedTuple):
    """A place money passes: a ledger line group, a rule, a support centre, a pool,
    an activity (``process/variant/activity``), a process variant
    (``process/variant``), a cost object, a sink (idle, unassigned) or the source of
    over-driven money; a sink or that source is named by the node whose money
    stops or starts there (``Node("idle", "lawyer")``, ``Node("over_driven", "courier")``)."""

    kind: NodeKind
    name: str


class Flow(NamedTuple):
    """Money moving from one node to the next (always ≥ 0 but for a reversal's)."""

    source: Node
    target: Node
    amount: float


def ledger_node(account: str, cost_centre: str, cost_item: str) -> str:
    """The name of a ledger line group's node.

    >>> ledger_node("26", "Юридический отдел", "Аренда")
    '26 / Юридический отдел / Аренда'
    """
    return f"{account} / {cost_centre} / {cost_item}"

#: Where the stage-1 lines that no rule takes are shown.
NO_RULE = "(no rule)"
#: A reciprocal system worse conditioned than this is treated as having no solution.
_MAX_CONDITION = 1e12
_KOPECK = Decimal("0.01")


@dataclass(frozen=True)
class StageBalance:
    """The balance of one node (rule, support centre, pool, activity) at one stage.

    Attributes:
      stage: ``ledger``, ``support``, ``pools`` or ``activities``.
      node: the rule id, support centre, pool, or ``process/variant/activity``.
      input: money that came in.
      assigned: money sent on to the next stage.
      idle: capacity paid for and not used.
      unassigned: money no rule or driver sends on.
      over_driven: input − what the drivers asked for, when they asked for more
        (negative; 0 otherwise).
      difference: input − (assigned + idle + unassigned + over_driven); float noise.
    """

    stage: Stage
    node: str
    input: float
    assigned: float
    idle: float = 0.0
    unassigned: float = 0.0
    over_driven: float = 0.0

    @property
    def difference(self) -> float:
        """What the parts miss of the input (0 up to float noise)."""
        return self.input - math.fsum((self.assigned, self.idle, self.unassigned,
                                       self.over_driven))

    @property
    def flagged(self) -> bool:
        """Whether the drivers asked for more than the node had."""
        return self.over_driven != 0.0

    def kopecks(self) -> dict[str, Decimal]:
        """The figures as printed: each rounded to the kopeck so the parts add up
        exactly to the printed input.

        Each float is read as its exact decimal value and rounded half up; the
        rounding leftover (at most a kopeck per part) is put on the part whose
        rounding moved it most (largest remainder), and the printed difference is
        the float difference rounded. So a printed balance always reads
        input = assigned + idle + unassigned + over-driven, difference 0.00,
        unless the float difference itself reaches half a kopeck.

        >>> StageBalance("ledger", "r", 0.03, 0.01, 0.01, 0.01).kopecks()["assigned"]
        Decimal('0.01')
        >>> b = StageBalance("ledger", "r", 1.0, 1 / 3, 1 / 3, 1 / 3).kopecks()
        >>> b["assigned"] + b["idle"] + b["unassigned"], b["difference"]
        (Decimal('1.00'), Decimal('0.00'))
        >>> str(StageBalance("pools", "p", 1.0, 1.0 + 1e-12).kopecks()["difference"])
        '0.00'
        """
        names = ("assigned", "idle", "unassigned", "over_driven")
        exact = {name: Decimal(getattr(self, name)) for name in names}
        difference = Decimal(self.difference).quantize(_KOPECK, ROUND_HALF_UP)
        printed_input = Decimal(self.input).quantize(_KOPECK, ROUND_HALF_UP)
        rounded = {name: value.quantize(_KOPECK, ROUND_HALF_UP) for name, value in exact.items()}
        leftover = printed_input - difference - sum(rounded.values(), Decimal(0))
        step = _KOPECK if leftover > 0 else -_KOPECK
        # Largest remainder: the part whose rounding took most in the leftover's direction.
        order = sorted(names, key=lambda n: (exact[n] - rounded[n]) * step, reverse=True)
        for name in order:
            if leftover == 0:
                break
            rounded[name] += step
            leftover -= step
        printed = {"input": printed_input, **rounded, "difference": difference}
        # A zero rounded from a tiny negative float prints "-0.00": show it as 0.00.
        return {name: abs(value) if value == 0 else value for name, value in printed.items()}


@dataclass(frozen=True)
class ActivityAllocation:
    """What one activity of one process variant got from the pools.

    Attributes:
      process, variant, activity: the activity.
      instances: the process variant's instances in the period (all cost objects).
      cost: money from the pools.
      cost_per_instance: cost / instances.
      from_pools: pool -> money.
    """

    process: str
    variant: str
    activity: str
    instances: float
    cost: float
    cost_per_instance: float
    from_pools: dict[str, float]

    @property
    def node(self) -> str:
        """``process/variant/activity``: the activity's name in the stage balance."""
        return f"{self.process}/{self.variant}/{self.activity}"


@dataclass(frozen=True)
class ObjectCost:
    """A cost object's cost, revenue and margin.

    Attributes:
      cost_object: the object.
      cost: Σ over its process variants of instances × cost per instance.
      by_process: ``process/variant`` -> its part of the cost.
      revenue: from the revenue records (None: not given).
      margin: revenue − cost (None without revenue).
    """

    cost_object: str
    cost: float
    by_process: dict[str, float]
    revenue: float | None
    margin: float | None


@dataclass(frozen=True)
class AllocationResult:
    """A period allocated from the ledger to the cost objects.

    Attributes:
      ledger_total: Σ of the ledger lines.
      balances: one :class:`StageBalance` per stage and node.
      to_receivers: pool or support centre -> money from the ledger (stage 1).
      support_totals: support centre -> its total in the reciprocal solution.
      pool_totals: pool -> money (ledger and support centres).
      activities: one :class:`ActivityAllocation` per activity used.
      objects: one :class:`ObjectCost` per cost object.
      problems: what kept part of the input out; with an error the figures are empty.
      pool_rates: pool -> the period's rate per minute (labour) or per use.
      rate_basis: pool -> how that rate was found: ``capacity`` (pool money /
        capacity), ``given`` (``rates_per_unit``) or ``model`` (the model's rate).
      flows: every movement of money, line group to rule to receiver to activity
        to cost object, and to the sinks (idle, unassigned, over-driven); what
        :func:`trace` follows and a Sankey diagram draws.
    """

    ledger_total: float
    balances: tuple[StageBalance, ...]
    to_receivers: dict[str, float]
    support_totals: dict[str, float]
    pool_totals: dict[str, float]
    activities: tuple[ActivityAllocation, ...]
    objects: tuple[ObjectCost, ...]
    problems: tuple[Problem, ...] = field(default=())
    pool_rates: dict[str, float] = field(default_factory=dict)
    rate_basis: dict[str, RateBasis] = field(default_factory=dict)
    flows: tuple[Flow, ...] = ()
    #: ledger node name -> (account, cost centre, cost item) of its lines.
    ledger_groups: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def balance(self, stage: Stage, node: str) -> StageBalance:
        """The balance of one node at one stage."""
        for b in self.balances:
            if b.stage == stage and b.node == node:
                return b
        raise KeyError((stage, node))

    def stage_totals(self, stage: Stage) -> StageBalance:
        """The sum of one stage's balances, as one balance (node ``total``)."""
        rows = [b for b in self.balances if b.stage == stage]
        return StageBalance(stage, "total", *(math.fsum(getattr(b, name) for b in rows)
                                              for name in ("input", "assigned", "idle",
                                                           "unassigned", "over_driven")))

    def object(self, cost_object: str) -> ObjectCost:
        """One cost object's cost and margin."""
        for o in self.objects:
            if o.cost_object == cost_object:
                return o
        raise KeyError(cost_object)


_EMPTY = AllocationResult(0.0, (), {}, {}, {}, (), ())


def allocate(
    lines: Sequence[LedgerLine],
    rules: Sequence[AllocationRule],
    *,
    drivers: Iterable[DriverQuantity] = (),
    pools: Collection[str] = (),
    support_centres: Collection[str] = (),
    models: Sequence[ProcessModel] = (),
    instances: Iterable[ObjectInstances] = (),
    revenue: Iterable[ObjectRevenue] = (),
    rates_per_unit: Mapping[str, float] | None = None,
    capacities: Mapping[str, float] | None = None,
) -> AllocationResult:
    """Allocate one period's ledger to pools, activities and cost objects (module docstring).

    Parameters
    ----------
    lines:
        The ledger lines of one period and scenario.
    rules:
        Ledger rules (tried in order) and support centres' rules (``from_centre``).
    drivers:
        Driver quantities per receiver; a receiver without one has 0.
    pools:
        Pools that are not resources of ``models`` (their money stays unassigned
        at stage 3); every resource of ``models`` is a pool too.
    support_centres:
        Receivers whose money is spread further by their ``from_centre`` rules.
    models:
        Valid process models; their resources are the pools that feed activities.
    instances:
        Instances of each process variant per cost object in the period.
    revenue:
        Revenue per cost object; gives the margin.
    rates_per_unit:
        The period's rate per minute (labour) or per use of a pool, instead of the
        model's (for example a month's :class:`~abc_costing.engine.PoolCapacity`
        ``rate_per_minute``).
    capacities:
        A pool's practical capacity in the period, in minutes (labour) or uses:
        its rate is then its money / capacity (time-driven ABC), so what the
        activities do not use of the capacity is idle money. ``rates_per_unit``
        wins over it; a pool in neither is costed at its model's rate.

    Returns an :class:`AllocationResult`; with an error among its problems its
    figures are empty (nothing half-allocated).

    >>> from abc_costing.model import LedgerLine, AllocationRule
    >>> line = LedgerLine(period="2026-01", account="26", cost_centre="adm",
    ...                   cost_item="rent", amount=100.0)
    >>> r = allocate([line], [AllocationRule(id="x", to=("p",), basis="percent",
    ...                                      shares={"p": 40.0})], pools=("p",))
    >>> r.balance("ledger", "x").unassigned, r.pool_totals["p"]
    (60.0, 40.0)
    """
    # Many small objects and no cycles: the cyclic collector would only walk them again.
    with cyclic_gc_paused():
        return _allocate(lines, rules, drivers=drivers, pools=pools,
                         support_centres=support_centres, models=models, instances=instances,
                         revenue=revenue, rates_per_unit=rates_per_unit, capacities=capacities)


def _allocate(lines: Sequence[LedgerLine], rules: Sequence[AllocationRule], *,
              drivers: Iterable[DriverQuantity], pools: Collection[str],
              support_centres: Collection[str], models: Sequence[ProcessModel],
              instances: Iterable[ObjectInstances], revenue: Iterable[ObjectRevenue],
              rates_per_unit: Mapping[str, float] | None,
              capacities: Mapping[str, float] | None) -> AllocationResult:
    centres = list(dict.fromkeys(support_centres))
    costed, problems = _costed_models(models)
    pool_names = list(dict.fromkeys([*pools, *(r for m in models for r in m.resources)]))
    quantities: dict[tuple[str, str], float] = {}
    for q in drivers:
        quantities[q.driver, q.receiver] = quantities.get((q.driver, q.receiver), 0.0) + q.quantity
    problems += _receiver_problems(rules, set(pool_names), set(centres), quantities)
    if any(p.severity == "error" for p in problems):
        return _failed(problems)

    ledger_rules = [r for r in rules if r.from_centre is None]
    receivers = [*centres, *pool_names]
    index = {name: i for i, name in enumerate(receivers)}
    receiver_nodes = [*(Node("centre", c) for c in centres), *(Node("pool", p) for p in pool_names)]
    amounts = np.fromiter((line.amount for line in lines), float, len(lines))
    columns, codes = _line_codes(lines)
    rule_of_line = _first_rule(columns, codes, len(lines), ledger_rules)
    rule_totals = np.bincount(rule_of_line + 1, weights=amounts, minlength=len(ledger_rules) + 1)
    rule_nodes = [Node("rule", NO_RULE), *(Node("rule", r.id) for r in ledger_rules)]
    flows, groups = _line_flows(columns, codes, amounts, rule_of_line, rule_nodes)
    received = np.zeros(len(receivers))
    balances = []
    if rule_totals[0]:
        balances.append(StageBalance("ledger", NO_RULE, float(rule_totals[0]), 0.0,
                                     unassigned=float(rule_totals[0])))
        flows += _sink_flows(rule_nodes[0], balances[-1])
    for i, rule in enumerate(ledger_rules):
        sent, balance = _spread(rule, float(rule_totals[i + 1]), quantities, index)
        received += sent
        balances.append(balance)
        flows += [Flow(rule_nodes[i + 1], receiver_nodes[r], float(sent[r]))
                  for r in np.flatnonzero(sent).tolist()]
        flows += _sink_flows(rule_nodes[i + 1], balance)
    to_receivers = dict(zip(receivers, received.tolist(), strict=True))
    taken = set(rule_of_line.tolist())
    problems += [Problem(N_("the rule takes no ledger line of the period (the rules above it "
                            "take them, or none matches)"), element=rule.id, severity="warning")
                 for i, rule in enumerate(ledger_rules) if i not in taken]

    support = _reciprocal(rules, centres, pool_names, received[:len(centres)], quantities)
    if isinstance(support, Problem):
        return _failed([support])
    support_totals, fractions, support_balances = support
    from_centres = fractions[:, len(centres):].T @ support_totals
    pool_totals = received[len(centres):] + from_centres
    balances += support_balances
    for i, balance in enumerate(support_balances):
        sent = fractions[i] * support_totals[i]
        flows += [Flow(receiver_nodes[i], receiver_nodes[r], float(sent[r]))
                  for r in np.flatnonzero(sent).tolist()]
        flows += _sink_flows(receiver_nodes[i], balance)

    instances_of: dict[tuple[str, str], dict[str, float]] = {}
    for item in instances:
        per_object = instances_of.setdefault((item.process, item.variant), {})
        per_object[item.cost_object] = per_object.get(item.cost_object, 0.0) + item.instances
    known = {(m.process, m.variant) for m in models}
    problems += [Problem(N_("cost objects have instances of {process}/{variant}, which no "
                            "process model given defines: they get no cost from it",
                            process=process, variant=variant),
                         element=f"{process}/{variant}", severity="warning")
                 for process, variant in instances_of if (process, variant) not in known]
    rates, rate_basis = _pool_rates(models, pool_names, pool_totals, capacities or {},
                                    rates_per_unit or {})
    activities, pool_balances, pool_flows = _pools_to_activities(
        costed, pool_names, pool_totals, instances_of, rates, rate_basis)
    balances += pool_balances
    problems += [Problem(N_("activities use this pool, but it gets no money in the period: its "
                            "rate is 0, so the activities cost nothing of it (no ledger line "
                            "or support centre reaches it?)"), element=pool, severity="warning")
                 for pool, money in zip(pool_names, pool_totals.tolist(), strict=True)
                 if money == 0 and rate_basis.get(pool) == "capacity" and any(
                     pool in activity.labor or pool in activity.uses
                     for model, _ in costed for activity in model.activities.values())]
    problems += [Problem(_over_driven(b), element=b.node, severity="warning")
                 for b in balances if b.flagged]
    flows += pool_flows
    balances += [StageBalance("activities", a.node, a.cost, a.cost) for a in activities]
    objects = _objects(activities, instances_of, revenue)
    # Activities go to their process variant, which splits its cost over the cost
    # objects by instances: one split per variant, not one per activity and object.
    variant_cost: dict[tuple[str, str], float] = {}
    for a in activities:
        variant_cost[a.process, a.variant] = variant_cost.get((a.process, a.variant), 0.0) + a.cost
        flows.append(Flow(Node("activity", a.node), Node("process", f"{a.process}/{a.variant}"),
                          a.cost))
    for (process, variant), cost in variant_cost.items():
        per_object = instances_of[process, variant]
        volume = math.fsum(per_object.values())
        flows += [Flow(Node("process", f"{process}/{variant}"), Node("object", cost_object),
                       cost * count / volume) for cost_object, count in per_object.items()
                  if count > 0]
    return AllocationResult(
        float(math.fsum(amounts)), tuple(balances), to_receivers,
        dict(zip(centres, support_totals.tolist(), strict=True)),
        dict(zip(pool_names, pool_totals.tolist(), strict=True)),
        tuple(activities), objects, tuple(problems), rates, rate_basis, tuple(flows), groups)


def _over_driven(balance: StageBalance) -> str:
    """Why a node's drivers asked more money than it had: a warning, said whole."""
    if balance.input:
        return N_("over-driven by {over}: its drivers ask more than its {input}, so what it "
                  "passes on includes money that is not in the books",
                  over=grouped_money(-balance.over_driven), input=grouped_money(balance.input))
    return N_("over-driven by {over}: it gets no money in the period (no ledger line or support "
              "centre reaches it?), yet its activities use it at the catalogue's price, so what "
              "it passes on includes money that is not in the books",
              over=grouped_money(-balance.over_driven))


def _failed(problems: Sequence[Problem]) -> AllocationResult:
    return AllocationResult(_EMPTY.ledger_total, (), {}, {}, {}, (), (), tuple(problems))


def _costed_models(models: Sequence[ProcessModel]
                   ) -> tuple[list[tuple[ProcessModel, dict[str, float]]], list[Problem]]:
    """Each model with its expected executions per activity (the exact engine's)."""
    costed, problems = [], []
    for model in models:
        try:
            result = cost_model(model)
        except ModelError as error:
            problems += [Problem(N_("process variant cannot be costed: {message}",
                                    message=p.message),
                                 element=f"{model.process}/{model.variant}")
                         for p in error.problems]
            continue
        costed.append((model, result.expected_executions))
    return costed, problems


def _receiver_problems(rules: Sequence[AllocationRule], pools: set[str], centres: set[str],
                       quantities: Mapping[tuple[str, str], float]) -> list[Problem]:
    """Unknown receivers and drivers whose quantities over a rule's receivers sum to 0."""
    problems = []
    for rule in rules:
        unknown = [r for r in rule.to if r not in pools and r not in centres]
        if unknown:
            problems.append(Problem(N_("rule sends money to {map}, neither a pool nor a "
                                       "support centre", map=', '.join(map(repr, unknown))),
                                    element=rule.id))
        if rule.from_centre is not None and rule.from_centre not in centres:
            problems.append(Problem(N_("rule spreads {from_centre!r}, not a support centre",
                                       from_centre=rule.from_centre),
                                    element=rule.id))
        if rule.driver is not None and rule.basis in ("driver", "rate"):
            without = [r for r in rule.to if quantities.get((rule.driver, r), 0.0) <= 0]
            if len(without) == len(rule.to):
                problems.append(Problem(N_("driver {driver!r} sums to 0 over the rule's "
                                           "receivers: nothing to allocate by",
                                           driver=rule.driver), element=rule.id))
            elif without:
                problems.append(Problem(
                    N_("no quantity of driver {driver!r} for {map}: nothing from this rule "
                       "goes there (a row missing from the drivers file?)", driver=rule.driver,
                       map=', '.join(map(repr, without))), element=rule.id,
                    severity="warning"))
    spread = {rule.from_centre for rule in rules if rule.from_centre is not None}
    problems += [Problem(N_("support centre has no rule spreading its money (from_centre): all "
                            "of it stays unassigned"), element=centre, severity="warning")
                 for centre in sorted(centres - spread)]
    return problems


_LINE_FIELDS = ("account", "cost_centre", "cost_item")


def _line_codes(lines: Sequence[LedgerLine]
                ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, int]]]:
    """Each line's account, cost centre and cost item as integer codes, and the codes."""
    columns: dict[str, np.ndarray] = {}
    codes: dict[str, dict[str, int]] = {}
    for name in _LINE_FIELDS:
        code = codes.setdefault(name, {})
        columns[name] = np.fromiter((code.setdefault(value, len(code)) for value in
                                     map(operator.attrgetter(name), lines)),
                                    np.int64, len(lines))
    return columns, codes


def _first_rule(columns: Mapping[str, np.ndarray], codes: Mapping[str, Mapping[str, int]],
                count: int, rules: Sequence[AllocationRule]) -> np.ndarray:
    """The index of the first rule taking each line (-1: none), vectorised over lines."""
    rule_of_line = np.full(count, -1, dtype=np.int64)
    for i, rule in enumerate(rules):
        taken = rule_of_line == -1
        for name in _LINE_FIELDS:
            wanted = getattr(rule, name)
            if wanted == WILDCARD:
                continue
            if name == "account":  # an account takes its sub-accounts: 44 takes 44.01
                within = [code for text, code in codes[name].items()
                          if text == wanted or text.startswith(wanted + ".")]
                taken &= np.isin(columns[name], within)
            else:
                taken &= columns[name] == codes[name].get(wanted, -1)
        rule_of_line[taken] = i
    return rule_of_line


def _line_flows(columns: Mapping[str, np.ndarray], codes: Mapping[str, Mapping[str, int]],
                amounts: np.ndarray, rule_of_line: np.ndarray, rule_nodes: Sequence[Node]
                ) -> tuple[list[Flow], dict[str, tuple[str, str, str]]]:
    """One flow per line group (account, cost centre, cost item) to the rule taking it,
    and each group's node name with its key."""
    if not len(amounts):
        return [], {}
    centres, items = len(codes["cost_centre"]), len(codes["cost_item"])
    combined = (columns["account"] * centres + columns["cost_centre"]) * items \
        + columns["cost_item"]
    groups, first, group_of_line = np.unique(combined, return_index=True, return_inverse=True)
    totals = np.bincount(group_of_line, weights=amounts, minlength=len(groups))
    names = {name: list(codes[name]) for name in _LINE_FIELDS}  # code -> text
    flows, keys = [], {}
    for group, line, money in zip(groups.tolist(), first.tolist(), totals.tolist(),
                                  strict=True):
        account, rest = divmod(group, centres * items)
        key = (names["account"][account], names["cost_centre"][rest // items],
               names["cost_item"][rest % items])
        keys[ledger_node(*key)] = key
        if money != 0:
            flows.append(Flow(Node("ledger", ledger_node(*key)),
                              rule_nodes[int(rule_of_line[line]) + 1], money))
    return flows, keys


def _fractions(rule: AllocationRule, quantities: Mapping[tuple[str, str], float]) -> np.ndarray:
    """The fraction of the rule's money each receiver of ``rule.to`` gets (``rate``: none)."""
    match rule.basis:
        case "percent":
            return np.array([rule.shares.get(r, 0.0) / 100 for r in rule.to])
        case "driver":
            q = np.array([quantities.get((rule.driver or "", r), 0.0) for r in rule.to])
            return q / q.sum()
        case "even":
            return np.full(len(rule.to), 1 / len(rule.to))
        case "rate":
            raise ValueError("a rate rule sends fixed amounts, not fractions")
        case _:
            assert_never(rule.basis)


def _spread(rule: AllocationRule, amount: float, quantities: Mapping[tuple[str, str], float],
            index: Mapping[str, int]) -> tuple[np.ndarray, StageBalance]:
    """What a ledger rule sends each receiver, and its stage-1 balance."""
    sent = np.zeros(len(index))
    where = [index[r] for r in rule.to]
    if rule.basis == "rate":
        asked = np.array([quantities.get((rule.driver or "", r), 0.0) for r in rule.to]) \
            * (rule.rate_per_unit or 0.0)
        sent[where] = asked
        total = math.fsum(asked)
        rest = amount - total
        return sent, StageBalance("ledger", rule.id, amount, total,
                                  idle=max(rest, 0.0), over_driven=min(rest, 0.0))
    sent[where] = amount * _fractions(rule, quantities)
    total = math.fsum(sent[where])
    return sent, StageBalance("ledger", rule.id, amount, total, unassigned=amount - total)


def _reciprocal(rules: Sequence[AllocationRule], centres: Sequence[str], pools: Sequence[str],
                direct: np.ndarray, quantities: Mapping[tuple[str, str], float]
                ) -> tuple[np.ndarray, np.ndarray, list[StageBalance]] | Problem:
    """Solve the support centres together: ``(I − Sᵀ) s = d``; pools get ``Pᵀ s``.

    Returns the centres' totals ``s``, the fractions each centre sends (rows:
    centres; columns: centres then pools) and the centres' balances.
    """
    n = len(centres)
    at = {name: i for i, name in enumerate([*centres, *pools])}
    fractions = np.zeros((n, n + len(pools)))  # centre -> centres then pools
    for rule in rules:
        if rule.from_centre is None:
            continue
        fractions[at[rule.from_centre], [at[r] for r in rule.to]] += _fractions(rule, quantities)
    to_centres = fractions[:, :n]
    system = np.eye(n) - to_centres.T
    if n and (np.linalg.cond(system) > _MAX_CONDITION):
        circle = [c for c in centres if to_centres[at[c]].sum() > 0]
        return Problem("support centres " + ", ".join(map(repr, circle)) + " send all their "
                       "money to each other and none to a pool: the reciprocal system has no "
                       "solution", element=circle[0] if circle else None)
    totals = np.linalg.solve(system, direct) if n else np.zeros(0)
    balances = []
    for i, centre in enumerate(centres):
        total = float(totals[i])
        sent = total * fractions[i].sum()
        balances.append(StageBalance("support", centre, total, sent, unassigned=total - sent))
    return totals, fractions, balances


def _pool_rates(models: Sequence[ProcessModel], pools: Sequence[str], pool_totals: np.ndarray,
                capacities: Mapping[str, float], given: Mapping[str, float]
                ) -> tuple[dict[str, float], dict[str, RateBasis]]:
    """Each pool's rate in the period and where it came from (see :class:`AllocationResult`)."""
    rates: dict[str, float] = {}
    basis: dict[str, RateBasis] = {}
    for p, pool in enumerate(pools):
        if pool in given:
            rates[pool], basis[pool] = given[pool], "given"
        elif capacities.get(pool, 0.0) > 0:
            rates[pool], basis[pool] = float(pool_totals[p]) / capacities[pool], "capacity"
        else:
            resource = next((m.resources[pool] for m in models if pool in m.resources), None)
            if resource is not None:
                per_minute, per_use = resource.unit_costs
                rates[pool], basis[pool] = per_minute or per_use, "model"
    return rates, basis


def _pools_to_activities(
    costed: Sequence[tuple[ProcessModel, dict[str, float]]], pools: Sequence[str],
    pool_totals: np.ndarray, instances_of: Mapping[tuple[str, str], Mapping[str, float]],
    rates: Mapping[str, float], basis: Mapping[str, RateBasis],
) -> tuple[list[ActivityAllocation], list[StageBalance], list[Flow]]:
    """Each activity's use of each pool at the period's rate; the pools' balances and flows."""
    at = {name: i for i, name in enumerate(pools)}
    rows: list[tuple[ProcessModel, str, float, np.ndarray]] = []
    for model, executions in costed:
        volume = math.fsum(instances_of.get((model.process, model.variant), {}).values())
        if volume <= 0:
            continue

        def rate(resource_id: str, of_model: float) -> float:
            # A pool costed from the model keeps each variant's own rate (its overrides).
            return of_model if basis.get(resource_id, "model") == "model" else rates[resource_id]

        for activity_id, activity in model.activities.items():
            used = np.zeros(len(pools))
            per_instance = executions.get(activity_id, 0.0) * volume
            for resource_id, duration in activity.labor.items():
                used[at[resource_id]] += per_instance * duration.mean_minutes * rate(
                    resource_id, model.resources[resource_id].unit_costs[0])
            for resource_id, units in activity.uses.items():
                used[at[resource_id]] += per_instance * units * rate(
                    resource_id, model.resources[resource_id].unit_costs[1])
            rows.append((model, activity_id, volume, used))
    demand = np.array([row[3] for row in rows]).reshape(len(rows), len(pools))
    asked = demand.sum(axis=0)
    balances, flows = [], []
    for p, pool in enumerate(pools):
        total, used_money = float(pool_totals[p]), float(asked[p])
        if used_money == 0:
            balance = StageBalance("pools", pool, total, 0.0, unassigned=total)
        else:
            rest = total - used_money
            balance = StageBalance("pools", pool, total, used_money, idle=max(rest, 0.0),
                                   over_driven=min(rest, 0.0))
        balances.append(balance)
        flows += _sink_flows(Node("pool", pool), balance)
    activities = []
    for (model, activity_id, volume, used), cost in zip(rows, demand.sum(axis=1), strict=True):
        if cost == 0:
            continue
        allocation = ActivityAllocation(
            model.process, model.variant, activity_id, volume, float(cost), float(cost) / volume,
            {pools[p]: float(used[p]) for p in np.flatnonzero(used).tolist()})
        activities.append(allocation)
        flows += [Flow(Node("pool", pool), Node("activity", allocation.node), money)
                  for pool, money in allocation.from_pools.items()]
    return activities, balances, flows


def _sink_flows(source: Node, balance: StageBalance) -> list[Flow]:
    """The flows from ``source`` to its idle and unassigned sinks, and into it from
    its over-driven source: what its drivers asked beyond its money comes from there,
    so every share of what the node passes on is of money that exists (a trace back
    from a cost object names the part that is not in the books)."""
    sinks: tuple[tuple[NodeKind, float], ...] = (
        ("idle", balance.idle), ("unassigned", balance.unassigned))
    flows = [Flow(source, Node(kind, source.name), money) for kind, money in sinks if money != 0]
    if balance.over_driven:
        flows.append(Flow(Node("over_driven", source.name), source, -balance.over_driven))
    return flows


def _objects(activities: Sequence[ActivityAllocation],
             instances_of: Mapping[tuple[str, str], Mapping[str, float]],
             revenue: Iterable[ObjectRevenue]) -> tuple[ObjectCost, ...]:
    """Each cost object's instances × cost per instance of each process variant."""
    per_instance: dict[tuple[str, str], float] = {}
    for a in activities:
        key = (a.process, a.variant)
        per_instance[key] = per_instance.get(key, 0.0) + a.cost_per_instance
    by_object: dict[str, dict[str, float]] = {}
    for key, per_object in instances_of.items():
        for cost_object, count in per_object.items():
            by_object.setdefault(cost_object, {})[f"{key[0]}/{key[1]}"] = \
                count * per_instance.get(key, 0.0)
    revenues: dict[str, float] = {}
    for r in revenue:
        revenues[r.cost_object] = revenues.get(r.cost_object, 0.0) + r.amount
    objects = []
    for cost_object in dict.fromkeys([*by_object, *revenues]):
        parts = by_object.get(cost_object, {})
        cost = math.fsum(parts.values())
        income = revenues.get(cost_object)
        objects.append(ObjectCost(cost_object, cost, parts, income,
                                  None if income is None else income - cost))
    return tuple(objects)


@dataclass(frozen=True)
class Trace:
    """Money followed through an allocation from some nodes (forward) or to some (backward).

    Attributes:
      direction: ``forward``: where the money of ``start`` goes; ``backward``:
        where the money that ends in ``start`` comes from.
      start: the nodes followed.
      amounts: forward: the money of ``start`` that reaches each node;
        backward: the money of each node that ends in ``start``.
      total: the money of ``start`` (forward: leaving it; backward: ending in it).
    """

    direction: Literal["forward", "backward"]
    start: tuple[Node, ...]
    amounts: dict[Node, float]
    total: float

    def of_kind(self, kind: NodeKind) -> list[tuple[str, float]]:
        """The nodes of one kind with their money, largest first.

        Support centres serving each other pass money back and forth, so a
        centre's figure counts what passes it each time, as its stage balance does.
        """
        found = [(node.name, money) for node, money in self.amounts.items()
                 if node.kind == kind and money != 0]
        return sorted(found, key=lambda item: (-abs(item[1]), item[0]))


def trace(result: AllocationResult, start: Iterable[Node], *,
          direction: Literal["forward", "backward"] = "forward") -> Trace:
    """Follow money through ``result`` from ``start`` (forward) or into it (backward).

    Money is followed in proportion: a node passes on each part of what it gets
    in the shares its flows have (a pool sends every rouble of its money to its
    activities and idle alike). Forward from every ledger node, the money that
    reaches the cost objects and the sinks is the ledger total; backward from a
    cost object, the ledger nodes' amounts and the over-driven money (asked by
    drivers beyond a node's money: not in the books) add up to its cost. Start
    forwards at sources (ledger or over-driven nodes). Support centres serving
    each other make the flows a cycle; both directions are one sparse linear solve.

    >>> from abc_costing.model import AllocationRule, LedgerLine
    >>> rent = LedgerLine(period="2026-01", account="26", cost_centre="adm",
    ...                   cost_item="rent", amount=100.0)
    >>> r = allocate([rent], [AllocationRule(id="x", to=("p", "q"), basis="percent",
    ...                                      shares={"p": 30.0, "q": 50.0})], pools=("p", "q"))
    >>> t = trace(r, [Node("ledger", "26 / adm / rent")])
    >>> t.of_kind("unassigned")
    [('q', 50.0), ('p', 30.0), ('x', 20.0)]
    """
    from scipy.sparse import csc_matrix, identity
    from scipy.sparse.linalg import spsolve

    start = tuple(dict.fromkeys(start))
    nodes = list(dict.fromkeys(n for f in result.flows for n in (f.source, f.target)))
    at = {node: i for i, node in enumerate(nodes)}
    unknown = [node for node in start if node not in at]
    if unknown:
        raise KeyError(f"no money passes {unknown[0].kind} {unknown[0].name!r}")
    outflow = np.zeros(len(nodes))
    sources = np.fromiter((at[f.source] for f in result.flows), np.int64, len(result.flows))
    targets = np.fromiter((at[f.target] for f in result.flows), np.int64, len(result.flows))
    money = np.fromiter((f.amount for f in result.flows), float, len(result.flows))
    np.add.at(outflow, sources, money)
    shares = np.divide(money, outflow[sources], out=np.zeros_like(money),
                       where=outflow[sources] != 0)
    fractions = csc_matrix((shares, (sources, targets)), shape=(len(nodes), len(nodes)))
    chosen = np.zeros(len(nodes))
    chosen[[at[node] for node in start]] = 1.0
    eye = identity(len(nodes), format="csc")
    if direction == "forward":
        passing = np.atleast_1d(spsolve((eye - fractions.T).tocsc(), chosen * outflow))
        total = float(math.fsum(outflow[chosen == 1]))
    else:
        inflow = np.zeros(len(nodes))
        np.add.at(inflow, targets, money)
        reaching = np.atleast_1d(spsolve((eye - fractions).tocsc(), chosen))
        # A node's money: what leaves it, or for a sink (no outflow) what arrives.
        passing = np.where(outflow != 0, outflow, inflow) * reaching
        total = float(math.fsum(inflow[chosen == 1]))
    return Trace(direction, start, {node: float(passing[i]) for i, node in enumerate(nodes)
                                    if passing[i] != 0}, total)


def period_capacities(models: Sequence[ProcessModel], period: str
                      ) -> tuple[dict[str, float], str, list[Problem]]:
    """The practical capacity, in minutes, of every labour pool of ``models`` that
    states one, for the month ``period`` (``YYYY-MM``), the rule used, and notes.

    A pool's stated capacity is that of an average month; the production calendar
    scales it to the month's working hours
    (:func:`~abc_costing.engine.capacity.month_factor`). A month the calendar does
    not ship keeps the average month, with a warning. A pool defined differently
    by two models takes the first one's capacity.

    >>> from abc_costing.model import ProcessModel
    >>> caps, rule, notes = period_capacities([], "2026-01")
    >>> caps, rule.split(":")[0], notes
    ({}, 'capacity × 120 / 164.3 h', [])
    """
    from abc_costing.engine.capacity import month_factor
    from abc_costing.payroll import CalendarError

    year, month = (int(part) for part in period.split("-"))
    notes = []
    try:
        factor, rule = month_factor(year, month)
    except CalendarError as error:
        factor, rule = 1.0, "capacity of an average month (no production calendar for the month)"
        notes.append(Problem(N_("{error}: the pools' capacity is that of an average month",
                                error=error),
                             element=period, severity="warning"))
    capacities: dict[str, float] = {}
    for model in models:
        for pool, resource in model.resources.items():
            hours = getattr(resource, "capacity_hours_per_month", None)
            if pool not in capacities and hours:
                capacities[pool] = hours * 60.0 * factor
    return capacities, rule, notes


@dataclass(frozen=True)
class PeriodInputs:
    """Everything one period's allocation reads, as read from the files.

    Attributes:
      period, scenario: the month (``YYYY-MM``) or quarter (``YYYY-Qn``) and
        ``actual``/``plan``/``forecast``.
      currency: ISO 4217 code of every amount.
      lines: the ledger lines of the period and scenario.
      rules: ledger rules then support centres' rules, in the file's order.
      drivers: driver quantities that apply to the period.
      support_centres: centre id -> display name.
      pools: pool id -> display name (the models' resources and extra pools).
      models: the process variants whose activities use the pools.
      instances: cost objects' instances of each process variant.
      revenue: cost objects' revenue.
      capacities: pool -> practical capacity in the period (minutes), see
        :func:`period_capacities`; its rule in words in ``capacity_rule``.
      files: role (``ledger``, ``drivers``, ``volumes``, ``revenue``,
        ``allocation``, ``catalogue``) -> (file name, sha256), for provenance.
    """

    period: str
    scenario: str
    currency: str
    lines: tuple[LedgerLine, ...]
    rules: tuple[AllocationRule, ...]
    drivers: tuple[DriverQuantity, ...]
    support_centres: dict[str, str]
    pools: dict[str, str]
    models: tuple[ProcessModel, ...]
    instances: tuple[ObjectInstances, ...]
    revenue: tuple[ObjectRevenue, ...]
    capacities: dict[str, float]
    capacity_rule: str = ""
    files: dict[str, tuple[str, str]] = field(default_factory=dict)


def allocate_period(inputs: PeriodInputs) -> AllocationResult:
    """:func:`allocate` of one period's inputs, each pool at its period rate."""
    return allocate(inputs.lines, inputs.rules, drivers=inputs.drivers, pools=tuple(inputs.pools),
                    support_centres=tuple(inputs.support_centres), models=inputs.models,
                    instances=inputs.instances, revenue=inputs.revenue,
                    capacities=inputs.capacities)
