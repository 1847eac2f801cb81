"""Reading and costing: cost a model, compare two, see the portfolio, capacity, sensitivity, spread.

Each function is one thing a user asks for. It checks its own inputs once
(a run count, a relative change, a file), returns a typed result with every
problem found as :class:`~abc_costing.problems.Problem` records, and never
raises for a user's mistake: the CLI prints the problems, the dashboard
shows them.

Examples
--------
>>> outcome = cost_file("process_models/contract_approval/as_is.yaml")
>>> outcome.problems, outcome.result.currency
((), 'RUB')
>>> compare_files("process_models/contract_approval/as_is.yaml",
...               "process_models/zhkh_leads/as_is.yaml").problems[0].message
"cannot compare variants of different processes: baseline is 'contract_approval', \
candidate is 'zhkh_leads'"
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from abc_costing.compare import (
    CompareError,
    Comparison,
    SavingSplit,
    compare_models,
    split_in_library,
)
from abc_costing.engine import (
    CapacityReport,
    CostResult,
    CycleTime,
    RoutingError,
    capacity_report,
    cost_model,
    expected_cycle_time,
)
from abc_costing.engine.capacity import (
    PoolRelease,
    capacity_reports,
    months_short_after_release,
    released_heads,
)
from abc_costing.formats import load_library, read_model
from abc_costing.formats.catalogue import catalogue_path_for
from abc_costing.i18n import N_
from abc_costing.memory import cyclic_gc_paused
from abc_costing.model import LaborResource, ProcessModel
from abc_costing.numbers import Figure
from abc_costing.portfolio import BASELINE_VARIANT
from abc_costing.problems import ModelError, Problem
from abc_costing.reports.views import TableView, format_share, saving_ranking_view
from abc_costing.workflows.library import Library, error_message

if TYPE_CHECKING:  # loaded only when asked for: sensitivity and simulation load SciPy
    from abc_costing.engine import SensitivityItem
    from abc_costing.simulation import SimulationResult
    from abc_costing.simulation.queueing import QueueResult

__all__ = [
    "Compared",
    "Costed",
    "Sensitivity",
    "Simulated",
    "QueueSimulated",
    "calendar_months",
    "capacity_of_library",
    "compare_files",
    "compare_variants",
    "cost_file",
    "library_split",
    "read_model_file",
    "saving_split_of",
    "sensitivity_of",
    "simulate_model",
    "simulate_model_queues",
]

#: The largest Monte Carlo run a user may ask for.
MAX_SIMULATED_RUNS = 10_000_000


def _problems_of(error: Exception, *, file: str | None = None) -> tuple[Problem, ...]:
    if isinstance(error, ModelError):
        return tuple(p.located(file=file) for p in error.problems)
    return (Problem(error_message(error), file=file),)


def read_model_file(path: str | Path) -> tuple[ProcessModel | None, tuple[Problem, ...]]:
    """Read and validate one model file; the model is None when it has errors."""
    model, problems = read_model(path)
    return model, tuple(problems)


@dataclass(frozen=True)
class Costed:
    """The exact costing of one model file.

    Attributes:
      model: the model (None when the file has errors).
      result: its costing (None when it could not be costed).
      problems: errors and warnings found, each naming file, line and element.
      cycle_time: its expected cycle time (None when it could not be costed).
    """

    model: ProcessModel | None
    result: CostResult | None
    problems: tuple[Problem, ...]
    cycle_time: CycleTime | None = None


def cost_file(path: str | Path) -> Costed:
    """Read, check and cost one model file, with its expected cycle time.

    The cyclic garbage collector is paused throughout (:func:`cyclic_gc_paused`): the
    records and graph of a big model are a few hundred thousand objects that stay
    alive, and each full collection walked them all again (1 s of the 5 s a
    10,000-activity model took).
    """
    with cyclic_gc_paused():
        model, problems = read_model_file(path)
        if model is None:
            return Costed(None, None, problems)
        try:
            return Costed(model, cost_model(model), problems, expected_cycle_time(model))
        except (ModelError, RoutingError) as error:
            return Costed(model, None, problems + _problems_of(error, file=str(path)))


@dataclass(frozen=True)
class Compared:
    """Two variants of one process compared.

    Attributes:
      baseline, candidate: the two models (None when a file has errors).
      comparison: the comparison (None when it could not be made).
      problems: what was wrong in either file, or why they cannot be compared.
      split: the saving per year as cash, freed capacity and price effects
        (None without a comparison or a volume).
    """

    baseline: ProcessModel | None
    candidate: ProcessModel | None
    comparison: Comparison | None
    problems: tuple[Problem, ...]
    split: SavingSplit | None = None


def compare_files(baseline_path: str | Path, candidate_path: str | Path, *,
                  library_dir: str | Path | None = None) -> Compared:
    """Read two model files and compare the candidate with the baseline.

    The saving's split into cash and freed capacity counts the load of the
    other processes of ``library_dir`` on the shared pools; by default of the
    library the baseline file belongs to (the folder of the ``resources.yaml``
    catalogue it uses), else of the two files alone.
    """
    baseline, baseline_problems = read_model_file(baseline_path)
    candidate, candidate_problems = read_model_file(candidate_path)
    problems = baseline_problems + candidate_problems
    if baseline is None or candidate is None:
        return Compared(baseline, candidate, None, problems)
    try:
        comparison = compare_models(baseline, candidate)
    except (CompareError, ModelError, RoutingError) as error:
        return Compared(baseline, candidate, None, problems + _problems_of(error))
    split, unread = library_split(comparison, baseline, candidate, baseline_path=baseline_path,
                                  library_dir=library_dir)
    return Compared(baseline, candidate, comparison, problems + comparison.problems + unread,
                    split)


def library_split(comparison: Comparison, baseline: ProcessModel, candidate: ProcessModel, *,
                  baseline_path: str | Path, library_dir: str | Path | None = None
                  ) -> tuple[SavingSplit | None, tuple[Problem, ...]]:
    """The saving per year of ``comparison`` as cash, freed capacity and price effects,
    the pools loaded by every process of ``library_dir`` (by default the library of the
    ``resources.yaml`` the baseline file uses, else the two files alone).

    The one rule of ``compare`` and of the reports (:func:`compare_files`,
    :func:`~abc_costing.workflows.reporting.build_report`); the problems say when
    files of the library were left out of the load, and name the months of the
    production calendar in which the people who stay after a release are short.
    None without a volume.
    """
    if library_dir is None:
        catalogue = catalogue_path_for(baseline_path)
        library_dir = None if catalogue is None else catalogue.parent
    others: list[tuple[Path, ProcessModel]] = []
    unread: tuple[Problem, ...] = ()
    if library_dir is not None:
        models, library_problems = load_library(library_dir)
        others = list(models)
        broken = sum(p.severity == "error" for p in library_problems)
        if broken:
            unread = (Problem(N_("{broken} problem(s) in the library {library_dir} keep some "
                                 "files out: their load on the pools is not counted in the "
                                 "cash and freed capacity", broken=broken,
                                 library_dir=library_dir), element="library", severity="warning"),)
    split = split_in_library(comparison, baseline, candidate, library=others)
    short = (tuple(months_short_after_release(
        split.pools, year=calendar_year_of([baseline, *(m for _, m in others)])))
        if split is not None else ())
    return split, unread + short


def calendar_year_of(models: Sequence[ProcessModel]) -> int:
    """The production calendar's year to check a release against, month by month.

    The year of the pools' payroll (the catalogue's ``year``) when they give one,
    else the latest year whose calendar is not provisional.

    >>> calendar_year_of([])
    2026
    """
    from abc_costing.payroll import latest_settled_year, shipped_years

    years = {r.year for m in models for r in m.resources.values()
             if isinstance(r, LaborResource) and r.year in shipped_years()}
    return max(years) if years else latest_settled_year()


def compare_variants(library: Library, process: str, baseline: str, candidate: str
                     ) -> Comparison:
    """Compare two variants of one process of an opened library (both already checked)."""
    return compare_models(library.model(process, baseline), library.model(process, candidate))


def saving_split_of(library: Library, comparison: Comparison) -> SavingSplit | None:
    """The saving per year of a comparison of two variants of ``library`` as cash,
    freed capacity and price effects, the pools loaded by every process of the
    library (:func:`~abc_costing.compare.split_in_library`); None without a volume."""
    base, cand = comparison.baseline, comparison.candidate
    return split_in_library(comparison, library.model(base.process, base.variant),
                            library.model(cand.process, cand.variant),
                            library=list(library.models))


def saving_ranking(library: Library) -> TableView:
    """Every candidate variant of ``library`` ranked by its saving a year, with the cash
    part of each (:func:`saving_split_of`) and why it saves: the Overview's answer
    (:func:`~abc_costing.reports.views.saving_ranking_view`). Its total row is the best
    variant of each process applied together (:func:`released_by_plan`): cash counted
    per pool over the combined change, not the sum of the rows'.

    >>> from abc_costing.workflows.library import open_library
    >>> ranking = saving_ranking(open_library("process_models"))
    >>> top = ranking.rows[0]
    >>> top.value("mark"), top.value("variant"), top.value("cash_per_year") > 0
    ('Biggest saving', 'edi_automatch', True)
    """
    portfolio = library.portfolio
    comparisons = {(row.process, row.variant): compare_variants(library, row.process,
                                                                BASELINE_VARIANT, row.variant)
                   for row in portfolio.rows
                   if row.variant != BASELINE_VARIANT
                   and row.saving_per_instance_vs_as_is is not None}
    # The total row: the best variants applied together, heads counted per pool over the
    # combined change (a sum of the rows' cash would count each shared pool once per process).
    together, _problems = released_by_plan(library, plan="best") if comparisons else (None, ())
    return saving_ranking_view(
        portfolio, comparisons=comparisons,
        splits={key: saving_split_of(library, c) for key, c in comparisons.items()},
        process_title=library.process_title, together=together)


def capacity_of_library(library: Library, *, variant: str = "as_is",
                        month: str | None = None
                        ) -> tuple[CapacityReport | None, tuple[Problem, ...]]:
    """The load of every labour pool of the library at planned volumes, per month.

    A process without ``variant`` counts its ``as_is`` (``report.as_is_instead``
    and a warning say which). ``month`` (``YYYY-MM``): capacity in that month of
    the production calendar; a month it does not ship, or not written as
    ``YYYY-MM``, is a problem and no report. The problems are the library's
    (files left out) and the report's own (a pool defined differently in two
    files, a process counted at ``as_is``).
    """
    when: tuple[int, int] | None = None
    notes: tuple[Problem, ...] = ()
    if month is not None:
        found = re.fullmatch(r"(\d{4})-(\d{2})", month.strip())
        if found is None:
            return None, (Problem(N_("month {month!r}: write it as YYYY-MM, e.g. 2026-01",
                                     month=month),
                                  element="month"),)
        when = int(found[1]), int(found[2])
        problem = _outside_calendar(*when)
        if problem is not None and problem.severity == "error":
            return None, (problem,)
        notes = (problem,) if problem is not None else ()
    report = capacity_report(list(library.models), variant=variant, month=when)
    return report, library.problems + tuple(report.problems) + notes


def calendar_months() -> tuple[str, ...]:
    """Every month the shipped production calendar holds, ``YYYY-MM``, oldest first:
    what a front end offers for ``capacity_of_library(month=...)``.

    >>> months = calendar_months()
    >>> "2026-01" in months, months == tuple(sorted(months))
    (True, True)
    """
    from abc_costing.payroll import shipped_years

    return tuple(f"{year}-{month:02d}" for year in shipped_years() for month in range(1, 13))


def _outside_calendar(year: int, month: int) -> Problem | None:
    """The problem with a month the production calendar does not ship, if it does not;
    a warning when the year's calendar is provisional (its decree not shipped)."""
    from abc_costing.payroll import CalendarError, month_hours, provisional_note

    try:
        month_hours(year, month)
    except CalendarError as error:
        return Problem(error_message(error), element="month")
    note = provisional_note(year)
    return Problem(note, element="calendar", severity="warning") if note else None


def capacity_by_month(library: Library, *, year: int, variant: str = "as_is"
                      ) -> tuple[tuple[CapacityReport, ...], tuple[Problem, ...]]:
    """The twelve monthly capacity reports of ``year`` (see :func:`capacity_of_library`).

    A year the production calendar does not ship is a problem and no reports.
    """
    problem = _outside_calendar(year, 1)
    if problem is not None and problem.severity == "error":
        return (), (problem,)
    reports = capacity_reports(list(library.models), variant=variant,
                               months=[(year, month) for month in range(1, 13)])
    notes = (problem,) if problem is not None else ()
    return reports, library.problems + tuple(reports[0].problems) + notes


@dataclass(frozen=True)
class PlanRelease:
    """What moving the library to a plan frees, per year (see :func:`released_by_plan`).

    Attributes:
      plan: process -> the variant it moves to.
      pools: each pool's cash (whole people) and freed capacity.
      saving_per_year: the plan's saving per year at the as-is volumes ("on paper").
      non_labour_per_year: the part of it that is not labour and not a price (cash as well).
      currency: of every figure.
      non_labour_price_effect_per_year: what differences of price (a variant's overrides
        of a per-use pool) save outside labour; neither cash nor freed capacity.
    """

    plan: dict[str, str]
    pools: tuple[PoolRelease, ...]
    saving_per_year: float
    non_labour_per_year: float
    currency: str
    non_labour_price_effect_per_year: float = 0.0

    @property
    def cash_per_year(self) -> float:
        """Whole people released plus the saving that is not labour."""
        return sum(p.cash_per_year for p in self.pools) + self.non_labour_per_year

    @property
    def freed_capacity_per_year(self) -> float:
        """The labour saving that stays paid: hours freed, not people released."""
        return math.fsum(p.freed_capacity_per_year for p in self.pools)

    @property
    def price_effect_per_year(self) -> float:
        """What differences of price save (labour and not): neither cash nor capacity.

        ``cash_per_year + freed_capacity_per_year + price_effect_per_year`` is
        ``saving_per_year``.
        """
        return (math.fsum(p.price_effect_per_year for p in self.pools)
                + self.non_labour_price_effect_per_year)


def released_by_plan(library: Library, *, plan: str = "best"
                     ) -> tuple[PlanRelease | None, tuple[Problem, ...]]:
    """Cash and freed capacity of moving every process from ``as_is`` to ``plan``.

    ``plan`` is ``best`` (each process's cheapest variant per instance) or a
    variant name (processes without it stay as they are).
    """
    portfolio = library.portfolio
    rows = {(r.process, r.variant): r for r in portfolio.rows}
    notes: tuple[Problem, ...] = ()
    if plan != "best":
        having = [p for p in portfolio.processes() if (p, plan) in rows]
        if not having:
            variants = sorted({r.variant for r in portfolio.rows} - {"as_is"})
            return None, library.problems + (Problem(
                N_("no process has a variant {plan!r}: give best or one of {variants}",
                   plan=plan, variants=", ".join(variants))
                if variants else N_("no process has a variant {plan!r}: give best", plan=plan),
                element="plan"),)
        staying = [p for p in portfolio.processes() if p not in having]
        if staying:
            notes = (Problem(N_("{process} has no variant {plan!r} and stays as_is",
                                process=staying[0], plan=plan) if len(staying) == 1 else
                             N_("{processes} have no variant {plan!r} and stay as_is",
                                processes=", ".join(staying), plan=plan),
                             element="plan", severity="warning"),)
    # A process without an as_is has nothing to save against (its rows save None): it stays
    # out of both loads, as it is out of the saving; counted in the load after the plan
    # alone, its whole work read as a labour loss and its cost turned up as "cash".
    chosen = {p: (portfolio.best_variant(p).variant if plan == "best"
                  else plan if (p, plan) in rows else "as_is")
              for p in portfolio.processes() if (p, "as_is") in rows}
    currencies = {r.currency for r in portfolio.rows}
    if len(currencies) > 1:
        return None, (Problem(N_("the library mixes currencies ({currencies}): its savings "
                                 "cannot be added up", currencies=", ".join(sorted(currencies))),
                              element="plan"),)
    before = capacity_report(list(library.models))
    after = capacity_report(_at_as_is_volume(library, chosen), variant=chosen)
    labour_prices, other_price = _plan_price_effects(library, chosen)
    pools = released_heads(before, after, price_effect_per_year=labour_prices)
    saving = sum(rows[(p, v)].saving_per_year_vs_as_is or 0.0 for p, v in chosen.items()
                 if (p, v) in rows)
    labour = sum(p.labour_saving_per_year for p in pools)
    short = tuple(months_short_after_release(
        pools, year=calendar_year_of([m for _, m in library.models])))
    return PlanRelease(chosen, pools, saving, saving - labour - other_price,
                       currencies.pop() if currencies else "RUB",
                       non_labour_price_effect_per_year=other_price), (
        library.problems + notes + short)


def _at_as_is_volume(library: Library, chosen: dict[str, str]
                     ) -> list[tuple[Path, ProcessModel]]:
    """The library's models with each chosen variant at its as_is volume: the saving is
    counted at the as_is volume (a volume change is never a saving), so is the load.

    The volume is the as_is model's, already checked, so the unvalidated copy is sound.
    """
    volumes = {m.process: m.volume_per_year for _, m in library.models if m.variant == "as_is"}
    return [(path, model.model_copy(update={"volume_per_year": volumes[model.process]})
             if chosen.get(model.process) == model.variant != "as_is"
             and volumes.get(model.process) is not None else model)
            for path, model in library.models]


def _plan_price_effects(library: Library, chosen: dict[str, str]
                        ) -> tuple[dict[str, float], float]:
    """Per labour pool, and outside labour, what the plan's differences of price save a year.

    The same rule as one comparison's split (:func:`abc_costing.compare.saving_split`):
    a variant that overrides a pool's price saves money without saving work.
    """
    labour: dict[str, float] = {}
    other = 0.0
    for process, variant in chosen.items():
        if variant == "as_is" or library.find(process, "as_is") is None:
            continue
        comparison = compare_models(library.model(process, "as_is"),
                                    library.model(process, variant))
        volume = comparison.baseline.volume_per_year
        if volume is None:
            continue
        kinds = {r.id: r.kind for result in (comparison.baseline, comparison.candidate)
                 for r in result.resources}
        for effect in comparison.price_effects:
            saved = 0.0 - (effect.rate_per_instance + effect.capacity_per_instance) * volume
            if kinds.get(effect.id) == "labor":
                labour[effect.id] = labour.get(effect.id, 0.0) + saved
            else:
                other += saved
    return labour, other


@dataclass(frozen=True)
class Sensitivity:
    """Which inputs move the cost per instance most.

    Attributes:
      items: inputs ranked by impact, largest first (only the ``top`` asked for).
      cost_per_instance: the cost as the model stands.
      relative_change: how far each input was moved (0.1: ±10 %).
      problems: why it could not be computed, when it could not.
    """

    items: tuple[SensitivityItem, ...]
    cost_per_instance: float | None
    relative_change: float
    problems: tuple[Problem, ...]


def sensitivity_of(model: ProcessModel, *, relative_change: float = 0.1,
                   top: int | None = None) -> Sensitivity:
    """Move each input of ``model`` by ±``relative_change`` and rank the cost's response.

    ``relative_change`` must be between 0 and 1 and ``top`` at least 1 (None: all).
    """
    problems = []
    if isinstance(relative_change, bool) or not 0 < relative_change < 1:
        problems.append(Problem(N_("the change must be between 0 and 1 (0.1 for ±10%), got "
                                   "{relative_change}",
                                   relative_change=Figure.as_written(relative_change)),
                                element="change"))
    if top is not None and top < 1:
        problems.append(Problem(N_("top must be at least 1, got {top}", top=top), element="top"))
    if problems:
        return Sensitivity((), None, relative_change, tuple(problems))
    from abc_costing.engine.sensitivities import sensitivity

    try:
        items = sensitivity(model, relative_change=relative_change)
        base = cost_model(model).cost_per_instance
    except (ModelError, RoutingError) as error:
        return Sensitivity((), None, relative_change, _problems_of(error))
    return Sensitivity(tuple(items[:top]), base, relative_change, ())


@dataclass(frozen=True)
class Simulated:
    """A Monte Carlo run of one model.

    Attributes:
      result: the simulated statistics (None when the run could not be made).
      exact_cost_per_instance: the exact engine's figure the mean converges to.
      problems: why the run could not be made, when it could not; a warning
        when instances were cut off in a loop almost never left (the figures
        are then lower bounds).
    """

    result: SimulationResult | None
    exact_cost_per_instance: float | None
    problems: tuple[Problem, ...]


def simulate_model(model: ProcessModel, *, runs: int, seed: int | None) -> Simulated:
    """Simulate ``runs`` instances of ``model`` (seed None: fresh entropy, recorded as none)."""
    import numpy as np

    from abc_costing.simulation import SimulationError, simulate

    if isinstance(runs, bool) or not 1 <= runs <= MAX_SIMULATED_RUNS:
        return Simulated(None, None, (Problem(
            N_("the number of runs must be from 1 to {max_runs:,}, got {runs:,}",
               max_runs=MAX_SIMULATED_RUNS, runs=runs),
            element="runs"),))
    try:
        result = simulate(model, runs=runs,
                          rng=np.random.default_rng() if seed is None else seed)
        exact = cost_model(model).cost_per_instance
    except (SimulationError, ModelError, RoutingError) as error:
        return Simulated(None, None, _problems_of(error))
    note = result.truncation_note
    if note is not None:  # a loop almost never left: the figures stand, as lower bounds
        element = next(iter(result.truncated_loops)).split(", ")[0]
        return Simulated(result, exact, (Problem(note, element=element, severity="warning"),))
    return Simulated(result, exact, ())


@dataclass(frozen=True)
class QueueSimulated:
    """A queueing simulation of one model.

    Attributes:
      result: what the queues did (None when the run could not be made).
      seed: the seed used (None: fresh entropy).
      problems: why the run could not be made, when it could not.
    """

    result: QueueResult | None
    seed: int | None
    problems: tuple[Problem, ...]


def simulate_model_queues(model: ProcessModel, *, days: float, seed: int | None,
                          warmup_days: float | None = None, replications: int | None = None
                          ) -> QueueSimulated:
    """Simulate ``days`` measured working days of ``model`` with a queue for each staffed pool.

    ``warmup_days`` None: the rule derived from the model
    (:func:`abc_costing.simulation.queueing.default_warmup_days`); ``replications``
    None: :data:`~abc_costing.simulation.queueing.DEFAULT_REPLICATIONS`.
    """
    import numpy as np

    from abc_costing.simulation.queueing import DEFAULT_REPLICATIONS, simulate_queues

    try:
        result = simulate_queues(
            model, days=days, rng=np.random.default_rng(seed), warmup_days=warmup_days,
            replications=DEFAULT_REPLICATIONS if replications is None else replications)
    except (ValueError, ModelError) as error:
        return QueueSimulated(None, seed, _problems_of(error))
    return QueueSimulated(result, seed, _queue_notes(model, result))


#: Points by which a simulated share of alternatives may differ from the stated one unremarked.
_SHARE_TOLERANCE = 0.02


def _queue_notes(model: ProcessModel, result: QueueResult) -> tuple[Problem, ...]:
    """What a reader must know to set the queue figures beside the exact ones."""
    notes = []
    for activity_id, simulated in result.one_of_simulated.items():
        stated = model.activities[activity_id].one_of
        if all(abs(simulated[r] - stated[r]) <= _SHARE_TOLERANCE for r in stated):
            continue
        notes.append(Problem(
            N_("the simulation gave each execution to whichever alternative was free: {shares} "
               "(one_of states {shares_2}); so its cost per instance and the pools' "
               "utilisation differ from the exact cost and the offered load, which take the "
               "stated shares. Set one_of to the simulated shares to cost that allocation",
               shares=_shares(simulated), shares_2=_shares(stated)),
            element=activity_id, severity="warning"))
    return tuple(notes)


def _shares(values: dict[str, float]) -> str:
    """``anna 74%, boris 26%``."""
    return ", ".join(f"{r} {format_share(v, 0)}" for r, v in values.items())
