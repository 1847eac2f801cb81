"""The process library a user works on: its models, their problems, the portfolio.

Both front ends open the library the same way: every model file under the
folder is read (a broken file is listed as a problem and never hides the
others), costed, and named as users see it, relative to the library folder,
so that no server path reaches a screen, a report or a log.

Examples
--------
>>> library = open_library("process_models")
>>> library.label(library.path_of("contract_approval", "as_is"))
'contract_approval/as_is.yaml'
>>> library.process_title("contract_approval")
'Согласование договора с клиентом (как есть)'
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from abc_costing.i18n import Message

if TYPE_CHECKING:
    # Annotations only: the records and the portfolio load pydantic, networkx and
    # NumPy, and the CLI reads DEFAULT_LIBRARY from here to build its parser.
    from abc_costing.model import ProcessModel
    from abc_costing.portfolio import Portfolio
    from abc_costing.problems import Problem

__all__ = ["DEFAULT_LIBRARY", "Library", "library_signature", "open_library"]

#: The environment variable naming the library folder (the dashboard's and the CLI's).
LIBRARY_ENV = "ABC_COSTING_LIBRARY"
#: The library folder when none is named: ``$ABC_COSTING_LIBRARY``, else
#: ``process_models/`` in the working folder.
DEFAULT_LIBRARY = Path(os.environ.get(LIBRARY_ENV, "").strip() or "process_models")


@dataclass(frozen=True)
class Library:
    """A library folder as loaded: valid models, problems of the others, the portfolio.

    Attributes:
      directory: the library folder.
      models: ``(path, model)`` of every valid model file, in path order.
      problems: what is wrong in the files that could not be used (and
        warnings of those that could), each naming its file relative to the
        library.
      portfolio: every valid variant costed and compared with its ``as_is``.
    """

    directory: Path
    models: tuple[tuple[Path, ProcessModel], ...]
    problems: tuple[Problem, ...]
    portfolio: Portfolio

    def label(self, path: str | Path) -> str:
        """A file as users see it (see :func:`~abc_costing.store.library_label`)."""
        return _label(path, self.directory)

    def find(self, process: str, variant: str) -> tuple[Path, ProcessModel] | None:
        """The file and model of ``process``/``variant``; None when the library has none."""
        return next(((p, m) for p, m in self.models
                     if (m.process, m.variant) == (process, variant)), None)

    def path_of(self, process: str, variant: str) -> Path:
        """The file of a variant; raises KeyError naming it when there is none."""
        found = self.find(process, variant)
        if found is None:
            raise KeyError(f"{process}/{variant} is not in the library")
        return found[0]

    def model(self, process: str, variant: str) -> ProcessModel:
        """The model of a variant; raises KeyError naming it when there is none."""
        found = self.find(process, variant)
        if found is None:
            raise KeyError(f"{process}/{variant} is not in the library")
        return found[1]

    def variant_options(self) -> list[tuple[str, str]]:
        """Every ``(process, variant)``, in portfolio order."""
        return [(row.process, row.variant) for row in self.portfolio.rows]

    def variants(self, process: str) -> list[str]:
        """The variants of ``process``, ``as_is`` first."""
        return [row.variant for row in self.portfolio.variants(process)]

    def process_title(self, process: str) -> str:
        """A process's human title: its ``as_is`` variant's, else any variant's, else its slug."""
        from abc_costing.portfolio import BASELINE_VARIANT

        rows = sorted(self.portfolio.variants(process),
                      key=lambda row: row.variant != BASELINE_VARIANT)
        return next((row.title for row in rows if row.title), process)


def error_message(error: BaseException) -> str:
    """What ``error`` says, keeping its :class:`~abc_costing.i18n.Message` (so a reader of
    another language gets it translated); ``str(error)`` would keep only the English.

    >>> from abc_costing.i18n import N_, translate
    >>> translate(error_message(ValueError(N_("warning"))), "ru")
    'предупреждение'
    >>> error_message(KeyError("x")), error_message(OSError(2, "No such file"))
    ("'x'", '[Errno 2] No such file')
    """
    first = error.args[0] if len(error.args) == 1 else None
    return first if isinstance(first, Message) else str(error)


def open_library(directory: str | Path = DEFAULT_LIBRARY) -> Library:
    """Read, check and cost every model file under ``directory`` (see the module docstring)."""
    from abc_costing.formats import load_library
    from abc_costing.portfolio import build_portfolio

    directory = Path(directory)
    models, problems = load_library(directory)
    portfolio = build_portfolio(models)
    # A file that reads but cannot be costed is listed with the broken ones.
    named = tuple(replace(p, file=_shown(p.file, directory)) if p.file else p
                  for p in (*problems, *portfolio.problems))
    return Library(directory, tuple(models), named, portfolio)


def _shown(file: str, directory: Path) -> str:
    """A problem's file as users see it: relative to the library, the library as named."""
    if Path(file) == directory:
        return str(directory)
    return _label(file, directory)


def _label(path: str | Path, directory: str | Path) -> str:
    # The store's module is loaded on first use (hashlib, tempfile: 0.01-0.03 s of CPU):
    # the CLI imports this module for DEFAULT_LIBRARY before every command.
    from abc_costing.store.model_files import library_label

    return library_label(path, directory)


def library_signature(directory: str | Path) -> tuple[tuple[str, int, int], ...]:
    """Every model file's and the catalogue's name, modification time and size.

    A front end caches the opened library under this signature, so a save by
    anyone (a model, or a pool of ``resources.yaml`` every variant reads)
    shows on the next look without clearing caches by hand.
    """
    from abc_costing.formats import model_files
    from abc_costing.formats.catalogue import CATALOGUE_NAME

    signature = []
    catalogue = Path(directory) / CATALOGUE_NAME
    for path in [*model_files(directory), *([catalogue] if catalogue.is_file() else [])]:
        try:
            info = path.stat()
        except OSError:  # removed between listing and looking
            continue
        signature.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(signature)
