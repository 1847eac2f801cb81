"""To a pipe or a file the CLI writes what rich would, without loading rich (issue 16).

``abc-costing validate`` spent 0.04-0.07 s of CPU importing rich to print one line.
:func:`abc_costing.cli._console` now gives a pipe a stand-in that loads rich on the
first use of anything but its plain lines; each test here checks the stand-in against
rich itself (the old path) on the same text: byte for byte.
"""

from __future__ import annotations

import builtins
import io
import os
from io import StringIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from abc_costing import cli

# texts as lines are printed: plain words, Cyrillic, wide CJK, markup-like and emoji-like
# text (a Text is never markup), edge spaces, tabs, breaks, controls, long lines
texts = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="ab Жё試[]:/\t\n\u2028\u00a0\u202f", max_size=230),
    st.sampled_from(["", " a", "a ", "[bold]x[/bold]", ":thumbs_up: :x:", "x" * 200,
                     "x" * 201, "試" * 100, "試" * 101, "a\x1b[31mb", "Итого: 1\u202f500,50 ₽"]),
)


def _rich(stream: StringIO) -> Console:
    # the console the CLI made for a pipe before the stand-in (cli._console's arguments)
    return Console(file=stream, width=200, soft_wrap=False, highlight=False)


@settings(max_examples=300, deadline=None)
@given(text=texts, style=st.sampled_from([None, "bold", "red"]))
def test_a_line_said_to_a_pipe_is_what_rich_prints(text, style):
    piped, printed = StringIO(), StringIO()
    cli._say(cli._PipeConsole(piped, 200, rich_width=200), text, style=style)  # _console's, on a pipe
    cli._say(_rich(printed), text, style=style)
    assert piped.getvalue() == printed.getvalue()


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(
    texts,
    st.sampled_from(["Cost: RUB", "a:b:c", ":smile:", "[b]x", "Доля потерь: 5%", "a\\[b",
                     "Trace variants of x.csv (cases: 83,732, variants: 58; costliest first)",
                     "10:15:00", ":a b:", ":smile:x:", "a::b", ":smile-emoji: :x-text:",
                     "::", ":\u00a0:", ":thumbs_up :ok:", "Варианты: 5, случаи: 7"]),
    # colons with and without spaces between them, around emoji names and near-names
    st.lists(st.sampled_from([":", " ", "\u00a0", "smile", "thumbs_up", "-emoji", "-text",
                              "x", "Ж", "1,5"]), max_size=12).map("".join),
))
def test_a_title_is_read_as_rich_reads_markup(text):
    rich = _rich(StringIO())
    # (a title's control characters are escaped before it gets here: cli._visible)
    title = cli._visible(text)
    assert _outcome(lambda: cli._as_rich_reads(rich, title)) == \
        _outcome(lambda: rich.render_str(title, highlight=False).plain)


@pytest.mark.parametrize("title", [
    "Trace variants of x.csv (cases: 83,732, variants: 58; costliest first)",
    "Варианты трасс x.csv (случаев: 83\u202f732, вариантов: 58; сначала самые дорогие)",
    ": a : b :"])
def test_a_title_with_colons_apart_is_read_without_rich(title):
    # no emoji code can be in it: rich's reader (and its import) is not needed
    class Unread:
        def render_str(self, *args, **kwargs):
            raise AssertionError("read by rich")

    assert cli._as_rich_reads(Unread(), title) == title


def _outcome(read):
    """What ``read()`` gives, or the error it raises (rich refuses "[/]" as markup)."""
    try:
        return read()
    except Exception as error:  # noqa: BLE001 - the error itself is compared
        return type(error), str(error)


def test_a_pipe_console_loads_rich_only_for_what_it_does_not_write_itself():
    console = cli._PipeConsole(StringIO(), 200, rich_width=200)
    assert console._rich is None  # a plain line is written straight
    cli._say(console, "Cost per instance: RUB 15,364.05")
    assert console._rich is None
    console.rule("1. The portfolio")  # a rule is rich's: made on first use, then kept
    made = console._rich
    assert isinstance(made, Console) and made.width == 200 and made.file is console.file
    console.print("x")
    assert console._rich is made
    assert console.file.getvalue().endswith("\nx\n")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("columns", ["80", "0", "7"])
def test_a_pipe_console_is_as_wide_as_rich_reads_columns(columns, monkeypatch):
    # $COLUMNS (pytest-xdist's workers set 80) is rich's width on a pipe too
    monkeypatch.setenv("COLUMNS", columns)
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    piped = cli._console(StringIO())
    rich = Console(file=StringIO(), width=None, soft_wrap=False, highlight=False)
    assert isinstance(piped, cli._PipeConsole) and piped.width == rich.width == int(columns)
    assert piped.rule is not None and piped._rich.width == rich.width  # made as before
    for text in ("x" * 7, "x" * 8, "Итого: 1 500,50 ₽"):
        said, printed = StringIO(), StringIO()
        cli._say(cli._PipeConsole(said, piped.width, rich_width=None), text)
        cli._say(Console(file=printed, width=None, soft_wrap=False, highlight=False), text)
        assert said.getvalue() == printed.getvalue()


@pytest.mark.parametrize("case", ["terminal", "FORCE_COLOR", "TTY_COMPATIBLE", "jupyter",
                                  "latin-1"])
def test_rich_draws_whatever_could_be_coloured_or_not_utf8(case, monkeypatch):
    # each case is one rich (14) would draw as a terminal, or measure or encode otherwise:
    # the CLI then makes rich's own console, as before
    stream: io.StringIO | io.TextIOWrapper = StringIO()
    if case == "terminal":
        stream = _Tty()
    elif case in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.setenv(case, "1")
    elif case == "jupyter":
        monkeypatch.setattr(builtins, "get_ipython", lambda: None, raising=False)
    else:
        stream = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        if name != case:
            monkeypatch.delenv(name, raising=False)
    assert isinstance(cli._console(stream), Console)


def test_a_pipe_without_forcing_gets_the_stand_in(monkeypatch):
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    assert "get_ipython" not in vars(builtins)
    wrapped = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert isinstance(cli._console(wrapped), cli._PipeConsole)
    assert os.environ.get("COLUMNS") is None
