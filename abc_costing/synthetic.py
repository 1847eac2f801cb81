"""Block-structured synthetic process models, for benchmarks and property tests.

A process tree is built from five node types:

* :class:`Task` — one activity;
* :class:`Sequence` — children one after another;
* :class:`Choice` — an exclusive split to branches with probabilities and an
  exclusive merge after them;
* :class:`Parallel` — a parallel split to every branch and a parallel join;
* :class:`Loop` — an exclusive merge before the body and an exclusive split
  after it: back to the merge with the redo probability ``r``, onwards with
  ``1 - r``.

:func:`compile_tree` turns a tree into the plain file-form dict of an
``abc-costing/1`` model (what reading a YAML file gives), :func:`model_text`
writes such a dict as YAML text the reader accepts, and :func:`random_tree`,
:func:`random_model` and :func:`random_model_text` draw random ones from an
explicit :class:`numpy.random.Generator`. Every block has one way in and one
way out, so any tree compiles to a valid model: loops may sit inside parallel
branches, choices inside loops, and so on.

Examples
--------
>>> tree = Sequence((Task("draft"),
...                  Loop(Task("review"), redo_probability=0.25),
...                  Choice(((0.7, Task("sign")), (0.3, Task("reject"))))))
>>> data = compile_tree(tree, process="demo", variant="as_is")
>>> data["flows"]
[['start', 'draft'], ['draft', 'lm1'], ['lm1', 'review'], ['review', 'ls1'], \
['ls1', 'lm1', 0.25], ['ls1', 'xs2', 0.75], ['xs2', 'sign', 0.7], ['sign', 'xm2'], \
['xs2', 'reject', 0.3], ['reject', 'xm2'], ['xm2', 'end']]
>>> from abc_costing.model import ProcessModel
>>> ProcessModel.model_validate(data).gateways["xs2"].kind
'exclusive'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

from abc_costing.model import FORMAT, VALUE_CLASSES

__all__ = [
    "Task",
    "Sequence",
    "Choice",
    "Parallel",
    "Loop",
    "Node",
    "tasks",
    "compile_tree",
    "model_text",
    "random_tree",
    "random_model",
    "random_model_text",
]


@dataclass(frozen=True)
class Task:
    """One activity of the tree.

    Attributes:
      id: the activity id in the compiled model.
    """

    id: str


@dataclass(frozen=True)
class Sequence:
    """Children run one after another.

    Attributes:
      children: at least one sub-tree.
    """

    children: tuple[Node, ...]

    def __post_init__(self) -> None:
        if not self.children:
            raise ValueError("a Sequence needs at least one child")


@dataclass(frozen=True)
class Choice:
    """An exclusive split into branches, closed by an exclusive merge.

    Attributes:
      branches: ``(probability, sub-tree)`` pairs, at least two; the
        probabilities are not checked here (the validator does that, so that
        broken models can be built on purpose).
    """

    branches: tuple[tuple[float, Node], ...]

    def __post_init__(self) -> None:
        # One branch would put a probability on a flow that does not leave a split.
        if len(self.branches) < 2:
            raise ValueError("a Choice needs at least two branches")


@dataclass(frozen=True)
class Parallel:
    """A parallel split into branches, closed by a parallel join.

    Attributes:
      branches: at least two sub-trees, all of which run.
    """

    branches: tuple[Node, ...]

    def __post_init__(self) -> None:
        if len(self.branches) < 2:
            raise ValueError("a Parallel needs at least two branches")


@dataclass(frozen=True)
class Loop:
    """A body redone with probability ``redo_probability`` after each run.

    Attributes:
      body: the sub-tree that is repeated.
      redo_probability: chance of going round again, in [0, 1).
    """

    body: Node
    redo_probability: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.redo_probability < 1.0:
            raise ValueError(
                f"redo_probability must be in [0, 1), got {self.redo_probability!r}"
            )


Node: TypeAlias = Task | Sequence | Choice | Parallel | Loop


def tasks(tree: Node) -> Iterator[Task]:
    """The tasks of ``tree`` in depth-first order.

    >>> [t.id for t in tasks(Parallel((Task("a"), Loop(Task("b"), 0.5))))]
    ['a', 'b']
    """
    stack: list[Node] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Task):
            yield node
        elif isinstance(node, Sequence):
            stack.extend(reversed(node.children))
        elif isinstance(node, Choice):
            stack.extend(child for _, child in reversed(node.branches))
        elif isinstance(node, Parallel):
            stack.extend(reversed(node.branches))
        elif isinstance(node, Loop):
            stack.append(node.body)
        else:
            raise TypeError(f"not a process tree node: {node!r}")


# --- compiling ----------------------------------------------------------------

class _Compiler:
    """Writes gateways and flows while walking a tree, in the order a reader would follow."""

    def __init__(self) -> None:
        self.gateways: dict[str, dict[str, str]] = {}
        self.flows: list[list[Any]] = []
        self._count = 0

    def gateways_numbered(self, prefixes: tuple[str, ...], kind: str) -> tuple[str, ...]:
        self._count += 1
        ids = tuple(f"{prefix}{self._count}" for prefix in prefixes)
        for gateway_id in ids:
            self.gateways[gateway_id] = {"kind": kind}
        return ids

    def flow(self, source: str, target: str, probability: float | None) -> None:
        self.flows.append([source, target] if probability is None
                          else [source, target, probability])

    def block(self, node: Node, source: str, probability: float | None) -> tuple[str, float | None]:
        """Enter ``node`` from ``source``; return its exit and the probability
        the flow leaving that exit must carry (a loop exits from an exclusive split)."""
        if isinstance(node, Task):
            self.flow(source, node.id, probability)
            return node.id, None
        if isinstance(node, Sequence):
            for child in node.children:
                source, probability = self.block(child, source, probability)
            return source, probability
        if isinstance(node, Choice):
            split, merge = self.gateways_numbered(("xs", "xm"), "exclusive")
            self.flow(source, split, probability)
            for branch_probability, child in node.branches:
                exit_, exit_probability = self.block(child, split, branch_probability)
                self.flow(exit_, merge, exit_probability)
            return merge, None
        if isinstance(node, Parallel):
            split, join = self.gateways_numbered(("ps", "pj"), "parallel")
            self.flow(source, split, probability)
            for child in node.branches:
                exit_, exit_probability = self.block(child, split, None)
                self.flow(exit_, join, exit_probability)
            return join, None
        if isinstance(node, Loop):
            merge, split = self.gateways_numbered(("lm", "ls"), "exclusive")
            self.flow(source, merge, probability)
            exit_, exit_probability = self.block(node.body, merge, None)
            self.flow(exit_, split, exit_probability)
            self.flow(split, merge, node.redo_probability)
            # Rounded so that 1 - 0.7 is written 0.3, not 0.30000000000000004.
            return split, round(1.0 - node.redo_probability, 12)
        raise TypeError(f"not a process tree node: {node!r}")


def compile_tree(
    tree: Node,
    *,
    process: str = "synthetic",
    variant: str = "as_is",
    title: str | None = None,
    currency: str = "RUB",
    volume_per_year: float | None = None,
    resources: Mapping[str, Mapping[str, Any]] | None = None,
    activities: Mapping[str, Mapping[str, Any]] | None = None,
    separate_ends: bool = False,
) -> dict[str, Any]:
    """Compile a process tree into the file-form dict of an ``abc-costing/1`` model.

    ``resources`` are written as given (resource id -> file-form record);
    ``activities`` gives the file-form record of tasks by id (labor, uses,
    other_cost, name, ...); a task without one gets ``{}``. Gateways are
    named ``xs``/``xm`` (choice split/merge), ``ps``/``pj`` (parallel split/join)
    and ``lm``/``ls`` (loop merge/split) with a running number; the events are
    ``start`` and ``end``. With ``separate_ends``, when the tree ends with a
    :class:`Choice` (the root, or the last child of a root :class:`Sequence`)
    each of its branches finishes at its own end event ``end1``, ``end2``, ...
    instead of meeting at a merge.

    Raises ``ValueError`` when task ids repeat, clash with a gateway or event
    id, or when ``activities`` names a task not in the tree.

    >>> tree = Choice(((0.9, Task("ok")), (0.1, Task("fix"))))
    >>> data = compile_tree(tree, activities={"ok": {"other_cost": 5}}, separate_ends=True)
    >>> data["activities"], data["events"]
    ({'ok': {'other_cost': 5}, 'fix': {}}, {'start': {'kind': 'start'}, \
'end1': {'kind': 'end'}, 'end2': {'kind': 'end'}})
    >>> data["flows"]
    [['start', 'xs1'], ['xs1', 'ok', 0.9], ['ok', 'end1'], ['xs1', 'fix', 0.1], ['fix', 'end2']]
    """
    task_ids = [t.id for t in tasks(tree)]
    if len(set(task_ids)) != len(task_ids):
        repeated = sorted({i for i in task_ids if task_ids.count(i) > 1})
        raise ValueError(f"task ids repeat in the tree: {', '.join(repeated)}")
    activities = dict(activities or {})
    strangers = sorted(set(activities) - set(task_ids))
    if strangers:
        raise ValueError(f"activities names ids that are not tasks of the tree: "
                         f"{', '.join(strangers)}")

    tail: Node = tree
    head: tuple[Node, ...] = ()
    if separate_ends and isinstance(tree, Sequence) and isinstance(tree.children[-1], Choice):
        head, tail = tree.children[:-1], tree.children[-1]
    split_tail = separate_ends and isinstance(tail, Choice)

    compiler = _Compiler()
    events: dict[str, dict[str, str]] = {"start": {"kind": "start"}}
    source, probability = "start", None
    for child in head:
        source, probability = compiler.block(child, source, probability)
    if split_tail:
        assert isinstance(tail, Choice)
        (split,) = compiler.gateways_numbered(("xs",), "exclusive")
        compiler.flow(source, split, probability)
        for number, (branch_probability, child) in enumerate(tail.branches, start=1):
            exit_, exit_probability = compiler.block(child, split, branch_probability)
            events[f"end{number}"] = {"kind": "end"}
            compiler.flow(exit_, f"end{number}", exit_probability)
    else:
        exit_, exit_probability = compiler.block(tail, source, probability)
        events["end"] = {"kind": "end"}
        compiler.flow(exit_, "end", exit_probability)

    clashes = sorted(set(task_ids) & (set(compiler.gateways) | set(events)))
    if clashes:
        raise ValueError(f"task ids clash with generated gateway or event ids: "
                         f"{', '.join(clashes)}")

    data: dict[str, Any] = {"format": FORMAT, "process": process, "variant": variant}
    if title is not None:
        data["title"] = title
    data["currency"] = currency
    if volume_per_year is not None:
        data["volume_per_year"] = volume_per_year
    data["resources"] = {r: dict(record) for r, record in (resources or {}).items()}
    data["activities"] = {a: dict(activities.get(a, {})) for a in task_ids}
    data["gateways"] = compiler.gateways
    data["events"] = events
    data["flows"] = compiler.flows
    return data


# --- writing YAML -----------------------------------------------------------------

# Plain scalars YAML would read as something other than a string.
_PLAIN = re.compile(r"^[^\W\d][\w./-]*$")
_NOT_STRINGS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} into a model file")
        return repr(value)  # shortest text that reads back as the same float
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _NOT_STRINGS:
            return value
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string
    raise TypeError(f"cannot write {type(value).__name__} into a model file")


def _flow_style(value: Any) -> str:
    if isinstance(value, Mapping):
        items = ", ".join(f"{_scalar(k)}: {_flow_style(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow_style(v) for v in value) + "]"
    return _scalar(value)


def model_text(model: Mapping[str, Any]) -> str:
    """Write a file-form model dict as YAML text, one line per element.

    Top-level fields come first, then each section with one flow-style line
    per element and one ``- [from, to, p]`` line per flow. Floats are written
    with ``repr``, so the text reads back to exactly the same numbers.

    >>> data = compile_tree(Task("a1"), activities={"a1": {"name": "Задача 1", "other_cost": 15.5}})
    >>> print(model_text(data))
    format: abc-costing/1
    process: synthetic
    variant: as_is
    currency: RUB
    resources: {}
    activities:
      a1: {name: "Задача 1", other_cost: 15.5}
    gateways: {}
    events:
      start: {kind: start}
      end: {kind: end}
    flows:
      - [start, a1]
      - [a1, end]
    <BLANKLINE>
    """
    lines = []
    for key, value in model.items():
        if isinstance(value, Mapping):
            if not value:
                lines.append(f"{key}: {{}}")
                continue
            lines.append(f"{key}:")
            lines.extend(f"  {_scalar(k)}: {_flow_style(v)}" for k, v in value.items())
        elif isinstance(value, list):
            if not value:
                lines.append(f"{key}: []")
                continue
            lines.append(f"{key}:")
            lines.extend(f"  - {_flow_style(v)}" for v in value)
        else:
            # format, slugs and currency codes are plain; titles may need quotes.
            lines.append(f"{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


# --- random trees and models -------------------------------------------------------


def _thousandths(rng: np.random.Generator, k: int) -> tuple[float, ...]:
    # Whole thousandths, each at least 0.001, summing to exactly 1000: the
    # written decimals sum to 1, and no branch is dead.
    counts = 1 + rng.multinomial(1000 - k, rng.dirichlet(np.ones(k)))
    return tuple(int(c) / 1000 for c in counts)


def _cut(rng: np.random.Generator, n: int, k: int) -> list[int]:
    """``n`` split into ``k`` positive parts at random."""
    cuts = np.sort(rng.choice(n - 1, size=k - 1, replace=False) + 1)
    bounds = [0, *cuts.tolist(), n]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def random_tree(
    rng: np.random.Generator,
    *,
    n_activities: int,
    max_depth: int = 10,
    max_branches: int = 4,
    max_sequence: int = 6,
    max_redo_probability: float = 0.5,
    id_prefix: str = "a",
) -> Node:
    """A random process tree with exactly ``n_activities`` tasks.

    Blocks are drawn at every level from sequences (2..``max_sequence``
    children), choices and parallel blocks (2..``max_branches`` branches) and
    loops, and nest freely (loops inside parallel branches, choices inside
    loops). Below ``max_depth`` levels the rest is a plain sequence, which
    keeps the recursion shallow for any size. Tasks are numbered
    ``{id_prefix}1``, ``{id_prefix}2``, ... in depth-first order. Choice
    probabilities are whole thousandths, each at least 0.001, summing to 1;
    redo probabilities are multiples of 0.05 up to ``max_redo_probability``.

    >>> tree = random_tree(np.random.default_rng(7), n_activities=25)
    >>> ids = [t.id for t in tasks(tree)]
    >>> len(ids), ids[:3]
    (25, ['a1', 'a2', 'a3'])
    """
    if n_activities < 1:
        raise ValueError(f"n_activities must be at least 1, got {n_activities}")
    if max_branches < 2 or max_sequence < 2:
        raise ValueError("max_branches and max_sequence must be at least 2")
    redo_steps = int(round(max_redo_probability * 20))
    if not 1 <= redo_steps <= 19:
        raise ValueError(f"max_redo_probability must be in [0.05, 0.95], "
                         f"got {max_redo_probability!r}")
    numbers = iter(range(1, n_activities + 1))

    def task() -> Task:
        return Task(f"{id_prefix}{next(numbers)}")

    def redo() -> float:
        return int(rng.integers(1, redo_steps + 1)) / 20

    def build(n: int, depth: int) -> Node:
        if n == 1:
            if depth < max_depth and rng.random() < 0.15:
                return Loop(task(), redo())
            return task()
        if depth >= max_depth:
            return Sequence(tuple(task() for _ in range(n)))
        kind = rng.choice(4, p=[0.4, 0.25, 0.2, 0.15])
        if kind == 3:
            return Loop(build(n, depth + 1), redo())
        widest = max_sequence if kind == 0 else max_branches
        k = int(rng.integers(2, min(n, widest) + 1))
        parts = [build(m, depth + 1) for m in _cut(rng, n, k)]
        if kind == 0:
            return Sequence(tuple(parts))
        if kind == 1:
            return Choice(tuple(zip(_thousandths(rng, k), parts, strict=True)))
        return Parallel(tuple(parts))

    return build(n_activities, 0)


_DURATION_FORMS = ("fixed", "triangular", "pert", "uniform", "lognormal")


def _random_duration(rng: np.random.Generator) -> Any:
    form = _DURATION_FORMS[int(rng.integers(len(_DURATION_FORMS)))]
    low, mode, high = sorted(int(x) for x in rng.integers(1, 121, size=3))
    if form == "fixed":
        return mode
    if form == "uniform":
        return {"uniform": [low, high]}
    if form == "lognormal":
        return {"lognormal": {"mean": mode, "sd": round(mode * float(rng.uniform(0.1, 0.6)), 1)}}
    return {form: [low, mode, high]}


def random_model(
    rng: np.random.Generator,
    *,
    n_activities: int,
    n_resources: int,
    process: str = "synthetic",
    variant: str = "as_is",
    volume_per_year: float | None = 1000,
    max_depth: int = 10,
    max_redo_probability: float = 0.5,
    separate_ends: bool = False,
) -> dict[str, Any]:
    """A random valid model as a file-form dict (see :func:`random_tree`).

    About one resource in five is ``per_use`` (ids ``c1``, ``c2``, ...), the
    rest are labor (``r1``, ``r2``, ...; every fourth one time-driven, with
    ``cost_per_month`` and ``capacity_hours_per_month``). Every resource is
    used by some activity when there are at least as many activities as
    resources. Activities have Cyrillic names, one or two labor resources with
    a random duration form, and sometimes uses, other_cost and wait.

    >>> data = random_model(np.random.default_rng(1), n_activities=12, n_resources=5)
    >>> len(data["activities"]), sorted(data["resources"])
    (12, ['c1', 'r1', 'r2', 'r3', 'r4'])
    >>> data["activities"]["a1"]["name"]
    'Задача 1'
    """
    if n_resources < 0:
        raise ValueError(f"n_resources must not be negative, got {n_resources}")
    tree = random_tree(rng, n_activities=n_activities, max_depth=max_depth,
                       max_redo_probability=max_redo_probability)
    n_per_use = n_resources // 5
    n_labor = n_resources - n_per_use
    resources: dict[str, dict[str, Any]] = {}
    for i in range(1, n_labor + 1):
        if i % 4 == 0:
            resources[f"r{i}"] = {"kind": "labor", "name": f"Роль {i}",
                                  "cost_per_month": int(rng.integers(60, 400)) * 1000,
                                  "capacity_hours_per_month": int(rng.integers(100, 165))}
        else:
            resources[f"r{i}"] = {"kind": "labor", "name": f"Роль {i}",
                                  "rate_per_hour": int(rng.integers(6, 60)) * 50}
    for i in range(1, n_per_use + 1):
        resources[f"c{i}"] = {"kind": "per_use", "name": f"Услуга {i}",
                              "cost_per_use": round(float(rng.uniform(50, 2000)), 2)}

    activities: dict[str, dict[str, Any]] = {}
    for position, task in enumerate(tasks(tree)):
        record: dict[str, Any] = {"name": f"Задача {task.id.removeprefix('a')}"}
        if n_labor:
            # Round-robin first, so every resource is used when there are enough tasks.
            chosen = {position % n_labor + 1}
            if rng.random() < 0.3:
                chosen.add(int(rng.integers(1, n_labor + 1)))
            record["labor"] = {f"r{i}": _random_duration(rng) for i in sorted(chosen)}
        if n_per_use and (position < n_per_use or rng.random() < 0.2):
            which = position + 1 if position < n_per_use else int(rng.integers(1, n_per_use + 1))
            record["uses"] = {f"c{which}": int(rng.integers(1, 3))}
        if rng.random() < 0.3:
            record["other_cost"] = round(float(rng.uniform(0, 500)), 1)
        if rng.random() < 0.1:
            record["wait"] = _random_duration(rng)
        record["value"] = VALUE_CLASSES[int(rng.integers(len(VALUE_CLASSES)))]
        activities[task.id] = record
    return compile_tree(
        tree,
        process=process,
        variant=variant,
        title=f"Синтетический процесс на {n_activities} задач",
        volume_per_year=volume_per_year,
        resources=resources,
        activities=activities,
        separate_ends=separate_ends,
    )


def random_model_text(
    rng: np.random.Generator,
    *,
    n_activities: int,
    n_resources: int,
    process: str = "synthetic",
    variant: str = "as_is",
    volume_per_year: float | None = 1000,
    max_depth: int = 10,
    max_redo_probability: float = 0.5,
    separate_ends: bool = False,
) -> str:
    """The YAML text of :func:`random_model` (one line per element).

    >>> from abc_costing.formats import parse_model_text
    >>> text = random_model_text(np.random.default_rng(3), n_activities=30, n_resources=4)
    >>> model, problems = parse_model_text(text)
    >>> len(model.activities), problems
    (30, [])
    """
    return model_text(random_model(
        rng,
        n_activities=n_activities,
        n_resources=n_resources,
        process=process,
        variant=variant,
        volume_per_year=volume_per_year,
        max_depth=max_depth,
        max_redo_probability=max_redo_probability,
        separate_ends=separate_ends,
    ))
