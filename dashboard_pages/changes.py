"""Changes: who changed what, when, from which value to which — and whether the log is intact."""

import streamlit as st

from abc_costing import workflows as wf
from abc_costing.i18n import translator
from abc_costing.reports.views import change_log_view
from dashboard_pages.state import (
    change_log_label,
    change_log_path,
    current_user,
    language,
    library_dir,
    problems_text,
    show_problems,
    show_view,
)

reader = language()
_ = translator(reader)
st.title(_("Change log"))
user = current_user()
if not (wf.can(user, "audit") or wf.can(user, "edit")):
    st.error(_("The change log is for auditors and analysts."))
    st.stop()

ALL_FILES = "(all files)"
path, label = change_log_path(), change_log_label()
verified = wf.verify_change_log(library_dir(), db=path, label=label)
if not verified.ok:
    st.error(_("The change log cannot be trusted as it is:"))
elif verified.entries is None:
    st.info(_("No change log yet: no model file was changed through abc-costing."))
else:
    st.success(_("Hash chain intact: {entries} entries, each sealed to the one before; every "
                 "model file matches its last logged save.", entries=verified.entries))
show_problems(verified.problems, expanded=not verified.ok)

listed = wf.change_log_entries(path, label=label)
entries = list(listed.entries)
files = sorted({e.file for e in entries})
# "(all files)" is the choice's value (kept in the session); the reader sees it in their language.
chosen = st.selectbox(_("File"), [ALL_FILES, *files], key="changes_file",
                      format_func=lambda f: _("(all files)") if f == ALL_FILES else f)
if chosen != ALL_FILES:
    entries = [e for e in entries if e.file == chosen]

show_view(change_log_view(list(reversed(entries))), key="changes_table")
if not entries and not listed.problems:
    st.info(_("No changes recorded yet. Saves from the Edit and Import pages appear here."))

if wf.can(user, "audit"):

    def log_csv() -> bytes:
        data, problems = wf.change_log_csv(path, user=user, label=label,
                                           file=None if chosen == ALL_FILES else chosen)
        if data is None:
            return problems_text(problems, reader).encode("utf-8")
        return data

    st.download_button(_("Download the log as CSV"), data=log_csv, file_name="change_log.csv",
                       mime="text/csv", key="changes_csv", on_click="ignore")
