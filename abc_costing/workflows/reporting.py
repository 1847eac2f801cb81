"""Reports for auditors, and every file a user asks us to write.

A report (Excel with live formulas, PDF, a zip of CSV tables, JSON) names
its model files relative to the library with their SHA-256, so an auditor
can verify it anywhere with copies of the same files. Every output file goes
through :func:`write_output`: written whole or not at all, only as a regular
file (a link, a device or a folder is refused), with a format that matches
its name.

Examples
--------
>>> report_format_for("audit.pdf", None)
('pdf', ())
>>> report_format_for("audit.pdf", "xlsx")[1][0].message
"--format xlsx writes an Excel workbook, but 'audit.pdf' is named .pdf: name it .xlsx \
or leave --format out"
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from abc_costing.access import AccessDenied, User, require
from abc_costing.compare import CompareError
from abc_costing.i18n import N_, Language
from abc_costing.problems import ModelError, Problem
from abc_costing.reports.provenance import ReportInputs, build_report_inputs
from abc_costing.reports.report_files import (
    ReportCheck,
    ReportError,
    report_bytes,
    verify_report,
)
from abc_costing.store import (
    ChangeLog,
    ChangeLogError,
    LogHead,
    ModelLibrary,
    UnsafeTargetError,
    check_regular_target,
    default_change_log_path,
    write_atomic,
)
from abc_costing.workflows.costing import library_split
from abc_costing.workflows.library import error_message

__all__ = [
    "REPORT_FORMATS",
    "BuiltReport",
    "VerifiedReport",
    "build_report",
    "report_format_for",
    "verify_report_file",
    "write_output",
]

#: Report formats and the file extension each is written under.
REPORT_FORMATS = {"xlsx": ".xlsx", "pdf": ".pdf", "csv": ".zip", "json": ".json"}
_FORMAT_NAMES = {"xlsx": "an Excel workbook", "pdf": "a PDF", "csv": "a zip of CSV tables",
                 "json": "a JSON document"}


def report_format_for(output: str | Path, file_format: str | None
                      ) -> tuple[str | None, tuple[Problem, ...]]:
    """The report format for ``output``: the one asked for, or the one its name says.

    A format that contradicts the file's extension is refused rather than
    written under a misleading name.
    """
    suffix = Path(output).suffix.lower()
    by_suffix = next((f for f, s in REPORT_FORMATS.items() if s == suffix), None)
    if file_format is None:
        if by_suffix is None:
            known = ", ".join(REPORT_FORMATS.values())
            return None, (Problem(N_("cannot tell the report format from {name!r}: name it "
                                     "{known}, or give --format", name=Path(output).name,
                                     known=known), element="format"),)
        return by_suffix, ()
    if file_format not in REPORT_FORMATS:
        return None, (Problem(N_("unknown report format {file_format!r}; use one of "
                                 "{formats}", file_format=file_format,
                                 formats=', '.join(REPORT_FORMATS)), element="format"),)
    if by_suffix != file_format:
        named = f"named {suffix}" if suffix else "without an extension"
        return None, (Problem(N_("--format {file_format} writes {writes}, but {name!r} "
                                 "is {named}: name it {formats} or leave --format out",
                                 file_format=file_format, writes=_FORMAT_NAMES[file_format],
                                 name=Path(output).name, named=named,
                                 formats=REPORT_FORMATS[file_format]),
                              element="format"),)
    return file_format, ()


def write_output(path: str | Path, data: bytes) -> tuple[Problem, ...]:
    """Write ``data`` to ``path`` whole (temp file, fsync, rename), or say why not.

    Only regular files are written: an existing symbolic link, device, FIFO,
    socket or folder at ``path`` is refused and left as it is.
    """
    path = Path(path)
    try:
        check_regular_target(path)
        if not path.parent.is_dir():
            return (Problem(N_("folder {parent} does not exist", parent=path.parent),
                            file=str(path)),)
        write_atomic(path, data)
    except OSError as error:  # UnsafeTargetError too: its strerror says what the target is
        return (Problem(f"cannot write: {error.strerror or error}"
                        if not isinstance(error, UnsafeTargetError) else str(error.strerror),
                        file=str(path)),)
    return ()


@dataclass(frozen=True)
class BuiltReport:
    """A report made in memory.

    Attributes:
      data: the report's bytes (None when it could not be made).
      file_format: ``xlsx``, ``pdf``, ``csv`` (a zip) or ``json``.
      inputs: what it was computed from, with provenance.
      problems: why it could not be made, when it could not.
    """

    data: bytes | None
    file_format: str
    inputs: ReportInputs | None
    problems: tuple[Problem, ...]


def _change_log(library_dir: Path
                ) -> tuple[ChangeLog | None, LogHead | None, tuple[Problem, ...]]:
    """The library's change log and where it ends (signed when a key is configured)."""
    path = default_change_log_path(library_dir)
    if not path.exists():
        return None, None, ()
    try:
        return (ChangeLog(path, create=False), ModelLibrary(library_dir, change_log=path).head(),
                ())
    except ChangeLogError as error:
        return None, None, (Problem(error_message(error), element="change log"),)


def build_report(model_path: str | Path, *, baseline_path: str | Path | None,
                 file_format: str, user: User, library_dir: str | Path,
                 language: Language = "en") -> BuiltReport:
    """An auditor's report of ``model_path`` (compared with ``baseline_path``), in memory.

    The PDF and the workbook are in ``language``; JSON and CSV keep machine names.

    Auditing is a right: a user without it gets a problem, not a report.
    """
    library_dir = Path(library_dir)
    try:
        require(user, "audit")
    except AccessDenied as error:
        return BuiltReport(None, file_format, None, (Problem(error_message(error)),))
    log, head, problems = _change_log(library_dir)
    if problems:
        return BuiltReport(None, file_format, None, problems)
    try:
        inputs = build_report_inputs(model_path, baseline_path=baseline_path, user=user.id,
                                     change_log=log, library_dir=library_dir, log_head=head)
        if inputs.comparison is not None and inputs.baseline is not None:
            assert baseline_path is not None
            # The split compare shows, with the same library's load on the pools.
            split, _ = library_split(inputs.comparison, inputs.baseline, inputs.model,
                                     baseline_path=baseline_path)
            inputs = replace(inputs, split=split)
        return BuiltReport(report_bytes(inputs, file_format, language=language), file_format,
                           inputs, ())
    except ModelError as error:
        return BuiltReport(None, file_format, None, tuple(error.problems))
    except (CompareError, ReportError) as error:
        return BuiltReport(None, file_format, None, (Problem(error_message(error)),))


@dataclass(frozen=True)
class VerifiedReport:
    """Whether a report still matches the model files it names.

    Attributes:
      check: each finding and the verdict (None when the report cannot be read).
      problems: why the report cannot be read, when it cannot.
    """

    check: ReportCheck | None
    problems: tuple[Problem, ...]


def verify_report_file(path: str | Path, *, library_dir: str | Path) -> VerifiedReport:
    """Recompute a report from its model files, found in the library or beside the report.

    The change-log head the report recorded must still be in the library's
    log: a log cut off or rewritten after the report is named.
    """
    library = ModelLibrary(library_dir)

    def head_check(recorded: LogHead) -> str | None:
        finding = library.check_head(recorded)
        return None if finding is None else finding.message

    try:
        return VerifiedReport(verify_report(path, library_dir=library_dir,
                                            head_check=head_check), ())
    except ReportError as error:
        return VerifiedReport(None, (Problem(error_message(error)),))
    except ModelError as error:
        return VerifiedReport(None, tuple(error.problems))
