"""The parallelise move: tasks of a sequence that need nothing from each other run side by side.

Candidates come from :func:`~abc_costing.model.needs.independent_runs`, which
reads the model's ``needs``. A model that states no ``needs`` at all says
nothing about what depends on what: every sequence would look independent, so
no move is proposed and the advice says why (:func:`parallelise_moves`'s notes)
rather than assume. In a model with ``needs`` a task that states none is taken
at its word, and the move says so.

Every task still runs once per pass, so the cost is unchanged (an identity the
tests check); what changes is the expected cycle time
(:func:`~abc_costing.engine.cycle_time.expected_cycle_time`), which is how the
advisor ranks these moves ("faster, same cost").

Two tasks side by side need two pairs of hands. When two tasks of a run use the
same labour pool of one person (``headcount: 1``), that person would do them one
after the other and the run would be no faster: such a run is not proposed, and
a note says why. When the pool has more people, or its headcount is not stated,
the move states the assumption.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v",
...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600},
...                   "admin": {"kind": "labor", "rate_per_hour": 480}},
...     "activities": {"enter": {"labor": {"clerk": 30}},
...                    "post": {"labor": {"clerk": 5}, "needs": ["enter"]},
...                    "file": {"labor": {"admin": 45}}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "enter"], ["enter", "post"], ["post", "file"], ["file", "e"]]})
>>> moves, notes = parallelise_moves(model)
>>> [move.description for move in moves], notes
(['Run side by side: post, file'], [])
"""

from __future__ import annotations

from collections.abc import Sequence

from abc_costing.advisor.moves import Move
from abc_costing.i18n import N_, Message
from abc_costing.model import LaborResource, ProcessModel
from abc_costing.model.needs import independent_runs, parallelised
from abc_costing.numbers import Figure

__all__ = ["parallelise", "parallelise_moves"]


def _names(model: ProcessModel, tasks: Sequence[str]) -> str:
    return ", ".join(model.display_name(task) for task in tasks)


def _shared_pools(model: ProcessModel, run: Sequence[str]) -> dict[str, list[str]]:
    """Labour pool -> the tasks of ``run`` that use it, for pools used by two or more."""
    users: dict[str, list[str]] = {}
    for task in run:
        for pool in model.activities[task].labor:
            users.setdefault(pool, []).append(task)
    return {pool: tasks for pool, tasks in users.items() if len(tasks) > 1}


def _single_person(model: ProcessModel, pool: str) -> bool:
    resource = model.resources.get(pool)
    return isinstance(resource, LaborResource) and resource.headcount is not None \
        and resource.headcount <= 1


def parallelise(model: ProcessModel, run: Sequence[str]) -> Move:
    """Run the tasks of ``run`` (one of :func:`~abc_costing.model.needs.independent_runs`)
    side by side: a parallel split before them and a join after
    (:func:`~abc_costing.model.needs.parallelised`), with the assumptions said.

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600, "headcount": 3}},
    ...     "activities": {"a": {"labor": {"clerk": 30}}, "b": {"labor": {"clerk": 45}},
    ...                    "c": {"needs": ["a", "b"]}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "a"], ["a", "b"], ["b", "c"], ["c", "e"]]})
    >>> move = parallelise(model, ("a", "b"))
    >>> sorted(move.model.gateways), len(move.assumptions)
    (['a_b_join', 'a_b_split'], 3)
    """
    run = tuple(run)
    moved = parallelised(model, run)
    names = _names(model, run)
    assumptions: list[Message] = [
        N_("{tasks} need nothing from each other (as their needs say) and can run at the "
           "same time", tasks=names)]
    unstated = [task for task in run if not model.activities[task].needs]
    if unstated:
        assumptions.append(N_("no needs stated for {tasks}: taken to need nothing from the "
                              "tasks beside them", tasks=_names(model, unstated)))
    shared = _shared_pools(model, run)
    for pool, tasks in shared.items():
        resource = model.resources.get(pool)
        pool_name = (resource.name if resource else None) or pool
        headcount = resource.headcount if isinstance(resource, LaborResource) else None
        if headcount is None:
            assumptions.append(N_("{pool} has people to do {tasks} at the same time (its "
                                  "headcount is not stated)", pool=pool_name,
                                  tasks=_names(model, tasks)))
        else:
            assumptions.append(N_("different people of {pool} ({headcount} in all) do {tasks} "
                                  "at the same time", pool=pool_name, tasks=_names(model, tasks),
                                  headcount=Figure.as_written(headcount)))
    if not shared:
        assumptions.append(N_("different people do them: no two of them use the same pool"))
    return Move("parallelise", run, moved, N_("Run side by side: {tasks}", tasks=names),
                tuple(assumptions))


def parallelise_moves(model: ProcessModel) -> tuple[list[Move], list[Message]]:
    """Every parallelise move of ``model`` and the notes on what was not proposed, and why.

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "activities": {"a": {}, "b": {}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "a"], ["a", "b"], ["b", "e"]]})
    >>> parallelise_moves(model)[1]  # doctest: +NORMALIZE_WHITESPACE
    ['No task runs side by side: the model states no needs, so what waits for what is not
      known (give each activity its needs to have it proposed)']
    """
    if not any(activity.needs for activity in model.activities.values()):
        return [], [N_("No task runs side by side: the model states no needs, so what waits "
                       "for what is not known (give each activity its needs to have it "
                       "proposed)")]
    moves: list[Move] = []
    notes: list[Message] = []
    for run in independent_runs(model):
        single = [pool for pool, _ in _shared_pools(model, run).items()
                  if _single_person(model, pool)]
        if single:
            notes.append(N_("{tasks} are not run side by side: they need the one person of "
                            "{pools}", tasks=_names(model, run),
                            pools=", ".join(model.resources[p].name or p for p in single)))
            continue
        moves.append(parallelise(model, run))
    return moves, notes
