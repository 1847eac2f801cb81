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

* **One clock of working minutes, laid on the real week.** The clock counts
  working time only: a working day is ``hours_per_day × 60`` minutes and the
  next day starts where the last one ended, so queues carry over night and
  weekend, and people work only on it. The clock is laid on a real week
  (:class:`WorkingWeek`: the first ``round(days_per_month × 12 / 52)`` days of
  each week, open from 9:00, or earlier so that a day ends by midnight), so
  every working minute is a real instant. Arrivals come in working time.
  ``wait`` minutes (the client thinking it over, delivery) are **elapsed**
  time, as the file format says: a wait runs on through nights and weekends
  from the real instant it starts, and the instance goes on at the first
  working minute after it ends (a day's wait from Friday 10:00 ends Saturday
  10:00 and the work goes on Monday at opening). Each finished instance has two
  cycle times: working minutes on the clock (``cycle_time_minutes``) and
  elapsed minutes on the real calendar, nights and weekends included
  (``cycle_time_elapsed_minutes``; a process that ends with a wait ends when
  the wait does). The clock's calendar is taken from the model
  (:func:`simulated_calendar`): the longest ``hours_per_day`` and
  ``days_per_month`` its labour pools state, 8 h × 21 days when none does, so
  a 24/7 pool is simulated on a 24/7 clock.
* **Arrivals.** ``volume_per_year`` is spread evenly over ``12 ×
  days_per_month`` working days a year of that calendar: the rate is
  ``volume_per_year / (12 × days_per_month)`` instances per working day.
  ``arrivals="poisson"`` draws exponential gaps (a Poisson stream);
  ``"regular"`` spaces arrivals exactly ``1 / rate`` apart.
* **Routing.** Exclusive splits pick a flow by its probability (in a model with
  case classes, by the probability of the case's class, drawn by the classes'
  shares as the case arrives); loops are
  followed as often as the draws say; a parallel split starts one
  token per branch and continues at its join (the split's immediate
  post-dominator) once all branches have arrived there.
* **Resources: one rule with ``capacity``.** Headcount and practical capacity
  come from :func:`abc_costing.engine.capacity.staffing`, the function the
  capacity report uses: the capacity is ``capacity_hours_per_month`` (stated
  or from the pool's calendar), the headcount the stated one or 1. A pool has
  ``ceil(headcount)`` servers, each available a share of the clock such that
  ``servers × share × clock minutes per month`` is its practical capacity:
  its simulated utilisation is therefore the figure ``capacity`` reports, and
  its offered load is exactly that report's utilisation. (When the capacity
  exceeds what the servers can give within the clock's month, more servers
  are simulated, said so in the pool's ``basis``.) A share below 1 is one
  daily absence per server of ``(1 - share) × day`` minutes, staggered across
  servers; absences go ahead of the queue but never interrupt a task (the
  person finishes it first). **A pool whose capacity is unknown** (a rate and
  no capacity nor calendar: "capacity unknown" in ``capacity``) is not queued:
  its work takes its time with nobody waiting for it, and no utilisation is
  reported, said so in its ``basis``; nothing is invented for it.
* **Activities.** An activity requests all of its labour resources at once
  (each queue is FCFS; requests made at the same moment never deadlock) and
  starts when it holds all of them. Each resource is then held for its own
  sampled minutes and released; the activity lasts as long as the longest.
  Then its ``wait`` elapses with no resource held. A resource reserved while
  the activity waits for its other resources is not counted busy. Durations
  are drawn from their distributions exactly as the Monte Carlo simulation
  draws them (:func:`~abc_costing.simulation.monte_carlo.sample_durations`).
* **Warm-up, replications and end.** Each of ``replications`` independent
  runs starts empty, simulates ``warmup_days`` whose arrivals are not
  reported, then ``days`` measured days; arrivals stop there and the run goes
  on until every reported instance has finished (so long instances are not
  censored out of the cycle time and cost), for at most as long again;
  instances still running then are counted as ``unfinished`` (so
  ``unfinished`` is 0 whenever the drain finished them all: it is not the
  work in progress). Utilisation and work in progress are measured over the
  ``days`` only; work in progress is a time-average of the instances in the
  process, ``in_progress_at_end`` the count when the measured days end, and
  by Little's law the first is about arrivals a minute × mean cycle time
  (:attr:`QueueResult.littles_law_work_in_progress`). The default warm-up
  follows :func:`default_warmup_days`: twice an instance's work and waits laid
  end to end plus the time the busiest queue takes to settle. Means are
  averaged over the replications, and their 95 % confidence intervals come
  from the replications' spread (Student's t with replications − 1 degrees
  of freedom); for figures that cannot be negative (waiting, cycle time, work
  in progress) a lower bound below 0 is raised to 0 (:func:`mean_and_interval`
  says why).
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
...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600,
...                             "hours_per_day": 8, "days_per_month": 21}},
...     "activities": {"check": {"labor": {"clerk": 24}}},
...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "check"], ["check", "e"]]})
>>> result = simulate_queues(model, days=40, rng=np.random.default_rng(1))
>>> result.arrivals_per_day, result.replications
(10.0, 10)
>>> result.cost_per_instance_mean                 # 24 min × 600 / 60, queues cost nothing
240.0
>>> clerk = result.resource("clerk")
>>> round(clerk.offered_load, 3), clerk.overloaded  # 10 × 24 / 480 minutes a day
(0.5, False)
>>> low, high = clerk.utilization_ci95
>>> bool(low < 0.5 < high)
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
from dataclasses import asdict, dataclass, field
from typing import Any, assert_never

import networkx as nx
import numpy as np

from abc_costing import durations
from abc_costing.engine import cost_model
from abc_costing.engine.capacity import staffing
from abc_costing.i18n import N_
from abc_costing.model import (
    Duration,
    LaborResource,
    NodeKind,
    PerUseResource,
    ProcessModel,
    routing_graph,
)
from abc_costing.numbers import Figure
from abc_costing.problems import listed
from abc_costing.simulation.monte_carlo import constant_minutes, sample_durations
from abc_costing.validation import require_valid

__all__ = [
    "ARRIVALS",
    "DEFAULT_DAYS_PER_MONTH",
    "DEFAULT_HOURS_PER_DAY",
    "DEFAULT_REPLICATIONS",
    "MAX_REPLICATIONS",
    "default_warmup_days",
    "mean_and_interval",
    "simulated_calendar",
    "t975",
    "WorkingWeek",
    "ActivityQueue",
    "ResourceQueue",
    "QueueResult",
    "simulate_queues",
]

#: Arrival streams :func:`simulate_queues` knows.
ARRIVALS = ("poisson", "regular")

#: The working calendar of the simulated clock when no pool of the model states one.
DEFAULT_HOURS_PER_DAY, DEFAULT_DAYS_PER_MONTH = 8.0, 21.0
#: The warm-up's or the calendar's basis when the caller gave it.
AS_ASKED = N_("as asked")
#: Independent replications when the caller does not say, and the most allowed.
DEFAULT_REPLICATIONS, MAX_REPLICATIONS = 10, 1000
# Servers of a pool that is not queued: more than requests can ever be open.
_UNLIMITED = 2**62

# Draws are taken from the generator in blocks: one numpy call per scalar
# costs ~1 µs, a block of 512 about the same in total.
_BLOCK = 512


@dataclass(frozen=True)
class ActivityQueue:
    """How long one activity waits for its people.

    Attributes:
      id, name: as in the model (``name`` falls back to ``id``).
      executions: executions by the reported instances, all replications.
      mean_queue_minutes: mean working minutes from asking for the resources
        to holding all of them (0 for an activity with no labour), averaged
        over the replications.
      mean_queue_minutes_ci95: its 95 % confidence interval from the spread of
        the replications (None with one replication).
      max_queue_minutes: the longest such wait.
    """

    id: str
    name: str
    executions: int
    mean_queue_minutes: float
    mean_queue_minutes_ci95: tuple[float, float] | None
    max_queue_minutes: float


@dataclass(frozen=True)
class ResourceQueue:
    """How busy one labour pool is.

    Attributes:
      id, name: as in the model.
      servers: people simulated (``ceil(headcount)``, headcount 1 when not
        stated); None for a pool of unknown capacity, which is not queued.
      available_share: share of the simulated clock a server is available, so
        that servers × share × clock = the pool's practical capacity (None:
        unknown).
      busy_minutes: minutes of work done in the measured window, all servers
        (mean over replications).
      utilization: busy minutes / practical capacity in the window: the figure
        ``capacity`` reports (None when the capacity is unknown).
      utilization_ci95: its 95 % confidence interval (None with one
        replication or an unknown capacity).
      offered_load: the load the arrivals bring, analytically: monthly minutes
        of work / practical capacity per month (None: unknown).
      overloaded: offered_load ≥ 1; the queue then has no steady state and grows
        with the simulated days.
      basis: how servers and capacity were found, in words (the rule
        :func:`~abc_costing.engine.capacity.staffing` states, shared with ``capacity``).
    """

    id: str
    name: str
    servers: int | None
    available_share: float | None
    busy_minutes: float
    utilization: float | None
    utilization_ci95: tuple[float, float] | None
    offered_load: float | None
    overloaded: bool
    basis: str

    @property
    def queued(self) -> bool:
        """Whether the pool has a queue (its capacity is known)."""
        return self.servers is not None


@dataclass(frozen=True)
class QueueResult:
    """What :func:`simulate_queues` measured.

    Attributes:
      process, variant, currency: from the model.
      arrivals: ``poisson`` or ``regular``.
      days: working days measured in each replication.
      warmup_days: days simulated before them, not reported.
      warmup_basis: the rule that set the warm-up, in words ("as asked" when given).
      replications: independent runs; means are averaged over them.
      hours_per_day, days_per_month: the simulated working calendar.
      calendar_basis: why this calendar (:func:`simulated_calendar`).
      arrivals_per_day: volume_per_year / (12 × days_per_month).
      instances: instances that arrived after the warm-up (the reported ones),
        all replications.
      completed: reported instances that finished, all replications, some of
        them after the measured days (arrivals stop, the run drains).
      unfinished: reported instances still running when the run stopped after
        its drain, all replications: 0 when the drain finished them all; not the
        instances in progress (see ``in_progress_at_end``).
      work_in_progress: time-average number of instances in the process
        (all of them, warm-up arrivals included) over the measured window, per
        replication (the mean of the replications').
      work_in_progress_ci95: its 95 % interval (None with one replication).
      in_progress_at_end: instances in the process at the end of the measured
        days (a snapshot, before the drain), the mean of the replications'.
      cycle_time_minutes: ``mean``, ``p50``, ``p90``, ``p95`` of working minutes
        of the clock's calendar from arrival to end, queues included, over completed
        instances (``None`` when none completed); the mean averages the
        replications'. ``cycle_time_elapsed_minutes`` holds the same instances'
        elapsed (calendar) minutes, nights and weekends included.
      cycle_time_mean_ci95: the 95 % interval of the mean (None with one replication).
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
    warmup_basis: str
    replications: int
    hours_per_day: float
    days_per_month: float
    calendar_basis: str
    arrivals_per_day: float
    instances: int
    completed: int
    unfinished: int
    work_in_progress: float
    work_in_progress_ci95: tuple[float, float] | None
    in_progress_at_end: float
    cycle_time_minutes: dict[str, float | None]
    cycle_time_mean_ci95: tuple[float, float] | None
    cost_per_instance_mean: float | None
    activities: tuple[ActivityQueue, ...]
    resources: tuple[ResourceQueue, ...]
    #: For each activity with alternatives (``one_of``): resource -> share of the reported
    #: executions the simulation gave it (whoever was free), to set beside the stated shares.
    one_of_simulated: dict[str, dict[str, float]] = field(default_factory=dict)
    #: ``mean``, ``p50``, ``p90``, ``p95`` of elapsed (calendar) minutes from arrival to end,
    #: nights and weekends included (:class:`WorkingWeek`), over completed instances.
    cycle_time_elapsed_minutes: dict[str, float | None] = field(default_factory=dict)
    #: The 95 % interval of that mean (None with one replication).
    cycle_time_elapsed_mean_ci95: tuple[float, float] | None = None
    #: The clock's week (:class:`WorkingWeek`): working days, and when a day opens.
    days_per_week: int = 5
    opens_minute: float = 540.0

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
    def littles_law_work_in_progress(self) -> float | None:
        """Arrivals a working minute × the mean cycle time in working minutes:
        Little's law's L = λW, which ``work_in_progress`` measures directly; the
        two agree within the simulation's noise once the queues are settled
        (None when no instance finished).

        >>> from dataclasses import replace
        >>> r = replace(_EMPTY, arrivals_per_day=9.6, hours_per_day=8,
        ...             cycle_time_minutes={"mean": 100.0})
        >>> r.littles_law_work_in_progress  # 9.6 / 480 a minute × 100 minutes
        2.0
        """
        mean = self.cycle_time_minutes.get("mean")
        if mean is None:
            return None
        return self.arrivals_per_day / (self.hours_per_day * 60.0) * mean

    @property
    def working_week(self) -> WorkingWeek:
        """The clock's calendar laid on the real week (see :class:`WorkingWeek`)."""
        return WorkingWeek(self.hours_per_day, self.days_per_week, self.opens_minute)

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
    #: Cumulative shares of the alternatives (``one_of``), or None when all work together.
    shares: tuple[float, ...] | None = None


class _Pool:
    """A labour pool: free servers, then absences, then work waiting in arrival order."""

    __slots__ = ("free", "absences", "waiting")

    def __init__(self, servers: int) -> None:
        self.free = servers
        self.absences: deque[float] = deque()
        self.waiting: deque[_Request] = deque()


class _Case:
    """One process instance."""

    __slots__ = ("arrived", "reported", "cost", "klass", "waited_until")

    def __init__(self, arrived: float, reported: bool, klass: int = 0) -> None:
        self.arrived, self.reported, self.cost = arrived, reported, 0.0
        #: The real instant its latest wait ended (a wait may end while nobody works).
        self.waited_until = 0.0
        #: Index of the case's case class (0 when the model has none).
        self.klass = klass


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

    __slots__ = ("token", "activity", "minutes", "asked", "missing", "chosen")

    def __init__(self, token: _Token, activity: str, minutes: list[float], asked: float,
                 missing: int) -> None:
        self.token, self.activity, self.minutes = token, activity, minutes
        self.asked, self.missing = asked, missing
        #: For alternatives: the index (in the work's pools) of the one who took it.
        self.chosen: int | None = None


class _Simulation:
    """One run: a heap of timed callbacks, the pools, the cases and the tallies.

    The design of SimPy's core (a clock and a heap of events in time order, ties
    in the order they were scheduled) with callbacks in place of generator
    processes and request objects; see the module docstring.
    """

    def __init__(self, model: ProcessModel, *, rng: np.random.Generator, week: WorkingWeek,
                 window: tuple[float, float], pools: list[_PoolPlan]) -> None:
        self.now = 0.0
        self.week = week
        day_minutes = week.day_minutes
        self.heap: list[tuple[float, int, Callable[[Any], None], Any]] = []
        self.sequence = itertools.count()
        self.day_minutes = day_minutes
        self.window_start, self.window_end = window
        self.horizon = 2.0 * self.window_end  # the latest the run may go on to
        graph = routing_graph(model)
        self.kinds = model.node_kinds
        self.successors = {n: list(graph.successors(n)) for n in graph}
        self.joins = _parallel_joins(graph, self.kinds)
        # Per case class (one list when the model has none), the cumulative
        # probabilities of each exclusive split's flows.
        classes: list[str | None] = [*model.case_classes] or [None]
        self.choices: dict[str, tuple[list[str], list[list[float]]]] = {}
        for node, targets in self.successors.items():
            if self.kinds[node] == "exclusive" and len(targets) > 1:
                flows = [model.flows[graph.edges[node, t]["index"]] for t in targets]
                by_class = []
                for class_id in classes:
                    cumulative = np.cumsum([
                        flow.probability if class_id is None else flow.for_class(class_id)
                        for flow in flows])
                    by_class.append((cumulative / cumulative[-1]).tolist())
                self.choices[node] = (targets, by_class)
        shares = np.cumsum([c.share for c in model.case_classes.values()])
        self.class_bounds = (shares / shares[-1]).tolist() if shares.size else []
        self.uniform = _stream(lambda: rng.random(_BLOCK))
        self.start = next(n for n, k in self.kinds.items() if k == "start")

        pool_index = {plan.id: i for i, plan in enumerate(pools)}
        # A pool of unknown capacity is not queued: as many servers as requests.
        self.pools = [_Pool(_UNLIMITED if plan.servers is None else plan.servers)
                      for plan in pools]
        self.busy_minutes = [0.0] * len(pools)
        self.work: dict[str, _Work] = {}
        for index, (activity_id, activity) in enumerate(model.activities.items()):
            labor = list(activity.labor.items())
            uses = sum(count * model.resources[r].unit_costs.cost_per_use
                       for r, count in activity.uses.items())
            one_of = activity.one_of
            self.work[activity_id] = _Work(
                index=index,
                pools=tuple(pool_index[r] for r, _ in labor),
                # An alternative works its own minutes: labor holds its share of them.
                minutes=tuple(_sampler(_scaled(d, 1.0 / one_of[r]) if one_of else d, rng)
                              for r, d in labor),
                shares=(tuple(np.cumsum([one_of[r] for r, _ in labor]).tolist())
                        if one_of and len(labor) > 1 else None),
                rates=tuple(model.resources[r].unit_costs.rate_per_minute for r, _ in labor),
                fixed_cost=uses + activity.other_cost,
                wait=(None if activity.wait.mean_minutes == 0
                      else _sampler(activity.wait, rng)),
                onwards=self.successors[activity_id][0],
            )
        n_act = len(model.activities)
        #: Executions each alternative took, per activity with one_of (reported cases).
        self.taken = {a: [0] * len(w.pools) for a, w in self.work.items()
                      if w.shares is not None}
        self.executions = [0] * n_act
        self.queue_total = [0.0] * n_act
        self.queue_max = [0.0] * n_act
        self.cycle_minutes: list[float] = []
        self.cycle_elapsed_minutes: list[float] = []
        self.costs: list[float] = []
        self.reported = 0
        self.pending = 0
        self.in_system = 0
        self.open_at_window_end = 0  # instances in the process when the window ends
        self.last_change = 0.0
        self.area = 0.0
        for p, plan in enumerate(pools):
            servers, share = plan.servers, plan.share
            if servers is not None and share is not None and share < 1.0:
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
        # A case's class is drawn as it arrives; no draw without classes (so a seed
        # gives the numbers it gave before classes existed).
        klass = (min(bisect.bisect_right(self.class_bounds, self.uniform()),
                     len(self.class_bounds) - 1) if self.class_bounds else 0)
        self.advance(_Token(_Case(now, reported, klass), None, None),
                     self.successors[self.start][0])

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
                    targets, by_class = choices[node]
                    pick = bisect.bisect_right(by_class[token.case.klass], self.uniform())
                    node = targets[min(pick, len(targets) - 1)]
                case "start" | "exclusive" | "parallel":  # one way on: a merge, a join
                    node = successors[node][0]
                case _:
                    assert_never(kind)

    def _finish(self, case: _Case) -> None:
        self.count(-1)
        if case.reported:
            self.cycle_minutes.append(self.now - case.arrived)
            clock = self.week.clock_minutes
            self.cycle_elapsed_minutes.append(
                max(clock(self.now), case.waited_until) - clock(case.arrived))
            self.costs.append(case.cost)
            self.pending -= 1

    # -- activities and pools
    def _ask(self, token: _Token, activity_id: str) -> None:
        work = self.work[activity_id]
        if work.shares is not None:
            self._ask_one_of(token, activity_id, work)
            return
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

    def _ask_one_of(self, token: _Token, activity_id: str, work: _Work) -> None:
        """Alternatives: a free one takes it (by the shares among the free), else the first
        of them to be freed; the request waits in each of their lines until then."""
        request = _Request(token, activity_id, [], self.now, 1)
        free = [k for k, p in enumerate(work.pools) if self.pools[p].free]
        if free:
            shares = work.shares
            assert shares is not None
            weights = [shares[k] - (shares[k - 1] if k else 0.0) for k in free]
            pick = self.uniform() * sum(weights)
            chosen = free[-1]
            for k, weight in zip(free, weights, strict=True):
                if pick < weight:
                    chosen = k
                    break
                pick -= weight
            self.pools[work.pools[chosen]].free -= 1
            self._take(request, chosen)
            return
        for p in work.pools:
            self.pools[p].waiting.append(request)

    def _take(self, request: _Request, chosen: int) -> None:
        """Alternative ``chosen`` (holding a server already) does the execution."""
        work = self.work[request.activity]
        request.chosen, request.missing = chosen, 0
        if request.token.case.reported:
            self.taken[request.activity][chosen] += 1
        minutes = work.minutes[chosen]()
        request.minutes = [minutes]
        request.token.case.cost += work.fixed_cost + minutes * work.rates[chosen]
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
        if request.chosen is not None:
            held = [(request.minutes[0], work.pools[request.chosen])]
        elif len(work.pools) == 1:
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
            return
        # A wait is elapsed time: it runs on through nights and weekends, and the
        # instance goes on at the first working minute after it (see WorkingWeek).
        week, case = self.week, request.token.case
        until = week.clock_minutes(self.now) + work.wait()
        case.waited_until = max(case.waited_until, until)
        heapq.heappush(self.heap, (max(self.now, week.working_minutes(until)),
                                   next(self.sequence), self._onwards, request))

    def _onwards(self, request: _Request) -> None:
        self.advance(request.token, self.work[request.activity].onwards)

    def _release(self, p: int) -> None:
        pool = self.pools[p]
        if pool.absences:
            self.at(self.now + pool.absences.popleft(), self._release, p)
        else:
            while pool.waiting:
                request = pool.waiting.popleft()
                if request.chosen is not None:  # alternatives: another one took it already
                    continue
                if self.work[request.activity].shares is not None:
                    self._take(request, self.work[request.activity].pools.index(p))
                    return
                request.missing -= 1
                if request.missing == 0:
                    self._begin(request)
                return
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


def _scaled(duration: Duration, factor: float) -> Duration:
    """``duration`` × ``factor``: every parameter of each kind scales with its minutes."""
    return Duration(distribution=duration.distribution,
                    parameters=tuple(v * factor for v in duration.parameters))


# --- the calendar, the pools and the warm-up --------------------------------------------

_MINUTES_PER_DAY, _MINUTES_PER_WEEK = 1440.0, 10080.0
#: When a working day opens (minutes after midnight), unless it is too long to end by midnight.
_OPENS_MINUTE = 9 * 60.0


@dataclass(frozen=True)
class WorkingWeek:
    """The simulated clock's calendar laid on the real week: which real instant each
    working minute is, and how many working minutes lie before a real instant.

    The clock counts working minutes only; the week puts them on the calendar:
    the first ``days_per_week`` days (Monday first) are open ``hours_per_day``
    hours from ``opens_minute`` after midnight, the rest of the week is closed.
    Minute 0 of the clock is Monday's opening of week 0; real instants count
    minutes from that Monday's midnight. Both maps are closed forms (whole days
    and weeks by division), scalar or on numpy arrays alike.

    >>> week = WorkingWeek(hours_per_day=9, days_per_week=5, opens_minute=540)  # 9–18 Mon–Fri
    >>> friday_5pm, monday_10am = 4 * 1440 + 17 * 60, 7 * 1440 + 10 * 60
    >>> week.working_minutes(monday_10am) - week.working_minutes(friday_5pm)  # 1 h + 1 h
    120.0
    >>> week.clock_minutes(week.working_minutes(friday_5pm)) == friday_5pm
    True
    """

    hours_per_day: float
    days_per_week: int
    opens_minute: float

    @classmethod
    def of(cls, hours_per_day: float, days_per_month: float) -> WorkingWeek:
        """The week of a calendar of ``hours_per_day`` × ``days_per_month``: that many
        days a week as a month's days make over a year's 52 weeks (21 a month: 21 × 12 / 52
        = 4.8, five days), opening at 9:00 or so that the day ends by midnight.

        >>> WorkingWeek.of(8, 21), WorkingWeek.of(24, 30.4).opens_minute
        (WorkingWeek(hours_per_day=8.0, days_per_week=5, opens_minute=540.0), 0.0)
        """
        days = min(7, max(1, round(days_per_month * 12.0 / 52.0)))
        day_minutes = float(hours_per_day) * 60.0
        return cls(float(hours_per_day), days, min(_OPENS_MINUTE, _MINUTES_PER_DAY - day_minutes))

    @property
    def day_minutes(self) -> float:
        """Working minutes in one working day."""
        return self.hours_per_day * 60.0

    def clock_minutes(self, working: Any) -> Any:
        """The real instant (minutes from Monday 00:00 of week 0) of working minute
        ``working``; a minute at the end of a day is that day's closing, not the next
        opening."""
        day = self.day_minutes
        if isinstance(working, int | float):  # the simulation's one value: plain arithmetic
            day_index = max(math.ceil(working / day) - 1, 0)
            week_index, day_of_week = divmod(day_index, self.days_per_week)
            return (week_index * _MINUTES_PER_WEEK + day_of_week * _MINUTES_PER_DAY
                    + self.opens_minute + (working - day_index * day))
        index = np.maximum(np.ceil(np.asarray(working, dtype=float) / day) - 1.0, 0.0)
        weeks, weekday = np.divmod(index, self.days_per_week)
        real = (weeks * _MINUTES_PER_WEEK + weekday * _MINUTES_PER_DAY + self.opens_minute
                + (working - index * day))
        return float(real) if np.ndim(real) == 0 else real

    def working_minutes(self, clock: Any) -> Any:
        """Working minutes of the calendar from Monday 00:00 of week 0 to the real
        instant ``clock`` (a closed hour adds none)."""
        day = self.day_minutes
        if isinstance(clock, int | float):
            week_index, into_week = divmod(clock, _MINUTES_PER_WEEK)
            day_of_week, into_day = divmod(into_week, _MINUTES_PER_DAY)
            done = (day_of_week * day + min(max(into_day - self.opens_minute, 0.0), day)
                    if day_of_week < self.days_per_week else self.days_per_week * day)
            return week_index * self.days_per_week * day + done
        weeks, rest = np.divmod(np.asarray(clock, dtype=float), _MINUTES_PER_WEEK)
        weekday, time_of_day = np.divmod(rest, _MINUTES_PER_DAY)
        within = np.where(weekday < self.days_per_week,
                          weekday * day + np.clip(time_of_day - self.opens_minute, 0.0, day),
                          self.days_per_week * day)
        working = weeks * self.days_per_week * day + within
        return float(working) if np.ndim(working) == 0 else working



def _positive(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    if value <= 0:
        raise ValueError(f"{what} must be positive, got {value!r}")
    return float(value)


def _labor(model: ProcessModel) -> Iterator[tuple[str, LaborResource]]:
    for resource_id, resource in model.resources.items():
        match resource:
            case LaborResource():
                yield resource_id, resource
            case PerUseResource():
                pass  # bought per use: nobody to queue for
            case _:
                assert_never(resource)


def simulated_calendar(model: ProcessModel) -> tuple[float, float, str]:
    """The working calendar of the simulated clock: hours a day, days a month, why.

    The longest ``hours_per_day`` and ``days_per_month`` that a labour pool of
    the model states, so that every pool fits in the clock's day; 8 h and 21
    days when no pool states a calendar. Arrivals are spread over this calendar.

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "resources": {"desk": {"kind": "labor", "rate_per_hour": 600, "headcount": 1,
    ...                            "hours_per_day": 24, "days_per_month": 30.4}},
    ...     "activities": {"a": {"labor": {"desk": 10}}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "a"], ["a", "e"]]})
    >>> simulated_calendar(model)
    (24.0, 30.4, "the longest calendar of the model's pools (desk)")
    """
    calendars = [(r.hours_per_day, r.days_per_month, resource_id)
                 for resource_id, r in _labor(model)
                 if r.hours_per_day is not None and r.days_per_month is not None]
    if not calendars:
        return (DEFAULT_HOURS_PER_DAY, DEFAULT_DAYS_PER_MONTH,
                N_("{hours} h × {days} days: no pool of the model states a calendar",
                   hours=Figure.as_written(DEFAULT_HOURS_PER_DAY),
                   days=Figure.as_written(DEFAULT_DAYS_PER_MONTH)))
    hours = max(h for h, _, _ in calendars)
    days = max(d for _, d, _ in calendars)
    owners = list(dict.fromkeys(r for h, d, r in calendars if h == hours or d == days))
    return (float(hours), float(days),
            N_("the longest calendar of the model's pools ({names})",
               names=listed(owners, limit=4)))


@dataclass(frozen=True)
class _PoolPlan:
    """A labour pool as simulated: servers and their available share of the clock."""

    id: str
    servers: int | None  # None: capacity unknown, not queued
    share: float | None
    capacity_minutes_per_month: float | None
    basis: str


def _plan_pools(model: ProcessModel, *, clock_minutes_per_month: float) -> list[_PoolPlan]:
    """Each labour pool's servers and share, by :func:`~abc_costing.engine.capacity.staffing`.

    ``servers × share × clock minutes per month`` is the pool's practical
    capacity, so its utilisation is the one ``capacity`` reports.
    """
    plans = []
    for resource_id, resource in _labor(model):
        staffed = staffing(resource)
        capacity = staffed.capacity_minutes_per_month
        if capacity is None:
            plans.append(_PoolPlan(resource_id, None, None, None,
                                   staffed.basis + "; not queued"))
            continue
        used = any(resource_id in a.labor for a in model.activities.values())
        if capacity <= 0.0 or staffed.headcount <= 0.0:
            if used:
                raise ValueError(
                    f"resource {resource_id!r} has no capacity (headcount "
                    f"{staffed.headcount:g}, {capacity / 60:g} h a month) but activities need "
                    "it; queues would never clear")
            plans.append(_PoolPlan(resource_id, None, None, capacity, staffed.basis))
            continue
        servers = math.ceil(staffed.headcount)
        basis = staffed.basis
        needed = math.ceil(capacity / clock_minutes_per_month - 1e-9)
        if needed > servers:
            # More hours than its people can give within the clock's month: the
            # capacity is what the file states, so it is spread over more servers.
            basis += (f"; more than {servers} people can work in the simulated month, "
                      f"simulated as {needed} servers")
            servers = needed
        plans.append(_PoolPlan(resource_id, servers,
                               capacity / (servers * clock_minutes_per_month), capacity, basis))
    return plans


def default_warmup_days(model: ProcessModel, *, day_minutes: float,
                        clock_minutes_per_month: float, measured_days: float
                        ) -> tuple[float, str]:
    """Working days to simulate before measuring, and the rule, in words.

    The rule: twice the instance's expected work and waits laid end to end
    (Σ expected executions × (labour minutes + wait minutes): at least its mean
    cycle time without queues, so that pools late in a long process are
    reached), plus the relaxation time of the busiest queued pool below
    overload, Morse's ``1 / (μ (1 − √ρ)²)`` for a queue at load ρ whose server
    clears μ requests a minute; at least one day, whole days, at most the
    measured days.

    >>> from abc_costing.model import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "volume_per_year": 2520,
    ...     "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600,
    ...                             "capacity_hours_per_month": 168}},
    ...     "activities": {"check": {"labor": {"clerk": 24}, "wait": 960}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "check"], ["check", "e"]]})
    >>> days, rule = default_warmup_days(model, day_minutes=480,
    ...                                  clock_minutes_per_month=480 * 21, measured_days=60)
    >>> days  # 2 × (24 + 960) + 24 / (1 − √0.5)² = 1968 + 279.8 min → 5 days of 480
    5.0
    """
    exact = cost_model(model)
    laid_end_to_end = sum(a.expected_executions * (a.labor_minutes_per_execution
                                                   + a.wait_minutes_per_execution)
                          for a in exact.activities)
    volume = model.volume_per_year or 0.0
    requests = {r: 0.0 for r in model.resources}
    for activity, figures in zip(model.activities.values(), exact.activities, strict=True):
        for r in activity.labor:
            requests[r] += figures.expected_executions
    relaxation, busiest = 0.0, ""
    for plan in _plan_pools(model, clock_minutes_per_month=clock_minutes_per_month):
        minutes = exact.resource(plan.id).minutes_per_instance
        if plan.servers is None or plan.share is None or not requests[plan.id] or not minutes:
            continue
        load = volume / 12.0 * minutes / (plan.servers * plan.share * clock_minutes_per_month)
        # One server's clearing rate on the clock: it is there ``share`` of the time.
        per_request = minutes / requests[plan.id] / plan.share
        if 0.0 < load < 1.0 and per_request / (1.0 - math.sqrt(load)) ** 2 > relaxation:
            relaxation, busiest = per_request / (1.0 - math.sqrt(load)) ** 2, plan.id
    minutes = max(day_minutes, 2.0 * laid_end_to_end + relaxation)
    days = float(min(math.ceil(minutes / day_minutes - 1e-9), math.ceil(measured_days)))
    # said on the simulated clock's working day, in the reader's language
    day_hours = day_minutes / 60.0
    said_days = durations.Duration(days * day_minutes, hours_per_day=day_hours)
    work = durations.Duration(laid_end_to_end, hours_per_day=day_hours)
    rule = (N_("{days}: 2 × {work} of work and waits per instance, plus {settle} for "
               "the queue of {pool} to settle", days=said_days, work=work,
               settle=durations.Duration(relaxation, hours_per_day=day_hours),
               pool=model.resources[busiest].name or busiest)
            if busiest else
            N_("{days}: 2 × {work} of work and waits per instance", days=said_days,
               work=work))
    if days < minutes / day_minutes - 1e-9:
        rule = N_("{rule}, capped at the measured days", rule=rule)
    elif minutes == day_minutes:
        rule = N_("{rule}, at least a day", rule=rule)
    return days, rule


# --- the public function ------------------------------------------------------------


def simulate_queues(
    model: ProcessModel,
    *,
    days: float,
    rng: np.random.Generator,
    arrivals: str = "poisson",
    warmup_days: float | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    hours_per_day: float | None = None,
    days_per_month: float | None = None,
) -> QueueResult:
    """Simulate ``replications`` runs of ``days`` measured working days; see the module docstring.

    Parameters
    ----------
    model : a valid process model with ``volume_per_year``.
    days : working days measured in each replication, after its warm-up
        (arrivals stop after them).
    rng : the only source of randomness; the same seed gives the same result.
        Each replication draws from its own child generator (``rng.spawn``).
    arrivals : ``"poisson"`` (exponential gaps) or ``"regular"`` (even gaps).
    warmup_days : days simulated before the measured ones in each replication,
        their arrivals not reported; None: :func:`default_warmup_days`.
    replications : independent runs; means are averaged over them and their
        95 % confidence intervals come from their spread (Student's t); 1: no
        intervals.
    hours_per_day, days_per_month : the working calendar of the simulated
        clock and of the arrivals; None: :func:`simulated_calendar`.

    Raises
    ------
    ValueError
        For ``days ≤ 0``, a negative warm-up, fewer than 1 replication, an
        unknown ``arrivals``, a model without ``volume_per_year`` (or with 0),
        or a needed resource with no capacity.
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
    if warmup_days is not None and (isinstance(warmup_days, bool)
                                    or not isinstance(warmup_days, int | float)
                                    or not 0 <= warmup_days < math.inf):
        raise ValueError(f"warmup_days must be a number of days, at least 0, got {warmup_days!r}")
    if isinstance(replications, bool) or not isinstance(replications, int) \
            or not 1 <= replications <= MAX_REPLICATIONS:
        raise ValueError(f"replications must be a whole number from 1 to {MAX_REPLICATIONS}, "
                         f"got {replications!r}")
    if arrivals not in ARRIVALS:
        raise ValueError(f"unknown arrivals {arrivals!r}; use one of {', '.join(ARRIVALS)}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    name = f"{model.process}/{model.variant}"
    if not model.volume_per_year:
        raise ValueError(f"model {name} has no volume_per_year; queues need an arrival rate")
    require_valid(model)
    own_hours, own_days, calendar_basis = simulated_calendar(model)
    if hours_per_day is not None or days_per_month is not None:
        calendar_basis = AS_ASKED
    hours_per_day = _positive(own_hours if hours_per_day is None else hours_per_day,
                              "hours_per_day")
    days_per_month = _positive(own_days if days_per_month is None else days_per_month,
                               "days_per_month")
    if hours_per_day > 24:
        raise ValueError(f"hours_per_day must be at most 24, got {hours_per_day!r}")

    day_minutes = hours_per_day * 60.0
    month_minutes = day_minutes * days_per_month
    arrivals_per_day = model.volume_per_year / (12.0 * days_per_month)
    rate_per_minute = arrivals_per_day / day_minutes
    pools = _plan_pools(model, clock_minutes_per_month=month_minutes)
    if warmup_days is None:
        warmup_days, warmup_basis = default_warmup_days(
            model, day_minutes=day_minutes, clock_minutes_per_month=month_minutes,
            measured_days=days)
    else:
        warmup_days, warmup_basis = float(warmup_days), AS_ASKED
    window = (warmup_days * day_minutes, (warmup_days + days) * day_minutes)
    week = WorkingWeek.of(hours_per_day, days_per_month)
    runs = [_replicate(model, rng=child, arrivals=arrivals, rate_per_minute=rate_per_minute,
                       week=week, window=window, pools=pools)
            for child in rng.spawn(replications)]
    return _summarise(model, runs, pools=pools, settings=_Settings(
        arrivals=arrivals, days=days, warmup_days=warmup_days, warmup_basis=warmup_basis,
        hours_per_day=hours_per_day, days_per_month=days_per_month,
        calendar_basis=calendar_basis, arrivals_per_day=arrivals_per_day,
        rate_per_minute=rate_per_minute, window_minutes=window[1] - window[0], week=week))


@dataclass(frozen=True)
class _Settings:
    arrivals: str
    days: float
    warmup_days: float
    warmup_basis: str
    hours_per_day: float
    days_per_month: float
    calendar_basis: str
    arrivals_per_day: float
    rate_per_minute: float
    window_minutes: float
    week: WorkingWeek


def _replicate(model: ProcessModel, *, rng: np.random.Generator, arrivals: str,
               rate_per_minute: float, week: WorkingWeek, window: tuple[float, float],
               pools: list[_PoolPlan]) -> _Simulation:
    """One replication, run to its end; the simulation holds its tallies."""
    sim = _Simulation(model, rng=rng, week=week, window=window, pools=pools)
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
        sim.open_at_window_end = sim.in_system
        sim.run(sim.horizon, while_pending=True)
    finally:
        if collecting:
            gc.enable()
    return sim


# Student's t 0.975 quantiles for 1 to 30 degrees of freedom (SciPy's ``t.ppf``,
# six decimals); SciPy itself takes two seconds to import, longer than most runs.
_T975 = (12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
         2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.13145, 2.119905,
         2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
         2.059539, 2.055529, 2.051831, 2.048407, 2.04523, 2.042272)
_Z975 = 1.959963984540054


def t975(degrees_of_freedom: int) -> float:
    """Student's t quantile 0.975: the factor of a two-sided 95 % interval.

    A table up to 30 degrees of freedom, then the Cornish–Fisher expansion in
    1/ν (Abramowitz & Stegun 26.7.5), within 1e-7 of the exact value.

    >>> t975(9), round(t975(1000), 4)
    (2.262157, 1.9623)
    """
    if degrees_of_freedom <= len(_T975):
        return _T975[degrees_of_freedom - 1]
    z, n = _Z975, float(degrees_of_freedom)
    return (z + (z**3 + z) / 4 / n + (5 * z**5 + 16 * z**3 + 3 * z) / 96 / n**2
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384 / n**3
            + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160 / n**4)


def mean_and_interval(values: list[float], *, non_negative: bool = False
                      ) -> tuple[float, tuple[float, float] | None]:
    """The mean of per-replication figures and its 95 % interval (None for one figure).

    Student's t on the replications' means: ``mean ± t · s / √n``. For a figure
    that cannot be negative (a wait, a cycle time, instances in progress) a lower
    bound below 0 is raised to 0: the true mean is ≥ 0, so the values cut off are
    impossible ones and the interval keeps the t interval's coverage, with the
    same upper bound. (A log-scale interval never goes below 0 either, but its
    upper bound explodes exactly when short runs need it, when most replications
    hardly wait: 24 times the mean in the example below; a bootstrap of 10
    replications covers less than 95 % and would need random draws of its own.)

    >>> mean, (low, high) = mean_and_interval([0.0, 0.0, 0.0, 6.0])  # t(3) = 3.182446
    >>> mean, round(low, 2), round(high, 2)  # 1.5 ± 3.182446 × 3 / √4 = 1.5 ± 4.77
    (1.5, -3.27, 6.27)
    >>> mean, (low, high) = mean_and_interval([0.0, 0.0, 0.0, 6.0], non_negative=True)
    >>> low, round(high, 2)
    (0.0, 6.27)
    """
    mean = float(np.mean(values))
    if len(values) < 2:
        return mean, None
    half = t975(len(values) - 1) * float(np.std(values, ddof=1)) / math.sqrt(len(values))
    low = mean - half
    return mean, (max(0.0, low) if non_negative else low, mean + half)


def _cycle_figures(per_run: list[list[float]]
                   ) -> tuple[dict[str, float | None], tuple[float, float] | None]:
    """Mean (of the replications' means, with its interval), p50, p90 and p95 of the
    cycle times of every replication; all None when no instance finished."""
    cycle = np.concatenate([np.asarray(times) for times in per_run])
    if not cycle.size:
        return dict.fromkeys(("mean", "p50", "p90", "p95")), None
    p50, p90, p95 = np.percentile(cycle, [50, 90, 95])
    mean, interval = mean_and_interval([float(np.mean(t)) for t in per_run if t],
                                       non_negative=True)
    return {"mean": mean, "p50": float(p50), "p90": float(p90), "p95": float(p95)}, interval


def _summarise(model: ProcessModel, runs: list[_Simulation], *, pools: list[_PoolPlan],
               settings: _Settings) -> QueueResult:
    exact = cost_model(model)
    window = settings.window_minutes
    resources = []
    for p, plan in enumerate(pools):
        busy = [run.busy_minutes[p] for run in runs]
        utilization: float | None = None
        interval: tuple[float, float] | None = None
        offered: float | None = None
        if plan.servers is not None and plan.share is not None:
            available = plan.servers * plan.share * window
            utilization, interval = mean_and_interval([b / available for b in busy])
            offered = (settings.rate_per_minute * exact.resource(plan.id).minutes_per_instance
                       / (plan.servers * plan.share))
        resources.append(ResourceQueue(
            id=plan.id,
            name=model.resources[plan.id].name or plan.id,
            servers=plan.servers,
            available_share=plan.share,
            busy_minutes=float(np.mean(busy)),
            utilization=utilization,
            utilization_ci95=interval,
            offered_load=offered,
            overloaded=offered is not None and offered >= 1.0,
            basis=plan.basis,
        ))
    activities = []
    for i, (activity_id, activity) in enumerate(model.activities.items()):
        executions = [run.executions[i] for run in runs]
        mean_queue, queue_interval = mean_and_interval(
            [run.queue_total[i] / run.executions[i] for run in runs if run.executions[i]]
            or [0.0], non_negative=True)
        activities.append(ActivityQueue(
            id=activity_id,
            name=activity.name or activity_id,
            executions=sum(executions),
            mean_queue_minutes=mean_queue,
            mean_queue_minutes_ci95=queue_interval,
            max_queue_minutes=max(run.queue_max[i] for run in runs),
        ))
    cycle = np.concatenate([np.asarray(run.cycle_minutes) for run in runs])
    cycle_time, cycle_interval = _cycle_figures([run.cycle_minutes for run in runs])
    cycle_elapsed, elapsed_interval = _cycle_figures([run.cycle_elapsed_minutes for run in runs])
    work_in_progress, wip_interval = mean_and_interval([run.area / window for run in runs],
                                                       non_negative=True)
    costs = [c for run in runs for c in run.costs]
    one_of_simulated = {}
    for activity_id, counts in runs[0].taken.items():
        totals = [sum(run.taken[activity_id][k] for run in runs) for k in range(len(counts))]
        if sum(totals):
            one_of_simulated[activity_id] = {
                r: n / sum(totals)
                for r, n in zip(model.activities[activity_id].labor, totals, strict=True)}
    return QueueResult(
        process=model.process,
        variant=model.variant,
        currency=model.currency,
        arrivals=settings.arrivals,
        days=settings.days,
        warmup_days=settings.warmup_days,
        warmup_basis=settings.warmup_basis,
        replications=len(runs),
        hours_per_day=settings.hours_per_day,
        days_per_month=settings.days_per_month,
        calendar_basis=settings.calendar_basis,
        arrivals_per_day=settings.arrivals_per_day,
        instances=sum(run.reported for run in runs),
        completed=int(cycle.size),
        unfinished=sum(run.pending for run in runs),
        work_in_progress=work_in_progress,
        work_in_progress_ci95=wip_interval,
        in_progress_at_end=float(np.mean([run.open_at_window_end for run in runs])),
        cycle_time_minutes=cycle_time,
        cycle_time_mean_ci95=cycle_interval,
        cycle_time_elapsed_minutes=cycle_elapsed,
        cycle_time_elapsed_mean_ci95=elapsed_interval,
        days_per_week=settings.week.days_per_week,
        opens_minute=settings.week.opens_minute,
        cost_per_instance_mean=float(np.mean(costs)) if costs else None,
        activities=tuple(activities),
        resources=tuple(resources),
        one_of_simulated=one_of_simulated,
    )


# An empty result for the examples of QueueResult's properties.
_EMPTY = QueueResult(
    process="p", variant="v", currency="RUB", arrivals="poisson", days=1.0, warmup_days=0.0,
    warmup_basis="as asked", replications=1, hours_per_day=8.0, days_per_month=21.0,
    calendar_basis="as asked", arrivals_per_day=0.0, instances=0, completed=0, unfinished=0,
    work_in_progress=0.0, work_in_progress_ci95=None, in_progress_at_end=0.0,
    cycle_time_minutes={}, cycle_time_mean_ci95=None, cost_per_instance_mean=None,
    activities=(), resources=())
