"""Reading event logs (CSV, Parquet, XES) into DuckDB.

An event log records when each step of each case happened. Whatever the file,
it is loaded into one DuckDB table with fixed columns, so mining never loops
over events in Python:

=========  ===========  ====================================================
column     type         meaning
=========  ===========  ====================================================
row_no     BIGINT       1-based position of the event in the file (data rows)
case_id    VARCHAR      the case (process instance) the event belongs to
activity   VARCHAR      what was done
start_ts   TIMESTAMP    when it started (NULL when the log has no start time)
end_ts     TIMESTAMP    when it was completed
resource   VARCHAR      who did it (NULL when the log does not say)
=========  ===========  ====================================================

Timestamps with an offset (``2024-03-01T10:00:00+03:00``) are converted to UTC;
timestamps without one are taken as written. ``dd.mm.yyyy hh:mm[:ss]`` (1C and
Bitrix24 exports) is read too. Events may come in any order: they are ordered
by time when mined.

Columns are found by explicit names, or else by the usual names, compared
case-insensitively (see :data:`COLUMN_NAMES`). A log that cannot be used
raises :class:`LogError`, naming the row and the value.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "log.csv").write_text(
...     "Case;Activity;Start;End\\n"
...     "1;Приём заявки;2024-03-01 10:00;2024-03-01 10:20\\n"
...     "1;Звонок;2024-03-01 11:00;2024-03-01 11:05\\n", encoding="utf-8-sig")
>>> log = read_event_log(folder / "log.csv")
>>> log.event_count, log.case_count, log.has_start, log.has_resource
(2, 1, True, False)
>>> try:
...     read_event_log(folder / "log.csv", resource="Исполнитель")
... except LogError as error:
...     print(error.message)
no column 'Исполнитель' (given for resource); the log has: Case, Activity, Start, End
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import pandas as pd

__all__ = [
    "COLUMN_NAMES",
    "MAX_XES_BYTES",
    "EventLog",
    "LogError",
    "read_event_log",
]

#: The usual column names of each field, compared case-insensitively, first match wins.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "case": ("case_id", "case", "caseid", "case:concept:name", "case id"),
    "activity": ("activity", "concept:name", "task", "activity_name"),
    "start": ("start", "start_timestamp", "start_time", "starttime"),
    "end": ("end", "end_timestamp", "timestamp", "time:timestamp", "complete_timestamp",
            "end_time", "endtime"),
    "resource": ("resource", "org:resource", "user"),
}
_FIELD_WORDS = {"case": "case id", "activity": "activity", "start": "start time",
                "end": "end time", "resource": "resource"}

#: XES files larger than this are refused (the stream is also counted while parsed).
MAX_XES_BYTES = 2 * 1024**3

_XES_KEYS = {"concept:name": "activity", "time:timestamp": "timestamp",
             "org:resource": "resource", "lifecycle:transition": "transition"}


class LogError(Exception):
    """An event log that cannot be used, with where and why.

    Attributes:
      message: what is wrong, in words a user can act on.
      source: the file, when known.
      row: 1-based data row (or XES event) where it was found, when known.

    >>> str(LogError("end time is before the start time", source="log.csv", row=7))
    'log.csv: row 7: end time is before the start time'
    """

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None):
        self.message, self.source, self.row = message, source, row
        parts = [p for p in (source, None if row is None else f"row {row}") if p]
        super().__init__(": ".join([*parts, message]))


@dataclass(frozen=True, eq=False)
class EventLog:
    """An event log loaded into a DuckDB table (columns in the module docstring).

    Attributes:
      connection: the DuckDB connection holding the table (in memory).
      table: name of the table of events.
      source: the file it was read from.
      has_start: True when events carry a start time (durations from start/end).
      has_resource: True when events name who did them.
      event_count: number of events.
      case_count: number of distinct cases.
    """

    connection: duckdb.DuckDBPyConnection
    table: str
    source: str
    has_start: bool
    has_resource: bool
    event_count: int
    case_count: int

    def relation(self) -> duckdb.DuckDBPyRelation:
        """The events as a DuckDB relation (lazy; filter, aggregate or ``.df()`` it)."""
        return self.connection.table(self.table)


def read_event_log(
    path: str | Path,
    *,
    case: str | None = None,
    activity: str | None = None,
    start: str | None = None,
    end: str | None = None,
    resource: str | None = None,
    max_xes_bytes: int = MAX_XES_BYTES,
) -> EventLog:
    """Read a CSV, Parquet or XES event log (chosen by the file's extension).

    ``case``, ``activity``, ``start``, ``end`` and ``resource`` name columns
    explicitly; left out, the usual names are looked for. A log needs a case,
    an activity and at least one timestamp; with only a start column, that
    time is used as the completion time. Raises :class:`LogError` for a
    missing file or column, an unparseable timestamp, an end before its start
    or an empty log.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise LogError("file not found" if not path.exists() else "is not a file", source=source)
    suffix = path.suffix.lower()
    connection = duckdb.connect()
    # Offsets are converted to UTC and naive times kept as written, whatever the machine's zone.
    connection.execute("SET TimeZone = 'UTC'")
    explicit = {"case": case, "activity": activity, "start": start, "end": end,
                "resource": resource}
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            raw = connection.read_csv(str(path), header=True, all_varchar=True)
        elif suffix in (".parquet", ".pq"):
            raw = connection.read_parquet(str(path))
        elif suffix == ".xes":
            raw = _xes_relation(connection, path, source=source, max_bytes=max_xes_bytes)
            explicit = {key: None for key in explicit}  # XES keys are fixed by the standard
        else:
            raise LogError(f"unknown log format {suffix or '(no extension)'!r}; "
                           "use .csv, .parquet or .xes", source=source)
    except duckdb.Error as error:
        raise LogError(f"cannot read the file: {_first_line(error)}", source=source) from None
    connection.register("raw_log", raw)
    columns = _map_columns(list(raw.columns), explicit, source=source)
    types = dict(zip(raw.columns, (str(t) for t in raw.types), strict=True))
    _load(connection, columns, types, source=source)
    counts = connection.execute(
        "SELECT count(*), count(DISTINCT case_id) FROM events").fetchall()[0]
    if counts[0] == 0:
        raise LogError("the log has no events", source=source)
    return EventLog(connection=connection, table="events", source=source,
                    has_start=columns.get("start") is not None and columns.get("end") is not None,
                    has_resource=columns.get("resource") is not None,
                    event_count=int(counts[0]), case_count=int(counts[1]))


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _map_columns(
    found: list[str], explicit: dict[str, str | None], *, source: str
) -> dict[str, str | None]:
    by_lower: dict[str, str] = {}
    for name in found:
        by_lower.setdefault(name.strip().lower(), name)
    shown = ", ".join(found)
    columns: dict[str, str | None] = {}
    for field, usual in COLUMN_NAMES.items():
        given = explicit[field]
        if given is not None:
            if given not in found and given.lower() not in by_lower:
                raise LogError(f"no column {given!r} (given for {field}); the log has: {shown}",
                               source=source)
            columns[field] = given if given in found else by_lower[given.lower()]
        else:
            columns[field] = next((by_lower[n] for n in usual if n in by_lower), None)
    if columns["end"] is None and columns["start"] is not None:
        columns["end"], columns["start"] = columns["start"], None
    missing = [f for f in ("case", "activity", "end") if columns[f] is None]
    if missing:
        wanted = "; ".join(
            f"{_FIELD_WORDS[f]} (one of {', '.join(COLUMN_NAMES[f])}"
            + (f" or {', '.join(COLUMN_NAMES['start'])}" if f == "end" else "") + ")"
            for f in missing)
        raise LogError(f"missing column for {wanted}; the log has: {shown}. "
                       "Name the columns with --case, --activity, --start, --end", source=source)
    return columns


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _timestamp_sql(column: str, duckdb_type: str) -> str:
    if duckdb_type.startswith(("TIMESTAMP", "DATE")):
        return f"CAST({column} AS TIMESTAMP)"
    raw = f"CAST({column} AS VARCHAR)"
    text = f"trim({raw})"
    # coalesce evaluates an argument only for the rows still NULL: most values parse
    # untrimmed, so trimming (a copy of every string) is only paid for the others.
    return (f"coalesce(CAST(try_cast({raw} AS TIMESTAMPTZ) AS TIMESTAMP), "
            f"CAST(try_cast({text} AS TIMESTAMPTZ) AS TIMESTAMP), "
            f"try_strptime({text}, ['%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M', '%d.%m.%Y']))")


def _load(connection: duckdb.DuckDBPyConnection, columns: dict[str, str | None],
          types: dict[str, str], *, source: str) -> None:
    def text(field: str) -> str:
        name = columns[field]
        return "NULL::VARCHAR" if name is None else \
            f"nullif(trim(CAST({_quoted(name)} AS VARCHAR)), '')"

    def stamp(field: str) -> tuple[str, str]:
        name = columns[field]
        if name is None:
            return "NULL::TIMESTAMP", "NULL::VARCHAR"
        return _timestamp_sql(_quoted(name), types[name]), text(field)

    start_sql, start_raw = stamp("start")
    end_sql, end_raw = stamp("end")
    has_row_no = "row_no" in types and columns.get("case") != "row_no"
    row_no = "row_no" if has_row_no else "(rowid + 1)"
    checks = (
        ("case_id IS NULL", "the case id is empty", None),
        ("activity IS NULL", "the activity is empty", None),
        ("end_raw IS NULL", f"the {_FIELD_WORDS['end']} is empty", None),
        ("end_ts IS NULL", "cannot read the time {!r} (write it as 2024-03-01 10:15:00)",
         "end_raw"),
        ("start_raw IS NOT NULL AND start_ts IS NULL",
         "cannot read the start time {!r} (write it as 2024-03-01 10:15:00)", "start_raw"),
        ("end_ts < start_ts", "the end time {!r} is before the start time", "end_raw"),
    )

    def stage(raw_columns: bool) -> None:
        # Without a row_no column, the position is the table's rowid: the load keeps the
        # file's order and, unlike row_number() OVER (), leaves the parsing parallel.
        # The raw text of the times is only kept when a check failed, for the message.
        kept = (f"{start_raw} AS start_raw, {end_raw} AS end_raw" if raw_columns else
                f"{start_raw} IS NOT NULL AND {start_sql} IS NULL AS start_bad, "
                f"{end_raw} IS NULL AS end_empty")
        connection.execute(f"""
            CREATE OR REPLACE TEMP TABLE staged AS
            SELECT {'row_no, ' if has_row_no else ''}{text('case')} AS case_id,
                   {text('activity')} AS activity, {start_sql} AS start_ts, {end_sql} AS end_ts,
                   {text('resource')} AS resource, {kept}
            FROM raw_log""")

    stage(raw_columns=False)
    failed = connection.execute(
        "SELECT count(*) FROM staged WHERE case_id IS NULL OR activity IS NULL OR end_empty "
        "OR end_ts IS NULL OR start_bad OR end_ts < start_ts").fetchall()[0][0]
    if failed:
        stage(raw_columns=True)
        # One pass finds the first offending row of every check; the first that fails wins.
        firsts = ", ".join(
            f"min({row_no}) FILTER (WHERE {condition}), "
            + (f"arg_min({value}, {row_no}) FILTER (WHERE {condition})" if value else "NULL")
            for condition, _, value in checks)
        found = connection.execute(f"SELECT {firsts} FROM staged").fetchall()[0]
        for index, (_, message, _) in enumerate(checks):
            row, value = found[2 * index], found[2 * index + 1]
            if row is not None:
                raise LogError(message.format(value), source=source, row=int(row))
    connection.unregister("raw_log")
    connection.execute(f"""
        CREATE TABLE events AS
        SELECT {row_no} AS row_no, case_id, activity, start_ts, end_ts, resource FROM staged""")
    connection.execute("DROP TABLE staged")


# --- XES ---------------------------------------------------------------------------


class _GuardedStream(io.RawIOBase):
    """A file read through a byte budget that refuses document type declarations.

    Without a DOCTYPE there is no entity to expand and nothing external to
    fetch, so refusing it (anywhere in the file, even in a comment: a
    false alarm there costs nothing) closes billion-laughs and XXE attacks
    without a third-party parser.
    """

    def __init__(self, stream: BinaryIO, *, max_bytes: int, source: str):
        self._stream, self._max_bytes, self._source = stream, max_bytes, source
        self._read, self._tail = 0, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        if self._read == 0 and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise LogError("XES files must be UTF-8", source=self._source)
        self._read += len(data)
        if self._read > self._max_bytes:
            raise LogError(f"the file is larger than the limit of {self._max_bytes:,} bytes",
                           source=self._source)
        window = self._tail + data
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise LogError("XES with a document type declaration (DOCTYPE/ENTITY) is refused: "
                           "it can hide entity bombs or fetch external files",
                           source=self._source)
        self._tail = window[-8:]
        buffer[: len(data)] = data
        return len(data)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xes_relation(connection: duckdb.DuckDBPyConnection, path: Path, *, source: str,
                  max_bytes: int) -> duckdb.DuckDBPyRelation:
    size = path.stat().st_size
    if size > max_bytes:
        raise LogError(f"the file is {size:,} bytes, larger than the limit of {max_bytes:,}",
                       source=source)
    columns: dict[str, list[str | None]] = {
        "row_no": [], "case_id": [], "activity": [], "timestamp": [], "resource": [],
        "transition": []}
    case_id: str | None = None
    event: dict[str, str] | None = None
    depth = 0  # nesting below an <event> (nested attributes of attributes are skipped)
    count = 0
    with path.open("rb") as raw:
        stream = io.BufferedReader(_GuardedStream(raw, max_bytes=max_bytes, source=source))
        try:
            parsing = ElementTree.iterparse(stream, events=("start", "end"))
            root = None
            for kind, element in parsing:
                tag = _local(element.tag)
                if root is None:
                    root = element
                if kind == "start":
                    if tag == "event":
                        event, depth = {}, 0
                    elif event is not None:
                        depth += 1
                    elif tag == "trace":
                        case_id = None
                    continue
                if tag == "event" and event is not None:
                    count += 1
                    columns["row_no"].append(str(count))
                    columns["case_id"].append(case_id)
                    for key in ("activity", "timestamp", "resource", "transition"):
                        columns[key].append(event.get(key))
                    event = None
                    element.clear()
                elif event is not None:
                    depth -= 1
                    key = _XES_KEYS.get(element.get("key", ""))
                    if depth == 0 and key is not None:
                        event[key] = element.get("value", "")
                elif tag == "string" and element.get("key") == "concept:name" \
                        and case_id is None and root is not element:
                    case_id = element.get("value")
                elif tag == "trace":
                    element.clear()
                    if root is not None:
                        root.clear()  # drop finished traces: memory stays flat
        except ElementTree.ParseError as error:
            raise LogError(f"malformed XML: {error}", source=source) from None
    if count == 0:
        raise LogError("the log has no events", source=source)
    frame = pd.DataFrame(columns)
    frame["row_no"] = frame["row_no"].astype("int64")
    connection.register("xes_raw", frame)
    # A start and a complete event of one activity in one case are paired in order:
    # the n-th start with the n-th complete.
    connection.execute("""
        CREATE TEMP TABLE xes_events AS
        WITH tagged AS (
          SELECT *, lower(coalesce(transition, 'complete')) AS phase,
                 row_number() OVER (PARTITION BY case_id, activity,
                                    lower(coalesce(transition, 'complete'))
                                    ORDER BY row_no) AS nth
          FROM xes_raw
          WHERE lower(coalesce(transition, 'complete')) IN ('start', 'complete')
        )
        SELECT c.row_no, c.case_id AS "case", c.activity, s.timestamp AS start_timestamp,
               c.timestamp AS end_timestamp, coalesce(c.resource, s.resource) AS resource
        FROM tagged c LEFT JOIN tagged s
          ON s.phase = 'start' AND c.case_id IS NOT DISTINCT FROM s.case_id
         AND c.activity IS NOT DISTINCT FROM s.activity AND s.nth = c.nth
        WHERE c.phase = 'complete'
        ORDER BY c.row_no""")
    connection.unregister("xes_raw")
    present = connection.execute(
        "SELECT count(start_timestamp), count(resource) FROM xes_events").fetchall()[0]
    kept = ['row_no', '"case"', 'activity', 'start_timestamp' if present[0] else None,
            'end_timestamp', 'resource' if present[1] else None]
    return connection.table("xes_events").project(", ".join(c for c in kept if c))
