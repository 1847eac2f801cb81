"""Simulation: the spread behind the averages, the load on each role, what moves the cost."""

import streamlit as st

from abc_costing import workflows as wf
from abc_costing.reports.simulation_figures import (
    capacity_figure,
    distribution_figure,
    tornado_figure,
)
from abc_costing.reports.views import capacity_view, simulation_view
from dashboard_pages.state import (
    library,
    library_dir,
    money,
    pick_process_variants,
    show_problems,
    show_view,
)

st.title("Simulation, capacity and sensitivity")
lib = library()
process, baseline, candidate = pick_process_variants(lib, key="sim")
runs_column, seed_column = st.columns(2)
runs = runs_column.select_slider("Instances to simulate", key="sim_runs",
                                 options=[10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000],
                                 value=50_000)
seed = int(seed_column.number_input("Seed (same seed, same numbers)", min_value=0,
                                    max_value=2**31 - 1, value=42, step=1, key="sim_seed"))


@st.cache_resource(max_entries=32, show_spinner=False)
def _simulated(signature: tuple, process: str, variant: str, runs: int,
               seed: int) -> wf.Simulated:
    return wf.simulate_model(lib.model(process, variant), runs=runs, seed=seed)


signature = wf.library_signature(library_dir())
chosen = list(dict.fromkeys([baseline, candidate]))
results: list[tuple[str, wf.SimulationResult, float | None]] = []
# A spinner with elapsed time: a million instances take a few seconds.
with st.spinner(f"Simulating {runs:,} instances…".replace(",", " "), show_time=True):
    for variant in chosen:
        simulated = _simulated(signature, process, variant, runs, seed)
        show_problems(simulated.problems)
        if simulated.result is not None:
            results.append((variant, simulated.result, simulated.exact_cost_per_instance))
if not results:
    st.stop()

charts = st.columns(2)
charts[0].plotly_chart(distribution_figure([(v, r) for v, r, _ in results],
                                           measure="cost_per_instance"),
                       width="stretch", key="sim_cost_histogram")
charts[1].plotly_chart(distribution_figure([(v, r) for v, r, _ in results],
                                           measure="cycle_time_minutes"),
                       width="stretch", key="sim_cycle_histogram")
for variant, result, exact in results:
    show_view(simulation_view(result, exact_cost_per_instance=exact),
              key=f"sim_percentiles_{variant}", title=True)
st.caption("The exact mean comes from the costing engine; the simulated mean converges to it. "
           "Cycle time is elapsed minutes: labour plus waits, the longest branch of a parallel "
           "block; queues for busy people are not included here.")

st.subheader("Capacity at planned volumes (as is)")
# The production calendar's months (as `capacity --month`); the average month by default.
month = st.selectbox("Month (production calendar)", [None, *wf.calendar_months()],
                     key="sim_capacity_month",
                     format_func=lambda m: "an average month" if m is None else m)
capacity, problems = wf.capacity_of_library(lib, month=month)
for calendar_note in (p for p in problems if p.element == "calendar"):
    st.warning(calendar_note.message)  # a provisional year must not hide in a closed box
show_problems([p for p in problems if p not in lib.problems and p.element != "calendar"],
              expanded=False)
if capacity is not None:
    if any(p.utilization is not None for p in capacity.pools):
        st.plotly_chart(capacity_figure(capacity), width="stretch", key="sim_capacity")
    show_view(capacity_view(capacity, variant="as_is"), key="sim_capacity_table")
    for skipped in capacity.skipped:
        st.text(f"Not counted: {skipped.process}: {skipped.reason}")

st.subheader(f"Sensitivity of {candidate}: ±10% on each input")
model = lib.model(process, candidate)
outcome = wf.sensitivity_of(model)
show_problems(outcome.problems)
if outcome.items:
    st.plotly_chart(tornado_figure(list(outcome.items), currency=model.currency, top=15),
                    width="stretch", key="sim_tornado")
    st.caption(f"Base cost per instance {money(outcome.cost_per_instance, model.currency)}. "
               "Probabilities move with the other branches of their split rescaled so they "
               "still sum to 1.")
