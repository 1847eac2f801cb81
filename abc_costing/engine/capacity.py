"""Capacity of shared labour pools at the planned volumes (time-driven ABC).

A labour resource id names one pool of people across the whole library: the
``lawyer`` of contract approval and the ``lawyer`` of procurement are the same
lawyers. For each pool, per month:

    minutes used          = Σ over processes  volume_per_year / 12 × minutes per instance
    practical capacity    = capacity_hours_per_month × 60
                            (stated, or headcount × hours_per_day × days_per_month
                             × (1 − unproductive_share))
    utilization           = minutes used / practical capacity
    unused capacity cost  = (1 − utilization) × pool cost per month   (utilization < 1)
    FTE needed            = hours used / practical hours per person per month

where the minutes per instance are the exact engine's (expected executions ×
mean minutes) and the pool cost per month is ``cost_per_month`` (the whole
pool), or ``rate_per_hour`` × capacity hours. The cost of unused capacity is
reported apart and never loaded onto processes: time-driven rates already
charge processes only for the minutes they use. A utilization above 1 is a
shortage. A pool with a rate but no capacity shows its usage only.

Which variant of each process counts: ``as_is`` (the current state) by
default, or one name for all processes, or a mapping process -> variant; a
process without the variant asked for counts its ``as_is`` (and the report
says so). Headcount and practical capacity follow one rule, :func:`staffing`,
which the queueing simulation applies too.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> def model(process, minutes):
...     return ProcessModel.model_validate({
...         "format": "abc-costing/1", "process": process, "variant": "as_is",
...         "volume_per_year": 1200,
...         "resources": {"lawyer": {"kind": "labor", "cost_per_month": 330000,
...                                  "capacity_hours_per_month": 110}},
...         "activities": {"review": {"labor": {"lawyer": minutes}}},
...         "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...         "flows": [["s", "review"], ["review", "e"]]})
>>> report = capacity_report([model("contracts", 30), model("claims", 36)])
>>> pool = report.pool("lawyer")
>>> pool.minutes_per_month  # 100 a month × (30 + 36) min
6600.0
>>> pool.utilization, pool.unused_capacity_cost_per_month  # 6600 / (110 × 60)
(1.0, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import assert_never

from abc_costing.engine.costing import TOO_LARGE, cost_model
from abc_costing.i18n import N_, Message, joined
from abc_costing.model import LaborResource, PerUseResource, ProcessModel
from abc_costing.numbers import Figure
from abc_costing.problems import ModelError, Problem

__all__ = [
    "months_short_after_release",
    "DEFAULT_VARIANT",
    "Staffing",
    "staffing",
    "PoolUse",
    "PoolCapacity",
    "SkippedProcess",
    "CapacityReport",
    "PoolRelease",
    "capacity_report",
    "capacity_reports",
    "released_heads",
]

#: The variant that stands for the current state of a process.
DEFAULT_VARIANT = "as_is"

MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class Staffing:
    """How many people a labour pool has and how much of their time it can give.

    The one rule that :func:`capacity_report` and the queueing simulation
    (:func:`abc_costing.simulation.queueing.simulate_queues`) both apply, so a
    pool reads the same in both:

    * the practical capacity is the record's ``capacity_hours_per_month``:
      stated, or derived from its calendar (headcount × hours_per_day ×
      days_per_month × (1 − unproductive_share)); without either it is
      **unknown**: a headcount alone says how many people, not for how long;
    * the headcount is the stated one, or 1 when not stated;
    * nothing is assumed: no default working day, no default headcount for a
      pool whose capacity is unknown.

    Attributes:
      headcount: people in the pool (1 when not stated).
      headcount_stated: whether the record states it.
      hours_per_day, days_per_month: the pool's own calendar (None when not stated).
      capacity_minutes_per_month: practical minutes per month of the whole
        pool (None: capacity unknown).
      basis: the rule applied to this pool, in words (shown in the reports).

    >>> from abc_costing.model import LaborResource
    >>> team = LaborResource.model_validate({"kind": "labor", "cost_per_month": 300000,
    ...     "headcount": 2, "hours_per_day": 8, "days_per_month": 20,
    ...     "unproductive_share": 0.25})
    >>> staffing(team).capacity_minutes_per_month  # 2 × 8 × 20 × 0.75 h × 60
    14400.0
    >>> staffing(team).basis
    '2 people × 8 h × 20 days × (1 − 0.25) = 240 h a month'
    >>> staffing(LaborResource(kind="labor", rate_per_hour=600)).basis
    'capacity unknown: no capacity_hours_per_month nor working calendar'
    """

    headcount: float
    headcount_stated: bool
    hours_per_day: float | None
    days_per_month: float | None
    capacity_minutes_per_month: float | None
    basis: str

    @property
    def known(self) -> bool:
        """Whether the pool's practical capacity is known."""
        return self.capacity_minutes_per_month is not None


def staffing(resource: LaborResource) -> Staffing:
    """The headcount and practical capacity of one labour pool (see :class:`Staffing`).

    >>> from abc_costing.model import LaborResource
    >>> lawyers = LaborResource.model_validate({"kind": "labor", "cost_per_month": 585900,
    ...     "headcount": 3, "capacity_hours_per_month": 360})
    >>> s = staffing(lawyers)
    >>> s.headcount, s.capacity_minutes_per_month, s.basis
    (3.0, 21600.0, 'capacity stated: 360 h a month, 3 people')
    """
    headcount = 1.0 if resource.headcount is None else float(resource.headcount)
    # said in the reader's language later (a table of the CLI, a page, a workbook)
    people = (N_("{count} people", count=Figure.as_written(headcount))
              if resource.headcount is not None else N_("1 person (headcount not stated)"))
    hours = resource.capacity_hours_per_month
    basis: Message
    if hours is None:
        basis = N_("capacity unknown: no capacity_hours_per_month nor working calendar")
    elif resource.hours_per_day is not None and resource.days_per_month is not None:
        figures = {"people": people, "hours_per_day": Figure.as_written(resource.hours_per_day),
                   "days": Figure.as_written(resource.days_per_month),
                   "hours": Figure.as_written(hours)}
        unproductive = resource.unproductive_share or 0.0
        basis = (N_("{people} × {hours_per_day} h × {days} days × (1 − {unproductive}) = "
                    "{hours} h a month", unproductive=Figure.as_written(unproductive), **figures)
                 if unproductive else
                 N_("{people} × {hours_per_day} h × {days} days = {hours} h a month", **figures))
    else:
        basis = N_("capacity stated: {hours} h a month, {people}",
                   hours=Figure.as_written(hours), people=people)
    return Staffing(
        headcount=headcount,
        headcount_stated=resource.headcount is not None,
        hours_per_day=resource.hours_per_day,
        days_per_month=resource.days_per_month,
        capacity_minutes_per_month=None if hours is None else hours * 60.0,
        basis=basis,
    )


@dataclass(frozen=True)
class PoolUse:
    """What one process variant asks of one pool.

    Attributes:
      process, variant: the model.
      minutes_per_instance: the exact engine's expected minutes of this pool.
      minutes_per_month: volume_per_year / 12 × minutes_per_instance.
    """

    process: str
    variant: str
    minutes_per_instance: float
    minutes_per_month: float


@dataclass(frozen=True)
class PoolCapacity:
    """The load on one labour pool against its practical capacity, per month.

    Attributes:
      id, name: the resource id (the pool) and its display name.
      currency: the currency of the money figures (of the defining model).
      headcount: people in the pool (None when not stated).
      rate_per_minute: the pool's rate.
      minutes_per_month: minutes used by all counted processes.
      hours_per_month: the same in hours.
      capacity_minutes_per_month: practical capacity (None: capacity unknown).
      utilization: used / capacity (None when the capacity is unknown).
      pool_cost_per_month: what the pool costs per month (None when unknown).
      used_cost_per_month: the cost of the minutes used (rate × minutes).
      unused_capacity_cost_per_month: (1 − utilization) × pool cost when
        utilization < 1, else 0 (None when unknown).
      shortage: utilization above 1.
      shortage_minutes_per_month: minutes used beyond capacity (0 without a shortage).
      hours_per_person_per_month: practical hours of one person (None: unknown).
      fte_needed: hours used / hours per person (None when unknown).
      uses: one :class:`PoolUse` per process variant using the pool.
      basis: how the capacity was found, in words (:func:`staffing`'s rule,
        which the queueing simulation applies too).
    """

    id: str
    name: str
    currency: str
    headcount: float | None
    rate_per_minute: float
    minutes_per_month: float
    hours_per_month: float
    capacity_minutes_per_month: float | None
    utilization: float | None
    pool_cost_per_month: float | None
    used_cost_per_month: float
    unused_capacity_cost_per_month: float | None
    shortage: bool
    shortage_minutes_per_month: float
    hours_per_person_per_month: float | None
    fte_needed: float | None
    uses: tuple[PoolUse, ...]
    basis: str

    @property
    def capacity_known(self) -> bool:
        """Whether the pool states a practical capacity."""
        return self.capacity_minutes_per_month is not None


@dataclass(frozen=True)
class SkippedProcess:
    """A process left out of the report, and why.

    Attributes:
      process: the process slug.
      variant: the variant looked at (None when the wanted one is missing).
      reason: in words.
    """

    process: str
    variant: str | None
    reason: str


@dataclass(frozen=True)
class CapacityReport:
    """Every labour pool of the counted process variants.

    Attributes:
      pools: one :class:`PoolCapacity` per labour resource id, shortages first,
        then by utilization (highest first), pools of unknown capacity last.
      counted: (process, variant) of every model counted.
      skipped: processes left out (no volume, no such variant, cannot be costed).
      problems: why a counted file could not be costed (errors, with the file),
        and warnings, e.g. one pool defined differently in two files, or a
        process counted at ``as_is`` because it has no variant asked for; a
        pool whose load overflows is left out and named here.
      as_is_instead: processes counted at ``as_is`` because they have no
        variant asked for (``counted`` says which variant each process used).
    """

    pools: tuple[PoolCapacity, ...]
    counted: tuple[tuple[str, str], ...]
    skipped: tuple[SkippedProcess, ...]
    problems: tuple[Problem, ...]
    as_is_instead: tuple[str, ...] = ()
    #: ``YYYY-MM`` when capacity is that month's (production calendar), and the rule used.
    month: str | None = None
    month_rule: str = ""

    def pool(self, pool_id: str) -> PoolCapacity:
        """One pool, by resource id."""
        for pool in self.pools:
            if pool.id == pool_id:
                return pool
        raise KeyError(pool_id)

    @property
    def shortages(self) -> tuple[PoolCapacity, ...]:
        """The pools used above their practical capacity."""
        return tuple(pool for pool in self.pools if pool.shortage)

    def as_dict(self) -> dict:
        """A JSON-ready dict: the ``capacity --json`` document."""
        return {
            "pools": [asdict(pool) | {"capacity_known": pool.capacity_known}
                      for pool in self.pools],
            "counted": [{"process": p, "variant": v} for p, v in self.counted],
            "skipped": [asdict(s) for s in self.skipped],
            "as_is_instead": list(self.as_is_instead),
            "problems": [{"element": p.element, "file": p.file, "severity": p.severity,
                          "message": p.message} for p in self.problems],
        }


ModelEntry = ProcessModel | tuple[Path | str, ProcessModel]


def month_factor(year: int, month: int) -> tuple[float, str]:
    """The month's working hours over the year's average month, and that rule in words.

    A pool's stated practical capacity is that of an average month; a month of
    the production calendar scales it by its working hours (January 2026: 120 h
    against the 2026 average of 164.3 h). Raises
    :class:`~abc_costing.payroll.CalendarError` for a month the calendar does not ship.

    >>> factor, rule = month_factor(2026, 1)
    >>> round(factor, 4), rule.split(":")[0]
    (0.7302, 'capacity × 120 / 164.3 h')
    """
    from abc_costing.payroll import month_hours, year_months

    hours = month_hours(year, month).working_hours
    average = sum(m.working_hours for m in year_months(year)) / MONTHS_PER_YEAR
    return hours / average, N_("capacity × {hours} / {average} h: the working hours of {month} "
                               "against the average month of {year} (production calendar)",
                               hours=Figure.as_written(hours), average=Figure(average, 1),
                               month=f"{year}-{month:02d}", year=year)


def capacity_report(
    models: Sequence[ModelEntry],
    *,
    variant: str | Mapping[str, str] = DEFAULT_VARIANT,
    month: tuple[int, int] | None = None,
) -> CapacityReport:
    """Load every labour pool of ``models`` at their volumes (see :func:`capacity_reports`)."""
    return capacity_reports(models, variant=variant, months=[month])[0]


def capacity_reports(
    models: Sequence[ModelEntry],
    *,
    variant: str | Mapping[str, str] = DEFAULT_VARIANT,
    months: Sequence[tuple[int, int] | None] = (None,),
) -> tuple[CapacityReport, ...]:
    """Load every labour pool of ``models`` at their volumes (see the module docstring),
    one report per month of ``months``; each model is costed once for all of them.

    Parameters
    ----------
    models:
        Valid process models, or ``(path, model)`` pairs as returned by
        :func:`abc_costing.formats.load_library` (paths name files in warnings).
    variant:
        The variant counted for every process (default ``as_is``), or a mapping
        process -> variant; processes missing from the mapping count ``as_is``.

    A process without the wanted variant counts its ``as_is`` instead (named in
    ``as_is_instead`` and in a warning); one with neither, or whose variant has
    no ``volume_per_year``, is listed in ``skipped``. So is one whose variant
    cannot be costed (an invalid model, figures that overflow); its reasons are
    added to ``problems`` with the file, and every other process still counts.
    When two counted files define the same pool differently, the first
    definition (in the order given) is used and a warning names both.

    A month (year, month): the pools' capacity in that month of the production
    calendar (:func:`month_factor`), against the same average monthly load; None:
    an average month.
    """
    entries = [(None, m) if isinstance(m, ProcessModel) else (str(m[0]), m[1]) for m in models]

    def wanted(process: str) -> str:
        if isinstance(variant, str):
            return variant
        return variant.get(process, DEFAULT_VARIANT)

    # A process without the wanted variant counts its current state (as_is):
    # the library's load is every process's, whichever variant a few of them plan.
    present = {(m.process, m.variant) for _, m in entries}
    counted_variant = {
        process: (wanted(process) if (process, wanted(process)) in present else DEFAULT_VARIANT)
        for process in dict.fromkeys(m.process for _, m in entries)}
    chosen: dict[str, tuple[str | None, ProcessModel]] = {}
    problems: list[Problem] = []
    for path, model in entries:
        if model.variant != counted_variant[model.process]:
            continue
        if model.process in chosen:
            first = chosen[model.process][0]
            problems.append(Problem(
                N_("variant {variant!r} of process {process!r} is defined twice; counted once, "
                   "from {first}", variant=model.variant, process=model.process,
                   first=first or N_("the first model")),
                element=model.process, file=path, severity="warning"))
            continue
        chosen[model.process] = (path, model)

    skipped: list[SkippedProcess] = []
    as_is_instead: list[str] = []
    for process, counted_as in counted_variant.items():
        if process not in chosen:
            skipped.append(SkippedProcess(process, None, (
                N_("no variant {wanted!r} nor {default!r}", wanted=wanted(process),
                   default=DEFAULT_VARIANT) if wanted(process) != DEFAULT_VARIANT
                else N_("no variant {wanted!r}", wanted=wanted(process)))))
        elif counted_as != wanted(process):
            as_is_instead.append(process)
            problems.append(Problem(
                N_("process {process!r} has no variant {wanted!r}; its {default!r} is "
                   "counted instead", process=process, wanted=wanted(process),
                   default=DEFAULT_VARIANT), element=process,
                file=chosen[process][0], severity="warning"))

    definitions: dict[str, tuple[str | None, ProcessModel, LaborResource]] = {}
    uses: dict[str, list[PoolUse]] = {}
    counted: list[tuple[str, str]] = []
    for path, model in chosen.values():
        if model.volume_per_year is None:
            skipped.append(SkippedProcess(model.process, model.variant,
                                          N_("no volume_per_year")))
            continue
        pools_used, refused = _pools_used(model)
        if refused:
            # One model that cannot be costed is named, and the others still count.
            problems.extend(p.located(file=path) for p in refused)
            skipped.append(SkippedProcess(model.process, model.variant,
                                          N_("cannot be costed: {reason}",
                                             reason=refused[0].message)))
            continue
        counted.append((model.process, model.variant))
        for resource_id, (resource, use) in pools_used.items():
            if resource_id not in definitions:
                definitions[resource_id] = (path, model, resource)
            else:
                problems.extend(_disagreement(resource_id, definitions[resource_id],
                                              (path, model, resource)))
            uses.setdefault(resource_id, []).append(use)

    reports = []
    for month in months:
        factor, rule = (1.0, "") if month is None else month_factor(*month)
        pools, overflows = [], []
        for resource_id, (path, model, resource) in definitions.items():
            pool = _pool(resource_id, model.currency, resource, tuple(uses[resource_id]),
                         month_factor=factor, month_rule=rule)
            if all(math.isfinite(figure) for figure in _figures(pool)):
                pools.append(pool)
            else:
                overflows.append(Problem(
                    N_("the load on pool {resource_id!r} overflows: the processes using it "
                       "come to a figure {too_large}; check their volumes and minutes for a "
                       "typo", resource_id=resource_id, too_large=TOO_LARGE),
                    element=resource_id, file=path))
        pools.sort(key=lambda p: (not p.shortage, p.utilization is None,
                                  -(p.utilization or 0.0), p.id))
        reports.append(CapacityReport(
            tuple(pools), tuple(counted), tuple(skipped), tuple(problems + overflows),
            tuple(p for p in as_is_instead if (p, DEFAULT_VARIANT) in counted),
            None if month is None else f"{month[0]}-{month[1]:02d}", rule))
    return tuple(reports)


def _pools_used(model: ProcessModel
                ) -> tuple[dict[str, tuple[LaborResource, PoolUse]], list[Problem]]:
    """The labour pools ``model`` uses and what it asks of each per month, or
    the problems that keep it from being costed."""
    assert model.volume_per_year is not None
    try:
        result = cost_model(model)
    except ModelError as error:
        return {}, [replace(p, element=p.element or model.process) for p in error.problems]
    per_month = model.volume_per_year / MONTHS_PER_YEAR
    used: dict[str, tuple[LaborResource, PoolUse]] = {}
    for resource_id, resource in model.resources.items():
        match resource:
            case LaborResource():
                minutes = result.resource(resource_id).minutes_per_instance
                if not math.isfinite(per_month * minutes):
                    return {}, [Problem(
                        N_("minutes per month of pool {resource_id!r} overflow: "
                           "volume_per_year / 12 × minutes per instance comes to a figure "
                           "{too_large}; check volume_per_year for a typo",
                           resource_id=resource_id, too_large=TOO_LARGE),
                        element=resource_id, path=("resources", resource_id))]
                used[resource_id] = (resource, PoolUse(model.process, model.variant, minutes,
                                                       per_month * minutes))
            case PerUseResource():
                pass  # bought per use: no pool of people whose time runs out
            case _:
                assert_never(resource)
    return used, []


def _figures(pool: PoolCapacity) -> list[float]:
    return [value for value in (pool.minutes_per_month, pool.hours_per_month,
                                pool.utilization, pool.used_cost_per_month,
                                pool.unused_capacity_cost_per_month,
                                pool.shortage_minutes_per_month, pool.fte_needed)
            if value is not None]


def _where(path: str | None, model: ProcessModel) -> str:
    return path or f"{model.process}/{model.variant}"


def _disagreement(resource_id, first, other) -> list[Problem]:
    first_path, first_model, a = first
    path, model, b = other
    differences = []
    if first_model.currency != model.currency:
        differences.append(f"currency {first_model.currency} vs {model.currency}")
    if abs(a.rate_per_minute - b.rate_per_minute) > 1e-9 * max(1.0, a.rate_per_minute):
        differences.append(f"rate per hour {a.rate_per_minute * 60:g} vs "
                           f"{b.rate_per_minute * 60:g}")
    if a.capacity_hours_per_month != b.capacity_hours_per_month:
        differences.append(f"capacity hours per month {a.capacity_hours_per_month} vs "
                           f"{b.capacity_hours_per_month}")
    if a.headcount != b.headcount or a.hours_per_person_per_month != b.hours_per_person_per_month:
        differences.append("headcount or working calendar")
    if not differences:
        return []
    return [Problem(
        N_("pool {resource_id!r} is defined differently in {where} and {where_2} "
           "({differences}); the first definition is used", resource_id=resource_id,
           where=_where(first_path, first_model), where_2=_where(path, model),
           differences='; '.join(differences)),
        element=resource_id, file=path, severity="warning")]


def _pool(resource_id: str, currency: str, resource: LaborResource,
          uses: tuple[PoolUse, ...], *, month_factor: float = 1.0,
          month_rule: str = "") -> PoolCapacity:
    minutes = sum(use.minutes_per_month for use in uses)
    hours = minutes / 60.0
    staffed = staffing(resource)
    capacity = staffed.capacity_minutes_per_month
    if capacity is not None:
        capacity *= month_factor
    utilization = None if capacity is None else minutes / capacity
    pool_cost = resource.pool_cost_per_month
    unused = None
    if utilization is not None and pool_cost is not None:
        unused = (1.0 - utilization) * pool_cost if utilization < 1.0 else 0.0
    per_person = resource.hours_per_person_per_month
    if per_person is not None:
        per_person *= month_factor
    return PoolCapacity(
        id=resource_id,
        name=resource.name or resource_id,
        currency=currency,
        headcount=resource.headcount,
        rate_per_minute=resource.rate_per_minute,
        minutes_per_month=minutes,
        hours_per_month=hours,
        capacity_minutes_per_month=capacity,
        utilization=utilization,
        pool_cost_per_month=pool_cost,
        used_cost_per_month=minutes * resource.rate_per_minute,
        unused_capacity_cost_per_month=unused,
        shortage=utilization is not None and utilization > 1.0,
        shortage_minutes_per_month=(max(0.0, minutes - capacity) if capacity is not None
                                    else 0.0),
        hours_per_person_per_month=per_person,
        fte_needed=None if not per_person else hours / per_person,
        uses=uses,
        basis=(joined([staffed.basis, month_rule]) if month_rule and capacity is not None
               else staffed.basis),
    )


@dataclass(frozen=True)
class PoolRelease:
    """What a plan frees in one labour pool, per year: cash (whole people) or capacity.

    Attributes:
      id, name, currency: the pool.
      headcount: people in the pool (None when not stated: nobody can be released).
      fte_before, fte_after: people's worth of work before and after the plan.
      heads_released: whole people the plan lets go: the heads needed before
        (at most the headcount) minus those still needed after, both rounded up.
      cash_per_year: heads_released × the pool's cost per person × 12.
      labour_saving_per_year: the pool's used cost before minus after, × 12 (the
        "paper" saving: minutes × rate).
      price_effect_per_year: the part of labour_saving_per_year that is a
        difference of price (rate per hour, cost per month, capacity), not of
        work: neither people released nor hours freed (0 for a plan).
      freed_capacity_per_year: labour_saving_per_year − price_effect_per_year
        − cash_per_year: hours that stay paid (negative when the people
        released also took idle capacity with them).
    """

    id: str
    name: str
    currency: str
    headcount: float | None
    fte_before: float | None
    fte_after: float | None
    heads_released: int
    cash_per_year: float
    labour_saving_per_year: float
    freed_capacity_per_year: float
    price_effect_per_year: float = 0.0

    @property
    def fte_change(self) -> float | None:
        """FTE after − FTE before (Δ FTE; negative: fewer people's worth of work)."""
        if self.fte_before is None or self.fte_after is None:
            return None
        return self.fte_after - self.fte_before


def months_short_after_release(pools: Sequence[PoolRelease], *, year: int
                                ) -> list[Problem]:
    """A warning for each pool whose people left after a release fall short in some month.

    Heads are released on the load of an average month; the production calendar's
    short months (January 2026: 120 working hours, not 164.3) need more people for
    the same work: ``FTE after × average month hours / month hours``. Where that is
    more than the people who stay, the release needs cover in those months
    (overtime, temporary staff) or one head fewer released.

    >>> lawyers = PoolRelease("lawyer", "Юрист", "RUB", 3, 2.89, 0.82, 2, 4_687_200, 0, 0)
    >>> print(months_short_after_release([lawyers], year=2026)[0].message)  # 0.82 × 164.33 / 120
    releasing 2 of 3 leaves 1, short in 1 month(s) of 2026 by the production calendar: \
2026-01 (1.12) people needed; cover those months (overtime, temporary staff) or release one fewer
    """
    from abc_costing.payroll import year_months

    months = year_months(year)
    average = sum(m.working_hours for m in months) / MONTHS_PER_YEAR
    problems = []
    for pool in pools:
        if not pool.heads_released or pool.headcount is None or pool.fte_after is None:
            continue
        staying = pool.headcount - pool.heads_released
        need = {m.month: pool.fte_after * average / m.working_hours for m in months}
        short = [m for m, n in need.items() if n > staying + 1e-9]
        if not short:
            continue
        names = joined([N_("{name} ({amount})", name=f"{year}-{m:02d}", amount=Figure(need[m], 2))
                        for m in short])
        problems.append(Problem(
            N_("releasing {heads_released} of {headcount} leaves {staying}, short in "
               "{count} month(s) of {year} by the production calendar: {names} people needed; "
               "cover those months (overtime, temporary staff) or release one fewer",
               heads_released=pool.heads_released, headcount=Figure.as_written(pool.headcount),
               staying=Figure.as_written(staying), count=len(short), year=year, names=names),
            element=pool.id, severity="warning"))
    return problems


def released_heads(before: CapacityReport, after: CapacityReport, *,
                   labour_saving_per_year: Mapping[str, float] | None = None,
                   price_effect_per_year: Mapping[str, float] | None = None,
                   ) -> tuple[PoolRelease, ...]:
    """Each pool of ``before`` (then any only ``after`` has): the whole people
    ``after`` no longer needs, and the rest.

    A pool can release people only when it states its headcount and its
    capacity (so that a person's practical hours are known); its released
    heads are ⌈FTE before⌉ (at most the headcount) − ⌈FTE after⌉. A pool the
    plan no longer uses needs 0 heads after; a pool only ``after`` uses
    releases nobody.

    ``labour_saving_per_year`` (pool id -> money) replaces the reports' own
    labour saving (used cost before − after): a comparison of one process
    passes its exact figures, since the reports price every process's minutes
    at one definition of the pool. Pools it does not name save nothing.
    ``price_effect_per_year`` (pool id -> money) is the part of each pool's
    saving that is price, not work; it is neither cash nor freed capacity.

    >>> from abc_costing.model import LaborResource
    >>> def report(minutes):
    ...     pool = LaborResource.model_validate({"kind": "labor", "cost_per_month": 300000,
    ...         "headcount": 3, "capacity_hours_per_month": 360})
    ...     use = PoolUse("p", "v", minutes, minutes)
    ...     return CapacityReport((_pool("clerk", "RUB", pool, (use,)),), (("p", "v"),), (), ())
    >>> [r] = released_heads(report(0.8 * 360 * 60), report(0.4 * 360 * 60))
    >>> r.fte_before, r.fte_after, r.heads_released, r.cash_per_year  # 2.4 → 1.2: 3 − 2
    (2.4, 1.2, 1, 1200000.0)
    """
    earlier = {pool.id: pool for pool in before.pools}
    later = {pool.id: pool for pool in after.pools}
    prices = price_effect_per_year or {}
    released = []
    for pool_id in [*earlier, *(p for p in later if p not in earlier)]:
        was, now = earlier.get(pool_id), later.get(pool_id)
        if labour_saving_per_year is not None:
            labour = labour_saving_per_year.get(pool_id, 0.0)
        else:
            labour = ((was.used_cost_per_month if was else 0.0)
                      - (now.used_cost_per_month if now else 0.0)) * MONTHS_PER_YEAR
        fte_after = (now.fte_needed if now is not None else 0.0)
        heads = 0
        cash = 0.0
        if was is not None and was.headcount is not None and was.fte_needed is not None \
                and fte_after is not None and was.pool_cost_per_month is not None:
            needed_before = min(math.ceil(was.headcount - 1e-9),
                                math.ceil(was.fte_needed - 1e-9))
            heads = max(0, needed_before - math.ceil(fte_after - 1e-9))
            cash = heads * was.pool_cost_per_month / was.headcount * MONTHS_PER_YEAR
        shown = was or now
        assert shown is not None
        price = prices.get(pool_id, 0.0)
        work = labour - price
        # Work that is all released people leaves float noise, not freed capacity.
        freed = 0.0 if math.isclose(work, cash, rel_tol=1e-9, abs_tol=1e-9) else work - cash
        released.append(PoolRelease(
            id=pool_id, name=shown.name, currency=shown.currency, headcount=shown.headcount,
            fte_before=was.fte_needed if was is not None else 0.0, fte_after=fte_after,
            heads_released=heads, cash_per_year=cash, labour_saving_per_year=labour,
            freed_capacity_per_year=freed, price_effect_per_year=price))
    return tuple(released)
