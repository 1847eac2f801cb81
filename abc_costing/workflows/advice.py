"""Ask the advisor what to change in one process: one function per user action.

Examples
--------
>>> advised = advise_file("process_models/contract_approval/as_is.yaml", top=3)
>>> advised.advice is not None and len(advised.advice.ranked) > 0
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from abc_costing.advisor import Advice, AdviceSettings, advise, settings_from_advice
from abc_costing.formats import load_library
from abc_costing.formats.advice_file import advice_path_for, read_advice
from abc_costing.formats.catalogue import catalogue_beside, catalogue_path_for
from abc_costing.i18n import N_
from abc_costing.model import ProcessModel
from abc_costing.problems import ModelError, Problem, has_errors
from abc_costing.workflows.costing import _problems_of, read_model_file

__all__ = ["Advised", "advise_file"]


@dataclass(frozen=True)
class Advised:
    """The advisor's answer for one model file.

    Attributes:
      model: the model (None when the file has errors).
      advice: the ranked moves, those refused and the combined ones (None when the
        model could not be advised).
      problems: what was wrong with the file or its library.
    """

    model: ProcessModel | None
    advice: Advice | None
    problems: tuple[Problem, ...]


def advise_file(path: str | Path, *, top: int | None = 10,
                can_do: Mapping[str, Sequence[str]] | None = None,
                settings: AdviceSettings | None = None,
                library_dir: str | Path | None = None,
                advice: str | Path | None = None, use_advice: bool = True) -> Advised:
    """Read one model file and rank every move the advisor can make on it.

    What the analyst knows (automation offers, who may do what, risks, new branch
    probabilities, shorter ways) comes from the advice file beside the model
    (``advice.yaml``, :mod:`abc_costing.formats.advice_file`), or from ``advice``
    when given; ``use_advice=False`` ignores it (``settings`` is used as given).
    Its problems are the file's: with an error, nothing is advised.

    ``can_do`` (labour pool -> the pools that may take over its tasks) adds the
    moves of a task to a cheaper pool to ``settings`` (by default none: see
    :class:`~abc_costing.advisor.AdviceSettings`). A pool it names that the model
    does not have is a warning.

    The other processes of ``library_dir`` (by default the library of the
    ``resources.yaml`` the file uses, else none) load the shared pools in the
    capacity guard and in the cash saving. ``top``: how many moves get their
    cash saving worked out.
    """
    model, problems = read_model_file(path)
    if model is None:
        return Advised(None, None, problems)
    settings = settings or AdviceSettings()
    advice_path = (Path(advice) if advice is not None else advice_path_for(path)) \
        if use_advice else None
    if advice_path is not None:
        loaded, _ = catalogue_beside(path)
        resources = {} if loaded is None else dict(loaded.catalogue.pools)
        known, found = read_advice(advice_path, model=model, library_resources=resources)
        problems += tuple(found)
        if known is None or has_errors(found):
            return Advised(model, None, problems)
        settings = replace(settings_from_advice(known, resources=resources),
                           max_steps=settings.max_steps)
    if can_do:
        unknown = sorted({p for pool, others in can_do.items() for p in (pool, *others)}
                         - set(model.resources))
        if unknown:
            problems += (Problem(N_("--can-do names pools {pools} that {process} does not use",
                                    pools=", ".join(unknown), process=model.process),
                                 element="can_do", severity="warning"),)
        settings = replace(settings, can_do={**settings.can_do, **can_do})
    if library_dir is None:
        catalogue = catalogue_path_for(path)
        library_dir = None if catalogue is None else catalogue.parent
    library: list[tuple[Path, ProcessModel]] = []
    if library_dir is not None:
        models, _ = load_library(library_dir)
        library = list(models)
    try:
        ranked = advise(model, settings=settings, library=library, top=top)
    except ModelError as error:
        return Advised(model, None, problems + _problems_of(error, file=str(path)))
    return Advised(model, ranked, problems)
