"""Writing a log's cases with their costs: XES with the cost extension, and Parquet tables.

Other tools read costs from a log as the XES cost extension writes them (see
:mod:`abc_costing.formats.xes_costs`): ProM through OpenXES, Apromore, PM4Py.
:func:`write_costed_xes` writes each case as a ``<trace>`` with its variant id and
its cost, and each execution as a ``start`` and a ``complete`` event (one
``complete`` when the log has no start time), the costs on the ``complete``:

* with rates, an event's ``cost:total`` is its modelled labour cost (minutes ×
  the rate of its resource), written again as one ``cost:driver`` (the resource)
  with ``cost:type`` ``labour``; the cost the log recorded, if any, is kept beside
  it as ``recorded_cost`` (a plain attribute: the standard has no key for it);
* without rates, ``cost:total`` is the cost the log recorded.

A trace's ``cost:total`` is the sum of its events' (written when every event has
one), and ``cost:currency`` the currency of the costs. The file is written as it
goes (one case's events in memory at a time, never the whole document), into a
temporary file beside the target that replaces it only once complete.

Texts are escaped for XML; characters XML 1.0 cannot carry at all (control
characters other than tab and line ends) are written as U+FFFD and counted.

Examples
--------
>>> import datetime, pathlib, tempfile
>>> import polars as pl
>>> events = pl.DataFrame({
...     "case_id": ["1", "1"], "activity": ["Приём <заявки>", "Звонок & ответ"],
...     "start_ts": [None, None], "end_ts": [datetime.datetime(2024, 3, 1, 10),
...                                         datetime.datetime(2024, 3, 1, 11)],
...     "resource": ["clerk", None], "labor_cost": [100.0, None], "variant": ["V1", "V1"]},
...     schema_overrides={"start_ts": pl.Datetime("us")})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "costs.xes"
>>> write_costed_xes(path, events, currency="RUB", log_name="demo")
XesWritten(traces=1, events=2, replaced_characters=0)
>>> text = path.read_text(encoding="utf-8")
>>> '<extension name="Cost" prefix="cost" uri="http://www.xes-standard.org/cost.xesext"/>' in text
True
>>> 'value="Приём &lt;заявки&gt;"' in text, '<float key="cost:total" value="100.0"/>' in text
(True, True)
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl

from abc_costing.formats import xes_costs

__all__ = ["XesWritten", "write_costed_xes", "write_parquet_table"]

#: Characters XML 1.0 cannot hold even as references; each is written as U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Escapes for an attribute value: markup, and the whitespace an XML parser would
#: otherwise normalise to a space (a tab or line end inside a name comes back as such).
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                          "\t": "&#9;", "\n": "&#10;", "\r": "&#13;",
                          **{chr(c): "\ufffd" for c in range(32) if c not in (9, 10, 13)},
                          "\ufffe": "\ufffd", "\uffff": "\ufffd"})
_EXTENSIONS = (("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
               ("Time", "time", "http://www.xes-standard.org/time.xesext"),
               ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
               ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
               ("Cost", "cost", xes_costs.COST_EXTENSION_URI))
#: Events formatted per batch: enough to keep Polars' per-call cost small, few enough
#: that the batch's text is a few MiB.
_BATCH_EVENTS = 20_000


@dataclass(frozen=True)
class XesWritten:
    """What :func:`write_costed_xes` wrote.

    Attributes:
      traces: cases written.
      events: executions written (a start and a complete of one execution are one).
      replaced_characters: distinct names (case ids, activities, resources) that held a
        character XML cannot carry, written with U+FFFD in its place.
    """

    traces: int
    events: int
    replaced_characters: int


def _text(value: object) -> str:
    return str(value).translate(_ESCAPES)


def _number(value: float) -> str:
    return repr(float(value))  # the shortest text that reads back as the same float


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[BinaryIO]:
    """A file to write in place of ``path``: a temporary file beside it that replaces it
    (``os.replace``, atomic on POSIX) once written and synced, and is removed on error."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _replaced(events: pl.DataFrame) -> int:
    """Distinct names holding a character XML cannot carry."""
    names = [events[c].drop_nulls().unique().cast(pl.String)
             for c in ("case_id", "activity", "resource") if c in events.columns]
    return sum(int(n.str.contains(_NOT_XML.pattern).sum()) for n in names)


def _prepared(events: pl.DataFrame, *, costed: str | None) -> pl.DataFrame:
    """The columns the writer walks: texts as strings, times as ISO text, each event's
    written cost (``total``) and each case's (``trace_total``, null unless every event
    of the case has one), and each execution's number within its case."""
    iso = "%Y-%m-%dT%H:%M:%S%.6f"
    total = pl.col(costed) if costed else pl.lit(None, dtype=pl.Float64)
    return events.select(
        pl.col("case_id").cast(pl.String), pl.col("activity").cast(pl.String),
        pl.col("resource").cast(pl.String), pl.col("start_ts").dt.to_string(iso).alias("start"),
        pl.col("end_ts").dt.to_string(iso).alias("end"),
        pl.col("variant") if "variant" in events.columns else pl.lit(None, pl.String)
        .alias("variant"),
        total.alias("total"),
        # A case's modelled cost needs every event priced (as the variants' cost per case);
        # its recorded cost counts an event without one as 0 (as the variants' recorded).
        (pl.lit(None, pl.Float64) if costed is None  # nothing priced, nothing recorded
         else pl.when((total.is_not_null().all() if costed == "labor_cost"
                       else total.is_not_null().any()).over("case_id"))
         .then(total.sum().over("case_id"))).alias("trace_total"),
        (pl.col("labor_cost") if costed == "labor_cost" else pl.lit(None, pl.Float64))
        .alias("labour"),
        (pl.col("cost") if costed == "labor_cost" and "cost" in events.columns
         else pl.lit(None, pl.Float64)).alias("recorded"),
        pl.int_range(1, pl.len() + 1).over("case_id").alias("instance"))


def _event(out: list[str], row: tuple, *, currency: str) -> None:
    (_, activity, resource, start, end, _, total, _, labour, recorded, instance) = row
    common = [f'<string key="concept:name" value="{_text(activity)}"/>']
    if resource is not None:
        common.append(f'<string key="org:resource" value="{_text(resource)}"/>')
    common.append(f'<string key="concept:instance" value="{instance}"/>')
    if start is not None:
        out.append("\t\t<event>" + "".join(common)
                   + '<string key="lifecycle:transition" value="start"/>'
                   f'<date key="time:timestamp" value="{start}"/></event>\n')
    out.append("\t\t<event>" + "".join(common)
               + '<string key="lifecycle:transition" value="complete"/>'
               f'<date key="time:timestamp" value="{end}"/>')
    if total is not None:
        out.append(f'<float key="cost:total" value="{_number(total)}"/>'
                   f'<string key="cost:currency" value="{_text(currency)}"/>')
    if labour is not None:
        out.append('<list key="cost:drivers"><values>'
                   f'<string key="cost:driver" value="{_text(resource)}">'
                   f'<float key="cost:amount" value="{_number(labour)}"/>'
                   '<string key="cost:type" value="labour"/></string></values></list>')
    if recorded is not None:
        out.append(f'<float key="recorded_cost" value="{_number(recorded)}"/>')
    out.append("</event>\n")


def write_costed_xes(path: str | Path, events: pl.DataFrame, *, currency: str,
                     log_name: str) -> XesWritten:
    """Write ``events`` as an XES log with the cost extension (see the module docstring).

    ``events`` has the event table's columns (``case_id``, ``activity``,
    ``start_ts``, ``end_ts``, ``resource``; sorted by case and time), optionally
    ``cost`` (recorded), ``labor_cost`` (modelled: with it, the modelled cost is the
    one written as ``cost:total``) and ``variant`` (each case's variant id).
    """
    path = Path(path)
    costed = "labor_cost" if "labor_cost" in events.columns and \
        events["labor_cost"].is_not_null().any() else "cost" if "cost" in events.columns \
        else None
    prepared = _prepared(events, costed=costed)
    head = ['<?xml version="1.0" encoding="UTF-8"?>\n',
            '<log xes.version="1849.2016" xes.features="nested-attributes" '
            'xmlns="http://www.xes-standard.org/">\n',
            *(f'\t<extension name="{n}" prefix="{p}" uri="{u}"/>\n' for n, p, u in _EXTENSIONS),
            f'\t<string key="concept:name" value="{_text(log_name)}"/>\n',
            f'\t<string key="cost:currency" value="{_text(currency)}"/>\n']
    traces = 0
    with _replacing(path) as stream:
        stream.write("".join(head).encode("utf-8"))
        case: str | None = None
        for batch in prepared.iter_slices(_BATCH_EVENTS):
            out: list[str] = []
            for row in batch.iter_rows():
                if row[0] != case or traces == 0:
                    if traces:
                        out.append("\t</trace>\n")
                    traces += 1
                    case = row[0]
                    out.append(f'\t<trace>\n\t\t<string key="concept:name" value="{_text(case)}"/>')
                    if row[5] is not None:
                        out.append(f'<string key="variant" value="{_text(row[5])}"/>')
                    if row[7] is not None:
                        out.append(f'<float key="cost:total" value="{_number(row[7])}"/>'
                                   f'<string key="cost:currency" value="{_text(currency)}"/>')
                    out.append("\n")
                _event(out, row, currency=currency)
            stream.write("".join(out).encode("utf-8"))
        stream.write(b"\t</trace>\n</log>\n" if traces else b"</log>\n")
    return XesWritten(traces, events.height, _replaced(events))


def write_parquet_table(path: str | Path, table: pl.DataFrame) -> None:
    """Write ``table`` to ``path`` as Parquet, replacing it only once complete.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
    >>> write_parquet_table(path, pl.DataFrame({"a": [[1, 2]]}))
    >>> pl.read_parquet(path)["a"].to_list()
    [[1, 2]]
    """
    with _replacing(Path(path)) as stream:
        table.write_parquet(stream)
