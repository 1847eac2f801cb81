"""Properties of the engine, validator, reader and comparison on generated process trees.

The oracle here works on the tree, not on the routing graph: a task in a
sequence or a parallel branch runs as often as its block, a choice branch
taken with probability p runs p times as often, and a loop body redone with
probability r runs 1 / (1 - r) times as often. Its costs use the means of the
duration distributions written out again below, so nothing is shared with
the engine but the model dict.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abc_costing.compare import compare_models
from abc_costing.engine import cost_model, expected_executions
from abc_costing.formats import parse_model_text
from abc_costing.model import ProcessModel
from abc_costing.problems import has_errors
from abc_costing.synthetic import Choice, Loop, Node, Parallel, Sequence, Task, model_text
from abc_costing.validation import validate_model
from tests.strategies import GeneratedModel, generated_models

REL = 1e-9
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# --- the oracle -------------------------------------------------------------------


def oracle_executions(tree: Node) -> dict[str, float]:
    """Expected executions of each task, from the block structure alone."""
    executions: dict[str, float] = {}

    def walk(node: Node, multiplier: float) -> None:
        if isinstance(node, Task):
            executions[node.id] = multiplier
        elif isinstance(node, Sequence):
            for child in node.children:
                walk(child, multiplier)
        elif isinstance(node, Choice):
            for probability, child in node.branches:
                walk(child, multiplier * probability)
        elif isinstance(node, Parallel):
            for child in node.branches:
                walk(child, multiplier)
        elif isinstance(node, Loop):
            walk(node.body, multiplier / (1.0 - node.redo_probability))

    walk(tree, 1.0)
    return executions


def oracle_end_probabilities(generated: GeneratedModel) -> dict[str, float]:
    """One end that every instance reaches, or one end per branch of a final choice."""
    tree = generated.tree
    tail = tree.children[-1] if isinstance(tree, Sequence) else tree
    if generated.separate_ends and isinstance(tail, Choice):
        return {f"end{i}": p for i, (p, _) in enumerate(tail.branches, start=1)}
    return {"end": 1.0}


def mean_minutes(duration: Any) -> float:
    if not isinstance(duration, dict):
        return float(duration)
    (form, args), = duration.items()
    if form == "triangular":
        return sum(args) / 3
    if form == "pert":
        low, mode, high = args
        return (low + 4 * mode + high) / 6
    if form == "uniform":
        return sum(args) / 2
    assert form == "lognormal"
    return args["mean"]


def rate_per_minute(resource: dict[str, Any]) -> float:
    if "rate_per_hour" in resource:
        return resource["rate_per_hour"] / 60
    return resource["cost_per_month"] / (resource["capacity_hours_per_month"] * 60)


def oracle_cost_per_instance(generated: GeneratedModel) -> float:
    resources = generated.data["resources"]
    executions = oracle_executions(generated.tree)
    total = 0.0
    for activity_id, activity in generated.data["activities"].items():
        per_execution = activity.get("other_cost", 0.0)
        for resource_id, duration in activity.get("labor", {}).items():
            per_execution += mean_minutes(duration) * rate_per_minute(resources[resource_id])
        for resource_id, units in activity.get("uses", {}).items():
            per_execution += units * resources[resource_id]["cost_per_use"]
        total += executions[activity_id] * per_execution
    return total


def close(actual: float, expected: float, *, scale: float = 1.0) -> bool:
    # abs_tol for figures that should be 0 (a branch with probability 0), where
    # a relative tolerance cannot hold; scaled by the size of the sums involved.
    return math.isclose(actual, expected, rel_tol=REL, abs_tol=REL * max(scale, 1.0))


def build(data: dict[str, Any]) -> ProcessModel:
    return ProcessModel.model_validate(data)


# --- properties --------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(generated_models())
def test_expected_executions_of_every_task_match_the_tree(generated):
    by_node = expected_executions(build(generated.data)).by_node
    for task_id, expected in oracle_executions(generated.tree).items():
        assert close(by_node[task_id], expected), (task_id, by_node[task_id], expected)


@PROPERTY_SETTINGS
@given(generated_models())
def test_cost_per_instance_matches_the_tree(generated):
    expected = oracle_cost_per_instance(generated)
    assert close(cost_model(build(generated.data)).cost_per_instance, expected, scale=expected)


@PROPERTY_SETTINGS
@given(generated_models())
def test_generated_models_are_valid_and_read_back_from_yaml_to_the_same_cost(generated):
    model = build(generated.data)
    problems = validate_model(model)
    assert not has_errors(problems), [str(p) for p in problems]
    # The only doubt a generated model may raise is a resource no task uses.
    assert all(p.message == "resource is not used by any activity" for p in problems)

    read, read_problems = parse_model_text(model_text(generated.data), source="generated.yaml")
    assert read is not None, [str(p) for p in read_problems]
    assert read == model
    # Floats are written with repr, so the text carries exactly the same numbers.
    assert cost_model(read).cost_per_instance == cost_model(model).cost_per_instance


@PROPERTY_SETTINGS
@given(generated_models())
def test_end_probabilities_sum_to_one_and_match_the_tree(generated):
    ends = expected_executions(build(generated.data)).end_probabilities
    assert close(sum(ends.values()), 1.0)
    expected = oracle_end_probabilities(generated)
    assert ends.keys() == expected.keys()
    for end_id, probability in expected.items():
        assert close(ends[end_id], probability), (end_id, ends[end_id], probability)


@PROPERTY_SETTINGS
@given(generated_models())
def test_expected_executions_are_conserved_along_the_flows(generated):
    model = build(generated.data)
    x = expected_executions(model).by_node
    kinds = model.node_kinds
    outgoing: dict[str, list] = {}
    incoming: dict[str, list] = {}
    for flow in model.flows:
        outgoing.setdefault(flow.source, []).append(flow)
        incoming.setdefault(flow.target, []).append(flow)

    def carried(flow) -> float:
        """Expected tokens passing along a flow per instance."""
        is_split = kinds[flow.source] == "exclusive" and len(outgoing[flow.source]) > 1
        return x[flow.source] * (flow.probability if is_split else 1.0)

    for node_id, kind in kinds.items():
        if kind == "exclusive" and len(outgoing[node_id]) > 1:
            # Every token leaving a split takes exactly one of its flows.
            assert close(sum(carried(f) for f in outgoing[node_id]), x[node_id])
        if kind == "start":
            assert x[node_id] == 1.0
        elif kind == "parallel" and len(incoming[node_id]) > 1:
            # A join fires once per full set: each branch brings as many tokens as it fires.
            for flow in incoming[node_id]:
                assert close(carried(flow), x[node_id]), (node_id, flow)
        else:
            inflow = sum(carried(f) for f in incoming[node_id])
            assert close(x[node_id], inflow), (node_id, x[node_id], inflow)
        if kind == "parallel" and len(outgoing.get(node_id, ())) > 1:
            for flow in outgoing[node_id]:
                assert carried(flow) == x[node_id]
    ends = [n for n, k in kinds.items() if k == "end"]
    assert close(sum(x[e] for e in ends), 1.0)


@PROPERTY_SETTINGS
@given(generated_models(), st.data())
def test_raising_one_labor_rate_raises_the_cost_by_its_minutes(generated, data):
    by_rate = [r for r, res in generated.data["resources"].items() if "rate_per_hour" in res]
    resource_id = data.draw(st.sampled_from(by_rate), label="resource")
    delta_per_hour = data.draw(st.integers(1, 100_000).map(lambda c: c / 100), label="delta")
    before = cost_model(build(generated.data))

    raised = copy.deepcopy(generated.data)
    raised["resources"][resource_id]["rate_per_hour"] += delta_per_hour
    after = cost_model(build(raised))

    minutes = before.resource(resource_id).minutes_per_instance
    expected = before.cost_per_instance + delta_per_hour / 60 * minutes
    assert close(after.cost_per_instance, expected, scale=expected)
    assert close(after.resource(resource_id).minutes_per_instance, minutes, scale=minutes)


@PROPERTY_SETTINGS
@given(generated_models(), st.sampled_from([0.0, 0.5, 2.0, 3.7, 10.0]))
def test_scaling_every_price_scales_every_cost(generated, k):
    before = cost_model(build(generated.data))
    scaled = copy.deepcopy(generated.data)
    for resource in scaled["resources"].values():
        for price in ("rate_per_hour", "cost_per_month", "cost_per_use"):
            if price in resource:
                resource[price] *= k
    for activity in scaled["activities"].values():
        if "other_cost" in activity:
            activity["other_cost"] *= k
    after = cost_model(build(scaled))

    scale = before.cost_per_instance * max(k, 1.0)
    assert close(after.cost_per_instance, k * before.cost_per_instance, scale=scale)
    for a, b in zip(before.activities, after.activities, strict=True):
        assert close(b.cost_per_instance, k * a.cost_per_instance, scale=scale)
    for value, amount in before.by_value.items():
        assert close(after.by_value[value], k * amount, scale=scale)


@PROPERTY_SETTINGS
@given(generated_models())
def test_comparing_a_model_with_itself_saves_exactly_nothing(generated):
    model = build(generated.data)
    comparison = compare_models(model, model)
    assert comparison.saving_per_instance == 0.0
    assert comparison.saving_per_year in (None, 0.0)
    assert {a.status for a in comparison.activities} == {"unchanged"}
    assert all(a.delta == 0.0 for a in comparison.activities)
    assert all(r.delta == 0.0 for r in comparison.resources)
    assert all(v.delta == 0.0 for v in comparison.by_value)


@PROPERTY_SETTINGS
@given(generated_models())
def test_rollups_by_activity_resource_and_value_reconcile_to_the_total(generated):
    result = cost_model(build(generated.data))
    total = result.cost_per_instance
    by_activity = sum(a.cost_per_instance for a in result.activities)
    by_resource = (sum(r.cost_per_instance for r in result.resources)
                   + result.other_cost_per_instance)
    by_value = sum(result.by_value.values())
    for rollup in (by_activity, by_resource, by_value):
        assert close(rollup, total, scale=total), (rollup, total)
    if total > 0:
        assert sum(a.share for a in result.activities) == pytest.approx(1.0, rel=REL)
