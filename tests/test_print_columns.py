"""Tables written a column at a time say every cell as the cell-by-cell rules do (issue 16).

:func:`abc_costing.numbers.number_column`, :func:`abc_costing.reports.views.format_column`,
:meth:`TableView.text_columns` and the plain writer's column measures are checked
against the per-cell functions they stand for (``number``, ``format_value``, rich
itself) on generated values and on the shipped models' tables, in English and Russian.
"""

from __future__ import annotations

import math
import sys
from decimal import Decimal
from io import StringIO

import pytest
from babel.units import format_unit
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from abc_costing import cli, cost_model, durations, load_model, numbers
from abc_costing.i18n import N_
from abc_costing.reports import views
from abc_costing.reports.views import (
    Column,
    activities_view,
    format_column,
    format_value,
    resources_view,
    value_classes_view,
)

MODELS = ["process_models/contract_approval/as_is.yaml",
          "process_models/procurement/as_is.yaml"]
LANGUAGES = ["en", "ru"]

# figures as tables hold them: any sign, zero, tiny, huge, and halves of the last digit
# shown (x.xx5 written with 15 digits, which the float's own rounding may take the
# other way), with NaN and infinities for format_column, which leaves them to format_value
finite = st.one_of(
    # (beyond 1e26 the 28-digit decimal rounding itself fails, in number as here)
    st.floats(min_value=-1e20, max_value=1e20, allow_nan=False),
    st.floats(min_value=-1e13, max_value=1e13, allow_nan=False),
    st.floats(min_value=-1e-2, max_value=1e-2, allow_nan=False),
    st.builds(lambda whole, digits: (whole + 0.5) / 10 ** digits,
              st.integers(-10 ** 12, 10 ** 12), st.integers(0, 4)),
    st.sampled_from([0.0, -0.0, 2.675, 100.125, -100.125, 0.005, -0.005, 0.0005, 1e12,
                     999999999999.995, 5e-324]),
)
cells = st.one_of(finite, st.sampled_from([None, float("nan"), float("inf"), float("-inf"),
                                           True, False, 7, -1200, 0]))


@pytest.fixture(params=["loop", "numpy"])
def path(request, monkeypatch):
    """Both ways number_column finds its ties: a Python loop, numpy's look at the column."""
    if request.param == "loop":
        monkeypatch.setattr(numbers, "_VECTOR_FROM", sys.maxsize)
    else:
        assert "numpy" in sys.modules  # loaded by the package's costing, as in a command
        monkeypatch.setattr(numbers, "_VECTOR_FROM", 0)
    return request.param


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # a constant set
@given(values=st.lists(finite, max_size=40), digits=st.integers(0, 4),
       language=st.sampled_from(LANGUAGES))
def test_number_column_is_number_of_each(path, values, digits, language):
    assert numbers.number_column(values, digits, language) == [
        numbers.number(v, digits, language) for v in values]


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # a constant set
@given(values=st.lists(finite, max_size=40), language=st.sampled_from(LANGUAGES),
       digits=st.integers(0, 2))
def test_percent_column_is_percent_of_each(path, values, language, digits):
    assert numbers.percent_column(values, language, digits) == [
        numbers.percent(v, language, digits) for v in values]


def test_number_column_rounds_halves_as_written():
    # half away from zero on the figure as written with 15 digits (Excel's ROUND):
    # 2.675 is stored 2.67499999…, written 2.675, rounded up to 2.68 (format: 2.67);
    # 100.125 -> 100.13 (format, half to even: 100.12); -0.004 rounds to nothing: 0.00;
    # 1234.5 to no decimals: 1,235 (format: 1,234)
    assert numbers.number_column([2.675, 100.125, -100.125, -0.004], 2) == [
        "2.68", "100.13", "-100.13", "0.00"]
    assert numbers.number_column([1234.5, -0.4, 2.5], 0, "ru") == [
        "1\u202f235", "0", "3"]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # a constant set
@given(values=st.lists(cells, max_size=30), language=st.sampled_from(LANGUAGES),
       unit=st.sampled_from(["money", "share", "executions", "count", "probability",
                             "people", "number", "text"]),
       currency=st.sampled_from(["RUB", "USD", "JPY", None]))
def test_format_column_is_format_value_of_each(path, values, language, unit, currency):
    assert format_column(values, unit, currency, language) == [
        format_value(v, unit, currency, language) for v in values]


@pytest.mark.parametrize("language", LANGUAGES)
def test_format_column_of_times_and_words(language):
    minutes = [0.04, 45.5, 59.96, 600, 13327, -90, None, float("inf")]
    for elapsed in (False, True):
        assert format_column(minutes, "minutes", None, language, hours_per_day=7.5,
                             elapsed=elapsed) == [
            format_value(m, "minutes", None, language, hours_per_day=7.5, elapsed=elapsed)
            for m in minutes]
    words = ["a1", N_("waste"), None, True, 12.5]
    assert format_column(words, "text", language=language) == ["a1", "waste", "—", "yes",
                                                                "12.5"]


def test_a_column_with_many_empty_cells_keeps_their_places():
    # more cells that are not finite floats than are put in place one by one
    values = [None, 1.5] * 20 + [float("inf")]
    assert format_column(values, "money", "RUB") == ["—", "1.50"] * 20 + ["∞"]


def _per_cell_rows(view):
    """text_rows as it was written before: format_value of each cell, row by row."""
    return [(row.kind, [format_value(row.value(c.key), c.unit, view.currency_of(row),
                                     language=view.language, hours_per_day=view.hours_per_day,
                                     elapsed=c.elapsed) for c in view.brief_columns()])
            for row in view.rows]


def _said_per_cell(view, language):
    """in_language's rows as they were said before: each cell on its own."""
    return [tuple(views._said(v, language) for v in row.values) for row in view.rows]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_text_rows_of_shipped_tables_are_per_cell(model, language):
    result = cost_model(load_model(model))
    for make in (activities_view, resources_view, value_classes_view):
        view = make(result)
        said = view.in_language(language)
        assert [row.values for row in said.rows] == _said_per_cell(view, language)
        assert [type(v) for row in said.rows for v in row.values] == [
            type(v) for row in _said_per_cell(view, language) for v in row]
        assert said.text_rows() == _per_cell_rows(said)
        assert said.text_rows(brief=False)[0][1][0] == said.rows[0].values[0]


def test_a_view_whose_rows_name_their_currencies():
    view = views._view("p", "t", [Column("currency", "Currency"),
                                  Column("cost", "Cost", "money")],
                       [("item", ["RUB", 1234.5]), ("item", ["JPY", 1234.5]),
                        ("item", ["USD", -0.004])], currency=None)
    # each row to its own currency's minor unit: kopecks, whole yen, cents
    assert [cells for _, cells in view.text_rows()] == [
        ["RUB", "1,234.50"], ["JPY", "1,235"], ["USD", "0.00"]]
    assert view.text_rows() == _per_cell_rows(view)


def _rich(view):
    """The table as rich itself draws it from format_value's cells (the old path)."""
    out = Console(file=StringIO(), width=200, soft_wrap=False, highlight=False)
    columns = view.brief_columns()
    rows = _per_cell_rows(view)
    table = Table(title=view.title, title_justify="left")
    for i, c in enumerate(columns):
        figure = c.unit != "text"
        widest = max((len(cells[i]) for _, cells in rows), default=0) if figure else None
        table.add_column(view.label(c.key), overflow="fold",
                         justify="right" if figure else "left", min_width=widest)
    for _, cells in rows:
        table.add_row(*(Text(cell) for cell in cells))
    out.print(table)
    return out.file.getvalue()


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_cost_tables_are_what_rich_draws_from_each_cell(model, language, monkeypatch):
    monkeypatch.setattr(cli, "_LANGUAGE", language)
    result = cost_model(load_model(model))
    for make in (activities_view, resources_view, value_classes_view):
        view = make(result)
        out = cli._console(StringIO())
        cli._print_view(view, out)
        assert out.file.getvalue() == _rich(view.in_language(language))


def test_plain_table_measures_a_wide_column_by_cell():
    # a CJK name is two cells a character: the name column is measured cell by cell,
    # the figures (one cell a character) by their length
    rows = [["試験", "1\u202f500,50"], ["Ёлка", "7,00"]]
    args = ("T", ["Name", "RUB"], [False, True], [None, 8], rows)
    plain = cli._plain_table(Console(file=StringIO(), width=40), *args)
    out = Console(file=StringIO(), width=40, soft_wrap=False, highlight=False)
    table = Table(title="T", title_justify="left")
    table.add_column("Name", overflow="fold")
    table.add_column("RUB", overflow="fold", justify="right", min_width=8)
    for cells in rows:
        table.add_row(*(Text(cell) for cell in cells))
    out.print(table)
    assert plain == out.file.getvalue()
    assert plain.splitlines()[4] == "│ 試験 │ 1\u202f500,50 │"  # 4 cells + 1, 8 + 1 wide


@pytest.mark.parametrize("cell", ["a ", " a", "a\u2028b", "a\rb", "a\nb", "a\u00a0"])
def test_plain_table_leaves_edge_spaces_and_breaks_to_rich(cell):
    rows = [["x", "1"], [cell, "2"]]
    assert cli._plain_table(Console(file=StringIO(), width=80), "T", ["Id", "N"],
                            [False, True], [None, 1], rows) is None


def test_surely_single_characters_are_one_cell_each():
    # every character the plain writer takes as one cell wide without asking rich
    surely = [chr(c) for c in range(0x10000)
              if chr(c) != "\n" and not cli._NOT_SURELY_SINGLE.match(chr(c))]
    assert len(surely) == (0x7e - 0x20 + 1) + (0xac - 0xa0 + 1) + (0x2ff - 0xae + 1) + (
        0x482 - 0x370 + 1) + 7
    assert all(cell_len(c) == 1 for c in surely)


def test_unit_text_keeps_a_decimal_apart_from_an_equal_int():
    # Decimal("1.0") == 1, but the cache keys on the written amount and its type
    assert Decimal("1.0") == 1 and math.isclose(float(Decimal("1.0")), 1)
    assert durations._unit(Decimal("1.0"), "minute", "en", "#,##0.#") == str(format_unit(
        Decimal("1.0"), "duration-minute", length="short", format="#,##0.#", locale="en"))
    assert durations._unit(1, "minute", "en", "#,##0") == "1 min"


# --- tables wider than the console: wrapped as rich wraps them (issue 16) ----------------------

# words as tables hold them: Cyrillic and Latin, digits and figure marks, arrows, the
# spaces rich wraps at (NBSP and U+202F among them), runs of spaces, words longer than
# any column
words = st.one_of(
    st.text(alphabet="abcЖёж0123456789,.→%—\u00a0\u202f ", min_size=1, max_size=12),
    st.sampled_from(["Операция", "00", "→", "  ", "   ", "\u00a0", "\u202f", "1\u202f500,50",
                     "x" * 40, "Согласование" * 3, "a\u00a0b", "RUB", "12.5%", "—"]),
)
texts_in_cells = st.one_of(st.lists(words, max_size=12).map(" ".join).map(str.strip),
                           st.just(""))
# edge spaces too, now and then (rich draws those tables)
ragged_texts = st.one_of(texts_in_cells, st.lists(words, max_size=12).map("".join))
# figures are short: a figure column never narrows below its widest cell
figures_in_cells = st.one_of(
    st.text(alphabet="0123456789,.\u202f\u00a0 %—-", max_size=9).map(str.strip),
    st.sampled_from(["—", "1\u202f500,50", "12.3%", "1 day 2 hr 51 min", ""]),
)


def _rich_table(title, labels, figures, widest, rows, *, width, totals=()):
    """The table as cli._print_view builds it for rich, drawn by rich itself."""
    out = Console(file=StringIO(), width=width, soft_wrap=False, highlight=False)
    table = Table(title=title, title_justify="left")
    for label, figure, least in zip(labels, figures, widest, strict=True):
        table.add_column(label, overflow="fold", justify="right" if figure else "left",
                         min_width=least)
    for index, cells in enumerate(rows):
        table.add_row(*(Text(cell) for cell in cells),
                      style="bold" if index in totals else None)
    out.print(table)
    return out.file.getvalue()


@st.composite
def tables(draw):
    count = draw(st.integers(1, 7))
    texts = ragged_texts if draw(st.integers(0, 4)) == 0 else texts_in_cells
    figures = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    labels = draw(st.lists(st.one_of(texts, st.sampled_from([
        "Per case, RUB", "Соответствует модели", "Cycle time", "#", "Путь"])),
        min_size=count, max_size=count))
    cells = [figures_in_cells if figure and draw(st.integers(0, 4)) else texts
             for figure in figures]  # (now and then a figure column of words)
    rows = draw(st.lists(st.tuples(*cells).map(list), max_size=6))
    title = draw(st.one_of(st.just(""), st.sampled_from(["T", "Trace variants of x.csv"]),
                           texts))
    return title, labels, figures, rows


@settings(max_examples=600, deadline=None)
@given(table=tables(), width=st.integers(10, 220))
def test_a_plain_table_is_what_rich_draws_even_wrapped(table, width):
    title, labels, figures, rows = table
    # a figure's least width is its widest cell (cli._print_view)
    widest = [max((len(cells[i]) for cells in rows), default=0) if figure else None
              for i, figure in enumerate(figures)]
    out = Console(file=StringIO(), width=width, soft_wrap=False, highlight=False)
    plain = cli._plain_table(out, title, labels, figures, widest, rows)
    drawn = _rich_table(title, labels, figures, widest, rows, width=width, totals={0})
    if plain is not None:
        assert plain == drawn
    wrapped = plain is not None and max(map(len, plain.splitlines())) == width
    event(f"plain: {plain is not None}, wrapped: {wrapped}")


def _variants_log(tmp_path):
    """A log of 120 cases on 4 paths of 7-14 long Cyrillic steps (paths that wrap)."""
    rows = ["case,activity,start,end"]
    for case in range(120):
        steps = 7 + (case % 4) * 2 + (case % 3 == 0) * 3
        for step in range(steps):
            name = f"Операция {(step * (1 + case % 4)) % 25:02d}"
            rows.append(f"{case},{name},2024-03-01 {9 + step // 6:02d}:{step % 6 * 10:02d},"
                        f"2024-03-01 {9 + step // 6:02d}:{step % 6 * 10 + 5:02d}")
    path = tmp_path / "log.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", [200, 120])
def test_the_variants_table_wrapped_is_written_without_rich(tmp_path, monkeypatch, language,
                                                            width):
    # (at 80 columns its figures alone are wider than the room: rich draws it, cropped)
    from abc_costing.workflows import event_log_variants

    monkeypatch.setattr(cli, "_LANGUAGE", language)
    monkeypatch.setenv("COLUMNS", str(width))
    log = _variants_log(tmp_path)
    found = event_log_variants(log, source_name=str(log))
    view = views.variants_view(found.variants, currency="RUB").in_language(language)
    # (the file's name, not its path: a worker's tmp_path alone can be wider than 120)
    title = f"Trace variants of {log.name} (cases: 120, variants: {len(found.variants)})"
    # the plain path is taken (the speed is real): the paths wrap, nothing needs rich
    columns = view.brief_columns()
    texts = view.text_columns()
    figures = [column.unit != "text" for column in columns]
    widest = [max(map(len, cells)) if figure else None
              for cells, figure in zip(texts, figures, strict=True)]
    rows = list(zip(*texts, strict=True))
    out = cli._console(StringIO())
    plain = cli._plain_table(out, title, [view.label(c.key) for c in columns], figures,
                             widest, rows)
    assert plain is not None and len(plain.splitlines()) > len(rows) + 4  # wrapped
    assert {len(line) for line in plain.splitlines()} == {width}
    # and _print_view writes what rich draws from the same view
    cli._print_view(view, out, title=title)
    assert out.file.getvalue() == _rich_table(title, [view.label(c.key) for c in columns],
                                              figures, widest, rows, width=width)


@pytest.mark.parametrize("width", [80, 8])
def test_a_title_that_reads_as_nothing_is_a_line_of_spaces_as_rich_draws_it(width):
    # "[bold]" is markup with no text: rich still gives the title its line (the table's
    # width in spaces), wrapped table (8 columns) or not (80); the plain writer left it out
    plain = cli._plain_table(Console(file=StringIO(), width=width), "[bold]", ["Name"],
                             [False], [None], [["aa bb"]])
    out = Console(file=StringIO(), width=width, soft_wrap=False, highlight=False)
    table = Table(title="[bold]", title_justify="left")
    table.add_column("Name", overflow="fold")
    table.add_row(Text("aa bb"))
    out.print(table)
    assert plain == out.file.getvalue()
    assert plain.splitlines()[0] == " " * len(plain.splitlines()[1])
