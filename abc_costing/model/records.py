"""The records of an ``abc-costing/1`` process model.

Every record is an immutable, validated pydantic model. Field-level rules
(types, signs, ranges) live here; rules that look across records (unknown ids,
routing, parallel blocks) live in :mod:`abc_costing.validation`.

New optional fields may be added to any record without breaking existing files;
unknown fields are rejected, so a misspelt ``labour:`` never silently costs 0.

Examples
--------
>>> d = Duration.model_validate({"triangular": [10, 20, 60]})
>>> d.mean_minutes
30.0
>>> Duration.model_validate(45).mean_minutes
45.0
>>> r = Resource.validate_python({"kind": "labor", "cost_per_month": 330000,
...                               "capacity_hours_per_month": 110})
>>> r.rate_per_minute
50.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache, cached_property
from typing import Annotated, Any, Literal, NamedTuple, Self, TypeGuard, assert_never

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    TypeAdapter,
    model_serializer,
    model_validator,
)

from abc_costing.i18n import N_, Message
from abc_costing.numbers import COMMON_CURRENCY_DIGITS, Figure
from abc_costing.problems import quoted

__all__ = [
    "FORMAT",
    "DistributionName",
    "Duration",
    "EventKind",
    "GatewayKind",
    "LaborResource",
    "NodeKind",
    "PerUseResource",
    "Resource",
    "ResourceKind",
    "ResourceRecord",
    "UnitCosts",
    "Activity",
    "Gateway",
    "Event",
    "Flow",
    "CaseClass",
    "ClassProbabilities",
    "ProcessModel",
    "RateTable",
    "CATALOGUE_FORMAT",
    "CatalogueUse",
    "ResourceCatalogue",
    "VALUE_CLASSES",
    "MAX_MONEY",
    "MAX_MINUTES",
    "MAX_UNITS",
    "MAX_VOLUME_PER_YEAR",
    "MAX_HEADCOUNT",
    "MIN_HEADCOUNT",
    "MAX_CAPACITY_HOURS_PER_MONTH",
    "MIN_CAPACITY_HOURS_PER_MONTH",
    "MAX_ID_CHARS",
]

FORMAT = "abc-costing/1"
#: The format of a library's resource catalogue (``resources.yaml``).
CATALOGUE_FORMAT = "abc-costing-resources/1"
VALUE_CLASSES = ("value_adding", "business", "waste")

# The closed sets of kinds. Code that branches on one matches it exhaustively
# (``match`` + ``typing.assert_never``), so a new kind is an error at every
# place that must learn about it, never a silent fall into an ``else``.
DistributionName = Literal["fixed", "triangular", "pert", "uniform", "lognormal"]
GatewayKind = Literal["exclusive", "parallel"]
EventKind = Literal["start", "end"]
#: What a node of the routing graph is (see :attr:`ProcessModel.node_kinds`).
NodeKind = Literal["activity", GatewayKind, EventKind]
ResourceKind = Literal["labor", "per_use"]


# Upper bounds of every amount in a model. Each is far beyond any real process,
# and together they keep every figure the engine forms finite: one execution costs
# at most minutes × rate + units × cost per use + other cost ≈ 1e7 × 1e12 / 60 +
# 1e9 × 1e12 + 1e12 ≈ 1e21 per resource, nowhere near float64's 1.8e308. Without
# them, 1e308 minutes priced at 20 per minute costs `inf` (and a 5,000-digit
# integer cannot even be turned into a float).
#: Any amount of money: rate_per_hour, cost_per_month, cost_per_use, other_cost
#: (a trillion: more than a year's payroll of the largest employers).
MAX_MONEY = 1e12
#: Any duration in minutes: labour, wait, distribution parameters (about 19 years).
MAX_MINUTES = 1e7
#: Units of a per_use resource in one execution (a billion).
MAX_UNITS = 1e9
#: Instances per year (a trillion: a hundred times the world's card payments).
MAX_VOLUME_PER_YEAR = 1e12
#: People in one labour pool (ten million), and the smallest share of one post.
MAX_HEADCOUNT, MIN_HEADCOUNT = 1e7, 0.01
#: Practical hours per month of one pool: at most ten million people's worth, and at
#: least 36 seconds, so that rates and utilisation derived from it stay finite.
MAX_CAPACITY_HOURS_PER_MONTH, MIN_CAPACITY_HOURS_PER_MONTH = 1e10, 0.01
#: Characters in an element id (a key under resources, activities, gateways, events).
MAX_ID_CHARS = 1000

Money = Annotated[float, Field(ge=0, le=MAX_MONEY, strict=True, allow_inf_nan=False)]
Units = Annotated[float, Field(ge=0, le=MAX_UNITS, strict=True, allow_inf_nan=False)]
Volume = Annotated[float, Field(ge=0, le=MAX_VOLUME_PER_YEAR, strict=True,
                                allow_inf_nan=False)]
Headcount = Annotated[float, Field(ge=MIN_HEADCOUNT, le=MAX_HEADCOUNT, strict=True,
                                   allow_inf_nan=False)]
CapacityHours = Annotated[float, Field(ge=MIN_CAPACITY_HOURS_PER_MONTH,
                                       le=MAX_CAPACITY_HOURS_PER_MONTH, strict=True,
                                       allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, strict=True, allow_inf_nan=False)]
# Slugs name files and URLs; \w is Unicode-aware, so "согласование" is a valid slug.
Slug = Annotated[str, Field(pattern=r"^\w[\w-]*$", max_length=100)]
Text = Annotated[str, Field(max_length=1000)]
Id = Annotated[str, Field(max_length=MAX_ID_CHARS)]


@cache
def _currencies() -> frozenset[str]:
    """ISO 4217 codes that Babel (CLDR) knows."""
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def _iso_currency(code: str) -> str:
    # the common few without Babel (importing it and reading its list is 0.03-0.04 s of
    # CPU); each is in Babel's list (tests/test_records_imports.py checks)
    if code not in COMMON_CURRENCY_DIGITS and code not in _currencies():
        raise ValueError(N_("{value} is not an ISO 4217 currency code (e.g. RUB, EUR, USD)",
                            value=quoted(code)))
    return code


Currency = Annotated[str, AfterValidator(_iso_currency)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _DeferredRecord(_Record):
    """A record most commands import and never validate (the ledger's, the advice file's).

    pydantic builds a record's validator when its class is made, unless told to wait
    for its first validation: ``validate`` and ``cost`` load these modules (the readers
    name their folders and files) and skip 0.04-0.08 s of CPU building validators they
    never use. The records behave the same: the validator is built on first use.
    """

    model_config = ConfigDict(defer_build=True)


def _got(message: Message, value: object) -> Message:
    """``message``, then the value given: the reader brackets it ("(got 5)")."""
    return N_("{message}, got {value}", message=message, value=quoted(value))


def _number(value: Any, what: Message) -> float:
    """Minutes as a float: a number from 0 to :data:`MAX_MINUTES`."""
    # bool is an int in Python; "true" minutes is a typo, not 1 minute.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(_got(N_("{what} must be a number", what=what), value))
    # Compared before float(): a 5,000-digit integer has no float.
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(_got(N_("{what} must be a finite number", what=what), value))
    if value < 0:
        raise ValueError(_got(N_("{what} must not be negative", what=what), value))
    if value > MAX_MINUTES:
        raise ValueError(_got(N_("{what} must be at most {limit} minutes (about 19 years)",
                                 what=what, limit=Figure.as_written(MAX_MINUTES)), value))
    return float(value)


_DISTRIBUTION_ARITY = {"triangular": 3, "pert": 3, "uniform": 2}
#: What a problem calls a distribution's parameter; made once, not per number read.
_PARAMETER_NAMES = {name: N_("{name} parameter", name=name) for name in _DISTRIBUTION_ARITY}
_DURATION, _LOGNORMAL_MEAN, _LOGNORMAL_SD = N_("duration"), N_("lognormal mean"), N_("lognormal sd")


def _plain_minutes(value: Any) -> TypeGuard[int | float]:
    """Whether ``value`` is an int or float (not a bool) from 0 to :data:`MAX_MINUTES`."""
    kind = value.__class__
    return (kind is int or kind is float) and 0 <= value <= MAX_MINUTES  # nan is not


class Duration(_Record):
    """A duration in minutes: a fixed number or a distribution.

    In a file it is written as ``45``, ``{triangular: [min, mode, max]}``,
    ``{pert: [min, mode, max]}``, ``{uniform: [min, max]}`` or
    ``{lognormal: {mean: m, sd: s}}``. The exact engine uses the mean; the
    simulation samples the distribution.

    Attributes:
      distribution: ``fixed``, ``triangular``, ``pert``, ``uniform`` or ``lognormal``.
      parameters: the numbers as written (for ``lognormal``: mean, sd).

    >>> Duration.model_validate({"pert": [10, 20, 60]}).mean_minutes
    25.0
    >>> Duration.model_validate({"uniform": [10, 20]}).model_dump()
    {'uniform': [10.0, 20.0]}
    """

    distribution: DistributionName
    parameters: tuple[float, ...]

    @model_validator(mode="before")
    @classmethod
    def _from_file_form(cls, data: Any) -> Any:
        # Runs once per duration of a file (about 140,000 in a 100,000-activity model),
        # so the plain forms (a number; a distribution of plain numbers in order) are
        # told apart by their exact class first; anything else takes the general
        # reading, _file_form, which words every problem. (Amounts up to MAX_MINUTES
        # are exact as floats: compared as written, they order as its floats do.)
        if _plain_minutes(data):
            return {"distribution": "fixed", "parameters": (float(data),)}
        if data.__class__ is dict and len(data) == 1:
            (name, args), = data.items()
            if name == "lognormal" and args.__class__ is dict and len(args) == 2:
                mean, sd = args.get("mean"), args.get("sd")
                if _plain_minutes(mean) and _plain_minutes(sd) and (mean > 0 or sd == 0):
                    return {"distribution": "lognormal", "parameters": (float(mean), float(sd))}
            elif args.__class__ is list and len(args) == _DISTRIBUTION_ARITY.get(name):
                if len(args) == 3:
                    low, mode, high = args
                    if _plain_minutes(low) and _plain_minutes(mode) and _plain_minutes(high) \
                            and low <= mode <= high:
                        return {"distribution": name,
                                "parameters": (float(low), float(mode), float(high))}
                else:
                    low, high = args
                    if _plain_minutes(low) and _plain_minutes(high) and low <= high:
                        return {"distribution": name, "parameters": (float(low), float(high))}
        return _file_form(data)

    @property
    def mean_minutes(self) -> float:
        """The expected value of the duration, in minutes."""
        p = self.parameters
        distribution = self.distribution
        match distribution:
            case "fixed" | "lognormal":  # a lognormal is written by its mean
                return p[0]
            case "triangular":
                return (p[0] + p[1] + p[2]) / 3.0
            case "pert":
                return (p[0] + 4.0 * p[1] + p[2]) / 6.0
            case "uniform":
                return (p[0] + p[1]) / 2.0
            case _:
                assert_never(distribution)

    @model_serializer
    def _to_file_form(self) -> Any:
        distribution = self.distribution
        match distribution:
            case "fixed":
                return self.parameters[0]
            case "lognormal":
                return {"lognormal": {"mean": self.parameters[0], "sd": self.parameters[1]}}
            case "triangular" | "pert" | "uniform":
                return {distribution: list(self.parameters)}
            case _:
                assert_never(distribution)


def _file_form(data: Any) -> Any:
    """A duration as written in a file (``45``, ``{pert: [10, 20, 60]}``, ...) as the
    fields of :class:`Duration`, or the ``ValueError`` that says what is wrong with it.

    The general reading: :meth:`Duration._from_file_form` takes the common forms by a
    shorter way first and must agree with this one (tests/test_duration_forms.py).

    >>> _file_form({"pert": [10, 20, 60]})
    {'distribution': 'pert', 'parameters': (10.0, 20.0, 60.0)}
    """
    if isinstance(data, dict) and set(data) == {"distribution", "parameters"}:
        return data
    if not isinstance(data, dict):
        return {"distribution": "fixed", "parameters": (_number(data, _DURATION),)}
    if len(data) != 1:
        raise ValueError(
            N_("a duration is a number or one of {{triangular: [min, mode, max]}}, "
               "{{pert: [min, mode, max]}}, {{uniform: [min, max]}}, "
               "{{lognormal: {{mean: m, sd: s}}}}; got {value}", value=quoted(data))
        )
    (name, args), = data.items()
    if name == "lognormal":
        if not isinstance(args, dict) or set(args) != {"mean", "sd"}:
            raise ValueError(_got(N_("lognormal needs {{mean: m, sd: s}}"), args))
        mean = _number(args["mean"], _LOGNORMAL_MEAN)
        sd = _number(args["sd"], _LOGNORMAL_SD)
        if mean == 0 and sd > 0:
            raise ValueError(N_("lognormal mean must be positive when sd is positive"))
        return {"distribution": "lognormal", "parameters": (mean, sd)}
    if name not in _DISTRIBUTION_ARITY:
        raise ValueError(
            N_("unknown distribution {value}; use triangular, pert, uniform or lognormal",
               value=quoted(name))
        )
    arity = _DISTRIBUTION_ARITY[name]
    if not isinstance(args, list | tuple) or len(args) != arity:
        shape = "[min, mode, max]" if arity == 3 else "[min, max]"
        raise ValueError(_got(N_("{name} needs {shape}", name=name, shape=shape), args))
    what = _PARAMETER_NAMES[name]
    values = tuple(_number(v, what) for v in args)
    if list(values) != sorted(values):
        shape = "min <= mode <= max" if arity == 3 else "min <= max"
        raise ValueError(_got(N_("{name} needs {shape}", name=name, shape=shape),
                              list(values)))
    return {"distribution": name, "parameters": values}


ZERO_MINUTES = Duration.model_validate(0)


HoursPerDay = Annotated[float, Field(gt=0, le=24, strict=True, allow_inf_nan=False)]
DaysPerMonth = Annotated[float, Field(gt=0, le=31, strict=True, allow_inf_nan=False)]
UnproductiveShare = Annotated[float, Field(ge=0, lt=1, strict=True, allow_inf_nan=False)]
ProductiveShare = Annotated[float, Field(gt=0, le=1, strict=True, allow_inf_nan=False)]
#: A year of the payroll rules and the production calendar (which years are shipped is
#: checked against the data, with a message naming them).
Year = Annotated[int, Field(ge=1900, le=2100, strict=True)]
#: Class of professional risk for травматизм (1 to 32, Приказ Минтруда № 625н).
InjuryClass = Annotated[int, Field(ge=1, le=32, strict=True)]
#: Months in a year: a payroll cost per year is spread evenly over them.
MONTHS_PER_YEAR = 12

#: Hours by which a stated capacity may differ from the calendar's (float noise only).
CAPACITY_TOLERANCE_HOURS = 0.01
#: Money by which a stated cost may differ from the payroll's (a kopeck).
MONEY_TOLERANCE = 0.01


class UnitCosts(NamedTuple):
    """What a resource charges: per minute of work and per unit used.

    Every kind of resource states both (0 for the one it does not charge), so
    the engine, the simulation and the reports price any kind the same way:
    ``minutes × rate_per_minute + units × cost_per_use``.

    Attributes:
      rate_per_minute: money per minute of this resource's work.
      cost_per_use: money per unit used.
    """

    rate_per_minute: float
    cost_per_use: float


class LaborResource(_Record):
    """People (a role, possibly several heads) paid by time.

    The rate is given one of two ways: ``rate_per_hour``, or, for time-driven
    ABC, ``cost_per_month`` of the whole pool with its practical capacity: the
    rate is then cost_per_month / (practical capacity hours × 60) per minute.

    Practical capacity (hours per month of the whole pool) is either stated as
    ``capacity_hours_per_month`` or derived from a working calendar::

        headcount × hours_per_day × days_per_month × (1 − unproductive_share)

    ``headcount`` defaults to 1. When both are given they must agree. When the
    calendar is given, ``capacity_hours_per_month`` holds the derived figure
    after validation, so every consumer of the record sees one number.
    ``rate_per_hour`` resources may also state a capacity; it is then used for
    capacity planning only and does not change the rate.

    Attributes:
      kind: always ``labor``.
      name: display name (optional).
      rate_per_hour: money per hour of work.
      cost_per_month: fully loaded monthly cost of the whole pool, all heads
        together (time-driven ABC).
      capacity_hours_per_month: practical hours per month of the whole pool.
      headcount: number of people in the pool (may be fractional: 2.5 FTE).
      hours_per_day: working hours per person per day (0 < h ≤ 24).
      days_per_month: working days per month (0 < d ≤ 31).
      unproductive_share: share of working time not available for process
        work: meetings, training, breaks (0 ≤ u < 1; default 0).
      salary_per_month: оклад of one person, before contributions; with it the
        pool's ``cost_per_month`` is derived from payroll: headcount × (salary +
        bonus) loaded with the contributions of ``year`` (страховые взносы and
        травматизм, :func:`abc_costing.payroll.loaded_cost_per_year`) / 12.
      bonus_per_month: премия of one person per month, on average (default 0).
      contributions: ``general`` (30 % up to the single base, 15.1 % above) or
        ``sme`` (the reduced rates of small and medium businesses).
      injury_class: class of professional risk for травматизм (default 1).
      productive_share: share of the production calendar's working hours that the
        pool spends on process work (0 < s ≤ 1); with it the practical capacity is
        derived: headcount × the average month of ``year`` × productive_share.
      year: the year of the payroll rules and the production calendar used by
        ``salary_per_month`` and ``productive_share``.

    >>> team = LaborResource.model_validate({
    ...     "kind": "labor", "cost_per_month": 480000, "headcount": 3,
    ...     "hours_per_day": 8, "days_per_month": 20, "unproductive_share": 0.25})
    >>> team.capacity_hours_per_month  # 3 × 8 × 20 × 0.75
    360.0
    >>> team.hours_per_person_per_month, team.rate_per_minute  # 480 000 / (360 × 60)
    (120.0, 22.22222222222222)

    From payroll and the production calendar of 2026 (1 972 hours, 164.33 a month):

    >>> lawyers = LaborResource.model_validate({
    ...     "kind": "labor", "headcount": 3, "salary_per_month": 150000, "year": 2026,
    ...     "productive_share": 0.75})
    >>> lawyers.cost_per_month  # 3 × 150 000 × (1 + 0.30 + 0.002)
    585900.0
    >>> lawyers.capacity_hours_per_month  # 3 × 1 972 / 12 × 0.75
    369.75
    """

    kind: Literal["labor"]
    name: Text | None = None
    rate_per_hour: Money | None = None
    cost_per_month: Money | None = None
    capacity_hours_per_month: CapacityHours | None = None
    headcount: Headcount | None = None
    hours_per_day: HoursPerDay | None = None
    days_per_month: DaysPerMonth | None = None
    unproductive_share: UnproductiveShare | None = None
    salary_per_month: Money | None = None
    bonus_per_month: Money | None = None
    contributions: Literal["general", "sme"] | None = None
    injury_class: InjuryClass | None = None
    productive_share: ProductiveShare | None = None
    year: Year | None = None

    @model_validator(mode="after")
    def _one_way_to_a_rate(self) -> LaborResource:
        self._derive_from_payroll()
        self._derive_from_production_calendar()
        has_calendar = self.hours_per_day is not None or self.days_per_month is not None
        if has_calendar and (self.hours_per_day is None or self.days_per_month is None):
            raise ValueError(N_("a working calendar needs both hours_per_day and "
                                "days_per_month"))
        if self.unproductive_share is not None and not has_calendar:
            raise ValueError(N_("unproductive_share needs a working calendar "
                                "(hours_per_day and days_per_month)"))
        if has_calendar:
            derived = self._calendar_hours()
            stated = self.capacity_hours_per_month
            if stated is not None and abs(stated - derived) > CAPACITY_TOLERANCE_HOURS:
                raise ValueError(
                    N_("capacity_hours_per_month {stated} disagrees with the working calendar "
                       "(headcount × hours_per_day × days_per_month × (1 − unproductive_share) "
                       "= {derived}); give one or the other", stated=Figure.as_written(stated),
                       derived=Figure.as_written(derived))
                )
            if not MIN_CAPACITY_HOURS_PER_MONTH <= derived <= MAX_CAPACITY_HOURS_PER_MONTH:
                raise ValueError(
                    N_("the working calendar gives {derived} practical hours per month; it "
                       "must be from {low} to {high}", derived=Figure.as_written(derived),
                       low=Figure.as_written(MIN_CAPACITY_HOURS_PER_MONTH),
                       high=Figure.as_written(MAX_CAPACITY_HOURS_PER_MONTH)))
            if stated is None:
                # Derived once here so reports and the engine read a single field;
                # not "set" by the user, so exclude_unset dumps leave the file as written.
                object.__setattr__(self, "capacity_hours_per_month", derived)
        if self.rate_per_hour is not None and self.cost_per_month is not None:
            raise ValueError(
                N_("give either rate_per_hour or cost_per_month with "
                   "capacity_hours_per_month, not both")
            )
        if self.rate_per_hour is None:
            if self.cost_per_month is None or self.capacity_hours_per_month is None:
                raise ValueError(
                    N_("a labor resource needs rate_per_hour, or cost_per_month together "
                       "with capacity_hours_per_month (or a working calendar)")
                )
            rate_per_hour = self.cost_per_month / self.capacity_hours_per_month
            if rate_per_hour > MAX_MONEY:
                raise ValueError(
                    N_("cost_per_month / capacity_hours_per_month gives a rate of "
                       "{rate} per hour, above the limit of {limit}",
                       rate=Figure.as_written(rate_per_hour),
                       limit=Figure.as_written(MAX_MONEY)))
        return self

    def _derive_from_payroll(self) -> None:
        if self.salary_per_month is None:
            given = [f for f in ("bonus_per_month", "contributions", "injury_class")
                     if getattr(self, f) is not None]
            if given:
                raise ValueError(N_("{field} needs salary_per_month (the payroll it loads)",
                                    field=given[0]))
            return
        if self.rate_per_hour is not None:
            raise ValueError(N_("give either rate_per_hour or salary_per_month, not both"))
        if self.year is None:
            raise ValueError(N_("salary_per_month needs the year whose contribution rules "
                                "apply (year: 2026, or year at the top of the catalogue)"))
        derived = (self.headcount or 1.0) * self.loaded_cost_per_person_per_year / MONTHS_PER_YEAR
        stated = self.cost_per_month
        if stated is not None and abs(stated - derived) > MONEY_TOLERANCE:
            raise ValueError(
                N_("cost_per_month {stated} disagrees with the payroll (headcount × loaded "
                   "salary and bonus / 12 = {derived}); give one or the other",
                   stated=Figure.as_written(stated), derived=Figure(derived, 2)))
        if stated is None:
            # Derived once, like the calendar's capacity below: one field for every reader.
            object.__setattr__(self, "cost_per_month", derived)

    @property
    def loaded_cost_per_person_per_year(self) -> float:
        """Pay plus contributions of one person over ``year``; 0 without a salary.

        >>> LaborResource.model_validate({"kind": "labor", "salary_per_month": 100000,
        ...     "year": 2026, "capacity_hours_per_month": 120,
        ...     }).loaded_cost_per_person_per_year  # 1 200 000 × 1.302
        1562400.0
        """
        if self.salary_per_month is None or self.year is None:
            return 0.0
        # Loaded by the pools that derive their cost (its tables: 0.02 s of CPU to import)
        from abc_costing.payroll import PayrollError, loaded_cost_per_year

        try:
            return loaded_cost_per_year(
                self.salary_per_month, self.bonus_per_month or 0.0, year=self.year,
                regime=self.contributions or "general",
                injury_class=self.injury_class or 1).total_cost_per_year
        except PayrollError as err:
            raise ValueError(str(err)) from None

    def _derive_from_production_calendar(self) -> None:
        if self.productive_share is None:
            if self.year is not None and self.salary_per_month is None:
                raise ValueError(N_("year is used only with salary_per_month or "
                                    "productive_share"))
            return
        if self.hours_per_day is not None or self.days_per_month is not None:
            raise ValueError(N_("give productive_share (the production calendar) or "
                                "hours_per_day and days_per_month, not both"))
        if self.year is None:
            raise ValueError(N_("productive_share needs the year of the production calendar "
                                "(year: 2026, or year at the top of the catalogue)"))
        from abc_costing.payroll import CalendarError, practical_hours_per_year

        try:
            hours_per_year = practical_hours_per_year(
                headcount=self.headcount or 1.0, productive_share=self.productive_share,
                year=self.year)
        except CalendarError as err:
            raise ValueError(str(err)) from None
        derived = hours_per_year / MONTHS_PER_YEAR
        stated = self.capacity_hours_per_month
        if stated is not None and abs(stated - derived) > CAPACITY_TOLERANCE_HOURS:
            raise ValueError(
                N_("capacity_hours_per_month {stated} disagrees with the production calendar "
                   "(headcount × the average month of {year} × productive_share = "
                   "{derived}); give one or the other", stated=Figure.as_written(stated),
                   year=self.year,
                   derived=Figure.as_written(derived)))
        if stated is None:
            object.__setattr__(self, "capacity_hours_per_month", derived)

    def _calendar_hours(self) -> float:
        per_person = self.hours_per_person_per_month
        assert per_person is not None
        return (self.headcount or 1.0) * per_person

    @property
    def hours_per_person_per_month(self) -> float | None:
        """Practical hours one person gives per month, or None when unknown.

        From the calendar, hours_per_day × days_per_month × (1 − unproductive_share);
        otherwise capacity_hours_per_month / headcount (headcount 1 when not given).
        """
        if self.hours_per_day is not None and self.days_per_month is not None:
            return (self.hours_per_day * self.days_per_month
                    * (1.0 - (self.unproductive_share or 0.0)))
        if self.capacity_hours_per_month is not None:
            return self.capacity_hours_per_month / (self.headcount or 1.0)
        return None

    @property
    def pool_cost_per_month(self) -> float | None:
        """What the whole pool costs per month: ``cost_per_month``, or
        ``rate_per_hour`` × capacity hours; None without a capacity."""
        if self.cost_per_month is not None:
            return self.cost_per_month
        if self.rate_per_hour is not None and self.capacity_hours_per_month is not None:
            return self.rate_per_hour * self.capacity_hours_per_month
        return None

    @property
    def rate_per_minute(self) -> float:
        """Money per minute of this resource's time."""
        if self.rate_per_hour is not None:
            return self.rate_per_hour / 60.0
        assert self.cost_per_month is not None and self.capacity_hours_per_month is not None
        return self.cost_per_month / (self.capacity_hours_per_month * 60.0)

    @property
    def unit_costs(self) -> UnitCosts:
        """People are paid by the minute, never per use.

        >>> LaborResource(kind="labor", rate_per_hour=600).unit_costs
        UnitCosts(rate_per_minute=10.0, cost_per_use=0.0)
        """
        return UnitCosts(self.rate_per_minute, 0.0)


class PerUseResource(_Record):
    """A resource paid per use: a courier trip, a signature, a licence seat.

    Attributes:
      kind: always ``per_use``.
      name: display name (optional).
      cost_per_use: money per unit used.
    """

    kind: Literal["per_use"]
    name: Text | None = None
    cost_per_use: Money

    @property
    def unit_costs(self) -> UnitCosts:
        """Paid per unit used, never by the minute.

        >>> PerUseResource(kind="per_use", cost_per_use=500).unit_costs
        UnitCosts(rate_per_minute=0.0, cost_per_use=500.0)
        """
        return UnitCosts(0.0, self.cost_per_use)


#: Every kind of resource; a new kind is added here and to :data:`ResourceKind`.
ResourceRecord = LaborResource | PerUseResource
_AnyResource = Annotated[ResourceRecord, Field(discriminator="kind")]
Resource = TypeAdapter(_AnyResource)


class Activity(_Record):
    """A task, with what one execution of it costs.

    Attributes:
      name: display name (optional; the id is shown otherwise).
      labor: minutes of work per execution, per labor resource id.
      uses: units per execution, per per_use resource id.
      other_cost: money per execution not tied to a resource (materials, fees).
      wait: elapsed minutes with no labour (waiting for the client); no cost.
      value: ``value_adding``, ``business`` or ``waste``.
      one_of: when given, the labour resources are alternatives: each execution is
        done by ONE of them, resource r in ``one_of[r]`` of the executions (shares
        summing to 1, naming every labour resource). ``labor[r]`` stays what r
        spends per execution on average (its share × its own minutes), so costs
        read as without it; the queue simulation gives each execution to one free
        resource among them, for ``labor[r] / one_of[r]`` minutes. Empty: every
        labour resource works on every execution (a review by a lawyer and a
        manager together).
      needs: ids of the activities whose output this one must wait for ("the
        invoice must be entered before it is matched"): each must have run before
        this one on every way through the flows. Empty: it needs nothing stated,
        so it could run beside its neighbours (the parallelise move reads this).

    >>> review = Activity.model_validate({"labor": {"anna": 10, "boris": 30},
    ...                                   "one_of": {"anna": 0.5, "boris": 0.5}})
    >>> review.labor["anna"].mean_minutes / review.one_of["anna"]  # Anna's own minutes
    20.0
    """

    name: Text | None = None
    labor: dict[Id, Duration] = Field(default_factory=dict)
    uses: dict[Id, Units] = Field(default_factory=dict)
    other_cost: Money = 0.0
    wait: Duration = ZERO_MINUTES
    value: Literal["value_adding", "business", "waste"] = "business"
    one_of: dict[Id, Probability] = Field(default_factory=dict)
    needs: list[Id] = Field(default_factory=list)


class Gateway(_Record):
    """A routing point. ``exclusive`` (XOR) picks one outgoing flow by
    probability or merges alternatives; ``parallel`` (AND) starts all outgoing
    flows or waits for all incoming ones.

    Attributes:
      kind: ``exclusive`` or ``parallel``.
      name: display name (optional).
    """

    kind: GatewayKind
    name: Text | None = None


class Event(_Record):
    """Where an instance starts or ends.

    Attributes:
      kind: ``start`` or ``end``.
      name: display name (optional).
    """

    kind: EventKind
    name: Text | None = None


#: A flow's probability for each case class: class id -> probability.
ClassProbabilities = dict[Id, Probability]
# One number, or a mapping by class: told apart by the value's shape, so that a
# malformed value is reported once, against the form it was written in (a union
# would also say "should be a valid dictionary" of every misspelt number).
_FlowProbability = Annotated[
    Annotated[Probability, Tag("number")] | Annotated[ClassProbabilities, Tag("by_class")],
    Discriminator(lambda value: "by_class" if isinstance(value, dict) else "number"),
]


class Flow(NamedTuple):
    """A sequence flow ``[source, target]`` or ``[source, target, probability]``.

    A named tuple rather than a model: pydantic validates it from the file's
    list form natively, which matters with tens of thousands of flows.

    Attributes:
      source: id of the node the flow leaves.
      target: id of the node the flow enters.
      probability: share of instances taking this flow out of an exclusive split:
        one number for every instance, or, in a model with ``case_classes``, a
        mapping class id -> the share of that class's instances
        (``{small: 0, medium: 1, large: 1}``).

    >>> TypeAdapter(Flow).validate_python(["approved", "sign", 0.7]).probability
    0.7
    >>> TypeAdapter(Flow).validate_python(["tier", "finance", {"small": 0, "large": 1}])[2]
    {'small': 0.0, 'large': 1.0}
    """

    source: Annotated[str, Field(strict=True, min_length=1, max_length=MAX_ID_CHARS)]
    target: Annotated[str, Field(strict=True, min_length=1, max_length=MAX_ID_CHARS)]
    probability: _FlowProbability | None = None

    def for_class(self, class_id: str) -> float | None:
        """This flow's probability for instances of case class ``class_id``.

        A plain number holds for every class; a mapping that leaves the class
        out gives None (the validator reports it).

        >>> Flow("tier", "finance", {"small": 0.0, "large": 1.0}).for_class("large")
        1.0
        >>> Flow("ok", "e", 0.75).for_class("large")
        0.75
        """
        if isinstance(self.probability, dict):
            return self.probability.get(class_id)
        return self.probability


class CaseClass(_Record):
    """A class of process instances routed alike (contracts by value tier).

    Attributes:
      name: display name (optional).
      share: the share of all instances in this class; the shares of a model's
        classes sum to 1.
    """

    name: Text | None = None
    share: Probability


class CatalogueUse(_Record):
    """Which of a model's resources came from its library's catalogue, and how.

    Set by the reader that resolved the model against ``resources.yaml``; a model
    with its own resources only has none.

    Attributes:
      file: the catalogue, as named in messages (``resources.yaml``).
      sha256: SHA-256 of the catalogue's bytes, for the provenance of reports.
      pools: ids of the resources taken from the catalogue.
      overridden: pool id -> the fields this model overrides (``overrides:``).
    """

    file: str
    sha256: str
    pools: tuple[str, ...] = ()
    overridden: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class ResourceCatalogue(_Record):
    """A library's resource pools, each defined once (``resources.yaml``).

    Process files name its pools by id in ``labor`` and ``uses``; a variant may
    change a value only explicitly, under ``overrides:``. ``year`` is the year of
    the payroll rules and the production calendar for every pool that derives its
    cost from a salary or its capacity from a productive share and names no year.

    Attributes:
      format: always ``abc-costing-resources/1``.
      title: human title (optional).
      currency: ISO 4217 code of every amount.
      year: default year of the payroll pools.
      pools: pool id -> resource.

    >>> catalogue = ResourceCatalogue.model_validate({
    ...     "format": "abc-costing-resources/1", "year": 2026, "pools": {
    ...         "lawyer": {"kind": "labor", "headcount": 3, "salary_per_month": 150000,
    ...                    "capacity_hours_per_month": 360}}})
    >>> catalogue.pools["lawyer"].rate_per_minute * 60  # 3 × 150 000 × 1.302 / 360
    1627.5
    """

    format: Literal["abc-costing-resources/1"]
    title: Text | None = None
    currency: Currency = "RUB"
    year: Year | None = None
    pools: dict[Id, _AnyResource] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _year_for_pools(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("year") is None:
            return data
        pools = data.get("pools")
        if not isinstance(pools, dict):
            return data
        return {**data, "pools": {pool_id: with_catalogue_year(pool, data["year"])
                                  for pool_id, pool in pools.items()}}


def with_catalogue_year(pool: Any, year: Any) -> Any:
    """A pool's data with the catalogue's ``year`` when it needs one and names none."""
    if (isinstance(pool, dict) and "year" not in pool
            and ("salary_per_month" in pool or "productive_share" in pool)):
        return {**pool, "year": year}
    return pool


class ProcessModel(_Record):
    """One variant of one process, as written in an ``abc-costing/1`` file.

    Attributes:
      format: always ``abc-costing/1``.
      process: slug shared by all variants of one process.
      variant: slug of this variant (``as_is``, ``e_signature``...).
      title: human title, any language.
      currency: ISO 4217 code of every amount in the file.
      volume_per_year: instances per year, when known.
      resources: resource id -> resource.
      activities: activity id -> activity.
      gateways: gateway id -> gateway.
      events: event id -> event.
      flows: the sequence flows, in file order.
      overrides: pool id -> the values this variant changes from the library's
        catalogue (``{rate_per_hour: 1500}``), as written; the resolved pool is
        in ``resources``.
      case_classes: class id -> :class:`CaseClass`, when instances of different
        classes are routed differently (a flow's probability may then be a
        mapping by class); empty: every instance is routed alike.
    """

    format: Literal["abc-costing/1"]
    process: Slug
    variant: Slug
    title: Text | None = None
    currency: Currency = "RUB"
    volume_per_year: Volume | None = None
    resources: dict[Id, _AnyResource] = Field(default_factory=dict)
    activities: dict[Id, Activity] = Field(default_factory=dict)
    gateways: dict[Id, Gateway] = Field(default_factory=dict)
    events: dict[Id, Event] = Field(default_factory=dict)
    flows: list[Flow] = Field(default_factory=list)
    overrides: dict[Id, dict[str, Any]] = Field(default_factory=dict)
    case_classes: dict[Id, CaseClass] = Field(default_factory=dict)
    _catalogue: CatalogueUse | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # Two reads of one model are equal whether or not a catalogue supplied its
        # pools: the private note of where they came from is provenance, not content.
        if not isinstance(other, ProcessModel):
            return NotImplemented
        return type(self) is type(other) and all(
            getattr(self, name) == getattr(other, name) for name in type(self).model_fields)

    __hash__ = _Record.__hash__

    @property
    def catalogue(self) -> CatalogueUse | None:
        """Which resources came from the library's catalogue (None: all its own)."""
        return self._catalogue

    def resolved_with(self, catalogue: CatalogueUse) -> Self:
        """This model, marked as resolved against ``catalogue`` (by the reader that did it)."""
        self._catalogue = catalogue
        return self

    def own_resources(self) -> dict[str, ResourceRecord]:
        """The resources defined in this model's own file (not taken from a catalogue)."""
        taken = set(self._catalogue.pools) if self._catalogue else set()
        return {rid: r for rid, r in self.resources.items() if rid not in taken}

    @cached_property
    def node_kinds(self) -> dict[str, NodeKind]:
        """Node id -> ``activity``, ``exclusive``, ``parallel``, ``start`` or ``end``.

        When an id is defined twice (an error the validator reports), the
        later section wins here.
        """
        kinds: dict[str, NodeKind] = {node_id: "activity" for node_id in self.activities}
        kinds.update({node_id: g.kind for node_id, g in self.gateways.items()})
        kinds.update({node_id: e.kind for node_id, e in self.events.items()})
        return kinds

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> Self:
        """A copy; with ``update``, one that forgets what was derived from the old fields.

        Values derived from the fields are kept in the instance's ``__dict__``
        beside them (:attr:`node_kinds`, and the verdict of
        :func:`abc_costing.validation.validate_model`); pydantic's copy carries
        the whole ``__dict__`` over, so a copy with changed fields would show
        the old kinds and pass as already checked. Such a copy starts bare: it
        is validated (and its kinds derived) again on first use. Note that
        ``update`` itself is not validated (STYLE rule 1): build changed
        models with ``ProcessModel.model_validate`` instead.
        """
        copied = super().model_copy(update=update, deep=deep)
        if update:
            fields = type(self).model_fields
            for derived in [key for key in copied.__dict__ if key not in fields]:
                del copied.__dict__[derived]
        return copied

    def for_class(self, class_id: str) -> Self:
        """This model as the instances of case class ``class_id`` see it: every
        flow's probability for that class, and no case classes.

        Exact costing solves the routing of each class this way and mixes the
        results by share. The copy keeps the catalogue note and is validated
        again on first use (its routing may differ: a loop one class never leaves).

        >>> model = ProcessModel.model_validate({
        ...     "format": "abc-costing/1", "process": "p", "variant": "v",
        ...     "case_classes": {"small": {"share": 0.6}, "large": {"share": 0.4}},
        ...     "gateways": {"x": {"kind": "exclusive"}},
        ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        ...     "flows": [["s", "x"], ["x", "e", {"small": 1, "large": 0.5}],
        ...               ["x", "s", {"small": 0, "large": 0.5}]]})
        >>> [flow.probability for flow in model.for_class("large").flows]
        [None, 0.5, 0.5]
        """
        # The probabilities are the validated values of this model, one picked per
        # flow; model_copy skips re-checking them and drops the derived kinds and
        # verdict (ProcessModel.model_copy), so the class's routing is checked anew.
        flows = [Flow(flow.source, flow.target, flow.for_class(class_id))
                 if isinstance(flow.probability, dict) else flow for flow in self.flows]
        copied = self.model_copy(update={"flows": flows, "case_classes": {}})
        copied._catalogue = self._catalogue
        return copied

    def display_name(self, node_id: str) -> str:
        """The node's name when it has one, else its id."""
        for section in (self.activities, self.gateways, self.events):
            if node_id in section:
                return section[node_id].name or node_id
        return node_id


class RateTable(_Record):
    """Labour rates without a process: what a rates table (CSV or Excel) holds.

    It prices the resources of an event log when there is no designed model
    to take the rates from (``abc-costing mine LOG --rates rates.csv``).

    Attributes:
      currency: ISO 4217 code of the rates.
      resources: resource id -> labour resource (named as in the table).
      source: the file it was read from, when known.

    >>> table = RateTable.model_validate({"resources": {
    ...     "ivanova": {"kind": "labor", "name": "Иванова", "rate_per_hour": 600}}})
    >>> table.currency, table.resources["ivanova"].rate_per_minute
    ('RUB', 10.0)
    """

    currency: Currency = "RUB"
    resources: dict[Id, LaborResource] = Field(default_factory=dict)
    source: Text | None = None
