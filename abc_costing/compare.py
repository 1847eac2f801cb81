"""Comparing two variants of one process: what changes and what it saves.

Activities are matched by id. An activity is ``added`` (only in the
candidate), ``removed`` (only in the baseline), ``changed`` (its cost per
instance, executions or definition differ) or ``unchanged``. Deltas are
candidate minus baseline; savings are baseline minus candidate, so a cheaper
candidate saves a positive amount.

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
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from abc_costing.engine import CostResult, cost_model
from abc_costing.engine.costing import TOO_LARGE
from abc_costing.model import VALUE_CLASSES, ProcessModel
from abc_costing.problems import AbcCostingError, ModelError, Problem

__all__ = [
    "ActivityChange",
    "ResourceChange",
    "ValueClassChange",
    "OtherCostChange",
    "Comparison",
    "CompareError",
    "compare_models",
    "compare_results",
]

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
class Comparison:
    """A baseline and a candidate variant side by side.

    Attributes:
      baseline, candidate: the two costings.
      saving_per_instance: baseline minus candidate cost per instance.
      saving_per_year: baseline minus candidate cost per year (None unless both
        have a volume).
      saving_share: saving_per_instance / baseline cost per instance.
      activities: per-activity changes, baseline order then added ones.
      resources: per-resource changes, same ordering.
      other_cost_change: the costs tied to no resource, so that the resource
        deltas plus this one add up to minus the saving.
      by_value: per value class changes.
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

    def as_dict(self) -> dict:
        """A JSON-ready dict (numbers unrounded): the ``compare --json`` document."""
        return asdict(self)


def _refuse_overflow(candidate: str, figures: dict[str, float]) -> None:
    """Raise :class:`ModelError` naming each figure of the comparison that is
    not finite (a saving share over a baseline that costs next to nothing)."""
    problems = [Problem(f"{what} overflows: it comes to a figure {TOO_LARGE}; check the "
                        "amounts of both variants for a typo", element=candidate)
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
    return compare_results(cost_model(baseline), cost_model(candidate), redefined=redefined)


def _cost_definition(activity) -> tuple:
    return (activity.labor, activity.uses, activity.other_cost, activity.value)


def _check_comparable(baseline: ProcessModel | CostResult, candidate: ProcessModel | CostResult):
    if baseline.process != candidate.process:
        raise CompareError(
            f"cannot compare variants of different processes: baseline is "
            f"{baseline.process!r}, candidate is {candidate.process!r}"
        )
    if baseline.currency != candidate.currency:
        raise CompareError(
            f"cannot compare amounts in different currencies: baseline is in "
            f"{baseline.currency}, candidate in {candidate.currency}"
        )


def compare_results(
    baseline: CostResult,
    candidate: CostResult,
    *,
    redefined: frozenset[str] | set[str] = frozenset(),
) -> Comparison:
    """Compare two costings of one process (see :func:`compare_models`).

    ``redefined`` names activities whose definition differs even if their
    figures agree.
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
    per_year = (
        None
        if baseline.cost_per_year is None or candidate.cost_per_year is None
        else baseline.cost_per_year - candidate.cost_per_year
    )
    share = saving / baseline.cost_per_instance if baseline.cost_per_instance else 0.0
    _refuse_overflow(candidate.variant, {
        "saving per instance": saving, "saving per year": per_year or 0.0,
        "saving share": share,
        **{f"change of activity {a.id!r}": a.delta for a in activities},
        **{f"change of resource {r.id!r}": r.delta for r in resources},
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
    )
