"""The ``abc-costing`` command.

Human tables by default, ``--json`` for machines (numbers unrounded). Exit
status: 0 on success, 1 when a model has problems or cannot be compared, 2 on
a usage mistake. Problems go to standard error, each naming the file, the
line, the element and what is wrong; a user's mistake never prints a traceback.

Examples
--------
>>> main(["validate", "process_models/contract_approval/as_is.yaml"])
process_models/contract_approval/as_is.yaml: valid
0
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from abc_costing import __version__
from abc_costing.access import local_user
from abc_costing.compare import CompareError, Comparison, compare_models
from abc_costing.engine import CostResult, RoutingError, cost_model
from abc_costing.formats import load_library, read_model
from abc_costing.model import ProcessModel, RateTable
from abc_costing.portfolio import Portfolio, build_portfolio
from abc_costing.problems import ModelError, Problem, has_errors
from abc_costing.reports.tables import format_money
from abc_costing.store import (
    ChangeLog,
    ChangeLogError,
    RecordedChange,
    default_change_log_path,
    write_atomic,
)

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
DEFAULT_LIBRARY = "process_models"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    out = _console(sys.stdout)
    err = _console(sys.stderr)
    try:
        return args.run(args, out, err)
    except RoutingError as error:
        # Validation should make this unreachable; if a model slips through,
        # say so plainly rather than with a traceback.
        err.print(f"cannot solve the routing of this model: {error}", style="red", markup=False)
        return EXIT_PROBLEMS
    except BrokenPipeError:  # `abc-costing cost x | head`
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


def _console(stream: Any) -> Console:
    # Off a terminal rich assumes 80 columns and wraps Cyrillic names; give it room.
    width = None if stream.isatty() else 200
    return Console(file=stream, width=width, soft_wrap=False, highlight=False)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="abc-costing",
        description="Activity-based costing of process models (abc-costing/1 YAML files).",
    )
    parser.add_argument("--version", action="version", version=f"abc-costing {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check model files; list every problem")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument("--json", action="store_true", help="problems as JSON")
    validate.set_defaults(run=_run_validate)

    cost = commands.add_parser("cost", help="exact cost of one instance and one year")
    cost.add_argument("file", type=Path, metavar="FILE")
    cost.add_argument("--json", action="store_true", help="the full result as JSON")
    cost.set_defaults(run=_run_cost)

    compare = commands.add_parser("compare", help="what a candidate variant saves")
    compare.add_argument("baseline", type=Path, metavar="BASELINE")
    compare.add_argument("candidate", type=Path, metavar="CANDIDATE")
    compare.add_argument("--json", action="store_true", help="the full comparison as JSON")
    compare.set_defaults(run=_run_compare)

    portfolio = commands.add_parser("portfolio", help="every model under a folder in one table")
    portfolio.add_argument("directory", nargs="?", type=Path, default=Path(DEFAULT_LIBRARY),
                           metavar="DIR", help=f"default: {DEFAULT_LIBRARY}/")
    portfolio.add_argument("--json", action="store_true", help="the table as JSON")
    portfolio.set_defaults(run=_run_portfolio)

    tour = commands.add_parser("tour", help="a walk through the shipped process library")
    tour.add_argument("directory", nargs="?", type=Path, default=Path(DEFAULT_LIBRARY),
                      metavar="DIR")
    tour.set_defaults(run=_run_tour)

    report = commands.add_parser(
        "report", help="an auditor's report (xlsx with live formulas, pdf, csv, json)",
        description="Write a report of MODEL (compared with --baseline), or check with "
                    "--verify that a report still matches the model files it names.")
    report.add_argument("model", type=Path, nargs="?", metavar="MODEL")
    report.add_argument("--baseline", type=Path, metavar="MODEL",
                        help="compare MODEL with this variant of the same process")
    report.add_argument("--format", choices=("xlsx", "pdf", "csv", "json"), dest="file_format",
                        help="csv writes a zip of one table per file")
    report.add_argument("-o", "--output", type=Path, metavar="PATH")
    report.add_argument("--user", help="who the report is for the record (default: your login)")
    report.add_argument("--db", type=Path, metavar="PATH",
                        help="the change log whose latest hashes go into the provenance")
    report.add_argument("--verify", type=Path, metavar="REPORT",
                        help="recompute REPORT from its model files and say whether it matches")
    report.set_defaults(run=_run_report)

    capacity = commands.add_parser("capacity", help="load on shared labour pools against "
                                   "their practical capacity, per month")
    capacity.add_argument("directory", nargs="?", type=Path, default=Path(DEFAULT_LIBRARY),
                          metavar="DIR", help=f"default: {DEFAULT_LIBRARY}/")
    capacity.add_argument("--variant", default="as_is", metavar="NAME",
                          help="the variant counted for every process (default: as_is)")
    capacity.add_argument("--json", action="store_true", help="the report as JSON")
    capacity.set_defaults(run=_run_capacity)

    sensitivity = commands.add_parser("sensitivity", help="which inputs move the cost per "
                                      "instance most (tornado chart data)")
    sensitivity.add_argument("file", type=Path, metavar="MODEL")
    sensitivity.add_argument("--change", type=float, default=0.1, metavar="H",
                             help="relative change of each input, 0 < H < 1 (default 0.1: ±10%%)")
    sensitivity.add_argument("--top", type=int, metavar="N", help="only the N largest impacts")
    sensitivity.add_argument("--json", action="store_true", help="the ranked items as JSON")
    sensitivity.set_defaults(run=_run_sensitivity)

    simulate = commands.add_parser("simulate", help="Monte Carlo: the spread of cost per "
                                   "instance and of cycle time")
    simulate.add_argument("file", type=Path, metavar="MODEL")
    simulate.add_argument("--runs", type=int, default=100_000, metavar="N",
                          help="instances to simulate (default 100000)")
    simulate.add_argument("--seed", type=int, metavar="S",
                          help="seed of the random source; the same seed gives the same numbers")
    simulate.add_argument("--json", action="store_true", help="the statistics as JSON")
    simulate.add_argument("--queue", action="store_true",
                          help="discrete-event simulation with queues for busy people")
    simulate.add_argument("--days", type=float, default=60.0, metavar="D",
                          help="with --queue: working days to simulate (default 60)")
    simulate.set_defaults(run=_run_simulate)

    mine = commands.add_parser("mine", help="discover a costable model from an event log "
                               "(CSV, Parquet, XES)")
    _add_log_arguments(mine)
    mine.add_argument("--rates", type=Path, metavar="MODEL_OR_TABLE",
                      help="price labour by the resources of this model (.yaml) or rates "
                           "table (.csv/.xlsx: resource, rate_per_hour[, currency])")
    mine.add_argument("--process", default="mined", metavar="SLUG")
    mine.add_argument("--variant", default="as_is", metavar="SLUG")
    mine.add_argument("-o", "--output", type=Path, required=True, metavar="MODEL.yaml")
    mine.set_defaults(run=_run_mine)

    variants = commands.add_parser("variants", help="trace variants of an event log: cases, "
                                   "cycle time, cost per case, fit with the designed model")
    _add_log_arguments(variants)
    variants.add_argument("--rates", type=Path, metavar="MODEL_OR_TABLE",
                          help="price labour by this model's resources and replay the "
                               "variants on its flow, or price by a rates table "
                               "(.csv/.xlsx)")
    variants.add_argument("--top", type=int, default=10, metavar="N",
                          help="show the N costliest variants (default 10; 0 for all)")
    variants.add_argument("--json", action="store_true", help="every variant as JSON")
    variants.set_defaults(run=_run_variants)

    import_bpmn = commands.add_parser(
        "import-bpmn", help="a model from a BPMN 2.0 file (lanes, subprocesses, BIMP/QBP or "
        "Prosimos parameters); what is missing becomes a \"?\" to fill in")
    import_bpmn.add_argument("file", type=Path, metavar="FILE.bpmn")
    import_bpmn.add_argument("--params", type=Path, metavar="FILE.json",
                             help="Prosimos simulation parameters (rates, durations, "
                             "branching probabilities)")
    import_bpmn.add_argument("--process", metavar="SLUG",
                             help="the model's process slug (default: from the BPMN process)")
    import_bpmn.add_argument("--variant", metavar="SLUG", help="the variant slug (default: "
                             "as_is, or the one an exported file carries)")
    import_bpmn.add_argument("-o", "--output", type=Path, required=True, metavar="MODEL.yaml")
    import_bpmn.set_defaults(run=_run_import_bpmn)

    export_bpmn = commands.add_parser("export-bpmn", help="a model as BPMN 2.0 with a laid-out "
                                      "diagram (opens in bpmn.io and Camunda Modeler)")
    export_bpmn.add_argument("file", type=Path, metavar="MODEL")
    export_bpmn.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.bpmn")
    export_bpmn.set_defaults(run=_run_export_bpmn)

    log = commands.add_parser("log", help="the change log: verify, show, export as CSV")
    log_actions = log.add_subparsers(dest="log_action", required=True, metavar="ACTION")
    db_help = ("the change log database (default: $ABC_COSTING_CHANGE_LOG, else "
               f".abc-costing/change_log.sqlite beside {DEFAULT_LIBRARY}/)")
    log_verify = log_actions.add_parser("verify", help="check that no entry was edited, "
                                        "deleted or reordered")
    log_verify.add_argument("--db", type=Path, metavar="PATH", help=db_help)
    log_verify.set_defaults(run=_run_log_verify)
    log_show = log_actions.add_parser("show", help="list the entries, oldest first")
    log_show.add_argument("--db", type=Path, metavar="PATH", help=db_help)
    log_show.add_argument("--file", metavar="F", help="only the changes of this model file "
                          "(as logged, e.g. contract_approval/as_is.yaml)")
    log_show.add_argument("--json", action="store_true", help="the entries as JSON")
    log_show.set_defaults(run=_run_log_show)
    log_export = log_actions.add_parser("export", help="write the entries to a CSV file "
                                        "(UTF-8 with BOM, opens in Excel)")
    log_export.add_argument("--db", type=Path, metavar="PATH", help=db_help)
    log_export.add_argument("--file", metavar="F", help="only the changes of this model file")
    log_export.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.csv")
    log_export.set_defaults(run=_run_log_export)
    return parser


def _add_log_arguments(parser: argparse.ArgumentParser) -> None:
    """The event log and its column names (recognised by their usual names when left out)."""
    parser.add_argument("log_file", type=Path, metavar="LOG")
    for field in ("case", "activity", "start", "end", "resource"):
        parser.add_argument(f"--{field}", metavar="COL", help=f"the {field} column")


# --- commands -------------------------------------------------------------------


def _report_problems(problems: list[Problem], err: Console) -> None:
    for problem in problems:
        style = "yellow" if problem.severity == "warning" else "red"
        err.print(str(problem), style=style, markup=False)


def _load(path: Path, err: Console) -> ProcessModel | None:
    model, problems = read_model(path)
    _report_problems(problems, err)
    return model


def _print_json(document: Any, out: Console) -> None:
    # Straight to the file: rich would re-wrap long lines.
    out.file.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _run_validate(args: argparse.Namespace, out: Console, err: Console) -> int:
    all_problems: list[Problem] = []
    for path in args.files:
        model, problems = read_model(path)
        all_problems.extend(problems)
        if not args.json and model is not None:
            count = len(problems)
            warnings = f" ({count} warning{'s' if count > 1 else ''})" if count else ""
            out.print(f"{path}: valid{warnings}", markup=False)
    if args.json:
        _print_json([{"file": p.file, "line": p.line, "element": p.element,
                      "severity": p.severity, "message": p.message} for p in all_problems], out)
    else:
        _report_problems(all_problems, err)
    return EXIT_PROBLEMS if has_errors(all_problems) else EXIT_OK


def _run_cost(args: argparse.Namespace, out: Console, err: Console) -> int:
    model = _load(args.file, err)
    if model is None:
        return EXIT_PROBLEMS
    result = cost_model(model)
    if args.json:
        _print_json(result.as_dict(), out)
    else:
        _print_cost(result, out)
    return EXIT_OK


def _run_compare(args: argparse.Namespace, out: Console, err: Console) -> int:
    baseline, candidate = _load(args.baseline, err), _load(args.candidate, err)
    if baseline is None or candidate is None:
        return EXIT_PROBLEMS
    try:
        comparison = compare_models(baseline, candidate)
    except CompareError as error:
        err.print(f"{args.baseline} vs {args.candidate}: {error}", style="red", markup=False)
        return EXIT_PROBLEMS
    if args.json:
        _print_json(comparison.as_dict(), out)
    else:
        _print_comparison(comparison, out)
    return EXIT_OK


def _run_portfolio(args: argparse.Namespace, out: Console, err: Console) -> int:
    models, problems = load_library(args.directory)
    _report_problems(problems, err)
    portfolio = build_portfolio(models)
    if args.json:
        _print_json(portfolio.as_dict(), out)
    else:
        _print_portfolio(portfolio, out)
    return EXIT_PROBLEMS if has_errors(problems) else EXIT_OK


def _run_tour(args: argparse.Namespace, out: Console, err: Console) -> int:
    models, problems = load_library(args.directory)
    _report_problems(problems, err)
    if not models:
        return EXIT_PROBLEMS
    portfolio = build_portfolio(models)
    out.rule("1. The portfolio: every process variant in the library")
    _print_portfolio(portfolio, out)
    paths = {(m.process, m.variant): (p, m) for p, m in models}
    first = portfolio.processes()[0]
    best = portfolio.best_variant(first)
    base_key = (first, "as_is") if (first, "as_is") in paths else (first, best.variant)
    base_path, base_model = paths[base_key]
    out.rule(f"2. Where the money goes: abc-costing cost {base_path}")
    _print_cost(portfolio.results[base_key], out)
    if best.variant != base_key[1]:
        best_path, best_model = paths[(first, best.variant)]
        out.rule(f"3. What the redesign saves: abc-costing compare {base_path} {best_path}")
        _print_comparison(compare_models(base_model, best_model), out)
    out.print("\nNext: abc-costing cost FILE --json, abc-costing compare A B, "
              "abc-costing validate FILE (see README.md).")
    return EXIT_PROBLEMS if has_errors(problems) else EXIT_OK


def _open_change_log(args: argparse.Namespace) -> ChangeLog:
    # Reading commands never create a log: a missing one is reported, not made empty.
    path = args.db if args.db is not None else default_change_log_path(Path(DEFAULT_LIBRARY))
    return ChangeLog(path, create=False)


def _run_report(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.reports.provenance import build_report_inputs
    from abc_costing.reports.report_files import ReportError, verify_report, write_report

    def fail(message: str) -> int:
        err.print(message, style="red", markup=False)
        return EXIT_PROBLEMS

    if args.verify is not None:
        try:
            check = verify_report(args.verify)
        except ReportError as error:
            return fail(str(error))
        for finding in check.findings:
            (out if check.ok else err).print(finding, markup=False)
        verdict = "matches its model files" if check.ok else "NO LONGER MATCHES its model files"
        (out if check.ok else err).print(f"{args.verify}: the report {verdict}", markup=False)
        return EXIT_OK if check.ok else EXIT_PROBLEMS
    missing = [flag for flag, value in (("MODEL", args.model), ("--format", args.file_format),
                                        ("-o PATH", args.output)) if value is None]
    if missing:
        return fail(f"report needs {', '.join(missing)} (or --verify REPORT)")
    library = args.model.resolve().parent.parent
    log = None
    log_path = args.db or default_change_log_path(library)
    if log_path.exists():
        try:
            log = ChangeLog(log_path, create=False)
        except ChangeLogError as error:
            return fail(str(error))
    try:
        inputs = build_report_inputs(args.model, baseline_path=args.baseline,
                                     user=args.user or local_user().id, change_log=log,
                                     library_dir=library)
        path = write_report(inputs, args.file_format, args.output)
    except ModelError as error:
        _report_problems(error.problems, err)
        return EXIT_PROBLEMS
    except (CompareError, ReportError) as error:
        return fail(str(error))
    out.print(f"wrote {path} ({args.file_format}; inputs: "
              + ", ".join(f"{i.path} sha256 {i.sha256[:12]}" for i in inputs.provenance.inputs)
              + ")", markup=False)
    return EXIT_OK


def _run_capacity(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.engine.capacity import capacity_report

    models, problems = load_library(args.directory)
    _report_problems(problems, err)
    report = capacity_report(models, variant=args.variant)
    _report_problems(list(report.problems), err)
    if args.json:
        _print_json(report.as_dict(), out)
    else:
        _print_capacity(report, args.variant, out)
    return EXIT_PROBLEMS if has_errors(problems) else EXIT_OK


def _print_capacity(report: Any, variant: str, out: Console) -> None:
    table = _table(f"Labour pools per month (variant {variant})",
                   ["Pool", "Name", "Headcount", "Used, h", "Capacity, h", "Utilization",
                    "FTE needed", "Unused capacity cost", "Status"])
    for pool in report.pools:
        capacity = pool.capacity_minutes_per_month
        if pool.shortage:
            status = f"SHORTAGE: {_number(pool.shortage_minutes_per_month / 60, 1)} h over"
        elif capacity is None:
            status = "capacity unknown"
        else:
            status = "ok"
        unused = pool.unused_capacity_cost_per_month
        table.add_row(pool.id, pool.name, _number(pool.headcount, 1),
                      _number(pool.hours_per_month, 1),
                      _number(None if capacity is None else capacity / 60, 1),
                      "—" if pool.utilization is None else _percent(pool.utilization),
                      _number(pool.fte_needed, 2),
                      "—" if unused is None else f"{_money(unused, pool.currency)} "
                                                 f"{pool.currency}",
                      status, style="bold red" if pool.shortage else None)
    out.print(table)
    out.print("Processes counted: " + (", ".join(f"{p}/{v}" for p, v in report.counted)
                                       or "none"), markup=False)
    for skipped in report.skipped:
        out.print(f"Skipped {skipped.process}"
                  + (f"/{skipped.variant}" if skipped.variant else "")
                  + f": {skipped.reason}", markup=False)
    if report.shortages:
        out.print(f"{len(report.shortages)} pool(s) over practical capacity: "
                  + ", ".join(p.id for p in report.shortages), style="bold red", markup=False)
    out.print("Unused capacity cost is reported apart and is not loaded onto processes.",
              markup=False)


def _run_sensitivity(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.engine.sensitivity import sensitivity

    if not 0 < args.change < 1:
        err.print(f"--change must be between 0 and 1 (0.1 for ±10%), got {args.change:g}",
                  style="red", markup=False)
        return EXIT_USAGE
    if args.top is not None and args.top < 1:
        err.print(f"--top must be at least 1, got {args.top}", style="red", markup=False)
        return EXIT_USAGE
    model = _load(args.file, err)
    if model is None:
        return EXIT_PROBLEMS
    items = sensitivity(model, relative_change=args.change)[:args.top]
    if args.json:
        _print_json({"process": model.process, "variant": model.variant,
                     "currency": model.currency, "relative_change": args.change,
                     "items": [item.as_dict() for item in items]}, out)
        return EXIT_OK
    cur = model.currency
    base = cost_model(model).cost_per_instance
    out.print(f"{model.title or model.process} — {model.process}/{model.variant}",
              style="bold", markup=False)
    out.print(f"Cost per instance: {_money(base, cur)} {cur}; each input moved by "
              f"±{args.change * 100:g}%", markup=False)

    def cost(amount: float) -> str:
        return "∞" if amount == float("inf") else _money(amount, cur)

    table = _table("Sensitivity, largest impact first",
                   ["#", "Kind", "Element", "Input", "Value", "Low → cost", "High → cost",
                    f"Impact, {cur}"], text_columns=4)
    for rank, item in enumerate(items, start=1):
        digits = 3 if item.kind == "probability" else 2
        table.add_row(str(rank), item.kind, item.element, item.field,
                      _number(item.base_value, digits),
                      f"{_number(item.low_value, digits)} → {cost(item.cost_low)}",
                      f"{_number(item.high_value, digits)} → {cost(item.cost_high)}",
                      cost(item.impact))
    out.print(table)
    return EXIT_OK


def _run_simulate(args: argparse.Namespace, out: Console, err: Console) -> int:
    import numpy as np

    from abc_costing.simulation import MAX_RUNS, SimulationError, simulate

    if args.queue:
        return _run_queue_simulation(args, out, err)
    if not 1 <= args.runs <= MAX_RUNS:
        err.print(f"--runs must be from 1 to {MAX_RUNS:,}, got {args.runs:,}", style="red",
                  markup=False)
        return EXIT_PROBLEMS
    model = _load(args.file, err)
    if model is None:
        return EXIT_PROBLEMS
    try:
        result = simulate(model, runs=args.runs,
                          rng=np.random.default_rng() if args.seed is None else args.seed)
    except SimulationError as error:
        err.print(str(error), style="red", markup=False)
        return EXIT_PROBLEMS
    except ModelError as error:
        _report_problems(error.problems, err)
        return EXIT_PROBLEMS
    if args.json:
        _print_json(result.as_dict(), out)
        return EXIT_OK
    cur = result.currency
    out.print(f"{model.title or model.process} — {model.process}/{model.variant}",
              style="bold", markup=False)
    out.print(f"Monte Carlo: {result.runs:,} instances, seed "
              f"{'none (fresh entropy)' if result.seed is None else result.seed}", markup=False)
    table = _table("Per instance", ["Quantity", "Mean", "95% CI of mean", "SD", "P5", "P50",
                                    "P90", "P95", "Max"], text_columns=1)
    for label, stats, digits in ((f"Cost, {cur}", result.cost_per_instance, 2),
                                 ("Cycle time, min", result.cycle_time_minutes, 1)):
        lo, hi = stats.ci95
        table.add_row(label, _number(stats.mean, digits),
                      f"{_number(lo, digits)} … {_number(hi, digits)}",
                      *(_number(v, digits) for v in (stats.sd, stats.p5, stats.p50, stats.p90,
                                                      stats.p95, stats.max)))
    out.print(table)
    ends = ", ".join(f"{e}: {_percent(p)}" for e, p in result.end_frequencies.items())
    out.print(f"Ends: {ends}", markup=False)
    return EXIT_OK


def _run_queue_simulation(args: argparse.Namespace, out: Console, err: Console) -> int:
    import numpy as np

    from abc_costing.simulation.queueing import simulate_queues

    model = _load(args.file, err)
    if model is None:
        return EXIT_PROBLEMS
    try:
        result = simulate_queues(model, days=args.days, rng=np.random.default_rng(args.seed))
    except ValueError as error:
        err.print(f"{args.file}: {error}", style="red", markup=False)
        return EXIT_PROBLEMS
    if args.json:
        _print_json({"seed": args.seed, **result.as_dict()}, out)
        return EXIT_OK
    out.print(f"{model.title or model.process} — {model.process}/{model.variant}",
              style="bold", markup=False)
    out.print(f"Queues: {args.days:g} working days of {result.hours_per_day:g} h, "
              f"{result.arrivals_per_day:.1f} arrivals a day ({result.arrivals}), "
              f"{result.completed:,} instances completed, {result.unfinished:,} unfinished; "
              f"work in progress {result.work_in_progress:.1f}", markup=False)
    cycle = result.cycle_time_minutes
    out.print("Cycle time with queues, min: " + ", ".join(
        f"{key} {_number(value, 1)}" for key, value in cycle.items()), markup=False)
    out.print(f"Cost per instance (waiting is not priced): "
              f"{_money(result.cost_per_instance_mean, model.currency)} {model.currency}",
              markup=False)
    resources = _table("Resources", ["Resource", "Servers", "Utilization", "Offered load",
                                     "Status"], text_columns=1)
    for resource in result.resources:
        resources.add_row(resource.id, _number(resource.servers, 1),
                          _percent(resource.utilization), _percent(resource.offered_load),
                          "OVERLOADED" if resource.overloaded else "ok")
    out.print(resources)
    activities = _table("Waiting per activity", ["Activity", "Executions",
                                                 "Mean queue, min", "Max queue, min"],
                        text_columns=1)
    for activity in result.activities:
        activities.add_row(activity.id, _number(activity.executions, 0),
                           _number(activity.mean_queue_minutes, 1),
                           _number(activity.max_queue_minutes, 1))
    out.print(activities)
    return EXIT_OK


def _read_log(args: argparse.Namespace, err: Console) -> Any:
    # Imported here: Polars is only loaded by the commands that read logs.
    from abc_costing.formats.event_log import LogError, read_event_log

    try:
        return read_event_log(args.log_file, case=args.case, activity=args.activity,
                              start=args.start, end=args.end, resource=args.resource)
    except LogError as error:
        err.print(str(error), style="red", markup=False)
        return None


#: ``--rates`` files read as a rates table; anything else is read as a model.
_RATES_TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")


def _rates(args: argparse.Namespace, err: Console
           ) -> tuple[bool, ProcessModel | RateTable | None]:
    if args.rates is None:
        return True, None
    if args.rates.suffix.lower() in _RATES_TABLE_SUFFIXES:
        from abc_costing.formats.rates_table import read_rates_table

        try:
            return True, read_rates_table(args.rates)
        except ModelError as error:
            _report_problems(error.problems, err)
            return False, None
    model = _load(args.rates, err)
    return model is not None, model


def _run_mine(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.mining import discover_model

    if _bad_slug_option(args, err):
        return EXIT_USAGE
    output: Path = args.output
    if _output_unwritable(output, err):
        return EXIT_PROBLEMS
    ok, rates = _rates(args, err)
    log = _read_log(args, err) if ok else None
    if log is None:
        return EXIT_PROBLEMS
    text, problems = discover_model(log, process=args.process, variant=args.variant,
                                    rates=rates)
    try:
        write_atomic(output, text.encode("utf-8"))
    except OSError as error:
        err.print(f"{output}: cannot write: {error.strerror or error}", style="red",
                  markup=False)
        return EXIT_PROBLEMS
    _report_problems([p.located(file=str(output)) for p in problems], err)
    out.print(f"wrote {output}: discovered from {log.case_count} cases, "
              f"{log.event_count} events", markup=False)
    if has_errors(problems):
        out.print(f'fill in the "?" placeholders listed above, then run '
                  f"abc-costing validate {output}", markup=False)
        return EXIT_PROBLEMS
    return EXIT_OK


def _run_variants(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.mining import conformance, trace_variants

    if args.top < 0:
        err.print("--top must be 0 (all) or more", style="red", markup=False)
        return EXIT_USAGE
    ok, rates = _rates(args, err)
    log = _read_log(args, err) if ok else None
    if log is None:
        return EXIT_PROBLEMS
    variants = trace_variants(log, rates=rates)
    fit = conformance(variants)
    design = cost_model(rates).cost_per_instance if isinstance(rates, ProcessModel) else None
    if args.json:
        _print_json({"log": str(args.log_file), "cases": log.case_count,
                     "events": log.event_count, "conformance": fit,
                     "design_cost_per_instance": design,
                     "variants": [v.as_dict() for v in variants]}, out)
        return EXIT_OK
    cur = rates.currency if rates is not None else "RUB"
    shown = variants[: args.top] if args.top else variants
    table = _table(f"Trace variants of {args.log_file} ({log.case_count} cases, "
                   f"{len(variants)} variants; costliest first)",
                   ["#", "Path", "Cases", "Share", "Cycle, min", "Labour, min",
                    f"Per case, {cur}", f"Total, {cur}", "Fits design"])
    for rank, v in enumerate(shown, 1):
        path = " → ".join(v.activities)
        table.add_row(str(rank), path, str(v.case_count), _percent(v.share),
                      _number(v.mean_cycle_time_minutes, 1), _number(v.mean_labor_minutes, 1),
                      _money(v.cost_per_case, cur), _money(v.total_cost, cur),
                      "—" if v.fits_design is None else ("yes" if v.fits_design else "no"))
    out.print(table)
    if len(shown) < len(variants):
        out.print(f"… {len(variants) - len(shown)} more variants (--top 0 shows all)",
                  markup=False)
    if fit is not None and design is not None:
        out.print(f"Conformance: {_percent(fit)} of cases follow a path the designed model "
                  f"{args.rates} allows; its cost per instance is {_money(design, cur)} {cur}",
                  markup=False)
    return EXIT_OK


def _bad_slug_option(args: argparse.Namespace, err: Console) -> bool:
    """Report a --process or --variant that breaks the slug rule (``None``: not given)."""
    for option in ("process", "variant"):
        slug = getattr(args, option)
        # The model's slug rule, ^\w[\w-]*$, without importing re for one check.
        if slug is not None and (not slug or slug[0] == "-" or not all(
                c.isalnum() or c in "_-" for c in slug)):
            err.print(f"--{option} {slug!r}: use letters, digits, _ and -",
                      style="red", markup=False)
            return True
    return False


def _output_unwritable(output: Path, err: Console) -> bool:
    if output.is_dir() or not output.parent.is_dir():
        where = ("is a folder; give a file name" if output.is_dir()
                 else f"folder {output.parent} does not exist")
        err.print(f"{output}: {where}", style="red", markup=False)
        return True
    return False


def _run_import_bpmn(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.formats import parse_model_text
    from abc_costing.formats.bpmn import MAX_BPMN_BYTES, bpmn_to_model_text

    if _bad_slug_option(args, err):
        return EXIT_USAGE
    output: Path = args.output
    if _output_unwritable(output, err):
        return EXIT_PROBLEMS
    try:
        size = args.file.stat().st_size
        if size > MAX_BPMN_BYTES:
            err.print(f"{args.file}: file is {size:,} bytes; BPMN files are limited to "
                      f"{MAX_BPMN_BYTES:,} bytes", style="red", markup=False)
            return EXIT_PROBLEMS
        data = args.file.read_bytes()
    except OSError as error:
        err.print(f"{args.file}: cannot read: {error.strerror or error}", style="red",
                  markup=False)
        return EXIT_PROBLEMS
    params = None
    if args.params is not None:
        try:
            params = json.loads(args.params.read_text("utf-8-sig"))
        except OSError as error:
            err.print(f"{args.params}: cannot read: {error.strerror or error}", style="red",
                      markup=False)
            return EXIT_PROBLEMS
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            err.print(f"{args.params}: not a JSON file: {error}", style="red", markup=False)
            return EXIT_PROBLEMS
        if not isinstance(params, dict):
            err.print(f"{args.params}: Prosimos parameters are a JSON object", style="red",
                      markup=False)
            return EXIT_PROBLEMS
    text, problems = bpmn_to_model_text(data, source=str(args.file), params=params,
                                        process=args.process, variant=args.variant)
    _report_problems(problems, err)
    if has_errors(problems):
        err.print(f"nothing written to {output}", style="red", markup=False)
        return EXIT_PROBLEMS
    try:
        write_atomic(output, text.encode("utf-8"))
    except OSError as error:
        err.print(f"{output}: cannot write: {error.strerror or error}", style="red",
                  markup=False)
        return EXIT_PROBLEMS
    _, remaining = parse_model_text(text, source=str(output))
    out.print(f"wrote {output}", markup=False)
    if has_errors(remaining):
        _report_problems([p for p in remaining if p.severity == "error"], err)
        out.print(f'fill in the placeholders ("?") and fix what is listed above, then run '
                  f"abc-costing validate {output}", markup=False)
        return EXIT_PROBLEMS
    return EXIT_OK


def _run_export_bpmn(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.formats.bpmn import model_to_bpmn
    from abc_costing.reports.figures import process_flow_layout

    model = _load(args.file, err)
    if model is None:
        return EXIT_PROBLEMS
    output: Path = args.output
    if _output_unwritable(output, err):
        return EXIT_PROBLEMS
    try:
        write_atomic(output, model_to_bpmn(model, layout=process_flow_layout(model)))
    except OSError as error:
        err.print(f"{output}: cannot write: {error.strerror or error}", style="red",
                  markup=False)
        return EXIT_PROBLEMS
    out.print(f"wrote {output}: {len(model.node_kinds)} nodes, {len(model.flows)} flows",
              markup=False)
    return EXIT_OK


def _entries_text(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def _run_log_verify(args: argparse.Namespace, out: Console, err: Console) -> int:
    try:
        log = _open_change_log(args)
        check = log.verify()
    except ChangeLogError as error:
        err.print(str(error), style="red", markup=False)
        return EXIT_PROBLEMS
    if not check.ok:
        err.print(f"{log.path}: change log FAILED verification: {check.message}", style="red",
                  markup=False)
        return EXIT_PROBLEMS
    head = f"head {check.head_hash[:12]}" if check.head_hash else "empty"
    out.print(f"change log OK: {_entries_text(check.entries)}, {head}", markup=False)
    return EXIT_OK


def _run_log_show(args: argparse.Namespace, out: Console, err: Console) -> int:
    try:
        entries = _open_change_log(args).entries(file=args.file)
    except ChangeLogError as error:
        err.print(str(error), style="red", markup=False)
        return EXIT_PROBLEMS
    if args.json:
        _print_json([entry.as_dict() for entry in entries], out)
    elif not entries:
        out.print("no changes logged" + (f" for {args.file}" if args.file else ""),
                  markup=False)
    else:
        _print_changes(entries, out)
    return EXIT_OK


def _run_log_export(args: argparse.Namespace, out: Console, err: Console) -> int:
    output: Path = args.output
    if _output_unwritable(output, err):
        return EXIT_PROBLEMS
    try:
        log = _open_change_log(args)
        entries = log.entries(file=args.file)
        data = log.to_csv_bytes(entries)
    except ChangeLogError as error:
        err.print(str(error), style="red", markup=False)
        return EXIT_PROBLEMS
    try:
        write_atomic(output, data)
    except OSError as error:
        err.print(f"{output}: cannot write: {error.strerror or error}", style="red",
                  markup=False)
        return EXIT_PROBLEMS
    out.print(f"exported {_entries_text(len(entries))} to {output}", markup=False)
    return EXIT_OK


# --- human tables -----------------------------------------------------------------


def _money(amount: float | None, currency: str) -> str:
    return "—" if amount is None else format_money(amount, currency)


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}".replace(",", " ")


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _table(title: str, columns: list[str], *, text_columns: int = 2) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i < text_columns else "right",
                         overflow="fold")
    return table


def _print_cost(result: CostResult, out: Console) -> None:
    cur = result.currency
    heading = f"{result.title or result.process} — {result.process}/{result.variant}"
    out.print(heading, style="bold", markup=False)
    out.print(f"Cost per instance: {_money(result.cost_per_instance, cur)} {cur}", markup=False)
    if result.cost_per_year is not None:
        out.print(f"Cost per year:     {_money(result.cost_per_year, cur)} {cur} "
                  f"({_number(result.volume_per_year, 0)} instances)", markup=False)
    out.print(f"Labour per instance: {_number(result.labor_minutes_per_instance, 1)} min",
              markup=False)

    activities = _table("By activity", ["Activity", "Name", "Executions",
                                        f"Per execution, {cur}", f"Per instance, {cur}", "Share",
                                        "Value"])
    for a in result.activities:
        activities.add_row(a.id, a.name, _number(a.expected_executions, 3),
                           _money(a.cost_per_execution, cur), _money(a.cost_per_instance, cur),
                           _percent(a.share), a.value)
    activities.add_row("total", "", "", "", _money(result.cost_per_instance, cur), "100.0%", "",
                       style="bold")
    out.print(activities)

    resources = _table("By resource", ["Resource", "Name", "Minutes per instance",
                                       "Uses per instance", f"Per instance, {cur}", "Share"])
    for r in result.resources:
        resources.add_row(r.id, r.name, _number(r.minutes_per_instance, 1),
                          _number(r.uses_per_instance, 3), _money(r.cost_per_instance, cur),
                          _percent(r.share))
    if result.other_cost_per_instance:
        total = result.cost_per_instance
        resources.add_row("(other)", "other costs", "", "",
                          _money(result.other_cost_per_instance, cur),
                          _percent(result.other_cost_per_instance / total if total else 0.0))
    out.print(resources)

    values = _table("By value class", ["Value class", f"Per instance, {cur}", "Share"],
                    text_columns=1)
    for value, amount in result.by_value.items():
        share = amount / result.cost_per_instance if result.cost_per_instance else 0.0
        values.add_row(value, _money(amount, cur), _percent(share))
    out.print(values)

    ends = ", ".join(f"{e}: {_percent(p)}" for e, p in result.end_probabilities.items())
    out.print(f"Ends: {ends}", markup=False)


def _print_comparison(comparison: Comparison, out: Console) -> None:
    base, cand = comparison.baseline, comparison.candidate
    cur = base.currency
    out.print(f"{base.title or base.process} ({base.variant}) → "
              f"{cand.title or cand.process} ({cand.variant})", style="bold", markup=False)
    out.print(f"Cost per instance: {_money(base.cost_per_instance, cur)} → "
              f"{_money(cand.cost_per_instance, cur)} {cur}", markup=False)
    out.print(f"Saving per instance: {_money(comparison.saving_per_instance, cur)} {cur} "
              f"({_percent(comparison.saving_share)})", markup=False)
    if comparison.saving_per_year is not None:
        out.print(f"Saving per year:     {_money(comparison.saving_per_year, cur)} {cur}",
                  markup=False)
    table = _table("By activity", ["Activity", "Name", "Status", f"Baseline, {cur}",
                                   f"Candidate, {cur}", f"Delta, {cur}"])
    for a in comparison.activities:
        table.add_row(a.id, a.name, a.status, _money(a.baseline_cost_per_instance, cur),
                      _money(a.candidate_cost_per_instance, cur), _money(a.delta, cur))
    out.print(table)
    resources = _table("By resource", ["Resource", "Name", "Baseline min", "Candidate min",
                                       f"Baseline, {cur}", f"Candidate, {cur}", f"Delta, {cur}"])
    for r in comparison.resources:
        resources.add_row(r.id, r.name, _number(r.baseline_minutes_per_instance, 1),
                          _number(r.candidate_minutes_per_instance, 1),
                          _money(r.baseline_cost_per_instance, cur),
                          _money(r.candidate_cost_per_instance, cur), _money(r.delta, cur))
    other = comparison.other_cost_change
    if other.baseline_cost_per_instance or other.candidate_cost_per_instance:
        resources.add_row("(other)", "other costs", "", "",
                          _money(other.baseline_cost_per_instance, cur),
                          _money(other.candidate_cost_per_instance, cur),
                          _money(other.delta, cur))
    out.print(resources)
    values = _table("By value class", ["Value class", f"Baseline, {cur}",
                                       f"Candidate, {cur}", f"Delta, {cur}"], text_columns=1)
    for v in comparison.by_value:
        values.add_row(v.value, _money(v.baseline_cost_per_instance, cur),
                       _money(v.candidate_cost_per_instance, cur), _money(v.delta, cur))
    out.print(values)


_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")


def _visible(value: str | None) -> Text:
    # Logged values are user input: show control and bidi characters as escapes
    # so they can neither drive the terminal nor hide what changed.
    if value is None:
        return Text("—")
    return Text("".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS else ch
        for ch in value))


def _print_changes(entries: Sequence[RecordedChange], out: Console) -> None:
    table = _table("Change log", ["Seq", "Time (UTC)", "User", "File", "Element", "Field",
                                  "Old value", "New value", "Reason"], text_columns=9)
    for e in entries:
        table.add_row(str(e.seq), e.time, *map(_visible, (e.user, e.file, e.element, e.field,
                                                         e.old_value, e.new_value)),
                      _visible(e.reason) if e.reason is not None else "")
    out.print(table)


def _print_portfolio(portfolio: Portfolio, out: Console) -> None:
    table = _table("Portfolio", ["Process", "Variant", "Title", "Cost per instance",
                                 "Instances/year", "Cost per year", "Saving per year vs as_is",
                                 "Currency"], text_columns=3)
    for row in portfolio.rows:
        cur = row.currency
        table.add_row(row.process, row.variant + (" ★" if row.is_best else ""), row.title or "",
                      _money(row.cost_per_instance, cur), _number(row.volume_per_year, 0),
                      _money(row.cost_per_year, cur), _money(row.saving_per_year_vs_as_is, cur),
                      cur)
    out.print(table)
    out.print("★ cheapest variant per instance of its process", markup=False)
