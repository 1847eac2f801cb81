"""What depends on what (``needs``): the format, its checks, and the parallelise rewrite."""

from __future__ import annotations

import pytest

from abc_costing.engine import cost_model, expected_cycle_time, expected_executions
from abc_costing.formats import load_model, model_files, parse_model_text
from abc_costing.formats.roundtrip import EditableModel
from abc_costing.model.needs import ParallelisationError, independent_runs, parallelised
from abc_costing.validation import validate_model
from tests.conftest import LIBRARY, model_text, parse

#: enter -> scan -> match, in sequence; the clerk at 600 a hour (10 a minute).
SEQUENCE = """\
resources:
  clerk: {{kind: labor, rate_per_hour: 600}}
activities:
  enter: {{labor: {{clerk: 30}}{enter}}}
  scan: {{labor: {{clerk: 45}}{scan}}}
  match: {{labor: {{clerk: 10}}{match}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, enter], [enter, scan], [scan, match], [match, e]]
"""


def sequence(*, enter: str = "", scan: str = "", match: str = "") -> str:
    return SEQUENCE.format(enter=enter, scan=scan, match=match)


def errors(body: str):
    model, problems = parse_model_text(model_text(body), source="m.yaml")
    assert model is None
    return [p for p in problems if p.severity == "error"]


def test_needs_are_read_and_a_model_that_keeps_them_is_valid():
    model = parse(sequence(match=", needs: [enter, scan]"))
    assert model.activities["match"].needs == ["enter", "scan"]
    assert model.activities["enter"].needs == []


@pytest.mark.parametrize(("needs", "words"), [
    ("[ghost]", "needs names unknown activity 'ghost' (known: enter, scan, match)"),
    ("[s]", "needs names 's', a start event; needs lists activities only"),
    ("[match]", "an activity cannot need itself"),
])
def test_a_wrong_need_is_named_with_its_file_line_and_element(needs, words):
    body = sequence(match=f", needs: {needs}")
    (problem,) = errors(body)
    assert problem.message == words
    assert problem.element == "match" and problem.file == "m.yaml"
    # the header is 4 lines, then resources (2), activities:, enter, scan, match
    assert problem.line == 4 + 2 + 1 + 3


def test_needs_that_go_round_in_a_circle_are_one_problem():
    (problem,) = errors(sequence(enter=", needs: [match]", match=", needs: [scan]",
                                 scan=", needs: [enter]"))
    assert problem.message == ("needs go round in a circle: enter, scan, match; "
                               "each of these waits for another")
    assert problem.element == "enter"


def test_a_need_placed_after_the_task_that_needs_it_is_refused():
    (problem,) = errors(sequence(enter=", needs: [match]"))
    assert problem.message == ("'enter' needs 'match', but 'match' comes after it in the "
                               "flows; move 'match' before 'enter' or drop the need")
    assert problem.element == "enter" and problem.line == 4 + 2 + 1 + 1


PARALLEL = """\
activities:
  draft: {{}}
  legal: {{{legal}}}
  finance: {{}}
  sign: {{{sign}}}
gateways: {{split: {{kind: parallel}}, join: {{kind: parallel}}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, draft], [draft, split], [split, legal], [split, finance], [legal, join],
        [finance, join], [join, sign], [sign, e]]
"""


def test_a_parallel_join_has_run_all_its_branches():
    parse(PARALLEL.format(legal="needs: [draft]", sign="needs: [legal, finance, draft]"))


def test_a_need_on_a_parallel_branch_beside_the_task_is_refused():
    (problem,) = errors(PARALLEL.format(legal="needs: [finance]", sign=""))
    assert problem.message == ("'legal' needs 'finance', but 'finance' runs beside it (on a "
                               "parallel branch or another path), never before it")


def test_a_need_met_on_only_some_ways_in_is_refused():
    body = """\
    activities: {check: {}, extra: {}, pay: {needs: [extra]}}
    gateways: {big: {kind: exclusive}, merge: {kind: exclusive}}
    events: {s: {kind: start}, e: {kind: end}}
    flows: [[s, check], [check, big], [big, extra, 0.2], [big, merge, 0.8], [extra, merge],
            [merge, pay], [pay, e]]
    """
    (problem,) = errors(body)
    assert problem.message == ("'pay' needs 'extra', but some ways through the flows reach "
                               "'pay' without passing 'extra'")


def test_a_need_inside_a_rework_loop_is_kept():
    # enter is redone after a failed match, and each pass enters before it matches
    parse("""\
    activities: {enter: {}, match: {needs: [enter]}}
    gateways: {again: {kind: exclusive}, ok: {kind: exclusive}}
    events: {s: {kind: start}, e: {kind: end}}
    flows: [[s, again], [again, enter], [enter, match], [match, ok], [ok, e, 0.8],
            [ok, again, 0.2]]
    """)


def test_editing_needs_keeps_the_authors_comments():
    text = model_text(sequence(match=", needs: [enter]")).replace(
        "  scan:", "  # сканер в соседней комнате\n  scan:")
    document = EditableModel.from_text(text)
    document.set(("activities", "match", "needs"), ["enter", "scan"])
    written = document.to_text()
    assert "  # сканер в соседней комнате\n  scan:" in written
    model, problems = parse_model_text(written, source="m.yaml")
    assert model is not None, problems
    assert model.activities["match"].needs == ["enter", "scan"]


@pytest.mark.parametrize("path", model_files(LIBRARY), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_shipped_model_keeps_its_needs(path):
    model = load_model(path)
    assert [p for p in validate_model(model) if p.severity == "error"] == []


def test_the_shipped_as_is_models_state_real_dependencies():
    model = load_model(LIBRARY / "supplier_invoice" / "as_is.yaml")
    assert model.activities["three_way_match"].needs == ["register_1c"]
    # filing the originals does not wait for the bank statement: a run the advisor may use
    assert ("close_posting", "file_originals") in independent_runs(model)


# -- independent runs and the parallelise rewrite ------------------------------------------


def test_runs_are_maximal_and_may_overlap():
    # match needs enter only: (enter, scan) and (scan, match) are both maximal
    model = parse(sequence(match=", needs: [enter]"))
    assert independent_runs(model) == (("enter", "scan"), ("scan", "match"))


def test_no_needs_makes_the_whole_sequence_one_run():
    assert independent_runs(parse(sequence())) == (("enter", "scan", "match"),)


def test_a_need_through_another_task_counts():
    # scan needs enter through nothing in the run, match needs scan: no two are free
    model = parse(sequence(scan=", needs: [enter]", match=", needs: [scan]"))
    assert independent_runs(model) == ()


def test_a_task_entered_from_a_gateway_starts_a_new_sequence():
    model = parse("""\
    activities: {a: {}, b: {}, c: {}}
    gateways: {again: {kind: exclusive}, ok: {kind: exclusive}}
    events: {s: {kind: start}, e: {kind: end}}
    flows: [[s, a], [a, again], [again, b], [b, c], [c, ok], [ok, e, 0.9], [ok, again, 0.1]]
    """)
    assert independent_runs(model) == (("b", "c"),)


NO_WAITS = """\
resources:
  clerk: {kind: labor, rate_per_hour: 600}
  lawyer: {kind: labor, rate_per_hour: 1200}
activities:
  enter: {labor: {clerk: 30}}
  check: {labor: {lawyer: 45}}
  pay: {labor: {clerk: 10}, needs: [enter, check]}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, enter], [enter, check], [check, pay], [pay, e]]
"""


def test_parallelising_two_independent_tasks_keeps_the_cost_and_saves_the_shorter():
    before = parse(NO_WAITS)
    assert independent_runs(before) == (("enter", "check"),)
    after = parallelised(before, ("enter", "check"))
    assert validate_model(after) == []
    # cost: 30 × 10 + 45 × 20 + 10 × 10 = 1 300 per instance, before and after
    assert cost_model(before).cost_per_instance == pytest.approx(1300.0, abs=1e-9)
    assert cost_model(after).cost_per_instance == pytest.approx(1300.0, abs=1e-9)
    assert expected_executions(after).by_node["check"] == pytest.approx(1.0)
    # cycle: 30 + 45 + 10 = 85 min in sequence; max(30, 45) + 10 = 55 side by side
    assert expected_cycle_time(before).minutes == pytest.approx(85.0)
    assert expected_cycle_time(after).minutes == pytest.approx(55.0)
    assert expected_cycle_time(before).minutes - expected_cycle_time(after).minutes == (
        pytest.approx(30.0))
    assert expected_cycle_time(after).exact


def test_parallelised_leaves_the_model_as_it_was_and_names_new_gateways_freely():
    before = parse(NO_WAITS.replace("activities:", "activities:\n  enter_check_split: {}")
                   .replace("[s, enter]", "[s, enter_check_split], [enter_check_split, enter]"))
    flows = list(before.flows)
    after = parallelised(before, ["enter", "check"])
    assert before.flows == flows and "enter_check_join" not in before.gateways
    assert after.gateways["enter_check_split_2"].kind == "parallel"
    assert after.gateways["enter_check_join"].kind == "parallel"
    assert validate_model(after) == []


def test_a_first_task_with_several_ways_in_gets_a_merge_before_the_split():
    before = parse("""\
    activities: {fix: {}, a: {}, b: {}}
    gateways: {ok: {kind: exclusive}}
    events: {s: {kind: start}, e: {kind: end}}
    flows: [[s, ok], [ok, fix, 0.3], [ok, a, 0.7], [fix, a], [a, b], [b, e]]
    """)
    after = parallelised(before, ("a", "b"))
    assert after.gateways["a_b_merge"].kind == "exclusive"
    assert ("ok", "a_b_merge", 0.7) in after.flows and ("fix", "a_b_merge", None) in after.flows
    assert validate_model(after) == []
    assert cost_model(after).cost_per_instance == cost_model(before).cost_per_instance


def test_a_run_with_a_need_inside_is_refused():
    model = parse(NO_WAITS)
    with pytest.raises(ParallelisationError):
        parallelised(model, ("check", "pay"))
    with pytest.raises(ParallelisationError):
        parallelised(model, ("enter",))


def test_parallelising_a_shipped_run_keeps_its_cost():
    model = load_model(LIBRARY / "supplier_invoice" / "as_is.yaml")
    after = parallelised(model, ("close_posting", "file_originals"))
    assert [p for p in validate_model(after) if p.severity == "error"] == []
    assert after.catalogue == model.catalogue
    assert cost_model(after).cost_per_instance == pytest.approx(
        cost_model(model).cost_per_instance, rel=1e-12)
    # close_posting 3 min and file_originals 3 min: side by side they take 3, not 6;
    # reached once per paid invoice (0.8 / (1 - 0.17) of the invoices)
    paid = 0.8 / (1 - 0.17)
    saved = expected_cycle_time(model).minutes - expected_cycle_time(after).minutes
    assert saved == pytest.approx(3.0 * paid, rel=1e-9)


def test_needs_survive_an_export_to_bpmn_and_back():
    from abc_costing.formats.bpmn import bpmn_to_model_text, model_to_bpmn

    model = load_model(LIBRARY / "contract_approval" / "as_is.yaml")
    text, problems = bpmn_to_model_text(model_to_bpmn(model), source="contract.bpmn")
    assert text, problems
    assert "needs: [legal_review, finance_review]" in text
    back, _ = parse_model_text(text, source="contract.yaml")
    assert back is not None
    assert {a: x.needs for a, x in back.activities.items()} == {
        a: x.needs for a, x in model.activities.items()}
