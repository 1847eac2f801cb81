"""Downloadable CSV and JSON of a costing and of a comparison.

CSV files are written by :func:`abc_costing.formats.csv_files.csv_bytes`
(UTF-8 with BOM, formula-safe text, unrounded numbers) with a stable column
order. JSON is the document of ``abc-costing cost --json`` / ``compare --json``.

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
from dataclasses import asdict
from pathlib import Path

from abc_costing.access import User, require
from abc_costing.compare import Comparison
from abc_costing.engine import CostResult
from abc_costing.formats.csv_files import csv_bytes
from abc_costing.reports.provenance import build_report_inputs
from abc_costing.reports.report_files import report_bytes
from abc_costing.store.change_log import ChangeLog

__all__ = ["costing_csv", "costing_json", "comparison_csv", "comparison_json", "report_file"]

ACTIVITY_COLUMNS = (
    "id", "name", "value", "expected_executions", "labor_minutes_per_execution",
    "labor_cost_per_execution", "resource_use_cost_per_execution", "other_cost_per_execution",
    "cost_per_execution", "cost_per_instance", "labor_minutes_per_instance",
    "wait_minutes_per_execution", "share",
)
CHANGE_COLUMNS = (
    "id", "name", "status", "baseline_expected_executions", "candidate_expected_executions",
    "baseline_cost_per_instance", "candidate_cost_per_instance", "delta",
)


def _json_bytes(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()


def costing_csv(result: CostResult, *, user: User) -> bytes:
    """The costing of one variant, one row per activity, then a total row."""
    require(user, "audit")
    rows = [[getattr(a, c) for c in ACTIVITY_COLUMNS] for a in result.activities]
    total = {c: "" for c in ACTIVITY_COLUMNS}
    total.update(id="(total)", cost_per_instance=result.cost_per_instance, share=1.0,
                 labor_minutes_per_instance=result.labor_minutes_per_instance)
    rows.append([total[c] for c in ACTIVITY_COLUMNS])
    return csv_bytes(ACTIVITY_COLUMNS, rows)


def costing_json(result: CostResult, *, user: User) -> bytes:
    """The ``cost --json`` document of one variant."""
    require(user, "audit")
    return _json_bytes(result.as_dict())


def comparison_csv(comparison: Comparison, *, user: User) -> bytes:
    """The activity change table of a comparison, then a saving row."""
    require(user, "audit")
    rows = [[asdict(a)[c] for c in CHANGE_COLUMNS] for a in comparison.activities]
    rows.append(["(total)", "", "", "", "", comparison.baseline.cost_per_instance,
                 comparison.candidate.cost_per_instance, -comparison.saving_per_instance])
    return csv_bytes(CHANGE_COLUMNS, rows)


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
) -> bytes:
    """An auditor's report (``xlsx``, ``pdf``, ``csv`` zip or ``json``) with provenance."""
    require(user, "audit")
    inputs = build_report_inputs(model_path, baseline_path=baseline_path, user=user.id,
                                 change_log=change_log, library_dir=library_dir)
    return report_bytes(inputs, file_format)
