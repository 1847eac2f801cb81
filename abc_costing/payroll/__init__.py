"""Money and time as a Russian finance team keeps them: payroll rules and the production calendar.

Cited data shipped with the package (``data/*.toml``) and pure functions over it; the core
(model, validation, engine) does not use this yet.

>>> from abc_costing import payroll
>>> payroll.month_hours(2026, 1).working_hours
120.0
>>> payroll.loaded_cost_per_year(100_000, year=2026).loading_factor
1.302
"""

from abc_costing.payroll.contributions import (
    ContributionRules,
    LoadedCost,
    PayrollError,
    Regime,
    contribution_rules,
    contribution_years,
    injury_rates,
    loaded_cost_per_year,
    rate_per_hour,
)
from abc_costing.payroll.production_calendar import (
    CalendarError,
    WorkingMonth,
    latest_settled_year,
    month_hours,
    practical_hours,
    practical_hours_per_year,
    provisional_note,
    shipped_years,
    year_months,
)

__all__ = ["CalendarError", "ContributionRules", "LoadedCost", "PayrollError", "Regime",
           "WorkingMonth", "contribution_rules", "contribution_years", "injury_rates",
           "latest_settled_year", "loaded_cost_per_year", "month_hours", "practical_hours",
           "practical_hours_per_year", "provisional_note", "rate_per_hour", "shipped_years",
           "year_months"]
