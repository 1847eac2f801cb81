"""Simulation: the spread behind the averages, the load on each role, what moves the cost."""

import numpy as np
import pandas as pd
import streamlit as st

from abc_costing.engine.capacity import capacity_report
from abc_costing.engine.sensitivity import sensitivity
from abc_costing.reports.simulation_figures import (
    capacity_figure,
    distribution_figure,
    tornado_figure,
)
from abc_costing.simulation import simulate
from dashboard_pages.state import library, money, pick_process_variants

st.title("Simulation, capacity and sensitivity")
lib = library()
portfolio = lib.portfolio
process, baseline, candidate = pick_process_variants(lib, key="sim")
runs_column, seed_column = st.columns(2)
runs = runs_column.select_slider("Instances to simulate", key="sim_runs",
                                 options=[10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000],
                                 value=50_000)
seed = int(seed_column.number_input("Seed (same seed, same numbers)", min_value=0,
                                    max_value=2**31 - 1, value=42, step=1, key="sim_seed"))


@st.cache_resource(max_entries=32, show_spinner=False)
def _simulated(path: str, mtime_ns: int, runs: int, seed: int):
    return simulate(lib_models[path], runs=runs, rng=np.random.default_rng(seed))


lib_models = {str(p): m for p, m in lib.models}
chosen = list(dict.fromkeys([baseline, candidate]))
results = []
# A spinner with elapsed time: a million instances take a few seconds.
with st.spinner(f"Simulating {runs:,} instances…".replace(",", " "), show_time=True):
    for variant in chosen:
        path = lib.path_of(process, variant)
        results.append((variant, _simulated(str(path), path.stat().st_mtime_ns, runs, seed)))

charts = st.columns(2)
charts[0].plotly_chart(distribution_figure(results, measure="cost_per_instance"),
                       width="stretch", key="sim_cost_histogram")
charts[1].plotly_chart(distribution_figure(results, measure="cycle_time_minutes"),
                       width="stretch", key="sim_cycle_histogram")

currency = results[0][1].currency
rows = []
for variant, result in results:
    exact = portfolio.results[(process, variant)].cost_per_instance
    for label, stats, unit in (("Cost per instance", result.cost_per_instance, currency),
                               ("Cycle time", result.cycle_time_minutes, "min")):
        rows.append({"Variant": variant, "Measure": f"{label}, {unit}", "Mean": stats.mean,
                     "95% CI low": stats.ci95[0], "95% CI high": stats.ci95[1],
                     "p5": stats.p5, "p50": stats.p50, "p90": stats.p90, "p95": stats.p95,
                     "Max": stats.max,
                     "Exact mean": exact if label == "Cost per instance" else None})
number = st.column_config.NumberColumn(format="%,.2f")
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="sim_percentiles",
             column_config={c: number for c in ("Mean", "95% CI low", "95% CI high", "p5",
                                                "p50", "p90", "p95", "Max", "Exact mean")})
st.caption("The exact mean comes from the costing engine; the simulated mean converges to it. "
           "Cycle time is elapsed minutes: labour plus waits, the longest branch of a parallel "
           "block; queues for busy people are not included here.")

st.subheader("Capacity at planned volumes (as is)")
capacity = capacity_report(list(lib.models))
known = [p for p in capacity.pools if p.utilization is not None]
if known:
    st.plotly_chart(capacity_figure(capacity), width="stretch", key="sim_capacity")
st.dataframe(pd.DataFrame([
    {"Role": p.name, "Hours used per month": p.hours_per_month,
     "Capacity, hours per month": None if p.capacity_minutes_per_month is None
     else p.capacity_minutes_per_month / 60,
     "Utilisation": None if p.utilization is None else p.utilization * 100,
     "Unused capacity cost per month": p.unused_capacity_cost_per_month,
     "FTE needed": p.fte_needed, "Shortage": "yes" if p.shortage else ""}
    for p in capacity.pools]), hide_index=True, width="stretch", key="sim_capacity_table",
    column_config={"Utilisation": st.column_config.NumberColumn(format="%.0f%%"),
                   "Hours used per month": st.column_config.NumberColumn(format="%,.1f"),
                   "Capacity, hours per month": st.column_config.NumberColumn(format="%,.1f"),
                   "Unused capacity cost per month": number,
                   "FTE needed": st.column_config.NumberColumn(format="%.2f")})
for skipped in capacity.skipped:
    st.caption(f"Not counted: {skipped.process}: {skipped.reason}")

st.subheader(f"Sensitivity of {candidate}: ±10% on each input")
model = lib.model(process, candidate)
items = sensitivity(model)
st.plotly_chart(tornado_figure(items, currency=model.currency, top=15), width="stretch",
                key="sim_tornado")
base = portfolio.results[(process, candidate)].cost_per_instance
st.caption(f"Base cost per instance {money(base, model.currency)}. Probabilities move with the "
           "other branches of their split rescaled so they still sum to 1.")
