"""Edit: change rates, durations and probabilities, see the cost at once, save safely."""

import difflib

import streamlit as st

from abc_costing.access import AccessDenied
from abc_costing.engine import cost_model
from abc_costing.formats import model_from_data, parse_model_text, parse_yaml_data
from abc_costing.problems import ModelError
from abc_costing.store import StaleFileError, file_sha256
from abc_costing.store.edits import (
    LABOR_PREFIX,
    USES_PREFIX,
    apply_edits_to_data,
    diff_tables,
    model_tables,
)
from abc_costing.store.saving import save_as_new_variant, save_model_edits
from dashboard_pages.state import change_log, current_user, library, money, pick_variant

st.title("Edit a process variant")
user = current_user()
lib = library()
if not lib.models:
    st.warning("No valid process models to edit.")
    st.stop()

process, variant = pick_variant(lib, key="edit_pick")
path = lib.path_of(process, variant)
label = lib.label(path)

# What the analyst loaded: the baseline of their edits and of the conflict check.
loaded_files = st.session_state.setdefault("edit_loaded", {})
if label not in loaded_files:
    text = path.read_text("utf-8")
    loaded_files[label] = {"text": text, "sha256": file_sha256(path), "generation": 0}
loaded = loaded_files[label]
generation = loaded["generation"]


def reload_from_disk() -> None:
    loaded_files[label] = {"text": path.read_text("utf-8"), "sha256": file_sha256(path),
                           "generation": generation + 1}


saved_model, saved_problems = parse_model_text(loaded["text"], source=label)
if saved_model is None:
    st.error(f"{label} no longer reads as a valid model:")
    for problem in saved_problems:
        st.write(f"`{problem}`")
    st.button("Reload from disk", on_click=reload_from_disk)
    st.stop()
saved_cost = cost_model(saved_model)
tables = model_tables(saved_model)
currency = saved_model.currency

st.caption(f"File `{label}` · durations in minutes: `45`, `triangular 30 45 90`, "
           "`pert 10 20 60`, `uniform 10 20`, `lognormal 42 12` (mean, sd)")
tab_activities, tab_resources, tab_flows = st.tabs(["Activities", "Resources", "Flows"])
# Numbers are text cells read on the server by one rule (1 500,50 = 1500.50), never by
# the browser's language.
money_column = st.column_config.TextColumn(max_chars=40)
with tab_activities:
    activity_config = {
        "name": st.column_config.TextColumn("name", max_chars=1000, width="medium"),
        "value": st.column_config.SelectboxColumn(
            "value", options=["value_adding", "business", "waste"], required=True),
        "other_cost": st.column_config.TextColumn("other cost", max_chars=40),
        "wait": st.column_config.TextColumn("wait, min"),
    }
    for column in tables.activities.columns:
        if column.startswith(LABOR_PREFIX):
            activity_config[column] = st.column_config.TextColumn(column + ", min")
        elif column.startswith(USES_PREFIX):
            activity_config[column] = st.column_config.TextColumn(column, max_chars=40)
    edited_activities = st.data_editor(
        tables.activities, key=f"edit_activities::{label}::{generation}",
        column_config=activity_config, num_rows="fixed", width="stretch")
with tab_resources:
    edited_resources = st.data_editor(
        tables.resources, key=f"edit_resources::{label}::{generation}", num_rows="fixed",
        disabled=["kind"], width="stretch",
        column_config={"rate_per_hour": money_column, "cost_per_month": money_column,
                       "capacity_hours_per_month": money_column,
                       "cost_per_use": money_column})
with tab_flows:
    edited_flows = st.data_editor(
        tables.flows, key=f"edit_flows::{label}::{generation}", num_rows="fixed",
        disabled=["from", "to"], width="stretch",
        column_config={"probability": money_column})

# Everything the browser sent is read again here: its column limits are no defence.
edits, problems = diff_tables(saved_model, tables, edited_activities=edited_activities,
                              edited_resources=edited_resources, edited_flows=edited_flows)
edited_cost = None
if edits and not problems:
    data, _ = parse_yaml_data(loaded["text"])
    edited_model, model_problems = model_from_data(apply_edits_to_data(data, edits),
                                                   source=label)
    problems += [p for p in model_problems if p.severity == "error"]
    if edited_model is not None:
        edited_cost = cost_model(edited_model)

shown = edited_cost or saved_cost
kpis = st.columns(3)
kpis[0].metric("Cost per instance", money(shown.cost_per_instance, currency),
               delta=None if edited_cost is None else
               money(edited_cost.cost_per_instance - saved_cost.cost_per_instance, currency),
               delta_color="inverse")
kpis[1].metric("Cost per year", money(shown.cost_per_year, currency),
               delta=None if edited_cost is None or shown.cost_per_year is None else
               money(edited_cost.cost_per_year - saved_cost.cost_per_year, currency),
               delta_color="inverse")
kpis[2].metric("Changed values", len(edits))

if problems:
    st.error(f"{len(problems)} problem(s): nothing can be saved until they are fixed.")
    for problem in problems:
        st.markdown(f"- **{problem.element or label}**: {problem.message}")

if edits:
    with st.expander(f"{len(edits)} change(s) to save", expanded=not problems):
        for edit in edits:
            st.markdown(f"- `{edit.element}` · {edit.field}: `{edit.old_text}` → "
                        f"`{edit.new_text}`")

reason = st.text_input("Reason for the change (recorded in the change log)", key="edit_reason")
can_save = bool(edits) and not problems
save_column, new_column = st.columns(2)


def saved(outcome) -> None:
    loaded_files[lib.label(outcome.path)] = {"text": outcome.text, "sha256": outcome.sha256,
                                             "generation": generation + 1}
    st.session_state["edit_notice"] = (
        f"Saved {lib.label(outcome.path)}: {len(outcome.changes)} change(s) recorded.")


def show_conflict(error: StaleFileError) -> None:
    st.error(f"Not saved: {error}")
    if error.current_text is not None:
        diff = difflib.unified_diff(loaded["text"].splitlines(), error.current_text.splitlines(),
                                    "as you loaded it", "on disk now", lineterm="")
        st.code("\n".join(diff) or "(only whitespace differs)", language="diff")
    st.button("Reload from disk (your unsaved edits are dropped)", on_click=reload_from_disk,
              key="reload_after_conflict")


with save_column:
    # The disabled state is the browser's; a forged click is refused here too.
    if st.button("Save", type="primary", disabled=not can_save, key="edit_save"):
        if not can_save:
            st.error("Not saved: " + ("fix the problems first" if problems else "no changes"))
            st.stop()
        try:
            saved(save_model_edits(path, loaded_text=loaded["text"],
                                   loaded_sha256=loaded["sha256"], edits=edits, user=user,
                                   change_log=change_log(), file_label=label, reason=reason))
            st.rerun()
        except StaleFileError as error:
            show_conflict(error)
        except (ModelError, ValueError, AccessDenied, OSError) as error:
            st.error(f"Not saved: {error}")
with new_column:
    new_variant = st.text_input("New variant (slug)", key="edit_new_variant",
                                placeholder="e.g. e_signature")
    if st.button("Save as new variant", disabled=bool(problems) or not new_variant,
                 key="edit_save_as"):
        if problems:
            st.error("Not saved: fix the problems first")
            st.stop()
        try:
            saved(save_as_new_variant(path, variant=new_variant.strip(),
                                      loaded_text=loaded["text"], edits=edits, user=user,
                                      change_log=change_log(), library_dir=lib.directory,
                                      reason=reason))
            st.rerun()
        except FileExistsError as error:
            st.error(f"Not saved: {error}")
        except (ModelError, ValueError, AccessDenied, OSError) as error:
            st.error(f"Not saved: {error}")

notice = st.session_state.pop("edit_notice", None)
if notice:
    st.success(notice)
if file_sha256(path) != loaded["sha256"]:
    st.warning(f"{label} was changed on disk since you loaded it; saving will show the "
               "difference.")
    st.button("Reload from disk", on_click=reload_from_disk, key="reload_notice")
