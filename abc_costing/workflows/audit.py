"""The audit trail as users see it: verify the change log, list it, export it.

Reading never creates a log: a library whose log is missing is told so,
never handed a fresh empty one that would verify as intact.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> missing = Path(tempfile.mkdtemp()) / "log.sqlite"
>>> str(verify_change_log(missing, label="log.sqlite").problems[0])
'log.sqlite: no change log here (file not found)'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from abc_costing.access import AccessDenied, User, require
from abc_costing.problems import Problem
from abc_costing.store import (
    ChainCheck,
    ChangeLog,
    ChangeLogError,
    RecordedChange,
    default_change_log_path,
)
from abc_costing.workflows.reporting import write_output

__all__ = ["LogEntries", "LogVerified", "change_log_csv", "change_log_entries",
           "change_log_path", "export_change_log", "verify_change_log"]


def change_log_path(library_dir: str | Path, db: str | Path | None = None) -> Path:
    """The change log of a library: ``db`` when given, else the library's own."""
    return Path(db) if db is not None else default_change_log_path(Path(library_dir))


def _open(path: Path, label: str | None) -> tuple[ChangeLog | None, tuple[Problem, ...]]:
    try:
        return ChangeLog(path, create=False), ()
    except ChangeLogError as error:
        return None, (_log_problem(error, path, label),)


def _log_problem(error: ChangeLogError, path: Path, label: str | None) -> Problem:
    """The error as a problem naming the log as the user knows it (``label``), not its path."""
    message = str(error)
    prefix = f"{path}: "
    return Problem(message[len(prefix):] if message.startswith(prefix) else message,
                   file=label or str(path))


@dataclass(frozen=True)
class LogVerified:
    """The verdict on a change log.

    Attributes:
      check: what the walk of the chain found (None when the log cannot be opened).
      problems: why it cannot be opened, or what is wrong with it.
    """

    check: ChainCheck | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """The log is there and intact."""
        return self.check is not None and self.check.ok and not self.problems


def verify_change_log(path: str | Path, *, label: str | None = None) -> LogVerified:
    """Check that no entry of the log was edited, deleted, reordered or cut off.

    ``label`` names the log in problems (default: ``path`` as given).
    """
    log, problems = _open(Path(path), label)
    if log is None:
        return LogVerified(None, problems)
    try:
        check = log.verify()
    except ChangeLogError as error:
        return LogVerified(None, (_log_problem(error, Path(path), label),))
    failed = () if check.ok else (Problem(f"change log FAILED verification: {check.message}",
                                          file=label or str(path)),)
    return LogVerified(check, failed)


@dataclass(frozen=True)
class LogEntries:
    """Entries of a change log, oldest first.

    Attributes:
      entries: the entries (of one file, when asked).
      problems: why the log cannot be read, when it cannot.
    """

    entries: tuple[RecordedChange, ...]
    problems: tuple[Problem, ...]


def change_log_entries(path: str | Path, *, file: str | None = None,
                       label: str | None = None) -> LogEntries:
    """The entries of a change log (only those of model file ``file``, when given)."""
    log, problems = _open(Path(path), label)
    if log is None:
        return LogEntries((), problems)
    try:
        return LogEntries(tuple(log.entries(file=file)), ())
    except ChangeLogError as error:
        return LogEntries((), (_log_problem(error, Path(path), label),))


def export_change_log(path: str | Path, output: str | Path, *, file: str | None = None,
                      label: str | None = None) -> LogEntries:
    """Write the entries as CSV that Excel opens and cannot run (UTF-8 with BOM)."""
    log, problems = _open(Path(path), label)
    if log is None:
        return LogEntries((), problems)
    try:
        entries = log.entries(file=file)
        data = log.to_csv_bytes(entries)
    except ChangeLogError as error:
        return LogEntries((), (_log_problem(error, Path(path), label),))
    return LogEntries(tuple(entries), write_output(output, data))


def change_log_csv(path: str | Path, *, user: User, file: str | None = None,
                   label: str | None = None) -> tuple[bytes | None, tuple[Problem, ...]]:
    """The entries as CSV bytes for a download; exporting the log is an auditor's right."""
    try:
        require(user, "audit")
    except AccessDenied as error:
        return None, (Problem(str(error)),)
    log, problems = _open(Path(path), label)
    if log is None:
        return None, problems
    try:
        return log.to_csv_bytes(log.entries(file=file)), ()
    except ChangeLogError as error:
        return None, (_log_problem(error, Path(path), label),)
