"""Ask the advisor what to change in one process: one function per user action.

Examples
--------
>>> advised = advise_file("process_models/contract_approval/as_is.yaml", top=3)
>>> advised.advice is not None and len(advised.advice.ranked) > 0
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from abc_costing.advisor import Advice, AdviceSettings, advise
from abc_costing.formats import load_library
from abc_costing.formats.catalogue import catalogue_path_for
from abc_costing.model import ProcessModel
from abc_costing.problems import ModelError, Problem
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
                settings: AdviceSettings = AdviceSettings(),
                library_dir: str | Path | None = None) -> Advised:
    """Read one model file and rank every move the advisor can make on it.

    The other processes of ``library_dir`` (by default the library of the
    ``resources.yaml`` the file uses, else none) load the shared pools in the
    capacity guard and in the cash saving. ``top``: how many moves get their
    cash saving worked out.
    """
    model, problems = read_model_file(path)
    if model is None:
        return Advised(None, None, problems)
    if library_dir is None:
        catalogue = catalogue_path_for(path)
        library_dir = None if catalogue is None else catalogue.parent
    library: list[tuple[Path, ProcessModel]] = []
    if library_dir is not None:
        models, _ = load_library(library_dir)
        library = list(models)
    try:
        advice = advise(model, settings=settings, library=library, top=top)
    except ModelError as error:
        return Advised(model, None, problems + _problems_of(error, file=str(path)))
    return Advised(model, advice, problems)
