"""Exact expected cost of one process instance, and where the money goes.

Cost of one execution of an activity:

    Σ over labor resources   mean minutes × rate per minute
  + Σ over per_use resources units × cost per use
  + other cost

where a time-driven ABC rate is cost_per_month / (capacity_hours_per_month × 60).
Cost per instance of an activity = expected executions × cost per execution;
the instance total is their sum, and the rollups by resource and by value
class reconcile to the same total (other costs are reported beside the
resources, as ``other_cost_per_instance``).

Every figure of a result is a finite number. Amounts so large that a figure
overflows float64 (about 1.8e308) are refused with a
:class:`~abc_costing.problems.ModelError` naming the element, never returned
as ``inf`` or ``nan``.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v", "volume_per_year": 100,
...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600},
...                   "courier": {"kind": "per_use", "cost_per_use": 500}},
...     "activities": {"send": {"labor": {"clerk": 30}, "uses": {"courier": 1},
...                             "other_cost": 20}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "send"], ["send", "e"]]})
>>> result = cost_model(model)
>>> result.cost_per_instance  # 30 min × 600/60 + 1 × 500 + 20
820.0
>>> result.cost_per_year
82000.0
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from abc_costing.engine.executions import expected_executions
from abc_costing.i18n import N_
from abc_costing.model import VALUE_CLASSES, ProcessModel, ResourceKind
from abc_costing.problems import ModelError, Problem
from abc_costing.validation import require_valid

__all__ = ["ActivityCost", "ResourceCost", "CostResult", "ClassCost", "cost_model",
           "cost_by_class"]


@dataclass(frozen=True)
class ActivityCost:
    """What one activity costs per execution and per instance.

    Attributes:
      id, name, value: as in the model (``name`` falls back to ``id``).
      expected_executions: mean executions per instance.
      labor_minutes_per_execution: Σ mean labour minutes over resources.
      labor_cost_per_execution, resource_use_cost_per_execution,
      other_cost_per_execution: the three parts of ``cost_per_execution``.
      cost_per_execution: money per execution.
      cost_per_instance: expected_executions × cost_per_execution.
      labor_minutes_per_instance: expected_executions × labor minutes.
      wait_minutes_per_execution: mean elapsed minutes with no labour.
      share: cost_per_instance / the instance total (0 when the total is 0).
    """

    id: str
    name: str
    value: str
    expected_executions: float
    labor_minutes_per_execution: float
    labor_cost_per_execution: float
    resource_use_cost_per_execution: float
    other_cost_per_execution: float
    cost_per_execution: float
    cost_per_instance: float
    labor_minutes_per_instance: float
    wait_minutes_per_execution: float
    share: float


@dataclass(frozen=True)
class ResourceCost:
    """What one resource contributes per instance.

    Attributes:
      id, name, kind: as in the model.
      rate_per_minute: labour rate (0 for per_use resources).
      cost_per_use: money per unit (0 for labor resources).
      minutes_per_instance: expected minutes of work (labor).
      uses_per_instance: expected units used (per_use).
      cost_per_instance: money per instance.
      share: cost_per_instance / the instance total.
    """

    id: str
    name: str
    kind: ResourceKind
    rate_per_minute: float
    cost_per_use: float
    minutes_per_instance: float
    uses_per_instance: float
    cost_per_instance: float
    share: float


@dataclass(frozen=True)
class CostResult:
    """The exact costing of one process variant.

    Attributes:
      process, variant, title, currency, volume_per_year: from the model.
      cost_per_instance: expected money per process instance.
      cost_per_year: cost_per_instance × volume_per_year (None without a volume).
      labor_minutes_per_instance: expected minutes of work, all roles.
      other_cost_per_instance: the part of the total not tied to a resource.
      activities: one :class:`ActivityCost` per activity, in file order.
      resources: one :class:`ResourceCost` per resource, in file order.
      by_value: value class -> cost per instance.
      end_probabilities: end event id -> probability of finishing there.
      expected_executions: every node id -> expected executions per instance.
    """

    process: str
    variant: str
    title: str | None
    currency: str
    volume_per_year: float | None
    cost_per_instance: float
    cost_per_year: float | None
    labor_minutes_per_instance: float
    other_cost_per_instance: float
    activities: tuple[ActivityCost, ...]
    resources: tuple[ResourceCost, ...]
    by_value: dict[str, float]
    end_probabilities: dict[str, float]
    expected_executions: dict[str, float]

    def activity(self, activity_id: str) -> ActivityCost:
        """The costing of one activity, by id."""
        for activity in self.activities:
            if activity.id == activity_id:
                return activity
        raise KeyError(activity_id)

    def resource(self, resource_id: str) -> ResourceCost:
        """The costing of one resource, by id."""
        for resource in self.resources:
            if resource.id == resource_id:
                return resource
        raise KeyError(resource_id)

    def as_dict(self) -> dict:
        """A JSON-ready dict (numbers unrounded): the ``cost --json`` document."""
        return asdict(self)


def cost_model(model: ProcessModel) -> CostResult:
    """Cost one instance (and one year) of a valid ``model``; see the module docstring.

    Raises :class:`~abc_costing.problems.ModelError` for an invalid model, and
    for one whose figures would overflow (each problem names the element).
    """
    routing = expected_executions(model)
    activity_ids = list(model.activities)
    resource_ids = list(model.resources)
    resource_index = {r: i for i, r in enumerate(resource_ids)}
    n_act, n_res = len(activity_ids), len(resource_ids)

    prices = np.array([resource.unit_costs for resource in model.resources.values()],
                      dtype=float).reshape(n_res, 2)
    rate_per_minute, cost_per_use = prices[:, 0].copy(), prices[:, 1].copy()

    # Dense activity × resource matrices: a model has tens of resources, and
    # 10,000 × 20 floats is 1.6 MB, so sparsity would buy nothing here.
    listed = list(model.activities.values())
    minutes = _filled((n_act, n_res), [(a, resource_index[r], duration.mean_minutes)
                                       for a, activity in enumerate(listed)
                                       for r, duration in activity.labor.items()])
    units = _filled((n_act, n_res), [(a, resource_index[r], count)
                                     for a, activity in enumerate(listed)
                                     for r, count in activity.uses.items()])
    other = np.fromiter((activity.other_cost for activity in listed), float, n_act)
    wait = np.fromiter((activity.wait.mean_minutes for activity in listed), float, n_act)

    # Overflow is looked for below, figure by figure, and named; numpy's
    # warnings would only say the same thing without the element.
    with np.errstate(over="ignore", invalid="ignore"):
        executions = np.array([routing.by_node[a] for a in activity_ids], dtype=float)
        labor_cost = minutes @ rate_per_minute
        use_cost = units @ cost_per_use
        cost_per_execution = labor_cost + use_cost + other
        cost_per_instance = executions * cost_per_execution
        total = float(cost_per_instance.sum())

        def share(amount: float) -> float:
            return amount / total if total > 0 else 0.0

        labor_minutes = minutes.sum(axis=1)
        minutes_per_instance = minutes.T @ executions
        uses_per_instance = units.T @ executions
        resource_cost = minutes_per_instance * rate_per_minute + uses_per_instance * cost_per_use
        volume = model.volume_per_year
        totals = {
            "cost_per_instance": total,
            "labor_minutes_per_instance": float(labor_minutes @ executions),
            "other_cost_per_instance": float(other @ executions),
            "cost_per_year": 0.0 if volume is None else total * volume,
        }
        per_activity = {
            "labour minutes per execution": labor_minutes,
            "wait minutes per execution": wait,
            "cost per execution": cost_per_execution,
            "cost per instance": cost_per_instance,
            "labour minutes per instance": executions * labor_minutes,
        }
        per_resource = {
            "rate per minute": rate_per_minute,
            "minutes per instance": minutes_per_instance,
            "uses per instance": uses_per_instance,
            "cost per instance": resource_cost,
        }
    # One test over every figure (a model costs thousands of times in a
    # portfolio); the element is looked for only when something overflowed.
    every_figure = np.concatenate([*per_activity.values(), *per_resource.values(),
                                   np.fromiter(totals.values(), float, len(totals))])
    if not np.isfinite(every_figure).all():
        raise ModelError(_overflows(model, per_activity, per_resource, totals))

    # Columns as lists of Python floats first (the same values float() gives): indexing
    # numpy arrays one scalar at a time was most of the cost of 100,000 activities.
    # Positional, and each share divided in numpy (the same IEEE division as a Python
    # float's): keywords and a call per activity were a third of building the rows.
    shares = (cost_per_instance / total).tolist() if total > 0 else [0.0] * n_act
    activities = tuple(map(
        ActivityCost,
        model.activities, [activity.name or activity_id
                           for activity_id, activity in model.activities.items()],
        [activity.value for activity in listed], executions.tolist(), labor_minutes.tolist(),
        labor_cost.tolist(), use_cost.tolist(), other.tolist(), cost_per_execution.tolist(),
        cost_per_instance.tolist(), per_activity["labour minutes per instance"].tolist(),
        wait.tolist(), shares))

    resources = tuple(
        ResourceCost(
            id=resource_id,
            name=resource.name or resource_id,
            kind=resource.kind,
            rate_per_minute=float(rate_per_minute[r]),
            cost_per_use=float(cost_per_use[r]),
            minutes_per_instance=float(minutes_per_instance[r]),
            uses_per_instance=float(uses_per_instance[r]),
            cost_per_instance=float(resource_cost[r]),
            share=share(float(resource_cost[r])),
        )
        for r, (resource_id, resource) in enumerate(model.resources.items())
    )

    by_value = dict.fromkeys(VALUE_CLASSES, 0.0)
    for costed in activities:
        by_value[costed.value] += costed.cost_per_instance

    return CostResult(
        process=model.process,
        variant=model.variant,
        title=model.title,
        currency=model.currency,
        volume_per_year=volume,
        cost_per_instance=total,
        cost_per_year=None if volume is None else totals["cost_per_year"],
        labor_minutes_per_instance=totals["labor_minutes_per_instance"],
        other_cost_per_instance=totals["other_cost_per_instance"],
        activities=activities,
        resources=resources,
        by_value=by_value,
        end_probabilities=routing.end_probabilities,
        expected_executions=routing.by_node,
    )


def _filled(shape: tuple[int, int], cells: list[tuple[int, int, float]]) -> np.ndarray:
    """A matrix of zeros with ``(row, column, amount)`` set, in one assignment (not one
    numpy item a time). An activity names each resource once (labor and uses are
    mappings), so no cell is given twice."""
    matrix = np.zeros(shape)
    if cells:
        rows, columns, amounts = zip(*cells, strict=True)
        matrix[np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64)] = amounts
    return matrix


@dataclass(frozen=True)
class ClassCost:
    """The exact costing of the instances of one case class.

    Attributes:
      id, name: the class's id and display name (``name`` falls back to ``id``).
      share: the class's share of all instances.
      result: the costing of the class's instances alone, routed by its own
        probabilities; its volume_per_year is the class's share of the model's,
        so the classes' ``cost_per_year`` add up to the model's.
    """

    id: str
    name: str
    share: float
    result: CostResult


def cost_by_class(model: ProcessModel) -> tuple[ClassCost, ...]:
    """Cost the instances of each case class of a valid ``model`` (empty without classes).

    The model's own cost per instance is Σ share × the classes' costs
    (:func:`cost_model` mixes the routings the same way).

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v", "volume_per_year": 100,
    ...     "case_classes": {"small": {"share": 0.75}, "large": {"share": 0.25}},
    ...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
    ...     "activities": {"check": {"labor": {"clerk": 30}}},
    ...     "gateways": {"tier": {"kind": "exclusive"}, "done": {"kind": "exclusive"}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "tier"], ["tier", "check", {"small": 0, "large": 1}],
    ...               ["tier", "done", {"small": 1, "large": 0}], ["check", "done"],
    ...               ["done", "e"]]})
    >>> [(c.id, c.result.cost_per_instance, c.result.cost_per_year)
    ...  for c in cost_by_class(model)]  # large: 30 min × 600/60; 25 of the 100 a year
    [('small', 0.0, 0.0), ('large', 300.0, 7500.0)]
    >>> cost_model(model).cost_per_instance  # 0.75 × 0 + 0.25 × 300
    75.0
    """
    require_valid(model)
    costs = []
    for class_id, case_class in model.case_classes.items():
        routing = model.for_class(class_id)
        if model.volume_per_year is not None:
            routing = routing.model_copy(
                update={"volume_per_year": model.volume_per_year * case_class.share})
            routing._catalogue = model.catalogue
        costs.append(ClassCost(id=class_id, name=case_class.name or class_id,
                               share=case_class.share, result=cost_model(routing)))
    return tuple(costs)


#: How a figure that overflows float64 is described in a problem (shared by
#: every engine function that refuses one).
TOO_LARGE = N_("beyond the largest number a computer can hold (about 1.8e308)")


def _overflows(model: ProcessModel, per_activity: dict[str, np.ndarray],
               per_resource: dict[str, np.ndarray], totals: dict[str, float]) -> list[Problem]:
    """Name every element whose figures are not finite: the first such figure of each.

    The by-value rollups are sums of the activities' figures and need no check
    of their own: they are finite when the instance total is.
    """
    problems = []
    for section, noun, figures in (("resources", "resource", per_resource),
                                   ("activities", "activity", per_activity)):
        for i, element in enumerate(getattr(model, section)):
            what = next((name for name, values in figures.items()
                         if not math.isfinite(values[i])), None)
            if what is not None:
                problems.append(Problem(
                    N_("{what} overflows: this {noun}'s amounts come to a figure {too_large}; "
                       "check them for a typo", what=what, noun=noun, too_large=TOO_LARGE),
                    element=element, path=(section, element)))
    if problems:
        return problems
    if not math.isfinite(totals["cost_per_year"]) and math.isfinite(totals["cost_per_instance"]):
        return [Problem(N_("cost per year overflows: cost per instance × volume_per_year is "
                           "{too_large}; check volume_per_year for a typo", too_large=TOO_LARGE),
                        element="volume_per_year", path=("volume_per_year",))]
    what = next(name.replace("_", " ") for name, value in totals.items()
                if not math.isfinite(value))
    return [Problem(N_("{what} overflows: the activities' figures, each finite, add up to a "
                       "figure {too_large}; check the largest amounts for a typo", what=what,
                       too_large=TOO_LARGE),
                    element="activities", path=("activities",))]
