"""How much the cost per instance moves when one input moves: tornado chart data.

Every input is moved down and up by the same relative change (10% by default)
with all others held, and the exact cost per instance is computed at both ends.

- **Rates, costs per use, durations, uses, other costs.** The cost is linear in
  each: ``C = Σ_a x_a × c_a`` with ``x_a`` the expected executions of activity
  ``a`` and ``c_a`` its cost per execution, so the derivative of the cost with
  respect to a cost per execution is the expected executions. Moving the
  minutes ``m`` of resource ``r`` in activity ``a`` by ``±h·m`` moves the cost
  by ``±x_a × h·m × rate``; moving a rate (or ``cost_per_month``) by ``±h``
  moves the cost by ``±h`` × that resource's cost per instance.
- **Practical capacity** (``capacity_hours_per_month`` of a time-driven rate):
  the rate is cost / capacity, so that resource's cost per instance ``R``
  becomes ``R × K / K'``: not linear, computed exactly.
- **Branch probabilities.** Raising the probability ``p_k`` of one flow out of
  an exclusive split to ``p_k' = clip(p_k × (1 ± h), 0, 1)`` takes the
  difference from the split's other flows in proportion to their probabilities
  (``q_j' = q_j × (1 − p_k') / (1 − p_k)``), so the split still sums to 1; when
  the others are all 0 the difference is shared equally among them. This
  changes one column of the routing matrix, ``A' = A − d e_uᵀ`` with
  ``A = I − Wᵀ``, and the new cost follows exactly from the Sherman–Morrison
  formula: ``C' = C + (yᵀd) x_u / (1 − z_uᵀ d)`` with ``y = A⁻ᵀ c`` and
  ``z_u = A⁻ᵀ e_u`` (one sparse solve per split). A loop whose exit
  probability reaches 0 never ends: its cost is infinite. In a model with case
  classes this is done for each class's routing: a probability that holds for
  every class moves every class's cost, ``C' = Σ share_k C'_k``; one class's
  probability (``probability to <target> (class <id>)``) moves only that class's
  part, ``C' = C + share_k (C'_k − C_k)``.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v",
...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
...     "activities": {"work": {"labor": {"clerk": 30}}},
...     "gateways": {"merge": {"kind": "exclusive"}, "ok": {"kind": "exclusive"}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "merge"], ["merge", "work"], ["work", "ok"],
...               ["ok", "e", 0.8], ["ok", "merge", 0.2]]})
>>> items = sensitivity(model)  # base: 300 ₽ / (1 − 0.2) = 375 ₽
>>> [(i.element, i.field) for i in items[:3]]
[('ok', 'probability to e'), ('clerk', 'rate_per_hour'), ('work', 'labor.clerk')]
>>> exit = items[0]  # exit 0.8 → 0.72 and 0.88: 300 / 0.72, 300 / 0.88
>>> round(exit.cost_low, 6), round(exit.cost_high, 6), round(exit.impact, 6)
(416.666667, 340.909091, 41.666667)
>>> rate = items[1]  # ±10% of the whole 375 ₽
>>> rate.cost_low, rate.cost_high
(337.5, 412.5)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass
from typing import assert_never

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from abc_costing.engine.costing import TOO_LARGE, CostResult, cost_model
from abc_costing.engine.executions import RoutingError
from abc_costing.i18n import N_, Message
from abc_costing.model import LaborResource, PerUseResource, ProcessModel
from abc_costing.numbers import Figure
from abc_costing.problems import ModelError, Problem

__all__ = ["KINDS", "SensitivityItem", "sensitivity", "tornado_data"]

#: The kinds of input, in the order they are listed before ranking.
KINDS = ("rate", "capacity", "cost_per_use", "duration", "uses", "other_cost", "probability")


@dataclass(frozen=True)
class SensitivityItem:
    """The cost per instance at both ends of one input's range.

    Attributes:
      kind: ``rate``, ``capacity``, ``cost_per_use``, ``duration``, ``uses``,
        ``other_cost`` or ``probability``.
      element: the resource, activity or exclusive split the input belongs to.
      field: the input: ``rate_per_hour``, ``cost_per_month``,
        ``capacity_hours_per_month``, ``cost_per_use``, ``labor.<resource>``
        (mean minutes), ``uses.<resource>``, ``other_cost`` or
        ``probability to <target>``.
      flow_index: for probabilities, the index of the flow in the file's flows.
      base_value, low_value, high_value: the input as given and at both ends
        (probabilities clipped to [0, 1]).
      base_cost: cost per instance as given.
      cost_low, cost_high: cost per instance with the input at ``low_value``
        and at ``high_value`` (``inf`` when a loop would never end).
      impact: max |cost − base_cost| over both ends.
      title: the input in words, from the model's names (``Legal review: Lawyer's time``),
        a message to say in the reader's language; ``label`` is the path, for analysts.
        Not part of :meth:`as_dict` (the JSON keeps machine names) nor of equality.
    """

    kind: str
    element: str
    field: str
    base_value: float
    low_value: float
    high_value: float
    base_cost: float
    cost_low: float
    cost_high: float
    impact: float
    flow_index: int | None = None
    title: str = dataclasses.field(default="", compare=False)

    @property
    def label(self) -> str:
        """``element: field``: the input's path in the model file, for analysts."""
        return f"{self.element}: {self.field}"

    def as_dict(self) -> dict:
        """A JSON-ready dict (an infinite cost becomes None), machine names only."""
        return {key: (None if isinstance(value, float) and math.isinf(value) else value)
                for key, value in asdict(self).items() if key != "title"}


def sensitivity(model: ProcessModel, *, relative_change: float = 0.10) -> list[SensitivityItem]:
    """Rank every input of a valid ``model`` by how much ±``relative_change`` of it
    moves the cost per instance (see the module docstring).

    Raises ValueError unless 0 < ``relative_change`` < 1.
    """
    h = relative_change
    if isinstance(h, bool) or not isinstance(h, int | float) or not 0 < h < 1:
        raise ValueError(f"relative change must be a number between 0 and 1 (0.1 for ±10%), "
                         f"got {relative_change!r}")
    h = float(h)
    result = cost_model(model)
    base = result.cost_per_instance
    items: list[SensitivityItem] = []

    overflows: list[Problem] = []

    def add(kind, element, field, value, low, high, cost_low, cost_high, flow_index=None):
        impact = max(abs(cost_low - base), abs(cost_high - base))
        if not all(map(math.isfinite, (low, high, cost_low, cost_high, impact))):
            overflows.append(_overflow(element, field, h))
        items.append(SensitivityItem(kind, element, field, value, low, high, base, cost_low,
                                     cost_high, impact, flow_index,
                                     title=_title(model, element, field)))

    def linear(kind, element, field, value, cost_part):
        # cost_part: the cost per instance proportional to this input.
        add(kind, element, field, value, value * (1 - h), value * (1 + h),
            base - h * cost_part, base + h * cost_part)

    for resource_id, resource in model.resources.items():
        part = result.resource(resource_id).cost_per_instance
        match resource:
            case LaborResource():
                if resource.rate_per_hour is not None:
                    linear("rate", resource_id, "rate_per_hour", resource.rate_per_hour, part)
                else:
                    assert resource.cost_per_month is not None
                    capacity = resource.capacity_hours_per_month
                    assert capacity is not None
                    linear("rate", resource_id, "cost_per_month", resource.cost_per_month, part)
                    add("capacity", resource_id, "capacity_hours_per_month", capacity,
                        capacity * (1 - h), capacity * (1 + h),
                        base - part + part / (1 - h), base - part + part / (1 + h))
            case PerUseResource():
                linear("cost_per_use", resource_id, "cost_per_use", resource.cost_per_use, part)
            case _:
                assert_never(resource)

    for activity_id, activity in model.activities.items():
        executions = result.activity(activity_id).expected_executions
        for resource_id, duration in activity.labor.items():
            minutes = duration.mean_minutes
            rate = result.resource(resource_id).rate_per_minute
            linear("duration", activity_id, f"labor.{resource_id}", minutes,
                   executions * minutes * rate)
        for resource_id, count in activity.uses.items():
            linear("uses", activity_id, f"uses.{resource_id}", count,
                   executions * count * result.resource(resource_id).cost_per_use)
        linear("other_cost", activity_id, "other_cost", activity.other_cost,
               executions * activity.other_cost)

    if model.case_classes:
        items.extend(_class_probability_items(model, h, overflows))
    else:
        items.extend(_probability_items(model, result, h, overflows))
    if overflows:
        raise ModelError(overflows)
    order = {kind: i for i, kind in enumerate(KINDS)}
    # Stable: equal impacts keep the kind order, then the file order.
    items.sort(key=lambda item: (-item.impact, order[item.kind]))
    return items


def _title(model: ProcessModel, element: str, field: str) -> Message:
    """The input ``element: field`` in words, by the model's names: a chart's label."""
    if element in model.resources:
        resource = model.resources[element].name or element
        match field:
            case "rate_per_hour":
                return N_("{resource}: rate per hour", resource=resource)
            case "cost_per_month":
                return N_("{resource}: cost per month", resource=resource)
            case "capacity_hours_per_month":
                return N_("{resource}: practical capacity, h per month", resource=resource)
            case "cost_per_use":
                return N_("{resource}: cost per use", resource=resource)
    activity = model.display_name(element)
    kind, _, resource_id = field.partition(".")
    resource = (model.resources[resource_id].name or resource_id
                if resource_id in model.resources else resource_id)
    match kind:
        case "labor":
            return N_("{activity}: time of {resource}", activity=activity, resource=resource)
        case "uses":
            return N_("{activity}: uses of {resource}", activity=activity, resource=resource)
        case "other_cost":
            return N_("{activity}: other costs", activity=activity)
    raise ValueError(f"no words for the input {element}: {field}")  # a new kind of input


def _overflow(element: str, field: str, h: float) -> Problem:
    return Problem(N_("the cost with {field} moved by ±{h}% overflows: it comes to a figure "
                      "{too_large}; check the amounts for a typo", field=field,
                      h=Figure(h * 100, 0), too_large=TOO_LARGE), element=element)


def tornado_data(items: list[SensitivityItem], *, top: int | None = None) -> dict[str, list]:
    """Columns for a tornado chart, largest impact first.

    Keys: ``label`` (the input's path), ``title`` (the input in words, a message to
    translate), ``kind``, ``low_value``, ``high_value``, ``cost_low``,
    ``cost_high``, ``delta_low``, ``delta_high`` (cost − base cost) and
    ``impact``; plus ``base_cost`` (one number per row, the same in each).

    >>> tornado_data([])["label"]
    []
    """
    ranked = sorted(items, key=lambda item: -item.impact)[:top]
    return {
        "label": [i.label for i in ranked],
        "title": [i.title or i.label for i in ranked],
        "kind": [i.kind for i in ranked],
        "low_value": [i.low_value for i in ranked],
        "high_value": [i.high_value for i in ranked],
        "cost_low": [i.cost_low for i in ranked],
        "cost_high": [i.cost_high for i in ranked],
        "delta_low": [i.cost_low - i.base_cost for i in ranked],
        "delta_high": [i.cost_high - i.base_cost for i in ranked],
        "impact": [i.impact for i in ranked],
        "base_cost": [i.base_cost for i in ranked],
    }


def _class_probability_items(model: ProcessModel, h: float,
                             overflows: list[Problem]) -> list[SensitivityItem]:
    """The probability items of a model with case classes, from each class's routing
    (see the module docstring); the cost is linear in the classes' costs."""
    base = 0.0
    shared: dict[int, list[tuple[float, SensitivityItem]]] = {}
    own: list[tuple[float, str, SensitivityItem]] = []
    for class_id, case_class in model.case_classes.items():
        routing = model.for_class(class_id)
        result = cost_model(routing)
        base += case_class.share * result.cost_per_instance
        for item in _probability_items(routing, result, h, overflows):
            assert item.flow_index is not None
            if isinstance(model.flows[item.flow_index].probability, dict):
                own.append((case_class.share, class_id, item))
            else:
                shared.setdefault(item.flow_index, []).append((case_class.share, item))
    items = []
    for parts in shared.values():
        first = parts[0][1]
        cost_low = sum(_weighted(share, item.cost_low) for share, item in parts)
        cost_high = sum(_weighted(share, item.cost_high) for share, item in parts)
        items.append(dataclasses.replace(
            first, base_cost=base, cost_low=cost_low, cost_high=cost_high,
            impact=max(abs(cost_low - base), abs(cost_high - base))))
    for share, class_id, item in own:
        cost_low = base + _weighted(share, item.cost_low - item.base_cost)
        cost_high = base + _weighted(share, item.cost_high - item.base_cost)
        items.append(dataclasses.replace(
            item, field=f"{item.field} (class {class_id})", base_cost=base, cost_low=cost_low,
            cost_high=cost_high, impact=max(abs(cost_low - base), abs(cost_high - base))))
    return items


def _weighted(share: float, cost: float) -> float:
    """share × cost, where a class with no instances adds nothing (not 0 × inf = nan)."""
    return share * cost if share else 0.0


def _probability_items(model: ProcessModel, result: CostResult, h: float,
                       overflows: list[Problem]) -> list[SensitivityItem]:
    """The items of every probability out of an exclusive split; an end whose
    cost overflows (rather than a loop that never ends) is added to ``overflows``."""
    kinds = model.node_kinds
    node_ids = tuple(kinds)
    index = {node_id: i for i, node_id in enumerate(node_ids)}
    n = len(node_ids)
    flows = model.flows
    # One number per flow: a model with case classes comes here one class at a time
    # (ProcessModel.for_class), so no flow holds a mapping by class.
    chances = [None if isinstance(f.probability, dict) else f.probability for f in flows]
    sources = np.array([index[f.source] for f in flows], dtype=np.int64)
    targets = np.array([index[f.target] for f in flows], dtype=np.int64)
    in_degree = np.bincount(targets, minlength=n)
    # The same routing matrix as the engine (abc_costing.engine.executions).
    join = np.array([kinds[v] == "parallel" for v in node_ids]) & (in_degree > 1)
    share = np.where(join, 1.0 / np.maximum(in_degree, 1), 1.0)
    weights = np.array([1.0 if p is None else p for p in chances])
    weights = weights * share[targets]

    splits: dict[str, list[int]] = {}
    for k, flow in enumerate(flows):
        if kinds[flow.source] == "exclusive" and chances[k] is not None:
            splits.setdefault(flow.source, []).append(k)
    splits = {u: ks for u, ks in splits.items() if len(ks) > 1}
    if not splits:
        return []

    system = (sp.identity(n, format="csc")
              - sp.csc_matrix((weights, (targets, sources)), shape=(n, n))).tocsc()
    try:
        lu = spla.splu(system)
    except RuntimeError as err:  # exactly singular; cost_model would have said so first
        raise RoutingError(N_("routing equations are singular: {err}", err=err)) from err
    x = np.array([result.expected_executions[v] for v in node_ids])
    node_cost = np.zeros(n)
    for activity in result.activities:
        node_cost[index[activity.id]] = activity.cost_per_execution
    y = lu.solve(node_cost, trans="T")
    base = result.cost_per_instance

    items = []
    for u, ks in splits.items():
        e_u = np.zeros(n)
        e_u[index[u]] = 1.0
        z = lu.solve(e_u, trans="T")
        x_u = float(x[index[u]])
        for k in ks:
            p = chances[k]
            assert p is not None
            others = [j for j in ks if j != k]
            rest = sum(chances[j] or 0.0 for j in others)
            ends = []
            for p_new in (min(max(p * (1 - h), 0.0), 1.0), min(max(p * (1 + h), 0.0), 1.0)):
                delta = p_new - p
                d = np.zeros(n)
                d[targets[k]] += delta * share[targets[k]]
                for j in others:
                    q = chances[j] or 0.0
                    moved = delta * q / rest if rest > 0 else delta / len(others)
                    d[targets[j]] -= moved * share[targets[j]]
                denominator = 1.0 - float(z @ d)
                if delta == 0:
                    cost = base
                elif denominator <= 1e-12:
                    cost = math.inf
                else:
                    cost = base + float(y @ d) * x_u / denominator
                    if not math.isfinite(cost):
                        overflows.append(_overflow(u, f"probability to {flows[k].target}", h))
                ends.append((p_new, cost))
            (low, cost_low), (high, cost_high) = ends
            impact = max(abs(cost_low - base), abs(cost_high - base))
            items.append(SensitivityItem(
                "probability", u, f"probability to {flows[k].target}", p, low, high, base,
                cost_low, cost_high, impact, flow_index=k,
                title=N_("{gateway}: probability of the branch to {target}",
                         gateway=model.display_name(u),
                         target=model.display_name(flows[k].target))))
    return items
