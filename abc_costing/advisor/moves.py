"""Redesign moves: each a pure function model -> moved model, said in words with its assumptions.

A move never touches files: it builds the moved model with ``model_copy`` (the
records it leaves alone are the same objects, which lets
:class:`~abc_costing.advisor.evaluation.CompiledModel` cost it in microseconds)
and returns a :class:`Move`: the moved model, what was done (``description``) and
every assumption the saving rests on (``assumptions``), both marked for
translation. The moved model is not validated here; the ranking
(:mod:`abc_costing.advisor.ranking`) validates every candidate and rejects, with
the reasons, one that breaks the model.

The kinds of move (:data:`MoveKind`) follow the best practices of process
redesign (Reijers & Limam Mansar): automate a task, eliminate a task, reorder
knock-out checks (:mod:`abc_costing.advisor.knockout`), move a task to a cheaper
pool, merge consecutive tasks of one role; and the moves whose effect only the
analyst can state (``advice.yaml``, :mod:`abc_costing.model.advice`): change a
gateway's branch probabilities for a stated cause and cost (:func:`rebranch`),
send a share of instances a shorter way through a new task (:func:`shortcut`).
A new kind (parallelise, triage) is a new function returning a :class:`Move`
and a new word in :data:`MoveKind`.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v", "volume_per_year": 100,
...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
...     "activities": {"enter": {"labor": {"clerk": 30}}, "file": {"labor": {"clerk": 6}}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "enter"], ["enter", "file"], ["file", "e"]]})
>>> move = eliminate(model, "file")
>>> move.description, [tuple(f) for f in move.model.flows]
('Eliminate file', [('s', 'enter', None), ('enter', 'e', None)])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from abc_costing.i18n import N_, Message, joined
from abc_costing.model import (
    Activity,
    Duration,
    Flow,
    Gateway,
    LaborResource,
    PerUseResource,
    ProcessModel,
    ResourceRecord,
)
from abc_costing.model.advice import BranchRecord, ShortcutRecord, TaskRecord
from abc_costing.numbers import Figure

__all__ = ["MoveKind", "Move", "AutomationOffer", "automate", "eliminate", "reassign",
           "merge", "cheaper_pools", "mergeable_pairs", "rebranch", "shortcut"]

#: The closed set of kinds of move (``parallelise``: :mod:`abc_costing.advisor.parallel`,
#: ``triage``: :mod:`abc_costing.advisor.tiers`).
MoveKind = Literal["automate", "eliminate", "reorder", "reassign", "merge", "rebranch",
                   "shortcut", "parallelise", "triage"]


@dataclass(frozen=True)
class Move:
    """One redesign move applied to a model.

    Attributes:
      kind: see :data:`MoveKind`.
      elements: the ids of the activities the move is about.
      model: the moved model (not validated: see the module docstring).
      description: what was done, in words (marked for translation).
      assumptions: what the saving rests on, each in words (marked for translation).
    """

    kind: MoveKind
    elements: tuple[str, ...]
    model: ProcessModel
    description: Message
    assumptions: tuple[Message, ...] = ()


def _money(value: float) -> Figure:
    return Figure(value, 2)


def _share(fraction: float) -> Message:
    """A share as a percentage, written in the reader's form."""
    return N_("{percent} %", percent=Figure(fraction * 100, 1))


def _name(model: ProcessModel, activity_id: str) -> str:
    return model.display_name(activity_id)


def _with_activities(model: ProcessModel, activities: dict[str, Activity],
                     **update: object) -> ProcessModel:
    return model.model_copy(update={"activities": activities, **update})


@dataclass(frozen=True)
class AutomationOffer:
    """What a robot or service that takes over a task's labour costs.

    Attributes:
      cost_per_use: money per execution of the task.
      licence_per_year: a fixed licence a year, spread over the executions a year.
      error_rate: share of executions the robot gets wrong (0 ≤ e < 1).
      errors_go_back: True: a wrong execution is redone by the robot (a rework
        loop back to the task); False: a person fixes it by hand in a new task
        (``fix_minutes`` of the task's own labour pools, split as before).
      fix_minutes: minutes of a manual fix (default: the task's labour minutes).
      name: the robot's display name.
      labor: minutes per execution people still do, by labour pool (none: all goes), as
        a :class:`~abc_costing.model.Duration` or a number.
      uses: units per execution of per-use resources of the library (None: the task's
        own stay; given, they replace them; a resource the model lacks comes from
        ``resources``).
      other_cost: money per execution besides (None: the task's own stays).
      removes: tasks it makes unnecessary (one flow in and one out each: taken out).
      resources: the library's resources ``uses`` may name that the model lacks.
    """

    cost_per_use: float = 0.0
    licence_per_year: float = 0.0
    error_rate: float = 0.0
    errors_go_back: bool = False
    fix_minutes: float | None = None
    name: str | None = None
    labor: Mapping[str, Duration | float] = field(default_factory=dict)
    uses: Mapping[str, float] | None = None
    other_cost: float | None = None
    removes: tuple[str, ...] = ()
    resources: Mapping[str, ResourceRecord] = field(default_factory=dict)

    @property
    def has_robot(self) -> bool:
        """A new per-use resource is needed: a price per use or a licence, or nothing else
        said (an offer with only a price of 0 is still a robot that does the work)."""
        return bool(self.cost_per_use or self.licence_per_year) or not (
            self.labor or self.uses is not None or self.other_cost is not None)


def automate(model: ProcessModel, activity_id: str, *, offer: AutomationOffer,
             executions_per_instance: float = 1.0) -> Move:
    """Give ``activity_id``'s work to a robot, service or tool priced by ``offer``.

    People keep ``offer.labor`` (none by default); the task uses ``offer.uses``
    of the library's per-use resources instead of its own; and when the offer
    has a price per use or a licence (or says nothing else), a new ``per_use``
    resource ``robot_<task>`` whose cost per use is the offer's plus the licence
    spread over the uses a year: ``licence_per_year / (volume_per_year ×
    executions per instance after the move)``; with errors redone by the robot
    the task runs ``1 / (1 − error_rate)`` times as often (``executions_per_instance``
    is the task's before the move). An error rate adds an exclusive gateway
    after the task: back to the task, or to a manual fix task. The tasks in
    ``offer.removes`` are taken out, their flows joined.

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v", "volume_per_year": 1000,
    ...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
    ...     "activities": {"enter": {"labor": {"clerk": 30}}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "enter"], ["enter", "e"]]})
    >>> move = automate(model, "enter", offer=AutomationOffer(cost_per_use=20,
    ...                                                      licence_per_year=50000))
    >>> move.model.resources["robot_enter"].cost_per_use  # 20 + 50 000 / 1 000 uses
    70.0
    """
    task = model.activities[activity_id]
    volume = model.volume_per_year or 0.0
    error = offer.error_rate
    runs = executions_per_instance / (1.0 - error) if offer.errors_go_back \
        else executions_per_instance
    uses_per_year = volume * runs
    licence_per_use = offer.licence_per_year / uses_per_year if uses_per_year > 0 else 0.0
    robot_id = f"robot_{activity_id}"
    uses = dict(task.uses if offer.uses is None else offer.uses)
    resources = {**model.resources,
                 **{rid: offer.resources[rid] for rid in uses
                    if rid not in model.resources and rid in offer.resources}}
    task_name = _name(model, activity_id)
    assumptions: list[Message] = []
    if offer.has_robot:
        resources[robot_id] = PerUseResource(
            kind="per_use", name=offer.name or f"Robot: {task_name}",
            cost_per_use=offer.cost_per_use + licence_per_use)
        uses[robot_id] = 1.0
        assumptions.append(N_("the robot costs {cost_per_use} per use",
                              cost_per_use=_money(offer.cost_per_use)))
    update: dict[str, object] = {"labor": _durations(offer.labor), "one_of": {}, "uses": uses}
    if offer.other_cost is not None:
        update["other_cost"] = offer.other_cost
    if offer.name:  # the task is now what the offer does: a variant saved from it says so
        update["name"] = offer.name
    automated = task.model_copy(update=update)
    activities = {**model.activities, activity_id: automated}
    flows = list(model.flows)
    gateways = model.gateways
    assumptions += _kept_work(model, offer)
    if offer.licence_per_year:
        assumptions.append(N_("a licence of {licence} a year is spread over {uses} uses a year "
                              "({per_use} per use)", licence=_money(offer.licence_per_year),
                              uses=Figure(uses_per_year, 0),
                              per_use=_money(licence_per_use)))
    if error > 0:
        check_id, fix_id = f"{activity_id}_robot_ok", f"{activity_id}_manual_fix"
        out = [f for f in flows if f.source == activity_id]
        flows = [f for f in flows if f.source != activity_id]
        gateways = {**gateways, check_id: Gateway(kind="exclusive",
                                                  name=f"Robot right? ({task_name})")}
        flows.append(Flow(activity_id, check_id))
        after = out[0].target  # a valid model's activity has exactly one outgoing flow
        if offer.errors_go_back:
            flows += [Flow(check_id, after, 1.0 - error),
                      Flow(check_id, activity_id, error)]
            assumptions.append(N_("{share} of the robot's executions are wrong and done again",
                                  share=_share(error)))
        else:
            total = sum(d.mean_minutes for d in task.labor.values())
            fix_total = total if offer.fix_minutes is None else offer.fix_minutes
            scale = fix_total / total if total > 0 else 0.0
            labor = {pool: Duration.model_validate(d.mean_minutes * scale)
                     for pool, d in task.labor.items()}
            activities[fix_id] = Activity(name=f"Manual fix: {task_name}", labor=labor,
                                          value="waste")
            flows += [Flow(check_id, after, 1.0 - error),
                      Flow(check_id, fix_id, error), Flow(fix_id, after)]
            assumptions.append(N_("{share} of the robot's executions are wrong and fixed by "
                                  "hand in {minutes} min", share=_share(error),
                                  minutes=Figure(fix_total, 1)))
    moved = _with_activities(model, activities, resources=resources, flows=flows,
                             gateways=gateways)
    for removed in offer.removes:
        if removed in moved.activities:
            assumptions.append(N_("{task} is no longer needed",
                                  task=_name(model, removed)))
            moved = _without(moved, removed)
    description = N_("Automate {task}", task=task_name) if offer.name is None else \
        N_("{task}: {tool}", task=task_name, tool=offer.name)
    return Move("automate", (activity_id, *offer.removes), moved, description,
                tuple(assumptions))


def _durations(labor: Mapping[str, Duration | float]) -> dict[str, Duration]:
    return {pool: d if isinstance(d, Duration) else Duration.model_validate(d)
            for pool, d in labor.items()}


def _kept_work(model: ProcessModel, offer: AutomationOffer) -> list[Message]:
    """The offer's labour left to people and its uses of the library, said in words."""
    said: list[Message] = []
    for pool, duration in _durations(offer.labor).items():
        resource = model.resources.get(pool)
        said.append(N_("{pool} still spends {minutes} min per execution",
                       pool=(resource.name if resource else None) or pool,
                       minutes=Figure(duration.mean_minutes, 2)))
    for rid, units in (offer.uses or {}).items():
        resource = model.resources.get(rid) or offer.resources.get(rid)
        said.append(N_("{units} × {resource} per execution", units=Figure(units, 2),
                       resource=(resource.name if resource else None) or rid))
    if offer.other_cost is not None:
        said.append(N_("other cost {cost} per execution", cost=_money(offer.other_cost)))
    return said


def _needs_after_removal(activities: Mapping[str, Activity], gone: Mapping[str, Activity]
                         ) -> dict[str, Activity]:
    """``activities`` with every need of a task in ``gone`` (removed, or bypassed on some
    ways) replaced by that task's own needs: what it needed still comes first on every way.

    >>> tasks = {"b": Activity(needs=["a"]), "c": Activity(needs=["b"])}
    >>> _needs_after_removal({"c": tasks["c"]}, {"b": tasks["b"]})["c"].needs
    ['a']
    """
    def kept(needs: Iterable[str], seen: frozenset[str]) -> list[str]:
        found: list[str] = []
        for need in needs:
            if need in gone and need not in seen:
                found += kept(gone[need].needs, seen | {need})
            elif need not in gone:
                found.append(need)
        return found

    return {activity_id: (activity.model_copy(update={"needs": [
                n for n in dict.fromkeys(kept(activity.needs, frozenset())) if n != activity_id]})
            if any(need in gone for need in activity.needs) else activity)
            for activity_id, activity in activities.items()}


def _without(model: ProcessModel, activity_id: str) -> ProcessModel:
    """``model`` without an activity of one incoming and one outgoing flow, its flows joined
    (the model unchanged when it has more: then it cannot just go)."""
    into = [f for f in model.flows if f.target == activity_id]
    out = [f for f in model.flows if f.source == activity_id]
    if len(into) != 1 or len(out) != 1:
        return model
    activities = _needs_after_removal(
        {k: v for k, v in model.activities.items() if k != activity_id},
        {activity_id: model.activities[activity_id]})
    flows = [Flow(f.source, out[0].target, f.probability) if f is into[0] else f
             for f in model.flows if f is not out[0]]
    return _with_activities(model, activities, flows=flows)


def eliminate(model: ProcessModel, activity_id: str, *, error_probability: float = 0.0,
              loss: float = 0.0) -> Move:
    """Stop doing ``activity_id``; what it caught becomes a risk cost.

    Without a risk (probability × loss = 0) a task with one incoming and one
    outgoing flow is taken out and its flows joined; otherwise it stays as a
    step with no labour, no uses and ``error_probability × loss`` as its other
    cost (what the errors it no longer catches cost, per execution), so every
    other figure stays where it was. The decision after a check (a gateway) is
    left as it is.

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "resources": {"chief": {"kind": "labor", "rate_per_hour": 1200}},
    ...     "activities": {"sign": {"labor": {"chief": 10}}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "sign"], ["sign", "e"]]})
    >>> eliminate(model, "sign", error_probability=0.02, loss=5000).model.activities[
    ...     "sign"].other_cost  # 2 % × 5 000
    100.0
    """
    task = model.activities[activity_id]
    risk = error_probability * loss
    task_name = _name(model, activity_id)
    into = [f for f in model.flows if f.target == activity_id]
    out = [f for f in model.flows if f.source == activity_id]
    if risk == 0 and len(into) == 1 and len(out) == 1:
        moved = _without(model, activity_id)
        assumptions = (N_("nothing {task} catches is lost: no risk cost is counted (give the "
                          "probability of an error and its loss to count one)", task=task_name),)
    else:
        stub = task.model_copy(update={"labor": {}, "uses": {}, "one_of": {},
                                       "other_cost": risk, "wait": Duration.model_validate(0)})
        moved = _with_activities(model, {**model.activities, activity_id: stub})
        assumptions = (N_("without {task}, errors it caught cost {probability} × {loss} = "
                          "{risk} per execution", task=task_name,
                          probability=Figure(error_probability, 3), loss=_money(loss),
                          risk=_money(risk)),)
    return Move("eliminate", (activity_id,), moved, N_("Eliminate {task}", task=task_name),
                assumptions)


def cheaper_pools(model: ProcessModel, activity_id: str) -> list[tuple[str, str]]:
    """(from pool, to pool) pairs: each labour pool of the task and each labour pool of the
    model with a lower rate per minute, cheapest first (same kind only: people for people).

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "resources": {"lawyer": {"kind": "labor", "rate_per_hour": 1800},
    ...                   "clerk": {"kind": "labor", "rate_per_hour": 600}},
    ...     "activities": {"check": {"labor": {"lawyer": 10}}, "file": {"labor": {"clerk": 5}}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "check"], ["check", "file"], ["file", "e"]]})
    >>> cheaper_pools(model, "check"), cheaper_pools(model, "file")
    ([('lawyer', 'clerk')], [])
    """
    task = model.activities[activity_id]
    if task.one_of:  # alternatives already share the work: a pool swap would break the shares
        return []
    people = {rid: r.rate_per_minute for rid, r in model.resources.items()
              if isinstance(r, LaborResource)}
    pairs = []
    for pool in task.labor:
        rate = people.get(pool)
        if rate is None:
            continue
        cheaper = sorted((people[q], q) for q in people if q != pool and people[q] < rate)
        pairs += [(pool, q) for _, q in cheaper]
    return pairs


def reassign(model: ProcessModel, activity_id: str, *, from_pool: str, to_pool: str) -> Move:
    """Give ``from_pool``'s minutes of ``activity_id`` to ``to_pool`` (the same minutes).

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "resources": {"lawyer": {"kind": "labor", "rate_per_hour": 1800},
    ...                   "clerk": {"kind": "labor", "rate_per_hour": 600}},
    ...     "activities": {"check": {"labor": {"lawyer": 10}}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "check"], ["check", "e"]]})
    >>> reassign(model, "check", from_pool="lawyer", to_pool="clerk").model.activities[
    ...     "check"].labor["clerk"].mean_minutes
    10.0
    """
    task = model.activities[activity_id]
    labor = dict(task.labor)
    moving = labor.pop(from_pool)
    if to_pool in labor:
        moving = Duration.model_validate(labor[to_pool].mean_minutes + moving.mean_minutes)
    labor[to_pool] = moving
    moved = _with_activities(model, {**model.activities,
                                     activity_id: task.model_copy(update={"labor": labor})})
    to_name = model.resources[to_pool].name or to_pool
    from_name = model.resources[from_pool].name or from_pool
    task_name = _name(model, activity_id)
    return Move("reassign", (activity_id,), moved,
                N_("{task}: {to_pool} instead of {from_pool}", task=task_name,
                   to_pool=to_name, from_pool=from_name),
                (N_("{to_pool} can do {task} as well as {from_pool}, in the same time",
                    to_pool=to_name, task=task_name, from_pool=from_name),))


def mergeable_pairs(model: ProcessModel) -> list[tuple[str, str]]:
    """(first, second): consecutive tasks done by the same labour pools, the first's only
    flow going to the second and the second's only incoming flow coming from the first.

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
    ...     "activities": {"a": {"labor": {"clerk": 10}}, "b": {"labor": {"clerk": 5}}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "a"], ["a", "b"], ["b", "e"]]})
    >>> mergeable_pairs(model)
    [('a', 'b')]
    """
    outgoing: dict[str, list[Flow]] = {}
    incoming: dict[str, list[Flow]] = {}
    for flow in model.flows:
        outgoing.setdefault(flow.source, []).append(flow)
        incoming.setdefault(flow.target, []).append(flow)
    pairs = []
    for first, task in model.activities.items():
        out = outgoing.get(first, [])
        if len(out) != 1 or out[0].target not in model.activities or out[0].target == first:
            continue
        second = out[0].target
        other = model.activities[second]
        if (len(incoming.get(second, [])) == 1 and task.labor and not task.one_of
                and not other.one_of and set(task.labor) == set(other.labor)):
            pairs.append((first, second))
    return pairs


def merge(model: ProcessModel, first: str, second: str, *,
          setup_minutes_saved: float = 0.0) -> Move:
    """Do ``second`` as part of ``first``: one task of the same pools, the wait between them
    gone, ``setup_minutes_saved`` fewer minutes (taken from the pools in proportion to
    their minutes). Durations become their means (the sum of two distributions is not one
    of the file's forms).

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
    ...     "activities": {"a": {"labor": {"clerk": 10}},
    ...                    "b": {"labor": {"clerk": 5}, "wait": 60}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "a"], ["a", "b"], ["b", "e"]]})
    >>> merged = merge(model, "a", "b", setup_minutes_saved=3).model.activities["a"]
    >>> merged.labor["clerk"].mean_minutes, merged.wait.mean_minutes  # 10 + 5 − 3; b's wait goes
    (12.0, 0.0)
    """
    a, b = model.activities[first], model.activities[second]
    minutes = {pool: a.labor[pool].mean_minutes + b.labor[pool].mean_minutes for pool in a.labor}
    total = sum(minutes.values())
    saved = min(setup_minutes_saved, total)
    labor = {pool: Duration.model_validate(m - saved * m / total if total > 0 else m)
             for pool, m in minutes.items()}
    uses = dict(a.uses)
    for pool, units in b.uses.items():
        uses[pool] = uses.get(pool, 0.0) + units
    value = "value_adding" if "value_adding" in (a.value, b.value) else a.value
    first_name, second_name = _name(model, first), _name(model, second)
    needs = [n for n in dict.fromkeys([*a.needs, *b.needs]) if n not in (first, second)]
    merged = a.model_copy(update={"labor": labor, "uses": uses, "value": value,
                                  "other_cost": a.other_cost + b.other_cost, "needs": needs,
                                  "name": f"{first_name} + {second_name}"})
    # What needed the second task needs the merged one, which is done where the first was.
    activities = {k: (merged if k == first else v.model_copy(update={"needs": list(
                      dict.fromkeys(first if n == second else n for n in v.needs))})
                      if second in v.needs else v)
                  for k, v in model.activities.items() if k != second}
    out = [f for f in model.flows if f.source == second]
    flows = [f for f in model.flows if f.source not in (first, second)]
    flows += [Flow(first, f.target, f.probability) for f in out]
    moved = _with_activities(model, activities, flows=flows)
    assumptions = [N_("one person of the same role does both in one go; the wait of {wait} "
                      "min before {second} goes", wait=Figure(b.wait.mean_minutes, 1),
                      second=second_name)]
    assumptions.append(
        N_("{minutes} set-up minutes are saved", minutes=Figure(saved, 1)) if saved
        else N_("no set-up minutes are saved (give them to count a saving of labour)"))
    return Move("merge", (first, second), moved,
                N_("Merge {first} and {second}", first=first_name, second=second_name),
                tuple(assumptions))



def _matched_flows(model: ProcessModel, record: BranchRecord) -> dict[int, float] | None:
    """Flow index -> its new probability, or None when the record does not fit the gateway.

    A target the model no longer has (a move took the task out and joined its
    flows) is matched with the one flow whose target the record does not name.
    """
    flows = [(i, f) for i, f in enumerate(model.flows) if f.source == record.gateway]
    named = dict(record.probabilities)
    matched = {i: named.pop(f.target) for i, f in flows if f.target in named}
    left = [i for i, _ in flows if i not in matched]
    if len(named) == 1 and len(left) == 1 and next(iter(named)) not in model.node_kinds:
        matched[left[0]] = next(iter(named.values()))
    elif named or left:
        return None
    return matched


def rebranch(model: ProcessModel, record: BranchRecord) -> Move | None:
    """Give an exclusive gateway's flows the probabilities of ``record``, for its stated
    cause; its cost per pass becomes a new step just before the gateway. None when
    the gateway or its flows are no longer as the record names them.

    >>> from abc_costing.model import ProcessModel
    >>> from abc_costing.model.advice import BranchRecord
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
    ...     "activities": {"write": {"labor": {"clerk": 30}}, "fix": {"labor": {"clerk": 20}}},
    ...     "gateways": {"ok": {"kind": "exclusive"}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "write"], ["write", "ok"], ["ok", "e", 0.7], ["ok", "fix", 0.3],
    ...               ["fix", "ok"]]})
    >>> move = rebranch(model, BranchRecord(gateway="ok", probabilities={"e": 0.9, "fix": 0.1},
    ...                                     cause="a template", cost_per_pass=5))
    >>> [tuple(f) for f in move.model.flows if f.source == "ok"]
    [('ok', 'e', 0.9), ('ok', 'fix', 0.1)]
    >>> move.model.activities["ok_cost"].other_cost
    5.0
    """
    matched = _matched_flows(model, record) if record.gateway in model.gateways else None
    if matched is None:
        return None
    flows = [Flow(f.source, f.target, matched[i]) if i in matched else f
             for i, f in enumerate(model.flows)]
    activities = model.activities
    gateway_name = _name(model, record.gateway)
    assumptions = [N_("{cause} changes the shares after {gateway}: {shares}",
                      cause=record.cause, gateway=gateway_name,
                      shares=joined([N_("{target} {share}",
                                        target=_name(model, model.flows[i].target),
                                        share=_share(p))
                                     for i, p in sorted(matched.items())]))]
    if record.cost_per_pass:
        cost_id = f"{record.gateway}_cost"
        activities = {**activities, cost_id: Activity(name=record.cause,
                                                      other_cost=record.cost_per_pass)}
        flows = [Flow(f.source, cost_id, f.probability) if f.target == record.gateway else f
                 for f in flows] + [Flow(cost_id, record.gateway)]
        assumptions.append(N_("it costs {cost} per pass", cost=_money(record.cost_per_pass)))
    else:
        assumptions.append(N_("it costs nothing per pass"))
    moved = _with_activities(model, dict(activities), flows=flows)
    return Move("rebranch", (record.gateway,), moved,
                N_("{gateway}: new shares ({cause})", gateway=gateway_name, cause=record.cause),
                tuple(assumptions))


def _activity_of(record: TaskRecord) -> Activity:
    return Activity(name=record.name, labor=dict(record.labor), uses=dict(record.uses),
                    other_cost=record.other_cost, value=record.value)


def _long_way(model: ProcessModel, start: str, rejoin: str) -> set[str]:
    """The nodes reached from ``start`` before ``rejoin``."""
    outgoing: dict[str, list[str]] = {}
    for flow in model.flows:
        outgoing.setdefault(flow.source, []).append(flow.target)
    seen, todo = {start}, [start]
    while todo:
        for target in outgoing.get(todo.pop(), []):
            if target != rejoin and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def shortcut(model: ProcessModel, record: ShortcutRecord, *,
             resources: Mapping[str, ResourceRecord] | None = None) -> Move | None:
    """Send ``record.share`` of the instances reaching ``record.start`` the short way:
    through the new task straight to ``record.rejoin`` (unless ``rejoin`` is an
    exclusive gateway, the long way's flows into it meet the short way at a new
    exclusive gateway first). A ``check``
    task, when given, is done on every instance before the choice. None when
    the model has the shortcut already or lacks its ends. ``resources``: the
    library's, for the new tasks' uses the model lacks.

    >>> from abc_costing.model import ProcessModel
    >>> from abc_costing.model.advice import ShortcutRecord
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "resources": {"lawyer": {"kind": "labor", "rate_per_hour": 1800}},
    ...     "activities": {"review": {"labor": {"lawyer": 60}}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "review"], ["review", "e"]]})
    >>> move = shortcut(model, ShortcutRecord.model_validate({
    ...     "id": "quick", "start": "review", "rejoin": "e", "share": 0.75,
    ...     "cause": "a standard text", "task": {"name": "Quick review",
    ...                                          "labor": {"lawyer": 10}}}))
    >>> sorted(tuple(f) for f in move.model.flows)  # doctest: +NORMALIZE_WHITESPACE
    [('quick', 'quick_join', None), ('quick_gate', 'quick', 0.75),
     ('quick_gate', 'review', 0.25), ('quick_join', 'e', None),
     ('review', 'quick_join', None), ('s', 'quick_gate', None)]
    """
    if (record.id in model.activities or record.start not in model.activities
            or record.rejoin not in model.node_kinds):
        return None
    gate_id, join_id, check_id = (f"{record.id}_gate", f"{record.id}_join",
                                  f"{record.id}_check")
    long_way = _long_way(model, record.start, record.rejoin)
    before = check_id if record.check else gate_id
    # An exclusive gateway merges the short way as it is (its flows keep their
    # targets, which a later rebranch names); anything else gets a merge first.
    joined = model.gateways.get(record.rejoin) is None or \
        model.gateways[record.rejoin].kind != "exclusive"
    flows = []
    for flow in model.flows:
        if flow.target == record.start and flow.source not in long_way:
            flow = Flow(flow.source, before, flow.probability)
        elif joined and flow.target == record.rejoin and flow.source in long_way:
            flow = Flow(flow.source, join_id, flow.probability)
        flows.append(flow)
    flows += [Flow(gate_id, record.id, record.share),
              Flow(gate_id, record.start, 1.0 - record.share)]
    flows += [Flow(record.id, join_id), Flow(join_id, record.rejoin)] if joined else [
        Flow(record.id, record.rejoin)]
    # The tasks after the rejoin that needed a task of the long way now also come after
    # the short way, where it is not done: they need what it needed instead (stated below).
    bypassed = {t: model.activities[t] for t in long_way if t in model.activities}
    after = {k: v for k, v in model.activities.items() if k not in bypassed}
    rewired = _needs_after_removal(after, bypassed)
    served = [k for k in after if rewired[k] is not after[k]]
    activities = {**model.activities, **rewired, record.id: _activity_of(record.task)}
    if record.check:
        activities[check_id] = _activity_of(record.check)
        flows.append(Flow(check_id, gate_id))
    gateways = {**model.gateways, gate_id: Gateway(kind="exclusive", name=record.cause)}
    if joined:
        gateways[join_id] = Gateway(kind="exclusive", name=record.task.name)
    used = {rid for task in (record.task, record.check) if task for rid in task.uses}
    library = resources or {}
    added = {rid: library[rid] for rid in used if rid not in model.resources and rid in library}
    moved = _with_activities(model, activities, flows=flows, gateways=gateways,
                             resources={**model.resources, **added})
    start_name = _name(model, record.start)
    assumptions = [N_("{share} of the instances reaching {start} take the short way ({cause})",
                      share=_share(record.share), start=start_name,
                      cause=record.cause),
                   N_("the short way is {task}, then {rejoin}", task=record.task.name,
                      rejoin=_name(model, record.rejoin))]
    if served:
        assumptions.append(N_("{task} gives {tasks} what they needed from {start}",
                              task=record.task.name, start=start_name,
                              tasks=", ".join(_name(model, k) for k in served)))
    if record.check:
        assumptions.append(N_("every instance first goes through {check}",
                              check=record.check.name))
    return Move("shortcut", (record.id, record.start), moved,
                N_("{task} instead of {start} for {share}", task=record.task.name,
                   start=start_name, share=_share(record.share)),
                tuple(assumptions))
