"""Reading event logs: layouts of time, blanks, encodings, row order (Polars reader).

Every expected timestamp and minute below is worked out by hand from the text
written in the test.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abc_costing.formats.event_log import LogError, read_event_log
from abc_costing.mining import case_durations, directly_follows, trace_variants


def _write(folder: Path, text: str, name: str = "log.csv", encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def _ends(log) -> list[datetime]:
    return log.events["end_ts"].to_list()


def test_offsets_are_converted_to_utc_and_naive_times_kept(tmp_path):
    path = _write(tmp_path, "case,activity,end\n"
                            "1,a,2024-03-01T10:00:00+03:00\n"     # 07:00 UTC
                            "1,b,2024-03-01T10:00:00.250+01:00\n"  # 09:00:00.25 UTC
                            "1,c,2024-03-01T10:00:00Z\n")          # 10:00 UTC
    assert _ends(read_event_log(path)) == [
        datetime(2024, 3, 1, 7, 0), datetime(2024, 3, 1, 9, 0, 0, 250000),
        datetime(2024, 3, 1, 10, 0)]


@pytest.mark.parametrize(("written", "meant"), [
    ("2024-03-01 10:15:30", datetime(2024, 3, 1, 10, 15, 30)),
    ("2024-03-01T10:15:30", datetime(2024, 3, 1, 10, 15, 30)),
    ("2024-03-01 10:15:30.5", datetime(2024, 3, 1, 10, 15, 30, 500000)),
    ("2024-03-01 10:15", datetime(2024, 3, 1, 10, 15)),
    ("2024-03-01", datetime(2024, 3, 1)),
    ("01.03.2024 10:15:30", datetime(2024, 3, 1, 10, 15, 30)),  # 1C / Bitrix24
    ("01.03.2024 10:15", datetime(2024, 3, 1, 10, 15)),
    ("01.03.2024", datetime(2024, 3, 1)),
])
def test_each_time_layout(tmp_path, written, meant):
    path = _write(tmp_path, f"case;activity;end\n1;a;{written}\n")
    assert _ends(read_event_log(path)) == [meant]


def test_a_column_that_mixes_layouts_and_blanks_is_read_the_slow_way(tmp_path):
    # The first row says "yyyy-mm-dd hh:mm:ss"; later rows use other layouts and blanks.
    path = _write(tmp_path, "case,activity,start,end,resource\n"
                            "1,Приём,2024-03-01 10:00:00,2024-03-01 10:10:00,Иванова\n"
                            " 1 , Проверка ,01.03.2024 11:00, 2024-03-01T14:30:00+03:00 , Петров\n"
                            "2,Приём,2024-03-02,2024-03-02 00:20,Иванова\n")
    log = read_event_log(path)
    assert (log.event_count, log.case_count) == (3, 2)  # " 1 " is case "1"
    rows = log.events.select(pl.col("case_id", "activity", "resource").cast(pl.String),
                             "start_ts", "end_ts").rows()
    assert rows == [
        ("1", "Приём", "Иванова", datetime(2024, 3, 1, 10), datetime(2024, 3, 1, 10, 10)),
        # 14:30 at +03:00 is 11:30 UTC.
        ("1", "Проверка", "Петров", datetime(2024, 3, 1, 11), datetime(2024, 3, 1, 11, 30)),
        ("2", "Приём", "Иванова", datetime(2024, 3, 2), datetime(2024, 3, 2, 0, 20)),
    ]


def test_end_before_start_after_utc_conversion_names_the_file_row(tmp_path):
    path = _write(tmp_path, "case,activity,start,end\n"
                            "1,a,2024-03-01 10:00:00,2024-03-01 10:10:00\n"
                            "1,b,2024-03-01 11:00:00,2024-03-01T11:30:00+03:00\n")
    with pytest.raises(LogError) as caught:
        read_event_log(path)
    assert caught.value.row == 2 and "before the start time" in caught.value.message


def test_blanks_around_values_are_trimmed(tmp_path):
    path = _write(tmp_path, "case,activity,start,end,resource\n"
                            "c1,Приём,2024-03-01 10:00:00,2024-03-01 10:10:00,Иванова\n"
                            " c1 , Проверка ,2024-03-01 11:00:00,2024-03-01 11:30:00, Петров\n")
    log = read_event_log(path)
    assert log.case_count == 1
    (variant,) = trace_variants(log)
    assert variant.activities == ("Приём", "Проверка")
    assert variant.mean_labor_minutes == 10 + 30


def test_rows_out_of_order_are_sorted_by_case_and_time(tmp_path):
    path = _write(tmp_path, "case,activity,end\n"
                            "2,x,2024-03-01 12:00:00\n"
                            "1,b,2024-03-01 11:00:00\n"
                            "1,a,2024-03-01 10:00:00\n"
                            "2,w,2024-03-01 09:00:00\n")
    log = read_event_log(path)
    got = log.events.select(pl.col("case_id", "activity").cast(pl.String), "row_no").rows()
    # Cases in the order they first appear (2, then 1); each case in time order;
    # row_no is still the row in the file.
    assert got == [("2", "w", 4), ("2", "x", 1), ("1", "a", 3), ("1", "b", 2)]


def test_windows_1251_file_gets_a_clear_error(tmp_path):
    path = _write(tmp_path, "case;activity;end\n1;Звонок;01.03.2024 10:00\n",
                  encoding="cp1251")
    with pytest.raises(LogError, match="not UTF-8.*Windows-1251"):
        read_event_log(path)


def test_ragged_rows_and_header_only_files(tmp_path):
    ragged = _write(tmp_path, "case,activity,end\n1,a,2024-03-01 10:00,extra\n", "r.csv")
    with pytest.raises(LogError, match="cannot read the file"):
        read_event_log(ragged)
    empty = _write(tmp_path, "case,activity,end\n", "e.csv")
    with pytest.raises(LogError, match="no events"):
        read_event_log(empty)
    nothing = _write(tmp_path, "", "n.csv")
    with pytest.raises(LogError, match="no header"):
        read_event_log(nothing)


def test_tab_separated_and_quoted_fields_with_newlines(tmp_path):
    path = _write(tmp_path, 'case\tactivity\tend\n1\t"Звонок\nклиенту"\t2024-03-01 10:00\n',
                  "log.tsv")
    log = read_event_log(path)
    assert log.events["activity"].cast(pl.String).to_list() == ["Звонок\nклиенту"]


def test_parquet_with_zoned_timestamps_is_converted_to_utc(tmp_path):
    path = tmp_path / "log.parquet"
    pl.DataFrame({
        "case_id": [7, 7],
        "activity": ["a", "b"],
        "timestamp": [datetime(2024, 3, 1, 10), datetime(2024, 3, 1, 12)],
    }).with_columns(pl.col("timestamp").dt.replace_time_zone("Europe/Moscow")).write_parquet(path)
    log = read_event_log(path)
    # Moscow is UTC+3: 10:00 and 12:00 there are 07:00 and 09:00 UTC.
    assert _ends(log) == [datetime(2024, 3, 1, 7), datetime(2024, 3, 1, 9)]
    assert log.events["case_id"].cast(pl.String).to_list() == ["7", "7"]


# --- order does not matter: a property ------------------------------------------------

_events = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(["Приём", "Проверка", "Отказ", "Звонок"]),
              st.integers(0, 10_000), st.integers(1, 500)),
    min_size=1, max_size=40, unique_by=lambda e: (e[0], e[2]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=_events, seed=st.integers(0, 2**32 - 1))
def test_mining_does_not_depend_on_the_row_order(tmp_path_factory, events, seed):
    """Shuffled rows give the same variants, DFG and durations; and the counts add up.

    Within a case the starts are distinct (unique_by), so the time order is total.
    """
    folder = tmp_path_factory.mktemp("order")

    def csv(rows):
        lines = ["case,activity,start,end"]
        for case, activity, start, minutes in rows:
            began = datetime(2024, 1, 1).timestamp() + start * 60
            lines.append(f"c{case},{activity},{datetime.utcfromtimestamp(began):%Y-%m-%d %H:%M:%S},"
                         f"{datetime.utcfromtimestamp(began + minutes * 60):%Y-%m-%d %H:%M:%S}")
        return "\n".join(lines) + "\n"

    ordered = sorted(events, key=lambda e: (e[0], e[2]))
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    logs = [read_event_log(_write(folder, csv(rows), f"{name}.csv"))
            for name, rows in (("ordered", ordered), ("shuffled", shuffled))]

    def summary(log):
        variants = sorted((v.activities, v.case_count, round(v.mean_labor_minutes, 9))
                          for v in trace_variants(log))
        dfg = sorted(directly_follows(log).rows())
        durations = sorted(case_durations(log).rows())
        return variants, dfg, durations

    first, second = (summary(log) for log in logs)
    assert first == second
    log = logs[0]
    variants, dfg, durations = first
    assert sum(n for _, n, _ in variants) == log.case_count == len(durations)
    assert sum(n for _, _, n, _ in dfg) == log.event_count - log.case_count
    # Labour minutes are the written durations: Σ minutes over all events.
    assert sum(n * labor for _, n, labor in variants) == pytest.approx(
        sum(minutes for *_, minutes in events))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"a", b",", b'"', b"\n"]), max_size=40))
def test_record_end_is_the_last_line_end_outside_quotes(pieces):
    """The last whole record ends after the last line end with an even number of quotes
    before it (a quote inside a quoted field is doubled): checked line end by line end,
    with and without quotes in the block (no quote takes a shortcut)."""
    from abc_costing.formats.event_log import _record_end

    data = b"".join(pieces)
    ends = [i + 1 for i, byte in enumerate(data) if byte == ord("\n")
            and data.count(b'"', 0, i) % 2 == 0]
    assert _record_end(data) == (ends[-1] if ends else 0)
    assert _record_end(data, first=True) == (ends[0] if ends else 0)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b"a", b",", b'"', b"\n"]), max_size=60),
       st.integers(0, 30), st.integers(1, 40), st.integers(1, 40))
def test_a_block_without_quotes_is_read_up_to_where_counting_quotes_cuts_it(
        pieces, start, block_bytes, window_bytes):
    """A block read up to the last line end of its end window is the block the quote
    count cuts, whenever it is given (no quote in it, the file going on after it); else
    the block is left to the quote count."""
    import io
    from unittest import mock

    import abc_costing.formats.event_log as event_log

    data = b"".join(pieces)
    with mock.patch.object(event_log, "_CSV_BLOCK_BYTES", block_bytes), \
            mock.patch.object(event_log, "_CUT_WINDOW_BYTES", window_bytes):
        block = event_log._unquoted_block(io.BytesIO(data), start)
    whole = data[start:start + block_bytes]
    if block is not None:
        assert len(data) > start + block_bytes and b'"' not in block
        assert block == whole[:event_log._record_end(whole)] and block.endswith(b"\n")
    else:
        window = whole[-min(window_bytes, block_bytes):]
        assert (len(data) <= start + block_bytes or b'"' in whole[:whole.rfind(b"\n") + 1]
                or b"\n" not in window or b'"' in window)


def test_blocks_read_the_same_with_quotes_from_a_later_block_on(tmp_path, monkeypatch):
    """Blocks without quotes are read up to their last line end, then, from the first
    block with a quote on, cut by counting quotes: the events are those of one read."""
    import abc_costing.formats.event_log as event_log

    lines = ["case,activity,end"]
    for row in range(1, 121):
        activity = '"a, ""b""' + "\n" + 'c"' if row > 60 and row % 5 == 0 else f"a{row % 3}"
        lines.append(f"c{row // 4},{activity},2024-03-01 10:{row % 60:02d}:00")
    path = _write(tmp_path, "\n".join(lines) + "\n")
    whole = read_event_log(path).events
    for block_bytes, window_bytes in ((64, 64), (64, 16), (200, 40), (90, 1)):
        monkeypatch.setattr(event_log, "_CSV_BLOCK_BYTES", block_bytes)
        monkeypatch.setattr(event_log, "_CUT_WINDOW_BYTES", window_bytes)
        blocks = read_event_log(path).events
        assert blocks["row_no"].n_chunks() > 5  # it was read in many blocks
        assert blocks.select(pl.all().cast(pl.String)).rows() == \
            whole.select(pl.all().cast(pl.String)).rows()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", " d", None]), max_size=30))
def test_first_rows_of_cases_are_those_of_hashing_every_row(cases):
    """The cases' first rows (found from the changes of case when each case's rows are
    contiguous) are those of hashing every row, whatever the order, with nulls too."""
    from abc_costing.formats.event_log import _distinct_texts

    events = pl.DataFrame({"row_no": range(1, len(cases) + 1), "case_id": cases,
                           "activity": ["x"] * len(cases), "resource": [None] * len(cases)},
                          schema={"row_no": pl.UInt32, "case_id": pl.Categorical,
                                  "activity": pl.Categorical, "resource": pl.Categorical})
    values, rows = _distinct_texts(events)["case_id"]
    firsts = {}
    for row, case in enumerate(cases, start=1):
        firsts.setdefault(case, row)
    assert list(zip(values.to_list(), rows.to_list(), strict=True)) == list(firsts.items())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.one_of(st.none(), st.integers(0, 3)),
                          st.integers(0, 3)), max_size=30),
       st.integers(1, 5), st.integers(1, 4))
def test_the_order_check_in_windows_is_that_of_the_rows_one_by_one(rows, window, chunks):
    """Cases contiguous, each row of a case later than the one before it (its start, or
    its end; then its end): the same answer whatever the windows and the table's chunks."""
    from unittest import mock

    import abc_costing.formats.event_log as event_log

    cases = [case for case, _, _ in rows]
    contiguous = all(case not in cases[:i - 1] for i, case in enumerate(cases, start=1)
                     if i == 1 or case != cases[i - 2])
    began = [end if start is None else start for _, start, end in rows]
    timely = all(cases[i] != cases[i - 1] or (began[i], rows[i][2]) >= (began[i - 1],
                                                                      rows[i - 1][2])
                 for i in range(1, len(rows)))
    frame = pl.DataFrame(
        {"case_id": cases, "start_ts": [None if start is None else datetime(2024, 3, 1, start)
                                        for _, start, _ in rows],
         "end_ts": [datetime(2024, 3, 1, end) for _, _, end in rows]},
        schema={"case_id": pl.Categorical, "start_ts": pl.Datetime("us"),
                "end_ts": pl.Datetime("us")})
    size = max(len(rows) // chunks, 1)
    events = pl.concat([frame.slice(i, size) for i in range(0, len(rows), size)] or [frame],
                       rechunk=False)
    with mock.patch.object(event_log, "_ORDER_WINDOW_ROWS", window):
        assert event_log._in_case_order(events, case_count=len(set(cases))) == \
            (contiguous and timely)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "", " c", None]), max_size=30))
def test_case_ids_made_categorical_by_runs_are_those_cast_row_by_row(cases):
    from abc_costing.formats.event_log import _categorical_by_runs

    frame = pl.DataFrame({"case": cases}, schema={"case": pl.String})
    by_runs = frame.select(_categorical_by_runs(pl.col("case"))).to_series()
    assert by_runs.dtype == pl.Categorical and by_runs.len() == len(cases)
    assert by_runs.cast(pl.String).to_list() == cases


def test_reading_in_blocks_matches_reading_whole(tmp_path, monkeypatch):
    """Blocks are cut between records: never inside a quoted text, even one with line
    breaks and doubled quotes, nor one longer than a block; row numbers run on."""
    import abc_costing.formats.event_log as event_log

    lines = ['case;activity;end;note']
    for row in range(1, 201):
        note = '"a ""quoted""' + "\n" + 'second line"' if row % 7 == 0 else "plain"
        if row == 100:
            note = '"' + "long text; " * 20 + "\n" + '"'  # longer than a 64-byte block
        lines.append(f"c{row // 4};a{row % 3};2024-03-01 10:{row % 60:02d}:00;{note}")
    path = _write(tmp_path, "\n".join(lines) + "\n")
    whole = read_event_log(path).events
    monkeypatch.setattr(event_log, "_CSV_BLOCK_BYTES", 64)
    blocks = read_event_log(path).events
    assert blocks["row_no"].n_chunks() > 10  # it was read in many blocks
    assert blocks.height == whole.height == 200
    assert blocks.select(pl.all().cast(pl.String)).rows() == \
        whole.select(pl.all().cast(pl.String)).rows()
    bad = _write(tmp_path, "\n".join(lines[:151]) + "\nc99;a1;вчера;x\n", "bad.csv")
    with pytest.raises(LogError) as caught:
        read_event_log(bad)
    assert caught.value.row == 151 and "'вчера'" in caught.value.message
