"""The model library: each model file written together with its change-log entry, or not at all.

Every write of a model file in a library (a saved edit, a new variant, an
import, a mined or converted model written into the library, the overwrite
of an existing model) goes through :meth:`ModelLibrary.write_model`, and
every write of the library's resource catalogue (``resources.yaml``) through
:meth:`ModelLibrary.write_catalogue`. Under one lock that covers the
library's files and its change log, it

1. finishes or discards a save that a crash interrupted (see *Recovery*);
2. checks that the log still matches the library's anchor (below) and
   refuses to extend a log that does not;
3. checks the file on disk is the one the caller loaded;
4. records in a journal which file is about to change to which digest;
5. writes the new text to a pending file beside the target and flushes it;
6. appends the change-log entries (they carry the new file's SHA-256) in one
   SQLite transaction;
7. renames the pending file over the target, then moves the anchor on and
   removes the journal.

*Recovery.* A crash (``kill -9``, power cut) before step 6 commits leaves a
journal whose entries are not in the log: the pending file is discarded and
the file keeps its old text. A crash after step 6 leaves entries that name
the pending file's digest: the pending file is renamed over the target (rolled
forward). Either way the file ends equal to its last logged digest. Recovery
runs under the lock at the start of every write, in :meth:`ModelLibrary.verify`
and when a :class:`ModelLibrary` is opened while a journal exists.

*The anchor.* ``.abc-costing-anchor.json`` in the library folder records where
the log ended after the last save (entry count, last hash, first hash) and
each model file's digest, so that a log cut back, emptied, deleted or
rewritten is found even when its own head record was moved with it. The log
records which libraries keep an anchor, so a deleted anchor is found too.
With a signing key (``ABC_COSTING_LOG_KEY``, or a file named by
``ABC_COSTING_LOG_KEY_FILE``; kept outside the log and the library) the
anchor and every :class:`~abc_costing.store.change_log.LogHead` handed out for
reports carry an HMAC-SHA256, so a chain rewritten together with its anchor
is found as well. One change log serves one library.

Files are named relative to the library in every message (``p/v.yaml``),
never by their path on the server.

Examples
--------
>>> import tempfile, pathlib, shutil
>>> from abc_costing.access import local_user
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> (root / "models").mkdir()
>>> _ = shutil.copy("process_models/resources.yaml", root / "models")  # the pools' catalogue
>>> library = ModelLibrary(root / "models", change_log=root / "log.sqlite")
>>> text = pathlib.Path("process_models/contract_approval/as_is.yaml").read_text("utf-8")
>>> saved = library.write_model("contract_approval/as_is.yaml", text, user=local_user("ivan"),
...                             expected_sha256=None,
...                             changes=[Change.whole_file("imported from as_is.bpmn")])
>>> saved.file, [(e.seq, e.element, e.new_value) for e in saved.changes]
('contract_approval/as_is.yaml', [(1, '(file)', 'imported from as_is.bpmn')])
>>> check = library.verify()
>>> check.ok, check.head.entries, check.head.head_hash == saved.changes[-1].hash
(True, 1, True)
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from abc_costing.access import User, require
from abc_costing.formats import model_files, parse_model_text
from abc_costing.formats.catalogue import (
    CATALOGUE_NAME,
    LoadedCatalogue,
    catalogue_beside,
    parse_catalogue_text,
)
from abc_costing.i18n import N_, Message
from abc_costing.numbers import Figure
from abc_costing.problems import AbcCostingError, ModelError, Problem, has_errors
from abc_costing.store.change_log import (
    CHANGE_LOG_ENV,
    DEFAULT_CHANGE_LOG,
    ChangeEntry,
    ChangeLog,
    ChangeLogError,
    LogHead,
    RecordedChange,
    default_change_log_path,
)
from abc_costing.store.model_files import (
    ModelExistsError,
    StaleFileError,
    check_regular_target,
    current_state,
    file_sha256,
    fsync_folder,
    write_durably,
)

__all__ = [
    "ANCHOR_NAME",
    "KEY_ENV",
    "CatalogueBreaksModelsError",
    "KEY_FILE_ENV",
    "Change",
    "FileWrite",
    "Finding",
    "LibraryBusyError",
    "LibraryCheck",
    "LogTamperedError",
    "ModelLibrary",
    "ModelWriteError",
    "NotInLibraryError",
    "SavedModel",
    "signing_key_from_environment",
]

#: The anchor file, in the library folder (hidden: the library loader skips it).
ANCHOR_NAME = ".abc-costing-anchor.json"
ANCHOR_FORMAT = "abc-costing-anchor/1"
JOURNAL_FORMAT = "abc-costing-journal/1"
#: Environment variable holding the signing key itself (text).
KEY_ENV = "ABC_COSTING_LOG_KEY"
#: Environment variable naming a file that holds the signing key.
KEY_FILE_ENV = "ABC_COSTING_LOG_KEY_FILE"
PENDING_SUFFIX = ".abc-pending"
#: The pseudo-file of library-level entries (re-anchoring).
LIBRARY_ENTRY_FILE = "(library)"
MODEL_SUFFIXES = (".yaml", ".yml")

FindingKind = Literal[
    "chain",               # the log's own chain or head record is broken
    "log_missing",         # the anchor names a log that is not there
    "log_emptied",         # the log is empty, the anchor names entries
    "tail_cut",            # the newest entries are gone
    "rewritten",           # the log's entries are not the ones anchored
    "unanchored_entries",  # entries added around the write path
    "anchor_missing",      # the log says the library was anchored; no anchor file
    "log_shared",          # the log serves another library; this one has no anchor in it
    "anchor_unreadable",   # the anchor file is not an anchor
    "signature",           # the anchor's signature is missing or wrong
    "not_anchored",        # (warning) a log from before anchoring; the next save anchors it
    "no_log",              # (warning) nothing was ever saved through abc-costing
    "changed_outside",     # a model file's digest is not its last logged one
    "not_logged",          # a model file the log and the anchor do not know
    "deleted_outside",     # a logged model file is gone
    "anchor_disagrees",    # the anchor and the log give a file different digests
    "interrupted",         # an interrupted save could not be completed yet
    "report_head",         # a report's recorded head is not in the log any more
]


class LibraryBusyError(ChangeLogError):
    """Another save held the library's lock for longer than the timeout; nothing was written."""


class LogTamperedError(ChangeLogError):
    """The change log does not match the library's anchor, so nothing was written.

    Attributes:
      findings: what does not match (:class:`Finding` records).
    """

    def __init__(self, findings: Sequence[Finding]):
        self.findings = tuple(findings)
        # a log shared with another library needs a log of this library's own (the
        # finding says how), not an auditor
        found = "; ".join(str(f) for f in self.findings)
        super().__init__(
            N_("the change log does not match the library, so nothing was saved: {found}",
               found=found) if all(f.kind == "log_shared" for f in self.findings) else
            N_("the change log does not match the library, so nothing was saved: {found} (an "
               "auditor should run `abc-costing log verify`)", found=found))


class CatalogueBreaksModelsError(ModelError):
    """A catalogue edit would leave models of the library unreadable; nothing was written.

    ``problems`` name each model file that breaks and why (a pool it uses is
    gone, its kind changed, an override no longer fits).
    """


class _LockUnavailable(ChangeLogError):
    """The lock file cannot be created (a reader without write access)."""


class NotInLibraryError(AbcCostingError, ValueError):
    """A path that is not a model file of the library (outside it, hidden, not ``.yaml``)."""


class ModelWriteError(AbcCostingError, OSError):
    """The operating system refused a write (disk full, no permission, ...).

    The message names the file relative to the library and says whether
    anything was saved.

    Attributes:
      interrupted: True when the save was logged but its files are not all in
        place yet (it is completed on the next opening, save or verification
        of the library); False when nothing was saved.
    """

    def __init__(self, message: str, *, interrupted: bool = False) -> None:
        super().__init__(message)
        self.interrupted = interrupted

    def __str__(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


@dataclass(frozen=True)
class Change:
    """One value a save changes, for the change log.

    Attributes:
      element: the element id (``draft``, ``lawyer``, ``flows[4]``), or
        ``(file)`` for an event of the whole file.
      field: the field within it (``labor.manager``), or ``(file)``.
      old_value, new_value: the values as text; ``None`` when absent.

    >>> Change.whole_file("imported from crm.csv")
    Change(element='(file)', field='(file)', old_value=None, new_value='imported from crm.csv')
    """

    element: str
    field: str
    old_value: str | None
    new_value: str | None

    @classmethod
    def whole_file(cls, description: str, *, old_value: str | None = None) -> Change:
        """An event of the whole file: created, imported, replaced."""
        return cls("(file)", "(file)", old_value, description)


@dataclass(frozen=True)
class FileWrite:
    """One file of a :meth:`ModelLibrary.write_files` write.

    Attributes:
      file: the model file's name relative to the library (``p/v.yaml``), or
        ``resources.yaml`` for the library's catalogue.
      text: its new text.
      expected_sha256: its digest as the caller read it; ``None`` for a new file.
      changes: what to log for it (at least one).
    """

    file: str
    text: str
    expected_sha256: str | None
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class _Target:
    """A file a commit replaces: its name, path, new bytes (None: logged only) and digest."""

    name: str
    path: Path
    data: bytes | None
    sha256: str | None


@dataclass(frozen=True)
class SavedModel:
    """What a save wrote.

    Attributes:
      path: the model file on disk.
      file: its name relative to the library (``p/v.yaml``), as the log has it.
      sha256: its digest after the save (load it as the new baseline for edits).
      text: its text after the save.
      changes: the change-log entries recorded, in order (an entry noting a
        change made outside abc-costing first, when one was found).
    """

    path: Path
    file: str
    sha256: str
    text: str
    changes: tuple[RecordedChange, ...]


@dataclass(frozen=True)
class Finding:
    """One thing :meth:`ModelLibrary.verify` found wrong (or doubtful).

    Attributes:
      kind: what kind of fault (see ``FindingKind``).
      message: what was found, in plain words, naming files relative to the library.
      file: the model file concerned (relative), when it is one file's.
      seq: the first log entry concerned, when known.
      severity: ``error`` fails the verification; ``warning`` does not.

    >>> str(Finding("changed_outside", "changed outside abc-costing", file="p/v.yaml"))
    'p/v.yaml: changed outside abc-costing'
    """

    kind: FindingKind
    message: str
    file: str | None = None
    seq: int | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file else self.message

    def as_problem(self) -> Problem:
        """The finding as a :class:`~abc_costing.problems.Problem`, for problem lists."""
        return Problem(self.message, file=self.file, severity=self.severity)


@dataclass(frozen=True)
class LibraryCheck:
    """The result of :meth:`ModelLibrary.verify`.

    Attributes:
      ok: no finding is an error.
      findings: everything found, errors and warnings.
      head: where the log ends (signed when a key is configured); ``None``
        without a log.
      recovered: what recovery did first (``None``: nothing was interrupted).
    """

    ok: bool
    findings: tuple[Finding, ...]
    head: LogHead | None
    recovered: str | None = None


def signing_key_from_environment() -> bytes | None:
    """The signing key: ``$ABC_COSTING_LOG_KEY``, or the file ``$ABC_COSTING_LOG_KEY_FILE`` names.

    Raises :class:`ChangeLogError` when the key file cannot be read or is empty.

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {KEY_ENV: "секрет", KEY_FILE_ENV: ""}):
    ...     signing_key_from_environment() == "секрет".encode()
    True
    """
    text = os.environ.get(KEY_ENV, "")
    if text.strip():
        return text.strip().encode("utf-8")
    path = os.environ.get(KEY_FILE_ENV, "").strip()
    if not path:
        return None
    try:
        key = Path(path).expanduser().read_bytes().strip()
    except OSError as error:
        raise ChangeLogError(N_("the signing key file named by {variable} cannot be read: "
                                "{reason}", variable=KEY_FILE_ENV,
                                reason=error.strerror or error)) from error
    if not key:
        raise ChangeLogError(N_("the signing key file named by {variable} is empty",
                                variable=KEY_FILE_ENV))
    return key


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- the anchor ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Anchor:
    library_id: str
    log_entries: int
    log_head: str
    log_first: str
    files: dict[str, str] = field(default_factory=dict)
    signature: str | None = None

    def body(self) -> dict[str, Any]:
        return {"format": ANCHOR_FORMAT, "library_id": self.library_id,
                "log_entries": self.log_entries, "log_head": self.log_head,
                "log_first": self.log_first, "files": dict(sorted(self.files.items()))}

    def signed(self, key: bytes | None) -> _Anchor:
        signature = None if key is None else _mac(key, _canonical(self.body()))
        return dataclasses.replace(self, signature=signature)

    def to_bytes(self) -> bytes:
        return (json.dumps({**self.body(), "signature": self.signature}, indent=1,
                           ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> _Anchor:
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict) or raw.get("format") != ANCHOR_FORMAT:
            raise ValueError(f"not an {ANCHOR_FORMAT} file")
        files = raw.get("files")
        if not (isinstance(raw.get("library_id"), str) and isinstance(raw.get("log_entries"), int)
                and isinstance(raw.get("log_head"), str) and isinstance(raw.get("log_first"), str)
                and isinstance(files, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
                and isinstance(raw.get("signature"), str | None)):
            raise ValueError("a field is missing or of the wrong type")
        return cls(raw["library_id"], raw["log_entries"], raw["log_head"], raw["log_first"],
                   dict(files), raw["signature"])


# --- the library -----------------------------------------------------------------------


class ModelLibrary:
    """A folder of model files with its change log: the only way a model file in it changes.

    Parameters
    ----------
    directory
        The library folder (``process_models``).
    change_log
        The change log: a path, an open :class:`ChangeLog`, or ``None`` for
        :func:`~abc_costing.store.change_log.default_change_log_path`.
        Opening the library creates nothing; the first save creates the log.
    signing_key
        Key for the anchor's HMAC; ``None`` reads
        :func:`signing_key_from_environment`; ``b""`` means no key.
    lock_timeout_s
        How long a save waits for another save to finish before
        :class:`LibraryBusyError`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> library = ModelLibrary(root / "models", change_log=root / "log.sqlite")
    >>> library.relative_name(root / "models" / "p" / "v.yaml")
    'p/v.yaml'
    >>> library.relative_name("../v.yaml")
    Traceback (most recent call last):
    ...
    abc_costing.store.library.NotInLibraryError: ../v.yaml: not a model file of the library \
(a file name like process/variant.yaml inside it)
    """

    def __init__(self, directory: str | Path, *, change_log: ChangeLog | str | Path | None = None,
                 signing_key: bytes | None = None, lock_timeout_s: float = 10.0) -> None:
        self.directory = Path(directory).resolve()
        if isinstance(change_log, ChangeLog):
            self.change_log_path = change_log.path
            self._busy_timeout_s = change_log.busy_timeout_s
        else:
            self.change_log_path = Path(change_log if change_log is not None
                                        else default_change_log_path(self.directory))
            self._busy_timeout_s = 10.0
        self._key = signing_key_from_environment() if signing_key is None else (
            signing_key or None)
        self.lock_timeout_s = lock_timeout_s
        self.anchor_path = self.directory / ANCHOR_NAME
        self._lock_path = self.change_log_path.with_name(self.change_log_path.name + ".lock")
        self._journal_path = self.change_log_path.with_name(
            self.change_log_path.name + ".journal")
        if self._journal_path.exists():
            # A crash left a save half-done: finish or discard it now. A reader
            # without write access leaves it to the next writer (verify reports it).
            with contextlib.suppress(_LockUnavailable, OSError), self._locked():
                self._recover()

    def __repr__(self) -> str:
        return f"ModelLibrary({str(self.directory)!r})"

    # --- names --------------------------------------------------------------------------

    def relative_name(self, file: str | Path) -> str:
        """The model file's name relative to the library, as the log and messages give it.

        ``file`` is that name already (``p/v.yaml``, always relative to the
        library) or an absolute path inside the library (a front end resolves
        what a user typed: ``Path(typed).absolute()``). Raises
        :class:`NotInLibraryError`.
        """
        given = str(file)
        candidate = Path(file)
        if candidate.is_absolute():
            try:
                candidate = (candidate.parent.resolve() / candidate.name).relative_to(
                    self.directory)
            except ValueError:
                raise NotInLibraryError(self._not_a_model(given)) from None
        parts = PurePosixPath(candidate.as_posix()).parts
        if (not parts or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
                or not parts[-1].endswith(MODEL_SUFFIXES) or parts[-1] in MODEL_SUFFIXES):
            raise NotInLibraryError(self._not_a_model(given))
        return "/".join(parts)

    @staticmethod
    def _not_a_model(given: str) -> Message:
        name = Path(given).name if Path(given).is_absolute() else given
        return N_("{name}: not a model file of the library (a file name like "
                  "process/variant.yaml inside it)", name=name)

    def contains(self, path: str | Path) -> bool:
        """Whether ``path`` (on disk) is a model file of this library.

        >>> import tempfile, pathlib
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> library = ModelLibrary(root / "models", change_log=root / "log.sqlite")
        >>> library.contains(root / "models" / "p" / "v.yaml"), library.contains(root / "v.yaml")
        (True, False)
        """
        try:
            self.relative_name(Path(path).absolute())
        except NotInLibraryError:
            return False
        return True

    def _locate(self, file: str | Path) -> tuple[str, Path]:
        name = self.relative_name(file)
        path = self.directory / name
        parent = path.parent
        while not parent.exists() and parent != self.directory:
            parent = parent.parent
        if parent.exists() and not parent.resolve().is_relative_to(self.directory):
            raise NotInLibraryError(N_("{name}: its folder leads out of the library", name=name))
        return name, path

    # --- the lock and the journal -------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One save at a time per library, across threads and processes (``flock``)."""
        try:
            self._lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise _LockUnavailable(f"the change log's lock cannot be created: "
                                   f"{error.strerror or error}") from error
        try:
            deadline = time.monotonic() + self.lock_timeout_s
            pause = 0.001
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LibraryBusyError(
                            N_("the library is busy: another save kept it locked for "
                               "{lock_timeout_s} s; nothing was saved, try again",
                               lock_timeout_s=Figure.as_written(self.lock_timeout_s))
                        ) from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.05)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _write_small_file(self, path: Path, data: bytes) -> None:
        """Replace a small bookkeeping file atomically; its temp name is fixed (no litter)."""
        tmp = path.with_name(path.name + ".tmp")
        write_durably(tmp, data)
        os.replace(tmp, path)
        fsync_folder(path.parent)

    def _read_journal(self) -> dict[str, Any] | None:
        try:
            data = self._journal_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            journal = json.loads(data.decode("utf-8"))
            if not isinstance(journal, dict) or journal.get("format") != JOURNAL_FORMAT:
                raise ValueError("not a journal")
            return journal
        except (UnicodeDecodeError, ValueError) as error:
            raise ChangeLogError(N_("the journal of an interrupted save is unreadable "
                                    "({error}); an administrator must look at it before saving",
                                    error=error)) from error

    def _recover(self) -> str | None:
        """Finish or discard an interrupted save; say which (``None``: nothing to do)."""
        for leftover in (self._journal_path.with_name(self._journal_path.name + ".tmp"),
                         self.anchor_path.with_name(ANCHOR_NAME + ".tmp")):
            leftover.unlink(missing_ok=True)
        journal = self._read_journal()
        if journal is None:
            return None
        library = Path(journal["library"])
        # A save of several files (a migration) lists them all; a save of one, just it.
        targets = journal.get("files") or [
            {"file": journal["file"], "sha256": journal["sha256"], "pending": journal["pending"]}]
        name = ", ".join(t["file"] for t in targets)
        committed = self._committed(journal)
        for target in targets:
            path = library / target["file"]
            pending = _pending_path(path) if target["pending"] else None
            if pending is None or not pending.exists():
                continue
            if committed and file_sha256(pending) == target["sha256"]:
                os.replace(pending, path)
            else:  # not logged; or, after the log committed, cannot happen (flushed first)
                pending.unlink()
            fsync_folder(pending.parent)
        if committed:
            self._move_anchor(journal, library)
            outcome = f"completed the interrupted save of {name} (it was logged)"
        else:
            outcome = f"discarded the interrupted save of {name} (it was not logged)"
        self._journal_path.unlink()
        fsync_folder(self._journal_path.parent)
        return outcome

    def _committed(self, journal: dict[str, Any]) -> bool:
        if not self.change_log_path.exists():
            return False
        log = self._log(create=False)
        base, count = journal["base_entries"], journal["entry_count"]
        if base and log.hash_at(base) != journal["base_head"]:
            return False
        last = log.entry(base + count)
        return (last is not None and last.file == journal["file"]
                and last.file_sha256_after == journal["sha256"])

    def _move_anchor(self, journal: dict[str, Any], library: Path) -> None:
        log = self._log(create=False)
        entries = journal["base_entries"] + journal["entry_count"]
        anchor = _Anchor(journal["library_id"], entries, log.hash_at(entries) or "",
                         log.hash_at(1) or "", dict(journal["anchor_files"]))
        data = anchor.signed(self._key).to_bytes()
        self._write_small_file(library / ANCHOR_NAME, data)

    # --- the log and the anchor ---------------------------------------------------------

    def _log(self, *, create: bool) -> ChangeLog:
        return ChangeLog(self.change_log_path, create=create, busy_timeout_s=self._busy_timeout_s,
                         name=self._log_name())

    def _log_name(self) -> str:
        """The log as messages name it: beside the library, or just its file name."""
        try:
            return self.change_log_path.resolve().relative_to(self.directory.parent).as_posix()
        except ValueError:
            return self.change_log_path.name

    def _read_anchor(self) -> tuple[_Anchor | None, Finding | None]:
        try:
            data = self.anchor_path.read_bytes()
        except FileNotFoundError:
            return None, None
        try:
            return _Anchor.from_bytes(data), None
        except (UnicodeDecodeError, ValueError) as error:
            return None, Finding("anchor_unreadable", f"the library's anchor ({ANCHOR_NAME}) "
                                 f"is not a valid anchor ({error})")

    def _anchor_findings(self, anchor: _Anchor | None, unreadable: Finding | None,
                         log: ChangeLog | None) -> list[Finding]:
        """How the log stands against the anchor (cheap: a few queries, no chain walk)."""
        if unreadable is not None:
            return [unreadable]
        if anchor is None:
            if log is None:
                return [Finding("no_log", "no change log yet: nothing has been saved through "
                                "abc-costing in this library", severity="warning")]
            anchored = log.anchored_libraries()
            sharing = self._libraries_anchored_in(set(anchored))
            if sharing:
                return [Finding("log_shared", f"the change log {self._log_name()} serves "
                                f"another library ({', '.join(sharing)}), and one change log "
                                f"serves one library: this library has no anchor in it. Give "
                                f"this library a log of its own: set {CHANGE_LOG_ENV} to a new "
                                f"file, or move the library into a folder of its own (its log is "
                                f"then that folder's {DEFAULT_CHANGE_LOG})")]
            if anchored:
                first = min(anchored.values())
                return [Finding("anchor_missing", f"the library's anchor ({ANCHOR_NAME}) is "
                                f"missing, but the change log says the library was anchored at "
                                f"entry {first}: the anchor was deleted", seq=first)]
            if log.head().entries:
                return [Finding("not_anchored", "the change log is not anchored in the library "
                                "yet (it predates anchoring); the next save anchors it",
                                severity="warning")]
            return []
        findings = self._signature_findings(anchor)
        head = f"head {anchor.log_head[:12]}"
        recorded = f"the library's anchor records {anchor.log_entries} entries ({head})"
        if log is None:
            return findings + [Finding("log_missing", f"the change log is missing: {recorded}; "
                                       f"it was deleted or moved")]
        count = log.head().entries
        if count == 0:
            return findings + [Finding("log_emptied", f"the change log is empty but {recorded}: "
                                       f"the log was emptied (or deleted and created again)")]
        if count < anchor.log_entries:
            missing = (f"entry {anchor.log_entries} is missing" if count + 1 == anchor.log_entries
                       else f"entries {count + 1} to {anchor.log_entries} are missing")
            return findings + [Finding("tail_cut", f"{missing}: the change log ends at entry "
                                       f"{count} but {recorded}: its newest entries were cut off",
                                       seq=count + 1)]
        if log.hash_at(1) != anchor.log_first:
            return findings + [Finding("rewritten", f"the change log was rewritten from its "
                                       f"first entry on: entry 1 is not the one {recorded} "
                                       f"begins with", seq=1)]
        stored = log.hash_at(anchor.log_entries)
        if stored != anchor.log_head:
            return findings + [Finding("rewritten", f"the change log was rewritten: entry "
                                       f"{anchor.log_entries} has hash {(stored or '')[:12]} but "
                                       f"{recorded}", seq=anchor.log_entries)]
        if count > anchor.log_entries:
            extra = (f"entry {count} was" if count == anchor.log_entries + 1
                     else f"entries {anchor.log_entries + 1} to {count} were")
            findings.append(Finding("unanchored_entries", f"{extra} not written through "
                                    f"abc-costing's save (the library's anchor ends at entry "
                                    f"{anchor.log_entries})", seq=anchor.log_entries + 1))
        return findings

    def _libraries_anchored_in(self, library_ids: set[str]) -> list[str]:
        """The folders beside this library whose anchor follows this log (a shared log).

        Beside it, because that is where two libraries share the default log
        (``.abc-costing/`` in the folder that holds them both).
        """
        if not library_ids:
            return []
        found = []
        with contextlib.suppress(OSError):
            for folder in sorted(self.directory.parent.iterdir()):
                if folder == self.directory or folder.name.startswith("."):
                    continue
                try:
                    other = _Anchor.from_bytes((folder / ANCHOR_NAME).read_bytes())
                except (OSError, UnicodeDecodeError, ValueError):
                    continue
                if other.library_id in library_ids:
                    found.append(folder.name)
        return found

    def _signature_findings(self, anchor: _Anchor) -> list[Finding]:
        if self._key is None:
            if anchor.signature is not None:
                return [Finding("signature", f"the library's anchor is signed but no signing "
                                f"key is configured (set {KEY_ENV} or {KEY_FILE_ENV} to check "
                                f"it)", severity="warning")]
            return []
        if anchor.signature is None:
            return [Finding("signature", "the library's anchor is not signed, but a signing key "
                            "is configured: it was written without the key (re-anchor it if "
                            "the key is new)")]
        expected = anchor.signed(self._key).signature or ""
        if not hmac.compare_digest(expected, anchor.signature):
            return [Finding("signature", "the library's anchor does not carry the signature "
                            "of the configured key: the anchor (and perhaps the log) was "
                            "rewritten, or another key signed it")]
        return []

    def _writable_state(self) -> tuple[ChangeLog, _Anchor | None]:
        """The log to append to and the current anchor; refuse when they do not match."""
        findings = self.check_writable()
        if findings:
            raise LogTamperedError(findings)
        anchor, _ = self._read_anchor()
        # a missing log with an anchor is a finding above: the log is created only when new
        return self._log(create=True), anchor

    def _expected_digests(self, log: ChangeLog, anchor: _Anchor | None) -> dict[str, str]:
        """What each model file should hold: its last logged digest, else the anchor's."""
        expected = dict(anchor.files) if anchor is not None else {}
        expected.update({name: digest for name, (_, digest) in log.last_file_digests().items()})
        return expected

    # --- writing ------------------------------------------------------------------------

    def write_model(self, file: str | Path, text: str, *, user: User, expected_sha256: str | None,
                    changes: Sequence[Change], reason: str | None = None,
                    now: datetime | None = None) -> SavedModel:
        """Write a model file of the library and its change-log entries, together or not at all.

        ``file`` is the name relative to the library (``p/v.yaml``) or a path
        inside it; a missing process folder is created. ``expected_sha256``
        is the digest of the file as the caller loaded it, or ``None`` for a
        new file (an existing one is then refused). ``changes`` are logged
        with ``user.id`` and ``reason``; when the file on disk is not the
        state the log last recorded (edited by hand), an entry saying so is
        logged first.

        Raises :class:`~abc_costing.access.AccessDenied` (no ``edit`` right),
        :class:`NotInLibraryError`, :class:`~abc_costing.problems.ModelError`
        (the text is not a valid model),
        :class:`~abc_costing.store.model_files.StaleFileError`,
        :class:`~abc_costing.store.model_files.ModelExistsError`,
        :class:`~abc_costing.store.model_files.UnsafeTargetError` (the file
        is a link or a device), :class:`LibraryBusyError`,
        :class:`LogTamperedError`, :class:`ChangeLogError` (the log cannot be
        written) or :class:`ModelWriteError`; in each case neither the file
        nor the log changed. ``ValueError`` when ``changes`` is empty.
        """
        require(user, "edit")
        name, path = self._locate(file)
        changes = list(changes)
        if not changes:
            raise ValueError("a save must record at least one change")
        self._check_model_after(name, path, text, None)
        return self._write_file(name, path, text, user=user, expected_sha256=expected_sha256,
                                changes=changes, reason=reason, now=now)

    def write_catalogue(self, text: str, *, user: User, expected_sha256: str | None,
                        changes: Sequence[Change], reason: str | None = None,
                        now: datetime | None = None) -> SavedModel:
        """Write the library's resource catalogue (``resources.yaml``) and its change-log entries.

        The same write path as :meth:`write_model` (lock, journal, pending
        file, log entries, anchor; nothing half-written, also under
        ``kill -9``), with the catalogue's own checks: the text must read as a
        catalogue, and every model file of the library that takes its pools
        from it and reads now must still read with the new text; each that
        would not is named with what breaks (a pool it uses removed, a kind
        changed, an override the new pool refuses). ``changes`` are usually
        one per changed value: element = pool id, field, old, new.

        Raises :class:`~abc_costing.access.AccessDenied`,
        :class:`~abc_costing.problems.ModelError` (the text is not a valid
        catalogue), :class:`CatalogueBreaksModelsError`, and otherwise as
        :meth:`write_model`; in each case neither the file nor the log changed.

        >>> import tempfile, pathlib, shutil
        >>> from abc_costing.access import local_user
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> _ = shutil.copytree("process_models", root / "models")
        >>> library = ModelLibrary(root / "models", change_log=root / "log.sqlite")
        >>> path = root / "models" / "resources.yaml"
        >>> old = path.read_text("utf-8")
        >>> text = old.replace("salary_per_month: 150000", "salary_per_month: 165000")
        >>> saved = library.write_catalogue(
        ...     text, user=local_user("ivan"), expected_sha256=file_sha256(path),
        ...     changes=[Change("lawyer", "salary_per_month", "150000", "165000")])
        >>> [(e.file, e.element, e.field, e.new_value) for e in saved.changes]
        [('resources.yaml', 'lawyer', 'salary_per_month', '165000')]
        >>> library.verify().ok
        True
        """
        require(user, "edit")
        name, path = CATALOGUE_NAME, self.directory / CATALOGUE_NAME
        changes = list(changes)
        if not changes:
            raise ValueError("a save must record at least one change")
        loaded = self._checked_catalogue(text)

        def keeps_models_reading(current_text: str | None) -> None:
            # Under the lock: a model saved meanwhile is checked as it is now.
            broken = self.models_broken_by(loaded, current_text=current_text)
            if broken:
                raise CatalogueBreaksModelsError(broken)

        return self._write_file(name, path, text, user=user, expected_sha256=expected_sha256,
                                changes=changes, reason=reason, now=now,
                                check=keeps_models_reading)

    def write_files(self, writes: Sequence[FileWrite], *, user: User,
                    reason: str | None = None, now: datetime | None = None
                    ) -> tuple[SavedModel, ...]:
        """Write several files of the library as one save: all of them with their entries, or none.

        For a change that only makes sense whole, such as moving the pools of
        every model file to a new catalogue (``migrate``): the catalogue and the
        files that name its pools are written together. Each file is checked
        as :meth:`write_model` or :meth:`write_catalogue` check it, but against
        the library as it is after the whole write (a model against the new
        catalogue, the catalogue against the new model texts); then, under one
        lock, every file is checked unchanged since the caller read it, one
        journal names them all, their entries go to the log in one transaction
        and the files are renamed into place. A crash before the log commits
        leaves every file as it was; after, the next opening of the library
        (or save, or verification) renames the rest into place.

        Raises as :meth:`write_model` and :meth:`write_catalogue`, before
        anything is written; ``ValueError`` when ``writes`` is empty, names a
        file twice or a write has no changes.

        >>> import tempfile, pathlib
        >>> from abc_costing.access import local_user
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> (root / "models" / "p").mkdir(parents=True)
        >>> library = ModelLibrary(root / "models", change_log=root / "log.sqlite")
        >>> catalogue = ("format: abc-costing-resources/1\\n"
        ...              "pools: {clerk: {kind: labor, rate_per_hour: 600}}\\n")
        >>> model = ("format: abc-costing/1\\nprocess: p\\nvariant: v\\n"
        ...          "activities: {a: {labor: {clerk: 30}}}\\n"
        ...          "events: {s: {kind: start}, e: {kind: end}}\\nflows: [[s, a], [a, e]]\\n")
        >>> saved = library.write_files(
        ...     [FileWrite("resources.yaml", catalogue, None, (Change.whole_file("new"),)),
        ...      FileWrite("p/v.yaml", model, None, (Change.whole_file("new"),))],
        ...     user=local_user("ivan"))
        >>> [(s.file, [e.seq for e in s.changes]) for s in saved], library.verify().ok
        ([('resources.yaml', [1]), ('p/v.yaml', [2])], True)
        """
        require(user, "edit")
        if not writes:
            raise ValueError("a save must write at least one file")
        located = [self._located_write(w) for w in writes]
        names = [name for name, _ in located]
        if len(set(names)) != len(names):
            raise ValueError(f"a save names a file twice: {', '.join(names)}")
        texts = {name: w.text for (name, _), w in zip(located, writes, strict=True)}
        new_catalogue = (self._checked_catalogue(texts[CATALOGUE_NAME])
                         if CATALOGUE_NAME in texts else None)
        for (name, path), write in zip(located, writes, strict=True):
            if name != CATALOGUE_NAME:
                self._check_model_after(name, path, write.text, new_catalogue)
        datas = [w.text.encode("utf-8") for w in writes]
        targets = [_Target(name, path, data, hashlib.sha256(data).hexdigest())
                   for (name, path), data in zip(located, datas, strict=True)]
        with self._locked():
            self._recover()
            log, anchor = self._writable_state()
            saves: list[tuple[list[ChangeEntry], str | None]] = []
            currents = []
            for target, write in zip(targets, writes, strict=True):
                check_regular_target(target.path, name=target.name)
                current, current_text = current_state(target.path)
                if write.expected_sha256 is None and current is not None:
                    raise ModelExistsError(target.name)
                if write.expected_sha256 is not None and current != write.expected_sha256:
                    raise StaleFileError(target.path, write.expected_sha256, current,
                                         current_text, name=target.name)
                currents.append((target, current, current_text))
            if new_catalogue is not None:
                on_disk = next(t for tgt, _, t in currents if tgt.name == CATALOGUE_NAME)
                broken = self.models_broken_by(new_catalogue, current_text=on_disk,
                                               replaced=texts)
                if broken:
                    raise CatalogueBreaksModelsError(broken)
            for (target, current, _), write in zip(currents, writes, strict=True):
                saves += self._outside_change(log, anchor, target.name, current, user=user)
                saves.append(([ChangeEntry(user=user.id, file=target.name, element=c.element,
                                           field=c.field, old_value=c.old_value,
                                           new_value=c.new_value, reason=reason or None)
                               for c in write.changes], target.sha256))
            recorded = self._commit(log, anchor, targets, saves, now=now)
        by_file: dict[str, list[RecordedChange]] = {}
        for entry in recorded:
            by_file.setdefault(entry.file, []).append(entry)
        return tuple(SavedModel(path=t.path, file=t.name, sha256=t.sha256 or "", text=w.text,
                                changes=tuple(by_file.get(t.name, ())))
                     for t, w in zip(targets, writes, strict=True))

    def _located_write(self, write: FileWrite) -> tuple[str, Path]:
        if not write.changes:
            raise ValueError("a save must record at least one change")
        if write.file == CATALOGUE_NAME:
            return CATALOGUE_NAME, self.directory / CATALOGUE_NAME
        return self._locate(write.file)

    @staticmethod
    def _checked_catalogue(text: str) -> LoadedCatalogue:
        loaded, problems = parse_catalogue_text(text, name=CATALOGUE_NAME)
        if loaded is None or has_errors(problems):
            raise ModelError(problems)
        return loaded

    def _check_model_after(self, name: str, path: Path, text: str,
                           new_catalogue: LoadedCatalogue | None) -> None:
        """Refuse a model text that would not read with the catalogue it has after the write."""
        problems: list[Problem] = []
        if new_catalogue is not None and self._takes_library_catalogue(path):
            catalogue: LoadedCatalogue | None = new_catalogue
        else:
            catalogue, problems = catalogue_beside(path, library_dir=self.directory)
            if catalogue is None and has_errors(problems):
                raise ModelError(problems)
        # A broken pool of the catalogue stops the save only when the model uses it.
        model, found = parse_model_text(text, source=name, catalogue=catalogue)
        if model is None:
            raise ModelError(problems + found)

    def check_writable(self) -> list[Finding]:
        """Why a write to this library would be refused now (empty: it would be accepted).

        The change log and the library's anchor must match (see
        :meth:`verify`): a log that serves another library, a deleted anchor,
        a log cut back or rewritten each refuse every write, so a caller that
        writes several saves checks this first and writes none. Reads only.

        >>> import tempfile, pathlib
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> ModelLibrary(root / "models", change_log=root / "log.sqlite").check_writable()
        []
        """
        anchor, unreadable = self._read_anchor()
        log = self._log(create=False) if self.change_log_path.exists() else None
        if log is None and anchor is None and unreadable is None:
            return []
        return [f for f in self._anchor_findings(anchor, unreadable, log)
                if f.severity == "error" or (f.kind == "signature" and self._key is None)]

    def _write_file(self, name: str, path: Path, text: str, *, user: User,
                    expected_sha256: str | None, changes: Sequence[Change],
                    reason: str | None, now: datetime | None,
                    check: Callable[[str | None], None] | None = None) -> SavedModel:
        """The write path both writers share: under the lock, the stale check, ``check``
        of the text on disk now, then journal, file and log entries together."""
        data = text.encode("utf-8")
        sha256 = hashlib.sha256(data).hexdigest()
        entries = [ChangeEntry(user=user.id, file=name, element=c.element, field=c.field,
                               old_value=c.old_value, new_value=c.new_value,
                               reason=reason or None) for c in changes]
        with self._locked():
            self._recover()
            log, anchor = self._writable_state()
            check_regular_target(path, name=name)
            current, current_text = current_state(path)
            if expected_sha256 is None and current is not None:
                raise ModelExistsError(name)
            if expected_sha256 is not None and current != expected_sha256:
                raise StaleFileError(path, expected_sha256, current, current_text, name=name)
            if check is not None:
                check(current_text)
            saves = self._outside_change(log, anchor, name, current, user=user)
            saves.append((entries, sha256))
            recorded = self._commit(log, anchor, [_Target(name, path, data, sha256)], saves,
                                    now=now)
        return SavedModel(path=path, file=name, sha256=sha256, text=text,
                          changes=tuple(recorded))

    def catalogue_users(self) -> list[Path]:
        """The model files that take their pools from the library's catalogue.

        A model in the library folder or in a process folder below it, unless
        that process folder keeps a catalogue of its own
        (see :func:`~abc_costing.formats.catalogue.catalogue_path_for`).
        """
        return [p for p in model_files(self.directory) if self._takes_library_catalogue(p)]

    def _takes_library_catalogue(self, model_path: Path) -> bool:
        folder = model_path.parent
        return folder == self.directory or (folder.parent == self.directory
                                            and not (folder / CATALOGUE_NAME).is_file())

    def models_broken_by(self, catalogue: LoadedCatalogue, *, current_text: str | None,
                         replaced: Mapping[str, str] | None = None) -> list[Problem]:
        """What ``catalogue`` would break: the errors of each model that reads with
        ``current_text`` (the catalogue on disk; ``None``: none yet) but not with it.

        ``replaced`` gives the new text of models written together with the
        catalogue (by name, ``p/v.yaml``): such a model is checked as it will
        be, its new text with the new catalogue. A model already broken is left
        to its own messages: the catalogue is not refused for a fault it did
        not cause.
        """
        replaced = replaced or {}
        before = (parse_catalogue_text(current_text, name=CATALOGUE_NAME)[0]
                  if current_text is not None else None)
        problems: list[Problem] = []
        for model_path in self.catalogue_users():
            label = model_path.relative_to(self.directory).as_posix()
            try:
                text = model_path.read_bytes().decode("utf-8-sig")
            except (OSError, UnicodeDecodeError):
                continue  # unreadable already; verify and the library list say so
            model, _ = parse_model_text(text, source=label, catalogue=before)
            if model is None:
                continue
            model, found = parse_model_text(replaced.get(label, text), source=label,
                                            catalogue=catalogue)
            if model is None:
                problems += [Problem(N_("with the edited catalogue this model no longer reads: "
                                        "{message}", message=p.message),
                                     element=p.element, file=label, line=p.line)
                             for p in found if p.severity == "error"]
        return problems

    def _tracked_files(self) -> list[Path]:
        """The files the log and the anchor follow: every model file and each catalogue."""
        catalogues = [p for p in self.directory.rglob(CATALOGUE_NAME)
                      if p.is_file() and not any(
                          part.startswith(".") for part in p.relative_to(self.directory).parts)]
        return sorted([*model_files(self.directory), *catalogues])

    def record_outside_change(self, file: str | Path, *, user: User,
                              reason: str | None = None) -> SavedModel:
        """Log the file's current state as a change made outside abc-costing (e.g. by hand).

        Clears the ``changed_outside`` / ``not_logged`` finding for the file.
        Raises as :meth:`write_model`; ``ValueError`` when the file is missing
        or already matches the log.
        """
        require(user, "edit")
        name, path = self._locate(file)
        with self._locked():
            self._recover()
            log, anchor = self._writable_state()
            check_regular_target(path, name=name)
            current, text = current_state(path)
            if current is None:
                raise ValueError(f"{name}: no such file in the library")
            saves = self._outside_change(log, anchor, name, current, user=user, reason=reason,
                                         always=anchor is None)
            if not saves:
                raise ValueError(f"{name}: matches the change log; nothing to record")
            recorded = self._commit(log, anchor, [_Target(name, path, None, current)], saves,
                                    now=None)
        return SavedModel(path=path, file=name, sha256=current, text=text or "",
                          changes=tuple(recorded))

    def _outside_change(self, log: ChangeLog, anchor: _Anchor | None, name: str,
                        current: str | None, *, user: User, reason: str | None = None,
                        always: bool = False,
                        ) -> list[tuple[list[ChangeEntry], str | None]]:
        """An entry for a file whose disk state the log does not know, or none."""
        known = self._expected_digests(log, anchor).get(name)
        if current is None or current == known:
            return []
        if known is None and anchor is None and not always:
            return []  # the first anchoring takes the library as it finds it
        what = ("added to the library outside abc-costing" if known is None
                else "changed outside abc-costing")
        entry = ChangeEntry(user=user.id, file=name, element="(file)", field="(file)",
                            old_value=None if known is None else f"sha256 {known}",
                            new_value=f"{what} (recorded by {user.id})",
                            reason=reason or None)
        return [([entry], current)]

    def _commit(self, log: ChangeLog, anchor: _Anchor | None, targets: Sequence[_Target],
                saves: list[tuple[list[ChangeEntry], str | None]], *,
                now: datetime | None) -> list[RecordedChange]:
        """Journal, pending files, log entries, renames, anchor: the write-ahead protocol.

        Several targets are one save: one journal names them all, their entries
        go to the log in one transaction, so a crash leaves all of them or none.
        The last of ``saves`` must be the last target's (the journal's commit mark).
        """
        base = log.head()
        library_id = anchor.library_id if anchor is not None else uuid.uuid4().hex
        files = self._expected_digests(log, anchor)
        if anchor is None:  # first anchoring: every model file as it is now
            for model_path in self._tracked_files():
                rel = model_path.relative_to(self.directory).as_posix()
                files.setdefault(rel, file_sha256(model_path))
        for target in targets:
            if target.sha256 is not None:
                files[target.name] = target.sha256
        last = targets[-1]
        name = ", ".join(t.name for t in targets)
        journal = {"format": JOURNAL_FORMAT, "library": str(self.directory),
                   "library_id": library_id, "file": last.name,
                   "sha256": last.sha256, "pending": last.data is not None,
                   "files": [{"file": t.name, "sha256": t.sha256, "pending": t.data is not None}
                             for t in targets],
                   "base_entries": base.entries, "base_head": base.head_hash,
                   "entry_count": sum(len(entries) for entries, _ in saves),
                   "anchor_files": files}
        try:
            self._write_small_file(self._journal_path, _canonical(journal).encode("utf-8"))
            for target in targets:
                if target.data is not None:
                    target.path.parent.mkdir(parents=True, exist_ok=True)
                    mode = (os.lstat(target.path).st_mode & 0o777 if target.path.exists()
                            else 0o644)
                    write_durably(_pending_path(target.path), target.data, mode=mode)
                    fsync_folder(target.path.parent)
            recorded = log.append_saves(saves, now=now, anchored_library=(
                library_id if anchor is None else None))
            for target in targets:
                if target.data is not None:
                    os.replace(_pending_path(target.path), target.path)
                    fsync_folder(target.path.parent)
            self._move_anchor(journal, self.directory)
            self._journal_path.unlink()
            fsync_folder(self._journal_path.parent)
        except BaseException as error:
            # Whatever failed, the journal decides: logged -> finish, not logged -> undo.
            try:
                outcome = self._recover()
            except OSError as again:
                raise ModelWriteError(
                    N_("{name}: the save was interrupted ({reason}) and cannot be completed or "
                       "undone yet ({reason_2}); it is finished on the next save or "
                       "verification", name=name, reason=_reason(error), reason_2=_reason(again)),
                    interrupted=True) from error
            if (outcome is not None and outcome.startswith("completed")
                    and isinstance(error, Exception)):
                return log.entries()[base.entries:]  # the save went through after all
            if isinstance(error, OSError) and not isinstance(error, AbcCostingError):
                raise ModelWriteError(N_("{name}: not saved ({reason}); the file and the "
                                         "change log are unchanged", name=name,
                                         reason=_reason(error))) from error
            raise
        return recorded

    def reanchor(self, *, user: User, reason: str) -> LibraryCheck:
        """Start the anchor afresh from the log as it is, recording why (an auditor's act).

        For a library whose anchor no longer matches (log restored from an
        older backup, log lost, anchor deleted, a signing key introduced or
        changed). The log gets an entry, file ``(library)``, naming what did
        not match, who re-anchored and why; a lost log is started again with
        it. Files changed outside abc-costing stay reported. Returns the
        verification after. Raises :class:`~abc_costing.access.AccessDenied`
        (needs the ``audit`` right) or ``ValueError`` when the anchor matches.
        """
        require(user, "audit")
        if not reason or not reason.strip():
            raise ValueError("re-anchoring needs a reason")
        with self._locked():
            self._recover()
            anchor, unreadable = self._read_anchor()
            existing = self._log(create=False) if self.change_log_path.exists() else None
            findings = self._anchor_findings(anchor, unreadable, existing)
            findings = [f for f in findings if f.kind != "no_log"]
            if not findings:
                raise ValueError("the change log matches the library's anchor; nothing to "
                                 "re-anchor")
            log = existing if existing is not None else self._log(create=True)
            old = anchor if anchor is not None else _Anchor("", 0, "", "")
            files = dict(old.files)
            files.update({n: d for n, (_, d) in log.last_file_digests().items()})
            entry = ChangeEntry(user=user.id, file=LIBRARY_ENTRY_FILE, element="(anchor)",
                                field="(anchor)", old_value="; ".join(map(str, findings)),
                                new_value="re-anchored", reason=reason)
            base = log.head()
            library_id = old.library_id or uuid.uuid4().hex
            journal = {"format": JOURNAL_FORMAT, "library": str(self.directory),
                       "library_id": library_id, "file": LIBRARY_ENTRY_FILE, "sha256": None,
                       "pending": False, "base_entries": base.entries, "base_head": base.head_hash,
                       "entry_count": 1, "anchor_files": files}
            self._write_small_file(self._journal_path, _canonical(journal).encode("utf-8"))
            try:
                log.append_saves([([entry], None)], anchored_library=library_id)
            finally:
                self._recover()
        return self.verify()

    # --- verification -------------------------------------------------------------------

    def verify(self) -> LibraryCheck:
        """Check the log's chain, the log against the anchor, and every model file against both.

        Names each fault it finds (see ``FindingKind``): an entry altered,
        missing or out of order; the newest entries cut off with the head
        moved back; the log emptied, deleted or rewritten; entries added
        around the save path; the anchor deleted, unreadable or wrongly
        signed; a model file changed, added or deleted outside abc-costing.
        Completes or discards an interrupted save first (under the lock).
        """
        if not self.change_log_path.exists() and not self._journal_path.exists():
            return self._verified(recover=False)  # nothing to finish: a reader creates nothing
        try:
            with self._locked():
                return self._verified(recover=True)
        except _LockUnavailable:
            # A read-only auditor: check what is there without finishing anything.
            return self._verified(recover=False)

    def _verified(self, *, recover: bool) -> LibraryCheck:
        recovered = None
        findings: list[Finding] = []
        try:
            if recover:
                recovered = self._recover()
        except OSError as error:
            findings.append(Finding("interrupted", f"a save was interrupted and cannot be "
                                    f"finished now ({_reason(error)})"))
        if not recover and self._journal_path.exists():
            findings.append(Finding("interrupted", "a save was interrupted and is finished "
                                    "by the next save"))
        findings += self._findings()
        head = self.head() if self.change_log_path.exists() else None
        ok = not any(f.severity == "error" for f in findings)
        return LibraryCheck(ok=ok, findings=tuple(findings), head=head, recovered=recovered)

    def _findings(self) -> list[Finding]:
        anchor, unreadable = self._read_anchor()
        log = self._log(create=False) if self.change_log_path.exists() else None
        findings: list[Finding] = []
        if log is not None:
            chain = log.verify()
            if not chain.ok:
                findings.append(Finding("chain", chain.message, seq=chain.first_bad_seq))
        findings += self._anchor_findings(anchor, unreadable, log)
        findings += self._file_findings(log, anchor)
        return findings

    def _file_findings(self, log: ChangeLog | None, anchor: _Anchor | None) -> list[Finding]:
        on_disk = {p.relative_to(self.directory).as_posix(): p
                   for p in self._tracked_files()} if self.directory.is_dir() else {}
        logged = {n: v for n, v in (log.last_file_digests() if log is not None else {}).items()
                  if not n.startswith("(")}
        anchored = anchor.files if anchor is not None else {}
        if log is None and anchor is None:
            return []  # "no_log" says it for the whole library
        findings = []
        for name in sorted(set(on_disk) | set(logged) | set(anchored)):
            seq, digest = logged.get(name, (None, None))
            if digest is not None and name in anchored and anchored[name] != digest:
                findings.append(Finding(
                    "anchor_disagrees", f"the library's anchor records SHA-256 "
                    f"{anchored[name][:12]} but the change log's last save (entry {seq}) "
                    f"records {digest[:12]}: the anchor or the log was altered", file=name,
                    seq=seq))
            expected = digest if digest is not None else anchored.get(name)
            source = (f"the last logged save (entry {seq}) left" if digest is not None
                      else "the library's anchor records")
            if name not in on_disk:
                findings.append(Finding("deleted_outside", f"deleted outside abc-costing "
                                        f"({source} SHA-256 {(expected or '')[:12]})", file=name,
                                        seq=seq))
                continue
            if expected is None:
                findings.append(Finding(
                    "not_logged", "not in the change log: added to the library outside "
                    "abc-costing", file=name,
                    severity="error" if anchor is not None else "warning"))
                continue
            current = file_sha256(on_disk[name])
            if current != expected:
                findings.append(Finding("changed_outside", f"changed outside abc-costing: its "
                                        f"SHA-256 is {current[:12]} but {source} "
                                        f"{expected[:12]}", file=name, seq=seq))
        return findings

    # --- the head, for reports ----------------------------------------------------------

    def head(self) -> LogHead:
        """Where the log ends now, signed when a key is configured (for reports and exports).

        Raises :class:`ChangeLogError` when there is no log.
        """
        head = self._log(create=False).head()
        return LogHead(head.entries, head.head_hash, self._head_signature(head))

    def _head_signature(self, head: LogHead) -> str | None:
        if self._key is None or head.head_hash is None:
            return None
        return _mac(self._key, f"abc-costing-log-head/1\n{head.entries}\n{head.head_hash}")

    def check_head(self, recorded: LogHead) -> Finding | None:
        """Whether the log still contains ``recorded`` (a report's head); ``None`` when it does.

        With a signing key, a recorded head whose signature does not match is
        reported too (the report's head was edited).
        """
        if not self.change_log_path.exists():
            return Finding("report_head", f"the change log is missing, so the recorded "
                           f"{recorded.as_text()} cannot be checked")
        if recorded.signature is not None and self._key is not None:
            expected = self._head_signature(recorded) or ""
            if not hmac.compare_digest(expected, recorded.signature):
                return Finding("report_head", f"the recorded {recorded.as_text()} does not "
                               f"carry the signing key's signature: it was edited")
        message = self._log(create=False).check_head(recorded)
        return None if message is None else Finding("report_head", message,
                                                    seq=recorded.entries)


def _pending_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{PENDING_SUFFIX}")


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__

