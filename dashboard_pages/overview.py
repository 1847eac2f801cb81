"""Overview: every process and variant, what each costs, and what the best redesign saves."""

import streamlit as st

from abc_costing import workflows as wf
from abc_costing.reports.figures import portfolio_cost_figure
from abc_costing.reports.views import portfolio_view
from dashboard_pages.state import library, money, show_problems, show_view

st.title("Process portfolio")
lib = library()
show_problems(lib.problems, title=f"⚠ {len(lib.problems)} problem(s) in the library files",
              expanded=False)
portfolio = lib.portfolio
if not portfolio.rows:
    st.warning("No valid process models in the library.")
    st.stop()

currencies = sorted({row.currency for row in portfolio.rows})
baselines = [r for r in portfolio.rows if r.variant == "as_is"]
best = [portfolio.best_variant(p) for p in portfolio.processes()]
if len(currencies) == 1:
    currency = currencies[0]
    columns = st.columns([2, 2, 1])
    columns[0].metric("Cost per year, as is",
                      money(sum(r.cost_per_year or 0 for r in baselines), currency))
    columns[1].metric("Saving per year, best variants",
                      money(sum(r.saving_per_year_vs_as_is or 0 for r in best), currency))
    columns[2].metric("Processes / variants", f"{len(portfolio.processes())} / "
                                               f"{len(portfolio.rows)}")
    # The saving above is "on paper" (minutes × rate); what of it is money is the plan's split.
    release, _ = wf.released_by_plan(lib, plan="best")
    if release is not None:
        split = st.columns([2, 2, 1])
        split[0].metric("of which cash (whole people + not labour)",
                        money(release.cash_per_year, currency),
                        help="Высвобождаемые деньги: whole people a pool no longer needs × "
                             "their cost, plus savings that are not labour. Pool by pool: "
                             "`abc-costing capacity --plan best`.")
        split[1].metric("of which freed capacity", money(release.freed_capacity_per_year,
                                                         currency),
                        help="Освобождённая мощность: labour hours saved that stay paid "
                             "until the work is reused or the headcount changes.")
        if release.price_effect_per_year:
            split[2].metric("of which price effects",
                            money(release.price_effect_per_year, currency),
                            help="Differences of price (a variant's overrides), not of work.")

show_view(portfolio_view(portfolio, path_label=lib.label), key="portfolio_table")

st.subheader("Where the money goes")
st.plotly_chart(portfolio_cost_figure(portfolio), width="stretch", key="portfolio_chart")
