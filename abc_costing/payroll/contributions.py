"""Loaded cost of an employee: pay plus страховые взносы and травматизм, month by month.

The rules of each year are data (``data/contributions.toml``, with its sources): the single
maximum base (единая предельная величина базы), the general rates (30 % within it, 15.1 %
above), МРОТ and the reduced SME rate (30 % up to 1.5 МРОТ a month, 15 % above), and the
injury-insurance rate by class of professional risk.

Examples
--------
>>> cost = loaded_cost_per_year(100_000, year=2026)   # 1.2 M a year, below the base
>>> cost.total_cost_per_year                          # 1.2 M × (1 + 0.30 + 0.002)
1562400.0
>>> round(cost.loading_factor, 6)
1.302
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, assert_never

from abc_costing.problems import AbcCostingError

__all__ = ["ContributionRules", "LoadedCost", "PayrollError", "Regime", "contribution_rules",
           "contribution_years", "injury_rates", "loaded_cost_per_year", "rate_per_hour"]

Regime = Literal["general", "sme"]
_MONTHS_PER_YEAR = 12


class PayrollError(AbcCostingError, ValueError):
    """Pay or rules that cannot be costed: a negative salary, a year with no rules.

    >>> try:
    ...     loaded_cost_per_year(-1, year=2026)
    ... except PayrollError as err:
    ...     print(err)
    salary_per_month must be a finite amount, 0 or more, not -1
    """


@dataclass(frozen=True)
class ContributionRules:
    """The contribution rules of one year, as fractions of pay.

    Attributes:
      year: the calendar year they apply to.
      single_base_per_year: pay since 1 January taxed at the within-base rate, RUB.
      general_rate_within_base: 0.30.
      general_rate_above_base: 0.151.
      mrot_per_month: the federal minimum wage (МРОТ), RUB a month.
      sme_threshold_per_month: pay per month up to which an SME pays the general rate
        (1.5 МРОТ), RUB.
      sme_rate_above_threshold: 0.15.
    """

    year: int
    single_base_per_year: float
    general_rate_within_base: float
    general_rate_above_base: float
    mrot_per_month: float
    sme_threshold_per_month: float
    sme_rate_above_threshold: float


@dataclass(frozen=True)
class LoadedCost:
    """What one employee costs an employer in a year.

    Attributes:
      year: the year whose rules were applied.
      regime: ``"general"`` or ``"sme"``.
      injury_class: class of professional risk used for травматизм.
      gross_pay_per_year: оклад + премия over twelve months (ФОТ for one person), RUB.
      contributions_per_year: страховые взносы, RUB.
      injury_insurance_per_year: взносы на травматизм, RUB.
      total_cost_per_year: pay + contributions + injury insurance, RUB.
      loading_factor: total / gross pay (1.302 below the base, general regime, class 1);
        ``nan`` when there is no pay.
      base_crossed_in_month: the month (1-12) in which pay since 1 January passed the single
        base, or ``None`` if it did not.
    """

    year: int
    regime: Regime
    injury_class: int
    gross_pay_per_year: float
    contributions_per_year: float
    injury_insurance_per_year: float
    total_cost_per_year: float
    loading_factor: float
    base_crossed_in_month: int | None


@cache
def _data() -> dict[str, Any]:
    text = resources.files("abc_costing.payroll").joinpath("data", "contributions.toml")
    return tomllib.loads(text.read_bytes().decode("utf-8"))


def contribution_rules(year: int) -> ContributionRules:
    """The shipped contribution rules of ``year``.

    >>> contribution_rules(2026).single_base_per_year
    2979000.0
    """
    years = _data()["years"]
    if str(year) not in years:
        shipped = ", ".join(sorted(years))
        raise PayrollError(f"no contribution rules for {year}: the rules ship the years {shipped}")
    raw = years[str(year)]
    return ContributionRules(
        year=year,
        single_base_per_year=float(raw["single_base_per_year"]),
        general_rate_within_base=raw["general_rate_within_base_percent"] / 100,
        general_rate_above_base=raw["general_rate_above_base_percent"] / 100,
        mrot_per_month=float(raw["mrot_per_month"]),
        sme_threshold_per_month=raw["sme_threshold_mrot"] * raw["mrot_per_month"],
        sme_rate_above_threshold=raw["sme_rate_above_threshold_percent"] / 100,
    )


def contribution_years() -> tuple[int, ...]:
    """The years whose contribution rules are shipped, in order.

    >>> contribution_years()
    (2025, 2026)
    """
    return tuple(sorted(int(year) for year in _data()["years"]))


def injury_rates() -> dict[int, float]:
    """The shipped injury-insurance rate (травматизм) of each class of professional risk.

    A fraction of pay with no base limit (179-ФЗ ст. 1).

    >>> injury_rates()
    {1: 0.002}
    """
    rates = _data()["injury"]["rate_percent_by_class"]
    return {int(c): float(rates[c]) / 100 for c in sorted(rates, key=int)}


def _injury_rate(injury_class: int) -> float:
    rates = injury_rates()
    if injury_class not in rates:
        shipped = ", ".join(map(str, rates))
        which = f"class {shipped} only" if len(rates) == 1 else f"classes {shipped}"
        raise PayrollError(f"no injury-insurance rate for professional risk class "
                           f"{injury_class!r}: the rules ship {which}")
    return rates[injury_class]


def _check_amount(name: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise PayrollError(f"{name} must be a finite amount, 0 or more, not {value!r}")


def _general_month(rules: ContributionRules, pay: float, base_left: float) -> float:
    within = min(pay, base_left)
    return (within * rules.general_rate_within_base
            + (pay - within) * rules.general_rate_above_base)


def _sme_month(rules: ContributionRules, pay: float, base_left: float) -> float:
    # НК ст. 427 п. 2.4: the part up to 1.5 МРОТ pays the general tariff (so it too drops to
    # 15.1 % once the base is used up); the part above it pays 15 % within and above the base.
    # In the month the base runs out, the part up to the threshold is counted against it first.
    up_to_threshold = min(pay, rules.sme_threshold_per_month)
    return (_general_month(rules, up_to_threshold, base_left)
            + (pay - up_to_threshold) * rules.sme_rate_above_threshold)


@cache  # pure; a catalogue asks it once per pool, often with the same pay
def loaded_cost_per_year(salary_per_month: float, bonus_per_month: float = 0.0, *, year: int,
                         regime: Regime = "general", injury_class: int = 1) -> LoadedCost:
    """Pay, contributions and injury insurance of one employee over a year.

    Computed month by month, because the single base accumulates: pay above it (since
    1 January) is loaded at 15.1 % instead of 30 %.

    >>> c = loaded_cost_per_year(300_000, year=2026)   # crosses 2 979 000 in October
    >>> c.base_crossed_in_month, c.contributions_per_year   # 0.30 × 2 979 000 + 0.151 × 621 000
    (10, 987471.0)
    """
    _check_amount("salary_per_month", salary_per_month)
    _check_amount("bonus_per_month", bonus_per_month)
    rules = contribution_rules(year)
    injury_rate = _injury_rate(injury_class)
    pay = salary_per_month + bonus_per_month
    paid_so_far = contributions = 0.0
    crossed_in: int | None = None
    for month in range(1, _MONTHS_PER_YEAR + 1):
        base_left = max(0.0, rules.single_base_per_year - paid_so_far)
        match regime:
            case "general":
                contributions += _general_month(rules, pay, base_left)
            case "sme":
                contributions += _sme_month(rules, pay, base_left)
            case _:
                assert_never(regime)
        paid_so_far += pay
        if crossed_in is None and paid_so_far > rules.single_base_per_year:
            crossed_in = month
    gross = pay * _MONTHS_PER_YEAR
    injury = gross * injury_rate
    total = gross + contributions + injury
    return LoadedCost(
        year=year, regime=regime, injury_class=injury_class, gross_pay_per_year=gross,
        contributions_per_year=contributions, injury_insurance_per_year=injury,
        total_cost_per_year=total, loading_factor=total / gross if gross else math.nan,
        base_crossed_in_month=crossed_in,
    )


def rate_per_hour(loaded_cost_per_year: float, practical_hours_per_year: float) -> float:
    """Cost of one practical hour: the loaded cost spread over the hours that do the work.

    >>> round(rate_per_hour(1_562_400, 1972 * 0.9), 2)   # 1 562 400 / 1 774.8
    880.32
    """
    _check_amount("loaded_cost_per_year", loaded_cost_per_year)
    if not (math.isfinite(practical_hours_per_year) and practical_hours_per_year > 0):
        raise PayrollError(f"practical_hours_per_year must be above 0, "
                           f"not {practical_hours_per_year!r}")
    return loaded_cost_per_year / practical_hours_per_year
