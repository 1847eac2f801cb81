"""Results as a plain workbook: each view one sheet of numbers (simulation, capacity, queues).

The audit workbook (:mod:`abc_costing.reports.workbook`) rebuilds a costing
from its inputs as live formulas; results that come from a simulation have no
such inputs to show, so :func:`results_workbook` writes the views themselves,
one sheet each, with the audit workbook's cell writer
(:class:`~abc_costing.reports.workbook.CellWriter`): the view's title and note,
its labels as the header, every column (also those narrow renderers leave
out), numbers as number cells in the unit's number format (unrounded; a
share as a percentage), text always as text, quote-prefixed when it starts
like a formula, and a total row as SUMs of the rows above. An optional first
sheet, About, says what was run (parameters, seed) as label and value.

Examples
--------
>>> import io
>>> from openpyxl import load_workbook
>>> from abc_costing import cost_model, load_model
>>> from abc_costing.reports.views import resources_view
>>> view = resources_view(cost_model(load_model("process_models/contract_approval/as_is.yaml")))
>>> data = results_workbook({"Resources": view}, about=[("Seed", "42")])
>>> book = load_workbook(io.BytesIO(data))
>>> book.sheetnames
['About', 'Resources']
>>> book["Resources"]["A5"].value, book["Resources"]["B5"].value
('manager', 'Менеджер по работе с клиентами')
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import xlsxwriter

from abc_costing.i18n import N_, Language, Message, translate
from abc_costing.reports.views import TableView
from abc_costing.reports.workbook import CellWriter

__all__ = ["ABOUT_SHEET", "SHEET_NAME_LENGTH", "about_sheet", "results_workbook", "sheet_names"]

#: The sheet that says what was run, first when asked for (its English name; see
#: :func:`about_sheet` for the reader's).
ABOUT_SHEET = "About"
_ABOUT_TITLE = N_("About")
#: Excel refuses longer sheet names.
SHEET_NAME_LENGTH = 31
# Characters Excel refuses in a sheet name; a leading or trailing apostrophe is refused too.
_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def about_sheet(language: Language = "en") -> str:
    """The name of the About sheet for a reader of ``language``.

    >>> about_sheet(), about_sheet("ru")
    ('About', 'О расчёте')
    """
    return translate(_ABOUT_TITLE, language)


def sheet_names(wanted: Sequence[str], *, language: Language = "en") -> list[str]:
    """Names Excel accepts for ``wanted``, in order: no ``[]:*?/\\``, ≤ 31 characters, distinct.

    Excel compares sheet names without case, so ``Queues`` and ``queues`` get
    ``Queues`` and ``queues (2)``; a name cut to 31 characters keeps its start.

    >>> sheet_names(["Monte Carlo: as_is", "monte carlo as_is", "x" * 40, "", "About"])
    ... # doctest: +NORMALIZE_WHITESPACE
    ['Monte Carlo as_is', 'monte carlo as_is (2)', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'Sheet',
     'About (2)']
    """
    taken: set[str] = {about_sheet(language).casefold()}
    names = []
    for name in wanted:
        base = " ".join(name.translate(_FORBIDDEN).split()).strip("'").strip() or "Sheet"
        candidate, n = base[:SHEET_NAME_LENGTH], 1
        while candidate.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            candidate = base[:SHEET_NAME_LENGTH - len(suffix)] + suffix
        taken.add(candidate.casefold())
        names.append(candidate)
    return names


def results_workbook(sheets: Mapping[str, TableView], *,
                     about: Sequence[tuple[str, str]] = (), language: Language = "en") -> bytes:
    """An ``.xlsx`` with one sheet per view (see the module docstring), in the mapping's order.

    ``sheets`` maps a sheet name to its view (names are made acceptable by
    :func:`sheet_names`); ``about`` lines, when given, go first on an About
    sheet as label and value text. The About sheet's name and its labels are in
    ``language`` (a label marked with ``N_`` is translated; one already in the
    reader's language stays as it is); each view's texts are its own
    (:meth:`~abc_costing.reports.views.TableView.in_language`). Raises ValueError
    for no sheets at all.
    """
    if not sheets:
        raise ValueError("results_workbook needs at least one view")
    buffer = io.BytesIO()
    # Text is text: never turned into a formula, a link or a number by XlsxWriter; a
    # non-finite figure becomes an error cell (#NUM!) rather than failing the whole download.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False,
                                        "nan_inf_to_errors": True})
    cells = CellWriter(book)
    cells.language = language
    if about:
        ws = book.add_worksheet(about_sheet(language))
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 70)
        for row, (label, value) in enumerate(about):
            cells.text(ws, row, 0, translate(label, language), bold=True)
            # a value is the user's text (a title, a seed) unless marked for translation
            cells.text(ws, row, 1, translate(value, language) if isinstance(value, Message)
                       else value)
    for name, view in zip(sheet_names(list(sheets), language=language), sheets.values(),
                          strict=True):
        cells.view_table(book.add_worksheet(name), view, "")
    book.close()
    return buffer.getvalue()
