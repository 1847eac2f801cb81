"""The parallelise move through the advisor, and each move's change of the expected cycle time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from abc_costing.advisor import advise, parallelise_moves
from abc_costing.cli import main
from abc_costing.engine import cost_model
from abc_costing.engine.cycle_time import expected_cycle_time
from abc_costing.formats import load_model
from abc_costing.model import ProcessModel
from abc_costing.reports.views import advice_view, faster_moves_view

ROOT = Path(__file__).resolve().parent.parent
SUPPLIER = ROOT / "process_models" / "supplier_invoice" / "as_is.yaml"


def _model(*, clerk_headcount: float | None = 3, same_pool: bool = False,
           needs: bool = True) -> ProcessModel:
    # a (clerk 30 min) then b (admin, or clerk, 45 min), then c, which needs both.
    clerk: dict[str, object] = {"kind": "labor", "rate_per_hour": 600}
    if clerk_headcount is not None:
        clerk |= {"headcount": clerk_headcount, "capacity_hours_per_month": 120 * clerk_headcount}
    return ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "p", "variant": "v", "volume_per_year": 1000,
        "resources": {"clerk": clerk, "admin": {"kind": "labor", "rate_per_hour": 480}},
        "activities": {"a": {"labor": {"clerk": 30}},
                       "b": {"labor": {"clerk" if same_pool else "admin": 45}},
                       "c": {"labor": {"clerk": 5}, "needs": ["a", "b"] if needs else []}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "a"], ["a", "b"], ["b", "c"], ["c", "e"]]})


def test_two_independent_tasks_of_30_and_45_min_cost_the_same_and_take_30_min_less():
    # In a row: 30 + 45 + 5 = 80 min; side by side: max(30, 45) + 5 = 50 min, 30 min less.
    # Cost: a 30 min × 10 + b 45 min × 8 + c 5 min × 10 = 300 + 360 + 50 = 710, either way.
    model = _model()
    advice = advise(model)
    assert advice.cost_per_instance == pytest.approx(710.0)
    assert advice.cycle_time is not None and advice.cycle_time.minutes == pytest.approx(80.0)
    [faster] = advice.faster
    assert faster.move.kind == "parallelise" and faster.move.elements == ("a", "b")
    assert faster.cost_per_instance == pytest.approx(advice.cost_per_instance, abs=1e-9)
    assert cost_model(faster.move.model).cost_per_instance == pytest.approx(710.0)
    assert faster.saving_per_instance == pytest.approx(0.0, abs=1e-9)
    assert faster.cycle_minutes == pytest.approx(50.0)
    assert faster.cycle_change_minutes == pytest.approx(-30.0)
    assert faster.cycle_exact is True  # fixed durations, no choice inside the block
    # kept out of the money ranking, which it would only clutter with a saving of 0
    assert all(r.move.kind != "parallelise" for r in advice.ranked)
    assert all(r.move.kind != "parallelise" for r in advice.sequence)
    # the assumptions name the tasks and who does them
    said = [str(a) for a in faster.move.assumptions]
    assert said[0] == "a, b need nothing from each other (as their needs say) and can run " \
                      "at the same time"
    assert "no needs stated for a, b: taken to need nothing from the tasks beside them" in said
    assert "different people do them: no two of them use the same pool" in said


def test_one_pool_of_several_people_is_an_assumption_of_one_person_no_move():
    shared = advise(_model(same_pool=True)).faster[0].move.assumptions
    assert "different people of clerk (3 in all) do a, b at the same time" in \
        [str(a) for a in shared]
    unknown = advise(_model(same_pool=True, clerk_headcount=None)).faster[0].move.assumptions
    assert "clerk has people to do a, b at the same time (its headcount is not stated)" in \
        [str(a) for a in unknown]
    # One clerk cannot do both at once: not proposed, and the advice says why.
    alone = advise(_model(same_pool=True, clerk_headcount=1))
    assert alone.faster == ()
    assert [str(n) for n in alone.notes] == [
        "a, b are not run side by side: they need the one person of clerk"]


def test_a_model_with_no_needs_gets_no_parallelise_move_and_a_note_why():
    model = _model(needs=False)
    moves, notes = parallelise_moves(model)
    assert moves == [] and len(notes) == 1
    advice = advise(model)
    assert advice.faster == () and advice.notes == tuple(notes)
    assert str(notes[0]).startswith("No task runs side by side: the model states no needs")


def test_supplier_invoice_posting_and_filing_side_by_side_by_hand():
    # close_posting (ap_accountant 3 min) then file_originals (office_admin 3 min), no
    # waits: 6 min in a row, max(3, 3) = 3 side by side, 3 min less per pass. They run
    # once for each invoice paid: every pass of the match pays 80 %, sends 17 % round
    # again and rejects 3 %, so 0.8 / (1 − 0.17) of the invoices get there:
    # 3 × 0.8 / 0.83 = 2.891566 min less per invoice.
    model = load_model(SUPPLIER)
    advice = advise(model, top=1)
    [faster] = [r for r in advice.faster if r.move.elements == ("close_posting",
                                                                 "file_originals")]
    gain = 3 * 0.8 / 0.83
    assert faster.cycle_change_minutes == pytest.approx(-gain, rel=1e-9)
    assert faster.cost_per_instance == pytest.approx(advice.cost_per_instance, rel=1e-12)
    # the figure is the engine's on the moved model, minus the model's
    before = expected_cycle_time(model)
    after = expected_cycle_time(faster.move.model)
    assert faster.cycle_minutes == after.minutes
    assert after.minutes - before.minutes == pytest.approx(-gain, rel=1e-9)
    # a lognormal wait inside the approvals block: both figures are "at least"
    assert not before.exact and faster.cycle_exact is False
    view = faster_moves_view(advice)
    assert view.rows[0].value("cycle_time") == \
        "-2.9 min (to at least 4 days 5 hr 38 min)"  # 6 100.49 − 2.89 = 6 097.60 min = 4 × 1440 + 337.6: days of 24 h


def test_ranked_moves_and_the_sequence_carry_their_cycle_time_change():
    # a move shown gets its moved model's cycle time; its change is after − before
    model = load_model(SUPPLIER)
    advice = advise(model, top=2)
    base = expected_cycle_time(model).minutes
    for ranked in advice.ranked[:2]:
        after = expected_cycle_time(ranked.move.model)
        assert ranked.cycle_minutes == after.minutes and ranked.cycle_exact == after.exact
        assert ranked.cycle_change_minutes == pytest.approx(after.minutes - base)
    assert all(r.cycle_minutes is None for r in advice.ranked[2:])  # not shown: not worked out
    # each step's change is over the model after the steps before it, so they add up
    # to the whole sequence's change
    assert advice.combined is not None and advice.combined.cycle_change_minutes is not None
    assert sum(s.cycle_change_minutes or 0.0 for s in advice.sequence) == pytest.approx(
        advice.combined.cycle_change_minutes)
    assert advice.combined.cycle_minutes == pytest.approx(
        expected_cycle_time(advice.combined_model).minutes)
    row = advice_view(advice, top=2).rows[0]
    assert row.value("cycle_time_change_minutes") == advice.ranked[0].cycle_change_minutes


def test_cli_json_has_the_cycle_time_fields_and_the_faster_table(capsys):
    assert main(["--lang", "en", "advise", str(SUPPLIER), "--top", "1", "--json"]) == 0
    tables = json.loads(capsys.readouterr().out)
    assert set(tables) == {"advice", "advice_sequence", "faster_moves", "rejected_moves"}
    first = tables["advice"][0]
    assert {"cycle_time", "cycle_time_change_minutes", "cycle_minutes_after",
            "cycle_time_exact"} <= set(first)
    assert first["cycle_time_exact"] is False
    [faster] = tables["faster_moves"]
    assert faster["kind"] == "parallelise"
    assert faster["cycle_time_change_minutes"] == pytest.approx(-3 * 0.8 / 0.83)


def test_cli_prints_the_note_of_a_model_with_no_needs(tmp_path, capsys):
    import yaml

    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_model(needs=False).model_dump(mode="json",
                                                                 exclude_defaults=True)),
                    encoding="utf-8")
    assert main(["--lang", "en", "advise", str(path), "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert len(notes) == 1 and notes[0].startswith("No task runs side by side")
