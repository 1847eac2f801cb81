"""Export: the costing of a variant and a comparison as CSV and JSON, and audit reports."""

import functools

import streamlit as st

from abc_costing import workflows as wf
from abc_costing.reports.exports import (
    comparison_csv,
    comparison_json,
    costing_csv,
    costing_json,
)
from dashboard_pages.state import (
    comparison,
    current_user,
    language,
    library,
    pick_process_variants,
)

st.title("Export")
user = current_user()
if not wf.can(user, "audit"):
    st.error("Exports are for auditors.")
    st.stop()

lib = library()
portfolio = lib.portfolio
process, baseline, candidate = pick_process_variants(lib, key="export")

st.subheader(f"Costing of {candidate}")
result = portfolio.results[(process, candidate)]
columns = st.columns(2)
columns[0].download_button(
    "Costing as CSV", data=lambda: costing_csv(result, user=user),
    file_name=f"{process}__{candidate}__costing.csv", mime="text/csv", key="export_costing_csv",
    on_click="ignore")
columns[1].download_button(
    "Costing as JSON", data=lambda: costing_json(result, user=user),
    file_name=f"{process}__{candidate}__costing.json", mime="application/json",
    key="export_costing_json", on_click="ignore")

st.subheader(f"Comparison {baseline} → {candidate}")
if baseline == candidate:
    st.info("Pick two different variants to export a comparison.")
else:
    result_comparison = comparison(process, baseline, candidate)
    columns = st.columns(2)
    columns[0].download_button(
        "Comparison as CSV", data=lambda: comparison_csv(result_comparison, user=user),
        file_name=f"{process}__{baseline}__vs__{candidate}.csv", mime="text/csv",
        key="export_comparison_csv", on_click="ignore")
    columns[1].download_button(
        "Comparison as JSON", data=lambda: comparison_json(result_comparison, user=user),
        file_name=f"{process}__{baseline}__vs__{candidate}.json", mime="application/json",
        key="export_comparison_json", on_click="ignore")
st.subheader("Audit report")
st.write(f"{candidate}" + ("" if baseline == candidate else f" compared with {baseline}")
         + ": Excel with live formulas (change a rate and every figure follows), a PDF for "
         "executives, or all tables as CSV; each carries the SHA-256 of its model files "
         "(named relative to the library), the tool version, the time, your name and the "
         "latest change-log hash.")
candidate_path = lib.path_of(process, candidate)
baseline_path = None if baseline == candidate else lib.path_of(process, baseline)
stem = f"{process}__{candidate}" + ("" if baseline_path is None else f"__vs__{baseline}")


def report(file_format: str) -> bytes:
    built = wf.build_report(candidate_path, baseline_path=baseline_path,
                            file_format=file_format, user=user, library_dir=lib.directory,
                            language=language())
    if built.data is None:  # the download carries the reason instead of a report
        return "\n".join(str(p) for p in built.problems).encode("utf-8")
    return built.data


for column, (label, file_format, mime) in zip(st.columns(3), (
        ("Excel workbook", "xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("PDF report", "pdf", "application/pdf"),
        ("All tables (CSV zip)", "csv", "application/zip")), strict=True):
    column.download_button(
        label, data=functools.partial(report, file_format),
        file_name=f"{stem}{wf.REPORT_FORMATS[file_format]}", mime=mime,
        key=f"export_report_{file_format}", on_click="ignore")

st.caption("CSV files are UTF-8 with BOM (Excel opens Cyrillic correctly); text that would "
           "start a formula is prefixed with an apostrophe. Numbers are unrounded.")
