"""The synthetic model generator: shapes, sizes, and files the reader accepts."""

from __future__ import annotations

import numpy as np
import pytest

from abc_costing.engine import cost_model
from abc_costing.formats import parse_model_text
from abc_costing.model import ProcessModel
from abc_costing.synthetic import (
    Choice,
    Loop,
    Parallel,
    Sequence,
    Task,
    compile_tree,
    model_text,
    random_model,
    random_model_text,
    random_tree,
    tasks,
)


def _nodes(tree):
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Sequence):
            stack.extend(node.children)
        elif isinstance(node, Choice):
            stack.extend(child for _, child in node.branches)
        elif isinstance(node, Parallel):
            stack.extend(node.branches)
        elif isinstance(node, Loop):
            stack.append(node.body)


@pytest.mark.parametrize("n_activities", [1, 2, 3, 17, 500, 5_000])
@pytest.mark.parametrize("seed", [0, 1])
def test_random_tree_has_exactly_n_tasks_numbered_in_order(n_activities, seed):
    tree = random_tree(np.random.default_rng(seed), n_activities=n_activities)
    assert [t.id for t in tasks(tree)] == [f"a{i}" for i in range(1, n_activities + 1)]


def test_random_tree_mixes_every_block_and_nests_loops_in_parallel_branches():
    tree = random_tree(np.random.default_rng(3), n_activities=400)
    kinds = {type(node) for node in _nodes(tree)}
    assert kinds == {Task, Sequence, Choice, Parallel, Loop}
    loops_in_parallel = [
        loop for par in _nodes(tree) if isinstance(par, Parallel)
        for branch in par.branches for loop in _nodes(branch) if isinstance(loop, Loop)
    ]
    assert loops_in_parallel


def test_random_probabilities_are_whole_thousandths_summing_to_one():
    tree = random_tree(np.random.default_rng(5), n_activities=300, max_redo_probability=0.3)
    for node in _nodes(tree):
        if isinstance(node, Choice):
            thousandths = [round(p * 1000) for p, _ in node.branches]
            assert all(t >= 1 for t in thousandths)
            assert [t / 1000 for t in thousandths] == [p for p, _ in node.branches]
            assert sum(thousandths) == 1000
        if isinstance(node, Loop):
            assert 0.05 <= node.redo_probability <= 0.3


def test_same_seed_same_model():
    first = random_model_text(np.random.default_rng(11), n_activities=60, n_resources=7)
    again = random_model_text(np.random.default_rng(11), n_activities=60, n_resources=7)
    assert first == again


@pytest.mark.parametrize("seed", range(5))
def test_random_model_text_reads_back_with_no_problems(seed):
    text = random_model_text(np.random.default_rng(seed), n_activities=80, n_resources=9,
                             separate_ends=True)
    model, problems = parse_model_text(text, source="random.yaml")
    assert problems == []
    assert len(model.activities) == 80
    assert model.activities["a7"].name == "Задача 7"
    # Every resource is used: 80 activities share 9 resources round-robin.
    used = {r for a in model.activities.values() for r in (*a.labor, *a.uses)}
    assert used == set(model.resources)
    assert model == ProcessModel.model_validate(
        random_model(np.random.default_rng(seed), n_activities=80, n_resources=9,
                     separate_ends=True))


def test_a_loop_inside_a_parallel_branch_costs_as_computed_by_hand():
    tree = Sequence((
        Parallel((Loop(Task("check"), redo_probability=0.5), Task("print"))),
        Choice(((0.25, Task("courier")), (0.75, Task("email")))),
    ))
    data = compile_tree(
        tree,
        resources={"clerk": {"kind": "labor", "rate_per_hour": 600}},  # 10 ₽/min
        activities={"check": {"labor": {"clerk": 6}}, "print": {"other_cost": 5},
                    "courier": {"other_cost": 400}, "email": {"labor": {"clerk": 1}}},
    )
    model, problems = parse_model_text(model_text(data))
    assert problems == []
    result = cost_model(model)
    # check: 1 / (1 - 0.5) = 2 runs × 60 ₽; print 5 ₽; courier 0.25 × 400; email 0.75 × 10
    assert result.activity("check").expected_executions == pytest.approx(2.0)
    assert result.cost_per_instance == pytest.approx(2 * 60 + 5 + 0.25 * 400 + 0.75 * 10)


def test_ids_that_yaml_would_misread_are_quoted():
    data = compile_tree(Sequence((Task("true"), Task("null"), Task("Согласование"))))
    text = model_text(data)
    assert '"true": {}' in text and "Согласование: {}" in text
    model, problems = parse_model_text(text)
    assert problems == []
    assert list(model.activities) == ["true", "null", "Согласование"]


def test_compile_tree_refuses_trees_it_cannot_name():
    with pytest.raises(ValueError, match="repeat"):
        compile_tree(Sequence((Task("a"), Task("a"))))
    with pytest.raises(ValueError, match="clash"):
        compile_tree(Sequence((Task("end"), Task("b"))))
    with pytest.raises(ValueError, match="not tasks"):
        compile_tree(Task("a"), activities={"b": {}})
    with pytest.raises(ValueError, match="two branches"):
        Choice(((1.0, Task("a")),))
    with pytest.raises(ValueError, match="redo_probability"):
        Loop(Task("a"), redo_probability=1.0)
