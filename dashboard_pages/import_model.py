"""Import: a BPMN file or an event log becomes a costed model, saved as a new variant.

The uploaded bytes go to the application layer, which reads them from a
temporary file it names itself: the name the browser sent is only shown.
The model text is generated again whenever an input changes (the log, its
columns, the rates), so rates uploaded after the log do reach the model.
"""

import hashlib

import streamlit as st

from abc_costing import workflows as wf
from abc_costing.reports.figures import process_flow_figure
from abc_costing.reports.views import variants_view
from dashboard_pages.state import (
    current_user,
    language,
    library,
    money,
    show_problems,
    show_view,
)

#: Uploads larger than this are refused before they are read.
MAX_UPLOAD_MB = 50
_NONE = "(none)"

st.title("Import a model")
user = current_user()
if not wf.can(user, "edit"):
    st.error("Importing models is for analysts.")
    st.stop()
lib = library()

st.caption(f"A BPMN 2.0 file (Camunda Modeler, bpmn.io, Bizagi, Signavio; optionally with "
           f"Prosimos parameters) or an event log (CSV, Parquet, XES). Up to {MAX_UPLOAD_MB} MB.")
kind = st.radio("Source", ["BPMN file", "Event log"], horizontal=True, key="import_kind")
# One uploader per kind: a BPMN file never stays behind as the "log" and vice versa.
if kind == "BPMN file":
    upload = st.file_uploader("BPMN file", key="import_file", type=["bpmn", "xml"])
else:
    upload = st.file_uploader("Event log file", key="import_log",
                              type=["csv", "tsv", "parquet", "xes", "gz"])
if upload is None:
    st.info("Choose a file to import.")
    st.stop()
if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
    st.error(f"The file is {upload.size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_MB} MB.")
    st.stop()
data = upload.getvalue()
inputs = [hashlib.sha256(data).hexdigest(), kind]


def read_rates() -> tuple[wf.Rates | None, str | None]:
    """Rates for the log: a library model, or an uploaded rates table."""
    labels = {lib.label(path): model for path, model in lib.models}
    choice = st.selectbox("Rates and designed flow from", [_NONE, *labels], key="import_rates")
    table = st.file_uploader("…or a rates table (CSV or Excel: resource, rate_per_hour, "
                             "optional currency); it prices the log instead, without a "
                             "designed flow", type=["csv", "xlsx"], key="import_rates_table")
    if table is not None:
        rates, problems = wf.read_rates(table.getvalue(), source_name=table.name)
        if rates is None:
            st.error("The rates table cannot be used:")
            show_problems(problems)
            st.stop()
        inputs.append(hashlib.sha256(table.getvalue()).hexdigest())
        return rates, table.name
    inputs.append(choice)
    return (None, None) if choice == _NONE else (labels[choice], choice)


if kind == "BPMN file":
    params_upload = st.file_uploader("Prosimos parameters (JSON, optional)", type=["json"],
                                     key="import_params")
    params = None if params_upload is None else params_upload.getvalue()
    if params is not None:
        inputs.append(hashlib.sha256(params).hexdigest())
    # A file with several pools: one is imported at a time, each a process of its own.
    pools, _ = wf.bpmn_file_pools(data, source_name=upload.name)
    pool = None
    if len(pools) > 1:
        labels = {p.label: p.id for p in pools}
        pool = labels[st.selectbox("Pool (each pool is a process of its own; import them one "
                                   "after another)", list(labels), key="import_pool")]
        inputs.append(pool)
    imported = wf.import_bpmn(data, source_name=upload.name, params=params,
                              params_name=getattr(params_upload, "name", "parameters.json"),
                              pool=pool, library=lib)
    rates, rates_name = None, None
else:
    preview = wf.preview_event_log(data, source_name=upload.name)
    if preview.problems:
        st.error("The log cannot be read:")
        show_problems(preview.problems)
        st.stop()
    st.caption("Which column holds what: recognised by their usual names (English or "
               "Russian); change any that is wrong.")
    chosen = {}
    fields = (("case", "Case id"), ("activity", "Activity"), ("start", "Start time"),
              ("end", "End time"), ("resource", "Resource"), ("lifecycle", "Transition"),
              ("cost", "Recorded cost"))
    columns_row = st.columns(len(fields))
    for (field, label), column in zip(fields, columns_row, strict=True):
        options = [_NONE, *preview.columns]
        guessed = getattr(preview.guessed, field)
        picked = column.selectbox(label, options, key=f"import_column_{field}",
                                  index=options.index(guessed) if guessed in options else 0)
        chosen[field] = None if picked == _NONE else picked
    columns = wf.LogColumns(**chosen)
    inputs.append(repr(columns))
    rates, rates_name = read_rates()
    imported = wf.import_event_log(data, source_name=upload.name, columns=columns, rates=rates,
                                   process=wf.process_slug_for(upload.name), library=lib)

if not imported.text:
    st.error("The file could not be imported:")
    show_problems(imported.problems)
    st.stop()

st.subheader("The model")
st.caption("Fill in every \"?\" placeholder (a rate, a duration, a probability the source did "
           "not carry); the model is checked again as you edit.")
# Keyed by the inputs: a new log, other columns or other rates give a new text.
text_key = "import_text::" + hashlib.sha256("|".join(inputs).encode()).hexdigest()[:16]
edited = st.text_area("Model (abc-costing/1 YAML)", value=imported.text, height=320,
                      key=text_key)
model, result, target, problems = wf.check_model_text(
    edited, source_name=wf.model_text_label(upload.name), library=lib)
if problems:
    errors = [p for p in problems if p.severity == "error"]
    (st.warning if errors else st.info)(f"{len(errors)} problem(s) to fix before saving"
                                        if errors else "Warnings:")
    show_problems(problems)
if model is not None and result is not None:
    st.metric("Cost per instance", money(result.cost_per_instance, model.currency))
    st.plotly_chart(process_flow_figure(model, result, language=language()), width="stretch",
                    key="import_flow")

if imported.variants:
    st.subheader("Trace variants")
    if imported.conformance is not None:
        st.text(f"{imported.conformance:.0%} of cases follow a path the designed model "
                f"({rates_name}) allows.")
    show_view(variants_view(imported.variants,
                            currency=getattr(rates, "currency", "RUB")),
              key="import_variants")

st.subheader("Save into the library")
if model is None or wf.has_errors(list(problems)):
    st.caption("Saving needs a valid model with nothing clashing in the library.")
    st.stop()
st.text(f"It will be saved as {target} (the process: and variant: fields of the model "
        "decide the file; an existing file is never replaced).")
if st.button("Save as a new variant", type="primary", key="import_save"):
    outcome = wf.save_imported_model(edited, source_name=upload.name, user=user, library=lib)
    if outcome.saved is not None:
        st.success(f"Saved {outcome.label} and logged it in the change log.")
        if outcome.problems:  # its pools now come from the library's catalogue: what differed
            show_problems(outcome.problems)
    else:
        st.error("Not saved:")
        show_problems(outcome.problems)
