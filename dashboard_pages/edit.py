"""Edit: change rates, durations and probabilities, see the cost at once, save safely.

What the analyst loaded is kept per variant with a generation number: the
tables' widget keys carry it, so bumping it discards pending edits. A save
as a new variant switches the editor to the new variant and discards the
edits pending on the original, so a later "Save" can never write them into
a file nobody chose.
"""

import hashlib

import pandas as pd
import streamlit as st

from abc_costing import workflows as wf
from abc_costing.i18n import translator
from dashboard_pages.state import (
    columns_that_fit,
    current_user,
    fitted_editor,
    language,
    library,
    money,
    most_used_first,
    pick_variant,
    show_conflict,
    show_pending_edits,
    show_problems,
)

_ = translator(language())
st.title(_("Edit a process variant"))
user = current_user()
lib = library()
if not lib.models:
    st.warning(_("No valid process models to edit."))
    show_problems(lib.problems)
    st.stop()

# Set before the widgets exist: where a save as a new variant sends the editor.
if (after_save := st.session_state.pop("edit_after_save", None)) is not None:
    st.session_state["edit_pick"] = after_save
    st.session_state["edit_new_variant"] = ""
    st.session_state["edit_new_title"] = ""

process, variant = pick_variant(lib, key="edit_pick")
key = f"{process}/{variant}"
loaded_by: dict = st.session_state.setdefault("edit_loaded", {})
generations: dict = st.session_state.setdefault("edit_generation", {})
if key not in loaded_by:
    loaded_by[key] = wf.load_for_editing(lib, process, variant)
loaded: wf.LoadedForEditing = loaded_by[key]
generation = generations.get(key, 0)


def pick_resource_columns(activities: pd.DataFrame, config: dict, by_resource: dict[str, str],
                          *, key: str) -> list[str]:
    """The resources whose columns the activities editor shows, as the analyst picks them.

    One column per resource made the table scroll sideways for a model with many
    resources (procurement: 1 264 px); by default it shows the resources the most
    activities use, as many as fit the main column (:func:`columns_that_fit`).
    """
    ranked = most_used_first(activities, list(by_resource))
    fitting = columns_that_fit(activities, config, optional=ranked,
                               always=[c for c in activities.columns if c not in by_resource])
    if len(ranked) == len(fitting):
        return ranked
    # keyed by the resources too: a resource added or removed on disk starts a new choice
    options_key = f"{key}::{hashlib.sha256('|'.join(ranked).encode()).hexdigest()[:12]}"
    shown = st.multiselect(
        _("Resources shown in the table"), ranked, default=fitting, key=options_key,
        format_func=by_resource.__getitem__,
        help=_("By default the resources the most activities use, as many as fit the page. "
               "An edit in a column you hide is kept and saved."))
    st.caption(_("{shown} of {count} resources shown; edits in hidden columns are kept.",
                 shown=len(shown), count=len(ranked)))
    return shown


def discard(which: str) -> None:
    """Forget what was loaded of ``which`` and the edits pending on it."""
    loaded_by.pop(which, None)
    generations[which] = generations.get(which, 0) + 1


if loaded.model is None or loaded.tables is None:
    st.error(_("The file no longer reads as a valid model:"))
    show_problems(loaded.problems)
    st.button(_("Reload from disk"), on_click=discard, args=(key,), key="reload_invalid")
    st.stop()

st.text(_("File {file}", file=loaded.label))
st.caption(_("Numbers as you write them: 1 500,50 or 1500.50 (a comma or a point for decimals, "
             "spaces between thousands) · durations in minutes: 45, triangular 30 45 90, "
             "pert 10 20 60, uniform 10 20, lognormal 42 12 (mean, sd)"))
tables = loaded.tables
# Every number is a text cell read on the server by one rule, whatever the browser's
# language: a number column would be parsed by the browser's locale first.
number = st.column_config.TextColumn(max_chars=40)
tab_activities, tab_resources, tab_flows = st.tabs([_("Activities"), _("Resources"),
                                                   _("Flows")])
with tab_activities:
    # The cells' values (value_adding, business, waste) are the file's words: kept as written.
    activity_config = {
        "name": st.column_config.TextColumn(_("name"), max_chars=1000, width="medium"),
        "value": st.column_config.SelectboxColumn(
            _("value"), options=["value_adding", "business", "waste"], required=True),
        "other_cost": st.column_config.TextColumn(_("other cost"), max_chars=40),
        "wait": st.column_config.TextColumn(_("wait, min"), max_chars=200),
    }
    by_resource: dict[str, str] = {}  # a resource's column: its minutes or its uses
    for column in tables.activities.columns:
        if column.startswith(wf.LABOR_PREFIX):
            activity_config[column] = st.column_config.TextColumn(
                _("{column}, min", column=column), max_chars=200)
            by_resource[column] = column.removeprefix(wf.LABOR_PREFIX)
        elif column.startswith(wf.USES_PREFIX):
            activity_config[column] = number
            by_resource[column] = column.removeprefix(wf.USES_PREFIX)
    resources_shown = pick_resource_columns(tables.activities, activity_config, by_resource,
                                            key=f"edit_shown::{loaded.label}")
    columns = [c for c in tables.activities.columns
               if c not in by_resource or c in resources_shown]
    # Widths fitted to the main column (a tab is as wide). The editor always gets the whole
    # table: column_order only hides columns, so the widget (its key and its data) stays the
    # same and an edit pending in a hidden column is kept and still saved.
    activity_config = fitted_editor(tables.activities, activity_config, shown=columns)
    edited_activities = st.data_editor(
        tables.activities, key=f"edit_activities::{loaded.label}::{generation}",
        column_config=activity_config, column_order=columns, num_rows="fixed",
        width="stretch")
with tab_resources:
    st.caption(_("Shared pools (the library's catalogue) are edited once, for every variant, "
                 "on the Resources page (Справочник ресурсов); here only this file's own "
                 "resources."))
    if not (shared := wf.variant_pools(loaded.model)).empty:
        shared_config = fitted_editor(shared, {})
        st.dataframe(shared, width="stretch", key=f"edit_shared_pools::{loaded.label}",
                     placeholder="—", column_config=shared_config)
    resource_config = fitted_editor(tables.resources, {
        "rate_per_hour": number, "cost_per_month": number, "capacity_hours_per_month": number,
        "cost_per_use": number})
    edited_resources = st.data_editor(
        tables.resources, key=f"edit_resources::{loaded.label}::{generation}", num_rows="fixed",
        disabled=["kind"], width="stretch", column_config=resource_config)
with tab_flows:
    if loaded.model.case_classes:
        st.caption(_("A probability by case class (small: 1; large: 0.5) is shown here and "
                     "changed only in the model file."))
    flow_config = fitted_editor(tables.flows, {"probability": number})
    edited_flows = st.data_editor(
        tables.flows, key=f"edit_flows::{loaded.label}::{generation}", num_rows="fixed",
        disabled=["from", "to"], width="stretch", column_config=flow_config)

# Everything the browser sent is read again on the server: its column limits are no defence.
preview = wf.preview_edits(loaded, activities=edited_activities, resources=edited_resources,
                           flows=edited_flows)
saved_cost, edited_cost = loaded.result, preview.edited_result
assert saved_cost is not None  # a model that reads is costed when loaded
currency = loaded.model.currency
shown = edited_cost or saved_cost
per_year_delta = (None if edited_cost is None or edited_cost.cost_per_year is None
                  or saved_cost.cost_per_year is None
                  else edited_cost.cost_per_year - saved_cost.cost_per_year)
kpis = st.columns(3)
kpis[0].metric(_("Cost per instance"), money(shown.cost_per_instance, currency),
               delta=None if edited_cost is None else
               money(edited_cost.cost_per_instance - saved_cost.cost_per_instance, currency),
               delta_color="inverse")
kpis[1].metric(_("Cost per year"), money(shown.cost_per_year, currency),
               delta=None if per_year_delta is None else money(per_year_delta, currency),
               delta_color="inverse")
kpis[2].metric(_("Changed values"), len(preview.edits))

show_pending_edits(preview.edits, preview.problems)

reason = st.text_input(_("Reason for the change (recorded in the change log)"), key="edit_reason")
save_column, new_column = st.columns(2)


def show_outcome(outcome: wf.SaveOutcome) -> None:
    st.error(_("Not saved:"))
    show_problems(outcome.problems)
    if outcome.conflict is not None:
        show_conflict(outcome.conflict, on_reload=discard, args=(key,),
                      key="reload_after_conflict")


with save_column:
    # The disabled state is the browser's; a forged click is refused by the workflow too.
    if st.button(_("Save"), type="primary", disabled=not preview.can_save, key="edit_save"):
        outcome = wf.save_edits(loaded, preview, user=user, library=lib, reason=reason)
        if outcome.saved is not None:
            discard(key)
            st.session_state["edit_notice"] = _(
                "Saved {file}: {count} change(s) recorded.", file=outcome.label,
                count=len(outcome.saved.changes))
            st.rerun()
        show_outcome(outcome)
with new_column:
    new_variant = st.text_input(_("New variant (a short name)"), key="edit_new_variant",
                                placeholder=_("e.g. e_signature"))
    new_title = st.text_input(_("Title of the new variant"), key="edit_new_title",
                              placeholder=_("e.g. Согласование с электронной подписью"))
    if st.button(_("Save as new variant"), disabled=bool(preview.problems) or not new_variant
                 or not new_title.strip(), key="edit_save_as"):
        outcome = wf.save_as_variant(loaded, preview, variant=new_variant, title=new_title,
                                     user=user, library=lib, reason=reason)
        if outcome.saved is not None:
            # The edits now live in the new variant: drop them from the original and
            # open the new one, so nothing pending can be saved where nobody chose.
            discard(key)
            st.session_state["edit_after_save"] = (process, new_variant.strip())
            st.session_state["edit_notice"] = _(
                "Saved the new variant {file} ({count} change(s) recorded); you are editing it "
                "now.", file=outcome.label, count=len(outcome.saved.changes))
            st.rerun()
        show_outcome(outcome)

notice = st.session_state.pop("edit_notice", None)
if notice:
    st.success(notice)
if loaded.changed_on_disk:
    st.warning(_("This file was changed on disk since you loaded it; saving will show the "
                 "difference."))
    st.button(_("Reload from disk"), on_click=discard, args=(key,), key="reload_notice")
