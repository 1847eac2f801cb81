"""What a log says a case cost, and what a model mined from it costs.

Every figure is worked out by hand from the rows written in each test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from abc_costing.cli import main
from abc_costing.engine import cost_model
from abc_costing.formats import parse_model_text
from abc_costing.formats.event_log import LogError, read_event_log
from abc_costing.formats.rates_table import read_rates_table
from abc_costing.mining import discover_model, trace_variants
from abc_costing.model import RateTable
from abc_costing.reports.views import variants_view
from abc_costing.simulation import simulate

CASES = Path(__file__).parent / "data" / "cases"
COST_LOG, COST_RATES = CASES / "log_with_cost.csv", CASES / "log_with_cost_rates.csv"


def _csv(folder: Path, text: str, name: str = "log.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _mined(log, rates):
    text, problems = discover_model(log, rates=rates)
    model, found = parse_model_text(text)
    assert model is not None and found == [], found
    return text, model


# --- a cost the log recorded ---------------------------------------------------------------


def test_the_recorded_cost_stands_beside_the_modelled_one():
    log = read_event_log(COST_LOG)
    (variant,) = trace_variants(log, rates=read_rates_table(COST_RATES))
    # Recorded: (500 + 12000 + 500 + 8000) / 2 = 10 500. Modelled (clerk 600/h = 10/min,
    # lawyer 2400/h = 40/min): case 1 = 10 × 10 + 30 × 40 = 1300, case 2 = 100 + 20 × 40
    # = 900; mean 1100. Unexplained: 10 500 − 1100 = 9400.
    assert (variant.recorded_cost_per_case, variant.cost_per_case,
            variant.unexplained_cost_per_case) == (10500.0, 1100.0, 9400.0)
    view = variants_view([variant], currency="RUB")
    assert view.label("recorded_cost_per_case") == "Recorded per case, RUB"
    assert view.rows[0].value("unexplained_cost_per_case") == 9400.0
    assert "fees, materials" in (view.note or "")


def test_a_log_without_costs_shows_no_recorded_columns(tmp_path):
    log = read_event_log(_csv(tmp_path, "case,activity,end\n1,a,2024-03-01 10:00\n"))
    view = variants_view(trace_variants(log), currency="RUB")
    assert "recorded_cost_per_case" not in view.keys and view.note is None


def test_the_mined_model_carries_the_unexplained_cost_as_other_cost():
    text, model = _mined(read_event_log(COST_LOG), read_rates_table(COST_RATES))
    # Регистрация: recorded 500 per execution − 10 min × 10 = 400. Проверка: recorded
    # (12000 + 8000) / 2 = 10 000 − 25 min × 40 = 9000.
    assert [a.other_cost for a in model.activities.values()] == [400.0, 9000.0]
    assert "recorded cost not explained by labour: 500.0 recorded per execution" in text
    # So the model costs what the log recorded: 500 + 10 000 = 10 500 per instance.
    assert cost_model(model).cost_per_instance == pytest.approx(10500.0, rel=1e-12)


def test_without_rates_the_recorded_cost_waits_in_a_comment(tmp_path):
    text, problems = discover_model(read_event_log(COST_LOG))
    assert "other_cost: 0.0  # recorded 500.0 per execution on average; once the rates" in text


@pytest.mark.parametrize(("written", "meant"), [
    ("1 500,50", 1500.5), ("1500.50", 1500.5), ("12000", 12000.0), ("", None)])
def test_recorded_costs_typed_as_text_follow_the_typed_number_rule(tmp_path, written, meant):
    log = read_event_log(_csv(tmp_path, f'стоимость;case;activity;end\n"{written}";1;a;'
                                        "2024-03-01 10:00\n"))
    assert log.has_cost and log.events["cost"].to_list() == [meant]


def test_an_ambiguous_recorded_cost_is_refused_at_its_row(tmp_path):
    path = _csv(tmp_path, "case,activity,end,amount\n1,a,2024-03-01 10:00,12\n"
                          '1,b,2024-03-01 11:00,"1,500"\n')
    with pytest.raises(LogError) as caught:
        read_event_log(path)
    assert caught.value.row == 2 and "'1,500' is ambiguous" in caught.value.message


def test_xes_cost_total_is_read_as_a_number(tmp_path):
    path = tmp_path / "log.xes"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<log xes.version="1.0" xmlns="http://www.xes-standard.org/"><trace>'
        '<string key="concept:name" value="1"/>'
        '<event><string key="concept:name" value="a"/><float key="cost:total" value="1500.125"/>'
        '<string key="lifecycle:transition" value="start"/>'
        '<date key="time:timestamp" value="2024-03-01T10:00:00"/></event>'
        '<event><string key="concept:name" value="a"/><float key="cost:total" value="0.875"/>'
        '<string key="lifecycle:transition" value="complete"/>'
        '<date key="time:timestamp" value="2024-03-01T10:30:00"/></event>'
        "</trace></log>\n", encoding="utf-8")
    (variant,) = trace_variants(read_event_log(path))
    # A machine number, not a typed one (1500.125 is no ambiguity there); the start's and
    # the complete's costs of one execution add up: 1500.125 + 0.875 = 1501.
    assert variant.recorded_cost_per_case == 1501.0


def test_the_cli_shows_the_recorded_cost_and_its_note(capsys):
    assert main(["variants", str(COST_LOG), "--rates", str(COST_RATES), "--json"]) == 0
    (variant,) = json.loads(capsys.readouterr().out)["variants"]
    assert (variant["recorded_cost_per_case"], variant["unexplained_cost_per_case"]) == (
        10500.0, 9400.0)
    assert main(["variants", str(COST_LOG), "--rates", str(COST_RATES)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "10,500.00" in out and "9,400.00" in out and "Recorded per case" in out


# --- an activity done by several roles -----------------------------------------------------


def test_a_mined_model_costs_what_its_log_costs_when_roles_share_an_activity(tmp_path):
    log = read_event_log(_csv(tmp_path, "case,activity,start,end,resource\n"
                                        "1,Intake,2024-03-01 09:00,2024-03-01 09:10,clerk\n"
                                        "1,Review,2024-03-01 09:30,2024-03-01 10:00,junior\n"
                                        "2,Intake,2024-03-02 09:00,2024-03-02 09:10,clerk\n"
                                        "2,Review,2024-03-02 09:30,2024-03-02 10:00,junior\n"
                                        "3,Intake,2024-03-03 09:00,2024-03-03 09:10,clerk\n"
                                        "3,Review,2024-03-03 09:30,2024-03-03 10:00,senior\n"))
    rates = RateTable.model_validate({"resources": {
        "clerk": {"kind": "labor", "rate_per_hour": 600},    # 10 per minute
        "junior": {"kind": "labor", "rate_per_hour": 1200},  # 20 per minute
        "senior": {"kind": "labor", "rate_per_hour": 3000}}})  # 50 per minute
    _, model = _mined(log, rates)
    # Review: 90 minutes, 60 by the junior (2/3) and 30 by the senior (1/3): per execution
    # 20 and 10 minutes. Booked all to the junior (its most frequent), it cost 30 × 20
    # = 600 instead of 20 × 20 + 10 × 50 = 900.
    review = model.activities["review"].labor
    assert (review["junior"].mean_minutes, review["senior"].mean_minutes) == (20.0, 10.0)
    # The log: cases 100 + 600, 100 + 600, 100 + 1500: mean 1000; so is the model.
    (variant,) = trace_variants(log, rates=rates)
    assert variant.cost_per_case == 1000.0
    assert cost_model(model).cost_per_instance == pytest.approx(variant.cost_per_case,
                                                                rel=1e-12)


# --- waiting between activities --------------------------------------------------------------


def test_the_mined_model_carries_the_observed_waits(tmp_path):
    log = read_event_log(_csv(tmp_path, "case,activity,start,end,resource\n"
                                        "1,A,2024-03-01 09:00,2024-03-01 09:10,x\n"
                                        "1,B,2024-03-01 09:40,2024-03-01 10:00,x\n"
                                        "1,C,2024-03-01 10:30,2024-03-01 10:45,x\n"
                                        "2,A,2024-03-02 09:00,2024-03-02 09:10,x\n"
                                        "2,B,2024-03-02 09:20,2024-03-02 09:40,x\n"
                                        "2,C,2024-03-02 10:50,2024-03-02 11:05,x\n"))
    text, model = _mined(log, RateTable.model_validate({"resources": {
        "x": {"kind": "labor", "rate_per_hour": 60}}}))
    # Waits: B 09:10→09:40 = 30 and 09:10→09:20 = 10, mean 20; C 10:00→10:30 = 30 and
    # 09:40→10:50 = 70, mean 50; A opens each case: 0.
    assert {a: act.wait.mean_minutes for a, act in model.activities.items()} == {
        "a": 0.0, "b": 20.0, "c": 50.0}
    # Cycle time: case 1 09:00–10:45 = 105, case 2 09:00–11:05 = 125, mean 115 = labour
    # 10 + 20 + 15 plus waits 20 + 50: every figure fixed, so every simulated case is 115.
    result = simulate(model, runs=100, rng=1)
    assert result.cycle_time_minutes.mean == pytest.approx(115.0, rel=1e-12)
    assert result.cycle_time_minutes.max == pytest.approx(115.0, rel=1e-12)


def test_waits_are_never_negative_when_work_overlaps(tmp_path):
    log = read_event_log(_csv(tmp_path, "case,activity,start,end\n"
                                        "1,A,2024-03-01 09:00,2024-03-01 10:00\n"
                                        "1,B,2024-03-01 09:30,2024-03-01 09:40\n"
                                        "1,C,2024-03-01 10:20,2024-03-01 10:30\n"))
    model, _ = parse_model_text(discover_model(log)[0].replace('"?"', "60"))  # a rate
    assert model is not None
    # B starts while A runs: 0, not −30. C waits from the latest completion, A's 10:00
    # (not B's 09:40): 20 minutes.
    assert [a.wait.mean_minutes for a in model.activities.values()] == [0.0, 0.0, 20.0]


# --- recorded costs as other tools write them (new-user trial) -----------------------------

COST_ROWS = """\
1,Регистрация,2024-01-01 09:00,2024-01-01 09:10,clerk,500{extra}
1,Проверка,2024-01-01 10:00,2024-01-01 10:30,lawyer,12000{extra}
2,Регистрация,2024-01-02 09:00,2024-01-02 09:10,clerk,500{extra}
2,Проверка,2024-01-02 10:00,2024-01-02 10:20,lawyer,8000{extra}
"""
HEADER = "case_id,activity,start_timestamp,end_timestamp,resource,"


def _variants_of(path: Path):
    from abc_costing import workflows as wf

    rates, _ = wf.read_rates(COST_RATES, source_name=COST_RATES.name)
    return wf.event_log_variants(path, source_name=path.name, rates=rates)


@pytest.mark.parametrize("cost_header", ["cost", "Costs", '"Стоимость, руб."', '"Cost (RUB)"'])
def test_a_cost_column_is_found_by_its_usual_names_with_units(tmp_path, cost_header):
    # PM4Py's running example calls it "Costs"; 1C and Bitrix24 write "Стоимость, руб.".
    found = _variants_of(_csv(tmp_path, HEADER + cost_header + "\n" + COST_ROWS.format(extra="")))
    (variant,) = found.variants
    assert found.has_recorded_cost and variant.recorded_cost_per_case == 10500.0  # as above


@pytest.mark.parametrize(("header", "extra"), [
    ("cost,currency", ",USD"),            # a currency column
    ('"Стоимость, EUR"', ""),             # the currency in the cost column's name
])
def test_a_recorded_cost_in_another_currency_is_left_out_and_said(tmp_path, header, extra):
    # The rates are roubles: 5 USD is not 5 RUB. Before, it stood as "Recorded per case, RUB".
    found = _variants_of(_csv(tmp_path, HEADER + header + "\n" + COST_ROWS.format(extra=extra)))
    (variant,) = found.variants
    assert not found.has_recorded_cost and variant.recorded_cost_per_case is None
    assert variant.cost_per_case == 1100.0  # the modelled cost stands: (1300 + 900) / 2
    [warning] = [w for w in found.warnings if "recorded cost is in" in w.message]
    assert "the rates in RUB: it is left out" in warning.message


def test_xes_cost_currency_and_a_traces_own_total_are_said(tmp_path):
    def event(name: str, ts: str, cost: str) -> str:
        return (f'<event><string key="concept:name" value="{name}"/>'
                f'<date key="time:timestamp" value="{ts}"/>'
                f'<float key="cost:total" value="{cost}"/>'
                '<string key="cost:currency" value="EUR"/></event>')

    path = tmp_path / "eur.xes"
    path.write_text('<log><trace><string key="concept:name" value="1"/>'
                    '<float key="cost:total" value="99"/>'
                    + event("A", "2024-01-01T09:00:00", "10") + event("B", "2024-01-01T09:30:00",
                                                                      "20")
                    + "</trace></log>", encoding="utf-8")
    log = read_event_log(path)
    assert log.cost_currencies == ("EUR",) and log.has_cost
    # The events carry costs (10 + 20 = 30): they are used, and the trace's 99 is said, never
    # added (before, the trace's total was only counted and never compared).
    assert log.events["cost"].sum() == 30.0
    assert any("case '1': the trace's own cost 99 (its cost:total, or its cost:drivers) differs "
               "from the sum of its events' costs 30" in p.message for p in log.problems)


def test_a_negative_recorded_cost_is_kept_and_said(tmp_path):
    text = HEADER + "cost\n" + COST_ROWS.format(extra="").replace(",8000", ",-750.25")
    log = read_event_log(_csv(tmp_path, text))
    [warning] = [p for p in log.problems if "negative" in p.message]
    assert warning.message.startswith("row 4: a recorded cost is negative (-750.25)")
    # Recorded per case: (500 + 12000 + 500 − 750.25) / 2 = 6124.875
    (variant,) = trace_variants(log, rates=read_rates_table(COST_RATES))
    assert variant.recorded_cost_per_case == pytest.approx(6124.875)
