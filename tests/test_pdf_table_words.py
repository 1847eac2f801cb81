"""PDF tables never break a word (issue 14): a header wraps at its spaces only, onto as
many lines as it needs, and a figure stays on one line; the columns share the page width
by their content (reportlab's ``stringWidth``), in Russian, whose words are long
(Использований, Распределено, неиспользуемая), and in English.

The reports are read back with poppler's ``pdftotext``: ``-raw`` keeps the content
stream's order, in which reportlab draws a table's header cells one after another, so a
header row printed whole reads as its labels joined by spaces, and a word broken over two
lines reads as two; ``-bbox`` gives every word's box on the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pytest
from reportlab.pdfbase import pdfmetrics

from abc_costing.reports import ledger_pdf, pdf_report
from abc_costing.reports.pdf_report import (
    CELL_PADDING,
    FONT_BOLD,
    FRAME_WIDTH,
    HEAD_SIZES,
    MARGIN,
    _column_widths,
    pdf_bytes,
)
from tests.test_pdf_report import AS_IS, ESIGN, _inputs, _run, _write, needs_poppler

LANGUAGES = ("ru", "en")


def _spaced(text: str) -> str:
    """Whitespace (narrow and no-break spaces too) as single plain spaces."""
    return " ".join(text.split())


@pytest.fixture
def tables(monkeypatch) -> list[tuple[list[str], list[list[str]], set[int]]]:
    """Every table the reports draw: its header, its rows, its numeric columns."""
    drawn: list[tuple[list[str], list[list[str]], set[int]]] = []
    table = pdf_report._table

    def spy(header: Sequence[str], rows: Sequence[Sequence[str | tuple[str, ...]]], **kw):
        drawn.append((list(header), [[" ".join(v) if isinstance(v, tuple) else v for v in row]
                                     for row in rows], set(kw.get("numeric", ()))))
        return table(header, rows, **kw)

    monkeypatch.setattr(pdf_report, "_table", spy)
    monkeypatch.setattr(ledger_pdf, "_table", spy)
    return drawn


def _reports(language: str) -> dict[str, Callable[[], bytes]]:
    """The costing report of a comparison and of one variant, and the ledger's."""
    from abc_costing.workflows.ledger import balance_period, period_report
    from abc_costing.workflows.library import open_library

    balance = balance_period(open_library("process_models"), period="2026-01")
    return {"comparison": lambda: pdf_bytes(_inputs(ESIGN, AS_IS), charts=False,
                                            language=language),
            "single": lambda: pdf_bytes(_inputs(AS_IS), charts=False, language=language),
            "ledger": lambda: period_report(balance, "pdf", language=language)}


@needs_poppler
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_header_and_figure_is_printed_whole(tmp_path, tables, language):
    for name, render in _reports(language).items():
        tables.clear()
        path = _write(tmp_path, render(), f"{name}-{language}.pdf")
        drawn = list(tables)
        assert len(drawn) >= 4, name  # the reports have their tables
        raw = _run("pdftotext", "-raw", str(path), "-")
        text, lines = _spaced(raw), [_spaced(line) for line in raw.splitlines()]
        for header, rows, numeric in drawn:
            # the header row as written: each label's words whole, wrapped at spaces only
            assert _spaced(" ".join(header)) in text, (name, header)
            # each figure on one line (a number broken at its thousands is misread)
            for row in rows:
                for i in numeric:
                    figure = _spaced(row[i])
                    if figure and not any(c.isalpha() for c in figure):
                        assert any(figure in line for line in lines), (name, header[i], figure)


@needs_poppler
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tables_fit_the_page_width(tmp_path, language):
    for name, render in _reports(language).items():
        boxes = _run("pdftotext", "-bbox", str(_write(tmp_path, render(), f"{name}.pdf")), "-")
        page_width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))
        words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', boxes)
        assert len(words) > 300, name
        # every word inside the margins (18 mm = 51.0 pt each side, A4 portrait 595.3 pt)
        outside = [(x0, x1) for x0, x1 in words
                   if float(x0) < MARGIN - 0.5 or float(x1) > page_width - MARGIN + 0.5]
        assert not outside, (name, outside[:5])


def test_a_narrow_russian_header_gets_the_width_of_its_longest_word():
    """«Простой (неиспользуемая мощность)» in a 12 % column of the page: it needs the width
    of «(неиспользуемая)» in bold 7.5 pt plus the padding; the name column gives it up."""
    header = ["Пул", "Простой (неиспользуемая мощность)", "Не распределено"]
    widths, size = _column_widths(header, [[], [], []], fractions=[0.76, 0.12, 0.12],
                                  width=FRAME_WIDTH)
    assert size == 7.5
    longest = pdfmetrics.stringWidth("(неиспользуемая", FONT_BOLD, 7.5)
    assert widths[1] == pytest.approx(longest + CELL_PADDING)
    assert 0.12 * FRAME_WIDTH < widths[1]  # what the fraction alone gave: too narrow
    assert widths[2] == pytest.approx(pdfmetrics.stringWidth("распределено", FONT_BOLD, 7.5)
                                      + CELL_PADDING)
    assert sum(widths) == pytest.approx(FRAME_WIDTH)  # the name column took the rest
    assert widths[0] == pytest.approx(FRAME_WIDTH - widths[1] - widths[2])


def test_a_smaller_header_font_before_a_word_breaks():
    """Six «Расхождение» side by side in 6 × 50 points: 7.5 pt is too wide, a smaller size
    fits them whole; narrower still, no size does and the fractions stand."""
    header = ["Расхождение"] * 6
    word = {size: pdfmetrics.stringWidth("Расхождение", FONT_BOLD, size) + CELL_PADDING
            for size in HEAD_SIZES}
    width = 6 * (word[6.5] + word[7.0]) / 2  # between what 6.5 pt and 7 pt need
    widths, size = _column_widths(header, [[]] * 6, fractions=[1 / 6] * 6, width=width)
    assert size == 6.5 and all(w >= word[6.5] for w in widths)
    assert 6 * word[7.0] > width >= 6 * word[6.5]
    widths, size = _column_widths(header, [[]] * 6, fractions=[1 / 6] * 6,
                                  width=6 * word[6.0] - 1)
    assert size is None and widths == pytest.approx([(6 * word[6.0] - 1) / 6] * 6)


def test_a_figure_keeps_its_column_wide_enough_for_one_line():
    """A right-aligned column of money: at least its widest figure, measured as reportlab
    sets it (its words and plain spaces between them), plus the padding."""
    figures = [("2\u202f659\u202f406,24", pdf_report.FONT), ("—", pdf_report.FONT)]
    widths, _ = _column_widths(["Пул", "Средства"], [[], figures], fractions=[0.95, 0.05],
                               width=FRAME_WIDTH)
    words = sum(pdfmetrics.stringWidth(w, pdf_report.FONT, 7.5) for w in ("2", "659", "406,24"))
    spaces = 2 * pdfmetrics.stringWidth(" ", pdf_report.FONT, 7.5)
    assert widths[1] == pytest.approx(words + spaces + CELL_PADDING)
