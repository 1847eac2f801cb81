"""Resources (Справочник ресурсов): edit a shared pool once, see every variant recost, save.

The catalogue the analyst loaded is kept with a generation number: the
editor's widget key carries it, so bumping it (after a save, or a reload)
discards pending edits. Every cell is read again on the server by the
workflow; the browser's column limits are no defence.
"""

import streamlit as st

from abc_costing import workflows as wf
from abc_costing.i18n import translator
from abc_costing.reports.views import catalogue_labels, pool_changes_view, recost_view
from dashboard_pages.state import (
    current_user,
    fitted_editor,
    language,
    library,
    show_conflict,
    show_pending_edits,
    show_problems,
    show_view,
)

#: The catalogue's columns the editor shows by default (the rest behind "More columns").
RESOURCE_COLUMNS = ("name", "kind", "headcount", "salary_per_month", "bonus_per_month",
                    "stated_capacity_hours_per_month", "cost_per_month", "rate_per_hour")

_ = translator(language())
st.title(_("Resources / Справочник ресурсов"))
user = current_user()
if not wf.can(user, "edit"):  # the page is not registered for them; refuse anyway
    st.error(_("Editing the resource catalogue needs the analyst role."))
    st.stop()
lib = library()
generation = st.session_state.setdefault("resources_generation", 0)
if st.session_state.get("resources_loaded_generation") != generation:
    st.session_state["resources_loaded"] = wf.load_resources(lib)
    st.session_state["resources_loaded_generation"] = generation
loaded: wf.LoadedResources = st.session_state["resources_loaded"]


def discard() -> None:
    """Forget the loaded catalogue and the edits pending on it."""
    st.session_state["resources_generation"] = st.session_state["resources_generation"] + 1


if loaded.catalogue is None or loaded.table is None:
    st.error(_("The resource catalogue cannot be edited here:"))
    show_problems(loaded.problems)
    st.button(_("Reload from disk"), on_click=discard, key="resources_reload_invalid")
    st.stop()

st.text(_("File {file} · {count} pools · {currency}", file=loaded.label,
          count=len(loaded.table), currency=loaded.currency))
st.caption(_("Each pool once, for every process and variant. Edit the written figures; the "
             "grey columns follow from them (ФОТ с взносами = штатная численность × (оклад + "
             "премия) × (1 + страховые взносы + травматизм); ставка = ФОТ / практическая "
             "ёмкость) and move in the preview below as you type. Hover a column's title for "
             "its English name. Numbers as you write them: 1 500,50 or 1500.50. A blank cell "
             "removes the value from the pool."))
currency = loaded.currency
labels = catalogue_labels(currency)
pools_config = {
    key: st.column_config.TextColumn(
        labels[key][0], help=labels[key][1], width="medium" if key == "name" else None,
        max_chars=None if key in loaded.read_only_columns else 200 if key == "name" else 40)
    for key in loaded.table.columns}
pools_config["_index"] = st.column_config.TextColumn(labels["id"][0], help=labels["id"][1])
# Eighteen columns do not fit 1366 px: the written figures most pools have, and the cost
# and the rate that follow from them, unless the analyst asks for every column. Hidden
# columns keep their values and their edits (the editor's identity is its key and data).
shown = (list(loaded.table.columns) if st.toggle(_("More columns"), key="resources_more")
         else [c for c in RESOURCE_COLUMNS if c in loaded.table.columns])
pools_config = fitted_editor(loaded.table, pools_config, shown=shown)
edited_pools = st.data_editor(
    loaded.table, key=f"resources_pools::{generation}", num_rows="fixed", width="stretch",
    column_config=pools_config, disabled=list(loaded.read_only_columns),
    column_order=shown)

preview = wf.preview_resource_edits(loaded, pools=edited_pools)
moved = [r for r in preview.recosted if r.change_per_instance != 0]
kpis = st.columns(2)
kpis[0].metric(_("Changed values"), len(preview.edits))
kpis[1].metric(_("Variants whose cost changes"),
               _("{moved} of {all}", moved=len(moved), all=len(loaded.variants)))

show_pending_edits(preview.edits, preview.problems)
if preview.pools:
    show_view(pool_changes_view(preview.pools, currency=currency), key="resources_derived",
              title=True)
if preview.recosted:
    show_view(recost_view(preview.recosted, currency=currency), key="resources_recost",
              title=True)

reason = st.text_input(_("Reason for the change (recorded in the change log)"),
                       key="resources_reason")
# The disabled state is the browser's; a forged click is refused by the workflow too.
if st.button(_("Save the catalogue"), type="primary", disabled=not preview.can_save,
             key="resources_save"):
    outcome = wf.save_resource_edits(loaded, preview, user=user, library=lib, reason=reason)
    if outcome.saved is not None:
        discard()
        st.session_state["resources_notice"] = _(
            "Saved {file}: {count} change(s) recorded; every variant now uses the new pools.",
            file=outcome.label, count=len(outcome.saved.changes))
        st.rerun()
    st.error(_("Not saved:"))
    show_problems(outcome.problems)
    if outcome.conflict is not None:
        show_conflict(outcome.conflict, on_reload=discard, key="resources_reload_conflict")

notice = st.session_state.pop("resources_notice", None)
if notice:
    st.success(notice)
