"""CSV files that Excel opens correctly and that cannot smuggle in a formula (and what
reading one must refuse: line ends of a kind no CSV reader splits on).

- UTF-8 with a byte-order mark, so Excel shows Cyrillic names;
- ``CRLF`` line ends;
- numbers unquoted and unrounded (Python writes floats with ``repr``), so they
  read back exactly, as numbers;
- every text cell quoted, so a ``;`` inside it cannot start a new cell where
  Excel splits on ``;`` (the Russian list separator);
- every text cell a spreadsheet would take for a formula (starting with
  ``=``, ``+``, ``-``, ``@``, tab, CR or LF) prefixed with ``'`` so it stays text.

Examples
--------
>>> csv_bytes(["id", "cost"], [["=1+2", 1.5], ["a;b", None]]).decode("utf-8-sig").splitlines()
['"id","cost"', '"\\'=1+2",1.5', '"a;b",""']
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from abc_costing.i18n import N_, Message

__all__ = ["FORMULA_STARTS", "safe_text", "csv_bytes", "line_ends_problem", "read_error",
           "first_misquoted_line", "misquoted"]

#: First characters that make a spreadsheet treat a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_text(value: Any) -> Any:
    """Text that cannot become a live formula in Excel or LibreOffice; other values as is.

    >>> safe_text("=HYPERLINK(\\"http://x\\")"), safe_text("-5"), safe_text("Юрист"), safe_text(-5)
    ('\\'=HYPERLINK("http://x")', "'-5", 'Юрист', -5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file as described in the module docstring; ``None`` is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else safe_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def line_ends_problem(first_line: str) -> Message | None:
    """Why a CSV file cannot be read by its line ends, judged on its first line (the text
    up to the first LF; a CR just before that LF is a Windows line end); None when they
    are fine.

    A CR left inside means lines end in a CR alone, as classic Mac OS programs (and some
    exports) save them: Python's and Polars' readers both take the whole file for one line.

    >>> line_ends_problem("case;activity") is None, line_ends_problem("case;activity\\r") is None
    (True, True)
    >>> str(line_ends_problem("case;activity\\r1;a\\r")).split(";")[0]
    'the lines end in a carriage return alone (CR, as old Mac programs save them)'
    """
    if "\r" in first_line.removesuffix("\r"):
        return N_("the lines end in a carriage return alone (CR, as old Mac programs save "
                  "them); save the file with Windows (CR LF) or Unix (LF) line ends")
    return None


def read_error(error: csv.Error, line: int) -> Message:
    """What an ``error`` of Python's CSV reader at ``line`` says to a user: a lone CR in a
    later line (the first line is judged by :func:`line_ends_problem`) in the words that
    function uses, anything else with the reader's own reason.

    >>> str(read_error(csv.Error("new-line character seen in unquoted field - ..."), 5))[:36]
    'line 5: a line ends in a carriage re'
    """
    if "new-line character seen in unquoted field" in str(error):
        return N_("line {line}: a line ends in a carriage return alone (CR, as old Mac programs "
                  "save them); save the file with Windows (CR LF) or Unix (LF) line ends",
                  line=line)
    return N_("line {line}: not valid CSV: {reason}", line=line, reason=str(error))


def misquoted(line: int) -> Message:
    """The message for a quote out of place at file line ``line`` (see
    :func:`first_misquoted_line`)."""
    return N_("line {line}: a quote (\") out of place or never closed; a quote inside a field "
              "is written twice, with the field in quotes (\"27\"\" monitor\")", line=line)


def first_misquoted_line(data: bytes, separator: str) -> int | None:
    """The file line (header = 1) where the first record of ``data`` that is not CSV starts:
    a quote inside a field that is not quoted (``Pe"ter``), text after a closing quote, or a
    quoted field never closed; None when every record reads.

    Only looked for once a file is known to be wrong: a walk of every record, about a
    second per 20 MB. A log's blocks are cut by counting quotes, which a stray quote
    misleads, and Python's reader takes a quote never closed as one long field, so the
    place has to be found from the start.

    >>> text = b'id,name' + bytes([10]) + b'1,"Multi' + bytes([10]) + b'line"' + bytes([10])
    >>> first_misquoted_line(text + b'2,Pe"ter' + bytes([10]) + b'3,"x""y"', ",")
    4
    >>> first_misquoted_line(text, ",") is None  # the header, then a record of two lines
    True
    """
    sep = re.escape(separator.encode())
    field = rb'(?:"(?:[^"]|"")*"|[^"' + sep + rb'\n]*)'
    record = re.compile(field + rb'(?:' + sep + field + rb')*(?:\n|\Z)')
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    match = record.match
    position, line = 0, 1
    while position < len(data):
        found = match(data, position)
        if found is None or found.end() == position:
            return line
        line += data.count(b"\n", position, found.end())
        position = found.end()
    return None
