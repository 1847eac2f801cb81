"""Expected cycle time of one process instance, from its start to its end, exactly.

Let ``T[n]`` be the expected minutes from entering node ``n`` to reaching an
end event, and ``t[n]`` what one pass through ``n`` takes. Then

    T[end] = 0
    T[n]   = t[n] + sum over flows n -> m of  w(n, m) * T[m]

with ``w`` the flow's probability out of an exclusive split and 1 otherwise:
the same routing as :mod:`abc_costing.engine.executions`, read backwards, and
solved by the same linear solve, so a step redone with probability r adds
t / (1 - r) with no special case. A parallel block is one step from its split
to its join: ``T[split] = D[split] + T[join]``, where ``D`` is its *longest
expected branch*, the largest of the branches' expected minutes from the split
to the join (each found by the same solve inside the block, inner blocks
first).

What one execution of an activity takes (:func:`activity_elapsed_minutes`):
its ``wait`` plus its labour. Several labour resources on one task work on it
together (a review by a lawyer and a manager), so the task lasts as long as the
longest of them, as the queueing simulation has it; with ``one_of`` each
execution is done by one of them, for ``labor[r] / one_of[r]`` minutes with
probability ``one_of[r]``, which is ``sum(labor)`` on average. Each duration
counts at its mean.

When the figure is exact. Outside parallel blocks it is the exact expected
value for any duration distributions (the expected time of a sum is the sum of
the expected times, however many times a loop runs). A parallel block takes as
long as its slowest branch, and the expected value of the largest of several
random branch times is at least the largest of their expected values
(E[max] >= max E), so where a branch's time varies (a duration that is not
fixed, or an exclusive gateway inside the block) the block's figure is a lower
bound: :attr:`CycleTime.lower_bound_blocks` names those blocks and
:attr:`CycleTime.exact` is False. With fixed durations and no choices inside
parallel blocks the figure is exact.

No queueing for people is modelled (as in the Monte Carlo simulation): this is
the time an instance takes when nobody makes it wait but its own ``wait``.

The model must be valid (:func:`abc_costing.validation.validate_model`).

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v",
...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
...     "activities": {"work": {"labor": {"clerk": 30}, "wait": 60}},
...     "gateways": {"merge": {"kind": "exclusive"}, "ok": {"kind": "exclusive"}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "merge"], ["merge", "work"], ["work", "ok"],
...               ["ok", "e", 0.75], ["ok", "merge", 0.25]]})
>>> round(expected_cycle_time(model).minutes, 9)  # (30 + 60) / (1 - 0.25)
120.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import assert_never, cast

import numpy as np

from abc_costing.engine.executions import (
    DENSE_NODES,
    RoutingError,
    _solve_dense,
    _solve_sparse,
)
from abc_costing.i18n import N_
from abc_costing.model import Activity, Duration, ProcessModel
from abc_costing.model.graph import (
    RoutingStructure,
    immediate_post_dominators,
    routing_structure,
)
from abc_costing.validation import require_valid

__all__ = ["CycleTime", "activity_elapsed_minutes", "expected_cycle_time"]


@dataclass(frozen=True)
class CycleTime:
    """The expected cycle time of one instance of a model.

    Attributes:
      minutes: expected minutes from the start event to an end event.
      elapsed_minutes: activity id -> minutes one execution takes (wait + labour).
      branch_minutes: parallel split id -> each branch's expected minutes from the
        split to its join, in the order of the split's flows.
      lower_bound_blocks: parallel splits whose branch times vary, so that their
        longest expected branch (and the total) is a lower bound of the expected
        value (see the module docstring).
    """

    minutes: float
    elapsed_minutes: dict[str, float]
    branch_minutes: dict[str, tuple[float, ...]]
    lower_bound_blocks: tuple[str, ...]

    @property
    def exact(self) -> bool:
        """Whether :attr:`minutes` is the exact expected value (no block is a bound)."""
        return not self.lower_bound_blocks

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON: the figure, whether it is exact, and its parts."""
        return {"expected_minutes": self.minutes, "exact": self.exact,
                "lower_bound_blocks": list(self.lower_bound_blocks),
                "branch_minutes": {split: list(branches)
                                   for split, branches in self.branch_minutes.items()},
                "elapsed_minutes": self.elapsed_minutes}


def activity_elapsed_minutes(activity: Activity) -> float:
    """Minutes one execution of ``activity`` takes: its wait plus its labour.

    Several roles work together, so the labour lasts as long as the longest;
    with ``one_of`` one of them does it (on average the sum of ``labor``).

    >>> review = Activity.model_validate({"labor": {"lawyer": 40, "manager": 25},
    ...                                   "wait": {"uniform": [60, 120]}})
    >>> activity_elapsed_minutes(review)  # 90 + max(40, 25)
    130.0
    >>> either = Activity.model_validate({"labor": {"anna": 10, "boris": 30},
    ...                                   "one_of": {"anna": 0.5, "boris": 0.5}})
    >>> activity_elapsed_minutes(either)  # 0.5 × 20 + 0.5 × 60
    40.0
    """
    labor = activity.labor
    if len(labor) == 1 and not activity.one_of:  # most tasks: the longest of one is it
        (duration,) = labor.values()
        return activity.wait.mean_minutes + duration.mean_minutes
    labour = [duration.mean_minutes for duration in labor.values()]
    together = sum(labour) if activity.one_of else max(labour, default=0.0)
    return activity.wait.mean_minutes + together


def _varies(activity: Activity) -> bool:
    """Whether one execution of ``activity`` may take other than its mean."""
    return len(activity.one_of) > 1 or any(
        _random(duration) for duration in (activity.wait, *activity.labor.values()))


def _random(duration: Duration) -> bool:
    """Whether ``duration`` may be other than its mean (a spread wider than 0)."""
    distribution = duration.distribution
    match distribution:
        case "fixed":
            return False
        case "lognormal":
            return duration.parameters[1] > 0
        case "triangular" | "pert" | "uniform":
            return duration.parameters[0] != duration.parameters[-1]
        case _:
            assert_never(distribution)


def _joins(model: ProcessModel, routing: RoutingStructure) -> dict[str, str]:
    """Parallel split -> its join, inner blocks first.

    The join is the split's immediate post-dominator, as validation has
    checked. A block's join post-dominates the join of every block inside it,
    so sorting by the join's depth in the post-dominator tree (deepest first)
    puts inner blocks first.
    """
    kinds = model.node_kinds
    successors = routing.successors
    splits = [n for n, k in kinds.items() if k == "parallel" and len(successors[n]) > 1]
    if not splits:
        return {}
    post_dominator = immediate_post_dominators(model, routing)  # as validation found it
    depth: dict[object, int] = {}

    def depth_of(node: object) -> int:
        chain = []
        while node not in depth:
            up = post_dominator.get(node, node)
            if up == node:  # the root (networkx 3.6 leaves it out, older ones map it to itself)
                depth[node] = 0
                break
            chain.append(node)
            node = up
        for link in reversed(chain):  # from the known end down: no recursion
            depth[link] = depth[post_dominator[link]] + 1
        return depth[node] if not chain else depth[chain[0]]

    return {split: post_dominator[split]
            for split in sorted(splits, key=lambda split: -depth_of(post_dominator[split]))}


def _reached(firsts: Iterable[str], *, stop: str | None,
             steps: dict[str, list[tuple[str, float]]]) -> list[str]:
    """The nodes reached from ``firsts`` along ``steps`` before ``stop``, in order found."""
    found: dict[str, None] = {}
    frontier = [node for node in firsts if node != stop]
    while frontier:
        node = frontier.pop()
        if node in found:
            continue
        found[node] = None
        for successor, _ in steps[node]:  # a loop, not a generator: once per flow
            if successor != stop and successor not in found:
                frontier.append(successor)
    return list(found)


#: In a model too big for one dense solve (more than ``DENSE_NODES`` nodes: SciPy is
#: loaded for its executions anyway), a block of more than this many nodes is solved
#: sparse too. A 10,000-activity model has 600 blocks: dense solves of up to 400
#: nodes each (LAPACK, O(n³)) took 1 s of its 2 s of cycle time; sparse, 0.05 s.
BLOCK_DENSE_NODES = 50


def _minutes_to(target: str | None, nodes: Iterable[str], *,
                steps: dict[str, list[tuple[str, float]]],
                own_minutes: dict[str, float], dense_nodes: int = DENSE_NODES
                ) -> dict[str, float]:
    """Expected minutes from each of ``nodes`` to ``target`` (or to an end when None).

    Solves ``T[n] - sum w T[m] = t[n]`` over ``nodes``; a step to ``target`` or
    to a node outside ``nodes`` (an end event) counts 0 from there on.
    """
    node_ids = tuple(nodes)
    n = len(node_ids)
    index = dict(zip(node_ids, range(n), strict=True))
    rows, columns, weights = [], [], []
    for row, node in enumerate(node_ids):
        for successor, weight in steps[node]:
            column = index.get(successor)
            if column is not None and successor != target:
                rows.append(row)
                columns.append(column)
                weights.append(weight)
    rhs = np.fromiter(map(own_minutes.__getitem__, node_ids), dtype=float, count=n)
    solve = _solve_dense if n <= dense_nodes else _solve_sparse
    minutes, residual = solve(n, np.array(rows, dtype=np.int64),
                              np.array(columns, dtype=np.int64), np.array(weights), rhs)
    scale = max(1.0, float(np.abs(rhs).max(initial=0.0)))
    if (not np.all(np.isfinite(minutes)) or residual > 1e-6 * scale
            or minutes.min(initial=0) < -1e-9 * scale):
        raise RoutingError(N_("the cycle time equations have no finite non-negative solution"))
    return dict(zip(node_ids, np.clip(minutes, 0.0, None).tolist(), strict=True))


def expected_cycle_time(model: ProcessModel) -> CycleTime:
    """Expected minutes of one instance of a valid ``model`` (see the module docstring).

    A model with case classes is timed per class and mixed by share (the expected
    value of a mixture is the mixture of the expected values).

    Raises :class:`~abc_costing.problems.ModelError` for an invalid model.
    """
    require_valid(model)
    if model.case_classes:
        return _mixed(model)
    routing = routing_structure(model)
    kinds = model.node_kinds
    start = next(n for n, k in kinds.items() if k == "start")
    elapsed = {a: activity_elapsed_minutes(activity) for a, activity in model.activities.items()}
    own_minutes = {node: elapsed.get(node, 0.0) for node in kinds}
    # From the flows, in the file's order (a valid model's flows are its edges,
    # each once): walking an adjacency view per node cost more than the solves in a big model.
    steps: dict[str, list[tuple[str, float]]] = {node: [] for node in kinds}
    for flow in model.flows:  # one probability per flow: classes were split off above
        steps[flow.source].append(
            (flow.target, 1.0 if flow.probability is None else cast(float, flow.probability)))
    joins = _joins(model, routing)
    branch_firsts = {split: [m for m, _ in steps[split]] for split in joins}
    # a small model is solved dense throughout, without loading SciPy
    dense_nodes = DENSE_NODES if len(kinds) <= DENSE_NODES else BLOCK_DENSE_NODES
    for split, join in joins.items():
        steps[split] = [(join, 1.0)]  # the block as one step; its own minutes come below
    branch_minutes: dict[str, tuple[float, ...]] = {}
    lower_bound: set[str] = set()
    for split, join in joins.items():  # inner blocks first: they are one step here
        firsts = branch_firsts[split]
        nodes = _reached(firsts, stop=join, steps=steps)
        to_join = _minutes_to(join, nodes, steps=steps, own_minutes=own_minutes,
                              dense_nodes=dense_nodes)
        branches = tuple(to_join.get(first, 0.0) for first in firsts)
        branch_minutes[split] = branches
        own_minutes[split] = max(branches)
        if any(node in lower_bound
               or kinds[node] == "exclusive" and len(steps[node]) > 1
               or kinds[node] == "activity" and _varies(model.activities[node])
               for node in nodes):
            lower_bound.add(split)
    to_end = _minutes_to(None, _reached([start], stop=None, steps=steps), steps=steps,
                         own_minutes=own_minutes)
    return CycleTime(minutes=to_end[start], elapsed_minutes=elapsed,
                     branch_minutes=branch_minutes,
                     lower_bound_blocks=tuple(s for s in joins if s in lower_bound))


def _mixed(model: ProcessModel) -> CycleTime:
    """The cycle time of a model with case classes: each class's, weighted by its share."""
    parts = [(case.share, expected_cycle_time(model.for_class(class_id)))
             for class_id, case in model.case_classes.items()]
    first = parts[0][1]
    branch_minutes = {split: tuple(math.fsum(share * part.branch_minutes[split][i]
                                             for share, part in parts)
                                   for i in range(len(branches)))
                      for split, branches in first.branch_minutes.items()}
    bounds = dict.fromkeys(split for _, part in parts for split in part.lower_bound_blocks)
    return CycleTime(minutes=math.fsum(share * part.minutes for share, part in parts),
                     elapsed_minutes=first.elapsed_minutes, branch_minutes=branch_minutes,
                     lower_bound_blocks=tuple(bounds))
