"""The change log: who changed what, when, from which value to which.

Each entry records one changed value of one model file. Entries live in an
embedded SQLite database, in one append-only table, and each is chained to
the one before it by a hash::

    hash = sha256(prev_hash + canonical_json(body))

where ``body`` is every column but ``hash`` (so ``seq``, ``time``, ``user``,
``file``, ``element``, ``field``, the values, ``reason``,
``file_sha256_after`` and ``prev_hash``) and the first entry's ``prev_hash``
is sixty-four zeros. Editing an entry changes its hash; deleting or
reordering entries breaks the sequence or the links; cutting off the tail
disagrees with the head record (count and last hash), which is written in the
same transaction as every append. SQLite triggers refuse ``UPDATE`` and
``DELETE`` on the log, so the only way to change it is to go around this
module, and :meth:`ChangeLog.verify` finds that.

What a chain cannot catch: someone with write access to the file who rewrites
the whole chain and the head consistently. Against that, keep the head hash
somewhere else (``abc-costing log verify`` prints it; exports can carry it)
and compare later.

Examples
--------
>>> import tempfile, pathlib
>>> from datetime import UTC, datetime
>>> log = ChangeLog(pathlib.Path(tempfile.mkdtemp()) / "change_log.sqlite")
>>> [entry] = log.append(
...     [ChangeEntry(user="анна@example.com", file="contract_approval/as_is.yaml",
...                  element="legal_review", field="labor.lawyer",
...                  old_value="{triangular: [30, 45, 90]}", new_value="40",
...                  reason="замеры за март")],
...     now=datetime(2026, 3, 31, 9, 30, tzinfo=UTC))
>>> entry.seq, entry.time, entry.prev_hash == GENESIS_HASH
(1, '2026-03-31T09:30:00.000000Z', True)
>>> check = log.verify()
>>> check.ok, check.message, check.head_hash == log.head_hash() == entry.hash
(True, '1 entry, chain intact', True)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import urllib.parse
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from abc_costing.formats.csv_files import csv_bytes
from abc_costing.i18n import N_
from abc_costing.problems import AbcCostingError

__all__ = [
    "DEFAULT_CHANGE_LOG",
    "GENESIS_HASH",
    "ChainCheck",
    "ChangeEntry",
    "ChangeLog",
    "ChangeLogError",
    "LogHead",
    "RecordedChange",
    "default_change_log_path",
    "entry_hash",
]

#: Where the change log lives, relative to the parent of the model library folder.
DEFAULT_CHANGE_LOG = Path(".abc-costing") / "change_log.sqlite"
#: Environment variable that, when set, names the change log database instead.
CHANGE_LOG_ENV = "ABC_COSTING_CHANGE_LOG"
#: ``prev_hash`` of the first entry.
GENESIS_HASH = "0" * 64
#: Written into the head record; a database with another value is refused.
FORMAT = "abc-costing-change-log/1"

COLUMNS = ("seq", "time", "user", "file", "element", "field", "old_value", "new_value",
           "reason", "file_sha256_after", "prev_hash", "hash")
_HEAD_COLUMNS = ("id", "format", "entries", "hash")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# A spreadsheet takes a cell starting with one of these for a formula (OWASP CSV injection).

_SCHEMA = f"""
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS change_log (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    user TEXT NOT NULL,
    file TEXT NOT NULL,
    element TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    reason TEXT,
    file_sha256_after TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS change_log_by_file ON change_log (file, seq);
CREATE TABLE IF NOT EXISTS change_log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    format TEXT NOT NULL,
    entries INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT OR IGNORE INTO change_log_head (id, format, entries, hash)
    VALUES (1, '{FORMAT}', 0, '{GENESIS_HASH}');
CREATE TRIGGER IF NOT EXISTS change_log_no_update BEFORE UPDATE ON change_log
    BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS change_log_no_delete BEFORE DELETE ON change_log
    BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS change_log_head_no_delete BEFORE DELETE ON change_log_head
    BEGIN SELECT RAISE(ABORT, 'change_log_head must not be deleted'); END;
COMMIT;
"""
# Which libraries keep an anchor of this log (not part of the chain: a hint that
# lets a writer refuse when the anchor file has been deleted).
_LIBRARIES_TABLE = """CREATE TABLE IF NOT EXISTS change_log_libraries (
    library_id TEXT PRIMARY KEY,
    since_entry INTEGER NOT NULL
)"""
_TRIGGERS = frozenset({"change_log_no_update", "change_log_no_delete",
                       "change_log_head_no_delete"})


class ChangeLogError(AbcCostingError, ValueError):
    """The change log database cannot be opened, read or written.

    The message names the file and says what is wrong (not a SQLite
    database, not a change log, busy, missing).
    """


@dataclass(frozen=True)
class ChangeEntry:
    """One changed value, as the caller supplies it.

    Attributes:
      user: the authenticated user id (e-mail or OS login); never empty.
      file: the model file as users see it, relative to the library folder
        (``contract_approval/as_is.yaml``).
      element: the element id (``legal_review``, ``flows[4]``, ``lawyer``).
      field: the field within it (``labor.lawyer``, ``rate_per_hour``,
        ``probability``), or ``(file)`` for whole-file events.
      old_value, new_value: the values rendered as text by the caller
        (``{triangular: [30, 45, 90]}``, ``1200``); ``None`` when absent.
      reason: why, in the user's words; optional.

    >>> ChangeEntry(user="", file="a.yaml", element="x", field="y", old_value=None,
    ...             new_value="1")
    Traceback (most recent call last):
    ...
    ValueError: change entry: user must not be empty
    """

    user: str
    file: str
    element: str
    field: str
    old_value: str | None
    new_value: str | None
    reason: str | None = None

    def __post_init__(self) -> None:
        for name in ("user", "file", "element", "field"):
            value = getattr(self, name)
            _check_text(name, value)
            if not value.strip():
                raise ValueError(f"change entry: {name} must not be empty")
        for name in ("old_value", "new_value", "reason"):
            value = getattr(self, name)
            if value is not None:
                _check_text(name, value)


def _check_text(name: str, value: Any) -> None:
    if not isinstance(value, str):
        raise TypeError(f"change entry: {name} must be text, not {type(value).__name__} "
                        f"(render values as text before logging them)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(f"change entry: {name} is not valid Unicode text") from error


@dataclass(frozen=True)
class RecordedChange:
    """One entry as stored in the log.

    Attributes:
      seq: position in the log, 1, 2, 3, ... without gaps.
      time: when it was recorded, UTC, ISO 8601 with microseconds and ``Z``
        (``2026-03-31T09:30:00.000000Z``).
      user, file, element, field, old_value, new_value, reason: as in
        :class:`ChangeEntry`.
      file_sha256_after: SHA-256 of the model file after the save that made
        this change, when the caller gave it.
      prev_hash: ``hash`` of the entry before (sixty-four zeros for the first).
      hash: SHA-256 of ``prev_hash`` followed by the canonical JSON of every
        other field.
    """

    seq: int
    time: str
    user: str
    file: str
    element: str
    field: str
    old_value: str | None
    new_value: str | None
    reason: str | None
    file_sha256_after: str | None
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """The entry as a plain dict, keys in column order."""
        return asdict(self)


@dataclass(frozen=True)
class ChainCheck:
    """The result of :meth:`ChangeLog.verify`.

    Attributes:
      ok: True when every entry is intact, in order, and the log ends where
        its head record says.
      entries: how many entries the log holds.
      first_bad_seq: the first entry found altered, missing or out of order
        (``None`` when ``ok`` or when the fault is not one entry's).
      message: what was found, in plain words.
      head_hash: the hash of the last entry (``None`` for an empty log).
    """

    ok: bool
    entries: int
    first_bad_seq: int | None
    message: str
    head_hash: str | None = None


@dataclass(frozen=True)
class LogHead:
    """Where the log ends: keep it outside the log to prove later it was not rewritten.

    Reports and exports carry it; :meth:`ChangeLog.check_head` (or
    :meth:`abc_costing.store.library.ModelLibrary.check_head`, which also
    checks ``signature``) tells whether the log still contains it.

    Attributes:
      entries: how many entries the log held (0 for an empty log).
      head_hash: the hash of entry ``entries`` (``None`` for an empty log).
      signature: HMAC-SHA256 of ``entries`` and ``head_hash`` under the
        library's signing key, when one is configured; else ``None``.

    >>> LogHead(2, "ab" * 32).as_text()
    'entry 2, head abababababab'
    """

    entries: int
    head_hash: str | None
    signature: str | None = None

    def as_text(self) -> str:
        """Short form for messages and report footers."""
        if not self.entries or self.head_hash is None:
            return "no entries"
        return f"entry {self.entries}, head {self.head_hash[:12]}"


def default_change_log_path(library_dir: Path) -> Path:
    """Where the change log of the model library ``library_dir`` lives.

    ``$ABC_COSTING_CHANGE_LOG`` when set, else :data:`DEFAULT_CHANGE_LOG` in the
    folder that holds the library (beside it, so the library loader never
    sees it).

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"ABC_COSTING_CHANGE_LOG": ""}):
    ...     (str(default_change_log_path(Path("process_models"))),
    ...      str(default_change_log_path(Path("/srv/abc/process_models"))))
    ('.abc-costing/change_log.sqlite', '/srv/abc/.abc-costing/change_log.sqlite')
    >>> with mock.patch.dict(os.environ, {"ABC_COSTING_CHANGE_LOG": "/var/lib/abc/log.sqlite"}):
    ...     str(default_change_log_path(Path("process_models")))
    '/var/lib/abc/log.sqlite'
    """
    configured = os.environ.get(CHANGE_LOG_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    library_dir = Path(library_dir)
    if library_dir.name in ("", ".", ".."):  # "." has no useful parent of its own
        library_dir = library_dir.resolve()
    return library_dir.parent / DEFAULT_CHANGE_LOG


def entry_hash(body: dict[str, Any]) -> str:
    """``sha256(prev_hash + canonical_json(body))`` as hex; ``body`` holds ``prev_hash``.

    >>> body = {"seq": 1, "user": "анна", "prev_hash": GENESIS_HASH}
    >>> canonical = '{"prev_hash":"' + GENESIS_HASH + '","seq":1,"user":"анна"}'
    >>> entry_hash(body) == hashlib.sha256((GENESIS_HASH + canonical).encode()).hexdigest()
    True
    """
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           allow_nan=False)
    return hashlib.sha256((body["prev_hash"] + canonical).encode("utf-8")).hexdigest()


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime (e.g. datetime.now(UTC))")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plural(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


class ChangeLog:
    """An append-only, hash-chained change log in a SQLite database.

    Opening creates the folder, the database and its tables when missing, and
    restores the append-only triggers if someone dropped them; with
    ``create=False`` (for readers) a missing log is an error and opening
    writes nothing. Each operation uses its own
    connection, so one object may be shared by threads; appends from several
    threads or processes are serialised by SQLite (``BEGIN IMMEDIATE``, wait
    up to 10 s for the lock) and always chain to the latest entry.

    Raises :class:`ChangeLogError` (naming the file) when the file is not a
    SQLite database or not a change log.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = ChangeLog(pathlib.Path(tempfile.mkdtemp()) / "audit" / "log.sqlite")
    >>> saved = log.append([
    ...     ChangeEntry("ivan", "zhkh_leads/as_is.yaml", "manager", "rate_per_hour", "900",
    ...                 "950"),
    ...     ChangeEntry("ivan", "zhkh_leads/as_is.yaml", "call", "labor.manager", "12", "10"),
    ... ], file_sha256_after="ab" * 32)
    >>> [(e.seq, e.field, e.old_value, e.new_value) for e in log.entries()]
    [(1, 'rate_per_hour', '900', '950'), (2, 'labor.manager', '12', '10')]
    >>> saved[1].prev_hash == saved[0].hash
    True
    >>> log.verify().ok, log.verify().entries
    (True, 2)
    """

    def __init__(self, path: str | Path, *, create: bool = True,
                 busy_timeout_s: float = 10.0, name: str | None = None) -> None:
        self.path = Path(path)
        #: How messages name the log (default: the path as given); a front end
        #: passes a name without the server's folders.
        self.name = str(self.path) if name is None else name
        self.busy_timeout_s = busy_timeout_s
        if self.path.is_dir():
            raise ChangeLogError(N_("{name}: is a folder, not a change log database",
                                    name=self.name))
        if not self.path.exists():
            if not create:
                raise ChangeLogError(N_("{name}: no change log here (file not found)",
                                        name=self.name))
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ChangeLogError(N_("{name}: cannot create its folder: {reason}",
                                        name=self.name, reason=error.strerror or error)) from error
            self._create_whole()
        self._open_schema(create=create)

    def _create_whole(self) -> None:
        """Create the database beside its place and link it in, so it appears complete.

        A process killed while creating the log must not leave a database
        without tables where the log belongs. ``os.link`` fails when another
        process created the log first; theirs is kept.
        """
        building = ChangeLog.__new__(ChangeLog)
        building.path = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.creating")
        building.busy_timeout_s = self.busy_timeout_s
        building.name = self.name
        try:
            building._open_schema(create=True)  # closed after: WAL checkpointed and removed
            try:
                os.link(building.path, self.path)
            except FileExistsError:
                pass
            except OSError as error:
                raise ChangeLogError(N_("{name}: cannot create the change log: {reason}",
                                        name=self.name, reason=error.strerror or error)) from error
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{building.path}{suffix}")

    def __repr__(self) -> str:
        return f"ChangeLog({str(self.path)!r})"

    # --- connections -------------------------------------------------------------

    @contextlib.contextmanager
    def _connect(self, *, create: bool = False) -> Iterator[sqlite3.Connection]:
        # mode=rw after the first open: a log deleted behind our back is an
        # error, not a fresh empty database.
        mode = "rwc" if create else "rw"
        uri = f"file:{urllib.parse.quote(str(self.path.absolute()))}?mode={mode}"
        try:
            connection = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout_s,
                                         isolation_level=None)
        except sqlite3.Error as error:
            raise self._error(error) from error
        try:
            connection.execute("PRAGMA synchronous=FULL")
            yield connection
        except sqlite3.Error as error:
            if connection.in_transaction:
                connection.rollback()
            raise self._error(error) from error
        finally:
            connection.close()

    def _error(self, error: sqlite3.Error) -> ChangeLogError:
        text = str(error)
        if "file is not a database" in text:
            return ChangeLogError(N_("{name}: not a SQLite database, so not a change log",
                                     name=self.name))
        if "unable to open" in text:
            return ChangeLogError(N_("{name}: cannot open the change log ({text})",
                                     name=self.name, text=text))
        if "locked" in text or "busy" in text:
            return ChangeLogError(N_("{name}: the change log is busy (another writer kept it "
                                     "locked); try again", name=self.name))
        return ChangeLogError(N_("{name}: change log database error: {text}", name=self.name,
                                 text=text))

    def _open_schema(self, *, create: bool) -> None:
        with self._connect(create=create) as db:
            tables = self._tables(db)
            if "change_log" not in tables and "change_log_head" not in tables:
                if not create:
                    raise ChangeLogError(N_("{name}: not a change log (no change_log table)",
                                            name=self.name))
                if tables:
                    raise ChangeLogError(
                        N_("{name}: a SQLite database of something else, not a change log "
                           "(tables: {names})", name=self.name, names=', '.join(sorted(tables))))
                db.execute("PRAGMA journal_mode=WAL")  # persistent; outside a transaction
                # One transaction (in the script: executescript commits first);
                # IF NOT EXISTS because a racing opener may have won.
                db.executescript(_SCHEMA)
                return
            self._check_schema(db, tables)
            triggers = {row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            if create and not _TRIGGERS <= triggers:
                # A writer puts the append-only guards back; verify() judges the entries.
                db.executescript(_SCHEMA)

    @staticmethod
    def _tables(db: sqlite3.Connection) -> set[str]:
        return {row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}

    def _check_schema(self, db: sqlite3.Connection, tables: set[str]) -> None:
        for table, expected in (("change_log", COLUMNS), ("change_log_head", _HEAD_COLUMNS)):
            if table not in tables:
                raise ChangeLogError(N_("{name}: not a change log (table {table} is missing)",
                                        name=self.name, table=table))
            columns = tuple(row[1] for row in db.execute(f"PRAGMA table_info({table})"))
            if columns != expected:
                raise ChangeLogError(
                    N_("{name}: not a change log of this version (table {table} has columns "
                       "{columns}; expected {expected})", name=self.name, table=table,
                       columns=', '.join(columns), expected=', '.join(expected)))
        row = db.execute("SELECT format FROM change_log_head WHERE id = 1").fetchone()
        if row is not None and row[0] != FORMAT:
            raise ChangeLogError(N_("{name}: change log format {row!r} is not supported "
                                    "(expected {expected!r})", name=self.name, row=row[0],
                                    expected=FORMAT))

    # --- writing -----------------------------------------------------------------

    def append(self, entries: Sequence[ChangeEntry], *, file_sha256_after: str | None = None,
               now: datetime | None = None) -> list[RecordedChange]:
        """Record ``entries`` in one transaction, each chained to the one before.

        ``file_sha256_after`` is the digest of the saved file (the same for all
        entries of one save); ``now`` (timezone-aware) defaults to the time the
        write lock was taken. Either every entry is recorded or none is.
        Returns the entries as stored.

        A model file of a library is saved with
        :meth:`abc_costing.store.library.ModelLibrary.write_model`, which
        appends through :meth:`append_saves` together with the file.
        """
        if isinstance(entries, ChangeEntry):
            raise TypeError("append takes a sequence of ChangeEntry, not a single entry")
        return self.append_saves([(entries, file_sha256_after)], now=now)

    def append_saves(self, saves: Sequence[tuple[Sequence[ChangeEntry], str | None]], *,
                     now: datetime | None = None,
                     anchored_library: str | None = None) -> list[RecordedChange]:
        """Record several saves (entries, digest after) in one transaction, in order.

        ``anchored_library`` (an id) marks, in the same transaction, that a
        library's anchor file holds this log's head from now on, so that a
        deleted anchor is noticed. Either everything is recorded or nothing.

        >>> import tempfile, pathlib
        >>> log = ChangeLog(pathlib.Path(tempfile.mkdtemp()) / "log.sqlite")
        >>> saved = log.append_saves([
        ...     ([ChangeEntry("ivan", "p/a.yaml", "(file)", "(file)", None, "x")], "aa" * 32),
        ...     ([ChangeEntry("ivan", "p/b.yaml", "(file)", "(file)", None, "y")], "bb" * 32)])
        >>> [(e.seq, e.file, e.file_sha256_after[:2]) for e in saved]
        [(1, 'p/a.yaml', 'aa'), (2, 'p/b.yaml', 'bb')]
        >>> log.last_file_digests()
        {'p/a.yaml': (1, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'), \
'p/b.yaml': (2, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')}
        """
        checked: list[tuple[list[ChangeEntry], str | None]] = []
        for entries, file_sha256_after in saves:
            if isinstance(entries, ChangeEntry):
                raise TypeError("append takes a sequence of ChangeEntry, not a single entry")
            entries = list(entries)
            for entry in entries:
                if not isinstance(entry, ChangeEntry):
                    raise TypeError(f"append takes ChangeEntry records, not "
                                    f"{type(entry).__name__}")
            if file_sha256_after is not None and not (
                    isinstance(file_sha256_after, str) and _SHA256.fullmatch(file_sha256_after)):
                raise ValueError("file_sha256_after must be 64 lowercase hex digits or None")
            checked.append((entries, file_sha256_after))
        time_text = None if now is None else _utc_text(now)
        if not any(entries for entries, _ in checked) and anchored_library is None:
            return []
        recorded: list[RecordedChange] = []
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # the write lock first: appends never fork the chain
            head = db.execute("SELECT entries, hash FROM change_log_head WHERE id = 1").fetchone()
            if head is None:
                raise ChangeLogError(N_("{name}: the change log's head record is missing; run "
                                        "`abc-costing log verify`", name=self.name))
            count, prev_hash = head
            if time_text is None:
                time_text = _utc_text(datetime.now(UTC))
            for entries, file_sha256_after in checked:
                for entry in entries:
                    change = self._insert(db, entry, seq=count + 1, time_text=time_text,
                                          file_sha256_after=file_sha256_after,
                                          prev_hash=prev_hash)
                    recorded.append(change)
                    count, prev_hash = change.seq, change.hash
            db.execute("UPDATE change_log_head SET entries = ?, hash = ? WHERE id = 1",
                       (count, prev_hash))
            if anchored_library is not None:
                db.execute(_LIBRARIES_TABLE)
                db.execute("INSERT OR IGNORE INTO change_log_libraries (library_id, since_entry) "
                           "VALUES (?, ?)", (anchored_library, count))
            db.execute("COMMIT")
        return recorded

    @staticmethod
    def _insert(db: sqlite3.Connection, entry: ChangeEntry, *, seq: int, time_text: str,
                file_sha256_after: str | None, prev_hash: str) -> RecordedChange:
        body: dict[str, Any] = {"seq": seq, "time": time_text, "user": entry.user,
                "file": entry.file, "element": entry.element, "field": entry.field,
                "old_value": entry.old_value, "new_value": entry.new_value,
                "reason": entry.reason, "file_sha256_after": file_sha256_after,
                "prev_hash": prev_hash}
        change = RecordedChange(**body, hash=entry_hash(body))
        db.execute(f"INSERT INTO change_log ({', '.join(COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(COLUMNS))})",
                   tuple(getattr(change, c) for c in COLUMNS))
        return change

    # --- reading -----------------------------------------------------------------

    def entries(self, *, file: str | None = None) -> list[RecordedChange]:
        """Every entry in ``seq`` order; only those of ``file`` when given."""
        query = f"SELECT {', '.join(COLUMNS)} FROM change_log"
        with self._connect() as db:
            if file is None:
                rows = db.execute(query + " ORDER BY seq").fetchall()
            else:
                rows = db.execute(query + " WHERE file = ? ORDER BY seq", (file,)).fetchall()
        return [RecordedChange(*row) for row in rows]

    def head_hash(self, *, file: str | None = None) -> str | None:
        """Hash of the latest entry (of ``file``, when given); ``None`` when there is none.

        Keep it somewhere else (a report, a ticket) to prove later that the log
        was not rewritten since.
        """
        with self._connect() as db:
            if file is None:
                row = db.execute("SELECT hash FROM change_log ORDER BY seq DESC LIMIT 1").fetchone()
            else:
                row = db.execute("SELECT hash FROM change_log WHERE file = ? "
                                 "ORDER BY seq DESC LIMIT 1", (file,)).fetchone()
        return None if row is None else row[0]

    def head(self) -> LogHead:
        """How many entries the log holds and the hash of the last (one snapshot, unsigned).

        >>> import tempfile, pathlib
        >>> log = ChangeLog(pathlib.Path(tempfile.mkdtemp()) / "log.sqlite")
        >>> log.head()
        LogHead(entries=0, head_hash=None, signature=None)
        >>> [entry] = log.append([ChangeEntry("ivan", "p/v.yaml", "a", "name", None, "A")])
        >>> log.head() == LogHead(1, entry.hash)
        True
        """
        with self._connect() as db:
            row = db.execute("SELECT count(*), (SELECT hash FROM change_log ORDER BY seq DESC "
                             "LIMIT 1) FROM change_log").fetchone()
        return LogHead(row[0], row[1])

    def entry(self, seq: int) -> RecordedChange | None:
        """Entry ``seq`` as stored; ``None`` when there is no such entry."""
        with self._connect() as db:
            row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM change_log WHERE seq = ?",
                             (seq,)).fetchone()
        return None if row is None else RecordedChange(*row)

    def hash_at(self, seq: int) -> str | None:
        """The stored hash of entry ``seq``; ``None`` when there is no such entry."""
        with self._connect() as db:
            row = db.execute("SELECT hash FROM change_log WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else row[0]

    def check_head(self, head: LogHead) -> str | None:
        """Whether the log still contains ``head`` (recorded earlier); ``None`` when it does.

        Otherwise says in words what changed: the entry is gone (the log was
        cut or emptied) or it is another entry now (the log was rewritten).

        >>> import tempfile, pathlib
        >>> log = ChangeLog(pathlib.Path(tempfile.mkdtemp()) / "log.sqlite")
        >>> _ = log.append([ChangeEntry("ivan", "p/v.yaml", "a", "name", None, "A")])
        >>> recorded = log.head()
        >>> _ = log.append([ChangeEntry("ivan", "p/v.yaml", "a", "name", "A", "B")])
        >>> log.check_head(recorded) is None
        True
        >>> log.check_head(LogHead(1, "0" * 64))
        'entry 1 of the change log is not the one recorded (head 000000000000): the log was \
rewritten since'
        """
        if head.entries == 0:
            return None
        stored = self.hash_at(head.entries)
        if stored is None:
            return (f"the change log has no entry {head.entries} any more (recorded head "
                    f"{(head.head_hash or '')[:12]}): the log was cut off or emptied since")
        if stored != head.head_hash:
            return (f"entry {head.entries} of the change log is not the one recorded (head "
                    f"{(head.head_hash or '')[:12]}): the log was rewritten since")
        return None

    def last_file_digests(self) -> dict[str, tuple[int, str]]:
        """Each file's last logged digest: ``{file: (seq, file_sha256_after)}``.

        Only entries that carry a digest count (whole-file events of other
        tools may not).
        """
        with self._connect() as db:
            rows = db.execute(
                "SELECT file, seq, file_sha256_after FROM change_log WHERE seq IN "
                "(SELECT max(seq) FROM change_log WHERE file_sha256_after IS NOT NULL "
                "GROUP BY file) ORDER BY file").fetchall()
        return {file: (seq, digest) for file, seq, digest in rows}

    def anchored_libraries(self) -> dict[str, int]:
        """Libraries whose anchor file follows this log: ``{library_id: first anchored entry}``."""
        with self._connect() as db:
            if "change_log_libraries" not in self._tables(db):
                return {}
            rows = db.execute("SELECT library_id, since_entry FROM change_log_libraries")
            return dict(rows.fetchall())

    def verify(self) -> ChainCheck:
        """Walk the log in ``seq`` order and check every hash, link and the head.

        Finds an edited entry (its hash no longer matches), a deleted one (a gap
        in ``seq``), entries swapped or moved (a link to the wrong entry), and a
        cut-off tail (fewer entries than the head record says).
        """
        with self._connect() as db:
            db.execute("BEGIN")  # one snapshot: concurrent appends don't show half-way
            head = db.execute("SELECT entries, hash FROM change_log_head WHERE id = 1").fetchone()
            rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM change_log ORDER BY seq")
            count, last_hash = 0, GENESIS_HASH
            for row in rows:
                fault = self._check_entry(db, dict(zip(COLUMNS, row, strict=True)),
                                          expected_seq=count + 1, prev_hash=last_hash)
                if fault is not None:
                    return fault
                count, last_hash = row[0], row[-1]
            db.execute("COMMIT")
        head_hash = last_hash if count else None
        if head is None:
            return ChainCheck(False, count, None, "the head record (entry count and last hash) "
                              "is missing", head_hash)
        head_count, head_last = head
        if count < head_count:
            missing = (f"entry {head_count} is missing" if head_count == count + 1
                       else f"entries {count + 1} to {head_count} are missing")
            return ChainCheck(False, count, count + 1,
                              f"{missing}: the log ends at entry {count} but its head record "
                              f"says {head_count} (the tail was cut off)", head_hash)
        if count > head_count:
            return ChainCheck(False, count, head_count + 1,
                              f"entries after {head_count} were not added through the change "
                              f"log (its head record says {head_count}, the log has {count})",
                              head_hash)
        if head_last != last_hash:
            if not count:
                return ChainCheck(False, 0, None, "the log is empty but its head record names "
                                  "a last entry", None)
            return ChainCheck(False, count, count,
                              f"the head record does not match entry {count} (the last entry "
                              f"or the head was replaced)", head_hash)
        return ChainCheck(True, count, None, f"{_plural(count)}, chain intact", head_hash)

    @staticmethod
    def _check_entry(db: sqlite3.Connection, row: dict[str, Any], *, expected_seq: int,
                     prev_hash: str) -> ChainCheck | None:
        seq = row["seq"]
        count = expected_seq - 1

        def fault(first_bad: int, message: str) -> ChainCheck:
            total, last = db.execute("SELECT count(*), (SELECT hash FROM change_log "
                                     "ORDER BY seq DESC LIMIT 1) FROM change_log").fetchone()
            return ChainCheck(False, total, first_bad, message, last)

        if seq != expected_seq:
            jump = (f"sequence jumps from {count} to {seq}" if count
                    else f"sequence starts at {seq}")
            return fault(expected_seq, f"entry {expected_seq} is missing ({jump})")
        if row["prev_hash"] != prev_hash:
            claimed = db.execute("SELECT seq FROM change_log WHERE hash = ? AND seq != ?",
                                 (row["prev_hash"], seq)).fetchone()
            if claimed is not None:
                return fault(seq, f"entries are out of order at {seq} (entry {seq} claims to "
                                  f"follow entry {claimed[0]})")
            if seq == 1:
                return fault(seq, "entry 1 was altered (it does not start the chain)")
            return fault(seq, f"the chain is broken at {seq} (it does not link to entry "
                              f"{count}: an earlier entry was altered or replaced)")
        body = {k: v for k, v in row.items() if k != "hash"}
        try:
            recomputed = entry_hash(body)
        except (TypeError, ValueError):  # a value of the wrong type was written in
            recomputed = None
        if recomputed != row["hash"]:
            return fault(seq, f"entry {seq} was altered (its hash does not match its contents)")
        return None

    # --- export ------------------------------------------------------------------

    def to_csv_bytes(self, entries: Sequence[RecordedChange] | None = None) -> bytes:
        """The entries (default: all) as CSV that Excel opens and cannot run.

        Written by :func:`abc_costing.formats.csv_files.csv_bytes`: UTF-8 with
        a byte-order mark, text quoted, a text cell starting with ``=`` ``+``
        ``-`` ``@``, tab, CR or LF prefixed with ``'`` (so ``-5`` reads ``'-5``:
        strip the quote on re-import).

        >>> import tempfile, pathlib
        >>> log = ChangeLog(pathlib.Path(tempfile.mkdtemp()) / "log.sqlite")
        >>> _ = log.append([ChangeEntry("ivan", "p/v.yaml", "a", "other_cost", "5", "-5")])
        >>> text = log.to_csv_bytes().decode("utf-8-sig")
        >>> text.splitlines()[0]
        '"seq","time","user","file","element","field","old_value","new_value","reason",\
"file_sha256_after","prev_hash","hash"'
        >>> text.splitlines()[1].split(",")[6:8]
        ['"5"', '"\\'-5"']
        """
        if entries is None:
            entries = self.entries()
        return csv_bytes(COLUMNS, ([getattr(e, c) for c in COLUMNS] for e in entries))


