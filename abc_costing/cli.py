"""The ``abc-costing`` command: parse the arguments, call the application layer, print.

Every sub-command is one action of :mod:`abc_costing.workflows`; this module
only turns arguments into a call and its result into text. Human tables by
default, ``--json`` for machines (numbers unrounded). Exit status: 0 on
success, 1 when a model has problems or cannot be used, 2 on a usage
mistake. Problems go to standard error, each naming the file, the line, the
element and what is wrong; a user's mistake never prints a traceback. Text
that came from a file (names, ids, messages quoting them) is printed with
control characters shown as escapes, so a file cannot drive the terminal.

Examples
--------
>>> main(["validate", "process_models/contract_approval/as_is.yaml"])
process_models/contract_approval/as_is.yaml: valid
0
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from abc_costing import __version__, numbers
from abc_costing.durations import duration
from abc_costing.durations import elapsed as elapsed_duration
from abc_costing.i18n import (
    LANGUAGE_ENV,
    LANGUAGES,
    N_,
    Language,
    Message,
    default_language,
    language_of,
    translate,
)
from abc_costing.numbers import Figure
from abc_costing.problems import Count
from abc_costing.reports.views import (
    TableView,
    activities_view,
    activity_changes_view,
    bridge_view,
    capacity_view,
    catalogue_view,
    change_log_view,
    disagreements_view,
    format_money,
    format_number,
    format_share,
    migration_view,
    portfolio_view,
    price_effects_view,
    queue_activities_view,
    queue_counts_text,
    queue_resources_view,
    release_view,
    resource_changes_view,
    resources_view,
    saving_split_view,
    sensitivity_view,
    simulation_view,
    staffing_view,
    value_changes_view,
    value_classes_view,
    variants_view,
)
from abc_costing.workflows import (
    DEFAULT_LIBRARY,
    LogColumns,
    Problem,
    has_errors,
    local_user,
)

if TYPE_CHECKING:  # types only: the workflows' modules are loaded by the commands using them
    from rich.console import Console  # loaded when a command prints: not for --help

    from abc_costing.workflows import LogVariants, Rates

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
#: The language of the tables' headers (``--lang``), set once per command.
_LANGUAGE: Language = "en"


def _(text: str, **values: Any) -> str:
    """``text`` (a constant English text with ``{placeholders}``) in the reader's language.

    >>> _("wrote {path}", path="out.pdf")
    'wrote out.pdf'
    """
    return translate(Message(text, values), _LANGUAGE)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    global _LANGUAGE
    if argv is None:  # the program itself (not a caller in this process): see _freeze_at_exit
        atexit.register(_freeze_at_exit)
    _tolerate_the_terminal(sys.stdout, sys.stderr)  # before argparse writes help or a mistake
    # The language first: the help texts are written when the parser is built.
    _LANGUAGE = _language_asked(argv) or default_language()
    with _argparse_in_language():  # a usage mistake is refused in the reader's words
        parser = _parser()
        args = parser.parse_args(argv)
    _LANGUAGE = args.lang or default_language()
    out = _console(sys.stdout)
    err = _console(sys.stderr)
    try:
        return int(args.run(args, out, err))
    except BrokenPipeError:  # `abc-costing cost x | head`
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


def _freeze_at_exit() -> None:
    """Exclude every object left from the collections the interpreter runs as it exits.

    They walk everything still alive (Polars' modules, rich, ...) while freeing nothing
    the process's end would not: 0.1-0.2 s CPU of each command (``variants`` on 1M
    events: about a tenth of it). Files are closed by the ``with`` blocks that wrote them.
    """
    gc.freeze()


def _language_asked(argv: Sequence[str] | None) -> Language | None:
    """The ``--lang`` of the command line, before it is parsed (None when not given or
    not a language: the parser then says what is wrong).

    >>> _language_asked(["--lang", "ru", "cost", "m.yaml"]), _language_asked(["--lang=de"])
    ('ru', None)
    """
    words = list(sys.argv[1:] if argv is None else argv)
    for i, word in enumerate(words):
        if word == "--":
            break
        if word == "--lang" and i + 1 < len(words):
            return language_of(words[i + 1]) if words[i + 1] in LANGUAGES else None
        if word.startswith("--lang="):
            given = word.removeprefix("--lang=")
            return language_of(given) if given in LANGUAGES else None
    return None


def _tolerate_the_terminal(*streams: Any) -> None:
    """Make a terminal's odd settings cost legibility, never a traceback.

    - An output whose encoding cannot write every character (``PYTHONIOENCODING=ascii``,
      a cp1251 console) writes ``?`` for the ones it lacks, where a Cyrillic name used
      to stop the command with UnicodeEncodeError.
    - ``COLUMNS``/``LINES`` that are not plain decimal numbers (``²`` passes ``isdigit``
      but not ``int``; rich reads them so too), or are 0 (rich then drew nothing, not
      even an error), are dropped, as if unset.
    """
    for name in ("COLUMNS", "LINES"):
        value = os.environ.get(name)
        if value is not None and value.isdigit() and (not value.isdecimal() or int(value) == 0):
            del os.environ[name]
    for stream in streams:
        if not _encoding(stream).startswith(("utf", "cp65001")) and hasattr(stream,
                                                                           "reconfigure"):
            stream.reconfigure(errors="replace")


def _encoding(stream: Any) -> str:
    """The encoding ``stream`` writes, written one way (``UTF-8``, ``utf_8``: ``utf8``).

    >>> import io
    >>> _encoding(io.TextIOWrapper(io.BytesIO(), encoding="UTF-8")), _encoding(object())
    ('utf8', 'utf8')
    """
    name = getattr(stream, "encoding", None) or "utf-8"
    return name.lower().replace("-", "").replace("_", "")


def _console(stream: Any) -> Console:
    # A terminal (or $COLUMNS) sets the width; a pipe gets 200 columns so that
    # Cyrillic names are not wrapped mid-word in files.
    columns = os.environ.get("COLUMNS", "")
    width = None if stream.isatty() or columns.isdigit() else 200
    if _rich_draws_plain_to(stream):
        # rich's width there: $COLUMNS when it is a number (rich reads it then), else ours
        return cast("Console", _PipeConsole(stream, int(columns) if width is None else width,
                                            rich_width=width))
    return _rich_console(stream, width)


def _rich_console(stream: Any, width: int | None) -> Console:
    # rich is loaded here, once a command is to print (0.04-0.07 s CPU): --help, --version
    # and a usage mistake are said by argparse alone.
    from rich.console import Console

    return Console(file=stream, width=width, soft_wrap=False, highlight=False)


def _rich_draws_plain_to(stream: Any) -> bool:
    """Whether a rich console on ``stream`` would surely draw no colour or style: a pipe
    or a file (not a terminal, nothing forcing one), outside Jupyter and Windows consoles,
    writing UTF-8. rich's own rules (rich 14, ``Console.is_terminal``) decide otherwise."""
    import builtins

    return (sys.platform != "win32" and not stream.isatty()
            and "FORCE_COLOR" not in os.environ and "TTY_COMPATIBLE" not in os.environ
            and not hasattr(builtins, "get_ipython")  # Jupyter: rich draws HTML there
            and not hasattr(stream, "rich_proxied_file")  # inside a rich live display
            and _encoding(stream) in ("utf8", "utf8sig"))


class _PipeConsole:
    """The rich console of a pipe or a file, made only when something needs rich.

    What rich prints there for a plain line that fits is the line itself, which
    :func:`_say` and :func:`_report_problems` write straight; rich itself (0.04-0.07 s
    of CPU to import) is loaded on the first use of anything else, with the arguments
    :func:`_console` would have given it. ``validate`` of a valid file never loads it.
    """

    color_system = None
    is_terminal = False
    record = False

    def __init__(self, stream: Any, width: int, *, rich_width: int | None) -> None:
        self.file = stream
        self.width = width  # rich's Console.width for the same stream and environment
        self._rich_width = rich_width  # what _console gives rich
        self._rich: Console | None = None

    def __getattr__(self, name: str) -> Any:  # only names not set above: rich's own
        if self._rich is None:
            self._rich = _rich_console(self.file, self._rich_width)
        return getattr(self._rich, name)


# --- the parser -----------------------------------------------------------------------------


#: argparse's own texts a reader meets (its gettext message ids, Python 3.11-3.13): the
#: help's words and every usage mistake's. Each has its Russian in locale/ru/cli.po.
_ARGPARSE_TEXTS = frozenset({
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("expected %s argument"),
    N_("expected %s arguments"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
})


@contextmanager
def _argparse_in_language() -> Iterator[None]:
    """argparse's own words (usage, section titles, every error) in the reader's language
    while the parser is built and parses.

    argparse says them through the module globals ``argparse._`` and
    ``argparse.ngettext`` (gettext's functions, whose 'argparse' domain has no
    Russian here); they are ours for the duration and put back afterwards, so
    nothing else in the process (pytest's own parser) changes language. A text
    argparse adds in a later Python stays English rather than wrong.

    >>> with _argparse_in_language():
    ...     argparse._("expected one argument")
    'expected one argument'
    """
    names = vars(argparse)  # its globals: ``argparse._`` is private to typing and linters
    english_gettext: Callable[[str], str] = names["_"]
    english_ngettext: Callable[[str, str, int], str] = names["ngettext"]

    def gettext(text: str) -> str:
        return translate(text, _LANGUAGE) if text in _ARGPARSE_TEXTS else english_gettext(text)

    def ngettext(singular: str, plural: str, count: int) -> str:
        english = singular if count == 1 else plural
        return gettext(english) if english in _ARGPARSE_TEXTS else english_ngettext(
            singular, plural, count)

    names.update(_=gettext, ngettext=ngettext)
    try:
        yield
    finally:
        names.update(_=english_gettext, ngettext=english_ngettext)


def _command(commands: Any, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    return commands.add_parser(name, help=summary, description=description)


def _library_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--library", type=Path, default=DEFAULT_LIBRARY, metavar="LIBRARY",
                        help=_("the model library folder (default: {DEFAULT_LIBRARY}/)",
                                DEFAULT_LIBRARY=DEFAULT_LIBRARY))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="abc-costing",
        description=_("Activity-based costing of process models (abc-costing/1 YAML files). "
                       "MODEL is a model file, LIBRARY a folder of them, LOG an event log."))
    parser.add_argument("--version", action="version", version=f"abc-costing {__version__}",
                        help=_("show program's version number and exit"))
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help=_("the language of the tables' headers: en or ru (default: "
                                "${LANGUAGE_ENV}, else the system locale's, else en)",
                                LANGUAGE_ENV=LANGUAGE_ENV))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = _command(commands, "validate", _("check model files; list every problem"),
                        _("Read each MODEL (a process model, or the resource catalogue "
                           "resources.yaml) and list every problem with its file, line and "
                           "element. Exit 1 when any is an error."))
    validate.add_argument("models", nargs="+", type=Path, metavar="MODEL")
    validate.add_argument("--json", action="store_true", help=_("problems as JSON"))
    validate.set_defaults(run=_run_validate)

    cost = _command(commands, "cost", _("exact cost of one instance and one year"),
                    _("The exact expected cost of one instance of MODEL, per year at its "
                       "volume, by activity, resource and value class."))
    cost.add_argument("model", type=Path, metavar="MODEL")
    cost.add_argument("--json", action="store_true", help=_("the full result as JSON"))
    cost.set_defaults(run=_run_cost)

    compare = _command(commands, "compare", _("what a candidate variant saves"),
                       _("What the CANDIDATE variant of a process saves against its BASELINE "
                          "(both model files), by activity, resource and value class."))
    compare.add_argument("baseline", type=Path, metavar="BASELINE")
    compare.add_argument("candidate", type=Path, metavar="CANDIDATE")
    compare.add_argument("--json", action="store_true", help=_("the full comparison as JSON"))
    compare.add_argument("--library", type=Path, metavar="DIR",
                         help=_("count the other processes of DIR in the pools' load when "
                                 "splitting the saving into cash and freed capacity (default: "
                                 "the library of BASELINE's resources.yaml, else the two files "
                                 "alone)"))
    compare.set_defaults(run=_run_compare)

    portfolio = _command(commands, "portfolio", _("every model of a library in one table"),
                         _("Every process variant of LIBRARY costed, with what each saves "
                            "against its process's as_is variant."))
    portfolio.add_argument("library", nargs="?", type=Path, default=DEFAULT_LIBRARY,
                           metavar="LIBRARY", help=_("default: {DEFAULT_LIBRARY}/",
                                                      DEFAULT_LIBRARY=DEFAULT_LIBRARY))
    portfolio.add_argument("--json", action="store_true", help=_("the table as JSON"))
    portfolio.set_defaults(run=_run_portfolio)

    ranking = _command(commands, "ranking", _("the redesigns ranked by their saving per year"),
                       _("Every candidate variant of LIBRARY against its process's as_is, the "
                         "biggest saving per year first, with its cash part and why it saves."))
    ranking.add_argument("library", nargs="?", type=Path, default=DEFAULT_LIBRARY,
                         metavar="LIBRARY", help=_("default: {DEFAULT_LIBRARY}/",
                                                   DEFAULT_LIBRARY=DEFAULT_LIBRARY))
    ranking.add_argument("--json", action="store_true", help=_("the table as JSON"))
    ranking.set_defaults(run=_run_ranking)

    advise = _command(commands, "advise", _("what to change in a process: moves ranked by "
                                            "saving"),
                      _("Every move the advisor can make on MODEL (eliminate a waste task, "
                        "reorder knock-out checks, merge consecutive tasks of one role; from "
                        "advice.yaml beside MODEL: automate a task, a shorter way for a share "
                        "of instances, new branch shares, triage by case class; with --can-do, "
                        "move a task to a cheaper pool), costed exactly and ranked by saving, "
                        "with the assumptions each rests on; moves that would overload a pool "
                        "or break the model are listed as refused; then the best moves "
                        "combined; tasks that can run side by side in a table of their own "
                        "(same cost, shorter cycle). --show N prints what move N changes in "
                        "the file."))
    advise.add_argument("model", type=Path, metavar="MODEL")
    advise.add_argument("--top", type=int, default=10, metavar="N",
                        help=_("show the N largest savings (default 10)"))
    advise.add_argument("--json", action="store_true", help=_("the tables as JSON"))
    advise.add_argument("--can-do", action="append", default=[], metavar="POOL=OTHER[,OTHER]",
                        help=_("labour pools OTHER may take over POOL's tasks: adds the moves "
                               "of a task to a cheaper pool (repeatable)"))
    chosen = advise.add_mutually_exclusive_group()
    chosen.add_argument("--advice", type=Path, metavar="FILE",
                        help=_("what the analyst knows (automation offers, risks, new branch "
                               "shares, ...): default: advice.yaml beside MODEL"))
    chosen.add_argument("--no-advice", action="store_true",
                        help=_("ignore advice.yaml beside MODEL"))
    advise.add_argument("--show", type=int, metavar="N",
                        help=_("what move N changes in the file, value by value (0: the moves "
                               "combined)"))
    advise.set_defaults(run=_run_advise)

    tour = _command(commands, "tour", _("a walk through the shipped process library"),
                    _("The portfolio, where the money of one process goes, and what its best "
                       "redesign saves."))
    tour.add_argument("library", nargs="?", type=Path, default=DEFAULT_LIBRARY,
                      metavar="LIBRARY", help=_("default: {DEFAULT_LIBRARY}/",
                                                 DEFAULT_LIBRARY=DEFAULT_LIBRARY))
    tour.set_defaults(run=_run_tour)

    report = _command(commands, "report", _("an auditor's report (xlsx with live formulas, "
                                             "pdf, csv zip, json)"),
                      _("Write a report of MODEL (compared with --baseline) to -o PATH, in "
                         "the format its name says (.xlsx, .pdf, .zip of CSV tables, .json), "
                         "or check with --verify that a report still matches its model files, "
                         "found in --library or beside the report."))
    report.add_argument("model", type=Path, nargs="?", metavar="MODEL")
    report.add_argument("--baseline", type=Path, metavar="MODEL",
                        help=_("compare MODEL with this variant of the same process"))
    report.add_argument("--format", choices=("xlsx", "pdf", "csv", "json"), dest="file_format",
                        help=_("the format (default: from the -o file's extension)"))
    report.add_argument("-o", "--output", type=Path, metavar="PATH")
    report.add_argument("--user", help=_("who the report is for the record (default: your "
                                          "login)"))
    report.add_argument("--verify", type=Path, metavar="REPORT",
                        help=_("recompute REPORT from its model files and say whether it "
                                "matches"))
    _library_option(report)
    report.set_defaults(run=_run_report)

    capacity = _command(commands, "capacity", _("load on shared labour pools against their "
                                                 "practical capacity, per month"),
                        _("Minutes each labour pool of LIBRARY works per month at the planned "
                           "volumes, against its practical capacity."))
    capacity.add_argument("library", nargs="?", type=Path, default=DEFAULT_LIBRARY,
                          metavar="LIBRARY", help=_("default: {DEFAULT_LIBRARY}/",
                                                     DEFAULT_LIBRARY=DEFAULT_LIBRARY))
    capacity.add_argument("--variant", default="as_is", metavar="NAME",
                          help=_("the variant counted for every process (default: as_is)"))
    capacity.add_argument("--month", metavar="YYYY-MM",
                          help=_("capacity in that month of the production calendar (January "
                                  "2026 has 120 working hours against an average 164.3)"))
    capacity.add_argument("--year", type=int, metavar="YYYY",
                          help=_("heads needed per pool in each month of the year (production "
                                  "calendar), instead of one month"))
    capacity.add_argument("--plan", metavar="VARIANT",
                          help=_("the saving per year of moving every process from as_is to "
                                  "VARIANT ('best': each one's cheapest), split into cash "
                                  "(whole people released, and what is not labour) and freed "
                                  "capacity"))
    capacity.add_argument("--json", action="store_true", help=_("the report as JSON"))
    capacity.set_defaults(run=_run_capacity)

    ledger_commands = (
        ("balance", _("a period's ledger allocated to pools, activities and cost objects: the "
                      "stage balance"),
         _("Allocate one period of the ledger (--period, --scenario) by the library's "
           "ledger/allocation.yaml and print the stage balance: at every stage input = "
           "assigned + idle + unassigned + over-driven, the difference 0.00."), _run_balance),
        ("trace", _("follow the money of ledger lines forwards, or a cost object's cost "
                    "backwards"),
         _("Forwards from the ledger lines matching --account/--cost-centre/--cost-item (e.g. "
           "where did 26 / Аренда go), or backwards with --object (what makes up its cost)."),
         _run_trace),
        ("profitability", _("cost to serve, revenue and margin of each cost object in a "
                            "period"),
         _("Each cost object's cost (its instances × the cost per instance of each process "
           "variant in the period), revenue and margin."), _run_profitability),
    )
    for name, summary, description, run in ledger_commands:
        command = _command(commands, name, summary, description)
        _period_options(command)
        if name == "trace":
            command.add_argument("--account", metavar="ACCOUNT", help=_("e.g. 26"))
            command.add_argument("--cost-centre", metavar="NAME", help=_("e.g. Юридический "
                                                                          "отдел"))
            command.add_argument("--cost-item", metavar="NAME", help=_("e.g. Аренда офиса"))
            command.add_argument("--object", metavar="NAME",
                                 help=_("trace this cost object's cost backwards instead"))
        if name == "profitability":
            command.add_argument("--against", metavar="SCENARIO",
                                 help=_("compare with another scenario of the period (e.g. "
                                         "plan: actual against budget)"))
        if name == "balance":
            command.add_argument("--nodes", action="store_true",
                                 help=_("every rule, support centre, pool and activity too"))
            command.add_argument("-o", "--output", type=Path, metavar="PATH",
                                 help=_("also write the period's report: .xlsx (every stage "
                                         "as live formulas over the ledger and driver cells) "
                                         "or .pdf"))
        command.add_argument("--json", action="store_true", help=_("the result as JSON"))
        command.set_defaults(run=run)

    sensitivity = _command(commands, "sensitivity", _("which inputs move the cost per "
                                                       "instance most (tornado chart data)"),
                           _("Move each input of MODEL by ±H and rank the inputs by how much "
                              "the exact cost per instance moves."))
    sensitivity.add_argument("model", type=Path, metavar="MODEL")
    sensitivity.add_argument("--change", type=float, default=0.1, metavar="H",
                             help=_("relative change of each input, 0 < H < 1 (default 0.1: "
                                     "±10%%)"))
    sensitivity.add_argument("--top", type=int, metavar="N", help=_("only the N largest "
                                                                     "impacts"))
    sensitivity.add_argument("--json", action="store_true", help=_("the ranked items as JSON"))
    sensitivity.set_defaults(run=_run_sensitivity)

    simulate = _command(commands, "simulate", _("Monte Carlo: the spread of cost per instance "
                                                 "and of cycle time"),
                        _("Simulate instances of MODEL (durations, branches, loops drawn at "
                           "random), or with --queue, working days with queues for busy people."))
    simulate.add_argument("model", type=Path, metavar="MODEL")
    simulate.add_argument("--runs", type=int, default=100_000, metavar="N",
                          help=_("instances to simulate (default 100000)"))
    simulate.add_argument("--seed", type=int, metavar="S",
                          help=_("seed of the random source; the same seed gives the same "
                                  "numbers"))
    simulate.add_argument("--json", action="store_true", help=_("the statistics as JSON"))
    simulate.add_argument("--queue", action="store_true",
                          help=_("discrete-event simulation with queues for busy people"))
    simulate.add_argument("--days", type=float, default=60.0, metavar="D",
                          help=_("with --queue: working days measured per replication "
                                  "(default 60)"))
    simulate.add_argument("--warmup-days", type=float, metavar="D",
                          help=_("with --queue: days simulated before measuring (default: "
                                  "from the model, twice an instance's work and waits plus the "
                                  "time the busiest queue takes to settle)"))
    simulate.add_argument("--replications", type=int, metavar="R",
                          help=_("with --queue: independent runs behind the 95%% confidence "
                                  "intervals (default 10)"))
    simulate.set_defaults(run=_run_simulate)

    mine = _command(commands, "mine", _("discover a costable model from an event log (CSV, "
                                         "Parquet, XES)"),
                    _("Discover a model from LOG: its routing, branch probabilities, rework "
                       "loops, parallel blocks and durations. Written to -o; a file inside the "
                       "library is saved as <process>/<variant>.yaml and logged in the change "
                       "log, never over an existing variant."))
    _add_log_arguments(mine)
    mine.add_argument("--rates", type=Path, metavar="MODEL_OR_TABLE",
                      help=_("price labour by the resources of this model (.yaml) or rates "
                              "table (.csv/.xlsx: resource, rate_per_hour[, currency])"))
    mine.add_argument("--process", metavar="SLUG", help=_("the model's process (default: "
                                                           "mined, or the folder of -o inside "
                                                           "the library)"))
    mine.add_argument("--variant", metavar="SLUG", help=_("the variant (default: as_is, or "
                                                           "the file name of -o inside the "
                                                           "library)"))
    mine.add_argument("-o", "--output", type=Path, required=True, metavar="MODEL",
                      help=_("the model file to write (.yaml or .yml)"))
    _library_option(mine)
    _engine_options(mine)
    mine.add_argument("--variants", action="store_true",
                      help=_("also print the trace variants, as the variants command does, "
                              "from the same reading of the log"))
    mine.add_argument("--top", type=int, default=10, metavar="N",
                      help=_("with --variants: show the N costliest variants (default 10; 0 "
                              "for all)"))
    mine.set_defaults(run=_run_mine)

    variants = _command(commands, "variants", _("trace variants of an event log: cases, cycle "
                                                 "time, cost per case, fit with the designed "
                                                 "model"),
                        _("Each distinct path through LOG with its cases, share, cycle time, "
                           "labour and cost per case, costliest first."))
    _add_log_arguments(variants)
    variants.add_argument("--rates", type=Path, metavar="MODEL_OR_TABLE",
                          help=_("price labour by this model's resources and replay the "
                                  "variants on its flow, or price by a rates table (.csv/.xlsx)"))
    variants.add_argument("--top", type=int, default=10, metavar="N",
                          help=_("show the N costliest variants (default 10; 0 for all)"))
    variants.add_argument("--json", action="store_true", help=_("every variant as JSON"))
    variants.add_argument("-o", "--output", type=Path, metavar="FILE.xes|FILE.parquet",
                          help=_("also write the costs out: .xes (the cases with their costs "
                                  "and variants, XES cost extension, for ProM or Apromore) "
                                  "or .parquet (the variants table)"))
    _engine_options(variants)
    variants.set_defaults(run=_run_variants)

    import_bpmn = _command(commands, "import-bpmn", _("a model from a BPMN 2.0 file (lanes, "
                                                       "subprocesses, BIMP/QBP or Prosimos "
                                                       "parameters)"),
                           _("Convert BPMN into a model; what the file does not carry becomes "
                              "a \"?\" to fill in. A file this tool exported comes back as the "
                              "same process. Written to -o; inside the library it is saved as "
                              "<process>/<variant>.yaml and logged, never over an existing "
                              "variant."))
    import_bpmn.add_argument("bpmn", type=Path, metavar="BPMN")
    import_bpmn.add_argument("--params", type=Path, metavar="FILE.json",
                             help=_("Prosimos simulation parameters (rates, durations, "
                                     "branching probabilities)"))
    import_bpmn.add_argument("--process", metavar="SLUG",
                             help=_("the model's process (default: from the BPMN file)"))
    import_bpmn.add_argument("--variant", metavar="SLUG", help=_("the variant (default: the "
                                                                  "one the file carries, else "
                                                                  "as_is)"))
    import_bpmn.add_argument("--pool", metavar="POOL",
                             help=_("the pool to import when several have content (its name "
                                     "or id)"))
    import_bpmn.add_argument("--all-pools", action="store_true",
                             help=_("import every pool with content as a process of its own; "
                                     "-o is then a folder, each written as "
                                     "<process>/<variant>.yaml"))
    import_bpmn.add_argument("-o", "--output", type=Path, required=True, metavar="MODEL")
    _library_option(import_bpmn)
    import_bpmn.set_defaults(run=_run_import_bpmn)

    export_bpmn = _command(commands, "export-bpmn", _("a model as BPMN 2.0 with a laid-out "
                                                       "diagram (opens in bpmn.io and Camunda "
                                                       "Modeler)"),
                           _("Write MODEL as BPMN 2.0 with lanes, shapes and edges; costs "
                              "travel in abc: extensions, so the file imports back unchanged."))
    export_bpmn.add_argument("model", type=Path, metavar="MODEL")
    export_bpmn.add_argument("-o", "--output", type=Path, required=True, metavar="BPMN")
    export_bpmn.set_defaults(run=_run_export_bpmn)

    resources = _command(commands, "resources", _("the resource catalogue with each pool's "
                                                   "derivation"),
                         _("List the pools of LIBRARY/resources.yaml: "
                                          "headcount, оклад, премия, contributions, the cost "
                                          "of one person per year, страховые взносы, ФОТ с "
                                          "взносами per month, practical capacity, the rate "
                                          "per hour or cost per use, and the variants that use "
                                          "and override each."))
    resources.add_argument("library", type=Path, nargs="?", default=DEFAULT_LIBRARY,
                           metavar="LIBRARY", help=_("default: {DEFAULT_LIBRARY}/",
                                                      DEFAULT_LIBRARY=DEFAULT_LIBRARY))
    resources.add_argument("--json", action="store_true", help=_("the pools as JSON"))
    resources.set_defaults(run=_run_resources)

    migrate = _command(commands, "migrate", _("move a library's pools to one resource "
                                               "catalogue (resources.yaml)"),
                       _("Gather every pool the model files of LIBRARY define into "
                          "LIBRARY/resources.yaml, each once, and make the files name them by "
                          "id. Where files disagree, the value most files give is kept and the "
                          "others keep theirs as overrides, so no file's cost changes. Without "
                          "--write, show the plan and write nothing."))
    migrate.add_argument("library", type=Path, metavar="LIBRARY")
    migrate.add_argument("--write", action="store_true",
                         help=_("write the catalogue and the files (each logged in the change "
                                 "log)"))
    migrate.add_argument("--json", action="store_true", help=_("the plan as JSON"))
    migrate.set_defaults(run=_run_migrate)

    log = _command(commands, "log", _("the change log: verify, show, export as CSV"),
                   _("The library's change log: who changed which value of which model, when, "
                      "from what to what, in a hash chain."))
    log_actions = log.add_subparsers(dest="log_action", required=True, metavar="ACTION")
    db_help = ("the change log database (default: $ABC_COSTING_CHANGE_LOG, else "
               ".abc-costing/change_log.sqlite beside the library)")
    log_verify = _command(log_actions, "verify", _("check that no entry was edited, deleted "
                                                    "or reordered"),
                          _("Walk the hash chain of the change log and check "
                                          "every entry, link and the head."))
    log_show = _command(log_actions, "show", _("list the entries, oldest first"),
                        _("List the change log's entries, oldest first."))
    log_show.add_argument("--file", metavar="F", help=_("only the changes of this model file "
                                                         "(as logged, e.g. "
                                                         "contract_approval/as_is.yaml)"))
    log_show.add_argument("--json", action="store_true", help=_("the entries as JSON"))
    log_export = _command(log_actions, "export", _("write the entries to a CSV file (UTF-8 "
                                                    "with BOM, opens in Excel)"),
                          _("Write the change log's entries to a "
                                                          "CSV file Excel opens and cannot run "
                                                          "formulas from."))
    log_export.add_argument("--file", metavar="F", help=_("only the changes of this model file"))
    log_export.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.csv")
    log_accept = _command(log_actions, "accept", _("log a model file changed by hand"),
                          _("Record a model file's current state as a change made outside "
                             "abc-costing, with who and why, so verification stops reporting "
                             "it."))
    log_accept.add_argument("model", type=Path, metavar="MODEL")
    log_accept.add_argument("--reason", required=True, help=_("why it was changed by hand"))
    log_reanchor = _command(log_actions, "reanchor", _("start the library's anchor afresh (an "
                                                        "auditor's act)"),
                            _("After a lost log or anchor, or a new signing key: anchor the "
                               "library to its log as it is now, recording who, why and what "
                               "did not match."))
    log_reanchor.add_argument("--reason", required=True, help=_("why, for the record"))
    for action, run in ((log_verify, _run_log_verify), (log_show, _run_log_show),
                        (log_export, _run_log_export), (log_accept, _run_log_accept),
                        (log_reanchor, _run_log_reanchor)):
        action.add_argument("--db", type=Path, metavar="PATH", help=db_help)
        action.add_argument("--library", type=Path, metavar="LIBRARY",
                            help=_("the library the log records (default: {DEFAULT_LIBRARY}/; "
                                    "with --db alone, only the log's own chain is checked)",
                                    DEFAULT_LIBRARY=DEFAULT_LIBRARY))
        action.set_defaults(run=run)
    return parser


def _add_log_arguments(parser: argparse.ArgumentParser) -> None:
    """The event log and its column names (recognised by their usual names when left out)."""
    parser.add_argument("log_file", type=Path, metavar="LOG")
    for field in ("case", "activity", "start", "end", "resource"):
        parser.add_argument(f"--{field}", metavar="COLUMN", help=_("the {field} column",
                                                                    field=field))
    parser.add_argument("--lifecycle", metavar="COLUMN", help=_("the lifecycle transition "
                                                                 "column (start, complete, "
                                                                 "...): a start and a complete "
                                                                 "row are one execution"))
    parser.add_argument("--instance", metavar="COLUMN",
                        help=_("the activity instance column (pairs start and complete rows)"))
    parser.add_argument("--cost", metavar="COLUMN",
                        help=_("the column of the cost the log recorded per event"))


# --- printing --------------------------------------------------------------------------------


#: The characters a file may not send to a terminal: the C0 and C1 controls (Unicode's
#: category Cc, exactly U+0000-U+001F and U+007F-U+009F) and the bidi controls. One
#: pattern rather than a test per character: a 10 000-row table has 70 000 cells.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(value: object) -> str:
    """Text from a file made safe for a terminal: control and bidi characters as escapes.

    >>> _visible("a\\x1b[31mb\\u202e")
    'a\\\\x1b[31mb\\\\u202e'
    """
    return _CONTROLS.sub(lambda found: found[0].encode("unicode_escape").decode("ascii"),
                         str(value))


def _say(console: Console, text: str, *, style: str | None = None) -> None:
    text = _visible(text)
    if _draws_plain(console) and _fits_plain(text, console.width):
        try:
            console.file.write(text + "\n")
        except UnicodeEncodeError:  # rich says it (with its advice on PYTHONIOENCODING)
            pass
        else:
            console.file.flush()  # as rich does after each print (stderr's lines between)
            return
    from rich.text import Text

    console.print(Text(text, style=style or ""))


def _fits_plain(text: str, width: int) -> bool:
    """Whether rich prints ``text`` (a ``Text``, on a console that draws no colour) as the
    line itself: one line, no space at either end, no tab, within ``width`` cells."""
    if not text or text != text.strip() or "\t" in text or _LINE_BREAK.search(text):
        return False
    if _NOT_SURELY_SINGLE.search(text) is None:  # one cell a character: no rich needed
        return len(text) <= width
    from rich.cells import cell_len

    return cell_len(text) <= width


def _draws_plain(console: Console) -> bool:
    """Whether ``console`` draws no colour or style (a pipe, a file, not recorded): then what
    rich prints for a line that fits is the line itself, and can be written straight."""
    return console.color_system is None and not console.is_terminal and not console.record


def _report_problems(problems: Sequence[Problem], err: Console) -> None:
    # To a pipe or a file (no colour drawn) a line that fits is what rich would print,
    # written straight: rich measures and wraps each line (0.45 ms a problem; a broken
    # 100,000-activity model has as many problems as activities).
    plain = _draws_plain(err)
    for problem in problems:
        text = _visible(problem.text(_LANGUAGE))
        if plain and _fits_plain(text, err.width):
            err.file.write(text + "\n")
        else:
            from rich.text import Text

            err.print(Text(text, style="yellow" if problem.severity == "warning" else "red"))


def _print_json(document: Any, out: Console) -> None:
    # Straight to the file: rich would re-wrap long lines. NaN and infinity are
    # not JSON: a figure that is not finite is a bug, never "Infinity".
    out.file.write(json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


def _print_view(view: TableView, out: Console, *, title: str | None = None) -> None:
    """A view's brief columns as a table that fits the terminal (the rest are in reports)."""
    view = view.in_language(_LANGUAGE)
    columns = view.brief_columns()
    heading = _visible(title or view.title)
    labels = [_visible(view.label(column.key)) for column in columns]
    columns_text = view.text_columns()
    # One search of the whole table: a cell holds a control character only if the
    # table does (most never do; 700,000 searches of a 100,000-row table, one each).
    if any(_CONTROLS.search("".join(cells)) for cells in columns_text):
        columns_text = [[_visible(cell) for cell in cells] for cells in columns_text]
    figures = [column.unit != "text" for column in columns]
    # A figure never breaks (its column is at least as wide as its widest cell);
    # headers and names wrap between words and fold only a word too long.
    widest = [max(map(len, cells), default=0) if figure else None
              for cells, figure in zip(columns_text, figures, strict=True)]
    cells_by_row = (list(zip(*columns_text, strict=True)) if columns_text
                    else [()] * len(view.rows))
    plain = _plain_table(out, heading, labels, figures, widest, cells_by_row)
    if plain is not None:
        out.file.write(plain)
    else:
        from rich.table import Table
        from rich.text import Text

        table = Table(title=heading, title_justify="left")
        for label, figure, least in zip(labels, figures, widest, strict=True):
            table.add_column(label, overflow="fold", justify="right" if figure else "left",
                             min_width=least)
        for row, cells in zip(view.rows, cells_by_row, strict=True):
            table.add_row(*(Text(cell) for cell in cells),
                          style="bold" if row.kind == "total" else None)
        out.print(table)
    if view.note:
        _say(out, translate(view.note, _LANGUAGE))


#: Text that rich lays out other than cell by cell: line breaks it splits on, and a
#: space at either end (a right-aligned cell loses its trailing ones).
#: (The space is looked for with str.isspace, the very set re's \s is.)
_LINE_BREAK = re.compile(r"[\u2028\u2029\n\r]")
#: The breaks other than "\n" (which the plain writer counts instead, joining texts by it).
_BREAK_NOT_NEWLINE = re.compile(r"[\u2028\u2029\r]")
#: A space (other than a line break) at the start of a text, in texts joined by "\n" (no
#: text holding one): the search runs on to each "\n" at C speed (an alternation with
#: "^" and "$" looked at every character, 4 times slower than a look at each text).
_SPACE_AFTER_BREAK = re.compile(r"\n[^\S\n]")
#: Characters that rich measures one cell wide, each (tests/test_print_columns.py
#: checks every one): printable ASCII and Latin, Greek and Cyrillic, and the marks and
#: signs the figures hold, the Russian tables' "№" and the ellipsis of "… 48 more
#: variants". A column with none other is as wide as its longest text. (And the line
#: break that joins texts.)
_NOT_SURELY_SINGLE = re.compile("[^\n\x20-\x7e\xa0-\xac\xae-\u02ff\u0370-\u0482"
                                "\u2014\u2026\u2116\u2192\u202f\u20bd\u221e]")


def _plain_table(out: Console, title: str, labels: Sequence[str], figures: Sequence[bool],
                 widest: Sequence[int | None], rows: Sequence[Sequence[str]]) -> str | None:
    """The text rich prints for this table, character for character, when nothing in it
    needs rich: no colour or style to draw (a pipe, a file), UTF-8 box lines, and either
    every column as wide as its widest cell within the console's width (no cell wraps),
    or, every character being one cell wide, a table that rich narrows to the width
    only by taking from its widest columns (:func:`_wrapped_widths`; the cells then wrap
    as :func:`_cell_lines` says). None otherwise: rich draws it then.

    rich lays a table out cell by cell (measure, wrap, pad, join segments), about
    1 ms a row; a 10 000-activity model's table took 13 s of CPU. This writes the
    same lines with string joins. The title and headers are rich markup as rich reads
    them (``render_str``); cells are plain text.

    >>> from io import StringIO
    >>> from rich.console import Console
    >>> out = Console(file=StringIO(), width=40)
    >>> print(_plain_table(out, "Cost per instance", ["Name", "RUB"], [False, True], [None, 5],
    ...                    [["a", "1.50"], ["total", "12.00"]]), end="")
    Cost per instance
    ┏━━━━━━━┳━━━━━━━┓
    ┃ Name  ┃   RUB ┃
    ┡━━━━━━━╇━━━━━━━┩
    │ a     │  1.50 │
    │ total │ 12.00 │
    └───────┴───────┘
    """
    # (a pipe console writes UTF-8: rich's ascii_only is False there)
    if not _draws_plain(out) or (not isinstance(out, _PipeConsole) and out.options.ascii_only):
        return None
    # a title that reads as nothing ("[bold]") is still a line, of spaces, as rich draws it
    has_title, title = bool(title), _as_rich_reads(out, title) if title else ""
    headers = [_as_rich_reads(out, label) for label in labels]
    texts = [title, *headers, *chain.from_iterable(rows)]
    # the texts looked at all at once, joined by line breaks: a text holds one only if
    # there are more of them than the joins; then (none held) a space at a text's start
    # follows a break, and one at its end does in the text reversed
    joined = "\n" + "\n".join(texts) + "\n"
    # (one search for a character that is not surely one cell wide, almost never found,
    # also rules out the other breaks, none being such a character)
    surely_single = not _NOT_SURELY_SINGLE.search(joined)
    if surely_single:  # each text as wide as it is long
        cell_len: Callable[[str], int] = len
    else:
        from rich.cells import cell_len
    if (joined.count("\n") != len(texts) + 1
            or (not surely_single and _BREAK_NOT_NEWLINE.search(joined))
            or _SPACE_AFTER_BREAK.search(joined) or _SPACE_AFTER_BREAK.search(joined[::-1])):
        return None
    columns = [list(column) for column in zip(*rows, strict=True)] or [[] for _ in headers]
    # a column measured at once: when each of its characters is one cell wide (almost
    # always, and looked for in the whole table first), each text is as wide as it is
    # long; else each cell as rich measures it
    measures = [(None if surely_single or _single_cells(column)
                 else [cell_len(cell) for cell in column]) for column in columns]
    header_widths = [cell_len(label) for label in headers]
    natural = [max(header, max(map(len, column), default=0) if wide is None
                   else max(wide, default=0)) + 2
               for header, column, wide in zip(header_widths, columns, measures, strict=True)]
    widths = [width if least is None else max(width, least + 2)
              for width, least in zip(natural, widest, strict=True)]
    wraps = sum(widths) + len(widths) + 1 > out.width
    if wraps:  # (only one cell a character: rich measures other text by graphemes)
        narrowed = (_wrapped_widths(out.width - len(natural) - 1, natural, widest)
                    if surely_single else None)
        if narrowed is None:
            return None
        widths = narrowed
    table_width = sum(widths) + len(widths) + 1
    if cell_len(title) > table_width:
        return None

    def padded(cells: Sequence[str], wide: Sequence[int] | None, width: int,
               figure: bool) -> list[str]:
        if wide is None:  # as wide as long: str's own padding, mapped in C
            return list(map(str.rjust if figure else str.ljust, cells, repeat(width)))
        return [" " * (width - used) + cell if figure else cell + " " * (width - used)
                for cell, used in zip(cells, wide, strict=True)]

    def rule(left: str, fill: str, between: str, right: str) -> str:
        return left + between.join(fill * width for width in widths) + right

    lines = [title + " " * (table_width - cell_len(title))] if has_title else []
    if wraps:
        inner = [width - 2 for width in widths]
        lines += [rule("┏", "━", "┳", "┓"), *_row_lines(headers, inner, figures, "┃",
                                                       bottom=True),
                  rule("┡", "━", "╇", "┩")]
        lines += chain.from_iterable(_row_lines(cells, inner, figures, "│") for cells in rows)
        lines.append(rule("└", "─", "┴", "┘"))
        return "\n".join(lines) + "\n"
    header_cells = [padded([label], [used], width - 2, figure)[0] for label, used, width, figure
                    in zip(headers, header_widths, widths, figures, strict=True)]
    lines += [rule("┏", "━", "┳", "┓"), "┃ " + " ┃ ".join(header_cells) + " ┃",
              rule("┡", "━", "╇", "┩")]
    body = [padded(column, wide, width - 2, figure) for column, wide, width, figure
            in zip(columns, measures, widths, figures, strict=True)]
    if rows:  # one join of the rows (joined themselves in C), not one concatenation a row
        lines.append("│ " + " │\n│ ".join(map(" │ ".join, zip(*body, strict=True))) + " │")
    lines.append(rule("└", "─", "┴", "┘"))
    return "\n".join(lines) + "\n"


def _wrapped_widths(room: int, natural: Sequence[int], least: Sequence[int | None]
                    ) -> list[int] | None:
    """The widths rich 15 gives the columns of a table too wide for its ``room`` (the
    console's width less the table's borders), every column wrapping (padding included):
    ``natural`` is each column's widest text + 2, ``least`` a figure column's least
    width (its widest cell) or None.

    rich measures each column within the room (a figure never under its least width),
    then, when the sum is over the room, narrows its widest columns toward the next
    widest, over and over (:func:`_narrowed`), and measures each again within its new
    width. None where rich would do more: narrow every column evenly (its last resort),
    widen a figure back to its least width past the room, or leave a column no cell of
    text.

    >>> _wrapped_widths(40, [6, 60, 9, 12], [4, None, 7, None])
    [6, 13, 9, 12]
    >>> _wrapped_widths(20, [6, 60, 19], [4, None, 17]) is None  # the figure would not fit
    True
    """
    floors = [2 if low is None else low + 2 for low in least]
    measured = [max(min(width, room), floor)
                for width, floor in zip(natural, floors, strict=True)]
    if sum(measured) > room:
        measured = _narrowed(measured, room)
        if sum(measured) > room or min(measured) < 3:
            return None
        measured = [max(width, floor) for width, floor in zip(measured, floors, strict=True)]
    if room < 3 or sum(measured) > room:
        return None
    return measured


def _narrowed(widths: Sequence[int], room: int) -> list[int]:
    """``widths`` brought within ``room`` as rich's ``Table._collapse_widths`` does when
    every column may wrap: the widest columns lose what is over, shared out among them
    in order (rounded half to even, as Python rounds), each at most down to the next
    widest; again until nothing is over.

    >>> _narrowed([10, 30, 30, 4], 61)  # 13 over: 6.5 rounds to 6, the rest is 7
    [10, 24, 23, 4]
    """
    widths = list(widths)
    over = sum(widths) - room
    while over > 0:
        widest = max(widths)
        next_widest = max((width for width in widths if width != widest), default=0)
        if widest == next_widest:
            break
        cut_most = min(over, widest - next_widest)
        left, sharers = over, widths.count(widest)
        for index, width in enumerate(widths):
            if width == widest:
                cut = min(cut_most, round(left / sharers))
                widths[index] = width - cut
                left -= cut
                sharers -= 1
        over = sum(widths) - room
    return widths


#: A word as rich's wrapping takes it: the spaces before it (a line's first word only),
#: the word, the spaces after it.
_WORD = re.compile(r"\s*\S+\s*")


def _cell_lines(text: str, width: int, *, right: bool) -> list[str]:
    """The lines rich 15 writes for ``text`` (every character one cell wide, no line
    break) in a cell ``width`` wide: wrapped between words, a word too long for a line
    folded at the width, each line right- or left-justified to exactly ``width``.

    A line takes the words that fit whole with the spaces after them; of the spaces it
    keeps past the width (and only spaces) as many as the width leaves are cut, and
    right-justified it loses them all.

    >>> _cell_lines("Операция 00 → Операция 02", 12, right=False)
    ['Операция 00 ', '→ Операция  ', '02          ']
    >>> _cell_lines("Cost per instance, RUB", 6, right=True)
    ['  Cost', '   per', 'instan', '   ce,', '   RUB']
    """
    breaks: list[int] = []
    used = 0  # cells taken on the line so far
    for word in _WORD.finditer(text):
        start, found = word.start(), word.group()
        length = len(found.rstrip())
        if length <= width - used:
            used += len(found)
        elif length > width:  # folded: pieces of the width, the last one going on
            for piece in range(start, word.end(), width):
                if piece:
                    breaks.append(piece)
            used = len(found) - (len(found) - 1) // width * width
        elif used and start:
            breaks.append(start)
            used = len(found)
    lines = []
    for begin, end in zip([0, *breaks], [*breaks, len(text)], strict=True):
        line = text[begin:end]
        if len(line) > width:  # spaces past the width cut, as many as are over
            spaces = len(line) - len(line.rstrip())
            line = line[:len(line) - min(spaces, len(line) - width)]
        lines.append(line.rstrip()[:width].rjust(width) if right else line[:width].ljust(width))
    return lines


def _row_lines(cells: Sequence[str], widths: Sequence[int], figures: Sequence[bool],
               edge: str, *, bottom: bool = False) -> list[str]:
    """A table row's lines between ``edge`` borders: each cell's lines (:func:`_cell_lines`)
    in its column's ``widths`` (padding not included), a shorter cell filled out with
    blank lines below (above, when ``bottom``: rich's headers are aligned to the bottom).

    >>> _row_lines(["Путь один два", "12"], [6, 4], [False, True], "│")
    ['│ Путь   │   12 │', '│ один   │      │', '│ два    │      │']
    """
    stacks = [[cell.rjust(width) if figure else cell.ljust(width)] if len(cell) <= width
              else _cell_lines(cell, width, right=figure)
              for cell, width, figure in zip(cells, widths, figures, strict=True)]
    height = max(map(len, stacks), default=1)
    if height > 1:
        stacks = [[" " * width] * (height - len(stack)) + stack if bottom
                  else stack + [" " * width] * (height - len(stack))
                  for stack, width in zip(stacks, widths, strict=True)]
    between = f" {edge} "
    return [f"{edge} {between.join(line)} {edge}" for line in zip(*stacks, strict=True)]


#: Where rich may read an emoji code: two colons with no space between them (rich 15,
#: ``_emoji_replace``: ``:name:``, the name perhaps ending ``-emoji`` or ``-text``, all
#: of it without a space). "cases: 83,732, variants: 58" holds none.
_EMOJI_CODE = re.compile(r":\S*?:")


def _as_rich_reads(out: Console, text: str) -> str:
    """``text`` as rich reads it as markup (``render_str``), without rich when it cannot
    hold markup: no ``[`` (a tag), no two colons with no space between them (an emoji
    code is ``:name:``) and no control character (rich's Text drops some).

    >>> from io import StringIO
    >>> from rich.console import Console
    >>> out = Console(file=StringIO())
    >>> _as_rich_reads(out, "Cost: RUB"), _as_rich_reads(out, "[bold]a[/] :thumbs_up:")
    ('Cost: RUB', 'a 👍')
    """
    if ("[" not in text and _EMOJI_CODE.search(text) is None
            and _CONTROLS.search(text) is None):
        return text
    return out.render_str(text, highlight=False).plain


def _single_cells(texts: Sequence[str]) -> bool:
    """Whether every character of ``texts`` takes one terminal cell as rich measures it
    (then rich's width of each text is its length): the distinct characters looked at once.

    >>> _single_cells(["1\u202f500,50", "Задача"]), _single_cells(["試験"]), _single_cells([])
    (True, False, True)
    """
    from rich.cells import cell_len

    text = "".join(texts)
    if not _NOT_SURELY_SINGLE.search(text):  # a look at each character, in C
        return True
    # a zero-width joiner or a variation selector alone measures 0, so it fails here too
    return all(cell_len(character) == 1 for character in set(text))


def _money(amount: float | None, currency: str) -> str:
    return "—" if amount is None else numbers.money(amount, currency, _LANGUAGE)


def _count(value: float) -> str:
    return format_number(value, 0, _LANGUAGE)


def _share(fraction: float) -> str:
    return format_share(fraction, language=_LANGUAGE)


def _heading(title: str | None, process: str, variant: str) -> str:
    return f"{title or process} — {process}/{variant}"  # names and ids: the same in any language


# --- reading and costing --------------------------------------------------------------------


def _run_validate(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import check_file

    all_problems: list[Problem] = []
    for path in args.models:
        checked = check_file(path)
        all_problems.extend(checked.problems)
        if not args.json and checked.valid:
            count = len(checked.problems)
            warnings = f" ({count} warning{'s' if count > 1 else ''})" if count else ""
            what = (f" resource catalogue, {checked.pools} pools"
                    if checked.kind == "catalogue" else "")
            _say(out, _("{path}: valid{what}{warnings}", path=path, what=what, warnings=warnings))
    if args.json:
        _print_json([{"file": p.file, "line": p.line, "element": p.element,
                      "severity": p.severity, "message": p.message} for p in all_problems], out)
    else:
        _report_problems(all_problems, err)
    return EXIT_PROBLEMS if has_errors(all_problems) else EXIT_OK


def _run_cost(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.memory import cyclic_gc_paused
    from abc_costing.workflows import cost_file

    # Paused while the tables are made too: a 10,000-row table is 100,000 new strings,
    # and each full collection would walk the model's objects again.
    with cyclic_gc_paused():
        costed = cost_file(args.model)
        _report_problems(costed.problems, err)
        if costed.result is None:
            return EXIT_PROBLEMS
        cycle = costed.cycle_time
        if args.json:
            _print_json(costed.result.as_dict()
                        | {"cycle_time": None if cycle is None else cycle.as_dict()}, out)
        else:
            _print_cost(costed.result, out)
            if cycle is not None:
                _print_cycle_time(cycle, out)
    return EXIT_OK


def _print_cycle_time(cycle: Any, out: Console) -> None:
    # waits are elapsed time (nights included), so the sum is said in days of 24 h
    minutes = elapsed_duration(cycle.minutes, _LANGUAGE)
    if cycle.exact:
        _say(out, _("Expected cycle time: {cycle_time}", cycle_time=minutes))
    else:
        _say(out, _("Expected cycle time: at least {cycle_time} (parallel blocks {blocks} "
                     "count their longest expected branch)", cycle_time=minutes,
                     blocks=", ".join(cycle.lower_bound_blocks)))


def _print_cost(result: Any, out: Console) -> None:
    cur = result.currency
    _say(out, _heading(result.title, result.process, result.variant), style="bold")
    _say(out, _("Cost per instance: {cost_per_instance}",
                 cost_per_instance=_money(result.cost_per_instance, cur)))
    if result.cost_per_year is not None:
        _say(out, _("Cost per year:     {cost_per_year} ({count} instances)",
                     cost_per_year=_money(result.cost_per_year, cur),
                     count=_count(result.volume_per_year)))
    _say(out, _("Labour per instance: {labour_time}",
                 labour_time=duration(result.labor_minutes_per_instance, _LANGUAGE)))
    for view in (activities_view(result), resources_view(result), value_classes_view(result)):
        _print_view(view, out)
    ends = ", ".join(f"{e}: {_share(p)}" for e, p in result.end_probabilities.items())
    _say(out, _("Ends: {ends}", ends=ends))


def _run_compare(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import compare_files

    compared = compare_files(args.baseline, args.candidate, library_dir=args.library)
    _report_problems(compared.problems, err)
    if compared.comparison is None:
        return EXIT_PROBLEMS
    split = compared.split
    if args.json:
        _print_json(compared.comparison.as_dict()
                    | {"split": None if split is None else split.as_dict()}, out)
    else:
        _print_comparison(compared.comparison, out, split=split)
    return EXIT_OK


def _print_comparison(comparison: Any, out: Console, *, split: Any = None) -> None:
    base, cand = comparison.baseline, comparison.candidate
    cur = base.currency
    _say(out, _("{value} ({variant}) → {value_2} ({variant_2})",
                 value=base.title or base.process, variant=base.variant,
                 value_2=cand.title or cand.process, variant_2=cand.variant), style="bold")
    # the currency once, on the side the language writes it: RUB 330.00 → 150.00 in English,
    # 330,00 → 150,00 ₽ in Russian
    before, after = (format_money(c.cost_per_instance, cur, _LANGUAGE) for c in (base, cand))
    if numbers.currency_leads(_LANGUAGE):
        before = _money(base.cost_per_instance, cur)
    else:
        after = _money(cand.cost_per_instance, cur)
    _say(out, _("Cost per instance: {cost_per_instance} → {cost_per_instance_2}",
                 cost_per_instance=before, cost_per_instance_2=after))
    _say(out, _("Saving per instance: {saving_per_instance} ({format_share})",
                 saving_per_instance=_money(comparison.saving_per_instance, cur),
                 format_share=_share(comparison.saving_share)))
    if comparison.saving_per_year is not None:
        _say(out, _("Saving per year:     {saving_per_year}",
                     saving_per_year=_money(comparison.saving_per_year, cur)))
    if comparison.bridge:
        _print_view(bridge_view(comparison), out)
    prices = price_effects_view(comparison)
    if len(prices.rows) > 1:  # a resource whose price moved, or an override
        _print_view(prices, out)
    if split is not None:
        _say(out, _("Of the saving per year: cash {cash_per_year}, freed capacity "
                     "{freed_capacity_per_year}, price effects {price_effect_per_year}",
                     cash_per_year=_money(split.cash_per_year, cur),
                     freed_capacity_per_year=_money(split.freed_capacity_per_year, cur),
                     price_effect_per_year=_money(split.price_effect_per_year, cur)))
        _print_view(saving_split_view(split, baseline=base.variant, candidate=cand.variant), out)
    for view in (activity_changes_view(comparison), resource_changes_view(comparison),
                 value_changes_view(comparison)):
        _print_view(view, out)


def _run_portfolio(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import open_library

    library = open_library(args.library)
    _report_problems(library.problems, err)
    if args.json:
        _print_json(library.portfolio.as_dict(problems=library.problems), out)
    else:
        _print_view(portfolio_view(library.portfolio, path_label=library.label), out)
    return EXIT_PROBLEMS if has_errors(list(library.problems)) else EXIT_OK


def _run_ranking(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import open_library, saving_ranking

    library = open_library(args.library)
    _report_problems(library.problems, err)
    ranking = saving_ranking(library)
    if args.json:
        _print_json(ranking.records(), out)
    else:
        _print_view(ranking, out)
    return EXIT_PROBLEMS if has_errors(list(library.problems)) else EXIT_OK


def _run_advise(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.reports.views import (
        advice_sequence_view,
        advice_view,
        faster_moves_view,
        move_edits_view,
        rejected_moves_view,
    )
    from abc_costing.workflows.advice import advise_file, move_diff

    top = max(0, args.top)
    can_do: dict[str, list[str]] = {}
    for given in args.can_do:
        pool, _sign, others = given.partition("=")
        can_do.setdefault(pool.strip(), []).extend(
            o.strip() for o in others.split(",") if o.strip())
    advised = advise_file(args.model, top=top, can_do=can_do, advice=args.advice,
                          use_advice=not args.no_advice)
    _report_problems(advised.problems, err)
    if advised.advice is None:
        return EXIT_PROBLEMS
    views: tuple[TableView, ...] = (advice_view(advised.advice, top=top),
                                    advice_sequence_view(advised.advice),
                                    faster_moves_view(advised.advice),
                                    rejected_moves_view(advised.advice))
    notes = list(advised.advice.notes)  # what was not proposed, and why
    if args.show is not None:
        chosen, edits, problems = move_diff(args.model, advised.advice, args.show)
        _report_problems(problems, err)
        if chosen is None or problems:
            return EXIT_PROBLEMS
        views, notes = (move_edits_view(chosen.description, edits),), []
    if args.json:
        _print_json({**{view.name: view.records() for view in views},
                     **({"notes": [str(note) for note in notes]} if notes else {})}, out)
    else:
        for view in views:
            if view.rows:
                _print_view(view, out)
        for note in notes:
            _say(out, translate(note, _LANGUAGE))
    return EXIT_OK


def _run_tour(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import compare_variants, open_library

    library = open_library(args.library)
    _report_problems(library.problems, err)
    portfolio = library.portfolio
    if not portfolio.rows:
        return EXIT_PROBLEMS
    out.rule(_("1. The portfolio: every process variant in the library"))
    _print_view(portfolio_view(portfolio, path_label=library.label), out)
    first = portfolio.processes()[0]
    best = portfolio.best_variant(first).variant
    base = "as_is" if "as_is" in library.variants(first) else best
    base_path = library.path_of(first, base)
    out.rule(_("2. Where the money goes: abc-costing cost {base_path}",
                base_path=_visible(base_path)))
    _print_cost(portfolio.results[(first, base)], out)
    if best != base:
        best_path = library.path_of(first, best)
        out.rule(_("3. What the redesign saves: abc-costing compare {base_path} {best_path}",
                    base_path=_visible(base_path), best_path=_visible(best_path)))
        _print_comparison(compare_variants(library, first, base, best), out)
    _say(out, _("\nNext: abc-costing cost MODEL --json, abc-costing compare BASELINE "
                 "CANDIDATE, abc-costing validate MODEL (see README.md)."))
    return EXIT_PROBLEMS if has_errors(list(library.problems)) else EXIT_OK


def _run_capacity(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import capacity_of_library, open_library

    library = open_library(args.library)
    if args.plan is not None:
        return _capacity_plan(library, args, out, err)
    if args.year is not None:
        return _capacity_year(library, args, out, err)
    report, problems = capacity_of_library(library, variant=args.variant, month=args.month)
    _report_problems(problems, err)
    if report is None:
        return EXIT_PROBLEMS
    if args.json:
        # warnings too: a provisional calendar month must not pass unnoticed in a pipeline
        _print_json({**report.as_dict(), "warnings": _warnings(problems)}, out)
        return EXIT_PROBLEMS if has_errors(list(library.problems)) else EXIT_OK
    _print_view(capacity_view(report, variant=args.variant), out)
    _say(out, _("Processes counted: {names}",
                names=", ".join(f"{p}/{v}" for p, v in report.counted) or _("none")))
    for skipped in report.skipped:
        _say(out, _("Skipped {name}: {reason}",
                    name=skipped.process + (f"/{skipped.variant}" if skipped.variant else ""),
                    reason=translate(skipped.reason, _LANGUAGE)))
    if report.shortages:
        _say(out, _("{count} pool(s) over practical capacity: {names}",
                    count=len(report.shortages),
                    names=", ".join(p.id for p in report.shortages)), style="bold red")
    return EXIT_PROBLEMS if has_errors(list(library.problems)) else EXIT_OK


def _period_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("library", nargs="?", type=Path, default=DEFAULT_LIBRARY,
                        metavar="LIBRARY", help=_("default: {DEFAULT_LIBRARY}/",
                                                   DEFAULT_LIBRARY=DEFAULT_LIBRARY))
    parser.add_argument("--period", metavar="PERIOD",
                        help=_("the month (2026-01, январь 2026) or quarter (2026-Q1, 1 "
                                "квартал 2026); default: the ledger's latest month"))
    parser.add_argument("--scenario", default="actual", metavar="NAME",
                        help=_("actual, plan or forecast (факт, план, прогноз; default: "
                                "actual)"))
    parser.add_argument("--allocation", type=Path, metavar="FILE",
                        help=_("the rules file (default: LIBRARY/ledger/allocation.yaml)"))
    for role, what in (("ledger", "the ledger (оборотно-сальдовая ведомость), CSV or XLSX"),
                       ("drivers", "driver quantities (headcount, m², devices)"),
                       ("volumes", "instances of each process variant per cost object"),
                       ("revenue", "revenue per cost object")):
        parser.add_argument(f"--{role}", type=Path, metavar="FILE",
                            help=_("{what} (default: the one the rules file names)", what=what))


def _balance_library(args: argparse.Namespace) -> Any:
    """The library a ledger command works on (opened once per command)."""
    from abc_costing.workflows import open_library

    if getattr(args, "_library", None) is None:
        args._library = open_library(args.library)
    return args._library


def _period_files(args: argparse.Namespace) -> Any:
    from abc_costing.workflows.ledger import PeriodFiles

    return PeriodFiles(allocation=args.allocation, ledger=args.ledger, drivers=args.drivers,
                       volumes=args.volumes, revenue=args.revenue)


def _balanced_period(args: argparse.Namespace, err: Console) -> Any:
    """The period the options name, allocated; problems printed."""
    from abc_costing.workflows.ledger import balance_period, ledger_periods

    library = _balance_library(args)
    files = _period_files(args)
    period = args.period
    if period is None:
        held, problems = ledger_periods(library, files)
        if not held:
            _report_problems(problems, err)
            return None
        period = held[0][0]
    balance = balance_period(library, period=period, scenario=args.scenario, files=files)
    _report_problems(balance.problems, err)
    return balance


def _balance_json(balance: Any) -> dict[str, Any]:
    result, inputs = balance.result, balance.inputs
    return {
        "period": balance.period, "scenario": balance.scenario, "currency": inputs.currency,
        "ledger_total": result.ledger_total,
        "stages": {stage: {k: float(v) for k, v in result.stage_totals(stage).kopecks().items()}
                   for stage in ("ledger", "support", "pools", "activities")},
        "nodes": [{"stage": b.stage, "node": b.node,
                   **{k: float(v) for k, v in b.kopecks().items()}} for b in result.balances],
        "pool_rates": result.pool_rates, "rate_basis": result.rate_basis,
        "files": {role: {"file": name, "sha256": sha} for role, (name, sha)
                  in inputs.files.items()},
        "warnings": _warnings(balance.problems),
    }


def _run_balance(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.reports.ledger_views import stage_balance_view, stage_summary_view

    output = args.output
    if output is not None and output.suffix.lower().lstrip(".") not in ("xlsx", "pdf"):
        _say(err, _("{output}: the report is .xlsx or .pdf", output=output), style="red")
        return EXIT_USAGE
    balance = _balanced_period(args, err)
    if balance is None or not balance.ok:
        return EXIT_PROBLEMS
    result, inputs = balance.result, balance.inputs
    if output is not None:
        from abc_costing.workflows.ledger import period_report
        from abc_costing.workflows.reporting import write_output

        written = write_output(output, period_report(balance, output.suffix.lower()[1:],
                                                     language=_LANGUAGE))
        _report_problems(written, err)
        if written:
            return EXIT_PROBLEMS
        _say(err, _("wrote {output}", output=output))
    if args.json:
        _print_json(_balance_json(balance), out)
        return EXIT_OK
    title = _("Stage balance, {period} ({scenario})", period=balance.period,
              scenario=balance.scenario)
    _print_view(stage_summary_view(result, currency=inputs.currency, title=title), out)
    if args.nodes:
        _print_view(stage_balance_view(result, currency=inputs.currency, names=balance.names),
                    out)
    if not args.nodes:  # where the money that reached no cost object stays, largest first
        names = balance.names
        for part, label in (("unassigned", _("Unassigned")), ("idle", _("Idle"))):
            held = sorted(((float(b.kopecks()[part]), b) for b in result.balances
                           if b.kopecks()[part] > 0), key=lambda item: -item[0])
            if held:
                shown = ", ".join(f"{translate(names.get(b.node, b.node), _LANGUAGE)} "
                                  f"{_money(money, inputs.currency)}" for money, b in held[:5])
                more = (_(" and {count} more (--nodes)", count=len(held) - 5)
                        if len(held) > 5 else "")
                _say(out, _("{label}: {shown}{more}", label=label, shown=shown, more=more))
    off = [b for b in result.balances if b.kopecks()["difference"] != 0]
    flagged = [b for b in result.balances if b.flagged]
    if off:
        _say(out, _("Differences: {nodes}", nodes=", ".join(f"{b.stage} {b.node}" for b in off)),
             style="bold red")
    if flagged:
        _say(out, _("Over-driven (drivers asked more than the money): {nodes}",
                    nodes=", ".join(f"{b.stage} {b.node}" for b in flagged)), style="bold red")
    return EXIT_OK


def _run_trace(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.reports.ledger_views import trace_view
    from abc_costing.workflows.ledger import trace_ledger, trace_object

    backward = args.object is not None
    if backward and any((args.account, args.cost_centre, args.cost_item)):
        _say(err, _("trace: give --object (backwards) or ledger codes (forwards), not both"),
             style="red")
        return EXIT_USAGE
    balance = _balanced_period(args, err)
    if balance is None or not balance.ok:
        return EXIT_PROBLEMS
    try:
        traced = (trace_object(balance, args.object) if backward else
                  trace_ledger(balance, account=args.account, cost_centre=args.cost_centre,
                               cost_item=args.cost_item))
    except KeyError as error:
        _say(err, str(error.args[0]), style="red")
        return EXIT_PROBLEMS
    view = trace_view(traced, currency=balance.inputs.currency, names=balance.names)
    if args.json:
        _print_json({"period": balance.period, "scenario": balance.scenario,
                     "direction": traced.direction, "total": traced.total,
                     "rows": view.records()}, out)
        return EXIT_OK
    _print_view(view, out)
    return EXIT_OK


def _run_profitability(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.reports.ledger_views import profitability_view

    balance = _balanced_period(args, err)
    if balance is None or not balance.ok:
        return EXIT_PROBLEMS
    view = profitability_view(balance.result, currency=balance.inputs.currency)
    if args.against is not None:
        from abc_costing.reports.ledger_views import scenario_comparison_view
        from abc_costing.workflows.ledger import balance_period

        other = balance_period(_balance_library(args), period=balance.period,
                               scenario=args.against, files=_period_files(args))
        _report_problems(other.problems, err)
        if other.result is None or not other.ok:
            return EXIT_PROBLEMS
        view = scenario_comparison_view(other.result, balance.result,
                                        currency=balance.inputs.currency,
                                        base_label=other.scenario, other_label=balance.scenario)
    if args.json:
        _print_json({"period": balance.period, "scenario": balance.scenario,
                     "rows": view.records()}, out)
        return EXIT_OK
    title = translate(view.title, _LANGUAGE)
    _print_view(view, out, title=f"{title}, {balance.period}" + (
        "" if args.against is not None else f" ({balance.scenario})"))
    return EXIT_OK


def _warnings(problems: Sequence[Any]) -> list[str]:
    return [str(p) for p in problems if p.severity == "warning"]


def _capacity_plan(library: Any, args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import released_by_plan

    if args.month is not None or args.year is not None:
        _say(err, _("give --plan alone, without --month or --year"), style="red")
        return EXIT_USAGE
    found, problems = released_by_plan(library, plan=args.plan)
    _report_problems(problems, err)
    if found is None:
        return EXIT_PROBLEMS
    view = release_view(found.pools, currency=found.currency,
                        non_labour_per_year=found.non_labour_per_year, plan=args.plan,
                        non_labour_price_effect_per_year=found.non_labour_price_effect_per_year)
    if args.json:
        _print_json({"plan": found.plan, "saving_per_year": found.saving_per_year,
                     "cash_per_year": found.cash_per_year, "pools": view.records(),
                     "warnings": _warnings(problems)}, out)
        return EXIT_OK
    _say(out, _("Plan: {variants}", variants=", ".join(f"{p}/{v}" for p, v in found.plan.items())))
    _print_view(view, out)
    _say(out, _("Saving per year: {saving_per_year}, of which cash {cash_per_year}",
                 saving_per_year=_money(found.saving_per_year, found.currency),
                 cash_per_year=_money(found.cash_per_year, found.currency)))
    return EXIT_PROBLEMS if has_errors(list(library.problems)) else EXIT_OK


def _run_resources(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import load_resources, open_library

    library = open_library(args.library)
    loaded = load_resources(library)
    _report_problems(loaded.problems, err)
    if loaded.catalogue is None:
        return EXIT_PROBLEMS
    view = catalogue_view(loaded.catalogue.catalogue.pools, currency=loaded.currency,
                          used_by=loaded.used_by, overridden_by=loaded.overridden_by)
    if args.json:
        _print_json({"file": loaded.label, "currency": loaded.currency,
                     "year": loaded.catalogue.catalogue.year,
                     "pools": [{**{k: v for k, v in r.items() if k != "row_kind"},
                                "used_by": list(loaded.used_by.get(r["id"], ())),
                                "overridden_by": list(loaded.overridden_by.get(r["id"], ()))}
                               for r in view.records()]}, out)
    else:
        _print_view(view, out, title=f"{translate(view.title, _LANGUAGE)}: {loaded.label}, "
                                     f"{loaded.currency}")
        for row in view.rows:  # the one column too wide for the table
            _say(out, _("{value} is used by {value_2}", value=row.value('id'),
                         value_2=row.value('used_by') or 'no variant'))
    return EXIT_PROBLEMS if has_errors(list(loaded.problems)) else EXIT_OK


def _capacity_year(library: Any, args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import capacity_by_month

    if args.month is not None:
        _say(err, _("give --month or --year, not both"), style="red")
        return EXIT_USAGE
    reports, problems = capacity_by_month(library, year=args.year, variant=args.variant)
    _report_problems(problems, err)
    if not reports:
        return EXIT_PROBLEMS
    view = staffing_view(reports, year=args.year, variant=args.variant)
    if args.json:
        _print_json({"year": args.year, "variant": args.variant, "pools": view.records(),
                     "warnings": _warnings(problems)}, out)
    else:
        _print_view(view, out)
    return EXIT_PROBLEMS if has_errors(list(library.problems)) else EXIT_OK


def _run_sensitivity(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import read_model_file, sensitivity_of

    if not 0 < args.change < 1:
        _say(err, _("--change must be between 0 and 1 (0.1 for ±10%), got {change}",
                     change=Figure.as_written(args.change)),
             style="red")
        return EXIT_USAGE
    if args.top is not None and args.top < 1:
        _say(err, _("--top must be at least 1, got {top}", top=args.top), style="red")
        return EXIT_USAGE
    model, problems = read_model_file(args.model)
    _report_problems(problems, err)
    if model is None:
        return EXIT_PROBLEMS
    outcome = sensitivity_of(model, relative_change=args.change, top=args.top)
    _report_problems(outcome.problems, err)
    if outcome.cost_per_instance is None:
        return EXIT_PROBLEMS
    if args.json:
        _print_json({"process": model.process, "variant": model.variant,
                     "currency": model.currency, "relative_change": args.change,
                     "items": [item.as_dict() for item in outcome.items]}, out)
        return EXIT_OK
    _say(out, _heading(model.title, model.process, model.variant), style="bold")
    _say(out, _("Cost per instance: {cost_per_instance}; each input moved by ±{value}%",
                 cost_per_instance=_money(outcome.cost_per_instance, model.currency),
                 value=Figure.as_written(args.change * 100)))
    _print_view(sensitivity_view(outcome.items, currency=model.currency), out)
    return EXIT_OK


def _run_simulate(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import read_model_file

    model, problems = read_model_file(args.model)
    _report_problems(problems, err)
    if model is None:
        return EXIT_PROBLEMS
    if args.queue:
        return _simulate_queues(model, args, out, err)
    from abc_costing.workflows import simulate_model

    simulated = simulate_model(model, runs=args.runs, seed=args.seed)
    _report_problems(simulated.problems, err)
    result = simulated.result
    if result is None:
        return EXIT_PROBLEMS
    if args.json:
        _print_json(result.as_dict(), out)
        return EXIT_OK
    _say(out, _heading(model.title, model.process, model.variant), style="bold")
    _say(out, _("Monte Carlo: {runs} instances, seed {value}",
                 runs=numbers.number(result.runs, 0, _LANGUAGE),
                 value='none (fresh entropy)' if result.seed is None else result.seed))
    _print_view(simulation_view(result,
                                exact_cost_per_instance=simulated.exact_cost_per_instance), out)
    ends = ", ".join(f"{e}: {_share(p)}" for e, p in result.end_frequencies.items())
    _say(out, _("Ends: {ends}", ends=ends))
    return EXIT_OK


def _simulate_queues(model: Any, args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import simulate_model_queues

    simulated = simulate_model_queues(model, days=args.days, seed=args.seed,
                                      warmup_days=args.warmup_days,
                                      replications=args.replications)
    _report_problems([p.located(file=str(args.model)) for p in simulated.problems], err)
    result = simulated.result
    if result is None:
        return EXIT_PROBLEMS
    if args.json:
        _print_json({"seed": args.seed, **result.as_dict()}, out)
        return EXIT_OK
    _say(out, _heading(model.title, model.process, model.variant), style="bold")
    _say(out, _("Queues: {replications} × {days} working days of {hours_per_day} h, "
                 "{days_per_month} a month ({calendar_basis}); warm-up {warmup_basis}",
                 replications=result.replications, days=Figure.as_written(args.days),
                 hours_per_day=Figure.as_written(result.hours_per_day),
                 days_per_month=Figure.as_written(result.days_per_month),
                 calendar_basis=result.calendar_basis, warmup_basis=result.warmup_basis))
    _say(out, queue_counts_text(result, language=_LANGUAGE))
    interval = result.cycle_time_mean_ci95

    def elapsed(minutes: float) -> str:  # the same instances on the real calendar
        return elapsed_duration(minutes, _LANGUAGE)

    def working(minutes: float | None) -> str:  # the simulated clock counts working time
        return "—" if minutes is None else duration(minutes, _LANGUAGE,
                                                     hours_per_day=result.hours_per_day)

    # "mean" is a word; p50, p90, p95 are the percentiles' notation in any language
    measures = ", ".join(f"{_('mean') if key == 'mean' else key} {working(value)}"
                         for key, value in result.cycle_time_minutes.items())
    hours = Figure.as_written(result.hours_per_day)
    if interval:
        _say(out, _("Cycle time with queues, working days of {hours} h: {measures} "
                    "(mean 95% CI {low} – {high})", hours=hours,
                    measures=measures, low=working(interval[0]), high=working(interval[1])))
    else:
        _say(out, _("Cycle time with queues, working days of {hours} h: {measures}",
                    hours=hours, measures=measures))
    if result.cycle_time_elapsed_minutes.get("mean") is not None:
        calendar = ", ".join(f"{_('mean') if key == 'mean' else key} {elapsed(value)}"
                             for key, value in result.cycle_time_elapsed_minutes.items()
                             if value is not None)
        _say(out, _("Cycle time with queues, calendar days (nights and weekends included): "
                    "{measures}", measures=calendar))
    _say(out, _("Cost per instance (waiting is not priced): {cost_per_instance_mean}",
                 cost_per_instance_mean=_money(result.cost_per_instance_mean, model.currency)))
    _print_view(queue_resources_view(result), out)
    _print_view(queue_activities_view(result), out)
    return EXIT_OK


# --- event logs and BPMN --------------------------------------------------------------------


def _bad_slug_option(args: argparse.Namespace, err: Console) -> bool:
    """Report a --process or --variant that breaks the slug rule (``None``: not given)."""
    for option in ("process", "variant"):
        slug = getattr(args, option)
        if slug is not None and (not slug or slug[0] == "-" or not all(
                c.isalnum() or c in "_-" for c in slug)):
            _say(err, _("--{option} {slug!r}: use letters, digits, _ and -", option=option,
                         slug=slug), style="red")
            return True
    return False


def _rates(args: argparse.Namespace, err: Console) -> tuple[bool, Any]:
    from abc_costing.workflows import read_rates

    if args.rates is None:
        return True, None
    rates, problems = read_rates(args.rates, source_name=str(args.rates))
    _report_problems(problems, err)
    return rates is not None, rates


def _columns(args: argparse.Namespace) -> LogColumns:
    return LogColumns(case=args.case, activity=args.activity, start=args.start, end=args.end,
                      resource=args.resource, lifecycle=args.lifecycle, instance=args.instance,
                      cost=args.cost)


def _log_problems(problems: Sequence[Problem], err: Console) -> None:
    _report_problems(problems, err)
    if any("missing column" in p.message for p in problems):
        _say(err, _("name the columns with --case, --activity, --start, --end and --resource"),
             style="red")


def _in_library(output: Path, library: Path) -> bool:
    try:
        output.resolve().relative_to(library.resolve())
    except ValueError:
        return False
    return True


def _slugs_from_output(args: argparse.Namespace, err: Console) -> bool:
    """Inside the library a model lives at <process>/<variant>.yaml: take or check the slugs."""
    output: Path = args.output.resolve()
    relative = output.relative_to(args.library.resolve())
    if len(relative.parts) != 2 or output.suffix != ".yaml":
        _say(err, _("{output}: inside the library a model is saved as <process>/<variant>.yaml",
                     output=args.output), style="red")
        return False
    for option, slug in (("process", relative.parts[0]), ("variant", output.stem)):
        given = getattr(args, option)
        if given is not None and given != slug:
            _say(err, _("--{option} {given} disagrees with -o {output} (which names {option} "
                         "{slug}): give one or the other", option=option, given=given,
                         output=args.output, slug=slug), style="red")
            return False
        setattr(args, option, slug)
    return not _bad_slug_option(args, err)


#: What a model file is called: the readers take YAML by these suffixes only.
_MODEL_SUFFIXES = (".yaml", ".yml")


def _bad_model_output(output: Path, err: Console, *, log: Path | None = None) -> bool:
    """Report an -o that does not name a YAML file (a model written as YAML into z.xes is
    neither a model the readers find nor the XES the name promises; the library lists
    .yaml and .yml, in lower case, as models). ``log``: the log a mined model comes from."""
    if output.suffix in _MODEL_SUFFIXES:
        return False
    _say(err, _("{output}: a model is written as YAML: name the file .yaml or .yml",
                 output=output), style="red")
    if log is not None and output.suffix.lower() in (".xes", ".parquet", ".pq"):
        _say(err, _("the cases with their costs as XES or Parquet: abc-costing variants {log} "
                     "-o {output}", log=log, output=output), style="red")
    return True


def _write_model(text: str, args: argparse.Namespace, out: Console, err: Console, *,
                 source_name: str) -> int:
    """Write an imported or mined model: logged into the library, or to a file elsewhere."""
    from abc_costing.workflows import (
        check_model_text,
        open_library,
        save_imported_model,
        write_output,
    )

    if _in_library(args.output, args.library):
        library = open_library(args.library)
        outcome = save_imported_model(text, source_name=source_name, user=local_user(),
                                      library=library)
        _report_problems(outcome.problems, err)
        if outcome.saved is None:
            _say(err, _("nothing written to {output}", output=args.output), style="red")
            return EXIT_PROBLEMS
        _say(out, _("wrote {output} into the library and logged it in the change log",
                     output=args.output))
        return EXIT_OK
    problems = write_output(args.output, text.encode("utf-8"))
    _report_problems(problems, err)
    if problems:
        return EXIT_PROBLEMS
    _say(out, _("wrote {output}", output=args.output))
    *_read, remaining = check_model_text(text, source_name=str(args.output))
    if has_errors(list(remaining)):
        _report_problems([p for p in remaining if p.severity == "error"], err)
        _say(out, _("fill in the placeholders (\"?\") and fix what is listed above, then run "
                     "abc-costing validate {output}", output=args.output))
        return EXIT_PROBLEMS
    return EXIT_OK


def _engine_options(parser: argparse.ArgumentParser) -> None:
    """--engine and --spark-master of the commands that read a whole log."""
    parser.add_argument("--engine", choices=("local", "spark"), default="local",
                        help=_("local: Polars on this machine (default); spark: the log is "
                                "split by case over a Spark cluster (needs abc-costing[spark] "
                                "and a JDK 17)"))
    parser.add_argument("--spark-master", metavar="URL",
                        help=_("with --engine spark: the cluster, e.g. spark://host:7077 or "
                                "yarn (default: $SPARK_MASTER, else local[*])"))


def _run_mine(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import mine_event_log

    if (_bad_slug_option(args, err) or _bad_top(args, err)
            or _bad_model_output(args.output, err, log=args.log_file)):
        return EXIT_USAGE
    if _in_library(args.output, args.library) and not _slugs_from_output(args, err):
        return EXIT_USAGE
    ok, rates = _rates(args, err)
    if not ok:
        return EXIT_PROBLEMS
    mined = mine_event_log(args.log_file, source_name=str(args.log_file),
                           columns=_columns(args), rates=rates,
                           process=args.process or "mined", variant=args.variant or "as_is",
                           engine=args.engine, spark_master=args.spark_master)
    imported = mined.model
    if not imported.text:
        _log_problems(imported.problems, err)
        return EXIT_PROBLEMS
    _report_problems([p for p in imported.problems if p.severity == "warning"], err)
    status = _write_model(imported.text, args, out, err, source_name=str(args.log_file))
    _say(out, _("discovered from {case_count} cases, {event_count} events",
                 case_count=imported.case_count, event_count=imported.event_count))
    if args.variants:  # the log's warnings were said above, with the model's
        _print_variants(mined.variants, args, rates, out)
    return status


def _bad_top(args: argparse.Namespace, err: Console) -> bool:
    if args.top < 0:
        _say(err, _("--top must be 0 (all) or more"), style="red")
        return True
    return False


def _run_variants(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import event_log_variants

    if _bad_top(args, err):
        return EXIT_USAGE
    ok, rates = _rates(args, err)
    if not ok:
        return EXIT_PROBLEMS
    if args.output is not None:
        from abc_costing.workflows import write_log_costs

        written = write_log_costs(args.log_file, source_name=str(args.log_file),
                                  output=args.output, columns=_columns(args), rates=rates,
                                  engine=args.engine, spark_master=args.spark_master)
        if written.problems and not written.found.problems:
            _report_problems(list(written.problems), err)
            return EXIT_PROBLEMS
        found = written.found
        _report_problems(list(written.warnings), err)
        if written.output is not None:  # on stderr under --json, which owns stdout
            _say(err if args.json else out, _("wrote {output}", output=written.output))
    else:
        found = event_log_variants(args.log_file, source_name=str(args.log_file),
                                   columns=_columns(args), rates=rates, engine=args.engine,
                                   spark_master=args.spark_master)
    if found.problems:
        _log_problems(found.problems, err)
        return EXIT_PROBLEMS
    _report_problems(found.warnings, err)
    if args.json:
        _print_json({"log": str(args.log_file), "cases": found.case_count,
                     "events": found.event_count, "conformance": found.conformance,
                     "warnings": [str(p) for p in found.warnings],
                     "design_cost_per_instance": found.design_cost_per_instance,
                     "variants": [v.as_dict() for v in found.variants]}, out)
        return EXIT_OK
    _print_variants(found, args, rates, out)
    return EXIT_OK


def _print_variants(found: LogVariants, args: argparse.Namespace, rates: Rates | None,
                    out: Console) -> None:
    """The variants table of ``variants`` (and ``mine --variants``), with the conformance."""
    cur = rates.currency if rates is not None else "RUB"
    variants = found.variants
    shown = variants[: args.top] if args.top else variants
    _print_view(variants_view(shown, currency=cur), out,
                title=_("Trace variants of {log} (cases: {case_count:,}, variants: "
                        "{variant_count:,}; costliest first)", log=args.log_file,
                        case_count=Count(found.case_count or 0),
                        variant_count=Count(len(variants))))
    if len(shown) < len(variants):
        _say(out, _("… {value} more variants (--top 0 shows all)",
                     value=len(variants) - len(shown)))
    if found.conformance is not None and found.design_cost_per_instance is not None:
        _say(out, _("Conformance: {format_share} of cases follow a path the designed model "
                     "{rates} allows; its cost per instance is {design_cost_per_instance}",
                     format_share=_share(found.conformance), rates=args.rates,
                     design_cost_per_instance=_money(found.design_cost_per_instance, cur)))


def _run_import_bpmn(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import import_bpmn

    if _bad_slug_option(args, err):
        return EXIT_USAGE
    if args.all_pools:
        return _run_import_bpmn_pools(args, out, err)
    if _bad_model_output(args.output, err):
        return EXIT_USAGE
    if _in_library(args.output, args.library) and not _slugs_from_output(args, err):
        return EXIT_USAGE
    imported = import_bpmn(args.bpmn, source_name=str(args.bpmn), params=args.params,
                           params_name=str(args.params), process=args.process,
                           variant=args.variant, pool=args.pool)
    if not imported.text:
        _report_problems(imported.problems, err)
        if any("pools with processes" in p.message for p in imported.problems):
            _say(err, _("name the pool with --pool, or import each with --all-pools -o FOLDER"),
                 style="red")
        _say(err, _("nothing written to {output}", output=args.output), style="red")
        return EXIT_PROBLEMS
    _report_problems([p for p in imported.problems if p.severity == "warning"], err)
    return _write_model(imported.text, args, out, err, source_name=str(args.bpmn))


def _run_import_bpmn_pools(args: argparse.Namespace, out: Console, err: Console) -> int:
    """``--all-pools``: each pool to ``<output>/<process>/<variant>.yaml``."""
    from abc_costing.workflows import import_bpmn_pools

    if args.pool is not None or args.process is not None:
        _say(err, _("--all-pools names each process after its pool: leave out --pool and "
                     "--process"), style="red")
        return EXIT_USAGE
    folder: Path = args.output
    status = EXIT_OK
    for imported in import_bpmn_pools(args.bpmn, source_name=str(args.bpmn),
                                      params=args.params, params_name=str(args.params),
                                      variant=args.variant):
        pool = imported.pool.label if imported.pool is not None else str(args.bpmn)
        if not imported.text or imported.target is None:
            _report_problems(imported.problems, err)
            _say(err, _("pool {pool}: nothing written", pool=pool), style="red")
            status = EXIT_PROBLEMS
            continue
        _say(out, _("pool {pool}:", pool=pool))
        _report_problems([p for p in imported.problems if p.severity == "warning"], err)
        args.output = folder / imported.target
        if not args.output.parent.is_dir() and not _in_library(args.output, args.library):
            args.output.parent.mkdir(parents=True)
        status = max(status, _write_model(imported.text, args, out, err,
                                          source_name=str(args.bpmn)))
    return status


def _run_export_bpmn(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import export_bpmn

    model, problems = export_bpmn(args.model, args.output)
    _report_problems(problems, err)
    if model is None:
        return EXIT_PROBLEMS
    _say(out, _("wrote {output}: {count} nodes, {count_2} flows", output=args.output,
                 count=len(model.node_kinds), count_2=len(model.flows)))
    return EXIT_OK


# --- reports and the change log -------------------------------------------------------------


def _run_report(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import (
        build_report,
        report_format_for,
        verify_report_file,
        write_output,
    )

    if args.verify is not None:
        verified = verify_report_file(args.verify, library_dir=args.library)
        _report_problems(verified.problems, err)
        check = verified.check
        if check is None:
            return EXIT_PROBLEMS
        stream = out if check.ok else err
        for finding in check.findings:
            _say(stream, finding)
        verdict = ("matches its model files" if check.ok else
                   "NO LONGER MATCHES its model files" if check.inputs_found else
                   "cannot be checked: its model files were not found (name their folder "
                   "with --library)")
        _say(stream, _("{verify}: the report {verdict}", verify=args.verify, verdict=verdict))
        return EXIT_OK if check.ok else EXIT_PROBLEMS
    missing = [flag for flag, value in (("MODEL", args.model), ("-o PATH", args.output))
               if value is None]
    if missing:
        _say(err, _("report needs {missing} (or --verify REPORT)", missing=", ".join(missing)),
             style="red")
        return EXIT_USAGE
    file_format, problems = report_format_for(args.output, args.file_format)
    if file_format is None:
        _report_problems(problems, err)
        return EXIT_USAGE
    user = local_user(args.user) if args.user else local_user()
    built = build_report(args.model, baseline_path=args.baseline, file_format=file_format,
                         user=user, library_dir=args.library, language=_LANGUAGE)
    _report_problems(built.problems, err)
    if built.data is None or built.inputs is None:
        return EXIT_PROBLEMS
    written = write_output(args.output, built.data)
    _report_problems(written, err)
    if written:
        return EXIT_PROBLEMS
    _say(out, _("wrote {output} ({file_format}; inputs: {inputs})", output=args.output,
                file_format=file_format,
                inputs=", ".join(f"{i.path} sha256 {i.sha256[:12]}"
                                 for i in built.inputs.provenance.inputs)))
    return EXIT_OK


def _log_path(args: argparse.Namespace) -> Path:
    from abc_costing.workflows import change_log_path

    return change_log_path(args.library or DEFAULT_LIBRARY, args.db)


def _entries_text(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def _run_log_verify(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import verify_change_log

    # --db alone checks that log's own chain; otherwise the library and its log together.
    library = args.library if args.library is not None else (
        None if args.db is not None else DEFAULT_LIBRARY)
    verified = verify_change_log(library, db=args.db, label=str(_log_path(args)))
    _report_problems(verified.problems, err)
    if not verified.ok:
        return EXIT_PROBLEMS
    if verified.entries is None:
        _say(out, _("no change log yet: no model file was changed through abc-costing"))
    else:
        head = f"head {verified.head_hash[:12]}" if verified.head_hash else "empty"
        what = "" if library is None else ", every model file matches it"
        _say(out, _("change log OK: {entries_text}, {head}{what}",
                     entries_text=_entries_text(verified.entries), head=head, what=what))
    return EXIT_OK


def _run_log_show(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import change_log_entries

    listed = change_log_entries(_log_path(args), file=args.file)
    _report_problems(listed.problems, err)
    if listed.problems:
        return EXIT_PROBLEMS
    if args.json:
        _print_json([entry.as_dict() for entry in listed.entries], out)
    elif not listed.entries:
        _say(out, "no changes logged" + (f" for {args.file}" if args.file else ""))
    else:
        _print_view(change_log_view(listed.entries), out)
    return EXIT_OK


def _run_log_export(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import export_change_log

    exported = export_change_log(_log_path(args), args.output, file=args.file)
    _report_problems(exported.problems, err)
    if exported.problems:
        return EXIT_PROBLEMS
    _say(out, _("exported {entries_text} to {output}",
                 entries_text=_entries_text(len(exported.entries)), output=args.output))
    return EXIT_OK


def _run_log_accept(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import accept_outside_change

    entry, problems = accept_outside_change(args.library or DEFAULT_LIBRARY, args.model,
                                            user=local_user(), reason=args.reason, db=args.db)
    _report_problems(problems, err)
    if entry is None:
        return EXIT_PROBLEMS
    _say(out, _("logged {file} as changed outside abc-costing (entry {seq})", file=entry.file,
                 seq=entry.seq))
    return EXIT_OK


def _run_log_reanchor(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import reanchor_library

    verified = reanchor_library(args.library or DEFAULT_LIBRARY, user=local_user(),
                                reason=args.reason, db=args.db)
    _report_problems(verified.problems, err)
    if not verified.ok:
        return EXIT_PROBLEMS
    _say(out, _("library anchored afresh at entry {entries}", entries=verified.entries))
    return EXIT_OK


def _run_migrate(args: argparse.Namespace, out: Console, err: Console) -> int:
    from abc_costing.workflows import migrate_library

    migrated = migrate_library(args.library, write=args.write, user=local_user())
    _report_problems(migrated.problems, err)
    plan = migrated.plan
    if args.json:
        _print_json({"plan": None if plan is None else plan.as_dict(),
                     "written": list(migrated.written),
                     "catalogue_written": migrated.catalogue_written,
                     "problems": [str(p) for p in migrated.problems]}, out)
    elif plan is not None and plan.nothing_to_move:
        _say(out, _("{library}: nothing to move ({files_read} model files; no file defines a "
                     "pool of its own that {catalogue_file} could hold)", library=args.library,
                     files_read=plan.files_read, catalogue_file=plan.catalogue_file))
    elif plan is not None:
        written = bool(migrated.written or migrated.catalogue_written)
        _print_view(migration_view(plan, written=written), out)
        _print_view(disagreements_view(plan), out)
        if written:
            count = len(migrated.written)
            _say(out, _("Written: {catalogue} and {count} model files (one save, each file "
                        "logged in the change log).", catalogue=plan.catalogue_file, count=count)
                 if migrated.catalogue_written else
                 _("Written: {count} model files (one save, each file logged in the change "
                   "log).", count=count), style="bold")
        elif not args.write:
            _say(out, _("Nothing written: run again with --write to migrate."), style="bold")
        else:
            _say(out, _("See the problems above: they say what was written, if anything."),
                 style="bold")
    return EXIT_PROBLEMS if has_errors(list(migrated.problems)) else EXIT_OK
