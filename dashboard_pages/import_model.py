"""Import: a BPMN file or an event log becomes a costed model, saved as a new variant."""

import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from abc_costing.access import AccessDenied, can
from abc_costing.engine import cost_model
from abc_costing.formats import parse_model_text
from abc_costing.formats.bpmn import bpmn_to_model_text
from abc_costing.formats.event_log import LogError, read_event_log
from abc_costing.formats.rates_table import read_rates_table
from abc_costing.mining import conformance, discover_model, trace_variants
from abc_costing.problems import ModelError
from abc_costing.reports.figures import process_flow_figure
from abc_costing.store.change_log import ChangeEntry
from abc_costing.store.model_files import save_model_text
from dashboard_pages.state import change_log, current_user, library, money

#: Uploads larger than this are refused before they are read.
MAX_UPLOAD_MB = 50

st.title("Import a model")
user = current_user()
if not can(user, "edit"):
    st.error("Importing models is for analysts.")
    st.stop()
lib = library()

st.caption(f"A BPMN 2.0 file (Camunda Modeler, bpmn.io, Bizagi, Signavio; optionally with "
           f"Prosimos parameters) or an event log (CSV, Parquet, XES). Up to {MAX_UPLOAD_MB} MB.")
kind = st.radio("Source", ["BPMN file", "Event log"], horizontal=True, key="import_kind")
upload = st.file_uploader("File", key="import_file",
                          type=["bpmn", "xml"] if kind == "BPMN file"
                          else ["csv", "parquet", "xes"])
rates_choice = st.selectbox(
    "Rates and designed flow from (for event logs)", ["(none)"] + [lib.label(p) for p, _ in
                                                                   lib.models],
    key="import_rates")
rates = None if rates_choice == "(none)" else next(
    m for p, m in lib.models if lib.label(p) == rates_choice)
if kind == "Event log":
    rates_upload = st.file_uploader(
        "…or a rates table (CSV or Excel: resource, rate_per_hour, optional currency); "
        "it prices the log instead, without a designed flow",
        type=["csv", "xlsx"], key="import_rates_table")
    if rates_upload is not None:
        with tempfile.TemporaryDirectory() as folder:
            table_path = Path(folder) / Path(rates_upload.name).name
            table_path.write_bytes(rates_upload.getvalue())
            try:
                rates = read_rates_table(table_path)
            except ModelError as error:
                st.error(f"{rates_upload.name} cannot be used:")
                for problem in error.problems:
                    st.markdown(f"- line {problem.line or '?'} · "
                                f"**{problem.element or ''}**: {problem.message}")
                st.stop()
        rates_choice = rates_upload.name
if upload is None:
    st.info("Choose a file to import.")
    st.stop()
if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
    st.error(f"{upload.name} is {upload.size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_MB} MB.")
    st.stop()

stem = re.sub(r"[^\w-]+", "_", Path(upload.name).stem).strip("_").lower() or "imported"
variants_table = None
if kind == "BPMN file":
    params_upload = st.file_uploader("Prosimos parameters (JSON, optional)", type=["json"],
                                     key="import_params")
    params = None
    if params_upload is not None:
        import json

        try:
            params = json.loads(params_upload.getvalue())
        except ValueError as error:
            st.error(f"{params_upload.name}: not JSON ({error})")
            st.stop()
    text, import_problems = bpmn_to_model_text(upload.getvalue(), source=upload.name,
                                               params=params, process=stem)
else:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / upload.name
        path.write_bytes(upload.getvalue())
        try:
            log = read_event_log(path)
        except LogError as error:
            st.error(str(error))
            st.stop()
        text, import_problems = discover_model(log, process=stem, rates=rates)
        variants = trace_variants(log, rates=rates)
        share = conformance(variants)
        variants_table = pd.DataFrame([
            {"Path": " → ".join(v.activities), "Cases": v.case_count, "Share": v.share * 100,
             "Mean cycle time, min": v.mean_cycle_time_minutes,
             "Cost per case": v.cost_per_case, "Fits the design": v.fits_design}
            for v in variants])
        if share is None:  # no designed flow to replay the variants on: nothing to show
            variants_table = variants_table.drop(columns="Fits the design")

errors = [p for p in import_problems if p.severity == "error"]
if not text:
    st.error(f"{upload.name} could not be imported:")
    for problem in errors:
        st.markdown(f"- **{problem.element or upload.name}**: {problem.message}")
    st.stop()

st.subheader("The model")
st.caption("Fill in every `\"?\"` placeholder (a rate, a duration, a probability the source "
           "did not carry); the model is checked again as you edit.")
edited = st.text_area("Model (abc-costing/1 YAML)", value=text, height=320,
                      key=f"import_text::{upload.name}")
model, problems = parse_model_text(edited, source=upload.name)
if problems:
    st.warning(f"{len(problems)} problem(s) to fix before saving:")
    for problem in problems:
        st.markdown(f"- line {problem.line or '?'} · **{problem.element or ''}**: "
                    f"{problem.message}")
if model is not None:
    result = cost_model(model)
    st.metric("Cost per instance", money(result.cost_per_instance, model.currency))
    st.plotly_chart(process_flow_figure(model, result), width="stretch", key="import_flow")

if variants_table is not None:
    st.subheader("Trace variants")
    if share is not None:
        st.caption(f"{share:.0%} of cases follow a path the designed model "
                   f"({rates_choice}) allows.")
    st.dataframe(variants_table, hide_index=True, width="stretch", key="import_variants",
                 column_config={"Share": st.column_config.NumberColumn(format="%.1f%%"),
                                "Cost per case": st.column_config.NumberColumn(format="%,.2f"),
                                "Mean cycle time, min": st.column_config.NumberColumn(
                                    format="%,.1f")})

st.subheader("Save into the library")
if model is None:
    st.caption("Saving needs a valid model.")
    st.stop()
target = lib.directory / model.process / f"{model.variant}.yaml"
st.write(f"Saved as `{target.relative_to(lib.directory).as_posix()}` (the `process:` and "
         "`variant:` fields of the model decide the file; an existing file is never replaced).")
if st.button("Save as a new variant", type="primary", key="import_save"):
    try:
        if not can(user, "edit"):
            raise AccessDenied("importing models is for analysts")
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = save_model_text(target, edited, expected_sha256=None, create=True)
        change_log().append([ChangeEntry(
            user=user.id, file=target.relative_to(lib.directory).as_posix(),
            element="(file)", field="(file)", old_value=None,
            new_value=f"imported from {upload.name}")], file_sha256_after=digest)
        st.success(f"Saved {target.relative_to(lib.directory).as_posix()}.")
    except FileExistsError as error:
        st.error(f"Not saved: {error}")
    except (ModelError, AccessDenied, OSError) as error:
        st.error(f"Not saved: {error}")
