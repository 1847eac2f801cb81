"""Every applicable move of a model, costed exactly, guarded, ranked and combined.

:func:`advise` lists the candidate moves (:func:`candidate_moves`), costs each in
memory (:class:`~abc_costing.advisor.evaluation.CompiledModel`), and keeps a move
only when its model passes validation and no labour pool ends up loaded beyond
its practical capacity by it (the load of the other processes counted, when
given); a move that fails a guard is listed in ``rejected`` with the reason,
never dropped. The rest are ranked by saving per instance. The first ``top`` of
them also get their cash saving (whole people released and what is not labour),
by the rule of the Overview's ranking
(:func:`~abc_costing.compare.split_in_library`). Then moves are combined greedily:
apply the best, list the moves of the new model, apply the best again, while the
saving grows.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v", "volume_per_year": 100,
...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
...     "activities": {"enter": {"labor": {"clerk": 30}},
...                    "retype": {"labor": {"clerk": 6}, "value": "waste"}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "enter"], ["enter", "retype"], ["retype", "e"]]})
>>> advice = advise(model)
>>> best = advice.ranked[0]
>>> best.move.description, best.saving_per_instance, best.saving_per_year  # 6 min × 10 per min
('Eliminate retype', 60.0, 6000.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from abc_costing.advisor.evaluation import CompiledModel, Evaluation
from abc_costing.advisor.knockout import knockout_moves
from abc_costing.advisor.moves import (
    AutomationOffer,
    Move,
    automate,
    cheaper_pools,
    eliminate,
    merge,
    mergeable_pairs,
    reassign,
    rebranch,
    shortcut,
)
from abc_costing.advisor.parallel import parallelise_moves
from abc_costing.advisor.tiers import triage
from abc_costing.compare import compare_models, split_in_library
from abc_costing.engine.capacity import ModelEntry, PoolRelease, capacity_report, staffing
from abc_costing.engine.cycle_time import CycleTime, expected_cycle_time
from abc_costing.engine.executions import RoutingError
from abc_costing.i18n import N_, Message
from abc_costing.model import LaborResource, ProcessModel, ResourceRecord
from abc_costing.model.advice import AdviceFile, BranchRecord, ShortcutRecord, TriageRecord
from abc_costing.numbers import Figure
from abc_costing.problems import AbcCostingError, ModelError
from abc_costing.validation import validate_model

__all__ = ["AdviceSettings", "RankedMove", "RejectedMove", "Advice", "candidate_moves",
           "advise", "describe", "settings_from_advice", "MONTHS_PER_YEAR"]

MONTHS_PER_YEAR = 12
#: A move must save more than this share of the cost per instance to count (float noise).
RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class AdviceSettings:
    """What the analyst tells the advisor beyond the model.

    Attributes:
      automation: activity id -> what a robot for it would cost (no automation
        move is proposed without an offer: its price is not the advisor's to guess).
      risks: activity id -> (probability of an error it catches, loss per error):
        the risk cost of eliminating it. Tasks named here are candidates for
        elimination; so is every task whose value is ``waste``.
      can_do: labour pool -> the cheaper labour pools that may take over its tasks
        (each such move states it as an assumption); without it no task changes
        pool: who is qualified to do what is the analyst's to say, and every cheaper
        pool (an office manager doing the legal review) would top the ranking.
      setup_minutes_saved: minutes saved by doing two consecutive tasks in one go.
      max_steps: at most this many moves combined.
      keep: activity id -> why it must not be eliminated (even when it is waste).
      branches: new branch probabilities, each with its cause and cost (:func:`rebranch`).
      shortcuts: shorter ways for a share of instances (:func:`shortcut`).
      resources: the library's resources the moves may bring in (a robot's uses).
      triage: ways to sort the instances into classes routed each their own way
        (:func:`~abc_costing.advisor.tiers.triage`).
    """

    automation: Mapping[str, AutomationOffer] = field(default_factory=dict)
    risks: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    can_do: Mapping[str, Sequence[str]] = field(default_factory=dict)
    setup_minutes_saved: float = 0.0
    max_steps: int = 20
    keep: Mapping[str, str] = field(default_factory=dict)
    branches: Sequence[BranchRecord] = ()
    shortcuts: Sequence[ShortcutRecord] = ()
    resources: Mapping[str, ResourceRecord] = field(default_factory=dict)
    triage: Sequence[TriageRecord] = ()


@dataclass(frozen=True)
class RankedMove:
    """A move that passed the guards, with what it saves.

    Attributes:
      move: the move.
      cost_per_instance: the moved model's.
      saving_per_instance: the model's cost per instance minus the moved one's.
      saving_per_year: × volume_per_year (None without a volume).
      fte_change: labour pool -> Δ FTE (after − before) of this process's work,
        for pools whose hours per person are known.
      heads_released: whole people released (None when not worked out: beyond ``top``).
      cash_per_year: heads released × cost per person + what is not labour
        (None when not worked out).
      releases: each labour pool's FTE before and after and the heads it releases,
        from the same split as ``heads_released`` (empty when not worked out).
      cycle_minutes: the moved model's expected cycle time
        (:func:`~abc_costing.engine.cycle_time.expected_cycle_time`; None when not
        worked out: only the moves shown get it).
      cycle_change_minutes: ``cycle_minutes`` minus the model's before the move.
      cycle_exact: whether ``cycle_minutes`` is exact; False: it is a lower bound ("at
        least": a parallel block whose branch times vary), and so is the model's before
        it when that one is not exact either, which makes the change one of bounds.
    """

    move: Move
    cost_per_instance: float
    saving_per_instance: float
    saving_per_year: float | None
    fte_change: Mapping[str, float]
    heads_released: int | None = None
    cash_per_year: float | None = None
    releases: tuple[PoolRelease, ...] = ()
    cycle_minutes: float | None = None
    cycle_change_minutes: float | None = None
    cycle_exact: bool | None = None


@dataclass(frozen=True)
class RejectedMove:
    """A move a guard refused, and why.

    Attributes:
      move: the move.
      reasons: why, in words (the validation's problems, or the pool overloaded).
    """

    move: Move
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Advice:
    """What the advisor found for one model.

    Attributes:
      model: the model advised.
      cost_per_instance: its cost per instance.
      ranked: the moves that passed the guards, largest saving per instance first.
      rejected: the moves a guard refused, with the reasons.
      sequence: the moves combined greedily, each with its saving over the model
        after the moves before it.
      combined_model: the model after the whole sequence.
      combined: the whole sequence as one change of ``model`` into ``combined_model``:
        its saving, Δ FTE, and heads and cash worked out once for the whole change
        (whole people are released by the whole change, not step by step); None
        without a sequence.
      cycle_time: the model's expected cycle time (None when it has no finite one).
      faster: the moves that save no money but shorten the expected cycle time
        (parallelise), shortest cycle time first: kept out of the money ranking.
      notes: what the advisor did not propose, and why (a model with no ``needs``).
    """

    model: ProcessModel
    cost_per_instance: float
    ranked: tuple[RankedMove, ...]
    rejected: tuple[RejectedMove, ...]
    sequence: tuple[RankedMove, ...]
    combined_model: ProcessModel
    combined: RankedMove | None = None
    cycle_time: CycleTime | None = None
    faster: tuple[RankedMove, ...] = ()
    notes: tuple[Message, ...] = ()

    @property
    def combined_saving_per_instance(self) -> float:
        """What the whole sequence saves per instance."""
        if self.combined is not None:
            return self.combined.saving_per_instance
        return math.fsum(step.saving_per_instance for step in self.sequence)

    @property
    def combined_saving_per_year(self) -> float | None:
        """What the whole sequence saves a year (None without a volume)."""
        volume = self.model.volume_per_year
        return None if volume is None else self.combined_saving_per_instance * volume


def settings_from_advice(advice: AdviceFile, *,
                         resources: Mapping[str, ResourceRecord] | None = None
                         ) -> AdviceSettings:
    """The advisor's settings from a checked advice file (``advice.yaml``); ``resources``:
    the library's, which the automation offers and shortcuts may bring in.

    >>> from abc_costing.model.advice import AdviceFile
    >>> settings = settings_from_advice(AdviceFile.model_validate({
    ...     "format": "abc-costing-advice/1", "process": "p",
    ...     "automation": {"enter": {"name": "OCR", "cost_per_use": 5, "errors": "back",
    ...                              "error_rate": 0.1}},
    ...     "risks": {"sign": {"probability": 0.02, "loss": 5000}}}))
    >>> settings.automation["enter"].errors_go_back, settings.risks["sign"]
    (True, (0.02, 5000.0))
    """
    automation = {activity_id: AutomationOffer(
        cost_per_use=offer.cost_per_use, licence_per_year=offer.licence_per_year,
        error_rate=offer.error_rate, errors_go_back=offer.errors == "back",
        fix_minutes=offer.fix_minutes, name=offer.name, labor=dict(offer.labor),
        uses=None if offer.uses is None else dict(offer.uses), other_cost=offer.other_cost,
        removes=tuple(offer.removes)) for activity_id, offer in advice.automation.items()}
    return AdviceSettings(
        automation=automation,
        risks={a: (r.probability, r.loss) for a, r in advice.risks.items()},
        can_do={pool: tuple(others) for pool, others in advice.can_do.items()},
        setup_minutes_saved=advice.setup_minutes_saved, keep=dict(advice.keep),
        branches=tuple(advice.branches), shortcuts=tuple(advice.shortcuts),
        resources=dict(resources or {}), triage=tuple(advice.triage))


def candidate_moves(model: ProcessModel, *, settings: AdviceSettings = AdviceSettings(),
                    executions: Mapping[str, float] | None = None) -> list[Move]:
    """Every move the advisor tries on ``model`` (see :class:`AdviceSettings`).

    ``executions`` (node id -> expected executions per instance) spread an
    automation's licence over the uses a year; 1 per instance when not given.
    """
    executions = executions or {}
    moves = [automate(model, activity_id, offer=_with_library(offer, settings.resources),
                      executions_per_instance=executions.get(activity_id, 1.0))
             for activity_id, offer in settings.automation.items()
             if activity_id in model.activities]
    for activity_id, activity in model.activities.items():
        if activity_id in settings.risks:
            probability, loss = settings.risks[activity_id]
            moves.append(eliminate(model, activity_id, error_probability=probability,
                                   loss=loss))
        elif activity.value == "waste" and activity_id not in settings.keep:
            moves.append(eliminate(model, activity_id))
    moves += knockout_moves(model)
    for activity_id in model.activities:
        for from_pool, to_pool in cheaper_pools(model, activity_id):
            if to_pool in settings.can_do.get(from_pool, ()):
                moves.append(reassign(model, activity_id, from_pool=from_pool, to_pool=to_pool))
    moves += [merge(model, first, second, setup_minutes_saved=settings.setup_minutes_saved)
              for first, second in mergeable_pairs(model)]
    found = [rebranch(model, record) for record in settings.branches]
    found += [shortcut(model, record, resources=settings.resources)
              for record in settings.shortcuts]
    found += [triage(model, record) for record in settings.triage]
    moves += [move for move in found if move is not None]
    return moves


def _with_library(offer: AutomationOffer, resources: Mapping[str, ResourceRecord]
                  ) -> AutomationOffer:
    return replace(offer, resources={**resources, **offer.resources}) if resources else offer


def _overloads(before: Evaluation, after: Evaluation, moved: ProcessModel,
               other_minutes_per_month: Mapping[str, float]) -> list[str]:
    """Why ``moved`` overloads a labour pool: one reason per pool that ends up beyond its
    practical capacity with more load than before."""
    per_month = (moved.volume_per_year or 0.0) / MONTHS_PER_YEAR
    reasons: list[str] = []
    for pool_id, resource in moved.resources.items():
        if not isinstance(resource, LaborResource):
            continue
        capacity = staffing(resource).capacity_minutes_per_month
        if capacity is None:
            continue
        other = other_minutes_per_month.get(pool_id, 0.0)
        load = other + per_month * after.minutes_by_pool.get(pool_id, 0.0)
        was = other + per_month * before.minutes_by_pool.get(pool_id, 0.0)
        if load > capacity * (1 + RELATIVE_TOLERANCE) and load > was * (1 + RELATIVE_TOLERANCE):
            reasons.append(N_("overloads {pool}: {load} h a month against a practical "
                              "capacity of {capacity} h", pool=resource.name or pool_id,
                              load=Figure(load / 60, 1),
                              capacity=Figure(capacity / 60, 1)))
    return reasons


def _fte_change(before: Evaluation, after: Evaluation, model: ProcessModel) -> dict[str, float]:
    per_month = (model.volume_per_year or 0.0) / MONTHS_PER_YEAR
    changes = {}
    for pool_id in dict.fromkeys([*before.minutes_by_pool, *after.minutes_by_pool]):
        resource = model.resources.get(pool_id)
        if not isinstance(resource, LaborResource):
            continue
        hours = resource.hours_per_person_per_month
        if not hours:
            continue
        delta = (after.minutes_by_pool.get(pool_id, 0.0)
                 - before.minutes_by_pool.get(pool_id, 0.0)) * per_month / 60.0
        changes[pool_id] = delta / hours + 0.0  # + 0.0 turns a -0.0 into 0.0: never "-0"
    return changes


def _judged(compiled: CompiledModel, move: Move, *, validate: bool,
            other_minutes_per_month: Mapping[str, float]) -> RankedMove | RejectedMove:
    """The move costed and guarded: ranked, or rejected with its reasons."""
    if validate:
        errors = [p.message for p in validate_model(move.model) if p.severity == "error"]
        if errors:
            return RejectedMove(move, tuple(errors))
    try:
        after = compiled.evaluate(move.model)
    except RoutingError as error:
        return RejectedMove(move, tuple(p.message for p in error.problems))
    before = compiled.base
    overloads = _overloads(before, after, move.model, other_minutes_per_month)
    if overloads:
        return RejectedMove(move, tuple(overloads))
    saving = before.cost_per_instance - after.cost_per_instance
    volume = compiled.model.volume_per_year
    return RankedMove(move, after.cost_per_instance, saving,
                      None if volume is None else saving * volume,
                      _fte_change(before, after, move.model))


def _with_cash(ranked: RankedMove, base: ProcessModel,
               library: Sequence[ModelEntry]) -> RankedMove:
    """``ranked`` with its heads released and cash saving (the Overview's rule)."""
    try:
        split = split_in_library(compare_models(base, ranked.move.model), base,
                                 ranked.move.model, library=library)
    except ModelError:
        return ranked
    if split is None:
        return ranked
    return replace(ranked, heads_released=split.heads_released,
                   cash_per_year=split.cash_per_year, releases=tuple(split.pools))


def _other_load(model: ProcessModel, library: Sequence[ModelEntry]) -> dict[str, float]:
    """Minutes a month the other processes of ``library`` (their ``as_is``) ask of each pool."""
    others = [entry for entry in library
              if (entry if isinstance(entry, ProcessModel) else entry[1]).process != model.process]
    if not others:
        return {}
    report = capacity_report(others)
    return {pool.id: pool.minutes_per_month for pool in report.pools}


def _saves(ranked: RankedMove | RejectedMove, cost: float) -> bool:
    return isinstance(ranked, RankedMove) and \
        ranked.saving_per_instance > RELATIVE_TOLERANCE * max(1.0, cost)


def advise(model: ProcessModel, *, settings: AdviceSettings = AdviceSettings(),
           library: Sequence[ModelEntry] = (), top: int | None = 10) -> Advice:
    """Rank every move of a valid ``model`` and combine the best (see the module docstring).

    ``library``: the other processes sharing the pools (models or ``(path, model)``
    pairs): their load counts in the capacity guard and in the cash saving.
    ``top``: how many of the ranked moves get their cash saving worked out (None: all).
    Raises :class:`~abc_costing.problems.ModelError` for an invalid ``model``.
    """
    compiled = CompiledModel(model)
    other = _other_load(model, library)
    judged = [_judged(compiled, move, validate=True, other_minutes_per_month=other)
              for move in candidate_moves(model, settings=settings,
                                          executions=compiled.base.executions)]
    ranked = sorted((j for j in judged if isinstance(j, RankedMove)),
                    key=lambda r: -r.saving_per_instance)
    shown = len(ranked) if top is None else top
    cycle = _cycle_time(model)
    before_minutes = None if cycle is None else cycle.minutes
    ranked = [_with_cycle(_with_cash(r, model, library), before_minutes) if i < shown else r
              for i, r in enumerate(ranked)]
    parallel, notes = parallelise_moves(model)
    faster_judged = [_judged(compiled, move, validate=True, other_minutes_per_month=other)
                     for move in parallel]
    faster = _faster([j for j in faster_judged if isinstance(j, RankedMove)], cycle,
                     cost=compiled.base.cost_per_instance)
    rejected = tuple(j for j in [*judged, *faster_judged] if isinstance(j, RejectedMove))
    steps, current = _combined(compiled, settings=settings, other=other)
    sequence = []
    previous = before_minutes  # each step's change is over the model after the steps before
    for step, before in steps:
        timed = _with_cycle(_with_cash(step, before, library), previous)
        sequence.append(timed)
        previous = timed.cycle_minutes
    whole = _whole_change(compiled, steps, current, library)
    if whole is not None:
        whole = _with_cycle(whole, before_minutes)
    return Advice(model, compiled.base.cost_per_instance, tuple(ranked), rejected,
                  tuple(sequence), current, whole, cycle, tuple(faster), tuple(notes))


def _cycle_time(model: ProcessModel) -> CycleTime | None:
    """The expected cycle time of a valid model; None when its equations have no finite
    solution (a loop an instance might never leave in time, though it may in cost)."""
    try:
        return expected_cycle_time(model)
    except AbcCostingError:
        return None


def _with_cycle(ranked: RankedMove, before_minutes: float | None) -> RankedMove:
    """``ranked`` with its moved model's expected cycle time and the change from
    ``before_minutes`` (1.8 ms a 50-activity model: worked out only for the moves shown)."""
    after = _cycle_time(ranked.move.model)
    if after is None:
        return ranked
    change = None if before_minutes is None else after.minutes - before_minutes
    return replace(ranked, cycle_minutes=after.minutes, cycle_change_minutes=change,
                   cycle_exact=after.exact)


def _faster(moves: Sequence[RankedMove], before: CycleTime | None, *, cost: float
            ) -> list[RankedMove]:
    """The moves that cost the same as before and shorten the expected cycle time,
    shortest cycle time first (a move that costs more or saves money is not one of them:
    the money ranking has those)."""
    if before is None:
        return []
    timed = [_with_cycle(r, before.minutes) for r in moves
             if abs(r.saving_per_instance) <= RELATIVE_TOLERANCE * max(1.0, cost)]
    shorter = [r for r in timed if r.cycle_change_minutes is not None
               and r.cycle_change_minutes < -RELATIVE_TOLERANCE * max(1.0, before.minutes)]
    return sorted(shorter, key=lambda r: r.cycle_change_minutes or 0.0)


def _whole_change(compiled: CompiledModel, steps: Sequence[tuple[RankedMove, ProcessModel]],
                  combined: ProcessModel, library: Sequence[ModelEntry]) -> RankedMove | None:
    """The sequence as one move of the base model, its heads and cash from one split."""
    if not steps:
        return None
    whole = Move(steps[0][0].move.kind, tuple(dict.fromkeys(
        e for step, _ in steps for e in step.move.elements)), combined,
        N_("{count} moves combined", count=len(steps)),
        tuple(a for step, _ in steps for a in step.move.assumptions))
    after = compiled.evaluate(combined)
    saving = compiled.base.cost_per_instance - after.cost_per_instance
    volume = compiled.model.volume_per_year
    ranked = RankedMove(whole, after.cost_per_instance, saving,
                        None if volume is None else saving * volume,
                        _fte_change(compiled.base, after, combined))
    return _with_cash(ranked, compiled.model, library)


def _combined(compiled: CompiledModel, *, settings: AdviceSettings,
              other: Mapping[str, float]
              ) -> tuple[list[tuple[RankedMove, ProcessModel]], ProcessModel]:
    """Apply the best move, re-rank the new model's moves, repeat while the saving grows.

    Each step's candidates are costed first and validated best first, so only the
    moves tried as the step's choice pay for a validation.
    """
    steps: list[tuple[RankedMove, ProcessModel]] = []
    current = compiled.model
    done: set[tuple[str, tuple[str, ...], str]] = set()  # a move is made once
    for _ in range(settings.max_steps):
        cost = compiled.base.cost_per_instance
        costed = [_judged(compiled, move, validate=False, other_minutes_per_month=other)
                  for move in candidate_moves(current, settings=settings,
                                              executions=compiled.base.executions)
                  if _key(move) not in done]
        saving = sorted((r for r in costed if _saves(r, cost)),
                        key=lambda r: -r.saving_per_instance)  # type: ignore[union-attr]
        chosen = next((r for r in saving if not any(
            p.severity == "error" for p in validate_model(r.move.model))), None)
        if not isinstance(chosen, RankedMove):
            break
        steps.append((chosen, current))
        done.add(_key(chosen.move))
        current = chosen.move.model
        compiled = CompiledModel(current)
    return steps, current


def _key(move: Move) -> tuple[str, tuple[str, ...], str]:
    return move.kind, move.elements, str(move.description)


def describe(advice: Advice) -> Message:
    """One line: what the combined moves save per instance.

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "activities": {"a": {}}, "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "a"], ["a", "e"]]})
    >>> describe(advise(model))
    'Moves combined: 0; they save 0.00 per instance'
    """
    return N_("Moves combined: {count}; they save {saving} per instance",
              count=len(advice.sequence),
              saving=Figure(advice.combined_saving_per_instance, 2))
