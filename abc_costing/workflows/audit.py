"""The audit trail as users see it: verify the change log, list it, export it.

Reading never creates a log: a library whose log is missing is told so,
never handed a fresh empty one that would verify as intact.

Examples
--------
>>> import shutil, tempfile
>>> from pathlib import Path
>>> library = Path(tempfile.mkdtemp()) / "process_models"
>>> _ = shutil.copytree("process_models/zhkh_leads", library / "zhkh_leads")
>>> verified = verify_change_log(library, db=library.parent / "log.sqlite")
>>> verified.ok, [p.severity for p in verified.problems]  # no log yet: nothing changed
(True, ['warning'])
>>> (library.parent / "log.sqlite").exists()
False
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from abc_costing.access import AccessDenied, User, require
from abc_costing.i18n import N_
from abc_costing.problems import AbcCostingError, Problem
from abc_costing.store import (
    ChangeLog,
    ChangeLogError,
    ModelLibrary,
    RecordedChange,
    default_change_log_path,
)
from abc_costing.workflows.library import error_message
from abc_costing.workflows.reporting import write_output

__all__ = ["LogEntries", "LogVerified", "accept_outside_change", "change_log_csv",
           "change_log_entries", "change_log_path", "export_change_log", "reanchor_library",
           "verify_change_log"]


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
    """The verdict on a change log (and, when given, the library it records).

    Attributes:
      ok: nothing found is an error.
      entries: how many entries the log holds (None without a log).
      head_hash: the hash of its last entry (None when it is empty or missing).
      problems: every finding as a problem (errors fail the verification,
        warnings do not), or why it could not run.
    """

    ok: bool
    entries: int | None
    head_hash: str | None
    problems: tuple[Problem, ...]


def verify_change_log(library_dir: str | Path | None, *, db: str | Path | None = None,
                      label: str | None = None) -> LogVerified:
    """Check the change log and the library against each other.

    With a library, names each fault (see :meth:`~abc_costing.store.ModelLibrary.verify`):
    an entry altered, missing or out of order; the newest entries cut off; the
    log emptied, deleted or rewritten; the anchor deleted or forged; a model
    file changed, added or deleted outside abc-costing. With only ``db``, checks
    that log's chain alone. ``label`` names the log in problems (default: its path).
    """
    if library_dir is None:
        if db is None:
            raise TypeError("give the library, the change log, or both")
        log, problems = _open(Path(db), label)
        if log is None:
            return LogVerified(False, None, None, problems)
        chain = log.verify()
        failed = () if chain.ok else (Problem(N_("change log FAILED verification: {message}",
                                                 message=chain.message), file=label or str(db)),)
        return LogVerified(chain.ok, chain.entries, chain.head_hash, failed)
    path = change_log_path(library_dir, db)
    try:
        check = ModelLibrary(library_dir, change_log=path).verify()
    except ChangeLogError as error:
        return LogVerified(False, None, None, (_log_problem(error, path, label),))
    head = check.head
    return LogVerified(check.ok, None if head is None else head.entries,
                       None if head is None else head.head_hash,
                       tuple(f.as_problem() for f in check.findings))


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
        return None, (Problem(error_message(error)),)
    log, problems = _open(Path(path), label)
    if log is None:
        return None, problems
    try:
        return log.to_csv_bytes(log.entries(file=file)), ()
    except ChangeLogError as error:
        return None, (_log_problem(error, Path(path), label),)


def accept_outside_change(library_dir: str | Path, model_file: str | Path, *, user: User,
                          reason: str | None, db: str | Path | None = None
                          ) -> tuple[RecordedChange | None, tuple[Problem, ...]]:
    """Log a model file's current state as a change made outside abc-costing (by hand).

    After it the verification no longer reports the file as changed outside;
    the entry names the user and the reason. An analyst's act.
    """
    library = ModelLibrary(library_dir, change_log=change_log_path(library_dir, db))
    try:
        name = library.relative_name(Path(model_file).absolute()
                                     if Path(model_file).exists() else model_file)
        saved = library.record_outside_change(name, user=user, reason=reason or None)
    except (AbcCostingError, ValueError) as error:
        return None, (Problem(error_message(error)),)
    return saved.changes[-1], ()


def reanchor_library(library_dir: str | Path, *, user: User, reason: str,
                     db: str | Path | None = None) -> LogVerified:
    """Start the library's anchor afresh from its log, recording who and why (an auditor's act).

    The only way forward after a lost log or anchor, or when a signing key is
    introduced or changed: the entry keeps what did not match on the record.
    """
    library = ModelLibrary(library_dir, change_log=change_log_path(library_dir, db))
    try:
        check = library.reanchor(user=user, reason=reason)
    except (AbcCostingError, ValueError) as error:
        return LogVerified(False, None, None, (Problem(error_message(error)),))
    head = check.head
    return LogVerified(check.ok, None if head is None else head.entries,
                       None if head is None else head.head_hash,
                       tuple(f.as_problem() for f in check.findings))
