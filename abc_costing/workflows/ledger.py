"""The books of a period allocated to activities and cost objects: stage balance, trace, margins.

:func:`balance_period` reads a period's files (the library's
``ledger/allocation.yaml`` and the ledger, driver, volume and revenue files it
names, or others given), checks them against each other and against the
library, and allocates the period (:func:`~abc_costing.engine.allocation.allocate`).
:func:`trace_ledger` follows a ledger line group forwards, :func:`trace_object`
a cost object's cost backwards; :func:`ledger_periods` lists the periods and
scenarios a ledger holds. Every problem of every file comes back at once, with
the file and row; a period with an error has no figures (nothing half-allocated).

Examples
--------
>>> from abc_costing.workflows.library import open_library
>>> library = open_library("process_models")
>>> balance = balance_period(library, period="2026-01")
>>> balance.ok, round(balance.result.ledger_total, 2) == round(sum(
...     line.amount for line in balance.inputs.lines), 2)
(True, True)
>>> all(abs(b.difference) < 0.005 for b in balance.result.balances)
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from abc_costing.engine.allocation import (
    NO_RULE,
    AllocationResult,
    Node,
    PeriodInputs,
    Trace,
    allocate_period,
    period_capacities,
    trace,
)
from abc_costing.formats.allocation_file import (
    ALLOCATION_NAME,
    account_within,
    allocation_lines,
    ledger_code_problems,
    library_allocation,
    read_allocation,
)
from abc_costing.formats.catalogue import CATALOGUE_NAME
from abc_costing.formats.ledger_file import (
    period_months,
    read_drivers,
    read_ledger,
    read_revenue,
    read_volumes,
)
from abc_costing.i18n import N_, Language, joined
from abc_costing.model import ProcessModel
from abc_costing.model.ledger import AllocationSetup, Scenario, for_period
from abc_costing.numbers import Figure
from abc_costing.problems import Problem, has_errors
from abc_costing.workflows.library import Library, error_message

__all__ = ["LEDGER_REPORT_FORMATS", "FileRole", "PeriodBalance", "PeriodFiles", "balance_period",
           "ledger_periods", "period_report", "trace_ledger", "trace_object"]

#: The formats of a period's report: the stage balance as live formulas, or a PDF summary.
LEDGER_REPORT_FORMATS = ("xlsx", "pdf")

FileRole = Literal["allocation", "ledger", "drivers", "volumes", "revenue"]


@dataclass(frozen=True)
class PeriodFiles:
    """The files of a period: each given one replaces the one the allocation file names.

    Attributes:
      allocation, ledger, drivers, volumes, revenue: paths (None: the library's).
      names: role -> the name problems and reports show (an upload's name rather
        than its temporary file).
    """

    allocation: Path | None = None
    ledger: Path | None = None
    drivers: Path | None = None
    volumes: Path | None = None
    revenue: Path | None = None
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PeriodBalance:
    """One period allocated, or why not.

    Attributes:
      period, scenario: what was asked.
      inputs: everything read (None when the files could not be read).
      result: the allocation (None with an error among ``problems``).
      problems: every problem of every file, and the allocation's.
    """

    period: str
    scenario: str
    inputs: PeriodInputs | None
    result: AllocationResult | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """Whether the period was allocated (warnings allowed)."""
        return self.result is not None and not has_errors(list(self.problems))

    @property
    def names(self) -> dict[str, str]:
        """Display names of the nodes: pools, support centres, activities
        (``process/variant/activity``) and process variants (``process/variant``)."""
        if self.inputs is None:
            return {}
        names: dict[str, str] = {**self.inputs.pools, **self.inputs.support_centres,
                                 NO_RULE: N_("(no rule)")}
        for model in self.inputs.models:
            names[f"{model.process}/{model.variant}"] = model.title or model.process
            for activity_id, activity in model.activities.items():
                names[f"{model.process}/{model.variant}/{activity_id}"] = \
                    activity.name or activity_id
        return names


def _name(files: PeriodFiles, role: FileRole, path: Path, library: Library) -> str:
    if role in files.names:
        return files.names[role]
    return library.label(path)


def _setup_files(library: Library, files: PeriodFiles
                 ) -> tuple[AllocationSetup | None, dict[FileRole, Path], list[Problem]]:
    """The allocation file's setup and the path of each period file, or problems."""
    allocation = files.allocation or library_allocation(library.directory)
    if allocation is None:
        return None, {}, [Problem(
            N_("no allocation file: {path} does not exist (it holds the rules, the support "
               "centres and the period's files); name the library folder, or give the file "
               "with --allocation", 
               path=library.directory / "ledger" / ALLOCATION_NAME), file=str(library.directory))]
    name = _name(files, "allocation", allocation, library)
    setup, problems = read_allocation(allocation, name=name)
    if setup is None:
        return None, {}, problems
    paths: dict[FileRole, Path] = {"allocation": allocation}
    for role in ("ledger", "drivers", "volumes", "revenue"):
        given = getattr(files, role)
        named = getattr(setup, role)
        if given is not None:
            paths[role] = Path(given)
        elif named is not None:
            paths[role] = allocation.parent / named
    if "ledger" not in paths:
        problems.append(Problem(N_("no ledger: the allocation file names none; give one with "
                                   "--ledger"), file=name))
    return setup, paths, problems


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def ledger_periods(library: Library, files: PeriodFiles = PeriodFiles()
                   ) -> tuple[list[tuple[str, Scenario]], list[Problem]]:
    """The (period, scenario) pairs the period's ledger holds, newest first.

    >>> from abc_costing.workflows.library import open_library
    >>> ledger_periods(open_library("process_models"))[0][:2]
    [('2026-01', 'actual'), ('2026-01', 'plan')]
    """
    setup, paths, problems = _setup_files(library, files)
    if setup is None or "ledger" not in paths:
        return [], problems
    lines, found = read_ledger(paths["ledger"],
                               source_name=_name(files, "ledger", paths["ledger"], library))
    pairs = sorted({(line.period, line.scenario) for line in lines},
                   key=lambda pair: (pair[0], pair[1] != "actual", pair[1]))
    pairs.sort(key=lambda pair: pair[0], reverse=True)  # stable: actual first in a month
    return pairs, problems + found


def balance_period(library: Library, *, period: str, scenario: str = "actual",
                   files: PeriodFiles = PeriodFiles()) -> PeriodBalance:
    """Read one period's files and allocate it (module docstring).

    ``period`` is a month (``2026-01``, ``январь 2026``) or a quarter (``2026-Q1``,
    ``1 квартал 2026``): see :func:`~abc_costing.formats.ledger_file.period_months`.
    A quarter takes the lines of its three months; the driver, volume and revenue
    rows that apply to each month are added up (a row without a period counts once
    a month) and the pools' capacity is the sum of the months'. ``scenario`` is
    ``actual``, ``plan`` or ``forecast`` (or факт/план/прогноз).
    """
    from abc_costing.formats.ledger_file import SCENARIO_WORDS

    try:
        month, months = period_months(period)
    except ValueError as error:
        return PeriodBalance(period, scenario, None, None, (Problem(error_message(error),
                                                                     element="period"),))
    word = SCENARIO_WORDS.get(scenario.strip().lower())
    if word is None:
        return PeriodBalance(month, scenario, None, None, (Problem(
            N_("the scenario {scenario!r} is not one of actual/plan/forecast "
               "(факт/план/прогноз)", scenario=scenario), element="scenario"),))
    wanted = cast(Scenario, word)
    setup, paths, problems = _setup_files(library, files)
    if setup is None or "ledger" not in paths:
        return PeriodBalance(month, wanted, None, None, tuple(problems))

    def name(role: FileRole) -> str:
        return _name(files, role, paths[role], library)

    all_lines, found = read_ledger(paths["ledger"], source_name=name("ledger"))
    problems += found
    lines = tuple(line for line in all_lines
                  if line.period in months and line.scenario == wanted)
    held = sorted({f"{line.period} {line.scenario}" for line in all_lines})
    if all_lines and not lines:
        problems.append(Problem(N_("the ledger has no lines of {month} {wanted}; it holds "
                                   "{held}", month=month, wanted=wanted,
                                   held=', '.join(held[:12])), file=name("ledger")))
    elif lines and len(months) > 1:
        missing = [each for each in months if f"{each} {wanted}" not in held]
        if missing:
            problems.append(Problem(
                N_("the ledger has no lines of {missing} {wanted}: a quarter needs its three "
                   "months (the money of the others would meet three months' capacity and "
                   "volumes); allocate the months one by one", missing=', '.join(missing),
                   wanted=wanted), file=name("ledger")))
    problems += ledger_code_problems(lines, setup, file=name("ledger"))

    def read(role: FileRole, reader: Callable[..., tuple[tuple[Any, ...], list[Problem]]]
             ) -> tuple[Any, ...]:
        if role not in paths:
            return ()
        rows, found = reader(paths[role], source_name=name(role))
        problems.extend(found)
        return rows

    def in_period(rows: tuple[Any, ...], key: Callable[[Any], object]) -> tuple[Any, ...]:
        return tuple(row for each in months
                     for row in for_period(rows, period=each, scenario=wanted, key=key))

    drivers = in_period(read("drivers", read_drivers), lambda q: (q.driver, q.receiver))
    instances = in_period(read("volumes", read_volumes),
                          lambda i: (i.cost_object, i.process, i.variant))
    revenue = in_period(read("revenue", read_revenue), lambda r: r.cost_object)

    if not library.models:
        problems.append(Problem(N_("the library holds no readable process model (is it the "
                                   "right folder?)"), file=str(library.directory)))
    models: list[ProcessModel] = []
    for process, variant in sorted({(i.process, i.variant) for i in instances}):
        found_model = library.find(process, variant)
        if found_model is not None:
            models.append(found_model[1])
            continue
        # The volumes would send the cost objects' instances nowhere: their cost would
        # silently fall, so a name the library does not know is an error at its row.
        first = next(i for i in instances if (i.process, i.variant) == (process, variant))
        unreadable = any(p.file and p.file.startswith(f"{process}/") for p in library.problems)
        known = sorted({f"{m.process}/{m.variant}" for _, m in library.models})
        problems.append(Problem(
            f"{process}/{variant}: its model file cannot be read (see `abc-costing validate`)"
            if unreadable else f"no process variant {process}/{variant} in the library; it "
            f"has {', '.join(known[:20])}", element=f"{process}/{variant}",
            file=name("volumes"), line=first.row))
    with_instances = sorted({i.cost_object for i in instances if i.instances > 0})
    problems += [_revenue_without_instances(r, with_instances, file=name("revenue"))
                 for r in revenue if r.cost_object not in with_instances]
    problems += _other_cost_notes(models, instances, setup.currency)
    pools = _pool_names(library, setup.pools)
    capacities: dict[str, float] = {}
    rules_said = []
    for each in months:
        of_month, rule, notes = period_capacities(models, each)
        problems += notes
        rules_said.append(rule if len(months) == 1 else N_("{month}: {rule}", month=each,
                                                             rule=rule))
        for pool, minutes in of_month.items():
            capacities[pool] = capacities.get(pool, 0.0) + minutes
    capacity_rule = joined(rules_said)  # a message: each reader gets it in their language
    catalogue = library.directory / CATALOGUE_NAME
    recorded: dict[str, tuple[str, str]] = {role: (name(role), _sha256(path))
                                            for role, path in paths.items()}
    if catalogue.is_file():
        recorded["catalogue"] = (CATALOGUE_NAME, _sha256(catalogue))
    inputs = PeriodInputs(
        period=month, scenario=wanted, currency=setup.currency, lines=lines,
        rules=setup.rules, drivers=drivers, support_centres=dict(setup.support_centres),
        pools=pools, models=tuple(models), instances=instances, revenue=revenue,
        capacities=capacities, capacity_rule=capacity_rule, files=recorded)
    if has_errors(problems):
        return PeriodBalance(month, wanted, inputs, None, tuple(problems))
    result = allocate_period(inputs)
    lines_of = allocation_lines(paths["allocation"])
    problems += [p.located(file=name("allocation"), line=lines_of.get(p.element))
                 if p.file is None and p.element in lines_of else p for p in result.problems]
    return PeriodBalance(month, wanted, inputs, None if has_errors(problems) else result,
                         tuple(problems))


def _revenue_without_instances(revenue: Any, objects: list[str], *, file: str) -> Problem:
    """A warning for revenue of a cost object no volume names, with the likely object."""
    import difflib

    def plain(text: str) -> str:
        return " ".join(text.split()).casefold()

    same = [o for o in objects if plain(o) == plain(revenue.cost_object)]
    near = same or difflib.get_close_matches(revenue.cost_object, objects, n=1, cutoff=0.75)
    message = N_("revenue of {cost_object!r}, which has no instances of any process in the "
                 "volumes: its cost to serve is 0 and its margin all of its revenue",
                 cost_object=revenue.cost_object)
    if near:
        message = N_("revenue of {cost_object!r}, which has no instances of any process in the "
                     "volumes: its cost to serve is 0 and its margin all of its revenue; did "
                     "you mean {near!r}?", cost_object=revenue.cost_object, near=near[0])
    return Problem(message, element=revenue.cost_object, file=file, line=revenue.row,
                   severity="warning")


def _other_cost_notes(models: list[ProcessModel], instances: tuple[Any, ...],
                      currency: str) -> list[Problem]:
    """A warning per process variant whose activities have other costs (money per
    execution tied to no pool): the allocation spends only the ledger's money, so
    these stay out of the period's cost unless the ledger books them to a pool."""
    from abc_costing.engine import RoutingError, cost_model
    from abc_costing.problems import ModelError

    notes = []
    for model in models:
        count = sum(i.instances for i in instances
                    if (i.process, i.variant) == (model.process, model.variant))
        try:
            per_instance = cost_model(model).other_cost_per_instance
        except (ModelError, RoutingError):
            continue  # the allocation reports why the variant cannot be costed
        if per_instance > 0 and count > 0:
            notes.append(Problem(
                N_("other costs tied to no pool, {each} per instance ({total} for "
                   "{count} instances), are not in the period's cost: book them in the "
                   "ledger to a pool to count them", each=Figure.money(per_instance, currency),
                   total=Figure.money(per_instance * count, currency),
                   count=Figure.as_written(count)),
                element=f"{model.process}/{model.variant}", severity="warning"))
    return notes


def _pool_names(library: Library, extra: dict[str, str]) -> dict[str, str]:
    """Every pool the rules may name: the library's resources and the extra pools."""
    names: dict[str, str] = {}
    for _, model in library.models:
        for pool, resource in model.resources.items():
            names.setdefault(pool, resource.name or pool)
    from abc_costing.formats.catalogue import read_catalogue

    catalogue = library.directory / CATALOGUE_NAME
    if catalogue.is_file():
        loaded, _ = read_catalogue(catalogue, name=CATALOGUE_NAME)
        if loaded is not None:
            for pool, resource in loaded.catalogue.pools.items():
                names.setdefault(pool, resource.name or pool)
    for pool, title in extra.items():
        names.setdefault(pool, title or pool)
    return names


def trace_ledger(balance: PeriodBalance, *, account: str | None = None,
                 cost_centre: str | None = None, cost_item: str | None = None) -> Trace:
    """Where the money of the ledger lines matching the given codes goes (any when None).

    Raises KeyError naming the codes when no line of the period matches them.

    >>> import math
    >>> from abc_costing.workflows.library import open_library
    >>> balance = balance_period(open_library("process_models"), period="2026-01")
    >>> rent = trace_ledger(balance, account="26", cost_item="Аренда офиса")
    >>> math.isclose(sum(m for n, m in rent.amounts.items() if n.kind in
    ...              ("object", "idle", "unassigned", "over_driven")), rent.total)
    True
    """
    result = _allocated(balance)
    wanted = (account, cost_centre, cost_item)
    # An account takes its sub-accounts, as in the rules: 44 takes 44.01.
    start = [Node("ledger", name) for name, key in result.ledger_groups.items()
             if (account is None or account_within(key[0], [account]))
             and all(w is None or w == value for w, value in zip(wanted[1:], key[1:],
                                                                 strict=True))]
    if not start:
        said = " / ".join(w or "*" for w in wanted)
        raise KeyError(f"no ledger line of {balance.period} {balance.scenario} is {said}")
    return trace(result, start)


def trace_object(balance: PeriodBalance, cost_object: str) -> Trace:
    """Where the cost of ``cost_object`` comes from, back to the ledger lines.

    >>> import math
    >>> from abc_costing.workflows.library import open_library
    >>> balance = balance_period(open_library("process_models"), period="2026-01")
    >>> first = balance.result.objects[0]
    >>> back = trace_object(balance, first.cost_object)
    >>> math.isclose(sum(m for _, m in back.of_kind("ledger")), first.cost)
    True
    """
    result = _allocated(balance)
    if not any(o.cost_object == cost_object for o in result.objects):
        known = ", ".join(o.cost_object for o in result.objects)
        raise KeyError(f"no cost object {cost_object!r} in {balance.period}; known: {known}")
    return trace(result, [Node("object", cost_object)], direction="backward")


def _allocated(balance: PeriodBalance) -> AllocationResult:
    if balance.result is None:
        raise ValueError("the period was not allocated: see its problems")
    return balance.result



def period_report(balance: PeriodBalance, file_format: str, *,
                  language: Language = "en") -> bytes:
    """The period's report: ``xlsx`` (every stage as live formulas over the ledger and
    driver cells, so an auditor can change an amount and watch the stages rebalance)
    or ``pdf`` (a summary). Raises ValueError for a period that was not allocated or
    another format. Both are in ``language``.

    >>> from abc_costing.workflows.library import open_library
    >>> balance = balance_period(open_library("process_models"), period="2026-01")
    >>> period_report(balance, "pdf")[:5]
    b'%PDF-'
    """
    result = _allocated(balance)
    assert balance.inputs is not None  # an allocated period has its inputs
    if file_format == "xlsx":
        from abc_costing.reports.ledger_workbook import ledger_workbook

        return ledger_workbook(balance.inputs, result, language=language)
    if file_format == "pdf":
        from abc_costing.reports.ledger_pdf import ledger_pdf

        return ledger_pdf(balance.inputs, result, language=language)
    raise ValueError(f"a period's report is {' or '.join(LEDGER_REPORT_FORMATS)}, "
                     f"not {file_format!r}")
