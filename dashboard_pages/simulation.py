"""Simulation: the spread behind the averages, the load on each role, queues, what moves the cost.

Every result on the page is also in one Excel download at its end.
"""

import streamlit as st

from abc_costing import workflows as wf
from abc_costing.durations import duration, elapsed
from abc_costing.i18n import translate, translator
from abc_costing.numbers import Figure
from abc_costing.reports.results_workbook import results_workbook
from abc_costing.reports.simulation_figures import (
    capacity_figure,
    distribution_figure,
    queue_utilization_figure,
    tornado_figure,
)
from abc_costing.reports.views import (
    TableView,
    capacity_view,
    format_number,
    queue_activities_view,
    queue_counts_text,
    queue_resources_view,
    sensitivity_view,
    simulation_view,
)
from dashboard_pages.state import (
    language,
    library,
    library_dir,
    money,
    pick_process_variants,
    show_problems,
    show_view,
)

reader = language()  # the texts and the download's column labels, as on the page
_ = translator(reader)
st.title(_("Simulation, capacity and sensitivity"))
lib = library()
process, baseline, candidate = pick_process_variants(lib, key="sim")
runs_column, seed_column = st.columns(2)
runs = runs_column.select_slider(_("Instances to simulate"), key="sim_runs",
                                 options=[10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000],
                                 value=50_000)
seed = int(seed_column.number_input(_("Seed (same seed, same numbers)"), min_value=0,
                                    max_value=2**31 - 1, value=42, step=1, key="sim_seed"))


@st.cache_resource(max_entries=32, show_spinner=False)
def _simulated(signature: tuple, process: str, variant: str, runs: int,
               seed: int) -> wf.Simulated:
    return wf.simulate_model(lib.model(process, variant), runs=runs, seed=seed)


signature = wf.library_signature(library_dir())
chosen = list(dict.fromkeys([baseline, candidate]))
results: list[tuple[str, wf.SimulationResult, float | None]] = []
# A spinner with elapsed time: a million instances take a few seconds.
with st.spinner(_("Simulating {count} instances…", count=format_number(runs, 0, reader)),
                show_time=True):
    for variant in chosen:
        simulated = _simulated(signature, process, variant, runs, seed)
        show_problems(simulated.problems)
        if simulated.result is not None:
            results.append((variant, simulated.result, simulated.exact_cost_per_instance))
if not results:
    st.stop()

charts = st.columns(2)
charts[0].plotly_chart(distribution_figure([(v, r) for v, r, _ in results],
                                           measure="cost_per_instance", language=language()),
                       width="stretch", key="sim_cost_histogram")
charts[1].plotly_chart(distribution_figure([(v, r) for v, r, _ in results],
                                           measure="cycle_time_minutes", language=language()),
                       width="stretch", key="sim_cycle_histogram")
# Every table of the page, for the download at its end: sheet name -> view.
sheets: dict[str, TableView] = {}
for variant, result, exact in results:
    sheet = _("Monte Carlo {variant}", variant=variant)
    sheets[sheet] = simulation_view(result, exact_cost_per_instance=exact)
    show_view(sheets[sheet], key=f"sim_percentiles_{variant}", title=True)
st.caption(_("The exact mean comes from the costing engine; the simulated mean converges to "
             "it. Cycle time is elapsed time, in days of 24 h: labour plus waits (which run "
             "on the clock), the longest branch of a parallel block; queues for busy people "
             "are not included here."))

st.subheader(_("Capacity at planned volumes (as is)"))
# The production calendar's months (as `capacity --month`); the average month by default.
month = st.selectbox(_("Month (production calendar)"), [None, *wf.calendar_months()],
                     key="sim_capacity_month",
                     format_func=lambda m: _("an average month") if m is None else m)
capacity, problems = wf.capacity_of_library(lib, month=month)
for calendar_note in (p for p in problems if p.element == "calendar"):
    # a provisional year must not hide in a closed box
    st.warning(translate(calendar_note.message, reader))
show_problems([p for p in problems if p not in lib.problems and p.element != "calendar"],
              expanded=False)
if capacity is not None:
    if any(p.utilization is not None for p in capacity.pools):
        st.plotly_chart(capacity_figure(capacity, language=language()), width="stretch",
                        key="sim_capacity")
    sheets[_("Capacity")] = capacity_view(capacity, variant="as_is")
    show_view(sheets[_("Capacity")], key="sim_capacity_table")
    for skipped in capacity.skipped:
        st.text(_("Not counted: {process}: {reason}", process=skipped.process,
                  reason=translate(skipped.reason, reader)))

st.subheader(_("Queues: waiting for busy people"))
st.caption(_("A discrete-event simulation of working days: instances arrive at random at the "
             "model's volume_per_year, and each labour pool serves them one person at a time, "
             "first come first served, within its practical capacity. It shows how long work "
             "waits for each role and how busy the role is; a pool whose capacity is unknown "
             "is not queued. It takes a few seconds a variant, so it runs only when asked."))
#: The most working days (warm-up and measured days × replications) the page simulates per
#: variant: ten times the defaults' 1 200 at most (supplier_invoice, the largest shipped model,
#: takes about 6 s for them), so a run stays within about a minute a variant.
MAX_QUEUE_DAYS = 12_000
with st.form("sim_queue_form", border=False):
    days_column, warmup_column, replications_column = st.columns(3)
    queue_days = int(days_column.number_input(
        _("Working days measured"), min_value=1, max_value=MAX_QUEUE_DAYS, value=60, step=1,
        key="sim_queue_days"))
    warmup = warmup_column.number_input(
        _("Warm-up days (empty: from the model)"), min_value=0, max_value=MAX_QUEUE_DAYS,
        value=None, step=1, key="sim_queue_warmup",
        help=_("Days simulated before measuring, so queues start full as in a running office. "
               "Empty: twice an instance's work and waits plus the time the busiest queue "
               "takes to settle, at most the measured days."))
    replications = int(replications_column.number_input(
        _("Replications (independent runs behind the 95% intervals)"), min_value=1,
        max_value=MAX_QUEUE_DAYS, value=10, step=1, key="sim_queue_replications"))
    asked = st.form_submit_button(_("Simulate queues"), key="sim_queue_run")
# Results belong to the inputs they were made with: a changed input hides them until asked.
queue_inputs = (signature, process, tuple(chosen), queue_days,
                None if warmup is None else int(warmup), replications, seed)
# The default warm-up is at most the measured days: count it as that many.
days_to_simulate = (queue_days + (queue_days if warmup is None else int(warmup))) * replications
if asked:
    if days_to_simulate > MAX_QUEUE_DAYS:
        measured, total, most = (format_number(n, 0, reader)
                                 for n in (queue_days, days_to_simulate, MAX_QUEUE_DAYS))
        days = {"measured": measured, "replications": replications, "total": total,
                "most": most}
        if warmup is None:
            st.error(_("({measured} measured + up to {warmup} warm-up days) × {replications} "
                       "replications = {total} working days to simulate a variant; the page "
                       "simulates at most {most}. Measure fewer days, shorten the warm-up or "
                       "run fewer replications (abc-costing simulate --queue has no such "
                       "limit).", warmup=measured, **days))
        else:
            st.error(_("({measured} measured + {warmup} warm-up days) × {replications} "
                       "replications = {total} working days to simulate a variant; the page "
                       "simulates at most {most}. Measure fewer days, shorten the warm-up or "
                       "run fewer replications (abc-costing simulate --queue has no such "
                       "limit).", warmup=format_number(int(warmup), 0, reader), **days))
        st.session_state.pop("sim_queue_results", None)
    else:
        with st.spinner(_("Simulating queues…"), show_time=True):
            st.session_state["sim_queue_results"] = (queue_inputs, [
                (variant, wf.simulate_model_queues(
                    lib.model(process, variant), days=queue_days, seed=seed,
                    warmup_days=queue_inputs[4], replications=replications))
                for variant in chosen])
made_with, queued = st.session_state.get("sim_queue_results", (None, []))
if made_with != queue_inputs:
    if not asked:
        st.info(_("Press Simulate queues to run the simulation with these inputs."))
else:
    for variant, simulated in queued:
        show_problems(simulated.problems,
                      title=_("Queues in {variant}: {count} problem(s)", variant=variant,
                              count=len(simulated.problems)))
    simulated_queues = [(v, q.result) for v, q in queued if q.result is not None]
    if any(r.utilization is not None for _, q in simulated_queues for r in q.resources):
        st.plotly_chart(queue_utilization_figure(simulated_queues, language=language()),
                        width="stretch", key="sim_queue_chart")
    for variant, queue in simulated_queues:
        # The variant is a file's name: bold through a widget, never through Markdown.
        st.markdown(f"**{_('Queues in {variant}', variant=variant)}**")
        # The simulated clock counts working time: its times in its own working days.
        cycle = ", ".join(f"{key} " + ("—" if value is None else duration(
            value, language(), hours_per_day=queue.hours_per_day))
            for key, value in queue.cycle_time_minutes.items())
        st.text(_("{counts}\n"
                  "Cycle time with queues, working days of {hours} h: {cycle}\n"
                  "Cost per instance (waiting is not priced): {cost}",
                  counts=queue_counts_text(queue, language=reader),
                  hours=Figure.as_written(queue.hours_per_day),
                  cycle=cycle, cost=money(queue.cost_per_instance_mean, queue.currency)))
        if queue.cycle_time_elapsed_minutes.get("mean") is not None:
            st.text(_("Cycle time with queues, calendar days (nights and weekends included): "
                      "{measures}", measures=", ".join(
                          f"{key} {elapsed(value, reader)}" for key, value
                          in queue.cycle_time_elapsed_minutes.items() if value is not None)))
        queues, waiting = (_("Queues {variant}", variant=variant),
                           _("Waiting {variant}", variant=variant))
        sheets[queues] = queue_resources_view(queue)
        sheets[waiting] = queue_activities_view(queue)
        show_view(sheets[queues], key=f"sim_queue_resources_{variant}", title=True)
        show_view(sheets[waiting], key=f"sim_queue_activities_{variant}", title=True)

st.subheader(_("Sensitivity of {variant}: ±10% on each input", variant=candidate))
model = lib.model(process, candidate)
outcome = wf.sensitivity_of(model)
show_problems(outcome.problems)
if outcome.items:
    sheets[_("Sensitivity {variant}", variant=candidate)] = sensitivity_view(
        outcome.items, currency=model.currency)
    st.plotly_chart(tornado_figure(list(outcome.items), currency=model.currency, top=15,
                                   language=language()),
                    width="stretch", key="sim_tornado")
    st.caption(_("Base cost per instance {cost}. Probabilities move with the other branches of "
                 "their split rescaled so they still sum to 1.",
                 cost=money(outcome.cost_per_instance, model.currency)))

st.subheader(_("Download"))
st.write(_("Every table of this page in one Excel workbook, a sheet each, numbers unrounded "
           "with their number formats (queues only when simulated with the inputs shown)."))
about = [(_("Process"), f"{lib.process_title(process)} ({process})"),
         (_("Variants"), ", ".join(chosen)), (_("Monte Carlo instances"), str(runs)),
         (_("Seed"), str(seed)), (_("Capacity month"), month or _("an average month"))]
if made_with == queue_inputs and queued:
    about += [(_("Queues: measured days"), str(queue_days)),
              (_("Queues: warm-up days"),
               _("from the model") if warmup is None else str(int(warmup))),
              (_("Queues: replications"), str(replications))]
st.download_button(
    _("Simulation and capacity as Excel"),
    data=lambda: results_workbook({name: view.in_language(reader)
                                   for name, view in sheets.items()}, about=about,
                                  language=reader),
    file_name=f"{process}__simulation.xlsx", key="sim_xlsx", on_click="ignore",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
