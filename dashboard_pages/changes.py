"""Changes: who changed what, when, from which value to which — and whether the log is intact."""

import pandas as pd
import streamlit as st

from abc_costing.access import can, require
from dashboard_pages.state import change_log, current_user, library

st.title("Change log")
user = current_user()
if not (can(user, "audit") or can(user, "edit")):
    st.error("The change log is for auditors and analysts.")
    st.stop()

log = change_log()
check = log.verify()
if check.ok:
    st.success(f"Hash chain intact: {check.entries} entries, each sealed to the one before.")
else:
    st.error(f"The change log has been tampered with: {check.message}")

lib = library()
entries = log.entries()
files = sorted({e.file for e in entries})
chosen = st.selectbox("File", ["(all files)", *files], key="changes_file")
if chosen != "(all files)":
    entries = [e for e in entries if e.file == chosen]

table = pd.DataFrame(
    [
        {
            "#": e.seq,
            "Time (UTC)": e.time,
            "User": e.user,
            "File": e.file,
            "Element": e.element,
            "Field": e.field,
            "Old value": e.old_value,
            "New value": e.new_value,
            "Reason": e.reason or "",
            "Hash": e.hash[:12],
        }
        for e in reversed(entries)
    ],
    columns=["#", "Time (UTC)", "User", "File", "Element", "Field", "Old value", "New value",
             "Reason", "Hash"],
)
st.dataframe(table, hide_index=True, width="stretch", key="changes_table")
if not entries:
    st.info("No changes recorded yet. Saves from the Edit page appear here.")

if can(user, "audit"):

    def log_csv() -> bytes:
        require(user, "audit")
        return log.to_csv_bytes(entries)

    st.download_button("Download the log as CSV", data=log_csv, file_name="change_log.csv",
                       mime="text/csv", key="changes_csv", on_click="ignore")
