"""Downloadable CSV and JSON of a costing and of a comparison.

CSV files are the views of :mod:`abc_costing.reports.views` written by
:func:`~abc_costing.reports.report_files.view_csv` (the view's keys and
rows, unrounded, with rounded display copies of money and a ``row_kind``;
UTF-8 with BOM, formula-safe text). JSON is the document of
``abc-costing cost --json`` / ``compare --json``.

Export is an auditor's right: every builder takes the user and checks it.

Examples
--------
>>> from abc_costing import load_model, cost_model
>>> from abc_costing.access import local_user
>>> result = cost_model(load_model("process_models/contract_approval/as_is.yaml"))
>>> data = costing_csv(result, user=local_user("ivan"))
>>> data[:3] == b"\\xef\\xbb\\xbf", data.decode("utf-8-sig").splitlines()[0][:22]
(True, '"id","name","value","e')
"""

from __future__ import annotations

import json
from pathlib import Path

from abc_costing.access import User, require
from abc_costing.compare import Comparison
from abc_costing.engine import CostResult
from abc_costing.i18n import Language
from abc_costing.reports.provenance import build_report_inputs
from abc_costing.reports.report_files import report_bytes, view_csv
from abc_costing.reports.views import activities_view, activity_changes_view
from abc_costing.store.change_log import ChangeLog

__all__ = ["costing_csv", "costing_json", "comparison_csv", "comparison_json", "report_file"]

def _json_bytes(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()


def costing_csv(result: CostResult, *, user: User) -> bytes:
    """The costing of one variant: the activities view, one row per activity, then the total."""
    require(user, "audit")
    return view_csv(activities_view(result))


def costing_json(result: CostResult, *, user: User) -> bytes:
    """The ``cost --json`` document of one variant."""
    require(user, "audit")
    return _json_bytes(result.as_dict())


def comparison_csv(comparison: Comparison, *, user: User) -> bytes:
    """The activity changes view of a comparison, then the total change (minus the saving)."""
    require(user, "audit")
    return view_csv(activity_changes_view(comparison))


def comparison_json(comparison: Comparison, *, user: User) -> bytes:
    """The ``compare --json`` document."""
    require(user, "audit")
    return _json_bytes(comparison.as_dict())


def report_file(
    model_path: Path,
    *,
    baseline_path: Path | None,
    file_format: str,
    user: User,
    change_log: ChangeLog | None,
    library_dir: Path,
    language: Language = "en",
) -> bytes:
    """An auditor's report (``xlsx``, ``pdf``, ``csv`` zip or ``json``) with provenance;
    the PDF and the workbook in ``language``."""
    require(user, "audit")
    inputs = build_report_inputs(model_path, baseline_path=baseline_path, user=user.id,
                                 change_log=change_log, library_dir=library_dir)
    return report_bytes(inputs, file_format, language=language)
