"""Expected executions of every node per process instance, exactly.

A process instance is a token walking the routing graph. Let ``x[v]`` be the
expected number of times node ``v`` runs in one instance. Then

    x[start] = 1
    x[v]     = sum over flows u -> v of  w(u, v) * x[u]

where ``w`` is the flow's probability when ``u`` is an exclusive split, 1
otherwise, divided by the number of incoming flows when ``v`` is a parallel
join (a join fires once for every full set of branch tokens). This is the
absorbing Markov chain of the routing with parallel blocks counted by tokens,
and it is solved as one sparse linear system ``(I - Wᵀ) x = e_start``. Rework
loops need no special case: a step redone with probability r runs 1/(1 - r)
times on average, and the solve finds that. The values ``x[end]`` are the
probabilities of finishing at each end event; they sum to 1.

The model must be valid (see :func:`abc_costing.validation.validate_model`):
an invalid one is refused with :class:`~abc_costing.problems.ModelError`
naming every problem, before any equation is set up.

Examples
--------
>>> from abc_costing.model import Flow, NodeKind, ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v",
...     "activities": {"work": {}},
...     "gateways": {"merge": {"kind": "exclusive"}, "ok": {"kind": "exclusive"}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "merge"], ["merge", "work"], ["work", "ok"],
...               ["ok", "e", 0.75], ["ok", "merge", 0.25]]})
>>> round(expected_executions(model).by_node["work"], 12)  # 1 / (1 - 0.25)
1.333333333333
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from abc_costing.i18n import N_
from abc_costing.model import Flow, NodeKind, ProcessModel
from abc_costing.problems import ModelError, Problem
from abc_costing.validation import require_valid

__all__ = ["ExpectedExecutions", "expected_executions", "expected_executions_by_class",
           "routing_executions", "mixed_routing_executions", "RoutingError"]


class RoutingError(ModelError, ValueError):
    """The routing equations of a valid model have no sound solution.

    Validation rules out every routing it knows to be unsolvable (no start,
    a loop with no way out), so this is left for numerical trouble: a loop
    whose exit is so unlikely that the solve breaks down. It is a
    :class:`~abc_costing.problems.ModelError` like any other reason a model
    cannot be costed.

    >>> str(RoutingError("routing equations are singular"))
    'routing equations are singular'
    """

    def __init__(self, message: str, *, element: str | None = None):
        super().__init__([Problem(message, element=element)])


@dataclass(frozen=True)
class ExpectedExecutions:
    """The solution of the routing equations.

    Attributes:
      node_ids: node ids in the order of ``executions``.
      executions: expected executions per instance, aligned with ``node_ids``.
      by_node: the same as a dict.
      end_probabilities: end event id -> probability of finishing there.
    """

    node_ids: tuple[str, ...]
    executions: np.ndarray
    by_node: dict[str, float]
    end_probabilities: dict[str, float]


_SOURCE, _TARGET = itemgetter(0), itemgetter(1)

#: Up to this many nodes the routing equations are solved as a dense system (LAPACK):
#: exact, about a millisecond, and SciPy (0.2 s to import) is not loaded; larger
#: models are solved with a sparse LU factorisation.
DENSE_NODES = 400


def _solve_dense(n: int, targets: np.ndarray, sources: np.ndarray, weights: np.ndarray,
                 rhs: np.ndarray) -> tuple[np.ndarray, float]:
    system = np.identity(n)
    np.subtract.at(system, (targets, sources), weights)  # repeated flows add up
    with np.errstate(all="ignore"):
        try:
            executions = np.linalg.solve(system, rhs)
        except np.linalg.LinAlgError as err:  # exactly singular
            raise RoutingError(N_("routing equations are singular: {err}", err=err)) from err
        return executions, float(np.abs(system @ executions - rhs).max(initial=0.0))


def _solve_sparse(n: int, targets: np.ndarray, sources: np.ndarray, weights: np.ndarray,
                  rhs: np.ndarray) -> tuple[np.ndarray, float]:
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    transfer = sp.csc_matrix((weights, (targets, sources)), shape=(n, n))
    system = (sp.identity(n, format="csc") - transfer).tocsc()
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error", spla.MatrixRankWarning)
        try:
            executions = spla.spsolve(system, rhs)
        except (RuntimeError, spla.MatrixRankWarning) as err:  # exactly singular
            raise RoutingError(N_("routing equations are singular: {err}", err=err)) from err
        executions = np.atleast_1d(np.asarray(executions, dtype=float))
        return executions, float(np.abs(system @ executions - rhs).max(initial=0.0))


def routing_executions(kinds: Mapping[str, NodeKind], flows: Sequence[Flow]) -> np.ndarray:
    """Expected executions per instance of every node of ``kinds`` (in its order), for a
    routing already known to be valid: the solve of :func:`expected_executions` without
    the validation, for callers that check a model once and then re-route it many times
    (the advisor's candidate moves).

    Raises :class:`RoutingError` when the equations have no finite non-negative solution.

    >>> from abc_costing.model import Flow
    >>> kinds = {"s": "start", "a": "activity", "g": "exclusive", "e": "end"}
    >>> flows = [Flow("s", "a"), Flow("a", "g"), Flow("g", "a", 0.5), Flow("g", "e", 0.5)]
    >>> routing_executions(kinds, flows).tolist()  # a is redone half the time: 1 / (1 - 0.5)
    [1.0, 2.0, 2.0, 1.0]
    """
    node_ids = tuple(kinds)
    n = len(node_ids)
    index = dict(zip(node_ids, range(n), strict=True))
    # Mapped in C over the flows' fields (a flow is a tuple): a generator per flow was
    # most of the setup of a 100,000-activity model's solve.
    where = index.__getitem__
    sources = np.fromiter(map(where, map(_SOURCE, flows)), dtype=np.int64, count=len(flows))
    targets = np.fromiter(map(where, map(_TARGET, flows)), dtype=np.int64, count=len(flows))
    in_degree = np.bincount(targets, minlength=n)

    weights = np.array(
        [1.0 if f.probability is None else f.probability for f in flows], dtype=float
    )
    is_parallel = np.fromiter(map("parallel".__eq__, kinds.values()), dtype=bool, count=n)
    join = is_parallel & (in_degree > 1)
    weights = np.where(join[targets], weights / np.maximum(in_degree[targets], 1), weights)

    start = list(kinds.values()).index("start")
    # Row v of (I - Wᵀ) reads: x[v] - sum_u w(u, v) x[u] = [v is start].
    rhs = np.zeros(n)
    rhs[start] = 1.0
    solve = _solve_dense if n <= DENSE_NODES else _solve_sparse
    executions, residual = solve(n, targets, sources, weights, rhs)
    if not np.all(np.isfinite(executions)) or residual > 1e-6 or executions.min(initial=0) < -1e-9:
        raise RoutingError(N_("routing equations have no finite non-negative solution"))
    return np.clip(executions, 0.0, None)


def expected_executions(model: ProcessModel) -> ExpectedExecutions:
    """Solve the routing equations of a valid ``model`` (see the module docstring).

    A model with case classes is solved once per class (its own probabilities at
    every split) and the solutions are mixed by share: cost is linear in the
    executions, so the mixture's cost is Σ share × the class's cost, exactly.

    Raises :class:`~abc_costing.problems.ModelError` for an invalid model.

    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "case_classes": {"small": {"share": 0.6}, "large": {"share": 0.4}},
    ...     "activities": {"work": {}},
    ...     "gateways": {"merge": {"kind": "exclusive"}, "ok": {"kind": "exclusive"}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "merge"], ["merge", "work"], ["work", "ok"],
    ...               ["ok", "e", {"small": 1, "large": 0.5}],
    ...               ["ok", "merge", {"small": 0, "large": 0.5}]]})
    >>> round(expected_executions(model).by_node["work"], 12)  # 0.6 × 1 + 0.4 × 1 / 0.5
    1.4
    """
    require_valid(model)
    if model.case_classes:
        return _mixed(model)
    kinds = model.node_kinds
    node_ids = tuple(kinds)
    executions = routing_executions(kinds, model.flows)
    by_node = dict(zip(node_ids, executions.tolist(), strict=True))
    end_probabilities = {node_id: by_node[node_id] for node_id, kind in kinds.items()
                         if kind == "end"}
    return ExpectedExecutions(node_ids, executions, by_node, end_probabilities)


def expected_executions_by_class(model: ProcessModel) -> dict[str, ExpectedExecutions]:
    """Class id -> the expected executions of that case class's instances (the
    routing solved with its probabilities); empty for a model without classes.

    Raises :class:`~abc_costing.problems.ModelError` for an invalid model.
    """
    require_valid(model)
    return {class_id: expected_executions(model.for_class(class_id))
            for class_id in model.case_classes}


def _mixed(model: ProcessModel) -> ExpectedExecutions:
    """The executions of a model with case classes: each class's, weighted by its share."""
    by_class = expected_executions_by_class(model)
    node_ids = tuple(model.node_kinds)
    executions = np.zeros(len(node_ids))
    for class_id, routing in by_class.items():
        # Each class's model has the same nodes in the same order (for_class keeps them).
        executions += model.case_classes[class_id].share * routing.executions
    by_node = dict(zip(node_ids, executions.tolist(), strict=True))
    kinds = model.node_kinds
    end_probabilities = {node_id: by_node[node_id] for node_id in node_ids
                         if kinds[node_id] == "end"}
    return ExpectedExecutions(node_ids, executions, by_node, end_probabilities)


def mixed_routing_executions(kinds: Mapping[str, NodeKind], flows: Sequence[Flow],
                             shares: Mapping[str, float]) -> np.ndarray:
    """:func:`routing_executions` for a routing with case classes (``shares``: class id ->
    share; empty for none): each class's solve, mixed by share, without validation.

    >>> from abc_costing.model import Flow
    >>> kinds = {"s": "start", "a": "activity", "g": "exclusive", "e": "end"}
    >>> flows = [Flow("s", "a"), Flow("a", "g"), Flow("g", "a", {"k": 0.5, "m": 0.0}),
    ...          Flow("g", "e", {"k": 0.5, "m": 1.0})]
    >>> mixed_routing_executions(kinds, flows, {"k": 0.4, "m": 0.6}).tolist()  # 0.4×2 + 0.6×1
    [1.0, 1.4, 1.4, 1.0]
    """
    if not shares:
        return routing_executions(kinds, flows)
    executions = np.zeros(len(kinds))
    for class_id, share in shares.items():
        class_flows = [Flow(flow.source, flow.target, flow.for_class(class_id))
                       if isinstance(flow.probability, dict) else flow for flow in flows]
        executions += share * routing_executions(kinds, class_flows)
    return executions
