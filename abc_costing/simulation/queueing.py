"""Queues: a discrete-event simulation of many instances sharing people.

The exact engine answers "what does one instance cost"; this module answers
"how long does it take when a hundred of them compete for the same lawyer".
Event-driven in SimPy's manner (one clock, a heap of timed events, ties in the
order they were scheduled): every instance is a token walking the routing
graph, every labour pool has one server per person, first come first served.
It uses plain callbacks instead of SimPy's generator processes and request
objects: the same semantics (a SimPy version gave bit-identical results on the
benchmark model) at under half the time per case, which the 20× target against
Prosimos needs (``bench/bench_prosimos.py``).

Assumptions (each one a choice; change them here, not in callers):

* **One clock of working minutes.** The clock counts working time only: a
  working day is ``hours_per_day × 60`` minutes and the next day starts where
  the last one ended, so queues carry over night and weekend. ``wait``
  minutes (the client thinking it over, delivery) elapse on the same clock,
  i.e. in working minutes. Cycle times are therefore working minutes too.
* **Arrivals.** ``volume_per_year`` is spread evenly over ``12 ×
  days_per_month`` working days a year: the rate is ``volume_per_year /
  (12 × days_per_month)`` instances per working day. ``arrivals="poisson"``
  draws exponential gaps (a Poisson stream); ``"regular"`` spaces arrivals
  exactly ``1 / rate`` apart.
* **Routing.** Exclusive splits pick a flow by its probability; loops are
  followed as often as the draws say; a parallel split starts one
  token per branch and continues at its join (the split's immediate
  post-dominator) once all branches have arrived there.
* **Resources.** A labour pool has ``headcount`` servers (the record's
  ``headcount``; 1 when it has none). A fractional headcount (2.5) gets
  ``ceil`` servers, each available ``headcount / servers`` of the day. A pool
  is also away for part of each day when its own calendar is shorter than the
  simulated day or it has an ``unproductive_share``: each server takes one
  daily absence of ``(1 - available_share) × day`` minutes, where
  ``available_share = min(1, hours_per_day_r / hours_per_day) ×
  min(1, days_per_month_r / days_per_month) × (1 - unproductive_share) ×
  headcount / servers``. Absences go ahead of the queue but never interrupt a
  task (the person finishes it first). Capacity is not derived from
  ``capacity_hours_per_month``: that figure prices an hour, it does not say how
  many people there are.
* **Activities.** An activity requests all of its labour resources at once
  (each queue is FCFS; requests made at the same moment never deadlock) and
  starts when it holds all of them. Each resource is then held for its own
  sampled minutes and released; the activity lasts as long as the longest.
  Then its ``wait`` elapses with no resource held. A resource reserved while
  the activity waits for its other resources is not counted busy.
* **Warm-up and end.** Instances arriving in the first ``warmup_days`` are
  simulated but not reported: the system starts empty. Arrivals stop at
  ``days``; the simulation runs on until every reported instance has finished
  (so long instances are not censored out of the cycle time and cost), for at
  most another ``days``; instances still running then are counted as
  ``unfinished``. Utilization and work in progress are measured over the
  window from ``warmup_days`` to ``days`` only.
* **Cost.** An instance costs what its executed activities cost with the
  sampled minutes (minutes × rate + uses × cost per use + other cost); waiting
  in a queue is not priced, so the mean converges to
  :func:`abc_costing.engine.cost_model`'s figure.

Examples
--------
>>> import numpy as np
>>> from abc_costing.model import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v",
...     "volume_per_year": 2520,                  # 10 a day over 12 × 21 days
...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
...     "activities": {"check": {"labor": {"clerk": 24}}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "check"], ["check", "e"]]})
>>> result = simulate_queues(model, days=200, rng=np.random.default_rng(1))
>>> result.arrivals_per_day
10.0
>>> result.cost_per_instance_mean                 # 24 min × 600 / 60, queues cost nothing
240.0
>>> clerk = result.resource("clerk")
>>> round(clerk.offered_load, 3), clerk.overloaded  # 10 × 24 / 480 minutes a day
(0.5, False)
>>> 0.45 < clerk.utilization < 0.55
True
"""

from __future__ import annotations

import bisect
import gc
import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, assert_never

import networkx as nx
import numpy as np

from abc_costing.engine import cost_model
from abc_costing.model import (
    Duration,
    LaborResource,
    NodeKind,
    PerUseResource,
    ProcessModel,
    routing_graph,
)
from abc_costing.simulation.monte_carlo import constant_minutes, sample_durations
from abc_costing.validation import require_valid

__all__ = [
    "ARRIVALS",
    "ActivityQueue",
    "ResourceQueue",
    "QueueResult",
    "simulate_queues",
]

#: Arrival streams :func:`simulate_queues` knows.
ARRIVALS = ("poisson", "regular")

# Draws are taken from the generator in blocks: one numpy call per scalar
# costs ~1 µs, a block of 512 about the same in total.
_BLOCK = 512


@dataclass(frozen=True)
class ActivityQueue:
    """How long one activity waits for its people.

    Attributes:
      id, name: as in the model (``name`` falls back to ``id``).
      executions: executions by the reported instances.
      mean_queue_minutes: mean working minutes from asking for the resources
        to holding all of them (0 for an activity with no labour).
      max_queue_minutes: the longest such wait.
    """

    id: str
    name: str
    executions: int
    mean_queue_minutes: float
    max_queue_minutes: float


@dataclass(frozen=True)
class ResourceQueue:
    """How busy one labour pool is.

    Attributes:
      id, name: as in the model.
      servers: people simulated (``ceil(headcount)``, 1 without a headcount).
      available_share: share of each working day a server is available.
      busy_minutes: minutes of work done in the measured window, all servers.
      utilization: busy_minutes / (servers × window minutes).
      utilization_of_available: utilization / available_share.
      offered_load: the load the arrivals bring, analytically: arrivals per
        minute × expected minutes per instance / (servers × available_share).
      overloaded: offered_load ≥ 1; the queue then has no steady state and grows
        with the simulated days.
    """

    id: str
    name: str
    servers: int
    available_share: float
    busy_minutes: float
    utilization: float
    utilization_of_available: float
    offered_load: float
    overloaded: bool


@dataclass(frozen=True)
class QueueResult:
    """What :func:`simulate_queues` measured.

    Attributes:
      process, variant, currency: from the model.
      arrivals: ``poisson`` or ``regular``.
      days, warmup_days: simulated working days and the unreported first ones.
      hours_per_day, days_per_month: the simulated working calendar.
      arrivals_per_day: volume_per_year / (12 × days_per_month).
      instances: instances that arrived after the warm-up (the reported ones).
      completed: reported instances that finished.
      unfinished: reported instances still running when the simulation stopped.
      work_in_progress: time-average number of instances in the system
        (all of them, warm-up arrivals included) over the measured window.
      cycle_time_minutes: ``mean``, ``p50``, ``p90``, ``p95`` of working minutes
        from arrival to end, queues included, over completed instances
        (``None`` when none completed).
      cost_per_instance_mean: mean cost of the completed instances.
      activities: one :class:`ActivityQueue` per activity, in file order.
      resources: one :class:`ResourceQueue` per labour resource, in file order.
    """

    process: str
    variant: str
    currency: str
    arrivals: str
    days: float
    warmup_days: float
    hours_per_day: float
    days_per_month: float
    arrivals_per_day: float
    instances: int
    completed: int
    unfinished: int
    work_in_progress: float
    cycle_time_minutes: dict[str, float | None]
    cost_per_instance_mean: float | None
    activities: tuple[ActivityQueue, ...]
    resources: tuple[ResourceQueue, ...]

    def activity(self, activity_id: str) -> ActivityQueue:
        """The queue figures of one activity, by id."""
        for activity in self.activities:
            if activity.id == activity_id:
                return activity
        raise KeyError(activity_id)

    def resource(self, resource_id: str) -> ResourceQueue:
        """The load figures of one labour resource, by id."""
        for resource in self.resources:
            if resource.id == resource_id:
                return resource
        raise KeyError(resource_id)

    @property
    def overloaded(self) -> tuple[str, ...]:
        """Ids of the overloaded resources."""
        return tuple(r.id for r in self.resources if r.overloaded)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (numbers unrounded)."""
        return asdict(self)


# --- random draws -----------------------------------------------------------------


def _sampler(duration: Duration, rng: np.random.Generator) -> Callable[[], float]:
    """A function returning one draw of ``duration`` per call (minutes, ≥ 0).

    The draws are the Monte Carlo simulation's own (:func:`sample_durations`),
    taken a block at a time; only a duration that cannot vary is a constant.
    """
    constant = constant_minutes(duration)
    if constant is not None:
        return lambda: constant
    return _stream(lambda: sample_durations(duration, size=_BLOCK, rng=rng))


def _stream(block: Callable[[], np.ndarray]) -> Callable[[], float]:
    values: Iterator[float] = iter(())

    def draw() -> float:
        nonlocal values
        try:
            return next(values)
        except StopIteration:
            values = iter(block().tolist())
            return next(values)

    return draw


# --- the routing, prepared once ---------------------------------------------------


def _parallel_joins(graph: nx.DiGraph, kinds: Mapping[str, NodeKind]) -> dict[str, str]:
    """Parallel split -> its join: the split's immediate post-dominator."""
    splits = [n for n, k in kinds.items() if k == "parallel" and graph.out_degree(n) > 1]
    if not splits:
        return {}
    sink = ("__sink__",)
    reverse = nx.DiGraph()
    reverse.add_nodes_from(graph)
    reverse.add_edges_from((v, u) for u, v in graph.edges)
    reverse.add_edges_from((sink, n) for n, k in kinds.items() if k == "end")
    post_dominator = nx.immediate_dominators(reverse, sink)
    return {split: post_dominator[split] for split in splits}


@dataclass(frozen=True)
class _Work:
    """One activity ready to simulate."""

    index: int
    pools: tuple[int, ...]
    minutes: tuple[Callable[[], float], ...]
    rates: tuple[float, ...]
    fixed_cost: float
    wait: Callable[[], float] | None
    onwards: str


class _Pool:
    """A labour pool: free servers, then absences, then work waiting in arrival order."""

    __slots__ = ("free", "absences", "waiting")

    def __init__(self, servers: int) -> None:
        self.free = servers
        self.absences: deque[float] = deque()
        self.waiting: deque[_Request] = deque()


class _Case:
    """One process instance."""

    __slots__ = ("arrived", "reported", "cost")

    def __init__(self, arrived: float, reported: bool) -> None:
        self.arrived, self.reported, self.cost = arrived, reported, 0.0


class _Token:
    """Where a case (or one branch of a parallel block) is; ``join`` is its block's end."""

    __slots__ = ("case", "stop", "block")

    def __init__(self, case: _Case, stop: str | None, block: _Block | None) -> None:
        self.case, self.stop, self.block = case, stop, block


class _Block:
    """A parallel block being run: the token that waits at the join, branches still out."""

    __slots__ = ("token", "join", "remaining")

    def __init__(self, token: _Token, join: str, remaining: int) -> None:
        self.token, self.join, self.remaining = token, join, remaining


class _Request:
    """An activity execution asking for its resources."""

    __slots__ = ("token", "activity", "minutes", "asked", "missing")

    def __init__(self, token: _Token, activity: str, minutes: list[float], asked: float,
                 missing: int) -> None:
        self.token, self.activity, self.minutes = token, activity, minutes
        self.asked, self.missing = asked, missing


class _Simulation:
    """One run: a heap of timed callbacks, the pools, the cases and the tallies.

    The design of SimPy's core (a clock and a heap of events in time order, ties
    in the order they were scheduled) with callbacks in place of generator
    processes and request objects; see the module docstring.
    """

    def __init__(self, model: ProcessModel, *, rng: np.random.Generator, day_minutes: float,
                 window: tuple[float, float], pools: list[tuple[str, int, float]]) -> None:
        self.now = 0.0
        self.heap: list[tuple[float, int, Callable[[Any], None], Any]] = []
        self.sequence = itertools.count()
        self.day_minutes = day_minutes
        self.window_start, self.window_end = window
        self.horizon = 2.0 * self.window_end  # the latest the run may go on to
        graph = routing_graph(model)
        self.kinds = model.node_kinds
        self.successors = {n: list(graph.successors(n)) for n in graph}
        self.joins = _parallel_joins(graph, self.kinds)
        self.choices: dict[str, tuple[list[str], list[float]]] = {}
        for node, targets in self.successors.items():
            if self.kinds[node] == "exclusive" and len(targets) > 1:
                cumulative = np.cumsum([graph.edges[node, t]["probability"] for t in targets])
                self.choices[node] = (targets, (cumulative / cumulative[-1]).tolist())
        self.uniform = _stream(lambda: rng.random(_BLOCK))
        self.start = next(n for n, k in self.kinds.items() if k == "start")

        pool_index = {resource_id: i for i, (resource_id, _, _) in enumerate(pools)}
        self.pools = [_Pool(servers) for _, servers, _ in pools]
        self.busy_minutes = [0.0] * len(pools)
        self.work: dict[str, _Work] = {}
        for index, (activity_id, activity) in enumerate(model.activities.items()):
            labor = list(activity.labor.items())
            uses = sum(count * model.resources[r].unit_costs.cost_per_use
                       for r, count in activity.uses.items())
            self.work[activity_id] = _Work(
                index=index,
                pools=tuple(pool_index[r] for r, _ in labor),
                minutes=tuple(_sampler(d, rng) for _, d in labor),
                rates=tuple(model.resources[r].unit_costs.rate_per_minute for r, _ in labor),
                fixed_cost=uses + activity.other_cost,
                wait=(None if activity.wait.mean_minutes == 0
                      else _sampler(activity.wait, rng)),
                onwards=self.successors[activity_id][0],
            )
        n_act = len(model.activities)
        self.executions = [0] * n_act
        self.queue_total = [0.0] * n_act
        self.queue_max = [0.0] * n_act
        self.cycle_minutes: list[float] = []
        self.costs: list[float] = []
        self.reported = 0
        self.pending = 0
        self.in_system = 0
        self.last_change = 0.0
        self.area = 0.0
        for p, (_, servers, share) in enumerate(pools):
            if share < 1.0:
                away = (1.0 - share) * day_minutes
                for k in range(servers):
                    # Staggered, so that a pool is never all away at once.
                    self.at(day_minutes * k / servers, self._absence, (p, away))

    # -- the clock
    def at(self, time: float, callback: Callable[[Any], None], argument: Any) -> None:
        heapq.heappush(self.heap, (time, next(self.sequence), callback, argument))

    def run(self, until: float, *, while_pending: bool = False) -> None:
        heap, pop = self.heap, heapq.heappop
        while heap and heap[0][0] <= until:
            if while_pending and not self.pending:
                return
            self.now, _, callback, argument = pop(heap)
            callback(argument)

    # -- tallies
    def _overlap(self, begin: float, end: float) -> float:
        return max(0.0, min(end, self.window_end) - max(begin, self.window_start))

    def count(self, change: int) -> None:
        now = self.now
        self.area += self.in_system * self._overlap(self.last_change, now)
        self.in_system += change
        self.last_change = now

    # -- arrivals and routing
    def start_arrivals(self, gap: Callable[[], float]) -> None:
        self.gap = gap
        self.at(gap(), self._arrive, None)

    def _arrive(self, _: None) -> None:
        now = self.now
        following = now + self.gap()
        if following < self.window_end:
            self.at(following, self._arrive, None)
        reported = now >= self.window_start
        if reported:
            self.reported += 1
            self.pending += 1
        self.count(+1)
        self.advance(_Token(_Case(now, reported), None, None), self.successors[self.start][0])

    def advance(self, token: _Token, node: str) -> None:
        """Route ``token`` from ``node`` until it needs time, ends or reaches its join."""
        kinds, successors, joins, choices = self.kinds, self.successors, self.joins, self.choices
        while True:
            if node == token.stop:
                block = token.block
                assert block is not None
                block.remaining -= 1
                if block.remaining == 0:
                    self.advance(block.token, successors[block.join][0])
                return
            kind = kinds[node]
            match kind:
                case "activity":
                    self._ask(token, node)
                    return
                case "end":
                    self._finish(token.case)
                    return
                case "parallel" if node in joins:  # a split: every branch, up to its join
                    join = joins[node]
                    branches = successors[node]
                    block = _Block(token, join, len(branches))
                    for branch in branches:
                        self.advance(_Token(token.case, join, block), branch)
                    return
                case "exclusive" if node in choices:
                    targets, cumulative = choices[node]
                    pick = bisect.bisect_right(cumulative, self.uniform())
                    node = targets[min(pick, len(targets) - 1)]
                case "start" | "exclusive" | "parallel":  # one way on: a merge, a join
                    node = successors[node][0]
                case _:
                    assert_never(kind)

    def _finish(self, case: _Case) -> None:
        self.count(-1)
        if case.reported:
            self.cycle_minutes.append(self.now - case.arrived)
            self.costs.append(case.cost)
            self.pending -= 1

    # -- activities and pools
    def _ask(self, token: _Token, activity_id: str) -> None:
        work = self.work[activity_id]
        if len(work.pools) == 1:  # the common case, without lists or sorting
            own_minutes = work.minutes[0]()
            token.case.cost += work.fixed_cost + own_minutes * work.rates[0]
            request = _Request(token, activity_id, [own_minutes], self.now, 1)
            pool = self.pools[work.pools[0]]
            if pool.free:  # a free server means nobody is waiting for one
                pool.free -= 1
                self._begin(request)
            else:
                pool.waiting.append(request)
            return
        minutes = [draw() for draw in work.minutes]
        token.case.cost += work.fixed_cost + sum(
            m * r for m, r in zip(minutes, work.rates, strict=True))
        request = _Request(token, activity_id, minutes, self.now, len(work.pools))
        for p in work.pools:
            pool = self.pools[p]
            if pool.free:
                pool.free -= 1
                request.missing -= 1
            else:
                pool.waiting.append(request)
        if request.missing == 0:
            self._begin(request)

    def _begin(self, request: _Request) -> None:
        now, work = self.now, self.work[request.activity]
        queued = now - request.asked
        if request.token.case.reported:
            i = work.index
            self.executions[i] += 1
            self.queue_total[i] += queued
            if queued > self.queue_max[i]:
                self.queue_max[i] = queued
        if not work.pools:
            self._after_work(request)
            return
        if len(work.pools) == 1:
            held = [(request.minutes[0], work.pools[0])]
        else:
            held = sorted(zip(request.minutes, work.pools, strict=True))
        for own_minutes, pool in held[:-1]:
            self.busy_minutes[pool] += self._overlap(now, now + own_minutes)
            self.at(now + own_minutes, self._release, pool)
        last_minutes, last_pool = held[-1]
        end = now + last_minutes
        if self.window_start <= now and end <= self.window_end:
            self.busy_minutes[last_pool] += last_minutes
        else:
            self.busy_minutes[last_pool] += self._overlap(now, end)
        heapq.heappush(self.heap, (end, next(self.sequence), self._done, (request, last_pool)))

    def _done(self, argument: tuple[_Request, int]) -> None:
        request, p = argument
        pool = self.pools[p]
        if pool.absences or pool.waiting:
            self._release(p)
        else:
            pool.free += 1
        self._after_work(request)

    def _after_work(self, request: _Request) -> None:
        work = self.work[request.activity]
        if work.wait is None:
            self.advance(request.token, work.onwards)
        else:
            heapq.heappush(self.heap, (self.now + work.wait(), next(self.sequence),
                                       self._onwards, request))

    def _onwards(self, request: _Request) -> None:
        self.advance(request.token, self.work[request.activity].onwards)

    def _release(self, p: int) -> None:
        pool = self.pools[p]
        if pool.absences:
            self.at(self.now + pool.absences.popleft(), self._release, p)
        elif pool.waiting:
            request = pool.waiting.popleft()
            request.missing -= 1
            if request.missing == 0:
                self._begin(request)
        else:
            pool.free += 1

    def _absence(self, argument: tuple[int, float]) -> None:
        """A server of a partly available pool leaves once a working day, after its task."""
        p, away = argument
        pool = self.pools[p]
        if pool.free:
            pool.free -= 1
            self.at(self.now + away, self._release, p)
        else:
            pool.absences.append(away)
        if self.now + self.day_minutes < self.horizon:
            self.at(self.now + self.day_minutes, self._absence, argument)


# --- the public function ------------------------------------------------------------


def _positive(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    if value <= 0:
        raise ValueError(f"{what} must be positive, got {value!r}")
    return float(value)


def _pools(model: ProcessModel, *, hours_per_day: float,
           days_per_month: float) -> list[tuple[str, int, float]]:
    """(resource id, servers, available share) of every labour resource."""
    pools = []
    for resource_id, resource in model.resources.items():
        match resource:
            case LaborResource():
                pass
            case PerUseResource():
                continue  # bought per use: nobody to queue for
            case _:
                assert_never(resource)
        headcount = 1.0 if resource.headcount is None else float(resource.headcount)
        own_hours, own_days = resource.hours_per_day, resource.days_per_month
        unproductive = resource.unproductive_share or 0.0
        servers = math.ceil(headcount)
        share = (headcount / servers if servers else 0.0) * (1.0 - unproductive)
        if own_hours is not None:
            share *= min(1.0, own_hours / hours_per_day)
        if own_days is not None:
            share *= min(1.0, own_days / days_per_month)
        used = any(resource_id in a.labor for a in model.activities.values())
        if used and (servers == 0 or share <= 0.0):
            raise ValueError(
                f"resource {resource_id!r} has no capacity (headcount {headcount:g}, "
                f"available share {share:g}) but activities need it; queues would never clear")
        pools.append((resource_id, max(servers, 1), share))
    return pools


def simulate_queues(
    model: ProcessModel,
    *,
    days: float,
    rng: np.random.Generator,
    arrivals: str = "poisson",
    warmup_days: float = 1.0,
    hours_per_day: float = 8.0,
    days_per_month: float = 21.0,
) -> QueueResult:
    """Simulate ``days`` working days of ``model`` with queues; see the module docstring.

    Parameters
    ----------
    model : a valid process model with ``volume_per_year``.
    days : working days to simulate (arrivals stop after them).
    rng : the only source of randomness; the same seed gives the same result.
    arrivals : ``"poisson"`` (exponential gaps) or ``"regular"`` (even gaps).
    warmup_days : first days whose arrivals are simulated but not reported.
    hours_per_day, days_per_month : the working calendar of the simulated
        clock and of the arrivals (a 24/7 process: 24 and 365 / 12).

    Raises
    ------
    ValueError
        For ``days ≤ 0``, a warm-up not shorter than ``days``, an unknown
        ``arrivals``, a model without ``volume_per_year`` (or with 0), or a
        needed resource with no capacity.
    ModelError
        For an invalid model (:class:`~abc_costing.problems.ModelError`,
        naming every problem).

    Examples
    --------
    >>> import numpy as np
    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "activities": {"a": {}}, "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "a"], ["a", "e"]]})
    >>> simulate_queues(model, days=10, rng=np.random.default_rng(0))
    Traceback (most recent call last):
    ...
    ValueError: model p/v has no volume_per_year; queues need an arrival rate
    """
    days = _positive(days, "days")
    hours_per_day = _positive(hours_per_day, "hours_per_day")
    days_per_month = _positive(days_per_month, "days_per_month")
    if hours_per_day > 24:
        raise ValueError(f"hours_per_day must be at most 24, got {hours_per_day!r}")
    if isinstance(warmup_days, bool) or not isinstance(warmup_days, int | float) \
            or not 0 <= warmup_days < days:
        raise ValueError(f"warmup_days must be at least 0 and less than days ({days:g}), "
                         f"got {warmup_days!r}")
    if arrivals not in ARRIVALS:
        raise ValueError(f"unknown arrivals {arrivals!r}; use one of {', '.join(ARRIVALS)}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    name = f"{model.process}/{model.variant}"
    if not model.volume_per_year:
        raise ValueError(f"model {name} has no volume_per_year; queues need an arrival rate")
    require_valid(model)

    day_minutes = hours_per_day * 60.0
    arrivals_per_day = model.volume_per_year / (12.0 * days_per_month)
    rate_per_minute = arrivals_per_day / day_minutes
    pools = _pools(model, hours_per_day=hours_per_day, days_per_month=days_per_month)
    window = (float(warmup_days) * day_minutes, days * day_minutes)
    sim = _Simulation(model, rng=rng, day_minutes=day_minutes, window=window, pools=pools)

    if arrivals == "poisson":
        gap = _stream(lambda: rng.exponential(1.0 / rate_per_minute, _BLOCK))
    else:
        def gap() -> float:
            return 1.0 / rate_per_minute
    sim.start_arrivals(gap)
    # The run makes only acyclic garbage (freed by reference counting); the
    # cyclic collector would scan its many small objects for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        sim.run(window[1])
        sim.now = window[1]
        sim.count(0)  # close the work-in-progress integral at the end of the window
        sim.run(sim.horizon, while_pending=True)
    finally:
        if collecting:
            gc.enable()

    exact = cost_model(model)
    window_minutes = window[1] - window[0]
    resources = []
    for p, (resource_id, servers, share) in enumerate(pools):
        busy = sim.busy_minutes[p]
        utilization = busy / (servers * window_minutes)
        offered = (rate_per_minute * exact.resource(resource_id).minutes_per_instance
                   / (servers * share))
        resources.append(ResourceQueue(
            id=resource_id,
            name=model.resources[resource_id].name or resource_id,
            servers=servers,
            available_share=share,
            busy_minutes=busy,
            utilization=utilization,
            utilization_of_available=utilization / share,
            offered_load=offered,
            overloaded=offered >= 1.0,
        ))
    activities = tuple(
        ActivityQueue(
            id=activity_id,
            name=activity.name or activity_id,
            executions=sim.executions[i],
            mean_queue_minutes=sim.queue_total[i] / sim.executions[i] if sim.executions[i] else 0.0,
            max_queue_minutes=sim.queue_max[i],
        )
        for i, (activity_id, activity) in enumerate(model.activities.items())
    )
    cycle = np.asarray(sim.cycle_minutes)
    if cycle.size:
        p50, p90, p95 = np.percentile(cycle, [50, 90, 95])
        cycle_time: dict[str, float | None] = {
            "mean": float(cycle.mean()), "p50": float(p50), "p90": float(p90), "p95": float(p95)}
    else:
        cycle_time = dict.fromkeys(("mean", "p50", "p90", "p95"))
    return QueueResult(
        process=model.process,
        variant=model.variant,
        currency=model.currency,
        arrivals=arrivals,
        days=days,
        warmup_days=float(warmup_days),
        hours_per_day=hours_per_day,
        days_per_month=days_per_month,
        arrivals_per_day=arrivals_per_day,
        instances=sim.reported,
        completed=len(sim.cycle_minutes),
        unfinished=sim.pending,
        work_in_progress=sim.area / window_minutes,
        cycle_time_minutes=cycle_time,
        cost_per_instance_mean=float(np.mean(sim.costs)) if sim.costs else None,
        activities=activities,
        resources=tuple(resources),
    )
