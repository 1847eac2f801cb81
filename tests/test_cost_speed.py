"""The `cost` command on big models: the same text, fast (issue 16, "speed targets").

The plain table writer (:func:`abc_costing.cli._plain_table`) must print what rich
prints, character for character, so the fast path is checked against rich itself on
real views (English and Russian, names with markup-like brackets, wide characters).
"""

from __future__ import annotations

from io import StringIO

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from abc_costing import cli, cost_model, load_model
from abc_costing.reports.views import activities_view, resources_view, value_classes_view

MODEL = "process_models/contract_approval/as_is.yaml"


def _rich_text(title, labels, figures, widest, rows, *, width):
    """The table as cli drew it before: rich's own Table."""
    out = Console(file=StringIO(), width=width, soft_wrap=False, highlight=False)
    table = Table(title=title, title_justify="left")
    for label, figure, least in zip(labels, figures, widest, strict=True):
        table.add_column(label, overflow="fold", justify="right" if figure else "left",
                         min_width=least)
    for cells in rows:
        table.add_row(*(Text(cell) for cell in cells))
    out.print(table)
    return out.file.getvalue()


def _parts(view, language):
    view = view.in_language(language)
    columns = view.brief_columns()
    rows = [cells for _, cells in view.text_rows()]
    figures = [c.unit != "text" for c in columns]
    widest = [max(len(r[i]) for r in rows) if f else None for i, f in enumerate(figures)]
    return view.title, [view.label(c.key) for c in columns], figures, widest, rows


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("make_view", [activities_view, resources_view, value_classes_view])
def test_plain_table_is_what_rich_prints(language, make_view):
    view = make_view(cost_model(load_model(MODEL)))
    title, labels, figures, widest, rows = _parts(view, language)
    out = Console(file=StringIO(), width=200)
    plain = cli._plain_table(out, title, labels, figures, widest, rows)
    assert plain is not None
    assert plain == _rich_text(title, labels, figures, widest, rows, width=200)


def test_plain_table_matches_rich_on_awkward_cells():
    # wide (CJK) characters take two cells, markup in a title is read as rich reads it,
    # a bracket in a cell is text; the figure column is held at least `widest` wide
    title = "Cost by [bold]activity[/bold]: 試験"
    labels = ["Id", "Name", "Per instance, RUB"]
    rows = [["a1", "試験 [x]", "1,500.50"], ["a2", "Ёлка", "7.00"]]
    widest = [None, None, 12]
    plain = cli._plain_table(Console(file=StringIO(), width=80), title, labels,
                             [False, False, True], widest, rows)
    assert plain == _rich_text(title, labels, [False, False, True], widest, rows, width=80)
    assert plain.splitlines()[0].rstrip() == "Cost by activity: 試験"


def test_plain_table_leaves_to_rich_what_needs_it():
    rows = [["a1", "a long name"]]
    args = ("T", ["Id", "Name"], [False, False], [None, None], rows)
    # narrower than the table ((2 + 2) + (11 + 2) + 3 borders = 20 columns): the name
    # wraps between its words, written as rich writes it (issue 16, round 6)
    wrapped = cli._plain_table(Console(file=StringIO(), width=19), *args)
    assert wrapped == _rich_text(*args, width=19)
    assert wrapped.splitlines()[4:6] == ["│ a1 │ a long     │", "│    │ name       │"]
    plain = cli._plain_table(Console(file=StringIO(), width=20), *args)
    assert plain == _rich_text(*args, width=20)
    # down to a cell of text a column, each width as rich draws it; narrower, rich's own
    for width in range(5, 20):
        drawn = cli._plain_table(Console(file=StringIO(), width=width), *args)
        assert (drawn == _rich_text(*args, width=width)) if width >= 9 else (drawn is None)
    # a terminal (colours, bold totals) and a cell rich would trim
    assert cli._plain_table(Console(file=StringIO(), width=80, force_terminal=True),
                            *args) is None
    assert cli._plain_table(Console(file=StringIO(), width=80), "T", ["Id"], [True],
                            [3], [["12 "]]) is None


def test_visible_escapes_exactly_the_control_characters():
    # the Cc category is U+0000-U+001F and U+007F-U+009F; bidi controls as well
    import unicodedata

    for code in range(0x0, 0x3000):
        ch = chr(code)
        escaped = unicodedata.category(ch) == "Cc" or ch in "\u061c\u200e\u200f\u202a\u202b" \
            "\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        assert (cli._visible(ch) != ch) == escaped, hex(code)
    assert cli._visible("a\x1b[31mb\u202e") == "a\\x1b[31mb\\u202e"


def _babel_number(value, digits, language):
    """numbers.number as it was written before: Babel's pattern on the rounded Decimal."""
    from babel.numbers import format_decimal

    from abc_costing.numbers import _MARKS, rounded_for_display

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    text = format_decimal(rounded_for_display(value, digits), format=pattern, locale="en",
                          decimal_quantization=False)
    point, group = _MARKS[language]
    return text.translate(str.maketrans(",.", group + point))


def test_number_writes_what_babel_wrote():
    import numpy as np

    from abc_costing.numbers import number

    rng = np.random.default_rng(16)
    # every magnitude from 1e-6 to 1e15, both signs, exact halves (2.675, 100.125) and
    # values that round to zero (-0.004 -> "0.00", never "-0.00")
    values = [*(rng.standard_normal(3000) * 10.0 ** rng.integers(-6, 16, 3000)),
              0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 2.675, 100.125, -100.125, 1234567.125,
              999.995, 999999.5, -0.004, 0.004, 1e15, -1e15]
    for value in values:
        for digits in (0, 1, 2, 3):
            for language in ("en", "ru"):
                assert number(float(value), digits, language) == \
                    _babel_number(float(value), digits, language), (value, digits)
    assert number(1234567.125, 2, "ru") == "1\u202f234\u202f567,13"  # 567.125 -> .13


def test_big_blocks_solved_sparse_give_the_dense_cycle_time(monkeypatch):
    # a model above DENSE_NODES solves its blocks of more than BLOCK_DENSE_NODES nodes
    # sparse; the same equations solved dense everywhere give the same minutes
    import numpy as np

    from abc_costing.engine import cycle_time
    from abc_costing.formats.yaml_model import parse_model_text
    from abc_costing.model import ProcessModel
    from abc_costing.synthetic import random_model_text

    text = random_model_text(np.random.default_rng(16), n_activities=400, n_resources=6)
    model, problems = parse_model_text(text)
    assert isinstance(model, ProcessModel), problems
    assert len(model.node_kinds) > cycle_time.DENSE_NODES
    mixed = cycle_time.expected_cycle_time(model)
    monkeypatch.setattr(cycle_time, "BLOCK_DENSE_NODES", 10**9)
    monkeypatch.setattr(cycle_time, "DENSE_NODES", 10**9)
    dense = cycle_time.expected_cycle_time(model)
    assert mixed.minutes == pytest.approx(dense.minutes, rel=1e-12)
    assert mixed.branch_minutes.keys() == dense.branch_minutes.keys()
    for split, branches in dense.branch_minutes.items():
        assert mixed.branch_minutes[split] == pytest.approx(branches, rel=1e-12)
    assert mixed.lower_bound_blocks == dense.lower_bound_blocks


def test_one_blas_thread_unless_the_user_asks():
    import os
    import subprocess
    import sys

    ask = "import abc_costing, os; print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    said = subprocess.run([sys.executable, "-c", ask], env=env, capture_output=True,
                          text=True, check=True).stdout.strip()
    assert said == "1"
    said = subprocess.run([sys.executable, "-c", ask], env=env | {"OPENBLAS_NUM_THREADS": "2"},
                          capture_output=True, text=True, check=True).stdout.strip()
    assert said == "2"


def _generated(n_activities, seed=16):
    import numpy as np

    from abc_costing.formats.yaml_model import parse_model_text
    from abc_costing.synthetic import random_model_text

    text = random_model_text(np.random.default_rng(seed), n_activities=n_activities,
                             n_resources=6)
    model, problems = parse_model_text(text)
    assert model is not None, problems
    return text, model


def test_graph_and_post_dominators_are_found_once_per_model(monkeypatch):
    import networkx as nx

    from abc_costing.engine import expected_cycle_time
    from abc_costing.model import graph as graph_module

    calls = []
    dominators = graph_module.immediate_dominators
    monkeypatch.setattr(graph_module, "immediate_dominators",
                        lambda *a: calls.append(a) or dominators(*a))
    _, model = _generated(200)  # read and validated: the dominators found once
    assert len(calls) == 1
    graph = graph_module.routing_graph(model)
    assert graph is graph_module.routing_graph(model) and nx.is_frozen(graph)
    with pytest.raises(nx.NetworkXError):  # shared, so nobody may change it
        graph.add_edge("a", "b")
    expected_cycle_time(model)  # its parallel joins from the same tree
    assert len(calls) == 1
    # a copy with other fields starts bare: its graph and tree are its own
    copied = model.model_copy(update={"volume_per_year": 5})
    assert graph_module.routing_graph(copied) is not graph
    expected_cycle_time(copied)
    assert len(calls) == 2


def test_post_dominators_are_what_networkx_says_with_several_ends():
    import networkx as nx

    from abc_costing.model import ProcessModel
    from abc_costing.model.graph import SINK, immediate_post_dominators, routing_graph

    # s -> x; x -> a -> e1 (0.5) or x -> b -> e2 (0.5): only the sink after both ends
    # post-dominates x; a's own end e1 post-dominates a
    model = ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "p", "variant": "v",
        "activities": {"a": {}, "b": {}}, "gateways": {"x": {"kind": "exclusive"}},
        "events": {"s": {"kind": "start"}, "e1": {"kind": "end"}, "e2": {"kind": "end"}},
        "flows": [["s", "x"], ["x", "a", 0.5], ["x", "b", 0.5], ["a", "e1"], ["b", "e2"]]})
    found = immediate_post_dominators(model)
    assert found["x"] == SINK and found["a"] == "e1" and found["b"] == "e2"
    reverse = nx.DiGraph([(v, u) for u, v in routing_graph(model).edges])
    reverse.add_edges_from([(SINK, "e1"), (SINK, "e2")])
    assert found == nx.immediate_dominators(reverse, SINK)


def test_cost_file_pauses_the_cyclic_collector(monkeypatch):
    import gc

    from abc_costing.workflows import costing

    seen = []
    real = costing.cost_model
    monkeypatch.setattr(costing, "cost_model", lambda model: seen.append(gc.isenabled())
                        or real(model))
    assert gc.isenabled()
    outcome = costing.cost_file(MODEL)
    assert outcome.result is not None and seen == [False]
    assert gc.isenabled()  # on again after


def test_view_in_its_own_language_is_itself():
    from abc_costing.reports.views import activities_view

    view = activities_view(cost_model(load_model(MODEL)))
    assert view.in_language("en") is view
    ru = view.in_language("ru")
    assert ru.in_language("ru") is ru
    # going back gives the English cells and title again, as before
    assert ru.in_language("en").text_rows() == view.text_rows()
    assert ru.in_language("en").title == view.title


def test_file_size_limit_takes_a_100k_activity_model(tmp_path):
    import numpy as np

    from abc_costing.formats.yaml_model import MAX_FILE_BYTES, read_model
    from abc_costing.synthetic import random_model_text

    # bench/bench_costing.py's model of 10,000 activities (1.56 MB); its 100,000 are
    # fewer bytes an activity (13.8 MB) but ten times this must still fit, and the
    # 20 MB title of bench/bench_hostile.py must not
    bench = random_model_text(np.random.default_rng(20_240_601), n_activities=10_000,
                              n_resources=20)
    assert 10 * len(bench.encode()) < MAX_FILE_BYTES < 20 * 1024 * 1024
    text, _ = _generated(50)
    over = tmp_path / "over.yaml"
    over.write_text(text + "#" * (MAX_FILE_BYTES - len(text.encode()) + 1), encoding="utf-8")
    model, problems = read_model(over)
    assert model is None
    assert f"limited to {MAX_FILE_BYTES:,} bytes" in problems[0].message
    at_limit = tmp_path / "at_limit.yaml"
    at_limit.write_text(text + "#" * (MAX_FILE_BYTES - len(text.encode()) - 1) + "\n",
                        encoding="utf-8")
    assert at_limit.stat().st_size == MAX_FILE_BYTES
    model, problems = read_model(at_limit)
    assert model is not None, problems[:1]


def test_a_control_character_in_one_cell_is_escaped_in_the_table():
    from abc_costing.model import ProcessModel
    from abc_costing.reports.views import activities_view

    model = ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "p", "variant": "v",
        "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600}},
        "activities": {"a": {"name": "plain", "labor": {"clerk": 6}},
                       "b": {"name": "evil\x1b[2J", "labor": {"clerk": 6}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "a"], ["a", "b"], ["b", "e"]]})
    out = Console(file=StringIO(), width=200)
    cli._print_view(activities_view(cost_model(model)), out)
    printed = out.file.getvalue()
    assert "\x1b" not in printed and "evil\\x1b[2J" in printed and "plain" in printed


def test_isspace_is_the_space_of_re():
    # the plain table looks for a space at a text's ends with str.isspace, for rich's \s
    import re

    for code in range(0x3001):
        assert bool(re.match(r"\s", chr(code))) == chr(code).isspace(), hex(code)


def test_problems_written_straight_to_a_pipe_read_as_rich_prints_them():
    """A problem line that fits the console is written without rich; what reaches the
    file is what rich printed before: long lines wrapped at 200 columns by rich, spaces
    at the ends left to rich, Russian numbers with their spaces, wide characters."""
    from io import StringIO

    from rich.console import Console
    from rich.text import Text

    from abc_costing import cli
    from abc_costing.problems import Problem

    problems = [
        Problem("rate_per_hour: must be a number (got '?')", element="clerk", line=12),
        Problem("стоимость 2\u00a0559,93 ₽ — отрицательная", severity="warning"),
        Problem("word " * 60, element="long"),          # 300 columns: rich wraps it
        Problem("a\tb", element="tab"), Problem("two\nlines"), Problem(" padded "),
        Problem("wide 漢字 and bidi \u202e mark"),
    ]
    fast, slow = StringIO(), StringIO()
    cli._report_problems(problems, Console(file=fast, width=200, soft_wrap=False,
                                           highlight=False))
    by_rich = Console(file=slow, width=200, soft_wrap=False, highlight=False)
    for problem in problems:
        by_rich.print(Text(cli._visible(problem.text(cli._LANGUAGE))))
    assert fast.getvalue() == slow.getvalue()
    # one line each, the 300-column one wrapped in two (tab and line break are escaped)
    assert len(fast.getvalue().splitlines()) == 1 + 1 + 2 + 1 + 1 + 1 + 1
