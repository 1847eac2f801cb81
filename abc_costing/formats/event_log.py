"""Reading event logs (CSV, Parquet, XES) into one Polars table.

An event log records when each step of each case happened. Whatever the file,
it is loaded into one table with fixed columns, so mining never loops over
events in Python:

=========  =============  ==================================================
column     type           meaning
=========  =============  ==================================================
row_no     UInt32         1-based position of the event in the file (data rows)
case_id    Categorical    the case (process instance) the event belongs to
activity   Categorical    what was done
start_ts   Datetime (µs)  when it started (null when the log has no start time)
end_ts     Datetime (µs)  when it was completed
resource   Categorical    who did it (null when the log does not say)
=========  =============  ==================================================

The rows are sorted by case (cases in the order they first appear), then by
time within a case (start, or completion when there is no start; then
completion; then the row in the file), so each case's events are
contiguous and in the order they happened: mining relies on it.

Timestamps with an offset (``2024-03-01T10:00:00+03:00``) are converted to UTC;
timestamps without one are taken as written. ``dd.mm.yyyy hh:mm[:ss]`` (1C and
Bitrix24 exports) is read too. The format is detected from the first rows and
applied to all of them at native speed; a log that mixes formats, or has
blanks around its values, takes a slower path that tries every format.

A CSV file is parsed in blocks of 8 MiB cut between records (the next block
is read while Polars parses the current one), so memory holds the events and
a block or two, not the whole file as well.

Columns are found by explicit names, or else by the usual names, compared
case-insensitively (see :data:`COLUMN_NAMES`). A log that cannot be used
raises :class:`LogError`, naming the row and the value.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "log.csv").write_text(
...     "Case;Activity;Start;End\\n"
...     "1;Звонок;2024-03-01 11:00;2024-03-01 11:05\\n"
...     "1;Приём заявки;2024-03-01 10:00;2024-03-01 10:20\\n", encoding="utf-8-sig")
>>> log = read_event_log(folder / "log.csv")
>>> log.event_count, log.case_count, log.has_start, log.has_resource
(2, 1, True, False)
>>> log.events["activity"].to_list()  # in time order, whatever the file's order
['Приём заявки', 'Звонок']
>>> try:
...     read_event_log(folder / "log.csv", resource="Исполнитель")
... except LogError as error:
...     print(error.message)
no column 'Исполнитель' (given for resource); the log has: Case, Activity, Start, End
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import polars as pl

from abc_costing.formats import xes_costs
from abc_costing.formats.csv_files import (
    first_misquoted_line,
    line_ends_problem,
    misquoted,
    read_error,
)
from abc_costing.formats.lifecycle import pair_transitions
from abc_costing.formats.typed_numbers import parse_typed_number
from abc_costing.formats.xes_costs import CostNotes, cost_number, settle, unreadable
from abc_costing.i18n import N_, Message
from abc_costing.memory import cyclic_gc_paused
from abc_costing.numbers import Figure
from abc_costing.problems import AbcCostingError, Count, Problem, cut, quoted

if TYPE_CHECKING:  # imported where an XES file is read: a CSV log needs no XML parser
    import xml.etree.ElementTree as ElementTree

__all__ = [
    "COLUMN_NAMES",
    "MAX_LOG_BYTES",
    "MAX_LOG_EVENTS",
    "MAX_LOG_TEXT_CHARS",
    "MAX_XES_BYTES",
    "MAX_XES_DEPTH",
    "MAX_XES_ELEMENTS_PER_EVENT",
    "MAX_XES_TAG_BYTES",
    "EventLog",
    "LOG_FIELDS",
    "LogError",
    "guess_columns",
    "log_columns",
    "read_event_log",
]

#: The usual column names of each field, compared case-insensitively, first match wins.
#: Russian names are those of 1C, Bitrix24 and amoCRM exports.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "case": ("case_id", "case", "caseid", "case:concept:name", "case id",
             "номер случая", "случай", "кейс", "id сделки", "сделка", "номер сделки",
             "id заявки", "заявка", "номер заявки"),
    "activity": ("activity", "concept:name", "task", "activity_name",
                 "действие", "активность", "операция", "этап", "стадия", "задача"),
    "start": ("start", "start_timestamp", "start_time", "starttime",
              "начало", "дата начала", "время начала"),
    "end": ("end", "end_timestamp", "timestamp", "time:timestamp", "complete_timestamp",
            "end_time", "endtime", "окончание", "конец", "завершение", "дата окончания",
            "время окончания", "дата завершения", "время", "дата и время"),
    "resource": ("resource", "org:resource", "user",
                 "исполнитель", "ответственный", "сотрудник", "ресурс"),
    "lifecycle": ("lifecycle:transition", "lifecycle", "transition", "lifecycle_transition",
                  "жизненный цикл", "переход", "тип события"),
    "instance": ("concept:instance", "instance", "activity_instance", "instance_id",
                 "экземпляр"),
    # Celonis and Disco export "Cost"/"Costs"; ProM's and PM4Py's CSV the XES key cost:total.
    "cost": ("cost", "cost:total", "costs", "cost_total", "total cost", "total_cost", "amount",
             "стоимость", "затраты", "себестоимость", "расходы"),
}
#: A column holding each recorded cost's currency (read when a cost column is).
CURRENCY_COLUMN_NAMES = ("currency", "cost:currency", "валюта")
#: Words for the rouble in a header ("Стоимость, руб.") and other currency signs.
_CURRENCY_WORDS = {"руб": "RUB", "рублей": "RUB", "рубли": "RUB", "₽": "RUB", "rur": "RUB",
                   "$": "USD", "€": "EUR"}
#: The fields of an event log, in the order they are asked for.
LOG_FIELDS = tuple(COLUMN_NAMES)
_FIELD_WORDS = {"case": N_("case id"), "activity": N_("activity"), "start": N_("start time"),
                "end": N_("end time"), "resource": N_("resource"),
                "lifecycle": N_("lifecycle transition"), "instance": N_("activity instance"),
                "cost": N_("recorded cost")}
_TEXT_FIELDS = ("case", "activity", "resource", "lifecycle", "instance")

#: Log files (CSV, Parquet) larger than this are refused unread: about 20 million
#: events of a CSV export.
MAX_LOG_BYTES = 2 * 1024**3
#: Rows of a Parquet log, read from its metadata before anything else: a repeated text
#: is stored once, so a small file can hold any number of rows.
MAX_LOG_EVENTS = 50_000_000
#: Characters of a case id, an activity or a resource: a model holds names of at most
#: 1,000 characters, and a longer one is no name.
MAX_LOG_TEXT_CHARS = 1000
#: XES files larger than this are refused (the stream is also counted while parsed).
MAX_XES_BYTES = MAX_LOG_BYTES
#: Bytes of one XES tag with its attributes (or of the text between two tags).
MAX_XES_TAG_BYTES = 1024 * 1024
#: XML elements nested at most this deep in an XES file (log, trace, event and an
#: attribute are four; lists and containers add a few).
MAX_XES_DEPTH = 64
#: Attributes (nested ones included) of one event.
MAX_XES_ELEMENTS_PER_EVENT = 10_000

#: Event attributes read from an XES file, by key, and the field each gives; the others are
#: skipped. A start time written as an attribute is read under the start column's names.
_XES_KEYS = {"concept:name": "activity", "time:timestamp": "end", "org:resource": "resource",
             "lifecycle:transition": "lifecycle", "concept:instance": "instance",
             "cost:total": "cost", "cost:currency": "currency",
             **{key: "start" for key in ("time:start", *COLUMN_NAMES["start"])}}
_XES_FIELDS = tuple(dict.fromkeys(_XES_KEYS.values()))
#: Types a trace's ``concept:name`` is written with: a string by the standard, an int
#: by converters from CSV (PM4Py's own examples), an id by some engines.
_XES_CASE_ID_TYPES = ("string", "int", "id")
#: XES elements that hold other attributes, never a value of their own.
_XES_COLLECTIONS = ("list", "container", "values")
#: An ``.xes.gz`` may unpack to at most this many times its size (XES compresses about
#: 10–50 times; a gzip bomb about 1,000 times), but always to this many bytes.
MAX_XES_GZ_RATIO = 200
MAX_XES_GZ_FLOOR_BYTES = 16 * 1024 * 1024

#: Timestamp layouts tried, most specific first (chrono syntax: %.f is an optional
#: fraction, %#z an offset such as +03:00 or Z). Offsets are converted to UTC.
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",  # first: Polars reads these natively, 3x faster
    "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    # year first with slashes (CSV-to-XES converters, some CRMs): never day or month first
    "%Y/%m/%d %H:%M:%S%.f", "%Y/%m/%d %H:%M", "%Y/%m/%d",
)
_SAMPLE_ROWS = 1000
_CSV_SEPARATORS = (",", ";", "\t", "|")


class LogError(AbcCostingError):
    """An event log that cannot be used, with where and why.

    Attributes:
      message: what is wrong, in words a user can act on.
      source: the file, when known.
      row: 1-based data row (or XES event) where it was found, when known.

    >>> str(LogError("end time is before the start time", source="log.csv", row=7))
    'log.csv: row 7: end time is before the start time'
    """

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None,
                 missing_fields: tuple[str, ...] = (), columns: tuple[str, ...] = ()):
        self.message, self.source, self.row = message, source, row
        #: the fields no column could be found for, and the columns the log has:
        #: each front end says in its own words how to name them.
        self.missing_fields, self.columns = missing_fields, columns
        parts = [p for p in (source, None if row is None else f"row {row}") if p]
        super().__init__(": ".join([*parts, message]))


@dataclass(frozen=True, eq=False)
class EventLog:
    """An event log loaded into a Polars table (columns and row order in the module docstring).

    Attributes:
      events: the events, one row each, sorted by case and time.
      source: the file it was read from.
      has_start: True when events carry a start time (durations from start/end).
      has_resource: True when events name who did them.
      event_count: number of events (executions: a start and a complete row of one
        activity instance are one event).
      case_count: number of distinct cases.
      has_cost: True when events carry the cost the log recorded (column ``cost``).
      cost_currencies: the currencies the log says its recorded costs are in (a currency
        column, XES ``cost:currency``, or the cost column's name: ``Стоимость, руб.``);
        empty when it does not say.
      problems: warnings about rows read but not used (a complete without its
        start, an unknown lifecycle transition, ...): see
        :mod:`abc_costing.formats.lifecycle`.
    """

    events: pl.DataFrame
    source: str
    has_start: bool
    has_resource: bool
    event_count: int
    case_count: int
    has_cost: bool = False
    problems: tuple[Problem, ...] = ()
    cost_currencies: tuple[str, ...] = ()


def read_event_log(
    path: str | Path,
    *,
    case: str | None = None,
    activity: str | None = None,
    start: str | None = None,
    end: str | None = None,
    resource: str | None = None,
    lifecycle: str | None = None,
    instance: str | None = None,
    cost: str | None = None,
    max_xes_bytes: int = MAX_XES_BYTES,
    source_name: str | None = None,
) -> EventLog:
    """Read a CSV, Parquet or XES (``.xes``, ``.xes.gz``) event log, by the file's extension.

    ``case``, ``activity``, ``start``, ``end``, ``resource``, ``lifecycle``
    (the transition: start, complete, ...), ``instance`` (the activity
    instance) and ``cost`` (the cost the log recorded) name columns
    explicitly; left out, the usual names are looked for. With a lifecycle
    column, the start and complete rows of one activity instance become one
    event (see :mod:`abc_costing.formats.lifecycle`); rows that cannot be
    paired are skipped and listed in :attr:`EventLog.problems`. A log needs a case,
    an activity and at least one timestamp; with only a start column, that
    time is used as the completion time. Raises :class:`LogError` for a
    missing file or column, an unparseable timestamp, an end before its start
    or an empty log. ``source_name`` names the log in messages and in what is
    mined from it (default: the path), e.g. an upload's name rather than its
    temporary file.
    """
    path = Path(path)
    source = source_name or str(path)
    if not path.is_file():
        raise LogError(N_("file not found") if not path.exists() else N_("is not a file"),
                       source=source)
    suffix = ".xes" if path.name.lower().endswith(".xes.gz") else path.suffix.lower()
    explicit = {"case": case, "activity": activity, "start": start, "end": end,
                "resource": resource, "lifecycle": lifecycle, "instance": instance,
                "cost": cost}
    row_numbers = None  # the data row of each event, when the reader knows it better
    sample: dict[str, list[str | None]] | None = None  # first texts of the time columns
    pieces = None  # the file in blocks, when it is read that way
    separator: str | None = None  # a CSV log's, once its header is read
    traces: _XesTraces | None = None  # what an XES log's traces say of their costs
    size = path.stat().st_size
    if suffix != ".xes" and size > MAX_LOG_BYTES:
        raise LogError(N_("the file is {size:,} bytes, larger than the limit of {limit:,}",
                          size=Count(size), limit=Count(MAX_LOG_BYTES)), source=source)
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            names, separator, first_rows, header_bytes = _csv_header(
                path, source=source, tab=suffix == ".tsv")
            columns = _map_columns(names, explicit, source=source)
            places = {field: names.index(name) for field in ("start", "end")
                      if (name := columns[field]) is not None}  # looked up once, not per row
            sample = {field: [row[place] if len(row) > place else None for row in first_rows]
                      for field, place in places.items()}
            # The case id is read as text, made categorical a run of rows at a time (_typed)
            overrides: dict[str, Any] = {column: pl.Categorical for f in _TEXT_FIELDS
                                         if f != "case" and (column := columns[f]) is not None}
            raw = pl.scan_csv(path, separator=separator, has_header=True, infer_schema=False,
                              schema_overrides=overrides, raise_if_empty=False)
            if header_bytes:
                pieces = partial(_csv_pieces, path, skip=header_bytes, names=names,
                                 separator=separator, overrides=overrides, source=source)
        elif suffix in (".parquet", ".pq"):
            raw = pl.scan_parquet(path)
            schema = raw.collect_schema()
            columns = _map_columns(schema.names(), explicit, source=source)
            _check_parquet(raw, schema, columns, source=source)
        elif suffix == ".xes":
            frame, traces = _xes_frame(path, source=source, max_bytes=max_xes_bytes)
            columns = _map_columns(frame.columns, {key: None for key in explicit},
                                   source=source)  # XES keys are fixed by the standard
            raw, row_numbers = frame.lazy(), "row_no"
        else:
            raise LogError(_unknown_format(suffix), source=source)
        events, problems, case_count = _load(raw, columns, row_numbers, sample,
                                             source=source, pieces=pieces)
        if traces is not None:  # an XES log's own cost:total, and what its costs said
            booked: list[Problem] = []
            if "cost" in events.columns:
                events, booked = xes_costs.apply_trace_costs(events, traces.costs)
            problems = [*problems, *traces.notes.problems(), *booked]
    except LogError:
        raise
    except pl.exceptions.PolarsError as error:
        # Polars' "CSV malformed ... row_offset" names no line: a quote out of place does
        # that (one the last block's quote count cannot see), so it is looked for.
        if (separator is not None and "malformed" in str(error)
                and (line := first_misquoted_line(path.read_bytes(), separator)) is not None):
            raise LogError(misquoted(line), source=source) from None
        raise LogError(_polars_problem(error), source=source) from None
    except Exception as error:  # whatever else a file can provoke: named, not a traceback
        raise LogError(N_("cannot read the file: {error}: {said} (a fault in abc-costing: "
                          "please report it with the file)", error=type(error).__name__,
                          said=cut(str(error), 200)), source=source) from None
    if events.height == 0:
        raise LogError(N_("the log has no events"), source=source)
    has_start = columns["start"] is not None or (
        columns["lifecycle"] is not None and events["start_ts"].is_not_null().any())
    if not has_start:
        # Labour needs a start: with completions only, the minutes of an event are the
        # time since the case's previous one, and that includes every wait before it.
        problems = [*problems, no_start_warning()]
    currencies: tuple[str, ...] = ()
    if columns["cost"] is not None:
        currencies = _cost_currencies(raw, columns["cost"])
        if traces is not None and traces.currencies:
            currencies = tuple(sorted({*currencies, *traces.currencies}))
        negative = events.filter(pl.col("cost") < 0).sort("row_no")
        if negative.height:
            first_row, first_cost = negative.row(0, named=True)["row_no"], negative["cost"][0]
            problems = [*problems, negative_cost_warning(first_row, first_cost,
                                                         negative.height)]
    return EventLog(events=events, source=source, has_start=has_start,
                    has_resource=columns["resource"] is not None,
                    event_count=events.height, case_count=case_count,
                    has_cost=columns["cost"] is not None,
                    problems=tuple(p.located(file=source) for p in problems),
                    cost_currencies=currencies)


def no_start_warning() -> Problem:
    """The warning on a log with one time per event (also said by the Spark engine)."""
    return Problem(
        N_("the log has one time per event (no start times): labour cannot be measured, "
           "so each event's minutes are the time since the case's previous event, waiting "
           "included; labour and cost are upper bounds (a start column, or start/complete "
           "lifecycle rows, give the real figures)"), severity="warning")


def negative_cost_warning(first_row: int, first_cost: float, count: int) -> Problem:
    """The warning on negative recorded costs: the first one's row and value, how many."""
    return Problem(
        N_("row {row}: a recorded cost is negative ({cost}); {count:,} such "
           "event(s) are kept as written (a refund or a correction lowers the recorded "
           "cost)", row=first_row, cost=Figure.as_written(first_cost), count=Count(count)),
        severity="warning")


#: Currencies read from a log's currency column: at most this many distinct values.
_MAX_CURRENCIES = 20


def _cost_currencies(raw: pl.LazyFrame, cost_column: str) -> tuple[str, ...]:
    """The currencies the log states for its recorded costs (see :class:`EventLog`)."""
    codes = {code} if (code := header_currency(cost_column)) else set()
    names = raw.collect_schema().names()
    by_lower = {n.strip().lower(): n for n in reversed(names)}
    column = next((by_lower[n] for n in CURRENCY_COLUMN_NAMES if n in by_lower), None)
    if column is not None:
        values = (raw.select(pl.col(column).cast(pl.String).str.strip_chars())
                  .unique().head(_MAX_CURRENCIES).collect().to_series().drop_nulls().to_list())
        for value in values:
            if value:
                word = value.lower().strip(" .")
                codes.add(_CURRENCY_WORDS.get(word, value.upper()))
    return tuple(sorted(codes))


def _polars_problem(error: Exception) -> Message:
    text = str(error).strip()
    if "utf-8" in text.lower() or "utf8" in text.lower():
        return N_("the file is not UTF-8 text (Excel and 1C often save CSV as Windows-1251): "
                  "save it as 'CSV UTF-8'")
    first = text.splitlines()[0] if text else type(error).__name__
    return N_("cannot read the file: {reason}", reason=first)


def _unknown_format(suffix: str) -> Message:
    return N_("unknown log format {suffix}; use .csv, .parquet or .xes",
              suffix=repr(suffix) if suffix else N_("'(no extension)'"))


def _csv_header(path: Path, *, source: str, tab: bool
                ) -> tuple[list[str], str, list[list[str]], int]:
    """The column names, the separator (the commonest of , ; tab | in the header), the
    rows that fit in the first 64 KiB, and the bytes the header takes (BOM included)."""
    with path.open("rb") as stream:
        head = stream.read(64 * 1024)
    if len(head) == 64 * 1024 and b"\n" not in head:
        raise LogError(N_("the header row is longer than 65,536 bytes; a log's header names "
                          "a few columns"), source=source)
    complete = head if len(head) < 64 * 1024 else head[: head.rfind(b"\n") + 1]
    try:
        text = complete.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LogError(_polars_problem(ValueError("utf-8")), source=source) from None
    header = text.split("\n", 1)[0].rstrip("\r")
    if (wrong_ends := line_ends_problem(header)) is not None:
        raise LogError(wrong_ends, source=source)
    if not header.strip():
        raise LogError(N_("the log has no header row (and no events)"), source=source)
    separator = "\t" if tab else max(_CSV_SEPARATORS, key=header.count)
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    try:
        rows = list(reader)
    except csv.Error as error:  # the sample is parsed by Python's reader, the rest by Polars
        raise LogError(read_error(error, reader.line_num), source=source) from None
    header_bytes = _record_end(head, first=True)
    if header_bytes == 0 and b"\n" in head:
        raise _misquoted(path, separator, source=source)
    return rows[0], separator, rows[1:_SAMPLE_ROWS + 1], header_bytes


#: A CSV log is parsed in blocks of about this size, so that its peak memory is the
#: events plus one block, not the events plus the whole file mapped in.
_CSV_BLOCK_BYTES = 8 * 1024 * 1024


def _record_end(data: bytes, *, first: bool = False) -> int:
    """Where the last (``first``: the first) whole CSV record of ``data`` ends; 0 if none.

    A line end counts only outside quotes: before it the number of quote
    characters is even (a quote inside a quoted field is written twice).

    >>> text = b'1,"a' + bytes([10]) + b'b"' + bytes([10]) + b'2,c' + bytes([10]) + b'3,"d'
    >>> _record_end(text), _record_end(text, first=True)
    (12, 8)
    """
    if first:
        cut, quotes = 0, 0  # quotes counted once, line by line: linear, not quadratic
        while (end := data.find(b"\n", cut) + 1) > 0:
            quotes += data.count(b'"', cut, end)
            cut = end
            if quotes % 2 == 0:
                return cut
        return 0
    cut = data.rfind(b"\n") + 1
    if data.find(b'"', 0, cut) < 0:  # no quote before it (most logs): a search for one
        return cut  # byte runs at memchr's speed, a count of them ~3x slower (1M events: 30 ms)
    odd = data.count(b'"', 0, cut) % 2
    while cut and odd:
        previous = data.rfind(b"\n", 0, cut - 1) + 1
        odd ^= data.count(b'"', previous, cut) % 2
        cut = previous
    return cut


#: The end of a block where its last line end is looked for first (see :func:`_unquoted_block`).
_CUT_WINDOW_BYTES = 64 * 1024


def _unquoted_block(stream: BinaryIO, start: int) -> bytes | None:
    """The block of ``stream`` from ``start`` to the last line end within
    :data:`_CSV_BLOCK_BYTES`, when it holds no quote (then its lines are its records);
    None when it holds one, when the file ends within the block or when its last
    :data:`_CUT_WINDOW_BYTES` hold no line end (or a quote: then the block is not read).

    The line end is found in a small window at the block's end and the block read up to
    it, not read whole and cut: a cut copies the block (1M events: 10 ms of CPU, a
    third of the reading).
    """
    window_bytes = min(_CUT_WINDOW_BYTES, _CSV_BLOCK_BYTES)
    stream.seek(start + _CSV_BLOCK_BYTES - window_bytes)
    window = stream.read(window_bytes + 1)  # a byte more: the file goes on after the block
    if len(window) <= window_bytes or (end := window.rfind(b"\n", 0, window_bytes)) < 0 \
            or window.find(b'"', 0, window_bytes) >= 0:  # a log with quotes: read no more
        return None
    stream.seek(start)
    block = stream.read(_CSV_BLOCK_BYTES - window_bytes + end + 1)
    return None if b'"' in block else block


def _misquoted(path: Path, separator: str, *, source: str) -> LogError:
    """The error for quotes that do not pair up: found when the file's last block holds an
    odd number of them, or the header's quote is not closed within 64 KiB. Said at the
    file line of the first record that is not CSV (:func:`first_misquoted_line`, which
    an odd count always finds), or at the header, line 1, when every record reads (a
    quoted header name longer than the 64 KiB looked at)."""
    return LogError(misquoted(first_misquoted_line(path.read_bytes(), separator) or 1),
                    source=source)


def _csv_pieces(path: Path, *, skip: int, names: list[str], separator: str,
                overrides: dict[str, pl.DataType], source: str) -> Iterator[pl.LazyFrame]:
    """The data rows of a CSV file in blocks cut between records, in file order.

    The next block is read on a second thread while Polars parses this one, up to its
    last line end when it holds no quote (:func:`_unquoted_block`), else cut by counting
    quotes (:func:`_record_end`). The last block is the rest of the file: an odd number
    of quotes in it is a field never closed (refused with its line: Polars would read
    the rest of the file as that one field).
    """
    with path.open("rb") as stream, ThreadPoolExecutor(max_workers=1) as reader:
        counting = False  # from the first block that needs its quotes counted on, all do

        def read_from(start: int) -> tuple[bytes, int]:
            nonlocal counting
            if not counting:
                if (block := _unquoted_block(stream, start)) is not None:
                    return block, start + len(block)
                counting = True  # a log with quotes has them in most blocks: one read lost
            stream.seek(start)
            block = stream.read(_CSV_BLOCK_BYTES)
            if not block:
                return block, start
            # The next block starts where this one's last whole record ends; a record
            # longer than a block (a huge quoted text) makes the block grow until it fits.
            cut = len(block) if len(block) < _CSV_BLOCK_BYTES else _record_end(block)
            while cut == 0:
                more = stream.read(_CSV_BLOCK_BYTES)
                block += more
                cut = len(block) if not more else _record_end(block)
            if cut == len(block) and block.count(b'"') % 2:  # the rest of the file
                raise _misquoted(path, separator, source=source)
            return (block if cut == len(block) else block[:cut]), start + cut

        coming = reader.submit(read_from, skip)
        while True:
            block, start = coming.result()
            if not block:
                return
            coming = reader.submit(read_from, start)
            yield pl.scan_csv(block, has_header=False, new_columns=names, separator=separator,
                              infer_schema=False, schema_overrides=overrides,
                              raise_if_empty=False)


_TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum, pl.Null, pl.Int8, pl.Int16, pl.Int32,
               pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_TIME_TYPES = (pl.String, pl.Categorical, pl.Enum, pl.Null, pl.Datetime, pl.Date)
_COST_TYPES = (*_TEXT_TYPES, pl.Float32, pl.Float64, pl.Decimal)


def _check_parquet(raw: pl.LazyFrame, schema: pl.Schema, columns: dict[str, str | None],
                   *, source: str) -> None:
    """Refuse a Parquet log with too many rows (counted from its metadata) or a column
    whose type cannot hold what it is used for (a list as an activity, bytes as a time)."""
    rows = raw.select(pl.len()).collect().item()
    if rows > MAX_LOG_EVENTS:
        raise LogError(N_("the log has {rows:,} rows, more than the limit of {limit:,}",
                          rows=Count(rows), limit=Count(MAX_LOG_EVENTS)), source=source)
    for field, name in columns.items():
        if name is None:
            continue
        dtype = schema[name]
        is_time = field in ("start", "end")
        allowed = _TIME_TYPES if is_time else _COST_TYPES if field == "cost" else _TEXT_TYPES
        if not isinstance(dtype, allowed):
            wanted = (N_("a date and time, or text") if is_time else N_("a number, or text")
                      if field == "cost" else N_("text or a whole number"))
            raise LogError(N_("column {name} (the {field}) holds {dtype} values; it must hold "
                              "{wanted}", name=quoted(name), field=_FIELD_WORDS[field],
                              dtype=str(dtype), wanted=wanted), source=source)


def _map_columns(
    found: list[str], explicit: dict[str, str | None], *, source: str
) -> dict[str, str | None]:
    by_lower = {name.strip().lower(): name for name in reversed(found)}
    shown = ", ".join(cut(name) for name in found[:20])
    if len(found) > 20:
        shown = N_("{names}, … ({count:,} columns)", names=shown, count=Count(len(found)))
    columns = guess_columns(found)
    for field, given in explicit.items():
        if given is not None:
            if given not in found and given.lower() not in by_lower:
                raise LogError(N_("no column {name} (given for {field}); the log has: {names}",
                                  name=quoted(given), field=field, names=shown),
                               source=source, columns=tuple(found))
            columns[field] = given if given in found else by_lower[given.lower()]
    if columns["end"] is None and columns["start"] is not None:
        columns["end"], columns["start"] = columns["start"], None
    missing = [f for f in ("case", "activity", "end") if columns[f] is None]
    if missing:
        said: Message | None = None
        for f in missing:  # each column said whole, so a translation can reorder
            names = (N_("{first} or {last}", first=", ".join(COLUMN_NAMES[f]),
                        last=", ".join(COLUMN_NAMES["start"])) if f == "end"
                     else ", ".join(COLUMN_NAMES[f]))
            said = (N_("missing column for {field} (one of {names})", field=_FIELD_WORDS[f],
                       names=names) if said is None else
                    N_("{message}; {field} (one of {names})", message=said,
                       field=_FIELD_WORDS[f], names=names))
        raise LogError(N_("{message}; the log has: {names}", message=said, names=shown),
                       source=source,
                       missing_fields=tuple(missing), columns=tuple(found))
    return columns


def guess_columns(found: list[str]) -> dict[str, str | None]:
    """Each field's column among ``found`` by its usual name (None where there is none).

    >>> guess_columns(["Сделка", "Этап", "Дата начала", "Дата окончания", "Ответственный",
    ...                "Стоимость"])
    {'case': 'Сделка', 'activity': 'Этап', 'start': 'Дата начала', 'end': 'Дата окончания', \
'resource': 'Ответственный', 'lifecycle': None, 'instance': None, 'cost': 'Стоимость'}
    """
    by_lower = {name.strip().lower(): name for name in reversed(found)}  # first one wins
    # "Стоимость, руб.", "Cost (EUR)": the name without its unit, when the name alone is not there
    for name in reversed(found):
        bare = re.sub(r"\s*[,(\[].*$", "", name.strip().lower())
        if bare and bare != name.strip().lower():
            by_lower.setdefault(bare, name)
    return {field: next((by_lower[n] for n in usual if n in by_lower), None)
            for field, usual in COLUMN_NAMES.items()}


def header_currency(name: str) -> str | None:
    """The currency a column's name states, if any: ``Стоимость, руб.`` → RUB.

    >>> header_currency("Стоимость, руб."), header_currency("cost (EUR)"), header_currency("cost")
    ('RUB', 'EUR', None)
    """
    unit = re.sub(r"^[^,(\[]*", "", name.strip()).strip(" ,()[].").lower()
    if not unit:
        return None
    for word, code in _CURRENCY_WORDS.items():
        if word in unit:
            return code
    return unit.upper() if re.fullmatch(r"[a-z]{3}", unit) else None


def log_columns(path: str | Path, *, source_name: str | None = None) -> list[str]:
    """The column names of a CSV or Parquet log (an XES log's attribute keys are fixed).

    Raises :class:`LogError` when the file cannot be read.
    """
    path = Path(path)
    source = source_name or str(path)
    suffix = ".xes" if path.name.lower().endswith(".xes.gz") else path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            return _csv_header(path, source=source, tab=suffix == ".tsv")[0]
        if suffix in (".parquet", ".pq"):
            return pl.scan_parquet(path).collect_schema().names()
    except pl.exceptions.PolarsError as error:
        raise LogError(_polars_problem(error), source=source) from None
    except OSError as error:
        raise LogError(N_("cannot read the file: {reason}", reason=error.strerror or str(error)),
                       source=source) from None
    if suffix == ".xes":  # the standard's keys (a start time is also read under other keys)
        return [key for key in _XES_KEYS if ":" in key and key != "time:start"]
    raise LogError(_unknown_format(suffix), source=source)


# --- typing and checking -----------------------------------------------------------------


def _to_naive_utc(parsed: pl.Expr, time_format: str) -> pl.Expr:
    return parsed.dt.replace_time_zone(None) if time_format.endswith("z") else parsed


def _parse_time(text: pl.Expr, time_format: str) -> pl.Expr:
    parsed = text.str.to_datetime(time_format, strict=False, time_unit="us", cache=False)
    return _to_naive_utc(parsed, time_format)


def _detect_format(sample: Iterable[str | None]) -> str:
    """The first layout of :data:`_TIME_FORMATS` that reads all of ``sample``, else the
    one that reads most of it (the first wins ties)."""
    values = pl.Series([v for v in sample if v is not None], dtype=pl.String)
    if values.is_empty():
        return _TIME_FORMATS[0]
    unread = []
    for time_format in _TIME_FORMATS:
        unread.append(values.str.to_datetime(time_format, strict=False, time_unit="us")
                      .null_count())
        if unread[-1] == 0:
            return time_format
    return _TIME_FORMATS[unread.index(min(unread))]


def _time_expr(name: str | None, dtype: pl.DataType | None, time_format: str | None,
               *, thorough: bool) -> tuple[pl.Expr, pl.Expr]:
    """(timestamp, raw text or null) of column ``name``: the raw text is for the checks."""
    if name is None:
        return pl.lit(None, dtype=pl.Datetime("us")), pl.lit(None, dtype=pl.String)
    column = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        stamp = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None) \
            if dtype.time_zone else column
        return stamp.dt.cast_time_unit("us"), column.cast(pl.String)
    if isinstance(dtype, pl.Date):
        return column.cast(pl.Datetime("us")), column.cast(pl.String)
    text = column.cast(pl.String)
    if not thorough:
        return _parse_time(text, time_format or _TIME_FORMATS[0]), text
    text = _clean_text(text)
    return pl.coalesce([_parse_time(text, f) for f in _TIME_FORMATS]), text


def _clean_text(text: pl.Expr) -> pl.Expr:
    stripped = text.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def _typed(raw: pl.LazyFrame, columns: dict[str, str | None], row_numbers: str | None,
           formats: dict[str, str | None], *, thorough: bool, first_row: int = 1
           ) -> pl.LazyFrame:
    """The events with the fixed columns, plus the raw time texts (``*_raw``) for checks."""
    schema = raw.collect_schema()

    def text(field: str) -> pl.Expr:
        name = columns[field]
        if name is None:
            return pl.lit(None, dtype=pl.Categorical)
        value = pl.col(name)
        if thorough:
            return _clean_text(value.cast(pl.String)).cast(pl.Categorical)
        if schema[name] == pl.Categorical:
            return value
        if field == "case":
            return _categorical_by_runs(value.cast(pl.String))
        return value.cast(pl.String).cast(pl.Categorical)

    start, start_raw = _time_expr(columns["start"], schema.get(columns["start"] or ""),
                                  formats["start"], thorough=thorough)
    end, end_raw = _time_expr(columns["end"], schema[columns["end"] or ""], formats["end"],
                              thorough=thorough)
    numbered = raw.with_row_index("row_no", offset=first_row) if row_numbers is None else \
        raw.with_columns(pl.col(row_numbers).cast(pl.UInt32).alias("row_no"))
    cost = columns["cost"]
    recorded = [] if cost is None else [
        (pl.col(cost).cast(pl.Float64) if schema[cost].is_numeric() else
         _clean_text(pl.col(cost).cast(pl.String))).alias("cost")]
    return numbered.select(
        "row_no", text("case").alias("case_id"), text("activity").alias("activity"),
        start.alias("start_ts"), end.alias("end_ts"), text("resource").alias("resource"),
        *(text(f).alias(f) for f in ("lifecycle", "instance") if columns[f] is not None),
        *recorded, start_raw.alias("start_raw"), end_raw.alias("end_raw"))


def _categorical_by_runs(text: pl.Expr) -> pl.Expr:
    """``text`` cast to Categorical a run of equal values at a time.

    Casting looks each value up in Polars' one table of categories; a case's rows are
    together in most logs, so the case ids are looked up once per run of rows, not
    per row (5M events, 420K cases: the table is large, a look-up misses the cache;
    the whole read takes 4 % less CPU).

    >>> frame = pl.DataFrame({"case": ["b", "b", None, None, "a", "b", ""]})
    >>> frame.select(_categorical_by_runs(pl.col("case"))).to_series().to_list()
    ['b', 'b', None, None, 'a', 'b', '']
    """
    return text.rle().struct.field("value").cast(pl.Categorical).gather(text.rle_id())


#: The checks in the order they are reported: (condition, message, value shown).
#: Each row check: the rows it fails, what it says (``{value}``: the cell it names).
_CHECKS: tuple[tuple[pl.Expr, Message, str | None], ...] = (
    (pl.col("case_id").is_null(), N_("the case id is empty"), None),
    (pl.col("activity").is_null(), N_("the activity is empty"), None),
    (pl.col("end_raw").is_null(), N_("the end time is empty"), None),
    (pl.col("end_ts").is_null(), N_("cannot read the time {value} (write it as 2024-03-01 "
                                    "10:15:00)", value=""), "end_raw"),
    (pl.col("start_raw").is_not_null() & pl.col("start_ts").is_null(),
     N_("cannot read the start time {value} (write it as 2024-03-01 10:15:00)", value=""),
     "start_raw"),
    (pl.col("end_ts") < pl.col("start_ts"), N_("the end time {value} is before the start time",
                                               value=""), "end_raw"),
)


def _fails_a_check(typed: pl.DataFrame) -> bool:
    """Whether a row of the fast path's ``typed`` events (with ``start_raw``) fails one of
    :data:`_CHECKS`.

    The same checks without a column per check: a column's null count is kept with it
    (free), and a time that cannot be read is null where its text is not. An empty or
    unread end time is a null ``end_ts``; an unread start time makes ``start_ts``
    have more nulls than ``start_raw``; only the order of start and end is compared.
    """
    start, end = typed["start_ts"], typed["end_ts"]
    return bool(typed["case_id"].null_count() or typed["activity"].null_count()
                or end.null_count() or start.null_count() != typed["start_raw"].null_count()
                or (end < start).any())


#: Cases in the order they first appear in the file, then each case's events in time order.
_ORDER = [pl.col("row_no").min().over("case_id").alias("first_row"),
          pl.coalesce("start_ts", "end_ts").alias("began"), "end_ts",
          "row_no"]
_EVENT_COLUMNS = ["row_no", "case_id", "activity", "start_ts", "end_ts", "resource"]


def _load(raw: pl.LazyFrame, columns: dict[str, str | None], row_numbers: str | None,
          sample: dict[str, list[str | None]] | None, *, source: str,
          pieces: Callable[[], Iterator[pl.LazyFrame]] | None = None
          ) -> tuple[pl.DataFrame, list[Problem], int]:
    """Type, check, pair and order the events; the first failing check raises
    :class:`LogError`; what pairing skipped is returned as warnings, with the
    number of cases.

    The fast path reads the times in the layout of the first rows (``sample``,
    else the first rows of ``raw``) and keeps the text columns as they are.
    Should any check fail, or a case, activity or resource carry blanks at
    either end, the whole log is read again the slow way (trimmed text, every
    layout tried), and what still fails is reported. Most logs are exported
    case by case in time order: those are only checked, not sorted. With
    ``pieces`` (the same rows as ``raw``, in blocks) the fast path reads block
    by block. Recorded costs written as text are read by the typed-number rule
    (:mod:`abc_costing.formats.typed_numbers`); rows of lifecycle transitions
    become one event per execution (:func:`~abc_costing.formats.lifecycle.pair_transitions`),
    whatever the file's format.
    """
    extra = [f for f in ("lifecycle", "instance", "cost") if columns[f] is not None]
    if sample is None:
        schema = raw.collect_schema()
        wanted = {f: n for f in ("start", "end") if (n := columns[f]) is not None
                  and schema[n] == pl.String}
        first = raw.head(_SAMPLE_ROWS).select(wanted.values()).collect() if wanted else None
        sample = {f: first[n].to_list() for f, n in wanted.items()} if first is not None else {}
    formats = {field: _detect_format(sample[field]) if field in sample else None
               for field in ("start", "end")}
    def fast(frame: pl.LazyFrame, first_row: int) -> tuple[pl.DataFrame, bool]:
        typed = (_typed(frame, columns, row_numbers, formats, thorough=False,
                        first_row=first_row)
                 .select(*_EVENT_COLUMNS, *extra, "start_raw").collect())
        return typed.drop("start_raw"), _fails_a_check(typed)

    parts, rows, failed = [], 0, False
    for piece in pieces() if pieces is not None else [raw]:
        part, fails = fast(piece, rows + 1)
        parts.append(part)
        failed |= fails
        rows += part.height
    events = pl.concat(parts, rechunk=False) if parts else fast(raw, 1)[0]  # no rows: empty
    distinct = _distinct_texts(events)
    if failed or _has_blank_edges(distinct):
        events = _typed(raw, columns, row_numbers, formats, thorough=True).collect()
        _raise_first_failure(events, source=source)
        events = events.select(*_EVENT_COLUMNS, *extra)
        distinct = _distinct_texts(events)
    _check_text_lengths(distinct, source=source)
    case_count = distinct["case_id"][0].len()
    if "cost" in extra and events.schema["cost"] == pl.String:
        events = _read_costs(events, source=source)
    problems: list[Problem] = []
    if "lifecycle" in extra:
        events, problems = pair_transitions(events)
        case_count = events["case_id"].n_unique()  # pairing may leave a case no event
    elif "instance" in extra:  # an instance id only tells rows of one execution apart
        events = events.drop("instance")
    in_order = _in_case_order(events, case_count=case_count)
    return (events if in_order else events.sort(_ORDER)), problems, case_count


def _read_costs(events: pl.DataFrame, *, source: str) -> pl.DataFrame:
    """The recorded costs written as text, as numbers by the typed-number rule (each
    distinct text read once); an unreadable one raises :class:`LogError` at its first row.
    An empty cell is no recorded cost (null)."""
    texts = events["cost"].drop_nulls().unique().to_list()
    numbers: dict[str, float] = {}
    for text in texts:
        try:
            numbers[text] = parse_typed_number(text)
        except ValueError as error:
            row = events.filter(pl.col("cost") == text)["row_no"].min()
            raise LogError(N_("cannot read the recorded cost: {reason}",
                              reason=error.args[0] if error.args else str(error)),
                           source=source,
                           row=int(row)) from None  # type: ignore[arg-type]
    return events.with_columns(pl.col("cost").replace_strict(
        numbers, default=None, return_dtype=pl.Float64))


#: The text columns checked for blanks and length, and the field each holds.
_CHECKED_TEXTS = (("case_id", "case"), ("activity", "activity"), ("resource", "resource"))


def _distinct_texts(events: pl.DataFrame) -> dict[str, tuple[pl.Series, pl.Series]]:
    """Each checked text column's distinct values (as text) and the row number of each
    one's first row.

    Found once by their codes (hashing codes is the cheap way), so that the blank
    and length checks measure a text repeated on every row once, never copied per
    row; the case ids' count is the number of cases.
    """
    found = {}
    for name, _ in _CHECKED_TEXTS:
        column = events[name]
        firsts = _case_firsts(column) if name == "case_id" else None
        if firsts is None:
            firsts = column.to_physical().arg_unique()  # first row of each distinct value
        found[name] = column.gather(firsts).cast(pl.String), events["row_no"].gather(firsts)
    return found


def _case_firsts(column: pl.Series) -> pl.Series | None:
    """The first row of each case, when each case's rows are contiguous (most logs are
    exported case by case); else None.

    Then the first rows of the runs of one case are the first rows, and they are told
    contiguous by their cases being distinct: hashing one row per case instead of every
    row (5M events: 20 ms instead of 100). The runs are found by Polars' run-length
    encoding, which reads the column's chunks as they are (comparing each row with the
    one before it copied the column to line its chunks up).

    >>> cases = pl.Series(["b", "b", "a", "c", "c"], dtype=pl.Categorical)
    >>> _case_firsts(cases).to_list(), cases.to_physical().arg_unique().to_list()
    ([0, 2, 3], [0, 2, 3])
    >>> _case_firsts(pl.Series(["b", "a", "b"], dtype=pl.Categorical)) is None
    True
    """
    runs = column.to_physical().rle()
    cases, lengths = runs.struct.field("value"), runs.struct.field("len")
    if cases.n_unique() != cases.len():
        return None
    return lengths.cum_sum() - lengths


def _check_text_lengths(distinct: dict[str, tuple[pl.Series, pl.Series]], *,
                        source: str) -> None:
    """Refuse a case id, activity or resource longer than :data:`MAX_LOG_TEXT_CHARS`,
    naming its first row (``distinct``: see :func:`_distinct_texts`)."""
    for name, field in _CHECKED_TEXTS:
        values, rows = distinct[name]
        too_long = (values.str.len_chars() > MAX_LOG_TEXT_CHARS).fill_null(False)
        if not too_long.any():
            continue
        first = int(rows.filter(too_long).arg_min())  # type: ignore[arg-type]
        raise LogError(N_("the {field} {value} is longer than {limit:,} characters; a name "
                          "that long is no name", field=_FIELD_WORDS[field],
                          value=quoted(values.filter(too_long)[first]),
                          limit=Count(MAX_LOG_TEXT_CHARS)),
                       source=source, row=int(rows.filter(too_long)[first]))


#: Rows of the table compared at a time by :func:`_in_case_order`.
_ORDER_WINDOW_ROWS = 128 * 1024


def _in_case_order(events: pl.DataFrame, *, case_count: int) -> bool:
    """Whether each case's rows are contiguous and in time order (see the module docstring).

    Contiguous: as many runs of one case as there are cases (no case id is null: the
    checks refused that). In time order: each row of a case is later than the one before
    it, compared in windows of :data:`_ORDER_WINDOW_ROWS`: a row and the one before it
    are in different chunks of the table (one per block of the file and more), and Polars
    copies a column whole to line them up, a copy to fault in per comparison (1M events:
    28 MB, 6 ms of CPU); a window's copy is small and its memory used again by the next.

    >>> events = pl.DataFrame({"case_id": ["a", "a", "b"], "start_ts": [None] * 3,
    ...                        "end_ts": [1, 2, 1]}, schema={"case_id": pl.Categorical,
    ...                        "start_ts": pl.Datetime("us"), "end_ts": pl.Datetime("us")})
    >>> _in_case_order(events, case_count=2), _in_case_order(events[[1, 0, 2]], case_count=2)
    (True, False)
    """
    if events["case_id"].to_physical().rle().len() != case_count:
        return False
    case = pl.col("case_id").to_physical()
    began, ended = pl.coalesce("start_ts", "end_ts"), pl.col("end_ts")
    changes = (case != case.shift(1)).fill_null(True)
    later = (began > began.shift(1)) | ((began == began.shift(1)) & (ended >= ended.shift(1)))
    timely = (changes | later.fill_null(True)).all()
    # Each window starts a row early: its first row is compared with the row before it.
    return all(events.slice(max(first - 1, 0), _ORDER_WINDOW_ROWS + min(first, 1))
               .select(timely).item()
               for first in range(0, events.height, _ORDER_WINDOW_ROWS))


def _has_blank_edges(distinct: dict[str, tuple[pl.Series, pl.Series]]) -> bool:
    """Whether a case id, activity or resource is empty or has blanks at either end
    (``distinct``: see :func:`_distinct_texts`)."""
    for values, _ in distinct.values():
        values = values.drop_nulls()
        if ((values.str.strip_chars() != values) | (values == "")).any():
            return True
    return False


def _raise_first_failure(events: pl.DataFrame, *, source: str) -> None:
    firsts = events.select(
        [pl.col("row_no").filter(condition.fill_null(False)).min().alias(f"row{index}")
         for index, (condition, _, _) in enumerate(_CHECKS)]).row(0)
    for (_, message, value), row in zip(_CHECKS, firsts, strict=True):
        if row is not None:
            shown = None if value is None else events.filter(pl.col("row_no") == row)[value][0]
            raise LogError(Message(message.template, {"value": quoted(shown)})
                           if message.values else message, source=source, row=int(row))


# --- XES ---------------------------------------------------------------------------


class _GuardedStream(io.RawIOBase):
    """A file read through a byte budget that refuses document type declarations
    and overlong tags.

    Without a DOCTYPE there is no entity to expand and nothing external to
    fetch, so refusing it (anywhere in the file, even in a comment: a
    false alarm there costs nothing) closes billion-laughs and XXE attacks
    without a third-party parser.

    The XML parser (expat) reads a tag whole: fed a tag in 16 KiB pieces, it
    scans it again from its start with each piece, so one attribute of 50 MB
    took minutes. No tag (nor text between tags) may be longer than
    :data:`MAX_XES_TAG_BYTES`: counted here as the bytes since the last ``<``,
    before the parser sees them.
    """

    def __init__(self, stream: BinaryIO | gzip.GzipFile, *, max_bytes: int, source: str,
                 too_big: str = "the file is larger than the limit of"):
        self._stream, self._max_bytes, self._source = stream, max_bytes, source
        self._too_big = too_big
        self._read, self._tail = 0, b""
        self._lines = 1  # the line the next byte is on
        self._run, self._run_line = 0, 1  # bytes since the last "<", and its line

    def readable(self) -> bool:
        return True

    @property
    def open_run(self) -> int:
        """Bytes read since the last ``<``: how long the tag being read is so far."""
        return self._run

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        if self._read == 0 and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise LogError(N_("XES files must be UTF-8"), source=self._source)
        self._read += len(data)
        if self._read > self._max_bytes:
            raise LogError(N_("the file unpacks to more than {limit:,} bytes",
                              limit=Count(self._max_bytes))
                           if self._too_big.startswith("the file unpacks") else
                           N_("the file is larger than the limit of {limit:,} bytes",
                              limit=Count(self._max_bytes)), source=self._source)
        window = self._tail + data
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise LogError(N_("XES with a document type declaration (DOCTYPE/ENTITY) is "
                              "refused: it can hide entity bombs or fetch external files"),
                           source=self._source)
        self._tail = window[-8:]
        self._count_run(data)
        self._lines += data.count(b"\n")
        buffer[: len(data)] = data
        return len(data)

    def _count_run(self, data: bytes) -> None:
        position = data.find(b"<")
        if position < 0:
            self._run += len(data)
            self._check(self._run)
            return
        self._check(self._run + position)  # the run that ends at this piece's first "<"
        if len(data) > MAX_XES_TAG_BYTES:  # only then can a gap inside the piece be long
            following = data.find(b"<", position + 1)
            while following >= 0:
                self._run_line = self._lines + data.count(b"\n", 0, position)
                self._check(following - position - 1)
                position, following = following, data.find(b"<", following + 1)
        last = data.rfind(b"<")
        self._run_line = self._lines + data.count(b"\n", 0, last)
        self._run = len(data) - last - 1
        self._check(self._run)

    def _check(self, run: int) -> None:
        if run > MAX_XES_TAG_BYTES:
            raise LogError(
                N_("line {line}: a tag (or the text after it) is longer than {limit:,} bytes; "
                   "no name, time or attribute of an event is that long, so the file is "
                   "refused", line=self._run_line, limit=Count(MAX_XES_TAG_BYTES)),
                source=self._source)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


#: Bytes fed to the XML parser at a time (what iterparse feeds: larger pieces made
#: reading slower), except inside a long tag: see :func:`_xml_events`.
_XES_READ_BYTES = 16 * 1024


def _xml_events(stream: _GuardedStream) -> Iterator[Any]:
    """("start" or "end", element) of each element of ``stream``, as iterparse gives them.

    Inside a tag longer than a piece, the next piece is as long as the tag so far:
    the parser rescans an unfinished tag from its start with each piece, so a tag of
    1 MiB fed in 16 KiB pieces cost 32 MiB of scanning; doubling the pieces keeps it
    under twice the tag.
    """
    import xml.etree.ElementTree as ElementTree

    parser: ElementTree.XMLPullParser = ElementTree.XMLPullParser(events=("start", "end"))
    while chunk := stream.read(max(_XES_READ_BYTES, stream.open_run)):
        parser.feed(chunk)
        yield from parser.read_events()
    parser.close()
    yield from parser.read_events()


def _xes_value(element: ElementTree.Element, field: str, *, event_number: int,
               notes: CostNotes) -> str | float | None:
    """An event attribute's value as the event table wants it: a recorded cost as a number
    (see :func:`~abc_costing.formats.xes_costs.cost_number`; one that is not a number is
    noted and left out), anything else as its text."""
    value = element.get("value")
    if field != "cost" or value is None:
        return value
    try:
        return cost_number(value, tag=_local(element.tag))
    except ValueError as error:
        unreadable(notes, N_("event {number}", number=event_number), xes_costs.TOTAL, error)
        return None


def _xes_stream(path: Path, *, source: str, max_bytes: int
                ) -> tuple[BinaryIO | gzip.GzipFile, int, str]:
    """The file's bytes as XML (an ``.xes.gz`` unpacked as it is read), the most XML
    bytes it may hold, and how to say so."""
    size = path.stat().st_size
    if size > max_bytes:
        raise LogError(N_("the file is {size:,} bytes, larger than the limit of {limit:,}",
                          size=Count(size), limit=Count(max_bytes)), source=source)
    if not path.name.lower().endswith(".gz"):
        return path.open("rb"), max_bytes, "the file is larger than the limit of"
    limit = min(max_bytes, max(MAX_XES_GZ_FLOOR_BYTES, MAX_XES_GZ_RATIO * size))
    return gzip.GzipFile(path, "rb"), limit, "the file unpacks to more than"


@dataclass
class _XesTraces:
    """What an XES file's ``<trace>`` elements say beside their events.

    Attributes:
      costs: ``case`` and ``cost``: each trace's own recorded cost (its ``cost:total``,
        else its drivers' sum), for those that state one.
      currencies: the currencies the traces state (``cost:currency``).
      notes: cost values that could not be read or do not add up.
    """

    costs: pl.DataFrame
    currencies: frozenset[str]
    notes: CostNotes


def _xes_frame(path: Path, *, source: str, max_bytes: int) -> tuple[pl.DataFrame, _XesTraces]:
    """The events of an XES file, one row per ``<event>``: ``row_no``, ``case`` (the
    trace's ``concept:name``) and one column per field of :data:`_XES_KEYS` that any
    event carries (``activity``, ``end``, ``start``, ``resource``, ``lifecycle``,
    ``instance``, ``cost``), as text (the cost as a number); and what the traces
    say of their costs (see :mod:`abc_costing.formats.xes_costs`).

    Each element is detached from its parent once read, so memory holds one event,
    not the file; nesting and the elements of one event are capped (see the
    ``MAX_XES_*`` limits). Only an attribute directly inside an ``<event>`` (or,
    for the case id, a ``<string>`` directly inside a ``<trace>``) is read, and the
    ``cost:amount`` of each driver in a ``cost:drivers`` list of an event or a trace.
    """
    import xml.etree.ElementTree as ElementTree

    columns: dict[str, list] = {"row_no": [], "case": [],
                                **{field: [] for field in dict.fromkeys(_XES_KEYS.values())}}
    case_id: str | None = None
    event: dict[str, str | float | None] | None = None
    depth = 0  # nesting below an <event> (nested attributes of attributes are skipped)
    inside_event = 0  # elements read inside the current <event>
    count = 0
    open_elements: list[ElementTree.Element] = []
    notes = CostNotes()
    trace_no = 0
    trace_total: float | None = None  # the current trace's own cost:total
    trace_costs: dict[str, list] = {"case": [], "cost": []}
    currencies: set[str] = set()
    # The cost:drivers list being read: where it opened (the depth below the event, or
    # the open elements of the trace), and the amounts read in it.
    drivers_at: int | None = None
    amounts: list[float] = []
    trace_amounts: list[float] = []

    def amount(element: ElementTree.Element, where: Message) -> float | None:
        try:
            return cost_number(element.get("value", ""), tag=_local(element.tag))
        except ValueError as error:
            unreadable(notes, where, xes_costs.AMOUNT, error)
            return None

    def where_trace() -> Message:
        return N_("trace {number} (case {case})", number=trace_no,
                  case=quoted(case_id)) if case_id is not None else \
            N_("trace {number}", number=trace_no)

    opened, max_read, too_big = _xes_stream(path, source=source, max_bytes=max_bytes)
    # The collector paused: each event's elements are garbage at once, and with it
    # running, every collection walked the events' columns again (a third of the time).
    with opened as raw, cyclic_gc_paused():
        stream = _GuardedStream(raw, max_bytes=max_read, source=source, too_big=too_big)
        try:
            for kind, element in _xml_events(stream):
                tag = _local(element.tag)
                if kind == "start":
                    if event is not None:  # an attribute of an event (or nested in one)
                        depth += 1
                        inside_event += 1
                        if inside_event > MAX_XES_ELEMENTS_PER_EVENT:
                            raise LogError(N_("an event has more than {limit:,} attributes",
                                              limit=Count(MAX_XES_ELEMENTS_PER_EVENT)),
                                           source=source, row=count + 1)
                        if len(open_elements) + depth > MAX_XES_DEPTH:
                            raise LogError(N_("elements are nested more than {limit} deep "
                                              "(at <{tag}>)", limit=MAX_XES_DEPTH,
                                              tag=tag[:60]), source=source,
                                           row=count + 1)
                        if depth == 1 and element.get("key") == xes_costs.DRIVERS:
                            drivers_at = depth
                        continue
                    open_elements.append(element)
                    if len(open_elements) > MAX_XES_DEPTH:
                        raise LogError(N_("elements are nested more than {limit} deep "
                                          "(at <{tag}>)", limit=MAX_XES_DEPTH, tag=tag[:60]),
                                       source=source, row=count + 1)
                    if tag == "event":
                        event, depth, inside_event, amounts = {}, 0, 0, []
                    elif tag == "trace":
                        case_id, trace_total, trace_amounts = None, None, []
                        trace_no += 1
                    elif element.get("key") == xes_costs.DRIVERS and len(open_elements) > 1 \
                            and _local(open_elements[-2].tag) == "trace":
                        drivers_at = len(open_elements)
                    continue
                key = element.get("key", "")
                if event is not None and depth:  # stays in its event until the event ends
                    depth -= 1
                    if drivers_at is not None and depth >= drivers_at \
                            and key == xes_costs.AMOUNT:
                        if (number := amount(element, N_("event {number}",
                                                         number=count + 1))) is not None:
                            amounts.append(number)
                    elif depth == 0 and key == xes_costs.DRIVERS:
                        drivers_at = None
                    field = _XES_KEYS.get(key)
                    if depth == 0 and field is not None and tag not in _XES_COLLECTIONS \
                            and field not in event:  # the first one wins, as for columns
                        event[field] = _xes_value(element, field, notes=notes,
                                                  event_number=count + 1)
                    continue
                if event is not None:  # the event itself
                    count += 1
                    if amounts:  # the message made only when there is something to settle
                        total = event.get("cost")
                        event["cost"] = settle(total if isinstance(total, float) else None,
                                               amounts, where=N_("event {number}", number=count),
                                               notes=notes, kind="event")
                    columns["row_no"].append(count)
                    columns["case"].append(case_id)
                    for field in _XES_FIELDS:
                        columns[field].append(event.get(field))
                    event = None
                elif tag == "trace":
                    cost = settle(trace_total, trace_amounts, where=where_trace(), notes=notes,
                                  kind="trace")
                    if cost is not None:
                        trace_costs["case"].append(case_id)
                        trace_costs["cost"].append(cost)
                elif drivers_at is not None and len(open_elements) > drivers_at:
                    if key == xes_costs.AMOUNT and (number := amount(element,
                                                                     where_trace())) is not None:
                        trace_amounts.append(number)
                elif drivers_at is not None and len(open_elements) == drivers_at:
                    drivers_at = None
                elif open_elements[-2:-1] and _local(open_elements[-2].tag) == "trace":
                    if tag in _XES_CASE_ID_TYPES and key == "concept:name" and case_id is None:
                        case_id = element.get("value")
                    elif key == xes_costs.TOTAL and trace_total is None:
                        try:
                            trace_total = cost_number(element.get("value", ""), tag=tag)
                        except ValueError as error:
                            unreadable(notes, where_trace(), xes_costs.TOTAL, error)
                    elif key == xes_costs.CURRENCY and element.get("value", "").strip():
                        currencies.add(element.get("value", "").strip())
                open_elements.pop()
                if open_elements:  # read: detach it, so that memory stays flat (an
                    del open_elements[-1][-1]  # element that has just ended is the last)
        except ElementTree.ParseError as error:
            raise LogError(N_("malformed XML: {reason}", reason=cut(str(error), 200)),
                           source=source) from None
        except (LookupError, ValueError, EOFError, gzip.BadGzipFile, zlib.error) as error:
            # an encoding Python cannot read, or a broken .gz
            raise LogError(N_("cannot read the XML: {reason}; save the log as UTF-8 (gzip)",
                              reason=cut(str(error), 200))
                           if too_big.startswith("the file unpacks") else
                           N_("cannot read the XML: {reason}; save the log as UTF-8",
                              reason=cut(str(error), 200)), source=source) from None
    if count == 0:
        raise LogError(N_("the log has no events"), source=source)
    schema = {name: pl.UInt32 if name == "row_no" else pl.Float64 if name == "cost"
              else pl.String for name in columns}
    frame = pl.DataFrame(columns, schema=schema)
    # Whole-log omissions (synthetic logs with no times, traces with no names) are said
    # as such, not as the first row that lacks them.
    if frame["end"].null_count() == frame.height:
        raise LogError(N_("no event has a time (time:timestamp): the paths are there, but a "
                          "cost needs each event's time"), source=source)
    if frame["case"].null_count() == frame.height:
        raise LogError(N_("no trace has a case id (its own concept:name)"), source=source)
    traces = _XesTraces(pl.DataFrame(trace_costs, schema={"case": pl.String,
                                                          "cost": pl.Float64}),
                        frozenset(currencies), notes)
    kept = [name for name in frame.columns
            if name in ("row_no", "case", "activity", "end")
            or frame[name].null_count() < frame.height
            or (name == "cost" and traces.costs.height)]  # a trace's cost is booked on events
    return frame.select(kept), traces
