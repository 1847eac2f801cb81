"""Reading and writing model files: the edges of the system.

The names below come from :mod:`abc_costing.formats.yaml_model` and are
imported on first use (PEP 562), so that importing a sibling such as
:mod:`abc_costing.formats.event_log` does not load the model records.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the real imports, for type checkers and readers
    from abc_costing.formats.yaml_model import (
        MAX_FILE_BYTES,
        load_library,
        load_model,
        model_files,
        model_from_data,
        parse_model_text,
        parse_yaml_data,
        read_model,
    )

__all__ = [
    "MAX_FILE_BYTES",
    "load_library",
    "load_model",
    "model_files",
    "model_from_data",
    "parse_yaml_data",
    "parse_model_text",
    "read_model",
]


def __getattr__(name: str) -> object:
    if name not in __all__:
        raise AttributeError(f"module 'abc_costing.formats' has no attribute {name!r}")
    value = getattr(importlib.import_module("abc_costing.formats.yaml_model"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
