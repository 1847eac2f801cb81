"""Where a report's figures come from: the inputs, their digests, who made it and when.

Every report (Excel, PDF, CSV, JSON) carries the SHA-256 of each input
model file, the tool's version, the time, the user and the latest change-log
hash for each file. :class:`ReportInputs` gathers everything a report writer
needs, so that every format is built from the same figures.

The time lives in its own field (``generated_at``) so that the same inputs
give byte-identical CSV and JSON apart from it; set ``SOURCE_DATE_EPOCH``
(seconds since 1970, the reproducible-builds convention) or pass ``now`` to
fix it as well.

Examples
--------
>>> inputs = build_report_inputs("process_models/contract_approval/as_is.yaml",
...                              baseline_path=None, user="ivan", change_log=None,
...                              now=datetime(2026, 1, 1, tzinfo=UTC))
>>> inputs.provenance.generated_at, inputs.provenance.inputs[0].role
('2026-01-01T00:00:00Z', 'model')
>>> len(inputs.provenance.inputs[0].sha256)
64
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from abc_costing import __version__
from abc_costing.compare import Comparison, SavingSplit, compare_models
from abc_costing.engine import CostResult, cost_model
from abc_costing.formats import read_model
from abc_costing.formats.catalogue import catalogue_path_for
from abc_costing.model import ProcessModel
from abc_costing.problems import ModelError, Problem
from abc_costing.store.change_log import ChangeLog, LogHead, RecordedChange
from abc_costing.store.model_files import file_sha256, library_label

__all__ = ["InputFile", "Provenance", "ReportInputs", "build_report_inputs", "report_time"]


@dataclass(frozen=True)
class InputFile:
    """One model file a report was computed from.

    Attributes:
      role: ``model`` (the variant reported), ``baseline`` (compared against) or
        ``catalogue`` (the library's resource catalogue their pools come from).
      path: the file relative to the library folder (``contract_approval/as_is.yaml``);
        never a server path. ``report --verify`` finds it again there, or by its digest.
      sha256: digest of the file's bytes when the report was made.
      process, variant: what the file holds.
      change_log_file: the file's name in the change log (relative to the library).
      change_log_head: hash of the latest change-log entry for the file, if any.
    """

    role: str
    path: str
    sha256: str
    process: str
    variant: str
    change_log_file: str | None
    change_log_head: str | None


@dataclass(frozen=True)
class Provenance:
    """Who made a report, when, with which tool, from which inputs.

    Attributes:
      tool: ``abc-costing``.
      version: the tool's version.
      generated_at: UTC time, ISO 8601 (``2026-11-27T16:00:00Z``).
      user: who asked for it.
      inputs: the model files, model first.
      change_log_head: where the library's change log ended when the report was
        made (entry count, hash, signature under the library's key when one is
        configured): kept outside the log, it shows later whether the log was
        cut or rewritten since. None without a log.
    """

    tool: str
    version: str
    generated_at: str
    user: str
    inputs: tuple[InputFile, ...]
    change_log_head: LogHead | None = None

    def as_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report writer needs, computed once.

    Attributes:
      model, result: the variant reported and its costing.
      baseline, baseline_result, comparison: the baseline when one was given.
      provenance: see :class:`Provenance`.
      changes: change-log entries of the input files (oldest first).
      split: with a baseline, the saving per year as cash, freed capacity and price
        effects (the pools loaded by the library, as ``compare`` counts them); set by
        the reporting workflow, None without one or without a volume.
    """

    model: ProcessModel
    result: CostResult
    baseline: ProcessModel | None
    baseline_result: CostResult | None
    comparison: Comparison | None
    provenance: Provenance
    changes: tuple[RecordedChange, ...]
    split: SavingSplit | None = None


def report_time(now: datetime | None = None) -> str:
    """``now`` (default: ``SOURCE_DATE_EPOCH`` if set, else the clock) as ISO UTC."""
    if now is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
        now = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    return now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _load(path: Path) -> ProcessModel:
    model, problems = read_model(path)
    if model is None:
        raise ModelError(problems)
    return model


def build_report_inputs(
    model_path: str | Path,
    *,
    baseline_path: str | Path | None,
    user: str,
    change_log: ChangeLog | None,
    library_dir: str | Path | None = None,
    now: datetime | None = None,
    log_head: LogHead | None = None,
) -> ReportInputs:
    """Read, validate and cost the inputs of a report, and record their provenance.

    Raises :class:`~abc_costing.problems.ModelError` for an invalid or missing
    file and :class:`~abc_costing.compare.CompareError` when the baseline is
    of another process or currency. ``library_dir`` (default: the model's
    grandparent folder, as in ``process_models/<process>/<variant>.yaml``)
    names files as the change log does. ``log_head`` is the library's
    change-log head to record (see :meth:`~abc_costing.store.ModelLibrary.head`).
    """
    paths = [("model", Path(model_path))]
    if baseline_path is not None:
        paths.append(("baseline", Path(baseline_path)))
    for _, path in paths:
        if not path.is_file():
            raise ModelError([Problem("file not found", file=str(path))])
    model = _load(paths[0][1])
    baseline = _load(paths[1][1]) if baseline_path is not None else None
    comparison = compare_models(baseline, model) if baseline is not None else None
    result = comparison.candidate if comparison else cost_model(model)
    library = Path(library_dir) if library_dir is not None else paths[0][1].resolve().parent.parent

    inputs, changes = [], []
    for role, path in paths:
        held = model if role == "model" else baseline
        assert held is not None
        name = library_label(path, library)
        in_library = name != path.name or path.resolve().parent == library.resolve()
        entries = (change_log.entries(file=name)
                   if change_log is not None and in_library else [])
        changes.extend(entries)
        inputs.append(InputFile(role=role, path=name, sha256=file_sha256(path),
                                process=held.process, variant=held.variant,
                                change_log_file=name if in_library else None,
                                change_log_head=entries[-1].hash if entries else None))
    catalogue_file = catalogue_path_for(paths[0][1])
    if catalogue_file is not None and any(
            m is not None and m.catalogue is not None for m in (model, baseline)):
        # The pools' rates are inputs as much as the model files are.
        inputs.append(InputFile(role="catalogue", path=library_label(catalogue_file, library),
                                sha256=file_sha256(catalogue_file), process="", variant="",
                                change_log_file=None, change_log_head=None))
    provenance = Provenance(tool="abc-costing", version=__version__,
                            generated_at=report_time(now), user=user, inputs=tuple(inputs),
                            change_log_head=log_head)
    return ReportInputs(
        model=model,
        result=result,
        baseline=baseline,
        baseline_result=comparison.baseline if comparison else None,
        comparison=comparison,
        provenance=provenance,
        changes=tuple(sorted(changes, key=lambda e: e.seq)),
    )
