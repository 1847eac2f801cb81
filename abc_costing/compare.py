"""Comparing two variants of one process: what changes and what it saves.

Activities are matched by id. An activity is ``added`` (only in the
candidate), ``removed`` (only in the baseline), ``changed`` (its cost per
instance, executions or definition differ) or ``unchanged``. Deltas are
candidate minus baseline; savings are baseline minus candidate, so a cheaper
candidate saves a positive amount.

The saving per year is counted at ONE volume, the baseline's: (baseline minus
candidate cost per instance) × baseline ``volume_per_year``. When the two
files state different volumes, the change in cost per year that the volume
alone brings is shown apart (the ``volume`` effect of the bridge, with a
warning): doing fewer instances is never a saving of the process.

The cost bridge splits the change in cost per instance (candidate minus
baseline) into effects that add up to it, by sequential substitution in this
order (:data:`BRIDGE_ORDER`); each effect is the cost of a hybrid model after
the substitution minus the one before it, so interaction terms fall to the
later effect:

1. ``rate``: each resource's price from the candidate (cost per month, rate
   per hour, cost per use), for resources both files define; a time-driven
   pool (cost per month / capacity hours) keeps the baseline's capacity here;
2. ``capacity``: each time-driven pool's practical capacity hours from the
   candidate: the rate changes, what is paid does not (:func:`price_steps`);
3. ``unit_time``: each shared activity's labour minutes per execution from
   the candidate;
4. ``routing``: each activity's expected executions per instance from the
   candidate (routing, rework, activities added or removed);
5. ``fees``: each shared activity's units used per execution and other cost
   per execution from the candidate;
6. ``volume``: per year only, candidate cost per instance × (candidate volume
   − baseline volume); 0 per instance.

The hybrids are costed analytically from the engine's expected executions
(cost = Σ executions × (Σ minutes × rate + Σ units × cost per use + other)),
the same sum the engine makes.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> def variant(name, minutes):
...     return ProcessModel.model_validate({
...         "format": "abc-costing/1", "process": "p", "variant": name,
...         "volume_per_year": 10,
...         "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
...         "activities": {"a": {"labor": {"clerk": minutes}}},
...         "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...         "flows": [["s", "a"], ["a", "e"]]})
>>> comparison = compare_models(variant("as_is", 60), variant("robot", 15))
>>> comparison.saving_per_instance, comparison.saving_per_year  # (60-15) × 10 ₽/min
(450.0, 4500.0)
>>> comparison.activities[0].status
'changed'
>>> [(e.effect, e.change_per_instance) for e in comparison.bridge]  # only unit time
[('rate', 0.0), ('capacity', 0.0), ('unit_time', -450.0), ('routing', 0.0), ('fees', 0.0), \
('volume', 0.0)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Literal, assert_never

from abc_costing.engine import CostResult, cost_model
from abc_costing.engine.capacity import (
    CapacityReport,
    ModelEntry,
    PoolRelease,
    capacity_report,
    released_heads,
)
from abc_costing.engine.costing import TOO_LARGE
from abc_costing.i18n import N_
from abc_costing.model import (
    VALUE_CLASSES,
    Activity,
    LaborResource,
    PerUseResource,
    ProcessModel,
    UnitCosts,
)
from abc_costing.numbers import Figure
from abc_costing.problems import AbcCostingError, ModelError, Problem

__all__ = [
    "ActivityChange",
    "ResourceChange",
    "ValueClassChange",
    "OtherCostChange",
    "BridgeEffect",
    "PriceEffect",
    "SavingSplit",
    "BRIDGE_ORDER",
    "BRIDGE_LABELS",
    "Comparison",
    "CompareError",
    "compare_models",
    "compare_results",
    "cost_bridge",
    "price_steps",
    "price_effects",
    "saving_split",
    "split_in_library",
]

#: The order of the sequential substitution of the cost bridge (see the module
#: docstring); the split of interaction terms depends on it.
BRIDGE_ORDER = ("rate", "capacity", "unit_time", "routing", "fees")

#: What each effect of the bridge means, for readers.
BRIDGE_LABELS = {
    "rate": N_("prices: cost per month, rate per hour, cost per use"),
    "capacity": N_("practical capacity of time-driven pools (практическая ёмкость)"),
    "unit_time": N_("labour minutes per execution"),
    "routing": N_("routing and rework (executions per instance)"),
    "fees": N_("units used and other costs per execution"),
    "volume": N_("volume per year (not a saving)"),
}

# Relative tolerance below which two costs are the same figure (float noise
# from a different solve order, not a change anyone could act on).
_SAME = 1e-9


class CompareError(AbcCostingError, ValueError):
    """The two models cannot be compared (different processes or currencies)."""


@dataclass(frozen=True)
class ActivityChange:
    """One activity in the baseline and the candidate.

    Attributes:
      id, name: the activity (name from the candidate when it has one).
      status: ``added``, ``removed``, ``changed`` or ``unchanged``.
      baseline_expected_executions, candidate_expected_executions: per instance
        (0 where the activity is absent).
      baseline_cost_per_instance, candidate_cost_per_instance: money per instance.
      delta: candidate minus baseline cost per instance.
    """

    id: str
    name: str
    status: str
    baseline_expected_executions: float
    candidate_expected_executions: float
    baseline_cost_per_instance: float
    candidate_cost_per_instance: float
    delta: float


@dataclass(frozen=True)
class ResourceChange:
    """One resource in the baseline and the candidate.

    Attributes:
      id, name: the resource.
      baseline_minutes_per_instance, candidate_minutes_per_instance: labour minutes.
      baseline_cost_per_instance, candidate_cost_per_instance: money per instance.
      delta: candidate minus baseline cost per instance.
    """

    id: str
    name: str
    baseline_minutes_per_instance: float
    candidate_minutes_per_instance: float
    baseline_cost_per_instance: float
    candidate_cost_per_instance: float
    delta: float


@dataclass(frozen=True)
class ValueClassChange:
    """One value class (value_adding, business, waste) in both variants.

    Attributes:
      value: the class.
      baseline_cost_per_instance, candidate_cost_per_instance, delta: money per instance.
    """

    value: str
    baseline_cost_per_instance: float
    candidate_cost_per_instance: float
    delta: float


@dataclass(frozen=True)
class OtherCostChange:
    """Costs tied to no resource (materials, fees) in both variants.

    Attributes:
      baseline_cost_per_instance, candidate_cost_per_instance, delta: money per instance.
    """

    baseline_cost_per_instance: float
    candidate_cost_per_instance: float
    delta: float


@dataclass(frozen=True)
class BridgeEffect:
    """One effect of the cost bridge (see the module docstring for the order).

    Attributes:
      effect: ``rate``, ``capacity``, ``unit_time``, ``routing``, ``fees`` or ``volume``.
      label: what it means, for readers.
      change_per_instance: its part of the change in cost per instance,
        candidate minus baseline (negative: cheaper); 0 for ``volume``.
      change_per_year: its part of the change in cost per year (the five
        process effects at the baseline's volume, the volume effect at the
        candidate's cost); None unless both variants state a volume.
    """

    effect: str
    label: str
    change_per_instance: float
    change_per_year: float | None


@dataclass(frozen=True)
class PriceEffect:
    """One resource's part of the bridge's price effects (rate, capacity), per instance.

    The ``rate`` and ``capacity`` steps of the bridge change prices with the
    baseline's minutes, units and executions, so they split exactly by
    resource: the baseline's minutes of the resource × the change of its rate
    per minute in that step, plus its units used × the change of its cost per
    use (all in ``rate``).

    Attributes:
      id, name: the resource (both variants define it).
      kind: ``labor`` or ``per_use``.
      rate_per_instance: its part of the ``rate`` effect (candidate − baseline).
      capacity_per_instance: its part of the ``capacity`` effect (0 unless a
        time-driven pool whose capacity hours differ).
      baseline_overrides, candidate_overrides: the values each variant
        overrides from the library's catalogue for it, as written (empty when
        none): which override makes the effect.
    """

    id: str
    name: str
    kind: str
    rate_per_instance: float
    capacity_per_instance: float
    baseline_overrides: dict[str, object]
    candidate_overrides: dict[str, object]


@dataclass(frozen=True)
class Comparison:
    """A baseline and a candidate variant side by side.

    Attributes:
      baseline, candidate: the two costings.
      saving_per_instance: baseline minus candidate cost per instance.
      saving_per_year: saving_per_instance × the baseline's volume per year
        (None unless both have a volume): a different volume is not a saving;
        see the ``volume`` effect of ``bridge``.
      saving_share: saving_per_instance / baseline cost per instance.
      activities: per-activity changes, baseline order then added ones.
      resources: per-resource changes, same ordering.
      other_cost_change: the costs tied to no resource, so that the resource
        deltas plus this one add up to minus the saving.
      by_value: per value class changes.
      bridge: the change in cost split into effects (:data:`BRIDGE_ORDER`, then
        ``volume``); the first five add up to minus saving_per_instance (and
        minus saving_per_year), all five to the change in cost per year.
        Empty when only the costings were compared (:func:`compare_results`
        without the models).
      problems: warnings about the comparison (volumes that differ).
      price_effects: the ``rate`` and ``capacity`` effects resource by resource (every resource
        both variants define), with the overrides that make it; empty without
        a bridge.
    """

    baseline: CostResult
    candidate: CostResult
    saving_per_instance: float
    saving_per_year: float | None
    saving_share: float
    activities: tuple[ActivityChange, ...]
    resources: tuple[ResourceChange, ...]
    other_cost_change: OtherCostChange
    by_value: tuple[ValueClassChange, ...]
    bridge: tuple[BridgeEffect, ...] = ()
    problems: tuple[Problem, ...] = ()
    price_effects: tuple[PriceEffect, ...] = ()

    def as_dict(self) -> dict:
        """A JSON-ready dict (numbers unrounded): the ``compare --json`` document."""
        return asdict(self)


def _refuse_overflow(candidate: str, figures: dict[str, float]) -> None:
    """Raise :class:`ModelError` naming each figure of the comparison that is
    not finite (a saving share over a baseline that costs next to nothing)."""
    problems = [Problem(N_("{what} overflows: it comes to a figure {too_large}; check the "
                           "amounts of both variants for a typo", what=what, too_large=TOO_LARGE),
                        element=candidate)
                for what, value in figures.items() if not math.isfinite(value)]
    if problems:
        raise ModelError(problems)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_SAME, abs_tol=1e-9)


def compare_models(baseline: ProcessModel, candidate: ProcessModel) -> Comparison:
    """Cost two valid variants of one process and compare them.

    Raises :class:`CompareError` when they are of different processes or
    currencies, and :class:`~abc_costing.problems.ModelError` when either
    cannot be costed (invalid, or figures that overflow). Activity definitions
    (labour, uses, other cost, value) are compared as well as their costs, so a
    change that happens to cost the same still shows as ``changed``.
    """
    _check_comparable(baseline, candidate)
    redefined = {
        activity_id
        for activity_id, activity in candidate.activities.items()
        if activity_id in baseline.activities
        and _cost_definition(activity) != _cost_definition(baseline.activities[activity_id])
    }
    base_result, cand_result = cost_model(baseline), cost_model(candidate)
    changes = cost_bridge(baseline, candidate, baseline_result=base_result,
                          candidate_result=cand_result)
    compared = compare_results(base_result, cand_result, redefined=redefined,
                               bridge_per_instance=changes)
    return replace(compared, price_effects=price_effects(baseline, candidate, base_result))


def price_effects(baseline: ProcessModel, candidate: ProcessModel,
                  baseline_result: CostResult) -> tuple[PriceEffect, ...]:
    """The bridge's ``rate`` and ``capacity`` effects resource by resource (:class:`PriceEffect`).

    >>> from abc_costing.model import ProcessModel
    >>> def variant(rate_per_hour):
    ...     return ProcessModel.model_validate({
    ...         "format": "abc-costing/1", "process": "p", "variant": "v",
    ...         "resources": {"clerk": {"kind": "labor", "rate_per_hour": rate_per_hour}},
    ...         "activities": {"a": {"labor": {"clerk": 60}}},
    ...         "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...         "flows": [["s", "a"], ["a", "e"]]})
    >>> [clerk] = price_effects(variant(600), variant(900), cost_model(variant(600)))
    >>> clerk.rate_per_instance  # 60 min × (15 − 10) ₽/min
    300.0
    """
    effects = []
    for cost in baseline_result.resources:
        if cost.id not in candidate.resources:
            continue  # a resource in one file only keeps its own price: no price effect
        old, priced, new = price_steps(baseline.resources[cost.id],
                                       candidate.resources[cost.id])
        rate = (cost.minutes_per_instance * (priced.rate_per_minute - old.rate_per_minute)
                + cost.uses_per_instance * (new.cost_per_use - old.cost_per_use))
        capacity = cost.minutes_per_instance * (new.rate_per_minute - priced.rate_per_minute)
        effects.append(PriceEffect(
            id=cost.id, name=cost.name, kind=cost.kind, rate_per_instance=rate,
            capacity_per_instance=capacity,
            baseline_overrides=dict(baseline.overrides.get(cost.id, {})),
            candidate_overrides=dict(candidate.overrides.get(cost.id, {}))))
    return tuple(effects)


def _cost_definition(activity) -> tuple:
    return (activity.labor, activity.uses, activity.other_cost, activity.value)


def _check_comparable(baseline: ProcessModel | CostResult, candidate: ProcessModel | CostResult):
    if baseline.process != candidate.process:
        raise CompareError(
            N_("cannot compare variants of different processes: baseline is {process!r}, "
               "candidate is {process_2!r}", process=baseline.process,
               process_2=candidate.process)
        )
    if baseline.currency != candidate.currency:
        raise CompareError(
            N_("cannot compare amounts in different currencies: baseline is in {currency}, "
               "candidate in {currency_2}", currency=baseline.currency,
               currency_2=candidate.currency)
        )


def compare_results(
    baseline: CostResult,
    candidate: CostResult,
    *,
    redefined: frozenset[str] | set[str] = frozenset(),
    bridge_per_instance: dict[str, float] | None = None,
) -> Comparison:
    """Compare two costings of one process (see :func:`compare_models`).

    ``redefined`` names activities whose definition differs even if their
    figures agree. ``bridge_per_instance`` is :func:`cost_bridge` of the two
    models; without it the comparison has no bridge (the costings alone do
    not say which resource each activity's minutes go to).
    """
    _check_comparable(baseline, candidate)
    base_acts = {a.id: a for a in baseline.activities}
    cand_acts = {a.id: a for a in candidate.activities}
    order = list(base_acts) + [a for a in cand_acts if a not in base_acts]
    activities = []
    for activity_id in order:
        b, c = base_acts.get(activity_id), cand_acts.get(activity_id)
        if b is None:
            status = "added"
        elif c is None:
            status = "removed"
        elif (
            activity_id in redefined
            or not _same(b.cost_per_instance, c.cost_per_instance)
            or not _same(b.expected_executions, c.expected_executions)
        ):
            status = "changed"
        else:
            status = "unchanged"
        base_cost = b.cost_per_instance if b else 0.0
        cand_cost = c.cost_per_instance if c else 0.0
        activities.append(
            ActivityChange(
                id=activity_id,
                name=(c or b).name,  # type: ignore[union-attr]
                status=status,
                baseline_expected_executions=b.expected_executions if b else 0.0,
                candidate_expected_executions=c.expected_executions if c else 0.0,
                baseline_cost_per_instance=base_cost,
                candidate_cost_per_instance=cand_cost,
                delta=cand_cost - base_cost,
            )
        )

    base_res = {r.id: r for r in baseline.resources}
    cand_res = {r.id: r for r in candidate.resources}
    resources = []
    for resource_id in list(base_res) + [r for r in cand_res if r not in base_res]:
        rb, rc = base_res.get(resource_id), cand_res.get(resource_id)
        base_cost = rb.cost_per_instance if rb else 0.0
        cand_cost = rc.cost_per_instance if rc else 0.0
        resources.append(
            ResourceChange(
                id=resource_id,
                name=(rc or rb).name,  # type: ignore[union-attr]
                baseline_minutes_per_instance=rb.minutes_per_instance if rb else 0.0,
                candidate_minutes_per_instance=rc.minutes_per_instance if rc else 0.0,
                baseline_cost_per_instance=base_cost,
                candidate_cost_per_instance=cand_cost,
                delta=cand_cost - base_cost,
            )
        )

    by_value = tuple(
        ValueClassChange(
            value=value,
            baseline_cost_per_instance=baseline.by_value[value],
            candidate_cost_per_instance=candidate.by_value[value],
            delta=candidate.by_value[value] - baseline.by_value[value],
        )
        for value in VALUE_CLASSES
    )

    saving = baseline.cost_per_instance - candidate.cost_per_instance
    base_volume, cand_volume = baseline.volume_per_year, candidate.volume_per_year
    both_volumes = base_volume is not None and cand_volume is not None
    # At the baseline's volume: the candidate's volume is a forecast of demand,
    # not something the process change brings.
    per_year = saving * base_volume if both_volumes and base_volume is not None else None
    bridge, problems = _bridge_rows(baseline, candidate, bridge_per_instance)
    share = saving / baseline.cost_per_instance if baseline.cost_per_instance else 0.0
    _refuse_overflow(candidate.variant, {
        "saving per instance": saving, "saving per year": per_year or 0.0,
        "saving share": share,
        **{f"change of activity {a.id!r}": a.delta for a in activities},
        **{f"change of resource {r.id!r}": r.delta for r in resources},
        **{f"{e.effect} effect": e.change_per_year or 0.0 for e in bridge},
    })
    return Comparison(
        baseline=baseline,
        candidate=candidate,
        saving_per_instance=saving,
        saving_per_year=per_year,
        saving_share=share,
        activities=tuple(activities),
        resources=tuple(resources),
        other_cost_change=OtherCostChange(
            baseline_cost_per_instance=baseline.other_cost_per_instance,
            candidate_cost_per_instance=candidate.other_cost_per_instance,
            delta=candidate.other_cost_per_instance - baseline.other_cost_per_instance,
        ),
        by_value=by_value,
        bridge=bridge,
        problems=problems,
    )


def _bridge_rows(baseline: CostResult, candidate: CostResult,
                 per_instance: dict[str, float] | None
                 ) -> tuple[tuple[BridgeEffect, ...], tuple[Problem, ...]]:
    """The bridge's effects per instance and per year, and the volume warning."""
    base_volume, cand_volume = baseline.volume_per_year, candidate.volume_per_year
    problems: tuple[Problem, ...] = ()
    volume_per_year = None
    if base_volume is not None and cand_volume is not None:
        volume_per_year = candidate.cost_per_instance * (cand_volume - base_volume)
        if cand_volume != base_volume:
            problems = (Problem(
                N_("the variants state different volumes ({base_volume} instances per year "
                   "in {variant!r}, {cand_volume} in {variant_2!r}); the saving per year is "
                   "counted at the baseline's {base_volume}, and the {volume_per_year} "
                   "per year the volume alone brings is shown apart as the volume "
                   "effect, not as a saving", base_volume=Figure.as_written(base_volume),
                   variant=baseline.variant, cand_volume=Figure.as_written(cand_volume),
                   variant_2=candidate.variant,
                   volume_per_year=Figure.money(volume_per_year, candidate.currency,
                                                signed=True)),
                element="volume_per_year", severity="warning"),)
    if per_instance is None:
        return (), problems
    effects = [BridgeEffect(effect, BRIDGE_LABELS[effect], per_instance[effect],
                            None if volume_per_year is None or base_volume is None
                            else per_instance[effect] * base_volume)
               for effect in BRIDGE_ORDER]
    effects.append(BridgeEffect("volume", BRIDGE_LABELS["volume"], 0.0, volume_per_year))
    return tuple(effects), problems


def cost_bridge(baseline: ProcessModel, candidate: ProcessModel, *,
                baseline_result: CostResult | None = None,
                candidate_result: CostResult | None = None) -> dict[str, float]:
    """The change in cost per instance, candidate minus baseline, split by effect.

    Sequential substitution in :data:`BRIDGE_ORDER` (rate, capacity, unit time,
    routing, fees; see the module docstring): each effect is the cost of the hybrid
    after taking that part from the candidate minus the hybrid before. The
    effects add up to the candidate's cost minus the baseline's (to float
    precision). An activity in one file only keeps its own definition
    throughout, so adding or removing it is a routing effect (its executions
    go from 0, or to 0); a resource in one file only keeps its own price.
    ``baseline_result``/``candidate_result`` are the models' costings when
    already made.

    >>> from abc_costing.model import ProcessModel
    >>> def variant(rate_per_hour, minutes):
    ...     return ProcessModel.model_validate({
    ...         "format": "abc-costing/1", "process": "p", "variant": "v",
    ...         "resources": {"clerk": {"kind": "labor", "rate_per_hour": rate_per_hour}},
    ...         "activities": {"a": {"labor": {"clerk": minutes}}},
    ...         "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...         "flows": [["s", "a"], ["a", "e"]]})
    >>> bridge = cost_bridge(variant(600, 60), variant(1200, 30))
    >>> bridge["rate"], bridge["unit_time"]  # 60 min × (20 − 10) ₽/min; 20 ₽ × (30 − 60) min
    (600.0, -600.0)
    """
    base_result = baseline_result or cost_model(baseline)
    cand_result = candidate_result or cost_model(candidate)
    stages: list[tuple[_Prices, bool, bool, bool]] = [
        # (prices, minutes, executions, units and other cost from the candidate)
        ("baseline", False, False, False),
        ("at_old_capacity", False, False, False),
        ("candidate", False, False, False),
        ("candidate", True, False, False),
        ("candidate", True, True, False),
        ("candidate", True, True, True),
    ]
    costs = [_hybrid_cost(baseline, candidate, base_result, cand_result, *stage)
             for stage in stages]
    return {effect: costs[i + 1] - costs[i] for i, effect in enumerate(BRIDGE_ORDER)}


#: Which prices a hybrid of the bridge takes: the baseline's, the candidate's money at
#: the baseline's capacity (after the ``rate`` step), or the candidate's.
_Prices = Literal["baseline", "at_old_capacity", "candidate"]


def _time_driven(resource: LaborResource | PerUseResource) -> bool:
    """Whether the rate is the pool's cost per month over its capacity hours."""
    match resource:
        case LaborResource():
            return resource.rate_per_hour is None
        case PerUseResource():
            return False
        case _:
            assert_never(resource)


def price_steps(baseline: LaborResource | PerUseResource,
                candidate: LaborResource | PerUseResource
                ) -> tuple[UnitCosts, UnitCosts, UnitCosts]:
    """A resource's prices before, after the ``rate`` step, and after the ``capacity`` step.

    For a pool time-driven in both variants the ``rate`` step takes the
    candidate's cost per month over the baseline's capacity hours, and the
    ``capacity`` step the candidate's capacity: a change of capacity changes the
    rate without changing what is paid. Any other resource takes the
    candidate's price at the ``rate`` step, and the capacity step changes nothing.

    >>> from abc_costing.model import LaborResource
    >>> lawyers = LaborResource(kind="labor", cost_per_month=585900, headcount=3,
    ...                         capacity_hours_per_month=360)
    >>> fewer_hours = LaborResource(kind="labor", cost_per_month=585900, headcount=3,
    ...                             capacity_hours_per_month=300)
    >>> [round(p.rate_per_minute * 60, 1) for p in price_steps(lawyers, fewer_hours)]
    [1627.5, 1627.5, 1953.0]
    """
    new = candidate.unit_costs
    if not (isinstance(baseline, LaborResource) and isinstance(candidate, LaborResource)
            and _time_driven(baseline) and _time_driven(candidate)):
        return baseline.unit_costs, new, new
    assert candidate.cost_per_month is not None and baseline.capacity_hours_per_month
    at_old_capacity = candidate.cost_per_month / (baseline.capacity_hours_per_month * 60.0)
    return baseline.unit_costs, UnitCosts(at_old_capacity, 0.0), new


def _hybrid_cost(baseline: ProcessModel, candidate: ProcessModel,
                 base_result: CostResult, cand_result: CostResult,
                 prices: _Prices, new_minutes: bool, new_executions: bool, new_fees: bool
                 ) -> float:
    """Cost per instance of one hybrid of the bridge (each part from either file)."""

    def price(resource_id: str) -> UnitCosts:
        old, new = baseline.resources.get(resource_id), candidate.resources.get(resource_id)
        if old is None or new is None:  # in one file only: its own price throughout
            return (old or new).unit_costs  # type: ignore[union-attr]
        steps = price_steps(old, new)
        return steps[("baseline", "at_old_capacity", "candidate").index(prices)]

    def definition(activity_id: str, new: bool) -> Activity:
        if new and activity_id in candidate.activities or activity_id not in baseline.activities:
            return candidate.activities[activity_id]
        return baseline.activities[activity_id]

    executions = (cand_result if new_executions else base_result).expected_executions
    terms = []
    for activity_id in {**baseline.activities, **candidate.activities}:
        times = executions.get(activity_id, 0.0)
        if times == 0.0:
            continue
        timed, priced = definition(activity_id, new_minutes), definition(activity_id, new_fees)
        per_execution = [duration.mean_minutes * price(r).rate_per_minute
                         for r, duration in timed.labor.items()]
        per_execution += [count * price(r).cost_per_use for r, count in priced.uses.items()]
        per_execution.append(priced.other_cost)
        terms.append(times * math.fsum(per_execution))
    return math.fsum(terms)


# --- what a saving is worth in money: cash, freed capacity, price ------------------------


@dataclass(frozen=True)
class SavingSplit:
    """A comparison's saving per year split into what it is as money.

    ``saving_per_year = cash_per_year + freed_capacity_per_year +
    price_effect_per_year``, with

    * **cash** (высвобождаемые деньги): whole people the labour pools that
      state their headcount no longer need (:func:`~abc_costing.engine.capacity.released_heads`,
      the rule of ``capacity --plan``), plus the saving that is not labour and
      not price (units used, other costs);
    * **freed capacity** (освобождённая мощность): the rest of the labour
      saving: hours that stay paid;
    * **price effects**: the bridge's ``rate`` and ``capacity`` effects per year
      (cost per month, rate per hour, cost per use, capacity hours of a
      time-driven pool): a difference of price, not of work, so neither cash
      nor capacity.

    Attributes:
      saving_per_year: the comparison's, at the baseline's volume.
      currency: of every figure.
      pools: each labour pool: FTE before and after (the load of every process
        counted, see ``load``), heads released, cash, freed capacity, price
        effect, labour saving.
      non_labour_per_year: the saving that is neither labour nor price (cash).
      non_labour_price_effect_per_year: the price effect of per-use resources.
      load: whose load the pools carry, in words.
    """

    saving_per_year: float
    currency: str
    pools: tuple[PoolRelease, ...]
    non_labour_per_year: float
    non_labour_price_effect_per_year: float
    load: str = ""

    @property
    def cash_per_year(self) -> float:
        """Whole people released plus the saving that is neither labour nor price."""
        return math.fsum([*(p.cash_per_year for p in self.pools), self.non_labour_per_year])

    @property
    def freed_capacity_per_year(self) -> float:
        """Labour saved that stays paid (hours no one is released for)."""
        return math.fsum(p.freed_capacity_per_year for p in self.pools)

    @property
    def price_effect_per_year(self) -> float:
        """The saving that is a difference of price: minus the bridge's price effects per year."""
        return math.fsum([*(p.price_effect_per_year for p in self.pools),
                          self.non_labour_price_effect_per_year])

    @property
    def heads_released(self) -> int:
        """Whole people released, all pools."""
        return sum(p.heads_released for p in self.pools)

    def as_dict(self) -> dict:
        """A JSON-ready dict: the ``split`` of ``compare --json``."""
        return asdict(self) | {
            "cash_per_year": self.cash_per_year,
            "freed_capacity_per_year": self.freed_capacity_per_year,
            "price_effect_per_year": self.price_effect_per_year,
            "heads_released": self.heads_released}


def saving_split(comparison: Comparison, *, before: CapacityReport, after: CapacityReport,
                 load: str = "") -> SavingSplit | None:
    """Split ``comparison``'s saving per year into cash, freed capacity and price effects.

    ``before`` and ``after`` are the capacity reports of the pools with the
    baseline and with the candidate (at the baseline's volume; see
    :func:`split_in_library`); they give each pool's FTE and so the heads
    released. The money per pool is the comparison's own: its labour saving
    (−Δ cost of the resource × the baseline's volume) and its price effect
    (:class:`PriceEffect`), so that the split adds up to the saving exactly.
    None when the comparison has no saving per year (a variant without volume).
    """
    volume = comparison.baseline.volume_per_year
    if comparison.saving_per_year is None or volume is None:
        return None
    labour_kinds = {r.id for result in (comparison.baseline, comparison.candidate)
                    for r in result.resources if r.kind == "labor"}
    # 0.0 - x: a pool that saves nothing reads 0, never "-0"
    labour = {r.id: 0.0 - r.delta * volume for r in comparison.resources
              if r.id in labour_kinds}
    prices = {e.id: 0.0 - (e.rate_per_instance + e.capacity_per_instance) * volume
              for e in comparison.price_effects}
    pools = released_heads(before, after, labour_saving_per_year=labour,
                           price_effect_per_year={k: v for k, v in prices.items()
                                                  if k in labour_kinds})
    other_price = math.fsum(v for k, v in prices.items() if k not in labour_kinds)
    labour_total = math.fsum(p.labour_saving_per_year for p in pools)
    # A saving that is all labour leaves float noise, not a kopeck of non-labour cash.
    non_labour = (0.0 if _same(comparison.saving_per_year, labour_total)
                  else comparison.saving_per_year - labour_total)
    return SavingSplit(saving_per_year=comparison.saving_per_year,
                       currency=comparison.baseline.currency, pools=pools,
                       non_labour_per_year=non_labour - other_price,
                       non_labour_price_effect_per_year=other_price, load=load)


def split_in_library(comparison: Comparison, baseline: ProcessModel, candidate: ProcessModel,
                     *, library: Sequence[ModelEntry] = ()) -> SavingSplit | None:
    """:func:`saving_split` with the pools loaded by every process of ``library``.

    A pool is shared across processes (the lawyers of contracts and of
    procurement are the same people), so whether a person can go depends on
    the whole library's load: the other processes of ``library`` count their
    ``as_is`` in both reports, the compared process its baseline, then its
    candidate at the baseline's volume (a volume change is not a saving).
    Without ``library`` the pools carry this process alone.

    >>> import abc_costing as abc
    >>> def claims(variant, minutes):
    ...     return abc.ProcessModel.model_validate({
    ...         "format": "abc-costing/1", "process": "claims", "variant": variant,
    ...         "volume_per_year": 1200,
    ...         "resources": {"clerk": {"kind": "labor", "cost_per_month": 300000,
    ...                                 "headcount": 3, "capacity_hours_per_month": 360}},
    ...         "activities": {"check": {"labor": {"clerk": minutes}}},
    ...         "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...         "flows": [["s", "check"], ["check", "e"]]})
    >>> before, after = claims("as_is", 180), claims("robot", 86.4)  # 2.5 FTE → 1.2 FTE
    >>> split = split_in_library(compare_models(before, after), before, after)
    >>> [round(x) for x in (split.saving_per_year, split.cash_per_year,
    ...                     split.freed_capacity_per_year, split.price_effect_per_year)]
    [1560000, 1200000, 360000, 0]
    """
    process = baseline.process
    others = [entry for entry in library
              if (entry if isinstance(entry, ProcessModel) else entry[1]).process != process]
    volume = baseline.volume_per_year
    if volume is None or comparison.saving_per_year is None:
        return None
    # The candidate's load at the baseline's volume, as the saving is counted; the
    # volume is the baseline's, already checked, so the unvalidated copy is sound.
    at_volume = candidate.model_copy(update={"volume_per_year": volume})
    # The compared process first: its own definition of a pool is the one used.
    before = capacity_report([baseline, *others], variant={process: baseline.variant})
    after = capacity_report([at_volume, *others], variant={process: candidate.variant})
    counted = len({m[0] for m in before.counted})
    load = (N_("this process alone") if counted <= 1
            else N_("the load of {count} processes ({process} and the others' as_is)",
                    count=counted, process=process))
    return saving_split(comparison, before=before, after=after, load=load)
