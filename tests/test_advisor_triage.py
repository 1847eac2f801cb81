"""The triage move: tiers from the advice file turn a model into a case-class model."""

from __future__ import annotations

from pathlib import Path

import pytest

from abc_costing.advisor import advise, settings_from_advice, triage
from abc_costing.engine import cost_model
from abc_costing.engine.cycle_time import expected_cycle_time
from abc_costing.formats import load_model
from abc_costing.formats.advice_file import parse_advice_text
from abc_costing.model import ProcessModel
from abc_costing.model.advice import TriageRecord
from abc_costing.validation import validate_model

LIBRARY = Path(__file__).resolve().parent.parent / "process_models"
CONTRACT = load_model(LIBRARY / "contract_approval" / "as_is.yaml")

# The tiers of value_tiers.yaml's header comment: up to 500 000 RUB (60 %) only the lawyer,
# no finance review; 500 000 to 3 M (30 %) lawyer and finance; above 3 M (10 %) lawyer,
# finance and the director. Fewer approvers, fewer remarks: 25 % go back instead of 30 %.
TIERS = """
format: abc-costing-advice/1
process: contract_approval
triage:
  - id: value_tiers
    cause: "Матрица полномочий по сумме договора"
    classes:
      small:
        name: "До 500 000 ₽"
        share: 0.6
        skips: [finance_review, director_approval]
        branches: {approved: {print_sign: 0.75, rework_merge: 0.25}}
      medium:
        name: "От 500 000 ₽ до 3 млн ₽"
        share: 0.3
        skips: [director_approval]
        branches: {approved: {print_sign: 0.75, rework_merge: 0.25}}
      large:
        name: "Свыше 3 млн ₽"
        share: 0.1
        branches: {approved: {print_sign: 0.75, rework_merge: 0.25}}
"""


def _tiers():
    advice, problems = parse_advice_text(TIERS, name="advice.yaml", model=CONTRACT)
    assert problems == [] and advice is not None
    return advice


def test_contract_tiers_cost_what_the_hand_made_value_tiers_variant_costs():
    move = triage(CONTRACT, _tiers().triage[0])
    assert move is not None and move.kind == "triage"
    assert [p for p in validate_model(move.model) if p.severity == "error"] == []
    assert set(move.model.case_classes) == {"small", "medium", "large"}
    hand_made = load_model(LIBRARY / "contract_approval" / "value_tiers.yaml")
    # both costed from scratch by the exact engine, class by class
    assert cost_model(move.model).cost_per_instance == pytest.approx(
        cost_model(hand_made).cost_per_instance, rel=1e-12)
    assert expected_cycle_time(move.model).minutes == pytest.approx(
        expected_cycle_time(hand_made).minutes, rel=1e-12)
    # the needs that a skipped task breaks now point at what it needed
    assert move.model.activities["print_sign"].needs == ["legal_review", "draft"]


def test_the_triage_is_ranked_by_advise_from_the_advice_file():
    settings = settings_from_advice(_tiers())
    advice = advise(CONTRACT, settings=settings)
    [ranked] = [r for r in advice.ranked if r.move.kind == "triage"]
    hand_made = cost_model(load_model(LIBRARY / "contract_approval" / "value_tiers.yaml"))
    assert ranked.cost_per_instance == pytest.approx(hand_made.cost_per_instance, rel=1e-12)
    assert ranked.saving_per_instance == pytest.approx(
        cost_model(CONTRACT).cost_per_instance - hand_made.cost_per_instance, rel=1e-12)
    assert str(ranked.move.description) == \
        "Route by class: Матрица полномочий по сумме договора"
    assert str(ranked.move.assumptions[0]) == (
        "the class of each instance (Матрица полномочий по сумме договора) is known at the "
        "start, at no cost")


def test_a_skipped_review_by_hand():
    # review: lawyer 60 min × 30 RUB/min = 1 800 per instance. Small (60 %) skip it:
    # 0.4 × 1 800 = 720, a saving of 1 080.
    model = ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "p", "variant": "v", "volume_per_year": 100,
        "resources": {"lawyer": {"kind": "labor", "rate_per_hour": 1800}},
        "activities": {"review": {"labor": {"lawyer": 60}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "review"], ["review", "e"]]})
    record = TriageRecord.model_validate({
        "id": "tiers", "cause": "value", "classes": {
            "small": {"share": 0.6, "skips": ["review"]}, "large": {"share": 0.4}}})
    advice = advise(model, settings=settings_from_advice(_with_triage(record)))
    [ranked] = advice.ranked
    assert ranked.cost_per_instance == pytest.approx(720.0)
    assert ranked.saving_per_year == pytest.approx(1080.0 * 100)
    # made once: a model with case classes is not sorted again
    assert triage(ranked.move.model, record) is None


def _with_triage(record: TriageRecord):
    from abc_costing.model.advice import AdviceFile

    return AdviceFile.model_validate({"format": "abc-costing-advice/1", "process": "p",
                                      "triage": [record.model_dump()]})


def test_reader_names_file_line_and_element_of_a_triage_problem():
    text = ("format: abc-costing-advice/1\n"
            "process: contract_approval\n"
            "triage:\n"
            "  - id: tiers\n"
            "    cause: value\n"
            "    classes:\n"                                                   # 6: sum 0.9
            "      small: {share: 0.6, skips: [finance_reviw]}\n"               # 7: unknown
            "      large: {share: 0.3, branches: {approved: {print_sign: 1}}}\n")  # 8: missing
    advice, problems = parse_advice_text(text, name="advice.yaml", model=CONTRACT)
    assert advice is None
    assert [str(p) for p in problems] == [
        "advice.yaml:6: tiers: the shares of the classes of tiers add up to 0.9, not 1",
        "advice.yaml:7: tiers: no activity 'finance_reviw' in the model; did you mean "
        "'finance_review'?",
        "advice.yaml:8: approved: give a probability to every flow of approved; missing: "
        "rework_merge"]
