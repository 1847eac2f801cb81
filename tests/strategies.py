"""Hypothesis strategies: process trees of :mod:`abc_costing.synthetic` nodes,
and priced models compiled from them.

Trees are drawn recursively from tasks, sequences, choices, parallel blocks
and loops, nested in any combination. Choice probabilities are whole weights
0..4 normalised by their sum (so a branch may have probability 0 and the
sum is 1 up to float rounding, well inside the validator's 1e-6); redo
probabilities are tenths from 0 to 0.9.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from abc_costing.model import VALUE_CLASSES
from abc_costing.synthetic import (
    Choice,
    Loop,
    Node,
    Parallel,
    Sequence,
    Task,
    compile_tree,
    tasks,
)

__all__ = ["GeneratedModel", "process_trees", "generated_models", "durations"]

_PLACEHOLDER = Task("?")
REDO_PROBABILITIES = st.integers(0, 9).map(lambda tenths: tenths / 10)


def _choice(weighted: list[tuple[int, Node]]) -> Choice:
    total = sum(weight for weight, _ in weighted)
    return Choice(tuple((weight / total, child) for weight, child in weighted))


def _blocks(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.lists(children, min_size=2, max_size=4).map(lambda cs: Sequence(tuple(cs))),
        st.lists(st.tuples(st.integers(0, 4), children), min_size=2, max_size=3)
        .filter(lambda branches: any(weight for weight, _ in branches))
        .map(_choice),
        st.lists(children, min_size=2, max_size=3).map(lambda bs: Parallel(tuple(bs))),
        st.builds(Loop, children, REDO_PROBABILITIES),
    )


def _numbered(tree: Node) -> Node:
    """The same shape with tasks renamed t1, t2, ... in depth-first order."""
    counter = itertools.count(1)

    def rename(node: Node) -> Node:
        if isinstance(node, Task):
            return Task(f"t{next(counter)}")
        if isinstance(node, Sequence):
            return Sequence(tuple(rename(c) for c in node.children))
        if isinstance(node, Choice):
            return Choice(tuple((p, rename(c)) for p, c in node.branches))
        if isinstance(node, Parallel):
            return Parallel(tuple(rename(c) for c in node.branches))
        assert isinstance(node, Loop)
        return Loop(rename(node.body), node.redo_probability)

    return rename(tree)


def process_trees(*, max_leaves: int = 12) -> st.SearchStrategy[Node]:
    """Process trees with at most ``max_leaves`` tasks, ids ``t1``, ``t2``, ..."""
    return st.recursive(st.just(_PLACEHOLDER), _blocks, max_leaves=max_leaves).map(_numbered)


_MINUTES = st.integers(0, 240)


def _sorted_list(size: int) -> st.SearchStrategy[list[int]]:
    return st.lists(_MINUTES, min_size=size, max_size=size).map(sorted)


def durations() -> st.SearchStrategy[Any]:
    """Durations in file form: a number or one of the four distributions."""
    return st.one_of(
        _MINUTES,
        st.floats(0, 240, allow_nan=False, allow_infinity=False),
        _sorted_list(3).map(lambda v: {"triangular": v}),
        _sorted_list(3).map(lambda v: {"pert": v}),
        _sorted_list(2).map(lambda v: {"uniform": v}),
        st.tuples(st.integers(1, 240), st.integers(0, 100))
        .map(lambda ms: {"lognormal": {"mean": ms[0], "sd": ms[1]}}),
    )


_MONEY = st.integers(0, 500_000).map(lambda kopecks: kopecks / 100)


@dataclass(frozen=True)
class GeneratedModel:
    """A tree and the file-form model compiled from it.

    Attributes:
      tree: the process tree.
      data: the ``abc-costing/1`` dict (as read from a file).
      separate_ends: whether a final choice was compiled to one end event per branch.
    """

    tree: Node
    data: dict[str, Any]
    separate_ends: bool


@st.composite
def generated_models(draw: st.DrawFn, *, max_leaves: int = 12) -> GeneratedModel:
    """A priced model on a random tree.

    One to three labor resources (the first always priced by ``rate_per_hour``,
    the others by rate or time-driven by month), zero to two per_use
    resources; every task gets labour on some of them, sometimes uses,
    other_cost and a wait, and a value class.
    """
    tree = draw(process_trees(max_leaves=max_leaves))
    n_labor, n_per_use = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    resources: dict[str, dict[str, Any]] = {}
    for i in range(1, n_labor + 1):
        if i > 1 and draw(st.booleans()):
            resources[f"r{i}"] = {"kind": "labor", "cost_per_month": draw(_MONEY),
                                  "capacity_hours_per_month": draw(st.integers(1, 180))}
        else:
            resources[f"r{i}"] = {"kind": "labor", "rate_per_hour": draw(_MONEY)}
    for i in range(1, n_per_use + 1):
        resources[f"c{i}"] = {"kind": "per_use", "cost_per_use": draw(_MONEY)}
    labor_ids = [r for r in resources if r.startswith("r")]
    per_use_ids = [r for r in resources if r.startswith("c")]

    activities: dict[str, dict[str, Any]] = {}
    for task in tasks(tree):
        record: dict[str, Any] = {"name": f"Задача {task.id}"}
        chosen = draw(st.lists(st.sampled_from(labor_ids), unique=True, max_size=len(labor_ids)))
        if chosen:
            record["labor"] = {r: draw(durations()) for r in chosen}
        if per_use_ids and draw(st.booleans()):
            record["uses"] = {draw(st.sampled_from(per_use_ids)): draw(st.integers(0, 3))}
        if draw(st.booleans()):
            record["other_cost"] = draw(_MONEY)
        if draw(st.booleans()):
            record["wait"] = draw(durations())
        record["value"] = draw(st.sampled_from(VALUE_CLASSES))
        activities[task.id] = record
    separate_ends = draw(st.booleans())
    data = compile_tree(
        tree,
        process="generated",
        variant="as_is",
        volume_per_year=draw(st.none() | st.integers(0, 10_000)),
        resources=resources,
        activities=activities,
        separate_ends=separate_ends,
    )
    return GeneratedModel(tree=tree, data=data, separate_ends=separate_ends)
