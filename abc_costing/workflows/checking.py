"""Check one file of the library by its own rules: a process model or the resource catalogue.

``abc-costing validate`` reads a file and says what is wrong in it; nothing
is costed or saved, so this module imports only the readers (not the
engine, the store or pandas, which the catalogue's editing in
:mod:`abc_costing.workflows.resources` needs).

Examples
--------
>>> check_file("process_models/contract_approval/as_is.yaml")
CheckedFile(kind='model', valid=True, problems=(), pools=0)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from abc_costing.formats import parse_yaml_data, read_model
from abc_costing.formats.catalogue import read_catalogue
from abc_costing.formats.yaml_model import read_text_file
from abc_costing.model import CATALOGUE_FORMAT
from abc_costing.problems import Problem, has_errors

__all__ = ["CheckedFile", "check_file"]


@dataclass(frozen=True)
class CheckedFile:
    """A file of the library checked by its own rules: a process model or the catalogue.

    Attributes:
      kind: ``model`` or ``catalogue`` (by the file's ``format:``).
      valid: it reads with no errors (warnings may remain).
      problems: every problem found, each with its file, line and element.
      pools: the pools a valid catalogue defines (0 for a model).
    """

    kind: Literal["model", "catalogue"]
    valid: bool
    problems: tuple[Problem, ...]
    pools: int = 0


def _declares_catalogue(path: Path) -> bool:
    """The file says ``format: abc-costing-resources/1`` (what it is, whatever its name)."""
    text, _, problems = read_text_file(path, source=str(path), what="files")
    if text is None:
        return False  # the model reader reports why it cannot be read
    data, _ = parse_yaml_data(text)
    return isinstance(data, dict) and data.get("format") == CATALOGUE_FORMAT


def check_file(path: str | Path) -> CheckedFile:
    """Read and check a model file or a resource catalogue, whichever the file is.

    >>> checked = check_file("process_models/resources.yaml")
    >>> checked.kind, checked.valid, checked.pools, checked.problems
    ('catalogue', True, 26, ())
    >>> check_file("process_models/contract_approval/as_is.yaml").kind
    'model'
    """
    path = Path(path)
    if _declares_catalogue(path):
        loaded, problems = read_catalogue(path)
        valid = loaded is not None and not has_errors(problems)
        return CheckedFile("catalogue", valid, tuple(problems),
                           len(loaded.catalogue.pools) if loaded is not None and valid else 0)
    model, found = read_model(path)
    return CheckedFile("model", model is not None, tuple(found))
