"""What the analyst knows, in a file (advice.yaml): its reader, the moves it enables
(automation leaving some labour, a new branch share for a stated cause, a shorter way for
a share of instances), the sequence's heads from one split, and the shipped processes:
the advisor reaches the hand-made best variant's saving."""

from __future__ import annotations

from pathlib import Path

import pytest

from abc_costing.advisor import AdviceSettings, AutomationOffer, advise, automate, rebranch
from abc_costing.advisor import shortcut as shortcut_move
from abc_costing.cli import main
from abc_costing.compare import compare_models
from abc_costing.engine import cost_model
from abc_costing.formats import load_model, model_files
from abc_costing.formats.advice_file import parse_advice_text
from abc_costing.model import PerUseResource, ProcessModel
from abc_costing.model.advice import BranchRecord, ShortcutRecord
from abc_costing.reports.views import advice_sequence_view
from abc_costing.validation import validate_model
from abc_costing.workflows.advice import advise_file

LIBRARY = Path(__file__).parent.parent / "process_models"
#: Each shipped process and its hand-made best variant (the largest saving a year).
BEST = {"contract_approval": "template_esign", "procurement": "framework_template",
        "supplier_invoice": "edi_automatch", "zhkh_leads": "crm_robots"}


def _model(activities, flows, *, gateways=None, resources=None, volume=1000):
    return ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "p", "variant": "as_is",
        "volume_per_year": volume,
        "resources": resources or {"clerk": {"kind": "labor", "rate_per_hour": 600},
                                   "lawyer": {"kind": "labor", "rate_per_hour": 1800},
                                   "courier": {"kind": "per_use", "cost_per_use": 600}},
        "activities": activities, "gateways": gateways or {},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}}, "flows": flows})


def _errors(model: ProcessModel) -> list[str]:
    return [p.message for p in validate_model(model) if p.severity == "error"]


# --- the moves ---------------------------------------------------------------------------


def test_rebranch_saving_by_hand():
    # clerk 10 RUB/min. write 30 min = 300; fix 20 min = 200, back to the decision.
    # Before: 30 % go to fix at each pass, passes 1 / .7, fixes .3 / .7:
    # 300 + 200 × .3 / .7 = 385.714286. After (10 %, and 5 RUB per pass for the cause):
    # 300 + 200 × .1 / .9 + 5 / .9 = 300 + 22.222222 + 5.555556 = 327.777778.
    model = _model({"write": {"labor": {"clerk": 30}}, "fix": {"labor": {"clerk": 20}}},
                   [["s", "write"], ["write", "ok"], ["ok", "e", 0.7], ["ok", "fix", 0.3],
                    ["fix", "ok"]], gateways={"ok": {"kind": "exclusive"}})
    assert cost_model(model).cost_per_instance == pytest.approx(300 + 200 * 0.3 / 0.7)
    move = rebranch(model, BranchRecord(gateway="ok", probabilities={"e": 0.9, "fix": 0.1},
                                        cause="a template", cost_per_pass=5))
    assert move is not None and _errors(move.model) == []
    assert cost_model(move.model).cost_per_instance == pytest.approx(
        300 + 200 * 0.1 / 0.9 + 5 / 0.9)
    # A record naming a node the gateway has no flow to fits nothing: no move. (A target
    # the model no longer has at all, taken out by an earlier move, takes the one flow
    # left unnamed: contract_approval's client_decision after the e-signature below.)
    assert rebranch(model, BranchRecord(gateway="ok", probabilities={"e": 0.5, "write": 0.5},
                                        cause="c")) is None


def test_shortcut_saving_by_hand():
    # review: lawyer 60 min × 30 = 1 800. Quick review for 75 %: 10 min = 300, after a
    # clerk's check of 5 min = 50 on every instance: 50 + .25 × 1 800 + .75 × 300 = 725.
    model = _model({"review": {"labor": {"lawyer": 60}}}, [["s", "review"], ["review", "e"]])
    record = ShortcutRecord.model_validate({
        "id": "quick", "start": "review", "rejoin": "e", "share": 0.75, "cause": "standard",
        "task": {"name": "Quick", "labor": {"lawyer": 10}},
        "check": {"name": "Check", "labor": {"clerk": 5}}})
    move = shortcut_move(model, record)
    assert move is not None and _errors(move.model) == []
    assert cost_model(move.model).cost_per_instance == pytest.approx(725.0)
    # Made once: on the moved model the shortcut is there already.
    assert shortcut_move(move.model, record) is None


def test_a_shortcut_into_an_exclusive_gateway_leaves_the_flows_a_rebranch_names():
    # review (lawyer 60 min × 30 = 1 800), then half go to fix (clerk 20 min = 200); both
    # ways meet at the exclusive gateway 'done'. Before: 1 800 + .5 × 200 = 1 900.
    # Half take the quick review (10 min = 300) straight to 'done':
    # .5 × 300 + .5 × (1 800 + .5 × 200) = 150 + 950 = 1 100. Then fix falls to 20 %:
    # 150 + .5 × (1 800 + .2 × 200) = 1 070 (the flow ok → done is still named 'done').
    model = _model({"review": {"labor": {"lawyer": 60}}, "fix": {"labor": {"clerk": 20}}},
                   [["s", "review"], ["review", "ok"], ["ok", "done", 0.5], ["ok", "fix", 0.5],
                    ["fix", "done"], ["done", "e"]],
                   gateways={"ok": {"kind": "exclusive"}, "done": {"kind": "exclusive"}})
    short = shortcut_move(model, ShortcutRecord.model_validate({
        "id": "quick", "start": "review", "rejoin": "done", "share": 0.5, "cause": "c",
        "task": {"name": "Quick", "labor": {"lawyer": 10}}}))
    assert short is not None and _errors(short.model) == []
    assert cost_model(short.model).cost_per_instance == pytest.approx(1100.0)
    fewer = rebranch(short.model, BranchRecord(gateway="ok", cause="c",
                                               probabilities={"done": 0.8, "fix": 0.2}))
    assert fewer is not None and _errors(fewer.model) == []
    assert cost_model(fewer.model).cost_per_instance == pytest.approx(1070.0)


def test_automation_leaving_labour_using_a_library_resource_and_removing_tasks():
    # Before: prepare 20 min = 200; send 10 min + courier 600 = 700; receive the same 700:
    # 1 600. E-signature: prepare keeps 5 min (50) and one EDO document at 12 (a resource
    # of the library, not of the model); send and receive go: 62, saving 1 538.
    model = _model({"prepare": {"labor": {"clerk": 20}, "other_cost": 40},
                    "send": {"labor": {"clerk": 10}, "uses": {"courier": 1}},
                    "receive": {"labor": {"clerk": 10}, "uses": {"courier": 1}}},
                   [["s", "prepare"], ["prepare", "send"], ["send", "receive"],
                    ["receive", "e"]])
    assert cost_model(model).cost_per_instance == pytest.approx(1640.0)
    edo = PerUseResource(kind="per_use", cost_per_use=12)
    offer = AutomationOffer(name="e-signature", labor={"clerk": 5}, uses={"edo": 1},
                            other_cost=0, removes=("send", "receive"), resources={"edo": edo})
    move = automate(model, "prepare", offer=offer)
    assert _errors(move.model) == []
    assert "robot_prepare" not in move.model.resources  # no price per use: no robot
    assert set(move.model.activities) == {"prepare"}
    assert cost_model(move.model).cost_per_instance == pytest.approx(5 * 10 + 12)


def test_the_sequence_releases_the_heads_of_the_whole_change_not_the_sum_of_its_steps():
    # clerk: 4 people, 480 h a month (120 h each), 400 000 a month; 120 instances a month.
    # enter 108 + retype 30 clerk minutes: 120 × 138 = 16 560 min = 276 h = 2.3 FTE.
    # Step 1 gives the lawyer's 60 min review to the clerk (2 166.67 per instance saved):
    # 120 × 198 min = 396 h = 3.3 FTE (needs ⌈3.3⌉ = 4: no one released, not −1).
    # Step 2 drops retype: 120 × 168 min = 336 h = 2.8 FTE: ⌈3.3⌉ − ⌈2.8⌉ = 1 person.
    # Step by step that is 1 head; the whole change 2.3 → 2.8 FTE releases ⌈2.3⌉ − ⌈2.8⌉
    # = 0 (the clerks have more work than before, not less).
    model = _model(
        {"review": {"labor": {"lawyer": 60}}, "enter": {"labor": {"clerk": 108}},
         "retype": {"labor": {"clerk": 30}, "value": "waste"}},
        [["s", "review"], ["review", "enter"], ["enter", "retype"], ["retype", "e"]],
        resources={"clerk": {"kind": "labor", "headcount": 4, "cost_per_month": 400000,
                             "capacity_hours_per_month": 480},
                   "lawyer": {"kind": "labor", "rate_per_hour": 3000}}, volume=1440)
    advice = advise(model, settings=AdviceSettings(can_do={"lawyer": ["clerk"]}))
    assert [step.move.kind for step in advice.sequence] == ["reassign", "eliminate"]
    assert [step.heads_released for step in advice.sequence] == [0, 1]
    assert advice.combined is not None and advice.combined.heads_released == 0
    assert advice.combined.fte_change["clerk"] == pytest.approx(0.5)  # 2.3 → 2.8
    # The saving is the whole change's and equals the steps' sum (cost is additive).
    assert advice.combined_saving_per_instance == pytest.approx(
        sum(step.saving_per_instance for step in advice.sequence))
    total = advice_sequence_view(advice).rows[-1]
    assert total.value("heads_released") == 0 and total.value("cash_per_year") == 0


# --- the reader ----------------------------------------------------------------------------

CONTRACT = load_model(LIBRARY / "contract_approval" / "as_is.yaml")


def _problems(text: str) -> list[str]:
    advice, problems = parse_advice_text(text, name="advice.yaml", model=CONTRACT)
    assert advice is None
    return [str(p) for p in problems]


def test_reader_names_file_line_and_element_of_each_problem():
    text = ("format: abc-costing-advice/1\n"
            "process: contract_approval\n"
            "automation:\n"
            "  drafts: {name: robot, cost_per_use: 5}\n"             # 4: no such activity
            "  draft: {name: robot, cost_per_use: 5, uses: {fax: 1}}\n"  # 5: no resource
            "can_do: {lawyer: [intern]}\n"                            # 6: no such pool
            "branches:\n"
            "  - {gateway: approved, probabilities: {print_sign: 0.8, rework_merge: 0.3},\n"
            "     cause: c}\n")                                       # 8: sum 1.1
    assert _problems(text) == [
        "advice.yaml:4: automation: no activity 'drafts' in the model; did you mean 'draft'?",
        "advice.yaml:5: automation: draft.uses: no per-use resource 'fax' in the model or "
        "the library",
        "advice.yaml:6: can_do: no labour pool 'intern' in the model",
        "advice.yaml:8: approved: the probabilities after approved add up to 1.1, not 1"]


def test_reader_refuses_negative_prices_and_probabilities_outside_zero_one():
    text = ("format: abc-costing-advice/1\nprocess: contract_approval\n"
            "automation: {draft: {name: r, cost_per_use: -3}}\n"
            "risks: {legal_review: {probability: 1.5, loss: 100}}\n")
    assert _problems(text) == [
        "advice.yaml:3: automation: draft.cost_per_use: must not be negative (got -3)",
        "advice.yaml:4: risks: legal_review.probability: must be at most 1 (got 1.5)"]


def test_reader_refuses_duplicate_keys_malformed_yaml_and_another_format():
    [duplicate] = _problems("format: abc-costing-advice/1\nprocess: contract_approval\n"
                            "keep: {}\nkeep: {}\n")
    assert duplicate.startswith("advice.yaml:4: duplicate key 'keep' (first defined on line 3)")
    [malformed] = _problems("format: abc-costing-advice/1\nkeep: [unclosed\n")
    assert malformed.startswith("advice.yaml:")
    assert _problems("format: abc-costing/1\nprocess: p\n") == [
        "advice.yaml:1: format: an advice file starts with 'format: abc-costing-advice/1'; "
        "got 'abc-costing/1'"]


def test_a_library_skips_the_advice_files():
    assert not [p for p in model_files(LIBRARY) if p.name == "advice.yaml"]


# --- the workflow and the CLI --------------------------------------------------------------


def test_advise_file_reads_the_advice_beside_the_model_unless_told_not_to():
    path = LIBRARY / "zhkh_leads" / "as_is.yaml"
    with_advice = advise_file(path)
    without = advise_file(path, use_advice=False)
    assert with_advice.problems == () and without.problems == ()
    assert with_advice.advice is not None and without.advice is not None
    kinds = {r.move.kind for r in with_advice.advice.ranked}
    assert "automate" in kinds and "automate" not in {r.move.kind for r in without.advice.ranked}


def test_a_broken_advice_file_is_reported_like_a_model(tmp_path, capsys):
    bad = tmp_path / "advice.yaml"
    bad.write_text("format: abc-costing-advice/1\nprocess: zhkh_leads\n"
                   "risks: {calls: {probability: 0.1, loss: 5}}\n", encoding="utf-8")
    path = LIBRARY / "zhkh_leads" / "as_is.yaml"
    advised = advise_file(path, advice=bad)
    assert advised.advice is None
    assert [(p.file, p.line, p.element) for p in advised.problems] == [(str(bad), 3, "risks")]
    assert main(["advise", str(path), "--advice", str(bad)]) == 1
    assert "no activity 'calls' in the model; did you mean 'call'?" in capsys.readouterr().err


# --- the shipped processes -----------------------------------------------------------------


@pytest.mark.parametrize("process", sorted(BEST))
def test_the_advisor_reaches_the_best_hand_made_variant_within_ten_percent(process):
    as_is = LIBRARY / process / "as_is.yaml"
    advised = advise_file(as_is)
    assert advised.advice is not None
    # only the warnings of a release the long months of the calendar would miss
    assert all(p.severity == "warning" and p.element in advised.advice.model.resources
               and "month(s)" in p.message for p in advised.problems)
    advice = advised.advice
    best = compare_models(load_model(as_is), load_model(LIBRARY / process /
                                                         f"{BEST[process]}.yaml"))
    assert best.saving_per_year is not None and advice.combined_saving_per_year is not None
    assert advice.combined_saving_per_year >= 0.9 * best.saving_per_year
    # The combined model is valid and costs what the advisor says (the engine from scratch).
    assert _errors(advice.combined_model) == []
    assert cost_model(advice.combined_model).cost_per_instance == pytest.approx(
        cost_model(load_model(as_is)).cost_per_instance - advice.combined_saving_per_instance)
    # The table of its moves: one row per step, then the total of the whole change.
    view = advice_sequence_view(advice)
    assert [row.kind for row in view.rows] == ["item"] * len(advice.sequence) + ["total"]
    assert view.rows[-1].value("saving_per_year") == pytest.approx(
        sum(row.value("saving_per_year") for row in view.rows[:-1]))
    assert view.rows[-1].value("heads_released") == advice.combined.heads_released


def test_the_advisor_warns_of_the_months_a_released_person_is_missed_as_compare_does():
    # procurement's combined moves reach framework_template's figures and release one of the
    # three lawyers; their long months (January: 120 working hours against 164.3 on
    # average) still need more than two: the same warning `compare` gives, month by month
    from abc_costing.workflows.costing import compare_files

    advised = advise_file("process_models/procurement/as_is.yaml", top=1)
    compared = compare_files("process_models/procurement/as_is.yaml",
                             "process_models/procurement/framework_template.yaml")
    advisor_warnings = [p.message for p in advised.problems if p.element == "lawyer"]
    compare_warnings = [p.message for p in compared.problems if p.element == "lawyer"]
    assert advisor_warnings and advisor_warnings == compare_warnings
    assert "2026-01" in advisor_warnings[0] and all(
        p.severity == "warning" for p in advised.problems if p.element == "lawyer")
