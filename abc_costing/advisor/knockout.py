"""Knock-out checks: find chains of them and put them in the cheapest order, exactly.

A knock-out check is a task followed by an exclusive gateway with two ways out:
one goes on, the other ends the process (directly at an end event, or through
tasks that each lead only to the next and then to an end event: "close the
case"). A chain is checks in a row, each gateway's way on leading straight to
the next check, nothing else entering between them. Reordering a chain moves each
check together with its gateway and its way out.

Since the checks are independent (each rejects the same share wherever it
stands), the share of instances leaving the chain is the product of the pass
probabilities whatever the order, so everything outside the chain costs the same.
What an order costs per instance entering the chain is

    Σ_i  (Π_{j before i} p_j) × (c_i + (1 − p_i) × R_i)

with ``p_i`` check i's pass probability, ``c_i`` its cost per execution and ``R_i``
the cost of its way out. With at most :data:`EXACT_CHECKS` checks every order is
costed; beyond, the textbook rule orders them (effort ÷ rejection probability,
ascending, the effort being ``c_i + (1 − p_i) R_i``), which is optimal for this
cost (an adjacent swap argument) but is not costed against every order.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v",
...     "resources": {"analyst": {"kind": "labor", "rate_per_hour": 60}},
...     "activities": {"slow": {"labor": {"analyst": 30}}, "quick": {"labor": {"analyst": 5}}},
...     "gateways": {"g1": {"kind": "exclusive"}, "g2": {"kind": "exclusive"}},
...     "events": {"s": {"kind": "start"}, "ok": {"kind": "end"}, "no": {"kind": "end"}},
...     "flows": [["s", "slow"], ["slow", "g1"], ["g1", "quick", 0.9], ["g1", "no", 0.1],
...               ["quick", "g2"], ["g2", "ok", 0.6], ["g2", "no", 0.4]]})
>>> [chain] = knockout_chains(model)
>>> [check.activity for check in chain.checks]
['slow', 'quick']
>>> order_cost(chain, (0, 1)), order_cost(chain, (1, 0))  # 30 + 0.9 × 5; 5 + 0.6 × 30
(34.5, 23.0)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from abc_costing.advisor.evaluation import activity_figures
from abc_costing.advisor.moves import Move
from abc_costing.i18n import N_, Message
from abc_costing.model import Flow, ProcessModel, UnitCosts

__all__ = ["EXACT_CHECKS", "Check", "KnockoutChain", "knockout_chains", "order_cost",
           "best_order", "textbook_order", "reorder", "knockout_moves"]

#: Up to this many checks in a chain every order is costed (8! = 40 320 orders).
EXACT_CHECKS = 8


@dataclass(frozen=True)
class Check:
    """One knock-out check of a chain.

    Attributes:
      activity: the check's task id.
      gateway: the exclusive gateway deciding after it.
      pass_flow: the gateway's flow that goes on (its index in the model's flows).
      pass_probability: the share going on.
      cost_per_execution: the task's cost per execution.
      reject_cost: the cost of the way out (the tasks on it), per instance taking it.
    """

    activity: str
    gateway: str
    pass_flow: int
    pass_probability: float
    cost_per_execution: float
    reject_cost: float

    @property
    def effort(self) -> float:
        """What the check costs per instance reaching it: c + (1 − p) × R."""
        return self.cost_per_execution + (1.0 - self.pass_probability) * self.reject_cost


@dataclass(frozen=True)
class KnockoutChain:
    """Checks in a row (see the module docstring).

    Attributes:
      entry_flow: the index of the flow into the first check.
      checks: the checks in the written order.
      exit_target: where the last check's way on leads.
    """

    entry_flow: int
    checks: tuple[Check, ...]
    exit_target: str


def _ends(model: ProcessModel, node: str, outgoing: Mapping[str, list[int]],
          incoming: Mapping[str, list[int]], prices: Mapping[str, UnitCosts]) -> float | None:
    """The cost of the tasks from ``node`` to an end event along single flows, or None when
    the path does anything else (branches, merges, loops back)."""
    cost, seen = 0.0, set()
    kinds = model.node_kinds
    while kinds.get(node) == "activity" and node not in seen:
        seen.add(node)
        if len(incoming.get(node, [])) != 1 or len(outgoing.get(node, [])) != 1:
            return None
        cost += activity_figures(model.activities[node], prices).cost_per_execution
        node = model.flows[outgoing[node][0]].target
    return cost if kinds.get(node) == "end" else None


def _check_at(model: ProcessModel, activity_id: str, outgoing: Mapping[str, list[int]],
              incoming: Mapping[str, list[int]], prices: Mapping[str, UnitCosts]
              ) -> Check | None:
    kinds, flows = model.node_kinds, model.flows
    if len(incoming.get(activity_id, [])) != 1 or len(outgoing.get(activity_id, [])) != 1:
        return None
    gateway = flows[outgoing[activity_id][0]].target
    if kinds.get(gateway) != "exclusive" or len(incoming.get(gateway, [])) != 1 \
            or len(outgoing.get(gateway, [])) != 2:
        return None
    ways = outgoing[gateway]
    probability: dict[int, float] = {}
    for i in ways:
        written = flows[i].probability
        if isinstance(written, dict):
            # A check whose pass rate depends on the case class has no one place in an
            # order that suits every class: not reordered (the classes' orders could be).
            return None
        probability[i] = written or 0.0
    ending = {i: _ends(model, flows[i].target, outgoing, incoming, prices) for i in ways}
    rejects = [i for i in ways if ending[i] is not None]
    if len(rejects) == 2:  # both end: the way out is the less likely one
        if probability[ways[0]] == probability[ways[1]]:
            return None
        rejects = [min(ways, key=probability.__getitem__)]
    if len(rejects) != 1:
        return None
    reject = rejects[0]
    on = next(i for i in ways if i != reject)
    return Check(activity_id, gateway, on, probability[on],
                 activity_figures(model.activities[activity_id], prices).cost_per_execution,
                 ending[reject] or 0.0)


def knockout_chains(model: ProcessModel) -> list[KnockoutChain]:
    """Every chain of two or more knock-out checks of a valid ``model`` (module docstring)."""
    outgoing: dict[str, list[int]] = {}
    incoming: dict[str, list[int]] = {}
    for i, flow in enumerate(model.flows):
        outgoing.setdefault(flow.source, []).append(i)
        incoming.setdefault(flow.target, []).append(i)
    prices = {rid: r.unit_costs for rid, r in model.resources.items()}
    checks = {a: c for a in model.activities
              if (c := _check_at(model, a, outgoing, incoming, prices)) is not None}
    follows = {model.flows[c.pass_flow].target: a for a, c in checks.items()
               if model.flows[c.pass_flow].target in checks}
    chains = []
    for first in checks:
        if first in follows:
            continue  # not the head of its chain
        run, node = [checks[first]], model.flows[checks[first].pass_flow].target
        while node in checks and node != first and len(run) <= len(checks):
            run.append(checks[node])
            node = model.flows[checks[node].pass_flow].target
        if len(run) >= 2:
            chains.append(KnockoutChain(incoming[first][0], tuple(run), node))
    return chains


def order_cost(chain: KnockoutChain, order: Sequence[int]) -> float:
    """What the chain costs per instance entering it, checks taken in ``order`` (indices
    into ``chain.checks``): Σ (Π earlier pass probabilities) × effort."""
    terms, reach = [], 1.0
    for i in order:
        check = chain.checks[i]
        terms.append(reach * check.effort)
        reach *= check.pass_probability
    return math.fsum(terms)


def textbook_order(chain: KnockoutChain) -> tuple[int, ...]:
    """The textbook rule: effort ÷ rejection probability, ascending (a check that never
    rejects goes last); ties keep the written order."""
    def ratio(i: int) -> float:
        check = chain.checks[i]
        rejection = 1.0 - check.pass_probability
        return check.effort / rejection if rejection > 0 else math.inf
    return tuple(sorted(range(len(chain.checks)), key=ratio))


def best_order(chain: KnockoutChain) -> tuple[tuple[int, ...], bool]:
    """The cheapest order and whether every order was costed (at most :data:`EXACT_CHECKS`
    checks); beyond, the textbook order. Ties keep the earliest order found (the written
    one first)."""
    n = len(chain.checks)
    if n > EXACT_CHECKS:
        return textbook_order(chain), False
    best, cheapest = tuple(range(n)), order_cost(chain, range(n))
    for order in itertools.permutations(range(n)):
        cost = order_cost(chain, order)
        if cost < cheapest - 1e-9 * max(1.0, cheapest):
            best, cheapest = order, cost
    return best, True


def reorder(model: ProcessModel, chain: KnockoutChain, order: Sequence[int]) -> ProcessModel:
    """``model`` with the chain's checks in ``order`` (indices into ``chain.checks``)."""
    flows = list(model.flows)
    checks = [chain.checks[i] for i in order]
    entry = flows[chain.entry_flow]
    flows[chain.entry_flow] = Flow(entry.source, checks[0].activity, entry.probability)
    for check, following in itertools.zip_longest(checks, checks[1:]):
        on = flows[check.pass_flow]
        target = chain.exit_target if following is None else following.activity
        flows[check.pass_flow] = Flow(on.source, target, on.probability)
    return model.model_copy(update={"flows": flows})


def _names(model: ProcessModel, chain: KnockoutChain, order: Sequence[int]) -> str:
    return " → ".join(model.display_name(chain.checks[i].activity) for i in order)


def knockout_moves(model: ProcessModel) -> list[Move]:
    """For each chain: its cheapest order, and each check moved to its best earlier place,
    when that is cheaper than the order as written."""
    moves = []
    for chain in knockout_chains(model):
        n = len(chain.checks)
        written = tuple(range(n))
        written_cost = order_cost(chain, written)
        order, exact = best_order(chain)
        elements = tuple(c.activity for c in chain.checks)
        independent = N_("the checks are independent: each rejects the same share wherever "
                         "it stands, and none needs another's result")
        seen = {written}
        if order != written:
            how: Message = (N_("all {count} orders costed exactly", count=math.factorial(n))
                            if exact else
                            N_("{count} checks: ordered by the textbook rule (effort ÷ "
                               "rejection probability, ascending), not every order costed",
                               count=n))
            notes = [independent, how]
            textbook_cost = order_cost(chain, textbook_order(chain))
            if exact and math.isclose(textbook_cost, order_cost(chain, order), rel_tol=1e-9):
                notes.append(N_("the textbook order (effort ÷ rejection probability, "
                                "ascending) is the exact optimum here"))
            moves.append(Move("reorder", elements, reorder(model, chain, order),
                              N_("Reorder checks: {order}", order=_names(model, chain, order)),
                              tuple(notes)))
            seen.add(order)
        for i in range(1, n):
            earlier = [(*written[:j], i, *written[j:i], *written[i + 1:]) for j in range(i)]
            cheapest = min(earlier, key=lambda o: order_cost(chain, o))
            if order_cost(chain, cheapest) < written_cost - 1e-9 * max(1.0, written_cost) \
                    and cheapest not in seen:
                seen.add(cheapest)
                before = chain.checks[cheapest[cheapest.index(i) + 1]].activity
                moves.append(Move(
                    "reorder", (chain.checks[i].activity,), reorder(model, chain, cheapest),
                    N_("Move check {check} before {other}",
                       check=model.display_name(chain.checks[i].activity),
                       other=model.display_name(before)), (independent,)))
    return moves
