"""Bringing models in: a BPMN file, an event log, a rates table, as the CLI and the dashboard do.

Every input is checked here, once, whichever front end it came through:
size, encoding, JSON shape of Prosimos parameters, the log's columns. An
upload's bytes are read from a temporary file whose name this module makes
(``upload.csv``); the name the browser sent is only ever shown, never used
as a path. What a user imports is compared with the library before it can
be saved: a file that would replace a variant, or that duplicates one under
another name, is named.

Examples
--------
>>> from abc_costing.formats.bpmn import model_to_bpmn
>>> from abc_costing.workflows.library import open_library
>>> library = open_library("process_models")
>>> exported = model_to_bpmn(library.model("contract_approval", "as_is"))
>>> imported = import_bpmn(exported, source_name="согласование.bpmn", library=library)
>>> imported.target  # the process it was exported from, not one named after the upload
'contract_approval/as_is.yaml'
>>> [p.message.split(";")[0] for p in imported.problems if p.severity == "error"]
['contract_approval/as_is is already in the library (contract_approval/as_is.yaml)']
>>> import_bpmn(b"<x/>", source_name="x.bpmn", params=b"[1, 2]", params_name="p.json"
...             ).problems[0].message
'Prosimos parameters are a JSON object ({...}), not a list'
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Literal, TypeAlias, Union

from abc_costing.i18n import N_
from abc_costing.problems import ModelError, Problem, has_errors
from abc_costing.workflows.library import Library, error_message

if TYPE_CHECKING:
    # The records and the engine load pydantic, networkx and NumPy, which `variants`
    # without `--rates` never needs; the functions that cost or read a model import them.
    # Mining loads Polars: only the log commands need it.
    from abc_costing.engine import CostResult
    from abc_costing.formats.bpmn import BpmnPool
    from abc_costing.formats.event_log import EventLog
    from abc_costing.mining import TraceVariant
    from abc_costing.mining_spark import SparkLog
    from abc_costing.model import ProcessModel, RateTable

__all__ = [
    "ImportedModel",
    "LogColumns",
    "LogPreview",
    "LogVariants",
    "MAX_PARAMS_BYTES",
    "Rates",
    "check_model_text",
    "model_text_label",
    "export_bpmn",
    "event_log_variants",
    "parse_model_file",
    "process_slug_for",
    "bpmn_file_pools",
    "import_bpmn",
    "import_bpmn_pools",
    "import_event_log",
    "MinedLog",
    "mine_event_log",
    "preview_event_log",
    "read_rates",
    "LOG_SUFFIXES",
    "RATES_TABLE_SUFFIXES",
]

#: Prosimos parameter files larger than this are refused unread.
MAX_PARAMS_BYTES = 5 * 1024 * 1024
#: Event log files by extension; the extension decides how a file is read.
LOG_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".xes", ".xes.gz")
#: ``--rates`` files read as a rates table; a ``.yaml`` is read as a model.
RATES_TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")

#: Rates for a log: a library model (its rates and its designed flow) or a rates table.
#: Its members are named as text (forward references) so that the alias costs no import.
Rates: TypeAlias = Union["ProcessModel", "RateTable"]  # noqa: UP007 (``|`` needs the classes)


@dataclass(frozen=True)
class ImportedModel:
    """A model made from another tool's file, with what is still to fill in.

    Attributes:
      source_name: the file it came from, as the user named it.
      text: the model's YAML text (empty when nothing could be made).
      model: the model when the text is valid (None while ``"?"``
        placeholders or errors remain).
      result: its costing, when it has one.
      target: where it would be saved, relative to the library
        (``process/variant.yaml``).
      problems: what the import assumed or could not do, what the model
        still lacks, and clashes with the library.
      variants: for an event log, its trace variants, costliest first.
      conformance: share of cases the designed flow allows (None without one).
      case_count, event_count: the log's size.
      pool: for a BPMN file with several pools, the pool it was made from.
    """

    source_name: str
    text: str
    model: ProcessModel | None
    result: CostResult | None
    target: str | None
    problems: tuple[Problem, ...]
    variants: tuple[TraceVariant, ...] = ()
    conformance: float | None = None
    case_count: int | None = None
    event_count: int | None = None
    pool: BpmnPool | None = None


def _library_clashes(model: ProcessModel, library: Library) -> list[Problem]:
    """What saving ``model`` into ``library`` would clash with, named by file."""
    problems = []
    existing = library.find(model.process, model.variant)
    if existing is not None:
        problems.append(Problem(
            N_("{process}/{variant} is already in the library ({label}); give the model "
               "another variant (its `variant:` field) to save it beside that one",
               process=model.process, variant=model.variant, label=library.label(existing[0])),
            element="variant"))
    same = _definition(model)
    for path, other in library.models:
        if (other.process, other.variant) == (model.process, model.variant):
            continue
        if _definition(other) == same:
            problems.append(Problem(
                N_("the same process as {label} (identical tasks, rates and flows): saved as "
                   "{process}/{variant}, capacity would count its work twice",
                   label=library.label(path), process=model.process, variant=model.variant),
                element="process", severity="warning"))
        elif (model.title and other.title == model.title and other.process != model.process):
            problems.append(Problem(
                N_("has the title of process {process!r} ({label}); if it is a variant of that "
                   "process, set `process: {process}`", process=other.process,
                   label=library.label(path)),
                element="process", severity="warning"))
    return _unique(problems)


def _definition(model: ProcessModel) -> tuple:
    return (model.resources, model.activities, model.gateways, model.events,
            tuple(model.flows), model.currency)


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def model_text_label(source_name: str) -> str:
    """How problems name the model text made from ``source_name`` (their lines are its lines).

    >>> model_text_label("order.bpmn")
    'model text from order.bpmn'
    """
    return f"model text from {source_name}"


def check_model_text(text: str, *, source_name: str, library: Library | None = None
                     ) -> tuple[ProcessModel | None, CostResult | None, str | None,
                                tuple[Problem, ...]]:
    """Check an imported model's text as it stands (placeholders filled in or not).

    Returns ``(model, result, target, problems)``: the model and its costing
    when valid, where it would be saved, and every problem including clashes
    with ``library``.
    """
    from abc_costing.engine import RoutingError, cost_model
    from abc_costing.formats import parse_model_text

    model, problems = parse_model_text(text, source=source_name)
    if model is None:
        return None, None, None, tuple(problems)
    target = f"{model.process}/{model.variant}.yaml"
    if library is not None:
        problems += _library_clashes(model, library)
    try:
        result = cost_model(model)
    except (ModelError, RoutingError) as error:
        found = error.problems if isinstance(error, ModelError) else [Problem(error_message(error))]
        return model, None, target, tuple(problems + found)
    return model, result, target, tuple(problems)


def _imported(source_name: str, text: str, found: list[Problem], library: Library | None, *,
              variants: tuple[TraceVariant, ...] = (), conformance: float | None = None,
              case_count: int | None = None, event_count: int | None = None) -> ImportedModel:
    if not text:
        return ImportedModel(source_name, "", None, None, None, tuple(found), variants,
                             conformance, case_count, event_count)
    model, result, target, checked = check_model_text(text, source_name=model_text_label(
        source_name), library=library)
    # The import's own warnings first; the text's problems (placeholders) after, once.
    problems = _unique([p for p in found if p not in checked] + list(checked))
    return ImportedModel(source_name, text, None if has_errors(problems) else model, result,
                         target, tuple(problems), variants, conformance, case_count,
                         event_count)


# --- BPMN ------------------------------------------------------------------------------------


def _prosimos_params(data: bytes, name: str) -> tuple[dict | None, list[Problem]]:
    try:
        params = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None, [Problem(N_("not UTF-8 text (save it as UTF-8)"), file=name)]
    except (json.JSONDecodeError, RecursionError) as error:
        detail = (f"line {error.lineno}: {error.msg}" if isinstance(error, json.JSONDecodeError)
                  else "nested too deeply")
        return None, [Problem(N_("not a JSON file ({detail})", detail=detail), file=name)]
    if not isinstance(params, dict):
        kind = {list: "a list", str: "a string", type(None): "null"}.get(type(params),
                                                                        "a number")
        return None, [Problem(N_("Prosimos parameters are a JSON object ({{...}}), not {kind}",
                                 kind=kind),
                              file=name)]
    return params, []


def _read_limited(source: bytes | Path, *, limit: int, name: str
                  ) -> tuple[bytes | None, tuple[Problem, ...]]:
    """The bytes of an input given as bytes or as a file, refused unread above ``limit``."""
    if isinstance(source, bytes):
        data = source
    else:
        try:
            size = source.stat().st_size
            if size > limit:
                return None, (Problem(N_("the file is {size:,} bytes; the limit is {limit:,} "
                                         "bytes", size=size, limit=limit),
                                      file=name),)
            data = source.read_bytes()
        except OSError as error:
            return None, (Problem(N_("cannot read: {reason}", reason=error.strerror or error),
                                  file=name),)
    if len(data) > limit:
        return None, (Problem(N_("the file is {count:,} bytes; the limit is {limit:,} bytes",
                                 count=len(data), limit=limit),
                              file=name),)
    return data, ()


def _bpmn_inputs(data: bytes | Path, *, source_name: str, params: bytes | Path | None,
                 params_name: str) -> tuple[bytes | None, dict | None, tuple[Problem, ...]]:
    """The BPMN file's bytes and the parsed Prosimos parameters, or why not."""
    from abc_costing.formats.bpmn import MAX_BPMN_BYTES

    bpmn, problems = _read_limited(data, limit=MAX_BPMN_BYTES, name=source_name)
    if bpmn is None:
        return None, None, problems
    parsed = None
    if params is not None:
        raw, problems = _read_limited(params, limit=MAX_PARAMS_BYTES, name=params_name)
        if raw is not None:
            parsed, found = _prosimos_params(raw, params_name)
            problems += tuple(found)
        if problems:
            return None, None, problems
    return bpmn, parsed, ()


def import_bpmn(
    data: bytes | Path,
    *,
    source_name: str,
    params: bytes | Path | None = None,
    params_name: str = "parameters.json",
    process: str | None = None,
    variant: str | None = None,
    pool: str | None = None,
    library: Library | None = None,
) -> ImportedModel:
    """A model from a BPMN 2.0 file, with Prosimos parameters when given.

    ``data`` and ``params`` are the files' bytes (an upload) or their paths.
    ``process`` and ``variant`` default to what the file carries (a file this
    tool exported keeps its process and variant, so it comes back as the same
    process, not a new one named after the upload). A file with several pools
    that have content needs ``pool`` (its id, its process's id or its name; see
    :func:`bpmn_file_pools`), or :func:`import_bpmn_pools` for all of them.
    """
    from abc_costing.formats.bpmn import bpmn_to_model_text

    bpmn, parsed, problems = _bpmn_inputs(data, source_name=source_name, params=params,
                                          params_name=params_name)
    if bpmn is None:
        return ImportedModel(source_name, "", None, None, None, problems)
    text, found = bpmn_to_model_text(bpmn, source=source_name, params=parsed,
                                     process=process, variant=variant, pool=pool)
    return _imported(source_name, text, list(found), library)


def import_bpmn_pools(
    data: bytes | Path,
    *,
    source_name: str,
    params: bytes | Path | None = None,
    params_name: str = "parameters.json",
    variant: str | None = None,
    library: Library | None = None,
) -> tuple[ImportedModel, ...]:
    """One model per pool of a BPMN file that has content, each a process of its own.

    Each model's process is named after its pool (different slugs for
    different pools); a message one pool waits for from another is a wait in
    its model (see :func:`abc_costing.formats.bpmn.bpmn_to_model_texts`). A file
    that cannot be read at all gives one result with no text and its problems.

    Examples
    --------
    >>> from abc_costing.formats.bpmn import model_to_bpmn
    >>> from abc_costing.workflows.library import open_library
    >>> library = open_library("process_models")
    >>> one = import_bpmn_pools(model_to_bpmn(library.model("contract_approval", "as_is")),
    ...                         source_name="x.bpmn", variant="copy")
    >>> [(m.pool.name, m.target) for m in one]
    [('Согласование договора с клиентом (как есть)', 'contract_approval/copy.yaml')]
    """
    from abc_costing.formats.bpmn import bpmn_to_model_texts

    bpmn, parsed, problems = _bpmn_inputs(data, source_name=source_name, params=params,
                                          params_name=params_name)
    if bpmn is None:
        return (ImportedModel(source_name, "", None, None, None, problems),)
    pools, refused = bpmn_to_model_texts(bpmn, source=source_name, params=parsed,
                                         variant=variant)
    if not pools:
        return (ImportedModel(source_name, "", None, None, None, tuple(refused)),)
    # A model with "?" left has no target of its own yet; the pool's place is still known.
    return tuple(replace(imported, pool=p.pool, target=imported.target or p.target)
                 for p in pools
                 for imported in [_imported(source_name, p.text, list(p.problems), library)])


def bpmn_file_pools(data: bytes | Path, *, source_name: str
                    ) -> tuple[tuple[BpmnPool, ...], tuple[Problem, ...]]:
    """The pools with content of a BPMN file, for a user to choose which to import."""
    from abc_costing.formats.bpmn import MAX_BPMN_BYTES, bpmn_pools

    bpmn, problems = _read_limited(data, limit=MAX_BPMN_BYTES, name=source_name)
    if bpmn is None:
        return (), problems
    pools, found = bpmn_pools(bpmn, source=source_name)
    return tuple(pools), tuple(found)


def export_bpmn(model_path: str | Path, output: str | Path) -> tuple[ProcessModel | None,
                                                                     tuple[Problem, ...]]:
    """Write a model file as BPMN 2.0 with a laid-out diagram (bpmn.io, Camunda Modeler).

    Returns the model written (None when nothing was) and the problems found.
    """
    from abc_costing.formats.bpmn import model_to_bpmn
    from abc_costing.reports.figures import process_flow_layout
    from abc_costing.workflows.reporting import write_output

    model, problems = parse_model_file(Path(model_path), source_name=str(model_path))
    if model is None:
        return None, problems
    try:
        bpmn = model_to_bpmn(model, layout=process_flow_layout(model))
    except ModelError as refused:  # case classes: BPMN has no form for them
        return None, problems + tuple(refused.problems)
    written = write_output(output, bpmn)
    return (None if written else model), problems + written


# --- event logs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogColumns:
    """Which column of a log holds each field; None: found by its usual name.

    Attributes:
      case, activity, start, end, resource: column names as in the file.
      lifecycle: the transition of each row (start, complete, ...): rows of one
        activity instance are paired into one execution.
      instance: the activity instance a row belongs to (pairs rows exactly).
      cost: the cost the log recorded for each event.
    """

    case: str | None = None
    activity: str | None = None
    start: str | None = None
    end: str | None = None
    resource: str | None = None
    lifecycle: str | None = None
    instance: str | None = None
    cost: str | None = None


@dataclass(frozen=True)
class LogPreview:
    """A log's columns, before it is read, so a user can say which is which.

    Attributes:
      columns: the column names of the file (XES: its standard keys).
      guessed: each field's column found by its usual name (English or Russian).
      problems: why the file cannot be read, when it cannot.
    """

    columns: tuple[str, ...]
    guessed: LogColumns
    problems: tuple[Problem, ...] = field(default=())


def process_slug_for(source_name: str) -> str:
    """A process slug for a log named ``source_name``: its stem, in slug letters.

    The name is only ever data here: a file name the browser sent becomes at
    most a slug, never a path.

    >>> process_slug_for("../../Сделки 2024.csv"), process_slug_for("???.xes")
    ('сделки_2024', 'mined')
    """
    stem = PurePath(source_name.replace("\\", "/")).stem
    return re.sub(r"[^\w-]+", "_", stem).strip("_-").lower()[:60] or "mined"


def _log_suffix(source_name: str) -> str | None:
    if source_name.lower().endswith(".xes.gz"):
        return ".xes.gz"
    suffix = Path(source_name).suffix.lower()
    return suffix if suffix in LOG_SUFFIXES else None


@contextlib.contextmanager
def _upload(data: bytes | Path, suffix: str) -> Iterator[Path]:
    """A path to read ``data`` from: the file itself, or a temporary copy we name."""
    if isinstance(data, Path):
        yield data
        return
    import tempfile  # an upload's only user (0.01-0.02 s of CPU): not for every command

    with tempfile.TemporaryDirectory(prefix="abc-costing-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        yield path


def _log_problem(error: Exception, source_name: str) -> Problem:
    from abc_costing.i18n import N_  # here, not at the top: one line changed for issue 14

    message = getattr(error, "message", str(error))
    row = getattr(error, "row", None)
    return Problem(message if row is None else N_("row {row}: {message}", row=row,
                                                  message=message), file=source_name)


def preview_event_log(data: bytes | Path, *, source_name: str) -> LogPreview:
    """The columns of a log and the fields recognised among them."""
    from abc_costing.formats.event_log import LogError, guess_columns, log_columns

    suffix = _log_suffix(source_name)
    if suffix is None:
        return LogPreview((), LogColumns(), (Problem(
            N_("unknown log format; use {formats}", formats=', '.join(LOG_SUFFIXES)),
            file=source_name),))
    try:
        with _upload(data, suffix) as path:
            columns = log_columns(path, source_name=source_name)
    except LogError as error:
        return LogPreview((), LogColumns(), (_log_problem(error, source_name),))
    return LogPreview(tuple(columns), LogColumns(**guess_columns(columns)))


@dataclass(frozen=True)
class LogVariants:
    """The trace variants of an event log, priced.

    Attributes:
      variants: each distinct path, costliest first.
      conformance: share of cases the designed flow allows (None without a model).
      design_cost_per_instance: the designed model's exact cost (None without one).
      case_count, event_count: the log's size.
      problems: why the log cannot be read, when it cannot.
      warnings: rows read but not used (a complete without its start, ...).
      has_recorded_cost: whether the log records a cost per event.
    """

    variants: tuple[TraceVariant, ...]
    conformance: float | None
    design_cost_per_instance: float | None
    case_count: int | None
    event_count: int | None
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()
    has_recorded_cost: bool = False


def _read_log(data: bytes | Path, *, source_name: str, columns: LogColumns
              ) -> tuple[EventLog | None, tuple[Problem, ...]]:
    from abc_costing.formats.event_log import LogError, read_event_log

    suffix = _log_suffix(source_name)
    if suffix is None:
        return None, (Problem(N_("unknown log format; use {formats}",
                                 formats=', '.join(LOG_SUFFIXES)),
                              file=source_name),)
    try:
        with _upload(data, suffix) as path:
            return read_event_log(path, source_name=source_name, case=columns.case,
                                  activity=columns.activity, start=columns.start,
                                  end=columns.end, resource=columns.resource,
                                  lifecycle=columns.lifecycle, instance=columns.instance,
                                  cost=columns.cost), ()
    except LogError as error:
        return None, (_log_problem(error, source_name),)


def _variants(log: EventLog | None, rates: Rates | None,
              found: list[TraceVariant] | None = None
              ) -> tuple[tuple[TraceVariant, ...], float | None, float | None]:
    """The variants (``found``, else those of ``log``), their conformance, the design's cost."""
    from abc_costing.mining import conformance, trace_variants

    if found is None:
        assert log is not None
        found = trace_variants(log, rates=rates)
    variants = tuple(found)
    design = None
    if rates is not None:  # without rates, no model records (pydantic) nor engine are loaded
        from abc_costing.engine import cost_model
        from abc_costing.model import ProcessModel

        design = cost_model(rates).cost_per_instance if isinstance(rates, ProcessModel) else None
    return variants, conformance(variants), design


#: Where a log is reduced: "local" (Polars here) or "spark" (a Spark cluster).
Engine = Literal["local", "spark"]


def _read_on_spark(data: bytes | Path, *, source_name: str, columns: LogColumns,
                   rates: Rates | None, for_model: bool, spark_master: str | None
                   ) -> tuple[SparkLog | None, tuple[Problem, ...]]:
    """The log reduced by Spark to a merged partial, its recorded cost left out when it is
    in another currency than the rates' (as :func:`_recorded_in_rates_currency` does)."""
    from abc_costing.formats.event_log import LogError
    from abc_costing.mining_spark import SparkUnavailable, read_partial

    suffix = _log_suffix(source_name)
    if suffix is None:
        return None, (Problem(N_("unknown log format; use {formats}",
                                 formats=', '.join(LOG_SUFFIXES)), file=source_name),)
    try:
        with _upload(data, suffix) as path:
            read = read_partial(path, explicit=vars(columns), rates=rates,
                                for_model=for_model, master=spark_master,
                                source_name=source_name)
    except (LogError, SparkUnavailable) as error:
        return None, (_log_problem(error, source_name),)
    warning = _currency_warning(read.facts.has_cost, read.cost_currencies, rates)
    if warning is None:
        return read, ()
    return replace(read, partial=replace(read.partial, has_cost=False),
                   facts=replace(read.facts, has_cost=False),
                   problems=(*read.problems, warning.located(file=source_name))), ()


def event_log_variants(data: bytes | Path, *, source_name: str,
                       columns: LogColumns = LogColumns(), rates: Rates | None = None,
                       engine: Engine = "local", spark_master: str | None = None
                       ) -> LogVariants:
    """The trace variants of an event log, priced by ``rates`` and replayed on its flow.

    ``engine="spark"`` reduces the log on a Spark cluster (``spark_master``, default
    ``$SPARK_MASTER`` or ``local[*]``): the same variants, for logs beyond one machine.
    """
    if engine == "spark":
        from abc_costing.mining import variants_from_partial

        read, failed = _read_on_spark(data, source_name=source_name, columns=columns,
                                      rates=rates, for_model=False, spark_master=spark_master)
        if read is None:
            return LogVariants((), None, None, None, None, failed)
        variants, share, design = _variants(
            None, rates, variants_from_partial(read.partial, rates=rates))
        return LogVariants(variants, share, design, read.partial.case_count,
                           read.partial.event_count, (), read.problems, read.facts.has_cost)
    log, problems = _read_log(data, source_name=source_name, columns=columns)
    if log is None:
        return LogVariants((), None, None, None, None, problems)
    log = _recorded_in_rates_currency(log, rates)
    variants, share, design = _variants(log, rates)
    return LogVariants(variants, share, design, log.case_count, log.event_count, (),
                       log.problems, log.has_cost)


def _recorded_in_rates_currency(log: EventLog, rates: Rates | None) -> EventLog:
    """The log as priced: a recorded cost in another currency than the rates' (or in several)
    is left out, with a warning, rather than set beside minutes × rates as if it were theirs."""
    warning = _currency_warning(log.has_cost, log.cost_currencies, rates)
    if warning is None:
        return log
    return replace(log, events=log.events.drop("cost"), has_cost=False,
                   problems=(*log.problems, warning.located(file=log.source)))


def _currency_warning(has_cost: bool, currencies: tuple[str, ...], rates: Rates | None
                      ) -> Problem | None:
    """Why a recorded cost is left out: it is in another currency than the rates'."""
    shown = rates.currency if rates is not None else "RUB"
    if not has_cost or not currencies or currencies == (shown,):
        return None
    return Problem(
        N_("the recorded cost is in {said}, the rates in {shown}: it is left out (neither "
           "shown beside the modelled cost nor carried into the model); convert it to {shown} "
           "first", said=", ".join(currencies), shown=shown),
        severity="warning")


def import_event_log(
    data: bytes | Path,
    *,
    source_name: str,
    columns: LogColumns = LogColumns(),
    rates: Rates | None = None,
    process: str = "mined",
    variant: str = "as_is",
    library: Library | None = None,
    engine: Engine = "local",
    spark_master: str | None = None,
) -> ImportedModel:
    """Discover a costed model from an event log, with its trace variants.

    ``rates`` prices labour (a library model also gives the designed flow the
    variants are replayed on); without rates every rate is a ``"?"`` to fill in.
    ``engine="spark"`` reduces the log on a Spark cluster, once for both the model
    and the variants (see :func:`event_log_variants`).
    """
    return mine_event_log(data, source_name=source_name, columns=columns, rates=rates,
                          process=process, variant=variant, library=library, engine=engine,
                          spark_master=spark_master).model


@dataclass(frozen=True)
class MinedLog:
    """What ``mine`` and ``variants`` give for one event log, read once.

    Attributes:
      model: the discovered model, as :func:`import_event_log` gives it.
      variants: the trace variants, as :func:`event_log_variants` gives them.
    """

    model: ImportedModel
    variants: LogVariants


def mine_event_log(
    data: bytes | Path,
    *,
    source_name: str,
    columns: LogColumns = LogColumns(),
    rates: Rates | None = None,
    process: str = "mined",
    variant: str = "as_is",
    library: Library | None = None,
    engine: Engine = "local",
    spark_master: str | None = None,
) -> MinedLog:
    """Discover a model from an event log and list its trace variants, reading the log once.

    The same results as :func:`import_event_log` and :func:`event_log_variants` with the
    same arguments (a large log's reading is most of either's time). ``engine="spark"``
    reduces the log on a Spark cluster, once for both (see :func:`event_log_variants`).

    >>> import pathlib, tempfile
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = log.write_text("case,activity,start,end\\n1,a,2024-03-01 10:00,2024-03-01 10:30\\n"
    ...                    "2,a,2024-03-01 11:00,2024-03-01 11:20\\n", encoding="utf-8")
    >>> mined = mine_event_log(log, source_name="log.csv")
    >>> mined.model.case_count, [(v.activities, v.case_count) for v in mined.variants.variants]
    (2, [(('a',), 2)])
    """
    from abc_costing.mining import discover_model

    if engine == "spark":
        from abc_costing.mining import model_from_partial, variants_from_partial

        read, failed = _read_on_spark(data, source_name=source_name, columns=columns,
                                      rates=rates, for_model=True, spark_master=spark_master)
        if read is None:
            return MinedLog(ImportedModel(source_name, "", None, None, None, failed),
                            LogVariants((), None, None, None, None, failed))
        text, mined = model_from_partial(read.partial, read.facts, process=process,
                                         variant=variant, rates=rates)
        variants, share, design = _variants(None, rates,
                                            variants_from_partial(read.partial, rates=rates))
        model = _imported(source_name, text,
                          [p.located(file=source_name) for p in [*read.problems, *mined]],
                          library, variants=variants, conformance=share,
                          case_count=read.partial.case_count,
                          event_count=read.partial.event_count)
        return MinedLog(model, LogVariants(variants, share, design, read.partial.case_count,
                                           read.partial.event_count, (), read.problems,
                                           read.facts.has_cost))
    log, problems = _read_log(data, source_name=source_name, columns=columns)
    if log is None:
        return MinedLog(ImportedModel(source_name, "", None, None, None, problems),
                        LogVariants((), None, None, None, None, problems))
    log = _recorded_in_rates_currency(log, rates)
    text, found = discover_model(log, process=process, variant=variant, rates=rates)
    variants, share, design = _variants(log, rates)
    found = [*log.problems, *found]
    model = _imported(source_name, text, [p.located(file=source_name) for p in found], library,
                      variants=variants, conformance=share, case_count=log.case_count,
                      event_count=log.event_count)
    return MinedLog(model, LogVariants(variants, share, design, log.case_count, log.event_count,
                                       (), log.problems, log.has_cost))


# --- rates -----------------------------------------------------------------------------------


def read_rates(data: bytes | Path, *, source_name: str
               ) -> tuple[Rates | None, tuple[Problem, ...]]:
    """Rates for a log: a rates table (CSV/Excel) or a model file (``.yaml``)."""
    from abc_costing.formats.rates_table import read_rates_table

    suffix = Path(source_name).suffix.lower()
    if suffix in RATES_TABLE_SUFFIXES:
        try:
            with _upload(data, suffix) as path:
                return read_rates_table(path, source_name=source_name), ()
        except ModelError as error:
            return None, tuple(error.problems)
    if suffix in (".yaml", ".yml"):
        with _upload(data, suffix) as path:
            model, problems = parse_model_file(path, source_name=source_name)
        return model, problems
    return None, (Problem(N_("rates come from a rates table ({formats}) or a "
                             "model (.yaml)",
                             formats=', '.join(RATES_TABLE_SUFFIXES)), file=source_name),)


def parse_model_file(path: Path, *, source_name: str
                     ) -> tuple[ProcessModel | None, tuple[Problem, ...]]:
    """Read a model file, naming it ``source_name`` in its problems."""
    from abc_costing.formats import read_model

    model, problems = read_model(path)
    return model, tuple(replace(p, file=source_name) if p.file else p for p in problems)

