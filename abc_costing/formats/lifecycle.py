"""Lifecycle transitions of an event log: start and complete rows made into executions.

Many tools write one row per *transition* of an activity instance rather than one
row per execution: PM4Py and Disco CSV exports, XES files, workflow engines. Two
rows ``start`` and ``complete`` of one instance are one execution; read as two,
a variant shows the activity twice and its labour is the case's whole cycle time.
This module turns such rows into one row per execution, with its start and end,
for every reader (CSV, Parquet, XES) alike.

What each transition means for labour (the words are compared case-insensitively;
English ones are the XES standard lifecycle model's, Russian ones those of 1C and
Bitrix24 exports):

============================  ===================================================
transition                    meaning
============================  ===================================================
start, начало, старт          work on the instance begins
complete, завершение, …       work ends; the execution is counted (an event with
(or no transition at all)     no transition is an atomic completion, as in XES)
ate_abort, pi_abort,          work ends unfinished: the minutes since its start
прервано                      were spent and are labour; the execution is counted
suspend / resume,             no labour between a suspend and the next resume of
приостановлено / возобновлено the same instance: the pause is subtracted
schedule, assign, reassign,   no labour (the instance is planned, handed over,
withdraw, autoskip,           withdrawn or skipped): the row is dropped; the time
manualskip, назначено, …      before the start is waiting, not work
============================  ===================================================

Pairing: the rows of one instance share the case, the activity and, when the
log has one, the instance id (XES ``concept:instance``). Without an instance
id, a complete closes the most recent open start of the same activity in the
same case. With one instance at a time that is the order they happened; when a
start has lost its complete, the later pairs are not shifted by it. Rows that
find no partner (a complete without its start, a start never completed, a
suspend never resumed) are reported as warnings and skipped: one lost row does
not make the log unreadable. An activity that is never started anywhere in
the log is logged by its completions only: those are executions without a
start time, not unmatched rows. A transition not in the table is reported and
its rows skipped; when no value of the column starts, completes or aborts
work, the column is not the lifecycle model (BPIC 2013 writes an incident's status there), and
each row is read as one completed event, with a warning.

Recorded costs of the start and the complete row of an instance are added;
costs on rows that are dropped are reported (their total), never silently lost.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> rows = pl.DataFrame({
...     "row_no": [1, 2, 3], "case_id": ["1", "1", "1"], "activity": ["a", "a", "b"],
...     "start_ts": [None, None, None],
...     "end_ts": [datetime(2024, 3, 1, 9), datetime(2024, 3, 1, 9, 20),
...                datetime(2024, 3, 1, 10)],
...     "resource": [None, None, None], "lifecycle": ["start", "complete", "complete"]},
...     schema_overrides={"row_no": pl.UInt32, "start_ts": pl.Datetime("us"),
...                       "resource": pl.String})
>>> events, problems = pair_transitions(rows)
>>> events.sort("row_no").select("activity", "start_ts", "end_ts").rows()
[('a', datetime.datetime(2024, 3, 1, 9, 0), datetime.datetime(2024, 3, 1, 9, 20)), \
('b', None, datetime.datetime(2024, 3, 1, 10, 0))]
>>> problems
[]
"""

from __future__ import annotations

import polars as pl

from abc_costing.i18n import N_
from abc_costing.numbers import Figure
from abc_costing.problems import Count, Problem, cut

__all__ = ["PHASES", "pair_transitions"]

#: Each known transition word (lower case) and what it is: see the module docstring.
PHASES: dict[str, str] = {
    **dict.fromkeys(("start", "begin", "started", "начало", "старт", "начато", "начат",
                     "в работе"), "start"),
    **dict.fromkeys(("complete", "completed", "end", "finish", "finished", "done",
                     "завершение", "завершено", "завершен", "окончание", "конец",
                     "выполнено", "выполнен"), "complete"),
    **dict.fromkeys(("ate_abort", "pi_abort", "abort", "aborted", "прервано", "прерван"),
                    "abort"),
    **dict.fromkeys(("suspend", "suspended", "приостановлено", "приостановлен", "пауза"),
                    "suspend"),
    **dict.fromkeys(("resume", "resumed", "возобновлено", "возобновлен"), "resume"),
    **dict.fromkeys(("schedule", "scheduled", "assign", "assigned", "reassign", "withdraw",
                     "withdrawn", "autoskip", "manualskip", "запланировано", "назначено",
                     "назначение", "переназначено", "отозвано", "пропущено"), "drop"),
}

_MINUTE_US = 60_000_000.0
_KEY = ["case_id", "activity", "instance"]


def _pairs(rows: pl.DataFrame, *, opens: str, closes: tuple[str, ...]
           ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each closing row with the row it closes: ``(paired, unmatched)``.

    Within one instance key, in time order, a closing row closes the most
    recent open row (innermost first). Counting +1 for an open and −1 for a
    close, the number of open rows after each row is the running sum lifted by
    its lowest point so far below zero (a close with nothing open is unmatched
    and leaves nothing open). An open row at depth d and the next close that
    brings depth d back to d − 1 are partners: numbered within (key, depth),
    the n-th open pairs with the n-th close. Vectorised, no loop over rows.

    ``paired`` has the closing row's columns plus ``open_ts``, ``open_row``,
    ``open_resource`` (and ``open_cost`` when rows carry a cost); ``unmatched``
    the rows without a partner.
    """
    step = pl.when(pl.col("phase") == opens).then(1).otherwise(-1)
    total = step.cum_sum().over(_KEY)
    floor = pl.min_horizontal(pl.lit(0), pl.col("total").cum_min().over(_KEY))
    ordered = (rows.lazy().filter(pl.col("phase").is_in([opens, *closes]))
               .sort([*_KEY, "end_ts", "row_no"], nulls_last=True)
               .with_columns(total.alias("total"))
               .with_columns(floor.alias("floor"))
               .with_columns(
                   (pl.col("floor") < pl.col("floor").shift(1, fill_value=0).over(_KEY))
                   .alias("lost"),
                   (pl.col("total") - pl.col("floor")).alias("depth"))
               .with_columns(pl.when(pl.col("phase") == opens).then(pl.col("depth"))
                             .otherwise(pl.col("depth") + 1).alias("level"),
                             (pl.col("phase") == opens).alias("is_open")))
    kept = ordered.filter(~pl.col("lost")).with_columns(
        pl.int_range(pl.len()).over([*_KEY, "level", "is_open"]).alias("nth"))
    extra = ["cost"] if "cost" in rows.columns else []
    open_rows = kept.filter(pl.col("is_open")).select(
        *_KEY, "level", "nth", pl.col("end_ts").alias("open_ts"),
        pl.col("row_no").alias("open_row"), pl.col("resource").alias("open_resource"),
        *(pl.col(c).alias(f"open_{c}") for c in extra))
    closing = kept.filter(~pl.col("is_open"))
    paired = closing.join(open_rows, on=[*_KEY, "level", "nth"], how="left",
                          nulls_equal=True).collect()
    matched_opens = paired.select("open_row").drop_nulls().to_series()
    unmatched = pl.concat([
        ordered.filter(pl.col("lost")).select(rows.columns).collect(),
        kept.filter(pl.col("is_open") & ~pl.col("row_no").is_in(matched_opens.implode()))
        .select(rows.columns).collect()])
    return paired.filter(pl.col("open_row").is_not_null()), unmatched


def _pauses(rows: pl.DataFrame, executions: pl.DataFrame
            ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Minutes each execution was suspended (column ``pause_minutes``), and the suspend
    and resume rows that found no partner or no execution to belong to."""
    paused, unmatched = _pairs(rows, opens="suspend", closes=("resume",))
    spans = paused.select(*_KEY, pl.col("open_ts").alias("suspended"),
                          ((pl.col("end_ts").cast(pl.Int64) - pl.col("open_ts").cast(pl.Int64))
                           / _MINUTE_US).alias("minutes"),
                          "open_row", "row_no")
    owners = executions.select(*_KEY, "start_ts", pl.col("row_no").alias("owner")
                               ).drop_nulls("start_ts").sort("start_ts")
    placed = spans.sort("suspended").join_asof(
        owners, left_on="suspended", right_on="start_ts", by=_KEY, strategy="backward",
        check_sortedness=False)  # sorted by time, as a whole and so within each key
    orphans = placed.filter(pl.col("owner").is_null())
    lost = rows.filter(pl.col("row_no").is_in(pl.concat([orphans["open_row"],
                                                         orphans["row_no"]]).implode()))
    totals = (placed.filter(pl.col("owner").is_not_null()).group_by("owner")
              .agg(pl.col("minutes").sum().alias("pause_minutes")))
    timed = (executions.join(totals, left_on="row_no", right_on="owner", how="left")
             .with_columns(pl.col("pause_minutes").fill_null(0.0)))
    return timed, pl.concat([unmatched, lost])


def pair_transitions(rows: pl.DataFrame) -> tuple[pl.DataFrame, list[Problem]]:
    """One row per execution from rows of transitions; ``(executions, warnings)``.

    ``rows`` has the event table's columns (``row_no``, ``case_id``, ``activity``,
    ``start_ts``, ``end_ts`` as the row's time, ``resource``), a ``lifecycle``
    text column, and optionally ``instance`` and ``cost``. The result has the
    event table's columns (plus ``cost`` when given, and ``pause_minutes`` when
    the log suspends any instance), one row per execution, numbered by its
    completing row, in no particular order. See the module docstring for the rules.
    """
    columns = [c for c in rows.columns if c not in ("lifecycle", "instance")]
    word = pl.col("lifecycle").cast(pl.String).str.strip_chars().str.to_lowercase()
    rows = rows.with_columns(
        pl.when(word.is_null() | (word == "")).then(pl.lit("complete"))
        .otherwise(word.replace_strict(PHASES, default="?")).alias("phase"),
        word.alias("word"),
        # "" for no instance id: a null would never match in the as-of join of pauses.
        (pl.col("instance").cast(pl.String).fill_null("") if "instance" in rows.columns
         else pl.lit("")).alias("instance"))
    if rows.height and not rows["phase"].is_in(["start", "complete", "abort"]).any():
        # Not the lifecycle model at all (BPIC 2013 writes an incident's status here:
        # "Accepted", "Queued", "Completed"…): each row is one event, as without the column.
        words = rows["word"].unique(maintain_order=True).head(4).to_list()
        shown = ", ".join(repr(cut(w)) for w in words) + (
            ", …" if rows["word"].n_unique() > 4 else "")
        problems = [Problem(
            N_("lifecycle column: none of its values ({values}) starts or completes work "
               "(start, complete, abort…), so it is not read as transitions: each row is "
               "one event, completed at its time", values=shown), severity="warning")]
        rows = rows.with_columns(pl.lit("complete").alias("phase"))
    else:
        problems = _unknown_words(rows)
    started = rows.filter(pl.col("phase") == "start")["activity"].unique().implode()
    atomic = rows.filter((pl.col("phase").is_in(["complete", "abort"]))
                         & ~pl.col("activity").is_in(started))
    in_pairs = rows.filter(pl.col("activity").is_in(started))
    paired, unmatched = _pairs(in_pairs, opens="start", closes=("complete", "abort"))
    # An abort with nothing open ended an instance never begun: nothing was spent.
    unmatched = unmatched.filter(pl.col("phase") != "abort")
    executions = paired.with_columns(
        pl.coalesce("open_ts", "start_ts").alias("start_ts"),
        pl.coalesce("resource", "open_resource").alias("resource"),
        *([pl.sum_horizontal("cost", "open_cost").alias("cost")] if "cost" in columns
          else []))
    executions = pl.concat([atomic.select(*columns, "instance"),
                            executions.select(*columns, "instance")])
    pausing = in_pairs.filter(pl.col("phase").is_in(["suspend", "resume"]))
    if pausing.height:
        executions, lost = _pauses(pausing, executions)
        unmatched = pl.concat([unmatched, lost.select(unmatched.columns)])
        columns.append("pause_minutes")
    problems += _unmatched_report(unmatched, started_count=started.list.len().item())
    if "cost" in columns:
        problems += _lost_costs(rows, executions)
    return executions.select(columns), problems


def _unknown_words(rows: pl.DataFrame) -> list[Problem]:
    unknown = (rows.filter(pl.col("phase") == "?").group_by("word")
               .agg(pl.len().alias("n"), pl.col("row_no").min().alias("first"))
               .sort("first").rows())
    return [Problem(N_("row {row}: lifecycle transition {word} is not one this tool knows "
                       "(start, complete, suspend, resume, ate_abort, schedule, assign, …): "
                       "its {count:,} row(s) are skipped", row=first, word=repr(cut(word)),
                       count=Count(n)), severity="warning")
            for word, n, first in unknown]


def _unmatched_report(unmatched: pl.DataFrame, *, started_count: int) -> list[Problem]:
    """One warning per kind of row without a partner: how many, in how many cases, first row."""
    if unmatched.height == 0:
        return []
    words = {"start": N_("a start without its complete"),
             "complete": N_("a complete without its start"),
             "suspend": N_("a suspend never resumed"), "resume": N_("a resume without a suspend")}
    problems = []
    for phase, n, cases, first in (unmatched.group_by("phase")
                                   .agg(pl.len(), pl.col("case_id").n_unique(),
                                        pl.col("row_no").min())
                                   .sort("row_no").rows()):
        problems.append(Problem(
            N_("row {row}: {what} (the same activity in the same case); {count:,} such "
               "row(s) in {cases:,} case(s) are skipped: their minutes are not labour and "
               "their case's path lacks them", row=first, what=words.get(phase, phase),
               count=Count(n), cases=Count(cases)), severity="warning"))
    return problems


def _lost_costs(rows: pl.DataFrame, executions: pl.DataFrame) -> list[Problem]:
    kept = float(executions["cost"].sum())
    written = float(rows["cost"].sum())
    lost = written - kept
    if abs(lost) <= 1e-9 * max(1.0, abs(written)):
        return []
    return [Problem(N_("recorded cost {lost} is on rows that are not executions "
                       "(schedule, assign, suspend, resume, or rows without a partner) and is "
                       "not counted", lost=Figure(lost, 2)),
                    severity="warning")]
