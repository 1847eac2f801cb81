"""Ledger: a period's books allocated to pools, activities and cost objects, balanced at each stage.

The period comes from the library's ledger folder (``ledger/allocation.yaml``
and the files it names) or from uploaded files, which replace the library's
ledger, drivers, volumes or revenue for this look only: they are written to a
temporary folder the workflow reads, under the name the browser sent (which
problems quote, with the row). Nothing here computes a figure: the workflow
allocates, the views and figures say what to show.
"""

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from abc_costing.i18n import N_, translate, translator
from abc_costing.reports.ledger_figures import TOP_POOLS, ledger_sankey_figure, margin_figure
from abc_costing.reports.ledger_views import (
    STAGE_LABELS,
    plan_actual_view,
    profitability_view,
    scenario_comparison_view,
    stage_balance_view,
    stage_summary_view,
    trace_view,
)
from abc_costing.reports.views import TableView, format_money
from abc_costing.workflows.ledger import (
    PeriodBalance,
    PeriodFiles,
    balance_period,
    ledger_periods,
    period_report,
    trace_ledger,
    trace_object,
)
from dashboard_pages.state import (
    EXPANDER_WIDTH_PX,
    MAIN_WIDTH_PX,
    fitted_columns,
    language,
    library,
    money,
    show_problems,
    show_view,
    view_frame,
)

#: Uploads larger than this are refused before they are read.
MAX_UPLOAD_MB = 50
#: The choices' values (kept in the session, compared below); the reader sees ``SHOWN``'s.
LIBRARY_FILES, UPLOADED_FILES = "The library's period files", "Upload files"
ANY = "(any)"
SHOWN = {LIBRARY_FILES: N_("The library's period files"), UPLOADED_FILES: N_("Upload files"),
         ANY: N_("(any)")}
UPLOADS = (("ledger", N_("Ledger (оборотно-сальдовая ведомость)")),
           ("drivers", N_("Drivers (optional)")), ("volumes", N_("Volumes (optional)")),
           ("revenue", N_("Revenue (optional)")))
SCENARIO_NAMES = {"actual": N_("actual (факт)"), "plan": N_("plan (план)"),
                  "forecast": N_("forecast (прогноз)")}
OFF_BALANCE = "color: #c0392b; font-weight: 600; background-color: #fdecea"

reader = language()
_ = translator(reader)


def shown(value: str) -> str:
    """A choice as the reader sees it (an account or a centre of the books as it is)."""
    return translate(SHOWN[value], reader) if value in SHOWN else value


st.title(_("Ledger: from the books to cost objects"))
lib = library()
source = st.radio(_("Period files"), [LIBRARY_FILES, UPLOADED_FILES], horizontal=True,
                  key="ledger_source", format_func=shown)
uploads: dict[str, Any] = {}
if source == UPLOADED_FILES:
    st.caption(_("CSV (UTF-8 or Windows-1251, ';' or ','), Excel's Unicode text (.txt, UTF-16, "
                 "tab) or XLSX, Russian or English headers, amounts as 1 234,56. The rules and "
                 "support centres are the library's (ledger/allocation.yaml); a file you leave "
                 "out is the library's. Up to {limit} MB each.", limit=MAX_UPLOAD_MB))
    for (role, label), column in zip(UPLOADS, st.columns(len(UPLOADS)), strict=True):
        uploads[role] = column.file_uploader(translate(label, reader),
                                             type=["csv", "tsv", "txt", "xlsx"],
                                             key=f"ledger_upload_{role}")
    if uploads["ledger"] is None:
        st.info(_("Choose a ledger file to allocate."))
        st.stop()
    too_big = [u.name for u in uploads.values()
               if u is not None and u.size > MAX_UPLOAD_MB * 1024 * 1024]
    if too_big:
        st.error(_("Larger than {limit} MB, not read: {files}", limit=MAX_UPLOAD_MB,
                   files=", ".join(too_big)))
        st.stop()


def period_files(folder: Path) -> PeriodFiles:
    """The uploads written into ``folder`` (the workflow reads files), named as sent."""
    paths: dict[str, Path] = {}
    names: dict[str, str] = {}
    for role, upload in uploads.items():
        if upload is None:
            continue
        # the browser's name is only shown: the file on disk gets a name of ours
        # the reader goes by the extension: .tsv is tab-separated, the rest is found out
        suffix = next((ext for ext in (".xlsx", ".tsv", ".txt")
                       if upload.name.lower().endswith(ext)), ".csv")
        paths[role] = folder / f"{role}{suffix}"
        paths[role].write_bytes(upload.getvalue())
        names[role] = upload.name
    return PeriodFiles(**paths, names=names)


def scenario_label(pair: tuple[str, str]) -> str:
    scenario = SCENARIO_NAMES.get(pair[1])
    return f"{pair[0]} · {pair[1] if scenario is None else translate(scenario, reader)}"


with tempfile.TemporaryDirectory(prefix="abc-costing-ledger-") as folder:
    files = period_files(Path(folder))
    held, problems = ledger_periods(lib, files)
    if not held:
        st.error(_("No period to allocate:"))
        show_problems(problems)
        st.stop()
    period, scenario = st.selectbox(_("Period and scenario"), held, format_func=scenario_label,
                                    key="ledger_period")
    balance = balance_period(lib, period=period, scenario=scenario, files=files)
    # the other of plan and actual of the same month, for the plan-vs-actual table
    other_scenario = {"actual": "plan", "plan": "actual"}.get(scenario)
    other: PeriodBalance | None = None
    if (period, other_scenario) in held and other_scenario is not None:
        other = balance_period(lib, period=period, scenario=other_scenario, files=files)

show_problems(balance.problems, expanded=not balance.ok)
if not balance.ok or balance.result is None or balance.inputs is None:
    st.error(_("{period} ({scenario}) cannot be allocated: each problem above names its file "
               "and row.", period=period, scenario=scenario))
    st.stop()
result, inputs = balance.result, balance.inputs
currency = inputs.currency
names = balance.names


summary = stage_summary_view(result, currency=currency,
                             title=_("Stage balance, {period} ({scenario})", period=period,
                                     scenario=scenario))
stages = {row.value("stage"): row for row in summary.rows}
over_driven = sum(row.value("over_driven") for row in stages.values())
kpis = st.columns(5 if over_driven else 4)
kpis[0].metric(_("Ledger total, {currency}", currency=currency),
               format_money(result.ledger_total, currency, reader))
kpis[1].metric(_("To cost objects, {currency}", currency=currency), format_money(
    stages["activities"].value("assigned") if "activities" in stages else 0.0, currency, reader))
# each stage's idle and unassigned money stops there: the stages' sum is the period's
kpis[2].metric(_("Idle (unused capacity), {currency}", currency=currency), format_money(
    sum(row.value("idle") for row in stages.values()), currency, reader))
kpis[3].metric(_("Unassigned, {currency}", currency=currency), format_money(
    sum(row.value("unassigned") for row in stages.values()), currency, reader))
if over_driven:  # the figures above then add up to the ledger total less this
    kpis[4].metric(_("Over-driven (not in the books), {currency}", currency=currency),
                   format_money(over_driven, currency, reader))


# --- the stage balance --------------------------------------------------------------------


def off_balance(view: TableView) -> list[str]:
    """The nodes (or stages) of a balance view whose difference is not 0.00 or that
    drivers drove beyond their money."""
    label = "node" if "node" in view.keys else "label"
    return [str(row.value(label)) for row in view.rows if row.kind == "item" and (
        row.value("difference") != 0 or row.value("over_driven") != 0)]


def show_balance(view: TableView, *, key: str, width_px: int = MAIN_WIDTH_PX) -> None:
    """A stage balance view, each row off balance or over-driven in red, every column
    within ``width_px`` (the control columns, difference and over-driven, last)."""
    frame = view_frame(view)
    view = view.in_language(language())
    difference, over = view.label("difference"), view.label("over_driven")
    money_labels = [view.label(c.key) for c in view.brief_columns() if c.unit == "money"]

    def red(row: pd.Series) -> list[str]:
        return [OFF_BALANCE if row[difference] != 0 or row[over] != 0 else ""] * len(row)

    texts = {label: (lambda v: format_money(v, currency, reader)) for label in money_labels}
    config, row_height = fitted_columns(frame, texts, width_px=width_px)
    styled = frame.style.apply(red, axis=1).format(texts, na_rep="—")
    st.dataframe(styled, hide_index=True, width="stretch", key=key, placeholder="—",
                 column_config=config, row_height=row_height)


st.subheader(_("Stage balance"))
show_balance(summary, key="ledger_stages")
st.caption(translate(summary.note, reader) if summary.note else "")
for stage, stage_label in STAGE_LABELS.items():
    nodes = stage_balance_view(result, currency=currency, names=names, stage=stage)
    if not nodes.rows:
        continue
    off = off_balance(nodes)
    stage_label = translate(stage_label, reader)
    if off:
        st.error(_("{stage}: off balance or over-driven: {nodes}", stage=stage_label,
                   nodes=", ".join(off)))
    with st.expander(_("{stage}: {count} node(s)", stage=stage_label, count=len(nodes.rows) - 1),
                     expanded=bool(off)):
        show_balance(nodes, key=f"ledger_nodes_{stage}", width_px=EXPANDER_WIDTH_PX)

# --- the flow -----------------------------------------------------------------------------

st.subheader(_("Where the money goes"))
top_pools = int(st.number_input(_("Pools shown one by one (the rest are one \"other pools\" "
                                  "node)"),
                                min_value=1, max_value=200, value=TOP_POOLS, step=1,
                                key="ledger_top_pools"))
st.plotly_chart(ledger_sankey_figure(result, inputs, top_pools=top_pools,
                                     language=language()), width="stretch",
                key="ledger_sankey")
st.caption(_("Rules and activities are passed through; support centres show the money each "
             "got from the ledger, followed through the reciprocal solution to the pools. Hover "
             "a link or node for its money."))

# --- drill --------------------------------------------------------------------------------

st.subheader(_("Drill: from a ledger line to cost objects"))
groups = sorted(set(result.ledger_groups.values()))
left, middle, right = st.columns(3)
account = left.selectbox(_("Account"), [ANY, *sorted({g[0] for g in groups})],
                         key="ledger_drill_account", format_func=shown)
groups = [g for g in groups if account in (ANY, g[0])]
centre = middle.selectbox(_("Cost centre"), [ANY, *sorted({g[1] for g in groups})],
                          key=f"ledger_drill_centre::{account}", format_func=shown)
groups = [g for g in groups if centre in (ANY, g[1])]
item = right.selectbox(_("Cost item"), [ANY, *sorted({g[2] for g in groups})],
                       key=f"ledger_drill_item::{account}::{centre}", format_func=shown)
forward = trace_ledger(balance, account=None if account == ANY else account,
                       cost_centre=None if centre == ANY else centre,
                       cost_item=None if item == ANY else item)
show_view(trace_view(forward, currency=currency, names=names), key="ledger_trace_forward",
          title=True)

st.subheader(_("Drill: what makes up a cost object's cost"))
cost_object = st.selectbox(_("Cost object"), [o.cost_object for o in result.objects],
                           key="ledger_drill_object")
if cost_object is not None:
    backward = trace_object(balance, cost_object)
    st.metric(_("Cost to serve: {cost_object}", cost_object=cost_object),
              money(backward.total, currency))
    show_view(trace_view(backward, currency=currency, names=names),
              key="ledger_trace_backward", title=True)

# --- profitability ------------------------------------------------------------------------

st.subheader(_("Profitability of the cost objects"))
if result.objects:
    st.plotly_chart(margin_figure(result, currency=currency, language=language()), width="stretch",
                    key="ledger_margin")
show_view(profitability_view(result, currency=currency), key="ledger_profitability")
if other is not None:
    if other.ok and other.result is not None:
        plan, actual = ((other.result, result) if scenario == "actual"
                        else (result, other.result))
        show_view(plan_actual_view(plan, actual, currency=currency),
                  key="ledger_plan_actual", title=True)
        with st.expander(_("Where the ledger's difference went (actual against plan)")):
            show_view(scenario_comparison_view(plan, actual, currency=currency),
                      key="ledger_reconciliation")
    else:
        st.warning(_("{period} ({scenario}) cannot be allocated, so there is no "
                     "plan-vs-actual table:", period=period, scenario=other_scenario))
        show_problems(other.problems, expanded=False)

# --- inputs -------------------------------------------------------------------------------

st.subheader(_("Input files"))
st.dataframe(pd.DataFrame([{_("Role"): role, _("File"): name, "SHA-256": sha}
                           for role, (name, sha) in inputs.files.items()]),
             hide_index=True, width="stretch", key="ledger_files")
if inputs.capacity_rule:
    st.caption(translate(inputs.capacity_rule, reader))

st.subheader(_("Reports"))
st.write(_("Excel: the ledger, drivers and volumes as input cells and every stage as live "
           "formulas over them (change an amount and every stage rebalances; a difference "
           "turns red), with the files' SHA-256. PDF: the summary."))
stem = f"ledger__{period}__{scenario}"
columns = st.columns(2)
columns[0].download_button(
    _("Stage balance as Excel"),
    data=lambda: period_report(balance, "xlsx", language=language()),
    file_name=f"{stem}.xlsx", key="ledger_xlsx", on_click="ignore",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
columns[1].download_button(
    _("Summary as PDF"), data=lambda: period_report(balance, "pdf", language=language()),
    file_name=f"{stem}.pdf",
    mime="application/pdf", key="ledger_pdf", on_click="ignore")
