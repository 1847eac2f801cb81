"""Costs in logs as the XES cost extension writes them: read, and written back.

Every figure is worked out by hand from the attributes written in each test.
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import polars as pl
import pytest

from abc_costing import workflows as wf
from abc_costing.cli import main
from abc_costing.formats.event_log import read_event_log
from abc_costing.formats.xes_export import write_costed_xes
from abc_costing.mining import trace_variants

CASES = Path(__file__).parent / "data" / "cases"
COST_LOG, COST_RATES = CASES / "log_with_cost.csv", CASES / "log_with_cost_rates.csv"
XES = "{http://www.xes-standard.org/}"


def _event(name: str, time: str, inner: str = "") -> str:
    return (f'<event><string key="concept:name" value="{name}"/>'
            f'<date key="time:timestamp" value="{time}"/>{inner}</event>')


def _driver(name: str, amount: str, kind: str = "labour") -> str:
    return (f'<string key="cost:driver" value="{name}"><float key="cost:amount" value="{amount}"/>'
            f'<string key="cost:type" value="{kind}"/></string>')


def _drivers(*drivers: str) -> str:
    return '<list key="cost:drivers"><values>' + "".join(drivers) + "</values></list>"


def _xes(folder: Path, *traces: str) -> Path:
    path = folder / "log.xes"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="2.0" '
                    'xmlns="http://www.xes-standard.org/"><extension name="Cost" prefix="cost" '
                    'uri="http://www.xes-standard.org/cost.xesext"/>' + "".join(traces)
                    + "</log>\n", encoding="utf-8")
    return path


TWO_CASES = (
    # Case 1: the trace alone says what it cost: 250.50, its events nothing.
    '<trace><string key="concept:name" value="1"/><float key="cost:total" value="250.50"/>'
    '<string key="cost:currency" value="RUB"/>'
    + _event("a", "2024-03-01T10:00:00") + _event("b", "2024-03-01T11:00:00") + "</trace>",
    # Case 2: its events say it, one by cost:total (40), one by its drivers only
    # (100 + 20.25); the trace's drivers (10) disagree with them and are not added.
    '<trace><string key="concept:name" value="2"/>' + _drivers(_driver("x", "10"))
    + _event("a", "2024-03-01T10:00:00", '<float key="cost:total" value="40"/>')
    + _event("b", "2024-03-01T11:00:00",
             _drivers(_driver("clerk", "100"), _driver("fee", "20.25", "fee")))
    + "</trace>")


def test_trace_and_driver_costs_give_each_case_its_recorded_cost(tmp_path):
    log = read_event_log(_xes(tmp_path, *TWO_CASES))
    per_case = log.events.group_by("case_id").agg(pl.col("cost").sum()).sort("case_id")
    # Case 1: 250.50 from the trace, booked on its last event. Case 2: 40 + (100 + 20.25)
    # = 160.25 from its events; the trace's 10 is said, never added (not 170.25).
    assert per_case["cost"].to_list() == [250.5, 160.25]
    assert log.events.filter(pl.col("case_id") == "1")["cost"].to_list() == [None, 250.5]
    assert log.cost_currencies == ("RUB",)
    said = [p.message for p in log.problems]
    assert any(m.startswith("case '2': the trace's own cost 10 (its cost:total, or its "
                            "cost:drivers) differs from the sum of its events' costs 160.25")
               for m in said)
    assert any(m.startswith("1 case(s) record their cost on the trace only") for m in said)
    # Both variants are a → b: (250.50 + 160.25) / 2 = 205.375 recorded per case.
    (variant,) = trace_variants(log)
    assert variant.recorded_cost_per_case == pytest.approx(205.375)


def test_an_event_whose_total_and_drivers_disagree_keeps_its_total(tmp_path):
    path = _xes(tmp_path, '<trace><string key="concept:name" value="1"/>'
                + _event("a", "2024-03-01T10:00:00", '<float key="cost:total" value="50"/>'
                         + _drivers(_driver("clerk", "30"), _driver("fee", "12.5", "fee")))
                + "</trace>")
    log = read_event_log(path)
    assert log.events["cost"].to_list() == [50.0]  # cost:total, not 30 + 12.5 = 42.5
    (problem,) = [p for p in log.problems if "cost:drivers" in p.message]
    assert problem.message == ("event 1: cost:total 50 differs from the sum of its "
                               "cost:drivers 42.5; cost:total is used")
    assert problem.file == str(path) and problem.severity == "warning"


def test_bad_cost_values_are_warnings_naming_the_event_and_the_trace(tmp_path):
    path = _xes(tmp_path, '<trace><string key="concept:name" value="A"/>'
                '<float key="cost:total" value="lots"/>'
                + _event("a", "2024-03-01T10:00:00", '<float key="cost:total" value="NaN"/>')
                + _event("b", "2024-03-01T11:00:00", _drivers(_driver("x", "1e999"),
                                                              _driver("y", "7")))
                + "</trace>")
    log = read_event_log(path)  # read, not refused
    # Event 1's NaN is left out; event 2 costs its one readable driver, 7.
    assert log.events["cost"].to_list() == [None, 7.0]
    said = {p.message for p in log.problems}
    assert "event 1: cannot read cost:total: 'NaN' is not a finite number; it is left out" in said
    assert "event 2: cannot read cost:amount: '1e999' is not a finite number; it is left out" \
        in said
    assert "trace 1 (case 'A'): cannot read cost:total: 'lots' is not a number; it is left out" \
        in said


# --- written back out ----------------------------------------------------------------------


def _costs_per_case(path: Path) -> dict[str, float]:
    log = read_event_log(path)
    sums = log.events.group_by("case_id").agg(pl.col("cost").sum())
    return dict(zip(sums["case_id"].cast(pl.String), sums["cost"], strict=True))


def test_a_written_xes_declares_the_extension_and_reads_back_the_same(tmp_path):
    rates, _ = wf.read_rates(COST_RATES, source_name=COST_RATES.name)
    output = tmp_path / "costs.xes"
    written = wf.write_log_costs(COST_LOG, source_name=COST_LOG.name, output=output,
                                 rates=rates)
    assert written.problems == () and written.output == output and written.traces == 2
    root = ElementTree.parse(output).getroot()  # well-formed XML
    assert {(e.get("prefix"), e.get("uri")) for e in root.iter(f"{XES}extension")} >= {
        ("cost", "http://www.xes-standard.org/cost.xesext")}
    traces = {t.find(f"{XES}string[@key='concept:name']").get("value"): t
              for t in root.iter(f"{XES}trace")}
    # Modelled (clerk 600/h = 10/min, lawyer 2400/h = 40/min): case 1 = 10 × 10 + 30 × 40
    # = 1300, case 2 = 10 × 10 + 20 × 40 = 900; each trace's cost:total is that.
    totals = {case: float(t.find(f"{XES}float[@key='cost:total']").get("value"))
              for case, t in traces.items()}
    assert totals == {"1": 1300.0, "2": 900.0}
    assert {t.find(f"{XES}string[@key='variant']").get("value") for t in traces.values()} == {
        "V1"}
    # Each complete event: the lawyer's 30 minutes of case 1 are one labour driver of 1200,
    # and the 12 000 the log recorded is kept beside it.
    lawyer = [e for e in traces["1"].iter(f"{XES}event")
              if e.find(f"{XES}string[@key='org:resource']").get("value") == "lawyer"
              and e.find(f"{XES}float[@key='cost:total']") is not None][0]
    driver = lawyer.find(f"{XES}list[@key='cost:drivers']/{XES}values/{XES}string")
    assert (driver.get("value"), driver.find(f"{XES}float").get("value"),
            driver.find(f"{XES}string[@key='cost:type']").get("value")) == (
        "lawyer", "1200.0", "labour")
    assert lawyer.find(f"{XES}float[@key='recorded_cost']").get("value") == "12000.0"
    # Read back with our reader: the same cases, each costing what its trace says, and the
    # same variant (its mean 1100 = (1300 + 900) / 2, the variants' modelled cost).
    assert _costs_per_case(output) == totals
    (variant,) = written.found.variants
    (again,) = trace_variants(read_event_log(output))
    assert again.activities == variant.activities and again.case_count == 2
    assert again.recorded_cost_per_case == variant.cost_per_case == 1100.0


def test_a_model_less_run_writes_the_recorded_cost_only(tmp_path):
    output = tmp_path / "recorded.xes"
    written = wf.write_log_costs(COST_LOG, source_name=COST_LOG.name, output=output)
    text = output.read_text(encoding="utf-8")
    assert written.problems == () and "cost:drivers" not in text and "recorded_cost" not in text
    # Recorded: case 1 = 500 + 12 000, case 2 = 500 + 8000.
    assert _costs_per_case(output) == {"1": 12500.0, "2": 8500.0}


def test_a_written_parquet_reads_back_with_polars(tmp_path):
    rates, _ = wf.read_rates(COST_RATES, source_name=COST_RATES.name)
    output = tmp_path / "variants.parquet"
    written = wf.write_log_costs(COST_LOG, source_name=COST_LOG.name, output=output,
                                 rates=rates)
    assert written.problems == () and written.traces == 1
    row = pl.read_parquet(output).row(0, named=True)
    # As above: 1100 modelled, (12 500 + 8500) / 2 = 10 500 recorded, 2 × 1100 = 2200 in all.
    assert row == {"variant": "V1", "activities": ["Регистрация", "Проверка"],
                   "case_count": 2, "share": 1.0,
                   "mean_cycle_time_minutes": 85.0,  # (90 + 80) / 2
                   "mean_labor_minutes": 35.0,  # (10 + 30 + 10 + 20) / 2
                   "cost_per_case": 1100.0, "fits_design": None,
                   "recorded_cost_per_case": 10500.0, "total_cost": 2200.0,
                   "unexplained_cost_per_case": 9400.0, "currency": "RUB"}


HOSTILE = ["<script>&amp;", 'кавычки " и \' апостроф', "tab\there\nnewline", "bell\x07"]


def test_hostile_names_are_escaped_and_come_back(tmp_path):
    events = pl.DataFrame({
        "case_id": ["c<1>&", "c<1>&", "c<1>&", "c<1>&"], "activity": HOSTILE,
        "start_ts": [None] * 4,
        "end_ts": [datetime.datetime(2024, 3, 1, h) for h in (9, 10, 11, 12)],
        "resource": ["Иванов & сыновья", None, None, None],
        "cost": [1.25, 2.5, None, 4.0]}, schema_overrides={"start_ts": pl.Datetime("us")})
    path = tmp_path / "hostile.xes"
    written = write_costed_xes(path, events, currency="RUB", log_name="<лог>")
    assert (written.traces, written.events, written.replaced_characters) == (1, 4, 1)
    ElementTree.parse(path)  # well-formed despite the markup in every name
    log = read_event_log(path)
    # Each name as it was, but the bell (XML 1.0 cannot carry it) comes back as U+FFFD.
    assert log.events["activity"].cast(pl.String).to_list() == [*HOSTILE[:3], "bell\ufffd"]
    assert log.events["case_id"].cast(pl.String).unique().to_list() == ["c<1>&"]
    assert log.events["resource"].cast(pl.String)[0] == "Иванов & сыновья"
    # Recorded 1.25 + 2.5 + 4 = 7.75; the trace says the same (an event without one counts 0).
    assert log.events["cost"].sum() == 7.75
    assert not [p for p in log.problems if "differs" in p.message]


def test_writing_replaces_the_file_only_once_complete(tmp_path):
    output = tmp_path / "costs.xes"
    output.write_text("old", encoding="utf-8")
    bad = pl.DataFrame({"case_id": ["1"], "activity": ["a"], "start_ts": [None],
                        "end_ts": ["not a time"], "resource": [None]})
    with pytest.raises(pl.exceptions.PolarsError):
        write_costed_xes(output, bad, currency="RUB", log_name="x")
    assert output.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["costs.xes"]  # no temporary file left


def test_the_cli_writes_the_variants_and_refuses_an_unknown_output(tmp_path, capsys):
    output = tmp_path / "v.parquet"
    assert main(["variants", str(COST_LOG), "--rates", str(COST_RATES), "-o", str(output)]) == 0
    assert pl.read_parquet(output)["cost_per_case"].to_list() == [1100.0]
    assert f"wrote {output}" in capsys.readouterr().out
    assert main(["variants", str(COST_LOG), "-o", str(tmp_path / "v.txt")]) == 1
    assert "the variants are written as .xes, .parquet, not .txt" in capsys.readouterr().err


def test_a_log_with_no_cost_and_no_rates_writes_its_cases_without_costs(tmp_path):
    """Nothing priced and nothing recorded: the cases and variants are written, with no
    cost:total anywhere (this crashed in Polars, a literal null grouped by case)."""
    log = tmp_path / "plain.csv"
    log.write_text("case,activity,start,end\n"
                   "1,a,2024-03-01 10:00,2024-03-01 10:30\n1,b,2024-03-01 11:00,2024-03-01 11:10\n"
                   "2,a,2024-03-02 10:00,2024-03-02 10:20\n", encoding="utf-8")
    output = tmp_path / "plain.xes"
    written = wf.write_log_costs(log, source_name=log.name, output=output)
    assert written.problems == () and written.traces == 2
    assert "cost:total" not in output.read_text(encoding="utf-8")
    back = trace_variants(read_event_log(output))
    # minutes 30 + 10 = 40 for case 1 (a, b), 20 for case 2 (a): as from the CSV
    assert sorted((v.activities, v.case_count, v.mean_labor_minutes) for v in back) == [
        (("a",), 1, 20.0), (("a", "b"), 1, 40.0)]
