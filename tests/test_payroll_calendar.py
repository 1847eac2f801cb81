"""The production calendar: months derived from the cited dates, against the published totals."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from abc_costing.payroll import (
    CalendarError,
    month_hours,
    practical_hours,
    practical_hours_per_year,
    provisional_note,
    shipped_years,
    year_months,
)
from abc_costing.problems import AbcCostingError


def _published_months(year: int) -> list[dict[str, int]]:
    data = resources.files("abc_costing.payroll").joinpath("data", f"calendar_{year}.toml")
    return tomllib.loads(data.read_bytes().decode("utf-8"))["months"]


@pytest.mark.parametrize("year", [y for y in shipped_years() if provisional_note(y) is None])
def test_every_month_derived_from_the_dates_matches_the_published_calendar(year: int) -> None:
    published = _published_months(year)
    assert [row["month"] for row in published] == list(range(1, 13))
    for row, derived in zip(published, year_months(year), strict=True):
        assert (derived.working_days, derived.working_hours) == \
            (row["working_days"], row["hours_40"]), f"{year}-{row['month']:02d}"


def test_shipped_years_are_those_with_a_cited_decree_and_2027_from_the_law_alone() -> None:
    # 2027: no decree on moving days off was found; it ships from ТК РФ ст. 112 and 95 alone,
    # and says so wherever it is used.
    assert shipped_years() == (2025, 2026, 2027)
    assert provisional_note(2025) is None and provisional_note(2026) is None
    assert "2027 is provisional" in provisional_note(2027)


def test_2027_provisional_months_follow_articles_112_and_95_by_hand() -> None:
    # January: holidays 1-8 (Fri 1 .. Fri 8), working 11-15, 18-22, 25-29: 15 days, 120 h
    # (the decree will move 2 and 3 January, which fall on a weekend, to days not known yet).
    # May: 21 weekdays − 3 May (for Sat 1 May) − 10 May (for Sun 9 May) = 19 days; 30 Apr is
    # the shortened day before 1 May, so May has none: 152 h; April 22 × 8 − 1 = 175.
    # June: 22 weekdays − 14 Jun (for Sat 12 Jun) = 21 days, 11 Jun shortened: 167 h.
    # Year: 261 weekdays − 6 January weekday holidays (1, 4-8) − 23 Feb − 8 Mar − 3 moved − 4 Nov
    # = 249 days; × 8 − 5 shortened (22 Feb, 30 Apr, 11 Jun, 3 Nov, 31 Dec) = 1 987 h.
    months = year_months(2027)
    assert [(m.working_days, m.working_hours) for m in months][:6] == [
        (15, 120.0), (19, 151.0), (22, 176.0), (22, 175.0), (19, 152.0), (21, 167.0)]
    assert sum(m.working_days for m in months) == 249
    assert sum(m.working_hours for m in months) == 1987.0


def test_january_2026_is_15_days_and_120_hours() -> None:
    # 22 weekdays (1-2, 5-9, 12-16, 19-23, 26-30) − holidays 1, 2, 5, 6, 7, 8 − 9 Jan (moved
    # from Sat 3 Jan by decree № 1466) = 15 days; 15 × 8 = 120 hours.
    january = month_hours(2026, 1)
    assert (january.working_days, january.shortened_days, january.working_hours) == (15, 0, 120.0)


def test_2026_year_is_247_days_1972_hours_and_an_average_month_of_164_3() -> None:
    months = year_months(2026)
    # 247 days × 8 = 1 976, less 4 shortened days (30 Apr, 8 May, 11 Jun, 3 Nov) = 1 972.
    assert sum(m.working_days for m in months) == 247
    assert sum(m.shortened_days for m in months) == 4
    assert sum(m.working_hours for m in months) == 1972.0
    assert round(1972.0 / 12, 1) == 164.3


def test_2025_year_is_247_days_and_1972_hours() -> None:
    # 247 × 8 − 4 shortened days (7 Mar, 30 Apr, 11 Jun, Saturday 1 Nov) = 1 972.
    months = year_months(2025)
    assert sum(m.working_days for m in months) == 247
    assert sum(m.working_hours for m in months) == 1972.0


def test_a_working_saturday_counts_and_a_moved_day_off_does_not() -> None:
    # November 2025: 20 weekdays − 3 Nov (moved day off) − 4 Nov (holiday) + Saturday 1 Nov
    # (working, shortened) = 19 days; 19 × 8 − 1 = 151 hours.
    november = month_hours(2025, 11)
    assert (november.working_days, november.shortened_days, november.working_hours) == \
        (19, 1, 151.0)


def test_a_36_hour_week_follows_the_588n_rule() -> None:
    # March 2025: 21 days × 36/5 − 1 shortened = 150.2 (the published 36-hour norm);
    # January 2025: 17 × 7.2 = 122.4.
    assert month_hours(2025, 3, hours_per_week=36).working_hours == 150.2
    assert month_hours(2025, 1, hours_per_week=36).working_hours == 122.4


def test_practical_hours_of_three_lawyers_in_january_2026() -> None:
    # 3 people × 120 h × 0.9 productive share = 324 h.
    assert practical_hours(headcount=3, productive_share=0.9, year=2026, month=1) == \
        pytest.approx(324.0, abs=1e-9)


def test_practical_hours_per_year_is_the_sum_of_the_months() -> None:
    # 2 people × 1 972 h × 0.85 = 3 352.4 h, and the same as the twelve months added up.
    per_year = practical_hours_per_year(headcount=2, productive_share=0.85, year=2026)
    assert per_year == pytest.approx(3352.4, abs=1e-9)
    by_month = sum(practical_hours(headcount=2, productive_share=0.85, year=2026, month=m)
                   for m in range(1, 13))
    assert by_month == pytest.approx(per_year, abs=1e-9)


def test_a_month_outside_the_calendar_names_the_month_and_the_years_shipped() -> None:
    with pytest.raises(CalendarError) as caught:
        month_hours(2028, 1)
    assert str(caught.value) == \
        "no production calendar for 2028-01: the calendar ships the years 2025, 2026, 2027"
    assert isinstance(caught.value, AbcCostingError)
    with pytest.raises(CalendarError, match="2024-12"):
        practical_hours(headcount=1, productive_share=1.0, year=2024, month=12)


@pytest.mark.parametrize("month", [0, 13])
def test_a_month_number_outside_1_to_12_is_refused(month: int) -> None:
    with pytest.raises(CalendarError, match=f"month must be 1 to 12, not {month}"):
        month_hours(2026, month)


@pytest.mark.parametrize("hours_per_week", [0.0, -8.0, 41.0, float("nan"), float("inf")])
def test_an_impossible_working_week_is_refused(hours_per_week: float) -> None:
    with pytest.raises(CalendarError, match="hours_per_week"):
        month_hours(2026, 1, hours_per_week=hours_per_week)


@pytest.mark.parametrize(("headcount", "share", "what"), [
    (-1.0, 0.9, "headcount"), (float("nan"), 0.9, "headcount"),
    (3.0, 0.0, "productive_share"), (3.0, 1.2, "productive_share"),
    (3.0, float("nan"), "productive_share"),
])
def test_a_bad_pool_is_refused(headcount: float, share: float, what: str) -> None:
    with pytest.raises(CalendarError, match=what):
        practical_hours(headcount=headcount, productive_share=share, year=2026, month=1)
