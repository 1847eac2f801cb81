"""Hostile and odd input files: a fast, clear refusal naming the file, element and line.

Issue 10, fault kind 6. Each kind of hostile input has its test here, with the value
it must give worked out by hand; the full-size inputs (a 20 MB title, a 50 MB XES
attribute, ...) are timed in bench/bench_hostile.py. The model below costs, per
instance: check 15 min × 1 200/60 per min = 300 of labour + 300 other = 600, ship
100 000 other; 100 600 in all.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest

from abc_costing.engine import cost_model
from abc_costing.formats import load_library, parse_model_text, read_model
from abc_costing.formats.bpmn import bpmn_to_model_text
from abc_costing.formats.event_log import LogError, read_event_log
from abc_costing.formats.rates_table import read_rates_table
from abc_costing.model import Duration, ProcessModel
from abc_costing.model.graph import routing_structure
from abc_costing.portfolio import build_portfolio
from abc_costing.problems import ModelError, quoted
from abc_costing.synthetic import Node, Parallel, Task, compile_tree, model_text
from abc_costing.validation import check_parallel_blocks, validate_model

GOOD = """format: abc-costing/1
process: hostile
variant: as_is
title: "Hostile"
resources:
  clerk: {kind: labor, rate_per_hour: 1200}
activities:
  check: {labor: {clerk: 15}, other_cost: 300}
  ship: {other_cost: 100000}
events: {start: {kind: start}, done: {kind: end}}
flows: [[start, check], [check, ship], [ship, done]]
"""
TOTAL = 15 * 1200 / 60 + 300 + 100_000  # 100 600


def only_error(text: str):
    model, problems = parse_model_text(text, source="m.yaml")
    assert model is None
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1, "\n".join(map(str, errors))
    assert errors[0].file == "m.yaml" and len(str(errors[0])) < 300
    return errors[0]


def test_the_model_of_these_tests_costs_100_600():
    model, problems = parse_model_text(GOOD)
    assert problems == [] and cost_model(model).cost_per_instance == TOTAL == 100_600


# --- NUL and other control characters -------------------------------------------------

# A NUL before the last line. yaml_rs stops reading there without a word: the model
# left (ship without its other_cost) is valid and costs 300 instead of 300 + 100 000.
NUL_MODEL = """format: abc-costing/1
process: hostile
variant: as_is
events: {start: {kind: start}, done: {kind: end}}
flows: [[start, check], [check, ship], [ship, done]]
activities:
  check: {other_cost: 300}
  ship:
    name: "Отгрузка"
\x00    other_cost: 100000
"""


def test_a_nul_byte_refuses_the_file_at_its_line():
    error = only_error(NUL_MODEL)
    assert error.line == 10
    assert error.message == ("the file contains a control character (U+0000 NUL) at column "
                             "1; a model file is plain text: remove it (everything after it "
                             "would be lost)")
    # What the file says without the NUL: 300 + 100 000, not the 300 it was read as.
    model, _ = parse_model_text(NUL_MODEL.replace("\x00", ""))
    assert cost_model(model).cost_per_instance == 300 + 100_000


@pytest.mark.parametrize(("char", "name"), [
    ("\x1b", "U+001B ESC"),  # an ANSI escape: "\x1b[2J" clears a terminal
    ("\x7f", "U+007F DEL"),
    ("\x9b", "U+009B"),  # the one-byte form of ESC [ on some terminals
    ("\ufffe", "U+FFFE"),
])
def test_control_characters_are_refused_with_line_and_column(char, name):
    error = only_error(GOOD.replace('"Hostile"', f'"Ho{char}[2Jstile"'))
    assert error.line == 4 and f"({name}) at column 11;" in error.message  # title: "Ho⟨c⟩


def test_an_escaped_nul_in_a_quoted_text_is_not_a_nul_byte():
    # "\0" is YAML's escape: the file holds a backslash and a zero, and reads whole.
    model, problems = parse_model_text(GOOD.replace('"Hostile"', '"Host\\0ile"'))
    assert problems == [] and model.title == "Host\x00ile"
    assert cost_model(model).cost_per_instance == TOTAL


# --- huge texts ----------------------------------------------------------------------

CUT = "Ж" * 60 + "…"  # what a message shows of a long text of Ж


@pytest.mark.parametrize(("old", "new", "line", "element", "message"), [
    ('"Hostile"', '"' + "Ж" * 200_000 + '"', 4, "title",
     "the text is 200,000 characters long; at most 1,000 are allowed"),
    ("abc-costing/1", "Ж" * 100_000, 1, "format",
     f"unknown format '{CUT}' (100,000 characters); this version of abc-costing reads "
     "abc-costing/1"),
    ("kind: labor", "kind: " + "Ж" * 100_000, 6, "clerk",
     f"kind '{CUT}' (100,000 characters) is unknown; use labor or per_use"),
    ("  ship: {other_cost: 100000}", "  ? " + "Ж" * 2000 + "\n  : {other_cost: 1}", 9, CUT,
     "the id is 2,000 characters long; at most 1,000 are allowed"),
    ("title:", "? " + "Ж" * 100_000 + "\n: 1\ntitle:", 4, CUT,
     f"unknown field '{CUT}' (100,000 characters) (misspelt? see the format in the README)"),
    # (99 999 digits: a run of 100 000, even quoted, is refused before parsing, below)
    ("{clerk: 15}", '{clerk: "' + "9" * 99_999 + '"}', 8, "check",
     f"labor.clerk: duration must be a number (got '{'9' * 60}…' (99,999 characters))"),
])
def test_huge_texts_are_quoted_cut_short(old, new, line, element, message):
    error = only_error(GOOD.replace(old, new, 1))
    assert (error.line, error.element, error.message) == (line, element, message)


def test_quoted_says_how_long_what_it_cut_is():
    assert quoted("Ж" * 61) == f"'{CUT}' (61 characters)" and quoted("Ж" * 60) == f"'{'Ж' * 60}'"
    assert quoted(7 * 10**4999) == "an integer of 5,000 digits"  # 7 then 4 999 zeros
    assert quoted(10**5000 - 1) == "an integer of 5,000 digits"  # 5 000 nines


def test_a_list_of_50_000_names_is_cut_in_a_message():
    resources = "".join(f"  r{i}: {{kind: labor, rate_per_hour: 60}}\n" for i in range(50_000))
    text = GOOD.replace("resources:\n", "resources:\n" + resources).replace(
        "{clerk: 15}", "{clerk: 15, nobody: 5}")
    model, problems = parse_model_text(text)
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1 and errors[0].line == 50_008  # 7 lines, 50 000 resources, check
    assert errors[0].message == ("labor names unknown resource 'nobody': not defined under resources: (known: clerk, r0, r1, "
                                 "r10, r100, r1000, r10000, r10001, … (50,001 in all))")


# --- numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "element", "message"), [
    ("{clerk: 15}", "{clerk: " + "9" * 5000 + "}", "check",
     "labor.clerk: duration must be at most 1e+07 minutes (about 19 years) (got an integer "
     "of 5,000 digits)"),
    ("other_cost: 300", "other_cost: " + "7" * 5000, "check",
     "other_cost: is too large (got an integer of 5,000 digits)"),
    ("{clerk: 15}", "{clerk: 1e308}", "check",
     "labor.clerk: duration must be at most 1e+07 minutes (about 19 years) (got 1e+308)"),
    ("{clerk: 15}", "{clerk: {triangular: [1, 2, 1e9]}}", "check",
     "labor.clerk: triangular parameter must be at most 1e+07 minutes (about 19 years) "
     "(got 1000000000.0)"),
    ("rate_per_hour: 1200", "rate_per_hour: 1e308", "clerk",
     "rate_per_hour: must be at most 1e+12 (got 1e+308)"),
    ("other_cost: 300", "other_cost: 1.5e12", "check",
     "other_cost: must be at most 1e+12 (got 1500000000000.0)"),
    ("title:", "volume_per_year: 1e308\ntitle:", "volume_per_year",
     "must be at most 1e+12 (got 1e+308)"),
    ("rate_per_hour: 1200", "cost_per_month: 100000, capacity_hours_per_month: 1e-300",
     "clerk", "capacity_hours_per_month: must be at least 0.01 (got 1e-300)"),
    # 1e12 a month over 0.5 hours: a rate of 2e12 an hour, over the limit of money.
    ("rate_per_hour: 1200", "cost_per_month: 1e12, capacity_hours_per_month: 0.5", "clerk",
     "cost_per_month / capacity_hours_per_month gives a rate of 2e+12 per hour, above the "
     "limit of 1e+12"),
    # 0.001 h × 0.001 days × 1 person = 1e-06 hours a month: a rate of 1e11 per hour.
    ("rate_per_hour: 1200", "cost_per_month: 100000, hours_per_day: 0.001, "
     "days_per_month: 0.001", "clerk",
     "the working calendar gives 1e-06 practical hours per month; it must be from 0.01 to "
     "1e+10"),
    ("rate_per_hour: 1200", "rate_per_hour: 1200, headcount: 1e8", "clerk",
     "headcount: must be at most 1e+07 (got 100000000.0)"),
])
def test_amounts_past_their_bound_are_refused(old, new, element, message):
    error = only_error(GOOD.replace(old, new, 1))
    assert (error.element, error.message) == (element, message)


def test_a_run_of_200_000_digits_is_refused_before_it_is_parsed():
    error = only_error(GOOD.replace("{clerk: 15}", "{clerk: " + "9" * 200_000 + "}"))
    # "  check: {labor: {clerk: " is 25 characters: the digits start at column 26.
    assert (error.line, error.message) == (
        8, "a number of 200,000 digits at column 26; no amount needs that many")


def test_amounts_at_their_bounds_still_cost_a_finite_amount():
    text = GOOD.replace("{clerk: 15}", "{clerk: 1e7}").replace("rate_per_hour: 1200",
                                                          "rate_per_hour: 1e12")
    model, problems = parse_model_text(text)
    assert problems == []
    # 1e7 minutes × 1e12/60 per minute, then 300 + 100 000 as before.
    assert cost_model(model).cost_per_instance == pytest.approx(1e7 * 1e12 / 60 + 100_300)


def test_a_model_built_past_the_records_checks_cannot_validate_with_an_infinite_cost():
    # model_copy skips the records' checks: 1e308 minutes at 20 per minute is inf.
    model, _ = parse_model_text(GOOD)
    check = model.activities["check"]
    endless = Duration.model_construct(distribution="fixed", parameters=(1e308,))
    bad = model.model_copy(update={"activities": {
        **model.activities, "check": check.model_copy(update={"labor": {"clerk": endless}})}})
    problems = validate_model(bad)
    assert [(p.element, p.message) for p in problems] == [
        ("check", "one execution costs inf: minutes × rates, units × costs per use and "
                  "other_cost must add up to a finite amount; check their size")]


LOOP = GOOD.replace("gateways:", "").replace(
    "events:", "gateways: {again: {kind: exclusive}, redo: {kind: exclusive}}\nevents:").replace(
    "flows: [[start, check], [check, ship], [ship, done]]",
    "flows: [[start, redo], [redo, check], [check, again], [again, ship, {exit}], "
    "[again, redo, {back}], [ship, done]]")


def test_a_loop_whose_exit_the_sum_rule_cannot_see_has_no_way_out():
    # 1e-300 + 1.0 is exactly 1.0 in floating point: the sum rule passes, but the loop
    # runs 1e300 times (the engine finds its equations singular). Below the sum's
    # tolerance of 1e-6 an exit counts as 0.
    model, problems = parse_model_text(LOOP.replace("{exit}", "1e-300").replace("{back}", "1.0"))
    assert model is None and [(p.line, p.element, p.message) for p in problems] == [
        (8, "check", "loop with no way out: check, again, redo can never reach an end event "
                     "(its exits have probabilities below 1e-06, which count as 0)")]
    # An exit of 1e-6 is taken: check runs 1 / 1e-6 = 1e6 times, 600 each; ship once.
    model, problems = parse_model_text(LOOP.replace("{exit}", "1e-6").replace("{back}",
                                                                              "0.999999"))
    assert problems == []
    assert cost_model(model).cost_per_instance == pytest.approx(1e6 * 600 + 100_000, rel=1e-6)


# --- keys and types that are not plain data -------------------------------------------


@pytest.mark.parametrize(("old", "new", "line", "element", "message"), [
    ("  ship:", "  ? [ship, twice]\n  :", 9, "activities",
     "a key is a list (['ship', 'twice']); keys are text: a '? ' before a key is YAML's "
     "complex key, not a name"),
    ("  ship:", "  ? {ship: 1}\n  :", 9, "activities",
     "a key is a mapping ({'ship': 1}); keys are text: a '? ' before a key is YAML's complex "
     "key, not a name"),
    ("  ship:", "  12:", 9, "12", "the key 12 is a number, not text; write it in quotes ('12')"),
    ("{clerk: 15}", "{clerk: 15, null: 3}", 8, "check",
     "labor: the key None is read as null, not text; write it in quotes"),
    ("{clerk: 15}", "!!set {clerk}", 8, "check",
     "labor: a set (!!set) is not allowed here; write a number, a text, a list [...] or a "
     "mapping {...}"),
])
def test_keys_and_values_that_are_not_plain_data_are_named(old, new, line, element, message):
    error = only_error(GOOD.replace(old, new, 1))
    assert (error.line, error.element, error.message) == (line, element, message)


# --- one bad file in a library ------------------------------------------------------------


def test_one_bad_file_is_listed_and_the_others_load(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "listkey.yaml").write_text(GOOD.replace("  ship:", "  ? [ship, twice]\n  :"),
                                           encoding="utf-8")
    (tmp_path / "nul.yaml").write_text(NUL_MODEL, encoding="utf-8")
    models, problems = load_library(tmp_path)
    assert [path.name for path, _ in models] == ["good.yaml"]
    assert sorted((Path(p.file).name, p.line) for p in problems) == [
        ("listkey.yaml", 9), ("nul.yaml", 10)]
    portfolio = build_portfolio(models)
    assert [row.cost_per_instance for row in portfolio.rows] == [TOTAL]


def test_one_bad_file_leaves_the_dashboard_standing(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from abc_costing.reports.tables import format_money
    from tests.conftest import ROOT

    folder = tmp_path / "process_models" / "hostile"
    folder.mkdir(parents=True)
    # 10 instances a year at 100 600 each: 1 006 000 a year.
    (folder / "as_is.yaml").write_text(GOOD.replace("title:", "volume_per_year: 10\ntitle:"),
                                       encoding="utf-8")
    (folder / "listkey.yaml").write_text(GOOD.replace("  ship:", "  ? [ship, twice]\n  :"),
                                         encoding="utf-8")
    (folder / "nul.yaml").write_text(NUL_MODEL, encoding="utf-8")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Cost per year, as is"] == f"RUB\u00a0{format_money(1_006_000, 'RUB')}"
    assert [e.label for e in at.expander if "problem" in e.label] == [
        "⚠ 2 problem(s) in the library files"]


def test_an_unforeseen_failure_becomes_a_problem_for_that_file(tmp_path, monkeypatch):
    path = tmp_path / "m.yaml"
    path.write_text(GOOD, encoding="utf-8")

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ProcessModel, "model_validate", explode)
    model, problems = read_model(path)
    assert model is None and [(p.file, p.message) for p in problems] == [
        (str(path), "the file could not be read: RuntimeError: boom (a fault in abc-costing: "
                    "please report it with the file)")]


# --- parallel blocks nested deep: linear work -----------------------------------------------


def nested_parallel(depth: int) -> str:
    """``depth`` parallel blocks, each holding one task and the next block."""
    tree: Node = Task(f"a{depth - 1}")
    for i in range(depth - 2, -1, -1):
        tree = Parallel((Task(f"a{i}"), tree))
    return model_text(compile_tree(
        tree, resources={"r": {"kind": "labor", "rate_per_hour": 60}},
        activities={f"a{i}": {"labor": {"r": 1}} for i in range(depth)}))


def test_nested_parallel_blocks_are_valid_and_cost_once_each():
    depth = 300
    model, problems = parse_model_text(nested_parallel(depth))
    assert problems == []
    # Each of the 300 tasks costs 1 minute at 1 per minute and runs once.
    assert cost_model(model).cost_per_instance == depth
    assert check_parallel_blocks(model, routing_structure(model)) == []
    # That the blocks are walked in linear time is counted on the structure the checks
    # walk: tests/test_graph.py::test_nested_parallel_blocks_are_walked_once_each_on_the_structure


# --- BPMN ------------------------------------------------------------------------------------

BPMN = ('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">'
        '{inner}<startEvent id="s"/><userTask id="t" name="{name}"/><endEvent id="e"/>'
        '<sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        '<sequenceFlow id="f2" sourceRef="t" targetRef="e"/></process></definitions>')


def bpmn_errors(data: bytes):
    text, problems = bpmn_to_model_text(data, source="x.bpmn")
    errors = [p for p in problems if p.severity == "error"]
    assert text == "" and len(errors) == 1 and errors[0].file == "x.bpmn"
    return errors[0]


@pytest.mark.parametrize(("data", "line", "element", "message"), [
    (b'<?xml version="1.0" encoding="x-no-such"?>\n' + BPMN.format(inner="", name="A").encode(),
     1, None, "the XML declaration names an unknown encoding (unknown encoding: x-no-such); "
              "save the file as UTF-8"),
    # 300 nested <a> inside extensionElements: definitions, process, extensionElements and
    # 197 <a> make 200; the 198th <a> is the 201st level.
    (BPMN.format(inner="<extensionElements>\n" + "<a>" * 300 + "</a>" * 300
                       + "</extensionElements>", name="A").encode(),
     2, None, "XML elements are nested more than 200 deep (at <a>); refused"),
    (BPMN.format(inner="", name="Ж" * 20_000).encode(), 1, "t",
     "attribute 'name' of <userTask> is 20,000 characters long; attributes are limited to "
     "10,000"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", 1, None,
     "not well-formed XML: not well-formed (invalid token): line 1, column 0"),
])
def test_bpmn_files_past_a_limit_or_unreadable_are_problems(data, line, element, message):
    error = bpmn_errors(data)
    assert (error.line, error.element, error.message) == (line, element, message)


# --- event logs ---------------------------------------------------------------------------

XES = ('<?xml version="1.0" encoding="UTF-8"?>\n'
       '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'
       '<trace><string key="concept:name" value="c1"/>\n{events}</trace>\n</log>\n')
EVENT = ('<event><string key="concept:name" value="{name}"/>{extra}'
         '<date key="time:timestamp" value="2024-03-01T10:{minute:02d}:00"/></event>\n')


def xes(tmp_path: Path, *names: str, extra: str = "", encoding: str = "UTF-8") -> Path:
    events = "".join(EVENT.format(name=name, extra=extra if n == 0 else "", minute=n)
                     for n, name in enumerate(names))
    path = tmp_path / "log.xes"
    path.write_text(XES.format(events=events).replace('"UTF-8"', f'"{encoding}"'),
                    encoding="utf-8")
    return path


def log_error(path: Path) -> LogError:
    with pytest.raises(LogError) as caught:
        read_event_log(path)
    assert caught.value.source == str(path) and len(str(caught.value)) < 400
    return caught.value


def test_xes_reads_as_before(tmp_path):
    log = read_event_log(xes(tmp_path, "Проверка", "Отгрузка"))
    assert log.events["activity"].to_list() == ["Проверка", "Отгрузка"] and log.case_count == 1


@pytest.mark.parametrize(("names", "extra", "encoding", "row", "message"), [
    # One attribute of 1 MiB and a bit: refused before the XML parser rescans it, at
    # the line its tag starts on (line 4: declaration, <log>, <trace>, then the event).
    (("Ж" * 600_000,), "", "UTF-8", None,
     "line 4: a tag (or the text after it) is longer than 1,048,576 bytes; no name, time or "
     "attribute of an event is that long, so the file is refused"),
    (("x",), '<list key="l">' * 70 + "</list>" * 70, "UTF-8", 1,
     "elements are nested more than 64 deep (at <list>)"),  # log, trace, event + 61 lists
    (("x",), '<string key="k" value="v"/>' * 10_001, "UTF-8", 1,
     "an event has more than 10,000 attributes"),
    (("x",), "", "x-no-such", None,
     "cannot read the XML: unknown encoding: x-no-such; save the log as UTF-8"),
    (("Ж" * 1001,), "", "UTF-8", 1,
     f"the activity '{CUT}' (1,001 characters) is longer than 1,000 characters; a name that "
     "long is no name"),
])
def test_xes_past_a_limit_is_refused(tmp_path, names, extra, encoding, row, message):
    error = log_error(xes(tmp_path, *names, extra=extra, encoding=encoding))
    assert (error.row, error.message) == (row, message)


CSV_LOG = ("case_id,activity,end\n"
           "c1,Проверка,2024-03-01 10:15\n"
           "c1,Отгрузка,2024-03-01 10:30\n")


@pytest.mark.parametrize(("old", "new", "row", "message"), [
    ("Отгрузка", "Ж" * 1001, 2,
     f"the activity '{CUT}' (1,001 characters) is longer than 1,000 characters; a name that "
     "long is no name"),
    ("2024-03-01 10:30", "9" * 100_000, 2,
     f"cannot read the time '{'9' * 60}…' (100,000 characters) (write it as 2024-03-01 "
     "10:15:00)"),
    ("case_id", "Ж" * 40_000, None,  # 80 000 bytes: no line break in the first 64 KiB
     "the header row is longer than 65,536 bytes; a log's header names a few columns"),
])
def test_csv_logs_with_huge_fields_are_refused(tmp_path, old, new, row, message):
    path = tmp_path / "log.csv"
    path.write_text(CSV_LOG.replace(old, new), encoding="utf-8")
    error = log_error(path)
    assert (error.row, error.message) == (row, message)


CR_ONLY = ("the lines end in a carriage return alone (CR, as old Mac programs save them); save "
           "the file with Windows (CR LF) or Unix (LF) line ends")


def test_a_csv_log_and_a_rates_table_with_cr_line_ends_are_refused_in_words(tmp_path):
    # Python's csv module said "new-line character seen in unquoted field", shown as a
    # fault in abc-costing; Polars reads such a file as one line.
    log = tmp_path / "log.csv"
    log.write_bytes(CSV_LOG.replace("\n", "\r").encode())
    assert (log_error(log).row, log_error(log).message) == (None, CR_ONLY)
    rates = tmp_path / "rates.csv"
    rates.write_bytes("resource;rate_per_hour\rИванова;600\r".encode())
    with pytest.raises(ModelError) as caught:
        read_rates_table(rates)
    assert [p.message for p in caught.value.problems] == [CR_ONLY]
    rates.write_bytes("resource;rate_per_hour\r\nИванова;600\r\n".encode())  # Windows: fine
    assert read_rates_table(rates).resources["иванова"].rate_per_hour == 600.0  # keyed lower-case


def unclosed(line: int) -> str:
    return (f"line {line}: a quote (\") out of place or never closed; a quote inside a "
            "field is written twice, with the field in quotes (\"27\"\" monitor\")")


@pytest.mark.parametrize(("rows", "line"), [
    # the header is line 1; an opening quote never closed: Polars said "provided
    # `new_columns` does not match number of columns" and the CLI blamed the column names
    (['c1,"Проверка,2024-03-01 10:15', "c1,Отгрузка,2024-03-01 10:30"], 2),
    (["c1,Проверка,2024-03-01 10:15", 'c1,Монитор 27",2024-03-01 10:30'], 3),  # a bare quote
    # a quoted line break and a doubled quote before it are whole records: the line counted
    # is the file's (the quoted break makes row 1 two lines)
    (['c1,"Про\nверка ""А""",2024-03-01 10:15', 'c2,"Отгрузка,2024-03-01 10:30'], 4),
    # a bare quote, then a quoted line break: counting quotes alone put it at line 5 (the
    # quoted field's second line); the first record that is not CSV is line 3
    (["c1,Проверка,2024-03-01 10:15", 'c1,Пе"тров,2024-03-01 10:30',
      'c1,"Отгру\nзка",2024-03-01 10:45'], 3),
    # two bare quotes pair up (an even count): Polars said only "CSV malformed ... row_offset"
    (['c1,Пе"тров,2024-03-01 10:15', "c1,Отгрузка,2024-03-01 10:30",
      'c1,Си"доров,2024-03-01 10:45'], 2),
])
def test_a_csv_log_with_a_quote_never_closed_names_its_line(tmp_path, rows, line):
    path = tmp_path / "log.csv"
    path.write_text("case_id,activity,end\n" + "\n".join(rows) + "\n", encoding="utf-8")
    error = log_error(path)
    assert (error.row, error.message) == (None, unclosed(line))


def test_a_quote_never_closed_is_found_in_a_later_block_at_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr("abc_costing.formats.event_log._CSV_BLOCK_BYTES", 64)
    good = [f"c{i},Проверка,2024-03-01 10:{i:02}" for i in range(40)]  # ~33 bytes a row
    path = tmp_path / "log.csv"
    path.write_text("case_id,activity,end\n" + "\n".join(
        [*good[:30], 'c99,"Отгрузка,2024-03-01 11:00', *good[30:]]) + "\n", encoding="utf-8")
    # 1 header line + 30 good rows: the bad record starts on line 32
    assert log_error(path).message == unclosed(32)
    path.write_text("case_id,activity,end\n" + "\n".join(good) + "\n", encoding="utf-8")
    assert read_event_log(path).event_count == 40  # the same blocks, all quotes closed


def test_a_stray_quote_in_an_early_block_is_found_at_its_line(tmp_path, monkeypatch):
    # Blocks are cut by counting quotes: a stray one in the first block, then quoted line
    # breaks, misled the cutting and Polars said "CSV malformed" with no line.
    monkeypatch.setattr("abc_costing.formats.event_log._CSV_BLOCK_BYTES", 64)
    rows = [f'c{i},"Про{i}\nверка",2024-03-01 10:{i:02}' for i in range(40)]  # 2 lines each
    rows[3] = 'c3,Пе"тров,2024-03-01 10:03'  # 1 header line + 3 rows of 2 lines: line 8
    path = tmp_path / "log.csv"
    path.write_text("case_id,activity,end\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert log_error(path).message == unclosed(8)


def test_a_later_line_ending_in_cr_alone_is_named(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"case_id,activity,end\nc1,a,2024-03-01 10:15\r"
                     b"c1,b,2024-03-01 10:30\nc1,c,2024-03-01 10:45\n")
    assert log_error(path).message == (
        "line 2: a line ends in a carriage return alone (CR, as old Mac programs save them); "
        "save the file with Windows (CR LF) or Unix (LF) line ends")


def test_a_rates_table_with_a_quote_never_closed_names_its_line(tmp_path):
    # Python's reader ran the quote's field over the next rows and blamed line 4's
    # rate_per_hour ("not filled") with the merged text in the message.
    rates = tmp_path / "rates.csv"
    rates.write_text('resource;rate_per_hour\nИванова;600\n"Петров;3000\nСидоров;6000\n',
                     encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        read_rates_table(rates)
    assert [p.message for p in caught.value.problems] == [unclosed(3)]


def test_a_header_with_a_quote_never_closed_is_line_1(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text('case_id,"activity,end\nc1,a,2024-03-01 10:15\n', encoding="utf-8")
    assert log_error(path).message == unclosed(1)


@pytest.mark.parametrize(("columns", "message"), [
    ({"case_id": ["c1"], "activity": [["a", "b"]], "end": ["2024-03-01 10:00:00"]},
     "column 'activity' (the activity) holds List(String) values; it must hold text or a "
     "whole number"),
    ({"case_id": ["c1"], "activity": [{"a": 1}], "end": ["2024-03-01 10:00:00"]},
     "column 'activity' (the activity) holds Struct({'a': Int64}) values; it must hold text "
     "or a whole number"),
    ({"case_id": ["c1"], "activity": ["a"], "end": [b"\x00\x01"]},
     "column 'end' (the end time) holds Binary values; it must hold a date and time, or text"),
])
def test_parquet_columns_of_odd_types_are_named(tmp_path, columns, message):
    path = tmp_path / "log.parquet"
    pl.DataFrame(columns).write_parquet(path)
    assert log_error(path).message == message


def test_a_parquet_log_with_more_rows_than_the_limit_is_refused_from_its_metadata(
        tmp_path, monkeypatch):
    monkeypatch.setattr("abc_costing.formats.event_log.MAX_LOG_EVENTS", 2)
    path = tmp_path / "log.parquet"
    pl.DataFrame({"case_id": ["c1"] * 3, "activity": ["a", "b", "c"],
                  "end": ["2024-03-01 10:00:00"] * 3}).write_parquet(path)
    assert log_error(path).message == "the log has 3 rows, more than the limit of 2"


# --- rates tables ---------------------------------------------------------------------------


def rates_error(path: Path) -> str:
    with pytest.raises(ModelError) as caught:
        read_rates_table(path)
    shown = str(caught.value)
    assert shown.startswith(str(path)) and len(shown) < 400
    return shown.removeprefix(str(path))


@pytest.mark.parametrize(("text", "shown"), [
    ("resource;rate_per_hour\n" + "Ж" * 1001 + ";600\n",
     f":2: {CUT}: the resource name is 1,001 characters long; names are at most 1,000"),
    ("resource;rate_per_hour\nИванова;1e13\n",  # typed numbers have no exponents
     ":2: Иванова: rate_per_hour '1e13' is not a number: use digits, one ',' or '.' for "
     "decimals and spaces between thousands (1 500,50)"),
    ("resource;rate_per_hour\nИванова;10 000 000 000 000\n",
     ":2: Иванова: rate_per_hour must be at most 1e+12, got 1e+13"),
    ("resource;rate_per_hour\nИванова;" + "9" * 200_000 + "\n",
     ": line 2: not valid CSV: field larger than field limit (131072)"),
])
def test_rates_tables_with_huge_or_overflowing_cells_are_refused(tmp_path, text, shown):
    path = tmp_path / "rates.csv"
    path.write_text(text, encoding="utf-8")
    assert rates_error(path) == shown


def test_a_rates_table_with_more_rows_than_the_limit_is_refused(tmp_path, monkeypatch):
    import dataclasses

    from abc_costing.formats import rates_table
    monkeypatch.setattr(rates_table, "RATES_TABLE",
                        dataclasses.replace(rates_table.RATES_TABLE, max_rows=3))
    path = tmp_path / "rates.csv"
    path.write_text("resource;rate_per_hour\na;1\nb;2\nc;3\n", encoding="utf-8")  # 4 rows
    assert rates_error(path) == ": the table has more than 3 rows"


def test_an_excel_zip_bomb_is_refused_from_its_directory(tmp_path):
    # A sheet of 11 MiB of blanks packs into a few kB; the parts' stated sizes add up first.
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet>' + " " * (11 << 20)
                                    + "</worksheet>",
    }
    path = tmp_path / "rates.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    assert path.stat().st_size < 100_000
    unpacked = sum(len(text.encode()) for text in parts.values())  # 11 534 421 bytes
    assert rates_error(path) == (
        f": the workbook unpacks to {unpacked:,} bytes, more than the limit of 10,485,760 "
        "(a zip bomb, or not a table of rates)")
