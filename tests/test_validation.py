"""Bad input: every problem named with its file, line and element, all in one pass."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from abc_costing.formats import load_library, parse_model_text, read_model
from abc_costing.problems import has_errors
from tests.conftest import model_text

GOOD = """\
resources:
  clerk: {kind: labor, rate_per_hour: 600}
activities:
  a: {labor: {clerk: 10}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
"""


def problems_of(body: str, *, raw: bool = False):
    text = body if raw else model_text(body)
    model, problems = parse_model_text(text, source="m.yaml")
    return model, problems


def errors_of(body: str, *, raw: bool = False):
    model, problems = problems_of(body, raw=raw)
    assert model is None
    errors = [p for p in problems if p.severity == "error"]
    assert errors and all(p.file == "m.yaml" for p in errors)
    return errors


def only_error(body: str, *, raw: bool = False):
    errors = errors_of(body, raw=raw)
    assert len(errors) == 1, "\n".join(map(str, errors))
    return errors[0]


def test_good_model_has_no_problems():
    model, problems = problems_of(GOOD)
    assert model is not None and problems == []


def test_yaml_syntax_error_names_the_line():
    text = model_text(GOOD).replace("flows: [[s, a], [a, e]]", "flows: [[s, a], [a, e]\nx: 1")
    error = only_error(text, raw=True)
    assert "YAML syntax error" in error.message
    assert error.line is not None and error.line >= 9


def test_duplicate_keys_are_rejected_with_both_lines():
    body = GOOD.replace("  a: {labor: {clerk: 10}}", "  a: {labor: {clerk: 10}}\n  a: {other_cost: 5}")
    error = only_error(body)
    assert "duplicate key 'a'" in error.message
    assert error.line == 9 and "first defined on line 8" in error.message  # header is 4 lines


def test_duplicate_key_inside_a_flow_mapping():
    error = only_error(GOOD.replace("{clerk: 10}", "{clerk: 10, clerk: 20}"))
    assert "duplicate key 'clerk'" in error.message and error.line == 8


@pytest.mark.parametrize(
    ("old", "new", "element", "words"),
    [
        ("{clerk: 10}", "{clerk: -10}", "a", "must not be negative (got -10)"),
        ("{clerk: 10}", "{clerk: ten}", "a", "must be a number (got 'ten')"),
        ("{clerk: 10}", "{clerk: {triangular: [30, 20, 10]}}", "a", "min <= mode <= max"),
        ("{clerk: 10}", "{clerk: {gamma: [1, 2]}}", "a", "unknown distribution 'gamma'"),
        ("rate_per_hour: 600", "rate_per_hour: -600", "clerk", "must not be negative (got -600)"),
        ("rate_per_hour: 600", "rate_per_hour: '600'", "clerk", "must be a number (got '600')"),
        ("{labor: {clerk: 10}}", "{labor: {clerk: 10}, other_cost: -1}", "a", "other_cost"),
        ("{labor: {clerk: 10}}", "{labor: {clerk: 10}, value: luxury}", "a", "'value_adding'"),
        ("{labor: {clerk: 10}}", "{labour: {clerk: 10}}", "a", "unknown field 'labour'"),
        ("{kind: labor, rate_per_hour: 600}", "{kind: robot}", "clerk", "kind 'robot' is unknown"),
        ("{kind: labor, rate_per_hour: 600}", "{kind: labor}", "clerk", "needs rate_per_hour"),
    ],
)
def test_field_errors_name_the_element_and_line(old, new, element, words):
    error = only_error(GOOD.replace(old, new))
    assert error.element == element
    assert words in error.message
    assert error.line == (6 if element == "clerk" else 8)


def test_negative_probability_and_probability_above_one():
    body = GOOD.replace("flows: [[s, a], [a, e]]", """\
gateways: {x: {kind: exclusive}, m: {kind: exclusive}}
flows:
  - [s, a]
  - [a, x]
  - [x, m, -0.2]
  - [x, e, 1.2]
  - [m, e]
""")
    errors = errors_of(body)
    assert {e.element for e in errors} == {"flows[2]", "flows[3]"}
    assert {e.line for e in errors} == {14, 15}
    assert any("probability: must not be negative (got -0.2)" in e.message for e in errors)
    assert any("probability: must be at most 1 (got 1.2)" in e.message for e in errors)


def test_unknown_ids_in_labor_uses_and_flows():
    body = """\
resources:
  clerk: {kind: labor, rate_per_hour: 600}
  courier: {kind: per_use, cost_per_use: 500}
activities:
  a: {labor: {clerk: 10, lawyr: 5}, uses: {curier: 1}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, ee]]
"""
    messages = [str(e) for e in errors_of(body)]
    assert any("m.yaml:9: a: labor names unknown resource 'lawyr'" in m for m in messages)
    assert any("a: uses names unknown resource 'curier'" in m for m in messages)
    assert any("flows[1]: flow a → ee enters unknown element 'ee'" in m for m in messages)


def test_resource_of_the_wrong_kind():
    body = GOOD.replace("{labor: {clerk: 10}}", "{uses: {clerk: 1}}")
    error = only_error(body)
    assert "a labor resource; uses takes per_use resources only" in error.message


def test_probabilities_that_do_not_sum_to_one_say_the_sum():
    body = GOOD.replace("flows: [[s, a], [a, e]]", """\
gateways: {x: {kind: exclusive}}
flows: [[s, a], [a, x], [x, e, 0.7], [x, a, 0.2]]
""")
    error = only_error(body)
    assert error.element == "x" and "sum to 0.9, not 1" in error.message
    assert error.line == 10


def test_probability_on_a_flow_that_is_not_an_exclusive_split():
    error = only_error(GOOD.replace("[a, e]]", "[a, e, 1]]"))
    assert error.element == "flows[1]"
    assert "'a' is not an exclusive split" in error.message


def test_exclusive_split_flow_without_probability():
    body = GOOD.replace("flows: [[s, a], [a, e]]", """\
gateways: {x: {kind: exclusive}}
flows: [[s, a], [a, x], [x, e, 0.7], [x, a]]
""")
    error = only_error(body)
    assert error.element == "flows[3]" and "has no probability" in error.message


def test_loop_with_no_way_out():
    body = """\
resources:
  clerk: {kind: labor, rate_per_hour: 600}
activities:
  a: {labor: {clerk: 10}}
  b: {labor: {clerk: 1}}
gateways: {m: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, m], [m, a], [a, b], [b, m]]
"""
    # a and b circle through m forever; the end event e has no flow at all
    messages = [str(e) for e in errors_of(body)]
    assert "m.yaml:8: a: loop with no way out: a, b, m can never reach an end event" in messages
    assert "m.yaml:11: e: end event has no flows" in messages
    assert len(messages) == 2, messages


def test_loop_whose_only_exit_has_probability_zero():
    body = GOOD.replace("flows: [[s, a], [a, e]]", """\
gateways: {m: {kind: exclusive}, x: {kind: exclusive}}
flows: [[s, m], [m, a], [a, x], [x, e, 0], [x, m, 1]]
""")
    error = only_error(body)
    assert "loop with no way out" in error.message


def test_node_not_reachable_from_start():
    body = GOOD.replace("flows: [[s, a], [a, e]]", """\
  orphan: {labor: {clerk: 1}}
gateways: {m: {kind: exclusive}}
flows: [[s, a], [a, e], [orphan, m], [m, orphan]]
""")
    body = body.replace("events: {s: {kind: start}, e: {kind: end}}\n  orphan: {labor: {clerk: 1}}",
                        "  orphan: {labor: {clerk: 1}}\nevents: {s: {kind: start}, e: {kind: end}}")
    # orphan and m feed each other but nothing leads to them from the start
    messages = [str(e) for e in errors_of(body)]
    assert "m.yaml:9: orphan: activity cannot be reached from the start event" in messages
    assert "m.yaml:11: m: exclusive gateway cannot be reached from the start event" in messages


def test_node_without_incoming_flow():
    body = GOOD.replace("flows: [[s, a], [a, e]]", "flows: [[s, a], [a, e], [b, e]]")
    body = body.replace("  a: {labor: {clerk: 10}}", "  a: {labor: {clerk: 10}}\n  b: {}")
    assert str(only_error(body)) == "m.yaml:9: b: activity has no incoming flow"


PARALLEL = """\
resources:
  clerk: {kind: labor, rate_per_hour: 600}
activities:
  a: {labor: {clerk: 10}}
  b: {labor: {clerk: 10}}
  c: {labor: {clerk: 10}}
gateways:
  fork: {kind: parallel}
  join: {kind: parallel}
  m: {kind: exclusive}
events: {s: {kind: start}, e: {kind: end}, e2: {kind: end}}
"""


def test_parallel_split_without_a_join():
    error = only_error(PARALLEL.replace("  join: {kind: parallel}\n", "").replace(
        "  m: {kind: exclusive}\n", "") + "flows: [[s, fork], [fork, a], [fork, b], [a, e], [b, c], "
        "[c, e2]]\n")
    assert error.element == "fork"
    assert "not closed by a parallel join" in error.message and "never meet again" in error.message


def test_an_exit_inside_a_parallel_branch_is_named_as_the_cause():
    # Branch a can leave through exclusive m to end e2; the join would wait for it forever.
    # The old message blamed the split ("branches never meet again") and the join
    # ("does not close any parallel split"): both wrong, the exit m → e2 is the cause.
    body = PARALLEL + ("flows: [[s, fork], [fork, a], [fork, b], [a, m], [m, join, 0.7], "
                       "[m, e2, 0.3], [b, join], [join, c], [c, e]]\n")
    error = only_error(body)
    assert error.element == "m"
    assert "parallel split 'fork' can leave the block before its join 'join' (by m → e2)" \
        in error.message
    assert "never meet" not in error.message


def test_a_rework_loop_in_a_branch_whose_exit_jumps_past_the_join():
    # A rework loop a → m → a stays in the branch; its exit m → c skips the join.
    body = PARALLEL.replace(", e2: {kind: end}", "") + (
        "flows: [[s, fork], [fork, a], [fork, b], [a, m], [m, a, 0.3], "
        "[m, c, 0.7], [b, join], [join, c], [c, e]]\n")
    messages = [e.message for e in errors_of(body)]
    assert any("before its join 'join' (by m → c)" in m for m in messages), messages
    assert not any("does not close any parallel split" in m for m in messages)


def test_a_rework_loop_that_stays_inside_its_branch_is_valid():
    body = PARALLEL.replace(", e2: {kind: end}", "") + (
        "flows: [[s, fork], [fork, a], [fork, b], [a, m], [m, a, 0.3], "
        "[m, join, 0.7], [b, join], [join, c], [c, e]]\n")
    model, problems = problems_of(body)
    assert model is not None and [p for p in problems if p.severity == "error"] == []


def test_a_gateway_looping_on_itself_is_told_apart_from_an_activity():
    loop = """\
resources: {clerk: {kind: labor, rate_per_hour: 600}}
activities: {a: {labor: {clerk: 10}}}
gateways: {m: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
"""
    # The old message told the user to "route rework through a gateway", about a gateway.
    gateway = only_error(loop + "flows: [[s, a], [a, m], [m, m, 0.3], [m, e, 0.7]]\n")
    assert gateway.element == "flows[2]"
    assert "gateway 'm' would send instances back to itself without redoing any activity" \
        in gateway.message
    activity = errors_of(loop.replace("gateways: {m: {kind: exclusive}}\n", "")
                         + "flows: [[s, a], [a, a], [a, e]]\n")
    assert any("flow a → a loops on itself; route rework through an exclusive gateway"
               in e.message for e in activity)


def test_parallel_branches_closed_by_an_exclusive_merge():
    body = PARALLEL.replace("  join: {kind: parallel}\n", "") + (
        "flows: [[s, fork], [fork, a], [fork, b], [a, m], [b, m], [m, c], [c, e]]\n")
    messages = [e.message for e in errors_of(body)]
    assert any("first meet at 'm'" in m for m in messages)


def test_parallel_gateway_that_both_merges_and_splits():
    body = PARALLEL + """\
flows: [[s, fork], [fork, a], [fork, b], [a, join], [b, join], [join, c], [join, m], [c, e], [m, e2]]
""".replace("[join, c], [join, m]", "[join, c], [join, m]")
    body = body.replace("[a, join], [b, join], [join, c], [join, m], [c, e], [m, e2]",
                        "[a, join], [b, join], [join, c], [join, m], [c, e], [m, e2]")
    messages = [e.message for e in errors_of(body)]
    assert any("both merges (2 in) and splits (2 out) and would deadlock" in m for m in messages)


def test_join_fed_from_outside_its_split():
    body = PARALLEL + """\
flows:
  - [s, m]
  - [m, fork, 0.5]
  - [m, c, 0.5]
  - [fork, a]
  - [fork, b]
  - [a, join]
  - [b, join]
  - [c, join]
  - [join, e]
"""
    body = body.replace("e2: {kind: end}", "e2: {kind: end}").replace(", e2: {kind: end}", "")
    messages = [str(e) for e in errors_of(body)]
    assert any("join: parallel join 'join' is fed from outside its split 'fork' (from c)" in m
               for m in messages), messages


def test_rework_loop_straight_into_a_parallel_join_is_refused():
    body = PARALLEL.replace(", e2: {kind: end}", "") + """\
flows:
  - [s, fork]
  - [fork, a]
  - [fork, b]
  - [a, join]
  - [b, m]
  - [m, join, 0.7]
  - [m, c, 0.3]
  - [c, join]
  - [join, e]
"""
    messages = [e.message for e in errors_of(body)]
    assert any("waits for 3 branches but split 'fork' starts 2" in m for m in messages), messages


def test_loop_from_a_branch_back_to_its_split():
    body = PARALLEL.replace(", e2: {kind: end}", "") + """\
flows:
  - [s, m]
  - [m, fork]
  - [fork, a]
  - [fork, b]
  - [a, join]
  - [b, c]
  - [c, m]
  - [join, e]
"""
    messages = [e.message for e in errors_of(body)]
    assert messages  # the branch b→c→m→fork re-enters the split
    assert any("fork" in m for m in messages)


@pytest.mark.parametrize(
    ("events", "words"),
    [
        ("{e: {kind: end}}", "there is no start event"),
        ("{s: {kind: start}, s2: {kind: start}, e: {kind: end}}", "a second start event"),
        ("{s: {kind: start}}", "there is no end event"),
    ],
)
def test_missing_or_extra_start_events(events, words):
    body = GOOD.replace("events: {s: {kind: start}, e: {kind: end}}", f"events: {events}")
    messages = [e.message for e in errors_of(body)]
    assert any(words in m for m in messages), messages


def test_unknown_format_version():
    error = only_error(GOOD.replace("", "") and model_text(GOOD).replace(
        "abc-costing/1", "abc-costing/7"), raw=True)
    assert error.element == "format" and error.line == 1
    assert "unknown format 'abc-costing/7'" in error.message


def test_missing_format():
    error = only_error("process: p\nvariant: v\n", raw=True)
    assert "missing 'format: abc-costing/1'" in error.message


def test_ids_shared_across_sections_must_be_unique():
    body = GOOD.replace("events: {s: {kind: start}, e: {kind: end}}",
                        "gateways: {a: {kind: exclusive}}\nevents: {s: {kind: start}, e: {kind: end}}")
    error = only_error(body)
    assert "id 'a' is used in both activities and gateways" in error.message


def test_activity_with_two_outgoing_flows_needs_a_gateway():
    body = GOOD.replace("flows: [[s, a], [a, e]]", "  b: {}\nflows: [[s, a], [a, e], [a, b], [b, e]]")
    body = body.replace("events: {s: {kind: start}, e: {kind: end}}\n  b: {}",
                        "  b: {}\nevents: {s: {kind: start}, e: {kind: end}}")
    error = only_error(body)
    assert error.element == "a" and "2 outgoing flows" in error.message


def test_bad_currency_and_slug():
    text = model_text(GOOD).replace("currency: RUB", "currency: XYZ").replace(
        "process: test", "process: 'my process!'")
    errors = errors_of(text, raw=True)
    assert {e.element for e in errors} == {"currency", "process"}
    assert any("'XYZ' is not an ISO 4217 currency code" in e.message for e in errors)


def test_cyrillic_slugs_are_fine():
    text = model_text(GOOD).replace("process: test", "process: согласование_договора")
    model, problems = problems_of(text, raw=True)
    assert model is not None and model.process == "согласование_договора"


def test_every_problem_in_a_file_is_reported_in_one_run():
    body = """\
resources:
  clerk: {kind: labor, rate_per_hour: -5}
activities:
  a: {labor: {clerk: -10}}
  b: {labor: {clerk: 10}, uses: {nothing: 1}}
gateways: {x: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, x], [x, b, 0.5], [x, ghost, 0.3], [b, e]]
"""
    errors = errors_of(body)
    text = "\n".join(map(str, errors))
    assert "clerk: rate_per_hour" in text  # field error in a resource
    assert "a: labor.clerk" in text  # field error in an activity
    assert "uses names unknown resource 'nothing'" in text  # reference in a sound element
    assert "enters unknown element 'ghost'" in text  # reference in a flow
    assert "sum to 0.8, not 1" in text  # probabilities
    assert len(errors) == 5, text


def test_unused_resource_is_only_a_warning():
    body = GOOD.replace("  clerk: {kind: labor, rate_per_hour: 600}",
                        "  clerk: {kind: labor, rate_per_hour: 600}\n  idle: {kind: per_use, cost_per_use: 1}")
    model, problems = problems_of(body)
    assert model is not None and not has_errors(problems)
    assert [p.element for p in problems] == ["idle"] and problems[0].line == 7


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "file is empty"),
        ("- a\n- b\n", "not a list"),
        ("just text\n", "not a str"),
    ],
)
def test_files_that_are_not_models(text, words):
    assert words in only_error(text, raw=True).message


def test_alias_bomb_is_refused_quickly():
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    error = only_error("\n".join(lines) + "\n", raw=True)
    assert "alias" in error.message


def test_missing_unreadable_huge_and_non_utf8_files(tmp_path, monkeypatch):
    missing = read_model(tmp_path / "нет.yaml")
    assert missing[0] is None and "file not found" in missing[1][0].message
    assert missing[1][0].file.endswith("нет.yaml")

    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(model_text(GOOD).encode() + "title: caf\xe9\n".encode("latin-1"))
    model, problems = read_model(latin1)
    assert model is None and "not UTF-8" in problems[0].message and problems[0].line == 11

    big = tmp_path / "big.yaml"
    big.write_text(model_text(GOOD), encoding="utf-8")
    monkeypatch.setattr("abc_costing.formats.yaml_model.MAX_FILE_BYTES", 100)
    model, problems = read_model(big)
    assert model is None and "limited to 100 bytes" in problems[0].message

    assert "is a folder" in read_model(tmp_path)[1][0].message


def test_a_named_pipe_or_a_device_is_refused_without_waiting(tmp_path):
    # A pipe opened plainly waits for a writer for ever: validate and portfolio hung.
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    for path in (pipe, Path("/dev/null")):
        model, problems = read_model(path)
        assert model is None and [p.message for p in problems] == [
            "is not a regular file (a pipe or a device); model files are read from files on "
            "disk"]
    library = tmp_path / "library"
    (library / "p").mkdir(parents=True)
    os.mkfifo(library / "p" / "as_is.yaml")
    (library / "p" / "lean.yaml").write_text(model_text(GOOD, variant="lean"),
                                             encoding="utf-8")
    models, problems = load_library(library)
    assert [model.variant for _, model in models] == ["lean"]
    assert [(Path(p.file).name, p.message[:24]) for p in problems] == [
        ("as_is.yaml", "is not a regular file (a")]


def test_utf8_bom_from_windows_editors_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeff".encode() + model_text(GOOD).encode())
    model, problems = read_model(path)
    assert model is not None and problems == []


@pytest.mark.parametrize(
    ("flows", "words"),
    [
        ("[[s, a], [a, e, 0.5, 1]]", "a flow is [from, to] or [from, to, probability], got ['a', 'e', 0.5, 1]"),
        ("[[s, a], [a]]", "a flow is [from, to] or [from, to, probability], got ['a']"),
        ("[[s, a], a-e]", "a flow is [from, to] or [from, to, probability], got 'a-e'"),
        ("[[s, a], [a, 5]]", "to: flow ends must be element ids (got 5)"),
        ("[[s, a], [a, e, high]]", "probability: must be a number (got 'high')"),
    ],
)
def test_malformed_flows(flows, words):
    error = only_error(GOOD.replace("flows: [[s, a], [a, e]]", f"flows: {flows}"))
    assert error.element == "flows[1]" and error.line == 10
    assert error.message == words


def test_a_resource_named_by_an_activity_that_did_not_read_is_not_called_unused():
    # An imported model with labour minutes still "?": the activity fails to read, and the
    # checks on the rest used to add "performer: resource is not used by any activity".
    body = """\
resources: {performer: {kind: labor, rate_per_hour: 600}}
activities: {a: {labor: {performer: "?"}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
"""
    model, problems = problems_of(body)
    assert model is None
    assert [p.element for p in problems] == ["a"]
    assert "must be a number (got '?')" in problems[0].message
