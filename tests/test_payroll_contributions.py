"""Loaded cost from salary: страховые взносы month by month across the single base."""

from __future__ import annotations

import math

import pytest

from abc_costing.payroll import (
    PayrollError,
    contribution_rules,
    loaded_cost_per_year,
    rate_per_hour,
)
from abc_costing.problems import AbcCostingError


def test_the_shipped_rules_are_the_cited_figures() -> None:
    rules_2025, rules_2026 = contribution_rules(2025), contribution_rules(2026)
    assert rules_2025.single_base_per_year == 2_759_000
    assert rules_2026.single_base_per_year == 2_979_000
    assert (rules_2026.general_rate_within_base, rules_2026.general_rate_above_base) == \
        (0.30, 0.151)
    # 1.5 МРОТ: 1.5 × 22 440 = 33 660 (2025); 1.5 × 27 093 = 40 639.50 (2026).
    assert rules_2025.sme_threshold_per_month == 33_660
    assert rules_2026.sme_threshold_per_month == 40_639.5
    assert rules_2026.sme_rate_above_threshold == 0.15


def test_a_salary_below_the_base_is_loaded_exactly_1_302() -> None:
    # 100 000 × 12 = 1 200 000 < 2 979 000: взносы 30 % = 360 000, травматизм class 1
    # 0.2 % = 2 400, total 1 562 400 = 1.302 × 1 200 000.
    cost = loaded_cost_per_year(100_000, year=2026)
    assert cost.gross_pay_per_year == 1_200_000
    assert cost.contributions_per_year == pytest.approx(360_000, abs=1e-6)
    assert cost.injury_insurance_per_year == pytest.approx(2_400, abs=1e-6)
    assert cost.total_cost_per_year == pytest.approx(1_562_400, abs=1e-6)
    assert cost.loading_factor == pytest.approx(1.302, abs=1e-12)
    assert cost.base_crossed_in_month is None


def test_a_salary_crossing_the_base_in_october_is_loaded_30_then_15_1_percent() -> None:
    # 300 000 a month in 2026: after September 2 700 000 paid, after October 3 000 000 >
    # 2 979 000, so the base runs out in October: 279 000 of October at 30 %, 21 000 at 15.1 %.
    # Within the base 2 979 000 × 0.30 = 893 700; above it (3 600 000 − 2 979 000) = 621 000
    # × 0.151 = 93 771; взносы 987 471; травматизм 3 600 000 × 0.002 = 7 200;
    # total 3 600 000 + 987 471 + 7 200 = 4 594 671; factor 4 594 671 / 3 600 000 = 1.2762975.
    cost = loaded_cost_per_year(300_000, year=2026)
    assert cost.base_crossed_in_month == 10
    assert cost.contributions_per_year == pytest.approx(987_471, abs=1e-6)
    assert cost.injury_insurance_per_year == pytest.approx(7_200, abs=1e-6)
    assert cost.total_cost_per_year == pytest.approx(4_594_671, abs=1e-6)
    assert cost.loading_factor == pytest.approx(1.2762975, abs=1e-12)


def test_a_bonus_is_pay_like_the_salary() -> None:
    # оклад 250 000 + премия 50 000 is the same 300 000 a month as above.
    split = loaded_cost_per_year(250_000, 50_000, year=2026)
    whole = loaded_cost_per_year(300_000, year=2026)
    assert split == whole


def test_the_2025_base_is_lower_so_the_same_pay_crosses_it_earlier() -> None:
    # 300 000 a month in 2025: after September 2 700 000 < 2 759 000 < 3 000 000 → October.
    # Within 2 759 000 × 0.30 = 827 700; above 841 000 × 0.151 = 126 991; взносы 954 691.
    cost = loaded_cost_per_year(300_000, year=2025)
    assert cost.base_crossed_in_month == 10
    assert cost.contributions_per_year == pytest.approx(954_691, abs=1e-6)


def test_sme_pay_below_1_5_mrot_is_loaded_like_the_general_regime() -> None:
    # 30 000 < 33 660 (1.5 МРОТ 2025): 30 % on all of it; 360 000 × 1.302 = 468 720.
    cost = loaded_cost_per_year(30_000, year=2025, regime="sme")
    assert cost.contributions_per_year == pytest.approx(108_000, abs=1e-6)
    assert cost.total_cost_per_year == pytest.approx(468_720, abs=1e-6)
    assert cost.loading_factor == pytest.approx(1.302, abs=1e-12)


def test_sme_pay_above_1_5_mrot_pays_15_percent_on_the_excess() -> None:
    # 2025: 100 000 a month: 33 660 × 0.30 = 10 098; 66 340 × 0.15 = 9 951; a month 20 049,
    # a year 240 588; травматизм 2 400; total 1 200 000 + 240 588 + 2 400 = 1 442 988.
    cost_2025 = loaded_cost_per_year(100_000, year=2025, regime="sme")
    assert cost_2025.contributions_per_year == pytest.approx(240_588, abs=1e-6)
    assert cost_2025.total_cost_per_year == pytest.approx(1_442_988, abs=1e-6)
    assert cost_2025.loading_factor == pytest.approx(1.20249, abs=1e-12)
    # 2026: 40 639.50 × 0.30 = 12 191.85; 59 360.50 × 0.15 = 8 904.075; a month 21 095.925,
    # a year 253 151.10.
    cost_2026 = loaded_cost_per_year(100_000, year=2026, regime="sme")
    assert cost_2026.contributions_per_year == pytest.approx(253_151.10, abs=1e-6)


def test_sme_pay_above_the_base_drops_the_threshold_part_to_15_1_percent() -> None:
    # 2026, 300 000 a month, SME: a month's 40 639.50 at 30 % (12 191.85) and 259 360.50 at
    # 15 % (38 904.075) until the base runs out in October. Months 1-9: 9 × 51 095.925 =
    # 459 863.325. October: base left 279 000 ≥ 40 639.50, so the same 51 095.925.
    # November, December: 40 639.50 × 0.151 = 6 136.5645 + 38 904.075 = 45 040.6395 each.
    # Year: 459 863.325 + 51 095.925 + 2 × 45 040.6395 = 601 040.529.
    cost = loaded_cost_per_year(300_000, year=2026, regime="sme")
    assert cost.base_crossed_in_month == 10
    assert cost.contributions_per_year == pytest.approx(601_040.529, abs=1e-6)


def test_no_pay_costs_nothing_and_has_no_loading_factor() -> None:
    cost = loaded_cost_per_year(0, year=2026)
    assert cost.total_cost_per_year == 0
    assert math.isnan(cost.loading_factor)


@pytest.mark.parametrize(("salary", "bonus", "name"), [
    (-1.0, 0.0, "salary_per_month"), (float("nan"), 0.0, "salary_per_month"),
    (float("inf"), 0.0, "salary_per_month"), (100_000.0, -5.0, "bonus_per_month"),
])
def test_a_negative_or_non_finite_pay_is_refused(salary: float, bonus: float, name: str) -> None:
    with pytest.raises(PayrollError, match=f"{name} must be a finite amount, 0 or more"):
        loaded_cost_per_year(salary, bonus, year=2026)


def test_a_year_without_rules_names_the_years_shipped() -> None:
    with pytest.raises(PayrollError) as caught:
        loaded_cost_per_year(100_000, year=2027)
    assert str(caught.value) == "no contribution rules for 2027: the rules ship the years 2025, 2026"
    assert isinstance(caught.value, AbcCostingError)


def test_an_injury_class_without_a_cited_rate_is_refused() -> None:
    with pytest.raises(PayrollError, match="professional risk class 7: the rules ship class 1 only"):
        loaded_cost_per_year(100_000, year=2026, injury_class=7)


def test_rate_per_hour_spreads_the_loaded_cost_over_practical_hours() -> None:
    # 1 562 400 RUB / (1 972 h × 0.9 = 1 774.8 h) = 880.3245...; check by multiplying back.
    rate = rate_per_hour(1_562_400, 1_774.8)
    assert rate * 1_774.8 == pytest.approx(1_562_400, abs=1e-6)
    assert 880.32 < rate < 880.33


@pytest.mark.parametrize("hours", [0.0, -10.0, float("nan")])
def test_rate_per_hour_refuses_no_hours(hours: float) -> None:
    with pytest.raises(PayrollError, match="practical_hours_per_year must be above 0"):
        rate_per_hour(1_000_000, hours)
