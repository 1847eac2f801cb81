"""Report files for auditors: JSON and CSV documents, writing any format safely, verifying.

- JSON: the engine's result (as ``cost --json``), the comparison (as
  ``compare --json``) when there is a baseline, and the provenance.
- CSV: a zip of one table per file (summary, then the results tables of
  :func:`report_views` named after each view: activities, resources,
  by_value, flows, with a baseline comparison, resource_changes and
  value_changes, then change_log; last provenance), each UTF-8 with BOM,
  the view's columns in its order (see :func:`view_csv`), unrounded numbers
  and rounded display columns.
- Excel and PDF come from :mod:`abc_costing.reports.workbook` and
  :mod:`abc_costing.reports.pdf_report`.

The same inputs give byte-identical JSON and CSV apart from the
``generated_at`` field (fix it with ``SOURCE_DATE_EPOCH`` to get identical
bytes). :func:`verify_report` reads a report back, re-reads the model files
it names and says whether the report still matches them.

Examples
--------
>>> from datetime import UTC, datetime
>>> from abc_costing.reports.provenance import build_report_inputs
>>> inputs = build_report_inputs("process_models/zhkh_leads/as_is.yaml", baseline_path=None,
...                              user="ivan", change_log=None,
...                              now=datetime(2026, 1, 1, tzinfo=UTC))
>>> document = json.loads(report_json(inputs))
>>> document["format"], round(document["costing"]["cost_per_instance"], 2)
('abc-costing-report/1', 771.07)
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from abc_costing.formats import model_files
from abc_costing.formats.csv_files import csv_bytes
from abc_costing.i18n import Language
from abc_costing.problems import AbcCostingError
from abc_costing.reports.provenance import ReportInputs
from abc_costing.reports.views import (
    TableView,
    activities_view,
    activity_changes_view,
    change_log_view,
    currency_digits,
    flows_view,
    resource_changes_view,
    resources_view,
    rounded_for_display,
    value_changes_view,
    value_classes_view,
)
from abc_costing.store.change_log import LogHead
from abc_costing.store.model_files import file_sha256, write_atomic

__all__ = [
    "REPORT_FORMAT",
    "FORMATS",
    "report_json",
    "report_csv_zip",
    "report_views",
    "view_csv",
    "columns_csv",
    "report_bytes",
    "write_report",
    "ReportCheck",
    "verify_report",
    "ReportError",
]

REPORT_FORMAT = "abc-costing-report/1"
FORMATS = ("xlsx", "pdf", "csv", "json")
# A zip entry's time is part of its bytes: fixed so the same inputs give the same zip.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ReportError(AbcCostingError, ValueError):
    """A report cannot be written or read (bad path, unknown format, not a report)."""


def _json_bytes(document: Any) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()


def report_document(inputs: ReportInputs) -> dict:
    """The JSON report as a dict (see the module docstring)."""
    return {
        "format": REPORT_FORMAT,
        "provenance": inputs.provenance.as_dict(),
        "costing": inputs.result.as_dict(),
        "comparison": inputs.comparison.as_dict() if inputs.comparison else None,
    }


def report_json(inputs: ReportInputs) -> bytes:
    """The JSON report (UTF-8, numbers unrounded)."""
    return _json_bytes(report_document(inputs))


def view_csv(view: TableView) -> bytes:
    """A results table as CSV: the view's machine names, every row, unrounded.

    The header is the view's keys, then a rounded display copy of each money
    column (``cost_per_instance_rounded``: the currency's minor unit, as
    printed on screen and in the PDF), then ``row_kind`` (``item``, ``other``
    or ``total``), so that a reader who sums a column can leave the total out.
    Written by :func:`~abc_costing.formats.csv_files.csv_bytes` (UTF-8 with
    BOM, text that cannot become a formula).

    >>> from abc_costing import cost_model, load_model
    >>> from abc_costing.reports.views import value_classes_view
    >>> view = value_classes_view(cost_model(load_model("process_models/zhkh_leads/as_is.yaml")))
    >>> lines = view_csv(view).decode("utf-8-sig").splitlines()
    >>> lines[0]
    '"value","label","cost_per_instance","share","cost_per_instance_rounded","row_kind"'
    >>> lines[-1].split(",")[0], lines[-1].split(",")[-1]
    ('"(total)"', '"total"')
    """
    money = [c.key for c in view.columns if c.unit == "money"]
    header = [*view.keys, *(f"{key}_rounded" for key in money), "row_kind"]
    rows = []
    for row in view.rows:
        digits = currency_digits(view.currency_of(row))
        rounded = [None if row.value(key) is None
                   else float(rounded_for_display(row.value(key), digits)) for key in money]
        rows.append([*row.values, *rounded, row.kind])
    return csv_bytes(header, rows)


def _summary(inputs: ReportInputs) -> list[list[Any]]:
    result, comparison = inputs.result, inputs.comparison
    summary: list[list[Any]] = [
        ["process", result.process], ["variant", result.variant], ["title", result.title],
        ["currency", result.currency], ["volume_per_year", result.volume_per_year],
        ["cost_per_instance", result.cost_per_instance],
        ["cost_per_year", result.cost_per_year],
        ["labor_minutes_per_instance", result.labor_minutes_per_instance],
        ["other_cost_per_instance", result.other_cost_per_instance],
        *[[f"end_probability.{end}", p] for end, p in result.end_probabilities.items()],
    ]
    if comparison is not None:
        summary += [
            ["baseline_variant", comparison.baseline.variant],
            ["baseline_cost_per_instance", comparison.baseline.cost_per_instance],
            ["baseline_cost_per_year", comparison.baseline.cost_per_year],
            ["saving_per_instance", comparison.saving_per_instance],
            ["saving_per_year", comparison.saving_per_year],
        ]
    return summary


def _provenance(inputs: ReportInputs) -> list[list[Any]]:
    provenance = inputs.provenance
    rows: list[list[Any]] = [["tool", provenance.tool], ["version", provenance.version],
                             ["generated_at", provenance.generated_at],
                             ["user", provenance.user]]
    for item in provenance.inputs:
        for key, value in asdict(item).items():
            if key != "role":
                rows.append([f"{item.role}.{key}", value])
    if provenance.change_log_head is not None:
        for key, value in asdict(provenance.change_log_head).items():
            rows.append([f"change_log.{key}", value])
    return rows


def report_views(inputs: ReportInputs) -> list[TableView]:
    """The results tables of a report, in the order the CSV report lists them.

    By activity (with the durations as written), by resource, by value class,
    the flows; with a baseline the changes by activity, resource and value
    class; the change log of the input files.
    """
    result, model, comparison = inputs.result, inputs.model, inputs.comparison
    views = [activities_view(result, model=model), resources_view(result),
             value_classes_view(result), flows_view(model, result)]
    if comparison is not None:
        views += [activity_changes_view(comparison), resource_changes_view(comparison),
                  value_changes_view(comparison)]
    views.append(change_log_view(inputs.changes))
    return views


def columns_csv(views: list[TableView]) -> bytes:
    """What each column of the CSV files means: ``file, key, unit, label_en, label_ru``.

    A CSV file's header is the columns' machine names (``cost_per_instance``),
    stable across languages and versions so scripts can rely on them; this
    file gives each its label as the tables print it, in English and Russian.
    A money column's ``<key>_rounded`` copy and ``row_kind`` (item, other,
    total) are not listed: they mean the same in every file.

    >>> from abc_costing import cost_model, load_model
    >>> view = value_classes_view(cost_model(load_model("process_models/zhkh_leads/as_is.yaml")))
    >>> columns_csv([view]).decode("utf-8-sig").splitlines()[3].split('","')[1:]
    ['cost_per_instance', 'money', 'Per instance, RUB', 'На экземпляр, RUB"']
    """
    rows = [[f"{view.name}.csv", column.key, column.unit,
             *(view.in_language(language).label(column.key) for language in ("en", "ru"))]
            for view in views for column in view.columns]
    return csv_bytes(["file", "key", "unit", "label_en", "label_ru"], rows)


def _csv_files(inputs: ReportInputs) -> dict[str, bytes]:
    files = {"summary.csv": csv_bytes(["field", "value"], _summary(inputs))}
    views = report_views(inputs)
    files.update((f"{view.name}.csv", view_csv(view)) for view in views)
    files["provenance.csv"] = csv_bytes(["field", "value"], _provenance(inputs))
    files["columns.csv"] = columns_csv(views)
    return files


def report_csv_zip(inputs: ReportInputs) -> bytes:
    """The CSV report: a zip of one table per file, plus ``report.json`` for ``--verify``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in _csv_files(inputs).items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data)
        archive.writestr(zipfile.ZipInfo("report.json", _ZIP_TIME), report_json(inputs))
    return buffer.getvalue()


def _writer(file_format: str, language: Language) -> Callable[[ReportInputs], bytes]:
    # JSON and CSV are for programs: machine names, the same in every language
    # (columns.csv in the CSV zip gives each column's English and Russian label).
    if file_format == "json":
        return report_json
    if file_format == "csv":
        return report_csv_zip
    if file_format == "xlsx":
        from abc_costing.reports.workbook import workbook_bytes

        return partial(workbook_bytes, language=language)
    if file_format == "pdf":
        from abc_costing.reports.pdf_report import pdf_bytes

        return partial(pdf_bytes, language=language)
    raise ReportError(f"unknown report format {file_format!r}; use one of {', '.join(FORMATS)}")


def report_bytes(inputs: ReportInputs, file_format: str, *, language: Language = "en") -> bytes:
    """The report in ``file_format`` (``xlsx``, ``pdf``, ``csv`` or ``json``), the PDF and
    the workbook in ``language``."""
    return _writer(file_format, language)(inputs)


def write_report(inputs: ReportInputs, file_format: str, path: str | Path, *,
                 language: Language = "en") -> Path:
    """Build the report and write it to ``path`` all at once (never a partial file).

    Raises :class:`ReportError` when the folder does not exist or cannot be
    written; the report is built before anything touches the disk.
    """
    path = Path(path)
    data = report_bytes(inputs, file_format, language=language)
    if not path.parent.is_dir():
        raise ReportError(f"{path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise ReportError(f"{path}: is a folder; give a file name")
    try:
        write_atomic(path, data)
    except PermissionError as error:
        raise ReportError(f"{path}: cannot write here ({error.strerror})") from error
    except OSError as error:
        raise ReportError(f"{path}: cannot write ({error.strerror or error})") from error
    return path


# --- verification --------------------------------------------------------------------


@dataclass(frozen=True)
class ReportCheck:
    """Whether a report still matches its inputs.

    Attributes:
      ok: every input is unchanged and every figure recomputes to the same value.
      findings: one line per check, in plain words.
      inputs_found: False when a model file could not be found, so the report
        could not be checked at all (which is not the same as not matching).
    """

    ok: bool
    findings: tuple[str, ...]
    inputs_found: bool = True


def _document_of(path: Path) -> dict:
    data = path.read_bytes()
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "report.json" in archive.namelist():
                    return json.loads(archive.read("report.json"))
                if "xl/workbook.xml" in archive.namelist():
                    from abc_costing.reports.workbook import read_workbook_document

                    return read_workbook_document(data)
        except (zipfile.BadZipFile, KeyError, ValueError) as error:
            raise ReportError(f"{path}: not a readable report ({error})") from error
    if data.startswith(b"%PDF"):
        from abc_costing.reports.pdf_report import read_pdf_document

        return read_pdf_document(data)
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"{path}: not an abc-costing report (JSON, CSV zip, "
                          "Excel or PDF)") from error


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return a == b


def _find_input(recorded: str, sha256: str, *, folders: list[Path]) -> tuple[Path | None, str]:
    """Where a report's input is now, and how it was found.

    First by the recorded path relative to each folder (the library, then the
    report's own folder), then by its file name there, then by content: any
    model file under the folders with the recorded digest. A report made on
    a server therefore verifies in an auditor's copy of the files.
    """
    relative = Path(recorded)
    if relative.is_absolute():  # reports made before paths were library-relative
        if relative.is_file():
            return relative, "at its recorded path"
        relative = Path(relative.name)
    for folder in folders:
        for candidate in (folder / relative, folder / relative.name):
            if candidate.is_file():
                return candidate, "by its path"
    for folder in folders:
        if folder.is_dir():
            for candidate in model_files(folder):
                if file_sha256(candidate) == sha256:
                    return candidate, "by its content: same SHA-256"
    return None, ""


def verify_report(path: str | Path, *, library_dir: str | Path | None = None,
                  head_check: Callable[[LogHead], str | None] | None = None) -> ReportCheck:
    """Re-read the model files a report names and check the report against them.

    Each input is looked for under ``library_dir`` and beside the report (see
    :func:`_find_input`); it must still have the digest recorded in the
    report, and the report's headline figures (cost per instance and per
    year, each activity's cost per instance, the saving) must equal a fresh
    costing of the files found. With ``head_check``, the change-log head the
    report recorded must still be in the library's log (it says why not).
    """
    from abc_costing.reports.provenance import build_report_inputs

    path = Path(path)
    if not path.is_file():
        raise ReportError(f"{path.name}: file not found")
    document = _document_of(path)
    if document.get("format") != REPORT_FORMAT:
        raise ReportError(f"{path.name}: not an abc-costing report")
    provenance = document["provenance"]
    folders = [Path(library_dir)] if library_dir is not None else []
    folders.append(path.parent)
    findings: list[str] = []
    ok = True
    missing = False
    found: dict[str, Path] = {}
    for item in provenance["inputs"]:
        role, recorded = item["role"], item["path"]
        source, how = _find_input(recorded, item["sha256"], folders=folders)
        if source is None:
            findings.append(f"{role} {recorded}: file not found (looked in the library and "
                            "beside the report, by path and by content)")
            ok, missing = False, True
            continue
        found[role] = source
        where = "" if how == "by its path" else f" (found {how})"
        digest = file_sha256(source)
        if digest == item["sha256"]:
            findings.append(f"{role} {recorded}: unchanged (sha256 {digest[:12]}){where}")
        elif role == "catalogue":
            # A catalogue serves every model of the library: an edit of a pool this
            # report does not use changes its digest, not the report's figures. Said,
            # and judged by the figures recomputed below.
            findings.append(f"{role} {recorded}: changed since the report (sha256 "
                            f"{item['sha256'][:12]} → {digest[:12]}); the report's figures "
                            "are recomputed with it below")
        else:
            findings.append(f"{role} {recorded}: CHANGED since the report "
                            f"(sha256 {item['sha256'][:12]} → {digest[:12]})")
            ok = False
    if not ok:
        return ReportCheck(False, tuple(findings), inputs_found=not missing)
    fresh = build_report_inputs(found["model"], baseline_path=found.get("baseline"),
                                user=provenance["user"], change_log=None)
    reported, recomputed = document["costing"], fresh.result.as_dict()
    checks = [("cost per instance", reported["cost_per_instance"],
               recomputed["cost_per_instance"]),
              ("cost per year", reported["cost_per_year"], recomputed["cost_per_year"])]
    recomputed_activities = {a["id"]: a["cost_per_instance"] for a in recomputed["activities"]}
    for activity in reported["activities"]:
        checks.append((f"activity {activity['id']}", activity["cost_per_instance"],
                       recomputed_activities.get(activity["id"])))
    if document.get("comparison") and fresh.comparison is not None:
        checks.append(("saving per instance", document["comparison"]["saving_per_instance"],
                       fresh.comparison.saving_per_instance))
    wrong = [(what, a, b) for what, a, b in checks if not _same(a, b)]
    for what, a, b in wrong:
        findings.append(
            f"{what}: the report holds no calculated value (a program saved it without "
            f"recalculating; open and save it in Excel or LibreOffice), the models give {b}"
            if a is None else f"{what}: the report says {a}, the models give {b}")
    if not wrong:
        findings.append(f"{len(checks)} figures recomputed: all equal the report")
    head_ok = True
    recorded = provenance.get("change_log_head")
    if recorded and head_check is not None:
        head = LogHead(**recorded)
        fault = head_check(head)
        head_ok = fault is None
        findings.append(f"change log: the recorded {head.as_text()} is still in the log"
                        if head_ok else f"change log: {fault}")
    return ReportCheck(not wrong and head_ok, tuple(findings))
