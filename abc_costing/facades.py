"""Package facades whose names are imported on first use (PEP 562).

A facade (``abc_costing``, ``abc_costing.engine``, ``abc_costing.formats``,
``abc_costing.workflows``) offers a flat namespace but loads a name's module
only when the name is first used, so that reading an event log does not
import the costing engine, nor costing a model SciPy. Each facade also
imports the names for real under ``TYPE_CHECKING``, for type checkers.

Examples
--------
>>> getter, lister = lazy_names("demo", {"sqrt": "math"})
>>> getter("sqrt")(16.0)
4.0
>>> "sqrt" in lister()
True
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_names"]


def lazy_names(module: str, names: Mapping[str, str]
               ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``module``, whose ``names`` map to their modules.

    A name is imported on first use and then kept in the module's namespace,
    so later uses are plain attribute reads.
    """

    def getter(name: str) -> object:
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(names[name]), name)
        facade = sys.modules.get(module)
        if facade is not None:
            setattr(facade, name, value)
        return value

    def lister() -> list[str]:
        facade = sys.modules.get(module)
        return sorted([*(vars(facade) if facade is not None else ()), *names])

    return getter, lister
