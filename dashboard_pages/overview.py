"""Overview: every process and variant, what each costs, and what the best redesign saves."""

import pandas as pd
import streamlit as st

from abc_costing.reports.figures import portfolio_cost_figure
from dashboard_pages.state import library, money, process_title, show_library_problems

st.title("Process portfolio")
lib = library()
show_library_problems(lib)
portfolio = lib.portfolio
if not portfolio.rows:
    st.warning(f"No valid process models in {lib.directory}.")
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

table = pd.DataFrame(
    [
        {
            "Process": row.title or process_title(lib, row.process),
            "Variant": row.variant + (" ★" if row.is_best else ""),
            "Cost per instance": row.cost_per_instance,
            "Instances per year": row.volume_per_year,
            "Cost per year": row.cost_per_year,
            "Saving per year vs as is": row.saving_per_year_vs_as_is,
            "Waste share": row.waste_share * 100,
            "Currency": row.currency,
            "File": lib.label(next(p for p, m in lib.models
                                   if (m.process, m.variant) == (row.process, row.variant))),
        }
        for row in portfolio.rows
    ]
)
money_format = st.column_config.NumberColumn(format="%,.2f")
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "Cost per instance": money_format,
        "Cost per year": money_format,
        "Saving per year vs as is": money_format,
        "Instances per year": st.column_config.NumberColumn(format="%d"),
        "Waste share": st.column_config.NumberColumn(format="%.1f%%"),
    },
)
st.caption("★ the cheapest variant per instance of its process. Savings are against the "
           "process's as_is variant.")

st.subheader("Where the money goes")
st.plotly_chart(portfolio_cost_figure(portfolio), width="stretch", key="portfolio_chart")
