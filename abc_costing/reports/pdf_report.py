"""A PDF report an executive can forward: headline, charts, tables, assumptions, provenance.

:func:`pdf_bytes` turns :class:`~abc_costing.reports.provenance.ReportInputs`
into a few A4 pages, built with reportlab in the bundled DejaVu Sans font (in
``reports/fonts/``), so Cyrillic renders on any machine:

1. the title block (the process title, the variant and the baseline it is
   compared with, the date, who prepared it) and the headline: the cost per
   instance and per year or, with a baseline, both variants side by side and
   the saving per instance, per year and in per cent;
2. charts, the figures of :mod:`abc_costing.reports.figures` drawn as vector
   graphics by reportlab (:mod:`abc_costing.reports.pdf_charts`; no browser,
   a few milliseconds each): the waterfall from baseline to candidate and
   the cost by resource and by value class (or, without a baseline, the cost
   by activity), then the process graph on a landscape page. A figure the
   drawing code cannot draw leaves the report with the same figures as
   tables, under the note "charts unavailable: <reason>". ``charts=False``
   draws the tables;
3. the cost by activity and by resource, and the assumptions: resources and
   their rates (time-driven ones with cost and capacity), the minutes of each
   activity with their distributions (``triangular 30 45 90``), waits, other
   costs and the routing probabilities of exclusive splits;
4. provenance: the tool and its version, the time, the user, and each input
   file's path, SHA-256 and change-log head.

Each page's footer names the process and variant and says "Page N of M".
The cost tables are the views of :mod:`abc_costing.reports.views` (their
titles, labels, "other" and total rows; cells by
:func:`~abc_costing.reports.views.format_value`); money is rounded only at
this edge.
Text from models and the user's name is escaped, so a name such as
``<b>x</b>`` prints as written. reportlab runs in invariant mode and the PDF's
dates are the report's ``generated_at``, so the same inputs give the same
bytes, charts included.

Examples
--------
>>> from datetime import UTC, datetime
>>> from abc_costing.reports.provenance import build_report_inputs
>>> inputs = build_report_inputs("process_models/contract_approval/as_is.yaml",
...                              baseline_path=None, user="ivan", change_log=None,
...                              now=datetime(2026, 1, 1, tzinfo=UTC))
>>> pdf = pdf_bytes(inputs, charts=False)
>>> pdf[:5], pdf == pdf_bytes(inputs, charts=False)
(b'%PDF-', True)
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, assert_never
from xml.sax.saxutils import escape

import plotly.graph_objects as go
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    HRFlowable,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from abc_costing.compare import Comparison, SavingSplit
from abc_costing.engine import CostResult
from abc_costing.i18n import Language, translate, translator
from abc_costing.model import Duration, LaborResource, PerUseResource, ProcessModel
from abc_costing.numbers import with_currency
from abc_costing.reports.figures import (
    CANDIDATE_COLOUR,
    COST_DOWN_COLOUR,
    COST_UP_COLOUR,
    GRID,
    INK,
    MUTED,
    VALUE_LABELS,
    cost_breakdown_figure,
    cost_by_resource_figure,
    cost_by_value_figure,
    cost_waterfall_figure,
    process_flow_figure,
    process_flow_layout,
)
from abc_costing.reports.pdf_charts import ChartError, figure_drawing
from abc_costing.reports.provenance import ReportInputs
from abc_costing.reports.tables import format_amount, format_money, format_signed_amount
from abc_costing.reports.views import (
    CELL_WORDS,
    Row,
    TableView,
    activities_view,
    activity_changes_view,
    bridge_view,
    format_number,
    format_share,
    format_value,
    price_effects_view,
    resource_changes_view,
    resources_view,
    saving_split_view,
    value_changes_view,
    value_classes_view,
)

__all__ = ["pdf_bytes"]

# --- Fonts, page geometry, look -----------------------------------------------------------

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_FONT_LOCK = threading.Lock()

PORTRAIT = A4
LANDSCAPE = landscape(A4)
MARGIN = 18 * mm
FOOTER_SPACE = 14 * mm        # bottom margin: the footer sits in it
FRAME_WIDTH = PORTRAIT[0] - 2 * MARGIN
LANDSCAPE_WIDTH = LANDSCAPE[0] - 2 * MARGIN
FRAME_HEIGHT = PORTRAIT[1] - MARGIN - FOOTER_SPACE
LANDSCAPE_HEIGHT = LANDSCAPE[1] - MARGIN - FOOTER_SPACE

CHART_WIDTH_PX = 860          # portrait charts: 174 mm wide, so 12 px text prints at ~6.5 pt
FLOW_PX_PER_LAYER = 75        # the process graph: width grows with its length, within
FLOW_WIDTH_PX = (800, 1250)   # these bounds (a landscape page is 261 mm wide)
FLOW_MAX_ACTIVITIES = 80      # beyond this a drawn graph is unreadable: omitted, said so
SHRINK_LIMIT = 0.8            # a chart may shrink this far to fit the rest of a page

TITLE_CHARS = 400             # a longer title is cut on page 1 (shown whole under assumptions)
TABLE_ROWS = 40               # activity tables show the dearest this many, the rest merged
ASSUMPTION_ROWS = 120         # assumption tables show this many activities in file order
CHANGE_LOG_ROWS = 10          # latest change-log entries listed under provenance

PALE = colors.HexColor("#f3f5f8")
RULE = colors.HexColor(GRID)
INK_C = colors.HexColor(INK)
MUTED_C = colors.HexColor(MUTED)
ACCENT = colors.HexColor(CANDIDATE_COLOUR)
SAVING_C = colors.HexColor(COST_DOWN_COLOUR)
EXTRA_C = colors.HexColor(COST_UP_COLOUR)
NOTE_FILL = colors.HexColor("#fff8e1")


def _style(name: str, **overrides) -> ParagraphStyle:
    base = dict(fontName=FONT, fontSize=9, leading=11.5, textColor=INK_C, spaceAfter=0)
    base.update(overrides)
    return ParagraphStyle(name, **base)


KICKER = _style("kicker", fontSize=8.5, textColor=MUTED_C, spaceAfter=4)
SUBTITLE = _style("subtitle", fontSize=12.5, leading=16, spaceAfter=2)
H1 = _style("h1", fontName=FONT_BOLD, fontSize=14, leading=18, spaceBefore=4, spaceAfter=6,
            keepWithNext=1)
H2 = _style("h2", fontName=FONT_BOLD, fontSize=10.5, leading=13.5, spaceBefore=8,
            spaceAfter=4, keepWithNext=1)
BODY = _style("body")
SMALL = _style("small", fontSize=7.5, leading=9.5, textColor=MUTED_C)
CELL = _style("cell", fontSize=7.5, leading=9.2)
CELL_RIGHT = _style("cell_right", fontSize=7.5, leading=9.2, alignment=TA_RIGHT)
LABEL = _style("label", fontSize=8.5, leading=11, textColor=MUTED_C)
NOTE = _style("note", fontSize=8.5, leading=11, backColor=NOTE_FILL, borderPadding=5,
              spaceBefore=4, spaceAfter=10)


def _register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with reportlab, once per process."""
    with _FONT_LOCK:
        if FONT_BOLD in pdfmetrics.getRegisteredFontNames():
            return
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT,
                                      boldItalic=FONT_BOLD)


# --- Text: escaping and numbers -----------------------------------------------------------


def _t(value: object) -> str:
    """``value`` as Paragraph markup that prints literally (``<``, ``>``, ``&`` escaped)."""
    return escape(str(value))


def _share(fraction: float, language: Language) -> str:
    return format_share(fraction, language=language)


def _number(value: float) -> str:
    """A number as written in a model file: ``45``, ``12.5``, ``10080``."""
    return f"{value:.10g}"


def _count(value: float, language: Language = "en") -> str:
    """A count for people: thousands grouped, at most three decimals (``1,200``, ``0.85``;
    ``1 200`` and ``0,85`` in Russian)."""
    point = "," if language == "ru" else "."  # numbers.number always writes the three
    return format_number(value, 3, language).rstrip("0").rstrip(point)


def _minutes(value: float, language: Language = "en") -> str:
    """Minutes for people: one decimal, thousands grouped (``1,440``, ``29.2``)."""
    point = "," if language == "ru" else "."
    return format_number(value, 1, language).removesuffix(point + "0")


def _duration(duration: Duration, language: Language) -> str:
    """``45``, ``triangular 30 45 90``, ``lognormal mean 1440 sd 900``.

    The distribution's name is the model file's keyword, kept as written.
    """
    _ = translator(language)
    p = duration.parameters
    distribution = duration.distribution
    match distribution:
        case "fixed":
            return _number(p[0])
        case "lognormal":
            return _("lognormal mean {mean} sd {sd}", mean=_number(p[0]), sd=_number(p[1]))
        case "triangular" | "pert" | "uniform":
            return " ".join([distribution, *map(_number, p)])
        case _:
            assert_never(distribution)


def _when(generated_at: str) -> str:
    """``2026-01-01T09:30:00Z`` as ``2026-01-01 09:30 UTC`` (as given if unparsable)."""
    try:
        moment = datetime.fromisoformat(generated_at)
    except ValueError:
        return generated_at
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _pdf_date(generated_at: str) -> str | None:
    """The PDF date string (``D:20260101093000+00'00'``) of ``generated_at``."""
    try:
        moment = datetime.fromisoformat(generated_at)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def _named(name: str | None, element_id: str) -> str:
    """``Юрист (lawyer)``: a name with its id, or the id alone when it has no name."""
    return element_id if not name or name == element_id else f"{name} ({element_id})"


def _status(status: str, language: Language) -> str:
    """An activity's change as the comparison names it (``added``…), in ``language``."""
    return translate(CELL_WORDS.get(status, status), language)


def _value_label(value_class: str, language: Language) -> str:
    """A value class as the views name it, in ``language`` where their catalogue says it."""
    return translate(VALUE_LABELS.get(value_class, value_class), language)


def _title_of(model: ProcessModel) -> str:
    return model.title or model.process


def _fit(text: str, *, font: str, size: float, width: float, smallest: float = 8) -> float:
    """The largest font size up to ``size`` at which ``text`` fits ``width``."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


# --- Tables ---------------------------------------------------------------------------------


#: A table header's font sizes, tried largest first until every header word fits its
#: column whole (a header wraps at spaces only, onto as many lines as it needs).
HEAD_SIZES = (7.5, 7.0, 6.5, 6.0)
CELL_PADDING = 6.0  # a cell's left and right padding together (the tables' style below)
#: Where reportlab's paragraphs may break a line: any space but the no-break one.
_BREAKS = re.compile(r"[^\S\xa0]+")


def _widest_word(texts: Sequence[str], font: str, size: float) -> float:
    """The width (points) of the widest word of ``texts``: what a column needs so that
    none of them is broken inside a word."""
    return max((pdfmetrics.stringWidth(word, font, size)
                for text in texts for word in _BREAKS.split(text) if word), default=0.0)


def _unbroken(text: str, font: str) -> float:
    """The width (points, 7.5 pt, padded) ``text`` needs in a cell to break inside no
    word, and inside no figure: a number broken at its thousands is misread."""
    if any(c.isalpha() for c in text):
        return _widest_word([text], font, 7.5) + CELL_PADDING
    # reportlab breaks a line at a narrow no-break space too, and sets the words apart
    # by a plain space: a figure is as wide as its words and those spaces
    words = [word for word in _BREAKS.split(text) if word]
    return (math.fsum(pdfmetrics.stringWidth(word, font, 7.5) for word in words)
            + pdfmetrics.stringWidth(" ", font, 7.5) * (len(words) - 1) + CELL_PADDING)


def _column_widths(header: Sequence[str], cells: Sequence[Sequence[tuple[str, str]]], *,
                   fractions: Sequence[float], width: float) -> tuple[list[float], float | None]:
    """Column widths (points) and the header's font size at which every header word
    fits its column whole; ``None`` for the size when no size can (then the widths are
    ``fractions`` of ``width`` and reportlab breaks the words it must).

    ``cells`` are each column's texts with their fonts. Each column gets at least its
    widest header word (Russian headers have long words: Использований,
    Распределено); then, cheapest first while they fit, columns get what their cells
    need to break inside no word or figure (:func:`_unbroken`). The largest header
    font at which every cell fits too is chosen, else the largest at which the
    headers do. The rest of the width follows ``fractions``, taken from the columns
    that have more than they need.

    Below, 20 % of 200 points is too narrow for «распределено» (62.6 points in bold
    7.5 pt, + 6 of padding = 68.6): the name column gives up 68.6 − 40 = 28.6.

    >>> widths, size = _column_widths(["Name", "Не распределено"], [[], []],
    ...                               fractions=[0.8, 0.2], width=200)
    >>> [round(w, 1) for w in widths], size
    ([131.4, 68.6], 7.5)
    """
    _register_fonts()  # measured in the report's fonts
    wanted = [f * width for f in fractions]
    body = [max((_unbroken(text, font) for text, font in column), default=0.0)
            for column in cells]

    def needs(size: float) -> list[float] | None:
        need = [_widest_word([h], FONT_BOLD, size) + CELL_PADDING for h in header]
        if sum(need) > width:
            return None
        for i in sorted(range(len(need)), key=lambda i: body[i] - need[i]):
            more = max(0.0, body[i] - need[i])
            if sum(need) + more <= width:
                need[i] += more
        return need

    fitting = [(size, need) for size in HEAD_SIZES if (need := needs(size)) is not None]
    if not fitting:
        return wanted, None
    size, need = next(((size, need) for size, need in fitting
                       if all(n >= b for n, b in zip(need, body, strict=True))), fitting[0])
    widths = [max(w, n) for w, n in zip(wanted, need, strict=True)]
    excess = sum(widths) - width
    if excess > 0:  # taken from the columns above their need, in proportion
        slack = [w - n for w, n in zip(widths, need, strict=True)]
        widths = [w - excess * s / sum(slack) for w, s in zip(widths, slack, strict=True)]
    return widths, size


def _table(header: Sequence[str], rows: Sequence[Sequence[str | tuple[str, ...]]], *,
           widths: Sequence[float], numeric: Sequence[int] = (), total: bool = False,
           width: float = FRAME_WIDTH) -> Table:
    """A striped table of plain text (escaped here); ``widths`` are fractions of ``width``
    that each column gets unless its header words or figures need more (see
    :func:`_column_widths`: a header wraps at spaces, never inside a word).

    A cell given as a tuple of texts shows one per line.
    Columns in ``numeric`` are right-aligned; with ``total`` the last row is
    bold under a rule. The header repeats on every page the table spans.
    """
    right = set(numeric)
    cells: list[list[tuple[str, str]]] = [[] for _ in header]
    for k, row in enumerate(rows):
        font = FONT_BOLD if total and k == len(rows) - 1 else FONT
        for column, value in zip(cells, row, strict=True):
            column += [(text, font) for text in (value if isinstance(value, tuple) else (value,))]
    points, size = _column_widths(header, cells, fractions=widths, width=width)
    head = _style(f"head{size}", fontName=FONT_BOLD, fontSize=size or HEAD_SIZES[-1],
                  leading=round((size or HEAD_SIZES[-1]) * 1.23, 2),
                  splitLongWords=0 if size else 1)
    head_right = ParagraphStyle(f"head_right{size}", parent=head, alignment=TA_RIGHT)
    data = [[Paragraph(_t(h), head_right if i in right else head)
             for i, h in enumerate(header)]]
    for k, row in enumerate(rows):
        is_total = total and k == len(rows) - 1
        cells = []
        for i, value in enumerate(row):
            text = ("<br/>".join(map(_t, value)) if isinstance(value, tuple) else _t(value))
            text = f"<b>{text}</b>" if is_total else text
            cells.append(Paragraph(text, CELL_RIGHT if i in right else CELL))
        data.append(cells)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK_C),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for k in range(1, len(data)):
        if k % 2 == 0:
            style.append(("BACKGROUND", (0, k), (-1, k), PALE))
    if total and rows:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, INK_C))
    table = Table(data, colWidths=points, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _facts(rows: Sequence[tuple[str, str]], *, label_width: float = 32 * mm,
           width: float = FRAME_WIDTH, style: ParagraphStyle = BODY) -> Table:
    """Label / value pairs, two columns, no grid."""
    data = [[Paragraph(_t(label), LABEL), Paragraph(_t(value), style)]
            for label, value in rows]
    table = Table(data, colWidths=[label_width, width - label_width], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


# --- Page 1: title and headline ---------------------------------------------------------------


def _variant_line(inputs: ReportInputs, language: Language) -> str:
    _ = translator(language)
    if inputs.baseline is not None:
        return _("Variant {variant}, compared with the baseline {baseline}",
                 variant=inputs.model.variant, baseline=inputs.baseline.variant)
    return _("Variant {variant}", variant=inputs.model.variant)


def _volume(volume_per_year: float | None, language: Language) -> str:
    _ = translator(language)
    return (_("not given") if volume_per_year is None
            else _("{count} instances per year", count=_count(volume_per_year, language)))


def _title_block(inputs: ReportInputs, language: Language) -> list[Flowable]:
    _ = translator(language)
    model, result, prov = inputs.model, inputs.result, inputs.provenance
    return [
        Paragraph(_t(_("ACTIVITY-BASED COSTING REPORT")), KICKER),
        _title(_title_of(model)),
        Paragraph(_t(_variant_line(inputs, language)), SUBTITLE),
        Paragraph(_t(_("Process {process}", process=model.process)), LABEL),
        HRFlowable(width="100%", thickness=1.5, color=ACCENT, spaceBefore=8, spaceAfter=8),
        _facts([
            (_("Date"), _when(prov.generated_at)),
            (_("Prepared by"), prov.user),
            (_("Volume"), _volume(result.volume_per_year, language)),
            (_("Currency"), result.currency),
        ]),
        Spacer(1, 8 * mm),
    ]


def _title(text: str) -> Paragraph:
    """The process title: large, smaller when long, cut (with "…") past ``TITLE_CHARS``."""
    if len(text) > TITLE_CHARS:
        text = text[:TITLE_CHARS].rstrip() + "…"
    size = 22 if len(text) <= 90 else 16 if len(text) <= 200 else 12
    return Paragraph(_t(text), _style(f"title{size}", fontName=FONT_BOLD, fontSize=size,
                                      leading=size * 1.22, spaceAfter=6))


def _big_cell(text: str, *, width: float, size: float, colour=INK_C) -> Paragraph:
    """``text`` in bold, as large as ``size`` but small enough to fit a cell ``width`` wide
    on one line (cells are padded by 8 points or less on each side)."""
    fitted = _fit(text, font=FONT_BOLD, size=size, width=width - 16)
    return Paragraph(_t(text), _style(f"big{fitted}", fontName=FONT_BOLD, fontSize=fitted,
                                      leading=fitted * 1.25, textColor=colour))


def _per_year(amount: float | None, currency: str, language: Language) -> str:
    _ = translator(language)
    return _("no volume per year") if amount is None else format_amount(amount, currency, language)


def _headline_single(result: CostResult, language: Language) -> list[Flowable]:
    _ = translator(language)
    cur = result.currency
    half = FRAME_WIDTH / 2
    cards = Table(
        [[Paragraph(_t(_("Cost per instance")), LABEL),
          Paragraph(_t(_("Cost per year")), LABEL)],
         [_big_cell(format_amount(result.cost_per_instance, cur, language), width=half, size=24),
          _big_cell(_per_year(result.cost_per_year, cur, language), width=half, size=24)]],
        colWidths=[half, half], hAlign="LEFT")
    cards.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), PALE),
        ("LINEBEFORE", (1, 0), (1, -1), 3, colors.white),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, 0), 8),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 10),
    ]))
    return [Paragraph(_t(_("Headline")), H1), cards, Spacer(1, 4 * mm)]


def _headline_comparison(comparison: Comparison, split: SavingSplit | None, language: Language
                         ) -> list[Flowable]:
    _ = translator(language)
    base, cand = comparison.baseline, comparison.candidate
    cur = base.currency
    saving = comparison.saving_per_instance
    colour = SAVING_C if saving >= 0 else EXTRA_C
    per_year = comparison.saving_per_year
    if saving >= 0:
        lines = [_("{variant} saves {amount} per instance ({share})", variant=cand.variant,
                   amount=format_amount(saving, cur, language),
                   share=_share(comparison.saving_share, language))]
        if per_year is not None:
            lines.append(_("and {amount} per year", amount=format_amount(per_year, cur, language)))
    else:
        lines = [_("{variant} costs {amount} more per instance ({share})", variant=cand.variant,
                   amount=format_amount(-saving, cur, language),
                   share=_share(-comparison.saving_share, language))]
        if per_year is not None:
            lines.append(_("and {amount} more per year",
                           amount=format_amount(-per_year, cur, language)))
    # One line each, shrunk to fit: a wrapped line could split an amount.
    banner: list[Flowable] = [_big_cell(line, width=FRAME_WIDTH + 16, size=15, colour=colour)
                              for line in lines]
    if split is not None:  # what the saving per year is as money (see Saving as money)
        amounts = dict(cash=format_amount(split.cash_per_year, cur, language),
                       heads=split.heads_released,
                       freed=format_amount(split.freed_capacity_per_year, cur, language),
                       prices=format_amount(split.price_effect_per_year, cur, language))
        banner.append(Paragraph(_t(
            _("Per year: cash {cash} ({heads} person released and what is not labour), "
              "freed capacity {freed}, price effects {prices}", **amounts)
            if split.heads_released == 1 else
            _("Per year: cash {cash} ({heads} people released and what is not labour), "
              "freed capacity {freed}, price effects {prices}", **amounts)), NOTE))

    label_w = 26 * mm
    col_w = (FRAME_WIDTH - label_w) / 3
    head = [Paragraph("", LABEL),
            Paragraph(_t(_("Baseline: {variant}", variant=base.variant)), LABEL),
            Paragraph(_t(_("Candidate: {variant}", variant=cand.variant)), LABEL),
            Paragraph(_t(_("Saving")), LABEL)]

    def row(label: str, values: Sequence[str], size: float) -> list:
        return [Paragraph(_t(label), LABEL),
                _big_cell(values[0], width=col_w, size=size),
                _big_cell(values[1], width=col_w, size=size),
                _big_cell(values[2], width=col_w, size=size, colour=colour)]

    rows = [
        head,
        row(_("Per instance"), [format_amount(base.cost_per_instance, cur, language),
                                format_amount(cand.cost_per_instance, cur, language),
                                format_amount(saving, cur, language)], 15),
        row(_("Per year"), [_per_year(base.cost_per_year, cur, language),
                            _per_year(cand.cost_per_year, cur, language),
                            _per_year(per_year, cur, language)], 13),
        row(_("Share of baseline"), ["", "", _share(comparison.saving_share, language)], 13),
    ]
    table = Table(rows, colWidths=[label_w, col_w, col_w, col_w], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("BACKGROUND", (0, 0), (-1, -1), PALE),
        ("BACKGROUND", (3, 0), (3, -1), colors.HexColor("#e8f5ec") if saving >= 0
         else colors.HexColor("#fbeaea")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return [Paragraph(_t(_("Headline")), H1), *banner, Spacer(1, 3 * mm), table,
            Spacer(1, 4 * mm)]


def _key_facts(inputs: ReportInputs, language: Language) -> list[Flowable]:
    """A few lines under the headline: where the money goes or what changes most."""
    _ = translator(language)
    result, cur = inputs.result, inputs.result.currency
    items: list[str] = []
    comparison = inputs.comparison
    if comparison is not None:
        heading = _("What changes most (cost per instance)")
        changes = sorted((a for a in comparison.activities if abs(a.delta) > 1e-9),
                         key=lambda a: -abs(a.delta))
        for change in changes[:5]:
            delta = with_currency(format_signed_amount(change.delta, cur, language), cur,
                                  language)
            items.append(f"{change.name}: {delta} ({_status(change.status, language)})")
        if not items:
            items.append(_("No activity's cost changes."))
    else:
        heading = _("Where the money goes (cost per instance)")
        for activity in sorted(result.activities, key=lambda a: -a.cost_per_instance)[:5]:
            amount = format_amount(activity.cost_per_instance, cur, language)
            items.append(f"{activity.name}: {amount} ({_share(activity.share, language)})")
    split = ", ".join(
        f"{_value_label(v, language)} {_share(c / result.cost_per_instance, language)}"
        for v, c in result.by_value.items()) if result.cost_per_instance else ""
    flowables: list[Flowable] = [Paragraph(_t(heading), H2)]
    flowables += [Paragraph("• " + _t(item), BODY) for item in items]
    extra = [_("Labour: {minutes} minutes per instance",
               minutes=_minutes(result.labor_minutes_per_instance, language))]
    if split:
        extra.append(_("by value class ({variant}): {split}", variant=result.variant,
                       split=split))
    flowables += [Spacer(1, 3 * mm), Paragraph(_t("; ".join(extra) + "."), SMALL)]
    return flowables


# --- Charts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chart:
    """A figure to render, and how large.

    Attributes:
      figure: the plotly figure.
      width_px, height_px: the size to render at, in CSS pixels.
      wide: drawn on a landscape page (the process graph).
    """

    figure: go.Figure
    width_px: int
    height_px: int
    wide: bool = False


def _portrait_chart(figure: go.Figure) -> _Chart:
    return _Chart(figure, CHART_WIDTH_PX, int(figure.layout.height or 450))


def _flow_chart(model: ProcessModel, result: CostResult, title: str,
                language: Language) -> _Chart:
    figure = process_flow_figure(model, result, title=title, language=language)
    layers = 1 + int(max((x for x, _ in process_flow_layout(model).values()), default=0))
    low, high = FLOW_WIDTH_PX
    width = min(high, max(low, 100 + FLOW_PX_PER_LAYER * layers))
    return _Chart(figure, width, int(figure.layout.height or 500), wide=True)


def _chart_specs(inputs: ReportInputs, language: Language = "en"
                 ) -> tuple[list[_Chart], list[str]]:
    """The figures of the report, and notes on those left out."""
    _ = translator(language)
    charts: list[_Chart] = []
    notes: list[str] = []
    comparison = inputs.comparison
    if comparison is not None:
        waterfall = cost_waterfall_figure(comparison, language=language)
        # Upright names under 14 bars of a 174 mm page collide: stand them up.
        waterfall.update_xaxes(tickangle=-90)
        waterfall.update_layout(height=max(int(waterfall.layout.height or 480), 640))
        # The value-class chart is the smallest: it usually fits under the headline.
        charts += [_portrait_chart(cost_by_value_figure(comparison, language=language)),
                   _portrait_chart(waterfall),
                   _portrait_chart(cost_by_resource_figure(comparison, language=language))]
    elif len(inputs.result.activities) > TABLE_ROWS:
        notes.append(_("cost by activity chart omitted: {count} activities are too many for "
                       "one page; see the table by activity",
                       count=len(inputs.result.activities)))
    else:
        charts.append(_portrait_chart(cost_breakdown_figure(inputs.result, language=language)))
    flows = [(inputs.model, inputs.result, _("candidate") if comparison else None)]
    if inputs.baseline is not None and inputs.baseline_result is not None:
        flows.append((inputs.baseline, inputs.baseline_result, _("baseline")))
    for model, result, role in flows:
        if len(model.activities) > FLOW_MAX_ACTIVITIES:
            notes.append(_("process graph of {variant} omitted: {count} activities are too many "
                           "to draw legibly", variant=model.variant,
                           count=len(model.activities)))
            continue
        title = _title_of(model) + (f" ({role}: {model.variant})" if role else "")
        charts.append(_flow_chart(model, result, title, language))
    return charts, notes


def _drawings(charts: Sequence[_Chart]) -> list[Drawing] | str:
    """Each chart drawn as vector graphics (see :mod:`~abc_costing.reports.pdf_charts`),
    or why they could not be drawn."""
    try:
        return [figure_drawing(c.figure, width_px=c.width_px, height_px=c.height_px,
                               font=FONT, bold_font=FONT_BOLD) for c in charts]
    except ChartError as error:
        return f"{type(error).__name__}: {error}"


class _ChartFlowable(Flowable):
    """A chart scaled to ``width`` × ``height``; it shrinks (down to ``SHRINK_LIMIT`` of
    its size) to finish a page rather than leave it half empty."""

    def __init__(self, drawing: Drawing, *, width: float, height: float) -> None:
        super().__init__()
        self.drawing = drawing
        self.full_size = (width, height)
        self.drawWidth, self.drawHeight = width, height
        self.hAlign = "CENTER"

    def wrap(self, availWidth, availHeight):  # noqa: N803 - reportlab's names
        width, height = self.full_size
        scale = 1.0
        if height > availHeight >= SHRINK_LIMIT * height:
            scale = availHeight / height
        self.drawWidth, self.drawHeight = width * scale, height * scale
        return self.drawWidth, self.drawHeight

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.scale(self.drawWidth / self.drawing.width,
                        self.drawHeight / self.drawing.height)
        renderPDF.draw(self.drawing, self.canv, 0, 0)
        self.canv.restoreState()


def _chart_flowable(drawing: Drawing, chart: _Chart, *, width: float,
                    height: float) -> _ChartFlowable:
    aspect = chart.height_px / chart.width_px
    w, h = width, width * aspect
    if h > height:
        w, h = height / aspect, height
    return _ChartFlowable(drawing, width=w, height=h)


# --- Tables of the views --------------------------------------------------------------------
#
# Each table is a view of :mod:`abc_costing.reports.views`: its title, the labels of the
# columns chosen here (which fit a page is this renderer's choice), cells by format_value,
# its "other" rows and its total row in bold. Only the folding of long tables is the PDF's.

#: The columns each table shows, and their widths as fractions of the frame.
ACTIVITY_KEYS = ("name", "value", "expected_executions", "cost_per_execution",
                 "cost_per_instance", "share")
ACTIVITY_WIDTHS = (0.34, 0.12, 0.13, 0.15, 0.16, 0.10)
RESOURCE_KEYS = ("name", "kind", "minutes_per_instance", "uses_per_instance",
                 "cost_per_instance", "share")
RESOURCE_WIDTHS = (0.34, 0.10, 0.14, 0.14, 0.16, 0.12)
VALUE_KEYS = ("value", "cost_per_instance", "share")
VALUE_WIDTHS = (0.5, 0.25, 0.25)
ACTIVITY_CHANGE_KEYS = ("name", "status", "baseline_cost_per_instance",
                        "candidate_cost_per_instance", "delta")
ACTIVITY_CHANGE_WIDTHS = (0.4, 0.12, 0.16, 0.16, 0.16)
RESOURCE_CHANGE_KEYS = ("name", "baseline_minutes_per_instance",
                        "candidate_minutes_per_instance", "baseline_cost_per_instance",
                        "candidate_cost_per_instance", "delta")
RESOURCE_CHANGE_WIDTHS = (0.34, 0.11, 0.11, 0.15, 0.15, 0.14)
VALUE_CHANGE_KEYS = ("value", "baseline_cost_per_instance", "candidate_cost_per_instance",
                     "delta")
VALUE_CHANGE_WIDTHS = (0.46, 0.18, 0.18, 0.18)


def _view_table(view: TableView, keys: Sequence[str], *, widths: Sequence[float],
                rows: Sequence[Row] | None = None) -> list[Flowable]:
    """The view's title over the columns ``keys`` of ``rows`` (by default every row),
    in the view's language (see :meth:`TableView.in_language`)."""
    rows = view.rows if rows is None else rows
    columns = [view.column(key) for key in keys]
    cells = [[format_value(row.value(c.key), c.unit, view.currency_of(row),
                           language=view.language, hours_per_day=view.hours_per_day)
              for c in columns] for row in rows]
    return [Paragraph(_t(translate(view.title, view.language)), H2),
            _table([view.label(key) for key in keys], cells, widths=widths,
                   numeric=[i for i, c in enumerate(columns) if c.unit != "text"],
                   total=bool(rows) and rows[-1].kind == "total")]


def _merged(view: TableView, rows: Sequence[Row], *, label: str, sums: Sequence[str]) -> Row:
    """One "other" row standing for ``rows``: ``label`` as its name, ``sums`` summed."""
    values: list[Any] = [None] * len(view.keys)
    values[view.keys.index("name")] = label
    for key in sums:
        values[view.keys.index(key)] = math.fsum(row.value(key) for row in rows)
    return Row(tuple(values), "other", view.keys)


def _other_activities(count: int, language: Language) -> str:
    _ = translator(language)
    return _("other activities ({count})", count=count)


def _folded(view: TableView, *, by: str, sums: Sequence[str]) -> tuple[Row, ...]:
    """The view's rows with all but the ``TABLE_ROWS`` largest items (by ``|by|``) merged.

    The items kept stay in the view's order; the merged row ("other
    activities (k)", summing the columns ``sums`` of the rows it stands for)
    follows them, then the view's own other and total rows.
    """
    items = [row for row in view.rows if row.kind == "item"]
    if len(items) <= TABLE_ROWS:
        return view.rows
    largest = sorted(range(len(items)), key=lambda i: -abs(items[i].value(by)))[:TABLE_ROWS]
    keep = set(largest)
    merged = [row for i, row in enumerate(items) if i not in keep]
    return (*(row for i, row in enumerate(items) if i in keep),
            _merged(view, merged, label=_other_activities(len(merged), view.language),
                    sums=sums),
            *(row for row in view.rows if row.kind != "item"))


def _bridge_table(comparison: Comparison, language: Language) -> list[Flowable]:
    """The waterfall as a table: baseline, each activity's change (largest first), candidate."""
    _ = translator(language)
    view = activity_changes_view(comparison).in_language(language)
    cur, total = view.currency, view.rows[-1]
    changes = sorted((row for row in view.rows
                      if row.kind == "item" and abs(row.value("delta")) > 1e-9),
                     key=lambda row: -abs(row.value("delta")))
    steps = changes[:TABLE_ROWS]
    if len(changes) > TABLE_ROWS:
        rest = changes[TABLE_ROWS:]
        steps.append(_merged(view, rest, label=_other_activities(len(rest), language),
                             sums=["delta"]))
    running = total.value("baseline_cost_per_instance")
    rows = [[_("Baseline: {variant}", variant=comparison.baseline.variant), "",
             format_value(running, "money", cur)]]
    for step in steps:
        running += step.value("delta")
        name = step.value("name")
        rows.append([name if step.kind == "other"
                     else f"{name} ({_status(step.value('status'), language)})",
                     format_value(step.value("delta"), "money", cur),
                     format_value(running, "money", cur)])
    rows.append([_("Candidate: {variant}", variant=comparison.candidate.variant), "",
                 format_value(total.value("candidate_cost_per_instance"), "money", cur)])
    return [Paragraph(_t(_("From {baseline} to {candidate}, cost per instance",
                           baseline=comparison.baseline.variant,
                           candidate=comparison.candidate.variant)), H2),
            _table([_("Step"), view.label("delta"),
                    _("Running total, {currency}", currency=cur)], rows,
                   widths=[0.6, 0.2, 0.2], numeric=[1, 2], total=True)]


BRIDGE_KEYS = ("effect", "label", "change_per_instance", "change_per_year", "share")
BRIDGE_WIDTHS = (0.11, 0.41, 0.16, 0.18, 0.14)
SPLIT_KEYS = ("id", "fte_before", "fte_after", "fte_change", "heads_released", "cash_per_year",
              "freed_capacity_per_year", "price_effect_per_year", "labour_saving_per_year")
SPLIT_WIDTHS = (0.15, 0.065, 0.065, 0.065, 0.09, 0.15, 0.15, 0.12, 0.145)
PRICE_KEYS = ("id", "rate_per_instance", "capacity_per_instance", "rate_per_year",
              "capacity_per_year", "overrides")
PRICE_WIDTHS = (0.15, 0.13, 0.13, 0.15, 0.15, 0.29)


def _saving_as_money(inputs: ReportInputs, language: Language) -> list[Flowable]:
    """The comparison's cost bridge, its saving as cash / freed capacity / price effects
    (with Δ FTE per pool), and the price effects by resource: the views compare shows."""
    comparison = inputs.comparison
    assert comparison is not None
    _ = translator(language)
    flowables: list[Flowable] = [CondPageBreak(60 * mm), Paragraph(_t(_("Saving as money")), H1)]
    bridge = bridge_view(comparison).in_language(language)
    if bridge.rows:
        flowables += _view_table(bridge, BRIDGE_KEYS, widths=BRIDGE_WIDTHS)
        flowables.append(Paragraph(_t(translate(bridge.note or "", language)), SMALL))
    if inputs.split is not None:
        split = saving_split_view(inputs.split, baseline=comparison.baseline.variant,
                                  candidate=comparison.candidate.variant).in_language(language)
        flowables += _view_table(split, SPLIT_KEYS, widths=SPLIT_WIDTHS)
        flowables.append(Paragraph(_t(translate(split.note or "", language)), SMALL))
    prices = price_effects_view(comparison).in_language(language)
    if len(prices.rows) > 1:  # a resource whose price moved or that a variant overrides
        flowables += _view_table(prices, PRICE_KEYS, widths=PRICE_WIDTHS)
        flowables.append(Paragraph(_t(translate(prices.note or "", language)), SMALL))
    return flowables


def _activity_table(result: CostResult, language: Language = "en") -> list[Flowable]:
    view = activities_view(result).in_language(language)
    return _view_table(view, ACTIVITY_KEYS, widths=ACTIVITY_WIDTHS,
                       rows=_folded(view, by="cost_per_instance",
                                    sums=["cost_per_instance", "share"]))


def _activity_changes(comparison: Comparison, language: Language) -> list[Flowable]:
    view = activity_changes_view(comparison).in_language(language)
    return _view_table(view, ACTIVITY_CHANGE_KEYS, widths=ACTIVITY_CHANGE_WIDTHS,
                       rows=_folded(view, by="delta", sums=[
                           "baseline_cost_per_instance", "candidate_cost_per_instance",
                           "delta"]))


def _resource_table(result: CostResult, language: Language) -> list[Flowable]:
    return _view_table(resources_view(result).in_language(language), RESOURCE_KEYS,
                       widths=RESOURCE_WIDTHS)


def _resource_changes_table(comparison: Comparison, language: Language) -> list[Flowable]:
    return _view_table(resource_changes_view(comparison).in_language(language),
                       RESOURCE_CHANGE_KEYS, widths=RESOURCE_CHANGE_WIDTHS)


def _value_changes_table(comparison: Comparison, language: Language) -> list[Flowable]:
    return _view_table(value_changes_view(comparison).in_language(language), VALUE_CHANGE_KEYS,
                       widths=VALUE_CHANGE_WIDTHS)


def _value_table(result: CostResult, language: Language) -> list[Flowable]:
    return _view_table(value_classes_view(result).in_language(language), VALUE_KEYS,
                       widths=VALUE_WIDTHS)


def _chart_tables(inputs: ReportInputs, language: Language) -> list[Flowable]:
    if inputs.comparison is not None:
        return (_bridge_table(inputs.comparison, language)
                + _resource_changes_table(inputs.comparison, language)
                + _value_changes_table(inputs.comparison, language))
    return _value_table(inputs.result, language)


def _charts_section(inputs: ReportInputs, *, charts: bool, language: Language
                    ) -> list[Flowable]:
    """Rendered charts (the process graph on landscape pages), or tables and a note."""
    _ = translator(language)
    if not charts:
        return [Spacer(1, 6 * mm), CondPageBreak(60 * mm), Paragraph(_t(_("Figures")), H1),
                *_chart_tables(inputs, language)]
    specs, notes = _chart_specs(inputs, language)
    drawings = _drawings(specs)
    if isinstance(drawings, str):
        note = _("charts unavailable: {reason}. The figures the charts would show are given "
                 "as tables below.", reason=drawings)
        return [Spacer(1, 6 * mm), CondPageBreak(60 * mm), Paragraph(_t(_("Figures")), H1),
                Paragraph(_t(note), NOTE),
                *_chart_tables(inputs, language),
                *[Paragraph(_t(n), SMALL) for n in notes]]

    flowables: list[Flowable] = [Spacer(1, 6 * mm)]
    flowables += [Paragraph(_t(n), SMALL) for n in notes]
    portrait = [(c, d) for c, d in zip(specs, drawings, strict=True) if not c.wide]
    wide = [(c, d) for c, d in zip(specs, drawings, strict=True) if c.wide]
    for chart, drawing in portrait:
        flowables += [_chart_flowable(drawing, chart, width=FRAME_WIDTH,
                                      height=FRAME_HEIGHT - 12 * mm), Spacer(1, 5 * mm)]
    if wide:
        flowables += [NextPageTemplate("landscape"), PageBreak(),
                      Paragraph(_t(_("Process flow")), H1)]
        for chart, drawing in wide:
            flowables += [_chart_flowable(drawing, chart, width=LANDSCAPE_WIDTH,
                                          height=LANDSCAPE_HEIGHT - 14 * mm), Spacer(1, 4 * mm)]
        flowables += [NextPageTemplate("portrait"), PageBreak()]
    return flowables


# --- Assumptions ----------------------------------------------------------------------------------


def _labour_basis(resource: LaborResource, currency: str, language: Language) -> str:
    _ = translator(language)
    if resource.rate_per_hour is not None:
        return _("rate per hour")
    assert resource.cost_per_month is not None
    assert resource.capacity_hours_per_month is not None
    return _("time-driven: {cost} per month / {hours} h practical capacity",
             cost=format_amount(resource.cost_per_month, currency, language),
             hours=_number(resource.capacity_hours_per_month))


def _resource_assumptions(model: ProcessModel, language: Language) -> list[Flowable]:
    _ = translator(language)
    cur = model.currency
    rows = []
    for resource_id, resource in model.resources.items():
        match resource:
            case LaborResource():
                rows.append([_named(resource.name, resource_id), _("labour"),
                             _labour_basis(resource, cur, language),
                             _("{amount} per hour",
                               amount=format_amount(resource.rate_per_minute * 60, cur, language))])
            case PerUseResource():
                rows.append([_named(resource.name, resource_id), _("per use"),
                             _("cost per use"),
                             _("{amount} per use",
                               amount=format_amount(resource.cost_per_use, cur, language))])
            case _:
                assert_never(resource)
    if not rows:
        return [Paragraph(_t(_("Resources: none.")), BODY)]
    return [Paragraph(_t(_("Resources")), H2),
            _table([_("Resource"), _("Kind"), _("Basis"), _("Rate")], rows,
                   widths=[0.3, 0.1, 0.37, 0.23], numeric=[3])]


def _activity_assumptions(model: ProcessModel, language: Language) -> list[Flowable]:
    _ = translator(language)
    cur = model.currency
    rows = []
    items = list(model.activities.items())
    for activity_id, activity in items[:ASSUMPTION_ROWS]:
        labour = tuple(
            f"{_resource_name(model, r)}: {_duration(d, language)}"
            + ("" if d.distribution == "fixed"
               else " " + _("(mean {minutes})", minutes=_minutes(d.mean_minutes, language)))
            for r, d in activity.labor.items()) or "—"
        uses = tuple(f"{_resource_name(model, r)}: {_number(n)}"
                     for r, n in activity.uses.items()) or "—"
        wait = "—" if activity.wait.mean_minutes == 0 else _duration(activity.wait, language)
        other = ("—" if activity.other_cost == 0
                 else format_money(activity.other_cost, cur, language))
        rows.append([_named(activity.name, activity_id), labour, uses, wait,
                     other, _value_label(activity.value, language)])
    flowables: list[Flowable] = [
        Paragraph(_t(_("Activities (minutes per execution)")), H2),
        _table([_("Activity"), _("Labour, minutes"), _("Uses"), _("Wait, minutes"),
                _("Other, {currency}", currency=cur), _("Value class")], rows,
               widths=[0.22, 0.30, 0.16, 0.11, 0.08, 0.13], numeric=[4]),
    ]
    if len(items) > ASSUMPTION_ROWS:
        flowables.append(Paragraph(_t(_("… and {count} more activities: see the Excel or CSV "
                                        "report.", count=len(items) - ASSUMPTION_ROWS)), SMALL))
    return flowables


def _resource_name(model: ProcessModel, resource_id: str) -> str:
    resource = model.resources.get(resource_id)
    return (resource.name if resource is not None and resource.name else resource_id)


def _routing_percent(probability: float | dict[str, float]) -> str:
    """A flow's probability in percent; by case class, each class's (``small: 0%; large: 100%``)."""
    if isinstance(probability, dict):
        return "; ".join(f"{class_id}: {_routing_percent(p)}"
                         for class_id, p in probability.items())
    return f"{_number(round(probability * 100, 4))}%"


def _routing_assumptions(model: ProcessModel, language: Language) -> list[Flowable]:
    _ = translator(language)
    rows = [[_named(model.display_name(flow.source), flow.source),
             _named(model.display_name(flow.target), flow.target),
             _routing_percent(flow.probability)]
            for flow in model.flows if flow.probability is not None]
    if not rows:
        return [Paragraph(_t(_("Routing: no exclusive splits.")), BODY)]
    flowables: list[Flowable] = [
        Paragraph(_t(_("Routing probabilities of exclusive splits")), H2),
        _table([_("Split"), _("Flow to"), _("Probability")], rows[:ASSUMPTION_ROWS],
               widths=[0.42, 0.43, 0.15], numeric=[2]),
    ]
    if len(rows) > ASSUMPTION_ROWS:
        flowables.append(Paragraph(_t(_("… and {count} more flows: see the Excel or CSV "
                                        "report.", count=len(rows) - ASSUMPTION_ROWS)), SMALL))
    return flowables


def _assumptions(model: ProcessModel, *, role: str | None, language: Language
                 ) -> list[Flowable]:
    """The model's inputs; ``role`` is the already translated ``candidate`` or ``baseline``."""
    _ = translator(language)
    heading = (_("Assumptions: {variant} ({role})", variant=model.variant, role=role) if role
               else _("Assumptions: {variant}", variant=model.variant))
    return [CondPageBreak(60 * mm), Paragraph(_t(heading), H1),
            _facts([(_("Process"), _title_of(model)),
                    (_("Volume"), _volume(model.volume_per_year, language)),
                    (_("Currency"), model.currency)]),
            *_resource_assumptions(model, language), *_activity_assumptions(model, language),
            *_routing_assumptions(model, language), Spacer(1, 4 * mm)]


# --- Provenance --------------------------------------------------------------------------------


def _provenance(inputs: ReportInputs, language: Language) -> list[Flowable]:
    _ = translator(language)
    prov = inputs.provenance
    mono = _style("digest", fontSize=7.5, leading=9.5)
    head = prov.change_log_head
    flowables: list[Flowable] = [
        CondPageBreak(80 * mm), Paragraph(_t(_("Provenance")), H1),
        _facts([(_("Tool"), f"{prov.tool} {prov.version}"),
                (_("Generated at"), prov.generated_at),
                (_("Prepared by"), prov.user),
                (_("Change log"), _("none") if head is None else
                 _("{entries} entries, head {hash}", entries=head.entries,
                   hash=head.head_hash or "—"))]),
    ]
    for item in prov.inputs:
        # the role is the report's machine name (model, baseline, catalogue), as in the JSON
        flowables += [
            Paragraph(_t(_("Input: {role}", role=item.role)), H2),
            _facts([(_("File"), item.path),
                    (_("Holds"), _("resource catalogue: the pools' rates"))
                    if item.role == "catalogue" else
                    (_("Process / variant"), f"{item.process} / {item.variant}"),
                    ("SHA-256", item.sha256),
                    (_("Change-log file"), item.change_log_file or _("not in a library")),
                    (_("Change-log head"), item.change_log_head or _("no entries"))],
                   style=mono),
        ]
    changes = inputs.changes
    if changes:
        latest = list(changes)[-CHANGE_LOG_ROWS:]
        rows = [[c.time.replace("T", " ")[:19], c.user, c.file, f"{c.element}.{c.field}",
                 f"{c.old_value if c.old_value is not None else '—'} → "
                 f"{c.new_value if c.new_value is not None else '—'}", c.reason or ""]
                for c in reversed(latest)]
        flowables += [
            Paragraph(_t(_("Latest changes ({shown} of {count}, newest first)",
                           shown=len(latest), count=len(changes))), H2),
            _table([_("Time (UTC)"), _("User"), _("File"), _("Element.field"), _("Old → new"),
                    _("Reason")], rows, widths=[0.15, 0.13, 0.18, 0.18, 0.2, 0.16]),
        ]
    else:
        flowables.append(Paragraph(_t(_("No change-log entries for these files.")), SMALL))
    flowables += [Spacer(1, 4 * mm), Paragraph(_t(_(
        "Every figure is computed exactly from the input files listed above (expected "
        "executions through routing probabilities, mean minutes × rates); the SHA-256 "
        "digests identify those files.")), SMALL)]
    return flowables


# --- Pages, footer, the document ---------------------------------------------------------------


class _FooterCanvas(Canvas):
    """A canvas that holds every page back until the last, so each footer can say
    "Page N of M"; it also dates the PDF with the report's time."""

    def __init__(self, *args, footer: str = "", pdf_date: str | None = None,
                 language: Language = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self._footer_text = footer
        self._language = language
        self._held_pages: list[dict] = []
        if pdf_date is not None:
            self.setDateFormatter(lambda *_: pdf_date)

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        width = self._pagesize[0]
        y = FOOTER_SPACE - 7 * mm
        _ = translator(self._language)
        page = _("Page {number} of {total}", number=number, total=total)
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.6)
        self.line(MARGIN, y + 10, width - MARGIN, y + 10)
        self.setFont(FONT, 7.5)
        self.setFillColor(MUTED_C)
        room = width - 2 * MARGIN - pdfmetrics.stringWidth(page, FONT, 7.5) - 10 * mm
        self.drawString(MARGIN, y, _clip(self._footer_text, room, 7.5))
        self.drawRightString(width - MARGIN, y, page)
        self.restoreState()


def _clip(text: str, width: float, size: float) -> str:
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _footer(inputs: ReportInputs, language: Language) -> str:
    variant = inputs.model.variant
    if inputs.baseline is not None:
        _ = translator(language)
        variant = _("{candidate} vs {baseline}", candidate=variant,
                                       baseline=inputs.baseline.variant)
    return f"{_title_of(inputs.model)} · {variant}"


_KEYWORDS_PREFIX = "abc-costing-report:"


def _verification_keywords(inputs: ReportInputs) -> str:
    # What `report --verify` reads back: provenance and headline figures, as
    # base64 JSON in the document's keywords (plain ASCII, so no PDF string
    # encoding can mangle it).
    document: dict[str, Any] = {
        "format": "abc-costing-report/1",
        "provenance": inputs.provenance.as_dict(),
        "costing": {"cost_per_instance": inputs.result.cost_per_instance,
                    "cost_per_year": inputs.result.cost_per_year, "activities": []},
        "comparison": None if inputs.comparison is None else
        {"saving_per_instance": inputs.comparison.saving_per_instance},
    }
    payload = json.dumps(document, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return _KEYWORDS_PREFIX + base64.b64encode(payload.encode()).decode()


def read_pdf_document(data: bytes) -> dict:
    """What ``report --verify`` needs from a PDF report (provenance, headline figures)."""
    found = re.search(rb"abc-costing-report:([A-Za-z0-9+/=]+)", data)
    if found is None:
        raise ValueError("this PDF carries no abc-costing provenance")
    return json.loads(base64.b64decode(found.group(1)))


def _document(buffer: io.BytesIO, inputs: ReportInputs, language: Language) -> BaseDocTemplate:
    def frame(size: tuple[float, float], frame_id: str) -> Frame:
        return Frame(MARGIN, FOOTER_SPACE, size[0] - 2 * MARGIN,
                     size[1] - MARGIN - FOOTER_SPACE, id=frame_id, leftPadding=0,
                     rightPadding=0, topPadding=0, bottomPadding=0)

    _ = translator(language)
    prov = inputs.provenance
    doc = BaseDocTemplate(
        buffer, pagesize=PORTRAIT, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=FOOTER_SPACE, invariant=1,
        title=f"{_title_of(inputs.model)}: {_variant_line(inputs, language)}",
        author=prov.user, subject=_("Activity-based costing report"),
        creator=f"{prov.tool} {prov.version}", keywords=_verification_keywords(inputs),
    )
    doc.addPageTemplates([
        PageTemplate(id="portrait", frames=[frame(PORTRAIT, "portrait")], pagesize=PORTRAIT),
        PageTemplate(id="landscape", frames=[frame(LANDSCAPE, "landscape")],
                     pagesize=LANDSCAPE),
    ])
    return doc


def pdf_bytes(inputs: ReportInputs, *, charts: bool = True, language: Language = "en") -> bytes:
    """The report on ``inputs`` as a PDF (see the module docstring for its pages).

    ``charts=True`` draws the charts as vector graphics (no browser); when a
    figure cannot be drawn the report is made without them, with a note
    saying why and the same figures as tables. ``charts=False`` draws the
    tables. Every heading, label, note and footer is in ``language``; the
    tables' headers are the views' (:meth:`TableView.in_language`). Never
    writes a file; the money is in the reader's form (``10 368,69 ₽``).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from abc_costing.reports.provenance import build_report_inputs
    >>> inputs = build_report_inputs("process_models/contract_approval/template_esign.yaml",
    ...     baseline_path="process_models/contract_approval/as_is.yaml", user="ivan",
    ...     change_log=None, now=datetime(2026, 1, 1, tzinfo=UTC))
    >>> pdf = pdf_bytes(inputs, charts=False)
    >>> pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    True
    """
    _register_fonts()
    story: list[Flowable] = [NextPageTemplate("portrait")]
    _ = translator(language)
    story += _title_block(inputs, language)
    if inputs.comparison is not None:
        story += _headline_comparison(inputs.comparison, inputs.split, language)
    else:
        story += _headline_single(inputs.result, language)
    story += _key_facts(inputs, language)
    story += _charts_section(inputs, charts=charts, language=language)
    story += [CondPageBreak(80 * mm), Paragraph(_t(_("Cost tables")), H1)]
    if inputs.comparison is not None:
        story += _activity_changes(inputs.comparison, language)
        story += _saving_as_money(inputs, language)
    story += _activity_table(inputs.result, language) + _resource_table(inputs.result, language)
    story += _assumptions(inputs.model, role=_("candidate") if inputs.baseline else None,
                          language=language)
    if inputs.baseline is not None:
        story += _assumptions(inputs.baseline, role=_("baseline"), language=language)
    story += _provenance(inputs, language)

    buffer = io.BytesIO()
    doc = _document(buffer, inputs, language)
    doc.build(story, canvasmaker=partial(_FooterCanvas, footer=_footer(inputs, language),
                                         pdf_date=_pdf_date(inputs.provenance.generated_at),
                                         language=language))
    return buffer.getvalue()

