"""The triage move: instances sorted into classes at the start, each class routed its own way.

The analyst states the classes in ``advice.yaml`` (:class:`~abc_costing.model.advice.TriageRecord`):
each with its share of the instances, the tasks its instances skip and, where
it differs, its own shares at an exclusive gateway. The move turns the model
into a model with case classes (``case_classes``), so the engine costs each
class on its own routing and mixes them by share: exact, with no assumption
that the choices of a class are independent of each other (which is what
approximating tiers with plain branch probabilities assumes).

A skipped task gets an exclusive gateway before it (``<task>_needed``: to the
task with probability 1 for the classes that do it, 0 for those that skip it)
and a merge after it (``<task>_done``). A task that needed a skipped one now
needs what that one needed (it may come after the skip, where the task was not
done); the move says so.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> from abc_costing.model.advice import TriageRecord
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v",
...     "resources": {"lawyer": {"kind": "labor", "rate_per_hour": 1800}},
...     "activities": {"review": {"labor": {"lawyer": 60}}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "review"], ["review", "e"]]})
>>> move = triage(model, TriageRecord.model_validate({
...     "id": "tiers", "cause": "contract value",
...     "classes": {"small": {"share": 0.6, "skips": ["review"]}, "large": {"share": 0.4}}}))
>>> [tuple(f) for f in move.model.flows]  # doctest: +NORMALIZE_WHITESPACE
[('s', 'review_needed', None), ('review_needed', 'review', {'small': 0.0, 'large': 1.0}),
 ('review_needed', 'review_done', {'small': 1.0, 'large': 0.0}),
 ('review', 'review_done', None), ('review_done', 'e', None)]
"""

from __future__ import annotations

from abc_costing.advisor.moves import (
    Move,
    _matched_flows,
    _needs_after_removal,
    _share,
    _with_activities,
)
from abc_costing.i18n import N_, Message, joined
from abc_costing.model import CaseClass, Flow, Gateway, ProcessModel
from abc_costing.model.advice import BranchRecord, TriageRecord
from abc_costing.model.needs import _free_id

__all__ = ["triage"]


def _class_flows(model: ProcessModel, record: TriageRecord) -> dict[int, dict[str, float]] | None:
    """Flow index -> its probability by class, for the flows of the gateways some class
    routes its own way; None when a gateway or its flows are no longer as named."""
    by_flow: dict[int, dict[str, float]] = {}
    gateways = {g for tier in record.classes.values() for g in tier.branches}
    for gateway in gateways:
        if gateway not in model.gateways:
            return None
        flows = [i for i, f in enumerate(model.flows) if f.source == gateway]
        for i in flows:
            written = model.flows[i].probability
            if not isinstance(written, float):  # the model has no classes: one number
                return None
            by_flow[i] = dict.fromkeys(record.classes, written)
        for class_id, tier in record.classes.items():
            if gateway not in tier.branches:
                continue
            matched = _matched_flows(model, BranchRecord(
                gateway=gateway, probabilities=tier.branches[gateway], cause=record.cause))
            if matched is None:
                return None
            for i, probability in matched.items():
                by_flow[i][class_id] = probability
    return by_flow


def _skipped(model: ProcessModel, flows: list[Flow], task: str, record: TriageRecord,
             taken: set[str]) -> tuple[list[Flow], str, str]:
    """``flows`` with ``task`` behind a gateway that lets the classes that skip it pass by."""
    gate, merge = _free_id(f"{task}_needed", taken), _free_id(f"{task}_done", taken)
    does = {class_id: 0.0 if task in tier.skips else 1.0
            for class_id, tier in record.classes.items()}
    skips = {class_id: 1.0 - p for class_id, p in does.items()}
    entering = [i for i, f in enumerate(flows) if f.target == task]
    changed: list[Flow] = []
    for i, flow in enumerate(flows):
        if flow.target == task:
            changed.append(Flow(flow.source, gate, flow.probability))
            if i == entering[-1]:
                changed += [Flow(gate, task, does), Flow(gate, merge, skips), Flow(task, merge)]
        elif flow.source == task:
            changed.append(Flow(merge, flow.target, flow.probability))
        else:
            changed.append(flow)
    return changed, gate, merge


def triage(model: ProcessModel, record: TriageRecord) -> Move | None:
    """``model`` with the classes of ``record``: each class skips its tasks and takes its
    own shares at the gateways it names. None when the model has case classes already,
    or a gateway or its flows are no longer as the record names them (another move
    changed them). A skipped task the model no longer has is skipped by every class.
    """
    if model.case_classes:
        return None
    by_flow = _class_flows(model, record)
    if by_flow is None:
        return None
    flows = [Flow(f.source, f.target, by_flow[i]) if i in by_flow else f
             for i, f in enumerate(model.flows)]
    skipped = [task for task in model.activities
               if any(task in tier.skips for tier in record.classes.values())]
    gateways = dict(model.gateways)
    taken = set(model.node_kinds)
    for task in skipped:
        flows, gate, merge = _skipped(model, flows, task, record, taken)
        name = model.display_name(task)
        gateways[gate] = Gateway(kind="exclusive", name=f"{record.cause}: {name}?")
        gateways[merge] = Gateway(kind="exclusive", name=name)
    gone = {task: model.activities[task] for task in skipped}
    rewired = _needs_after_removal(model.activities, gone)
    served = [task for task in model.activities if rewired[task] is not model.activities[task]]
    classes = {class_id: CaseClass(name=tier.name, share=tier.share)
               for class_id, tier in record.classes.items()}
    moved = _with_activities(model, rewired, flows=flows, gateways=gateways,
                             case_classes=classes)
    return Move("triage", (record.id, *skipped), moved,
                N_("Route by class: {cause}", cause=record.cause),
                tuple(_assumptions(model, record, served)))


def _assumptions(model: ProcessModel, record: TriageRecord, served: list[str]) -> list[Message]:
    said: list[Message] = [N_("the class of each instance ({cause}) is known at the start, at "
                              "no cost", cause=record.cause)]
    for class_id, tier in record.classes.items():
        parts = [N_("{share} of the instances", share=_share(tier.share))]
        skips = [model.display_name(t) for t in tier.skips if t in model.activities]
        if skips:
            parts.append(N_("skip {tasks}", tasks=", ".join(skips)))
        for gateway, shares in tier.branches.items():
            parts.append(N_("after {gateway}: {shares}", gateway=model.display_name(gateway),
                            shares=joined([N_("{target} {share}",
                                              target=model.display_name(target),
                                              share=_share(p))
                                           for target, p in shares.items()])))
        said.append(N_("{tier}: {parts}", tier=tier.name or class_id, parts=joined(parts)))
    if served:
        said.append(N_("{tasks} no longer wait for the tasks some classes skip, only for what "
                       "those waited for", tasks=", ".join(model.display_name(t)
                                                           for t in served)))
    return said
