"""The Russian production calendar (производственный календарь): working hours per month.

The calendar of each shipped year is a data file (``data/calendar_<year>.toml``) holding the
rules as dates (holidays, days off moved by the Government's decree, working weekend days,
shortened pre-holiday days) and the published monthly totals; its header cites the sources.
Working days and hours are derived from the dates, so a 36- or 24-hour week follows the same
rules (Приказ Минздравсоцразвития № 588н), and the tests hold the derived months to the
published totals.

Examples
--------
>>> m = month_hours(2026, 1)
>>> m.working_days, m.working_hours
(15, 120.0)
>>> practical_hours(headcount=3, productive_share=0.9, year=2026, month=1)  # 3 × 120 × 0.9
324.0
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from abc_costing.problems import AbcCostingError

__all__ = ["CalendarError", "WorkingMonth", "month_hours", "practical_hours",
           "latest_settled_year", "practical_hours_per_year", "provisional_note",
           "shipped_years", "year_months"]

#: The statutory maximum (Трудовой кодекс РФ, ст. 91); a shorter week scales the day.
MAX_HOURS_PER_WEEK = 40.0
_WORKING_DAYS_PER_WEEK = 5


class CalendarError(AbcCostingError, ValueError):
    """A month the shipped calendar does not cover, or an impossible working week.

    >>> try:
    ...     month_hours(2031, 2)
    ... except CalendarError as err:
    ...     print(err)
    no production calendar for 2031-02: the calendar ships the years 2025, 2026, 2027
    """


@dataclass(frozen=True)
class WorkingMonth:
    """The working time of one calendar month for one full-time employee.

    Attributes:
      year: the calendar year.
      month: 1 to 12.
      working_days: working days, shortened ones included.
      shortened_days: pre-holiday days one hour shorter (ТК РФ ст. 95).
      working_hours: the norm of working time for ``hours_per_week``.
      hours_per_week: the working week the hours are for (40 by default).
    """

    year: int
    month: int
    working_days: int
    shortened_days: int
    working_hours: float
    hours_per_week: float


@dataclass(frozen=True)
class _YearRules:
    year: int
    days_off: frozenset[dt.date]
    working_weekend_days: frozenset[dt.date]
    shortened_days: frozenset[dt.date]
    provisional: str | None = None


@cache  # the data ships inside the package: listed once, not at every model's validation
def _calendar_files() -> dict[int, str]:
    data = resources.files("abc_costing.payroll").joinpath("data")
    names = (entry.name for entry in data.iterdir())
    return {int(name[len("calendar_"):-len(".toml")]): name
            for name in names if name.startswith("calendar_") and name.endswith(".toml")}


def shipped_years() -> tuple[int, ...]:
    """The years the shipped production calendar covers, in order.

    >>> shipped_years()
    (2025, 2026, 2027)
    """
    return tuple(sorted(_calendar_files()))


@cache
def _rules(year: int) -> _YearRules:
    name = _calendar_files()[year]
    text = resources.files("abc_costing.payroll").joinpath("data", name).read_bytes()
    raw = tomllib.loads(text.decode("utf-8"))
    return _YearRules(
        year=year,
        days_off=frozenset(raw["holidays"]) | frozenset(raw["moved_days_off"]),
        working_weekend_days=frozenset(raw["working_weekend_days"]),
        shortened_days=frozenset(raw["shortened_days"]),
        provisional=raw.get("provisional") or None,
    )


def latest_settled_year() -> int:
    """The latest shipped year whose calendar is not provisional (its decree is shipped).

    >>> latest_settled_year()
    2026
    """
    return max(y for y in shipped_years() if provisional_note(y) is None)


def provisional_note(year: int) -> str | None:
    """Why a shipped year's calendar is provisional (its decree is not shipped), or None.

    Every figure computed with such a year must say so; the month totals follow the law
    (ТК РФ ст. 112 and 95) and may move when the decree is shipped.

    >>> provisional_note(2026) is None, provisional_note(2027)[:24]
    (True, '2027 is provisional: the')
    """
    if year not in _calendar_files():
        return None
    return _rules(year).provisional


def _check_week(hours_per_week: float) -> None:
    if not (math.isfinite(hours_per_week) and 0 < hours_per_week <= MAX_HOURS_PER_WEEK):
        raise CalendarError(
            f"hours_per_week must be above 0 and at most {MAX_HOURS_PER_WEEK:g} "
            f"(ТК РФ ст. 91), not {hours_per_week!r}")


def month_hours(year: int, month: int, *, hours_per_week: float = 40.0) -> WorkingMonth:
    """Working days and the norm of working hours of one month.

    Hours are ``hours_per_week / 5`` per working day, one hour less on each shortened day
    (Приказ Минздравсоцразвития от 13.08.2009 № 588н).

    >>> month_hours(2025, 3).working_hours            # 21 days × 8 − 1 shortened
    167.0
    >>> month_hours(2025, 3, hours_per_week=36).working_hours   # 21 × 7.2 − 1
    150.2
    """
    _check_week(hours_per_week)
    if not 1 <= month <= 12:
        raise CalendarError(f"month must be 1 to 12, not {month!r} (year {year})")
    if year not in _calendar_files():
        years = ", ".join(str(y) for y in shipped_years())
        raise CalendarError(f"no production calendar for {year:04d}-{month:02d}: "
                            f"the calendar ships the years {years}")
    rules = _rules(year)
    working_days = shortened = 0
    for day_number in range(1, calendar.monthrange(year, month)[1] + 1):
        day = dt.date(year, month, day_number)
        weekend = day.weekday() >= _WORKING_DAYS_PER_WEEK
        if day in rules.days_off or (weekend and day not in rules.working_weekend_days):
            continue
        working_days += 1
        shortened += day in rules.shortened_days
    hours_per_day = hours_per_week / _WORKING_DAYS_PER_WEEK
    # Round away the float noise of 7.2 × n; the norm is published to 0.1 hour.
    working_hours = round(working_days * hours_per_day - shortened, 6)
    return WorkingMonth(year=year, month=month, working_days=working_days,
                        shortened_days=shortened, working_hours=working_hours,
                        hours_per_week=hours_per_week)


# Pure and asked once per pool of a catalogue: a catalogue of thousands of pools reads
# the same year's calendar thousands of times.
@cache
def year_months(year: int, *, hours_per_week: float = 40.0) -> tuple[WorkingMonth, ...]:
    """The twelve months of a shipped year.

    >>> sum(m.working_hours for m in year_months(2026)) / 12   # the average month of 2026
    164.33333333333334
    """
    return tuple(month_hours(year, month, hours_per_week=hours_per_week)
                 for month in range(1, 13))


def _check_pool(headcount: float, productive_share: float) -> None:
    if not (math.isfinite(headcount) and headcount >= 0):
        raise CalendarError(f"headcount must be a number of people, 0 or more, not {headcount!r}")
    if not (math.isfinite(productive_share) and 0 < productive_share <= 1):
        raise CalendarError(
            f"productive_share must be above 0 and at most 1, not {productive_share!r}")


def practical_hours(*, headcount: float, productive_share: float, year: int, month: int,
                    hours_per_week: float = 40.0) -> float:
    """Practical capacity (практическая ёмкость) of a pool in one month, hours.

    ``headcount × month hours × productive_share``: the hours the pool can spend on process
    work once meetings, training and the like (the rest of the share) are taken out.

    >>> practical_hours(headcount=3, productive_share=0.9, year=2026, month=1)  # 3 × 120 × 0.9
    324.0
    """
    _check_pool(headcount, productive_share)
    hours = month_hours(year, month, hours_per_week=hours_per_week).working_hours
    return headcount * hours * productive_share


def practical_hours_per_year(*, headcount: float, productive_share: float, year: int,
                             hours_per_week: float = 40.0) -> float:
    """Practical capacity of a pool over a whole shipped year, hours.

    >>> practical_hours_per_year(headcount=1, productive_share=1.0, year=2026)
    1972.0
    """
    _check_pool(headcount, productive_share)
    hours = sum(m.working_hours for m in year_months(year, hours_per_week=hours_per_week))
    return headcount * hours * productive_share
