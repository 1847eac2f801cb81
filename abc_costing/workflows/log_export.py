"""Writing a log's trace variants and their costs out, for other tools (ProM, Apromore).

``abc-costing variants LOG -o FILE`` calls :func:`write_log_costs`: ``.xes`` writes the
log's cases with their costs and variant ids (the XES cost extension, see
:mod:`abc_costing.formats.xes_export`), ``.parquet`` the variants table.

Examples
--------
>>> import pathlib, tempfile
>>> import polars as pl
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "log.csv").write_text(
...     "case,activity,end,cost\\n1,a,2024-03-01 10:00,12.5\\n2,a,2024-03-01 11:00,7.5\\n",
...     encoding="utf-8")
>>> written = write_log_costs(folder / "log.csv", source_name="log.csv",
...                           output=folder / "variants.parquet")
>>> written.problems, pl.read_parquet(folder / "variants.parquet")["recorded_cost_per_case"][0]
((), 10.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from abc_costing.i18n import N_
from abc_costing.problems import Count, Problem
from abc_costing.workflows.imports import (
    Engine,
    LogColumns,
    LogVariants,
    Rates,
    _read_log,
    _recorded_in_rates_currency,
    _variants,
    event_log_variants,
)

if TYPE_CHECKING:
    import polars as pl

    from abc_costing.formats.event_log import EventLog
    from abc_costing.mining import TraceVariant

__all__ = ["COST_OUTPUT_SUFFIXES", "LogCostsWritten", "variants_table", "write_log_costs"]

#: What ``variants -o`` writes, by the output's extension.
COST_OUTPUT_SUFFIXES = (".xes", ".parquet")


@dataclass(frozen=True)
class LogCostsWritten:
    """The variants of a log, and the file they were written to.

    Attributes:
      found: the log's variants, priced (as :func:`event_log_variants` gives them).
      output: the file written; None when nothing was (see ``problems``).
      traces: cases written (an ``.xes`` output), or variants (``.parquet``).
      problems: why nothing was written (an unreadable log, an unknown output type).
      warnings: what was written but is worth knowing (a name XML cannot carry whole).
    """

    found: LogVariants
    output: Path | None
    traces: int
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()


def variant_ids(variants: tuple[TraceVariant, ...]) -> dict[tuple[str, ...], str]:
    """Each variant's id: ``V1`` for the first, ``V2``, ... in the order listed (the
    costliest by modelled cost first, then the most frequent)."""
    return {v.activities: f"V{number}" for number, v in enumerate(variants, 1)}


def variants_table(variants: tuple[TraceVariant, ...], *, currency: str) -> pl.DataFrame:
    """The variants as a table for Parquet: id, activities (a list), cases, share, cycle
    time, labour, modelled and recorded cost per case, their difference, the total, the
    fit with the design, and the currency; one row per variant, in the order listed."""
    import polars as pl

    ids = variant_ids(variants)
    return pl.DataFrame(
        [{"variant": ids[v.activities], **v.as_dict(), "currency": currency}
         for v in variants],
        schema={"variant": pl.String, "activities": pl.List(pl.String),
                "case_count": pl.Int64, "share": pl.Float64,
                "mean_cycle_time_minutes": pl.Float64, "mean_labor_minutes": pl.Float64,
                "cost_per_case": pl.Float64, "fits_design": pl.Boolean,
                "recorded_cost_per_case": pl.Float64, "total_cost": pl.Float64,
                "unexplained_cost_per_case": pl.Float64, "currency": pl.String})


def _with_variants(log: EventLog, variants: tuple[TraceVariant, ...],
                   rates: Rates | None) -> pl.DataFrame:
    """The log's events priced, each with its case's variant id."""
    import polars as pl

    from abc_costing.mining import priced_events

    events = priced_events(log, rates=rates)
    ids = variant_ids(variants)
    paths = events.group_by("case_id", maintain_order=True).agg(
        pl.col("activity").cast(pl.String))
    case_variant = pl.DataFrame(
        {"case_id": paths["case_id"],
         "variant": [ids[tuple(path)] for path in paths["activity"].to_list()]})
    return events.join(case_variant, on="case_id", how="left", maintain_order="left")


def write_log_costs(data: bytes | Path, *, source_name: str, output: Path,
                    columns: LogColumns | None = None, rates: Rates | None = None,
                    engine: Engine = "local", spark_master: str | None = None
                    ) -> LogCostsWritten:
    """Read a log, price its variants, and write them to ``output`` (``.xes``: the cases
    with their costs and variant ids; ``.parquet``: the variants table).

    The costs are in the rates' currency (RUB without rates); a recorded cost in
    another currency is left out, as the variants table leaves it out. With
    ``engine="spark"`` only the variants table is written: an ``.xes`` output holds
    every event, which a log beyond one machine does not fit on.
    """
    from abc_costing.formats.xes_export import write_costed_xes
    from abc_costing.store.model_files import check_regular_target

    suffix = output.suffix.lower()
    if suffix not in COST_OUTPUT_SUFFIXES:
        nothing = LogVariants((), None, None, None, None, ())
        return LogCostsWritten(nothing, None, 0, (Problem(N_(
            "the variants are written as {formats}, not {suffix}",
            formats=", ".join(COST_OUTPUT_SUFFIXES), suffix=suffix or "''"),
            file=str(output)),))
    currency = rates.currency if rates is not None else "RUB"
    if engine == "spark":
        if suffix == ".xes":
            nothing = LogVariants((), None, None, None, None, ())
            return LogCostsWritten(nothing, None, 0, (Problem(N_(
                "the Spark engine writes the variants table (.parquet); writing every case "
                "as .xes needs the local engine"), file=str(output)),))
        found = event_log_variants(data, source_name=source_name,
                                   columns=columns or LogColumns(), rates=rates,
                                   engine=engine, spark_master=spark_master)
        if found.problems:
            return LogCostsWritten(found, None, 0, found.problems)
        return _write_table(found, output, currency)
    log, problems = _read_log(data, source_name=source_name, columns=columns or LogColumns())
    if log is None:
        return LogCostsWritten(LogVariants((), None, None, None, None, problems), None, 0,
                               problems)
    log = _recorded_in_rates_currency(log, rates)
    variants, share, design = _variants(log, rates)
    found = LogVariants(variants, share, design, log.case_count, log.event_count, (),
                        log.problems, log.has_cost)
    if suffix == ".parquet":
        return _write_table(found, output, currency)
    try:
        check_regular_target(output, name=str(output))
        written = write_costed_xes(output, _with_variants(log, variants, rates),
                                   currency=currency, log_name=Path(source_name).name)
    except OSError as error:
        return _cannot_write(found, output, error)
    warnings = () if not written.replaced_characters else (Problem(N_(
        "{count:,} name(s) held characters XML cannot carry (control characters): they are "
        "written as U+FFFD (\ufffd)", count=Count(written.replaced_characters)),
        file=str(output), severity="warning"),)
    return LogCostsWritten(found, output, written.traces, (), warnings)


def _cannot_write(found: LogVariants, output: Path, error: OSError) -> LogCostsWritten:
    """A folder that is not there, a link, a full disk: said, with the file."""
    return LogCostsWritten(found, None, 0, (Problem(
        N_("cannot write the file: {reason}", reason=error.strerror or str(error)),
        file=str(output)),))


def _write_table(found: LogVariants, output: Path, currency: str) -> LogCostsWritten:
    """The variants table written to ``output`` as Parquet."""
    from abc_costing.formats.xes_export import write_parquet_table
    from abc_costing.store.model_files import check_regular_target

    try:
        check_regular_target(output, name=str(output))
        write_parquet_table(output, variants_table(found.variants, currency=currency))
    except OSError as error:
        return _cannot_write(found, output, error)
    return LogCostsWritten(found, output, len(found.variants), ())
