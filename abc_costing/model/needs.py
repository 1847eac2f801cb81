"""Which tasks of a sequence could run side by side, and the model where they do.

An activity's ``needs`` lists the activities whose output it waits for. In a
*sequence* (activities joined one to the next by single flows, each entered
only from the one before) a run of consecutive tasks none of which needs
another, directly or through other tasks' needs, could run in parallel:
:func:`independent_runs` finds the maximal such runs and :func:`parallelised`
rewrites one into a parallel split, a branch per task, and a parallel join.

Every task still runs once per pass, so the expected executions and hence the
cost are unchanged; the elapsed time of the run becomes that of its longest
task instead of the sum (see :mod:`abc_costing.engine.cycle_time`). A task
that states no ``needs`` is taken at its word: it needs nothing from its
neighbours.

Examples
--------
>>> from abc_costing.model.records import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v",
...     "activities": {"enter": {}, "scan": {}, "match": {"needs": ["enter"]}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "enter"], ["enter", "scan"], ["scan", "match"], ["match", "e"]]})
>>> independent_runs(model)
(('enter', 'scan'), ('scan', 'match'))
>>> [tuple(flow[:2]) for flow in parallelised(model, ("enter", "scan")).flows]
... # doctest: +NORMALIZE_WHITESPACE
[('s', 'enter_scan_split'), ('enter_scan_split', 'enter'), ('enter', 'enter_scan_join'),
 ('enter_scan_split', 'scan'), ('scan', 'enter_scan_join'), ('enter_scan_join', 'match'),
 ('match', 'e')]
"""

from __future__ import annotations

from collections.abc import Sequence

from abc_costing.i18n import N_
from abc_costing.model.graph import RoutingStructure, reachable, routing_structure
from abc_costing.model.records import Flow, Gateway, ProcessModel
from abc_costing.problems import AbcCostingError, listed

__all__ = ["ParallelisationError", "independent_runs", "parallelised"]


class ParallelisationError(AbcCostingError, ValueError):
    """The tasks given are not a run of a sequence that may run in parallel.

    A caller's mistake (pass a run that :func:`independent_runs` returned),
    never a problem in a user's file.
    """


def _sequences(model: ProcessModel, routing: RoutingStructure) -> list[list[str]]:
    """The maximal chains of activities joined by single flows, in file order."""
    activities = model.activities
    after, before = routing.successors, routing.predecessors

    def follower(node: str) -> str | None:
        successors = after[node]
        if len(successors) == 1 and successors[0] in activities and successors[0] != node:
            if len(before[successors[0]]) == 1:
                return successors[0]
        return None

    followed = {f for a in activities if a in after and (f := follower(a)) is not None}
    chains, seen = [], set()
    for first in activities:
        if first in followed or first not in after:
            continue
        chain: list[str] = []
        node: str | None = first
        while node is not None and node not in seen:
            seen.add(node)
            chain.append(node)
            node = follower(node)
        chains.append(chain)
    return chains


def _needed_by(model: ProcessModel) -> dict[str, set[str]]:
    """Activity id -> every activity it needs, directly or through others' needs."""
    needs: dict[str, list[str]] = {a: list(activity.needs)
                                   for a, activity in model.activities.items()}
    for activity in model.activities.values():
        for b in activity.needs:
            needs.setdefault(b, [])  # an unknown id (validation says so) needs nothing
    return {a: reachable(needs, a) - {a} for a in model.activities}


def independent_runs(model: ProcessModel) -> tuple[tuple[str, ...], ...]:
    """The maximal runs of two or more consecutive tasks of a sequence, none needing another.

    Runs may overlap (in ``a → b → c`` where only ``c`` needs ``a``, both
    ``(a, b)`` and ``(b, c)`` are runs); they come in the order of the file's
    activities.

    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "activities": {"a": {}, "b": {"needs": ["a"]}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "a"], ["a", "b"], ["b", "e"]]})
    >>> independent_runs(model)
    ()
    """
    needed = _needed_by(model)

    def independent(x: str, y: str) -> bool:
        return x not in needed[y] and y not in needed[x]

    runs = []
    for chain in _sequences(model, routing_structure(model)):
        last_end = 0
        for first in range(len(chain)):
            end = max(first + 1, last_end)  # the window from `first` reaches at least as far
            while end < len(chain) and all(independent(chain[end], other)
                                           for other in chain[first:end]):
                end += 1
            if end > last_end and end - first >= 2:
                runs.append(tuple(chain[first:end]))
            last_end = max(last_end, end)
    return tuple(runs)


def _free_id(wanted: str, taken: set[str]) -> str:
    candidate, number = wanted, 1
    while candidate in taken:
        number += 1
        candidate = f"{wanted}_{number}"
    taken.add(candidate)
    return candidate


def parallelised(model: ProcessModel, run: Sequence[str]) -> ProcessModel:
    """``model`` with the tasks of ``run`` in a parallel block instead of one after another.

    ``run`` is consecutive tasks of a sequence, none needing another (one of
    :func:`independent_runs`). The flows into its first task now enter a new
    parallel split (``<first>_<last>_split``; through a new exclusive merge
    when the first task had several), each task is a branch to a new parallel
    join (``<first>_<last>_join``), and the join leads where the last task
    led. ``model`` itself is left as it was. Raises
    :class:`ParallelisationError` for a ``run`` that is not such tasks.

    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "activities": {"a": {}, "b": {}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "a"], ["a", "b"], ["b", "e"]]})
    >>> sorted(parallelised(model, ["a", "b"]).gateways)
    ['a_b_join', 'a_b_split']
    """
    run = tuple(run)
    if len(run) < 2 or not any(_contains(candidate, run)
                               for candidate in independent_runs(model)):
        raise ParallelisationError(N_(
            "{run} is not a run of two or more consecutive tasks none of which needs "
            "another; pass one of independent_runs(model)", run=listed(run)))
    first, last = run[0], run[-1]
    taken = set(model.node_kinds)
    split = _free_id(f"{first}_{last}_split", taken)
    join = _free_id(f"{first}_{last}_join", taken)
    entering = [flow for flow in model.flows if flow.target == first]
    gateways = dict(model.gateways)
    head: list[Flow] = []
    if len(entering) > 1:
        merge = _free_id(f"{first}_{last}_merge", taken)
        gateways[merge] = Gateway(kind="exclusive")
        entry, head = merge, [Flow(merge, split)]
    else:
        entry = split
    gateways[split] = Gateway(kind="parallel")
    gateways[join] = Gateway(kind="parallel")
    inner = set(zip(run, run[1:], strict=False))
    flows: list[Flow] = []
    for flow in model.flows:
        if flow.target == first:
            flows.append(Flow(flow.source, entry, flow.probability))
            if flow is entering[-1]:
                flows += head
                for task in run:
                    flows += [Flow(split, task), Flow(task, join)]
        elif flow.source == last:
            flows.append(Flow(join, flow.target, flow.probability))
        elif (flow.source, flow.target) not in inner:
            flows.append(flow)
    fields = {name: getattr(model, name) for name in type(model).model_fields}
    changed = ProcessModel.model_validate(fields | {"gateways": gateways, "flows": flows})
    if model.catalogue is not None:
        changed.resolved_with(model.catalogue)
    return changed


def _contains(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    """Whether ``inner`` is a consecutive part of ``outer``."""
    return any(outer[i:i + len(inner)] == inner for i in range(len(outer) - len(inner) + 1))
