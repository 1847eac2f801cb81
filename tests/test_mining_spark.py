"""The Spark engine of `mine` and `variants` (issue 16), and the exact merge it rests on.

The merge is proven without a JVM: a log split by case in any way, each part reduced
to its partial and the partials merged, gives the partial of the whole log. The Spark
tests (slow: a JVM starts) compare the Spark engine with the local one on a generated
log with several buckets, read as CSV, Parquet and XES, and run the CLI.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abc_costing.formats.event_log import read_event_log
from abc_costing.mining import (
    LogFacts,
    log_partial,
    merge_partials,
    model_from_partial,
    trace_variants,
    variants_from_partial,
)
from abc_costing.model import RateTable

#: Paths of the generated log: rework (b b), a parallel pair (c, d in either order).
_PATHS = (("a", "b", "c", "d", "e"), ("a", "b", "d", "c", "e"), ("a", "b", "b", "c", "d", "e"),
          ("a", "e"), ("a", "b", "d", "c", "e"))
_WHO = ("clerk", "lawyer", "manager")


def _write_log(path: Path, cases: int) -> None:
    """A CSV log of ``cases`` cases with start/end times, resources and recorded costs.

    Minutes and gaps follow fixed formulas of the case and step number, so the log is
    the same every run and durations repeat (the median needs ties across buckets).
    """
    lines = ["case,activity,start,end,resource,cost"]
    for case in range(cases):
        time = datetime(2024, 3, 1, 8) + timedelta(minutes=37 * case)
        for step, activity in enumerate(_PATHS[case % len(_PATHS)]):
            begin = time + timedelta(minutes=(case * 7 + step * 3) % 11)
            time = begin + timedelta(minutes=5 + (case * 13 + step * 5) % 17)
            lines.append(f"c{case},{activity},{begin:%Y-%m-%d %H:%M:%S},"
                         f"{time:%Y-%m-%d %H:%M:%S},{_WHO[(case + step) % 3]},"
                         f"{100 + (case * 3 + step) % 50}.5")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


_RATES = RateTable.model_validate({"currency": "RUB", "resources": {
    "clerk": {"kind": "labor", "rate_per_hour": 600},
    "lawyer": {"kind": "labor", "rate_per_hour": 1800},
    "manager": {"kind": "labor", "rate_per_hour": 1200}}})


@pytest.fixture(scope="module")
def log_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark") / "log.csv"
    _write_log(path, 60)
    return path


def _sorted(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return frame.with_columns(pl.col(k).cast(pl.String) for k in keys if k == "trace"
                              ).sort([pl.col(k).cast(pl.String) for k in keys])


def _assert_frames_close(left: pl.DataFrame, right: pl.DataFrame, keys: list[str]) -> None:
    """Equal rows; counts and keys exactly, float sums to 1e-9 relative (merged sums
    add the same numbers in another order)."""
    left, right = (f.with_columns(pl.col("trace").list.join("→")) if "trace" in f.columns
                   else f for f in (left, right))
    left, right = left.sort(keys), right.sort(keys)
    assert left.columns == right.columns and left.height == right.height
    for name in left.columns:
        for a, b in zip(left[name].to_list(), right[name].to_list(), strict=True):
            if isinstance(a, float) and isinstance(b, float):
                assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (name, a, b)
            else:
                assert a == b, (name, a, b)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(assignment=st.lists(st.integers(0, 3), min_size=60, max_size=60))
def test_partials_of_a_log_split_by_case_merge_into_the_partial_of_the_whole(
        log_file: Path, assignment: list[int]):
    events = read_event_log(log_file).events
    whole = log_partial(events, has_cost=True, rates=_RATES, for_model=True)
    part_of = pl.Series([assignment[int(c[1:])] for c in events["case_id"].cast(pl.String)])
    parts = [log_partial(events.filter(part_of == k), has_cost=True, rates=_RATES,
                         for_model=True) for k in sorted(set(assignment))]
    merged = merge_partials(parts)
    assert merged.case_count == whole.case_count == 60
    assert merged.event_count == whole.event_count == events.height
    assert merged.span == whole.span
    _assert_frames_close(merged.variants, whole.variants, ["trace"])
    assert merged.activities is not None and whole.activities is not None
    _assert_frames_close(merged.activities, whole.activities, ["activity"])
    assert merged.minute_counts is not None and whole.minute_counts is not None
    _assert_frames_close(merged.minute_counts, whole.minute_counts, ["activity", "minutes"])
    assert merged.performers is not None and whole.performers is not None
    _assert_frames_close(merged.performers, whole.performers, ["activity", "resource"])
    # what is finished from them: the same variants and the same model
    local = trace_variants(read_event_log(log_file), rates=_RATES)
    finished = variants_from_partial(merged, rates=_RATES)
    assert [v.activities for v in finished] == [v.activities for v in local]
    for mine, theirs in zip(finished, local, strict=True):
        assert mine.case_count == theirs.case_count
        assert math.isclose(mine.cost_per_case or 0, theirs.cost_per_case or 0, rel_tol=1e-12)
        assert math.isclose(mine.recorded_cost_per_case or 0,
                            theirs.recorded_cost_per_case or 0, rel_tol=1e-12)
    facts = LogFacts(source=str(log_file), has_start=True, has_cost=True)
    assert model_from_partial(merged, facts)[0] == model_from_partial(whole, facts)[0]


def test_the_merge_adds_sums_and_counts_and_the_sd_by_chans_rule():
    """Case 1: a 10- and a 30-minute event; case 2: a 20-minute one (activity a).
    Whole: mean 20, squared deviations 100 + 100 + 0 = 200, sd √(200/2) = 10.
    Parts: case 1 has mean 20 and m2 200; case 2 mean 20, m2 0; Chan adds
    1·0² + ... = 200 again. The median of 10, 20, 30 is 20."""
    day = datetime(2024, 3, 1)
    events = pl.DataFrame({
        "row_no": [1, 2, 3], "case_id": ["1", "1", "2"], "activity": ["a", "a", "a"],
        "start_ts": [day, day + timedelta(minutes=10), day],
        "end_ts": [day + timedelta(minutes=10), day + timedelta(minutes=40),
                   day + timedelta(minutes=20)],
        "resource": ["x", "x", "y"]},
        schema_overrides={"case_id": pl.Categorical, "activity": pl.Categorical,
                          "resource": pl.Categorical})
    one = log_partial(events.head(2), has_cost=False, for_model=True)
    two = log_partial(events.tail(1), has_cost=False, for_model=True)
    merged = merge_partials([one, two])
    assert merged.activities is not None
    row = merged.activities.row(0, named=True)
    assert (row["n"], row["cases"], row["timed"], row["minutes"], row["m2"]) == (3, 2, 3, 60.0,
                                                                                200.0)
    text, _ = model_from_partial(merged, LogFacts(source="log.csv", has_start=True,
                                                   has_cost=False))
    # x did 10 + 30 = 40 of the 60 minutes: 2/3 of mean 20 and of sd 10; y the other 1/3
    assert '{x: {lognormal: {mean: 13.3333, sd: 6.6667}}, "y": {lognormal: {mean: 6.6667, ' \
        'sd: 3.3333}}}' in text
    assert "min 10.0, median 20.0, max 30.0" in text


# --- on Spark (local mode) -----------------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    from abc_costing.mining_spark import spark_session

    session = spark_session("local[2]", config={
        "spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false",
        "spark.driver.memory": "1g"})
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.slow
def test_spark_gives_the_local_variants_and_model_for_csv_parquet_and_xes(
        spark, log_file: Path, tmp_path: Path):
    from abc_costing.formats.event_log import read_event_log
    from abc_costing.mining import discover_model
    from abc_costing.mining_spark import read_partial

    log = read_event_log(log_file)
    local_variants = trace_variants(log, rates=_RATES)
    local_text = discover_model(log, rates=_RATES)[0]
    parquet = tmp_path / "log.parquet"
    pl.read_csv(log_file, try_parse_dates=True).write_parquet(parquet)
    xes = Path(__file__).parent / "data" / "logs" / "contracts.xes"
    for path, buckets in ((log_file, 5), (parquet, 3), (xes, 2)):
        local = read_event_log(path)
        read = read_partial(path, rates=_RATES, for_model=True, spark=spark, buckets=buckets)
        expected = trace_variants(local, rates=_RATES) if path != log_file else local_variants
        found = variants_from_partial(read.partial, rates=_RATES)
        assert [(v.activities, v.case_count) for v in found] == \
            [(v.activities, v.case_count) for v in expected], path
        for mine, theirs in zip(found, expected, strict=True):
            for name in ("mean_cycle_time_minutes", "mean_labor_minutes", "cost_per_case",
                         "recorded_cost_per_case"):
                assert math.isclose(getattr(mine, name) or 0, getattr(theirs, name) or 0,
                                    rel_tol=1e-9), (path, name)
        text = model_from_partial(read.partial, read.facts, rates=_RATES)[0]
        assert text == (local_text if path == log_file else
                        discover_model(local, rates=_RATES)[0]), path
        assert [str(p) for p in read.problems] == [str(p) for p in local.problems]
        assert (read.partial.case_count, read.partial.event_count) == \
            (local.case_count, local.event_count)


@pytest.mark.slow
def test_spark_reports_the_first_bad_row_as_the_local_reader(spark, tmp_path: Path):
    from abc_costing.formats.event_log import LogError
    from abc_costing.mining_spark import read_partial

    path = tmp_path / "bad.csv"
    path.write_text("case,activity,end\n1,a,2024-03-01 10:00\n2,b,yesterday\n"
                    "3,c,2024-03-01 11:00\n4,,2024-03-01 12:00\n", encoding="utf-8")
    with pytest.raises(LogError) as local:
        read_event_log(path)
    with pytest.raises(LogError) as remote:
        read_partial(path, spark=spark, buckets=3)
    # the empty activity (check 2, row 4) is reported before the bad time (check 4, row 2)
    assert (remote.value.row, str(remote.value)) == (local.value.row, str(local.value)) \
        == (4, f"{path}: row 4: the activity is empty")


@pytest.mark.slow
def test_the_variants_command_on_spark_prints_what_the_local_engine_prints(
        spark, log_file: Path, capsys: pytest.CaptureFixture[str]):
    from abc_costing.cli import main

    assert main(["variants", str(log_file), "--json", "--top", "0"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert main(["variants", str(log_file), "--json", "--top", "0", "--engine", "spark",
                 "--spark-master", "local[2]"]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert remote["cases"] == local["cases"] == 60
    assert [(v["activities"], v["case_count"]) for v in remote["variants"]] == \
        [(v["activities"], v["case_count"]) for v in local["variants"]]
    for mine, theirs in zip(remote["variants"], local["variants"], strict=True):
        assert math.isclose(mine["mean_labor_minutes"], theirs["mean_labor_minutes"],
                            rel_tol=1e-9)
