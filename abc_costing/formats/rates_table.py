"""Reading a rates table (CSV or Excel): labour rates to price an event log by.

Finance keeps rates in a spreadsheet, not in a process model. A rates table
has one row per resource (a person or a role, named as the event log names
it) and its rate per hour; a currency column is optional (RUB when absent)::

    Ресурс;Ставка в час;Валюта
    Иванова;600;RUB
    Петров;3 000,00;RUB

Columns are found by their usual names, compared case-insensitively (see
:data:`RATE_COLUMNS`). Amounts may be written the Russian way: spaces between
thousands and a decimal comma (``1 500,50`` is 1500.5). With both a comma and
a point (``1,500.50``) the comma separates thousands. An Excel file is read
from its first sheet, with the values Excel saved for formulas.

Every problem in the table is reported at once, with its row, as a
:class:`~abc_costing.problems.ModelError`.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "rates.csv"
>>> _ = path.write_text("Ресурс;Ставка в час\\nИванова;600\\nПетров;3 000,50\\n",
...                     encoding="utf-8-sig")
>>> table = read_rates_table(path)
>>> {r.name: r.rate_per_hour for r in table.resources.values()}
{'Иванова': 600.0, 'Петров': 3000.5}
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from abc_costing.formats.csv_files import (
    first_misquoted_line,
    line_ends_problem,
    misquoted,
    read_error,
)
from abc_costing.formats.typed_numbers import parse_typed_number
from abc_costing.formats.yaml_model import said_by_pydantic
from abc_costing.i18n import N_, Message
from abc_costing.model import RateTable
from abc_costing.model.ids import UniqueIds
from abc_costing.model.records import MAX_MONEY
from abc_costing.numbers import Figure
from abc_costing.problems import Count, ModelError, Problem, cut, quoted

__all__ = ["MAX_RATES_BYTES", "MAX_RATES_ROWS", "MAX_RATES_UNPACKED_BYTES", "RATE_COLUMNS",
           "missing_columns", "read_rates_table"]

#: Rates tables larger than this are refused (a table of rates is small; this stops a bomb).
MAX_RATES_BYTES = 5 * 1024 * 1024
#: An Excel file is a zip: what its parts add up to once unpacked, checked from the zip's
#: directory before any is read (a 5 MB zip can unpack to gigabytes). Python's zip
#: reader never unpacks a part beyond the size the directory states.
MAX_RATES_UNPACKED_BYTES = 10 * 1024 * 1024
#: Rows of a rates table (blank ones included): one per person or role.
MAX_RATES_ROWS = 100_000

#: The usual names of each column, compared case-insensitively, first match wins.
RATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "resource": ("resource", "org:resource", "role", "name", "ресурс", "роль", "сотрудник",
                 "исполнитель", "должность"),
    "rate_per_hour": ("rate_per_hour", "rate per hour", "rate", "ставка в час",
                      "ставка_в_час", "ставка", "руб/час", "стоимость часа"),
    "currency": ("currency", "валюта"),
}


def read_rates_table(path: str | Path, *, source_name: str | None = None) -> RateTable:
    """Read a rates table from a ``.csv``, ``.tsv`` or ``.xlsx`` file.

    ``source_name`` names the table in problems (default: the path), e.g. an
    upload's name rather than its temporary file.

    Raises :class:`~abc_costing.problems.ModelError` listing every problem:
    a missing column, an empty name, a rate that is not a non-negative
    number, a resource written twice, mixed or unknown currencies.
    """
    path = Path(path)
    source = source_name or str(path)

    def fail(message: Message) -> ModelError:
        return ModelError([Problem(message, file=source)])

    try:
        return _table(table_rows(path, fail=fail, limits=RATES_TABLE), source=source, fail=fail)
    except ModelError:
        raise
    except Exception as error:  # whatever else a file can provoke: named, not a traceback
        raise fail(N_("cannot read the table: {error}: {said} (a fault in abc-costing: please "
                      "report it with the file)", error=type(error).__name__,
                      said=cut(str(error), 200))) from None


@dataclass(frozen=True)
class TableFile:
    """What a kind of table file may be, and how its messages name it.

    Attributes:
      max_bytes, max_rows, max_unpacked_bytes: the limits (an .xlsx unpacked).
      named: the files in plural, as messages say it ("rates tables").
      kind: one such table, for the zip-bomb message ("a table of rates").
      formats: the extensions a user may give, as the unknown-format message says.
      format_of: what the unknown-format message calls the format ("rates table format").
      rows_of: what holds the rows: "table" or "file".
      windows_1251: CSV that is not UTF-8 is read as Windows-1251 (1С's exports).
    """

    max_bytes: int
    max_rows: int
    max_unpacked_bytes: int
    named: str
    kind: str
    formats: str
    format_of: str
    rows_of: str
    windows_1251: bool = False


RATES_TABLE = TableFile(MAX_RATES_BYTES, MAX_RATES_ROWS, MAX_RATES_UNPACKED_BYTES,
                        named=N_("rates tables"), kind=N_("a table of rates"),
                        formats=N_(".csv or .xlsx (or a model .yaml)"),
                        format_of=N_("rates table format"), rows_of="table")


def table_rows(path: Path, *, fail: Callable[[Message], ModelError], limits: TableFile
               ) -> list[tuple[int, list[object]]]:
    """The rows of a ``.csv``/``.tsv``/``.txt`` or ``.xlsx`` table, each with its line or row
    number, within ``limits``; anything else raises ``fail(message)``."""
    if not path.is_file():
        raise fail(N_("file not found") if not path.exists() else N_("is not a file"))
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise fail(N_("the file is {size:,} bytes; {what} are limited to {limit:,} bytes",
                      size=Count(size), what=limits.named, limit=Count(limits.max_bytes)))
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        rows = _csv_rows(path, tab=suffix == ".tsv", fail=fail,
                         windows_1251=limits.windows_1251)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(path, fail=fail, max_rows=limits.max_rows,
                          max_unpacked_bytes=limits.max_unpacked_bytes, kind=limits.kind)
    else:
        raise fail(N_("unknown {what} {suffix}; use {formats}", what=limits.format_of,
                      suffix=quoted(suffix) if suffix else N_("'(no extension)'"),
                      formats=limits.formats))
    if len(rows) > limits.max_rows:
        raise fail(N_("the file has more than {limit:,} rows", limit=Count(limits.max_rows))
                   if limits.rows_of == "file" else
                   N_("the table has more than {limit:,} rows", limit=Count(limits.max_rows)))
    return rows


def _csv_rows(path: Path, *, tab: bool, fail, windows_1251: bool = False
              ) -> list[tuple[int, list[object]]]:
    """The rows of a CSV file with their line numbers; ``windows_1251``: text that is
    not UTF-8 is read as Windows-1251 (1С's and Excel's "CSV" in Russian Windows)."""
    data = path.read_bytes()
    try:
        # Excel's "Unicode text" is UTF-16 with a byte-order mark (and tab-separated).
        text = (data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff")
                else data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        if not windows_1251:
            raise fail(N_("the file is not UTF-8 text (Excel often saves CSV as "
                          "Windows-1251): save it as 'CSV UTF-8'")) from None
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            raise fail(N_("the file is neither UTF-8 nor Windows-1251 text")) from None
    header = text.split("\n", 1)[0]
    if (wrong_ends := line_ends_problem(header)) is not None:
        raise fail(wrong_ends)
    separator = "\t" if tab else max((",", ";", "\t"), key=header.count)
    # Python's reader takes a quote never closed as one field running over the next rows,
    # whose message then blames a cell: the quote's own line is said instead.
    if text.count('"') % 2 and (line := first_misquoted_line(text.encode(), separator)):
        raise fail(misquoted(line))
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    rows: list[tuple[int, list[object]]] = []
    try:
        for row in reader:
            rows.append((reader.line_num, list(row)))
    except csv.Error as error:
        raise fail(read_error(error, reader.line_num)) from None
    return rows


def _xlsx_rows(path: Path, *, fail, max_rows: int = MAX_RATES_ROWS,
               max_unpacked_bytes: int = MAX_RATES_UNPACKED_BYTES,
               kind: str = N_("a table of rates")) -> list[tuple[int, list[object]]]:
    # openpyxl parses the sheet XML through defusedxml when it is installed (it is).
    from zipfile import BadZipFile, ZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with ZipFile(path) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
    except (BadZipFile, OSError, ValueError) as error:
        raise fail(N_("not a readable Excel workbook: {reason}", reason=cut(str(error), 200))
                   ) from None
    if unpacked > max_unpacked_bytes:
        raise fail(N_("the workbook unpacks to {size:,} bytes, more than the limit of "
                      "{limit:,} (a zip bomb, or not {kind})", size=Count(unpacked),
                      limit=Count(max_unpacked_bytes), kind=kind))
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as error:
        raise fail(N_("not a readable Excel workbook: {reason}", reason=cut(str(error), 200))
                   ) from None
    try:
        sheet = book.worksheets[0]
        # The sheet's stated size is not trusted: a sheet that says A1:XFD1048576
        # would have every row padded to 16,384 cells.
        sheet.reset_dimensions()
        rows = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
            if number > max_rows:
                raise fail(N_("the table has more than {limit:,} rows",
                              limit=Count(max_rows)))
            rows.append((number, list(row)))
        return rows
    finally:
        book.close()


def missing_columns(missing: list[str], usual: Mapping[str, tuple[str, ...]]) -> Message:
    """What a table lacks: each missing field with the names its column may have.

    >>> missing_columns(["resource", "rate"], {"resource": ("resource", "ресурс"),
    ...                                        "rate": ("rate",)})
    'missing column for resource (one of resource, ресурс); rate (one of rate)'
    """
    said = N_("missing column for {field} (one of {names})", field=missing[0],
              names=", ".join(usual[missing[0]]))
    for field in missing[1:]:  # each column said whole, so a translation can reorder
        said = N_("{message}; {field} (one of {names})", message=said, field=field,
                  names=", ".join(usual[field]))
    return said


def _amount(value: object) -> float:
    """A number from a cell: an Excel number as it is, text by the typed-number rule.

    Text is read as every number a user types is (``1 500,50`` = ``1500.50``;
    ``1,500`` and ``1.500,50`` are refused as ambiguous): see
    :func:`~abc_costing.formats.typed_numbers.parse_typed_number`.
    """
    if isinstance(value, bool):
        raise ValueError(N_("must be a number"))
    number = float(value) if isinstance(value, int | float) else parse_typed_number(str(value))
    if not math.isfinite(number):
        raise ValueError(N_("must be a finite number"))
    return number


#: Characters of a resource's name (the model's limit for names).
_MAX_NAME_CHARS = 1000


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _table(rows: list[tuple[int, list[object]]], *, source: str, fail) -> RateTable:
    rows = [(line, row) for line, row in rows if any(_text(cell) for cell in row)]
    if not rows:
        raise fail(N_("the table is empty; it needs a header row with resource and "
                      "rate_per_hour columns"))
    header_line, header = rows[0]
    names = [_text(cell).lower() for cell in header]
    columns: dict[str, int | None] = {
        field: next((names.index(n) for n in usual if n in names), None)
        for field, usual in RATE_COLUMNS.items()}
    missing = [field for field in ("resource", "rate_per_hour") if columns[field] is None]
    if missing:
        said = missing_columns(missing, RATE_COLUMNS)
        shown = ", ".join(cut(_text(cell)) for cell in header[:20])
        if len(header) > 20:
            shown = N_("{names}, … ({count:,} columns)", names=shown, count=Count(len(header)))
        raise ModelError([Problem(N_("{message}; the header has: {names}", message=said,
                                     names=shown), file=source, line=header_line)])
    if len(rows) == 1:
        raise fail(N_("the table has a header but no rates"))

    def cell(row: list[object], field: str) -> object:
        index = columns[field]
        return row[index] if index is not None and index < len(row) else None

    problems: list[Problem] = []
    ids = UniqueIds()
    resources: dict[str, dict[str, object]] = {}
    first_line: dict[str, int] = {}
    currencies: dict[str, int] = {}
    for line, row in rows[1:]:
        name = _text(cell(row, "resource"))
        if not name:
            problems.append(Problem(N_("the resource name is empty"), file=source, line=line))
            continue
        if len(name) > _MAX_NAME_CHARS:
            problems.append(Problem(N_("the resource name is {length:,} characters long; "
                                       "names are at most {limit:,}", length=Count(len(name)),
                                       limit=Count(_MAX_NAME_CHARS)),
                                    element=cut(name), file=source, line=line))
            continue
        key = name.lower()
        if key in first_line:
            problems.append(Problem(N_("{name} is written twice (first on line {first_line}); "
                                       "keep one rate per resource", name=quoted(name),
                                       first_line=first_line[key]),
                                    element=cut(name), file=source, line=line))
            continue
        first_line[key] = line
        raw_rate = cell(row, "rate_per_hour")
        try:
            rate = _amount(raw_rate)
        except (TypeError, ValueError) as error:
            reason = (N_("is empty (a formula Excel never saved a value for?)")
                      if _text(raw_rate) == "" else
                      error.args[0] if len(error.args) == 1 and isinstance(error.args[0], str)
                      else str(error))
            problems.append(Problem(N_("rate_per_hour {reason}", reason=reason),
                                    element=cut(name), file=source, line=line))
            continue
        if rate < 0:
            problems.append(Problem(N_("rate_per_hour must not be negative, got {rate}",
                                       rate=Figure.as_written(rate)),
                                    element=cut(name), file=source, line=line))
            continue
        if rate > MAX_MONEY:
            problems.append(Problem(N_("rate_per_hour must be at most {limit}, got {rate}",
                                       limit=Figure.as_written(MAX_MONEY),
                                       rate=Figure.as_written(rate)), element=cut(name),
                                    file=source,
                                    line=line))
            continue
        currency = _text(cell(row, "currency")).upper()
        if currency:
            currencies.setdefault(currency, line)
        slug = re.sub(r"\W+", "_", key).strip("_") or "resource"
        resources[ids.new(slug)] = {"kind": "labor", "name": name, "rate_per_hour": rate}
    if len(currencies) > 1:
        found = list(currencies.items())[:10]
        listed = N_("{code} (line {line})", code=cut(found[0][0]), line=found[0][1])
        for code, line in found[1:]:  # a Message each, so "line" is said in the reader's words
            listed = N_("{codes}, {code} (line {line})", codes=listed, code=cut(code), line=line)
        problems.append(Problem(N_("one table, one currency: found {codes}", codes=listed),
                                file=source))
    if problems:
        raise ModelError(problems)
    try:
        return RateTable.model_validate({"currency": next(iter(currencies), "RUB"),
                                         "resources": resources, "source": source})
    except ValidationError as error:
        raise ModelError([Problem(said_by_pydantic(e), file=source,
                                  element=".".join(str(p) for p in e["loc"]))
                          for e in error.errors()]) from None
