"""Costing candidate moves in memory: the base model compiled once, each move a change to it.

:func:`~abc_costing.engine.costing.cost_model` checks and costs a model from
scratch (3 ms for 50 activities, most of it validation and building arrays). The
advisor costs hundreds of variants of one model that differ from it in a few
records, so it compiles the model once (:class:`CompiledModel`) and evaluates a
moved model by what changed:

* cost is linear in the activities' costs per execution, so an activity record
  the move left untouched (the same object: moves build models with
  ``model_copy``) keeps its compiled cost, and only the changed ones are priced;
* routing is re-solved only when the flows changed (a 50-node dense solve is
  tens of microseconds, :func:`~abc_costing.engine.executions.routing_executions`).

The figures equal :func:`cost_model`'s on the moved model (the identity the tests
check); a moved model must still be validated before it is shown or applied.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v", "volume_per_year": 100,
...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
...     "activities": {"a": {"labor": {"clerk": 30}}, "b": {"labor": {"clerk": 6}}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "a"], ["a", "b"], ["b", "e"]]})
>>> compiled = CompiledModel(model)
>>> compiled.base.cost_per_instance  # (30 + 6) min × 10 per min
360.0
>>> cheaper = model.model_copy(update={"activities": {**model.activities,
...     "a": model.activities["a"].model_copy(update={"labor": {}})}})
>>> compiled.evaluate(cheaper).cost_per_instance  # only b's 6 min are left
60.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from abc_costing.engine.executions import mixed_routing_executions
from abc_costing.model import Activity, ProcessModel, ResourceRecord, UnitCosts
from abc_costing.validation import require_valid

__all__ = ["ActivityFigures", "Evaluation", "CompiledModel", "activity_figures"]


@dataclass(frozen=True)
class ActivityFigures:
    """What one execution of an activity costs and asks of each labour pool.

    Attributes:
      cost_per_execution: labour + uses + other cost of one execution.
      minutes_by_pool: mean labour minutes per execution, by resource id.
    """

    cost_per_execution: float
    minutes_by_pool: Mapping[str, float]


def activity_figures(activity: Activity, prices: Mapping[str, UnitCosts]) -> ActivityFigures:
    """The cost of one execution of ``activity`` at ``prices`` (the engine's formula:
    minutes × rate per minute + units × cost per use + other cost).

    >>> from abc_costing.model import Activity, UnitCosts
    >>> task = Activity.model_validate({"labor": {"clerk": 30}, "uses": {"courier": 2},
    ...                                 "other_cost": 5})
    >>> prices = {"clerk": UnitCosts(10.0, 0.0), "courier": UnitCosts(0.0, 100.0)}
    >>> activity_figures(task, prices).cost_per_execution  # 30 × 10 + 2 × 100 + 5
    505.0
    """
    minutes = {pool: duration.mean_minutes for pool, duration in activity.labor.items()}
    cost = math.fsum([*(m * prices[pool].rate_per_minute for pool, m in minutes.items()),
                      *(units * prices[pool].cost_per_use
                        for pool, units in activity.uses.items()),
                      activity.other_cost])
    return ActivityFigures(cost, minutes)


@dataclass(frozen=True)
class Evaluation:
    """The exact figures of one (moved) model.

    Attributes:
      cost_per_instance: expected money per instance (equals ``cost_model``'s).
      minutes_by_pool: expected labour minutes per instance, by resource id.
      executions: expected executions per instance, by node id.
    """

    cost_per_instance: float
    minutes_by_pool: Mapping[str, float]
    executions: Mapping[str, float]


def _prices(resources: Mapping[str, ResourceRecord]) -> dict[str, UnitCosts]:
    return {resource_id: resource.unit_costs for resource_id, resource in resources.items()}


def _routing(model: ProcessModel) -> np.ndarray:
    """Expected executions of every node, in ``node_kinds`` order, mixed over case classes."""
    shares = {class_id: case.share for class_id, case in model.case_classes.items()}
    return mixed_routing_executions(model.node_kinds, model.flows, shares)


class CompiledModel:
    """A valid model compiled for fast evaluation of its moved copies (see the module
    docstring). Raises :class:`~abc_costing.problems.ModelError` for an invalid model.

    Attributes:
      model: the base model.
      base: its own evaluation.
    """

    def __init__(self, model: ProcessModel) -> None:
        require_valid(model)
        self.model = model
        self._prices = _prices(model.resources)
        self._figures = {activity_id: activity_figures(activity, self._prices)
                         for activity_id, activity in model.activities.items()}
        self._executions = dict(zip(model.node_kinds,
                                    _routing(model).tolist(),
                                    strict=True))
        self.base = self.evaluate(model)

    def evaluate(self, moved: ProcessModel) -> Evaluation:
        """The figures of ``moved``, a copy of the base model with some records changed.

        Raises :class:`~abc_costing.engine.executions.RoutingError` when the moved
        routing has no sound solution.
        """
        base = self.model
        same_prices = moved.resources is base.resources
        prices = self._prices if same_prices else _prices(moved.resources)
        if (moved.flows is base.flows and moved.node_kinds == base.node_kinds
                and moved.case_classes == base.case_classes):
            executions = self._executions
        else:
            kinds = moved.node_kinds
            executions = dict(zip(kinds, _routing(moved).tolist(), strict=True))
        terms: list[float] = []
        minutes: dict[str, float] = {}
        for activity_id, activity in moved.activities.items():
            known = base.activities.get(activity_id)
            figures = (self._figures[activity_id] if same_prices and known is activity
                       else activity_figures(activity, prices))
            times = executions[activity_id]
            terms.append(times * figures.cost_per_execution)
            for pool, per_execution in figures.minutes_by_pool.items():
                minutes[pool] = minutes.get(pool, 0.0) + times * per_execution
        return Evaluation(math.fsum(terms), minutes, executions)
