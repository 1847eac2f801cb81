"""Export: the costing of a variant and a comparison as CSV and JSON, and audit reports."""

import functools

import streamlit as st

from abc_costing import workflows as wf
from abc_costing.i18n import translator
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
    problems_text,
)

reader = language()
_ = translator(reader)
st.title(_("Export"))
user = current_user()
if not wf.can(user, "audit"):
    st.error(_("Exports are for auditors."))
    st.stop()

lib = library()
portfolio = lib.portfolio
process, baseline, candidate = pick_process_variants(lib, key="export")

st.subheader(_("Costing of {variant}", variant=candidate))
result = portfolio.results[(process, candidate)]
columns = st.columns(2)
columns[0].download_button(
    _("Costing as CSV"), data=lambda: costing_csv(result, user=user),
    file_name=f"{process}__{candidate}__costing.csv", mime="text/csv", key="export_costing_csv",
    on_click="ignore")
columns[1].download_button(
    _("Costing as JSON"), data=lambda: costing_json(result, user=user),
    file_name=f"{process}__{candidate}__costing.json", mime="application/json",
    key="export_costing_json", on_click="ignore")

st.subheader(_("Comparison {baseline} → {candidate}", baseline=baseline, candidate=candidate))
if baseline == candidate:
    st.info(_("Pick two different variants to export a comparison."))
else:
    result_comparison = comparison(process, baseline, candidate)
    columns = st.columns(2)
    columns[0].download_button(
        _("Comparison as CSV"), data=lambda: comparison_csv(result_comparison, user=user),
        file_name=f"{process}__{baseline}__vs__{candidate}.csv", mime="text/csv",
        key="export_comparison_csv", on_click="ignore")
    columns[1].download_button(
        _("Comparison as JSON"), data=lambda: comparison_json(result_comparison, user=user),
        file_name=f"{process}__{baseline}__vs__{candidate}.json", mime="application/json",
        key="export_comparison_json", on_click="ignore")
st.subheader(_("Audit report"))
st.write(_("{subject}: Excel with live formulas (change a rate and every figure follows), a "
           "PDF for executives, or all tables as CSV; each carries the SHA-256 of its model "
           "files (named relative to the library), the tool version, the time, your name and "
           "the latest change-log hash.",
           subject=candidate if baseline == candidate
           else _("{candidate} compared with {baseline}", candidate=candidate,
                  baseline=baseline)))
candidate_path = lib.path_of(process, candidate)
baseline_path = None if baseline == candidate else lib.path_of(process, baseline)
stem = f"{process}__{candidate}" + ("" if baseline_path is None else f"__vs__{baseline}")


def report(file_format: str) -> bytes:
    built = wf.build_report(candidate_path, baseline_path=baseline_path,
                            file_format=file_format, user=user, library_dir=lib.directory,
                            language=language())
    if built.data is None:  # the download carries the reason instead of a report
        return problems_text(built.problems, reader).encode("utf-8")
    return built.data


for column, (label, file_format, mime) in zip(st.columns(3), (
        (_("Excel workbook"), "xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (_("PDF report"), "pdf", "application/pdf"),
        (_("All tables (CSV zip)"), "csv", "application/zip")), strict=True):
    column.download_button(
        label, data=functools.partial(report, file_format),
        file_name=f"{stem}{wf.REPORT_FORMATS[file_format]}", mime=mime,
        key=f"export_report_{file_format}", on_click="ignore")

st.caption(_("CSV files are UTF-8 with BOM (Excel opens Cyrillic correctly); text that "
             "would start a formula is prefixed with an apostrophe. Numbers are unrounded."))
