"""Benchmark: hostile and odd input files get a fast, clear refusal.

Target (issue 10, fault kind 6): every reader turns a hostile file into a
problem record (or a ``LogError``/``ModelError``) naming the file and the
element, in under 5 s, with a message short enough to print (the huge input is
never quoted whole); one bad file in a library never hides the others.

Each case writes its file into a temporary folder (not timed), then times the
library call a front end makes (``read_model``, ``load_library`` +
``build_portfolio``, ``bpmn_to_model_text``, ``read_event_log``,
``read_rates_table``) and judges it:

* PASS: done in under 5 s, the expected outcome (a refusal, naming the file;
  for the library case the good model loaded beside the bad file's problem),
  no exception other than the package's own errors, and every message under
  500 characters;
* FAIL otherwise, with the reason.

``--cli`` times the ``abc-costing`` command a user would run on each file
instead (a fresh process each, so about 2 s of start-up is included; killed
after 120 s); a traceback on stderr, a line of output longer than 1,000
characters (the huge input echoed) or a cost of ``inf`` fails the case.
``--only WORD`` runs the cases whose name contains WORD. Usage::

    .venv/bin/python bench/bench_hostile.py [--cli] [--only xes]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from machine_info import load_average, machine, verdict

TARGET_SECONDS = 5.0
MAX_MESSAGE_CHARS = 500
MAX_CLI_LINE_CHARS = 1_000
CLI_TIMEOUT_SECONDS = 120
ABC = str(Path(sys.executable).with_name("abc-costing"))

MB = 1024 * 1024
HUGE_TEXT = "Ж" * (10 * MB)  # 20 MiB of UTF-8
BIG_TEXT = "Ж" * 1_000_000  # 2,000,000 bytes: a model file under its size limit

MODEL = """format: abc-costing/1
process: hostile
variant: as_is
title: {title}
resources:
  clerk: {{kind: labor, rate_per_hour: 1200}}
activities:
  check: {{labor: {{clerk: {minutes}}}, other_cost: 300}}
  ship: {{other_cost: 100000}}
events: {{start: {{kind: start}}, done: {{kind: end}}}}
flows: [[start, check], [check, ship], [ship, done]]
"""




def model_text(*, title: str = '"Hostile"', minutes: str = "15") -> str:
    return MODEL.format(title=title, minutes=minutes)


# --- the cases ------------------------------------------------------------------------


@dataclass
class Case:
    """One hostile file: how to write it, what a front end calls, what must come back.

    Attributes:
      name: what the file is, in a few words.
      file: the file name in the case's folder.
      write: writes the file (or folder) at the path given.
      kind: the reader it goes through: model, library, bpmn, log or rates.
      cli: the ``abc-costing`` arguments, ``{path}`` and ``{folder}`` filled in.
      expect_refusal: True when the reader must refuse the file; False when it
        must read it (the library case: the good model beside the problem).
    """

    name: str
    file: str
    write: Callable[[Path], None]
    kind: str
    cli: list[str]
    expect_refusal: bool = True
    extra: dict = field(default_factory=dict)


def _text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _nested_yaml(depth: int) -> str:
    return model_text() + "extra: " + "[" * depth + "]" * depth + "\n"


def _alias_bomb() -> str:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return model_text() + "\n".join(lines) + "\n"


def _library(folder_path: Path) -> None:
    folder_path.mkdir()
    (folder_path / "good.yaml").write_text(model_text(), encoding="utf-8")
    (folder_path / "bad.yaml").write_text(
        model_text().replace("  ship:", "  ? [ship, twice]\n  :"), encoding="utf-8")


CATALOGUE_MODEL = MODEL.replace("""resources:
  clerk: {{kind: labor, rate_per_hour: 1200}}
""", "").format(title='"Hostile"', minutes="15")


def _with_catalogue(catalogue: str, model: str = CATALOGUE_MODEL) -> Callable[[Path], None]:
    """A model file with a hostile ``resources.yaml`` beside it (the reader finds it)."""
    def write(path: Path) -> None:
        (path.parent / "resources.yaml").write_text(catalogue, encoding="utf-8")
        path.write_text(model, encoding="utf-8")
    return write


def _catalogue(pools: str) -> str:
    return f"format: abc-costing-resources/1\nyear: 2026\npools:\n{pools}"


def _catalogue_alias_bomb() -> str:
    return _catalogue("  clerk: {kind: labor, rate_per_hour: 1200}\n") + _alias_bomb().split(
        "flows:")[1].split("\n", 1)[1]


def _many_pools(count: int) -> str:
    pools = "".join(f"  p{i}: {{kind: labor, salary_per_month: {50_000 + i}, "
                    f"productive_share: 0.8}}\n" for i in range(count))
    return _catalogue("  clerk: {kind: labor, rate_per_hour: 1200}\n" + pools)


def _everything_wrong(path: Path) -> None:
    import numpy as np

    from abc_costing.synthetic import random_model_text

    text = random_model_text(np.random.default_rng(7), n_activities=13_000, n_resources=20)
    path.write_text(text.replace("labor: {", "labour: {"), encoding="utf-8")


def _nested_parallel(depth: int) -> str:
    """A valid model: ``depth`` parallel blocks, each holding one task and the next block."""
    from abc_costing.synthetic import Parallel, Task, compile_tree, model_text

    tree = Task(f"a{depth - 1}")
    for i in range(depth - 2, -1, -1):
        tree = Parallel((Task(f"a{i}"), tree))
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * depth))  # the tree is walked
    return model_text(compile_tree(                                  # recursively
        tree, resources={"r": {"kind": "labor", "rate_per_hour": 60}},
        activities={f"a{i}": {"labor": {"r": 1}} for i in range(depth)}))


def _many_resources() -> str:
    resources = "".join(f"  r{i}: {{kind: labor, rate_per_hour: 60}}\n" for i in range(20_000))
    return model_text().replace("resources:\n", "resources:\n" + resources).replace(
        "{clerk: 15}", "{clerk: 15, nobody: 5}")


BPMN_HEAD = ('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">'
             '<process id="p">')
BPMN_TAIL = ('<startEvent id="s"/><userTask id="t" name="{name}"/><endEvent id="e"/>'
             '<sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
             '<sequenceFlow id="f2" sourceRef="t" targetRef="e"/></process></definitions>')


def _bpmn(name: str = "Проверить", *, declaration: str = "", inner: str = "") -> bytes:
    return (declaration + BPMN_HEAD + inner + BPMN_TAIL.format(name=name)).encode("utf-8")


def _billion_laughs() -> bytes:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return (f'<?xml version="1.0"?><!DOCTYPE definitions [{entities}]>'.encode()
            + _bpmn("&a9;"))


XES_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n')
XES_EVENT = ('<event><string key="concept:name" value="{activity}"/>'
             '<date key="time:timestamp" value="2024-03-01T10:{minute:02d}:00"/></event>\n')


def _xes(activity: str = "Проверка", *, inner: str = "", events: int = 3) -> bytes:
    trace = "".join(XES_EVENT.format(activity=activity if n == 0 else "Отгрузка", minute=n)
                    for n in range(events))
    return (XES_HEAD + '<trace><string key="concept:name" value="c1"/>' + inner + trace
            + "</trace>\n</log>\n").encode("utf-8")


def _xes_names(activity: str, *, events: int) -> bytes:
    trace = "".join(XES_EVENT.format(activity=activity, minute=n % 60) for n in range(events))
    return (XES_HEAD + '<trace><string key="concept:name" value="c1"/>' + trace
            + "</trace>\n</log>\n").encode("utf-8")


def _xes_deep(depth: int) -> bytes:
    nested = '<list key="l">' * depth + "</list>" * depth
    return _xes(inner=f'<event><string key="concept:name" value="x"/>{nested}'
                      '<date key="time:timestamp" value="2024-03-01T09:00:00"/></event>')


def _xes_many_attributes(count: int) -> bytes:
    attributes = "".join(f'<string key="k{i}" value="v"/>' for i in range(count))
    return _xes(inner=f'<event><string key="concept:name" value="x"/>{attributes}'
                      '<date key="time:timestamp" value="2024-03-01T09:00:00"/></event>')


LOG_CSV = ("case_id,activity,start,end,resource\n"
           "c1,Проверка,2024-03-01 10:00,2024-03-01 10:15,Иванова\n"
           "c1,Отгрузка,2024-03-01 10:20,2024-03-01 10:30,Петров\n")


def _parquet(columns: dict) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        import polars as pl

        pl.DataFrame(columns).write_parquet(path)
    return write


def _parquet_bomb(path: Path) -> None:
    import polars as pl

    # Parquet stores a repeated text once (dictionary encoding): 8 GB of names in ~20 kB.
    rows = 2_000_000
    frame = pl.DataFrame({
        "case_id": pl.repeat("c1", rows, eager=True).cast(pl.Categorical),
        "activity": pl.repeat("Ж" * 2000, rows, eager=True).cast(pl.Categorical),
        "end": pl.repeat("2024-03-01 10:00:00", rows, eager=True).cast(pl.Categorical)})
    frame.write_parquet(path, compression="zstd", statistics=False)


def _xlsx_bomb(path: Path) -> None:
    sheet_rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>'
                         for r in range(1, 2))
    filler = " " * (400 * MB)  # whitespace inside the sheet: compresses ~1000:1
    sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{sheet_rows}{filler}</sheetData></worksheet>')
    _write_xlsx(path, sheet)


def _write_xlsx(path: Path, sheet: str) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'worksheet+xml"/></Types>'))
        book.writestr("_rels/.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        book.writestr("xl/workbook.xml", (
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="s" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'))
        book.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'))
        book.writestr("xl/worksheets/sheet1.xml", sheet)


def _nul_model() -> str:
    """The model with its activities last and a NUL before ship's cost: a reader that
    stops at the NUL sees a valid model costing 600 per instance instead of 100,600."""
    head, _, rest = model_text().partition("activities:\n")
    activities, _, tail = rest.partition("events:")
    return (head + "events:" + tail + "activities:\n" + activities.replace(
        "  ship: {other_cost: 100000}\n",
        "  ship:\n    name: Отгрузка\n\x00    other_cost: 100000\n"))


def cases() -> list[Case]:
    """Every hostile case, in the order printed."""
    validate, cost = ["validate", "{path}"], ["cost", "--json", "{path}"]
    bpmn_cli = ["import-bpmn", "{path}", "-o", "{folder}/imported.yaml"]
    variants = ["variants", "{path}"]
    rated = ["variants", "{folder}/log.csv", "--rates", "{path}"]
    return [
        # --- models (YAML) ---
        Case("model: title of 20 MB of Cyrillic", "title.yaml",
             _text(model_text(title='"' + HUGE_TEXT + '"')), "model", validate),
        Case("model: title of 2 MB of Cyrillic (under the size limit)", "title2.yaml",
             _text(model_text(title='"' + BIG_TEXT + '"')), "model", validate),
        Case("model: activity id of 2 MB", "id.yaml",
             _text(model_text().replace("  ship:", f"  ? {BIG_TEXT}\n  :")), "model",
             validate),
        Case("model: unknown field named with 2 MB", "field.yaml",
             _text(model_text() + f"? {BIG_TEXT}\n: 1\n"), "model", validate),
        Case("model: format of 2 MB", "format.yaml",
             _text(model_text().replace("abc-costing/1", BIG_TEXT)), "model", validate),
        Case("model: resource kind of 2 MB", "kind.yaml",
             _text(model_text().replace("kind: labor", f"kind: {BIG_TEXT}")), "model",
             validate),
        Case("model: a number of 2 MB in quotes as minutes", "quoted.yaml",
             _text(model_text(minutes='"' + "9" * 2_000_000 + '"')), "model", validate),
        Case("model: unclosed quote before 2 MB", "syntax.yaml",
             _text(model_text(title='"' + BIG_TEXT)), "model", validate),
        Case("model: integer of 5,000 digits as minutes", "digits.yaml",
             _text(model_text(minutes="9" * 5000)), "model", cost),
        Case("model: integer of 5,000 digits as other_cost", "digits_cost.yaml",
             _text(model_text().replace("other_cost: 300", "other_cost: " + "7" * 5000)),
             "model", cost),
        Case("model: a number of 2,000,000 digits", "million.yaml",
             _text(model_text(minutes="9" * 2_000_000)), "model", validate),
        Case("model: 1e308 minutes", "minutes.yaml", _text(model_text(minutes="1e308")),
             "model", cost),
        Case("model: rate 1e308 per hour", "rate.yaml",
             _text(model_text().replace("rate_per_hour: 1200", "rate_per_hour: 1e308")),
             "model", cost),
        Case("model: capacity of 1e-300 hours", "capacity.yaml",
             _text(model_text().replace(
                 "rate_per_hour: 1200",
                 "cost_per_month: 100000, capacity_hours_per_month: 1e-300")), "model", cost),
        Case("model: volume 1e308 per year", "volume.yaml",
             _text(model_text().replace("resources:", "volume_per_year: 1e308\nresources:")),
             "model", cost),
        Case("model: mapping key that is a list", "listkey.yaml",
             _text(model_text().replace("  ship:", "  ? [ship, twice]\n  :")), "model",
             validate),
        Case("model: mapping key that is a mapping", "mapkey.yaml",
             _text(model_text().replace("  ship:", "  ? {ship: 1}\n  :")), "model", validate),
        Case("model: an id that is a number", "numberid.yaml",
             _text(model_text().replace("  ship:", "  12:")), "model", validate),
        Case("model: a set (!!set) as labour", "set.yaml",
             _text(model_text().replace("labor: {clerk: 15}", "labor: !!set {clerk}")),
             "model", validate),
        Case("model: NUL byte before a cost (600 instead of 100,600)", "nul.yaml",
             _text(_nul_model()), "model", cost),
        Case("model: ANSI escape (raw ESC) in a name", "esc.yaml",
             _text(model_text(title="\x1b[2J\x1b[31mHostile")), "model", validate),
        Case("model: 100,000 nested lists", "nested.yaml", _text(_nested_yaml(100_000)),
             "model", validate),
        Case("model: alias bomb (10^10 strings)", "aliases.yaml", _text(_alias_bomb()),
             "model", validate),
        Case("model: 20,000 resources and one unknown", "known.yaml",
             _text(_many_resources()), "model", validate),
        Case("model: 17 MiB file (over the size limit)", "big.yaml",
             _text(model_text() + "#" * (17 * MB) + "\n"), "model", validate),
        Case("model: 2 MiB, an unknown field in each of 13,000 activities", "errors.yaml",
             _everything_wrong, "model", validate),
        Case("model: 2,000 parallel blocks nested in each other (valid)", "parallel.yaml",
             _text(_nested_parallel(2000)), "model", validate, expect_refusal=False),
        Case("library: one file with a list key beside a good one", "library",
             _library, "library", ["portfolio", "{path}"], expect_refusal=False),
        # --- BPMN ---
        Case("bpmn: unknown XML encoding", "encoding.bpmn",
             _bytes(_bpmn(declaration='<?xml version="1.0" encoding="x-no-such"?>')),
             "bpmn", bpmn_cli),
        Case("bpmn: UTF-16 declared, UTF-8 bytes", "utf16.bpmn",
             _bytes(_bpmn(declaration='<?xml version="1.0" encoding="UTF-16"?>')),
             "bpmn", bpmn_cli),
        Case("bpmn: ASCII declared, Cyrillic bytes", "ascii.bpmn",
             _bytes(_bpmn(declaration='<?xml version="1.0" encoding="US-ASCII"?>')),
             "bpmn", bpmn_cli),
        Case("bpmn: billion laughs in a DOCTYPE", "laughs.bpmn", _bytes(_billion_laughs()),
             "bpmn", bpmn_cli),
        Case("bpmn: 1,000,000 nested elements", "deep.bpmn",
             _bytes(_bpmn(inner="<extensionElements>" + "<a>" * 1_000_000
                          + "</a>" * 1_000_000 + "</extensionElements>")), "bpmn", bpmn_cli),
        Case("bpmn: task name of 9 MB", "name.bpmn", _bytes(_bpmn("Ж" * (9 * MB // 2))),
             "bpmn", bpmn_cli),
        Case("bpmn: binary garbage", "garbage.bpmn", _bytes(os.urandom(1 * MB)), "bpmn",
             bpmn_cli),
        # --- event logs ---
        Case("xes: one attribute of 50 MB", "huge.xes",
             _bytes(_xes("Ж" * (25 * MB))), "log", variants),
        Case("xes: 40 names of 1,000,000 bytes (each under the tag limit)", "names.xes",
             _bytes(_xes_names("Ж" * 500_000, events=40)), "log", variants),
        Case("xes: 100,000 nested lists in an event", "deep.xes", _bytes(_xes_deep(100_000)),
             "log", variants),
        Case("xes: 500,000 attributes on one event", "attrs.xes",
             _bytes(_xes_many_attributes(500_000)), "log", variants),
        Case("xes: unknown XML encoding", "encoding.xes",
             _bytes(_xes().replace(b'encoding="UTF-8"', b'encoding="x-no-such"')), "log",
             variants),
        Case("csv: activity of 50 MB", "huge.csv",
             _text(LOG_CSV.replace("Проверка", "Ж" * (25 * MB))), "log", variants),
        Case("csv: an open quote, then 60,000 line breaks", "quote.csv",
             _text('case_id,activity,end\n"' + "\n" * 60_000 + '"\n'), "log", variants),
        Case("csv: column name of 20 MB", "header.csv",
             _text(LOG_CSV.replace("resource", HUGE_TEXT)), "log", variants),
        Case("csv: time of 20 MB", "time.csv",
             _text(LOG_CSV.replace("2024-03-01 10:15", HUGE_TEXT)), "log", variants),
        Case("parquet: activity column of lists", "lists.parquet",
             _parquet({"case_id": ["c1"], "activity": [["a", "b"]],
                       "end": ["2024-03-01 10:00:00"]}), "log", variants),
        Case("parquet: activity column of structs", "structs.parquet",
             _parquet({"case_id": ["c1"], "activity": [{"a": 1}],
                       "end": ["2024-03-01 10:00:00"]}), "log", variants),
        Case("parquet: time column of bytes", "bytes.parquet",
             _parquet({"case_id": ["c1"], "activity": ["a"], "end": [b"\x00\x01"]}), "log",
             variants),
        Case("parquet: 8 GB of names compressed into 20 kB", "bomb.parquet",
             _parquet_bomb, "log", variants),
        # --- a library's resource catalogue (resources.yaml beside the model) ---
        Case("catalogue: alias bomb", "m.yaml", _with_catalogue(_catalogue_alias_bomb()),
             "model", validate),
        Case("catalogue: pool id of 2 MB", "m.yaml",
             _with_catalogue(_catalogue(f"  ? {BIG_TEXT}\n  : {{kind: per_use, "
                                        "cost_per_use: 1}\n")), "model", validate),
        Case("catalogue: salary 1e308", "m.yaml",
             _with_catalogue(_catalogue("  clerk: {kind: labor, salary_per_month: 1e308, "
                                        "capacity_hours_per_month: 100}\n")), "model",
             validate),
        Case("catalogue: 20 000 payroll pools, the model uses one", "m.yaml",
             _with_catalogue(_many_pools(20_000)), "model", cost, expect_refusal=False),
        Case("model: an override named with 2 MB", "m.yaml",
             _with_catalogue(_catalogue("  clerk: {kind: labor, rate_per_hour: 1200}\n"),
                             CATALOGUE_MODEL + f"overrides: {{clerk: {{? {BIG_TEXT}\n : 1}}}}\n"),
             "model", validate),
        # --- rates tables ---
        Case("rates csv: cell of 4 MB", "cell.csv",
             _text("resource;rate_per_hour\nИванова;" + "9" * (4 * MB) + "\n"), "rates",
             rated),
        Case("rates csv: name of 100 kB", "name.csv",
             _text("resource;rate_per_hour\n" + "Ж" * 100_000 + ";600\n"), "rates", rated),
        Case("rates csv: rate 1e308", "big.csv", _text("resource;rate_per_hour\nИванова;1e308\n"),
             "rates", rated),
        Case("rates xlsx: zip bomb (400 MB sheet)", "bomb.xlsx", _xlsx_bomb, "rates", rated),
        Case("rates xlsx: a zip that is not a workbook", "notbook.xlsx",
             _bytes(_zip_of({"hello.txt": b"hi"})), "rates", rated),
    ]


def _zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- running ---------------------------------------------------------------------------


def run_library(case: Case, path: Path) -> tuple[bool, str, list[str]]:
    """(refused, what came back, every message) of the library call for ``case``."""
    from abc_costing.problems import AbcCostingError

    try:
        if case.kind == "model":
            from abc_costing.engine import cost_model
            from abc_costing.formats import read_model

            model, problems = read_model(path)
            messages = [str(p) for p in problems]
            if model is None:
                return True, messages[0] if messages else "refused", messages
            cost = cost_model(model).cost_per_instance
            return False, f"accepted, cost per instance {cost:,.2f}", messages
        if case.kind == "library":
            from abc_costing.formats import load_library
            from abc_costing.portfolio import build_portfolio

            models, problems = load_library(path)
            build_portfolio(models)
            messages = [str(p) for p in problems]
            return False, f"{len(models)} model(s) loaded, {len(problems)} problem(s)", messages
        if case.kind == "bpmn":
            from abc_costing.formats.bpmn import bpmn_to_model_text

            text, problems = bpmn_to_model_text(path.read_bytes(), source=str(path))
            messages = [str(p) for p in problems]
            errors = [p for p in problems if p.severity == "error"]
            if errors:
                return True, str(errors[0]), messages
            return False, f"imported ({len(text):,} characters)", messages
        if case.kind == "log":
            from abc_costing.formats.event_log import read_event_log

            log = read_event_log(path)
            return False, f"read: {log.event_count} events", []
        if case.kind == "rates":
            from abc_costing.formats.rates_table import read_rates_table

            table = read_rates_table(path)
            return False, f"read: {len(table.resources)} rates", []
    except AbcCostingError as error:
        return True, str(error).splitlines()[0], str(error).splitlines()
    raise ValueError(case.kind)


def _import_readers() -> None:
    """Import what the cases call, so that the clock times reading, not importing."""
    import abc_costing.engine
    import abc_costing.formats.bpmn
    import abc_costing.formats.event_log
    import abc_costing.formats.rates_table
    import abc_costing.formats.yaml_model
    import abc_costing.portfolio  # noqa: F401


def judge_library(case: Case, path: Path) -> tuple[float, bool, str]:
    _import_readers()
    started = time.perf_counter()
    try:
        refused, summary, messages = run_library(case, path)
    except Exception as error:  # the point of the benchmark: anything else is a fault
        seconds = time.perf_counter() - started
        return seconds, False, f"{type(error).__name__}: {str(error)[:200]}"
    seconds = time.perf_counter() - started
    longest = max((len(m) for m in messages), default=len(summary))
    ok = refused == case.expect_refusal and longest <= MAX_MESSAGE_CHARS
    if case.kind == "library":
        ok = ok and summary.startswith("1 model(s) loaded") and any("bad.yaml" in m
                                                                    for m in messages)
    if longest > MAX_MESSAGE_CHARS:
        summary = f"message of {longest:,} characters: {summary[:120]}…"
    return seconds, ok, summary[:160]


def judge_cli(case: Case, path: Path) -> tuple[float, bool, str]:
    args = [a.format(path=path, folder=path.parent) for a in case.cli]
    started = time.perf_counter()
    try:
        done = subprocess.run([ABC, *args], capture_output=True, text=True, errors="replace",
                              timeout=CLI_TIMEOUT_SECONDS, cwd=path.parent)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - started, False, f"killed after {CLI_TIMEOUT_SECONDS} s"
    seconds = time.perf_counter() - started
    output = done.stdout + done.stderr
    if "Traceback" in done.stderr:
        last = done.stderr.strip().splitlines()[-1]
        return seconds, False, f"traceback: {last[:150]}"
    lines = output.splitlines()
    first = next((line for line in lines if line.strip()), "")[:150]
    longest = max((len(line) for line in lines), default=0)
    if longest > MAX_CLI_LINE_CHARS:
        return seconds, False, f"a line of {longest:,} characters: {first[:100]}…"
    infinite = "Infinity" in done.stdout or " inf " in done.stdout
    if case.kind == "library":  # the table of the good model, the bad file listed
        expected = "Portfolio" in output and "hostile" in output and "bad.yaml" in output
    else:
        expected = done.returncode != 0 if case.expect_refusal else done.returncode == 0
    ok = expected and not infinite
    return seconds, ok, f"exit {done.returncode}: {first}" + (" (cost is inf)" if infinite
                                                              else "")


def judge_in_child(case_number: int, path: Path) -> tuple[float, bool, str]:
    """Run :func:`judge_library` in a fresh process: a hang is killed, memory is its own."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--run-case", str(case_number), str(path)],
            capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - started, False, f"killed after {CLI_TIMEOUT_SECONDS} s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return time.perf_counter() - started, False, f"crashed: {last[:150]}"
    seconds, ok, summary = json.loads(done.stdout.strip().splitlines()[-1])
    return seconds, ok, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", action="store_true", help="time the abc-costing command")
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--run-case", nargs=2, metavar=("NUMBER", "PATH"),
                        help=argparse.SUPPRESS)  # the child of judge_in_child
    args = parser.parse_args(argv)
    if args.run_case:
        number, path = int(args.run_case[0]), Path(args.run_case[1])
        print(json.dumps(judge_library(cases()[number - 1], path), ensure_ascii=False))
        return 0
    print(machine())
    print(f"load average at start: {load_average()} (other jobs on this machine skew wall times)")
    mode = "the abc-costing command (fresh process each)" if args.cli else \
        "library calls (each case in a fresh process; the call alone is timed)"
    print(f"timing {mode}; target < {TARGET_SECONDS:g} s each\n")
    results, failed = [], 0
    with tempfile.TemporaryDirectory(prefix="abc-hostile-") as tmp:
        for number, case in enumerate(cases(), 1):
            if args.only and args.only not in case.name:
                continue
            folder = Path(tmp) / f"case{number:02d}"
            folder.mkdir()
            (folder / "log.csv").write_text(LOG_CSV, encoding="utf-8")
            path = folder / case.file
            case.write(path)
            size = sum(p.stat().st_size for p in ([path] if path.is_file()
                                                  else path.rglob("*")))
            seconds, ok, summary = (judge_cli(case, path) if args.cli
                                    else judge_in_child(number, path))
            passed = ok and seconds < TARGET_SECONDS
            failed += not passed
            mark = verdict(seconds, TARGET_SECONDS) if ok else "FAIL"
            print(f"{mark}  {seconds:7.2f} s  {size / MB:7.1f} MiB  {case.name}\n"
                  f"      -> {summary}", flush=True)
            results.append({"case": case.name, "seconds": round(seconds, 3), "pass": passed,
                            "bytes": size, "outcome": summary})
            for leftover in sorted(folder.rglob("*"), reverse=True):
                if leftover.is_file():
                    leftover.unlink()
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1),
                             encoding="utf-8")
    print(f"\n{len(results) - failed} of {len(results)} cases PASS")
    print("overall:", "PASS" if not failed else "FAIL")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
