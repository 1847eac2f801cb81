"""Process mining: a costable model and trace variants from an event log.

Everything that touches events runs as Polars expressions over the log's
table, whose rows are already grouped by case and ordered by time (each
event's successor is the next row of the same case); Python only sees the
aggregates: one row per activity, per pair of activities, per variant.

How a model is discovered (:func:`discover_model`):

* **Flows** come from the directly-follows graph: how often activity B came
  straight after A in a case, plus "the case ended after A". An activity with
  one successor flows straight on; with several, an exclusive gateway
  ``after_<activity>`` splits with probabilities equal to the observed shares,
  rounded to 10 decimals (the largest share takes the rounding remainder, so
  they sum to exactly 1). For a first-order model these shares reproduce the
  observed executions per case exactly, so the cost is the log's cost.
* **Rework**: an activity that repeats straight after itself gets a merge
  gateway ``rework_<activity>`` in front of it that every flow into it passes.
* **Parallel blocks**: activities each seen directly after the other are done
  in any order. When, in every case that has one of them, each happens exactly
  once and nothing else comes in between, they become the branches of a
  parallel split ``parallel_<n>`` and join ``join_<n>``, and the rest of the
  routing treats the block as one step. Looser patterns stay exclusive
  choices (see :func:`_parallel_blocks`).
* **Durations** (minutes): end − start when the log has both, else the time
  since the previous completion in the same case (which includes waiting, so
  it overstates labour; the first activity of each case then has no figure).
  They are written as ``lognormal(mean, sd)`` of the observed minutes: the exact
  engine costs the mean, which a lognormal keeps as observed, while the mean of
  a triangular(min, median, max) is dragged by the extremes of a skewed sample.
  No spread (or one observation) gives a fixed number.
* **Labour**: the minutes of an activity go to the resources that did it, each
  its share of the activity's measured minutes (by executions when none were
  measured): one activity done by a clerk and a lawyer at different rates costs
  what the log's events cost, not all at the more frequent one's rate. With
  ``rates`` (a model or a rates table), resources whose id or name matches a log
  resource get that model's rate; the others get ``rate_per_hour: "?"``, a
  placeholder that validation reports, never a silent 0.
* **Waits** (logs with start times): an activity's ``wait`` is the mean time from
  the case's latest earlier completion to its start (0 when it opens the case;
  never negative), so the model's cycle time is labour plus waiting, as observed.
* **Recorded cost** (a log with a cost column): each activity's ``other_cost`` is
  its mean recorded cost per execution minus the model's labour cost per
  execution (fees, materials...), so the model costs what the log recorded; left
  at 0 with a comment while a rate is a placeholder, or when labour already
  costs more than was recorded.

Examples
--------
>>> import pathlib, tempfile
>>> from abc_costing.formats.event_log import read_event_log
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "log.csv").write_text(
...     "case,activity,start,end,resource\\n"
...     "1,draft,2024-03-01 10:00,2024-03-01 10:30,clerk\\n"
...     "1,check,2024-03-01 11:00,2024-03-01 11:10,clerk\\n"
...     "2,draft,2024-03-02 10:00,2024-03-02 10:20,clerk\\n", encoding="utf-8")
>>> log = read_event_log(folder / "log.csv")
>>> text, problems = discover_model(log, process="demo", variant="mined")
>>> [p.message for p in problems]  # no rates given: the clerk's rate is a placeholder
["rate_per_hour: must be a number (got '?')"]
>>> [(v.activities, v.case_count, v.mean_labor_minutes) for v in trace_variants(log)]
[(('draft',), 1, 20.0), (('draft', 'check'), 1, 40.0)]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never

import polars as pl

from abc_costing.formats.event_log import EventLog

if TYPE_CHECKING:  # imported where used: reading and mining a log needs only Polars
    from abc_costing.model import LaborResource, ProcessModel, RateTable
    from abc_costing.model.ids import UniqueIds
    from abc_costing.problems import Problem

__all__ = [
    "PLACEHOLDER",
    "LogFacts",
    "LogPartial",
    "log_partial",
    "merge_partials",
    "model_from_partial",
    "variants_from_partial",
    "TraceVariant",
    "discover_model",
    "trace_variants",
    "priced_events",
    "conformance",
    "fits_model",
    "directly_follows",
    "case_durations",
]

#: Written where the log cannot supply a figure; validation reports it.
PLACEHOLDER = "?"

#: Enough that a mined model costs what its log costs to a millionth of a kopeck per case;
#: 4 decimals wrote a rework share of 1/3 as 0.3333, and a log whose cases cost 5 500.50 on
#: average mined into a model costing 5 500.32.
_PROBABILITY_DECIMALS = 10
#: Markings explored per step when replaying a trace; beyond it the trace is "does not fit".
_REPLAY_LIMIT = 20_000


# --- the events, ordered --------------------------------------------------------------

_MINUTE_US = 60_000_000.0


def _micros(column: str | pl.Expr) -> pl.Expr:
    """A µs timestamp as its integer count: differences of these are exact."""
    return (pl.col(column) if isinstance(column, str) else column).cast(pl.Int64)


_BEGAN = pl.coalesce("start_ts", "end_ts")


def _steps(events: pl.DataFrame) -> pl.LazyFrame:
    """Each event with its position in its case, its successor and its minutes.

    The log's rows are grouped by case and ordered by time, so the successor
    is the next row when it belongs to the same case. Every column is case-local:
    it depends only on the rows of the event's own case.
    """
    case = pl.col("case_id").to_physical()
    same_previous = (case == case.shift(1)).fill_null(False)
    same_next = (case == case.shift(-1)).fill_null(False)
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    first_of_case = pl.when(~same_previous).then(index).forward_fill()
    minutes = pl.when(pl.col("start_ts").is_not_null()).then(
        _micros("end_ts") - _micros("start_ts")).otherwise(
        pl.when(same_previous).then(_micros("end_ts") - _micros(pl.col("end_ts").shift(1))))
    paused = pl.col("pause_minutes") if "pause_minutes" in events.columns else pl.lit(0.0)
    # The case's latest completion before this event: with parallel work the previous
    # row may still be running, so the running maximum, not the previous row's end.
    done_before = _micros("end_ts").cum_max().shift(1).over("case_id")
    waited = pl.when(~same_previous).then(0.0).otherwise(
        pl.max_horizontal(pl.lit(0), _micros("start_ts") - done_before) / _MINUTE_US)
    return events.lazy().with_columns(
        (index - first_of_case + 1).alias("pos"),
        pl.when(same_next).then(pl.col("activity").shift(-1)).alias("next_activity"),
        pl.when(same_next).then(_BEGAN.shift(-1)).alias("next_start"),
        (minutes / _MINUTE_US - paused).alias("minutes"),
        pl.when(pl.col("start_ts").is_not_null()).then(waited).alias("wait_minutes"))


def directly_follows(log: EventLog) -> pl.DataFrame:
    """The directly-follows graph: one row per (source, target) pair seen in a case.

    Columns ``source``, ``target``, ``count`` and ``mean_gap_minutes`` (from the
    end of the source to the start of the target, or to its end when the log
    has one timestamp). Sorted by count, largest first.
    """
    return (_steps(log.events).filter(pl.col("next_activity").is_not_null())
            .group_by(pl.col("activity").alias("source"), pl.col("next_activity").alias("target"))
            .agg(pl.len().cast(pl.Int64).alias("count"),
                 ((_micros("next_start") - _micros("end_ts")) / _MINUTE_US).mean()
                 .alias("mean_gap_minutes"))
            .with_columns(pl.col("source", "target").cast(pl.String))
            .sort(["count", "source", "target"], descending=[True, False, False])
            .collect())


def case_durations(log: EventLog) -> pl.DataFrame:
    """Cycle time of each case: columns ``case_id``, ``events``, ``cycle_time_minutes``.

    One row per case, in the log's case order (the order cases first appear).
    """
    return (log.events.lazy().group_by("case_id", maintain_order=True)
            .agg(pl.len().cast(pl.Int64).alias("events"),
                 ((_micros("end_ts").max() - _micros(_BEGAN).min()) / _MINUTE_US)
                 .alias("cycle_time_minutes"))
            .with_columns(pl.col("case_id").cast(pl.String)).collect())


# --- discovery --------------------------------------------------------------------------


def _slug(name: str) -> str:
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_") or "x"


def _shares(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    shares = {k: round(v / total, _PROBABILITY_DECIMALS) for k, v in counts.items()}
    largest = max(counts, key=lambda k: (counts[k], k))
    rest = sum(v for k, v in shares.items() if k != largest)
    shares[largest] = round(1.0 - rest, _PROBABILITY_DECIMALS)
    return shares


def _id_for(name: str) -> str:
    """An element id for a name from the log: its slug, at most 60 characters.

    Ids are for people reading the file; the name itself is written in full.
    """
    return _slug(name)[:60].rstrip("_") or "x"


def _n(value: float) -> float:
    return round(float(value), 4)


def _rates_by_name(rates: ProcessModel | RateTable | None
                   ) -> dict[str, tuple[str, LaborResource]]:
    found: dict[str, tuple[str, LaborResource]] = {}
    if rates is None:
        return found
    from abc_costing.model import LaborResource
    for resource_id, resource in rates.resources.items():
        if isinstance(resource, LaborResource):
            for key in (resource_id, resource.name):
                if key:
                    found.setdefault(key.strip().lower(), (resource_id, resource))
                    found.setdefault(_slug(key), (resource_id, resource))
    return found


def _is_table(rates: ProcessModel | RateTable | None) -> bool:
    from abc_costing.model import RateTable

    return isinstance(rates, RateTable)


def _rate_for(name: str, rates: dict[str, tuple[str, LaborResource]]
              ) -> tuple[str, LaborResource] | None:
    return rates.get(name.strip().lower()) or rates.get(_slug(name))


#: Prefix of the key that stands for a parallel block in the collapsed sequence.
_BLOCK = "\0block"


def _node(block_of: dict[str, str]) -> pl.Expr:
    """Each event's node in the collapsed sequence: its activity, or its parallel block."""
    activity = pl.col("activity").cast(pl.String)
    return (activity.replace(block_of) if block_of else activity).alias("node")


def _runs(steps: pl.LazyFrame, block_of: dict[str, str]) -> pl.LazyFrame:
    """The events with the events of one parallel block collapsed into one row (its first).

    Columns ``node``, ``next_node`` (null at the end of a case) and ``opens`` (the
    case's first row). A repeated activity stays two rows: that is rework.
    """
    case = pl.col("case_id").to_physical()
    new_case = (case != case.shift(1)).fill_null(True)
    in_block = pl.col("node").str.starts_with(_BLOCK)
    return (steps.with_columns(_node(block_of))
            .filter(new_case | (pl.col("node") != pl.col("node").shift(1)) | ~in_block)
            .with_columns(pl.when(case == case.shift(-1)).then(pl.col("node").shift(-1))
                          .alias("next_node"),
                          new_case.alias("opens")))


def _follows(paths: pl.LazyFrame, block_of: dict[str, str]) -> list[tuple[str, str | None, int]]:
    """(node, next node or None for the end, count), by node, most frequent first.

    ``paths`` has one row per step of each variant (see :func:`_paths`), weighted by
    the variant's case count, so the counts are those of the log's cases.
    """
    return (_runs(paths, block_of).group_by("node", "next_node")
            .agg(pl.col("cases").sum().alias("n"))
            .sort(["node", "n", "next_node"], descending=[False, True, False], nulls_last=True)
            .collect().rows())


def _starts(paths: pl.LazyFrame, block_of: dict[str, str]) -> list[tuple[str, int]]:
    """(node, cases it opens), most frequent first."""
    return (_runs(paths, block_of).filter(pl.col("opens")).group_by("node")
            .agg(pl.col("cases").sum().alias("n")).sort(["n", "node"], descending=[True, False])
            .collect().rows())


def _parallel_blocks(paths: pl.LazyFrame, follows: list[tuple[str, str | None, int]]
                     ) -> list[list[str]]:
    """Sets of activities the log shows done in any order, as parallel blocks.

    Activities are concurrent when each was seen directly after the other.
    A group of pairwise concurrent activities becomes a block only when, in
    every case where one of them happens, each of them happens exactly once
    and nothing else happens in between: that is what a parallel split and
    join with one activity per branch allows, and what the model must
    reproduce. Anything looser (optional branches, repeats) stays exclusive.

    The test looks at whole cases, so it runs on the variants (``paths``, one
    "case" per variant): a case passes exactly when its path does.
    """
    seen = {(a, b) for a, b, _ in follows if b is not None and a != b}
    concurrent = {frozenset((a, b)) for a, b in seen if (b, a) in seen}
    group: dict[str, set[str]] = {}
    for pair in concurrent:
        merged = set(pair).union(*(group.get(a, set()) for a in pair))
        for activity in merged:
            group[activity] = merged
    blocks = []
    for members in {frozenset(g) for g in group.values()}:
        ordered = sorted(members)
        if any(frozenset((a, b)) not in concurrent
               for i, a in enumerate(ordered) for b in ordered[i + 1:]):
            continue
        size = len(ordered)
        fits = (paths.filter(pl.col("activity").is_in(ordered))
                .group_by("case_id")
                .agg(pl.len().alias("n"), pl.col("activity").n_unique().alias("distinct"),
                     (pl.col("pos").max() - pl.col("pos").min() + 1).alias("span"))
                .select(((pl.col("n") == size) & (pl.col("distinct") == size)
                         & (pl.col("span") == size)).all())
                .collect().item())
        if fits:
            blocks.append(ordered)
    return sorted(blocks)


@dataclass(frozen=True)
class _Observed:
    """What a log shows, aggregated: everything a mined model is built from.

    Attributes:
      stats: per activity, in order of first appearance: (activity, executions,
        cases, timed executions, mean, sd, min, median, max minutes, first position,
        mean wait minutes (None without start times), Σ recorded cost (None when
        the log records none)).
      follows: (node, next node or None for the end, count); nodes are activities
        or the keys of parallel blocks.
      blocks: the parallel blocks (sorted activity names each).
      block_of: activity -> the key of its parallel block.
      starts: (node, cases it opens).
      performers: activity -> [(resource, executions, measured minutes)], most
        frequent first.
      span: the first and the last timestamp.
    """

    stats: list[tuple]
    follows: list[tuple[str, str | None, int]]
    blocks: list[list[str]]
    block_of: dict[str, str]
    starts: list[tuple[str, int]]
    performers: dict[str, list[tuple[str, int, float]]]
    span: tuple


# --- partials: what one bucket of cases shows, merged exactly ---------------------------


@dataclass(frozen=True, eq=False)
class LogPartial:
    """The aggregates of some of a log's cases, from which the variants and a mined
    model are finished: :func:`log_partial` makes one, :func:`merge_partials` adds
    several up exactly.

    Every table is *case-local and additive*: a case's rows contribute only to
    rows keyed by what that case shows, by sums, counts, minima and maxima, so
    the partials of disjoint sets of whole cases merge into the partial of their
    union (a case must never be split between partials). The local engine is
    ``finish(merge([log_partial(whole log)]))``; the Spark engine
    (:mod:`abc_costing.mining_spark`) makes one partial per bucket of cases.

    Attributes:
      variants: one row per path: ``trace`` (list of activity names), ``cases``,
        and sums over its cases of ``cycle`` (minutes), ``labor`` (minutes),
        ``modelled`` (minutes × rate), ``recorded`` (the log's costs; null without
        a cost column), with ``priced`` (every event of every case had a rate).
        The routing of a mined model (directly-follows counts, starts, parallel
        blocks) is finished from these paths: each is a function of a case's path.
      activities: None unless made ``for_model``; else per activity: ``n``
        executions, ``cases`` (distinct cases, additive as cases are never split),
        ``timed`` (measured executions), ``minutes`` (their sum), ``m2`` (Σ squared
        deviations from this partial's mean, merged by Chan's rule for the sd),
        ``lo``/``hi`` minutes, ``first_pos``, ``waits``/``wait_sum`` (timed waits),
        ``recorded`` (Σ cost).
      minute_counts: None unless ``for_model``; (``activity``, ``minutes``, ``n``):
        how often each measured duration occurred, for the exact median.
      performers: None unless ``for_model``; (``activity``, ``resource``, ``n``,
        ``minutes``).
      span: the first and the last timestamp (None, None for no events).
      has_cost: whether the log records a cost per event.
      any_start: whether any event has a start time.
    """

    variants: pl.DataFrame
    activities: pl.DataFrame | None
    minute_counts: pl.DataFrame | None
    performers: pl.DataFrame | None
    span: tuple[Any, Any]
    has_cost: bool
    any_start: bool

    @property
    def case_count(self) -> int:
        """Cases in the partial."""
        return int(self.variants["cases"].sum())

    @property
    def event_count(self) -> int:
        """Events in the partial: each path's length times its cases."""
        return int(self.variants.select(
            (pl.col("trace").list.len().cast(pl.Int64) * pl.col("cases")).sum()).item())


def _priced_table(events: pl.DataFrame, rates: ProcessModel | RateTable | None
                  ) -> pl.LazyFrame | None:
    """resource -> rate per minute for the log's resources that ``rates`` prices.

    Matching is by each resource's own name, so a bucket of cases prices its
    resources exactly as the whole log would.
    """
    if rates is None:
        return None
    lookup = _rates_by_name(rates)
    names = events.select(pl.col("resource").unique().drop_nulls().cast(pl.String)
                          ).to_series().to_list()
    priced = [(name, matched[1].rate_per_minute) for name in names
              if (matched := _rate_for(name, lookup)) is not None]
    if not priced:
        return None
    return pl.LazyFrame({"resource": [n for n, _ in priced],
                         "rate_per_minute": [r for _, r in priced]},
                        schema={"resource": pl.Categorical, "rate_per_minute": pl.Float64})


def _priced_steps(events: pl.DataFrame, rates: ProcessModel | RateTable | None
                  ) -> pl.LazyFrame:
    """:func:`_steps` with each event's ``rate_per_minute``: the labour resource whose id
    or name matches the event's resource (null when none does)."""
    return _with_rates(_steps(events), _priced_table(events, rates))


def _with_rates(steps: pl.LazyFrame, table: pl.LazyFrame | None) -> pl.LazyFrame:
    """``steps`` with each event's ``rate_per_minute`` from ``table`` (see
    :func:`_priced_table`; null for all when there is none)."""
    if table is None:
        return steps.with_columns(pl.lit(None, dtype=pl.Float64).alias("rate_per_minute"))
    return steps.join(table, on="resource", how="left", maintain_order="left")


def log_partial(events: pl.DataFrame, *, has_cost: bool,
                rates: ProcessModel | RateTable | None = None,
                for_model: bool = False) -> LogPartial:
    """The partial of ``events`` (an :class:`EventLog`'s table: whole cases, each
    case's rows together in time order); see :class:`LogPartial`.

    ``rates`` prices the events for the variants' modelled cost; ``for_model``
    adds the per-activity tables :func:`discover_model` needs.

    >>> from datetime import datetime
    >>> events = pl.DataFrame({
    ...     "case_id": ["1", "1", "2"], "activity": ["a", "b", "a"],
    ...     "start_ts": [None, None, None], "end_ts": [datetime(2024, 3, 1, 10),
    ...     datetime(2024, 3, 1, 10, 30), datetime(2024, 3, 2, 9)],
    ...     "resource": [None, None, None]},
    ...     schema_overrides={"case_id": pl.Categorical, "activity": pl.Categorical,
    ...                       "start_ts": pl.Datetime("us"), "resource": pl.Categorical})
    >>> part = log_partial(events, has_cost=False)
    >>> part.case_count, part.event_count
    (2, 3)
    >>> sorted(part.variants.select("trace", "cases", "cycle").rows())
    [(['a'], 1, 0.0), (['a', 'b'], 1, 30.0)]
    """
    table = _priced_table(events, rates)
    steps = _with_rates(_steps(events), table)
    minutes, rate = pl.col("minutes").fill_null(0.0), pl.col("rate_per_minute")
    recorded = pl.col("cost").sum() if has_cost else pl.lit(None, dtype=pl.Float64)
    # Nothing priced: every case's modelled cost sums nulls (0.0) and none is priced,
    # said once per path below rather than summed per case.
    pricing = [] if table is None else [(minutes * rate).sum().alias("modelled"),
                                        rate.is_not_null().all().alias("priced")]
    per_case = steps.group_by("case_id", maintain_order=True).agg(
        pl.col("activity").alias("trace"),
        ((_micros("end_ts").max() - _micros(_BEGAN).min()) / _MINUTE_US).alias("cycle"),
        minutes.sum().alias("labor"), *pricing,
        recorded.alias("recorded")).collect()
    if table is None:
        per_case = per_case.with_columns(pl.lit(0.0).alias("modelled"),
                                         pl.lit(False).alias("priced"))
    # Collected before the grouping by path: in one query the optimiser drops the grouping
    # by case's order, and the cases (contiguous, in order) grouped unordered took twice the
    # CPU (5M events: 1.4 s against 0.8 s for both groupings).
    variants = (per_case.group_by("trace")
                .agg(pl.len().cast(pl.Int64).alias("cases"), pl.col("cycle").sum(),
                     pl.col("labor").sum(), pl.col("modelled").sum(), pl.col("priced").all(),
                     pl.col("recorded").sum() if has_cost
                     else pl.lit(None, dtype=pl.Float64).alias("recorded"))
                .with_columns(pl.col("trace").cast(pl.List(pl.String))))
    span = events.select(_BEGAN.min(), pl.col("end_ts").max()).row(0)
    any_start = bool(events["start_ts"].is_not_null().any())
    if not for_model:
        return LogPartial(variants, None, None, None, span, has_cost, any_start)
    activity = pl.col("activity").cast(pl.String)
    timed = steps.filter(pl.col("minutes").is_not_null())
    activities = (steps.group_by("activity")
                  .agg(pl.len().cast(pl.Int64).alias("n"),
                       pl.col("case_id").n_unique().cast(pl.Int64).alias("cases"),
                       pl.col("minutes").count().cast(pl.Int64).alias("timed"),
                       pl.col("minutes").sum().alias("minutes"),
                       ((pl.col("minutes") - pl.col("minutes").mean()) ** 2).sum().alias("m2"),
                       pl.col("minutes").min().alias("lo"), pl.col("minutes").max().alias("hi"),
                       pl.col("pos").min().alias("first_pos"),
                       pl.col("wait_minutes").count().cast(pl.Int64).alias("waits"),
                       pl.col("wait_minutes").sum().alias("wait_sum"),
                       (pl.col("cost").sum() if has_cost else pl.lit(None, dtype=pl.Float64))
                       .alias("recorded"))
                  .with_columns(activity).collect())
    minute_counts = (timed.group_by("activity", "minutes")
                     .agg(pl.len().cast(pl.Int64).alias("n"))
                     .with_columns(activity).collect())
    performers = (steps.filter(pl.col("resource").is_not_null())
                  .group_by("activity", "resource")
                  .agg(pl.len().cast(pl.Int64).alias("n"), pl.col("minutes").sum().alias("minutes"))
                  .with_columns(activity, pl.col("resource").cast(pl.String)).collect())
    return LogPartial(variants, activities, minute_counts, performers, span, has_cost,
                      any_start)


def _merged_span(spans: Sequence[tuple[Any, Any]]) -> tuple[Any, Any]:
    firsts = [first for first, _ in spans if first is not None]
    lasts = [last for _, last in spans if last is not None]
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)


def merge_partials(parts: Sequence[LogPartial]) -> LogPartial:
    """The partial of the union of ``parts`` (each of different, whole cases): sums,
    counts, minima and maxima add up; the squared deviations by Chan's rule
    (Σ m2ᵢ + Σ timedᵢ·(meanᵢ − mean)²), so the sd is exact, not a mean of sds.

    >>> from datetime import datetime
    >>> day = lambda h: datetime(2024, 3, 1, h)
    >>> def log(case, ends):
    ...     return pl.DataFrame({"case_id": [case] * len(ends), "activity": ["a"] * len(ends),
    ...         "start_ts": [None] * len(ends), "end_ts": [day(h) for h in ends],
    ...         "resource": [None] * len(ends)}, schema_overrides={"case_id": pl.Categorical,
    ...         "activity": pl.Categorical, "start_ts": pl.Datetime("us"),
    ...         "resource": pl.Categorical})
    >>> both = merge_partials([log_partial(log("1", [9, 10]), has_cost=False),
    ...                        log_partial(log("2", [9, 10]), has_cost=False)])
    >>> both.variants.select("cases", "cycle").row(0)  # two cases of 60 minutes
    (2, 120.0)
    """
    if not parts:
        raise ValueError("merge_partials needs at least one partial")
    variants = (pl.concat([p.variants for p in parts]).group_by("trace", maintain_order=True)
                .agg(pl.col("cases").sum(), pl.col("cycle").sum(), pl.col("labor").sum(),
                     pl.col("modelled").sum(), pl.col("priced").all(),
                     pl.col("recorded").sum() if parts[0].has_cost
                     else pl.col("recorded").first()))
    span = _merged_span([p.span for p in parts])
    has_cost, any_start = parts[0].has_cost, any(p.any_start for p in parts)
    if any(p.activities is None for p in parts):
        return LogPartial(variants, None, None, None, span, has_cost, any_start)
    stacked = pl.concat([p.activities for p in parts if p.activities is not None])
    mean_i = pl.col("minutes") / pl.col("timed")
    mean = pl.col("minutes").sum() / pl.col("timed").sum()
    activities = (stacked.group_by("activity", maintain_order=True).agg(
        pl.col("n").sum(), pl.col("cases").sum(), pl.col("timed").sum(),
        pl.col("minutes").sum(),
        (pl.col("m2").sum() + (pl.col("timed") * (mean_i - mean) ** 2)
         .filter(pl.col("timed") > 0).sum()).alias("m2"),
        pl.col("lo").min(), pl.col("hi").max(), pl.col("first_pos").min(),
        pl.col("waits").sum(), pl.col("wait_sum").sum(),
        pl.col("recorded").sum() if has_cost else pl.col("recorded").first()))
    minute_counts = (pl.concat([p.minute_counts for p in parts if p.minute_counts is not None])
                     .group_by("activity", "minutes", maintain_order=True)
                     .agg(pl.col("n").sum()))
    performers = (pl.concat([p.performers for p in parts if p.performers is not None])
                  .group_by("activity", "resource", maintain_order=True)
                  .agg(pl.col("n").sum(), pl.col("minutes").sum()))
    return LogPartial(variants, activities, minute_counts, performers, span, has_cost,
                      any_start)


def _paths(variants: pl.DataFrame) -> pl.LazyFrame:
    """One row per step of each variant: ``case_id`` (the variant's index), ``activity``,
    ``pos`` (1-based) and ``cases`` (its case count, the weight of each count)."""
    return (variants.lazy().select(pl.int_range(pl.len(), dtype=pl.Int64).alias("case_id"),
                                   pl.col("trace").alias("activity"), "cases")
            .explode("activity")
            .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("case_id")
                          .alias("pos")))


def _medians(minute_counts: pl.DataFrame) -> dict[str, float]:
    """Each activity's median measured minutes from how often each value occurred, as
    Polars' ``median`` takes it (linear between the two middle values)."""
    from bisect import bisect_right
    from itertools import accumulate

    medians: dict[str, float] = {}
    ordered = minute_counts.sort("activity", "minutes")
    for (name,), group in ordered.group_by("activity", maintain_order=True):
        values = group["minutes"].to_list()
        ends = list(accumulate(group["n"].to_list()))  # value i covers ranks [ends[i-1], ends[i])
        middle = (ends[-1] - 1) / 2
        low = float(values[bisect_right(ends, int(middle))])
        if middle == int(middle):
            medians[str(name)] = low
        else:
            medians[str(name)] = low + (float(values[bisect_right(ends, int(middle) + 1)])
                                        - low) * 0.5
    return medians


def _observe(part: LogPartial) -> _Observed:
    """Finish the model's aggregates from a (merged) partial."""
    if part.activities is None or part.minute_counts is None or part.performers is None:
        raise ValueError("discovering a model needs a partial made with for_model=True")
    medians = _medians(part.minute_counts)
    ordered = part.activities.sort(["first_pos", "n", "activity"],
                                   descending=[False, True, False])
    stats: list[tuple] = []
    for row in ordered.iter_rows(named=True):
        timed = row["timed"]
        mean = row["minutes"] / timed if timed else None
        sd = (row["m2"] / (timed - 1)) ** 0.5 if timed > 1 else None
        wait = row["wait_sum"] / row["waits"] if row["waits"] else None
        stats.append((row["activity"], row["n"], row["cases"], timed, mean, sd,
                      row["lo"], medians.get(row["activity"]), row["hi"], row["first_pos"],
                      wait, row["recorded"] if part.has_cost else None))
    paths = _paths(part.variants)
    follows = _follows(paths, {})
    blocks = _parallel_blocks(paths, follows)
    block_of = {member: f"{_BLOCK}{index}" for index, members in enumerate(blocks)
                for member in members}
    if block_of:  # the blocks collapse into one step each: count what follows them
        follows = _follows(paths, block_of)
    performers: dict[str, list[tuple[str, int, float]]] = {}
    for name, resource, count, minutes in (part.performers
                                           .sort(["activity", "n", "resource"],
                                                 descending=[False, True, False]).rows()):
        performers.setdefault(name, []).append((resource, count, minutes))
    return _Observed(stats=stats, follows=follows, blocks=blocks, block_of=block_of,
                     starts=_starts(paths, block_of), performers=performers, span=part.span)


def _mix(performers: list[tuple[str, int, float]]) -> list[tuple[str, float]]:
    """Each performer's share of an activity's labour: its share of the measured minutes
    (of the executions by count when none were measured), largest first.

    With these shares the model books each role the minutes it spent, so a mined
    model costs what its log costs however the roles' rates differ.

    >>> _mix([("clerk", 3, 30.0), ("lawyer", 1, 90.0)])
    [('clerk', 0.25), ('lawyer', 0.75)]
    """
    minutes = sum(m for _, _, m in performers)
    if minutes > 0:
        return [(name, m / minutes) for name, _, m in performers if m > 0]
    executions = sum(n for _, n, _ in performers)
    return [(name, n / executions) for name, n, _ in performers]


def _roles(observed: _Observed, rates: ProcessModel | RateTable | None
           ) -> tuple[dict[str, dict[str, Any]], dict[str, list[tuple[str, float]]],
                      dict[str, float | None]]:
    """The labour resources (one per performer) and each activity's mix of them.

    Returns ``(resources, role_mix, rate_of)``: resource id -> its entry in the
    model; activity -> [(resource id, share of its minutes)]; resource id ->
    its rate per minute (None where it is a placeholder).
    """
    from abc_costing.formats.model_text import Commented, OneLine
    from abc_costing.model.ids import UniqueIds

    lookup = _rates_by_name(rates)
    rates_from = "the rates table" if _is_table(rates) else "the rates model"
    resources: dict[str, Any] = {}
    role_mix: dict[str, list[tuple[str, float]]] = {}
    role_ids: dict[str, str] = {}
    rate_of: dict[str, float | None] = {}
    resource_ids = UniqueIds()

    def role(name: str | None) -> str:
        key = name if name is not None else "\0performer"
        if key in role_ids:
            return role_ids[key]
        matched = _rate_for(name, lookup) if name is not None else None
        wanted = matched[0] if matched else (_id_for(name) if name else "performer")
        role_id = role_ids[key] = resource_ids.new(wanted)
        if matched is not None:
            source_id, resource = matched
            data = resource.model_dump(mode="json", exclude_unset=True, exclude_none=True)
            data["kind"] = "labor"
            resources[role_id] = Commented(
                OneLine(data), f"rate from {rates_from}, resource {source_id!r}")
            rate_of[role_id] = resource.rate_per_minute
            return role_id
        why = f"not in {rates_from}" if rates is not None else "no rates given"
        entry: dict[str, Any] = {"kind": "labor"}
        if name:
            entry["name"] = name
        else:
            why = "the log names no resources"
        entry["rate_per_hour"] = Commented(PLACEHOLDER, f"{why}: fill in")
        resources[role_id] = entry
        rate_of[role_id] = None
        return role_id

    for activity, *_ in observed.stats:
        seen = observed.performers.get(activity)
        role_mix[activity] = [(role(name), share) for name, share in _mix(seen)] if seen \
            else [(role(None), 1.0)]
    return resources, role_mix, rate_of


def _scaled(duration: Any, share: float) -> Any:
    """``share`` of a duration as the model writes it (a number or a lognormal)."""
    if share == 1.0:
        return duration
    if isinstance(duration, dict):
        (name, params), = duration.items()
        return {name: {key: _n(value * share) for key, value in params.items()}}
    return _n(duration * share) if isinstance(duration, float | int) else duration


def _activities(observed: _Observed, *, has_start: bool, activity_id: dict[str, str],
                role_mix: dict[str, list[tuple[str, float]]],
                rate_of: dict[str, float | None], problems: list[Problem]) -> dict[str, Any]:
    """The activities: name, labour minutes of their resources, the wait before them,
    the recorded cost that labour does not explain; where each figure came from."""
    from abc_costing.formats.model_text import Commented, OneLine
    from abc_costing.i18n import N_
    from abc_costing.problems import Problem

    method = "end − start" if has_start else "since the previous completion"
    activities: dict[str, Any] = {}
    for activity, n, cases, timed, mean, sd, lo, mid, hi, _, wait, recorded in observed.stats:
        aid = activity_id[activity]
        seen = observed.performers.get(activity, [])
        who = ", ".join(f"{r} {c}" for r, c, _ in seen[:5]) + (" ..." if len(seen) > 5 else "")
        notes = [f"{n} executions in {cases} cases" + (f"; done by {who}" if who else "")]
        duration: Any
        if timed:
            notes.append(f"minutes ({method}, {timed} observed): min {_n(lo)}, "
                         f"median {_n(mid)}, max {_n(hi)}")
            if sd is None or sd == 0 or mean == 0:
                duration = _n(mean)
            else:
                duration = {"lognormal": {"mean": _n(mean), "sd": _n(sd)}}
        else:
            notes.append("no duration observed (the log has one timestamp and this "
                         "activity only opens cases): fill in")
            duration = PLACEHOLDER
            problems.append(Problem(N_("no duration could be measured from the log"),
                                    element=aid, severity="warning"))
        mix = role_mix[activity]
        if len(mix) > 1:
            notes.append("labour split by the roles' shares of the measured minutes: "
                         + ", ".join(f"{role} {share:.1%}" for role, share in mix))
        labor = {role: _scaled(duration, share) for role, share in mix}
        entry: dict[str, Any] = {"name": activity, "labor": Commented(OneLine(labor),
                                                                      above=tuple(notes))}
        if wait is not None and _n(wait) > 0:
            entry["wait"] = Commented(_n(wait), "mean minutes from the case's previous "
                                      "completion to this start (0 when it opens the case)")
        if recorded is not None:
            entry.update(_other_cost(recorded / n, labor, rate_of))
        activities[aid] = entry
    return activities


def _other_cost(recorded_per_execution: float, labor: dict[str, Any],
                rate_of: dict[str, float | None]) -> dict[str, Any]:
    """``other_cost``: the recorded cost per execution that the model's labour does not
    explain (fees, materials), so that the model costs what the log recorded; nothing
    (a comment on the labour) while a rate or a duration is a placeholder, or when
    labour already costs more than was recorded."""
    from abc_costing.formats.model_text import Commented

    labour_cost = 0.0
    for role, minutes in labor.items():
        mean, rate = _mean_of(minutes), rate_of[role]
        if mean is None or rate is None:
            return {"other_cost": Commented(0.0, (
                f"recorded {_n(recorded_per_execution)} per execution on average; once the "
                "rates are filled in, other_cost is that minus labour"))}
        labour_cost += mean * rate
    unexplained = recorded_per_execution - labour_cost
    if unexplained < 0:
        return {"other_cost": Commented(0.0, (
            f"recorded {_n(recorded_per_execution)} per execution on average, less than "
            f"labour {_n(labour_cost)}: nothing left for other costs"))}
    return {"other_cost": Commented(_n(unexplained), (
        f"recorded cost not explained by labour: {_n(recorded_per_execution)} recorded per "
        f"execution on average − {_n(labour_cost)} labour (fees, materials, ...)"))}


def _mean_of(minutes: Any) -> float | None:
    if isinstance(minutes, dict):
        (_, params), = minutes.items()
        return float(params["mean"])
    return None if minutes == PLACEHOLDER else float(minutes)


def _routing(observed: _Observed, activity_id: dict[str, str], ids: UniqueIds
             ) -> tuple[dict[str, Any], list[Any]]:
    """The gateways and flows: ``(gateways, flows)``.

    Gateways after activities with several successors, merges before reworked
    ones, a parallel split and join around each block of activities done in
    any order.
    """
    from abc_costing.formats.model_text import Commented, OneLine

    blocks, block_of = observed.blocks, observed.block_of
    successors: dict[str, dict[str | None, int]] = {}
    for source, target, count in observed.follows:
        successors.setdefault(source, {})[target] = count
    reworked = {a for a, nexts in successors.items() if a in nexts}
    entry = {a: activity_id[a] for a in activity_id}  # where a flow into a node goes
    leave: dict[str, str] = {a: activity_id[a] for a in activity_id if a not in block_of}
    gateways: dict[str, Any] = {}
    flows: list[Any] = []
    merges: list[Any] = []

    def gateway(gateway_id: str, kind: str, name: str) -> None:
        gateways[gateway_id] = OneLine({"kind": kind, "name": name})

    for activity in activity_id:
        if activity in reworked:
            merge = ids.new(f"rework_{activity_id[activity]}")
            gateway(merge, "exclusive", "rework: back to " + activity)
            merges.append([merge, activity_id[activity]])
            entry[activity] = merge
    sources_into = Counter([node for node, _ in observed.starts]
                           + [target for _, target, _ in observed.follows if target is not None])
    for index, members in enumerate(blocks):
        node = f"{_BLOCK}{index}"
        fork, join = ids.new(f"parallel_{index + 1}"), ids.new(f"join_{index + 1}")
        listed = ", ".join(members)
        gateway(fork, "parallel", "in any order: " + listed)
        gateway(join, "parallel", "all done: " + listed)
        for member in members:
            merges.append([fork, activity_id[member]])
            merges.append([activity_id[member], join])
        entry[node], leave[node] = fork, join
        if sources_into.get(node, 0) > 1:  # a parallel gateway either merges or splits
            merge = ids.new(f"into_{fork}")
            gateway(merge, "exclusive", "into " + listed)
            merges.append([merge, fork])
            entry[node] = merge

    def target_id(target: str | None) -> str:
        return "end" if target is None else entry[target]

    def split(source: str, counts: dict[str | None, int], split_id: str, name: str) -> None:
        total = sum(counts.values())
        if len(counts) == 1:
            (target, count), = counts.items()
            flows.append(Commented([source, target_id(target)], f"{count} of {total}"))
            return
        gateway(split_id, "exclusive", name)
        flows.append(Commented([source, split_id], f"{total}"))
        shares = _shares({str(k): v for k, v in counts.items()})
        for target, count in counts.items():
            flows.append(Commented([split_id, target_id(target), shares[str(target)]],
                                   f"{count} of {total}"))

    split("start", dict(observed.starts), ids.new("start_split"), "first activity")
    for node, source in leave.items():
        label = node if not node.startswith(_BLOCK) else \
            "the parallel block " + ", ".join(blocks[int(node[len(_BLOCK):])])
        split(source, successors.get(node, {}), ids.new(f"after_{source}"), f"after {label}")
    return gateways, [*flows, *merges]


def _header(facts: LogFacts, part: LogPartial, observed: _Observed) -> list[str]:
    """The comment block at the top of a mined model: the log and the method."""
    first, last = observed.span
    return [
        "=" * 76,
        f"Discovered from the event log {Path(facts.source).name} by `abc-costing mine`.",
        f"{part.case_count} cases, {part.event_count} events, "
        f"from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M}.",
        "Probabilities: observed shares of what followed each activity (directly-",
        "  follows counts), rounded to 10 decimals; the largest takes the remainder.",
        "Durations (minutes): " + ("end − start of each event." if facts.has_start else
                                   "time since the previous completion in the case "
                                   "(includes waiting)."),
        "  Written as lognormal(mean, sd) of the observed minutes: the exact engine",
        "  costs the mean, which this keeps as observed.",
        "Labour: an activity's minutes go to the resources that did it, each its share",
        "  of the measured minutes, so the model costs what the log's events cost.",
        *(["Wait: mean minutes from the case's previous completion to the start."]
          if facts.has_start else []),
        *(["Recorded cost: what labour does not explain, per execution, is other_cost."]
          if facts.has_cost else []),
        *(f"Parallel: {', '.join(members)} were done in any order, each once per case "
          "with nothing between: a parallel split and join." for members in observed.blocks),
        "=" * 76,
    ]


def discover_model(
    log: EventLog,
    *,
    process: str = "mined",
    variant: str = "as_is",
    rates: ProcessModel | RateTable | None = None,
    title: str | None = None,
) -> tuple[str, list[Problem]]:
    """Discover a costable ``abc-costing/1`` model from ``log``; return its YAML text.

    Returns ``(text, problems)``: the problems are what
    :func:`~abc_costing.formats.parse_model_text` finds in the text (the
    ``"?"`` placeholders for rates and durations the log cannot give), plus
    warnings about the log. The text is commented: case counts, and where each
    figure came from. See the module docstring for the method.

    Names from the log (activities, resources, the file name) reach the text
    only through the YAML emitter (:mod:`abc_costing.formats.model_text`), so a
    name can hold any text, line breaks and ``key: value`` included, and comes
    back from the model exactly as the log wrote it.
    """
    return model_from_partial(
        merge_partials([log_partial(log.events, has_cost=log.has_cost, for_model=True)]),
        LogFacts(source=log.source, has_start=log.has_start, has_cost=log.has_cost),
        process=process, variant=variant, rates=rates, title=title)


@dataclass(frozen=True)
class LogFacts:
    """What a mined model says about its log besides the partial's aggregates.

    Attributes:
      source: the file the log was read from (its name goes in the title).
      has_start: whether durations are end − start (else time since the previous event).
      has_cost: whether the log records a cost per event.
    """

    source: str
    has_start: bool
    has_cost: bool


def model_from_partial(
    part: LogPartial,
    facts: LogFacts,
    *,
    process: str = "mined",
    variant: str = "as_is",
    rates: ProcessModel | RateTable | None = None,
    title: str | None = None,
) -> tuple[str, list[Problem]]:
    """Finish a mined model from a merged partial (made ``for_model``): what
    :func:`discover_model` returns for the log the partial came from.

    >>> import pathlib, tempfile
    >>> from abc_costing.formats.event_log import read_event_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = path.write_text("case,activity,end\\n1,a,2024-03-01 10:00\\n"
    ...                     "1,b,2024-03-01 10:30\\n", encoding="utf-8")
    >>> log = read_event_log(path)
    >>> part = log_partial(log.events, has_cost=False, for_model=True)
    >>> facts = LogFacts(source=log.source, has_start=False, has_cost=False)
    >>> model_from_partial(part, facts)[0] == discover_model(log)[0]
    True
    """
    from abc_costing.formats.model_text import Commented, OneLine, yaml_text
    from abc_costing.formats.yaml_model import parse_model_text
    from abc_costing.model.ids import UniqueIds

    observed = _observe(part)
    ids = UniqueIds()
    ids.taken.update(("start", "end"))
    activity_id = {row[0]: ids.new(_id_for(row[0])) for row in observed.stats}
    problems: list[Problem] = []
    resources, role_mix, rate_of = _roles(observed, rates)
    activities = _activities(observed, has_start=facts.has_start, activity_id=activity_id,
                             role_mix=role_mix, rate_of=rate_of, problems=problems)
    gateways, flows = _routing(observed, activity_id, ids)
    document = {
        "format": "abc-costing/1",
        "process": process,
        "variant": variant,
        "title": title or f"{process} (mined from {Path(facts.source).name})",
        "currency": rates.currency if rates is not None else "RUB",
        "resources": Commented(resources, above=("",)),
        "activities": Commented(activities, above=("",)),
        "gateways": Commented(gateways, above=("",)),
        "events": Commented({"start": OneLine({"kind": "start", "name": "case starts"}),
                             "end": OneLine({"kind": "end", "name": "case ends"})},
                            above=("",)),
        "flows": Commented(flows, above=("",)),
    }
    text = yaml_text(document, header=_header(facts, part, observed))
    _, found = parse_model_text(text)
    return text, [*found, *problems]


# --- variants ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceVariant:
    """One distinct path through the process as the log recorded it.

    Attributes:
      activities: the activity names in the order they happened.
      case_count: number of cases that took exactly this path.
      share: case_count / all cases.
      mean_cycle_time_minutes: from the first start (or completion) to the last completion.
      mean_labor_minutes: Σ measured minutes of the events, per case (events whose
        minutes cannot be measured count 0).
      cost_per_case: mean of labour minutes × the rate of the resource that did
        each event (the modelled cost); None unless every event's resource has a rate.
      fits_design: whether the designed model allows this path; None without one.
      recorded_cost_per_case: mean of the costs the log recorded for the case's
        events (an event without one counts 0); None when the log records none.
    """

    activities: tuple[str, ...]
    case_count: int
    share: float
    mean_cycle_time_minutes: float
    mean_labor_minutes: float
    cost_per_case: float | None
    fits_design: bool | None
    recorded_cost_per_case: float | None = None

    @property
    def total_cost(self) -> float | None:
        """case_count × cost_per_case."""
        return None if self.cost_per_case is None else self.case_count * self.cost_per_case

    @property
    def unexplained_cost_per_case(self) -> float | None:
        """Recorded minus modelled cost per case: what minutes × rates do not explain
        (fees, materials, ...); None unless both are known.

        >>> TraceVariant(("a",), 2, 1.0, 40.0, 40.0, 1100.0, None, 10500.0
        ...              ).unexplained_cost_per_case
        9400.0
        """
        if self.recorded_cost_per_case is None or self.cost_per_case is None:
            return None
        return self.recorded_cost_per_case - self.cost_per_case

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON."""
        return {**asdict(self), "activities": list(self.activities),
                "total_cost": self.total_cost,
                "unexplained_cost_per_case": self.unexplained_cost_per_case}


def trace_variants(log: EventLog, *, rates: ProcessModel | RateTable | None = None
                   ) -> list[TraceVariant]:
    """The trace variants of ``log``, the costliest (case count × cost per case) first.

    With ``rates``, events are priced by the labour resource whose id or name
    matches the event's resource, and each variant is replayed on the model's
    flow (``fits_design``; see :func:`fits_model`). Variants without a cost
    follow, the most frequent first. A rates table prices the events but has
    no flow to replay them on: ``fits_design`` stays None.
    """
    part = log_partial(log.events, has_cost=log.has_cost, rates=rates)
    return variants_from_partial(merge_partials([part]), rates=rates)


def variants_from_partial(part: LogPartial, *, rates: ProcessModel | RateTable | None = None
                          ) -> list[TraceVariant]:
    """Finish the trace variants from a merged partial: what :func:`trace_variants`
    returns for the log the partial came from (made with the same ``rates``).

    >>> from datetime import datetime
    >>> events = pl.DataFrame({"case_id": ["1", "2"], "activity": ["a", "a"],
    ...     "start_ts": [datetime(2024, 3, 1, 9), datetime(2024, 3, 1, 9)],
    ...     "end_ts": [datetime(2024, 3, 1, 10), datetime(2024, 3, 1, 9, 30)],
    ...     "resource": [None, None]}, schema_overrides={"case_id": pl.Categorical,
    ...     "activity": pl.Categorical, "resource": pl.Categorical})
    >>> [(v.case_count, v.mean_labor_minutes) for v in variants_from_partial(
    ...     log_partial(events, has_cost=False))]  # (60 + 30) / 2
    [(2, 45.0)]
    """
    # A rates table prices the events; only a model also has a flow to replay them on.
    design = None
    if rates is not None:  # without rates, the records (pydantic, networkx) stay unloaded
        from abc_costing.model import ProcessModel

        design = rates if isinstance(rates, ProcessModel) else None
    rows = part.variants.select("trace", "cases", "cycle", "labor", "modelled", "priced",
                                "recorded").rows()
    total = sum(r[1] for r in rows)
    variants = [
        TraceVariant(activities=tuple(trace), case_count=int(n), share=n / total,
                     mean_cycle_time_minutes=cycle / n, mean_labor_minutes=labor / n,
                     cost_per_case=modelled / n if priced else None,
                     fits_design=None if design is None else fits_model(trace, design),
                     recorded_cost_per_case=None if recorded is None or not part.has_cost
                     else recorded / n)
        for trace, n, cycle, labor, modelled, priced, recorded in rows
    ]
    variants.sort(key=lambda v: (v.total_cost is None, -(v.total_cost or 0.0),
                                 -v.case_count, v.activities))
    return variants


def priced_events(log: EventLog, *, rates: ProcessModel | RateTable | None = None
                  ) -> pl.DataFrame:
    """Each event of ``log`` with its modelled labour cost, in the log's order.

    Columns: the log's own (``case_id``, ``activity``, ``start_ts``, ``end_ts``,
    ``resource``, ``cost`` when it records one, ...) plus ``labor_minutes`` (as
    :func:`trace_variants` measures them; null where they cannot be) and
    ``labor_cost``: minutes × the rate of the event's resource, null when the
    resource has no rate. Summed over a case's events, ``labor_cost`` is the
    case's modelled cost that :func:`trace_variants` averages.
    """
    return (_priced_steps(log.events, rates)
            .with_columns(pl.col("minutes").alias("labor_minutes"),
                          (pl.col("minutes").fill_null(0.0) * pl.col("rate_per_minute"))
                          .alias("labor_cost"))
            .select(*log.events.columns, "labor_minutes", "labor_cost").collect())


def conformance(variants: Sequence[TraceVariant]) -> float | None:
    """Share of cases whose path the designed model allows; None without a design.

    >>> v = TraceVariant(("a",), 3, 0.75, 1.0, 1.0, None, True)
    >>> w = TraceVariant(("b",), 1, 0.25, 1.0, 1.0, None, False)
    >>> conformance([v, w])
    0.75
    """
    if not variants or any(v.fits_design is None for v in variants):
        return None
    return sum(v.share for v in variants if v.fits_design)


# --- replay on a designed model ---------------------------------------------------------


def fits_model(activities: Sequence[str], model: ProcessModel) -> bool:
    """Whether ``model``'s flow allows exactly this sequence of activities.

    Activities are matched by id or by name. The trace is replayed with tokens
    on the flows: an exclusive gateway passes a token to any one exit, a
    parallel gateway waits for a token on every entry and sends one down every
    exit, an end event consumes a token. The trace fits when the tokens can
    all be consumed by end events after its last activity.

    >>> from abc_costing.model import ProcessModel
    >>> m = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "activities": {"a": {}, "b": {"name": "Проверка"}},
    ...     "gateways": {"x": {"kind": "exclusive"}, "m": {"kind": "exclusive"}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "m"], ["m", "a"], ["a", "x"], ["x", "m", 0.5], ["x", "b", 0.5],
    ...               ["b", "e"]]})
    >>> fits_model(["a", "a", "Проверка"], m), fits_model(["Проверка"], m)
    (True, False)
    """
    kinds = model.node_kinds
    into: dict[str, list[int]] = {}
    out_of: dict[str, list[int]] = {}
    for index, flow in enumerate(model.flows):
        out_of.setdefault(flow.source, []).append(index)
        into.setdefault(flow.target, []).append(index)
    by_label: dict[str, set[str]] = {}
    for activity_id, activity in model.activities.items():
        for label in (activity_id, activity.name):
            if label:
                by_label.setdefault(label, set()).add(activity_id)
    starts = [n for n, k in kinds.items() if k == "start"]
    if len(starts) != 1:
        return False

    Marking = tuple[int, ...]

    def moved(marking: Marking, take: Sequence[int], give: Sequence[int]) -> Marking | None:
        tokens = Counter(marking)
        for edge in take:
            if tokens[edge] == 0:
                return None
            tokens[edge] -= 1
        tokens.update(give)
        return tuple(sorted(tokens.elements()))

    def silent(marking: Marking) -> list[Marking]:
        found = []
        for edge in set(marking):
            node = model.flows[edge].target
            kind = kinds.get(node)
            match kind:  # what a token does at a node without labour
                case "end":
                    found.append(moved(marking, [edge], []))
                case "exclusive":
                    found += [moved(marking, [edge], [exit_]) for exit_ in out_of.get(node, [])]
                case "parallel":
                    found.append(moved(marking, into.get(node, []), out_of.get(node, [])))
                case "activity" | "start" | None:
                    pass  # an activity is a step of the trace; a start is never entered
                case _:
                    assert_never(kind)
        return [m for m in found if m is not None]

    def closure(markings: set[Marking]) -> set[Marking] | None:
        seen, frontier = set(markings), list(markings)
        while frontier:
            for nxt in silent(frontier.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
                    if len(seen) > _REPLAY_LIMIT:
                        return None
        return seen

    current: set[Marking] | None = {tuple(sorted(out_of.get(starts[0], [])))}
    for label in activities:
        current = closure(current) if current is not None else None
        if not current:
            return False
        targets = by_label.get(label, set())
        fired: set[Marking] = set()
        for marking in current:
            for edge in set(marking):
                node = model.flows[edge].target
                if node in targets:
                    after = moved(marking, [edge], out_of.get(node, []))
                    if after is not None:
                        fired.add(after)
        current = fired
    final = closure(current) if current else None
    return final is not None and () in final
