"""The advisor: moves, exact knock-out ordering, in-memory evaluation, guards, ranking."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abc_costing.advisor import (
    AdviceSettings,
    AutomationOffer,
    CompiledModel,
    advise,
    automate,
    candidate_moves,
    eliminate,
    knockout_chains,
    merge,
    reassign,
)
from abc_costing.advisor.knockout import best_order, order_cost, textbook_order
from abc_costing.engine import cost_model
from abc_costing.formats import load_model
from abc_costing.model import ProcessModel
from abc_costing.synthetic import random_model
from abc_costing.validation import validate_model

KNOCKOUT = Path(__file__).parent / "data" / "knockout_checks.yaml"


def test_knockout_written_order_costs_as_worked_out_by_hand():
    # 30 RUB a minute. Cost per execution: kyc 15 × 30 = 450; credit 40 × 30 + 300 = 1 500;
    # docs 300; fraud 750 + 150 = 900; limits 150; collateral 1 800 + 500 = 2 300;
    # approval 300. Reached by: 1, .95, .95 × .8 = .76, .684, .62928, .6166944, then
    # .6166944 × .85 = .52419024 reach the approval:
    # 450 + 1 425 + 228 + 615.6 + 94.392 + 1 418.39712 + 157.257072 = 4 388.646192
    model = load_model(KNOCKOUT)
    assert cost_model(model).cost_per_instance == pytest.approx(4388.646192, abs=1e-6)
    [chain] = knockout_chains(model)
    assert [c.activity for c in chain.checks] == ["kyc", "credit", "docs", "fraud", "limits",
                                                   "collateral"]
    # What the chain costs per instance entering it, written order: all but the approval.
    assert order_cost(chain, range(6)) == pytest.approx(4388.646192 - 157.257072, abs=1e-6)


def test_knockout_best_of_all_720_orders_is_the_textbook_order():
    # Effort ÷ rejection: docs 300/.1 = 3 000, credit 1 500/.2 = 7 500, limits 150/.02 = 7 500,
    # kyc 450/.05 = 9 000, fraud 900/.08 = 11 250, collateral 2 300/.15 ≈ 15 333.
    # docs → credit → limits → kyc → fraud → collateral:
    # 300 + .9 × 1 500 + .72 × 150 + .7056 × 450 + .670320 × 900 + .6166944 × 2 300
    # = 300 + 1 350 + 108 + 317.52 + 603.288 + 1 418.39712 = 4 097.20512; + approval
    # 157.257072 = 4 254.462192 (the approval is reached as often in any order).
    model = load_model(KNOCKOUT)
    [chain] = knockout_chains(model)
    order, exact = best_order(chain)
    assert exact
    assert order_cost(chain, order) == pytest.approx(4097.20512, abs=1e-6)
    # credit and limits tie at 7 500: either order of the two costs the same
    assert order_cost(chain, textbook_order(chain)) == pytest.approx(4097.20512, abs=1e-6)
    advice = advise(model)
    best = advice.ranked[0]
    assert best.move.kind == "reorder"
    assert best.cost_per_instance == pytest.approx(4254.462192, abs=1e-6)
    assert cost_model(best.move.model).cost_per_instance == pytest.approx(4254.462192, abs=1e-6)
    # 134.184 per case × 10 000 cases a year
    assert best.saving_per_year == pytest.approx(1_341_840, abs=1e-3)
    assert "the textbook order (effort ÷ rejection probability, ascending) is the exact " \
           "optimum here" in best.move.assumptions
    assert [step.move.description for step in advice.sequence] == [best.move.description]


def test_knockout_move_one_check_earlier():
    # docs before kyc: 300 + .9 × 450 + .855 × 1 500 + .684 × 900 + ... = written − 115.5:
    # only the first three terms change: 450 + 1 425 + 228 = 2 103 becomes
    # 300 + 405 + 1 282.5 = 1 987.5.
    model = load_model(KNOCKOUT)
    moves = {m.description: m for m in candidate_moves(model)}
    moved = moves["Move check Documents before KYC"].model
    assert cost_model(moved).cost_per_instance == pytest.approx(4388.646192 - 115.5, abs=1e-6)


AUTOMATION = {
    "format": "abc-costing/1", "process": "invoices", "variant": "as_is",
    "volume_per_year": 12000,
    "resources": {"clerk": {"kind": "labor", "rate_per_hour": 900}},
    "activities": {"enter": {"labor": {"clerk": 10}}, "pay": {"labor": {"clerk": 4}}},
    "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    "flows": [["s", "enter"], ["enter", "pay"], ["pay", "e"]]}


def test_automation_saving_by_hand():
    # enter: 10 min × 15 RUB/min = 150 per invoice. A robot at 20 per use plus 120 000 a year
    # over 12 000 uses (10 per use); 5 % of its entries wrong and fixed by hand in 4 min
    # (60 RUB): 20 + 10 + .05 × 60 = 33 per invoice, saving 150 − 33 = 117 per invoice,
    # 1 404 000 a year.
    model = ProcessModel.model_validate(AUTOMATION)
    offer = AutomationOffer(cost_per_use=20, licence_per_year=120_000, error_rate=0.05,
                            fix_minutes=4)
    advice = advise(model, settings=AdviceSettings(automation={"enter": offer}))
    [ranked] = [r for r in advice.ranked if r.move.kind == "automate"]
    assert validate_model(ranked.move.model) == []
    assert ranked.saving_per_instance == pytest.approx(117.0, abs=1e-9)
    assert ranked.saving_per_year == pytest.approx(1_404_000, abs=1e-6)
    assert cost_model(ranked.move.model).cost_per_instance == pytest.approx(
        (10 + 4) * 15 - 117, abs=1e-9)


def test_automation_redone_by_the_robot_spreads_the_licence_over_more_uses():
    # errors redone: the task runs 1 / (1 − .2) = 1.25 times, 15 000 uses a year, so the
    # licence is 120 000 / 15 000 = 8 per use; 1.25 × (20 + 8) = 35 per invoice.
    model = ProcessModel.model_validate(AUTOMATION)
    move = automate(model, "enter", offer=AutomationOffer(
        cost_per_use=20, licence_per_year=120_000, error_rate=0.2, errors_go_back=True))
    assert validate_model(move.model) == []
    assert cost_model(move.model).activity("enter").cost_per_instance == pytest.approx(35.0)


def test_capacity_guard_rejects_a_move_that_overloads_a_pool():
    # The lawyer's 60 min of review go to the paralegal, whose pool has 100 h a month:
    # 1 200 a year = 100 a month × (60 + 10) min = 7 000 min = 116.7 h > 100 h.
    model = ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "contracts", "variant": "as_is",
        "volume_per_year": 1200,
        "resources": {"lawyer": {"kind": "labor", "rate_per_hour": 3000},
                      "paralegal": {"kind": "labor", "cost_per_month": 100_000,
                                    "capacity_hours_per_month": 100}},
        "activities": {"review": {"labor": {"lawyer": 60}},
                       "file": {"labor": {"paralegal": 10}}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "review"], ["review", "file"], ["file", "e"]]})
    advice = advise(model, settings=AdviceSettings(can_do={"lawyer": ["paralegal"]}))
    [rejected] = advice.rejected
    assert rejected.move.kind == "reassign"
    assert rejected.reasons == ("overloads paralegal: 116.7 h a month against a practical "
                                "capacity of 100.0 h",)
    assert all(r.move.kind != "reassign" for r in advice.ranked)


def test_a_move_that_breaks_validation_is_rejected_with_the_reason():
    # Eliminating the only task leaves start -> end: valid. Eliminating a task whose
    # incoming flow is a parallel split's only way to the join would leave an empty
    # branch, which validation accepts too; so a broken move is made by hand here.
    model = ProcessModel.model_validate(AUTOMATION)
    broken = eliminate(model, "enter")
    broken = type(broken)("eliminate", ("enter",), broken.model.model_copy(
        update={"flows": broken.model.flows[1:]}), broken.description)
    from abc_costing.advisor.ranking import _judged

    judged = _judged(CompiledModel(model), broken, validate=True, other_minutes_per_month={})
    assert judged.reasons  # type: ignore[union-attr]
    assert any("start event" in reason for reason in judged.reasons)  # type: ignore[union-attr]


def test_merge_keeps_the_cost_unless_setup_minutes_are_saved():
    # enter 10 + pay 4 by one clerk: merged 14 min, the same 210 per invoice; with 2 set-up
    # minutes saved 12 min = 180.
    model = ProcessModel.model_validate(AUTOMATION)
    assert cost_model(merge(model, "enter", "pay").model).cost_per_instance == pytest.approx(210)
    saved = merge(model, "enter", "pay", setup_minutes_saved=2).model
    assert validate_model(saved) == []
    assert cost_model(saved).cost_per_instance == pytest.approx(180)


def test_reassign_says_who_is_assumed_to_do_the_task():
    model = ProcessModel.model_validate({
        **AUTOMATION, "resources": {"clerk": {"kind": "labor", "rate_per_hour": 900},
                                    "junior": {"kind": "labor", "rate_per_hour": 600}}})
    move = reassign(model, "enter", from_pool="clerk", to_pool="junior")
    assert move.assumptions == ("junior can do enter as well as clerk, in the same time",)
    # 10 min at 10 RUB instead of 15: 150 − 100 = 50 saved
    assert cost_model(model).cost_per_instance - cost_model(move.model).cost_per_instance \
        == pytest.approx(50)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_activities=st.integers(2, 30))
def test_fast_evaluation_equals_cost_model_on_every_moved_model(seed, n_activities):
    rng = np.random.default_rng(seed)
    model = ProcessModel.model_validate(random_model(rng, n_activities=n_activities,
                                                     n_resources=5))
    ids = list(model.activities)
    chosen = [ids[i] for i in rng.choice(len(ids), size=min(3, len(ids)), replace=False)]
    offers = {chosen[0]: AutomationOffer(cost_per_use=7.5, licence_per_year=1000,
                                         error_rate=0.1)}
    if len(chosen) > 1:
        offers[chosen[1]] = AutomationOffer(cost_per_use=3, error_rate=0.3,
                                            errors_go_back=True)
    risks = {chosen[-1]: (0.05, 2000.0)}
    labour = [r for r in model.resources if r.startswith("r")]
    can_do = {pool: labour for pool in labour}
    compiled = CompiledModel(model)
    moves = candidate_moves(model, settings=AdviceSettings(automation=offers, risks=risks,
                                                           can_do=can_do,
                                                           setup_minutes_saved=1.5),
                            executions=compiled.base.executions)
    assert {"automate", "eliminate"} <= {m.kind for m in moves}
    for move in moves:
        if any(p.severity == "error" for p in validate_model(move.model)):
            continue
        fast = compiled.evaluate(move.model)
        exact = cost_model(move.model)
        assert math.isclose(fast.cost_per_instance, exact.cost_per_instance,
                            rel_tol=1e-9, abs_tol=1e-9), move.description
        for resource in exact.resources:
            if resource.kind == "labor":
                assert math.isclose(fast.minutes_by_pool.get(resource.id, 0.0),
                                    resource.minutes_per_instance, rel_tol=1e-9, abs_tol=1e-9)


def test_cli_advise_json_ranks_the_knockout_example(capsys):
    import json

    from abc_costing.cli import main

    assert main(["--lang", "en", "advise", str(KNOCKOUT), "--top", "2", "--json"]) == 0
    tables = json.loads(capsys.readouterr().out)
    assert [len(tables[name]) for name in ("advice", "advice_sequence", "rejected_moves")] \
        == [2, 2, 0]  # two moves shown; one combined move and its total; none refused
    first = tables["advice"][0]
    assert first["kind"] == "reorder"
    # written 4 388.646192 − best 4 254.462192 = 134.184 a case, × 10 000 cases
    assert first["saving_per_year"] == pytest.approx(1_341_840, abs=1e-3)
    assert tables["advice_sequence"][-1]["cost_per_instance"] == pytest.approx(4254.462192)


def test_cli_advise_can_do_adds_cheaper_pool_moves(capsys):
    import json

    from abc_costing.cli import main

    model = Path(__file__).parent / "data" / "knockout_checks.yaml"
    assert main(["advise", str(model), "--json", "--can-do", "analyst=nobody"]) == 0
    captured = capsys.readouterr()
    assert "nobody" in captured.err  # a pool the model does not have: a warning
    assert all(row["kind"] != "reassign" for row in json.loads(captured.out)["advice"])


def test_fast_evaluation_mixes_case_classes_like_cost_model():
    # value_tiers routes each value tier its own way (case classes): the advisor's
    # in-memory figures must mix the classes' routings by share exactly as the engine does.
    model = load_model(Path("process_models/contract_approval/value_tiers.yaml"))
    assert model.case_classes
    compiled = CompiledModel(model)
    assert math.isclose(compiled.base.cost_per_instance, cost_model(model).cost_per_instance,
                        rel_tol=1e-12)
    offers = {activity_id: AutomationOffer(cost_per_use=50, error_rate=0.2)
              for activity_id in list(model.activities)[:3]}
    moves = candidate_moves(model, settings=AdviceSettings(automation=offers),
                            executions=compiled.base.executions)
    assert moves
    for move in moves:
        if any(p.severity == "error" for p in validate_model(move.model)):
            continue
        assert math.isclose(compiled.evaluate(move.model).cost_per_instance,
                            cost_model(move.model).cost_per_instance, rel_tol=1e-9), \
            move.description
