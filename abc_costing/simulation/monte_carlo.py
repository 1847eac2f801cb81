"""Monte Carlo simulation of cost per instance and cycle time, vectorised over instances.

Every instance is a token walk over the routing graph, exactly as the exact
engine (:mod:`abc_costing.engine.executions`) reasons about it, but sampled:

* each execution of an activity samples every duration from its
  distribution (``fixed``, ``triangular``, ``pert``, ``uniform``,
  ``lognormal``) and costs

      Σ labour minutes × rate per minute + Σ uses × cost per use + other cost;

* its time is its labour plus its ``wait``: several labour roles work on it
  together, so the labour takes the longest role's minutes (each role's
  minutes are still paid); with ``one_of`` one of them does it, the sum of
  the roles' shares. This is the rule of the engine's expected cycle time and
  of the queue simulation. A wait adds elapsed time and no cost;
* an exclusive split picks one flow by its probability, so a rework loop runs
  a geometric number of times; in a model with case classes each instance is
  first given a class (drawn by the classes' shares) and every split uses that
  class's probabilities;
* a parallel split starts every branch; the block costs the sum of its
  branches and its join fires when the last branch arrives, at the latest
  arrival time (the longest branch).

The cycle time of an instance is the elapsed time at which it reaches an end
event; no queueing for people is modelled here (see the queueing simulation).

Design. All instances of a chunk walk together: the state is a set of flat
arrays of *active tokens* (instance, node, elapsed minutes, parallel frame),
and one Python iteration moves every token one node on. Python loops run over
graph steps, never over instances. A parallel split opens a *frame* per token
(a counter of branches still out and the latest arrival time so far), its
branch tokens carry that frame, and the matching join (the split's immediate
post-dominator, which :func:`abc_costing.validation.check_parallel_blocks`
guarantees is a parallel join closing exactly this block) folds their
arrivals with ``np.maximum.at`` and releases one token in the parent frame
when the counter reaches zero. Frames nest, so blocks inside blocks and loops
around or inside blocks need no special case.

Randomness comes only from the :class:`numpy.random.Generator` passed in, so
the same seed gives the same numbers.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v",
...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
...     "activities": {"check": {"labor": {"clerk": {"uniform": [10, 20]}}, "wait": 60}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "check"], ["check", "e"]]})
>>> result = simulate(model, runs=10_000, rng=7)
>>> round(result.cost_per_instance.mean)  # 15 min × 600/60 on average
150
>>> 70 <= result.cycle_time_minutes.p5 <= result.cycle_time_minutes.max <= 80
True
>>> result.seed, result.end_frequencies
(7, {'e': 1.0})
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, assert_never

import networkx as nx
import numpy as np

from abc_costing.i18n import N_
from abc_costing.model import Duration, ProcessModel, routing_graph
from abc_costing.problems import AbcCostingError
from abc_costing.validation import require_valid

__all__ = [
    "MAX_RUNS",
    "CHUNK_RUNS",
    "MAX_STEPS",
    "HISTOGRAM_BINS",
    "SimulationError",
    "Statistics",
    "SimulationResult",
    "simulate",
    "constant_minutes",
    "sample_durations",
]

#: The most instances one call simulates. Two float64 values and an end index
#: are kept per instance for exact percentiles: 10 million instances are about
#: 200 MB, which a laptop holds; more would risk the machine for no insight.
MAX_RUNS = 10_000_000
#: Instances walked together; bounds the memory of the token arrays.
CHUNK_RUNS = 250_000
#: Graph steps after which a walk is abandoned: a loop whose exit is almost
#: never taken would otherwise spin for ever.
MAX_STEPS = 10_000
#: Bins of the histograms in a result.
HISTOGRAM_BINS = 40

# Node codes of the state machine.
_PASS, _ACTIVITY, _CHOICE, _SPLIT, _JOIN, _END = range(6)
# Distribution codes of the sampled components.
_TRIANGULAR, _PERT, _UNIFORM, _LOGNORMAL = range(4)


class SimulationError(AbcCostingError, ValueError):
    """A simulation cannot run as asked (bad run count, a walk that never ends)."""


@dataclass(frozen=True)
class Statistics:
    """Summary of one simulated quantity over all instances.

    Attributes:
      mean, sd: sample mean and standard deviation (``ddof=1``; 0 for one run).
      ci95: ``(lo, hi)``, the 95% confidence interval of the mean,
        mean ± 1.96 · sd / √n.
      p5, p50, p90, p95: percentiles (linear interpolation).
      max: the largest value seen.
      histogram_counts: instances per bin (``HISTOGRAM_BINS`` bins).
      histogram_edges: the bin edges, one more than the counts.
    """

    mean: float
    sd: float
    ci95: tuple[float, float]
    p5: float
    p50: float
    p90: float
    p95: float
    max: float
    histogram_counts: tuple[int, ...]
    histogram_edges: tuple[float, ...]

    @classmethod
    def of(cls, values: np.ndarray) -> Statistics:
        """Summarise ``values`` (one per instance).

        >>> s = Statistics.of(np.array([1.0, 2.0, 3.0, 4.0]))
        >>> s.mean, s.p50, s.max, sum(s.histogram_counts)
        (2.5, 2.5, 4.0, 4)
        """
        n = values.size
        mean = float(values.mean())
        sd = float(values.std(ddof=1)) if n > 1 else 0.0
        half = 1.96 * sd / math.sqrt(n)
        p5, p50, p90, p95 = (float(p) for p in np.percentile(values, [5, 50, 90, 95]))
        counts, edges = np.histogram(values, bins=HISTOGRAM_BINS)
        return cls(mean=mean, sd=sd, ci95=(mean - half, mean + half), p5=p5, p50=p50,
                   p90=p90, p95=p95, max=float(values.max()),
                   histogram_counts=tuple(int(c) for c in counts),
                   histogram_edges=tuple(float(e) for e in edges))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``mean, sd, ci95: [lo, hi], p5, p50, p90, p95, max, histogram``."""
        return {"mean": self.mean, "sd": self.sd, "ci95": list(self.ci95), "p5": self.p5,
                "p50": self.p50, "p90": self.p90, "p95": self.p95, "max": self.max,
                "histogram": {"counts": list(self.histogram_counts),
                              "edges": list(self.histogram_edges)}}


@dataclass(frozen=True)
class SimulationResult:
    """What a Monte Carlo run of one process variant found.

    Attributes:
      process, variant, currency: from the model.
      runs: instances simulated.
      seed: the integer seed, when the random source was given as one.
      cost_per_instance: :class:`Statistics` of money per instance.
      cycle_time_minutes: :class:`Statistics` of elapsed minutes from start to end.
      end_frequencies: end event id -> share of instances finishing there
        (they sum to 1 − truncated / runs).
      truncated: instances cut off after ``MAX_STEPS`` steps in a loop almost
        never left; they count in the figures with what they spent up to the
        cut, so the means are lower bounds (0: every instance ended).
      truncated_loops: the loop each cut-off instance was in (its node ids,
        comma-separated, in file order) -> instances.
    """

    process: str
    variant: str
    currency: str
    runs: int
    seed: int | None
    cost_per_instance: Statistics
    cycle_time_minutes: Statistics
    end_frequencies: dict[str, float]
    truncated: int = 0
    truncated_loops: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The ``simulate --json`` document (numbers unrounded)."""
        return {"runs": self.runs, "seed": self.seed,
                "process": self.process, "variant": self.variant, "currency": self.currency,
                "cost_per_instance": self.cost_per_instance.as_dict(),
                "cycle_time_minutes": self.cycle_time_minutes.as_dict(),
                "end_frequencies": dict(self.end_frequencies),
                "truncated": self.truncated, "truncated_loops": dict(self.truncated_loops)}

    @property
    def truncation_note(self) -> str | None:
        """The truncation in words, or None when every instance ended.

        >>> import dataclasses
        >>> s = Statistics.of(np.array([1.0, 2.0]))
        >>> result = SimulationResult("p", "v", "RUB", 2, 1, s, s, {"e": 0.5}, truncated=1,
        ...                           truncated_loops={"check, redo": 1})
        >>> result.truncation_note
        '1 of 2 instances cut off after 10,000 steps in the loop check, redo (its exits \
are almost never taken): they count with what they spent until then, so the means and \
percentiles are lower bounds'
        """
        if not self.truncated:
            return None
        loops = "; ".join(f"the loop {loop}" + (f" ({n:,})" if len(self.truncated_loops) > 1
                                               else "")
                          for loop, n in self.truncated_loops.items())
        return (f"{self.truncated:,} of {self.runs:,} instances cut off after {MAX_STEPS:,} "
                f"steps in {loops} (its exits are almost never taken): they count with what "
                "they spent until then, so the means and percentiles are lower bounds")


# --- sampling ----------------------------------------------------------------------


def _pert_shape(low: float, mode: float, high: float) -> tuple[float, float]:
    # Beta-PERT with lambda 4: mean (low + 4 mode + high) / 6.
    span = high - low
    return 1.0 + 4.0 * (mode - low) / span, 1.0 + 4.0 * (high - mode) / span


def _lognormal_shape(mean: float, sd: float) -> tuple[float, float]:
    # The file gives the mean and sd of the duration itself, not of its log.
    sigma2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def constant_minutes(duration: Duration) -> float | None:
    """The duration's value when it cannot vary, else None.

    A lognormal is written by its mean and standard deviation, so
    ``{lognormal: {mean: 24, sd: 24}}`` varies although its two numbers are equal.

    >>> constant_minutes(Duration.model_validate({"uniform": [5, 5]}))
    5.0
    >>> constant_minutes(Duration.model_validate({"lognormal": {"mean": 24, "sd": 24}})) is None
    True
    """
    p = duration.parameters
    distribution = duration.distribution
    match distribution:
        case "fixed":
            return p[0]
        case "lognormal":
            return p[0] if p[1] == 0 else None
        case "triangular" | "pert" | "uniform":
            return p[0] if p[0] == p[-1] else None
        case _:
            assert_never(distribution)


def _draw(code: int, p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, p3: np.ndarray,
          rng: np.random.Generator) -> np.ndarray:
    """One draw per row of one distribution; the ``p`` columns are its prepared shape.

    Columns: triangular (low, mode - low, high - low), pert (low, high - low,
    alpha, beta), uniform (low, high - low), lognormal (mu, sigma).
    """
    if code == _UNIFORM:
        return p0 + p1 * rng.random(p0.size)
    if code == _TRIANGULAR:
        # Inverse CDF: cheaper than Generator.triangular with array arguments.
        u = rng.random(p0.size)
        left = u * p2 < p1
        return p0 + np.where(left, np.sqrt(u * p2 * p1), p2 - np.sqrt((1.0 - u) * p2 * (p2 - p1)))
    if code == _PERT:
        return p0 + p1 * rng.beta(p2, p3)
    return np.exp(p0 + p1 * rng.standard_normal(p0.size))


def _draw_scalar(code: int, params: tuple[float, ...], size: int,
                 rng: np.random.Generator) -> np.ndarray:
    """``size`` draws of one prepared distribution (see :func:`_draw` for ``params``)."""
    p0, p1, p2, p3 = params
    if code == _UNIFORM:
        return rng.uniform(p0, p0 + p1, size)
    if code == _TRIANGULAR:
        return rng.triangular(p0, p0 + p1, p0 + p2, size)
    if code == _PERT:
        return p0 + p1 * rng.beta(p2, p3, size)
    return rng.lognormal(p0, p1, size)


def _sample(comp: np.ndarray, machine: _Machine, rng: np.random.Generator) -> np.ndarray:
    """One draw of each varying duration ``comp`` (indexes into the machine's tables)."""
    codes = machine.comp_code[comp]
    out = np.empty(comp.size)
    params = machine.comp_params
    for code in range(4):
        rows = np.flatnonzero(codes == code)
        if rows.size:
            c = comp[rows]
            out[rows] = _draw(code, params[0][c], params[1][c], params[2][c], params[3][c], rng)
    return out


def _prepare(durations: list[Duration]) -> tuple[np.ndarray, np.ndarray]:
    """Distribution codes and shape parameters of non-constant durations."""
    codes = np.empty(len(durations), dtype=np.int8)
    params = np.zeros((len(durations), 4))
    for i, d in enumerate(durations):
        p = d.parameters
        distribution = d.distribution
        match distribution:
            case "triangular":
                codes[i], params[i, :3] = _TRIANGULAR, (p[0], p[1] - p[0], p[2] - p[0])
            case "pert":
                codes[i] = _PERT
                params[i] = (p[0], p[2] - p[0], *_pert_shape(*p))
            case "uniform":
                codes[i], params[i, :2] = _UNIFORM, (p[0], p[1] - p[0])
            case "lognormal":
                codes[i], params[i, :2] = _LOGNORMAL, _lognormal_shape(*p)
            case "fixed":
                raise AssertionError("a fixed duration is constant: constant_minutes takes it")
            case _:
                assert_never(distribution)
    # One contiguous array per parameter: gathers of 1-D columns are the fast kind.
    return codes, np.ascontiguousarray(params.T)


def sample_durations(duration: Duration, *, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` draws of one duration, in minutes (what the simulation uses).

    >>> d = Duration.model_validate({"pert": [10, 20, 60]})
    >>> draws = sample_durations(d, size=100_000, rng=np.random.default_rng(1))
    >>> bool(abs(draws.mean() - d.mean_minutes) < 0.2), bool(draws.min() >= 10)
    (True, True)
    """
    constant = constant_minutes(duration)
    if constant is not None:
        return np.full(size, constant)
    codes, params = _prepare([duration])
    p0, p1, p2, p3 = (np.full(size, column[0]) for column in params)
    return _draw(int(codes[0]), p0, p1, p2, p3, rng=rng)


# --- the routing as arrays ------------------------------------------------------------


@dataclass(frozen=True)
class _Machine:
    """The model compiled into the arrays the token walk indexes."""

    code: np.ndarray          # node -> _PASS, _ACTIVITY, ...
    next_node: np.ndarray     # node -> its one successor (-1 when not one)
    choice_target: np.ndarray  # flat: the target of each flow out of a choice
    choice_rank: np.ndarray   # node -> rank among exclusive splits
    choice_first: np.ndarray  # node -> index of its first flow in choice_*
    choice_bound: np.ndarray  # class × flat: cumulative probability within the choice
    #                           (last: 2); one row when the model has no case classes
    class_shares: np.ndarray  # the case classes' shares (empty: no classes)
    choice_width: int         # the most flows out of one exclusive split
    split_start: np.ndarray   # node -> offset of its branches in split_target
    split_count: np.ndarray   # node -> branches of a parallel split
    split_target: np.ndarray
    split_width: int          # the most branches of one parallel split
    split_narrowest: int      # the fewest branches of one parallel split
    chain_end: np.ndarray     # chain start -> the decision node it reaches
    fixed_cost: np.ndarray    # chain start -> cost of the chain that does not vary
    fixed_minutes: np.ndarray  # chain start -> elapsed minutes that do not vary
    comp_start: np.ndarray    # chain start -> offset of its varying durations
    comp_count: np.ndarray    # chain start -> how many varying durations
    comp_code: np.ndarray     # component -> distribution code
    comp_params: np.ndarray   # component -> shape parameters
    comp_rate: np.ndarray     # component -> money per minute (0 for a wait)
    # chain start -> its varying durations: (code, parameters, money per minute, mark of
    # a role working together with others, see _together)
    chain_draws: tuple[tuple[tuple[int, tuple[float, ...], float, _Together | None], ...], ...]
    sort_dtype: type          # the smallest int type holding a node index
    start: int
    end_ids: tuple[str, ...]
    end_rank: np.ndarray      # node -> rank among end events


#: A varying labour role of an activity whose roles work together: whether it is the
#: first and the last varying role of the activity, and the longest constant role's minutes.
_Together = tuple[bool, bool, float]


def _together(k: int, count: int, least: float) -> _Together:
    """The mark of the ``k``-th of ``count`` varying roles working together, the longest
    constant role taking ``least`` minutes."""
    return (k == 0, k == count - 1, least)


def _compile(model: ProcessModel, graph: nx.DiGraph) -> _Machine:
    kinds = model.node_kinds
    node_ids = list(kinds)
    index = {n: i for i, n in enumerate(node_ids)}
    n = len(node_ids)
    classes: list[str | None] = [*model.case_classes] or [None]
    succ: list[list[tuple[int, np.ndarray]]] = [[] for _ in range(n)]
    for flow in model.flows:
        # One probability per case class (None: the model has none); 1 off a choice.
        chances = [flow.for_class(c) if c is not None else flow.probability for c in classes]
        succ[index[flow.source]].append((index[flow.target], np.array(
            [1.0 if p is None else p for p in chances], dtype=float)))

    code = np.full(n, _PASS, dtype=np.int8)
    next_node = np.full(n, -1, dtype=np.int64)
    choice_rank = np.full(n, -1, dtype=np.int64)
    split_start = np.zeros(n, dtype=np.int64)
    split_count = np.zeros(n, dtype=np.int64)
    end_rank = np.full(n, -1, dtype=np.int64)
    choice_first = np.full(n, -1, dtype=np.int64)
    bound: list[np.ndarray] = []
    targets: list[int] = []
    last: list[int] = []
    split_target: list[int] = []
    end_ids: list[str] = []
    for i, node_id in enumerate(node_ids):
        kind, out = kinds[node_id], succ[i]
        match kind:
            case "end":
                code[i], end_rank[i] = _END, len(end_ids)
                end_ids.append(node_id)
            case "exclusive" if len(out) > 1:
                code[i], choice_rank[i] = _CHOICE, len(last)
                # Per class, within the validator's tolerance of 1.
                total = np.sum([p for _, p in out], axis=0)
                running = np.zeros(len(classes))
                choice_first[i] = len(bound)
                for target, p in out:
                    running = running + p / total
                    bound.append(np.minimum(running, 1.0))
                    targets.append(target)
                bound[-1] = np.full(len(classes), 2.0)
                last.append(len(bound) - 1)
            case "parallel" if len(out) > 1:
                code[i], split_start[i], split_count[i] = _SPLIT, len(split_target), len(out)
                split_target.extend(t for t, _ in out)
            case "parallel" if graph.in_degree(node_id) > 1:
                code[i], next_node[i] = _JOIN, out[0][0]
            case "activity":
                code[i], next_node[i] = _ACTIVITY, out[0][0]
            case "start" | "exclusive" | "parallel":  # one way on: passed through at no cost
                code[i], next_node[i] = _PASS, out[0][0]
            case _:
                assert_never(kind)

    prices = {r: res.unit_costs for r, res in model.resources.items()}
    rate = {r: price.rate_per_minute for r, price in prices.items()}
    per_use = {r: price.cost_per_use for r, price in prices.items()}
    # What one execution of each activity costs and takes: a constant part and
    # the durations that vary, each with the money one of its minutes costs.
    # Several labour roles of one activity work together (its time is the longest
    # role's), unless any one of them does it (``one_of``: the shares' sum, as the
    # engine's expected cycle time and the queue simulation take it). The varying
    # roles of a together activity carry a mark: their place in the group and the
    # longest constant role's minutes, the least the activity can take.
    activity_fixed: dict[int, tuple[float, float]] = {}
    activity_random: dict[int, list[tuple[Duration, float, _Together | None]]] = {}
    for activity_id, activity in model.activities.items():
        money = activity.other_cost + sum(units * per_use[r] for r, units in activity.uses.items())
        minutes = 0.0
        together = len(activity.labor) > 1 and not activity.one_of
        longest_constant = 0.0
        roles: list[tuple[Duration, float]] = []
        for r, duration in activity.labor.items():
            constant = constant_minutes(duration)
            if constant is None:
                roles.append((duration, rate[r]))
                continue
            money += constant * rate[r]
            if together:
                longest_constant = max(longest_constant, constant)
            else:
                minutes += constant
        varying: list[tuple[Duration, float, _Together | None]] = [
            (d, money_per_minute,
             _together(k, len(roles), longest_constant) if together else None)
            for k, (d, money_per_minute) in enumerate(roles)]
        if together and not roles:
            minutes += longest_constant
        wait = constant_minutes(activity.wait)
        if wait is None:
            varying.append((activity.wait, 0.0, None))
        else:
            minutes += wait
        activity_fixed[index[activity_id]] = (money, minutes)
        activity_random[index[activity_id]] = varying

    # A token moves from one decision (choice, split, join, end) to the next in
    # one step: the run of activities and pass-through gateways between them
    # has a single way through, so it is sampled as one chain. Every token
    # position is the first node of a chain; ``chain_end`` is the decision it
    # reaches.
    fixed_cost = np.zeros(n)
    fixed_minutes = np.zeros(n)
    chain_end = np.empty(n, dtype=np.int64)
    comp_start = np.zeros(n, dtype=np.int64)
    comp_count = np.zeros(n, dtype=np.int64)
    components: list[Duration] = []
    comp_rate: list[float] = []
    comp_together: list[_Together | None] = []
    starts = {next(index[e] for e, ev in model.events.items() if ev.kind == "start"),
              *targets, *split_target, *next_node[code == _JOIN].tolist()}
    for i in sorted(starts):
        comp_start[i] = len(components)
        w, seen = i, 0
        while code[w] in (_PASS, _ACTIVITY):
            if code[w] == _ACTIVITY:
                money, minutes = activity_fixed[w]
                fixed_cost[i] += money
                fixed_minutes[i] += minutes
                for duration, money_per_minute, mark in activity_random[w]:
                    components.append(duration)
                    comp_rate.append(money_per_minute)
                    comp_together.append(mark)
            w, seen = int(next_node[w]), seen + 1
            if seen > n:  # the validator rules this out: a cycle with no exit
                raise SimulationError(N_("{node_ids!r} starts a loop with no way out",
                                         node_ids=node_ids[i]))
        chain_end[i] = w
        comp_count[i] = len(components) - comp_start[i]
    comp_code, comp_params = _prepare(components)
    start = next(index[e] for e, ev in model.events.items() if ev.kind == "start")
    chain_draws = tuple(
        tuple((int(comp_code[c]), tuple(float(v) for v in comp_params[:, c]), comp_rate[c],
               comp_together[c])
              for c in range(comp_start[i], comp_start[i] + comp_count[i]))
        for i in range(n))
    return _Machine(chain_end=chain_end, chain_draws=chain_draws,
                    sort_dtype=np.int16 if n < 2**15 else np.int32,
        code=code, next_node=next_node,
        choice_target=np.array(targets, dtype=np.int64), choice_rank=choice_rank,
        choice_first=choice_first,
        choice_bound=np.array(bound).reshape(-1, len(classes)).T.copy(),
        class_shares=np.array([c.share for c in model.case_classes.values()], dtype=float),
        choice_width=max((len(succ[i]) for i in range(n) if code[i] == _CHOICE), default=1),
        split_start=split_start, split_count=split_count,
        split_target=np.array(split_target, dtype=np.int64),
        split_width=int(split_count.max()),
        split_narrowest=int(split_count[code == _SPLIT].min(initial=split_count.max())),
        fixed_cost=fixed_cost, fixed_minutes=fixed_minutes,
        comp_start=comp_start, comp_count=comp_count, comp_code=comp_code,
        comp_params=comp_params, comp_rate=np.array(comp_rate),
        start=start, end_ids=tuple(end_ids), end_rank=end_rank)


class _Frames:
    """Open parallel blocks of a chunk: parent frame, branches still out, latest arrival."""

    def __init__(self) -> None:
        self.size = 0
        self.parent = np.empty(1024, dtype=np.int64)
        self.remaining = np.empty(1024, dtype=np.int64)
        self.latest = np.empty(1024)

    def open(self, parent: np.ndarray, branches: np.ndarray) -> np.ndarray:
        m = parent.size
        if self.size + m > self.parent.size:
            capacity = max(2 * self.parent.size, self.size + m)
            for name in ("parent", "remaining", "latest"):
                grown = np.empty(capacity, dtype=getattr(self, name).dtype)
                grown[: self.size] = getattr(self, name)[: self.size]
                setattr(self, name, grown)
        lo, hi = self.size, self.size + m
        self.parent[lo:hi], self.remaining[lo:hi], self.latest[lo:hi] = parent, branches, -np.inf
        self.size = hi
        return np.arange(lo, hi)


def _walk(machine: _Machine, runs: int, rng: np.random.Generator
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cost, cycle minutes and end rank of ``runs`` instances walked together, and
    where the tokens still walking after ``MAX_STEPS`` steps were cut off.

    A cut-off instance keeps the cost and elapsed minutes of its first
    ``MAX_STEPS`` steps and the end rank -1; the last array holds, per
    instance cut off, the node one of its tokens had reached (empty when every
    instance ended).
    """
    m = machine
    cost = np.zeros(runs)
    cycle = np.zeros(runs)
    end = np.full(runs, -1, dtype=np.int64)
    frames = _Frames()
    # Every token sits at the first node of a chain (see _compile).
    inst = np.arange(runs)
    node = np.full(runs, m.start, dtype=np.int64)
    clock = np.zeros(runs)
    frame = np.full(runs, -1, dtype=np.int64)
    # Each instance's case class, drawn once; no draw without classes (so a
    # seed gives the numbers it gave before classes existed).
    klass = (rng.choice(m.class_shares.size, size=runs, p=m.class_shares / m.class_shares.sum())
             if m.class_shares.size else np.zeros(runs, dtype=np.int64))
    for _step in range(MAX_STEPS):
        if inst.size == 0:
            return cost, cycle, end, inst
        # Run every token's chain: its constant part, then one draw per varying duration.
        spent = m.fixed_cost[node]  # a copy: fancy indexing
        clock += m.fixed_minutes[node]
        varying = np.flatnonzero(m.comp_count[node])
        if varying.size:
            # Group the tokens by chain (a radix sort on small ints) and draw each
            # varying duration for its whole group with scalar parameters.
            order = varying[np.argsort(node[varying].astype(m.sort_dtype), kind="stable")]
            grouped = node[order]
            cut = np.flatnonzero(grouped[1:] != grouped[:-1]) + 1
            money = np.zeros(order.size)
            minutes = np.zeros(order.size)
            for lo, hi in zip(np.r_[0, cut].tolist(), np.r_[cut, order.size].tolist(),
                              strict=True):
                longest = np.zeros(0)
                for draw_code, params, money_per_minute, mark in m.chain_draws[int(grouped[lo])]:
                    x = _draw_scalar(draw_code, params, hi - lo, rng)
                    money[lo:hi] += x * money_per_minute
                    if mark is None:
                        minutes[lo:hi] += x
                        continue
                    # Roles working together: the activity takes the longest one's time.
                    opens_group, closes_group, least = mark
                    longest = np.maximum(x, least) if opens_group else np.maximum(longest, x)
                    if closes_group:
                        minutes[lo:hi] += longest
            spent[order] += money
            clock[order] += minutes
        np.add.at(cost, inst, spent)

        node = m.chain_end[node]
        code = m.code[node]
        new_inst, new_node, new_clock, new_frame = [], [], [], []

        at = np.flatnonzero(code == _CHOICE)
        if at.size:
            # The first flow whose cumulative probability exceeds u; the last flow
            # of each choice has a bound of 2, so a token never walks past it.
            u = rng.random(at.size)
            flat = m.choice_first[node[at]]
            row = klass[inst[at]]
            for _ in range(m.choice_width - 1):
                flat += m.choice_bound[row, flat] <= u
            new_inst.append(inst[at])
            new_node.append(m.choice_target[flat])
            new_clock.append(clock[at])
            new_frame.append(frame[at])

        at = np.flatnonzero(code == _SPLIT)
        if at.size:
            branches = m.split_count[node[at]]
            opened = frames.open(frame[at], branches)
            first = m.split_start[node[at]]
            # Branch by branch: the k-th branch of every split that has one.
            for k in range(m.split_width):
                if k >= m.split_narrowest:
                    has = np.flatnonzero(branches > k)
                    at, branches, first, opened = at[has], branches[has], first[has], opened[has]
                new_inst.append(inst[at])
                new_node.append(m.split_target[first + k])
                new_clock.append(clock[at])
                new_frame.append(opened)

        at = np.flatnonzero(code == _JOIN)
        if at.size:
            f = frame[at]
            np.maximum.at(frames.latest, f, clock[at])
            np.subtract.at(frames.remaining, f, 1)
            # Tokens whose frame has no branch left out; when several of one frame
            # arrive together, one of them (the last written) carries the block on.
            # A spent frame's counter is free, so it records that token (no sort).
            last = at[frames.remaining[f] == 0]
            done = frame[last]
            frames.remaining[done] = -1 - last
            first = last[frames.remaining[done] == -1 - last]
            done = frame[first]
            new_inst.append(inst[first])
            new_node.append(m.next_node[node[first]])
            new_clock.append(frames.latest[done])
            new_frame.append(frames.parent[done])

        at = np.flatnonzero(code == _END)
        if at.size:
            finished = inst[at]
            cycle[finished] = clock[at]
            end[finished] = m.end_rank[node[at]]

        if not new_inst:
            inst = inst[:0]
            continue
        inst, node = np.concatenate(new_inst), np.concatenate(new_node)
        clock, frame = np.concatenate(new_clock), np.concatenate(new_frame)
    # A loop almost never left: the instances still walking keep what they spent
    # so far (the latest branch's clock as their elapsed time) and are reported.
    np.maximum.at(cycle, inst, clock)
    _, first = np.unique(inst, return_index=True)
    return cost, cycle, end, node[first]


def simulate(model: ProcessModel, *, runs: int,
             rng: np.random.Generator | int) -> SimulationResult:
    """Simulate ``runs`` instances of a valid ``model``; see the module docstring.

    ``rng`` is a :class:`numpy.random.Generator`, or an integer seed (then
    recorded in the result). Instances are walked in chunks of ``CHUNK_RUNS``
    and every per-instance value is kept, so percentiles are exact.

    Raises :class:`SimulationError` for a run count outside 1..``MAX_RUNS``
    and :class:`~abc_costing.problems.ModelError` for an invalid model.

    >>> try:
    ...     simulate(None, runs=0, rng=1)
    ... except SimulationError as error:
    ...     print(error)
    runs must be a whole number from 1 to 10,000,000, got 0
    """
    if isinstance(runs, bool) or not isinstance(runs, int | np.integer) \
            or not 1 <= runs <= MAX_RUNS:
        raise SimulationError(
            N_("runs must be a whole number from 1 to {max_runs:,}, got {runs!r}",
               max_runs=MAX_RUNS, runs=runs))
    seed: int | None = None
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        seed, rng = int(rng), np.random.default_rng(int(rng))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator or an int seed, got {rng!r}")
    require_valid(model)
    machine = _compile(model, routing_graph(model))

    runs = int(runs)
    cost = np.empty(runs)
    cycle = np.empty(runs)
    end = np.empty(runs, dtype=np.int64)
    cut_nodes: list[np.ndarray] = []
    # Each chunk draws from its own child generator, so a seed gives the same
    # numbers however many threads walk the chunks; numpy releases the GIL in
    # its array work, so two cores walk two chunks at once.
    begins = range(0, runs, CHUNK_RUNS)
    children = rng.spawn(len(begins))

    def walk_chunk(chunk: int) -> None:
        begin = begins[chunk]
        stop = min(begin + CHUNK_RUNS, runs)
        cost[begin:stop], cycle[begin:stop], end[begin:stop], cut = _walk(
            machine, stop - begin, children[chunk])
        cut_nodes.append(cut)

    workers = min(len(begins), os.cpu_count() or 1)
    if workers == 1:
        for chunk in range(len(begins)):
            walk_chunk(chunk)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(walk_chunk, range(len(begins))))
    frequencies = np.bincount(end[end >= 0], minlength=len(machine.end_ids)) / runs
    return SimulationResult(
        process=model.process, variant=model.variant, currency=model.currency,
        runs=runs, seed=seed,
        cost_per_instance=Statistics.of(cost),
        cycle_time_minutes=Statistics.of(cycle),
        end_frequencies=dict(zip(machine.end_ids, frequencies.tolist(), strict=True)),
        truncated=int(np.count_nonzero(end < 0)),
        truncated_loops=_loops_of(model, np.concatenate(cut_nodes)))


def _loops_of(model: ProcessModel, nodes: np.ndarray) -> dict[str, int]:
    """Cut-off instances per loop: the routing's cycle (strongly connected part)
    holding the node each had reached, named by its node ids in file order."""
    if not nodes.size:
        return {}
    node_ids = list(model.node_kinds)
    graph = routing_graph(model)
    loop_of: dict[str, str] = {}
    for part in nx.strongly_connected_components(graph):
        name = ", ".join(n for n in node_ids if n in part)
        for n in part:
            loop_of[n] = name
    counts: dict[str, int] = {}
    for index, n in zip(*np.unique(nodes, return_counts=True), strict=True):
        name = loop_of[node_ids[int(index)]]
        counts[name] = counts.get(name, 0) + int(n)
    return counts
