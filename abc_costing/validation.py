"""Checks across the records of a process model.

Field-level rules (a negative rate, a malformed distribution) are enforced by
the records themselves; the checks here look across records: unknown ids,
events, degrees, probabilities, reachability, loops without an exit and the
shape of parallel blocks. Each check is a small function returning a list of
:class:`~abc_costing.problems.Problem`; :func:`validate_model` runs them all
and returns every problem at once.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v",
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "gateways": {"x": {"kind": "exclusive"}},
...     "flows": [["s", "x"], ["x", "e", 0.7], ["x", "s2", 0.2]]})
>>> for problem in validate_model(model):
...     print(problem)
flows[2]: flow x → s2 enters unknown element 's2'
x: probabilities of the flows leaving exclusive split 'x' sum to 0.9, not 1
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from itertools import chain, compress, repeat
from operator import attrgetter, eq, is_not, itemgetter, not_, or_
from typing import TYPE_CHECKING, Any, assert_never

from abc_costing.i18n import N_, Message
from abc_costing.model import LaborResource, NodeKind, PerUseResource, ProcessModel
from abc_costing.model.graph import (
    SINK,
    RoutingStructure,
    dfs_preorder,
    has_path,
    immediate_post_dominators,
    reachable,
    routing_structure,
    shortest_path_lengths,
    strongly_connected_components,
    structure_for,
)
from abc_costing.numbers import Figure
from abc_costing.problems import ModelError, Problem, has_errors, listed

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["validate_model", "require_valid", "must_run_before", "CHECKS",
           "PROBABILITY_TOLERANCE"]

# Probabilities written with 2-3 decimals (0.333, 0.333, 0.334) must pass;
# a real slip (0.7 + 0.2) must not.
PROBABILITY_TOLERANCE = 1e-6

_SECTIONS = ("activities", "gateways", "events")

#: Whether the checks screen a model in C before looking at each element (a screen
#: only ever says "nothing to report here"); the tests turn it off to compare every
#: answer with the element-by-element one (tests/test_validation_screens.py).
_SCREENS = True


def _node_path(model: ProcessModel, node_id: str) -> tuple[str, ...]:
    for section in _SECTIONS:
        if node_id in getattr(model, section):
            return (section, node_id)
    return ()


def _node_problem(model: ProcessModel, node_id: str, message: str, **kw: object) -> Problem:
    return Problem(message, element=node_id, path=_node_path(model, node_id), **kw)  # type: ignore[arg-type]


#: Each kind of node as a problem names it; made once (a check asks for every node's).
_KIND_NAMES = {
    "activity": N_("activity"),
    "exclusive": N_("exclusive gateway"),
    "parallel": N_("parallel gateway"),
    "start": N_("start event"),
    "end": N_("end event"),
}


def _describe(kind: str) -> Message:
    return _KIND_NAMES[kind]


_SECTION_NAMES = {"activities": N_("activities"), "gateways": N_("gateways"),
                  "events": N_("events")}


def check_unique_ids(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """Ids are shared by activities, gateways and events: each may appear once."""
    if _SCREENS and (len(model.node_kinds)
                     == len(model.activities) + len(model.gateways) + len(model.events)):
        return []  # no id in two sections (node_kinds holds each id once)
    problems = []
    seen: dict[str, str] = {}
    for section in _SECTIONS:
        for node_id in getattr(model, section):
            if node_id in seen:
                problems.append(
                    Problem(
                        N_("id {id} is used in both {first} and {second}; "
                           "ids must be unique across activities, gateways and events",
                           id=repr(node_id), first=_SECTION_NAMES[seen[node_id]],
                           second=_SECTION_NAMES[section]),
                        element=node_id,
                        path=(section, node_id),
                    )
                )
            else:
                seen[node_id] = section
    return problems


def check_resource_references(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """``labor`` names labor resources and ``uses`` names per_use resources."""
    labor_ids = {r for r, resource in model.resources.items() if resource.kind == "labor"}
    per_use_ids = {r for r, resource in model.resources.items() if resource.kind == "per_use"}
    activities = model.activities.values()
    # Every resource named anywhere, found in C: when each names a resource of its
    # kind (as in every model that validates), the activity-by-activity look is needed
    # only for those with one_of.
    labor_used = set().union(*map(_LABOR, activities))
    uses_used = set().union(*map(_USES, activities))
    if _SCREENS and labor_used <= labor_ids and uses_used <= per_use_ids:
        problems = []
        for activity_id in compress(model.activities, map(_ONE_OF, activities)):
            activity = model.activities[activity_id]
            problems += _alternatives_problems(activity_id, activity.labor, activity.one_of)
        return problems + _unused_resources(model, labor_used | uses_used)
    problems = []
    for activity_id, activity in model.activities.items():
        if activity.labor.keys() <= labor_ids and activity.uses.keys() <= per_use_ids:
            fields: tuple[tuple[str, str], ...] = ()  # the usual activity: nothing to say
        else:
            fields = (("labor", "labor"), ("uses", "per_use"))
        for field, wanted in fields:
            for resource_id in getattr(activity, field):
                path = ("activities", activity_id, field, resource_id)
                resource = model.resources.get(resource_id)
                if resource is None:
                    known = listed(sorted(model.resources)) or N_("none defined")
                    where = (N_("neither a pool of {catalogue} nor a resource of this file",
                                catalogue=model.catalogue.file) if model.catalogue
                             else N_("not defined under resources:"))
                    problems.append(
                        Problem(
                            N_("{field} names unknown resource {resource}: {where} "
                               "(known: {known})", field=field, resource=repr(resource_id),
                               where=where, known=known),
                            element=activity_id,
                            path=path,
                        )
                    )
                elif resource.kind != wanted:
                    problems.append(
                        Problem(
                            N_("{field} names {resource}, a {kind} resource; "
                               "{field} takes {wanted} resources only", field=field,
                               resource=repr(resource_id), kind=resource.kind, wanted=wanted),
                            element=activity_id,
                            path=path,
                        )
                    )
        if activity.one_of:
            problems += _alternatives_problems(activity_id, activity.labor, activity.one_of)
    return problems + _unused_resources(model, labor_used | uses_used)


_FIRST, _SECOND, _THIRD = itemgetter(0), itemgetter(1), itemgetter(2)
_GIVEN = partial(is_not, None)
_LABOR, _USES, _ONE_OF, _NEEDS = (attrgetter(field) for field in ("labor", "uses", "one_of",
                                                                   "needs"))


def _unused_resources(model: ProcessModel, used: set[str]) -> list[Problem]:
    """A warning for each resource of ``model`` not in ``used``, in the file's order."""
    return [Problem(N_("resource is not used by any activity"), element=resource_id,
                    path=("resources", resource_id), severity="warning")
            for resource_id in model.resources if resource_id not in used]


def _alternatives_problems(activity_id: str, labor: Mapping[str, object],
                           one_of: Mapping[str, float]) -> list[Problem]:
    """``one_of`` shares every labour resource of the activity, and only those, summing to 1."""
    path = ("activities", activity_id, "one_of")
    problems = []
    strangers = [r for r in one_of if r not in labor]
    if strangers:
        problems.append(Problem(N_("one_of names {names}, which do no labor in this "
                                   "activity; list the alternatives under labor too",
                                   names=listed(map(repr, strangers))),
                                element=activity_id, path=path))
    missing = [r for r in labor if r not in one_of]
    if missing:
        problems.append(Problem(N_("one_of leaves out {names}: with one_of, every labor "
                                   "resource is one of the alternatives and needs its share",
                                   names=listed(map(repr, missing))),
                                element=activity_id, path=path))
    if any(share == 0 for share in one_of.values()):
        zero = [r for r, share in one_of.items() if share == 0]
        problems.append(Problem(N_("one_of gives {names} a share of 0; leave it out of labor "
                                   "instead", names=listed(map(repr, zero))),
                                element=activity_id, path=path))
    total = sum(one_of.values())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        problems.append(Problem(N_("one_of shares sum to {total}, not 1",
                                   total=Figure.as_written(total)),
                                element=activity_id, path=path))
    return problems


def check_needs(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """``needs`` names other activities of the model, and never leads round in a circle.

    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "activities": {"enter": {"needs": ["match"]}, "match": {"needs": ["enter"]}}})
    >>> for problem in check_needs(model, routing_structure(model)):
    ...     print(problem)
    enter: needs go round in a circle: enter, match; each of these waits for another
    """
    problems = []
    # Activity -> the activities it needs, nodes in the order a networkx graph built
    # edge by edge would hold them: the circles are then listed in networkx's order.
    needs: dict[str, dict[str, None]] = {}
    # Only the activities that need something (found in C): most need nothing.
    for activity_id in compress(model.activities, map(_NEEDS, model.activities.values())):
        for index, needed in enumerate(model.activities[activity_id].needs):
            path = ("activities", activity_id, "needs", index)
            if needed == activity_id:
                problems.append(Problem(N_("an activity cannot need itself"),
                                        element=activity_id, path=path))
            elif needed not in model.activities:
                kind = model.node_kinds.get(needed)
                problems.append(Problem(
                    N_("needs names unknown activity {needed} (known: {known})",
                       needed=repr(needed), known=listed(model.activities))
                    if kind is None else
                    N_("needs names {needed}, a {what}; needs lists activities only",
                       needed=repr(needed), what=_describe(kind)),
                    element=activity_id, path=path))
            else:
                needs.setdefault(activity_id, {})[needed] = None
                needs.setdefault(needed, {})
    order: dict[str, int] = {}  # activity -> its place in the file, made for a circle
    for component in strongly_connected_components(needs):
        if len(component) > 1:
            order = order or {activity_id: i for i, activity_id in enumerate(model.activities)}
            members = sorted(component, key=order.__getitem__)
            problems.append(Problem(
                N_("needs go round in a circle: {members}; each of these waits for another",
                   members=listed(members)),
                element=members[0], path=("activities", members[0], "needs")))
    return problems


def must_run_before(model: ProcessModel, routing: RoutingStructure) -> dict[str, frozenset[str]]:
    """Node id -> the nodes that have run before it on every way through the flows.

    The dominators of the routing with tokens: a node that merges alternatives
    (an exclusive gateway, an activity with several incoming flows) has run
    after what every way into it has run; a parallel join after what any of its
    branches has run, since it waits for all of them. Nodes the start does not
    reach are left out.

    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "activities": {"a": {}, "b": {}, "c": {}},
    ...     "gateways": {"split": {"kind": "parallel"}, "join": {"kind": "parallel"}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "split"], ["split", "a"], ["split", "b"], ["a", "join"],
    ...               ["b", "join"], ["join", "c"], ["c", "e"]]})
    >>> sorted(must_run_before(model, routing_structure(model))["c"])
    ['a', 'b', 'join', 's', 'split']
    """
    routing = structure_for(model, routing)
    starts = [n for n, e in model.events.items() if e.kind == "start"]
    if len(starts) != 1:
        return {}
    reached = dfs_preorder(routing.successors, starts[0])
    bit = {node: 1 << i for i, node in enumerate(reached)}
    everything = (1 << len(reached)) - 1
    # Sets as bit masks, iterated to the fixed point from "everything" (the
    # classic dominator data flow): a loop settles in a few passes.
    before = {node: everything for node in reached}
    before[starts[0]] = 0
    kinds = model.node_kinds
    predecessors = routing.predecessors
    changed = True
    while changed:
        changed = False
        for node in reached[1:]:
            into = [before[p] | bit[p] for p in predecessors[node] if p in bit]
            if kinds.get(node) == "parallel" and len(into) > 1:
                mask = 0
                for each in into:
                    mask |= each
            else:
                mask = everything
                for each in into:
                    mask &= each
            if mask != before[node]:
                before[node], changed = mask, True
    return {node: frozenset(other for other in reached if mask & bit[other])
            for node, mask in before.items()}


def check_needs_order(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """What an activity needs has run before it on every way through the flows.

    A need the flows contradict (the needed task comes later, beside it on a
    parallel branch, or only on some of the ways in) would make the
    parallelise move and the reader trust an order the process does not keep.
    """
    pairs = [(activity_id, index, needed)
             for activity_id in compress(model.activities, map(_NEEDS, model.activities.values()))
             for index, needed in enumerate(model.activities[activity_id].needs)
             if needed in model.activities and needed != activity_id]
    if not pairs:
        return []
    # A circle of needs is reported by check_needs; one of its needs is always
    # against the flows, and saying so again would only echo it.
    circle: dict[str, dict[str, None]] = {}
    for activity_id, _, needed in pairs:
        circle.setdefault(activity_id, {})[needed] = None
        circle.setdefault(needed, {})
    in_circle = {node for component in strongly_connected_components(circle)
                 if len(component) > 1 for node in component}
    pairs = [pair for pair in pairs if pair[0] not in in_circle]
    if not pairs:
        return []
    routing = structure_for(model, routing)
    before = must_run_before(model, routing)
    after = routing.successors
    problems = []
    for activity_id, index, needed in pairs:
        if activity_id not in before or needed in before[activity_id]:
            continue
        if has_path(after, activity_id, needed) and not has_path(after, needed, activity_id):
            message = N_("{activity} needs {needed}, but {needed} comes after it in the "
                         "flows; move {needed} before {activity} or drop the need",
                         activity=repr(activity_id), needed=repr(needed))
        elif not has_path(after, needed, activity_id):
            message = N_("{activity} needs {needed}, but {needed} runs beside it (on a "
                         "parallel branch or another path), never before it",
                         activity=repr(activity_id), needed=repr(needed))
        else:
            message = N_("{activity} needs {needed}, but some ways through the flows reach "
                         "{activity} without passing {needed}",
                         activity=repr(activity_id), needed=repr(needed))
        problems.append(Problem(message, element=activity_id,
                                path=("activities", activity_id, "needs", index)))
    return problems


def check_hours_per_person(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """A pool's practical hours per person fit in a working month (a warning when not).

    Practical capacity is what is left of the working time once meetings, training
    and leave are taken out, so it cannot exceed the production calendar's average
    month (164.3 h in 2026); more usually means a headcount changed without its
    capacity (``overrides: {lawyer: {headcount: 2}}`` on a stated 360 h).
    """
    from abc_costing.payroll import latest_settled_year, shipped_years, year_months

    problems = []
    for resource_id, resource in model.resources.items():
        # A working calendar of its own (hours_per_day, days_per_month: an imported
        # simulator's timetable) is the pool's own statement of its hours; not judged here.
        if (not isinstance(resource, LaborResource) or resource.headcount is None
                or resource.hours_per_day is not None):
            continue
        per_person = resource.hours_per_person_per_month
        capacity = resource.capacity_hours_per_month
        if per_person is None or capacity is None:  # a share per person needs a capacity
            continue
        year = resource.year if resource.year in shipped_years() else latest_settled_year()
        month = sum(m.working_hours for m in year_months(year)) / 12
        if per_person > month + 0.05:
            problems.append(Problem(
                N_("{per_person} practical hours a person a month (capacity "
                   "{capacity} h / headcount {headcount}) is more than the {month} "
                   "working hours of an average month of {year}; change the capacity with "
                   "the headcount", per_person=Figure(per_person, 1),
                   capacity=Figure.as_written(capacity),
                   headcount=Figure.as_written(resource.headcount),
                   month=Figure(month, 1), year=year), element=resource_id,
                path=("overrides" if resource_id in model.overrides else "resources",
                      resource_id), severity="warning"))
    return problems


def check_finite_costs(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """One execution of each activity costs a finite amount.

    The records bound every amount (money, minutes, units), so a model read
    from a file always passes; this check is the guarantee for a model built
    another way (``model_copy`` skips the records' checks), so that a model
    that validates never costs ``inf``. Unknown resources are left to
    :func:`check_resource_references`.

    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 1200}},
    ...     "activities": {"check": {"labor": {"clerk": 15}}}})
    >>> check_finite_costs(model, routing_structure(model))  # 15 min × 20 per min = 300
    []
    """
    if _SCREENS and _costs_surely_finite(model):
        return []
    problems = []
    # Each resource's price found once, not once per activity using it (a resource
    # of the other kind, or an unknown one, has no price here: reported elsewhere).
    rates = {resource_id: resource.rate_per_minute
             for resource_id, resource in model.resources.items()
             if isinstance(resource, LaborResource)}
    costs_per_use = {resource_id: resource.cost_per_use
                     for resource_id, resource in model.resources.items()
                     if isinstance(resource, PerUseResource)}
    for activity_id, activity in model.activities.items():
        labor = 0.0
        for resource_id, duration in activity.labor.items():
            if (rate := rates.get(resource_id)) is not None:
                labor += duration.mean_minutes * rate
        uses = 0.0
        for resource_id, units in activity.uses.items():
            if (cost := costs_per_use.get(resource_id)) is not None:
                uses += units * cost
        cost_per_execution = labor + uses + activity.other_cost
        if not math.isfinite(cost_per_execution):
            problems.append(Problem(
                N_("one execution costs {cost}: minutes × rates, units × costs per use and "
                   "other_cost must add up to a finite amount; check their size",
                   cost=repr(cost_per_execution)),
                element=activity_id, path=("activities", activity_id)))
    return problems


#: Below this bound an execution's cost is finite however its terms are added up.
_SURELY_FINITE = 1e300


def _costs_surely_finite(model: ProcessModel) -> bool:
    """Whether no activity of ``model`` can cost ``inf`` or ``nan``, by a bound found in C.

    An activity's cost is at most Σ|rate| × Σ|minutes| + Σ|cost per use| × Σ|units| +
    Σ|other_cost| with every sum over the whole model (a duration's mean lies within
    its parameters, so Σ|parameters| bounds it). A ``nan`` or ``inf`` anywhere makes
    that bound ``nan`` or ``inf``, and then each activity is looked at
    (:func:`check_finite_costs`). False is only "not sure".

    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 60}},
    ...     "activities": {"check": {"labor": {"clerk": {"pert": [1, 2, 9]}}}}})
    >>> _costs_surely_finite(model)
    True
    >>> _costs_surely_finite(model.model_copy(update={"activities": {
    ...     "check": model.activities["check"].model_copy(update={"other_cost": math.inf})}}))
    False
    """
    activities = model.activities.values()
    try:
        rates = sum(abs(resource.rate_per_minute) for resource in model.resources.values()
                    if isinstance(resource, LaborResource))
        costs_per_use = sum(abs(resource.cost_per_use) for resource in model.resources.values()
                            if isinstance(resource, PerUseResource))
        durations = chain.from_iterable(map(dict.values, map(_LABOR, activities)))
        minutes = sum(map(abs, chain.from_iterable(map(_PARAMETERS, durations))))
        units = sum(map(abs, chain.from_iterable(map(dict.values, map(_USES, activities)))))
        other = sum(map(abs, map(_OTHER_COST, activities)))
        bound = rates * minutes + costs_per_use * units + other
        return bool(bound < _SURELY_FINITE)  # nan compares False
    except (ArithmeticError, TypeError, AttributeError):  # odd values: let each be looked at
        return False


_PARAMETERS, _OTHER_COST = attrgetter("parameters"), attrgetter("other_cost")


def check_flow_references(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """Every flow joins two known nodes, at most once, and not to itself."""
    kinds = model.node_kinds
    flows = model.flows
    # The usual flows, screened in C: the model's own structure keeps one edge for each
    # flow between known nodes, listed once; and no flow goes to itself.
    if (_SCREENS and len(routing_structure(model).index) == len(flows)
            and not any(map(eq, map(_FIRST, flows), map(_SECOND, flows)))):
        return []
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for index, flow in enumerate(flows):
        source, target = pair = flow[:2]
        if source in kinds and target in kinds and source != target and pair not in seen:
            seen.add(pair)
            continue  # the usual flow: no message to make
        element, path = f"flows[{index}]", ("flows", index)
        arrow = f"{flow.source} → {flow.target}"
        if flow.source not in model.node_kinds:
            problems.append(Problem(N_("flow {arrow} leaves unknown element {end}",
                                       arrow=arrow, end=repr(flow.source)),
                                    element=element, path=path))
        if flow.target not in model.node_kinds:
            problems.append(Problem(N_("flow {arrow} enters unknown element {end}",
                                       arrow=arrow, end=repr(flow.target)),
                                    element=element, path=path))
        if flow.source == flow.target:
            problems.append(Problem(_self_loop_cause(model, flow.source, arrow),
                                    element=element, path=path))
        if (flow.source, flow.target) in seen:
            problems.append(Problem(N_("flow {arrow} is listed twice", arrow=arrow),
                                    element=element, path=path))
        seen.add((flow.source, flow.target))
    return problems


def _self_loop_cause(model: ProcessModel, node: str, arrow: str) -> Message:
    """Why the flow ``arrow`` from ``node`` back to itself is wrong, by the kind of ``node``."""
    match model.node_kinds.get(node):
        case "exclusive" | "parallel":
            # A gateway routing to itself repeats no work: the "rework" redoes nothing,
            # and an exclusive one only delays the exit it already has.
            return N_("flow {arrow} loops on itself: gateway {node} would send instances back "
                      "to itself without redoing any activity; send the rework flow back to "
                      "the activity to be redone (through an exclusive merge gateway before "
                      "it)", arrow=arrow, node=repr(node))
        case "start" | "end":
            return N_("flow {arrow} loops on itself: event {node} cannot be entered again",
                      arrow=arrow, node=repr(node))
        case _:
            return N_("flow {arrow} loops on itself; route rework through an exclusive gateway "
                      "(a split after {node} whose rework flow goes to a merge before it)",
                      arrow=arrow, node=repr(node))


def check_events(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """Exactly one start event, at least one end event."""
    starts = [n for n, e in model.events.items() if e.kind == "start"]
    ends = [n for n, e in model.events.items() if e.kind == "end"]
    problems = []
    if not starts:
        problems.append(Problem(N_("there is no start event; add one under events with "
                                   "kind: start"),
                                element="events", path=("events",)))
    for extra in starts[1:]:
        problems.append(
            Problem(N_("a second start event (the first is {first}); a model has exactly one",
                       first=repr(starts[0])),
                    element=extra, path=("events", extra))
        )
    if not ends:
        problems.append(Problem(N_("there is no end event; add one under events with kind: end"),
                                element="events", path=("events",)))
    return problems


#: Kinds of node that are entered and left: one way out is right for each.
_PASSING = frozenset(("activity", "exclusive", "parallel"))


def check_degrees(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """Each kind of node has the flows its meaning needs."""
    routing = structure_for(model, routing)
    problems = []
    into, out_of = routing.predecessors, routing.successors
    kinds = model.node_kinds
    if routing is routing_structure(model):
        # The model's own structure holds the nodes in node_kinds' order: its degrees
        # are read along, not looked up node by node.
        degrees: Iterable[tuple[tuple[str, NodeKind], int, int]] = zip(
            kinds.items(), map(len, into.values()), map(len, out_of.values()), strict=True)
    else:
        degrees = ((item, len(into[item[0]]), len(out_of[item[0]])) for item in kinds.items())
    for (node_id, kind), n_in, n_out in degrees:
        if n_out == 1 and n_in and kind in _PASSING:
            continue  # the usual node, entered and left by one flow: nothing to say
        what = _describe(kind)
        if n_in == 0 and n_out == 0:
            problems.append(_node_problem(model, node_id, N_("{what} has no flows", what=what)))
            continue
        match kind:
            case "start":
                if n_in:
                    problems.append(_node_problem(model, node_id,
                                                  N_("the start event has incoming flows")))
                if n_out != 1:
                    problems.append(_node_problem(
                        model, node_id,
                        N_("the start event needs exactly one outgoing flow, has {count}",
                           count=n_out)))
            case "end":
                if n_out:
                    problems.append(_node_problem(model, node_id,
                                                  N_("an end event has outgoing flows")))
            case "activity" | "exclusive" | "parallel":
                if n_in == 0:
                    problems.append(_node_problem(model, node_id,
                                                  N_("{what} has no incoming flow", what=what)))
                if n_out == 0:
                    problems.append(_node_problem(
                        model, node_id,
                        N_("{what} has no outgoing flow; connect it to an end event",
                           what=what)))
            case _:
                assert_never(kind)
        if kind == "activity" and n_out > 1:
            problems.append(_node_problem(
                model, node_id,
                N_("activity has {count} outgoing flows; split them with an exclusive "
                   "or parallel gateway", count=n_out)))
        if kind == "parallel" and n_in > 1 and n_out > 1:
            problems.append(_node_problem(
                model, node_id,
                N_("parallel gateway both merges ({count_in} in) and splits ({count_out} out) "
                   "and would deadlock; use one gateway to join and another to split",
                   count_in=n_in, count_out=n_out)))
    return problems


def check_case_classes(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """Case classes' shares sum to 1; a flow's probabilities by class name known classes.

    That every class has its probability at every exclusive split, summing to 1,
    is :func:`check_probabilities`'s rule, class by class.

    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "case_classes": {"small": {"share": 0.6}, "large": {"share": 0.3}},
    ...     "flows": [["x", "e", {"small": 1, "huge": 1}]]})
    >>> for problem in check_case_classes(model, routing_structure(model)):
    ...     print(problem)
    case_classes: the shares of the case classes sum to 0.9, not 1
    flows[0]: flow x → e names unknown case class 'huge' (the classes are small, large)
    """
    problems = []
    classes = model.case_classes
    if classes:
        total = sum(case_class.share for case_class in classes.values())
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            problems.append(Problem(
                N_("the shares of the case classes sum to {total}, not 1",
                   total=Figure.as_written(total)),
                element="case_classes", path=("case_classes",)))
    flows = model.flows
    if _SCREENS and not any(map(isinstance, map(_THIRD, flows), repeat(dict))):
        return problems  # no flow with probabilities by class (found in C)
    for index, flow in enumerate(flows):
        if not isinstance(flow.probability, dict):
            continue
        where = {"element": f"flows[{index}]", "path": ("flows", index)}
        if not classes:
            problems.append(Problem(
                N_("flow {source} → {target} has a probability by case class, but the model "
                   "declares no case_classes; add them (id: {{name, share}}) or give one "
                   "number", source=flow.source, target=flow.target), **where))  # type: ignore[arg-type]
            continue
        unknown = [class_id for class_id in flow.probability if class_id not in classes]
        if unknown:
            problems.append(Problem(
                N_("flow {source} → {target} names unknown case class {unknown} (the classes "
                   "are {known})", source=flow.source, target=flow.target,
                   unknown=listed(map(repr, unknown)), known=listed(classes)), **where))  # type: ignore[arg-type]
    return problems


def check_probabilities(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """Probabilities sit exactly on the flows leaving exclusive splits, summing to 1
    (for each case class, when the model has them)."""
    problems = []
    kinds = model.node_kinds
    flows = model.flows
    # The flows that matter, by source: those leaving exclusive splits, and any other
    # with a probability. Sources come in the order of their first flows.
    # Found in C but for the flows that matter (a tenth of a large model's).
    sources = list(map(_FIRST, flows))
    counts = Counter(sources)
    splits = {node for node in compress(kinds, map("exclusive".__eq__, kinds.values()))
              if counts[node] > 1}
    leaving: dict[str, list[int]] = {}
    for index in compress(range(len(flows)), map(or_, map(_GIVEN, map(_THIRD, flows)),
                                                 map(splits.__contains__, sources))):
        leaving.setdefault(sources[index], []).append(index)
    if splits.issuperset(leaving):  # each source's first flow is its first one here
        in_order: Iterable[str] = leaving
    else:
        first_flow = dict(zip(reversed(sources), range(len(sources) - 1, -1, -1), strict=True))
        in_order = sorted(leaving, key=first_flow.__getitem__)
    for source in in_order:  # in the order of the sources' first flows
        outgoing = leaving[source]
        is_split = source in splits
        if not is_split:
            for index in outgoing:
                flow = model.flows[index]
                if flow.probability is not None:
                    problems.append(Problem(
                        N_("flow {source} → {target} has a probability, but {node} is not "
                           "an exclusive split; probabilities go only on the flows leaving an "
                           "exclusive gateway with two or more exits", source=flow.source,
                           target=flow.target, node=repr(source)),
                        element=f"flows[{index}]", path=("flows", index)))
            continue
        if not model.case_classes:
            problems += _split_problems(model, source, outgoing, None)
            continue
        for class_id in model.case_classes:
            problems += _split_problems(model, source, outgoing, class_id)
    return problems


def _split_problems(model: ProcessModel, source: str, outgoing: list[int],
                    class_id: str | None) -> list[Problem]:
    """The probabilities of one exclusive split, for one case class (None: no classes)."""
    if _SCREENS and class_id is None:  # the usual split: plain numbers that sum to 1
        chances = [model.flows[index].probability for index in outgoing]
        if (set(map(type, chances)) == {float}
                and abs(sum(chances) - 1.0) <= PROBABILITY_TOLERANCE):  # type: ignore[arg-type]
            return []
    problems = []
    resolved = []
    for index in outgoing:
        flow = model.flows[index]
        if class_id is None:
            if isinstance(flow.probability, dict):
                return []  # check_case_classes says the model has no classes
            resolved.append((index, flow.probability))
        else:
            resolved.append((index, flow.for_class(class_id)))
    missing = [i for i, p in resolved if p is None]
    for index in missing:
        flow = model.flows[index]
        problems.append(Problem(
            N_("flow {source} → {target} leaves exclusive split {node} but has no "
               "probability", source=flow.source, target=flow.target, node=repr(source))
            if class_id is None else
            N_("flow {source} → {target} leaves exclusive split {node} but has no "
               "probability for case class {case_class}", source=flow.source,
               target=flow.target, node=repr(source), case_class=repr(class_id)),
            element=f"flows[{index}]", path=("flows", index)))
    if not missing:
        total = sum(p for _, p in resolved if p is not None)
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            problems.append(_node_problem(
                model, source,
                N_("probabilities of the flows leaving exclusive split {node} "
                   "sum to {total}, not 1", node=repr(source), total=Figure.as_written(total))
                if class_id is None else
                N_("probabilities of the flows leaving exclusive split {node} "
                   "sum to {total} for case class {case_class}, not 1", node=repr(source),
                   total=Figure.as_written(total), case_class=repr(class_id))))
    return problems


def check_reachable_from_start(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """Every node can be reached from the start event."""
    starts = [n for n, e in model.events.items() if e.kind == "start"]
    if len(starts) != 1:
        return []
    routing = structure_for(model, routing)
    reached = reachable(routing.successors, starts[0])
    if _SCREENS and reached.issuperset(model.node_kinds):
        return []  # every node reached: nothing to look up
    into = routing.predecessors
    return [
        _node_problem(model, n, N_("{what} cannot be reached from the start event",
                                   what=_describe(k)))
        for n, k in model.node_kinds.items()
        # no incoming flow at all is reported by check_degrees
        if n not in reached and into[n]
    ]


def check_way_out(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """From every node an end event can be reached along flows that may be taken
    (by the instances of every case class, when the model has them).

    A flow with probability 0 is never taken, so a loop whose only exit has
    probability 0 is a loop with no way out. So is one whose exits have
    probabilities below :data:`PROBABILITY_TOLERANCE`: the sum rule cannot tell
    them from 0 (an exit of 1e-300 beside a loop-back of 1.0 sums to exactly 1),
    and the engine could not solve such a loop.
    """
    if model.case_classes:
        return _way_out_by_class(model)
    return _way_out(model, structure_for(model, routing), screen=True)


def _way_out_by_class(model: ProcessModel) -> list[Problem]:
    """:func:`check_way_out` of each case class's routing; a problem every class has
    is said once, as for a model without classes."""
    classes_of: dict[Problem, list[str]] = {}
    for class_id in model.case_classes:
        routed = model.for_class(class_id)
        for problem in _way_out(routed, routing_structure(routed)):
            classes_of.setdefault(problem, []).append(class_id)
    return [problem if len(classes) == len(model.case_classes) else
            Problem(N_("for case class {case_class}: {message}",
                       case_class=listed(map(repr, classes)), message=problem.message),
                    element=problem.element, path=problem.path, severity=problem.severity)
            for problem, classes in classes_of.items()]


def _way_out(model: ProcessModel, routing: RoutingStructure, *, screen: bool = False
             ) -> list[Problem]:
    ends = [n for n, e in model.events.items() if e.kind == "end"]
    if not ends:
        return []
    # Walk back from the ends over the flows that may be taken (all but the few
    # with a probability of about 0: most models have none).
    probability, successors = routing.probability, routing.successors
    predecessors = routing.predecessors
    # Screened in C first: when every probability is a number of at least the
    # tolerance (no nan, no mapping by class), no flow is never taken.
    chances: list[Any] = list(filter(_GIVEN, probability.values()))
    if (_SCREENS and set(map(type, chances)) <= {float}
            and min(chances, default=1.0) >= PROBABILITY_TOLERANCE
            and not any(map(math.isnan, chances))):
        never: set[tuple[Any, Any]] = set()
    else:
        never = {pair for pair, chance in probability.items()
                 if chance is not None and not _may_be_taken(chance)}
    if _SCREENS and screen and not never and _all_reach_an_end(model, routing, ends):
        return []
    can_finish: set[str] = set(ends)
    frontier = list(ends)
    while frontier:
        node = frontier.pop()
        for source in predecessors[node]:
            if source not in can_finish and not (never and (source, node) in never):
                can_finish.add(source)
                frontier.append(source)
    if _SCREENS and can_finish.issuperset(routing.nodes):
        return []  # every node can finish: nothing to look up
    trapped = [n for n in routing.nodes
               if n not in can_finish and (predecessors[n] or successors[n])]
    if not trapped:
        return []
    # Report where instances get stuck (components with no taken way onward),
    # not every node upstream of them: those are echoes of the same mistake.
    order = {n: i for i, n in enumerate(routing.nodes)}
    held = set(trapped)
    stuck = {u: [v for v in successors[u] if v in held and (u, v) not in never]
             for u in trapped}
    problems = []
    for component in strongly_connected_components(stuck):
        if any(v not in component for u in component for v in stuck[u]):
            continue  # a taken way onward, into another stuck component
        members = sorted(component, key=order.__getitem__)
        first = members[0]
        if len(members) == 1 and not successors[first]:
            continue  # a dead end: check_degrees says "has no outgoing flow"
        if len(members) > 1:
            shown = ", ".join(members[:8]) + (" ..." if len(members) > 8 else "")
            message = N_("loop with no way out: {nodes} can never reach an end event",
                         nodes=shown)
        else:
            message = N_("{what} can never reach an end event; connect it to an end event",
                         what=_describe(routing.kinds[first]))
        if any(0.0 < _largest(probability[member, target]) < PROBABILITY_TOLERANCE
               for member in members for target in successors[member]
               if target not in component):
            message = N_("{message} (its exits have probabilities below {tolerance}, "
                         "which count as 0)", message=message,
                         tolerance=Figure.as_written(PROBABILITY_TOLERANCE))
        problems.append(_node_problem(model, first, message))
    return problems


def _all_reach_an_end(model: ProcessModel, routing: RoutingStructure, ends: list[str]) -> bool:
    """Whether every node of ``routing`` reaches an end, read off the post-dominators
    when they are found anyway (the model has parallel gateways: its blocks and its
    cycle time need them): they are found for exactly the nodes that reach an end,
    and the walk back from the ends need not be made twice. False is only "not sure"."""
    if routing is not routing_structure(model) or "parallel" not in model.node_kinds.values():
        return False
    found = immediate_post_dominators(model, routing)
    # Every node but the root: the one end, or the sink put after several.
    return len(found) == len(routing.nodes) - (len(ends) == 1)


def _may_be_taken(probability: float | Mapping[str, float] | None) -> bool:
    """Whether a flow is ever taken: it has no probability, or one the sum rule can see
    (for some class: a model whose flows name classes it lacks is reported elsewhere)."""
    return probability is None or _largest(probability) >= PROBABILITY_TOLERANCE


def _largest(probability: float | Mapping[str, float] | None) -> float:
    """The probability, or the largest of a flow's probabilities by class (0 for none)."""
    if isinstance(probability, Mapping):
        return max(probability.values(), default=0.0)
    return probability or 0.0


def check_parallel_blocks(model: ProcessModel, routing: RoutingStructure) -> list[Problem]:
    """Each parallel split is closed by its own parallel join.

    The join of a split is its immediate post-dominator: the first node every
    path from the split must pass. The block between them must be entered only
    through the split, must not lead back to the split, and the join must wait
    for exactly as many branches as the split starts; otherwise tokens would
    multiply or the join would wait forever.
    """
    routing = structure_for(model, routing)
    kinds = model.node_kinds
    successors, predecessors = routing.successors, routing.predecessors
    parallel = list(compress(kinds, map("parallel".__eq__, kinds.values())))
    splits = [n for n in parallel if len(successors[n]) > 1 and len(predecessors[n]) <= 1]
    joins = [n for n in parallel if len(predecessors[n]) > 1 and len(successors[n]) <= 1]
    if not splits and not joins:
        return []
    sink = SINK
    # found once per model: the cycle time needs the same tree
    post_dominator = immediate_post_dominators(model, routing)

    # Inner blocks first (a nested block's join lies deeper in the post-dominator
    # tree than the join around it), and an outer block steps over each inner block
    # already checked, from its split to its join: every node is walked by the
    # innermost block holding it only. Walking each block whole made this check
    # quadratic in the nesting (61 s for 2,000 nested blocks in a 287 kB file).
    depth = _tree_depths(post_dominator, [post_dominator.get(split) for split in splits])
    join_set = set(joins)  # `in joins` on the list was quadratic too
    order = sorted(splits, key=lambda split: -depth.get(post_dominator.get(split), 0))
    found: dict[str, list[Problem]] = {}
    unclosed = 0  # splits whose missing join was looked into
    closed_by: dict[str, list[str]] = {}
    join_of: dict[str, str] = {}  # split -> join, for the blocks checked so far
    outer: dict[str, str] = {}  # node -> the split of the block checked last around it
    position: dict[str, int] = {}  # node -> its place in the graph, made when needed

    def checked_block(node: str) -> str | None:
        """The split of the outermost block checked so far that holds ``node``."""
        split, chain = outer.get(node), []
        while split is not None and split in outer:
            chain.append(split)
            split = outer[split]
        for link in chain[:-1]:  # path halving: later look-ups are short
            outer[link] = split  # type: ignore[assignment]
        return split

    for split in order:
        found[split] = problems = []
        join = post_dominator.get(split)
        if join is None:
            continue  # cannot reach an end: check_way_out reports it
        if join == sink or kinds.get(join) != "parallel" or join not in join_set:
            explained = None
            if unclosed < _EXITS_EXPLAINED:
                unclosed += 1
                # Any free parallel gateway: the one meant to close this split may
                # have been left with a single incoming branch by the early exit.
                explained = _exits_from_parallel_branches(
                    model, routing, split, set(parallel) - {split} - set(join_of.values()))
            if explained is not None:
                own_join, problem = explained
                closed_by.setdefault(own_join, []).append(split)
                problems.append(problem)
                continue
            problems.append(_node_problem(
                model, split,
                N_("parallel split {split} is not closed by a parallel join: its branches "
                   "never meet again; close them with a parallel gateway that joins all of "
                   "them", split=repr(split)) if join == sink else
                N_("parallel split {split} is not closed by a parallel join: its branches "
                   "first meet at {join}; close them with a parallel gateway that joins all "
                   "of them", split=repr(split), join=repr(join))))
            continue
        closed_by.setdefault(join, []).append(split)
        # The block's own nodes: inner splits and joins count, the nodes of the
        # inner blocks (checked already) are stepped over.
        block: set[str] = set()
        frontier = list(successors[split])
        while frontier:
            node = frontier.pop()
            if node in block or node == join:
                continue
            inner = checked_block(node) if node in outer else None
            if inner is not None:  # entered an inner block from its side: to its join
                frontier.append(join_of[inner])
                continue
            block.add(node)
            if node in join_of:
                frontier.append(join_of[node])
            else:
                frontier.extend(successors[node])
        if split in block:
            problems.append(_node_problem(
                model, split,
                N_("a branch of parallel split {split} loops back to it before the join "
                   "{join}; a rework loop must stay inside one branch or re-enter before "
                   "the split through an exclusive merge", split=repr(split), join=repr(join))))
            continue

        def inside(node: str, block: set[str] = block, split: str = split) -> bool:
            return node == split or node in block or checked_block(node) in block

        # Most nodes are entered from within: only those that are not are put in order.
        block.add(split)  # for a moment: entered from the split is entered from within
        entered = list(compress(block, map(not_, map(block.issuperset,
                                                      map(predecessors.__getitem__, block)))))
        block.discard(split)
        entered = [node for node in entered if node != split]
        if entered and not position:
            # A position lookup, not list(graph).index: that scans the whole graph per
            # comparison, which made this check quadratic (3 s on 10,000 activities).
            position.update(zip(routing.nodes, range(len(routing.nodes)), strict=True))
        for node in sorted(entered, key=position.__getitem__):
            outsiders = [p for p in predecessors[node] if not inside(p)]
            if outsiders:
                problems.append(_node_problem(
                    model, node,
                    N_("{node} sits inside the parallel block {split} … {join} but is "
                       "also entered from outside it (from {outsiders})", node=repr(node),
                       split=repr(split), join=repr(join), outsiders=listed(outsiders))))
        outsiders = [p for p in predecessors[join] if not inside(p)]
        if outsiders:
            problems.append(_node_problem(
                model, join,
                N_("parallel join {join} is fed from outside its split {split} "
                   "(from {outsiders}) and would wait forever for a token", join=repr(join),
                   split=repr(split), outsiders=listed(outsiders))))
        elif len(predecessors[join]) != len(successors[split]):
            problems.append(_node_problem(
                model, join,
                N_("parallel join {join} waits for {waits} branches but split {split} "
                   "starts {starts}", join=repr(join), waits=len(predecessors[join]),
                   split=repr(split), starts=len(successors[split]))))
        join_of[split] = join
        outer.update(zip(block, repeat(split)))
    problems = [p for split in splits for p in found[split]]
    for join in joins:
        owners = closed_by.get(join, [])
        if not owners:
            problems.append(_node_problem(
                model, join,
                N_("parallel join {join} does not close any parallel split; to merge "
                   "alternatives (such as a rework loop) use an exclusive gateway",
                   join=repr(join))))
        elif len(owners) > 1:
            problems.append(_node_problem(
                model, join,
                N_("parallel join {join} closes several splits ({splits}); "
                   "give each split its own join", join=repr(join), splits=listed(owners))))
    return problems


#: Splits whose missing join is explained in detail; each explanation walks the graph,
#: so a hostile file with thousands of broken blocks gets the short message after these.
_EXITS_EXPLAINED = 50


def _exits_from_parallel_branches(model: ProcessModel, routing: RoutingStructure, split: str,
                                  joins: set[str]) -> tuple[str, Problem] | None:
    """The join meant to close ``split``, and the flows by which a branch leaves early.

    A split whose branches would meet at a parallel join but for one of them
    leaving on the way (an exclusive exit to another end, or a rework loop
    whose exit jumps past the join) is not "unclosed": its join would wait
    forever for the branch that left. Naming that exit is the cause. The join
    meant is the free parallel join reached by most branches (then the
    nearest); None when there is none or no branch leaves (the branches
    really never meet).
    """
    successors = routing.successors
    reach = [shortest_path_lengths(successors, branch) for branch in successors[split]]
    reached = {j for r in reach for j in r if j in joins}
    if not reached:
        return None
    own_join = min(reached, key=lambda j: (-sum(j in r for r in reach),
                                           min(r.get(j, len(routing.nodes)) for r in reach),
                                           j))
    after_join = reachable(successors, own_join)  # own_join itself is never looked up
    inside, frontier, exits = {split}, [split], []
    while frontier:
        node = frontier.pop()
        for target in successors[node]:
            if target == own_join or target in inside:
                continue
            if target in after_join or model.node_kinds.get(target) == "end":
                exits.append((node, target))
                continue
            inside.add(target)
            frontier.append(target)
    if not exits:
        return None
    flows = listed(f"{u} → {v}" for u, v in sorted(exits))
    return own_join, _node_problem(
        model, exits[0][0],
        N_("a branch of parallel split {split} can leave the block before its join "
           "{join} (by {flows}); the join would wait forever for that branch. Take the "
           "exit after {join}, or bring the exit back into the branch before the join",
           split=repr(split), join=repr(own_join), flows=flows))


def _tree_depths(parent: dict, nodes: Iterable[Any]) -> dict:
    """Depth of ``nodes`` (and of every node above them) in a tree given as
    node -> parent (the root is its own parent, or has none), in time linear in
    the nodes looked at."""
    depth: dict = {}
    for node in nodes:
        chain = []
        while node not in depth:
            up = parent.get(node)
            if up is None or up == node:
                depth[node] = 0
                break
            chain.append(node)
            node = up
        base = depth[node]
        for offset, link in enumerate(reversed(chain), 1):
            depth[link] = base + offset
    return depth


Check = Callable[[ProcessModel, RoutingStructure], list[Problem]]

#: Checks of ids and references; the routing checks need these to pass.
REFERENCE_CHECKS: tuple[Check, ...] = (
    check_unique_ids,
    check_flow_references,
    check_events,
)
#: Checks of each node's flows on their own.
FLOW_CHECKS: tuple[Check, ...] = (
    check_degrees,
    check_case_classes,
    check_probabilities,
)
#: Checks of where instances can go.
ROUTING_CHECKS: tuple[Check, ...] = (
    check_reachable_from_start,
    check_way_out,
    check_parallel_blocks,
    check_needs_order,
)
CHECKS = (*REFERENCE_CHECKS, check_resource_references, check_needs, check_hours_per_person,
          check_finite_costs, *FLOW_CHECKS, *ROUTING_CHECKS)


def validate_model(
    model: ProcessModel, graph: RoutingStructure | nx.DiGraph | None = None, *,
    include_routing: bool = True
) -> list[Problem]:
    """Run every check on ``model`` and return all problems found (errors and warnings).

    The routing checks (reachability, loops, parallel blocks) run only when
    ids and events are sound: with a flow to an unknown id, "cannot be
    reached" would only echo the same mistake. ``include_routing=False`` skips
    every check of the flows' shape (the reader uses it when some flows could
    not be read at all).

    The checks walk ``graph``, by default the model's own
    :func:`~abc_costing.model.graph.routing_structure`; a networkx graph (what
    the checks took before) is read into a structure first.

    A full run also leaves its verdict on ``model`` itself, so that
    :func:`require_valid` (which every engine entry point calls) does not
    check the same model again.
    """
    routing = structure_for(model, graph)
    problems = [p for check in REFERENCE_CHECKS for p in check(model, routing)]
    references_sound = not has_errors(problems)
    problems += check_resource_references(model, routing)
    problems += check_needs(model, routing)
    problems += check_hours_per_person(model, routing)
    problems += check_finite_costs(model, routing)
    if include_routing:
        problems += [p for check in FLOW_CHECKS for p in check(model, routing)]
        if references_sound:
            problems += [p for check in ROUTING_CHECKS for p in check(model, routing)]
        _remember_verdict(model, problems)
    return problems


# Where a model keeps the verdict of its last full validation: its own
# __dict__, beside the fields, as functools.cached_property keeps node_kinds.
# The fields are frozen, so the verdict cannot go stale on that instance; a
# model_copy(update=...) drops it (ProcessModel.model_copy) and a pickled
# model (Streamlit's cache) carries it along with the same fields.
_VERDICT = "_validation_problems"


def _remember_verdict(model: ProcessModel, problems: list[Problem]) -> None:
    model.__dict__[_VERDICT] = tuple(problems)


def require_valid(model: ProcessModel) -> None:
    """Raise :class:`~abc_costing.problems.ModelError` unless ``model`` is valid.

    The errors :func:`validate_model` finds are the reasons given (warnings
    alone leave a model usable). A model that was validated before (every
    model the readers return was) is not checked again.

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "activities": {"a": {}}, "events": {"e": {"kind": "end"}},
    ...     "flows": [["a", "e"]]})
    >>> try:
    ...     require_valid(model)
    ... except ModelError as error:
    ...     print(error)
    events: there is no start event; add one under events with kind: start
    a: activity has no incoming flow
    """
    problems = model.__dict__.get(_VERDICT)
    if problems is None:
        problems = validate_model(model)
    if has_errors(problems):
        raise ModelError([p for p in problems if p.severity == "error"])
