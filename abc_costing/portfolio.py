"""Every process variant of a library in one table, with what each could save.

Within a process the ``as_is`` variant is the baseline; every other variant's
saving is measured against it, and the cheapest variant per instance is the
process's best.

Examples
--------
>>> from abc_costing.formats import load_library
>>> models, problems = load_library("process_models")
>>> portfolio = build_portfolio(models)
>>> best = portfolio.best_variant("contract_approval")
>>> best.saving_per_instance_vs_as_is > 0
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from abc_costing.engine import CostResult, cost_model
from abc_costing.i18n import N_
from abc_costing.memory import cyclic_gc_paused
from abc_costing.model import ProcessModel
from abc_costing.problems import ModelError, Problem

__all__ = ["BASELINE_VARIANT", "PortfolioRow", "Portfolio", "build_portfolio"]

#: The variant every other variant of a process is measured against.
BASELINE_VARIANT = "as_is"


@dataclass(frozen=True)
class PortfolioRow:
    """One variant of one process in the portfolio.

    Attributes:
      path: the model file.
      process, variant, title, currency, volume_per_year: from the model.
      cost_per_instance, cost_per_year, labor_minutes_per_instance: from the engine.
      waste_share: share of the cost spent on activities marked ``waste``.
      saving_per_instance_vs_as_is, saving_per_year_vs_as_is: against the
        process's ``as_is`` variant (None without one, or without volumes); the
        saving per year is counted at the as-is volume, so a different planned
        volume is never a saving.
      is_best: the cheapest variant per instance of its process.
    """

    path: str
    process: str
    variant: str
    title: str | None
    currency: str
    volume_per_year: float | None
    cost_per_instance: float
    cost_per_year: float | None
    labor_minutes_per_instance: float
    waste_share: float
    saving_per_instance_vs_as_is: float | None
    saving_per_year_vs_as_is: float | None
    is_best: bool


@dataclass(frozen=True)
class Portfolio:
    """The rows of a portfolio and the costings behind them.

    Attributes:
      rows: one per variant, sorted by process then variant (``as_is`` first).
      results: (process, variant) -> the full costing.
      problems: why a model given could not be costed (each names its file);
        such a model has no row, and every other model still has its own.
    """

    rows: tuple[PortfolioRow, ...]
    results: dict[tuple[str, str], CostResult]
    problems: tuple[Problem, ...] = ()

    def processes(self) -> list[str]:
        """Process slugs in table order."""
        return list(dict.fromkeys(row.process for row in self.rows))

    def variants(self, process: str) -> list[PortfolioRow]:
        """The rows of one process."""
        return [row for row in self.rows if row.process == process]

    def best_variant(self, process: str) -> PortfolioRow:
        """The cheapest variant per instance of ``process``."""
        return next(row for row in self.variants(process) if row.is_best)

    def as_dict(self, problems: Sequence[Problem] | None = None) -> dict:
        """A JSON-ready dict: the ``portfolio --json`` document. ``problems``: the ones to
        list (default: this portfolio's own; a library passes those of every file it read,
        so that a file that could not be read is in the document, not only on stderr)."""
        return {"rows": [asdict(row) for row in self.rows],
                "problems": [{"element": p.element, "file": p.file, "line": p.line,
                              "severity": p.severity, "message": p.message}
                             for p in (self.problems if problems is None else problems)]}


def build_portfolio(models: list[tuple[Path, ProcessModel]]) -> Portfolio:
    """Cost every model and line them up (see the module docstring).

    Two files claiming the same process and variant are both kept, with a
    warning on the later one (a copy or a link would otherwise count a
    process twice unseen); the baseline is the first ``as_is`` in path
    order. A model that cannot be costed (invalid, or figures that overflow)
    gets no row: its reasons are in ``problems``, named by file, and the
    other models are costed as usual.
    """
    costed: list[tuple[Path, ProcessModel, CostResult]] = []
    problems: list[Problem] = []
    with cyclic_gc_paused():
        for path, model in models:
            try:
                costed.append((path, model, cost_model(model)))
            except ModelError as error:
                problems.extend(replace(p, element=p.element or model.process).located(
                    file=str(path)) for p in error.problems)
    costed.sort(key=lambda c: (c[1].process, c[1].variant != BASELINE_VARIANT, c[1].variant,
                               str(c[0])))
    first_file: dict[tuple[str, str], Path] = {}
    for path, model, _ in costed:
        first = first_file.setdefault((model.process, model.variant), path)
        if first != path:
            problems.append(Problem(
                N_("variant {variant!r} of process {process!r} is defined twice, also in "
                   "{first}: both are listed, and the first is the one compared",
                   variant=model.variant, process=model.process, first=str(first)),
                element=model.process, file=str(path), severity="warning"))
    baselines: dict[str, CostResult] = {}
    cheapest: dict[str, float] = {}
    for _, model, result in costed:
        if model.variant == BASELINE_VARIANT:
            baselines.setdefault(model.process, result)
        cheapest[model.process] = min(cheapest.get(model.process, float("inf")),
                                      result.cost_per_instance)
    rows = []
    best_taken: set[str] = set()
    for path, model, result in costed:
        found = baselines.get(model.process)
        base = found if found is not None and found.currency == result.currency else None
        per_year = None
        if base is not None and base.volume_per_year is not None \
                and result.cost_per_year is not None:
            # At the as-is volume: a variant planned for fewer instances saves nothing by it
            # (compare's rule: a volume effect is never a saving).
            per_year = (base.cost_per_instance - result.cost_per_instance) * base.volume_per_year
        is_best = (model.process not in best_taken
                   and result.cost_per_instance == cheapest[model.process])
        if is_best:
            best_taken.add(model.process)
        total = result.cost_per_instance
        rows.append(
            PortfolioRow(
                path=str(path),
                process=model.process,
                variant=model.variant,
                title=model.title,
                currency=model.currency,
                volume_per_year=model.volume_per_year,
                cost_per_instance=total,
                cost_per_year=result.cost_per_year,
                labor_minutes_per_instance=result.labor_minutes_per_instance,
                waste_share=result.by_value["waste"] / total if total > 0 else 0.0,
                saving_per_instance_vs_as_is=(
                    None if base is None else base.cost_per_instance - total
                ),
                saving_per_year_vs_as_is=per_year,
                is_best=is_best,
            )
        )
    results = {(m.process, m.variant): r for _, m, r in reversed(costed)}
    return Portfolio(rows=tuple(rows), results=results, problems=tuple(problems))
