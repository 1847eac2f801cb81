"""Event logs and process mining: tests/data/logs/contracts.csv worked by hand.

The log (5 cases, rows deliberately out of time order in the file):

    c1  Приём 10 min (Иванова) → Проверка 30 (Петров) → Одобрение 5 (Сидоров)
    c2  Приём 20 → Проверка 60 (Петров) → Проверка 30 (Сидоров) → Одобрение 10
    c3  Приём 15 → Проверка 45 → Отказ 20
    c4  Приём 10 → Проверка 30 → Одобрение 5
    c5  Приём 20 → Проверка 45 → Одобрение 10

Rates (rates.yaml): Иванова 600/h = 10/min, Петров 3000/h = 50/min, Сидоров 6000/h = 100/min.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abc_costing.cli import main
from abc_costing.engine import cost_model
from abc_costing.formats import load_model, parse_model_text, parse_yaml_data
from abc_costing.formats.event_log import LogError, read_event_log
from abc_costing.mining import conformance, discover_model, fits_model, trace_variants

LOGS = Path(__file__).parent / "data" / "logs"
CSV, XES, RATES = LOGS / "contracts.csv", LOGS / "contracts.xes", LOGS / "rates.yaml"
INTAKE, REVIEW, APPROVE, REJECT = "Приём заявки", "Проверка договора", "Одобрение", "Отказ"
EVENT_COLUMNS = ["case_id", "activity", "start_ts", "end_ts", "resource"]


@pytest.fixture(scope="module")
def rates():
    return load_model(RATES)


@pytest.fixture(scope="module")
def log():
    return read_event_log(CSV)


def _parquet(tmp_path: Path) -> Path:
    # Typed timestamps, as a warehouse export would have them.
    target = tmp_path / "contracts.parquet"
    frame = pl.read_csv(CSV, separator=";", infer_schema=False)
    frame.select(
        pl.col("Case_ID").alias("case:concept:name"), pl.col("Activity").alias("concept:name"),
        pl.col("Start_Timestamp").str.to_datetime().alias("start_timestamp"),
        pl.col("End_Timestamp").str.to_datetime().alias("time:timestamp"),
        pl.col("Resource").alias("org:resource"),
    ).write_parquet(target)
    return target


def _events(log) -> list[tuple]:
    return log.events.select(pl.col(EVENT_COLUMNS[:2]).cast(pl.String), *EVENT_COLUMNS[2:4],
                             pl.col("resource").cast(pl.String)).sort(EVENT_COLUMNS).rows()


# --- reading -----------------------------------------------------------------------------


def test_csv_with_bom_and_semicolons_is_read(log):
    assert (log.event_count, log.case_count, log.has_start, log.has_resource) == (16, 5, True, True)


def test_xes_and_parquet_read_the_same_events_as_csv(log, tmp_path):
    expected = _events(log)
    for path in (XES, _parquet(tmp_path)):
        assert _events(read_event_log(path)) == expected, path.name


def test_explicit_column_names(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Сделка,Этап,Когда\n1,Звонок,01.03.2024 10:00\n1,Встреча,01.03.2024 12:30\n",
                    encoding="utf-8")
    log = read_event_log(path, case="Сделка", activity="Этап", end="Когда")
    assert (log.event_count, log.has_start, log.has_resource) == (2, False, False)
    # One timestamp: the second activity lasts from the first completion, 150 min.
    (variant,) = trace_variants(log)
    assert variant.mean_labor_minutes == 150.0


@pytest.mark.parametrize(("text", "words"), [
    ("case,task,resource\n1,a,x\n", ["missing column for end time", "case, task, resource"]),
    ("case,activity,end\n1,a,2024-03-01 10:00\n2,b,вчера\n", ["row 2", "'вчера'"]),
    ("case,activity,start,end\n1,a,2024-03-01 10:00,2024-03-01 11:00\n"
     "1,b,2024-03-01 12:00,2024-03-01 11:59\n", ["row 2", "before the start time"]),
    ("case,activity,end\n", ["no events"]),
    ("case,activity,end\n1,,2024-03-01 10:00\n", ["row 1", "activity is empty"]),
])
def test_bad_csv_logs_name_the_row(tmp_path, text, words):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LogError) as caught:
        read_event_log(path)
    for word in words:
        assert word in str(caught.value)


def test_xes_with_a_doctype_is_refused(tmp_path):
    path = tmp_path / "bomb.xes"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY a "aaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
                    '<log><trace><event><string key="concept:name" value="&b;"/></event>'
                    '</trace></log>', encoding="utf-8")
    with pytest.raises(LogError, match="DOCTYPE"):
        read_event_log(path)


def test_xes_size_limit_and_malformed_xml(tmp_path):
    with pytest.raises(LogError, match="limit"):
        read_event_log(XES, max_xes_bytes=1000)
    broken = tmp_path / "broken.xes"
    broken.write_text("<log><trace><event></trace></log>", encoding="utf-8")
    with pytest.raises(LogError, match="malformed XML"):
        read_event_log(broken)


# --- discovery ---------------------------------------------------------------------------


def test_discovered_probabilities_are_the_observed_shares(log, rates):
    text, problems = discover_model(log, process="contracts", variant="mined", rates=rates)
    assert problems == []
    model, _ = parse_model_text(text)
    assert model is not None
    flows = {(f.source, f.target): f.probability for f in model.flows}
    # Проверка ran 6 times: followed by Одобрение 4, Отказ 1, itself 1 (rework).
    after = "after_проверка_договора"
    assert flows[(after, "одобрение")] == pytest.approx(4 / 6, abs=1e-10)
    assert flows[(after, "отказ")] == pytest.approx(1 / 6, abs=1e-10)
    assert flows[(after, "rework_проверка_договора")] == pytest.approx(1 / 6, abs=1e-10)
    # Exactly 1 in the 10 decimals written (0.6666666666 + 0.1666666667 + 0.1666666667),
    # not just within tolerance.
    assert sum(round(p * 10**10) for (s, _), p in flows.items() if s == after) == 10**10
    # The rework loop re-enters through the merge gateway, never activity → itself.
    assert ("rework_проверка_договора", "проверка_договора") in flows
    assert ("приём_заявки", "rework_проверка_договора") in flows


def test_discovered_durations_and_cost_per_instance(log, rates):
    text, _ = discover_model(log, rates=rates)
    model, problems = parse_model_text(text)
    assert model is not None and problems == []
    review = model.activities["проверка_договора"].labor
    # Проверка: 40 min per execution ((30 + 60 + 30 + 45 + 30 + 45) / 6), of which Петров
    # spent 210 of the 240 minutes (7/8) and Сидоров 30 (1/8): 35 and 5 min per execution.
    assert review["lawyer"].distribution == "lognormal"
    assert review["lawyer"].mean_minutes == 35.0 and review["сидоров"].mean_minutes == 5.0
    assert model.activities["отказ"].labor["сидоров"].mean_minutes == 20.0  # one observation
    # Hand figure: Приём 1 × 15 min × 10 = 150; Проверка 6/5 × (35 × 50 + 5 × 100) = 2700;
    # Одобрение 4/5 × 7.5 × 100 = 600; Отказ 1/5 × 20 × 100 = 400; total 3850 — the log's
    # own mean cost per case: (2100 + 7200 + 4400 + 2100 + 3450) / 5 = 3850. (Booking all
    # of Проверка to Петров, its most frequent resource, gave 3550: 7.8 % short.)
    # Probabilities are rounded to 4 decimals, hence the tolerance.
    assert cost_model(model).cost_per_instance == pytest.approx(3850.0, rel=1e-4)


def test_without_rates_the_rates_are_placeholders(log):
    text, problems = discover_model(log)
    assert 'rate_per_hour: "?"' in text
    assert {p.element for p in problems} == {"иванова", "петров", "сидоров"}
    assert all("rate_per_hour" in p.message for p in problems)


def test_the_discovered_model_fits_its_own_log(log, rates):
    text, _ = discover_model(log, rates=rates)
    model, _ = parse_model_text(text)
    assert all(fits_model(v.activities, model) for v in trace_variants(log))


# --- variants ------------------------------------------------------------------------------


def test_variants_counts_shares_costs_by_hand(log, rates):
    variants = trace_variants(log, rates=rates)
    got = [(v.activities, v.case_count, v.share, v.cost_per_case, v.total_cost, v.fits_design)
           for v in variants]
    assert got == [
        # c1 100 + 1500 + 500 = 2100, c4 2100, c5 200 + 2250 + 1000 = 3450 → mean 2550
        ((INTAKE, REVIEW, APPROVE), 3, 0.6, pytest.approx(2550.0), pytest.approx(7650.0), True),
        # c2 200 + 3000 + 30 × 100 (Сидоров reworks) + 1000 = 7200; the design has no rework
        ((INTAKE, REVIEW, REVIEW, APPROVE), 1, 0.2, 7200.0, 7200.0, False),
        # c3 150 + 2250 + 2000 = 4400
        ((INTAKE, REVIEW, REJECT), 1, 0.2, 4400.0, 4400.0, True),
    ]
    first = variants[0]
    assert first.mean_cycle_time_minutes == pytest.approx((125 + 125 + 130) / 3)
    assert first.mean_labor_minutes == pytest.approx((45 + 45 + 75) / 3)
    assert conformance(variants) == pytest.approx(0.8)


def test_variants_without_rates_have_no_cost(log):
    variants = trace_variants(log)
    assert [v.case_count for v in variants] == [3, 1, 1]
    assert all(v.cost_per_case is None and v.fits_design is None for v in variants)
    assert conformance(variants) is None


def test_a_partial_without_rates_says_nothing_priced_as_the_null_rates_did(log, rates):
    """Without rates no case is summed for its modelled cost: each path's ``modelled`` is
    0.0 (Σ of null costs is 0) and ``priced`` False (no event has a rate), typed as a
    priced partial's, so the two merge (what the Spark engine does with its buckets)."""
    from abc_costing.mining import log_partial, merge_partials

    bare = log_partial(log.events, has_cost=False)
    priced = log_partial(log.events, has_cost=False, rates=rates)
    assert bare.variants["modelled"].to_list() == [0.0] * 3
    assert bare.variants["priced"].to_list() == [False] * 3
    assert bare.variants.schema == priced.variants.schema
    # every path of c1..c5 is priced by rates.yaml: a merge with it is priced only where
    # both are, i.e. nowhere, and the cases add up (5 + 5)
    merged = merge_partials([bare, priced]).variants
    assert merged["priced"].to_list() == [False] * 3 and merged["cases"].sum() == 10


# --- command line --------------------------------------------------------------------------


def test_cli_mine_writes_a_valid_model(tmp_path, capsys):
    output = tmp_path / "mined.yaml"
    assert main(["mine", str(XES), "--rates", str(RATES), "--process", "contracts",
                 "-o", str(output)]) == 0
    assert main(["validate", str(output)]) == 0


def test_cli_mine_without_rates_writes_placeholders_and_exits_1(tmp_path, capsys):
    output = tmp_path / "mined.yaml"
    assert main(["mine", str(CSV), "-o", str(output)]) == 1
    assert "rate_per_hour" in capsys.readouterr().err
    assert output.exists()


def test_cli_mine_bad_input(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("case,activity\n1,a\n", encoding="utf-8")
    output = tmp_path / "m.yaml"
    assert main(["mine", str(bad), "-o", str(output)]) == 1
    assert "missing column" in capsys.readouterr().err
    assert not output.exists()  # nothing half-written
    assert main(["mine", str(CSV), "--process=-x", "-o", str(output)]) == 2
    assert main(["mine", str(CSV), "--case", "nope", "-o", str(output)]) == 1


def test_cli_variants_json_and_table(capsys):
    assert main(["variants", str(CSV), "--rates", str(RATES), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["conformance"] == pytest.approx(0.8)
    assert [v["case_count"] for v in document["variants"]] == [3, 1, 1]
    assert document["design_cost_per_instance"] == pytest.approx(
        15 * 10 + 40 * 50 + 0.8 * 7.5 * 100 + 0.2 * 20 * 100)
    assert main(["variants", str(CSV), "--top", "1"]) == 0
    shown = capsys.readouterr().out
    assert "2 more variants" in shown and INTAKE in shown


def test_cli_mine_with_variants_prints_what_mine_and_variants_print(tmp_path, capsys):
    # The combined command's output is the two commands' outputs one after the other,
    # and the model it writes is the one mine writes.
    alone, combined = tmp_path / "alone.yaml", tmp_path / "combined.yaml"
    assert main(["mine", str(CSV), "--rates", str(RATES), "-o", str(alone)]) == 0
    mined = capsys.readouterr()
    assert main(["variants", str(CSV), "--rates", str(RATES), "--top", "2"]) == 0
    listed = capsys.readouterr()
    assert main(["mine", str(CSV), "--rates", str(RATES), "-o", str(combined), "--variants",
                 "--top", "2"]) == 0
    both = capsys.readouterr()
    assert both.out == mined.out.replace(str(alone), str(combined)) + listed.out
    assert both.err == mined.err
    assert combined.read_text(encoding="utf-8") == alone.read_text(encoding="utf-8")
    # 3 variants, 2 shown: the rest is said, and the conformance of the designed model
    assert "1 more variants" in both.out and "Conformance: 80" in both.out


def test_cli_mine_with_variants_reads_the_log_once(tmp_path, capsys, monkeypatch):
    import abc_costing.formats.event_log as event_log

    reads = []

    def counted(*args, **kwargs):
        reads.append(args[0])
        return read_event_log(*args, **kwargs)

    monkeypatch.setattr(event_log, "read_event_log", counted)
    assert main(["mine", str(CSV), "--rates", str(RATES), "-o", str(tmp_path / "m.yaml"),
                 "--variants"]) == 0
    assert reads == [CSV]
    assert main(["mine", str(CSV), "-o", str(tmp_path / "m.yaml"), "--variants",
                 "--top", "-1"]) == 2  # a usage error, before the log is read
    assert reads == [CSV]


def test_mine_event_log_gives_what_import_and_variants_give(rates):
    from abc_costing.workflows import event_log_variants, import_event_log, mine_event_log

    both = mine_event_log(CSV, source_name="contracts.csv", rates=rates, process="contracts")
    model = import_event_log(CSV, source_name="contracts.csv", rates=rates, process="contracts")
    assert (both.model.text, both.model.problems, both.model.variants) == (
        model.text, model.problems, model.variants)
    assert both.variants == event_log_variants(CSV, source_name="contracts.csv", rates=rates)
    assert [v.case_count for v in both.variants.variants] == [3, 1, 1]  # c1, c4, c5 alike
    assert both.variants.conformance == pytest.approx(4 / 5)  # c2 reworks: not in the design


# --- parallel blocks -------------------------------------------------------------------------


def _log(tmp_path: Path, cases: dict[str, list[tuple[str, int, int]]]) -> Path:
    """A CSV log: per case, (activity, start minute, end minute) from 2024-03-01 09:00."""
    lines = ["case,activity,start,end,resource"]
    for case, events in cases.items():
        for activity, begin, finish in events:
            lines.append(f"{case},{activity},2024-03-01 {9 + begin // 60:02d}:{begin % 60:02d},"
                         f"2024-03-01 {9 + finish // 60:02d}:{finish % 60:02d},Иванова")
    path = tmp_path / "parallel.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_activities_done_in_any_order_become_a_parallel_block(tmp_path, rates):
    # Приём, then Проверка and Согласование in either order, then Подписание.
    path = _log(tmp_path, {
        "c1": [("Приём", 0, 10), ("Проверка", 20, 50), ("Согласование", 60, 80),
               ("Подписание", 90, 95)],
        "c2": [("Приём", 0, 10), ("Согласование", 15, 35), ("Проверка", 40, 70),
               ("Подписание", 80, 85)],
        "c3": [("Приём", 0, 10), ("Проверка", 20, 50), ("Согласование", 55, 75),
               ("Подписание", 80, 85)],
    })
    log = read_event_log(path)
    text, problems = discover_model(log, rates=rates)
    assert problems == []
    model, found = parse_model_text(text)
    assert model is not None and found == []
    kinds = {g: gate.kind for g, gate in model.gateways.items()}
    assert kinds == {"parallel_1": "parallel", "join_1": "parallel"}
    flows = {(f.source, f.target) for f in model.flows}
    assert {("приём", "parallel_1"), ("parallel_1", "проверка"), ("parallel_1", "согласование"),
            ("проверка", "join_1"), ("согласование", "join_1"),
            ("join_1", "подписание")} <= flows
    # Every activity once per case, each priced at Иванова's 10/min:
    # Приём 10 min + Проверка 30 + Согласование 20 + Подписание (5 + 5 + 5) / 3 = 65 min → 650.
    assert cost_model(model).cost_per_instance == pytest.approx(650.0)
    assert all(fits_model(v.activities, model) for v in trace_variants(log))


def test_optional_or_repeated_activities_are_not_made_parallel(tmp_path, rates):
    # B and C are seen in both orders, but c3 skips C: an AND block would force C.
    path = _log(tmp_path, {
        "c1": [("A", 0, 10), ("B", 20, 30), ("C", 40, 50), ("D", 60, 70)],
        "c2": [("A", 0, 10), ("C", 20, 30), ("B", 40, 50), ("D", 60, 70)],
        "c3": [("A", 0, 10), ("B", 20, 30), ("D", 40, 50)],
    })
    log = read_event_log(path)
    text, _ = discover_model(log, rates=rates)
    model, _ = parse_model_text(text)
    assert model is not None
    assert all(g.kind == "exclusive" for g in model.gateways.values())
    assert all(fits_model(v.activities, model) for v in trace_variants(log))


_traces = st.lists(st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=6),
                   min_size=1, max_size=12)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(traces=_traces, minutes=st.lists(st.integers(1, 60), min_size=4, max_size=4))
def test_a_mined_model_costs_what_the_log_cost_per_case(tmp_path_factory, rates, traces,
                                                         minutes):
    """Identity: a first-order model fitted to a log reproduces its executions per case.

    Each activity always takes the same minutes and one person (Иванова, 10/min) does
    everything, so the log's cost per case is Σ minutes × 10 / cases, and the mined
    model's cost must equal it up to the 4-decimal rounding of its probabilities.
    Whatever the traces, the model validates and allows every trace of its log.
    """
    took = dict(zip("ABCD", minutes, strict=True))
    cases = {}
    for number, trace in enumerate(traces):
        clock, events = 0, []
        for activity in trace:
            events.append((activity, clock, clock + took[activity]))
            clock += took[activity] + 1
        cases[f"c{number}"] = events
    log = read_event_log(_log(tmp_path_factory.mktemp("mined"), cases))
    text, problems = discover_model(log, rates=rates)
    model, found = parse_model_text(text)
    assert model is not None and found == [] and problems == [], text
    observed = sum(took[a] for trace in traces for a in trace) * 10 / len(traces)
    assert cost_model(model).cost_per_instance == pytest.approx(observed, rel=1e-3)
    assert all(fits_model(v.activities, model) for v in trace_variants(log))


# --- names from the log are text, never structure ---------------------------------------------

INJECTION = "\nother_cost: 1000000"
# Each name tries something: a line break that starts a new field, a comment, a mapping,
# a list item, quotes, a flow mapping, an anchor, a Python tag, a leading "?" (a complex
# key), control characters, NEL and LINE SEPARATOR (line breaks to YAML 1.1), bidi overrides.
INTAKE_X = "Приём" + "\n    other_cost: 1000000\n#"
REVIEW_X = "? key: value\t\x01\x1b[31m\x7f\x85\u2028 \u202eevil\u202c &anchor *alias"
SIGN_X = "!!python/object/apply:os.system ['ls'] {a: 1} - [x] \"q\" 'q'"
CLERK_X = "Иванова" + INJECTION
LAWYER_X = "- lawyer # not a comment: {rate_per_hour: 0}"


def _write_log(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, quoting=csv.QUOTE_ALL)
        writer.writerow(["case", "activity", "start", "end", "resource"])
        writer.writerows(rows)
    return path


def test_names_from_the_log_cannot_add_fields_to_the_mined_model(tmp_path):
    from abc_costing.formats import parse_yaml_data
    from abc_costing.model import RateTable

    rows = []
    for case in ("c1" + INJECTION, "c2 # &anchor"):
        rows += [[case, INTAKE_X, "2024-03-01 10:00", "2024-03-01 10:30", CLERK_X],
                 [case, REVIEW_X, "2024-03-01 11:00", "2024-03-01 11:45", LAWYER_X],
                 [case, SIGN_X, "2024-03-01 12:00", "2024-03-01 12:15", CLERK_X]]
    log = read_event_log(_write_log(tmp_path / ("log" + INJECTION + " #.csv"), rows))
    rates = RateTable.model_validate({"resources": {
        "clerk": {"kind": "labor", "name": CLERK_X, "rate_per_hour": 600},
        "lawyer": {"kind": "labor", "name": LAWYER_X, "rate_per_hour": 1200}}})
    text, problems = discover_model(log, process="contracts", rates=rates)
    assert problems == []
    assert "# Discovered from the event log log other_cost: 1000000 #.csv by" in text
    assert "# 2 cases, 6 events" in text
    assert not {"\u202e", "\x85", "\u2028", "\x1b", "\x7f"} & set(text)  # all escaped
    data, _ = parse_yaml_data(text)
    # The waits are the log's (10:30 → 11:00 and 11:45 → 12:00); no name added a field.
    assert [set(a) for a in data["activities"].values()] == [
        {"name", "labor"}, {"name", "labor", "wait"}, {"name", "labor", "wait"}]
    assert [a["wait"] for a in list(data["activities"].values())[1:]] == [30.0, 15.0]
    assert all(set(r) == {"kind", "name", "rate_per_hour"} for r in data["resources"].values())
    model, found = parse_model_text(text)
    assert model is not None and found == []
    assert [a.name for a in model.activities.values()] == [INTAKE_X, REVIEW_X, SIGN_X]
    assert {r: res.name for r, res in model.resources.items()} == {"clerk": CLERK_X,
                                                                   "lawyer": LAWYER_X}
    assert model.title == "contracts (mined from log" + INJECTION + " #.csv)"
    # By hand: Приём 30 min × 600/h (10/min) = 300, the review 45 min × 1200/h (20/min)
    # = 900, signing 15 min × 10/min = 150: 1350 per case, as the log itself prices it.
    assert cost_model(model).cost_per_instance == pytest.approx(1350.0, rel=1e-12)
    assert [v.cost_per_case for v in trace_variants(log, rates=rates)] == [1350.0]


# Any character a model can hold (no surrogates; NUL is refused in logs), with YAML's
# own syntax, line breaks, controls and an injected field drawn often enough to meet.
_YAML_SYNTAX = [*"\n\r\t:#-?{}[],&*!|>'\"%@` \x85\u2028\u2029\u202e\x7f\x1b\x01",
                "other_cost: 1000000", "\nother_cost: 1000000"]
_names = st.lists(st.sampled_from(_YAML_SYNTAX)
                  | st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
                  min_size=1, max_size=12).map("".join).filter(lambda s: s == s.strip())


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(activities=st.lists(_names, min_size=2, max_size=3, unique=True),
       people=st.lists(_names, min_size=1, max_size=2, unique=True),
       traces=st.lists(st.lists(st.integers(0, 2), min_size=1, max_size=4), min_size=1,
                       max_size=4))
def test_any_names_round_trip_and_the_model_costs_what_the_log_cost(
        tmp_path_factory, activities, people, traces):
    """Identity for arbitrary text as activity and resource names (line breaks, controls...).

    Activity i takes 10·(i+1) minutes and is always done by person i mod len(people).
    The mined model reads back with exactly these names, and once every rate is set
    to 600/h (10/min) it costs Σ minutes × 10 / cases, the log's cost per case (up to
    the 4-decimal rounding of the probabilities).
    """
    from abc_costing.formats import model_from_data, parse_yaml_data

    rows = []
    for number, trace in enumerate(traces):
        clock = 0
        for step in trace:
            index = step % len(activities)
            start, end = clock, clock + 10 * (index + 1)
            rows.append([f"c{number}", activities[index],
                         f"2024-03-01 {9 + start // 60:02d}:{start % 60:02d}",
                         f"2024-03-01 {9 + end // 60:02d}:{end % 60:02d}",
                         people[index % len(people)]])
            clock = end + 1
    log = read_event_log(_write_log(tmp_path_factory.mktemp("names") / "log.csv", rows))
    text, problems = discover_model(log)
    assert {p.message for p in problems} == {"rate_per_hour: must be a number (got '?')"}
    data, found = parse_yaml_data(text)
    assert found == []
    used = {activities[step % len(activities)] for trace in traces for step in trace}
    assert {a["name"] for a in data["activities"].values()} == used
    assert {r["name"] for r in data["resources"].values()} == {
        people[activities.index(a) % len(people)] for a in used}
    for resource in data["resources"].values():
        resource["rate_per_hour"] = 600
    model, found = model_from_data(data)
    assert model is not None and found == []
    minutes = sum(10 * (step % len(activities) + 1) for trace in traces for step in trace)
    assert cost_model(model).cost_per_instance == pytest.approx(minutes * 10 / len(traces),
                                                                rel=1e-3)


@pytest.mark.parametrize("name", ["\ufffe", "\uffff", "a\ufffeb"])
def test_a_resource_named_with_a_noncharacter_mines_into_a_readable_model(tmp_path, name):
    """U+FFFE and U+FFFF are not allowed in a YAML file: the mined model escapes them
    ("\\uFFFE") instead of writing a file its own reader refuses (found by hypothesis)."""
    log = read_event_log(_write_log(tmp_path / "log.csv", [
        ["c0", "draft", "2024-03-01 09:00", "2024-03-01 09:10", name]]))
    text, problems = discover_model(log)
    assert [p.message for p in problems] == ["rate_per_hour: must be a number (got '?')"]
    _, reread = parse_model_text(text, source="mined.yaml")  # the placeholder only
    assert [p.message for p in reread] == ["rate_per_hour: must be a number (got '?')"]
    data, unreadable = parse_yaml_data(text)
    assert unreadable == []
    assert [r["name"] for r in data["resources"].values()] == [name]
