"""Import: a BPMN file or an event log becomes a costed model, saved as a new variant.

The uploaded bytes go to the application layer, which reads them from a
temporary file it names itself: the name the browser sent is only shown.
The model text is generated again whenever an input changes (the log, its
columns, the rates), so rates uploaded after the log do reach the model.
"""

import hashlib

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from abc_costing import workflows as wf
from abc_costing.i18n import N_, translate, translator
from abc_costing.reports.figures import process_flow_figure
from abc_costing.reports.views import format_number, format_share, variants_view
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
#: The choices' values (kept in the session and compared below), shown in the reader's
#: language through ``format_func``.
_NONE = "(none)"
BPMN, LOG = "BPMN file", "Event log"
SHOWN = {_NONE: N_("(none)"), BPMN: N_("BPMN file"), LOG: N_("Event log")}

reader = language()
_ = translator(reader)


def uploader(label: str, types: list[str], key: str) -> UploadedFile | None:
    """``st.file_uploader`` under a caption, in the reader's words, of what its box says.

    Streamlit 1.67 writes the box ("Drag and drop file here", "Limit 50MB per file",
    "Browse files") in English with no option to change it (streamlit/streamlit#13500
    asks for one; the pull request #10042 that added one was closed unmerged), and a
    CSS swap of its text would break with its next markup. So a Russian reader gets the
    box's message above it: what to do, the formats and the limit (the server's
    ``maxUploadSize`` in ``.streamlit/config.toml``). English readers have the box's own.
    """
    if reader != "en":
        st.caption(_("Drag the file onto the box below or choose it with “Browse files”. "
                     "Formats: {types}; up to {limit} MB.",
                     types=", ".join(f".{t}" for t in types), limit=MAX_UPLOAD_MB))
    return st.file_uploader(label, type=types, key=key)


def shown(value: str) -> str:
    """A choice as the reader sees it (a column's or a file's name as it is, never looked
    up: a log's column "Activity" is that column's name)."""
    return translate(SHOWN[value], reader) if value in SHOWN else value


st.title(_("Import a model"))
user = current_user()
if not wf.can(user, "edit"):
    st.error(_("Importing models is for analysts."))
    st.stop()
lib = library()

st.caption(_("A BPMN 2.0 file (Camunda Modeler, bpmn.io, Bizagi, Signavio; optionally with "
             "Prosimos parameters) or an event log (CSV, Parquet, XES). Up to {limit} MB.",
             limit=MAX_UPLOAD_MB))
kind = st.radio(_("Source"), [BPMN, LOG], horizontal=True, key="import_kind", format_func=shown)
# One uploader per kind: a BPMN file never stays behind as the "log" and vice versa.
if kind == BPMN:
    upload = uploader(_("BPMN file"), ["bpmn", "xml"], key="import_file")
else:
    upload = uploader(_("Event log file"), ["csv", "tsv", "parquet", "xes", "gz"],
                      key="import_log")
if upload is None:
    st.info(_("Choose a file to import."))
    st.stop()
if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
    st.error(_("The file is {size} MB; the limit is {limit} MB.",
               size=format_number(upload.size / 1e6, 1, language()), limit=MAX_UPLOAD_MB))
    st.stop()
data = upload.getvalue()
inputs = [hashlib.sha256(data).hexdigest(), kind]


def read_rates() -> tuple[wf.Rates | None, str | None]:
    """Rates for the log: a library model, or an uploaded rates table."""
    labels = {lib.label(path): model for path, model in lib.models}
    choice = st.selectbox(_("Rates and designed flow from"), [_NONE, *labels],
                          key="import_rates", format_func=shown)
    table = uploader(_("…or a rates table (CSV or Excel: resource, rate_per_hour, "
                       "optional currency); it prices the log instead, without a "
                       "designed flow"), ["csv", "xlsx"], key="import_rates_table")
    if table is not None:
        rates, problems = wf.read_rates(table.getvalue(), source_name=table.name)
        if rates is None:
            st.error(_("The rates table cannot be used:"))
            show_problems(problems)
            st.stop()
        inputs.append(hashlib.sha256(table.getvalue()).hexdigest())
        return rates, table.name
    inputs.append(choice)
    return (None, None) if choice == _NONE else (labels[choice], choice)


if kind == BPMN:
    params_upload = uploader(_("Prosimos parameters (JSON, optional)"), ["json"],
                             key="import_params")
    params = None if params_upload is None else params_upload.getvalue()
    if params is not None:
        inputs.append(hashlib.sha256(params).hexdigest())
    # A file with several pools: one is imported at a time, each a process of its own.
    pools, _pool_problems = wf.bpmn_file_pools(data, source_name=upload.name)
    pool = None
    if len(pools) > 1:
        labels = {p.label: p.id for p in pools}
        pool = labels[st.selectbox(_("Pool (each pool is a process of its own; import them "
                                     "one after another)"), list(labels), key="import_pool")]
        inputs.append(pool)
    imported = wf.import_bpmn(data, source_name=upload.name, params=params,
                              params_name=getattr(params_upload, "name", "parameters.json"),
                              pool=pool, library=lib)
    rates, rates_name = None, None
else:
    preview = wf.preview_event_log(data, source_name=upload.name)
    if preview.problems:
        st.error(_("The log cannot be read:"))
        show_problems(preview.problems)
        st.stop()
    st.caption(_("Which column holds what: recognised by their usual names (English or "
                 "Russian); change any that is wrong."))
    chosen = {}
    fields = (("case", _("Case id")), ("activity", _("Activity")), ("start", _("Start time")),
              ("end", _("End time")), ("resource", _("Resource")),
              ("lifecycle", _("Transition")), ("cost", _("Recorded cost")))
    columns_row = st.columns(len(fields))
    for (field, label), column in zip(fields, columns_row, strict=True):
        options = [_NONE, *preview.columns]
        guessed = getattr(preview.guessed, field)
        picked = column.selectbox(label, options, key=f"import_column_{field}",
                                  index=options.index(guessed) if guessed in options else 0,
                                  format_func=shown)
        chosen[field] = None if picked == _NONE else picked
    columns = wf.LogColumns(**chosen)
    inputs.append(repr(columns))
    rates, rates_name = read_rates()
    imported = wf.import_event_log(data, source_name=upload.name, columns=columns, rates=rates,
                                   process=wf.process_slug_for(upload.name), library=lib)

if not imported.text:
    st.error(_("The file could not be imported:"))
    show_problems(imported.problems)
    st.stop()

st.subheader(_("The model"))
st.caption(_("Fill in every \"?\" placeholder (a rate, a duration, a probability the source "
             "did not carry); the model is checked again as you edit."))
# Keyed by the inputs: a new log, other columns or other rates give a new text.
text_key = "import_text::" + hashlib.sha256("|".join(inputs).encode()).hexdigest()[:16]
edited = st.text_area(_("Model (abc-costing/1 YAML)"), value=imported.text, height=320,
                      key=text_key)
model, result, target, problems = wf.check_model_text(
    edited, source_name=wf.model_text_label(upload.name), library=lib)
if problems:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        st.warning(_("{count} problem(s) to fix before saving", count=len(errors)))
    else:
        st.info(_("Warnings:"))
    show_problems(problems)
if model is not None and result is not None:
    st.metric(_("Cost per instance"), money(result.cost_per_instance, model.currency))
    st.plotly_chart(process_flow_figure(model, result, language=language()), width="stretch",
                    key="import_flow")

if imported.variants:
    st.subheader(_("Trace variants"))
    if imported.conformance is not None:
        st.text(_("{share} of cases follow a path the designed model ({model}) allows.",
                  share=format_share(imported.conformance, 0, language()),
                  model=rates_name))
    show_view(variants_view(imported.variants,
                            currency=getattr(rates, "currency", "RUB")),
              key="import_variants")

st.subheader(_("Save into the library"))
if model is None or wf.has_errors(list(problems)):
    st.caption(_("Saving needs a valid model with nothing clashing in the library."))
    st.stop()
st.text(_("It will be saved as {file} (the process: and variant: fields of the model decide "
          "the file; an existing file is never replaced).", file=target))
if st.button(_("Save as a new variant"), type="primary", key="import_save"):
    outcome = wf.save_imported_model(edited, source_name=upload.name, user=user, library=lib)
    if outcome.saved is not None:
        st.success(_("Saved {file} and logged it in the change log.", file=outcome.label))
        if outcome.problems:  # its pools now come from the library's catalogue: what differed
            show_problems(outcome.problems)
    else:
        st.error(_("Not saved:"))
        show_problems(outcome.problems)
