"""The Spark runtime for mining: a log split by case over a cluster, our Polars code per bucket.

Spark only moves rows: it reads the log (CSV, Parquet; an XES log, or a log with
a lifecycle column, is read once on the driver by our own reader and handed to
Spark as Parquet), numbers the data rows as the local reader does, and
hash-partitions them by case id into buckets. Each bucket runs our own typing
and checking (:mod:`abc_costing.formats.event_log`) on its Arrow batch, then
:func:`abc_costing.mining.log_partial`; the driver collects the small partials
and merges them with :func:`abc_costing.mining.merge_partials`, the merge the
local engine runs on its one partial. Every partial is case-local and additive
(see :class:`~abc_costing.mining.LogPartial`), so the result is the local
engine's on the same log.

Where it differs from the local reader, on purpose: the size limits of a local
read (:data:`~abc_costing.formats.event_log.MAX_LOG_BYTES`,
``MAX_LOG_EVENTS``) do not apply; a CSV field may not hold a line break (Spark
splits the file by lines); when several rows fail the checks, the first check
failed wins and then the lowest row, as locally, but a text-length or cost
failure is reported by row alone.

pyspark is imported here only, inside the functions: the default install has no
Spark. Without pyspark or Java, :class:`SparkUnavailable` says what to install.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from abc_costing.formats.event_log import (
    _CHECKS,
    _ORDER,
    LogError,
    _csv_header,
    _load,
    _map_columns,
    header_currency,
    negative_cost_warning,
    no_start_warning,
    read_event_log,
)
from abc_costing.i18n import N_
from abc_costing.mining import LogFacts, LogPartial, log_partial, merge_partials
from abc_costing.problems import AbcCostingError, Problem

if TYPE_CHECKING:
    from abc_costing.model import ProcessModel, RateTable

__all__ = ["SparkLog", "SparkUnavailable", "spark_session", "read_partial"]

#: Buckets per core of the cluster when none are asked for: enough to balance the load.
_BUCKETS_PER_CORE = 4


class SparkUnavailable(AbcCostingError):
    """pyspark or Java is missing, or the Spark master cannot be reached.

    >>> str(SparkUnavailable("No module named 'pyspark'"))
    "the Spark engine needs pyspark and Java: install abc-costing[spark] and a JDK 17 (No module named 'pyspark')"
    """  # noqa: E501

    def __init__(self, reason: str):
        self.message = N_("the Spark engine needs pyspark and Java: install abc-costing[spark] "
                          "and a JDK 17 ({reason})", reason=reason)
        super().__init__(str(self.message))


def spark_session(master: str | None = None, *, config: dict[str, str] | None = None) -> Any:
    """The Spark session the engine runs on: ``master`` (else ``$SPARK_MASTER``, else
    ``local[*]``) with ``config`` (e.g. ``{"spark.executor.memory": "4g"}``); the builder
    also reads the usual ``SPARK_*``/``PYSPARK_*`` settings and ``spark-defaults.conf``.
    Raises :class:`SparkUnavailable` without pyspark or Java."""
    # PySpark warns on import that pandas 3 is not fully supported; the engine moves Arrow
    # batches (applyInArrow) and never goes through pandas, so the user is not told.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                            category=FutureWarning)
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise SparkUnavailable(str(error)) from None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise SparkUnavailable("java not found")
    master = master or os.environ.get("SPARK_MASTER") or "local[*]"
    builder = (SparkSession.builder.appName("abc-costing").master(master)
               .config("spark.sql.session.timeZone", "UTC")
               # no progress bars between the command's lines (a config may turn them on)
               .config("spark.ui.showConsoleProgress", "false"))
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    if master.startswith("local") and not os.environ.get("PYSPARK_PYTHON"):
        # Local workers run this interpreter (its venv has abc-costing), not the first
        # python3 on PATH; PySpark takes the workers' Python from this variable. On a cluster
        # the executors' Python is the cluster's setting (PYSPARK_PYTHON).
        os.environ["PYSPARK_PYTHON"] = sys.executable
    try:
        return builder.getOrCreate()
    except Exception as error:  # the JVM did not start: Java missing or broken, bad master
        raise SparkUnavailable(f"{type(error).__name__}: {str(error)[:200]}") from None


@dataclass(frozen=True)
class SparkLog:
    """A log read and reduced by Spark.

    Attributes:
      partial: the merged partial of all its cases (see :class:`~abc_costing.mining.LogPartial`).
      facts: what a mined model says about the log.
      problems: the reader's warnings (as the local reader gives them).
      cost_currencies: the currencies its recorded costs are in (see ``EventLog``).
    """

    partial: LogPartial
    facts: LogFacts
    problems: tuple[Problem, ...]
    cost_currencies: tuple[str, ...]


def _quoted_column(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _row_numbered(frame: Any) -> Any:
    """``frame`` with ``row_no``: the 1-based data row, in file order, as the local reader
    numbers rows. Spark's monotonically increasing id is (partition << 33) + index within
    the partition, and a file's partitions follow its order: one small job counts each
    partition's rows, and the offsets make the numbers contiguous."""
    from pyspark.sql import functions as F

    ided = frame.withColumn("_id", F.monotonically_increasing_id())
    part = F.shiftright(F.col("_id"), 33)
    counts = dict(ided.groupBy(part.alias("p")).count().collect())
    offsets, total = [], 0
    for index in range(max(counts, default=-1) + 1):
        offsets.append(total)
        total += counts.get(index, 0)
    offset = F.element_at(F.array(*[F.lit(o) for o in offsets or [0]]), (part + 1).cast("int"))
    low = F.col("_id").bitwiseAND(F.lit((1 << 33) - 1))
    return ided.withColumn("row_no", (offset + low + 1).cast("long")).drop("_id")


def _bucketed(frame: Any, case_column: str, buckets: int) -> Any:
    from pyspark.sql import functions as F

    # The local reader trims blanks off a case id before it compares them: so does the hash.
    case = F.regexp_replace(F.col(case_column).cast("string"), r"^\s+|\s+$", "")
    return frame.withColumn("_bucket", F.pmod(F.xxhash64(case), F.lit(buckets)))


def _error_rank(error: LogError) -> int:
    """Where the local reader would report ``error`` among several: the checks in order,
    then anything else."""
    template = getattr(error.message, "template", None)
    for index, (_, message, _) in enumerate(_CHECKS):
        if template == message.template:
            return index
    return len(_CHECKS)


def _bucket_task(columns: dict[str, str | None], sample: dict[str, list[str | None]] | None,
                 *, source: str, typed: bool, rates: ProcessModel | RateTable | None,
                 for_model: bool) -> Any:
    """The function each bucket runs: Arrow rows in, one row (bucket, pickled result) out."""

    def run(table: Any) -> Any:
        import pyarrow as pa

        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        bucket = int(frame["_bucket"][0]) if frame.height else -1
        raw = frame.drop("_bucket")
        result: tuple[Any, ...]
        try:
            if typed:  # already read by our reader: only the case order to restore
                events = raw.with_columns(pl.col("case_id", "activity", "resource")
                                          .cast(pl.Categorical)).sort(_ORDER)
                problems: list[Problem] = []
            else:
                events, problems, _ = _load(raw.lazy(), columns, "row_no", sample,
                                            source=source)
            part = log_partial(events, has_cost=columns["cost"] is not None, rates=rates,
                               for_model=for_model)
            negative = None
            if columns["cost"] is not None and not typed:
                below = events.filter(pl.col("cost") < 0).sort("row_no")
                if below.height:
                    negative = (int(below["row_no"][0]), float(below["cost"][0]), below.height)
            result = ("ok", part, problems, negative)
        except LogError as error:
            result = ("error", _error_rank(error), error.row, error.message)
        return pa.table({"bucket": [bucket], "payload": [pickle.dumps(result)]})

    return run


def _spark_frame(spark: Any, path: Path, explicit: dict[str, str | None], *, source: str
                 ) -> tuple[Any, dict[str, str | None], dict[str, list[str | None]] | None]:
    """The raw rows as Spark reads them, numbered; the column mapping; the time sample."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        names, separator, first_rows, _ = _csv_header(path, source=source, tab=suffix == ".tsv")
        columns = _map_columns(names, explicit, source=source)
        sample = {field: [row[names.index(name)] if len(row) > names.index(name) else None
                          for row in first_rows]
                  for field in ("start", "end") if (name := columns[field]) is not None}
        frame = (spark.read.option("header", True).option("sep", separator)
                 .option("quote", '"').option("escape", '"').option("inferSchema", False)
                 .option("multiLine", False).option("encoding", "UTF-8").csv(str(path)))
        frame = frame.toDF(*names)  # our header reading (BOM, blanks) names the columns
        return frame, columns, sample
    frame = spark.read.parquet(str(path))
    columns = _map_columns(frame.columns, explicit, source=source)
    return frame, columns, None


def read_partial(
    path: str | Path,
    *,
    explicit: dict[str, str | None] | None = None,
    rates: ProcessModel | RateTable | None = None,
    for_model: bool = False,
    master: str | None = None,
    spark: Any = None,
    buckets: int | None = None,
    source_name: str | None = None,
) -> SparkLog:
    """Read ``path`` with Spark and reduce it to one merged partial.

    ``explicit`` names columns as :func:`~abc_costing.formats.event_log.read_event_log`'s
    keywords do (case, activity, start, end, resource, lifecycle, instance, cost);
    ``rates`` prices the variants; ``for_model`` adds what a mined model needs.
    ``spark`` is a session to use (else :func:`spark_session` with ``master``);
    ``buckets`` the number of case buckets (default: 4 per core of the cluster).
    Raises :class:`~abc_costing.formats.event_log.LogError` as the local reader
    does, :class:`SparkUnavailable` without pyspark or Java.
    """
    path = Path(path)
    source = source_name or str(path)
    fields = ("case", "activity", "start", "end", "resource", "lifecycle", "instance", "cost")
    explicit = {field: (explicit or {}).get(field) for field in fields}
    if not path.is_file():
        raise LogError(N_("file not found") if not path.exists() else N_("is not a file"),
                       source=source)
    spark = spark if spark is not None else spark_session(master)
    name = path.name.lower()
    # XES, a lifecycle column (paired log-wide), or a format the reader refuses with a reason
    if explicit["lifecycle"] is not None or not name.endswith(
            (".csv", ".txt", ".tsv", ".parquet", ".pq")):
        return _read_locally_first(spark, path, explicit, rates=rates, for_model=for_model,
                                   buckets=buckets, source=source)
    frame, columns, sample = _spark_frame(spark, path, explicit, source=source)
    if columns["lifecycle"] is not None:  # found by its usual name: pairing is log-wide
        return _read_locally_first(spark, path, explicit, rates=rates, for_model=for_model,
                                   buckets=buckets, source=source)
    wanted = list(dict.fromkeys(n for n in columns.values() if n is not None))
    frame = _row_numbered(frame.select(*[_quoted_column(n) for n in wanted]))
    if sample is None:  # the time layouts are detected on the file's first rows, as locally
        texts = [f for f in ("start", "end") if (n := columns[f]) is not None
                 and dict(frame.dtypes)[n] == "string"]
        first = (frame.filter("row_no <= 1000").orderBy("row_no")
                 .select(*[_quoted_column(columns[f] or "") for f in texts]).collect())
        sample = {f: [row[i] for row in first] for i, f in enumerate(texts)}
    parts, problems, negatives = _reduce(spark, frame, columns, sample, source=source,
                                         typed=False, rates=rates, for_model=for_model,
                                         buckets=buckets)
    has_start = columns["start"] is not None
    if not has_start:
        problems = [*problems, no_start_warning()]
    if negatives:
        row, cost, _ = min(negatives)
        problems.append(negative_cost_warning(row, cost, sum(n for _, _, n in negatives)))
    currencies = _currencies(frame, columns) if columns["cost"] is not None else ()
    merged = merge_partials(parts)
    facts = LogFacts(source=source, has_start=has_start, has_cost=columns["cost"] is not None)
    return SparkLog(merged, facts, tuple(p.located(file=source) for p in problems), currencies)


def _currencies(frame: Any, columns: dict[str, str | None]) -> tuple[str, ...]:
    """The currencies by the local reader's rule, on the distinct values Spark finds."""
    from abc_costing.formats.event_log import CURRENCY_COLUMN_NAMES, _cost_currencies

    cost = columns["cost"] or ""
    by_lower = {n.strip().lower(): n for n in reversed(frame.columns)}
    column = next((by_lower[n] for n in CURRENCY_COLUMN_NAMES if n in by_lower), None)
    if column is None:
        code = header_currency(cost)
        return (code,) if code else ()
    values = [row[0] for row in frame.select(_quoted_column(column)).distinct().limit(20)
              .collect()]
    return _cost_currencies(pl.LazyFrame({column: values}, schema={column: pl.String}), cost)


def _read_locally_first(spark: Any, path: Path, explicit: dict[str, str | None], *,
                        rates: ProcessModel | RateTable | None, for_model: bool,
                        buckets: int | None, source: str) -> SparkLog:
    """An XES log, or one with lifecycle rows (paired log-wide, so not bucket by bucket):
    read once by our reader, written to Parquet, reduced by Spark from there."""
    log = read_event_log(path, source_name=source, case=explicit["case"],
                         activity=explicit["activity"], start=explicit["start"],
                         end=explicit["end"], resource=explicit["resource"],
                         lifecycle=explicit["lifecycle"], instance=explicit["instance"],
                         cost=explicit["cost"])
    columns: dict[str, str | None] = {"case": "case_id",
                                      "cost": "cost" if log.has_cost else None}
    with tempfile.TemporaryDirectory(prefix="abc-costing-spark-") as folder:
        parquet = Path(folder) / "events.parquet"
        log.events.with_columns(pl.col(pl.Categorical).cast(pl.String)).write_parquet(parquet)
        frame = spark.read.parquet(str(parquet))
        parts, _, _ = _reduce(spark, frame, columns, None, source=source, typed=True,
                              rates=rates, for_model=for_model, buckets=buckets)
    facts = LogFacts(source=source, has_start=log.has_start, has_cost=log.has_cost)
    return SparkLog(merge_partials(parts), facts, log.problems, log.cost_currencies)


def _reduce(spark: Any, frame: Any, columns: dict[str, str | None],
            sample: dict[str, list[str | None]] | None, *, source: str, typed: bool,
            rates: ProcessModel | RateTable | None, for_model: bool, buckets: int | None
            ) -> tuple[list[LogPartial], list[Problem], list[tuple[int, float, int]]]:
    """Bucket the rows by case, run the partial per bucket, collect: (partials, the reader's
    warnings, negative costs per bucket). The first error, as the local reader picks it,
    is raised."""
    count = buckets or max(1, _BUCKETS_PER_CORE * spark.sparkContext.defaultParallelism)
    case = columns["case"] or ""
    task = _bucket_task(columns, sample, source=source, typed=typed, rates=rates,
                        for_model=for_model)
    collected = (_bucketed(frame, _quoted_column(case), count).groupBy("_bucket")
                 .applyInArrow(task, "bucket long, payload binary").collect())
    results = [pickle.loads(row["payload"]) for row in collected]
    errors = sorted((r[1], r[2] if r[2] is not None else 0, r[3]) for r in results
                    if r[0] == "error")
    if errors:
        _, row, message = errors[0]
        raise LogError(message, source=source, row=row or None)
    if not results:
        raise LogError(N_("the log has no events"), source=source)
    parts = [r[1] for r in results]
    problems = [p for r in results for p in r[2]]
    negatives = [r[3] for r in results if r[3] is not None]
    return parts, problems, negatives
